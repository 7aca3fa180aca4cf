#!/bin/sh
# t-build-unverified.sh - maptool(8)'s promise for a build that does not
# verify: DIR is left unchanged (every file, byte for byte) and the
# failed build is deleted, or with -k kept beside DIR, where the message
# says, for maptool verify to look at. No topology the checks accept
# gives such a build, so the test breaks one through build's test hook
# (MAPTOOL_TEST_BREAK=dns.zone empties the new build's zone before it is
# verified; see maptool/build.c).
. "$TOP/tests/lib/tap.sh"

M=$MAPTOOL
cd "$T" || exit 1
cp -r "$TOP/examples/inkacoca" ink
"$M" build ink/inkacoca.topology -o out >/dev/null 2>&1 || { fail "build the example"; exit 1; }
printf 'pia\n' >>ink/users/cuzco		# a change the next build would install

# listing DIR: every file of DIR with its digest, and DIR's inode.
listing() {
    (cd "$1" && find . -type f -exec sha256sum {} + | sort; stat -c 'inode %i' .)
}
listing out >before

MAPTOOL_TEST_BREAK=dns.zone "$M" build ink/inkacoca.topology -o out >fail.out 2>fail.err
check_eq "a build that does not verify exits 65" 65 $?
check "verify names the problem" grep -q '^problem: .*dns.zone: no MX for inkacoca.org' fail.out
check_eq "it says DIR is unchanged" "maptool: build: not verified; out is unchanged" "$(cat fail.err)"
listing out >after
check "DIR is unchanged, every file" cmp -s before after
check_eq "the failed build is deleted" "" "$(ls -a | grep '^\.out\.build\.' || true)"

MAPTOOL_TEST_BREAK=dns.zone "$M" build -k ink/inkacoca.topology -o out >keep.out 2>keep.err
check_eq "-k: exit 65 too" 65 $?
kept=$(sed -n 's/^maptool: build: not verified; out is unchanged, the failed build is in //p' keep.err)
check "-k: the message names where the failed build is" test -n "$kept"
case $kept in
./.out.build.??????|.out.build.??????) pass "-k: kept beside DIR as .DIR.build.XXXXXX (maptool(8), FILES)" ;;
*) fail "-k: kept beside DIR as .DIR.build.XXXXXX (maptool(8), FILES): $kept" ;;
esac
check "-k: the kept build is the new one (pia is in cuzco's table)" grep -q '^pia@inkacoca.org' "$kept/cuzco.vut"
check "-k: with its servers file and maps" test -s "$kept/servers" -a -s "$kept/switch.db"
check_rc "-k: maptool verify finds the kept build broken" 65 "$M" verify "$kept" >/dev/null 2>&1
listing out >after-k
check "-k: DIR is unchanged, every file" cmp -s before after-k

"$M" build ink/inkacoca.topology -o out >good.out 2>&1
check_eq "without the hook the same topology builds" 0 $?
check "... and replaces DIR" grep -q '^pia@inkacoca.org' out/cuzco.vut
