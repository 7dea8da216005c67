/* regex.c - POSIX extended regular expressions -> Pike VM programs.
 *
 * The pattern of a `=~` / `!~` is a string literal, so it is compiled here,
 * in pass 3, and the module carries the program as static const data for
 * the runtime's VM (runtime/stp_regex.h, whose instruction set this file
 * includes so that the two cannot drift).
 *
 * Two steps: a recursive-descent parser builds a small tree (Rx), then the
 * code generator lowers it in Thompson's style (SPLIT/JMP for alternation
 * and repetition, SAVE around groups).  Counted repetition {m,n} copies
 * its operand, so programs are capped at STP_REGEX_MAX_INSNS.
 *
 * Syntax: POSIX ERE as glibc's regcomp(REG_EXTENDED) reads it, byte-wise
 * in the C locale: literals, `.`, bracket expressions (ranges, negation,
 * [:class:], [.c.], [=c=]), `^ $`, groups, `|`, `* + ? {m} {m,} {,n}
 * {m,n}` (stackable), and GNU's \w \W \s \S \b \B \< \>.  Any other
 * escaped byte stands for itself; back-references \1..\9 are rejected, as
 * SystemTap does not support subexpression reuse.  As in glibc, a `)`
 * with no open group is a literal and `*`, `+`, `?`, `{` with nothing to
 * repeat are errors.  Errors read as SystemTap's: "regex compilation
 * error (at position N): WHAT", N counting bytes of the pattern from 0.
 *
 * Limits: STP_REGEX_MAX_GROUPS - 1 = 31 groups, counts up to 1024, and
 * STP_REGEX_MAX_INSNS = 1024 instructions per program.  Besides the
 * program, the analysis at the end gives the VM the set of bytes a match
 * can start with and whether it is anchored at ^, so that a search skips
 * the positions where no match can start.
 */
#include "regex.h"

#include <string.h>

#define STP_REGEX_DEFS_ONLY
#include "../runtime/stp_regex.h"

enum { RX_MAX_REPEAT = STP_REGEX_MAX_INSNS };

/* ================================================================ parse tree */

typedef enum RxKind {
	RX_CHAR,	/* c: the byte */
	RX_ANY,		/* . */
	RX_SET,		/* c: index of the byte set */
	RX_ASSERT,	/* c: STP_RE_BOL, EOL, WORDB, NWORDB, WBEG, WEND */
	RX_CAT,		/* items in sequence */
	RX_ALT,		/* the first of items that leads to a match */
	RX_GROUP,	/* group: number; a */
	RX_REPEAT,	/* a, min..max times (max -1: unbounded) */
} RxKind;

typedef struct Rx {
	RxKind kind;
	int c;
	int group;
	int min, max;
	struct Rx *a;		/* RX_GROUP, RX_REPEAT: the operand */
	Vec items;		/* RX_CAT, RX_ALT: Rx* */
} Rx;

typedef struct RxSet {
	uint32_t bits[8];
} RxSet;

typedef struct RxParser {
	const char *pat;
	int pos;		/* next byte */
	int depth;		/* open groups */
	int ngroups;		/* groups so far, group 0 included */
	Vec sets;		/* RxSet* */
	const char *err;	/* first error, NULL so far */
	int errpos;
} RxParser;

static Rx *rx_new(RxKind kind, Rx *a)
{
	Rx *r = xalloc(sizeof(*r));
	r->kind = kind;
	r->a = a;
	return r;
}

static Rx *rx_fail(RxParser *p, int pos, const char *msg)
{
	if (!p->err) {
		p->err = msg;
		p->errpos = pos;
	}
	return NULL;
}

static int rx_peek(RxParser *p)
{
	return (unsigned char)p->pat[p->pos];
}

/* ---- byte sets */

static void set_add(RxSet *s, int c)
{
	s->bits[c >> 5] |= 1u << (c & 31);
}

static bool set_has(const RxSet *s, int c)
{
	return (s->bits[c >> 5] >> (c & 31)) & 1;
}

static void set_add_range(RxSet *s, int lo, int hi)
{
	for (int c = lo; c <= hi; c++)
		set_add(s, c);
}

/* The POSIX character classes of the C locale. */
static bool in_class(const char *name, int c)
{
	bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
	bool digit = c >= '0' && c <= '9', print = c >= 0x20 && c < 0x7f;

	if (str_eq(name, "alpha"))
		return upper || lower;
	if (str_eq(name, "digit"))
		return digit;
	if (str_eq(name, "alnum"))
		return upper || lower || digit;
	if (str_eq(name, "upper"))
		return upper;
	if (str_eq(name, "lower"))
		return lower;
	if (str_eq(name, "space"))
		return c == ' ' || (c >= '\t' && c <= '\r');
	if (str_eq(name, "blank"))
		return c == ' ' || c == '\t';
	if (str_eq(name, "punct"))
		return print && c != ' ' && !upper && !lower && !digit;
	if (str_eq(name, "print"))
		return print;
	if (str_eq(name, "graph"))
		return print && c != ' ';
	if (str_eq(name, "cntrl"))
		return c < 0x20 || c == 0x7f;
	return digit || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');	/* xdigit */
}

static bool class_known(const char *name)
{
	static const char *const names[] = {
		"alpha", "digit", "alnum", "upper", "lower", "space",
		"blank", "punct", "print", "graph", "cntrl", "xdigit",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (str_eq(name, names[i]))
			return true;
	return false;
}

static void set_add_class(RxSet *s, const char *name, bool negate)
{
	for (int c = 1; c < 256; c++)
		if (in_class(name, c) != negate)
			set_add(s, c);
}

/* The index of set s in p->sets, equal sets sharing one. */
static int set_index(RxParser *p, const RxSet *s)
{
	vec_foreach(&p->sets, i)
		if (!memcmp(vec_get(&p->sets, i), s, sizeof(*s)))
			return i;
	RxSet *copy = xalloc(sizeof(*copy));
	*copy = *s;
	vec_push(&p->sets, copy);
	return p->sets.len - 1;
}

/* The tree node for set s: one byte becomes RX_CHAR. */
static Rx *set_node(RxParser *p, RxSet *s, bool negate)
{
	int n = 0, last = 0;
	if (negate)
		for (int i = 0; i < 8; i++)
			s->bits[i] = ~s->bits[i];
	s->bits[0] &= ~1u;		/* NUL ends the subject: never matched */
	for (int c = 1; c < 256; c++)
		if (set_has(s, c))
			n++, last = c;
	Rx *r = rx_new(n == 1 ? RX_CHAR : RX_SET, NULL);
	r->c = n == 1 ? last : set_index(p, s);
	return r;
}

/* ---- bracket expressions */

/* "[:name:]", "[.c.]" or "[=c=]" at p->pos; the name, or the character,
 * into *name / *c.  Returns the delimiter (':', '.', '='), 0 if p->pos is
 * not at one of them, -1 after an error. */
static int bracket_special(RxParser *p, const char **name, int *c)
{
	const char *open = p->pat + p->pos;
	int delim = (unsigned char)open[open[0] == '[' ? 1 : 0];
	if (open[0] != '[' || (delim != ':' && delim != '.' && delim != '='))
		return 0;
	const char *end = open + 2;
	while (*end && !(end[0] == delim && end[1] == ']'))
		end++;
	if (!*end) {
		rx_fail(p, p->pos, "unterminated bracket expression");
		return -1;
	}
	*name = xstrndup(open + 2, (size_t)(end - open - 2));
	if (delim == ':' && !class_known(*name)) {
		rx_fail(p, p->pos, "invalid character class name");
		return -1;
	}
	if (delim != ':' && strlen(*name) != 1) {
		rx_fail(p, p->pos, "invalid collating element (only single characters)");
		return -1;
	}
	*c = (unsigned char)(*name)[0];
	p->pos = (int)(end + 2 - p->pat);
	return delim;
}

/* One bracket item: a byte, [.c.] or [=c=] (returned), or [:name:] (added
 * to s, *is_class set); -1 after an error. */
static int bracket_char(RxParser *p, RxSet *s, bool *is_class)
{
	const char *name;
	int c = 0;
	int kind = bracket_special(p, &name, &c);
	*is_class = kind == ':';
	if (kind < 0)
		return -1;
	if (*is_class) {
		set_add_class(s, name, false);
		return 0;
	}
	if (kind)
		return c;
	if (!rx_peek(p)) {
		rx_fail(p, p->pos, "unterminated bracket expression");
		return -1;
	}
	return (unsigned char)p->pat[p->pos++];
}

/* A '-' here makes a range (a final '-' is a literal). */
static bool range_follows(RxParser *p)
{
	return p->pat[p->pos] == '-' && p->pat[p->pos + 1] && p->pat[p->pos + 1] != ']';
}

/* [...] with p->pos after the '['. */
static Rx *parse_bracket(RxParser *p)
{
	int open = p->pos - 1;
	RxSet s = {{0}};
	bool negate = false, first = true;

	if (rx_peek(p) == '^')
		negate = true, p->pos++;
	while (first || rx_peek(p) != ']') {
		int at = p->pos;
		bool is_class;
		first = false;
		if (!rx_peek(p))
			return rx_fail(p, open, "unterminated bracket expression");
		int lo = bracket_char(p, &s, &is_class);
		if (lo < 0)
			return NULL;
		if (!is_class && !range_follows(p)) {
			set_add(&s, lo);
			continue;
		}
		if (!is_class) {
			p->pos++;
			int hi_at = p->pos;
			int hi = bracket_char(p, &s, &is_class);
			if (hi < 0)
				return NULL;
			if (is_class || hi < lo)
				return rx_fail(p, hi_at, "invalid range end");
			set_add_range(&s, lo, hi);
		}
		/* "[a-c-e]", "[[:alpha:]-z]": no range from a range or a class */
		if (range_follows(p))
			return rx_fail(p, at, "invalid range end");
	}
	p->pos++;
	return set_node(p, &s, negate);
}

/* ---- atoms, repetition, concatenation, alternation */

static Rx *parse_alt(RxParser *p);

static Rx *parse_assert(int op)
{
	Rx *r = rx_new(RX_ASSERT, NULL);
	r->c = op;
	return r;
}

static Rx *parse_word_set(RxParser *p, const char *cls, bool negate)
{
	RxSet s = {{0}};
	if (cls)
		set_add_class(&s, cls, false);
	else
		set_add_class(&s, "alnum", false), set_add(&s, '_');
	return set_node(p, &s, negate);
}

/* A backslash escape, p->pos after the '\'. */
static Rx *parse_escape(RxParser *p)
{
	int c = rx_peek(p);
	if (!c)
		return rx_fail(p, p->pos - 1, "trailing backslash");
	p->pos++;
	switch (c) {
	case 'w': return parse_word_set(p, NULL, false);
	case 'W': return parse_word_set(p, NULL, true);
	case 's': return parse_word_set(p, "space", false);
	case 'S': return parse_word_set(p, "space", true);
	case 'b': return parse_assert(STP_RE_WORDB);
	case 'B': return parse_assert(STP_RE_NWORDB);
	case '<': return parse_assert(STP_RE_WBEG);
	case '>': return parse_assert(STP_RE_WEND);
	case '`': return parse_assert(STP_RE_BOL);
	case '\'': return parse_assert(STP_RE_EOL);
	}
	if (c >= '1' && c <= '9')
		return rx_fail(p, p->pos - 2, "back-references are not supported");
	Rx *r = rx_new(RX_CHAR, NULL);
	r->c = c;
	return r;
}

/* ( alt ), p->pos after the '('. */
static Rx *parse_group(RxParser *p)
{
	int open = p->pos - 1;
	if (p->ngroups >= STP_REGEX_MAX_GROUPS)
		return rx_fail(p, open, xsprintf("too many subexpressions (at most %d)",
						 STP_REGEX_MAX_GROUPS - 1));
	Rx *g = rx_new(RX_GROUP, NULL);
	g->group = p->ngroups++;
	p->depth++;
	g->a = parse_alt(p);
	p->depth--;
	if (!g->a)
		return NULL;
	if (rx_peek(p) != ')')
		return rx_fail(p, open, "unbalanced '('");
	p->pos++;
	return g;
}

static Rx *parse_atom(RxParser *p)
{
	int c = rx_peek(p);
	p->pos++;
	switch (c) {
	case '(': return parse_group(p);
	case '[': return parse_bracket(p);
	case '\\': return parse_escape(p);
	case '.': return rx_new(RX_ANY, NULL);
	case '^': return parse_assert(STP_RE_BOL);
	case '$': return parse_assert(STP_RE_EOL);
	case '*': case '+': case '?': case '{':
		return rx_fail(p, p->pos - 1, xsprintf("'%c' has nothing to repeat", c));
	}
	Rx *r = rx_new(RX_CHAR, NULL);
	r->c = c;
	return r;
}

/* A decimal count in {m,n}; -1 if there is none. */
static int parse_count(RxParser *p)
{
	int n = -1;
	while (rx_peek(p) >= '0' && rx_peek(p) <= '9') {
		n = (n < 0 ? 0 : n) * 10 + (rx_peek(p) - '0');
		if (n > RX_MAX_REPEAT)
			n = RX_MAX_REPEAT + 1;
		p->pos++;
	}
	return n;
}

/* {m}, {m,}, {,n}, {m,n} applied to r, p->pos after the '{'. */
static Rx *parse_interval(RxParser *p, Rx *r)
{
	int open = p->pos - 1;
	int min = parse_count(p), max = min;
	if (rx_peek(p) == ',') {
		p->pos++;
		max = parse_count(p);
		if (min < 0)
			min = 0;
	} else if (min < 0) {
		return rx_fail(p, open, "invalid repetition count");
	}
	if (rx_peek(p) != '}')
		return rx_fail(p, open, rx_peek(p) ? "invalid repetition count" : "unbalanced '{'");
	p->pos++;
	if (min > RX_MAX_REPEAT || max > RX_MAX_REPEAT)
		return rx_fail(p, open, xsprintf("repetition count too large (at most %d)", RX_MAX_REPEAT));
	if (max >= 0 && max < min)
		return rx_fail(p, open, "invalid repetition count (minimum above maximum)");
	Rx *q = rx_new(RX_REPEAT, r);
	q->min = min;
	q->max = max;
	return q;
}

static Rx *parse_repeat(RxParser *p)
{
	Rx *r = parse_atom(p);
	while (r) {
		int c = rx_peek(p);
		if (c == '{') {
			if (r->kind == RX_ASSERT)
				return rx_fail(p, p->pos, "'{' has nothing to repeat");
			p->pos++;
			r = parse_interval(p, r);
			continue;
		}
		if (c != '*' && c != '+' && c != '?')
			break;
		if (r->kind == RX_ASSERT)	/* glibc: "^*" is an error too */
			return rx_fail(p, p->pos, xsprintf("'%c' has nothing to repeat", c));
		p->pos++;
		r = rx_new(RX_REPEAT, r);
		r->min = c == '+';
		r->max = c == '?' ? 1 : -1;
	}
	return r;
}

static Rx *parse_cat(RxParser *p)
{
	Rx *r = rx_new(RX_CAT, NULL);
	for (;;) {
		int c = rx_peek(p);
		if (!c || c == '|' || (c == ')' && p->depth > 0))
			return r;
		Rx *q = parse_repeat(p);
		if (!q)
			return NULL;
		vec_push(&r->items, q);
	}
}

static Rx *parse_alt(RxParser *p)
{
	Rx *r = rx_new(RX_ALT, NULL);
	for (;;) {
		Rx *q = parse_cat(p);
		if (!q)
			return NULL;
		vec_push(&r->items, q);
		if (rx_peek(p) != '|')
			return r->items.len == 1 ? q : r;
		p->pos++;
	}
}

/* ================================================================ code generation */

typedef struct RxCode {
	struct stp_re_insn *insns;	/* room for STP_REGEX_MAX_INSNS */
	int len;
	bool overflow;
} RxCode;

static int emit(RxCode *k, int op, int arg, int x, int y)
{
	if (k->len >= STP_REGEX_MAX_INSNS) {
		k->overflow = true;
		return 0;
	}
	k->insns[k->len] = (struct stp_re_insn){ .op = (uint8_t)op, .arg = (uint8_t)arg,
						 .x = (uint16_t)x, .y = (uint16_t)y };
	return k->len++;
}

static void patch_x(RxCode *k, int at, int target)
{
	if (!k->overflow)
		k->insns[at].x = (uint16_t)target;
}

static void patch_y(RxCode *k, int at, int target)
{
	if (!k->overflow)
		k->insns[at].y = (uint16_t)target;
}

static void gen(RxCode *k, const Rx *r);

/* r{min,max}: min copies, then either a loop (r+ or (r+)?) or max-min
 * nested optional copies, each of which may leave to the common end. */
static void gen_repeat(RxCode *k, const Rx *r)
{
	int copies = r->max < 0 && r->min > 0 ? r->min - 1 : r->min;
	for (int i = 0; i < copies && !k->overflow; i++)
		gen(k, r->a);
	if (r->max < 0) {
		int skip = r->min == 0 ? emit(k, STP_RE_SPLIT, 0, k->len + 1, 0) : -1;
		int body = k->len;
		gen(k, r->a);
		emit(k, STP_RE_SPLIT, 0, body, k->len + 1);
		if (skip >= 0)
			patch_y(k, skip, k->len);
		return;
	}
	int n = r->max - r->min;
	int *splits = xalloc(sizeof(int) * (size_t)(n + 1));
	for (int i = 0; i < n && !k->overflow; i++) {
		splits[i] = emit(k, STP_RE_SPLIT, 0, k->len + 1, 0);
		gen(k, r->a);
	}
	for (int i = 0; i < n && !k->overflow; i++)
		patch_y(k, splits[i], k->len);
}

/* a|b|c: SPLIT a, next; a; JMP end; next: SPLIT b, c; b; JMP end; c; end: */
static void gen_alt(RxCode *k, const Rx *r)
{
	int n = r->items.len;
	int *jumps = xalloc(sizeof(int) * (size_t)n);
	for (int i = 0; i < n - 1 && !k->overflow; i++) {
		int split = emit(k, STP_RE_SPLIT, 0, k->len + 1, 0);
		gen(k, vec_get(&r->items, i));
		jumps[i] = emit(k, STP_RE_JMP, 0, 0, 0);
		patch_y(k, split, k->len);
	}
	gen(k, vec_get(&r->items, n - 1));
	for (int i = 0; i < n - 1 && !k->overflow; i++)
		patch_x(k, jumps[i], k->len);
}

static void gen(RxCode *k, const Rx *r)
{
	if (k->overflow)
		return;
	switch (r->kind) {
	case RX_CHAR:
		emit(k, STP_RE_CHAR, r->c, 0, 0);
		break;
	case RX_ANY:
		emit(k, STP_RE_ANY, 0, 0, 0);
		break;
	case RX_SET:
		emit(k, STP_RE_CLASS, 0, r->c, 0);
		break;
	case RX_ASSERT:
		emit(k, r->c, 0, 0, 0);
		break;
	case RX_CAT:
		vec_foreach(&r->items, i)
			gen(k, vec_get(&r->items, i));
		break;
	case RX_ALT:
		gen_alt(k, r);
		break;
	case RX_GROUP:
		emit(k, STP_RE_SAVE, 2 * r->group, 0, 0);
		gen(k, r->a);
		emit(k, STP_RE_SAVE, 2 * r->group + 1, 0, 0);
		break;
	case RX_REPEAT:
		gen_repeat(k, r);
		break;
	}
}

/* ================================================================ start analysis */

/* Where matches can start, for the VM to skip ahead: the bytes the first
 * consuming instructions accept, whether MATCH is reachable without
 * consuming (nullable), and whether anything is (reached). */
typedef struct RxStart {
	RxSet bytes;
	bool nullable, reached;
} RxStart;

static RxStart rx_start(const RxCode *k, const Vec *sets, bool stop_at_bol)
{
	RxStart st = {{{0}}, false, false};
	bool *seen = xalloc((size_t)k->len);
	int *stack = xalloc(sizeof(int) * (size_t)(2 * k->len + 2));
	int sp = 0;

	stack[sp++] = 0;
	while (sp) {
		int pc = stack[--sp];
		if (seen[pc])
			continue;
		seen[pc] = true;
		const struct stp_re_insn *in = &k->insns[pc];
		const RxSet *cls = in->op == STP_RE_CLASS ? vec_get(sets, in->x) : NULL;
		switch (in->op) {
		case STP_RE_CHAR:
			set_add(&st.bytes, in->arg);
			break;
		case STP_RE_ANY:
			set_add_range(&st.bytes, 1, 255);
			break;
		case STP_RE_CLASS:
			for (int w = 0; w < 8; w++)
				st.bytes.bits[w] |= cls->bits[w];
			break;
		case STP_RE_MATCH:
			st.nullable = true;
			break;
		case STP_RE_JMP:
			stack[sp++] = in->x;
			continue;
		case STP_RE_SPLIT:
			stack[sp++] = in->y;
			stack[sp++] = in->x;
			continue;
		case STP_RE_BOL:
			if (!stop_at_bol)
				stack[sp++] = pc + 1;
			continue;
		default:		/* SAVE, and assertions taken as passable */
			stack[sp++] = pc + 1;
			continue;
		}
		st.reached = true;
	}
	return st;
}

/* prog->first and prog->anchored (may add a set to p->sets). */
static void analyze_start(RegexProg *prog, const RxCode *k, RxParser *p)
{
	RxStart st = rx_start(k, &p->sets, false);
	int n = 0;
	for (int c = 1; c < 256; c++)
		n += set_has(&st.bytes, c);
	prog->first = st.nullable || n == 255 ? -1 : set_index(p, &st.bytes);
	prog->anchored = !rx_start(k, &p->sets, true).reached;
}

/* ================================================================ entry points */

static const char *rx_error(int pos, const char *what)
{
	return xsprintf("regex compilation error (at position %d): %s", pos, what);
}

RegexProg *regex_compile(const char *pattern, const char **err)
{
	RxParser p = { .pat = pattern, .ngroups = 1 };
	Rx *body = parse_alt(&p);
	if (p.err) {
		*err = rx_error(p.errpos, p.err);
		return NULL;
	}
	Rx *whole = rx_new(RX_GROUP, body);	/* group 0 */
	RxCode k = { .insns = xalloc(sizeof(struct stp_re_insn) * STP_REGEX_MAX_INSNS) };
	gen(&k, whole);
	emit(&k, STP_RE_MATCH, 0, 0, 0);
	if (k.overflow) {
		*err = rx_error(0, xsprintf("regular expression too complex (more than %d instructions)",
					    STP_REGEX_MAX_INSNS));
		return NULL;
	}

	RegexProg *prog = xalloc(sizeof(*prog));
	prog->insns = k.insns;
	prog->len = k.len;
	prog->ngroups = p.ngroups;
	analyze_start(prog, &k, &p);
	uint32_t (*classes)[8] = xalloc(sizeof(*classes) * (size_t)(p.sets.len + 1));
	vec_foreach(&p.sets, i)
		memcpy(classes[i], ((RxSet *)vec_get(&p.sets, i))->bits, sizeof(classes[i]));
	prog->classes = (const uint32_t (*)[8])classes;
	prog->nclasses = p.sets.len;
	for (int i = 0; i < k.len; i++) {
		int op = k.insns[i].op;
		prog->nthreads += op == STP_RE_CHAR || op == STP_RE_ANY || op == STP_RE_CLASS ||
				  op == STP_RE_MATCH;
	}
	*err = NULL;
	return prog;
}

const char *regex_check(const char *pattern)
{
	const char *err;
	regex_compile(pattern, &err);
	return err;
}

/* ---- C output */

static const char *const op_names[] = {
#define STP_RE_NAME(name, doc) "STP_RE_" #name,
	STP_RE_OPS(STP_RE_NAME)
#undef STP_RE_NAME
};

/* s as a C string literal. */
static void put_c_string(Buf *out, const char *s)
{
	buf_putc(out, '"');
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			buf_printf(out, "\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f || *c == '?')
			buf_printf(out, "\\%03o", *c);
		else
			buf_putc(out, (char)*c);
	}
	buf_putc(out, '"');
}

const char *regex_compile_c(const char *pattern, const char *cname, Buf *out, int *ngroups)
{
	const char *err;
	RegexProg *prog = regex_compile(pattern, &err);
	if (!prog)
		return err;
	*ngroups = prog->ngroups;

	if (prog->nclasses) {
		buf_printf(out, "static const uint32_t stp_re_%s_cls[][8] = {\n", cname);
		for (int i = 0; i < prog->nclasses; i++) {
			buf_puts(out, "\t{");
			for (int w = 0; w < 8; w++)
				buf_printf(out, " 0x%08x,", (unsigned)prog->classes[i][w]);
			buf_puts(out, " },\n");
		}
		buf_puts(out, "};\n");
	}
	buf_printf(out, "static const struct stp_re_insn stp_re_%s[] = {\n", cname);
	for (int i = 0; i < prog->len; i++) {
		const struct stp_re_insn *in = &prog->insns[i];
		buf_printf(out, "\t{ %s, %u, %u, %u },\t/* %d */\n", op_names[in->op],
			   in->arg, in->x, in->y, i);
	}
	buf_puts(out, "};\n");
	buf_printf(out, "static const struct stp_regex stp_regex_%s = {\n", cname);
	buf_printf(out, "\t.prog = stp_re_%s,\n", cname);
	if (prog->nclasses)
		buf_printf(out, "\t.classes = stp_re_%s_cls,\n", cname);
	buf_printf(out, "\t.len = %d,\n\t.nthreads = %d,\n\t.ngroups = %d,\n",
		   prog->len, prog->nthreads, prog->ngroups);
	if (prog->first >= 0)
		buf_printf(out, "\t.first = %d,\n", prog->first);
	else
		buf_puts(out, "\t.first = STP_RE_NOFIRST,\n");
	if (prog->anchored)
		buf_puts(out, "\t.anchored = true,\n");
	buf_puts(out, "\t.pattern = ");
	put_c_string(out, pattern);
	buf_puts(out, ",\n};\n\n");
	return NULL;
}

/* ---- the module's programs */

static Vec used_patterns;		/* const char *: index = N of stp_regex_N */
static Buf used_defs;

const char *regex_use(const char *pattern, const char **err)
{
	vec_foreach(&used_patterns, i)
		if (str_eq(vec_get(&used_patterns, i), pattern))
			return xsprintf("stp_regex_%d", i);
	int ngroups;
	const char *name = xsprintf("%d", used_patterns.len);
	*err = regex_compile_c(pattern, name, &used_defs, &ngroups);
	if (*err)
		return NULL;
	vec_push(&used_patterns, pattern);
	return xsprintf("stp_regex_%s", name);
}

void regex_emit_defs(Buf *out)
{
	if (!used_patterns.len)
		return;
	buf_puts(out, "/* ---- regular expressions (runtime/stp_regex.h) */\n");
	buf_puts(out, buf_cstr(&used_defs));
	buf_puts(out, "static const struct stp_regex *const stp_regexes[] = {\n");
	vec_foreach(&used_patterns, i)
		buf_printf(out, "\t&stp_regex_%d,\n", i);
	buf_puts(out, "};\n\n");
}

const char *regex_init_code(void)
{
	if (!used_patterns.len)
		return NULL;
	return "\trc = stp_regex_init(stp_regexes, ARRAY_SIZE(stp_regexes));\n"
	       "\tif (rc)\n\t\tgoto fail;\n";
}

const char *regex_exit_code(void)
{
	return used_patterns.len ? "\tstp_regex_exit();\n" : NULL;
}
