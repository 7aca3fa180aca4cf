# tests/lib/valgrind.sh - run a command under valgrind as one check.
# Source after tap.sh; skips the calling test when valgrind is missing.

if ! command -v valgrind >/dev/null 2>&1; then
    skip "$(basename "$0" .sh)" "valgrind not installed"
    exit 0
fi
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"

# vg NAME COMMAND...: COMMAND runs clean under valgrind (its own exit
# status does not matter here, only valgrind's 99).
vg() {
    _n=$1; shift
    $VG "$@" >"$T/vg.out" 2>"$T/vg.err"
    if [ $? -eq 99 ]; then
        fail "valgrind: $_n"
        sed 's/^/#   /' "$T/vg.err" | head -n 40
    else
        pass "valgrind: $_n"
    fi
}
