#!/bin/sh
# t-deploy.sh - examples/inkacoca/deploy without ssh: every server is a
# directory of its own with a real mailswitch-milter running on its maps
# (tests/deploy/ssh and rsync run deploy's commands there). A deploy
# ships only the maps that changed, keeps the replaced ones as .prev,
# confirms through mailswitch-milter -s that each server loaded them,
# and deploy -r puts the previous build back.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"
trap milter_cleanup EXIT

M=$MAPTOOL
cd "$T" || exit 1
DEPLOY=$TOP/examples/inkacoca/deploy
DEPLOY_HOSTS=$T/hosts
MAPDIR=/srv/mailswitch		# what deploy calls it; no such directory here
SSH="sh $TOP/tests/deploy/ssh"
RSYNC="sh $TOP/tests/deploy/rsync"
MAPTOOL_REMOTE=$M
export DEPLOY_HOSTS MAPDIR SSH RSYNC
export PIDFILE=$MAPDIR/milter.pid MAPTOOL=$MAPTOOL_REMOTE
export STATUS="$MILTER -c $MAPDIR/milter.conf -s"
export CONFIRM_TIMEOUT=20

cp -r "$TOP/examples/inkacoca" ink
"$M" build ink/inkacoca.topology -o b1 >/dev/null 2>&1 || { fail "build b1"; exit 1; }
cp -r ink ink2
sed -i '/^carmen/d; /^rosa/d' ink2/users/lima
printf 'pia\nrosa        rosa@lima.inkacoca.org\n' >>ink2/users/cuzco
"$M" build ink2/inkacoca.topology -o b2 >/dev/null 2>&1 || { fail "build b2"; exit 1; }

# Every server of the build, with b1's maps and a milter running on them.
hosts=$(awk '$1 == "server" { print $2 }' b1/servers)
for h in $hosts; do
    d=$DEPLOY_HOSTS/$h/maps
    mkdir -p "$d"
    {
        echo "socket = unix:$DEPLOY_HOSTS/$h/milter.sock"
        echo "pid_file = $d/milter.pid"
        echo "stats_file = $d/stats"
        awk -v h="$h" '$1 == "server" && $2 == h { print "mode = " $4
            for (i = 5; i <= NF; i++) print "map = '"$d"'/" $i }' b1/servers
    } >"$d/milter.conf"
    for m in $(awk -v h="$h" '$1 == "server" && $2 == h {
            for (i = 5; i <= NF; i++) print $i }' b1/servers); do
        cp -p "b1/$m" "$d/$m"
    done
    start_milter "$h" -c "$d/milter.conf" || { fail "start the milter of $h"; exit 1; }
    wait_for "$h's pid file" test -s "$d/milter.pid"
done
H=$DEPLOY_HOSTS
pid_of() { cat "$H/$1/maps/milter.pid"; }

check "-s shows the map lines deploy confirms with" sh -c \
    '"$0" -c "$1" -s | grep -q "^map "' "$MILTER" "$H/switch.inkacoca.org/maps/milter.conf"

# --- the build already there: nothing shipped ------------------------------
ino=$(stat -c %i "$H/lima-mail.inkacoca.org/maps/lima.db")
check_rc "deploy of the build in place: exit 0" 0 sh "$DEPLOY" b1 >same.out 2>same.err
check "no map is shipped" sh -c '! grep -q shipping same.err'
check_eq "every server: every map as in the build" 7 "$(grep -c 'every map as in the build' same.err)"
check_eq "an unchanged map keeps its inode" "$ino" "$(stat -c %i "$H/lima-mail.inkacoca.org/maps/lima.db")"

# --- a changed build: only what changed ----------------------------------
tru=$H/tru-mail.inkacoca.org/maps
ino=$(stat -c %i "$tru/trujillo.db")
status_before=$("$MILTER" -c "$tru/milter.conf" -s 2>/dev/null | grep '^map ')
check_rc "deploy b2: exit 0" 0 sh "$DEPLOY" b2 >b2.out 2>b2.err
sed 's/^/# /' b2.err >&8
check_eq "trujillo: only the shared domain.db shipped" \
    "deploy: tru-mail.inkacoca.org: shipping domain.db" "$(grep '^deploy: tru-mail.*shipping' b2.err)"
check_eq "lima: both its maps shipped" \
    "deploy: lima-mail.inkacoca.org: shipping lima.db domain.db" "$(grep '^deploy: lima-mail.*shipping' b2.err)"
check_eq "trujillo.db was not touched" "$ino" "$(stat -c %i "$tru/trujillo.db")"
bad=0
for h in $hosts; do
    for m in $(awk -v h="$h" '$1 == "server" && $2 == h { for (i = 5; i <= NF; i++) print $i }' b2/servers); do
        cmp -s "b2/$m" "$H/$h/maps/$m" || { bad=$((bad + 1)); echo "# $h: $m differs" >&8; }
    done
done
check_eq "every server has b2's maps" 0 "$bad"
check "the replaced map is kept as .prev" cmp -s b1/domain.db "$tru/domain.db.prev"
check "an unchanged map has no .prev" test ! -e "$tru/trujillo.db.prev"
check_eq "no .new is left" "" "$(find "$H" -name '*.new')"
line=$("$MILTER" -c "$tru/milter.conf" -s | grep "^map $tru/domain.db ")
check_eq "the milter loaded the new domain.db (its mtime)" \
    "mtime=$(stat -c %Y "$tru/domain.db")" "$(printf '%s\n' "$line" | grep -o 'mtime=[0-9]*')"
check "... with no error" sh -c 'printf "%s\n" "$0" | grep -q "error=-$"' "$line"
check "... a new generation" test "$(printf '%s\n' "$line" | grep -o 'generation=[0-9]*')" != \
    "$(printf '%s\n' "$status_before" | grep "^map $tru/domain.db " | grep -o 'generation=[0-9]*')"

sh "$DEPLOY" b2 >again.out 2>again.err
check_eq "deploying b2 again ships nothing" 7 "$(grep -c 'every map as in the build' again.err)"
check "... and keeps the .prev: a rollback still goes back to b1" cmp -s b1/domain.db "$tru/domain.db.prev"

# --- roll back ---------------------------------------------------------------
check_rc "deploy -r: exit 0" 0 sh "$DEPLOY" -r b2 >r.out 2>r.err
bad=0
for h in $hosts; do
    for m in $(awk -v h="$h" '$1 == "server" && $2 == h { for (i = 5; i <= NF; i++) print $i }' b1/servers); do
        cmp -s "b1/$m" "$H/$h/maps/$m" || { bad=$((bad + 1)); echo "# $h: $m differs" >&8; }
    done
done
check_eq "every server has b1's maps again" 0 "$bad"
check_eq "no .prev is left" "" "$(find "$H" -name '*.prev')"
check "the backup is rolled back before the branches" sh -c \
    'grep -n "rolling back" "$0" | head -1 | grep -q mx2.inkacoca.org' r.err
check_rc "a second deploy -r: nothing to roll back, exit 0" 0 sh "$DEPLOY" -r b2 >r2.out 2>r2.err
check_eq "... on every server" 7 "$(grep -c 'nothing to roll back' r2.err)"

# --- -n, and a server that fails -------------------------------------------------
sum_before=$(find "$H" -name '*.db' -exec sha256sum {} + | sort)
sh "$DEPLOY" -n b2 >dry.out 2>dry.err
check "-n prints the commands" grep -q "install $MAPDIR/lima.db.new $MAPDIR/lima.db" dry.out
check_eq "-n changes nothing" "$sum_before" "$(find "$H" -name '*.db' -exec sha256sum {} + | sort)"
first=$(awk '$1 == "server" { print $2; exit }' b2/servers)
stop_milter "$(pid_of "$first")"
rm -f "$H/$first/maps/milter.pid"
check_rc "a server whose milter is down fails the deploy: exit 1" 1 sh "$DEPLOY" b2 >fail.out 2>fail.err
check "the servers after it are not touched" \
    cmp -s b1/switch.db "$H/switch.inkacoca.org/maps/switch.db"
check "it says so" grep -q "deploy: $first failed; the servers after it keep the previous build" fail.err
