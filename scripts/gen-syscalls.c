/* gen-syscalls.c - write the syscall tapsets from the kernel's own syscall
 * metadata.
 *
 * Three inputs, all from the target kernel or this tree:
 *
 *   - the x86_64 syscall table of its headers: arch/x86/include/generated/
 *     asm/syscalls_64.h (number -> entry point, "sys_newstat") and
 *     uapi/asm/unistd_64.h (number -> user-visible name, "stat");
 *   - the `__syscall_meta__NAME` records SYSCALL_DEFINEn leaves in vmlinux
 *     for ftrace (CONFIG_FTRACE_SYSCALLS): each names the parameters and
 *     spells their C types, exactly as the kernel source declares them;
 *   - scripts/syscalls.spec: what a machine cannot guess - SystemTap's
 *     alias and variable names where they differ from the kernel's,
 *     decoded `_str` variables, and whole hand-tuned bodies for the
 *     syscalls scripts use most.
 *
 * Output: tapset/linux/syscalls.stp (syscall.NAME[.return] probing
 * kernel.function("__x64_sys_NAME") and reading the arguments from the
 * user registers the wrapper receives, $regs; a kprobe on the same symbol
 * where the DWARF lacks the function), tapset/linux/nd_syscalls.stp
 * (the same bodies on kprobe.function, arguments through __nd_arg(N)) and
 * tapset/linux/syscall_table.stp (names by number, for syscall_any).
 *
 * A body is written once with placeholders: @1..@6 stand for the raw
 * 64-bit argument registers (di, si, dx, r10, r8, r9) and @ret for the
 * return value; each flavour substitutes its own way to read them.  In
 * nd_syscall return probes the arguments read as 0 (unknown) for now:
 * the translator has no @entry() for kprobe.function returns yet.
 * Integer parameters are narrowed to their C type (an `int` fd of -1 must
 * read as -1, whatever the upper half of the register holds).
 *
 * Build and run through scripts/gen-syscalls.sh; the output is committed,
 * so the translator never needs the kernel's DWARF or this program to run
 * scripts.  Everything here is a batch job: memory is never freed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXARGS 6
#define MAXSC 1024

enum kind {
	K_S32,		/* int, pid_t, ... */
	K_U32,		/* unsigned int, uid_t, ... */
	K_U16,		/* umode_t */
	K_S64,		/* long, loff_t */
	K_U64,		/* unsigned long, size_t */
	K_PTR,		/* a user pointer */
	K_STR,		/* a user pointer to a NUL-terminated string */
};

struct arg {
	const char *ctype;	/* as the kernel spells it: "const char *" */
	const char *kname;	/* the kernel's parameter name */
	const char *var;	/* the tapset variable (after renames) */
	const char *uaddr;	/* strings: the address variable, if renamed */
	bool plain;		/* a pointer named without the _uaddr suffix */
	enum kind kind;
};

struct hand {			/* a hand-written body from the spec */
	char *text;
};

struct sc {
	int nr;
	const char *kname;	/* unistd name: "stat" */
	const char *entry;	/* entry point: "sys_newstat" */
	const char *alias;	/* syscall.ALIAS */
	const char *namevar;	/* the `name` variable */
	int nargs;
	bool have_meta;
	struct arg args[MAXARGS];
	char *adds;		/* extra assignments ("\tv = expr\n"...) */
	const char *retfmt;	/* return_str format: "1" decimal, "2" hex */
	const char *dwpoint;	/* kernel.function("...") of the DWARF probes, if not the entry */
	struct hand entry_body, return_body;
	bool skip;
};

static struct sc scs[MAXSC];
static int nscs;
static const char *progname = "gen-syscalls";

/* ================================================================ helpers */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static char *xstrdup(const char *s)
{
	char *r = strdup(s);
	if (!r)
		die("out of memory");
	return r;
}

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *r;
	va_start(ap, fmt);
	if (vasprintf(&r, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return r;
}

/* Append to a malloc'd string. */
static void append(char **s, const char *fmt, ...)
{
	va_list ap;
	char *more;
	va_start(ap, fmt);
	if (vasprintf(&more, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	char *r = xasprintf("%s%s", *s ? *s : "", more);
	free(*s);
	free(more);
	*s = r;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	return buf;
}

static struct sc *by_kname(const char *kname)
{
	for (int i = 0; i < nscs; i++)
		if (!strcmp(scs[i].kname, kname))
			return &scs[i];
	return NULL;
}

static struct sc *by_entry(const char *entry)
{
	for (int i = 0; i < nscs; i++)
		if (!strcmp(scs[i].entry, entry))
			return &scs[i];
	return NULL;
}

/* ================================================================ the table */

/* __SYSCALL(NR, sys_ENTRY) lines and #define __NR_NAME NR lines. */
static void read_table(const char *hdrs)
{
	char *tbl = read_text(xasprintf("%s/arch/x86/include/generated/asm/syscalls_64.h", hdrs));
	char *uni = read_text(xasprintf("%s/arch/x86/include/generated/uapi/asm/unistd_64.h", hdrs));
	const char *names[MAXSC] = { 0 };

	for (char *l = strtok(uni, "\n"); l; l = strtok(NULL, "\n")) {
		char name[128];
		int nr;
		if (sscanf(l, "#define __NR_%127s %d", name, &nr) == 2 && nr >= 0 && nr < MAXSC)
			names[nr] = xstrdup(name);
	}
	for (char *l = strtok(tbl, "\n"); l; l = strtok(NULL, "\n")) {
		char entry[128];
		int nr;
		if (sscanf(l, "__SYSCALL(%d, %127[a-z0-9_])", &nr, entry) != 2 || nr < 0 || nr >= MAXSC)
			continue;
		if (!strcmp(entry, "sys_ni_syscall") || !names[nr])
			continue;	/* a hole in the table */
		struct sc *s = &scs[nscs++];
		s->nr = nr;
		s->kname = names[nr];
		s->entry = xstrdup(entry);
		s->alias = s->kname;
		s->namevar = s->kname;
		s->retfmt = "1";
	}
	if (!nscs)
		die("no syscalls in %s", hdrs);
}

/* ================================================================ vmlinux metadata */

static Elf *elf;

/* The bytes at a link-time address of vmlinux. */
static const void *at(uint64_t addr)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || !sh.sh_addr)
			continue;
		if (addr >= sh.sh_addr && addr < sh.sh_addr + sh.sh_size) {
			Elf_Data *d = elf_getdata(scn, NULL);
			return d ? (const char *)d->d_buf + (addr - sh.sh_addr) : NULL;
		}
	}
	return NULL;
}

static const char *str_at(uint64_t addr)
{
	const char *s = at(addr);
	if (!s)
		die("vmlinux: no string at %#llx", (unsigned long long)addr);
	return s;
}

/* struct syscall_metadata { const char *name; int syscall_nr; int nb_args;
 * const char **types; const char **args; ... }: its first five fields. */
static void read_meta_record(uint64_t addr)
{
	const unsigned char *m = at(addr);
	uint64_t name, types, args;
	int32_t nb;
	if (!m)
		return;
	memcpy(&name, m, 8);
	memcpy(&nb, m + 12, 4);
	memcpy(&types, m + 16, 8);
	memcpy(&args, m + 24, 8);
	struct sc *s = by_entry(str_at(name));
	if (!s)
		return;		/* not in the x86_64 table (compat, 16-bit uids) */
	if (nb < 0 || nb > MAXARGS)
		die("%s: %d arguments", s->entry, nb);
	s->nargs = nb;
	s->have_meta = true;
	const uint64_t *tv = at(types), *av = at(args);
	for (int i = 0; i < nb; i++) {
		s->args[i].ctype = str_at(tv[i]);
		s->args[i].kname = str_at(av[i]);
	}
}

static void read_meta(const char *vmlinux)
{
	elf_version(EV_CURRENT);
	int fd = open(vmlinux, O_RDONLY);
	if (fd < 0)
		die("%s: %s", vmlinux, strerror(errno));
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		die("%s: %s", vmlinux, elf_errmsg(-1));
	Elf_Scn *scn = NULL;
	int found = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)i, &sym))
				continue;
			const char *n = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (n && !strncmp(n, "__syscall_meta__", 16)) {
				read_meta_record(sym.st_value);
				found++;
			}
		}
	}
	if (!found)
		die("%s: no __syscall_meta__ records (needs CONFIG_FTRACE_SYSCALLS and a symbol table)", vmlinux);
}

/* ================================================================ C types */

static const struct {
	const char *ctype;
	enum kind kind;
} type_table[] = {
	{ "int", K_S32 }, { "const int", K_S32 }, { "pid_t", K_S32 }, { "__s32", K_S32 },
	{ "key_t", K_S32 }, { "timer_t", K_S32 }, { "mqd_t", K_S32 }, { "clockid_t", K_S32 },
	{ "const clockid_t", K_S32 }, { "key_serial_t", K_S32 }, { "rwf_t", K_S32 },
	{ "const enum landlock_rule_type", K_S32 },
	{ "unsigned int", K_U32 }, { "unsigned", K_U32 }, { "u32", K_U32 }, { "__u32", K_U32 },
	{ "const __u32", K_U32 }, { "uid_t", K_U32 }, { "gid_t", K_U32 }, { "qid_t", K_U32 },
	{ "umode_t", K_U16 }, { "old_uid_t", K_U16 }, { "old_gid_t", K_U16 },
	{ "long", K_S64 }, { "loff_t", K_S64 }, { "off_t", K_S64 },
	{ "unsigned long", K_U64 }, { "size_t", K_U64 }, { "const size_t", K_U64 },
	{ "aio_context_t", K_U64 }, { "__u64", K_U64 }, { "u64", K_U64 }, { "old_sigset_t", K_U64 },
	{ "cap_user_header_t", K_PTR }, { "cap_user_data_t", K_PTR },
	{ "const cap_user_data_t", K_PTR }, { "__sighandler_t", K_PTR },
};

/* char pointers that are buffers, not strings */
static const char *const not_strings[] = { "buf", "ubuf", "u_msg_ptr", NULL };
/* plain char pointers that are strings */
static const char *const char_strings[] = { "filename", "dir_name", "dev_name", "type", NULL };

static bool listed(const char *const *list, const char *s)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* File descriptors declared unsigned read as int: close(-1) shows -1. */
static bool is_fd(const char *n)
{
	size_t len = strlen(n);
	return (len >= 2 && !strcmp(n + len - 2, "fd")) || !strcmp(n, "fildes") || !strcmp(n, "oldfd") ||
	       !strcmp(n, "newfd") || !strcmp(n, "fd_in") || !strcmp(n, "fd_out");
}

static enum kind classify(const struct sc *s, const struct arg *a)
{
	if (!strcmp(a->ctype, "const char *"))
		return listed(not_strings, a->kname) ? K_PTR : K_STR;
	if (!strcmp(a->ctype, "char *"))
		return listed(char_strings, a->kname) ? K_STR : K_PTR;
	if (strchr(a->ctype, '*'))
		return K_PTR;
	for (size_t i = 0; i < sizeof type_table / sizeof type_table[0]; i++)
		if (!strcmp(type_table[i].ctype, a->ctype))
			return type_table[i].kind == K_U32 && is_fd(a->kname) ? K_S32 : type_table[i].kind;
	die("%s: unknown type '%s' of parameter %s: add it to type_table", s->entry, a->ctype, a->kname);
}

/* The tapset variable for a kernel parameter: leading underscores dropped
 * (add_key's _type), pointers get SystemTap's _uaddr suffix. */
static void name_vars(void)
{
	for (int i = 0; i < nscs; i++) {
		struct sc *s = &scs[i];
		for (int k = 0; k < s->nargs; k++) {
			struct arg *a = &s->args[k];
			a->kind = classify(s, a);
			if (!a->var) {
				const char *base = a->kname;
				while (*base == '_')
					base++;
				/* `name` is taken: the syscall's own name */
				a->var = xstrdup(!strcmp(base, "name") && a->kind == K_STR ? "name_str" : base);
			}
		}
	}
}

/* ================================================================ the spec */

/*
 * Lines of scripts/syscalls.spec (# starts a comment):
 *   alias KNAME ALIAS [NAME]   syscall KNAME is probed as syscall.ALIAS with
 *                              name = NAME (default ALIAS)
 *   skip KNAME                 no alias for KNAME
 *   rename KNAME PARAM=VAR...  SystemTap's variable names for parameters;
 *                              VAR/ADDR names a string's address variable,
 *                              VAR:int a pointer without the _uaddr suffix
 *   add KNAME VAR = EXPR       one more variable, computed after the
 *                              parameters; a VAR_str for parameter VAR
 *                              replaces it in the generic argstr
 *   retfmt KNAME N             return_str format (2: hex, for addresses)
 *   point KNAME FUNC@FILE      the DWARF probes' function, when the name
 *                              alone also matches a dead weak stub
 *   entry KNAME ... end        the whole entry body (but `name`)
 *   return KNAME ... end       more of the return body
 */
static struct sc *spec_sc(const char *kname, const char *path, int line)
{
	struct sc *s = by_kname(kname);
	if (!s)
		fprintf(stderr, "%s: %s:%d: no syscall '%s' in this kernel's table, ignored\n", progname, path,
			line, kname);
	return s;
}

static void read_spec(const char *path)
{
	char *text = read_text(path);
	char *save = NULL;
	int line = 0;
	struct hand *body = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		line++;
		if (body) {
			if (!strcmp(l, "end")) {
				body = NULL;
				continue;
			}
			append(&body->text, "%s\n", l);
			continue;
		}
		while (isspace((unsigned char)*l))
			l++;
		if (!*l || *l == '#')
			continue;
		char word[64], kname[64], rest[1024] = "";
		int n = sscanf(l, "%63s %63s %1023[^\n]", word, kname, rest);
		if (n < 2)
			die("%s:%d: expected a directive and a syscall name", path, line);
		struct sc *s = spec_sc(kname, path, line);
		static struct hand ignored;
		if (!s) {
			if (!strcmp(word, "entry") || !strcmp(word, "return"))
				body = &ignored;
			continue;
		}
		if (!strcmp(word, "alias")) {
			char alias[64], name[64];
			int k = sscanf(rest, "%63s %63s", alias, name);
			if (k < 1)
				die("%s:%d: alias needs a name", path, line);
			s->alias = xstrdup(alias);
			s->namevar = xstrdup(k == 2 ? name : alias);
		} else if (!strcmp(word, "skip")) {
			s->skip = true;
		} else if (!strcmp(word, "rename")) {
			for (char *p = strtok(rest, " \t"); p; p = strtok(NULL, " \t")) {
				char *eq = strchr(p, '=');
				int k;
				if (!eq)
					die("%s:%d: rename wants PARAM=VAR", path, line);
				*eq = '\0';
				for (k = 0; k < s->nargs && strcmp(s->args[k].kname, p); k++)
					;
				if (k == s->nargs)
					die("%s:%d: %s has no parameter '%s'", path, line, kname, p);
				char *var = xstrdup(eq + 1), *mark;
				if ((mark = strchr(var, '/'))) {
					*mark = '\0';
					s->args[k].uaddr = mark + 1;
				}
				if ((mark = strstr(var, ":int"))) {
					*mark = '\0';
					s->args[k].plain = true;
				}
				s->args[k].var = var;
			}
		} else if (!strcmp(word, "add")) {
			append(&s->adds, "\t%s\n", rest);
		} else if (!strcmp(word, "point")) {
			s->dwpoint = xstrdup(rest);
		} else if (!strcmp(word, "retfmt")) {
			s->retfmt = xstrdup(rest);
		} else if (!strcmp(word, "entry")) {
			body = &s->entry_body;
		} else if (!strcmp(word, "return")) {
			body = &s->return_body;
		} else {
			die("%s:%d: unknown directive '%s'", path, line, word);
		}
	}
	if (body)
		die("%s: missing 'end'", path);
}

/* ================================================================ output */

enum flavour { DW, ND };

static const char *const regs[MAXARGS] = { "di", "si", "dx", "r10", "r8", "r9" };

/* Replace @1..@6 and @ret in a body. */
static char *substitute(const char *body, enum flavour fl, bool in_return)
{
	char *out = NULL;
	for (const char *p = body; *p; p++) {
		if (p[0] == '@' && p[1] >= '1' && p[1] <= '6') {
			int n = p[1] - '1';
			if (fl == DW && in_return)
				append(&out, "(@defined($regs) ? $regs->%s : 0)", regs[n]);
			else if (fl == DW)
				append(&out, "(@defined($regs) ? $regs->%s : __nd_arg(%d))", regs[n], n + 1);
			else if (in_return)
				append(&out, "0");	/* TODO: @entry(__nd_arg(N)) once kprobe returns have @entry */
			else
				append(&out, "__nd_arg(%d)", n + 1);
			p++;
		} else if (!strncmp(p, "@ret", 4) && !isalnum((unsigned char)p[4])) {
			append(&out, "%s", fl == DW ? "(@defined($return) ? $return : __nd_retval())" : "__nd_retval()");
			p += 3;
		} else {
			append(&out, "%c", *p);
		}
	}
	return out ? out : xstrdup("");
}

static bool has_add(const struct sc *s, const char *var)
{
	if (!s->adds)
		return false;
	char *pat = xasprintf("\t%s =", var);
	bool r = strstr(s->adds, pat) != NULL;
	free(pat);
	return r;
}

/* The address variable of a string parameter: path -> path_uaddr,
 * name_str -> name_uaddr. */
static char *uaddr_var(const struct arg *a)
{
	if (a->uaddr)
		return xstrdup(a->uaddr);
	if (a->plain)
		return xstrdup(a->var);
	size_t n = strlen(a->var);
	if (n > 4 && !strcmp(a->var + n - 4, "_str"))
		n -= 4;
	return xasprintf("%.*s_uaddr", (int)n, a->var);
}

/* How argstr shows an integer: modes in octal, addresses in hex. */
static const char *int_format(const struct arg *a)
{
	static const char *const addrs[] = { "addr", "start", "brk", "new_addr", "old_address",
					     "new_address", "address", NULL };
	if (!strcmp(a->ctype, "umode_t"))
		return "#o";
	if (a->kind == K_U64 && listed(addrs, a->var))
		return "p";
	return a->kind == K_S32 || a->kind == K_S64 ? "d" : "u";
}

/* The generic entry body: one variable per parameter, then argstr. */
static char *generic_entry(const struct sc *s)
{
	char *body = NULL, *fmt = NULL, *vals = NULL;
	for (int k = 0; k < s->nargs; k++) {
		const struct arg *a = &s->args[k];
		const char *v = a->var;
		const char *sep = k ? ", " : "";
		switch (a->kind) {
		case K_STR: {
			char *u = uaddr_var(a);
			append(&body, "\t%s = @%d\n\t%s = user_string_quoted(%s)\n"
			       "\t%s_unquoted = user_string(%s, \"\")\n", u, k + 1, v, u, v, u);
			append(&fmt, "%s%%s", sep);
			append(&vals, ", %s", v);
			free(u);
			continue;
		}
		case K_PTR: {
			char *u = uaddr_var(a);
			append(&body, "\t%s = @%d\n", u, k + 1);
			free(u);
			break;
		}
		case K_S32:
			append(&body, "\t%s = __sc_s32(@%d)\n", v, k + 1);
			break;
		case K_U32:
			append(&body, "\t%s = __sc_u32(@%d)\n", v, k + 1);
			break;
		case K_U16:
			append(&body, "\t%s = __sc_u16(@%d)\n", v, k + 1);
			break;
		case K_S64:
		case K_U64:
			append(&body, "\t%s = @%d\n", v, k + 1);
			break;
		}
		char *str = xasprintf("%s_str", v);
		if (has_add(s, str)) {
			append(&fmt, "%s%%s", sep);
			append(&vals, ", %s", str);
		} else if (a->kind == K_PTR) {
			char *u = uaddr_var(a);
			append(&fmt, "%s%%p", sep);
			append(&vals, ", %s", u);
			free(u);
		} else {
			append(&fmt, "%s%%%s", sep, int_format(a));
			append(&vals, ", %s", v);
		}
		free(str);
	}
	if (s->adds)
		append(&body, "%s", s->adds);
	if (s->nargs)
		append(&body, "\targstr = sprintf(\"%s\"%s)\n", fmt, vals);
	else
		append(&body, "\targstr = \"\"\n");
	return body;
}

static void write_header(FILE *f, const char *what, const char *vmlinux)
{
	fprintf(f, "// %s\n//\n"
		"// GENERATED by scripts/gen-syscalls.sh from the syscall table and the\n"
		"// __syscall_meta__ records of %s\n"
		"// and scripts/syscalls.spec: edit those, not this file.\n\n", what, vmlinux);
}

static void write_probes(FILE *f, enum flavour fl)
{
	const char *prefix = fl == DW ? "syscall" : "nd_syscall";
	for (int i = 0; i < nscs; i++) {
		const struct sc *s = &scs[i];
		if (s->skip)
			continue;
		/* SYSCALL_DEFINE0 makes __x64_sys_NAME a mere alias of __do_sys_NAME:
		 * only the latter has DWARF */
		char *pt = fl == ND ? xasprintf("kprobe.function(\"__x64_%s\")", s->entry) :
			   s->dwpoint ? xasprintf("kernel.function(\"%s\")", s->dwpoint) :
			   !s->nargs ? xasprintf("kernel.function(\"__do_%s\")", s->entry) :
			   xasprintf("kernel.function(\"__x64_%s\")", s->entry);
		char *entry = s->entry_body.text ? xstrdup(s->entry_body.text) : generic_entry(s);
		char *sub = substitute(entry, fl, false);
		/* a function the DWARF lacks (a .cold part, an alias) gets a kprobe */
		char *alt = fl == DW ? xasprintf(" !, kprobe.function(\"__x64_%s\")", s->entry) : xstrdup("");
		char *altret = fl == DW ? xasprintf(" !, kprobe.function(\"__x64_%s\").return", s->entry) :
				xstrdup("");
		fprintf(f, "probe %s.%s = %s%s\n{\n\tname = \"%s\"\n%s}\n", prefix, s->alias, pt, alt,
			s->namevar, sub);
		char *ret = substitute(s->return_body.text ? s->return_body.text : "", fl, true);
		fprintf(f, "probe %s.%s.return = %s.return%s\n{\n\tname = \"%s\"\n"
			"\tretval = %s\n\tretstr = return_str(%s, retval)\n%s}\n\n",
			prefix, s->alias, pt, altret, s->namevar,
			fl == DW ? "@defined($return) ? $return : __nd_retval()" : "__nd_retval()", s->retfmt, ret);
		free(alt);
		free(altret);
		free(pt);
		free(entry);
		free(sub);
		free(ret);
	}
}

static FILE *create(const char *dir, const char *name, char **tmp)
{
	*tmp = xasprintf("%s/%s.tmp", dir, name);
	FILE *f = fopen(*tmp, "w");
	if (!f)
		die("%s: %s", *tmp, strerror(errno));
	return f;
}

static void finish(FILE *f, const char *tmp, const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		die("%s: %s", path, strerror(errno));
	printf("wrote %s\n", path);
}

static void write_table(FILE *f)
{
	fputs("%{\n#ifndef STP_TAPSET_SYSCALL_TABLE\n#define STP_TAPSET_SYSCALL_TABLE\n"
	      "/* x86_64 syscall names by number; NULL in the holes */\n"
	      "static const char *const stp_syscall_names[] = {\n", f);
	for (int i = 0; i < nscs; i++)
		fprintf(f, "\t[%d] = \"%s\",\n", scs[i].nr, scs[i].kname);
	fputs("};\n#endif /* STP_TAPSET_SYSCALL_TABLE */\n%}\n\n"
	      "/**\n * sfunction syscall_name - the name of an x86_64 system call\n"
	      " * @nr: the system call number\n *\n"
	      " * \"open\" for 2; \"sys_NR\" for numbers the table does not name.\n */\n"
	      "function syscall_name:string (nr:long) %{ /* pure */ /* unprivileged */\n"
	      "\tif (STAP_ARG_nr >= 0 && STAP_ARG_nr < ARRAY_SIZE(stp_syscall_names) &&\n"
	      "\t    stp_syscall_names[STAP_ARG_nr])\n"
	      "\t\tstrscpy(STAP_RETVALUE, stp_syscall_names[STAP_ARG_nr], MAXSTRINGLEN);\n"
	      "\telse\n"
	      "\t\tsnprintf(STAP_RETVALUE, MAXSTRINGLEN, \"sys_%lld\", (long long)STAP_ARG_nr);\n%}\n"
	      "\n/**\n * sfunction syscall_num - the number of an x86_64 system call\n"
	      " * @name: its name, \"open\"\n *\n * -1 for a name the table does not have.\n */\n"
	      "function syscall_num:long (name:string) %{ /* pure */ /* unprivileged */\n"
	      "\tint i;\n\n\tSTAP_RETVALUE = -1;\n"
	      "\tfor (i = 0; i < ARRAY_SIZE(stp_syscall_names); i++)\n"
	      "\t\tif (stp_syscall_names[i] && strcmp(stp_syscall_names[i], STAP_ARG_name) == 0)\n"
	      "\t\t\tSTAP_RETVALUE = i;\n%}\n", f);
}

int main(int argc, char **argv)
{
	const char *vmlinux = NULL, *hdrs = NULL, *spec = NULL, *out = NULL;
	int c;
	while ((c = getopt(argc, argv, "k:H:s:o:")) != -1) {
		switch (c) {
		case 'k': vmlinux = optarg; break;
		case 'H': hdrs = optarg; break;
		case 's': spec = optarg; break;
		case 'o': out = optarg; break;
		default: return 2;
		}
	}
	if (!vmlinux || !hdrs || !spec || !out) {
		fprintf(stderr, "usage: %s -k VMLINUX -H HEADERS -s SPEC -o OUTDIR\n", progname);
		return 2;
	}
	read_table(hdrs);
	read_meta(vmlinux);
	/* without a record the entry is a cond_syscall alias of sys_ni_syscall */
	for (int i = 0; i < nscs; i++)
		if (!scs[i].have_meta) {
			fprintf(stderr, "%s: %s: not built in (no metadata), skipped\n", progname, scs[i].entry);
			scs[i].skip = true;
		}
	read_spec(spec);
	name_vars();

	char *tmp;
	FILE *f = create(out, "syscalls.stp", &tmp);
	write_header(f, "syscalls.stp - syscall.NAME and syscall.NAME.return for every x86_64 system call", vmlinux);
	write_probes(f, DW);
	finish(f, tmp, out, "syscalls.stp");

	f = create(out, "nd_syscalls.stp", &tmp);
	write_header(f, "nd_syscalls.stp - nd_syscall.NAME[.return]: the syscall probes without DWARF", vmlinux);
	write_probes(f, ND);
	finish(f, tmp, out, "nd_syscalls.stp");

	f = create(out, "syscall_table.stp", &tmp);
	write_header(f, "syscall_table.stp - x86_64 system call names by number", vmlinux);
	write_table(f);
	finish(f, tmp, out, "syscall_table.stp");
	return 0;
}
