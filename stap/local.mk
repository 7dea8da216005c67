## stap/local.mk: the translator.

bin_PROGRAMS += stap/stap
stap_stap_SOURCES = \
	stap/stap.h stap/ast.h \
	stap/main.c stap/session.c stap/util.c stap/diag.c \
	stap/lexer.l stap/parser.y stap/preproc.c stap/ast.c stap/dump.c \
	stap/tapsets.c stap/elaborate.c stap/optimize.c stap/synth.c stap/listing.c \
	stap/probes.c stap/probe_begin.c stap/probe_timer.c stap/probe_kernel.c stap/probe_kprobe.c stap/dwarf.c \
	stap/probe_trace.c stap/probe_perf.c stap/probe_profile.c stap/probe_procfs.c stap/probe_netfilter.c stap/probe_existing.c \
	stap/probe_stmt.c \
	stap/translate.c stap/kernel.c stap/cache.c stap/build.c stap/run.c \
	stap/regex.c stap/regex.h
stap_stap_CPPFLAGS = -D_GNU_SOURCE -I$(top_srcdir)/stap -I$(top_builddir)/stap -I$(top_builddir) $(PATH_DEFS)
stap_stap_CFLAGS = $(AM_CFLAGS)
stap_stap_LDADD = $(DW_LIBS) $(ELF_LIBS)
AM_YFLAGS = -d -Wall -Wno-yacc
BUILT_SOURCES += stap/parser.h
# flex output is not warning-clean under our strict flags
stap/stap-lexer.$(OBJEXT): CFLAGS += -Wno-unused-function -Wno-sign-compare -Wno-missing-prototypes
EXTRA_DIST += stap/README
