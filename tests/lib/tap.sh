# tests/lib/tap.sh - helpers for test scripts run by tests/run.
# Source it; then use ok/fail/skip/check_eq/check_rc.

# Results go to fd 8, the test's own standard output, so that a check
# whose command is redirected (check_rc ... >file) still reports.
exec 8>&1
pass() { echo "ok - $*${TODO:+ # TODO $TODO}" >&8; }
fail() { echo "not ok - $*${TODO:+ # TODO $TODO}" >&8; }
skip() { echo "ok - $1 # SKIP ${2:-}" >&8; }

# TODO=REASON before checks marks them as a known defect of the code
# under test (TAP's "# TODO"): tests/run counts such a failure apart and
# lists it, and names such a check that passes, so that the mark is
# dropped once the code is fixed. Set TODO= again after them.
TODO=

# check NAME COMMAND...: pass when COMMAND succeeds.
check() {
    _n=$1; shift
    if "$@"; then pass "$_n"; else fail "$_n"; fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        fail "$1"
        printf '#   expected: %s\n#   got:      %s\n' "$2" "$3" >&8
    fi
}

# check_rc NAME EXPECTED_STATUS COMMAND...
check_rc() {
    _n=$1 _want=$2; shift 2
    "$@"
    _got=$?
    if [ "$_got" -eq "$_want" ]; then
        pass "$_n"
    else
        fail "$_n (exit $_got, wanted $_want)"
    fi
}

# need_root NAME: skip the rest of the test unless we are root.
need_root() {
    if [ "$(id -u)" -ne 0 ]; then
        skip "$1" "needs root"
        exit 0
    fi
}
