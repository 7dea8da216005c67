/* probe_kprobe.c - DWARF-less kprobe.function("NAME")[.return],
 * kprobe.module("M").function("NAME")[.return] and (guru mode)
 * kprobe.statement(ADDRESS).absolute probes.
 *
 * Names (with wildcards) are matched against the target kernel's symbol
 * table: System.map from /boot or the lab's cache, or the debuginfo's
 * .symtab.  Registration uses the symbol name, so the kernel resolves it
 * itself (KASLR and duplicates included).  No target variables: use
 * register(), returnval() and the like.
 */
#include "stap.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct KPData {
	const char *symbol;	/* "name" or "module:name" */
	const char *module;	/* kprobe.module("M") or NULL */
	uint64_t addr;		/* kprobe.statement(ADDR).absolute: a run-time address */
	bool ret;
	int64_t maxactive;
} KPData;

static Vec map_syms;		/* const char*: text symbols of the kernel */
static bool map_loaded;

static void load_system_map(Session *s)
{
	if (map_loaded)
		return;
	map_loaded = true;
	if (kernel_resolve(s, false))
		return;
	/* the debuginfo's symbol table is exact; Debian's System.map in the
	 * image package is only a placeholder */
	dw_text_symbols(s, &map_syms);
	if (map_syms.len)
		return;
	const char *rel = s->kernel.release;
	const char *home = getenv("HOME");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *cands[] = {
		xsprintf("/boot/System.map-%s", rel),
		xsprintf("%s/stap-vm/%s/System.map", xdg ? xdg : xsprintf("%s/.cache", home ? home : "/root"), rel),
		xsprintf("/lib/modules/%s/build/System.map", rel),
	};
	for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
		char *text = read_file(cands[i], NULL);
		if (!text)
			continue;
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			char *sp = strchr(line, ' ');
			if (!sp || (sp[1] != 'T' && sp[1] != 't') || sp[2] != ' ')
				continue;
			vec_push(&map_syms, sp + 3);
		}
		return;
	}
}

static bool parse_kprobe(const ProbePoint *pp, const char **module, const char **name, bool *ret,
			 int64_t *maxactive, const Tok **bad)
{
	if (!pp_is(pp, 1, "kprobe") || pp->comps.len < 2)
		return false;
	int i = 1;
	*module = NULL;
	if (str_eq(pp_comp(pp, 1)->name, "module")) {
		const PPComp *m = pp_comp(pp, 1);
		if (!m->arg || m->arg->kind != N_STR)
			return false;
		*module = m->arg->str;
		i = 2;
	}
	const PPComp *f = pp_comp(pp, i);
	if (!f || !str_eq(f->name, "function") || !f->arg || f->arg->kind != N_STR)
		return false;
	*name = f->arg->str;
	*ret = false;
	*maxactive = -1;
	for (i++; i < pp->comps.len; i++) {
		const PPComp *c = pp_comp(pp, i);
		if (str_eq(c->name, "return") && !c->arg)
			*ret = true;
		else if (str_eq(c->name, "call") && !c->arg)
			;
		else if (str_eq(c->name, "maxactive") && c->arg && c->arg->kind == N_NUM && *ret)
			*maxactive = c->arg->num;
		else {
			*bad = c->tok;
			return true;
		}
	}
	return true;
}

static DProbe *concrete(DProbe *d, const char *module, const char *sym, bool ret, int64_t maxactive)
{
	DProbe *c = xalloc(sizeof *c);
	*c = *d;
	KPData *kd = xalloc(sizeof *kd);
	kd->symbol = module ? xsprintf("%s:%s", module, sym) : sym;
	kd->module = module;
	kd->ret = ret;
	kd->maxactive = maxactive;
	c->fdata = kd;
	c->is_return = ret;
	c->ppfunc = sym;
	c->pp_text = module ? xsprintf("kprobe.module(\"%s\").function(\"%s\")%s", module, sym, ret ? ".return" : "")
			    : xsprintf("kprobe.function(\"%s\")%s", sym, ret ? ".return" : "");
	return c;
}

/* kprobe.statement(ADDRESS).absolute: the address as it is at run time. */
static bool expand_statement(Session *s, DProbe *d, Vec *out)
{
	const ProbePoint *pp = d->pp;
	const PPComp *st = pp_comp(pp, 1);
	if (!st->arg || st->arg->kind != N_NUM)
		return false;
	if (pp->comps.len != 3 || !str_eq(pp_comp(pp, 2)->name, "absolute") || pp_comp(pp, 2)->arg) {
		pp_error(pp, pp_comp(pp, pp->comps.len < 3 ? 1 : pp->comps.len > 3 ? 3 : 2)->tok, pp->comps.len < 3 ?
			 "probe point truncated (follow:  absolute)" : "invalid suffix for probe");
		return true;
	}
	if (!s->guru) {
		pp_error(pp, d->probe ? d->probe->tok : pp->tok,
			 "absolute statement probe in unprivileged script; need stap -g");
		return true;
	}
	DProbe *c = xalloc(sizeof *c);
	*c = *d;
	KPData *kd = xalloc(sizeof *kd);
	kd->addr = (uint64_t)st->arg->num;
	kd->symbol = "";
	c->fdata = kd;
	c->pp_text = xsprintf("kprobe.statement(0x%" PRIx64 ").absolute", kd->addr);
	vec_push(out, c);
	return true;
}

static bool expand_kprobe(Session *s, DProbe *d, Vec *out)
{
	const char *module, *name;
	bool ret;
	int64_t maxactive;
	const Tok *bad = NULL;
	if (pp_is(d->pp, 2, "kprobe", "statement"))
		return expand_statement(s, d, out);
	if (!parse_kprobe(d->pp, &module, &name, &ret, &maxactive, &bad))
		return false;
	if (bad) {
		pp_error(d->pp, bad, "invalid suffix for probe");
		return true;
	}
	bool wild = strpbrk(name, "*?[") != NULL;
	if (!wild || module) {
		/* exact names are resolved by the kernel at registration */
		if (module && dw_module_known(s, module))
			note_probed_module(s, module);
		vec_push(out, concrete(d, module, name, ret, maxactive));
		return true;
	}
	load_system_map(s);
	if (!map_syms.len) {
		pp_error(d->pp, d->pp->tok, "no symbol table for kernel %s to expand '%s' (install System.map or the debug symbols)",
			 s->kernel.release, name);
		return true;
	}
	Vec seen = {0};
	vec_foreach(&map_syms, i) {
		const char *sym = vec_get(&map_syms, i);
		if (!wildcard_match(name, sym) || strchr(sym, '.'))
			continue;
		bool dup = false;
		vec_foreach(&seen, k)
			if (str_eq(vec_get(&seen, k), sym))
				dup = true;
		if (dup)
			continue;
		vec_push(&seen, sym);
		vec_push(out, concrete(d, NULL, sym, ret, maxactive));
	}
	return true;
}

static bool kprobe_is_ret(const DProbe *d)
{
	return ((KPData *)d->fdata)->ret;
}

/* One array: the kernel's probes (kernel == true) or the modules'. */
static int emit_array(Buf *out, Vec *probes, bool kernel, const char *name)
{
	int n = 0;
	vec_foreach(probes, i) {
		DProbe *d = vec_get(probes, i);
		KPData *kd = d->fdata;
		if (!kd->module != kernel)
			continue;
		if (!n++)
			buf_printf(out, "static struct stp_kprobe %s[] = {\n", name);
		if (kd->addr)
			buf_printf(out, "\t{ .probe = &stp_probes[%d]", d->index);
		else
			buf_printf(out, "\t{ .probe = &stp_probes[%d], .symbol = \"%s\"", d->index, kd->symbol);
		emit_kprobe_pre_field(out, probes, d, kd->ret);
		if (kd->ret) {
			buf_printf(out, ", .ret = true, .maxactive = %" PRId64, kd->maxactive);
			if (d->entry_exprs.len)
				buf_printf(out, ", .entry = %s_entry, .entry_slots = %s", d->cname, translate_entry_size(d));
		}
		buf_puts(out, " },\n");
	}
	if (n)
		buf_puts(out, "};\n\n");
	return n;
}

/* kprobe.module probes wait for their module as module(...) probes do. */
static void emit_kprobe(Session *s, Buf *out, Vec *probes)
{
	emit_kprobe_pres(out, probes, kprobe_is_ret);
	bool kern = emit_array(out, probes, true, "stp_kprobes_nodw");
	bool mods = emit_array(out, probes, false, "stp_kprobes_nodw_mod");
	buf_puts(out, "static int stp_fam_kprobe_register(void)\n{\n\tint rc = 0;\n\n");
	int k = 0;
	vec_foreach(probes, i) {
		/* registration adds stp_kaslr_offset to addresses: undone here */
		KPData *kd = ((DProbe *)vec_get(probes, i))->fdata;
		if (kd->module)
			continue;
		if (kd->addr)
			buf_printf(out, "\tstp_kprobes_nodw[%d].addr = 0x%" PRIx64 "UL - stp_kaslr_offset;\n",
				   k, kd->addr);
		k++;
	}
	if (kern)
		buf_puts(out, "\trc = stp_kprobes_register(stp_kprobes_nodw, ARRAY_SIZE(stp_kprobes_nodw));\n"
			 "\tif (rc)\n\t\treturn rc;\n");
	if (mods) {
		buf_puts(out, "\trc = stp_modprobes_register(stp_kprobes_nodw_mod, ARRAY_SIZE(stp_kprobes_nodw_mod));\n");
		if (kern)
			buf_puts(out, "\tif (rc)\n\t\tstp_kprobes_unregister(stp_kprobes_nodw, "
				 "ARRAY_SIZE(stp_kprobes_nodw));\n");
	}
	buf_puts(out, "\treturn rc;\n}\n\nstatic void stp_fam_kprobe_unregister(void)\n{\n");
	if (mods)
		buf_puts(out, "\tstp_modprobes_unregister(stp_kprobes_nodw_mod, ARRAY_SIZE(stp_kprobes_nodw_mod));\n");
	if (kern)
		buf_puts(out, "\tstp_kprobes_unregister(stp_kprobes_nodw, ARRAY_SIZE(stp_kprobes_nodw));\n");
	buf_puts(out, "}\n\n");
}

static const char *const kprobe_patterns[] = {
	"kprobe.function(string)", "kprobe.function(string).call", "kprobe.function(string).return",
	"kprobe.function(string).return.maxactive(number)",
	"kprobe.module(string).function(string)", "kprobe.module(string).function(string).call",
	"kprobe.module(string).function(string).return", "kprobe.statement(number).absolute", NULL,
};

const Family family_kprobe = {
	.name = "kprobe", .patterns = kprobe_patterns, .expand = expand_kprobe,
	.emit = emit_kprobe, .registers = true, .context = "kernel",
};
