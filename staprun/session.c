/* session.c - run one session over the module's control channel.
 *
 * One poll() loop in the main thread, and one helper thread.  The loop
 * watches:
 *   .ctl          messages from the module (STARTED, EXIT, OOB, STOPPED ...)
 *   a signalfd    SIGINT/SIGTERM/SIGHUP stop, SIGQUIT detaches, SIGCHLD
 *   a pidfd       the -x process, whose exit stops the session
 *   trace<N>      output, also read every TICK_MS because relay only
 *                 wakes readers when a sub-buffer fills
 *   a pipe        results of the commands the helper thread wrote
 * and ends when the module says STOPPED (then the output is drained to the
 * last byte) or when the loader detaches.
 *
 * The helper thread, named "stapio" like SystemTap's loader process, is the
 * only writer of .ctl.  The module runs START (begin probes) and STOP (end
 * probes) inside that write(), in the writer's context (see
 * runtime/stp_module.h), so the scripts' execname() there is "stapio" and
 * pid() is ours; meanwhile the main loop keeps reading their output.
 * Commands reach the thread through a pipe and are written in order.
 *
 * Signals are blocked from the start of main() (and so in the thread) and
 * only read here, so a signal at any moment ends in an orderly STOP and
 * removal, never in a module left behind.
 *
 * With -c, the command is forked before START and waits on a pipe; it is
 * released once STARTED says the probes are armed, and its exit stops the
 * session.  The module serializes START and STOP, so STOP may be sent at
 * any time.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* pipe2 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "staprun.h"

#define TICK_MS		100	/* relay polling period */
#define MAX_POLLFDS	(6 + 4096)

/* The stapio thread: writes the commands it is given to .ctl, in order. */
struct ctl_writer {
	int ctl;			/* .ctl (shared with the main loop's reads) */
	int cmd[2];			/* main -> thread: whole messages */
	int done[2];			/* thread -> main: struct ctl_done each */
	pthread_t thread;
	bool running;
};

/* What became of one command. */
struct ctl_done {
	uint32_t type;			/* enum stp_msg_type */
	int err;			/* 0, or the errno of write() */
};

struct session {
	const char *name;
	enum session_mode mode;
	int ctl;			/* .ctl, non-blocking */
	int sfd;			/* signalfd */
	int pidfd;			/* -x process, or -1 */
	struct ctl_writer w;		/* the stapio thread */
	struct relay_set *rs;
	pid_t child;			/* -c command, or 0 */
	int child_gate;			/* write end of its start pipe, or -1 */
	bool started;			/* STARTED with status 0 */
	bool stop_wanted;
	bool stop_sent;
	bool stopped;			/* STOPPED received */
	bool detach_wanted;
	bool abort;			/* channel broken: give up, just remove */
	bool output_broken;		/* EPIPE on output: stop, discard */
	struct session_result *res;
	struct stp_msg_status status;	/* from STOPPED */
	struct timespec deadline;	/* -T */
	int stdin_proc;			/* the script's procfs __stdin, or -1 */
	char *trailer;			/* STP_OOB_TRAILER texts, or NULL */
	size_t trailer_len;
};

static sigset_t handled_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR2);
	return set;
}

/* Called first thing in main(): signals wait for the session loop. */
int signals_block(void)
{
	sigset_t set = handled_signals();

	signal(SIGPIPE, SIG_IGN);	/* EPIPE on output is handled */
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
		error("cannot block signals: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static const char *msg_name(uint32_t type)
{
	switch (type) {
	case STP_MSG_START:	return "START";
	case STP_MSG_STARTED:	return "STARTED";
	case STP_MSG_EXIT:	return "EXIT";
	case STP_MSG_STOP:	return "STOP";
	case STP_MSG_STOPPED:	return "STOPPED";
	case STP_MSG_OOB:	return "OOB";
	case STP_MSG_DETACH:	return "DETACH";
	case STP_MSG_ATTACH:	return "ATTACH";
	case STP_MSG_SYSTEM:	return "SYSTEM";
	default:		return "unknown message";
	}
}

/* Full-length read or write on a pipe, retried on EINTR; false at EOF. */
static bool pipe_io(int fd, void *buf, size_t len, bool out)
{
	char *p = buf;

	while (len) {
		ssize_t n = out ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

static void *ctl_writer_main(void *arg)
{
	struct ctl_writer *w = arg;
	static char buf[STP_MSG_MAX];
	struct stp_msg *msg = (struct stp_msg *)buf;

	prctl(PR_SET_NAME, "stapio", 0, 0, 0);
	while (pipe_io(w->cmd[0], msg, sizeof(*msg), false)) {
		struct ctl_done d = { msg->type, 0 };
		ssize_t n;

		if (msg->size < sizeof(*msg) || msg->size > sizeof(buf) ||
		    !pipe_io(w->cmd[0], msg + 1, msg->size - sizeof(*msg), false))
			break;	/* cannot happen: the main thread wrote it */
		do
			n = write(w->ctl, msg, msg->size);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)msg->size)
			d.err = n < 0 ? errno : EIO;
		if (!pipe_io(w->done[1], &d, sizeof(d), true))
			break;
	}
	close(w->done[1]);
	return NULL;
}

static int ctl_writer_start(struct ctl_writer *w, int ctl)
{
	int rc;

	w->ctl = ctl;
	if (pipe2(w->cmd, O_CLOEXEC) != 0 || pipe2(w->done, O_CLOEXEC) != 0) {
		error("cannot create a pipe for the control thread: %s",
		      strerror(errno));
		return -1;
	}
	fcntl(w->done[0], F_SETFL, O_NONBLOCK);
	rc = pthread_create(&w->thread, NULL, ctl_writer_main, w);
	if (rc) {
		error("cannot start the control thread: %s", strerror(rc));
		return -1;
	}
	w->running = true;
	return 0;
}

/* Let the thread write what is queued, then wait for it to end. */
static void ctl_writer_stop(struct ctl_writer *w)
{
	if (w->cmd[1] >= 0)
		close(w->cmd[1]);
	w->cmd[1] = -1;
	if (w->running)
		pthread_join(w->thread, NULL);
	else if (w->done[1] >= 0)
		close(w->done[1]);	/* the thread closes it when it ends */
	w->running = false;
	w->done[1] = -1;
	if (w->cmd[0] >= 0)
		close(w->cmd[0]);
	w->cmd[0] = -1;
}

/* In a forked child: the thread's pipes are not the child's business. */
static void ctl_writer_forget(struct ctl_writer *w)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (w->cmd[i] >= 0)
			close(w->cmd[i]);
		if (w->done[i] >= 0)
			close(w->done[i]);
	}
}

static int ctl_send(struct session *s, struct stp_msg *msg)
{
	verbose(2, "sending %s", msg_name(msg->type));
	if (s->w.cmd[1] >= 0 && pipe_io(s->w.cmd[1], msg, msg->size, true))
		return 0;
	error("cannot send %s to module %s: %s", msg_name(msg->type), s->name,
	      "the control thread is gone");
	s->abort = true;
	return -1;
}

/* Results of the commands written so far: a failed write ends the session. */
static void handle_done(struct session *s)
{
	struct ctl_done d;

	while (read(s->w.done[0], &d, sizeof(d)) == sizeof(d)) {
		if (!d.err)
			continue;
		error("cannot send %s to module %s: %s", msg_name(d.type),
		      s->name, strerror(d.err));
		s->abort = true;
	}
}

static int send_simple(struct session *s, uint32_t type)
{
	struct stp_msg m = { sizeof(m), type };

	return ctl_send(s, &m);
}

/* The host's time zone now, for tz_gmtoff(), tz_name() and tz_ctime(). */
static void host_zone(struct stp_msg_start *m)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm))
		return;
	m->tz_gmtoff = tm.tm_gmtoff;
	snprintf(m->tz_name, sizeof(m->tz_name), "%s",
		 tm.tm_zone ? tm.tm_zone : "");
}

static int send_start(struct session *s, long target)
{
	struct stp_msg_start m = {
		.hdr = { sizeof(m), STP_MSG_START },
		.target_pid = target,
		.flags = opt.load_only ? STP_START_FLIGHT_RECORDER : 0,
		.wire_version = STP_WIRE_VERSION,
	};

	host_zone(&m);
	return ctl_send(s, &m.hdr);
}

/* -c CMD, in the child: as SystemTap's stapio, CMD split into words (quotes
 * and variables as a shell would) is executed itself, the target being
 * the program asked for; only a command with shell syntax wordexp() will
 * not take (;, |, &, redirections, command substitution) runs under
 * /bin/sh -c. */
static void child_exec(const char *cmd)
{
	wordexp_t words;

	if (wordexp(cmd, &words, WRDE_NOCMD | WRDE_UNDEF) == 0 && words.we_wordc > 0) {
		execvp(words.we_wordv[0], words.we_wordv);
		fprintf(stderr, "ERROR: cannot run %s for -c: %s\n", words.we_wordv[0], strerror(errno));
		_exit(127);
	}
	/* the arguments on the stack: resident, so that probes on execve
	 * can read them (a string literal's page may never have been touched) */
	char sh[] = "/bin/sh", name[] = "sh", dash_c[] = "-c";
	execl(sh, name, dash_c, cmd, (char *)NULL);
	fprintf(stderr, "ERROR: cannot run /bin/sh for -c: %s\n", strerror(errno));
	_exit(127);
}

/* Fork the -c command, held on a pipe until the probes are armed. */
static int child_spawn(struct session *s, const char *cmd)
{
	int gate[2];
	pid_t pid;

	if (pipe2(gate, O_CLOEXEC) != 0) {
		error("cannot create a pipe for -c: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		error("cannot fork for -c: %s", strerror(errno));
		close(gate[0]);
		close(gate[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		char go;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		ctl_writer_forget(&s->w);	/* or the thread never sees EOF */
		close(gate[1]);
		if (read(gate[0], &go, 1) != 1)
			_exit(127);	/* the session never started */
		close(gate[0]);
		child_exec(cmd);
	}
	close(gate[0]);
	s->child = pid;
	s->child_gate = gate[1];
	verbose(1, "command '%s' is pid %d", cmd, (int)pid);
	return 0;
}

static void child_release(struct session *s)
{
	char go = 1;

	if (s->child_gate < 0)
		return;
	if (write(s->child_gate, &go, 1) != 1)
		warning("cannot release the -c command: %s", strerror(errno));
	close(s->child_gate);
	s->child_gate = -1;
}

/* STP_MSG_SYSTEM: run a command for the script, without waiting for it. */
static void run_system(const char *cmd)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		warning("cannot run system(\"%s\"): %s", cmd, strerror(errno));
}

static void reap_children(struct session *s)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != s->child)
			continue;
		verbose(1, "command exited (status %d)",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		s->child = 0;
		s->stop_wanted = true;
	}
}

static void handle_signals(struct session *s)
{
	struct signalfd_siginfo si;

	while (read(s->sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap_children(s);
			break;
		case SIGUSR2:		/* switch_file(): the next output file */
			if (relay_switch_files(s->rs)) {
				s->output_broken = true;
				s->stop_wanted = true;
			}
			break;
		case SIGQUIT:
			if (s->mode != SESSION_DELETE && s->started && !s->stop_sent)
				s->detach_wanted = true;
			else
				s->stop_wanted = true;
			break;
		default:
			verbose(1, "signal %d: stopping", (int)si.ssi_signo);
			s->stop_wanted = true;
			break;
		}
	}
}

static void on_status(struct session *s, const void *buf, size_t n,
		      struct stp_msg_status *st)
{
	memset(st, 0, sizeof(*st));
	memcpy(st, buf, n < sizeof(*st) ? n : sizeof(*st));
	(void)s;
}

/*
 * input.char/input.line scripts have a procfs file __stdin: our standard
 * input goes there, one byte per write (one probe hit per character), as
 * SystemTap's loader does.  Not with -c, whose command has the input.
 */
static void stdin_open(struct session *s)
{
	char path[4200];

	if (opt.command || s->stdin_proc >= 0)
		return;
	snprintf(path, sizeof(path), "/proc/systemtap/%s/__stdin", s->name);
	s->stdin_proc = open(path, O_WRONLY | O_CLOEXEC);
	if (s->stdin_proc >= 0)
		verbose(2, "standard input goes to %s", path);
}

static void stdin_forward(struct session *s)
{
	char buf[4096];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	for (ssize_t i = 0; i < n; i++)
		if (write(s->stdin_proc, buf + i, 1) < 0 && errno != EINTR)
			break;
	if (n <= 0) {			/* end of input: no more to forward */
		close(s->stdin_proc);
		s->stdin_proc = -1;
	}
}

static void on_started(struct session *s, const struct stp_msg_status *st)
{
	if (st->status == 0) {
		verbose(1, "module %s started", s->name);
		s->started = true;
		child_release(s);
		stdin_open(s);
		return;
	}
	s->stop_wanted = true;
	if (st->status == -ESHUTDOWN)		/* we stopped it before START ran */
		return;
	s->res->failed = true;
	if (st->status == -ENOTCONN) {
		error("module %s was loaded but never started; remove it with "
		      "'staprun -d %s'", s->name, s->name);
		s->res->leave_loaded = true;
		s->abort = true;
	} else {
		error("module %s failed to start: %s", s->name,
		      strerror(-st->status));
	}
}

static void on_oob(struct session *s, const struct stp_msg_text *m, size_t n)
{
	size_t len = n - sizeof(*m);
	const char *text = m->text;

	if (s->mode == SESSION_DELETE)
		return;
	if (m->kind == STP_OOB_ERROR)
		s->res->failed = true;
	if ((m->kind == STP_OOB_WARNING || m->kind == STP_OOB_TRAILER) && opt.no_warnings)
		return;
	len = strnlen(text, len);
	if (m->kind == STP_OOB_TRAILER) {	/* kept for report_counters */
		char *t = realloc(s->trailer, s->trailer_len + len + 2);

		if (!t)
			return;
		memcpy(t + s->trailer_len, text, len);
		s->trailer_len += len;
		if (len && text[len - 1] != '\n')
			t[s->trailer_len++] = '\n';
		t[s->trailer_len] = '\0';
		s->trailer = t;
		return;
	}
	/* output the module flushed before this message comes first */
	if (s->rs && !s->output_broken)
		relay_pump(s->rs, false);
	fflush(stdout);
	fwrite(text, 1, len, stderr);
	if (len && text[len - 1] != '\n')
		fputc('\n', stderr);
}

/* Read and act on every message the module has queued. */
static void handle_ctl(struct session *s)
{
	static union {
		struct stp_msg hdr;
		struct stp_msg_status status;
		struct stp_msg_text text;
		char bytes[STP_MSG_MAX + 1];
	} m;
	struct stp_msg_status st;
	ssize_t n;

	while ((n = read(s->ctl, &m, STP_MSG_MAX)) > 0) {
		if ((size_t)n < sizeof(m.hdr) || m.hdr.size != (size_t)n) {
			error("malformed control message from module %s", s->name);
			continue;
		}
		verbose(2, "received %s", msg_name(m.hdr.type));
		switch (m.hdr.type) {
		case STP_MSG_STARTED:
			on_status(s, &m, n, &st);
			on_started(s, &st);
			break;
		case STP_MSG_EXIT:
			s->stop_wanted = true;
			break;
		case STP_MSG_STOPPED:
			on_status(s, &m, n, &s->status);
			s->stopped = true;
			break;
		case STP_MSG_OOB:
			if ((size_t)n > sizeof(m.text))
				on_oob(s, &m.text, n);
			break;
		case STP_MSG_SYSTEM:
			if ((size_t)n > sizeof(m.text)) {
				m.bytes[n] = '\0';
				run_system(m.text.text);
			}
			break;
		default:
			verbose(1, "ignoring %s (%u) from the module",
				msg_name(m.hdr.type), m.hdr.type);
			break;
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		error("reading the control channel of module %s: %s", s->name,
		      strerror(errno));
		s->abort = true;
	}
}

static long ms_until(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (t->tv_sec - now.tv_sec) * 1000 +
	       (t->tv_nsec - now.tv_nsec) / 1000000;
}

/* One poll() round: wait for anything, then handle everything. */
static void session_step(struct session *s)
{
	struct pollfd pfd[MAX_POLLFDS];
	int n = 0, pid_slot = -1, stdin_slot = -1, timeout = TICK_MS, rc;

	pfd[n++] = (struct pollfd){ .fd = s->ctl, .events = POLLIN };
	pfd[n++] = (struct pollfd){ .fd = s->sfd, .events = POLLIN };
	pfd[n++] = (struct pollfd){ .fd = s->w.done[0], .events = POLLIN };
	if (s->pidfd >= 0) {
		pid_slot = n;
		pfd[n++] = (struct pollfd){ .fd = s->pidfd, .events = POLLIN };
	}
	if (s->stdin_proc >= 0 && !s->stop_wanted) {
		stdin_slot = n;
		pfd[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	}
	n += relay_fill_pollfds(s->rs, pfd + n, MAX_POLLFDS - n);
	if (opt.timeout_s && !s->stop_wanted) {
		long left = ms_until(&s->deadline);

		if (left <= 0) {
			verbose(1, "-T %ld: time is up", opt.timeout_s);
			s->stop_wanted = true;
		} else if (left < timeout) {
			timeout = left;
		}
	}
	if (s->stop_wanted && !s->stop_sent)
		timeout = 0;
	rc = poll(pfd, n, timeout);
	if (rc < 0 && errno != EINTR) {
		error("poll: %s", strerror(errno));
		s->abort = true;
		return;
	}
	handle_signals(s);
	handle_done(s);
	handle_ctl(s);
	if (pid_slot >= 0 && (pfd[pid_slot].revents & POLLIN)) {
		verbose(1, "target process %ld exited", opt.target_pid);
		close(s->pidfd);
		s->pidfd = -1;
		s->stop_wanted = true;
	}
	if (stdin_slot >= 0 && (pfd[stdin_slot].revents & (POLLIN | POLLHUP | POLLERR)))
		stdin_forward(s);
	/* an attached loader reads only once the module stopped overwriting */
	if (s->mode == SESSION_ATTACH && !s->started && !s->stopped)
		return;
	if (!s->output_broken && relay_pump(s->rs, false) < 0) {
		s->output_broken = true;
		s->stop_wanted = true;
	}
}

static int session_open(struct session *s, const char *debugfs, char *dir,
			size_t dir_size)
{
	char ctl[4200];

	snprintf(dir, dir_size, "%s/%s/%s", debugfs, STP_DEBUGFS_DIR, s->name);
	snprintf(ctl, sizeof(ctl), "%s/%s", dir, STP_CTL_FILE);
	s->ctl = open(ctl, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (s->ctl >= 0)
		return 0;
	if (errno == EBUSY)
		error("module %s is in use by another staprun", s->name);
	else if (errno == ENOENT && s->mode != SESSION_RUN)
		error("%s is not a loaded systemtap module (no %s)", s->name, ctl);
	else
		error("cannot open the control channel %s: %s", ctl,
		      strerror(errno));
	return -1;
}

static void report_counters(struct session *s)
{
	const struct stp_msg_status *st = &s->status;
	unsigned long long lost = relay_lost_records(s->rs);

	if (s->mode == SESSION_DELETE || !s->stopped)
		return;
	/* the status follows the ERROR messages, as SystemTap's: errors
	 * counted but suppressed (--suppress-handler-errors) leave it 0 */
	if (st->errors && st->msgs_dropped)
		s->res->failed = true;
	if (st->dropped)
		warning("%llu bytes of output dropped (output buffer full); "
			"try a bigger buffer with -b MB",
			(unsigned long long)st->dropped);
	if (st->msgs_dropped)
		warning("%llu warning/error messages dropped (message queue full)",
			(unsigned long long)st->msgs_dropped);
	if (lost && !opt.load_only && s->mode == SESSION_RUN)
		warning("%llu output records missing from the sequence", lost);
	if (st->errors || st->skipped || s->trailer) {
		fprintf(stderr, "WARNING: Number of errors: %u, skipped probes: %llu\n",
			st->errors, (unsigned long long)st->skipped);
		if (s->trailer)		/* stap -t: the skips by cause */
			fputs(s->trailer, stderr);
	}
	free(s->trailer);
	s->trailer = NULL;
}

/* The first message: START (with -c forked), ATTACH or STOP. */
static int session_begin(struct session *s)
{
	long target = opt.target_pid;

	switch (s->mode) {
	case SESSION_RUN:
		if (opt.command) {
			if (child_spawn(s, opt.command))
				return -1;
			target = s->child;
		}
		return send_start(s, target);
	case SESSION_ATTACH:
		relay_join_midstream(s->rs);
		return send_simple(s, STP_MSG_ATTACH);
	case SESSION_DELETE:
		s->stop_wanted = true;
		return 0;
	}
	return -1;
}

static void session_close(struct session *s)
{
	if (s->child_gate >= 0)
		close(s->child_gate);	/* an unreleased command just exits */
	ctl_writer_stop(&s->w);
	if (s->w.done[0] >= 0) {
		handle_done(s);		/* a late DETACH or STOP that failed */
		close(s->w.done[0]);
	}
	if (s->pidfd >= 0)
		close(s->pidfd);
	if (s->stdin_proc >= 0)
		close(s->stdin_proc);
	if (s->sfd >= 0)
		close(s->sfd);
	relay_close_all(s->rs);
	if (s->ctl >= 0)
		close(s->ctl);
}

/*
 * session_run - talk to module @name until its session ends or we detach
 *
 * Returns 0, or -1 if the session could not be set up at all (message
 * printed).  *res says whether to leave the module loaded and whether the
 * run failed.
 */
int session_run(const char *name, const char *debugfs, enum session_mode mode,
		struct session_result *res)
{
	struct session s = {
		.name = name, .mode = mode, .ctl = -1, .sfd = -1, .pidfd = -1,
		.child_gate = -1, .res = res, .stdin_proc = -1,
		.w = { .cmd = { -1, -1 }, .done = { -1, -1 } },
	};
	sigset_t set = handled_signals();
	char dir[4096];
	int err = 0;

	memset(res, 0, sizeof(*res));
	if (session_open(&s, debugfs, dir, sizeof(dir)))
		goto fail;
	/* -L leaves the output to whoever attaches; -d discards it */
	if (mode != SESSION_DELETE && !opt.load_only) {
		s.rs = relay_open_all(dir, &err);
		if (!s.rs) {
			error("cannot open the output files of module %s in %s: %s",
			      name, dir, strerror(-err));
			goto fail;
		}
		if (relay_set_outputs(s.rs, opt.outfile, opt.bulk, opt.fsize_mb,
				      opt.fnum_max))
			goto fail;
	}
	s.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s.sfd < 0) {
		error("signalfd: %s", strerror(errno));
		goto fail;
	}
	if (opt.target_pid && !opt.command) {
		s.pidfd = syscall(SYS_pidfd_open, (pid_t)opt.target_pid, 0);
		if (s.pidfd < 0)
			verbose(1, "pidfd_open(%ld): %s; not watching it",
				opt.target_pid, strerror(errno));
	}
	clock_gettime(CLOCK_MONOTONIC, &s.deadline);
	s.deadline.tv_sec += opt.timeout_s;
	if (ctl_writer_start(&s.w, s.ctl))
		goto fail;
	if (session_begin(&s))
		goto fail;

	while (!s.stopped && !s.abort) {
		session_step(&s);
		if (s.stop_wanted && !s.stop_sent && !s.abort &&
		    send_simple(&s, STP_MSG_STOP) == 0)
			s.stop_sent = true;
		if (!s.stop_sent && s.started &&
		    (s.detach_wanted || opt.load_only)) {
			if (send_simple(&s, STP_MSG_DETACH) == 0) {
				res->leave_loaded = true;
				fprintf(stderr, "\nDisconnecting from systemtap module.\n"
					"To reconnect, type \"staprun -A %s\"\n",
					name);
			}
			break;
		}
	}
	if (s.stopped && !s.output_broken)
		relay_pump(s.rs, true);
	if (s.abort)
		res->failed = true;
	report_counters(&s);
	session_close(&s);
	return 0;

fail:
	res->failed = true;
	session_close(&s);
	return -1;
}
