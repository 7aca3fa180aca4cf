#!/bin/sh
# t-topology-install.sh - maptool install: atomic replacement of a map
# (temporary file beside it, fsync, rename), owner and mode kept, a bad
# source refused with the old map untouched, readers never see half.
. "$TOP/tests/lib/tap.sh"

M=$MAPTOOL
cd "$T" || exit 1

printf 'a@x.test one@y.test\n@x.test error:nouser 550 User unknown\n' >old.vut
printf 'a@x.test two@y.test\nb@x.test three@y.test\n@x.test error:nouser 550 User unknown\n' >new.vut
"$M" compile old.vut && "$M" compile new.vut || exit 1
mkdir -p etc

check_rc "install into a new file" 0 "$M" install new.vut.db etc/new.db
check_eq "it holds the same entries" "$("$M" dump new.vut.db | sort)" "$("$M" dump etc/new.db | sort)"
chmod 0604 new.vut.db
"$M" install new.vut.db etc/new2.db
check_eq "a new file takes the source's mode" 604 "$(stat -c %a etc/new2.db)"

cp old.vut.db etc/live.db
chmod 0640 etc/live.db
if [ "$(id -u)" -eq 0 ]; then
    chown nobody:nogroup etc/live.db
fi
owner=$(stat -c %U:%G etc/live.db)
ino=$(stat -c %i etc/live.db)
exec 3<etc/live.db
check_rc "install over a live map" 0 "$M" install new.vut.db etc/live.db
check_eq "its mode is kept" 640 "$(stat -c %a etc/live.db)"
check_eq "its owner and group are kept" "$owner" "$(stat -c %U:%G etc/live.db)"
check "it is a new file (a reader notices the new inode)" test "$(stat -c %i etc/live.db)" != "$ino"
check "a reader that had it open still reads the old map" cmp -s old.vut.db /proc/$$/fd/3
exec 3<&-
check_eq "the new content is in place" \
    "$(printf 'b@x.test\tforward\tthree@y.test')" "$("$M" query etc/live.db b@x.test)"
check_eq "no temporary file is left" "" "$(ls -A etc | grep '^\.')"

# Refusals leave the target as it was.
cp etc/live.db before.db
printf 'not a map\n' >junk.db
check_rc "a source that is no map is refused" 66 "$M" install junk.db etc/live.db
check "the target is untouched" cmp -s before.db etc/live.db
head -c 5000 new.vut.db >trunc.db
check_rc "a truncated source is refused" 66 "$M" install trunc.db etc/live.db
check "the target is still untouched" cmp -s before.db etc/live.db
check_rc "a missing source" 66 "$M" install missing.db etc/live.db
check_rc "installing a file over itself" 64 "$M" install etc/live.db etc/live.db
check_rc "a target directory that does not exist" 73 "$M" install new.vut.db nodir/x.db
check_rc "usage: two arguments" 64 "$M" install new.vut.db
check_eq "still no temporary file" "" "$(ls -A etc | grep '^\.')"

# Readers never see part of a map: query in a loop while installing.
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "u%d@big.test v%d@w.test\n", i, i }' >big1.vut
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "u%d@big.test z%d@w.test\n", i, i }' >big2.vut
"$M" compile big1.vut && "$M" compile big2.vut && cp big1.vut.db etc/big.db || exit 1
: >reader.out
(
    i=0
    while [ $i -lt 300 ] && [ ! -e stop ]; do
        "$M" query etc/big.db u19999@big.test >>reader.out 2>&1 || echo "FAILED $?" >>reader.out
        i=$((i + 1))
    done
) &
reader=$!
i=0
while [ $i -lt 30 ]; do
    "$M" install big2.vut.db etc/big.db && "$M" install big1.vut.db etc/big.db || echo "install failed" >>reader.out
    i=$((i + 1))
done
touch stop
wait $reader
check_eq "a reader never failed nor saw a half map during 60 installs" "" \
    "$(grep -v -e 'forward	v19999@w.test$' -e 'forward	z19999@w.test$' reader.out)"
