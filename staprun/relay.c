/* relay.c - read the per-CPU output files and merge them into flush order.
 *
 * The module appends records (struct stp_rec + text) to one relay buffer
 * per CPU, numbering them from one global counter.  Each file is therefore
 * already in order; putting the CPUs back together is a k-way merge that
 * always emits the record numbered next_seq.  A number that has not shown
 * up yet is either still being written on another CPU (microseconds) or
 * was overwritten in flight-recorder mode; the merge waits GAP_WAIT_MS for
 * it, and skips it at once in the final drain, when nothing can be in
 * flight any more.
 *
 * relay read() returns the unread part of the current sub-buffer too, but
 * poll() only wakes at sub-buffer switches, so the session loop calls
 * relay_pump() on a short timer as well as on POLLIN.  A read can end in
 * the middle of a record: each stream keeps its unparsed tail.
 *
 * Bulk mode (-b with -o FILE) skips the merge and writes each CPU's text
 * to FILE_cpuN as it comes.
 *
 * Output files (-o FILE, -S SIZE[,N]), as SystemTap names them: FILE may
 * hold strftime(3) conversions, expanded each time a file is opened.  With
 * -S the name gets a ".K" suffix, K counting from 0; before a record would
 * take the current file past SIZE MB the next file is started, and with N
 * the file opened N files earlier is removed, so at most N remain.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "staprun.h"

#define READ_CHUNK	(256 * 1024)	/* bytes asked of read() at a time */
#define REC_MAX		(64u << 20)	/* a record longer than this is corrupt */
#define GAP_WAIT_MS	250		/* how long a missing seq is waited for */
#define STREAMS_MAX	4096

/* Where text goes: stdout, or a file that -S may rotate. */
struct outfile {
	FILE *f;			/* NULL until opened */
	bool own;			/* ours to fclose (not stdout) */
	int cpu;			/* bulk mode: the CPU in the name, else -1 */
	int fnum;			/* -S: the ".K" of the current file */
	uint64_t size;			/* bytes written to the current file */
	char **names;			/* -S SIZE,N: the last N names, a ring */
};

struct stream {
	int fd;
	int cpu;
	unsigned char *buf;
	size_t start, end, cap;		/* unparsed bytes are [start, end) */
	struct outfile out;		/* bulk mode: this CPU's file */
	bool corrupt;			/* reported once, then data discarded */
};

struct relay_set {
	struct stream *s;
	int n;
	struct outfile out;		/* merged output */
	const char *pattern;		/* -o FILE, or NULL for stdout */
	uint64_t size_limit;		/* -S: bytes per file, 0: no rotation */
	int max_files;			/* -S ...,N: files kept, 0: all */
	bool bulk;
	uint64_t next_seq;		/* 0: take whatever comes first (attach) */
	bool in_gap;
	struct timespec gap_since;
	uint64_t lost;			/* seqs skipped over */
};

static int cmp_cpu(const void *a, const void *b)
{
	return ((const struct stream *)a)->cpu - ((const struct stream *)b)->cpu;
}

/* Open every trace<N> file in @dir; NULL with -errno in *err if none. */
static struct relay_set *relay_open_dir(const char *dir, int *err)
{
	size_t plen = strlen(STP_TRACE_FILE);
	struct relay_set *rs;
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	if (!d) {
		*err = -errno;
		return NULL;
	}
	rs = xmalloc(sizeof(*rs));
	memset(rs, 0, sizeof(*rs));
	rs->s = xmalloc(STREAMS_MAX * sizeof(*rs->s));
	while ((de = readdir(d)) && rs->n < STREAMS_MAX) {
		char path[4096], *endp;
		struct stream *st;
		long cpu;
		int fd;

		if (strncmp(de->d_name, STP_TRACE_FILE, plen) != 0)
			continue;
		cpu = strtol(de->d_name + plen, &endp, 10);
		if (endp == de->d_name + plen || *endp || cpu < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			*err = -errno;
			closedir(d);
			relay_close_all(rs);
			return NULL;
		}
		st = &rs->s[rs->n++];
		memset(st, 0, sizeof(*st));
		st->fd = fd;
		st->cpu = cpu;
	}
	closedir(d);
	if (!rs->n) {
		*err = -ENOENT;
		relay_close_all(rs);
		return NULL;
	}
	qsort(rs->s, rs->n, sizeof(*rs->s), cmp_cpu);
	return rs;
}

/*
 * relay_open_all - open the module's output files in its debugfs @dir
 *
 * Output goes to stdout and is expected to start at seq 1 until told
 * otherwise.  Returns the set, or NULL with -errno in *err.
 */
struct relay_set *relay_open_all(const char *dir, int *err)
{
	struct relay_set *rs = relay_open_dir(dir, err);

	if (rs) {
		rs->out.f = stdout;
		rs->out.cpu = -1;
		rs->next_seq = 1;
		verbose(2, "%d output files in %s", rs->n, dir);
	}
	return rs;
}

/* An attached loader joins mid-stream: take the oldest record it finds. */
void relay_join_midstream(struct relay_set *rs)
{
	rs->next_seq = 0;
}

/* The name of @o's next file: FILE through strftime, _cpuN, .K. */
static int out_name(const struct relay_set *rs, const struct outfile *o,
		    char *buf, size_t size)
{
	char when[4096];
	const char *base = rs->pattern;
	size_t n;

	if (strchr(base, '%')) {
		time_t now = time(NULL);
		struct tm tm;

		if (!localtime_r(&now, &tm) ||
		    strftime(when, sizeof(when), base, &tm) == 0) {
			error("-o %s: the strftime(3) expansion is empty or too long",
			      base);
			return -1;
		}
		base = when;
	}
	n = snprintf(buf, size, "%s", base);
	if (o->cpu >= 0 && n < size)
		n += snprintf(buf + n, size - n, "_cpu%d", o->cpu);
	if ((rs->size_limit || o->fnum) && n < size)	/* -S, or switched */
		n += snprintf(buf + n, size - n, ".%d", o->fnum);
	if (n >= size) {
		error("-o %s: the output file name is too long", rs->pattern);
		return -1;
	}
	return 0;
}

/* Open @o's file number o->fnum; with -S ...,N remove the one N back. */
static int out_open(const struct relay_set *rs, struct outfile *o)
{
	char name[4096];

	if (out_name(rs, o, name, sizeof(name)))
		return -1;
	o->f = fopen(name, "we");
	if (!o->f) {
		error("cannot open output file %s: %s", name, strerror(errno));
		return -1;
	}
	o->own = true;
	o->size = 0;
	verbose(2, "output to %s", name);
	if (rs->max_files) {
		char **slot = &o->names[o->fnum % rs->max_files];

		if (*slot) {
			verbose(2, "removing %s (-S keeps %d files)", *slot,
				rs->max_files);
			if (unlink(*slot) != 0 && errno != ENOENT)
				warning("cannot remove old output file %s: %s",
					*slot, strerror(errno));
			free(*slot);
		}
		*slot = xstrdup(name);
	}
	return 0;
}

static int out_close(struct outfile *o)
{
	int rc = 0;

	if (o->f && o->own && fclose(o->f) != 0)
		rc = errno ? -errno : -EIO;
	o->f = NULL;
	o->own = false;
	return rc;
}

static int out_init(struct relay_set *rs, struct outfile *o, int cpu)
{
	o->cpu = cpu;
	if (rs->max_files) {
		o->names = xmalloc(rs->max_files * sizeof(*o->names));
		memset(o->names, 0, rs->max_files * sizeof(*o->names));
	}
	return out_open(rs, o);
}

static void out_free(const struct relay_set *rs, struct outfile *o)
{
	int i;

	out_close(o);
	for (i = 0; o->names && i < rs->max_files; i++)
		free(o->names[i]);
	free(o->names);
	o->names = NULL;
}

/* -S: a file that would grow past the limit makes way for the next one. */
static int out_make_room(const struct relay_set *rs, struct outfile *o,
			 size_t len)
{
	int rc;

	if (!rs->size_limit || !o->size || o->size + len <= rs->size_limit)
		return 0;
	rc = out_close(o);
	if (rc) {
		error("writing output file: %s", strerror(-rc));
		return rc;
	}
	o->fnum++;
	return out_open(rs, o) ? -EIO : 0;
}

static int out_write(const struct relay_set *rs, struct outfile *o,
		     const void *data, size_t len)
{
	if (!o->f)
		return -EIO;	/* rotation failed: the session is stopping */
	if (out_make_room(rs, o, len))
		return -EIO;
	if (len && fwrite(data, 1, len, o->f) != len)
		return errno ? -errno : -EIO;
	o->size += len;
	return 0;
}

/*
 * relay_set_outputs - where text goes: @outfile (or stdout), or in bulk
 * mode one file per CPU; @size_mb and @max_files are -S (0: none).
 * 0 or -1 (message printed).
 */
int relay_set_outputs(struct relay_set *rs, const char *outfile, bool bulk,
		      unsigned int size_mb, int max_files)
{
	int i;

	if (!outfile)
		return 0;
	rs->pattern = outfile;
	rs->size_limit = (uint64_t)size_mb << 20;
	rs->max_files = max_files;
	if (!bulk) {
		rs->out.f = NULL;
		return out_init(rs, &rs->out, -1);
	}
	rs->bulk = true;
	for (i = 0; i < rs->n; i++)
		if (out_init(rs, &rs->s[i].out, rs->s[i].cpu))
			return -1;
	return 0;
}

/*
 * relay_switch_files - the script's switch_file(): what has been read so
 * far goes to the current file(s), the rest to the next (FILE.1, FILE.2,
 * ... or with -S the next number).  Nothing to do when writing to stdout.
 */
int relay_switch_files(struct relay_set *rs)
{
	int i, rc = 0;

	if (!rs || !rs->pattern)
		return 0;
	relay_pump(rs, false);
	for (i = -1; i < (rs->bulk ? rs->n : 0); i++) {
		struct outfile *o = i < 0 ? &rs->out : &rs->s[i].out;

		if (i < 0 && rs->bulk)
			continue;
		if (out_close(o))
			rc = -EIO;
		o->fnum++;
		if (out_open(rs, o))
			rc = -EIO;
	}
	return rc;
}

int relay_fill_pollfds(struct relay_set *rs, struct pollfd *pfd, int max)
{
	int i;

	for (i = 0; rs && i < rs->n && i < max; i++) {
		pfd[i].fd = rs->s[i].fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	return i;
}

/* Read what the kernel has for one CPU; false once nothing more came. */
static bool stream_read(struct stream *st)
{
	ssize_t n;

	if (st->start == st->end) {
		st->start = st->end = 0;
	} else if (st->cap - st->end < READ_CHUNK && st->start > 0) {
		memmove(st->buf, st->buf + st->start, st->end - st->start);
		st->end -= st->start;
		st->start = 0;
	}
	if (st->cap - st->end < READ_CHUNK) {
		st->cap = st->end + 2 * READ_CHUNK;
		st->buf = xrealloc(st->buf, st->cap);
	}
	n = read(st->fd, st->buf + st->end, st->cap - st->end);
	if (n <= 0) {
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			verbose(1, "reading cpu %d output: %s", st->cpu,
				strerror(errno));
		return false;
	}
	st->end += n;
	return true;
}

/* The next complete record of @st, or NULL. */
static const struct stp_rec *stream_peek(struct stream *st)
{
	const struct stp_rec *rec;
	size_t avail = st->end - st->start;

	if (st->corrupt || avail < sizeof(*rec))
		return NULL;
	rec = (const struct stp_rec *)(st->buf + st->start);
	if (rec->len > REC_MAX) {
		error("corrupt output record on cpu %d (length %u): discarding "
		      "that CPU's output", st->cpu, rec->len);
		st->corrupt = true;
		st->start = st->end = 0;
		return NULL;
	}
	if (avail < sizeof(*rec) + rec->len)
		return NULL;
	return rec;
}

static int stream_consume(const struct relay_set *rs, struct stream *st,
			  struct outfile *out)
{
	const struct stp_rec *rec = (const struct stp_rec *)(st->buf + st->start);
	int rc = out_write(rs, out, rec + 1, rec->len);

	st->start += sizeof(*rec) + rec->len;
	return rc;
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Emit records in seq order for as long as the next one is known. */
static int relay_merge(struct relay_set *rs, bool final)
{
	int rc = 0;

	for (;;) {
		struct stream *best = NULL;
		uint64_t best_seq = 0;
		int i;

		for (i = 0; i < rs->n; i++) {
			const struct stp_rec *rec = stream_peek(&rs->s[i]);

			if (rec && (!best || rec->seq < best_seq)) {
				best = &rs->s[i];
				best_seq = rec->seq;
			}
		}
		if (!best)
			return rc;
		if (rs->next_seq && best_seq > rs->next_seq) {
			if (!final && !rs->in_gap) {
				rs->in_gap = true;
				clock_gettime(CLOCK_MONOTONIC, &rs->gap_since);
			}
			if (!final && ms_since(&rs->gap_since) < GAP_WAIT_MS)
				return rc;
			rs->lost += best_seq - rs->next_seq;
		}
		rs->in_gap = false;
		if (stream_consume(rs, best, &rs->out) && !rc)
			rc = -EIO;
		if (best_seq >= rs->next_seq)
			rs->next_seq = best_seq + 1;
	}
}

static int flush_out(struct outfile *o)
{
	if (!o->f)
		return -EIO;
	if (fflush(o->f) == 0 && !ferror(o->f))
		return 0;
	return errno ? -errno : -EIO;
}

/*
 * relay_pump - move all output the kernel has now to its destination
 * @final: the session is STOPPED: read to the end, do not wait for gaps
 *
 * Returns 0, or -errno if writing the output failed (EPIPE: reader gone).
 */
int relay_pump(struct relay_set *rs, bool final)
{
	int i, rc = 0;

	if (!rs)
		return 0;
	for (i = 0; i < rs->n; i++) {
		struct stream *st = &rs->s[i];
		int rounds = 0;

		/* bounded per CPU so one busy CPU cannot starve the rest */
		while (stream_read(st) && (final || ++rounds < 16))
			;
		if (rs->bulk) {
			while (stream_peek(st))
				if (stream_consume(rs, st, &st->out) && !rc)
					rc = -EIO;
			if (!rc)
				rc = flush_out(&st->out);
		}
	}
	if (!rs->bulk) {
		rc = relay_merge(rs, final);
		if (!rc)
			rc = flush_out(&rs->out);
	}
	return rc;
}

uint64_t relay_lost_records(const struct relay_set *rs)
{
	return rs ? rs->lost : 0;
}

void relay_close_all(struct relay_set *rs)
{
	int i;

	if (!rs)
		return;
	for (i = 0; i < rs->n; i++) {
		close(rs->s[i].fd);
		out_free(rs, &rs->s[i].out);
		free(rs->s[i].buf);
	}
	out_free(rs, &rs->out);
	free(rs->s);
	free(rs);
}
