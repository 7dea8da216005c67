/* dump.c - the -p1 listing: the parse tree printed back as script text.
 *
 * The layout follows SystemTap's: every subexpression in parentheses, one
 * statement per line followed by `;`, globals first, then probes and
 * aliases, then functions.  The output parses again to the same tree.
 */
#include "ast.h"

#include <stdlib.h>
#include <string.h>

/* Script string literals print as written; printf formats with their
 * backslashes doubled, as SystemTap prints them. */
static void put_raw_lit(Buf *b, const Node *n, bool format)
{
	const char *raw = n->tok && n->tok->kind == T_STRING && n->tok->raw ? n->tok->raw : NULL;
	buf_putc(b, '"');
	for (const char *p = raw; *p; p++) {
		if (format && *p == '\\')
			buf_puts(b, "\\\\");
		else
			buf_putc(b, *p);
	}
	buf_putc(b, '"');
}

static void put_string_lit(Buf *b, const Node *n)
{
	if (n->tok && n->tok->kind == T_STRING && n->tok->raw && str_eq(n->tok->text, n->str)) {
		put_raw_lit(b, n, false);
		return;
	}
	const char *s = n->str;
	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\r': buf_puts(b, "\\r"); break;
		default:
			if (c < 32 || c == 127)
				buf_printf(b, "\\%03o", c);
			else
				buf_putc(b, (char)c);
		}
	}
	buf_putc(b, '"');
}

static void put_args(Buf *b, const Vec *args)
{
	vec_foreach(args, i) {
		if (i)
			buf_puts(b, ", ");
		dump_expr(b, vec_get(args, i));
	}
}

static void put_paren(Buf *b, const Node *n)
{
	buf_putc(b, '(');
	dump_expr(b, n);
	buf_putc(b, ')');
}

static void put_chain(Buf *b, const Node *n)
{
	vec_foreach(&n->comps, i) {
		Comp *c = vec_get(&n->comps, i);
		switch (c->kind) {
		case COMP_MEMBER: buf_printf(b, "->%s", c->name); break;
		case COMP_INDEX: buf_printf(b, "[%lld]", (long long)c->index); break;
		case COMP_EXPR_INDEX:
			buf_putc(b, '[');
			dump_expr(b, c->expr);
			buf_putc(b, ']');
			break;
		case COMP_PRETTY: buf_printf(b, "->%s", c->name); break;
		}
	}
}

bool dump_global_names;

/* A variable's name; globals as SystemTap's -p2 spells them (probe
 * conditions, the only user, name no locals; copies are unresolved). */
static const char *var_name(const Node *n)
{
	if (dump_global_names && (!n->var || n->var->is_global))
		return xsprintf("__global_%s", n->name);
	return n->name;
}

void dump_expr(Buf *b, const Node *n)
{
	switch (n->kind) {
	case N_NUM: buf_printf(b, "%lld", (long long)n->num); break;
	case N_STR: put_string_lit(b, n); break;
	case N_SYM: buf_puts(b, var_name(n)); break;
	case N_STAR: buf_putc(b, '*'); break;
	case N_INDEX:
		buf_printf(b, "%s[", var_name(n->lhs));
		put_args(b, &n->args);
		buf_putc(b, ']');
		break;
	case N_CALL:
		buf_printf(b, "%s(", n->name);
		put_args(b, &n->args);
		buf_putc(b, ')');
		break;
	case N_PRINT:
		buf_printf(b, "%s(", n->name);
		vec_foreach(&n->args, i) {
			Node *a = vec_get(&n->args, i);
			if (i)
				buf_puts(b, ", ");
			if (i == 0 && str_endswith(n->name, "printf") && a->kind == N_STR && a->tok->raw)
				put_raw_lit(b, a, true);
			else
				dump_expr(b, a);
		}
		buf_putc(b, ')');
		break;
	case N_BINARY:
	case N_ASSIGN:
	case N_STATADD:
		put_paren(b, n->lhs);
		buf_printf(b, " %s ", op_spelling(n->op));
		put_paren(b, n->rhs);
		break;
	case N_UNARY:
		buf_puts(b, op_spelling(n->op));
		if (n->op == '&') {	/* SystemTap's spelling of & on a non-target */
			buf_putc(b, '(');
			dump_expr(b, n->lhs);
			buf_putc(b, ')');
			break;
		}
		put_paren(b, n->lhs);
		break;
	case N_INCDEC:
		if (n->is_post) {
			put_paren(b, n->lhs);
			buf_puts(b, op_spelling(n->op));
		} else {
			buf_puts(b, op_spelling(n->op));
			put_paren(b, n->lhs);
		}
		break;
	case N_TERNARY:
		put_paren(b, n->cond);
		buf_putc(b, '?');
		put_paren(b, n->lhs);
		buf_putc(b, ':');
		put_paren(b, n->rhs);
		break;
	case N_IN:
		buf_putc(b, '[');
		put_args(b, &n->args);
		buf_printf(b, "] in %s", var_name(n->lhs));
		break;
	case N_REGEX:
		put_paren(b, n->lhs);
		buf_printf(b, " %s ", op_spelling(n->op));
		put_string_lit(b, n->rhs);
		break;
	case N_HISTIDX:
		dump_expr(b, n->lhs);
		buf_putc(b, '[');
		dump_expr(b, n->rhs);
		buf_putc(b, ']');
		break;
	case N_STATOP:
	case N_HIST:
		buf_printf(b, "%s(", n->str);
		dump_expr(b, n->lhs);
		vec_foreach(&n->args, i) {
			buf_puts(b, ", ");
			dump_expr(b, vec_get(&n->args, i));
		}
		buf_putc(b, ')');
		break;
	case N_TARGET:
		if (n->addr_of)
			buf_putc(b, '&');
		buf_puts(b, n->name);
		put_chain(b, n);
		break;
	case N_CAST:
		if (n->addr_of)
			buf_putc(b, '&');
		buf_puts(b, "@cast(");
		dump_expr(b, n->lhs);
		buf_printf(b, ", \"%s\"", n->str);
		if (n->name)
			buf_printf(b, ", \"%s\"", n->name);
		buf_putc(b, ')');
		put_chain(b, n);
		break;
	case N_ATVAR:
		buf_printf(b, "@var(\"%s\"", n->str);
		if (n->name)
			buf_printf(b, ", \"%s\"", n->name);
		buf_putc(b, ')');
		put_chain(b, n);
		break;
	case N_DEFINED:
	case N_ENTRY:
	case N_PROBEWRITE:
	case N_REGISTER:
		buf_printf(b, "%s(", n->tok->text);
		dump_expr(b, n->lhs);
		buf_putc(b, ')');
		break;
	case N_CONST:
		/* SystemTap turns @const into this embedded expression. */
		buf_printf(b, "%%{ /* pure */ /* unprivileged */ /* stable */ %s %%}", n->str);
		break;
	case N_DEREF:
		buf_printf(b, "%s(", n->str);
		put_args(b, &n->args);
		buf_putc(b, ')');
		break;
	case N_EMBEDDED_EXPR:
		buf_printf(b, "%%{%s%%}", n->str);
		break;
	default:
		buf_puts(b, "/* ? */");
	}
}

static void put_foreach(Buf *b, const Foreach *fe)
{
	buf_puts(b, "foreach (");
	if (fe->value)
		buf_printf(b, "%s = ", fe->value->name);
	buf_putc(b, '[');
	vec_foreach(&fe->keys, i) {
		Node *k = vec_get(&fe->keys, i);
		buf_printf(b, "%s%s%s", i ? ", " : "", k->name,
			   fe->sort_key == i + 1 ? (fe->sort_dir > 0 ? "+" : "-") : "");
	}
	buf_puts(b, "] in ");
	dump_expr(b, fe->array);
	if (fe->sort_aggr)
		buf_printf(b, " %s", fe->array->str);
	if (fe->sort_key == -1)
		buf_puts(b, fe->sort_dir > 0 ? "+" : "-");
	if (fe->limit) {
		buf_puts(b, " limit ");
		dump_expr(b, fe->limit);
	}
	buf_puts(b, ") ");
}

void dump_stmt(Buf *b, const Node *n, int depth)
{
	switch (n->kind) {
	case N_BLOCK:
		buf_puts(b, "{\n");
		vec_foreach(&n->stmts, i) {
			dump_stmt(b, vec_get(&n->stmts, i), depth + 1);
			buf_puts(b, ";\n");
		}
		buf_putc(b, '}');
		break;
	case N_EXPR_STMT:
		dump_expr(b, n->lhs);
		break;
	case N_IF:
		buf_puts(b, "if (");
		dump_expr(b, n->cond);
		buf_puts(b, ") ");
		dump_stmt(b, n->then, depth);
		buf_putc(b, '\n');
		if (n->els) {
			buf_puts(b, "else ");
			dump_stmt(b, n->els, depth);
			buf_putc(b, '\n');
		}
		break;
	case N_FOR:
		buf_puts(b, "for (");
		if (n->init)
			dump_expr(b, n->init);
		buf_puts(b, "; ");
		if (n->cond)
			dump_expr(b, n->cond);
		else
			buf_puts(b, "1");
		buf_puts(b, "; ");
		if (n->incr)
			dump_expr(b, n->incr);
		buf_puts(b, ") ");
		dump_stmt(b, n->then, depth);
		break;
	case N_FOREACH:
		put_foreach(b, n->fe);
		dump_stmt(b, n->then, depth);
		break;
	case N_TRY:
		buf_puts(b, "try {\n");
		dump_stmt(b, n->then, depth);
		buf_puts(b, "\n} catch ");
		if (n->catch_var)
			buf_printf(b, "(%s) ", n->catch_var);
		buf_puts(b, "{\n");
		dump_stmt(b, n->els, depth);
		buf_puts(b, "\n}\n");
		break;
	case N_NEXT: buf_puts(b, "next"); break;
	case N_BREAK: buf_puts(b, "break"); break;
	case N_CONTINUE: buf_puts(b, "continue"); break;
	case N_RETURN:
		buf_puts(b, "return");
		if (n->lhs) {
			buf_putc(b, ' ');
			dump_expr(b, n->lhs);
		}
		break;
	case N_DELETE:
		buf_puts(b, "delete ");
		dump_expr(b, n->lhs);
		break;
	case N_NULL:
		buf_putc(b, ';');
		break;
	case N_EMBEDDED:
		buf_printf(b, "%%{%s%%}", n->str);
		break;
	default:
		dump_expr(b, n);
	}
}

static void put_pp(Buf *b, const ProbePoint *pp)
{
	vec_foreach(&pp->comps, i) {
		PPComp *c = vec_get(&pp->comps, i);
		if (i)
			buf_putc(b, '.');
		buf_puts(b, c->name);
		if (c->arg) {
			buf_putc(b, '(');
			dump_expr(b, c->arg);
			buf_putc(b, ')');
		}
	}
	if (pp->optional)
		buf_putc(b, '?');
	if (pp->sufficient)
		buf_putc(b, '!');
	if (pp->cond) {
		buf_puts(b, " if (");
		dump_expr(b, pp->cond);
		buf_putc(b, ')');
	}
}

static void put_probe(Buf *b, const Probe *p)
{
	buf_puts(b, "probe ");
	vec_foreach(&p->alias_names, i) {
		const ProbePoint *name = vec_get(&p->alias_names, i);
		put_pp(b, name);
		buf_puts(b, name->alias_add ? " += " : " = ");
	}
	vec_foreach(&p->points, i) {	/* an alias's targets: ", " between */
		if (i)
			buf_puts(b, p->alias_names.len ? ", " : ",");
		put_pp(b, vec_get(&p->points, i));
	}
	dump_stmt(b, p->body, 0);
	buf_putc(b, '\n');
}

static void put_global(Buf *b, const Var *v)
{
	buf_printf(b, "global %s", v->name);
	if (v->wrap)
		buf_putc(b, '%');
	if (v->maxsize)
		buf_printf(b, "[%lld]", (long long)v->maxsize);
	if (v->init) {
		buf_puts(b, " = ");
		dump_expr(b, v->init);
	}
	buf_putc(b, '\n');
}

static void put_function(Buf *b, const Func *f)
{
	buf_printf(b, "%sfunction %s", f->is_private ? "private " : "", f->name);
	buf_puts(b, " (");
	vec_foreach(&f->params, i) {
		Var *p = vec_get(&f->params, i);
		buf_printf(b, "%s%s", i ? ", " : "", p->name);
	}
	buf_puts(b, ")\n");
	dump_stmt(b, f->body, 0);
	buf_putc(b, '\n');
}

void dump_file(FILE *out, Stapfile *f)
{
	Buf b = {0};
	buf_printf(&b, "# file %s\n", f->src->name);
	vec_foreach(&f->embeds, i)
		buf_printf(&b, "%%{%s%%}\n", ((Node *)vec_get(&f->embeds, i))->str);
	vec_foreach(&f->globals, i)
		put_global(&b, vec_get(&f->globals, i));
	vec_foreach(&f->aliases, i)
		put_probe(&b, vec_get(&f->aliases, i));
	vec_foreach(&f->probes, i)
		put_probe(&b, vec_get(&f->probes, i));
	vec_foreach(&f->funcs, i)
		put_function(&b, vec_get(&f->funcs, i));
	fputs(buf_cstr(&b), out);
	buf_free(&b);
}
