/* ast.c - token tables and the AST constructors the grammar calls.
 *
 * The grammar stays declarative: each action is one call here.  Checks that
 * are syntactic in SystemTap (embedded code privilege, `return` outside a
 * function, alias names, sort directives) are made here and reported as
 * parse errors, as SystemTap does.
 */
#include "ast.h"

#include <stdlib.h>
#include <string.h>

/* ---- token tables */

#define KEYWORDS(X)                                                       \
	X("probe", K_PROBE) X("global", K_GLOBAL) X("private", K_PRIVATE)  \
	X("function", K_FUNCTION) X("if", K_IF) X("else", K_ELSE)         \
	X("for", K_FOR) X("foreach", K_FOREACH) X("in", K_IN)            \
	X("limit", K_LIMIT) X("return", K_RETURN) X("delete", K_DELETE)  \
	X("while", K_WHILE) X("break", K_BREAK) X("continue", K_CONTINUE) \
	X("next", K_NEXT) X("try", K_TRY) X("catch", K_CATCH)            \
	X("string", K_STRING) X("long", K_LONG)

#define OPERATORS(X)                                                      \
	X("==", OP_EQ) X("!=", OP_NE) X("<=", OP_LE) X(">=", OP_GE)      \
	X("&&", OP_AND) X("||", OP_OR) X("<<", OP_SHL) X(">>", OP_SHR)   \
	X(">>>", OP_SHRU) X("<<<", OP_STATADD) X("++", OP_INC)           \
	X("--", OP_DEC) X("->", OP_ARROW) X("=~", OP_MATCH)              \
	X("!~", OP_NMATCH) X("+=", OP_ADDEQ) X("-=", OP_SUBEQ)           \
	X("*=", OP_MULEQ) X("/=", OP_DIVEQ) X("%=", OP_MODEQ)            \
	X("&=", OP_ANDEQ) X("|=", OP_OREQ) X("^=", OP_XOREQ)             \
	X("<<=", OP_SHLEQ) X(">>=", OP_SHREQ) X(".=", OP_CATEQ)          \
	X("$$", OP_DOLLAR2) X("%(", PP_IF) X("%?", PP_THEN)              \
	X("%:", PP_ELSE) X("%)", PP_END)

#define ATOPS(X)                                                          \
	X("@count", AT_STATOP) X("@sum", AT_STATOP) X("@min", AT_STATOP)  \
	X("@max", AT_STATOP) X("@avg", AT_STATOP)                         \
	X("@variance", AT_STATOP) X("@hist_linear", AT_HIST_LINEAR)       \
	X("@hist_log", AT_HIST_LOG) X("@cast", AT_CAST) X("@var", AT_VAR) \
	X("@defined", AT_DEFINED) X("@entry", AT_ENTRY)                   \
	X("@probewrite", AT_PROBEWRITE) X("@const", AT_CONST)             \
	X("@kregister", AT_REGISTER) X("@uregister", AT_REGISTER)         \
	X("@kderef", AT_DEREF) X("@uderef", AT_DEREF)

struct TokName {
	const char *text;
	int code;
};
#define ROW(s, c) { s, c },
static const struct TokName keywords[] = { KEYWORDS(ROW) };
static const struct TokName operators[] = { OPERATORS(ROW) };
static const struct TokName atops[] = { ATOPS(ROW) };
#undef ROW

static int lookup(const struct TokName *tab, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tab[i].text, s) == 0)
			return tab[i].code;
	return 0;
}

int lex_keyword(const char *s)
{
	return lookup(keywords, sizeof keywords / sizeof keywords[0], s);
}

int lex_operator(const char *s)
{
	if (s[1] == '\0')
		return (unsigned char)s[0];
	return lookup(operators, sizeof operators / sizeof operators[0], s);
}

int lex_atop(const char *s)
{
	return lookup(atops, sizeof atops / sizeof atops[0], s);
}

const char *op_spelling(int op)
{
	static char one[2];
	if (op > 0 && op < 256) {
		one[0] = (char)op;
		return xstrdup(one);
	}
	for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++)
		if (operators[i].code == op)
			return operators[i].text;
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		if (keywords[i].code == op)
			return keywords[i].text;
	return "?";
}

/* Decode C-style escapes; the raw spelling is kept on the token too. */
const char *lex_decode_string(const char *raw, size_t n, const char **err)
{
	Buf b = {0};
	for (size_t i = 0; i < n; i++) {
		char c = raw[i];
		if (c != '\\' || i + 1 >= n) {
			buf_putc(&b, c);
			continue;
		}
		c = raw[++i];
		switch (c) {
		case 'n': buf_putc(&b, '\n'); break;
		case 't': buf_putc(&b, '\t'); break;
		case 'r': buf_putc(&b, '\r'); break;
		case 'a': buf_putc(&b, '\a'); break;
		case 'b': buf_putc(&b, '\b'); break;
		case 'f': buf_putc(&b, '\f'); break;
		case 'v': buf_putc(&b, '\v'); break;
		case '\n': break;
		case 'x': {
			int v = 0, k = 0;
			while (k < 2 && i + 1 < n && strchr("0123456789abcdefABCDEF", raw[i + 1]) && raw[i + 1]) {
				char h = raw[++i];
				v = v * 16 + (h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
				k++;
			}
			if (!k && err)
				*err = "\\x used with no following hex digits";
			buf_putc(&b, (char)v);
			break;
		}
		case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7': {
			int v = c - '0', k = 1;
			while (k < 3 && i + 1 < n && raw[i + 1] >= '0' && raw[i + 1] <= '7') {
				v = v * 8 + (raw[++i] - '0');
				k++;
			}
			buf_putc(&b, (char)v);
			break;
		}
		default:
			buf_putc(&b, c);	/* \\ \" \' \? and unknown: the character */
		}
	}
	const char *s = xstrndup(buf_cstr(&b), b.len);
	buf_free(&b);
	return s;
}

bool is_print_family(const char *name)
{
	static const char *const names[] = {
		"print", "println", "printf", "printd", "printdln",
		"sprint", "sprintln", "sprintf", "sprintd", "sprintdln",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Split a printf format into literal runs and conversions. */
Vec *parse_format(const char *fmt, const char **err)
{
	Vec *v = xalloc(sizeof *v);
	Buf lit = {0};
	const char *p = fmt;
	*err = NULL;
	while (*p) {
		if (*p != '%') {
			buf_putc(&lit, *p++);
			continue;
		}
		if (p[1] == '%') {
			buf_putc(&lit, '%');
			p += 2;
			continue;
		}
		if (lit.len) {
			FmtSpec *l = xalloc(sizeof *l);
			l->kind = FS_LITERAL;
			l->text = xstrndup(lit.s, lit.len);
			vec_push(v, l);
			lit.len = 0;
		}
		const char *start = p++;
		FmtSpec *c = xalloc(sizeof *c);
		c->kind = FS_CONV;
		c->width = c->prec = -1;
		/* SystemTap accepts one of - + space #, then an optional 0 */
		if (*p == '-') c->flags |= FMT_LEFT, p++;
		else if (*p == '+') c->flags |= FMT_PLUS, p++;
		else if (*p == ' ') c->flags |= FMT_SPACE, p++;
		else if (*p == '#') c->flags |= FMT_ALT, p++;
		if (*p == '0')
			c->flags |= FMT_ZERO, p++;
		if (*p == '*') {
			c->width = -2;
			p++;
		} else if (*p >= '0' && *p <= '9') {
			c->width = (int)strtol(p, (char **)&p, 10);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				c->prec = -2;
				p++;
			} else {
				c->prec = (int)strtol(p, (char **)&p, 10);
			}
		}
		if (*p == 'l')
			p++;
		if (!*p || !strchr("diouxXscpbmM", *p)) {
			*err = "invalid or missing conversion specifier";
			buf_free(&lit);
			return v;
		}
		c->conv = *p++;
		c->text = xstrndup(start, (size_t)(p - start));
		vec_push(v, c);
	}
	if (lit.len) {
		FmtSpec *l = xalloc(sizeof *l);
		l->kind = FS_LITERAL;
		l->text = xstrndup(lit.s, lit.len);
		vec_push(v, l);
	}
	buf_free(&lit);
	return v;
}

const char *type_name(Type t)
{
	switch (t) {
	case TY_LONG: return "long";
	case TY_STRING: return "string";
	case TY_STATS: return "stats";
	case TY_UNKNOWN: break;
	}
	return "unknown";
}

/* ---- generic constructors */

Node *new_node(NodeKind kind, Tok *tok)
{
	Node *n = xalloc(sizeof *n);
	n->kind = kind;
	n->tok = tok;
	return n;
}

Node *new_num(Tok *tok, int64_t v)
{
	Node *n = new_node(N_NUM, tok);
	n->num = v;
	n->type = TY_LONG;
	return n;
}

Node *new_str(Tok *tok, const char *s)
{
	Node *n = new_node(N_STR, tok);
	n->str = s;
	n->type = TY_STRING;
	return n;
}

Node *new_binary(int op, Tok *tok, Node *lhs, Node *rhs)
{
	Node *n = new_node(N_BINARY, tok);
	n->op = op;
	n->lhs = lhs;
	n->rhs = rhs;
	return n;
}

Node *new_unary(NodeKind kind, int op, Tok *tok, Node *lhs)
{
	Node *n = new_node(kind, tok);
	n->op = op;
	n->lhs = lhs;
	return n;
}

bool node_is_expr(const Node *n)
{
	return n->kind < N_BLOCK;
}

Vec *ast_vec(Vec *v, void *item)
{
	if (!v)
		v = xalloc(sizeof *v);
	if (item)
		vec_push(v, item);
	return v;
}

Vec *ast_vec_cat(Vec *a, Vec *b)
{
	vec_foreach(b, i)
		vec_push(a, vec_get(b, i));
	return a;
}

/* ---- probes */

PPComp *ast_ppcomp(Tok *word, Node *arg)
{
	PPComp *c = xalloc(sizeof *c);
	c->name = word->text;
	c->arg = arg;
	c->tok = word;
	return c;
}

/* comps: Vec of alternatives (Vec of PPComp); returns the cross product. */
/* comps: one Vec of alternative PPComp per part; an alternative's own
 * '?'/'!' (c->flags) is allowed in the last part only, and not together
 * with flags after the whole point. */
Vec *ast_pp(ParseCtx *ctx, Vec *comps, int flags, Node *cond)
{
	Vec *out = ast_vec(NULL, NULL);
	int total = 1;
	bool alt_flags = false;
	vec_foreach(comps, i) {
		Vec *alts = vec_get(comps, i);
		total *= alts->len;
		vec_foreach(alts, k) {
			PPComp *c = vec_get(alts, k);
			if (!c->flags)
				continue;
			if (i != comps->len - 1) {
				PPComp *first = vec_get((Vec *)vec_get(comps, 0), 0);
				parse_error_at(first->tok, "'?', '!' or condition must only be specified in suffix");
				ctx->failed = true;
				return out;
			}
			alt_flags = true;
		}
	}
	if (alt_flags && flags) {
		parse_error_tok(ctx->flag_tok, "'?' or '!' respecified");
		ctx->failed = true;
		return out;
	}
	for (int k = 0; k < total; k++) {
		ProbePoint *pp = xalloc(sizeof *pp);
		int rest = k;
		Vec picks = {0};
		for (int i = comps->len - 1; i >= 0; i--) {
			Vec *alts = vec_get(comps, i);
			vec_push(&picks, vec_get(alts, rest % alts->len));
			rest /= alts->len;
		}
		for (int i = picks.len - 1; i >= 0; i--)
			vec_push(&pp->comps, vec_get(&picks, i));
		int f = flags | ((PPComp *)vec_get(&pp->comps, pp->comps.len - 1))->flags;
		pp->optional = f & 1;
		pp->sufficient = f & 2;
		pp->cond = cond;
		pp->tok = ((PPComp *)vec_get(&pp->comps, 0))->tok;
		vec_push(out, pp);
	}
	return out;
}

char *pp_string(const ProbePoint *pp)
{
	Buf b = {0};
	vec_foreach(&pp->comps, i) {
		PPComp *c = vec_get(&pp->comps, i);
		if (i)
			buf_putc(&b, '.');
		buf_puts(&b, c->name);
		if (c->arg && c->arg->kind == N_NUM)
			buf_printf(&b, "(%lld)", (long long)c->arg->num);
		else if (c->arg)
			buf_printf(&b, "(\"%s\")", c->arg->str);
	}
	char *s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* The token after the parenthesized group that follows t (t's last token
 * when t is an operator like @hist_log(...)). */
static Tok *after_group(ParseCtx *ctx, const Tok *t)
{
	int i = 0;
	while (i < ctx->toks->len && vec_get(ctx->toks, i) != t)
		i++;
	int depth = 0;
	for (i++; i < ctx->toks->len; i++) {
		Tok *x = vec_get(ctx->toks, i);
		if (x->code == '(')
			depth++;
		else if (x->code == ')' && --depth == 0)
			return i + 1 < ctx->toks->len ? vec_get(ctx->toks, i + 1) : x;
	}
	return (Tok *)t;
}

/* A histogram (@hist_linear/@hist_log) may only be printed on its own by
 * print/println; anywhere else SystemTap's parser stops.  Returns false
 * after reporting the first misuse. */
static bool check_hist(ParseCtx *ctx, Node *n, bool allowed)
{
	if (!n)
		return true;
	if (n->kind == N_HIST) {
		if (!allowed) {
			parse_error_at(n->tok, "base histogram operator where expression expected");
			ctx->failed = true;
			return false;
		}
		return check_hist(ctx, n->lhs, false);
	}
	if (n->kind == N_HISTIDX)
		return check_hist(ctx, n->lhs, true) && check_hist(ctx, n->rhs, false);
	if (n->kind == N_FOREACH && n->fe->array->kind == N_HIST &&
	    !check_hist(ctx, n->fe->array, true))
		return false;
	if (n->kind == N_PRINT && (str_eq(n->name, "print") || str_eq(n->name, "println")) &&
	    n->args.len > 0 && ((Node *)vec_get(&n->args, 0))->kind == N_HIST) {
		Node *h = vec_get(&n->args, 0);
		if (n->args.len > 1) {
			parse_error_tok(after_group(ctx, h->tok), "expected ')'");
			ctx->failed = true;
			return false;
		}
		return check_hist(ctx, h, true);
	}
	if (!check_hist(ctx, n->lhs, false) || !check_hist(ctx, n->rhs, false) ||
	    !check_hist(ctx, n->cond, false) || !check_hist(ctx, n->init, false) ||
	    !check_hist(ctx, n->incr, false) || !check_hist(ctx, n->then, false) ||
	    !check_hist(ctx, n->els, false))
		return false;
	vec_foreach(&n->args, i)
		if (!check_hist(ctx, vec_get(&n->args, i), false))
			return false;
	vec_foreach(&n->stmts, i)
		if (!check_hist(ctx, vec_get(&n->stmts, i), false))
			return false;
	if (n->kind == N_FOREACH && !check_hist(ctx, n->fe->limit, false))
		return false;
	return true;
}

Vec *ast_alias_names(ParseCtx *ctx, Vec *names, Vec *points, Tok *op)
{
	if (points->len > 1)	/* {a,b} alternation */
		parse_error_tok(op, "expected probe point specifier");
	vec_foreach(points, i) {
		ProbePoint *pp = vec_get(points, i);
		pp->alias_add = op->code != '=';
		names = ast_vec(names, pp);
	}
	return names;
}

void ast_probe(ParseCtx *ctx, Tok *kw, Vec *points, Vec *alias_names, Node *body)
{
	check_hist(ctx, body, false);
	Probe *p = xalloc(sizeof *p);
	p->tok = kw;
	p->body = body;
	p->file = ctx->file->src;
	vec_foreach(points, i)
		vec_push(&p->points, vec_get(points, i));
	if (!alias_names) {
		vec_push(&ctx->file->probes, p);
		return;
	}
	vec_foreach(alias_names, i) {
		ProbePoint *pp = vec_get(alias_names, i);
		if (pp->optional || pp->sufficient)
			parse_error_at(pp->tok, "probe point alias name cannot be optional nor sufficient");
		vec_push(&p->alias_names, pp);
		if (pp->alias_add)
			p->epilogue = true;
	}
	vec_push(&ctx->file->aliases, p);
}

/* ---- globals and functions */

Var *ast_global(Tok *name, Node *init, int64_t size, bool wrap)
{
	Var *v = xalloc(sizeof *v);
	v->name = name->text;
	v->tok = name;
	v->is_global = true;
	v->init = init;
	v->arity = -1;
	v->wrap = wrap;
	if (size >= 0 && (size > 0 || wrap))
		v->is_array_decl = true;
	v->maxsize = size > 0 ? size : 0;
	if (init)
		v->type = init->type;
	return v;
}

void ast_globals(ParseCtx *ctx, Vec *vars, bool is_private)
{
	vec_foreach(vars, i) {
		Var *v = vec_get(vars, i);
		v->is_private = is_private;
		v->file = ctx->file->src;
		vec_push(&ctx->file->globals, v);
	}
}

Var *ast_param(Tok *name, int type)
{
	Var *v = xalloc(sizeof *v);
	v->name = name->text;
	v->tok = name;
	v->type = (Type)type;
	v->is_param = true;
	return v;
}

Func *ast_function_head(ParseCtx *ctx, Tok *name, int type, Vec *params, int prio)
{
	Func *f = xalloc(sizeof *f);
	f->name = name->text;
	f->tok = name;
	f->ret = (Type)type;
	f->ret_declared = type != TY_UNKNOWN;
	f->priority = prio;
	f->priority_given = prio != 0;
	f->file = ctx->file->src;
	vec_foreach(params, i) {
		((Var *)vec_get(params, i))->param_index = i;
		vec_push(&f->params, vec_get(params, i));
	}
	ctx->in_function = true;
	return f;
}

void ast_function(ParseCtx *ctx, Func *f, Node *body)
{
	f->body = body;
	check_hist(ctx, body, false);
	if (body->kind == N_EMBEDDED) {
		static const struct { const char *mark; unsigned flag; } marks[] = {
			{ "/* pure */", FC_PURE },
			{ "/* unprivileged */", FC_UNPRIVILEGED },
			{ "/* myproc-unprivileged */", FC_MYPROC_UNPRIVILEGED },
			{ "/* guru */", FC_GURU },
			{ "/* stable */", FC_STABLE },
			{ "/* unmangled */", FC_UNMANGLED },
			{ "/* string */", FC_STRING },
		};
		for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
			if (strstr(body->str, marks[i].mark))
				f->c_flags |= marks[i].flag;
	}
	ctx->in_function = false;
	vec_push(&ctx->file->funcs, f);
}

void ast_last_function_private(ParseCtx *ctx)
{
	Vec *v = &ctx->file->funcs;
	((Func *)vec_get(v, v->len - 1))->is_private = true;
}

static bool embedded_allowed(ParseCtx *ctx, Tok *code, const char *what)
{
	if (ctx->file->privileged)
		return true;
	parse_error_tok(code, "%s in unprivileged script; need stap -g", what);
	ctx->failed = true;
	return false;
}

Node *ast_embedded_body(ParseCtx *ctx, Tok *code)
{
	embedded_allowed(ctx, code, "embedded code");
	Node *n = new_node(N_EMBEDDED, code);
	n->str = code->text;
	return n;
}

void ast_top_embedded(ParseCtx *ctx, Tok *code)
{
	if (embedded_allowed(ctx, code, "embedded code"))
		vec_push(&ctx->file->embeds, ast_embedded_body(ctx, code));
}

Node *ast_embedded_expr(ParseCtx *ctx, Tok *code)
{
	embedded_allowed(ctx, code, "embedded expression code");
	Node *n = new_node(N_EMBEDDED_EXPR, code);
	n->str = code->text;
	return n;
}

/* ---- statements */

/* The leftmost token of an expression: where SystemTap says a statement is. */
static Tok *first_tok(Node *e)
{
	switch (e->kind) {
	case N_BINARY:
	case N_ASSIGN:
	case N_STATADD:
	case N_REGEX:
		return first_tok(e->lhs);
	case N_TERNARY:
		return first_tok(e->cond);
	case N_INCDEC:
		return e->is_post ? first_tok(e->lhs) : e->tok;
	case N_IN:
		return e->args.len == 1 ? first_tok(vec_get(&e->args, 0)) : e->tok;
	default:
		return e->tok;
	}
}

Node *ast_expr_stmt(Node *e)
{
	return new_unary(N_EXPR_STMT, 0, first_tok(e), e);
}

Node *ast_if(Tok *kw, Node *cond, Node *then, Node *els)
{
	Node *n = new_node(N_IF, kw);
	n->cond = cond;
	n->then = then;
	n->els = els;
	return n;
}

Node *ast_for(Tok *kw, Node *init, Node *cond, Node *incr, Node *body)
{
	Node *n = new_node(N_FOR, kw);
	n->init = init;
	n->cond = cond;
	n->incr = incr;
	n->then = body;
	return n;
}

Node *ast_try(Tok *kw, Node *tryb, Tok *var, Node *catchb)
{
	Node *n = new_node(N_TRY, kw);
	n->then = tryb;
	n->els = catchb;
	if (var) {
		n->catch_var = var->text;
		n->catch_tok = var;
	}
	return n;
}

Node *ast_return(ParseCtx *ctx, Tok *kw, Node *value)
{
	if (!ctx->in_function) {
		parse_error_tok(kw, "found 'return' not in function context");
		ctx->failed = true;
	}
	return new_unary(N_RETURN, 0, kw, value);
}

static int sort_sign(Tok *t)
{
	return !t ? 0 : t->text[0] == '+' ? 1 : -1;
}

Node *ast_fe_key(Tok *name, Tok *sortdir)
{
	Node *n = ast_sym(name);
	n->num = sort_sign(sortdir);
	n->aux = sortdir;
	return n;
}

Foreach *ast_fe_value(Tok *name, Tok *sortdir)
{
	Foreach *fe = xalloc(sizeof *fe);
	fe->value = ast_fe_key(name, sortdir);
	return fe;
}

Foreach *ast_fe_keys(Foreach *fe, Vec *keys)
{
	if (!fe)
		fe = xalloc(sizeof *fe);
	vec_foreach(keys, i)
		vec_push(&fe->keys, vec_get(keys, i));
	return fe;
}

Foreach *ast_fe_array(Tok *name, Vec *slice, Tok *sortdir, Tok *aggr, Node *limit)
{
	Foreach *fe = xalloc(sizeof *fe);
	fe->array = slice ? ast_index(name, slice) : ast_sym(name);
	fe->sort_dir = sort_sign(sortdir);
	fe->array->aux = sortdir;
	if (aggr) {
		fe->sort_aggr = 1;
		fe->array->str = aggr->text;	/* "@sum" etc. */
	}
	fe->limit = limit;
	return fe;
}

/* foreach (b in @hist_log(s)): the bucket indexes, in ascending order
 * whatever the sort mark (as in SystemTap). */
Foreach *ast_fe_hist(Node *hist, Tok *sortdir, Node *limit)
{
	Foreach *fe = xalloc(sizeof *fe);
	fe->array = hist;
	fe->sort_dir = sort_sign(sortdir);
	hist->aux = sortdir;
	fe->limit = limit;
	return fe;
}

Node *ast_foreach(Tok *kw, Foreach *head, Foreach *tail, Node *body)
{
	Foreach *fe = head;
	Node *n = new_node(N_FOREACH, kw);
	fe->array = tail->array;
	fe->limit = tail->limit;
	fe->sort_aggr = tail->sort_aggr;
	int sorts = 0;
	Tok *where = NULL;
	vec_foreach(&fe->keys, i) {
		Node *k = vec_get(&fe->keys, i);
		if (k->num) {
			sorts++;
			fe->sort_key = i + 1;
			fe->sort_dir = (int)k->num;
			where = k->aux;
		}
	}
	if (fe->value && fe->value->num) {
		sorts++;
		fe->sort_key = -1;
		fe->sort_dir = (int)fe->value->num;
		where = fe->value->aux;
	}
	if (tail->sort_dir) {
		sorts++;
		fe->sort_key = -1;
		fe->sort_dir = tail->sort_dir;
		where = tail->array->aux;
	}
	if (sorts > 1)
		parse_error_tok(where, "multiple sort directives");
	n->fe = fe;
	n->then = body;
	return n;
}

/* ---- expressions */

static bool is_lvalue(const Node *n)
{
	return n->kind == N_SYM || n->kind == N_INDEX || n->kind == N_TARGET ||
	       n->kind == N_CAST || n->kind == N_ATVAR;
}

Node *ast_assign(Tok *op, Node *lhs, Node *rhs)
{
	Node *n = new_binary(op->code, op, lhs, rhs);
	n->kind = N_ASSIGN;
	return n;
}

Node *ast_ternary(Tok *q, Node *cond, Node *a, Node *b)
{
	Node *n = new_node(N_TERNARY, q);
	n->cond = cond;
	n->lhs = a;
	n->rhs = b;
	return n;
}

Node *ast_in(Tok *kw, Vec *keys, Tok *array)
{
	Node *n = new_node(N_IN, kw);
	n->lhs = ast_sym(array);
	vec_foreach(keys, i)
		vec_push(&n->args, vec_get(keys, i));
	return n;
}

Node *ast_regex(Tok *op, Node *lhs, Tok *pattern)
{
	Node *n = new_unary(N_REGEX, op->code, op, lhs);
	n->str = pattern->text;
	n->rhs = new_str(pattern, pattern->text);
	return n;
}

Node *ast_incdec(Tok *op, Node *operand, bool post)
{
	Node *n = new_unary(N_INCDEC, op->code, op, operand);
	n->is_post = post;
	if (!is_lvalue(operand))
		parse_error_tok(op, "expected lvalue");
	return n;
}

Node *ast_sym(Tok *name)
{
	Node *n = new_node(N_SYM, name);
	n->name = name->text;
	return n;
}

Node *ast_index(Tok *name, Vec *keys)
{
	Node *n = new_node(N_INDEX, name);
	n->lhs = ast_sym(name);
	n->name = name->text;
	vec_foreach(keys, i)
		vec_push(&n->args, vec_get(keys, i));
	return n;
}

/* The token after t in the filtered token stream. */
static Tok *tok_after(ParseCtx *ctx, const Tok *t)
{
	/* t was read lately: search back from the parser's position */
	int from = ctx->pos < ctx->toks->len ? ctx->pos : ctx->toks->len - 1;
	for (int i = from; i >= 0; i--)
		if (vec_get(ctx->toks, i) == t)
			return i + 1 < ctx->toks->len ? vec_get(ctx->toks, i + 1) : (Tok *)t;
	return (Tok *)t;
}

Node *ast_call(ParseCtx *ctx, Tok *name, Vec *args)
{
	Node *n = new_node(is_print_family(name->text) ? N_PRINT : N_CALL, name);
	n->name = name->text;
	vec_foreach(args, i)
		vec_push(&n->args, vec_get(args, i));
	/* SystemTap's parser wants the print family's literal arguments */
	if (n->kind == N_PRINT) {
		Tok *first = tok_after(ctx, tok_after(ctx, name));	/* after '(' */
		Node *a0 = n->args.len ? vec_get(&n->args, 0) : NULL;
		bool fmt = str_endswith(n->name, "printf");
		bool delim = str_endswith(n->name, "printd") || str_endswith(n->name, "printdln");
		if ((fmt || delim) && (!a0 || a0->kind != N_STR)) {
			parse_error_tok(first, "expected literal string");
			ctx->failed = true;
		} else if (delim && n->args.len == 1) {
			parse_error_tok(tok_after(ctx, tok_after(ctx, first)), "expected literal string or number");
			ctx->failed = true;
		} else if (!a0 && (str_eq(n->name, "print") || str_eq(n->name, "sprint"))) {
			parse_error_tok(first, "expected literal string or number");
			ctx->failed = true;
		}
	}
	/* printf formats are checked as they are parsed, as SystemTap does */
	if (n->kind == N_PRINT && str_endswith(n->name, "printf") && n->args.len) {
		Node *f = vec_get(&n->args, 0);
		if (f->kind == N_STR) {
			const char *err;
			Vec *v = parse_format(f->str, &err);
			if (err) {
				parse_error_tok(tok_after(ctx, f->tok), "%s", err);
				ctx->failed = true;
			} else {
				n->fmt = *v;
			}
		}
	}
	return n;
}

/* &EXPR: the address of a target variable's member chain; on anything
 * else an operator pass 2 rejects. */
Node *ast_addr_of(Tok *amp, Node *n)
{
	if ((n->kind == N_TARGET || n->kind == N_CAST || n->kind == N_ATVAR) && !n->addr_of) {
		n->addr_of = true;
		return n;
	}
	return new_unary(N_UNARY, '&', amp, n);
}

Node *ast_target(Tok *name, Node *chain)
{
	chain->kind = N_TARGET;
	chain->tok = name;
	chain->name = name->text;
	return chain;
}

Node *ast_statop(Tok *op, Node *arg, Node *extra)
{
	Node *n = new_unary(N_STATOP, 0, op, arg);
	n->str = op->text;
	if (extra)
		vec_push(&n->args, extra);
	return n;
}

Node *ast_hist(Tok *op, Node *arg, Node *lo, Node *hi, Node *step)
{
	Node *n = new_unary(N_HIST, 0, op, arg);
	n->str = op->text;
	if (lo) {
		vec_push(&n->args, lo);
		vec_push(&n->args, hi);
		vec_push(&n->args, step);
	}
	return n;
}

Node *ast_cast(Tok *op, Node *ptr, Tok *type, Tok *module, Node *chain)
{
	chain->kind = N_CAST;
	chain->tok = op;
	chain->lhs = ptr;
	chain->str = type->text;
	chain->name = module ? module->text : NULL;
	return chain;
}

Node *ast_atvar(Tok *op, Tok *name, Tok *module, Node *chain)
{
	chain->kind = N_ATVAR;
	chain->tok = op;
	chain->str = name->text;
	chain->name = module ? module->text : NULL;
	return chain;
}

Node *ast_deref(Tok *op, Vec *args)
{
	Node *n = new_node(N_DEREF, op);
	n->str = op->text;
	vec_foreach(args, i)
		vec_push(&n->args, vec_get(args, i));
	return n;
}

static Comp *chain_add(Node *chain, int kind, Tok *tok)
{
	Comp *c = xalloc(sizeof *c);
	c->kind = kind;
	c->tok = tok;
	vec_push(&chain->comps, c);
	return c;
}

Node *ast_chain_member(Node *chain, Tok *name)
{
	chain_add(chain, COMP_MEMBER, name)->name = name->text;
	return chain;
}

Node *ast_chain_index(Node *chain, Tok *bracket, Node *index)
{
	Comp *c = chain_add(chain, COMP_INDEX, bracket);
	if (index->kind == N_NUM)
		c->index = index->num;
	else {
		c->kind = COMP_EXPR_INDEX;
		c->expr = index;
	}
	return chain;
}

Node *ast_chain_pretty(Node *chain, Tok *suffix)
{
	chain_add(chain, COMP_PRETTY, suffix)->name = suffix->text;
	return chain;
}

/* ---- deep copy: every concrete probe gets its own body to annotate */

static void clone_vec(Vec *dst, const Vec *src)
{
	Vec v = {0};
	vec_foreach(src, i)
		vec_push(&v, ast_clone(vec_get(src, i)));
	*dst = v;
}

void ast_visit(const Node *n, void (*fn)(const Node *, void *), void *arg)
{
	if (!n)
		return;
	fn(n, arg);
	const Node *kids[] = { n->lhs, n->rhs, n->cond, n->then, n->els, n->init, n->incr };
	for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++)
		ast_visit(kids[i], fn, arg);
	vec_foreach(&n->args, i)
		ast_visit(vec_get(&n->args, i), fn, arg);
	vec_foreach(&n->stmts, i)
		ast_visit(vec_get(&n->stmts, i), fn, arg);
	vec_foreach(&n->comps, i)
		ast_visit(((Comp *)vec_get(&n->comps, i))->expr, fn, arg);
	if (n->fe) {
		vec_foreach(&n->fe->keys, i)
			ast_visit(vec_get(&n->fe->keys, i), fn, arg);
		ast_visit(n->fe->value, fn, arg);
		ast_visit(n->fe->array, fn, arg);
		ast_visit(n->fe->limit, fn, arg);
	}
}

Node *ast_clone(const Node *n)
{
	if (!n)
		return NULL;
	Node *c = xalloc(sizeof *c);
	*c = *n;
	c->lhs = ast_clone(n->lhs);
	c->rhs = ast_clone(n->rhs);
	c->cond = ast_clone(n->cond);
	c->then = ast_clone(n->then);
	c->els = ast_clone(n->els);
	c->init = ast_clone(n->init);
	c->incr = ast_clone(n->incr);
	clone_vec(&c->args, &n->args);
	clone_vec(&c->stmts, &n->stmts);
	Vec comps = {0};
	vec_foreach(&n->comps, i) {
		Comp *o = vec_get(&n->comps, i);
		Comp *k = xalloc(sizeof *k);
		*k = *o;
		k->expr = ast_clone(o->expr);
		vec_push(&comps, k);
	}
	c->comps = comps;
	if (n->fe) {
		Foreach *fe = xalloc(sizeof *fe);
		*fe = *n->fe;
		clone_vec(&fe->keys, &n->fe->keys);
		fe->value = ast_clone(n->fe->value);
		fe->array = ast_clone(n->fe->array);
		fe->limit = ast_clone(n->fe->limit);
		c->fe = fe;
	}
	/* n->fmt is immutable once parsed: shared */
	return c;
}
