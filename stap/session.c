/* session.c - what every pass may ask of the session: where the runtime,
 * tapsets and helper programs are (installed, or this build tree), the
 * temporary directory, running a command, the clock.
 */
#include "stap.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

Session *g_session;

double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* ---- paths: installed, or this build tree */

static const char *self_dir(void)
{
	static char dir[PATH_MAX];
	if (!dir[0]) {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
		if (n <= 0)
			return ".";
		dir[n] = '\0';
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
	}
	return dir;
}

/* True when this stap is the one built in ABS_BUILDDIR (not installed). */
static bool in_build_tree(void)
{
	return str_eq(self_dir(), ABS_BUILDDIR "/stap");
}

const char *runtime_dir(Session *s)
{
	if (!s->runtime_dir) {
		const char *env = getenv("SYSTEMTAP_RUNTIME");
		s->runtime_dir = env ? env : in_build_tree() ? ABS_SRCDIR "/runtime" : PKGDATADIR "/runtime";
	}
	return s->runtime_dir;
}

const char *tapset_dir(Session *s)
{
	if (!s->tapset_dir) {
		const char *env = getenv("SYSTEMTAP_TAPSET");
		s->tapset_dir = env ? env : in_build_tree() ? ABS_SRCDIR "/tapset" : PKGDATADIR "/tapset";
	}
	return s->tapset_dir;
}

const char *tool_path(Session *s, const char *name)
{
	const char *env = NULL;
	if (str_eq(name, "staprun"))
		env = getenv("SYSTEMTAP_STAPRUN");
	else if (str_eq(name, "stap-vm"))
		env = getenv("SYSTEMTAP_STAPVM");
	if (env)
		return env;
	if (in_build_tree()) {
		if (str_eq(name, "staprun"))
			return ABS_BUILDDIR "/staprun/staprun";
		return xsprintf(ABS_SRCDIR "/lab/%s", name);
	}
	return xsprintf(BINDIR "/%s", name);
}

void note_probed_module(Session *s, const char *name)
{
	vec_push_str_once(&s->probed_modules, name);
}

void note_probed_program(Session *s, const char *path)
{
	vec_push_str_once(&s->probed_programs, path);
}

const char *session_tmpdir(Session *s)
{
	if (!s->tmpdir) {
		const char *base = getenv("TMPDIR");
		char *t = xsprintf("%s/stapXXXXXX", base ? base : "/tmp");
		if (!mkdtemp(t))
			fatal("cannot create temporary directory %s: %s", t, strerror(errno));
		s->tmpdir = t;
	}
	return s->tmpdir;
}

int run_command(Session *s, char *const argv[], bool quiet)
{
	if (s->verbose > 2) {
		fputs("Running", stderr);
		for (int i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		if (quiet) {
			if (!freopen("/dev/null", "w", stdout))
				_exit(127);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "ERROR: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

