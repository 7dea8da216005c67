#!/bin/bash
# unit.sh - userspace tests of translator and runtime pieces: every
# testsuite/unit/run-*.sh, plus the tapset pass-2 checks.
set -u
found=0
for t in "$TESTSUITE"/unit/run-*.sh; do
	[ -x "$t" ] || continue
	found=1
	name=$(basename "$t" .sh); name=${name#run-}
	"$t" 2>&1 | sed -E -e "s/^PASS:? /PASS: unit\\/$name\\//" -e "s/^FAIL:? /FAIL: unit\\/$name\\//" \
		-e '/^[0-9]+ passed, [0-9]+ failed/d'
done
if [ -x "$TESTSUITE/tapset/run.sh" ]; then
	found=1
	"$TESTSUITE/tapset/run.sh" p2 2>&1 | sed -e '/^[0-9]* passed, [0-9]* failed/d'
fi
[ $found = 1 ] || echo "SKIPPED: no unit tests"
exit 0
