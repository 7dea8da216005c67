/* SPDX-License-Identifier: GPL-2.0 */
/* stp_transport.h - output records and control messages to the loader.
 *
 * Two channels in debugfs under systemtap/<module>/ (see stp_wire.h):
 *
 * Output: one relay channel with a buffer per CPU (files trace0..N).
 * stp_transport_write() appends one record (struct stp_rec + text) to the
 * current CPU's buffer with irqs off.  The record's sequence number is taken
 * only once space is secured, so sequence numbers have no gaps unless a
 * flight-recorder buffer overwrote old records, and staprun can merge the
 * CPUs back into flush order.  A full buffer drops the record (normal mode)
 * or overwrites the oldest sub-buffer (flight recorder, only while no
 * loader is attached: a reader racing an overwrite could read torn
 * records, so an attached loader gets drop-when-full).  A write that
 * interrupts another write on the same CPU (an NMI, a kprobe inside the
 * relay code) is dropped, never interleaved.  Drops are counted in
 * stp_dropped_bytes.
 *
 * The trace files are read with our own read() (stp_relay_read), not
 * relay's: relay's reader looks at the writer's fields (offset, data,
 * padding, subbufs_produced) without any ordering against a writer on
 * another CPU that is switching sub-buffers, and now and then reads a
 * stale sub-buffer or loses its place in the record stream.  Each CPU's
 * writer brackets its updates with a seqcount; the reader takes a
 * consistent view of them, copies only whole records that the writer has
 * published, and advances subbufs_consumed only after the copy, so the
 * writer (which never passes unconsumed sub-buffers) cannot overwrite
 * what is being copied.
 *
 * Control: the .ctl file (stp_module.h gives it its write side).  Messages
 * for the loader wait in a byte ring of whole messages.  Producers in any
 * context take the ring lock with irqs off; a CPU that re-enters (or an NMI
 * that finds the lock taken) drops its message and counts it rather than
 * deadlock.  The last STP_CTL_RESERVE bytes are kept for the replies that
 * process context queues (STARTED, STOPPED), so a flood of warnings cannot
 * lose them.  EXIT is not queued at all: it is one flag, read first, so it
 * can never be dropped.  Readers are woken through irq_work, which is safe
 * from any context, including under the scheduler's locks.
 */
#ifndef STP_TRANSPORT_H
#define STP_TRANSPORT_H

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/relay.h>
#include <linux/debugfs.h>
#include <linux/irq_work.h>
#include <linux/workqueue.h>
#include <linux/wait.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/preempt.h>
#include <linux/seqlock.h>

#include "stp_wire.h"
#include "stp_session.h"

#ifndef STP_BUFSIZE_MB
#define STP_BUFSIZE_MB		2	/* default output buffer per CPU, MB */
#endif
#define STP_BUFSIZE_MB_MAX	4095	/* staprun -b range: 1..4095 */
#define STP_RELAY_SUBBUFS	8	/* sub-buffers per CPU buffer */
#define STP_CTL_QUEUE_SIZE	(64 * 1024)	/* bytes of pending control messages */
#define STP_CTL_RESERVE		1024	/* ring bytes only replies may use */
#define STP_OOB_TEXT_MAX	2048	/* longest OOB line, NUL included */

/* -b/-s of staprun, MB per CPU; 0 means STP_BUFSIZE_MB. */
static unsigned int stp_bufsize_mb;
module_param_named(_stp_bufsize, stp_bufsize_mb, uint, 0400);
MODULE_PARM_DESC(_stp_bufsize, "output buffer per CPU in MB (staprun -b)");

/* --- output: relay channel ------------------------------------------- */

static struct rchan *stp_relay;
static bool stp_flight_recorder;		/* overwrite when full, now */
static bool stp_flight_recorder_asked;		/* START flag: overwrite when detached */
static atomic64_t stp_rec_seq;			/* last sequence number handed out */
static DEFINE_PER_CPU(int, stp_write_nesting);	/* reentrancy guard */
static DEFINE_PER_CPU(seqcount_t, stp_relay_seq);	/* writer updating buf */
static DEFINE_MUTEX(stp_relay_read_lock);	/* one reader at a time */
static struct file_operations stp_relay_fops;	/* relay's, with our read */

static int stp_relay_subbuf_start(struct rchan_buf *buf, void *subbuf,
				  void *prev_subbuf, size_t prev_padding)
{
	if (READ_ONCE(stp_flight_recorder))
		return 1;
	return !relay_buf_full(buf);
}

static struct dentry *stp_relay_create_file(const char *filename,
					    struct dentry *parent,
					    umode_t mode, struct rchan_buf *buf,
					    int *is_global)
{
	struct dentry *d;

	d = debugfs_create_file(filename, mode, parent, buf, &stp_relay_fops);
	return IS_ERR(d) ? NULL : d;
}

static int stp_relay_remove_file(struct dentry *dentry)
{
	debugfs_remove(dentry);
	return 0;
}

static struct rchan_callbacks stp_relay_callbacks = {
	.subbuf_start		= stp_relay_subbuf_start,
	.create_buf_file	= stp_relay_create_file,
	.remove_buf_file	= stp_relay_remove_file,
};

/*
 * Would switching to the next sub-buffer overwrite unread data?  Asked
 * before relay_switch_subbuf(), never inside it: a refused switch leaves a
 * window where a concurrent reader sees produced - consumed == n_subbufs
 * with a valid offset, takes relay's overwrite path and loses its place in
 * the record stream.  Checked first, a full buffer never enters that state.
 * subbufs_consumed only grows, so a stale read can only drop early.
 */
static bool stp_relay_full(struct rchan_buf *buf)
{
	if (READ_ONCE(stp_flight_recorder))
		return false;
	return buf->subbufs_produced + 1 - READ_ONCE(buf->subbufs_consumed) >=
	       stp_relay->n_subbufs;
}

/*
 * stp_transport_write - append one output record for the loader
 * @data: the text (not NUL-terminated)
 * @len: its length; records longer than a sub-buffer are truncated
 *
 * Any context.  Never blocks; drops and counts instead.
 */
static void __maybe_unused stp_transport_write(const char *data, size_t len)
{
	struct stp_rec rec = { 0 };
	struct rchan_buf *buf;
	unsigned long flags;
	size_t room, total;

	if (unlikely(!stp_relay || !len))
		return;
	room = stp_relay->subbuf_size - sizeof(rec);
	if (unlikely(len > room)) {
		atomic64_add(len - room, &stp_dropped_bytes);
		len = room;
	}
	total = sizeof(rec) + len;

	local_irq_save(flags);
	if (unlikely(__this_cpu_inc_return(stp_write_nesting) != 1))
		goto drop;
	buf = *this_cpu_ptr(stp_relay->buf);
	if (unlikely(!buf))
		goto drop;
	raw_write_seqcount_begin(this_cpu_ptr(&stp_relay_seq));
	if (unlikely(buf->offset + total > stp_relay->subbuf_size) &&
	    (stp_relay_full(buf) || !relay_switch_subbuf(buf, total))) {
		raw_write_seqcount_end(this_cpu_ptr(&stp_relay_seq));
		goto drop;
	}
	rec.len = len;
	rec.seq = atomic64_inc_return(&stp_rec_seq);
	memcpy(buf->data + buf->offset, &rec, sizeof(rec));
	memcpy(buf->data + buf->offset + sizeof(rec), data, len);
	buf->offset += total;
	raw_write_seqcount_end(this_cpu_ptr(&stp_relay_seq));
	goto out;
drop:
	atomic64_add(len, &stp_dropped_bytes);
out:
	__this_cpu_dec(stp_write_nesting);
	local_irq_restore(flags);
}

/*
 * stp_relay_read - read() of a trace file: whole published records, in
 * order, never more than @count bytes.  0 when there is nothing now.
 * Process context; the loader is the only reader.
 */
static ssize_t stp_relay_read(struct file *filp, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct rchan_buf *buf = filp->private_data;
	seqcount_t *sc = per_cpu_ptr(&stp_relay_seq, buf->cpu);
	size_t size = buf->chan->subbuf_size, nsub = buf->chan->n_subbufs;
	ssize_t done = 0;

	if (mutex_lock_interruptible(&stp_relay_read_lock))
		return -ERESTARTSYS;
	while ((size_t)done < count) {
		size_t produced, consumed, end, len;
		unsigned int seq;
		bool skipped;

		do {
			seq = read_seqcount_begin(sc);
			produced = buf->subbufs_produced;
			consumed = buf->subbufs_consumed;
			/* flight recorder: the writer lapped us; oldest first */
			skipped = produced - consumed >= nsub;
			if (skipped)
				consumed = produced - nsub + 1;
			end = consumed == produced ?
			      min(buf->offset, size) :
			      size - buf->padding[consumed % nsub];
		} while (read_seqcount_retry(sc, seq));
		if (skipped) {
			smp_store_release(&buf->subbufs_consumed, consumed);
			buf->bytes_consumed = 0;
		}
		if (buf->bytes_consumed < end) {
			len = min(end - buf->bytes_consumed, count - done);
			if (copy_to_user(ubuf + done, buf->start +
					 (consumed % nsub) * size +
					 buf->bytes_consumed, len)) {
				if (!done)
					done = -EFAULT;
				break;
			}
			buf->bytes_consumed += len;
			done += len;
		}
		if (buf->bytes_consumed < end)
			continue;
		if (consumed == produced)
			break;
		/* the sub-buffer is read: the writer may have it again */
		buf->bytes_consumed = 0;
		smp_store_release(&buf->subbufs_consumed, consumed + 1);
	}
	mutex_unlock(&stp_relay_read_lock);
	return done;
}

/* --- control: message ring -------------------------------------------- */

static char stp_ctlq[STP_CTL_QUEUE_SIZE];
static unsigned long stp_ctlq_head;		/* bytes ever queued */
static unsigned long stp_ctlq_tail;		/* bytes ever taken */
static DEFINE_RAW_SPINLOCK(stp_ctlq_lock);
static DEFINE_PER_CPU(int, stp_ctlq_busy);	/* this CPU holds stp_ctlq_lock */
static atomic_t stp_msgs_dropped;		/* control messages lost */
static atomic_t stp_exit_pending;		/* EXIT not yet read by the loader */
static bool stp_ctl_attached;			/* a loader has .ctl open */
static bool stp_ctl_detached;			/* ... or left with DETACH */
static DECLARE_WAIT_QUEUE_HEAD(stp_ctl_wait);

/* Stops that no loader asked for run on this workqueue (stp_module.h). */
static struct workqueue_struct *stp_wq;
static void stp_auto_stop_fn(struct work_struct *work);
static DECLARE_WORK(stp_auto_stop_work, stp_auto_stop_fn);

static void stp_ctl_wake(struct irq_work *work)
{
	wake_up_interruptible(&stp_ctl_wait);
	/* exit() with nobody attached: stop the session ourselves. */
	if (atomic_read(&stp_exit_pending) && !READ_ONCE(stp_ctl_attached) &&
	    stp_wq)
		queue_work(stp_wq, &stp_auto_stop_work);
}
static struct irq_work stp_ctl_irq_work = IRQ_WORK_INIT(stp_ctl_wake);

static bool stp_ctlq_lock_irqsave(unsigned long *flags)
{
	local_irq_save(*flags);
	if (in_nmi()) {
		if (raw_spin_trylock(&stp_ctlq_lock))
			return true;
	} else if (!__this_cpu_read(stp_ctlq_busy)) {
		__this_cpu_write(stp_ctlq_busy, 1);
		raw_spin_lock(&stp_ctlq_lock);
		return true;
	}
	local_irq_restore(*flags);
	return false;
}

static void stp_ctlq_unlock_irqrestore(unsigned long flags)
{
	raw_spin_unlock(&stp_ctlq_lock);
	if (!in_nmi())
		__this_cpu_write(stp_ctlq_busy, 0);
	local_irq_restore(flags);
}

/* Copy between the ring (at byte position @pos) and a flat buffer. */
static void stp_ctlq_copy_in(unsigned long pos, const void *src, size_t len)
{
	size_t off = pos % STP_CTL_QUEUE_SIZE;
	size_t first = min(len, STP_CTL_QUEUE_SIZE - off);

	memcpy(stp_ctlq + off, src, first);
	memcpy(stp_ctlq, (const char *)src + first, len - first);
}

static void stp_ctlq_copy_out(void *dst, unsigned long pos, size_t len)
{
	size_t off = pos % STP_CTL_QUEUE_SIZE;
	size_t first = min(len, STP_CTL_QUEUE_SIZE - off);

	memcpy(dst, stp_ctlq + off, first);
	memcpy((char *)dst + first, stp_ctlq, len - first);
}

/*
 * stp_ctlq_put - queue one whole message (its hdr.size bytes)
 * @reply: true for process-context replies, which may use the reserve
 *
 * Returns false (and counts the loss) if the ring is full or busy.
 */
static bool stp_ctlq_put(const struct stp_msg *msg, bool reply)
{
	size_t need = msg->size + (reply ? 0 : STP_CTL_RESERVE);
	unsigned long flags;
	bool ok = false;

	if (stp_ctlq_lock_irqsave(&flags)) {
		if (STP_CTL_QUEUE_SIZE - (stp_ctlq_head - stp_ctlq_tail) >= need) {
			stp_ctlq_copy_in(stp_ctlq_head, msg, msg->size);
			stp_ctlq_head += msg->size;
			ok = true;
		}
		stp_ctlq_unlock_irqrestore(flags);
	}
	if (!ok)
		atomic_inc(&stp_msgs_dropped);
	return ok;
}

/*
 * stp_ctlq_get - take the oldest message into @dst (at most @max bytes)
 *
 * Returns its size, 0 if the ring is empty, -EMSGSIZE if it does not fit
 * (left queued), -EAGAIN if the ring lock could not be taken.
 */
static ssize_t stp_ctlq_get(void *dst, size_t max)
{
	struct stp_msg hdr;
	unsigned long flags;
	ssize_t ret = 0;

	if (!stp_ctlq_lock_irqsave(&flags))
		return -EAGAIN;
	if (stp_ctlq_head != stp_ctlq_tail) {
		stp_ctlq_copy_out(&hdr, stp_ctlq_tail, sizeof(hdr));
		if (hdr.size > max) {
			ret = -EMSGSIZE;
		} else {
			stp_ctlq_copy_out(dst, stp_ctlq_tail, hdr.size);
			stp_ctlq_tail += hdr.size;
			ret = hdr.size;
		}
	}
	stp_ctlq_unlock_irqrestore(flags);
	return ret;
}

static bool stp_ctl_readable(void)
{
	return atomic_read(&stp_exit_pending) ||
	       READ_ONCE(stp_ctlq_head) != READ_ONCE(stp_ctlq_tail);
}

/* Queue a reply from process context and wake the reader directly. */
static void stp_ctl_reply(const struct stp_msg *msg)
{
	if (stp_ctlq_put(msg, true))
		wake_up_interruptible(&stp_ctl_wait);
}

static void __maybe_unused stp_request_exit(void)
{
	int old = atomic_read(&stp_session_state);

	for (;;) {
		int seen;

		if (old != STP_SESSION_STARTING && old != STP_SESSION_RUNNING)
			return;
		seen = atomic_cmpxchg(&stp_session_state, old,
				      STP_SESSION_STOPPING);
		if (seen == old)
			break;
		old = seen;
	}
	atomic_set(&stp_exit_pending, 1);
	irq_work_queue(&stp_ctl_irq_work);
}

/* --- control: out-of-band text ----------------------------------------- */

union stp_oob_scratch {
	struct stp_msg_text msg;
	char bytes[sizeof(struct stp_msg_text) + STP_OOB_TEXT_MAX];
};
static DEFINE_PER_CPU(union stp_oob_scratch, stp_oob_scratch);
static DEFINE_PER_CPU(int, stp_oob_nesting);

/* Format a text message (OOB or SYSTEM) and queue it; any context. */
static __printf(3, 0) void stp_ctl_vtext(u32 type, u32 kind, const char *fmt,
					 va_list args)
{
	union stp_oob_scratch *s;
	unsigned long flags;
	int n;

	local_irq_save(flags);
	if (unlikely(__this_cpu_inc_return(stp_oob_nesting) != 1)) {
		atomic_inc(&stp_msgs_dropped);
		goto out;
	}
	s = this_cpu_ptr(&stp_oob_scratch);
	n = vsnprintf(s->msg.text, STP_OOB_TEXT_MAX, fmt, args);
	if (n >= STP_OOB_TEXT_MAX) {
		n = STP_OOB_TEXT_MAX - 1;
		if (type == STP_MSG_OOB)
			s->msg.text[n - 1] = '\n';
	}
	s->msg.hdr.size = sizeof(s->msg) + n + 1;
	s->msg.hdr.type = type;
	s->msg.kind = kind;
	s->msg.pad = 0;
	if (stp_ctlq_put(&s->msg.hdr, false))
		irq_work_queue(&stp_ctl_irq_work);
out:
	__this_cpu_dec(stp_oob_nesting);
	local_irq_restore(flags);
}

/*
 * stp_oob - queue a line of text for the loader's stderr
 * @kind: STP_OOB_WARNING, STP_OOB_ERROR or STP_OOB_INFO
 * @fmt: the complete line, "WARNING: ...\n" style; longer than
 *       STP_OOB_TEXT_MAX is truncated (keeping the newline)
 *
 * Any context.  An ERROR always counts in stp_error_count, even if the
 * message itself is dropped because the queue is full.
 */
static __printf(2, 3) void __maybe_unused stp_oob(unsigned int kind, const char *fmt, ...)
{
	va_list args;

	if (kind == STP_OOB_ERROR)
		atomic_inc(&stp_error_count);
	va_start(args, fmt);
	stp_ctl_vtext(STP_MSG_OOB, kind, fmt, args);
	va_end(args);
}

/*
 * stp_system - ask the loader to run @cmd with /bin/sh (the script's
 * system()); it does not wait for the command.  Any context.
 */
static __printf(3, 4) void stp_ctl_text(u32 type, u32 kind, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	stp_ctl_vtext(type, kind, fmt, args);
	va_end(args);
}

static void __maybe_unused stp_system(const char *cmd)
{
	stp_ctl_text(STP_MSG_SYSTEM, 0, "%s", cmd);
}

/* --- debugfs layout ---------------------------------------------------- */

static struct dentry *stp_debugfs_root;	/* systemtap/, shared by modules */
static bool stp_debugfs_root_ref;	/* we hold a lookup reference on it */
static struct dentry *stp_debugfs_dir;	/* systemtap/<module>/ */
static struct dentry *stp_ctl_dentry;	/* systemtap/<module>/.ctl */
static const struct file_operations stp_ctl_fops;	/* stp_module.h */

/* Find or make systemtap/; other modules may share it, so never remove it. */
static int stp_debugfs_root_get(void)
{
	struct dentry *d;

	if (!debugfs_initialized())
		return -ENODEV;
	d = debugfs_lookup(STP_DEBUGFS_DIR, NULL);
	if (d) {
		stp_debugfs_root_ref = true;
	} else {
		d = debugfs_create_dir(STP_DEBUGFS_DIR, NULL);
		if (IS_ERR(d) && PTR_ERR(d) == -EEXIST) {	/* lost a race */
			d = debugfs_lookup(STP_DEBUGFS_DIR, NULL);
			stp_debugfs_root_ref = d != NULL;
		}
	}
	if (IS_ERR_OR_NULL(d))
		return d ? PTR_ERR(d) : -ENOENT;
	stp_debugfs_root = d;
	return 0;
}

static void stp_debugfs_root_put(void)
{
	if (stp_debugfs_root_ref)
		dput(stp_debugfs_root);
	stp_debugfs_root = NULL;
	stp_debugfs_root_ref = false;
}

static size_t stp_relay_bufsize(void)
{
	unsigned int mb = stp_bufsize_mb ? stp_bufsize_mb : STP_BUFSIZE_MB;

	return (size_t)min_t(unsigned int, mb, STP_BUFSIZE_MB_MAX) << 20;
}

/*
 * stp_transport_init - create systemtap/<module>/{.ctl,trace0..N}
 *
 * Process context (module_init).  Returns 0 or -errno, with a pr_err line
 * naming what failed; undoes itself on failure.
 */
static int stp_transport_init(void)
{
	size_t bufsize = stp_relay_bufsize();
	int rc, cpu;

	for_each_possible_cpu(cpu)
		seqcount_init(per_cpu_ptr(&stp_relay_seq, cpu));
	stp_relay_fops = relay_file_operations;
	stp_relay_fops.read = stp_relay_read;
	rc = stp_debugfs_root_get();
	if (rc) {
		pr_err("cannot use debugfs (%d): is CONFIG_DEBUG_FS on and debugfs allowed?\n",
		       rc);
		return rc;
	}
	stp_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, stp_debugfs_root);
	if (IS_ERR_OR_NULL(stp_debugfs_dir)) {
		rc = stp_debugfs_dir ? PTR_ERR(stp_debugfs_dir) : -ENOMEM;
		pr_err("cannot create debugfs directory %s/%s (%d)\n",
		       STP_DEBUGFS_DIR, KBUILD_MODNAME, rc);
		goto err_root;
	}
	stp_ctl_dentry = debugfs_create_file(STP_CTL_FILE, 0600, stp_debugfs_dir,
					     NULL, &stp_ctl_fops);
	if (IS_ERR_OR_NULL(stp_ctl_dentry)) {
		rc = stp_ctl_dentry ? PTR_ERR(stp_ctl_dentry) : -ENOMEM;
		pr_err("cannot create the control file (%d)\n", rc);
		goto err_dir;
	}
	stp_relay = relay_open(STP_TRACE_FILE, stp_debugfs_dir,
			       bufsize / STP_RELAY_SUBBUFS, STP_RELAY_SUBBUFS,
			       &stp_relay_callbacks, NULL);
	if (!stp_relay) {
		rc = -ENOMEM;
		pr_err("cannot open relay channel of %zu MB per CPU\n",
		       bufsize >> 20);
		goto err_dir;
	}
	return 0;

err_dir:
	debugfs_remove(stp_debugfs_dir);	/* recursive: takes .ctl too */
	stp_debugfs_dir = NULL;
	stp_ctl_dentry = NULL;
err_root:
	stp_debugfs_root_put();
	return rc;
}

/* Tear down what stp_transport_init() made; the session is STOPPED. */
static void stp_transport_exit(void)
{
	irq_work_sync(&stp_ctl_irq_work);
	relay_close(stp_relay);
	stp_relay = NULL;
	debugfs_remove(stp_debugfs_dir);
	stp_debugfs_dir = NULL;
	stp_ctl_dentry = NULL;
	stp_debugfs_root_put();
}

#endif /* STP_TRANSPORT_H */
