#!/bin/sh
# t-switch-e2e.sh - the routing switch end to end, on a network of Linux
# network namespaces: an outside sender, the switch, a backup MX and two
# branches, each a real Postfix running mailswitch-milter with the map
# maptool build made for it, and nsd answering for inkacoca.org from the
# zone fragment the same build wrote. Assertions are on what each
# mailbox holds:
#   - mail from outside reaches every user at the right branch; an
#     unknown user is rejected at RCPT time with the map's text;
#   - mail between two users of a branch never reaches the switch, mail
#     between branches goes through it (Received: headers);
#   - old subdomain addresses still arrive;
#   - with the switch stopped, the sender falls back to the backup MX,
#     which accepts known users, rejects unknown ones and queues; once
#     the switch is back every message arrives exactly once;
#   - a user moved to another branch, rebuilt and installed while mail
#     flows, gets every later message at the new branch, and none is
#     lost or doubled.
# Every namespace and process is removed at exit, even on failure.
. "$TOP/tests/lib/tap.sh"
NET_DIR=$T/net
. "$TOP/tests/lib/network.sh"

why=$(net_available)
if [ -n "$why" ]; then
    skip "switch end to end" "$why"
    exit 0
fi
trap 'net_cleanup' EXIT
trap 'exit 1' HUP INT TERM

E2E_FAILED=0
fail() { echo "not ok - $*"; E2E_FAILED=1; }
not() { ! "$@"; }
M=$MAPTOOL
D=inkacoca.org
BUILD=build
SEND=$TOP/tests/lib/smtpsend.py
# Debian's python3, not a version manager's shim (slow to start).
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
cd "$T" || exit 1

# --- the organisation: two branches of the example ----------------------
mkdir -p org/users
cp "$TOP/examples/inkacoca/users/lima" "$TOP/examples/inkacoca/users/cuzco" org/users/
cat >org/e2e.topology <<'EOF'
# two branches of examples/inkacoca, for tests/t-switch-e2e.sh
domain inkacoca.org
switch switch.inkacoca.org  priority 10  address 10.77.0.10
backup mx2.inkacoca.org     priority 20  address 10.77.0.20
branch lima
    host lima-mail.inkacoca.org
    address 10.77.0.21
    users users/lima
branch cuzco
    host cuzco-mail.inkacoca.org
    address 10.77.0.23
    users users/cuzco
role postmaster ana
EOF
# The mailboxes: the first word of each user line. Rosa will move to
# Cuzco: her mailbox there is made beforehand, as an admin would.
LIMA_USERS=$(sed -n 's/^\([a-z0-9.]\{1,\}\).*/\1/p' org/users/lima | tr '\n' ' ')
CUZCO_USERS=$(sed -n 's/^\([a-z0-9.]\{1,\}\).*/\1/p' org/users/cuzco | tr '\n' ' ')
"$M" build org/e2e.topology -o build >build.out 2>&1
check_rc "the topology builds and verifies" 0 test -s build/servers

# --- the network --------------------------------------------------------
# host NAME IP; servers are named after their role in the build.
up() {
    net_init &&
    net_host dns 10.77.0.53 && net_host out 10.77.0.99 &&
    net_host switch 10.77.0.10 && net_host mx2 10.77.0.20 &&
    net_host lima 10.77.0.21 && net_host cuzco 10.77.0.23 &&
    net_dns_start dns "$D" build/dns.zone
}

# install_maps HOST MAP...: maptool install each build map to HOST.
install_maps() {
    _h=$1
    shift
    mkdir -p "$NET_DIR/$_h/maps" && chmod 0755 "$NET_DIR/$_h/maps" || return 1
    for _m; do
        "$M" install "$BUILD/$_m" "$NET_DIR/$_h/maps/$_m" || return 1
    done
}

MILTER_CF="smtpd_milters = unix:$NET_DIR/HOST/milter.sock
milter_protocol = 6
milter_default_action = tempfail"

# server HOST FQDN MODE MAPS EXTRA-MAIN.CF-LINES...: the milter with the
# build's MAPS and a Postfix that uses it (started later, all at once).
server() {
    _h=$1 _f=$2 _mode=$3 _maps=$4
    shift 4
    install_maps "$_h" $_maps || return 1
    _paths=
    for _m in $_maps; do _paths="$_paths $NET_DIR/$_h/maps/$_m"; done
    # shellcheck disable=SC2086
    net_milter_start "$_h" "$_mode" $_paths &&
    net_postfix "$_h" "$_f" "$(echo "$MILTER_CF" | sed "s#HOST#$_h#")" "$@"
}

# branch HOST FQDN SUBDOMAIN USER...: a branch server, a Maildir for each
# USER. Postfix accepts any recipient of the subdomain: the milter
# decides (it rejects unknown ones at RCPT, and rewrites the others).
branch() {
    _h=$1 _f=$2 _sub=$3
    shift 3
    mkdir -p "$NET_DIR/$_h/etc" || return 1
    for _u; do printf '%s@%s %s/%s/\n' "$_u" "$_sub" "$_sub" "$_u"; done \
        >"$NET_DIR/$_h/etc/vmailbox" &&
    server "$_h" "$_f" rewrite "$_h.db domain.db" \
        "myorigin = $_sub" \
        "virtual_mailbox_domains = $_sub" \
        "virtual_mailbox_base = $NET_DIR/$_h/mail" \
        "virtual_mailbox_maps = texthash:$NET_DIR/$_h/etc/vmailbox" \
        "virtual_uid_maps = static:$(id -u postfix)" \
        "virtual_gid_maps = static:$(id -g postfix)" \
        "smtpd_reject_unlisted_recipient = no"
}

start=$(date +%s)
# The outside sender's Postfix keeps its bounces in a mailbox.
mkdir -p "$NET_DIR/out/etc" &&
    echo "tester@sender.example.net sender.example.net/tester/" >"$NET_DIR/out/etc/vmailbox"
if up &&
    net_postfix out sender.example.net \
        "virtual_mailbox_domains = sender.example.net" \
        "virtual_mailbox_base = $NET_DIR/out/mail" \
        "virtual_mailbox_maps = texthash:$NET_DIR/out/etc/vmailbox" \
        "virtual_uid_maps = static:$(id -u postfix)" \
        "virtual_gid_maps = static:$(id -g postfix)" &&
    server switch switch.$D rewrite "switch.db" \
        "relay_domains = $D, switch.$D, lima.$D, cuzco.$D" "relay_recipient_maps =" &&
    server mx2 mx2.$D validate "domain.db" \
        "relay_domains = $D" "relay_recipient_maps =" &&
    branch lima lima-mail.$D lima.$D $LIMA_USERS &&
    branch cuzco cuzco-mail.$D cuzco.$D $CUZCO_USERS rosa &&
    net_pf_start out switch mx2 lima cuzco
then
    pass "the network is up: nsd, five Postfix, four milters ($(( $(date +%s) - start )) s)"
else
    fail "the network is up"
    exit 1
fi

check_eq "DNS: the domain's MX records, from the build's zone" \
    "10 switch.inkacoca.org.|20 mx2.inkacoca.org." \
    "$(net_exec out drill -Q MX $D @10.77.0.53 2>/dev/null | sort -n | tr '\n' '|' | sed 's/|$//')"

# --- helpers ------------------------------------------------------------
# send HOST ID RCPT...: submit one message to HOST's Postfix, from HOST.
send() {
    _h=$1 _id=$2
    shift 2
    eval "_ip=\$NET_IP_$_h"
    net_exec "$_h" "$PYTHON" "$SEND" --id "$_id" "$_ip" "$@" >>"$T/send.log" 2>&1
}

# where ID: HOST:USER for every mailbox holding the message ID, sorted.
where() {
    for _h in lima cuzco; do
        grep -l -x -F "X-Test-Id: $1" $(net_maildir_files "$_h") /dev/null 2>/dev/null |
            sed "s#^$NET_DIR/$_h/mail/[^/]*/\([^/]*\)/.*#$_h:\1#"
    done | sort | tr '\n' ' ' | sed 's/ $//'
}

# the_file ID: the (first) delivered file of message ID.
the_file() {
    for _h in lima cuzco; do
        grep -l -x -F "X-Test-Id: $1" $(net_maildir_files "$_h") /dev/null 2>/dev/null
    done | head -n 1
}

# is_at ID EXPECTED: message ID is in the mailboxes EXPECTED, and only there.
is_at() {
    test "$(where "$1")" = "$2"
}

# arrived ID EXPECTED [SECS]: wait for ID to be at EXPECTED, then check it
# is there and nowhere else.
arrived() {
    net_wait "${3:-20}" is_at "$1" "$2"
    check_eq "$1 is delivered to $2 only" "$2" "$(where "$1")"
}

# headers FILE: the header of a delivered message, continuation lines joined.
headers() {
    sed -n '/^$/q; p' "$1" | sed ':a; N; $!ba; s/\n[ \t]\+/ /g'
}

dump_logs() {
    for _h in out switch mx2 lima cuzco; do
        echo "# --- $_h maillog (tail)"
        tail -n 15 "$NET_DIR/$_h/maillog" | sed 's/^/#   /'
    done
}

phase() {
    echo "# $* ($(( $(date +%s) - start )) s)"
}

phase "mail from outside"
# --- mail from outside: every user, at the right branch -------------------
for u in $LIMA_USERS; do send out "in-$u" "$u@$D"; done
for u in $CUZCO_USERS; do send out "in-$u" "$u@$D"; done
for u in $LIMA_USERS; do arrived "in-$u" "lima:$u"; done
for u in $CUZCO_USERS; do arrived "in-$u" "cuzco:$u"; done
send out in-alias "ana.torres@$D"
arrived in-alias lima:ana
send out in-role "postmaster@$D"
arrived in-role lima:ana
check "mail from outside passed the switch" \
    grep -q 'by switch.inkacoca.org' "$(the_file in-carlos)"

phase "unknown users"
# --- unknown users: rejected at RCPT time with the map's text ------------
net_exec out "$PYTHON" "$SEND" --id unknown 10.77.0.10 "nobody@$D" >unknown.out 2>&1
check_eq "the switch rejects an unknown user at RCPT with the map's text" \
    "rcpt nobody@$D 550 5.1.1 User unknown" "$(grep '^rcpt' unknown.out)"
send out unknown-via-mx "nobody@$D"
net_wait 20 grep -q 'nobody@inkacoca.org.*said: 550 5.1.1 User unknown (in reply to RCPT TO command)' \
    "$NET_DIR/out/maillog"
check "the sender's Postfix got the 550 at RCPT time from the switch" \
    grep -q 'to=<nobody@inkacoca.org>, relay=switch.inkacoca.org.*said: 550 5.1.1 User unknown (in reply to RCPT TO command)' \
    "$NET_DIR/out/maillog"
bounced() {
    grep -l -F 'Subject: unknown-via-mx' $(net_maildir_files out) /dev/null 2>/dev/null |
        xargs -r grep -l '550 5.1.1 User unknown' | grep -q .
}
net_wait 20 bounced
check "the sender gets a bounce with the map's text" bounced

phase "within and between branches"
# --- within a branch, and between branches --------------------------------
send lima local-1 "jorge@$D"
arrived local-1 lima:jorge
f=$(the_file local-1)
check_eq "mail within Lima passed only lima-mail (Received: headers)" \
    "by lima-mail.inkacoca.org" \
    "$(headers "$f" | grep '^Received:' | grep -o 'by [a-z0-9.-]*' | sort -u | tr '\n' ' ' | sed 's/ $//')"
send lima local-2 "diego@lima.$D" "lucia@lima.$D"
arrived local-2 "lima:diego1 lima:lucia"
check "...and so did mail to old Lima addresses" sh -c "! grep -q switch.inkacoca.org $(the_file local-2)"
send lima between-1 "carlos@$D"
arrived between-1 cuzco:carlos
check_eq "mail from Lima to Cuzco went lima-mail, switch, cuzco-mail" \
    "by lima-mail.inkacoca.org|by switch.inkacoca.org|by cuzco-mail.inkacoca.org" \
    "$(headers "$(the_file between-1)" | grep '^Received:' | grep -o 'by [a-z0-9.-]*' | tac | tr '\n' '|' | sed 's/|$//')"
send cuzco between-2 "rosa@$D" "diego1@$D"
arrived between-2 "lima:diego1 lima:rosa"
send cuzco local-unknown "nobody@$D"
check "a branch rejects an unknown user itself, at RCPT" \
    grep -q "^rcpt nobody@$D 550 5.1.1 User unknown" send.log

phase "old addresses"
# --- old subdomain addresses ----------------------------------------------
send out old-1 "diego@lima.$D"
send out old-2 "diego@cuzco.$D"
send out old-3 "ana@lima.$D"
arrived old-1 lima:diego1
arrived old-2 cuzco:diego2
arrived old-3 lima:ana
check "old addresses go straight to the branch, not through the switch" \
    sh -c "! grep -q 'by switch.inkacoca.org' $(the_file old-1)"
net_exec out "$PYTHON" "$SEND" --id old-unknown 10.77.0.21 "carlos@lima.$D" >oldu.out 2>&1
check_eq "a user of another branch is unknown at Lima's subdomain" \
    "rcpt carlos@lima.$D 550 5.1.1 User unknown" "$(grep '^rcpt' oldu.out)"

phase "failover"
# --- failover to the backup MX ---------------------------------------------
net_pf_stop switch
check "the switch is stopped" not _net_listening switch -t 25
send out fo-1 "ana@$D"
send out fo-2 "carlos@$D" "diego2@$D"
send out fo-3 "nobody@$D"
net_wait 30 grep -q 'to=<nobody@inkacoca.org>, relay=mx2.inkacoca.org.*said: 550 5.1.1 User unknown' \
    "$NET_DIR/out/maillog"
check "the backup MX rejects an unknown user at RCPT" \
    grep -q 'to=<nobody@inkacoca.org>, relay=mx2.inkacoca.org.*said: 550 5.1.1 User unknown (in reply to RCPT TO command)' \
    "$NET_DIR/out/maillog"
# sent_to_mx2 USER: the sender has handed USER's mail to the backup MX.
sent_to_mx2() {
    grep -q "to=<$1@inkacoca.org>, relay=mx2.inkacoca.org.*status=sent" "$NET_DIR/out/maillog"
}
net_wait 30 sent_to_mx2 ana && net_wait 10 sent_to_mx2 diego2
check "the sender handed the known users' mail to the backup MX" sent_to_mx2 carlos
check "the sender tried the switch first (MX priority)" \
    grep -q 'connect to switch.inkacoca.org\[10.77.0.10\]:25: Connection refused' "$NET_DIR/out/maillog"
check "the backup MX queues it" not net_pf_queue_empty mx2
check_eq "nothing arrives while the switch is down" "" "$(where fo-1)$(where fo-2)"
net_exec out "$PYTHON" "$SEND" --id fo-direct 10.77.0.20 "mariela@$D" "nobody@$D" >fod.out 2>&1
check_eq "the backup MX accepts a known user and rejects an unknown one" \
    "rcpt mariela@$D 250 2.1.5 Ok|rcpt nobody@$D 550 5.1.1 User unknown" \
    "$(grep '^rcpt' fod.out | tr '\n' '|' | sed 's/|$//')"
net_pf_start switch
net_pf_flush mx2
arrived fo-1 lima:ana 40
arrived fo-2 "cuzco:carlos cuzco:diego2"
arrived fo-direct cuzco:mariela
net_wait 20 net_pf_queue_empty mx2
check "the backup's queue is empty once the switch is back" net_pf_queue_empty mx2
sleep 2
check_eq "every failover message exactly once, none lost" \
    "lima:ana|cuzco:carlos cuzco:diego2|cuzco:mariela" "$(where fo-1)|$(where fo-2)|$(where fo-direct)"

phase "a user moves"
# --- a user moves from Lima to Cuzco while mail flows ------------------------
cp -r org org2
sed -i '/^rosa$/d' org2/users/lima
printf 'rosa        rosa@lima.inkacoca.org    # moved from Lima\n' >>org2/users/cuzco
net_exec out "$PYTHON" "$SEND" --count 40 --interval 0.25 --id "move-{n}" \
    --log "$T/move.log" --stop "$T/move.stop" 10.77.0.99 "rosa@$D" >move.out 2>&1 &
mover=$!
net_wait 20 test -s "$T/move.log"
sleep 1
"$M" build org2/e2e.topology -o build2 >build2.out 2>&1
check_rc "the moved user's topology builds and verifies" 0 test -s build2/servers

# reloaded HOST N: HOST's milter has logged N map reloads.
reloaded() {
    test "$(grep -c ' reloaded ' "$NET_DIR/$1/milter.log")" -ge "$2"
}

# reload HOST MAP...: install MAPs of build2 on HOST; wait for its milter.
reload() {
    _h=$1
    shift
    _before=$(grep -c ' reloaded ' "$NET_DIR/$_h/milter.log")
    install_maps "$_h" "$@" || return 1
    net_milter_reload "$_h"
    net_wait 10 reloaded "$_h" $((_before + $#))
}
BUILD=build2
# The order: the branch the user moves to first, then the other branches,
# the switch, the backup: no server ever sends mail for the user to one
# that does not know the user yet. On a branch, the shared domain map
# goes first: a milter may look at its maps between the two installs.
if reload cuzco domain.db cuzco.db && reload lima domain.db lima.db &&
    reload switch switch.db && reload mx2 domain.db; then
    pass "the new maps are installed and every milter has them"
else
    fail "the new maps are installed and every milter has them"
fi
cut=$(wc -l <"$T/move.log")
wait $mover
total=$(wc -l <"$T/move.log")
check "messages were sent before and after the move" test "$cut" -gt 1 -a "$total" -gt "$((cut + 5))"
# delivered PREFIX: "ID HOST:USER" for every delivered copy of a message
# whose ID starts with PREFIX, in one pass over the mailboxes.
delivered() {
    for _h in lima cuzco; do
        net_maildir_files "$_h" | xargs -r grep -H -x "X-Test-Id: $1.*" |
            sed "s#^$NET_DIR/$_h/mail/[^/]*/\([^/]*\)/[^:]*:X-Test-Id: #$_h:\1 #"
    done | awk '{ print $2, $1 }' | sort
}
all_there() {
    test "$(delivered move- | cut -d' ' -f1 | sort -u | wc -l)" -ge "$total"
}
net_wait 60 all_there
sleep 2
delivered move- >moved.txt
lost=$(n=1; while [ $n -le "$total" ]; do
    grep -q "^move-$n " moved.txt || printf ' %s' $n; n=$((n + 1)); done)
doubled=$(cut -d' ' -f1 moved.txt | sort | uniq -d | tr '\n' ' ')
late_at_lima=$(awk -v cut="$cut" '{ n = substr($1, 6) + 0 } n > cut && $2 != "cuzco:rosa" { printf " %d", n }' moved.txt)
check_eq "no message to the moved user is lost" "" "$lost"
check_eq "none is delivered twice" "" "$doubled"
check_eq "every message sent after the install is at the new branch" "" "$late_at_lima"
before=$(awk -v cut="$cut" '{ n = substr($1, 6) + 0 } n <= cut { print $2 }' moved.txt |
    sort | uniq -c | awk '{ printf "%s%d at %s", (NR > 1 ? ", " : ""), $1, $2 }')
echo "# moved user: $cut messages sent before the switch-over ($before), $((total - cut)) after"

[ "$E2E_FAILED" = 0 ] || dump_logs
echo "# e2e took $(( $(date +%s) - start )) s"
