#!/bin/sh
# t-milter-files.sh - the files the milter writes as root are never
# written through a planted symbolic link: the pid file (opened before
# privileges are dropped) refuses a link or a non-regular file with a
# clear message; the stats file's temporary file replaces a link rather
# than following it. Each victim file must keep its content.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"
trap milter_cleanup EXIT

[ -x "$MILTER" ] || { fail "mailswitch-milter built"; exit 1; }
need_root "planted links against root"
compile_map "$TOP/tests/milter/table.txt" "$T/table.db" ||
    { fail "compile table"; exit 1; }

# run_to_end NAME ARGS...: start the milter in the foreground; it must
# stop by itself (refusing); a copy still running after 10 s is killed.
run_to_end() {
    _n=$1; shift
    "$MILTER" -f -p "unix:$T/$_n.sock" -m "$T/table.db" -o allow_root=yes \
        "$@" >"$T/$_n.out" 2>&1 &
    _p=$!
    MILTER_PIDS="$MILTER_PIDS $_p"
    wait_for "$_n to stop" sh -c "! kill -0 $_p" || kill "$_p"
    wait "$_p"
}

echo precious >"$T/victim"
ln -s "$T/victim" "$T/link.pid"
run_to_end pidlink -P "$T/link.pid"
check_eq "pid file: a symbolic link stops startup (exit 1)" 1 $?
check "pid file: the message says it is a link" \
    grep -q "pid file $T/link.pid: is a symbolic link; refusing to follow it" \
    "$T/pidlink.out"
check_eq "pid file: the link's target is untouched" precious "$(cat "$T/victim")"

mkfifo "$T/fifo.pid"
run_to_end pidfifo -P "$T/fifo.pid"
check_eq "pid file: a FIFO stops startup (exit 1)" 1 $?
check "pid file: the message says it is not a regular file" \
    grep -q "pid file $T/fifo.pid: not a regular file; refusing to use it" \
    "$T/pidfifo.out"

echo precious >"$T/victim2"
ln "$T/victim2" "$T/hard.pid"
run_to_end pidhard -P "$T/hard.pid"
check_eq "pid file: a file with another hard link stops startup" 1 $?
check_eq "pid file: and the other name keeps its content" precious \
    "$(cat "$T/victim2")"

# A plain pid file still works, and is written.
start_milter pidok -m "$T/table.db" -P "$T/ok.pid" || fail "pid file: a plain one works"
check_eq "pid file: a plain one holds the pid" "$MILTER_PID" "$(cat "$T/ok.pid")"
stop_milter "$MILTER_PID"

# The stats file: its temporary file is a planted link to a root file.
echo precious >"$T/victim3"
ln -s "$T/victim3" "$T/m.stats.tmp"
start_milter stats -m "$T/table.db" -o "stats_file=$T/m.stats" ||
    fail "stats: the milter starts"
wait_for "the stats file" test -s "$T/m.stats"
check "stats: the stats file is written" grep -q '^recipients 0$' "$T/m.stats"
check_eq "stats: the planted link's target is untouched" precious \
    "$(cat "$T/victim3")"
check "stats: the stats file is a plain file, not the link" \
    test -f "$T/m.stats" -a ! -L "$T/m.stats"
stop_milter "$MILTER_PID"
