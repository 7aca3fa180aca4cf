#!/bin/sh
# syslog-ns.sh DIR LISTEN: run in a mount namespace of its own (unshare -m)
# with an empty /dev. When LISTEN is 1 a datagram socket on /dev/log
# collects what arrives into DIR/syslog; then mailswitch-milter starts in
# the foreground (standard error to DIR/stderr), rewrites one recipient
# and stops. LISTEN 2 is 1 with standard error announced as systemd's
# journal (JOURNAL_STREAM). Needs MILTER, MILTER_LUA and DIR/table.db.
dir=$1 listen=$2
. "$MILTER_LUA/../lib/wait.sh"
mount -t tmpfs -o size=1m,mode=755 tmpfs /dev && mknod -m 666 /dev/null c 1 3 || exit 3
: >"$dir/syslog"
if [ "$listen" != 0 ]; then
    python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.settimeout(20)
with open(sys.argv[1], "ab", buffering=0) as out:
    try:
        while True:
            out.write(s.recv(4096) + b"\n")
    except socket.timeout:
        pass' "$dir/syslog" &
    lpid=$!
    wait_until 10 "the syslog socket" test -S /dev/log
fi
: >"$dir/stderr"
[ "$listen" = 2 ] && JOURNAL_STREAM=$(stat -c %d:%i "$dir/stderr") &&
    export JOURNAL_STREAM
"$MILTER" -c /dev/null -f -p "unix:$dir/ns.sock" -m "$dir/table.db" -o allow_root=yes >>"$dir/stderr" 2>&1 &
mpid=$!
wait_until 10 "the milter to start" grep -q 'starting ' "$dir/stderr"
printf 'rcpt <diego1@inkacoca.org>\neom\n' |
    python3 "$MILTER_LUA/mtclient.py" "unix:$dir/ns.sock" 0x17f >"$dir/answers"
kill "$mpid"
wait "$mpid"
if [ -n "${lpid:-}" ]; then
    # the listener has written the milter's last line
    wait_until 5 "the last line in syslog" grep -q 'stopped' "$dir/syslog"
    kill "$lpid"
    wait "$lpid"
fi
exit 0
