# tests/milter/mta.sh - helpers for the milter tests that run a real MTA
# (t-milter-postfix.sh, t-milter-sendmail.sh, t-milter-reload-load.sh,
# t-milter-kill.sh). Source after tests/lib/tap.sh, tests/lib/postfix.sh
# (the sink) and tests/milter/lib.sh; needs TOP and T.
#
#   smtp_send PORT ID RCPT...   one message through 127.0.0.1:PORT with
#                               tests/milter/smtpc.py; its replies in
#                               $T/send.ID.out (a RCPT may carry ESMTP
#                               parameters: "a@b NOTIFY=NEVER")
#   reply_of ID ADDR            the reply the client saw to RCPT TO:<ADDR>
#   last_reply_of ID STEP       the reply to STEP (mail, data, eom)
#   sink_index                  $T/sink.index: one line per message the
#                               sink holds, "ID rcpt rcpt ..." (recipients
#                               sorted), lines sorted; after the queue drained
#   sink_got ID                 the recipients of message ID at the sink
#                               (one line per copy received)
#   sink_args ID                message ID's "<rcpt> PARAM..." lines, the
#                               parameters sorted, the lines sorted

SMTPC=$TOP/tests/milter/smtpc.py

smtp_send() {
    _port=$1 _id=$2; shift 2
    python3 "$SMTPC" 127.0.0.1:"$_port" -i "$_id" "$@" >"$T/send.$_id.out" 2>&1
}

reply_of() {
    sed -n "s/^rcpt <$2>: //p" "$T/send.$1.out"
}

last_reply_of() {
    sed -n "s/^$2: //p" "$T/send.$1.out" | tail -n 1
}

# The sink's files, complete once the MTA's queue is empty. awk reads
# them all in one go (the load tests have hundreds).
sink_index() {
    find "$SINK_DIR/mail" -type f -print0 | xargs -0 -r awk '
        FNR == 1 { if (NR > 1) emit(); id = "-"; n = 0; head = 1 }
        head && /^$/ { head = 0 }
        head && /^X-Rcpt-Args: / { r = $2; gsub(/[<>]/, "", r); rc[n++] = r }
        /^X-Test-Id: / && id == "-" { id = $2 }
        function emit(   i, j, t, line) {
            for (i = 1; i < n; i++)                 # sort the recipients
                for (j = i; j > 0 && rc[j - 1] > rc[j]; j--) {
                    t = rc[j]; rc[j] = rc[j - 1]; rc[j - 1] = t
                }
            line = id
            for (i = 0; i < n; i++) line = line " " rc[i]
            print line
        }
        END { if (NR > 0) emit() }' | LC_ALL=C sort >"$T/sink.index"
}

sink_got() {
    sed -n "s/^$1 //p" "$T/sink.index"
}

sink_args() {
    grep -l "^X-Test-Id: $1\$" -r "$SINK_DIR/mail" | xargs -r awk '
        FNR == 1 { head = 1 }
        /^$/ { head = 0 }
        head && /^X-Rcpt-Args: / {
            n = split(substr($0, 14), w, " ")
            for (i = 2; i <= n; i++)
                for (j = i; j > 2 && w[j - 1] > w[j]; j--) {
                    t = w[j]; w[j] = w[j - 1]; w[j - 1] = t
                }
            line = w[1]
            for (i = 2; i <= n; i++) line = line " " w[i]
            print line
        }' | LC_ALL=C sort
}
