/* main.c - the stap driver: options, then the five passes.
 *
 * The whole pipeline is visible in pipeline() below: each pass hands its
 * product to the next and `-p N` stops after pass N, printing the product
 * (parse tree, elaborated program, C file, module path).  `-v` prints
 * SystemTap's per-pass summary lines with resource usage and timings.
 */
#include "stap.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

/* ---- timing and resource lines for -v */

typedef struct PassClock {
	double real;
	struct rusage ru;
} PassClock;

/* CPU time of stap and its children (pass 4's make, pass 5's staprun). */
static void usage_all(struct rusage *ru)
{
	struct rusage ch;
	getrusage(RUSAGE_SELF, ru);
	getrusage(RUSAGE_CHILDREN, &ch);
	timeradd(&ru->ru_utime, &ch.ru_utime, &ru->ru_utime);
	timeradd(&ru->ru_stime, &ch.ru_stime, &ru->ru_stime);
}

static PassClock clock_start(void)
{
	PassClock c;
	c.real = now_ms();
	usage_all(&c.ru);
	return c;
}

static long tv_ms(struct timeval a, struct timeval b)
{
	return (b.tv_sec - a.tv_sec) * 1000 + (b.tv_usec - a.tv_usec) / 1000;
}

/* "using Xvirt/Yres/Zshr/Wdata kb, in Uusr/Ssys/Rreal ms." */
static const char *clock_text(PassClock *c, bool with_mem)
{
	struct rusage ru;
	usage_all(&ru);
	long virt = 0, res = 0, shr = 0, data = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		long pg = sysconf(_SC_PAGESIZE) / 1024;
		long text, lib;
		if (fscanf(f, "%ld %ld %ld %ld %ld %ld", &virt, &res, &shr, &text, &lib, &data) == 6) {
			virt *= pg, res *= pg, shr *= pg, data *= pg;
		}
		fclose(f);
	}
	const char *mem = with_mem ? xsprintf("using %ldvirt/%ldres/%ldshr/%lddata kb, ", virt, res, shr, data) : "";
	return xsprintf("%sin %ldusr/%ldsys/%ldreal ms.", mem, tv_ms(c->ru.ru_utime, ru.ru_utime),
			tv_ms(c->ru.ru_stime, ru.ru_stime), (long)(now_ms() - c->real));
}

static void cleanup_tmpdir(Session *s)
{
	if (!s->tmpdir)
		return;
	if (s->keep_tmp) {
		fprintf(stderr, "Keeping temporary directory \"%s\"\n", s->tmpdir);
		return;
	}
	char *cmd = xsprintf("rm -rf '%s'", s->tmpdir);
	if (system(cmd) != 0)
		warn_plain("could not remove %s", s->tmpdir);
}

/* ---- options */

static void usage(FILE *out)
{
	fputs(
"Usage: stap [options] FILE                 Run script in file.\n"
"   or: stap [options] -                    Run script on stdin.\n"
"   or: stap [options] -e SCRIPT            Run given script.\n"
"   or: stap [options] -l PROBE             List matching probes.\n"
"   or: stap [options] -L PROBE             List matching probes and local variables.\n"
"\n"
"Options (in ~/.systemtap/rc and on command line):\n"
"   --         end of translator options, script options follow\n"
"   -h --help  show help\n"
"   -V --version  show version\n"
"   -p NUM     stop after pass NUM 1-5, instead of 5\n"
"              (parse, elaborate, translate, compile, run)\n"
"   -v         add verbosity to all passes\n"
"   -k         keep temporary directory\n"
"   -u         unoptimized translation\n"
"   -w         suppress warnings\n"
"   -W         turn warnings into errors\n"
"   -g         guru mode\n"
"   -s NUM     buffer size in megabytes\n"
"   -I DIR     look in DIR for additional .stp script files\n"
"   -D NM=VAL  emit macro definition into generated C code\n"
"   -B NM=VAL  pass option to kbuild make\n"
"   -r RELEASE cross-compile to kernel RELEASE\n"
"   -m MODULE  set probe module name\n"
"   -o FILE    send script output to file, instead of stdout\n"
"   -c CMD     start the probes, run CMD, and exit when it finishes\n"
"   -x PID     sets target() to PID\n"
"   -d OBJ     add unwind/symbol data for OBJ file\n"
"   --ldd      add unwind/symbol data for referenced user-space objects\n"
"   --all-modules  add unwind/symbol data for all loaded kernel objects\n"
"   -G VAR=VAL set global variable to value\n"
"   -e SCRIPT  run given script\n"
"   -E SCRIPT  run given script in addition to the script file\n"
"   -F         run as on-file flight recorder with -o, or in-memory with -L\n"
"   -S size[,n] switch output file to next file when it reaches size (MB)\n"
"   -T TIME    terminate the script after TIME seconds\n"
"   -t         collect probe timing information\n"
"   -b         bulk (per-cpu) output mode\n"
"   --vm       run pass 5 in the lab virtual machine (stap-vm)\n"
"   --skip-badvars  substitute zero for bad context $variables\n"
"   --suppress-handler-errors  catch all runtime errors, continue\n"
"   --compatible=VERSION  suppress incompatible language/tapset changes\n"
"   --disable-cache  do not use the module cache\n"
"   --dump-functions  list available functions\n"
"   --dump-probe-types  list available probe point types\n"
"   --dump-probe-aliases  list available probe aliases\n", out);
}

enum {
	OPT_VM = 1000, OPT_SKIP_BADVARS, OPT_SUPPRESS_HANDLER_ERRORS, OPT_COMPATIBLE,
	OPT_DISABLE_CACHE, OPT_CLEAN_CACHE, OPT_DUMP_FUNCTIONS, OPT_DUMP_PROBE_TYPES,
	OPT_DUMP_PROBE_ALIASES, OPT_RUNTIME, OPT_PRIVILEGE, OPT_POISON_CACHE, OPT_LDD, OPT_ALL_MODULES,
};

static int dump_mode;
static bool flight;		/* -F: flight recorder */
static bool clean_cache;

/* SystemTap's command-line error: the message, then where to look. */
static void usage_fail(const char *msg)
{
	if (msg)
		fprintf(stderr, "%s\n", msg);
	fputs("Try '--help' for more information. [man stap]\n"
	      "A message like [man foo] means for more info, run % man foo\n", stderr);
	exit(1);
}

/* Options whose values end up in commands or generated C must match
 * SystemTap's patterns (case-insensitive); each is checked by hand here. */
static size_t span(const char *p, const char *extra)
{
	size_t n = 0;
	while (p[n] && (isalnum((unsigned char)p[n]) || strchr(extra, p[n])))
		n++;
	return n;
}

static bool ident_start(const char *p)
{
	return isalpha((unsigned char)*p) || *p == '_';
}

static void safety_check(char opt, const char *v)
{
	const char *pattern = NULL, *eq = strchr(v, '=');
	bool ok = false;
	switch (opt) {
	case 'm':
		pattern = "^[a-z0-9_]+$";
		ok = *v && v[span(v, "_")] == '\0';
		break;
	case 'G':
		pattern = "^[a-z_][a-z0-9_]*=[a-z0-9_.-]+$";
		ok = ident_start(v) && v[span(v, "_")] == '=' && eq[1] && eq[1 + span(eq + 1, "_.-")] == '\0';
		break;
	case 'D': {
		pattern = "^[a-z_][a-z_0-9]*(=-?[a-z_0-9]+)?$";
		size_t n = span(v, "_");
		const char *val = v[n] == '=' ? v + n + 1 + (v[n + 1] == '-') : NULL;
		ok = ident_start(v) && (v[n] == '\0' || (val && *val && val[span(val, "_")] == '\0'));
		break;
	}
	case 'S': {
		pattern = "^[0-9]+(,[0-9]+)?$";
		size_t n = strspn(v, "0123456789");
		ok = n > 0 && (v[n] == '\0' ||
			       (v[n] == ',' && strspn(v + n + 1, "0123456789") > 0 &&
				v[n + 1 + strspn(v + n + 1, "0123456789")] == '\0'));
		break;
	}
	}
	if (!ok)
		fatal("Safety pattern mismatch for -%c parameter ('%s' vs. '%s')", opt, v, pattern);
}

static void add_staprun_opt(Session *s, const char *opt, const char *arg)
{
	vec_push(&s->staprun_opts, (void *)opt);
	if (arg)
		vec_push(&s->staprun_opts, (void *)arg);
}

static void parse_options(Session *s, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "vm", no_argument, NULL, OPT_VM },
		{ "skip-badvars", no_argument, NULL, OPT_SKIP_BADVARS },
		{ "suppress-handler-errors", no_argument, NULL, OPT_SUPPRESS_HANDLER_ERRORS },
		{ "compatible", required_argument, NULL, OPT_COMPATIBLE },
		{ "disable-cache", no_argument, NULL, OPT_DISABLE_CACHE },
		{ "clean-cache", no_argument, NULL, OPT_CLEAN_CACHE },
		{ "poison-cache", no_argument, NULL, OPT_POISON_CACHE },
		{ "ldd", no_argument, NULL, OPT_LDD },
		{ "all-modules", no_argument, NULL, OPT_ALL_MODULES },
		{ "dump-functions", no_argument, NULL, OPT_DUMP_FUNCTIONS },
		{ "dump-probe-types", no_argument, NULL, OPT_DUMP_PROBE_TYPES },
		{ "dump-probe-aliases", no_argument, NULL, OPT_DUMP_PROBE_ALIASES },
		{ "runtime", required_argument, NULL, OPT_RUNTIME },
		{ "privilege", required_argument, NULL, OPT_PRIVILEGE },
		{ NULL, 0, NULL, 0 },
	};
	int c, listings = 0;
	bool pass_given = false;
	/* Options may follow the script (`stap x.stp -c CMD`): getopt moves
	 * the script and its arguments to the end, as SystemTap's does; `--`
	 * ends the options. */
	while ((c = getopt_long(argc, argv, "hVp:vkuwWgs:I:D:B:r:m:o:c:x:d:e:E:FS:T:tbl:L:R:a:PG:",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'h': usage(stdout); exit(0);
		case 'V':
			printf("Systemtap translator/driver (version " STAP_VERSION "/0.188, %s %s)\n"
			       "This is ctap, a SystemTap-compatible tracer written in C.\n",
			       PACKAGE_NAME, PACKAGE_VERSION);
			exit(0);
		case 'p': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 5) {
				fputs("Invalid pass number (should be 1-5).\n", stderr);
				exit(1);
			}
			s->last_pass = (int)n;
			pass_given = true;
			break;
		}
		case 'v': s->verbose++; break;
		case 'k': s->keep_tmp = true; break;
		case 'u': s->unoptimized = true; break;
		case 'w': s->suppress_warnings = true; break;
		case 'W': s->warnings_as_errors = true; break;
		case 'g': s->guru = true; break;
		case 'P': break;
		case 'G':
			safety_check('G', optarg);
			vec_push(&s->global_inits, optarg);
			break;
		case 's': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 4095) {
				fputs("Invalid buffer size (should be 1-4095).\n", stderr);
				exit(1);
			}
			add_staprun_opt(s, "-s", optarg);
			break;
		}
		case 'I': vec_push(&s->include_dirs, optarg); break;
		case 'D':
			safety_check('D', optarg);
			vec_push(&s->defines, optarg);
			break;
		case 'B': break;
		case 'r': s->release = optarg; break;
		case 'a': s->arch = optarg; break;
		case 'm': {
			safety_check('m', optarg);
			if (strlen(optarg) > 55) {	/* the kernel's limit, less ".ko" room */
				optarg[55] = '\0';
				fprintf(stderr, "Truncating module name to '%s'\n", optarg);
			}
			s->module_name = optarg;
			s->module_name_given = true;
			break;
		}
		case 'o': s->output_file = optarg; add_staprun_opt(s, "-o", optarg); break;
		case 'c': s->cmd = optarg; break;
		case 'x': {
			char *end;
			s->target_pid = strtol(optarg, &end, 10);
			if (*end || end == optarg) {
				fputs("Invalid target process ID number.\n", stderr);
				exit(1);
			}
			break;
		}
		case 'e':
			if (s->script_text) {
				fputs("Only one script can be given on the command line.\n", stderr);
				exit(1);
			}
			s->script_text = optarg;
			break;
		case 'E': vec_push(&s->extra_scripts, optarg); break;
		case 'F': flight = true; break;
		case 'S':
			safety_check('S', optarg);
			add_staprun_opt(s, "-S", optarg);
			break;
		case 'T': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || end == optarg || n <= 0) {
				fputs("Invalid timeout interval.\n", stderr);
				exit(1);
			}
			add_staprun_opt(s, "-T", optarg);
			break;
		}
		case 't': s->timing = true; break;
		case 'b': add_staprun_opt(s, "-b", NULL); break;
		case 'l': listings++; s->list_mode = true; s->suppress_warnings = true; s->script_text = xsprintf("probe %s {}", optarg); break;
		case 'L': listings++; s->list_vars = true; s->list_mode = true; s->suppress_warnings = true; s->script_text = xsprintf("probe %s {}", optarg); break;
		case 'R': s->runtime_dir = optarg; break;
		case OPT_VM: s->vm = true; break;
		case OPT_SKIP_BADVARS: s->skip_badvars = true; break;
		case OPT_SUPPRESS_HANDLER_ERRORS: s->suppress_handler_errors = true; break;
		case OPT_COMPATIBLE:
			if (strverscmp(optarg, STAP_VERSION) > 0)
				fatal("systemtap version %s cannot be compatible with future version %s",
				      STAP_VERSION, optarg);
			s->compatible = optarg;
			break;
		case OPT_DISABLE_CACHE: s->disable_cache = true; break;
		case OPT_CLEAN_CACHE: clean_cache = true; break;
		case OPT_POISON_CACHE: break;
		case 'd':
			/* a user file's symbols; the kernel's and its modules'
			 * come from kallsyms, so a module name needs nothing */
			if (strchr(optarg, '/'))
				vec_push(&s->symbol_files, (void *)process_exe_path(optarg));
			break;
		case OPT_LDD: s->ldd = true; break;
		case OPT_ALL_MODULES: break;
		case OPT_DUMP_FUNCTIONS:
		case OPT_DUMP_PROBE_TYPES:
		case OPT_DUMP_PROBE_ALIASES:
			listings++;
			dump_mode = c;
			break;
		case OPT_RUNTIME:
			if (!str_eq(optarg, "kernel"))
				fatal("%s is an invalid argument for --runtime", optarg);
			break;
		case OPT_PRIVILEGE:
			if (!str_eq(optarg, "stapdev") && !str_eq(optarg, "stapsys") &&
			    !str_eq(optarg, "stapusr")) {
				fprintf(stderr, "Invalid argument '%s' for --privilege.\n", optarg);
				exit(1);
			}
			if (!str_eq(optarg, "stapdev"))
				fatal("--privilege=%s is not supported: ctap builds modules for root (stapdev) only", optarg);
			break;
		default:
			usage_fail(NULL);
		}
	}
	if (listings > 1)
		fatal("only one of the -l/-L/--dump-* switches may be specified");
	if (listings && pass_given)
		usage_fail("Cannot specify -p with -l/-L/--dump-* switches.");
	int i = optind;
	if (!s->script_text && !dump_mode && !(clean_cache && i >= argc)) {
		if (i >= argc)
			usage_fail("A script must be specified.\nTry '-i' for building a script interactively.");
		s->script_path = argv[i++];
	}
	/* The rest: script arguments; `name=value` after a script sets globals
	 * only when passed to staprun, so they are script args here, as in
	 * SystemTap, unless they look like assignments to a global. */
	for (; i < argc; i++)
		vec_push(&s->script_args, argv[i]);
	if (s->cmd && s->target_pid)
		usage_fail("You can't specify -c and -x together.");
	/* -F: in memory, detached (staprun -L; reattach with staprun -A), or
	 * with -o, files written in the background (staprun -D) */
	if (flight)
		add_staprun_opt(s, s->output_file ? "-D" : "-L", NULL);
	if (s->vm && !s->release)
		s->release = NULL;	/* the lab kernel; resolved in kernel.c */
}

/* ---- the passes */

static int pass1_parse(Session *s)
{
	SrcFile *f;
	if (s->script_text) {
		f = srcfile_new("<input>", s->script_text, strlen(s->script_text), false);
	} else if (str_eq(s->script_path, "-")) {
		Buf b = {0};
		char tmp[4096];
		size_t n;
		while ((n = fread(tmp, 1, sizeof tmp, stdin)) > 0)
			buf_putn(&b, tmp, n);
		f = srcfile_new("<input>", buf_cstr(&b), b.len, false);
	} else {
		f = srcfile_load(s->script_path, false);
		if (!f) {
			fprintf(stderr, "Input file '%s' is missing.\n", s->script_path);
			return 1;
		}
	}
	s->user_file = f;
	s->tapsets = tapsets_open(s);
	Stapfile *sf = parse_file(s, f);
	if (!sf) {
		diag_flush();
		fprintf(stderr, "%d parse error%s.\n", g_errors > 0 ? g_errors : 1,
			g_errors > 1 ? "s" : "");
		return 1;
	}
	s->user = sf;
	vec_push(&s->files, sf);
	vec_push(&s->user_files, sf);
	vec_foreach(&s->extra_scripts, i) {	/* -E: more user code, "<inputN>" */
		const char *text = vec_get(&s->extra_scripts, i);
		SrcFile *ef = srcfile_new(xsprintf("<input%d>", i + 1), text, strlen(text), false);
		Stapfile *esf = parse_file(s, ef);
		if (!esf) {
			diag_flush();
			fprintf(stderr, "%d parse error%s.\n", g_errors > 0 ? g_errors : 1,
				g_errors > 1 ? "s" : "");
			return 1;
		}
		vec_push(&s->files, esf);
		vec_push(&s->user_files, esf);
	}
	return 0;
}

/* `stap script.stp name=value`: a script that reads no arguments sets its
 * globals that way (passed on to staprun as module parameters). */
static void globals_from_args(Session *s)
{
	if (s->uses_args)
		return;
	Vec rest = {0};
	vec_foreach(&s->script_args, i) {
		const char *a = vec_get(&s->script_args, i);
		const char *eq = strchr(a, '=');
		Var *v = eq ? lookup_global(s, xstrndup(a, (size_t)(eq - a)), s->user_file) : NULL;
		if (v && !v->file->is_tapset)
			vec_push(&s->global_inits, a);
		else
			vec_push(&rest, a);
	}
	s->script_args = rest;
}

static const char *pass_names[] = { "", "parse", "analysis", "translation", "compilation", "run" };

static int pass_failed(Session *s, int pass)
{
	diag_flush();
	if (s->uncaught)	/* SystemTap's exception escaping the pass */
		fprintf(stderr, "%s\n", s->uncaught);
	else
		fprintf(stderr, "Pass %d: %s failed.  [man error::pass%d]\n", pass, pass_names[pass], pass);
	return 1;
}

static int copy_to(const char *from, const char *to)
{
	size_t n;
	char *data = read_file(from, &n);
	if (!data)
		return -1;
	FILE *f = fopen(to, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(data, 1, n, f);
	return fclose(f) == 0 && w == n ? 0 : -1;
}

static int pipeline(Session *s)
{
	PassClock c = clock_start();
	int failed = pass1_parse(s);
	if (s->verbose)	/* SystemTap says this even when the parse failed */
		fprintf(stderr, "Pass 1: parsed user script and %d library scripts %s\n",
			s->files.len > 0 ? s->files.len - 1 : 0, clock_text(&c, true));
	if (failed)
		return pass_failed(s, 1);
	if (s->last_pass == 1) {
		puts("# parse tree dump");
		vec_foreach(&s->files, i)
			dump_file(stdout, vec_get(&s->files, i));
		putchar('\n');
		return 0;
	}

	c = clock_start();
	if (elaborate(s))
		return pass_failed(s, 2);
	globals_from_args(s);
	if (s->verbose)
		fprintf(stderr, "Pass 2: analyzed script: %d probe%s, %d function%s, %d embed%s, %d global%s %s\n",
			s->probes.len + s->cond_globals, s->probes.len + s->cond_globals == 1 ? "" : "s",
			s->used_funcs.len, s->used_funcs.len == 1 ? "" : "s",
			s->embeds.len, s->embeds.len == 1 ? "" : "s",
			s->used_globals.len, s->used_globals.len == 1 ? "" : "s", clock_text(&c, true));
	if (s->last_pass == 2 || s->list_mode) {
		dump_elaborated(stdout, s);
		return 0;
	}
	if (s->arch && !str_eq(s->arch, "x86_64")) {
		error_plain("cannot build for architecture '%s': only x86_64 is supported", s->arch);
		return pass_failed(s, 3);
	}

	c = clock_start();
	if (translate(s))
		return pass_failed(s, 3);
	kernel_resolve(s, false);
	cache_compute_key(s);
	if (!s->module_name)
		s->module_name = xsprintf("stap_%s", s->cache_key);
	if (cache_lookup(s)) {
		if (s->verbose)
			fprintf(stderr, "Pass 3: using cached %s\n", s->c_file);
	} else {
		s->c_file = xsprintf("%s/%s.c", session_tmpdir(s), s->module_name);
		FILE *f = fopen(s->c_file, "w");
		if (!f || fputs(s->c_text, f) < 0 || fclose(f) != 0) {
			error_plain("cannot write %s: %s", s->c_file, strerror(errno));
			return pass_failed(s, 3);
		}
		if (s->verbose)
			fprintf(stderr, "Pass 3: translated to C into \"%s\" %s\n", s->c_file, clock_text(&c, true));
	}
	if (s->last_pass == 3) {
		fputs(s->c_text, stdout);
		return 0;
	}

	c = clock_start();
	if (s->cached) {
		if (s->verbose)
			fprintf(stderr, "Pass 4: using cached %s\n", s->ko_file);
	} else {
		if (build_module(s))
			return pass_failed(s, 4);
		if (s->verbose)
			fprintf(stderr, "Pass 4: compiled C into \"%s\" %s\n", s->ko_file, clock_text(&c, false));
		cache_store(s);
	}
	/* -m or -p4 without the cache: the module goes to the current directory */
	if (s->module_name_given || (s->last_pass == 4 && s->disable_cache)) {
		const char *dest = xsprintf("%s.ko", s->module_name);
		if (copy_to(s->ko_file, dest)) {
			error_plain("cannot copy module to %s: %s", dest, strerror(errno));
			return pass_failed(s, 4);
		}
		if (s->last_pass == 4)
			s->ko_file = dest;
	}
	if (s->last_pass == 4) {
		puts(s->ko_file);
		return 0;
	}

	c = clock_start();
	if (s->verbose)
		fprintf(stderr, "Pass 5: starting run.\n");
	int rc = run_module(s);
	if (s->verbose)
		fprintf(stderr, "Pass 5: run completed %s\n", clock_text(&c, false));
	if (rc) {
		fprintf(stderr, "WARNING: %s exited with status: %d\n", s->vm ? "stap-vm" : "staprun", rc);
		return pass_failed(s, 5);
	}
	return 0;
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

int main(int argc, char **argv)
{
	Session *s = xalloc(sizeof *s);
	g_session = s;
	s->last_pass = 5;
	s->target_pid = 0;
	parse_options(s, argc, argv);
	if (s->list_mode && s->last_pass == 5)
		s->last_pass = 2;
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGHUP, &sa, NULL);
	int rc;
	if (clean_cache) {
		cache_clean(s);
		if (!s->script_text && !s->script_path)
			return 0;
	}
	if (dump_mode) {
		s->tapsets = tapsets_open(s);
		rc = elaborate_dump(s, dump_mode == OPT_DUMP_FUNCTIONS ? 'f' :
				    dump_mode == OPT_DUMP_PROBE_TYPES ? 't' : 'a');
	} else {
		rc = pipeline(s);
	}
	fflush(stdout);
	diag_summary();
	cleanup_tmpdir(s);
	return rc;
}
