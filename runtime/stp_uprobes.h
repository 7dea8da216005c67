/* SPDX-License-Identifier: GPL-2.0 */
/* stp_uprobes.h - process("PATH").function/.statement probes: uprobes.
 *
 * The translator emits a table of struct stp_uprobe: a file (program or
 * shared library), the probe's offset in it and its link-time address.
 * Each is a uprobe on the file's inode (a uretprobe for .return), hit in
 * every process that maps the file.  A hit sets this CPU's stp_ubias to
 * the mapping's load bias (where the code is minus where it was linked):
 * DWARF addresses of the file's globals add it.  Handlers run
 * in the task, preemptible; a hit runs with preemption disabled, as every
 * probe does, so user memory is read without faulting pages in.
 */
#ifndef STP_UPROBES_H
#define STP_UPROBES_H

#include <linux/uprobes.h>
#include <linux/namei.h>

/* A .return probe's values saved at the call (uretprobes have no
 * instance data): a slot per call in flight, found again at the return by
 * thread and stack address (where the return address was). */
#define STP_URET_SLOTS 64
#define STP_URET_MAX_VALS 32		/* values per call (the translator's limit too) */
struct stp_uret_slot {
	pid_t tid;			/* 0: free */
	unsigned long sp;
	int64_t vals[];
};

struct stp_uprobe {
	const struct stp_probe *probe;
	const char *path;		/* the file, as the probe point names it */
	loff_t offset;			/* in the file */
	unsigned long vaddr;		/* link-time address of that offset */
	bool ret;			/* uretprobe */
	pid_t pid;			/* process(PID) probes: only its hits */
	void (*entry)(struct stp_context *c);	/* .return: saves entry values */
	int entry_slots;		/* int64 values saved */
	loff_t entry_offset;		/* ...there, when not at offset: after an */
	unsigned long entry_vaddr;	/* unoptimized prologue (frame pointer set) */
	struct uprobe_consumer uc;
	struct uprobe_consumer uce;	/* at entry_offset */
	struct inode *inode;		/* held while registered */
	void *slots;			/* STP_URET_SLOTS struct stp_uret_slot */
	raw_spinlock_t lock;		/* of slots */
};

/* The load bias of the file of the probe being hit on this CPU (read by
 * the DWARF code of its globals). */
static DEFINE_PER_CPU(unsigned long, stp_ubias);

static struct stp_uret_slot *stp_uret_slot(struct stp_uprobe *su, int i)
{
	return su->slots + i * (sizeof(struct stp_uret_slot) + su->entry_slots * sizeof(int64_t));
}

static void stp_uprobe_run(struct stp_uprobe *su, struct pt_regs *regs, unsigned long bias, void *data)
{
	preempt_disable();
	__this_cpu_write(stp_ubias, bias);
	stp_probe_hit(su->probe, regs, data);
	preempt_enable();
}

static int stp_uprobe_handler(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct stp_uprobe *su = container_of(uc, struct stp_uprobe, uc);

	if (su->pid && current->tgid != su->pid)
		return 0;
	stp_uprobe_run(su, regs, instruction_pointer(regs) - su->vaddr, NULL);
	return 0;
}

/* The call of a .return probe with entry values: save them in a slot. */
static int stp_uprobe_entry_run(struct stp_uprobe *su, struct pt_regs *regs, unsigned long sp,
				unsigned long vaddr)
{
	struct stp_uret_slot *sl = NULL;
	unsigned long flags;
	int i;

	if (su->pid && current->tgid != su->pid)
		return 0;
	raw_spin_lock_irqsave(&su->lock, flags);
	for (i = 0; i < STP_URET_SLOTS && !sl; i++) {
		struct stp_uret_slot *s = stp_uret_slot(su, i);

		/* a free slot, or this thread's from a call that never returned */
		if (!s->tid || (s->tid == current->pid && s->sp <= sp)) {
			sl = s;
			sl->tid = -1;	/* being filled */
		}
	}
	raw_spin_unlock_irqrestore(&su->lock, flags);
	if (!sl) {
		stp_note_skipped(false);
		return 0;
	}
	preempt_disable();
	__this_cpu_write(stp_ubias, instruction_pointer(regs) - vaddr);
	if (stp_probe_run_entry(su->entry, regs, sl->vals)) {
		sl->sp = sp;
		smp_store_release(&sl->tid, current->pid);
	} else {
		smp_store_release(&sl->tid, 0);
	}
	preempt_enable();
	return 0;
}

/* At the function's entry (optimized code) */
static int stp_uprobe_entry_handler(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct stp_uprobe *su = container_of(uc, struct stp_uprobe, uc);

	return stp_uprobe_entry_run(su, regs, user_stack_pointer(regs), su->vaddr);
}

/* After an unoptimized prologue: the call's sp is above the saved frame
 * pointer. */
static int stp_uprobe_entry_fp_handler(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct stp_uprobe *su = container_of(uc, struct stp_uprobe, uce);

	return stp_uprobe_entry_run(su, regs, regs->bp + sizeof(unsigned long), su->entry_vaddr);
}

static int stp_uretprobe_handler(struct uprobe_consumer *uc, unsigned long func, struct pt_regs *regs)
{
	struct stp_uprobe *su = container_of(uc, struct stp_uprobe, uc);
	int64_t vals[STP_URET_MAX_VALS];
	unsigned long flags, sp;
	bool found = false;
	int i;

	if (su->pid && current->tgid != su->pid)
		return 0;
	if (!su->entry) {
		stp_uprobe_run(su, regs, func - su->vaddr, NULL);
		return 0;
	}
	/* the return popped the return address: the call's sp is one below */
	sp = user_stack_pointer(regs) - sizeof(unsigned long);
	raw_spin_lock_irqsave(&su->lock, flags);
	for (i = 0; i < STP_URET_SLOTS && !found; i++) {
		struct stp_uret_slot *s = stp_uret_slot(su, i);

		if (s->tid == current->pid && s->sp == sp) {
			memcpy(vals, s->vals, su->entry_slots * sizeof(int64_t));
			s->tid = 0;
			found = true;
		}
	}
	raw_spin_unlock_irqrestore(&su->lock, flags);
	if (found)	/* else the call's values were not saved: no hit */
		stp_uprobe_run(su, regs, func - su->vaddr, vals);
	return 0;
}

static void stp_uprobes_unregister(struct stp_uprobe *ups, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct stp_uprobe *su = &ups[i];

		if (su->inode) {
			if (su->entry && su->entry_offset)
				uprobe_unregister(su->inode, su->entry_offset, &su->uce);
			uprobe_unregister(su->inode, su->offset, &su->uc);
			iput(su->inode);
			su->inode = NULL;
		}
		kfree(su->slots);	/* no handler runs any more */
		su->slots = NULL;
	}
}

/* A file that is missing or cannot be probed is reported and skipped, as
 * kprobes are; none at all is an error. */
static int stp_uprobes_register(struct stp_uprobe *ups, int n)
{
	int i, rc, ok = 0, last = 0;

	for (i = 0; i < n; i++) {
		struct stp_uprobe *su = &ups[i];
		struct path p;

		memset(&su->uc, 0, sizeof(su->uc));
		if (su->ret)
			su->uc.ret_handler = stp_uretprobe_handler;
		else
			su->uc.handler = stp_uprobe_handler;
		rc = 0;
		if (su->ret && su->entry) {
			/* values read at the entry, or after the prologue (uce) */
			if (!su->entry_offset)
				su->uc.handler = stp_uprobe_entry_handler;
			raw_spin_lock_init(&su->lock);
			su->slots = kcalloc(STP_URET_SLOTS, sizeof(struct stp_uret_slot) +
					    su->entry_slots * sizeof(int64_t), GFP_KERNEL);
			if (!su->slots)
				rc = -ENOMEM;
		}
		if (!rc)
			rc = kern_path(su->path, LOOKUP_FOLLOW, &p);
		if (!rc) {
			su->inode = igrab(d_inode(p.dentry));
			path_put(&p);
			rc = su->inode ? uprobe_register(su->inode, su->offset, &su->uc) : -ENOENT;
			if (!rc && su->entry && su->entry_offset) {
				memset(&su->uce, 0, sizeof(su->uce));
				su->uce.handler = stp_uprobe_entry_fp_handler;
				rc = uprobe_register(su->inode, su->entry_offset, &su->uce);
				if (rc)
					uprobe_unregister(su->inode, su->offset, &su->uc);
			}
			if (rc && su->inode) {
				iput(su->inode);
				su->inode = NULL;
			}
		}
		if (rc) {
			stp_oob(STP_OOB_WARNING, "WARNING: probe %s inode-offset %s:0x%llx registration error (rc %d)\n",
				STP_PP(su->probe), su->path, (unsigned long long)su->offset, rc);
			last = rc;
		} else {
			ok++;
		}
	}
	return stp_register_outcome(n, ok, last);
}

#endif /* STP_UPROBES_H */
