#!/bin/sh
# t-ldap.sh - branch users read from a directory: the test's own slapd
# (Debian's slapd, a slapd.conf generated here, mdb under $T, loopback
# and an ldapi socket under $T; the host's slapd is never touched) holds
# examples/inkacoca's users as examples/ldap/users2ldif writes them, with
# examples/ldap's ACLs. maptool build from it gives the maps the file
# lists give; a clash names the entry's DN; a partial read (size limit,
# referral, server down, a bad entry half way) fails and writes
# nothing; a read over many pages takes every entry; each branch admin
# writes its own subtree only; without syncprov, build --follow builds
# at start and says it has no contextCSN to follow.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/port.sh"
. "$TOP/tests/lib/wait.sh"
. "$TOP/tests/lib/slapd.sh"

slapd_test_begin ldap
FPID=
trap '[ -z "$FPID" ] || stop_pid 10 "maptool build --follow" "$FPID"; slapd_stop_all' EXIT
trap 'exit 1' HUP INT TERM

# --- the directory -------------------------------------------------------
# Every password here is "secret"; maptool reads it from a file.
slapd_secret_files || { fail "ldap: the password files"; exit 1; }
SD=$T/slapd
slapd_conf "$SD" "$BASE" <<EOF || { fail "ldap: slapd.conf"; exit 1; }
# A reader whose searches stop at 3 entries: a partial read.
limits dn.exact="cn=small,$BASE" size=3
access to * by dn.exact="cn=small,$BASE" read by * break
# maptool gets pages of 4 entries at most (ldap-page-size 4 below): a
# build reads several pages of a branch, and a larger page is refused.
limits dn.exact="cn=maptool,$BASE" size=unlimited size.pr=4
include $TOP/examples/ldap/slapd-access.conf
EOF
{
    sh "$TOP/examples/ldap/users2ldif" inkacoca.org "$EX/users"
    slapd_admins_ldif maptool small lima-admin cuzco-admin
} >data.ldif
check_rc "ldap: slapadd loads the generated LDIF (mdb, examples/ldap ACLs)" 0 \
    slapd_load "$SD" data.ldif

slapd_start "$SD"
check_rc "ldap: the test's slapd listens on 127.0.0.1 and an ldapi socket" 0 \
    kill -0 "${SLAPD_PID:-0}"
URL=$SLAPD_URL
SOCK_URL=$SLAPD_SOCK_URL

# ldap_topology OUT [EXTRA-SED]: examples/inkacoca's topology with every
# branch's users read from ou=BRANCH as maptool (a simple bind).
ldap_topology() {
    slapd_topology "$URL" "ldap-page-size 4" | sed -e "${2:-}" >"$1"
}

# same_maps A B: every table of build A answers as B's (maptool diff),
# with the same entries (dumps) and the same lines but for comments.
same_maps() {
    "$M" diff "$1" "$2" >/dev/null || return 1
    for db in "$1"/*.db; do
        b=$(basename "$db")
        "$M" dump "$db" >a.dump && "$M" dump "$2/$b" >b.dump && cmp -s a.dump b.dump ||
            return 1
        grep -v '^#' "${db%.db}.vut" >a.vut && grep -v '^#' "$2/${b%.db}.vut" >b.vut &&
            cmp -s a.vut b.vut || return 1
    done
}

# --- the same maps as the file lists -------------------------------------
"$M" build "$EX/inkacoca.topology" -o files >files.out 2>files.err
check_rc "ldap: the file-list build of examples/inkacoca" 0 test -s files/switch.db
ldap_topology ldap.topology
"$M" build ldap.topology -o fromldap >fromldap.out 2>fromldap.err
check_rc "ldap: the build from the directory succeeds and verifies" 0 test -s fromldap/servers
check_eq "ldap: as many users from the directory as from the lists" \
    "$(grep -o '[0-9]* users' files.out | tail -1)" "$(grep -o '[0-9]* users' fromldap.out | tail -1)"
check_rc "ldap: the directory gives the file lists' maps, table for table" 0 \
    same_maps files fromldap

# Lists and directories mixed; SASL EXTERNAL over the ldapi socket.
sed -e "s|^\\( *users *\\)users/lima\$|\\1$SOCK_URL/ou=lima,$BASE?uid,mail?sub?(objectClass=inetOrgPerson)\\
    ldap-page-size 4\\
    ldap-sasl external|" -e "s|users/|$EX/users/|" "$EX/inkacoca.topology" >mixed.topology
"$M" build mixed.topology -o mixed >mixed.out 2>mixed.err
check_rc "ldap: lima by SASL EXTERNAL over ldapi (attributes, filter), the rest from lists: built" 0 \
    test -s mixed/servers
check_rc "ldap: the mixed build gives the same maps" 0 same_maps files mixed

# No memory error on the way (libldap's own allocations kept apart).
check_rc "ldap: the build from the directory runs clean under valgrind" 0 \
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    "$M" build ldap.topology -o valgrind >valgrind.out 2>valgrind.err

# --- many pages, each entry as it arrives --------------------------------
# 250 more users at Lima: 63 pages of 4 entries or fewer, every one read.
# Then one of them, deep in the read, has two names: the build fails on
# it after more than 30 pages were taken, names it, and writes nothing.
i=1
while [ "$i" -le 250 ]; do
    printf 'dn: uid=many%03d,ou=lima,%s\nobjectClass: inetOrgPerson\nuid: many%03d\ncn: m\nsn: m\nmail: many%03d.alias@inkacoca.org\n\n' \
        "$i" "$BASE" "$i" "$i"
    echo "uid=many$(printf %03d "$i"),ou=lima,$BASE" >>many.dns
    i=$((i + 1))
done >many.ldif
quietly() { "$@" >/dev/null; }
check_rc "ldap: 250 more users added under ou=lima" 0 \
    quietly ldapadd -x -H "$URL" -D "cn=root,$BASE" -y secret.raw -f many.ldif
"$M" build ldap.topology -o many >many.out 2>many.err
check_rc "ldap: a build over 63 pages of 4 entries succeeds" 0 test -s many/servers
check_eq "ldap: every entry of every page is a user" \
    "$(( $(grep -o '[0-9]* users' files.out | tail -1 | cut -d' ' -f1) + 250 ))" \
    "$(grep -o '[0-9]* users' many.out | tail -1 | cut -d' ' -f1)"
check_eq "ldap: every alias of every page is in the switch map" 250 \
    "$(grep -c '^many[0-9]*\.alias@inkacoca.org' many/switch.vut)"
printf 'dn: uid=many137,ou=lima,%s\nchangetype: modify\nadd: uid\nuid: many137b\n' "$BASE" >twonames.ldif
ldapmodify -x -H "$URL" -D "cn=root,$BASE" -y secret.raw -f twonames.ldif >/dev/null 2>&1
"$M" build ldap.topology -o twonames >twonames.out 2>twonames.err
check_eq "ldap: an entry deep in the read that is not a user fails the build" 65 "$?"
check_rc "ldap: the build names the entry" 0 grep -qF \
    "uid=many137,ou=lima,$BASE: 2 values of uid, not one" twonames.err
check_rc "ldap: nothing written after a failure half way through the read" 1 test -e twonames
valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    "$M" build ldap.topology -o twonames >twonames-vg.out 2>twonames-vg.err
check_eq "ldap: the read given up half way runs clean under valgrind (exit 65, not 99)" 65 "$?"
check_rc "ldap: the 250 users removed again" 0 \
    ldapdelete -x -H "$URL" -D "cn=root,$BASE" -y secret.raw -f many.dns

# --- each branch admin writes its own subtree only -----------------------
printf 'dn: uid=nina,ou=lima,%s\nobjectClass: inetOrgPerson\nuid: nina\ncn: nina\nsn: nina\nmail: nina@inkacoca.org\n' \
    "$BASE" >nina.ldif
printf 'dn: uid=nino,ou=cuzco,%s\nobjectClass: inetOrgPerson\nuid: nino\ncn: nino\nsn: nino\n' \
    "$BASE" >nino.ldif
check_rc "ldap: lima-admin adds a user under ou=lima" 0 \
    ldapadd -x -H "$URL" -D "cn=lima-admin,$BASE" -y secret.raw -f nina.ldif
ldapadd -x -H "$URL" -D "cn=lima-admin,$BASE" -y secret.raw -f nino.ldif >nino.out 2>&1
check_eq "ldap: lima-admin adding under ou=cuzco is refused (insufficient access)" \
    50 "$?"
check_rc "ldap: slapd names the refusal" 0 grep -q "Insufficient access" nino.out
ldapdelete -x -H "$URL" -D "cn=lima-admin,$BASE" -y secret.raw "uid=carlos,ou=cuzco,$BASE" >del.out 2>&1
check_eq "ldap: lima-admin cannot delete a user of ou=cuzco" 50 "$?"
printf 'dn: uid=ana,ou=lima,%s\nchangetype: modify\nadd: mail\nmail: x@inkacoca.org\n' "$BASE" >mod.ldif
ldapmodify -x -H "$URL" -D "cn=maptool,$BASE" -y secret.raw -f mod.ldif >mod.out 2>&1
check_eq "ldap: maptool's account reads and cannot write" 50 "$?"
"$M" build ldap.topology -o added >added.out 2>added.err
check_rc "ldap: the user lima-admin added is in the next build, at lima" 0 \
    grep -q '^nina@inkacoca.org[[:space:]]*nina%3@lima.inkacoca.org' added/switch.vut

# --- a clash names the entry's DN ----------------------------------------
printf 'dn: uid=jorge,ou=cuzco,%s\nobjectClass: inetOrgPerson\nuid: jorge\ncn: j\nsn: j\n\n' "$BASE" >clash.ldif
printf 'dn: uid=wara,ou=cuzco,%s\nobjectClass: inetOrgPerson\nuid: wara\ncn: w\nsn: w\nmail: ana.torres@inkacoca.org\n' \
    "$BASE" >>clash.ldif
check_rc "ldap: cuzco-admin adds two clashing users under ou=cuzco" 0 \
    ldapadd -x -H "$URL" -D "cn=cuzco-admin,$BASE" -y secret.raw -f clash.ldif
"$M" build ldap.topology -o clash >clash.out 2>clash.err
check_eq "ldap: a clash in the directory fails the build" 65 "$?"
check_rc "ldap: a user clash names both entries' DNs" 0 grep -qF \
    "uid=jorge,ou=cuzco,$BASE: user jorge is already a user of branch lima (uid=jorge,ou=lima,$BASE)" clash.err
check_rc "ldap: an alias that is taken names both entries' DNs" 0 grep -qF \
    "uid=wara,ou=cuzco,$BASE: alias ana.torres is already an alias of ana, branch lima (uid=ana,ou=lima,$BASE)" clash.err
check_rc "ldap: nothing written on a clash" 1 test -e clash
ldapdelete -x -H "$URL" -D "cn=cuzco-admin,$BASE" -y secret.raw \
    "uid=jorge,ou=cuzco,$BASE" "uid=wara,ou=cuzco,$BASE" >/dev/null 2>&1

# --- never a build from a partial read -----------------------------------
ldap_topology small.topology "s|cn=maptool,|cn=small,|"
"$M" build small.topology -o small >small.out 2>small.err
check_rc "ldap: a size limit fails the build, named" 0 grep -q "Size limit exceeded" small.err
check_rc "ldap: nothing written after a size limit" 1 test -e small

printf 'dn: cn=moved,ou=lima,%s\nobjectClass: referral\nobjectClass: extensibleObject\ncn: moved\nref: ldap://192.0.2.1/ou=lima,%s\n' \
    "$BASE" "$BASE" >ref.ldif
ldapadd -M -x -H "$URL" -D "cn=root,$BASE" -y secret.raw -f ref.ldif >ref.add 2>&1
"$M" build ldap.topology -o referral >referral.out 2>referral.err
check_rc "ldap: a referral in a branch's subtree fails the build" 0 \
    grep -q "branch lima: cannot read users .*refers elsewhere" referral.err
check_rc "ldap: nothing written after a referral" 1 test -e referral
ldapdelete -M -x -H "$URL" -D "cn=root,$BASE" -y secret.raw "cn=moved,ou=lima,$BASE" >/dev/null 2>&1

ldap_topology bigpage.topology "s/ldap-page-size 4/ldap-page-size 500/"
"$M" build bigpage.topology -o bigpage >bigpage.out 2>bigpage.err
check_rc "ldap: pages larger than the server allows fail the build, named" 0 \
    grep -q "illegal pagedResults page size" bigpage.err

: >empty.secret
ldap_topology nopass.topology "s|$T/secret|$T/empty.secret|"
"$M" build nopass.topology -o nopass >nopass.out 2>nopass.err
check_rc "ldap: an empty password file is refused, never an anonymous bind" 0 \
    grep -q "the bind password is empty" nopass.err
printf 'wrong\n' >wrong.secret
ldap_topology wrong.topology "s|$T/secret|$T/wrong.secret|"
"$M" build wrong.topology -o wrong >wrong.out 2>wrong.err
check_rc "ldap: a wrong password fails the build, named" 0 grep -q "bind failed: Invalid credentials" wrong.err

# --- no syncprov here: nothing to follow, but a build at start ------------
"$M" build --follow ldap.topology -o follow >follow.out 2>follow.log &
FPID=$!
wait_until 20 "the follower's first round" grep -qx state=failing follow.status
check_rc "ldap: without syncprov, maptool build --follow still builds at start" 0 \
    grep -qx builds=1 follow.status
check_rc "ldap: and its status says there is no contextCSN to follow" 0 \
    grep -q "^last_error=branch lima: .*no contextCSN .*syncprov" follow.status
stop_pid 10 "maptool build --follow" "$FPID"
FPID=

slapd_stop "$SD"
"$M" build ldap.topology -o down >down.out 2>down.err
check_eq "ldap: the directory down fails the build" 65 "$?"
check_rc "ldap: the build says the server cannot be reached" 0 \
    grep -q "branch lima: cannot read users from $URL/ou=lima,$BASE: .*Can't contact LDAP server" down.err
check_rc "ldap: nothing written with the directory down" 1 test -e down
