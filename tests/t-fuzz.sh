#!/bin/sh
# t-fuzz.sh - the libFuzzer harnesses of tests/fuzz/: each replays its
# committed corpus, then fuzzes for FUZZ_TEST_SECONDS (default 5), one
# harness after the other. A crash, leak, undefined behaviour, timeout
# or memory blow-up fails that harness's line; the input that did it is
# kept in tests/log/fuzz/ and the line says how to replay it. Longer
# runs: make fuzz (tests/fuzz/README).
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/clang.sh"

EACH=${FUZZ_TEST_SECONDS:-5}
FUZZ_DIR=$TOP/tests/fuzz
KEEP=$TOP/tests/log/fuzz
. "$FUZZ_DIR/options.sh"
export UBSAN_OPTIONS=print_stacktrace=1
# The harnesses' scratch files: a harness that crashes leaves its own.
TMPDIR=$T
export TMPDIR

clang_build fuzz-build "harnesses build (clang -fsanitize=fuzzer,address,undefined)"
mkdir -p "$KEEP" || exit 1

# finding LOG: the sanitizer's or libFuzzer's first words on it.
finding() {
    grep -m 1 -E '^==[0-9]+==ERROR|runtime error:|^SUMMARY|ALARM|out-of-memory' "$1" |
        sed 's/^==[0-9]*==//'
}

# explain LOG NAME: the project's frames of the report's first stack,
# and the command that replays the input.
explain() {
    awk '/^ +#[0-9]+ / { on = 1; print; next } on { exit }' "$1" |
        grep ' in [^ ]* /' | grep -v 'fuzzer::\|/tests/fuzz/fuzz' | head -n 6 |
        sed 's/ (.*//; s/^ */#   /'
    _in=$(sed -n 's/.*Test unit written to //p; s/^Running: //p' "$1" | tail -n 1)
    [ -n "$_in" ] && echo "#   replay: tests/fuzz/build/fuzz_$2 $_in"
}

for src in "$FUZZ_DIR"/fuzz_*.c; do
    name=$(basename "$src" .c)
    name=${name#fuzz_}
    bin=$FUZZ_DIR/build/fuzz_$name
    corpus=$FUZZ_DIR/corpus/$name
    n=$(find "$corpus" -type f 2>/dev/null | wc -l | tr -d ' ')
    if [ "$n" -eq 0 ]; then
        fail "fuzz $name: a committed seed corpus"
        continue
    fi
    # Every committed input, one by one.
    # shellcheck disable=SC2086 # options are single words
    if ! "$bin" $FUZZ_COMMON "$corpus"/* </dev/null >"$T/$name.replay" 2>&1; then
        fail "fuzz $name: replaying its $n corpus inputs: $(finding "$T/$name.replay")"
        explain "$T/$name.replay" "$name"
        continue
    fi
    mkdir -p "$T/new-$name" || exit 1
    # shellcheck disable=SC2046,SC2086 # options are single words
    "$bin" -max_total_time="$EACH" $FUZZ_COMMON -print_final_stats=1 \
        $(fuzz_options "$FUZZ_DIR" "$name") -artifact_prefix="$KEEP/$name-" \
        "$T/new-$name" "$corpus" </dev/null >"$T/$name.fuzz" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$name.fuzz" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        pass "fuzz $name: $n corpus inputs replayed, then ${runs:-?} runs in $EACH s"
    else
        fail "fuzz $name: after ${runs:-?} runs: $(finding "$T/$name.fuzz")"
        explain "$T/$name.fuzz" "$name"
        cp "$T/$name.fuzz" "$KEEP/$name.log"
    fi
done
