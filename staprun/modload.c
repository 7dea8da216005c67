/* modload.c - the module file and the kernel side of loading it.
 *
 * Before anything is inserted, staprun checks the .ko itself so that the
 * common mistakes get one clear line instead of a kernel errno: the file is
 * an ELF relocatable object with the two sections every kernel module has
 * (.modinfo and .gnu.linkonce.this_module), and its vermagic names the
 * running kernel.  The module's name comes from .modinfo's name= tag (what
 * /proc/modules and debugfs use), falling back to the file name.
 *
 * Insertion uses finit_module(2) (init_module(2) where that is missing) with
 * the script's global=value arguments as module parameters.  Removal uses
 * delete_module(2) with O_NONBLOCK, retried briefly while the last file
 * references drain.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "staprun.h"

/* Offset of struct module's name[] in .gnu.linkonce.this_module (64-bit:
 * after enum module_state and a list_head), stable since Linux 2.6. */
#define THIS_MODULE_NAME_OFFSET	24

struct elf_image {
	const unsigned char *data;
	size_t size;
	const Elf64_Shdr *shdr;
	unsigned int shnum;
	const char *shstr;
	size_t shstr_size;
};

static int read_file(const char *path, unsigned char **data, size_t *size)
{
	struct stat st;
	ssize_t n;
	size_t done = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		error("cannot open module %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		error("%s is not a regular file", path);
		close(fd);
		return -1;
	}
	*data = xmalloc(st.st_size ? st.st_size : 1);
	while (done < (size_t)st.st_size) {
		n = read(fd, *data + done, st.st_size - done);
		if (n <= 0) {
			error("cannot read module %s: %s", path,
			      n < 0 ? strerror(errno) : "file shrank");
			close(fd);
			free(*data);
			return -1;
		}
		done += n;
	}
	close(fd);
	*size = done;
	return 0;
}

/* Validate the ELF header and section table; 0 or -1 (message printed). */
static int elf_open(const char *path, struct elf_image *img)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img->data;
	const Elf64_Shdr *strsec;

	if (img->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) {
		error("%s is not a kernel module (not an ELF file)", path);
		return -1;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_REL) {
		error("%s is not a kernel module (not a 64-bit ELF relocatable object)",
		      path);
		return -1;
	}
	if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > img->size ||
	    (img->size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum ||
	    eh->e_shstrndx >= eh->e_shnum) {
		error("%s is not a kernel module (bad ELF section table)", path);
		return -1;
	}
	img->shdr = (const Elf64_Shdr *)(img->data + eh->e_shoff);
	img->shnum = eh->e_shnum;
	strsec = &img->shdr[eh->e_shstrndx];
	if (strsec->sh_offset > img->size ||
	    strsec->sh_size > img->size - strsec->sh_offset) {
		error("%s is not a kernel module (bad ELF string table)", path);
		return -1;
	}
	img->shstr = (const char *)img->data + strsec->sh_offset;
	img->shstr_size = strsec->sh_size;
	return 0;
}

/* The contents of section @name, or NULL if absent or out of bounds. */
static const char *elf_section(const struct elf_image *img, const char *name,
			       size_t *size)
{
	unsigned int i;

	for (i = 0; i < img->shnum; i++) {
		const Elf64_Shdr *sh = &img->shdr[i];

		if (sh->sh_name >= img->shstr_size ||
		    strncmp(img->shstr + sh->sh_name, name,
			    img->shstr_size - sh->sh_name) != 0)
			continue;
		if (sh->sh_type == SHT_NOBITS || sh->sh_offset > img->size ||
		    sh->sh_size > img->size - sh->sh_offset)
			return NULL;
		*size = sh->sh_size;
		return (const char *)img->data + sh->sh_offset;
	}
	return NULL;
}

/* Find "key=value" in .modinfo's NUL-separated strings; copy the value. */
static bool modinfo_get(const char *info, size_t size, const char *key,
			char *out, size_t out_size)
{
	size_t klen = strlen(key);
	const char *p = info, *end = info + size;

	while (p < end) {
		const char *nul = memchr(p, '\0', end - p);
		size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);

		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			snprintf(out, out_size, "%.*s", (int)(len - klen - 1),
				 p + klen + 1);
			return true;
		}
		p += len + 1;
	}
	return false;
}

void module_name_from_arg(const char *arg, char *name, size_t size)
{
	const char *base = strrchr(arg, '/');
	size_t len, i;

	base = base ? base + 1 : arg;
	len = strlen(base);
	if (len > 3 && strcmp(base + len - 3, ".ko") == 0)
		len -= 3;
	snprintf(name, size, "%.*s", (int)len, base);
	for (i = 0; name[i]; i++)
		if (name[i] == '-')
			name[i] = '_';
}

/*
 * module_inspect - check that @path is a loadable kernel module
 *
 * Fills @mf with its name and the kernel release of its vermagic.
 * Returns 0, or -1 with the error already printed.
 */
int module_inspect(const char *path, struct module_file *mf)
{
	struct elf_image img = { 0 };
	unsigned char *data;
	const char *info, *this;
	size_t info_size = 0, this_size = 0;
	char vermagic[256];
	int rc = -1;

	memset(mf, 0, sizeof(*mf));
	mf->path = path;
	if (read_file(path, &data, &img.size))
		return -1;
	img.data = data;
	if (elf_open(path, &img))
		goto out;
	info = elf_section(&img, ".modinfo", &info_size);
	this = elf_section(&img, ".gnu.linkonce.this_module", &this_size);
	if (!info || !this) {
		error("%s is not a kernel module (no %s section)", path,
		      !info ? ".modinfo" : ".gnu.linkonce.this_module");
		goto out;
	}
	if (!modinfo_get(info, info_size, "vermagic", vermagic, sizeof(vermagic))) {
		error("%s is not a kernel module (no vermagic in .modinfo)", path);
		goto out;
	}
	sscanf(vermagic, "%127s", mf->vermagic_release);
	if (!modinfo_get(info, info_size, "name", mf->name, sizeof(mf->name))) {
		if (this_size >= THIS_MODULE_NAME_OFFSET + 1 &&
		    this[THIS_MODULE_NAME_OFFSET])
			snprintf(mf->name, sizeof(mf->name), "%.*s",
				 (int)(this_size - THIS_MODULE_NAME_OFFSET),
				 this + THIS_MODULE_NAME_OFFSET);
		else
			module_name_from_arg(path, mf->name, sizeof(mf->name));
	}
	mf->modinfo = xmalloc(info_size + 1);
	memcpy(mf->modinfo, info, info_size);
	mf->modinfo[info_size] = '\0';
	mf->modinfo_size = info_size;
	verbose(2, "module %s: name %s, vermagic '%s'", path, mf->name, vermagic);
	rc = 0;
out:
	free(data);
	return rc;
}

/*
 * Does the module declare parameter @name (@len bytes)?  module_param()
 * leaves "parmtype=NAME:TYPE" in .modinfo.  Needed because the kernel only
 * warns about unknown parameters and loads the module anyway.
 */
bool module_has_param(const struct module_file *mf, const char *name, size_t len)
{
	const char *p = mf->modinfo, *end = p + mf->modinfo_size;

	while (p < end) {
		size_t n = strlen(p);

		if (strncmp(p, "parmtype=", 9) == 0 && n > 9 + len &&
		    strncmp(p + 9, name, len) == 0 && p[9 + len] == ':')
			return true;
		p += n + 1;
	}
	return false;
}

/*
 * MODULE.ko or a path is used as is; a bare NAME is looked for as NAME.ko
 * here, then in /lib/modules/RELEASE/systemtap/.
 */
const char *module_resolve(const char *arg, char *buf, size_t size)
{
	struct utsname u;
	size_t len = strlen(arg);

	if (strchr(arg, '/') || (len > 3 && strcmp(arg + len - 3, ".ko") == 0))
		return arg;
	snprintf(buf, size, "%s.ko", arg);
	if (access(buf, F_OK) == 0 || uname(&u) != 0)
		return buf;
	snprintf(buf, size, "/lib/modules/%s/systemtap/%s.ko", u.release, arg);
	if (access(buf, F_OK) == 0)
		return buf;
	snprintf(buf, size, "%s.ko", arg);
	return buf;
}

static void say_no_modules(const char *release)
{
	const char *path = opt.module ? opt.module : "MODULE.ko";
	const char *base = strrchr(path, '/');

	if (opt.attach || opt.delete) {
		error("this kernel (%s) cannot load modules, so no module %s is "
		      "loaded", release, path);
		return;
	}
	error("this kernel (%s) cannot load modules; run the script in the lab "
	      "with 'stap --vm' or try the module with "
	      "'stap-vm -f %s -- staprun %s'",
	      release, path, base ? base + 1 : path);
}

/* Can this kernel load modules at all?  0 or -1 (message printed). */
int kernel_check_modules(const char *release)
{
	if (access("/proc/self", F_OK) != 0)
		return 0;	/* no /proc: let the syscall decide */
	if (access("/proc/modules", F_OK) != 0) {
		say_no_modules(release);
		return -1;
	}
	return 0;
}

bool module_is_loaded(const char *name)
{
	char line[512], first[128];
	bool found = false;
	FILE *f;

	f = fopen("/proc/modules", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%127s", first) == 1 && strcmp(first, name) == 0;
	fclose(f);
	return found;
}

static const char *insert_hint(int err)
{
	switch (err) {
	case EPERM:
		return " (module loading disabled, or the kernel is locked down?)";
	case ENOEXEC:
		return " (built for another kernel or architecture?)";
	case ENOENT:
		return " (unknown symbol, or a global=value for no such global? see dmesg)";
	case EINVAL:
		return " (bad parameter value or module format? see dmesg)";
	case EKEYREJECTED:
	case ENOKEY:
	case EBADMSG:
		return " (this kernel requires signed modules)";
	case ENOMEM:
		return " (try a smaller buffer with -b)";
	default:
		return "; see dmesg";
	}
}

/*
 * module_insert - load @mf with the parameter string @params
 *
 * Returns 0, or -1 with the error printed; nothing is left loaded on error.
 */
int module_insert(const struct module_file *mf, const char *params)
{
	unsigned char *data;
	size_t size;
	int fd, rc, err;

	verbose(1, "inserting module %s (%s)%s%s", mf->path, mf->name,
		*params ? " with " : "", params);
	fd = open(mf->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error("cannot open module %s: %s", mf->path, strerror(errno));
		return -1;
	}
	rc = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	if (rc != 0 && err == ENOSYS) {		/* kernels before 3.8 */
		if (read_file(mf->path, &data, &size))
			return -1;
		rc = syscall(SYS_init_module, data, size, params);
		err = errno;
		free(data);
	}
	if (rc == 0)
		return 0;
	if (err == EEXIST) {
		error("module %s is already loaded; remove it with 'staprun -d %s'",
		      mf->name, mf->name);
	} else if (err == ENOSYS) {
		struct utsname u;

		say_no_modules(uname(&u) == 0 ? u.release : "?");
	} else {
		error("couldn't insert module %s: %s%s", mf->path, strerror(err),
		      insert_hint(err));
	}
	return -1;
}

/* Remove @name; 0, or -1 with the error printed.  Gone already is fine. */
int module_remove(const char *name)
{
	int tries;

	verbose(1, "removing module %s", name);
	for (tries = 0; tries < 100; tries++) {
		if (syscall(SYS_delete_module, name, O_NONBLOCK) == 0 ||
		    errno == ENOENT)
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EBUSY &&
		    errno != EINTR)
			break;
		usleep(20 * 1000);	/* the last file references are closing */
	}
	error("couldn't remove module %s: %s", name, strerror(errno));
	return -1;
}

/*
 * debugfs_find - where debugfs is mounted, mounting it if it is not
 *
 * Returns 0 with the mount point in @mnt, or -1 (message printed).
 */
int debugfs_find(char *mnt, size_t size)
{
	static const char def[] = "/sys/kernel/debug";
	char dev[256], dir[512], type[64];
	FILE *f;

	f = fopen("/proc/mounts", "re");
	if (f) {
		while (fscanf(f, "%255s %511s %63s %*[^\n]", dev, dir, type) == 3) {
			if (strcmp(type, "debugfs") == 0) {
				snprintf(mnt, size, "%s", dir);
				fclose(f);
				return 0;
			}
		}
		fclose(f);
	}
	verbose(1, "mounting debugfs at %s", def);
	if (mount("debugfs", def, "debugfs", 0, NULL) != 0) {
		error("debugfs is not mounted and cannot be mounted at %s: %s "
		      "(the module's output goes through debugfs)", def,
		      strerror(errno));
		return -1;
	}
	snprintf(mnt, size, "%s", def);
	return 0;
}
