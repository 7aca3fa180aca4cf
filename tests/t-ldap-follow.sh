#!/bin/sh
# t-ldap-follow.sh - maptool build --follow against the test's own slapd
# (tests/lib/slapd.sh: Debian's slapd, a generated slapd.conf with the
# syncprov overlay, loopback and an ldapi socket under $T): a user that
# lima-admin adds is routed by the switch map --install puts in place
# within 5 s (the seconds are printed); with slapd stopped the last good
# map keeps answering, the failure is logged once and shown by --status
# and the metrics; slapd back, the follower recovers; a build that fails
# verification leaves the old map; SIGHUP builds; SIGTERM ends it.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/port.sh"
. "$TOP/tests/lib/wait.sh"
. "$TOP/tests/lib/slapd.sh"

slapd_test_begin ldap-follow
FOLLOW_PID=
cleanup() {
    [ -z "$FOLLOW_PID" ] || stop_pid 10 "maptool build --follow" "$FOLLOW_PID"
    slapd_stop_all
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# --- the directory: examples/inkacoca's users, examples/ldap's ACLs ------
slapd_secret_files || { fail "ldap-follow: the password files"; exit 1; }
SD=$T/slapd
slapd_conf "$SD" "$BASE" syncprov <<EOF || { fail "ldap-follow: slapd.conf"; exit 1; }
include $TOP/examples/ldap/slapd-access.conf
overlay syncprov
EOF
{
    sh "$TOP/examples/ldap/users2ldif" inkacoca.org "$EX/users"
    slapd_admins_ldif maptool lima-admin
} >data.ldif
check_rc "ldap-follow: slapadd loads the generated LDIF" 0 slapd_load "$SD" data.ldif -w
check_rc "ldap-follow: the test's slapd starts (syncprov)" 0 slapd_start "$SD"
URL=$SLAPD_URL
slapd_topology "$URL" >ldap.topology

# add_user NAME: lima-admin adds uid=NAME under ou=lima.
add_user() {
    printf 'dn: uid=%s,ou=lima,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\n' \
        "$1" "$BASE" "$1" "$1" "$1" >"$1.ldif"
    ldapadd -x -H "$URL" -D "cn=lima-admin,$BASE" -y secret.raw -f "$1.ldif" >"$1.add" 2>&1
}
# routed NAME: the installed switch map (--install switch=mail/switch.db)
# sends NAME@inkacoca.org to Lima.
routed() {
    "$M" query mail/switch.db "$1@inkacoca.org" 2>/dev/null |
        grep -q "forward[[:space:]]*$1@lima.inkacoca.org"
}
# status_has KEY=VALUE: the follower's status file says so.
status_has() {
    grep -qx "$1" live.status
}
# failures_at_least N: the follower has failed N times in a row.
failures_at_least() {
    [ "$(sed -n 's/^consecutive_failures=//p' live.status)" -ge "$1" ]
}
# now: seconds since the epoch, with nanoseconds.
now() {
    date +%s.%N
}

# --- the follower --------------------------------------------------------
: >break.name
mkdir mail
MAPTOOL_TEST_BREAK=@$T/break.name "$M" build --follow --max-backoff 4 \
    --metrics-file "$T/follow.prom" --install switch="$T/mail/switch.db" \
    ldap.topology -o live >follow.out 2>follow.log &
FOLLOW_PID=$!
wait_until 30 "the first build" status_has builds=1
check_rc "ldap-follow: the follower builds and installs the directory's users" 0 routed ana
check_rc "ldap-follow: the installed map is a copy, not the build's file" 1 \
    test mail/switch.db -ef live/switch.db
check_rc "ldap-follow: --status: it runs and is well (exit 0)" 0 "$M" build --status -o live
"$M" build --status -o live >status.out
check_rc "ldap-follow: --status shows the last good build's time" 0 \
    grep -Eq '^last_good_build=[0-9]+$' status.out

# --- a user added by Lima's admin is routed within 5 s -------------------
T0=$(now)
check_rc "ldap-follow: lima-admin adds nina" 0 add_user nina
wait_until 5 "nina to be routed" routed nina
check_rc "ldap-follow: nina is routed to Lima by the installed map within 5 s" 0 routed nina
T1=$(now)
SECS=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.2f", b - a }')
echo "# ldap-follow: from ldapadd to routable: $SECS s"
check_rc "ldap-follow: the follower logs the build and what changed" 0 \
    grep -q "built live: .* users, in .* s ($URL/ou=lima,$BASE)" follow.log

# --- the directory down: the last good map stays -------------------------
slapd_stop "$SD"
wait_until 20 "three failed attempts" failures_at_least 3
check_rc "ldap-follow: slapd down, the follower keeps trying (3 attempts)" 0 failures_at_least 3
check_eq "ldap-follow: the failure is logged once, not at every attempt" 1 \
    "$(grep -c "keeps its build" follow.log)"
check_rc "ldap-follow: the log line says the server cannot be reached" 0 \
    grep -q "Can't contact LDAP server.*live keeps its build" follow.log
check_rc "ldap-follow: the last good map still routes nina" 0 routed nina
"$M" build --status -o live >down.status
check_eq "ldap-follow: --status: running but failing (exit 2)" 2 "$?"
check_rc "ldap-follow: --status names the failure" 0 \
    grep -q "^last_error=.*Can't contact LDAP server" down.status
check_rc "ldap-follow: the metrics show it down" 0 grep -qx "mailswitch_follow_up 0" follow.prom

# --- slapd back: recovered -------------------------------------------------
check_rc "ldap-follow: slapd starts again on its port" 0 slapd_start "$SD"
wait_until 15 "the follower to recover" status_has state=ok
check_rc "ldap-follow: the follower logs its recovery" 0 grep -q "recovered after [0-9]* failed attempts" follow.log
check_rc "ldap-follow: --status: well again (exit 0)" 0 "$M" build --status -o live
check_rc "ldap-follow: the metrics show it up" 0 grep -qx "mailswitch_follow_up 1" follow.prom

# --- a build that fails verification: the old map kept ---------------------
echo dns.zone >break.name
check_rc "ldap-follow: lima-admin adds olga" 0 add_user olga
wait_until 10 "the verification failure" grep -q "not verified" follow.log
check_rc "ldap-follow: a build that fails verification is logged" 0 \
    grep -q "not verified; live is unchanged.*keeps its build" follow.log
check_rc "ldap-follow: the old map is kept: olga is not routed" 1 routed olga
check_rc "ldap-follow: the old map is kept: nina still is" 0 routed nina
: >break.name
wait_until 15 "olga to be routed" routed olga
check_rc "ldap-follow: once builds verify again, olga is routed" 0 routed olga

# --- SIGHUP builds, SIGTERM ends ----------------------------------------------
kill -HUP "$FOLLOW_PID"
wait_until 15 "a build on SIGHUP" grep -q "(SIGHUP)" follow.log
check_rc "ldap-follow: SIGHUP builds again, nothing changed" 0 grep -q "(SIGHUP)" follow.log
kill -TERM "$FOLLOW_PID"
wait_until 15 "the follower to end" pid_gone "$FOLLOW_PID"
wait "$FOLLOW_PID"
check_eq "ldap-follow: SIGTERM ends the follower, exit 0" 0 "$?"
FOLLOW_PID=
check_rc "ldap-follow: its status says stopped" 0 status_has state=stopped
"$M" build --status -o live >/dev/null
check_eq "ldap-follow: --status: not running (exit 1)" 1 "$?"
check_rc "ldap-follow: no stage left beside the build" 1 sh -c 'ls -a | grep -q "^\.live\.build"'

# --- no memory error over builds, failures and signals (libldap too) -------
if command -v valgrind >/dev/null 2>&1; then
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        "$M" build --follow --max-backoff 2 ldap.topology -o vg >vg.out 2>vg.log &
    FOLLOW_PID=$!
    wait_until 60 "the first build under valgrind" grep -qx builds=1 vg.status
    add_user quentin
    wait_until 30 "quentin's build under valgrind" grep -qx builds=2 vg.status
    slapd_stop "$SD"
    wait_until 30 "a failure under valgrind" grep -qx state=failing vg.status
    kill -HUP "$FOLLOW_PID"
    slapd_start "$SD" >/dev/null
    wait_until 30 "recovery under valgrind" grep -qx state=ok vg.status
    kill -TERM "$FOLLOW_PID"
    wait_until 30 "the follower under valgrind to end" pid_gone "$FOLLOW_PID"
    wait "$FOLLOW_PID"
    check_eq "ldap-follow: builds, a failure, SIGHUP and SIGTERM clean under valgrind" 0 "$?"
    FOLLOW_PID=
else
    skip "ldap-follow: the follower under valgrind" "valgrind is not installed"
fi
