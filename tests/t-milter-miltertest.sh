#!/bin/sh
# t-milter-miltertest.sh - mailswitch-milter at the protocol level:
# miltertest scripts (tests/milter/*.lua) for the outcomes, and
# tests/milter/mtclient.py where miltertest cannot see (the text of a
# RCPT reply, smfi_addrcpt_par() requests, how often an address is
# added). Everything runs on unix sockets under $T or on 127.0.0.1.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"
trap milter_cleanup EXIT

if ! command -v miltertest >/dev/null 2>&1; then
    skip "milter protocol tests" "miltertest not installed"
    exit 0
fi
[ -x "$MILTER" ] || { fail "mailswitch-milter built"; exit 1; }

M=$TOP/tests/milter
compile_map "$M/table.txt" "$T/table.db" || { fail "compile table"; exit 1; }

# --- one rewriting milter for most scenarios ------------------------------
start_milter main -m "$T/table.db" -o "stats_file=$T/main.stats" ||
    { fail "milter starts"; exit 1; }
pass "milter starts with a good map"
MAIN_PID=$MILTER_PID
S=unix:$T/main.sock

for script in negotiate forward local reject catchall detail mixed twice loop pattern
do
    run_lua "$script" "$S"
done

# Exact replies, as the MTA receives them.
out=$(mtclient "$S" <<'EOF2'
rcpt <nobody@inkacoca.org>
rcpt <old@example.net>
rcpt <busy@example.net>
rcpt <x@a.test>
EOF2
)
check_eq "reject: nouser gives 550 5.1.1 and the map's text" \
    "rcpt <nobody@inkacoca.org>: reply 550 5.1.1 User unknown" \
    "$(echo "$out" | sed -n 1p)"
check_eq "reject: error:5.7.1:550 gives exactly that" \
    "rcpt <old@example.net>: reply 550 5.7.1 Moved away" \
    "$(echo "$out" | sed -n 2p)"
check_eq "reject: error:4.2.1:450 gives a temporary failure" \
    "rcpt <busy@example.net>: reply 450 4.2.1 Mailbox busy, try later" \
    "$(echo "$out" | sed -n 3p)"
case $(echo "$out" | sed -n 4p) in
"rcpt <x@a.test>: reply 451 4.4.6 "*) pass "loop: 451 4.4.6" ;;
*) fail "loop: 451 4.4.6"; echo "$out" | sed 's/^/#   /' ;;
esac

# A pattern that backtracks without end: a 451, and the milter says why.
out=$(mtclient "$S" <<'EOF2'
rcpt <aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab@x.test>
EOF2
)
check_eq "pattern: catastrophic backtracking answers 451 4.3.0" \
    "rcpt <aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab@x.test>: reply 451 4.3.0 Temporary lookup failure, try again later" \
    "$out"

# The same mailbox twice: added once.
out=$(mtclient "$S" 0x17f <<'EOF2'
rcpt <diego1@inkacoca.org>
rcpt <DIEGO1@switch.inkacoca.org>
rcpt <diego1@inkacoca.org>
eom
EOF2
)
check_eq "twice: the mailbox is added once" 1 \
    "$(echo "$out" | grep -c '^eom: addrcpt <diego1@lima.inkacoca.org>$')"
check_eq "twice: each distinct original deleted once" 2 \
    "$(echo "$out" | grep -c '^eom: delrcpt ')"
check_eq "twice: deletions come before additions" "delrcpt" \
    "$(echo "$out" | grep '^eom: [ad]' | sed -n 2p | cut -d' ' -f2)"

# smfi_addrcpt_par: NOTIFY kept, ORCPT added (xtext) unless given.
out=$(mtclient "$S" <<'EOF2'
rcpt <DIEGO1@INKACOCA.ORG> NOTIFY=SUCCESS,FAILURE RRVS=2030-01-01T00:00:00Z
rcpt <joe+foo@example.com>
rcpt <Some.One@example.org> ORCPT=rfc822;first@example.org
eom
EOF2
)
check "addrcpt_par: NOTIFY kept, ORCPT added, other parameters dropped" \
    grep -qx 'eom: addrcpt_par <diego1@lima.inkacoca.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;DIEGO1@INKACOCA.ORG' <<EOF2
$out
EOF2
check "addrcpt_par: ORCPT is xtext ('+' as +2B)" \
    grep -qx 'eom: addrcpt_par <joe-any.foo@other.net> ORCPT=rfc822;joe+2Bfoo@example.com' <<EOF2
$out
EOF2
check "addrcpt_par: the client's ORCPT is kept" \
    grep -qx 'eom: addrcpt_par <Some.One@mail.example.net> ORCPT=rfc822;first@example.org' <<EOF2
$out
EOF2

# A second message on a connection starts clean; so does one after an
# aborted transaction.
out=$(mtclient "$S" 0x17f <<'EOF2'
rcpt <DIEGO1@INKACOCA.ORG>
eom
rcpt <info@example.net>
eom
EOF2
)
check_eq "forward: nothing left over from the first message" \
    "eom: delrcpt <info@example.net>|eom: addrcpt <info-local>|eom: continue" \
    "$(echo "$out" | sed -n '6,$p' | paste -sd'|')"

out=$(mtclient "$S" 0x17f <<'EOF2'
rcpt <diego1@inkacoca.org>
abort
rcpt <info@example.net>
eom
EOF2
)
check_eq "abort: the next message starts clean" \
    "rcpt <diego1@inkacoca.org>: continue|abort|rcpt <info@example.net>: continue|eom: delrcpt <info@example.net>|eom: addrcpt <info-local>|eom: continue" \
    "$(echo "$out" | paste -sd'|')"

# One log line per rewrite and per reject, with the queue id.
check "log: one line per rewrite, with queue id, original and result" \
    grep -q "FWD1: action=rewrite orig_to=<DIEGO1@INKACOCA.ORG> to=<diego1@lima.inkacoca.org> map=$T/table.db\$" \
    "$T/main.log"
check "log: one line per reject, with the reply" \
    grep -q "MIX1: action=reject to=<nobody@inkacoca.org> map=$T/table.db code=550 dsn=5.1.1 reply=\"User unknown\"\$" \
    "$T/main.log"
check "log: a duplicate addition is named as such" \
    grep -q 'action=rewrite orig_to=<DIEGO1@switch.inkacoca.org> to=<diego1@lima.inkacoca.org> map=[^ ]* fate=duplicate$' \
    "$T/main.log"

# Counters: the stats file (mailswitch-milter -s) and SIGUSR2.
wait_for "stats file" grep -q '^messages [1-9]' "$T/main.stats"
stats=$("$MILTER" -c /dev/null -s -o "stats_file=$T/main.stats")
check "stats: -s prints the counters" \
    sh -c "echo '$stats' | grep -q '^recipients [1-9]'"
for c in messages recipients rewritten rejected tempfailed reloads map_errors
do
    echo "$stats" | grep -q "^$c [0-9]" || { fail "stats: counter $c"; }
done
kill -USR2 "$MAIN_PID"
check "stats: SIGUSR2 logs the counters" \
    wait_for "stats line" grep -q 'stats: messages=[1-9][0-9]* recipients=' \
    "$T/main.log"

# When the resolver cannot say (here: a result too long after %1
# substitution), the recipient is tempfailed, never passed unrewritten...
long=$(printf '%0250d' 0)
out=$(printf 'rcpt <%s@big.test>\neom\n' "$long" | mtclient "$S" 0x17f)
check_eq "error: tempfail when the resolver cannot say" \
    "rcpt <$long@big.test>: reply 451 4.3.0 Temporary lookup failure, try again later|eom: continue" \
    "$(echo "$out" | paste -sd'|')"
check "error: logged with the reason" \
    grep -q 'action=tempfail to=<0*@big.test> map=[^ ]* code=451 dsn=4.3.0 reply=".*" reason=".*value too long' "$T/main.log"

# ... unless on_map_error = accept.
if start_milter accept -m "$T/table.db" -o on_map_error=accept; then
    out=$(printf 'rcpt <%s@big.test>\nrcpt <diego1@inkacoca.org>\neom\n' \
        "$long" | mtclient "unix:$T/accept.sock" 0x17f)
    check_eq "error: on_map_error = accept passes the recipient unchanged" \
        "rcpt <$long@big.test>: continue|rcpt <diego1@inkacoca.org>: continue|eom: delrcpt <diego1@inkacoca.org>|eom: addrcpt <diego1@lima.inkacoca.org>|eom: continue" \
        "$(echo "$out" | paste -sd'|')"
    check "error: and logs it" \
        grep -q 'action=keep to=<0*@big.test> map=[^ ]* reason="on_map_error = accept: .*value too long' \
        "$T/accept.log"
    stop_milter "$MILTER_PID"
else
    fail "milter starts with on_map_error = accept"
fi

# --- inet socket on loopback ----------------------------------------------
. "$TOP/tests/lib/port.sh"
started=
for try in 1 2 3 4 5; do
    port=$(free_port) || break
    if start_milter "inet$try" -p "inet:$port@127.0.0.1" -m "$T/table.db"; then
        started=yes
        break
    fi
done
if [ -n "$started" ]; then
    pass "milter listens on inet:PORT@127.0.0.1"
    run_lua local "inet:$port@127.0.0.1"
    stop_milter "$MILTER_PID"
else
    fail "milter listens on inet:PORT@127.0.0.1"
fi

# --- validate mode --------------------------------------------------------
if start_milter validate -m "$T/table.db" -o mode=validate; then
    run_lua validate "unix:$T/validate.sock"
    stop_milter "$MILTER_PID"
else
    fail "milter starts in validate mode"
fi

# --- map replaced under a running milter ----------------------------------
compile_map "$M/replace-old.txt" "$T/live.db" &&
    compile_map "$M/replace-new.txt" "$T/new.db" &&
    printf 'not a berkeley db file\n' >"$T/garbage.db" ||
    fail "compile replace maps"
start_milter replace -m "$T/live.db" -o "stats_file=$T/replace.stats" ||
    fail "milter starts for the replace test"
REPLACE_PID=$MILTER_PID
RS=unix:$T/replace.sock
# replace.sh installs the new map, has the milter check at once (SIGUSR1)
# and waits until it logs the reload, all inside the open transaction.
cat >"$T/replace.sh" <<EOF2
#!/bin/sh
. "$TOP/tests/lib/wait.sh"
cp "$T/new.db" "$T/live.tmp" && mv "$T/live.tmp" "$T/live.db" &&
    kill -USR1 $REPLACE_PID &&
    wait_until 10 "the reload" grep -q "reloaded (generation 2)" "$T/replace.log"
EOF2
chmod +x "$T/replace.sh"
run_lua replace "$RS" "REPLACE=$T/replace.sh"
check "replace: the reload is logged" \
    grep -q "map $T/live.db reloaded (generation 2)" "$T/replace.log"

# A replacement that cannot be opened leaves the last good map serving.
cp "$T/garbage.db" "$T/live.tmp" && mv "$T/live.tmp" "$T/live.db"
check "replace: a bad map is logged, once" \
    wait_for "bad map warning" grep -q 'still serving the copy loaded before' \
    "$T/replace.log"
# map_check_after: send a message, then wait until the stats file counts
# it: the watcher writes it right after a map check, so one check at
# least ran after the message.
map_check_after() {
    _n=$(sed -n 's/^recipients //p' "$T/replace.stats")
    printf 'rcpt <nobody@example.org>\neom\n' | mtclient "$RS" 0x17f >/dev/null &&
        wait_for "a map check after message $((_n + 1))" \
            grep -qx "recipients $((_n + 1))" "$T/replace.stats"
}
check "replace: the milter checked the bad map again" map_check_after
check_eq "replace: the bad map is logged only once" 1 \
    "$(grep -c 'still serving the copy loaded before' "$T/replace.log")"
out=$(printf 'rcpt <mover@inkacoca.org>\neom\n' | mtclient "$RS" 0x17f)
check "replace: after a bad map, the last good one still answers" \
    grep -q 'addrcpt <mover@cuzco.inkacoca.org>' <<EOF2
$out
EOF2
kill -USR1 "$REPLACE_PID"
check "replace: SIGUSR1 forces a check (and retries the bad map)" \
    wait_for "SIGUSR1" sh -c "grep -q 'SIGUSR1: checking maps' '$T/replace.log' &&
        [ \$(grep -c 'still serving the copy' '$T/replace.log') -ge 2 ]"
rm -f "$T/live.db"
check "replace: a map deleted on disk is noticed" \
    wait_for "the deletion" grep -q "live.db: No such file or directory; still serving" \
    "$T/replace.log"
out=$(printf 'rcpt <mover@inkacoca.org>\neom\n' | mtclient "$RS" 0x17f)
check "replace: a map deleted on disk keeps serving from the open copy" \
    grep -q 'addrcpt <mover@cuzco.inkacoca.org>' <<EOF2
$out
EOF2
cp "$T/new.db" "$T/live.tmp" && mv "$T/live.tmp" "$T/live.db"
check "replace: a good map after a bad one is loaded" \
    wait_for "reload" grep -q "reloaded (generation 3)" "$T/replace.log"
wait_for "stats" grep -q '^reloads 2' "$T/replace.stats"
check "replace: reloads and map errors are counted" \
    sh -c "grep -q '^reloads 2\$' '$T/replace.stats' &&
        grep -q '^map_errors [2-9]' '$T/replace.stats'"

# --- map missing or unreadable at startup ---------------------------------
"$MILTER" -c /dev/null -o allow_root=yes -f -p "unix:$T/missing.sock" -m "$T/no-such.db" \
    >"$T/missing.log" 2>&1
check_eq "map missing at start: refuses to start (exit 1)" 1 $?
check "map missing at start: says which map and why" \
    grep -q "$T/no-such.db: No such file or directory" "$T/missing.log"
check "map missing at start: no socket left behind" \
    test ! -e "$T/missing.sock"

if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    mkdir -p "$T/priv" && chmod 755 "$T/priv" "$T" &&
        cp "$T/table.db" "$T/priv/secret.db" && chmod 600 "$T/priv/secret.db"
    "$MILTER" -c /dev/null -f -p "unix:$T/priv/p.sock" -m "$T/priv/secret.db" -u nobody \
        >"$T/priv.log" 2>&1
    check_eq "map unreadable by the milter user: refuses to start" 1 $?
    check "map unreadable: the reason names the permissions" \
        grep -q 'permission denied' "$T/priv.log"
else
    skip "map unreadable by the milter user" "needs root and user nobody"
fi

stop_milter "$REPLACE_PID"
stop_milter "$MAIN_PID"
check "stop: SIGTERM stops cleanly" grep -q 'stopped$' "$T/main.log"
check "stop: the unix socket is removed" test ! -e "$T/main.sock"
