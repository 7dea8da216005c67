/* SPDX-License-Identifier: GPL-2.0 */
/* stp_runtime.h - the umbrella every generated module includes first.
 *
 * Order matters, the module being one translation unit: kernel headers,
 * limits (each overridable with stap -D NAME=VALUE), the wire format and
 * session state, the transport, then the pieces generated code calls:
 * strings, output formatting, context and probe entry, locks, maps,
 * statistics, timers.  stp_module.h, included at the very end of the
 * generated file, holds module_init/module_exit.
 */
#ifndef STP_RUNTIME_H
#define STP_RUNTIME_H

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/delay.h>
#include <linux/uaccess.h>
#include <linux/ptrace.h>
#include <linux/utsname.h>
#include <linux/timekeeping.h>
#include <linux/spinlock.h>
#include <asm/irq_regs.h>

#define STP_MODULE_NAME KBUILD_MODNAME

/* ---- limits (SystemTap's names and defaults) */
#ifndef MAXSTRINGLEN
#define MAXSTRINGLEN 512		/* bytes in a string value, NUL included */
#endif
#define STP_STR_SLOTS ((MAXSTRINGLEN + 7) / 8)	/* a string in int64 entry slots */
#ifndef MAXACTION
#define MAXACTION 1000			/* statements per probe hit */
#endif
#ifndef MAXACTION_INTERRUPTIBLE
#define MAXACTION_INTERRUPTIBLE (MAXACTION * 10)	/* begin/end probes */
#endif
#ifndef MAXNESTING
#define MAXNESTING 10			/* function call depth */
#endif
#ifndef MAXMAPENTRIES
#define MAXMAPENTRIES 2048		/* elements per array */
#endif
#ifndef MAXERRORS
#define MAXERRORS 0			/* errors tolerated before exit */
#endif
#ifndef MAXSKIPPED
#define MAXSKIPPED 100			/* skipped probes tolerated before exit */
#endif
#ifndef MAXTRYLOCK
#define MAXTRYLOCK 100			/* lock retries before skipping a hit */
#endif
#ifndef TRYLOCKDELAY
#define TRYLOCKDELAY 10			/* microseconds between lock attempts */
#endif
#ifndef STP_PRINT_BUFSIZE
#define STP_PRINT_BUFSIZE 8192		/* per-CPU output staging buffer */
#endif

#include "stp_wire.h"
#include "stp_session.h"
#include "stp_transport.h"
#include "stp_string.h"
#include "stp_print.h"
#include "stp_lock.h"
#include "stp_context.h"
#include "stp_map.h"
#include "stp_stat.h"
#include "stp_timer.h"
#include "stp_deref.h"
#include "stp_kprobes.h"
#include "stp_uprobes.h"
#include "stp_sym.h"	/* context tapsets: symbols, stacks, registers */
#include "stp_helpers.h"
#include "stp_regex.h"	/* regex */

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ctap tracing session " STP_MODULE_NAME);

#endif /* STP_RUNTIME_H */
