#!/bin/sh
# t-topology-valgrind.sh - maptool build, verify and install under
# valgrind: no invalid access, no uninitialised use, no leak (definite or
# indirect), for good input and bad, with and without threads.
. "$TOP/tests/lib/tap.sh"

. "$TOP/tests/lib/valgrind.sh"
cd "$T" || exit 1

mkdir -p t/users
cat >t/t.topology <<'TOPO'
domain  example.test
switch  sw.example.test  priority 10  address 192.0.2.10
switch  sw2.example.test priority 10  address 192.0.2.11
backup  mx2.example.test priority 20  address 2001:db8::20
branch  north host north-mail.example.test address 192.0.2.21 users users/north
branch  south host south-mail.example.test address 192.0.2.22 users users/south
role postmaster ana
role team ana, carla, help@outside.test
TOPO
printf 'ana ana.b\nbruno old@north.example.test\n' >t/users/north
printf 'carla\ndario dd old@south.example.test\n' >t/users/south

vg_rc "build (load-shared switches, IPv6, aliases, roles)" 0 "$MAPTOOL" build t/t.topology -o out
check "the build under valgrind wrote its servers file" test -s out/servers
vg_rc "verify" 0 "$MAPTOOL" verify out
vg_rc "verify in two threads" 0 "$MAPTOOL" verify -j 2 -s 3 out
vg_rc "rebuild over an earlier build" 0 "$MAPTOOL" build t/t.topology -o out
cp out/switch.db live.db
vg_rc "install" 0 "$MAPTOOL" install out/domain.db live.db
vg_rc "install refused" 66 "$MAPTOOL" install t/t.topology live.db

# Bad input: conflicts, a missing list, a broken build.
cp -r t bad
printf 'carla\npostmaster\nx+y\n' >>bad/users/north
printf 'brnch west\n    priority 5\n' >>bad/t.topology
vg_rc "build with errors" 65 "$MAPTOOL" build bad/t.topology -o badout
sed -i 's#users/south#users/nowhere#' bad/t.topology
vg_rc "build with a missing user list" 65 "$MAPTOOL" build bad/t.topology -o badout
cp -r out broken
printf 'carla@example.test carla\n' >>broken/north.vut
"$MAPTOOL" compile -o broken/north.db broken/north.vut
sed -i '/ south-mail/d; /^users *south /d' broken/servers
vg_rc "verify a broken build" 65 "$MAPTOOL" verify broken
vg_rc "verify a missing build" 66 "$MAPTOOL" verify nowhere
