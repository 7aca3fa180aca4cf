#!/bin/sh
# t-milter-sendmail.sh - mailswitch-milter behind a real Sendmail 8.17
# (tests/lib/sendmail.sh: INPUT_MAIL_FILTER with F=T, so sendmail
# tempfails while the milter is away) on loopback, over
# tests/milter/mta-table.txt; the same messages and assertions as
# t-milter-postfix.sh, as far as Sendmail goes:
#
# - the envelope recipients smtp-sink received, per message: a forward,
#   a local name (Sendmail hands it to its MAIL_HUB, here the sink, as
#   NAME@[127.0.0.1]), a catch-all with %1, +detail forms, mixed
#   outcomes, the same mailbox twice (one delivery), a one-to-three list;
# - the exact replies for rejected and tempfailed recipients (Sendmail
#   puts "<address>... " before the map's text; not before the loop
#   reply's, observed with 8.17.1.9);
# - smfi_addrcpt_par: NOTIFY kept and ORCPT=rfc822;original (Sendmail
#   sends no ORCPT of its own for other recipients);
# - Sendmail, unlike Postfix, merges a milter-added recipient with the
#   same address given by the client: one delivery, the client's own
#   (its DSN parameters) kept;
# - like Postfix, Sendmail runs milter-added recipients through its
#   rulesets again: here a virtusertable for lima.inkacoca.org sends the
#   milter's again@lima.inkacoca.org on to again-vut@other.test. Keep
#   FEATURE(virtusertable) from holding the milter's own entries.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/sendmail.sh"
. "$TOP/tests/milter/lib.sh"
. "$TOP/tests/milter/mta.sh"

need_root "milter with sendmail"
[ -x "$MILTER" ] && [ -x "$MAPTOOL" ] ||
    { fail "mailswitch-milter and maptool built"; exit 1; }
if ! sm_available || ! pf_available; then
    skip "milter with sendmail" "sendmail-bin, sendmail-cf, m4, python3 or the postfix package (for smtp-sink) missing"
    exit 0
fi
trap 'sm_stop; sink_stop; milter_cleanup' EXIT
trap 'exit 1' INT TERM HUP

"$MAPTOOL" compile -o "$T/map.db" "$TOP/tests/milter/mta-table.txt" ||
    { fail "compile the map"; exit 1; }
# Sendmail's own virtusertable, for the re-pass check only.
mkdir -m 755 "$T/vut" &&
    printf 'again@lima.inkacoca.org\tagain-vut@other.test\n' |
    "$SM_MAKEMAP" hash "$T/vut/vut" 2>"$T/makemap.log" ||
    { fail "makemap the virtusertable"; cat "$T/makemap.log"; exit 1; }

check "milter starts" start_milter sm -m "$T/map.db" \
    -o "stats_file=$T/sm.stats" || exit 1

sinkport=$(free_port) && smport=$(free_port) || { fail "free ports"; exit 1; }
check "smtp-sink starts" sink_start "$T/sink" "$sinkport" || exit 1
check "sendmail is set up" sm_setup "$T/sm" "$smport" "$sinkport" \
    "unix:$T/sm.sock" \
    "FEATURE(\`virtusertable', \`hash -o $T/vut/vut')dnl" \
    "VIRTUSER_DOMAIN(\`lima.inkacoca.org')dnl" || exit 1
check "sendmail starts" sm_start || exit 1

P=$smport
smtp_send $P forward  diego1@inkacoca.org
smtp_send $P local    info@example.net
smtp_send $P catchall x@example.org diego1@switch.inkacoca.org
smtp_send $P detail   joe+foo@example.com x+tag@example.org ann+box@pp.test
smtp_send $P mixed    diego1@inkacoca.org old@example.net busy@example.net \
    nobody@inkacoca.org a@a.test other@nowhere.test fred@switch.inkacoca.org \
    list@example.net
smtp_send $P twice    diego1@inkacoca.org DIEGO1@switch.inkacoca.org
smtp_send $P twice2   diego1@lima.inkacoca.org diego1@inkacoca.org \
    Diego1@Switch.Inkacoca.Org
smtp_send $P list     list@example.net
smtp_send $P list2    list@example.net b@y.test
smtp_send $P dsn      "diego1@inkacoca.org NOTIFY=SUCCESS,FAILURE" \
    "list@example.net NOTIFY=NEVER ORCPT=rfc822;given@else.test" \
    joe+foo@example.com "other@nowhere.test NOTIFY=DELAY"
smtp_send $P rejected -d old@example.net nobody@inkacoca.org
smtp_send $P vam      again@inkacoca.org

check "sendmail queue drains" sm_wait_queue 30
check "sink has 11 messages" sink_wait 11 20
sink_index

for id in forward local catchall detail mixed twice twice2 list list2 dsn vam; do
    check "$id: accepted at end of data" \
        grep -q '^eom: 250 2.0.0 [0-9A-Za-z]* Message accepted for delivery' \
        "$T/send.$id.out"
done

check_eq "forward: the sink got the mapped address" \
    "diego1@lima.inkacoca.org" "$(sink_got forward)"
check_eq "local name: the result, handed to the mail hub" \
    "info-local@[127.0.0.1]" "$(sink_got local)"
check_eq "catch-all: %1 carried into the result (and chained on)" \
    "diego1@lima.inkacoca.org x@mail.example.net" "$(sink_got catchall)"
check_eq "+detail: user+* with %2, catch-all dropping it, user++" \
    "ann-box@pp.example joe-any.foo@other.net x@mail.example.net" \
    "$(sink_got detail)"

check_eq "mixed: only the accepted recipients, rewritten" \
    "a@x.test b@y.test c@z.test diego1@lima.inkacoca.org other@nowhere.test" \
    "$(sink_got mixed)"
check_eq "mixed: forward accepted" \
    "250 2.1.5 <diego1@inkacoca.org>... Recipient ok" \
    "$(reply_of mixed diego1@inkacoca.org)"
check_eq "mixed: error:5.7.1:550 gives its code and text" \
    "550 5.7.1 <old@example.net>... Moved away" \
    "$(reply_of mixed old@example.net)"
check_eq "mixed: a 4xx map entry tempfails with its code and text" \
    "450 4.2.1 <busy@example.net>... Mailbox busy, try later" \
    "$(reply_of mixed busy@example.net)"
check_eq "mixed: error:nouser 550 gives 550 5.1.1" \
    "550 5.1.1 <nobody@inkacoca.org>... User unknown" \
    "$(reply_of mixed nobody@inkacoca.org)"
check_eq "mixed: a loop tempfails with 451 4.4.6" \
    "451 4.4.6 Mail routing loop: cycle: a@a.test -> a@b.test -> a@a.test" \
    "$(reply_of mixed a@a.test)"
check_eq "mixed: a catch-all leading to a reject is rejected" \
    "550 5.1.1 <fred@switch.inkacoca.org>... User unknown" \
    "$(reply_of mixed fred@switch.inkacoca.org)"
check_eq "mixed: an address the map does not know passes" \
    "250 2.1.5 <other@nowhere.test>... Recipient ok" \
    "$(reply_of mixed other@nowhere.test)"

check_eq "twice: two recipients for one mailbox, one delivery" \
    "diego1@lima.inkacoca.org" "$(sink_got twice)"
check_eq "twice: the client named the mailbox too: one delivery, the client's" \
    "<diego1@lima.inkacoca.org>" "$(sink_args twice2)"

check_eq "list: one recipient expanded to three" \
    "a@x.test b@y.test c@z.test" "$(sink_got list)"
check_eq "list: a member also named by the client arrives once" \
    "<a@x.test> ORCPT=rfc822;list@example.net
<b@y.test>
<c@z.test> ORCPT=rfc822;list@example.net" "$(sink_args list2)"

expected="<a@x.test> NOTIFY=NEVER ORCPT=rfc822;given@else.test
<b@y.test> NOTIFY=NEVER ORCPT=rfc822;given@else.test
<c@z.test> NOTIFY=NEVER ORCPT=rfc822;given@else.test
<diego1@lima.inkacoca.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;diego1@inkacoca.org
<joe-any.foo@other.net> ORCPT=rfc822;joe+2Bfoo@example.com
<other@nowhere.test> NOTIFY=DELAY"
check_eq "dsn: NOTIFY kept, ORCPT=rfc822;original (or the client's own)" \
    "$expected" "$(sink_args dsn)"

check_eq "rejected: 550 for the first" \
    "550 5.7.1 <old@example.net>... Moved away" \
    "$(reply_of rejected old@example.net)"
check_eq "rejected: 550 for the second" \
    "550 5.1.1 <nobody@inkacoca.org>... User unknown" \
    "$(reply_of rejected nobody@inkacoca.org)"
check_eq "rejected: DATA refused when no recipient was accepted" \
    "503 5.0.0 Need RCPT (recipient)" "$(last_reply_of rejected data)"
check_eq "rejected: nothing reached the sink" "" "$(sink_got rejected)"

check_eq "vam: Sendmail runs milter-added recipients through virtusertable again" \
    "again-vut@other.test" "$(sink_got vam)"

dups=$(cut -d ' ' -f 1 "$T/sink.index" | uniq -d)
check_eq "every message arrived once" "" "$dups"
check_eq "no original address of a mapped domain reached the sink" "" \
    "$(grep -E '@(inkacoca\.org|switch\.inkacoca\.org|example\.org|example\.net|example\.com|pp\.test|a\.test)( |$)' "$T/sink.index")"

kill -USR2 "$MILTER_PID"
wait_for "stats file" grep -q '^rejected 5$' "$T/sm.stats"
check_eq "milter counted the rejects (5xx)" "rejected 5" \
    "$(grep '^rejected ' "$T/sm.stats")"
check "milter logged the rewrites with Sendmail's queue id" \
    grep -Eq '^mailswitch-milter: [0-9A-Za-z]{14}: rewrite <diego1@inkacoca.org> -> <diego1@lima.inkacoca.org>$' \
    "$T/sm.log"
