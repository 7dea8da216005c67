/* stp_wire.h - the wire format between a generated module and staprun.
 *
 * Included by both the kernel module (runtime) and the loader (staprun), so
 * it uses only fixed-size integer types and no kernel or libc headers beyond
 * <linux/types.h>.  Every struct that crosses the boundary starts with its
 * own size (libbpf's `sz` convention) so that either side can grow it: a
 * reader accepts any size >= the fields it needs and ignores the rest.
 *
 * Two channels, both in debugfs under systemtap/<module>/:
 *
 *   .ctl      control file, one message per read()/write():
 *             struct stp_msg header followed by the message body.
 *   trace<N>  one relay file per CPU carrying script output as records:
 *             struct stp_rec header followed by `len` bytes of text.  The
 *             loader merges records from all CPUs in `seq` order, so output
 *             appears in the order the probe handlers flushed it.
 */
#ifndef STP_WIRE_H
#define STP_WIRE_H

#include <linux/types.h>

#define STP_WIRE_VERSION	1
#define STP_DEBUGFS_DIR		"systemtap"	/* under /sys/kernel/debug */
#define STP_CTL_FILE		".ctl"
#define STP_TRACE_FILE		"trace"		/* trace0, trace1, ... */
#define STP_MSG_MAX		4096		/* largest control message */

/* Control message types.  L->M: loader to module, M->L: module to loader. */
enum stp_msg_type {
	STP_MSG_START = 1,	/* L->M stp_msg_start: run begin probes, arm the rest
				 * (inside the write(): see stp_module.h) */
	STP_MSG_STARTED,	/* M->L stp_msg_status: begin done (status < 0: failed) */
	STP_MSG_EXIT,		/* M->L (no body): the script asked to end; send STOP */
	STP_MSG_STOP,		/* L->M (no body): disarm, run end probes, flush
				 * (inside the write(), like START) */
	STP_MSG_STOPPED,	/* M->L stp_msg_status: end probes done, all output written */
	STP_MSG_OOB,		/* M->L stp_msg_text: a line for the loader's stderr */
	STP_MSG_DETACH,		/* L->M (no body): loader leaves, module keeps running (-L) */
	STP_MSG_ATTACH,		/* L->M (no body): loader reattached (staprun -A); replies
				 * STARTED (status 0, -ENOTCONN if never started) or STOPPED */
	STP_MSG_SYSTEM,		/* M->L stp_msg_text: run this shell command (system()) */
};

/* Header of every control message. */
struct stp_msg {
	__u32 size;		/* bytes of the whole message, header included */
	__u32 type;		/* enum stp_msg_type */
};

/* STP_MSG_START body. */
struct stp_msg_start {
	struct stp_msg hdr;
	__s64 target_pid;	/* target() for -x/-c, 0 if none */
	__u32 flags;		/* STP_START_* */
	__u32 wire_version;	/* STP_WIRE_VERSION of the loader */
	/* added after version 1's first cut: a shorter START has no zone */
	__s32 tz_gmtoff;	/* host's UTC offset, seconds east (tm_gmtoff) */
	char tz_name[16];	/* host's zone abbreviation (tm_zone), NUL-terminated */
};
/* The first cut of START ended at wire_version; the module accepts it. */
#define STP_MSG_START_MIN_SIZE	__builtin_offsetof(struct stp_msg_start, tz_gmtoff)
#define STP_START_FLIGHT_RECORDER	0x1	/* overwrite old output when full */

/* STP_MSG_STARTED / STP_MSG_STOPPED body. */
struct stp_msg_status {
	struct stp_msg hdr;
	__s32 status;		/* 0 or -errno */
	__u32 errors;		/* ERRORs reported so far */
	__u64 skipped;		/* probe hits skipped (reentrancy, overload) */
	__u64 dropped;		/* output bytes dropped (buffers full) */
	__u64 msgs_dropped;	/* control messages dropped (queue full); added
				 * after version 1's first cut: accept a shorter
				 * status and read 0 */
};

/* STP_MSG_OOB / STP_MSG_SYSTEM body: NUL-terminated text after the header. */
struct stp_msg_text {
	struct stp_msg hdr;
	__u32 kind;		/* STP_OOB_* for OOB, 0 for SYSTEM */
	__u32 pad;
	char text[];		/* includes the trailing newline for OOB lines */
};
enum stp_oob_kind {
	STP_OOB_WARNING = 1,	/* "WARNING: ..." */
	STP_OOB_ERROR,		/* "ERROR: ..." : makes staprun exit non-zero */
	STP_OOB_INFO,		/* plain text for stderr */
	STP_OOB_TRAILER,	/* "WARNING: ...": said after the counters line */
};

/* Header of every output record in the relay files. */
struct stp_rec {
	__u32 len;		/* bytes of text following this header */
	__u32 flags;		/* reserved, 0 */
	__u64 seq;		/* global flush order, starts at 1, no gaps unless dropped */
};

#endif /* STP_WIRE_H */
