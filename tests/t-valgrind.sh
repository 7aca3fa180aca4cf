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

vg "compile" "$MAPTOOL" compile t.vut
vg "compile a big table (two threads)" "$MAPTOOL" compile big.vut
vg "compile a bad table" "$MAPTOOL" compile bad.vut
vg "compile a missing table" "$MAPTOOL" compile missing.vut
vg "dump" "$MAPTOOL" dump t.vut.db
vg "query with trace" "$MAPTOOL" query --trace t.vut.db diego1@switch.inkacoca.org \
    team@inkacoca.org nobody@inkacoca.org u@a.test 'a@@b' x@elsewhere.test
printf 'u1@big.test\nU2@BIG.TEST\nx@y\n' >addrs
vg "query from stdin" "$MAPTOOL" query big.vut.db - <addrs
vg "check a table" "$MAPTOOL" check t.vut
vg "check a map" "$MAPTOOL" check t.vut.db
head -c 3000 big.vut.db >trunc.db
vg "query a truncated map" "$MAPTOOL" query trunc.db a@b
