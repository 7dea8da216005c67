/* SPDX-License-Identifier: GPL-2.0 */
/* stp_lock.h - locks on script globals.
 *
 * Each global has a reader/writer lock.  The translator knows which
 * globals a probe (and the functions it calls) reads and writes; the probe
 * entry takes those locks in index order, with trylock only (a probe may
 * run in NMI context), up to MAXTRYLOCK attempts TRYLOCKDELAY us apart.
 * Failing that the hit is skipped and counted.
 */
#ifndef STP_LOCK_H
#define STP_LOCK_H

struct stp_lock {
	rwlock_t rw;
};

struct stp_lockreq {
	int global;		/* index into the lock array */
	int write;		/* exclusive */
};

static struct stp_lock *stp_locks_base;	/* the generated stp_global_locks */

/* Handlers run with preemption off already: the raw operations, inline,
 * skip the out-of-line call and the preempt count of write_trylock()
 * (the checked ones where the kernel debugs its locks). */
#if defined(CONFIG_DEBUG_SPINLOCK) || defined(CONFIG_DEBUG_LOCK_ALLOC)
#define stp_wtrylock(l)	write_trylock(l)
#define stp_rtrylock(l)	read_trylock(l)
#define stp_wunlock(l)	write_unlock(l)
#define stp_runlock(l)	read_unlock(l)
#else
#define stp_wtrylock(l)	do_raw_write_trylock(l)
#define stp_rtrylock(l)	do_raw_read_trylock(l)
#define stp_wunlock(l)	do_raw_write_unlock(l)
#define stp_runlock(l)	do_raw_read_unlock(l)
#endif

static void stp_locks_init(struct stp_lock *locks, int n)
{
	int i;

	for (i = 0; i < n; i++)
		rwlock_init(&locks[i].rw);
	stp_locks_base = locks;
}

/* Inline: the probe hit path has no calls of its own for its locks (on
 * the emulated lab CPU a call and return cost more than a lock). */
static __always_inline void stp_locks_release(const struct stp_lockreq *req, int n)
{
	while (n-- > 0) {
		struct stp_lock *l = &stp_locks_base[req[n].global];

		if (req[n].write)
			stp_wunlock(&l->rw);
		else
			stp_runlock(&l->rw);
	}
}

/* Lock i was busy: retry it and take the rest, MAXTRYLOCK attempts each
 * TRYLOCKDELAY us apart; on failure release locks 0..i-1. */
static noinline bool stp_locks_take_slow(const struct stp_lockreq *req, int n, int i)
{
	int tries;

	for (; i < n; i++) {
		struct stp_lock *l = &stp_locks_base[req[i].global];

		for (tries = 0; tries < MAXTRYLOCK; tries++) {
			if (req[i].write ? stp_wtrylock(&l->rw) : stp_rtrylock(&l->rw))
				break;
			udelay(TRYLOCKDELAY);
		}
		if (tries == MAXTRYLOCK) {
			stp_locks_release(req, i);
			return false;
		}
	}
	return true;
}

static __always_inline bool stp_locks_take(const struct stp_lockreq *req, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct stp_lock *l = &stp_locks_base[req[i].global];

		if (unlikely(!(req[i].write ? stp_wtrylock(&l->rw) : stp_rtrylock(&l->rw))))
			return stp_locks_take_slow(req, n, i);
	}
	return true;
}

#endif /* STP_LOCK_H */
