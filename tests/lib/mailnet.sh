# tests/lib/mailnet.sh - a maptool build, running: every server of
# BUILD/servers in a network namespace of its own with a real Postfix
# configured by the recipe of its role (examples/recipes/postfix-ROLE.cf,
# or postfix-ROLE-socketmap.cf: see MAILNET_MODE; only the site's names
# and paths replaced: tests/lib/recipes.sh) and a mailswitch-milter over
# its maps, a DNS server answering from BUILD/dns.zone, and an outside
# sender. Used by tests/t-switch-e2e.sh, tests/t-switch-e2e-socketmap.sh,
# tests/t-ldap-e2e.sh (with a directory host of its own, added between
# net_init and mailnet_up) and examples/inkacoca/demo.
#
# Source it with TOP, MILTER, MAPTOOL and NET_DIR set (it sources
# tests/lib/network.sh; install net_cleanup as the EXIT trap). The
# servers' addresses come from the zone's A records and must lie in
# 10.77.0.0/24; the DNS server is 10.77.0.53, the outside sender
# (sender.example.net, Postfix host "out") 10.77.0.99.
#
# MAILNET_MODE (set before mailnet_up) says how each server's Postfix
# asks mailswitch:
#   milter     (the default) the recipe postfix-ROLE.cf: smtpd_milters
#              and non_smtpd_milters on the milter's socket
#   socketmap  the recipe postfix-ROLE-socketmap.cf: virtual_alias_maps
#              and check_recipient_access over the socketmap service,
#              which the same mailswitch-milter process serves (its
#              "socketmap" setting, from the recipe's comment block) on
#              a unix socket in the queue directory, where Postfix's
#              chrooted smtpd and cleanup reach it by a relative path
# The daemon, its maps, modes and reloads are the same in both.
#
#   mailnet_up BUILD [NODE:MAILBOX...]   bring it all up; a branch has a
#                       Maildir for every local name its table delivers
#                       to, and for each extra MAILBOX given for it
#   mailnet_node HOST   the node (namespace) name of a server: the first
#                       label of its host name
#   mailnet_send NODE ID RCPT...   submit a message (X-Test-Id: ID) to
#                       NODE's Postfix from NODE; replies in $NET_DIR/send.log
#   mailnet_submit NODE ID RCPT...   submit a message (X-Test-Id: ID,
#                       from tester@sender.example.net) with NODE's
#                       sendmail command: no SMTP; output in send.log
#   mailnet_where ID    NODE:USER of each mailbox holding ID, sorted
#   mailnet_rcpt ID     the envelope recipient each copy of ID was
#                       delivered to (its Delivered-To: header), sorted
#   mailnet_arrived ID EXPECTED [SECS]   wait up to SECS (20) for ID to
#                       be where EXPECTED (NODE:USER ..., as mailnet_where
#                       prints it) says, then check (tests/lib/tap.sh)
#                       that it is there and nowhere else
#   mailnet_file ID     the first delivered file of ID
#   mailnet_delivered PREFIX   "ID NODE:USER" for each delivered copy of
#                       every message whose ID starts with PREFIX
#   mailnet_path FILE   the servers a delivered message passed, in order
#   mailnet_deploy BUILD   install a new build as its servers file says,
#                       and wait until every milter has reloaded
#   mailnet_dump_logs   the tail of each host's maillog, as TAP comments

. "$TOP/tests/lib/network.sh"
. "$TOP/tests/lib/recipes.sh"

MAILNET_MODE=${MAILNET_MODE:-milter}
MAILNET_SERVERS=
MAILNET_BRANCHES=
MAILNET_DOMAIN=
MAILNET_PYTHON=python3
[ -x /usr/bin/python3 ] && MAILNET_PYTHON=/usr/bin/python3

mailnet_node() {
    echo "${1%%.*}"
}

# _mailnet_a ZONE HOST: HOST's address in ZONE.
_mailnet_a() {
    awk -v h="$2." '$1 == h && $2 == "IN" && $3 == "A" { print $4; exit }' "$1"
}

# _mailnet_mx_names ZONE HOST: every name whose MX is HOST.
_mailnet_mx_names() {
    awk -v h="$2." '$2 == "IN" && $3 == "MX" && $5 == h { sub(/\.$/, "", $1); print $1 }' "$1"
}

# _mailnet_install NODE BUILD MAP...: maptool install each map to NODE.
_mailnet_install() {
    _mi_node=$1 _mi_build=$2
    shift 2
    mkdir -p "$NET_DIR/$_mi_node/maps" && chmod 0755 "$NET_DIR/$_mi_node/maps" || return 1
    for _mi_m; do
        "$MAPTOOL" install "$_mi_build/$_mi_m" "$NET_DIR/$_mi_node/maps/$_mi_m" || return 1
    done
}

# _mailnet_mailboxes NODE BUILD BRANCH EXTRA...: the Maildirs of a branch.
_mailnet_mailboxes() {
    _mm_node=$1 _mm_build=$2 _mm_branch=$3
    shift 3
    {
        awk '!/^#/ && NF == 2 && $2 !~ /[@:]/ { sub(/%3$/, "", $2); print $2 }' \
            "$_mm_build/$_mm_branch.vut"
        for _mm_x; do
            case $_mm_x in "$_mm_node":*) echo "${_mm_x#*:}" ;; esac
        done
    } | sort -u
}

# _mailnet_recipe ROLE: the recipe of ROLE in MAILNET_MODE (postfix-ROLE.cf
# or postfix-ROLE-socketmap.cf).
_mailnet_recipe() {
    case $MAILNET_MODE in
    milter) echo "$1" ;;
    socketmap) echo "$1-socketmap" ;;
    *) echo "mailnet: no MAILNET_MODE $MAILNET_MODE (milter or socketmap)" >&2; return 1 ;;
    esac
}

# _mailnet_socketmap: in socketmap mode, the service's socket as the
# switch recipe's mailswitch-milter.conf block names it, made relative
# to Postfix's queue directory (/var/spool/postfix there); empty in
# milter mode.
_mailnet_socketmap() {
    [ "$MAILNET_MODE" = socketmap ] || return 0
    _mk_s=$(recipe_milter postfix switch-socketmap socketmap) || return 1
    case $_mk_s in
    unix:/var/spool/postfix/?*) echo "${_mk_s#unix:/var/spool/postfix/}" ;;
    *) echo "mailnet: the socketmap recipe's socket is not in the queue directory: $_mk_s" >&2
        return 1 ;;
    esac
}

# _mailnet_postfix NODE HOST ROLE KEY=VALUE...: Postfix on NODE with the
# main.cf settings of examples/recipes/postfix-ROLE.cf (or, in socketmap
# mode, postfix-ROLE-socketmap.cf), only the site's names and paths (each
# KEY) replaced.
_mailnet_postfix() {
    _mq_node=$1 _mq_host=$2
    _mq_role=$(_mailnet_recipe "$3") || return 1
    shift 3
    _mq_lines=$(recipe_postfix "$_mq_role" "$@") || return 1
    set -f
    _mq_ifs=$IFS
    IFS='
'
    # shellcheck disable=SC2086 # one argument a line
    set -- $_mq_lines
    IFS=$_mq_ifs
    set +f
    net_postfix "$_mq_node" "$_mq_host" "$@"
}

# _mailnet_server BUILD HOST ROLE MODE MAPS: one mail server.
_mailnet_server() {
    _ms_build=$1 _ms_host=$2 _ms_role=$3 _ms_mode=$4 _ms_maps=$5
    _ms_node=$(mailnet_node "$_ms_host")
    _ms_dir=$NET_DIR/$_ms_node
    # shellcheck disable=SC2086
    _mailnet_install "$_ms_node" "$_ms_build" $_ms_maps || return 1
    _ms_paths=
    for _ms_m in $_ms_maps; do _ms_paths="$_ms_paths $_ms_dir/maps/$_ms_m"; done
    # shellcheck disable=SC2086
    net_milter_start "$_ms_node" "$_ms_mode" $_ms_paths || return 1
    case $_ms_role in
    switch)
        # The domain, the relay name, and the branches' old subdomains.
        _ms_rd=$(_mailnet_mx_names "$_ms_build/dns.zone" "$_ms_host" | tr '\n' ' ')
        for _ms_b in $MAILNET_BRANCHES; do
            _ms_rd="$_ms_rd $(net_get SUB "$_ms_b")"
        done
        _mailnet_postfix "$_ms_node" "$_ms_host" switch "relay_domains=$_ms_rd" ;;
    backup)
        _mailnet_postfix "$_ms_node" "$_ms_host" backup "relay_domains=$MAILNET_DOMAIN" ;;
    branch:*)
        _ms_sub=$(net_get SUB "$_ms_node")
        mkdir -p "$_ms_dir/etc" || return 1
        _mailnet_mailboxes "$_ms_node" "$_ms_build" "${_ms_role#branch:}" $MAILNET_EXTRA |
            awk -v d="$_ms_sub" '{ print $1 "@" d, d "/" $1 "/" }' >"$_ms_dir/etc/vmailbox"
        _mailnet_postfix "$_ms_node" "$_ms_host" branch "myorigin=$_ms_sub" \
            "virtual_mailbox_domains=$_ms_sub" \
            "virtual_mailbox_base=$_ms_dir/mail" \
            "virtual_mailbox_maps=texthash:$_ms_dir/etc/vmailbox" \
            "virtual_uid_maps=static:$(id -u postfix)" \
            "virtual_gid_maps=static:$(id -g postfix)" ;;
    esac
}

# mailnet_up BUILD [NODE:MAILBOX...]
mailnet_up() {
    _mu_build=$1
    shift
    MAILNET_EXTRA="$*"
    # NET_SOCKETMAP: net_milter_start (tests/lib/network.sh) serves it.
    _mailnet_recipe switch >/dev/null || return 1
    # shellcheck disable=SC2034
    NET_SOCKETMAP=$(_mailnet_socketmap) || return 1
    MAILNET_DOMAIN=$(awk '$1 == "domain" { print $2 }' "$_mu_build/servers")
    _mu_zone=$_mu_build/dns.zone
    net_init && net_host dns 10.77.0.53 && net_host out 10.77.0.99 || return 1
    while read -r _mu_w _mu_host _mu_role _mu_rest; do
        [ "$_mu_w" = server ] || continue
        _mu_node=$(mailnet_node "$_mu_host")
        _mu_ip=$(_mailnet_a "$_mu_zone" "$_mu_host")
        [ -n "$_mu_ip" ] || { echo "mailnet_up: no address for $_mu_host" >&2; return 1; }
        net_host "$_mu_node" "$_mu_ip" || return 1
        MAILNET_SERVERS="$MAILNET_SERVERS $_mu_node"
        case $_mu_role in
        branch:*)
            MAILNET_BRANCHES="$MAILNET_BRANCHES $_mu_node"
            eval "$(net_var SUB "$_mu_node")=\$(_mailnet_mx_names \"\$_mu_zone\" \"\$_mu_host\")" ;;
        esac
    done <"$_mu_build/servers"
    net_dns_start dns "$MAILNET_DOMAIN" "$_mu_zone" || return 1
    # The outside sender keeps its bounces in a mailbox.
    mkdir -p "$NET_DIR/out/etc" &&
        echo "tester@sender.example.net sender.example.net/tester/" >"$NET_DIR/out/etc/vmailbox" &&
        net_postfix out sender.example.net \
            "virtual_mailbox_domains = sender.example.net" \
            "virtual_mailbox_base = $NET_DIR/out/mail" \
            "virtual_mailbox_maps = texthash:$NET_DIR/out/etc/vmailbox" \
            "virtual_uid_maps = static:$(id -u postfix)" \
            "virtual_gid_maps = static:$(id -g postfix)" || return 1
    while read -r _mu_w _mu_host _mu_role _mu_mode _mu_maps; do
        [ "$_mu_w" = server ] || continue
        _mailnet_server "$_mu_build" "$_mu_host" "$_mu_role" "$_mu_mode" "$_mu_maps" ||
            return 1
    done <"$_mu_build/servers"
    # shellcheck disable=SC2086
    net_pf_start out $MAILNET_SERVERS
}

mailnet_send() {
    _mn_node=$1 _mn_id=$2
    shift 2
    net_exec "$_mn_node" "$MAILNET_PYTHON" "$TOP/tests/lib/smtpsend.py" --id "$_mn_id" \
        "$(net_get IP "$_mn_node")" "$@" >>"$NET_DIR/send.log" 2>&1
}

# The sendmail command clears its environment before it runs postdrop,
# which then cannot find the unpacked package's libraries: it submits
# with a copy of NODE's configuration whose command_directory holds a
# postdrop that sets the library path (everything else is NODE's own).
_mailnet_submit_config() {
    _mc_dir=$NET_DIR/$1
    [ -f "$_mc_dir/submit/main.cf" ] && return 0
    mkdir -p "$_mc_dir/submit/bin" || return 1
    printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$PF_TREE/usr/lib/postfix" \
        "$PF_TREE/usr/sbin/postdrop" >"$_mc_dir/submit/bin/postdrop" &&
        chmod 0755 "$_mc_dir/submit/bin/postdrop" &&
        sed -e "s#^command_directory = .*#command_directory = $_mc_dir/submit/bin#" \
            -e "s#^config_directory = .*#config_directory = $_mc_dir/submit#" \
            "$_mc_dir/etc/main.cf" >"$_mc_dir/submit/main.cf" &&
        cp "$_mc_dir/etc/master.cf" "$_mc_dir/submit/master.cf"
}

mailnet_submit() {
    _mb_node=$1 _mb_id=$2
    shift 2
    _mailnet_submit_config "$_mb_node" || return 1
    printf 'From: tester@sender.example.net\nSubject: %s\nX-Test-Id: %s\n\n%s\n' \
        "$_mb_id" "$_mb_id" "submitted without SMTP" |
        net_exec "$_mb_node" "$PF_TREE/usr/sbin/sendmail" -C "$NET_DIR/$_mb_node/submit" \
            -f tester@sender.example.net -- "$@" >>"$NET_DIR/send.log" 2>&1
}

# _mailnet_grep ID: NODE FILE for each delivered file holding ID.
_mailnet_files() {
    for _mf_n in $MAILNET_BRANCHES; do
        net_maildir_files "$_mf_n" | xargs -r grep -l -x -F "X-Test-Id: $1" |
            sed "s#^#$_mf_n #"
    done
}

mailnet_where() {
    _mailnet_files "$1" | sed 's#^\([^ ]*\) .*/mail/[^/]*/\([^/]*\)/.*#\1:\2#' |
        sort | tr '\n' ' ' | sed 's/ $//'
}

_mailnet_is_at() {
    test "$(mailnet_where "$1")" = "$2"
}

mailnet_arrived() {
    net_wait "${3:-20}" _mailnet_is_at "$1" "$2"
    check_eq "$1 is delivered to $2 only" "$2" "$(mailnet_where "$1")"
}

mailnet_dump_logs() {
    for _dl_h in out $MAILNET_SERVERS; do
        echo "# --- $_dl_h maillog (tail)"
        tail -n 15 "$NET_DIR/$_dl_h/maillog" | sed 's/^/#   /'
    done
}

mailnet_rcpt() {
    _mailnet_files "$1" | cut -d' ' -f2- | while read -r _mr_f; do
        sed -n '/^$/q; s/^Delivered-To: //p' "$_mr_f"
    done | sort | tr '\n' ' ' | sed 's/ $//'
}

mailnet_file() {
    _mailnet_files "$1" | head -n 1 | cut -d' ' -f2-
}

mailnet_delivered() {
    for _md_n in $MAILNET_BRANCHES; do
        net_maildir_files "$_md_n" | xargs -r grep -H -x "X-Test-Id: $1.*" |
            sed "s#^.*/mail/[^/]*/\([^/]*\)/[^:]*:X-Test-Id: \(.*\)#\2 $_md_n:\1#"
    done | sort
}

# mailnet_path FILE: "out switch lima-mail": each Received: by HOST,
# oldest first, as node names.
mailnet_path() {
    sed -n '/^$/q; p' "$1" | sed ':a; N; $!ba; s/\n[ \t]\+/ /g' | grep '^Received:' |
        grep -o ' by [a-z0-9.-]*' | sed 's/ by //; s/\..*//; s/^sender$/out/' | tac |
        tr '\n' ' ' | sed 's/ $//'
}

# _mailnet_reloaded NODE N: NODE's milter has logged N map reloads.
_mailnet_reloaded() {
    test "$(grep -c ' reloaded ' "$NET_DIR/$1/milter.log")" -ge "$2"
}

# mailnet_deploy BUILD: server by server in the order of BUILD/servers
# (branches that gain users first, the other branches, switches,
# backups), each server's maps last to first (a milter may look at its
# maps between two installs), then SIGUSR1 and wait for the reloads.
mailnet_deploy() {
    while read -r _mp_w _mp_host _mp_role _mp_mode _mp_maps; do
        [ "$_mp_w" = server ] || continue
        _mp_node=$(mailnet_node "$_mp_host")
        _mp_before=$(grep -c ' reloaded ' "$NET_DIR/$_mp_node/milter.log")
        # shellcheck disable=SC2086
        _mailnet_install "$_mp_node" "$1" $(printf '%s\n' $_mp_maps | tac) || return 1
        net_milter_reload "$_mp_node"
        # shellcheck disable=SC2086
        net_wait 10 _mailnet_reloaded "$_mp_node" $((_mp_before + $(echo $_mp_maps | wc -w))) ||
            return 1
    done <"$1/servers"
}
