/* probe_trace.c - kernel.trace("SYSTEM:NAME") and kernel.trace("NAME")
 * tracepoint probes (wildcards in both parts).
 *
 * The kernel's DWARF names every tracepoint of vmlinux and its arguments
 * (dwarf.c: dw_tracepoints, from the __traceiter_NAME functions).  Each
 * probe registers a callback taking the tracepoint's arguments as 64-bit
 * words (runtime/stp_tracepoints.h); the callback hands an array of them
 * to the handler as the context's probe data, so `$prev->comm` is the
 * member chain applied to word 1 of that array, narrowed to the
 * argument's DWARF type.  There are no registers: c->regs is NULL.
 *
 * Target variables: each argument by name, $$name and $$system (strings),
 * $$parms and $$vars ("name=0x... name=0x...").  They are read-only.
 */
#include "stap.h"

#include <stdlib.h>
#include <string.h>

typedef struct TData {
	DwTracepoint *tp;
	Vec params;		/* DwParam*: the arguments, after the iterator's __data */
} TData;

/* kernel.trace(STR) with no other component. */
static bool parse_point(const ProbePoint *pp, const char **spec, const Tok **bad)
{
	if (!pp_is(pp, 2, "kernel", "trace"))
		return false;
	const PPComp *t = pp_comp(pp, 1);
	if (!t->arg || t->arg->kind != N_STR || pp_comp(pp, 0)->arg)
		return false;
	*spec = t->arg->str;
	if (pp->comps.len > 2)
		*bad = pp_comp(pp, 2)->tok;
	return true;
}

/* " (similar tracepoints: ...)": up to five names of the systems asked
 * for closest to `name`, for "no match" errors. */
static const char *similar_tracepoints(const char *sys_pat, const char *name, Vec *tps)
{
	const char *best[5];
	int dist[5], n = 0;
	vec_foreach(tps, i) {
		DwTracepoint *tp = vec_get(tps, i);
		if (!wildcard_match(sys_pat, tp->system))
			continue;
		int d = edit_distance(name, tp->name);
		bool dup = false;
		for (int k = 0; k < n; k++)
			dup = dup || str_eq(best[k], tp->name);
		if (dup || (n == 5 && d >= dist[4]))
			continue;
		int k = n < 5 ? n++ : 4;
		for (; k > 0 && dist[k - 1] > d; k--) {
			best[k] = best[k - 1];
			dist[k] = dist[k - 1];
		}
		best[k] = tp->name;
		dist[k] = d;
	}
	if (!n)
		return "";
	Buf b = {0};
	buf_puts(&b, " (similar tracepoints: ");
	for (int k = 0; k < n; k++)
		buf_printf(&b, "%s%s", k ? ", " : "", best[k]);
	buf_putc(&b, ')');
	return xstrdup(buf_cstr(&b));
}

static bool expand_trace(Session *s, DProbe *d, Vec *out)
{
	const char *spec;
	const Tok *bad = NULL;
	if (!parse_point(d->pp, &spec, &bad))
		return false;
	if (bad) {
		pp_error(d->pp, bad, "invalid suffix for probe");
		return true;
	}
	if (dw_kernel(s, d->pp->tok))
		return true;
	const char *colon = strchr(spec, ':');
	const char *sys_pat = colon ? xstrndup(spec, (size_t)(colon - spec)) : "*";
	const char *name_pat = colon ? colon + 1 : spec;
	Vec *all = dw_tracepoints(s);
	int found = 0;
	vec_foreach(all, i) {
		DwTracepoint *tp = vec_get(all, i);
		if (!wildcard_match(sys_pat, tp->system) || !wildcard_match(name_pat, tp->name))
			continue;
		DProbe *c = xalloc(sizeof *c);
		*c = *d;
		TData *td = xalloc(sizeof *td);
		td->tp = tp;
		Vec params = {0};
		dw_params(s, tp->iter, &params);
		for (int k = 1; k < params.len; k++)
			vec_push(&td->params, vec_get(&params, k));
		c->fdata = td;
		c->pp_text = xsprintf("kernel.trace(\"%s:%s\")", tp->system, tp->name);
		vec_push(out, c);
		found++;
	}
	if (!found && !d->pp->optional)
		pp_error(d->pp, NULL, "no match%s", similar_tracepoints(sys_pat, name_pat, all));
	return true;
}

static int param_index(TData *td, const char *name)
{
	vec_foreach(&td->params, i)
		if (str_eq(((DwParam *)vec_get(&td->params, i))->name, name))
			return i;
	return -1;
}

static const char *asked_name;	/* for by_distance */

static int by_distance(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int dx = edit_distance(asked_name, x + 1), dy = edit_distance(asked_name, y + 1);
	return dx != dy ? (dx < dy ? -1 : 1) : strcmp(x, y);
}

/* SystemTap's list: the arguments and $$ names, nearest to the name asked
 * for first (then in name order). */
static const char *alternatives(TData *td, const char *asked)
{
	Vec names = {0};
	vec_foreach(&td->params, i)
		vec_push(&names, xsprintf("$%s", ((DwParam *)vec_get(&td->params, i))->name));
	vec_push(&names, "$$name");
	vec_push(&names, "$$vars");
	vec_push(&names, "$$parms");
	asked_name = asked + 1;
	vec_sort(&names, by_distance);
	Buf b = {0};
	vec_foreach(&names, i)
		buf_printf(&b, "%s%s", i ? ", " : "", (char *)vec_get(&names, i));
	return xstrdup(buf_cstr(&b));
}

static bool is_special(const char *name)
{
	return str_eq(name, "$$name") || str_eq(name, "$$system") || str_eq(name, "$$parms") ||
	       str_eq(name, "$$vars");
}

static const char *dummy_index(Node *n, void *arg)
{
	return "0";
}

#define WORD "((uint64_t *)c->entry_data)[%d]"	/* argument i */

static const char *arg_word(int i)
{
	return xsprintf(WORD, i);
}

static bool is_pretty(const Node *n)
{
	if (str_eq(n->name, "$$parms") || str_eq(n->name, "$$vars"))
		return true;
	vec_foreach(&n->comps, i)
		if (((Comp *)vec_get(&n->comps, i))->kind == COMP_PRETTY)
			return true;
	return false;
}

static void target_trace(Session *s, DProbe *d, Node *n)
{
	TData *td = d->fdata;
	if (n->kind != N_TARGET) {
		error_tok(n->tok, "this kind of target expression is not supported yet");
		return;
	}
	if (is_special(n->name)) {
		vec_foreach(&n->comps, k) {
			Comp *c = vec_get(&n->comps, k);
			if (c->kind == COMP_MEMBER)
				error_tok(c->tok, "tracepoint variable '%s' may not be used as a structure", n->name);
			else if (c->kind != COMP_PRETTY)
				error_tok(c->tok, "tracepoint variable '%s' may not be used as array", n->name);
			else if (!str_eq(n->name, "$$parms") && !str_eq(n->name, "$$vars"))
				error_tok(n->tok, "tracepoint variable '%s' may not be pretty-printed", n->name);
			else
				continue;
			return;
		}
		n->type = TY_STRING;
		return;
	}
	int i = param_index(td, n->name + 1);
	if (i < 0 || str_startswith(n->name, "$$")) {
		if (s->skip_badvars) {
			n->type = TY_LONG;
			n->aux = (void *)"skip";
			return;
		}
		error_tok(n->tok, "unable to find tracepoint variable '%s' (alternatives: %s)", n->name,
			  alternatives(td, n->name));
		return;
	}
	const char *code;
	const char *err = is_pretty(n) ? dw_params_pretty(s, td->tp->iter, 1, WORD, n, &code)
				       : dw_param_code(s, td->tp->iter, i + 1, arg_word(i), n, dummy_index, NULL, &code);
	if (err) {
		error_tok(n->tok, "%s", err);
		return;
	}
	/* -p2 lists SystemTap's local per argument (in parameter order), and
	 * its function per member chain read */
	family_note_local(d, xsprintf("__tracepoint_arg_%s", n->name + 1), n->tok, i);
	if (!is_pretty(n) && n->comps.len) {
		n->tvar_code = code;
		n->tvar_tp = true;
	}
	n->type = is_pretty(n) ? TY_STRING : TY_LONG;
}

/* $$parms, $$vars, $arg$: formatted into a string temporary. */
static const char *pretty_code(Session *s, TData *td, Node *n, void *gen)
{
	const char *body;
	const char *err = dw_params_pretty(s, td->tp->iter, 1, WORD, n, &body);
	if (err) {
		error_tok(n->tok, "%s", err);
		return "\"\"";
	}
	const char *buf = translate_string_temp(gen);
	return xsprintf("({ struct stp_out o; stp_out_init_str(&o, %s, MAXSTRINGLEN);\n%s%s; })", buf, body, buf);
}

static const char *code_trace(Session *s, DProbe *d, Node *n, void *gen)
{
	TData *td = d->fdata;
	if (n->aux && str_eq(n->aux, "skip"))
		return "((int64_t)0)";
	if (str_eq(n->name, "$$name"))
		return xsprintf("\"%s\"", td->tp->name);
	if (str_eq(n->name, "$$system"))
		return xsprintf("\"%s\"", td->tp->system);
	if (is_pretty(n))
		return pretty_code(s, td, n, gen);
	int i = param_index(td, n->name + 1);
	const char *code;
	const char *err = dw_param_code(s, td->tp->iter, i + 1, arg_word(i), n, translate_index_hook(), gen,
					&code);
	if (err) {
		error_tok(n->tok, "%s", err);
		return "((int64_t)0)";
	}
	return code;
}

/* Target variables are the handler's copies: writing them is refused. */
static const char *store_trace(Session *s, DProbe *d, Node *n, int op, const char *value, void *gen)
{
	if (n->type == TY_UNKNOWN)
		return NULL;	/* not a variable here: reported already */
	if (!s->guru)
		error_tok(n->tok, "write to tracepoint variable '%s' not permitted; need stap -g", n->name);
	else
		error_tok(n->tok, "write to tracepoint variable '%s' is not supported", n->name);
	return NULL;
}

/* One callback per number of arguments: (data, a0, ..., aN-1) -> words. */
static void emit_callback(Buf *out, int nargs)
{
	buf_printf(out, "static void stp_tp_cb%d(void *data", nargs);
	for (int i = 0; i < nargs; i++)
		buf_printf(out, ", u64 a%d", i);
	buf_puts(out, ")\n{\n");
	if (nargs) {
		buf_printf(out, "\tu64 args[%d] = {", nargs);
		for (int i = 0; i < nargs; i++)
			buf_printf(out, "%s a%d", i ? "," : "", i);
		buf_puts(out, " };\n\n\tstp_tracepoint_hit(data, args);\n}\n\n");
	} else {
		buf_puts(out, "\tstp_tracepoint_hit(data, NULL);\n}\n\n");
	}
}

static void emit_trace(Session *s, Buf *out, Vec *probes)
{
	bool done[64] = {0};
	buf_puts(out, "#include \"stp_tracepoints.h\"\n\n");
	vec_foreach(probes, i) {
		TData *td = ((DProbe *)vec_get(probes, i))->fdata;
		int n = td->params.len;
		if (n < 64 && !done[n]) {
			emit_callback(out, n);
			done[n] = true;
		}
	}
	buf_puts(out, "static struct stp_tracepoint stp_tracepoints[] = {\n");
	vec_foreach(probes, i) {
		DProbe *d = vec_get(probes, i);
		TData *td = d->fdata;
		bool ok = true;
		vec_foreach(&td->params, k)
			ok = ok && ((DwParam *)vec_get(&td->params, k))->scalar;
		buf_printf(out, "\t{ .probe = &stp_probes[%d], .name = \"%s\", .callback = %s },\n", d->index,
			   td->tp->name, ok ? xsprintf("(void *)stp_tp_cb%d", td->params.len) : "NULL");
	}
	buf_puts(out, "};\n\n"
		 "static int stp_fam_trace_register(void)\n{\n"
		 "\treturn stp_tracepoints_register(stp_tracepoints, ARRAY_SIZE(stp_tracepoints));\n}\n\n"
		 "static void stp_fam_trace_unregister(void)\n{\n"
		 "\tstp_tracepoints_unregister(stp_tracepoints, ARRAY_SIZE(stp_tracepoints));\n}\n\n");
}

/* -L: " $prev:struct task_struct* ..." */
static void list_trace(Session *s, DProbe *d, Buf *out)
{
	TData *td = d->fdata;
	vec_foreach(&td->params, i) {
		DwParam *p = vec_get(&td->params, i);
		buf_printf(out, " $%s:%s", p->name, p->type);
	}
}

static const char *const trace_patterns[] = { "kernel.trace(string)", NULL };

const Family family_trace = {
	.name = "trace", .patterns = trace_patterns, .expand = expand_trace,
	.target = target_trace, .target_code = code_trace, .target_store = store_trace,
	.list_vars = list_trace, .emit = emit_trace, .registers = true, .context = "any",
};
