/* probe_timer.c - timer.{jiffies,s,ms,us,ns,hz}(N)[.randomize(M)] probes.
 *
 * Each probe is one hrtimer (runtime/stp_timer.h) described by a row of a
 * static table: interval and randomization in nanoseconds.  The handler
 * runs in hardirq context on whichever CPU the timer fires.
 */
#include "stap.h"

#include <inttypes.h>

typedef struct TimerData {
	int64_t ns;		/* interval */
	int64_t rand_ns;	/* +/- randomization */
} TimerData;

static const struct {
	const char *unit;
	int64_t ns;		/* nanoseconds per unit (0: hz) */
	int64_t max;		/* largest interval accepted */
} units[] = {
	{ "jiffies", -1, 1000000 },
	{ "s", 1000000000LL, 86400 },
	{ "sec", 1000000000LL, 86400 },
	{ "ms", 1000000LL, 86400000 },
	{ "msec", 1000000LL, 86400000 },
	{ "us", 1000LL, 86400000000LL },
	{ "usec", 1000LL, 86400000000LL },
	{ "ns", 1LL, 86400000000000LL },
	{ "nsec", 1LL, 86400000000000LL },
	{ "hz", 0, 1000000 },
};

static bool match_timer(Session *s, DProbe *d)
{
	const ProbePoint *pp = d->pp;
	if (!pp_is(pp, 1, "timer") || pp->comps.len < 2)
		return false;
	const PPComp *u = pp_comp(pp, 1);
	int k = -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (str_eq(units[i].unit, u->name))
			k = (int)i;
	if (k < 0 || !u->arg || u->arg->kind != N_NUM)
		return false;
	int64_t n = u->arg->num;
	if (n < 1 || n > units[k].max) {
		pp_error(pp, NULL, "interval value out of range (1, %" PRId64 ")", units[k].max);
		return true;
	}
	TimerData *td = xalloc(sizeof *td);
	int64_t per = units[k].ns;
	if (per > 0)
		td->ns = n * per;
	else if (per == 0)
		td->ns = 1000000000LL / n;
	else
		td->ns = -n;	/* jiffies: converted with HZ at runtime */
	if (pp->comps.len > 2) {
		const PPComp *r = pp_comp(pp, 2);
		if (!str_eq(r->name, "randomize") || !r->arg || r->arg->kind != N_NUM || pp->comps.len > 3) {
			pp_error(pp, r->tok, "invalid suffix for probe");
			return true;
		}
		int64_t m = r->arg->num;
		if (m < 1 || m > n) {
			pp_error(pp, NULL, "randomization value out of range");
			return true;
		}
		td->rand_ns = per > 0 ? m * per : per == 0 ? td->ns * m / n : -m;
	}
	d->fdata = td;
	return true;
}

static void emit_timer(Session *s, Buf *out, Vec *probes)
{
	buf_puts(out, "static struct stp_timer stp_timers[] = {\n");
	vec_foreach(probes, i) {
		DProbe *d = vec_get(probes, i);
		TimerData *td = d->fdata;
		buf_printf(out, "\t{ .probe = &stp_probes[%d], .ns = %" PRId64 ", .rand_ns = %" PRId64 " },\n",
			   d->index, td->ns, td->rand_ns);
	}
	buf_puts(out, "};\n\n"
		 "static int stp_fam_timer_register(void)\n{\n"
		 "\treturn stp_timers_start(stp_timers, ARRAY_SIZE(stp_timers));\n}\n\n"
		 "static void stp_fam_timer_unregister(void)\n{\n"
		 "\tstp_timers_cancel(stp_timers, ARRAY_SIZE(stp_timers));\n}\n\n");
}

static const char *const timer_patterns[] = {
	"timer.jiffies(number)", "timer.jiffies(number).randomize(number)",
	"timer.s(number)", "timer.s(number).randomize(number)",
	"timer.sec(number)", "timer.sec(number).randomize(number)",
	"timer.ms(number)", "timer.ms(number).randomize(number)",
	"timer.msec(number)", "timer.msec(number).randomize(number)",
	"timer.us(number)", "timer.us(number).randomize(number)",
	"timer.usec(number)", "timer.usec(number).randomize(number)",
	"timer.ns(number)", "timer.ns(number).randomize(number)",
	"timer.nsec(number)", "timer.nsec(number).randomize(number)",
	"timer.hz(number)", NULL,
};

const Family family_timer = {
	.name = "timer", .patterns = timer_patterns, .match = match_timer,
	.emit = emit_timer, .registers = true, .context = "irq",
};
