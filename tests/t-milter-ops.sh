#!/bin/sh
# t-milter-ops.sh - what an administrator runs and reads: -n checks as
# the configured user (every problem named, one line each), -s tells a
# running milter from a dead one and shows each map's generation,
# entries, load time and reload error, the Prometheus metrics file
# (promtool accepts it; its values move), and log_file (key=value lines
# with a time stamp, reopened after a rename on SIGUSR2).

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"
. "$TOP/tests/lib/port.sh"

[ -x "$MILTER" ] || { fail "mailswitch-milter built"; exit 1; }
need_root "checks as an unprivileged user"
id nobody >/dev/null 2>&1 || { fail "user nobody exists"; exit 1; }
DPID= LPID=
cleanup() {
    [ -n "$DPID" ] && kill "$DPID" 2>/dev/null
    [ -n "$LPID" ] && kill "$LPID" 2>/dev/null
    milter_cleanup
}
trap cleanup EXIT

# $T/run and $T/log belong to nobody, as /run/mailswitch would to the
# milter's user; $T/ro is root's.
chmod 755 "$T"
mkdir "$T/run" "$T/log" "$T/ro" "$T/maps" && chown nobody "$T/run" "$T/log" ||
    { fail "scratch directories"; exit 1; }
compile_map "$TOP/tests/milter/table.txt" "$T/maps/m.db" &&
    cp "$T/maps/m.db" "$T/maps/secret.db" && chmod 644 "$T/maps/m.db" &&
    chmod 600 "$T/maps/secret.db" || { fail "compile table"; exit 1; }

# conf FILE [KEY = VALUE lines...]: a working configuration; each line
# given replaces the one of its key (a map is added).
conf() {
    _f=$1; shift
    printf '%s\n' "socket = unix:$T/run/m.sock" "map = $T/maps/m.db" \
        "user = nobody" "pid_file = $T/run/m.pid" \
        "stats_file = $T/run/m.stats" "metrics_file = $T/run/m.prom" \
        "log_file = $T/log/m.log" >"$_f"
    for _l in "$@"; do
        _k=${_l%% =*}
        [ "$_k" = map ] || { grep -v "^$_k =" "$_f" >"$_f.new"; mv "$_f.new" "$_f"; }
        printf '%s\n' "$_l" >>"$_f"
    done
}

# preflight NAME [KEY = VALUE lines...]: -n on conf plus the lines; the
# exit status in PF_RC, standard error in $T/NAME.err.
preflight() {
    _n=$1; shift
    conf "$T/$_n.conf" "$@"
    "$MILTER" -n -c "$T/$_n.conf" >"$T/$_n.out" 2>"$T/$_n.err"
    PF_RC=$?
}

# --- -n ----------------------------------------------------------------------
preflight clean
check_eq "preflight: a clean configuration passes" 0 "$PF_RC"
check "preflight: and says the maps are readable as the user" \
    grep -q "configuration OK, 1 map(s) readable as user nobody" "$T/clean.out"
check_eq "preflight: with nothing on standard error" "" "$(cat "$T/clean.err")"

# expect_problem NAME EXPECTED-LINE CONFIG-LINES...: -n exits 1 and names
# the problem on a line of its own (a fixed string, the whole line).
expect_problem() {
    _name=$1 _want=$2; shift 2
    preflight "$_name" "$@"
    check_eq "preflight: $_name: exits 1" 1 "$PF_RC"
    if grep -qxF -- "mailswitch-milter: $_want" "$T/$_name.err"; then
        pass "preflight: $_name: named"
    else
        fail "preflight: $_name: named"
        sed 's/^/#   /' "$T/$_name.err" >&8
    fi
    check_eq "preflight: $_name: one problem counted" \
        "mailswitch-milter: 1 problem found" "$(tail -n 1 "$T/$_name.err")"
}

expect_problem "map unreadable by the user" \
    "cannot open map $T/maps/secret.db: permission denied (owner uid 0, mode 0600; we run as uid $(id -u nobody)) (as user nobody)" \
    "map = $T/maps/secret.db"
expect_problem "missing pid directory" \
    "pid file directory $T/nopid: No such file or directory" \
    "pid_file = $T/nopid/m.pid"
expect_problem "stats directory unwritable by the user" \
    "stats file directory $T/ro: not writable by user nobody (Permission denied)" \
    "stats_file = $T/ro/m.stats"
expect_problem "log directory unwritable by the user" \
    "log file directory $T/ro: not writable by user nobody (Permission denied)" \
    "log_file = $T/ro/m.log"

# A unix socket something listens on, and an inet address in use.
python3 -c 'import socket, sys, time
u = socket.socket(socket.AF_UNIX); u.bind(sys.argv[1]); u.listen()
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen()
print(t.getsockname()[1], flush=True)
time.sleep(120)' "$T/busy.sock" >"$T/busy.port" &
LPID=$!
wait_for "the listeners" test -s "$T/busy.port" ||
    fail "preflight: listeners for the socket checks"
busy=$(cat "$T/busy.port")
expect_problem "unix socket in use" \
    "socket unix:$T/busy.sock is in use by another process" \
    "socket = unix:$T/busy.sock"
expect_problem "inet socket in use" \
    "socket inet:$busy@127.0.0.1 is in use by another process" \
    "socket = inet:$busy@127.0.0.1"
free=$(free_port)
preflight "free inet socket" "socket = inet:$free@127.0.0.1"
check_eq "preflight: a free inet socket passes" 0 "$PF_RC"

# Everything wrong at once: every problem, each on its line.
preflight all "map = $T/maps/secret.db" "pid_file = $T/nopid/m.pid" \
    "stats_file = $T/ro/m.stats" "log_file = $T/ro/m.log" \
    "socket = unix:$T/busy.sock"
check_eq "preflight: all at once: exits 1" 1 "$PF_RC"
check_eq "preflight: all at once: five problems, five lines and a count" \
    "6|mailswitch-milter: 5 problems found" \
    "$(wc -l <"$T/all.err" | tr -d ' ')|$(tail -n 1 "$T/all.err")"
kill "$LPID"
LPID=

# --- the daemon: -s, the metrics file, the log file ---------------------------
conf "$T/d.conf"
touch -d @1600000000 "$T/maps/m.db"	# older than any start: mtime is not loaded
"$MILTER" -c "$T/d.conf" >"$T/d.out" 2>&1
check_eq "daemon: starts with the clean configuration" 0 $?
DPID=$(cat "$T/run/m.pid" 2>/dev/null)
[ -n "$DPID" ] || { fail "daemon: pid file written"; cat "$T/d.out" >&2; exit 1; }
MILTER_PIDS="$MILTER_PIDS $DPID"
S=unix:$T/run/m.sock

# -n before a reload: the running milter's pid file and socket are its own.
"$MILTER" -n -c "$T/d.conf" >"$T/n-running.out" 2>&1
check_eq "preflight: with the milter running, the same configuration passes" 0 $?
check "preflight: ... and a note says the socket is the running milter's" \
    grep -q "note: socket unix:$T/run/m.sock is in use, by the milter already running" \
    "$T/n-running.out"

stats() { "$MILTER" -c "$T/d.conf" -s; }
# metric NAME{LABELS}: its value in the metrics file.
metric() {
    awk -v m="$1" '$1 == m { print $2 }' "$T/run/m.prom"
}
wait_for "the metrics file" test -s "$T/run/m.prom"

check "-s: exits 0 while the milter runs" sh -c "'$MILTER' -c '$T/d.conf' -s >'$T/s1.out'"
check "-s: the counters as before" grep -q '^recipients 0$' "$T/s1.out"
maprx="^map $T/maps/m.db generation=1 entries=[0-9][0-9]* loaded=[0-9][0-9]* mtime=[0-9][0-9]* error=-\$"
check "-s: one line per map, in the documented form" grep -q "$maprx" "$T/s1.out"
check_eq "-s: the entries counted" \
    "$(grep -vc '^#\|^$' "$TOP/tests/milter/table.txt")" \
    "$(sed -n 's/^map .* entries=\([0-9]*\) .*/\1/p' "$T/s1.out")"
check_eq "-s: mtime is the map file's" 1600000000 \
    "$(sed -n 's/^map .* mtime=\([0-9]*\) .*/\1/p' "$T/s1.out")"

promtool check metrics <"$T/run/m.prom" >"$T/promtool.out" 2>&1
check_eq "metrics: promtool check metrics accepts the file" "0|" \
    "$?|$(cat "$T/promtool.out")"
check_eq "metrics: nothing forwarded yet" 0 \
    "$(metric 'mailswitch_recipients_total{action="forward"}')"
check_eq "metrics: the map's generation" 1 \
    "$(metric "mailswitch_map_generation{map=\"$T/maps/m.db\"}")"
check_eq "metrics: the start time" "$(sed -n 's/^started //p' "$T/s1.out")" \
    "$(metric mailswitch_start_time_seconds)"

# Traffic: a rewrite and a reject, with a queue id.
printf '%s\n' 'macro R i QID7' 'rcpt <diego1@inkacoca.org>' \
    'rcpt <nobody@inkacoca.org>' 'rcpt <info@example.net>' 'eom' |
    mtclient "$S" 0x17f >"$T/t1.out"
check "traffic: the rewrite happened" grep -q 'addrcpt <diego1@lima.inkacoca.org>' "$T/t1.out"
check "metrics: forwarded recipients counted" wait_for "forward=2" \
    sh -c "[ \"\$(awk '\$1 == \"mailswitch_recipients_total{action=\\\"forward\\\"}\" { print \$2 }' '$T/run/m.prom')\" = 2 ]"
check_eq "metrics: rejected, messages" "1 1" \
    "$(metric 'mailswitch_recipients_total{action="reject"}') $(metric mailswitch_messages_total)"
promtool check metrics <"$T/run/m.prom" >"$T/promtool.out" 2>&1
check_eq "metrics: still accepted after traffic" "0|" "$?|$(cat "$T/promtool.out")"

# A transaction held open shows in flight, and no longer once it ends
# (aborted: no counter moves then, the file is rewritten all the same).
printf '%s\n' 'rcpt <diego1@inkacoca.org>' 'sleep 4' 'abort' |
    mtclient "$S" 0x17f >/dev/null &
HOLD=$!
check "metrics: a transaction in flight" wait_for "in flight 1" \
    sh -c "grep -qx 'mailswitch_transactions_in_flight 1' '$T/run/m.prom'"
wait "$HOLD"
check "metrics: none in flight once it ended" wait_for "in flight 0" \
    sh -c "grep -qx 'mailswitch_transactions_in_flight 0' '$T/run/m.prom'"

# The log file: one key=value line per recipient, with a time stamp.
ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}'
check "log file: the rewrite, one key=value line" grep -Eqx \
    "$ts mailswitch-milter\[$DPID\]: QID7: action=rewrite orig_to=<diego1@inkacoca.org> to=<diego1@lima.inkacoca.org> map=$T/maps/m.db" \
    "$T/log/m.log"
check "log file: the reject, one key=value line" grep -Eqx \
    "$ts mailswitch-milter\[$DPID\]: QID7: action=reject to=<nobody@inkacoca.org> map=$T/maps/m.db code=550 dsn=5.1.1 reply=\"User unknown\"" \
    "$T/log/m.log"
check_eq "log file: belongs to the milter's user, mode 0640" "nobody 640" \
    "$(stat -c '%U %a' "$T/log/m.log")"

# logrotate: rename, then SIGUSR2 reopens the path.
mv "$T/log/m.log" "$T/log/m.log.1"
kill -USR2 "$DPID"
check "log file: SIGUSR2 opens the path again" \
    wait_for "a new log file" test -s "$T/log/m.log"
printf '%s\n' 'macro R i QID8' 'rcpt <diego1@inkacoca.org>' 'eom' |
    mtclient "$S" 0x17f >/dev/null
check "log file: new lines go to the new file" wait_for "QID8 line" \
    grep -q 'QID8: action=rewrite' "$T/log/m.log"
check "log file: and not to the renamed one" \
    sh -c "! grep -q QID8 '$T/log/m.log.1'"

# A reload: the generation moves, the entries follow the new map.
old_entries=$(sed -n 's/^map .* entries=\([0-9]*\) .*/\1/p' "$T/s1.out")
{ cat "$TOP/tests/milter/table.txt"; printf 'new@inkacoca.org\tnew-local\n'; } \
    >"$T/table2.txt"
compile_map "$T/table2.txt" "$T/maps/m.db.new" && chmod 644 "$T/maps/m.db.new" &&
    mv "$T/maps/m.db.new" "$T/maps/m.db"
kill -USR1 "$DPID"
check "-s: generation=2 after a reload" wait_for "generation 2" \
    sh -c "'$MILTER' -c '$T/d.conf' -s | grep -q '^map $T/maps/m.db generation=2 '"
stats >"$T/s2.out"
check_eq "-s: the reloaded map's entries" "$((old_entries + 1))" \
    "$(sed -n 's/^map .* entries=\([0-9]*\) .*/\1/p' "$T/s2.out")"
check "-s: no error after a good reload" grep -q "^map .* error=-\$" "$T/s2.out"
check_eq "metrics: the generation follows" 2 \
    "$(metric "mailswitch_map_generation{map=\"$T/maps/m.db\"}")"
check_eq "metrics: one successful reload" 1 \
    "$(metric 'mailswitch_map_reloads_total{result="success"}')"

# A broken map: the old one serves, -s shows the error.
echo "not a map" >"$T/maps/m.db.new" && mv "$T/maps/m.db.new" "$T/maps/m.db"
kill -USR1 "$DPID"
check "-s: a broken map's error shown" wait_for "error=" \
    sh -c "'$MILTER' -c '$T/d.conf' -s | grep -q '^map $T/maps/m.db generation=2 .* error=cannot open map '"
check_eq "metrics: the failed reload counted" 1 \
    "$(metric 'mailswitch_map_reloads_total{result="failure"}')"
check_eq "metrics: the map is marked failing" 1 \
    "$(metric "mailswitch_map_reload_failing{map=\"$T/maps/m.db\"}")"
promtool check metrics <"$T/run/m.prom" >"$T/promtool.out" 2>&1
check_eq "metrics: accepted with a failing map" "0|" "$?|$(cat "$T/promtool.out")"

# --- -s of a dead milter -------------------------------------------------------
kill -9 "$DPID"
wait_for "the milter to die" pid_gone "$DPID"
"$MILTER" -c "$T/d.conf" -s >"$T/s3.out" 2>"$T/s3.err"
check_eq "-s: a killed milter: exits 1" 1 $?
check_eq "-s: says it is not running, the pid file stale" \
    "mailswitch-milter: not running: stale pid file $T/run/m.pid (pid $DPID is gone)" \
    "$(cat "$T/s3.err")"
check_eq "-s: and prints no stale counters" "" "$(cat "$T/s3.out")"
"$MILTER" -c /dev/null -s -o "stats_file=$T/run/m.stats" >/dev/null 2>"$T/s4.err"
check_eq "-s: without a pid file, the stats file's dead pid tells" 1 $?
check "-s: ... and says so" \
    grep -qx "mailswitch-milter: not running: stale stats file $T/run/m.stats (pid $DPID is gone)" "$T/s4.err"
rm -f "$T/run/m.pid"
"$MILTER" -c "$T/d.conf" -s >/dev/null 2>"$T/s5.err"
check_eq "-s: no pid file: exits 1" 1 $?
check "-s: ... and says so" \
    grep -qx "mailswitch-milter: not running: no pid file $T/run/m.pid" "$T/s5.err"
DPID=
