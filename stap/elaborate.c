/* elaborate.c - pass 2: resolve names, expand probes, infer types.
 *
 * Steps, in order:
 *   1. probes: every probe point of the user script is expanded through
 *      aliases (tapset or script; wildcards; suffixes) and matched to a
 *      probe family (probes.c), giving one DProbe per concrete point;
 *   2. symbols: each DProbe body and every function it reaches is walked;
 *      identifiers become locals or globals, calls find script or tapset
 *      functions (tapsets.c loads defining files on demand);
 *   3. types: long/string/stats are inferred to a fixpoint over all bodies;
 *   4. checks: unresolved types, arity, privilege; unused variables are
 *      reported and, unless -u, elided.
 * Errors are collected; the pass fails at its end if there were any.
 */
#include "ast.h"
#include "regex.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <unistd.h>

/* The body being resolved: a probe or a function. */
typedef struct Scope {
	Vec *locals;		/* Var* */
	Vec *params;		/* Var* (functions) */
	SrcFile *file;		/* for private names */
	Func *func;		/* NULL in a probe */
	DProbe *probe;
	bool in_cond;		/* a probe point's `if (...)` */
} Scope;

static Session *S;

/* ================================================================ lookup */

Var *lookup_global(Session *s, const char *name, SrcFile *from)
{
	vec_foreach(&s->globals, i) {
		Var *v = vec_get(&s->globals, i);
		if (str_eq(v->name, name) && (!v->is_private || v->file == from))
			return v;
	}
	return NULL;
}

static Var *lookup_local(Scope *sc, const char *name)
{
	if (sc->params)
		vec_foreach(sc->params, i) {
			Var *v = vec_get(sc->params, i);
			if (str_eq(v->name, name))
				return v;
		}
	vec_foreach(sc->locals, i) {
		Var *v = vec_get(sc->locals, i);
		if (str_eq(v->name, name))
			return v;
	}
	return NULL;
}

static Var *new_local(Scope *sc, Tok *tok, const char *name)
{
	Var *v = xalloc(sizeof *v);
	v->name = name;
	v->tok = tok;
	v->arity = -1;
	v->index = sc->locals->len;
	vec_push(sc->locals, v);
	return v;
}

/* Register a file's declarations with the session. */
static Vec tapset_probes;	/* Probe* of tapset files loaded, not yet resolved */

static void add_file(Session *s, Stapfile *f)
{
	vec_foreach(&f->globals, i) {
		Var *v = vec_get(&f->globals, i);
		Var *old = lookup_global(s, v->name, f->src);
		if (old && old->file == v->file) {
			error_tok(v->tok, "duplicate global variable '%s'", v->name);
			continue;
		}
		if (old && !f->src->is_tapset && !old->file->is_tapset) {
			error_tok(v->tok, "duplicate global variable '%s'", v->name);
			continue;
		}
		v->index = s->globals.len;
		vec_push(&s->globals, v);
	}
	vec_foreach(&f->funcs, i)
		vec_push(&s->funcs, vec_get(&f->funcs, i));
	vec_foreach(&f->aliases, i)
		vec_push(&s->aliases, vec_get(&f->aliases, i));
	/* a tapset's own probes (begin, or probes keeping its globals up to
	 * date) come with it when the script uses it */
	if (f->src->is_tapset)
		vec_foreach(&f->probes, i)
			vec_push(&tapset_probes, vec_get(&f->probes, i));
}

void elaborate_add_file(Session *s, Stapfile *f)
{
	add_file(s, f);
}

/* Functions named `name` visible from `from`, script ones first. */
static void find_funcs(const char *name, SrcFile *from, Vec *out)
{
	vec_foreach(&S->funcs, i) {
		Func *f = vec_get(&S->funcs, i);
		if (str_eq(f->name, name) && (!f->is_private || f->file == from))
			vec_push(out, f);
	}
}

const char *similar_names(const char *name, Vec *cands)
{
	return similar_names_as("similar", name, cands);
}

/* " (LABEL: a, b, c)": the nearest names, or "" */
const char *similar_names_as(const char *label, const char *name, Vec *cands)
{
	/* up to five candidates with the smallest edit distance */
	const char *best[5] = {0};
	int dist[5];
	int n = 0;
	vec_foreach(cands, i) {
		const char *c = vec_get(cands, i);
		int d = edit_distance(name, c);
		if (d > 5)
			continue;
		bool dup = false;
		for (int k = 0; k < n; k++)
			if (str_eq(best[k], c))
				dup = true;
		if (dup)
			continue;
		int k;
		if (n < 5)
			k = n++;
		else if (d < dist[4])
			k = 4;
		else
			continue;
		best[k] = c;
		dist[k] = d;
		for (; k > 0 && dist[k] < dist[k - 1]; k--) {
			const char *t = best[k]; best[k] = best[k - 1]; best[k - 1] = t;
			int td = dist[k]; dist[k] = dist[k - 1]; dist[k - 1] = td;
		}
	}
	if (!n)
		return "";
	Buf b = {0};
	buf_printf(&b, " (%s: ", label);
	for (int k = 0; k < n; k++)
		buf_printf(&b, "%s%s", k ? ", " : "", best[k]);
	buf_putc(&b, ')');
	return xstrdup(buf_cstr(&b));
}

/* ================================================================ symbols */

static void resolve_expr(Scope *sc, Node *n);
static void resolve_stmt(Scope *sc, Node *n);
static void resolve_func(Func *f);

/* Does expression n use a variable or call a function? */
static bool mentions_names(Node *n)
{
	if (!n)
		return false;
	if (n->kind == N_SYM || n->kind == N_INDEX || n->kind == N_CALL || n->kind == N_PRINT)
		return true;
	if (mentions_names(n->lhs) || mentions_names(n->rhs) || mentions_names(n->cond))
		return true;
	vec_foreach(&n->args, i)
		if (mentions_names(vec_get(&n->args, i)))
			return true;
	return false;
}

/* SystemTap adds a global to the session at its first reference: probe
 * bodies in order (each before its condition), then function bodies in
 * name order.  That order is the -p2 listing's and the end display's. */
static int global_ref_seq;

static void note_global_ref(Scope *sc, Var *v)
{
	if (sc->func)
		vec_push(&sc->func->global_refs, v);
	else if (!v->ref_seq)
		v->ref_seq = ++global_ref_seq;
}

int func_cmp_name(const void *a, const void *b)
{
	return strcmp((*(Func *const *)a)->name, (*(Func *const *)b)->name);
}

static int cmp_ref_seq(const void *a, const void *b)
{
	const Var *x = *(Var *const *)a, *y = *(Var *const *)b;
	int kx = x->ref_seq ? x->ref_seq : INT_MAX, ky = y->ref_seq ? y->ref_seq : INT_MAX;
	if (kx != ky)
		return kx < ky ? -1 : 1;
	return x->index - y->index;	/* unreferenced: declaration order */
}

/* SystemTap synthesizes a function per target variable read, named by the
 * script file, the variable and a running count; reads with the same code
 * share the first one's.  -p2 lists those still used (listing.c). */
static Vec tvar_codes, tvar_names;
static int entry_depth;		/* inside @entry(...) */
static int tvar_seq;

static void name_tvar_func(Scope *sc, Node *n)
{
	int seq = tvar_seq++;
	const char *key = n->tvar_write ? xsprintf("set:%s", n->tvar_code) : n->tvar_code;
	vec_foreach(&tvar_codes, i)
		if (str_eq(vec_get(&tvar_codes, i), key)) {
			n->tvar_func = vec_get(&tvar_names, i);
			return;
		}
	const char *path = n->tok && n->tok->loc.file ? n->tok->loc.file->name : "";
	char *file = xstrdup(path);
	for (char *p = file; *p; p++)
		if (!isalnum((unsigned char)*p))
			*p = '_';
	n->tvar_func = xsprintf("__private_%s__%s_tvar_%s_%s_%d", file, n->tvar_tp ? "tracepoint" : "dwarf",
				n->tvar_write ? "set" : "get", n->name + 1, seq);
	vec_push(&tvar_codes, (void *)key);
	vec_push(&tvar_names, n->tvar_func);
}

/* The errors of target expressions still in the tree (see N_TARGET). */
/* print, println, sprint, sprintln: no format gives their arguments a type */
static bool is_untyped_print(const Node *n)
{
	return n->kind == N_PRINT && (str_eq(n->name, "print") || str_eq(n->name, "println") ||
				      str_eq(n->name, "sprint") || str_eq(n->name, "sprintln"));
}

static void say_deferred_node(const Node *n, void *arg)
{
	/* a failed variable printed as is (print, println, sprint,
	 * sprintln: no format to type it) is also of unresolved type, which
	 * SystemTap says, and repeats (counted, not printed) */
	if (is_untyped_print(n)) {
		vec_foreach(&n->args, i) {
			Node *a = vec_get(&n->args, i);
			if (a->kind != N_TARGET || !a->deferred_errors)
				continue;
			diag_replay(a->deferred_errors);
			a->deferred_errors = NULL;
			error_tok(a->tok, "unresolved type ");
			error_tok(a->tok, "unresolved type ");
		}
	}
	if (n->deferred_errors)
		diag_replay(n->deferred_errors);
}

/* An @cast that failed, printed as is: SystemTap also finds its type
 * unresolved (said once, repeated twice more). */
static void untyped_cast_prints(const Node *n, void *arg)
{
	if (!is_untyped_print(n))
		return;
	vec_foreach(&n->args, i) {
		Node *a = vec_get(&n->args, i);
		if (a->kind == N_CAST && a->type == TY_UNKNOWN)
			for (int k = 0; k < 3; k++)
				error_tok(a->tok, "unresolved type ");
	}
}

static void say_deferred(const Node *n)
{
	ast_visit(n, say_deferred_node, NULL);
}

static bool names_global(const Node *n)
{
	if (!n)
		return false;
	if (n->var && n->var->is_global)
		return true;
	if (names_global(n->lhs) || names_global(n->rhs) || names_global(n->cond) ||
	    names_global(n->then) || names_global(n->els))
		return true;
	vec_foreach(&n->args, i)
		if (names_global(vec_get(&n->args, i)))
			return true;
	return false;
}

static void order_globals(Session *s)
{
	Vec funcs = vec_sorted(&s->used_funcs, func_cmp_name);
	vec_foreach(&funcs, i) {
		Func *f = vec_get(&funcs, i);
		vec_foreach(&f->global_refs, k) {
			Var *v = vec_get(&f->global_refs, k);
			if (!v->ref_seq)
				v->ref_seq = ++global_ref_seq;
		}
	}
	vec_sort(&s->globals, cmp_ref_seq);
	vec_foreach(&s->globals, i)
		((Var *)vec_get(&s->globals, i))->index = i;
}

/* Private names are those of the file the code was written in: an alias
 * body from a tapset sees its file's privates inside the user's probe. */
static SrcFile *code_file(Scope *sc, const Node *n)
{
	return n->tok && n->tok->loc.file ? n->tok->loc.file : sc->file;
}

static Var *resolve_name(Scope *sc, Node *n, int arity)
{
	Var *v = lookup_local(sc, n->name);
	if (v)
		return v;	/* a local used as an array: use_var reports the arity */
	v = lookup_global(S, n->name, code_file(sc, n));
	if (!v) {
		tapsets_need_global(S, n->name);
		v = lookup_global(S, n->name, code_file(sc, n));
	}
	if (v) {
		note_global_ref(sc, v);
		return v;
	}
	if (arity > 0) {
		error_tok(n->tok, "unresolved arity-%d global array %s, missing global declaration?",
			  arity, n->name);
		return NULL;
	}
	if (sc->in_cond) {
		error_tok(n->tok, "probe condition must not reference undeclared global");
		return NULL;
	}
	return new_local(sc, n->tok, n->name);
}

static void use_var(Var *v, Node *n, int arity)
{
	if (!v)
		return;
	n->var = v;
	if (arity < 0)
		return;
	if (v->arity < 0 && v->is_array_decl && arity == 0) {
		error_tok(n->tok, "inconsistent arity (0 vs array)");
		return;
	}
	if (v->arity < 0) {
		v->arity = arity;
		v->arity_tok = n->tok;
		if (arity > 0) {
			v->key_types = xalloc(sizeof(Type) * (size_t)arity);
			v->key_toks = xalloc(sizeof(Tok *) * (size_t)arity);
			v->is_array_decl = true;
		}
		return;
	}
	if (v->arity != arity) {
		error_tok(n->tok, "inconsistent arity (%d vs %d)", v->arity, arity);
		if (v->arity_tok)
			error_tok(v->arity_tok, "arity %d first inferred here", v->arity);
	}
}

/* site: which SystemTap check it is (its repeats are counted apart) */
static void resolve_array_ref(Scope *sc, Node *arr, int arity, const char *site)
{
	g_diag_site = site;
	Var *v = resolve_name(sc, arr, arity);
	g_diag_site = NULL;
	use_var(v, arr, arity);
}

static int64_t func_priority(const Func *f)
{
	return f->priority_given ? f->priority : f->file->is_tapset ? 1 : 0;
}

static void resolve_call(Scope *sc, Node *n)
{
	vec_foreach(&n->args, i)
		resolve_expr(sc, vec_get(&n->args, i));
	Vec cands = {0};
	find_funcs(n->name, code_file(sc, n), &cands);
	if (!cands.len) {
		tapsets_need_function(S, n->name);
		find_funcs(n->name, code_file(sc, n), &cands);
	}
	if (!cands.len) {
		Vec *names = tapsets_function_names(S);
		Vec all = {0};
		vec_foreach(&S->funcs, i)
			vec_push(&all, (void *)((Func *)vec_get(&S->funcs, i))->name);
		vec_foreach(names, i)
			vec_push(&all, vec_get(names, i));
		error_tok(n->tok, "unresolved function %s%s", n->name, similar_names(n->name, &all));
		return;
	}
	/* same-arity candidates in priority order (scripts 0, tapsets 1 by
	 * default; declaration order on ties): `next` moves down this list */
	Vec same = {0};
	vec_foreach(&cands, i) {
		Func *f = vec_get(&cands, i);
		if (f->params.len == n->args.len)
			vec_push(&same, f);
	}
	for (int i = 1; i < same.len; i++)
		for (int j = i; j > 0 && func_priority(vec_get(&same, j)) < func_priority(vec_get(&same, j - 1)); j--) {
			void *t = same.data[j];
			same.data[j] = same.data[j - 1];
			same.data[j - 1] = t;
		}
	Func *pick = same.len ? vec_get(&same, 0) : NULL;
	if (!pick) {
		Func *f = vec_get(&cands, 0);
		error_tok(n->tok, "arity mismatch found (function '%s' takes %d args)", f->name,
			  f->params.len);
		diag_also(f->tok);
		return;
	}
	if ((pick->c_flags & FC_GURU) && !S->guru && !sc->file->is_tapset)
		error_tok(n->tok, "function may not be used unless -g is specified");
	n->func = pick;
	n->overloads = same;
	vec_foreach(&same, i)
		resolve_func(vec_get(&same, i));
}

static const char *dummy_index(Node *n, void *arg)
{
	return "0";
}

static void resolve_expr(Scope *sc, Node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case N_NUM:
	case N_STR:
	case N_STAR:
	case N_CONST:
	case N_EMBEDDED_EXPR:
		break;
	case N_SYM:
		use_var(resolve_name(sc, n, 0), n, 0);
		break;
	case N_INDEX:
		resolve_array_ref(sc, n->lhs, n->args.len, "index");
		n->var = n->lhs->var;
		vec_foreach(&n->args, i)
			resolve_expr(sc, vec_get(&n->args, i));
		break;
	case N_CALL:
		resolve_call(sc, n);
		break;
	case N_PRINT:
	case N_DEREF:
		vec_foreach(&n->args, i)
			resolve_expr(sc, vec_get(&n->args, i));
		break;
	case N_IN:
		resolve_array_ref(sc, n->lhs, n->args.len, "index");	/* one check in SystemTap */
		n->var = n->lhs->var;
		vec_foreach(&n->args, i)
			resolve_expr(sc, vec_get(&n->args, i));
		break;
	case N_BINARY:
	case N_ASSIGN:
	case N_STATADD:
		if (n->kind == N_ASSIGN && n->lhs->kind == N_TARGET)
			n->lhs->tvar_write = true;
		resolve_expr(sc, n->lhs);
		resolve_expr(sc, n->rhs);
		/* the probe's family says whether its target variable is writable */
		if (n->kind == N_ASSIGN && n->lhs->kind == N_TARGET && sc->probe &&
		    sc->probe->family->target_store)
			sc->probe->family->target_store(S, sc->probe, n->lhs, n->op, NULL, NULL);
		break;
	case N_TERNARY:
		resolve_expr(sc, n->cond);
		if (n->cond->kind == N_NUM) {
			/* @defined(...) ? a : b is decided now; only one side must resolve */
			*n = *(n->cond->num ? n->lhs : n->rhs);
			resolve_expr(sc, n);
			break;
		}
		resolve_expr(sc, n->lhs);
		resolve_expr(sc, n->rhs);
		break;
	case N_DEFINED: {
		Node *e = n->lhs;
		bool def = true;
		if (e->kind == N_TARGET || e->kind == N_CAST || e->kind == N_ATVAR) {
			int errs = g_errors;
			g_diag_quiet++;
			resolve_expr(sc, e);
			g_diag_quiet--;
			if (g_errors != errs)
				def = false;
			g_errors = errs;
		} else {
			/* SystemTap: variables and calls are never "defined" */
			resolve_expr(sc, e);
			def = !mentions_names(e);
			if (e->kind == N_SYM && e->var)
				e->var->in_defined = true;
		}
		n->kind = N_NUM;
		n->num = def;
		n->type = TY_LONG;
		n->lhs = NULL;	/* the operand is gone: it reads nothing */
		break;
	}
	case N_HISTIDX:
		resolve_expr(sc, n->lhs);
		resolve_expr(sc, n->rhs);
		break;
	case N_STATOP:
	case N_HIST:
		resolve_expr(sc, n->lhs);
		vec_foreach(&n->args, i)
			resolve_expr(sc, vec_get(&n->args, i));
		break;
	case N_ENTRY:
		if (sc->probe && !sc->probe->is_return && !sc->func) {
			error_tok(NULL, "while processing probe %s", pp_string(sc->probe->pp));
			error_tok(n->tok, "internal error: @entry is only valid in .return probes");
			break;
		}
		entry_depth++;
		resolve_expr(sc, n->lhs);
		entry_depth--;
		break;
	case N_UNARY:
		if (n->op == '&')
			error_tok(n->tok, "the address-of operator applies to target variables only");
		/* fall through */
	case N_INCDEC:
	case N_REGEX:
	case N_REGISTER:
		resolve_expr(sc, n->lhs);
		break;
	case N_PROBEWRITE:
		/* Only SystemTap itself makes these (for conditional probes).
		 * In a handler its error escapes pass 2 uncaught. */
		error_tok(n->tok, "unexpected @probewrite");
		if (!sc->in_cond)
			S->uncaught = "unexpected @probewrite";
		break;
	case N_CAST:
	case N_ATVAR: {
		resolve_expr(sc, n->lhs);
		vec_foreach(&n->comps, i) {
			Comp *c = vec_get(&n->comps, i);
			if (c->expr)
				resolve_expr(sc, c->expr);
		}
		/* Without a module, @cast looks in the probe's own DWARF module:
		 * outside kernel.function/statement handlers there is none. */
		if (!n->name && !(sc->probe && sc->probe->family->list_pc)) {
			if (n->kind == N_CAST)
				error_tok(n->tok, "type definition '%s' not found in ''", n->str);
			else
				error_tok(n->tok, "unresolved @var() expression");
			break;
		}
		const char *code;
		const char *err = n->kind == N_CAST ? dw_cast_code(S, n, "0", dummy_index, NULL, &code)
						    : dw_atvar_code(S, n, dummy_index, NULL, &code);
		if (err && str_eq(err, "pretty"))
			n->type = TY_STRING;
		else if (err)
			error_tok(n->tok, "%s", err);
		else
			n->type = TY_LONG;
		break;
	}
	case N_TARGET:
		resolve_expr(sc, n->lhs);
		vec_foreach(&n->comps, i) {
			Comp *c = vec_get(&n->comps, i);
			if (c->expr)
				resolve_expr(sc, c->expr);
		}
		if (!sc->probe) {
			error_tok(n->tok, "unresolved target-symbol expression");
			break;
		}
		if (!sc->probe->family->target) {
			error_tok(n->tok, "unresolved target-symbol expression");
			break;
		}
		{
			/* a variable that cannot be read is an error only if its
			 * expression survives optimization (an alias's unused
			 * variable does not) */
			Vec *errs = xalloc(sizeof *errs);
			Vec *outer = g_diag_capture;
			g_diag_capture = errs;
			sc->probe->family->target(S, sc->probe, n);
			g_diag_capture = outer;
			/* a variable read in a .return probe is its value at the
			 * entry: SystemTap warns the script (not its tapsets) */
			if (!errs->len && sc->probe->is_return && !entry_depth && !g_diag_quiet &&
			    !str_eq(n->name, "$return") && !str_eq(n->name, "$$return") && n->tok && n->tok->loc.file &&
			    !n->tok->loc.file->is_tapset) {
				Buf e = {0};
				dump_expr(&e, n);
				warn_tok(n->tok, "confusing usage, value is captured as @entry(%s) in .return probe "
					 "[man stapprobes] RETURN PROBES", buf_cstr(&e));
			}
			/* (in @defined the count moves, the function is dropped) */
			if (!errs->len && n->tvar_code && g_diag_quiet)
				tvar_seq++;
			else if (!errs->len && n->tvar_code && !(n->tok && n->tok->loc.file &&
								 n->tok->loc.file->is_tapset))
				name_tvar_func(sc, n);	/* (a tapset's would be named
							 * by where it is installed) */
			else if (!errs->len && n->tvar_code)
				tvar_seq++;
			if (errs->len) {
				n->deferred_errors = errs;
				/* typed as it would have been, for whoever still
				 * looks (a listing, the alias variable it sets) */
				if (n->type == TY_UNKNOWN)
					n->type = target_is_pretty(n) ? TY_STRING : TY_LONG;
			}
		}
		break;
	default:
		resolve_stmt(sc, n);
	}
}

static void resolve_stmt(Scope *sc, Node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case N_BLOCK:
		vec_foreach(&n->stmts, i)
			resolve_stmt(sc, vec_get(&n->stmts, i));
		break;
	case N_EXPR_STMT:
	case N_RETURN:
		resolve_expr(sc, n->lhs);
		break;
	case N_DELETE:
		if (n->lhs->kind == N_SYM && !lookup_local(sc, n->lhs->name) &&
		    !lookup_global(S, n->lhs->name, sc->file) &&
		    (tapsets_need_global(S, n->lhs->name), !lookup_global(S, n->lhs->name, sc->file)))
			error_tok(n->lhs->tok, "unresolved array in delete statement");
		else if (n->lhs->kind == N_SYM)
			use_var(resolve_name(sc, n->lhs, 0), n->lhs, -1);
		else
			resolve_expr(sc, n->lhs);
		break;
	case N_IF:
		resolve_expr(sc, n->cond);
		if (n->cond->kind == N_NUM && n->cond->tok && n->cond->tok->kind == T_ATOP) {
			/* if (@defined(...)) decided at compile time */
			Node *keep = n->cond->num ? n->then : n->els;
			if (keep) {
				*n = *keep;
				resolve_stmt(sc, n);
			} else {
				n->kind = N_NULL;
			}
			break;
		}
		resolve_stmt(sc, n->then);
		resolve_stmt(sc, n->els);
		break;
	case N_FOR:
		resolve_expr(sc, n->init);
		resolve_expr(sc, n->cond);
		resolve_expr(sc, n->incr);
		resolve_stmt(sc, n->then);
		break;
	case N_FOREACH: {
		Foreach *fe = n->fe;
		if (fe->array->kind == N_HIST) {	/* the bucket indexes */
			resolve_expr(sc, fe->array);
			fe->array->var = fe->array->lhs->var;
			if (fe->keys.len != 1 || fe->value)
				error_tok(n->tok, "foreach over a histogram takes one bucket variable");
			vec_foreach(&fe->keys, i) {
				Node *k = vec_get(&fe->keys, i);
				Var *v = lookup_local(sc, k->name);
				use_var(v ? v : new_local(sc, k->tok, k->name), k, 0);
			}
			resolve_expr(sc, fe->limit);
			resolve_stmt(sc, n->then);
			break;
		}
		Node *arr = fe->array->kind == N_INDEX ? fe->array->lhs : fe->array;
		resolve_array_ref(sc, arr, fe->keys.len, "foreach");
		fe->array->var = arr->var;
		if (fe->array->kind == N_INDEX)
			vec_foreach(&fe->array->args, i)
				resolve_expr(sc, vec_get(&fe->array->args, i));
		vec_foreach(&fe->keys, i) {
			Node *k = vec_get(&fe->keys, i);
			Var *v = lookup_local(sc, k->name);
			if (!v && lookup_global(S, k->name, sc->file))
				error_tok(k->tok, "foreach iteration variable '%s' must be local", k->name);
			use_var(v ? v : new_local(sc, k->tok, k->name), k, 0);
		}
		if (fe->value) {
			Var *v = lookup_local(sc, fe->value->name);
			use_var(v ? v : new_local(sc, fe->value->tok, fe->value->name), fe->value, 0);
		}
		resolve_expr(sc, fe->limit);
		resolve_stmt(sc, n->then);
		break;
	}
	case N_TRY:
		resolve_stmt(sc, n->then);
		if (n->catch_var) {
			Node sym = { .kind = N_SYM, .tok = n->catch_tok, .name = n->catch_var };
			Var *v = lookup_local(sc, n->catch_var);
			if (!v)
				v = new_local(sc, n->catch_tok, n->catch_var);
			n->var = v;
			v->written = true;
			(void)sym;
		}
		resolve_stmt(sc, n->els);
		break;
	case N_NEXT:
	case N_BREAK:
	case N_CONTINUE:
	case N_NULL:
	case N_EMBEDDED:
		break;
	default:
		resolve_expr(sc, n);
	}
}

static void resolve_func(Func *f)
{
	if (f->used)
		return;
	f->used = true;
	f->index = S->used_funcs.len;
	vec_push(&S->used_funcs, f);
	Scope sc = { .locals = &f->locals, .params = &f->params, .file = f->file, .func = f };
	vec_foreach(&f->params, i) {
		Var *p = vec_get(&f->params, i);
		p->arity = 0;
		p->index = i;
	}
	resolve_stmt(&sc, f->body);
}

/* ================================================================ types */

static int changes;		/* type facts learned in this round */
static bool infer_from_calls;	/* rounds after the first fixpoint: a call's
				 * context types a function that has none */

/* An integer expression of literals only (what SystemTap folds). */
static bool is_const_long(const Node *n)
{
	switch (n->kind) {
	case N_NUM:
		return true;
	case N_UNARY:
		return is_const_long(n->lhs);
	case N_BINARY:
		return n->op != '.' && is_const_long(n->lhs) && is_const_long(n->rhs);
	default:
		return false;
	}
}
static bool final_round;	/* report unresolved types */

/* SystemTap's two layouts: a variable or function whose type was inferred
 * elsewhere points there; anything else says what was expected. */
static void type_error(Node *n, Type want, Type got)
{
	Var *v = n->kind == N_SYM || n->kind == N_INDEX ? n->var : NULL;
	Tok *first = v ? v->type_tok : n->kind == N_CALL && n->func ? n->func->ret_tok : NULL;
	if (first && v && v->is_param) {
		error_tok(n->tok, "index %d type mismatch (%s)", v->param_index, type_name(want));
		error_tok(first, "type of index %d was first inferred here (%s)", v->param_index,
			  type_name(got));
		return;
	}
	if (first) {
		error_tok(n->tok, "type mismatch (%s)", type_name(want));
		error_tok(first, "type was first inferred here (%s)", type_name(got));
		return;
	}
	error_tok(n->tok, "type mismatch: expected %s but found %s", type_name(want), type_name(got));
}

/* Record that var v has type t (first use at n). */
static void var_type(Var *v, Type t, Node *n)
{
	if (!v || t == TY_UNKNOWN)
		return;
	if (v->type == TY_UNKNOWN) {
		v->type = t;
		v->type_tok = n->tok;
		changes++;
		return;
	}
	if (v->type != t) {
		if (v->type_tok && v->is_param) {	/* SystemTap words these as indexes */
			error_tok(n->tok, "index %d type mismatch (%s)", v->param_index, type_name(t));
			error_tok(v->type_tok, "type of index %d was first inferred here (%s)",
				  v->param_index, type_name(v->type));
		} else if (v->type_tok) {
			error_tok(n->tok, "type mismatch (%s)", type_name(t));
			error_tok(v->type_tok, "type was first inferred here (%s)", type_name(v->type));
		} else {	/* typed by its declaration */
			error_tok(n->tok, "type mismatch: expected %s but found %s",
				  type_name(t), type_name(v->type));
		}
	}
}

static Type infer(Node *n, Type want);

/* Infer n expecting `want`; report a mismatch. */
static Type expect(Node *n, Type want)
{
	Type t = infer(n, want);
	if (want != TY_UNKNOWN && t != TY_UNKNOWN && t != want)
		type_error(n, want, t);
	return t;
}

/* An operator handed the other type by its context (a printf argument, a
 * function argument): SystemTap says "invalid operator" first. */
static bool is_operator(const Node *n)
{
	return n->kind == N_BINARY || n->kind == N_UNARY || n->kind == N_INCDEC || n->folded;
}

static Type expect_arg(Node *n, Type want)
{
	Type t = infer(n, want);
	if (want != TY_UNKNOWN && t != TY_UNKNOWN && t != want) {
		if (is_operator(n))
			error_tok(n->tok, "invalid operator");
		type_error(n, want, t);
	}
	return t;
}

static Type set_type(Node *n, Type t)
{
	if (n->type == TY_UNKNOWN && t != TY_UNKNOWN) {
		n->type = t;
		changes++;
	}
	return n->type;
}

static void infer_keys(Var *v, Vec *args)
{
	vec_foreach(args, i) {
		Node *k = vec_get(args, i);
		if (k->kind == N_STAR)
			continue;
		Type kt = v && v->key_types && i < v->arity ? v->key_types[i] : TY_UNKNOWN;
		Type t = infer(k, kt);
		if (kt != TY_UNKNOWN && t != TY_UNKNOWN && t != kt) {
			error_tok(k->tok, "index %d type mismatch (%s)", i, type_name(t));
			error_tok(v->key_toks[i] ? v->key_toks[i] : v->tok,
				  "type of index %d was first inferred here (%s)", i, type_name(kt));
		}
		if (v && v->key_types && i < v->arity && kt == TY_UNKNOWN && t != TY_UNKNOWN) {
			v->key_types[i] = t;
			v->key_toks[i] = k->tok;
			changes++;
		}
	}
}

static bool is_compare(int op)
{
	return op == '<' || op == '>' || op == OP_LE || op == OP_GE || op == OP_EQ || op == OP_NE;
}

static Type infer_print(Node *n)
{
	const char *name = n->name;
	bool is_s = name[0] == 's';
	const char *base = is_s ? name + 1 : name;
	set_type(n, is_s ? TY_STRING : TY_LONG);
	if (str_eq(base, "printf")) {
		if (!n->args.len) {
			error_tok(n->tok, "%s requires a format string", name);
			return n->type;
		}
		Node *f = vec_get(&n->args, 0);
		if (f->kind != N_STR) {
			error_tok(f->tok, "%s format must be a literal string", name);
			return n->type;
		}
		if (!n->fmt.len) {
			const char *err;
			Vec *v = parse_format(f->str, &err);
			if (err) {
				error_tok(f->tok, "%s", err);
				return n->type;
			}
			n->fmt = *v;
		}
		int arg = 1;
		vec_foreach(&n->fmt, i) {
			FmtSpec *fs = vec_get(&n->fmt, i);
			if (fs->kind != FS_CONV)
				continue;
			int need = 1 + (fs->width == -2) + (fs->prec == -2);
			for (int k = 0; k < need; k++, arg++) {
				if (arg >= n->args.len) {
					error_tok(n->tok, "Wrong number of args to formatted print operator");
					return n->type;
				}
				Type want = (k < need - 1 || fs->conv != 's') ? TY_LONG : TY_STRING;
				Node *a = vec_get(&n->args, arg);
				Type got = expect_arg(a, want);
				/* SystemTap meets a literal of the wrong type
				 * twice (the repeat is counted, not printed) */
				if (got != want && got != TY_UNKNOWN && (a->kind == N_STR || (a->kind == N_NUM && !a->folded)))
					type_error(a, want, got);
			}
		}
		if (arg < n->args.len)
			error_tok(n->tok, "Wrong number of args to formatted print operator");
		return n->type;
	}
	int first = 0;
	if (str_eq(base, "printd") || str_eq(base, "printdln")) {
		if (!n->args.len) {
			error_tok(n->tok, "%s requires a delimiter", name);
			return n->type;
		}
		Node *d = vec_get(&n->args, 0);
		if (d->kind != N_STR)
			error_tok(d->tok, "%s delimiter must be a literal string", name);
		first = 1;
	}
	if (n->args.len <= first && !str_eq(base, "println"))
		error_tok(n->tok, "%s requires at least one argument", name);
	for (int i = first; i < n->args.len; i++) {
		Node *a = vec_get(&n->args, i);
		if (a->kind == N_HIST) {
			if (n->args.len != 1 || is_s)
				error_tok(a->tok, "histogram can only be printed alone with print()");
			infer(a, TY_UNKNOWN);
			continue;
		}
		Type t = infer(a, TY_UNKNOWN);
		if (t == TY_STATS)
			error_tok(a->tok, "cannot print a statistic; use @count, @sum, @hist_log, ...");
	}
	return n->type;
}

static Type infer_call(Node *n, Type want)
{
	Func *f = n->func;
	/* a function whose body says no type (embedded C, no value returned)
	 * takes the one its call's context wants, as in SystemTap */
	if (f && f->ret == TY_UNKNOWN && want != TY_UNKNOWN && infer_from_calls) {
		f->ret = want;
		changes++;
	}
	if (!f) {
		vec_foreach(&n->args, i)
			infer(vec_get(&n->args, i), TY_UNKNOWN);
		return TY_UNKNOWN;
	}
	/* every overload sees the same arguments and must return the same type */
	vec_foreach(&n->overloads, k) {
		Func *o = vec_get(&n->overloads, k);
		vec_foreach(&n->args, i) {
			Var *p = vec_get(&o->params, i);
			Node *a = vec_get(&n->args, i);
			Type t = infer(a, p->type);
			if (p->type != TY_UNKNOWN && t != TY_UNKNOWN && t != p->type) {
				Var *av = a->kind == N_SYM || a->kind == N_INDEX ? a->var : NULL;
				if (is_operator(a))
					error_tok(a->tok, "invalid operator");
				if ((av && av->type_tok) || (a->kind == N_CALL && a->func && a->func->ret_tok))
					type_error(a, p->type, t);
				else	/* SystemTap names the argument's type first here */
					type_error(a, t, p->type);
			}
			if (p->type == TY_UNKNOWN && t != TY_UNKNOWN)
				var_type(p, t, a);
		}
		if (o != f && o->ret == TY_UNKNOWN && f->ret != TY_UNKNOWN) {
			o->ret = f->ret;
			changes++;
		} else if (o != f && f->ret == TY_UNKNOWN && o->ret != TY_UNKNOWN) {
			f->ret = o->ret;
			changes++;
		}
	}
	return set_type(n, f->ret);
}

static Type infer_stat_target(Node *e)
{
	Var *v = e->kind == N_INDEX || e->kind == N_SYM ? e->var : NULL;
	if (!v) {
		error_tok(e->tok, "expected a statistics variable");
		return TY_UNKNOWN;
	}
	if (e->kind == N_INDEX)
		infer_keys(v, &e->args);
	var_type(v, TY_STATS, e);
	return TY_STATS;
}

static Type infer(Node *n, Type want)
{
	if (!n)
		return TY_UNKNOWN;
	switch (n->kind) {
	case N_NUM:
	case N_CONST:
		return TY_LONG;
	case N_STR:
		return TY_STRING;
	case N_EMBEDDED_EXPR:
		return set_type(n, strstr(n->str, "/* string */") ? TY_STRING : TY_LONG);
	case N_SYM: {
		Var *v = n->var;
		if (!v)
			return TY_UNKNOWN;
		if (v->arity > 0) {
			error_tok(n->tok, "array '%s' used as a scalar", v->name);
			return TY_UNKNOWN;
		}
		if (v->type == TY_UNKNOWN && want != TY_UNKNOWN)
			var_type(v, want, n);
		n->type = v->type;
		return v->type;
	}
	case N_INDEX: {
		Var *v = n->var;
		infer_keys(v, &n->args);
		if (!v)
			return TY_UNKNOWN;
		if (v->type == TY_UNKNOWN && want != TY_UNKNOWN)
			var_type(v, want, n);
		n->type = v->type;
		return v->type;
	}
	case N_CALL:
		return infer_call(n, want);
	case N_PRINT:
		return infer_print(n);
	case N_BINARY:
		if (n->op == '.') {
			expect(n->lhs, TY_STRING);
			expect(n->rhs, TY_STRING);
			return set_type(n, TY_STRING);
		}
		if (is_compare(n->op)) {
			Type l = infer(n->lhs, TY_UNKNOWN);
			Type r = infer(n->rhs, l);
			if (l == TY_UNKNOWN && r != TY_UNKNOWN)
				l = infer(n->lhs, r);
			if (l != TY_UNKNOWN && r != TY_UNKNOWN && l != r)
				type_error(n->rhs, l, r);
			if (l == TY_STATS || r == TY_STATS)
				error_tok(n->tok, "cannot compare statistics");
			return set_type(n, TY_LONG);
		}
		/* SystemTap's constant folding has no >>>: folding one fails */
		if (n->op == OP_SHRU && !final_round && is_const_long(n->lhs) && is_const_long(n->rhs)) {
			error_tok(NULL, "unsupported binary operator >>>");
			return TY_UNKNOWN;
		}
		expect(n->lhs, TY_LONG);
		expect(n->rhs, TY_LONG);
		return set_type(n, TY_LONG);
	case N_UNARY:
	case N_INCDEC:
		expect(n->lhs, TY_LONG);
		return set_type(n, TY_LONG);
	case N_ASSIGN: {
		if (n->op == OP_CATEQ) {
			expect(n->lhs, TY_STRING);
			expect(n->rhs, TY_STRING);
			return set_type(n, TY_STRING);
		}
		if (n->op != '=') {
			expect(n->lhs, TY_LONG);
			expect(n->rhs, TY_LONG);
			return set_type(n, TY_LONG);
		}
		Type l = infer(n->lhs, want);
		Type r = infer(n->rhs, l);
		if (l == TY_UNKNOWN && r != TY_UNKNOWN)
			l = infer(n->lhs, r);
		if (l != TY_UNKNOWN && r != TY_UNKNOWN && l != r) {
			if (n->lhs->var)
				var_type(n->lhs->var, r, n->lhs);
			else
				type_error(n->rhs, l, r);
		}
		return set_type(n, l);
	}
	case N_STATADD:
		infer_stat_target(n->lhs);
		expect(n->rhs, TY_LONG);
		return set_type(n, TY_LONG);
	case N_TERNARY: {
		expect(n->cond, TY_LONG);
		Type a = infer(n->lhs, want);
		Type b = infer(n->rhs, a != TY_UNKNOWN ? a : want);
		if (a == TY_UNKNOWN && b != TY_UNKNOWN)
			a = infer(n->lhs, b);
		if (a != TY_UNKNOWN && b != TY_UNKNOWN && a != b)
			type_error(n->rhs, a, b);
		return set_type(n, a);
	}
	case N_IN:
		infer_keys(n->var, &n->args);
		return set_type(n, TY_LONG);
	case N_REGEX:
		/* a bad pattern fails pass 2, as in SystemTap */
		if (!final_round && n->type == TY_UNKNOWN) {
			const char *err = regex_check(n->str);
			if (err)
				error_tok(n->rhs->tok, "%s", err);
		}
		expect(n->lhs, TY_STRING);
		return set_type(n, TY_LONG);
	case N_STATOP:
		infer_stat_target(n->lhs);
		vec_foreach(&n->args, i)
			expect(vec_get(&n->args, i), TY_LONG);
		if (n->lhs->var)
			n->lhs->var->stat_ops |= 1u << (str_eq(n->str, "@count") ? STAT_COUNT :
							str_eq(n->str, "@sum") ? STAT_SUM :
							str_eq(n->str, "@min") ? STAT_MIN :
							str_eq(n->str, "@max") ? STAT_MAX :
							str_eq(n->str, "@avg") ? STAT_AVG : STAT_VARIANCE);
		return set_type(n, TY_LONG);
	case N_HIST:
		infer_stat_target(n->lhs);
		vec_foreach(&n->args, i)
			expect(vec_get(&n->args, i), TY_LONG);
		return TY_UNKNOWN;
	case N_HISTIDX:
		infer(n->lhs, TY_UNKNOWN);
		expect(n->rhs, TY_LONG);
		return set_type(n, TY_LONG);
	case N_DEFINED:
	case N_PROBEWRITE:
		return set_type(n, TY_LONG);
	case N_ENTRY:
		return set_type(n, infer(n->lhs, want));
	case N_REGISTER:
	case N_DEREF:
		vec_foreach(&n->args, i)
			expect(vec_get(&n->args, i), TY_LONG);
		if (n->lhs)
			expect(n->lhs, TY_LONG);
		return set_type(n, TY_LONG);
	case N_TARGET:
	case N_CAST:
	case N_ATVAR:
		if (n->lhs)
			expect(n->lhs, TY_LONG);
		vec_foreach(&n->comps, i) {
			Comp *c = vec_get(&n->comps, i);
			if (c->expr)
				expect(c->expr, TY_LONG);
		}
		return n->type;
	default:
		return TY_UNKNOWN;
	}
}

static void infer_stmt(Node *n, Func *f)
{
	if (!n)
		return;
	switch (n->kind) {
	case N_BLOCK:
		vec_foreach(&n->stmts, i)
			infer_stmt(vec_get(&n->stmts, i), f);
		break;
	case N_EXPR_STMT:
		infer(n->lhs, TY_UNKNOWN);
		break;
	case N_DELETE:
		if (n->lhs->kind == N_INDEX)
			infer_keys(n->lhs->var, &n->lhs->args);
		break;
	case N_RETURN:
		if (!f)
			break;
		if (!n->lhs) {
			break;
		} else {
			Type t = expect(n->lhs, f->ret);
			if (f->ret == TY_UNKNOWN && t != TY_UNKNOWN) {
				f->ret = t;
				f->ret_tok = n->lhs->tok;
				changes++;
			}
		}
		break;
	case N_IF:
		expect(n->cond, TY_LONG);
		infer_stmt(n->then, f);
		infer_stmt(n->els, f);
		break;
	case N_FOR:
		infer(n->init, TY_UNKNOWN);
		expect(n->cond, TY_LONG);
		infer(n->incr, TY_UNKNOWN);
		infer_stmt(n->then, f);
		break;
	case N_FOREACH: {
		Foreach *fe = n->fe;
		Var *a = fe->array->var;
		if (fe->array->kind == N_HIST) {
			infer(fe->array, TY_UNKNOWN);
			vec_foreach(&fe->keys, i) {
				Node *k = vec_get(&fe->keys, i);
				var_type(k->var, TY_LONG, k);
			}
			expect(fe->limit, TY_LONG);
			infer_stmt(n->then, f);
			break;
		}
		if (a && fe->array->kind == N_INDEX)
			infer_keys(a, &fe->array->args);
		vec_foreach(&fe->keys, i) {
			Node *k = vec_get(&fe->keys, i);
			if (a && a->key_types && i < a->arity) {
				var_type(k->var, a->key_types[i], k);
				if (a->key_types[i] == TY_UNKNOWN && k->var && k->var->type != TY_UNKNOWN) {
					a->key_types[i] = k->var->type;
					a->key_toks[i] = k->tok;
					changes++;
				}
			}
		}
		if (fe->value && a) {
			if (a->type == TY_STATS)
				error_tok(fe->value->tok, "foreach value of a statistics array; use @count(a[k]) etc");
			else
				var_type(fe->value->var, a->type, fe->value);
		}
		if (a && fe->sort_aggr && a->type != TY_STATS && a->type != TY_UNKNOWN)
			error_tok(fe->array->tok, "aggregate sort of a non-statistics array");
		expect(fe->limit, TY_LONG);
		infer_stmt(n->then, f);
		break;
	}
	case N_TRY:
		infer_stmt(n->then, f);
		if (n->var)
			var_type(n->var, TY_STRING, new_node(N_SYM, n->catch_tok));
		infer_stmt(n->els, f);
		break;
	default:
		break;
	}
}

/* ================================================================ probes */

/* Append alias or probe bodies into one block. */
static Node *join_bodies(Node *first, Node *second)
{
	Node *b = new_node(N_BLOCK, first ? first->tok : second->tok);
	if (first)
		vec_push(&b->stmts, first);
	if (second)
		vec_push(&b->stmts, second);
	return b;
}

static bool comp_matches(const PPComp *pat, const PPComp *c)
{
	if (!wildcard_match(pat->name, c->name) && !str_eq(pat->name, c->name))
		return false;
	if (!pat->arg && !c->arg)
		return true;
	if (!pat->arg || !c->arg)
		return false;
	if (pat->arg->kind != c->arg->kind)
		return false;
	if (pat->arg->kind == N_NUM)
		return pat->arg->num == c->arg->num;
	return str_eq(pat->arg->str, c->arg->str) || wildcard_match(pat->arg->str, c->arg->str);
}

/* Does user point `u` (may have wildcards, **) match alias name `a` using
 * components [0, n) of u?  Sets *used to the number of u components eaten. */
static bool pp_match_prefix(const ProbePoint *u, int ui, const ProbePoint *a, int ai, int *used)
{
	if (ai == a->comps.len) {
		*used = ui;
		return true;
	}
	if (ui == u->comps.len)
		return false;
	PPComp *uc = vec_get(&u->comps, ui);
	if (str_eq(uc->name, "**")) {
		for (int k = ai; k <= a->comps.len; k++)
			if (pp_match_prefix(u, ui + 1, a, k, used))
				return true;
		return false;
	}
	if (!comp_matches(uc, vec_get(&a->comps, ai)))
		return false;
	return pp_match_prefix(u, ui + 1, a, ai + 1, used);
}

static ProbePoint *pp_append(const ProbePoint *base, const ProbePoint *rest, int from)
{
	ProbePoint *p = xalloc(sizeof *p);
	*p = *base;
	p->comps = (Vec){0};
	vec_foreach(&base->comps, i)
		vec_push(&p->comps, vec_get(&base->comps, i));
	for (int i = from; i < rest->comps.len; i++)
		vec_push(&p->comps, vec_get(&rest->comps, i));
	return p;
}

static void derive(Probe *decl, ProbePoint *orig, ProbePoint *pp, Node *body, Node *cond,
		   Vec *chain, int depth, int *found);

/* The name an alias is registered under, for the -p2 comment. */
static const char *alias_text(Probe *alias)
{
	Buf b = {0};
	vec_foreach(&alias->alias_names, i) {
		ProbePoint *name = vec_get(&alias->alias_names, i);
		buf_printf(&b, "%s%s", pp_string(name), name->alias_add ? " += " : " = ");
	}
	vec_foreach(&alias->points, i) {
		ProbePoint *p = vec_get(&alias->points, i);
		buf_printf(&b, "%s%s%s%s", i ? ", " : "", pp_string(p), p->optional ? "?" : "",
			   p->sufficient ? "!" : "");
		if (p->cond) {
			Buf cb = {0};
			dump_expr(&cb, p->cond);
			buf_printf(&b, " if (%s)", buf_cstr(&cb));
		}
	}
	return xstrdup(buf_cstr(&b));
}

static void expand_builtin(ProbePoint *pp, Vec *out);

/* Expand pp through aliases; returns true if any alias matched. */
static bool expand_aliases(Probe *decl, ProbePoint *orig, ProbePoint *pp, Node *body, Node *cond,
			   Vec *chain, int depth, int *found)
{
	tapsets_need_alias(S, pp);
	bool any = false;
	vec_foreach(&S->aliases, i) {
		Probe *al = vec_get(&S->aliases, i);
		vec_foreach(&al->alias_names, j) {
			ProbePoint *name = vec_get(&al->alias_names, j);
			int used = 0;
			/* most names differ at their first letter: no full match needed */
			const char *an = ((PPComp *)vec_get(&name->comps, 0))->name;
			const char *un = ((PPComp *)vec_get(&pp->comps, 0))->name;
			if (an[0] != un[0] && !strpbrk(an, "*?[{") && !strpbrk(un, "*?[{"))
				continue;
			if (!pp_match_prefix(pp, 0, name, 0, &used))
				continue;
			/* a full match, or a prefix followed by suffix components */
			if (used < pp->comps.len) {
				/* prefer exact aliases: skip suffix use if another alias matches fully */
				bool exact_exists = false;
				vec_foreach(&S->aliases, k) {
					Probe *o = vec_get(&S->aliases, k);
					vec_foreach(&o->alias_names, m) {
						int u2;
						ProbePoint *n2 = vec_get(&o->alias_names, m);
						if (pp_match_prefix(pp, 0, n2, 0, &u2) && u2 == pp->comps.len)
							exact_exists = true;
					}
				}
				/* ... or a built-in point is the whole of pp (timer.profile.tick) */
				Vec builtin = {0};
				expand_builtin(pp, &builtin);
				if (exact_exists || builtin.len)
					continue;
			}
			Vec sub = {0};
			vec_foreach(chain, k)
				vec_push(&sub, vec_get(chain, k));
			vec_push(&sub, (void *)alias_text(al));
			Node *nb = al->epilogue ? join_bodies(body, al->body) : join_bodies(al->body, body);
			/* with a suffix, SystemTap tries the alias's targets quietly:
			 * if none takes it, the point just does not match here (and
			 * resolve_point names the part that matches nothing) */
			bool suffixed = used < pp->comps.len;
			Vec *quiet = suffixed ? xalloc(sizeof *quiet) : NULL, *outer = g_diag_capture;
			int found_before = *found;
			if (quiet)
				g_diag_capture = quiet;
			vec_foreach(&al->points, k) {
				ProbePoint *target = vec_get(&al->points, k);
				ProbePoint *t = suffixed ? pp_append(target, pp, used) : target;
				ProbePoint *tc = xalloc(sizeof *tc);
				*tc = *t;
				tc->optional = target->optional || pp->optional;
				tc->sufficient = target->sufficient;
				tc->cond = target->cond ? target->cond : cond;
				tc->from = pp;
				int before = *found;
				derive(decl, orig, tc, nb, tc->cond, &sub, depth + 1, found);
				if (*found > before && target->sufficient)
					break;
			}
			if (quiet) {
				g_diag_capture = outer;
				if (*found == found_before)
					continue;	/* no target took the suffix */
				diag_replay(quiet);
			}
			any = true;
		}
	}
	return any;
}

static bool pp_has_wildcard(const ProbePoint *pp)
{
	vec_foreach(&pp->comps, i)
		if (strchr(((PPComp *)vec_get(&pp->comps, i))->name, '*'))
			return true;
	return false;
}

/* Concrete points for pp from every family pattern it matches, e.g.
 * `b*` -> begin, `timer.*(5)` -> timer.s(5), timer.ms(5), ... */
static void expand_builtin(ProbePoint *pp, Vec *out)
{
	Vec seen = {0};
	for (int f = 0; families[f]; f++) {
		for (int k = 0; families[f]->patterns[k]; k++) {
			char *pat = xstrdup(families[f]->patterns[k]);
			Vec names = {0}, hasarg = {0};
			for (char *tokp = strtok(pat, "."); tokp; tokp = strtok(NULL, ".")) {
				char *paren = strchr(tokp, '(');
				if (paren)
					*paren = '\0';
				vec_push(&names, tokp);
				vec_push(&hasarg, paren ? "y" : "");
			}
			if (names.len != pp->comps.len)
				continue;
			bool ok = true;
			vec_foreach(&pp->comps, i) {
				PPComp *c = vec_get(&pp->comps, i);
				if (!wildcard_match(c->name, vec_get(&names, i)) ||
				    (c->arg != NULL) != (((char *)vec_get(&hasarg, i))[0] != 0))
					ok = false;
			}
			if (!ok)
				continue;
			ProbePoint *np = xalloc(sizeof *np);
			*np = *pp;
			np->comps = (Vec){0};
			vec_foreach(&pp->comps, i) {
				PPComp *c = xalloc(sizeof *c);
				*c = *(PPComp *)vec_get(&pp->comps, i);
				c->name = vec_get(&names, i);
				vec_push(&np->comps, c);
			}
			const char *text = pp_string(np);
			bool dup = false;
			vec_foreach(&seen, i)
				if (str_eq(vec_get(&seen, i), text))
					dup = true;
			if (dup)
				continue;
			vec_push(&seen, (void *)text);
			vec_push(out, np);
		}
	}
}

static void derive_point(Probe *decl, ProbePoint *orig, ProbePoint *pp, Node *body, Node *cond,
			 Vec *chain, int depth, int *found);
static bool alias_matched;	/* resolve_point: some alias matched the point */

/* An optional point (`?`) that does not resolve is skipped in silence,
 * whatever the reason (SystemTap). */
static void derive(Probe *decl, ProbePoint *orig, ProbePoint *pp, Node *body, Node *cond,
		   Vec *chain, int depth, int *found)
{
	if (!pp->optional && !pp->sufficient) {	/* "!" is optional too */
		derive_point(decl, orig, pp, body, cond, chain, depth, found);
		return;
	}
	int errs = g_errors;
	g_diag_quiet_errors++;	/* its warnings are still said */
	derive_point(decl, orig, pp, body, cond, chain, depth, found);
	g_diag_quiet_errors--;
	g_errors = errs;
}

/* pp() of the probes being derived, when it is not their own point's
 * text: the process.* points are tapset aliases on kernel points here,
 * where SystemTap's pp() names the process point (process.begin,
 * process("/usr/bin/ls").end). */
static const char *g_pp_shown;

/* The executable a process("PATH") point means, as SystemTap takes it: a
 * name without '/' found in $PATH; symbolic links resolved; a path that
 * is not there kept as written. */
const char *process_exe_path(const char *path)
{
	const char *full = path;
	if (!strchr(path, '/')) {
		const char *env = getenv("PATH");
		char *dirs = xstrdup(env ? env : "/usr/bin:/bin");
		for (char *d = strtok(dirs, ":"); d; d = strtok(NULL, ":")) {
			const char *cand = xsprintf("%s/%s", *d ? d : ".", path);
			if (access(cand, X_OK) == 0) {
				full = cand;
				break;
			}
		}
	}
	char *real = realpath(full, NULL);
	if (!real)
		return full;
	const char *r = xstrdup(real);
	free(real);
	return r;
}

/* process("PATH").X and process(PID).X, for X begin, end, thread.begin,
 * thread.end, syscall, syscall.return: the process.X alias (syscall's
 * variables renamed to the tracepoint's), its probes skipping every other
 * program's or process's tasks (a test put before the body).  Sets
 * g_pp_shown for process.X with or without the argument.  False with
 * *pp unchanged for any other point, or after an error. */
/* process.syscall's variables from the raw_syscalls tracepoints' $regs
 * and $ret: $syscall is $regs->orig_ax, $argN the x86_64 syscall argument
 * registers, $return $ret. */
static void syscall_var(const Node *cn, void *arg)
{
	static const char *const regs[] = { "di", "si", "dx", "r10", "r8", "r9" };
	Node *n = (Node *)cn;
	const char *member = NULL;
	(void)arg;
	if (n->kind != N_TARGET || !n->name)
		return;
	if (str_eq(n->name, "$return"))
		n->name = "$ret";
	else if (str_eq(n->name, "$syscall"))
		member = "orig_ax";
	else if (str_startswith(n->name, "$arg") && n->name[4] >= '1' && n->name[4] <= '6' && !n->name[5])
		member = regs[n->name[4] - '1'];
	if (member) {
		Comp *c = xalloc(sizeof *c);
		c->kind = COMP_MEMBER;
		c->name = member;
		c->tok = n->tok;
		Vec comps = {0};
		vec_push(&comps, c);
		vec_foreach(&n->comps, i)
			vec_push(&comps, vec_get(&n->comps, i));
		n->comps = comps;
		n->name = "$regs";
	}
}

static bool process_point(ProbePoint **ppp, Node **body)
{
	ProbePoint *pp = *ppp;
	PPComp *c0 = vec_get(&pp->comps, 0);
	int n = pp->comps.len;
	if (!str_eq(c0->name, "process") || n < 2 || n > 3)
		return false;
	for (int i = 1; i < n; i++)
		if (pp_comp(pp, i)->arg)
			return false;
	const char *last = pp_comp(pp, n - 1)->name;
	bool syscall = str_eq(pp_comp(pp, 1)->name, "syscall") && (n == 2 || str_eq(last, "return"));
	if (!syscall && ((n == 3 && !str_eq(pp_comp(pp, 1)->name, "thread")) ||
			 (!str_eq(last, "begin") && !str_eq(last, "end"))))
		return false;
	const char *rest = n == 3 ? xsprintf("%s.%s", pp_comp(pp, 1)->name, last) : last;
	if (syscall)
		ast_visit(*body, syscall_var, NULL);
	if (!c0->arg) {
		g_pp_shown = xsprintf("process.%s", rest);
		return true;
	}
	Tok *at = c0->tok ? c0->tok : pp->tok;
	Node *call = new_node(N_CALL, at);
	if (c0->arg->kind == N_NUM) {
		int64_t pid = c0->arg->num;
		/* SystemTap looks the process up here; with --vm it is the lab's */
		if (!S->vm && (pid <= 0 || pid > INT32_MAX || (kill((pid_t)pid, 0) != 0 && errno == ESRCH))) {
			error_tok(pp->tok, "while resolving probe point");
			error_tok(NULL, "cannot probe pid %" PRId64 ": No such process", pid);
			return false;
		}
		call->name = "__proc_skip_pid";
		vec_push(&call->args, new_num(at, pid));
		g_pp_shown = xsprintf("process(%" PRId64 ").%s", pid, rest);
	} else {
		/* (the lab mirrors the host's merged /usr: --vm resolves alike) */
		const char *exe = process_exe_path(c0->arg->str);
		call->name = "__proc_skip_path";
		vec_push(&call->args, new_str(at, exe));
		vec_push(&call->args, new_num(at, str_eq(last, "end")));
		g_pp_shown = xsprintf("process(\"%s\").%s", exe, rest);
	}
	ProbePoint *p2 = xalloc(sizeof *p2);
	*p2 = *pp;
	p2->comps = (Vec){0};
	PPComp *nc = xalloc(sizeof *nc);
	*nc = *c0;
	nc->arg = NULL;
	vec_push(&p2->comps, nc);
	for (int i = 1; i < n; i++)
		vec_push(&p2->comps, vec_get(&pp->comps, i));
	Node *skip = ast_if(at, call, new_node(N_NEXT, at), NULL);
	*body = join_bodies(skip, *body);
	*ppp = p2;
	return true;
}

static void derive_point_1(Probe *decl, ProbePoint *orig, ProbePoint *pp, Node *body, Node *cond,
			   Vec *chain, int depth, int *found);

static void derive_point(Probe *decl, ProbePoint *orig, ProbePoint *pp, Node *body, Node *cond,
			 Vec *chain, int depth, int *found)
{
	const char *saved = g_pp_shown;
	int errs = g_errors;
	process_point(&pp, &body);
	if (g_errors == errs)
		derive_point_1(decl, orig, pp, body, cond, chain, depth, found);
	g_pp_shown = saved;
}

static void derive_point_1(Probe *decl, ProbePoint *orig, ProbePoint *pp, Node *body, Node *cond,
			   Vec *chain, int depth, int *found)
{
	if (depth > 16) {
		error_tok(pp->tok, "probe alias expansion too deep (recursive alias?)");
		return;
	}
	if (expand_aliases(decl, orig, pp, body, cond, chain, depth, found)) {
		alias_matched = true;
		return;
	}
	/* Wildcards in built-in names expand against the families' patterns. */
	Vec concrete = {0};
	if (pp_has_wildcard(pp))
		expand_builtin(pp, &concrete);
	else
		vec_push(&concrete, pp);
	vec_foreach(&concrete, i) {
		ProbePoint *c = vec_get(&concrete, i);
		DProbe *d = xalloc(sizeof *d);
		d->pp = c;
		d->orig = orig;
		d->probe = decl;
		d->body = body;
		d->cond = cond;
		d->pp_text = xsprintf("%s%s%s", pp_string(c), c->optional ? "?" : "", c->sufficient ? "!" : "");
		vec_foreach(chain, k)
			vec_push(&d->derivation, vec_get(chain, k));
		/* families that expand one point into many (DWARF wildcards) */
		Vec many = {0};
		const Family *fam = NULL;
		int errs = g_errors;
		for (int f = 0; families[f] && !fam; f++)
			if (families[f]->expand && families[f]->expand(S, d, &many))
				fam = families[f];
		if (g_errors > errs)
			return;
		if (!fam) {
			d->family = family_for(S, d);
			if (!d->family)
				continue;
			vec_push(&many, d);
		}
		vec_foreach(&many, k) {
			DProbe *m = vec_get(&many, k);
			if (fam) {
				m->family = fam;
				m->pp_text = xsprintf("%s%s%s", m->pp_text, c->optional ? "?" : "",
						      c->sufficient ? "!" : "");
			}
			if (g_pp_shown)
				m->pp_shown = g_pp_shown;
			m->index = S->probes.len;
			/* each concrete probe owns its body and locals */
			m->body = ast_clone(m->body);
			m->cond = ast_clone(m->cond);
			m->locals = (Vec){0};
			vec_push(&S->probes, m);
			(*found)++;
		}
	}
}

static int resolve_point(Probe *decl, ProbePoint *pp);

/* A probe's points in order; one marked `!` that resolves ends the list. */
static void resolve_points(Probe *p)
{
	vec_foreach(&p->points, j) {
		ProbePoint *pp = vec_get(&p->points, j);
		if (resolve_point(p, pp) && pp->sufficient)
			break;
	}
}

/* A probe's points as written, with their conditions (-p2 comments). */
const char *probe_points_text(const Probe *decl)
{
	Buf b = {0};
	vec_foreach(&decl->points, i) {
		ProbePoint *p = vec_get(&decl->points, i);
		buf_printf(&b, "%s%s%s%s", i ? "," : "", pp_string(p), p->optional ? "?" : "",
			   p->sufficient ? "!" : "");
		if (p->cond) {
			Buf cb = {0};
			dump_expr(&cb, p->cond);
			buf_printf(&b, " if (%s)", buf_cstr(&cb));
		}
	}
	return xstrdup(buf_cstr(&b));
}

/* Resolve one of a probe's points; the number of probes it made. */
static int resolve_point(Probe *decl, ProbePoint *pp)
{
	int found = 0;
	int errs = g_errors;
	Vec chain = {0};
	vec_push(&chain, probe_points_text(decl));
	alias_matched = false;
	derive(decl, pp, pp, decl->body, pp->cond, &chain, 0, &found);
	if (found || pp->optional || pp->sufficient || g_errors > errs)
		return found;
	error_tok(pp->tok, "while resolving probe point");
	if (alias_matched) {	/* an alias whose targets all went away */
		error_tok(NULL, "no match");
		return 0;
	}
	/* every known point as its component names: alias names, and the
	 * families' patterns ("kernel.function(string).return") */
	Vec paths = {0};	/* Vec* of const char* */
	vec_foreach(&S->aliases, i) {
		Probe *al = vec_get(&S->aliases, i);
		vec_foreach(&al->alias_names, j) {
			Vec *path = xalloc(sizeof *path);
			vec_foreach(&((ProbePoint *)vec_get(&al->alias_names, j))->comps, k)
				vec_push(path, ((PPComp *)vec_get(&((ProbePoint *)vec_get(&al->alias_names, j))->comps,
								   k))->name);
			vec_push(&paths, path);
		}
	}
	for (int i = 0; families[i]; i++) {
		for (int k = 0; families[i]->patterns[k]; k++) {
			Vec *path = xalloc(sizeof *path);
			const char *p = families[i]->patterns[k];
			while (*p) {
				size_t len = strcspn(p, ".(");
				vec_push(path, xstrndup(p, len));
				p += len;
				if (*p == '(')
					p = strchr(p, ')') + 1;
				if (*p == '.')
					p++;
			}
			vec_push(&paths, path);
		}
	}
	/* SystemTap names the first part that matches nothing, with the names
	 * it could have been there ("syscall.opne": open, ...) */
	int depth = 0;
	for (;; depth++) {
		if (depth >= pp->comps.len)
			break;
		bool deeper = false;
		vec_foreach(&paths, i) {
			Vec *path = vec_get(&paths, i);
			if (path->len <= depth + 1)
				continue;
			bool prefix = true;
			for (int k = 0; k <= depth && prefix; k++)
				prefix = str_eq(vec_get(path, k), ((PPComp *)vec_get(&pp->comps, k))->name);
			deeper = deeper || prefix;
		}
		if (!deeper)
			break;
	}
	if (depth >= pp->comps.len)
		depth = 0;
	Vec names = {0};
	vec_foreach(&paths, i) {
		Vec *path = vec_get(&paths, i);
		if (path->len <= depth)
			continue;
		bool prefix = true;
		for (int k = 0; k < depth && prefix; k++)
			prefix = str_eq(vec_get(path, k), ((PPComp *)vec_get(&pp->comps, k))->name);
		if (prefix)
			vec_push(&names, vec_get(path, depth));
	}
	PPComp *bad = vec_get(&pp->comps, depth);
	error_tok(depth ? bad->tok : pp->tok, "probe point mismatch%s", similar_names(bad->name, &names));
	return 0;
}

/* ================================================================ checks */

/* Like SystemTap, say "unresolved type" at each use of an untyped
 * variable, in source order (repeats are counted, not printed). */
static void report_untyped_uses(Node *n)
{
	if (!n)
		return;
	if ((n->kind == N_SYM || n->kind == N_INDEX) && n->var && !n->var->elided &&
	    n->var->type == TY_UNKNOWN) {
		error_tok(n->tok, "unresolved type ");
		n->var->type_reported = true;
	}
	if (n->kind == N_FOREACH) {
		vec_foreach(&n->fe->keys, i)
			report_untyped_uses(vec_get(&n->fe->keys, i));
		report_untyped_uses(n->fe->value);
		report_untyped_uses(n->fe->array);
		report_untyped_uses(n->fe->limit);
	}
	report_untyped_uses(n->init);
	report_untyped_uses(n->cond);
	report_untyped_uses(n->incr);
	report_untyped_uses(n->lhs);
	report_untyped_uses(n->rhs);
	vec_foreach(&n->args, i)
		report_untyped_uses(vec_get(&n->args, i));
	vec_foreach(&n->stmts, i)
		report_untyped_uses(vec_get(&n->stmts, i));
	report_untyped_uses(n->then);
	report_untyped_uses(n->els);
}

static void check_types_resolved(Vec *vars, const char *what)
{
	vec_foreach(vars, i) {
		Var *v = vec_get(vars, i);
		if (v->type_reported || (v->in_defined && !v->read && !v->written))
			continue;
		if (v->type == TY_UNKNOWN && !v->elided)
			error_tok(v->tok, "unresolved type %s", what);
		if (v->arity > 0 && v->key_types)
			for (int k = 0; k < v->arity; k++)
				if (v->key_types[k] == TY_UNKNOWN)
					error_tok(v->tok, "unresolved type for array key %d", k);
	}
}

/* Mark variable reads and writes (for warnings and elision). */
static void mark_rw(Node *n, bool write);

static void mark_rw_list(Vec *v)
{
	vec_foreach(v, i)
		mark_rw(vec_get(v, i), false);
}

static void mark_rw(Node *n, bool write)
{
	if (!n)
		return;
	switch (n->kind) {
	case N_SYM:
	case N_INDEX:
		if (n->var) {
			if (write)
				n->var->written = true;
			else
				n->var->read = true;
		}
		mark_rw_list(&n->args);
		break;
	case N_ASSIGN:
		/* `x += 1` reads x, but like SystemTap we count it as a write only
		 * (for globals' display); it still keeps a local alive */
		if (n->op != '=' && n->lhs->var)
			n->lhs->var->updated = true;
		mark_rw(n->lhs, true);
		mark_rw(n->rhs, false);
		break;
	case N_STATADD:
		mark_rw(n->lhs, true);
		mark_rw(n->rhs, false);
		break;
	case N_INCDEC:
		/* x++ as a statement only writes; its value used (if (!x++)) reads */
		if (n->lhs->var)
			n->lhs->var->updated = true;
		mark_rw(n->lhs, true);
		mark_rw(n->lhs, false);
		break;
	case N_EXPR_STMT:
		if (n->lhs->kind == N_INCDEC) {
			if (n->lhs->lhs->var)
				n->lhs->lhs->var->updated = true;
			mark_rw(n->lhs->lhs, true);
		}
		else
			mark_rw(n->lhs, false);
		break;
	case N_DELETE:
		mark_rw(n->lhs, true);
		if (n->lhs->kind == N_INDEX)
			mark_rw_list(&n->lhs->args);
		break;
	case N_FOREACH:
		if (n->fe->array->var)
			n->fe->array->var->read = true;
		if (n->fe->array->kind == N_INDEX)
			mark_rw_list(&n->fe->array->args);
		if (n->fe->array->kind == N_HIST)
			mark_rw(n->fe->array, false);
		vec_foreach(&n->fe->keys, i)
			mark_rw(vec_get(&n->fe->keys, i), true);
		if (n->fe->value)
			mark_rw(n->fe->value, true);
		mark_rw(n->fe->limit, false);
		mark_rw(n->then, false);
		break;
	case N_BLOCK:
		mark_rw_list(&n->stmts);
		break;
	case N_IF:
	case N_FOR:
		mark_rw(n->init, false);
		mark_rw(n->cond, false);
		mark_rw(n->incr, false);
		mark_rw(n->then, false);
		mark_rw(n->els, false);
		break;
	case N_TRY:
		if (n->var)
			n->var->written = true;	/* the catch sets it */
		mark_rw(n->then, false);
		mark_rw(n->els, false);
		break;
	case N_TERNARY:
		mark_rw(n->cond, false);
		mark_rw(n->lhs, false);
		mark_rw(n->rhs, false);
		break;
	case N_IN:
		if (n->var)
			n->var->read = true;
		mark_rw_list(&n->args);
		break;
	default:
		mark_rw(n->lhs, false);
		mark_rw(n->rhs, false);
		mark_rw_list(&n->args);
		vec_foreach(&n->comps, i) {
			Comp *c = vec_get(&n->comps, i);
			mark_rw(c->expr, false);
		}
	}
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is global `name` given a value with -G or name=value arguments? */
static bool set_on_command_line(Session *s, const char *name)
{
	size_t n = strlen(name);
	vec_foreach(&s->global_inits, i) {
		const char *a = vec_get(&s->global_inits, i);
		if (!strncmp(a, name, n) && a[n] == '=')
			return true;
	}
	if (!s->uses_args)
		vec_foreach(&s->script_args, i) {
			const char *a = vec_get(&s->script_args, i);
			if (!strncmp(a, name, n) && a[n] == '=')
				return true;
		}
	return false;
}

/* Globals read but never assigned (and not initialized). */
static void warn_unassigned_globals(Session *s)
{
	Vec names = {0};
	vec_foreach(&s->globals, i) {
		Var *v = vec_get(&s->globals, i);
		if (!v->file->is_tapset)
			vec_push(&names, v->name);
	}
	vec_sort(&names, cmp_name);
	vec_foreach(&s->globals, i) {
		Var *v = vec_get(&s->globals, i);
		if (v->read && !v->written && !v->init && !v->file->is_tapset &&
		    !set_on_command_line(s, v->name))
			warn_tok(v->tok, "never-assigned global variable '%s'%s", v->name,
				 similar_names(v->name, &names));
	}
}

static void warn_unused_locals(Vec *locals)
{
	vec_foreach(locals, i) {
		Var *v = vec_get(locals, i);
		if (!(v->read || v->in_defined) || v->written || v->is_param ||
		    (v->tok && v->tok->loc.file && v->tok->loc.file->is_tapset))
			continue;
		Vec others = {0};	/* the other locals and the globals in use */
		vec_foreach(locals, k)
			if (k != i)
				vec_push(&others, ((Var *)vec_get(locals, k))->name);
		vec_foreach(&S->globals, k) {
			Var *g = vec_get(&S->globals, k);
			if ((g->read || g->written || g->in_defined) && !(g->file && g->file->is_tapset))
				vec_push(&others, g->name);
		}
		vec_sort(&others, cmp_name);
		warn_tok(v->tok, "never-assigned local variable '%s'%s", v->name, similar_names(v->name, &others));
	}
}

/* ---- arrays modified inside a foreach over them */

/* The array element a write or increment changes, or NULL. */
static Node *element_written(Node *n)
{
	switch (n->kind) {
	case N_ASSIGN:
	case N_STATADD:
	case N_INCDEC:
		return n->lhs->kind == N_INDEX ? n->lhs : NULL;
	case N_DELETE:
		return n->lhs->kind == N_INDEX ? n->lhs : NULL;
	default:
		return NULL;
	}
}

static bool writes_array(Node *n, Var *a);

static bool list_writes(Vec *v, Var *a)
{
	vec_foreach(v, i)
		if (writes_array(vec_get(v, i), a))
			return true;
	return false;
}

static bool func_writes_array(Func *f, Var *a)
{
	if (!f || f->visiting || f->body->kind != N_BLOCK)
		return false;
	f->visiting = true;
	bool w = writes_array(f->body, a);
	f->visiting = false;
	return w;
}

/* Does n (with the functions it calls) change an element of a? */
static bool writes_array(Node *n, Var *a)
{
	if (!n)
		return false;
	Node *e = element_written(n);
	if (e && e->var == a)
		return true;
	if (n->kind == N_CALL) {
		vec_foreach(&n->overloads, i)
			if (func_writes_array(vec_get(&n->overloads, i), a))
				return true;
		if (!n->overloads.len && func_writes_array(n->func, a))
			return true;
	}
	if (n->kind == N_FOREACH && writes_array(n->fe->limit, a))
		return true;
	if (writes_array(n->lhs, a) || writes_array(n->rhs, a) || writes_array(n->cond, a) ||
	    writes_array(n->init, a) || writes_array(n->incr, a) || writes_array(n->then, a) ||
	    writes_array(n->els, a))
		return true;
	vec_foreach(&n->args, i)
		if (writes_array(vec_get(&n->args, i), a))
			return true;
	vec_foreach(&n->stmts, i)
		if (writes_array(vec_get(&n->stmts, i), a))
			return true;
	return false;
}

/* Report writes to a inside the body of a foreach over it (SystemTap's
 * check; deleting the whole array is allowed). */
static void check_foreach_writes(Node *n, Var *a)
{
	if (!n)
		return;
	Node *e = element_written(n);
	if (e && e->var == a)
		error_tok(e->tok, "variable '%s' modified during 'foreach' iteration", a->name);
	if (n->kind == N_CALL && writes_array(n, a) && !list_writes(&n->args, a))
		error_tok(n->tok, "function call modifies var '%s' during 'foreach' iteration", a->name);
	if (n->kind == N_FOREACH)
		check_foreach_writes(n->fe->limit, a);
	check_foreach_writes(n->lhs, a);
	check_foreach_writes(n->rhs, a);
	check_foreach_writes(n->cond, a);
	check_foreach_writes(n->init, a);
	check_foreach_writes(n->incr, a);
	check_foreach_writes(n->then, a);
	check_foreach_writes(n->els, a);
	vec_foreach(&n->args, i)
		check_foreach_writes(vec_get(&n->args, i), a);
	vec_foreach(&n->stmts, i)
		check_foreach_writes(vec_get(&n->stmts, i), a);
}

/* Every foreach in n: check its body against its array. */
static void check_foreach_loops(Node *n)
{
	if (!n)
		return;
	if (n->kind == N_FOREACH && n->fe->array->kind != N_HIST && n->fe->array->var)
		check_foreach_writes(n->then, n->fe->array->var);
	check_foreach_loops(n->lhs);
	check_foreach_loops(n->rhs);
	check_foreach_loops(n->cond);
	check_foreach_loops(n->then);
	check_foreach_loops(n->els);
	vec_foreach(&n->stmts, i)
		check_foreach_loops(vec_get(&n->stmts, i));
}

/* Statistics live only in globals. */
static void check_stat_locals(Vec *locals)
{
	vec_foreach(locals, i) {
		Var *v = vec_get(locals, i);
		if (v->type == TY_STATS && !v->elided && !v->is_param)
			error_tok(v->type_tok ? v->type_tok : v->tok,
				  "stat locals not supported, missing global declaration? ");
	}
}

/* Recompute read/written flags from scratch. */
static void clear_rw(Vec *vars)
{
	vec_foreach(vars, i) {
		Var *v = vec_get(vars, i);
		v->read = v->written = v->pinned;
		v->updated = false;
	}
}

static void remark_all(Session *s)
{
	clear_rw(&s->globals);
	vec_foreach(&s->probes, i) {
		DProbe *d = vec_get(&s->probes, i);
		clear_rw(&d->locals);
	}
	vec_foreach(&s->used_funcs, i) {
		Func *f = vec_get(&s->used_funcs, i);
		clear_rw(&f->locals);
	}
	vec_foreach(&s->probes, i) {
		DProbe *d = vec_get(&s->probes, i);
		mark_rw(d->body, false);
		mark_rw(d->cond, false);
	}
	vec_foreach(&s->used_funcs, i)
		mark_rw(((Func *)vec_get(&s->used_funcs, i))->body, false);
}

/* The functions still called after elision, in first-call order. */
static void reach(Node *n, Vec *out);

static void reach_list(Vec *v, Vec *out)
{
	vec_foreach(v, i)
		reach(vec_get(v, i), out);
}

static void reach(Node *n, Vec *out)
{
	if (!n)
		return;
	if (n->kind == N_CALL)
		vec_foreach(&n->overloads, i) {
			Func *f = vec_get(&n->overloads, i);
			if (f->visiting)
				continue;
			f->visiting = true;
			vec_push(out, f);
			reach(f->body, out);
		}
	reach(n->lhs, out);
	reach(n->rhs, out);
	reach(n->cond, out);
	reach(n->then, out);
	reach(n->els, out);
	reach(n->init, out);
	reach(n->incr, out);
	reach_list(&n->args, out);
	reach_list(&n->stmts, out);
	if (n->kind == N_FOREACH)
		reach(n->fe->limit, out);
}

static void recompute_used_funcs(Session *s)
{
	Vec used = {0};
	vec_foreach(&s->probes, i) {
		DProbe *d = vec_get(&s->probes, i);
		reach(d->body, &used);
		reach(d->cond, &used);
	}
	vec_foreach(&used, i) {
		Func *f = vec_get(&used, i);
		f->visiting = false;
		f->index = i;
	}
	vec_foreach(&s->used_funcs, i)
		((Func *)vec_get(&s->used_funcs, i))->used = false;
	vec_foreach(&used, i)
		((Func *)vec_get(&used, i))->used = true;
	s->used_funcs = used;
}

/* ================================================================ driver */

static void gather_used_globals(void)
{
	vec_foreach(&S->globals, i) {
		Var *v = vec_get(&S->globals, i);
		if (!v->read && !v->written) {
			v->elided = true;
			continue;
		}
		v->index = S->used_globals.len;
		vec_push(&S->used_globals, v);
	}
}

static void type_round(void)
{
	vec_foreach(&S->probes, i) {
		DProbe *d = vec_get(&S->probes, i);
		infer_stmt(d->body, NULL);
		if (d->cond)
			expect(d->cond, TY_LONG);
	}
	vec_foreach(&S->used_funcs, i) {
		Func *f = vec_get(&S->used_funcs, i);
		infer_stmt(f->body, f);
	}
	vec_foreach(&S->globals, i) {
		Var *v = vec_get(&S->globals, i);
		if (v->init)
			var_type(v, v->init->type, v->init);
	}
}

/* Type rounds until one learns nothing (or an error is found). */
static void types_to_fixpoint(int errs)
{
	do {
		changes = 0;
		type_round();
	} while (changes && g_errors == errs);
}

int elaborate(Session *s)
{
	S = s;
	int errs = g_errors;
	tapset_probes = (Vec){0};
	tvar_codes = tvar_names = (Vec){0};
	tvar_seq = 0;
	vec_foreach(&s->user_files, k)
		add_file(s, vec_get(&s->user_files, k));

	/* 1. probes */
	vec_foreach(&s->user_files, k) {
		Stapfile *uf = vec_get(&s->user_files, k);
		vec_foreach(&uf->probes, i) {
			Probe *p = vec_get(&uf->probes, i);
			resolve_points(p);
		}
	}
	if (g_errors > errs)
		return g_errors - errs;
	/* 2. symbols: each concrete probe gets its own copy of the locals;
	 * tapsets loaded for the names resolved bring their probes, whose
	 * names may load more */
	int resolved = 0, next_tapset_probe = 0;
	for (;;) {
		for (; resolved < s->probes.len; resolved++) {
			DProbe *d = vec_get(&s->probes, resolved);
			Scope sc = { .locals = &d->locals, .file = d->probe->file, .probe = d };
			resolve_stmt(&sc, d->body);
			sc.in_cond = true;
			if (d->cond)
				resolve_expr(&sc, d->cond);
		}
		if (next_tapset_probe == tapset_probes.len)
			break;
		for (; next_tapset_probe < tapset_probes.len; next_tapset_probe++) {
			Probe *p = vec_get(&tapset_probes, next_tapset_probe);
			resolve_points(p);
		}
	}
	if (g_errors > errs) {
		vec_foreach(&s->probes, i)
			ast_visit(((DProbe *)vec_get(&s->probes, i))->body, untyped_cast_prints, NULL);
		return g_errors - errs;
	}
	order_globals(s);
	vec_foreach(&s->probes, i)
		if (names_global(((DProbe *)vec_get(&s->probes, i))->cond))
			s->cond_globals = true;
	remark_all(s);
	warn_unassigned_globals(s);
	vec_foreach(&s->used_funcs, i)
		warn_unused_locals(&((Func *)vec_get(&s->used_funcs, i))->locals);
	vec_foreach(&s->probes, i)
		warn_unused_locals(&((DProbe *)vec_get(&s->probes, i))->locals);
	if (!s->unoptimized && !s->list_mode) {
		optimize(s, remark_all);
		recompute_used_funcs(s);
	}
	/* (a listing shows the probes' variables, whatever reads would fail) */
	vec_foreach(&s->probes, i) {
		DProbe *d = vec_get(&s->probes, i);
		if (s->list_mode)
			break;
		say_deferred(d->body);
		say_deferred(d->cond);
	}
	if (g_errors > errs)
		return g_errors - errs;

	if (!s->probes.len && !s->list_mode) {
		error_tok(NULL, "no probes found");
		return 1;
	}

	/* 3. types to a fixpoint; then functions still untyped take their
	 * calls' (a body's own type is known first: its errors come first) */
	infer_from_calls = false;
	types_to_fixpoint(errs);
	infer_from_calls = true;
	if (g_errors == errs)
		types_to_fixpoint(errs);
	if (g_errors > errs)
		return g_errors - errs;

	/* 4. checks */
	remark_all(s);
	/* written-but-unread globals are displayed by a synthesized end probe */
	Vec disp = {0};
	s->display_first = s->probes.len;
	synth_global_display(s, &disp);
	if (disp.len) {
		int first = s->probes.len;
		vec_foreach(&disp, i) {
			Probe *p = vec_get(&disp, i);
			resolve_point(p, vec_get(&p->points, 0));
		}
		for (int i = first; i < s->probes.len; i++) {
			DProbe *d = vec_get(&s->probes, i);
			Scope sc = { .locals = &d->locals, .file = d->probe->file, .probe = d };
			resolve_stmt(&sc, d->body);
		}
		types_to_fixpoint(errs);
		for (int i = first; i < s->probes.len; i++)
			mark_rw(((DProbe *)vec_get(&s->probes, i))->body, false);
		if (g_errors > errs)
			return g_errors - errs;
	}
	final_round = true;
	type_round();
	gather_used_globals();
	vec_foreach(&s->probes, i)
		check_foreach_loops(((DProbe *)vec_get(&s->probes, i))->body);
	vec_foreach(&s->used_funcs, i)
		check_foreach_loops(((Func *)vec_get(&s->used_funcs, i))->body);
	vec_foreach(&s->probes, i)
		check_stat_locals(&((DProbe *)vec_get(&s->probes, i))->locals);
	vec_foreach(&s->used_funcs, i)
		check_stat_locals(&((Func *)vec_get(&s->used_funcs, i))->locals);
	vec_foreach(&s->probes, i)
		report_untyped_uses(((DProbe *)vec_get(&s->probes, i))->body);
	vec_foreach(&s->used_funcs, i)
		report_untyped_uses(((Func *)vec_get(&s->used_funcs, i))->body);
	vec_foreach(&s->probes, i)
		check_types_resolved(&((DProbe *)vec_get(&s->probes, i))->locals, "");
	vec_foreach(&s->used_funcs, i) {
		Func *f = vec_get(&s->used_funcs, i);
		check_types_resolved(&f->locals, "");
		check_types_resolved(&f->params, "");
		if (f->ret == TY_UNKNOWN && f->body->kind == N_BLOCK) {
			/* a function that returns nothing is fine */
		}
		if (f->ret == TY_STATS)
			error_tok(f->tok, "function cannot return a statistic");
	}
	check_types_resolved(&s->used_globals, "");
	collect_histograms(s);
	vec_foreach(&s->files, i) {
		Stapfile *f = vec_get(&s->files, i);
		vec_foreach(&f->embeds, k)
			vec_push(&s->embeds, vec_get(&f->embeds, k));
	}
	if (s->warnings_as_errors && g_warnings)
		return g_warnings;
	return g_errors - errs;
}
