/* SPDX-License-Identifier: GPL-2.0 */
/* stp_context.h - probe handler context, probe entry, runtime errors.
 *
 * Each CPU owns one stp_context and MAXNESTING+1 frames (the generated
 * union stp_frame: a probe's locals at depth 0, each function call one
 * level deeper).  stp_probe_run() is the single entry used by every probe
 * family: it claims this CPU's context (a busy context means reentry: the
 * hit is skipped), runs the handler, reports an uncaught error, flushes
 * the output as one record.  The handler takes its global locks itself,
 * where it first needs them (stp_probe_lock, below).
 *
 * Runtime errors: the generated code calls stp_error_at(c, msg, where)
 * and jumps to its handler label; uncaught, they print
 * "ERROR: MSG near WHERE" and, past MAXERRORS, end the session.
 */
#ifndef STP_CONTEXT_H
#define STP_CONTEXT_H

struct stp_context;

struct stp_probe {
	void (*handler)(struct stp_context *c);
	int index;
	/* texts, as offsets + 1 in the module's stp_texts (0: none): read
	 * them with STP_PP(p), STP_PN(p), STP_PFUNC(p), STP_PLOC(p) */
	unsigned int pp;		/* pp(): the concrete probe point */
	unsigned int pn;		/* pn(): the point as written in the script */
	unsigned int func;		/* probefunc() for function probes */
	unsigned int location;		/* "file:line:col" of the probe, for -t */
	unsigned int derivation;	/* " from: ..." for -t */
	unsigned int type;		/* probe_type(): "kprobe", "hrtimer"... */
};

static const char *stp_texts_base;	/* the module's stp_texts */
#define STP_PROBE_TEXT(off)	((off) ? stp_texts_base + (off) - 1 : NULL)
#define STP_PP(p)	STP_PROBE_TEXT((p)->pp)
#define STP_PN(p)	STP_PROBE_TEXT((p)->pn)
#define STP_PFUNC(p)	STP_PROBE_TEXT((p)->func)
#define STP_PLOC(p)	STP_PROBE_TEXT((p)->location)
#define STP_PDERIV(p)	STP_PROBE_TEXT((p)->derivation)
#define STP_PTYPE(p)	STP_PROBE_TEXT((p)->type)

enum {
	STP_PROBE_NORMAL,	/* runs only while the session is RUNNING */
	STP_PROBE_BEGIN,	/* begin probes: STARTING */
	STP_PROBE_END,		/* end and error probes: STOPPING */
};

struct stp_context {
	int busy_n;			/* handlers running on this CPU: 1 normally */
	const struct stp_probe *probe;
	struct pt_regs *regs;		/* registers at the probe, or NULL */
	int kind;			/* STP_PROBE_* */
	const char *last_error;		/* set: an error is being propagated */
	int error_fatal;		/* MAXACTION: try/catch must not catch it */
	const char *error_loc;		/* where it happened, or NULL */
	const char *last_stmt;		/* the statement being executed */
	long actionremaining;		/* MAXACTION budget */
	int nesting;			/* function call depth */
	int next_fn;			/* a function said `next`: try the next overload */
	void *frames;			/* union stp_frame[MAXNESTING + 1] */
	void *entry_data;		/* .return probes: values saved at entry */
	const char *texts;		/* the module's stp_texts: STP_TEXT() */
	char error_buffer[MAXSTRINGLEN];
};

static struct stp_context __percpu *stp_contexts;

/* A constant text of the generated code (a statement's location, an error
 * message) by its offset in the module's stp_texts blob. */
#define STP_TEXT(c, off) ((c)->texts + (off))
static atomic64_t stp_skipped_limited;	/* skips counted against MAXSKIPPED */

static void stp_error_at(struct stp_context *c, const char *msg, const char *loc)
{
	c->last_error = msg;
	c->error_loc = loc;
}

static __printf(2, 3) void stp_error(struct stp_context *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error_buffer, sizeof(c->error_buffer), fmt, ap);
	va_end(ap);
	c->last_error = c->error_buffer;
	c->error_loc = NULL;
}

/* No error: after try/catch caught one, and after a hit reported one.
 * Between hits a context holds no error (and nesting 0), so a hit starts
 * without storing these. */
static inline void stp_error_clear(struct stp_context *c)
{
	c->last_error = NULL;
	c->error_loc = NULL;
	c->error_fatal = 0;
}

/* Statement prologue: where we are, and the MAXACTION budget. */
#define STP_STMT(c, loc, label) do {						\
		(c)->last_stmt = (loc);						\
		if (unlikely(--(c)->actionremaining < 0)) {			\
			stp_error_at((c), "MAXACTION exceeded", (loc));		\
			(c)->error_fatal = 1;					\
			goto label;						\
		}								\
	} while (0)

#define STP_LOOP_CHECK(c, label) do {						\
		if (unlikely(--(c)->actionremaining < 0)) {			\
			stp_error_at((c), "MAXACTION exceeded", (c)->last_stmt);\
			(c)->error_fatal = 1;					\
			goto label;						\
		}								\
	} while (0)

static void stp_report_error(struct stp_context *c)
{
	const char *loc = c->error_loc ? c->error_loc : c->last_stmt;

#ifdef STP_SUPPRESS_HANDLER_ERRORS
	atomic_inc(&stp_error_count);
	return;
#endif
	if (loc && *loc)
		stp_oob(STP_OOB_ERROR, "ERROR: %s near %s\n", c->last_error, loc);
	else
		stp_oob(STP_OOB_ERROR, "ERROR: %s\n", c->last_error);
	if (atomic_read(&stp_error_count) > MAXERRORS) {
		atomic_set(&stp_session_failed, 1);
		stp_request_exit();
	}
}

/* A probe hit that did not run.  Reentrance (a probe in an interrupt that
 * arrived during another handler on this CPU) is, as with SystemTap's
 * default INTERRUPTIBLE=1, neither a skipped probe nor held against
 * MAXSKIPPED: only stap -t tells how many.  Lock timeouts are both.  Past
 * the limit the session ends with an error said once and, as SystemTap's,
 * not counted among the handlers' errors. */
static void stp_note_skipped(bool reentrance)
{
	if (reentrance) {
		atomic64_inc(&stp_reentrant_count);
		return;
	}
	stp_probe_skipped();
#ifndef STP_SUPPRESS_HANDLER_ERRORS
	if (atomic64_inc_return(&stp_skipped_limited) == MAXSKIPPED + 1) {
		stp_ctl_text(STP_MSG_OOB, STP_OOB_ERROR, "ERROR: Skipped too many probes, check MAXSKIPPED or try again with stap -t for more details.\n");
		atomic_set(&stp_session_failed, 1);
		stp_request_exit();
	}
#endif
}

/* The generated handler's locks, taken before its first statement that
 * uses a global (released with stp_locks_release): false means the hit
 * is skipped (the handler returns, its output so far kept). */
static __always_inline bool stp_probe_lock(const struct stp_lockreq *req, int n)
{
	if (unlikely(!stp_locks_take(req, n))) {
		stp_note_skipped(false);
		return false;
	}
	return true;
}

static noinline void stp_probe_finish_slow(struct stp_context *c)
{
	stp_print_flush();	/* the handler's output before its error message */
	if (c->last_error) {
		stp_report_error(c);
		stp_error_clear(c);
	}
}

/* The cycle counter, always inline (a size-optimised module calls the
 * kernel's get_cycles() out of line). */
#ifdef CONFIG_X86
#define stp_cycles() ((cycles_t)rdtsc())
#else
#define stp_cycles() get_cycles()
#endif

#ifndef STP_NO_OVERLOAD
/* Overload: probe handlers may use at most STP_OVERLOAD_THRESHOLD cycles
 * of every STP_OVERLOAD_INTERVAL on a CPU, else the session ends with
 * SystemTap's "probe overhead exceeded threshold" (-DSTP_NO_OVERLOAD
 * turns this off).
 *
 * Reading the cycle counter twice per hit was the largest single cost of
 * a small handler (on the emulated lab CPU, more than the rest of the
 * runtime's hit path).  So one hit in about STP_OVERLOAD_SAMPLE is timed,
 * and counts for all the hits since the previous timed one.  The gaps
 * are pseudo-random (1 to 2*SAMPLE-1 hits), so probes that alternate in a
 * fixed pattern (a call and its return) are sampled alike; the estimate
 * of the cycles used is unbiased (for handlers shorter than OUTLIER).
 * -DSTP_OVERLOAD_SAMPLE=1 times every hit. */
#ifndef STP_OVERLOAD_INTERVAL
#define STP_OVERLOAD_INTERVAL 1000000000LL
#endif
#ifndef STP_OVERLOAD_THRESHOLD
#define STP_OVERLOAD_THRESHOLD 500000000LL
#endif
#ifndef STP_OVERLOAD_SAMPLE
#define STP_OVERLOAD_SAMPLE 16
#endif
#define STP_OVERLOAD_OUTLIER (STP_OVERLOAD_THRESHOLD / (4 * STP_OVERLOAD_SAMPLE))
struct stp_overload {
	cycles_t start;		/* beginning of the current interval */
	cycles_t used;		/* handler cycles in it (estimated) */
	u32 left;		/* untimed hits before the next timed one */
	u32 weight;		/* the hits the next timed one stands for
				 * (0 before this CPU's first: taken as 1) */
	u32 seed;		/* xorshift state for the gaps */
};
static DEFINE_PER_CPU(struct stp_overload, stp_overload);

/* A timed hit: t0, t1 the cycle counter before and after its handler.
 * Runs in the probe context (this CPU's busy context), so the per-CPU
 * state has no other user. */
static noinline void stp_overload_sample(struct stp_overload *ov, cycles_t t0, cycles_t t1)
{
	u32 x = ov->seed ? ov->seed : 0x9e3779b9u ^ (u32)t1;
	cycles_t d = t1 - t0, spent;
	u32 w = ov->weight ? ov->weight : 1;

	/* the estimate: this hit's cycles for each hit it stands for, but
	 * only up to OUTLIER (an interrupt or the host taking the vCPU
	 * during this one handler counts once), so that no single timed
	 * hit ends the session by itself */
	if (d > STP_OVERLOAD_OUTLIER)
		spent = (cycles_t)w * STP_OVERLOAD_OUTLIER + (d - STP_OVERLOAD_OUTLIER);
	else
		spent = (cycles_t)w * d;
	if (t1 - ov->start > STP_OVERLOAD_INTERVAL) {
		ov->start = t1;		/* this hit starts a new interval */
		ov->used = spent;
	} else {
		ov->used += spent;
	}
	/* the next gap */
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	ov->seed = x;
	ov->weight = 1 + x % (2 * STP_OVERLOAD_SAMPLE - 1);
	ov->left = ov->weight - 1;
	if (ov->used > STP_OVERLOAD_THRESHOLD) {
		/* SystemTap's text; an error, so error probes run, not end */
		stp_oob(STP_OOB_ERROR, "ERROR: probe overhead (%lld cycles) exceeded threshold (%lld cycles) in last %lld cycles\n",
			(long long)ov->used, STP_OVERLOAD_THRESHOLD, STP_OVERLOAD_INTERVAL);
		ov->used = 0;
		atomic_set(&stp_session_failed, 1);
		stp_request_exit();
	}
}
#endif

/* Inline: each caller passes a constant kind, and the probe hit path
 * (kprobes, timers, perf, tracepoints) folds to its own few branches. */
static __always_inline void stp_probe_run_fn(const struct stp_probe *p, void (*handler)(struct stp_context *),
					     struct pt_regs *regs, int kind, void *data, bool preempt_off)
{
	struct stp_context *c;
#ifndef STP_NO_OVERLOAD
	struct stp_overload *ov = NULL;
	cycles_t ov_t0 = 0;
#endif
#ifdef STP_TIMING
	cycles_t stp_t0;	/* session lifecycle: stap -t timing (stp_module.h) */
#endif

	/* session lifecycle: after abort() no begin/end/error probe runs */
	if (kind != STP_PROBE_NORMAL && unlikely(atomic_read(&stp_abort_requested)))
		return;
	/* after exit() or an error in an earlier begin probe, the rest of
	 * the begin probes do not run (as in SystemTap) */
	if (kind == STP_PROBE_BEGIN && atomic_read(&stp_session_state) != STP_SESSION_STARTING)
		return;
	/* The whole hit runs with preemption disabled, an RCU read-side
	 * section: STOP's synchronize_rcu() after it leaves RUNNING waits
	 * for every handler that saw RUNNING, with no counting here.
	 * (kprobe handlers run so already: preempt_off.) */
	if (!preempt_off)
		preempt_disable();
	if (kind == STP_PROBE_NORMAL && unlikely(!stp_session_running())) {
		if (!preempt_off)
			preempt_enable();
		return;
	}
	c = this_cpu_ptr(stp_contexts);
	/* one handler per CPU: an interrupt arriving during a handler sees
	 * busy; the increment is a single instruction, atomic for this CPU */
	if (++c->busy_n != 1) {
		stp_note_skipped(true);
		goto out_busy;
	}
	barrier();
	c->probe = p;
	c->regs = regs;
	c->kind = kind;
	c->last_stmt = NULL;
	c->entry_data = data;
	c->actionremaining = kind == STP_PROBE_NORMAL ? MAXACTION : MAXACTION_INTERRUPTIBLE;
#ifdef STP_TIMING
	stp_t0 = stp_cycles();	/* session lifecycle: stap -t */
#endif
#ifndef STP_NO_OVERLOAD
	/* this hit timed?  (this CPU's state: the context is ours) */
	if (kind == STP_PROBE_NORMAL) {
		struct stp_overload *o = this_cpu_ptr(&stp_overload);

		if (unlikely(o->left == 0)) {
			ov = o;
			ov_t0 = stp_cycles();
		} else {
			o->left--;
		}
	}
#endif
	handler(c);
#ifndef STP_NO_OVERLOAD
	if (unlikely(ov != NULL))
		stp_overload_sample(ov, ov_t0, stp_cycles());
#endif
#ifdef STP_TIMING
	stp_timing_add(p->index, (s64)(stp_cycles() - stp_t0));
#endif
	/* output to flush, or an error to report: one test on the hit path */
	if (unlikely(this_cpu_ptr(stp_pbufs)->len || c->last_error))
		stp_probe_finish_slow(c);
out_busy:
	barrier();
	c->busy_n--;
	if (!preempt_off)
		preempt_enable();
}

static __always_inline void stp_probe_run_data(const struct stp_probe *p, struct pt_regs *regs,
					       int kind, void *data)
{
	stp_probe_run_fn(p, p->handler, regs, kind, data, false);
}

/* begin, end and error probes (and anything not on a hot path) */
static noinline void stp_probe_run(const struct stp_probe *p, struct pt_regs *regs, int kind)
{
	stp_probe_run_data(p, regs, kind, NULL);
}

/* A hit of an event probe: the hot path, inlined into its family's handler. */
static __always_inline void stp_probe_hit(const struct stp_probe *p, struct pt_regs *regs, void *data)
{
	stp_probe_run_data(p, regs, STP_PROBE_NORMAL, data);
}

/* Run fn(c) with this CPU's context but no locks or output: kretprobe
 * entry handlers saving values for the return probe.  False if busy. */
static bool stp_probe_run_entry(void (*fn)(struct stp_context *), struct pt_regs *regs, void *data)
{
	struct stp_context *c;
	bool ok = false;

	preempt_disable();
	if (unlikely(!stp_session_running())) {
		preempt_enable();
		return false;
	}
	c = this_cpu_ptr(stp_contexts);
	if (++c->busy_n != 1) {
		stp_note_skipped(true);
		goto out;
	}
	barrier();
	c->regs = regs;
	c->entry_data = data;
	c->last_stmt = NULL;
	c->actionremaining = MAXACTION;
	fn(c);
	ok = !c->last_error;
	if (unlikely(!ok))
		stp_error_clear(c);
out:
	barrier();
	c->busy_n--;
	preempt_enable();
	return ok;
}

/* Per-CPU contexts, frames and print buffers; called from stp_gen_init. */
static void stp_runtime_exit(void);

static int stp_runtime_init(size_t frame_size, const char *texts)
{
	int cpu;

	stp_texts_base = texts;
	stp_contexts = alloc_percpu(struct stp_context);
	stp_pbufs = alloc_percpu(struct stp_pbuf);
	if (!stp_contexts || !stp_pbufs)
		goto fail;
	for_each_possible_cpu(cpu) {
		void *mem = vzalloc(frame_size * (MAXNESTING + 1));

		if (!mem)
			goto fail;
		per_cpu_ptr(stp_contexts, cpu)->frames = mem;
		per_cpu_ptr(stp_contexts, cpu)->texts = texts;
	}
	return 0;
fail:
	stp_runtime_exit();
	return -ENOMEM;
}

static void stp_runtime_exit(void)
{
	int cpu;

	if (stp_contexts)
		for_each_possible_cpu(cpu) {
			vfree(per_cpu_ptr(stp_contexts, cpu)->frames);
			per_cpu_ptr(stp_contexts, cpu)->frames = NULL;
		}
	free_percpu(stp_contexts);
	stp_contexts = NULL;
	free_percpu(stp_pbufs);
	stp_pbufs = NULL;
}

#endif /* STP_CONTEXT_H */
