/* optimize.c - pass 2's eliding of dead code, with SystemTap's warnings.
 *
 * Unless -u is given:
 *   - an assignment to a local that is never read is dropped, keeping its
 *     right-hand side only if that has side effects
 *       WARNING: Eliding assignment to 'x': operator '=' at ...
 *   - an expression statement without side effects is dropped
 *       WARNING: Eliding side-effect-free expression : identifier 'x' at ...
 *   - locals left unused disappear from the frames
 *   - a probe whose body became empty is dropped
 *       WARNING: Probe 'begin' has been elided: keyword at ...
 * Side effects are: assignments to globals or read locals, ++/--, <<<,
 * delete, printing, embedded C (unless marked pure), and calls to
 * functions that have any of these.
 */
#include "ast.h"
#include "parser.h"

#include <stdint.h>
#include <string.h>

static bool func_effects(Func *f);
bool expr_effects_outside(Node *n);

/* Tapset code is elided silently, as SystemTap does. */
static bool in_tapset(const Tok *t)
{
	return t && t->loc.file && t->loc.file->is_tapset;
}

static bool list_effects(Vec *v);

static bool expr_effects(Node *n)
{
	if (!n)
		return false;
	switch (n->kind) {
	case N_ASSIGN:
	case N_INCDEC:
	case N_STATADD:
	case N_DELETE:
	case N_EMBEDDED_EXPR:
	case N_EMBEDDED:
	case N_NEXT:
	case N_RETURN:
	case N_BREAK:
	case N_CONTINUE:
		return true;
	case N_PRINT:
		if (n->name[0] != 's')
			return true;
		return list_effects(&n->args);
	case N_CALL:
		if (list_effects(&n->args) || !n->func || n->overloads.len > 1)
			return true;
		return func_effects(n->func);
	case N_FOREACH:
		return expr_effects(n->fe->limit) || expr_effects(n->then);
	default:
		return expr_effects(n->lhs) || expr_effects(n->rhs) || expr_effects(n->cond) ||
		       expr_effects(n->then) || expr_effects(n->els) || expr_effects(n->init) ||
		       expr_effects(n->incr) || list_effects(&n->args) || list_effects(&n->stmts);
	}
}

static bool list_effects(Vec *v)
{
	vec_foreach(v, i)
		if (expr_effects(vec_get(v, i)))
			return true;
	return false;
}

/* A function has effects if its body does more than compute a value from
 * its parameters and locals. */
static bool func_effects(Func *f)
{
	if (f->body->kind == N_EMBEDDED)
		return !(f->c_flags & FC_PURE);
	if (f->visiting)
		return false;
	f->visiting = true;
	bool e = false;
	/* assignments to locals are not effects outside; anything else is */
	Vec *stmts = &f->body->stmts;
	vec_foreach(stmts, i) {
		Node *st = vec_get(stmts, i);
		if (st->kind == N_RETURN) {
			e = e || (st->lhs && expr_effects_outside(st->lhs));
			continue;
		}
		e = e || expr_effects_outside(st);
	}
	f->visiting = false;
	return e;
}

/* Effects visible outside a function: assignments to locals do not count. */
bool expr_effects_outside(Node *n)
{
	if (!n)
		return false;
	switch (n->kind) {
	case N_ASSIGN:
	case N_INCDEC:
		if (n->lhs->kind == N_SYM && n->lhs->var && !n->lhs->var->is_global)
			return expr_effects_outside(n->rhs);
		return true;
	case N_RETURN:
		return expr_effects_outside(n->lhs);
	case N_STATADD:
	case N_DELETE:
	case N_EMBEDDED_EXPR:
	case N_EMBEDDED:
		return true;
	case N_NEXT:
	case N_BREAK:
	case N_CONTINUE:
		return false;
	case N_PRINT:
		if (n->name[0] != 's')
			return true;
		break;
	case N_CALL:
		if (!n->func || func_effects(n->func))
			return true;
		break;
	case N_FOREACH:
		return expr_effects_outside(n->fe->limit) || expr_effects_outside(n->then);
	default:
		break;
	}
	if (expr_effects_outside(n->lhs) || expr_effects_outside(n->rhs) ||
	    expr_effects_outside(n->cond) || expr_effects_outside(n->then) ||
	    expr_effects_outside(n->els) || expr_effects_outside(n->init) ||
	    expr_effects_outside(n->incr))
		return true;
	vec_foreach(&n->args, i)
		if (expr_effects_outside(vec_get(&n->args, i)))
			return true;
	vec_foreach(&n->stmts, i)
		if (expr_effects_outside(vec_get(&n->stmts, i)))
			return true;
	return false;
}

static bool quiet;		/* later rounds elide silently, as SystemTap does */

/* A variable named in @defined() still counts as read in the first round:
 * SystemTap folds @defined after its first elision round. */
static bool local_unread(Node *lhs)
{
	return lhs->kind == N_SYM && lhs->var && !lhs->var->is_global && !lhs->var->read &&
	       !lhs->var->updated && !lhs->var->is_param && !(lhs->var->in_defined && !quiet);
}

/* Returns the statement to keep in place of n, or NULL to drop it. */
static Node *opt_stmt(Node *n);
static bool block_empty(Node *n);

static void opt_block(Vec *stmts)
{
	Vec keep = {0};
	vec_foreach(stmts, i) {
		Node *k = opt_stmt(vec_get(stmts, i));
		if (k)
			vec_push(&keep, k);
	}
	*stmts = keep;
}

static bool pass_assign;	/* first pass: assignments; second: expressions */
static int elided;		/* statements changed in this round */

static Node *opt_expr_stmt(Node *n)
{
	Node *e = n->lhs;
	if (pass_assign) {
		if ((e->kind == N_ASSIGN && e->op == '=') || e->kind == N_STATADD) {
			if (!local_unread(e->lhs))
				return n;
			if (!quiet && !in_tapset(e->tok))
				warn_tok(e->tok, "Eliding assignment to '%s'", e->lhs->name);
			elided++;
			/* keep the right side for its effects, else the bare variable */
			n->lhs = expr_effects(e->rhs) ? e->rhs : e->lhs;
		}
		return n;
	}
	if (!expr_effects(e)) {
		elided++;
		if (quiet || in_tapset(n->tok))
			return NULL;
		warn_tok(e == n->lhs && e->kind != N_SYM ? n->tok : e->tok, "Eliding side-effect-free expression ");
		return NULL;
	}
	return n;
}

static Node *opt_stmt(Node *n)
{
	if (!n)
		return NULL;
	switch (n->kind) {
	case N_BLOCK:
		opt_block(&n->stmts);
		return n;
	case N_EXPR_STMT:
		return opt_expr_stmt(n);
	case N_IF:
		if (n->cond->kind == N_NUM) {	/* constant condition: one branch */
			elided++;
			return opt_stmt(n->cond->num ? n->then : n->els);
		}
		n->then = opt_stmt(n->then);
		n->els = opt_stmt(n->els);
		if (!n->then)
			n->then = new_node(N_NULL, n->tok);
		return n;
	case N_FOR:
		if (!n->init && !n->incr && n->cond && n->cond->kind == N_NUM && !n->cond->num) {
			elided++;	/* while (0) */
			return NULL;
		}
		n->then = opt_stmt(n->then);
		if (!n->then)
			n->then = new_node(N_NULL, n->tok);
		return n;
	case N_FOREACH:
		n->then = opt_stmt(n->then);
		if (block_empty(n->then) && !expr_effects(n->fe->limit)) {
			elided++;	/* a loop doing nothing */
			return NULL;
		}
		if (!n->then)
			n->then = new_node(N_NULL, n->tok);
		return n;
	case N_TRY:
		opt_stmt(n->then);
		opt_stmt(n->els);
		if (block_empty(n->then)) {
			elided++;
			return NULL;
		}
		return n;
	case N_NULL:
		return NULL;
	default:
		return n;
	}
}

static bool block_empty(Node *n)
{
	if (!n)
		return true;
	if (n->kind == N_NULL)
		return true;
	if (n->kind != N_BLOCK)
		return false;
	vec_foreach(&n->stmts, i)
		if (!block_empty(vec_get(&n->stmts, i)))
			return false;
	return true;
}

/* Drop locals no longer mentioned. */
static void prune_locals(Vec *locals)
{
	vec_foreach(locals, i) {
		Var *v = vec_get(locals, i);
		if (!v->read && !v->written)
			v->elided = true;
	}
}

/* A unary or binary operator on number literals, computed as the module
 * would (wrapping arithmetic, shifts by count & 63); false to leave it
 * (division by zero stays a run-time error). */
static bool fold_arith(const Node *n, int64_t *out)
{
	if (n->kind == N_UNARY && n->lhs && n->lhs->kind == N_NUM) {
		int64_t a = n->lhs->num;
		switch (n->op) {
		case '!': *out = !a; return true;
		case '-': *out = (int64_t)(0 - (uint64_t)a); return true;
		case '~': *out = ~a; return true;
		case '+': *out = a; return true;
		}
		return false;
	}
	if (n->kind != N_BINARY || !n->lhs || !n->rhs || n->lhs->kind != N_NUM || n->rhs->kind != N_NUM)
		return false;
	int64_t a = n->lhs->num, b = n->rhs->num;
	switch (n->op) {
	case '+': *out = (int64_t)((uint64_t)a + (uint64_t)b); return true;
	case '-': *out = (int64_t)((uint64_t)a - (uint64_t)b); return true;
	case '*': *out = (int64_t)((uint64_t)a * (uint64_t)b); return true;
	case '&': *out = a & b; return true;
	case '|': *out = a | b; return true;
	case '^': *out = a ^ b; return true;
	case OP_SHL: *out = (int64_t)((uint64_t)a << (b & 63)); return true;
	case OP_SHR: *out = a >> (b & 63); return true;
	/* not >>>: SystemTap cannot fold it (elaborate.c reports that) */
	case '/':
	case '%':
		if (b == 0 || (a == INT64_MIN && b == -1))
			return false;
		*out = n->op == '/' ? a / b : a % b;
		return true;
	case '<': *out = a < b; return true;
	case '>': *out = a > b; return true;
	case OP_LE: *out = a <= b; return true;
	case OP_GE: *out = a >= b; return true;
	case OP_EQ: *out = a == b; return true;
	case OP_NE: *out = a != b; return true;
	case OP_AND: *out = a && b; return true;
	case OP_OR: *out = a || b; return true;
	}
	return false;
}

/* SystemTap's folding of constants: operators on number literals, `0 && X`
 * is 0, `1 || X` is 1, `C ? A : B` is one branch.  What falls away is
 * never evaluated, so neither its effects nor its errors (an @defined
 * guard) remain. */
static Node *fold(Node *n)
{
	if (!n)
		return NULL;
	n->lhs = fold(n->lhs);
	n->rhs = fold(n->rhs);
	n->cond = fold(n->cond);
	n->then = fold(n->then);
	n->els = fold(n->els);
	n->init = fold(n->init);
	n->incr = fold(n->incr);
	vec_foreach(&n->args, i)
		n->args.data[i] = fold(vec_get(&n->args, i));
	vec_foreach(&n->stmts, i)
		n->stmts.data[i] = fold(vec_get(&n->stmts, i));
	if (n->kind == N_BINARY && (n->op == OP_AND || n->op == OP_OR) && n->lhs->kind == N_NUM &&
	    (n->op == OP_AND) == (n->lhs->num == 0)) {
		elided++;
		return new_num(n->tok, n->op == OP_OR);
	}
	if (n->kind == N_TERNARY && n->cond->kind == N_NUM) {
		elided++;
		return n->cond->num ? n->lhs : n->rhs;
	}
	int64_t v;
	if (fold_arith(n, &v)) {
		elided++;
		Node *k = new_num(n->tok, v);
		k->folded = true;
		return k;
	}
	return n;
}

void optimize(Session *s, void (*remark)(Session *))
{
	quiet = false;
	vec_foreach(&s->used_funcs, i) {
		Func *f = vec_get(&s->used_funcs, i);
		if (f->body->kind == N_BLOCK)
			fold(f->body);
	}
	vec_foreach(&s->probes, i)
		fold(((DProbe *)vec_get(&s->probes, i))->body);
	int round = 0;
	do {
		elided = 0;
		pass_assign = true;
		/* functions in name order, as SystemTap visits them */
		Vec funcs = vec_sorted(&s->used_funcs, func_cmp_name);
		vec_foreach(&funcs, i) {
			Func *f = vec_get(&funcs, i);
			if (f->body->kind == N_BLOCK)
				opt_stmt(f->body);
		}
		vec_foreach(&s->probes, i)
			opt_stmt(((DProbe *)vec_get(&s->probes, i))->body);
		pass_assign = false;
		vec_foreach(&s->probes, i)
			opt_stmt(((DProbe *)vec_get(&s->probes, i))->body);
		vec_foreach(&funcs, i) {
			Func *f = vec_get(&funcs, i);
			if (f->body->kind != N_BLOCK)
				continue;
			opt_stmt(f->body);
			/* SystemTap names each script function left with no body */
			if (block_empty(f->body) && !quiet && !in_tapset(f->tok))
				warn_tok(f->tok, "side-effect-free function '%s'", f->name);
		}
		remark(s);
		quiet = true;
	} while (elided || ++round < 2);	/* a quiet round after the first */
	Vec keep = {0};
	vec_foreach(&s->probes, i) {
		DProbe *d = vec_get(&s->probes, i);
		if (block_empty(d->body) && !d->cond) {
			/* through an alias SystemTap names the point as written */
			warn_tok(d->pp->from ? d->pp->from->tok : d->probe->tok, "Probe '%s' has been elided",
				 ((PPComp *)vec_get(&d->pp->comps, 0))->name);
			continue;
		}
		d->index = keep.len;
		vec_push(&keep, d);
	}
	s->probes = keep;
	vec_foreach(&s->probes, i)
		prune_locals(&((DProbe *)vec_get(&s->probes, i))->locals);
	vec_foreach(&s->used_funcs, i)
		prune_locals(&((Func *)vec_get(&s->used_funcs, i))->locals);
}
