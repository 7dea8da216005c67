// SPDX-License-Identifier: GPL-2.0
/* map_test.c - unit tests of runtime/stp_map.h and runtime/stp_stat.h.
 *
 * The runtime headers are kernel code; kshim.h maps the kernel APIs they
 * use onto libc and simulates CPUs, so this runs as a plain program.  Each
 * test prints "PASS name" or "FAIL name: what", then a "N passed, M failed"
 * line; the exit status is 1 if any failed.
 *
 * Expected values come from SystemTap itself: SystemTap 4.8 (Debian
 * 4.8-2) ran equivalent scripts as modules in the lab kernel
 * (lab/stap-vm, 6.1.0-56-amd64), and its output is quoted below: every
 * histogram text, every @variance, the foreach orders.  The histogram
 * layout agrees with SystemTap's own testsuite (systemtap.maps/linear*.exp,
 * log.exp, elision.exp) and the Language Reference, "Histogram
 * extractors".  Build with -DHIST_ELISION=N (N != 2) to run only the
 * elision tests for that setting.
 */
#include "kshim.h"
#include "../../runtime/stp_map.h"

static int npass, nfail;
static char why[512];		/* first failure of the running test */

#define EXPECT(cond, fmt, ...) do {					\
	if (!(cond) && !why[0])						\
		snprintf(why, sizeof(why), "line %d: " fmt, __LINE__,	\
			 ##__VA_ARGS__);				\
} while (0)

#define EXPECT_EQ(got, want) do {					\
	long long __g = (long long)(got), __w = (long long)(want);	\
	EXPECT(__g == __w, "%s is %lld, want %lld", #got, __g, __w);	\
} while (0)

#define EXPECT_STR(got, want) do {					\
	const char *__g = (got), *__w = (want);				\
	EXPECT(!strcmp(__g, __w), "%s is \"%.200s\", want \"%.200s\"",	\
	       #got, __g, __w);						\
} while (0)

static void run(const char *name, void (*fn)(void))
{
	why[0] = '\0';
	kshim_cpu = 0;
	fn();
	if (why[0]) {
		printf("FAIL %s: %s\n", name, why);
		nfail++;
	} else {
		printf("PASS %s\n", name);
		npass++;
	}
}

/* --------------------------------------------------------------- helpers */

static __maybe_unused struct stp_key kl(int64_t a)
{
	struct stp_key k = { .l = { a } };

	return k;
}

static __maybe_unused struct stp_key ks(const char *s)
{
	struct stp_key k = { .s = { s } };

	return k;
}

static __maybe_unused struct stp_key ksl(const char *s, int64_t a)
{
	struct stp_key k = { .s = { s }, .l = { 0, a } };

	return k;
}

/* A map whose key types are spelled "lsl..." (l long, s string). */
static __maybe_unused struct stp_map *new_map(const char *keys, int vtype, unsigned max, bool wrap)
{
	struct stp_map_spec spec = {
		.nkeys = (int)strlen(keys),
		.value_type = (unsigned char)vtype,
		.max_entries = max,
		.wrap = wrap,
	};
	int i;

	for (i = 0; keys[i] && i < STP_MAX_KEYS; i++)
		spec.key_types[i] = keys[i] == 's' ? STP_STRING : STP_LONG;
	return stp_map_new(&spec);
}

static __maybe_unused struct stp_map *new_stat_map(const char *keys, struct stp_stat_spec st,
				    unsigned max, bool wrap)
{
	struct stp_map_spec spec = {
		.nkeys = (int)strlen(keys),
		.value_type = STP_STAT,
		.max_entries = max,
		.wrap = wrap,
		.stat = st,
	};
	int i;

	for (i = 0; keys[i] && i < STP_MAX_KEYS; i++)
		spec.key_types[i] = keys[i] == 's' ? STP_STRING : STP_LONG;
	return stp_map_new(&spec);
}

static char listing[8192] __maybe_unused;

/* The keys a foreach visits, as "k1 k2 ..." ("s,n" for string+long keys). */
static __maybe_unused const char *walk(struct stp_map *m, int col, int dir, int aggr, int64_t limit)
{
	struct stp_map_iter it;
	size_t n = 0;
	int i;

	listing[0] = '\0';
	stp_map_iter_start(m, &it, col, dir, aggr, limit);
	while (stp_map_iter_next(m, &it)) {
		for (i = 0; i < m->spec.nkeys; i++) {
			if (m->spec.key_types[i] == STP_STRING)
				n += snprintf(listing + n, sizeof(listing) - n, "%s%s",
					      i ? "," : "", stp_iter_key_str(&it, i));
			else
				n += snprintf(listing + n, sizeof(listing) - n, "%s%lld",
					      i ? "," : "", (long long)stp_iter_key_long(&it, i));
		}
		n += snprintf(listing + n, sizeof(listing) - n, " ");
	}
	if (n)
		listing[n - 1] = '\0';
	return listing;
}

struct strbuf {
	char s[65536];
	size_t n;
};

static void put_buf(void *ctx, const char *s, size_t n)
{
	struct strbuf *b = ctx;

	if (b->n + n < sizeof(b->s)) {
		memcpy(b->s + b->n, s, n);
		b->n += n;
		b->s[b->n] = '\0';
	}
}

static const char *hist_text(struct stp_stat *s, struct strbuf *b)
{
	struct stp_stat_agg a;

	stp_stat_get(s, &a);
	stp_stat_print_hist(&s->spec, &a, put_buf, b);
	return b->s;
}

static struct stp_stat_spec lin(int64_t lo, int64_t hi, int64_t step)
{
	struct stp_stat_spec sp = { .hist = STP_HIST_LINEAR, .lo = lo, .hi = hi, .step = step };

	return sp;
}

static const struct stp_stat_spec log_spec __maybe_unused = { .hist = STP_HIST_LOG };

/* The multiplication table SystemTap's systemtap.maps/linear.stp feeds. */
static __maybe_unused void add_table(struct stp_stat *s)
{
	int64_t key, m;

	for (key = 0; key < 100; key++) {
		for (m = 1; m <= 15; m++) {
			stp_stat_add(s, key * m);
			if (m == 12)
				stp_stat_add(s, key * m);
		}
	}
}

#if HIST_ELISION == 2

/*
 * Reference output: SystemTap 4.8 printing the same statistics in the lab
 * (print(@hist_linear(...)) / print(@hist_log(...)), default HIST_ELISION).
 */
static const char exp_lin_0_1500[] =
	"value |-------------------------------------------------- count\n"
	"    0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@       177\n"
	"   50 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@         170\n"
	"  100 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                      117\n"
	"  150 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                     122\n"
	"  200 |@@@@@@@@@@@@@@@@@@@@@@@                             94\n"
	"  250 |@@@@@@@@@@@@@@@@@@@@@@@                             94\n"
	"  300 |@@@@@@@@@@@@@@@@@@@                                 79\n"
	"  350 |@@@@@@@@@@@@@@@@@@@                                 79\n"
	"  400 |@@@@@@@@@@@@@@@@                                    65\n"
	"  450 |@@@@@@@@@@@@@@@@                                    67\n"
	"  500 |@@@@@@@@@@@@@                                       55\n"
	"  550 |@@@@@@@@@@@@@                                       54\n"
	"  600 |@@@@@@@@@@@@                                        51\n"
	"  650 |@@@@@@@@@@@                                         45\n"
	"  700 |@@@@@@@@@@                                          41\n"
	"  750 |@@@@@@@@@@                                          40\n"
	"  800 |@@@@@@@@                                            34\n"
	"  850 |@@@@@@@@                                            33\n"
	"  900 |@@@@@@@                                             31\n"
	"  950 |@@@@@@                                              27\n"
	" 1000 |@@@@@                                               23\n"
	" 1050 |@@@@@@                                              24\n"
	" 1100 |@@@@                                                19\n"
	" 1150 |@@@@                                                18\n"
	" 1200 |@@@                                                 12\n"
	" 1250 |@@                                                   9\n"
	" 1300 |@                                                    7\n"
	" 1350 |@                                                    7\n"
	" 1400 |                                                     3\n"
	" 1450 |                                                     3\n"
	" 1500 |                                                     0\n"
	"\n";

static const char exp_lin_250_1000[] =
	"value |-------------------------------------------------- count\n"
	" <250 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@   680\n"
	"  250 |@@@@@@                                              94\n"
	"  300 |@@@@@                                               79\n"
	"  350 |@@@@@                                               79\n"
	"  400 |@@@@                                                65\n"
	"  450 |@@@@                                                67\n"
	"  500 |@@@                                                 55\n"
	"  550 |@@@                                                 54\n"
	"  600 |@@@                                                 51\n"
	"  650 |@@@                                                 45\n"
	"  700 |@@                                                  41\n"
	"  750 |@@                                                  40\n"
	"  800 |@@                                                  34\n"
	"  850 |@@                                                  33\n"
	"  900 |@@                                                  31\n"
	"  950 |@                                                   27\n"
	" 1000 |@                                                   23\n"
	">1000 |@@@@@@@                                            102\n"
	"\n";

static const char exp_log_mult[] =
	"value |-------------------------------------------------- count\n"
	"    0 |@                                                   16\n"
	"    1 |                                                     1\n"
	"    2 |                                                     4\n"
	"    4 |@                                                   11\n"
	"    8 |@@@                                                 30\n"
	"   16 |@@@@@                                               53\n"
	"   32 |@@@@@@@@@@@@                                       109\n"
	"   64 |@@@@@@@@@@@@@@@@@@@@@                              189\n"
	"  128 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                    281\n"
	"  256 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@         384\n"
	"  512 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@      410\n"
	" 1024 |@@@@@@@@@@@@                                       112\n"
	" 2048 |                                                     0\n"
	" 4096 |                                                     0\n"
	"\n";

static const char exp_lin_big_count[] =
	"value |-------------------------------------------------- count\n"
	"   <0 |                                                       1\n"
	"    0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@  12345\n"
	"   10 |                                                       0\n"
	"   20 |                                                       0\n"
	"      ~\n"
	"   80 |                                                       0\n"
	"   90 |                                                       0\n"
	"  >90 |                                                       1\n"
	"\n";

static const char exp_log_big_count[] =
	"value |-------------------------------------------------- count\n"
	"  -16 |                                                       0\n"
	"   -8 |                                                       0\n"
	"   -4 |                                                       1\n"
	"   -2 |                                                       0\n"
	"   -1 |                                                       0\n"
	"      ~\n"
	"    1 |                                                       0\n"
	"    2 |                                                       0\n"
	"    4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@  12345\n"
	"    8 |                                                       0\n"
	"   16 |                                                       0\n"
	"   32 |                                                       0\n"
	"   64 |                                                       1\n"
	"  128 |                                                       0\n"
	"  256 |                                                       0\n"
	"\n";

static const char exp_lin_one_far[] =
	"value |-------------------------------------------------- count\n"
	" 1200 |                                                   0\n"
	" 1300 |                                                   0\n"
	" 1400 |@                                                  1\n"
	" 1500 |                                                   0\n"
	" 1600 |                                                   0\n"
	"\n";

static const char exp_lin_under_neg[] =
	"value |-------------------------------------------------- count\n"
	"<-100 |@                                                  1\n"
	" -100 |                                                   0\n"
	"  -90 |                                                   0\n"
	"\n";

static const char exp_log_wide[] =
	"  value |-------------------------------------------------- count\n"
	"      0 |                                                   0\n"
	"      1 |                                                   0\n"
	"      2 |@                                                  1\n"
	"      4 |                                                   0\n"
	"      8 |                                                   0\n"
	"        ~\n"
	" 131072 |                                                   0\n"
	" 262144 |                                                   0\n"
	" 524288 |@                                                  1\n"
	"1048576 |                                                   0\n"
	"2097152 |                                                   0\n"
	"\n";

static const char exp_log_zero[] =
	"value |-------------------------------------------------- count\n"
	"    0 |@                                                  1\n"
	"    1 |                                                   0\n"
	"    2 |                                                   0\n"
	"\n";

static const char exp_lin_sprint[] =
	"value |-------------------------------------------------- count\n"
	"    0 |@@@@@@@                                             177\n"
	"   50 |@@@@@@@                                             170\n"
	"  100 |@@@@@                                               117\n"
	" >100 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@  1136\n"
	"\n";

static const char exp_lin_95[] =
	"value |-------------------------------------------------- count\n"
	"    0 |@                                                  1\n"
	"   10 |                                                   0\n"
	"   20 |                                                   0\n"
	"      ~\n"
	"   70 |                                                   0\n"
	"   80 |                                                   0\n"
	"   90 |@@                                                 2\n"
	"  >90 |@@                                                 2\n"
	"\n";

static const char exp_lin_one_tilde[] =
	"value |-------------------------------------------------- count\n"
	"    0 |                                                   0\n"
	"   10 |@                                                  1\n"
	"   20 |                                                   0\n"
	"   30 |                                                   0\n"
	"      ~\n"
	"   50 |                                                   0\n"
	"   60 |                                                   0\n"
	"   70 |@                                                  1\n"
	"   80 |                                                   0\n"
	"   90 |                                                   0\n"
	"\n";

static const char exp_lin_run4[] =
	"value |-------------------------------------------------- count\n"
	"    0 |                                                   0\n"
	"   10 |@                                                  1\n"
	"   20 |                                                   0\n"
	"   30 |                                                   0\n"
	"   40 |                                                   0\n"
	"   50 |                                                   0\n"
	"   60 |@                                                  1\n"
	"   70 |                                                   0\n"
	"   80 |                                                   0\n"
	"\n";

static const char exp_lin_scale51[] =
	"value |-------------------------------------------------- count\n"
	"    0 |@@@@@@@@@@@@@@@@@@@@@@@@@                          51\n"
	"   10 |@@@@@@@@@@@@@@@@@@@@@@@@@                          50\n"
	"   20 |                                                    1\n"
	"   30 |                                                    0\n"
	"\n";

static const char exp_lin_over_hidden[] =
	"value |-------------------------------------------------- count\n"
	" 9700 |                                                   0\n"
	" 9800 |                                                   0\n"
	" 9900 |@                                                  1\n"
	"10000 |                                                   0\n"
	"\n";

static const char exp_lin_under_hidden[] =
	" value |-------------------------------------------------- count\n"
	"-10000 |@                                                  1\n"
	" -9900 |                                                   0\n"
	" -9800 |                                                   0\n"
	"\n";

static const char exp_log_full[] =
	"               value |-------------------------------------------------- count\n"
	"-9223372036854775808 |@                                                  1\n"
	"-4611686018427387904 |@                                                  1\n"
	"-2305843009213693952 |@                                                  1\n"
	"-1152921504606846976 |@                                                  1\n"
	" -576460752303423488 |@                                                  1\n"
	" -288230376151711744 |@                                                  1\n"
	" -144115188075855872 |@                                                  1\n"
	"  -72057594037927936 |@                                                  1\n"
	"  -36028797018963968 |@                                                  1\n"
	"  -18014398509481984 |@                                                  1\n"
	"   -9007199254740992 |@                                                  1\n"
	"   -4503599627370496 |@                                                  1\n"
	"   -2251799813685248 |@                                                  1\n"
	"   -1125899906842624 |@                                                  1\n"
	"    -562949953421312 |@                                                  1\n"
	"    -281474976710656 |@                                                  1\n"
	"    -140737488355328 |@                                                  1\n"
	"     -70368744177664 |@                                                  1\n"
	"     -35184372088832 |@                                                  1\n"
	"     -17592186044416 |@                                                  1\n"
	"      -8796093022208 |@                                                  1\n"
	"      -4398046511104 |@                                                  1\n"
	"      -2199023255552 |@                                                  1\n"
	"      -1099511627776 |@                                                  1\n"
	"       -549755813888 |@                                                  1\n"
	"       -274877906944 |@                                                  1\n"
	"       -137438953472 |@                                                  1\n"
	"        -68719476736 |@                                                  1\n"
	"        -34359738368 |@                                                  1\n"
	"        -17179869184 |@                                                  1\n"
	"         -8589934592 |@                                                  1\n"
	"         -4294967296 |@                                                  1\n"
	"         -2147483648 |@                                                  1\n"
	"         -1073741824 |@                                                  1\n"
	"          -536870912 |@                                                  1\n"
	"          -268435456 |@                                                  1\n"
	"          -134217728 |@                                                  1\n"
	"           -67108864 |@                                                  1\n"
	"           -33554432 |@                                                  1\n"
	"           -16777216 |@                                                  1\n"
	"            -8388608 |@                                                  1\n"
	"            -4194304 |@                                                  1\n"
	"            -2097152 |@                                                  1\n"
	"            -1048576 |@                                                  1\n"
	"             -524288 |@                                                  1\n"
	"             -262144 |@                                                  1\n"
	"             -131072 |@                                                  1\n"
	"              -65536 |@                                                  1\n"
	"              -32768 |@                                                  1\n"
	"              -16384 |@                                                  1\n"
	"               -8192 |@                                                  1\n"
	"               -4096 |@                                                  1\n"
	"               -2048 |@                                                  1\n"
	"               -1024 |@                                                  1\n"
	"                -512 |@                                                  1\n"
	"                -256 |@                                                  1\n"
	"                -128 |@                                                  1\n"
	"                 -64 |@                                                  1\n"
	"                 -32 |@                                                  1\n"
	"                 -16 |@                                                  1\n"
	"                  -8 |@                                                  1\n"
	"                  -4 |@                                                  1\n"
	"                  -2 |@                                                  1\n"
	"                  -1 |@                                                  1\n"
	"                   0 |@@@@@@@                                            7\n"
	"                   1 |@                                                  1\n"
	"                   2 |@                                                  1\n"
	"                   4 |@                                                  1\n"
	"                   8 |@                                                  1\n"
	"                  16 |@                                                  1\n"
	"                  32 |@                                                  1\n"
	"                  64 |@                                                  1\n"
	"                 128 |@                                                  1\n"
	"                 256 |@                                                  1\n"
	"                 512 |@                                                  1\n"
	"                1024 |@                                                  1\n"
	"                2048 |@                                                  1\n"
	"                4096 |@                                                  1\n"
	"                8192 |@                                                  1\n"
	"               16384 |@                                                  1\n"
	"               32768 |@                                                  1\n"
	"               65536 |@                                                  1\n"
	"              131072 |@                                                  1\n"
	"              262144 |@                                                  1\n"
	"              524288 |@                                                  1\n"
	"             1048576 |@                                                  1\n"
	"             2097152 |@                                                  1\n"
	"             4194304 |@                                                  1\n"
	"             8388608 |@                                                  1\n"
	"            16777216 |@                                                  1\n"
	"            33554432 |@                                                  1\n"
	"            67108864 |@                                                  1\n"
	"           134217728 |@                                                  1\n"
	"           268435456 |@                                                  1\n"
	"           536870912 |@                                                  1\n"
	"          1073741824 |@                                                  1\n"
	"          2147483648 |@                                                  1\n"
	"          4294967296 |@                                                  1\n"
	"          8589934592 |@                                                  1\n"
	"         17179869184 |@                                                  1\n"
	"         34359738368 |@                                                  1\n"
	"         68719476736 |@                                                  1\n"
	"        137438953472 |@                                                  1\n"
	"        274877906944 |@                                                  1\n"
	"        549755813888 |@                                                  1\n"
	"       1099511627776 |@                                                  1\n"
	"       2199023255552 |@                                                  1\n"
	"       4398046511104 |@                                                  1\n"
	"       8796093022208 |@                                                  1\n"
	"      17592186044416 |@                                                  1\n"
	"      35184372088832 |@                                                  1\n"
	"      70368744177664 |@                                                  1\n"
	"     140737488355328 |@                                                  1\n"
	"     281474976710656 |@                                                  1\n"
	"     562949953421312 |@                                                  1\n"
	"    1125899906842624 |@                                                  1\n"
	"    2251799813685248 |@                                                  1\n"
	"    4503599627370496 |@                                                  1\n"
	"    9007199254740992 |@                                                  1\n"
	"   18014398509481984 |@                                                  1\n"
	"   36028797018963968 |@                                                  1\n"
	"   72057594037927936 |@                                                  1\n"
	"  144115188075855872 |@                                                  1\n"
	"  288230376151711744 |@                                                  1\n"
	"  576460752303423488 |@                                                  1\n"
	" 1152921504606846976 |@                                                  1\n"
	" 2305843009213693952 |@                                                  1\n"
	" 4611686018427387904 |@                                                  1\n"
	"\n";

/* one histogram per add_log_window() case, each followed by "=" */
static const char exp_log_windows[] =
	"value |-------------------------------------------------- count\n"
	"    0 |                                                   0\n"
	"    1 |@                                                  1\n"
	"    2 |                                                   0\n"
	"    4 |                                                   0\n"
	"\n"
	"=\n"
	"value |-------------------------------------------------- count\n"
	"   -4 |                                                   0\n"
	"   -2 |                                                   0\n"
	"   -1 |@                                                  1\n"
	"    0 |                                                   0\n"
	"    1 |                                                   0\n"
	"\n"
	"=\n"
	"value |-------------------------------------------------- count\n"
	"    0 |                                                   0\n"
	"    1 |                                                   0\n"
	"    2 |@                                                  1\n"
	"    4 |                                                   0\n"
	"    8 |                                                   0\n"
	"\n"
	"=\n"
	"value |-------------------------------------------------- count\n"
	"   -4 |                                                   0\n"
	"   -2 |                                                   0\n"
	"   -1 |@                                                  1\n"
	"    0 |                                                   0\n"
	"    1 |@                                                  1\n"
	"    2 |                                                   0\n"
	"    4 |                                                   0\n"
	"\n"
	"=\n"
	"value |-------------------------------------------------- count\n"
	"  -16 |                                                   0\n"
	"   -8 |                                                   0\n"
	"   -4 |@                                                  1\n"
	"   -2 |                                                   0\n"
	"   -1 |                                                   0\n"
	"\n"
	"=\n"
	"value |-------------------------------------------------- count\n"
	"   -4 |                                                   0\n"
	"   -2 |                                                   0\n"
	"   -1 |@                                                  1\n"
	"    0 |@                                                  1\n"
	"    1 |                                                   0\n"
	"    2 |                                                   0\n"
	"\n"
	"=\n"
	"value |-------------------------------------------------- count\n"
	" -256 |                                                   0\n"
	" -128 |                                                   0\n"
	"  -64 |@                                                  1\n"
	"  -32 |                                                   0\n"
	"  -16 |                                                   0\n"
	"      ~\n"
	"    1 |                                                   0\n"
	"    2 |                                                   0\n"
	"    4 |@                                                  1\n"
	"    8 |                                                   0\n"
	"   16 |                                                   0\n"
	"\n"
	"=\n";

static const char exp_log_extremes[] =
	"               value |-------------------------------------------------- count\n"
	"-9223372036854775808 |@                                                  1\n"
	"-4611686018427387904 |                                                   0\n"
	"-2305843009213693952 |                                                   0\n"
	"                     ~\n"
	"                  -8 |                                                   0\n"
	"                  -4 |                                                   0\n"
	"                  -2 |@                                                  1\n"
	"                  -1 |                                                   0\n"
	"                   0 |@                                                  1\n"
	"                   1 |@                                                  1\n"
	"                   2 |                                                   0\n"
	"                   4 |@                                                  1\n"
	"                   8 |                                                   0\n"
	"                  16 |                                                   0\n"
	"                     ~\n"
	" 1152921504606846976 |                                                   0\n"
	" 2305843009213693952 |                                                   0\n"
	" 4611686018427387904 |@                                                  1\n"
	"\n";

/* ------------------------------------------------------------ map tests */

static void test_long_basic(void)
{
	struct stp_map *m = new_map("l", STP_LONG, 0, false);
	struct stp_key k;

	EXPECT(m != NULL, "stp_map_new failed");
	if (!m)
		return;
	EXPECT_EQ(stp_map_size(m), 0);
	k = kl(7);
	EXPECT_EQ(stp_map_get_long(m, &k), 0);
	EXPECT(!stp_map_exists(m, &k), "7 in a before any set");
	EXPECT_EQ(stp_map_set_long(m, &k, 42), 0);
	EXPECT_EQ(stp_map_get_long(m, &k), 42);
	EXPECT(stp_map_exists(m, &k), "7 not in a");
	EXPECT_EQ(stp_map_set_long(m, &k, -1), 0);
	EXPECT_EQ(stp_map_get_long(m, &k), -1);
	EXPECT_EQ(stp_map_size(m), 1);
	/* assigning 0 keeps the element (SystemTap NEWS, 0.7) */
	EXPECT_EQ(stp_map_set_long(m, &k, 0), 0);
	EXPECT(stp_map_exists(m, &k), "a[7] = 0 removed the element");
	EXPECT_EQ(stp_map_size(m), 1);
	EXPECT_STR(walk(m, 0, 1, 0, 0), "7");
	k = kl(INT64_MIN);
	EXPECT_EQ(stp_map_set_long(m, &k, INT64_MAX), 0);
	EXPECT_EQ(stp_map_get_long(m, &k), INT64_MAX);
	stp_map_delete(m, &k);
	EXPECT(!stp_map_exists(m, &k), "deleted key still in a");
	stp_map_delete(m, &k);	/* absent: no-op */
	EXPECT_EQ(stp_map_size(m), 1);
	stp_map_clear(m);
	EXPECT_EQ(stp_map_size(m), 0);
	k = kl(7);
	EXPECT(!stp_map_exists(m, &k), "cleared key still in a");
	EXPECT_STR(walk(m, 0, 1, 0, 0), "");
	EXPECT_EQ(stp_map_set_long(m, &k, 3), 0);
	EXPECT_STR(walk(m, 0, 1, 0, 0), "7");
	stp_map_free(m);
	stp_map_free(NULL);
}

static void test_string_values(void)
{
	struct stp_map *m = new_map("s", STP_STRING, 0, false);
	char big[600], big2[600];
	struct stp_key k;

	if (!m) {
		EXPECT(0, "stp_map_new failed");
		return;
	}
	k = ks("a");
	EXPECT_STR(stp_map_get_str(m, &k), "");
	EXPECT_EQ(stp_map_set_str(m, &k, "hello"), 0);
	EXPECT_STR(stp_map_get_str(m, &k), "hello");
	EXPECT_EQ(stp_map_set_str(m, &k, ""), 0);
	EXPECT(stp_map_exists(m, &k), "a[\"a\"] = \"\" removed the element");
	k = ks(NULL);			/* a NULL string is "" */
	EXPECT_EQ(stp_map_set_str(m, &k, "empty key"), 0);
	k = ks("");
	EXPECT_STR(stp_map_get_str(m, &k), "empty key");
	EXPECT_EQ(stp_map_size(m), 2);

	/* keys and values keep MAXSTRINGLEN-1 characters */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big2, big, sizeof(big2));
	big2[MAXSTRINGLEN + 5] = 'y';
	k = ks(big);
	EXPECT_EQ(stp_map_set_str(m, &k, big), 0);
	EXPECT_EQ(strlen(stp_map_get_str(m, &k)), MAXSTRINGLEN - 1);
	k = ks(big2);		/* same first MAXSTRINGLEN-1 chars: same key */
	EXPECT(stp_map_exists(m, &k), "truncated keys differ");
	EXPECT_EQ(stp_map_size(m), 3);
	big2[MAXSTRINGLEN - 2] = 'y';	/* differs inside the kept part */
	k = ks(big2);
	EXPECT(!stp_map_exists(m, &k), "different keys collide");
	EXPECT_EQ(stp_map_set_str(m, &k, "z"), 0);
	EXPECT_EQ(stp_map_size(m), 4);
	stp_map_free(m);
}

/* Every arity 1..9 with several long/string patterns. */
static void test_mixed_keys(void)
{
	static const unsigned masks[] = { 0x000, 0x1ff, 0x155, 0x0aa, 0x10f };
	char bufs[STP_MAX_KEYS][32];
	int nk, mi, j, i;

	for (nk = 1; nk <= STP_MAX_KEYS; nk++) {
		for (mi = 0; mi < 5; mi++) {
			char types[STP_MAX_KEYS + 1];
			struct stp_map *m;
			struct stp_key k;

			for (j = 0; j < nk; j++)
				types[j] = masks[mi] & (1u << j) ? 's' : 'l';
			types[nk] = '\0';
			m = new_map(types, STP_LONG, 64, false);
			if (!m) {
				EXPECT(0, "stp_map_new(%s) failed", types);
				return;
			}
			for (i = 0; i < 50; i++) {
				for (j = 0; j < nk; j++) {
					snprintf(bufs[j], sizeof(bufs[j]), "k%d_%d", j, i);
					k.s[j] = bufs[j];
					k.l[j] = i * 1000 + j;
				}
				EXPECT_EQ(stp_map_set_long(m, &k, i), 0);
			}
			EXPECT_EQ(stp_map_size(m), 50);
			for (i = 0; i < 50; i++) {
				int c;

				for (j = 0; j < nk; j++) {
					snprintf(bufs[j], sizeof(bufs[j]), "k%d_%d", j, i);
					k.s[j] = bufs[j];
					k.l[j] = i * 1000 + j;
				}
				EXPECT_EQ(stp_map_get_long(m, &k), i);
				/* changing any one component gives another key */
				for (c = 0; c < nk; c++) {
					struct stp_key k2 = k;

					if (types[c] == 's')
						k2.s[c] = "other";
					else
						k2.l[c] = -5;
					EXPECT(!stp_map_exists(m, &k2),
					       "%s: key %d with component %d changed exists",
					       types, i, c);
				}
				/* only the slot of the key's type is read */
				for (j = 0; j < nk; j++) {
					if (types[j] == 's')
						k.l[j] = 12345;
					else
						k.s[j] = "ignored";
				}
				EXPECT(stp_map_exists(m, &k), "%s: unused slots were read", types);
				if (i % 3 == 0)
					stp_map_delete(m, &k);
			}
			EXPECT_EQ(stp_map_size(m), 33);
			stp_map_free(m);
		}
	}
}

/* Many keys, long chains, deletes in the middle of chains, reuse. */
static void test_churn(void)
{
	struct stp_map *m = new_map("ls", STP_LONG, 1000, false);
	struct stp_key k;
	char buf[32];
	int i, round;

	if (!m) {
		EXPECT(0, "stp_map_new failed");
		return;
	}
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 1000; i++) {
			snprintf(buf, sizeof(buf), "%d", i % 7);
			k.l[0] = i;
			k.s[1] = buf;
			EXPECT_EQ(stp_map_set_long(m, &k, i + round), 0);
		}
		k = kl(5000);
		k.s[1] = "x";
		EXPECT_EQ(stp_map_set_long(m, &k, 1), -E2BIG);
		for (i = 0; i < 1000; i += 2) {
			snprintf(buf, sizeof(buf), "%d", i % 7);
			k.l[0] = i;
			k.s[1] = buf;
			stp_map_delete(m, &k);
		}
		EXPECT_EQ(stp_map_size(m), 500);
		for (i = 0; i < 1000; i++) {
			snprintf(buf, sizeof(buf), "%d", i % 7);
			k.l[0] = i;
			k.s[1] = buf;
			EXPECT_EQ(stp_map_exists(m, &k), i % 2);
			if (i % 2)
				EXPECT_EQ(stp_map_get_long(m, &k), i + round);
		}
	}
	stp_map_free(m);
}

static void test_overflow(void)
{
	struct stp_map *m = new_map("l", STP_LONG, 4, false);
	struct stp_key k;
	int i;

	if (!m) {
		EXPECT(0, "stp_map_new failed");
		return;
	}
	for (i = 1; i <= 4; i++) {
		k = kl(i);
		EXPECT_EQ(stp_map_set_long(m, &k, i), 0);
	}
	k = kl(5);
	EXPECT_EQ(stp_map_set_long(m, &k, 5), -E2BIG);
	EXPECT(!stp_map_exists(m, &k), "overflowing key was stored");
	k = kl(2);
	EXPECT_EQ(stp_map_set_long(m, &k, 22), 0);	/* updates still work */
	stp_map_delete(m, &k);
	k = kl(5);
	EXPECT_EQ(stp_map_set_long(m, &k, 5), 0);
	EXPECT_STR(walk(m, 0, 1, 0, 0), "1 3 4 5");
	stp_map_free(m);
}

/*
 * `global w%[3]`, SystemTap 4.8: after w[1..5] = 10..50 foreach gives
 * "3=30 4=40 5=50"; then w[3] = 99; w[6] = 60 gives "4=40 5=50 6=60"
 * (an update does not make an entry younger).
 */
static void test_wrap(void)
{
	struct stp_map *m = new_map("l", STP_LONG, 3, true);
	struct stp_key k;
	int i;

	if (!m) {
		EXPECT(0, "stp_map_new failed");
		return;
	}
	for (i = 1; i <= 5; i++) {
		k = kl(i);
		EXPECT_EQ(stp_map_set_long(m, &k, i * 10), 0);
	}
	EXPECT_STR(walk(m, 0, 1, 0, 0), "3 4 5");
	k = kl(3);
	EXPECT_EQ(stp_map_set_long(m, &k, 99), 0);
	k = kl(6);
	EXPECT_EQ(stp_map_set_long(m, &k, 60), 0);
	EXPECT_STR(walk(m, 0, 1, 0, 0), "4 5 6");
	k = kl(5);
	EXPECT_EQ(stp_map_get_long(m, &k), 50);
	k = kl(3);
	EXPECT(!stp_map_exists(m, &k), "evicted key still there");
	EXPECT_EQ(stp_map_size(m), 3);
	stp_map_free(m);
}

/* SystemTap 4.8: o[1..3] = 1..3; delete o[2]; o[2] = 22; o[1] = 11 -> 1 3 2 */
static void test_reinsert_order(void)
{
	struct stp_map *m = new_map("l", STP_LONG, 0, false);
	struct stp_key k;
	int i;

	if (!m) {
		EXPECT(0, "stp_map_new failed");
		return;
	}
	for (i = 1; i <= 3; i++) {
		k = kl(i);
		stp_map_set_long(m, &k, i);
	}
	k = kl(2);
	stp_map_delete(m, &k);
	stp_map_set_long(m, &k, 22);
	k = kl(1);
	stp_map_set_long(m, &k, 11);
	EXPECT_STR(walk(m, 0, 1, 0, 0), "1 3 2");
	stp_map_free(m);
}

/*
 * Sorting.  SystemTap 4.8 on a fresh array a[5]=1 a[3]=2 a[9]=1 a[1]=2
 * a[7]=1 a[2]=0: unsorted "5 3 9 1 7 2", `a-` "3 1 5 9 7 2", `a+`
 * "2 5 9 7 3 1": a stable sort over the insertion order.
 */
static void test_sort_long(void)
{
	static const int64_t keys[] = { 5, 3, 9, 1, 7, 2 }, vals[] = { 1, 2, 1, 2, 1, 0 };
	struct stp_map *m = new_map("l", STP_LONG, 0, false);
	struct stp_key k;
	int i;

	if (!m) {
		EXPECT(0, "stp_map_new failed");
		return;
	}
	for (i = 0; i < 6; i++) {
		k = kl(keys[i]);
		stp_map_set_long(m, &k, vals[i]);
	}
	EXPECT_STR(walk(m, 0, 1, 0, 0), "5 3 9 1 7 2");
	EXPECT_STR(walk(m, -1, -1, 0, 0), "3 1 5 9 7 2");
	EXPECT_STR(walk(m, -1, 1, 0, 0), "2 5 9 7 3 1");
	EXPECT_STR(walk(m, 1, -1, 0, 0), "9 7 5 3 2 1");
	EXPECT_STR(walk(m, 1, 1, 0, 3), "1 2 3");
	EXPECT_STR(walk(m, -1, 1, 0, 2), "2 5");
	EXPECT_STR(walk(m, 0, 1, 0, 4), "5 3 9 1");
	EXPECT_STR(walk(m, 0, 1, 0, -3), "5 3 9 1 7 2");
	EXPECT_STR(walk(m, 1, 1, 0, 100), "1 2 3 5 7 9");
	/* the map's own order is untouched by sorting */
	EXPECT_STR(walk(m, 0, 1, 0, 0), "5 3 9 1 7 2");
	EXPECT_EQ(m->slots_busy, 0);
	stp_map_free(m);
}

/*
 * b["x",2]=5 b["a",9]=5 b["x",1]=5 b["m",4]=7 b["a",1]=3.  SystemTap 4.8
 * gives "a,9 a,1 m,4 x,2 x,1" for [s+,n] on the fresh array (later sorts
 * there start from the previous sort's order, which we do not keep).
 */
static void test_sort_multikey(void)
{
	struct stp_map *m = new_map("sl", STP_LONG, 0, false);
	struct stp_key k;

	if (!m) {
		EXPECT(0, "stp_map_new failed");
		return;
	}
	k = ksl("x", 2); stp_map_set_long(m, &k, 5);
	k = ksl("a", 9); stp_map_set_long(m, &k, 5);
	k = ksl("x", 1); stp_map_set_long(m, &k, 5);
	k = ksl("m", 4); stp_map_set_long(m, &k, 7);
	k = ksl("a", 1); stp_map_set_long(m, &k, 3);
	EXPECT_STR(walk(m, 0, 1, 0, 0), "x,2 a,9 x,1 m,4 a,1");
	EXPECT_STR(walk(m, 1, 1, 0, 0), "a,9 a,1 m,4 x,2 x,1");
	EXPECT_STR(walk(m, 2, -1, 0, 0), "a,9 m,4 x,2 x,1 a,1");
	EXPECT_STR(walk(m, -1, 1, 0, 2), "a,1 x,2");
	EXPECT_STR(walk(m, -1, -1, 0, 0), "m,4 x,2 a,9 x,1 a,1");
	stp_map_free(m);
}

/* SystemTap 4.8: s["b"]="zz" s["a"]="" s["c"]="aa" s["B"]="zz":
 * by value "a c b B", by key descending "c b a B" (byte order). */
static void test_sort_strings(void)
{
	struct stp_map *m = new_map("s", STP_STRING, 0, false);
	struct stp_key k;

	if (!m) {
		EXPECT(0, "stp_map_new failed");
		return;
	}
	k = ks("b"); stp_map_set_str(m, &k, "zz");
	k = ks("a"); stp_map_set_str(m, &k, "");
	k = ks("c"); stp_map_set_str(m, &k, "aa");
	k = ks("B"); stp_map_set_str(m, &k, "zz");
	EXPECT_STR(walk(m, -1, 1, 0, 0), "a c b B");
	EXPECT_STR(walk(m, 1, -1, 0, 0), "c b a B");
	EXPECT_STR(walk(m, -1, -1, 0, 0), "b B c a");
	stp_map_free(m);
}

/* Nested sorted loops over one map, and more of them than sort slots. */
static void test_sort_nested(void)
{
	struct stp_map *m = new_map("l", STP_LONG, 0, false);
	struct stp_map_iter it[STP_MAP_ITER_SLOTS + 2];
	char got[64];
	int64_t i, n;
	int d, j;

	if (!m) {
		EXPECT(0, "stp_map_new failed");
		return;
	}
	for (i = 0; i < 5; i++) {
		struct stp_key k = kl(i);

		stp_map_set_long(m, &k, (i * 3) % 5);	/* values 0 3 1 4 2 */
	}
	/* depth STP_MAP_ITER_SLOTS + 2: the last two sort by selection */
	for (d = 0; d < STP_MAP_ITER_SLOTS + 2; d++)
		stp_map_iter_start(m, &it[d], d % 2 ? -1 : 1, d % 3 ? 1 : -1, 0, 0);
	EXPECT_EQ(m->slots_busy, (1ul << STP_MAP_ITER_SLOTS) - 1);
	for (d = 0; d < STP_MAP_ITER_SLOTS + 2; d++) {
		n = 0;
		for (j = 0; stp_map_iter_next(m, &it[d]); j++)
			n += snprintf(got + n, sizeof(got) - n, "%lld ",
				      (long long)stp_iter_key_long(&it[d], 0));
		/* by key descending: 4 3 2 1 0; by value ascending: 0 2 4 1 3 */
		EXPECT_STR(got, d % 2 ? (d % 3 ? "0 2 4 1 3 " : "3 1 4 2 0 ")
				      : (d % 3 ? "0 1 2 3 4 " : "4 3 2 1 0 "));
	}
	EXPECT_EQ(m->slots_busy, 0);

	/* an outer loop sorted by value with a full inner loop each step */
	{
		struct stp_map_iter out, in;
		char all[512];
		size_t len = 0;

		stp_map_iter_start(m, &out, -1, 1, 0, 0);
		while (stp_map_iter_next(m, &out)) {
			len += snprintf(all + len, sizeof(all) - len, "%lld:",
					(long long)stp_iter_key_long(&out, 0));
			stp_map_iter_start(m, &in, 1, -1, 0, 0);
			while (stp_map_iter_next(m, &in))
				len += snprintf(all + len, sizeof(all) - len, "%lld",
						(long long)stp_iter_key_long(&in, 0));
			len += snprintf(all + len, sizeof(all) - len, " ");
		}
		EXPECT_STR(all, "0:43210 2:43210 4:43210 1:43210 3:43210 ");
	}

	/* break out of a loop: stp_map_iter_end() gives the slot back */
	stp_map_iter_start(m, &it[0], 1, 1, 0, 0);
	EXPECT(stp_map_iter_next(m, &it[0]), "empty loop");
	EXPECT_EQ(m->slots_busy, 1);
	stp_map_iter_end(m, &it[0]);
	stp_map_iter_end(m, &it[0]);
	EXPECT_EQ(m->slots_busy, 0);
	/* a loop abandoned without stp_map_iter_end() only slows later ones */
	for (d = 0; d < STP_MAP_ITER_SLOTS; d++)
		stp_map_iter_start(m, &it[d], 1, 1, 0, 0);
	EXPECT_STR(walk(m, -1, -1, 0, 0), "3 1 4 2 0");
	EXPECT_STR(walk(m, 1, 1, 0, 2), "0 1");
	/* ... until the same iterator starts again: its old slot comes back */
	for (d = 0; d < STP_MAP_ITER_SLOTS; d++)
		stp_map_iter_start(m, &it[d], -1, 1, 0, 0);
	EXPECT_EQ(m->slots_busy, (1ul << STP_MAP_ITER_SLOTS) - 1);
	for (d = 0; d < STP_MAP_ITER_SLOTS; d++) {
		EXPECT(it[d].mode == STP_ITER_BUF, "restarted loop %d has no slot", d);
		while (stp_map_iter_next(m, &it[d]))
			;
	}
	EXPECT_EQ(m->slots_busy, 0);
	for (d = 0; d < STP_MAP_ITER_SLOTS; d++)
		stp_map_iter_end(m, &it[d]);
	EXPECT_EQ(m->slots_busy, 0);
	stp_map_free(m);
}

/* delete a[*, 1], delete a["x", *] */
static void test_delete_matching(void)
{
	struct stp_map *m = new_map("sl", STP_LONG, 0, false);
	struct stp_map *st = new_stat_map("ls", log_spec, 0, false);
	static const char *const names[] = { "x", "y", "z" };
	struct stp_key k;
	int i, j;

	if (!m || !st) {
		EXPECT(0, "stp_map_new failed");
		goto out;
	}
	for (i = 0; i < 3; i++) {
		for (j = 1; j <= 3; j++) {
			k = ksl(names[i], j);
			stp_map_set_long(m, &k, i * 10 + j);
			k.l[0] = j;
			k.s[1] = names[i];
			kshim_cpu = (i + j) % 2;
			stp_map_stat_add(st, &k, j);
		}
	}
	kshim_cpu = 0;
	k = ksl(NULL, 1);
	stp_map_delete_matching(m, &k, 0x1);
	EXPECT_STR(walk(m, 0, 1, 0, 0), "x,2 x,3 y,2 y,3 z,2 z,3");
	k = ksl("x", 0);
	stp_map_delete_matching(m, &k, 0x2);
	EXPECT_STR(walk(m, 0, 1, 0, 0), "y,2 y,3 z,2 z,3");
	k = ksl("z", 3);
	stp_map_delete_matching(m, &k, 0);
	EXPECT_STR(walk(m, 0, 1, 0, 0), "y,2 y,3 z,2");
	k = ksl("y", 2);
	EXPECT_EQ(stp_map_set_long(m, &k, 5), 0);
	EXPECT_EQ(stp_map_size(m), 3);

	k.l[0] = 2;
	k.s[1] = NULL;
	stp_map_delete_matching(st, &k, 0x2);
	EXPECT_STR(walk(st, 1, 1, 0, 0), "1,y 1,x 1,z 3,y 3,x 3,z");	/* CPU 0 first */
	k.s[1] = "y";
	stp_map_delete_matching(st, &k, 0x1);
	EXPECT_STR(walk(st, 1, 1, 0, 0), "1,x 1,z 3,x 3,z");
	EXPECT_EQ(stp_map_size(st), 4);
out:
	stp_map_free(m);
	stp_map_free(st);
}

/* ------------------------------------------------------ statistic maps */

/*
 * SystemTap 4.8: st["p"] <<< 5, 7; st["q"] <<< 100; st["r"] <<< 1, 1, 1:
 * `st-` (by @count) "r p q", @sum- "q p r", @min+ "r p q", @avg+ "r p q".
 */
static void test_stat_map_sort(void)
{
	struct stp_stat_spec none = { 0 };
	struct stp_map *m = new_stat_map("s", none, 0, false);
	struct stp_stat_agg a;
	struct stp_key k;

	if (!m) {
		EXPECT(0, "stp_map_new failed");
		return;
	}
	k = ks("p"); stp_map_stat_add(m, &k, 5); stp_map_stat_add(m, &k, 7);
	k = ks("q"); stp_map_stat_add(m, &k, 100);
	k = ks("r"); stp_map_stat_add(m, &k, 1); stp_map_stat_add(m, &k, 1);
	stp_map_stat_add(m, &k, 1);
	EXPECT_STR(walk(m, -1, -1, STP_AGG_DEFAULT, 0), "r p q");
	EXPECT_STR(walk(m, -1, -1, STP_AGG_COUNT, 0), "r p q");
	EXPECT_STR(walk(m, -1, -1, STP_AGG_SUM, 0), "q p r");
	EXPECT_STR(walk(m, -1, 1, STP_AGG_MIN, 0), "r p q");
	EXPECT_STR(walk(m, -1, 1, STP_AGG_AVG, 0), "r p q");
	EXPECT_STR(walk(m, -1, -1, STP_AGG_MAX, 1), "q");
	EXPECT_STR(walk(m, -1, -1, STP_AGG_VARIANCE, 0), "p q r");
	EXPECT_STR(walk(m, 1, 1, 0, 0), "p q r");
	k = ks("p");
	EXPECT(stp_map_stat_get(m, &k, &a), "p has no data");
	EXPECT_EQ(a.count, 2);
	EXPECT_EQ(a.sum, 12);
	EXPECT_EQ(stp_agg_avg(&a), 6);
	EXPECT_EQ(stp_agg_variance(&a, 0), 2);
	k = ks("zz");
	EXPECT(!stp_map_stat_get(m, &k, &a), "absent key has data");
	EXPECT(stp_agg_empty(&a), "absent key's aggregate not empty");
	EXPECT_EQ(a.count, 0);
	EXPECT_EQ(a.sum, 0);
	stp_map_free(m);
}

/* The same key on several CPUs is one element; reads merge the CPUs. */
static void test_stat_map_cpus(void)
{
	struct stp_map *m;
	struct stp_map_iter it;
	struct stp_stat_agg a;
	struct stp_key k;
	int64_t i;

	kshim_possible = 0xb;
	m = new_stat_map("l", log_spec, 6, false);
	kshim_possible = 0xf;
	if (!m) {
		EXPECT(0, "stp_map_new failed");
		return;
	}
	EXPECT(m->tabs[2] == NULL, "a table for an impossible CPU");
	kshim_possible = 0xb;
	/* CPU 0: 10 11 12, CPU 1: 20 10 21 22, CPU 3: 12; CPU 2 impossible */
	for (i = 10; i <= 12; i++) {
		k = kl(i);
		stp_map_stat_add(m, &k, i);
	}
	kshim_cpu = 1;
	for (i = 20; i <= 22; i++) {
		k = kl(i);
		stp_map_stat_add(m, &k, i);
		if (i == 20) {
			k = kl(10);
			stp_map_stat_add(m, &k, 1000);
		}
	}
	kshim_cpu = 3;
	k = kl(12);
	stp_map_stat_add(m, &k, -4);
	kshim_cpu = 0;

	EXPECT_EQ(stp_map_size(m), 6);
	EXPECT_STR(walk(m, 0, 1, 0, 0), "10 11 12 20 21 22");
	EXPECT_STR(walk(m, -1, -1, 0, 0), "10 12 11 20 21 22");
	EXPECT_STR(walk(m, -1, -1, STP_AGG_SUM, 3), "10 22 21");
	EXPECT_STR(walk(m, 1, -1, 0, 0), "22 21 20 12 11 10");
	k = kl(10);
	EXPECT(stp_map_stat_get(m, &k, &a), "10 has no data");
	EXPECT_EQ(a.count, 2);
	EXPECT_EQ(a.sum, 1010);
	EXPECT_EQ(a.min, 10);
	EXPECT_EQ(a.max, 1000);
	EXPECT_EQ(stp_hist_bucket(&log_spec, &a, STP_HIST_LOG_ZERO + 4), 1);
	EXPECT_EQ(stp_hist_bucket(&log_spec, &a, STP_HIST_LOG_ZERO + 10), 1);
	stp_map_iter_start(m, &it, 1, 1, 0, 0);
	EXPECT(stp_map_iter_next(m, &it), "empty loop");
	stp_iter_val_stat(&it, &a);
	EXPECT_EQ(a.count, 2);
	EXPECT_EQ(a.sum, 1010);
	EXPECT(stp_map_iter_next(m, &it), "short loop");
	EXPECT(stp_map_iter_next(m, &it), "short loop");
	EXPECT_EQ(stp_iter_key_long(&it, 0), 12);
	stp_iter_val_stat(&it, &a);
	EXPECT_EQ(a.count, 2);
	EXPECT_EQ(a.sum, 8);
	EXPECT_EQ(a.min, -4);
	stp_map_iter_end(m, &it);

	/* each CPU's table holds max_entries: the union may hold more */
	kshim_cpu = 3;
	for (i = 23; i <= 27; i++) {
		k = kl(i);
		EXPECT_EQ(stp_map_stat_add(m, &k, 1), 0);
	}
	k = kl(28);
	EXPECT_EQ(stp_map_stat_add(m, &k, 1), -E2BIG);
	k = kl(12);
	EXPECT_EQ(stp_map_stat_add(m, &k, 1), 0);	/* a present key still adds */
	kshim_cpu = 0;
	EXPECT_EQ(stp_map_size(m), 11);
	EXPECT_STR(walk(m, 0, 1, 0, 0), "10 11 12 20 21 22 23 24 25 26 27");
	stp_map_iter_start(m, &it, 1, 1, 0, 0);
	for (i = 0; stp_map_iter_next(m, &it); i++)
		;
	EXPECT_EQ(stp_map_iter_error(&it), -E2BIG);	/* "aggregation overflow" */
	EXPECT_EQ(i, 6);

	k = kl(10);
	EXPECT(stp_map_exists(m, &k), "10 not in st");
	stp_map_delete(m, &k);
	EXPECT(!stp_map_exists(m, &k), "10 deleted on one CPU only");
	k = kl(12);
	stp_map_delete(m, &k);
	EXPECT_EQ(stp_map_size(m), 9);
	EXPECT_STR(walk(m, 0, 1, 0, 0), "11 20 21 22 23 24 25 26 27");
	stp_map_clear(m);
	EXPECT_EQ(stp_map_size(m), 0);
	EXPECT_STR(walk(m, -1, 1, 0, 0), "");
	stp_map_free(m);
	kshim_possible = 0xf;
}

/* SystemTap 4.8 evicts the oldest element of a full `global sw%[3]` too. */
static void test_stat_map_wrap(void)
{
	struct stp_stat_spec none = { 0 };
	struct stp_map *m = new_stat_map("l", none, 3, true);
	struct stp_key k;
	int i;

	if (!m) {
		EXPECT(0, "stp_map_new failed");
		return;
	}
	for (i = 1; i <= 5; i++) {
		k = kl(i);
		EXPECT_EQ(stp_map_stat_add(m, &k, i), 0);
	}
	EXPECT_STR(walk(m, 1, 1, 0, 0), "3 4 5");
	EXPECT_EQ(stp_map_size(m), 3);
	stp_map_free(m);
}

static void test_bad_specs(void)
{
	struct stp_map_spec spec = { .nkeys = 1, .key_types = { STP_LONG },
				     .value_type = STP_LONG };
	struct stp_stat_spec st;

	EXPECT(!new_map("", STP_LONG, 0, false), "0 keys accepted");
	EXPECT(!new_map("llllllllll", STP_LONG, 0, false), "10 keys accepted");
	spec.value_type = 9;
	EXPECT(!stp_map_new(&spec), "value type 9 accepted");
	spec.value_type = STP_LONG;
	spec.key_types[0] = STP_STAT;
	EXPECT(!stp_map_new(&spec), "STAT key accepted");
	EXPECT(!new_stat_map("l", lin(0, 10, 0), 0, false), "step 0 accepted");
	EXPECT(!new_stat_map("l", lin(10, 10, 1), 0, false), "hi == lo accepted");
	st = log_spec;
	st.bit_shift = 64;
	EXPECT(!stp_stat_new(&st), "shift 64 accepted");
	/* SystemTap 4.8: (hi - lo) / step at most 125, i.e. 128 buckets */
	st = lin(0, 125, 1);
	EXPECT_EQ(stp_hist_nbuckets(&st), 128);
	st = lin(0, 126, 1);
	EXPECT_EQ(stp_hist_nbuckets(&st), -EINVAL);
	st = lin(0, 5, 10);		/* one regular bucket */
	EXPECT_EQ(stp_hist_nbuckets(&st), 3);
	st = lin(INT64_MIN, INT64_MAX, INT64_MAX);
	EXPECT_EQ(stp_hist_nbuckets(&st), 5);
	EXPECT_EQ(stp_hist_nbuckets(&log_spec), 128);
}

/* Every allocation failure unwinds completely. */
static void test_enomem(void)
{
	long base = kshim_live, n;

	for (n = 1; n < 100; n++) {
		struct stp_map *m;

		kshim_fail_in = n;
		m = new_stat_map("sl", log_spec, 16, false);
		if (m) {
			EXPECT_EQ(kshim_fail_in, 1);	/* the failure was never reached */
			stp_map_free(m);
			break;
		}
		EXPECT_EQ(kshim_live, base);
	}
	EXPECT(n > 5 && n < 100, "unexpected allocation count %ld", n);
	for (n = 1; n < 10; n++) {
		struct stp_stat *s;

		kshim_fail_in = n;
		s = stp_stat_new(&log_spec);
		if (s) {
			stp_stat_free(s);
			break;
		}
		EXPECT_EQ(kshim_live, base);
	}
	kshim_fail_in = 0;
	EXPECT_EQ(kshim_live, base);
}

/* ------------------------------------------------------------ statistics */

/* SystemTap's integer @variance, written the obvious way: the check on the
 * header's expanded form.  cpus[c] are the values added on CPU c. */
static int64_t ref_variance(const int64_t *const *cpus, const int *n, int ncpu, int shift)
{
	int64_t cnt = 0, sum = 0, s1 = 0, a, tot, r;
	int64_t avg[NR_CPUS] = { 0 };
	int c, i;

	for (c = 0; c < ncpu; c++) {
		int64_t k = 0, m2 = 0;

		for (i = 0; i < n[c]; i++) {
			int64_t xs = stp_wshl(cpus[c][i], shift), d;

			if (k++ == 0) {
				avg[c] = xs;
				continue;
			}
			d = stp_wsub(xs, avg[c]);
			avg[c] = stp_wadd(avg[c], d / k);
			m2 = stp_wadd(m2, stp_wmul(d, stp_wsub(xs, avg[c])));
			}
		cnt += n[c];
		for (i = 0; i < n[c]; i++)
			sum = stp_wadd(sum, cpus[c][i]);
		if (n[c] > 1)
			s1 = stp_wadd(s1, stp_wmul(n[c] - 1, m2 / (n[c] - 1)));
	}
	if (cnt < 2)
		return 0;
	a = stp_wshl(sum, shift) / cnt;
	tot = s1;
	for (c = 0; c < ncpu; c++) {
		int64_t dev = stp_wsub(avg[c], a);

		if (n[c])
			tot = stp_wadd(tot, stp_wmul(stp_wmul(n[c], dev), dev));
	}
	r = tot / (cnt - 1);
	return 2 * shift >= 64 ? (r < 0 ? -1 : 0) : r >> (2 * shift);
}

/* A scalar statistic fed vals[] on CPU 0, then read. */
static void feed(struct stp_stat_agg *a, int shift, const int64_t *vals, int n)
{
	struct stp_stat_spec sp = { .bit_shift = shift };
	struct stp_stat *s = stp_stat_new(&sp);
	int i;

	memset(a, 0, sizeof(*a));
	if (!s) {
		EXPECT(0, "stp_stat_new failed");
		return;
	}
	for (i = 0; i < n; i++)
		stp_stat_add(s, vals[i]);
	stp_stat_get(s, a);
	stp_stat_free(s);
}

/* @variance and @avg as SystemTap 4.8 computed them in the lab. */
static void test_variance_reference(void)
{
	static int64_t v[9000];
	struct stp_stat_agg a;
	int i, n;

	v[0] = 444; v[1] = 999;
	feed(&a, 7, v, 2);
	EXPECT_EQ(stp_agg_variance(&a, 7), 154012);
	EXPECT_EQ(stp_agg_avg(&a), 721);
	for (i = 0; i < 100; i++)
		v[i] = i;
	feed(&a, 0, v, 100);
	EXPECT_EQ(stp_agg_variance(&a, 0), 5741);	/* Welford's mean drifts */
	for (i = 0; i < 9000; i++)
		v[i] = 1000 + i;
	feed(&a, 0, v, 9000);
	EXPECT_EQ(stp_agg_variance(&a, 0), 47241750);
	for (n = 0, i = 0; i < 100; i++) {
		int m;

		for (m = 1; m <= 15; m++) {
			v[n++] = i * m;
			if (m == 12)
				v[n++] = i * m;
		}
	}
	feed(&a, 0, v, n);
	EXPECT_EQ(a.count, 1600);
	EXPECT_EQ(a.sum, 653400);
	EXPECT_EQ(a.min, 0);
	EXPECT_EQ(a.max, 1485);
	EXPECT_EQ(stp_agg_avg(&a), 408);
	EXPECT_EQ(stp_agg_variance(&a, 0), 450768);
	v[0] = 5;
	feed(&a, 0, v, 1);
	EXPECT_EQ(stp_agg_variance(&a, 0), 0);
	v[0] = -5; v[1] = 3; v[2] = -100; v[3] = 7;
	feed(&a, 0, v, 4);
	EXPECT_EQ(stp_agg_variance(&a, 0), 2613);
	EXPECT_EQ(stp_agg_avg(&a), -23);
	for (i = 0; i < 10; i++)
		v[i] = (int64_t)i * i * 1000 - 5000;
	feed(&a, 4, v, 10);
	EXPECT_EQ(stp_agg_variance(&a, 4), 801172444);
	v[0] = 1; v[1] = 2; v[2] = 4;
	feed(&a, 31, v, 3);
	EXPECT_EQ(stp_agg_variance(&a, 31), 0);
	v[0] = 3; v[1] = 5;
	feed(&a, 40, v, 2);
	EXPECT_EQ(stp_agg_variance(&a, 40), 0);
	v[0] = -7; v[1] = 0;
	feed(&a, 0, v, 2);
	EXPECT_EQ(stp_agg_avg(&a), -3);
}

/*
 * Per-CPU accumulation.  SystemTap 4.8 on 2 CPUs, k = 0..4 on CPU 0 adding
 * k*37-20 and on CPU 1 adding k*k*1000+3: @count 10 @sum 30285 @avg 3028
 * @min -20 @max 16003, @variance 29172926, with shift 3 29165619.
 */
static void test_stat_percpu(void)
{
	struct stp_stat_spec sp0 = { 0 }, sp3 = { .bit_shift = 3 };
	struct stp_stat *s0, *s3;
	struct stp_stat_agg a;
	int64_t k;

	kshim_possible = 0xb;		/* CPU 2 impossible */
	s0 = stp_stat_new(&sp0);
	s3 = stp_stat_new(&sp3);
	if (!s0 || !s3) {
		EXPECT(0, "stp_stat_new failed");
		goto out;
	}
	stp_stat_get(s0, &a);
	EXPECT(stp_agg_empty(&a), "new statistic not empty");
	EXPECT_EQ(a.count, 0);
	EXPECT_EQ(a.sum, 0);
	EXPECT_EQ(stp_agg_avg(&a), 0);
	for (k = 0; k < 5; k++) {
		kshim_cpu = 0;
		stp_stat_add(s0, k * 37 - 20);
		stp_stat_add(s3, k * 37 - 20);
		kshim_cpu = 1;
		stp_stat_add(s0, k * k * 1000 + 3);
		stp_stat_add(s3, k * k * 1000 + 3);
	}
	kshim_cpu = 0;
	stp_stat_get(s0, &a);
	EXPECT_EQ(a.count, 10);
	EXPECT_EQ(a.sum, 30285);
	EXPECT_EQ(stp_agg_avg(&a), 3028);
	EXPECT_EQ(a.min, -20);
	EXPECT_EQ(a.max, 16003);
	EXPECT_EQ(stp_agg_variance(&a, 0), 29172926);
	stp_stat_get(s3, &a);
	EXPECT_EQ(stp_agg_variance(&a, 3), 29165619);
	/* CPU 3 joins with a lower minimum */
	kshim_cpu = 3;
	stp_stat_add(s0, -21);
	kshim_cpu = 0;
	stp_stat_get(s0, &a);
	EXPECT_EQ(a.count, 11);
	EXPECT_EQ(a.min, -21);
	stp_stat_clear(s0);
	stp_stat_get(s0, &a);
	EXPECT(stp_agg_empty(&a), "cleared statistic not empty");
	stp_stat_add(s0, 9);
	stp_stat_get(s0, &a);
	EXPECT_EQ(a.count, 1);
	EXPECT_EQ(a.min, 9);
	EXPECT_EQ(a.max, 9);
out:
	stp_stat_free(s0);
	stp_stat_free(s3);
	stp_stat_free(NULL);
	kshim_possible = 0xf;
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static int64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (int64_t)rng;
}

/* Random data on random CPUs against plain computations. */
static void test_stat_random(void)
{
	static int64_t vals[NR_CPUS][400];
	const int64_t *cpus[NR_CPUS];
	int n[NR_CPUS], round, c, i;

	for (round = 0; round < 200 && !why[0]; round++) {
		int shift = round % 9, range = round % 4;
		struct stp_stat_spec sp = { .bit_shift = shift };
		struct stp_stat *s = stp_stat_new(&sp);
		struct stp_stat_agg a;
		int64_t cnt = 0, sum = 0, min = INT64_MAX, max = INT64_MIN;

		if (!s) {
			EXPECT(0, "stp_stat_new failed");
			return;
		}
		for (c = 0; c < NR_CPUS; c++) {
			n[c] = (int)((uint64_t)rnd() % 400);
			if (round % 5 == 0 && c)
				n[c] = 0;
			cpus[c] = vals[c];
		}
		for (i = 0; i < 400; i++) {
			for (c = 0; c < NR_CPUS; c++) {
				int64_t v = rnd();

				if (i >= n[c])
					continue;
				/* small, medium, large, and overflowing values */
				v = range == 0 ? v % 100 : range == 1 ? v % 1000000 :
				    range == 2 ? v % 3000000000LL : v;
				vals[c][i] = v;
				kshim_cpu = c;
				stp_stat_add(s, v);
				cnt++;
				sum = stp_wadd(sum, v);
				min = v < min ? v : min;
				max = v > max ? v : max;
			}
		}
		kshim_cpu = 0;
		stp_stat_get(s, &a);
		EXPECT_EQ(a.count, cnt);
		EXPECT_EQ(a.sum, sum);
		if (cnt) {
			EXPECT_EQ(a.min, min);
			EXPECT_EQ(a.max, max);
			EXPECT_EQ(stp_agg_avg(&a), sum / cnt);
		}
		/* with room for fraction bits, close to the sample variance */
		if (range == 1 && (shift == 4 || shift == 5) && cnt > 100) {
			double mean = 0, var = 0;

			for (c = 0; c < NR_CPUS; c++)
				for (i = 0; i < n[c]; i++)
					mean += (double)vals[c][i] / cnt;
			for (c = 0; c < NR_CPUS; c++)
				for (i = 0; i < n[c]; i++)
					var += (vals[c][i] - mean) * (vals[c][i] - mean) / (cnt - 1);
			EXPECT(stp_agg_variance(&a, shift) > var * 0.99 &&
			       stp_agg_variance(&a, shift) < var * 1.01 + 1,
			       "round %d: variance %lld, sample variance %.0f", round,
			       (long long)stp_agg_variance(&a, shift), var);
		}
		EXPECT(stp_agg_variance(&a, shift) == ref_variance(cpus, n, NR_CPUS, shift),
		       "round %d: variance %lld, reference %lld", round,
		       (long long)stp_agg_variance(&a, shift),
		       (long long)ref_variance(cpus, n, NR_CPUS, shift));
		stp_stat_free(s);
	}
}

/* ------------------------------------------------------------ histograms */

/* A statistic with a histogram spec, fed by fn, printed. */
static const char *print_stat(struct stp_stat_spec sp, void (*fn)(struct stp_stat *),
			      struct strbuf *b)
{
	struct stp_stat *s = stp_stat_new(&sp);

	b->n = 0;
	b->s[0] = '\0';
	if (!s) {
		EXPECT(0, "stp_stat_new failed");
		return "";
	}
	fn(s);
	hist_text(s, b);
	stp_stat_free(s);
	return b->s;
}

static void add_big_count(struct stp_stat *s)
{
	int i;

	for (i = 0; i < 12345; i++)
		stp_stat_add(s, 7);
	stp_stat_add(s, 100);
	stp_stat_add(s, -5);
}

static void add_1450(struct stp_stat *s) { stp_stat_add(s, 1450); }
static void add_minus_million(struct stp_stat *s) { stp_stat_add(s, -1000000); }
static void add_3_million(struct stp_stat *s) { stp_stat_add(s, 3); stp_stat_add(s, 1000000); }
static void add_0(struct stp_stat *s) { stp_stat_add(s, 0); }
static void add_9950(struct stp_stat *s) { stp_stat_add(s, 9950); }
static void add_minus_9950(struct stp_stat *s) { stp_stat_add(s, -9950); }
static void add_15_75(struct stp_stat *s) { stp_stat_add(s, 15); stp_stat_add(s, 75); }
static void add_15_65(struct stp_stat *s) { stp_stat_add(s, 15); stp_stat_add(s, 65); }

static void add_95(struct stp_stat *s)
{
	stp_stat_add(s, 96);
	stp_stat_add(s, 99);
	stp_stat_add(s, 100);
	stp_stat_add(s, 120);
	stp_stat_add(s, 5);
}

static void add_scale51(struct stp_stat *s)
{
	int i;

	for (i = 0; i < 51; i++)
		stp_stat_add(s, 5);
	for (i = 0; i < 50; i++)
		stp_stat_add(s, 15);
	stp_stat_add(s, 25);
}

/* +-2^i for i < 63, -2^63, and seven zeros */
static void add_powers(struct stp_stat *s)
{
	int64_t v = 1;
	int i;

	for (i = 0; i < 63; i++) {
		stp_stat_add(s, v);
		stp_stat_add(s, -v);
		v = stp_wshl(v, 1);
	}
	stp_stat_add(s, v);
	for (i = 0; i < 7; i++)
		stp_stat_add(s, 0);
}

static void add_extremes(struct stp_stat *s)
{
	stp_stat_add(s, -3);
	stp_stat_add(s, 0);
	stp_stat_add(s, 1);
	stp_stat_add(s, 5);
	stp_stat_add(s, INT64_MAX);
	stp_stat_add(s, INT64_MIN);
}

static struct strbuf hb;

/* Where a log histogram's rows start and end around 0. */
static void test_hist_log_window(void)
{
	static const int64_t cases[][2] = {
		{ 1, 1 }, { -1, -1 }, { 2, 2 }, { -1, 1 }, { -4, -4 }, { 0, -1 }, { 4, -64 },
	};
	static struct strbuf b;
	unsigned i;

	b.n = 0;
	b.s[0] = '\0';
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct stp_stat *s = stp_stat_new(&log_spec);

		if (!s) {
			EXPECT(0, "stp_stat_new failed");
			return;
		}
		stp_stat_add(s, cases[i][0]);
		if (cases[i][1] != cases[i][0])
			stp_stat_add(s, cases[i][1]);
		hist_text(s, &b);
		put_buf(&b, "=\n", 2);
		stp_stat_free(s);
	}
	EXPECT_STR(b.s, exp_log_windows);
}

static void test_hist_table(void)
{
	EXPECT_STR(print_stat(lin(0, 1500, 50), add_table, &hb), exp_lin_0_1500);
	EXPECT_STR(print_stat(lin(250, 1000, 50), add_table, &hb), exp_lin_250_1000);
	EXPECT_STR(print_stat(log_spec, add_table, &hb), exp_log_mult);
	EXPECT_STR(print_stat(lin(0, 100, 50), add_table, &hb), exp_lin_sprint);
}

static void test_hist_shapes(void)
{
	EXPECT_STR(print_stat(lin(0, 90, 10), add_big_count, &hb), exp_lin_big_count);
	EXPECT_STR(print_stat(log_spec, add_big_count, &hb), exp_log_big_count);
	EXPECT_STR(print_stat(lin(0, 10000, 100), add_1450, &hb), exp_lin_one_far);
	EXPECT_STR(print_stat(lin(-100, 100, 10), add_minus_million, &hb), exp_lin_under_neg);
	EXPECT_STR(print_stat(log_spec, add_3_million, &hb), exp_log_wide);
	EXPECT_STR(print_stat(log_spec, add_0, &hb), exp_log_zero);
	EXPECT_STR(print_stat(lin(0, 95, 10), add_95, &hb), exp_lin_95);
	EXPECT_STR(print_stat(lin(0, 200, 10), add_15_75, &hb), exp_lin_one_tilde);
	EXPECT_STR(print_stat(lin(0, 200, 10), add_15_65, &hb), exp_lin_run4);
	EXPECT_STR(print_stat(lin(0, 30, 10), add_scale51, &hb), exp_lin_scale51);
	EXPECT_STR(print_stat(lin(0, 10000, 100), add_9950, &hb), exp_lin_over_hidden);
	EXPECT_STR(print_stat(lin(-10000, 0, 100), add_minus_9950, &hb), exp_lin_under_hidden);
	EXPECT_STR(print_stat(log_spec, add_powers, &hb), exp_log_full);
	EXPECT_STR(print_stat(log_spec, add_extremes, &hb), exp_log_extremes);
}

/* Bucket access; SystemTap 4.8 gave the same counts and foreach indexes. */
static void test_hist_buckets(void)
{
	struct stp_stat_spec sp = lin(0, 30, 10), sp95 = lin(0, 95, 10);
	struct stp_stat *s = stp_stat_new(&sp);
	struct stp_stat_agg a;
	int i;

	if (!s) {
		EXPECT(0, "stp_stat_new failed");
		return;
	}
	stp_stat_get(s, &a);
	EXPECT(stp_agg_empty(&a), "empty statistic has data");
	hb.n = 0;
	hb.s[0] = '\0';
	stp_stat_print_hist(&sp, &a, put_buf, &hb);
	EXPECT_STR(hb.s, "");	/* SystemTap: ERROR: empty aggregate */
	stp_stat_add(s, -7);
	stp_stat_add(s, 5);
	stp_stat_add(s, 25);
	stp_stat_add(s, 1000);
	stp_stat_get(s, &a);
	EXPECT_EQ(stp_hist_nbuckets(&sp), 6);
	EXPECT_EQ(a.nbuckets, 6);
	EXPECT_EQ(stp_hist_bucket(&sp, &a, 0), 1);
	EXPECT_EQ(stp_hist_bucket(&sp, &a, 1), 1);
	EXPECT_EQ(stp_hist_bucket(&sp, &a, 2), 0);
	EXPECT_EQ(stp_hist_bucket(&sp, &a, 3), 1);
	EXPECT_EQ(stp_hist_bucket(&sp, &a, 4), 0);
	EXPECT_EQ(stp_hist_bucket(&sp, &a, 5), 1);
	EXPECT_EQ(stp_hist_bucket(&sp, &a, 6), 0);
	EXPECT_EQ(stp_hist_bucket(&sp, &a, -1), 0);
	stp_stat_free(s);

	s = stp_stat_new(&sp95);
	if (s) {
		add_95(s);
		stp_stat_get(s, &a);
		EXPECT_EQ(a.nbuckets, 12);
		for (i = 0; i < 12; i++)
			EXPECT_EQ(stp_hist_bucket(&sp95, &a, i), i == 1 ? 1 : i >= 10 ? 2 : 0);
		stp_stat_free(s);
	}

	s = stp_stat_new(&log_spec);
	if (!s)
		return;
	add_extremes(s);
	stp_stat_get(s, &a);
	EXPECT_EQ(a.nbuckets, 128);
	for (i = 0; i < 128; i++)
		EXPECT_EQ(stp_hist_bucket(&log_spec, &a, i),
			  i == 0 || i == 62 || i == 64 || i == 65 || i == 67 || i == 127);
	EXPECT_EQ(stp_hist_bucket(&log_spec, &a, 128), 0);
	stp_stat_free(s);
}

/* A histogram per key, merged over CPUs, prints like a scalar one. */
static void test_hist_in_map(void)
{
	struct stp_map *m = new_stat_map("s", lin(0, 90, 10), 0, false);
	struct stp_stat_agg a;
	struct stp_key k = ks("x");
	int i;

	if (!m) {
		EXPECT(0, "stp_map_new failed");
		return;
	}
	for (i = 0; i < 12345; i++) {
		kshim_cpu = i % 3 == 2 ? 3 : i % 3;
		stp_map_stat_add(m, &k, 7);
	}
	kshim_cpu = 1;
	stp_map_stat_add(m, &k, 100);
	kshim_cpu = 3;
	stp_map_stat_add(m, &k, -5);
	kshim_cpu = 0;
	EXPECT(stp_map_stat_get(m, &k, &a), "no data");
	hb.n = 0;
	hb.s[0] = '\0';
	stp_stat_print_hist(&m->spec.stat, &a, put_buf, &hb);
	EXPECT_STR(hb.s, exp_lin_big_count);
	stp_map_free(m);
}

#endif /* HIST_ELISION == 2 */

/* Reference output of test_elision() with stap -DHIST_ELISION=N. */
#if HIST_ELISION == -1
static const char exp_elision_m1[] =
	"value |-------------------------------------------------- count\n"
	"   <0 |@                                                  1\n"
	"    0 |                                                   0\n"
	"   50 |                                                   0\n"
	"  100 |                                                   0\n"
	"  150 |                                                   0\n"
	"  200 |                                                   0\n"
	"  250 |                                                   0\n"
	"  300 |                                                   0\n"
	"  350 |                                                   0\n"
	"  400 |@                                                  1\n"
	"  450 |                                                   0\n"
	"  500 |                                                   0\n"
	"  550 |                                                   0\n"
	"  600 |                                                   0\n"
	"  650 |                                                   0\n"
	"  700 |                                                   0\n"
	"  750 |                                                   0\n"
	"  800 |                                                   0\n"
	"  850 |                                                   0\n"
	"  900 |                                                   0\n"
	"  950 |@                                                  1\n"
	" 1000 |@                                                  1\n"
	" 1050 |                                                   0\n"
	" 1100 |                                                   0\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"    0 |@                                                  1\n"
	"   50 |                                                   0\n"
	"  100 |                                                   0\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"    0 |                                                   0\n"
	"   50 |                                                   0\n"
	"  100 |@                                                  1\n"
	"  150 |                                                   0\n"
	"  200 |                                                   0\n"
	"  250 |                                                   0\n"
	"  300 |                                                   0\n"
	"  350 |                                                   0\n"
	"  400 |                                                   0\n"
	"  450 |                                                   0\n"
	"  500 |                                                   0\n"
	"  550 |                                                   0\n"
	"  600 |                                                   0\n"
	"  650 |                                                   0\n"
	"  700 |                                                   0\n"
	"  750 |                                                   0\n"
	"  800 |                                                   0\n"
	"  850 |                                                   0\n"
	"  900 |                                                   0\n"
	"  950 |                                                   0\n"
	" 1000 |                                                   0\n"
	" 1050 |                                                   0\n"
	" 1100 |                                                   0\n"
	" 1150 |                                                   0\n"
	" 1200 |                                                   0\n"
	" 1250 |                                                   0\n"
	" 1300 |                                                   0\n"
	" 1350 |                                                   0\n"
	" 1400 |                                                   0\n"
	" 1450 |                                                   0\n"
	" 1500 |@                                                  1\n"
	"\n"
	" value |-------------------------------------------------- count\n"
	"-16384 |                                                   0\n"
	" -8192 |                                                   0\n"
	" -4096 |@                                                  1\n"
	" -2048 |                                                   0\n"
	" -1024 |                                                   0\n"
	"  -512 |                                                   0\n"
	"  -256 |                                                   0\n"
	"  -128 |                                                   0\n"
	"   -64 |                                                   0\n"
	"   -32 |                                                   0\n"
	"   -16 |                                                   0\n"
	"    -8 |                                                   0\n"
	"    -4 |                                                   0\n"
	"    -2 |@                                                  1\n"
	"    -1 |                                                   0\n"
	"     0 |                                                   0\n"
	"     1 |                                                   0\n"
	"     2 |                                                   0\n"
	"     4 |                                                   0\n"
	"     8 |                                                   0\n"
	"    16 |                                                   0\n"
	"    32 |                                                   0\n"
	"    64 |                                                   0\n"
	"   128 |                                                   0\n"
	"   256 |@                                                  1\n"
	"   512 |                                                   0\n"
	"  1024 |                                                   0\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"    0 |                                                   0\n"
	"   10 |@                                                  1\n"
	"   20 |                                                   0\n"
	"   30 |                                                   0\n"
	"   40 |                                                   0\n"
	"   50 |                                                   0\n"
	"   60 |                                                   0\n"
	"   70 |@                                                  1\n"
	"   80 |                                                   0\n"
	"   90 |@                                                  1\n"
	"  100 |                                                   0\n"
	"  110 |                                                   0\n"
	"\n";
#define EXP_ELISION exp_elision_m1
#elif HIST_ELISION == 0
static const char exp_elision_0[] =
	"value |-------------------------------------------------- count\n"
	"   <0 |@                                                  1\n"
	"      ~\n"
	"  400 |@                                                  1\n"
	"      ~\n"
	"  950 |@                                                  1\n"
	" 1000 |@                                                  1\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"    0 |@                                                  1\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"      ~\n"
	"  100 |@                                                  1\n"
	"      ~\n"
	" 1500 |@                                                  1\n"
	"\n"
	" value |-------------------------------------------------- count\n"
	"       ~\n"
	" -4096 |@                                                  1\n"
	"       ~\n"
	"    -2 |@                                                  1\n"
	"       ~\n"
	"   256 |@                                                  1\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"      ~\n"
	"   10 |@                                                  1\n"
	"      ~\n"
	"   70 |@                                                  1\n"
	"      ~\n"
	"   90 |@                                                  1\n"
	"\n";
#define EXP_ELISION exp_elision_0
#elif HIST_ELISION == 1
static const char exp_elision_1[] =
	"value |-------------------------------------------------- count\n"
	"   <0 |@                                                  1\n"
	"    0 |                                                   0\n"
	"      ~\n"
	"  350 |                                                   0\n"
	"  400 |@                                                  1\n"
	"  450 |                                                   0\n"
	"      ~\n"
	"  900 |                                                   0\n"
	"  950 |@                                                  1\n"
	" 1000 |@                                                  1\n"
	" 1050 |                                                   0\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"    0 |@                                                  1\n"
	"   50 |                                                   0\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"      ~\n"
	"   50 |                                                   0\n"
	"  100 |@                                                  1\n"
	"  150 |                                                   0\n"
	"      ~\n"
	" 1450 |                                                   0\n"
	" 1500 |@                                                  1\n"
	"\n"
	" value |-------------------------------------------------- count\n"
	"       ~\n"
	" -8192 |                                                   0\n"
	" -4096 |@                                                  1\n"
	" -2048 |                                                   0\n"
	"       ~\n"
	"    -4 |                                                   0\n"
	"    -2 |@                                                  1\n"
	"    -1 |                                                   0\n"
	"       ~\n"
	"   128 |                                                   0\n"
	"   256 |@                                                  1\n"
	"   512 |                                                   0\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"    0 |                                                   0\n"
	"   10 |@                                                  1\n"
	"   20 |                                                   0\n"
	"      ~\n"
	"   60 |                                                   0\n"
	"   70 |@                                                  1\n"
	"   80 |                                                   0\n"
	"   90 |@                                                  1\n"
	"  100 |                                                   0\n"
	"\n";
#define EXP_ELISION exp_elision_1
#elif HIST_ELISION == 2
static const char exp_elision_2[] =
	"value |-------------------------------------------------- count\n"
	"   <0 |@                                                  1\n"
	"    0 |                                                   0\n"
	"   50 |                                                   0\n"
	"      ~\n"
	"  300 |                                                   0\n"
	"  350 |                                                   0\n"
	"  400 |@                                                  1\n"
	"  450 |                                                   0\n"
	"  500 |                                                   0\n"
	"      ~\n"
	"  850 |                                                   0\n"
	"  900 |                                                   0\n"
	"  950 |@                                                  1\n"
	" 1000 |@                                                  1\n"
	" 1050 |                                                   0\n"
	" 1100 |                                                   0\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"    0 |@                                                  1\n"
	"   50 |                                                   0\n"
	"  100 |                                                   0\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"    0 |                                                   0\n"
	"   50 |                                                   0\n"
	"  100 |@                                                  1\n"
	"  150 |                                                   0\n"
	"  200 |                                                   0\n"
	"      ~\n"
	" 1400 |                                                   0\n"
	" 1450 |                                                   0\n"
	" 1500 |@                                                  1\n"
	"\n"
	" value |-------------------------------------------------- count\n"
	"-16384 |                                                   0\n"
	" -8192 |                                                   0\n"
	" -4096 |@                                                  1\n"
	" -2048 |                                                   0\n"
	" -1024 |                                                   0\n"
	"       ~\n"
	"    -8 |                                                   0\n"
	"    -4 |                                                   0\n"
	"    -2 |@                                                  1\n"
	"    -1 |                                                   0\n"
	"     0 |                                                   0\n"
	"       ~\n"
	"    64 |                                                   0\n"
	"   128 |                                                   0\n"
	"   256 |@                                                  1\n"
	"   512 |                                                   0\n"
	"  1024 |                                                   0\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"    0 |                                                   0\n"
	"   10 |@                                                  1\n"
	"   20 |                                                   0\n"
	"   30 |                                                   0\n"
	"      ~\n"
	"   50 |                                                   0\n"
	"   60 |                                                   0\n"
	"   70 |@                                                  1\n"
	"   80 |                                                   0\n"
	"   90 |@                                                  1\n"
	"  100 |                                                   0\n"
	"  110 |                                                   0\n"
	"\n";
#define EXP_ELISION exp_elision_2
#elif HIST_ELISION == 3
static const char exp_elision_3[] =
	"value |-------------------------------------------------- count\n"
	"   <0 |@                                                  1\n"
	"    0 |                                                   0\n"
	"   50 |                                                   0\n"
	"  100 |                                                   0\n"
	"      ~\n"
	"  250 |                                                   0\n"
	"  300 |                                                   0\n"
	"  350 |                                                   0\n"
	"  400 |@                                                  1\n"
	"  450 |                                                   0\n"
	"  500 |                                                   0\n"
	"  550 |                                                   0\n"
	"      ~\n"
	"  800 |                                                   0\n"
	"  850 |                                                   0\n"
	"  900 |                                                   0\n"
	"  950 |@                                                  1\n"
	" 1000 |@                                                  1\n"
	" 1050 |                                                   0\n"
	" 1100 |                                                   0\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"    0 |@                                                  1\n"
	"   50 |                                                   0\n"
	"  100 |                                                   0\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"    0 |                                                   0\n"
	"   50 |                                                   0\n"
	"  100 |@                                                  1\n"
	"  150 |                                                   0\n"
	"  200 |                                                   0\n"
	"  250 |                                                   0\n"
	"      ~\n"
	" 1350 |                                                   0\n"
	" 1400 |                                                   0\n"
	" 1450 |                                                   0\n"
	" 1500 |@                                                  1\n"
	"\n"
	" value |-------------------------------------------------- count\n"
	"-16384 |                                                   0\n"
	" -8192 |                                                   0\n"
	" -4096 |@                                                  1\n"
	" -2048 |                                                   0\n"
	" -1024 |                                                   0\n"
	"  -512 |                                                   0\n"
	"       ~\n"
	"   -16 |                                                   0\n"
	"    -8 |                                                   0\n"
	"    -4 |                                                   0\n"
	"    -2 |@                                                  1\n"
	"    -1 |                                                   0\n"
	"     0 |                                                   0\n"
	"     1 |                                                   0\n"
	"       ~\n"
	"    32 |                                                   0\n"
	"    64 |                                                   0\n"
	"   128 |                                                   0\n"
	"   256 |@                                                  1\n"
	"   512 |                                                   0\n"
	"  1024 |                                                   0\n"
	"\n"
	"value |-------------------------------------------------- count\n"
	"    0 |                                                   0\n"
	"   10 |@                                                  1\n"
	"   20 |                                                   0\n"
	"   30 |                                                   0\n"
	"   40 |                                                   0\n"
	"   50 |                                                   0\n"
	"   60 |                                                   0\n"
	"   70 |@                                                  1\n"
	"   80 |                                                   0\n"
	"   90 |@                                                  1\n"
	"  100 |                                                   0\n"
	"  110 |                                                   0\n"
	"\n";
#define EXP_ELISION exp_elision_3
#else
#define EXP_ELISION "(no reference for this HIST_ELISION)"
#endif

static void add_elision(struct stp_stat *s, int which)
{
	switch (which) {
	case 0:
		stp_stat_add(s, 444);
		stp_stat_add(s, 999);
		stp_stat_add(s, 1000);
		stp_stat_add(s, -3);
		break;
	case 1:
		stp_stat_add(s, 0);
		break;
	case 2:
		stp_stat_add(s, 1500);
		stp_stat_add(s, 100);
		break;
	case 3:
		stp_stat_add(s, -2);
		stp_stat_add(s, -4096);
		stp_stat_add(s, 300);
		break;
	default:
		stp_stat_add(s, 15);
		stp_stat_add(s, 75);
		stp_stat_add(s, 95);
		break;
	}
}

/* -DHIST_ELISION=N as SystemTap 4.8 applied it to five histograms. */
static void test_elision(void)
{
	static struct strbuf b;
	struct stp_stat_spec specs[5] = {
		lin(0, 1500, 50), lin(0, 1500, 50), lin(0, 1500, 50),
		{ .hist = STP_HIST_LOG }, lin(0, 200, 10),
	};
	int i;

	b.n = 0;
	b.s[0] = '\0';
	for (i = 0; i < 5; i++) {
		struct stp_stat *s = stp_stat_new(&specs[i]);

		if (!s) {
			EXPECT(0, "stp_stat_new failed");
			return;
		}
		add_elision(s, i);
		hist_text(s, &b);
		stp_stat_free(s);
	}
	EXPECT_STR(b.s, EXP_ELISION);
}

int main(void)
{
#if HIST_ELISION == 2
	run("long-basic", test_long_basic);
	run("string-values", test_string_values);
	run("mixed-keys-1-to-9", test_mixed_keys);
	run("churn", test_churn);
	run("overflow-e2big", test_overflow);
	run("wrap-evicts-oldest", test_wrap);
	run("reinsert-order", test_reinsert_order);
	run("sort-long", test_sort_long);
	run("sort-multikey", test_sort_multikey);
	run("sort-strings", test_sort_strings);
	run("sort-nested-and-slots", test_sort_nested);
	run("delete-matching", test_delete_matching);
	run("stat-map-sort", test_stat_map_sort);
	run("stat-map-cpus", test_stat_map_cpus);
	run("stat-map-wrap", test_stat_map_wrap);
	run("bad-specs", test_bad_specs);
	run("enomem-unwinds", test_enomem);
	run("variance-systemtap", test_variance_reference);
	run("stat-percpu", test_stat_percpu);
	run("stat-random", test_stat_random);
	run("hist-table", test_hist_table);
	run("hist-shapes", test_hist_shapes);
	run("hist-log-window", test_hist_log_window);
	run("hist-buckets", test_hist_buckets);
	run("hist-in-map", test_hist_in_map);
#endif
	run("hist-elision", test_elision);
	if (kshim_warnings) {
		printf("FAIL warnings: %d WARN_ON_ONCE fired\n", kshim_warnings);
		nfail++;
	}
	if (kshim_live) {
		printf("FAIL leaks: %ld allocations not freed\n", kshim_live);
		nfail++;
	}
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
