#!/bin/sh
# t-sendmail-diff.sh - differential test: maptool against the real sendmail.
#
# For every table of tests/diff/*.cases, sendmail (tests/diff/ask-sendmail,
# the oracle) and `maptool compile` + `maptool query` each say what happens
# to every listed recipient; tests/diff/compare-answers prints one ok/not ok
# per recipient. Needs root and sendmail-bin, sendmail-cf, m4, python3.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/sendmail.sh"

need_root "sendmail differential test"
if ! sm_available; then
    skip "sendmail differential test" "sendmail-bin, sendmail-cf, m4 or python3 missing"
    exit 0
fi
DIFF=$TOP/tests/diff
PY=${PYTHON:-python3}

# check_refusals DIR NAME...: a table marked #refuse must have been
# refused by maptool compile, with a FILE:LINE: reason; no other table.
check_refusals() {
    _d=$1; shift
    for _name; do
        if [ -f "$_d/$_name.refuse" ]; then
            if grep -q "^$_d/$_name.vut:[0-9]*: " "$_d/$_name.compile" &&
                ! grep -q "^$_d/$_name.vut:[0-9]*: warning" "$_d/$_name.compile"; then
                pass "$_name: maptool compile refuses it ($(sed -n "s|^$_d/$_name.vut:||p" "$_d/$_name.compile" | head -n 1))"
            else
                fail "$_name: maptool compile should refuse this table"
            fi
        fi
    done
}

# show_compile_failures DIR NAME...: maptool's messages for the tables it
# refused, as TAP comments.
show_compile_failures() {
    _d=$1; shift
    for _name; do
        [ -f "$_d/$_name.db" ] && [ ! -f "$_d/$_name.refuse" ] && continue
        [ -s "$_d/$_name.compile" ] || continue
        echo "# maptool compile refused table $_name:"
        sed "s|$_d/||; s/^/#   /" "$_d/$_name.compile"
    done
}

if [ ! -x "$MAPTOOL" ]; then
    fail "maptool is built ($MAPTOOL)"
    exit 1
fi

for cases in "$DIFF"/*.cases; do
    base=$(basename "$cases" .cases)
    d=$T/diff/$base
    mkdir -p "$d" || exit 1
    sm_split_cases "$cases" "$d"
    names=$(sed -n 's/^table  *\([^ ]*\).*/\1/p' "$cases")
    sm_ask "$cases" >"$d/sendmail.out" 2>"$d/sendmail.err" ||
        { echo "# ask-sendmail $base failed:"; sed 's/^/#   /' "$d/sendmail.err"; }
    # shellcheck disable=SC2086 # table names have no white space
    sm_ask_maptool "$d" $names >"$d/maptool.out"
    # shellcheck disable=SC2086 # same
    show_compile_failures "$d" $names
    # shellcheck disable=SC2086 # same
    check_refusals "$d" $names
    "$PY" "$DIFF/compare-answers" "$d" "$d/sendmail.out" "$d/maptool.out" "$base"
    # Every recipient of the cases file must have been judged.
    want=$(grep -c '^q ' "$cases")
    got=$(grep -c -v '^#' "$d/sendmail.out")
    [ "$want" = "$got" ] || fail "$base: sendmail answered $got of $want recipients"
done

# without_refused DIR: the oracle's answers on stdin less the tables
# maptool refuses (marked DIR/NAME.refuse).
without_refused() {
    awk -v dir="$1" '
        /^# table / { name = $3; skip = (system("test -f " dir "/" name ".refuse") == 0) }
        !skip { print }'
}

# sendmail reading maps that maptool compiled answers exactly as with its
# own makemap's maps, for every table maptool compiles; maptool's maps
# also hold the table's "pattern" lines, which sendmail must not notice.
for cases in "$DIFF"/*.cases; do
    base=$(basename "$cases" .cases)
    d=$T/diff/$base
    ASK_SENDMAIL_MAPTOOL=$MAPTOOL sm_ask "$cases" 2>"$d/sendmail-maptool.err" |
        without_refused "$d" >"$d/sendmail-maptool.out"
    without_refused "$d" <"$d/sendmail.out" >"$d/sendmail-makemap.out"
    if cmp -s "$d/sendmail-makemap.out" "$d/sendmail-maptool.out"; then
        pass "$base: sendmail gives the same answers from maptool's maps"
    else
        fail "$base: sendmail gives the same answers from maptool's maps"
        diff "$d/sendmail-makemap.out" "$d/sendmail-maptool.out" | head -n 20 | sed 's/^/#   /'
    fi
done

# Tables with "pattern" lines: above, sendmail read maptool's maps WITH
# the patterns and answered as from makemap's maps without them. Here
# maptool shows the patterns are live: with them, some of its answers
# differ from its answers without them (which agreed with sendmail's).
for cases in "$DIFF"/*.cases; do
    base=$(basename "$cases" .cases)
    d=$T/diff/$base
    for pv in "$d"/*.pvut; do
        [ -f "$pv" ] || continue
        name=$(basename "$pv" .pvut)
        cat "$d/$name.vut" "$pv" >"$d/$name-pat.vut"
        if ! "$MAPTOOL" compile -o "$d/$name-pat.db" "$d/$name-pat.vut" 2>"$d/$name-pat.err"; then
            fail "$base/$name: maptool compiles the table with its patterns"
            sed 's/^/#   /' "$d/$name-pat.err"
            continue
        fi
        "$MAPTOOL" query "$d/$name-pat.db" - <"$d/$name.q" >"$d/$name-pat.out" \
            2>"$d/$name-pat.qerr"
        rc=$?
        awk -v n="$name" '/^# table / { on = ($3 == n); next } on' "$d/maptool.out" \
            >"$d/$name-plain.out"
        all=$(wc -l <"$d/$name.q" | tr -d ' ')
        got=$(wc -l <"$d/$name-pat.out" | tr -d ' ')
        # query exits 0 and answers each address on a line, in the order asked.
        if [ "$rc" -ne 0 ] || [ "$got" -ne "$all" ] ||
            [ -s "$d/$name-pat.qerr" ]; then
            fail "$base/$name: maptool answers every address with the patterns (exit $rc, $got of $all answers)"
            sed 's/^/#   /' "$d/$name-pat.qerr" | head -n 5
            continue
        fi
        pass "$base/$name: maptool answers every address with the patterns"
        # Answers compared address by address: the first field names it.
        same=$(awk 'NR == FNR { a[FNR] = $0; next } a[FNR] == $0 { n++ }
            END { print n + 0 }' "$d/$name-plain.out" "$d/$name-pat.out")
        if [ "$(cut -f1 "$d/$name-plain.out")" != "$(cut -f1 "$d/$name-pat.out")" ]; then
            fail "$base/$name: maptool's answers use the patterns (answers for other addresses)"
        elif [ "$((all - same))" -gt 0 ]; then
            pass "$base/$name: maptool's answers use the patterns ($((all - same)) of $all change)"
        else
            fail "$base/$name: maptool's answers use the patterns (none of $all change)"
        fi
    done
done
