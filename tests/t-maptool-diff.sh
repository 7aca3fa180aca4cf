#!/bin/sh
# t-maptool-diff.sh - change review before install: the same table gives
# the same map bytes (compile and build), and maptool diff (and build's
# summary) names, per server, exactly the answers a change of the user
# lists changes: one user added, one removed, one moved.
. "$TOP/tests/lib/tap.sh"

M=$MAPTOOL
cd "$T" || exit 1

# --- identical tables, identical bytes ---------------------------------
python3 "$TOP/bench/gen-table" -n 20000 -s 7 >big
for opts in "-t hash" "-t hash -N" "-t btree" "-t btree -N"; do
    # shellcheck disable=SC2086
    "$M" compile $opts -o one.db big && "$M" compile $opts -o two.db big
    check "compile $opts twice: byte-identical maps" cmp -s one.db two.db
done
check_rc "the sealed map passes Berkeley DB's own verifier" 0 db5.3_verify -q one.db
check_eq "makemap reads the sealed map whole" 20000 \
    "$(/usr/libexec/sendmail/makemap -u -N btree one.db | wc -l | tr -d ' ')"
printf 'a@x.test\tb@y.test\n' >small
"$M" compile -o s1.db small
printf 'a@x.test\tc@y.test\n' >small
"$M" compile -o s2.db small
check "different entries: different maps" sh -c '! cmp -s s1.db s2.db'

cp -r "$TOP/examples/inkacoca" ink
"$M" build ink/inkacoca.topology -o b1 >b1.out 2>&1
check_rc "the example builds" 0 "$M" build ink/inkacoca.topology -o b1again >/dev/null 2>&1
same=0 n=0
for f in b1/*.db; do
    n=$((n + 1))
    cmp -s "$f" "b1again/${f#b1/}" && same=$((same + 1))
done
check_eq "build twice: every map byte-identical" "$n of $n" "$same of $n"

# --- one user added, one removed, one moved -------------------------------
cp -r ink ink2
sed -i '/^carmen/d; /^rosa/d' ink2/users/lima
printf 'pia\nrosa        rosa@lima.inkacoca.org\n' >>ink2/users/cuzco
check_rc "the changed lists build" 0 "$M" build ink2/inkacoca.topology -o b2 >/dev/null 2>&1

check_rc "identical builds: exit 0" 0 "$M" diff b1 b1again >same.out 2>same.err
check_eq "identical builds: no lines" "" "$(cat same.out same.err)"
check_rc "changed builds: exit 1" 1 "$M" diff b1 b2 >diff.out 2>diff.err
check_eq "changed builds: nothing on stderr" "" "$(cat diff.err)"

# Per server, KIND ADDRESS of each change (from its + line).
summary() {
    awk '/^server/ { print $2; next }
         /^\+/ { print "  " substr($1, 2) " " $2 }' "$1"
}
summary diff.out >got
cat >want <<'EOF'
lima-mail.inkacoca.org
  removed carmen@inkacoca.org
  removed carmen@lima.inkacoca.org
  added pia@inkacoca.org
  moved rosa@inkacoca.org
  moved rosa@lima.inkacoca.org
tru-mail.inkacoca.org
  removed carmen@inkacoca.org
  added pia@inkacoca.org
  added rosa@lima.inkacoca.org
cuzco-mail.inkacoca.org
  removed carmen@inkacoca.org
  added pia@cuzco.inkacoca.org
  added pia@inkacoca.org
  added rosa@cuzco.inkacoca.org
  moved rosa@inkacoca.org
  added rosa@lima.inkacoca.org
iquitos-mail.inkacoca.org
  removed carmen@inkacoca.org
  added pia@inkacoca.org
  added rosa@lima.inkacoca.org
pm-mail.inkacoca.org
  removed carmen@inkacoca.org
  added pia@inkacoca.org
  added rosa@lima.inkacoca.org
switch.inkacoca.org
  removed carmen@inkacoca.org
  added pia@inkacoca.org
  moved rosa@inkacoca.org
  added rosa@lima.inkacoca.org
mx2.inkacoca.org
  removed carmen@inkacoca.org
  added pia@inkacoca.org
  added rosa@lima.inkacoca.org
EOF
check "exactly the changed addresses, per server" cmp -s want got || diff want got | sed 's/^/# /' >&8
tab=$(printf '\t')
check_eq "the switch: counts" \
    "server switch.inkacoca.org switch: 2 added, 1 removed, 1 moved, 0 reject changed" \
    "$(grep '^server switch' diff.out)"
check_eq "moved: from lima to cuzco, as query lines" \
    "-moved${tab}rosa@inkacoca.org${tab}forward${tab}rosa@lima.inkacoca.org
+moved${tab}rosa@inkacoca.org${tab}forward${tab}rosa@cuzco.inkacoca.org" \
    "$(sed -n '/^server switch/,/^server/p' diff.out | grep 'moved.rosa')"
check_eq "removed: the old answer and the reject now" \
    "-removed${tab}carmen@inkacoca.org${tab}forward${tab}carmen@lima.inkacoca.org
+removed${tab}carmen@inkacoca.org${tab}reject${tab}550${tab}5.1.1${tab}User unknown" \
    "$(sed -n '/^server switch/,/^server/p' diff.out | grep 'removed.carmen')"
check_eq "each + line is what maptool query answers now" \
    "$("$M" query b2/switch.db pia@inkacoca.org)" \
    "$(sed -n '/^server switch/,/^server/p' diff.out | grep '^+added.pia' | cut -f2-)"
"$M" diff -a b1 b2 >every.out
check "-a (every address resolved) finds the same changes" cmp -s diff.out every.out

# A catch-all's reject text changes for every unknown address.
cp -r ink ink3
sed -i 's/^reject-unknown.*/reject-unknown  550 5.1.1 No such user here/' ink3/inkacoca.topology
"$M" build ink3/inkacoca.topology -o b3 >/dev/null 2>&1
"$M" diff b1 b3 >rej.out
check "reject changed: a made-up address at the domain" \
    grep -q "^+reject-changed${tab}mailswitch-diff-nobody@inkacoca.org${tab}reject${tab}550${tab}5.1.1${tab}No such user here\$" rej.out

# A branch more: its server is named as added (and, the other way, removed).
cp -r ink ink5
printf 'branch arequipa\n    host        aqp-mail.inkacoca.org\n    address     10.77.0.26\n    users       users/arequipa\n' >>ink5/inkacoca.topology
printf 'nina\n' >ink5/users/arequipa
"$M" build ink5/inkacoca.topology -o b5 >/dev/null 2>&1
"$M" diff b1 b5 >b5.out
check_eq "a server only the new build has is named as added" \
    "server aqp-mail.inkacoca.org branch:arequipa: added, maps arequipa.db domain.db" \
    "$(grep '^server aqp' b5.out)"
check "... and its user is added at the switch" \
    grep -q "^+added${tab}nina@inkacoca.org${tab}forward${tab}nina@arequipa.inkacoca.org\$" b5.out
"$M" diff b5 b1 >b5r.out
check_eq "a server only the old build has is named as removed" \
    "server aqp-mail.inkacoca.org branch:arequipa: removed" "$(grep '^server aqp' b5r.out)"

# --- two maps, errors ------------------------------------------------------
check_rc "two maps: exit 1" 1 "$M" diff b1/switch.db b2/switch.db >map.out
check_eq "two maps: one section" 1 "$(grep -c '^map ' map.out)"
check "a text table against a map" sh -c '"$0" diff b1/switch.vut b2/switch.db | grep -q "^+moved.rosa@inkacoca.org"' "$M"
check_rc "the same map: exit 0" 0 "$M" diff b1/switch.db b1again/switch.db
check_rc "a missing build: exit 2" 2 "$M" diff b1 nosuch 2>/dev/null
check_rc "a build against a map: exit 2" 2 "$M" diff b1 b2/switch.db 2>/dev/null

# An entry that did not change answers differently when its value names
# an address whose entry did: found without resolving every address.
printf 'team@x.test\tlead@x.test\nlead@x.test\tana@y.test\nother@x.test\tz@y.test\n' >chain1
printf 'team@x.test\tlead@x.test\nlead@x.test\tbea@y.test\nother@x.test\tz@y.test\n' >chain2
"$M" diff chain1 chain2 >chain.out
check_eq "through a chain: the unchanged entry's answer moves too" \
    "+moved${tab}lead@x.test${tab}forward${tab}bea@y.test
+moved${tab}team@x.test${tab}forward${tab}bea@y.test" "$(grep '^+' chain.out)"

# --- build's summary against the build it replaces -------------------------
cp -a b1 b4
"$M" build ink2/inkacoca.topology -o b4 >b4.out 2>&1
check "build names what it changes" grep -q '^changes against the build in b4:$' b4.out
check "build: the counts per server" \
    grep -q '^server switch.inkacoca.org switch: 2 added, 1 removed, 1 moved, 0 reject changed$' b4.out
check "build: the first changed answers" grep -q "^+moved${tab}rosa@inkacoca.org" b4.out
"$M" build ink2/inkacoca.topology -o b4 >b4again.out 2>&1
check "build again: no answer changes" grep -q '^no answer changes$' b4again.out
check "a first build has nothing to compare" sh -c '! grep -q "^changes against" b1.out'
