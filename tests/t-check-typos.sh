#!/bin/sh
# t-check-typos.sh - maptool check warns about a domain that looks like a
# misspelling of another domain of the table, and about a value whose
# domain the table serves but whose user it does not; and not about the
# examples, numbered names, sibling subdomains or names too short to tell.
. "$TOP/tests/lib/tap.sh"

M=$MAPTOOL
cd "$T" || exit 1

# check_warns NAME TABLE ERE: check warns as wanted, and nothing else.
check_warns() {
    "$M" check "$2" >"$1.out" 2>"$1.err"
    if grep -qE "$3" "$1.err"; then
        pass "$1: warned as wanted"
    else
        fail "$1: warned as wanted"
        sed 's/^/#   /' "$1.err" >&8
    fi
    check_eq "$1: one warning" 1 "$(grep -c 'warning:' "$1.err")"
}

# check_quiet NAME TABLE: no warning at all.
check_quiet() {
    "$M" check "$2" >"$1.out" 2>"$1.err"
    check_eq "$1: no warning" "" "$(cat "$1.err")"
}

# The two mistakes of the table the project started from: a key at a
# misspelt domain (and another top-level domain), a value at another.
cat >typo1.vut <<'EOF'
ana@inkacoca.org        ana@lima.inkacoca.org
carlos@inkacoca.org     carlos@cuzco.inkacoca.org
diego1@incakoca.com     diego@lima.inkacoca.org
@switch.inkacoca.org    %1@inkacoca.org
@inkacoca.org           error:nouser 550 5.1.1 User unknown
EOF
check_warns typo1 typo1.vut "^typo1.vut:3: warning: domain incakoca.com \(1 use\) looks like a typo for inkacoca.org \(line 1, 4 uses\): 2 edits apart, not counting the top-level domain$"

cat >typo2.vut <<'EOF'
ana@inkacoca.org        ana@lima.inkacoca.org
sofia@inkacoca.org      sofia@trujillo.inkacoca.org
ventas@inkacoca.org     carlos@cuzco.inkacoca.org, sofia@incacoca.org
@inkacoca.org           error:nouser 550 5.1.1 User unknown
EOF
check_warns typo2 typo2.vut "^typo2.vut:3: warning: domain incacoca.org \(1 use\) looks like a typo for inkacoca.org \(line 1, 4 uses\): 1 edit apart$"

# Two neighbours swapped are one edit (Damerau), not two.
printf 'a@inkacoca.org a@lima.example.net\nc@inkacoca.org c@inkaocca.org\n' >swap.vut
check_warns swap swap.vut "swap.vut:2: warning: domain inkaocca.org .* 1 edit apart"

# In a compiled map there are no lines: the key is named instead.
"$M" compile -o typo2.db typo2.vut 2>/dev/null
"$M" check typo2.db >typo2db.out 2>typo2db.err
check "a map's warning names the key" grep -q \
    "^typo2.db: warning: key ventas@inkacoca.org: domain incacoca.org" typo2db.err

# A value at a domain the table serves, at a user it does not have.
cat >dangling.vut <<'EOF'
ana@inkacoca.org        ana@lima.inkacoca.org
pedro@inkacoca.org      pedro@lima.inkacoca.org
ana@lima.inkacoca.org   ana
EOF
check_warns dangling dangling.vut "^dangling.vut:2: warning: value pedro@lima.inkacoca.org: lima.inkacoca.org is served here but no entry matches this address$"

# Not typos.
cat >quiet.vut <<'EOF'
a@north.example.org     a@mx1.example.org
b@south.example.org     b@mx2.example.org
c@b01.example.org       c@b02.example.org
d@example.org           d@lists.example.org
e@example.com           e@example.net
f@abc.io                f@abd.io
g@ab1.io                g@ab2.io
h@shop1.com             h@shop2.com
EOF
check_quiet quiet quiet.vut
for table in "$TOP"/examples/*.vut; do
    check_quiet "example $(basename "$table")" "$table"
done
"$M" build "$TOP/examples/inkacoca/inkacoca.topology" -o ink >/dev/null 2>&1
for table in ink/*.vut; do
    "$M" check "$table" >/dev/null 2>built.err
    check_eq "built example $(basename "$table"): no typo warning" "" \
        "$(grep 'looks like a typo' built.err)"
done
