## doc/local.mk: the translator's manual page (staprun.8, stap-vm.1 and
## stapfuncs.3stap are installed by their directories' fragments).

dist_man_MANS += doc/stap.1 doc/stapprobes.3stap
EXTRA_DIST += doc/README
