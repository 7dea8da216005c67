/* SPDX-License-Identifier: GPL-2.0 */
/* stp_stat.h - statistics (`s <<< v`) and their histograms.
 *
 * A statistic is a per-CPU accumulator (struct stp_stat_rec): `<<<` only
 * touches the current CPU's record, so adds run concurrently on every CPU
 * under the shared script lock with no atomics.  Reading a statistic merges
 * the CPUs into a struct stp_stat_agg; the merge is a sum (plus min/max), so
 * any number of records can be folded in any order.
 *
 * Every record keeps count, sum, min, max and the state of @variance; a
 * histogram adds a bucket array sized by the spec.  @variance follows
 * SystemTap's integer arithmetic exactly (checked against SystemTap 4.8 in
 * the lab, see testsuite/unit/map_test.c): each CPU runs Welford's update on
 * values shifted left by bit_shift, truncating every division; the CPUs are
 * combined with the total variance formula
 *
 *	var = (sum_i (n_i-1)*var_i + sum_i n_i*(avg_i - A)^2) / (N-1) >> 2*shift
 *
 * where var_i = M2_i/(n_i-1), avg_i is CPU i's running mean and
 * A = (sum << shift) / N.  The second sum is kept expanded (sum n_i*avg_i^2,
 * sum n_i*avg_i) so that merging stays a plain addition; the expansion is an
 * identity modulo 2^64, so even overflowing inputs give SystemTap's result.
 * All accumulation wraps like the kernel's int64 arithmetic (done in u64).
 *
 * Histograms: @hist_linear(lo, hi, step) has (hi-lo)/step + 1 regular
 * buckets labelled lo, lo+step, ..., plus an underflow bucket first ("<lo")
 * and an overflow bucket last (">" and the last regular label), at most
 * STP_HIST_MAX_BUCKETS in all, as in SystemTap.  @hist_log has 128 buckets:
 * index 0 holds -2^63, index 63 holds -1, 64 holds 0, 65 holds 1,
 * 65 + k holds [2^k, 2^(k+1)), and a negative v goes where -v's magnitude
 * puts it, mirrored.  stp_stat_print_hist() renders SystemTap's ASCII
 * layout; the rules are spelled out above that function.
 *
 * Locking is the caller's: adds under the shared lock with preemption off,
 * reads and clears under the exclusive lock (a read under the shared lock
 * is memory-safe but may see another CPU's record half updated).
 */
#ifndef STP_STAT_H
#define STP_STAT_H

#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>
#include <linux/smp.h>
#include <linux/bitops.h>
#include <linux/math64.h>
#endif

#ifndef HIST_ELISION
#define HIST_ELISION		2	/* empty rows kept beside a full one, <0 all */
#endif
#ifndef STP_HIST_MAX_BUCKETS
#define STP_HIST_MAX_BUCKETS	128	/* most buckets, under/overflow included */
#endif
#define STP_HIST_LOG_BUCKETS	128	/* -2^63 .. -1, 0, 1 .. 2^62 */
#define STP_HIST_LOG_ZERO	64	/* index of the bucket of 0 */
#define STP_HIST_WIDTH		50	/* longest bar */
#define STP_HIST_EDGE		2	/* rows shown past the outer full buckets */

#if STP_HIST_MAX_BUCKETS < STP_HIST_LOG_BUCKETS
#error "STP_HIST_MAX_BUCKETS must hold a log histogram (128 buckets)"
#endif

enum stp_hist_type {
	STP_HIST_NONE = 0,
	STP_HIST_LINEAR,
	STP_HIST_LOG,
};

/* What a foreach sorts a statistic by (-1 sort column of a STAT map). */
enum stp_agg_op {
	STP_AGG_DEFAULT = 0,	/* @count */
	STP_AGG_COUNT,
	STP_AGG_SUM,
	STP_AGG_MIN,
	STP_AGG_MAX,
	STP_AGG_AVG,
	STP_AGG_VARIANCE,
};

/* Which components a statistic keeps (count/sum/min/max/variance always). */
struct stp_stat_spec {
	int hist;			/* enum stp_hist_type */
	int64_t lo, hi, step;		/* STP_HIST_LINEAR bounds */
	int bit_shift;			/* @variance(s, shift) fixed point, 0..63 */
};

/* One CPU's accumulator; buckets[] is sized by the spec. */
struct stp_stat_rec {
	s64 count, sum, min, max;
	s64 avg_s;			/* running mean << bit_shift (Welford) */
	s64 m2;				/* sum of squared deviations << 2*bit_shift */
	s64 buckets[];
};

/* The scalar part of a merged statistic. */
struct stp_stat_sums {
	int64_t count, sum, min, max;
	int64_t var_s1;			/* sum (n_i-1) * (M2_i/(n_i-1)) */
	int64_t var_q1;			/* sum n_i * avg_i */
	int64_t var_q2;			/* sum n_i * avg_i^2 */
	int shift;			/* bit_shift of the spec */
};

/* A statistic merged over CPUs: what @count, @hist_log, ... read. */
struct stp_stat_agg {
	union {
		struct stp_stat_sums sums;
		struct {
			int64_t count, sum, min, max;	/* @count @sum @min @max */
		};
	};
	int nbuckets;			/* 0 without a histogram */
	int64_t buckets[STP_HIST_MAX_BUCKETS];
};

/* `global s; s <<< v`: one record per possible CPU. */
struct stp_stat {
	struct stp_stat_spec spec;
	int nbuckets;
	size_t rec_size;
	struct stp_stat_rec __percpu *pcpu;
};

/* Arithmetic that wraps like SystemTap's int64, without C's UB. */
#define stp_wadd(a, b)	((s64)((u64)(a) + (u64)(b)))
#define stp_wsub(a, b)	((s64)((u64)(a) - (u64)(b)))
#define stp_wmul(a, b)	((s64)((u64)(a) * (u64)(b)))
#define stp_wshl(a, n)	((s64)((u64)(a) << (n)))

/* ------------------------------------------------------------------ spec */

/*
 * Number of buckets a spec's histogram has (0 for none), or -EINVAL: a
 * linear histogram needs step > 0, hi > lo and (hi-lo)/step + 3 buckets at
 * most STP_HIST_MAX_BUCKETS (SystemTap: (hi-lo)/step <= 125).
 */
static inline int stp_hist_nbuckets(const struct stp_stat_spec *spec)
{
	u64 n;

	switch (spec->hist) {
	case STP_HIST_NONE:
		return 0;
	case STP_HIST_LOG:
		return STP_HIST_LOG_BUCKETS;
	case STP_HIST_LINEAR:
		if (spec->step <= 0 || spec->hi <= spec->lo)
			return -EINVAL;
		n = div64_u64((u64)spec->hi - (u64)spec->lo, (u64)spec->step);
		if (n > STP_HIST_MAX_BUCKETS - 3)
			return -EINVAL;
		return (int)n + 3;
	}
	return -EINVAL;
}

static inline bool stp_stat_spec_valid(const struct stp_stat_spec *spec)
{
	return stp_hist_nbuckets(spec) >= 0 &&
	       spec->bit_shift >= 0 && spec->bit_shift <= 63;
}

static inline size_t stp_stat_rec_size(int nbuckets)
{
	return sizeof(struct stp_stat_rec) + (size_t)nbuckets * sizeof(s64);
}

/* Bucket of v in a log histogram. */
static inline int stp_hist_log_index(s64 v)
{
	if (v == 0)
		return STP_HIST_LOG_ZERO;
	if (v > 0)
		return STP_HIST_LOG_ZERO + fls64((u64)v);
	return STP_HIST_LOG_ZERO - fls64(-(u64)v);
}

static inline int stp_hist_index(const struct stp_stat_spec *spec, int nb, s64 v)
{
	u64 q;

	if (spec->hist == STP_HIST_LOG)
		return stp_hist_log_index(v);
	if (v < spec->lo)
		return 0;
	q = div64_u64((u64)v - (u64)spec->lo, (u64)spec->step);
	if (q > (u64)(nb - 3))
		return nb - 1;
	return (int)q + 1;
}

/* -------------------------------------------------------------- records */

/* Add v to one CPU's record (the `<<<` fast path). */
static inline void stp_rec_add(struct stp_stat_rec *r,
			       const struct stp_stat_spec *spec, int nb, s64 v)
{
	s64 xs = stp_wshl(v, spec->bit_shift);
	s64 d;

	if (r->count == 0) {
		r->count = 1;
		r->sum = r->min = r->max = v;
		r->avg_s = xs;
		r->m2 = 0;
	} else {
		r->count++;
		r->sum = stp_wadd(r->sum, v);
		if (v < r->min)
			r->min = v;
		if (v > r->max)
			r->max = v;
		d = stp_wsub(xs, r->avg_s);
		r->avg_s = stp_wadd(r->avg_s, div64_s64(d, r->count));
		r->m2 = stp_wadd(r->m2, stp_wmul(d, stp_wsub(xs, r->avg_s)));
	}
	if (nb)
		r->buckets[stp_hist_index(spec, nb, v)]++;
}

static inline void stp_sums_init(struct stp_stat_sums *s, int shift)
{
	memset(s, 0, sizeof(*s));
	s->shift = shift;
}

/* Fold one CPU's record into merged sums. */
static inline void stp_sums_merge(struct stp_stat_sums *s,
				  const struct stp_stat_rec *r)
{
	s64 n = r->count;

	if (!n)
		return;
	if (!s->count || r->min < s->min)
		s->min = r->min;
	if (!s->count || r->max > s->max)
		s->max = r->max;
	s->count += n;
	s->sum = stp_wadd(s->sum, r->sum);
	if (n > 1)
		s->var_s1 = stp_wadd(s->var_s1,
				     stp_wmul(n - 1, div64_s64(r->m2, n - 1)));
	s->var_q1 = stp_wadd(s->var_q1, stp_wmul(n, r->avg_s));
	s->var_q2 = stp_wadd(s->var_q2, stp_wmul(stp_wmul(n, r->avg_s), r->avg_s));
}

static inline int64_t stp_sums_avg(const struct stp_stat_sums *s)
{
	return s->count ? div64_s64(s->sum, s->count) : 0;
}

static inline int64_t stp_sums_variance(const struct stp_stat_sums *s)
{
	s64 n = s->count, a, s2, r;
	int sh = 2 * s->shift;

	if (n < 2)
		return 0;
	a = div64_s64(stp_wshl(s->sum, s->shift), n);
	s2 = stp_wsub(s->var_q2, stp_wmul(stp_wmul(2, a), s->var_q1));
	s2 = stp_wadd(s2, stp_wmul(stp_wmul(n, a), a));
	r = div64_s64(stp_wadd(s->var_s1, s2), n - 1);
	if (sh >= 64)
		return r < 0 ? -1 : 0;
	return r >> sh;
}

/* Value of one aggregate operator (foreach sorting). */
static inline int64_t stp_sums_op(const struct stp_stat_sums *s, int op)
{
	switch (op) {
	case STP_AGG_SUM:
		return s->sum;
	case STP_AGG_MIN:
		return s->min;
	case STP_AGG_MAX:
		return s->max;
	case STP_AGG_AVG:
		return stp_sums_avg(s);
	case STP_AGG_VARIANCE:
		return stp_sums_variance(s);
	default:
		return s->count;
	}
}

/* ------------------------------------------------------------ aggregates */

static inline void stp_agg_init(struct stp_stat_agg *a,
				const struct stp_stat_spec *spec, int nb)
{
	stp_sums_init(&a->sums, spec->bit_shift);
	a->nbuckets = nb;
	memset(a->buckets, 0, (size_t)nb * sizeof(a->buckets[0]));
}

static inline void stp_agg_merge(struct stp_stat_agg *a,
				 const struct stp_stat_rec *r)
{
	int i;

	if (!r->count)
		return;
	stp_sums_merge(&a->sums, r);
	for (i = 0; i < a->nbuckets; i++)
		a->buckets[i] = stp_wadd(a->buckets[i], r->buckets[i]);
}

/* No data: @min, @max, @avg, @variance and histograms are an error. */
static inline bool stp_agg_empty(const struct stp_stat_agg *a)
{
	return a->count == 0;
}

/* @avg: sum/count truncated toward zero, 0 when empty. */
static inline int64_t stp_agg_avg(const struct stp_stat_agg *a)
{
	return stp_sums_avg(&a->sums);
}

/*
 * @variance(s, shift).  The Welford state was accumulated with the spec's
 * bit_shift, which SystemTap makes the only shift of a statistic; @shift
 * must equal it and is otherwise ignored.
 */
static inline int64_t stp_agg_variance(const struct stp_stat_agg *a, int shift)
{
	WARN_ON_ONCE(shift != a->sums.shift);
	return stp_sums_variance(&a->sums);
}

/*
 * @hist_linear(s, ...)[bucket], @hist_log(s)[bucket]: the bucket's count by
 * index (0 is the underflow bucket of a linear histogram and -2^63's bucket
 * of a log one, see above).  0 outside 0..stp_hist_nbuckets()-1, which
 * SystemTap reports as "histogram index out of range": check before.
 */
static inline int64_t stp_hist_bucket(const struct stp_stat_spec *spec,
				      const struct stp_stat_agg *a, int64_t bucket)
{
	if (spec->hist == STP_HIST_NONE || bucket < 0 || bucket >= a->nbuckets ||
	    bucket >= STP_HIST_MAX_BUCKETS)
		return 0;
	return a->buckets[bucket];
}

/* ----------------------------------------------------- scalar statistics */

static void __maybe_unused stp_stat_free(struct stp_stat *s)
{
	if (!s)
		return;
	free_percpu(s->pcpu);
	kfree(s);
}

/* Process context.  NULL on ENOMEM or an invalid spec. */
static __maybe_unused struct stp_stat *stp_stat_new(const struct stp_stat_spec *spec)
{
	struct stp_stat *s;

	if (!stp_stat_spec_valid(spec))
		return NULL;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->spec = *spec;
	s->nbuckets = stp_hist_nbuckets(spec);
	s->rec_size = stp_stat_rec_size(s->nbuckets);
	s->pcpu = __alloc_percpu(s->rec_size, __alignof__(struct stp_stat_rec));
	if (!s->pcpu)
		goto err_free;
	return s;

err_free:
	kfree(s);
	return NULL;
}

/* `s <<< v` on this CPU; the caller has preemption disabled. */
static inline void stp_stat_add(struct stp_stat *s, int64_t v)
{
	stp_rec_add(per_cpu_ptr(s->pcpu, smp_processor_id()), &s->spec,
		    s->nbuckets, v);
}

static inline void stp_stat_get(struct stp_stat *s, struct stp_stat_agg *out)
{
	int cpu;

	stp_agg_init(out, &s->spec, s->nbuckets);
	for_each_possible_cpu(cpu)
		stp_agg_merge(out, per_cpu_ptr(s->pcpu, cpu));
}

static inline void stp_stat_clear(struct stp_stat *s)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(s->pcpu, cpu), 0, s->rec_size);
}

/* ------------------------------------------------------------- printing */

typedef void (*stp_put_fn)(void *ctx, const char *s, size_t n);

/* Runs of STP_HIST_WIDTH characters to cut padding, bars and rules from. */
#define STP_HIST_RUN(c)	c c c c c c c c c c c c c c c c c c c c c c c c c \
			c c c c c c c c c c c c c c c c c c c c c c c c c
static const char stp_hist_spaces[] __maybe_unused = STP_HIST_RUN(" ");
static const char stp_hist_ats[] __maybe_unused = STP_HIST_RUN("@");
static const char stp_hist_dashes[] __maybe_unused = STP_HIST_RUN("-");

/* n copies of the character that fills @run (50 long). */
static inline void stp_hist_fill(stp_put_fn put, void *ctx, const char *run, int n)
{
	while (n > 0) {
		int k = n < STP_HIST_WIDTH ? n : STP_HIST_WIDTH;

		put(ctx, run, k);
		n -= k;
	}
}

static inline void stp_hist_puts(stp_put_fn put, void *ctx, const char *s)
{
	put(ctx, s, strlen(s));
}

/* s right-aligned in a field of width w. */
static inline void stp_hist_right(stp_put_fn put, void *ctx, const char *s, int w)
{
	stp_hist_fill(put, ctx, stp_hist_spaces, w - (int)strlen(s));
	stp_hist_puts(put, ctx, s);
}

static inline s64 stp_hist_log_label(int i)
{
	if (i == STP_HIST_LOG_ZERO)
		return 0;
	if (i > STP_HIST_LOG_ZERO)
		return stp_wshl(1, i - STP_HIST_LOG_ZERO - 1);
	return (s64)(0 - ((u64)1 << (STP_HIST_LOG_ZERO - 1 - i)));
}

/* The text in the value column of bucket i. */
static inline void stp_hist_label(const struct stp_stat_spec *spec, int nb,
				  int i, char *buf, size_t len)
{
	s64 v;

	if (spec->hist == STP_HIST_LOG) {
		snprintf(buf, len, "%lld", (long long)stp_hist_log_label(i));
		return;
	}
	if (i == 0) {
		snprintf(buf, len, "<%lld", (long long)spec->lo);
		return;
	}
	if (i == nb - 1) {
		v = stp_wadd(spec->lo, stp_wmul(nb - 3, spec->step));
		snprintf(buf, len, ">%lld", (long long)v);
		return;
	}
	v = stp_wadd(spec->lo, stp_wmul(i - 1, spec->step));
	snprintf(buf, len, "%lld", (long long)v);
}

/* An empty under/overflow row of a linear histogram is never shown. */
static inline bool stp_hist_hidden(const struct stp_stat_spec *spec,
				   const struct stp_stat_agg *a, int i)
{
	return spec->hist == STP_HIST_LINEAR && !a->buckets[i] &&
	       (i == 0 || i == a->nbuckets - 1);
}

/* An empty row with no full bucket within HIST_ELISION rows is elided. */
static inline bool stp_hist_elided(const struct stp_stat_agg *a, int i)
{
	int j, from, to;

	if (HIST_ELISION < 0 || a->buckets[i])
		return false;
	from = i - HIST_ELISION < 0 ? 0 : i - HIST_ELISION;
	to = i + HIST_ELISION >= a->nbuckets ? a->nbuckets - 1 : i + HIST_ELISION;
	for (j = from; j <= to; j++)
		if (a->buckets[j])
			return false;
	return true;
}

static inline void stp_hist_row(const struct stp_stat_spec *spec,
				const struct stp_stat_agg *a, int i, int vw,
				int cw, s64 scale, stp_put_fn put, void *ctx)
{
	char buf[24];
	int bar = (int)div64_s64(a->buckets[i], scale);

	stp_hist_label(spec, a->nbuckets, i, buf, sizeof(buf));
	stp_hist_right(put, ctx, buf, vw);
	stp_hist_puts(put, ctx, " |");
	stp_hist_fill(put, ctx, stp_hist_ats, bar);
	stp_hist_fill(put, ctx, stp_hist_spaces, STP_HIST_WIDTH - bar + 1);
	snprintf(buf, sizeof(buf), "%lld", (long long)a->buckets[i]);
	stp_hist_right(put, ctx, buf, cw);
	stp_hist_puts(put, ctx, "\n");
}

/*
 * print(@hist_linear(...)) and print(@hist_log(...)) in SystemTap's layout
 * (observed on SystemTap 4.8; the .exp files of its testsuite's
 * systemtap.maps and the Language Reference's "Histogram extractors" show
 * the same):
 *
 *	value |-------------------------------------------------- count
 *	    0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@       177
 *	   50 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@         170
 *	      ~
 *	 1500 |                                                     0
 *	(empty line)
 *
 * - Rows run from two buckets before the first non-empty bucket to two
 *   after the last one, within the histogram; an empty underflow or
 *   overflow row is skipped (silently), and a log histogram without
 *   negative values starts at 0 (but one without positive values shows
 *   0 and 1 after -1).
 * - Inside that window an empty row farther than HIST_ELISION rows from
 *   every non-empty bucket is elided; a run of elided rows prints one "~"
 *   in the '|' column, but only when a row follows it.
 * - The value column is right-aligned to the widest shown or elided label,
 *   at least as wide as "value".  Bars are count/scale '@'s, scale being 1
 *   up to a count of 50 and ceil(max/50) above, padded to 50 columns; then
 *   a space and the count right-aligned to the digits of the largest count.
 * - An empty line ends the histogram.  An empty statistic prints nothing:
 *   SystemTap reports "empty aggregate" instead (see stp_agg_empty()).
 */
static void __maybe_unused stp_stat_print_hist(const struct stp_stat_spec *spec,
					       const struct stp_stat_agg *a,
					       stp_put_fn put, void *ctx)
{
	char buf[24];
	int i, first = -1, last = -1, from, to, vw = 5, cw;
	bool tilde = false;
	s64 max = 0, scale;

	if (spec->hist == STP_HIST_NONE || !a->count)
		return;
	for (i = 0; i < a->nbuckets; i++) {
		if (!a->buckets[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (a->buckets[i] > max)
			max = a->buckets[i];
	}
	if (first < 0)
		return;
	from = first - STP_HIST_EDGE < 0 ? 0 : first - STP_HIST_EDGE;
	if (spec->hist == STP_HIST_LOG && first >= STP_HIST_LOG_ZERO &&
	    from < STP_HIST_LOG_ZERO)
		from = STP_HIST_LOG_ZERO;
	to = last + STP_HIST_EDGE >= a->nbuckets ? a->nbuckets - 1 : last + STP_HIST_EDGE;
	for (i = from; i <= to; i++) {
		if (stp_hist_hidden(spec, a, i))
			continue;
		stp_hist_label(spec, a->nbuckets, i, buf, sizeof(buf));
		if ((int)strlen(buf) > vw)
			vw = strlen(buf);
	}
	cw = snprintf(buf, sizeof(buf), "%lld", (long long)max);
	scale = max <= STP_HIST_WIDTH ? 1 :
		div64_s64(max + STP_HIST_WIDTH - 1, STP_HIST_WIDTH);

	stp_hist_right(put, ctx, "value", vw);
	stp_hist_puts(put, ctx, " |");
	stp_hist_fill(put, ctx, stp_hist_dashes, STP_HIST_WIDTH);
	stp_hist_puts(put, ctx, " count\n");
	for (i = from; i <= to; i++) {
		if (stp_hist_hidden(spec, a, i))
			continue;
		if (stp_hist_elided(a, i)) {
			tilde = true;
			continue;
		}
		if (tilde) {
			stp_hist_fill(put, ctx, stp_hist_spaces, vw + 1);
			stp_hist_puts(put, ctx, "~\n");
			tilde = false;
		}
		stp_hist_row(spec, a, i, vw, cw, scale, put, ctx);
	}
	stp_hist_puts(put, ctx, "\n");
}

#endif /* STP_STAT_H */
