#!/bin/sh
# t-valgrind.sh - maptool's commands under valgrind: no invalid access,
# no uninitialised use, no leak (definite or indirect), good input or bad.
. "$TOP/tests/lib/tap.sh"

. "$TOP/tests/lib/valgrind.sh"
cd "$T" || exit 1

cat >t.vut <<'TABLE'
diego1@inkacoca.org	diego1@lima.inkacoca.org
team@inkacoca.org	diego1@inkacoca.org, ana@trujillo.inkacoca.org, gone@inkacoca.org
gone@inkacoca.org	error:nouser 550 Gone
@switch.inkacoca.org	%1@inkacoca.org
@inkacoca.org	error:nouser 550 User unknown
@a.test	%1@b.test
@b.test	%1@a.test
TABLE
printf 'bad line\n leading@x.test y\nk@x.test %%9\n' >bad.vut
awk 'BEGIN { for (i = 0; i < 30000; i++) printf "u%d@big.test v%d@w.test\n", i, i }' >big.vut

vg_rc "compile" 0 "$MAPTOOL" compile t.vut
vg_rc "compile a big table (two threads)" 0 "$MAPTOOL" compile big.vut
vg_rc "compile a bad table" 65 "$MAPTOOL" compile bad.vut
vg_rc "compile a missing table" 66 "$MAPTOOL" compile missing.vut
vg_rc "dump" 0 "$MAPTOOL" dump t.vut.db
vg_rc "query with trace" 0 "$MAPTOOL" query --trace t.vut.db diego1@switch.inkacoca.org \
    team@inkacoca.org nobody@inkacoca.org u@a.test 'a@@b' x@elsewhere.test
printf 'u1@big.test\nU2@BIG.TEST\nx@y\n' >addrs
vg_rc "query from stdin" 0 "$MAPTOOL" query big.vut.db - <addrs
vg_rc "check a table" 1 "$MAPTOOL" check t.vut
vg_rc "check a map" 1 "$MAPTOOL" check t.vut.db
head -c 3000 big.vut.db >trunc.db
vg_rc "query a truncated map" 66 "$MAPTOOL" query trunc.db a@b
