# tests/lib/debpkg.sh - a Debian package unpacked (not installed) for tests.
#
# deb_unpack PKG: download PKG's .deb with apt-get and unpack it once into
# $TOP/tests/.cache/PKG; print that directory. Nothing is installed, so
# packages that conflict when installed (postfix, sendmail-bin) can both
# be used.

deb_unpack() {
    _pkg=$1
    _dir=$TOP/tests/.cache/$_pkg
    if [ ! -f "$_dir/.unpacked" ]; then
        mkdir -p "$TOP/tests/.cache/debs" || return 1
        (cd "$TOP/tests/.cache/debs" && ls "${_pkg}"_*.deb >/dev/null 2>&1 \
            || apt-get download "$_pkg" >&2) || {
            echo "deb_unpack: cannot download $_pkg" >&2; return 1; }
        rm -rf "$_dir" && mkdir -p "$_dir" &&
        dpkg -x "$(ls "$TOP/tests/.cache/debs/${_pkg}"_*.deb | head -n 1)" "$_dir" &&
        touch "$_dir/.unpacked" || return 1
    fi
    echo "$_dir"
}
