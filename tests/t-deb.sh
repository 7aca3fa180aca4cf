#!/bin/sh
# t-deb.sh - the Debian package (debian/), as root: built with "make deb"
# (dpkg-buildpackage in a copy of the sources, DEB_BUILD_OPTIONS=nocheck)
# into $T, lintian-clean (no error, no warning), Build-Depends the same as
# build-aux/install-deps' build packages, the unit accepted by
# "systemd-analyze verify"; installed with dpkg -i; then the INSTALLED
# milter, started as the unit starts it (its ExecStart, as its User and
# Group, with its UMask: systemd is not PID 1 here) with the INSTALLED
# configuration and a map compiled by the installed maptool, behind a real
# Postfix whose smtpd runs chrooted in its queue directory, as Debian's
# does: the recipient is rewritten and an unknown one rejected. Last,
# dpkg --purge, and nothing of the package is left but the system user,
# which Debian's policy keeps (debian/mailswitch.postrm).
#
# The configuration's socket lives in /var/spool/postfix/mailswitch, made
# by the package's postinst when Postfix is there. The test's Postfix is
# no installed one: the commands that see /var/spool (dpkg, the milter)
# run in a mount namespace of their own where /var/spool is $T/spool, whose
# "postfix" leads to the test Postfix's queue directory. The machine's
# /var/spool is never touched.
#
# The machine is left as found: the package purged, and the users this
# test made (mailswitch, and postfix with postdrop when they were not
# there) deleted, /etc/mailswitch and /run/mailswitch gone. A machine
# where mailswitch is installed already, or that has one of those
# directories, is not touched: the test fails at once.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/postfix.sh"

need_root "the Debian package"
for prog in dpkg-buildpackage dh lintian systemd-analyze systemd-sysusers \
    systemd-tmpfiles setpriv unshare python3; do
    command -v $prog >/dev/null 2>&1 || {
        skip "the Debian package" "$prog missing (make deps-test installs it)"
        exit 0; }
done
if dpkg-query -W -f='${Status}\n' mailswitch 2>/dev/null | grep -qv 'not-installed'; then
    fail "mailswitch is not installed on this machine (the test would replace and purge it)"
    exit 1
fi
for dir in /etc/mailswitch /run/mailswitch; do
    [ ! -e $dir ] || { fail "no $dir on this machine (the test would remove it)"; exit 1; }
done

# What the machine had before: the test removes only what it made.
had_user() { getent passwd "$1" >/dev/null; }
had_group() { getent group "$1" >/dev/null; }
had_mailswitch=no had_postfix=no had_postdrop=no
had_user mailswitch && had_mailswitch=yes
had_user postfix && had_postfix=yes
had_group postdrop && had_postdrop=yes
pf_available || { skip "the Debian package" "no unpacked postfix (make deps-test)"; exit 0; }

# drop_users: delete the users and groups this test made.
drop_users() {
    [ "$had_mailswitch" = yes ] || { userdel mailswitch; groupdel mailswitch; } 2>/dev/null
    [ "$had_postfix" = yes ] || { userdel postfix; groupdel postfix; } 2>/dev/null
    [ "$had_postdrop" = yes ] || groupdel postdrop 2>/dev/null
}

installed=no milter_pid= daemon_pid=
cleanup() {
    # The milter started, and the one its pid file named (should a
    # broken unit let it go to the background).
    for pid in $milter_pid $daemon_pid; do
        [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = mailswitch-milter ] || continue
        kill -KILL "$pid"
        wait_until 5 "the milter to go" pid_gone "$pid"
    done
    pf_stop
    sink_stop
    if [ "$installed" = yes ]; then
        in_spool dpkg --purge mailswitch >/dev/null 2>&1
    fi
    # Not there before the test (checked above): what a failed purge left.
    rm -rf /etc/mailswitch /run/mailswitch
    drop_users
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# in_spool COMMAND...: COMMAND in a mount namespace where /var/spool is
# $T/spool (its "postfix" is the test Postfix's queue directory).
in_spool() {
    unshare -m --propagation private \
        sh -c 'mount --bind "$0" /var/spool && exec "$@"' "$T/spool" "$@"
}

# --- build -----------------------------------------------------------------

tree_state() {
    git -C "$TOP" status --porcelain --ignored 2>/dev/null | LC_ALL=C sort
}
before=$(tree_state)
start=$(date +%s)
DEB_BUILD_OPTIONS=nocheck make -s -C "$TOP" deb DEB_OUT="$T/deb" >"$T/make-deb.log" 2>&1
rc=$?
echo "# make deb: $(( $(date +%s) - start )) s"
check_eq "make deb builds the package" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/make-deb.log" "$T/deb/build.log" 2>/dev/null | tail -40
check_eq "make deb leaves the source tree as it was" "$before" "$(tree_state)"
set -- "$T"/deb/mailswitch_*.deb
deb=$1
[ $# -eq 1 ] && [ -f "$deb" ] ||
    { fail "make deb wrote one mailswitch_*.deb into DEB_OUT"; exit 1; }
pass "make deb wrote one mailswitch_*.deb into DEB_OUT"

version=$(sed -n 's/^AC_INIT(\[mailswitch\], \[\([^]]*\)\].*/\1/p' "$TOP/configure.ac")
check_eq "the package's version is configure.ac's" "$version" \
    "$(dpkg-deb -f "$deb" Version)"

# Build-Depends: install-deps' build packages, but those build-essential
# brings (gcc, make, libc6-dev), plus debhelper's own.
want=$(sed -n 's/^pkgs_build="\(.*\)"/\1/p' "$TOP/build-aux/install-deps" |
    tr ' ' '\n' | grep -vxE 'gcc|make|libc6-dev|' | LC_ALL=C sort | tr '\n' ' ')
got=$(sed -n '/^Build-Depends:/,/^[^ ]/p' "$TOP/debian/control" | sed '$d' |
    sed 's/^Build-Depends://' | tr ',' '\n' | sed 's/[(<\[].*//; s/ //g' |
    grep -vE '^(debhelper-compat|dh-sequence-.*|)$' | LC_ALL=C sort | tr '\n' ' ')
check_eq "Build-Depends are install-deps' build packages" "$want" "$got"

lintian --fail-on error,warning "$T"/deb/mailswitch_*.changes >"$T/lintian.out" 2>&1
rc=$?
grep -v 'running with root privileges' "$T/lintian.out" | sed 's/^/# lintian: /'
check_eq "lintian finds no error or warning" 0 "$rc"

# --- install ---------------------------------------------------------------

# The test Postfix first: its queue directory is /var/spool/postfix of the
# namespace, so the postinst finds Postfix there. Debian's master.cf runs
# smtpd chrooted; so does this one.
sinkport=$(free_port) && pfport=$(free_port) || { fail "free ports"; exit 1; }
check "postfix is set up" pf_setup "$T/pf" "$pfport" "$sinkport" \
    "smtpd_milters = unix:mailswitch/milter.sock" \
    "milter_protocol = 6" \
    "milter_default_action = tempfail" || exit 1
sed -i "s/^\(127\.0\.0\.1:$pfport *inet *n *- *\)n\( .*smtpd\)$/\1y\2/" "$PF_DIR/etc/master.cf"
check "smtpd is chrooted" grep -Eq "^127\.0\.0\.1:$pfport +inet +n +- +y .*smtpd$" \
    "$PF_DIR/etc/master.cf"
# The queue directory, also once pf_stop has cleared PF_DIR.
queue=$PF_DIR/queue
mkdir -p "$T/spool" && ln -s "$queue" "$T/spool/postfix" ||
    { fail "the namespace's /var/spool"; exit 1; }

in_spool dpkg -i "$deb" >"$T/dpkg-i.log" 2>&1
rc=$?
installed=yes
sed 's/^/# dpkg -i: /' "$T/dpkg-i.log"
check_eq "dpkg -i installs the package" 0 "$rc"
check "dpkg lists the configuration as a conffile" sh -c \
    "dpkg-query -W -f='\${Conffiles}\n' mailswitch | grep -q '^ /etc/mailswitch/mailswitch-milter.conf '"
check_eq "the installed milter is the version built" "mailswitch-milter $version" \
    "$(/usr/sbin/mailswitch-milter -V)"
for page in maptool.8 mailswitch-milter.8 mailswitch.conf.5; do
    check "manual page $page installed" test -f "/usr/share/man/man${page##*.}/$page.gz"
done

# sysusers.d and tmpfiles.d did their part, the postinst its.
check_eq "system user mailswitch (sysusers.d)" "mailswitch /usr/sbin/nologin" \
    "$(getent passwd mailswitch | awk -F: '{print $1, $7}')"
check_eq "its group is mailswitch" "$(getent group mailswitch | cut -d: -f3)" \
    "$(getent passwd mailswitch | cut -d: -f4)"
check_eq "/run/mailswitch (tmpfiles.d)" "directory mailswitch mailswitch 755" \
    "$(stat -c '%F %U %G %a' /run/mailswitch 2>&1)"
check_eq "the socket directory in Postfix's spool (postinst)" \
    "directory mailswitch postfix 2750" \
    "$(stat -c '%F %U %G %a' "$queue/mailswitch" 2>&1)"

unit=$(dpkg -L mailswitch | grep '/mailswitch-milter\.service$')
check_eq "the unit is installed" /lib/systemd/system/mailswitch-milter.service "$unit"
systemd-analyze verify "$unit" >"$T/verify.out" 2>&1
rc=$?
sed 's/^/# systemd-analyze: /' "$T/verify.out"
check_eq "systemd-analyze verify accepts the unit" "0 " "$rc $(cat "$T/verify.out")"

# --- run -------------------------------------------------------------------

conf=/etc/mailswitch/mailswitch-milter.conf
map=$(sed -n 's/^map *= *//p' "$conf" | head -n 1)
socket=$(sed -n 's/^socket *= *unix://p' "$conf")
check_eq "the configuration's socket is in Postfix's spool" \
    /var/spool/postfix/mailswitch/milter.sock "$socket"
cat >"$T/switch.vut" <<'EOF'
joe@example.test        joe@branch.example.test
@example.test           error:nouser 550 5.1.1 User unknown
EOF
check "the installed maptool compiles the configuration's map" \
    /usr/sbin/maptool compile -o "$map" "$T/switch.vut"
check "the map is readable by mailswitch" setpriv --reuid=mailswitch \
    --regid=mailswitch --init-groups test -r "$map"
in_spool /usr/sbin/mailswitch-milter -n >"$T/check.out" 2>&1
rc=$?
sed 's/^/# -n: /' "$T/check.out"
check_eq "mailswitch-milter -n accepts the installed configuration" 0 "$rc"

# The unit's command, user, group and umask, as systemd would use them.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
unit_user=$(sed -n 's/^User=//p' "$unit")
unit_group=$(sed -n 's/^Group=//p' "$unit")
unit_umask=$(sed -n 's/^UMask=//p' "$unit")
check_eq "the unit runs as mailswitch" "mailswitch mailswitch" "$unit_user $unit_group"
case $exec_start in
/usr/sbin/mailswitch-milter\ *-f*) pass "ExecStart runs the installed milter in the foreground" ;;
*) fail "ExecStart runs the installed milter in the foreground: $exec_start" ;;
esac
# Not through the function in_spool: $! is then the milter itself (each
# command execs the next).
# shellcheck disable=SC2086 # ExecStart's words
unshare -m --propagation private sh -c 'mount --bind "$0" /var/spool &&
    umask "$1" && shift && exec "$@"' "$T/spool" "${unit_umask:-0022}" \
    setpriv --reuid="$unit_user" --regid="$unit_group" --init-groups \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $exec_start >"$T/milter.log" 2>&1 &
milter_pid=$!
if wait_until 10 "the milter's socket" test -S "$queue/mailswitch/milter.sock"; then
    pass "the installed milter starts with the installed configuration"
else
    fail "the installed milter starts with the installed configuration"
    sed 's/^/# milter: /' "$T/milter.log"
fi
check_eq "it runs as mailswitch" mailswitch "$(ps -o user= -p "$milter_pid")"
check_eq "its socket: owner mailswitch, group postfix, mode 660" \
    "socket mailswitch postfix 660" \
    "$(stat -c '%F %U %G %a' "$queue/mailswitch/milter.sock" 2>&1)"
daemon_pid=$(cat /run/mailswitch/milter.pid 2>/dev/null)
check_eq "its pid file" "$milter_pid" "$daemon_pid"

check "smtp-sink starts" sink_start "$T/sink" "$sinkport" || exit 1
check "postfix starts" pf_start || exit 1
python3 "$TOP/tests/milter/smtpc.py" "127.0.0.1:$pfport" -i deb \
    joe@example.test nobody@example.test >"$T/smtp.out" 2>&1
sed 's/^/# smtp: /' "$T/smtp.out"
check "an unknown user is rejected" \
    grep -qx 'rcpt <nobody@example.test>: 550 5.1.1 User unknown' "$T/smtp.out"
check "the message is accepted" grep -q '^eom: 250 ' "$T/smtp.out"
check "the message reaches the sink" sink_wait 1 20
check_eq "its recipient was rewritten" joe@branch.example.test "$(sink_rcpts)"
check_rc "mailswitch-milter -s reads the running milter's stats" 0 \
    /usr/sbin/mailswitch-milter -s >"$T/stats.out" 2>&1
pf_stop

kill -TERM "$milter_pid"
if wait_until 15 "the milter to stop" pid_gone "$milter_pid"; then
    pass "the milter stops on SIGTERM"
    wait "$milter_pid" 2>/dev/null
    milter_pid=
else
    fail "the milter stops on SIGTERM"
fi
check "it removes its socket" test ! -e "$queue/mailswitch/milter.sock"
sed 's/^/# milter: /' "$T/milter.log"

# --- purge -----------------------------------------------------------------

dpkg -L mailswitch >"$T/files" 2>/dev/null
in_spool dpkg --purge mailswitch >"$T/purge.log" 2>&1
rc=$?
sed 's/^/# dpkg --purge: /' "$T/purge.log"
check_eq "dpkg --purge removes the package" 0 "$rc"
installed=no
check_eq "dpkg knows nothing of it" "" \
    "$(dpkg-query -W -f='${Status}' mailswitch 2>/dev/null | grep -v not-installed)"
# Every path of the package is gone, but directories other packages own.
left=
while read -r path; do
    [ "$path" != /. ] || continue
    [ -e "$path" ] || [ -L "$path" ] || continue
    [ -d "$path" ] && dpkg-query -S "$path" >/dev/null 2>&1 && continue
    left="$left $path"
done <"$T/files"
check_eq "no file of the package is left" "" "$left"
check "no /etc/mailswitch (the conffile and the map with it)" test ! -e /etc/mailswitch
check "no /run/mailswitch" test ! -e /run/mailswitch
check "no socket directory in Postfix's spool" test ! -e "$queue/mailswitch"
check_eq "no systemd state of the unit" "" \
    "$(find /var/lib/systemd /etc/systemd -name '*mailswitch*' 2>/dev/null)"
check_eq "no dpkg state of the package" "" \
    "$(find /var/lib/dpkg/info -name 'mailswitch.*' 2>/dev/null)"
check "the system user mailswitch is kept (Debian keeps system accounts)" \
    had_user mailswitch

# --- leave the machine as found ---------------------------------------------

sink_stop
drop_users
check_eq "the users are as before the test" "$had_mailswitch $had_postfix $had_postdrop" \
    "$(had_user mailswitch && echo yes || echo no) $(had_user postfix && echo yes || echo no) $(had_group postdrop && echo yes || echo no)"
