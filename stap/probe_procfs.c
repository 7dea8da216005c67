/* probe_procfs.c - procfs[("PATH")][.umask(M)].read[.maxsize(N)] and
 * procfs[("PATH")][.umask(M)].write probes: files under
 * /proc/systemtap/MODULE/ (PATH defaults to "command"; it may name
 * subdirectories: "a/b").
 *
 * A read of the file runs the read probe, whose $value (a string, at most
 * maxsize bytes, MAXSTRINGLEN by default) is what the reader gets: `$value
 * = s` sets it, `$value .= s` appends.  A write runs the write probe with
 * $value holding the bytes written (MAXSTRINGLEN - 1 per run).  The
 * runtime side is runtime/stp_procfs.h; the handlers reach the file's
 * buffer through the context's probe data, so the header must come before
 * them: the family adds its #include to the module's embedded code.
 */
#include "ast.h"

#include <inttypes.h>
#include <string.h>

typedef struct PData {
	const char *path;	/* relative to /proc/systemtap/MODULE */
	bool write;
	int64_t maxsize;	/* read buffer, 0 for the default */
	int64_t umask;
} PData;

static const char *check_path(const char *path)
{
	if (path[0] == '/')
		return "procfs path cannot start with a '/'";
	if (!path[0] || path[strlen(path) - 1] == '/')
		return "procfs path cannot end with a '/'";
	if (strstr(path, "//"))
		return "procfs path component cannot be empty";
	return NULL;
}

/* SystemTap allows one read probe per file (and any write probes). */
static bool claim_path(const char *path, bool write)
{
	if (write)
		return true;
	static Vec claimed;	/* "r:path" / "w:path" */
	const char *key = xsprintf("%c:%s", write ? 'w' : 'r', path);
	vec_foreach(&claimed, i)
		if (str_eq(vec_get(&claimed, i), key))
			return false;
	vec_push(&claimed, key);
	return true;
}

static bool num_arg(const PPComp *c, const char *name)
{
	return c && str_eq(c->name, name) && c->arg && c->arg->kind == N_NUM;
}

static bool bare(const PPComp *c, const char *name)
{
	return c && str_eq(c->name, name) && !c->arg;
}

static bool match_procfs(Session *s, DProbe *d)
{
	const ProbePoint *pp = d->pp;
	if (!pp_is(pp, 1, "procfs"))
		return false;
	const PPComp *head = pp_comp(pp, 0);
	if (head->arg && head->arg->kind != N_STR)
		return false;
	PData *pd = xalloc(sizeof *pd);
	pd->path = head->arg ? head->arg->str : "command";
	int i = 1;
	if (num_arg(pp_comp(pp, i), "umask"))
		pd->umask = pp_comp(pp, i++)->arg->num;
	const PPComp *c = pp_comp(pp, i++);
	if (!bare(c, "read") && !bare(c, "write"))
		return false;
	pd->write = str_eq(c->name, "write");
	c = pp_comp(pp, i++);
	if (!pd->write && num_arg(c, "maxsize")) {
		pd->maxsize = c->arg->num;
		if (pd->maxsize <= 0) {
			pp_error(pp, NULL, "maxsize must be greater than 0");
			return true;
		}
		c = pp_comp(pp, i++);
	}
	if (c) {
		pp_error(pp, c->tok, "invalid suffix for probe");
		return true;
	}
	const char *err = check_path(pd->path);
	if (err) {
		pp_error(pp, pp->tok, "%s", err);
		return true;
	}
	if (!claim_path(pd->path, pd->write)) {
		error_tok(NULL, "only one %s procfs probe can exist for procfs path \"%s\"",
			  pd->write ? "write" : "read", pd->path);
		return true;
	}
	family_include_runtime(s, "stp_procfs.h", pp->tok);
	d->fdata = pd;
	return true;
}

static void target_procfs(Session *s, DProbe *d, Node *n)
{
	if (n->kind != N_TARGET || !str_eq(n->name, "$value")) {
		error_tok(n->tok, "invalid target symbol for procfs probe, $value expected");
		return;
	}
	vec_foreach(&n->comps, i) {
		Comp *c = vec_get(&n->comps, i);
		if (c->kind == COMP_MEMBER) {
			error_tok(c->tok, "procfs variable '$value' may not be used as a structure");
			return;
		}
		if (c->kind == COMP_INDEX || c->kind == COMP_EXPR_INDEX) {
			error_tok(c->tok, "procfs variable '$value' may not be used as array");
			return;
		}
		error_tok(c->tok, "procfs variable '$value' may not be pretty-printed");
		return;
	}
	n->type = TY_STRING;
}

static const char *code_procfs(Session *s, DProbe *d, Node *n, void *gen)
{
	return "stp_procfs_value(c)";
}

static const char *store_procfs(Session *s, DProbe *d, Node *n, int op, const char *value, void *gen)
{
	PData *pd = d->fdata;
	if (n->type != TY_STRING)
		return NULL;	/* reported by target_procfs */
	if (pd->write) {
		error_tok(n->tok, "procfs $value variable is read-only in a procfs write probe");
		return NULL;
	}
	if (op != '=' && op != OP_CATEQ)
		return NULL;	/* a type error */
	if (!gen)
		return NULL;
	return xsprintf("stp_procfs_%s(c, %s)", op == '=' ? "set" : "append", value);
}

static void emit_procfs(Session *s, Buf *out, Vec *probes)
{
	/* one file per path, with its read and write probes */
	Vec paths = {0};
	vec_foreach(probes, i) {
		PData *pd = ((DProbe *)vec_get(probes, i))->fdata;
		bool seen = false;
		vec_foreach(&paths, k)
			seen = seen || str_eq(vec_get(&paths, k), pd->path);
		if (!seen)
			vec_push(&paths, (void *)pd->path);
	}
	/* each file's write probes */
	vec_foreach(&paths, k) {
		const char *path = vec_get(&paths, k);
		bool any = false;
		vec_foreach(probes, i) {
			DProbe *d = vec_get(probes, i);
			PData *pd = d->fdata;
			if (!pd->write || !str_eq(pd->path, path))
				continue;
			if (!any)
				buf_printf(out, "static const struct stp_probe *const stp_procfs_w%d[] = {", k);
			buf_printf(out, "%s &stp_probes[%d]", any ? "," : "", d->index);
			any = true;
		}
		if (any)
			buf_puts(out, " };\n");
	}
	buf_puts(out, "static struct stp_procfs_file stp_procfs_files[] = {\n");
	vec_foreach(&paths, k) {
		const char *path = vec_get(&paths, k);
		int rd = -1, wr = -1, nwr = 0;
		int64_t maxsize = 0, umask = 0;
		vec_foreach(probes, i) {
			DProbe *d = vec_get(probes, i);
			PData *pd = d->fdata;
			if (!str_eq(pd->path, path))
				continue;
			if (pd->write) {
				wr = d->index;
				nwr++;
			}
			else {
				rd = d->index;
				maxsize = pd->maxsize;
			}
			umask |= pd->umask;
		}
		int mode = ((rd >= 0 ? 0400 : 0) | (wr >= 0 ? 0200 : 0)) & ~(int)umask;
		buf_printf(out, "\t{ .path = \"%s\", .mode = 0%o, .bufsize = %" PRId64, path, mode, maxsize);
		if (rd >= 0)
			buf_printf(out, ", .read = &stp_probes[%d]", rd);
		if (wr >= 0)
			buf_printf(out, ", .writes = stp_procfs_w%d, .nwrites = %d", k, nwr);
		buf_puts(out, " },\n");
	}
	buf_puts(out, "};\n\n"
		 "static int stp_fam_procfs_register(void)\n{\n"
		 "\treturn stp_procfs_register(stp_procfs_files, ARRAY_SIZE(stp_procfs_files));\n}\n\n"
		 "static void stp_fam_procfs_unregister(void)\n{\n"
		 "\tstp_procfs_unregister(stp_procfs_files, ARRAY_SIZE(stp_procfs_files));\n}\n\n");
}

static const char *const procfs_patterns[] = {
	"procfs.read", "procfs.read.maxsize(number)", "procfs.umask(number).read",
	"procfs.umask(number).read.maxsize(number)", "procfs.umask(number).write", "procfs.write",
	"procfs(string).read", "procfs(string).read.maxsize(number)", "procfs(string).umask(number).read",
	"procfs(string).umask(number).read.maxsize(number)", "procfs(string).umask(number).write",
	"procfs(string).write", NULL,
};

const Family family_procfs = {
	.name = "procfs", .patterns = procfs_patterns, .match = match_procfs,
	.target = target_procfs, .target_code = code_procfs, .target_store = store_procfs,
	.emit = emit_procfs, .registers = true, .context = "process",
};
