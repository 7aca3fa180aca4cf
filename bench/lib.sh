# bench/lib.sh - shared by bench/compile and bench/resolve: options, the
# cached table and address list, the three tools (maptool, sendmail's
# makemap, Postfix's postmap from an unpacked package) and timing.
#
# Source it after setting TOP to the repository root. Big files go under
# $TOP/bench/out only; per-run scratch files live in $WORK there and are
# removed on exit.

OUT=$TOP/bench/out
ENTRIES=1000000		# -n: entries in the table
SEED=1			# -s: gen-table seed
COUNT=1000000		# -c: addresses to resolve
RUNS=1			# -r: runs per tool; the fastest counts
STRICT=0		# -S: a missed target makes the exit status 3
PATTERNS=		# -p FILE: also run with these pattern entries
MAPTOOL=${MAPTOOL:-$TOP/maptool/maptool}
MAKEMAP=${MAKEMAP:-/usr/libexec/sendmail/makemap}

bench_usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
    exit 2
}

# bench_options "$@": the options both scripts take.
bench_options() {
    while getopts n:s:c:r:p:Sh opt; do
        case $opt in
        n) ENTRIES=$OPTARG ;;
        s) SEED=$OPTARG ;;
        c) COUNT=$OPTARG ;;
        r) RUNS=$OPTARG ;;
        p) PATTERNS=$OPTARG ;;
        S) STRICT=1 ;;
        *) bench_usage ;;
        esac
    done
    shift $((OPTIND - 1))
    [ $# -eq 0 ] || bench_usage
    for v in "$ENTRIES" "$SEED" "$COUNT" "$RUNS"; do
        case $v in ''|*[!0-9]*) echo "$0: not a number: $v" >&2; exit 2 ;; esac
    done
    [ "$RUNS" -ge 1 ] && [ "$ENTRIES" -ge 1 ] || bench_usage
}

# bench_init: output folder, scratch folder, tools present.
bench_init() {
    sh "$TOP/build-aux/install-deps" bench
    mkdir -p "$OUT"
    WORK=$(mktemp -d "$OUT/tmp.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
    trap 'rm -rf "$WORK"; exit 130' INT TERM
    TAG=$ENTRIES-s$SEED
    TABLE=$OUT/vut-$TAG.txt
    [ -x "$MAKEMAP" ] || { echo "$0: no makemap at $MAKEMAP" >&2; exit 1; }
    if [ -x "$MAPTOOL" ]; then
        HAVE_MAPTOOL=1
    else
        HAVE_MAPTOOL=0
        echo "$0: $MAPTOOL is not built (run make)" >&2
    fi
    postmap_setup
    STATUS=0
}

# postmap_setup: Postfix unpacked (never installed: it conflicts with
# sendmail-bin), a config directory that is just enough for postmap, and
# $POSTMAP, a wrapper that runs the unpacked postmap with it.
postmap_setup() {
    . "$TOP/tests/lib/debpkg.sh"
    PFX=$(deb_unpack postfix) || { echo "$0: cannot unpack postfix" >&2; exit 1; }
    PFCONF=$OUT/postfix-conf
    POSTMAP=$PFCONF/postmap
    mkdir -p "$PFCONF"
    # mail_owner and setgid_group must exist and differ from nobody/nogroup;
    # use Postfix's own accounts when a test helper has made them.
    owner=daemon group=mail
    id postfix >/dev/null 2>&1 && owner=postfix
    getent group postdrop >/dev/null 2>&1 && group=postdrop
    printf '%s\n' 'compatibility_level = 3.6' "mail_owner = $owner" \
        "setgid_group = $group" >"$PFCONF/main.cf"
    printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s -c %s "$@"\n' \
        "'$PFX/usr/lib/postfix'" "'$PFX/usr/sbin/postmap'" "'$PFCONF'" >"$POSTMAP"
    chmod +x "$POSTMAP"
}

# ensure_table: the ENTRIES/SEED table, made once and kept in bench/out.
ensure_table() {
    if [ ! -s "$TABLE" ] || [ "$TOP/bench/gen-table" -nt "$TABLE" ]; then
        echo "generating $TABLE ..."
        python3 "$TOP/bench/gen-table" -n "$ENTRIES" -s "$SEED" >"$WORK/table"
        mv "$WORK/table" "$TABLE"
    fi
    cat "$TABLE" >/dev/null		# into the page cache before timing
}

# ensure_addresses: COUNT addresses for that table, kept in bench/out.
ensure_addresses() {
    ADDRS=$OUT/addr-$TAG-c$COUNT.txt
    if [ ! -s "$ADDRS" ] || [ "$TOP/bench/gen-table" -nt "$ADDRS" ]; then
        echo "generating $ADDRS ..."
        python3 "$TOP/bench/gen-table" -q -n "$ENTRIES" -s "$SEED" \
            -c "$COUNT" >"$WORK/addrs"
        mv "$WORK/addrs" "$ADDRS"
    fi
    cat "$ADDRS" >/dev/null
}

# timed NAME CMD...: run CMD once under /usr/bin/time, its stdout kept in
# $WORK/NAME.out; sets T_WALL (s), T_CPU (user+sys s), T_RSS (KB).
# Returns CMD's exit status.
timed() {
    _name=$1; shift
    _rc=0
    /usr/bin/time -f '%e %U %S %M' -o "$WORK/$_name.time" "$@" \
        >"$WORK/$_name.out" || _rc=$?
    # On failure time writes "Command exited ..." first: take the last line.
    set -- $(tail -n 1 "$WORK/$_name.time")
    T_WALL=$1 T_CPU=$(awk "BEGIN { print $2 + $3 }") T_RSS=$4
    return $_rc
}

# best NAME RUNS CMD...: timed RUNS times; keeps the fastest wall time (and
# its CPU) and the largest peak RSS in B_WALL, B_CPU, B_RSS.
best() {
    _bname=$1 _runs=$2; shift 2
    B_WALL= B_CPU= B_RSS=0
    _i=0
    while [ "$_i" -lt "$_runs" ]; do
        timed "$_bname" "$@" || return $?
        if [ -z "$B_WALL" ] || awk "BEGIN { exit !($T_WALL < $B_WALL) }"; then
            B_WALL=$T_WALL B_CPU=$T_CPU
        fi
        [ "$T_RSS" -gt "$B_RSS" ] && B_RSS=$T_RSS
        _i=$((_i + 1))
    done
}

# ratio A B: A/B with one decimal; "-" when either is missing, or B is
# zero (too small a run to time).
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.1f\n", a / b }'
}

mb() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }

# target LABEL OK: print whether a target was met; remember a miss.
target() {
    if [ "$2" = 1 ]; then
        printf '  target %-44s met\n' "$1"
    else
        printf '  target %-44s MISSED\n' "$1"
        [ "$STRICT" = 1 ] && [ "$STATUS" = 0 ] && STATUS=3
    fi
    return 0
}

# fail MESSAGE: report a broken run (a tool failed, a check differs).
fail() {
    echo "FAIL: $*"
    STATUS=1
}
