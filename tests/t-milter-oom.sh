#!/bin/sh
# t-milter-oom.sh - out of memory during a map reload: the daemon must
# not abort; the reload fails with a log line and the old map keeps
# serving.
#
# The milter starts on a small map. Its address-space limit (RLIMIT_AS,
# set on the running process with prlimit) is then put 64 MB above what
# it uses while serving, and the map is replaced by one of a million
# keys in a million domains, whose load needs well over 64 MB more (the
# domain table alone). The reload must fail cleanly: the milter still
# answers from the old map. With the limit lifted, SIGUSR1 loads the big
# map, which shows it was the limit that stopped it.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"
trap milter_cleanup EXIT

[ -x "$MILTER" ] && [ -x "$MAPTOOL" ] || { fail "milter and maptool built"; exit 1; }
command -v prlimit >/dev/null 2>&1 || { skip "out of memory" "no prlimit"; exit 0; }
if grep -q __asan_init "$MILTER"; then
    skip "out of memory" "a sanitizer build reserves terabytes of address space"
    exit 0
fi
RAW=$TOP/tests/milter/rawmilter.py

# The daemon links no allocator that exits or aborts on failure.
check_eq "oom: the milter links none of xalloc's exiting allocators" "" \
    "$(nm "$MILTER" | awk '$2 == "T" && $3 ~ /^x(calloc|malloc|realloc|strdup|htable_create|htable_insert)$/')"
check_eq "oom: nor calls abort()" "" "$(nm -u "$MILTER" | grep -w abort)"

echo "keep@old.test kept@served.test" >"$T/small.txt"
"$MAPTOOL" compile -o "$T/live.db" "$T/small.txt" || { fail "compile small map"; exit 1; }
awk 'BEGIN { for (i = 0; i < 1000000; i++)
    printf "u%d@d%d.test u@big%d.test\n", i, i, i % 10 }' >"$T/big.txt"
"$MAPTOOL" compile -o "$T/big.db" "$T/big.txt" >/dev/null ||
    { fail "compile big map"; exit 1; }
rm -f "$T/big.txt"

# One malloc arena: the limit then measures the milter, not glibc's
# per-thread reservations.
MALLOC_ARENA_MAX=1 start_milter oom -m "$T/live.db" ||
    { fail "milter starts"; exit 1; }
PID=$MILTER_PID
ask() { printf 'rcpt <%s>\neom\n' "$1" | python3 "$RAW" "unix:$T/oom.sock"; }
out=$(ask keep@old.test)
check "oom: serves the small map" grep -q 'addrcpt_par <kept@served.test>' <<EOF2
$out
EOF2
vm=$(sed -n 's/^VmSize:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$PID/status")
limit=$(( (vm + 65536) * 1024 ))
echo "# serving: VmSize $vm kB; limit set to $((limit / 1048576)) MB"
check "oom: the address-space limit is set" prlimit --pid "$PID" --as="$limit:"

cp "$T/big.db" "$T/live.tmp" && mv "$T/live.tmp" "$T/live.db"
kill -USR1 "$PID"
wait_for "the failed reload to be logged" \
    grep -q "cannot open map.*live.db.*still serving the copy loaded before" \
    "$T/oom.log"
grep 'live.db' "$T/oom.log" | sed 's/^/# /'
check "oom: the failed reload is logged, naming the map" \
    grep -q "cannot open map.*live.db.*still serving the copy loaded before" \
    "$T/oom.log"
check "oom: the milter is still running" kill -0 "$PID"
out=$(ask keep@old.test)
check "oom: the old map keeps serving" grep -q 'addrcpt_par <kept@served.test>' <<EOF2
$out
EOF2
out=$(ask u5@d5.test)
check "oom: the big map is not served" grep -q '^eom: continue$' <<EOF2
$out
EOF2
check_eq "oom: no recipient of the big map was added" "" \
    "$(echo "$out" | grep addrcpt)"

prlimit --pid "$PID" --as=unlimited:
kill -USR1 "$PID"
wait_for "the big map to load" grep -q 'reloaded (generation 2)' "$T/oom.log"
out=$(ask u5@d5.test)
check "oom: without the limit the big map loads and serves" \
    grep -q 'addrcpt_par <u@big5.test>' <<EOF2
$out
EOF2
stop_milter "$PID"
