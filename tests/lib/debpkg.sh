# tests/lib/debpkg.sh - Debian packages unpacked (not installed) for tests.
#
# Nothing is installed, so packages that conflict when installed (postfix,
# sendmail-bin) can both be used. The download happens in the dependency
# step (build-aux/install-deps, run by make check), never at test time:
#
#   sh tests/lib/debpkg.sh fetch PKG...
#       for each PKG, the version apt would install now: download its .deb
#       into tests/.cache/debs and unpack it into tests/.cache/PKG-VERSION,
#       once; the trees and .debs of other versions are removed, and
#       tests/.cache/PKG.current names the tree in use.
#
# Sourced (with $TOP set), for tests:
#
#   deb_unpack PKG   print the directory of PKG's unpacked tree; fail,
#                    saying so, when the dependency step has not fetched it.

deb_cache() {
    echo "$TOP/tests/.cache"
}

deb_unpack() {
    _deb_c=$(deb_cache)
    _deb_d=$(cat "$_deb_c/$1.current" 2>/dev/null)
    if [ -z "$_deb_d" ] || [ ! -f "$_deb_c/$_deb_d/.unpacked" ]; then
        echo "deb_unpack: no unpacked $1 in tests/.cache:" \
            "run the dependency step (make deps-test)" >&2
        return 1
    fi
    echo "$_deb_c/$_deb_d"
}

# deb_fetch PKG: see above.
deb_fetch() {
    _deb_c=$(deb_cache)
    _deb_v=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
    case $_deb_v in
    ''|'(none)')
        if deb_unpack "$1" >/dev/null 2>&1; then
            echo "debpkg: apt knows no version of $1; keeping $(cat "$_deb_c/$1.current")" >&2
            return 0
        fi
        echo "debpkg: apt knows no version of $1 (apt-get update?)" >&2
        return 1 ;;
    esac
    _deb_d=$1-$(printf '%s' "$_deb_v" | tr ':~' '__')
    if [ -f "$_deb_c/$_deb_d/.unpacked" ]; then
        echo "$_deb_d" >"$_deb_c/$1.current"
        return 0
    fi
    mkdir -p "$_deb_c/debs" || return 1
    _deb_f=
    for _deb_x in "$_deb_c/debs/$1"_*.deb; do
        [ -f "$_deb_x" ] || continue
        if [ "$(dpkg-deb -f "$_deb_x" Version)" = "$_deb_v" ]; then
            _deb_f=$_deb_x
        else
            rm -f "$_deb_x"
        fi
    done
    if [ -z "$_deb_f" ]; then
        (cd "$_deb_c/debs" && apt-get download -q "$1=$_deb_v" >.apt.log 2>&1) || {
            echo "debpkg: cannot download $1 $_deb_v:" >&2
            cat "$_deb_c/debs/.apt.log" >&2; return 1; }
        for _deb_x in "$_deb_c/debs/$1"_*.deb; do
            [ "$(dpkg-deb -f "$_deb_x" Version 2>/dev/null)" = "$_deb_v" ] && _deb_f=$_deb_x
        done
        [ -n "$_deb_f" ] || { echo "debpkg: no .deb of $1 $_deb_v after download" >&2; return 1; }
    fi
    for _deb_x in "$_deb_c/$1"-[0-9]*; do
        [ -d "$_deb_x" ] && rm -rf "$_deb_x"
    done
    rm -rf "${_deb_c:?}/$1"     # the unversioned tree of earlier versions of this file
    mkdir -p "$_deb_c/$_deb_d" && dpkg -x "$_deb_f" "$_deb_c/$_deb_d" &&
        touch "$_deb_c/$_deb_d/.unpacked" &&
        echo "$_deb_d" >"$_deb_c/$1.current" || {
        echo "debpkg: cannot unpack $_deb_f" >&2; rm -rf "${_deb_c:?}/$_deb_d"; return 1; }
    echo "debpkg: $1 $_deb_v unpacked in tests/.cache/$_deb_d"
}

if [ "$(basename "$0")" = debpkg.sh ] && [ "${1:-}" = fetch ]; then
    TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
    shift
    for _deb_p; do
        deb_fetch "$_deb_p" || exit 1
    done
fi
