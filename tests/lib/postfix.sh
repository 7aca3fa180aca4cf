# tests/lib/postfix.sh - a real Postfix 3.7 for tests, run from Debian's
# postfix package unpacked under tests/.cache (never installed: it
# conflicts with sendmail-bin), plus Postfix's smtp-sink as a capture sink.
#
# Source it with $TOP set (it sources tests/lib/debpkg.sh). Functions:
#   pf_available            true when a postfix tree can be had and we are root
#   pf_users                create the postfix user and postdrop group if missing
#   pf_setup DIR PORT SINKPORT [MAIN.CF LINE...]
#                           a Postfix instance in DIR: config DIR/etc, queue
#                           DIR/queue, data DIR/data, log DIR/maillog; smtpd on
#                           127.0.0.1:PORT; every message relayed to the sink
#                           on 127.0.0.1:SINKPORT; extra lines end main.cf
#                           (e.g. "smtpd_milters = unix:/path": smtpd runs
#                           as postfix, the socket must be reachable by it)
#   pf_start / pf_stop      start / stop that instance (waits for the port)
#   pf_postconf ARGS...     postconf -c DIR/etc ARGS...
#   pf_postmap ARGS...      the unpacked postmap, with its libraries
#   pf_log                  print the instance's log
#   sink_start DIR PORT     smtp-sink on 127.0.0.1:PORT, one file per message
#                           under DIR/mail
#   sink_stop               stop it
#   sink_count              number of messages the sink has wholly received
#   sink_wait N [SECS]      wait until sink_count reaches N
#   pf_wait_queue [SECS]    wait until the instance's queue is empty
#   sink_rcpts              one line per message: the envelope recipients,
#                           sorted, space-separated (messages sorted too)
#   wait_port PORT [SECS]   wait until something listens on 127.0.0.1:PORT
#   pid_alive PID           PID runs and is no zombie
#   free_port               a free TCP port on 127.0.0.1 (tests/lib/port.sh)
#
# Only one instance and one sink per test process (state in PF_* / SINK_*).
# Call pf_stop and sink_stop from the test's EXIT trap.

. "$TOP/tests/lib/debpkg.sh"
. "$TOP/tests/lib/wait.sh"
. "$TOP/tests/lib/port.sh"

PF_TREE=${PF_TREE:-}
PF_DIR=${PF_DIR:-}
SINK_DIR=${SINK_DIR:-}
SINK_PID=${SINK_PID:-}

# pf_tree: the postfix package the dependency step unpacked; set PF_TREE
# and the library path. As root, create the postfix user and postdrop
# group it needs (any Postfix program, postmap too, wants mail_owner).
pf_tree() {
    [ -n "$PF_TREE" ] && return 0
    PF_TREE=$(deb_unpack postfix) || { PF_TREE=; return 1; }
    [ -x "$PF_TREE/usr/sbin/postfix" ] || { PF_TREE=; return 1; }
    if [ "$(id -u)" -eq 0 ]; then
        pf_users || { echo "pf_tree: cannot create the postfix user" >&2; PF_TREE=; return 1; }
    fi
    LD_LIBRARY_PATH=$PF_TREE/usr/lib/postfix${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
}

pf_available() {
    [ "$(id -u)" -eq 0 ] && pf_tree
}

pf_users() {
    getent group postdrop >/dev/null || groupadd --system postdrop || return 1
    getent passwd postfix >/dev/null ||
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin postfix || return 1
}

# pid_alive PID: PID runs (a zombie does not count: a daemon that detached
# is reaped by PID 1, which may take its time).
pid_alive() {
    kill -0 "$1" 2>/dev/null && ! ps -o stat= -p "$1" 2>/dev/null | grep -q '^Z'
}

# wait_port PORT [SECONDS]: until 127.0.0.1:PORT accepts (default 10 s).
wait_port() {
    wait_until "${2:-10}" "a listener on 127.0.0.1:$1" port_listens "$1"
}

# The directories must be reachable by the postfix user: open o+x on DIR's
# ancestors that lie inside the test's scratch directory $T.
pf_reachable() {
    _pf_d=$1
    while [ -n "$_pf_d" ] && [ "$_pf_d" != / ]; do
        case "$_pf_d" in "$T"|"$T"/*) chmod o+x "$_pf_d" || return 1 ;; *) break ;; esac
        [ "$_pf_d" = "$T" ] && break
        _pf_d=$(dirname "$_pf_d")
    done
}

pf_setup() {
    _pf_dir=$1 _pf_port=$2 _pf_sinkport=$3
    shift 3
    pf_tree && pf_users || return 1
    PF_DIR=$(mkdir -p "$_pf_dir" && cd "$_pf_dir" && pwd) || return 1
    PF_PORT=$_pf_port
    mkdir -p "$PF_DIR/etc" "$PF_DIR/queue" "$PF_DIR/data" "$PF_DIR/meta" || return 1
    chown postfix "$PF_DIR/data" && chmod 0755 "$PF_DIR" "$PF_DIR/etc" "$PF_DIR/queue" &&
        pf_reachable "$PF_DIR" || return 1
    # meta_directory: the package's lists of files, and no dynamic maps.
    cp "$PF_TREE/etc/postfix/postfix-files" "$PF_DIR/meta/" &&
        mkdir -p "$PF_DIR/meta/postfix-files.d" "$PF_DIR/meta/dynamicmaps.cf.d" &&
        : >"$PF_DIR/meta/dynamicmaps.cf" || return 1
    : >"$PF_DIR/maillog"
    cat >"$PF_DIR/etc/main.cf" <<EOF
# main.cf of a test instance written by tests/lib/postfix.sh
compatibility_level = 3.6
config_directory = $PF_DIR/etc
queue_directory = $PF_DIR/queue
data_directory = $PF_DIR/data
meta_directory = $PF_DIR/meta
command_directory = $PF_TREE/usr/sbin
daemon_directory = $PF_TREE/usr/lib/postfix/sbin
shlib_directory = $PF_TREE/usr/lib/postfix
sendmail_path = $PF_TREE/usr/sbin/sendmail
newaliases_path = $PF_TREE/usr/bin/newaliases
mailq_path = $PF_TREE/usr/bin/mailq
html_directory = no
manpage_directory = $PF_TREE/usr/share/man
readme_directory = no
mail_owner = postfix
setgid_group = postdrop
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C
    POSTLOG_SERVICE POSTLOG_HOSTNAME LD_LIBRARY_PATH=$PF_TREE/usr/lib/postfix
maillog_file = $PF_DIR/maillog
maillog_file_prefixes = $PF_DIR
myhostname = postfix.test.invalid
mydomain = test.invalid
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
relayhost = [127.0.0.1]:$_pf_sinkport
default_transport = smtp:[127.0.0.1]:$_pf_sinkport
relay_transport = smtp:[127.0.0.1]:$_pf_sinkport
smtp_host_lookup = native
smtp_connection_cache_on_demand = no
delay_warning_time = 0
queue_run_delay = 10s
minimal_backoff_time = 10s
maximal_backoff_time = 20s
EOF
    for _pf_l; do printf '%s\n' "$_pf_l"; done >>"$PF_DIR/etc/main.cf"
    cat >"$PF_DIR/etc/master.cf" <<EOF
# master.cf of a test instance written by tests/lib/postfix.sh: nothing
# chrooted, smtpd on 127.0.0.1:$_pf_port only.
127.0.0.1:$_pf_port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

pf_postconf() {
    "$PF_TREE/usr/sbin/postconf" -c "$PF_DIR/etc" "$@"
}

# pf_postmap ARGS...: postmap with the instance's main.cf, or without an
# instance a minimal one in $T/postmap-etc (postmap insists on a main.cf).
pf_postmap() {
    pf_tree || return 1
    if [ -n "$PF_DIR" ]; then
        _pf_conf=$PF_DIR/etc
    else
        _pf_conf=$T/postmap-etc
        [ -f "$_pf_conf/main.cf" ] || { mkdir -p "$_pf_conf" && printf '%s\n' \
            "# main.cf for postmap only, written by tests/lib/postfix.sh" \
            "compatibility_level = 3.6" \
            "shlib_directory = $PF_TREE/usr/lib/postfix" \
            "meta_directory = $PF_TREE/etc/postfix" >"$_pf_conf/main.cf"; } || return 1
    fi
    "$PF_TREE/usr/sbin/postmap" -c "$_pf_conf" "$@"
}

pf_log() {
    [ -n "$PF_DIR" ] && cat "$PF_DIR/maillog"
}

pf_start() {
    [ -n "$PF_DIR" ] || { echo "pf_start: pf_setup first" >&2; return 1; }
    "$PF_TREE/usr/sbin/postfix" -c "$PF_DIR/etc" start >"$PF_DIR/start.log" 2>&1 ||
        { echo "pf_start: postfix start failed:" >&2; cat "$PF_DIR/start.log" >&2;
          pf_log >&2; return 1; }
    wait_port "$PF_PORT" 20 || { pf_log >&2; return 1; }
}

# pf_stop: stop the instance; kill its master if "postfix stop" fails.
pf_stop() {
    [ -n "$PF_DIR" ] || return 0
    _pf_pid=$(tr -d ' ' <"$PF_DIR/queue/pid/master.pid" 2>/dev/null)
    "$PF_TREE/usr/sbin/postfix" -c "$PF_DIR/etc" stop >/dev/null 2>&1
    if [ -n "$_pf_pid" ]; then
        # master's children exit with it; -KILL only if it hangs
        wait_until 5 "postfix master $_pf_pid to exit" pid_gone "$_pf_pid" ||
            kill -KILL "$_pf_pid" 2>/dev/null
    fi
    PF_DIR=
}

sink_start() {
    pf_tree && pf_users || return 1
    SINK_DIR=$(mkdir -p "$1" && cd "$1" && pwd) || return 1
    SINK_PORT=$2
    mkdir -p "$SINK_DIR/mail" && chown postfix "$SINK_DIR/mail" &&
        pf_reachable "$SINK_DIR" || return 1
    # -d: one dump file per message (X-Rcpt-Args: lines carry the envelope
    # recipients); -u: run as postfix once the socket is open.
    "$PF_TREE/usr/sbin/smtp-sink" -u postfix -d "$SINK_DIR/mail/%H%M%S." \
        -h sink.test.invalid 127.0.0.1:"$SINK_PORT" 64 \
        >"$SINK_DIR/sink.log" 2>&1 &
    SINK_PID=$!
    wait_port "$SINK_PORT" 10 || { cat "$SINK_DIR/sink.log" >&2; sink_stop; return 1; }
}

sink_stop() {
    [ -n "$SINK_PID" ] || return 0
    kill "$SINK_PID" 2>/dev/null
    wait "$SINK_PID" 2>/dev/null
    SINK_PID=
}

# sink_count: messages the sink has wholly received. A dump file exists
# from MAIL FROM on; it is complete once it ends with its empty line.
sink_count() {
    _pf_n=0
    for _pf_f in $(sink_files); do _pf_n=$((_pf_n + 1)); done
    echo $_pf_n
}

sink_files() {
    for _pf_f in $(find "$SINK_DIR/mail" -type f | sort); do
        [ "$(tail -c 2 "$_pf_f" | od -An -c | tr -d ' ')" = '\n\n' ] && echo "$_pf_f"
    done
}

# sink_wait N [SECONDS]: until the sink has N complete messages (default 20 s).
sink_wait() {
    wait_until "${2:-20}" "$1 messages at the sink" sink_has "$1" ||
        { echo "sink_wait: $(sink_count) of $1 messages" >&2; return 1; }
}

sink_has() {
    [ "$(sink_count)" -ge "$1" ]
}

# pf_wait_queue [SECONDS]: until the instance's queue is empty (default 20 s).
pf_wait_queue() {
    wait_until "${1:-20}" "an empty postfix queue" pf_queue_empty
}

pf_queue_empty() {
    [ -z "$(find "$PF_DIR/queue/incoming" "$PF_DIR/queue/active" \
            "$PF_DIR/queue/deferred" "$PF_DIR/queue/maildrop" -type f 2>/dev/null)" ]
}

# sink_rcpts: one line per message received, its envelope recipients as
# given in RCPT TO (without <> and ESMTP parameters), sorted.
sink_rcpts() {
    for _pf_f in $(sink_files); do
        sed -n '/^$/q; s/^X-Rcpt-Args: *<\([^>]*\)>.*/\1/p' "$_pf_f" | LC_ALL=C sort | tr "\n" " " |
            sed 's/ $//'
        echo
    done | LC_ALL=C sort
}
