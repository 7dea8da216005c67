/* build.c - pass 4: the generated C becomes NAME.ko with the target
 * kernel's own kbuild (`make -C BUILD M=TMPDIR modules`).
 *
 * Compiler output is kept in the temporary directory and shown only when
 * the build fails (or with -v), so a failure reads like one.
 */
#include "stap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_kbuild(Session *s, const char *dir)
{
	Buf b = {0};
	buf_printf(&b, "obj-m := %s.o\n", s->module_name);
	/* -Os: the module is mostly cold code (registration, printing,
	 * maps); size-optimized it is ~18 % smaller (fewer ORC entries and
	 * relocations too) and builds a little faster; the probe hit path
	 * forces its few pieces inline (runtime/stp_context.h).  Value range
	 * propagation, PRE/GCSE and mod-ref analysis cost an eighth of the
	 * compile of a 50-probe module and change its size by 0.2 %: off
	 * (through cc-option, answered once per kernel: kbuild-probes.mk) */
	buf_printf(&b, "ccflags-y := -I%s -Wno-unused-function -Wno-unused-variable -Wno-unused-label"
		   " -Wno-declaration-after-statement -fno-strict-aliasing -g0 -Os\n", runtime_dir(s));
	buf_puts(&b, "ccflags-y += $(call cc-option,-fno-tree-vrp) $(call cc-option,-fno-ipa-vrp)"
		 " $(call cc-option,-fno-tree-pre) $(call cc-option,-fno-gcse)"
		 " $(call cc-option,-fno-ipa-modref)\n");
	/* no ftrace hooks in the module's own functions: smaller, and
	 * tracing them was never wanted */
	buf_printf(&b, "CFLAGS_REMOVE_%s.o = $(CC_FLAGS_FTRACE)\n", s->module_name);
	vec_foreach(&s->defines, i)
		buf_printf(&b, "ccflags-y += -D%s\n", (char *)vec_get(&s->defines, i));
	const char *path = xsprintf("%s/Makefile", dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		error_plain("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	fputs(buf_cstr(&b), f);
	fclose(f);
	buf_free(&b);
	return 0;
}

int build_module(Session *s)
{
	if (kernel_resolve(s, true))
		return 1;
	const char *dir = session_tmpdir(s);
	if (write_kbuild(s, dir))
		return 1;
	const char *log = xsprintf("%s/build.log", dir);
	/* kbuild's compiler probes, answered once per kernel tree (see
	 * runtime/kbuild-probes.mk); a user's own MAKEFILES is kept */
	const char *probes_mk = xsprintf("%s/kbuild-probes.mk", runtime_dir(s));
	const char *answers = cache_kbuild_probes(s);
	Buf env = {0};
	if (file_exists(probes_mk)) {
		const char *mine = getenv("MAKEFILES");
		buf_printf(&env, "MAKEFILES='%s%s%s' ", probes_mk, mine ? " " : "", mine ? mine : "");
		if (answers)
			buf_printf(&env, "CTAP_PROBE_CACHE='%s' ", answers);
	}
	char *cmd = xsprintf("%smake -C '%s' M='%s' modules %s > '%s' 2>&1", buf_cstr(&env), s->kernel.build_dir,
			     dir, s->verbose > 1 ? "V=1" : "", log);
	if (s->verbose > 2)
		fprintf(stderr, "Running %s\n", cmd);
	int rc = system(cmd);
	const char *ko = xsprintf("%s/%s.ko", dir, s->module_name);
	if (rc != 0 || !file_exists(ko)) {
		char *text = read_file(log, NULL);
		if (text)
			fputs(text, stderr);
		error_plain("kbuild failed for kernel %s (see the compiler messages above)", s->kernel.release);
		return 1;
	}
	if (s->verbose > 1) {
		char *text = read_file(log, NULL);
		if (text)
			fputs(text, stderr);
	}
	/* kbuild compiles its own parts with -g: the debug sections are two
	 * thirds of a small module and nothing reads them; nor does anything
	 * need the names of the module's static functions and data (the
	 * loader resolves only the kernel symbols it imports, through the
	 * relocations' symbols, which stay) */
	if (system(xsprintf("strip --strip-unneeded '%s' 2>/dev/null", ko)) != 0 && s->verbose > 1)
		warn_plain("could not strip debug information from %s", ko);
	s->ko_file = ko;
	return 0;
}
