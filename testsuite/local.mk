## testsuite/local.mk: `make check` runs the whole suite.

check-local:
	$(top_srcdir)/testsuite/run-tests

EXTRA_DIST += testsuite/run-tests testsuite/README
