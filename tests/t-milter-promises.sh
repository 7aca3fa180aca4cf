#!/bin/sh
# t-milter-promises.sh - what mailswitch-milter(8) and mailswitch.conf(5)
# promise and no other test checks: several maps with the first one
# winning, hop_limit at run time, a recipient among its own results kept,
# esmtp_args = no, the NOQUEUE log form, SIGTERM waiting for a
# transaction in progress (and stopping at once when idle), SIGHUP
# reading the configuration again, SIGINT stopping at once, group/-g
# and the running-as-root warning.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"
trap milter_cleanup EXIT

[ -x "$MILTER" ] && [ -x "$MAPTOOL" ] ||
    { fail "mailswitch-milter and maptool built"; exit 1; }
cd "$T" || exit 1

# Two maps that both know a@x.test; only the second knows b@x.test; only
# the first has a catch-all for x.test.
printf '%s\t%s\n' a@x.test a@one.test @x.test '%1@catch.test' >first.txt
printf '%s\t%s\n' a@x.test a@two.test b@x.test b@two.test >second.txt
# A chain of three rewrites; a list that names itself.
printf '%s\t%s\n' h1@h.test h2@h.test h2@h.test h3@h.test h3@h.test h4@h.test \
    list@l.test 'list@l.test, m@y.test' \
    diego1@inkacoca.org diego1@lima.inkacoca.org \
    @inkacoca.org 'error:nouser 550 User unknown' >main.txt
compile_map first.txt first.db && compile_map second.txt second.db &&
    compile_map main.txt main.db || { fail "compile the maps"; exit 1; }

# ask SOCKET-NAME ACTIONS: mtclient on unix:$T/NAME.sock, script on stdin.
ask() {
    mtclient "unix:$T/$1.sock" "$2"
}

# --- several maps: tried in order for every key --------------------------------
start_milter two -m first.db -m second.db || fail "milter starts with two maps"
ask two 0x17f >two.out <<'EOF'
rcpt <a@x.test>
rcpt <b@x.test>
rcpt <c@x.test>
eom
EOF
check "two maps: a key both hold is answered by the first" \
    grep -qx 'eom: addrcpt <a@one.test>' two.out
check "two maps: ... and not by the second" sh -c '! grep -q "a@two.test" two.out'
check "two maps: a key only the second holds is answered by it, before the first's catch-all" \
    grep -qx 'eom: addrcpt <b@two.test>' two.out
check "two maps: the first's catch-all answers what neither holds" \
    grep -qx 'eom: addrcpt <c@catch.test>' two.out
stop_milter "$MILTER_PID"

# --- hop_limit at run time ---------------------------------------------------------
start_milter hop2 -m main.db -o hop_limit=2 || fail "milter starts with hop_limit = 2"
HOP2_PID=$MILTER_PID
start_milter hop3 -m main.db -o hop_limit=3 || fail "milter starts with hop_limit = 3"
HOP3_PID=$MILTER_PID
printf 'rcpt <h1@h.test>\neom\n' | ask hop2 0x17f >hop2.out
printf 'rcpt <h1@h.test>\neom\n' | ask hop3 0x17f >hop3.out
check "hop_limit = 2: a chain of three rewrites is answered 451 4.4.6" \
    grep -q '^rcpt <h1@h.test>: reply 451 4.4.6 ' hop2.out
check "hop_limit = 3: the same chain is followed to its end" \
    grep -qx 'eom: addrcpt <h4@h.test>' hop3.out
stop_milter "$HOP2_PID"

# --- a recipient among its own results -------------------------------------------
printf 'rcpt <list@l.test>\neom\n' | ask hop3 0x17f >self.out
check "own result: the other member is added" grep -qx 'eom: addrcpt <m@y.test>' self.out
check "own result: the recipient is not deleted" sh -c '! grep -q "delrcpt" self.out'
check "own result: nor added back" sh -c '! grep -q "addrcpt <list@l.test>" self.out'

# --- the log: the queue id, or NOQUEUE -----------------------------------------
printf 'rcpt <nobody@inkacoca.org>\nrcpt <diego1@inkacoca.org>\neom\n' |
    ask hop3 0x17f >/dev/null
printf 'macro R i QID123\nrcpt <diego1@inkacoca.org>\neom\n' | ask hop3 0x17f >/dev/null
check "log: NOQUEUE when the MTA gave no queue id" \
    wait_for "the NOQUEUE line" grep -q \
    '^mailswitch-milter: NOQUEUE: action=reject to=<nobody@inkacoca.org> map=[^ ]* code=550 dsn=5.1.1 reply="User unknown"$' hop3.log
check "log: the queue id when the MTA gave one" \
    wait_for "the QID123 line" grep -q \
    '^mailswitch-milter: QID123: action=rewrite orig_to=<diego1@inkacoca.org> to=<diego1@lima.inkacoca.org> map=[^ ]*$' hop3.log

# --- esmtp_args ------------------------------------------------------------------------
start_milter esmtp -m main.db -o esmtp_args=no || fail "milter starts with esmtp_args = no"
printf 'rcpt <diego1@inkacoca.org> NOTIFY=SUCCESS\neom\n' | ask esmtp 0x1ff >esmtp.out
check "esmtp_args = no: plain addrcpt although the MTA offers ADDRCPT_PAR" \
    grep -qx 'eom: addrcpt <diego1@lima.inkacoca.org>' esmtp.out
stop_milter "$MILTER_PID"
printf 'rcpt <diego1@inkacoca.org> NOTIFY=SUCCESS\neom\n' | ask hop3 0x1ff >par.out
check "esmtp_args = yes (default): addrcpt_par with NOTIFY and ORCPT" \
    grep -q '^eom: addrcpt_par <diego1@lima.inkacoca.org> .*NOTIFY=SUCCESS' par.out
stop_milter "$HOP3_PID"

# --- signals -------------------------------------------------------------------------
# open_txn NAME: a connection to milter NAME with one RCPT answered and
# the transaction left open; its commands go through the fifo on fd 7,
# its answers to NAME.client. Sets CLIENT_PID.
open_txn() {
    rm -f "$1.in" && mkfifo "$1.in" || return 1
    mtclient "unix:$T/$1.sock" 0x17f <"$1.in" >"$1.client" 2>&1 &
    CLIENT_PID=$!
    exec 7>"$1.in"
    echo "rcpt <diego1@inkacoca.org>" >&7
    wait_for "the RCPT answer" grep -q '^rcpt ' "$1.client"
}

# SIGTERM: the transaction in progress ends normally, then the milter stops.
start_milter term -m main.db || fail "milter starts (SIGTERM)"
pid=$MILTER_PID
open_txn term || fail "SIGTERM: a transaction is open"
kill -TERM "$pid"
wait_for "the drain to begin" grep -q 'SIGTERM: stopping once 1 open' term.log
# While it waits, a new transaction is told to come back later.
printf 'rcpt <a@x.test>\n' | ask term 0x17f >term-new.out 2>&1
check "SIGTERM: a new transaction meanwhile is answered 451 4.3.0" \
    grep -q '^rcpt <a@x.test>: reply 451 4.3.0' term-new.out
echo eom >&7
exec 7>&-
wait "$CLIENT_PID"
check "SIGTERM: the open transaction was answered to its end" \
    grep -qx 'eom: addrcpt <diego1@lima.inkacoca.org>' term.client
check "SIGTERM: with no transaction left open" \
    sh -c '! grep -q "still open" term.log'
check "SIGTERM: then the milter stops" wait_for "the milter to stop" pid_gone "$pid"
check "SIGTERM: it logs that it stopped" grep -q 'stopped$' term.log
check "SIGTERM: the socket is removed" test ! -e term.sock

# Idle, it stops at once: well before the 5 s libmilter's listener
# sleeps between two looks at its stop flag.
start_milter idle -m main.db || fail "milter starts (idle SIGTERM)"
pid=$MILTER_PID
t0=$(date +%s%N)
kill -TERM "$pid"
check "SIGTERM when idle: the milter stops within 3 s" \
    wait_until 3 "the milter to stop" pid_gone "$pid"
echo "# idle stop took $((($(date +%s%N) - t0) / 1000000)) ms"

# --- SIGHUP: the configuration read again --------------------------------------
# conf NAME MAP [MODE]: a configuration file serving MAP.
conf() {
    printf 'socket = unix:%s\nmap = %s\nmode = %s\nallow_root = yes\n' \
        "$T/hup.sock" "$T/$2" "${3:-rewrite}" >"$1"
}
# reloaded N: wait until N reloads have been done or refused.
reload_ends() {
    [ "$(grep -c 'SIGHUP: \(configuration reloaded\|.*still running with\)' hup.log)" -ge "$1" ]
}
reloaded() {
    wait_for "reload $1" reload_ends "$1"
}
conf hup.conf first.db
"$MILTER" -f -c "$T/hup.conf" >"$T/hup.log" 2>&1 &
pid=$!
MILTER_PIDS="$MILTER_PIDS $pid"
wait_for "the milter to start" grep -q 'starting ' hup.log || fail "milter starts (SIGHUP)"
printf 'rcpt <a@x.test>\neom\n' | ask hup 0x17f >hup0.out
check "SIGHUP: before, the first map answers" grep -qx 'eom: addrcpt <a@one.test>' hup0.out
sock_before=$(stat -c %i hup.sock)
conf hup.conf second.db
kill -HUP "$pid"
reloaded 1
printf 'rcpt <a@x.test>\neom\n' | ask hup 0x17f >hup1.out
check "SIGHUP: the map the file names now answers" \
    grep -qx 'eom: addrcpt <a@two.test>' hup1.out
check "SIGHUP: the same process keeps serving" kill -0 "$pid"
check "SIGHUP: on the same socket" test "$(stat -c %i hup.sock)" = "$sock_before"

# A file with errors changes nothing, and every bad line is logged.
{ cat hup.conf; printf 'no_such_key = 1\nhop_limit = many\n'; } >hup.bad
sed -i "s|second.db|first.db|" hup.bad
cp hup.bad hup.conf
kill -HUP "$pid"
reloaded 2
check "SIGHUP: a bad file: its unknown key is logged with its line" \
    grep -q "hup.conf:5: .*no_such_key" hup.log
check "SIGHUP: ... and its bad value with its line" \
    grep -q "hup.conf:6: .*many" hup.log
printf 'rcpt <a@x.test>\neom\n' | ask hup 0x17f >hup2.out
check "SIGHUP: a bad file: the maps loaded before still answer" \
    grep -qx 'eom: addrcpt <a@two.test>' hup2.out

# A map that cannot be opened: nothing changes either.
conf hup.conf missing.db
kill -HUP "$pid"
reloaded 3
check "SIGHUP: a map that cannot be opened is named" grep -q 'missing.db' hup.log
printf 'rcpt <a@x.test>\neom\n' | ask hup 0x17f >hup3.out
check "SIGHUP: ... and the maps loaded before still answer" \
    grep -qx 'eom: addrcpt <a@two.test>' hup3.out

# The mode takes effect for the next connection; the socket only at a restart.
conf hup.conf first.db validate
sed -i "s|^socket = .*|socket = unix:$T/elsewhere.sock|" hup.conf
kill -HUP "$pid"
reloaded 4
check "SIGHUP: a new socket is left for the next restart, and said so" \
    grep -q 'SIGHUP: socket changed: it takes effect at the next restart' hup.log
printf 'rcpt <a@x.test>\neom\n' | ask hup 0x17f >hup4.out
check "SIGHUP: mode = validate: the recipient is kept, nothing added" \
    sh -c '! grep -q addrcpt hup4.out && grep -qx "eom: continue" hup4.out'
check "SIGHUP: ... still on the old socket" test ! -e elsewhere.sock
stop_milter "$pid"

# The command line still wins over the file after a reload.
conf hup.conf first.db
start_milter hupm -c "$T/hup.conf" -m second.db || fail "milter starts (SIGHUP, -m)"
pid=$MILTER_PID
kill -HUP "$pid"
wait_for "the reload" grep -q 'SIGHUP: configuration reloaded' hupm.log
printf 'rcpt <a@x.test>\neom\n' | ask hupm 0x17f >hupm.out
check "SIGHUP: -m on the command line still replaces the file's maps" \
    grep -qx 'eom: addrcpt <a@two.test>' hupm.out
stop_milter "$pid"

# SIGINT stops at once: the open transaction is dropped, not waited for.
start_milter int -m main.db || fail "milter starts (SIGINT)"
pid=$MILTER_PID
open_txn int || fail "SIGINT: a transaction is open"
kill -INT "$pid"
# "At once": well before the 10 s SIGTERM gives open transactions.
check "SIGINT: the milter stops while a transaction is still open" \
    wait_until 5 "the milter to stop" pid_gone "$pid"
echo eom >&7
exec 7>&-
wait "$CLIENT_PID"
check "SIGINT: the open transaction got no answer at its end" \
    sh -c '! grep -q "^eom: " int.client'

# --- user, group, and the warning when running as root ------------------------
if [ "$(id -u)" -eq 0 ]; then
    # nobody must reach the map
    chmod 755 "$T" && chmod 644 main.db || fail "make the map readable"
    start_milter root -m main.db || fail "milter starts as root"
    check "root: the milter warns that it runs as root" \
        grep -q 'warning: running as root (allow_root = yes); set user = to drop' root.log
    stop_milter "$MILTER_PID"
    # mail: a group of every Debian system, not nobody's own (nogroup)
    gid=$(getent group mail | cut -d: -f3)
    start_milter grp -m main.db -u nobody -g mail -o socket_mode=0666 ||
        fail "milter starts with -u nobody -g mail"
    check "-g: the milter runs with that group" \
        grep -Eq "^Gid:[[:space:]]+$gid[[:space:]]+$gid[[:space:]]+$gid[[:space:]]+$gid\$" \
        "/proc/$MILTER_PID/status"
    check_eq "-g: the socket's group" mail "$(stat -c %G grp.sock)"
    stop_milter "$MILTER_PID"
    printf 'socket = unix:%s/conf.sock\nmap = %s/main.db\nuser = nobody\ngroup = mail\n' \
        "$T" "$T" >grp.conf
    start_milter conf -c "$T/grp.conf" || fail "milter starts with group = mail"
    check "group =: the milter runs with that group" \
        grep -Eq "^Gid:[[:space:]]+$gid[[:space:]]+$gid[[:space:]]+$gid[[:space:]]+$gid\$" \
        "/proc/$MILTER_PID/status"
    stop_milter "$MILTER_PID"
else
    skip "user, group and the root warning" "needs root"
fi
