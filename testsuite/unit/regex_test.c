/* regex_test.c - the regex compiler (stap/regex.c) and the runtime's Pike
 * VM (runtime/stp_regex.h) together, in userspace.
 *
 * Each case is a pattern, a subject and the expected result: the capture
 * offsets "(so,eo)(so,eo)...", "nomatch", or "ERR" for a pattern the
 * compiler must reject.  A case with no expectation takes glibc's
 * regcomp/regexec(REG_EXTENDED) as the reference, groups included; a case
 * with one is checked against it, and a note says where glibc differs
 * (the documented differences of submatch choice).  Then a seeded random
 * differential run checks the overall match (group 0: POSIX leftmost-
 * longest) against glibc on generated patterns and subjects.
 *
 * Scratch areas are allocated at exactly stp_regex_scratch_size() bytes so
 * that the run under AddressSanitizer (run-regex-test.sh) checks the
 * bounds the runtime relies on.  `regex_test --emit` prints generated C
 * for run-regex-test.sh to compile against the runtime header.
 *
 * Output: "PASS: name" / "FAIL: name" lines; exit status 1 on failure.
 */
#include "../../stap/regex.h"

#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the userspace shim for the runtime header's VM part */
#define unlikely(x) __builtin_expect(!!(x), 0)
#include "../../runtime/stp_regex.h"

/* util.c reports allocation failure through diag.c's fatal(). */
void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static int failures, passes;

/* s with control bytes escaped, for one-line messages. */
static const char *show(const char *s)
{
	static char buf[4][2048];
	static int which;
	char *out = buf[which++ % 4];
	size_t n = 0;
	for (const unsigned char *c = (const unsigned char *)s; *c && n + 5 < sizeof(buf[0]); c++) {
		if (*c < 0x20 || *c >= 0x7f)
			n += (size_t)snprintf(out + n, sizeof(buf[0]) - n, "\\%03o", *c);
		else
			out[n++] = (char)*c;
	}
	out[n] = '\0';
	return out;
}

static void result(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void result(bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s: ", ok ? "PASS" : "FAIL");
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	if (ok)
		passes++;
	else
		failures++;
}

/* ---- running a pattern both ways */

static struct stp_regex to_runtime(const RegexProg *p, const char *pattern)
{
	return (struct stp_regex){
		.prog = p->insns, .classes = p->classes, .len = (uint16_t)p->len,
		.nthreads = (uint16_t)p->nthreads, .ngroups = (uint8_t)p->ngroups,
		.first = p->first < 0 ? STP_RE_NOFIRST : (uint16_t)p->first,
		.anchored = p->anchored, .pattern = pattern,
	};
}

/* "(0,3)(1,2)" for caps, "nomatch", or "ERR". */
static void format_caps(char *out, size_t size, const regoff_t *so, const regoff_t *eo, int n)
{
	size_t len = 0;
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, size - len, "(%d,%d)", (int)so[i], (int)eo[i]);
}

/* Our answer, with a scratch area of exactly the size asked for, or with
 * one big area shared by every call (as a CPU's is) if shared is set. */
static const char *ours_in(const char *pattern, const char *subject, char *out, size_t size,
			   bool shared)
{
	static uint32_t *big;		/* enough for any program */
	const char *err;
	RegexProg *p = regex_compile(pattern, &err);
	if (!p)
		return "ERR";
	struct stp_regex re = to_runtime(p, pattern);
	size_t sz = stp_regex_scratch_size(&re);
	if (shared && !big) {
		struct stp_regex max = { .len = STP_REGEX_MAX_INSNS, .nthreads = STP_REGEX_MAX_INSNS,
					 .ngroups = STP_REGEX_MAX_GROUPS };
		big = calloc(1, stp_regex_scratch_size(&max));
		big[0] = 0xffff0000u;	/* the mark counter wraps during the run */
	}
	void *scratch = shared ? big : calloc(1, sz);
	uint16_t caps[STP_REGEX_MAX_SLOTS];
	regoff_t so[STP_REGEX_MAX_GROUPS], eo[STP_REGEX_MAX_GROUPS];
	bool m = stp_regex_exec(&re, subject, (unsigned)strlen(subject), scratch, caps);
	if (!shared)
		free(scratch);
	if (!m)
		return "nomatch";
	for (int i = 0; i < re.ngroups; i++) {
		so[i] = caps[2 * i] == STP_RE_UNSET ? -1 : caps[2 * i];
		eo[i] = caps[2 * i + 1] == STP_RE_UNSET ? -1 : caps[2 * i + 1];
	}
	format_caps(out, size, so, eo, re.ngroups);
	return out;
}

/* glibc's answer with at most ngroups groups (its submatch search can be
 * exponential: the random run asks for the overall match only). */
static const char *ours(const char *pattern, const char *subject, char *out, size_t size)
{
	return ours_in(pattern, subject, out, size, false);
}

static const char *glibc_n(const char *pattern, const char *subject, char *out, size_t size,
			   int ngroups)
{
	regex_t r;
	regmatch_t m[STP_REGEX_MAX_GROUPS];
	regoff_t so[STP_REGEX_MAX_GROUPS], eo[STP_REGEX_MAX_GROUPS];
	if (regcomp(&r, pattern, REG_EXTENDED))
		return "ERR";
	int n = (int)r.re_nsub + 1;
	if (n > ngroups)
		n = ngroups;
	int rc = regexec(&r, subject, (size_t)n, m, 0);
	regfree(&r);
	if (rc)
		return "nomatch";
	for (int i = 0; i < n; i++)
		so[i] = m[i].rm_so, eo[i] = m[i].rm_eo;
	format_caps(out, size, so, eo, n);
	return out;
}

static const char *glibc(const char *pattern, const char *subject, char *out, size_t size)
{
	return glibc_n(pattern, subject, out, size, STP_REGEX_MAX_GROUPS);
}

/* ---- the table */

struct rcase {
	const char *pattern, *subject;
	const char *expect;		/* NULL: glibc's answer */
};

static const struct rcase cases[] = {
	/* literals, search, anchors */
	{ "abc", "xxabcxx", NULL },
	{ "abc", "ab", NULL },
	{ "", "abc", NULL },
	{ "", "", NULL },
	{ "^abc", "abcd", NULL },
	{ "^abc", "xabc", NULL },
	{ "abc$", "xxabc", NULL },
	{ "abc$", "abcx", NULL },
	{ "^$", "", NULL },
	{ "^$", "a", NULL },
	{ "a^b", "a^b", NULL },
	{ "a$b", "a$b", NULL },
	{ "(^|x)a", "xa", NULL },
	{ "(^a|b$)", "cab", NULL },
	{ "a$|b", "ab", NULL },
	/* skipping ahead (first bytes) and anchoring */
	{ "^(a|b)c", "xac", NULL },
	{ "^(a|b)c", "bcx", NULL },
	{ "^a|b", "xb", NULL },
	{ "(^|b)c", "abc", NULL },
	{ "x*^a", "a", NULL },
	{ "x*^a", "ba", NULL },
	{ "zq", "aaaaaaaaaaaaaaaaaaaaaaaaaaazq", NULL },
	{ "z|$", "abc", NULL },
	{ "\\bz", "az z", NULL },
	{ "[[:digit:]]+", "abc 42 x", NULL },
	/* dot, classes */
	{ "a.c", "abc", NULL },
	{ "a.c", "a\nc", NULL },
	{ "a.c", "ac", NULL },
	{ "[abc]+", "xxcabz", NULL },
	{ "[^abc]+", "abxyzc", NULL },
	{ "[a-z]+[0-9]+", "ABC abc123 x", NULL },
	{ "[]a]+", "x]a]", NULL },
	{ "[^]a]+", "]ab]", NULL },
	{ "[a-]+", "x-a-", NULL },
	{ "[-a]+", "x-a-", NULL },
	{ "[--/]+", "a-./b", NULL },
	{ "[]-a]", "^", NULL },
	{ "[[:alpha:]]+", "12ab3", NULL },
	{ "[[:digit:]]+", "ab123c", NULL },
	{ "[[:alnum:]_]+", "--a_1--", NULL },
	{ "[[:upper:][:digit:]]+", "aB9c", NULL },
	{ "[[:space:]]+", "a \t\nb", NULL },
	{ "[[:punct:]]+", "ab,.!c", NULL },
	{ "[[:xdigit:]]+", "xyzDEADbeefg", NULL },
	{ "[[:lower:]]+", "ABcdE", NULL },
	{ "[[:blank:]]", "a\tb", NULL },
	{ "[[:cntrl:]]", "a\001b", NULL },
	{ "[[:graph:]]+", "  ab  ", NULL },
	{ "[[:print:]]+", "\001ab c\002", NULL },
	{ "[^[:alpha:]]+", "ab12cd", NULL },
	{ "[[.-.]]", "a-b", NULL },
	{ "[[=a=]]", "bab", NULL },
	{ "[[.-.]-a]+", "-.a", NULL },
	{ "[\\]", "a\\b", NULL },
	{ "[.]", "a.b", NULL },
	{ "[*+?{]+", "a*+?{b", NULL },
	{ "[:alpha:]", "l", NULL },
	/* escapes */
	{ "a\\.c", "abc a.c", NULL },
	{ "\\(x\\)", "(x)", NULL },
	{ "\\w+", "  ab_1  ", NULL },
	{ "\\W+", "ab  !cd", NULL },
	{ "\\s+", "ab \t cd", NULL },
	{ "\\S+", "   ab ", NULL },
	{ "x\\b", "x y", NULL },
	{ "x\\b", "xy", NULL },
	{ "\\Bb", "ab b", NULL },
	{ "\\<a", "ba a", NULL },
	{ "a\\>", "ab a", NULL },
	{ "\\ab", "ab", NULL },
	{ "\\n", "n", NULL },
	/* alternation, groups */
	{ "a|b", "xb", NULL },
	{ "ab|cd|ef", "xxefcd", NULL },
	{ "(a|b|c)+", "abcx", NULL },
	{ "(a)|b", "b", NULL },
	{ "a(|b)", "a", NULL },
	{ "()", "a", NULL },
	{ "a|", "b", NULL },
	{ "(a|ab)(c|bcd)(d*)", "abcd", NULL },
	{ "(a|ab)(bcd|c)", "abcd", NULL },
	{ "(foo|foobar)(.*)", "foobarx", NULL },
	{ "([a-z]+)([0-9]+)", "abc123", NULL },
	{ "reg(ex.*p).*r", "regexculpicator", NULL },
	{ "str(ing)", "an example string", NULL },
	{ "(a(b)?)+", "aba", NULL },
	{ "((a)|(b))+", "ab", NULL },
	{ "(a|b)*c", "abc", NULL },
	{ "x(a|b)*y", "xabbay", NULL },
	{ "(.*)=(.*)", "key=val=ue", NULL },
	{ "^([^=]*)=(.*)$", "key=val=ue", NULL },
	{ "(a*)(a*)", "aaa", NULL },
	{ "(a*)+", "b", NULL },
	{ "(a*)*", "b", NULL },
	{ "(a|)+", "ab", NULL },
	{ "(|a)+", "aa", NULL },
	{ "(a*)+b", "aab", NULL },
	{ "((((((((((a))))))))))", "a", NULL },
	{ ")", ")", NULL },
	{ "a)", "xa)", NULL },
	/* leftmost-longest overall */
	{ "a|ab", "abc", NULL },
	{ "ab|a", "abc", NULL },
	{ "x*y*", "zzxy", NULL },
	{ "xabcd|b", "xabcd", NULL },
	{ "b|xabcd", "xabcd", NULL },
	{ "(a|ab)(c|bcd)", "abcd", NULL },
	{ "a+b|a+", "aaa", NULL },
	{ "(wee|week)(knights|night)", "weeknights", NULL },
	{ "(.*)c", "abcbc", NULL },
	/* repetition */
	{ "a*", "aaa", NULL },
	{ "a+", "baaa", NULL },
	{ "a?b", "ab b", NULL },
	{ "a**", "aaa", NULL },
	{ "a+?", "aa", NULL },
	{ "a{3}", "aaaa", NULL },
	{ "a{2,}", "a aa aaa", NULL },
	{ "a{,2}", "aaa", NULL },
	{ "a{,}", "aaa", NULL },
	{ "a{1,2}", "aaa", NULL },
	{ "a{0}", "a", NULL },
	{ "a{0,0}b", "ab", NULL },
	{ "a{1,2}{2}", "aaaaa", NULL },
	{ "x{2}{3}", "xxxxxxx", NULL },
	{ "(a{2})*", "aaaaa", NULL },
	{ "(ab){2,3}", "abababab", NULL },
	{ "(a|b){2,4}c", "ababac", NULL },
	{ "[0-9]{1,3}(\\.[0-9]{1,3}){3}", "ip 192.168.10.1x", NULL },
	{ "a{255}", "a", NULL },
	/* errors (glibc rejects them too) */
	{ "(", "", NULL },
	{ "(ab", "", NULL },
	{ "a(b|c", "", NULL },
	{ "*a", "", NULL },
	{ "a|*b", "", NULL },
	{ "(*a)", "", NULL },
	{ "+", "", NULL },
	{ "^*", "", NULL },
	{ "{a", "", NULL },
	{ "a{", "", NULL },
	{ "a{1", "", NULL },
	{ "a{}", "", NULL },
	{ "a{1,2,3}", "", NULL },
	{ "a{ 1}", "", NULL },
	{ "a{2,1}", "", NULL },
	{ "[a", "", NULL },
	{ "[]", "", NULL },
	{ "[^]", "", NULL },
	{ "[[:foo:]]", "", NULL },
	{ "[z-a]", "", NULL },
	{ "[a-c-e]", "", NULL },
	{ "[[:alpha:]-z]", "", NULL },
	{ "[a-[:alpha:]]", "", NULL },
	{ "a\\", "", NULL },
	/* anchors in repeated groups: glibc answers (0,8) when asked for the
	 * overall match only and nomatch when asked for groups too */
	{ "(^[^a]{2})+", "bx - xb-a-", "(0,2)(0,2)" },
	{ "($[^a]){0,2}", "cx-b-bxx", "(0,0)(-1,-1)" },
	{ "(^a|b)+", "abba", "(0,3)(2,3)" },
	/* ours only */
	{ "(.)\\1", "aa", "ERR" },			/* no back-references */
	{ "[[.space.]]", " ", "ERR" },		/* single-character collating elements */
	{ "a{1025}", "", "ERR" },			/* program too big */
	{ "(a{100}){11}", "", "ERR" },
	{ "((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))", "a", "ERR" },
	{ "(((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))", "a",
	  "(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)"
	  "(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)(0,1)" },
};

static void run_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];
		char a[1024], b[1024];
		const char *got = ours(c->pattern, c->subject, a, sizeof(a));
		const char *ref = glibc(c->pattern, c->subject, b, sizeof(b));
		const char *want = c->expect ? c->expect : ref;
		bool ok = str_eq(got, want);
		result(ok, "regex /%s/ on \"%s\": %s%s%s", show(c->pattern), show(c->subject), got,
		       ok ? "" : ", expected ", ok ? "" : want);
		if (c->expect && !str_eq(ref, want))
			printf("  note: glibc gives %s\n", ref);
	}
}

/* ---- error messages (SystemTap's layout; our wording) */

static void run_errors(void)
{
	static const struct { const char *pattern, *msg; } errs[] = {
		{ "(ab", "regex compilation error (at position 0): unbalanced '('" },
		{ "ab*(c", "regex compilation error (at position 3): unbalanced '('" },
		{ "a|*b", "regex compilation error (at position 2): '*' has nothing to repeat" },
		{ "[abc", "regex compilation error (at position 0): unterminated bracket expression" },
		{ "[[:nope:]]", "regex compilation error (at position 1): invalid character class name" },
		{ "x[z-a]", "regex compilation error (at position 4): invalid range end" },
		{ "a{3,1}", "regex compilation error (at position 1): invalid repetition count (minimum above maximum)" },
		{ "a{x}", "regex compilation error (at position 1): invalid repetition count" },
		{ "a{2", "regex compilation error (at position 1): unbalanced '{'" },
		{ "ab\\", "regex compilation error (at position 2): trailing backslash" },
		{ "(a)\\1", "regex compilation error (at position 3): back-references are not supported" },
		{ "a{2000}", "regex compilation error (at position 1): repetition count too large (at most 1024)" },
		{ "a{1000}b{100}", "regex compilation error (at position 0): regular expression too complex (more than 1024 instructions)" },
	};
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		const char *err = regex_check(errs[i].pattern);
		bool ok = err && str_eq(err, errs[i].msg);
		result(ok, "error for /%s/: %s", errs[i].pattern, err ? err : "(none)");
	}
	result(regex_check("([a-z]+)([0-9]+)") == NULL, "regex_check accepts a valid pattern");
}

/* ---- big programs and long subjects: the scratch bounds (under ASan) */

static void run_stress(void)
{
	static char pat[8192], subj[512];
	char a[2048], b[2048];
	struct { const char *unit; int times; const char *sep; } big[] = {
		{ "(a|b|c)*", 20, "" },		/* many threads, many groups */
		{ ".*", 200, "" },
		{ "[ab]?", 150, "" },
		{ "(x|y)?", 31, "" },		/* the most groups allowed */
		{ "abc", 200, "|" },		/* long alternation, near the limit */
	};
	for (size_t k = 0; k < sizeof(subj) - 1; k++)
		subj[k] = "abcxy"[k % 5];
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		pat[0] = '\0';
		for (int t = 0; t < big[i].times; t++) {
			if (t)
				strcat(pat, big[i].sep);
			strcat(pat, big[i].unit);
		}
		const char *got = ours(pat, subj, a, sizeof(a));
		const char *ref = glibc_n(pat, subj, b, sizeof(b), 1);
		size_t g0 = strcspn(got, ")"), r0 = strcspn(ref, ")");
		result(!str_eq(got, "ERR") && g0 == r0 && !strncmp(got, ref, g0),
		       "big pattern %s x%d on 511 bytes: %s", big[i].unit, big[i].times, got);
	}
	/* over the limits: clean errors, no deep recursion */
	memset(pat, 0, sizeof(pat));
	for (int t = 0; t < 3000; t++)
		strcat(pat, t ? "|a" : "a");
	result(regex_check(pat) != NULL, "3000 alternatives: too complex");
	memset(pat, 'a', 6000);
	pat[6000] = '\0';
	result(regex_check(pat) != NULL, "6000 literals: too complex");
	memset(pat, 0, sizeof(pat));
	for (int t = 0; t < 250; t++)
		strcat(pat, "(");
	result(regex_check(pat) != NULL, "250 open groups: an error");
}

/* One scratch shared by a big and a small program, as on a CPU, with the
 * mark counter about to wrap: results must not depend on stale marks. */
static void run_shared_scratch(void)
{
	const char *err;
	RegexProg *bp = regex_compile("(a|b)*(c|d)+x[[:digit:]]{3}", &err);
	RegexProg *sp = regex_compile("b+c", &err);
	struct stp_regex big = to_runtime(bp, ""), small = to_runtime(sp, "");
	size_t sz = stp_regex_scratch_size(&big);
	if (stp_regex_scratch_size(&small) > sz)
		sz = stp_regex_scratch_size(&small);
	uint32_t *scratch = calloc(1, sz);
	uint16_t caps[STP_REGEX_MAX_SLOTS];
	bool ok = true;
	scratch[0] = 0xfffffff0u;
	for (int i = 0; i < 200; i++) {
		bool m1 = stp_regex_exec(&big, "zzababcdx123", 12, scratch, caps);
		ok = ok && m1 && caps[0] == 2 && caps[1] == 12;
		bool m2 = stp_regex_exec(&small, "abbbc", 5, scratch, caps);
		ok = ok && m2 && caps[0] == 1 && caps[1] == 5;
		ok = ok && !stp_regex_exec(&small, "abbb", 4, scratch, caps);
	}
	free(scratch);
	result(ok, "shared scratch, mark counter wrapping");
}

/* ---- random differential run against glibc (overall match) */

static unsigned long long rng = 0x5eed1234abcdULL;

static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rng >> 33) % n;
}

static void gen_pattern(char *out, size_t size, int depth)
{
	static const char *const atoms[] = {
		"a", "b", "c", ".", "[ab]", "[^a]", "[b-c]", "x", "\\w", "\\W",
	};
	/* no ^ $ \b here: glibc mishandles anchors inside repeated groups
	 * (see the table); the table has them */
	static const char *const quants[] = { "", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,}" };
	size_t len = strlen(out);
	int n = 1 + (int)rnd(3);
	/* small: glibc's regcomp is exponential in nested intervals */
	for (int i = 0; i < n && len < 24 && len + 40 < size; i++) {
		if (depth < 2 && rnd(4) == 0) {
			strcat(out, "(");
			gen_pattern(out, size, depth + 1);
			if (rnd(3) == 0) {
				strcat(out, "|");
				gen_pattern(out, size, depth + 1);
			}
			strcat(out, ")");
		} else {
			strcat(out, atoms[rnd(sizeof(atoms) / sizeof(atoms[0]))]);
		}
		const char *q = quants[rnd(sizeof(quants) / sizeof(quants[0]))];
		strcat(out, q);
		len = strlen(out);
	}
}

static void run_random(int rounds)
{
	int bad = 0, compared = 0, unshared = 0;
	for (int r = 0; r < rounds; r++) {
		char pat[512] = "", subj[24];
		gen_pattern(pat, sizeof(pat), 0);
		int n = (int)rnd(12);
		for (int i = 0; i < n; i++)
			subj[i] = "abcx -"[rnd(6)];
		subj[n] = '\0';
		char a[1024], b[1024];
		const char *got = ours(pat, subj, a, sizeof(a));
		const char *ref = glibc_n(pat, subj, b, sizeof(b), 1);
		char c[1024];
		unshared += !str_eq(got, ours_in(pat, subj, c, sizeof(c), true));
		if (str_eq(ref, "ERR") || str_eq(got, "ERR"))
			continue;
		compared++;
		/* group 0 is the first "(so,eo)" */
		size_t g0 = strcspn(got, ")"), r0 = strcspn(ref, ")");
		if ((g0 != r0 || strncmp(got, ref, g0)) && bad++ < 10)
			printf("  random: /%s/ on \"%s\": ours %s, glibc %s\n", pat, subj, got, ref);
	}
	result(bad == 0, "random: %d patterns, overall match equal to glibc's in %d",
	       compared, compared - bad);
	result(unshared == 0, "random: same answers from one shared scratch area (%d differ)", unshared);
}

/* ---- generated C, for run-regex-test.sh to compile */

static void emit_c(void)
{
	static const char *const pats[] = {
		"([a-z]+)([0-9]+)", "^a.c$", "[[:alpha:]_][[:alnum:]_]*", "x|y|\"z\\\\", "a{2,4}?/*",
	};
	Buf b = {0};
	int ng;
	puts("#include <stdbool.h>\n#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n"
	     "#include <string.h>\n#define unlikely(x) (x)\n#include \"stp_regex.h\"");
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		char name[16];
		snprintf(name, sizeof(name), "%zu", i);
		if (regex_compile_c(pats[i], name, &b, &ng))
			exit(1);
	}
	fputs(buf_cstr(&b), stdout);
	puts("int main(void)\n{\n\tstatic uint32_t scratch[4096];\n\tuint16_t caps[STP_REGEX_MAX_SLOTS];\n"
	     "\tif (stp_regex_scratch_size(&stp_regex_0) > sizeof(scratch))\n\t\treturn 1;\n"
	     "\tif (!stp_regex_exec(&stp_regex_0, \"xx abc123\", 9, scratch, caps))\n\t\treturn 1;\n"
	     "\tprintf(\"%d %d %d %d\\n\", caps[2], caps[3], caps[4], caps[5]);\n"
	     "\tif (!stp_regex_exec(&stp_regex_3, \"a\\\"z\\\\\", 4, scratch, caps))\n\t\treturn 1;\n"
	     "\t/* the others compile */\n"
	     "\treturn !stp_regex_1.len || !stp_regex_2.len || !stp_regex_4.len;\n}");
}

int main(int argc, char **argv)
{
	if (argc > 1 && str_eq(argv[1], "--emit")) {
		emit_c();
		return 0;
	}
	run_table();
	run_errors();
	run_stress();
	run_shared_scratch();
	run_random(argc > 1 ? atoi(argv[1]) : 20000);
	printf("%d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}
