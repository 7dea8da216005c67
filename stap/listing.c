/* listing.c - what pass 2 resolved, printed: the -p2 listing, -l/-L, and
 * the --dump-* lists.  Layout follows SystemTap's:
 *
 *   # globals
 *   name[size]:type [key types]
 *   # functions
 *   name:type (param:type, ...)
 *     # locals
 *     name:type
 *   # probes
 *   point /&#42; <- derivation &#42;/
 */
#include "stap.h"

#include <stdlib.h>
#include <string.h>

static void put_var(FILE *out, const char *indent, Var *v)
{
	fprintf(out, "%s%s%s", indent, v->name, v->wrap ? "%" : "");
	if (v->maxsize)
		fprintf(out, "[%lld]", (long long)v->maxsize);
	fprintf(out, ":%s", v->type == TY_STATS ? "stats" : type_name(v->type));
	if (v->arity > 0) {
		fputs(" [", out);
		for (int i = 0; i < v->arity; i++)
			fprintf(out, "%s%s", i ? ", " : "", type_name(v->key_types[i]));
		fputc(']', out);
	}
	fputc('\n', out);
}

static void put_locals(FILE *out, Vec *locals)
{
	int n = 0;
	vec_foreach(locals, i)
		if (!((Var *)vec_get(locals, i))->elided)
			n++;
	if (!n)
		return;
	fputs("  # locals\n", out);
	vec_foreach(locals, i) {
		Var *v = vec_get(locals, i);
		if (!v->elided)
			put_var(out, "  ", v);
	}
}

/* SystemTap keeps the value of a call to a function its tapsets mark
 * stable (no arguments, the same value all through a probe hit) in a
 * local of the calling body, which -p2 lists after the real locals. */
static const char *const stable_funcs[] = {
	"execname", "ppid", "pgrp", "sid", "uid", "euid", "gid", "egid", "cpu", "pp", "pn",
	"ppfunc", "stp_pid", "is_return", "pexecname", "module_name", "probemod", "addr",
	"uaddr", "user_mode", "is_myproc", NULL,
};

static void stable_calls(const Node *n, Vec *seen)
{
	if (!n)
		return;
	if (n->kind == N_CALL && !n->args.len && n->func) {
		for (int i = 0; stable_funcs[i]; i++)
			if (str_eq(n->name, stable_funcs[i])) {
				bool dup = false;
				vec_foreach(seen, k)
					if (((Func *)vec_get(seen, k)) == n->func)
						dup = true;
				if (!dup)
					vec_push(seen, n->func);
			}
	}
	stable_calls(n->lhs, seen);
	stable_calls(n->rhs, seen);
	stable_calls(n->init, seen);
	stable_calls(n->cond, seen);
	stable_calls(n->incr, seen);
	stable_calls(n->then, seen);
	stable_calls(n->els, seen);
	vec_foreach(&n->args, i)
		stable_calls(vec_get(&n->args, i), seen);
	vec_foreach(&n->stmts, i)
		stable_calls(vec_get(&n->stmts, i), seen);
	vec_foreach(&n->comps, i)
		stable_calls(((Comp *)vec_get(&n->comps, i))->expr, seen);
	if (n->fe) {
		stable_calls(n->fe->array, seen);
		stable_calls(n->fe->limit, seen);
	}
}

/* A body's locals, then its cached stable values. */
static void put_body_locals(FILE *out, Vec *locals, const Node *body)
{
	Vec st = {0};
	stable_calls(body, &st);
	int n = 0;
	vec_foreach(locals, i)
		if (!((Var *)vec_get(locals, i))->elided)
			n++;
	if (!n && !st.len)
		return;
	if (!n)
		fputs("  # locals\n", out);
	put_locals(out, locals);
	vec_foreach(&st, i) {
		Func *f = vec_get(&st, i);
		fprintf(out, "  __stable___global_%s__overload_0_value:%s\n", f->name, type_name(f->ret));
	}
}

static void put_func_head(FILE *out, Func *f)
{
	fprintf(out, "%s:%s (", f->name, type_name(f->ret));
	vec_foreach(&f->params, i) {
		Var *p = vec_get(&f->params, i);
		fprintf(out, "%s%s:%s", i ? ", " : "", p->name, type_name(p->type));
	}
	fputs(")\n", out);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_name(const void *a, const void *b)
{
	const Func *x = *(Func *const *)a, *y = *(Func *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : x->params.len - y->params.len;
}

/* A probe's -l name: as written when it went through aliases, unless
 * written with wildcards: then the name of the alias it matched. */
static const char *list_name(DProbe *d)
{
	if (!d->orig || d->derivation.len <= 1)
		return d->pp_text;
	const char *orig = pp_string(d->orig);
	if (!strchr(orig, '*'))
		return orig;
	const char *alias = vec_get(&d->derivation, 1);
	return xstrndup(alias, strcspn(alias, ",+= "));
}

/* The synthesized target-variable functions still read (once each). */
static void collect_tvar_func(const Node *n, void *arg)
{
	Vec *out = arg;
	if (!n->tvar_func)
		return;
	vec_foreach(out, i)
		if (str_eq(vec_get(out, i), n->tvar_func))
			return;
	vec_push(out, n->tvar_func);
}

void dump_elaborated(FILE *out, Session *s)
{
	if (s->list_mode) {
		Vec seen = {0};
		vec_foreach(&s->probes, i) {
			DProbe *d = vec_get(&s->probes, i);
			const char *name = list_name(d);
			/* one line per point, the first probe's (SystemTap's) */
			bool listed = false;
			vec_foreach(&seen, k)
				listed = listed || str_eq(vec_get(&seen, k), name) ||
					 (str_startswith(vec_get(&seen, k), name) &&
					  ((const char *)vec_get(&seen, k))[strlen(name)] == ' ');
			if (listed)
				continue;
			if (s->list_vars) {
				Buf b = {0};
				buf_puts(&b, name);
				/* an alias's own variables, then the target variables */
				if (d->derivation.len > 1)
					vec_foreach(&d->locals, k) {
						Var *v = vec_get(&d->locals, k);
						buf_printf(&b, " %s:%s", v->name, type_name(v->type));
					}
				/* process.begin/end/syscall...: SystemTap lists its
				 * utrace probes' variables, whichever the point */
				if (d->pp_shown)
					buf_puts(&b, " $syscall:long $arg1:long $arg2:long $arg3:long"
						 " $arg4:long $arg5:long $arg6:long");
				else if (d->family == &family_kernel || d->family->list_vars)
					(d->family->list_vars ? d->family->list_vars : kernel_list_vars)(s, d, &b);
				name = xstrdup(buf_cstr(&b));
				buf_free(&b);
			}
			bool dup = false;
			vec_foreach(&seen, k)
				if (str_eq(vec_get(&seen, k), name))
					dup = true;
			if (dup)
				continue;
			vec_push(&seen, (void *)name);
		}
		vec_sort(&seen, cmp_str);
		vec_foreach(&seen, i)
			fprintf(out, "%s\n", (char *)vec_get(&seen, i));
		return;
	}
	/* the script's own top-level %{ %} (the library's are not SystemTap's) */
	bool embed_head = false;
	vec_foreach(&s->embeds, i) {
		Node *n = vec_get(&s->embeds, i);
		if (n->kind != N_EMBEDDED || !n->tok || !n->tok->loc.file || n->tok->loc.file->is_tapset)
			continue;
		if (!embed_head)
			fputs("# global embedded code\n", out);
		embed_head = true;
		fprintf(out, "%%{%s%%}\n", n->str);
	}
	if (s->used_globals.len) {
		fputs("# globals\n", out);
		vec_foreach(&s->used_globals, i)
			put_var(out, "", vec_get(&s->used_globals, i));
	}
	Vec tvars = {0};
	vec_foreach(&s->probes, i) {
		DProbe *d = vec_get(&s->probes, i);
		ast_visit(d->body, collect_tvar_func, &tvars);
		ast_visit(d->cond, collect_tvar_func, &tvars);
	}
	vec_sort(&tvars, cmp_str);
	if (s->used_funcs.len || tvars.len) {
		fputs("# functions\n", out);
		Vec sorted = vec_sorted(&s->used_funcs, by_name);
		vec_foreach(&sorted, i) {
			Func *f = vec_get(&sorted, i);
			put_func_head(out, f);
			if (f->file && !f->file->is_tapset && f->body->kind == N_BLOCK)
				put_body_locals(out, &f->locals, f->body);
			else
				put_locals(out, &f->locals);
		}
		/* SystemTap's functions for target variable reads come after */
		vec_foreach(&tvars, i)
			fprintf(out, "%s:long (%s)\n", (char *)vec_get(&tvars, i),
				strstr(vec_get(&tvars, i), "__tracepoint_tvar_get_") ? "pointer:long" :
				strstr(vec_get(&tvars, i), "_tvar_set_") ? "rvalue:long" : "");
	}
	if (s->probes.len) {
		fputs("# probes\n", out);
		vec_foreach(&s->probes, i) {
			DProbe *d = vec_get(&s->probes, i);
			/* SystemTap's begin probe that first evaluates the
			 * conditions naming globals */
			if (i == s->display_first && s->cond_globals)
				fputs("begin /* <- begin */\n", out);
			fprintf(out, "%s", d->pp_text);
			dump_global_names = true;	/* conditions name resolved globals */
			if (d->cond) {
				Buf cb = {0};
				dump_expr(&cb, d->cond);
				fprintf(out, " if (%s)", buf_cstr(&cb));
			}
			if (d->family->list_pc) {
				/* DWARF probes name their resolved point */
				d->family->list_pc(s, d, out);
				dump_global_names = false;
				fprintf(out, " /* <- %s */\n", d->pp_text);
				put_locals(out, &d->locals);	/* SystemTap caches no stable values here */
				continue;
			}
			fputs(" /* <-", out);
			for (int k = d->derivation.len - 1; k >= 0; k--)
				fprintf(out, " %s%s", k ? (char *)vec_get(&d->derivation, k) :
					probe_points_text(d->probe), k ? " <-" : "");
			dump_global_names = false;
			fputs(" */\n", out);
			put_body_locals(out, &d->locals, d->body);
		}
		if (s->probes.len <= s->display_first && s->cond_globals)
			fputs("begin /* <- begin */\n", out);
	}
}

int elaborate_dump(Session *s, int what)
{
	tapsets_load_all(s);
	if (what == 't') {
		Vec all = {0};
		for (int i = 0; families[i]; i++)
			for (int k = 0; families[i]->patterns[k]; k++)
				vec_push(&all, (void *)families[i]->patterns[k]);
		vec_sort(&all, cmp_str);
		vec_foreach(&all, i)
			printf("%s\n", (char *)vec_get(&all, i));
		return 0;
	}
	if (what == 'a') {
		Vec all = {0};
		vec_foreach(&s->aliases, i) {
			Probe *p = vec_get(&s->aliases, i);
			Buf t = {0};
			vec_foreach(&p->points, k) {
				ProbePoint *pp = vec_get(&p->points, k);
				buf_printf(&t, "%s%s%s%s", k ? ", " : "", pp_string(pp), pp->optional ? "?" : "",
					   pp->sufficient ? "!" : "");
			}
			vec_foreach(&p->alias_names, k)
				vec_push(&all, xsprintf("%s %s %s", pp_string(vec_get(&p->alias_names, k)),
							p->epilogue ? "+=" : "=", buf_cstr(&t)));
		}
		vec_sort(&all, cmp_str);
		vec_foreach(&all, i)
			printf("%s\n", (char *)vec_get(&all, i));
		return 0;
	}
	Vec sorted = {0};
	vec_foreach(&s->funcs, i) {
		Func *f = vec_get(&s->funcs, i);
		if (!f->is_private && f->name[0] != '_')
			vec_push(&sorted, f);
	}
	vec_sort(&sorted, by_name);
	vec_foreach(&sorted, i) {
		Func *f = vec_get(&sorted, i);
		fprintf(stdout, "%s:%s (", f->name, type_name(f->ret));
		vec_foreach(&f->params, k) {
			Var *p = vec_get(&f->params, k);
			fprintf(stdout, "%s%s:%s", k ? ", " : "", p->name, type_name(p->type));
		}
		fputc(')', stdout);
		/* privilege of embedded-C functions, as SystemTap lists it */
		if (f->c_flags & FC_UNPRIVILEGED)
			fputs(" /* unprivileged */", stdout);
		else if (f->c_flags & FC_MYPROC_UNPRIVILEGED)
			fputs(" /* myproc-unprivileged */", stdout);
		else if (f->c_flags & FC_GURU)
			fputs(" /* guru */", stdout);
		fputc('\n', stdout);
	}
	return 0;
}
