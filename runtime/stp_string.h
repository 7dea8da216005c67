/* SPDX-License-Identifier: GPL-2.0 */
/* stp_string.h - script string values: fixed MAXSTRINGLEN buffers.
 *
 * Every string variable, temporary and return value is a char array of
 * MAXSTRINGLEN bytes; copies and concatenations truncate silently, as in
 * SystemTap.
 */
#ifndef STP_STRING_H
#define STP_STRING_H

/* dst is always a MAXSTRINGLEN array. */
static inline void stp_strlcpy(char *dst, const char *src)
{
	if (unlikely(dst == src))
		return;
	strscpy(dst, src ? src : "", MAXSTRINGLEN);
}

static inline void stp_strlcat(char *dst, const char *src)
{
	size_t n = strnlen(dst, MAXSTRINGLEN - 1);
	if (src)
		strscpy(dst + n, src, MAXSTRINGLEN - n);
}

/* Integer division with SystemTap's semantics; b != 0 is checked by the
 * caller.  INT64_MIN / -1 would trap: it wraps instead. */
static inline int64_t stp_div(int64_t a, int64_t b)
{
	if (unlikely(b == -1))
		return (int64_t)(0 - (uint64_t)a);
	return a / b;
}

static inline int64_t stp_mod(int64_t a, int64_t b)
{
	if (unlikely(b == -1))
		return 0;
	return a % b;
}

#endif /* STP_STRING_H */
