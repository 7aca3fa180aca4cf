#!/bin/sh
# t-layers.sh - the source layers include only from the layers below them,
# and the milter binary carries no topology code.
#
#   lib/util/   no mail knowledge          includes: util
#   lib/        the virtusertable core      includes: util, core
#   topology/   the topology feature        includes: util, core, topology
#   milter/     the milter front end        includes: util, core, milter
#   maptool/    the command-line front end  includes: everything but milter
. "$TOP/tests/lib/tap.sh"
cd "$TOP" || exit 1

# layer_of HEADER: the layer that holds it, or "none".
layer_of() {
    for _d in lib/util lib topology milter maptool; do
        [ -f "$_d/$1" ] && { echo "$_d"; return; }
    done
    echo none
}

# check_layer DIR ALLOWED...: every "local" include of DIR/*.[ch] is
# found in one of the ALLOWED directories.
check_layer() {
    _dir=$1; shift
    _bad=
    for _f in "$_dir"/*.[ch]; do
        for _h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$_f"); do
            _l=$(layer_of "$_h")
            case " $* " in
                *" $_l "*) ;;
                *) _bad="$_bad $_f:$_h($_l)" ;;
            esac
        done
    done
    if [ -z "$_bad" ]; then
        pass "layers: $_dir includes only from: $*"
    else
        fail "layers: $_dir includes from above:$_bad"
    fi
}

check_layer lib/util lib/util
check_layer lib lib/util lib
check_layer topology lib/util lib topology
check_layer milter lib/util lib milter
check_layer maptool lib/util lib topology maptool

# A header the checker cannot place is a mistake too (a file moved
# without its includes being updated).
check_eq "layers: every local header exists in one layer" "" \
    "$(for f in lib/util/*.[ch] lib/*.[ch] topology/*.[ch] milter/*.[ch] \
        maptool/*.[ch]; do
        sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | while read -r h; do
            [ "$(layer_of "$h")" = none ] && echo "$f:$h"
        done
    done)"

# The link is the proof: the milter binary defines no symbol of the
# topology layer, nor the table checks' regex sampler.
if [ -x "$MILTER" ] && command -v nm >/dev/null 2>&1; then
    topo_syms=$(nm topology/libtopology.a 2>/dev/null |
        awk '$2 ~ /^[TDBR]$/ {print $3}' | sort -u)
    check "layers: topology library has symbols to look for" \
        test -n "$topo_syms"
    found=$(nm "$MILTER" | awk '$2 ~ /^[TtDdBbRr]$/ {print $3}' | sort -u |
        grep -Fx "$(printf '%s\n' $topo_syms regex_sample regex_sample_pattern)")
    check_eq "layers: the milter links no topology or sampler symbol" "" "$found"
else
    fail "layers: milter binary or nm missing"
fi
