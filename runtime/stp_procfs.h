/* SPDX-License-Identifier: GPL-2.0 */
/* stp_procfs.h - procfs("PATH").read/.write probes: files under
 * /proc/systemtap/MODULE/.
 *
 * The translator emits a table of struct stp_procfs_file, one per path,
 * with its read probe and/or write probes.  Included right after stp_runtime.h
 * (the handlers call the $value helpers below).
 *
 * Reading from offset 0 runs the read probe on a buffer of the open file
 * (bufsize bytes, MAXSTRINGLEN by default); the reader gets what the
 * probe left in $value.  Each write() runs the write probes once with up
 * to MAXSTRINGLEN - 1 of the bytes written as $value.  The handlers run
 * in the reader's or writer's process context, with the buffer as the
 * context's probe data.
 *
 * /proc/systemtap is shared by every session and made by the first that
 * needs it; it is left in place (an empty directory), since another
 * session may be using it.
 */
#ifndef STP_PROCFS_H
#define STP_PROCFS_H

#include <linux/proc_fs.h>
#include <linux/namei.h>

#ifndef STP_PROCFS_BUFSIZE
#define STP_PROCFS_BUFSIZE MAXSTRINGLEN	/* default .maxsize of read probes */
#endif

/* $value: the probe data of procfs handlers. */
struct stp_procfs_buf {
	char *buf;			/* NUL-terminated */
	size_t len;
	size_t cap;			/* bytes available, NUL excluded */
};

struct stp_procfs_file {
	const char *path;		/* "name" or "dir/name" */
	umode_t mode;
	size_t bufsize;			/* read buffer, 0: STP_PROCFS_BUFSIZE */
	const struct stp_probe *read;
	const struct stp_probe *const *writes;	/* write probes, in script order */
	int nwrites;
	struct stp_procfs_buf wbuf;	/* write data, under wlock */
	struct mutex wlock;
};

static struct proc_dir_entry *stp_procfs_dir;	/* /proc/systemtap/MODULE */

static const char *stp_procfs_value(struct stp_context *c)
{
	struct stp_procfs_buf *b = c->entry_data;

	return b ? b->buf : "";
}

static void stp_procfs_append(struct stp_context *c, const char *s)
{
	struct stp_procfs_buf *b = c->entry_data;
	size_t n;

	if (!b)
		return;
	n = min(strlen(s), b->cap - b->len);
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void stp_procfs_set(struct stp_context *c, const char *s)
{
	struct stp_procfs_buf *b = c->entry_data;

	if (!b)
		return;
	b->len = 0;
	stp_procfs_append(c, s);
}

static struct stp_procfs_buf *stp_procfs_buf_new(size_t cap)
{
	struct stp_procfs_buf *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return NULL;
	b->buf = kvzalloc(cap + 1, GFP_KERNEL);
	if (!b->buf) {
		kfree(b);
		return NULL;
	}
	b->cap = cap;
	return b;
}

static void stp_procfs_buf_free(struct stp_procfs_buf *b)
{
	if (b)
		kvfree(b->buf);
	kfree(b);
}

static int stp_procfs_open(struct inode *inode, struct file *file)
{
	struct stp_procfs_file *f = pde_data(inode);

	file->private_data = NULL;
	if (f->read && (file->f_mode & FMODE_READ)) {
		file->private_data = stp_procfs_buf_new(f->bufsize ? f->bufsize : STP_PROCFS_BUFSIZE);
		if (!file->private_data)
			return -ENOMEM;
	}
	return 0;
}

static int stp_procfs_release(struct inode *inode, struct file *file)
{
	stp_procfs_buf_free(file->private_data);
	return 0;
}

static ssize_t stp_procfs_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct stp_procfs_file *f = pde_data(file_inode(file));
	struct stp_procfs_buf *b = file->private_data;

	if (!b)
		return -EINVAL;
	if (*ppos == 0) {
		b->len = 0;
		b->buf[0] = '\0';
		stp_probe_run_data(f->read, NULL, STP_PROBE_NORMAL, b);
	}
	return simple_read_from_buffer(ubuf, count, ppos, b->buf, b->len);
}

static ssize_t stp_procfs_write(struct file *file, const char __user *ubuf, size_t count,
				loff_t *ppos)
{
	struct stp_procfs_file *f = pde_data(file_inode(file));
	size_t n = min_t(size_t, count, f->wbuf.cap);
	int i;

	if (!f->nwrites)
		return -EINVAL;
	mutex_lock(&f->wlock);
	if (copy_from_user(f->wbuf.buf, ubuf, n)) {
		mutex_unlock(&f->wlock);
		return -EFAULT;
	}
	f->wbuf.buf[n] = '\0';
	f->wbuf.len = n;
	for (i = 0; i < f->nwrites; i++)
		stp_probe_run_data(f->writes[i], NULL, STP_PROBE_NORMAL, &f->wbuf);
	mutex_unlock(&f->wlock);
	*ppos += n;
	return n;
}

static const struct proc_ops stp_procfs_ops = {
	.proc_open = stp_procfs_open,
	.proc_release = stp_procfs_release,
	.proc_read = stp_procfs_read,
	.proc_write = stp_procfs_write,
	.proc_lseek = default_llseek,
};

/* Make the missing directories of "a/b/name" under the module's. */
static int stp_procfs_mkdirs(const char *path)
{
	struct path found;
	char full[256];
	const char *p;

	for (p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		snprintf(full, sizeof(full), "/proc/systemtap/%s/%.*s", STP_MODULE_NAME,
			 (int)(p - path), path);
		if (kern_path(full, 0, &found) == 0) {
			path_put(&found);
			continue;
		}
		if (!proc_mkdir(full + strlen("/proc/"), NULL))
			return -ENOMEM;
	}
	return 0;
}

static void stp_procfs_unregister(struct stp_procfs_file *files, int n)
{
	int i;

	if (stp_procfs_dir)
		remove_proc_subtree("systemtap/" STP_MODULE_NAME, NULL);
	stp_procfs_dir = NULL;
	for (i = 0; i < n; i++) {
		kvfree(files[i].wbuf.buf);
		files[i].wbuf.buf = NULL;
	}
}

static int stp_procfs_register(struct stp_procfs_file *files, int n)
{
	struct path found;
	int i;

	if (kern_path("/proc/systemtap", 0, &found) == 0)
		path_put(&found);
	else if (!proc_mkdir_mode("systemtap", 0555, NULL))
		return -ENOMEM;
	stp_procfs_dir = proc_mkdir("systemtap/" STP_MODULE_NAME, NULL);
	if (!stp_procfs_dir)
		return -EEXIST;
	for (i = 0; i < n; i++) {
		struct stp_procfs_file *f = &files[i];
		char rel[256];

		mutex_init(&f->wlock);
		if (f->nwrites) {
			f->wbuf.cap = MAXSTRINGLEN - 1;
			f->wbuf.buf = kvzalloc(MAXSTRINGLEN, GFP_KERNEL);
			if (!f->wbuf.buf)
				goto fail;
		}
		snprintf(rel, sizeof(rel), "systemtap/%s/%s", STP_MODULE_NAME, f->path);
		if (stp_procfs_mkdirs(f->path) ||
		    !proc_create_data(rel, f->mode, NULL, &stp_procfs_ops, f)) {
			stp_oob(STP_OOB_ERROR, "ERROR: cannot create /proc/%s\n", rel);
			goto fail;
		}
	}
	return 0;
fail:
	stp_procfs_unregister(files, n);
	return -ENOMEM;
}

#endif /* STP_PROCFS_H */
