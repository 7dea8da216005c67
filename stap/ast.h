/* ast.h - constructors the grammar actions call (parser.y and ast.c only). */
#ifndef AST_H
#define AST_H

#include "stap.h"
#include "parser.h"

Vec *ast_vec(Vec *v, void *item);
Vec *ast_vec_cat(Vec *a, Vec *b);

void ast_probe(ParseCtx *ctx, Tok *kw, Vec *points, Vec *alias_names, Node *body);
Vec *ast_alias_names(ParseCtx *ctx, Vec *names, Vec *points, Tok *op);
Vec *ast_pp(ParseCtx *ctx, Vec *comps, int flags, Node *cond);
PPComp *ast_ppcomp(Tok *word, Node *arg);

void ast_globals(ParseCtx *ctx, Vec *vars, bool is_private);
Var *ast_global(Tok *name, Node *init, int64_t size, bool wrap);
Func *ast_function_head(ParseCtx *ctx, Tok *name, int type, Vec *params, int prio);
void ast_function(ParseCtx *ctx, Func *f, Node *body);
void ast_last_function_private(ParseCtx *ctx);
Var *ast_param(Tok *name, int type);
Node *ast_embedded_body(ParseCtx *ctx, Tok *code);
void ast_top_embedded(ParseCtx *ctx, Tok *code);

Node *ast_expr_stmt(Node *e);
Node *ast_if(Tok *kw, Node *cond, Node *then, Node *els);
Node *ast_for(Tok *kw, Node *init, Node *cond, Node *incr, Node *body);
Node *ast_try(Tok *kw, Node *tryb, Tok *var, Node *catchb);
Node *ast_return(ParseCtx *ctx, Tok *kw, Node *value);
Foreach *ast_fe_keys(Foreach *value, Vec *keys);
Foreach *ast_fe_value(Tok *name, Tok *sortdir);
Node *ast_fe_key(Tok *name, Tok *sortdir);
Foreach *ast_fe_array(Tok *name, Vec *slice, Tok *sortdir, Tok *aggr, Node *limit);
Foreach *ast_fe_hist(Node *hist, Tok *sortdir, Node *limit);
Node *ast_foreach(Tok *kw, Foreach *head, Foreach *tail, Node *body);

Node *ast_assign(Tok *op, Node *lhs, Node *rhs);
Node *ast_ternary(Tok *q, Node *cond, Node *a, Node *b);
Node *ast_in(Tok *kw, Vec *keys, Tok *array);
Node *ast_regex(Tok *op, Node *lhs, Tok *pattern);
Node *ast_incdec(Tok *op, Node *operand, bool post);
Node *ast_sym(Tok *name);
Node *ast_index(Tok *name, Vec *keys);
Node *ast_call(ParseCtx *ctx, Tok *name, Vec *args);
Node *ast_embedded_expr(ParseCtx *ctx, Tok *code);
Node *ast_addr_of(Tok *amp, Node *n);		/* &$var...: marks the target, else a unary & */
Node *ast_target(Tok *name, Node *chain);
Node *ast_statop(Tok *op, Node *arg, Node *extra);
Node *ast_hist(Tok *op, Node *arg, Node *lo, Node *hi, Node *step);
Node *ast_cast(Tok *op, Node *ptr, Tok *type, Tok *module, Node *chain);
Node *ast_atvar(Tok *op, Tok *name, Tok *module, Node *chain);
Node *ast_deref(Tok *op, Vec *args);
Node *ast_chain_member(Node *chain, Tok *name);
Node *ast_chain_index(Node *chain, Tok *bracket, Node *index);
Node *ast_chain_pretty(Node *chain, Tok *suffix);

/* Token tables (ast.c). */
int lex_keyword(const char *s);
int lex_operator(const char *s);
int lex_atop(const char *s);
const char *lex_decode_string(const char *raw, size_t n, const char **err);
bool is_print_family(const char *name);
Vec *parse_format(const char *fmt, const char **err);

#endif
