# tests/lib/slapd.sh - a test's own slapd: Debian's slapd binary with a
# slapd.conf generated here, an mdb database, a loopback port and an
# ldapi socket, everything in a directory under $T. The host's slapd,
# its configuration and its data are never touched.
#
# Needs tests/lib/port.sh and tests/lib/wait.sh sourced first.
#
# slapd_usable: Debian's slapd and ldap-utils are installed (else skip).
# slapd_test_begin NAME: how a test of the test's own slapd starts: in
#     $T, with M (maptool), EX (examples/inkacoca) and BASE set; where
#     slapd cannot run, the test is skipped, its reason said, and ends.
#
# slapd_conf DIR SUFFIX [MODULE]...: write DIR/slapd.conf for the suffix
#     SUFFIX (mdb in DIR/db; rootdn cn=root,SUFFIX with the password
#     "secret"; the test's own user, over the ldapi socket with SASL
#     EXTERNAL, is cn=maptool,SUFFIX), loading back_mdb and each MODULE
#     (syncprov, say); what comes on standard input follows the database
#     lines (limits, access, overlay, syncrepl).
#
# slapd_load DIR LDIF [OPTION]...: slapadd LDIF into DIR's database
#     (slapd stopped), with slapadd's OPTIONs (-w: set contextCSN).
#
# slapd_start DIR: start slapd on DIR/slapd.conf, on 127.0.0.1 (DIR/port,
#     kept across restarts; a fresh free port the first time, another try
#     if it was taken) and the socket DIR/ldapi, and wait until both
#     listen. Sets SLAPD_URL (ldap://127.0.0.1:PORT), SLAPD_SOCK_URL
#     (ldapi://...) and SLAPD_PID; DIR/pid holds the pid. Returns 1 when
#     it does not start (its log is DIR/slapd.log).
#
# slapd_stop DIR: end DIR's slapd (SIGTERM, SIGKILL after 10 s) and wait.
# slapd_stop_all: end every slapd started here (for an EXIT trap).
#
# slapd_admins_ldif WHO...: on standard output, an entry cn=WHO,$BASE for
#     each WHO that can bind with the password "secret" ($SLAPD_HASH).
# slapd_topology URL [DIRECTIVE]: on standard output, examples/inkacoca's
#     topology with every branch's users read from URL/ou=BRANCH,$BASE,
#     bound as cn=maptool with ./secret's password, and DIRECTIVE (a
#     line such as "ldap-page-size 4") added to each branch.
# slapd_secret_files: write ./secret (a line, for maptool's ldap-secret)
#     and ./secret.raw (no newline, for ldap-utils' -y), both mode 600.

SLAPD=${SLAPD:-/usr/sbin/slapd}
SLAPD_DIRS=

slapd_usable() {
    [ -x "$SLAPD" ] && [ -x /usr/sbin/slapadd ] && [ -x /usr/sbin/slappasswd ] &&
        command -v ldapadd >/dev/null 2>&1 && [ -d /etc/ldap/schema ]
}

slapd_test_begin() {
    M=$MAPTOOL EX=$TOP/examples/inkacoca BASE=dc=inkacoca,dc=org
    cd "$T" || exit 1
    if ! slapd_usable; then
        skip "$1: the test's own slapd" "Debian packages slapd and ldap-utils are not installed"
        exit 0
    fi
}

slapd_admins_ldif() {
    for _sa_who; do
        printf 'dn: cn=%s,%s\nobjectClass: organizationalRole\n' "$_sa_who" "$BASE"
        printf 'objectClass: simpleSecurityObject\ncn: %s\nuserPassword: %s\n\n' \
            "$_sa_who" "$SLAPD_HASH"
    done
}

slapd_topology() {
    _st_lines="\\
    ldap-bind cn=maptool,$BASE\\
    ldap-secret $T/secret"
    [ -z "${2:-}" ] || _st_lines="$_st_lines\\
    $2"
    sed -e "s|^\\( *users *\\)users/\\(.*\\)\$|\\1$1/ou=\\2,$BASE$_st_lines|" \
        "$TOP/examples/inkacoca/inkacoca.topology"
}

slapd_secret_files() {
    printf 'secret\n' >secret && chmod 600 secret &&
        printf 'secret' >secret.raw && chmod 600 secret.raw
}

# The ldapi:// URL of socket PATH (slashes escaped).
slapd_ldapi_url() {
    printf 'ldapi://%s' "$(printf '%s' "$1" | sed 's|/|%2F|g')"
}

slapd_conf() {
    _sc_dir=$1 _sc_suffix=$2
    shift 2
    mkdir -p "$_sc_dir/db" || return 1
    [ -n "${SLAPD_HASH:-}" ] || SLAPD_HASH=$(/usr/sbin/slappasswd -s secret) || return 1
    {
        cat <<EOF
# slapd.conf written by tests/lib/slapd.sh
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $_sc_dir/slapd.pid
argsfile $_sc_dir/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
EOF
        for _sc_m in "$@"; do
            echo "moduleload $_sc_m"
        done
        cat <<EOF
# SASL EXTERNAL over the socket: this test's own user is maptool.
authz-regexp "^gidNumber=[0-9]+\\\\+uidNumber=$(id -u),cn=peercred,cn=external,cn=auth\$"
    "cn=maptool,$_sc_suffix"
database mdb
suffix "$_sc_suffix"
rootdn "cn=root,$_sc_suffix"
rootpw $SLAPD_HASH
directory $_sc_dir/db
maxsize 10485760
EOF
        cat
    } >"$_sc_dir/slapd.conf"
}

slapd_load() {
    _sl_dir=$1 _sl_ldif=$2
    shift 2
    /usr/sbin/slapadd -q -f "$_sl_dir/slapd.conf" -l "$_sl_ldif" "$@"
}

# slapd_run DIR PORT: slapd in the foreground of a background job.
slapd_run() {
    "$SLAPD" -f "$1/slapd.conf" -h "ldap://127.0.0.1:$2/ $(slapd_ldapi_url "$1/ldapi")/" \
        -d 0 >>"$1/slapd.log" 2>&1 &
    echo $! >"$1/pid"
}

slapd_start() {
    _ss_dir=$1
    for _ss_try in 1 2 3; do
        if [ -s "$_ss_dir/port" ] && [ "$_ss_try" = 1 ]; then
            _ss_port=$(cat "$_ss_dir/port")
        else
            _ss_port=$(free_port) && echo "$_ss_port" >"$_ss_dir/port"
        fi
        case " $SLAPD_DIRS " in *" $_ss_dir "*) ;; *) SLAPD_DIRS="$SLAPD_DIRS $_ss_dir" ;; esac
        rm -f "$_ss_dir/ldapi"
        slapd_run "$_ss_dir" "$_ss_port"
        SLAPD_PID=$(cat "$_ss_dir/pid")
        if wait_until 20 "slapd on port $_ss_port" port_listens "$_ss_port" &&
            wait_until 10 "slapd's socket" test -S "$_ss_dir/ldapi"; then
            SLAPD_URL=ldap://127.0.0.1:$_ss_port
            SLAPD_SOCK_URL=$(slapd_ldapi_url "$_ss_dir/ldapi")
            return 0
        fi
        slapd_stop "$_ss_dir"
    done
    return 1
}

slapd_stop() {
    [ -s "$1/pid" ] || return 0
    stop_pid 10 slapd "$(cat "$1/pid")"
    rm -f "$1/pid"
}

slapd_stop_all() {
    for _sa_dir in $SLAPD_DIRS; do
        slapd_stop "$_sa_dir"
    done
}
