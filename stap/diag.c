/* diag.c - diagnostics in SystemTap's layout.
 *
 * Every error names the token it is about and shows its source line with a
 * caret:
 *
 *   semantic error: MESSAGE: identifier 'x' at FILE:LINE:COL
 *           source: TEXT OF THE LINE
 *                   ^
 *
 * Like SystemTap, a semantic error or warning names its file only when it
 * differs from the previous message's, and repeated identical messages are
 * counted, not printed (unless -v).  Parse errors always name the file and
 * are followed by a blank line.
 */
#include "stap.h"

#include <stdlib.h>
#include <string.h>

int g_errors;
int g_warnings;
int g_diag_quiet;		/* > 0: count errors but print nothing (@defined) */
int g_diag_quiet_errors;	/* > 0: errors counted, not printed; warnings are */
Vec *g_diag_capture;
const char *g_diag_site;	/* the check reporting: repeats are per check */

static const char *last_file;		/* file named by the previous message */
static Vec seen_msgs;			/* const char*: messages printed */
static int suppressed_errors;
static int suppressed_warnings;
static bool pending_blank;		/* a semantic error's closing blank line */

static void flush_blank(void)
{
	if (pending_blank)
		fputc('\n', stderr);
	pending_blank = false;
}

static const char *const kind_names[] = {
#define X(k, s) s,
	TOKEN_KINDS(X)
#undef X
};

const char *tok_describe(const Tok *t)
{
	const char *kind = kind_names[t->kind];
	switch (t->kind) {
	case T_KEYWORD:
	case T_EMBEDDED:
	case T_EOF:
		return kind;
	case T_STRING:
		return xsprintf("%s '%s'", kind, t->raw ? t->raw : t->text);
	default:
		return xsprintf("%s '%s'", kind, t->text ? t->text : "");
	}
}

static const char *file_label(const Tok *t)
{
	const char *name = t->loc.file ? t->loc.file->name : "";
	if (last_file && strcmp(last_file, name) == 0)
		return "";
	last_file = name;
	return name;
}

/* The source line of t and a caret under its column, labels right-aligned
 * so that the text starts at column `indent`. */
static void print_source(const Tok *t, const char *label, int indent)
{
	SrcFile *f = t->loc.file;
	if (!f || t->loc.line <= 0)
		return;
	const char *p = f->text;
	for (int line = 1; line < t->loc.line && p; line++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return;
	const char *end = strchr(p, '\n');
	int len = end ? (int)(end - p) : (int)strlen(p);
	fprintf(stderr, "%*s %.*s\n", indent - 1, label, len, p);
	fprintf(stderr, "%*s", indent, "");
	for (int i = 0; i < t->loc.col - 1 && i < len; i++)
		fputc(p[i] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

void diag_source(const Tok *t, const char *label)
{
	print_source(t, label, (int)strlen(label) + 1);
}

static bool already_said(const char *msg)
{
	bool all = g_session && g_session->verbose > 0;	/* -v shows repeats */
	vec_foreach(&seen_msgs, i)
		if (strcmp(vec_get(&seen_msgs, i), msg) == 0)
			return !all;
	vec_push(&seen_msgs, (void *)msg);
	return false;
}

static void report(const char *kind, const char *saw, int indent, const Tok *t,
		   const char *fmt, va_list ap)
{
	char *msg = xvsprintf(fmt, ap);
	flush_blank();
	/* Repeated messages are counted, not printed, except SystemTap's
	 * "expected 'X'" for a missing operator; "expected one of ..." counts
	 * as one message whatever its list (observed in 4.8) */
	const char *key = xsprintf("%s%s", kind, msg);
	if (str_startswith(msg, "expected one of"))
		key = xsprintf("%s%.15s", kind, msg);
	else if (str_startswith(msg, "expected '") && !strchr(msg + 10, ','))
		key = NULL;
	else if (str_startswith(msg, "incomplete conditional - missing"))
		key = NULL;	/* each stray %? %: %) is said (4.8) */
	if (key && already_said(key)) {
		if (strstr(kind, "WARNING"))
			suppressed_warnings++;
		else
			suppressed_errors++;
		return;
	}
	pending_blank = true;
	fprintf(stderr, "%s: %s\n", kind, msg);
	if (!t)
		return;
	/* Parse errors always name their file. */
	fprintf(stderr, "%*s %s at %s:%d:%d\n", indent - 1, saw, tok_describe(t),
		t->loc.file ? t->loc.file->name : "", t->loc.line, t->loc.col);
	print_source(t, "source:", indent);
}

void parse_error_tok(const Tok *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report("parse error", "saw:", 13, t, fmt, ap);
	va_end(ap);
	g_errors++;
}

/* The same, for an error about a token other than the one just read. */
void parse_error_at(const Tok *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report("parse error", "at:", 13, t, fmt, ap);
	va_end(ap);
	g_errors++;
}

/* SystemTap counts a semantic error as a repeat when it comes from the
 * same place in the translator, whatever names it mentions: key messages
 * by their shape (quoted names, parenthesized details and numbers out). */
static const char *error_shape(const char *msg)
{
	Buf b = {0};
	for (const char *p = msg; *p; p++) {
		if (*p == '\'') {
			const char *q = strchr(p + 1, '\'');
			if (q) {
				buf_puts(&b, "''");
				p = q;
				continue;
			}
		}
		if (*p == '(') {
			int depth = 0;
			const char *q = p;
			for (; *q; q++) {
				if (*q == '(')
					depth++;
				else if (*q == ')' && --depth == 0)
					break;
			}
			if (*q) {
				buf_puts(&b, "()");
				p = q;
				continue;
			}
		}
		buf_putc(&b, *p >= '0' && *p <= '9' ? '#' : *p);
	}
	return xstrdup(buf_cstr(&b));
}

/* SystemTap's chained errors ("while resolving probe point" with its
 * cause) are one error: a repeat of both is counted once and not said.
 * True when the caller should say nothing more. */
bool error_chain_repeated(const char *first, const char *cause)
{
	if (g_diag_quiet || g_diag_quiet_errors)
		return false;
	if (g_diag_capture)
		return false;	/* said, or not, when replayed */
	if (already_said(xsprintf("%s\n%s", error_shape(first), error_shape(cause)))) {
		g_errors++;
		suppressed_errors++;
		return true;
	}
	return false;
}

void error_tok(const Tok *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvsprintf(fmt, ap);
	va_end(ap);
	if (g_diag_capture && !g_diag_quiet) {
		DiagItem *d = xalloc(sizeof *d);
		d->tok = t;
		d->msg = msg;
		vec_push(g_diag_capture, d);
		return;
	}
	g_errors++;
	if (g_diag_quiet || g_diag_quiet_errors)
		return;
	flush_blank();
	/* a check named by a site repeats whatever its message's names; the
	 * first part of a chained error is judged with its cause */
	if (!str_eq(msg, "while resolving probe point") &&
	    already_said(g_diag_site ? xsprintf("@%s", g_diag_site) : error_shape(msg))) {
		suppressed_errors++;
		return;
	}
	pending_blank = true;
	if (!t) {
		fprintf(stderr, "semantic error: %s\n", msg);
		return;
	}
	fprintf(stderr, "semantic error: %s: %s at %s:%d:%d\n", msg, tok_describe(t),
		file_label(t), t->loc.line, t->loc.col);
	print_source(t, "source:", 16);
}

void diag_replay(const Vec *items)
{
	vec_foreach(items, i) {
		const DiagItem *d = vec_get(items, i);
		error_tok(d->tok, "%s", d->msg);
	}
}

void diag_also(const Tok *t)
{
	if (!t)
		return;
	fprintf(stderr, "%s at %s:%d:%d\n", tok_describe(t), file_label(t), t->loc.line, t->loc.col);
	print_source(t, "source:", 16);
}

void warn_tok(const Tok *t, const char *fmt, ...)
{
	Session *s = g_session;
	if ((s && s->suppress_warnings) || g_diag_quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvsprintf(fmt, ap);
	va_end(ap);
	flush_blank();
	if (already_said(xsprintf("W%s", msg))) {
		suppressed_warnings++;
		return;
	}
	g_warnings++;
	if (!t) {
		fprintf(stderr, "WARNING: %s\n", msg);
		return;
	}
	fprintf(stderr, "WARNING: %s: %s at %s:%d:%d\n", msg, tok_describe(t),
		file_label(t), t->loc.line, t->loc.col);
	print_source(t, "source:", 9);
}

void error_plain(const char *fmt, ...)
{
	flush_blank();
	va_list ap;
	va_start(ap, fmt);
	fputs("ERROR: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	g_errors++;
}

void warn_plain(const char *fmt, ...)
{
	Session *s = g_session;
	if (s && s->suppress_warnings)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("WARNING: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	g_warnings++;
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ERROR: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Printed at the end of a failed or noisy pass, as SystemTap does. */
/* Forget everything said (the fuzzer parses many inputs in one process). */
void diag_reset(void)
{
	seen_msgs = (Vec){0};
	last_file = NULL;
	pending_blank = false;
	suppressed_errors = suppressed_warnings = 0;
	g_errors = g_warnings = 0;
}

void diag_flush(void)
{
	flush_blank();
}

void diag_summary(void)
{
	flush_blank();
	if (suppressed_warnings)
		fprintf(stderr, "Number of similar warning messages suppressed: %d.\n",
			suppressed_warnings);
	if (suppressed_errors)
		fprintf(stderr, "Number of similar error messages suppressed: %d.\n",
			suppressed_errors);
	if (suppressed_warnings || suppressed_errors)
		fputs("Rerun with -v to see them.\n", stderr);
	suppressed_errors = suppressed_warnings = 0;
}
