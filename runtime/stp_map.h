/* SPDX-License-Identifier: GPL-2.0 */
/* stp_map.h - script associative arrays, including arrays of statistics.
 *
 * A map is one or more tables (struct stp_tab).  A table is a chained hash
 * over a preallocated entry array: each entry is a fixed-size record of a
 * header, the keys (8 bytes per long, MAXSTRINGLEN per string, truncated
 * and NUL-terminated) and the value (8 bytes, MAXSTRINGLEN, or a statistic
 * record).  Entries are linked by index, never by pointer, and also form a
 * list in insertion order: that is foreach's order when unsorted (as in
 * SystemTap), the tie-break when sorted, and the victim order of a wrapping
 * map (`global a%[N]`), which evicts its oldest entry when full.  After
 * stp_map_new() nothing allocates, sleeps or locks: every call is safe in
 * any context, NMI included.
 *
 * Long and string maps have one table, protected by the caller's script
 * lock (writers exclusive, readers shared).  A statistic map has one table
 * per possible CPU, like SystemTap's pmaps, because `a[k] <<< v` runs under
 * the shared lock on several CPUs at once: each CPU inserts and accumulates
 * only in its own table.  Reading an element merges the CPUs; an element
 * exists when any CPU has it; foreach walks the union of the tables, CPU by
 * CPU, each in insertion order, skipping keys an earlier CPU already had.
 * Like SystemTap, reading statistics wants the exclusive lock, so that no
 * CPU is mid-add (under the shared lock it is memory-safe but values may be
 * torn and a wrapping table may recycle an entry under the reader).
 *
 * Sorting needs an index array: each map preallocates STP_MAP_ITER_SLOTS of
 * them (max_entries elements each) and an iterator claims one atomically,
 * so nested loops over the same map and loops on several CPUs each get
 * their own.  An iterator that finds every slot taken sorts by selection
 * instead (an O(n) scan per step, no memory): still correct, only slower.
 * Running to the end gives the slot back; a loop left early (break,
 * return, error) should call stp_map_iter_end(), and otherwise holds its
 * slot until the same iterator starts again (on that CPU's next run of
 * the loop), meanwhile leaving one slot fewer to the others.
 *
 * Sorting is stable over the insertion order, as SystemTap's list sort is
 * on a fresh array.  (SystemTap also keeps a sorted order as the array's
 * order for later loops, and an inner sorted loop over the same array
 * reorders the outer one; we do neither.)  A sorted loop over a STAT map
 * whose union of CPUs exceeds max_entries sees only max_entries elements
 * and stp_map_iter_error() says -E2BIG (SystemTap: "aggregation overflow").
 *
 * Memory, fixed at creation: per entry, 16 bytes of header + 8 per long
 * key + MAXSTRINGLEN per string key + the value (8, MAXSTRINGLEN, or 48 +
 * 8 per histogram bucket), 8-byte aligned; 4 bytes per hash bucket (the
 * next power of two of max_entries); STP_MAP_ITER_SLOTS * 16 bytes per
 * entry for sorting.  A STAT map has the entries and buckets once per
 * possible CPU.
 *
 * Costs: lookups are O(1) per table, so STAT reads are O(CPUs); foreach
 * over a STAT map and stp_map_size() of one are O(CPUs^2 * n) in the worst
 * case (each key is checked against the earlier CPUs' tables).
 */
#ifndef STP_MAP_H
#define STP_MAP_H

#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/overflow.h>
#include <linux/log2.h>
#include <linux/bitops.h>
#include <linux/cpumask.h>
#include <linux/smp.h>
#include <linux/compiler.h>
#endif

#include "stp_stat.h"

#ifndef MAXSTRINGLEN
#define MAXSTRINGLEN		512
#endif
#ifndef MAXMAPENTRIES
#define MAXMAPENTRIES		2048
#endif
#ifndef STP_MAP_ITER_SLOTS
#define STP_MAP_ITER_SLOTS	4	/* sorted loops a map serves at once */
#endif

#define STP_MAX_KEYS		9
#define STP_MAP_MAX_ENTRIES	(1u << 30)	/* largest max_entries */
#define STP_NIL			((u32)~0u)	/* no entry */

#if STP_MAP_ITER_SLOTS > BITS_PER_LONG
#error "STP_MAP_ITER_SLOTS must fit one unsigned long"
#endif

enum stp_vtype {
	STP_LONG = 1,
	STP_STRING = 2,
	STP_STAT = 3,
};

struct stp_map_spec {
	int nkeys;				/* 1..STP_MAX_KEYS */
	unsigned char key_types[STP_MAX_KEYS];	/* STP_LONG or STP_STRING */
	unsigned char value_type;		/* enum stp_vtype */
	unsigned max_entries;			/* 0: MAXMAPENTRIES */
	bool wrap;				/* full: evict the oldest entry */
	struct stp_stat_spec stat;		/* value_type == STP_STAT */
};

/* A key tuple; only the slot matching each key's type is read. */
struct stp_key {
	int64_t l[STP_MAX_KEYS];
	const char *s[STP_MAX_KEYS];		/* NULL reads as "" */
};

/* Header of every entry; the keys and the value follow. */
struct stp_ent {
	u32 hash;
	u32 chain;		/* next entry in the bucket, or in the free list */
	u32 prev, next;		/* insertion order */
};

struct stp_tab {
	char *ents;		/* cap entries of map->ent_size bytes */
	u32 *heads;		/* bucket chains, mask + 1 of them */
	u32 mask;
	u32 count;		/* live entries */
	u32 used;		/* entries ever handed out since the last clear */
	u32 free;		/* deleted entries */
	u32 oldest, newest;	/* ends of the insertion order */
};

struct stp_map_iter;

/* One element of a sort: where it is, its rank in the walk, its sort key. */
struct stp_sort_ent {
	s64 val;		/* numeric sort value (unused for strings) */
	u32 ref;		/* table * cap + entry */
	u32 pos;		/* position in the unsorted walk: the tie-break */
};

struct stp_map {
	struct stp_map_spec spec;
	u32 cap;			/* entries per table */
	u32 ent_size;
	u32 key_off[STP_MAX_KEYS];
	u32 val_off;
	int nbuckets;			/* histogram buckets of a STAT value */
	u32 ntabs;			/* 1, or nr_cpu_ids for STAT */
	struct stp_tab **tabs;		/* [ntabs]; NULL for an impossible CPU */
	struct stp_sort_ent *sortbuf[STP_MAP_ITER_SLOTS];
	struct stp_map_iter *owner[STP_MAP_ITER_SLOTS];	/* iterator holding each */
	unsigned long slots_busy;	/* bit per claimed sortbuf */
};

enum stp_iter_mode {
	STP_ITER_DONE = 0,
	STP_ITER_WALK,		/* unsorted: follow the tables' insertion lists */
	STP_ITER_BUF,		/* sorted into a claimed slot */
	STP_ITER_SELECT,	/* sorted, no slot: select the next by scanning */
};

/* foreach state; lives in the probe's frame. */
struct stp_map_iter {
	struct stp_map *m;
	struct stp_sort_ent *buf;	/* claimed slot (STP_ITER_BUF) */
	struct stp_sort_ent cur;	/* current element */
	u32 n, next;			/* buf: length, next position */
	u32 tab, idx, pos;		/* walk: next table, entry, rank */
	s64 left;			/* elements still allowed, <0: no limit */
	s8 mode;			/* enum stp_iter_mode */
	s8 slot;			/* claimed slot or -1 */
	s8 col;				/* sort column: 0, -1 value, 1..nkeys */
	s8 dir;				/* +1 ascending, -1 descending */
	s8 aggr;			/* enum stp_agg_op for STAT values */
	bool started;			/* cur is valid (STP_ITER_SELECT) */
	int err;			/* -E2BIG: union over max_entries */
};

/* ------------------------------------------------------------- entries */

static inline struct stp_ent *stp_ent(const struct stp_map *m,
				      const struct stp_tab *t, u32 i)
{
	return (struct stp_ent *)(t->ents + (size_t)i * m->ent_size);
}

static inline s64 *stp_ent_lkey(const struct stp_map *m, struct stp_ent *e, int i)
{
	return (s64 *)((char *)e + m->key_off[i]);
}

static inline char *stp_ent_skey(const struct stp_map *m, struct stp_ent *e, int i)
{
	return (char *)e + m->key_off[i];
}

static inline void *stp_ent_val(const struct stp_map *m, struct stp_ent *e)
{
	return (char *)e + m->val_off;
}

static inline bool stp_map_is_stat(const struct stp_map *m)
{
	return m->spec.value_type == STP_STAT;
}

static inline struct stp_ent *stp_ref_ent(const struct stp_map *m, u32 ref)
{
	return stp_ent(m, m->tabs[ref / m->cap], ref % m->cap);
}

/* --------------------------------------------------------------- hashing */

static inline u64 stp_hash_u64(u64 h, u64 v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/* Hash of a string as stored: at most MAXSTRINGLEN-1 characters. */
static inline u64 stp_hash_str(u64 h, const char *s)
{
	u64 n = 0;

	for (; n < MAXSTRINGLEN - 1 && s[n]; n++)
		h = (h ^ (u8)s[n]) * 0x100000001b3ULL;
	return stp_hash_u64(h, n);
}

static inline u32 stp_key_hash(const struct stp_map *m, const struct stp_key *k)
{
	u64 h = 0xcbf29ce484222325ULL;
	int i;

	for (i = 0; i < m->spec.nkeys; i++) {
		if (m->spec.key_types[i] == STP_STRING)
			h = stp_hash_str(h, k->s[i] ? k->s[i] : "");
		else
			h = stp_hash_u64(h, k->l[i]);
	}
	return (u32)(h ^ (h >> 32));
}

/* Does entry e hold key k (when k) or the keys of entry ke (otherwise)? */
static inline bool stp_ent_match(const struct stp_map *m, struct stp_ent *e,
				 const struct stp_key *k, struct stp_ent *ke)
{
	int i;

	for (i = 0; i < m->spec.nkeys; i++) {
		if (m->spec.key_types[i] == STP_STRING) {
			const char *s = k ? (k->s[i] ? k->s[i] : "")
					  : stp_ent_skey(m, ke, i);

			if (strncmp(stp_ent_skey(m, e, i), s, MAXSTRINGLEN - 1))
				return false;
		} else {
			s64 v = k ? k->l[i] : *stp_ent_lkey(m, ke, i);

			if (*stp_ent_lkey(m, e, i) != v)
				return false;
		}
	}
	return true;
}

/* Entry of table t holding the key (k, or entry ke's), or STP_NIL. */
static inline u32 stp_tab_find(const struct stp_map *m, const struct stp_tab *t,
			       u32 hash, const struct stp_key *k, struct stp_ent *ke)
{
	u32 i = READ_ONCE(t->heads[hash & t->mask]);
	u32 steps = 0;

	while (i != STP_NIL && i < m->cap && steps++ < m->cap) {
		struct stp_ent *e = stp_ent(m, t, i);

		if (e->hash == hash && stp_ent_match(m, e, k, ke))
			return i;
		i = READ_ONCE(e->chain);
	}
	return STP_NIL;
}

/* ---------------------------------------------------------------- tables */

static inline void stp_tab_reset(struct stp_tab *t)
{
	memset(t->heads, 0xff, ((size_t)t->mask + 1) * sizeof(u32));
	t->count = 0;
	t->used = 0;
	t->free = STP_NIL;
	t->oldest = STP_NIL;
	t->newest = STP_NIL;
}

/* Take entry i out of its bucket and out of the insertion order. */
static inline void stp_tab_unlink(const struct stp_map *m, struct stp_tab *t, u32 i)
{
	struct stp_ent *e = stp_ent(m, t, i);
	u32 *link = &t->heads[e->hash & t->mask];

	while (*link != i && *link != STP_NIL)
		link = &stp_ent(m, t, *link)->chain;
	if (*link == i)
		WRITE_ONCE(*link, e->chain);
	if (e->prev != STP_NIL)
		stp_ent(m, t, e->prev)->next = e->next;
	else
		t->oldest = e->next;
	if (e->next != STP_NIL)
		stp_ent(m, t, e->next)->prev = e->prev;
	else
		t->newest = e->prev;
	t->count--;
}

/*
 * A new entry for a key known to be absent: its keys copied (from k or from
 * entry ke), its value zeroed.  STP_NIL when the table is full, unless the
 * map wraps: then the oldest entry makes room.  The entry is complete
 * before it is published in its bucket.
 */
static __maybe_unused u32 stp_tab_insert(const struct stp_map *m,
					 struct stp_tab *t, u32 hash,
					 const struct stp_key *k,
					 struct stp_ent *ke)
{
	struct stp_ent *e;
	u32 i, *head;
	int j;

	if (t->free != STP_NIL) {
		i = t->free;
		t->free = stp_ent(m, t, i)->chain;
	} else if (t->used < m->cap) {
		i = t->used++;
	} else if (m->spec.wrap && t->oldest != STP_NIL) {
		i = t->oldest;
		stp_tab_unlink(m, t, i);
	} else {
		return STP_NIL;
	}
	e = stp_ent(m, t, i);
	memset((char *)e + m->val_off, 0, m->ent_size - m->val_off);
	e->hash = hash;
	for (j = 0; j < m->spec.nkeys; j++) {
		if (m->spec.key_types[j] == STP_STRING)
			strscpy(stp_ent_skey(m, e, j),
				k ? (k->s[j] ? k->s[j] : "") : stp_ent_skey(m, ke, j),
				MAXSTRINGLEN);
		else
			*stp_ent_lkey(m, e, j) = k ? k->l[j] : *stp_ent_lkey(m, ke, j);
	}
	e->prev = t->newest;
	e->next = STP_NIL;
	if (t->newest != STP_NIL)
		stp_ent(m, t, t->newest)->next = i;
	else
		t->oldest = i;
	t->newest = i;
	head = &t->heads[hash & t->mask];
	e->chain = *head;
	smp_wmb();
	WRITE_ONCE(*head, i);
	t->count++;
	return i;
}

/* The entry for k in t, created if need be; STP_NIL when full. */
static inline u32 stp_tab_get(const struct stp_map *m, struct stp_tab *t,
			      const struct stp_key *k)
{
	u32 hash = stp_key_hash(m, k);
	u32 i = stp_tab_find(m, t, hash, k, NULL);

	if (i == STP_NIL)
		i = stp_tab_insert(m, t, hash, k, NULL);
	return i;
}

static inline void stp_tab_delete(const struct stp_map *m, struct stp_tab *t,
				  const struct stp_key *k, u32 hash)
{
	u32 i = stp_tab_find(m, t, hash, k, NULL);

	if (i == STP_NIL)
		return;
	stp_tab_unlink(m, t, i);
	stp_ent(m, t, i)->chain = t->free;
	t->free = i;
}

static __maybe_unused void stp_tab_free(struct stp_tab *t)
{
	if (!t)
		return;
	vfree(t->ents);
	vfree(t->heads);
	kfree(t);
}

static __maybe_unused struct stp_tab *stp_tab_alloc(const struct stp_map *m)
{
	struct stp_tab *t = kzalloc(sizeof(*t), GFP_KERNEL);
	u32 nheads = roundup_pow_of_two(m->cap);

	if (!t)
		return NULL;
	t->mask = nheads - 1;
	t->ents = vmalloc(array_size(m->cap, m->ent_size));
	t->heads = vmalloc(array_size(nheads, sizeof(u32)));
	if (!t->ents || !t->heads)
		goto err_free;
	stp_tab_reset(t);
	return t;

err_free:
	stp_tab_free(t);
	return NULL;
}

/* ------------------------------------------------------------ lifetime */

static inline bool stp_map_spec_valid(const struct stp_map_spec *spec)
{
	int i;

	if (spec->nkeys < 1 || spec->nkeys > STP_MAX_KEYS)
		return false;
	for (i = 0; i < spec->nkeys; i++)
		if (spec->key_types[i] != STP_LONG && spec->key_types[i] != STP_STRING)
			return false;
	switch (spec->value_type) {
	case STP_LONG:
	case STP_STRING:
		return true;
	case STP_STAT:
		return stp_stat_spec_valid(&spec->stat);
	}
	return false;
}

/* Entry layout: header, keys in order, value; 8-byte aligned longs. */
static __maybe_unused void stp_map_layout(struct stp_map *m)
{
	u32 off = sizeof(struct stp_ent);
	int i;

	for (i = 0; i < m->spec.nkeys; i++) {
		if (m->spec.key_types[i] == STP_STRING) {
			m->key_off[i] = off;
			off += MAXSTRINGLEN;
		} else {
			off = ALIGN(off, 8);
			m->key_off[i] = off;
			off += 8;
		}
	}
	m->val_off = off = ALIGN(off, 8);
	switch (m->spec.value_type) {
	case STP_LONG:
		off += 8;
		break;
	case STP_STRING:
		off += MAXSTRINGLEN;
		break;
	default:
		off += stp_stat_rec_size(m->nbuckets);
		break;
	}
	m->ent_size = ALIGN(off, 8);
}

static void __maybe_unused stp_map_free(struct stp_map *m)
{
	u32 i;

	if (!m)
		return;
	for (i = 0; i < STP_MAP_ITER_SLOTS; i++)
		vfree(m->sortbuf[i]);
	if (m->tabs)
		for (i = 0; i < m->ntabs; i++)
			stp_tab_free(m->tabs[i]);
	kfree(m->tabs);
	kfree(m);
}

/* Process context: everything a map will ever use.  NULL on ENOMEM. */
static __maybe_unused struct stp_map *stp_map_new(const struct stp_map_spec *spec)
{
	struct stp_map *m;
	int cpu;
	u32 i;

	if (!stp_map_spec_valid(spec))
		return NULL;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return NULL;
	m->spec = *spec;
	m->cap = spec->max_entries ? spec->max_entries : MAXMAPENTRIES;
	if (stp_map_is_stat(m)) {
		m->nbuckets = stp_hist_nbuckets(&spec->stat);
		m->ntabs = nr_cpu_ids;
	} else {
		m->ntabs = 1;
	}
	/* bucket count a power of two, refs (table * cap + entry) in a u32 */
	if (m->cap > STP_MAP_MAX_ENTRIES || m->cap > (U32_MAX - 1) / m->ntabs)
		goto err_free;
	stp_map_layout(m);
	m->tabs = kcalloc(m->ntabs, sizeof(*m->tabs), GFP_KERNEL);
	if (!m->tabs)
		goto err_free;
	if (stp_map_is_stat(m)) {
		for_each_possible_cpu(cpu) {
			m->tabs[cpu] = stp_tab_alloc(m);
			if (!m->tabs[cpu])
				goto err_free;
		}
	} else {
		m->tabs[0] = stp_tab_alloc(m);
		if (!m->tabs[0])
			goto err_free;
	}
	for (i = 0; i < STP_MAP_ITER_SLOTS; i++) {
		m->sortbuf[i] = vmalloc(array_size(m->cap, sizeof(struct stp_sort_ent)));
		if (!m->sortbuf[i])
			goto err_free;
	}
	return m;

err_free:
	stp_map_free(m);
	return NULL;
}

/* --------------------------------------------------- long, string values */

static inline struct stp_ent *stp_map_lookup(struct stp_map *m,
					     const struct stp_key *k)
{
	struct stp_tab *t = m->tabs[0];
	u32 i = stp_tab_find(m, t, stp_key_hash(m, k), k, NULL);

	return i == STP_NIL ? NULL : stp_ent(m, t, i);
}

/* a[k]: 0 when absent. */
static inline int64_t stp_map_get_long(struct stp_map *m, const struct stp_key *k)
{
	struct stp_ent *e;

	if (WARN_ON_ONCE(m->spec.value_type != STP_LONG))
		return 0;
	e = stp_map_lookup(m, k);
	return e ? *(s64 *)stp_ent_val(m, e) : 0;
}

/* a[k]: "" when absent; valid until the map changes. */
static inline const char *stp_map_get_str(struct stp_map *m, const struct stp_key *k)
{
	struct stp_ent *e;

	if (WARN_ON_ONCE(m->spec.value_type != STP_STRING))
		return "";
	e = stp_map_lookup(m, k);
	return e ? (const char *)stp_ent_val(m, e) : "";
}

/* a[k] = v; 0 too makes an element.  -E2BIG when full (and not wrapping). */
static inline int stp_map_set_long(struct stp_map *m, const struct stp_key *k, int64_t v)
{
	struct stp_tab *t = m->tabs[0];
	u32 i;

	if (WARN_ON_ONCE(m->spec.value_type != STP_LONG))
		return -EINVAL;
	i = stp_tab_get(m, t, k);
	if (i == STP_NIL)
		return -E2BIG;
	*(s64 *)stp_ent_val(m, stp_ent(m, t, i)) = v;
	return 0;
}

/* a[k] += d (wrapping like SystemTap's longs), *old: the value before
 * (0 for a new element).  One lookup for a[k]++ and a[k] += x.
 * -E2BIG when full (and not wrapping). */
static inline int stp_map_add_long(struct stp_map *m, const struct stp_key *k, int64_t d,
				   int64_t *old)
{
	struct stp_tab *t = m->tabs[0];
	s64 *p;
	u32 i;

	if (WARN_ON_ONCE(m->spec.value_type != STP_LONG))
		return -EINVAL;
	i = stp_tab_get(m, t, k);
	if (i == STP_NIL)
		return -E2BIG;
	p = stp_ent_val(m, stp_ent(m, t, i));
	*old = *p;
	*p = (int64_t)((uint64_t)*p + (uint64_t)d);
	return 0;
}

/* a[k] = v, truncated to MAXSTRINGLEN-1; "" too makes an element. */
static inline int stp_map_set_str(struct stp_map *m, const struct stp_key *k,
				  const char *v)
{
	struct stp_tab *t = m->tabs[0];
	u32 i;

	if (WARN_ON_ONCE(m->spec.value_type != STP_STRING))
		return -EINVAL;
	i = stp_tab_get(m, t, k);
	if (i == STP_NIL)
		return -E2BIG;
	strscpy(stp_ent_val(m, stp_ent(m, t, i)), v ? v : "", MAXSTRINGLEN);
	return 0;
}

/* ------------------------------------------------------------ statistics */

/* a[k] <<< v on this CPU (preemption disabled).  -E2BIG when full. */
static inline int stp_map_stat_add(struct stp_map *m, const struct stp_key *k, int64_t v)
{
	struct stp_tab *t;
	u32 i;

	if (WARN_ON_ONCE(!stp_map_is_stat(m)))
		return -EINVAL;
	t = m->tabs[smp_processor_id()];
	i = stp_tab_get(m, t, k);
	if (i == STP_NIL)
		return -E2BIG;
	stp_rec_add(stp_ent_val(m, stp_ent(m, t, i)), &m->spec.stat, m->nbuckets, v);
	return 0;
}

/*
 * Merge into *out (when out) or the sums *s (when s) the records of the key
 * (k, or entry ke's) in tables from..ntabs-1.  Returns whether any held it.
 */
static __maybe_unused bool stp_map_stat_merge(struct stp_map *m, u32 from,
					      u32 hash, const struct stp_key *k,
					      struct stp_ent *ke,
					      struct stp_stat_agg *out,
					      struct stp_stat_sums *s)
{
	bool found = false;
	u32 t, i;

	for (t = from; t < m->ntabs; t++) {
		struct stp_tab *tab = m->tabs[t];
		struct stp_stat_rec *r;

		if (!tab || !READ_ONCE(tab->count))
			continue;
		i = stp_tab_find(m, tab, hash, k, ke);
		if (i == STP_NIL)
			continue;
		r = stp_ent_val(m, stp_ent(m, tab, i));
		if (out)
			stp_agg_merge(out, r);
		else
			stp_sums_merge(s, r);
		found = true;
	}
	return found;
}

/* @op(a[k]): merge the CPUs into *out; false when the key has no data. */
static inline bool stp_map_stat_get(struct stp_map *m, const struct stp_key *k,
				    struct stp_stat_agg *out)
{
	stp_agg_init(out, &m->spec.stat, m->nbuckets);
	if (WARN_ON_ONCE(!stp_map_is_stat(m)))
		return false;
	return stp_map_stat_merge(m, 0, stp_key_hash(m, k), k, NULL, out, NULL) &&
	       out->count;
}

/* Does an earlier table than t hold entry e's key? (the union's rule) */
static inline bool stp_map_seen_before(struct stp_map *m, u32 t, struct stp_ent *e)
{
	u32 u;

	for (u = 0; u < t; u++)
		if (m->tabs[u] && m->tabs[u]->count &&
		    stp_tab_find(m, m->tabs[u], e->hash, NULL, e) != STP_NIL)
			return true;
	return false;
}

/* ---------------------------------------------------------- whole maps */

/* k in a */
static inline bool stp_map_exists(struct stp_map *m, const struct stp_key *k)
{
	u32 hash = stp_key_hash(m, k);
	u32 t;

	for (t = 0; t < m->ntabs; t++)
		if (m->tabs[t] && m->tabs[t]->count &&
		    stp_tab_find(m, m->tabs[t], hash, k, NULL) != STP_NIL)
			return true;
	return false;
}

/* delete a[k] */
static inline void stp_map_delete(struct stp_map *m, const struct stp_key *k)
{
	u32 hash = stp_key_hash(m, k);
	u32 t;

	for (t = 0; t < m->ntabs; t++)
		if (m->tabs[t])
			stp_tab_delete(m, m->tabs[t], k, hash);
}

/* Do entry e's keys equal k's in every component not set in wild? */
static inline bool stp_ent_match_some(const struct stp_map *m, struct stp_ent *e,
				      const struct stp_key *k, unsigned int wild)
{
	int i;

	for (i = 0; i < m->spec.nkeys; i++) {
		if (wild & (1u << i))
			continue;
		if (m->spec.key_types[i] == STP_STRING) {
			if (strncmp(stp_ent_skey(m, e, i), k->s[i] ? k->s[i] : "",
				    MAXSTRINGLEN - 1))
				return false;
		} else if (*stp_ent_lkey(m, e, i) != k->l[i]) {
			return false;
		}
	}
	return true;
}

/* delete a[k1, *, k3]: bit i of wild set for each `*` (key i unread). */
static inline void stp_map_delete_matching(struct stp_map *m,
					   const struct stp_key *k,
					   unsigned int wild)
{
	u32 t, i, next;

	for (t = 0; t < m->ntabs; t++) {
		struct stp_tab *tab = m->tabs[t];

		if (!tab)
			continue;
		for (i = tab->oldest; i != STP_NIL; i = next) {
			struct stp_ent *e = stp_ent(m, tab, i);

			next = e->next;
			if (!stp_ent_match_some(m, e, k, wild))
				continue;
			stp_tab_unlink(m, tab, i);
			e->chain = tab->free;
			tab->free = i;
		}
	}
}

/* delete a */
static inline void stp_map_clear(struct stp_map *m)
{
	u32 t;

	for (t = 0; t < m->ntabs; t++)
		if (m->tabs[t])
			stp_tab_reset(m->tabs[t]);
}

/* Number of elements (distinct keys over all CPUs for a STAT map). */
static inline int stp_map_size(struct stp_map *m)
{
	u32 t, i, n = 0;

	if (!stp_map_is_stat(m))
		return m->tabs[0]->count;
	for (t = 0; t < m->ntabs; t++) {
		struct stp_tab *tab = m->tabs[t];

		if (!tab)
			continue;
		for (i = tab->oldest; i != STP_NIL; i = stp_ent(m, tab, i)->next)
			if (!stp_map_seen_before(m, t, stp_ent(m, tab, i)))
				n++;
	}
	return n;
}

/* ------------------------------------------------------------- foreach */

/*
 * The unsorted walk: from (it->tab, it->idx) to the next element of the
 * union, in table order then insertion order.  Fills *out, false at end.
 */
static __maybe_unused bool stp_iter_walk(struct stp_map *m,
					 struct stp_map_iter *it,
					 struct stp_sort_ent *out)
{
	while (it->tab < m->ntabs) {
		struct stp_tab *tab = m->tabs[it->tab];
		struct stp_ent *e;
		u32 i = it->idx;

		if (!tab || i == STP_NIL) {
			if (++it->tab < m->ntabs && m->tabs[it->tab])
				it->idx = m->tabs[it->tab]->oldest;
			continue;
		}
		e = stp_ent(m, tab, i);
		it->idx = e->next;
		if (stp_map_is_stat(m) && stp_map_seen_before(m, it->tab, e))
			continue;
		out->ref = it->tab * m->cap + i;
		out->pos = it->pos++;
		return true;
	}
	return false;
}

static inline void stp_iter_rewind(struct stp_map *m, struct stp_map_iter *it)
{
	it->tab = 0;
	it->idx = m->tabs[0] ? m->tabs[0]->oldest : STP_NIL;
	it->pos = 0;
}

/* Numeric sort value of element x (strings compare in place). */
static __maybe_unused void stp_iter_sortval(struct stp_map *m,
					    struct stp_map_iter *it,
					    struct stp_sort_ent *x)
{
	struct stp_ent *e = stp_ref_ent(m, x->ref);
	struct stp_stat_sums s;

	x->val = 0;
	if (it->col > 0) {
		if (m->spec.key_types[it->col - 1] == STP_LONG)
			x->val = *stp_ent_lkey(m, e, it->col - 1);
	} else if (m->spec.value_type == STP_LONG) {
		x->val = *(s64 *)stp_ent_val(m, e);
	} else if (stp_map_is_stat(m)) {
		stp_sums_init(&s, m->spec.stat.bit_shift);
		stp_map_stat_merge(m, x->ref / m->cap, e->hash, NULL, e, NULL, &s);
		x->val = stp_sums_op(&s, it->aggr);
	}
}

/* Order of two elements: the sort column in it->dir, then walk position. */
static __maybe_unused int stp_iter_cmp(struct stp_map *m,
				       struct stp_map_iter *it,
				       const struct stp_sort_ent *a,
				       const struct stp_sort_ent *b)
{
	const char *sa = NULL, *sb = NULL;
	int c;

	if (it->col > 0 && m->spec.key_types[it->col - 1] == STP_STRING) {
		sa = stp_ent_skey(m, stp_ref_ent(m, a->ref), it->col - 1);
		sb = stp_ent_skey(m, stp_ref_ent(m, b->ref), it->col - 1);
	} else if (it->col < 0 && m->spec.value_type == STP_STRING) {
		sa = stp_ent_val(m, stp_ref_ent(m, a->ref));
		sb = stp_ent_val(m, stp_ref_ent(m, b->ref));
	}
	if (sa)
		c = strcmp(sa, sb);
	else
		c = a->val < b->val ? -1 : a->val > b->val;
	if (c)
		return c < 0 ? -it->dir : it->dir;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static __maybe_unused void stp_iter_sift(struct stp_map *m,
					 struct stp_map_iter *it,
					 struct stp_sort_ent *v, u32 root,
					 u32 n)
{
	struct stp_sort_ent tmp;
	u32 child;

	while ((child = 2 * root + 1) < n) {
		if (child + 1 < n && stp_iter_cmp(m, it, &v[child], &v[child + 1]) < 0)
			child++;
		if (stp_iter_cmp(m, it, &v[root], &v[child]) >= 0)
			return;
		tmp = v[root];
		v[root] = v[child];
		v[child] = tmp;
		root = child;
	}
}

/* Heapsort: no memory, O(n log n); stable through the pos tie-break. */
static __maybe_unused void stp_iter_sort(struct stp_map *m,
					 struct stp_map_iter *it,
					 struct stp_sort_ent *v, u32 n)
{
	struct stp_sort_ent tmp;
	u32 i;

	for (i = n / 2; i-- > 0;)
		stp_iter_sift(m, it, v, i, n);
	for (i = n; i-- > 1;) {
		tmp = v[0];
		v[0] = v[i];
		v[i] = tmp;
		stp_iter_sift(m, it, v, 0, i);
	}
}

/* Claim a sort slot and fill it with the whole union, sorted. */
static __maybe_unused bool stp_iter_fill(struct stp_map *m, struct stp_map_iter *it)
{
	int s;

	for (s = 0; s < STP_MAP_ITER_SLOTS; s++)
		if (!test_and_set_bit_lock(s, &m->slots_busy))
			break;
	if (s == STP_MAP_ITER_SLOTS)
		return false;
	WRITE_ONCE(m->owner[s], it);
	it->slot = s;
	it->buf = m->sortbuf[s];
	it->n = 0;
	while (stp_iter_walk(m, it, &it->cur)) {
		if (it->n == m->cap) {
			it->err = -E2BIG;
			break;
		}
		stp_iter_sortval(m, it, &it->cur);
		it->buf[it->n++] = it->cur;
	}
	stp_iter_sort(m, it, it->buf, it->n);
	it->next = 0;
	return true;
}

/* Selection: the least element after it->cur (or the least of all). */
static __maybe_unused bool stp_iter_select(struct stp_map *m, struct stp_map_iter *it)
{
	struct stp_sort_ent x, best;
	bool found = false;

	stp_iter_rewind(m, it);
	while (stp_iter_walk(m, it, &x)) {
		stp_iter_sortval(m, it, &x);
		if (it->started && stp_iter_cmp(m, it, &x, &it->cur) <= 0)
			continue;
		if (!found || stp_iter_cmp(m, it, &x, &best) < 0) {
			best = x;
			found = true;
		}
	}
	if (found) {
		it->cur = best;
		it->started = true;
	}
	return found;
}

static inline void stp_map_slot_put(struct stp_map *m, int s)
{
	WRITE_ONCE(m->owner[s], NULL);
	clear_bit_unlock(s, &m->slots_busy);
}

/* Leave a foreach early: give back the sort slot.  Idempotent. */
static inline void stp_map_iter_end(struct stp_map *m, struct stp_map_iter *it)
{
	if (it->slot >= 0) {
		stp_map_slot_put(m, it->slot);
		it->slot = -1;
	}
	it->mode = STP_ITER_DONE;
}

/*
 * Starting an iterator ends its previous loop: a slot still held by this
 * very iterator belongs to a loop left by break, return or an error
 * without stp_map_iter_end().  The iterator lives in its CPU's probe frame
 * and a CPU runs one probe at a time, so only this CPU can own such a slot.
 */
static inline void stp_map_iter_reclaim(struct stp_map *m, struct stp_map_iter *it)
{
	int s;

	for (s = 0; s < STP_MAP_ITER_SLOTS; s++)
		if (READ_ONCE(m->owner[s]) == it)
			stp_map_slot_put(m, s);
}

/*
 * foreach over m.  sort_col: 0 none, 1..nkeys that key, -1 the value
 * (sort_aggr picks the statistic's operator, @count by default); dir +1
 * ascending, -1 descending; limit <= 0 for none.
 */
static inline void stp_map_iter_start(struct stp_map *m, struct stp_map_iter *it,
				      int sort_col, int dir, int sort_aggr,
				      int64_t limit)
{
	stp_map_iter_reclaim(m, it);
	memset(it, 0, sizeof(*it));
	it->m = m;
	it->slot = -1;
	it->left = limit > 0 ? limit : -1;
	it->dir = dir < 0 ? -1 : 1;
	it->aggr = sort_aggr;
	if (WARN_ON_ONCE(sort_col < -1 || sort_col > m->spec.nkeys))
		sort_col = 0;
	it->col = sort_col;
	stp_iter_rewind(m, it);
	if (!sort_col)
		it->mode = STP_ITER_WALK;
	else if (stp_iter_fill(m, it))
		it->mode = STP_ITER_BUF;
	else
		it->mode = STP_ITER_SELECT;
}

/* Advance to the next element; false (and the slot released) at the end. */
static inline bool stp_map_iter_next(struct stp_map *m, struct stp_map_iter *it)
{
	bool ok = false;

	if (it->left == 0)
		goto done;
	switch (it->mode) {
	case STP_ITER_WALK:
		ok = stp_iter_walk(m, it, &it->cur);
		break;
	case STP_ITER_BUF:
		ok = it->next < it->n;
		if (ok)
			it->cur = it->buf[it->next++];
		break;
	case STP_ITER_SELECT:
		ok = stp_iter_select(m, it);
		break;
	}
	if (ok) {
		if (it->left > 0)
			it->left--;
		return true;
	}
done:
	stp_map_iter_end(m, it);
	return false;
}

/* -E2BIG when a STAT map's union of CPUs outgrew max_entries (SystemTap's
 * "aggregation overflow"); the loop then saw only part of it. */
static inline int stp_map_iter_error(const struct stp_map_iter *it)
{
	return it->err;
}

/* Key i of the current element; keys count from 0 here (1 in sort_col). */
static inline int64_t stp_iter_key_long(struct stp_map_iter *it, int i)
{
	return *stp_ent_lkey(it->m, stp_ref_ent(it->m, it->cur.ref), i);
}

static inline const char *stp_iter_key_str(struct stp_map_iter *it, int i)
{
	return stp_ent_skey(it->m, stp_ref_ent(it->m, it->cur.ref), i);
}

static inline int64_t stp_iter_val_long(struct stp_map_iter *it)
{
	return *(s64 *)stp_ent_val(it->m, stp_ref_ent(it->m, it->cur.ref));
}

static inline const char *stp_iter_val_str(struct stp_map_iter *it)
{
	return stp_ent_val(it->m, stp_ref_ent(it->m, it->cur.ref));
}

/* The current element's statistic, merged over the CPUs. */
static inline void stp_iter_val_stat(struct stp_map_iter *it, struct stp_stat_agg *out)
{
	struct stp_map *m = it->m;
	struct stp_ent *e = stp_ref_ent(m, it->cur.ref);

	stp_agg_init(out, &m->spec.stat, m->nbuckets);
	stp_map_stat_merge(m, it->cur.ref / m->cap, e->hash, NULL, e, out, NULL);
}

#endif /* STP_MAP_H */
