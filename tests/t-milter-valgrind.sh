#!/bin/sh
# t-milter-valgrind.sh - mailswitch-milter under valgrind: rewrites,
# rejects, a loop, an abort, a map reload and a bad map, configuration
# reloads (a good one and a bad one), socketmap requests good and bad
# (and connections left open at the stop), 400 signals in a row, then a
# clean stop, with no memory errors and nothing lost.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"
trap milter_cleanup EXIT

if ! command -v valgrind >/dev/null 2>&1; then
    skip "milter under valgrind" "valgrind not installed"
    exit 0
fi
[ -x "$MILTER" ] || { fail "mailswitch-milter built"; exit 1; }
if grep -q __asan_init "$MILTER"; then
    skip "milter under valgrind" "built with AddressSanitizer (SANITIZE=1)"
    exit 0
fi

compile_map "$TOP/tests/milter/table.txt" "$T/table.db" &&
    compile_map "$TOP/tests/milter/replace-new.txt" "$T/new.db" ||
    { fail "compile maps"; exit 1; }
cp "$T/table.db" "$T/live.db"
printf 'map = %s\n' "$T/live.db" >"$T/vg.conf"

valgrind --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --log-file="$T/valgrind.log" \
    "$MILTER" -c "$T/vg.conf" -f -p "unix:$T/vg.sock" -o allow_root=yes \
    -o "stats_file=$T/vg.stats" -o "socketmap=unix:$T/vg.sm" >"$T/vg.log" 2>&1 &
VG_PID=$!
MILTER_PIDS=$VG_PID
wait_for "milter under valgrind" grep -q 'starting ' "$T/vg.log" ||
    { fail "milter starts under valgrind"; cat "$T/vg.log"; exit 1; }
S=unix:$T/vg.sock

mtclient "$S" >"$T/out1" <<'EOF2'
rcpt <DIEGO1@INKACOCA.ORG> NOTIFY=SUCCESS
rcpt <nobody@inkacoca.org>
rcpt <busy@example.net>
rcpt <x@a.test>
rcpt <info@example.net>
rcpt <diego1@switch.inkacoca.org>
rcpt <joe+foo@example.com> ORCPT=rfc822;joe+2Bfoo@example.com
eom
rcpt <diego1@inkacoca.org>
abort
rcpt <a+b+c@plus.test>
eom
EOF2
check "valgrind: first connection answered" \
    grep -q 'addrcpt_par <plus.a.b+c@other.net>' "$T/out1"

cp "$T/new.db" "$T/live.tmp" && mv "$T/live.tmp" "$T/live.db"
wait_for "reload" grep -q 'reloaded (generation 2)' "$T/vg.log"
printf 'x\n' >"$T/live.tmp" && mv "$T/live.tmp" "$T/live.db"
wait_for "bad map" grep -q 'still serving' "$T/vg.log"
printf 'rcpt <mover@inkacoca.org>\neom\n' | mtclient "$S" 0x17f >"$T/out2"
check "valgrind: served from the reloaded map" \
    grep -q 'addrcpt <mover@cuzco.inkacoca.org>' "$T/out2"
kill -USR2 "$VG_PID"
wait_for "stats" grep -q 'stats: ' "$T/vg.log"

printf 'map = %s\nmap = %s\nhop_limit = 5\n' "$T/new.db" "$T/table.db" >"$T/vg.conf"
kill -HUP "$VG_PID"
wait_for "configuration reload" grep -q 'SIGHUP: configuration reloaded' "$T/vg.log"
printf 'rcpt <someone@example.org>\neom\n' | mtclient "$S" 0x17f >"$T/out3"
check "valgrind: after SIGHUP, served from the maps the file names" \
    grep -q 'addrcpt <someone@mail.example.net>' "$T/out3"
printf 'map = %s\nno_such_key = 1\n' "$T/table.db" >"$T/vg.conf"
kill -HUP "$VG_PID"
wait_for "refused reload" grep -q 'SIGHUP: the configuration has errors' "$T/vg.log"

# Signals in quick succession, while the main thread is busy with the
# previous ones: a SIGHUP must never reach libmilter's own signal thread,
# which would stop the milter.
for _i in $(seq 1 100); do
    kill -USR2 "$VG_PID" && kill -HUP "$VG_PID" && kill -USR1 "$VG_PID" &&
        kill -HUP "$VG_PID" || break
done
sleep 2
printf 'rcpt <mover@inkacoca.org>\neom\n' | mtclient "$S" 0x17f >"$T/out4"
check "valgrind: 400 signals in a row, the milter still serves" \
    grep -q 'addrcpt <mover@cuzco.inkacoca.org>' "$T/out4"

# The socketmap service (from the reloaded map): answers, pipelining, a big request, bad frames,
# and two connections left open (one with half a request) at the stop.
PYTHONPATH=$TOP/tests/lib SM=unix:$T/vg.sm python3 -c '
import os, sys
from socketmap import Client, frame
SM = os.environ["SM"]
c = Client(SM)
out = [c.ask("virtual", "mover@inkacoca.org"), c.ask("access", "nobody@inkacoca.org"),
       c.ask("virtual", "x@a.test")]
c.send(frame(b"virtual list@example.net") * 50 + frame(b"virtual " + b"y" * 90000))
out += [c.recv().decode() for _ in range(51)][-2:]
for bad in (b"junk", b"100001:", b"3:abc;"):
    d = Client(SM)
    d.send(bad)
    out.append(d.recv().decode() + (" closed" if d.closed() else " open"))
e = Client(SM)
e.send(b"30:virtual half")
print("\n".join(out))
sys.stdout.flush()
os.kill(int(sys.argv[1]), 15)
e.closed(timeout=60)
' "$VG_PID" >"$T/sm.out" 2>&1
check "valgrind: the socketmap service answered" \
    grep -q "^OK mover@cuzco.inkacoca.org$" "$T/sm.out"
check "valgrind: ... and refused the bad frames" \
    test "$(grep -c '^PERM .* closed$' "$T/sm.out")" -eq 3

kill "$VG_PID" 2>/dev/null
wait_for "valgrind to finish" sh -c "! kill -0 $VG_PID" || kill -9 "$VG_PID"
wait "$VG_PID"
rc=$?
check_eq "valgrind: exit status 0 (no errors, no leaks)" 0 "$rc"
check "valgrind: no memory errors" \
    grep -q 'ERROR SUMMARY: 0 errors' "$T/valgrind.log"
check "valgrind: nothing definitely lost" \
    grep -Eq 'definitely lost: 0 bytes|no leaks are possible' "$T/valgrind.log"
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T/valgrind.log" | tail -40
