/* staprun.c - load a tracing module, run its session, remove it.
 *
 * The whole life of a session, in order:
 *   1. parse options; refuse early anything that cannot work (not root, not
 *      a kernel module, built for another kernel, a kernel without module
 *      support, a module of that name already loaded, no debugfs)
 *   2. insert the module with the script's global=value as parameters
 *   3. session_run(): START, copy output until the session ends, STOP
 *   4. remove the module, on every path that inserted it, unless the user
 *      asked to leave it running (-L, or SIGQUIT to detach)
 * -A and -d skip 1-2 and work on a module that is already loaded.
 *
 * Every message for the user is one line on stderr starting "ERROR: " or
 * "WARNING: ", with strerror() text where an errno is behind it; the exit
 * status is 0, or 1 if anything failed or the script reported an ERROR.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "staprun.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1"
#endif

struct options opt;
const char *progname = "staprun";

/* --- messages and memory ------------------------------------------------ */

static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("ERROR: ", fmt, ap);
	va_end(ap);
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("WARNING: ", fmt, ap);
	va_end(ap);
}

void verbose(int level, const char *fmt, ...)
{
	va_list ap;

	if (opt.verbose < level)
		return;
	va_start(ap, fmt);
	vmessage("staprun: ", fmt, ap);
	va_end(ap);
}

void *xmalloc(size_t size)
{
	void *p = malloc(size);

	if (!p) {
		error("out of memory");
		exit(1);
	}
	return p;
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p) {
		error("out of memory");
		exit(1);
	}
	return p;
}

char *xstrdup(const char *s)
{
	return strcpy(xmalloc(strlen(s) + 1), s);
}

/* --- options -------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [OPTIONS] MODULE.ko|NAME [global=value ...]\n"
"Load a tracing module made by stap, run it, and remove it.\n"
"\n"
"  -v          more messages (repeat for more)\n"
"  -V          print the version and exit\n"
"  -h          print this help and exit\n"
"  -w          suppress the script's warnings\n"
"  -u          accepted for compatibility (uprobes are built in)\n"
"  -c CMD      run CMD once probes are armed (its words, or /bin/sh -c for\n"
"              shell syntax); target() is its\n"
"              pid; the session ends when CMD exits\n"
"  -x PID      target() is PID; the session ends when PID exits\n"
"  -o FILE     write output to FILE instead of stdout; strftime(3)\n"
"              conversions (%%Y, %%H ...) in FILE are expanded\n"
"  -S SIZE[,N] with -o: switch to the next file FILE.1, FILE.2 ... (the\n"
"              first is FILE.0) before one grows past SIZE MB; keep only\n"
"              the last N files\n"
"  -b MB       output buffer size per CPU, 1-4095 MB (also -s MB)\n"
"  -b          bulk mode: with -o FILE, one file FILE_cpuN per CPU\n"
"  -T SECS     stop the session after SECS seconds\n"
"  -L          start the module, then detach and leave it running in\n"
"              flight-recorder mode (newest output kept)\n"
"  -A          attach to the already loaded module NAME\n"
"  -d          stop and remove the loaded module NAME\n"
"  -D          run in the background (needs -o); prints its pid; with -S\n"
"              this is SystemTap's file flight recorder (stap -F -o FILE)\n"
"\n"
"SIGINT, SIGTERM and SIGHUP stop the session; SIGQUIT detaches from it.\n",
		progname);
}

static long parse_number(const char *what, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		error("%s: '%s' is not a number from %ld to %ld", what, s, min, max);
		exit(1);
	}
	return v;
}

static bool all_digits(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void check_options(void)
{
	int modes = opt.load_only + opt.attach + opt.delete;

	if (!opt.module) {
		usage(stderr);
		exit(1);
	}
	if (modes > 1) {
		error("-L, -A and -d cannot be used together");
		exit(1);
	}
	if (opt.command && opt.target_pid) {
		error("-c and -x cannot be used together");
		exit(1);
	}
	if (opt.fsize_mb && !opt.outfile) {
		error("-S needs -o FILE (it limits the size of the output files)");
		exit(1);
	}
	if (opt.daemon && !opt.outfile) {
		error("-D needs -o FILE (a background staprun has no terminal)");
		exit(1);
	}
	if ((opt.attach || opt.delete) && opt.n_modargs) {
		error("global=value arguments only apply when loading a module");
		exit(1);
	}
	if (opt.bulk && !opt.outfile)
		verbose(1, "-b without -o: output is merged to stdout");
}

/* -S SIZE[,N]: MB per output file, and how many files to keep. */
static void parse_fsize(const char *arg)
{
	long size, n = 0;
	char *end;

	errno = 0;
	size = strtol(arg, &end, 10);
	if (!errno && end != arg && *end == ',') {
		const char *num = end + 1;

		n = strtol(num, &end, 10);
		if (end == num || n < 1)
			errno = EINVAL;
	}
	if (errno || end == arg || *end || size < 1 || size > 1048576 ||
	    n > 1000000) {
		error("-S: '%s' is not SIZE[,N] with SIZE from 1 to 1048576 (MB) "
		      "and N from 1 to 1000000", arg);
		exit(1);
	}
	opt.fsize_mb = size;
	opt.fnum_max = n;
}

/*
 * SystemTap's staprun takes -b BUFFER_SIZE; ctap's stap passes -b alone for
 * bulk mode.  Both are accepted: "-b N" or "-bN" with N a number is the
 * buffer size, a bare -b is bulk mode.
 */
static void parse_options(int argc, char **argv)
{
	int c;

	if (getenv("SYSTEMTAP_VERBOSE"))
		opt.verbose = atoi(getenv("SYSTEMTAP_VERBOSE"));
	/* options may follow the module (getopt moves them first), as in
	 * SystemTap's staprun */
	while ((c = getopt(argc, argv, "vVhwuc:x:o:b::s:S:T:LAdD")) != -1) {
		switch (c) {
		case 'v':
			opt.verbose++;
			break;
		case 'V':
			printf("staprun (ctap) %s, wire format %d\n",
			       PACKAGE_VERSION, STP_WIRE_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		case 'w':
			opt.no_warnings = true;
			break;
		case 'u':
			break;
		case 'c':
			opt.command = optarg;
			break;
		case 'x':
			opt.target_pid = parse_number("-x", optarg, 1, 0x7fffffff);
			break;
		case 'o':
			opt.outfile = optarg;
			break;
		case 'b':
			if (!optarg && all_digits(argv[optind]) && optind + 1 < argc)
				optarg = argv[optind++];
			if (optarg)
				opt.bufsize_mb = parse_number("-b", optarg, 1, 4095);
			else
				opt.bulk = true;
			break;
		case 's':
			opt.bufsize_mb = parse_number("-s", optarg, 1, 4095);
			break;
		case 'S':
			parse_fsize(optarg);
			break;
		case 'T':
			opt.timeout_s = parse_number("-T", optarg, 1, 100000000);
			break;
		case 'L':
			opt.load_only = true;
			break;
		case 'A':
			opt.attach = true;
			break;
		case 'd':
			opt.delete = true;
			break;
		case 'D':
			opt.daemon = true;
			break;
		default:
			usage(stderr);
			exit(1);
		}
	}
	if (optind < argc)
		opt.module = argv[optind++];
	opt.modargs = argv + optind;
	opt.n_modargs = argc - optind;
	check_options();
}

/* --- module parameters ---------------------------------------------------- */

static bool valid_param_name(const char *s, size_t len)
{
	size_t i;

	if (!len || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* "a=1 b=\"two words\" _stp_bufsize=N", or NULL (message printed). */
static char *build_params(void)
{
	size_t cap = 64, len = 0;
	char *p;
	int i;

	for (i = 0; i < opt.n_modargs; i++)
		cap += strlen(opt.modargs[i]) + 4;
	p = xmalloc(cap);
	p[0] = '\0';
	for (i = 0; i < opt.n_modargs; i++) {
		const char *a = opt.modargs[i], *eq = strchr(a, '=');

		if (!eq || !valid_param_name(a, eq - a)) {
			error("'%s' is not of the form global=value", a);
			goto fail;
		}
		if (strchr(eq + 1, '"')) {
			error("'%s': a module parameter cannot contain '\"'", a);
			goto fail;
		}
		len += snprintf(p + len, cap - len,
				strpbrk(eq + 1, " \t\n") ? "%s%.*s\"%s\"" : "%s%.*s%s",
				len ? " " : "", (int)(eq - a + 1), a, eq + 1);
	}
	if (opt.bufsize_mb)
		snprintf(p + len, cap - len, "%s_stp_bufsize=%u", len ? " " : "",
			 opt.bufsize_mb);
	return p;
fail:
	free(p);
	return NULL;
}

/* Every global=value must name a parameter of the module. */
static int check_params(const struct module_file *mf)
{
	int i;

	for (i = 0; i < opt.n_modargs; i++) {
		const char *a = opt.modargs[i];
		size_t len = strcspn(a, "=");

		if (!module_has_param(mf, a, len)) {
			error("module %s has no global '%.*s' (from '%s')",
			      mf->name, (int)len, a, a);
			return -1;
		}
	}
	return 0;
}

/* --- the two ways to run -------------------------------------------------- */

/* -D: the parent prints the child's pid and leaves; the child goes on. */
static int daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		error("cannot fork for -D: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		printf("%d\n", (int)pid);
		fflush(stdout);
		_exit(0);
	}
	setsid();
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
	return 0;
}

/* Insert MODULE.ko, run its session, remove it. */
static int run_new(void)
{
	struct session_result res = { 0 };
	struct module_file mf = { 0 };
	struct utsname u;
	char pathbuf[4096], debugfs[4096];
	const char *path;
	char *params;
	int rc;

	params = build_params();
	if (!params)
		return 1;
	path = module_resolve(opt.module, pathbuf, sizeof(pathbuf));
	if (module_inspect(path, &mf))
		goto fail;
	if (check_params(&mf))
		goto fail;
	if (uname(&u) != 0) {
		error("uname: %s", strerror(errno));
		goto fail;
	}
	if (kernel_check_modules(u.release))
		goto fail;
	if (strcmp(mf.vermagic_release, u.release) != 0) {
		error("module %s was built for kernel %s, but this kernel is %s",
		      path, mf.vermagic_release, u.release);
		goto fail;
	}
	if (module_is_loaded(mf.name)) {
		error("module %s is already loaded; remove it with 'staprun -d %s'",
		      mf.name, mf.name);
		goto fail;
	}
	if (opt.target_pid && kill(opt.target_pid, 0) != 0 && errno == ESRCH) {
		error("no process with pid %ld (-x)", opt.target_pid);
		goto fail;
	}
	if (debugfs_find(debugfs, sizeof(debugfs)))
		goto fail;
	rc = module_insert(&mf, params);
	free(params);
	free(mf.modinfo);
	if (rc)
		return 1;
	if (opt.daemon && daemonize()) {
		module_remove(mf.name);
		return 1;
	}
	rc = session_run(mf.name, debugfs, SESSION_RUN, &res);
	if (!res.leave_loaded && module_remove(mf.name))
		res.failed = true;
	return rc || res.failed ? 1 : 0;
fail:
	free(params);
	free(mf.modinfo);
	return 1;
}

/* -A NAME or -d NAME: a module someone loaded before. */
static int run_loaded(void)
{
	struct session_result res = { 0 };
	char name[64], debugfs[4096];
	struct utsname u;
	int rc;

	module_name_from_arg(opt.module, name, sizeof(name));
	if (uname(&u) == 0 && kernel_check_modules(u.release))
		return 1;
	if (!module_is_loaded(name)) {
		error("module %s is not loaded", name);
		return 1;
	}
	if (debugfs_find(debugfs, sizeof(debugfs)))
		return 1;
	rc = session_run(name, debugfs,
			 opt.delete ? SESSION_DELETE : SESSION_ATTACH, &res);
	if (rc)
		return 1;	/* not ours to remove, or in use */
	if (!res.leave_loaded && module_remove(name))
		res.failed = true;
	return res.failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	parse_options(argc, argv);
	if (geteuid() != 0) {
		error("staprun must run as root: it loads and controls kernel modules");
		return 1;
	}
	if (signals_block())
		return 1;
	if (opt.attach || opt.delete)
		return run_loaded();
	return run_new();
}
