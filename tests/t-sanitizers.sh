#!/bin/sh
# t-sanitizers.sh - the suite's core tests again, on a copy of the tree
# built with AddressSanitizer and UndefinedBehaviorSanitizer (make
# SANITIZE=1): any invalid access, leak or undefined behaviour aborts the
# program under test and fails the test that ran it.
. "$TOP/tests/lib/tap.sh"

SAN_TESTS=${SAN_TESTS:-"t-unit.sh t-maptool-cli.sh t-milter-miltertest.sh t-patterns.sh"}
src=$T/san
mkdir -p "$src" || exit 1
# The tree as it is, less build products and caches.
(cd "$TOP" && tar cf - --exclude=./tests/.cache --exclude=./tests/log \
    --exclude=./bench/out --exclude=.git --exclude='*.o' --exclude='*.a' \
    --exclude=./tests/fuzz/build --exclude=./tests/fuzz/work \
    --exclude=./tests/fuzz/crashes --exclude=./tests/tsan/build .) |
    (cd "$src" && tar xf -) || { fail "copy the tree"; exit 1; }
ln -s "$TOP/tests/.cache" "$src/tests/.cache" 2>/dev/null
rm -f "$src/maptool/maptool" "$src/milter/mailswitch-milter" "$src/tests/unit/unit"
if ! make -C "$src" SANITIZE=1 >"$T/build.log" 2>&1; then
    fail "build with -fsanitize=address,undefined"
    tail -n 20 "$T/build.log" | sed 's/^/#   /'
    exit 1
fi
pass "build with -fsanitize=address,undefined"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run=
for t in $SAN_TESTS; do
    [ -f "$src/tests/$t" ] && run="$run $src/tests/$t"
done
# shellcheck disable=SC2086 # test paths have no white space
MAPTOOL=$src/maptool/maptool MILTER=$src/milter/mailswitch-milter \
    "$src/tests/run" $run >"$T/run.out" 2>&1
for t in $run; do
    name=$(basename "$t" .sh)
    sed -n "s/^\(not \)\{0,1\}ok\b/&/p" "$src/tests/log/$name.log" |
        sed "s/^\(\(not \)\{0,1\}ok\)\( [0-9]*\)\{0,1\} -\{0,1\} */\1 - sanitized $name: /"
    if grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer' \
        "$src/tests/log/$name.log"; then
        fail "sanitized $name: a sanitizer report"
        grep -m 5 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer' \
            "$src/tests/log/$name.log" | sed 's/^/#   /'
    fi
done
