#!/bin/sh
# t-sendmail-random.sh - randomized differential test: maptool against the
# real sendmail on random tables.
#
# For each seed of RANDOM_SEED (default 1; several seeds are separated by
# blanks), tests/diff/random-tables writes RANDOM_TABLES random tables
# (default 80) with up to RANDOM_RECIPIENTS recipients each (default 30);
# the oracle (tests/diff/ask-sendmail, RANDOM_JOBS of them at once over
# parts of the tables, default 2) and maptool answer for every recipient,
# and tests/diff/compare-answers --summary judges them: the deliberate
# differences of maptool(8) (lists, loops, error:nouser without an
# enhanced status) are excluded by rule and counted, and any other
# difference prints the table, the recipient and both answers, and fails.
# A table is reproduced alone by `tests/diff/random-tables SEED 1 R N`.
#
# Longer runs: make fuzz-diff, or e.g.
#   RANDOM_SEED="7 8 9" RANDOM_TABLES=1000 tests/run tests/t-sendmail-random.sh
# Needs root and sendmail-bin, sendmail-cf, m4, python3.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/sendmail.sh"

need_root "randomized sendmail differential test"
if ! sm_available; then
    skip "randomized sendmail differential test" "sendmail-bin, sendmail-cf, m4 or python3 missing"
    exit 0
fi
if [ ! -x "$MAPTOOL" ]; then
    fail "maptool is built ($MAPTOOL)"
    exit 1
fi
DIFF=$TOP/tests/diff
PY=${PYTHON:-python3}
SEEDS=${RANDOM_SEED:-1}
TABLES=${RANDOM_TABLES:-80}
RCPTS=${RANDOM_RECIPIENTS:-30}
JOBS=${RANDOM_JOBS:-2}
for n in "$TABLES" "$RCPTS" "$JOBS"; do
    case $n in
    '' | *[!0-9]* | 0) fail "RANDOM_TABLES, RANDOM_RECIPIENTS and RANDOM_JOBS are positive numbers"
        exit 1 ;;
    esac
done

# ask_sendmail_parts DIR SEED: the oracle's answers for the tables of
# SEED, JOBS oracles at once each over a run of tables, in DIR/sendmail.out.
ask_sendmail_parts() {
    _d=$1 _seed=$2 _j=0 _first=0 _pids=
    _each=$(( (TABLES + JOBS - 1) / JOBS ))
    while [ "$_first" -lt "$TABLES" ]; do
        _n=$_each
        [ $((_first + _n)) -gt "$TABLES" ] && _n=$((TABLES - _first))
        "$PY" "$DIFF/random-tables" "$_seed" "$_n" "$RCPTS" "$_first" >"$_d/part$_j.cases" &&
            sm_ask "$_d/part$_j.cases" >"$_d/part$_j.out" 2>"$_d/part$_j.err" &
        _pids="$_pids $!"
        _first=$((_first + _n)) _j=$((_j + 1))
    done
    _i=0
    for _p in $_pids; do
        wait "$_p" ||
            { echo "# ask-sendmail part $_i failed:"; sed 's/^/#   /' "$_d/part$_i.err"; }
        _i=$((_i + 1))
    done
    _i=0
    : >"$_d/sendmail.out"
    while [ $_i -lt $_j ]; do
        cat "$_d/part$_i.out" >>"$_d/sendmail.out"
        _i=$((_i + 1))
    done
}

for seed in $SEEDS; do
    d=$T/seed-$seed
    mkdir -p "$d" || exit 1
    start=$(date +%s)
    "$PY" "$DIFF/random-tables" "$seed" "$TABLES" "$RCPTS" >"$d/random.cases" || {
        fail "seed $seed: random-tables writes the tables"
        continue
    }
    sm_split_cases "$d/random.cases" "$d"
    ask_sendmail_parts "$d" "$seed"
    names=$(sed -n 's/^table  *\([^ ]*\).*/\1/p' "$d/random.cases")
    # shellcheck disable=SC2086 # table names have no white space
    sm_ask_maptool "$d" $names >"$d/maptool.out"
    echo "# seed $seed: $TABLES tables of up to $RCPTS recipients"
    "$PY" "$DIFF/compare-answers" --summary "$d" "$d/sendmail.out" "$d/maptool.out" \
        "random seed $seed" >"$d/verdict"
    cat "$d/verdict"
    want=$(grep -c '^q ' "$d/random.cases")
    got=$(grep -c -v '^#' "$d/sendmail.out")
    check_eq "seed $seed: sendmail answered every recipient" "$want" "$got"
    echo "# seed $seed: $(( $(date +%s) - start )) s"
    if grep -q '^not ok' "$d/verdict"; then
        echo "# a table again: tests/diff/random-tables $seed 1 $RCPTS N (N of table rN)"
    fi
done
