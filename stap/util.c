/* util.c - arena allocation, strings, growable arrays and buffers.
 *
 * The translator never frees: allocations come from large chunks that live
 * until exit.  Big outputs (the generated C) use malloc-backed Buf.
 */
#include "stap.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { ARENA_CHUNK = 1 << 20, CHUNK_HEAD = 16 };

static char *arena_ptr;
static size_t arena_left;
static void *arena_chunks;	/* every chunk, chained through its first word */

void *xalloc(size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n > arena_left) {
		size_t sz = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		char *chunk = calloc(1, sz + CHUNK_HEAD);
		if (!chunk)
			fatal("out of memory");
		*(void **)chunk = arena_chunks;
		arena_chunks = chunk;
		arena_ptr = chunk + CHUNK_HEAD;
		arena_left = sz;
	}
	void *p = arena_ptr;
	arena_ptr += n;
	arena_left -= n;
	return p;
}

/* Free everything (the fuzzer parses many inputs in one process). */
void arena_reset(void)
{
	while (arena_chunks) {
		void *next = *(void **)arena_chunks;
		free(arena_chunks);
		arena_chunks = next;
	}
	arena_ptr = NULL;
	arena_left = 0;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xvsprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	char *p = xalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *xsprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvsprintf(fmt, ap);
	va_end(ap);
	return p;
}

bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

bool str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_endswith(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	Buf b = {0};
	char tmp[65536];
	size_t n;
	/* a regular file's size known: one buffer of that size, not one
	 * doubled (and copied) from 64 KB up (the 10 MB DWARF index) */
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		b.cap = (size_t)st.st_size + 1;
		b.s = xalloc(b.cap);
		b.len = fread(b.s, 1, (size_t)st.st_size, f);
		b.s[b.len] = '\0';
	}
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_putn(&b, tmp, n);
	int err = ferror(f);
	fclose(f);
	if (err) {
		errno = EIO;
		return NULL;
	}
	if (len)
		*len = b.len;
	return buf_cstr(&b);
}

bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

bool str_all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

bool wildcard_match(const char *pattern, const char *s)
{
	/* most patterns are plain names: a string compare */
	if (!strpbrk(pattern, "*?[\\"))
		return strcmp(pattern, s) == 0;
	return fnmatch(pattern, s, 0) == 0;
}

int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 1000;
	int d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	if (!h)
		h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void vec_push(Vec *v, const void *p)
{
	if (v->len == v->cap) {
		int cap = v->cap ? v->cap * 2 : 8;
		void **d = xalloc(sizeof(void *) * (size_t)cap);
		if (v->len)
			memcpy(d, v->data, sizeof(void *) * (size_t)v->len);
		v->data = d;
		v->cap = cap;
	}
	v->data[v->len++] = (void *)p;
}

void vec_push_str_once(Vec *v, const char *s)
{
	for (int i = 0; i < v->len; i++)
		if (strcmp(v->data[i], s) == 0)
			return;
	vec_push(v, s);
}

/* Buffers live in the arena too: growing copies, the old block is dropped. */
void vec_sort(Vec *v, int (*cmp)(const void *, const void *))
{
	if (v->len > 1)
		qsort(v->data, (size_t)v->len, sizeof(void *), cmp);
}

Vec vec_sorted(const Vec *v, int (*cmp)(const void *, const void *))
{
	Vec out = {0};
	vec_foreach(v, i)
		vec_push(&out, vec_get(v, i));
	vec_sort(&out, cmp);
	return out;
}

static void buf_grow(Buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *s = xalloc(cap);
	if (b->len)
		memcpy(s, b->s, b->len + 1);
	b->s = s;
	b->cap = cap;
}

void buf_free(Buf *b)
{
	/* arena memory: nothing to do; kept so that lifetimes stay visible */
	(void)b;
}

void buf_putn(Buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void buf_putc(Buf *b, char c)
{
	buf_putn(b, &c, 1);
}

void buf_puts(Buf *b, const char *s)
{
	buf_putn(b, s, strlen(s));
}

void buf_vprintf(Buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	buf_grow(b, (size_t)n);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(Buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *buf_cstr(Buf *b)
{
	if (!b->s)
		buf_grow(b, 0), b->s[0] = '\0';
	return b->s;
}
