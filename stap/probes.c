/* probes.c - the table of probe families.
 *
 * Each row is a Family (stap.h) implemented in its own probe_*.c file.  A
 * concrete probe point is offered to each family in order; the first whose
 * match() accepts it owns the probe.  Wildcards in built-in names
 * (`probe b*`, `timer.*`) are expanded against the families' patterns
 * before matching.
 */
#include "stap.h"

#include <stdarg.h>
#include <string.h>

const Family *const families[] = {
	&family_begin,
	&family_end,
	&family_error,
	&family_never,
	&family_timer,
	&family_kernel,
	&family_kprobe,
	&family_trace, &family_perf, &family_profile, &family_procfs, &family_netfilter,
	&family_stmt,
	&family_existing,
	NULL,
};

const PPComp *pp_comp(const ProbePoint *pp, int i)
{
	return i < pp->comps.len ? vec_get(&pp->comps, i) : NULL;
}

bool pp_is(const ProbePoint *pp, int ncomps, ...)
{
	if (pp->comps.len < ncomps)
		return false;
	va_list ap;
	va_start(ap, ncomps);
	bool ok = true;
	for (int i = 0; i < ncomps; i++) {
		const char *want = va_arg(ap, const char *);
		if (!str_eq(pp_comp(pp, i)->name, want))
			ok = false;
	}
	va_end(ap);
	return ok;
}

/* Each kprobe of a small script gets its own pre-handler, the probe's
 * handler inlined into the runtime's hit path (no indirect call, the
 * dearest part of a hit); big wildcard sets share stp_kprobe_pre. */
#define KPRE_MAX 32

void emit_kprobe_pres(Buf *out, Vec *probes, bool (*is_ret)(const DProbe *d))
{
	if (probes->len > KPRE_MAX)
		return;
	vec_foreach(probes, i) {
		DProbe *d = vec_get(probes, i);
		if (is_ret(d))
			continue;
		buf_printf(out, "static __kprobes int stp_kpre_%d(struct kprobe *kp, struct pt_regs *regs)\n{\n"
			   "\treturn stp_kprobe_hit(kp, regs, &stp_probes[%d], %s);\n}\n\n",
			   d->index, d->index, d->cname);
	}
}

void emit_kprobe_pre_field(Buf *out, Vec *probes, const DProbe *d, bool ret)
{
	if (probes->len <= KPRE_MAX && !ret)
		buf_printf(out, ", .pre = stp_kpre_%d", d->index);
}

void pp_error(const ProbePoint *pp, const Tok *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvsprintf(fmt, ap);
	va_end(ap);
	if (error_chain_repeated("while resolving probe point", msg))
		return;
	error_tok(pp->tok, "while resolving probe point");
	error_tok(t, "%s", msg);
}

const Family *family_for(Session *s, DProbe *d)
{
	int errs = g_errors;
	for (int i = 0; families[i]; i++) {
		if (!families[i]->match)
			continue;
		if (families[i]->match(s, d))
			return g_errors > errs ? NULL : families[i];
		if (g_errors > errs)
			return NULL;
	}
	return NULL;
}

void family_note_local(DProbe *d, const char *name, Tok *tok, int order)
{
	int at = 0;
	vec_foreach(&d->locals, i) {
		Var *v = vec_get(&d->locals, i);
		if (str_eq(v->name, name))
			return;
		if (v->pinned && v->note_order < order)
			at = i + 1;
	}
	Var *v = xalloc(sizeof *v);
	v->name = name;
	v->tok = tok;
	v->type = TY_LONG;
	v->read = v->written = v->pinned = true;
	v->note_order = order;
	vec_push(&d->locals, v);
	for (int i = d->locals.len - 1; i > at; i--)
		d->locals.data[i] = d->locals.data[i - 1];
	d->locals.data[at] = v;
}

void family_include_runtime(Session *s, const char *header, const Tok *at)
{
	static Vec done;	/* headers already included */
	vec_foreach(&done, i)
		if (str_eq(vec_get(&done, i), header))
			return;
	vec_push(&done, header);
	Node *n = new_node(N_EMBEDDED, (Tok *)at);
	n->str = xsprintf("#include \"%s\"", header);
	n->tok = NULL;	/* ours, not the script's (-p2 lists the script's) */
	vec_push(&s->embeds, n);
}
