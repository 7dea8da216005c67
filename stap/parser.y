/* parser.y - the SystemTap grammar.
 *
 * A pure bison parser over the token vector made by lexer.l and filtered by
 * preproc.c.  Actions only call constructors from ast.c; checks that need
 * more than one token (alias names, lvalues) live there too.  Expressions
 * use a flat grammar with precedence declarations in SystemTap's order;
 * the optional `;` between statements is resolved towards the longest
 * expression, like SystemTap's parser.
 */
%code requires {
#include "stap.h"
typedef struct ParseCtx ParseCtx;
}

%code provides {
struct ParseCtx {
	Session *s;
	Stapfile *file;
	Vec *toks;		/* filtered tokens, T_EOF last */
	int pos;		/* next token */
	Tok *last;		/* last token handed to bison */
	bool in_function;	/* `return` allowed */
	bool failed;
	bool quiet_error;	/* the next syntax error is already reported */
	Tok *flag_tok;		/* the last '?'/'!' of a probe point */
};
int parser_lex(SP_STYPE *lval, ParseCtx *ctx);
}

%code {
#include <stdlib.h>
#include <string.h>
#include "ast.h"
static void sp_error(ParseCtx *ctx, const char *msg);
static bool parser_recover(ParseCtx *ctx, int lookahead);
static void embedded_expr_denied(ParseCtx *ctx, Tok *code);
#define sp_lex parser_lex
}

%define api.pure full
%define api.prefix {sp_}
%define parse.error custom
%define parse.lac full
%param {ParseCtx *ctx}

%union {
	Tok *tok;
	Node *node;
	Vec *vec;
	ProbePoint *pp;
	PPComp *ppc;
	int ival;
	Foreach *fe;
	Var *var;
	Func *func;
}
%expect 0

%token <tok> IDENT NUMBER STRING EMBEDDED PPWORD TARGETVAR JUNK
%token <tok> ALT_OPEN "{ (alternation)" ALT_CLOSE "} (alternation)"
%token <tok> K_PROBE "probe" K_GLOBAL "global" K_PRIVATE "private" K_FUNCTION "function"
%token <tok> K_IF "if" K_ELSE "else" K_FOR "for" K_FOREACH "foreach" K_IN "in"
%token <tok> K_LIMIT "limit" K_RETURN "return" K_DELETE "delete" K_WHILE "while"
%token <tok> K_BREAK "break" K_CONTINUE "continue" K_NEXT "next" K_TRY "try"
%token <tok> K_CATCH "catch" K_STRING "string" K_LONG "long"
%token <tok> AT_STATOP AT_HIST_LINEAR AT_HIST_LOG AT_CAST AT_VAR AT_DEFINED AT_ENTRY
%token <tok> AT_PROBEWRITE AT_CONST AT_REGISTER AT_DEREF
%token <tok> OP_EQ "==" OP_NE "!=" OP_LE "<=" OP_GE ">=" OP_AND "&&" OP_OR "||"
%token <tok> OP_SHL "<<" OP_SHR ">>" OP_SHRU ">>>" OP_STATADD "<<<"
%token <tok> OP_INC "++" OP_DEC "--" OP_ARROW "->" OP_MATCH "=~" OP_NMATCH "!~"
%token <tok> OP_ADDEQ "+=" OP_SUBEQ "-=" OP_MULEQ "*=" OP_DIVEQ "/=" OP_MODEQ "%="
%token <tok> OP_ANDEQ "&=" OP_OREQ "|=" OP_XOREQ "^=" OP_SHLEQ "<<=" OP_SHREQ ">>="
%token <tok> OP_CATEQ ".=" OP_DOLLAR2 "$$"
%token <tok> PP_IF "%(" PP_THEN "%?" PP_ELSE "%:" PP_END "%)"
%token <tok> '=' '+' '-' '*' '/' '%' '&' '|' '^' '~' '!' '<' '>' '.' '?' ':'
%token <tok> ',' ';' '(' ')' '[' ']' '{' '}' '$'

%type <node> expr opt_expr primary hist_op target_chain block stmt stmts fbody literal
%type <node> index_item if_stmt
%type <vec> pp args arglist index_list pp_list pp_comps alt_list params param_list
%type <vec> fe_keylist global_list alias_chain
%type <ppc> pp_comp alt_item
%type <ival> opt_type pp_flags
%type <tok> fe_sortdir
%type <fe> fe_head fe_tail
%type <node> fe_key
%type <var> global_item param
%type <tok> assign_op alias_op
%type <func> fhead
%type <ival> opt_prio

/* Lowest first.  LOWEST ends an expression statement without `;`. */
%precedence LOWEST
%precedence ';' K_ELSE
%precedence IDENT NUMBER STRING TARGETVAR EMBEDDED AT_STATOP AT_HIST_LINEAR AT_HIST_LOG
%precedence AT_CAST AT_VAR AT_DEFINED AT_ENTRY AT_PROBEWRITE AT_CONST AT_REGISTER AT_DEREF
%right '=' OP_ADDEQ OP_SUBEQ OP_MULEQ OP_DIVEQ OP_MODEQ OP_ANDEQ OP_OREQ OP_XOREQ
%right OP_SHLEQ OP_SHREQ OP_CATEQ OP_STATADD
%right '?' ':'
%left OP_OR
%left OP_AND
%left '|'
%left '^'
%left '&'
%precedence K_IN
%left OP_EQ OP_NE '<' '>' OP_LE OP_GE OP_MATCH OP_NMATCH
%left OP_SHL OP_SHR OP_SHRU
%left '.'
%left '+' '-'
%left '*' '/' '%'
%precedence UNARY '!' '~'
%precedence OP_INC OP_DEC
%precedence '(' '['

%%

file
	: %empty
	| file decl
	| file error				{ if (!parser_recover(ctx, yychar)) yyclearin; yyerrok; }
	;

decl
	: K_PROBE pp_list block			{ ast_probe(ctx, $1, $2, NULL, $3); }
	| K_PROBE alias_chain pp_list block	{ ast_probe(ctx, $1, $3, $2, $4); }
	| K_GLOBAL global_list			{ ast_globals(ctx, $2, false); }
	| K_PRIVATE K_GLOBAL global_list		{ ast_globals(ctx, $3, true); }
	| K_PRIVATE global_list			{ ast_globals(ctx, $2, true); }	/* `private x`: a global */
	| function				{ }
	| K_PRIVATE function			{ ast_last_function_private(ctx); }
	| EMBEDDED				{ ast_top_embedded(ctx, $1); }
	| ';'					{ }
	;

/* ---- probe points */

/* Alias names: `probe a = b += TARGETS`; any += makes it an epilogue. */
alias_chain
	: pp alias_op			{ $$ = ast_alias_names(ctx, NULL, $1, $2); }
	| alias_chain pp alias_op	{ $$ = ast_alias_names(ctx, $1, $2, $3); }
	;

alias_op
	: '='				{ $$ = $1; }
	| OP_ADDEQ			{ $$ = $1; }
	;

pp_list
	: pp				{ $$ = $1; }
	| pp_list ',' pp		{ $$ = ast_vec_cat($1, $3); }
	;

pp
	: pp_comps pp_flags		{ $$ = ast_pp(ctx, $1, $2, NULL); }
	| pp_comps pp_flags K_IF '(' expr ')'	{ $$ = ast_pp(ctx, $1, $2, $5); }
	;

pp_flags
	: %empty			{ $$ = 0; }
	| '?'				{ $$ = 1; ctx->flag_tok = $1; }
	| '!'				{ $$ = 2; ctx->flag_tok = $1; }
	| '?' '!'			{ $$ = 3; ctx->flag_tok = $1; }
	| '!' '?'			{ $$ = 3; ctx->flag_tok = $1; }
	;

/* Each element is a Vec of alternative PPComp (one unless {a,b} was used). */
pp_comps
	: pp_comp			{ $$ = ast_vec(NULL, ast_vec(NULL, $1)); }
	| ALT_OPEN alt_list ALT_CLOSE	{ $$ = ast_vec(NULL, $2); }
	| pp_comps '.' pp_comp		{ $$ = ast_vec($1, ast_vec(NULL, $3)); }
	| pp_comps '.' ALT_OPEN alt_list ALT_CLOSE	{ $$ = ast_vec($1, $4); }
	;

/* an alternative may carry its own '?'/'!' (only in the point's last part) */
alt_list
	: alt_item			{ $$ = ast_vec(NULL, $1); }
	| alt_list ',' alt_item		{ $$ = ast_vec($1, $3); }
	;

alt_item
	: pp_comp pp_flags		{ $$ = $1; $$->flags = $2; }
	;

pp_comp
	: PPWORD			{ $$ = ast_ppcomp($1, NULL); }
	| PPWORD '(' NUMBER ')'		{ $$ = ast_ppcomp($1, new_num($3, $3->num)); }
	| PPWORD '(' '-' NUMBER ')'	{ $$ = ast_ppcomp($1, new_num($4, (int64_t)(0 - (uint64_t)$4->num))); }
	| PPWORD '(' STRING ')'		{ $$ = ast_ppcomp($1, new_str($3, $3->text)); }
	;

/* ---- globals and functions */

global_list
	: global_item			{ $$ = ast_vec(NULL, $1); }
	| global_list ',' global_item	{ $$ = ast_vec($1, $3); }
	;

global_item
	: IDENT				{ $$ = ast_global($1, NULL, -1, false); }
	| IDENT '=' literal		{ $$ = ast_global($1, $3, -1, false); }
	| IDENT '[' NUMBER ']'		{ $$ = ast_global($1, NULL, $3->num, false); }
	| IDENT '%'			{ $$ = ast_global($1, NULL, 0, true); }
	| IDENT '%' '[' NUMBER ']'	{ $$ = ast_global($1, NULL, $4->num, true); }
	;

literal
	: NUMBER			{ $$ = new_num($1, $1->num); }
	| '-' NUMBER			{ $$ = new_num($2, -$2->num); }
	| STRING			{ $$ = new_str($1, $1->text); }
	;

function
	: fhead fbody			{ ast_function(ctx, $1, $2); }
	;

fhead
	: K_FUNCTION IDENT opt_type '(' params ')' opt_prio
					{ $$ = ast_function_head(ctx, $2, $3, $5, $7); }
	;

opt_prio
	: %empty			{ $$ = 0; }
	| ':' NUMBER			{ $$ = (int)$2->num; }
	;

opt_type
	: %empty			{ $$ = TY_UNKNOWN; }
	| ':' K_LONG			{ $$ = TY_LONG; }
	| ':' K_STRING			{ $$ = TY_STRING; }
	;

params
	: %empty			{ $$ = ast_vec(NULL, NULL); }
	| param_list			{ $$ = $1; }
	;

param_list
	: param				{ $$ = ast_vec(NULL, $1); }
	| param_list ',' param		{ $$ = ast_vec($1, $3); }
	;

param
	: IDENT opt_type		{ $$ = ast_param($1, $2); }
	;

fbody
	: block				{ $$ = $1; }
	| EMBEDDED			{ $$ = ast_embedded_body(ctx, $1); }
	;

/* ---- statements */

block
	: '{' stmts '}'			{ $$ = $2; $$->tok = $1; }
	;

stmts
	: %empty			{ $$ = new_node(N_BLOCK, NULL); }
	| stmts stmt			{ $$ = $1; vec_push(&$$->stmts, $2); }
	;

stmt
	: block				{ $$ = $1; }
	| ';'				{ $$ = new_node(N_NULL, $1); }
	| expr %prec LOWEST		{ $$ = ast_expr_stmt($1); }
	| expr ';'			{ $$ = ast_expr_stmt($1); }
	| if_stmt			{ $$ = $1; }
	| K_WHILE '(' expr ')' stmt	{ $$ = ast_for($1, NULL, $3, NULL, $5); }
	| K_FOR '(' opt_expr ';' opt_expr ';' opt_expr ')' stmt
					{ $$ = ast_for($1, $3, $5, $7, $9); }
	| K_FOREACH '(' fe_head K_IN fe_tail ')' stmt
					{ $$ = ast_foreach($1, $3, $5, $7); }
	| K_TRY block K_CATCH block	{ $$ = ast_try($1, $2, NULL, $4); }
	| K_TRY block K_CATCH '(' IDENT ')' block
					{ $$ = ast_try($1, $2, $5, $7); }
	| K_RETURN %prec LOWEST		{ $$ = ast_return(ctx, $1, NULL); }
	| K_RETURN expr %prec LOWEST	{ $$ = ast_return(ctx, $1, $2); }
	| K_RETURN ';'			{ $$ = ast_return(ctx, $1, NULL); }
	| K_RETURN expr ';'		{ $$ = ast_return(ctx, $1, $2); }
	| K_DELETE expr %prec LOWEST	{ $$ = new_unary(N_DELETE, 0, $1, $2); }
	| K_DELETE expr ';'		{ $$ = new_unary(N_DELETE, 0, $1, $2); }
	| K_NEXT %prec LOWEST		{ $$ = new_node(N_NEXT, $1); }
	| K_NEXT ';'			{ $$ = new_node(N_NEXT, $1); }
	| K_BREAK %prec LOWEST		{ $$ = new_node(N_BREAK, $1); }
	| K_BREAK ';'			{ $$ = new_node(N_BREAK, $1); }
	| K_CONTINUE %prec LOWEST	{ $$ = new_node(N_CONTINUE, $1); }
	| K_CONTINUE ';'		{ $$ = new_node(N_CONTINUE, $1); }
	;

if_stmt
	: K_IF '(' expr ')' stmt %prec LOWEST		{ $$ = ast_if($1, $3, $5, NULL); }
	| K_IF '(' expr ')' stmt K_ELSE stmt		{ $$ = ast_if($1, $3, $5, $7); }
	;

opt_expr
	: %empty			{ $$ = NULL; }
	| expr				{ $$ = $1; }
	;

/* foreach ([a-, b] in arr+ limit 5), foreach (v = [a, b] in arr[*, 1]) */
fe_head
	: fe_key			{ $$ = ast_fe_keys(NULL, ast_vec(NULL, $1)); }
	| '[' fe_keylist ']'		{ $$ = ast_fe_keys(NULL, $2); }
	| IDENT fe_sortdir '=' fe_key	{ $$ = ast_fe_keys(ast_fe_value($1, $2), ast_vec(NULL, $4)); }
	| IDENT fe_sortdir '=' '[' fe_keylist ']'	{ $$ = ast_fe_keys(ast_fe_value($1, $2), $5); }
	;

fe_keylist
	: fe_key			{ $$ = ast_vec(NULL, $1); }
	| fe_keylist ',' fe_key		{ $$ = ast_vec($1, $3); }
	;

fe_key
	: IDENT fe_sortdir		{ $$ = ast_fe_key($1, $2); }
	;

fe_sortdir
	: %empty			{ $$ = NULL; }
	| '+'				{ $$ = $1; }
	| '-'				{ $$ = $1; }
	;

fe_tail
	: IDENT fe_sortdir				{ $$ = ast_fe_array($1, NULL, $2, NULL, NULL); }
	| IDENT '[' index_list ']' fe_sortdir		{ $$ = ast_fe_array($1, $3, $5, NULL, NULL); }
	| IDENT AT_STATOP fe_sortdir			{ $$ = ast_fe_array($1, NULL, $3, $2, NULL); }
	| IDENT fe_sortdir K_LIMIT expr			{ $$ = ast_fe_array($1, NULL, $2, NULL, $4); }
	| IDENT '[' index_list ']' fe_sortdir K_LIMIT expr	{ $$ = ast_fe_array($1, $3, $5, NULL, $7); }
	| IDENT AT_STATOP fe_sortdir K_LIMIT expr	{ $$ = ast_fe_array($1, NULL, $3, $2, $5); }
	| hist_op fe_sortdir			{ $$ = ast_fe_hist($1, $2, NULL); }
	| hist_op fe_sortdir K_LIMIT expr	{ $$ = ast_fe_hist($1, $2, $4); }
	;

/* ---- expressions */

expr
	: primary %prec LOWEST			{ $$ = $1; }
	| expr assign_op expr %prec '='	{ $$ = ast_assign($2, $1, $3); }
	| expr OP_STATADD expr			{ $$ = new_binary(OP_STATADD, $2, $1, $3); $$->kind = N_STATADD; }
	| expr '?' expr ':' expr		{ $$ = ast_ternary($2, $1, $3, $5); }
	| expr OP_OR expr			{ $$ = new_binary(OP_OR, $2, $1, $3); }
	| expr OP_AND expr			{ $$ = new_binary(OP_AND, $2, $1, $3); }
	| expr '|' expr				{ $$ = new_binary('|', $2, $1, $3); }
	| expr '^' expr				{ $$ = new_binary('^', $2, $1, $3); }
	| expr '&' expr				{ $$ = new_binary('&', $2, $1, $3); }
	| expr K_IN IDENT			{ $$ = ast_in($2, ast_vec(NULL, $1), $3); }
	| '[' index_list ']' K_IN IDENT		{ $$ = ast_in($4, $2, $5); }
	| expr OP_EQ expr			{ $$ = new_binary(OP_EQ, $2, $1, $3); }
	| expr OP_NE expr			{ $$ = new_binary(OP_NE, $2, $1, $3); }
	| expr '<' expr				{ $$ = new_binary('<', $2, $1, $3); }
	| expr '>' expr				{ $$ = new_binary('>', $2, $1, $3); }
	| expr OP_LE expr			{ $$ = new_binary(OP_LE, $2, $1, $3); }
	| expr OP_GE expr			{ $$ = new_binary(OP_GE, $2, $1, $3); }
	| expr OP_MATCH STRING			{ $$ = ast_regex($2, $1, $3); }
	| expr OP_NMATCH STRING			{ $$ = ast_regex($2, $1, $3); }
	| expr OP_SHL expr			{ $$ = new_binary(OP_SHL, $2, $1, $3); }
	| expr OP_SHR expr			{ $$ = new_binary(OP_SHR, $2, $1, $3); }
	| expr OP_SHRU expr			{ $$ = new_binary(OP_SHRU, $2, $1, $3); }
	| expr '.' expr				{ $$ = new_binary('.', $2, $1, $3); }
	| expr '+' expr				{ $$ = new_binary('+', $2, $1, $3); }
	| expr '-' expr				{ $$ = new_binary('-', $2, $1, $3); }
	| expr '*' expr				{ $$ = new_binary('*', $2, $1, $3); }
	| expr '/' expr				{ $$ = new_binary('/', $2, $1, $3); }
	| expr '%' expr				{ $$ = new_binary('%', $2, $1, $3); }
	| '-' expr %prec UNARY			{ $$ = new_unary(N_UNARY, '-', $1, $2); }
	| '+' expr %prec UNARY			{ $$ = new_unary(N_UNARY, '+', $1, $2); }
	| '!' expr				{ $$ = new_unary(N_UNARY, '!', $1, $2); }
	| '~' expr				{ $$ = new_unary(N_UNARY, '~', $1, $2); }
	| '&' expr %prec UNARY			{ $$ = ast_addr_of($1, $2); }
	| OP_INC primary			{ $$ = ast_incdec($1, $2, false); }
	| OP_DEC primary			{ $$ = ast_incdec($1, $2, false); }
	| primary OP_INC			{ $$ = ast_incdec($2, $1, true); }	/* once: `x++ ++y` */
	| primary OP_DEC			{ $$ = ast_incdec($2, $1, true); }
	;

assign_op
	: '=' | OP_ADDEQ | OP_SUBEQ | OP_MULEQ | OP_DIVEQ | OP_MODEQ | OP_ANDEQ | OP_OREQ
	| OP_XOREQ | OP_SHLEQ | OP_SHREQ | OP_CATEQ
	;

primary
	: NUMBER				{ $$ = new_num($1, $1->num); }
	| STRING				{ $$ = new_str($1, $1->text); }
	| IDENT					{ $$ = ast_sym($1); }
	| IDENT '[' index_list ']'		{ $$ = ast_index($1, $3); }
	| IDENT '(' args ')'			{ $$ = ast_call(ctx, $1, $3); }
	| '(' expr ')'				{ $$ = $2; }
	| EMBEDDED				{ if (!ctx->file->privileged) {
							embedded_expr_denied(ctx, $1);
							YYERROR;
						  }
						  $$ = ast_embedded_expr(ctx, $1); }
	| TARGETVAR target_chain		{ $$ = ast_target($1, $2); }
	| AT_STATOP '(' expr ')'		{ $$ = ast_statop($1, $3, NULL); }
	| AT_STATOP '(' expr ',' expr ')'	{ $$ = ast_statop($1, $3, $5);
						  if (strcmp($1->text, "@variance") != 0) {
							parse_error_at($4, "not more than 1 parameter allowed");
							ctx->failed = true;
						  } }
	| hist_op %prec LOWEST			{ $$ = $1; }
	| hist_op '[' expr ']'			{ $$ = new_binary(0, $2, $1, $3); $$->kind = N_HISTIDX; }
	| AT_CAST '(' expr ',' STRING ')' target_chain %prec TARGETVAR	{ $$ = ast_cast($1, $3, $5, NULL, $7); }
	| AT_CAST '(' expr ',' STRING ',' STRING ')' target_chain %prec TARGETVAR
						{ $$ = ast_cast($1, $3, $5, $7, $9); }
	| AT_VAR '(' STRING ')' target_chain %prec TARGETVAR	{ $$ = ast_atvar($1, $3, NULL, $5); }
	| AT_VAR '(' STRING ',' STRING ')' target_chain %prec TARGETVAR	{ $$ = ast_atvar($1, $3, $5, $7); }
	| AT_DEFINED '(' expr ')'		{ $$ = new_unary(N_DEFINED, 0, $1, $3); }
	| AT_ENTRY '(' expr ')'			{ $$ = new_unary(N_ENTRY, 0, $1, $3); }
	| AT_PROBEWRITE '(' expr ')'		{ $$ = new_unary(N_PROBEWRITE, 0, $1, $3); }
	| AT_CONST '(' STRING ')'		{ $$ = new_str($3, $3->text); $$->kind = N_CONST; $$->tok = $1; }
	| AT_REGISTER '(' expr ')'		{ $$ = new_unary(N_REGISTER, 0, $1, $3); }
	| AT_DEREF '(' args ')'			{ $$ = ast_deref($1, $3); }
	;

hist_op
	: AT_HIST_LINEAR '(' expr ',' expr ',' expr ',' expr ')'
						{ $$ = ast_hist($1, $3, $5, $7, $9); }
	| AT_HIST_LOG '(' expr ')'		{ $$ = ast_hist($1, $3, NULL, NULL, NULL); }
	;

/* The member chain after $var, @cast(...) or @var(...). */
target_chain
	: %empty				{ $$ = new_node(N_TARGET, NULL); }
	| target_chain OP_ARROW IDENT		{ $$ = ast_chain_member($1, $3); }
	| target_chain '[' expr ']'		{ $$ = ast_chain_index($1, $2, $3); }
	| target_chain '$'			{ $$ = ast_chain_pretty($1, $2); }
	| target_chain OP_DOLLAR2		{ $$ = ast_chain_pretty($1, $2); }
	;

args
	: %empty				{ $$ = ast_vec(NULL, NULL); }
	| arglist				{ $$ = $1; }
	;

arglist
	: expr					{ $$ = ast_vec(NULL, $1); }
	| arglist ',' expr			{ $$ = ast_vec($1, $3); }
	;

index_list
	: index_item				{ $$ = ast_vec(NULL, $1); }
	| index_list ',' index_item		{ $$ = ast_vec($1, $3); }
	;

index_item
	: expr					{ $$ = $1; }
	| '*'					{ $$ = new_node(N_STAR, $1); }
	;

%%

/* Tokens that would continue the expression just read. */
static bool continues_expr(yysymbol_kind_t k)
{
	static const int ops[] = {
		'+', '-', '*', '/', '%', '.', '<', '>', '&', '|', '^', '?', '[', '(', '=',
		OP_EQ, OP_NE, OP_LE, OP_GE, OP_AND, OP_OR, OP_SHL, OP_SHR, OP_SHRU,
		OP_STATADD, OP_INC, OP_DEC, OP_ARROW, OP_MATCH, OP_NMATCH, OP_ADDEQ,
		OP_SUBEQ, OP_MULEQ, OP_DIVEQ, OP_MODEQ, OP_ANDEQ, OP_OREQ, OP_XOREQ,
		OP_SHLEQ, OP_SHREQ, OP_CATEQ, K_IN, K_LIMIT, AT_STATOP,
	};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (YYTRANSLATE(ops[i]) == k)
			return true;
	return false;
}

/* The token before the innermost unclosed '(' (or NULL). */
static Tok *call_name(ParseCtx *ctx)
{
	int depth = 0;
	for (int i = ctx->pos - 2; i >= 0; i--) {
		Tok *t = vec_get(ctx->toks, i);
		if (t->code == ')')
			depth++;
		else if (t->code == '(' && depth-- == 0)
			return i > 0 ? vec_get(ctx->toks, i - 1) : NULL;
	}
	return NULL;
}

static bool is_print_name(const char *s)
{
	static const char *const names[] = { "print", "println", "printf", "printd", "printdln",
		"sprint", "sprintln", "sprintf", "sprintd", "sprintdln" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0)
			return true;
	return false;
}

/* After a complete expression SystemTap names only what closes or
 * separates it ("expected ')'", "expected one of ', )'"). */
static bool after_expression(ParseCtx *ctx, const yysymbol_kind_t *exp, int n)
{
	bool binary = false;
	int close = 0, comma = 0, bracket = 0, semi = 0, colon = 0, other = 0;
	for (int i = 0; i < n; i++) {
		if (exp[i] == YYTRANSLATE('*') || exp[i] == YYTRANSLATE(K_LIMIT))
			binary = true;	/* an expression or foreach's array was read */
		if (continues_expr(exp[i]))
			continue;
		if (exp[i] == YYTRANSLATE(')'))
			close = 1;
		else if (exp[i] == YYTRANSLATE(','))
			comma = 1;
		else if (exp[i] == YYTRANSLATE(']'))
			bracket = 1;
		else if (exp[i] == YYTRANSLATE(';'))
			semi = 1;
		else if (exp[i] == YYTRANSLATE(':'))
			colon = 1;
		else
			other = 1;
	}
	if (!binary || other || close + comma + bracket + semi + colon == 0)
		return false;
	Tok *t = ctx->last;
	if (bracket && comma && !close)
		parse_error_tok(t, "expected one of '] ,'");
	else if (close && comma) {
		Tok *name = call_name(ctx);
		if (name && name->kind == T_IDENT && is_print_name(name->text))
			parse_error_tok(t, "expected one of ', )'");
		else
			parse_error_tok(t, "expected one of ') ,'");
	} else if (close + comma + bracket + semi + colon == 1)
		parse_error_tok(t, "expected '%c'", close ? ')' : comma ? ',' : bracket ? ']' :
							  semi ? ';' : ':');
	else
		return false;
	return true;
}

/* SystemTap-style "expected ..." messages from bison's expected-token set. */
static int yyreport_syntax_error(const yypcontext_t *pctx, ParseCtx *ctx)
{
	enum { MAXEXP = 64 };
	yysymbol_kind_t exp[MAXEXP];
	int n = yypcontext_expected_tokens(pctx, exp, MAXEXP);
	Tok *t = ctx->last;
	if (ctx->quiet_error) {
		ctx->quiet_error = false;
		return 0;
	}
	bool want_decl = false, want_value = false, want_stmt = false, want_pp = false, pp_next = false;
	for (int i = 0; i < n; i++) {
		if (exp[i] == YYSYMBOL_PPWORD)
			want_pp = true;
		if (exp[i] == YYSYMBOL_K_IF)
			pp_next = true;	/* a probe point was read */
		if (exp[i] == YYSYMBOL_K_PROBE)
			want_decl = true;
		if (exp[i] == YYSYMBOL_NUMBER)
			want_value = true;
		if (exp[i] == YYSYMBOL_K_FOREACH)
			want_stmt = true;
	}
	if (after_expression(ctx, exp, n))
		;	/* reported in SystemTap's words for what may follow */
	else if (want_decl)
		parse_error_tok(t, "expected 'probe', 'global', 'private', 'function', or '%%{'");
	else if (want_stmt && t->code == '}')
		parse_error_tok(t, "expected statement");
	else if (want_stmt && n > 20)
		parse_error_tok(t, "expected statement");
	else if (want_value || n == 0)
		parse_error_tok(t, "expected literal string or number");
	else if (pp_next && (t->code == '=' || t->code == OP_ADDEQ))
		parse_error_tok(t, "expected probe point specifier");	/* `probe a, b = ...` */
	else if (pp_next)
		parse_error_tok(t, "expected one of ', { } = +='");
	else if (n == 1 && exp[0] == YYSYMBOL_PPWORD)
		parse_error_tok(t, "expected identifier or '*'");
	else if (want_pp)
		parse_error_tok(t, "expected identifier or '*' or '{'");
	else if (n == 1 && exp[0] == YYSYMBOL_IDENT)
		parse_error_tok(t, "expected identifier");
	else {
		Buf b = {0};
		int shown = n < 5 ? n : 5;
		for (int i = 0; i < shown; i++) {
			const char *name = yysymbol_name(exp[i]);
			if (i)
				buf_puts(&b, i == shown - 1 ? (shown == 2 ? " or " : ", or ") : ", ");
			if (exp[i] == YYSYMBOL_IDENT || exp[i] == YYSYMBOL_PPWORD)
				buf_puts(&b, "identifier");
			else if (exp[i] == YYSYMBOL_STRING)
				buf_puts(&b, "string");
			else if (exp[i] == YYSYMBOL_NUMBER)
				buf_puts(&b, "number");
			else if (name[0] == '"' || name[0] == '\'')
				buf_printf(&b, "'%.*s'", (int)strlen(name) - 2, name + 1);
			else
				buf_printf(&b, "'%s'", name);
		}
		parse_error_tok(t, "expected %s", buf_cstr(&b));
		buf_free(&b);
	}
	ctx->failed = true;
	return 0;
}

static void sp_error(ParseCtx *ctx, const char *msg)
{
	if (!ctx->failed)
		parse_error_tok(ctx->last, "%s", msg);
	ctx->failed = true;
}

/* Where SystemTap's parser starts again after an error. */
static bool starts_decl(const Tok *t)
{
	return t->kind == T_EOF || t->code == K_PROBE || t->code == K_GLOBAL ||
	       t->code == K_PRIVATE || t->code == K_FUNCTION || t->code == EMBEDDED;
}

/* After a syntax error (reported at `lookahead`), skip to the next token
 * that can start a declaration, like SystemTap, so that later errors are
 * reported too.  Returns whether the lookahead itself is kept. */
static bool parser_recover(ParseCtx *ctx, int lookahead)
{
	ctx->in_function = false;
	if (lookahead != SP_EMPTY && starts_decl(ctx->last)) {
		if (lookahead != IDENT)
			return true;
		/* a keyword read as a member name after ->: SystemTap starts
		 * again at it, as a keyword */
		ctx->pos--;
	}
	while (!starts_decl(vec_get(ctx->toks, ctx->pos)))
		ctx->pos++;
	ctx->last = NULL;	/* the next token is read afresh */
	return false;
}

/* %{ %} as an expression without -g: SystemTap's parser rejects it, then
 * reads the same token again as at the top level (embedded code there is
 * refused too) and recovers at the next declaration. */
static void embedded_expr_denied(ParseCtx *ctx, Tok *code)
{
	parse_error_tok(code, "embedded expression code in unprivileged script; need stap -g");
	parse_error_tok(code, "embedded code in unprivileged script; need stap -g");
	Tok *next = NULL;
	for (int i = 0; i + 1 < ctx->toks->len; i++)
		if (vec_get(ctx->toks, i) == code)
			next = vec_get(ctx->toks, i + 1);
	if (next && !starts_decl(next))
		parse_error_tok(next, "expected 'probe', 'global', 'private', 'function', or '%%{'");
	ctx->failed = true;
}

/* Operators SystemTap reserves to guru mode in user scripts. */
static bool guru_operator(const Tok *t)
{
	return t->code == AT_DEREF ? strcmp(t->text, "@kderef") == 0 :
	       t->code == AT_REGISTER ? strcmp(t->text, "@kregister") == 0 :
	       t->code == AT_CONST;
}

int parser_lex(SP_STYPE *lval, ParseCtx *ctx)
{
	Tok *t = vec_get(ctx->toks, ctx->pos);
	Tok *prev = ctx->last;	/* the token the parser had before (NULL after recovery) */
	if (t->kind != T_EOF)
		ctx->pos++;
	ctx->last = t;
	/* a member name may be a keyword: $head->next, $x->if */
	if (prev && prev->code == OP_ARROW && t->kind == T_KEYWORD) {
		lval->tok = t;
		return IDENT;
	}
	lval->tok = t;
	if (t->kind == T_EOF)
		return SP_EOF;
	if (guru_operator(t) && !ctx->file->privileged) {
		/* SystemTap's parser rejects it and resumes at the next token
		 * as if at the top level: report both, then recover. */
		parse_error_tok(t, "using %s operator not permitted; need stap -g", t->text);
		Tok *next = vec_get(ctx->toks, ctx->pos);
		if (!starts_decl(next))
			parse_error_tok(next, "expected 'probe', 'global', 'private', 'function', or '%%{'");
		ctx->failed = ctx->quiet_error = true;
		return JUNK;
	}
	return t->code;
}

Stapfile *parse_file(Session *s, SrcFile *f)
{
	Stapfile *sf = xalloc(sizeof *sf);
	sf->src = f;
	sf->privileged = f->is_tapset || s->guru;
	int errs = g_errors;
	Vec *raw = lex_file(f);
	if (g_errors > errs)
		return NULL;
	Vec *toks = preprocess(s, raw, f);
	if (!toks || g_errors > errs)
		return NULL;
	ParseCtx ctx = { .s = s, .file = sf, .toks = toks };
	if (sp_parse(&ctx) != 0 || ctx.failed || g_errors > errs)
		return NULL;
	return sf;
}
