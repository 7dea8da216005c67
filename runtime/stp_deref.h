/* SPDX-License-Identifier: GPL-2.0 */
/* stp_deref.h - fault-safe reads of kernel (and user) memory for target
 * variables.
 *
 * A bad pointer in a script must never crash the kernel: every read goes
 * through copy_from_kernel_nofault; a fault sets the probe's error
 * ("kernel read fault at ADDR") and reads as 0, and the generated code
 * checks c->last_error after the whole expression.
 */
#ifndef STP_DEREF_H
#define STP_DEREF_H

static unsigned long stp_kaslr_offset;	/* runtime minus link-time kernel addresses */

/* A fault-safe read of kernel memory, or (user) of the current task's
 * (process(...) probes' variables): size bytes as an unsigned number. */
static noinline uint64_t stp_mem_read(struct stp_context *c, uint64_t addr, int size, bool user)
{
	union {
		u8 b;
		u16 w;
		u32 l;
		u64 q;
	} v = { .q = 0 };
	long rc;

	if (unlikely(c->last_error))
		return 0;
	rc = user ? copy_from_user_nofault(&v, (const void __user *)(uintptr_t)addr, size)
		  : copy_from_kernel_nofault(&v, (const void *)(uintptr_t)addr, size);
	if (rc) {
		snprintf(c->error_buffer, sizeof(c->error_buffer),
			 user ? "read fault [man error::fault] at 0x%016llx" : "kernel read fault at 0x%016llx",
			 (unsigned long long)addr);
		c->last_error = c->error_buffer;
		c->error_loc = NULL;
		return 0;
	}
	switch (size) {
	case 1: return v.b;
	case 2: return v.w;
	case 4: return v.l;
	default: return v.q;
	}
}

#define stp_kread(c, addr, size) stp_mem_read(c, addr, size, false)
#define stp_uread(c, addr, size) stp_mem_read(c, addr, size, true)

/* Write kernel memory, 0 or -EFAULT: what copy_to_kernel_nofault (not
 * exported) does, for guru-mode writes.  Read-only memory faults too. */
static noinline long stp_kwrite_nofault(void *dst, const void *src, size_t size)
{
	if ((unsigned long)dst < TASK_SIZE_MAX + PAGE_SIZE)
		return -EFAULT;
	pagefault_disable();
	while (size >= sizeof(u64)) {
		__put_kernel_nofault(dst, src, u64, fault);
		dst += sizeof(u64);
		src += sizeof(u64);
		size -= sizeof(u64);
	}
	while (size) {
		__put_kernel_nofault(dst, src, u8, fault);
		dst++;
		src++;
		size--;
	}
	pagefault_enable();
	return 0;
fault:
	pagefault_enable();
	return -EFAULT;
}

/* Guru-mode writes to target variables: the low size bytes of val. */
static noinline void stp_kwrite(struct stp_context *c, uint64_t addr, int64_t val, int size)
{
	if (unlikely(c->last_error))
		return;
	if (stp_kwrite_nofault((void *)(uintptr_t)addr, &val, size)) {
		snprintf(c->error_buffer, sizeof(c->error_buffer),
			 "kernel write fault at 0x%016llx", (unsigned long long)addr);
		c->last_error = c->error_buffer;
		c->error_loc = NULL;
	}
}

static noinline void stp_uwrite(struct stp_context *c, uint64_t addr, int64_t val, int size)
{
	if (unlikely(c->last_error))
		return;
	if (copy_to_user_nofault((void __user *)(uintptr_t)addr, &val, size)) {
		snprintf(c->error_buffer, sizeof(c->error_buffer),
			 "write fault [man error::fault] at 0x%016llx", (unsigned long long)addr);
		c->last_error = c->error_buffer;
		c->error_loc = NULL;
	}
}

/* Pretty printing ($$parms, $var$): a read that fails prints as 0. */
#define stp_pp_read(c, expr) ({						\
		int64_t __v = (expr);					\
		if (unlikely((c)->last_error)) {			\
			stp_error_clear(c);				\
			__v = 0;					\
		}							\
		__v;							\
	})

/* A char pointer or array as a quoted string; the address if unreadable. */
static void stp_pp_string(struct stp_out *o, uint64_t addr)
{
	char buf[128];
	size_t i;
	bool user = addr < TASK_SIZE_MAX;

	for (i = 0; i < sizeof(buf) - 1; i++) {
		long rc = user ? copy_from_user_nofault(&buf[i], (const void __user *)(uintptr_t)(addr + i), 1)
			       : copy_from_kernel_nofault(&buf[i], (const void *)(uintptr_t)(addr + i), 1);

		if (rc) {
			if (i == 0) {
				stp_fmt_long(o, addr, STP_FMT_ALT, -1, -1, 'x');
				return;
			}
			break;
		}
		if (!buf[i])
			break;
	}
	buf[i] = '\0';
	stp_out_lit(o, "\"", 1);
	stp_fmt_str(o, buf, STP_FMT_ALT, -1, -1);
	stp_out_lit(o, "\"", 1);
}

#endif /* STP_DEREF_H */
