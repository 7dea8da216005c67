/* SPDX-License-Identifier: GPL-2.0 */
/* stp_perf.h - perf.type(T).config(C) probes on perf events.
 *
 * The translator emits a table of struct stp_perf, one per probe.  Each
 * is one kernel perf event per online CPU (CPUs coming online later are
 * not covered), or one event following the target process and its
 * children for .process; the overflow handler runs the probe with the
 * interrupted registers, in NMI context for hardware events.  An event
 * the machine lacks (hardware counters under emulation, an unknown type)
 * fails registration with an error naming the probe.
 */
#ifndef STP_PERF_H
#define STP_PERF_H

#include <linux/perf_event.h>

struct stp_perf {
	const struct stp_probe *probe;
	u32 type;
	u64 config;
	u64 period;			/* events per sample, or samples per second */
	bool freq;			/* period is a frequency (.hz) */
	bool process;			/* only the target process (.process) */
	struct perf_event **events;	/* [nr_cpu_ids], or [0] for .process */
};

static __kprobes void stp_perf_overflow(struct perf_event *event, struct perf_sample_data *data,
			      struct pt_regs *regs)
{
	struct stp_perf *sp = event->overflow_handler_context;

	stp_probe_hit(sp->probe, regs, NULL);
}

static void stp_perf_release(struct stp_perf *sp)
{
	int cpu;

	if (!sp->events)
		return;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (sp->events[cpu])
			perf_event_release_kernel(sp->events[cpu]);
	kfree(sp->events);
	sp->events = NULL;
}

static const char *stp_perf_why(long err)
{
	switch (err) {
	case -ENOENT:
	case -EOPNOTSUPP:
		return "this machine does not have this event (no hardware performance counters?)";
	case -EINVAL:
		return "invalid event attributes";
	case -EACCES:
	case -EPERM:
		return "not permitted";
	case -ESRCH:
		return "no target process";
	default:
		return "cannot create the perf event";
	}
}

static struct task_struct *stp_perf_target(void)
{
	struct pid *pid = find_get_pid(stp_target_pid);
	struct task_struct *task = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;

	put_pid(pid);
	return task;
}

static int stp_perf_open(struct stp_perf *sp)
{
	struct perf_event_attr attr = {
		.type = sp->type,
		.size = sizeof(attr),
		.config = sp->config,
		.sample_period = sp->period,
		.freq = sp->freq,
		.inherit = sp->process,
	};
	struct perf_event *ev;
	int cpu;

	sp->events = kcalloc(nr_cpu_ids, sizeof(*sp->events), GFP_KERNEL);
	if (!sp->events)
		return -ENOMEM;
	if (sp->process) {
		struct task_struct *task = stp_perf_target();

		ev = task ? perf_event_create_kernel_counter(&attr, -1, task, stp_perf_overflow, sp)
			  : ERR_PTR(-ESRCH);
		if (task)
			put_task_struct(task);
		if (IS_ERR(ev))
			goto fail;
		sp->events[0] = ev;
		return 0;
	}
	for_each_online_cpu(cpu) {
		ev = perf_event_create_kernel_counter(&attr, cpu, NULL, stp_perf_overflow, sp);
		if (IS_ERR(ev))
			goto fail;
		sp->events[cpu] = ev;
	}
	return 0;
fail:
	stp_oob(STP_OOB_ERROR, "ERROR: probe %s registration error (rc %ld): %s\n", STP_PP(sp->probe),
		PTR_ERR(ev), stp_perf_why(PTR_ERR(ev)));
	stp_perf_release(sp);
	return PTR_ERR(ev);
}

static void stp_perfs_unregister(struct stp_perf *perfs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		stp_perf_release(&perfs[i]);
}

static int stp_perfs_register(struct stp_perf *perfs, int n)
{
	int i, rc;

	for (i = 0; i < n; i++) {
		rc = stp_perf_open(&perfs[i]);
		if (rc) {
			stp_perfs_unregister(perfs, i);
			return rc;
		}
	}
	return 0;
}

#endif /* STP_PERF_H */
