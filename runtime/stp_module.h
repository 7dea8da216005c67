/* SPDX-License-Identifier: GPL-2.0 */
/* stp_module.h - module entry points and the control channel's write side.
 *
 * Included once, at the very end of the generated C file, after the six
 * hooks the translator defines:
 *
 *   stp_gen_init()       allocate globals             (module_init)
 *   stp_gen_begin()      run begin probes             (START)
 *   stp_gen_register()   arm the other probes         (START)
 *   stp_gen_unregister() disarm them                  (STOP)
 *   stp_gen_end()        run end or error probes      (STOP)
 *   stp_gen_exit()       free globals                 (module_exit)
 *
 * The loader drives the session by writing messages to .ctl (one per
 * write(), see stp_wire.h).  START, STOP and ATTACH do their work inside
 * that write(), in the loader's own process context, as in SystemTap:
 * begin and end probes see the loader as the current task (execname() is
 * "stapio", pid() is stp_pid()) and may sleep.  The write returns when the
 * command is done, so the loader writes from a thread of its own and keeps
 * draining output while begin and end probes print.  stp_session_mutex
 * serializes the commands: START and STOP never overlap and run in the
 * order they were written.  The reply (STARTED, STOPPED) comes back
 * through .ctl.  STOP is idempotent and also runs by itself, on a
 * workqueue, when a session must end with no loader to ask for it (exit()
 * while detached, or the loader closed .ctl without DETACH), and from
 * module_exit if still needed.
 *
 * Only one loader may hold .ctl open at a time.  It is a stream
 * (stream_open): a write() busy running begin probes must not hold the
 * file position lock that the loader's read()s of replies would wait for.
 *
 * With stap -t (STP_TIMING) each probe's handler time is kept as a
 * statistic of cycles, and STOP prints SystemTap's "probe hit report" to
 * the output after the end probes.
 */
#ifndef STP_MODULE_H
#define STP_MODULE_H

#include <linux/module.h>
#include <linux/init.h>
#include <linux/fs.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/rcupdate.h>

#include "stp_session.h"
#include "stp_transport.h"

static DEFINE_MUTEX(stp_session_mutex);	/* serializes session transitions */
static DEFINE_MUTEX(stp_ctl_read_mutex);	/* one reader uses stp_ctl_rbuf */
static char stp_ctl_rbuf[STP_MSG_MAX];
static atomic_t stp_ctl_open_count;	/* .ctl is exclusive */
static bool stp_begun;			/* begin probes ran: end probes are owed */
static bool stp_armed;			/* stp_gen_register() succeeded */

static void stp_reply_status(u32 type, int status)
{
	struct stp_msg_status m = {
		.hdr.size = sizeof(m),
		.hdr.type = type,
		.status = status,
		.errors = atomic_read(&stp_error_count),
		.skipped = atomic64_read(&stp_skipped_count),
		.dropped = atomic64_read(&stp_dropped_bytes),
		.msgs_dropped = atomic_read(&stp_msgs_dropped),
	};

	stp_ctl_reply(&m.hdr);
}

/* Wait until no probe handler is inside its body (they may sleep). */
static void stp_wait_for_handlers(void)
{
	unsigned long give_note = jiffies + 10 * HZ;
	bool noted = false;

	synchronize_rcu();	/* handlers that run with preemption off */
	for (;;) {
		int cpu, active = 0;

		for_each_possible_cpu(cpu)
			active += READ_ONCE(per_cpu(stp_probes_active, cpu));
		if (!active)
			return;
		if (!noted && time_after(jiffies, give_note)) {
			pr_warn("still waiting for %d probe handlers to finish\n",
				active);
			noted = true;
		}
		msleep(1);
	}
}

#ifdef STP_TIMING
/* --- stap -t: probe hit report ------------------------------------------ */

/* One statistic of handler cycles per probe of the generated stp_probes[]. */
static struct stp_stat *stp_timing_stats[ARRAY_SIZE(stp_probes)];
static const struct stp_stat_spec stp_timing_spec = { .hist = STP_HIST_NONE };
static char stp_timing_line[2048];	/* under stp_session_mutex */

/* Called by stp_probe_run() with preemption off and this CPU's context held. */
static void stp_timing_add(int index, s64 cycles)
{
	if (index >= 0 && index < (int)ARRAY_SIZE(stp_timing_stats) &&
	    stp_timing_stats[index])
		stp_stat_add(stp_timing_stats[index], cycles);
}

static void stp_timing_exit(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stp_timing_stats); i++) {
		stp_stat_free(stp_timing_stats[i]);
		stp_timing_stats[i] = NULL;
	}
}

static int stp_timing_init(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stp_timing_stats); i++) {
		stp_timing_stats[i] = stp_stat_new(&stp_timing_spec);
		if (!stp_timing_stats[i]) {
			stp_timing_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

static __printf(1, 2) void stp_timing_print(const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vscnprintf(stp_timing_line, sizeof(stp_timing_line), fmt, args);
	va_end(args);
	stp_transport_write(stp_timing_line, n);
}

/* SystemTap's report: one line per probe that ran, then (no line for
 * conditions re-evaluated: ours are tested at each hit) lock contention. */
static void stp_timing_report(void)
{
	static struct stp_stat_agg a;	/* under stp_session_mutex */
	size_t i;
	int g;

	stp_timing_print("----- probe hit report: \n");
	for (i = 0; i < ARRAY_SIZE(stp_timing_stats); i++) {
		const struct stp_probe *p = &stp_probes[i];

		if (!stp_timing_stats[i])
			continue;
		stp_stat_get(stp_timing_stats[i], &a);
		if (!a.count)
			continue;
		stp_timing_print("%s, (%s), hits: %lld, cycles: %lldmin/%lldavg/%lldmax, variance: %lld,%s, index: %d\n",
				 STP_PP(p), STP_PLOC(p) ? STP_PLOC(p) : "",
				 (long long)a.count, (long long)a.min,
				 (long long)stp_agg_avg(&a), (long long)a.max,
				 (long long)stp_agg_variance(&a, 0),
				 STP_PDERIV(p) ? STP_PDERIV(p) : "", p->index);
	}
	stp_timing_print("----- refresh report:\n");
	/* stp_lock.h counts the retried tries per global; the translator
	 * names the globals in stp_global_names[], in lock order */
	for (g = 0; g < STP_NUM_GLOBALS; g++) {
		int n = atomic_read(&stp_global_locks[g].contention);

		if (n)
			stp_timing_print("'%s' lock contention occurred %d times\n",
					 stp_global_names[g], n);
	}
	/* the loader says these after its "Number of errors" line */
	for (g = 0; g < STP_NUM_GLOBALS; g++) {
		int n = atomic_read(&stp_global_locks[g].skipped);

		if (n)
			stp_ctl_text(STP_MSG_OOB, STP_OOB_TRAILER,
				     "WARNING: Skipped due to global '%s' lock timeout: %d\n",
				     stp_global_names[g], n);
	}
	if (atomic64_read(&stp_reentrant_count))
		stp_ctl_text(STP_MSG_OOB, STP_OOB_TRAILER, "WARNING: Skipped due to reentrancy: %lld\n",
			     (long long)atomic64_read(&stp_reentrant_count));
}
#else
static inline int stp_timing_init(void) { return 0; }
static inline void stp_timing_exit(void) { }
static inline void stp_timing_report(void) { }
#endif /* STP_TIMING */

/* --- the session commands ------------------------------------------------ */

/* The host's zone from START; a loader that sends none leaves UTC. */
static void stp_session_set_zone(const struct stp_msg_start *m)
{
	char name[sizeof(m->tz_name) + 1];

	memcpy(name, m->tz_name, sizeof(m->tz_name));
	name[sizeof(m->tz_name)] = '\0';
	if (!name[0])
		return;
	stp_tz_gmtoff = m->tz_gmtoff;
	strscpy(stp_tz_name, name, sizeof(stp_tz_name));
}

/* START: run begin probes, then arm the rest unless exit() was called. */
static void stp_session_start(const struct stp_msg_start *m)
{
	int status = 0;

	if (atomic_read(&stp_session_state) != STP_SESSION_LOADED) {
		stp_reply_status(STP_MSG_STARTED, -ESHUTDOWN);	/* STOP came first */
		return;
	}
	stp_target_pid = m->target_pid;
	stp_session_set_zone(m);
	stp_flight_recorder_asked = m->flags & STP_START_FLIGHT_RECORDER;
	WRITE_ONCE(stp_flight_recorder, stp_flight_recorder_asked);
	atomic_set(&stp_session_state, STP_SESSION_STARTING);

	stp_gen_begin();
	stp_begun = true;

	if (atomic_read(&stp_session_state) == STP_SESSION_STARTING) {
		status = stp_gen_register();
		if (status) {
			pr_err("cannot arm probes (%d)\n", status);
			atomic_set(&stp_session_state, STP_SESSION_STOPPING);
		} else {
			stp_armed = true;
			/* stays STOPPING if exit() came meanwhile */
			atomic_cmpxchg(&stp_session_state, STP_SESSION_STARTING,
				       STP_SESSION_RUNNING);
		}
	}
	stp_reply_status(STP_MSG_STARTED, status);
}

/* STOP: disarm, wait out handlers, run end probes.  Idempotent. */
static void stp_session_stop(void)
{
	if (atomic_read(&stp_session_state) != STP_SESSION_STOPPED) {
		atomic_set(&stp_session_state, STP_SESSION_STOPPING);
		smp_mb();	/* pairs with stp_probe_enter() */
		if (stp_armed) {
			stp_gen_unregister();
			stp_armed = false;
		}
		stp_wait_for_handlers();
		if (stp_begun) {
			if (!atomic_read(&stp_abort_requested))
				stp_gen_end();
			stp_timing_report();
#ifdef STP_SYM_H	/* (modules without the context runtime: no stacks) */
			stp_unwind_report();
#endif
			stp_begun = false;
		}
		atomic_set(&stp_exit_pending, 0);
		atomic_set(&stp_session_state, STP_SESSION_STOPPED);
	}
	stp_reply_status(STP_MSG_STOPPED, 0);
}

/*
 * ATTACH: a new loader took over; tell it where the session stands.  It
 * reads the output from now on, so stop overwriting under it.
 */
static void stp_session_attach(void)
{
	WRITE_ONCE(stp_flight_recorder, false);
	switch (atomic_read(&stp_session_state)) {
	case STP_SESSION_LOADED:
		stp_reply_status(STP_MSG_STARTED, -ENOTCONN);
		break;
	case STP_SESSION_STOPPED:
		stp_reply_status(STP_MSG_STOPPED, 0);
		break;
	default:
		stp_reply_status(STP_MSG_STARTED, 0);
		break;
	}
}

/* No loader will send STOP (exit() while detached, or the loader died). */
static void stp_auto_stop_fn(struct work_struct *work)
{
	int state;

	mutex_lock(&stp_session_mutex);
	state = atomic_read(&stp_session_state);
	if (!READ_ONCE(stp_ctl_attached) && state != STP_SESSION_LOADED &&
	    state != STP_SESSION_STOPPED)
		stp_session_stop();
	mutex_unlock(&stp_session_mutex);
}

static atomic_t stp_start_seen;		/* START accepted once */

/* Run one command in the writer's context; -EINTR if it was killed waiting. */
static int stp_ctl_command(const struct stp_msg *hdr, const void *msg)
{
	switch (hdr->type) {
	case STP_MSG_START:
		if (hdr->size < STP_MSG_START_MIN_SIZE)
			return -EINVAL;
		if (atomic_cmpxchg(&stp_start_seen, 0, 1))
			return -EBUSY;
		break;
	case STP_MSG_STOP:
	case STP_MSG_ATTACH:
		break;
	case STP_MSG_DETACH:
		WRITE_ONCE(stp_ctl_detached, true);
		WRITE_ONCE(stp_flight_recorder, stp_flight_recorder_asked);
		WRITE_ONCE(stp_loader_pid, 0);
		return 0;
	default:
		return -EINVAL;
	}
	if (mutex_lock_killable(&stp_session_mutex))
		return -EINTR;
	if (hdr->type == STP_MSG_START)
		stp_session_start(msg);
	else if (hdr->type == STP_MSG_STOP)
		stp_session_stop();
	else
		stp_session_attach();
	mutex_unlock(&stp_session_mutex);
	return 0;
}

static ssize_t stp_ctl_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	union {
		struct stp_msg hdr;
		struct stp_msg_start start;
	} m = { };
	int rc;

	if (count < sizeof(m.hdr) || count > STP_MSG_MAX)
		return -EINVAL;
	if (copy_from_user(&m, ubuf, min(count, sizeof(m))))
		return -EFAULT;
	if (m.hdr.size != count)
		return -EINVAL;
	rc = stp_ctl_command(&m.hdr, &m);
	return rc ? rc : count;
}

static ssize_t stp_ctl_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	ssize_t n;

	if (count < sizeof(struct stp_msg))
		return -EINVAL;
	if (mutex_lock_interruptible(&stp_ctl_read_mutex))
		return -ERESTARTSYS;
	for (;;) {
		if (atomic_xchg(&stp_exit_pending, 0)) {
			struct stp_msg m = { sizeof(m), STP_MSG_EXIT };

			n = copy_to_user(ubuf, &m, sizeof(m)) ? -EFAULT : sizeof(m);
			break;
		}
		n = stp_ctlq_get(stp_ctl_rbuf, min_t(size_t, count, STP_MSG_MAX));
		if (n > 0 && copy_to_user(ubuf, stp_ctl_rbuf, n))
			n = -EFAULT;
		if (n != 0 && n != -EAGAIN)
			break;
		if (n == -EAGAIN) {	/* ring lock contended: try again */
			cond_resched();
			continue;
		}
		if (file->f_flags & O_NONBLOCK) {
			n = -EAGAIN;
			break;
		}
		if (wait_event_interruptible(stp_ctl_wait, stp_ctl_readable())) {
			n = -ERESTARTSYS;
			break;
		}
	}
	mutex_unlock(&stp_ctl_read_mutex);
	return n;
}

static __poll_t stp_ctl_poll(struct file *file, poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &stp_ctl_wait, wait);
	if (stp_ctl_readable())
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static int stp_ctl_open(struct inode *inode, struct file *file)
{
	if (atomic_cmpxchg(&stp_ctl_open_count, 0, 1))
		return -EBUSY;
	WRITE_ONCE(stp_ctl_detached, false);
	WRITE_ONCE(stp_ctl_attached, true);
	WRITE_ONCE(stp_loader_pid, task_tgid_nr(current));
	WRITE_ONCE(stp_loader_uid, from_kuid(&init_user_ns, current_uid()));
	return stream_open(inode, file);
}

/* A loader that leaves without DETACH is gone for good: end the session. */
static int stp_ctl_release(struct inode *inode, struct file *file)
{
	int state = atomic_read(&stp_session_state);

	WRITE_ONCE(stp_ctl_attached, false);
	WRITE_ONCE(stp_loader_pid, 0);
	if ((!READ_ONCE(stp_ctl_detached) || atomic_read(&stp_exit_pending)) &&
	    state != STP_SESSION_LOADED && state != STP_SESSION_STOPPED)
		queue_work(stp_wq, &stp_auto_stop_work);
	atomic_set(&stp_ctl_open_count, 0);
	return 0;
}

static const struct file_operations stp_ctl_fops = {
	.owner		= THIS_MODULE,
	.open		= stp_ctl_open,
	.release	= stp_ctl_release,
	.read		= stp_ctl_read,
	.write		= stp_ctl_write,
	.poll		= stp_ctl_poll,
	.llseek		= no_llseek,
};

static int __init stp_module_init(void)
{
	int rc;

	stp_wq = alloc_ordered_workqueue("stap_%s", 0, KBUILD_MODNAME);
	if (!stp_wq) {
		pr_err("cannot allocate a workqueue\n");
		return -ENOMEM;
	}
	rc = stp_transport_init();
	if (rc)
		goto err_wq;
	rc = stp_gen_init();
	if (rc) {
		pr_err("cannot initialize the script's globals (%d)\n", rc);
		goto err_transport;
	}
	rc = stp_timing_init();
	if (rc) {
		pr_err("cannot allocate the -t probe statistics (%d)\n", rc);
		goto err_gen;
	}
	return 0;

err_gen:
	stp_gen_exit();
err_transport:
	stp_transport_exit();
err_wq:
	destroy_workqueue(stp_wq);
	stp_wq = NULL;
	return rc;
}

static void __exit stp_module_exit(void)
{
	mutex_lock(&stp_session_mutex);
	if (atomic_read(&stp_session_state) != STP_SESSION_STOPPED)
		stp_session_stop();	/* the loader died or never started us */
	mutex_unlock(&stp_session_mutex);
	irq_work_sync(&stp_ctl_irq_work);	/* nothing queues work after this */
	destroy_workqueue(stp_wq);		/* runs what is queued: all no-ops */
	stp_wq = NULL;
	stp_timing_exit();
	stp_gen_exit();
	stp_transport_exit();
}

module_init(stp_module_init);
module_exit(stp_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ctap tracing session " KBUILD_MODNAME);

#endif /* STP_MODULE_H */
