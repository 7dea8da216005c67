/* SPDX-License-Identifier: GPL-2.0 */
/* stp_helpers.h - small helpers the tapsets' embedded C calls. */
#ifndef STP_HELPERS_H
#define STP_HELPERS_H

/* The current process is a real task (not an interrupt with no task). */
static inline bool stp_in_task(void)
{
	return !in_nmi() && current != NULL;
}

#endif /* STP_HELPERS_H */
