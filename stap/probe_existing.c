/* probe_existing.c - __existing_tasks.process and __existing_tasks.thread:
 * once for each user process (or other thread) already running when the
 * session starts, in that task's context.
 *
 * Internal points of the process.begin and process.thread.begin aliases
 * (tapset/linux/process.stp), which thus report running tasks as
 * SystemTap's task finder does.  Each task gets a task_work that runs the
 * probes when it next returns to user space (runtime/stp_existing.h);
 * stopping cancels the works not yet run through the kernel's
 * task_work_cancel_func, which is not exported: its address comes from
 * the kernel's symbol table, like a kprobe's.  A kernel without that
 * function has no such points (the aliases mark them optional).
 */
#include "stap.h"

#include <inttypes.h>

static bool match_existing(Session *s, DProbe *d)
{
	const ProbePoint *pp = d->pp;
	if (!pp_is(pp, 1, "__existing_tasks") || pp->comps.len != 2)
		return false;
	const PPComp *c = pp_comp(pp, 1);
	if (pp_comp(pp, 0)->arg || c->arg || (!str_eq(c->name, "process") && !str_eq(c->name, "thread")))
		return false;
	if (dw_kernel(s, pp->tok))
		return true;
	if (!dw_symbol(s, "task_work_cancel_func")) {
		pp_error(pp, NULL, "this kernel has no task_work_cancel_func: running tasks are not reported");
		return true;
	}
	d->fdata = (void *)(str_eq(c->name, "process") ? "process" : "thread");
	return true;
}

/* No target variables here; the error is deferred like a kernel
 * probe's, so that the aliases' `@defined($return) && $return` folds. */
static void target_existing(Session *s, DProbe *d, Node *n)
{
	error_tok(n->tok, "unresolved target-symbol expression");
}

static void emit_existing(Session *s, Buf *out, Vec *probes)
{
	uint64_t anchor;
	const char *anchor_name = dw_kaslr_anchor(s, &anchor);
	bool leaders = false, others = false;
	buf_puts(out, "#include \"stp_existing.h\"\n\n"
		 "static void stp_existing_run(bool leader, struct pt_regs *regs)\n{\n");
	vec_foreach(probes, i) {
		DProbe *d = vec_get(probes, i);
		bool proc = str_eq(d->fdata, "process");
		leaders |= proc;
		others |= !proc;
		buf_printf(out, "\tif (%sleader)\n\t\tstp_probe_hit(&stp_probes[%d], regs, NULL);\n",
			   proc ? "" : "!", d->index);
	}
	buf_puts(out, "}\n\n");
	buf_printf(out, "static int stp_fam_existing_register(void)\n{\n"
		   "\tunsigned long off = (unsigned long)&%s - 0x%" PRIx64 "UL;\n\n"
		   "\treturn stp_existing_start((stp_twcancel_t)(0x%" PRIx64 "UL + off), %s, %s);\n}\n\n"
		   "static void stp_fam_existing_unregister(void)\n{\n"
		   "\tstp_existing_stop();\n}\n\n",
		   anchor_name, anchor, dw_symbol(s, "task_work_cancel_func"),
		   leaders ? "true" : "false", others ? "true" : "false");
}

static const char *const existing_patterns[] = {
	"__existing_tasks.process", "__existing_tasks.thread", NULL,
};

const Family family_existing = {
	.name = "existing", .patterns = existing_patterns, .match = match_existing,
	.target = target_existing, .emit = emit_existing, .registers = true, .context = "process",
};
