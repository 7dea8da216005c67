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
 * write(), see stp_wire.h).  write() only queues the command on an ordered
 * workqueue and returns, so the loader keeps draining output while begin
 * and end probes print; the work runs in process context under
 * stp_session_mutex, so begin/end probes may sleep and START and STOP never
 * overlap.  The reply (STARTED, STOPPED) comes back through .ctl.  STOP is
 * idempotent and also runs by itself when a session must end with no loader
 * to ask for it (exit() while detached, or the loader closed .ctl without
 * DETACH), and from module_exit if still needed.
 *
 * Only one loader may hold .ctl open at a time.
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

/* START: run begin probes, then arm the rest unless exit() was called. */
static void stp_session_start(const struct stp_msg_start *m)
{
	int status = 0;

	if (atomic_read(&stp_session_state) != STP_SESSION_LOADED) {
		stp_reply_status(STP_MSG_STARTED, -ESHUTDOWN);	/* STOP came first */
		return;
	}
	stp_target_pid = m->target_pid;
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
			stp_gen_end();
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

/*
 * The loader's commands run on stp_wq, an ordered workqueue, so write()
 * returns at once and the loader keeps draining output while begin and end
 * probes print; the order of START, STOP and ATTACH is kept.
 */
static struct stp_msg_start stp_start_args;
static atomic_t stp_start_queued;	/* START accepted once */

static void stp_start_fn(struct work_struct *work)
{
	mutex_lock(&stp_session_mutex);
	stp_session_start(&stp_start_args);
	mutex_unlock(&stp_session_mutex);
}
static DECLARE_WORK(stp_start_work, stp_start_fn);

static void stp_stop_fn(struct work_struct *work)
{
	mutex_lock(&stp_session_mutex);
	stp_session_stop();
	mutex_unlock(&stp_session_mutex);
}
static DECLARE_WORK(stp_stop_work, stp_stop_fn);

static void stp_attach_fn(struct work_struct *work)
{
	mutex_lock(&stp_session_mutex);
	stp_session_attach();
	mutex_unlock(&stp_session_mutex);
}
static DECLARE_WORK(stp_attach_work, stp_attach_fn);

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

static int stp_ctl_command(const struct stp_msg *hdr, const void *msg)
{
	switch (hdr->type) {
	case STP_MSG_START:
		if (hdr->size < sizeof(struct stp_msg_start))
			return -EINVAL;
		if (atomic_cmpxchg(&stp_start_queued, 0, 1))
			return -EBUSY;
		stp_start_args = *(const struct stp_msg_start *)msg;
		queue_work(stp_wq, &stp_start_work);
		return 0;
	case STP_MSG_STOP:
		queue_work(stp_wq, &stp_stop_work);
		return 0;
	case STP_MSG_DETACH:
		WRITE_ONCE(stp_ctl_detached, true);
		WRITE_ONCE(stp_flight_recorder, stp_flight_recorder_asked);
		return 0;
	case STP_MSG_ATTACH:
		queue_work(stp_wq, &stp_attach_work);
		return 0;
	default:
		return -EINVAL;
	}
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
	return nonseekable_open(inode, file);
}

/* A loader that leaves without DETACH is gone for good: end the session. */
static int stp_ctl_release(struct inode *inode, struct file *file)
{
	int state = atomic_read(&stp_session_state);

	WRITE_ONCE(stp_ctl_attached, false);
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
	return 0;

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
	stp_gen_exit();
	stp_transport_exit();
}

module_init(stp_module_init);
module_exit(stp_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ctap tracing session " KBUILD_MODNAME);

#endif /* STP_MODULE_H */
