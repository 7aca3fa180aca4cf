#!/bin/sh
# t-examples.sh - the bundled example tables stay good, and the demo runs.
. "$TOP/tests/lib/tap.sh"
cd "$T" || exit 1

for table in "$TOP"/examples/*.vut; do
    name=$(basename "$table" .vut)
    "$MAPTOOL" compile -o "$name.db" "$table" 2>"$name.err"
    check_eq "example $name compiles without a word" "0:" "$?:$(cat "$name.err")"
    "$MAPTOOL" check "$table" >"$name.check" 2>&1
    check "example $name: no loop, no warning" \
        grep -q ', 0 errors, 0 warnings, 0 routing loops$' "$name.check"
done
check_eq "switch: a known user goes to the branch" \
    "$(printf 'diego1@inkacoca.org\tforward\tdiego1@lima.inkacoca.org')" \
    "$("$MAPTOOL" query switch.db diego1@inkacoca.org)"
check_eq "lima: another branch's user goes to the switch" \
    "$(printf 'ana@inkacoca.org\tforward\tana@switch.inkacoca.org')" \
    "$("$MAPTOOL" query lima.db ana@inkacoca.org)"
check_eq "mx2: an unknown user is rejected" \
    "$(printf 'nobody@inkacoca.org\treject\t550\t5.1.1\tUser unknown')" \
    "$("$MAPTOOL" query mx2.db nobody@inkacoca.org)"
(cd "$TOP" && sh examples/demo) >demo.out 2>&1
check_eq "the demo runs" 0 $?
check "the demo shows a rejection" grep -q 'reject 550 5.1.1 User unknown' demo.out
