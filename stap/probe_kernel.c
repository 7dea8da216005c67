/* probe_kernel.c - kernel.function("PATTERN[@FILE[:LINE]]") probes with
 * DWARF: .call (default) and .return, .maxactive(N).
 *
 * Each matching function becomes one kprobe (or kretprobe) at its entry
 * address; a LINE other than the declaration's only draws SystemTap's
 * warning (kernel.statement probes lines, see probe_stmt.c).  Target
 * variables are read with code from dwarf.c; in .return probes,
 * parameters and locals read their values at the entry: the
 * kretprobe entry handler evaluates them into the instance's data, and
 * the return handler reads them back (SystemTap's semantics).
 */
#include "stap.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct KData {
	DwFunc *func;
	bool ret;
	int64_t maxactive;	/* -1 default */
} KData;

enum { ANY_COPY, OUT_OF_LINE, INLINED };	/* which copies of a function */

/* kernel.function(STR)[.exported][.call|.inline|.return][.maxactive(N)] */
static bool parse_point(const ProbePoint *pp, const char **spec, bool *ret, int *copies, int64_t *maxactive,
			bool *exported, const Tok **bad)
{
	if (!pp_is(pp, 2, "kernel", "function"))
		return false;
	const PPComp *f = pp_comp(pp, 1);
	if (!f->arg || f->arg->kind != N_STR || pp_comp(pp, 0)->arg)
		return false;
	*spec = f->arg->str;
	*ret = false;
	*copies = ANY_COPY;
	*maxactive = -1;
	*exported = false;
	for (int i = 2; i < pp->comps.len; i++) {
		const PPComp *c = pp_comp(pp, i);
		if (str_eq(c->name, "exported") && !c->arg && i == 2)
			*exported = true, *copies = OUT_OF_LINE;
		else if (str_eq(c->name, "return") && !c->arg)
			*ret = true, *copies = OUT_OF_LINE;	/* an inlined copy has no return */
		else if (str_eq(c->name, "call") && !c->arg)
			*copies = OUT_OF_LINE;
		else if (str_eq(c->name, "inline") && !c->arg)
			*copies = INLINED;
		else if (str_eq(c->name, "maxactive") && c->arg && c->arg->kind == N_NUM && *ret)
			*maxactive = c->arg->num;
		else {
			*bad = c->tok;
			return true;
		}
	}
	return true;
}

/* SystemTap's order: by compilation unit, its functions before the
 * inlined copies, each in DIE order. */
static int cmp_debug_order(const void *a, const void *b)
{
	const DwFunc *x = *(DwFunc *const *)a, *y = *(DwFunc *const *)b;
	if (x->cu_off != y->cu_off)
		return x->cu_off < y->cu_off ? -1 : 1;
	if (x->inlined != y->inlined)
		return x->inlined ? 1 : -1;
	return x->die_off < y->die_off ? -1 : x->die_off > y->die_off;
}

static bool expand_kernel(Session *s, DProbe *d, Vec *out)
{
	const char *spec;
	bool ret;
	int copies;
	int64_t maxactive;
	bool exported;
	const Tok *bad = NULL;
	if (!parse_point(d->pp, &spec, &ret, &copies, &maxactive, &exported, &bad))
		return false;
	if (bad) {
		pp_error(d->pp, bad, "invalid suffix for probe");
		return true;
	}
	if (dw_kernel(s, d->pp->tok))
		return true;
	char *name = xstrdup(spec);
	char *file = strchr(name, '@');
	const char *line = NULL;	/* ":N", ":N-M", ":*" or "+N" */
	if (file) {
		*file++ = '\0';
		char *sep = strpbrk(file, ":+");
		if (sep) {
			line = xstrdup(sep);
			*sep = '\0';
		}
	}
	Vec funcs = {0}, blocked = {0};
	if (copies != INLINED)
		dw_functions_blocked(s, name, file, &funcs, &blocked);
	if (exported) {	/* only the functions bound outside their file */
		Vec keep = {0};
		vec_foreach(&funcs, i)
			if (dw_symbol_global(s, ((DwFunc *)vec_get(&funcs, i))->name))
				vec_push(&keep, vec_get(&funcs, i));
		funcs = keep;
	}
	if (copies != OUT_OF_LINE)
		dw_inline_instances(s, name, file, &funcs, &blocked);
	const Tok *kw = d->probe ? d->probe->tok : d->pp->tok;
	if (ret && !funcs.len) {
		/* SystemTap's note on the copies a .return cannot reach, when
		 * they are all there is */
		Vec copies_ = {0}, junk = {0};
		dw_inline_instances(s, name, file, &copies_, &junk);
		Buf names = {0};
		int n = 0;
		vec_foreach(&copies_, i) {
			const char *iname = ((DwFunc *)vec_get(&copies_, i))->name;
			bool said = false;
			for (int k = 0; k < i; k++)
				said = said || str_eq(((DwFunc *)vec_get(&copies_, k))->name, iname);
			if (!said) {
				buf_printf(&names, " %s", iname);
				n++;
			}
		}
		if (n)
			warn_plain("cannot probe .return of %d inlined functions %s", n, buf_cstr(&names));
	}
	vec_sort(&blocked, cmp_debug_order);
	vec_foreach(&blocked, i) {
		const char *bname = ((DwFunc *)vec_get(&blocked, i))->name;
		bool said = false;
		for (int k = 0; k < i; k++)
			said = said || str_eq(((DwFunc *)vec_get(&blocked, k))->name, bname);
		if (!said)
			warn_tok(kw, "function %s is in blocklisted section", bname);
	}
	if (!funcs.len) {
		/* SystemTap's message, with the nearest function names */
		Vec names = {0};
		if (!g_diag_quiet && !g_diag_quiet_errors)	/* said only if said at all */
			dw_function_names(s, &names);
		pp_error(d->pp, NULL, "no match%s", similar_names_as("similar functions", name, &names));
		return true;
	}
	vec_sort(&funcs, cmp_debug_order);	/* SystemTap's order: the DWARF's */
	vec_foreach(&funcs, i) {
		DwFunc *f = vec_get(&funcs, i);
		/* SystemTap probes the function whatever the line, with a warning */
		if (line && !str_eq(line, xsprintf(":%d", f->decl_line)))
			warn_tok(d->probe ? d->probe->tok : d->pp->tok,
				 "For probing a particular line, use a .statement() probe, not .function()");
		DProbe *c = xalloc(sizeof *c);
		*c = *d;
		KData *kd = xalloc(sizeof *kd);
		kd->func = f;
		kd->ret = ret;
		kd->maxactive = maxactive;
		c->fdata = kd;
		c->is_return = ret;
		c->ppfunc = f->name;
		/* the suffix as written: .call and .inline stay in pp() */
		c->pp_text = xsprintf("kernel.function(\"%s@%s:%d\")%s%s", f->name, f->decl_file, f->decl_line,
				      exported ? ".exported" : "",
				      ret ? ".return" : copies == OUT_OF_LINE && !exported ? ".call" :
				      copies == INLINED ? ".inline" : "");
		if (maxactive >= 0)
			c->pp_text = xsprintf("%s.maxactive(%" PRId64 ")", c->pp_text, maxactive);
		vec_push(out, c);
	}
	return true;
}

static const char *dummy_index(Node *n, void *arg)
{
	return "0";
}

bool target_is_pretty(const Node *n)
{
	if (str_startswith(n->name, "$$"))
		return true;
	vec_foreach(&n->comps, i)
		if (((Comp *)vec_get(&n->comps, i))->kind == COMP_PRETTY)
			return true;
	return false;
}

static void target_kernel(Session *s, DProbe *d, Node *n)
{
	KData *kd = d->fdata;
	if (n->kind != N_TARGET) {
		error_tok(n->tok, "this kind of target expression is not supported yet");
		return;
	}
	if (target_is_pretty(n)) {
		const char *code;
		const char *err = dw_pretty_code(s, kd->func, kd->func->low_pc, kd->ret, n, &code);
		if (err)
			error_tok(n->tok, "%s", err);
		n->type = TY_STRING;
		return;
	}
	const char *code;
	bool is_ret_value = str_eq(n->name, "$return");
	const char *err = dw_target_code(s, kd->func, kd->func->low_pc, kd->ret && is_ret_value,
					 n, dummy_index, NULL, &code);
	if (!err && (!kd->ret || is_ret_value))
		n->tvar_code = code;
	if (err) {
		if (s->skip_badvars) {
			n->type = TY_LONG;
			n->aux = (void *)"skip";
			return;
		}
		error_tok(n->tok, "%s", err);
		return;
	}
	n->type = TY_LONG;
}

/* Pass 3: C for n.  In .return probes everything but $return was saved at entry. */
static const char *code_kernel(Session *s, DProbe *d, Node *n, void *gen)
{
	KData *kd = d->fdata;
	if (n->aux && str_eq(n->aux, "skip"))
		return "((int64_t)0)";
	/* in a .return probe, $$parms and the like as they were at the call */
	if (target_is_pretty(n) && kd->ret && !d->in_entry && !str_eq(n->name, "$$return"))
		return translate_entry_slot(d, n);
	if (target_is_pretty(n)) {
		const char *body;
		const char *err = dw_pretty_code(s, kd->func, kd->func->low_pc, kd->ret, n, &body);
		if (err) {
			error_tok(n->tok, "%s", err);
			return "\"\"";
		}
		const char *buf = translate_string_temp(gen);
		return xsprintf("({ struct stp_out o; stp_out_init_str(&o, %s, MAXSTRINGLEN);\n%s%s; })",
				buf, body, buf);
	}
	const char *code;
	const char *(*index_expr)(Node *, void *) = translate_index_hook();
	(void)index_expr;
	bool is_ret_value = str_eq(n->name, "$return");
	const char *err = dw_target_code(s, kd->func, kd->func->low_pc, kd->ret && is_ret_value, n,
					 index_expr, gen, &code);
	if (err) {
		error_tok(n->tok, "%s", err);
		return "0";
	}
	if (!kd->ret || is_ret_value || d->in_entry)
		return code;
	/* read at the call, saved for the return */
	return translate_entry_slot(d, n);
}

static const char *store_kernel(Session *s, DProbe *d, Node *n, int op, const char *value, void *gen)
{
	KData *kd = d->fdata;
	return dwarf_store(s, d, NULL, kd->func, kd->func->low_pc, kd->ret, n, op, value, gen);
}

static bool kernel_is_ret(const DProbe *d)
{
	return ((KData *)d->fdata)->ret;
}

static void emit_kernel(Session *s, Buf *out, Vec *probes)
{
	uint64_t anchor;
	const char *anchor_name = dw_kaslr_anchor(s, &anchor);
	emit_kprobe_pres(out, probes, kernel_is_ret);
	buf_puts(out, "static struct stp_kprobe stp_kprobes[] = {\n");
	vec_foreach(probes, i) {
		DProbe *d = vec_get(probes, i);
		KData *kd = d->fdata;
		buf_printf(out, "\t{ .probe = &stp_probes[%d], .addr = 0x%" PRIx64 "UL", d->index, kd->func->low_pc);
		emit_kprobe_pre_field(out, probes, d, kd->ret);
		if (kd->ret) {
			buf_printf(out, ", .ret = true, .maxactive = %" PRId64, kd->maxactive);
			if (d->entry_exprs.len)
				buf_printf(out, ", .entry = %s_entry, .entry_slots = %s", d->cname, translate_entry_size(d));
		}
		buf_puts(out, " },\n");
	}
	buf_puts(out, "};\n\n");
	buf_printf(out, "static int stp_fam_kernel_register(void)\n{\n"
		   "\t/* KASLR: every kernel address moved by the same amount */\n"
		   "\tstp_kaslr_offset = (unsigned long)&%s - 0x%" PRIx64 "UL;\n"
		   "\treturn stp_kprobes_register(stp_kprobes, ARRAY_SIZE(stp_kprobes));\n}\n\n"
		   "static void stp_fam_kernel_unregister(void)\n{\n"
		   "\tstp_kprobes_unregister(stp_kprobes, ARRAY_SIZE(stp_kprobes));\n}\n\n",
		   anchor_name, anchor);
}

/* -p2: the pc comment after the probe point, as SystemTap prints it. */
void kernel_list_pc(Session *s, DProbe *d, FILE *out)
{
	KData *kd = d->fdata;
	fprintf(out, " /* pc=_stext+%#" PRIx64 " */", kd->func->low_pc - dw_stext());
}

/* -L: "$a:int $b:char*" after the probe point. */
void kernel_list_vars(Session *s, DProbe *d, Buf *out)
{
	KData *kd = d->fdata;
	dw_vars_text(s, kd->func, kd->ret, out);
}

static const char *const kernel_patterns[] = {
	"kernel.function(string)", "kernel.function(string).call", "kernel.function(string).inline",
	"kernel.function(string).return",
	"kernel.function(string).return.maxactive(number)", "kernel.function(string).exported",
	"kernel.function(string).exported.call", "kernel.function(string).exported.return", NULL,
};

const Family family_kernel = {
	.name = "kernel", .patterns = kernel_patterns, .expand = expand_kernel,
	.target = target_kernel, .target_code = code_kernel, .target_store = store_kernel,
	.list_pc = kernel_list_pc,
	.emit = emit_kernel, .registers = true, .context = "kernel",
};
