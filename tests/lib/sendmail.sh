# tests/lib/sendmail.sh - the real sendmail (Debian's sendmail-bin, 8.17)
# for tests: an oracle that says what its virtusertable does, and a
# listening instance on loopback with a milter, relaying to a sink.
#
# Source it with $TOP set. Functions:
#   sm_available          true when root and sendmail-bin, sendmail-cf, m4,
#                         python3 and unshare are there
#   sm_ask CASES...       the oracle, tests/diff/ask-sendmail: per table of
#                         the cases files "# table NAME", then one line per
#                         address in `maptool query` format
#   sm_split_cases CASES DIR, sm_ask_maptool DIR NAME...
#                         the tables and recipients of a cases file in DIR,
#                         and maptool's answers for them in the oracle's
#                         format (see below)
#   sm_setup DIR PORT SINKPORT [MILTER [MC LINE...]]
#                         a sendmail instance in DIR (config DIR/sendmail.cf,
#                         queue DIR/mqueue) listening on 127.0.0.1:PORT,
#                         relaying every recipient to 127.0.0.1:SINKPORT;
#                         MILTER, e.g. unix:/path/sock or inet:PORT@127.0.0.1
#                         (empty: none), brings in the lines of the switch
#                         recipe, examples/recipes/sendmail-switch.mc (or
#                         sendmail-$SM_ROLE.mc: backup, branch), with
#                         S=MILTER (tests/lib/recipes.sh): its
#                         INPUT_MAIL_FILTER (F=T and its timeouts) and its
#                         RELAY_DOMAINs; the MC lines go into the .mc
#                         before the mailers. SM_XLOG=1 makes
#                         sendmail log its SMTP traffic in DIR/traffic.log
#   sm_start / sm_stop    start / stop it (sm_stop also ends the delivery
#                         processes the daemon left, by their pids)
#   sm_wait_queue [SECS]  until the instance's queue is empty (default 20 s)
#
# The sink is smtp-sink from tests/lib/postfix.sh (sink_start, sink_rcpts).
# sendmail sleeps 60 s on DNS when its host name is not dotted: it always
# runs under `unshare -u` with the host name sendmail.test.invalid.

. "$TOP/tests/lib/postfix.sh"     # smtp-sink, wait_port, free_port
. "$TOP/tests/lib/recipes.sh"

SM_BIN=/usr/libexec/sendmail/sendmail
SM_MAKEMAP=/usr/libexec/sendmail/makemap
SM_CF_M4=/usr/share/sendmail/cf/m4/cf.m4
SM_DIR=${SM_DIR:-}
SM_PORT=${SM_PORT:-}

sm_available() {
    [ "$(id -u)" -eq 0 ] && [ -x "$SM_BIN" ] && [ -x "$SM_MAKEMAP" ] &&
        [ -f "$SM_CF_M4" ] && command -v m4 >/dev/null 2>&1 &&
        command -v "${PYTHON:-python3}" >/dev/null 2>&1 &&
        command -v unshare >/dev/null 2>&1
}

sm_ask() {
    ASK_SENDMAIL_DIR=$T/oracle "${PYTHON:-python3}" "$TOP/tests/diff/ask-sendmail" "$@"
}

# sm_split_cases CASES DIR: DIR/NAME.vut (the table) and DIR/NAME.q (its
# recipients, one a line) for each "table NAME" of CASES, same rules as
# ask-sendmail: blank lines and lines starting with # are skipped. A
# "#refuse" line in a table marks one that maptool must refuse to compile
# (DIR/NAME.refuse): sendmail takes it, the project's checks do not.
# "pattern LINE" lines are left out here (see the last part of this
# test); DIR/NAME.pvut is the table with them.
sm_split_cases() {
    awk -v dir="$2" '
        { sub(/\r$/, "") }
        /^#refuse/ { printf "" > (dir "/" name ".refuse"); next }
        /^pattern / { print substr($0, 9) > (dir "/" name ".pvut"); next }
        /^[ \t]*$/ || /^#/ { next }
        /^table / { name = $2; tab = dir "/" name ".vut"; q = dir "/" name ".q";
                    printf "" > tab; printf "" > q; next }
        /^q / { a = substr($0, 3); gsub(/^[ \t]+|[ \t]+$/, "", a); print a > q; next }
        { print > tab }
    ' "$1"
}

# sm_ask_maptool DIR NAME...: the answers of maptool for each table, in the
# oracle's format. A table maptool does not compile gets a maptool-error
# line per recipient (so each fails), and its messages go to DIR/NAME.compile,
# unless it is marked #refuse: then sendmail's own makemap builds the map
# and maptool still has to read it and answer as sendmail does.
# DIR/NAME.lists names the recipients whose resolution met a value with
# several addresses (a list, which sendmail does not have), from the trace.
sm_ask_maptool() {
    _d=$1; shift
    for _name; do
        echo "# table $_name"
        set --
        while IFS= read -r _a; do set -- "$@" "$_a"; done <"$_d/$_name.q"
        rm -f "$_d/$_name.db"
        if ! "$MAPTOOL" compile -o "$_d/$_name.db" "$_d/$_name.vut" \
                >"$_d/$_name.compile" 2>&1 || [ ! -f "$_d/$_name.db" ]; then
            if [ ! -f "$_d/$_name.refuse" ] ||
                ! "$SM_MAKEMAP" hash "$_d/$_name" <"$_d/$_name.vut" 2>>"$_d/$_name.compile"; then
                for _a; do printf '%s\tmaptool-error\ttable not compiled\n' "$_a"; done
                continue
            fi
        fi
        : >"$_d/$_name.lists"
        "$MAPTOOL" query --trace "$_d/$_name.db" "$@" 2>"$_d/$_name.stderr" |
            awk -v lists="$_d/$_name.lists" '
                /^  / {
                    if ($0 ~ /^    key [^ ]*: / && index($0, ",") &&
                        $0 !~ /^    key [^ ]*: (not found|[Ee][Rr][Rr][Oo][Rr]:)/)
                        list = 1
                    next
                }
                { if (list) { split($0, f, "\t"); print f[1] > lists }
                  list = 0; print }'
    done
}

sm_setup() {
    _sm_dir=$1 _sm_port=$2 _sm_sinkport=$3 _sm_milter=${4:-}
    if [ $# -ge 4 ]; then shift 4; else shift $#; fi
    SM_DIR=$(mkdir -p "$_sm_dir" && cd "$_sm_dir" && pwd) || return 1
    SM_PORT=$_sm_port
    mkdir -p "$SM_DIR/mqueue" && chmod 0700 "$SM_DIR/mqueue" || return 1
    printf 'hosts files\naliases files\n' >"$SM_DIR/service.switch"
    printf '127.0.0.1 localhost sendmail.test.invalid\n' >"$SM_DIR/hosts"
    : >"$SM_DIR/aliases"
    : >"$SM_DIR/local-host-names"
    {
        echo "divert(-1)"
        echo "# sendmail.mc of a test instance, written by tests/lib/sendmail.sh"
        echo "include(\`$SM_CF_M4')"
        echo "divert(0)dnl"
        echo "OSTYPE(\`linux')dnl"
        echo "define(\`confDONT_PROBE_INTERFACES', \`True')dnl"
        echo "define(\`confSERVICE_SWITCH_FILE', \`$SM_DIR/service.switch')dnl"
        echo "define(\`confHOSTS_FILE', \`$SM_DIR/hosts')dnl"
        echo "define(\`ALIAS_FILE', \`$SM_DIR/aliases')dnl"
        echo "define(\`confCW_FILE', \`-o $SM_DIR/local-host-names')dnl"
        echo "define(\`QUEUE_DIR', \`$SM_DIR/mqueue')dnl"
        echo "define(\`confPID_FILE', \`$SM_DIR/sendmail.pid')dnl"
        echo "define(\`STATUS_FILE', \`$SM_DIR/statistics')dnl"
        echo "define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl"
        echo "define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl"
        echo "define(\`confTO_IDENT', \`0')dnl"
        echo "define(\`confBAD_RCPT_THROTTLE', \`0')dnl"
        echo "define(\`confMAX_DAEMON_CHILDREN', \`0')dnl"
        echo "define(\`confCONNECTION_RATE_THROTTLE', \`0')dnl"
        # a busy machine must not make sendmail queue or refuse: load is no signal here
        echo "define(\`confREFUSE_LA', \`1000')dnl"
        echo "define(\`confQUEUE_LA', \`1000')dnl"
        echo "define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl"
        echo "define(\`MAIL_HUB', \`relay:[127.0.0.1]')dnl"
        echo "define(\`RELAY_MAILER_ARGS', \`TCP \$h $_sm_sinkport')dnl"
        echo "define(\`ESMTP_MAILER_ARGS', \`TCP \$h $_sm_sinkport')dnl"
        echo "define(\`SMTP_MAILER_ARGS', \`TCP \$h $_sm_sinkport')dnl"
        echo "FEATURE(\`nocanonify')dnl"
        echo "FEATURE(\`no_default_msa')dnl"
        echo "FEATURE(\`promiscuous_relay')dnl"
        echo "FEATURE(\`accept_unresolvable_domains')dnl"
        echo "FEATURE(\`accept_unqualified_senders')dnl"
        echo "DAEMON_OPTIONS(\`Port=$_sm_port, Addr=127.0.0.1, Name=MTA')dnl"
        if [ -n "$_sm_milter" ]; then
            recipe_sendmail "${SM_ROLE:-switch}" "$_sm_milter" || return 1
        fi
        for _sm_l; do printf '%s\n' "$_sm_l"; done
        echo "MAILER(\`local')dnl"
        echo "MAILER(\`smtp')dnl"
    } >"$SM_DIR/sendmail.mc"
    # (m4 warns that promiscuous_relay makes an open relay: loopback only here)
    m4 "$SM_DIR/sendmail.mc" >"$SM_DIR/sendmail.cf" 2>"$SM_DIR/m4.log" ||
        { cat "$SM_DIR/m4.log" >&2; return 1; }
    # an (empty) aliases.db, or local names are queued: "alias database unavailable"
    sm_run -bi >"$SM_DIR/newaliases.log" 2>&1 ||
        { cat "$SM_DIR/newaliases.log" >&2; return 1; }
}

# sm_run ARGS...: sendmail -C DIR/sendmail.cf ARGS, under a dotted host name.
sm_run() {
    unshare -u sh -c 'hostname sendmail.test.invalid && exec "$@"' sh \
        "$SM_BIN" -C "$SM_DIR/sendmail.cf" "$@"
}

sm_start() {
    [ -n "$SM_DIR" ] || { echo "sm_start: sm_setup first" >&2; return 1; }
    _sm_x=
    [ "${SM_XLOG:-0}" = 1 ] && _sm_x="-X $SM_DIR/traffic.log"
    # -bd: the daemon forks and writes its pid; -q10s retries deferred mail.
    # shellcheck disable=SC2086 # _sm_x is empty or two words
    sm_run -bd -q10s $_sm_x >"$SM_DIR/start.log" 2>&1 ||
        { echo "sm_start: sendmail failed:" >&2; cat "$SM_DIR/start.log" >&2; return 1; }
    wait_port "$SM_PORT" 20 || { cat "$SM_DIR/start.log" >&2; return 1; }
}

# sm_pid: the daemon's pid (first line of its pid file), if it still runs.
sm_pid() {
    _sm_p=$(head -n 1 "$SM_DIR/sendmail.pid" 2>/dev/null | tr -d ' ')
    [ -n "$_sm_p" ] && pid_alive "$_sm_p" && echo "$_sm_p"
}

sm_stop() {
    [ -n "$SM_DIR" ] || return 0
    _sm_p=$(sm_pid)
    if [ -n "$_sm_p" ]; then
        _sm_kids=$(ps -o pid= --ppid "$_sm_p" 2>/dev/null)
        kill -TERM "$_sm_p" 2>/dev/null
        wait_until 5 "sendmail $_sm_p to exit" pid_gone "$_sm_p" ||
            kill -KILL "$_sm_p" 2>/dev/null
        # delivery processes the daemon had forked, if any survived it
        for _sm_k in $_sm_kids; do kill -TERM "$_sm_k" 2>/dev/null; done
    fi
    SM_DIR=
}

sm_wait_queue() {
    wait_until "${1:-20}" "an empty sendmail queue" sm_queue_empty
}

sm_queue_empty() {
    [ -z "$(find "$SM_DIR/mqueue" -type f -name 'qf*' 2>/dev/null)" ]
}
