/* translate.c - pass 3: the elaborated program as one C file.
 *
 * Layout of the generated module source:
 *
 *   limits and -D defines, #include "stp_runtime.h"
 *   embedded C from tapsets and -g scripts
 *   globals (scalars, maps, statistics) and their locks
 *   frames: one struct of locals and temporaries per probe and function,
 *           all in union stp_frame; the runtime keeps MAXNESTING+1 of them
 *           per CPU, so handlers use no kernel stack for script data
 *   function bodies, probe handlers, the probe table
 *   per-family glue (probes.c), then the six stp_gen_* lifecycle hooks
 *   #include "stp_module.h"
 *
 * Expressions are emitted as C statements that leave their value in a C
 * expression (a variable, a temporary in the frame, or a literal); errors
 * set c->last_error and jump to the innermost handler label (the end of
 * the function or probe, or a catch block).
 */
#include "ast.h"
#include "regex.h"	/* regex */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct Gen {
	Session *s;
	Buf *out;
	int indent;
	const char *err_label;		/* where runtime errors jump */
	const char *break_label;
	const char *continue_label;
	int labels;			/* label counter */
	int nlong, nstr, nkey;		/* temporaries in use in this statement */
	int max_long, max_str, max_key;	/* per frame */
	Vec extra_fields;		/* const char*: iterator and loop fields */
	bool frame_needs_agg;		/* a struct stp_stat_agg temporary */
	bool has_loop;			/* for, while or foreach in the body */
	Func *func;
	DProbe *probe;
	Vec *locals;
	bool lazy;			/* the probe's locks not yet taken here */
	const char *exit_label;		/* `next` in a probe: out, or out_locked */
	const char *unlocked_err;	/* err_label before the locks were taken */
	const char *locks;		/* "stp_locks_N, n": the probe's lock set */
	unsigned char *scratch;		/* per global, for touches() */
} Gen;

/* ================================================================ helpers */

static void emit(Gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(Gen *g, const char *fmt, ...)
{
	for (int i = 0; i < g->indent; i++)
		buf_putc(g->out, '\t');
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(g->out, fmt, ap);
	va_end(ap);
	buf_putc(g->out, '\n');
}

static const char *label(Gen *g, const char *what)
{
	return xsprintf("%s_%d", what, ++g->labels);
}

static const char *ltemp(Gen *g)
{
	int n = g->nlong++;
	if (g->nlong > g->max_long)
		g->max_long = g->nlong;
	return xsprintf("l->__t%d", n);
}

static const char *stemp(Gen *g)
{
	int n = g->nstr++;
	if (g->nstr > g->max_str)
		g->max_str = g->nstr;
	return xsprintf("l->__s%d", n);
}

static const char *ktemp(Gen *g)
{
	int n = g->nkey++;
	if (g->nkey > g->max_key)
		g->max_key = g->nkey;
	return xsprintf("l->__k%d", n);
}

/* A C string literal for s (bytes escaped as octal where needed). */
const char *c_string(const char *s)
{
	Buf b = {0};
	buf_putc(&b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(&b, "\\%c", *p);
		else if (*p == '\n')
			buf_puts(&b, "\\n");
		else if (*p == '\t')
			buf_puts(&b, "\\t");
		else if (*p < 32 || *p >= 127 || *p == '?')
			buf_printf(&b, "\\%03o", *p);
		else
			buf_putc(&b, (char)*p);
	}
	buf_putc(&b, '"');
	char *r = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return r;
}

/* The module's constant texts for runtime errors (statement locations
 * and messages), in one blob the code reaches through c->texts: offsets
 * are plain numbers, where pointers to string literals would each cost
 * the module a 24-byte relocation. */
static Buf texts;
static Vec text_seen;	/* char*: texts so far, in blob order */
static Vec text_off;	/* their offsets, as (void *)(intptr_t) */
static size_t texts_len;

static void texts_reset(void)
{
	buf_free(&texts);
	texts = (Buf){0};
	text_seen = (Vec){0};
	text_off = (Vec){0};
	texts_len = 0;
}

/* The offset of text s in the blob. */
static int text_offset(const char *s)
{
	vec_foreach(&text_seen, i)
		if (str_eq(vec_get(&text_seen, i), s))
			return (int)(intptr_t)vec_get(&text_off, i);
	size_t off = texts_len;
	vec_push(&text_seen, xstrdup(s));
	vec_push(&text_off, (void *)(intptr_t)off);
	buf_printf(&texts, "\t%s \"\\0\"\n", c_string(s));
	texts_len += strlen(s) + 1;
	return (int)off;
}

/* STP_TEXT(c, N): the text s in the blob. */
static const char *text_ref(const char *s)
{
	return xsprintf("STP_TEXT(c, %d)", text_offset(s));
}

/* "operator '/' at <input>:1:27": where a runtime error happened. */
static const char *where(const Tok *t)
{
	if (!t)
		return "NULL";
	return text_ref(xsprintf("%s at %s:%d:%d", tok_describe(t),
				 t->loc.file ? t->loc.file->name : "", t->loc.line, t->loc.col));
}

static const char *c_num(int64_t v)
{
	if (v == INT64_MIN)
		return "(-9223372036854775807LL - 1)";
	return xsprintf("%" PRId64 "LL", v);
}

static const char *var_ref(Gen *g, Var *v)
{
	if (v->is_global)
		return xsprintf("stp_g_%s", v->name);
	return xsprintf("l->l_%s", v->name);
}

static bool is_string(const Node *n)
{
	return n->type == TY_STRING;
}

static void error_jump(Gen *g, const char *msg, const Tok *at)
{
	emit(g, "stp_error_at(c, %s, %s);", text_ref(msg), where(at));
	emit(g, "goto %s;", g->err_label);
}

static void check_error(Gen *g)
{
	emit(g, "if (unlikely(c->last_error))");
	emit(g, "\tgoto %s;", g->err_label);
}

/* ================================================================ expressions */

static const char *gen_expr(Gen *g, Node *n);
static void gen_stmt(Gen *g, Node *n);
static const char *index_cb(Node *n, void *gen);

/* Evaluate into a long temporary (keeps left-to-right order). */
static const char *gen_long_temp(Gen *g, Node *n)
{
	const char *v = gen_expr(g, n);
	if (n->kind == N_NUM)
		return v;
	const char *t = ltemp(g);
	emit(g, "%s = %s;", t, v);
	return t;
}

static const char *map_of(Var *v)
{
	return xsprintf("stp_g_%s", v->name);
}

/* Build the key tuple for array v from args; returns "&l->__kN". */
static const char *gen_key(Gen *g, Var *v, Vec *args)
{
	Vec vals = {0};
	vec_foreach(args, i) {
		Node *a = vec_get(args, i);
		if (a->kind == N_STAR) {
			vec_push(&vals, "0");
			continue;
		}
		const char *e = gen_expr(g, a);
		if (is_string(a)) {
			/* keep the string stable while the key is used */
			if (a->kind != N_STR && a->kind != N_SYM) {
				const char *t = stemp(g);
				emit(g, "stp_strlcpy(%s, %s);", t, e);
				e = t;
			}
		} else if (a->kind != N_NUM) {
			const char *t = ltemp(g);
			emit(g, "%s = %s;", t, e);
			e = t;
		}
		vec_push(&vals, (void *)e);
	}
	const char *k = ktemp(g);
	vec_foreach(args, i) {
		Node *a = vec_get(args, i);
		emit(g, "%s.%s[%d] = %s;", k, is_string(a) ? "s" : "l", i, (char *)vec_get(&vals, i));
	}
	return xsprintf("&%s", k);
}

static const char *gen_index_read(Gen *g, Node *n)
{
	Var *v = n->var;
	const char *k = gen_key(g, v, &n->args);
	if (v->type == TY_STRING) {
		const char *t = stemp(g);
		emit(g, "stp_strlcpy(%s, stp_map_get_str(%s, %s));", t, map_of(v), k);
		return t;
	}
	const char *t = ltemp(g);
	emit(g, "%s = stp_map_get_long(%s, %s);", t, map_of(v), k);
	return t;
}

/* SystemTap's text when an array is full. */
static const char *overflow_msg(Var *v)
{
	if (v->maxsize)
		return xsprintf("Array overflow, check size limit (%lld)", (long long)v->maxsize);
	return "Array overflow, check MAXMAPENTRIES";
}

static void gen_map_set(Gen *g, Var *v, const char *key, const char *val, bool str, const Tok *at)
{
	emit(g, "if (unlikely(stp_map_set_%s(%s, %s, %s))) {", str ? "str" : "long", map_of(v), key, val);
	g->indent++;
	error_jump(g, overflow_msg(v), at);
	g->indent--;
	emit(g, "}");
}

/* old = a[k]; a[k] += d: one lookup */
static void gen_map_add(Gen *g, Var *v, const char *key, const char *d, const char *old, const Tok *at)
{
	emit(g, "if (unlikely(stp_map_add_long(%s, %s, %s, &%s))) {", map_of(v), key, d, old);
	g->indent++;
	error_jump(g, overflow_msg(v), at);
	g->indent--;
	emit(g, "}");
}

/* a op b for long operands, with SystemTap's checks. */
static const char *gen_arith(Gen *g, int op, const char *a, const char *b, const Tok *at)
{
	switch (op) {
	case '+': return xsprintf("(int64_t)((uint64_t)%s + (uint64_t)%s)", a, b);
	case '-': return xsprintf("(int64_t)((uint64_t)%s - (uint64_t)%s)", a, b);
	case '*': return xsprintf("(int64_t)((uint64_t)%s * (uint64_t)%s)", a, b);
	case '&': return xsprintf("(%s & %s)", a, b);
	case '|': return xsprintf("(%s | %s)", a, b);
	case '^': return xsprintf("(%s ^ %s)", a, b);
	case OP_SHL: return xsprintf("(int64_t)((uint64_t)%s << (%s & 63))", a, b);
	case OP_SHR: return xsprintf("(%s >> (%s & 63))", a, b);
	case OP_SHRU: return xsprintf("(int64_t)((uint64_t)%s >> (%s & 63))", a, b);
	case '/':
	case '%': {
		emit(g, "if (unlikely(%s == 0)) {", b);
		g->indent++;
		error_jump(g, "division by 0", at);
		g->indent--;
		emit(g, "}");
		return xsprintf("stp_%s(%s, %s)", op == '/' ? "div" : "mod", a, b);
	}
	}
	return "0";
}

static int assign_base_op(int op)
{
	switch (op) {
	case OP_ADDEQ: return '+';
	case OP_SUBEQ: return '-';
	case OP_MULEQ: return '*';
	case OP_DIVEQ: return '/';
	case OP_MODEQ: return '%';
	case OP_ANDEQ: return '&';
	case OP_OREQ: return '|';
	case OP_XOREQ: return '^';
	case OP_SHLEQ: return OP_SHL;
	case OP_SHREQ: return OP_SHR;
	}
	return 0;
}

static const char *gen_assign(Gen *g, Node *n)
{
	Node *lhs = n->lhs;
	bool str = is_string(lhs);
	if (lhs->kind == N_SYM) {
		const char *lv = var_ref(g, lhs->var);
		if (str) {
			const char *r = gen_expr(g, n->rhs);
			if (n->op == OP_CATEQ)
				emit(g, "stp_strlcat(%s, %s);", lv, r);
			else
				emit(g, "stp_strlcpy(%s, %s);", lv, r);
			return lv;
		}
		const char *r = gen_long_temp(g, n->rhs);
		if (n->op == '=') {
			emit(g, "%s = %s;", lv, r);
			return lv;
		}
		const char *v = gen_arith(g, assign_base_op(n->op), lv, r, n->tok);
		emit(g, "%s = %s;", lv, v);
		return lv;
	}
	if (lhs->kind == N_INDEX) {
		Var *v = lhs->var;
		const char *key = gen_key(g, v, &lhs->args);
		if (str) {
			const char *r = gen_expr(g, n->rhs);
			const char *t = stemp(g);
			if (n->op == OP_CATEQ) {
				emit(g, "stp_strlcpy(%s, stp_map_get_str(%s, %s));", t, map_of(v), key);
				emit(g, "stp_strlcat(%s, %s);", t, r);
			} else {
				emit(g, "stp_strlcpy(%s, %s);", t, r);
			}
			gen_map_set(g, v, key, t, true, lhs->tok);
			return t;
		}
		const char *r = gen_long_temp(g, n->rhs);
		const char *t = ltemp(g);
		if (n->op == OP_ADDEQ || n->op == OP_SUBEQ) {
			const char *old = ltemp(g);
			const char *d = n->op == OP_ADDEQ ? r :
				xsprintf("(int64_t)(0 - (uint64_t)%s)", r);
			gen_map_add(g, v, key, d, old, lhs->tok);
			emit(g, "%s = %s;", t, gen_arith(g, n->op == OP_ADDEQ ? '+' : '-', old, r, n->tok));
			return t;
		}
		if (n->op == '=') {
			emit(g, "%s = %s;", t, r);
		} else {
			emit(g, "%s = stp_map_get_long(%s, %s);", t, map_of(v), key);
			emit(g, "%s = %s;", t, gen_arith(g, assign_base_op(n->op), t, r, n->tok));
		}
		gen_map_set(g, v, key, t, false, lhs->tok);
		return t;
	}
	if (lhs->kind == N_TARGET && g->probe->family->target_store) {
		const char *r = str ? gen_expr(g, n->rhs) : gen_long_temp(g, n->rhs);
		const char *st = g->probe->family->target_store(g->s, g->probe, lhs, n->op, r, g);
		if (st)
			emit(g, "%s;", st);
		return r;
	}
	error_tok(n->tok, "assignment to this target is not supported yet");
	return "0";
}

static const char *gen_incdec(Gen *g, Node *n)
{
	int delta = n->op == OP_INC ? 1 : -1;
	Node *lhs = n->lhs;
	const char *t = ltemp(g);
	if (lhs->kind == N_SYM) {
		const char *lv = var_ref(g, lhs->var);
		if (n->is_post)
			emit(g, "%s = %s;", t, lv);
		emit(g, "%s = (int64_t)((uint64_t)%s + (uint64_t)%d);", lv, lv, delta);
		if (!n->is_post)
			emit(g, "%s = %s;", t, lv);
		return t;
	}
	Var *v = lhs->var;
	const char *key = gen_key(g, v, &lhs->args);
	const char *nv = ltemp(g);
	gen_map_add(g, v, key, xsprintf("%d", delta), t, lhs->tok);
	emit(g, "%s = (int64_t)((uint64_t)%s + (uint64_t)%d);", nv, t, delta);
	return n->is_post ? t : nv;
}

/* Generate `n` into a side buffer: returns its value, statements in *side. */
static const char *gen_side(Gen *g, Node *n, Buf *side)
{
	Buf *saved = g->out;
	g->out = side;
	const char *v = gen_expr(g, n);
	g->out = saved;
	return v;
}

static void splice(Gen *g, Buf *side)
{
	if (side->len)
		buf_puts(g->out, buf_cstr(side));
	buf_free(side);
}

static const char *gen_logical(Gen *g, Node *n)
{
	const char *a = gen_expr(g, n->lhs);
	const char *t = ltemp(g);
	Buf side = {0};
	int saved_indent = g->indent;
	g->indent++;
	const char *b = gen_side(g, n->rhs, &side);
	g->indent = saved_indent;
	if (n->op == OP_AND) {
		emit(g, "%s = 0;", t);
		emit(g, "if (%s) {", a);
	} else {
		emit(g, "%s = 1;", t);
		emit(g, "if (!(%s)) {", a);
	}
	splice(g, &side);
	emit(g, "\t%s = (%s) != 0;", t, b);
	emit(g, "}");
	return t;
}

static const char *gen_ternary(Gen *g, Node *n)
{
	const char *c = gen_expr(g, n->cond);
	bool str = is_string(n);
	const char *t = str ? stemp(g) : ltemp(g);
	emit(g, "if (%s) {", c);
	g->indent++;
	const char *a = gen_expr(g, n->lhs);
	if (str)
		emit(g, "stp_strlcpy(%s, %s);", t, a);
	else
		emit(g, "%s = %s;", t, a);
	g->indent--;
	emit(g, "} else {");
	g->indent++;
	const char *b = gen_expr(g, n->rhs);
	if (str)
		emit(g, "stp_strlcpy(%s, %s);", t, b);
	else
		emit(g, "%s = %s;", t, b);
	g->indent--;
	emit(g, "}");
	return t;
}

static const char *gen_binary(Gen *g, Node *n)
{
	if (n->op == OP_AND || n->op == OP_OR)
		return gen_logical(g, n);
	if (n->op == '.') {
		const char *a = gen_expr(g, n->lhs);
		const char *b = gen_expr(g, n->rhs);
		const char *t = stemp(g);
		emit(g, "stp_strlcpy(%s, %s);", t, a);
		emit(g, "stp_strlcat(%s, %s);", t, b);
		return t;
	}
	bool str = is_string(n->lhs) || is_string(n->rhs);
	if (str) {
		const char *a = gen_expr(g, n->lhs);
		if (n->lhs->kind != N_STR && n->lhs->kind != N_SYM) {
			const char *t = stemp(g);
			emit(g, "stp_strlcpy(%s, %s);", t, a);
			a = t;
		}
		const char *b = gen_expr(g, n->rhs);
		return xsprintf("(strcmp(%s, %s) %s 0)", a, b, op_spelling(n->op));
	}
	const char *a = gen_long_temp(g, n->lhs);
	const char *b = gen_long_temp(g, n->rhs);
	switch (n->op) {
	case '<': case '>': case OP_LE: case OP_GE: case OP_EQ: case OP_NE:
		return xsprintf("(int64_t)(%s %s %s)", a, op_spelling(n->op), b);
	}
	return gen_arith(g, n->op, a, b, n->tok);
}

static bool node_has_next(const Node *n)
{
	if (!n)
		return false;
	if (n->kind == N_NEXT)
		return true;
	if (node_has_next(n->then) || node_has_next(n->els))
		return true;
	vec_foreach(&n->stmts, i)
		if (node_has_next(vec_get(&n->stmts, i)))
			return true;
	return false;
}

/* Can f say `next` (STAP_NEXT in embedded C)? */
static bool func_may_next(const Func *f)
{
	if (f->body->kind == N_EMBEDDED)
		return strstr(f->body->str, "STAP_NEXT") != NULL;
	return node_has_next(f->body);
}

static const char *gen_call(Gen *g, Node *n)
{
	Func *f = n->func;
	/* arguments into the caller's temporaries first: evaluating one may
	 * call functions that reuse the callee frame */
	Vec vals = {0};
	vec_foreach(&n->args, i) {
		Node *a = vec_get(&n->args, i);
		const char *v = gen_expr(g, a);
		if (is_string(a) && a->kind != N_STR) {
			const char *t = stemp(g);
			emit(g, "stp_strlcpy(%s, %s);", t, v);
			v = t;
		} else if (!is_string(a) && a->kind != N_NUM) {
			const char *t = ltemp(g);
			emit(g, "%s = %s;", t, v);
			v = t;
		}
		vec_push(&vals, (void *)v);
	}
	/* a probe handler runs at nesting 0: its calls need no test and
	 * their frame is a constant one */
	bool top = g->func == NULL;
	emit(g, top ? "if (MAXNESTING < 1) {" : "if (unlikely(c->nesting + 1 > MAXNESTING)) {");
	g->indent++;
	error_jump(g, "MAXNESTING exceeded", n->tok);
	g->indent--;
	emit(g, "}");
	const char *t = f->ret == TY_STRING ? stemp(g) : f->ret == TY_LONG ? ltemp(g) : NULL;
	/* runtime overloading: each candidate in turn while they say `next` */
	int ncand = n->overloads.len ? n->overloads.len : 1;
	for (int k = 0; k < ncand; k++) {
		Func *o = n->overloads.len ? vec_get(&n->overloads, k) : f;
		if (k) {
			emit(g, "if (c->next_fn) {");
			g->indent++;
		}
		emit(g, "{");
		g->indent++;
		emit(g, "struct stp_frame_%s *callee = &STP_FRAME_AT(c, %s)->%s;", o->cname, top ? "1" : "c->nesting + 1", o->cname);
		vec_foreach(&n->args, i) {
			Var *p = vec_get(&o->params, i);
			if (p->type == TY_STRING)
				emit(g, "stp_strlcpy(callee->l_%s, %s);", p->name, (char *)vec_get(&vals, i));
			else
				emit(g, "callee->l_%s = %s;", p->name, (char *)vec_get(&vals, i));
		}
		if (ncand > 1 || func_may_next(o))
			emit(g, "c->next_fn = 0;");
		emit(g, top ? "c->nesting = 1;" : "c->nesting++;");
		emit(g, "%s(c);", o->cname);
		emit(g, top ? "c->nesting = 0;" : "c->nesting--;");
		if (t && f->ret == TY_STRING)
			emit(g, "stp_strlcpy(%s, callee->__retvalue);", t);
		else if (t)
			emit(g, "%s = callee->__retvalue;", t);
		g->indent--;
		emit(g, "}");
	}
	for (int k = 1; k < ncand; k++) {
		g->indent--;
		emit(g, "}");
	}
	if (ncand > 1 || func_may_next(f)) {
		emit(g, "if (unlikely(c->next_fn)) {");
		g->indent++;
		emit(g, "c->next_fn = 0;");
		error_jump(g, xsprintf("no more overloads of function '%s' to try with 'next'", f->name), n->tok);
		g->indent--;
		emit(g, "}");
	}
	check_error(g);
	return t ? t : "0";
}

/* ---- printing */

static const char *fmt_flags(unsigned f)
{
	Buf b = {0};
	if (!f)
		return "0";
	if (f & FMT_LEFT) buf_puts(&b, "|STP_FMT_LEFT");
	if (f & FMT_PLUS) buf_puts(&b, "|STP_FMT_PLUS");
	if (f & FMT_SPACE) buf_puts(&b, "|STP_FMT_SPACE");
	if (f & FMT_ALT) buf_puts(&b, "|STP_FMT_ALT");
	if (f & FMT_ZERO) buf_puts(&b, "|STP_FMT_ZERO");
	char *r = xstrdup(buf_cstr(&b) + 1);
	buf_free(&b);
	return r;
}

/* Emit output of one value with a conversion into sink `o`. */
static void put_value(Gen *g, const char *o, Node *a, const char *v)
{
	if (is_string(a))
		emit(g, "stp_out_str(%s, %s);", o, v);
	else
		emit(g, "stp_out_long(%s, %s);", o, v);
}

static const char *gen_print(Gen *g, Node *n)
{
	const char *name = n->name;
	bool to_string = name[0] == 's';
	const char *base = to_string ? name + 1 : name;
	const char *dest = NULL;
	/* evaluate all arguments first, left to right */
	Vec vals = {0};
	vec_foreach(&n->args, i) {
		Node *a = vec_get(&n->args, i);
		if (a->kind == N_HIST) {
			vec_push(&vals, NULL);
			continue;
		}
		const char *v = gen_expr(g, a);
		if (!is_string(a) && a->kind != N_NUM) {
			const char *t = ltemp(g);
			emit(g, "%s = %s;", t, v);
			v = t;
		}
		vec_push(&vals, (void *)v);
	}
	emit(g, "{");
	g->indent++;
	emit(g, "struct stp_out o;");
	if (to_string) {
		dest = stemp(g);
		emit(g, "stp_out_init_str(&o, %s, MAXSTRINGLEN);", dest);
	} else {
		emit(g, "stp_out_init_print(&o);");
	}
	if (str_eq(base, "printf")) {
		int arg = 1;
		vec_foreach(&n->fmt, i) {
			FmtSpec *fs = vec_get(&n->fmt, i);
			if (fs->kind == FS_LITERAL) {
				emit(g, "stp_out_lit(&o, %s, %zu);", c_string(fs->text), strlen(fs->text));
				continue;
			}
			const char *w = "-1", *p = "-1";
			if (fs->width == -2)
				w = vec_get(&vals, arg++);
			else if (fs->width >= 0)
				w = xsprintf("%d", fs->width);
			if (fs->prec == -2)
				p = vec_get(&vals, arg++);
			else if (fs->prec >= 0)
				p = xsprintf("%d", fs->prec);
			Node *a = vec_get(&n->args, arg);
			const char *v = vec_get(&vals, arg++);
			if (fs->conv == 's')
				emit(g, "stp_fmt_str(&o, %s, %s, %s, %s);", v, fmt_flags(fs->flags), w, p);
			else
				emit(g, "stp_fmt_long(&o, %s, %s, %s, %s, '%c');", v, fmt_flags(fs->flags), w, p,
				     fs->conv);
			(void)a;
		}
	} else {
		int first = 0;
		const char *delim = NULL;
		if (str_eq(base, "printd") || str_eq(base, "printdln")) {
			delim = vec_get(&vals, 0);
			first = 1;
		}
		for (int i = first; i < n->args.len; i++) {
			Node *a = vec_get(&n->args, i);
			if (a->kind == N_HIST) {
				emit(g, "{");
				g->indent++;
				emit(g, "struct stp_stat_agg *agg = &l->__agg;");
				const char *src = a->lhs->kind == N_INDEX ? NULL : xsprintf("stp_g_%s", a->lhs->var->name);
				if (src) {
					emit(g, "stp_stat_get(%s, agg);", src);
				} else {
					const char *k = gen_key(g, a->lhs->var, &a->lhs->args);
					emit(g, "stp_map_stat_get(%s, %s, agg);", map_of(a->lhs->var), k);
				}
				emit(g, "stp_stat_print_hist(&stp_g_%s_spec, agg, stp_out_put_cb, &o);", a->lhs->var->name);
				g->indent--;
				emit(g, "}");
				g->frame_needs_agg = true;
				continue;
			}
			if (delim && i > first)
				emit(g, "stp_out_str(&o, %s);", delim);
			put_value(g, "&o", a, vec_get(&vals, i));
		}
		if (str_endswith(base, "ln"))
			emit(g, "stp_out_lit(&o, \"\\n\", 1);");
	}
	g->indent--;
	emit(g, "}");
	return dest ? dest : "0";
}

/* ---- statistics */

static const char *gen_hist_index(Gen *g, Node *n);

static const char *gen_statop(Gen *g, Node *n)
{
	Node *e = n->lhs;
	Var *v = e->var;
	g->frame_needs_agg = true;
	if (e->kind == N_INDEX) {
		const char *k = gen_key(g, v, &e->args);
		emit(g, "stp_map_stat_get(%s, %s, &l->__agg);", map_of(v), k);
	} else {
		emit(g, "stp_stat_get(stp_g_%s, &l->__agg);", v->name);
	}
	const char *op = n->str + 1;
	if (str_eq(op, "count"))
		return "l->__agg.count";
	if (str_eq(op, "sum"))
		return "l->__agg.sum";
	emit(g, "if (unlikely(stp_agg_empty(&l->__agg))) {");
	g->indent++;
	error_jump(g, "empty aggregate", n->tok);
	g->indent--;
	emit(g, "}");
	if (str_eq(op, "min"))
		return "l->__agg.min";
	if (str_eq(op, "max"))
		return "l->__agg.max";
	if (str_eq(op, "avg"))
		return "stp_agg_avg(&l->__agg)";
	const char *shift = n->args.len ? gen_expr(g, vec_get(&n->args, 0)) : "0";
	return xsprintf("stp_agg_variance(&l->__agg, %s)", shift);
}

static const char *gen_statadd(Gen *g, Node *n)
{
	Node *e = n->lhs;
	Var *v = e->var;
	if (e->kind == N_INDEX) {
		const char *k = gen_key(g, v, &e->args);
		const char *val = gen_long_temp(g, n->rhs);
		emit(g, "if (unlikely(stp_map_stat_add(%s, %s, %s))) {", map_of(v), k, val);
		g->indent++;
		error_jump(g, overflow_msg(v), e->tok);
		g->indent--;
		emit(g, "}");
		return val;
	}
	const char *val = gen_long_temp(g, n->rhs);
	emit(g, "stp_stat_add(stp_g_%s, %s);", v->name, val);
	return val;
}

/* ---- dispatch */

static const char *gen_expr(Gen *g, Node *n)
{
	switch (n->kind) {
	case N_NUM:
		return xsprintf("((int64_t)%s)", c_num(n->num));
	case N_STR:
		return c_string(n->str);
	case N_SYM:
		return var_ref(g, n->var);
	case N_INDEX:
		return gen_index_read(g, n);
	case N_CALL:
		return gen_call(g, n);
	case N_PRINT:
		return gen_print(g, n);
	case N_BINARY:
		return gen_binary(g, n);
	case N_UNARY: {
		const char *a = gen_expr(g, n->lhs);
		if (n->op == '-')
			return xsprintf("(int64_t)(0 - (uint64_t)%s)", a);
		if (n->op == '!')
			return xsprintf("(int64_t)!(%s)", a);
		if (n->op == '~')
			return xsprintf("(~%s)", a);
		return a;
	}
	case N_ASSIGN:
		return gen_assign(g, n);
	case N_INCDEC:
		return gen_incdec(g, n);
	case N_TERNARY:
		return gen_ternary(g, n);
	case N_IN: {
		const char *k = gen_key(g, n->var, &n->args);
		return xsprintf("(int64_t)stp_map_exists(%s, %s)", map_of(n->var), k);
	}
	case N_STATADD:
		return gen_statadd(g, n);
	case N_STATOP:
		return gen_statop(g, n);
	case N_HISTIDX:
		return gen_hist_index(g, n);
	case N_EMBEDDED_EXPR:
		if (is_string(n))
			return xsprintf("((const char *)(%s))", n->str);
		return xsprintf("((int64_t)(%s))", n->str);
	case N_ENTRY:
		if (!g->probe || !g->probe->is_return) {
			error_tok(n->tok, "@entry is only valid in .return probes");
			return "0";
		}
		if (g->probe->in_entry)
			return gen_expr(g, n->lhs);
		return translate_entry_slot(g->probe, n->lhs);
	case N_DEFINED:
		return "((int64_t)0)";
	case N_CONST:
		return xsprintf("((int64_t)(%s))", n->str);
	case N_REGEX: {	/* regex: runtime/stp_regex.h, programs from regex.c */
		const char *err;
		const char *re = regex_use(n->str, &err);
		if (!re) {
			error_tok(n->rhs->tok, "%s", err);
			return "0";
		}
		const char *subject = gen_expr(g, n->lhs);
		const char *t = ltemp(g);	/* matched() sees this match from here on */
		emit(g, "%s = stp_regex_match(&%s, %s);", t, re, subject);
		return n->op == OP_NMATCH ? xsprintf("(int64_t)!%s", t) : t;
	}
	case N_CAST:
	case N_ATVAR: {
		const char *ptr = n->kind == N_CAST ? gen_long_temp(g, n->lhs) : NULL;
		const char *code;
		const char *err = n->kind == N_CAST ? dw_cast_code(g->s, n, ptr, index_cb, g, &code)
						    : dw_atvar_code(g->s, n, index_cb, g, &code);
		if (err && str_eq(err, "pretty")) {
			const char *buf = stemp(g);
			emit(g, "{");
			emit(g, "\tstruct stp_out o;");
			emit(g, "\tstp_out_init_str(&o, %s, MAXSTRINGLEN);", buf);
			buf_puts(g->out, code);
			emit(g, "}");
			return buf;
		}
		if (err) {
			error_tok(n->tok, "%s", err);
			return "0";
		}
		const char *t = ltemp(g);
		emit(g, "%s = %s;", t, code);
		emit(g, "if (unlikely(c->last_error)) {");
		emit(g, "\tc->error_loc = %s;", where(n->tok));
		emit(g, "\tgoto %s;", g->err_label);
		emit(g, "}");
		return t;
	}
	case N_TARGET: {
		if (!g->probe || !g->probe->family->target_code) {
			error_tok(n->tok, "target variables are not available here");
			return "0";
		}
		const char *code = g->probe->family->target_code(g->s, g->probe, n, g);
		if (is_string(n))
			return code;	/* pretty printing: never faults */
		const char *t = ltemp(g);
		emit(g, "%s = %s;", t, code);
		emit(g, "if (unlikely(c->last_error)) {");
		emit(g, "	c->error_loc = %s;", where(n->tok));
		emit(g, "	goto %s;", g->err_label);
		emit(g, "}");
		return t;
	}
	default:
		error_tok(n->tok, "this construct is not supported by the translator yet");
		return "0";
	}
}

/* A value of a .return probe read at the call (a target variable, @entry,
 * $$parms): its place in the entry data, the longs first, then the strings
 * of MAXSTRINGLEN bytes (STP_STR_SLOTS int64s each). */
const char *translate_entry_slot(DProbe *d, Node *n)
{
	const char *at;

	if (is_string(n))
		at = xsprintf("((char *)((int64_t *)c->entry_data + STP_ENTRY_LONGS_%s + %d * STP_STR_SLOTS))",
			      d->cname, d->entry_strs++);
	else
		at = xsprintf("((int64_t *)c->entry_data)[%d]", d->entry_longs++);
	vec_push(&d->entry_exprs, n);
	vec_push(&d->entry_at, at);
	return at;
}

const char *translate_entry_size(DProbe *d)
{
	return xsprintf("%d + %d * STP_STR_SLOTS", d->entry_longs, d->entry_strs);
}

const char *translate_string_temp(void *gen)
{
	return stemp(gen);
}

static const char *index_cb(Node *n, void *gen)
{
	return gen_long_temp(gen, n);
}

const char *(*translate_index_hook(void))(Node *, void *)
{
	return index_cb;
}

/* ================================================================ statements */

/* Side-effect-only expressions are emitted as statements. */
static void gen_expr_stmt(Gen *g, Node *e)
{
	const char *v = gen_expr(g, e);
	if (e->kind == N_CALL || e->kind == N_PRINT || e->kind == N_ASSIGN || e->kind == N_INCDEC ||
	    e->kind == N_STATADD || e->kind == N_SYM || e->kind == N_NUM || e->kind == N_STR)
		return;
	emit(g, "(void)(%s);", v);
}

/* ---- where a probe takes its locks
 * As SystemTap does, as late and as briefly as it can: just before the
 * first statement that uses a global (or calls a function that does) and
 * released after the last, so that a hit taking another path takes no
 * lock and one that does holds it only around those statements.  When a
 * list has one such statement and it is a block, or an if whose condition
 * uses none, the locks go inside it, in each branch.  Loops, try and
 * foreach are locked whole (a lock taken per iteration could see its
 * globals change between two).  A hit that cannot take them is skipped
 * there: its output so far is kept. */

typedef struct Access Access;
static void access_expr(Access *a, Node *n, bool write);
static bool touches(Gen *g, Node *n);

/* Take the locks (none held here: a lock point runs once per hit); from
 * here errors and `next` leave through out_locked, which releases them.
 * No flag says at run time whether they are held: the code knows. */
static void gen_lock(Gen *g)
{
	emit(g, "if (unlikely(!stp_probe_lock(%s)))", g->locks);
	emit(g, "\tgoto out;");
	g->lazy = false;
	g->unlocked_err = g->err_label;
	g->err_label = g->exit_label = "out_locked";
}

static void gen_unlock(Gen *g)
{
	emit(g, "stp_locks_release(%s);", g->locks);
	g->lazy = true;
	g->err_label = g->unlocked_err;
	g->exit_label = "out";
}

/* n statements (and the functions they call) under the locks */
static void gen_locked(Gen *g, Node **stmts, int n)
{
	gen_lock(g);
	for (int i = 0; i < n; i++)
		gen_stmt(g, stmts[i]);
	gen_unlock(g);
}

static void gen_block(Gen *g, Node *n)
{
	int first = -1, last = -1;

	if (g->lazy)
		vec_foreach(&n->stmts, i)
			if (touches(g, vec_get(&n->stmts, i))) {
				if (first < 0)
					first = i;
				last = i;
			}
	if (first == last) {	/* none, or one: gen_stmt places its locks */
		vec_foreach(&n->stmts, i)
			gen_stmt(g, vec_get(&n->stmts, i));
		return;
	}
	for (int i = 0; i < first; i++)
		gen_stmt(g, vec_get(&n->stmts, i));
	gen_locked(g, (Node **)n->stmts.data + first, last - first + 1);
	for (int i = last + 1; i < n->stmts.len; i++)
		gen_stmt(g, vec_get(&n->stmts, i));
}

static void gen_if(Gen *g, Node *n)
{
	const char *c = gen_expr(g, n->cond);
	emit(g, "if (%s) {", c);
	g->indent++;
	gen_stmt(g, n->then);
	g->indent--;
	if (n->els) {
		emit(g, "} else {");
		g->indent++;
		gen_stmt(g, n->els);
		g->indent--;
	}
	emit(g, "}");
}

static void gen_loop_body(Gen *g, Node *body, const char *brk, const char *cont)
{
	const char *ob = g->break_label, *oc = g->continue_label;
	g->break_label = brk;
	g->continue_label = cont;
	gen_stmt(g, body);
	g->break_label = ob;
	g->continue_label = oc;
}

static void gen_for(Gen *g, Node *n)
{
	const char *brk = label(g, "brk"), *cont = label(g, "cont");
	if (n->init)
		gen_expr_stmt(g, n->init);
	emit(g, "for (;;) {");
	g->indent++;
	emit(g, "STP_LOOP_CHECK(c, %s);", g->err_label);
	g->has_loop = true;
	if (n->cond) {
		g->nlong = g->nstr = g->nkey = 0;
		const char *c = gen_expr(g, n->cond);
		emit(g, "if (!(%s))", c);
		emit(g, "\tbreak;");
	}
	gen_loop_body(g, n->then, brk, cont);
	emit(g, "%s: __maybe_unused;", cont);
	if (n->incr) {
		g->nlong = g->nstr = g->nkey = 0;
		gen_expr_stmt(g, n->incr);
	}
	g->indent--;
	emit(g, "}");
	emit(g, "%s: __maybe_unused;", brk);
}

static int agg_code(const char *name)
{
	if (!name || str_eq(name, "@count")) return 1;
	if (str_eq(name, "@sum")) return 2;
	if (str_eq(name, "@min")) return 3;
	if (str_eq(name, "@max")) return 4;
	if (str_eq(name, "@avg")) return 5;
	return 6;
}

/* foreach (b in @hist_*(s)): every bucket index in ascending order. */
static void gen_foreach_hist(Gen *g, Node *n)
{
	Foreach *fe = n->fe;
	Var *s = fe->array->var;
	int id = ++g->labels;
	const char *cnt = xsprintf("l->__cnt%d", id);
	const char *lim = xsprintf("l->__lim%d", id);
	vec_push(&g->extra_fields, xsprintf("int64_t __cnt%d, __lim%d;", id, id));
	const char *brk = xsprintf("brk_%d", id), *cont = xsprintf("cont_%d", id);
	if (fe->limit)
		emit(g, "%s = %s;", lim, gen_expr(g, fe->limit));
	else
		emit(g, "%s = -1;", lim);
	emit(g, "for (%s = 0; %s < stp_hist_nbuckets(&stp_g_%s_spec) && (%s < 0 || %s < %s); %s++) {",
	     cnt, cnt, s->name, lim, cnt, lim, cnt);
	g->indent++;
	emit(g, "STP_LOOP_CHECK(c, %s);", g->err_label);
	g->has_loop = true;
	Node *k = vec_get(&fe->keys, 0);
	emit(g, "%s = %s;", var_ref(g, k->var), cnt);
	gen_loop_body(g, n->then, brk, cont);
	emit(g, "%s: __maybe_unused;", cont);
	g->indent--;
	emit(g, "}");
	emit(g, "%s: __maybe_unused;", brk);
}

/* @hist_*(s)[bucket]: the bucket's count; a bad index is an error. */
static const char *gen_hist_index(Gen *g, Node *n)
{
	Node *h = n->lhs;
	Var *s = h->lhs->var;
	const char *idx = gen_long_temp(g, n->rhs);
	g->frame_needs_agg = true;
	if (h->lhs->kind == N_INDEX) {
		const char *k = gen_key(g, s, &h->lhs->args);
		emit(g, "stp_map_stat_get(%s, %s, &l->__agg);", map_of(s), k);
	} else {
		emit(g, "stp_stat_get(stp_g_%s, &l->__agg);", s->name);
	}
	emit(g, "if (unlikely(%s < 0 || %s >= stp_hist_nbuckets(&stp_g_%s_spec))) {", idx, idx, s->name);
	g->indent++;
	error_jump(g, "histogram index out of range", h->tok);
	g->indent--;
	emit(g, "}");
	return xsprintf("stp_hist_bucket(&stp_g_%s_spec, &l->__agg, %s)", s->name, idx);
}

static void gen_foreach(Gen *g, Node *n)
{
	Foreach *fe = n->fe;
	if (fe->array->kind == N_HIST) {
		gen_foreach_hist(g, n);
		return;
	}
	Var *a = fe->array->var;
	int id = ++g->labels;
	const char *it = xsprintf("l->__it%d", id);
	const char *cnt = xsprintf("l->__cnt%d", id);
	const char *lim = xsprintf("l->__lim%d", id);
	vec_push(&g->extra_fields, xsprintf("struct stp_map_iter __it%d;", id));
	vec_push(&g->extra_fields, xsprintf("int64_t __cnt%d, __lim%d;", id, id));
	const char *brk = xsprintf("brk_%d", id), *cont = xsprintf("cont_%d", id);
	if (fe->limit) {
		const char *lv = gen_expr(g, fe->limit);
		emit(g, "%s = %s;", lim, lv);
	} else {
		emit(g, "%s = -1;", lim);
	}
	/* slice keys: evaluate once */
	Vec slice = {0};
	if (fe->array->kind == N_INDEX) {
		vec_foreach(&fe->array->args, i) {
			Node *k = vec_get(&fe->array->args, i);
			if (k->kind == N_STAR) {
				vec_push(&slice, NULL);
				continue;
			}
			const char *v = gen_expr(g, k);
			const char *f = xsprintf("__slice%d_%d", id, i);
			if (is_string(k)) {
				vec_push(&g->extra_fields, xsprintf("char %s[MAXSTRINGLEN];", f));
				emit(g, "stp_strlcpy(l->%s, %s);", f, v);
			} else {
				vec_push(&g->extra_fields, xsprintf("int64_t %s;", f));
				emit(g, "l->%s = %s;", f, v);
			}
			vec_push(&slice, (void *)xsprintf("l->%s", f));
		}
	}
	emit(g, "%s = 0;", cnt);
	int sort_col = fe->sort_key;
	int aggr = a->type == TY_STATS && sort_col == -1 ? agg_code(fe->sort_aggr ? fe->array->str : NULL) : 0;
	emit(g, "stp_map_iter_start(%s, &%s, %d, %d, %d, %s);", map_of(a), it, sort_col,
	     fe->sort_dir ? fe->sort_dir : 1, aggr, slice.len ? "-1" : lim);
	emit(g, "while (stp_map_iter_next(%s, &%s)) {", map_of(a), it);
	g->indent++;
	emit(g, "STP_LOOP_CHECK(c, %s);", g->err_label);
	g->has_loop = true;
	vec_foreach(&slice, i) {
		const char *sv = vec_get(&slice, i);
		if (!sv)
			continue;
		if (a->key_types[i] == TY_STRING)
			emit(g, "if (strcmp(stp_iter_key_str(&%s, %d), %s) != 0)", it, i, sv);
		else
			emit(g, "if (stp_iter_key_long(&%s, %d) != %s)", it, i, sv);
		emit(g, "\tcontinue;");
	}
	if (slice.len) {
		emit(g, "if (%s >= 0 && %s >= %s)", lim, cnt, lim);
		emit(g, "\tbreak;");
	}
	emit(g, "%s++;", cnt);
	vec_foreach(&fe->keys, i) {
		Node *k = vec_get(&fe->keys, i);
		if (a->key_types[i] == TY_STRING)
			emit(g, "stp_strlcpy(%s, stp_iter_key_str(&%s, %d));", var_ref(g, k->var), it, i);
		else
			emit(g, "%s = stp_iter_key_long(&%s, %d);", var_ref(g, k->var), it, i);
	}
	if (fe->value) {
		if (a->type == TY_STRING)
			emit(g, "stp_strlcpy(%s, stp_iter_val_str(&%s));", var_ref(g, fe->value->var), it);
		else
			emit(g, "%s = stp_iter_val_long(&%s);", var_ref(g, fe->value->var), it);
	}
	gen_loop_body(g, n->then, brk, cont);
	emit(g, "%s: __maybe_unused;", cont);
	g->indent--;
	emit(g, "}");
	emit(g, "%s: __maybe_unused;", brk);
	emit(g, "stp_map_iter_end(%s, &%s);", map_of(a), it);
}

static void gen_try(Gen *g, Node *n)
{
	const char *catch_l = label(g, "catch"), *end = label(g, "endtry");
	const char *saved = g->err_label;
	g->err_label = catch_l;
	emit(g, "{");
	g->indent++;
	gen_stmt(g, n->then);
	g->indent--;
	emit(g, "}");
	g->err_label = saved;
	emit(g, "goto %s;", end);
	emit(g, "%s:", catch_l);
	emit(g, "if (unlikely(c->error_fatal))");
	emit(g, "\tgoto %s;", saved);
	if (n->var)
		emit(g, "stp_strlcpy(%s, c->last_error ? c->last_error : \"\");", var_ref(g, n->var));
	emit(g, "stp_error_clear(c);");
	emit(g, "{");
	g->indent++;
	gen_stmt(g, n->els);
	g->indent--;
	emit(g, "}");
	emit(g, "%s: __maybe_unused;", end);
}

static void gen_delete(Gen *g, Node *n)
{
	Node *e = n->lhs;
	Var *v = e->var;
	if (!v)
		return;
	if (e->kind == N_SYM) {
		if (v->arity > 0)
			emit(g, "stp_map_clear(%s);", map_of(v));
		else if (v->type == TY_STATS)
			emit(g, "stp_stat_clear(stp_g_%s);", v->name);
		else if (v->type == TY_STRING)
			emit(g, "%s[0] = '\\0';", var_ref(g, v));
		else
			emit(g, "%s = 0;", var_ref(g, v));
		return;
	}
	bool wild = false;
	vec_foreach(&e->args, i)
		if (((Node *)vec_get(&e->args, i))->kind == N_STAR)
			wild = true;
	if (wild) {
		bool all = true;
		vec_foreach(&e->args, i)
			if (((Node *)vec_get(&e->args, i))->kind != N_STAR)
				all = false;
		if (all) {
			emit(g, "stp_map_clear(%s);", map_of(v));
			return;
		}
		const char *k = gen_key(g, v, &e->args);
		unsigned mask = 0;
		vec_foreach(&e->args, i)
			if (((Node *)vec_get(&e->args, i))->kind == N_STAR)
				mask |= 1u << i;
		emit(g, "stp_map_delete_matching(%s, %s, 0x%x);", map_of(v), k, mask);
		return;
	}
	const char *k = gen_key(g, v, &e->args);
	emit(g, "stp_map_delete(%s, %s);", map_of(v), k);
}

static void gen_stmt(Gen *g, Node *n)
{
	if (!n)
		return;
	if (g->lazy && n->kind != N_BLOCK && !(n->kind == N_IF && !touches(g, n->cond)) &&
	    touches(g, n)) {
		gen_locked(g, &n, 1);
		return;
	}
	g->nlong = g->nstr = g->nkey = 0;
	if (n->kind != N_BLOCK && n->kind != N_NULL)
		emit(g, "STP_STMT(c, %s, %s);", where(n->tok),
		     g->err_label);
	switch (n->kind) {
	case N_BLOCK:
		gen_block(g, n);
		break;
	case N_EXPR_STMT:
		gen_expr_stmt(g, n->lhs);
		break;
	case N_IF:
		gen_if(g, n);
		break;
	case N_FOR:
		gen_for(g, n);
		break;
	case N_FOREACH:
		gen_foreach(g, n);
		break;
	case N_TRY:
		gen_try(g, n);
		break;
	case N_NEXT:
		if (g->func)
			emit(g, "c->next_fn = 1;");	/* try the next overload */
		emit(g, "goto %s;", g->exit_label);
		break;
	case N_BREAK:
		if (g->break_label)
			emit(g, "goto %s;", g->break_label);
		else
			error_tok(n->tok, "break statement outside of loop");
		break;
	case N_CONTINUE:
		if (g->continue_label)
			emit(g, "goto %s;", g->continue_label);
		else
			error_tok(n->tok, "continue statement outside of loop");
		break;
	case N_RETURN:
		if (n->lhs && g->func) {
			const char *v = gen_expr(g, n->lhs);
			if (is_string(n->lhs))
				emit(g, "stp_strlcpy(l->__retvalue, %s);", v);
			else
				emit(g, "l->__retvalue = %s;", v);
		}
		emit(g, "goto out;");
		break;
	case N_DELETE:
		gen_delete(g, n);
		break;
	case N_NULL:
		break;
	case N_EMBEDDED:
		emit(g, "{\n%s\n}", n->str);
		break;
	default:
		gen_expr_stmt(g, n);
	}
}

/* ================================================================ frames */

static void frame_field(Buf *b, Var *v)
{
	if (v->type == TY_STRING)
		buf_printf(b, "\tchar l_%s[MAXSTRINGLEN];\n", v->name);
	else
		buf_printf(b, "\tint64_t l_%s;\n", v->name);
}

static void emit_frame(Buf *b, Gen *g, const char *cname, Vec *params, Vec *locals, Type ret)
{
	buf_printf(b, "struct stp_frame_%s {\n", cname);
	if (params)
		vec_foreach(params, i)
			frame_field(b, vec_get(params, i));
	vec_foreach(locals, i)
		frame_field(b, vec_get(locals, i));
	if (ret == TY_STRING)
		buf_puts(b, "\tchar __retvalue[MAXSTRINGLEN];\n");
	else if (ret == TY_LONG)
		buf_puts(b, "\tint64_t __retvalue;\n");
	for (int i = 0; i < g->max_long; i++)
		buf_printf(b, "\tint64_t __t%d;\n", i);
	for (int i = 0; i < g->max_str; i++)
		buf_printf(b, "\tchar __s%d[MAXSTRINGLEN];\n", i);
	for (int i = 0; i < g->max_key; i++)
		buf_printf(b, "\tstruct stp_key __k%d;\n", i);
	vec_foreach(&g->extra_fields, i)
		buf_printf(b, "\t%s\n", (char *)vec_get(&g->extra_fields, i));
	if (g->frame_needs_agg)
		buf_puts(b, "\tstruct stp_stat_agg __agg;\n");
	buf_puts(b, "\tchar __unused;\n};\n\n");
}

static void init_locals(Gen *g, Vec *locals)
{
	vec_foreach(locals, i) {
		Var *v = vec_get(locals, i);
		if (v->type == TY_STRING)
			emit(g, "l->l_%s[0] = '\\0';", v->name);
		else
			emit(g, "l->l_%s = 0;", v->name);
	}
}

/* ================================================================ functions and probes */

static void gen_embedded_func(Gen *g, Func *f)
{
	emit(g, "#define CONTEXT c");
	emit(g, "#define THIS l");
	vec_foreach(&f->params, i) {
		Var *p = vec_get(&f->params, i);
		emit(g, "#define STAP_ARG_%s (l->l_%s)", p->name, p->name);
	}
	if (f->ret == TY_STRING) {
		emit(g, "#define STAP_RETVALUE (l->__retvalue)");
		emit(g, "#define STAP_RETURN(v) do { stp_strlcpy(l->__retvalue, (v)); goto out; } while (0)");
	} else if (f->ret == TY_LONG) {
		emit(g, "#define STAP_RETVALUE (l->__retvalue)");
		emit(g, "#define STAP_RETURN(v) do { l->__retvalue = (v); goto out; } while (0)");
	} else {
		emit(g, "#define STAP_RETURN() goto out");
	}
	emit(g, "#define STAP_ERROR(...) do { stp_error(c, __VA_ARGS__); goto out; } while (0)");
	emit(g, "#define STAP_NEXT do { c->next_fn = 1; goto out; } while (0)");
	emit(g, "{");
	buf_puts(g->out, f->body->str);
	buf_putc(g->out, '\n');
	emit(g, "}");
	emit(g, "#undef CONTEXT");
	emit(g, "#undef THIS");
	vec_foreach(&f->params, i)
		emit(g, "#undef STAP_ARG_%s", ((Var *)vec_get(&f->params, i))->name);
	if (f->ret != TY_UNKNOWN)
		emit(g, "#undef STAP_RETVALUE");
	emit(g, "#undef STAP_RETURN");
	emit(g, "#undef STAP_ERROR");
	emit(g, "#undef STAP_NEXT");
}

/* The context parameter of a handler or function with a loop is
 * restrict: its MAXACTION budget then stays in a register through the
 * loop (a loop of `n++` runs about twice as fast).  Elsewhere it is not:
 * the compiler then keeps more of the context in saved registers, and
 * the pushes, pops and their unwind entries made a 50-probe module 10 %
 * bigger for nothing measurable. */
static const char *ctx_qual(const Gen *g)
{
	return g->has_loop ? "__restrict__ " : "";
}

static void gen_function(Session *s, Buf *frames, Buf *code, Func *f)
{
	Gen g = { .s = s, .err_label = "out", .exit_label = "out", .func = f, .locals = &f->locals };
	Buf body = {0};
	g.out = &body;
	g.indent = 1;
	emit(&g, "struct stp_frame_%s *__restrict__ l = &STP_FRAME(c)->%s;", f->cname, f->cname);
	if (f->body->kind == N_EMBEDDED) {
		if (f->ret == TY_STRING)
			emit(&g, "l->__retvalue[0] = '\\0';");
		else if (f->ret == TY_LONG)
			emit(&g, "l->__retvalue = 0;");
		gen_embedded_func(&g, f);
		emit(&g, "goto out;");
	} else {
		init_locals(&g, &f->locals);
		if (f->ret == TY_STRING)
			emit(&g, "l->__retvalue[0] = '\\0';");
		else if (f->ret == TY_LONG)
			emit(&g, "l->__retvalue = 0;");
		gen_stmt(&g, f->body);
	}
	buf_puts(&body, "out: __maybe_unused;\n\treturn;\n");
	emit_frame(frames, &g, f->cname, &f->params, &f->locals, f->ret);
	buf_printf(code, "/* function %s (%s:%d) */\nstatic void %s(struct stp_context *%sc)\n{\n%s}\n\n",
		   f->name, f->file->name, f->tok->loc.line, f->cname, ctx_qual(&g), buf_cstr(&body));
	buf_free(&body);
}

static void gen_probe(Session *s, Buf *frames, Buf *code, DProbe *d)
{
	Gen g = { .s = s, .err_label = "out", .exit_label = "out", .probe = d, .locals = &d->locals };
	Buf body = {0};
	g.out = &body;
	g.indent = 1;
	emit(&g, "struct stp_frame_%s *__restrict__ l = &STP_FRAME_AT(c, 0)->%s;", d->cname, d->cname);
	init_locals(&g, &d->locals);
	if (d->nlocks) {
		g.locks = xsprintf("stp_locks_%d, %d", d->index, d->nlocks);
		g.scratch = xalloc((size_t)s->used_globals.len + 1);
	}
	g.lazy = d->nlocks > 0;
	if (d->cond) {
		/* a condition using globals: locked from there, through the
		 * body if it uses them too */
		bool held = touches(&g, d->cond);
		if (held)
			gen_lock(&g);
		const char *cv = gen_expr(&g, d->cond);
		emit(&g, "if (!(%s))", cv);
		emit(&g, "\tgoto %s;", g.exit_label);
		if (held && !touches(&g, d->body))
			gen_unlock(&g);
	}
	gen_stmt(&g, d->body);
	if (!g.lazy && d->nlocks)	/* held from the condition on */
		gen_unlock(&g);
	buf_puts(&body, "out: __maybe_unused;\n\treturn;\n");
	if (d->nlocks)
		buf_printf(&body, "out_locked: __maybe_unused;\n\tstp_locks_release(%s);\n", g.locks);
	/* values read at the call of a .return probe (target variables, @entry) */
	Buf entry = {0};
	if (d->entry_exprs.len) {
		Gen e = g;
		e.out = &entry;
		e.indent = 1;
		d->in_entry = true;
		emit(&e, "struct stp_frame_%s *__restrict__ l = &STP_FRAME_AT(c, 0)->%s;", d->cname, d->cname);
		/* (the list grows no more: in_entry reads each value itself) */
		for (int i = 0; i < d->entry_exprs.len; i++) {
			Node *x = vec_get(&d->entry_exprs, i);
			e.nlong = e.nstr = e.nkey = 0;
			const char *v = gen_expr(&e, x);
			if (is_string(x))
				emit(&e, "stp_strlcpy(%s, %s);", (char *)vec_get(&d->entry_at, i), v);
			else
				emit(&e, "%s = %s;", (char *)vec_get(&d->entry_at, i), v);
		}
		buf_puts(&entry, "out: __maybe_unused;\n\treturn;\n");
		d->in_entry = false;
		g.max_long = e.max_long > g.max_long ? e.max_long : g.max_long;
		g.max_str = e.max_str > g.max_str ? e.max_str : g.max_str;
		g.max_key = e.max_key > g.max_key ? e.max_key : g.max_key;
		g.frame_needs_agg |= e.frame_needs_agg;
		vec_foreach(&e.extra_fields, i)
			if (i >= g.extra_fields.len)
				vec_push(&g.extra_fields, vec_get(&e.extra_fields, i));
	}
	emit_frame(frames, &g, d->cname, NULL, &d->locals, TY_UNKNOWN);
	if (d->entry_exprs.len)	/* where the strings start in the entry data */
		buf_printf(code, "#define STP_ENTRY_LONGS_%s %d\n", d->cname, d->entry_longs);
	buf_printf(code, "/* probe %s */\nstatic void %s(struct stp_context *%sc)\n{\n%s}\n\n",
		   d->pp_text, d->cname, ctx_qual(&g), buf_cstr(&body));
	if (d->entry_exprs.len)
		buf_printf(code, "/* probe %s: values at the call */\nstatic void %s_entry(struct stp_context *c)\n{\n%s}\n\n",
			   d->pp_text, d->cname, buf_cstr(&entry));
	buf_free(&body);
	buf_free(&entry);
}

/* ================================================================ globals and locks */

/* Which globals each probe reads and writes, through the functions it calls. */
struct Access {
	unsigned char *mode;	/* per used global: 0 none, 1 read, 2 write */
};

static void access_expr(Access *a, Node *n, bool write);

static void access_list(Access *a, Vec *v)
{
	vec_foreach(v, i)
		access_expr(a, vec_get(v, i), false);
}

static void note(Access *a, Var *v, bool write)
{
	if (!v || !v->is_global || v->elided)
		return;
	unsigned char m = write ? 2 : 1;
	if (a->mode[v->index] < m)
		a->mode[v->index] = m;
}

static void access_func(Access *a, Func *f)
{
	if (!f || f->visiting)
		return;
	f->visiting = true;
	access_expr(a, f->body, false);
	f->visiting = false;
}

static void access_expr(Access *a, Node *n, bool write)
{
	if (!n)
		return;
	switch (n->kind) {
	case N_SYM:
		note(a, n->var, write);
		break;
	case N_INDEX:
		note(a, n->var, write);
		access_list(a, &n->args);
		break;
	case N_ASSIGN:
	case N_INCDEC:
		access_expr(a, n->lhs, true);
		access_expr(a, n->rhs, false);
		break;
	case N_STATADD:
		/* per-CPU accumulation: a shared lock is enough */
		access_expr(a, n->lhs, false);
		access_expr(a, n->rhs, false);
		break;
	case N_DELETE:
		access_expr(a, n->lhs, true);
		break;
	case N_CALL:
		access_list(a, &n->args);
		vec_foreach(&n->overloads, i)
			access_func(a, vec_get(&n->overloads, i));
		break;
	case N_FOREACH:
		note(a, n->fe->array->var, false);
		if (n->fe->array->kind == N_INDEX)
			access_list(a, &n->fe->array->args);
		if (n->fe->array->kind == N_HIST)
			access_expr(a, n->fe->array, false);
		access_expr(a, n->fe->limit, false);
		access_expr(a, n->then, false);
		break;
	case N_IN:
		note(a, n->var, false);
		access_list(a, &n->args);
		break;
	case N_BLOCK:
		access_list(a, &n->stmts);
		break;
	default:
		access_expr(a, n->lhs, false);
		access_expr(a, n->rhs, false);
		access_expr(a, n->cond, false);
		access_expr(a, n->then, false);
		access_expr(a, n->els, false);
		access_expr(a, n->init, false);
		access_expr(a, n->incr, false);
		access_list(a, &n->args);
	}
}

/* Does n use a global the probe locks, itself or through its functions? */
static bool touches(Gen *g, Node *n)
{
	int ng = g->s->used_globals.len;
	Access a = { .mode = g->scratch };

	if (!n || !g->scratch)
		return false;
	memset(a.mode, 0, (size_t)ng);
	access_expr(&a, n, false);
	for (int k = 0; k < ng; k++)
		if (a.mode[k])
			return true;
	return false;
}

/* The globals probe d uses, into a (cleared first). */
static void probe_access(Access *a, DProbe *d, int ng)
{
	memset(a->mode, 0, (size_t)ng);
	access_expr(a, d->body, false);
	access_expr(a, d->cond, false);
}

/* begin, end and error probes run alone: before the others are armed,
 * after they are disarmed and waited for */
static bool runs_alone(const DProbe *d)
{
	return d->family == &family_begin || d->family == &family_end || d->family == &family_error;
}

/* The probe's lock set, stp_locks_INDEX: the globals it uses, in index
 * order (no deadlock between two probes), shared where it only reads.
 * As in SystemTap, a global no concurrent probe writes (set at most by
 * begin probes) is not locked, nor anything in a probe that runs alone.
 * written: per global, a concurrent probe writes it. */
static void probe_locks(Session *s, Buf *b, DProbe *d, const unsigned char *written)
{
	int ng = s->used_globals.len;
	Access a = { .mode = xalloc((size_t)ng + 1) };

	d->nlocks = 0;
	if (runs_alone(d))
		return;
	probe_access(&a, d, ng);
	for (int k = 0; k < ng; k++) {
		if (!written[k])
			a.mode[k] = 0;
		d->nlocks += a.mode[k] != 0;
	}
	if (!d->nlocks)
		return;
	buf_printf(b, "static const struct stp_lockreq stp_locks_%d[] = {", d->index);
	for (int k = 0; k < ng; k++)
		if (a.mode[k])
			buf_printf(b, " { %d, %d },", k, a.mode[k] == 2);
	buf_puts(b, " };\n");
}

/* Per global: does a probe that runs concurrently with others write it? */
static unsigned char *globals_written(Session *s)
{
	int ng = s->used_globals.len;
	unsigned char *w = xalloc((size_t)ng + 1);
	Access a = { .mode = xalloc((size_t)ng + 1) };

	vec_foreach(&s->probes, i) {
		DProbe *d = vec_get(&s->probes, i);
		if (runs_alone(d))
			continue;
		probe_access(&a, d, ng);
		for (int k = 0; k < ng; k++)
			w[k] |= a.mode[k] == 2;
	}
	return w;
}

static void emit_global(Buf *b, Var *v)
{
	if (v->arity > 0) {
		buf_printf(b, "static struct stp_map *stp_g_%s;\n", v->name);
		return;
	}
	if (v->type == TY_STATS) {
		buf_printf(b, "static struct stp_stat *stp_g_%s;\n", v->name);
		return;
	}
	if (v->type == TY_STRING) {
		buf_printf(b, "static char stp_g_%s[MAXSTRINGLEN]", v->name);
		if (v->init)
			buf_printf(b, " = %s", c_string(v->init->str));
		buf_puts(b, ";\n");
		buf_printf(b, "module_param_string(%s, stp_g_%s, MAXSTRINGLEN, 0);\n", v->name, v->name);
		return;
	}
	buf_printf(b, "static int64_t stp_g_%s", v->name);
	if (v->init)
		buf_printf(b, " = %s", c_num(v->init->num));
	buf_puts(b, ";\n");
	buf_printf(b, "module_param_cb(%s, &param_ops_long, &stp_g_%s, 0);\n__MODULE_PARM_TYPE(%s, \"long\");\n",
		   v->name, v->name, v->name);
}

/* The stat spec of a statistic: histogram type from its uses. */
static void emit_stat_spec(Buf *b, Var *v)
{
	const char *hist = "STP_HIST_NONE";
	int64_t lo = 0, hi = 0, step = 0;
	vec_foreach(&v->hist, i) {
		Node *h = vec_get(&v->hist, i);
		if (str_eq(h->str, "@hist_log")) {
			hist = "STP_HIST_LOG";
		} else {
			hist = "STP_HIST_LINEAR";
			lo = ((Node *)vec_get(&h->args, 0))->num;
			hi = ((Node *)vec_get(&h->args, 1))->num;
			step = ((Node *)vec_get(&h->args, 2))->num;
		}
	}
	buf_printf(b, "static const struct stp_stat_spec stp_g_%s_spec = { .hist = %s, .lo = %" PRId64
		   ", .hi = %" PRId64 ", .step = %" PRId64 " };\n", v->name, hist, lo, hi, step);
}

static void emit_map_spec(Buf *b, Var *v)
{
	buf_printf(b, "static const struct stp_map_spec stp_g_%s_mspec = {\n\t.nkeys = %d,\n\t.key_types = {",
		   v->name, v->arity);
	for (int i = 0; i < v->arity; i++)
		buf_printf(b, "%s%s", i ? ", " : " ", v->key_types[i] == TY_STRING ? "STP_STRING" : "STP_LONG");
	buf_printf(b, " },\n\t.value_type = %s,\n\t.max_entries = %" PRId64 ",\n\t.wrap = %s,\n",
		   v->type == TY_STRING ? "STP_STRING" : v->type == TY_STATS ? "STP_STAT" : "STP_LONG",
		   v->maxsize, v->wrap ? "true" : "false");
	if (v->type == TY_STATS)
		buf_printf(b, "\t.stat = stp_g_%s_spec,\n", v->name);
	buf_puts(b, "};\n");
}

/* Histograms used on each statistic decide its spec; check consistency. */
static void collect_hist(Node *n);

static void collect_hist_list(Vec *v)
{
	vec_foreach(v, i)
		collect_hist(vec_get(v, i));
}

static void collect_hist(Node *n)
{
	if (!n)
		return;
	if (n->kind == N_HIST && n->lhs->var) {
		Var *v = n->lhs->var;
		vec_foreach(&n->args, i) {
			Node *a = vec_get(&n->args, i);
			if (a->kind != N_NUM && !(a->kind == N_UNARY && a->op == '-' && a->lhs->kind == N_NUM))
				error_tok(a->tok, "histogram parameters must be literal numbers");
			if (a->kind == N_UNARY) {
				a->kind = N_NUM;
				a->num = -a->lhs->num;
			}
		}
		if (str_eq(n->str, "@hist_linear") && n->args.len == 3) {
			int64_t lo = ((Node *)vec_get(&n->args, 0))->num;
			int64_t hi = ((Node *)vec_get(&n->args, 1))->num;
			int64_t step = ((Node *)vec_get(&n->args, 2))->num;
			if (step <= 0 || hi <= lo)
				error_tok(n->tok, "invalid histogram parameters");
			else if ((hi - lo) / step > 128)
				error_tok(n->tok, "too many histogram buckets (at most 128)");
		}
		vec_foreach(&v->hist, i) {
			Node *o = vec_get(&v->hist, i);
			bool same = str_eq(o->str, n->str) && o->args.len == n->args.len;
			for (int k = 0; same && k < o->args.len; k++)
				same = ((Node *)vec_get(&o->args, k))->num == ((Node *)vec_get(&n->args, k))->num;
			if (!same) {
				error_tok(n->tok, "multiple histogram types declared on '__global_%s'", v->name);
				break;
			}
		}
		vec_push(&v->hist, n);
	}
	collect_hist(n->lhs);
	collect_hist(n->rhs);
	collect_hist(n->cond);
	collect_hist(n->then);
	collect_hist(n->els);
	collect_hist(n->init);
	collect_hist(n->incr);
	collect_hist_list(&n->args);
	collect_hist_list(&n->stmts);
	if (n->kind == N_FOREACH) {
		collect_hist(n->fe->limit);
		if (n->fe->array->kind == N_HIST)
			collect_hist(n->fe->array);
	}
}

/* Pass 2's last check: each statistic has one kind of histogram. */
void collect_histograms(Session *s)
{
	vec_foreach(&s->probes, i)
		collect_hist(((DProbe *)vec_get(&s->probes, i))->body);
	vec_foreach(&s->used_funcs, i)
		collect_hist(((Func *)vec_get(&s->used_funcs, i))->body);
}

/* ================================================================ the file */

static void emit_lifecycle(Session *s, Buf *b)
{
	int usymfiles = emit_user_symbols(s, b);
	/* init: maps and statistics */
	buf_puts(b, "static int stp_gen_init(void)\n{\n\tint rc = stp_runtime_init(stp_frame_size, stp_texts);\n\n"
		    "\tif (rc)\n\t\treturn rc;\n");
	if (usymfiles)
		buf_printf(b, "\tstp_usymfiles = stp_usymfiles_tab;\n\tstp_nusymfiles = %d;\n", usymfiles);
	buf_printf(b, "\tstp_locks_init(stp_global_locks, %d);\n", s->used_globals.len);
	if (regex_init_code())	/* regex */
		buf_puts(b, regex_init_code());
	vec_foreach(&s->used_globals, i) {
		Var *v = vec_get(&s->used_globals, i);
		if (v->arity > 0) {
			buf_printf(b, "\tstp_g_%s = stp_map_new(&stp_g_%s_mspec);\n", v->name, v->name);
			buf_printf(b, "\tif (!stp_g_%s)\n\t\tgoto fail;\n", v->name);
		} else if (v->type == TY_STATS) {
			buf_printf(b, "\tstp_g_%s = stp_stat_new(&stp_g_%s_spec);\n", v->name, v->name);
			buf_printf(b, "\tif (!stp_g_%s)\n\t\tgoto fail;\n", v->name);
		}
	}
	buf_puts(b, "\treturn 0;\nfail: __maybe_unused;\n\tstp_gen_exit();\n\treturn -ENOMEM;\n}\n\n");

	const Family *fams[] = { &family_begin, &family_end, &family_error };
	const char *hooks[] = { "begin", "end", "error" };
	for (int k = 0; k < 3; k++) {
		bool any = false;
		vec_foreach(&s->probes, i)
			if (((DProbe *)vec_get(&s->probes, i))->family == fams[k])
				any = true;
		if (k == 0)
			buf_printf(b, "static void stp_gen_begin(void)\n{\n%s}\n\n",
				   any ? "\tstp_fam_begin_run();\n" : "");
		if (k == 1)
			buf_printf(b, "static void stp_gen_end_probes(void)\n{\n%s}\n\n",
				   any ? "\tstp_fam_end_run();\n" : "");
		if (k == 2)
			buf_printf(b, "static bool stp_gen_error_probes(void)\n{\n%s}\n\n",
				   any ? "\tstp_fam_error_run();\n\treturn true;\n" : "\treturn false;\n");
		(void)hooks;
	}
	/* in SystemTap's error state (past MAXERRORS or MAXSKIPPED, overload)
	 * the error probes run instead of the end probes */
	buf_puts(b, "static void stp_gen_end(void)\n{\n"
		    "\tif (atomic_read(&stp_session_failed)) {\n\t\tstp_gen_error_probes();\n\t\treturn;\n\t}\n"
		    "\tstp_gen_end_probes();\n}\n\n");

	/* register / unregister: families in table order, unwinding on failure */
	Vec regs = {0};
	for (int i = 0; families[i]; i++) {
		if (!families[i]->registers)
			continue;
		bool any = false;
		vec_foreach(&s->probes, k)
			if (((DProbe *)vec_get(&s->probes, k))->family == families[i])
				any = true;
		if (any)
			vec_push(&regs, (void *)families[i]->name);
	}
	buf_puts(b, "static int stp_gen_register(void)\n{\n\tint rc = 0;\n\n");
	vec_foreach(&regs, i) {
		buf_printf(b, "\trc = stp_fam_%s_register();\n\tif (rc)\n\t\tgoto fail_%d;\n",
			   (char *)vec_get(&regs, i), i);
	}
	buf_puts(b, "\treturn 0;\n");
	for (int i = regs.len - 1; i >= 0; i--) {
		buf_printf(b, "fail_%d: __maybe_unused;\n", i);
		if (i > 0)
			buf_printf(b, "\tstp_fam_%s_unregister();\n", (char *)vec_get(&regs, i - 1));
	}
	buf_puts(b, "\treturn rc;\n}\n\n");
	buf_puts(b, "static void stp_gen_unregister(void)\n{\n");
	for (int i = regs.len - 1; i >= 0; i--)
		buf_printf(b, "\tstp_fam_%s_unregister();\n", (char *)vec_get(&regs, i));
	buf_puts(b, "}\n\n");
}

static void emit_exit_hook(Session *s, Buf *b)
{
	buf_puts(b, "static void stp_gen_exit(void)\n{\n");
	vec_foreach(&s->used_globals, i) {
		Var *v = vec_get(&s->used_globals, i);
		if (v->arity > 0)
			buf_printf(b, "\tstp_map_free(stp_g_%s);\n\tstp_g_%s = NULL;\n", v->name, v->name);
		else if (v->type == TY_STATS)
			buf_printf(b, "\tstp_stat_free(stp_g_%s);\n\tstp_g_%s = NULL;\n", v->name, v->name);
	}
	if (regex_exit_code())	/* regex */
		buf_puts(b, regex_exit_code());
	buf_puts(b, "\tstp_runtime_exit();\n}\n\n");
}

/* stap -t's " from: X from: Y": the point found (a DWARF probe's, or an
 * alias body's), the aliases it came through, the probe's first point as
 * written (SystemTap's; its second point says the first too). */
static const char *derivation_text(DProbe *d)
{
	Buf b = {0};
	const char *first = d->probe && d->probe->points.len ?
		pp_string(vec_get(&d->probe->points, 0)) : d->pp_text;

	/* what the script added after an alias's name (.sample(N)) follows
	 * each step, as SystemTap shows it */
	const char *suffix = "";
	if (d->derivation.len > 1) {
		const char *alias = vec_get(&d->derivation, 1);
		const char *eq = strstr(alias, " = ");
		size_t n = eq ? (size_t)(eq - alias) : strlen(alias);
		if (!strncmp(first, alias, n) && first[n] == '.')
			suffix = first + n;
	}
	if (d->family && d->family->list_pc)
		buf_printf(&b, " from: %s", d->pp_text);
	else if (d->derivation.len > 1) {
		const char *body = strstr(vec_get(&d->derivation, d->derivation.len - 1), " = ");
		if (body)
			buf_printf(&b, " from: %s%s", body + 3, suffix);
	}
	for (int k = d->derivation.len - 1; k >= 1; k--) {
		const char *alias = vec_get(&d->derivation, k);
		const char *eq = strstr(alias, " = ");
		buf_printf(&b, " from: %.*s%s", eq ? (int)(eq - alias) : (int)strlen(alias), alias, suffix);
	}
	buf_printf(&b, " from: %s", first);
	return buf_cstr(&b);
}

/* probe_type(): SystemTap's name for the mechanism behind the probe */
static const char *probe_type_name(DProbe *d)
{
	const Family *f = d->family;
	bool user = str_startswith(d->pp_text, "process");

	if (d->pp_shown)	/* process.begin, .end, .syscall...: utrace's */
		return strstr(d->pp_shown, ".syscall") ? "utrace_syscall" : "utrace";
	if (runs_alone(d))
		return "begin_end";
	if (f == &family_kernel || f == &family_kprobe || f == &family_stmt)
		return user ? (d->is_return ? "uretprobe" : "uprobe") : (d->is_return ? "kretprobe" : "kprobe");
	if (f == &family_timer)
		return str_startswith(d->pp_text, "timer.jiffies") ? "timer" : "hrtimer";
	if (f == &family_profile || f == &family_perf)	/* SystemTap's timer.profile is perf's */
		return "perf_event";
	if (f == &family_procfs)
		return "procfs";
	if (f == &family_netfilter)
		return "netfilter";
	if (f == &family_trace)
		return "kernel_tracepoint";
	return "";
}

int translate(Session *s)
{
	int errs = g_errors;
	Buf head = {0}, globals = {0}, frames = {0}, code = {0}, tail = {0};

	texts_reset();
	/* names */
	vec_foreach(&s->used_funcs, i) {
		Func *f = vec_get(&s->used_funcs, i);
		f->cname = xsprintf("stp_f%d_%s", i, f->name);
	}
	vec_foreach(&s->probes, i) {
		DProbe *d = vec_get(&s->probes, i);
		d->cname = xsprintf("stp_p%d", i);
	}

	buf_printf(&head, "/* Generated by ctap's stap from %s: do not edit. */\n", s->user_file->name);
	buf_printf(&head, "#define STP_NUM_GLOBALS %d\n", s->used_globals.len);
	if (s->suppress_handler_errors)
		buf_puts(&head, "#define STP_SUPPRESS_HANDLER_ERRORS 1\n");
	if (s->timing)
		buf_puts(&head, "#define STP_TIMING 1\n");
	buf_puts(&head, "#include \"stp_runtime.h\"\n\n");
	vec_foreach(&s->embeds, i)
		buf_printf(&head, "%s\n", ((Node *)vec_get(&s->embeds, i))->str);

	/* globals */
	buf_puts(&globals, "/* ---- globals */\n");
	vec_foreach(&s->used_globals, i) {
		Var *v = vec_get(&s->used_globals, i);
		if (v->type == TY_STATS)
			emit_stat_spec(&globals, v);
		if (v->arity > 0)
			emit_map_spec(&globals, v);
		emit_global(&globals, v);
	}
	buf_printf(&globals, "static struct stp_lock stp_global_locks[%d];\n",
		   s->used_globals.len ? s->used_globals.len : 1);
	unsigned char *written = globals_written(s);
	vec_foreach(&s->probes, i)
		probe_locks(s, &globals, vec_get(&s->probes, i), written);
	if (s->timing) {	/* stap -t: lock contention by SystemTap's names */
		buf_puts(&globals, "static const char *const stp_global_names[] = {");
		vec_foreach(&s->used_globals, i)
			buf_printf(&globals, " \"__global_%s\",", ((Var *)vec_get(&s->used_globals, i))->name);
		buf_puts(&globals, " NULL };\n");
	}
	buf_putc(&globals, '\n');

	/* prototypes, bodies */
	vec_foreach(&s->used_funcs, i) {
		Func *f = vec_get(&s->used_funcs, i);
		buf_printf(&code, "static void %s(struct stp_context *c);\n", f->cname);
	}
	buf_putc(&code, '\n');
	vec_foreach(&s->used_funcs, i)
		gen_function(s, &frames, &code, vec_get(&s->used_funcs, i));
	vec_foreach(&s->probes, i)
		gen_probe(s, &frames, &code, vec_get(&s->probes, i));
	if (g_errors > errs)
		return 1;
	regex_emit_defs(&globals);	/* regex: programs precede the code */

	/* union of frames */
	buf_puts(&frames, "union stp_frame {\n");
	vec_foreach(&s->used_funcs, i) {
		Func *f = vec_get(&s->used_funcs, i);
		buf_printf(&frames, "\tstruct stp_frame_%s %s;\n", f->cname, f->cname);
	}
	vec_foreach(&s->probes, i) {
		DProbe *d = vec_get(&s->probes, i);
		buf_printf(&frames, "\tstruct stp_frame_%s %s;\n", d->cname, d->cname);
	}
	buf_puts(&frames, "};\n#define STP_FRAME_AT(c, n) ((union stp_frame *)(c)->frames + (n))\n"
		 "#define STP_FRAME(c) STP_FRAME_AT(c, (c)->nesting)\n"
		 "static const size_t stp_frame_size = sizeof(union stp_frame);\n\n");

	buf_puts(&tail, "\nstatic const struct stp_probe stp_probes[] = {\n");
	vec_foreach(&s->probes, i) {
		DProbe *d = vec_get(&s->probes, i);
		/* pn(): an alias's name as written; otherwise the point itself,
		 * resolved (SystemTap's, checked in the lab) */
		const char *pn = d->orig && d->derivation.len > 1 ? pp_string(d->orig) : d->pp_text;
		/* texts by offset + 1 in stp_texts: no relocation each */
		buf_printf(&tail, "\t{ .pp = %d, .pn = %d, .handler = %s, .index = %d",
			   text_offset(d->pp_shown ? d->pp_shown : d->pp_text) + 1, text_offset(pn) + 1, d->cname, i);
		if (d->ppfunc)
			buf_printf(&tail, ", .func = %d", text_offset(d->ppfunc) + 1);
		if (s->timing)
			buf_printf(&tail, ", .derivation = %d", text_offset(derivation_text(d)) + 1);
		buf_printf(&tail, ", .type = %d", text_offset(probe_type_name(d)) + 1);
		/* -t's location: the probe's, or through an alias the point's
		 * (SystemTap's) */
		const Tok *lt = d->probe ? d->probe->tok : NULL;
		if (d->derivation.len > 1 && d->orig && d->orig->tok)
			lt = d->orig->tok;
		if (lt && lt->loc.file)
			buf_printf(&tail, ", .location = %d", text_offset(xsprintf("%s:%d:%d",
				   lt->loc.file->name, lt->loc.line, lt->loc.col)) + 1);
		buf_puts(&tail, " },\n");
	}
	buf_puts(&tail, "};\n\n");

	/* families */
	for (int i = 0; families[i]; i++) {
		Vec mine = {0};
		vec_foreach(&s->probes, k) {
			DProbe *d = vec_get(&s->probes, k);
			if (d->family == families[i])
				vec_push(&mine, d);
		}
		if (mine.len)
			families[i]->emit(s, &tail, &mine);
	}
	buf_puts(&tail, "static void stp_gen_exit(void);\n\n");
	emit_lifecycle(s, &tail);
	emit_exit_hook(s, &tail);
	buf_puts(&tail, "#include \"stp_module.h\"\n");

	Buf all = {0};
	buf_puts(&all, buf_cstr(&head));
	buf_puts(&all, buf_cstr(&globals));
	buf_puts(&all, "/* ---- frames */\n");
	buf_puts(&all, buf_cstr(&frames));
	buf_puts(&all, "/* ---- code */\n");
	buf_puts(&all, buf_cstr(&code));
	buf_puts(&all, "/* ---- runtime error texts: STP_TEXT(c, offset) */\nstatic const char stp_texts[] =\n");
	buf_puts(&all, texts.len ? buf_cstr(&texts) : "\t\"\"\n");
	buf_puts(&all, "\t;\n\n");
	buf_puts(&all, buf_cstr(&tail));
	s->c_text = buf_cstr(&all);
	return g_errors > errs;
}
