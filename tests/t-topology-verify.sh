#!/bin/sh
# t-topology-verify.sh - maptool verify proves a good build, and finds
# each kind of broken build: a wrong or missing route, a double delivery,
# a loop, branch mail through the switch, an unknown recipient accepted,
# a bad zone, a servers file or a topology that no longer matches.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/topology.sh"

M=$MAPTOOL
cd "$T" || exit 1

mkdir -p src/users
example_topology src/t.topology "role postmaster ana" \
    "role team ana, carla, help@outside.test"
printf 'ana\nbruno old@north.example.test\n' >src/users/north
printf 'carla\ndario\n' >src/users/south
"$M" build src/t.topology -o good >build.out 2>&1
check_rc "the build verifies" 0 "$M" verify good
"$M" verify good >good.out 2>&1
check_eq "five promises proved" 5 "$(grep -c '^proved ' good.out)"
check "the summary has a row per entry point" \
    grep -qE '^mx2.example.test +MX 20 example.test ' good.out
check "the summary has the branch submissions" \
    grep -qE '^north-mail.example.test +submission ' good.out
check "every user proved" grep -q '^users: 4 proved, 0 not; roles: 2 of 2;' good.out
check_rc "-t names the topology" 0 "$M" verify -t src/t.topology good
check_rc "-j and -s" 0 "$M" verify -j 2 -s 3 good
check_rc "a missing build directory" 66 "$M" verify nowhere

# broken NAME FILE SED-SCRIPT: a copy of the good build with FILE edited
# (a .vut is compiled again into its .db); verify's output in NAME.out.
broken() {
    rm -rf "$1" && cp -r good "$1" && sed -i "$3" "$1/$2" || return 1
    case $2 in *.vut) "$M" compile -o "$1/${2%.vut}.db" "$1/$2" || return 1 ;; esac
    "$M" verify "$1" >"$1.out" 2>&1
    echo $? >"$1.rc"
}

# expect NAME PROMISE-PATTERN PROBLEM-PATTERN: verify (run by broken)
# exited 65, a problem found, and printed the broken promise.
expect() {
    if [ "$(cat "$1.rc" 2>/dev/null)" != 65 ] || ! grep -q '^FAILED' "$1.out"; then
        fail "$1: verify finds it (exit $(cat "$1.rc" 2>/dev/null), wanted 65 and a FAILED line)"
        sed 's/^/#   /' "$1.out" | tail -n 8
        return
    fi
    pass "$1: verify finds it"
    check "$1: the broken promise" grep -qE "^FAILED +$2" "$1.out"
    if grep -qE "$3" "$1.out"; then
        pass "$1: the problem is named"
    else
        fail "$1: the problem is named"
        grep '^problem' "$1.out" | head -n 5 | sed 's/^/#   /'
    fi
}

broken missing switch.vut '/^dario@example.test/d'
check_rc "missing: exit status 65" 65 "$M" verify missing
expect missing "every known address" \
    '^problem: sw.example.test, MX 10 example.test: dario@example.test: wanted mailbox dario at south only; got rejected by sw.example.test: 550 User unknown'

broken wrong switch.vut 's/^carla@example.test .*/carla@example.test carla@north.example.test/'
expect wrong "every known address" 'carla@example.test: wanted mailbox carla at south only; got rejected by north-mail'

broken twice switch.vut 's/^ana@example.test .*/ana@example.test ana@north.example.test, bruno@north.example.test/'
expect twice "every known address" \
    'ana@example.test: wanted mailbox ana at north only; got mailbox ana at north .*; mailbox bruno at north'

broken loop switch.vut '$a @north.example.test %1@example.test'
expect loop "no path loops" 'Mail routing loop'

broken self domain.vut 's/^dario@example.test .*/dario@example.test dario@sw.example.test/'
expect self "no path loops" 'loops back to itself|no MX or address record'

broken local north.vut '/^ana@example.test/d'
expect local "no mail a branch sends to its own users" \
    'north-mail.example.test, submission: ana@example.test: wanted mailbox ana at north only, no switch; got mailbox ana at north \(2 hops, via a switch\)'

broken unknown domain.vut '/^@example.test/d'
expect unknown "every unknown address is rejected by the first server" \
    'mx2.example.test, MX 20 example.test: mailswitch-verify-nobody-[0-9]+@example.test: wanted a 5xx rejection by the first server; got rejected by sw.example.test'

broken foreign north.vut '$a carla@example.test carla'
expect foreign "the build is consistent" 'north.db holds carla@example.test, which is no address of a user of branch north'

broken zoneip dns.zone 's/IN MX    10 north-mail.example.test./IN MX    10 192.0.2.21./'
expect zoneip "the build is consistent" 'MX 192.0.2.21 is an address'

broken zonemx dns.zone '/^example.test\..*mx2/d'
check "zonemx: a build without the backup's MX still routes" grep -q '^proved   every known' zonemx.out
check "zonemx: but the backup is no entry point any more" sh -c '! grep -q "MX 20 example.test" zonemx.out'
check_eq "zonemx: verify exits 0" 0 "$(cat zonemx.rc)"

broken servers servers '/ south-mail/d; /^users *south /d'
expect servers "the build is consistent" 'lists 3 servers; .* has 4'

rm -rf stale && cp -r good stale
cp -r src stalesrc
printf 'erik\n' >>stalesrc/users/south
"$M" verify -t stalesrc/t.topology stale >stale.out 2>&1
echo $? >stale.rc
expect stale "every known address" 'erik@example.test: wanted mailbox erik at south only; got rejected'

broken role switch.vut 's/^team@example.test .*/team@example.test ana@example.test, help@outside.test/'
expect role "every known address" 'team@example.test: wanted each target of role team once'

# A corrupt map is refused, not half-read.
rm -rf corrupt && cp -r good corrupt && head -c 5000 good/switch.db >corrupt/switch.db
"$M" verify corrupt >corrupt.out 2>&1
check_rc "corrupt: a truncated map stops verify" 66 "$M" verify corrupt
check "corrupt: it says which map" grep -q 'switch.db' corrupt.out
