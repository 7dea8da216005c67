# kbuild-probes.mk - remember kbuild's compiler probes between builds.
#
# Every `make -C BUILD M=DIR` re-runs some thirty compiler probes (does gcc
# take -mfoo? does ld take --bar?) through kbuild's `try-run`: about 0.6 s
# of a 1.8 s module build, answering the same questions every time.  stap
# hands this file to every make of the build through the MAKEFILES
# environment variable, with CTAP_PROBE_CACHE naming a per-kernel file of
# answers (in the stap cache, keyed by the kernel tree and its compiler).
# `override` keeps kbuild's own definition from replacing ours; a probe not
# yet answered runs as kbuild would run it, and its answer is appended.
#
# A probe is keyed by its whole command line, made into a variable name by
# escaping every character make treats specially ('@' first, so the
# escapes cannot collide).

ctap-empty :=
ctap-space := $(ctap-empty) $(ctap-empty)
ctap-tab := $(ctap-empty)	$(ctap-empty)
ctap-comma := ,
ctap-hash := \#
ctap-dollar := $$
ctap-lparen := (
ctap-rparen := )

# (one line each: a continued line would add a space to the answers)
ctap-esc1 = $(subst $(ctap-lparen),@l,$(subst $(ctap-rparen),@r,$(subst $(ctap-comma),@m,$(subst ',@q,$(subst ",@Q,$(subst ;,@S,$(subst *,@a,$(subst ?,@u,$(subst @,@@,$(1))))))))))
ctap-esc2 = $(subst $(ctap-space),@s,$(subst $(ctap-tab),@t,$(subst =,@e,$(subst :,@c,$(subst $(ctap-hash),@h,$(subst $(ctap-dollar),@d,$(subst %,@p,$(subst \,@b,$(1)))))))))
ctap-key = $(call ctap-esc2,$(call ctap-esc1,$(strip $(1))))

# a value as text an assignment reads back unchanged
ctap-quote = $(subst $(ctap-hash),$$(ctap-hash),$(subst $(ctap-dollar),$$$$,$(1)))

# run one probe: $(1) the command ("$TMP" a scratch file), $(2) the answer
# when it succeeds, $(3) when it fails
ctap-run = $(shell d=$(TMPOUT); TMP=$$d/tmp; mkdir -p "$$d" || exit 0; if ($(1)) >/dev/null 2>&1; then echo "$(2)"; else echo "$(3)"; fi; rm -rf "$$d")

# $(1) key, $(2) answer: remember it (now and in the cache file), give it
ctap-save = $(file >>$(CTAP_PROBE_CACHE),ctap-probe.$(1) := $(call ctap-quote,$(2)))
ctap-store = $(eval ctap-probe.$(1) := $(call ctap-quote,$(2)))$(if $(CTAP_PROBE_CACHE),$(ctap-save))$(2)

override try-run = $(if $(filter undefined,$(origin ctap-probe.$(ctap-key))),$(call ctap-store,$(ctap-key),$(ctap-run)),$(ctap-probe.$(ctap-key)))

ifneq ($(CTAP_PROBE_CACHE),)
-include $(CTAP_PROBE_CACHE)
endif
