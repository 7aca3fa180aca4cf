#!/bin/sh
# t-patterns.sh - PCRE2 pattern entries and one-to-many values through
# maptool: compile (and its refusals), dump, query, --trace, check, and a
# map of patterns read by sendmail's makemap -u.
. "$TOP/tests/lib/tap.sh"

M=$MAPTOOL
MAKEMAP=/usr/libexec/sendmail/makemap
cd "$T" || exit 1
tab=$(printf '\t')

# q DB ADDRESS: maptool's one result line, without the address.
q() { "$M" query "$1" "$2" | cut -f2-; }

# run OUT ERR COMMAND...: COMMAND with its output in OUT and ERR; its
# exit status (for check_rc, whose own line must not land in OUT).
run() {
    _out=$1 _err=$2; shift 2
    "$@" >"$_out" 2>"$_err"
}

cat >switch <<'TABLE'
# user-specific keys win over patterns; patterns over domain-wide keys
ana@inkacoca.org	ana@trujillo.inkacoca.org
diego1+*@inkacoca.org	diego1+%2@lima.inkacoca.org
/^sales-(\d+)@inkacoca\.org$/	sales@branch$1.inkacoca.org
/^(?<user>[a-z0-9.]+)@old\.inkacoca\.org$/i	${user}@inkacoca.org
/^(\w+)\.(\w+)@twice\.test$/	$1.$2@x.test, $2.$1@y.test, $1@z.test
/^team@inkacoca\.org$/	ana@inkacoca.org, diego1+team@inkacoca.org, sales-7@inkacoca.org
/^gone-(\w+)@inkacoca\.org$/	error:nouser 550 $1 has left
/^self@inkacoca\.org$/	self@inkacoca.org, ana@inkacoca.org
/^mixed@inkacoca\.org$/	ana@inkacoca.org, gone-x@inkacoca.org, nobody@inkacoca.org
/^lost@inkacoca\.org$/	gone-a@inkacoca.org, gone-b@inkacoca.org
/^(a+)+$/	never@x.test
/^"a b\/c"@sp\.test$/	spaces@x.test
@inkacoca.org	error:nouser 550 User unknown
TABLE

# --- compile, dump ---------------------------------------------------------
check_rc "a table with patterns compiles" 0 "$M" compile switch
"$M" dump switch.db >dump1
check_eq "dump prints the patterns first, in file order, without numbers" \
    "$(grep '^/' switch)" "$(head -n 10 dump1)"
check_eq "dump prints every entry once" 13 "$(wc -l <dump1 | tr -d ' ')"
"$M" compile -o again.db - <dump1
"$M" dump again.db >dump2
check "dump | compile round-trips" cmp -s dump1 dump2
$MAKEMAP -u hash switch >makemap.out
check "makemap -u reads the map; a pattern is stored under its key, numbered" \
    grep -q "^/^sales-(\\\\d+)@inkacoca\\\\.org\$/${tab}000001 sales@branch\$1.inkacoca.org\$" makemap.out
grep -v '^/' switch | grep -v '^#' >plain
"$M" compile plain
"$M" dump plain.db >plain.dump
$MAKEMAP -u hash plain | sort >plain.makemap
check "a map without patterns dumps as makemap -u shows it" \
    sh -c 'sort plain.dump | cmp -s - plain.makemap'

# --- lookup order and substitution -------------------------------------------
check_eq "a pattern with a capture" "forward${tab}sales@branch12.inkacoca.org" \
    "$(q switch.db sales-12@inkacoca.org)"
check_eq "a user key wins over a pattern" "forward${tab}ana@trujillo.inkacoca.org" \
    "$(q switch.db ana@inkacoca.org)"
check_eq "a user+* key wins over a pattern" "forward${tab}diego1+x@lima.inkacoca.org" \
    "$(q switch.db diego1+x@inkacoca.org)"
check_eq "a pattern wins over the @domain catch-all" "reject${tab}550${tab}5.1.1${tab}bob has left" \
    "$(q switch.db gone-bob@inkacoca.org)"
check_eq "no pattern: the catch-all" "reject${tab}550${tab}5.1.1${tab}User unknown" \
    "$(q switch.db nobody@inkacoca.org)"
check_eq "a pattern applies to a domain no key has, and recurses" \
    "reject${tab}550${tab}5.1.1${tab}User unknown" "$(q switch.db Bob@OLD.inkacoca.org)"
check_eq "a named group, caseless, then the user key" "forward${tab}ana@trujillo.inkacoca.org" \
    "$(q switch.db ANA@Old.Inkacoca.org)"
check_eq "captures used twice, one to three" \
    "forward${tab}jo.lo@x.test,lo.jo@y.test,jo@z.test" "$(q switch.db jo.lo@twice.test)"
check_eq "the subject keeps the sender's case" "none" "$(q switch.db Jo.Lo@TWICE.test)"
check_eq "a regex with a blank and \\/" "forward${tab}spaces@x.test" \
    "$(q switch.db '"a b/c"@sp.test')"
check_eq "a list: each member resolved again" \
    "forward${tab}ana@trujillo.inkacoca.org,diego1+team@lima.inkacoca.org,sales@branch7.inkacoca.org" \
    "$(q switch.db team@inkacoca.org)"
check_eq "a list that names itself keeps it" \
    "forward${tab}self@inkacoca.org,ana@trujillo.inkacoca.org" "$(q switch.db self@inkacoca.org)"
check_eq "error: members are dropped when others remain" \
    "forward${tab}ana@trujillo.inkacoca.org" "$(q switch.db mixed@inkacoca.org)"
check_eq "error: members reject when nothing else remains (the first)" \
    "reject${tab}550${tab}5.1.1${tab}a has left" "$(q switch.db lost@inkacoca.org)"

# --- trace --------------------------------------------------------------------
"$M" query --trace switch.db Bob@old.inkacoca.org >trace.out
check "--trace names the pattern and its captures" \
    grep -q 'pattern /^(?<user>\[a-z0-9.\]+)@old\\.inkacoca\\.org$/i matches ($1=Bob, ${user}=Bob) in switch.db' trace.out
check "--trace says when no pattern matches" \
    grep -q 'no pattern matches ([0-9]* of 10 tried) in switch.db' trace.out
"$M" query --trace plain.db ana@inkacoca.org >plain.trace
check "--trace of a map without patterns says nothing of them" \
    sh -c '! grep -q pattern plain.trace'

# --- bounded matching ---------------------------------------------------------
long=$(printf 'a%.0s' $(seq 1 60))
check_rc "a backtracking pattern: query exits 75, at once" 75 \
    run bt.out bt.err timeout 10 "$M" query switch.db "${long}b@x.test"
check_eq "... and answers with the 451" \
    "${long}b@x.test${tab}reject${tab}451${tab}4.3.0${tab}Temporary lookup failure, try again later" \
    "$(cat bt.out)"
check "... and says which pattern, and why" \
    grep -q "^maptool: ${long}b@x.test: pattern /^(a+)+\$/: match limit exceeded\$" bt.err

# --- compile refuses bad patterns; nothing is written ----------------------------
cp switch.db before.db
cat >bad <<'TABLE'
ok@x.test	a@b.test
/a(b/	x@y.test
/^(a)@b$/i	$2@c.test
/^x/q	y@z.test
/^(a)@b$/	${nope}@c.test
/abc	x@y.test
/^ok@x\.test$/	ok@c.test
/^ok@x\.test$/	z@z.test
/^(bad)@x\.test$/	$1@@c.test
TABLE
check_rc "a table with bad patterns exits 65" 65 "$M" compile -o switch.db bad 2>bad.err
check "a regex that does not compile: FILE:LINE: column N: PCRE2's message" \
    grep -q '^bad:2: column 4: missing closing parenthesis$' bad.err
check "a \$n beyond the groups" grep -q '^bad:3: value $2@c.test: $2: the pattern has 1 group$' bad.err
check "an unknown flag" grep -q '^bad:4: pattern /^x/q: unknown flag q (only i)$' bad.err
check "an unknown group name" grep -q '^bad:5: value ${nope}@c.test: ${nope}: the pattern has no group of that name$' bad.err
check "no closing /" grep -q '^bad:6: pattern /abc has no closing /$' bad.err
check "a value that cannot route" grep -q '^bad:9: value $1@@c.test: more than one @$' bad.err
check "a duplicate pattern" grep -q '^bad:8: duplicate key /^ok@x\\.test$/ (first at line 7)$' bad.err
check "nothing is written" cmp -s switch.db before.db

# --- maps made elsewhere ---------------------------------------------------------
printf '/a(/ 000001 x@y.test\nu@d.test v@w.test\n' | $MAKEMAP hash badre
check_rc "a map whose pattern does not compile does not open (66)" 66 \
    "$M" query badre.db u@d.test 2>badre.err
check "... and says which pattern and why" \
    grep -q '^maptool: badre.db: pattern /a(/: column 3: missing closing parenthesis$' badre.err
printf '/a/ x@y.test\n' | $MAKEMAP hash nonum
check_rc "a pattern stored without its number: the map does not open" 66 \
    "$M" dump nonum.db 2>/dev/null

# --- check ------------------------------------------------------------------------
cat >loop <<'TABLE'
/^(\w+)@a\.test$/	$1@b.test
@b.test	%1@a.test
/^(\w+)@self\.test$/	$1@self.test
/^x-(\w+)@c\.test$/	$1@d.test
/(?=x)foo/	y@z.test
TABLE
check_rc "check finds loops through patterns (exit 1)" 1 run check.sum check.out "$M" check loop
check "a pattern into a catch-all back into it" \
    grep -q '^loop:1: routing loop for a@a.test: Mail routing loop: cycle: a@a.test -> a@b.test -> a@a.test' check.out
check "a pattern onto itself" grep -q '^loop:3: routing loop for a@self.test' check.out
check "a pattern it cannot derive an address for is named" \
    grep -q '^loop:5: warning: found no address this pattern matches, so it is not probed' check.out
check_eq "a good pattern is no loop" "" "$(grep '^loop:4:' check.out)"
"$M" compile loop
check_rc "check reads patterns from a .db too" 1 run checkdb.sum checkdb.out "$M" check loop.db
check "... naming the pattern by its key" \
    grep -q '^loop.db: key /^(\\w+)@a\\.test$/: routing loop for a@a.test' checkdb.out
check_rc "check: the table with patterns has no loop" 0 "$M" check switch >/dev/null 2>&1

# --- under valgrind (JIT code included) ---------------------------------------------
# Not on an AddressSanitizer build (t-sanitizers.sh runs this file on
# one): valgrind cannot run it, and the plain build's run covers this.
if grep -q __asan_init "$M"; then
    echo "# valgrind part not run: $M is built with AddressSanitizer"
else
    . "$TOP/tests/lib/valgrind.sh"
    vg_rc "compile with patterns" 0 "$M" compile -o vg.db switch
    vg_rc "compile refusing patterns" 65 "$M" compile -o vg.db bad
    vg_rc "dump with patterns" 0 "$M" dump switch.db
    vg_rc "query --trace through patterns and lists" 75 "$M" query --trace switch.db \
        sales-12@inkacoca.org Bob@OLD.inkacoca.org jo.lo@twice.test team@inkacoca.org \
        mixed@inkacoca.org lost@inkacoca.org '"a b/c"@sp.test' someone@else.test "${long}b@x.test"
    vg_rc "a map whose pattern does not compile" 66 "$M" query badre.db u@d.test
    vg_rc "check with patterns" 1 "$M" check loop
    vg_rc "check a map with patterns" 1 "$M" check loop.db
fi
