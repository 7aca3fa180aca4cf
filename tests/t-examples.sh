#!/bin/sh
# t-examples.sh - the bundled example tables stay good, and the demo runs.
. "$TOP/tests/lib/tap.sh"
cd "$T" || exit 1

for table in "$TOP"/examples/*.vut; do
    name=$(basename "$table" .vut)
    "$MAPTOOL" compile -o "$name.db" "$table" 2>"$name.err"
    check_eq "example $name compiles without a word" "0:" "$?:$(cat "$name.err")"
    "$MAPTOOL" check "$table" >"$name.check" 2>&1
    check "example $name: no loop, no warning" \
        grep -q ', 0 errors, 0 warnings, 0 routing loops$' "$name.check"
done
check_eq "switch: a known user goes to the branch" \
    "$(printf 'diego1@inkacoca.org\tforward\tdiego1@lima.inkacoca.org')" \
    "$("$MAPTOOL" query switch.db diego1@inkacoca.org)"
check_eq "lima: another branch's user goes to the switch" \
    "$(printf 'ana@inkacoca.org\tforward\tana@switch.inkacoca.org')" \
    "$("$MAPTOOL" query lima.db ana@inkacoca.org)"
check_eq "mx2: an unknown user is rejected" \
    "$(printf 'nobody@inkacoca.org\treject\t550\t5.1.1\tUser unknown')" \
    "$("$MAPTOOL" query mx2.db nobody@inkacoca.org)"
(cd "$TOP" && sh examples/demo) >demo.out 2>&1
check_eq "the demo runs" 0 $?
check "the demo shows a rejection" grep -q 'reject 550 5.1.1 User unknown' demo.out

# --- the MTA recipes (examples/recipes) ---------------------------------
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/recipes.sh"
"$MAPTOOL" build "$TOP/examples/inkacoca/inkacoca.topology" -o ink >ink.out 2>&1 ||
    { fail "examples/inkacoca builds"; cat ink.out; exit 1; }
# servers_of ROLE: "MODE MAP..." of the first server of ROLE in the build.
servers_of() {
    awk -v r="$1" '$1 == "server" && ($3 == r || (r == "branch" && $3 ~ /^branch:lima$/)) {
        $1 = $2 = $3 = ""; sub(/^ +/, ""); print; exit }' ink/servers
}
for mta in postfix sendmail; do
    for role in switch backup branch; do
        f=$(recipe_file "$mta" "$role")
        check "$mta-$role: the recipe is there" test -r "$f"
        maps=$(recipe_milter "$mta" "$role" map | sed 's#.*/##' | tr '\n' ' ' | sed 's/ $//')
        check_eq "$mta-$role: the milter's mode and maps are the build's for the role" \
            "$(servers_of "$role" | tr -s ' ')" \
            "$(recipe_milter "$mta" "$role" mode) $maps"
        for m in $maps; do
            check "$mta-$role: maptool build writes $m" test -s "ink/$m"
        done
        # shellcheck disable=SC2016 # deploy's own default, as written
        check_eq "$mta-$role: the maps live where deploy installs them" \
            "$(sed -n 's/^MAPDIR=\${MAPDIR:-\(.*\)}$/\1/p' "$TOP/examples/inkacoca/deploy")" \
            "$(recipe_milter "$mta" "$role" map | sed 's#/[^/]*$##' | sort -u)"
    done
done
# The socketmap recipes run the same daemon, with the same maps and mode
# (tests/lib/mailnet.sh's socketmap mode takes them from the Postfix
# lines, t-switch-e2e-socketmap.sh runs them).
for role in switch backup branch; do
    maps=$(recipe_milter postfix "$role-socketmap" map | sed 's#.*/##' | tr '\n' ' ' | sed 's/ $//')
    check_eq "postfix-$role-socketmap: the milter's mode and maps are the build's for the role" \
        "$(servers_of "$role" | tr -s ' ')" \
        "$(recipe_milter postfix "$role-socketmap" mode) $maps"
    check_eq "postfix-$role-socketmap: the socketmap socket is the switch recipe's" \
        "$(recipe_milter postfix switch-socketmap socketmap)" \
        "$(recipe_milter postfix "$role-socketmap" socketmap)"
done
check_eq "mailswitch.conf(5): the example's map is one the build writes" "switch.db" \
    "$(sed -n 's#^map *= */etc/mailswitch/##p' "$TOP/doc/mailswitch.conf.5")"
check "...and that file exists in a build" test -s ink/switch.db

# Postfix: postconf reads each recipe without a warning (an unknown or
# misspelt parameter is "unused"), and the socket it names is the
# milter's, as a chrooted smtpd sees it from Debian's queue directory.
if pf_tree; then
    for role in switch backup branch; do
        mkdir -p "pf-$role" && cp "$(recipe_file postfix "$role")" "pf-$role/main.cf" &&
            : >"pf-$role/master.cf"
        "$PF_TREE/usr/sbin/postconf" -c "pf-$role" -n >"pf-$role.out" 2>"pf-$role.err"
        check_eq "postfix-$role.cf: postconf takes it without a word" "0:" \
            "$?:$(cat "pf-$role.err")"
        sock=$("$PF_TREE/usr/sbin/postconf" -c "pf-$role" -h smtpd_milters)
        check_eq "postfix-$role.cf: smtpd reaches the milter's socket from the queue directory" \
            "$(recipe_milter postfix "$role" socket)" \
            "unix:/var/spool/postfix/${sock#unix:}"
        case $sock in
        unix:/*) fail "postfix-$role.cf: a relative socket path (chroot or not)" ;;
        *) pass "postfix-$role.cf: a relative socket path (chroot or not)" ;;
        esac
    done
    check_eq "the recipes that need it list the milter for mail without SMTP" \
        "switch:\$smtpd_milters branch:\$smtpd_milters backup:" \
        "$(for r in switch branch backup; do
            printf '%s:%s ' "$r" "$("$PF_TREE/usr/sbin/postconf" -c "pf-$r" -h non_smtpd_milters)"
        done | sed 's/ $//')"
else
    fail "the postfix package is unpacked (make deps-test)"
fi

# Sendmail: m4 with Debian's sendmail-cf makes a sendmail.cf of each
# recipe, with the milter (F=T) on the socket the milter's settings give.
if [ -f /usr/share/sendmail/cf/m4/cf.m4 ] && command -v m4 >/dev/null 2>&1; then
    for role in switch backup branch; do
        { echo "include(\`/usr/share/sendmail/cf/m4/cf.m4')dnl"
          echo "OSTYPE(\`linux')dnl"
          cat "$(recipe_file sendmail "$role")"
          echo "MAILER(\`local')dnl"
          echo "MAILER(\`smtp')dnl"; } >"sm-$role.mc"
        m4 "sm-$role.mc" >"sm-$role.cf" 2>"sm-$role.err"
        check_eq "sendmail-$role.mc: m4 makes a sendmail.cf without a word" "0:" \
            "$?:$(cat "sm-$role.err")"
        sock=$(recipe_milter sendmail "$role" socket)
        check "sendmail-$role.mc: the filter is on the milter's socket, F=T" \
            grep -q "^Xmailswitch, S=local:${sock#unix:}, F=T," "sm-$role.cf"
        check "sendmail-$role.mc: the filter is in use" \
            grep -q '^O InputMailFilters=mailswitch$' "sm-$role.cf"
    done
    check_eq "sendmail-switch.mc relays the domain, the relay name and every subdomain" \
        "$(awk '$1 ~ /^(domain|relay)$/ { print $2 } $1 == "subdomain" { print $2 }' \
            "$TOP/examples/inkacoca/inkacoca.topology" | sort | tr '\n' ' ')" \
        "$(sed -n 's/^C{R}//p' sm-switch.cf | sort | tr '\n' ' ')"
else
    fail "sendmail-cf and m4 are installed"
fi

# The milter's default socket is the one the Postfix recipes reach: in a
# mount namespace of its own, over a scratch /var/spool, the milter
# started without a socket listens there.
default_socket() {
    # shellcheck disable=SC2016 # expanded by the inner shell
    unshare -m --propagation private sh -c '
        . "$TOP/tests/lib/wait.sh"
        mount -t tmpfs tmpfs /var/spool || exit 3
        mkdir -p /var/spool/postfix/mailswitch && chown nobody /var/spool/postfix/mailswitch &&
            cp switch.db /var/spool/map.db && chmod 644 /var/spool/map.db || exit 3
        "$MILTER" -f -c /dev/null -m /var/spool/map.db -u nobody 2>milter-default.log &
        pid=$!
        wait_until 10 "the default socket" test -S /var/spool/postfix/mailswitch/milter.sock
        rc=$?
        kill "$pid"
        wait "$pid"
        exit $rc'
}
if command -v unshare >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && [ -d /var/spool ]; then
    check "the milter's default socket: $(recipe_milter postfix switch socket)" default_socket
else
    fail "the milter's default socket (needs root, unshare and /var/spool)"
fi
