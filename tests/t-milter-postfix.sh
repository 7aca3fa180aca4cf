#!/bin/sh
# t-milter-postfix.sh - mailswitch-milter behind a real Postfix 3.7
# (tests/lib/postfix.sh: unpacked Debian package, own config and queue)
# on loopback, with smtpd_milters, milter_protocol = 6 and
# milter_default_action = tempfail, over tests/milter/mta-table.txt.
#
# Messages go in over SMTP (tests/milter/smtpc.py, which prints every
# reply it gets). Asserted: what smtp-sink received, as envelope
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

P=$pfport
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
smtp_send $P pattern  sales-12@inkacoca.org

check "postfix queue drains" pf_wait_queue 30
# 12 messages had a recipient accepted; "rejected" had none.
check "sink has 12 messages" sink_wait 12 20
sink_index

# Every message was accepted at end of data, except the one whose every
# recipient was refused.
for id in forward local catchall detail mixed twice twice2 list list2 dsn vam pattern; do
    check "$id: accepted at end of data" \
        grep -q '^eom: 250 2.0.0 Ok: queued as ' "$T/send.$id.out"
done

check_eq "pattern: a PCRE2 entry rewrites, with \$1 substituted" \
    "sales@branch12.example.net" "$(sink_got pattern)"
check_eq "forward: the sink got the mapped address" \
    "diego1@lima.inkacoca.org" "$(sink_got forward)"
check_eq "local name: the result, qualified by Postfix with \$myorigin" \
    "info-local@postfix.test.invalid" "$(sink_got local)"
check_eq "catch-all: %1 carried into the result (and chained on)" \
    "diego1@lima.inkacoca.org x@mail.example.net" "$(sink_got catchall)"
check_eq "+detail: user+* with %2, catch-all dropping it, user++" \
    "ann-box@pp.example joe-any.foo@other.net x@mail.example.net" \
    "$(sink_got detail)"

check_eq "mixed: only the accepted recipients, rewritten" \
    "a@x.test b@y.test c@z.test diego1@lima.inkacoca.org other@nowhere.test" \
    "$(sink_got mixed)"
check_eq "mixed: forward accepted" "250 2.1.5 Ok" \
    "$(reply_of mixed diego1@inkacoca.org)"
check_eq "mixed: error:5.7.1:550 gives its exact reply" \
    "550 5.7.1 Moved away" "$(reply_of mixed old@example.net)"
check_eq "mixed: a 4xx map entry tempfails with its exact reply" \
    "450 4.2.1 Mailbox busy, try later" "$(reply_of mixed busy@example.net)"
check_eq "mixed: error:nouser 550 gives 550 5.1.1" \
    "550 5.1.1 User unknown" "$(reply_of mixed nobody@inkacoca.org)"
check_eq "mixed: a loop tempfails with 451 4.4.6" \
    "451 4.4.6 Mail routing loop: cycle: a@a.test -> a@b.test -> a@a.test" \
    "$(reply_of mixed a@a.test)"
check_eq "mixed: a catch-all leading to a reject is rejected" \
    "550 5.1.1 User unknown" "$(reply_of mixed fred@switch.inkacoca.org)"
check_eq "mixed: an address the map does not know passes" "250 2.1.5 Ok" \
    "$(reply_of mixed other@nowhere.test)"

check_eq "twice: two recipients for one mailbox, one delivery" \
    "diego1@lima.inkacoca.org" "$(sink_got twice)"
# The client names the mailbox and two aliases of it: the aliases give
# one added recipient, but Postfix keeps it apart from the client's own
# (different ORCPT, so different delivery notices) - just as Postfix's own
# virtual_alias_maps does with the same three recipients.
check_eq "twice: the client's own and the aliases' copy, each once" \
    "<diego1@lima.inkacoca.org> ORCPT=rfc822;diego1@inkacoca.org
<diego1@lima.inkacoca.org> ORCPT=rfc822;diego1@lima.inkacoca.org" \
    "$(sink_args twice2)"

check_eq "list: one recipient expanded to three" \
    "a@x.test b@y.test c@z.test" "$(sink_got list)"
check_eq "list: a member also named by the client: once per original (ORCPT)" \
    "<a@x.test> ORCPT=rfc822;list@example.net
<b@y.test> ORCPT=rfc822;b@y.test
<b@y.test> ORCPT=rfc822;list@example.net
<c@z.test> ORCPT=rfc822;list@example.net" "$(sink_args list2)"

# smfi_addrcpt_par: NOTIFY carried over, ORCPT names the original (xtext:
# "+" is "+2B") unless the client gave one. Postfix's own smtp client adds
# ORCPT=rfc822;RCPT for recipients that have none (other@nowhere.test).
expected="<a@x.test> NOTIFY=NEVER ORCPT=rfc822;given@else.test
<b@y.test> NOTIFY=NEVER ORCPT=rfc822;given@else.test
<c@z.test> NOTIFY=NEVER ORCPT=rfc822;given@else.test
<diego1@lima.inkacoca.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;diego1@inkacoca.org
<joe-any.foo@other.net> ORCPT=rfc822;joe+2Bfoo@example.com
<other@nowhere.test> NOTIFY=DELAY ORCPT=rfc822;other@nowhere.test"
check_eq "dsn: NOTIFY kept, ORCPT=rfc822;original (or the client's own)" \
    "$expected" "$(sink_args dsn)"

check_eq "rejected: 550 for the first" "550 5.7.1 Moved away" \
    "$(reply_of rejected old@example.net)"
check_eq "rejected: 550 for the second" "550 5.1.1 User unknown" \
    "$(reply_of rejected nobody@inkacoca.org)"
check_eq "rejected: DATA refused when no recipient was accepted" \
    "554 5.5.1 Error: no valid recipients" "$(last_reply_of rejected data)"
check_eq "rejected: nothing reached the sink" "" "$(sink_got rejected)"

check_eq "vam: Postfix runs milter-added recipients through virtual_alias_maps again" \
    "again-vam@other.test" "$(sink_got vam)"

dups=$(cut -d ' ' -f 1 "$T/sink.index" | uniq -d)
check_eq "every message arrived once" "" "$dups"
# Nothing that the map rewrites or rejects reached the sink as it was.
check_eq "no original address of a mapped domain reached the sink" "" \
    "$(grep -E '@(inkacoca\.org|switch\.inkacoca\.org|example\.org|example\.net|example\.com|pp\.test|a\.test)( |$)' "$T/sink.index")"

kill -USR2 "$MILTER_PID"
wait_for "stats file" grep -q '^rejected 5$' "$T/run/pf.stats"
check_eq "milter counted the rejects (5xx)" "rejected 5" \
    "$(grep '^rejected ' "$T/run/pf.stats")"
check "milter logged the rewrites with Postfix's queue id" \
    grep -Eq '^mailswitch-milter: [0-9A-F]{6,}: rewrite <diego1@inkacoca.org> -> <diego1@lima.inkacoca.org>$' \
    "$T/pf.log"
