/* SPDX-License-Identifier: GPL-2.0 */
/* stp_sym.h - symbols, stacks and registers for the context tapsets.
 *
 * Kernel symbols come from kallsyms through the exported sprint_symbol()
 * family (never kallsyms_lookup_name, which modules cannot call since
 * 5.7): "name+0xoff/0xsize [module]", where the kernel itself has no
 * module suffix and we print SystemTap's "[kernel]".
 *
 * Kernel stacks are unwound from the probe's registers with the
 * architecture's unwinder (ORC on Debian's x86_64 kernels): the probed
 * address first, then each return address.  Without registers (begin
 * probes) we unwind from here and drop our own module's frames.  User
 * stacks are best effort: the user registers' ip, then a frame-pointer
 * walk with fault-safe reads that stops at the first frame that does not
 * look like one.  Everything but the module probes' registration may run
 * in any probe context: no sleep, no lock that is not a trylock.
 */
#ifndef STP_SYM_H
#define STP_SYM_H

#include <linux/kallsyms.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/stacktrace.h>
#include <asm/processor.h>
#ifdef CONFIG_X86_64
#include <asm/unwind.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#endif

#ifndef MAXBACKTRACE
#define MAXBACKTRACE 20			/* frames in a backtrace, as SystemTap's */
#endif

/* ---- symbols */

/* "vfs_read+0x0/0x310 [kernel]" (with_size) or "vfs_read+0x0 [kernel]";
 * an address no symbol covers is "0xADDR". */
static void stp_sym_data(char *dst, size_t n, unsigned long addr, bool with_size)
{
	char buf[KSYM_SYMBOL_LEN + 16];
	char *slash, *mod;
	size_t k;

	sprint_symbol(buf, addr);
	if (buf[0] == '0' && buf[1] == 'x') {
		strscpy(dst, buf, n);
		return;
	}
	mod = strchr(buf, ' ');
	if (mod)
		*mod++ = '\0';
	slash = strchr(buf, '/');
	if (slash && !with_size)
		*slash = '\0';
	k = strscpy(dst, buf, n);
	if ((ssize_t)k < 0)
		return;
	snprintf(dst + k, n - k, " %s", mod ? mod : "[kernel]");
}

/* The symbol's name alone, or "0xADDR". */
static void stp_sym_name(char *dst, size_t n, unsigned long addr)
{
	char buf[KSYM_SYMBOL_LEN + 16];
	char *mod;

	sprint_symbol_no_offset(buf, addr);
	mod = strchr(buf, ' ');		/* " [module]" */
	if (mod)
		*mod = '\0';
	strscpy(dst, buf, n);
}

/* The module holding addr ("kernel" for the kernel itself); false when no
 * symbol covers addr. */
static bool stp_sym_module(char *dst, size_t n, unsigned long addr)
{
	char buf[KSYM_SYMBOL_LEN + 16];
	char *mod, *end;

	sprint_symbol(buf, addr);
	if (buf[0] == '0' && buf[1] == 'x')
		return false;
	mod = strchr(buf, '[');
	if (!mod) {
		strscpy(dst, "kernel", n);
		return true;
	}
	mod++;
	end = strpbrk(mod, " ]");
	if (end)
		*end = '\0';
	strscpy(dst, mod, n);
	return true;
}

/* ---- kernel stacks */

/* The probed address: what SystemTap reports as addr() and the first
 * frame of a backtrace. */
static unsigned long stp_probe_addr(struct stp_context *c)
{
	return c->regs ? instruction_pointer(c->regs) : 0;
}

static bool stp_own_frame(unsigned long addr)
{
	return within_module(addr, THIS_MODULE);
}

#ifdef CONFIG_X86_64
/* Registers the unwinder cannot start from (a return probe's, saved in the
 * return trampoline): unwind from here instead, through the trampoline,
 * and keep the frames from the probed address on.  1 if it is not found. */
static __kprobes int stp_kstack_through(struct pt_regs *regs, unsigned long *pcs, int max)
{
	struct unwind_state st;
	unsigned long a;
	int n = 0;
	bool found = false;

	for (unwind_start(&st, current, NULL, NULL); n < max && !unwind_done(&st);
	     unwind_next_frame(&st)) {
		a = unwind_get_return_address(&st);
		if (!a)
			break;
		if (!found && a != instruction_pointer(regs))
			continue;
		found = true;
		pcs[n++] = a;
	}
	return found ? n : 1;
}
#endif

/* Up to max return addresses of the kernel stack at the probe: the
 * probed address first.  0 frames when the probe hit in user mode. */
static __kprobes int stp_kstack(struct stp_context *c, unsigned long *pcs, int max)
{
	struct pt_regs *regs = c->regs;
	int n = 0;

	if (regs && user_mode(regs))
		return 0;
#ifdef CONFIG_X86_64
	{
		struct unwind_state st;
		unsigned long a;

		if (regs && n < max)
			pcs[n++] = instruction_pointer(regs);
		for (unwind_start(&st, current, regs, NULL); n < max && !unwind_done(&st);
		     unwind_next_frame(&st)) {
			a = unwind_get_return_address(&st);
			if (!a)
				break;
			if (!regs && stp_own_frame(a))
				continue;
			pcs[n++] = a;
		}
		if (regs && n == 1 && max > 1)
			n = stp_kstack_through(regs, pcs, max);
	}
	/* SystemTap's unwinder, at the end of the stack, goes on by scanning
	 * and finds the last frame again: it lists it twice, the second time
	 * "(inexact)" (print_backtrace).  So do we, for the same output. */
	if (n > 0 && n < max)
		pcs[n] = pcs[n - 1], n++;
#else
	{
		unsigned long all[MAXBACKTRACE + 16];
		unsigned int k, got = stack_trace_save(all, ARRAY_SIZE(all), 0);

		if (regs && n < max)
			pcs[n++] = instruction_pointer(regs);
		for (k = 0; k < got && n < max; k++)
			if (!stp_own_frame(all[k]))
				pcs[n++] = all[k];
	}
#endif
	return n;
}

/* One frame as SystemTap prints it: " 0xADDR : name+0xoff/0xsize [mod]"
 * and tail ("\n", or " (inexact)\n"). */
static void stp_print_frame_tail(struct stp_out *o, unsigned long addr, const char *tail)
{
	char sym[KSYM_SYMBOL_LEN + 32];
	char head[32];

	snprintf(head, sizeof(head), " 0x%lx : ", addr);
	stp_out_str(o, head);
	stp_sym_data(sym, sizeof(sym), addr, true);
	stp_out_str(o, sym);
	stp_out_str(o, tail);
}

static void stp_print_frame(struct stp_out *o, unsigned long addr)
{
	stp_print_frame_tail(o, addr, "\n");
}

/* sprint_backtrace's line: "name+0xoff [mod]" and tail. */
static void stp_sprint_frame_tail(struct stp_out *o, unsigned long addr, const char *tail)
{
	char sym[KSYM_SYMBOL_LEN + 32];

	stp_sym_data(sym, sizeof(sym), addr, false);
	stp_out_str(o, sym);
	stp_out_str(o, tail);
}

static void stp_sprint_frame(struct stp_out *o, unsigned long addr)
{
	stp_sprint_frame_tail(o, addr, "\n");
}

/* Frames of an unwind (stp_kstack) in either format; the repeated last
 * one (see stp_kstack) ends in " (inexact)", as SystemTap prints it. */
static void stp_unwind_frames(struct stp_out *o, const unsigned long *pcs, int n, bool sprint)
{
	int i;

	for (i = 0; i < n; i++) {
		const char *tail = i == n - 1 && i > 0 && pcs[i] == pcs[i - 1] ? " (inexact)\n" : "\n";

		if (sprint)
			stp_sprint_frame_tail(o, pcs[i], tail);
		else
			stp_print_frame_tail(o, pcs[i], tail);
	}
}

/* Hex addresses: each followed by a space (backtrace()), or separated by
 * single spaces (callers()). */
static void stp_hex_list(struct stp_out *o, const unsigned long *pcs, int n, bool trailing)
{
	char word[24];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(word, sizeof(word), "%s0x%lx%s", !trailing && i ? " " : "", pcs[i],
			 trailing ? " " : "");
		stp_out_str(o, word);
	}
}

/* Walk a backtrace() string ("0x... 0x... "), calling fn on each address. */
static void stp_each_addr(const char *s, void (*fn)(struct stp_out *, unsigned long),
			  struct stp_out *o)
{
	while (*s) {
		char *end;
		unsigned long a;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		a = simple_strtoul(s, &end, 16);
		if (end == s)
			break;
		fn(o, a);
		s = end;
	}
}

/* ---- user stacks */

/* The registers the current task entered the kernel with, or NULL for
 * kernel threads. */
static struct pt_regs *stp_user_regs(struct stp_context *c)
{
	if (c->regs && user_mode(c->regs))
		return c->regs;
	if (!current->mm || (current->flags & PF_KTHREAD))
		return NULL;
	return task_pt_regs(current);
}

/*
 * Where user stack walks stopped: the file of the last frame (or none
 * mapped there).  SystemTap, which has no unwind data for a file unless
 * told (-d), stops there and says so at the end of the session, once per
 * file: "WARNING: Missing unwind data for a module, rerun with 'stap -d
 * FILE'".  So do we.  Noted from probe context with a
 * trylock (a contended note is dropped: the warning is advice).
 */
/*
 * User symbols: the translator gives the function symbols of the files
 * process(...) probes name and of -d files (as SystemTap carries them),
 * by file offset, in tables stp_gen_init points stp_usymfiles at.  A user
 * address is found through the task's mapping of its file.
 */
struct stp_usym {
	unsigned long off;		/* in the file */
	unsigned int size;
	unsigned int name;		/* offset in the file's names */
};

struct stp_usymfile {
	const char *path;
	const struct stp_usym *syms;	/* by off */
	int n;
	const char *names;
};

static const struct stp_usymfile *stp_usymfiles;
static int stp_nusymfiles;

static bool stp_usym_has_file(const char *path)
{
	int f;

	for (f = 0; f < stp_nusymfiles; f++)
		if (!strcmp(stp_usymfiles[f].path, path))
			return true;
	return false;
}

#define STP_UNWIND_NOTES 8
static char stp_unwind_notes[STP_UNWIND_NOTES][128];
static const void *stp_unwind_keys[STP_UNWIND_NOTES];	/* the file's inode; NULL: unknown */
static int stp_unwind_nnotes;
static DEFINE_RAW_SPINLOCK(stp_unwind_lock);

/* Already noted, or no room left: a lock-free look, so that a stack walk
 * that keeps stopping in the same file does not name it again. */
static bool stp_unwind_noted(const void *key)
{
	int i, n = READ_ONCE(stp_unwind_nnotes);

	if (n >= STP_UNWIND_NOTES)
		return true;
	for (i = 0; i < n; i++)
		if (READ_ONCE(stp_unwind_keys[i]) == key)
			return true;
	return false;
}

static void stp_unwind_note(const void *key, const char *file)
{
	unsigned long flags;
	int i;

	if (!raw_spin_trylock_irqsave(&stp_unwind_lock, flags))
		return;
	for (i = 0; i < stp_unwind_nnotes; i++)
		if (strcmp(stp_unwind_notes[i], file) == 0)
			break;
	if (i == stp_unwind_nnotes && i < STP_UNWIND_NOTES) {
		strscpy(stp_unwind_notes[i], file, sizeof(stp_unwind_notes[i]));
		WRITE_ONCE(stp_unwind_keys[i], key);
		WRITE_ONCE(stp_unwind_nnotes, i + 1);
	}
	raw_spin_unlock_irqrestore(&stp_unwind_lock, flags);
}

/* Note the file mapped at addr; its path is built only the first time. */
static void stp_unwind_note_addr(unsigned long addr)
{
	static const char unknown[] = "(unknown; retry with -DDEBUG_UNWIND)";
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	const void *key = NULL;
	char buf[256];
	char *p = NULL;

	if (mm && !in_nmi() && mmap_read_trylock(mm)) {
		vma = find_vma(mm, addr);
		if (vma && vma->vm_start <= addr && vma->vm_file) {
			key = file_inode(vma->vm_file);
			if (!stp_unwind_noted(key))
				p = d_path(&vma->vm_file->f_path, buf, sizeof(buf));
		}
		mmap_read_unlock(mm);
	}
	if (key && !p)
		return;			/* noted before */
	if (key && !IS_ERR(p) && stp_usym_has_file(p))
		return;			/* the user gave it (-d): nothing to advise */
	if (!key || IS_ERR(p)) {
		if (stp_unwind_noted(NULL))
			return;
		key = NULL;
		p = (char *)unknown;
	}
	stp_unwind_note(key, p);
}

/* At the end of the session (process context). */
static void __maybe_unused stp_unwind_report(void)
{
	int i;

	for (i = 0; i < stp_unwind_nnotes; i++)
		stp_oob(STP_OOB_WARNING, "WARNING: Missing unwind data for a module, rerun with 'stap -d %s'\n",
			stp_unwind_notes[i]);
	stp_unwind_nnotes = 0;
}

/* A return address in the user stack slot at slot: a .return probe's
 * uretprobe put its trampoline there, the real one is in the task's
 * uprobe return instances (as SystemTap's stacks show it). */
static unsigned long stp_uret_fixup(unsigned long slot, unsigned long ret)
{
#ifdef CONFIG_UPROBES
	struct uprobe_task *ut = current->utask;
	struct return_instance *ri;

	for (ri = ut ? ut->return_instances : NULL; ri; ri = ri->next)
		if (ri->stack == slot)
			return ri->orig_ret_vaddr;
#endif
	return ret;
}

/* The user stack: ip, then a frame-pointer walk (best effort). */
static int stp_ustack(struct stp_context *c, unsigned long *pcs, int max)
{
	struct pt_regs *ur = stp_user_regs(c);
	unsigned long fp, sp, frame[2];
	int n = 0;

	if (!ur || max < 1)
		return 0;
	pcs[n++] = instruction_pointer(ur);
	sp = user_stack_pointer(ur);
	fp = ur->bp;
	while (n < max) {
		/* a frame lies above the stack pointer, aligned, close by */
		if (!fp || (fp & 7) || fp < sp || fp - sp > (8UL << 20) || fp >= TASK_SIZE_MAX)
			break;
		if (copy_from_user_nofault(frame, (const void __user *)fp, sizeof(frame)))
			break;
		if (!frame[1] || frame[1] >= TASK_SIZE_MAX)
			break;
		pcs[n++] = stp_uret_fixup(fp + sizeof(unsigned long), frame[1]);
		if (frame[0] <= fp)
			break;
		sp = fp;
		fp = frame[0];
	}
	stp_unwind_note_addr(pcs[n - 1]);
	return n;
}

/* The file mapped at user address addr: its path, addr's offset from
 * where the file's first page would be mapped, and the span from there
 * to the end of the file's last mapping from addr's on.  False when there is none, or when the
 * mappings cannot be read without sleeping. */
static bool stp_umap(unsigned long addr, char *path, size_t n, unsigned long *off,
		     unsigned long *size)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	bool found = false;

	if (!mm || in_nmi() || !mmap_read_trylock(mm))
		return false;
	vma = find_vma(mm, addr);
	if (vma && vma->vm_start <= addr && vma->vm_file) {
		char buf[256];
		char *p = d_path(&vma->vm_file->f_path, buf, sizeof(buf));
		unsigned long base = vma->vm_start - (vma->vm_pgoff << PAGE_SHIFT);
		struct inode *inode = file_inode(vma->vm_file);
		unsigned long end = vma->vm_end;
		struct vm_area_struct *next;
		int k;

		/* the span: up to the end of the file's last mapping after this */
		for (k = 0; k < 32; k++) {
			next = find_vma(mm, end);
			if (!next || !next->vm_file || file_inode(next->vm_file) != inode)
				break;
			end = next->vm_end;
		}
		if (!IS_ERR(p)) {
			strscpy(path, p, n);
			*off = addr - base;
			*size = end - base;
			found = true;
		}
	}
	mmap_read_unlock(mm);
	return found;
}

/* The symbol holding offset off of file path: its name, off's offset in
 * it, its size and (file not NULL) the table's path; NULL when no table
 * covers it. */
static const char *stp_usym_in(const char *path, unsigned long off, unsigned long *symoff,
			       unsigned long *symsize, const char **file)
{
	int f, lo, hi;

	for (f = 0; f < stp_nusymfiles; f++) {
		const struct stp_usymfile *uf = &stp_usymfiles[f];
		const struct stp_usym *sym;

		if (strcmp(uf->path, path))
			continue;
		/* the last symbol starting at or before off */
		lo = 0;
		hi = uf->n;
		while (lo < hi) {
			int mid = (lo + hi) / 2;

			if (uf->syms[mid].off <= off)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!lo)
			return NULL;
		sym = &uf->syms[lo - 1];
		if (sym->size && off >= sym->off + sym->size)
			return NULL;
		if (file)
			*file = uf->path;
		*symoff = off - sym->off;
		*symsize = sym->size;
		return uf->names + sym->name;
	}
	return NULL;
}

/* The same for user address addr, through the task's mapping of it. */
static const char *stp_usym_at(unsigned long addr, unsigned long *symoff, unsigned long *symsize,
			       const char **file)
{
	char path[256];
	unsigned long off, size;

	if (!stp_nusymfiles || !stp_umap(addr, path, sizeof(path), &off, &size))
		return NULL;
	return stp_usym_in(path, off, symoff, symsize, file);
}

/* print_ubacktrace's line: " 0xADDR : SYM+0xoff/0xsize [/path/file]\n"
 * with a symbol table for the file, else " 0xADDR [/path/file+0xoff/0xsize]\n",
 * " 0xADDR\n" when the mapping is unknown. */
static void stp_print_uframe(struct stp_out *o, unsigned long addr)
{
	char path[256], line[64];
	unsigned long off, size, soff, ssize;
	const char *sym;

	snprintf(line, sizeof(line), " 0x%lx", addr);
	stp_out_str(o, line);
	if (!stp_umap(addr, path, sizeof(path), &off, &size)) {
		stp_out_lit(o, "\n", 1);
		return;
	}
	sym = stp_usym_in(path, off, &soff, &ssize, NULL);
	if (sym) {
		stp_out_lit(o, " : ", 3);
		stp_out_str(o, sym);
		snprintf(line, sizeof(line), "+0x%lx/0x%lx [", soff, ssize);
		stp_out_str(o, line);
		stp_out_str(o, path);
		stp_out_lit(o, "]\n", 2);
		return;
	}
	stp_out_lit(o, " [", 2);
	stp_out_str(o, path);
	snprintf(line, sizeof(line), "+0x%lx/0x%lx]\n", off, size);
	stp_out_str(o, line);
}

/* sprint_ubacktrace's line: "SYM+0xoff [file]\n" with a symbol table for
 * the file, else "0xADDR [file+0xoff]\n", the file's base name. */
static void stp_sprint_uframe(struct stp_out *o, unsigned long addr)
{
	char path[256], line[64];
	unsigned long off, size, soff, ssize;
	const char *base, *sym;

	if (!stp_umap(addr, path, sizeof(path), &off, &size)) {
		snprintf(line, sizeof(line), "0x%lx\n", addr);
		stp_out_str(o, line);
		return;
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	sym = stp_usym_in(path, off, &soff, &ssize, NULL);
	if (sym) {
		stp_out_str(o, sym);
		snprintf(line, sizeof(line), "+0x%lx [", soff);
		stp_out_str(o, line);
		stp_out_str(o, base);
		stp_out_lit(o, "]\n", 2);
	} else {
		snprintf(line, sizeof(line), "0x%lx [", addr);
		stp_out_str(o, line);
		stp_out_str(o, base);
		snprintf(line, sizeof(line), "+0x%lx]\n", off);
		stp_out_str(o, line);
	}
}

/* ---- registers */

/* A register of pt_regs by SystemTap's x86_64 names; 32-bit names are
 * sign-extended (register) or zero-extended (u_register). */
static bool stp_reg_by_name(struct pt_regs *r, const char *name, bool is_signed, int64_t *out)
{
#ifdef CONFIG_X86_64
	static const struct {
		const char *name;
		unsigned short off;
		bool wide;
	} regs[] = {
#define R64(n, f) { n, offsetof(struct pt_regs, f), true }
#define R32(n, f) { n, offsetof(struct pt_regs, f), false }
		R64("rax", ax), R64("ax", ax), R64("rbx", bx), R64("bx", bx),
		R64("rcx", cx), R64("cx", cx), R64("rdx", dx), R64("dx", dx),
		R64("rsi", si), R64("si", si), R64("rdi", di), R64("di", di),
		R64("rbp", bp), R64("bp", bp), R64("rsp", sp), R64("sp", sp),
		R64("rip", ip), R64("ip", ip),
		R64("r8", r8), R64("r9", r9), R64("r10", r10), R64("r11", r11),
		R64("r12", r12), R64("r13", r13), R64("r14", r14), R64("r15", r15),
		R32("eax", ax), R32("ebx", bx), R32("ecx", cx), R32("edx", dx),
		R32("esi", si), R32("edi", di), R32("ebp", bp), R32("esp", sp),
		R32("eip", ip), R32("orig_eax", orig_ax),
		R64("orig_rax", orig_ax), R64("orig_ax", orig_ax),
		R64("flags", flags), R64("eflags", flags),
		R64("cs", cs), R64("xcs", cs), R64("ss", ss), R64("xss", ss),
#undef R64
#undef R32
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		unsigned long v;

		if (strcmp(regs[i].name, name))
			continue;
		v = *(unsigned long *)((char *)r + regs[i].off);
		if (regs[i].wide)
			*out = (int64_t)v;
		else
			*out = is_signed ? (int64_t)(s32)v : (int64_t)(u32)v;
		return true;
	}
#endif
	return false;
}

/* Function argument n (1-based) of the x86_64 SysV ABI at a function's
 * entry: di si dx cx r8 r9, then the stack above the return address. */
/* The saved register holding argument n (1 to 6, the x86_64 ABI), or NULL. */
static unsigned long *stp_reg_arg_slot(struct pt_regs *r, int n)
{
#ifdef CONFIG_X86_64
	switch (n) {
	case 1: return &r->di;
	case 2: return &r->si;
	case 3: return &r->dx;
	case 4: return &r->cx;
	case 5: return &r->r8;
	case 6: return &r->r9;
	}
#endif
	return NULL;
}

static bool stp_reg_arg(struct pt_regs *r, int n, unsigned long *out)
{
#ifdef CONFIG_X86_64
	unsigned long *reg = stp_reg_arg_slot(r, n);
	unsigned long slot;

	if (reg) {
		*out = *reg;
		return true;
	}
	if (n < 1)
		return false;
	slot = r->sp + 8UL * (n - 6);
	if (user_mode(r))
		return !copy_from_user_nofault(out, (const void __user *)slot, sizeof(*out));
	return !copy_from_kernel_nofault(out, (const void *)slot, sizeof(*out));
#else
	return false;
#endif
}

/* print_regs(): the registers in the kernel's oops layout, as SystemTap
 * prints them. */
static void stp_print_regs(struct stp_out *o, struct pt_regs *r)
{
#ifdef CONFIG_X86_64
	char line[160];
	unsigned long fs = 0, gs = 0, kgs = 0;
	unsigned int fsi = 0, gsi = 0, ds = 0, es = 0;

	rdmsrl(MSR_FS_BASE, fs);
	rdmsrl(MSR_GS_BASE, gs);
	rdmsrl(MSR_KERNEL_GS_BASE, kgs);
	savesegment(fs, fsi);
	savesegment(gs, gsi);
	savesegment(ds, ds);
	savesegment(es, es);
	snprintf(line, sizeof(line), "RIP: %016lx\nRSP: %016lx  EFLAGS: %08lx\n",
		 r->ip, r->sp, r->flags);
	stp_out_str(o, line);
	snprintf(line, sizeof(line), "RAX: %016lx RBX: %016lx RCX: %016lx\n", r->ax, r->bx, r->cx);
	stp_out_str(o, line);
	snprintf(line, sizeof(line), "RDX: %016lx RSI: %016lx RDI: %016lx\n", r->dx, r->si, r->di);
	stp_out_str(o, line);
	snprintf(line, sizeof(line), "RBP: %016lx R08: %016lx R09: %016lx\n", r->bp, r->r8, r->r9);
	stp_out_str(o, line);
	snprintf(line, sizeof(line), "R10: %016lx R11: %016lx R12: %016lx\n", r->r10, r->r11, r->r12);
	stp_out_str(o, line);
	snprintf(line, sizeof(line), "R13: %016lx R14: %016lx R15: %016lx\n", r->r13, r->r14, r->r15);
	stp_out_str(o, line);
	snprintf(line, sizeof(line), "FS:  %016lx(%04x) GS:%016lx(%04x) knlGS:%016lx\n",
		 fs, fsi, gs, gsi, kgs);
	stp_out_str(o, line);
	snprintf(line, sizeof(line), "CS:  %04lx DS: %04x ES: %04x CR0: %016lx\n",
		 r->cs & 0xffff, ds, es, read_cr0());
	stp_out_str(o, line);
	snprintf(line, sizeof(line), "CR2: %016lx CR3: %016lx CR4: %016lx\n",
		 read_cr2(), __read_cr3(), __read_cr4());
	stp_out_str(o, line);
#endif
}

/* ---- probes on module symbols
 *
 * module("M").function/statement and kprobe.module("M").function probes
 * register as "M:symbol"+offset, which the kernel resolves itself.  Those
 * of modules not loaded yet wait: a module notifier registers them when
 * their module comes (before its init runs: probes in init functions fire)
 * and unregisters them when it goes, so they follow it through unload and
 * reload.  Each probe family hands over one array (a set).
 */
#include <linux/notifier.h>
#include <linux/mutex.h>

#define STP_MODPROBE_SETS 2
static struct {
	struct stp_kprobe *kps;
	int n;
} stp_modprobe_sets[STP_MODPROBE_SETS];
static DEFINE_MUTEX(stp_modprobes_lock);

static bool stp_modprobe_in(const struct stp_kprobe *sk, const char *mod)
{
	size_t n = strlen(mod);

	return !strncmp(sk->symbol, mod, n) && sk->symbol[n] == ':';
}

/* Register the waiting probes of a set for module mod (NULL: all).  At
 * the start a module that is not loaded is no error: its probes wait. */
static void stp_modprobes_arm(struct stp_kprobe *kps, int n, const char *mod)
{
	int i, rc;

	for (i = 0; i < n; i++) {
		struct stp_kprobe *sk = &kps[i];

		if (sk->registered || (mod && !stp_modprobe_in(sk, mod)))
			continue;
		rc = stp_kprobe_register_one(sk);
		if (rc && (mod || rc != -ENOENT))
			stp_kprobe_warn(sk, rc);
	}
}

static void stp_modprobes_disarm(struct stp_kprobe *kps, int n, const char *mod)
{
	int i;

	for (i = 0; i < n; i++)
		if (!mod || stp_modprobe_in(&kps[i], mod))
			stp_kprobe_unregister_one(&kps[i]);
}

static int stp_modprobes_notify(struct notifier_block *nb, unsigned long state, void *data)
{
	struct module *mod = data;
	int i;

	mutex_lock(&stp_modprobes_lock);
	for (i = 0; i < STP_MODPROBE_SETS; i++) {
		if (!stp_modprobe_sets[i].kps)
			continue;
		if (state == MODULE_STATE_COMING)
			stp_modprobes_arm(stp_modprobe_sets[i].kps, stp_modprobe_sets[i].n, mod->name);
		else if (state == MODULE_STATE_GOING)
			stp_modprobes_disarm(stp_modprobe_sets[i].kps, stp_modprobe_sets[i].n, mod->name);
	}
	mutex_unlock(&stp_modprobes_lock);
	return NOTIFY_DONE;
}

static struct notifier_block stp_modprobes_nb = {
	.notifier_call = stp_modprobes_notify,
};
static int stp_modprobes_users;

static int stp_modprobes_register(struct stp_kprobe *kps, int n)
{
	int i, rc;

	for (i = 0; i < STP_MODPROBE_SETS && stp_modprobe_sets[i].kps; i++)
		;
	if (i == STP_MODPROBE_SETS)
		return -ENOSPC;
	if (!stp_modprobes_users) {
		rc = register_module_notifier(&stp_modprobes_nb);
		if (rc)
			return rc;
	}
	stp_modprobes_users++;
	mutex_lock(&stp_modprobes_lock);
	stp_modprobe_sets[i].kps = kps;
	stp_modprobe_sets[i].n = n;
	stp_modprobes_arm(kps, n, NULL);
	mutex_unlock(&stp_modprobes_lock);
	return 0;
}

static void stp_modprobes_unregister(struct stp_kprobe *kps, int n)
{
	int i;

	if (!--stp_modprobes_users)
		unregister_module_notifier(&stp_modprobes_nb);
	mutex_lock(&stp_modprobes_lock);
	for (i = 0; i < STP_MODPROBE_SETS; i++)
		if (stp_modprobe_sets[i].kps == kps)
			stp_modprobe_sets[i].kps = NULL;
	stp_modprobes_disarm(kps, n, NULL);
	mutex_unlock(&stp_modprobes_lock);
}

#endif /* STP_SYM_H */
