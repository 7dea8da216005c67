/* probe_stmt.c - statement probes and probes in kernel modules:
 *
 *   kernel.statement("FUNC[@FILE[:LINE]]")    a source line of a function
 *   kernel.statement(ADDR)                    an address (link-time, with DWARF)
 *   kernel.statement(ADDR).absolute           a run-time address (stap -g)
 *   module("M").function("FUNC[@FILE]")[.call|.return][.maxactive(N)]
 *   module("M").statement("FUNC[@FILE[:LINE]]")
 *   process("PATH").function("FUNC[@FILE]")[.call|.return]
 *   process("PATH").statement("FUNC[@FILE[:LINE]]")
 *
 * LINE is N, N-M, * (every line) or +N (from the declaration).  A line
 * probes at the lowest address of its line records inside the function
 * (dwarf.c); of lines starting at one address, N-M and * keep the first.
 * Without a line, a statement probe is at the function's entry.
 * As in SystemTap, a line in .function() does not select anything: it
 * draws a warning and the whole function is probed.
 *
 * Kernel probes are kprobes at link-time addresses moved by the KASLR
 * offset, like kernel.function's.  Module probes are kprobes on
 * "M:symbol"+offset (the ELF symbol holding the address, which may differ
 * from the DWARF name: lo_rw_aio is lo_rw_aio.isra.0), so they need no
 * load address; those of a module not loaded yet register when it loads
 * (runtime/stp_sym.h).  Process probes are uprobes on the file (program
 * or shared library) at the address's file offset (runtime/stp_uprobes.h),
 * with the file's DWARF; their target variables read the task's memory.
 * Target variables are read at the probed address with dwarf.c's code,
 * the module's (or file's) DWARF selected while it runs.
 */
#include "stap.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A line specification after FILE. */
typedef struct LineSpec {
	enum { L_NONE, L_ONE, L_RANGE, L_ALL, L_REL } kind;
	int lo, hi;		/* L_ONE, L_RANGE: lines; L_REL: lo from the declaration */
	const char *text;	/* as written: ":462", "+5", ... */
} LineSpec;

typedef struct SData {
	DwModule *mod;		/* NULL: the kernel */
	DwFunc *func;		/* NULL for .absolute */
	uint64_t pc;		/* the DWARF address probed (.absolute: the run-time one) */
	bool absolute;
	bool ret;
	int64_t maxactive;	/* -1 default */
	const char *symbol;	/* module probes: "M:symbol" */
	uint64_t offset;	/* module probes: from symbol; process probes: in the file */
	const char *file;	/* process probes: the program or library */
	int64_t pid;		/* process(PID) probes: the process, else 0 */
	uint64_t entry_pc;	/* process .return probes: where entry values are */
	uint64_t entry_offset;	/* read (after an unoptimized prologue), in the file */
} SData;

/* What the point asks for. */
typedef struct Point {
	const char *module;	/* module("M") or NULL */
	const char *process;	/* process("PATH"): the file, or NULL */
	int64_t pid;		/* process(PID): that process only */
	bool is_function;	/* .function, else .statement */
	const char *spec;	/* "FUNC@FILE:LINE", or NULL with addr */
	int64_t addr;		/* statement(ADDR) */
	bool absolute, ret;
	bool call, inl;		/* .function(...).call / .inline */
	int64_t maxactive;
	bool lines_missing;	/* a "no line records" error was reported */
} Point;

/* ---------------------------------------------------------------- parsing */

/* Is pp ours?  Fills pt; *bad names a component we do not accept. */
static bool parse_point(const ProbePoint *pp, Point *pt, const Tok **bad)
{
	int i;
	memset(pt, 0, sizeof *pt);
	pt->maxactive = -1;
	if (pp_is(pp, 2, "kernel", "statement") && !pp_comp(pp, 0)->arg) {
		i = 1;
	} else if ((pp_is(pp, 2, "process", "function") || pp_is(pp, 2, "process", "statement")) &&
		   (!pp_comp(pp, 0)->arg || pp_comp(pp, 0)->arg->kind == N_NUM)) {
		/* the -c command's or -x process's program, or process PID's:
		 * expand_stmt */
		pt->process = "";
		if (pp_comp(pp, 0)->arg)
			pt->pid = pp_comp(pp, 0)->arg->num;
		pt->is_function = str_eq(pp_comp(pp, 1)->name, "function");
		i = 1;
	} else if (pp_is(pp, 2, "module", "function") || pp_is(pp, 2, "module", "statement") ||
		   pp_is(pp, 2, "process", "function") || pp_is(pp, 2, "process", "statement")) {
		const PPComp *m = pp_comp(pp, 0);
		if (!m->arg || m->arg->kind != N_STR)
			return false;
		if (str_eq(m->name, "process"))
			pt->process = process_exe_path(m->arg->str);
		else
			pt->module = m->arg->str;
		pt->is_function = str_eq(pp_comp(pp, 1)->name, "function");
		i = 1;
	} else {
		return false;
	}
	const PPComp *c = pp_comp(pp, i);
	if (!c->arg)
		return false;
	if (c->arg->kind == N_STR)
		pt->spec = c->arg->str;
	else if (c->arg->kind == N_NUM && !pt->is_function)
		pt->addr = c->arg->num;
	else
		return false;
	for (i++; i < pp->comps.len; i++) {
		c = pp_comp(pp, i);
		if (str_eq(c->name, "absolute") && !c->arg && !pt->spec && !pt->module)
			pt->absolute = true;
		else if (str_eq(c->name, "return") && !c->arg && pt->is_function)
			pt->ret = true;
		else if (str_eq(c->name, "call") && !c->arg && pt->is_function)
			pt->call = true;
		else if (str_eq(c->name, "inline") && !c->arg && pt->is_function)
			pt->inl = true;
		else if (str_eq(c->name, "maxactive") && c->arg && c->arg->kind == N_NUM && pt->ret && !pt->process)
			pt->maxactive = c->arg->num;
		else {
			*bad = c->tok;
			return true;
		}
	}
	return true;
}

/* "FUNC[@FILE[:LINE|+N]]" -> func, file, line; false if malformed. */
static bool parse_spec(const char *spec, const char **func, const char **file, LineSpec *ls)
{
	char *f = xstrdup(spec);
	char *at = strchr(f, '@');
	memset(ls, 0, sizeof *ls);
	*file = NULL;
	*func = f;
	if (!at)
		return *f != '\0';
	*at++ = '\0';
	*file = at;
	char *sep = strpbrk(at, ":+");
	if (!sep)
		return *f != '\0';
	ls->text = xstrdup(sep);
	char kind = *sep;
	*sep++ = '\0';
	if (kind == '+') {
		ls->kind = L_REL;
		if (!str_all_digits(sep))
			return false;
		ls->lo = atoi(sep);
		return true;
	}
	if (str_eq(sep, "*")) {
		ls->kind = L_ALL;
		return true;
	}
	char *dash = strchr(sep, '-');
	if (dash) {
		*dash++ = '\0';
		if (!str_all_digits(sep) || !str_all_digits(dash))
			return false;
		ls->kind = L_RANGE;
		ls->lo = atoi(sep);
		ls->hi = atoi(dash);
		return true;
	}
	if (!str_all_digits(sep))
		return false;
	ls->kind = L_ONE;
	ls->lo = ls->hi = atoi(sep);
	return true;
}

/* ---------------------------------------------------------------- expansion */

static const char *prefix(const Point *pt)
{
	if (pt->process)
		return xsprintf("process(\"%s\")", pt->process);
	return pt->module ? xsprintf("module(\"%s\")", pt->module) : "kernel";
}

static DProbe *concrete(DProbe *d, const Point *pt, DwModule *mod, DwFunc *f, uint64_t pc,
			const char *pp_text)
{
	DProbe *c = xalloc(sizeof *c);
	*c = *d;
	SData *sd = xalloc(sizeof *sd);
	sd->mod = mod;
	sd->func = f;
	sd->pc = pc;
	sd->absolute = pt->absolute;
	sd->ret = pt->ret;
	sd->maxactive = pt->maxactive;
	c->fdata = sd;
	c->is_return = pt->ret;
	c->ppfunc = f ? f->name : NULL;
	c->pp_text = pp_text;
	return c;
}

/* "(try :459 or :461)": the nearest lines that have records, at most 5
 * lines away (SystemTap's window). */
static const char *suggest_lines(Vec *lines, int line)
{
	int below = 0, above = 0;
	vec_foreach(lines, i) {
		DwLine *l = vec_get(lines, i);
		if (l->line < line && line - l->line <= 5)
			below = l->line;
		else if (l->line > line && l->line - line <= 5 && !above)
			above = l->line;
	}
	if (below && above)
		return xsprintf(" (try :%d or :%d)", below, above);
	if (below || above)
		return xsprintf(" (try :%d)", below ? below : above);
	return "";
}

/* The statement probes of f for ls: how many; f's lines are added to all. */
static int expand_lines(Session *s, DProbe *d, Point *pt, DwModule *mod, DwFunc *f,
			const LineSpec *ls, Vec *all, Vec *out)
{
	const char *head = prefix(pt);
	if (ls->kind == L_NONE) {
		vec_push(out, concrete(d, pt, mod, f, f->low_pc, xsprintf("%s.statement(\"%s@%s:%d\")", head,
			 f->name, f->decl_file, f->decl_line)));
		return 1;
	}
	Vec lines = {0};
	dw_func_lines(s, f, &lines);
	int lo = ls->lo, hi = ls->hi;
	if (ls->kind == L_REL)
		lo = hi = f->decl_line + ls->lo;
	int hits = 0;
	Vec seen = {0};		/* addresses probed: several lines may start at one */
	vec_foreach(&lines, i) {
		DwLine *l = vec_get(&lines, i);
		if (ls->kind != L_ALL && (l->line < lo || l->line > hi))
			continue;
		bool dup = false;
		vec_foreach(&seen, k)
			if (((DwLine *)vec_get(&seen, k))->addr == l->addr)
				dup = true;
		if (dup)
			continue;
		vec_push(&seen, l);
		hits++;
		vec_push(out, concrete(d, pt, mod, f, l->addr, xsprintf("%s.statement(\"%s@%s:%d\")", head,
			 f->name, f->decl_file, l->line)));
	}
	vec_foreach(&lines, i)
		vec_push(all, vec_get(&lines, i));
	return hits;
}

static int cmp_dwline(const void *a, const void *b)
{
	return (*(DwLine *const *)a)->line - (*(DwLine *const *)b)->line;
}

/* One line asked for and none of the functions has it: say which are near. */
static void report_missing_line(Point *pt, DwFunc *f, const LineSpec *ls, Vec *all)
{
	int line = ls->kind == L_REL ? f->decl_line + ls->lo : ls->lo;
	vec_sort(all, cmp_dwline);
	error_tok(NULL, "no line records for %s:%d [man error::dwarf]%s", f->decl_file, line,
		  suggest_lines(all, line));
	pt->lines_missing = true;
}

/* A line in .function(): SystemTap warns and probes the whole function. */
static void function_line_warning(DProbe *d, DwFunc *f, const LineSpec *ls)
{
	if (ls->kind == L_NONE || (ls->kind == L_ONE && ls->lo == f->decl_line))
		return;
	warn_tok(d->probe ? d->probe->tok : d->pp->tok,
		 "For probing a particular line, use a .statement() probe, not .function()");
}

/* Every match of pt's spec in the selected DWARF (the kernel's or mod's). */
static void expand_spec(Session *s, DProbe *d, Point *pt, DwModule *mod, Vec *out)
{
	const char *func, *file;
	LineSpec ls;
	if (!parse_spec(pt->spec, &func, &file, &ls)) {
		pp_error(d->pp, d->probe ? d->probe->tok : d->pp->tok, "malformed specification '%s'", pt->spec);
		return;
	}
	Vec funcs = {0};
	if (!pt->inl)
		dw_functions(s, func, file, &funcs);
	/* a program's: also by an ELF symbol's name (malloc), as SystemTap;
	 * and .function's symbols with no DWARF (_start), probed by address,
	 * without target variables */
	Vec nodwarf = {0};
	if (!file && pt->process)
		dw_user_symbol_funcs(s, mod, func, &funcs, pt->is_function && !pt->inl ? &nodwarf : NULL);
	/* a function's inlined copies too, as kernel.function's (no .return
	 * or .call there) */
	Vec copies = {0}, init = {0};
	if (pt->is_function && !pt->ret && !pt->call)
		dw_inline_instances(s, func, file, &copies, &init);
	Vec all = {0};
	int hits = 0;
	vec_foreach(&funcs, i) {
		DwFunc *f = vec_get(&funcs, i);
		if (!pt->is_function) {
			hits += expand_lines(s, d, pt, mod, f, &ls, &all, out);
			continue;
		}
		function_line_warning(d, f, &ls);
		uint64_t pc = pt->process && !pt->ret ? dw_prologue_end(s, f) : f->low_pc;
		vec_push(out, concrete(d, pt, mod, f, pc, xsprintf("%s.function(\"%s@%s:%d\")%s",
			 prefix(pt), f->name, f->decl_file, f->decl_line,
			 pt->ret ? ".return" : pt->call ? ".call" : "")));
	}
	vec_foreach(&copies, i) {
		DwFunc *f = vec_get(&copies, i);
		vec_push(out, concrete(d, pt, mod, f, f->low_pc, xsprintf("%s.function(\"%s@%s:%d\")%s",
			 prefix(pt), f->name, f->decl_file, f->decl_line, pt->inl ? ".inline" : "")));
	}
	if (!pt->is_function && !hits && funcs.len && (ls.kind == L_ONE || ls.kind == L_REL))
		report_missing_line(pt, vec_get(&funcs, 0), &ls, &all);
	vec_foreach(&nodwarf, i) {
		DwSymRef *sym = vec_get(&nodwarf, i);
		DProbe *c = concrete(d, pt, mod, NULL, sym->addr, xsprintf("%s.function(\"%s\")%s",
				     prefix(pt), sym->name, pt->ret ? ".return" : pt->call ? ".call" : ""));
		c->ppfunc = sym->name;
		vec_push(out, c);
	}
}

/* Module probes register by ELF symbol, the kernel resolving it.  Those
 * in init functions fire only when the module loads after the start (its
 * init code is freed after its init has run). */
static void bind_module_symbols(DwModule *mod, Vec *probes, int from)
{
	int keep = from;
	for (int i = from; i < probes->len; i++) {
		DProbe *c = vec_get(probes, i);
		SData *sd = c->fdata;
		const char *sym = dw_module_symbol(mod, sd->pc, &sd->offset);
		if (!sym)
			continue;
		sd->symbol = xsprintf("%s:%s", dw_module_name(mod), sym);
		probes->data[keep++] = c;
	}
	probes->len = keep;
}

static void expand_module(Session *s, DProbe *d, Point *pt, Vec *out)
{
	Vec names = {0};
	if (strpbrk(pt->module, "*?["))
		dw_module_names(s, pt->module, &names);
	else
		vec_push(&names, pt->module);
	vec_foreach(&names, i) {
		DwModule *mod = dw_module(s, vec_get(&names, i), d->pp->tok);
		if (!mod)
			continue;
		void *prev = dw_module_select(mod);
		int from = out->len;
		if (pt->spec)
			expand_spec(s, d, pt, mod, out);
		else
			pp_error(d->pp, d->pp->tok, "module(\"%s\").statement(ADDRESS) is not supported", pt->module);
		bind_module_symbols(mod, out, from);
		if (out->len > from)
			note_probed_module(s, dw_module_name(mod));
		dw_module_restore(prev);
	}
}

/* Process probes: the file's DWARF; each probe at its file offset. */
static void expand_process(Session *s, DProbe *d, Point *pt, Vec *out)
{
	if (!pt->spec) {
		pp_error(d->pp, d->pp->tok, "process(\"%s\").statement(ADDRESS) is not supported", pt->process);
		return;
	}
	DwModule *mod = dw_user(s, pt->process);
	if (!mod)
		return;
	void *prev = dw_module_select(mod);
	int from = out->len;
	expand_spec(s, d, pt, mod, out);
	int keep = from;
	for (int i = from; i < out->len; i++) {
		DProbe *c = vec_get(out, i);
		SData *sd = c->fdata;
		if (!dw_user_offset(mod, sd->pc, &sd->offset))
			continue;
		sd->file = pt->process;
		sd->pid = pt->pid;
		/* a .return probe's entry values: after an unoptimized
		 * function's prologue, where its parameters are stored */
		if (sd->ret && sd->func) {
			sd->entry_pc = dw_prologue_end(s, sd->func);
			if (!dw_user_offset(mod, sd->entry_pc, &sd->entry_offset))
				sd->entry_pc = 0;
		}
		out->data[keep++] = c;
	}
	out->len = keep;
	if (out->len > from)
		note_probed_program(s, pt->process);
	dw_module_restore(prev);
}

static void expand_address(Session *s, DProbe *d, const Point *pt, Vec *out)
{
	uint64_t addr = (uint64_t)pt->addr;
	if (pt->absolute) {
		if (!s->guru) {
			pp_error(d->pp, d->probe ? d->probe->tok : d->pp->tok,
				 "absolute statement probe in unprivileged script; need stap -g");
			return;
		}
		vec_push(out, concrete(d, pt, NULL, NULL, addr,
				       xsprintf("kernel.statement(0x%" PRIx64 ").absolute", addr)));
		return;
	}
	if (dw_kernel(s, d->pp->tok))
		return;
	DwFunc *f = dw_func_at(s, addr);
	if (!f) {
		pp_error(d->pp, d->pp->tok, "no function holds address 0x%" PRIx64, addr);
		return;
	}
	vec_push(out, concrete(d, pt, NULL, f, addr, xsprintf("kernel.statement(0x%" PRIx64 ")", addr)));
}

/* The program process pid runs, or NULL. */
static const char *pid_program(int64_t pid)
{
	char buf[4096];
	ssize_t n = readlink(xsprintf("/proc/%" PRId64 "/exe", pid), buf, sizeof(buf) - 1);
	return n > 0 ? xstrndup(buf, (size_t)n) : NULL;
}

/* The program of the -c command (its first word) or of the -x process. */
static const char *target_program(Session *s)
{
	if (s->cmd) {
		const char *c = s->cmd + strspn(s->cmd, " \t");
		return process_exe_path(xstrndup(c, strcspn(c, " \t")));
	}
	return s->target_pid ? pid_program(s->target_pid) : NULL;
}

static bool expand_stmt(Session *s, DProbe *d, Vec *out)
{
	Point pt;
	const Tok *bad = NULL;
	if (!parse_point(d->pp, &pt, &bad))
		return false;
	if (bad) {
		pp_error(d->pp, bad, "invalid suffix for probe");
		return true;
	}
	int before = out->len, errs = g_errors;
	if (pt.process && !*pt.process && pt.pid) {
		pt.process = s->vm ? NULL : pid_program(pt.pid);
		if (!pt.process) {
			pp_error(d->pp, NULL, s->vm ? "process(%" PRId64 "): a lab process's program is not known here; "
				 "name its path" : "cannot probe pid %" PRId64 ": No such process", pt.pid);
			return true;
		}
	} else if (pt.process && !*pt.process) {
		pt.process = target_program(s);
		if (!pt.process) {
			pp_error(d->pp, NULL, "unspecified process probe is invalid without a -c COMMAND or -x PID "
				 "[man stapprobes]");
			return true;
		}
	}
	if (pt.process)
		expand_process(s, d, &pt, out);
	else if (pt.module)
		expand_module(s, d, &pt, out);
	else if (!pt.spec)
		expand_address(s, d, &pt, out);
	else if (!dw_kernel(s, d->pp->tok))
		expand_spec(s, d, &pt, NULL, out);
	if (out->len == before && !d->pp->optional && (g_errors == errs || pt.lines_missing))
		pp_error(d->pp, NULL, "no match");
	return true;
}

/* ---------------------------------------------------------------- target variables */

static const char *no_index(Node *n, void *arg)
{
	(void)n;
	(void)arg;
	return "0";
}

/* dwarf.c's code for n at the probe, the probe's DWARF selected. */
static const char *target_code(Session *s, SData *sd, Node *n, const char *(*index_expr)(Node *, void *),
			       void *gen, bool in_entry, const char **code)
{
	void *prev = dw_module_select(sd->mod);
	dw_ensure_cfi();
	const char *err;
	uint64_t pc = in_entry && sd->entry_pc ? sd->entry_pc : sd->pc;
	if (target_is_pretty(n))
		err = dw_pretty_code(s, sd->func, pc, sd->ret, n, code);
	else
		err = dw_target_code(s, sd->func, pc, sd->ret && str_eq(n->name, "$return"), n,
				     index_expr, gen, code);
	dw_module_restore(prev);
	return err;
}

static void target_stmt(Session *s, DProbe *d, Node *n)
{
	SData *sd = d->fdata;
	if (n->kind != N_TARGET) {
		error_tok(n->tok, "this kind of target expression is not supported yet");
		return;
	}
	if (!sd->func) {
		error_tok(n->tok, sd->file ? "target variables are not available: the function has no DWARF"
				    : "target variables are not available in absolute probes");
		return;
	}
	const char *code;
	const char *err = target_code(s, sd, n, no_index, NULL, false, &code);
	if (err && s->skip_badvars && !target_is_pretty(n)) {
		n->type = TY_LONG;
		n->aux = (void *)"skip";
		return;
	}
	if (err)
		error_tok(n->tok, "%s", err);
	else if (!target_is_pretty(n) && (!sd->ret || str_eq(n->name, "$return")))
		n->tvar_code = xsprintf("%s:%s", sd->symbol ? sd->symbol : "", code);	/* -p2's function list */
	n->type = target_is_pretty(n) ? TY_STRING : TY_LONG;
}

/* Pass 3: C for n; in .return probes everything but $return was saved at the call. */
static const char *code_stmt(Session *s, DProbe *d, Node *n, void *gen)
{
	SData *sd = d->fdata;
	if (n->aux && str_eq(n->aux, "skip"))
		return "((int64_t)0)";
	const char *code;
	const char *err = target_code(s, sd, n, translate_index_hook(), gen, d->in_entry, &code);
	if (err) {
		error_tok(n->tok, "%s", err);
		return target_is_pretty(n) ? "\"\"" : "0";
	}
	if (target_is_pretty(n)) {
		const char *buf = translate_string_temp(gen);
		return xsprintf("({ struct stp_out o; stp_out_init_str(&o, %s, MAXSTRINGLEN);\n%s%s; })",
				buf, code, buf);
	}
	if (!sd->ret || str_eq(n->name, "$return") || d->in_entry)
		return code;
	return translate_entry_slot(d, n);
}

static const char *store_stmt(Session *s, DProbe *d, Node *n, int op, const char *value, void *gen)
{
	SData *sd = d->fdata;
	return dwarf_store(s, d, sd->mod, sd->func, sd->pc, sd->ret, n, op, value, gen);
}

/* ---------------------------------------------------------------- listings */

static void list_pc_stmt(Session *s, DProbe *d, FILE *out)
{
	SData *sd = d->fdata;
	if (sd->absolute) {
		fprintf(out, " /* pc=+0x%" PRIx64 " */", sd->pc);
	} else if (sd->file) {
		fprintf(out, " /* pc=.dynamic+0x%" PRIx64 " */", sd->pc);
	} else if (sd->mod) {
		const char *sym = strchr(sd->symbol, ':') + 1;
		fprintf(out, " /* pc=<%s:%s+%" PRIu64 "> */", dw_module_name(sd->mod), sym, sd->offset);
	} else {
		fprintf(out, " /* pc=_stext+%#" PRIx64 " */", sd->pc - dw_stext());
	}
}

static void list_vars_stmt(Session *s, DProbe *d, Buf *out)
{
	SData *sd = d->fdata;
	if (!sd->func)
		return;
	void *prev = dw_module_select(sd->mod);
	if (sd->pc == sd->func->low_pc || sd->ret)
		dw_vars_text(s, sd->func, sd->ret, out);
	else
		dw_vars_at_text(s, sd->func, sd->pc, out);
	dw_module_restore(prev);
}

/* ---------------------------------------------------------------- emission */

static bool stmt_is_ret(const DProbe *d)
{
	return ((SData *)d->fdata)->ret;
}

static void emit_entry(Buf *out, Vec *probes, DProbe *d, SData *sd)
{
	buf_printf(out, "\t{ .probe = &stp_probes[%d]", d->index);
	emit_kprobe_pre_field(out, probes, d, sd->ret);
	if (sd->symbol)
		buf_printf(out, ", .symbol = \"%s\", .offset = %" PRIu64, sd->symbol, sd->offset);
	else if (!sd->absolute)
		buf_printf(out, ", .addr = 0x%" PRIx64 "UL", sd->pc);
	if (sd->ret) {
		buf_printf(out, ", .ret = true, .maxactive = %" PRId64, sd->maxactive);
		if (d->entry_exprs.len)
			buf_printf(out, ", .entry = %s_entry, .entry_slots = %s", d->cname, translate_entry_size(d));
	}
	buf_puts(out, " },\n");
}

/* The function symbols of the files process(...) probes name and of the
 * -d files (usymname, probefunc and the user stacks name them), for
 * stp_usymfiles (runtime/stp_sym.h); each file's names in one string of
 * NUL-separated names.  Returns how many files; stp_gen_init points the
 * runtime at stp_usymfiles_tab. */
int emit_user_symbols(Session *s, Buf *out)
{
	Vec files = {0};
	vec_foreach(&s->probed_programs, i)
		vec_push(&files, vec_get(&s->probed_programs, i));
	vec_foreach(&s->symbol_files, i)
		vec_push_str_once(&files, vec_get(&s->symbol_files, i));
	if (s->ldd) {
		/* --ldd: and the shared libraries they use, as ldd(1) finds them */
		int n = files.len;
		for (int i = 0; i < n; i++) {
			FILE *p = popen(xsprintf("ldd '%s' 2>/dev/null", (const char *)vec_get(&files, i)), "r");
			char line[4096];
			while (p && fgets(line, sizeof line, p)) {
				char *slash = strstr(line, "=> /");
				char *lib = slash ? slash + 3 : line + strspn(line, " \t");
				if (*lib != '/')
					continue;
				lib[strcspn(lib, " \t\n")] = '\0';
				vec_push_str_once(&files, process_exe_path(lib));
			}
			if (p)
				pclose(p);
		}
	}
	if (!files.len)
		return 0;
	Buf tab = {0};
	vec_foreach(&files, i) {
		Vec syms = {0};
		dw_file_symbols(vec_get(&files, i), &syms);
		size_t names = 0;
		buf_printf(out, "static const struct stp_usym stp_usyms_%d[] = {\n", i);
		vec_foreach(&syms, k) {
			DwUSym *u = vec_get(&syms, k);
			buf_printf(out, "\t{ 0x%" PRIx64 ", %" PRIu64 ", %zu },\n", u->off, u->size, names);
			names += strlen(u->name) + 1;
		}
		if (!syms.len)
			buf_puts(out, "\t{ 0, 0, 0 },\n");
		buf_printf(out, "};\nstatic const char stp_usym_names_%d[] =", i);
		vec_foreach(&syms, k)
			buf_printf(out, "\n\t\"%s\\0\"", ((DwUSym *)vec_get(&syms, k))->name);
		buf_puts(out, syms.len ? ";\n" : " \"\";\n");
		buf_printf(&tab, "\t{ %s, stp_usyms_%d, %d, stp_usym_names_%d },\n",
			   c_string(vec_get(&files, i)), i, syms.len, i);
	}
	buf_printf(out, "static const struct stp_usymfile stp_usymfiles_tab[] = {\n%s};\n\n", buf_cstr(&tab));
	buf_free(&tab);
	return files.len;
}

static void emit_stmt(Session *s, Buf *out, Vec *probes)
{
	Vec kern = {0}, mods = {0}, procs = {0};
	bool need_kaslr = false;
	vec_foreach(probes, i) {
		DProbe *d = vec_get(probes, i);
		SData *sd = d->fdata;
		vec_push(sd->file ? &procs : sd->mod ? &mods : &kern, d);
		need_kaslr |= !sd->mod && !sd->absolute;
	}
	emit_kprobe_pres(out, probes, stmt_is_ret);
	if (procs.len) {
		buf_puts(out, "static struct stp_uprobe stp_stmt_uprobes[] = {\n");
		vec_foreach(&procs, i) {
			DProbe *d = vec_get(&procs, i);
			SData *sd = d->fdata;
			buf_printf(out, "\t{ .probe = &stp_probes[%d], .path = %s, .offset = 0x%" PRIx64
				   ", .vaddr = 0x%" PRIx64 "UL, .pid = %" PRId64 "%s", d->index, c_string(sd->file),
				   sd->offset, sd->pc, sd->pid, sd->ret ? ", .ret = true" : "");
			if (sd->ret && d->entry_exprs.len) {
				buf_printf(out, ", .entry = %s_entry, .entry_slots = %s", d->cname, translate_entry_size(d));
				if (sd->entry_pc && sd->entry_pc != sd->pc)
					buf_printf(out, ", .entry_offset = 0x%" PRIx64 ", .entry_vaddr = 0x%" PRIx64 "UL",
						   sd->entry_offset, sd->entry_pc);
			}
			buf_puts(out, " },\n");
			/* runtime/stp_uprobes.h's STP_URET_MAX_VALS */
			if (d->entry_longs > 32 || d->entry_strs)
				error_tok(d->pp->tok, "a process .return probe saves at most 32 entry values, no strings");
		}
		buf_puts(out, "};\n\n");
	}
	if (kern.len) {
		buf_puts(out, "static struct stp_kprobe stp_stmt_kprobes[] = {\n");
		vec_foreach(&kern, i)
			emit_entry(out, probes, vec_get(&kern, i), ((DProbe *)vec_get(&kern, i))->fdata);
		buf_puts(out, "};\n\n");
	}
	if (mods.len) {
		buf_puts(out, "static struct stp_kprobe stp_stmt_modprobes[] = {\n");
		vec_foreach(&mods, i)
			emit_entry(out, probes, vec_get(&mods, i), ((DProbe *)vec_get(&mods, i))->fdata);
		buf_puts(out, "};\n\n");
	}
	buf_puts(out, "static int stp_fam_stmt_register(void)\n{\n\tint rc = 0;\n\n");
	if (need_kaslr) {
		uint64_t addr;
		const char *anchor = dw_kaslr_anchor(s, &addr);
		buf_printf(out, "\t/* KASLR: every kernel address moved by the same amount */\n"
			   "\tstp_kaslr_offset = (unsigned long)&%s - 0x%" PRIx64 "UL;\n",
			   anchor, addr);
	}
	vec_foreach(&kern, i) {
		SData *sd = ((DProbe *)vec_get(&kern, i))->fdata;
		if (sd->absolute)
			buf_printf(out, "\tstp_stmt_kprobes[%d].addr = 0x%" PRIx64 "UL - stp_kaslr_offset;\n",
				   i, sd->pc);
	}
	if (procs.len)
		buf_puts(out, "\trc = stp_uprobes_register(stp_stmt_uprobes, ARRAY_SIZE(stp_stmt_uprobes));\n"
			 "\tif (rc)\n\t\treturn rc;\n");
	if (kern.len) {
		buf_puts(out, "\trc = stp_kprobes_register(stp_stmt_kprobes, ARRAY_SIZE(stp_stmt_kprobes));\n");
		if (procs.len)
			buf_puts(out, "\tif (rc)\n\t\tstp_uprobes_unregister(stp_stmt_uprobes, "
				 "ARRAY_SIZE(stp_stmt_uprobes));\n");
		buf_puts(out, "\tif (rc)\n\t\treturn rc;\n");
	}
	if (mods.len) {
		buf_puts(out, "\trc = stp_modprobes_register(stp_stmt_modprobes, ARRAY_SIZE(stp_stmt_modprobes));\n");
		if (kern.len)
			buf_puts(out, "\tif (rc)\n\t\tstp_kprobes_unregister(stp_stmt_kprobes, "
				 "ARRAY_SIZE(stp_stmt_kprobes));\n");
		if (procs.len)
			buf_puts(out, "\tif (rc)\n\t\tstp_uprobes_unregister(stp_stmt_uprobes, "
				 "ARRAY_SIZE(stp_stmt_uprobes));\n");
	}
	buf_puts(out, "\treturn rc;\n}\n\nstatic void stp_fam_stmt_unregister(void)\n{\n");
	if (mods.len)
		buf_puts(out, "\tstp_modprobes_unregister(stp_stmt_modprobes, ARRAY_SIZE(stp_stmt_modprobes));\n");
	if (kern.len)
		buf_puts(out, "\tstp_kprobes_unregister(stp_stmt_kprobes, ARRAY_SIZE(stp_stmt_kprobes));\n");
	if (procs.len)
		buf_puts(out, "\tstp_uprobes_unregister(stp_stmt_uprobes, ARRAY_SIZE(stp_stmt_uprobes));\n");
	buf_puts(out, "}\n\n");
}

static const char *const stmt_patterns[] = {
	"kernel.statement(string)", "kernel.statement(number)", "kernel.statement(number).absolute",
	"module(string).function(string)", "module(string).function(string).call",
	"module(string).function(string).inline",
	"module(string).function(string).return",
	"module(string).function(string).return.maxactive(number)",
	"module(string).statement(string)",
	"process(string).function(string)", "process(string).function(string).call",
	"process(string).function(string).return", "process(string).statement(string)",
	"process.function(string)", "process.function(string).call", "process.function(string).return",
	"process.statement(string)", "process(number).function(string)", "process(number).function(string).call",
	"process(number).function(string).return", "process(number).statement(string)", NULL,
};

const Family family_stmt = {
	.name = "stmt", .patterns = stmt_patterns, .expand = expand_stmt,
	.target = target_stmt, .target_code = code_stmt, .target_store = store_stmt,
	.list_vars = list_vars_stmt, .list_pc = list_pc_stmt,
	.emit = emit_stmt, .registers = true, .context = "kernel",
};
