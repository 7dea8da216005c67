/* probe_netfilter.c - netfilter.hook("HOOK").pf("PF")[.priority("PRI")]
 * and netfilter.pf("PF").hook("HOOK")[.priority("PRI")]: a netfilter hook
 * function in the initial network namespace (runtime/stp_netfilter.h).
 *
 * Names are the kernel's own (NF_INET_LOCAL_IN, NFPROTO_IPV4,
 * NF_IP_PRI_FILTER, ...) and go into the C verbatim; without -g only the
 * known ones (and integer priorities) are accepted, as in SystemTap.
 *
 * Context: $hooknum, $skb, $in, $out, $okfn as longs ($skb->len,
 * $in->name... read through the kernel's DWARF, as @cast would), and under
 * -g $verdict, which the hook returns (NF_ACCEPT unless set).  SystemTap
 * keeps each in a probe local `__nf_NAME`, which -p2 and -L list: so do
 * we, in name order as it does (the handler reads the hook's arguments
 * directly).
 */
#include "ast.h"

#include <stdlib.h>
#include <string.h>

typedef struct NData {
	const char *hook;
	const char *pf;
	const char *priority;	/* "0" by default */
} NData;

typedef struct PFInfo {
	const char *name;
	int number;		/* for the error texts, as SystemTap prints them */
	const char *const *hooks;
	const char *pri_prefix;	/* named priorities, or NULL */
} PFInfo;

static const char *const inet_hooks[] = {
	"NF_INET_PRE_ROUTING", "NF_INET_LOCAL_IN", "NF_INET_FORWARD", "NF_INET_LOCAL_OUT",
	"NF_INET_POST_ROUTING", "NF_IP_PRE_ROUTING", "NF_IP_LOCAL_IN", "NF_IP_FORWARD",
	"NF_IP_LOCAL_OUT", "NF_IP_POST_ROUTING", NULL,
};
static const char *const inet6_hooks[] = {
	"NF_INET_PRE_ROUTING", "NF_INET_LOCAL_IN", "NF_INET_FORWARD", "NF_INET_LOCAL_OUT",
	"NF_INET_POST_ROUTING", "NF_IP6_PRE_ROUTING", "NF_IP6_LOCAL_IN", "NF_IP6_FORWARD",
	"NF_IP6_LOCAL_OUT", "NF_IP6_POST_ROUTING", NULL,
};
static const char *const arp_hooks[] = { "NF_ARP_IN", "NF_ARP_OUT", "NF_ARP_FORWARD", NULL };
static const char *const bridge_hooks[] = {
	"NF_BR_PRE_ROUTING", "NF_BR_LOCAL_IN", "NF_BR_FORWARD", "NF_BR_LOCAL_OUT",
	"NF_BR_POST_ROUTING", "NF_BR_BROUTING", NULL,
};

static const PFInfo pfs[] = {
	{ "NFPROTO_IPV4", 2, inet_hooks, "NF_IP_PRI_" },
	{ "NFPROTO_IPV6", 10, inet6_hooks, "NF_IP6_PRI_" },
	{ "NFPROTO_ARP", 3, arp_hooks, NULL },
	{ "NFPROTO_BRIDGE", 7, bridge_hooks, NULL },
};

/* NF_IP_PRI_* and NF_IP6_PRI_* (the same suffixes) */
static const char *const pri_names[] = {
	"FIRST", "RAW_BEFORE_DEFRAG", "CONNTRACK_DEFRAG", "RAW", "SELINUX_FIRST", "CONNTRACK",
	"MANGLE", "NAT_DST", "FILTER", "SECURITY", "NAT_SRC", "SELINUX_LAST",
	"CONNTRACK_HELPER", "CONNTRACK_CONFIRM", "LAST", NULL,
};

static bool in_list(const char *const *list, const char *s)
{
	for (int i = 0; list[i]; i++)
		if (str_eq(list[i], s))
			return true;
	return false;
}

static bool is_integer(const char *s)
{
	return str_all_digits(*s == '-' || *s == '+' ? s + 1 : s);
}

/* A name for C: in guru mode anything goes in, but it must stay one token. */
static bool c_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s == '_' || *s == '-' || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

static const char *str_arg(const PPComp *c, const char *name)
{
	if (!c || !str_eq(c->name, name) || !c->arg || c->arg->kind != N_STR)
		return NULL;
	return c->arg->str;
}

static bool match_netfilter(Session *s, DProbe *d)
{
	const ProbePoint *pp = d->pp;
	if (!pp_is(pp, 1, "netfilter") || pp->comps.len < 3 || pp->comps.len > 4)
		return false;
	NData *nd = xalloc(sizeof *nd);
	const PPComp *a = pp_comp(pp, 1), *b = pp_comp(pp, 2);
	if (str_arg(a, "hook") && str_arg(b, "pf")) {
		nd->hook = str_arg(a, "hook");
		nd->pf = str_arg(b, "pf");
	} else if (str_arg(a, "pf") && str_arg(b, "hook")) {
		nd->pf = str_arg(a, "pf");
		nd->hook = str_arg(b, "hook");
	} else {
		return false;
	}
	nd->priority = "0";
	if (pp->comps.len == 4) {
		nd->priority = str_arg(pp_comp(pp, 3), "priority");
		if (!nd->priority)
			return false;
	}
	const PFInfo *pf = NULL;
	for (size_t i = 0; i < sizeof pfs / sizeof pfs[0]; i++)
		if (str_eq(pfs[i].name, nd->pf))
			pf = &pfs[i];
	if (!s->guru) {
		if (!pf) {
			pp_error(pp, NULL, "unsupported netfilter protocol family \"%s\"; need stap -g", nd->pf);
			return true;
		}
		if (!in_list(pf->hooks, nd->hook)) {
			pp_error(pp, NULL, "unsupported netfilter hook \"%s\" for protocol family \"%d\"; need stap -g",
				 nd->hook, pf->number);
			return true;
		}
		bool named = pf->pri_prefix && str_startswith(nd->priority, pf->pri_prefix) &&
			     in_list(pri_names, nd->priority + strlen(pf->pri_prefix));
		if (!named && !is_integer(nd->priority)) {
			pp_error(pp, NULL, "unsupported netfilter priority \"%s\" for protocol family \"%d\"; need stap -g",
				 nd->priority, pf->number);
			return true;
		}
	} else if (!c_word(nd->pf) || !c_word(nd->hook) || !c_word(nd->priority)) {
		pp_error(pp, NULL, "netfilter probe parameters must be C identifiers or numbers");
		return true;
	}
	family_include_runtime(s, "stp_netfilter.h", pp->tok);
	d->fdata = nd;
	return true;
}

/* The variables: C of their value, the struct type behind a pointer. */
static const struct {
	const char *name;
	const char *code;
	const char *type;	/* for member chains, or NULL */
} nf_vars[] = {	/* in name order: SystemTap lists its __nf_ locals so */
	{ "$hooknum", "((int64_t)STP_NF_HIT(c)->state->hook)", NULL },
	{ "$in", "((int64_t)(uintptr_t)STP_NF_HIT(c)->state->in)", "net_device" },
	{ "$okfn", "((int64_t)(uintptr_t)STP_NF_HIT(c)->state->okfn)", NULL },
	{ "$out", "((int64_t)(uintptr_t)STP_NF_HIT(c)->state->out)", "net_device" },
	{ "$skb", "((int64_t)(uintptr_t)STP_NF_HIT(c)->skb)", "sk_buff" },
	{ "$verdict", "((int64_t)STP_NF_HIT(c)->verdict)", NULL },
};

static int var_index(const char *name)
{
	for (size_t i = 0; i < sizeof nf_vars / sizeof nf_vars[0]; i++)
		if (str_eq(nf_vars[i].name, name))
			return (int)i;
	return -1;
}

/* $skb->len: the chain as @cast(value, "sk_buff", "kernel")->len. */
static const char *chain_code(Session *s, Node *n, int i, const char *(*index_expr)(Node *, void *),
			      void *arg, const char **code)
{
	Node cast = *n;
	cast.kind = N_CAST;
	cast.str = nf_vars[i].type;
	cast.name = "kernel";
	return dw_cast_code(s, &cast, nf_vars[i].code, index_expr, arg, code);
}

static const char *dummy_index(Node *n, void *arg)
{
	return "0";
}

static void target_netfilter(Session *s, DProbe *d, Node *n)
{
	int i = n->kind == N_TARGET ? var_index(n->name) : -1;
	if (i < 0) {
		error_tok(n->tok, "unsupported context variable");
		return;
	}
	if (str_eq(n->name, "$verdict") && !s->guru) {
		error_tok(n->tok, "write to netfilter verdict requires guru mode; need stap -g");
		return;
	}
	family_note_local(d, xsprintf("__nf_%s", n->name + 1), n->tok, i);
	n->type = TY_LONG;
	if (!n->comps.len)
		return;
	if (!nf_vars[i].type) {
		error_tok(n->tok, "netfilter variable '%s' may not be used as a structure", n->name);
		return;
	}
	const char *code;
	const char *err = chain_code(s, n, i, dummy_index, NULL, &code);
	if (err && str_eq(err, "pretty"))
		n->type = TY_STRING;
	else if (err)
		error_tok(n->tok, "%s", err);
}

static const char *code_netfilter(Session *s, DProbe *d, Node *n, void *gen)
{
	int i = var_index(n->name);
	if (i < 0)
		return "((int64_t)0)";
	if (!n->comps.len)
		return nf_vars[i].code;
	const char *code;
	const char *err = chain_code(s, n, i, translate_index_hook(), gen, &code);
	if (err && str_eq(err, "pretty")) {
		const char *buf = translate_string_temp(gen);
		return xsprintf("({ struct stp_out o; stp_out_init_str(&o, %s, MAXSTRINGLEN);\n%s%s; })", buf,
				code, buf);
	}
	if (err) {
		error_tok(n->tok, "%s", err);
		return "((int64_t)0)";
	}
	return code;
}

static const char *store_netfilter(Session *s, DProbe *d, Node *n, int op, const char *value, void *gen)
{
	if (n->type == TY_UNKNOWN)
		return NULL;	/* reported already */
	if (!str_eq(n->name, "$verdict") || n->comps.len) {
		error_tok(n->tok, "write to netfilter parameter '%s' not permitted", n->name);
		return NULL;
	}
	if (op != '=')
		return NULL;	/* a type error */
	if (!gen)
		return NULL;
	return xsprintf("STP_NF_HIT(c)->verdict = (unsigned int)(%s)", value);
}

static void emit_netfilter(Session *s, Buf *out, Vec *probes)
{
	buf_puts(out, "static struct stp_netfilter stp_netfilters[] = {\n");
	vec_foreach(probes, i) {
		DProbe *d = vec_get(probes, i);
		NData *nd = d->fdata;
		buf_printf(out, "\t{ .probe = &stp_probes[%d], .ops = { .hook = stp_nf_hook, .pf = %s, "
			   ".hooknum = %s, .priority = %s } },\n", d->index, nd->pf, nd->hook, nd->priority);
	}
	buf_puts(out, "};\n\n"
		 "static int stp_fam_netfilter_register(void)\n{\n"
		 "\treturn stp_netfilter_register(stp_netfilters, ARRAY_SIZE(stp_netfilters));\n}\n\n"
		 "static void stp_fam_netfilter_unregister(void)\n{\n"
		 "\tstp_netfilter_unregister(stp_netfilters, ARRAY_SIZE(stp_netfilters));\n}\n\n");
}

static const char *const netfilter_patterns[] = {
	"netfilter.hook(string).pf(string)", "netfilter.hook(string).pf(string).priority(string)",
	"netfilter.pf(string).hook(string)", "netfilter.pf(string).hook(string).priority(string)", NULL,
};

const Family family_netfilter = {
	.name = "netfilter", .patterns = netfilter_patterns, .match = match_netfilter,
	.target = target_netfilter, .target_code = code_netfilter, .target_store = store_netfilter,
	.emit = emit_netfilter, .registers = true, .context = "irq",
};
