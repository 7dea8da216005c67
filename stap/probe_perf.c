/* probe_perf.c - perf.type(T).config(C)[.sample(N)|.hz(N)|.process]
 * probes: perf events counting on every CPU, the handler running at each
 * overflow (every N events, or N times a second).
 *
 * perf.sw.NAME, perf.hw.NAME and perf.hw_cache.* are tapset aliases
 * (tapset/perf.stp) for these, as in SystemTap.  The default period is
 * 1000000 events.  .process counts only in the target process (-c/-x)
 * and its children.  Events run through perf_event_create_kernel_counter
 * (runtime/stp_perf.h); the overflow handler runs in NMI context for
 * hardware events, in hardirq context for software ones, with the
 * interrupted registers.  A machine without the event (no hardware PMU
 * in the lab) fails at registration.
 */
#include "stap.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct PerfData {
	int64_t type, config;
	int64_t period;		/* events between samples, or frequency (hz) */
	bool freq;		/* .hz(N) */
	bool process;		/* target process only */
} PerfData;

#define DEFAULT_PERIOD 1000000

/* The -c command's executable, as SystemTap names it in .process. */
static const char *target_path(Session *s)
{
	if (!s->cmd)
		return NULL;
	size_t n = strcspn(s->cmd, " \t");
	char *word = xstrndup(s->cmd, n);
	char *found = NULL;
	if (strchr(word, '/')) {
		found = word;
	} else {
		const char *path = getenv("PATH");
		char *dirs = xstrdup(path ? path : "/usr/bin:/bin");
		for (char *d = strtok(dirs, ":"); d && !found; d = strtok(NULL, ":")) {
			char *cand = xsprintf("%s/%s", d, word);
			if (access(cand, X_OK) == 0)
				found = cand;
		}
	}
	char real[PATH_MAX];
	if (found && realpath(found, real))
		return xstrdup(real);
	return found ? found : word;
}

static bool num_arg(const PPComp *c, const char *name)
{
	return str_eq(c->name, name) && c->arg && c->arg->kind == N_NUM;
}

static bool match_perf(Session *s, DProbe *d)
{
	const ProbePoint *pp = d->pp;
	if (!pp_is(pp, 1, "perf") || pp->comps.len < 3 || !num_arg(pp_comp(pp, 1), "type") ||
	    !num_arg(pp_comp(pp, 2), "config"))
		return false;
	PerfData *pd = xalloc(sizeof *pd);
	pd->type = pp_comp(pp, 1)->arg->num;
	pd->config = pp_comp(pp, 2)->arg->num;
	pd->period = DEFAULT_PERIOD;
	const PPComp *c = pp_comp(pp, 3);
	const char *proc = NULL;
	if (c && (num_arg(c, "sample") || num_arg(c, "hz"))) {
		pd->period = c->arg->num;
		pd->freq = str_eq(c->name, "hz");
		if (!pd->freq && pd->period < 1) {
			pp_error(pp, c->arg->tok, "invalid perf sample period %" PRId64, pd->period);
			return true;
		}
		c = pp_comp(pp, 4);
	} else if (c && str_eq(c->name, "process") && !c->arg) {
		if (!s->cmd && s->target_pid <= 0) {
			pp_error(pp, NULL, "unspecified process probe is invalid without a -c COMMAND "
				 "[man stapprobes]");
			return true;
		}
		pd->process = true;
		proc = target_path(s);
		c = pp_comp(pp, 4);
	} else if (c && (str_eq(c->name, "process") || str_eq(c->name, "counter"))) {
		pp_error(pp, c->tok, "perf .%s(\"...\") probes are not supported yet", c->name);
		return true;
	}
	if (c) {
		pp_error(pp, c->tok, "invalid suffix for probe");
		return true;
	}
	d->fdata = pd;
	if (s->list_mode)	/* -l shows the point as written */
		return true;
	d->pp_text = xsprintf("perf.type(%" PRId64 ").config(%" PRId64 ").sample(%" PRId64 ")%s%s%s",
			      pd->type, pd->config, pd->period, proc ? ".process(\"" : "", proc ? proc : "",
			      proc ? "\")" : "");
	return true;
}

static void emit_perf(Session *s, Buf *out, Vec *probes)
{
	buf_puts(out, "#include \"stp_perf.h\"\n\nstatic struct stp_perf stp_perfs[] = {\n");
	vec_foreach(probes, i) {
		DProbe *d = vec_get(probes, i);
		PerfData *pd = d->fdata;
		buf_printf(out, "\t{ .probe = &stp_probes[%d], .type = %" PRId64 ", .config = %" PRId64
			   ", .period = %" PRId64 "ULL, .freq = %d, .process = %d },\n",
			   d->index, pd->type, pd->config, pd->period, pd->freq, pd->process);
	}
	buf_puts(out, "};\n\n"
		 "static int stp_fam_perf_register(void)\n{\n"
		 "\treturn stp_perfs_register(stp_perfs, ARRAY_SIZE(stp_perfs));\n}\n\n"
		 "static void stp_fam_perf_unregister(void)\n{\n"
		 "\tstp_perfs_unregister(stp_perfs, ARRAY_SIZE(stp_perfs));\n}\n\n");
}

static const char *const perf_patterns[] = {
	"perf.type(number).config(number)",
	"perf.type(number).config(number).hz(number)",
	"perf.type(number).config(number).process",
	"perf.type(number).config(number).sample(number)",
	NULL,
};

const Family family_perf = {
	.name = "perf", .patterns = perf_patterns, .match = match_perf,
	.emit = emit_perf, .registers = true, .context = "nmi",
};
