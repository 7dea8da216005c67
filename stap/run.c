/* run.c - pass 5: hand the module to staprun, here or in the lab.
 *
 * Locally: `staprun [options] MODULE.ko [global=value ...]`.  With --vm:
 * `stap-vm -f MODULE.ko [-x PROGRAM] -- 'staprun ... MODULE.ko'`, which
 * boots the lab kernel, runs the same staprun command there and passes its
 * output and exit status through.
 */
#include "stap.h"

#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Single-quote s for sh -c. */
static const char *shell_quote(const char *s)
{
	Buf b = {0};
	buf_putc(&b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_puts(&b, "'\\''");
		else
			buf_putc(&b, *s);
	}
	buf_putc(&b, '\'');
	char *r = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return r;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void staprun_args(Session *s, Vec *argv, const char *module)
{
	for (int i = 0; i < s->verbose && i < 3; i++)
		vec_push(argv, "-v");
	vec_foreach(&s->staprun_opts, i) {
		const char *o = vec_get(&s->staprun_opts, i);
		vec_push(argv, o);
		if (str_eq(o, "-o") && s->vm && i + 1 < s->staprun_opts.len) {
			/* in the lab, output goes to the guest's work directory */
			vec_push(argv, base_name(vec_get(&s->staprun_opts, ++i)));
		}
	}
	if (s->cmd) {
		vec_push(argv, "-c");
		vec_push(argv, (void *)s->cmd);
	}
	if (s->target_pid) {
		vec_push(argv, "-x");
		vec_push(argv, xsprintf("%ld", s->target_pid));
	}
	vec_push(argv, (void *)module);
	vec_foreach(&s->global_inits, i)
		vec_push(argv, vec_get(&s->global_inits, i));
}

/* The program a -c command starts, if it names a host file to copy. */
static const char *cmd_program(const char *cmd)
{
	size_t n = strcspn(cmd, " \t");
	char *prog = xstrndup(cmd, n);
	if (prog[0] == '/')
		return file_exists(prog) ? prog : NULL;
	return NULL;
}

int run_module(Session *s)
{
	Vec argv = {0};
	signal(SIGINT, SIG_IGN);	/* staprun handles Ctrl-C and stops cleanly */
	signal(SIGTERM, SIG_IGN);
	if (!s->vm) {
		vec_push(&argv, (void *)tool_path(s, "staprun"));
		staprun_args(s, &argv, s->ko_file);
		vec_push(&argv, NULL);
		return run_command(s, (char *const *)argv.data, false);
	}
	const char *ko = s->ko_file;
	const char *base = strrchr(ko, '/') ? strrchr(ko, '/') + 1 : ko;
	Vec inner = {0};
	vec_push(&inner, "staprun");
	staprun_args(s, &inner, base);
	Buf cmd = {0};
	vec_foreach(&inner, i)
		buf_printf(&cmd, "%s%s", i ? " " : "", shell_quote(vec_get(&inner, i)));
	vec_push(&argv, (void *)tool_path(s, "stap-vm"));
	if (s->verbose)
		vec_push(&argv, "-v");
	vec_push(&argv, "-f");
	vec_push(&argv, (void *)ko);
	vec_foreach(&s->probed_modules, i) {
		/* the lab kernel's modules the probes name, for modprobe there */
		vec_push(&argv, "-k");
		vec_push(&argv, vec_get(&s->probed_modules, i));
	}
	vec_foreach(&s->probed_programs, i) {
		vec_push(&argv, "-x");
		vec_push(&argv, vec_get(&s->probed_programs, i));
	}
	if (s->cmd && cmd_program(s->cmd)) {
		vec_push(&argv, "-x");
		vec_push(&argv, (void *)cmd_program(s->cmd));
	}
	if (s->output_file) {
		/* written in the guest's work directory, fetched back afterwards */
		vec_push(&argv, "-g");
		vec_push(&argv, base_name(s->output_file));
	}
	vec_push(&argv, "--");
	vec_push(&argv, buf_cstr(&cmd));
	vec_push(&argv, NULL);
	int rc = run_command(s, (char *const *)argv.data, false);
	if (s->output_file && !str_eq(base_name(s->output_file), s->output_file) &&
	    rename(base_name(s->output_file), s->output_file) != 0)
		warn_plain("cannot move the output file to %s", s->output_file);
	return rc;
}
