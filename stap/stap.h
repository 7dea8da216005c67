/* stap.h - the one internal header of the translator, sectioned by pass.
 *
 * Data flows through five passes:
 *
 *   1 parse      script text -> tokens (lexer.l, preproc.c) -> AST (parser.y)
 *   2 elaborate  AST + tapsets -> resolved probes, functions, globals, types
 *   3 translate  resolved program -> one C file for a kernel module
 *   4 build      C file -> NAME.ko with the target kernel's kbuild
 *   5 run        NAME.ko -> staprun (locally or in the lab)
 *
 * Everything allocated by the translator lives in one arena and is never
 * freed: stap is a short batch process.  Every node carries the token it came
 * from so that any error, however deep, points at the source.
 */
#ifndef STAP_H
#define STAP_H

#include <stdarg.h>
#include <stdbool.h>

/* The SystemTap version whose language and tapsets we follow. */
#define STAP_VERSION "5.0"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct Session Session;
typedef struct Node Node;
typedef struct Var Var;
typedef struct Func Func;
typedef struct Probe Probe;
typedef struct ProbePoint ProbePoint;
typedef struct Family Family;

/* ================================================================ util.c */

void *xalloc(size_t n);				/* zeroed arena memory; never NULL */
void arena_reset(void);				/* free the whole arena (fuzzing only) */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xsprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvsprintf(const char *fmt, va_list ap);
bool str_eq(const char *a, const char *b);
bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);
char *read_file(const char *path, size_t *len);	/* NULL with errno on failure */
bool file_exists(const char *path);
bool str_all_digits(const char *s);		/* nonempty, 0-9 only */
bool wildcard_match(const char *pattern, const char *s);	/* fnmatch-like: * ? [..] */
int edit_distance(const char *a, const char *b);
uint64_t hash_bytes(uint64_t h, const void *p, size_t n);	/* FNV-1a 64 */

/* A growable array of pointers (arena-backed). */
typedef struct Vec {
	void **data;
	int len;
	int cap;
} Vec;
void vec_push(Vec *v, const void *p);
void vec_push_str_once(Vec *v, const char *s);	/* unless an equal string is there */
void vec_sort(Vec *v, int (*cmp)(const void *, const void *));	/* qsort of the pointers */
Vec vec_sorted(const Vec *v, int (*cmp)(const void *, const void *));	/* a sorted copy */
#define vec_get(v, i) ((v)->data[i])
#define vec_foreach(v, i) for (int i = 0; i < (v)->len; i++)

/* A growable string (arena-backed). */
typedef struct Buf {
	char *s;
	size_t len;
	size_t cap;
} Buf;
void buf_putc(Buf *b, char c);
void buf_puts(Buf *b, const char *s);
void buf_putn(Buf *b, const char *s, size_t n);
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(Buf *b, const char *fmt, va_list ap);
char *buf_cstr(Buf *b);				/* NUL-terminated contents ("" if empty) */
void buf_free(Buf *b);				/* done with b (arena: a no-op) */

/* ================================================================ diag.c */

/* A script or tapset file. */
typedef struct SrcFile {
	const char *name;		/* as shown in messages: path or "<input>" */
	const char *text;		/* whole contents, NUL-terminated */
	size_t len;
	bool is_tapset;			/* from the tapset library (privileged code) */
	bool is_macro_file;		/* a .stpm file: only @define allowed */
} SrcFile;

typedef struct Loc {
	SrcFile *file;
	int line;			/* 1-based */
	int col;			/* 1-based, in bytes */
} Loc;

/* Token kinds: one row each, with the spelling used in messages. */
#define TOKEN_KINDS(X)                                                    \
	X(T_EOF, "end of input")                                          \
	X(T_IDENT, "identifier")                                          \
	X(T_NUMBER, "number")                                             \
	X(T_STRING, "string")                                             \
	X(T_EMBEDDED, "embedded-code")                                    \
	X(T_PPWORD, "identifier")	/* probe point component, built by preproc.c */ \
	X(T_DOLLAR, "identifier")	/* $name, $$vars ... */           \
	X(T_ATOP, "operator")		/* @count @cast @defined ... */   \
	X(T_OP, "operator")                                               \
	X(T_KEYWORD, "keyword")                                           \
	X(T_JUNK, "junk")
#define X(k, s) k,
enum { TOKEN_KINDS(X) T_NKINDS };
#undef X

/* Token spellings used by the parser, one per keyword and operator. */
typedef struct Tok {
	int kind;			/* T_* */
	int code;			/* bison token number (parser.h) */
	const char *text;		/* spelling (string literals: decoded contents) */
	const char *raw;		/* string literals: source spelling */
	int64_t num;			/* T_NUMBER: value */
	Loc loc;
	bool space_before;		/* whitespace or comment precedes it */
	const struct Tok *expanded_from;	/* macro/argument expansion origin */
} Tok;

extern int g_errors;			/* errors so far in this pass */
extern int g_diag_quiet;		/* > 0: errors are counted, not printed */
extern int g_diag_quiet_errors;		/* > 0: the same for errors only */
/* When set, error_tok() keeps its errors here (DiagItem*) instead of
 * counting and printing them; diag_replay() says them later. */
typedef struct DiagItem {
	const Tok *tok;
	const char *msg;
} DiagItem;
extern Vec *g_diag_capture;
void diag_replay(const Vec *items);
extern const char *g_diag_site;		/* set: error repeats are counted per site */
extern int g_warnings;

/* SystemTap's report layout:
 *   KIND: MESSAGE: identifier 'x' at FILE:LINE:COL
 *           source: LINE TEXT
 *                   ^
 */
void error_tok(const Tok *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void parse_error_tok(const Tok *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void parse_error_at(const Tok *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void warn_tok(const Tok *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void error_plain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* "ERROR: ..." */
bool error_chain_repeated(const char *first, const char *cause);	/* a repeated chained error: counted, not said */
void warn_plain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* "WARNING: ..." */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
const char *tok_describe(const Tok *t);		/* "identifier 'foo'" */
void diag_source(const Tok *t, const char *label);	/* the source:/caret lines */
void diag_also(const Tok *t);		/* a second location for the last error */

/* ================================================================ lexer.l, preproc.c */

Vec *lex_file(SrcFile *f);			/* raw tokens, ends with T_EOF */
SrcFile *srcfile_new(const char *name, const char *text, size_t len, bool is_tapset);
SrcFile *srcfile_load(const char *path, bool is_tapset);	/* NULL on failure */

/* Macros from @define: global ones from .stpm files, local to one file. */
typedef struct Macro {
	const char *name;
	Vec params;			/* const char * */
	Vec body;			/* Tok * */
	Tok *tok;
} Macro;

/* Preprocess raw tokens: %( %? %: %) conditionals, @define/@macro,
 * $N/@N arguments, and the probe point word merging the grammar needs. */
Vec *preprocess(Session *s, Vec *raw, SrcFile *f);

/* ================================================================ parser.y, ast.c */

typedef enum Type {
	TY_UNKNOWN = 0,
	TY_LONG,
	TY_STRING,
	TY_STATS,
} Type;
const char *type_name(Type t);		/* "long", "string", "stat", "unknown" */

/* Node kinds, expressions then statements.  `Fields:` lists the valid members. */
typedef enum NodeKind {
	/* expressions */
	N_NUM,		/* num */
	N_STR,		/* str (decoded) */
	N_SYM,		/* name -> var (local or global scalar, or whole array/stat) */
	N_INDEX,	/* lhs = array N_SYM, args = keys (N_STAR allowed in slices) */
	N_STAR,		/* `*` in an array slice or delete */
	N_CALL,		/* name, args -> func */
	N_PRINT,	/* name (print, printf, sprintf, ...), args; fmt parsed */
	N_BINARY,	/* op, lhs, rhs: arithmetic, bitwise, comparison, `.`, && || */
	N_UNARY,	/* op (- ! ~ +), lhs */
	N_ASSIGN,	/* op (= += ... .=), lhs, rhs */
	N_STATADD,	/* lhs <<< rhs */
	N_INCDEC,	/* op (++ --), lhs, is_post */
	N_TERNARY,	/* cond, lhs (then), rhs (else) */
	N_IN,		/* args in lhs (N_SYM array) */
	N_REGEX,	/* op (=~ !~), lhs, str = pattern */
	N_STATOP,	/* op (@count @sum @min @max @avg @variance), lhs (N_SYM/N_INDEX), args (variance: bucket) */
	N_HIST,		/* op (@hist_linear @hist_log), lhs, args (lo, hi, step) */
	N_HISTIDX,	/* a bucket's count: lhs (N_HIST) [rhs] */
	N_TARGET,	/* $name / $$vars: name, comps (member chain), suffix "$"/"$$" */
	N_CAST,		/* @cast(lhs, str type [, module]): args[0]=type, args[1]=module; comps */
	N_ATVAR,	/* @var("name@file"[, "module"]): str, comps */
	N_DEFINED,	/* @defined(lhs) */
	N_ENTRY,	/* @entry(lhs) */
	N_PROBEWRITE,	/* @probewrite(lhs) */
	N_CONST,	/* @const("NAME") : str */
	N_REGISTER,	/* @kregister(n)/@uregister(n): op, lhs */
	N_DEREF,	/* @kderef/@uderef(size, addr): op, args */
	N_EMBEDDED_EXPR,/* %{ code %} in an expression: str */
	/* statements */
	N_BLOCK,	/* stmts */
	N_EXPR_STMT,	/* lhs */
	N_IF,		/* cond, then, els */
	N_FOR,		/* init, cond, incr, then (body); `while` is a N_FOR */
	N_FOREACH,	/* fe (keys, value, array, sort, limit), then (body) */
	N_TRY,		/* then (try block), els (catch block), catch_var */
	N_NEXT,
	N_BREAK,
	N_CONTINUE,
	N_RETURN,	/* lhs (may be NULL) */
	N_DELETE,	/* lhs */
	N_NULL,		/* ; */
	N_EMBEDDED,	/* %{ code %} as a function body: str */
	N_NKINDS
} NodeKind;

/* A link in a target-variable member chain: ->name, [index], $/$$ suffix. */
typedef struct Comp {
	enum { COMP_MEMBER, COMP_INDEX, COMP_EXPR_INDEX, COMP_PRETTY } kind;
	const char *name;	/* member name, or "$"/"$$" */
	int64_t index;		/* literal index */
	Node *expr;		/* computed index */
	Tok *tok;
} Comp;

/* The parsed parts of a print-family format string. */
typedef struct FmtSpec {
	enum { FS_LITERAL, FS_CONV } kind;
	const char *text;	/* FS_LITERAL: text; FS_CONV: the whole %... */
	char conv;		/* d i u x X o s c p b m M % */
	unsigned flags;		/* FMT_* */
	int width, prec;	/* -1 none, -2 taken from an argument ('*') */
} FmtSpec;
enum {
	FMT_LEFT = 1, FMT_PLUS = 2, FMT_SPACE = 4, FMT_ALT = 8, FMT_ZERO = 16,
};

typedef struct Foreach {
	Vec keys;		/* Node* N_SYM key variables */
	Node *value;		/* N_SYM value variable or NULL */
	Node *array;		/* N_SYM array, or N_INDEX slice with N_STAR keys */
	int sort_key;		/* 0 none, 1..N key column, -1 value */
	int sort_dir;		/* +1 ascending, -1 descending */
	int sort_aggr;		/* stats sort: op token (@count ...) or 0 */
	Node *limit;
} Foreach;

struct Node {
	NodeKind kind;
	Tok *tok;		/* the token errors point at */
	Type type;		/* inferred (expressions) */
	int op;			/* operator token code */
	int64_t num;
	const char *str;
	const char *name;
	Node *lhs, *rhs;
	Node *cond, *then, *els, *init, *incr;
	Vec args;		/* Node* */
	Vec stmts;		/* Node* */
	Vec comps;		/* Comp* */
	Foreach *fe;
	bool is_post;		/* N_INCDEC */
	bool addr_of;		/* N_TARGET, N_CAST, N_ATVAR: &...: the address, not the value */
	bool folded;		/* N_NUM: an operator on literals, folded (still "an operator" to errors) */
	Var *var;		/* N_SYM, N_INDEX (through lhs), catch variable */
	Func *func;		/* N_CALL: the first candidate */
	Vec overloads;		/* N_CALL: all candidates of this arity, in order (`next`) */
	Vec fmt;		/* N_PRINT: FmtSpec* */
	const char *catch_var;	/* N_TRY */
	Tok *catch_tok;
	void *aux;		/* pass-specific annotation (e.g. DWARF resolution) */
	const char *tvar_code;	/* N_TARGET read at a kernel.function entry: its C */
	const char *tvar_func;	/* ...and the function SystemTap would synthesize
				 * for it (listed by -p2) */
	bool tvar_tp;		/* ...a tracepoint argument's member chain
				 * (__tracepoint_tvar_get_..., taking a pointer) */
	bool tvar_write;	/* N_TARGET assigned to (..._tvar_set_...) */
	Vec *deferred_errors;	/* N_TARGET: DiagItem*, said only if the node
				 * survives optimization (SystemTap's way) */
};

/* Constructors (ast.c). */
Node *new_node(NodeKind kind, Tok *tok);
Node *new_num(Tok *tok, int64_t v);
Node *new_str(Tok *tok, const char *s);
Node *new_binary(int op, Tok *tok, Node *lhs, Node *rhs);
Node *new_unary(NodeKind kind, int op, Tok *tok, Node *lhs);
const char *op_spelling(int op);		/* "+", "<<<", "@count", ... */
Node *ast_clone(const Node *n);			/* deep copy */
void ast_visit(const Node *n, void (*fn)(const Node *, void *), void *arg);	/* every node, pre-order */
bool node_is_expr(const Node *n);

/* A variable: global, local, function parameter, foreach key. */
struct Var {
	const char *name;
	Tok *tok;
	Type type;		/* value type */
	int arity;		/* -1 unknown, 0 scalar, N > 0 array with N keys */
	Type *key_types;	/* [arity] */
	Tok **key_toks;		/* [arity]: where each key type was inferred */
	bool is_global;
	bool is_private;	/* `private`: visible in its file only */
	bool is_param;
	int param_index;
	bool is_array_decl;	/* declared with [N] or used with [] */
	Node *init;		/* global initializer literal (or NULL) */
	int64_t maxsize;	/* [N] or 0 for the default */
	bool wrap;		/* `%`: overwrite oldest when full */
	bool read, written;	/* seen read / written anywhere */
	bool updated;		/* ++, --, += ...: a read for elision of locals */
	bool pinned;		/* a family's local: read and written, never elided */
	int note_order;		/* ...its place among them (family_note_local) */
	bool in_defined;	/* named inside @defined(): read, for warnings */
	unsigned stat_ops;	/* 1 << STAT_* components used */
	Vec hist;		/* Node* N_HIST uses (for buckets) */
	SrcFile *file;
	const char *cname;	/* C identifier */
	int index;		/* position among globals or locals */
	int ref_seq;		/* globals: order of first reference (SystemTap's order) */
	bool synthetic;		/* made by the translator */
	bool elided;		/* unused: not emitted */
	bool type_reported;	/* "unresolved type" said at a use */
	Tok *arity_tok;		/* where the arity was first seen */
	Tok *type_tok;		/* where the type was first inferred */
};
enum { STAT_COUNT, STAT_SUM, STAT_MIN, STAT_MAX, STAT_AVG, STAT_VARIANCE, STAT_HIST_LINEAR, STAT_HIST_LOG };

/* A script or tapset function. */
struct Func {
	const char *name;
	Tok *tok;
	Type ret;		/* declared or inferred return type */
	Tok *ret_tok;		/* the return value it was inferred from */
	bool ret_declared;
	Vec params;		/* Var* */
	Vec locals;		/* Var* (params not included) */
	Node *body;		/* N_BLOCK or N_EMBEDDED */
	unsigned c_flags;	/* FC_* annotations of embedded-C bodies */
	int64_t priority;	/* overload priority (`:N`) */
	bool priority_given;	/* else 0 for scripts, 1 for tapsets */
	bool is_private;
	SrcFile *file;
	bool used;		/* reachable from a probe */
	Vec global_refs;	/* Var*: globals its body names, in order */
	bool visiting;		/* recursion guard in passes */
	const char *cname;
	int index;
};
enum {
	FC_PURE = 1, FC_UNPRIVILEGED = 2, FC_MYPROC_UNPRIVILEGED = 4,
	FC_GURU = 8, FC_STABLE = 16, FC_UNMANGLED = 32, FC_STRING = 64,
};

/* One probe point: `kernel.function("f").return ?` */
typedef struct PPComp {
	const char *name;	/* may contain * ** wildcards, or {a,b} already expanded */
	Node *arg;		/* N_NUM / N_STR / NULL */
	Tok *tok;
	int flags;		/* an alternative's own ?/! (1 optional, 2 sufficient) */
} PPComp;

struct ProbePoint {
	Vec comps;		/* PPComp* */
	bool optional;		/* ? */
	bool sufficient;	/* ! */
	Node *cond;		/* if (cond) */
	Tok *tok;
	ProbePoint *from;	/* the point this was derived from (alias expansion) */
	bool alias_add;		/* an alias name followed by += (not =) */
};
char *pp_string(const ProbePoint *pp);	/* canonical spelling: kernel.function("f").return */

/* A `probe` declaration, or a probe alias (`probe a = b { }`). */
struct Probe {
	Vec points;		/* ProbePoint* (for aliases: the targets) */
	Vec alias_names;	/* ProbePoint* names being defined; empty for a probe */
	bool epilogue;		/* alias with += */
	Node *body;
	Tok *tok;
	SrcFile *file;
	bool is_private;
};

/* The parse of one file. */
typedef struct Stapfile {
	SrcFile *src;
	Vec probes;		/* Probe* */
	Vec aliases;		/* Probe* */
	Vec funcs;		/* Func* */
	Vec globals;		/* Var* */
	Vec embeds;		/* Node* N_EMBEDDED at top level */
	bool privileged;	/* tapset or -g */
} Stapfile;

Stapfile *parse_file(Session *s, SrcFile *f);	/* NULL after a parse error */
void dump_file(FILE *out, Stapfile *f);		/* -p1 listing */
void dump_expr(Buf *b, const Node *n);
const char *probe_points_text(const Probe *decl);	/* elaborate.c */
extern bool dump_global_names;	/* resolved globals as __global_NAME */
void dump_stmt(Buf *b, const Node *n, int depth);

/* ================================================================ tapsets.c */

/* The tapset library: an index of which file defines which function,
 * global and probe alias, so pass 2 parses only the files it needs. */
typedef struct TapsetIndex TapsetIndex;
TapsetIndex *tapsets_open(Session *s);
void tapsets_need_function(Session *s, const char *name);	/* parse defining files */
void tapsets_need_alias(Session *s, const ProbePoint *pp);
void tapsets_need_global(Session *s, const char *name);
void tapsets_load_all(Session *s);		/* for -l/-L and dumps */
Vec *tapsets_function_names(Session *s);	/* for suggestions */

/* ================================================================ elaborate.c */

/* A probe after alias expansion and family resolution: one per concrete
 * point, with one body (alias prologues + probe body + epilogues). */
typedef struct DProbe {
	ProbePoint *pp;		/* the concrete point */
	ProbePoint *orig;	/* as the user wrote it */
	Probe *probe;		/* the declaration */
	Node *body;
	Node *cond;		/* arming condition (may be NULL) */
	Vec locals;		/* Var* */
	const Family *family;
	void *fdata;		/* family-specific resolution */
	int index;		/* position in session->probes */
	const char *cname;
	const char *pp_text;	/* pp() */
	const char *pp_shown;	/* pp() if not pp_text: the process.* aliases */
	const char *ppfunc;	/* function name for probefunc/ppfunc */
	Vec derivation;		/* const char*: origin chain for -p2 comments */
	bool needs_regs;	/* body uses registers/target vars */
	int nlocks;		/* globals locked around the handler */
	bool is_return;		/* a function return: @entry and entry values apply */
	Vec entry_exprs;	/* Node*: evaluated at the call, saved for the return */
	Vec entry_at;		/* their places in the entry data (translate.c) */
	int entry_longs, entry_strs;	/* int64 slots, MAXSTRINGLEN strings */
	bool in_entry;		/* pass 3 is generating the entry handler */
} DProbe;

int elaborate(Session *s);		/* pass 2: 0 or number of errors */
void optimize(Session *s, void (*remark)(Session *));	/* optimize.c: eliding dead code */
int func_cmp_name(const void *a, const void *b);	/* Func* by name: SystemTap's visiting order */
Var *lookup_global(Session *s, const char *name, SrcFile *from);
void elaborate_add_file(Session *s, Stapfile *f);
void synth_global_display(Session *s, Vec *out);	/* synth.c: end probes printing unread globals */	/* a tapset file was parsed */
void dump_elaborated(FILE *out, Session *s);	/* -p2 listing */
int elaborate_dump(Session *s, int what);	/* --dump-functions 'f', -types 't', -aliases 'a' */
void diag_summary(void);			/* "similar messages suppressed" lines */
void diag_flush(void);				/* end the last error's report */
void diag_reset(void);				/* forget all messages (fuzzing) */

/* ================================================================ probes.c (family table) */

/* One probe family: how to recognise, resolve and emit its points.
 * Adding a family means one new probe_*.c file and one row in probes.c. */
struct Family {
	const char *name;	/* C identifier part: begin, timer, kprobe, ... */
	const char *const *patterns;	/* for -l and --dump-probe-types, NULL-terminated */
	/* Does this family handle d->pp?  Fill d->fdata; report errors itself
	 * (return true with an error to stop other families trying). */
	bool (*match)(Session *s, DProbe *d);
	/* Families whose points expand to many (wildcards over the kernel's
	 * functions): push concrete DProbe copies of d on out; return false
	 * if pp is not theirs.  Used instead of match when set. */
	bool (*expand)(Session *s, DProbe *d, Vec *out);
	/* Resolve a target variable ($x, @cast, ...) used in d's body: set
	 * n->type, or report an error.  NULL: no target variables here. */
	void (*target)(Session *s, DProbe *d, Node *n);
	/* Pass 3: the C expression for target variable n. */
	const char *(*target_code)(Session *s, DProbe *d, Node *n, void *gen);
	/* An assignment `n op value` to a target variable: in pass 2 (gen
	 * NULL) report an error if n is not writable that way; in pass 3 the
	 * C statement storing value (C of n's type).  NULL: not writable. */
	const char *(*target_store)(Session *s, DProbe *d, Node *n, int op, const char *value, void *gen);
	/* -L: " $name:type ..." after the probe point, or NULL. */
	void (*list_vars)(Session *s, DProbe *d, Buf *out);
	/* -p2: DWARF probes print a "pc=..." comment and their resolved
	 * point instead of the derivation.  NULL: the derivation. */
	void (*list_pc)(Session *s, DProbe *d, FILE *out);
	/* Emit everything at file scope after the probe handlers.  Families
	 * with `registers` define stp_fam_NAME_register(void) (0 or -errno,
	 * undoing itself on failure) and stp_fam_NAME_unregister(void). */
	void (*emit)(Session *s, Buf *out, Vec *probes);
	bool registers;
	const char *context;	/* "process" or "irq": what the handler may do */
};
extern const Family *const families[];
extern const Family family_begin, family_end, family_error, family_never, family_timer;
extern const Family family_kernel, family_kprobe;
extern const Family family_trace, family_perf, family_profile, family_procfs, family_netfilter;
extern const Family family_stmt;	/* probe_stmt.c: kernel.statement, module(...) */
extern const Family family_existing;	/* probe_existing.c: tasks running at the start */
void kernel_list_vars(Session *s, DProbe *d, Buf *out);	/* probe_kernel.c: -L */
void kernel_list_pc(Session *s, DProbe *d, FILE *out);	/* probe_kernel.c: -p2 */
const Family *family_for(Session *s, DProbe *d);
bool pp_is(const ProbePoint *pp, int ncomps, ...);
/* A family's error about pp: "while resolving probe point" comes first. */
void pp_error(const ProbePoint *pp, const Tok *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void emit_kprobe_pres(Buf *out, Vec *probes, bool (*is_ret)(const DProbe *d));	/* per-probe pre-handlers */
void emit_kprobe_pre_field(Buf *out, Vec *probes, const DProbe *d, bool ret);	/* component names match exactly */
const PPComp *pp_comp(const ProbePoint *pp, int i);
/* -p2/-L: a local SystemTap's family keeps for a variable ($skb ->
 * __nf_skb, $prev -> __tracepoint_arg_prev), listed first, those of a
 * probe in `order` (a tracepoint's parameter order, ...). */
void family_note_local(DProbe *d, const char *name, Tok *tok, int order);
/* A family whose handlers use its runtime header's types: include it
 * before them (once; not listed by -p2, which shows the script's). */
void family_include_runtime(Session *s, const char *header, const Tok *at);

/* ================================================================ dwarf.c */

/* A kernel function with DWARF. */
typedef struct DwFunc {
	const char *name;
	const char *decl_file;		/* relative to the build directory: fs/open.c */
	int decl_line;
	uint64_t low_pc;		/* link-time entry address */
	uint64_t cu_off, die_off;	/* DIE offsets in .debug_info */
	bool inlined;			/* an inlined copy: die_off is the DW_TAG_inlined_subroutine */
} DwFunc;

int dw_kernel(Session *s, const Tok *at);	/* open the kernel's debuginfo (errors at `at`) */
void dw_functions(Session *s, const char *func_pat, const char *file_pat, Vec *out);
void dw_functions_blocked(Session *s, const char *func_pat, const char *file_pat, Vec *out, Vec *blocked);
/* the inlined copies of the matching functions (DwFunc* with .inlined);
 * those in __init code go to blocked */
void dw_inline_instances(Session *s, const char *func_pat, const char *file_pat, Vec *out, Vec *blocked);
void dw_function_names(Session *s, Vec *out);
const char *similar_names(const char *name, Vec *cands);	/* " (similar: ...)" or "" */
const char *similar_names_as(const char *label, const char *name, Vec *cands);	/* " (LABEL: ...)" */
void dw_vars_text(Session *s, DwFunc *f, bool is_return, Buf *out);	/* -L */
uint64_t dw_symbol(Session *s, const char *name);	/* link address, 0 if unknown */
bool dw_symbol_global(Session *s, const char *name);	/* bound outside its file */
const char *dw_kaslr_anchor(Session *s, uint64_t *addr);	/* "_printk" (or "printk") and its address */
uint64_t dw_stext(void);
void dw_text_symbols(Session *s, Vec *out);	/* function symbols, if debuginfo exists */
/* ---- tracepoints (probe_trace.c) */
typedef struct DwTracepoint {
	const char *system;		/* TRACE_SYSTEM: "sched" */
	const char *name;		/* "sched_switch" */
	DwFunc *iter;			/* __traceiter_NAME(void *__data, args...) */
} DwTracepoint;
typedef struct DwParam {
	const char *name;
	const char *type;		/* SystemTap's spelling: "struct task_struct*" */
	bool scalar;			/* passed in one register: at most 8 bytes */
} DwParam;
Vec *dw_tracepoints(Session *s);	/* DwTracepoint* of vmlinux, by system then name */
void dw_params(Session *s, DwFunc *f, Vec *out);	/* DwParam* in order */
/* C for parameter `index` of f, held as the uint64_t C lvalue `value` (a
 * small struct is read from its bytes), then n's member chain; NULL or an
 * error. */
const char *dw_param_code(Session *s, DwFunc *f, int index, const char *value, Node *n,
			  const char *(*index_expr)(Node *, void *), void *arg, const char **code);
/* $$parms/$$vars or $name$ over f's parameters from `first` on, valued by
 * the C format `word` of their position: statements formatting into `o`. */
const char *dw_params_pretty(Session *s, DwFunc *f, int first, const char *word, Node *n, const char **code);
/* C code reading target variable n ($name->chain) at pc; NULL or an error. */
const char *dw_target_code(Session *s, DwFunc *f, uint64_t pc, bool is_return, Node *n,
			   const char *(*index_expr)(Node *, void *), void *arg, const char **code);

/* $$vars/$$parms/$$locals/$$return and $var$: statements formatting into `o`. */
const char *dw_pretty_code(Session *s, DwFunc *f, uint64_t pc, bool is_return, Node *n, const char **code);
bool target_is_pretty(const Node *n);	/* probe_kernel.c */
/* @cast(ptr, "type")->chain and @var("name")->chain: C reading them;
 * @cast with a $/$$ suffix returns "pretty" and formatting statements. */
const char *dw_cast_code(Session *s, Node *n, const char *ptr,
			 const char *(*index_expr)(Node *, void *), void *arg, const char **code);
const char *dw_atvar_code(Session *s, Node *n, const char *(*index_expr)(Node *, void *), void *arg,
			  const char **code);

/* ---- modules and lines (probe_stmt.c) */
typedef struct DwModule DwModule;	/* a kernel module's debuginfo */
typedef struct DwLine {
	int line;
	uint64_t addr;			/* its lowest address */
} DwLine;
DwModule *dw_module(Session *s, const char *name, const Tok *at);	/* NULL: warned or an error */
void dw_module_names(Session *s, const char *pattern, Vec *out);	/* modules with debuginfo */
bool dw_module_known(Session *s, const char *name);	/* the kernel has module `name` */
DwModule *dw_user(Session *s, const char *path);	/* a program's DWARF; NULL: warned */
bool dw_user_offset(DwModule *m, uint64_t addr, uint64_t *off);	/* address -> file offset */
/* functions by ELF symbol; nodwarf: instead the symbols (name, address) of no DWARF function */
typedef struct DwSymRef {
	const char *name;
	uint64_t addr;
} DwSymRef;
void dw_user_symbol_funcs(Session *s, DwModule *m, const char *pat, Vec *out, Vec *nodwarf);
typedef struct DwUSym {
	uint64_t off;		/* in the file */
	uint64_t size;
	const char *name;
	bool global;
} DwUSym;
bool dw_file_symbols(const char *path, Vec *out);
const char *dw_target_store(Session *s, DwFunc *f, uint64_t pc, bool is_return, Node *n,
			    const char *(*index_expr)(Node *, void *), void *arg, const char *value,
			    const char **code);	/* guru writes: NULL or an error */	/* DwUSym*: function symbols by file offset */
uint64_t dw_prologue_end(Session *s, DwFunc *f);	/* unoptimized code: after its prologue */
void note_probed_module(Session *s, const char *name);
void note_probed_program(Session *s, const char *path);	/* --vm installs it */
const char *process_exe_path(const char *path);
const char *c_string(const char *s);	/* translate.c: a C string literal */
const char *dwarf_store(Session *s, DProbe *d, DwModule *mod, DwFunc *f, uint64_t pc, bool ret, Node *n,
			int op, const char *value, void *gen);	/* probes.c: guru writes */
int emit_user_symbols(Session *s, Buf *out);	/* probe_stmt.c: user symbol tables; how many files */	/* elaborate.c: process("PATH")'s file */
const char *dw_module_name(DwModule *m);
/* Make m's DWARF (NULL: vmlinux's) the one every dw_* call uses; returns
 * the previous selection for dw_module_restore(). */
void *dw_module_select(DwModule *m);
void dw_module_restore(void *prev);
/* The ELF symbol of m holding addr and the offset in it. */
const char *dw_module_symbol(DwModule *m, uint64_t addr, uint64_t *off);
void dw_func_lines(Session *s, DwFunc *f, Vec *out);	/* DwLine* by line */
DwFunc *dw_func_at(Session *s, uint64_t pc);		/* the function holding pc */
void dw_vars_at_text(Session *s, DwFunc *f, uint64_t pc, Buf *out);	/* -L at pc */
void dw_ensure_cfi(void);		/* CFI for pcs past the entry (.debug_frame) */

/* ================================================================ translate.c */

int translate(Session *s);		/* pass 3: writes s->c_file */
void collect_histograms(Session *s);	/* pass 2: histogram kinds per statistic */
/* For families' target code: C for an index expression inside a chain. */
const char *(*translate_index_hook(void))(Node *, void *);
/* For families: n is read at the call of a .return probe; its C there. */
const char *translate_entry_slot(DProbe *d, Node *n);
const char *translate_entry_size(DProbe *d);	/* the entry data, in int64 slots: a C expression */
const char *translate_string_temp(void *gen);	/* a MAXSTRINGLEN temporary */

/* ================================================================ build.c, kernel.c */

typedef struct Kernel {
	const char *release;		/* e.g. 6.1.0-56-amd64 */
	const char *build_dir;		/* kbuild tree */
	const char *config_path;
	bool from_lab;			/* chosen because the host cannot load modules */
} Kernel;
int kernel_resolve(Session *s, bool need_tree);	/* fills s->kernel; errors say which package */
const char *kernel_config(Session *s, const char *name);	/* "y", "m", value, or NULL */
int kernel_version_code(Session *s);	/* KERNEL_VERSION(a,b,c) of release */
void kernel_forget(void);			/* drop the cached .config (fuzzing) */
int build_module(Session *s);		/* pass 4 */
/* cache.c: passes 3-4 results under $SYSTEMTAP_DIR/cache */
const char *cache_compute_key(Session *s);	/* from s->c_text and the build inputs */
bool cache_lookup(Session *s);		/* sets s->c_file, s->ko_file on a hit */
void cache_store(Session *s);
void cache_clean(Session *s);		/* --clean-cache */
const char *cache_kbuild_probes(Session *s);	/* kbuild's compiler-probe answers, or NULL */
const char *systemtap_dir(void);
int run_module(Session *s);		/* pass 5 */

/* ================================================================ main.c (the session) */

struct Session {
	/* options */
	int last_pass;			/* -p N (5 = run) */
	int verbose;			/* -v count */
	const char *uncaught;		/* said instead of "Pass N: ... failed" */
	bool keep_tmp;			/* -k */
	bool guru;			/* -g */
	bool unoptimized;		/* -u */
	bool suppress_warnings;		/* -w */
	bool warnings_as_errors;	/* -W */
	bool vm;			/* --vm */
	bool list_mode;			/* -l */
	int display_first;		/* probes from here: the end display of globals */
	bool cond_globals;		/* a probe condition names a global (SystemTap adds a begin probe) */
	bool list_vars;			/* -L */
	bool skip_badvars;
	bool suppress_handler_errors;
	bool timing;			/* -t */
	bool disable_cache;
	const char *module_name;	/* -m */
	bool module_name_given;
	const char *release;		/* -r */
	const char *output_file;	/* -o */
	const char *cmd;		/* -c */
	long target_pid;		/* -x */
	const char *compatible;		/* --compatible */
	const char *arch;		/* -a */
	Vec include_dirs;		/* -I */
	Vec defines;			/* -D NAME[=VALUE] (const char*) */
	Vec script_args;		/* $1.. (const char*) */
	Vec global_inits;		/* -G var=value, or var=value after the script */
	bool uses_args;			/* the script reads $N/@N/$#/@# */
	Vec staprun_opts;		/* passed through to staprun */
	Vec probed_modules;		/* kernel modules probes name (--vm installs them) */
	Vec probed_programs;		/* files process(...) probes name (likewise) */
	Vec symbol_files;		/* -d FILE, --ldd: user files whose symbols the module carries */
	bool ldd;			/* --ldd */
	const char *script_text;	/* -e */
	const char *script_path;	/* file or "-" */
	const char *runtime_dir;
	const char *tapset_dir;
	const char *staprun_path;
	const char *stapvm_path;

	/* state */
	const char *tmpdir;
	const char *c_file;
	const char *c_text;		/* pass 3's product */
	const char *cache_key;		/* hash of everything the module depends on */
	bool cached;			/* passes 3-4 came from the cache */
	const char *ko_file;
	Kernel kernel;
	bool kernel_resolved;
	SrcFile *user_file;
	Stapfile *user;			/* the user script */
	Vec extra_scripts;		/* const char*: -E texts */
	Vec user_files;			/* Stapfile*: the user script, then -E's */
	Vec files;			/* Stapfile*: user first, then tapsets used */
	Vec macros;			/* Macro* global (from .stpm) */
	TapsetIndex *tapsets;
	Vec globals;			/* Var* (all files) */
	Vec funcs;			/* Func* (all files) */
	Vec aliases;			/* Probe* */
	Vec probes;			/* DProbe* */
	Vec embeds;			/* Node* top-level %{ %} to emit */
	Vec used_funcs;			/* Func* reachable */
	Vec used_globals;		/* Var* referenced */
};

extern Session *g_session;
double now_ms(void);
const char *session_tmpdir(Session *s);
const char *runtime_dir(Session *s);
const char *tapset_dir(Session *s);
const char *tool_path(Session *s, const char *name);	/* staprun, stap-vm */
int run_command(Session *s, char *const argv[], bool quiet);	/* exit status */

#endif /* STAP_H */
