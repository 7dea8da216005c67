## tapset/local.mk: the tapset library, installed where the translator
## looks for it ($(pkgdatadir)/tapset), with its manual page and tests.

tapsetdir = $(pkgdatadir)/tapset
dist_tapset_DATA = \
	tapset/logging.stp \
	tapset/context.stp \
	tapset/time.stp \
	tapset/ctime.stp \
	tapset/string.stp \
	tapset/conversions.stp \
	tapset/errno.stp \
	tapset/random.stp \
	tapset/perf.stp \
	tapset/indent.stp \
	tapset/regex.stp
dist_man_MANS += doc/stapfuncs.3stap
EXTRA_DIST += tapset/README \
	testsuite/tapset/run.sh \
	testsuite/tapset/context.expect \
	testsuite/tapset/context.stp \
	testsuite/tapset/conversions.expect \
	testsuite/tapset/conversions.experr \
	testsuite/tapset/conversions.stp \
	testsuite/tapset/ctime.expect \
	testsuite/tapset/ctime.stp \
	testsuite/tapset/errno.expect \
	testsuite/tapset/errno.stp \
	testsuite/tapset/indent.expect \
	testsuite/tapset/indent.stp \
	testsuite/tapset/random.expect \
	testsuite/tapset/random.stp \
	testsuite/tapset/strings.expect \
	testsuite/tapset/strings.stp \
	testsuite/tapset/strtol.expect \
	testsuite/tapset/strtol.stp \
	testsuite/tapset/text_str.expect \
	testsuite/tapset/text_str.stp \
	testsuite/tapset/time.expect \
	testsuite/tapset/time.stp \
	testsuite/tapset/tokenize.expect \
	testsuite/tapset/tokenize.stp \
	testsuite/tapset/semko/ctime_string.stp \
	testsuite/tapset/semko/execname_long.stp \
	testsuite/tapset/semko/pid_arg.stp \
	testsuite/tapset/semko/strlen_long.stp \
	testsuite/tapset/semko/substr_arity.stp \
	testsuite/tapset/semko/tokenize_arity.stp \
	testsuite/tapset/semko/unknown_func.stp \
	testsuite/tapset/semko/user_string_type.stp \
	testsuite/tapset/semok/overload.stp \
	testsuite/tapset/semok/resolve_all.stp
