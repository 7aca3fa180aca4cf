#!/bin/sh
# t-milter-sendmail.sh - mailswitch-milter behind a real Sendmail 8.17
# (tests/lib/sendmail.sh: the switch recipe, examples/recipes/
# sendmail-switch.mc, with its INPUT_MAIL_FILTER and F=T, so sendmail
# tempfails while the milter is away) on loopback, over
# tests/milter/mta-table.txt; the same messages and checks as
# t-milter-postfix.sh (tests/milter/scenario.sh), with Sendmail's own
# expectations where the two differ:
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
. "$TOP/tests/milter/scenario.sh"

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

scenario_send "$smport"
check "sendmail queue drains" sm_wait_queue 30
# Every message but "rejected" reached the sink.
check "sink has 12 messages" sink_wait 12 20
sink_index

# Sendmail's expectations (tests/milter/scenario.sh).
MTA_EOM_OK='250 2.0.0 [0-9A-Za-z]* Message accepted for delivery'
MTA_LOCAL='info-local@[127.0.0.1]'               # handed to the mail hub
MTA_DATA_REFUSED='503 5.0.0 Need RCPT (recipient)'
MTA_TWICE2_WHY="twice: the client named the mailbox too: one delivery, the client's"
MTA_TWICE2="<diego1@lima.inkacoca.org>"
MTA_LIST2="<a@x.test> ORCPT=rfc822;list@example.net
<b@y.test>
<c@z.test> ORCPT=rfc822;list@example.net"
MTA_DSN="<a@x.test> NOTIFY=NEVER ORCPT=rfc822;given@else.test
<b@y.test> NOTIFY=NEVER ORCPT=rfc822;given@else.test
<c@z.test> NOTIFY=NEVER ORCPT=rfc822;given@else.test
<diego1@lima.inkacoca.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;diego1@inkacoca.org
<joe-any.foo@other.net> ORCPT=rfc822;joe+2Bfoo@example.com
<other@nowhere.test> NOTIFY=DELAY"
MTA_VAM_WHY="vam: Sendmail runs milter-added recipients through virtusertable again"
MTA_VAM=again-vut@other.test
MTA_QUEUE_ID='[0-9A-Za-z]{14}'
MTA_LOG=$T/sm.log
MTA_STATS=$T/sm.stats
# Sendmail puts "<address>... " before the text of a RCPT reply.
mta_ok() { echo "250 2.1.5 <$1>... Recipient ok"; }
mta_reply() { echo "$2 <$1>... $3"; }
scenario_check
