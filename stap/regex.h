/* regex.h - the regular-expression compiler behind `=~` and `!~`.
 *
 * regex.c parses a POSIX extended regular expression (the pattern string
 * literal of a =~ / !~) and compiles it to a program for the runtime's
 * Pike VM (runtime/stp_regex.h, whose instruction set it shares).  Pass 3
 * emits one program per distinct pattern as static const C data.
 */
#ifndef REGEX_H
#define REGEX_H

#include "stap.h"

struct stp_re_insn;

/* A compiled program (arena memory), as the runtime's struct stp_regex. */
typedef struct RegexProg {
	const struct stp_re_insn *insns;
	int len;			/* instructions */
	const uint32_t (*classes)[8];	/* byte sets of CLASS instructions */
	int nclasses;
	int ngroups;			/* capture groups, group 0 included */
	int nthreads;			/* consuming instructions (thread bound) */
	int first;			/* class of the possible first bytes, or -1 */
	bool anchored;			/* matches can only start at offset 0 */
} RegexProg;

/* Compile pattern; NULL with *err set to SystemTap's message
 * ("regex compilation error (at position N): ...") if it is invalid. */
RegexProg *regex_compile(const char *pattern, const char **err);

/* NULL if pattern is valid, else the error message. */
const char *regex_check(const char *pattern);

/* Compile pattern and append its C definition to out: the instructions
 * stp_re_<cname>[], the classes stp_re_<cname>_cls[] and the descriptor
 * `static const struct stp_regex stp_regex_<cname>`.  NULL on success,
 * with *ngroups set (group 0 included); else the error message. */
const char *regex_compile_c(const char *pattern, const char *cname, Buf *out, int *ngroups);

/* Pass 3, the module's programs: the C name ("stp_regex_N") of pattern's
 * program, compiled on first use and shared by later uses; NULL with *err
 * set if pattern is invalid. */
const char *regex_use(const char *pattern, const char **err);

/* Pass 3: the definitions of every program regex_use() handed out and
 * their table stp_regexes[], to precede the code (nothing if none). */
void regex_emit_defs(Buf *out);

/* Pass 3: the statements of stp_gen_init / stp_gen_exit that allocate and
 * free the per-CPU matching state (NULL if the module matches nothing). */
const char *regex_init_code(void);
const char *regex_exit_code(void);

#endif /* REGEX_H */
