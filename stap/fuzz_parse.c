/* fuzz_parse.c - libFuzzer target for pass 1: lexer, preprocessor, grammar
 * and the -p1 printer, on arbitrary bytes.  Not part of stap itself: the
 * sanitize tier builds it with clang -fsanitize=fuzzer,address,undefined.
 */
#include "stap.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static FILE *devnull;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	Session *s = xalloc(sizeof *s);
	g_session = s;
	s->release = "6.1.0-fuzz";	/* kernel_v conditions need no tree */
	vec_push(&s->script_args, "1");
	vec_push(&s->script_args, "arg");
	g_diag_quiet = 1;
	char *text = xstrndup((const char *)data, size);
	SrcFile *f = srcfile_new("<input>", text, strlen(text), false);
	Stapfile *sf = parse_file(s, f);
	if (sf)
		dump_file(devnull, sf);
	arena_reset();
	diag_reset();
	kernel_forget();
	return 0;
}
