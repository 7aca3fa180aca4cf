#!/bin/sh
# t-milter-config.sh - mailswitch-milter's configuration: FILE:LINE
# errors, every key's bad values, socket specs, command-line overrides,
# --help, --version, -n. Nothing here listens on a socket. (-n's checks
# of the running environment are in t-milter-ops.sh; here, started as
# root, allow_root = yes lets the configurations pass them.)

. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/milter/lib.sh"
. "$TOP/tests/lib/port.sh"

[ -x "$MILTER" ] || { fail "mailswitch-milter built"; exit 1; }
compile_map "$TOP/tests/milter/table.txt" "$T/table.db" ||
    { fail "compile table"; exit 1; }

# expect_error NAME CONFIG-TEXT EXPECTED-MESSAGE: -n on a file holding
# CONFIG-TEXT exits 2 and prints EXPECTED-MESSAGE (a fixed string).
expect_error() {
    printf '%s\n' "$2" >"$T/c.conf"
    "$MILTER" -n -c "$T/c.conf" >"$T/c.out" 2>&1
    _rc=$?
    if [ $_rc -eq 2 ] && grep -qF -- "$3" "$T/c.out"; then
        pass "$1"
    else
        fail "$1 (exit $_rc)"
        sed 's/^/#   /' "$T/c.out"
    fi
}

good="socket = unix:$T/m.sock
map = $T/table.db"

printf '%s\n' "# comment" "" "$good" "mode = validate" "hop_limit = 7" \
    "  user = root" "socket_mode = 0600" "syslog_facility = local3" \
    "on_map_error = accept" "esmtp_args = no" "timeout = 30" \
    "foreground = yes" "pid_file = $T/pid" "stats_file = $T/stats" \
    "metrics_file = $T/stats.prom" "log_file = $T/milter.log" \
    "allow_root = yes" >"$T/good.conf"
check_rc "config: a file with every key is accepted" 0 \
    "$MILTER" -n -c "$T/good.conf"

expect_error "config: unknown key, with file and line" \
    "$good
colour = blue" "c.conf:3: unknown key \"colour\""
expect_error "config: a key twice" "$good
map = $T/table.db" "c.conf:3: map \"$T/table.db\" named twice"
expect_error "config: a single-valued key twice" "$good
mode = rewrite
mode = validate" "c.conf:4: \"mode\" already set at line 3"
expect_error "config: a line without =" "$good
foreground" "c.conf:3: expected \"=\" after \"foreground\""
expect_error "config: a key without value" "$good
user =" "c.conf:3: missing value for \"user\""
expect_error "config: bad mode" "$good
mode = rewrote" "c.conf:3: bad mode \"rewrote\" (want rewrite or validate)"
expect_error "config: bad on_map_error" "$good
on_map_error = ignore" "c.conf:3: bad on_map_error \"ignore\""
expect_error "config: bad boolean" "$good
foreground = perhaps" "c.conf:3: bad foreground \"perhaps\" (want yes or no)"
expect_error "config: hop_limit out of range" "$good
hop_limit = 0" "c.conf:3: hop_limit 0 out of range 1-100"
expect_error "config: hop_limit not a number" "$good
hop_limit = 3x" "c.conf:3: bad hop_limit \"3x\" (not a number)"
expect_error "config: socket_mode not octal" "$good
socket_mode = 0689" "c.conf:3: bad socket_mode \"0689\" (not an octal number)"
expect_error "config: unknown syslog facility" "$good
syslog_facility = local8" "c.conf:3: unknown syslog facility \"local8\""
expect_error "config: bad user name" "$good
user = a:b" "c.conf:3: bad user name \"a:b\""
expect_error "config: every error is reported, not just the first" \
    "mode = x
colour = y
$good" "c.conf:2: unknown key \"colour\""
# Without a socket the milter takes its default, the one the Postfix
# recipes reach (t-examples.sh starts it there).
"$MILTER" -n -c /dev/null -m "$T/table.db" >"$T/nosock.out" 2>&1
check_eq "config: no socket is no error (the default)" "" "$(grep -i 'no socket' "$T/nosock.out")"
expect_error "config: no map" "socket = unix:$T/m.sock" "no map given"

# Socket specs.
sock_error() {
    "$MILTER" -n -c /dev/null -m "$T/table.db" -p "$2" >"$T/s.out" 2>&1
    _rc=$?
    if [ $_rc -eq 2 ] && grep -qF -- "$3" "$T/s.out"; then
        pass "$1"
    else
        fail "$1 (exit $_rc)"
        sed 's/^/#   /' "$T/s.out"
    fi
}
sock_error "socket: Postfix's inet:host:port is explained" \
    inet:127.0.0.1:8891 "looks like Postfix syntax (inet:HOST:PORT)"
sock_error "socket: host and port swapped" inet:localhost@8891 \
    "host and port swapped? want inet:PORT@HOST"
sock_error "socket: port out of range" inet:70000@127.0.0.1 \
    "port 70000 out of range 1-65535"
sock_error "socket: missing port" inet:@127.0.0.1 "missing port number"
sock_error "socket: port not a number" inet:smtp@127.0.0.1 \
    "port \"smtp\" is not a number"
sock_error "socket: unknown type" tcp:8891@127.0.0.1 "unknown type"
sock_error "socket: a bare path" /run/milter.sock \
    "did you mean unix:/run/milter.sock?"
sock_error "socket: empty unix path" unix: "empty socket path"
sock_error "socket: IPv6 address for inet" "inet:8891@[::1]" \
    "\"::1\" is not an IPv4 address"
sock_error "socket: IPv4 address for inet6" "inet6:8891@[127.0.0.1]" \
    "\"127.0.0.1\" is not an IPv6 address"
sock_error "socket: bad host name" "inet:8891@no way" "bad host name"
long=unix:/$(printf '%0120d' 0)
sock_error "socket: unix path too long" "$long" "too long for a unix socket"
# -n binds an inet socket to see that it is free: a free port, then.
# Whether a name has an IPv6 address depends on the host: a spec is
# accepted when -n does not exit 2 (a bad configuration); 1 is for what
# it found of the machine (t-milter-ops.sh).
p=$(free_port) || p=8891
for spec in "unix:$T/a.sock" "local:$T/a.sock" "inet:$p" \
    "inet:$p@127.0.0.1" "inet:$p@localhost" "inet:$p@[127.0.0.1]" \
    "inet6:$p@[::1]" "inet6:$p@::1" "inet6:$p@localhost"; do
    "$MILTER" -n -c /dev/null -m "$T/table.db" -p "$spec" \
        -o allow_root=yes >"$T/spec.out" 2>&1
    _rc=$?
    case "$_rc:$spec" in
    0:*|1:*@localhost) pass "socket: $spec accepted" ;;
    *) fail "socket: $spec accepted (exit $_rc)"; sed 's/^/#   /' "$T/spec.out" ;;
    esac
done

# The command line overrides the file; -m replaces the file's maps.
printf 'socket = unix:%s/m.sock\nmap = %s/none.db\nallow_root = yes\n' \
    "$T" "$T" >"$T/o.conf"
check_rc "override: -m replaces the file's (missing) map" 0 \
    "$MILTER" -n -c "$T/o.conf" -m "$T/table.db"
"$MILTER" -n -c "$T/o.conf" >"$T/o.out" 2>&1
check "override: without -m the file's map is used (and missing)" \
    grep -q "none.db: No such file" "$T/o.out"
check_rc "override: -o sets any key" 2 \
    "$MILTER" -n -c "$T/good.conf" -o hop_limit=500 2>"$T/hop.err"
check "override: ... and the value given is the one checked" \
    grep -q 'hop_limit 500 out of range' "$T/hop.err"
check_rc "override: -o with a good value is taken" 0 \
    "$MILTER" -n -c "$T/good.conf" -o hop_limit=5
check_rc "override: -o with an unknown key fails" 2 \
    "$MILTER" -n -c "$T/good.conf" -o colour=blue
check_rc "override: -o without = fails" 2 \
    "$MILTER" -n -c "$T/good.conf" -o mode
check_rc "config: an explicit -c file that is missing fails" 2 \
    "$MILTER" -n -c "$T/no-such.conf"
(cd "$T" && "$MILTER" -n -c /dev/null -p unix:rel.sock -m table.db \
    -o allow_root=yes) \
    >"$T/r.out" 2>&1
check "config: relative paths are accepted (made absolute)" \
    grep -q "configuration OK, 1 map" "$T/r.out"

# --help, --version, bad options.
"$MILTER" --help >"$T/help.out" 2>&1
check_eq "--help exits 0" 0 $?
check "--help lists the options" grep -q -- '--socket SPEC' "$T/help.out"
check "--version prints the version" \
    sh -c "'$MILTER' --version | grep -Eq '^mailswitch-milter [0-9]'"
check_rc "a bad option exits 2" 2 "$MILTER" --no-such-option
check_rc "an extra argument exits 2" 2 "$MILTER" -n extra
