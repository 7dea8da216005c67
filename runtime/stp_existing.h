/* SPDX-License-Identifier: GPL-2.0 */
/* stp_existing.h - the tasks already running when the session starts
 * (stap/probe_existing.c): process.begin and process.thread.begin for them,
 * each in its own context, as SystemTap's task finder reports them.
 *
 * START (registration) takes a reference on every user task and queues a
 * task_work on it with TWA_SIGNAL: a task sleeping interruptibly wakes as
 * for a signal (its system call restarts), one running runs the work on
 * its way back to user space.  The work waits out the end of START, then
 * runs the generated stp_existing_run().  STOP cancels the works that have
 * not run (task_work_cancel_func, found by address: the kernel does not
 * export it) and waits for those running, then for every task to have
 * left the module's code (a tasks-RCU grace period): nothing runs or
 * points into the module once it is gone.  With a target process (-c, -x) running
 * tasks are not reported, as in SystemTap 4.8 (checked in the lab).
 */
#ifndef STP_EXISTING_H
#define STP_EXISTING_H

#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/task_work.h>
#include <linux/version.h>

typedef struct callback_head *(*stp_twcancel_t)(struct task_struct *, task_work_func_t);

struct stp_existing_work {
	struct callback_head cb;
	bool leader;		/* a process (thread group leader), not a thread */
};

static void stp_existing_run(bool leader, struct pt_regs *regs);	/* generated */

static stp_twcancel_t stp_twcancel;
static struct task_struct **stp_existing_tasks;
static int stp_existing_n;
static atomic_t stp_existing_pending;	/* works queued and not yet done */

static void stp_existing_fn(struct callback_head *cb)
{
	struct stp_existing_work *w = container_of(cb, struct stp_existing_work, cb);

	/* queued during START, before the session runs */
	while (atomic_read(&stp_session_state) == STP_SESSION_STARTING)
		msleep(1);
	stp_existing_run(w->leader, task_pt_regs(current));
	kfree(w);
	atomic_dec(&stp_existing_pending);
}

static int stp_existing_start(stp_twcancel_t cancel, bool leaders, bool others)
{
	struct task_struct *g, *t, **tasks;
	int cap = 16, n = 0, i;

	stp_twcancel = cancel;
	/* with a target process (stap -c, -x), SystemTap reports none */
	if (stp_target_pid)
		return 0;
	rcu_read_lock();
	for_each_process_thread(g, t)
		cap++;
	rcu_read_unlock();
	tasks = kvmalloc_array(cap, sizeof(*tasks), GFP_KERNEL);
	if (!tasks)
		return -ENOMEM;
	rcu_read_lock();
	for_each_process_thread(g, t) {
		bool leader = thread_group_leader(t);

		if (n == cap)
			break;	/* new since the count: schedule_tail reports them */
		if ((t->flags & (PF_KTHREAD | PF_EXITING)) || !t->mm || (leader ? !leaders : !others))
			continue;
		get_task_struct(t);
		tasks[n++] = t;
	}
	rcu_read_unlock();
	stp_existing_tasks = tasks;
	stp_existing_n = n;
	/* queued last to first: woken in that order, they run first to last
	 * (the order SystemTap's come in) */
	for (i = n - 1; i >= 0; i--) {
		struct stp_existing_work *w = kmalloc(sizeof(*w), GFP_KERNEL);

		if (!w)
			break;	/* the rest are not reported */
		init_task_work(&w->cb, stp_existing_fn);
		w->leader = thread_group_leader(tasks[i]);
		atomic_inc(&stp_existing_pending);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 11, 0)
		if (task_work_add(tasks[i], &w->cb, TWA_SIGNAL)) {
#else
		if (task_work_add(tasks[i], &w->cb, true)) {
#endif
			atomic_dec(&stp_existing_pending);	/* exiting */
			kfree(w);
		}
	}
	return 0;
}

static void stp_existing_stop(void)
{
	struct callback_head *cb;
	int i;

	for (i = 0; i < stp_existing_n; i++) {
		while ((cb = stp_twcancel(stp_existing_tasks[i], stp_existing_fn))) {
			kfree(container_of(cb, struct stp_existing_work, cb));
			atomic_dec(&stp_existing_pending);
		}
		put_task_struct(stp_existing_tasks[i]);
	}
	/* works already taken off their task's list finish soon */
	while (atomic_read(&stp_existing_pending) > 0)
		msleep(1);
	/* ...but a task may still be between its decrement and the return
	 * from stp_existing_fn, in this module's code: a tasks-RCU grace
	 * period waits until every task has left it (each has switched or
	 * gone back to user space) */
	if (stp_existing_n) {
#ifdef CONFIG_TASKS_RCU
		synchronize_rcu_tasks();
#else
		synchronize_rcu();
#endif
	}
	kvfree(stp_existing_tasks);
	stp_existing_tasks = NULL;
	stp_existing_n = 0;
}

#endif /* STP_EXISTING_H */
