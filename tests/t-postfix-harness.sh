#!/bin/sh
# t-postfix-harness.sh - self-test of tests/lib/postfix.sh: a Postfix from
# the unpacked Debian package relays 3 messages sent with swaks to
# smtp-sink, which must record exactly their envelope recipients; and the
# unpacked postmap builds and queries a hash: map.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/postfix.sh"

need_root "postfix harness"
if ! command -v swaks >/dev/null 2>&1 || ! pf_available; then
    skip "postfix harness" "swaks or the postfix package (apt-get download) unavailable"
    exit 0
fi
trap 'pf_stop; sink_stop' EXIT
trap 'exit 1' INT TERM HUP

sinkport=$(free_port) && pfport=$(free_port) || { fail "free ports"; exit 1; }
check "smtp-sink starts" sink_start "$T/sink" "$sinkport" || exit 1
check "postfix is set up" pf_setup "$T/pf" "$pfport" "$sinkport" || exit 1
check "postfix starts" pf_start || exit 1

send() {
    swaks --server 127.0.0.1:"$pfport" --from sender@example.test --to "$1" \
        --h-Subject "harness $1" --timeout 20 >>"$T/swaks.log" 2>&1
}
check "message 1 accepted" send one@example.test
check "message 2 accepted" send two@example.test,Three@Other.Test
check "message 3 accepted" send a+tag@x.test,b@y.test,c@z.test
check "queue drains" pf_wait_queue 20
check "sink has 3 messages" sink_wait 3 20

expected="Three@Other.Test two@example.test
a+tag@x.test b@y.test c@z.test
one@example.test"
check_eq "sink recorded the envelope recipients" "$expected" "$(sink_rcpts)"
# shellcheck disable=SC2046 # sink file names have no blanks
got=$(grep -h '^X-Mail-Args:' $(sink_files) | sort -u)
check_eq "sink recorded the envelope sender" "X-Mail-Args: <sender@example.test>" "$got"

# postmap from the unpacked tree: build a hash: map and query it.
printf '%s\t%s\n' a@x.test b@y.test @z.test '%1@w.test' >"$T/virtual"
check "postmap hash: builds" pf_postmap "hash:$T/virtual"
check_eq "postmap -q finds a key" "b@y.test" "$(pf_postmap -q a@x.test "hash:$T/virtual")"
check_eq "postmap -q misses an absent key" "" "$(pf_postmap -q nobody@x.test "hash:$T/virtual")"

pf_stop
sink_stop
check "postfix stopped" sh -c "! ss -Htln 'sport = :$pfport' | grep -q ."
check "smtp-sink stopped" sh -c "! ss -Htln 'sport = :$sinkport' | grep -q ."
