/* kernel.c - the target kernel: release, build tree, configuration.
 *
 * The target is, in order: -r RELEASE; the lab kernel with --vm; the
 * running kernel when its build tree is installed; otherwise, when this
 * kernel cannot load modules at all, the installed lab kernel headers (so
 * `stap -p4` works on a machine that can only build).  A missing tree is
 * one clear error naming the Debian package to install.
 */
#include "stap.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

/* The newest release under /lib/modules with a kbuild tree. */
static const char *installed_tree_release(void)
{
	DIR *d = opendir("/lib/modules");
	if (!d)
		return NULL;
	const char *best = NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (!file_exists(xsprintf("/lib/modules/%s/build/Makefile", e->d_name)))
			continue;
		if (!best || strverscmp(e->d_name, best) > 0)
			best = xstrdup(e->d_name);
	}
	closedir(d);
	return best;
}

/* What linux-headers-amd64 depends on, asked of dpkg (some 30 ms): the
 * answer is kept in the cache beside the time of dpkg's database. */
static const char *dpkg_headers_release(void)
{
	struct stat st;
	const char *memo = xsprintf("%s/cache/lab-release", systemtap_dir());
	long long stamp = stat("/var/lib/dpkg/status", &st) == 0 ? (long long)st.st_mtime : -1;
	char *text = read_file(memo, NULL);
	long long was;
	char rel[256];
	if (text && sscanf(text, "%lld %255s", &was, rel) == 2 && was == stamp && stamp != -1)
		return xstrdup(rel);
	FILE *p = popen("dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null", "r");
	if (!p)
		return NULL;
	char line[512] = "";
	if (!fgets(line, sizeof line, p))
		line[0] = '\0';
	pclose(p);
	const char *prefix = "linux-headers-";
	char *h = strstr(line, prefix);
	if (!h)
		return NULL;
	h += strlen(prefix);
	const char *release = xstrndup(h, strcspn(h, " ,(\n"));
	FILE *f = fopen(memo, "w");
	if (f) {
		fprintf(f, "%lld %s\n", stamp, release);
		fclose(f);
	}
	return release;
}

/* The lab's kernel: what linux-headers-amd64 depends on, else the newest tree. */
static const char *lab_release(Session *s)
{
	static const char *release;
	if (!release)
		release = dpkg_headers_release();
	if (!release)
		release = installed_tree_release();
	return release;
}

int kernel_resolve(Session *s, bool need_tree)
{
	Kernel *k = &s->kernel;
	if (!s->kernel_resolved) {
		s->kernel_resolved = true;
		struct utsname u;
		uname(&u);
		if (s->release) {
			k->release = s->release;
		} else if (s->vm) {
			k->release = lab_release(s);
			k->from_lab = true;
		} else if (file_exists(xsprintf("/lib/modules/%s/build/Makefile", u.release))) {
			k->release = xstrdup(u.release);
		} else if (!file_exists("/proc/modules") && lab_release(s)) {
			k->release = lab_release(s);
			k->from_lab = true;
			if (s->verbose)
				fprintf(stderr, "Note: this kernel (%s) cannot load modules; building for the lab kernel %s (run with --vm)\n",
					u.release, k->release);
		} else {
			k->release = xstrdup(u.release);
		}
		if (!k->release) {
			error_plain("no kernel headers installed for the lab; install them with: apt-get install linux-headers-amd64");
			return -1;
		}
		k->build_dir = xsprintf("/lib/modules/%s/build", k->release);
		k->config_path = xsprintf("%s/.config", k->build_dir);
	}
	if (need_tree && !file_exists(xsprintf("%s/Makefile", k->build_dir))) {
		error_plain("kernel build tree for %s not found at %s; install it with: apt-get install linux-headers-%s",
			    k->release, k->build_dir, k->release);
		return -1;
	}
	return 0;
}

static Vec config_names, config_values;
static bool config_loaded;

/* Drop cached configuration (its memory is the arena's). */
void kernel_forget(void)
{
	config_names = config_values = (Vec){0};
	config_loaded = false;
}

const char *kernel_config(Session *s, const char *name)
{
	if (!config_loaded) {
		config_loaded = true;
		if (kernel_resolve(s, false))
			return NULL;
		const char *paths[] = { s->kernel.config_path,
					xsprintf("/boot/config-%s", s->kernel.release) };
		char *text = NULL;
		for (size_t i = 0; i < 2 && !text; i++)
			text = read_file(paths[i], NULL);
		if (!text) {
			warn_plain("kernel configuration for %s not found; CONFIG_ tests are false", s->kernel.release);
			return NULL;
		}
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			char *eq = strchr(line, '=');
			if (line[0] != 'C' || !eq)
				continue;
			*eq = '\0';
			char *v = eq + 1;
			size_t n = strlen(v);
			if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
				v = xstrndup(v + 1, n - 2);
			vec_push(&config_names, line);
			vec_push(&config_values, v);
		}
	}
	vec_foreach(&config_names, i)
		if (str_eq(vec_get(&config_names, i), name))
			return vec_get(&config_values, i);
	return NULL;
}

int kernel_version_code(Session *s)
{
	if (kernel_resolve(s, false))
		return 0;
	int a = 0, b = 0, c = 0;
	sscanf(s->kernel.release, "%d.%d.%d", &a, &b, &c);
	return (a << 16) + (b << 8) + (c > 255 ? 255 : c);
}
