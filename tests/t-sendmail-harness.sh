#!/bin/sh
# t-sendmail-harness.sh - self-test of the listening sendmail of
# tests/lib/sendmail.sh: messages sent with swaks pass a milter (a tiny one
# built here from C: it adds a recipient, deletes another, adds a header)
# and arrive at smtp-sink with their envelope recipients recorded; with the
# milter gone, F=T makes sendmail refuse mail temporarily.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/sendmail.sh"

need_root "sendmail harness"
if ! sm_available || ! command -v swaks >/dev/null 2>&1 ||
    ! command -v "${CC:-cc}" >/dev/null 2>&1 || ! pf_available; then
    skip "sendmail harness" "sendmail-bin, sendmail-cf, m4, swaks, a C compiler or the postfix package missing"
    exit 0
fi
milter_pid=
stop_milter() {
    [ -n "$milter_pid" ] || return 0
    kill "$milter_pid" 2>/dev/null
    wait "$milter_pid" 2>/dev/null
    milter_pid=
}
trap 'sm_stop; stop_milter; sink_stop' EXIT
trap 'exit 1' INT TERM HUP

cat >"$T/harness-milter.c" <<'EOF'
/* harness-milter.c - a test milter for t-sendmail-harness.sh: at end of
 * message adds <added@milter.test>, deletes <drop@example.test> when it
 * was a recipient, and adds the header X-Harness-Milter: yes. */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <strings.h>

static sfsistat rcpt(SMFICTX *ctx, char **argv)
{
    if (strcasecmp(argv[0], "<drop@example.test>") == 0)
        smfi_setpriv(ctx, ctx);
    return SMFIS_CONTINUE;
}

static sfsistat eom(SMFICTX *ctx)
{
    int bad = smfi_addrcpt(ctx, "<added@milter.test>") != MI_SUCCESS;
    if (smfi_getpriv(ctx))
        bad |= smfi_delrcpt(ctx, "<drop@example.test>") != MI_SUCCESS;
    bad |= smfi_addheader(ctx, "X-Harness-Milter", "yes") != MI_SUCCESS;
    smfi_setpriv(ctx, NULL);
    return bad ? SMFIS_TEMPFAIL : SMFIS_CONTINUE;
}

static sfsistat done(SMFICTX *ctx)
{
    smfi_setpriv(ctx, NULL);
    return SMFIS_CONTINUE;
}

int main(int argc, char **argv)
{
    struct smfiDesc d = {
        "harness", SMFI_VERSION,
        SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_ADDHDRS,
        NULL, NULL, NULL, rcpt, NULL, NULL, NULL, eom, done, done,
        NULL, NULL, NULL
    };
    if (argc != 2 || smfi_setconn(argv[1]) != MI_SUCCESS ||
        smfi_register(d) != MI_SUCCESS) {
        fprintf(stderr, "usage: harness-milter SOCKET\n");
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
EOF
check "test milter builds" "${CC:-cc}" -Wall -o "$T/harness-milter" "$T/harness-milter.c" \
    -lmilter -lpthread || exit 1

sock=$T/milter.sock
"$T/harness-milter" "unix:$sock" >"$T/milter.log" 2>&1 &
milter_pid=$!
check "test milter listens" wait_until 5 "the test milter's socket" test -S "$sock" || exit 1

sinkport=$(free_port) && smport=$(free_port) || { fail "free ports"; exit 1; }
check "smtp-sink starts" sink_start "$T/sink" "$sinkport" || exit 1
check "sendmail is set up" sm_setup "$T/sm" "$smport" "$sinkport" "unix:$sock" || exit 1
check "sendmail starts" sm_start || exit 1

send() {
    swaks --server 127.0.0.1:"$smport" --from sender@example.test --to "$1" \
        --h-Subject "harness $1" --timeout 20 >"$T/swaks.$2.log" 2>&1
}
check "message 1 accepted" send a@example.test,B@Example.Org 1
check "message 2 accepted" send drop@example.test,c@x.test 2
check "sendmail queue drains" sm_wait_queue 20
check "sink has 2 messages" sink_wait 2 20
expected="B@Example.Org a@example.test added@milter.test
added@milter.test c@x.test"
check_eq "sink recorded the envelope recipients, as the milter changed them" \
    "$expected" "$(sink_rcpts)"
# shellcheck disable=SC2046 # sink file names have no blanks
check_eq "the milter's header arrived in both" 2 \
    "$(awk '/^X-Harness-Milter: yes$/ { n++ } END { print n + 0 }' $(sink_files))"

# F=T: no milter, no mail (a temporary refusal, nothing reaches the sink).
stop_milter
send d@example.test 3
check "without its milter sendmail refuses with 4xx" \
    grep -q '^<\*\* *4[0-9][0-9] ' "$T/swaks.3.log"
check_eq "nothing more reached the sink" 2 "$(sink_count)"

sm_stop
sink_stop
check "sendmail stopped" sh -c "! ss -Htln 'sport = :$smport' | grep -q ."
check "smtp-sink stopped" sh -c "! ss -Htln 'sport = :$sinkport' | grep -q ."
