// SPDX-License-Identifier: GPL-2.0
/* bare_kprobe.c - the floor for benchmarks/kprobe-hit.sh: a kprobe whose
 * handler only increments a counter, on the function named by the `func`
 * parameter.  The count is printed when the module is removed.
 */
#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/atomic.h>

static char *func = "__x64_sys_getppid";
module_param(func, charp, 0444);

static atomic64_t hits;

static int bare_pre(struct kprobe *kp, struct pt_regs *regs)
{
	atomic64_inc(&hits);
	return 0;
}
NOKPROBE_SYMBOL(bare_pre);

static struct kprobe bare_kp = {
	.pre_handler = bare_pre,
};

static int __init bare_init(void)
{
	bare_kp.symbol_name = func;
	return register_kprobe(&bare_kp);
}

static void __exit bare_exit(void)
{
	unregister_kprobe(&bare_kp);
	pr_info("bare_kprobe: %s hits=%lld\n", func, (long long)atomic64_read(&hits));
}

module_init(bare_init);
module_exit(bare_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("a kprobe that counts hits (benchmark floor)");
