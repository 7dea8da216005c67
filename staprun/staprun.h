/* staprun.h - declarations shared by the parts of staprun.
 *
 * staprun is one small privileged program in four parts:
 *   staprun.c  options, the top-level flow, messages to the user
 *   modload.c  checking a .ko (ELF, vermagic), inserting and removing it,
 *              finding debugfs
 *   session.c  the control channel (.ctl) and the event loop that runs a
 *              session: signals, -c/-x/-T, START/STOP (written by the
 *              "stapio" thread), system() commands
 *   relay.c    reading the per-CPU output files and merging their records
 *              back into flush order; the -o/-S output files
 * The wire format it speaks is runtime/stp_wire.h.
 */
#ifndef STAPRUN_H
#define STAPRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <poll.h>
#include <sys/types.h>

#include "stp_wire.h"

/* --- staprun.c: options and messages ------------------------------------ */

struct options {
	int verbose;			/* -v, repeatable */
	bool no_warnings;		/* -w: drop WARNING lines from the module */
	const char *command;		/* -c CMD */
	long target_pid;		/* -x PID */
	const char *outfile;		/* -o FILE, strftime(3) conversions allowed */
	unsigned int fsize_mb;		/* -S SIZE: MB per output file, 0: one file */
	int fnum_max;			/* -S SIZE,N: output files kept, 0: all */
	bool bulk;			/* -b without a number: per-CPU output */
	unsigned int bufsize_mb;	/* -b MB or -s MB, 0: the module's default */
	long timeout_s;			/* -T SECS, 0: none */
	bool load_only;			/* -L: start, detach, leave it running */
	bool attach;			/* -A: attach to a loaded module */
	bool delete;			/* -d: stop and remove a loaded module */
	bool daemon;			/* -D: run in the background (needs -o) */
	const char *module;		/* MODULE.ko or NAME */
	char **modargs;			/* global=value ... */
	int n_modargs;
};

extern struct options opt;
extern const char *progname;

void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void verbose(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void *xmalloc(size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);

/* --- modload.c: the module file and the kernel's module list ------------- */

struct module_file {
	const char *path;		/* as given or found */
	char name[64];			/* module name (/proc/modules spelling) */
	char vermagic_release[128];	/* first word of vermagic= */
	char *modinfo;			/* copy of .modinfo (parmtype= entries) */
	size_t modinfo_size;
};

int module_inspect(const char *path, struct module_file *mf);
bool module_has_param(const struct module_file *mf, const char *name, size_t len);
int kernel_check_modules(const char *release);
bool module_is_loaded(const char *name);
int module_insert(const struct module_file *mf, const char *params);
int module_remove(const char *name);
int debugfs_find(char *mnt, size_t size);
const char *module_resolve(const char *arg, char *buf, size_t size);
void module_name_from_arg(const char *arg, char *name, size_t size);

/* --- relay.c: per-CPU output ------------------------------------------- */

struct relay_set;

struct relay_set *relay_open_all(const char *dir, int *err);
void relay_join_midstream(struct relay_set *rs);
int relay_set_outputs(struct relay_set *rs, const char *outfile, bool bulk,
		      unsigned int size_mb, int max_files);
int relay_fill_pollfds(struct relay_set *rs, struct pollfd *pfd, int max);
int relay_pump(struct relay_set *rs, bool final);	/* 0, or -errno on output */
int relay_switch_files(struct relay_set *rs);	/* SIGUSR2: the next -o file */
void relay_close_all(struct relay_set *rs);
uint64_t relay_lost_records(const struct relay_set *rs);

/* --- session.c: a session over .ctl ------------------------------------ */

enum session_mode {
	SESSION_RUN,		/* insert was done by us: START ... STOPPED */
	SESSION_ATTACH,		/* -A: ATTACH ... STOPPED */
	SESSION_DELETE,		/* -d: STOP ... STOPPED, output discarded */
};

struct session_result {
	bool leave_loaded;	/* -L or SIGQUIT: module stays in the kernel */
	bool failed;		/* START failed, an ERROR was reported, I/O error */
};

int session_run(const char *name, const char *debugfs, enum session_mode mode,
		struct session_result *res);
int signals_block(void);

#endif /* STAPRUN_H */
