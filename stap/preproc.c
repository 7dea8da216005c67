/* preproc.c - the token filter between the lexer and the grammar.
 *
 * Two stages over the raw token vector of one file:
 *
 *  1. expand: %( COND %? A %: B %) conditionals (kernel_v, kernel_vr, arch,
 *     systemtap_v, runtime, CONFIG_*, systemtap_privilege, guru_mode and
 *     literal comparisons, joined with && || and parentheses); @define
 *     macros with parameters (file-local, or global from .stpm files);
 *     script arguments $N @N $# @#; @-operators get their grammar codes.
 *
 *  2. probe words: inside a probe point list, adjacent identifiers,
 *     keywords and `*` (no space between them) become one PPWORD token, and
 *     `{` right after `.` opens an alternation.  This keeps the grammar free
 *     of whitespace-sensitive rules.
 */
#include "ast.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

enum { MAX_EXPANSION_DEPTH = 64, MAX_EXPANDED_TOKENS = 1000000 };

typedef struct PP {
	Session *s;
	SrcFile *f;
	Vec local_macros;	/* Macro* */
	int depth;
	long expanded;		/* tokens made by macro calls so far */
	bool failed;
} PP;

static void expand(PP *pp, Vec *in, int from, int to, Vec *out);

static Tok *tok_at(Vec *v, int i)
{
	return vec_get(v, i);
}

static Tok *clone_tok(const Tok *t, const Tok *origin)
{
	Tok *c = xalloc(sizeof *c);
	*c = *t;
	if (origin) {
		c->loc = origin->loc;
		c->expanded_from = origin;
	}
	return c;
}

static Tok *make_tok(const Tok *at, int kind, int code, const char *text)
{
	Tok *t = clone_tok(at, NULL);
	t->kind = kind;
	t->code = code;
	t->text = text;
	t->raw = NULL;
	return t;
}

static bool is_op(const Tok *t, const char *s)
{
	return (t->kind == T_OP || t->kind == T_ATOP || t->kind == T_DOLLAR) && str_eq(t->text, s);
}

static void pp_fail(PP *pp, const Tok *t, const char *msg)
{
	if (!pp->failed)
		parse_error_tok(t, "%s", msg);
	pp->failed = true;
}

/* The same, about a token other than the one being read ("at:"). */
static void pp_fail_at(PP *pp, const Tok *t, const char *msg)
{
	if (!pp->failed)
		parse_error_at(t, "%s", msg);
	pp->failed = true;
}

/* Index of the token closing the construct opened at `open` (one of %( ),
 * scanning for `want` ("%?", "%:", "%)") at nesting depth 0. */
static int find_pp(Vec *in, int from, int to, const char *want)
{
	int depth = 0;
	for (int i = from; i < to; i++) {
		Tok *t = tok_at(in, i);
		if (is_op(t, "%("))
			depth++;
		else if (is_op(t, "%)")) {
			if (depth == 0)
				return str_eq(want, "%)") ? i : -1;
			depth--;
		} else if (depth == 0 && is_op(t, want))
			return i;
	}
	return -1;
}

/* ---- conditions */

typedef struct Cond {
	PP *pp;
	Vec *t;
	int i, end;
} Cond;

static Tok *cond_peek(Cond *c)
{
	return c->i < c->end ? tok_at(c->t, c->i) : NULL;
}

/* Compare dotted versions: "6.1.0" vs "5.10"; numeric per component. */
static int version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			long x = strtol(a, (char **)&a, 10);
			long y = strtol(b, (char **)&b, 10);
			if (x != y)
				return x < y ? -1 : 1;
			continue;
		}
		if (!*a)
			return -1;
		if (!*b)
			return 1;
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++, b++;
	}
	return 0;
}

static bool apply_cmp(const char *op, int c)
{
	if (str_eq(op, "==")) return c == 0;
	if (str_eq(op, "!=")) return c != 0;
	if (str_eq(op, "<")) return c < 0;
	if (str_eq(op, "<=")) return c <= 0;
	if (str_eq(op, ">")) return c > 0;
	if (str_eq(op, ">=")) return c >= 0;
	return false;
}

static bool has_wild(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static const char *kernel_fact(Cond *c, Tok *name)
{
	Session *s = c->pp->s;
	if (kernel_resolve(s, false) != 0) {
		pp_fail(c->pp, name, "kernel release needed for this condition; use -r RELEASE");
		return "";
	}
	const char *r = s->kernel.release;
	if (str_eq(name->text, "kernel_vr"))
		return r;
	/* kernel_v: the release up to the first '-' */
	const char *dash = strchr(r, '-');
	return dash ? xstrndup(r, (size_t)(dash - r)) : r;
}

static bool cond_expr(Cond *c);

static bool cond_primary(Cond *c)
{
	Tok *t = cond_peek(c);
	if (!t) {
		pp_fail(c->pp, tok_at(c->t, c->end), "incomplete conditional");
		return false;
	}
	if (is_op(t, "(")) {
		c->i++;
		bool v = cond_expr(c);
		Tok *close = cond_peek(c);
		if (!close || !is_op(close, ")"))
			pp_fail(c->pp, close ? close : t, "expected ')'");
		else
			c->i++;
		return v;
	}
	if (is_op(t, "!")) {
		c->i++;
		return !cond_primary(c);
	}
	c->i++;
	Tok *op = cond_peek(c);
	if (!op || op->kind != T_OP || !strchr("=!<>", op->text[0])) {
		/* a bare number is a truth value */
		if (t->kind == T_NUMBER)
			return t->num != 0;
		pp_fail(c->pp, op ? op : t, "expected comparison operator");
		return false;
	}
	c->i++;
	bool neg = false;
	Tok *rhs = cond_peek(c);
	if (rhs && is_op(rhs, "-")) {
		neg = true;
		c->i++;
		rhs = cond_peek(c);
	}
	if (!rhs || (rhs->kind != T_STRING && rhs->kind != T_NUMBER)) {
		pp_fail_at(c->pp, rhs ? rhs : op, "expected string or number literal");
		return false;
	}
	bool wants_string = t->kind == T_IDENT && !str_startswith(t->text, "CONFIG_") &&
			    !str_eq(t->text, "guru_mode");
	if (wants_string && rhs->kind != T_STRING) {
		pp_fail_at(c->pp, rhs, "expected string literal");
		return false;
	}
	c->i++;
	Session *s = c->pp->s;
	const char *lhs = NULL;
	bool version = false;
	if (t->kind == T_IDENT && (str_eq(t->text, "kernel_v") || str_eq(t->text, "kernel_vr"))) {
		lhs = kernel_fact(c, t);
		version = true;
	} else if (t->kind == T_IDENT && str_eq(t->text, "systemtap_v")) {
		lhs = s->compatible ? s->compatible : STAP_VERSION;
		version = true;
	} else if (t->kind == T_IDENT && str_eq(t->text, "arch")) {
		lhs = "x86_64";
	} else if (t->kind == T_IDENT && str_eq(t->text, "runtime")) {
		lhs = "kernel";
	} else if (t->kind == T_IDENT && str_eq(t->text, "systemtap_privilege")) {
		lhs = "stapdev";
	} else if (t->kind == T_IDENT && str_eq(t->text, "guru_mode")) {
		lhs = s->guru ? "1" : "0";
	} else if (t->kind == T_IDENT && str_startswith(t->text, "CONFIG_")) {
		if (kernel_resolve(s, false) != 0) {
			pp_fail(c->pp, t, "kernel configuration needed for this condition; use -r RELEASE");
			return false;
		}
		lhs = kernel_config(s, t->text);
		if (!lhs)
			lhs = "";
	} else if (t->kind == T_NUMBER) {
		if (rhs->kind != T_NUMBER) {
			pp_fail(c->pp, rhs, "expected number literal");
			return false;
		}
		int64_t r = neg ? -rhs->num : rhs->num;
		return apply_cmp(op->text, t->num < r ? -1 : t->num > r);
	} else if (t->kind == T_STRING) {
		lhs = t->text;
	} else {
		pp_fail_at(c->pp, t, "expected 'arch', 'kernel_v', 'kernel_vr', 'systemtap_v',\n"
			   "             'runtime', 'systemtap_privilege', 'CONFIG_...', or\n"
			   "             comparison between strings or integers");
		return false;
	}
	if (rhs->kind == T_NUMBER) {
		long long l = strtoll(lhs, NULL, 0);
		long long r = neg ? -rhs->num : rhs->num;
		return apply_cmp(op->text, l < r ? -1 : l > r);
	}
	const char *r = rhs->text;
	if ((str_eq(op->text, "==") || str_eq(op->text, "!=")) && has_wild(r))
		return apply_cmp(op->text, wildcard_match(r, lhs) ? 0 : 1);
	if (version)
		return apply_cmp(op->text, version_cmp(lhs, r));
	return apply_cmp(op->text, strcmp(lhs, r));
}

static bool cond_and(Cond *c)
{
	bool v = cond_primary(c);
	while (cond_peek(c) && is_op(cond_peek(c), "&&")) {
		c->i++;
		bool w = cond_primary(c);
		v = v && w;
	}
	return v;
}

static bool cond_expr(Cond *c)
{
	bool v = cond_and(c);
	while (cond_peek(c) && is_op(cond_peek(c), "||")) {
		c->i++;
		bool w = cond_and(c);
		v = v || w;
	}
	return v;
}

/* %( COND %? A [%: B] %) starting at `at`; returns the index after it. */
/* After a bad condition SystemTap reads on past it: the conditional's own
 * markers then stand alone, each "incomplete conditional - missing '%('". */
static void stray_markers(PP *pp, Vec *in, int from, int to)
{
	for (int i = from; i < to; i++) {
		Tok *t = tok_at(in, i);
		if (is_op(t, "%?") || is_op(t, "%:") || is_op(t, "%)"))
			parse_error_at(t, "incomplete conditional - missing '%%('");
	}
}

static int do_conditional(PP *pp, Vec *in, int at, int to, Vec *out)
{
	Tok *open = tok_at(in, at);
	int q = find_pp(in, at + 1, to, "%?");
	int end = find_pp(in, at + 1, to, "%)");
	if (end < 0) {
		pp_fail_at(pp, open, "incomplete conditional at end of file");
		return to;
	}
	if (q < 0 || q > end) {
		pp_fail_at(pp, open, "expected '%?' marker for conditional");
		stray_markers(pp, in, at + 1, to);
		return to;
	}
	int colon = find_pp(in, q + 1, end, "%:");
	/* The condition may itself use macros and arguments: expand it first. */
	Vec cv = {0};
	expand(pp, in, at + 1, q, &cv);
	vec_push(&cv, tok_at(in, q));
	Cond c = { pp, &cv, 0, cv.len - 1 };
	bool v = cond_expr(&c);
	if (c.i != c.end && !pp->failed)
		pp_fail(pp, tok_at(&cv, c.i), "expected '%?' after condition");
	if (pp->failed) {
		stray_markers(pp, in, at + 1, to);
		return to;
	}
	if (v)
		expand(pp, in, q + 1, colon >= 0 ? colon : end, out);
	else if (colon >= 0)
		expand(pp, in, colon + 1, end, out);
	return end + 1;
}

/* ---- macros */

static Macro *find_macro(PP *pp, const char *name)
{
	vec_foreach(&pp->local_macros, i) {
		Macro *m = vec_get(&pp->local_macros, i);
		if (str_eq(m->name, name))
			return m;
	}
	vec_foreach(&pp->s->macros, i) {
		Macro *m = vec_get(&pp->s->macros, i);
		if (str_eq(m->name, name))
			return m;
	}
	return NULL;
}

/* @define NAME[(a, b)] %( BODY %) at `at`; returns the index after it. */
static int do_define(PP *pp, Vec *in, int at, int to, Vec *macros)
{
	int i = at + 1;
	Tok *name = i < to ? tok_at(in, i) : tok_at(in, at);
	if (name->kind != T_IDENT && name->kind != T_KEYWORD) {
		pp_fail(pp, name, "expected identifier");
		return to;
	}
	Macro *m = xalloc(sizeof *m);
	m->name = name->text;
	m->tok = name;
	i++;
	if (i < to && is_op(tok_at(in, i), "(")) {
		for (i++; i < to; i++) {
			Tok *t = tok_at(in, i);
			if (is_op(t, ")"))
				break;
			if (is_op(t, ","))
				continue;
			if (t->kind != T_IDENT) {
				pp_fail(pp, t, "expected identifier");
				return to;
			}
			vec_push(&m->params, (void *)t->text);
		}
		i++;
	}
	if (i >= to || !is_op(tok_at(in, i), "%(")) {
		pp_fail(pp, i < to ? tok_at(in, i) : name, "expected '%('");
		return to;
	}
	int end = find_pp(in, i + 1, to, "%)");
	if (end < 0) {
		pp_fail(pp, tok_at(in, i), "incomplete macro definition - missing '%)'");
		return to;
	}
	for (int k = i + 1; k < end; k++)
		vec_push(&m->body, tok_at(in, k));
	vec_push(macros, m);
	return end + 1;
}

/* @NAME or @NAME(args) at `at`; returns the index after it. */
static int do_macro_call(PP *pp, Macro *m, Vec *in, int at, int to, Vec *out)
{
	Tok *call = tok_at(in, at);
	int i = at + 1;
	Vec args = {0};		/* Vec* of Tok* per parameter */
	if (m->params.len > 0) {
		if (i >= to || !is_op(tok_at(in, i), "(")) {
			pp_fail_at(pp, i < to ? tok_at(in, i) : call,
				   xsprintf("expected '(' in invocation of macro '@%s' taking %d parameter%s",
					    m->name, m->params.len, m->params.len == 1 ? "" : "s"));
			return to;
		}
		int depth = 0;
		Vec *cur = xalloc(sizeof *cur);
		for (i++; i < to; i++) {
			Tok *t = tok_at(in, i);
			if (depth == 0 && is_op(t, ")"))
				break;
			if (depth == 0 && is_op(t, ",")) {
				vec_push(&args, cur);
				cur = xalloc(sizeof *cur);
				continue;
			}
			if (is_op(t, "(") || is_op(t, "[") || is_op(t, "{"))
				depth++;
			if (is_op(t, ")") || is_op(t, "]") || is_op(t, "}"))
				depth--;
			vec_push(cur, t);
		}
		vec_push(&args, cur);
		i++;
		if (args.len != m->params.len) {
			pp_fail(pp, call, xsprintf("macro '%s' takes %d arguments, %d given",
						   m->name, m->params.len, args.len));
			return to;
		}
	}
	/* recursion, or arguments doubling at each level, ends here */
	if (++pp->depth > MAX_EXPANSION_DEPTH || pp->expanded > MAX_EXPANDED_TOKENS) {
		pp_fail(pp, call, "macro expansion too deep (recursive @define?)");
		return to;
	}
	Vec body = {0};
	vec_foreach(&m->body, k) {
		Tok *t = vec_get(&m->body, k);
		int p = -1;
		if (t->kind == T_ATOP)
			vec_foreach(&m->params, j)
				if (str_eq(t->text + 1, vec_get(&m->params, j)))
					p = j;
		if (p < 0) {
			vec_push(&body, clone_tok(t, call));
			continue;
		}
		Vec *a = vec_get(&args, p);
		vec_foreach(a, j)
			vec_push(&body, clone_tok(vec_get(a, j), NULL));
	}
	pp->expanded += body.len;
	expand(pp, &body, 0, body.len, out);
	pp->depth--;
	return i;
}

/* ---- script arguments */

static void do_argument(PP *pp, Tok *t, Vec *out)
{
	Session *s = pp->s;
	int n = s->script_args.len;
	s->uses_args = true;
	if (str_eq(t->text + 1, "#")) {
		if (t->text[0] == '$') {
			Tok *num = make_tok(t, T_NUMBER, NUMBER, xsprintf("%d", n));
			num->num = n;
			vec_push(out, num);
		} else {
			Tok *str = make_tok(t, T_STRING, STRING, xsprintf("%d", n));
			vec_push(out, str);
		}
		return;
	}
	int k = atoi(t->text + 1);
	if (k < 1 || k > n) {
		Tok *junk = make_tok(t, T_JUNK, 0, "");
		parse_error_at(junk, "command line argument out of range [1-%d]", n);
		pp->failed = true;
		return;
	}
	const char *arg = vec_get(&s->script_args, k - 1);
	if (t->text[0] == '@') {
		Tok *str = make_tok(t, T_STRING, STRING, arg);
		str->raw = arg;
		vec_push(out, str);
		return;
	}
	/* $N: the argument's text is lexed as script tokens. */
	SrcFile *af = srcfile_new(xsprintf("<argument %d>", k), arg, strlen(arg), false);
	Vec *toks = lex_file(af);
	for (int i = 0; i < toks->len - 1; i++) {
		Tok *c = clone_tok(tok_at(toks, i), t);
		if (i == 0)
			c->space_before = t->space_before;
		vec_push(out, c);
	}
}

/* ---- stage 1 */

static void expand(PP *pp, Vec *in, int from, int to, Vec *out)
{
	for (int i = from; i < to && !pp->failed;) {
		Tok *t = tok_at(in, i);
		if (is_op(t, "%(")) {
			i = do_conditional(pp, in, i, to, out);
			continue;
		}
		if (is_op(t, "%?") || is_op(t, "%:") || is_op(t, "%)")) {
			pp_fail_at(pp, t, "incomplete conditional - missing '%('");
			return;
		}
		if (t->kind == T_ATOP && str_eq(t->text, "@define")) {
			if (pp->f->is_macro_file || pp->depth == 0)
				i = do_define(pp, in, i, to,
					      pp->f->is_macro_file ? &pp->s->macros : &pp->local_macros);
			else
				i = do_define(pp, in, i, to, &pp->local_macros);
			continue;
		}
		if ((t->kind == T_DOLLAR || t->kind == T_ATOP) &&
		    ((t->text[1] >= '0' && t->text[1] <= '9') || t->text[1] == '#')) {
			do_argument(pp, t, out);
			i++;
			continue;
		}
		if (t->kind == T_ATOP) {
			Macro *m = find_macro(pp, t->text + 1);
			if (m) {
				i = do_macro_call(pp, m, in, i, to, out);
				continue;
			}
			int code = lex_atop(t->text);
			if (!code) {
				pp_fail(pp, t, xsprintf("unknown operator %s", t->text));
				return;
			}
			Tok *c = clone_tok(t, NULL);
			c->code = code;
			vec_push(out, c);
			i++;
			continue;
		}
		if (pp->f->is_macro_file && t->kind != T_EOF) {
			pp_fail(pp, t, "only @define is allowed in a macro file");
			return;
		}
		vec_push(out, t);
		i++;
	}
}

/* ---- stage 2: probe point words */

static bool wordish(const Tok *t)
{
	return t->kind == T_IDENT || t->kind == T_KEYWORD || is_op(t, "*");
}

static Vec *probe_words(Vec *in)
{
	Vec *out = xalloc(sizeof *out);
	enum { NORMAL, PPLIST, COND } state = NORMAL;
	int brace = 0;		/* { } depth in NORMAL */
	int paren = 0;		/* ( ) depth in PPLIST args or COND */
	int alt = 0;		/* alternation depth */
	Tok *prev = NULL;
	for (int i = 0; i < in->len; i++) {
		Tok *t = tok_at(in, i);
		switch (state) {
		case NORMAL:
			/* `probe` inside braces is an error the parser reports
			 * and recovers from: it starts a probe point all the same */
			if (t->code == K_PROBE && !(prev && (is_op(prev, "->") || is_op(prev, "."))))
				state = PPLIST, paren = 0, alt = 0, brace = 0;
			else if (is_op(t, "{"))
				brace++;
			else if (is_op(t, "}"))
				brace--;
			vec_push(out, t);
			break;
		case COND:
			if (is_op(t, "("))
				paren++;
			else if (is_op(t, ")") && --paren == 0)
				state = PPLIST;
			vec_push(out, t);
			break;
		case PPLIST:
			if (paren > 0) {
				if (is_op(t, "("))
					paren++;
				else if (is_op(t, ")"))
					paren--;
				vec_push(out, t);
				break;
			}
			if (t->code == K_IF && prev && !is_op(prev, ".")) {
				state = COND;
				paren = 0;
				vec_push(out, t);
				break;
			}
			if (is_op(t, "(")) {
				paren = 1;
				vec_push(out, t);
				break;
			}
			if (is_op(t, "{")) {
				if (prev && (is_op(prev, ".") || prev->code == K_PROBE ||
					     (is_op(prev, ",") && alt == 0) || is_op(prev, "=") ||
					     prev->code == OP_ADDEQ)) {
					Tok *c = clone_tok(t, NULL);
					c->code = ALT_OPEN;
					vec_push(out, c);
					alt++;
					break;
				}
				state = NORMAL;
				brace = 1;
				vec_push(out, t);
				break;
			}
			if (is_op(t, "}") && alt > 0) {
				Tok *c = clone_tok(t, NULL);
				c->code = ALT_CLOSE;
				vec_push(out, c);
				alt--;
				break;
			}
			if (wordish(t)) {
				Buf b = {0};
				buf_puts(&b, t->text);
				while (i + 1 < in->len) {
					Tok *n = tok_at(in, i + 1);
					if (n->space_before || !(wordish(n) || n->kind == T_NUMBER))
						break;
					buf_puts(&b, n->text);
					i++;
				}
				Tok *w = clone_tok(t, NULL);
				w->kind = T_PPWORD;
				w->code = PPWORD;
				w->text = xstrdup(buf_cstr(&b));
				buf_free(&b);
				vec_push(out, w);
				prev = w;
				continue;
			}
			vec_push(out, t);
			break;
		}
		prev = t;
	}
	return out;
}

Vec *preprocess(Session *s, Vec *raw, SrcFile *f)
{
	PP pp = { .s = s, .f = f };
	Vec *mid = xalloc(sizeof *mid);
	expand(&pp, raw, 0, raw->len - 1, mid);
	vec_push(mid, tok_at(raw, raw->len - 1));	/* T_EOF */
	if (pp.failed)
		return NULL;
	return probe_words(mid);
}

