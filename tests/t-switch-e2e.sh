#!/bin/sh
# t-switch-e2e.sh - the routing switch end to end, on a network of Linux
# network namespaces: an outside sender, the switch, a backup MX and two
# branches, each a real Postfix running mailswitch-milter with the maps
# maptool build made for it, and nsd answering for inkacoca.org from the
# zone fragment the same build wrote (tests/lib/mailnet.sh).
#
# MAILNET_MODE says how Postfix asks mailswitch: milter (the default,
# this file: the recipes postfix-ROLE.cf) or socketmap (the recipes
# postfix-ROLE-socketmap.cf; tests/t-switch-e2e-socketmap.sh sources
# this file so). The assertions are the same in both modes; where
# Postfix's semantics differ (a lookup table is no milter), the test
# says which and why: see map_reply and "without SMTP" below.
#
# Assertions are on what each mailbox holds:
#   - mail from outside reaches every user at the right branch; an
#     unknown user is rejected at RCPT time with the map's text;
#   - mail between two users of a branch never reaches the switch, mail
#     between branches goes through it (Received: headers);
#   - old subdomain addresses still arrive;
#   - mail submitted with the sendmail command (the recipes' Postfix
#     non_smtpd_milters, or cleanup's virtual_alias_maps) is rewritten at
#     a branch and at the switch; an unknown recipient holds the whole
#     message in the maildrop queue (milter) or is refused by the switch
#     and bounced while the others are delivered (socketmap);
#   - user+tag@domain reaches the user's mailbox with the tag in its
#     envelope recipient (Delivered-To:), from outside through the
#     switch, through the backup MX, from another branch and within a
#     branch; rebuilt with "detail drop", the tag is dropped;
#   - with the switch stopped, the sender falls back to the backup MX,
#     which accepts known users, rejects unknown ones and queues; once
#     the switch is back every message arrives exactly once;
#   - a user moved to another branch, rebuilt and installed while mail
#     flows, gets every later message at the new branch, and none is
#     lost or doubled.
# Every namespace and process is removed at exit, even on failure; every
# wait is bounded in time.
. "$TOP/tests/lib/tap.sh"
NET_DIR=$T/net
MAILNET_MODE=${MAILNET_MODE:-milter}
. "$TOP/tests/lib/mailnet.sh"

why=$(net_available)
if [ -n "$why" ]; then
    skip "switch end to end ($MAILNET_MODE)" "$why"
    exit 0
fi
watchdog_start "${E2E_LIMIT:-300}"
trap 'kill $WATCHDOG 2>/dev/null; net_cleanup' EXIT
trap 'exit 1' HUP INT TERM

E2E_FAILED=0
fail() { echo "not ok - $*" >&8; E2E_FAILED=1; }   # fd 8: see tap.sh
not() { ! "$@"; }
# queues_empty: no Postfix of the network holds a message.
queues_empty() {
    for _h in $NET_HOSTS; do
        [ -f "$NET_DIR/$_h/etc/main.cf" ] || continue
        net_pf_queue_empty "$_h" || return 1
    done
}
# sent_at_least N: the mover's client has sent N messages.
sent_at_least() {
    [ "$(wc -l <"$T/move.log" 2>/dev/null || echo 0)" -ge "$1" ]
}
M=$MAPTOOL
D=inkacoca.org
start=$(date +%s)
cd "$T" || exit 1

phase() {
    echo "# $* ($(( $(date +%s) - start )) s)"
}

# map_reply ADDR: the RCPT reply a server gives for ADDR when the map
# rejects it with "550 5.1.1 User unknown". The milter's reply is the
# map's, as written. An access table's is not: Postfix gives a
# check_recipient_access result "550 5.1.1 TEXT" as
# "550 5.1.1 <ADDR>: Recipient address rejected: TEXT" (the code, the
# enhanced code and the map's text are the map's; the frame is
# Postfix's, and no table answer can avoid it).
map_reply() {
    case $MAILNET_MODE in
    milter) echo "550 5.1.1 User unknown" ;;
    socketmap) echo "550 5.1.1 <$1>: Recipient address rejected: User unknown" ;;
    esac
}
# unfolded: stdin with folded lines joined (a bounce may fold a reply).
unfolded() {
    sed ':a; N; $!ba; s/\n[ \t]\+/ /g'
}

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
LIMA_USERS=$(sed -n 's/^\([a-z0-9.]\{1,\}\).*/\1/p' org/users/lima | tr '\n' ' ')
CUZCO_USERS=$(sed -n 's/^\([a-z0-9.]\{1,\}\).*/\1/p' org/users/cuzco | tr '\n' ' ')
check_rc "the topology builds and verifies" 0 "$M" build org/e2e.topology -o build \
    >build.out 2>&1
check "the build wrote its servers file" test -s build/servers

# --- the network: Rosa will move to Cuzco, her mailbox there is made now --
case $MAILNET_MODE in
milter) daemons="four milters" ;;
*) daemons="four mailswitch daemons serving socketmap tables" ;;
esac
if mailnet_up build cuzco-mail:rosa; then
    pass "the network is up: nsd, five Postfix, $daemons ($(( $(date +%s) - start )) s)"
else
    fail "the network is up ($MAILNET_MODE mode)"
    exit 1
fi
# uses_mode NODE: NODE's Postfix asks mailswitch the MAILNET_MODE way
# only (a milter, or the socketmap tables; never both).
uses_mode() {
    _pc() { "$PF_TREE/usr/sbin/postconf" -c "$NET_DIR/$1/etc" -h "$2"; }
    _sm=$(_pc "$1" smtpd_recipient_restrictions)
    case $MAILNET_MODE in
    milter)
        test "$(_pc "$1" smtpd_milters)" = unix:mailswitch/milter.sock &&
            case $_sm in *socketmap:*) false ;; esac ;;
    socketmap)
        test -z "$(_pc "$1" smtpd_milters)$(_pc "$1" non_smtpd_milters)" &&
            case $_sm in *socketmap:unix:$NET_SOCKETMAP:access*) true ;; *) false ;; esac ;;
    esac
}
for n in $MAILNET_SERVERS; do
    check "$n: Postfix asks mailswitch by $MAILNET_MODE only" uses_mode "$n"
done
if command -v drill >/dev/null 2>&1; then
    check_eq "DNS: the domain's MX records, from the build's zone" \
        "10 switch.inkacoca.org.|20 mx2.inkacoca.org." \
        "$(net_exec out drill -Q MX $D @10.77.0.53 2>/dev/null | sort -n | tr '\n' '|' | sed 's/|$//')"
else
    skip "DNS: the domain's MX records, from the build's zone" "no drill (ldnsutils)"
fi

# --- mail from outside: every user, at the right branch -------------------
phase "mail from outside"
for u in $LIMA_USERS $CUZCO_USERS; do mailnet_send out "in-$u" "$u@$D"; done
for u in $LIMA_USERS; do mailnet_arrived "in-$u" "lima-mail:$u"; done
for u in $CUZCO_USERS; do mailnet_arrived "in-$u" "cuzco-mail:$u"; done
mailnet_send out in-alias "ana.torres@$D"
mailnet_arrived in-alias lima-mail:ana
mailnet_send out in-role "postmaster@$D"
mailnet_arrived in-role lima-mail:ana
check_eq "mail from outside passes the switch" "out switch cuzco-mail" \
    "$(mailnet_path "$(mailnet_file in-carlos)")"

# --- unknown users: rejected at RCPT time with the map's text ------------
phase "unknown users"
net_exec out "$MAILNET_PYTHON" "$TOP/tests/lib/smtpsend.py" --id unknown 10.77.0.10 \
    "nobody@$D" >unknown.out 2>&1
check_eq "the switch rejects an unknown user at RCPT with the map's text" \
    "rcpt nobody@$D $(map_reply "nobody@$D")" "$(grep '^rcpt' unknown.out)"
mailnet_send out unknown-via-mx "nobody@$D"
# rejected_by RELAY [NODE]: NODE's (default out's) Postfix was refused
# nobody@ at RCPT by RELAY with the map's reply.
rejected_by() {
    grep -F "to=<nobody@inkacoca.org>, relay=$1.inkacoca.org" "$NET_DIR/${2:-out}/maillog" |
        grep -q -F "said: $(map_reply nobody@inkacoca.org) (in reply to RCPT TO command)"
}
net_wait 20 rejected_by switch
check "the sender's Postfix got the 550 at RCPT time from the switch" rejected_by switch
bounced() {
    for _f in $(net_maildir_files out | xargs -r grep -l -F 'unknown-via-mx'); do
        unfolded <"$_f" | grep -q -F "$(map_reply "nobody@$D")" && return 0
    done
    return 1
}
net_wait 20 bounced
check "the sender gets a bounce with the map's text" bounced

# --- within a branch, and between branches --------------------------------
phase "within and between branches"
mailnet_send lima-mail local-1 "jorge@$D"
mailnet_arrived local-1 lima-mail:jorge
check_eq "mail within Lima passes only lima-mail (Received: headers)" "lima-mail" \
    "$(mailnet_path "$(mailnet_file local-1)")"
mailnet_send lima-mail local-2 "diego@lima.$D" "lucia@lima.$D"
mailnet_arrived local-2 "lima-mail:diego1 lima-mail:lucia"
check_eq "...and so does mail to old Lima addresses" "lima-mail" \
    "$(mailnet_path "$(mailnet_file local-2)")"
mailnet_send lima-mail between-1 "carlos@$D"
mailnet_arrived between-1 cuzco-mail:carlos
check_eq "mail from Lima to Cuzco passes lima-mail, the switch, cuzco-mail" \
    "lima-mail switch cuzco-mail" "$(mailnet_path "$(mailnet_file between-1)")"
mailnet_send cuzco-mail between-2 "rosa@$D" "diego1@$D"
mailnet_arrived between-2 "lima-mail:diego1 lima-mail:rosa"
mailnet_send cuzco-mail local-unknown "nobody@$D"
check "a branch rejects an unknown user itself, at RCPT" \
    grep -q -x -F "rcpt nobody@$D $(map_reply "nobody@$D")" "$NET_DIR/send.log"

# --- old subdomain addresses ----------------------------------------------
phase "old addresses"
mailnet_send out old-1 "diego@lima.$D"
mailnet_send out old-2 "diego@cuzco.$D"
mailnet_send out old-3 "ana@lima.$D"
mailnet_arrived old-1 lima-mail:diego1
mailnet_arrived old-2 cuzco-mail:diego2
mailnet_arrived old-3 lima-mail:ana
check_eq "old addresses go straight to the branch (their MX)" "out lima-mail" \
    "$(mailnet_path "$(mailnet_file old-1)")"
net_exec out "$MAILNET_PYTHON" "$TOP/tests/lib/smtpsend.py" --id old-unknown 10.77.0.21 \
    "carlos@lima.$D" >oldu.out 2>&1
check_eq "a user of another branch is unknown at Lima's subdomain" \
    "rcpt carlos@lima.$D $(map_reply "carlos@lima.$D")" "$(grep '^rcpt' oldu.out)"

# --- +detail: the tag survives every hop -----------------------------------
phase "+detail"
# tagged ID MAILBOX RCPT PATH: ID mailnet_arrived in MAILBOX only, delivered to
# the envelope recipient RCPT, having passed PATH.
tagged() {
    mailnet_arrived "$1" "$2"
    check_eq "$1: delivered as $3" "$3" "$(mailnet_rcpt "$1")"
    check_eq "$1: by way of $4" "$4" "$(mailnet_path "$(mailnet_file "$1")")"
}
mailnet_send out tag-out "ana+out@$D"
mailnet_send out tag-role "postmaster+role@$D"
mailnet_send out tag-old "diego+old@lima.$D"
mailnet_send cuzco-mail tag-branch "jorge+cuzco@$D"
mailnet_send lima-mail tag-local "lucia+self@$D"
net_exec out "$MAILNET_PYTHON" "$TOP/tests/lib/smtpsend.py" --id tag-mx2 10.77.0.20 \
    "carlos+mx2@$D" >tagmx2.out 2>&1
check_eq "the backup MX accepts user+tag" "rcpt carlos+mx2@$D 250 2.1.5 Ok" \
    "$(grep '^rcpt' tagmx2.out)"
tagged tag-out lima-mail:ana "ana+out@lima.$D" "out switch lima-mail"
tagged tag-role lima-mail:ana "ana+role@lima.$D" "out switch lima-mail"
tagged tag-old lima-mail:diego1 "diego1+old@lima.$D" "out lima-mail"
tagged tag-branch lima-mail:jorge "jorge+cuzco@lima.$D" "cuzco-mail switch lima-mail"
tagged tag-local lima-mail:lucia "lucia+self@lima.$D" "lima-mail"
tagged tag-mx2 cuzco-mail:carlos "carlos+mx2@cuzco.$D" "mx2 switch cuzco-mail"

# --- mail submitted without SMTP (the sendmail command) ----------------------
phase "without SMTP"
# The recipes list the milter in non_smtpd_milters on the switch and the
# branches (socketmap: cleanup applies virtual_alias_maps to all mail):
# an old address is rewritten at its branch, and the switch does not
# send mail for its own domain to itself.
mailnet_submit lima-mail nosmtp-branch "diego@lima.$D" "carlos@$D"
mailnet_submit switch nosmtp-switch "ana@$D"
mailnet_submit lima-mail nosmtp-unknown "nobody@$D" "jorge@$D"
mailnet_arrived nosmtp-branch "cuzco-mail:carlos lima-mail:diego1"
check_eq "...the old address delivered at its branch, without the switch" "lima-mail" \
    "$(mailnet_path "$(net_maildir_files lima-mail | xargs grep -l -x -F 'X-Test-Id: nosmtp-branch')")"
mailnet_arrived nosmtp-switch lima-mail:ana
check_eq "the sendmail command on the switch: straight to the branch" "switch lima-mail" \
    "$(mailnet_path "$(mailnet_file nosmtp-switch)")"
if [ "$MAILNET_MODE" = milter ]; then
    # An unknown recipient: Postfix cannot refuse one recipient of mail
    # submitted without SMTP, so cleanup refuses the whole message for now
    # and it stays in the maildrop queue (as the recipes say).
    refused_nosmtp() {
        grep -q "warning: [0-9A-F]*: milter configuration error: can't reject recipient in non-smtpd(8) submission" \
            "$NET_DIR/lima-mail/maillog"
    }
    net_wait 20 refused_nosmtp
    check "without SMTP, an unknown recipient: Postfix refuses the whole message" refused_nosmtp
    stuck=$(find "$NET_DIR/lima-mail/queue/maildrop" -type f -exec grep -l -F nosmtp-unknown {} +)
    check_eq "...which stays in the maildrop queue" 1 "$(echo "$stuck" | grep -c .)"
    check_eq "...delivered to nobody, not even the known recipient" "" "$(mailnet_where nosmtp-unknown)"
    for f in $stuck; do
        "$PF_TREE/usr/sbin/postsuper" -c "$NET_DIR/lima-mail/etc" -d "$(basename "$f")" maildrop \
            >/dev/null 2>&1
    done
    check "postsuper -d takes it out" net_wait 10 net_pf_queue_empty lima-mail
else
    # Differs from the milter, by Postfix's semantics: a lookup table
    # cannot refuse a recipient. virtual_alias_maps only rewrites, and
    # check_recipient_access is an smtpd restriction, which mail
    # submitted with the sendmail command never meets; the branch's
    # service answers NOTFOUND for the unknown address (the map rejects
    # it), so Postfix relays it as it stands to the domain's MX, the
    # switch, whose access table refuses it at RCPT. The known recipient
    # is delivered, and the sender gets a bounce from the branch.
    mailnet_arrived nosmtp-unknown lima-mail:jorge
    net_wait 20 rejected_by switch lima-mail
    check "without SMTP, an unknown recipient: the switch refuses it at RCPT" \
        rejected_by switch lima-mail
    # bounce_qid: the queue id of lima-mail's bounce for it.
    bounce_qid() {
        _q=$(grep -F "to=<nobody@inkacoca.org>, relay=switch.inkacoca.org" \
            "$NET_DIR/lima-mail/maillog" | sed -n 's/.*: \([0-9A-F]\{6,\}\): to=.*/\1/p' | tail -n 1)
        [ -n "$_q" ] && sed -n "s/.* $_q: sender non-delivery notification: \([0-9A-F]*\)$/\1/p" \
            "$NET_DIR/lima-mail/maillog" | grep .
    }
    net_wait 20 bounce_qid
    check "...and the branch bounces it to the sender" bounce_qid
    # The sender's domain is in no DNS the branch can ask: the bounce
    # waits in the branch's queue; take it out.
    bq=$(bounce_qid)
    [ -n "$bq" ] && "$PF_TREE/usr/sbin/postsuper" -c "$NET_DIR/lima-mail/etc" -d "$bq" \
        >/dev/null 2>&1
    check "postsuper -d takes the bounce out" net_wait 10 net_pf_queue_empty lima-mail
fi

# --- failover to the backup MX ---------------------------------------------
phase "failover"
net_pf_stop switch
check "the switch is stopped" not _net_listening switch -t 25
mailnet_send out fo-1 "ana@$D"
mailnet_send out fo-2 "carlos@$D" "diego2@$D"
mailnet_send out fo-3 "nobody@$D"
mailnet_send out fo-tag "wayra+fo@$D"
net_wait 30 rejected_by mx2
check "the backup MX rejects an unknown user at RCPT" rejected_by mx2
# sent_to_mx2 USER: the sender has handed USER's mail to the backup MX.
sent_to_mx2() {
    grep -q "to=<$1@inkacoca.org>, relay=mx2.inkacoca.org.*status=sent" "$NET_DIR/out/maillog"
}
net_wait 30 sent_to_mx2 ana && net_wait 10 sent_to_mx2 diego2 && net_wait 10 sent_to_mx2 wayra+fo
check "the sender handed the known users' mail to the backup MX" sent_to_mx2 carlos
check "the sender tried the switch first (MX priority)" \
    grep -q 'connect to switch.inkacoca.org\[10.77.0.10\]:25: Connection refused' "$NET_DIR/out/maillog"
check "the backup MX queues it" not net_pf_queue_empty mx2
check_eq "nothing arrives while the switch is down" "" "$(mailnet_where fo-1)$(mailnet_where fo-2)"
net_exec out "$MAILNET_PYTHON" "$TOP/tests/lib/smtpsend.py" --id fo-direct 10.77.0.20 \
    "mariela@$D" "nobody@$D" >fod.out 2>&1
check_eq "the backup MX accepts a known user and rejects an unknown one" \
    "rcpt mariela@$D 250 2.1.5 Ok|rcpt nobody@$D $(map_reply "nobody@$D")" \
    "$(grep '^rcpt' fod.out | tr '\n' '|' | sed 's/|$//')"
net_pf_start switch
net_pf_flush mx2
mailnet_arrived fo-1 lima-mail:ana 40
mailnet_arrived fo-2 "cuzco-mail:carlos cuzco-mail:diego2"
mailnet_arrived fo-direct cuzco-mail:mariela
tagged fo-tag cuzco-mail:wayra "wayra+fo@cuzco.$D" "out mx2 switch cuzco-mail"
check_eq "...by way of the backup MX and the switch" "out mx2 switch lima-mail" \
    "$(mailnet_path "$(mailnet_file fo-1)")"
net_wait 20 net_pf_queue_empty mx2
check "the backup's queue is empty once the switch is back" net_pf_queue_empty mx2
check "and every other queue too: nothing more is on its way" net_wait 20 queues_empty
check_eq "every failover message exactly once, none lost" \
    "lima-mail:ana|cuzco-mail:carlos cuzco-mail:diego2|cuzco-mail:mariela" \
    "$(mailnet_where fo-1)|$(mailnet_where fo-2)|$(mailnet_where fo-direct)"

# --- a user moves from Lima to Cuzco while mail flows ------------------------
phase "a user moves"
cp -r org org2
sed -i '/^rosa$/d' org2/users/lima
printf 'rosa        rosa@lima.inkacoca.org    # moved from Lima\n' >>org2/users/cuzco
net_exec out "$MAILNET_PYTHON" "$TOP/tests/lib/smtpsend.py" --count 40 --interval 0.25 \
    --id "move-{n}" --log "$T/move.log" --stop "$T/move.stop" 10.77.0.99 "rosa@$D" \
    >move.out 2>&1 &
mover=$!
net_wait 20 sent_at_least 4
check_rc "the moved user's topology builds and verifies" 0 "$M" build org2/e2e.topology \
    -o build >build2.out 2>&1
check "the build says so" grep -q '^build build:' build2.out
check_eq "the build says to install Cuzco, which gains a user, first" \
    "install the branches that gain users first: cuzco (see build/servers)" \
    "$(tail -n 1 build2.out)"
if mailnet_deploy build; then
    pass "the new maps are installed and every milter has them"
else
    fail "the new maps are installed and every milter has them"
fi
cut=$(wc -l <"$T/move.log")
wait $mover
total=$(wc -l <"$T/move.log")
check "messages were sent before and after the move" test "$cut" -gt 1 -a "$total" -gt "$((cut + 5))"
all_there() {
    test "$(mailnet_delivered move- | cut -d' ' -f1 | sort -u | wc -l)" -ge "$total"
}
net_wait 60 all_there
check "every queue is empty after the move: nothing more is on its way" net_wait 20 queues_empty
mailnet_delivered move- >moved.txt
lost=$(n=1; while [ $n -le "$total" ]; do
    grep -q "^move-$n " moved.txt || printf ' %s' $n; n=$((n + 1)); done)
doubled=$(cut -d' ' -f1 moved.txt | sort | uniq -d | tr '\n' ' ')
late=$(awk -v cut="$cut" '{ n = substr($1, 6) + 0 } n > cut && $2 != "cuzco-mail:rosa" { printf " %d", n }' moved.txt)
check_eq "no message to the moved user is lost" "" "$lost"
check_eq "none is delivered twice" "" "$doubled"
check_eq "every message sent after the install is at the new branch" "" "$late"
before=$(awk -v cut="$cut" '{ n = substr($1, 6) + 0 } n <= cut { print $2 }' moved.txt |
    sort | uniq -c | awk '{ printf "%s%d at %s", (NR > 1 ? ", " : ""), $1, $2 }')
echo "# moved user: $cut messages sent before the switch-over ($before), $((total - cut)) after"

# --- detail drop: the tag is dropped on the way ------------------------------
phase "detail drop"
printf 'detail drop\n' >>org2/e2e.topology
check_rc "the topology with detail drop builds and verifies" 0 "$M" build \
    org2/e2e.topology -o build >build3.out 2>&1
if mailnet_deploy build; then
    pass "the detail drop maps are installed and every milter has them"
else
    fail "the detail drop maps are installed and every milter has them"
fi
mailnet_send out drop-out "ana+out@$D"
mailnet_send cuzco-mail drop-branch "jorge+cuzco@$D"
net_exec out "$MAILNET_PYTHON" "$TOP/tests/lib/smtpsend.py" --id drop-mx2 10.77.0.20 \
    "carlos+mx2@$D" >dropmx2.out 2>&1
tagged drop-out lima-mail:ana "ana@lima.$D" "out switch lima-mail"
tagged drop-branch lima-mail:jorge "jorge@lima.$D" "cuzco-mail switch lima-mail"
tagged drop-mx2 cuzco-mail:carlos "carlos@cuzco.$D" "mx2 switch cuzco-mail"

[ "$E2E_FAILED" = 0 ] || mailnet_dump_logs
phase "done"
