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

static void stp_locks_init(struct stp_lock *locks, int n)
{
	int i;

	for (i = 0; i < n; i++)
		rwlock_init(&locks[i].rw);
	stp_locks_base = locks;
}

static void stp_locks_release(const struct stp_lockreq *req, int n)
{
	while (n-- > 0) {
		struct stp_lock *l = &stp_locks_base[req[n].global];

		if (req[n].write)
			write_unlock(&l->rw);
		else
			read_unlock(&l->rw);
	}
}

static bool stp_locks_take(const struct stp_lockreq *req, int n)
{
	int i, tries;

	for (i = 0; i < n; i++) {
		struct stp_lock *l = &stp_locks_base[req[i].global];

		for (tries = 0; tries < MAXTRYLOCK; tries++) {
			if (req[i].write ? write_trylock(&l->rw) : read_trylock(&l->rw))
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

#endif /* STP_LOCK_H */
