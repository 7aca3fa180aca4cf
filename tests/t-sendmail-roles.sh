#!/bin/sh
# t-sendmail-roles.sh - the Sendmail recipes of the backup MX and of a
# branch, examples/recipes/sendmail-backup.mc and sendmail-branch.mc, run
# by a real Sendmail 8.17 on loopback (tests/lib/sendmail.sh, SM_ROLE),
# each with mailswitch-milter on the maps `maptool build` writes for
# examples/inkacoca, in the mode and map order the recipe's comment
# block gives (tests/lib/recipes.sh: recipe_milter). Only the socket,
# the ports and the map directory are the test's own. Sendmail relays
# everything to smtp-sink, and hands local names to it through its
# MAIL_HUB as NAME@[127.0.0.1]: the envelope recipients the sink got
# are what the server would deliver or pass on.
#
# - backup MX (mode validate, domain.db): a known user is accepted and
#   relayed unchanged, an unknown one refused 550 at RCPT;
# - branch Lima (rewrite, lima.db then domain.db): an old address and an
#   alias become the branch user's local name, another branch's user
#   goes on toward the switch (carlos@switch.inkacoca.org), an unknown
#   user of the branch subdomain and of the domain is refused 550.
#
# Not shown here: the recipes' RELAY_DOMAIN lines. The client connects
# from 127.0.0.1, which Sendmail lets relay anywhere ("originated
# locally"), and the harness adds promiscuous_relay; testing them needs
# a client on another address (a network namespace).

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/sendmail.sh"
. "$TOP/tests/milter/lib.sh"

need_root "sendmail recipes of the backup MX and a branch"
[ -x "$MILTER" ] && [ -x "$MAPTOOL" ] ||
    { fail "mailswitch-milter and maptool built"; exit 1; }
if ! sm_available || ! pf_available; then
    skip "sendmail recipes" "sendmail-bin, sendmail-cf, m4, python3 or the postfix package (for smtp-sink) missing"
    exit 0
fi
trap 'sm_stop; sink_stop; milter_cleanup' EXIT
trap 'exit 1' INT TERM HUP

D=inkacoca.org
cp -R "$TOP/examples/inkacoca" "$T/inkacoca" &&
    "$MAPTOOL" build "$T/inkacoca/inkacoca.topology" -o "$T/build" \
        >"$T/build.log" 2>&1 ||
    { fail "maptool build of examples/inkacoca"; cat "$T/build.log"; exit 1; }

sinkport=$(free_port) || { fail "a free port"; exit 1; }
check "smtp-sink starts" sink_start "$T/sink" "$sinkport" || exit 1

# role_milter ROLE: start the milter as the recipe's comment block says
# (its mode, its maps in order, each from the build), on unix:$T/ROLE.sock.
role_milter() {
    _mode=$(recipe_milter sendmail "$1" mode)
    [ -n "$_mode" ] || { echo "sendmail-$1.mc names no mode" >&2; return 1; }
    set -- "$1" -o "mode=$_mode"
    for _m in $(recipe_milter sendmail "$1" map); do
        set -- "$@" -m "$T/build/${_m##*/}"
    done
    [ $# -gt 3 ] || { echo "sendmail-$1.mc names no map" >&2; return 1; }
    start_milter "$@"
}

# role_sendmail ROLE: a Sendmail with the lines of sendmail-ROLE.mc,
# S= the milter's socket, listening on a port of its own; started.
role_sendmail() {
    _port=$(free_port) || return 1
    SM_ROLE=$1 sm_setup "$T/sm-$1" "$_port" "$sinkport" "unix:$T/$1.sock" &&
        sm_start
}

# send ID RCPT...: one message through the running Sendmail; the replies
# in $T/ID.out, one a line ("rcpt <ADDR>: CODE TEXT").
send() {
    _id=$1; shift
    "${PYTHON:-python3}" "$TOP/tests/milter/smtpc.py" "127.0.0.1:$SM_PORT" \
        -i "$_id" "$@" >"$T/$_id.out" 2>&1
}

# rcpt_reply ID ADDR: the code Sendmail answered RCPT TO:<ADDR> with.
rcpt_reply() {
    sed -n "s/^rcpt <$2>: \\([0-9]*\\) .*/\\1/p" "$T/$1.out"
}

# sink_rcpts_of ID: the envelope recipients of the sink's copies of
# message ID, sorted, on one line.
sink_rcpts_of() {
    for _f in $(sink_files); do
        grep -q -x "X-Test-Id: $1" "$_f" || continue
        sed -n '/^$/q; s/^X-Rcpt-Args: *<\([^>]*\)>.*/\1/p' "$_f"
    done | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}

# --- backup MX ------------------------------------------------------------
check "backup: milter starts (mode and map from the recipe)" \
    role_milter backup || exit 1
check "backup: sendmail from sendmail-backup.mc starts" \
    role_sendmail backup || exit 1
check "backup: the session ran" send backup "carlos@$D" "nobody@$D"
check_eq "backup: a known user is accepted at RCPT" 250 \
    "$(rcpt_reply backup "carlos@$D")"
check_eq "backup: an unknown user is refused 550 at RCPT" 550 \
    "$(rcpt_reply backup "nobody@$D")"
check "backup: sendmail queue drains" sm_wait_queue 30
check "backup: the sink has the message" sink_wait 1 20
check_eq "backup: the known user relayed unchanged, alone" "carlos@$D" \
    "$(sink_rcpts_of backup)"
sm_stop

# --- branch (Lima) --------------------------------------------------------
check "branch: milter starts (mode and maps from the recipe)" \
    role_milter branch || exit 1
check "branch: sendmail from sendmail-branch.mc starts" \
    role_sendmail branch || exit 1
check "branch: the session ran" send branch \
    "diego@lima.$D" "ana.torres@$D" "carlos@$D" "nobody@lima.$D" "nobody@$D"
check_eq "branch: replies (old address, alias, other branch's user, two unknown)" \
    "250 250 250 550 550" \
    "$(for a in "diego@lima.$D" "ana.torres@$D" "carlos@$D" "nobody@lima.$D" "nobody@$D"; do
        rcpt_reply branch "$a"; done | tr '\n' ' ' | sed 's/ $//')"
check "branch: sendmail queue drains" sm_wait_queue 30
check "branch: the sink has the message" sink_wait 2 20
# local names reach the sink by the test's MAIL_HUB, as NAME@[127.0.0.1]
check_eq "branch: old address and alias to the branch users, carlos toward the switch" \
    "ana@[127.0.0.1] carlos@switch.$D diego1@[127.0.0.1]" \
    "$(sink_rcpts_of branch)"
