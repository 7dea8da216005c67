/* SPDX-License-Identifier: GPL-2.0 */
/* stp_profile.h - timer.profile.tick probes: every CPU, every tick.
 *
 * The translator emits a table of struct stp_profile, one per probe.  Each
 * owns one hrtimer per CPU, started on that CPU (pinned) and firing every
 * TICK_NSEC in hardirq context; the handler gets the registers the tick
 * interrupted.  CPUs coming online later are not covered.
 */
#ifndef STP_PROFILE_H
#define STP_PROFILE_H

struct stp_profile_cpu {
	struct hrtimer t;
	const struct stp_probe *probe;
	bool started;
};

struct stp_profile {
	const struct stp_probe *probe;
	struct stp_profile_cpu __percpu *cpus;
};

static enum hrtimer_restart stp_profile_fn(struct hrtimer *t)
{
	struct stp_profile_cpu *pc = container_of(t, struct stp_profile_cpu, t);

	stp_probe_hit(pc->probe, get_irq_regs(), NULL);
	hrtimer_forward_now(t, ns_to_ktime(TICK_NSEC));
	return HRTIMER_RESTART;
}

/* On each CPU (IPI): start this CPU's timer. */
static void stp_profile_start_cpu(void *info)
{
	struct stp_profile *sp = info;
	struct stp_profile_cpu *pc = this_cpu_ptr(sp->cpus);

	hrtimer_init(&pc->t, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	pc->t.function = stp_profile_fn;
	pc->probe = sp->probe;
	pc->started = true;
	hrtimer_start(&pc->t, ns_to_ktime(TICK_NSEC), HRTIMER_MODE_REL_PINNED);
}

static void stp_profiles_stop(struct stp_profile *profiles, int n)
{
	int i, cpu;

	for (i = 0; i < n; i++) {
		struct stp_profile *sp = &profiles[i];

		if (!sp->cpus)
			continue;
		for_each_possible_cpu(cpu) {
			struct stp_profile_cpu *pc = per_cpu_ptr(sp->cpus, cpu);

			if (pc->started)
				hrtimer_cancel(&pc->t);
			pc->started = false;
		}
		free_percpu(sp->cpus);
		sp->cpus = NULL;
	}
}

static int stp_profiles_start(struct stp_profile *profiles, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		profiles[i].cpus = alloc_percpu(struct stp_profile_cpu);
		if (!profiles[i].cpus) {
			stp_profiles_stop(profiles, i);
			return -ENOMEM;
		}
	}
	for (i = 0; i < n; i++)
		on_each_cpu(stp_profile_start_cpu, &profiles[i], 1);
	return 0;
}

#endif /* STP_PROFILE_H */
