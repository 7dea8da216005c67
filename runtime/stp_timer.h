/* SPDX-License-Identifier: GPL-2.0 */
/* stp_timer.h - timer.{s,ms,us,ns,hz,jiffies} probes on hrtimers.
 *
 * The translator emits a table of struct stp_timer, one per probe; each is
 * an hrtimer firing in hardirq context every `ns` nanoseconds (negative:
 * that many jiffies), plus or minus up to `rand_ns` when randomized.
 */
#ifndef STP_TIMER_H
#define STP_TIMER_H

struct stp_timer {
	const struct stp_probe *probe;
	s64 ns;			/* interval; < 0: -ns jiffies */
	s64 rand_ns;		/* randomization; < 0: jiffies */
	struct hrtimer t;
	bool started;
};

static u64 stp_timer_interval(const struct stp_timer *st)
{
	s64 ns = st->ns < 0 ? -st->ns * (NSEC_PER_SEC / HZ) : st->ns;
	s64 r = st->rand_ns < 0 ? -st->rand_ns * (NSEC_PER_SEC / HZ) : st->rand_ns;

	if (r > 0) {
		u64 span = 2 * (u64)r + 1;

		ns += (s64)(get_random_u32() % span) - r;
		if (ns < 1000)
			ns = 1000;
	}
	return ns;
}

static enum hrtimer_restart stp_timer_fn(struct hrtimer *t)
{
	struct stp_timer *st = container_of(t, struct stp_timer, t);

	/* no registers, as in SystemTap: addr() is 0, probefunc() "0x0" (the
	 * interrupted context is timer.profile's, not timer.ms's) */
	stp_probe_hit(st->probe, NULL, NULL);
	hrtimer_forward_now(t, ns_to_ktime(stp_timer_interval(st)));
	return HRTIMER_RESTART;
}

static void stp_timers_cancel(struct stp_timer *timers, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (timers[i].started)
			hrtimer_cancel(&timers[i].t);
		timers[i].started = false;
	}
}

static int stp_timers_start(struct stp_timer *timers, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct stp_timer *st = &timers[i];

		hrtimer_init(&st->t, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		st->t.function = stp_timer_fn;
		st->started = true;
		hrtimer_start(&st->t, ns_to_ktime(stp_timer_interval(st)), HRTIMER_MODE_REL);
	}
	return 0;
}

#endif /* STP_TIMER_H */
