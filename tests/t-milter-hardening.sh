#!/bin/sh
# t-milter-hardening.sh - what a hostile milter peer can send, through
# the raw milter protocol (tests/milter/rawmilter.py): every answer
# arrives, the milter stays up, and what does not fit is dropped with a
# log line rather than written past a buffer.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"
trap milter_cleanup EXIT

[ -x "$MILTER" ] || { fail "mailswitch-milter built"; exit 1; }
RAW=$TOP/tests/milter/rawmilter.py
raw() { python3 "$RAW" "$@"; }

compile_map "$TOP/tests/milter/table.txt" "$T/table.db" ||
    { fail "compile table"; exit 1; }
start_milter hard -m "$T/table.db" || { fail "milter starts"; exit 1; }
S=unix:$T/hard.sock
PID=$MILTER_PID

# A NOTIFY= of 2,046 bytes and no ORCPT=: the parameters of the added
# recipient (NOTIFY, a blank, ORCPT=rfc822;...) cannot fit in 2 KB.
out=$(raw "$S" <<'EOF2'
rcpt <diego1@inkacoca.org> NOTIFY=*2039
eom
EOF2
)
echo "$out" | cut -c1-100 | sed "s/^/# /"
check "esmtp: a 2 KB NOTIFY= gets its RCPT answered" \
    grep -q '^rcpt <diego1@inkacoca.org>: continue$' <<EOF2
$out
EOF2
x2039=$(printf "%2039s" "" | tr ' ' x)
check "esmtp: the recipient is added with the NOTIFY, which fits" \
    grep -qx "eom: addrcpt_par <diego1@lima.inkacoca.org> NOTIFY=$x2039" <<EOF2
$out
EOF2
check "esmtp: the milter is still running" kill -0 "$PID"
check "esmtp: the ORCPT that does not fit is dropped, with a log line" \
    grep -q 'diego1@inkacoca.org>: ORCPT too long to carry over (2047 bytes at most); dropped' "$T/hard.log"
# Every length around the limit, with and without ORCPT=.
bad=0
for n in 2020 2030 2036 2038 2039 2040 2041 2045 2100; do
    for extra in "" "ORCPT=rfc822;x@y.test" "ORCPT=*$n"; do
        out=$(printf 'rcpt <diego1@inkacoca.org> NOTIFY=*%s %s\neom\n' \
            "$n" "$extra" | raw "$S")
        echo "$out" | grep -q '^eom: continue$' || {
            bad=$((bad + 1)); echo "# NOTIFY=*$n $extra: $out"; }
    done
done
check_eq "esmtp: every long NOTIFY/ORCPT combination gets an answer" 0 "$bad"
check "esmtp: still running after all of them" kill -0 "$PID"
