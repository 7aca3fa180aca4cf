# tests/lib/clang.sh - the clang-built trees (make tsan-build, fuzz-build).
#
# clang_build TARGET WHAT
#     make TARGET into $T/build.log: one TAP line WHAT, passed when it
#     builds; without clang or on a failed build (whose last lines are
#     shown) the test ends there, exit 1.

clang_build() {
    if ! command -v clang >/dev/null 2>&1; then
        fail "clang installed (build-aux/install-deps test)"
        exit 1
    fi
    if ! make -C "$TOP" "$1" >"$T/build.log" 2>&1; then
        fail "$2"
        tail -n 20 "$T/build.log" | sed 's/^/#   /'
        exit 1
    fi
    pass "$2"
}
