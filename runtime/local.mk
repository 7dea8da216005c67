## runtime/local.mk: the headers every generated module compiles against,
## installed where the translator's kbuild step finds them.

runtimedir = $(pkgdatadir)/runtime
dist_runtime_DATA = \
	runtime/stp_wire.h \
	runtime/stp_session.h \
	runtime/stp_transport.h \
	runtime/stp_module.h \
	runtime/stp_runtime.h \
	runtime/stp_context.h \
	runtime/stp_print.h \
	runtime/stp_string.h \
	runtime/stp_map.h \
	runtime/stp_stat.h \
	runtime/stp_lock.h \
	runtime/stp_timer.h \
	runtime/stp_helpers.h \
	runtime/stp_regex.h \
	runtime/stp_deref.h \
	runtime/stp_kprobes.h \
	runtime/stp_sym.h \
	runtime/stp_tracepoints.h runtime/stp_perf.h runtime/stp_profile.h runtime/stp_procfs.h runtime/stp_netfilter.h \
	runtime/kbuild-probes.mk
EXTRA_DIST += runtime/README
