/* SPDX-License-Identifier: GPL-2.0 */
/* stp_deref.h - fault-safe reads of kernel memory for target variables.
 *
 * A bad pointer in a script must never crash the kernel: every read goes
 * through copy_from_kernel_nofault; a fault sets the probe's error
 * ("kernel read fault at ADDR") and reads as 0, and the generated code
 * checks c->last_error after the whole expression.
 */
#ifndef STP_DEREF_H
#define STP_DEREF_H

static unsigned long stp_kaslr_offset;	/* runtime minus link-time kernel addresses */

static noinline uint64_t stp_kread(struct stp_context *c, uint64_t addr, int size)
{
	union {
		u8 b;
		u16 w;
		u32 l;
		u64 q;
	} v = { .q = 0 };

	if (unlikely(c->last_error))
		return 0;
	if (copy_from_kernel_nofault(&v, (const void *)(uintptr_t)addr, size)) {
		snprintf(c->error_buffer, sizeof(c->error_buffer),
			 "kernel read fault at 0x%016llx", (unsigned long long)addr);
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

#endif /* STP_DEREF_H */
