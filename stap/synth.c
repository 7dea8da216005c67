/* synth.c - script code the translator writes itself.
 *
 * Globals that a script writes but never reads are displayed when the
 * session ends, as SystemTap does: an `end` probe is added whose body
 * prints each such global in SystemTap's layout:
 *
 *   g=5                    scalar long
 *   s="text"               scalar string (escaped)
 *   a[1,"k"]=7             array element, by value, largest first
 *   st @count=3 @min=1 @max=5 @sum=9 @avg=3        statistic
 *   st @count=0x0          statistic with no data
 *
 * The probe is built as an AST so the ordinary passes resolve, type and
 * translate it.
 */
#include "ast.h"

#include <string.h>

static Tok *stok(const Tok *at, int kind, int code, const char *text)
{
	Tok *t = xalloc(sizeof *t);
	if (at)
		t->loc = at->loc;
	t->kind = kind;
	t->code = code;
	t->text = text;
	return t;
}

static Node *sym(const Tok *at, const char *name)
{
	return ast_sym(stok(at, T_IDENT, IDENT, name));
}

static Node *str(const Tok *at, const char *s)
{
	return new_str(stok(at, T_STRING, STRING, s), s);
}

static Node *printf_node(const Tok *at, const char *fmt, Vec *args)
{
	Node *n = new_node(N_PRINT, stok(at, T_IDENT, IDENT, "printf"));
	n->name = "printf";
	vec_push(&n->args, str(at, fmt));
	if (args)
		vec_foreach(args, i)
			vec_push(&n->args, vec_get(args, i));
	return ast_expr_stmt(n);
}

static Node *statop(const Tok *at, const char *op, Node *target)
{
	Node *n = new_unary(N_STATOP, 0, stok(at, T_ATOP, AT_STATOP, op), target);
	n->str = op;
	return n;
}

static const char *key_fmt(Var *v)
{
	Buf b = {0};
	for (int i = 0; i < v->arity; i++)
		buf_puts(&b, i ? (v->key_types[i] == TY_STRING ? ",\"%s\"" : ",%d")
			       : (v->key_types[i] == TY_STRING ? "\"%s\"" : "%d"));
	return xstrdup(buf_cstr(&b));
}

static const char *stat_fmt = "@count=%d @min=%d @max=%d @sum=%d @avg=%d\n";

static void stat_args(const Tok *at, Vec *args, Node *(*target)(const Tok *, Var *, void *), Var *v, void *ctx)
{
	static const char *const ops[] = { "@count", "@min", "@max", "@sum", "@avg" };
	for (int i = 0; i < 5; i++)
		vec_push(args, statop(at, ops[i], target(at, v, ctx)));
}

static Node *scalar_target(const Tok *at, Var *v, void *ctx)
{
	return sym(at, v->name);
}

static Node *elem_target(const Tok *at, Var *v, void *ctx)
{
	Vec keys = {0};
	for (int i = 0; i < v->arity; i++)
		vec_push(&keys, sym(at, xsprintf("__idx%d", i)));
	return ast_index(stok(at, T_IDENT, IDENT, v->name), &keys);
}

/* The statements printing one global. */
static Node *display(Var *v)
{
	const Tok *at = v->tok;
	Node *block = new_node(N_BLOCK, stok(at, T_KEYWORD, K_PROBE, "probe"));
	if (v->arity <= 0 && v->type == TY_STATS) {
		Node *cond = new_binary(OP_EQ, stok(at, T_OP, OP_EQ, "=="),
					statop(at, "@count", sym(at, v->name)), new_num(stok(at, T_NUMBER, NUMBER, "0"), 0));
		Vec args = {0};
		stat_args(at, &args, scalar_target, v, NULL);
		Node *ifn = ast_if(stok(at, T_KEYWORD, K_IF, "if"), cond,
				   printf_node(at, xsprintf("%s @count=0x0\n", v->name), NULL),
				   printf_node(at, xsprintf("%s %s", v->name, stat_fmt), &args));
		vec_push(&block->stmts, ifn);
		return block;
	}
	if (v->arity <= 0) {
		Vec args = {0};
		vec_push(&args, sym(at, v->name));
		const char *fmt = v->type == TY_STRING ? xsprintf("%s=\"%%s\"\n", v->name)
						       : xsprintf("%s=%%d\n", v->name);
		vec_push(&block->stmts, printf_node(at, fmt, &args));
		return block;
	}
	/* arrays: foreach ([__idx0, ...] in v-) */
	Foreach *fe = xalloc(sizeof *fe);
	for (int i = 0; i < v->arity; i++)
		vec_push(&fe->keys, sym(at, xsprintf("__idx%d", i)));
	fe->array = sym(at, v->name);
	fe->sort_key = -1;
	fe->sort_dir = -1;
	Vec args = {0};
	for (int i = 0; i < v->arity; i++)
		vec_push(&args, sym(at, xsprintf("__idx%d", i)));
	Node *body;
	if (v->type == TY_STATS) {
		fe->sort_aggr = 1;
		fe->array->str = "@count";
		stat_args(at, &args, elem_target, v, NULL);
		body = printf_node(at, xsprintf("%s[%s] %s", v->name, key_fmt(v), stat_fmt), &args);
	} else {
		fe->value = sym(at, "__val");
		vec_push(&args, sym(at, "__val"));
		body = printf_node(at, xsprintf(v->type == TY_STRING ? "%s[%s]=\"%%s\"\n" : "%s[%s]=%%d\n",
						v->name, key_fmt(v)), &args);
	}
	Node *loop = new_node(N_FOREACH, stok(at, T_KEYWORD, K_FOREACH, "foreach"));
	loop->fe = fe;
	loop->then = body;
	vec_push(&block->stmts, loop);
	return block;
}

static Probe *end_probe(Node *body)
{
	Probe *p = xalloc(sizeof *p);
	p->tok = body->tok;
	p->body = body;
	p->file = g_session->user_file;
	ProbePoint *pp = xalloc(sizeof *pp);
	PPComp *c = xalloc(sizeof *c);
	c->name = "end";
	c->tok = stok(body->tok, T_KEYWORD, K_PROBE, "end");
	vec_push(&pp->comps, c);
	pp->tok = c->tok;
	vec_push(&p->points, pp);
	return p;
}

/* One end probe per written-but-unread global, in declaration order. */
void synth_global_display(Session *s, Vec *out)
{
	vec_foreach(&s->globals, i) {
		Var *v = vec_get(&s->globals, i);
		if (!v->written || v->read || v->type == TY_UNKNOWN || v->file->is_tapset)
			continue;
		vec_push(out, end_probe(display(v)));
		v->read = true;
	}
}
