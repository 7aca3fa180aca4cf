# tests/lib/valgrind.sh - run a command under valgrind as one check.
# Source after tap.sh; skips the calling test when valgrind is missing,
# and when the programs are built with AddressSanitizer (valgrind cannot
# run them: it would exit at once, and every check would pass unseen).
#
#   vg NAME COMMAND...        COMMAND runs clean under valgrind
#   vg_rc NAME RC COMMAND...  and exits RC, so that it did its work

if ! command -v valgrind >/dev/null 2>&1; then
    skip "$(basename "$0" .sh)" "valgrind not installed"
    exit 0
fi
if grep -q __asan_init "$MAPTOOL" 2>/dev/null; then
    skip "$(basename "$0" .sh)" "built with AddressSanitizer (SANITIZE=1)"
    exit 0
fi
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"

# vg_run COMMAND...: under valgrind; output in $T/vg.out, $T/vg.err.
vg_run() {
    $VG "$@" >"$T/vg.out" 2>"$T/vg.err"
}

vg() {
    _n=$1; shift
    vg_run "$@"
    if [ $? -eq 99 ]; then
        fail "valgrind: $_n"
        sed 's/^/#   /' "$T/vg.err" | head -n 40
    else
        pass "valgrind: $_n"
    fi
}

vg_rc() {
    _n=$1 _want=$2; shift 2
    vg_run "$@"
    _got=$?
    if [ $_got -eq "$_want" ]; then
        pass "valgrind: $_n"
    else
        fail "valgrind: $_n (exit $_got, wanted $_want)"
        sed 's/^/#   /' "$T/vg.err" | head -n 40
    fi
}
