/* SPDX-License-Identifier: GPL-2.0 */
/* kshim.h - the few kernel APIs runtime/stp_map.h and stp_stat.h use,
 * mapped onto libc so the headers compile and run as a userspace test.
 *
 * CPUs are simulated: kshim_cpu is what smp_processor_id() returns and
 * kshim_possible is the possible mask (bit per CPU below NR_CPUS), so a
 * test can add on several "CPUs" and leave holes in the mask.  Per-CPU
 * memory is one calloc'd block per allocation, a slice per CPU.
 * Allocations can be made to fail: kshim_fail_in = n fails the n-th next
 * one.  kshim_live counts allocations not yet freed.
 */
#ifndef KSHIM_H
#define KSHIM_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define __maybe_unused		__attribute__((__unused__))
#define __percpu
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define ALIGN(x, a)		(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define U32_MAX			((u32)~0u)
#define BITS_PER_LONG		(__SIZEOF_LONG__ * 8)
#define GFP_KERNEL		0

static int kshim_warnings;	/* WARN_ON_ONCE() that fired */

#define WARN_ON_ONCE(cond) ({						\
	static bool __warned;						\
	bool __c = !!(cond);						\
	if (__c && !__warned) {						\
		__warned = true;					\
		kshim_warnings++;					\
		fprintf(stderr, "WARNING at %s:%d: %s\n",		\
			__FILE__, __LINE__, #cond);			\
	}								\
	__c;								\
})

/* ------------------------------------------------------------- memory */

static long kshim_fail_in;	/* >0: the n-th next allocation fails */
static long kshim_live;		/* allocations not yet freed */

static inline void *kshim_alloc(size_t n, bool zero)
{
	void *p;

	if (kshim_fail_in > 0 && --kshim_fail_in == 0)
		return NULL;
	p = zero ? calloc(1, n ? n : 1) : malloc(n ? n : 1);
	if (p && !zero)
		memset(p, 0xa5, n);	/* vmalloc'd memory is not zeroed */
	if (p)
		kshim_live++;
	return p;
}

static inline void kshim_free(const void *p)
{
	if (p) {
		kshim_live--;
		free((void *)p);
	}
}

static inline size_t array_size(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}

#define kzalloc(n, gfp)		kshim_alloc((n), true)
#define kcalloc(n, s, gfp)	kshim_alloc(array_size((n), (s)), true)
#define kfree(p)		kshim_free(p)
#define vmalloc(n)		kshim_alloc((n), false)
#define vzalloc(n)		kshim_alloc((n), true)
#define vfree(p)		kshim_free(p)

/* --------------------------------------------------------------- CPUs */

#define NR_CPUS			4
static unsigned int nr_cpu_ids = NR_CPUS;
static unsigned int kshim_possible = (1u << NR_CPUS) - 1;
static int kshim_cpu;

#define smp_processor_id()	(kshim_cpu)
#define for_each_possible_cpu(cpu)					\
	for ((cpu) = 0; (cpu) < (int)nr_cpu_ids; (cpu)++)		\
		if (!(kshim_possible & (1u << (cpu)))) {} else

/* A per-CPU block: its slice size, then NR_CPUS slices. */
struct kshim_pcpu {
	size_t size;
	char data[];
};

static inline void *__alloc_percpu(size_t size, size_t align)
{
	struct kshim_pcpu *p;

	(void)align;
	size = ALIGN(size, 16);
	p = kshim_alloc(sizeof(*p) + size * NR_CPUS, true);
	if (!p)
		return NULL;
	p->size = size;
	return p->data;
}

static inline void free_percpu(void *ptr)
{
	if (ptr)
		kshim_free((char *)ptr - offsetof(struct kshim_pcpu, data));
}

static inline void *kshim_per_cpu_ptr(void *ptr, int cpu)
{
	struct kshim_pcpu *p = (void *)((char *)ptr - offsetof(struct kshim_pcpu, data));

	if (cpu < 0 || cpu >= NR_CPUS || !(kshim_possible & (1u << cpu))) {
		fprintf(stderr, "per_cpu_ptr: CPU %d is not possible\n", cpu);
		abort();
	}
	return p->data + p->size * cpu;
}

#define per_cpu_ptr(ptr, cpu)	((__typeof__(ptr))kshim_per_cpu_ptr((ptr), (cpu)))

/* ------------------------------------------------------------ helpers */

static inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static inline s64 div64_s64(s64 a, s64 b)
{
	return a / b;
}

static inline u64 div64_u64(u64 a, u64 b)
{
	return a / b;
}

static inline u32 roundup_pow_of_two(u32 n)
{
	u32 p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* Copy with truncation, always terminated; -E2BIG when truncated. */
static inline long strscpy(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size);

	if (n == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, n + 1);
	return (long)n;
}

static inline bool test_and_set_bit_lock(long nr, unsigned long *addr)
{
	unsigned long bit = 1UL << nr;

	return __atomic_fetch_or(addr, bit, __ATOMIC_ACQUIRE) & bit;
}

static inline void clear_bit_unlock(long nr, unsigned long *addr)
{
	__atomic_fetch_and(addr, ~(1UL << nr), __ATOMIC_RELEASE);
}

#endif /* KSHIM_H */
