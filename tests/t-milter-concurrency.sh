#!/bin/sh
# t-milter-concurrency.sh - many connections at once while the map is
# replaced again and again: every message is answered, and the two
# recipients of each message are resolved against the same map (a
# transaction keeps the snapshot it started with), never a mix.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"
trap milter_cleanup EXIT

[ -x "$MILTER" ] || { fail "mailswitch-milter built"; exit 1; }
WORKERS=8
MESSAGES=40
SWAPS=10
PAUSE=${PAUSE:-0.15}       # between the two recipients of a message

# Two maps for the same 60 users: one sends them to Lima, one to Cuzco.
i=0
: >"$T/lima.txt"
: >"$T/cuzco.txt"
while [ $i -lt 60 ]; do
    echo "user$i@inkacoca.org user$i@lima.inkacoca.org" >>"$T/lima.txt"
    echo "user$i@inkacoca.org user$i@cuzco.inkacoca.org" >>"$T/cuzco.txt"
    i=$((i + 1))
done
compile_map "$T/lima.txt" "$T/lima.db" &&
    compile_map "$T/cuzco.txt" "$T/cuzco.db" &&
    cp "$T/lima.db" "$T/live.db" || { fail "compile maps"; exit 1; }

start_milter conc -m "$T/live.db" -o "stats_file=$T/conc.stats" ||
    { fail "milter starts"; exit 1; }
PID=$MILTER_PID

# Each worker: one connection, MESSAGES messages of two recipients, with
# a pause between the two so that swaps fall inside transactions. The
# times printed around the pause show which transactions a reload fell in.
worker_script() {
    m=0
    while [ $m -lt $MESSAGES ]; do
        a=$(( ($1 * 7 + m) % 59 ))
        echo "rcpt <user$a@inkacoca.org>"
        echo "time"
        echo "sleep $PAUSE"
        echo "time"
        echo "rcpt <user$((a + 1))@inkacoca.org>"
        echo "eom"
        m=$((m + 1))
    done
}
start_workers $WORKERS "unix:$T/conc.sock" worker_script

# answered_at_least N: the workers have N messages answered.
answered_at_least() {
    [ "$(cat "$T"/out.* | grep -c '^eom: continue$')" -ge "$1" ]
}

# The swaps are spread over the run: swap S comes once S / (SWAPS + 1) of
# the messages are answered. Each is made at once (SIGUSR1); the time
# before the new map is in place and after its reload is logged bound
# the moment of the reload, in $T/swaps.
: >"$T/swaps"
s=0
while [ $s -lt $SWAPS ]; do
    if [ $((s % 2)) -eq 0 ]; then src=cuzco; else src=lima; fi
    wait_until 30 "messages answered" \
        answered_at_least $(( (s + 1) * WORKERS * MESSAGES / (SWAPS + 1) ))
    t0=$(date +%s.%N)
    cp "$T/$src.db" "$T/live.tmp" && mv "$T/live.tmp" "$T/live.db" && kill -USR1 "$PID"
    wait_until 10 "reload $((s + 1))" \
        grep -q "reloaded (generation $((s + 2)))" "$T/conc.log"
    echo "$t0 $(date +%s.%N)" >>"$T/swaps"
    s=$((s + 1))
done

wait_workers $WORKERS
check_eq "concurrency: every worker finished cleanly" 0 "$WORKERS_FAILED"

all=$(cat "$T"/out.*)
check_eq "concurrency: every message answered" $((WORKERS * MESSAGES)) \
    "$(echo "$all" | grep -c '^eom: continue$')"
check_eq "concurrency: no recipient tempfailed or rejected" 0 \
    "$(echo "$all" | grep -c 'reply\|tempfail\|reject')"
# Per message, the two additions name the same branch.
mixed=$(cat "$T"/out.* | awk '
    /^eom: addrcpt/ { split($3, p, "@"); branch[n++] = p[2] }
    /^eom: continue/ { if (n != 2 || branch[0] != branch[1]) bad++; n = 0 }
    END { print bad + 0 }')
check_eq "concurrency: no message resolved against two maps" 0 "$mixed"
# A message whose first recipient was answered before a swap began, and
# whose second was sent after that reload was logged, had a reload fall
# between its two recipients: there must be some, or the check above
# proved nothing.
overlapped=$(cat "$T"/out.* | awk -v swaps="$T/swaps" '
    BEGIN { while ((getline line < swaps) > 0) { split(line, w, " "); b[n] = w[1]; e[n++] = w[2] } }
    /^time: / { t[k++] = $2; next }
    /^eom: continue/ {
        for (i = 0; i < n; i++)
            if (k == 2 && t[0] < b[i] && t[1] > e[i]) { c++; break }
        k = 0
    }
    END { print c + 0 }')
echo "# $overlapped messages had a reload between their two recipients"
check "concurrency: some messages had a reload between their recipients ($overlapped)" \
    test "$overlapped" -gt 0
check "concurrency: both maps were served" \
    sh -c "cat '$T'/out.* | grep -q cuzco && cat '$T'/out.* | grep -q lima"
reloads=$(grep -c 'reloaded (generation' "$T/conc.log")
check_eq "concurrency: the map was reloaded under load, once per swap" "$SWAPS" "$reloads"
stop_milter "$PID"
check_eq "concurrency: recipients counted" $((WORKERS * MESSAGES * 2)) \
    "$(sed -n 's/^recipients //p' "$T/conc.stats")"
