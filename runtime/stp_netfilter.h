/* SPDX-License-Identifier: GPL-2.0 */
/* stp_netfilter.h - netfilter.hook(...).pf(...) probes: a netfilter hook
 * function per probe, in the initial network namespace.
 *
 * The translator emits a table of struct stp_netfilter with each probe's
 * nf_hook_ops (pf, hooknum, priority); the hook runs the probe with the
 * packet and the hook state as the context's probe data and returns the
 * verdict the handler left (NF_ACCEPT unless a -g script set $verdict).
 * Hooks run in softirq or process context.  Included right after
 * stp_runtime.h (the handlers read struct stp_nf_hit).
 */
#ifndef STP_NETFILTER_H
#define STP_NETFILTER_H

#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/netfilter_arp.h>
#include <linux/netfilter_bridge.h>
#include <linux/skbuff.h>
#include <linux/netdevice.h>
#include <net/net_namespace.h>

/* The older hook names scripts may use; the uapi headers hide them from
 * the kernel (they are the NF_INET_* values). */
#ifndef NF_IP_PRE_ROUTING
#define NF_IP_PRE_ROUTING	NF_INET_PRE_ROUTING
#define NF_IP_LOCAL_IN		NF_INET_LOCAL_IN
#define NF_IP_FORWARD		NF_INET_FORWARD
#define NF_IP_LOCAL_OUT		NF_INET_LOCAL_OUT
#define NF_IP_POST_ROUTING	NF_INET_POST_ROUTING
#endif
#ifndef NF_IP6_PRE_ROUTING
#define NF_IP6_PRE_ROUTING	NF_INET_PRE_ROUTING
#define NF_IP6_LOCAL_IN		NF_INET_LOCAL_IN
#define NF_IP6_FORWARD		NF_INET_FORWARD
#define NF_IP6_LOCAL_OUT	NF_INET_LOCAL_OUT
#define NF_IP6_POST_ROUTING	NF_INET_POST_ROUTING
#endif

/* the probe data of a netfilter handler */
struct stp_nf_hit {
	struct sk_buff *skb;
	const struct nf_hook_state *state;
	unsigned int verdict;
};

#define STP_NF_HIT(c) ((struct stp_nf_hit *)(c)->entry_data)

struct stp_netfilter {
	const struct stp_probe *probe;
	struct nf_hook_ops ops;		/* .priv is set at registration */
	bool registered;
};

static unsigned int stp_nf_hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	struct stp_nf_hit hit = { .skb = skb, .state = state, .verdict = NF_ACCEPT };

	stp_probe_hit(((struct stp_netfilter *)priv)->probe, NULL, &hit);
	return hit.verdict;
}

static void stp_netfilter_unregister(struct stp_netfilter *nfs, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!nfs[i].registered)
			continue;
		/* waits for running hooks (synchronize_net) before it returns */
		nf_unregister_net_hook(&init_net, &nfs[i].ops);
		nfs[i].registered = false;
	}
}

/* A probe that cannot be registered is a warning, as for tracepoints;
 * none at all fails the session. */
static int stp_netfilter_register(struct stp_netfilter *nfs, int n)
{
	int i, rc, ok = 0, last = 0;

	for (i = 0; i < n; i++) {
		nfs[i].ops.priv = &nfs[i];
		rc = nf_register_net_hook(&init_net, &nfs[i].ops);
		if (rc) {
			stp_oob(STP_OOB_WARNING, "WARNING: probe %s registration error (rc %d)\n",
				STP_PP(nfs[i].probe), rc);
			last = rc;
			continue;
		}
		nfs[i].registered = true;
		ok++;
	}
	return n && !ok ? last : 0;
}

#endif /* STP_NETFILTER_H */
