#!/bin/sh
# t-milter-hardening.sh - what a hostile milter peer can send, through
# the raw milter protocol (tests/milter/rawmilter.py): every answer
# arrives, the milter stays up, and what does not fit is dropped with a
# log line rather than written past a buffer.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"
trap milter_cleanup EXIT

[ -x "$MILTER" ] || { fail "mailswitch-milter built"; exit 1; }
RAW=$TOP/tests/milter/rawmilter.py
raw() { python3 "$RAW" "$@"; }

compile_map "$TOP/tests/milter/table.txt" "$T/table.db" ||
    { fail "compile table"; exit 1; }
start_milter hard -m "$T/table.db" || { fail "milter starts"; exit 1; }
S=unix:$T/hard.sock
PID=$MILTER_PID

# A NOTIFY= of 2,046 bytes and no ORCPT=: the parameters of the added
# recipient (NOTIFY, a blank, ORCPT=rfc822;...) cannot fit in 2 KB.
out=$(raw "$S" <<'EOF2'
rcpt <diego1@inkacoca.org> NOTIFY=*2039
eom
EOF2
)
echo "$out" | cut -c1-100 | sed "s/^/# /"
check "esmtp: a 2 KB NOTIFY= gets its RCPT answered" \
    grep -q '^rcpt <diego1@inkacoca.org>: continue$' <<EOF2
$out
EOF2
x2039=$(printf "%2039s" "" | tr ' ' x)
check "esmtp: the recipient is added with the NOTIFY, which fits" \
    grep -qx "eom: addrcpt_par <diego1@lima.inkacoca.org> NOTIFY=$x2039" <<EOF2
$out
EOF2
check "esmtp: the milter is still running" kill -0 "$PID"
check "esmtp: the ORCPT that does not fit is dropped, with a log line" \
    grep -q 'diego1@inkacoca.org>: ORCPT too long to carry over (2047 bytes at most); dropped' "$T/hard.log"
# Every length around the limit, with and without ORCPT=.
bad=0
for n in 2020 2030 2036 2038 2039 2040 2041 2045 2100; do
    for extra in "" "ORCPT=rfc822;x@y.test" "ORCPT=*$n"; do
        out=$(printf 'rcpt <diego1@inkacoca.org> NOTIFY=*%s %s\neom\n' \
            "$n" "$extra" | raw "$S")
        echo "$out" | grep -q '^eom: continue$' || {
            bad=$((bad + 1)); echo "# NOTIFY=*$n $extra: $out"; }
    done
done
check_eq "esmtp: every long NOTIFY/ORCPT combination gets an answer" 0 "$bad"
check "esmtp: still running after all of them" kill -0 "$PID"

# Recipient limits (max_recipients 1000, max_added_recipients 10000 by
# default): over either, 452 4.5.3 at RCPT. @lists.test expands every
# recipient to 11 new ones; 909 of them add 9,999, the 910th would pass
# 10,000.
members=
i=0
while [ $i -lt 11 ]; do
    members="$members${members:+, }%1-$i@x.test"
    i=$((i + 1))
done
{
    cat "$TOP/tests/milter/table.txt"
    echo "@lists.test $members"
    echo "@one.test %1@x.test"
} >"$T/limits.txt"
compile_map "$T/limits.txt" "$T/limits.db" || fail "compile limits map"
start_milter limits -m "$T/limits.db" || fail "milter with limits starts"
out=$(raw "unix:$T/limits.sock" <<'EOF2'
rcpts 1001 <u%d@one.test>
eom-count
EOF2
)
echo "$out" | sed 's/^/# /'
check_eq "limits: RCPT 1,001 of a transaction gets 452 4.5.3" \
    "rcpts 1001: 1000 continue, 1 reply 452 4.5.3 Too many recipients" \
    "$(echo "$out" | sed -n 1p)"
check_eq "limits: the 1,000 before it are rewritten at EOM" \
    "eom: 1000 addrcpt_par, 1000 delrcpt; continue" \
    "$(echo "$out" | sed -n 2p)"
check "limits: the tempfail is logged with the limit's name" \
    grep -q 'action=tempfail to=<u1000@one.test> code=452 dsn=4.5.3 reply="Too many recipients" reason="max_recipients = 1000"' \
    "$T/limits.log"
out=$(raw "unix:$T/limits.sock" <<'EOF2'
rcpts 1000 <u%d@lists.test>
eom-count
EOF2
)
echo "$out" | sed 's/^/# /'
check_eq "limits: past 10,000 added recipients, RCPT gets 452 4.5.3" \
    "rcpts 1000: 909 continue, 91 reply 452 4.5.3 Too many recipients after rewriting" \
    "$(echo "$out" | sed -n 1p)"
check_eq "limits: the 9,999 added before it are added at EOM" \
    "eom: 9999 addrcpt_par, 909 delrcpt; continue" \
    "$(echo "$out" | sed -n 2p)"
check "limits: that tempfail names max_added_recipients" \
    grep -q 'action=tempfail to=<u909@lists.test> code=452 dsn=4.5.3 reply="Too many recipients after rewriting" reason="max_added_recipients = 10000"' \
    "$T/limits.log"
# Limits are settings; a new transaction starts counting again.
start_milter small -m "$T/limits.db" -o max_recipients=3 \
    -o max_added_recipients=25 || fail "milter with small limits starts"
out=$(raw "unix:$T/small.sock" <<'EOF2'
rcpts 4 <v%d@one.test>
eom-count
rcpt <a@lists.test>
rcpt <b@lists.test>
rcpt <c@lists.test>
eom-count
EOF2
)
echo "$out" | sed 's/^/# /'
check_eq "limits: max_recipients and max_added_recipients are honoured" \
"rcpts 4: 3 continue, 1 reply 452 4.5.3 Too many recipients
eom: 3 addrcpt_par, 3 delrcpt; continue
rcpt <a@lists.test>: continue
rcpt <b@lists.test>: continue
rcpt <c@lists.test>: reply 452 4.5.3 Too many recipients after rewriting
eom: 22 addrcpt_par, 2 delrcpt; continue" "$out"
check_rc "limits: max_recipients 0 is refused" 2 \
    "$MILTER" -n -c /dev/null -m "$T/limits.db" -p "unix:$T/x.sock" \
    -o max_recipients=0
# De-duplication: 3,000 recipients of one message that lead to 1,500
# mailboxes (@one.test leaves out the "+detail"), each added once.
start_milter dup -m "$T/limits.db" -o max_recipients=3000 ||
    fail "milter for de-duplication starts"
out=$(raw "unix:$T/dup.sock" <<'EOF2'
rcpts 1500 <u%d+a@one.test>
rcpts 1500 <u%d+b@one.test>
eom-count
EOF2
)
check_eq "dedup: 3,000 recipients, 1,500 mailboxes, each added once" \
    "eom: 1500 addrcpt_par, 3000 delrcpt; continue" \
    "$(echo "$out" | sed -n 3p)"

# Root: started as root without user =, the milter refuses to run
# unless allow_root = yes says so.
if [ "$(id -u)" -eq 0 ]; then
    "$MILTER" -f -p "unix:$T/root.sock" -m "$T/table.db" \
        >"$T/root.out" 2>&1 &
    rpid=$!
    MILTER_PIDS="$MILTER_PIDS $rpid"
    wait_for "the milter to stop" sh -c "! kill -0 $rpid" ||
        kill "$rpid"
    wait "$rpid"
    check_eq "root: without user = or allow_root it refuses (exit 1)" 1 $?
    check "root: and says why" \
        grep -q 'refusing to run as root: set user = .* or allow_root = yes' \
        "$T/root.out"
    check "root: no socket left behind" test ! -e "$T/root.sock"
    check "root: with allow_root = yes it starts, with a warning" \
        sh -c "grep -q 'running as root (allow_root = yes)' '$T/hard.log'"
else
    skip "root: refused without allow_root" "needs root"
fi

# Idle transactions and reloads: six connections each send one RCPT and
# go quiet while the map is replaced six times. The milter must keep at
# most two map generations open (counted as its open descriptors of the
# map file, replaced or not, and as the snapshots SIGUSR2 logs), and
# every connection must still be answered afterwards.
gen_map() {  # gen_map N: @idle.test -> %1@genN.test, renamed into place
    echo "@idle.test %1@gen$1.test" >"$T/idle.txt" &&
        "$MAPTOOL" compile -o "$T/idle.db" "$T/idle.txt"
}
gen_map 1 || fail "compile idle map"
start_milter idle -m "$T/idle.db" || fail "milter for idle connections starts"
IPID=$MILTER_PID
k=1
while [ $k -le 6 ]; do
    printf '%s\n' "rcpt <c$k@idle.test>" "touch $T/ready.$k" \
        "wait $T/go.$k" "rcpt <d$k@idle.test>" "eom" |
        raw "unix:$T/idle.sock" >"$T/idle.out.$k" 2>&1 &
    eval "IDLE_$k=\$!"
    wait_for "client $k to send its RCPT" test -e "$T/ready.$k" ||
        fail "idle client $k sent its RCPT"
    gen_map $((k + 1))
    kill -USR1 "$IPID"
    wait_for "generation $((k + 1))" \
        grep -q "reloaded (generation $((k + 1)))" "$T/idle.log" ||
        fail "idle: reload $k happened"
    k=$((k + 1))
done
open_maps=$(ls -l "/proc/$IPID/fd" 2>/dev/null | grep -c "$T/idle.db")
echo "# map descriptors open after 6 reloads: $open_maps"
check "idle: 6 idle transactions, 6 reloads: at most 2 map generations open ($open_maps)" \
    test "$open_maps" -ge 1 -a "$open_maps" -le 2
kill -USR2 "$IPID"
wait_for "stats line" grep -q 'stats: .* snapshots=' "$T/idle.log"
snaps=$(sed -n 's/.*stats: .* snapshots=\([0-9]*\).*/\1/p' "$T/idle.log" | tail -1)
check "idle: the milter counts at most 2 snapshots in memory (${snaps:-none})" \
    test "${snaps:-99}" -le 2
k=1
while [ $k -le 6 ]; do
    touch "$T/go.$k"
    eval "wait \$IDLE_$k"
    k=$((k + 1))
done
check_eq "idle: the transaction of the previous generation goes on with it" \
"rcpt <c6@idle.test>: continue
rcpt <d6@idle.test>: continue
eom: delrcpt <c6@idle.test>
eom: delrcpt <d6@idle.test>
eom: addrcpt_par <c6@gen6.test> ORCPT=rfc822;c6@idle.test
eom: addrcpt_par <d6@gen6.test> ORCPT=rfc822;d6@idle.test
eom: continue" "$(cat "$T/idle.out.6")"
check_eq "idle: an older one gets 451 4.3.0 for its later recipient" \
"rcpt <c1@idle.test>: continue
rcpt <d1@idle.test>: reply 451 4.3.0 Temporary recipient lookup failure, try again later
eom: delrcpt <c1@idle.test>
eom: addrcpt_par <c1@gen1.test> ORCPT=rfc822;c1@idle.test
eom: continue" "$(cat "$T/idle.out.1")"
check "idle: and the reason is logged" \
    grep -q 'action=tempfail to=<d1@idle.test> .*reason=".*reloaded twice' "$T/idle.log"
out=$(printf 'rcpt <new@idle.test>\neom\n' | raw "unix:$T/idle.sock")
check "idle: a new transaction gets the newest map" \
    grep -q 'addrcpt_par <new@gen7.test>' <<EOF2
$out
EOF2
