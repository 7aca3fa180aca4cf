# tests/lib/wait.sh - the one way tests wait for an event.
#
# wait_until SECONDS WHAT COMMAND...
#     run COMMAND every 0.1 s until it succeeds, at most SECONDS * 10
#     times (so bounded in count and, but for COMMAND's own time, in
#     seconds); on time-out say "timed out waiting for WHAT" on standard
#     error and return 1. COMMAND's standard error is discarded. Sets
#     WAITED to the tenths of a second waited (a diagnostic, never a
#     pass/fail threshold).
#
# Events to wait for, rather than for time: a log line (grep -q), a
# socket (test -S), a port (port_listens), a process gone (pid_gone), a
# file's contents, a counter in a stats file.

wait_until() {
    _wu_n=$(( $1 * 10 )) _wu_what=$2
    shift 2
    WAITED=0
    while ! "$@" 2>/dev/null; do
        if [ "$WAITED" -ge "$_wu_n" ]; then
            echo "# timed out waiting for $_wu_what" >&2
            return 1
        fi
        sleep 0.1
        WAITED=$((WAITED + 1))
    done
}

# pid_gone PID: PID no longer runs (or is a zombie, whose parent reaps
# it). A killed threaded process shows its main thread as a zombie while
# the other threads still exit and still hold its files and locks: it is
# gone when no thread but the zombie is left.
pid_gone() {
    ! kill -0 "$1" 2>/dev/null && return 0
    ps -o stat= -p "$1" 2>/dev/null | grep -q '^Z' || return 1
    [ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" -le 1 ]
}

# stop_pid SECONDS WHAT PID: end PID (SIGTERM), wait at most SECONDS
# for it to go, then SIGKILL; reap it when it is this shell's child.
stop_pid() {
    kill "$3" 2>/dev/null
    wait_until "$1" "$2 to exit" pid_gone "$3" || kill -KILL "$3" 2>/dev/null
    wait "$3" 2>/dev/null
    return 0
}

# port_listens PORT: something listens on 127.0.0.1:PORT (TCP).
port_listens() {
    ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

# log_has FILE PATTERN: FILE has a line matching the extended PATTERN.
log_has() {
    grep -Eq -- "$2" "$1"
}

# watchdog_start SECONDS: end this test (SIGTERM to its shell, after a
# "not ok" line) when it still runs after SECONDS, well before
# tests/run's own timeout, so that its EXIT trap still has the time to
# clean up. Sets WATCHDOG, the pid to kill when the test ends.
watchdog_start() {
    _wd_test=$$
    (
        trap 'kill $nap 2>/dev/null; exit 0' TERM
        sleep "$1" &
        nap=$!
        wait $nap && echo "not ok - the test took more than $1 s" &&
            kill -TERM $_wd_test
    ) &
    WATCHDOG=$!
}
