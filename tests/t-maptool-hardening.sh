#!/bin/sh
# t-maptool-hardening.sh - maptool compile as root over planted links
# and on a full file system.
#
# A map path that is a symbolic link is refused (clear message, exit 73,
# nothing written): replacing it would put the map in the link's place,
# and the link's target - a file of another user, mode 0666 - must never
# lend the new map its owner and mode.

. "$TOP/tests/lib/tap.sh"

[ -x "$MAPTOOL" ] || { fail "maptool built"; exit 1; }
need_root "maptool compile as root over another user's link"
id nobody >/dev/null 2>&1 || { skip "planted link" "no user nobody"; exit 0; }

printf 'a@x.test b@y.test\n' >"$T/t.txt"
echo "not a map" >"$T/theirs.db"
chown nobody "$T/theirs.db"
chmod 0666 "$T/theirs.db"
ln -s "$T/theirs.db" "$T/map.db"
"$MAPTOOL" compile -o "$T/map.db" "$T/t.txt" >"$T/out" 2>&1
check_eq "link: compile over a symbolic link exits 73" 73 $?
check "link: and says the path is a link" \
    grep -q "$T/map.db: is a symbolic link; refusing to replace it" "$T/out"
check "link: the link is still there" test -L "$T/map.db"
check_eq "link: its target is untouched" "not a map" "$(cat "$T/theirs.db")"
check_eq "link: no map owned by that user appeared" "" \
    "$(find "$T" -user nobody -name '*.db' ! -name theirs.db)"
check_eq "link: no temporary file left" "" "$(ls -a "$T" | grep '^\.map')"

# A regular file of another user still keeps its owner and mode.
rm "$T/map.db"
"$MAPTOOL" compile -o "$T/map.db" "$T/t.txt" &&
    chown nobody "$T/map.db" && chmod 0640 "$T/map.db" &&
    "$MAPTOOL" compile -o "$T/map.db" "$T/t.txt"
check_eq "regular: a map replacing a regular file keeps its owner and mode" \
    "nobody 640" "$(stat -c '%U %a' "$T/map.db")"

# A full file system: a 64 KB tmpfs, mounted in a private mount
# namespace (unshare -m) so nothing outside sees it. The old map stays,
# the exit status is 74, and the message says the disk is full rather
# than repeating Berkeley DB's "unable to flush page".
if ! unshare -m true 2>/dev/null; then
    skip "full disk" "unshare -m not possible here"
    exit 0
fi
i=0
while [ $i -lt 3000 ]; do
    echo "user$i@x.test user$i@branch.x.test"
    i=$((i + 1))
done >"$T/big.txt"
mkdir "$T/full"
unshare -m sh -c '
    mount -t tmpfs -o size=64k tmpfs "$1" || exit 99
    "$2" compile -o "$1/m.db" "$3/t.txt" || exit 98
    "$2" compile -o "$1/m.db" "$3/big.txt" >"$3/full.out" 2>&1
    echo $? >"$3/full.rc"
    "$2" query "$1/m.db" a@x.test >"$3/full.query" 2>&1
    ls -a "$1" >"$3/full.ls"
' sh "$T/full" "$MAPTOOL" "$T"
check_eq "full disk: compile exits 74" 74 "$(cat "$T/full.rc" 2>/dev/null)"
sed 's/^/# /' "$T/full.out"
check "full disk: the message says No space left on device" \
    grep -q 'cannot finish map: No space left on device' "$T/full.out"
check "full disk: the old map still answers" \
    grep -q 'forward.b@y.test' "$T/full.query"
check_eq "full disk: no temporary file left" ". .. m.db" \
    "$(tr '\n' ' ' <"$T/full.ls" | sed 's/ $//')"
