#!/bin/sh
# t-milter-reload-load.sh - the map is recompiled ten times while a load
# generator keeps sending through a real Postfix with mailswitch-milter:
# every message is delivered exactly once, to the mailbox the map held
# when the message was received, and no SMTP transaction fails.
#
# Load: tests/milter/loadgen.py sends MESSAGES messages (default 600)
# spread over DURATION seconds (default 30) on 8 concurrent SMTP sessions
# of up to 5 messages each; message ID has the recipients u1+ID@load.test
# and u2+ID@load.test.
#
# Map version V says  u1+*@load.test -> box-V.u1+%2@sink.test  (and u2
# alike), so the sink's envelope recipients name both the message and the
# version that rewrote it. Versions 1..10 are written with `maptool
# compile -o` (a rename into place) every 2.5 s while the load runs; odd
# versions are left to the milter's once-a-second file check, even ones
# are also announced with SIGUSR1, but for versions 4 and 8, which go to a
# new file that the milter's configuration is changed to name, followed
# by SIGHUP (a configuration reload under load).
#
# Which version must a message get? The milter takes its snapshot at the
# message's first RCPT, so at a moment s between the client sending that
# RCPT and reading its reply; the generator records both times. For each
# version the swapper records INSTALLED (before maptool starts: the
# milter cannot load the file earlier) and SEEN (when a direct probe of
# the milter, on its socket, first got the new version: it had swapped by
# then). Version V is possible for the message only if INSTALLED(V) <=
# rcpt_answered and rcpt_sent < SEEN(V+1). Outside the short windows
# [INSTALLED, SEEN] only one version is possible; inside, either
# neighbour is (counted as ambiguous, and still checked to be one of the
# two). All times are the same clock of this machine. Both recipients of
# a message must come from the same version (a transaction keeps its
# snapshot).

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/milter/lib.sh"
. "$TOP/tests/milter/mta.sh"

MESSAGES=${MESSAGES:-600}
DURATION=${DURATION:-30}
LOADGEN=$TOP/tests/milter/loadgen.py

need_root "milter reload under load"
[ -x "$MILTER" ] && [ -x "$MAPTOOL" ] ||
    { fail "mailswitch-milter and maptool built"; exit 1; }
if ! pf_available || ! command -v python3 >/dev/null 2>&1; then
    skip "milter reload under load" "the postfix package or python3 unavailable"
    exit 0
fi
LOAD_PID='' SWAP_PID=''
cleanup() {
    [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
    [ -n "$SWAP_PID" ] && kill "$SWAP_PID" 2>/dev/null
    pf_stop
    sink_stop
    milter_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

chmod 755 "$T"
pf_users && mkdir -p "$T/run" "$T/maps" && chown postfix "$T/run" &&
    chmod 755 "$T/maps" || { fail "directories"; exit 1; }
cat >"$T/load.tmpl" <<'EOF'
u1+*@load.test	box-{v}.u1+%2@sink.test
u2+*@load.test	box-{v}.u2+%2@sink.test
@load.test	error:nouser 550 User unknown
EOF
sed 's/{v}/0/' "$T/load.tmpl" >"$T/load.0" &&
    "$MAPTOOL" compile -o "$T/maps/live.db" "$T/load.0" ||
    { fail "compile version 0"; exit 1; }

printf 'map = %s\nuser = postfix\nstats_file = %s\n' "$T/maps/live.db" \
    "$T/run/ld.stats" >"$T/ld.conf"
check "milter starts" start_milter ld -c "$T/ld.conf" || exit 1
MPID=$MILTER_PID

sinkport=$(free_port) && pfport=$(free_port) || { fail "free ports"; exit 1; }
check "smtp-sink starts" sink_start "$T/sink" "$sinkport" || exit 1
check "postfix is set up" pf_setup "$T/pf" "$pfport" "$sinkport" \
    "smtpd_milters = unix:$T/ld.sock" "milter_protocol = 6" \
    "milter_default_action = tempfail" || exit 1
check "postfix starts" pf_start || exit 1

python3 "$LOADGEN" send --server 127.0.0.1:"$pfport" --out "$T/attempts" \
    --messages "$MESSAGES" --duration "$DURATION" --sessions 8 --per-conn 5 \
    >"$T/loadgen.out" 2>&1 &
LOAD_PID=$!
python3 "$LOADGEN" swap --milter "unix:$T/ld.sock" --map "$T/maps/live.db" \
    --template "$T/load.tmpl" --out "$T/swaps" --maptool "$MAPTOOL" \
    --versions 10 --interval 2.5 --first 2 --usr1 "$MPID" --hup "$T/ld.conf" \
    >"$T/swap.out" 2>&1 &
SWAP_PID=$!
wait "$SWAP_PID"
check_eq "ten map versions written and each seen serving" "0" "$?"
SWAP_PID=
sed 's/^/# swap: /' "$T/swap.out"
wait "$LOAD_PID"
check_eq "the load generator ran to the end" "0" "$?"
LOAD_PID=
sed 's/^/# /' "$T/loadgen.out"

check "postfix queue drains" pf_wait_queue 60
check "the sink holds $MESSAGES messages" sink_wait "$MESSAGES" 30
sink_index
python3 "$LOADGEN" check --attempts "$T/attempts" --sink "$T/sink.index" \
    --swaps "$T/swaps" >"$T/check.out" 2>&1
grep '^#' "$T/check.out"
val() { sed -n "s/^$1 //p" "$T/check.out"; }

check_eq "every message was sent" "$MESSAGES" "$(val messages)"
check_eq "no SMTP transaction failed (every reply 2xx/354)" 0 "$(val failed_attempts)"
check_eq "every message accepted on its only attempt" "$MESSAGES" "$(val ok_once)"
check_eq "every message delivered exactly once" "$MESSAGES" "$(val delivered_once)"
check_eq "none missing" 0 "$(val missing)"
check_eq "none duplicated" 0 "$(val duplicated)"
check_eq "every copy has its two recipients, rewritten" 0 "$(val bad_rcpts)"
check_eq "no message rewritten by two map versions" 0 "$(val mixed_versions)"
check_eq "every message got the version the map held at its RCPT" 0 \
    "$(val wrong_version)"
exact=$(val exact)
echo "# $exact messages had one possible version, $(val ambiguous) fell in a swap window"
check "the timing decided some messages (exact $exact of $MESSAGES)" \
    test "${exact:-0}" -gt 0
check_eq "all eleven versions delivered mail" "0,1,2,3,4,5,6,7,8,9,10" \
    "$(val versions)"

# Reload latency, from maptool's end to the probe's first answer: a
# diagnostic, never pass/fail (a busy machine is slow, not wrong).
awk 'BEGIN { how[0] = "file check"; how[1] = "SIGUSR1"; how[2] = "SIGHUP" }
     { printf "# version %d: %s, served %.3f s after maptool finished\n",
       $1, how[$5], $3 - $4 }' "$T/swaps"
awk '{ d = $3 - $4; if (d > max[$5]) max[$5] = d }
     END { printf "# slowest reload: file check %.3f s (the check runs once a second), SIGUSR1 %.3f s, SIGHUP %.3f s\n",
           max[0], max[1], max[2] }' "$T/swaps"

kill -USR2 "$MPID"
wait_for "stats" grep -q '^reloads 10$' "$T/run/ld.stats"
check_eq "milter counted ten reloads" "reloads 10" "$(grep '^reloads ' "$T/run/ld.stats")"
check_eq "milter counted no map errors" "map_errors 0" \
    "$(grep '^map_errors ' "$T/run/ld.stats")"
check_eq "two configuration reloads, each logged" 2 \
    "$(grep -c 'SIGHUP: configuration reloaded' "$T/ld.log")"
check "milter still running" pid_alive "$MPID"
