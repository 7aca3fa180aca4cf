# tests/milter/lib.sh - start, stop and talk to mailswitch-milter in
# tests. Source after tests/lib/tap.sh; needs TOP, MILTER, MAPTOOL, T.
#
# Every milter started here is killed by milter_cleanup (install it
# with trap). Loops are bounded; sockets live under $T or on 127.0.0.1.

. "$TOP/tests/lib/wait.sh"
MILTER_PIDS=
MILTER_LUA=$TOP/tests/milter

# compile_map SRC OUT.db: with maptool, or sendmail's makemap before
# maptool exists.
compile_map() {
    if [ -x "$MAPTOOL" ]; then
        "$MAPTOOL" compile -o "$2" "$1"
    else
        grep -v '^#' "$1" | /usr/sbin/makemap hash "${2%.db}"
    fi
}

# wait_for NAME COMMAND...: wait_until (tests/lib/wait.sh) for up to 10 s.
wait_for() {
    wait_until 10 "$@"
}

# start_milter NAME ARGS...: run the milter in the foreground (logging
# to $T/NAME.log) on unix:$T/NAME.sock unless ARGS name a socket, with
# no configuration file (-c /dev/null: the host's never counts) unless
# ARGS name one; wait until it accepts connections. Sets MILTER_PID. Run
# by root without -u, it runs as root (allow_root = yes).
start_milter() {
    _name=$1; shift
    case " $* " in
    *" -p "*) ;;
    *) set -- -p "unix:$T/$_name.sock" "$@" ;;
    esac
    case " $* " in
    *" -c "*) ;;
    *) set -- -c /dev/null "$@" ;;
    esac
    case " $* " in
    *" -u "*|*" user="*) ;;
    *) [ "$(id -u)" -ne 0 ] || set -- -o allow_root=yes "$@" ;;
    esac
    "$MILTER" -f "$@" >"$T/$_name.log" 2>&1 &
    MILTER_PID=$!
    MILTER_PIDS="$MILTER_PIDS $MILTER_PID"
    wait_for "$_name to start" grep -q 'starting ' "$T/$_name.log" || {
        cat "$T/$_name.log" >&2
        return 1
    }
}

# stop_milter PID: SIGTERM, and wait (libmilter notices within ~5 s).
stop_milter() {
    kill "$1" 2>/dev/null
    wait_for "pid $1 to exit" pid_gone "$1" || kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

milter_cleanup() {
    for _p in $MILTER_PIDS; do
        kill "$_p" 2>/dev/null
    done
    for _p in $MILTER_PIDS; do
        wait_for "pid $_p to exit" pid_gone "$_p" ||
            kill -9 "$_p" 2>/dev/null
    done
}

# run_lua SCRIPT SOCKET [NAME=VALUE...]: run tests/milter/SCRIPT.lua
# under miltertest; its TAP lines go to standard output. Values may not
# contain white space.
run_lua() {
    _script=$1 _sock=$2; shift 2
    _defs=
    for _d in "$@"; do
        _defs="$_defs -D $_d"
    done
    # shellcheck disable=SC2086
    miltertest -D "SOCKET=$_sock" -D "LIB=$MILTER_LUA/lib.lua" $_defs \
        -s "$MILTER_LUA/$_script.lua" >"$T/$_script.out" 2>&1
    _rc=$?
    grep -E '^(not )?ok |^#' "$T/$_script.out"
    if [ $_rc -ne 0 ]; then
        fail "$_script.lua ran to the end (miltertest exit $_rc)"
        sed 's/^/#   /' "$T/$_script.out" | grep -v -E '^#   (not )?ok '
    fi
}

# mtclient SOCKET [ACTIONS]: tests/milter/mtclient.py, script on stdin.
mtclient() {
    python3 "$MILTER_LUA/mtclient.py" "$@"
}

# start_workers N SOCKET SCRIPT: N mtclient connections to SOCKET at once
# (actions 0x17f), worker W running what "SCRIPT W" prints, its output in
# $T/out.W. wait_workers N: waits for them; WORKERS_FAILED is how many
# did not finish cleanly.
start_workers() {
    _sw=0
    while [ $_sw -lt "$1" ]; do
        "$3" $_sw >"$T/script.$_sw"
        mtclient "$2" 0x17f <"$T/script.$_sw" >"$T/out.$_sw" 2>&1 &
        eval "WPID_$_sw=\$!"
        _sw=$((_sw + 1))
    done
}

wait_workers() {
    _sw=0 WORKERS_FAILED=0
    while [ $_sw -lt "$1" ]; do
        eval "wait \$WPID_$_sw" || WORKERS_FAILED=$((WORKERS_FAILED + 1))
        _sw=$((_sw + 1))
    done
}
