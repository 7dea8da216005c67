/* cache.c - passes 3 and 4, remembered.
 *
 * A module depends on: the generated C (which already reflects the
 * elaborated script, tapsets and options that shape code), the runtime
 * headers, the -D defines, the target kernel's build tree, and this
 * translator's version.  Their hash is the cache key and names the module
 * (stap_<32 hex>), so running the same script again on the same kernel
 * loads the module built last time:
 *
 *   $SYSTEMTAP_DIR/cache/<first 2 hex>/stap_<key>.{c,ko}
 *
 * SYSTEMTAP_DIR defaults to ~/.systemtap.  The cache is kept under
 * cache_mb_limit megabytes (file in the cache directory, default 256) by
 * removing the least recently used modules.
 */
#include "stap.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

enum { DEFAULT_LIMIT_MB = 256 };

const char *systemtap_dir(void)
{
	const char *d = getenv("SYSTEMTAP_DIR");
	if (d)
		return d;
	const char *home = getenv("HOME");
	return xsprintf("%s/.systemtap", home ? home : "/tmp");
}

static const char *cache_root(void)
{
	return xsprintf("%s/cache", systemtap_dir());
}

static uint64_t hash_file(uint64_t h, const char *path)
{
	size_t n;
	char *text = read_file(path, &n);
	if (!text)
		return hash_bytes(h, path, strlen(path));
	return hash_bytes(h, text, n);
}

/* All runtime headers, in name order. */
static uint64_t hash_runtime(uint64_t h, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return h;
	Vec names = {0};
	struct dirent *e;
	while ((e = readdir(d)))
		if (str_endswith(e->d_name, ".h"))
			vec_push(&names, xstrdup(e->d_name));
	closedir(d);
	for (int i = 1; i < names.len; i++)
		for (int j = i; j > 0 && strcmp(vec_get(&names, j - 1), vec_get(&names, j)) > 0; j--) {
			void *t = names.data[j];
			names.data[j] = names.data[j - 1];
			names.data[j - 1] = t;
		}
	vec_foreach(&names, i) {
		const char *name = vec_get(&names, i);
		h = hash_bytes(h, name, strlen(name));
		h = hash_file(h, xsprintf("%s/%s", dir, name));
	}
	return h;
}

const char *cache_compute_key(Session *s)
{
	uint64_t h1 = 0, h2 = 0x9e3779b97f4a7c15ULL;
	const char *parts[] = { s->c_text, PACKAGE_VERSION, s->kernel.release ? s->kernel.release : "" };
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		h1 = hash_bytes(h1, parts[i], strlen(parts[i]) + 1);
		h2 = hash_bytes(h2, parts[i], strlen(parts[i]) + 1);
	}
	vec_foreach(&s->defines, i) {
		const char *d = vec_get(&s->defines, i);
		h1 = hash_bytes(h1, d, strlen(d) + 1);
		h2 = hash_bytes(h2, d, strlen(d) + 1);
	}
	h1 = hash_runtime(h1, runtime_dir(s));
	h2 = hash_runtime(h2 ^ 1, runtime_dir(s));
	if (s->kernel.build_dir) {
		/* the kernel's configuration and exported symbols identify the tree */
		const char *ids[] = { "include/generated/autoconf.h", "include/generated/utsrelease.h",
				      "Module.symvers" };
		for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
			const char *p = xsprintf("%s/%s", s->kernel.build_dir, ids[i]);
			h1 = hash_file(h1, p);
			h2 = hash_file(h2, p);
		}
	}
	s->cache_key = xsprintf("%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
	return s->cache_key;
}

static const char *entry_base(Session *s)
{
	if (str_eq(s->module_name, xsprintf("stap_%s", s->cache_key)))
		return xsprintf("%s/%.2s/%s", cache_root(), s->cache_key, s->module_name);
	return xsprintf("%s/%.2s/%s_%s", cache_root(), s->cache_key, s->cache_key, s->module_name);
}

bool cache_lookup(Session *s)
{
	if (s->disable_cache || !s->cache_key)
		return false;
	const char *base = entry_base(s);
	const char *ko = xsprintf("%s.ko", base), *c = xsprintf("%s.c", base);
	if (!file_exists(ko) || !file_exists(c))
		return false;
	/* touch for least-recently-used cleaning */
	utimes(ko, NULL);
	s->c_file = c;
	s->ko_file = ko;
	s->cached = true;
	return true;
}

static int copy_file(const char *from, const char *to)
{
	size_t n;
	char *data = read_file(from, &n);
	if (!data)
		return -1;
	const char *tmp = xsprintf("%s.%d.tmp", to, (int)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(data, 1, n, f);
	if (fclose(f) != 0 || w != n || rename(tmp, to) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *q = p + 1; *q; q++)
		if (*q == '/') {
			*q = '\0';
			mkdir(p, 0755);
			*q = '/';
		}
	mkdir(p, 0755);
}

typedef struct Entry {
	const char *path;
	off_t size;
	time_t when;
} Entry;

static int by_age(const void *a, const void *b)
{
	const Entry *x = *(Entry *const *)a, *y = *(Entry *const *)b;
	return x->when < y->when ? -1 : x->when > y->when;
}

/* Remove least recently used modules until the cache fits its limit. */
static void enforce_limit(void)
{
	const char *root = cache_root();
	long limit = DEFAULT_LIMIT_MB;
	char *text = read_file(xsprintf("%s/cache_mb_limit", root), NULL);
	if (text && atol(text) > 0)
		limit = atol(text);
	Vec entries = {0};
	off_t total = 0;
	DIR *d = opendir(root);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strlen(e->d_name) != 2)
			continue;
		const char *sub = xsprintf("%s/%s", root, e->d_name);
		DIR *d2 = opendir(sub);
		if (!d2)
			continue;
		struct dirent *f;
		while ((f = readdir(d2))) {
			if (!str_endswith(f->d_name, ".ko"))
				continue;
			struct stat st;
			const char *p = xsprintf("%s/%s", sub, f->d_name);
			if (stat(p, &st) != 0)
				continue;
			Entry *en = xalloc(sizeof *en);
			en->path = p;
			en->size = st.st_size;
			en->when = st.st_mtime;
			total += st.st_size;
			vec_push(&entries, en);
		}
		closedir(d2);
	}
	closedir(d);
	vec_sort(&entries, by_age);
	vec_foreach(&entries, i) {
		if (total <= (off_t)limit * 1024 * 1024)
			break;
		Entry *en = vec_get(&entries, i);
		unlink(en->path);
		char *c = xstrdup(en->path);
		strcpy(c + strlen(c) - 3, ".c");
		unlink(c);
		total -= en->size;
	}
}

void cache_store(Session *s)
{
	if (s->disable_cache || s->cached || !s->cache_key || !s->ko_file)
		return;
	const char *base = entry_base(s);
	mkdirs(xsprintf("%s/%.2s", cache_root(), s->cache_key));
	if (copy_file(s->c_file, xsprintf("%s.c", base)) || copy_file(s->ko_file, xsprintf("%s.ko", base))) {
		if (s->verbose)
			warn_plain("could not add the module to the cache %s: %s", cache_root(), strerror(errno));
		return;
	}
	s->ko_file = xsprintf("%s.ko", base);
	s->c_file = xsprintf("%s.c", base);
	enforce_limit();
}

/* The file of kbuild's compiler-probe answers for this kernel tree and its
 * compiler (runtime/kbuild-probes.mk), or NULL with the cache disabled.
 * The tree is named by its real path and configuration, the compiler by
 * its version text from that configuration and its binary's size and time. */
const char *cache_kbuild_probes(Session *s)
{
	if (s->disable_cache || !s->kernel.build_dir)
		return NULL;
	char *real = realpath(s->kernel.build_dir, NULL);
	const char *tree = real ? real : s->kernel.build_dir;
	const char *conf = xsprintf("%s/include/generated/autoconf.h", tree);
	uint64_t h1 = hash_bytes(0, tree, strlen(tree)), h2 = hash_bytes(0x9e3779b97f4a7c15ULL, tree, strlen(tree));
	h1 = hash_file(h1, conf);
	h2 = hash_file(h2, conf);
	const char *cc = kernel_config(s, "CONFIG_CC_VERSION_TEXT");
	if (cc) {
		char *prog = xstrdup(cc + (*cc == '"'));
		prog[strcspn(prog, " \"")] = '\0';
		const char *path = getenv("PATH");
		for (const char *p = path ? path : "/usr/bin"; *p;) {
			size_t n = strcspn(p, ":");
			struct stat st;
			const char *bin = xsprintf("%.*s/%s", (int)n, p, prog);
			if (stat(bin, &st) == 0) {
				uint64_t id[2] = { (uint64_t)st.st_size, (uint64_t)st.st_mtime };
				h1 = hash_bytes(h1, id, sizeof id);
				h2 = hash_bytes(h2, id, sizeof id);
				break;
			}
			p += n + (p[n] == ':');
		}
	}
	free(real);
	const char *dir = xsprintf("%s/kbuild", cache_root());
	mkdirs(dir);
	if (access(dir, W_OK) != 0)	/* make stops when it cannot append */
		return NULL;
	const char *file = xsprintf("%s/probes-%016llx%016llx.mk", dir, (unsigned long long)h1, (unsigned long long)h2);
	/* make stops at a malformed line (a write cut short): start afresh */
	char *text = read_file(file, NULL);
	for (char *line = text; line && *line;) {
		char *end = strchr(line, '\n');
		if (!end || !str_startswith(line, "ctap-probe.") || !memmem(line, end - line, " := ", 4)) {
			unlink(file);
			break;
		}
		line = end + 1;
	}
	return file;
}

void cache_clean(Session *s)
{
	char *cmd = xsprintf("rm -rf '%s'", cache_root());
	if (system(cmd) != 0)
		warn_plain("could not clean %s", cache_root());
}
