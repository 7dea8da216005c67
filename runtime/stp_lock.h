/* SPDX-License-Identifier: GPL-2.0 */
/* stp_lock.h - locks on script globals.
 *
 * Each global has a reader/writer lock (our own, below).  The translator
 * knows which globals a probe (and the functions it calls) reads and
 * writes; the handler takes those locks in index order where it first
 * uses one, with trylock only (a probe may run in NMI context), retrying
 * TRYLOCKDELAY us apart, MAXTRYLOCK retries in all (SystemTap's count).
 * Failing that the hit is skipped and counted.
 */
#ifndef STP_LOCK_H
#define STP_LOCK_H

/* Our own reader/writer trylock on one atomic: handlers never spin on it
 * (the slow path below retries with a delay), so it needs none of
 * rwlock_t's queueing; and unlike the kernel's trylock functions, which
 * a size-optimised module calls out of line, these few instructions are
 * always inline in the probe hit path. */
struct stp_lock {
	atomic_t v;		/* 0 free, N > 0 readers, -1 a writer */
#ifdef STP_TIMING
	atomic_t contention;	/* stap -t: tries that failed and were retried */
	atomic_t skipped;	/* hits skipped, this lock still busy */
#endif
};

struct stp_lockreq {
	int global;		/* index into the lock array */
	int write;		/* exclusive */
};

static struct stp_lock *stp_locks_base;	/* the generated stp_global_locks */

static __always_inline bool stp_wtrylock(struct stp_lock *l)
{
	int old = 0;

	return atomic_try_cmpxchg_acquire(&l->v, &old, -1);
}

static __always_inline bool stp_rtrylock(struct stp_lock *l)
{
	int old = atomic_read(&l->v);

	do {
		if (old < 0)
			return false;
	} while (!atomic_try_cmpxchg_acquire(&l->v, &old, old + 1));
	return true;
}

static __always_inline void stp_wunlock(struct stp_lock *l)
{
	atomic_set_release(&l->v, 0);
}

static __always_inline void stp_runlock(struct stp_lock *l)
{
	atomic_dec_return_release(&l->v);
}

static void stp_locks_init(struct stp_lock *locks, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		atomic_set(&locks[i].v, 0);
#ifdef STP_TIMING
		atomic_set(&locks[i].contention, 0);
		atomic_set(&locks[i].skipped, 0);
#endif
	}
	stp_locks_base = locks;
}

/* Inline: the probe hit path has no calls of its own for its locks (on
 * the emulated lab CPU a call and return cost more than a lock). */
static __always_inline void stp_locks_release(const struct stp_lockreq *req, int n)
{
	while (n-- > 0) {
		struct stp_lock *l = &stp_locks_base[req[n].global];

		if (req[n].write)
			stp_wunlock(l);
		else
			stp_runlock(l);
	}
}

/* Lock i was busy: retry it and take the rest, TRYLOCKDELAY us apart,
 * MAXTRYLOCK retries in all; on failure release locks 0..i-1. */
static noinline bool stp_locks_take_slow(const struct stp_lockreq *req, int n, int i)
{
	int retries = 0;

	for (; i < n; i++) {
		struct stp_lock *l = &stp_locks_base[req[i].global];

		while (!(req[i].write ? stp_wtrylock(l) : stp_rtrylock(l))) {
			if (++retries > MAXTRYLOCK) {
#ifdef STP_TIMING
				atomic_inc(&l->skipped);
#endif
				stp_locks_release(req, i);
				return false;
			}
#ifdef STP_TIMING
			atomic_inc(&l->contention);
#endif
			udelay(TRYLOCKDELAY);
		}
	}
	return true;
}

static __always_inline bool stp_locks_take(const struct stp_lockreq *req, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct stp_lock *l = &stp_locks_base[req[i].global];

		if (unlikely(!(req[i].write ? stp_wtrylock(l) : stp_rtrylock(l))))
			return stp_locks_take_slow(req, n, i);
	}
	return true;
}

#endif /* STP_LOCK_H */
