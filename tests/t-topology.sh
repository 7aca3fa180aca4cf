#!/bin/sh
# t-topology.sh - the topology file and the branch user lists: what
# maptool build accepts, every error it reports (FILE:LINE, conflicts
# naming both files and lines), and that nothing is written on error.
. "$TOP/tests/lib/tap.sh"

M=$MAPTOOL
cd "$T" || exit 1

# small_topology DIR: a two-branch topology in DIR, users in DIR/users.
small_topology() {
    mkdir -p "$1/users"
    cat >"$1/t.topology" <<'EOF'
# a small topology
domain  example.test
switch  sw.example.test  priority 10  address 192.0.2.10
backup  mx2.example.test
    priority 20
    address  192.0.2.20
branch  north
    host      north-mail.example.test
    address   192.0.2.21
    subdomain north.example.test
    users     users/north
branch  south host south-mail.example.test address 192.0.2.22 users users/south
role postmaster ana
EOF
    printf '# north\nana ana.b\nbruno old@north.example.test\n' >"$1/users/north"
    printf 'carla\ndario\n' >"$1/users/south"
}

# build_err NAME: build $NAME/t.topology into $NAME/out; errors in $NAME.err.
build_err() {
    "$M" build "$1/t.topology" -o "$1/out" >"$1.out" 2>"$1.err"
}

# --- the example and a good small topology ------------------------------
"$M" build "$TOP/examples/inkacoca/inkacoca.topology" -o ink >ink.out 2>ink.err
check_rc "examples/inkacoca builds and verifies" 0 test -s ink/servers
check_eq "the example's build reports no problem" 5 "$(grep -c '^proved ' ink.out)"
check_eq "no warnings for the example" "" "$(cat ink.err)"
for f in switch domain lima trujillo cuzco iquitos puerto-maldonado; do
    check "ink/$f.vut and ink/$f.db written" test -s "ink/$f.vut" -a -s "ink/$f.db"
done
check "the zone fragment is written" test -s ink/dns.zone

small_topology ok
check_rc "a small topology builds" 0 build_err ok
check_eq "default subdomain is NAME.DOMAIN" \
    "$(printf 'carla@example.test\tforward\tcarla@south.example.test')" \
    "$("$M" query ok/out/switch.db carla@example.test)"
check_eq "an alias routes to its user" \
    "$(printf 'ana.b@example.test\tforward\tana@north.example.test')" \
    "$("$M" query ok/out/switch.db ana.b@example.test)"
check_eq "an old address routes to its user at the switch" \
    "$(printf 'old@north.example.test\tforward\tbruno@north.example.test')" \
    "$("$M" query ok/out/switch.db old@north.example.test)"
check_eq "the relay name goes back to the domain" \
    "$(printf 'dario@switch.example.test\tforward\tdario@south.example.test')" \
    "$("$M" query ok/out/switch.db dario@switch.example.test)"
check_eq "unknown users are rejected at the switch" \
    "$(printf 'zed@example.test\treject\t550\t5.1.1\tUser unknown')" \
    "$("$M" query ok/out/switch.db zed@example.test)"
check_eq "a role goes to its user" \
    "$(printf 'postmaster@example.test\tforward\tana@north.example.test')" \
    "$("$M" query ok/out/switch.db postmaster@example.test)"
check_eq "a branch delivers its own users locally" \
    "$(printf 'ana@example.test\tforward\tana')" "$("$M" query ok/out/north.db ana@example.test)"
check_eq "a branch's map holds only its users and its subdomain's catch-all" "" \
    "$("$M" dump ok/out/north.db | cut -f1 | grep -v -e '^ana' -e '^bruno' -e '^old@' -e '^@north.example.test$')"
check_eq "a branch rejects unknown users of its subdomain" \
    "$(printf 'zed@north.example.test\treject\t550\t5.1.1\tUser unknown')" \
    "$("$M" query ok/out/north.db zed@north.example.test)"
check_eq "the domain map sends the others to the switch" \
    "$(printf 'carla@example.test\tforward\tcarla@switch.example.test')" \
    "$("$M" query ok/out/domain.db carla@example.test)"
check_eq "the domain map rejects unknown users of the domain" \
    "$(printf 'zed@example.test\treject\t550\t5.1.1\tUser unknown')" \
    "$("$M" query ok/out/domain.db zed@example.test)"
check_eq "the domain map sends an old address to its user's branch" \
    "$(printf 'old@north.example.test\tforward\tbruno@north.example.test')" \
    "$("$M" query ok/out/domain.db old@north.example.test)"
grep -v '^;' ok/out/dns.zone | tr -s ' ' >zone.rr
check_eq "MX records: distinct priorities, switch first" \
    "example.test. IN MX 10 sw.example.test.|example.test. IN MX 20 mx2.example.test." \
    "$(grep '^example.test\. IN MX' zone.rr | tr '\n' '|' | sed 's/|$//')"
check_eq "each subdomain's MX is its branch host" \
    "north.example.test. IN MX 10 north-mail.example.test." \
    "$(grep '^north.example.test\.' zone.rr)"
check_eq "every host has its A record" 4 "$(grep -c ' IN A ' zone.rr)"
check_eq "no MX names an address" "" \
    "$(awk '$3 == "MX" && $5 ~ /^[0-9.]+$/' zone.rr)"
check_eq "no CNAME in the zone" "" "$(grep -i cname zone.rr)"
check_eq "servers: what each server runs, branches first" \
    "north-mail.example.test branch:north rewrite north.db domain.db|south-mail.example.test branch:south rewrite south.db domain.db|sw.example.test switch rewrite switch.db|mx2.example.test backup validate domain.db" \
    "$(sed -n 's/^server *//p' ok/out/servers | tr -s ' ' | tr '\n' '|' | sed 's/|$//')"

if command -v nsd-checkzone >/dev/null 2>&1; then
    { printf '$TTL 300\nexample.test. IN SOA ns.example.test. hostmaster.example.test. 1 60 60 600 60\n'
      printf 'example.test. IN NS ns.example.test.\nns.example.test. IN A 192.0.2.53\n'
      cat ok/out/dns.zone; } >full.zone
    check "nsd-checkzone accepts the fragment in a zone" \
        nsd-checkzone example.test full.zone
else
    skip "nsd-checkzone accepts the fragment in a zone" "nsd not installed"
fi

# Two switches with one priority share the load; verify follows both.
small_topology lb
sed -i 's/^backup .*/switch  sw2.example.test  priority 10  address 192.0.2.11\nbackup mx2.example.test/' lb/t.topology
check_rc "two switches of equal priority build and verify" 0 build_err lb
check_eq "equal MX priorities for load sharing" 2 \
    "$(grep -c '^example.test\. *IN MX *10 ' lb/out/dns.zone)"
check_eq "the relay name leads to both switches" 2 \
    "$(grep -c '^switch.example.test\. *IN MX *10 ' lb/out/dns.zone)"

# Empty arrays: no user has an alias or an old address, no role, and a
# branch without users. Run under UndefinedBehaviorSanitizer by
# t-sanitizers.sh, where arithmetic on a null array pointer aborts.
small_topology bare
printf 'ana\nbruno\n' >bare/users/north
sed -i '/^role /d' bare/t.topology
check_rc "a topology without aliases, old addresses or roles builds" 0 build_err bare
check_eq "only the expected warning" "warning: no postmaster" \
    "$(sed -n 's/^bare\/t.topology: \(warning: no postmaster\).*/\1/p' bare.err)"
: >bare/users/south
check_rc "a branch without users builds" 0 build_err bare
check_rc "and verifies" 0 "$M" verify bare/out >bare.verify 2>&1

# --- +detail: kept on every hop by default, dropped on request ---------
# q DB ADDRESS: what DB answers for ADDRESS, without the address.
q() {
    "$M" query "$1" "$2" | cut -f2- | tr '\t' ' '
}
check_eq "switch: user+tag at the domain keeps the tag to the branch" \
    "forward ana+tag@north.example.test" "$(q ok/out/switch.db ana+tag@example.test)"
check_eq "switch: an alias keeps the tag too" \
    "forward ana+tag@north.example.test" "$(q ok/out/switch.db ana.b+tag@example.test)"
check_eq "switch: the relay name keeps the tag back to the domain" \
    "forward dario+tag@south.example.test" "$(q ok/out/switch.db dario+tag@switch.example.test)"
check_eq "switch: an old address keeps the tag" \
    "forward bruno+tag@north.example.test" "$(q ok/out/switch.db old+tag@north.example.test)"
check_eq "switch: a role passes the tag on to its user" \
    "forward ana+tag@north.example.test" "$(q ok/out/switch.db postmaster+tag@example.test)"
check_eq "switch: no tag, no plus" \
    "forward ana@north.example.test" "$(q ok/out/switch.db ana@example.test)"
check_eq "domain map (backup, branches): the tag goes to the relay name" \
    "forward carla+tag@switch.example.test" "$(q ok/out/domain.db carla+tag@example.test)"
check_eq "domain map: a role keeps the tag" \
    "forward postmaster+tag@switch.example.test" "$(q ok/out/domain.db postmaster+tag@example.test)"
check_eq "branch: its user's mailbox with the tag" \
    "forward ana+tag" "$(q ok/out/north.db ana+tag@example.test)"
check_eq "branch: at its subdomain too" \
    "forward ana+tag" "$(q ok/out/north.db ana.b+tag@north.example.test)"
check_eq "branch: an unknown user with a tag is still unknown" \
    "reject 550 5.1.1 User unknown" "$(q ok/out/north.db zed+tag@north.example.test)"
check "build proved every user's tagged address reaches the tagged mailbox" \
    grep -q '^users: 4 proved, 0 not;' ok.out

small_topology drop
printf 'detail  drop\n' >>drop/t.topology
check_rc "detail drop builds and verifies" 0 build_err drop
check_eq "detail drop: the switch drops the tag" \
    "forward ana@north.example.test" "$(q drop/out/switch.db ana+tag@example.test)"
check_eq "detail drop: the relay name too" \
    "forward dario@south.example.test" "$(q drop/out/switch.db dario+tag@switch.example.test)"
check_eq "detail drop: the domain map too" \
    "forward carla@switch.example.test" "$(q drop/out/domain.db carla+tag@example.test)"
check_eq "detail drop: the branch delivers to the bare mailbox" \
    "forward ana" "$(q drop/out/north.db ana+tag@example.test)"
# Each table differs from the default build's exactly by the %3 of
# every value that names a user or role of the domain.
for f in switch domain north south; do
    check_eq "detail keep and drop: $f.vut differs only by %3" "" \
        "$(sed 's/%3//g' "ok/out/$f.vut" | diff - "drop/out/$f.vut" | grep '^[<>] [^#]')"
    check_rc "detail keep and drop: $f.vut differs" 1 \
        cmp -s "ok/out/$f.vut" "drop/out/$f.vut"
done
small_topology rolex
printf 'role sales ana, x@outside.test\n' >>rolex/t.topology
build_err rolex
check_eq "a role: the tag for its user, none for an outside target" \
    "sales@example.test ana%3@example.test, x@outside.test" \
    "$(grep '^sales@' rolex/out/switch.vut | tr -s ' ')"
check_rc "verify with detail drop refuses a build that keeps the tag" 65 \
    "$M" verify -t drop/t.topology ok/out >dropv.out 2>&1
check "...naming the tagged mailbox it got" grep -q \
    "ana+mailswitch-verify@example.test: wanted mailbox ana at north only; got mailbox ana+mailswitch-verify at north" \
    dropv.out
check_rc "verify with detail keep refuses a build that drops it" 65 \
    "$M" verify -t ok/t.topology drop/out >keepv.out 2>&1
check "...naming the bare mailbox it got" grep -q \
    "ana+mailswitch-verify@example.test: wanted mailbox ana+mailswitch-verify at north only; got mailbox ana at north" \
    keepv.out

# --- errors: FILE:LINE, both places for conflicts, nothing written -------
# expect_error NAME PATTERN: the build of NAME failed, wrote nothing, and
# its messages match PATTERN (grep -E).
expect_error() {
    if build_err "$1"; then
        fail "$1: build fails"
    else
        pass "$1: build fails"
    fi
    if grep -qE "$2" "$1.err"; then
        pass "$1: reported as wanted"
    else
        fail "$1: reported as wanted"
        sed 's/^/#   /' "$1.err"
    fi
    check "$1: nothing written" test ! -e "$1/out"
    check_eq "$1: no build directory left behind" "" "$(ls -a "$1" | grep build)"
}

small_topology dup
printf 'erik\ncarla\n' >>dup/users/north
expect_error dup "^dup/users/south:1: user carla is already a user of branch north \(dup/users/north:5\)$"

small_topology diego
printf 'diego\n' >>diego/users/north
printf 'diego\n' >>diego/users/south
expect_error diego "^diego/users/south:3: user diego is already a user of branch north \(diego/users/north:4\)"

small_topology role
printf 'postmaster\n' >>role/users/south
expect_error role "^role/t.topology:13: role postmaster is already a user of branch south \(role/users/south:3\)$"

small_topology alias
printf 'eve carla\n' >>alias/users/north
expect_error alias "^alias/users/south:1: user carla is already an alias of eve, branch north \(alias/users/north:4\)$"

small_topology old
printf 'eve ana@north.example.test\n' >>old/users/south
expect_error old "^old/users/south:3: old address ana@north.example.test belongs to ana, which is a user of branch north \(old/users/north:2\)$"

small_topology old2
printf 'eve old@north.example.test\n' >>old2/users/south
expect_error old2 "^old2/users/south:3: old address old@north.example.test is already bruno's, of branch north \(old2/users/north:3\)$"

# An old address that is the user's own address at the user's own
# subdomain (by name or by alias): a warning, and one entry, not two.
small_topology self
printf 'carla carla@south.example.test\ndario dario.c dario.c@south.example.test\n' >self/users/south
check_rc "self: an old address that is the user's own: the build succeeds" 0 build_err self
check_eq "self: a warning for each, at its line" \
    "$(printf '%s\n' "self/users/south:1: warning: old address carla@south.example.test is already carla's own address" \
        "self/users/south:2: warning: old address dario.c@south.example.test is already dario's own address")" \
    "$(grep warning self.err)"
check_eq "self: the branch map has the address once" 1 \
    "$(grep -c '^carla@south\.example\.test[[:space:]]' self/out/south.vut)"
check_eq "self: it still reaches the user at the branch" \
    "$(printf 'dario.c@south.example.test\tforward\tdario')" \
    "$("$M" query self/out/south.db dario.c@south.example.test)"

small_topology nohost
sed -i '/north-mail/d' nohost/t.topology
expect_error nohost "^nohost/t.topology:7: branch north has no host \(add \"host NAME\""

small_topology noprio
sed -i 's/priority 10 *//' noprio/t.topology
expect_error noprio "^noprio/t.topology:3: switch sw.example.test has no priority"

small_topology share
sed -i 's/priority 20/priority 10/' share/t.topology
expect_error share "^share/t.topology:5: backup mx2.example.test has priority 10: a backup MX needs a higher number"

small_topology ipmx
sed -i 's/^switch  sw.example.test/switch  192.0.2.10/' ipmx/t.topology
expect_error ipmx "^ipmx/t.topology:3: switch host 192.0.2.10 is an address: an MX must name a host, never an address$"

small_topology noaddr
sed -i 's/address 192.0.2.22//' noaddr/t.topology
expect_error noaddr "^noaddr/t.topology:12: south host south-mail.example.test is in example.test but has no address"

small_topology samehost
sed -i 's/south-mail.example.test/north-mail.example.test/' samehost/t.topology
expect_error samehost "^samehost/t.topology:12: host north-mail.example.test is already the host of north \(line 8\)"

small_topology keyword
printf 'brnch west\n' >>keyword/t.topology
expect_error keyword "^keyword/t.topology:14: unknown statement brnch"

small_topology indent
sed -i '1a\    priority 5' indent/t.topology
expect_error indent "^indent/t.topology:2: indented line outside a switch, backup or branch"

small_topology twice
printf 'domain other.test\n' >>twice/t.topology
expect_error twice "^twice/t.topology:14: domain given twice \(first at line 2\)$"

small_topology badattr
sed -i 's/subdomain north.example.test/subdomain north.elsewhere.test/' badattr/t.topology
expect_error badattr "^badattr/t.topology:10: subdomain north.elsewhere.test must be under example.test"

small_topology nolist
sed -i 's#users/south#users/nowhere#' nolist/t.topology
expect_error nolist "^nolist/t.topology:12: branch south: cannot read user list nolist/users/nowhere: No such file"

small_topology badname
printf 'a+b\nc%%d\n' >>badname/users/south
expect_error badname "^badname/users/south:3: user a\+b: a name may not hold"

small_topology roletarget
printf 'role sales nobody\n' >>roletarget/t.topology
expect_error roletarget "^roletarget/t.topology:14: role sales: target nobody is no user of any branch$"
small_topology roledup
printf 'role sales ana, ana.b, x@outside.test, X@Outside.Test\n' >>roledup/t.topology
expect_error roledup "^roledup/t.topology:14: role sales: targets ana@example.test and ana.b@example.test are the same mailbox$"
expect_error roledup "^roledup/t.topology:14: role sales: targets x@outside.test and X@Outside.Test are the same mailbox$"
small_topology roleok
printf 'role sales ana, bruno, x@outside.test\n' >>roleok/t.topology
build_err roleok
check_eq "a role with distinct targets builds" 0 $?

small_topology baddetail
printf 'detail maybe\n' >>baddetail/t.topology
expect_error baddetail "^baddetail/t.topology:14: detail maybe: keep \(user\+detail arrives as such\) or drop \(as user\)$"
small_topology detail2
printf 'detail keep\ndetail drop\n' >>detail2/t.topology
expect_error detail2 "^detail2/t.topology:15: detail given twice \(first at line 14\)$"

small_topology crlf
printf 'erik\r\n' >>crlf/users/south
expect_error crlf "^crlf/users/south:3: carriage return in line"

small_topology many
printf 'dario\n' >>many/users/north
sed -i 's/^role.*/role postmaster nobody/' many/t.topology
expect_error many "^many/users/south:2: user dario is already a user of branch north \(many/users/north:4\)$"
check "many: every error reported, not just the first" grep -q "role postmaster: target nobody" many.err
check "many: the count of errors is given" grep -q "2 errors, nothing written" many.err

small_topology reserved
sed -i 's/^branch  south/branch  switch/' reserved/t.topology
expect_error reserved "^reserved/t.topology:12: branch name switch is reserved"

# --- the build directory ---------------------------------------------
mkdir -p keep && echo precious >keep/file
small_topology kt
check_rc "a directory that is no build is not replaced" 73 "$M" build kt/t.topology -o keep
check_eq "its files are untouched" precious "$(cat keep/file)"

ln -s keep keeplink
check_rc "a symbolic link as the build directory is refused" 73 "$M" build kt/t.topology -o keeplink

small_topology re
build_err re
ino=$(stat -c %i re/out/switch.db)
printf 'erik\n' >>re/users/south
build_err re
check_eq "a rebuild replaces the whole directory" \
    "$(printf 'erik@example.test\tforward\terik@south.example.test')" \
    "$("$M" query re/out/switch.db erik@example.test)"
check "the rebuild wrote new maps" test "$(stat -c %i re/out/switch.db)" != "$ino"
chmod 750 re/out
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    chown nobody re/out
fi
owner=$(stat -c %U re/out) ino=$(stat -c %i re/out)
build_err re
check "a third build replaced the directory" test "$(stat -c %i re/out)" != "$ino"
check_eq "a rebuild keeps the build directory's mode" 750 "$(stat -c %a re/out)"
check_eq "and its owner" "$owner" "$(stat -c %U re/out)"
printf 'carla\n' >>re/users/north
build_err re
check_eq "a failed rebuild leaves the old build as it was" \
    "$(printf 'erik@example.test\tforward\terik@south.example.test')" \
    "$("$M" query re/out/switch.db erik@example.test)"
check_eq "and no temporary directory" "" "$(ls -a re | grep build)"

# --- usage --------------------------------------------------------------
check_rc "build without -o is a usage error" 64 "$M" build ok/t.topology
check_rc "a missing topology" 66 "$M" build nosuch.topology -o x
for opt in "-s abc" "-s -1" "-s 10001" "-j 0" "-j 65" "-j 2x"; do
    out=$("$M" build $opt ok/t.topology -o bad-opt 2>&1)
    check_eq "build $opt is a usage error (64)" 64 $?
    check "build $opt: says which numbers it takes" \
        grep -q "build: ${opt% *} takes a number from" <<EOF2
$out
EOF2
done
check "a bad option writes nothing" test ! -e bad-opt
check_rc "verify -j abc is a usage error" 64 "$M" verify -j abc ok/out 2>/dev/null
check_rc "query -H 0 is a usage error" 64 "$M" query -H 0 ok/out/switch.db x@y 2>/dev/null

# --- the install order: branches that gain users first -----------------
small_topology mv
build_err mv
check_eq "a first build lists the branches as the topology does" "north south" \
    "$(sed -n 's/^server .* branch:\([a-z]*\) .*/\1/p' mv/out/servers | tr '\n' ' ' | sed 's/ $//')"
sed -i '/^carla$/d' mv/users/south
printf 'carla carla@south.example.test\n' >>mv/users/north
sed -i 's/^branch  north/branch  north/' mv/t.topology
build_err mv
check_eq "a user moving south to north: north is installed first" \
    "install the branches that gain users first: north (see mv/out/servers)" "$(tail -n 1 mv.out)"
printf 'zoe\n' >>mv/users/south
build_err mv
check_eq "a new user in the second branch puts it first" "south north" \
    "$(sed -n 's/^server .* branch:\([a-z]*\) .*/\1/p' mv/out/servers | tr '\n' ' ' | sed 's/ $//')"
build_err mv
check_eq "an unchanged rebuild keeps the topology's order" "north south" \
    "$(sed -n 's/^server .* branch:\([a-z]*\) .*/\1/p' mv/out/servers | tr '\n' ' ' | sed 's/ $//')"
check_eq "the moved user's old address goes to the new branch, straight" \
    "$(printf 'carla@south.example.test\tforward\tcarla@north.example.test')" \
    "$("$M" query mv/out/domain.db carla@south.example.test)"
