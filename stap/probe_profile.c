/* probe_profile.c - timer.profile.tick: every CPU, at every tick, with the
 * interrupted registers (user or kernel).
 *
 * The kernel no longer lets modules hook the profiling tick, so each
 * online CPU gets a pinned hrtimer firing every 1/HZ second
 * (runtime/stp_profile.h); the handler runs in hardirq context with
 * get_irq_regs().  timer.profile is a tapset alias for this point
 * (tapset/perf.stp), as in SystemTap.
 */
#include "stap.h"

static bool match_profile(Session *s, DProbe *d)
{
	const ProbePoint *pp = d->pp;
	if (!pp_is(pp, 3, "timer", "profile", "tick") || pp->comps.len != 3)
		return false;
	for (int i = 0; i < 3; i++)
		if (pp_comp(pp, i)->arg)
			return false;
	return true;
}

static void emit_profile(Session *s, Buf *out, Vec *probes)
{
	buf_puts(out, "#include \"stp_profile.h\"\n\nstatic struct stp_profile stp_profiles[] = {\n");
	vec_foreach(probes, i)
		buf_printf(out, "\t{ .probe = &stp_probes[%d] },\n", ((DProbe *)vec_get(probes, i))->index);
	buf_puts(out, "};\n\n"
		 "static int stp_fam_profile_register(void)\n{\n"
		 "\treturn stp_profiles_start(stp_profiles, ARRAY_SIZE(stp_profiles));\n}\n\n"
		 "static void stp_fam_profile_unregister(void)\n{\n"
		 "\tstp_profiles_stop(stp_profiles, ARRAY_SIZE(stp_profiles));\n}\n\n");
}

static const char *const profile_patterns[] = { "timer.profile.tick", NULL };

const Family family_profile = {
	.name = "profile", .patterns = profile_patterns, .match = match_profile,
	.emit = emit_profile, .registers = true, .context = "irq",
};
