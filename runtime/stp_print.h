/* SPDX-License-Identifier: GPL-2.0 */
/* stp_print.h - script output: per-CPU staging buffers and formatting.
 *
 * A probe handler appends its output to this CPU's staging buffer; the
 * runtime flushes it to the transport as one record when the handler ends
 * (or earlier if it fills), so one probe's output is never interleaved
 * with another's.  The same formatting code serves sprintf(): an stp_out
 * sink writes either to the staging buffer or to a MAXSTRINGLEN string.
 */
#ifndef STP_PRINT_H
#define STP_PRINT_H

struct stp_pbuf {
	size_t len;
	char data[STP_PRINT_BUFSIZE];
};

static struct stp_pbuf __percpu *stp_pbufs;

/* Send this CPU's staged output.  Caller has preemption disabled. */
static void stp_print_flush(void)
{
	struct stp_pbuf *pb = this_cpu_ptr(stp_pbufs);

	if (pb->len) {
		stp_transport_write(pb->data, pb->len);
		pb->len = 0;
	}
}

static void stp_print_n(const char *s, size_t n)
{
	struct stp_pbuf *pb = this_cpu_ptr(stp_pbufs);

	while (n) {
		size_t room = STP_PRINT_BUFSIZE - pb->len;
		size_t k;

		if (!room) {
			stp_print_flush();
			room = STP_PRINT_BUFSIZE;
		}
		k = n < room ? n : room;
		memcpy(pb->data + pb->len, s, k);
		pb->len += k;
		s += k;
		n -= k;
	}
}

/* ---- sinks */

struct stp_out {
	char *buf;		/* string sink: destination */
	size_t len;		/* string sink: bytes written */
	size_t cap;		/* string sink: size of buf */
	bool print;		/* true: the staging buffer */
};

static inline void stp_out_init_print(struct stp_out *o)
{
	o->print = true;
	o->buf = NULL;
	o->len = o->cap = 0;
}

static inline void stp_out_init_str(struct stp_out *o, char *buf, size_t cap)
{
	o->print = false;
	o->buf = buf;
	o->cap = cap;
	o->len = 0;
	buf[0] = '\0';
}

static void stp_out_put(struct stp_out *o, const char *s, size_t n)
{
	if (o->print) {
		stp_print_n(s, n);
		return;
	}
	if (o->len + 1 >= o->cap)
		return;
	if (n > o->cap - 1 - o->len)
		n = o->cap - 1 - o->len;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void stp_out_pad(struct stp_out *o, char c, int n)
{
	char pad[32];

	memset(pad, c, sizeof(pad));
	while (n > 0) {
		int k = n < (int)sizeof(pad) ? n : (int)sizeof(pad);

		stp_out_put(o, pad, k);
		n -= k;
	}
}

static void __maybe_unused stp_out_put_cb(void *ctx, const char *s, size_t n)
{
	stp_out_put(ctx, s, n);
}

static inline void stp_out_lit(struct stp_out *o, const char *s, size_t n)
{
	stp_out_put(o, s, n);
}

static inline void stp_out_str(struct stp_out *o, const char *s)
{
	stp_out_put(o, s, strlen(s));
}

/* ---- printf conversions */

enum {
	STP_FMT_LEFT = 1,	/* - */
	STP_FMT_PLUS = 2,	/* + */
	STP_FMT_SPACE = 4,	/* space */
	STP_FMT_ALT = 8,	/* # */
	STP_FMT_ZERO = 16,	/* 0 */
};

/* %#s: the string with C escapes, as SystemTap prints quoted values. */
static void stp_fmt_str_escaped(struct stp_out *o, const char *s, int prec)
{
	int used = 0;

	for (; *s && (prec < 0 || used < prec); s++, used++) {
		unsigned char c = *s;
		char esc[5];
		const char *e = NULL;

		switch (c) {
		case '\n': e = "\\n"; break;
		case '\t': e = "\\t"; break;
		case '\r': e = "\\r"; break;
		case '\v': e = "\\v"; break;
		case '\f': e = "\\f"; break;
		case '\b': e = "\\b"; break;
		case '\a': e = "\\a"; break;
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		default:
			if (c < 32 || c >= 127) {
				snprintf(esc, sizeof(esc), "\\%03o", c);
				e = esc;
			}
		}
		if (e)
			stp_out_put(o, e, strlen(e));
		else
			stp_out_put(o, (const char *)&c, 1);
	}
}

static void stp_fmt_str(struct stp_out *o, const char *s, unsigned int flags, int width, int prec)
{
	int n = strlen(s);


	if (prec >= 0 && n > prec)
		n = prec;
	if (!(flags & STP_FMT_LEFT))
		stp_out_pad(o, ' ', width - n);
	stp_out_put(o, s, n);
	if (flags & STP_FMT_LEFT)
		stp_out_pad(o, ' ', width - n);
}

/* Digits of v in base, most significant first, into buf (no sign). */
static int stp_digits(char *buf, uint64_t v, unsigned int base, bool upper)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, i;

	do {
		tmp[n++] = dig[v % base];
		v /= base;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static void stp_fmt_number(struct stp_out *o, uint64_t mag, bool neg, unsigned int flags,
			   int width, int prec, unsigned int base, bool upper, const char *prefix)
{
	char digits[24];
	char sign = 0;
	int nd, zeros = 0, plen = prefix ? strlen(prefix) : 0, total;

	nd = stp_digits(digits, mag, base, upper);	/* SystemTap prints 0 even for %.0d */
	if (neg)
		sign = '-';
	else if (flags & STP_FMT_PLUS)
		sign = '+';
	else if (flags & STP_FMT_SPACE)
		sign = ' ';
	if (prec > nd)
		zeros = prec - nd;
	total = nd + zeros + plen + (sign ? 1 : 0);
	if ((flags & STP_FMT_ZERO) && !(flags & STP_FMT_LEFT) && prec < 0 && width > total) {
		zeros += width - total;
		total = width;
	}
	if (!(flags & STP_FMT_LEFT))
		stp_out_pad(o, ' ', width - total);
	if (sign)
		stp_out_put(o, &sign, 1);
	if (plen)
		stp_out_put(o, prefix, plen);
	stp_out_pad(o, '0', zeros);
	stp_out_put(o, digits, nd);
	if (flags & STP_FMT_LEFT)
		stp_out_pad(o, ' ', width - total);
}

/* %m / %M: the bytes at a kernel or user address (precision: how many,
 * default 1), raw or as hex digits; unreadable memory prints nothing. */
static void stp_fmt_memory(struct stp_out *o, uint64_t addr, unsigned int flags, int width, int prec, bool hex)
{
	int n = prec > 0 ? prec : 1, i, len;
	char buf[64];

	if (n > MAXSTRINGLEN)
		n = MAXSTRINGLEN;
	len = hex ? 2 * n : n;
	if (!(flags & STP_FMT_LEFT))
		stp_out_pad(o, ' ', width - len);
	for (i = 0; i < n; i += sizeof(buf) / 2) {
		int k = n - i < (int)sizeof(buf) / 2 ? n - i : (int)sizeof(buf) / 2, j;
		const void *src = (const void *)(uintptr_t)(addr + i);
		long rc = addr + i < TASK_SIZE_MAX ? copy_from_user_nofault(buf, (const void __user *)src, k)
						   : copy_from_kernel_nofault(buf, src, k);

		if (rc)
			break;
		if (!hex) {
			stp_out_put(o, buf, k);
			continue;
		}
		for (j = 0; j < k; j++) {
			char h[2];

			h[0] = "0123456789abcdef"[(unsigned char)buf[j] >> 4];
			h[1] = "0123456789abcdef"[buf[j] & 15];
			stp_out_put(o, h, 2);
		}
	}
	if (flags & STP_FMT_LEFT)
		stp_out_pad(o, ' ', width - len);
}

static void stp_fmt_long(struct stp_out *o, int64_t v, unsigned int flags, int width, int prec, char conv)
{
	uint64_t u = (uint64_t)v;

	switch (conv) {
	case 'd':
	case 'i':
		stp_fmt_number(o, v < 0 ? 0 - u : u, v < 0, flags, width, prec, 10, false, NULL);
		break;
	case 'u':
		stp_fmt_number(o, u, false, flags & ~(STP_FMT_PLUS | STP_FMT_SPACE), width, prec, 10, false, NULL);
		break;
	case 'x':
	case 'X':
		stp_fmt_number(o, u, false, flags & ~(STP_FMT_PLUS | STP_FMT_SPACE), width, prec, 16,
			       conv == 'X', (flags & STP_FMT_ALT) ? (conv == 'X' ? "0X" : "0x") : NULL);
		break;
	case 'o':
		stp_fmt_number(o, u, false, flags & ~(STP_FMT_PLUS | STP_FMT_SPACE), width, prec, 8, false,
			       (flags & STP_FMT_ALT) ? "0" : NULL);
		break;
	case 'p':
		stp_fmt_number(o, u, false, flags & (STP_FMT_LEFT | STP_FMT_ZERO), width, prec, 16, false, "0x");
		break;
	case 'c': {
		char ch = (char)v;

		if (!(flags & STP_FMT_LEFT))
			stp_out_pad(o, ' ', width - 1);
		stp_out_put(o, &ch, 1);
		if (flags & STP_FMT_LEFT)
			stp_out_pad(o, ' ', width - 1);
		break;
	}
	case 'b': {
		int n = width > 0 ? width : 8;

		if (n != 1 && n != 2 && n != 4 && n != 8)
			n = 8;
		stp_out_put(o, (const char *)&u, n);
		break;
	}
	case 'm':
	case 'M':
		stp_fmt_memory(o, u, flags, width, prec, conv == 'M');
		break;
	default:
		stp_fmt_number(o, v < 0 ? 0 - u : u, v < 0, flags, width, prec, 10, false, NULL);
	}
}

static inline void stp_out_long(struct stp_out *o, int64_t v)
{
	stp_fmt_long(o, v, 0, -1, -1, 'd');
}

#endif /* STP_PRINT_H */
