/* probe_begin.c - begin, end, error and never probes.
 *
 * begin(N)/end(N)/error(N) run in process context from the control channel
 * (stp_module.h): begins at start, ends at a normal stop, errors instead of
 * ends when the session stops after a runtime error.  Priorities order
 * them (lower first; equal priorities keep script order).  `never` is
 * resolved and type-checked but never runs.
 */
#include "stap.h"

#include <stdlib.h>

typedef struct BeginData {
	int64_t priority;
} BeginData;

static bool match_named(Session *s, DProbe *d, const char *name)
{
	const ProbePoint *pp = d->pp;
	if (!pp_is(pp, 1, name))
		return false;
	if (pp->comps.len > 1) {
		pp_error(pp, pp_comp(pp, 1)->tok, "invalid suffix for probe");
		return true;
	}
	const PPComp *c = pp_comp(pp, 0);
	if (c->arg && c->arg->kind != N_NUM)
		return false;
	BeginData *bd = xalloc(sizeof *bd);
	bd->priority = c->arg ? c->arg->num : 0;
	d->fdata = bd;
	return true;
}

static bool match_begin(Session *s, DProbe *d) { return match_named(s, d, "begin"); }
static bool match_end(Session *s, DProbe *d) { return match_named(s, d, "end"); }
static bool match_error(Session *s, DProbe *d) { return match_named(s, d, "error"); }

static bool match_never(Session *s, DProbe *d)
{
	if (!pp_is(d->pp, 1, "never"))
		return false;
	if (d->pp->comps.len > 1 || pp_comp(d->pp, 0)->arg)
		pp_error(d->pp, pp_comp(d->pp, 0)->tok, "invalid suffix for probe");
	return true;
}

static int by_priority(const void *a, const void *b)
{
	const DProbe *x = *(DProbe *const *)a, *y = *(DProbe *const *)b;
	const BeginData *p = x->fdata, *q = y->fdata;
	if (p->priority != q->priority)
		return p->priority < q->priority ? -1 : 1;
	return x->index - y->index;
}

/* static void stp_fam_NAME_run(void) running the probes in priority order. */
static void emit_runner(Buf *out, const char *name, Vec *probes)
{
	Vec sorted = {0};
	vec_foreach(probes, i)
		vec_push(&sorted, vec_get(probes, i));
	vec_sort(&sorted, by_priority);
	buf_printf(out, "static void stp_fam_%s_run(void)\n{\n", name);
	vec_foreach(&sorted, i) {
		DProbe *d = vec_get(&sorted, i);
		/* past MAXERRORS in an end probe: later ones skip */
		if (i > 0 && str_eq(name, "end"))
			buf_puts(out, "\tif (atomic_read(&stp_session_failed))\n\t\treturn;\n");
		buf_printf(out, "\tstp_probe_run(&stp_probes[%d], NULL, STP_PROBE_%s);\n", d->index,
			   str_eq(name, "begin") ? "BEGIN" : "END");
	}
	buf_puts(out, "}\n\n");
}

static void emit_begin(Session *s, Buf *out, Vec *probes) { emit_runner(out, "begin", probes); }
static void emit_end(Session *s, Buf *out, Vec *probes) { emit_runner(out, "end", probes); }
static void emit_error(Session *s, Buf *out, Vec *probes) { emit_runner(out, "error", probes); }
static void emit_never(Session *s, Buf *out, Vec *probes) { }

static const char *const begin_patterns[] = { "begin", "begin(number)", NULL };
static const char *const end_patterns[] = { "end", "end(number)", NULL };
static const char *const error_patterns[] = { "error", "error(number)", NULL };
static const char *const never_patterns[] = { "never", NULL };

const Family family_begin = {
	.name = "begin", .patterns = begin_patterns, .match = match_begin,
	.emit = emit_begin, .context = "process",
};
const Family family_end = {
	.name = "end", .patterns = end_patterns, .match = match_end,
	.emit = emit_end, .context = "process",
};
const Family family_error = {
	.name = "error", .patterns = error_patterns, .match = match_error,
	.emit = emit_error, .context = "process",
};
const Family family_never = {
	.name = "never", .patterns = never_patterns, .match = match_never,
	.emit = emit_never, .context = "process",
};
