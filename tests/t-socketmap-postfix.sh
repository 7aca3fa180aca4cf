#!/bin/sh
# t-socketmap-postfix.sh - differential test: the milter against the
# socketmap service, both behind one real Postfix 3.7.
#
# One mailswitch-milter serves both ways from the same map: smtpd on
# one port calls it as a milter (smtpd_milters); smtpd on another port
# asks it as socketmap tables (check_recipient_access ...:access, and
# virtual_alias_maps ...:virtual in that smtpd and in a cleanup service
# of its own). For every table of tests/diff/*.cases (the conformance
# tables the sendmail differential test uses; those maptool refuses
# left out), the map is replaced and reloaded (SIGUSR1), and every
# recipient listed for it is sent once each way, one message each.
# Asserted per table: the same RCPT reply (code and enhanced code), the
# same end-of-data reply, and the same envelope recipients delivered to
# the sink. (Many rejected recipients in one session: smtpd's error
# limits are raised, or it would hang up.) Postfix runs with recipient_delimiter = + so that +detail
# addresses meet Postfix's own extension handling too.

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/sendmail.sh"          # sm_split_cases; postfix.sh
. "$TOP/tests/milter/lib.sh"

need_root "socketmap differential test"
[ -x "$MILTER" ] && [ -x "$MAPTOOL" ] ||
    { fail "mailswitch-milter and maptool built"; exit 1; }
if ! pf_available || ! command -v python3 >/dev/null 2>&1; then
    skip "socketmap differential test" "the postfix package (apt-get download) or python3 unavailable"
    exit 0
fi
trap 'pf_stop; sink_stop; milter_cleanup' EXIT
trap 'exit 1' INT TERM HUP

PY=${PYTHON:-python3}
OUTCOMES=$TOP/tests/diff/postfix-outcomes
chmod 755 "$T"
pf_users && mkdir "$T/run" && chown postfix "$T/run" || { fail "postfix user"; exit 1; }

sinkport=$(free_port) && mport=$(free_port) && sport=$(free_port) ||
    { fail "free ports"; exit 1; }
check "smtp-sink starts" sink_start "$T/sink" "$sinkport" || exit 1
check "postfix is set up" pf_setup "$T/pf" "$mport" "$sinkport" \
    "smtpd_milters = unix:$T/dm.sock" \
    "milter_protocol = 6" \
    "milter_default_action = tempfail" \
    "recipient_delimiter = +" \
    "virtual_alias_domains =" \
    "smtpd_soft_error_limit = 10000" \
    "smtpd_hard_error_limit = 10000" \
    "smtpd_error_sleep_time = 0" || exit 1
# The socketmap way: its own smtpd and cleanup (no milter; the tables).
# The socket is named relative to the queue directory, as the recipes
# (examples/recipes/postfix-*-socketmap.cf) name it.
SM_REL=unix:mailswitch/socketmap
mkdir -p "$PF_DIR/queue/mailswitch" || exit 1
cat >>"$PF_DIR/etc/master.cf" <<EOF
127.0.0.1:$sport inet n - n - - smtpd
  -o smtpd_milters=
  -o cleanup_service_name=cleanup-sm
  -o smtpd_recipient_restrictions=check_recipient_access,socketmap:$SM_REL:access,permit_mynetworks,reject
  -o virtual_alias_maps=socketmap:$SM_REL:virtual
cleanup-sm unix n - n - 0 cleanup
  -o virtual_alias_maps=socketmap:$SM_REL:virtual
EOF

printf 'nobody@init.invalid\tsomebody@init.invalid\n' >"$T/init.vut"
"$MAPTOOL" compile -o "$T/map.db" "$T/init.vut" && chmod 644 "$T/map.db" ||
    { fail "compile the first map"; exit 1; }
check "milter with socketmap starts" start_milter dm -m "$T/map.db" -u postfix \
    -o "socketmap=unix:$PF_DIR/queue/mailswitch/socketmap" \
    -o "stats_file=$T/run/dm.stats" || exit 1
DM_PID=$MILTER_PID
check "postfix starts" pf_start || exit 1
check "postfix's socketmap smtpd listens" wait_port "$sport" 10 || exit 1

# load_map DB: make DB the milter's map and wait for the reload.
gen=1
load_map() {
    cp "$1" "$T/map.new" && chmod 644 "$T/map.new" && mv "$T/map.new" "$T/map.db" ||
        return 1
    gen=$((gen + 1))
    kill -USR1 "$DM_PID"
    wait_for "map generation $gen" grep -q "(generation $gen)" "$T/dm.log"
}

sent=0 tables=
for cases in "$TOP"/tests/diff/*.cases; do
    base=$(basename "$cases" .cases)
    d=$T/diff/$base
    mkdir -p "$d" || exit 1
    sm_split_cases "$cases" "$d"
    for name in $(sed -n 's/^table  *\([^ ]*\).*/\1/p' "$cases"); do
        [ -f "$d/$name.refuse" ] && continue
        if ! "$MAPTOOL" compile -o "$d/$name.db" "$d/$name.vut" >"$d/$name.compile" 2>&1; then
            fail "$base/$name: maptool compiles the table"
            continue
        fi
        load_map "$d/$name.db" || { fail "$base/$name: the milter reloads the map"; continue; }
        "$PY" "$OUTCOMES" send 127.0.0.1 "$mport" "m-$base-$name" <"$d/$name.q" \
            >"$d/$name.m.sent" 2>"$d/$name.m.err" &&
            "$PY" "$OUTCOMES" send 127.0.0.1 "$sport" "s-$base-$name" <"$d/$name.q" \
                >"$d/$name.s.sent" 2>"$d/$name.s.err" ||
            { fail "$base/$name: every recipient sent both ways"; cat "$d/$name".?.err; continue; }
        sent=$((sent + $(grep -c '	250 2\.0\.0$' "$d/$name.m.sent") +
            $(grep -c '	250 2\.0\.0$' "$d/$name.s.sent")))
        tables="$tables $base/$name"
    done
done

check "postfix queue drains" pf_wait_queue 60
check "the sink has every accepted message ($sent)" sink_wait "$sent" 60
"$PY" "$OUTCOMES" delivered "$T/sink" >"$T/delivered"

ntables=0 naddr=0
for t in $tables; do
    base=${t%/*} name=${t#*/}
    d=$T/diff/$base
    "$PY" "$OUTCOMES" join "$d/$name.m.sent" "$T/delivered" >"$d/$name.m.out"
    "$PY" "$OUTCOMES" join "$d/$name.s.sent" "$T/delivered" >"$d/$name.s.out"
    ntables=$((ntables + 1))
    naddr=$((naddr + $(wc -l <"$d/$name.q")))
    if cmp -s "$d/$name.m.out" "$d/$name.s.out"; then
        pass "$t: milter and socketmap: same replies, same recipients ($(wc -l <"$d/$name.q") addresses)"
    else
        fail "$t: milter and socketmap: same replies, same recipients"
        echo "#   address  rcpt-reply  eom-reply  delivered (milter < > socketmap)"
        paste "$d/$name.q" "$d/$name.m.out" | cut -f1,3- >"$d/$name.m.show"
        paste "$d/$name.q" "$d/$name.s.out" | cut -f1,3- >"$d/$name.s.show"
        diff "$d/$name.m.show" "$d/$name.s.show" | grep '^[<>]' | head -n 20 | sed 's/^/#   /'
    fi
done
echo "# $ntables tables, $naddr addresses, each sent through the milter and the socketmap"
# The socketmap way did ask the service, and never with a bad request.
check "socketmap: the service answered requests" \
    wait_for "socketmap requests counted" grep -q '^socketmap_requests [1-9]' "$T/run/dm.stats"
check "socketmap: no PERM answers" grep -q '^socketmap_perm 0$' "$T/run/dm.stats"

# The recipes: Postfix reads each without a word, and each asks the
# service's access table at RCPT (the switch and branch ones the virtual
# table too).
mkdir -p "$T/recipe" && cp "$PF_DIR/etc/master.cf" "$T/recipe/" || exit 1
for r in "$TOP"/examples/recipes/postfix-*-socketmap.cf; do
    name=$(basename "$r")
    { printf '%s\n' "compatibility_level = 3.6" \
        "shlib_directory = $PF_TREE/usr/lib/postfix" \
        "meta_directory = $PF_DIR/meta"; cat "$r"; } >"$T/recipe/main.cf"
    "$PF_TREE/usr/sbin/postconf" -c "$T/recipe" -n >"$T/recipe/out" 2>"$T/recipe/err"
    check_eq "$name: postconf reads it without a word" "0:" "$?:$(cat "$T/recipe/err")"
    check "$name: check_recipient_access asks the access table" grep -q \
        '^smtpd_recipient_restrictions = check_recipient_access socketmap:unix:mailswitch/socketmap:access,' \
        "$T/recipe/out"
    case $name in *backup*) want= ;; *) want=socketmap:unix:mailswitch/socketmap:virtual ;; esac
    check_eq "$name: virtual_alias_maps" "$want" \
        "$("$PF_TREE/usr/sbin/postconf" -c "$T/recipe" -xh virtual_alias_maps)"
done
