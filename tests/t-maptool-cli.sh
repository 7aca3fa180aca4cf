#!/bin/sh
# t-maptool-cli.sh - maptool's command line: compile, dump, query, check,
# and every kind of bad input, with sendmail's makemap and Postfix's
# postmap as independent readers and writers of the same files.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/postfix.sh"

M=$MAPTOOL
MAKEMAP=/usr/libexec/sendmail/makemap
cd "$T" || exit 1

cat >switch <<'TABLE'
# the switch of inkacoca.org
diego1@inkacoca.org	diego1@lima.inkacoca.org
Rosa@InkaCoca.org	rosa@iquitos.inkacoca.org
@switch.inkacoca.org	%1@inkacoca.org
@inkacoca.org	error:nouser 550 User unknown
TABLE

# --- compile and query -------------------------------------------------
check_rc "compile a good table" 0 "$M" compile switch
check "compile writes TABLE.db by default" test -f switch.db
check_eq "query forward" "$(printf 'DIEGO1@inkacoca.org\tforward\tdiego1@lima.inkacoca.org')" \
    "$("$M" query switch.db DIEGO1@inkacoca.org)"
check_eq "query reject" "$(printf 'x@inkacoca.org\treject\t550\t5.1.1\tUser unknown')" \
    "$("$M" query switch.db x@inkacoca.org)"
check_eq "query none" "$(printf 'x@other.org\tnone')" "$("$M" query switch.db x@other.org)"
check_eq "query from stdin, one line per address" 3 \
    "$(printf 'a@inkacoca.org\nrosa@inkacoca.org\nb@x.org\n' | "$M" query switch.db - | wc -l | tr -d ' ')"
"$M" query --trace switch.db diego1@switch.inkacoca.org >trace.out
check "--trace shows keys, bindings and hops" \
    grep -q 'match @switch.inkacoca.org (%1=diego1' trace.out
check "--trace shows the second hop" grep -q 'hop 1: diego1@inkacoca.org' trace.out
check_eq "--trace ends with the result line" \
    "$(printf 'diego1@switch.inkacoca.org\tforward\tdiego1@lima.inkacoca.org')" "$(tail -n 1 trace.out)"
check_eq "malformed address is a 501 reject, not a crash" \
    "$(printf 'a@@b\treject\t501\t5.1.3\tBad recipient address syntax: more than one @')" \
    "$("$M" query switch.db 'a@@b')"

# --- round trips and interoperation -------------------------------------
"$M" dump switch.db | sort >dump1
"$M" dump switch.db | "$M" compile -o again.db -
"$M" dump again.db | sort >dump2
check "dump | compile round-trips" cmp -s dump1 dump2
$MAKEMAP -u hash switch | sort >makemap.dump
check "sendmail's makemap -u reads maptool's map" cmp -s dump1 makemap.dump
$MAKEMAP hash byMakemap <switch
check_eq "maptool reads a map made by makemap" \
    "$(printf 'rosa@inkacoca.org\tforward\trosa@iquitos.inkacoca.org')" \
    "$("$M" query byMakemap.db rosa@inkacoca.org)"
"$M" compile -N -o nul.db switch
check_eq "-N map: maptool detects the NUL and reads it" \
    "$(printf 'rosa@inkacoca.org\tforward\trosa@iquitos.inkacoca.org')" \
    "$("$M" query nul.db rosa@inkacoca.org)"
if pf_postmap -q rosa@inkacoca.org hash:nul >postmap.out 2>postmap.err; then
    check_eq "-N map: Postfix postmap -q reads it" rosa@iquitos.inkacoca.org "$(cat postmap.out)"
else
    fail "-N map: Postfix postmap -q reads it ($(cat postmap.err))"
fi
"$M" compile -t btree -o bt.db switch
check_eq "btree map" "$(printf 'rosa@inkacoca.org\tforward\trosa@iquitos.inkacoca.org')" \
    "$("$M" query bt.db rosa@inkacoca.org)"
check_eq "makemap -u reads a btree map" 4 "$($MAKEMAP -u btree bt | wc -l | tr -d ' ')"
printf 'Mixed@Case.test x@y.test\n' >case
"$M" compile -f case
check_eq "-f keeps the key's case" "Mixed@Case.test" "$("$M" dump case.db | cut -f1)"
"$M" compile case
check_eq "keys are folded without -f" "mixed@case.test" "$("$M" dump case.db | cut -f1)"

# --- atomic replacement, mode and owner -----------------------------------
chmod 640 switch.db
[ "$(id -u)" -eq 0 ] && chown nobody switch.db     # nobody: in every Debian passwd
owner=$(stat -c %U:%G switch.db)
ino=$(stat -c %i switch.db)
"$M" compile switch
check_eq "recompile keeps the mode" 640 "$(stat -c %a switch.db)"
check_eq "recompile keeps the owner" "$owner" "$(stat -c %U:%G switch.db)"
check "recompile replaces the file (new inode)" test "$(stat -c %i switch.db)" != "$ino"
check_eq "no temporary file is left behind" "" "$(ls -a | grep '^\.switch\.db\.' || true)"

# --- bad tables: every line named, nothing written -------------------------
cp switch.db before.db
cat >switch <<'TABLE'
diego1@inkacoca.org	diego1@lima.inkacoca.org
 leading@inkacoca.org	x@y.test
novalue@inkacoca.org
DIEGO1@inkacoca.org	dup@y.test
v@inkacoca.org	%5@y.test
e@inkacoca.org	error:nouser 450 5.1.1 class mismatch
c@inkacoca.org	error:nouser 250 not an error
k@	x@y.test
TABLE
printf 'cr@inkacoca.org\tx@y.test\r\n' >>switch
printf 'nul@inkacoca.org\tx@y\000z\n' >>switch
awk 'BEGIN { printf "long@inkacoca.org\t"; for (i = 0; i < 1100; i++) printf "x"; print "" }' >>switch
"$M" compile switch 2>errors
check_rc "a bad table exits 65" 65 "$M" compile switch 2>/dev/null
for line in 2 3 4 5 6 7 8 9 10 11; do
    check "bad line $line is named as switch:$line:" grep -q "^switch:$line: " errors
done
check "the duplicate names the first line" grep -q '^switch:4: duplicate key diego1@inkacoca.org (first at line 1)' errors
check "a bad table leaves the old map byte for byte" cmp -s switch.db before.db
check_eq "a bad table leaves no temporary file" "" "$(ls -a | grep '^\.switch\.db\.' || true)"
# Problems that only the address checks find: compile checks the
# addresses of a table file while it writes the map, and must still
# refuse it whole, with the same messages, or write it and warn once.
printf 'a@inkacoca.org\tx@y.test\nb@inkacoca.org\tbad value here\n' >late
cp switch.db before-late.db
check_rc "a table whose only error is a value exits 65" 65 "$M" compile -o switch.db late 2>late.err
check "... names it" grep -q '^late:2: value for b@inkacoca.org: ' late.err
check_eq "... once" 1 "$(grep -c '^late:2: ' late.err)"
check "... and leaves the old map byte for byte" cmp -s switch.db before-late.db
check_eq "... and no temporary file" "" "$(ls -a | grep '^\.switch\.db\.' || true)"
printf 'a@inkacoca.org\tx@y.test\nb@inkacoca.org\terror:5.1.1 550 gone\n' >warned
check_rc "a table with only a warning compiles" 0 "$M" compile warned 2>warned.err
check_eq "... and warns once" 1 "$(grep -c '^warned:2: warning: ' warned.err)"
check_eq "... with both entries" 2 "$("$M" dump warned.db | wc -l)"
printf 'ok@x.test a@b.test\n' >tab1
check_rc "a missing table exits 66" 66 "$M" compile nonexistent
"$M" compile nonexistent 2>missing.err
check "a missing table is named" grep -q '^nonexistent: No such file or directory' missing.err
: >empty
"$M" compile empty 2>empty.err
check "a table of 0 lines compiles to an empty map, with a warning" \
    grep -q '^empty: warning: no entries' empty.err
check_eq "the empty map dumps nothing" "" "$("$M" dump empty.db)"
check_rc "reading stdin needs -o" 64 "$M" compile - </dev/null 2>/dev/null
check_rc "unknown option" 64 "$M" compile -x tab1 2>/dev/null
check_rc "bad -t" 64 "$M" compile -t dbm tab1 2>/dev/null

# --- unreadable and broken maps --------------------------------------------
"$M" compile -o big.db switch.good 2>/dev/null
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "u%d@t.test v%d@w.test\n", i, i }' >big
"$M" compile big
size=$(stat -c %s big.db)
head -c $((size - 1000)) big.db >trunc.db
check_rc "a truncated map exits 66" 66 "$M" query trunc.db u1@t.test 2>trunc.err
check "a truncated map says why" grep -q 'trunc.db: .*not a multiple of the page' trunc.err
cp big.db corrupt.db
dd if=/dev/urandom of=corrupt.db bs=512 count=4 conv=notrunc 2>/dev/null
check_rc "a corrupt map exits 66" 66 "$M" query corrupt.db u1@t.test 2>corrupt.err
check "a corrupt map is named" grep -q '^maptool: corrupt.db: ' corrupt.err
check_rc "a text file is not a map" 66 "$M" dump big 2>/dev/null
check_rc "a missing map exits 66" 66 "$M" query nonexistent.db a@b 2>/dev/null

# --- read-only directory: the old map stays ---------------------------------
mkdir ro && cp big big.db ro/ && cp ro/big.db ro.before
if [ "$(id -u)" -eq 0 ]; then
    # root ignores modes: take a read-only bind mount instead.
    if mount --bind ro ro 2>/dev/null && mount -o remount,ro,bind ro 2>/dev/null; then
        printf 'new@t.test n@w.test\n' >>big
        check_rc "compile into a read-only directory fails with 73" 73 \
            "$M" compile -o ro/big.db big 2>ro.err
        check "it names the directory problem" grep -q 'ro/\.big\.db\..*Read-only file system' ro.err
        check "the map in the read-only directory is unchanged" cmp -s ro/big.db ro.before
        umount ro
    else
        skip "compile into a read-only directory" "no bind mount here"
    fi
else
    chmod 555 ro
    check_rc "compile into a read-only directory fails with 73" 73 "$M" compile -o ro/big.db big 2>ro.err
    check "the map in the read-only directory is unchanged" cmp -s ro/big.db ro.before
    chmod 755 ro
fi

# --- check -----------------------------------------------------------------
cat >loop <<'TABLE'
@a.test	%1@b.test
@b.test	%1@a.test
ok@c.test	x@d.test
TABLE
check_rc "check finds a wildcard cycle and exits 1" 1 "$M" check loop >check.out 2>&1
check "the cycle names the table line" grep -q '^loop:1: routing loop for mailswitch-check-probe@a.test' check.out
cat >dangling <<'TABLE'
ana@inkacoca.org	ana@lima.inkacoca.org
bob@inkacoca.org	bob2@inkacoca.org
carla@lima.inkacoca.org	carla
@old.inkacoca.org	%1@lima.inkacoca.org
TABLE
check_rc "check: no loop, exit 0" 0 "$M" check dangling >dangling.out 2>&1
check "check: a value at a served domain with no entry there" \
    grep -q '^dangling:2: warning: value bob2@inkacoca.org: inkacoca.org is served here but no entry matches' dangling.out
check "check: a %1 value into a served domain without catch-all" \
    grep -q '^dangling:4: warning: value %1@lima.inkacoca.org: lima.inkacoca.org is served here but has no catch-all' dangling.out
printf 'a@x.test b@y.test\nb@y.test a@x.test\n' >cyc2
"$M" compile cyc2
check_rc "check reads a .db too" 1 "$M" check cyc2.db >/dev/null 2>&1
printf 'Upper@Case.test x@y.test\n' >upper
"$M" compile -f upper
"$M" check upper.db >upper.out 2>&1
check "check: an upper-case key never matches" grep -q 'never matches' upper.out

# --- help and version --------------------------------------------------------
check "--help lists every command" sh -c '"$0" --help | grep -q "query \[--trace\]"' "$M"
check "--version" sh -c '"$0" --version | grep -q "^maptool (mailswitch) "' "$M"
check_rc "no command is a usage error" 64 "$M" 2>/dev/null
check_rc "unknown command is a usage error" 64 "$M" frobnicate 2>/dev/null
