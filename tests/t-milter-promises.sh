#!/bin/sh
# t-milter-promises.sh - what mailswitch-milter(8) and mailswitch.conf(5)
# promise and no other test checks: several maps with the first one
# winning, hop_limit at run time, a recipient among its own results kept,
# esmtp_args = no, the NOQUEUE log form, SIGTERM waiting for a
# transaction in progress, SIGHUP stopping (and not reloading), SIGINT
# stopping at once, group/-g and the running-as-root warning.

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
# The signal is seen once the socket no longer takes connections.
check "SIGTERM: no new connection is accepted" \
    wait_for "the listener to close" sh -c "! printf 'rcpt <a@x.test>\n' |
        python3 '$MILTER_LUA/mtclient.py' 'unix:$T/term.sock' 0x17f >/dev/null 2>&1"
echo eom >&7
exec 7>&-
wait "$CLIENT_PID"
TODO="the milter does not answer a transaction open at SIGTERM: it waits 10 s and drops it"
check "SIGTERM: the open transaction was answered to its end" \
    grep -qx 'eom: addrcpt <diego1@lima.inkacoca.org>' term.client
check "SIGTERM: with no transaction left open" \
    sh -c '! grep -q "still open" term.log'
TODO=
check "SIGTERM: then the milter stops" wait_for "the milter to stop" pid_gone "$pid"
check "SIGTERM: it logs that it stopped" grep -q 'stopped$' term.log

# SIGHUP stops as SIGTERM does (libmilter's meaning).
start_milter hup -m main.db || fail "milter starts (SIGHUP)"
pid=$MILTER_PID
kill -HUP "$pid"
check "SIGHUP: the milter stops" wait_for "the milter to stop" pid_gone "$pid"
check "SIGHUP: it logs that it stopped" grep -q 'stopped$' hup.log
check "SIGHUP: the socket is removed" test ! -e hup.sock

# SIGINT stops at once: the open transaction is dropped, not waited for.
start_milter int -m main.db || fail "milter starts (SIGINT)"
pid=$MILTER_PID
open_txn int || fail "SIGINT: a transaction is open"
kill -INT "$pid"
# "At once": well before the 10 s SIGTERM gives open transactions.
TODO="SIGINT waits 10 s for the open transaction, as SIGTERM does"
check "SIGINT: the milter stops while a transaction is still open" \
    wait_until 5 "the milter to stop" pid_gone "$pid"
TODO=
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
