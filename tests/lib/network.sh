# tests/lib/network.sh - a simulated mail network in Linux network
# namespaces: one namespace per host, each joined by a veth pair to a
# bridge that lives in a namespace of its own; a real DNS server (nsd)
# answering for the domain; a real Postfix (tests/lib/postfix.sh's
# unpacked package) and a mailswitch-milter on each mail server.
#
# Source it with TOP, MILTER and NET_DIR (a scratch directory) set; it
# sources tests/lib/postfix.sh. Nothing outside NET_DIR, the namespaces
# it makes (named ms<PID>-HOST) and /etc/netns/ms<PID>-HOST (resolv.conf
# for each host, the way "ip netns exec" expects it) is touched. Call
# net_cleanup from an EXIT trap: it stops every process and removes
# every namespace made here, whatever state the network is in.
#
#   net_available               why not, on stdout, when this cannot run
#   net_init                    the bridge namespace (once: a second
#                               call does nothing, so that a test may add
#                               hosts of its own before mailnet_up)
#   net_host NAME IP            a host: namespace, veth, address, resolver
#                               (NAME: letters, digits, hyphens; 13 at most)
#   net_get KIND NAME           IP, FQDN or MILTER (its pid) of host NAME
#   net_exec NAME CMD...        run CMD in NAME's namespace
#   net_dns_start NAME DOMAIN ZONE   nsd on NAME, authoritative for DOMAIN
#                               with ZONE's records (SOA and NS added)
#   net_postfix NAME FQDN [MAIN.CF LINE...]   configure Postfix on NAME
#   net_pf_start NAME...        start Postfix on each NAME (in parallel)
#   net_pf_stop NAME            stop it
#   net_pf_flush NAME           deliver its queue now
#   net_pf_queue_empty NAME     true when its queue is empty
#   net_milter_start NAME MODE MAP...   the milter on NAME, maps in
#                               order, on the socket the recipes name:
#                               mailswitch/milter.sock in the queue
#                               directory, $NET_DIR/NAME/queue; with
#                               NET_SOCKETMAP set (a path relative to
#                               the queue directory, as the socketmap
#                               recipes name it), also the socketmap
#                               service there
#   net_milter_reload NAME      SIGUSR1: look at the maps now
#   net_maildir_files NAME      the delivered messages on NAME, one a line
#   net_wait SECS CMD...        wait_until CMD succeeds, for up to SECS
#   net_cleanup                 stop and remove everything

. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/nsd.sh"

NET_PREFIX=ms$$-
NET_ETC_NETNS_MADE=
NET_HOSTS=
NET_NS_MADE=
NET_PIDS=
NET_DOMAIN=

# net_available: print why the network cannot be made, if it cannot.
net_available() {
    if [ "$(id -u)" -ne 0 ]; then echo "needs root"; return 0; fi
    command -v ip >/dev/null 2>&1 || { echo "no ip (iproute2)"; return 0; }
    command -v nsd >/dev/null 2>&1 || { echo "no nsd"; return 0; }
    [ -x "$MILTER" ] || { echo "milter not built"; return 0; }
    pf_tree >/dev/null 2>&1 || { echo "no postfix package"; return 0; }
    if ! ip netns add "${NET_PREFIX}probe" 2>/dev/null; then
        echo "cannot make network namespaces"
        return 0
    fi
    ip netns del "${NET_PREFIX}probe"
}

# net_wait SECS CMD...: wait_until (tests/lib/wait.sh) CMD succeeds, for
# up to SECS seconds.
net_wait() {
    _nw_s=$1; shift
    wait_until "$_nw_s" "$*" "$@"
}

_net_ns() {
    echo "${NET_PREFIX}$1"
}

# net_var KIND NAME: the shell variable holding KIND of host NAME (host
# names may hold hyphens, variable names may not).
net_var() {
    echo "NET_$1_$(echo "$2" | tr -c 'A-Za-z0-9_\n' '_')"
}

# net_get KIND NAME: print that variable.
net_get() {
    eval "echo \"\$$(net_var "$1" "$2")\""
}

net_exec() {
    _ne_host=$1
    shift
    ip netns exec "$(_net_ns "$_ne_host")" "$@"
}

_net_add_ns() {
    ip netns add "$1" || return 1
    NET_NS_MADE="$NET_NS_MADE $1"
    ip -n "$1" link set lo up
}

net_init() {
    case " $NET_NS_MADE " in *" $(_net_ns net) "*) return 0 ;; esac
    mkdir -p "$NET_DIR" || return 1
    [ -d /etc/netns ] || NET_ETC_NETNS_MADE=1
    _net_add_ns "$(_net_ns net)" || return 1
    ip -n "$(_net_ns net)" link add br0 type bridge &&
        ip -n "$(_net_ns net)" link set br0 up
}

# net_host NAME IP: the veth's far end goes straight into the bridge's
# namespace, so nothing is ever added to the namespace we run in.
net_host() {
    _nh_ns=$(_net_ns "$1")
    _net_add_ns "$_nh_ns" || return 1
    ip -n "$_nh_ns" link add eth0 type veth peer name "v-$1" netns "$(_net_ns net)" ||
        return 1
    ip -n "$(_net_ns net)" link set "v-$1" master br0 &&
        ip -n "$(_net_ns net)" link set "v-$1" up &&
        ip -n "$_nh_ns" addr add "$2/24" dev eth0 &&
        ip -n "$_nh_ns" link set eth0 up || return 1
    mkdir -p "/etc/netns/$_nh_ns" "$NET_DIR/$1" || return 1
    eval "$(net_var IP "$1")=\$2"
    NET_HOSTS="$NET_HOSTS $1"
}

# The resolver of every host asks NET_DNS_IP.
_net_resolvers() {
    for _nr_h in $NET_HOSTS; do
        printf 'nameserver %s\noptions timeout:1 attempts:2\n' "$1" \
            >"/etc/netns/$(_net_ns "$_nr_h")/resolv.conf" || return 1
    done
}

# net_dns_start NAME DOMAIN FRAGMENT: nsd on NAME with a zone made of an
# SOA, an NS (NAME itself) and FRAGMENT's records.
net_dns_start() {
    _nd_dir=$NET_DIR/$1
    _nd_ip=$(net_get IP "$1")
    NET_DOMAIN=$2
    { nsd_zone_head "$2" "$_nd_ip" && cat "$3"; } >"$_nd_dir/$2.zone" || return 1
    nsd-checkzone "$2" "$_nd_dir/$2.zone" >"$_nd_dir/checkzone.out" 2>&1 || {
        cat "$_nd_dir/checkzone.out" >&2; return 1; }
    nsd_conf "$_nd_dir" "$_nd_ip" "$2" "$2.zone" >"$_nd_dir/nsd.conf" || return 1
    net_exec "$1" nsd -d -c "$_nd_dir/nsd.conf" >"$_nd_dir/nsd.out" 2>&1 &
    NET_PIDS="$NET_PIDS $!"
    _net_resolvers "$_nd_ip" || return 1
    net_wait 10 _net_listening "$1" -u 53 || {
        echo "net_dns_start: nsd does not answer" >&2; cat "$_nd_dir/nsd.out" >&2; return 1; }
}

# _net_listening NAME -t|-u PORT: something listens on PORT in NAME.
_net_listening() {
    net_exec "$1" ss -Hln "$2" "sport = :$3" | grep -q .
}

# net_postfix NAME FQDN [LINE...]: Postfix on NAME as host FQDN, smtpd on
# port 25 of every address it has; extra main.cf LINEs at the end.
net_postfix() {
    _np_name=$1 _np_fqdn=$2
    shift 2
    pf_tree && pf_users || return 1
    _np_dir=$NET_DIR/$_np_name
    _np_ip=$(net_get IP "$_np_name")
    mkdir -p "$_np_dir/etc" "$_np_dir/queue" "$_np_dir/data" "$_np_dir/meta" \
        "$_np_dir/mail" || return 1
    chown postfix "$_np_dir/data" "$_np_dir/mail" &&
        chmod 0755 "$_np_dir" "$_np_dir/etc" "$_np_dir/queue" &&
        pf_reachable "$_np_dir" || return 1
    cp "$PF_TREE/etc/postfix/postfix-files" "$_np_dir/meta/" &&
        mkdir -p "$_np_dir/meta/postfix-files.d" "$_np_dir/meta/dynamicmaps.cf.d" &&
        : >"$_np_dir/meta/dynamicmaps.cf" && : >"$_np_dir/maillog" || return 1
    cat >"$_np_dir/etc/main.cf" <<EOF
# main.cf of $_np_fqdn, written by tests/lib/network.sh
compatibility_level = 3.6
config_directory = $_np_dir/etc
queue_directory = $_np_dir/queue
data_directory = $_np_dir/data
meta_directory = $_np_dir/meta
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
maillog_file = $_np_dir/maillog
maillog_file_prefixes = $_np_dir
myhostname = $_np_fqdn
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
inet_interfaces = all
inet_protocols = ipv4
mynetworks = 127.0.0.0/8, $_np_ip/32
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_peername_lookup = no
smtp_host_lookup = dns
smtp_connect_timeout = 5s
delay_warning_time = 0
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
EOF
    for _np_l; do printf '%s\n' "$_np_l"; done >>"$_np_dir/etc/main.cf"
    cat >"$_np_dir/etc/master.cf" <<EOF
# master.cf of $_np_fqdn, written by tests/lib/network.sh: smtpd on
# port 25; smtpd and cleanup, which talk to milters, chrooted in the
# queue directory as Debian runs them.
25        inet  n       -       y       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       y       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    eval "$(net_var FQDN "$_np_name")=\$_np_fqdn"
}

# net_pf_start NAME...: start Postfix on each NAME, all at once (the
# first start of an instance runs Postfix's slow integrity checks; a
# restart skips them), and wait until every one listens on port 25.
net_pf_start() {
    _ns_pids=
    for _ns_h; do
        _ns_dir=$NET_DIR/$_ns_h
        [ -d "$_ns_dir/queue/pid" ] && : >"$_ns_dir/queue/quick-start"
        net_exec "$_ns_h" "$PF_TREE/usr/sbin/postfix" -c "$_ns_dir/etc" start \
            >"$_ns_dir/start.log" 2>&1 &
        _ns_pids="$_ns_pids $!"
    done
    _ns_rc=0
    for _ns_p in $_ns_pids; do
        wait "$_ns_p" || _ns_rc=1
    done
    for _ns_h; do
        _ns_dir=$NET_DIR/$_ns_h
        if [ $_ns_rc -ne 0 ] || ! net_wait 20 _net_listening "$_ns_h" -t 25; then
            echo "net_pf_start $_ns_h: not listening on port 25" >&2
            cat "$_ns_dir/start.log" "$_ns_dir/maillog" >&2
            return 1
        fi
    done
}

# net_pf_stop NAME: stop Postfix on NAME; kill its master if it hangs.
net_pf_stop() {
    _nx_dir=$NET_DIR/$1
    [ -f "$_nx_dir/etc/main.cf" ] || return 0
    _nx_pid=$(tr -d ' ' <"$_nx_dir/queue/pid/master.pid" 2>/dev/null)
    [ -n "$_nx_pid" ] && pid_alive "$_nx_pid" || return 0
    "$PF_TREE/usr/sbin/postfix" -c "$_nx_dir/etc" stop >/dev/null 2>&1
    wait_until 5 "postfix master $_nx_pid to exit" pid_gone "$_nx_pid" ||
        kill -KILL "$_nx_pid" 2>/dev/null
    # Children of a killed master exit on their own.
    return 0
}

net_pf_flush() {
    "$PF_TREE/usr/sbin/postqueue" -c "$NET_DIR/$1/etc" -f >/dev/null 2>&1
}

net_pf_queue_empty() {
    [ -z "$(find "$NET_DIR/$1/queue/incoming" "$NET_DIR/$1/queue/active" \
        "$NET_DIR/$1/queue/deferred" "$NET_DIR/$1/queue/maildrop" -type f 2>/dev/null)" ]
}

# net_milter_start NAME MODE MAP...: the milter in NAME's namespace, as
# user postfix, with the MAPs in order, on the unix socket
# $NET_DIR/NAME/queue/mailswitch/milter.sock: what the recipes' Postfix,
# chrooted in its queue directory or not, reaches as
# unix:mailswitch/milter.sock (the milter's default socket, with the test's
# queue directory for Debian's /var/spool/postfix). With NET_SOCKETMAP
# (e.g. mailswitch/socketmap) the same process also serves the socketmap
# tables on $NET_DIR/NAME/queue/$NET_SOCKETMAP, which Postfix reaches as
# socketmap:unix:$NET_SOCKETMAP:TABLE, chrooted or not.
net_milter_start() {
    _nm_dir=$NET_DIR/$1 _nm_mode=$2
    _nm_host=$1
    shift 2
    _nm_maps=
    for _nm_m; do _nm_maps="$_nm_maps -m $_nm_m"; done
    _nm_sock=$_nm_dir/queue/mailswitch/milter.sock
    _nm_sm=
    mkdir -p "$_nm_dir/queue/mailswitch" && chown postfix "$_nm_dir/queue/mailswitch" &&
        chmod 0750 "$_nm_dir/queue/mailswitch" || return 1
    rm -f "$_nm_sock"
    if [ -n "${NET_SOCKETMAP:-}" ]; then
        _nm_sm=$_nm_dir/queue/$NET_SOCKETMAP
        rm -f "$_nm_sm"
        set -- -o "socketmap=unix:$_nm_sm"
    else
        set --
    fi
    # shellcheck disable=SC2086
    net_exec "$_nm_host" "$MILTER" -c /dev/null -f -p "unix:$_nm_sock" \
        -u postfix -g postfix -o "mode=$_nm_mode" -P "$_nm_dir/milter.pid" \
        "$@" $_nm_maps >"$_nm_dir/milter.log" 2>&1 &
    NET_PIDS="$NET_PIDS $!"
    eval "$(net_var MILTER "$_nm_host")=\$!"
    if ! net_wait 10 test -S "$_nm_sock" ||
        { [ -n "$_nm_sm" ] && ! net_wait 10 test -S "$_nm_sm"; }; then
        echo "net_milter_start $_nm_host: no socket" >&2
        cat "$_nm_dir/milter.log" >&2
        return 1
    fi
}

# net_milter_reload NAME: SIGUSR1 to the milter itself, by its pid file
# ($! of net_milter_start is the shell that runs "ip netns exec", which
# SIGUSR1 would end, leaving the milter to notice the maps by itself).
net_milter_reload() {
    _nl_pid=$(cat "$NET_DIR/$1/milter.pid" 2>/dev/null)
    [ -n "$_nl_pid" ] && kill -USR1 "$_nl_pid"
}

# net_maildir_files NAME: every message delivered on NAME.
net_maildir_files() {
    find "$NET_DIR/$1/mail" -path '*/new/*' -type f 2>/dev/null | sort
}

# net_cleanup: stop every Postfix, milter and nsd; remove the namespaces
# and their resolver files. Safe to call twice, and in any state.
net_cleanup() {
    for _nc_h in $NET_HOSTS; do
        net_pf_stop "$_nc_h"
    done
    for _nc_p in $NET_PIDS; do
        kill "$_nc_p" 2>/dev/null
    done
    for _nc_p in $NET_PIDS; do
        wait_until 5 "pid $_nc_p to exit" pid_gone "$_nc_p" ||
            kill -KILL "$_nc_p" 2>/dev/null
        wait "$_nc_p" 2>/dev/null
    done
    NET_PIDS=
    for _nc_ns in $NET_NS_MADE; do
        # Anything still running in the namespace is ours: end it by pid.
        for _nc_p in $(ip netns pids "$_nc_ns" 2>/dev/null); do
            kill -KILL "$_nc_p" 2>/dev/null
        done
        ip netns del "$_nc_ns" 2>/dev/null
        rm -rf "/etc/netns/$_nc_ns"
    done
    NET_NS_MADE=
    NET_HOSTS=
    [ -n "$NET_ETC_NETNS_MADE" ] && rmdir /etc/netns 2>/dev/null
    return 0
}
