#!/bin/sh
# t-ldap-e2e.sh - the branches' users kept in a directory, end to end, on
# the namespace network of tests/lib/mailnet.sh: the test's own slapd
# (Debian's slapd, a slapd.conf generated here, mdb under $T, the ACLs of
# examples/ldap) runs on a host of its own, ldap (10.77.0.30); nothing of
# the host's slapd is touched. The topology's branch users are LDAP URLs
# of that directory; the switch follows it (maptool build --follow in the
# switch's namespace, polling the contextCSN every second), and each build
# it makes is installed on every server in its servers file's order, as
# the switch's admin would push it. Assertions are on what each mailbox
# holds:
#   - slapd enforces examples/ldap's ACLs: Lima's admin cannot add a
#     user under ou=cuzco;
#   - a user Lima's admin adds with ldapadd gets mail from outside at
#     Lima; the switch accepts her within 5 s of ldapadd (the seconds to
#     the follower's build, to the last server's reload and to the first
#     accepted RCPT are printed);
#   - a user moved to Cuzco with ldapmodify (modrdn, newsuperior) gets
#     the next messages at Cuzco; of 40 messages sent to her while she
#     moves, none is lost or doubled, those sent before the move arrive
#     at Lima and those sent after the switch took the new map at Cuzco;
#   - with slapd stopped, the follower fails, says so once and keeps
#     its build, and mail still reaches both users; slapd back, it
#     recovers; SIGTERM ends it.
# Every namespace and process is removed at exit, even on failure; every
# wait is bounded in time.
. "$TOP/tests/lib/tap.sh"
NET_DIR=$T/net
. "$TOP/tests/lib/mailnet.sh"
. "$TOP/tests/lib/slapd.sh"

why=$(net_available)
if [ -z "$why" ] && ! slapd_usable; then
    why="Debian packages slapd and ldap-utils are not installed"
fi
if [ -n "$why" ]; then
    skip "ldap end to end" "$why"
    exit 0
fi
watchdog_start "${E2E_LIMIT:-240}"
SD=$T/slapd
FOLLOW_PID=
# cleanup: the follower and slapd by their pids, then the network.
cleanup() {
    kill $WATCHDOG 2>/dev/null
    [ -z "$FOLLOW_PID" ] || stop_pid 10 "maptool build --follow" "$FOLLOW_PID"
    [ ! -s "$SD/slapd.pid" ] || stop_pid 10 slapd "$(cat "$SD/slapd.pid")"
    net_cleanup
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

E2E_FAILED=0
fail() { echo "not ok - $*" >&8; E2E_FAILED=1; }   # fd 8: see tap.sh
M=$MAPTOOL
D=inkacoca.org
BASE=dc=inkacoca,dc=org
LDAP_IP=10.77.0.30
URL=ldap://$LDAP_IP
start=$(date +%s)
cd "$T" || exit 1

phase() {
    echo "# $* ($(( $(date +%s) - start )) s)"
}
now() {
    date +%s.%N | cut -c1-14
}
# since T0: seconds from T0 to now, to a tenth.
since() {
    awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# over SECS T0: more than SECS seconds have passed since T0.
over() {
    awk -v s="$1" -v a="$2" -v b="$(now)" 'BEGIN { exit !(b - a > s) }'
}

# within SECS ELAPSED: ELAPSED seconds are at most SECS.
within() {
    awk -v s="$1" -v e="$2" 'BEGIN { exit !(e <= s) }'
}

# --- the directory: slapd on a host of its own -----------------------------
# tests/lib/slapd.sh's slapd.conf, with the syncprov overlay (it keeps
# the contextCSN the follower polls) and examples/ldap's ACLs; every
# password is "secret", read from a file.
mkdir org && slapd_secret_files || { fail "the password files"; exit 1; }
slapd_conf "$SD" "$BASE" syncprov <<EOF || { fail "slapd.conf"; exit 1; }
include $TOP/examples/ldap/slapd-access.conf
overlay syncprov
EOF
{
    sh "$TOP/examples/ldap/users2ldif" $D "$TOP/examples/inkacoca/users" lima cuzco
    slapd_admins_ldif maptool lima-admin cuzco-admin
} >data.ldif
check_rc "slapadd loads examples/inkacoca's Lima and Cuzco (users2ldif), mdb, examples/ldap's ACLs" \
    0 slapd_load "$SD" data.ldif

net_init && net_host ldap $LDAP_IP || { fail "the directory's host"; exit 1; }
# start_slapd: slapd in the directory's host, on $URL and the socket.
start_slapd() {
    net_exec ldap "$SLAPD" -f "$SD/slapd.conf" -h "$URL/ $(slapd_ldapi_url "$SD/ldapi")/" \
        -d 0 >>"$SD/slapd.log" 2>&1 &
    NET_PIDS="$NET_PIDS $!"
    net_wait 20 _net_listening ldap -t 389
}
if start_slapd; then
    pass "slapd listens on the directory's host, $URL"
else
    fail "slapd listens on the directory's host, $URL"
    cat "$SD/slapd.log"
    exit 1
fi

# --- the topology: both branches' users from the directory ------------------
cat >org/e2e.topology <<EOF
# two branches of examples/inkacoca, users in a directory, for
# tests/t-ldap-e2e.sh
domain inkacoca.org
switch switch.inkacoca.org  priority 10  address 10.77.0.10
backup mx2.inkacoca.org     priority 20  address 10.77.0.20
branch lima
    host lima-mail.inkacoca.org
    address 10.77.0.21
    users $URL/ou=lima,$BASE
    ldap-bind cn=maptool,$BASE
    ldap-secret $T/secret
branch cuzco
    host cuzco-mail.inkacoca.org
    address 10.77.0.23
    users $URL/ou=cuzco,$BASE
    ldap-bind cn=maptool,$BASE
    ldap-secret $T/secret
role postmaster ana
EOF
# The first build, on the directory's host (the switch's namespace is
# made from it).
net_exec ldap "$M" build org/e2e.topology -o build >build.out 2>&1
check_rc "the topology builds from the directory and verifies" 0 test -s build/servers
check_eq "...with Lima's and Cuzco's users, read from the directory" \
    "10 users" "$(grep -o '[0-9]* users' build.out | tail -1)"

# --- the network: nina will be added at Lima, rosa move to Cuzco -----------
if mailnet_up build lima-mail:nina cuzco-mail:rosa; then
    pass "the network is up: slapd, nsd, five Postfix, four milters ($(( $(date +%s) - start )) s)"
else
    fail "the network is up"
    exit 1
fi

dump_logs() {
    mailnet_dump_logs
    echo "# --- the follower (tail)"
    tail -n 20 follow.log 2>/dev/null | sed 's/^/#   /'
}
# as NODE WHO LDAP-TOOL ARG...: an ldap-utils tool run on NODE, bound as
# cn=WHO (a simple bind over the network).
as() {
    _as_node=$1 _as_who=$2
    shift 2
    net_exec "$_as_node" "$@" -x -H "$URL" -D "cn=$_as_who,$BASE" -y "$T/secret.raw"
}

# --- each branch admin writes its own subtree only ---------------------------
phase "the branch admins"
printf 'dn: uid=nino,ou=cuzco,%s\nobjectClass: inetOrgPerson\nuid: nino\ncn: nino\nsn: nino\nmail: nino@%s\n' \
    "$BASE" $D >nino.ldif
as lima-mail lima-admin ldapadd -f "$T/nino.ldif" >nino.out 2>&1
check_eq "Lima's admin, from lima-mail, cannot add a user under ou=cuzco (insufficient access)" \
    50 "$?"
check "slapd names the refusal" grep -q "Insufficient access" nino.out

# --- the switch follows the directory --------------------------------------
phase "the switch follows the directory"
# maptool build --follow in the switch's namespace keeps $T/build, the
# switch's build, current as the directory changes (contextCSN, polled
# every second). Each new build is then installed on every server in the
# order of its servers file (mailnet_deploy: what the switch's admin
# pushes to the servers), which keeps a moved user's mail from being
# refused by a branch that does not know her yet.
net_exec switch "$M" build --follow --poll 1 --max-backoff 2 "$T/org/e2e.topology" -o "$T/build" \
    >follow.out 2>follow.log &
NET_PIDS="$NET_PIDS $!"
# builds_at_least N: the follower has put N builds in place.
builds_at_least() {
    [ "$(sed -n 's/^builds=//p' build.status 2>/dev/null)" -ge "$1" ]
}
net_wait 20 builds_at_least 1
FOLLOW_PID=$(sed -n 's/^pid=//p' build.status 2>/dev/null)
check "the follower, in the switch's namespace, has built from the directory" \
    grep -qx "state=ok" build.status
check_eq "...as many users as the first build" "users=10" "$(grep '^users=' build.status)"
# built ADDRESS TARGET: the follower's build sends ADDRESS to TARGET.
built() {
    "$M" query "$T/build/switch.db" "$1" 2>/dev/null | grep -q "forward[[:space:]]*$2\$"
}
# follow_change T0 ADDRESS TARGET: wait until the follower has built the
# directory's change made at T0 (its switch table sends ADDRESS to
# TARGET), then install that build. FOLLOWED: seconds from T0 to the
# build, DEPLOYED: to the last milter's reload.
follow_change() {
    FOLLOWED=- DEPLOYED=-
    net_wait 20 built "$2" "$3" || return 1
    FOLLOWED=$(since "$1")
    mailnet_deploy build || return 1
    DEPLOYED=$(since "$1")
}

# --- a user added at Lima gets mail from outside ----------------------------
phase "a user added at Lima"
# probe ID RCPT: the switch, asked by the outside, accepts RCPT (and the
# message, which is then delivered).
probe() {
    net_exec out "$MAILNET_PYTHON" "$TOP/tests/lib/smtpsend.py" --id "$1" 10.77.0.10 "$2" \
        >probe.out 2>&1
}
probe nina-0 "nina@$D"
check_eq "before, the switch rejects nina as unknown" \
    "rcpt nina@$D 550 5.1.1 User unknown" "$(grep '^rcpt' probe.out)"
printf 'dn: uid=nina,ou=lima,%s\nobjectClass: inetOrgPerson\nuid: nina\ncn: nina\nsn: nina\nmail: nina@%s\nmail: nina.quispe@%s\n' \
    "$BASE" $D $D >nina.ldif
t0=$(now)
check_rc "Lima's admin adds nina with ldapadd, from lima-mail" 0 \
    as lima-mail lima-admin ldapadd -f "$T/nina.ldif" >nina.out 2>&1
check "the follower builds the change: nina routed to Lima" \
    follow_change "$t0" "nina@$D" "nina@lima.$D"
n=0
while n=$((n + 1)) && ! probe "nina-$n" "nina@$D"; do
    over 10 "$t0" && break
    sleep 0.2
done
added=$(since "$t0")
echo "# nina: built $FOLLOWED s after ldapadd, installed on every server after $DEPLOYED s," \
    "accepted by the switch after $added s"
check_eq "the switch accepts nina" "rcpt nina@$D 250 2.1.5 Ok" "$(grep '^rcpt' probe.out)"
check "...within 5 s of ldapadd" within 5 "$added"
mailnet_arrived "nina-$n" lima-mail:nina
check_eq "...by way of the switch" "switch lima-mail" \
    "$(mailnet_path "$(mailnet_file "nina-$n")")"
mailnet_send out in-nina "nina.quispe@$D"
mailnet_arrived in-nina lima-mail:nina
check_eq "mail from outside to her alias, by MX, passes the switch" "out switch lima-mail" \
    "$(mailnet_path "$(mailnet_file in-nina)")"

# --- a user moves from Lima to Cuzco while mail flows -----------------------
phase "a user moves"
sent_at_least() {
    [ "$(wc -l <"$T/move.log" 2>/dev/null || echo 0)" -ge "$1" ]
}
net_exec out "$MAILNET_PYTHON" "$TOP/tests/lib/smtpsend.py" --count 40 --interval 0.25 \
    --id "move-{n}" --log "$T/move.log" --stop "$T/move.stop" 10.77.0.99 "rosa@$D" \
    >move.out 2>&1 &
mover=$!
net_wait 20 sent_at_least 8
# The directory's root admin moves her (neither branch admin may write
# both subtrees); her old address stays hers, as a list would keep it.
cat >move.ldif <<EOF
dn: uid=rosa,ou=lima,$BASE
changetype: modify
add: mail
mail: rosa@lima.$D

dn: uid=rosa,ou=lima,$BASE
changetype: modrdn
newrdn: uid=rosa
deleteoldrdn: 1
newsuperior: ou=cuzco,$BASE
EOF
moved_at=$(now)
check_rc "the root admin moves rosa to ou=cuzco (ldapmodify: modrdn, newsuperior)" 0 \
    as ldap root ldapmodify -f "$T/move.ldif" >move.ldout 2>&1
check "the follower builds the change: rosa routed to Cuzco" \
    follow_change "$moved_at" "rosa@$D" "rosa@cuzco.$D"
cut=$(wc -l <"$T/move.log")
echo "# rosa: built $FOLLOWED s after ldapmodify, installed on every server after $DEPLOYED s"
wait $mover
total=$(wc -l <"$T/move.log")
check_eq "the 40 messages were accepted" 40 "$total"
check "messages were sent before and after the move" test "$cut" -gt 1 -a "$total" -gt "$((cut + 5))"
all_there() {
    test "$(mailnet_delivered move- | cut -d' ' -f1 | sort -u | wc -l)" -ge "$total"
}
queues_empty() {
    for _h in $NET_HOSTS; do
        [ -f "$NET_DIR/$_h/etc/main.cf" ] || continue
        net_pf_queue_empty "$_h" || return 1
    done
}
net_wait 60 all_there
check "every queue is empty after the move: nothing more is on its way" net_wait 20 queues_empty
mailnet_delivered move- >moved.txt
lost=$(n=1; while [ $n -le "$total" ]; do
    grep -q "^move-$n " moved.txt || printf ' %s' $n; n=$((n + 1)); done)
doubled=$(cut -d' ' -f1 moved.txt | sort | uniq -d | tr '\n' ' ')
# Sent a second or more before the directory changed (delivered by then):
# at Lima; after the switch took the new map: at Cuzco; between, either.
before=$(awk -v t="$moved_at" '$2 < t - 1 { print $1 }' move.log)
early=$(for i in $before; do
    grep "^move-$i " moved.txt | grep -v " lima-mail:rosa$" | cut -d' ' -f1; done | tr '\n' ' ')
late=$(awk -v cut="$cut" '{ n = substr($1, 6) + 0 } n > cut && $2 != "cuzco-mail:rosa" { printf " %d", n }' moved.txt)
check_eq "no message to the moved user is lost" "" "$lost"
check_eq "none is delivered twice" "" "$doubled"
check "some messages were sent a second before the move" test -n "$before"
check_eq "every message sent a second before the move is at Lima" "" "$early"
check_eq "every message sent after the switch took the new map is at Cuzco" "" "$late"
echo "# rosa: $(echo "$before" | grep -c .) messages sent a second or more before ldapmodify," \
    "$((cut - $(echo "$before" | grep -c .))) from then until the switch followed, $((total - cut)) after;" \
    "$(grep -c ' lima-mail:rosa$' moved.txt) at Lima, $(grep -c ' cuzco-mail:rosa$' moved.txt) at Cuzco"
mailnet_send out after-move "rosa@$D"
mailnet_arrived after-move cuzco-mail:rosa
check_eq "...by way of the switch" "out switch cuzco-mail" \
    "$(mailnet_path "$(mailnet_file after-move)")"

# --- the directory down: the switch keeps routing ---------------------------
phase "the directory down"
# status_is KEY=VALUE: the follower's status file says so.
status_is() {
    grep -qx "$1" build.status
}
stop_pid 10 slapd "$(cat "$SD/slapd.pid")"
check "the follower fails while slapd is down" net_wait 10 status_is state=failing
mailnet_send out down-1 "nina@$D" "rosa@$D"
mailnet_arrived down-1 "cuzco-mail:rosa lima-mail:nina"
check_eq "...and logs it once" 1 "$(grep -c 'keeps its build' follow.log)"
start_slapd || fail "slapd starts again"
check "slapd back, the follower recovers" net_wait 10 status_is state=ok
check "...and says so" grep -q 'recovered after' follow.log

# --- the follower ends on SIGTERM ---------------------------------------------
phase "the follower ends"
# Three builds: at its start, nina, rosa (a fourth if a poll fell between
# ldapmodify's two changes).
check "the follower built each change" builds_at_least 3
check_eq "...and failed only while slapd was down" "consecutive_failures=0" \
    "$(grep '^consecutive_failures=' build.status)"
stop_pid 10 "maptool build --follow" "$FOLLOW_PID"
FOLLOW_PID=
check "SIGTERM ends the follower, which says so in its status file" grep -qx state=stopped build.status

[ "$E2E_FAILED" = 0 ] || dump_logs
phase "done"
