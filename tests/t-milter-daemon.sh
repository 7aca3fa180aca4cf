#!/bin/sh
# t-milter-daemon.sh - mailswitch-milter as a daemon: detaching, the pid
# file and its lock, refusing a socket in use, socket permissions,
# dropping privileges, stopping cleanly.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"

[ -x "$MILTER" ] || { fail "mailswitch-milter built"; exit 1; }
DPID=
cleanup() {
    [ -n "$DPID" ] && kill "$DPID" 2>/dev/null
    milter_cleanup
}
trap cleanup EXIT

chmod 755 "$T"
compile_map "$TOP/tests/milter/table.txt" "$T/table.db" ||
    { fail "compile table"; exit 1; }
chmod 644 "$T/table.db"

"$MILTER" -c /dev/null -o allow_root=yes -p "unix:$T/d.sock" -m "$T/table.db" -P "$T/d.pid" \
    -o "stats_file=$T/d.stats" >"$T/d.out" 2>&1
check_eq "daemon: the parent exits 0 once the daemon is ready" 0 $?
DPID=$(cat "$T/d.pid" 2>/dev/null)
check "daemon: the pid file names a running process" kill -0 "${DPID:-0}"
check "daemon: it is not a child of this shell (detached)" \
    sh -c "[ \"\$(ps -o ppid= -p $DPID | tr -d ' ')\" != $$ ]"
check "daemon: the socket accepts connections" test -S "$T/d.sock"
check_eq "daemon: socket mode 0660 by default" 660 \
    "$(stat -c %a "$T/d.sock")"
out=$(printf 'rcpt <diego1@inkacoca.org>\neom\n' | mtclient "unix:$T/d.sock" 0x17f)
check "daemon: answers as in the foreground" \
    grep -q 'addrcpt <diego1@lima.inkacoca.org>' <<EOF2
$out
EOF2

"$MILTER" -c /dev/null -o allow_root=yes -p "unix:$T/d2.sock" -m "$T/table.db" -P "$T/d.pid" \
    >"$T/d2.out" 2>&1
check_eq "pid file: a second copy refuses to start" 1 $?
check "pid file: and says it is already running, with the pid" \
    grep -q "already running (pid $DPID" "$T/d2.out"
check_eq "pid file: the first copy's pid file is left alone" "$DPID" \
    "$(cat "$T/d.pid")"

"$MILTER" -c /dev/null -o allow_root=yes -p "unix:$T/d.sock" -m "$T/table.db" >"$T/d3.out" 2>&1
check_eq "socket: a copy on a socket in use refuses to start" 1 $?
check "socket: and says so" grep -q "in use by another process" "$T/d3.out"
check "socket: the running copy still answers" \
    sh -c "printf 'rcpt <info@example.net>\n' |
        python3 '$MILTER_LUA/mtclient.py' 'unix:$T/d.sock' | grep -q continue"

"$MILTER" -c /dev/null -o allow_root=yes -p "unix:$T/d4.sock" -m "$T/none.db" >"$T/d4.out" 2>&1
check_eq "daemon: a missing map fails before detaching (exit 1)" 1 $?
check "daemon: the reason reaches the terminal" grep -q 'none.db' "$T/d4.out"

kill "$DPID"
check "stop: SIGTERM ends the daemon" \
    wait_for "daemon to exit" sh -c "! kill -0 $DPID"
check "stop: the pid file is removed" test ! -e "$T/d.pid"
check "stop: the socket is removed" test ! -e "$T/d.sock"
check "stop: the stats file holds the last counters" \
    grep -q '^messages 1$' "$T/d.stats"
DPID=

# Syslog: lines go to /dev/log when something listens there; when nothing
# does, the milter says so once and logs to standard error only. Each
# case runs in a mount namespace with a /dev of its own.
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1; then
    skip "syslog" "needs root and unshare"
else
    for listen in 1 0 2; do
        rm -rf "$T/ns$listen" && mkdir "$T/ns$listen" &&
            cp "$T/table.db" "$T/ns$listen/" || fail "syslog: scratch dir"
        MILTER_LUA=$MILTER_LUA unshare -m sh "$TOP/tests/milter/syslog-ns.sh" \
            "$T/ns$listen" $listen
        check_eq "syslog ($listen): the namespace ran" 0 $?
        check "syslog ($listen): the recipient was rewritten" \
            grep -q 'addrcpt <diego1@lima.inkacoca.org>' "$T/ns$listen/answers"
    done
    check "syslog: with a listener, the rewrite line reaches it (mail.info)" \
        grep -q '^<22>.*mailswitch-milter\[[0-9]*\]: .*action=rewrite orig_to=<diego1@inkacoca.org>' \
        "$T/ns1/syslog"
    check "syslog: with a listener, no word of a missing socket" \
        sh -c "! grep -q 'syslog socket' '$T/ns1/stderr'"
    check "syslog: standard error the journal: the line reaches syslog" \
        grep -q 'action=rewrite orig_to=<diego1@inkacoca.org>' "$T/ns2/syslog"
    check "syslog: ... and not standard error too (no line twice in the journal)" \
        sh -c "! grep -q 'action=rewrite' '$T/ns2/stderr'"
    check_eq "syslog: with none, said once" 1 \
        "$(grep -c 'syslog socket /dev/log: .*; logging to standard error only' "$T/ns0/stderr")"
    check "syslog: with none, the rewrite line is on standard error" \
        grep -q 'action=rewrite orig_to=<diego1@inkacoca.org>' "$T/ns0/stderr"
fi

# A descriptor the starting process left open (here a lock, which would
# stay held as long as the daemon runs) is closed.
: >"$T/held.lock"
exec 9>>"$T/held.lock"
start_milter fds -m "$T/table.db" || fail "fds: the milter starts"
exec 9>&-
check "fds: an inherited descriptor is not kept" \
    sh -c "! ls -l /proc/$MILTER_PID/fd | grep -q held.lock"
check "fds: the map is still open" \
    sh -c "ls -l /proc/$MILTER_PID/fd | grep -q table.db"
stop_milter "$MILTER_PID"

# Privileges: open the socket as root, then run as nobody.
if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
    skip "privileges" "needs root and user nobody"
    exit 0
fi
start_milter priv -m "$T/table.db" -u nobody -o socket_mode=0666 ||
    fail "privileges: starts with -u nobody"
uid=$(id -u nobody)
check "privileges: runs as nobody" \
    grep -Eq "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid" \
    "/proc/$MILTER_PID/status"
check "privileges: no supplementary root group" \
    sh -c "! grep -Eq '^Groups:.*\\b0\\b' /proc/$MILTER_PID/status"
check_eq "privileges: the socket belongs to nobody" nobody \
    "$(stat -c %U "$T/priv.sock")"
check_eq "privileges: socket_mode applies" 666 "$(stat -c %a "$T/priv.sock")"
out=$(printf 'rcpt <diego1@inkacoca.org>\neom\n' | mtclient "unix:$T/priv.sock" 0x17f)
check "privileges: still reads the map" \
    grep -q 'addrcpt <diego1@lima.inkacoca.org>' <<EOF2
$out
EOF2
check "privileges: no warning about running as root" \
    sh -c "! grep -q 'running as root' '$T/priv.log'"
check_rc "privileges: an unknown user stops startup" 1 \
    "$MILTER" -c /dev/null -f -p "unix:$T/u.sock" -m "$T/table.db" -u no-such-user-x
