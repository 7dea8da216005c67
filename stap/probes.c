/* probes.c - the table of probe families.
 *
 * Each row is a Family (stap.h) implemented in its own probe_*.c file.  A
 * concrete probe point is offered to each family in order; the first whose
 * match() accepts it owns the probe.  Wildcards in built-in names
 * (`probe b*`, `timer.*`) are expanded against the families' patterns
 * before matching.
 */
#include "stap.h"
#include "parser.h"

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

/* Guru-mode stores into a DWARF target variable (kernel.function,
 * statement, module and process probes): pass 2 (gen NULL) checks, pass 3
 * gives the C statement.  In .return probes only $return is written. */
const char *dwarf_store(Session *s, DProbe *d, DwModule *mod, DwFunc *f, uint64_t pc, bool ret, Node *n,
			int op, const char *value, void *gen)
{
	bool is_ret_value = str_eq(n->name, "$return");
	if (!gen) {
		if (!s->guru)
			error_tok(n->tok, "write to target variable not permitted; need stap -g");
		else if (ret && !is_ret_value)
			error_tok(n->tok, "only $return can be written in a .return probe");
		else if (op != '=' && op != OP_ADDEQ && op != OP_SUBEQ && op != OP_ANDEQ && op != OP_OREQ &&
			 op != OP_XOREQ && op != OP_MULEQ && op != OP_SHLEQ && op != OP_SHREQ)
			error_tok(n->tok, "this assignment to a target variable is not supported");
		return NULL;
	}
	if (!f) {
		error_tok(n->tok, "target variables are not available here");
		return NULL;
	}
	void *prev = dw_module_select(mod);
	dw_ensure_cfi();
	const char *(*index_expr)(Node *, void *) = translate_index_hook();
	const char *v = value, *code = NULL, *err = NULL;
	if (op != '=') {
		const char *cur;
		err = dw_target_code(s, f, pc, ret && is_ret_value, n, index_expr, gen, &cur);
		const char *cop = op == OP_ADDEQ ? "+" : op == OP_SUBEQ ? "-" : op == OP_ANDEQ ? "&" :
				  op == OP_OREQ ? "|" : op == OP_XOREQ ? "^" : op == OP_MULEQ ? "*" :
				  op == OP_SHLEQ ? "<<" : ">>";
		if (!err)
			v = xsprintf("(int64_t)((uint64_t)%s %s (uint64_t)%s)", cur, cop, value);
	}
	if (!err)
		err = dw_target_store(s, f, pc, ret && is_ret_value, n, index_expr, gen, v, &code);
	dw_module_restore(prev);
	if (err) {
		error_tok(n->tok, "%s", err);
		return NULL;
	}
	return code;
}
