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
