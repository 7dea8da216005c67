/* tapsets.c - the tapset library: find which files define what, parse them
 * only when a script needs them.
 *
 * SystemTap parses every tapset file on every run.  We instead scan the
 * library once per run with a tiny scanner (no parsing) that records, for
 * each file, the names after `function`, `global` and probe alias heads,
 * skipping comments, strings and embedded C.  Pass 2 then asks for a name
 * and only the files that may define it are parsed.  The index
 * over-approximates (a name inside a false %( %) branch is still listed);
 * the real parse decides.
 *
 * Search order: -I directories, then the library; inside each, DIR,
 * DIR/linux, DIR/x86_64 and DIR/linux/x86_64.  .stpm files hold global
 * macros and are always read first.
 */
#include "ast.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

typedef struct TFile {
	const char *path;
	Vec funcs;		/* const char* */
	Vec globals;		/* const char* */
	Vec aliases;		/* const char*: first alias component (may have wildcards) */
	bool loaded;
	const char *text;
	size_t len;
} TFile;

struct TapsetIndex {
	Vec files;		/* TFile* */
	Vec func_names;		/* const char* (for suggestions) */
};

SrcFile *srcfile_new(const char *name, const char *text, size_t len, bool is_tapset)
{
	SrcFile *f = xalloc(sizeof *f);
	f->name = name;
	f->text = text;
	f->len = len;
	f->is_tapset = is_tapset;
	return f;
}

SrcFile *srcfile_load(const char *path, bool is_tapset)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		return NULL;
	return srcfile_new(xstrdup(path), text, len, is_tapset);
}

/* ---- the scanner */

static bool is_ident_char(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		else if (*p == '#' || (p[0] == '/' && p + 1 < end && p[1] == '/'))
			while (p < end && *p != '\n')
				p++;
		else if (p[0] == '/' && p + 1 < end && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			p = e ? e + 2 : end;
		} else
			break;
	}
	return p;
}

static const char *scan_ident(const char *p, const char *end, const char **name)
{
	const char *s = p;
	while (p < end && is_ident_char(*p))
		p++;
	*name = p > s ? xstrndup(s, (size_t)(p - s)) : NULL;
	return p;
}

/* After `probe`: collect alias names if an `=` or `+=` follows before `{`. */
static void scan_probe_head(TFile *tf, const char *p, const char *end)
{
	Vec firsts = {0};
	bool at_start = true;
	int paren = 0;
	while (p < end) {
		p = skip_space(p, end);
		if (p >= end)
			return;
		char c = *p;
		if (c == '"') {
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
			p++;
			continue;
		}
		if (c == '(') paren++;
		if (c == ')') paren--;
		if (paren > 0) {
			p++;
			continue;
		}
		if (c == '{' && !at_start)
			return;		/* a plain probe */
		if (c == '=' || (c == '+' && p + 1 < end && p[1] == '=')) {
			vec_foreach(&firsts, i)
				vec_push(&tf->aliases, vec_get(&firsts, i));
			return;
		}
		if (at_start && (is_ident_char(c) || c == '*' || c == '{')) {
			const char *s = p;
			while (p < end && (is_ident_char(*p) || *p == '*'))
				p++;
			if (c == '{') {
				/* alternation at the start: record a wildcard */
				vec_push(&firsts, (void *)"*");
				p = s + 1;
			} else {
				vec_push(&firsts, xstrndup(s, (size_t)(p - s)));
			}
			at_start = false;
			continue;
		}
		if (c == ',')
			at_start = true;
		p++;
	}
}

static void scan_file(TFile *tf)
{
	const char *p = tf->text, *end = tf->text + tf->len;
	bool line_start = true;
	while (p < end) {
		p = skip_space(p, end);
		if (p >= end)
			break;
		if (*p == '"') {
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
			p++;
			continue;
		}
		if (p[0] == '%' && p + 1 < end && p[1] == '{') {
			const char *e = strstr(p + 2, "%}");
			p = e ? e + 2 : end;
			continue;
		}
		if (!is_ident_char(*p)) {
			p++;
			line_start = false;
			continue;
		}
		const char *word;
		const char *after = scan_ident(p, end, &word);
		bool boundary = p == tf->text || !is_ident_char(p[-1]);
		p = after;
		if (!boundary || !word)
			continue;
		if (str_eq(word, "function")) {
			const char *name;
			p = scan_ident(skip_space(p, end), end, &name);
			if (name)
				vec_push(&tf->funcs, (void *)name);
		} else if (str_eq(word, "global")) {
			for (;;) {
				const char *name;
				p = scan_ident(skip_space(p, end), end, &name);
				if (!name)
					break;
				vec_push(&tf->globals, (void *)name);
				/* skip an initializer or size up to ',' or end of line */
				while (p < end && *p != ',' && *p != '\n' && *p != ';')
					p++;
				if (p < end && *p == ',') {
					p++;
					continue;
				}
				break;
			}
		} else if (str_eq(word, "probe")) {
			scan_probe_head(tf, p, end);
		}
		(void)line_start;
	}
}

/* ---- the library */

static void add_dir(TapsetIndex *ix, Session *s, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	Vec names = {0};
	struct dirent *e;
	while ((e = readdir(d))) {
		if (str_endswith(e->d_name, ".stp") || str_endswith(e->d_name, ".stpm"))
			vec_push(&names, xstrdup(e->d_name));
	}
	closedir(d);
	/* deterministic order */
	for (int i = 1; i < names.len; i++)
		for (int j = i; j > 0 && strcmp(vec_get(&names, j - 1), vec_get(&names, j)) > 0; j--) {
			void *t = names.data[j];
			names.data[j] = names.data[j - 1];
			names.data[j - 1] = t;
		}
	vec_foreach(&names, i) {
		const char *name = vec_get(&names, i);
		const char *path = xsprintf("%s/%s", dir, name);
		size_t len;
		char *text = read_file(path, &len);
		if (!text)
			continue;
		if (str_endswith(name, ".stpm")) {
			SrcFile *f = srcfile_new(path, text, len, true);
			f->is_macro_file = true;
			Vec *raw = lex_file(f);
			preprocess(s, raw, f);
			continue;
		}
		TFile *tf = xalloc(sizeof *tf);
		tf->path = path;
		tf->text = text;
		tf->len = len;
		scan_file(tf);
		vec_push(&ix->files, tf);
		vec_foreach(&tf->funcs, k)
			vec_push(&ix->func_names, vec_get(&tf->funcs, k));
	}
}

static void add_tree(TapsetIndex *ix, Session *s, const char *dir)
{
	add_dir(ix, s, dir);
	add_dir(ix, s, xsprintf("%s/linux", dir));
	add_dir(ix, s, xsprintf("%s/x86_64", dir));
	add_dir(ix, s, xsprintf("%s/linux/x86_64", dir));
}

TapsetIndex *tapsets_open(Session *s)
{
	if (s->tapsets)
		return s->tapsets;
	TapsetIndex *ix = xalloc(sizeof *ix);
	s->tapsets = ix;
	vec_foreach(&s->include_dirs, i)
		add_tree(ix, s, vec_get(&s->include_dirs, i));
	add_tree(ix, s, tapset_dir(s));
	return ix;
}

static void load(Session *s, TFile *tf)
{
	if (tf->loaded)
		return;
	tf->loaded = true;
	SrcFile *f = srcfile_new(tf->path, tf->text, tf->len, true);
	Stapfile *sf = parse_file(s, f);
	if (!sf)
		return;
	vec_push(&s->files, sf);
	elaborate_add_file(s, sf);
	if (s->verbose > 2)
		fprintf(stderr, "loaded tapset %s\n", tf->path);
}

static bool listed(Vec *names, const char *name)
{
	vec_foreach(names, i)
		if (str_eq(vec_get(names, i), name))
			return true;
	return false;
}

void tapsets_need_function(Session *s, const char *name)
{
	TapsetIndex *ix = tapsets_open(s);
	vec_foreach(&ix->files, i) {
		TFile *tf = vec_get(&ix->files, i);
		if (!tf->loaded && listed(&tf->funcs, name))
			load(s, tf);
	}
}

void tapsets_need_global(Session *s, const char *name)
{
	TapsetIndex *ix = tapsets_open(s);
	vec_foreach(&ix->files, i) {
		TFile *tf = vec_get(&ix->files, i);
		if (!tf->loaded && listed(&tf->globals, name))
			load(s, tf);
	}
}

void tapsets_need_alias(Session *s, const ProbePoint *pp)
{
	static Vec done;	/* first components already served: nothing more to load */
	TapsetIndex *ix = tapsets_open(s);
	PPComp *first = vec_get(&pp->comps, 0);
	vec_foreach(&done, i)
		if (str_eq(vec_get(&done, i), first->name))
			return;
	vec_push(&done, (void *)first->name);
	vec_foreach(&ix->files, i) {
		TFile *tf = vec_get(&ix->files, i);
		if (tf->loaded)
			continue;
		vec_foreach(&tf->aliases, k) {
			const char *a = vec_get(&tf->aliases, k);
			if (str_eq(a, first->name) || wildcard_match(first->name, a) ||
			    wildcard_match(a, first->name) || str_eq(first->name, "**")) {
				load(s, tf);
				break;
			}
		}
	}
}

void tapsets_load_all(Session *s)
{
	TapsetIndex *ix = tapsets_open(s);
	vec_foreach(&ix->files, i)
		load(s, vec_get(&ix->files, i));
}

Vec *tapsets_function_names(Session *s)
{
	return &tapsets_open(s)->func_names;
}
