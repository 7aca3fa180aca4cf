#!/bin/sh
# t-socketmap.sh - mailswitch-milter's socketmap service (socketmap =):
# the answers of the tables "virtual" and "access" for every kind of
# entry, TEMP where the resolver cannot say, the connection handling
# (50 at once, pipelining, the idle timeout, the connection bound, PERM
# and close for oversize and malformed netstrings), the milter side
# answering while socketmap clients misbehave, reloads seen by both,
# and the counters. The client is tests/lib/socketmap.py.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"

[ -x "$MILTER" ] && [ -x "$MAPTOOL" ] || { fail "mailswitch-milter and maptool built"; exit 1; }
command -v python3 >/dev/null 2>&1 || { skip "socketmap" "python3 missing"; exit 0; }
trap 'milter_cleanup' EXIT
trap 'exit 1' INT TERM HUP

SMPY=$TOP/tests/lib/socketmap.py
tab=$(printf '\t')

# --- configuration ------------------------------------------------------------
"$MILTER" -c /dev/null -n -p "unix:$T/x.sock" -m /dev/null -o socketmap=/no/type \
    >"$T/cfg.out" 2>&1
check_eq "config: a socketmap spec without a type is refused (exit 2)" 2 $?
check "config: ... saying what was meant" grep -q 'did you mean unix:/no/type' "$T/cfg.out"
"$MILTER" -c /dev/null -n -p "unix:$T/x.sock" -m /dev/null -o socketmap_timeout=0 \
    >"$T/cfg.out" 2>&1
check_eq "config: socketmap_timeout = 0 is refused (exit 2)" 2 $?

# --- the map ------------------------------------------------------------------
cat >"$T/table.txt" <<'EOF'
diego1@inkacoca.org	diego1@lima.inkacoca.org
list@example.net	a@x.test, b@y.test, c@z.test
big@example.net	a@x.test, b@y.test, c@z.test, d@w.test
nobody@example.net	error:nouser 550 User unknown
busy@example.net	error:4.2.1:450 Mailbox busy
maria@branch.test	maria1
self@s.test	self@s.test, other@s.test
lone@s.test	lone@s.test
joe+*@example.com	joe-any%3@other.net
joe@example.com	joe@other.net
@a.test	%1@b.test
@b.test	%1@a.test
hop1@h.test	hop2@h.test
hop2@h.test	hop3@h.test
hop3@h.test	hop4@h.test
mover@example.net	mover@old.test
/^(a+)+@bt\.test$/	never@x.test
EOF
"$MAPTOOL" compile -o "$T/map.db" "$T/table.txt" >"$T/compile.out" 2>&1 ||
    { fail "compile the map"; cat "$T/compile.out"; exit 1; }

SM=unix:$T/sm.sock
check "milter starts with a socketmap" start_milter main -m "$T/map.db" \
    -o "socketmap=$SM" -o socketmap_timeout=3 -o max_added_recipients=3 \
    -o hop_limit=2 -o "stats_file=$T/main.stats" || exit 1
MAIN_PID=$MILTER_PID
check "the socketmap socket exists" test -S "$T/sm.sock"
check "startup names the socketmap" grep -q "socketmap service on $SM" "$T/main.log"

# ask TABLE KEY: the answer's payload.
ask() {
    python3 "$SMPY" "$SM" "$1" "$2" | cut -f2-
}
answer_is() {
    check_eq "$1 $2" "$3" "$(ask "$1" "$2")"
}

# --- answers ------------------------------------------------------------------
answer_is virtual diego1@inkacoca.org "OK diego1@lima.inkacoca.org"
answer_is virtual DIEGO1@InkaCoca.ORG "OK diego1@lima.inkacoca.org"
answer_is virtual diego1@lima.inkacoca.org "NOTFOUND "
answer_is virtual list@example.net "OK a@x.test,b@y.test,c@z.test"
answer_is virtual b@y.test "NOTFOUND "
answer_is virtual unknown@elsewhere.test "NOTFOUND "
answer_is virtual nobody@example.net "NOTFOUND "
answer_is access nobody@example.net "OK 550 5.1.1 User unknown"
answer_is access busy@example.net "OK 450 4.2.1 Mailbox busy"
answer_is virtual busy@example.net "TEMP Mailbox busy"
answer_is access diego1@inkacoca.org "NOTFOUND "
answer_is access unknown@elsewhere.test "NOTFOUND "
# Bare local names: answered as written, and final as a key.
answer_is virtual maria@branch.test "OK maria1"
answer_is virtual maria1 "NOTFOUND "
answer_is virtual branch.test "NOTFOUND "
# Self-maps: a list keeps its own address; a lone one is a loop.
answer_is virtual self@s.test "OK self@s.test,other@s.test"
answer_is virtual other@s.test "NOTFOUND "
answer_is virtual lone@s.test "TEMP Mail routing loop: cycle: lone@s.test -> lone@s.test"
answer_is access lone@s.test "OK 451 4.4.6 Mail routing loop: cycle: lone@s.test -> lone@s.test"
# +detail: the whole address, %3 keeping the detail; the result is final.
answer_is virtual joe+news@example.com "OK joe-any+news@other.net"
answer_is virtual joe@example.com "OK joe@other.net"
answer_is virtual joe-any+news@other.net "NOTFOUND "
# TEMP where the resolver cannot say: a cycle, hops over hop_limit, a list
# over max_added_recipients, a map that fails (pattern over its match limit).
answer_is virtual x@a.test "TEMP Mail routing loop: cycle: x@a.test -> x@b.test -> x@a.test"
answer_is virtual hop1@h.test "TEMP Mail routing loop: too many hops: hop1@h.test -> hop2@h.test -> hop3@h.test -> hop4@h.test"
answer_is virtual big@example.net "TEMP too many recipients after rewriting (max_added_recipients)"
long=$(printf 'a%.0s' $(seq 1 60))
check "virtual: a map that fails answers TEMP" \
    sh -c "python3 '$SMPY' '$SM' virtual '${long}b@bt.test' | grep -q '${tab}TEMP .*match limit exceeded'"
check "access: a map that fails answers TEMP" \
    sh -c "python3 '$SMPY' '$SM' access '${long}b@bt.test' | grep -q '${tab}TEMP .*match limit exceeded'"
# Requests that are no lookup here: PERM, and the connection goes on.
check_eq "an unknown table answers PERM, the connection goes on" \
    "PERM no such table here (virtual, access)|OK diego1@lima.inkacoca.org" \
    "$(printf 'aliases diego1@inkacoca.org\nvirtual diego1@inkacoca.org\n' |
        python3 "$SMPY" "$SM" - | cut -f2- | paste -sd'|')"

# --- connections (tests/lib/socketmap.py as a module) ----------------------------
# sm_py CODE: run CODE with Client, frame and SM in scope; it prints the result.
sm_py() {
    PYTHONPATH=$TOP/tests/lib SM=$SM python3 -c "
import os, socket, time
from socketmap import Client, frame
SM = os.environ['SM']
$1"
}

check_eq "50 connections at once, each answered" "50" "$(sm_py '
cs = [Client(SM) for _ in range(50)]
for i, c in enumerate(cs):
    c.send(frame(b"virtual u%d@a.test" % i if i % 2 else b"virtual diego1@inkacoca.org"))
good = 0
for i, c in enumerate(cs):
    a = c.recv().decode()
    good += a.startswith("TEMP Mail routing loop") if i % 2 else a == "OK diego1@lima.inkacoca.org"
print(good)')"

check_eq "100 pipelined requests in one write, answered in order" "100" "$(sm_py '
c = Client(SM)
keys = [b"list@example.net", b"nobody@example.net", b"b@y.test", b"joe+n@example.com"] * 25
want = ["OK a@x.test,b@y.test,c@z.test", "NOTFOUND ", "NOTFOUND ", "OK joe-any+n@other.net"] * 25
c.send(b"".join(frame(b"virtual " + k) for k in keys))
print(sum(c.recv().decode() == w for w in want))')"

check_eq "a request split across many writes is answered" "OK a@x.test,b@y.test,c@z.test" "$(sm_py '
c = Client(SM)
for b in frame(b"virtual list@example.net"):
    c.send(bytes([b]))
print(c.recv().decode())')"

check_eq "a netstring of 100000 bytes is a request (answered, connection kept)" \
    "NOTFOUND |OK diego1@lima.inkacoca.org" "$(sm_py '
c = Client(SM)
req = b"virtual " + b"x" * (100000 - 8)
c.send(frame(req))
a1 = c.recv().decode()
print(a1 + "|" + c.ask("virtual", "diego1@inkacoca.org"))')"

# refused DATA: the answer to raw DATA, and whether the server then hung up.
refused() {
    sm_py "
c = Client(SM)
c.send($1)
a = c.recv().decode()
print(a + ('|closed' if c.closed() else '|open'))"
}
check_eq "over 100000 bytes: PERM and close, as soon as the length is read" \
    "PERM request longer than 100000 bytes|closed" "$(refused 'b"100001:"')"
check_eq "a length of many digits: PERM and close" \
    "PERM request longer than 100000 bytes|closed" "$(refused 'b"99999999999999999999:x,"')"
check_eq "no length: PERM and close" "PERM malformed netstring|closed" \
    "$(refused 'b"virtual diego1@inkacoca.org"')"
check_eq "no comma after the payload: PERM and close" "PERM malformed netstring|closed" \
    "$(refused 'b"3:abc;"')"
check_eq "a length with a leading zero: PERM and close" "PERM malformed netstring|closed" \
    "$(refused 'b"03:abc,"')"
check_eq "a good request, then garbage: the answer, then PERM and close" \
    "OK diego1@lima.inkacoca.org|PERM malformed netstring|closed" "$(sm_py '
c = Client(SM)
c.send(frame(b"virtual diego1@inkacoca.org") + b"junk")
a, b = c.recv().decode(), c.recv().decode()
print(a + "|" + b + ("|closed" if c.closed() else "|open"))')"
check_eq "a request without a key answers PERM, the connection goes on" \
    "PERM bad request: want \"NAME KEY\"|NOTFOUND " "$(sm_py '
c = Client(SM)
c.send(frame(b"virtual"))
print(c.recv().decode() + "|" + c.ask("virtual", "b@y.test"))')"

check "an idle connection is closed (socketmap_timeout = 3)" sm_py '
c = Client(SM)
assert c.ask("virtual", "b@y.test") == "NOTFOUND "
assert c.closed(timeout=15)'

# --- the milter side while socketmap clients misbehave --------------------------
# 150 connections with half a request each, and one client that pipelines
# 100000 requests and reads none of the answers; meanwhile the milter
# answers a transaction, and a new socketmap client is answered too.
MTCLIENT=$MILTER_LUA/mtclient.py MSOCK=unix:$T/main.sock
export MTCLIENT MSOCK
sm_py '
import select, subprocess, sys
half = [Client(SM) for _ in range(150)]
for c in half:
    c.send(b"30:virtual diego")
flood = Client(SM)
flood.sock.setblocking(False)
burst = frame(b"virtual list@example.net") * 100000
sent = 0
# Send until done, or until the socket stays full for 2 s: the service
# stops reading once its answers to this client are not taken.
while sent < len(burst) and select.select([], [flood.sock], [], 2.0)[1]:
    try:
        sent += flood.sock.send(burst[sent:])
    except BlockingIOError:
        pass
out = subprocess.run([sys.executable, os.environ["MTCLIENT"], os.environ["MSOCK"], "0x17f"],
                     input="rcpt <diego1@inkacoca.org>\neom\n", capture_output=True,
                     text=True, timeout=30).stdout
print("milter:", out.replace("\n", "|"))
print("socketmap:", Client(SM).ask("virtual", "diego1@inkacoca.org"))
print("flood-blocked:", sent < len(burst))
' >"$T/misbehave.out" 2>&1
check "misbehaving clients: the milter still rewrites" \
    grep -q '^milter: rcpt <diego1@inkacoca.org>: continue|eom: delrcpt <diego1@inkacoca.org>|eom: addrcpt <diego1@lima.inkacoca.org>' "$T/misbehave.out"
check_eq "misbehaving clients: a new socketmap client is answered" \
    "socketmap: OK diego1@lima.inkacoca.org" "$(grep '^socketmap:' "$T/misbehave.out")"
check_eq "misbehaving clients: the flood was held back (bounded buffers)" \
    "flood-blocked: True" "$(grep '^flood-blocked:' "$T/misbehave.out")"
check "misbehaving clients: the milter process is still up" kill -0 "$MAIN_PID"

# --- reloads: one snapshot for both sides -----------------------------------------
sed 's/^mover@example.net.*/mover@example.net\tmover@new.test/' "$T/table.txt" >"$T/table2.txt"
"$MAPTOOL" compile -o "$T/map2.db" "$T/table2.txt" && cp "$T/map2.db" "$T/map.tmp" &&
    mv "$T/map.tmp" "$T/map.db" || fail "compile the second map"
kill -USR1 "$MAIN_PID"
wait_for "reload" grep -q "reloaded (generation 2)" "$T/main.log"
answer_is virtual mover@example.net "OK mover@new.test"
check "reload: the milter side has the new map too" sh -c \
    "printf 'rcpt <mover@example.net>\neom\n' | python3 '$MTCLIENT' '$MSOCK' 0x17f | grep -q 'addrcpt <mover@new.test>'"

# --- counters -------------------------------------------------------------------
kill -USR2 "$MAIN_PID"
wait_for "stats" grep -q '^socketmap_perm [1-9]' "$T/main.stats"
for c in connections requests ok notfound temp perm; do
    check "counter socketmap_$c counts" grep -q "^socketmap_$c [1-9]" "$T/main.stats"
done
check "counters: ok + notfound + temp + perm = requests" awk '
    $1 == "socketmap_requests" { r = $2 }
    $1 ~ /^socketmap_(ok|notfound|temp|perm)$/ { s += $2 }
    END { exit !(r > 0 && r == s) }' "$T/main.stats"
check "counters: the failing map is counted in map_errors" grep -q '^map_errors [1-9]' "$T/main.stats"

# --- the connection bound -------------------------------------------------------
check "milter starts with socketmap_max_connections = 2" start_milter two -m "$T/map.db" \
    -o "socketmap=unix:$T/two.sm" -o socketmap_max_connections=2
TWO_PID=$MILTER_PID
SM_MAIN=$SM SM=unix:$T/two.sm
check_eq "a third connection waits until one of two closes" "waits|OK diego1@lima.inkacoca.org" \
    "$(sm_py '
import select
a, b = Client(SM), Client(SM)
assert a.ask("virtual", "b@y.test") == "NOTFOUND "
assert b.ask("virtual", "b@y.test") == "NOTFOUND "
c = Client(SM)
c.send(frame(b"virtual diego1@inkacoca.org"))
ready = select.select([c.sock], [], [], 1.0)[0]
a.close()
print(("answered early" if ready else "waits") + "|" + c.recv().decode())')"
SM=$SM_MAIN

# --- stop -------------------------------------------------------------------------
stop_milter "$TWO_PID"
check "stop: the socketmap socket is removed" test ! -e "$T/two.sm"
export MAIN_PID
held=$(sm_py '
c = Client(SM)
print(c.ask("virtual", "b@y.test"))
os.kill(int(os.environ["MAIN_PID"]), 15)
print("closed" if c.closed(timeout=20) else "open")' 2>&1 | paste -sd'|')
check_eq "stop: an open socketmap connection does not hold up SIGTERM" "NOTFOUND |closed" "$held"
check "stop: the milter exits" wait_for "exit" pid_gone "$MAIN_PID"
check "stop: logged" grep -q 'stopped' "$T/main.log"
check "stop: the socketmap socket is removed" test ! -e "$T/sm.sock"
