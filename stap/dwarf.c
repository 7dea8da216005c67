/* dwarf.c - the kernel's debuginfo: functions, variables, types, and C code
 * that reads variables in a probe handler.
 *
 * The kernel's DWARF (605 MB for Debian's 6.1) is opened with libdw.  An
 * index of every function (name, declaration, entry address, DIE offset)
 * is built once per build-id and cached under $SYSTEMTAP_DIR (default
 * ~/.systemtap)/cache/dwarf/, so later runs find functions without
 * scanning the DWARF; only the DIEs of the probed functions are read.
 *
 * Target variables ($var, $var->member[2], @cast, $$parms, ...) become C
 * statement-expressions that read pt_regs and kernel memory with the
 * runtime's fault-safe readers (runtime/stp_deref.h).  DWARF location
 * expressions are evaluated symbolically at the probe address: registers
 * become `c->regs->REG`, memory operands become reads.
 */
#include "ast.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct DwIndex {
	Vec funcs;		/* DwFunc* sorted by name */
	Vec inlines;		/* DwFunc* of functions inlined somewhere (the
				 * abstract DIE; low_pc 0), sorted by name; or: */
	const char *inl_text, *inl_end;	/* their lines in the cached index, read
				 * only where a lookup's name prefix falls */
} DwIndex;

typedef struct DwKernel {
	const char *path;	/* the vmlinux with DWARF */
	int fd;
	Elf *elf;
	Dwarf *dw;
	Dwarf_CFI *cfi;
	const char *build_id;	/* hex */
	DwIndex index;		/* read with kindex(): loaded on first use */
	const char *index_path;	/* its cache file, for kindex() */
	bool indexed;
	int verbose;		/* stap -v level */
	Vec syms;		/* DwSym* from .symtab, in its order */
	struct DwSym **symhash;	/* by name: open addressing, nsymhash slots */
	size_t nsymhash;
	uint64_t stext;		/* _stext link address */
	bool user;		/* a program or library: its memory is the task's */
} DwKernel;

typedef struct DwSym {
	const char *name;
	uint64_t addr;
	uint64_t size;
	bool func;
	bool global;		/* bound outside its file (what .exported means) */
} DwSym;

static DwKernel *kern;

/* ================================================================ opening */

static const char *debuginfo_path(const char *rel)
{
	const char *cands[] = {
		xsprintf("/usr/lib/debug/boot/vmlinux-%s", rel),
		xsprintf("/usr/lib/debug/lib/modules/%s/vmlinux", rel),
		xsprintf("/lib/modules/%s/build/vmlinux", rel),
		xsprintf("/boot/vmlinux-%s", rel),
	};
	for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++)
		if (file_exists(cands[i]))
			return cands[i];
	return NULL;
}

static const char *cache_dir(void)
{
	const char *d = getenv("SYSTEMTAP_DIR");
	if (!d) {
		const char *home = getenv("HOME");
		d = xsprintf("%s/.systemtap", home ? home : "/tmp");
	}
	return d;
}

static void mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

static int cmp_func(const void *a, const void *b)
{
	const DwFunc *x = *(DwFunc *const *)a, *y = *(DwFunc *const *)b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->low_pc < y->low_pc ? -1 : x->low_pc > y->low_pc;
}

static int cmp_sym(const void *a, const void *b)
{
	const DwSym *x = *(DwSym *const *)a, *y = *(DwSym *const *)b;
	return strcmp(x->name, y->name);
}

typedef struct ScanCtx {
	Vec *out;
	Vec *inl;
	Dwarf_Off cu_off;
	DwKernel *k;
} ScanCtx;

static uint64_t sym_address(DwKernel *k, const char *name);

static int scan_func(Dwarf_Die *d, void *arg)
{
	ScanCtx *sc = arg;
	const char *name = dwarf_diename(d);
	Dwarf_Addr lo;
	if (!name || dwarf_hasattr(d, DW_AT_declaration))
		return DWARF_CB_OK;
	Vec *to = sc->out;
	lo = 0;
	if (dwarf_func_inline(d) == 1) {
		/* the abstract instance of an inline function: its copies are
		 * found in its CU when a probe asks for them */
		to = sc->inl;
	} else if (dwarf_lowpc(d, &lo) != 0) {
		/* split functions (a .cold part) have only DW_AT_ranges: the entry
		 * is where the symbol table puts the name, else the first range */
		Dwarf_Addr base, start, end;
		ptrdiff_t off = dwarf_ranges(d, 0, &base, &start, &end);
		if (off <= 0)
			return DWARF_CB_OK;
		lo = start;
		uint64_t sym = sc->k ? sym_address(sc->k, name) : 0;
		for (; off > 0; off = dwarf_ranges(d, off, &base, &start, &end))
			if (sym && sym >= start && sym < end)
				lo = sym;
	}
	DwFunc *f = xalloc(sizeof *f);
	f->name = xstrdup(name);
	const char *file = dwarf_decl_file(d);
	f->decl_file = file ? xstrdup(file) : "";
	int line = 0;
	dwarf_decl_line(d, &line);
	f->decl_line = line;
	f->low_pc = lo;
	f->die_off = dwarf_dieoffset(d);
	f->cu_off = sc->cu_off;
	vec_push(to, f);
	return DWARF_CB_OK;
}

/* Strip the compilation directory prefix: "/build/.../fs/open.c" -> "fs/open.c". */
static const char *relative_file(const char *path, const char *comp_dir)
{
	size_t n = comp_dir ? strlen(comp_dir) : 0;
	if (n && strncmp(path, comp_dir, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

static void build_index(DwKernel *k)
{
	Dwarf_Off off = 0, next;
	size_t hsz;
	while (dwarf_nextcu(k->dw, off, &next, &hsz, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		if (dwarf_offdie(k->dw, off + hsz, &cu)) {
			ScanCtx sc = { &k->index.funcs, &k->index.inlines, off + hsz, k };
			int before = k->index.funcs.len, ibefore = k->index.inlines.len;
			dwarf_getfuncs(&cu, scan_func, &sc, 0);
			Dwarf_Attribute a;
			/* kernel files are named from the tree's top, as SystemTap
			 * names them; a program's as its DWARF does */
			const char *comp_dir = k->user ? NULL : dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &a));
			for (int i = before; i < k->index.funcs.len; i++) {
				DwFunc *f = vec_get(&k->index.funcs, i);
				f->decl_file = relative_file(f->decl_file, comp_dir);
			}
			for (int i = ibefore; i < k->index.inlines.len; i++) {
				DwFunc *f = vec_get(&k->index.inlines, i);
				f->decl_file = relative_file(f->decl_file, comp_dir);
			}
		}
		off = next;
	}
	vec_sort(&k->index.funcs, cmp_func);
	vec_sort(&k->index.inlines, cmp_func);
}

/* A hex number (no prefix), as the index writes it; fast, for 60k lines. */
static uint64_t hex_field(const char *s)
{
	uint64_t v = 0;
	for (;; s++) {
		int c = *s, d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return v;
		v = v << 4 | (uint64_t)d;
	}
}

/* The cached index: "ctap-dwarf-index 4", a line per function
 * (pc cu die line name file, tab-separated, by name), "--inline--", then a
 * line per inline function (name cu die line file, by name).  The inline
 * part is large (every CU's copy of a header's inline functions) and is
 * searched in place, not parsed. */
static const char index_magic[] = "ctap-dwarf-index 4\n";
static const char inline_mark[] = "--inline--\n";

/* Cut a line at its first max-1 tabs into fields; how many there are. */
static int split_tabs(char *line, char **fields, int max)
{
	int n = 0;
	for (char *s = line; n < max; n++) {
		fields[n] = s;
		char *tab = strchr(s, '\t');
		if (!tab)
			return n + 1;
		*tab = '\0';
		s = tab + 1;
	}
	return n;
}

static bool load_index(DwKernel *k, const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		return false;
	char *p = text;
	if (strncmp(p, index_magic, sizeof index_magic - 1) != 0)
		return false;
	p += sizeof index_magic - 1;
	while (*p) {
		if (strncmp(p, inline_mark, sizeof inline_mark - 1) == 0) {
			k->index.inl_text = p + sizeof inline_mark - 1;
			k->index.inl_end = text + len;
			break;
		}
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		DwFunc *f = xalloc(sizeof *f);
		char *fields[6];
		if (split_tabs(p, fields, 6) == 6) {
			f->low_pc = hex_field(fields[0]);
			f->cu_off = hex_field(fields[1]);
			f->die_off = hex_field(fields[2]);
			f->decl_line = atoi(fields[3]);
			f->name = fields[4];
			f->decl_file = fields[5];
			vec_push(&k->index.funcs, f);
		}
		p = nl + 1;
	}
	return k->index.funcs.len > 0 && k->index.inl_text;
}

/* A cache file is written beside its final name and renamed into place:
 * a reader never sees half of one. */
static FILE *cache_create(const char *path, const char **tmp)
{
	*tmp = xsprintf("%s.%d", path, (int)getpid());
	return fopen(*tmp, "w");
}

static void cache_commit(FILE *f, const char *tmp, const char *path)
{
	if (fclose(f) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
}

static void save_index(DwKernel *k, const char *path)
{
	const char *tmp;
	FILE *f = cache_create(path, &tmp);
	if (!f)
		return;
	fputs(index_magic, f);
	vec_foreach(&k->index.funcs, i) {
		DwFunc *d = vec_get(&k->index.funcs, i);
		fprintf(f, "%" PRIx64 "\t%" PRIx64 "\t%" PRIx64 "\t%d\t%s\t%s\n", d->low_pc, d->cu_off,
			d->die_off, d->decl_line, d->name, d->decl_file);
	}
	fputs(inline_mark, f);
	vec_foreach(&k->index.inlines, i) {
		DwFunc *d = vec_get(&k->index.inlines, i);
		fprintf(f, "%s\t%" PRIx64 "\t%" PRIx64 "\t%d\t%s\n", d->name, d->cu_off, d->die_off,
			d->decl_line, d->decl_file);
	}
	cache_commit(f, tmp, path);
}

static void load_symtab(DwKernel *k)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(k->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym))
				continue;
			const char *name = elf_strptr(k->elf, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			int type = GELF_ST_TYPE(sym.st_info);
			if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE)
				continue;
			DwSym *s = xalloc(sizeof *s);
			s->name = name;
			s->addr = sym.st_value;
			s->size = sym.st_size;
			s->func = type == STT_FUNC;
			s->global = GELF_ST_BIND(sym.st_info) != STB_LOCAL;
			vec_push(&k->syms, s);
			if (str_eq(name, "_stext"))
				k->stext = sym.st_value;
		}
	}
	/* a hash by name: cheaper to build on every run than a sort */
	k->nsymhash = 1;
	while (k->nsymhash < (size_t)k->syms.len * 2)
		k->nsymhash <<= 1;
	k->symhash = xalloc(k->nsymhash * sizeof *k->symhash);
	vec_foreach(&k->syms, i) {
		DwSym *y = vec_get(&k->syms, i);
		size_t h = hash_bytes(0, y->name, strlen(y->name)) & (k->nsymhash - 1);
		/* every symbol of a name, in symbol-table order along the
		 * probe sequence: a lookup finds the first first */
		while (k->symhash[h])
			h = (h + 1) & (k->nsymhash - 1);
		k->symhash[h] = y;
	}
}

int dw_kernel(Session *s, const Tok *at)
{
	if (kern)
		return 0;
	if (kernel_resolve(s, false))
		return -1;
	const char *rel = s->kernel.release;
	const char *path = debuginfo_path(rel);
	if (!path) {
		error_tok(at, "missing kernel debuginfo for %s: install the debug symbols "
			  "(scripts/setup.sh extracts vmlinux from linux-image-%s-dbg into /usr/lib/debug/boot)",
			  rel, rel);
		return -1;
	}
	elf_version(EV_CURRENT);
	DwKernel *k = xalloc(sizeof *k);
	k->path = path;
	k->fd = open(path, O_RDONLY);
	k->elf = k->fd >= 0 ? elf_begin(k->fd, ELF_C_READ_MMAP, NULL) : NULL;
	k->dw = k->elf ? dwarf_begin_elf(k->elf, DWARF_C_READ, NULL) : NULL;
	if (!k->dw) {
		error_tok(at, "cannot read kernel debuginfo %s: %s", path, dwarf_errmsg(-1));
		return -1;
	}
	k->cfi = dwarf_getcfi_elf(k->elf);
	const void *id;
	ssize_t n = dwelf_elf_gnu_build_id(k->elf, &id);
	Buf b = {0};
	for (ssize_t i = 0; i < n; i++)
		buf_printf(&b, "%02x", ((const unsigned char *)id)[i]);
	k->build_id = xstrdup(n > 0 ? buf_cstr(&b) : rel);
	buf_free(&b);
	load_symtab(k);
	k->index_path = xsprintf("%s/cache/dwarf/%s.idx", cache_dir(), k->build_id);
	k->verbose = s->verbose;
	kern = k;
	return 0;
}

/* A kernel's or module's function index: read from its cache file, or
 * built (and saved) once per build-id, the first time a lookup needs it.
 * Scripts that only name tracepoints or types never read the kernel's
 * 10 MB. */
static DwIndex *kindex(DwKernel *k)
{
	if (k->indexed)
		return &k->index;
	k->indexed = true;
	if (!load_index(k, k->index_path)) {
		double t0 = now_ms();
		k->index.funcs = (Vec){0};
		k->index.inlines = (Vec){0};
		build_index(k);
		mkdirs(xsprintf("%s/cache/dwarf", cache_dir()));
		save_index(k, k->index_path);
		if (k->verbose > 1)
			fprintf(stderr, "indexed %d kernel functions in %.0f ms\n", k->index.funcs.len,
				now_ms() - t0);
	}
	return &k->index;
}

/* ================================================================ lookups */

uint64_t dw_symbol(Session *s, const char *name)
{
	if (!kern)
		return 0;
	return sym_address(kern, name);
}

/* Is the kernel's symbol `name` global (.exported probes)? */
static DwSym *sym_find(DwKernel *k, const char *name);

bool dw_symbol_global(Session *s, const char *name)
{
	DwSym *sym = kern ? sym_find(kern, name) : NULL;
	return sym && sym->global;
}

/* The symbol a module measures KASLR by (&SYM at run time less its link
 * address): _printk, or printk before 5.15. */
const char *dw_kaslr_anchor(Session *s, uint64_t *addr)
{
	const char *name = dw_symbol(s, "_printk") ? "_printk" : "printk";
	*addr = dw_symbol(s, name);
	return name;
}

static DwSym *sym_find(DwKernel *k, const char *name)
{
	if (!k->nsymhash)
		return NULL;
	size_t h = hash_bytes(0, name, strlen(name)) & (k->nsymhash - 1);
	for (; k->symhash[h]; h = (h + 1) & (k->nsymhash - 1))
		if (str_eq(k->symhash[h]->name, name))
			return k->symhash[h];
	return NULL;
}

static uint64_t sym_address(DwKernel *k, const char *name)
{
	DwSym *sym = sym_find(k, name);
	return sym ? sym->addr : 0;
}

/* Text symbols of the kernel's symbol table (for DWARF-less kprobes). */
void dw_text_symbols(Session *s, Vec *out)
{
	if (!debuginfo_path(s->kernel.release ? s->kernel.release : "") || dw_kernel(s, NULL))
		return;
	Vec sorted = vec_sorted(&kern->syms, cmp_sym);
	vec_foreach(&sorted, i) {
		DwSym *y = vec_get(&sorted, i);
		if (y->func)
			vec_push(out, y->name);
	}
}

uint64_t dw_stext(void)
{
	return kern ? kern->stext : 0;
}

/* Is index entry i a second definition of a name whose symbol-table
 * address belongs to another entry of the same name? */
/* Whether a symbol called name (static functions share names) is at addr. */
static bool sym_named_at(DwKernel *k, const char *name, uint64_t addr)
{
	if (!k->nsymhash)
		return false;
	size_t h = hash_bytes(0, name, strlen(name)) & (k->nsymhash - 1);
	for (; k->symhash[h]; h = (h + 1) & (k->nsymhash - 1))
		if (k->symhash[h]->addr == addr && str_eq(k->symhash[h]->name, name))
			return true;
	return false;
}

static bool shadowed_stub(DwFunc *f, int i)
{
	uint64_t a = sym_address(kern, f->name);
	if (!a || a == f->low_pc || sym_named_at(kern, f->name, f->low_pc))
		return false;
	for (int k = i - 1; k >= 0; k--) {
		DwFunc *o = vec_get(&kindex(kern)->funcs, k);
		if (!str_eq(o->name, f->name))
			break;
		if (o->low_pc == a)
			return true;
	}
	for (int k = i + 1; k < kindex(kern)->funcs.len; k++) {
		DwFunc *o = vec_get(&kindex(kern)->funcs, k);
		if (!str_eq(o->name, f->name))
			break;
		if (o->low_pc == a)
			return true;
	}
	return false;
}

/* Functions matching a name pattern and optional file pattern (and line). */
/* All the kernel's function names (for "similar functions"). */
void dw_function_names(Session *s, Vec *out)
{
	(void)s;
	if (!kern)
		return;
	vec_foreach(&kindex(kern)->funcs, i)
		vec_push(out, (void *)((DwFunc *)vec_get(&kindex(kern)->funcs, i))->name);
}

void dw_functions(Session *s, const char *func_pat, const char *file_pat, Vec *out)
{
	dw_functions_blocked(s, func_pat, file_pat, out, NULL);
}

/* The first index in sorted (DwFunc* by name) whose name starts with the
 * pattern's literal prefix of *plen characters. */
static int name_range(Vec *sorted, const char *func_pat, size_t *plen)
{
	*plen = strcspn(func_pat, "*?[\\");
	int lo = 0, hi = sorted->len;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (strncmp(((DwFunc *)vec_get(sorted, mid))->name, func_pat, *plen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool name_file_match(DwFunc *f, const char *func_pat, bool wild, const char *file_pat)
{
	if (wild ? !wildcard_match(func_pat, f->name) : !str_eq(func_pat, f->name))
		return false;
	return !file_pat || wildcard_match(file_pat, f->decl_file) ||
	       str_endswith(f->decl_file, xsprintf("/%s", file_pat)) || str_eq(file_pat, f->decl_file);
}

/* Text kprobes refuse (-EINVAL): the entry, noinstr, kprobes', cpuidle
 * and irq entry sections.  A probe there is left out without a word, so
 * that no registration fails at run time; -l still lists them, as
 * SystemTap's does. */
static bool in_blacklisted_text(Session *s, uint64_t pc)
{
	static const char *const bounds[][2] = {
		{ "__kprobes_text_start", "__kprobes_text_end" }, { "__entry_text_start", "__entry_text_end" },
		{ "__noinstr_text_start", "__noinstr_text_end" }, { "__cpuidle_text_start", "__cpuidle_text_end" },
		{ "__irqentry_text_start", "__irqentry_text_end" },
		{ "__softirqentry_text_start", "__softirqentry_text_end" },
	};
	enum { N = sizeof bounds / sizeof bounds[0] };
	static uint64_t lo[N], hi[N];
	static bool known;
	if (s->list_mode)
		return false;
	if (!known) {
		for (int i = 0; i < N; i++) {
			lo[i] = dw_symbol(s, bounds[i][0]);
			hi[i] = dw_symbol(s, bounds[i][1]);
		}
		known = true;
	}
	for (int i = 0; i < N; i++)
		if (lo[i] && pc >= lo[i] && pc < hi[i])
			return true;
	return false;
}

/* __init code is gone after boot. */
static bool in_init(Session *s, uint64_t pc)
{
	static uint64_t lo, hi;
	if (!hi) {
		lo = dw_symbol(s, "__init_begin");
		hi = dw_symbol(s, "__init_end");
	}
	return pc >= lo && pc < hi;
}

/* As dw_functions; functions matched in sections gone after boot go to
 * *blocked (DwFunc*) when it is given. */
void dw_functions_blocked(Session *s, const char *func_pat, const char *file_pat, Vec *out, Vec *blocked)
{
	if (!kern)
		return;
	bool wild = strpbrk(func_pat, "*?[") != NULL;
	/* the index is sorted by name: only the names that start with the
	 * pattern's literal prefix need a look */
	size_t plen;
	for (int i = name_range(&kindex(kern)->funcs, func_pat, &plen); i < kindex(kern)->funcs.len; i++) {
		DwFunc *f = vec_get(&kindex(kern)->funcs, i);
		if (strncmp(f->name, func_pat, plen) != 0)
			break;
		if (!name_file_match(f, func_pat, wild, file_pat))
			continue;
		if (in_init(s, f->low_pc)) {
			if (blocked)
				vec_push(blocked, f);
			continue;
		}
		if (blocked && in_blacklisted_text(s, f->low_pc))
			continue;
		/* a weak stub (e.g. sys_ni.c's) loses to the definition the
		 * symbol table names */
		if (shadowed_stub(f, i))
			continue;
		/* the same function from several CUs (static inline copies) once */
		bool dup = false;
		vec_foreach(out, k) {
			DwFunc *o = vec_get(out, k);
			if (str_eq(o->name, f->name) && o->low_pc == f->low_pc)
				dup = true;
		}
		if (!dup)
			vec_push(out, f);
	}
}

typedef struct InlineScan {
	Vec *origins;		/* abstract DwFunc* of this CU wanted */
	Vec *out, *blocked;
	Session *s;
} InlineScan;

static DwFunc *wanted_origin(InlineScan *is, Dwarf_Die *d)
{
	Dwarf_Attribute a;
	Dwarf_Die origin;
	if (!dwarf_attr(d, DW_AT_abstract_origin, &a) || !dwarf_formref_die(&a, &origin))
		return NULL;
	Dwarf_Off off = dwarf_dieoffset(&origin);
	vec_foreach(is->origins, i) {
		DwFunc *f = vec_get(is->origins, i);
		if (f->die_off == off)
			return f;
	}
	return NULL;
}

/* Every DW_TAG_inlined_subroutine under d whose origin is wanted, in
 * DIE order. */
static void scan_inlines(InlineScan *is, Dwarf_Die *d, uint64_t cu_off)
{
	Dwarf_Die child;
	if (dwarf_child(d, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		if (tag == DW_TAG_inlined_subroutine) {
			DwFunc *origin = wanted_origin(is, &child);
			Dwarf_Addr pc;
			if (origin && dwarf_entrypc(&child, &pc) != 0) {
				Dwarf_Addr base, end;
				if (dwarf_ranges(&child, 0, &base, &pc, &end) <= 0)
					origin = NULL;
			}
			/* the same copy can be described twice (an inlined
			 * function holding it, and its out-of-line instance) */
			for (int k = 0; origin && k < is->out->len; k++) {
				DwFunc *o = vec_get(is->out, k);
				if (o->inlined && o->low_pc == pc && str_eq(o->name, origin->name))
					origin = NULL;
			}
			if (origin && in_blacklisted_text(is->s, pc))
				origin = NULL;
			if (origin) {
				DwFunc *f = xalloc(sizeof *f);
				*f = *origin;
				f->low_pc = pc;
				f->die_off = dwarf_dieoffset(&child);
				f->cu_off = cu_off;
				f->inlined = true;
				vec_push(in_init(is->s, pc) ? is->blocked : is->out, f);
			}
		}
		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block)
			scan_inlines(is, &child, cu_off);
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* Compare the name at the start of an index line with the pattern's
 * literal prefix (plen characters): <0, 0 (the prefix matches), >0. */
static int line_prefix_cmp(const char *line, const char *pat, size_t plen)
{
	for (size_t i = 0; i < plen; i++) {
		unsigned char a = line[i] == '\t' ? 0 : (unsigned char)line[i], b = (unsigned char)pat[i];
		if (a != b)
			return a < b ? -1 : 1;
		if (!a)
			return 0;
	}
	return 0;
}

/* The inline functions of the cached index whose names start with the
 * pattern's literal prefix (a binary search over the sorted lines). */
static void inline_lines(const char *func_pat, Vec *out)
{
	size_t plen = strcspn(func_pat, "*?[\\");
	const char *lo = kindex(kern)->inl_text, *hi = kindex(kern)->inl_end;
	while (lo < hi) {
		const char *mid = lo + (hi - lo) / 2;
		while (mid > lo && mid[-1] != '\n')
			mid--;
		const char *next = memchr(mid, '\n', (size_t)(hi - mid));
		next = next ? next + 1 : hi;
		if (line_prefix_cmp(mid, func_pat, plen) < 0)
			lo = next;
		else
			hi = mid;
	}
	for (const char *p = lo; p < kindex(kern)->inl_end && line_prefix_cmp(p, func_pat, plen) == 0;) {
		const char *nl = memchr(p, '\n', (size_t)(kindex(kern)->inl_end - p));
		if (!nl)
			break;
		char *line = xstrndup(p, (size_t)(nl - p));
		char *fields[5];
		if (split_tabs(line, fields, 5) == 5) {
			DwFunc *f = xalloc(sizeof *f);
			f->name = fields[0];
			f->cu_off = hex_field(fields[1]);
			f->die_off = hex_field(fields[2]);
			f->decl_line = atoi(fields[3]);
			f->decl_file = fields[4];
			vec_push(out, f);
		}
		p = nl + 1;
	}
}

void dw_inline_instances(Session *s, const char *func_pat, const char *file_pat, Vec *out, Vec *blocked)
{
	if (!kern)
		return;
	bool wild = strpbrk(func_pat, "*?[") != NULL;
	size_t plen;
	Vec origins = {0}, candidates = {0};
	if (kindex(kern)->inl_text)
		inline_lines(func_pat, &candidates);
	else
		for (int i = name_range(&kindex(kern)->inlines, func_pat, &plen); i < kindex(kern)->inlines.len; i++) {
			DwFunc *f = vec_get(&kindex(kern)->inlines, i);
			if (strncmp(f->name, func_pat, plen) != 0)
				break;
			vec_push(&candidates, f);
		}
	vec_foreach(&candidates, i) {
		DwFunc *f = vec_get(&candidates, i);
		if (name_file_match(f, func_pat, wild, file_pat))
			vec_push(&origins, f);
	}
	/* one walk per compilation unit holding wanted functions */
	Vec cus = {0};
	vec_foreach(&origins, i) {
		DwFunc *f = vec_get(&origins, i);
		bool seen = false;
		vec_foreach(&cus, k)
			seen = seen || (uint64_t)(uintptr_t)vec_get(&cus, k) == f->cu_off;
		if (!seen)
			vec_push(&cus, (void *)(uintptr_t)f->cu_off);
	}
	Vec junk = {0};
	vec_foreach(&cus, k) {
		uint64_t cu_off = (uintptr_t)vec_get(&cus, k);
		Vec mine = {0};
		vec_foreach(&origins, i)
			if (((DwFunc *)vec_get(&origins, i))->cu_off == cu_off)
				vec_push(&mine, vec_get(&origins, i));
		Dwarf_Die cu;
		InlineScan is = { &mine, out, blocked ? blocked : &junk, s };
		if (dwarf_offdie(kern->dw, cu_off, &cu))
			scan_inlines(&is, &cu, cu_off);
	}
}

static bool func_die(DwFunc *f, Dwarf_Die *die)
{
	return dwarf_offdie(kern->dw, f->die_off, die) != NULL;
}

/* ================================================================ types */

static bool die_type(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute a;
	if (!dwarf_attr_integrate(die, DW_AT_type, &a))
		return false;
	return dwarf_formref_die(&a, type) != NULL;
}

/* Peel typedefs and qualifiers; false for void. */
static bool peel(Dwarf_Die *t, Dwarf_Die *out)
{
	if (dwarf_peel_type(t, out) != 0)
		return false;
	return true;
}

/* SystemTap's spelling of a type: "struct file*", "char const*", "size_t". */
static void type_name_buf(Dwarf_Die *t, Buf *b)
{
	int tag = dwarf_tag(t);
	Dwarf_Die sub;
	const char *name = dwarf_diename(t);
	switch (tag) {
	case DW_TAG_base_type:
	case DW_TAG_typedef:
		buf_puts(b, name ? name : "?");
		return;
	case DW_TAG_structure_type:
		buf_printf(b, "struct %s", name ? name : "{...}");
		return;
	case DW_TAG_union_type:
		buf_printf(b, "union %s", name ? name : "{...}");
		return;
	case DW_TAG_enumeration_type:
		buf_printf(b, "enum %s", name ? name : "{...}");
		return;
	case DW_TAG_pointer_type:
		if (die_type(t, &sub) && dwarf_tag(&sub) == DW_TAG_subroutine_type) {
			/* SystemTap's spelling: "int (*) (struct file*, int)" */
			Dwarf_Die ret, param;
			if (die_type(&sub, &ret))
				type_name_buf(&ret, b);
			else
				buf_puts(b, "void");
			buf_puts(b, " (*) (");
			bool first = true;
			if (dwarf_child(&sub, &param) == 0) {
				do {
					Dwarf_Die pt;
					if (dwarf_tag(&param) != DW_TAG_formal_parameter)
						continue;
					buf_puts(b, first ? "" : ", ");
					first = false;
					if (die_type(&param, &pt))
						type_name_buf(&pt, b);
					else
						buf_puts(b, "void");
				} while (dwarf_siblingof(&param, &param) == 0);
			}
			buf_putc(b, ')');
			return;
		}
		if (die_type(t, &sub))
			type_name_buf(&sub, b);
		else
			buf_puts(b, "void");
		buf_putc(b, '*');
		return;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
		if (die_type(t, &sub))
			type_name_buf(&sub, b);
		else
			buf_puts(b, "void");
		if (tag == DW_TAG_const_type)
			buf_puts(b, " const");
		else if (tag == DW_TAG_volatile_type)
			buf_puts(b, " volatile");
		return;
	case DW_TAG_array_type:
		if (die_type(t, &sub))
			type_name_buf(&sub, b);
		buf_puts(b, "[]");
		return;
	case DW_TAG_subroutine_type:
		buf_puts(b, "void (*)()");	/* SystemTap-ish: function type */
		return;
	default:
		buf_puts(b, name ? name : "?");
	}
}

static const char *type_text(Dwarf_Die *var)
{
	Dwarf_Die t;
	if (!die_type(var, &t))
		return "void";
	Buf b = {0};
	type_name_buf(&t, &b);
	char *r = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return r;
}

/* "$a:int $b:struct file*" for -L, parameters then locals at the entry. */
static bool uses_entry_value(const Dwarf_Op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ops[i].atom == DW_OP_entry_value || ops[i].atom == DW_OP_GNU_entry_value)
			return true;
	return false;
}

void dw_vars_text(Session *s, DwFunc *f, bool is_return, Buf *out)
{
	Dwarf_Die fd, child;
	if (!func_die(f, &fd))
		return;
	if (is_return) {
		Dwarf_Die rt;
		if (die_type(&fd, &rt)) {
			Buf b = {0};
			type_name_buf(&rt, &b);
			buf_printf(out, " $return:%s", buf_cstr(&b));
			buf_free(&b);
		}
	}
	if (dwarf_child(&fd, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		const char *name = dwarf_diename(&child);
		if (!name)
			continue;
		if (tag == DW_TAG_formal_parameter) {
			/* SystemTap lists what has a location at the probe */
			Dwarf_Attribute pa;
			Dwarf_Op *pops;
			size_t pn;
			if (is_return || dwarf_hasattr_integrate(&child, DW_AT_const_value) ||
			    (dwarf_attr_integrate(&child, DW_AT_location, &pa) &&
			     dwarf_getlocation_addr(&pa, f->low_pc, &pops, &pn, 1) > 0 && !uses_entry_value(pops, pn)))
				buf_printf(out, " $%s:%s", name, type_text(&child));
			continue;
		}
		/* locals only where they have a location at the probe address
		 * that does not go back to the caller's registers */
		Dwarf_Attribute a;
		Dwarf_Op *ops;
		size_t n;
		if (tag == DW_TAG_variable && !is_return &&
		    (dwarf_hasattr_integrate(&child, DW_AT_const_value) ||
		     (dwarf_attr_integrate(&child, DW_AT_location, &a) &&
		      dwarf_getlocation_addr(&a, f->low_pc, &ops, &n, 1) > 0 && !uses_entry_value(ops, n))))
			buf_printf(out, " $%s:%s", name, type_text(&child));
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* ================================================================ locations -> C */

/* pt_regs field names by DWARF register number (x86_64). */
static const char *const regnames[] = {
	"ax", "dx", "cx", "bx", "si", "di", "bp", "sp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ip",
};

typedef struct DLoc {
	bool is_value;		/* expr is the value itself, else its address */
	const char *expr;	/* C expression of type uint64_t */
	const char *err;	/* why the variable cannot be read here */
} DLoc;

static const char *reg_expr(unsigned r)
{
	if (r >= sizeof regnames / sizeof regnames[0])
		return NULL;
	return xsprintf("((uint64_t)c->regs->%s)", regnames[r]);
}

typedef struct LocCtx {
	uint64_t pc;
	bool at_entry;		/* pc is the function's entry */
	Dwarf_Die *func;
	int depth;
} LocCtx;

static DLoc eval_ops(LocCtx *lc, Dwarf_Op *ops, size_t n);

/* The runtime's fault-safe reader for the selected DWARF's memory. */
static const char *memread(void)
{
	return kern->user ? "stp_uread" : "stp_kread";
}

/* The CFA at pc: at a function's entry it is rsp + 8; elsewhere from CFI. */
static DLoc cfa_expr(LocCtx *lc)
{
	DLoc r = { .is_value = true };
	if (lc->at_entry) {
		r.expr = "(((uint64_t)c->regs->sp) + 8)";
		return r;
	}
	Dwarf_Frame *fr;
	Dwarf_Op *ops;
	size_t n;
	dw_ensure_cfi();
	if (!kern->cfi || dwarf_cfi_addrframe(kern->cfi, lc->pc, &fr) != 0 ||
	    dwarf_frame_cfa(fr, &ops, &n) != 0) {
		r.err = "no call frame information at this address";
		return r;
	}
	DLoc l = eval_ops(lc, ops, n);
	l.is_value = true;
	return l;
}

static DLoc frame_base(LocCtx *lc)
{
	DLoc r = { .is_value = true };
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;
	/* an inlined copy has the frame of the function it was inlined in
	 * (dwarf_getscopes would give the inline's own, abstract, scopes) */
	Dwarf_Die *func = lc->func, cu, outer;
	if (dwarf_tag(func) == DW_TAG_inlined_subroutine && dwarf_diecu(func, &cu, NULL, NULL) &&
	    dwarf_child(&cu, &outer) == 0) {
		do {
			if (dwarf_tag(&outer) == DW_TAG_subprogram && dwarf_haspc(&outer, lc->pc) > 0) {
				func = &outer;
				break;
			}
		} while (dwarf_siblingof(&outer, &outer) == 0);
	}
	if (!dwarf_attr_integrate(func, DW_AT_frame_base, &a) ||
	    dwarf_getlocation_addr(&a, lc->pc, &ops, &n, 1) <= 0) {
		r.err = "no frame base";
		return r;
	}
	DLoc l = eval_ops(lc, ops, n);
	/* DW_OP_call_frame_cfa yields the CFA as a value already */
	if (!l.err && !l.is_value)
		l.is_value = true;
	return l;
}

static DLoc eval_ops(LocCtx *lc, Dwarf_Op *ops, size_t n)
{
	const char *stack[64];
	int sp = 0;
	DLoc r = {0};
	bool value = false;
	if (++lc->depth > 8) {
		r.err = "location expression too deep";
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t op = ops[i].atom;
		if (sp >= 62) {
			r.err = "location expression too complex";
			return r;
		}
		if (op >= DW_OP_reg0 && op <= DW_OP_reg31) {
			const char *e = reg_expr(op - DW_OP_reg0);
			if (!e) {
				r.err = "unsupported register";
				return r;
			}
			r.is_value = true;
			r.expr = e;
			if (i + 1 < n && ops[i + 1].atom != DW_OP_piece) {
				r.err = "unsupported location expression";
				r.expr = NULL;
			}
			lc->depth--;
			return r;
		}
		if (op >= DW_OP_breg0 && op <= DW_OP_breg31) {
			const char *e = reg_expr(op - DW_OP_breg0);
			if (!e) {
				r.err = "unsupported register";
				return r;
			}
			stack[sp++] = xsprintf("(%s + (uint64_t)%" PRId64 "LL)", e, (int64_t)ops[i].number);
			continue;
		}
		if (op >= DW_OP_lit0 && op <= DW_OP_lit31) {
			stack[sp++] = xsprintf("(uint64_t)%d", op - DW_OP_lit0);
			continue;
		}
		switch (op) {
		case DW_OP_regx: {
			const char *e = reg_expr((unsigned)ops[i].number);
			if (!e) {
				r.err = "unsupported register";
				return r;
			}
			r.is_value = true;
			r.expr = e;
			lc->depth--;
			return r;
		}
		case DW_OP_bregx: {
			const char *e = reg_expr((unsigned)ops[i].number);
			if (!e) {
				r.err = "unsupported register";
				return r;
			}
			stack[sp++] = xsprintf("(%s + (uint64_t)%" PRId64 "LL)", e, (int64_t)ops[i].number2);
			continue;
		}
		case DW_OP_addr:
			/* a program's or library's load bias: the hit's stp_ubias
			 * (runtime/stp_uprobes.h) */
			stack[sp++] = xsprintf(kern->user ? "((uint64_t)0x%" PRIx64 "ULL + __this_cpu_read(stp_ubias))"
						: "((uint64_t)0x%" PRIx64 "ULL + stp_kaslr_offset)", ops[i].number);
			continue;
		case DW_OP_fbreg: {
			DLoc fb = frame_base(lc);
			if (fb.err) {
				r.err = fb.err;
				return r;
			}
			stack[sp++] = xsprintf("(%s + (uint64_t)%" PRId64 "LL)", fb.expr, (int64_t)ops[i].number);
			continue;
		}
		case DW_OP_call_frame_cfa: {
			DLoc cfa = cfa_expr(lc);
			if (cfa.err) {
				r.err = cfa.err;
				return r;
			}
			stack[sp++] = cfa.expr;
			continue;
		}
		case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u: case DW_OP_const8u:
		case DW_OP_constu:
			stack[sp++] = xsprintf("(uint64_t)0x%" PRIx64 "ULL", ops[i].number);
			continue;
		case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s: case DW_OP_const8s:
		case DW_OP_consts:
			stack[sp++] = xsprintf("(uint64_t)%" PRId64 "LL", (int64_t)ops[i].number);
			continue;
		case DW_OP_plus_uconst:
			if (sp < 1)
				goto bad;
			stack[sp - 1] = xsprintf("(%s + 0x%" PRIx64 "ULL)", stack[sp - 1], ops[i].number);
			continue;
		case DW_OP_plus: case DW_OP_minus: case DW_OP_and: case DW_OP_or: case DW_OP_xor:
		case DW_OP_mul: case DW_OP_shl: case DW_OP_shr: {
			if (sp < 2)
				goto bad;
			const char *cop = op == DW_OP_plus ? "+" : op == DW_OP_minus ? "-" : op == DW_OP_and ? "&" :
					  op == DW_OP_or ? "|" : op == DW_OP_xor ? "^" : op == DW_OP_mul ? "*" :
					  op == DW_OP_shl ? "<<" : ">>";
			stack[sp - 2] = xsprintf("(%s %s %s)", stack[sp - 2], cop, stack[sp - 1]);
			sp--;
			continue;
		}
		case DW_OP_neg:
			if (sp < 1)
				goto bad;
			stack[sp - 1] = xsprintf("(0 - %s)", stack[sp - 1]);
			continue;
		case DW_OP_not:
			if (sp < 1)
				goto bad;
			stack[sp - 1] = xsprintf("(~%s)", stack[sp - 1]);
			continue;
		case DW_OP_dup:
			if (sp < 1)
				goto bad;
			stack[sp] = stack[sp - 1];
			sp++;
			continue;
		case DW_OP_drop:
			if (sp < 1)
				goto bad;
			sp--;
			continue;
		case DW_OP_deref:
			if (sp < 1)
				goto bad;
			stack[sp - 1] = xsprintf("%s(c, %s, 8)", memread(), stack[sp - 1]);
			continue;
		case DW_OP_deref_size:
			if (sp < 1)
				goto bad;
			stack[sp - 1] = xsprintf("%s(c, %s, %d)", memread(), stack[sp - 1], (int)ops[i].number);
			continue;
		case DW_OP_stack_value:
			value = true;
			continue;
		case DW_OP_piece:
			/* accept a single piece covering the start of the variable */
			if (i == n - 1)
				break;
			goto bad;
		case DW_OP_entry_value:
		case DW_OP_GNU_entry_value: {
			/* the value a register had at the function's entry: exactly the
			 * register when we are at the entry */
			Dwarf_Attribute a;
			Dwarf_Op *sub;
			size_t nsub;
			if (!lc->at_entry || dwarf_getlocation_attr(NULL, &ops[i], &a) != 0 ||
			    dwarf_getlocation(&a, &sub, &nsub) != 0 || nsub != 1 ||
			    sub[0].atom < DW_OP_reg0 || sub[0].atom > DW_OP_reg31) {
				r.err = "not accessible at this address";
				return r;
			}
			stack[sp++] = reg_expr(sub[0].atom - DW_OP_reg0);
			continue;
		}
		case DW_OP_implicit_value:
		default:
			goto bad;
		}
	}
	lc->depth--;
	if (sp < 1) {
		r.err = "empty location expression";
		return r;
	}
	r.expr = stack[sp - 1];
	r.is_value = value;
	return r;
bad:
	r.err = "unsupported DWARF location expression";
	return r;
}

static DLoc var_location(Dwarf_Die *var, LocCtx *lc)
{
	DLoc r = {0};
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;
	if (!dwarf_attr_integrate(var, DW_AT_location, &a)) {
		r.err = dwarf_hasattr_integrate(var, DW_AT_const_value) ? "constant value" :
			"not accessible at this address";
		if (dwarf_hasattr_integrate(var, DW_AT_const_value)) {
			Dwarf_Attribute cv;
			Dwarf_Sword sv;
			if (dwarf_attr_integrate(var, DW_AT_const_value, &cv) && dwarf_formsdata(&cv, &sv) == 0) {
				r.err = NULL;
				r.is_value = true;
				r.expr = xsprintf("(uint64_t)%" PRId64 "LL", (int64_t)sv);
			}
		}
		return r;
	}
	int k = dwarf_getlocation_addr(&a, lc->pc, &ops, &n, 1);
	if (k <= 0) {
		r.err = "not accessible at this address";
		return r;
	}
	return eval_ops(lc, ops, n);
}

/* ================================================================ member chains */

/* Find member `name` in struct/union t (through anonymous members):
 * adds its byte offset to *off and sets *mem. */
static bool find_member(Dwarf_Die *t, const char *name, Dwarf_Word *off, Dwarf_Die *mem)
{
	Dwarf_Die child;
	if (dwarf_child(t, &child) != 0)
		return false;
	do {
		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		Dwarf_Word here = 0;
		Dwarf_Attribute a;
		if (dwarf_attr_integrate(&child, DW_AT_data_member_location, &a))
			dwarf_formudata(&a, &here);
		const char *cn = dwarf_diename(&child);
		if (cn && str_eq(cn, name)) {
			*off += here;
			*mem = child;
			return true;
		}
		if (!cn) {
			Dwarf_Die ct, pt;
			if (die_type(&child, &ct) && peel(&ct, &pt) &&
			    (dwarf_tag(&pt) == DW_TAG_structure_type || dwarf_tag(&pt) == DW_TAG_union_type)) {
				Dwarf_Word inner = *off + here;
				if (find_member(&pt, name, &inner, mem)) {
					*off = inner;
					return true;
				}
			}
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return false;
}

/* The C code reading a scalar of type t (peeled) at address expr. */
static const char *load_scalar(Dwarf_Die *t, const char *addr, Dwarf_Die *member)
{
	Dwarf_Word size = 8;
	int tag = dwarf_tag(t);
	if (tag != DW_TAG_pointer_type)
		dwarf_aggregate_size(t, &size);
	bool is_signed = false;
	if (tag == DW_TAG_base_type) {
		Dwarf_Attribute a;
		Dwarf_Word enc = 0;
		if (dwarf_attr(t, DW_AT_encoding, &a))
			dwarf_formudata(&a, &enc);
		is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
	} else if (tag == DW_TAG_enumeration_type) {
		is_signed = false;
	}
	const char *load = xsprintf("%s(c, %s, %d)", memread(), addr, (int)size);
	if (member && dwarf_hasattr(member, DW_AT_bit_size)) {
		int bits = dwarf_bitsize(member);
		int boff = 0;
		Dwarf_Attribute a;
		Dwarf_Word w;
		if (dwarf_attr(member, DW_AT_data_bit_offset, &a) && dwarf_formudata(&a, &w) == 0)
			boff = (int)(w % (size * 8));
		else
			boff = (int)(size * 8) - dwarf_bitoffset(member) - bits;
		load = xsprintf("((%s >> %d) & 0x%llxULL)", load, boff, bits >= 64 ? ~0ULL : (1ULL << bits) - 1);
		if (is_signed)
			return xsprintf("(int64_t)((int64_t)(%s << %d) >> %d)", load, 64 - bits, 64 - bits);
		return xsprintf("(int64_t)%s", load);
	}
	if (is_signed && size < 8)
		return xsprintf("(int64_t)(int%d_t)%s", (int)size * 8, load);
	return xsprintf("(int64_t)%s", load);
}

typedef struct Chain {
	DLoc loc;		/* value or address */
	Dwarf_Die type;		/* peeled type */
	bool has_type;
	Dwarf_Die member;	/* last member (bitfields) */
	bool is_member;
} Chain;

static const char *as_value(Chain *ch)
{
	if (ch->loc.is_value) {
		/* a register holds 64 bits; narrow types keep only theirs */
		Dwarf_Word size = 8;
		int tag = dwarf_tag(&ch->type);
		if (tag == DW_TAG_base_type || tag == DW_TAG_enumeration_type)
			dwarf_aggregate_size(&ch->type, &size);
		if (size >= 8)
			return xsprintf("(int64_t)%s", ch->loc.expr);
		Dwarf_Attribute a;
		Dwarf_Word enc = 0;
		if (tag == DW_TAG_base_type && dwarf_attr(&ch->type, DW_AT_encoding, &a))
			dwarf_formudata(&a, &enc);
		bool sgn = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
		return xsprintf("(int64_t)(%sint%d_t)%s", sgn ? "" : "u", (int)size * 8, ch->loc.expr);
	}
	return load_scalar(&ch->type, ch->loc.expr, ch->is_member ? &ch->member : NULL);
}

static bool find_type(const char *spec, Dwarf_Die *out);

/* A struct or union only declared here (another compilation unit defines
 * it): its definition, when the kernel's type index has it. */
static void complete_type(Dwarf_Die *t)
{
	int tag = dwarf_tag(t);
	const char *name = dwarf_diename(t);
	Dwarf_Die full;
	if ((tag != DW_TAG_structure_type && tag != DW_TAG_union_type) || !name ||
	    !dwarf_hasattr(t, DW_AT_declaration) || !kern)
		return;
	if (find_type(xsprintf("%s %s", tag == DW_TAG_union_type ? "union" : "struct", name), &full))
		*t = full;
}

/* Apply one ->member or [index] step. */
static const char *chain_step(Chain *ch, Comp *c, const char *(*index_expr)(Node *, void *), void *arg)
{
	int tag = dwarf_tag(&ch->type);
	if (c->kind == COMP_MEMBER) {
		if (tag == DW_TAG_pointer_type) {
			const char *ptr = as_value(ch);
			Dwarf_Die target, pt;
			if (!die_type(&ch->type, &target) || !peel(&target, &pt))
				return xsprintf("cannot dereference a void pointer to reach '%s'", c->name);
			ch->type = pt;
			ch->loc.expr = xsprintf("((uint64_t)%s)", ptr);
			ch->loc.is_value = false;
			tag = dwarf_tag(&ch->type);
		}
		if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type)
			return xsprintf("'%s' is not a member of a struct or union", c->name);
		if (ch->loc.is_value)
			return "struct held in a register";
		complete_type(&ch->type);
		Dwarf_Word off = 0;
		Dwarf_Die mem;
		if (!find_member(&ch->type, c->name, &off, &mem))
			return xsprintf("unable to find member '%s' for struct %s", c->name,
					dwarf_diename(&ch->type) ? dwarf_diename(&ch->type) : "{...}");
		Dwarf_Die mt;
		if (!die_type(&mem, &mt) || !peel(&mt, &ch->type))
			return "member of unknown type";
		ch->loc.expr = xsprintf("(%s + %llu)", ch->loc.expr, (unsigned long long)off);
		ch->member = mem;
		ch->is_member = true;
		return NULL;
	}
	if (c->kind == COMP_EXPR_INDEX && !index_expr)
		return "a computed index is not supported here";
	if (c->kind == COMP_INDEX || c->kind == COMP_EXPR_INDEX) {
		const char *idx = c->kind == COMP_INDEX ? xsprintf("%lld", (long long)c->index) : index_expr(c->expr, arg);
		Dwarf_Die et, pet;
		if (tag == DW_TAG_pointer_type) {
			const char *ptr = as_value(ch);
			if (!die_type(&ch->type, &et) || !peel(&et, &pet))
				return "cannot index a void pointer";
			ch->loc.expr = xsprintf("((uint64_t)%s)", ptr);
		} else if (tag == DW_TAG_array_type) {
			if (ch->loc.is_value)
				return "array held in a register";
			if (!die_type(&ch->type, &et) || !peel(&et, &pet))
				return "array of unknown type";
		} else {
			return "not a pointer or array: cannot index";
		}
		Dwarf_Word esize = 8;
		if (dwarf_tag(&pet) != DW_TAG_pointer_type)
			dwarf_aggregate_size(&pet, &esize);
		ch->loc.expr = xsprintf("(%s + (uint64_t)(%s) * %llu)", ch->loc.expr, idx, (unsigned long long)esize);
		ch->loc.is_value = false;
		ch->type = pet;
		ch->is_member = false;
		return NULL;
	}
	return "unsupported suffix";
}

/* ================================================================ target variables */

/* A variable named `name` visible at pc in function f (params, then the
 * innermost scope's locals). */
/* A parameter or top-level variable of function DIE fd. */
static bool own_var(Dwarf_Die *fd, const char *name, Dwarf_Die *var)
{
	Dwarf_Die child;
	if (dwarf_child(fd, &child) == 0) {
		do {
			const char *cn = dwarf_diename(&child);
			int tag = dwarf_tag(&child);
			if (cn && str_eq(cn, name) && (tag == DW_TAG_formal_parameter || tag == DW_TAG_variable)) {
				*var = child;
				return true;
			}
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	return false;
}

static bool find_var(DwFunc *f, const char *name, Dwarf_Die *fd, Dwarf_Die *var, uint64_t pc)
{
	/* at the entry no inner block is open yet: the function's own
	 * variables, without walking its whole compilation unit */
	if (pc == f->low_pc && own_var(fd, name, var))
		return true;
	Dwarf_Die cu;
	if (!dwarf_offdie(kern->dw, f->cu_off, &cu))
		return false;
	Dwarf_Die *scopes;
	int n = dwarf_getscopes(&cu, pc, &scopes);
	if (n > 0) {
		int k = dwarf_getscopevar(scopes, n, name, 0, NULL, 0, 0, var);
		free(scopes);
		if (k >= 0)
			return true;
	}
	/* fall back to the function's own children */
	return own_var(fd, name, var);
}

/* SystemTap's alternatives for an unknown $name: the function's parameters
 * and variables, the five nearest to the name asked for (kept in
 * declaration order), ", "-separated. */
static void add_names(Dwarf_Die *fd, const char *asked, Buf *b)
{
	enum { KEEP = 5 };
	Vec names = {0};
	Dwarf_Die child;
	if (dwarf_child(fd, &child) == 0) {
		do {
			const char *cn = dwarf_diename(&child);
			int tag = dwarf_tag(&child);
			if (cn && (tag == DW_TAG_formal_parameter || tag == DW_TAG_variable))
				vec_push(&names, cn);
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	while (names.len > KEEP) {	/* drop the farthest (the last of equals) */
		int worst = 0, wd = -1;
		vec_foreach(&names, i) {
			int d = edit_distance(asked, vec_get(&names, i));
			if (d >= wd) {
				wd = d;
				worst = i;
			}
		}
		for (int i = worst; i + 1 < names.len; i++)
			names.data[i] = names.data[i + 1];
		names.len--;
	}
	vec_foreach(&names, i)
		buf_printf(b, "%s$%s", i ? ", " : "", (const char *)vec_get(&names, i));
}

/* Resolve `$name` and its member chain at pc of f: the C expression
 * (type int64_t) or an error message. */
/* The location and type of n's value at pc (a chain of members, indexes
 * and dereferences from a variable), or an error. */
static const char *target_chain(DwFunc *f, uint64_t pc, bool is_return, Node *n,
				const char *(*index_expr)(Node *, void *), void *arg, Chain *out)
{
	Dwarf_Die fd, var;
	if (!func_die(f, &fd))
		return "function DIE not found";
	const char *name = n->name + 1;	/* skip '$' */
	Chain ch = {0};
	LocCtx lc = { .pc = pc, .at_entry = pc == f->low_pc && !f->inlined, .func = &fd };
	if (str_eq(name, "return")) {
		if (!is_return)
			return "$return is only available in .return probes";
		Dwarf_Die rt;
		if (!die_type(&fd, &rt) || !peel(&rt, &ch.type))
			return "function returns void";
		ch.loc.is_value = true;
		ch.loc.expr = "((uint64_t)c->regs->ax)";
	} else {
		if (!find_var(f, name, &fd, &var, pc)) {
			Buf b = {0};
			add_names(&fd, name, &b);
			/* (SystemTap closes the list with two parentheses) */
			const char *msg = xsprintf("unable to find local '%s', [man error::dwarf] dieoffset %#" PRIx64
						   " in kernel, near pc %#" PRIx64 " in %s %s (alternatives: %s))",
						   name, f->die_off, pc, f->name, f->decl_file, buf_cstr(&b));
			buf_free(&b);
			return msg;
		}
		ch.loc = var_location(&var, &lc);
		if (ch.loc.err)
			return xsprintf("%s: $%s", ch.loc.err, name);
		Dwarf_Die t;
		if (!die_type(&var, &t) || !peel(&t, &ch.type))
			return "variable of void type";
	}
	vec_foreach(&n->comps, i) {
		Comp *c = vec_get(&n->comps, i);
		const char *err = chain_step(&ch, c, index_expr, arg);
		if (err)
			return err;
	}
	*out = ch;
	return NULL;
}

const char *dw_target_code(Session *s, DwFunc *f, uint64_t pc, bool is_return, Node *n,
			   const char *(*index_expr)(Node *, void *), void *arg, const char **code)
{
	Chain ch;
	const char *err = target_chain(f, pc, is_return, n, index_expr, arg, &ch);
	if (err)
		return err;
	if (n->addr_of) {
		if (ch.loc.is_value)
			return "cannot take address of object in register";
		*code = xsprintf("(int64_t)%s", ch.loc.expr);
		return NULL;
	}
	int tag = dwarf_tag(&ch.type);
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
		if (ch.loc.is_value)
			return "struct/union value in a register cannot be used";
		/* SystemTap gives the address of an aggregate used as a value */
		*code = xsprintf("(int64_t)%s", ch.loc.expr);
		return NULL;
	}
	if (tag == DW_TAG_array_type) {
		*code = xsprintf("(int64_t)%s", ch.loc.expr);
		return NULL;
	}
	*code = as_value(&ch);
	return NULL;
}

/* Guru mode: the C statement storing value (an int64_t expression) in n:
 * a register of the probe's pt_regs (what the function then sees), or
 * memory through the runtime's fault-safe writers. */
const char *dw_target_store(Session *s, DwFunc *f, uint64_t pc, bool is_return, Node *n,
			    const char *(*index_expr)(Node *, void *), void *arg, const char *value,
			    const char **code)
{
	Chain ch;
	const char *err = target_chain(f, pc, is_return, n, index_expr, arg, &ch);
	if (err)
		return err;
	int tag = dwarf_tag(&ch.type);
	if (n->addr_of || tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_array_type)
		return "cannot write to an aggregate (struct, union or array)";
	Dwarf_Word size = 8;
	if (tag != DW_TAG_pointer_type)
		dwarf_aggregate_size(&ch.type, &size);
	if (size == 0 || size > 8)
		return "cannot write a value of this size";
	if (ch.loc.is_value) {
		static const char pre[] = "((uint64_t)c->regs->";
		const char *e = ch.loc.expr;
		if (strncmp(e, pre, strlen(pre)) != 0)
			return "cannot write to this location: it is a computed value";
		const char *reg = xstrndup(e + strlen(pre), strlen(e) - strlen(pre) - 1);
		if (size >= 8)
			*code = xsprintf("c->regs->%s = (unsigned long)(%s)", reg, value);
		else
			*code = xsprintf("c->regs->%s = (c->regs->%s & ~0x%llxUL) | ((unsigned long)(%s) & 0x%llxUL)",
					 reg, reg, (1ULL << (size * 8)) - 1, value, (1ULL << (size * 8)) - 1);
		return NULL;
	}
	if (ch.is_member && dwarf_hasattr(&ch.member, DW_AT_bit_size))
		return "cannot write to a bitfield";
	*code = xsprintf("%s(c, %s, %s, %d)", kern->user ? "stp_uwrite" : "stp_kwrite", ch.loc.expr, value,
			 (int)size);
	return NULL;
}

/* ================================================================ pretty printing */

/* $$vars, $$parms, $$locals, $$return and $var$ / $var$$ become code that
 * formats into the stp_out `o` (declared by the caller), in SystemTap's
 * layout:
 *   $$parms      "a=0x1 b=0xffff8880..."  (%#llx; "?" when unavailable,
 *                "{...}" for aggregates held by value)
 *   $$parms$     values by type: %lld / %llu, strings quoted, structs
 *                by value expanded one level; $$ two levels
 *   $p$          "{.a=1, .b=0x..., .s={...}}" for a pointer to a struct
 */

typedef struct Pretty {
	Buf *b;			/* C statements */
	int depth;		/* levels of structs still to expand */
	int nest;		/* recursion guard */
} Pretty;

static void pp_lit(Pretty *p, const char *text)
{
	size_t n = strlen(text);
	buf_printf(p->b, "stp_out_lit(&o, \"");
	for (const char *q = text; *q; q++) {
		if (*q == '"' || *q == '\\')
			buf_putc(p->b, '\\');
		buf_putc(p->b, *q);
	}
	buf_printf(p->b, "\", %zu);\n", n);
}

static bool type_signed(Dwarf_Die *t)
{
	Dwarf_Attribute a;
	Dwarf_Word enc = 0;
	if (dwarf_tag(t) != DW_TAG_base_type || !dwarf_attr(t, DW_AT_encoding, &a))
		return false;
	dwarf_formudata(&a, &enc);
	return enc == DW_ATE_signed || enc == DW_ATE_signed_char;
}

static bool is_char_type(Dwarf_Die *t)
{
	Dwarf_Attribute a;
	Dwarf_Word enc = 0;
	Dwarf_Word size = 0;
	if (dwarf_tag(t) != DW_TAG_base_type || !dwarf_attr(t, DW_AT_encoding, &a))
		return false;
	dwarf_formudata(&a, &enc);
	dwarf_aggregate_size(t, &size);
	return size == 1 && (enc == DW_ATE_signed_char || enc == DW_ATE_unsigned_char);
}

/* Print a value of (peeled) type t held at address `addr` (a C expression). */
static void pp_value_at(Pretty *p, Dwarf_Die *t, const char *addr, Dwarf_Die *member);

static void pp_struct(Pretty *p, Dwarf_Die *t, const char *addr)
{
	if (p->depth <= 0 || p->nest > 6) {
		pp_lit(p, "{...}");
		return;
	}
	p->depth--;
	p->nest++;
	pp_lit(p, "{");
	Dwarf_Die child;
	bool first = true;
	if (dwarf_child(t, &child) == 0) {
		do {
			if (dwarf_tag(&child) != DW_TAG_member)
				continue;
			Dwarf_Word off = 0;
			Dwarf_Attribute a;
			if (dwarf_attr_integrate(&child, DW_AT_data_member_location, &a))
				dwarf_formudata(&a, &off);
			Dwarf_Die mt, pt;
			if (!die_type(&child, &mt) || !peel(&mt, &pt))
				continue;
			const char *name = dwarf_diename(&child);
			pp_lit(p, xsprintf("%s.%s=", first ? "" : ", ", name ? name : ""));
			first = false;
			pp_value_at(p, &pt, xsprintf("(%s + %llu)", addr, (unsigned long long)off), &child);
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	pp_lit(p, "}");
	p->depth++;
	p->nest--;
}

static void pp_scalar(Pretty *p, Dwarf_Die *t, const char *value, bool pretty)
{
	int tag = dwarf_tag(t);
	if (!pretty) {
		buf_printf(p->b, "stp_fmt_long(&o, %s, STP_FMT_ALT, -1, -1, 'x');\n", value);
		return;
	}
	if (tag == DW_TAG_pointer_type) {
		Dwarf_Die target, pt;
		if (die_type(t, &target) && peel(&target, &pt) && is_char_type(&pt)) {
			buf_printf(p->b, "stp_pp_string(&o, (uint64_t)%s);\n", value);
			return;
		}
		buf_printf(p->b, "stp_fmt_long(&o, %s, STP_FMT_ALT, -1, -1, 'x');\n", value);
		return;
	}
	buf_printf(p->b, "stp_fmt_long(&o, %s, 0, -1, -1, '%c');\n", value, type_signed(t) ? 'd' : 'u');
}

static void pp_value_at(Pretty *p, Dwarf_Die *t, const char *addr, Dwarf_Die *member)
{
	int tag = dwarf_tag(t);
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
		pp_struct(p, t, addr);
		return;
	}
	if (tag == DW_TAG_array_type) {
		Dwarf_Die et, pet;
		if (die_type(t, &et) && peel(&et, &pet) && is_char_type(&pet)) {
			buf_printf(p->b, "stp_pp_string(&o, (uint64_t)%s);\n", addr);
			return;
		}
		pp_lit(p, "[...]");
		return;
	}
	const char *v = load_scalar(t, addr, member);
	v = xsprintf("stp_pp_read(c, %s)", v);
	pp_scalar(p, t, v, true);
}

/* One variable as "name=value". */
static void pp_var(Pretty *p, Dwarf_Die *var, LocCtx *lc, bool pretty, const char *label)
{
	pp_lit(p, xsprintf("%s=", label));
	Dwarf_Die t, pt;
	if (!die_type(var, &t) || !peel(&t, &pt)) {
		pp_lit(p, "?");
		return;
	}
	DLoc loc = var_location(var, lc);
	if (loc.err) {
		pp_lit(p, "?");
		return;
	}
	int tag = dwarf_tag(&pt);
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_array_type) {
		if (!pretty || loc.is_value) {
			pp_lit(p, "{...}");
			return;
		}
		pp_value_at(p, &pt, loc.expr, NULL);
		return;
	}
	Chain ch = { .loc = loc, .type = pt };
	pp_scalar(p, &pt, as_value(&ch), pretty);
}

/* $$vars/$$parms/$$locals/$$return[$|$$] or $var$/$var$$: C statements
 * formatting into stp_out o; NULL or an error. */
const char *dw_pretty_code(Session *s, DwFunc *f, uint64_t pc, bool is_return, Node *n, const char **code)
{
	Dwarf_Die fd;
	if (!func_die(f, &fd))
		return "function DIE not found";
	int dollars = 0;
	vec_foreach(&n->comps, i) {
		Comp *c = vec_get(&n->comps, i);
		if (c->kind == COMP_PRETTY)
			dollars = (int)strlen(c->name);
	}
	Buf b = {0};
	Pretty p = { .b = &b, .depth = dollars };
	LocCtx lc = { .pc = pc, .at_entry = pc == f->low_pc && !f->inlined, .func = &fd };
	const char *name = n->name;
	if (str_eq(name, "$$return")) {
		if (!is_return)
			return "$$return is only available in .return probes";
		Dwarf_Die rt, prt;
		if (die_type(&fd, &rt) && peel(&rt, &prt)) {
			pp_lit(&p, "return=");
			pp_scalar(&p, &prt, "(int64_t)c->regs->ax", dollars > 0);
		}
		*code = xstrdup(buf_cstr(&b));
		buf_free(&b);
		return NULL;
	}
	if (str_eq(name, "$$vars") || str_eq(name, "$$parms") || str_eq(name, "$$locals")) {
		bool parms = !str_eq(name, "$$locals"), locals = !str_eq(name, "$$parms");
		Dwarf_Die child;
		bool first = true;
		if (dwarf_child(&fd, &child) == 0) {
			do {
				int tag = dwarf_tag(&child);
				const char *cn = dwarf_diename(&child);
				if (!cn || !((tag == DW_TAG_formal_parameter && parms) ||
					     (tag == DW_TAG_variable && locals)))
					continue;
				if (!first)
					pp_lit(&p, " ");
				first = false;
				pp_var(&p, &child, &lc, dollars > 0, cn);
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		*code = xstrdup(buf_cstr(&b));
		buf_free(&b);
		return NULL;
	}
	/* $var->chain$ : the value the chain names, expanded */
	Node copy = *n;
	copy.comps = (Vec){0};
	vec_foreach(&n->comps, i) {
		Comp *c = vec_get(&n->comps, i);
		if (c->kind != COMP_PRETTY)
			vec_push(&copy.comps, c);
	}
	Dwarf_Die var;
	if (!find_var(f, name + 1, &fd, &var, pc))
		return xsprintf("unable to find local '%s'", name + 1);
	Chain ch = {0};
	ch.loc = var_location(&var, &lc);
	if (ch.loc.err)
		return xsprintf("%s: %s", ch.loc.err, name);
	Dwarf_Die t;
	if (!die_type(&var, &t) || !peel(&t, &ch.type))
		return "variable of void type";
	vec_foreach(&copy.comps, i) {
		const char *err = chain_step(&ch, vec_get(&copy.comps, i), NULL, NULL);
		if (err)
			return err;
	}
	int tag = dwarf_tag(&ch.type);
	if (tag == DW_TAG_pointer_type) {
		Dwarf_Die target, pt;
		if (die_type(&ch.type, &target) && peel(&target, &pt) &&
		    (dwarf_tag(&pt) == DW_TAG_structure_type || dwarf_tag(&pt) == DW_TAG_union_type)) {
			pp_struct(&p, &pt, xsprintf("((uint64_t)%s)", as_value(&ch)));
			*code = xstrdup(buf_cstr(&b));
			buf_free(&b);
			return NULL;
		}
	}
	if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_array_type) &&
	    !ch.loc.is_value) {
		pp_value_at(&p, &ch.type, ch.loc.expr, NULL);
	} else {
		pp_scalar(&p, &ch.type, as_value(&ch), true);
	}
	*code = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return NULL;
}

/* ================================================================ @cast and @var */

/* Named types and global variables, found by scanning the top level of
 * every CU once per build-id and cached beside the function index. */
typedef struct DwNamed {
	const char *name;
	uint64_t die_off;
	int tag;
} DwNamed;

static Vec named;		/* DwNamed*: struct/union/typedef/variable */
static bool named_loaded;

static void load_named(void)
{
	if (named_loaded)
		return;
	named_loaded = true;
	const char *path = xsprintf("%s/cache/dwarf/%s.types", cache_dir(), kern->build_id);
	size_t len;
	char *text = read_file(path, &len);
	if (text && str_startswith(text, "ctap-dwarf-types 1\n")) {
		char *line = text + 19;
		while (*line) {
			char *nl = strchr(line, '\n');
			if (!nl)
				break;
			*nl = '\0';
			DwNamed *e = xalloc(sizeof *e);
			char *tab = strchr(line, '\t');
			char *tab2 = tab ? strchr(tab + 1, '\t') : NULL;
			if (tab && tab2) {
				*tab = *tab2 = '\0';
				e->die_off = strtoull(line, NULL, 16);
				e->tag = atoi(tab + 1);
				e->name = tab2 + 1;
				vec_push(&named, e);
			}
			line = nl + 1;
		}
		return;
	}
	Dwarf_Off off = 0, next;
	size_t hsz;
	while (dwarf_nextcu(kern->dw, off, &next, &hsz, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, child;
		if (dwarf_offdie(kern->dw, off + hsz, &cu) && dwarf_child(&cu, &child) == 0) {
			do {
				int tag = dwarf_tag(&child);
				if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type &&
				    tag != DW_TAG_typedef && tag != DW_TAG_variable)
					continue;
				const char *name = dwarf_diename(&child);
				if (!name || dwarf_hasattr(&child, DW_AT_declaration))
					continue;
				if (tag == DW_TAG_variable && !dwarf_hasattr(&child, DW_AT_location))
					continue;
				DwNamed *e = xalloc(sizeof *e);
				e->name = xstrdup(name);
				e->die_off = dwarf_dieoffset(&child);
				e->tag = tag;
				vec_push(&named, e);
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		off = next;
	}
	const char *tmp;
	FILE *f = cache_create(path, &tmp);
	if (!f)
		return;
	fputs("ctap-dwarf-types 1\n", f);
	vec_foreach(&named, i) {
		DwNamed *e = vec_get(&named, i);
		fprintf(f, "%" PRIx64 "\t%d\t%s\n", e->die_off, e->tag, e->name);
	}
	cache_commit(f, tmp, path);
}

/* The DIE of a struct/union/typedef named like @cast's type argument. */
static bool find_type(const char *spec, Dwarf_Die *out)
{
	const char *name = spec;
	int want = 0;
	if (str_startswith(name, "struct ")) {
		name += 7;
		want = DW_TAG_structure_type;
	} else if (str_startswith(name, "union ")) {
		name += 6;
		want = DW_TAG_union_type;
	}
	load_named();
	DwNamed *typedef_hit = NULL;
	vec_foreach(&named, i) {
		DwNamed *e = vec_get(&named, i);
		if (!str_eq(e->name, name) || e->tag == DW_TAG_variable)
			continue;
		if (e->tag == DW_TAG_typedef) {
			if (!want && !typedef_hit)
				typedef_hit = e;
			continue;
		}
		if (want && e->tag != want)
			continue;
		return dwarf_offdie(kern->dw, e->die_off, out) != NULL;
	}
	return typedef_hit && dwarf_offdie(kern->dw, typedef_hit->die_off, out);
}

static const char *finish_chain(Chain *ch, const Node *n, const char **code)
{
	if (n->addr_of) {
		if (ch->loc.is_value)
			return "cannot take address of object in register";
		*code = xsprintf("(int64_t)%s", ch->loc.expr);
		return NULL;
	}
	int tag = dwarf_tag(&ch->type);
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_array_type) {
		*code = xsprintf("(int64_t)%s", ch->loc.expr);
		return NULL;
	}
	*code = as_value(ch);
	return NULL;
}

/* @cast(ptr, "type")->chain: ptr is a C expression; code reads the chain. */
const char *dw_cast_code(Session *s, Node *n, const char *ptr,
			 const char *(*index_expr)(Node *, void *), void *arg, const char **code)
{
	if (dw_kernel(s, n->tok))
		return "no kernel debuginfo";
	Dwarf_Die t;
	if (!find_type(n->str, &t))
		return xsprintf("type definition '%s' not found in '%s'", n->str, n->name ? n->name : "kernel");
	Chain ch = {0};
	if (!peel(&t, &ch.type))
		return "cannot cast to void";
	ch.loc.is_value = false;
	ch.loc.expr = xsprintf("((uint64_t)%s)", ptr);
	vec_foreach(&n->comps, i) {
		Comp *c = vec_get(&n->comps, i);
		if (i == 0 && (c->kind == COMP_INDEX || (c->kind == COMP_EXPR_INDEX && index_expr))) {
			/* @cast(p, "T")[k]: the k-th T from p, as if p pointed to T */
			const char *idx = c->kind == COMP_INDEX ? xsprintf("%lld", (long long)c->index)
								: index_expr(c->expr, arg);
			Dwarf_Word size = 8;
			if (dwarf_tag(&ch.type) != DW_TAG_pointer_type) {
				complete_type(&ch.type);
				if (dwarf_aggregate_size(&ch.type, &size) != 0)
					return "cannot index an object of unknown size";
			}
			ch.loc.expr = xsprintf("(%s + (uint64_t)(%s) * %llu)", ch.loc.expr, idx,
					       (unsigned long long)size);
			continue;
		}
		if (c->kind == COMP_PRETTY) {
			Buf b = {0};
			Pretty p = { .b = &b, .depth = (int)strlen(c->name) };
			if (dwarf_tag(&ch.type) == DW_TAG_structure_type || dwarf_tag(&ch.type) == DW_TAG_union_type)
				pp_struct(&p, &ch.type, ch.loc.expr);
			else
				pp_value_at(&p, &ch.type, ch.loc.expr, NULL);
			*code = xstrdup(buf_cstr(&b));
			buf_free(&b);
			return "pretty";
		}
		const char *err = chain_step(&ch, c, index_expr, arg);
		if (err)
			return err;
	}
	return finish_chain(&ch, n, code);
}

/* @var("name[@file]")->chain: a kernel global variable. */
const char *dw_atvar_code(Session *s, Node *n, const char *(*index_expr)(Node *, void *), void *arg,
			  const char **code)
{
	if (dw_kernel(s, n->tok))
		return "no kernel debuginfo";
	char *name = xstrdup(n->str);
	char *at = strchr(name, '@');
	if (at)
		*at = '\0';
	load_named();
	Dwarf_Die var;
	bool found = false;
	vec_foreach(&named, i) {
		DwNamed *e = vec_get(&named, i);
		if (e->tag == DW_TAG_variable && str_eq(e->name, name) &&
		    dwarf_offdie(kern->dw, e->die_off, &var)) {
			if (at) {
				const char *file = dwarf_decl_file(&var);
				if (!file || !str_endswith(file, at + 1))
					continue;
			}
			found = true;
			break;
		}
	}
	if (!found)
		return xsprintf("unable to find global '%s' in kernel", name);
	LocCtx lc = { .pc = 0, .at_entry = false, .func = NULL };
	Chain ch = {0};
	ch.loc = var_location(&var, &lc);
	if (ch.loc.err)
		return ch.loc.err;
	Dwarf_Die t;
	if (!die_type(&var, &t) || !peel(&t, &ch.type))
		return "variable of void type";
	vec_foreach(&n->comps, i) {
		const char *err = chain_step(&ch, vec_get(&n->comps, i), index_expr, arg);
		if (err)
			return err;
	}
	return finish_chain(&ch, n, code);
}

/* ---- tracepoints (probe_trace.c) */

/*
 * Tracepoints from DWARF.  Since 5.10 every tracepoint NAME has a function
 * `__traceiter_NAME(void *__data, ARGS)`: its parameters after the first
 * are the tracepoint's arguments, by name and type.  Its system (the
 * TRACE_SYSTEM of its header) is not in its DIE; the compilation unit that
 * instantiated the header defines `str__SYSTEM__trace_system_name`: the
 * header's file name when it is one of these (a unit may instantiate
 * several headers), else the unit's only one, else the file name.
 */

static int cmp_tracepoint(const void *a, const void *b)
{
	const DwTracepoint *x = *(DwTracepoint *const *)a, *y = *(DwTracepoint *const *)b;
	int c = strcmp(x->system, y->system);
	return c ? c : strcmp(x->name, y->name);
}

static int cmp_unit(const void *a, const void *b)
{
	const DwFunc *x = *(DwFunc *const *)a, *y = *(DwFunc *const *)b;
	return x->cu_off < y->cu_off ? -1 : x->cu_off > y->cu_off;
}

/* The systems named by str__SYSTEM__trace_system_name in the unit at cu_off. */
static void unit_systems(uint64_t cu_off, Vec *out)
{
	static const char prefix[] = "str__", suffix[] = "__trace_system_name";
	Dwarf_Die cu, child;
	if (!dwarf_offdie(kern->dw, cu_off, &cu) || dwarf_child(&cu, &child) != 0)
		return;
	do {
		const char *n = dwarf_diename(&child);
		if (dwarf_tag(&child) != DW_TAG_variable || !n || !str_startswith(n, prefix) ||
		    !str_endswith(n, suffix) || strlen(n) <= sizeof prefix + sizeof suffix - 2)
			continue;
		vec_push(out, xstrndup(n + sizeof prefix - 1, strlen(n) - (sizeof prefix + sizeof suffix - 2)));
	} while (dwarf_siblingof(&child, &child) == 0);
}

static const char *tracepoint_system(DwFunc *iter, uint64_t *last_cu, Vec *systems)
{
	if (iter->cu_off != *last_cu) {
		*systems = (Vec){0};
		unit_systems(iter->cu_off, systems);
		*last_cu = iter->cu_off;
	}
	const char *base = strrchr(iter->decl_file, '/');
	base = base ? base + 1 : iter->decl_file;
	char *file = xstrdup(base);
	char *dot = strrchr(file, '.');
	if (dot)
		*dot = '\0';
	vec_foreach(systems, i)
		if (str_eq(vec_get(systems, i), file))
			return file;
	return systems->len == 1 ? vec_get(systems, 0) : file;
}

/* The tracepoint list is cached beside the function index (BUILDID.tp:
 * system, name and the __traceiter_ function's index fields a line), so
 * a script naming tracepoints reads neither the 10 MB index nor the units
 * that name the systems. */
static const char tp_magic[] = "ctap-tracepoints 1\n";

static bool load_tracepoints(const char *path, Vec *all)
{
	char *text = read_file(path, NULL);
	if (!text || !str_startswith(text, tp_magic))
		return false;
	for (char *p = text + sizeof tp_magic - 1, *nl; *p && (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		char *fields[7];
		if (split_tabs(p, fields, 7) != 7)
			return false;
		DwTracepoint *tp = xalloc(sizeof *tp);
		DwFunc *f = xalloc(sizeof *f);
		tp->system = fields[0];
		f->name = xsprintf("__traceiter_%s", fields[1]);
		tp->name = f->name + strlen("__traceiter_");
		f->low_pc = hex_field(fields[2]);
		f->cu_off = hex_field(fields[3]);
		f->die_off = hex_field(fields[4]);
		f->decl_line = atoi(fields[5]);
		f->decl_file = fields[6];
		tp->iter = f;
		vec_push(all, tp);
	}
	return all->len > 0;
}

static void save_tracepoints(const char *path, Vec *all)
{
	const char *tmp;
	FILE *f = cache_create(path, &tmp);
	if (!f)
		return;
	fputs(tp_magic, f);
	vec_foreach(all, i) {
		DwTracepoint *tp = vec_get(all, i);
		DwFunc *d = tp->iter;
		fprintf(f, "%s\t%s\t%" PRIx64 "\t%" PRIx64 "\t%" PRIx64 "\t%d\t%s\n", tp->system, tp->name,
			d->low_pc, d->cu_off, d->die_off, d->decl_line, d->decl_file);
	}
	cache_commit(f, tmp, path);
}

Vec *dw_tracepoints(Session *s)
{
	static Vec all;
	static bool done;
	if (done || !kern)
		return &all;
	done = true;
	const char *tpath = xsprintf("%s/cache/dwarf/%s.tp", cache_dir(), kern->build_id);
	if (load_tracepoints(tpath, &all))
		return &all;
	all = (Vec){0};
	Vec iters = {0};
	dw_functions(s, "__traceiter_*", NULL, &iters);
	vec_sort(&iters, cmp_unit);	/* each unit scanned once */
	uint64_t last_cu = 0;
	Vec systems = {0};
	vec_foreach(&iters, i) {
		DwFunc *f = vec_get(&iters, i);
		DwTracepoint *tp = xalloc(sizeof *tp);
		tp->name = f->name + strlen("__traceiter_");
		tp->system = tracepoint_system(f, &last_cu, &systems);
		tp->iter = f;
		vec_push(&all, tp);
	}
	vec_sort(&all, cmp_tracepoint);
	if (all.len) {
		mkdirs(xsprintf("%s/cache/dwarf", cache_dir()));
		save_tracepoints(tpath, &all);
	}
	return &all;
}

/* The index-th formal parameter of f. */
static bool nth_param(DwFunc *f, int index, Dwarf_Die *out)
{
	Dwarf_Die fd;
	if (!func_die(f, &fd) || dwarf_child(&fd, out) != 0)
		return false;
	int k = 0;
	do {
		if (dwarf_tag(out) == DW_TAG_formal_parameter && k++ == index)
			return true;
	} while (dwarf_siblingof(out, out) == 0);
	return false;
}

void dw_params(Session *s, DwFunc *f, Vec *out)
{
	Dwarf_Die p;
	for (int i = 0; nth_param(f, i, &p); i++) {
		DwParam *dp = xalloc(sizeof *dp);
		const char *name = dwarf_diename(&p);
		dp->name = name ? xstrdup(name) : xsprintf("arg%d", i + 1);
		dp->type = type_text(&p);
		Dwarf_Die t, pt;
		Dwarf_Word size = 8;
		if (die_type(&p, &t) && peel(&t, &pt)) {
			int tag = dwarf_tag(&pt);
			if (tag != DW_TAG_pointer_type)
				dwarf_aggregate_size(&pt, &size);
			/* what one integer register carries (SysV x86-64) */
			dp->scalar = tag != DW_TAG_array_type && size <= 8;
		}
		vec_push(out, dp);
	}
}

/* Parameter `index` of f whose value is the C expression `value` (a
 * uint64_t as the register carrying it held it), then n's member chain:
 * the C expression of the result, or an error. */
const char *dw_param_code(Session *s, DwFunc *f, int index, const char *value, Node *n,
			  const char *(*index_expr)(Node *, void *), void *arg, const char **code)
{
	Dwarf_Die p, t;
	Chain ch = { .loc = { .is_value = true, .expr = value } };
	if (!nth_param(f, index, &p))
		return "parameter DIE not found";
	if (!die_type(&p, &t) || !peel(&t, &ch.type))
		return "parameter of void type";
	int tag = dwarf_tag(&ch.type);
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
		/* a small struct passed by value: its bytes are the word's */
		ch.loc.is_value = false;
		ch.loc.expr = xsprintf("((uint64_t)&%s)", value);
	}
	vec_foreach(&n->comps, i) {
		const char *err = chain_step(&ch, vec_get(&n->comps, i), index_expr, arg);
		if (err)
			return err;
	}
	tag = dwarf_tag(&ch.type);
	if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_array_type) {
		if (ch.loc.is_value)
			return "struct/union value in a register cannot be used";
		*code = xsprintf("(int64_t)%s", ch.loc.expr);	/* an aggregate's address */
		return NULL;
	}
	*code = as_value(&ch);
	return NULL;
}

/* The value a chain names, expanded (`$p$`): a struct pointed to, an
 * aggregate in memory, else the scalar. */
static void pretty_chain_value(Pretty *p, Chain *ch)
{
	int tag = dwarf_tag(&ch->type);
	Dwarf_Die target, pt;
	if (tag == DW_TAG_pointer_type && die_type(&ch->type, &target) && peel(&target, &pt) &&
	    (dwarf_tag(&pt) == DW_TAG_structure_type || dwarf_tag(&pt) == DW_TAG_union_type))
		pp_struct(p, &pt, xsprintf("((uint64_t)%s)", as_value(ch)));
	else if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_array_type) &&
		 !ch->loc.is_value)
		pp_value_at(p, &ch->type, ch->loc.expr, NULL);
	else
		pp_scalar(p, &ch->type, as_value(ch), true);
}

/* Pretty printing over the parameters of f from index `first` on, whose
 * values are the uint64_t C expressions printf(word, index - first):
 * $$parms/$$vars ("a=0x1 b=0x..."; $ and $$ suffixes expand by type), or
 * `$name->chain$`.  Statements formatting into the stp_out `o`. */
const char *dw_params_pretty(Session *s, DwFunc *f, int first, const char *word, Node *n, const char **code)
{
	Vec chain = {0};
	int dollars = 0;
	vec_foreach(&n->comps, i) {
		Comp *c = vec_get(&n->comps, i);
		if (c->kind == COMP_PRETTY)
			dollars = (int)strlen(c->name);
		else
			vec_push(&chain, c);
	}
	Buf b = {0};
	Pretty p = { .b = &b, .depth = dollars };
	Dwarf_Die par, t;
	bool all = str_startswith(n->name, "$$");
	for (int i = first; nth_param(f, i, &par); i++) {
		const char *name = dwarf_diename(&par);
		if (!all && (!name || !str_eq(name, n->name + 1)))
			continue;
		Chain ch = { .loc = { .is_value = true, .expr = xsprintf(word, i - first) } };
		if (all)
			pp_lit(&p, xsprintf("%s%s=", i > first ? " " : "", name ? name : "?"));
		if (!die_type(&par, &t) || !peel(&t, &ch.type)) {
			pp_lit(&p, "?");
			continue;
		}
		int tag = dwarf_tag(&ch.type);
		if (all && (tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_array_type)) {
			pp_lit(&p, "{...}");	/* held by value */
			continue;
		}
		if (all) {
			pp_scalar(&p, &ch.type, as_value(&ch), dollars > 0);
			continue;
		}
		vec_foreach(&chain, k) {
			const char *err = chain_step(&ch, vec_get(&chain, k), NULL, NULL);
			if (err)
				return err;
		}
		pretty_chain_value(&p, &ch);
		break;
	}
	*code = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return NULL;
}

/* ---- modules (probe_stmt.c) */

/*
 * Statement probes and kernel modules.
 *
 * Lines: a function's line records are those of its own source file, at
 * or after its declaration, inside its address ranges (inlined callees'
 * lines are other files or earlier lines).  A line probes at the lowest
 * address any of its records has, as SystemTap 4.8 does.
 *
 * Modules: the -dbg package's NAME.ko under /usr/lib/debug/lib/modules/KVER
 * is a relocatable ELF holding only debug sections.  libdwfl lays it out
 * offline and applies its relocations, which gives DWARF, CFI and symbols
 * in one address space; the function index is then built and cached as
 * for vmlinux.  A module's DwKernel is made current with dw_module_select()
 * so that every lookup above works on it unchanged; probes on it register
 * as "module:symbol+offset", so its load address never matters here.
 * Global variables of modules (DW_OP_addr) are not relocated to where the
 * module is loaded: reading them is not supported.
 */
#include <elfutils/libdwfl.h>
#include <dirent.h>

struct DwModule {
	const char *name;		/* "loop" (the kernel's spelling: '_' not '-') */
	const char *path;		/* its debug file */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	DwKernel *k;			/* its DWARF, CFI and function index */
};

static DwKernel *kern_vmlinux;		/* kern while no module is selected */
static Vec modules;			/* DwModule* opened so far */
static Vec module_files;		/* const char*: every NAME.ko found, path */
static bool module_files_scanned;

static bool is_module_kernel(DwKernel *k)
{
	vec_foreach(&modules, i)
		if (((DwModule *)vec_get(&modules, i))->k == k)
			return true;
	return false;
}

void *dw_module_select(DwModule *m)
{
	DwKernel *old = kern;
	if (kern && !is_module_kernel(kern))
		kern_vmlinux = kern;
	kern = m ? m->k : kern_vmlinux;
	return old;
}

void dw_module_restore(void *prev)
{
	kern = prev;
}

static void module_key(char *name)
{
	for (char *p = name; *p; p++)
		if (*p == '-')
			*p = '_';
}

static void scan_module_dir(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		const char *path = xsprintf("%s/%s", dir, e->d_name);
		if (str_endswith(e->d_name, ".ko")) {
			vec_push(&module_files, path);
			continue;
		}
		struct stat st;
		if (depth < 12 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			scan_module_dir(path, depth + 1);
	}
	closedir(d);
}

/* The debug file of module `name`: NAME.ko with '-' and '_' alike. */
static const char *module_debug_file(Session *s, const char *name)
{
	if (!module_files_scanned) {
		module_files_scanned = true;
		const char *rel = s->kernel.release;
		scan_module_dir(xsprintf("/usr/lib/debug/lib/modules/%s/kernel", rel), 0);
		scan_module_dir(xsprintf("/usr/lib/debug/lib/modules/%s/updates", rel), 0);
		scan_module_dir(xsprintf("/lib/modules/%s/kernel", rel), 0);
	}
	char *want = xstrdup(name);
	module_key(want);
	vec_foreach(&module_files, i) {
		const char *path = vec_get(&module_files, i);
		const char *base = strrchr(path, '/') + 1;
		char *key = xstrndup(base, strlen(base) - 3);
		module_key(key);
		if (str_eq(key, want))
			return path;
	}
	return NULL;
}

void dw_module_names(Session *s, const char *pattern, Vec *out)
{
	(void)module_debug_file(s, "");
	vec_foreach(&module_files, i) {
		const char *path = vec_get(&module_files, i);
		const char *base = strrchr(path, '/') + 1;
		char *key = xstrndup(base, strlen(base) - 3);
		module_key(key);
		if (wildcard_match(pattern, key)) {
			bool dup = false;
			vec_foreach(out, k)
				if (str_eq(vec_get(out, k), key))
					dup = true;
			if (!dup)
				vec_push(out, key);
		}
	}
}

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

static DwModule *open_dwmodule(Session *s, const char *key, const char *path, bool user);

/* path with '/' as '_': a file name */
static const char *path_key(const char *path)
{
	char *k = xstrdup(path);
	for (char *p = k; *p; p++)
		if (*p == '/')
			*p = '_';
	return k;
}

bool dw_module_known(Session *s, const char *name)
{
	return module_debug_file(s, name) != NULL;
}

DwModule *dw_module(Session *s, const char *name, const Tok *at)
{
	char *key = xstrdup(name);
	module_key(key);
	vec_foreach(&modules, i) {
		DwModule *m = vec_get(&modules, i);
		if (str_eq(m->name, key))
			return m;
	}
	if (kernel_resolve(s, false))
		return NULL;
	const char *path = module_debug_file(s, key);
	if (!path) {
		/* SystemTap's warning, then the caller's "no match" */
		warn_plain("cannot find module %s debuginfo: No DWARF information found [man warning::debuginfo] "
			   "(scripts/setup.sh extracts the modules' from linux-image-%s-dbg into "
			   "/usr/lib/debug/lib/modules/%s)", name, s->kernel.release, s->kernel.release);
		return NULL;
	}
	DwModule *m = open_dwmodule(s, key, path, false);
	if (!m) {
		error_tok(at, "cannot read debuginfo %s of module '%s': %s", path, name, dwfl_errmsg(-1));
		return NULL;
	}
	return m;
}

/* A program or shared library (process("PATH") probes): its DWARF is in
 * the file or a separate debug file found by build-id
 * (/usr/lib/debug/.build-id: Debian's -dbg and -dbgsym packages). */
DwModule *dw_user(Session *s, const char *path)
{
	vec_foreach(&modules, i) {
		DwModule *m = vec_get(&modules, i);
		if (m->k->user && str_eq(m->name, path))
			return m;
	}
	DwModule *m = open_dwmodule(s, path, path, true);
	if (!m)
		warn_plain("cannot find module %s debuginfo: No DWARF information found [man warning::debuginfo]", path);
	return m;
}

/* A file's DwModule (NULL: it has no DWARF), its index loaded. */
static DwModule *open_dwmodule(Session *s, const char *key, const char *path, bool user)
{
	elf_version(EV_CURRENT);
	DwModule *m = xalloc(sizeof *m);
	m->name = key;
	m->path = path;
	m->dwfl = dwfl_begin(&offline_callbacks);
	m->mod = m->dwfl ? dwfl_report_offline(m->dwfl, key, path, -1) : NULL;
	Dwarf_Addr bias = 0;
	DwKernel *k = xalloc(sizeof *k);
	k->path = path;
	k->fd = -1;
	k->user = user;
	if (m->mod) {
		dwfl_report_end(m->dwfl, NULL, NULL);
		k->dw = dwfl_module_getdwarf(m->mod, &bias);
		k->elf = dwfl_module_getelf(m->mod, &bias);
	}
	if (!k->dw)
		return NULL;
	Dwarf_Addr cfi_bias;
	k->cfi = dwfl_module_dwarf_cfi(m->mod, &cfi_bias);
	if (!k->cfi)
		k->cfi = dwfl_module_eh_cfi(m->mod, &cfi_bias);
	const unsigned char *id;
	GElf_Addr id_vaddr;
	int n = dwfl_module_build_id(m->mod, &id, &id_vaddr);
	Buf b = {0};
	for (int i = 0; i < n; i++)
		buf_printf(&b, "%02x", id[i]);
	k->build_id = xstrdup(n > 0 ? buf_cstr(&b) : xsprintf("%s-%s", s->kernel.release, path_key(key)));
	buf_free(&b);
	m->k = k;
	k->index_path = xsprintf("%s/cache/dwarf/%s%s.idx", cache_dir(), k->build_id, user ? "-u" : "");
	kindex(k);	/* a module's index is small: read at once */
	vec_push(&modules, m);
	return m;
}

const char *dw_module_name(DwModule *m)
{
	return m->name;
}

/* The functions (of the selected DWARF, m's) that m's ELF symbols
 * matching pat start, added to out: malloc is __libc_malloc's other name.
 * With nodwarf, also the symbols (DwSymRef*) that start no DWARF
 * function: _start, _init. */
void dw_user_symbol_funcs(Session *s, DwModule *m, const char *pat, Vec *out, Vec *nodwarf)
{
	int n = dwfl_module_getsymtab(m->mod);
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(m->mod, i, &sym, &addr, &shndx, NULL, NULL);
		if (!name || GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF)
			continue;
		char *plain = xstrndup(name, strcspn(name, "@"));
		if (!wildcard_match(pat, plain))
			continue;
		DwFunc *f = dw_func_at(s, sym.st_value);
		if (!f || f->low_pc != sym.st_value) {
			if (!nodwarf)
				continue;
			bool seen = false;
			vec_foreach(nodwarf, k)
				seen |= ((DwSymRef *)vec_get(nodwarf, k))->addr == sym.st_value;
			if (seen)
				continue;
			DwSymRef *ds = xalloc(sizeof *ds);
			ds->name = plain;
			ds->addr = sym.st_value;
			vec_push(nodwarf, ds);
			continue;
		}
		bool dup = false;
		vec_foreach(out, k)
			dup |= vec_get(out, k) == f;
		if (!dup)
			vec_push(out, f);
	}
}

static bool elf_file_offset(Dwfl_Module *mod, uint64_t addr, uint64_t *off);

static int cmp_usym(const void *a, const void *b)
{
	const DwUSym *x = *(DwUSym *const *)a, *y = *(DwUSym *const *)b;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	if (x->global != y->global)
		return x->global ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The function symbols of a program or library (its symbol table, or its
 * debug file's, else its dynamic symbols) by file offset, one per
 * offset: a global name before a local one.  False if it is no ELF file. */
bool dw_file_symbols(const char *path, Vec *out)
{
	Dwfl *dwfl = NULL;
	Dwfl_Module *mod = NULL;
	vec_foreach(&modules, i) {	/* a probed file's, open already */
		DwModule *m = vec_get(&modules, i);
		if (m->k->user && str_eq(m->name, path))
			mod = m->mod;
	}
	if (!mod) {
		elf_version(EV_CURRENT);
		dwfl = dwfl_begin(&offline_callbacks);
		mod = dwfl ? dwfl_report_offline(dwfl, path, path, -1) : NULL;
		if (!mod) {
			if (dwfl)
				dwfl_end(dwfl);
			return false;
		}
		dwfl_report_end(dwfl, NULL, NULL);
	}
	Vec all = {0};
	int n = dwfl_module_getsymtab(mod);
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr, &shndx, NULL, NULL);
		uint64_t off;
		if (!name || !*name || GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
		    !elf_file_offset(mod, sym.st_value, &off))
			continue;
		DwUSym *u = xalloc(sizeof *u);
		u->off = off;
		u->size = sym.st_size;
		u->name = xstrndup(name, strcspn(name, "@"));
		u->global = GELF_ST_BIND(sym.st_info) != STB_LOCAL;
		vec_push(&all, u);
	}
	vec_sort(&all, cmp_usym);
	vec_foreach(&all, i) {
		DwUSym *u = vec_get(&all, i);
		if (out->len && ((DwUSym *)vec_get(out, out->len - 1))->off == u->off)
			continue;
		vec_push(out, u);
	}
	if (dwfl)
		dwfl_end(dwfl);
	return true;
}

/* The file offset of a program's or library's address (what uprobes
 * take), from its loadable segments; false if none holds it. */
bool dw_user_offset(DwModule *m, uint64_t addr, uint64_t *off)
{
	return elf_file_offset(m->mod, addr, off);
}

static bool elf_file_offset(Dwfl_Module *mod, uint64_t addr, uint64_t *off)
{
	size_t n;
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	if (!elf || elf_getphdrnum(elf, &n) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_filesz) {
			*off = addr - ph.p_vaddr + ph.p_offset;
			return true;
		}
	}
	return false;
}

/* The ELF symbol holding addr (a DWARF address of m) and addr's offset
 * in it; NULL when none does. */
const char *dw_module_symbol(DwModule *m, uint64_t addr, uint64_t *off)
{
	GElf_Off o = 0;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(m->mod, addr, &o, &sym, NULL, NULL, NULL);
	*off = o;
	return name ? xstrdup(name) : NULL;
}

/* ---- lines (probe_stmt.c) */

static int cmp_line(const void *a, const void *b)
{
	const DwLine *x = *(DwLine *const *)a, *y = *(DwLine *const *)b;
	return x->line - y->line;
}

/* The source lines of f with their lowest addresses, by line. */
void dw_func_lines(Session *s, DwFunc *f, Vec *out)
{
	Dwarf_Die cu, fd;
	Dwarf_Lines *lines;
	size_t nlines;
	if (!dwarf_offdie(kern->dw, f->cu_off, &cu) || !func_die(f, &fd) ||
	    dwarf_getsrclines(&cu, &lines, &nlines) != 0)
		return;
	const char *file = dwarf_decl_file(&fd);
	int decl = f->decl_line;
	Vec found = {0};
	for (size_t i = 0; i < nlines; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr a;
		int ln;
		bool end = false;
		const char *src = dwarf_linesrc(l, NULL, NULL);
		if (dwarf_lineaddr(l, &a) != 0 || dwarf_lineno(l, &ln) != 0 || ln < decl)
			continue;
		dwarf_lineendsequence(l, &end);
		if (end || !src || !file || !str_eq(src, file) || dwarf_haspc(&fd, a) != 1)
			continue;
		DwLine *hit = NULL;
		vec_foreach(&found, k) {
			DwLine *e = vec_get(&found, k);
			if (e->line == ln)
				hit = e;
		}
		if (!hit) {
			hit = xalloc(sizeof *hit);
			hit->line = ln;
			hit->addr = a;
			vec_push(&found, hit);
		} else if (a < hit->addr) {
			hit->addr = a;
		}
	}
	vec_sort(&found, cmp_line);
	vec_foreach(&found, i)
		vec_push(out, vec_get(&found, i));
}

/* Where f's prologue ends, for entry probes of programs: unoptimized code
 * (no -O in the compilation unit's producer, or -O0) keeps its parameters
 * in stack slots its prologue fills, so the probe goes to the first line
 * record after the entry, as SystemTap's does; elsewhere the entry. */
uint64_t dw_prologue_end(Session *s, DwFunc *f)
{
	Dwarf_Die cu;
	Dwarf_Attribute a;
	if (!dwarf_offdie(kern->dw, f->cu_off, &cu))
		return f->low_pc;
	const char *producer = dwarf_formstring(dwarf_attr(&cu, DW_AT_producer, &a));
	const char *o = producer ? strstr(producer, " -O") : NULL;
	if (o && o[3] != '0')
		return f->low_pc;
	Vec lines = {0};
	dw_func_lines(s, f, &lines);
	uint64_t best = 0;
	vec_foreach(&lines, i) {
		DwLine *l = vec_get(&lines, i);
		if (l->addr > f->low_pc && (!best || l->addr < best))
			best = l->addr;
	}
	return best ? best : f->low_pc;
}

/* The function whose code holds pc, or NULL. */
DwFunc *dw_func_at(Session *s, uint64_t pc)
{
	DwFunc *best = NULL;
	vec_foreach(&kindex(kern)->funcs, i) {
		DwFunc *f = vec_get(&kindex(kern)->funcs, i);
		if (f->low_pc <= pc && (!best || f->low_pc > best->low_pc))
			best = f;
	}
	Dwarf_Die fd;
	if (best && func_die(best, &fd) && dwarf_haspc(&fd, pc) == 1)
		return best;
	/* a function in several pieces (.cold parts): any that covers pc */
	vec_foreach(&kindex(kern)->funcs, i) {
		DwFunc *f = vec_get(&kindex(kern)->funcs, i);
		if (func_die(f, &fd) && dwarf_haspc(&fd, pc) == 1)
			return f;
	}
	return NULL;
}

static bool has_location_at(Dwarf_Die *var, uint64_t pc)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;
	if (dwarf_hasattr_integrate(var, DW_AT_const_value))
		return true;
	return dwarf_attr_integrate(var, DW_AT_location, &a) &&
	       dwarf_getlocation_addr(&a, pc, &ops, &n, 1) > 0;
}

static void vars_of_scope(Dwarf_Die *scope, uint64_t pc, Buf *out)
{
	Dwarf_Die child;
	if (dwarf_child(scope, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		const char *name = dwarf_diename(&child);
		if (!name || (tag != DW_TAG_formal_parameter && tag != DW_TAG_variable))
			continue;
		if (has_location_at(&child, pc))
			buf_printf(out, " $%s:%s", name, type_text(&child));
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* -L at pc: " $a:int ..." for the variables of f readable there: its
 * parameters and locals, then those of the blocks holding pc, outer
 * first (not those of functions inlined there). */
void dw_vars_at_text(Session *s, DwFunc *f, uint64_t pc, Buf *out)
{
	Dwarf_Die cu, fd;
	if (!dwarf_offdie(kern->dw, f->cu_off, &cu) || !func_die(f, &fd))
		return;
	vars_of_scope(&fd, pc, out);
	Dwarf_Die *scopes;
	int n = dwarf_getscopes(&cu, pc, &scopes);
	if (n <= 0)
		return;
	int fi = -1;
	for (int i = 0; i < n; i++)
		if (dwarf_dieoffset(&scopes[i]) == dwarf_dieoffset(&fd))
			fi = i;
	/* scopes run from the innermost out: the blocks inside f, outer first */
	for (int i = fi - 1; i >= 0; i--) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_inlined_subroutine)
			break;
		if (tag == DW_TAG_lexical_block)
			vars_of_scope(&scopes[i], pc, out);
	}
	free(scopes);
}

/* Call frame information for pcs other than a function's entry: vmlinux
 * has no .eh_frame, only .debug_frame. */
void dw_ensure_cfi(void)
{
	if (kern && !kern->cfi)
		kern->cfi = dwarf_getcfi(kern->dw);
}
