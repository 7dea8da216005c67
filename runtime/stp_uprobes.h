/* SPDX-License-Identifier: GPL-2.0 */
/* stp_uprobes.h - process("PATH").function/.statement probes: uprobes.
 *
 * The translator emits a table of struct stp_uprobe: a file (program or
 * shared library), the probe's offset in it and its link-time address.
 * Each is a uprobe on the file's inode (a uretprobe for .return), hit in
 * every process that maps the file.  A hit passes the mapping's load bias
 * (where the code is minus where it was linked) as the context's
 * entry_data: DWARF addresses of the file's globals add it.  Handlers run
 * in the task, preemptible; a hit runs with preemption disabled, as every
 * probe does, so user memory is read without faulting pages in.
 */
#ifndef STP_UPROBES_H
#define STP_UPROBES_H

#include <linux/uprobes.h>
#include <linux/namei.h>

struct stp_uprobe {
	const struct stp_probe *probe;
	const char *path;		/* the file, as the probe point names it */
	loff_t offset;			/* in the file */
	unsigned long vaddr;		/* link-time address of that offset */
	bool ret;			/* uretprobe */
	pid_t pid;			/* process(PID) probes: only its hits */
	struct uprobe_consumer uc;
	struct inode *inode;		/* held while registered */
};

static int stp_uprobe_handler(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct stp_uprobe *su = container_of(uc, struct stp_uprobe, uc);
	unsigned long bias = instruction_pointer(regs) - su->vaddr;

	if (su->pid && current->tgid != su->pid)
		return 0;
	stp_probe_hit(su->probe, regs, (void *)bias);
	return 0;
}

static int stp_uretprobe_handler(struct uprobe_consumer *uc, unsigned long func, struct pt_regs *regs)
{
	struct stp_uprobe *su = container_of(uc, struct stp_uprobe, uc);

	if (su->pid && current->tgid != su->pid)
		return 0;
	stp_probe_hit(su->probe, regs, (void *)(func - su->vaddr));
	return 0;
}

static void stp_uprobes_unregister(struct stp_uprobe *ups, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!ups[i].inode)
			continue;
		uprobe_unregister(ups[i].inode, ups[i].offset, &ups[i].uc);
		iput(ups[i].inode);
		ups[i].inode = NULL;
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
		rc = kern_path(su->path, LOOKUP_FOLLOW, &p);
		if (!rc) {
			su->inode = igrab(d_inode(p.dentry));
			path_put(&p);
			rc = su->inode ? uprobe_register(su->inode, su->offset, &su->uc) : -ENOENT;
			if (rc && su->inode) {
				iput(su->inode);
				su->inode = NULL;
			}
		}
		if (rc) {
			stp_oob(STP_OOB_WARNING, "WARNING: probe %s inode-offset %s:0x%llx registration error (rc %d)\n",
				STP_PP(su->probe), su->path, (unsigned long long)su->offset, rc);
			last = rc;
			continue;
		}
		ok++;
	}
	if (n && !ok)
		return last ? last : -EINVAL;
	return 0;
}

#endif /* STP_UPROBES_H */
