#!/bin/sh
# t-tsan.sh - the milter and maptool built with ThreadSanitizer (clang,
# tests/tsan/build/, apart from the gcc objects) where they run threads:
#
#   the milter serving parallel connections while its map is replaced
#   again and again, announced by SIGUSR1 or left to its file check,
#   with SIGUSR2 asking for statistics meanwhile; the map has a list, a
#   catch-all and /pattern/ entries, so lookups, pattern matches and
#   reloads all meet; its socketmap service answers parallel
#   connections (a thread each) meanwhile, and is stopped with some of
#   them still open;
#
#   maptool verify -j 2 on a build whose domain map carries a /pattern/
#   entry, so both workers match patterns of the same tables (five
#   runs: ThreadSanitizer sees a race only when the two accesses fall
#   close enough together).
#
# Any ThreadSanitizer report fails, except those tests/tsan/suppressions
# lists (inside libmilter only, each explained).
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"
. "$TOP/tests/lib/clang.sh"
. "$TOP/tests/lib/topology.sh"
trap milter_cleanup EXIT

WORKERS=6
MESSAGES=25
SWAPS=8
TSAN_DIR=$TOP/tests/tsan/build
TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1"
TSAN_OPTIONS="$TSAN_OPTIONS suppressions=$TOP/tests/tsan/suppressions"
export TSAN_OPTIONS

clang_build tsan-build "maptool and the milter build with -fsanitize=thread"

# races LOG WHAT: no ThreadSanitizer report in LOG; else show the first.
races() {
    _n=$(grep -c 'WARNING: ThreadSanitizer' "$1")
    if [ "$_n" -eq 0 ]; then
        pass "$2: no ThreadSanitizer report"
        return
    fi
    fail "$2: $_n ThreadSanitizer reports"
    awk '/WARNING: ThreadSanitizer/ { on = 1 } on && /^ +#[0-9]/ { n++ }
         on { print } n >= 12 { exit }' "$1" | sed 's/ (.*//; s/^/#   /'
}

# The milter under load. Two maps of the same users, one sending them to
# Lima, one to Cuzco; both with a list, a catch-all and patterns.
for branch in lima cuzco; do
    i=0
    while [ $i -lt 40 ]; do
        echo "user$i@inkacoca.org user$i@$branch.inkacoca.org"
        i=$((i + 1))
    done >"$T/$branch.txt"
    cat >>"$T/$branch.txt" <<EOT
team@inkacoca.org user1@$branch.inkacoca.org, user2@$branch.inkacoca.org
/^sales-([0-9]+)@inkacoca\\.org\$/ sales\$1@$branch.inkacoca.org
/^(a+)+b@inkacoca\\.org\$/ error:nouser 550 5.1.1 No such user
@old.inkacoca.org %1@inkacoca.org
EOT
    compile_map "$T/$branch.txt" "$T/$branch.db" || { fail "compile $branch map"; exit 1; }
done
cp "$T/lima.db" "$T/live.db" || exit 1

MILTER=$TSAN_DIR/milter/mailswitch-milter
if ! start_milter tsan -m "$T/live.db" -o "stats_file=$T/tsan.stats" \
        -o "socketmap=unix:$T/tsan.sm"; then
    fail "the ThreadSanitizer milter starts"
    exit 1
fi
PID=$MILTER_PID

# worker_script W: MESSAGES messages to plain, pattern, catch-all and
# list recipients.
worker_script() {
    m=0
    while [ $m -lt $MESSAGES ]; do
        a=$(( ($1 * 7 + m) % 39 ))
        echo "rcpt <user$a@inkacoca.org>"
        echo "rcpt <sales-$m@inkacoca.org>"
        echo "rcpt <user$((a + 1))@old.inkacoca.org>"
        echo "rcpt <team@inkacoca.org>"
        [ $((m % 5)) -eq 0 ] && echo "rcpt <aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@inkacoca.org>"
        echo "eom"
        echo "sleep 0.15"
        m=$((m + 1))
    done
}
start_workers $WORKERS "unix:$T/tsan.sock" worker_script

# Socketmap clients beside them: each asks for users of the map until
# told to stop, and counts the answers that name a branch; two more
# connections stay open and idle until the milter stops.
PYTHONPATH=$TOP/tests/lib SM=unix:$T/tsan.sm STOP=$T/sm.stop python3 -c '
import os, threading, time
from socketmap import Client
SM, STOP = os.environ["SM"], os.environ["STOP"]
idle = [Client(SM) for _ in range(2)]
counts = []
def ask(n):
    c, good = Client(SM), 0
    while not os.path.exists(STOP):
        a = c.ask("virtual", "user%d@inkacoca.org" % (n % 40))
        good += a.startswith("OK user") and ".inkacoca.org" in a
        n += 7
    counts.append(good)
ts = [threading.Thread(target=ask, args=(i,)) for i in range(6)]
for t in ts: t.start()
for t in ts: t.join()
print(len(counts), min(counts), flush=True)
time.sleep(120)' >"$T/sm.out" 2>&1 </dev/null &
SMLOAD=$!

# Replace the map while the workers run: odd swaps announced by SIGUSR1,
# even ones left to the file check; statistics asked for meanwhile.
s=0
while [ $s -lt $SWAPS ]; do
    if [ $((s % 2)) -eq 0 ]; then src=cuzco; else src=lima; fi
    cp "$T/$src.db" "$T/live.tmp" && mv "$T/live.tmp" "$T/live.db"
    [ $((s % 2)) -eq 1 ] && kill -USR1 "$PID"
    kill -USR2 "$PID"
    sleep 0.5
    s=$((s + 1))
done

wait_workers $WORKERS
: >"$T/sm.stop"
_i=0
while [ ! -s "$T/sm.out" ] && [ $_i -lt 300 ]; do sleep 0.1; _i=$((_i + 1)); done
set -- $(cat "$T/sm.out")
check "socketmap: 6 parallel clients each answered under load ($*)" \
    test "${1:-0}" = 6 -a "${2:-0}" -gt 0
check_eq "milter: every worker finished cleanly" 0 "$WORKERS_FAILED"
check_eq "milter: every message answered" $((WORKERS * MESSAGES)) \
    "$(cat "$T"/out.* | grep -c '^eom: continue$')"
reloads=$(grep -c 'reloaded (generation' "$T/tsan.log")
check "milter: the map was reloaded under load ($reloads times)" test "$reloads" -ge 2
stop_milter "$PID"
kill "$SMLOAD" 2>/dev/null
races "$T/tsan.log" "milter under load with map replacements, SIGUSR1 and SIGUSR2"

# maptool verify -j 2 over a build whose domain map has a pattern.
mkdir -p "$T/topo/users" || exit 1
example_topology "$T/topo/t.topology" "role postmaster n0"
i=0
while [ $i -lt 20 ]; do
    echo "n$i" >>"$T/topo/users/north"
    echo "s$i" >>"$T/topo/users/south"
    i=$((i + 1))
done
"$MAPTOOL" build "$T/topo/t.topology" -o "$T/build" >"$T/build.out" 2>&1 &&
    printf '/^former-[a-z]+@example\\.test$/\terror:nouser 550 5.1.1 No longer here\n' \
        >>"$T/build/domain.vut" &&
    "$MAPTOOL" compile -o "$T/build/domain.db" "$T/build/domain.vut" ||
    { fail "a build with a pattern in its domain map"; cat "$T/build.out"; exit 1; }
# A race shows only when both workers meet the same lazily built cache
# early enough: five runs.
run=1 bad=0
: >"$T/verify.err"
while [ $run -le 5 ]; do
    "$TSAN_DIR/maptool/maptool" verify -j 2 "$T/build" >"$T/verify.out" 2>>"$T/verify.err" ||
        bad=$((bad + 1))
    run=$((run + 1))
done
check_eq "maptool verify -j 2 (ThreadSanitizer build) proves the build, five runs" 0 "$bad"
races "$T/verify.err" "maptool verify -j 2 with a /pattern/ in the domain map"
