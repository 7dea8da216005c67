/* SPDX-License-Identifier: GPL-2.0 */
/* stp_runtime.h - stand-in umbrella for the runtime tests.
 *
 * The real runtime/stp_runtime.h (the translator's) also pulls in context,
 * print, string and map support.  The hand-written test module needs only
 * the session and transport layers, in the order the real umbrella uses.
 * Being next to hello_mod.c, this file wins over runtime/stp_runtime.h.
 */
#ifndef STP_RUNTIME_H
#define STP_RUNTIME_H

#include <linux/module.h>
#include <linux/kernel.h>

#include "stp_wire.h"
#include "stp_session.h"
#include "stp_transport.h"

#endif /* STP_RUNTIME_H */
