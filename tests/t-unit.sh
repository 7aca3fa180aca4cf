#!/bin/sh
# t-unit.sh - the lib/ unit tests (Check), one TAP line per test.
. "$TOP/tests/lib/tap.sh"
unit=$TOP/tests/unit/unit
if [ ! -x "$unit" ]; then
    fail "unit tests not built (is the Debian package check installed?)"
    exit 1
fi
CK_TAP_LOG_FILE_NAME=$T/unit.tap CK_FORK=yes "$unit" >"$T/unit.out" 2>&1
rc=$?
cat "$T/unit.tap"
grep -v '^ok' "$T/unit.out" | sed 's/^/# /'
[ "$rc" -eq 0 ] || fail "unit: the test program exits 0 (exit $rc)"
