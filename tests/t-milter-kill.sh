#!/bin/sh
# t-milter-kill.sh - kill -9 mailswitch-milter in the middle of a load
# through a real Postfix with milter_default_action = tempfail: Postfix
# answers 4xx while the milter is gone (never accepts mail unrewritten,
# never refuses it for good), and once the milter is back every message
# is delivered, rewritten, exactly once.
#
# tests/milter/loadgen.py sends MESSAGES messages (default 400) over
# DURATION seconds (default 20) on 8 sessions and, like any SMTP client,
# retries a message that got a 4xx (or a broken connection) after a
# second, until 60 s have passed. Once the load flows, the milter is
# killed with SIGKILL - transactions in flight lose it at whatever step
# they are; it is restarted on the same socket once Postfix has turned an
# attempt away. One more
# transaction is held by the test at its very end (recipients accepted,
# data sent but for the final ".") across the kill: Postfix must tempfail
# it at end of data, deliver nothing of it, and accept it when sent again. After the
# load, Postfix's queue is flushed (postqueue -f) and must drain.
#
# The Postfix setting that makes this safe is
#     milter_default_action = tempfail
# (the default, accept, would deliver to the original, unrewritten
# recipients while the milter is down).

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/milter/lib.sh"
. "$TOP/tests/milter/mta.sh"

MESSAGES=${MESSAGES:-400}
DURATION=${DURATION:-20}
LOADGEN=$TOP/tests/milter/loadgen.py

need_root "milter killed under load"
[ -x "$MILTER" ] && [ -x "$MAPTOOL" ] ||
    { fail "mailswitch-milter and maptool built"; exit 1; }
if ! pf_available || ! command -v python3 >/dev/null 2>&1; then
    skip "milter killed under load" "the postfix package or python3 unavailable"
    exit 0
fi
LOAD_PID='' HELD_PID=''
cleanup() {
    [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
    [ -n "$HELD_PID" ] && kill "$HELD_PID" 2>/dev/null
    pf_stop
    sink_stop
    milter_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

chmod 755 "$T"
pf_users && mkdir -p "$T/run" && chown postfix "$T/run" ||
    { fail "directories"; exit 1; }
printf '%s\t%s\n' u1+*@load.test 'box-0.u1+%2@sink.test' \
    u2+*@load.test 'box-0.u2+%2@sink.test' \
    @load.test 'error:nouser 550 User unknown' >"$T/load.txt"
"$MAPTOOL" compile -o "$T/load.db" "$T/load.txt" && chmod 644 "$T/load.db" ||
    { fail "compile the map"; exit 1; }

check "milter starts" start_milter k1 -p "unix:$T/k.sock" -m "$T/load.db" \
    -u postfix -o "stats_file=$T/run/k.stats" || exit 1
PID1=$MILTER_PID

sinkport=$(free_port) && pfport=$(free_port) || { fail "free ports"; exit 1; }
check "smtp-sink starts" sink_start "$T/sink" "$sinkport" || exit 1
check "postfix is set up" pf_setup "$T/pf" "$pfport" "$sinkport" \
    "smtpd_milters = unix:$T/k.sock" "milter_protocol = 6" \
    "milter_default_action = tempfail" || exit 1
check "postfix starts" pf_start || exit 1

python3 "$LOADGEN" send --server 127.0.0.1:"$pfport" --out "$T/attempts" \
    --messages "$MESSAGES" --duration "$DURATION" --sessions 8 --per-conn 5 \
    --retry 60 --pause 1 >"$T/loadgen.out" 2>&1 &
LOAD_PID=$!

# attempts_at_least N: the load generator has logged N attempts.
attempts_at_least() {
    [ "$(wc -l <"$T/attempts" 2>/dev/null || echo 0)" -ge "$1" ]
}
# turned_away_at_least N: N attempts got a temporary failure.
turned_away_at_least() {
    [ "$(awk -F '\t' '$5 == "temp"' "$T/attempts" | wc -l)" -ge "$1" ]
}

# One transaction of our own is held at its very end: its recipients
# were accepted by the milter, its data sent but for the final ".". The
# kill comes when the load flows (attempts logged), and some more after
# the held transaction began.
check "the load flows" wait_until 30 "load" attempts_at_least 40
smtp_send "$pfport" held -w "$T/hold" u1+held@load.test u2+held@load.test &
HELD_PID=$!
wait_for "the held transaction" test -e "$T/hold"
n=$(wc -l <"$T/attempts")
wait_until 20 "more load" attempts_at_least $((n + 10))
before=$(wc -l <"$T/attempts")
kill -KILL "$PID1"
wait "$PID1" 2>/dev/null
echo "# milter killed after $before attempts"
check "the milter is gone" sh -c "! kill -0 $PID1 2>/dev/null"
rm -f "$T/hold"
wait "$HELD_PID"
check_eq "a transaction whose milter died before end of data is tempfailed" \
    "451 4.7.1 Service unavailable - try again later" \
    "$(last_reply_of held eom)"
# The milter stays away until Postfix has turned some attempt away.
check "attempts are turned away while the milter is gone" \
    wait_until 30 "a turned-away attempt" turned_away_at_least 1
check "milter restarts on the same socket" start_milter k2 -p "unix:$T/k.sock" \
    -m "$T/load.db" -u postfix -o "stats_file=$T/run/k.stats" || exit 1
smtp_send "$pfport" held u1+held@load.test u2+held@load.test
check "... and accepted when sent again" \
    grep -q '^eom: 250 2.0.0 Ok: queued as ' "$T/send.held.out"

wait "$LOAD_PID"
check_eq "the load generator ran to the end" "0" "$?"
LOAD_PID=
sed 's/^/# /' "$T/loadgen.out"

check "postqueue -f" "$PF_TREE/usr/sbin/postqueue" -c "$PF_DIR/etc" -f
check "postfix queue drains" pf_wait_queue 60
check "the sink holds $((MESSAGES + 1)) messages" sink_wait $((MESSAGES + 1)) 30
sink_index
check_eq "the held message arrived once, rewritten, from its second try" \
    "box-0.u1+held@sink.test box-0.u2+held@sink.test" "$(sink_got held)"
grep -v '^held ' "$T/sink.index" >"$T/sink.load"
python3 "$LOADGEN" check --attempts "$T/attempts" --sink "$T/sink.load" \
    >"$T/check.out" 2>&1
grep '^#' "$T/check.out"
val() { sed -n "s/^$1 //p" "$T/check.out"; }

check_eq "every message was sent" "$MESSAGES" "$(val messages)"
failed=$(val failed_attempts)
echo "# $failed failed attempts, $(val retried) messages retried"
check "Postfix turned some attempts away while the milter was down" \
    test "${failed:-0}" -gt 0
check_eq "... only ever with a temporary (4xx) reply" \
    "perm 0 error 0" "perm $(val perm_attempts) error $(val error_attempts)"
codes=$(awk -F '\t' '$5 == "temp" { print substr($7, 1, 9) }' "$T/attempts" | sort -u | tr '\n' ' ')
echo "# the 4xx replies seen: $codes"
check "... with Postfix's 451 4.7.1 (milter_default_action = tempfail)" \
    test "$codes" = "451 4.7.1 "
check_eq "every message accepted exactly once in the end" "$MESSAGES" "$(val ok_once)"
check_eq "every message delivered exactly once" "$MESSAGES" "$(val delivered_once)"
check_eq "none missing" 0 "$(val missing)"
check_eq "none duplicated" 0 "$(val duplicated)"
check_eq "nothing turned away was delivered anyway" 0 "$(val failed_but_delivered)"
check_eq "every copy rewritten (no original recipient got through)" 0 \
    "$(val bad_rcpts)"
check "the restarted milter did the rewriting after the kill" \
    grep -q ': action=rewrite orig_to=<u1+m' "$T/k2.log"
check "postfix is still running" pid_alive \
    "$(tr -d ' ' <"$PF_DIR/queue/pid/master.pid")"
