## staprun/local.mk: the loader, included by the top Makefile.am.

bin_PROGRAMS += staprun/staprun
staprun_staprun_SOURCES = \
	staprun/staprun.h \
	staprun/staprun.c \
	staprun/modload.c \
	staprun/session.c \
	staprun/relay.c
staprun_staprun_CPPFLAGS = -I$(top_srcdir)/runtime
dist_man_MANS += doc/staprun.8
EXTRA_DIST += staprun/README
