## lab/local.mk: the lab runner, stap-vm (a checked-in bash script).
##
## `make check-lab` runs its own tests (boots the lab kernel several times,
## about a minute); `make bench-lab` prints the median boot time.

dist_bin_SCRIPTS = lab/stap-vm
dist_man_MANS += doc/stap-vm.1
EXTRA_DIST += lab/README testsuite/lab/run.sh benchmarks/lab-boot.sh

.PHONY: check-lab bench-lab
check-lab:
	STAP_VM=$(abs_top_srcdir)/lab/stap-vm $(top_srcdir)/testsuite/lab/run.sh
bench-lab:
	STAP_VM=$(abs_top_srcdir)/lab/stap-vm $(top_srcdir)/benchmarks/lab-boot.sh
