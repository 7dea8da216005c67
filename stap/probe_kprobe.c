/* probe_kprobe.c - DWARF-less kprobe.function("NAME")[.return] and
 * kprobe.module("M").function("NAME")[.return] probes.
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
	kd->ret = ret;
	kd->maxactive = maxactive;
	c->fdata = kd;
	c->is_return = ret;
	c->ppfunc = sym;
	c->pp_text = module ? xsprintf("kprobe.module(\"%s\").function(\"%s\")%s", module, sym, ret ? ".return" : "")
			    : xsprintf("kprobe.function(\"%s\")%s", sym, ret ? ".return" : "");
	return c;
}

static bool expand_kprobe(Session *s, DProbe *d, Vec *out)
{
	const char *module, *name;
	bool ret;
	int64_t maxactive;
	const Tok *bad = NULL;
	if (!parse_kprobe(d->pp, &module, &name, &ret, &maxactive, &bad))
		return false;
	if (bad) {
		pp_error(d->pp, bad, "invalid suffix for probe");
		return true;
	}
	bool wild = strpbrk(name, "*?[") != NULL;
	if (!wild || module) {
		/* exact names are resolved by the kernel at registration */
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

static void emit_kprobe(Session *s, Buf *out, Vec *probes)
{
	emit_kprobe_pres(out, probes, kprobe_is_ret);
	buf_puts(out, "static struct stp_kprobe stp_kprobes_nodw[] = {\n");
	vec_foreach(probes, i) {
		DProbe *d = vec_get(probes, i);
		KPData *kd = d->fdata;
		buf_printf(out, "\t{ .probe = &stp_probes[%d], .symbol = \"%s\"", d->index, kd->symbol);
		emit_kprobe_pre_field(out, probes, d, kd->ret);
		if (kd->ret) {
			buf_printf(out, ", .ret = true, .maxactive = %" PRId64, kd->maxactive);
			if (d->entry_exprs.len)
				buf_printf(out, ", .entry = %s_entry, .entry_slots = %d", d->cname, d->entry_exprs.len);
		}
		buf_puts(out, " },\n");
	}
	buf_puts(out, "};\n\n"
		 "static int stp_fam_kprobe_register(void)\n{\n"
		 "\treturn stp_kprobes_register(stp_kprobes_nodw, ARRAY_SIZE(stp_kprobes_nodw));\n}\n\n"
		 "static void stp_fam_kprobe_unregister(void)\n{\n"
		 "\tstp_kprobes_unregister(stp_kprobes_nodw, ARRAY_SIZE(stp_kprobes_nodw));\n}\n\n");
}

static const char *const kprobe_patterns[] = {
	"kprobe.function(string)", "kprobe.function(string).call", "kprobe.function(string).return",
	"kprobe.function(string).return.maxactive(number)",
	"kprobe.module(string).function(string)", "kprobe.module(string).function(string).call",
	"kprobe.module(string).function(string).return", NULL,
};

const Family family_kprobe = {
	.name = "kprobe", .patterns = kprobe_patterns, .expand = expand_kprobe,
	.emit = emit_kprobe, .registers = true, .context = "kernel",
};
