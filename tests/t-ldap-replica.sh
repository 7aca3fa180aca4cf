#!/bin/sh
# t-ldap-replica.sh - two switches, each following its own directory: a
# provider slapd (syncprov) and a consumer slapd that replicates it
# (syncrepl refreshAndPersist), both the test's own (tests/lib/slapd.sh:
# generated configurations, loopback ports, under $T). One maptool build
# --follow builds from the provider, the other from the consumer. With
# the provider down both keep routing (the first from its last good
# build, the second from its replica); a user that lima-admin adds on
# the provider after it returns reaches both switches' maps (the seconds
# are printed).
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/port.sh"
. "$TOP/tests/lib/wait.sh"
. "$TOP/tests/lib/slapd.sh"

slapd_test_begin ldap-replica
F1= F2=
cleanup() {
    [ -z "$F1" ] || stop_pid 10 "the provider's follower" "$F1"
    [ -z "$F2" ] || stop_pid 10 "the consumer's follower" "$F2"
    slapd_stop_all
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# --- the provider and its consumer -----------------------------------------
slapd_secret_files || { fail "ldap-replica: the password files"; exit 1; }
P=$T/provider C=$T/consumer
slapd_conf "$P" "$BASE" syncprov <<EOF || { fail "ldap-replica: the provider's slapd.conf"; exit 1; }
limits dn.exact="cn=root,$BASE" size=unlimited time=unlimited
include $TOP/examples/ldap/slapd-access.conf
overlay syncprov
EOF
{
    sh "$TOP/examples/ldap/users2ldif" inkacoca.org "$EX/users"
    slapd_admins_ldif maptool lima-admin
} >data.ldif
check_rc "ldap-replica: slapadd loads the provider" 0 slapd_load "$P" data.ldif -w
check_rc "ldap-replica: the provider starts" 0 slapd_start "$P"
PURL=$SLAPD_URL
# The consumer: empty, filled and kept current by syncrepl from the
# provider (as its root DN), retrying every second while it is down.
slapd_conf "$C" "$BASE" syncprov <<EOF || { fail "ldap-replica: the consumer's slapd.conf"; exit 1; }
syncrepl rid=001
    provider=$PURL
    type=refreshAndPersist
    retry="1 +"
    searchbase="$BASE"
    scope=sub
    bindmethod=simple
    binddn="cn=root,$BASE"
    credentials=secret
include $TOP/examples/ldap/slapd-access.conf
overlay syncprov
EOF
check_rc "ldap-replica: the consumer starts" 0 slapd_start "$C"
CURL=$SLAPD_URL

# has URL NAME: the directory at URL has uid=NAME under ou=lima.
has() {
    ldapsearch -x -H "$1" -D "cn=maptool,$BASE" -y secret.raw -b "ou=lima,$BASE" \
        "(uid=$2)" dn 2>/dev/null | grep -q "^dn: uid=$2,"
}
wait_until 20 "the consumer's first refresh" has "$CURL" ana
check_rc "ldap-replica: the consumer holds the provider's users" 0 has "$CURL" ana

# topology URL OUT: examples/inkacoca's, the users from the directory at URL.
topology() {
    slapd_topology "$1" >"$2"
}
topology "$PURL" provider.topology
topology "$CURL" consumer.topology
# routed DIR NAME: switch DIR's installed map sends NAME to Lima.
routed() {
    "$M" query "$1/switch.db" "$2@inkacoca.org" 2>/dev/null |
        grep -q "forward[[:space:]]*$2@lima.inkacoca.org"
}
both_route() {
    routed switch1 "$1" && routed switch2 "$1"
}
status_has() {
    grep -qx "$2" "$1.status"
}

# --- two switches, one following each directory -----------------------------
"$M" build --follow --max-backoff 4 provider.topology -o switch1 >f1.out 2>f1.log &
F1=$!
"$M" build --follow --max-backoff 4 consumer.topology -o switch2 >f2.out 2>f2.log &
F2=$!
wait_until 30 "switch1's first build" status_has switch1 builds=1
wait_until 30 "switch2's first build" status_has switch2 builds=1
check_rc "ldap-replica: both switches route the directory's users" 0 both_route ana

# --- the provider down: both keep routing ------------------------------------
slapd_stop "$P"
wait_until 20 "switch1 to fail" status_has switch1 state=failing
check_rc "ldap-replica: provider down, switch1's follower fails (status)" 0 \
    status_has switch1 state=failing
check_rc "ldap-replica: provider down, switch2's follower reads its replica (status)" 0 \
    status_has switch2 state=ok
check_rc "ldap-replica: provider down, both switches still route" 0 both_route ana
check_eq "ldap-replica: switch1 logs the failure once" 1 "$(grep -c "keeps its build" f1.log)"

# --- the provider back: a new user reaches both ------------------------------
check_rc "ldap-replica: the provider starts again on its port" 0 slapd_start "$P"
wait_until 15 "switch1 to recover" status_has switch1 state=ok
check_rc "ldap-replica: switch1's follower recovers" 0 grep -q "recovered after" f1.log
printf 'dn: uid=pablo,ou=lima,%s\nobjectClass: inetOrgPerson\nuid: pablo\ncn: pablo\nsn: pablo\n' \
    "$BASE" >pablo.ldif
T0=$(date +%s.%N)
check_rc "ldap-replica: lima-admin adds pablo on the provider" 0 \
    ldapadd -x -H "$PURL" -D "cn=lima-admin,$BASE" -y secret.raw -f pablo.ldif
wait_until 10 "pablo at switch1" routed switch1 pablo
T1=$(date +%s.%N)
wait_until 10 "pablo at switch2" routed switch2 pablo
T2=$(date +%s.%N)
check_rc "ldap-replica: pablo reaches both switches" 0 both_route pablo
echo "# ldap-replica: from ldapadd on the provider to routable: switch1 (provider)" \
    "$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.2f", b - a }') s," \
    "switch2 (consumer) $(awk -v a="$T0" -v b="$T2" 'BEGIN { printf "%.2f", b - a }') s"
check_rc "ldap-replica: the consumer replicated pablo" 0 has "$CURL" pablo
check_rc "ldap-replica: switch2 built from its replica's change" 0 \
    grep -q "built switch2: .*($CURL/ou=lima,$BASE)" f2.log
