#!/bin/sh
# t-milter-postfix.sh - mailswitch-milter behind a real Postfix 3.7
# (tests/lib/postfix.sh: unpacked Debian package, own config and queue)
# on loopback, with smtpd_milters, milter_protocol = 6 and
# milter_default_action = tempfail, over tests/milter/mta-table.txt.
#
# The messages and checks are tests/milter/scenario.sh's, shared with
# t-milter-sendmail.sh. Messages go in over SMTP (tests/milter/smtpc.py,
# which prints every reply it gets). Asserted: what smtp-sink received, as envelope
# recipients (X-Rcpt-Args), per message (matched by its X-Test-Id
# header) - a forward, a local name (Postfix appends @$myorigin), a
# catch-all with %1, +detail forms, several recipients with mixed
# outcomes, the same mailbox reached twice (one delivery), a one-to-three
# list; the exact SMTP replies the client saw for rejected and
# tempfailed recipients; NOTIFY kept and ORCPT=rfc822;original on the
# recipients added with smfi_addrcpt_par; and that every message arrived
# exactly once.
#
# Postfix-side setting to avoid rewriting twice: do NOT put the milter's
# table (or any entries for the same addresses) in virtual_alias_maps.
# Postfix passes recipients added by a milter through virtual_alias_maps
# (and canonical maps) again - the "vam" message below shows it: the
# milter turns again@inkacoca.org into again@lima.inkacoca.org and this
# instance's virtual_alias_maps turns that into again-vam@other.test. With
# the same table in both, the second pass is wasted work at best, and a
# stale copy of the table would undo the milter's rewrite.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/milter/lib.sh"
. "$TOP/tests/milter/mta.sh"
. "$TOP/tests/milter/scenario.sh"

need_root "milter with postfix"
[ -x "$MILTER" ] && [ -x "$MAPTOOL" ] ||
    { fail "mailswitch-milter and maptool built"; exit 1; }
if ! pf_available || ! command -v python3 >/dev/null 2>&1; then
    skip "milter with postfix" "the postfix package (apt-get download) or python3 unavailable"
    exit 0
fi
trap 'pf_stop; sink_stop; milter_cleanup' EXIT
trap 'exit 1' INT TERM HUP

chmod 755 "$T"
"$MAPTOOL" compile -o "$T/map.db" "$TOP/tests/milter/mta-table.txt" &&
    chmod 644 "$T/map.db" || { fail "compile the map"; exit 1; }

# The milter drops to the postfix user (smtpd, running as postfix, must
# reach the socket; the socket then belongs to postfix).
# The stats file is written as postfix too.
pf_users && mkdir "$T/run" && chown postfix "$T/run" ||
    { fail "postfix user"; exit 1; }
check "milter starts" start_milter pf -m "$T/map.db" -u postfix \
    -o "stats_file=$T/run/pf.stats" || exit 1

sinkport=$(free_port) && pfport=$(free_port) || { fail "free ports"; exit 1; }
check "smtp-sink starts" sink_start "$T/sink" "$sinkport" || exit 1
check "postfix is set up" pf_setup "$T/pf" "$pfport" "$sinkport" \
    "smtpd_milters = unix:$T/pf.sock" \
    "milter_protocol = 6" \
    "milter_default_action = tempfail" \
    "virtual_alias_maps = inline:{ again@lima.inkacoca.org=again-vam@other.test }" ||
    exit 1
check "postfix starts" pf_start || exit 1

scenario_send "$pfport"
check "postfix queue drains" pf_wait_queue 30
# Every message but "rejected" reached the sink.
check "sink has 12 messages" sink_wait 12 20
sink_index

# Postfix's expectations (tests/milter/scenario.sh).
MTA_EOM_OK='250 2.0.0 Ok: queued as '
MTA_LOCAL=info-local@postfix.test.invalid        # qualified with $myorigin
MTA_DATA_REFUSED='554 5.5.1 Error: no valid recipients'
# The client names the mailbox and two aliases of it: the aliases give
# one added recipient, but Postfix keeps it apart from the client's own
# (different ORCPT, so different delivery notices) - just as Postfix's own
# virtual_alias_maps does with the same three recipients.
MTA_TWICE2_WHY="twice: the client's own and the aliases' copy, each once"
MTA_TWICE2="<diego1@lima.inkacoca.org> ORCPT=rfc822;diego1@inkacoca.org
<diego1@lima.inkacoca.org> ORCPT=rfc822;diego1@lima.inkacoca.org"
MTA_LIST2="<a@x.test> ORCPT=rfc822;list@example.net
<b@y.test> ORCPT=rfc822;b@y.test
<b@y.test> ORCPT=rfc822;list@example.net
<c@z.test> ORCPT=rfc822;list@example.net"
# smfi_addrcpt_par: NOTIFY carried over, ORCPT names the original (xtext:
# "+" is "+2B") unless the client gave one. Postfix's own smtp client adds
# ORCPT=rfc822;RCPT for recipients that have none (other@nowhere.test).
MTA_DSN="<a@x.test> NOTIFY=NEVER ORCPT=rfc822;given@else.test
<b@y.test> NOTIFY=NEVER ORCPT=rfc822;given@else.test
<c@z.test> NOTIFY=NEVER ORCPT=rfc822;given@else.test
<diego1@lima.inkacoca.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;diego1@inkacoca.org
<joe-any.foo@other.net> ORCPT=rfc822;joe+2Bfoo@example.com
<other@nowhere.test> NOTIFY=DELAY ORCPT=rfc822;other@nowhere.test"
MTA_VAM_WHY="vam: Postfix runs milter-added recipients through virtual_alias_maps again"
MTA_VAM=again-vam@other.test
MTA_QUEUE_ID='[0-9A-F]{6,}'
MTA_LOG=$T/pf.log
MTA_STATS=$T/run/pf.stats
mta_ok() { echo "250 2.1.5 Ok"; }
mta_reply() { echo "$2 $3"; }
scenario_check
