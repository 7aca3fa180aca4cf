#!/bin/sh
# t-sanitizers.sh - the suite's core tests again, on a copy of the tree
# built with AddressSanitizer and UndefinedBehaviorSanitizer (make
# SANITIZE=1): any invalid access, leak or undefined behaviour aborts the
# program under test and fails the test that ran it. Then the topology
# tests on maptool built by clang with -fsanitize=undefined alone, which
# also catches arithmetic on null pointers.
. "$TOP/tests/lib/tap.sh"

SAN_TESTS=${SAN_TESTS:-"t-unit.sh t-maptool-cli.sh t-milter-miltertest.sh t-patterns.sh t-topology.sh"}
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

# run_sanitized LABEL TREE TESTS...: run TESTS of TREE with its programs,
# relaying each result under LABEL; a sanitizer report fails the test.
run_sanitized() {
    _label=$1 _tree=$2
    shift 2
    _run=
    for _t in "$@"; do
        [ -f "$_tree/tests/$_t" ] && _run="$_run $_tree/tests/$_t"
    done
    # shellcheck disable=SC2086 # test paths have no white space
    MAPTOOL=$_tree/maptool/maptool MILTER=$_tree/milter/mailswitch-milter \
        "$_tree/tests/run" $_run >"$T/run.out" 2>&1
    for _t in $_run; do
        name=$(basename "$_t" .sh)
        sed -n "s/^\(not \)\{0,1\}ok\b/&/p" "$_tree/tests/log/$name.log" |
            sed "s/^\(\(not \)\{0,1\}ok\)\( [0-9]*\)\{0,1\} -\{0,1\} */\1 - $_label $name: /"
        if grep -q 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer' \
            "$_tree/tests/log/$name.log"; then
            fail "$_label $name: a sanitizer report"
            grep -m 5 'ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer' \
                "$_tree/tests/log/$name.log" | sed 's/^/#   /'
        fi
    done
}

# shellcheck disable=SC2086 # test names have no white space
run_sanitized sanitized "$src" $SAN_TESTS

# The topology commands once more, built by clang with its
# UndefinedBehaviorSanitizer alone: unlike gcc's, it also stops at
# arithmetic on a null pointer (an empty array plus its zero count).
UB_TESTS=${UB_TESTS:-"t-topology.sh t-topology-verify.sh"}
if ! command -v clang >/dev/null 2>&1; then
    skip "build maptool with clang -fsanitize=undefined" "clang not installed"
    exit 0
fi
ub=$T/ubsan
mkdir -p "$ub" && (cd "$src" && tar cf - --exclude=./tests/.cache \
    --exclude=./tests/log --exclude='*.o' --exclude='*.a' .) |
    (cd "$ub" && tar xf -) || { fail "copy the tree"; exit 1; }
rm -f "$ub/maptool/maptool" "$ub/tests/.cache"
ln -s "$TOP/tests/.cache" "$ub/tests/.cache" 2>/dev/null
if ! make -C "$ub" CC=clang SAN="-fsanitize=undefined -fno-sanitize-recover=all" \
    maptool/maptool >"$T/ubsan-build.log" 2>&1; then
    fail "build maptool with clang -fsanitize=undefined"
    tail -n 20 "$T/ubsan-build.log" | sed 's/^/#   /'
    exit 1
fi
pass "build maptool with clang -fsanitize=undefined"
# shellcheck disable=SC2086 # test names have no white space
run_sanitized "clang-ubsan" "$ub" $UB_TESTS
