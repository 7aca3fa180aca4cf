#!/bin/sh
# t-corrupt-map.sh - a map file that crashes Berkeley DB itself.
#
# tests/data/corrupt-btree.db is a small btree map with one page garbled
# (found by the map fuzzer): libdb 5.3 dies with SIGBUS opening it, which
# took maptool (exit 135) and the milter with it. maptool must say the
# file is corrupt instead, and a running milter that finds it in place of
# its map must keep serving the map it has.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"
trap milter_cleanup EXIT

[ -x "$MILTER" ] && [ -x "$MAPTOOL" ] || { fail "milter and maptool built"; exit 1; }
BAD=$TOP/tests/data/corrupt-btree.db
RAW=$TOP/tests/milter/rawmilter.py

for cmd in "query $BAD someone@example.test" "dump $BAD" "check $BAD"; do
    name=${cmd%% *}
    "$MAPTOOL" $cmd >"$T/$name.out" 2>"$T/$name.err"
    rc=$?
    check_eq "maptool $name: a map that crashes the library exits 66" 66 "$rc"
    check "maptool $name: and says the file is corrupt" \
        grep -q "corrupt-btree.db: reading it crashed the Berkeley DB library (.*): the file is corrupt" \
        "$T/$name.err"
done

echo "keep@old.test kept@served.test" >"$T/good.txt"
"$MAPTOOL" compile -o "$T/live.db" "$T/good.txt" || { fail "compile the map"; exit 1; }
start_milter corrupt -m "$T/live.db" || { fail "milter starts"; exit 1; }
PID=$MILTER_PID
ask() { printf 'rcpt <%s>\neom\n' "$1" | python3 "$RAW" "unix:$T/corrupt.sock"; }

cp "$BAD" "$T/live.tmp" && mv "$T/live.tmp" "$T/live.db"
kill -USR1 "$PID"
wait_for "the refused reload to be logged" \
    grep -q "cannot open map.*live.db.*the file is corrupt" "$T/corrupt.log"
grep 'live.db' "$T/corrupt.log" | sed 's/^/# /'
check "milter: the corrupt map is refused, and the log says why" \
    grep -q "cannot open map.*live.db: reading it crashed the Berkeley DB library" \
    "$T/corrupt.log"
check "milter: still running" kill -0 "$PID"
out=$(ask keep@old.test)
check "milter: the map it had keeps serving" \
    grep -q 'addrcpt_par <kept@served.test>' <<EOF2
$out
EOF2

# Starting on the corrupt map fails with the same reason, before serving.
"$MILTER" -c /dev/null -f -o allow_root=yes -p "unix:$T/start.sock" -m "$BAD" \
    >"$T/start.log" 2>&1
check_eq "milter: refuses to start on the corrupt map (exit 1)" 1 $?
check "milter: and says the file is corrupt" \
    grep -q "corrupt-btree.db: reading it crashed the Berkeley DB library" "$T/start.log"
