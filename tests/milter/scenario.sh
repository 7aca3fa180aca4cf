# tests/milter/scenario.sh - the same messages through a real MTA with
# mailswitch-milter (t-milter-postfix.sh, t-milter-sendmail.sh), over
# tests/milter/mta-table.txt, and the checks on what the client and the
# sink saw, with each MTA's own expectations where the MTAs differ.
# Source after tests/milter/mta.sh.
#
#   scenario_send PORT   send the messages to 127.0.0.1:PORT
#   scenario_check       the checks, once the MTA's queue is empty and
#                        sink_index ran
#
# The caller defines, for its MTA:
#   MTA_EOM_OK       ERE of the reply to a message accepted at end of data
#   MTA_LOCAL        what the sink gets for info@example.net (a local name)
#   MTA_DATA_REFUSED the reply to DATA when no recipient was accepted
#   MTA_TWICE2       sink_args of twice2 (the client names the mailbox and
#                    two aliases of it), MTA_TWICE2_WHY its check's name
#   MTA_LIST2        sink_args of list2 (a list and one of its members)
#   MTA_DSN          sink_args of dsn (NOTIFY and ORCPT)
#   MTA_VAM, MTA_VAM_WHY  what the MTA's own alias table makes of the
#                    milter's again@lima.inkacoca.org, and the check's name
#   MTA_QUEUE_ID     ERE of the MTA's queue ids (in the milter's log)
#   MTA_LOG          the milter's log file
#   MTA_STATS        the milter's stats file
#   mta_ok ADDR      print the reply to an accepted RCPT TO:<ADDR>
#   mta_reply ADDR "CODE ENH" TEXT   print the reply to a refused one

# Messages that reach the sink: every one but "rejected".
SCENARIO_IDS="forward local catchall detail mixed twice twice2 list list2 dsn vam pattern"

scenario_send() {
    smtp_send "$1" forward  diego1@inkacoca.org
    smtp_send "$1" local    info@example.net
    smtp_send "$1" catchall x@example.org diego1@switch.inkacoca.org
    smtp_send "$1" detail   joe+foo@example.com x+tag@example.org ann+box@pp.test
    smtp_send "$1" mixed    diego1@inkacoca.org old@example.net busy@example.net \
        nobody@inkacoca.org a@a.test other@nowhere.test fred@switch.inkacoca.org \
        list@example.net
    smtp_send "$1" twice    diego1@inkacoca.org DIEGO1@switch.inkacoca.org
    smtp_send "$1" twice2   diego1@lima.inkacoca.org diego1@inkacoca.org \
        Diego1@Switch.Inkacoca.Org
    smtp_send "$1" list     list@example.net
    smtp_send "$1" list2    list@example.net b@y.test
    smtp_send "$1" dsn      "diego1@inkacoca.org NOTIFY=SUCCESS,FAILURE" \
        "list@example.net NOTIFY=NEVER ORCPT=rfc822;given@else.test" \
        joe+foo@example.com "other@nowhere.test NOTIFY=DELAY"
    # DATA all the same: the MTA, not the client, must refuse it.
    smtp_send "$1" rejected -d old@example.net nobody@inkacoca.org
    smtp_send "$1" vam      again@inkacoca.org
    smtp_send "$1" pattern  sales-12@inkacoca.org
}

scenario_check() {
    for _id in $SCENARIO_IDS; do
        check "$_id: accepted at end of data" grep -Eq "^eom: $MTA_EOM_OK" "$T/send.$_id.out"
    done

    check_eq "pattern: a PCRE2 entry rewrites, with \$1 substituted" \
        "sales@branch12.example.net" "$(sink_got pattern)"
    check_eq "forward: the sink got the mapped address" \
        "diego1@lima.inkacoca.org" "$(sink_got forward)"
    check_eq "local name: the result, as the MTA qualifies it" \
        "$MTA_LOCAL" "$(sink_got local)"
    check_eq "catch-all: %1 carried into the result (and chained on)" \
        "diego1@lima.inkacoca.org x@mail.example.net" "$(sink_got catchall)"
    check_eq "+detail: user+* with %2, catch-all dropping it, user++" \
        "ann-box@pp.example joe-any.foo@other.net x@mail.example.net" \
        "$(sink_got detail)"

    check_eq "mixed: only the accepted recipients, rewritten" \
        "a@x.test b@y.test c@z.test diego1@lima.inkacoca.org other@nowhere.test" \
        "$(sink_got mixed)"
    check_eq "mixed: forward accepted" "$(mta_ok diego1@inkacoca.org)" \
        "$(reply_of mixed diego1@inkacoca.org)"
    check_eq "mixed: error:5.7.1:550 gives its code and text" \
        "$(mta_reply old@example.net "550 5.7.1" "Moved away")" \
        "$(reply_of mixed old@example.net)"
    check_eq "mixed: a 4xx map entry tempfails with its code and text" \
        "$(mta_reply busy@example.net "450 4.2.1" "Mailbox busy, try later")" \
        "$(reply_of mixed busy@example.net)"
    check_eq "mixed: error:nouser 550 gives 550 5.1.1" \
        "$(mta_reply nobody@inkacoca.org "550 5.1.1" "User unknown")" \
        "$(reply_of mixed nobody@inkacoca.org)"
    # (neither MTA puts the address before the loop reply's text)
    check_eq "mixed: a loop tempfails with 451 4.4.6" \
        "451 4.4.6 Mail routing loop: cycle: a@a.test -> a@b.test -> a@a.test" \
        "$(reply_of mixed a@a.test)"
    check_eq "mixed: a catch-all leading to a reject is rejected" \
        "$(mta_reply fred@switch.inkacoca.org "550 5.1.1" "User unknown")" \
        "$(reply_of mixed fred@switch.inkacoca.org)"
    check_eq "mixed: an address the map does not know passes" \
        "$(mta_ok other@nowhere.test)" "$(reply_of mixed other@nowhere.test)"

    check_eq "twice: two recipients for one mailbox, one delivery" \
        "diego1@lima.inkacoca.org" "$(sink_got twice)"
    check_eq "$MTA_TWICE2_WHY" "$MTA_TWICE2" "$(sink_args twice2)"

    check_eq "list: one recipient expanded to three" \
        "a@x.test b@y.test c@z.test" "$(sink_got list)"
    check_eq "list: a member also named by the client" "$MTA_LIST2" "$(sink_args list2)"
    check_eq "dsn: NOTIFY kept, ORCPT=rfc822;original (or the client's own)" \
        "$MTA_DSN" "$(sink_args dsn)"

    check_eq "rejected: 550 for the first" \
        "$(mta_reply old@example.net "550 5.7.1" "Moved away")" \
        "$(reply_of rejected old@example.net)"
    check_eq "rejected: 550 for the second" \
        "$(mta_reply nobody@inkacoca.org "550 5.1.1" "User unknown")" \
        "$(reply_of rejected nobody@inkacoca.org)"
    check_eq "rejected: DATA refused when no recipient was accepted" \
        "$MTA_DATA_REFUSED" "$(last_reply_of rejected data)"
    check_eq "rejected: nothing reached the sink" "" "$(sink_got rejected)"

    check_eq "$MTA_VAM_WHY" "$MTA_VAM" "$(sink_got vam)"

    check_eq "every message arrived once" "" "$(cut -d ' ' -f 1 "$T/sink.index" | uniq -d)"
    # Nothing that the map rewrites or rejects reached the sink as it was.
    check_eq "no original address of a mapped domain reached the sink" "" \
        "$(grep -E '@(inkacoca\.org|switch\.inkacoca\.org|example\.org|example\.net|example\.com|pp\.test|a\.test)( |$)' "$T/sink.index")"

    kill -USR2 "$MILTER_PID"
    wait_for "stats file" grep -q '^rejected 5$' "$MTA_STATS"
    check_eq "milter counted the rejects (5xx)" "rejected 5" \
        "$(grep '^rejected ' "$MTA_STATS")"
    check "milter logged the rewrites with the MTA's queue id" \
        grep -Eq "^mailswitch-milter: $MTA_QUEUE_ID: action=rewrite orig_to=<diego1@inkacoca.org> to=<diego1@lima.inkacoca.org> map=[^ ]+\$" \
        "$MTA_LOG"
}
