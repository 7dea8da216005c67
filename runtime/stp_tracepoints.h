/* SPDX-License-Identifier: GPL-2.0 */
/* stp_tracepoints.h - kernel.trace("SYSTEM:NAME") probes.
 *
 * The translator emits a table of struct stp_tracepoint, one per probe,
 * each naming a tracepoint of vmlinux and a generated callback taking
 * (data, u64 a0, ..., u64 aN-1): the tracepoint's arguments as the words
 * that carried them.  The callback passes them to the handler as the
 * context's probe data; the translator narrows each to its DWARF type.
 *
 * Tracepoints are found by name with for_each_kernel_tracepoint(); a probe
 * whose tracepoint is missing or fails to register is reported and
 * skipped, as in SystemTap; registering none at all is an error.
 */
#ifndef STP_TRACEPOINTS_H
#define STP_TRACEPOINTS_H

#include <linux/tracepoint.h>

struct stp_tracepoint {
	const struct stp_probe *probe;
	const char *name;		/* tracepoint name: sched_switch */
	void *callback;			/* stp_tp_cbN, or NULL: arguments we cannot take */
	struct tracepoint *tp;		/* found at registration */
	bool registered;
};

struct stp_tracepoint_lookup {
	struct stp_tracepoint *tps;
	int n;
};

static void stp_tracepoint_hit(void *data, u64 *args)
{
	struct stp_tracepoint *st = data;

	stp_probe_hit(st->probe, NULL, args);
}

static void stp_tracepoint_match(struct tracepoint *tp, void *priv)
{
	struct stp_tracepoint_lookup *l = priv;
	int i;

	for (i = 0; i < l->n; i++)
		if (!l->tps[i].tp && strcmp(l->tps[i].name, tp->name) == 0)
			l->tps[i].tp = tp;
}

static void stp_tracepoints_unregister(struct stp_tracepoint *tps, int n)
{
	bool any = false;
	int i;

	for (i = 0; i < n; i++) {
		if (!tps[i].registered)
			continue;
		tracepoint_probe_unregister(tps[i].tp, tps[i].callback, &tps[i]);
		tps[i].registered = false;
		any = true;
	}
	/* no callback may still be running when the module goes away */
	if (any)
		tracepoint_synchronize_unregister();
}

static int stp_tracepoints_register(struct stp_tracepoint *tps, int n)
{
	struct stp_tracepoint_lookup l = { .tps = tps, .n = n };
	int i, rc, ok = 0, last = -ENOENT;

	for (i = 0; i < n; i++)
		tps[i].tp = NULL;
	for_each_kernel_tracepoint(stp_tracepoint_match, &l);
	for (i = 0; i < n; i++) {
		struct stp_tracepoint *st = &tps[i];

		if (!st->tp || !st->callback) {
			stp_oob(STP_OOB_WARNING, "WARNING: probe %s registration error (%s)\n", STP_PP(st->probe),
				st->tp ? "unsupported argument types" : "tracepoint not found");
			continue;
		}
		rc = tracepoint_probe_register(st->tp, st->callback, st);
		if (rc) {
			stp_oob(STP_OOB_WARNING, "WARNING: probe %s registration error (rc %d)\n",
				STP_PP(st->probe), rc);
			last = rc;
			continue;
		}
		st->registered = true;
		ok++;
	}
	if (n && !ok)
		return last;
	return 0;
}

#endif /* STP_TRACEPOINTS_H */
