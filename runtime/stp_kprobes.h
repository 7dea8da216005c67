/* SPDX-License-Identifier: GPL-2.0 */
/* stp_kprobes.h - kernel.function and kprobe.function probes.
 *
 * The translator emits a table of struct stp_kprobe: link-time addresses
 * (from DWARF or the symbol table) that stp_kaslr_offset moves to where the
 * kernel actually is, or symbol names for DWARF-less probes.  Each entry
 * is a kprobe, or a kretprobe for .return probes; a kretprobe with entry
 * values runs `entry` at the call to save them in its instance data.
 * A probe point that fails to register is reported and skipped, as in
 * SystemTap; registering none at all is an error.
 */
#ifndef STP_KPROBES_H
#define STP_KPROBES_H

#include <linux/kprobes.h>

struct stp_kprobe {
	const struct stp_probe *probe;
	unsigned long addr;		/* link-time address, or 0 */
	const char *symbol;		/* or a symbol name (kprobe.function) */
	unsigned int offset;		/* from symbol */
	bool ret;			/* kretprobe */
	int maxactive;			/* kretprobe instances, < 0 default */
	void (*entry)(struct stp_context *c);	/* saves entry values */
	int entry_slots;		/* int64 values saved */
	int (*pre)(struct kprobe *kp, struct pt_regs *regs);	/* or stp_kprobe_pre */
	union {
		struct kprobe kp;
		struct kretprobe rp;
	} u;
	bool registered;
};

/* A hit of probe p, whose handler is fn: the translator gives each probe
 * its own pre-handler calling this with constants, so the hit path has
 * no indirect call (the handler is inlined into it). */
static __always_inline int stp_kprobe_hit(struct kprobe *kp, struct pt_regs *regs,
					  const struct stp_probe *p, void (*fn)(struct stp_context *))
{
	unsigned long ip = instruction_pointer(regs);

	/* the handler sees the probed address, not the breakpoint's next byte */
	instruction_pointer_set(regs, (unsigned long)kp->addr);
	/* kprobe handlers run with preemption disabled */
	stp_probe_run_fn(p, fn, regs, STP_PROBE_NORMAL, NULL, true);
	instruction_pointer_set(regs, ip);
	return 0;
}

static __kprobes int stp_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct stp_kprobe *sk = container_of(kp, struct stp_kprobe, u.kp);

	return stp_kprobe_hit(kp, regs, sk->probe, sk->probe->handler);
}

static __kprobes int stp_kretprobe_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct stp_kprobe *sk = container_of(get_kretprobe(ri), struct stp_kprobe, u.rp);

	if (!sk->entry)
		return 0;
	/* a failed entry evaluation skips the return probe for this call */
	return stp_probe_run_entry(sk->entry, regs, ri->data) ? 0 : 1;
}

static __kprobes int stp_kretprobe_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct stp_kprobe *sk = container_of(get_kretprobe(ri), struct stp_kprobe, u.rp);

	/* regs->ip is already where the function returns to (the kernel sets
	 * it before running return handlers) */
	stp_probe_hit(sk->probe, regs, sk->entry ? ri->data : NULL);
	return 0;
}

/* Register one entry; 0 or -errno, reporting nothing. */
static int stp_kprobe_register_one(struct stp_kprobe *sk)
{
	struct kprobe *kp = sk->ret ? &sk->u.rp.kp : &sk->u.kp;
	int rc;

	memset(&sk->u, 0, sizeof(sk->u));
	if (sk->addr)
		kp->addr = (kprobe_opcode_t *)(sk->addr + stp_kaslr_offset);
	else {
		kp->symbol_name = sk->symbol;
		kp->offset = sk->offset;
	}
	if (sk->ret) {
		sk->u.rp.handler = stp_kretprobe_ret;
		sk->u.rp.entry_handler = stp_kretprobe_entry;
		sk->u.rp.data_size = sk->entry_slots * sizeof(int64_t);
		sk->u.rp.maxactive = sk->maxactive >= 0 ? sk->maxactive : 0;
		rc = register_kretprobe(&sk->u.rp);
	} else {
		sk->u.kp.pre_handler = sk->pre ? sk->pre : stp_kprobe_pre;
		rc = register_kprobe(&sk->u.kp);
	}
	sk->registered = rc == 0;
	return rc;
}

static void stp_kprobe_unregister_one(struct stp_kprobe *sk)
{
	if (!sk->registered)
		return;
	if (sk->ret)
		unregister_kretprobe(&sk->u.rp);
	else
		unregister_kprobe(&sk->u.kp);
	sk->registered = false;
}

static void stp_kprobe_warn(struct stp_kprobe *sk, int rc)
{
	struct kprobe *kp = sk->ret ? &sk->u.rp.kp : &sk->u.kp;

	stp_oob(STP_OOB_WARNING, "WARNING: probe %s (address 0x%lx) registration error (rc %d)\n",
		STP_PP(sk->probe), (unsigned long)kp->addr, rc);
}

static void stp_kprobes_unregister(struct stp_kprobe *kps, int n)
{
	int i;

	for (i = 0; i < n; i++)
		stp_kprobe_unregister_one(&kps[i]);
}

/* A family's registration: points that failed were reported and skipped;
 * none at all registered is an error (the last one's). */
static int stp_register_outcome(int n, int ok, int last)
{
	return n && !ok ? (last ? last : -EINVAL) : 0;
}

static int stp_kprobes_register(struct stp_kprobe *kps, int n)
{
	int i, rc, ok = 0, last = 0;

	for (i = 0; i < n; i++) {
		rc = stp_kprobe_register_one(&kps[i]);
		if (rc) {
			stp_kprobe_warn(&kps[i], rc);
			last = rc;
			continue;
		}
		ok++;
	}
	return stp_register_outcome(n, ok, last);
}

#endif /* STP_KPROBES_H */
