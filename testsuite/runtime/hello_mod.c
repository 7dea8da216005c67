// SPDX-License-Identifier: GPL-2.0
/* hello_mod.c - a hand-written "generated" module for the runtime tests.
 *
 * It has the shape the translator produces: limits, the umbrella include,
 * globals (module parameters, so staprun's global=value works), handlers,
 * the six stp_gen_* hooks, then stp_module.h.  Its probes are one timer per
 * online CPU.  Each tick prints one numbered line; the number is taken and
 * the line written under one lock, so flush order equals number order and
 * the loader's merged output must count 1, 2, 3... without a hole.
 *
 * What the test asks for is chosen with the global "mode":
 *   0  print `ticks` lines, then exit() from a timer (softirq context)
 *   1  like 0, but also report an ERROR (staprun must exit 1)
 *   2  never exit: ended by a signal, -c, -x, -T or staprun -d
 *   3  exit() from the begin probe: nothing is armed, end still runs
 *   4  arming fails with -ENODEV (STARTED carries the error)
 *   5  stp_gen_init() fails with -ENOMEM (insertion fails)
 * "flood" writes that many 1 KB lines from begin (to overflow buffers);
 * "burst" adds that many lines after each tick line, "burst N.I cpu C ...",
 * so that output is dropped while the loader is reading.  "sys" makes
 * begin ask the loader to run a shell command (system()).
 *
 * begin and end also print who runs them ("loader: COMM SAME" where SAME
 * says whether the current process is stp_loader_pid: begin and end run
 * in the loader's "stapio" thread) and begin the zone START passed.
 */
#define STP_MODULE_NAME "hello_mod"

#include "stp_runtime.h"
#include <linux/sched.h>
#include <linux/timer.h>
#include <linux/cpumask.h>
#include <linux/spinlock.h>

/* --- globals ------------------------------------------------------------ */

static long mode;
module_param(mode, long, 0);
static long ticks = 200;
module_param(ticks, long, 0);
static long flood;
module_param(flood, long, 0);
static long burst;
module_param(burst, long, 0);
static long sys;
module_param(sys, long, 0);

struct hello_tick {
	struct timer_list timer;
	int cpu;
};
static struct hello_tick *hello_ticks;	/* one per possible CPU */
static bool hello_disarmed;
static DEFINE_SPINLOCK(hello_lock);
static long hello_count;

static void hello_printf(const char *fmt, ...) __printf(1, 2);
static void hello_printf(const char *fmt, ...)
{
	char line[160];
	va_list args;
	int n;

	va_start(args, fmt);
	n = vscnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	stp_transport_write(line, n);
}

/* --- probe handlers ----------------------------------------------------- */

static void hello_tick_fn(struct timer_list *t)
{
	struct hello_tick *tk = from_timer(tk, t, timer);

	if (stp_probe_enter()) {
		unsigned long flags;
		long n;

		spin_lock_irqsave(&hello_lock, flags);
		n = ++hello_count;
		if (n <= ticks) {
			long i;

			hello_printf("tick %ld cpu %d\n", n, tk->cpu);
			for (i = 0; i < burst; i++)
				hello_printf("burst %ld.%ld cpu %d %0100d\n", n, i,
					     tk->cpu, 0);
		}
		spin_unlock_irqrestore(&hello_lock, flags);
		if (n == ticks / 2 && mode == 1)
			stp_oob(STP_OOB_ERROR, "ERROR: test error from cpu %d\n",
				tk->cpu);
		if (n == ticks && mode != 2)
			stp_request_exit();
		stp_probe_exit();
	}
	if (!READ_ONCE(hello_disarmed)) {
		t->expires = jiffies + 1;
		add_timer_on(t, tk->cpu);
	}
}

/* --- the six hooks ------------------------------------------------------ */

static int stp_gen_init(void)
{
	if (mode == 5)
		return -ENOMEM;
	hello_ticks = kcalloc(nr_cpu_ids, sizeof(*hello_ticks), GFP_KERNEL);
	return hello_ticks ? 0 : -ENOMEM;
}

static void stp_gen_begin(void)
{
	char big[1024];
	long i;

	hello_printf("begin: mode %ld target %ld\n", mode, stp_target_pid);
	hello_printf("loader: %s %d\n", current->comm,
		     task_tgid_nr(current) == READ_ONCE(stp_loader_pid));
	hello_printf("zone: %s %ld\n", stp_tz_name, stp_tz_gmtoff);
	stp_oob(STP_OOB_WARNING, "WARNING: test warning from begin\n");
	if (sys)
		stp_system("echo from-system > /tmp/rt/system.out");
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	for (i = 0; i < flood; i++)
		stp_transport_write(big, sizeof(big));
	if (mode == 3)
		stp_request_exit();
}

static int stp_gen_register(void)
{
	int cpu;

	if (mode == 4)
		return -ENODEV;
	hello_disarmed = false;
	for_each_online_cpu(cpu) {
		struct hello_tick *tk = &hello_ticks[cpu];

		tk->cpu = cpu;
		timer_setup(&tk->timer, hello_tick_fn, 0);
		tk->timer.expires = jiffies + 1;
		add_timer_on(&tk->timer, cpu);
	}
	return 0;
}

static void stp_gen_unregister(void)
{
	int cpu;

	WRITE_ONCE(hello_disarmed, true);
	for_each_online_cpu(cpu)
		if (hello_ticks[cpu].timer.function)
			del_timer_sync(&hello_ticks[cpu].timer);
}

static void stp_gen_end(void)
{
	hello_printf("loader: %s %d\n", current->comm,
		     task_tgid_nr(current) == READ_ONCE(stp_loader_pid));
	hello_printf("end: %ld ticks\n", min(hello_count, ticks));
}

static void stp_gen_exit(void)
{
	kfree(hello_ticks);
}

#include "stp_module.h"
