/* SPDX-License-Identifier: GPL-2.0 */
/* stp_session.h - the life cycle of one tracing session inside a module.
 *
 * A generated module is one translation unit: stp_runtime.h includes this
 * header before the generated code, and stp_module.h (after it) drives the
 * state machine below from the loader's control messages:
 *
 *   LOADED --START--> STARTING --begin probes, arm--> RUNNING
 *      |                  |                              |
 *      |                  +---- exit() in begin ----+    | exit() or STOP
 *      |                                            v    v
 *      +------------------STOP----------------->  STOPPING --disarm, end--> STOPPED
 *
 * Probe handlers run only while RUNNING: generated probe entry code calls
 * stp_probe_enter(), which also counts handlers in flight so that STOP can
 * wait for the ones that sleep.  begin/end probes run from the loader's
 * write() in process context and need no such check: as in SystemTap,
 * execname() and pid() there are the loader's ("stapio").
 *
 * exit() in a script becomes stp_request_exit(), which works in any context
 * (kprobe, irq, NMI): it only flips the state and pokes the loader, which
 * answers with STOP; the heavy work happens in the loader's process context.
 * abort() does the same and also sets stp_abort_requested: no begin, end
 * or error probe runs after it.
 *
 * The loader also tells the module who it is (stp_pid()) and the host's
 * time zone (tz_gmtoff(), tz_name(), tz_ctime()): the kernel keeps none.
 *
 * Everything here is static: the module is one translation unit.
 */
#ifndef STP_SESSION_H
#define STP_SESSION_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/compiler.h>

/* Every kernel log line of a generated module names it. */
#undef pr_fmt
#define pr_fmt(fmt) "stap " KBUILD_MODNAME ": " fmt

enum {
	STP_SESSION_LOADED,	/* module inserted, waiting for START */
	STP_SESSION_STARTING,	/* begin probes running, probes being armed */
	STP_SESSION_RUNNING,	/* probes armed and allowed to fire */
	STP_SESSION_STOPPING,	/* exit() or STOP seen: handlers bail out */
	STP_SESSION_STOPPED,	/* disarmed, end probes done, output flushed */
};

static atomic_t stp_session_state = ATOMIC_INIT(STP_SESSION_LOADED);

static long stp_target_pid;		/* target(): -x PID or the -c command, 0 if none */
static atomic_t stp_abort_requested;	/* abort(): skip the remaining begin/end/error probes */

/* stp_pid() (tapset/context.stp) reads the attached loader's tgid. */
#define STP_HAVE_LOADER_PID 1
static pid_t stp_loader_pid;		/* tgid of the loader holding .ctl, 0 if none */
static uid_t stp_loader_uid;		/* its real uid (is_myproc()) */

/* The host's time zone, from START; the kernel has none of its own. */
static long stp_tz_gmtoff;		/* seconds east of UTC (tm_gmtoff) */
static char stp_tz_name[16] = "UTC";	/* its abbreviation (tm_zone) */
static atomic_t stp_error_count;	/* ERROR messages reported (stp_oob) */
/* SystemTap's ERROR state: past MAXERRORS or MAXSKIPPED, or overloaded.
 * The error probes run at the end, not the end probes. */
static atomic_t __maybe_unused stp_session_failed;
static atomic64_t stp_skipped_count;	/* probe hits skipped (lock timeouts) */
/* hits skipped because a handler was already running on the CPU: as with
 * SystemTap's default INTERRUPTIBLE, not among the skipped probes; stap -t
 * reports them */
static atomic64_t __maybe_unused stp_reentrant_count;
static atomic64_t stp_dropped_bytes;	/* output bytes lost: buffers full or reentry */

/* Handlers currently inside a RUNNING probe, summed over CPUs (a sleeping
 * handler may leave on another CPU than it entered, so one CPU's count can
 * be negative: only the sum means anything). */
static DEFINE_PER_CPU(int, stp_probes_active);

static inline int stp_session_state_get(void)
{
	return atomic_read(&stp_session_state);
}

/* True while probe handlers may run their bodies. */
static inline int stp_session_running(void)
{
	return atomic_read(&stp_session_state) == STP_SESSION_RUNNING;
}

/*
 * stp_probe_enter - start of every generated probe handler (not begin/end)
 *
 * Returns false if the session is not RUNNING: the handler must return at
 * once without calling stp_probe_exit().  Returns true otherwise, and the
 * handler must call stp_probe_exit() when done.  Any context.
 */
static __always_inline bool stp_probe_enter(void)
{
	this_cpu_inc(stp_probes_active);
	smp_mb();	/* pairs with the barrier after setting STOPPING */
	if (likely(stp_session_running()))
		return true;
	this_cpu_dec(stp_probes_active);
	return false;
}

static __always_inline void stp_probe_exit(void)
{
	this_cpu_dec(stp_probes_active);
}

/* Count a probe hit that was skipped (the handler decided not to run). */
static inline void stp_probe_skipped(void)
{
	atomic64_inc(&stp_skipped_count);
}

/*
 * stp_request_exit - the script called exit()
 *
 * Moves a STARTING or RUNNING session to STOPPING (handlers stop running
 * at once) and tells the loader with STP_MSG_EXIT, which replies STOP.
 * Any context, never sleeps, idempotent.  Defined in stp_transport.h.
 */
static void __maybe_unused stp_request_exit(void);

#ifdef STP_TIMING
/*
 * stap -t: stp_probe_run() (stp_context.h) times each handler in cycles
 * and hands the count to stp_timing_add(); stp_module.h keeps one
 * statistic per probe and prints SystemTap's "probe hit report" at STOP.
 */
static void stp_timing_add(int index, s64 cycles);
#endif

#endif /* STP_SESSION_H */
