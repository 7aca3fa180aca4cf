#!/bin/sh
# t-dnscheck.sh - maptool dnscheck against a real DNS server: nsd, in a
# network namespace this test makes, serves the zone maptool build
# writes for examples/inkacoca (clean: no difference, exit 0), then one
# broken copy per mistake dnscheck must find, each named by its line of
# the build (and, beside it, the zone of the newsletter service whose
# SPF record the example includes: lookups counted down its includes, a
# loop, no record, no answer); then a topology with certificates, signed (ldns-signzone)
# and checked with its trust anchor, clean, with a TLSA record that does
# not match, unsigned, and with a wrong anchor (bogus); then a server
# that fails (SERVFAIL) and one that never answers (timeout), neither
# reported as a missing record. With --fetch-policy, openssl s_server
# in the namespace serves the MTA-STS policy over HTTPS with a test
# CA's certificate: the build's policy, one missing an MX, another mode,
# a certificate the system's CAs do not know, one for another name, a
# 404, another content type, nothing listening: each failure reported
# as such, never as missing. Nothing outside $T and the namespace is
# touched: nsd runs with its own configuration, pid and zone files, on
# port 53 of the namespace's own loopback.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/wait.sh"
. "$TOP/tests/lib/nsd.sh"

need_root "dnscheck: nsd in a network namespace"
for cmd in ip nsd nsd-checkzone ldns-keygen ldns-signzone drill openssl python3; do
    command -v "$cmd" >/dev/null 2>&1 || { fail "dnscheck: $cmd is installed"; exit 1; }
done

M=$MAPTOOL
NS=msdc$$
DOMAIN=inkacoca.org
NSD_PID= SILENT_PID= HTTPS_PID=
cd "$T" || exit 1

cleanup() {
    for _p in $NSD_PID $SILENT_PID $HTTPS_PID; do
        stop_pid 5 "pid $_p" "$_p"
    done
    # Anything still running in the namespace is this test's.
    for _p in $(ip netns pids "$NS" 2>/dev/null); do
        kill -KILL "$_p" 2>/dev/null
    done
    ip netns del "$NS" 2>/dev/null
    return 0
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

ip netns add "$NS" && ip -n "$NS" link set lo up || {
    fail "dnscheck: a network namespace of its own"; exit 1; }

in_ns() {
    ip netns exec "$NS" "$@"
}

# soa_answers ZONE: the namespace's nsd answers for ZONE.
soa_answers() {
    in_ns drill -Q @127.0.0.1 "$1" SOA | grep -q hostmaster
}

# port_free: nothing (an nsd and its children) listens on the port.
port_free() {
    ! in_ns ss -Hlnu "src 127.0.0.1 and sport = :53" | grep -q .
}

stop_nsd() {
    [ -n "$NSD_PID" ] || return 0
    stop_pid 10 nsd "$NSD_PID"
    NSD_PID=
    wait_until 10 "nsd's port to be free" port_free
}

# zone_head: the SOA and NS of the domain, its name server on loopback.
zone_head() {
    nsd_zone_head "$DOMAIN" 127.0.0.1
}

# news_zone LINE...: the zone of the newsletter service the example's
# SPF record includes (spf-include _spf.newsletter.example), with LINEs;
# served beside the domain's from the next serve() on. With no LINE, the
# service's zone is not served: questions for it are refused.
NEWS=newsletter.example
news_zone() {
    if [ $# = 0 ]; then
        rm -f "$T/news.zone"
        return
    fi
    { nsd_zone_head "$NEWS" 127.0.0.1; for _l in "$@"; do echo "$_l"; done; } >"$T/news.zone"
}
news_zone "_spf.$NEWS. IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\""

# serve ZONEFILE [ZONE]: nsd (a fresh one) answers with ZONEFILE for
# ZONE (the domain unless given), and for the newsletter's zone beside
# the domain's when news_zone gave one.
serve() {
    _zone=${2:-$DOMAIN} _news=
    stop_nsd
    mkdir -p "$T/nsd" && cp "$1" "$T/nsd/zone" || return 1
    nsd-checkzone "$_zone" "$T/nsd/zone" >"$T/nsd/checkzone.out" 2>&1 || {
        sed 's/^/# /' "$T/nsd/checkzone.out"; return 1; }
    if [ "$_zone" = "$DOMAIN" ] && [ -f "$T/news.zone" ]; then
        cp "$T/news.zone" "$T/nsd/news" && nsd-checkzone "$NEWS" "$T/nsd/news" \
            >"$T/nsd/checkzone.out" 2>&1 || {
            sed 's/^/# /' "$T/nsd/checkzone.out"; return 1; }
        _news="$NEWS news"
    fi
    # shellcheck disable=SC2086 # _news: a zone and its file, or nothing
    nsd_conf "$T/nsd" 127.0.0.1 "$_zone" zone $_news >"$T/nsd/nsd.conf" || return 1
    # Not through in_ns: $! must be nsd's own pid (ip execs it).
    ip netns exec "$NS" nsd -d -c "$T/nsd/nsd.conf" >"$T/nsd/nsd.out" 2>&1 &
    NSD_PID=$!
    wait_until 10 "nsd to answer" soa_answers "$_zone" || {
        sed 's/^/# /' "$T/nsd/nsd.out" "$T/nsd/nsd.log" 2>/dev/null; return 1; }
}

# serve_edit BUILD SED_SCRIPT [LINE...]: BUILD's dns.zone edited with
# SED_SCRIPT, LINEs added, served.
serve_edit() {
    _b=$1 _s=$2
    shift 2
    { zone_head; sed "$_s" "$_b/dns.zone"; for _l in "$@"; do echo "$_l"; done; } \
        >"$T/edited.zone" && serve "$T/edited.zone"
}

# dnscheck ARGS...: in the namespace, asking its nsd; exit status in RC.
dnscheck() {
    in_ns "$M" dnscheck "$@" >"$T/out" 2>"$T/err"
    RC=$?
    sed 's/^/# /' "$T/out" "$T/err"
}

# line_of BUILD ERE: the line of BUILD's dns.zone that matches ERE.
line_of() {
    grep -nE "$2" "$1/dns.zone" | head -n 1 | cut -d: -f1
}

# found NAME LINE...: the output has each LINE, whole.
found() {
    _n=$1; shift
    for _l in "$@"; do
        if ! grep -Fxq -- "$_l" "$T/out"; then
            fail "$_n"
            printf '#   missing: %s\n' "$_l"
            return
        fi
    done
    pass "$_n"
}

# summary DIFFERENCES UNANSWERED QUERIES SERVER: the last line.
summary() {
    tail -n 1 "$T/out"
}
sum_line() {
    echo "dnscheck: $DOMAIN: $1 difference$([ "$1" = 1 ] || echo s), $2 unanswered, $3 queries to $4"
}

# --- examples/inkacoca, unsigned, no certificates --------------------------
EX=$T/ex
"$M" build "$TOP/examples/inkacoca/inkacoca.topology" -o "$EX" >"$T/build.out" 2>&1 ||
    { fail "dnscheck: the example builds"; exit 1; }
Z=$EX/dns.zone
{ zone_head; cat "$Z"; } >"$T/clean.zone"
check "nsd serves the example's zone in the namespace" serve "$T/clean.zone"

dnscheck --server 127.0.0.1 "$EX"
check_eq "clean build: exit 0" 0 "$RC"
check_eq "clean build: the summary, no difference" \
    "$(sum_line 0 0 26 127.0.0.1)" "$(summary)"
check_eq "clean build: one line only" 1 "$(wc -l <"$T/out" | tr -d ' ')"
dnscheck --server 127.0.0.1 "$TOP/examples/inkacoca/inkacoca.topology"
check_eq "clean, from the topology: exit 0" 0 "$RC"
check_eq "clean, from the topology: no difference" \
    "$(sum_line 0 0 26 127.0.0.1)" "$(summary)"

# case NAME DIFFERENCES SED_SCRIPT [LINE...]: serve the edited zone,
# check: exit 1, the number of differences; then found() what it must say.
case_of() {
    _n=$1 _d=$2 _s=$3
    shift 3
    serve_edit "$EX" "$_s" "$@" || { fail "$_n: nsd serves the broken zone"; return; }
    dnscheck --server 127.0.0.1 "$EX"
    check_eq "$_n: exit 1" 1 "$RC"
    check_eq "$_n: $_d difference(s)" "$_d" \
        "$(summary | sed -n 's/^dnscheck: [^:]*: \([0-9]*\) difference.*/\1/p')"
}

mx1=$(line_of "$EX" '^inkacoca\.org\. .* MX +10 ')
mx2=$(line_of "$EX" '^inkacoca\.org\. .* MX +20 ')
a_mx2=$(line_of "$EX" '^mx2\.inkacoca\.org\. .* A ')
spf=$(line_of "$EX" 'v=spf1')
dmarc=$(line_of "$EX" '^_dmarc\.')
sts=$(line_of "$EX" '^_mta-sts\.')
topo=$TOP/examples/inkacoca/inkacoca.topology
tru=$(grep -n '^ *host *tru-mail\.' "$topo" | cut -d: -f1)

case_of "MX dropped" 2 '/^inkacoca\.org\. .*MX *20 /d'
found "MX dropped: named, and the policy naming it too" \
    "$Z:$mx2: MX inkacoca.org: 20 mx2.inkacoca.org is not published" \
    "$EX/mta-sts.txt:4: the MTA-STS policy names mx: mx2.inkacoca.org, which is no published MX of inkacoca.org"

case_of "MX priority" 1 's/^\(inkacoca\.org\. .*MX *\)20 /\130 /'
found "MX priority: named" \
    "$Z:$mx2: MX inkacoca.org: mx2.inkacoca.org has priority 30, the build says 20"

case_of "MX to an IP address" 3 's/^\(inkacoca\.org\. .*MX *10 \)switch\.inkacoca\.org\./\110.77.0.10./'
found "MX to an IP address: named" \
    "$Z:$mx1: MX inkacoca.org: 10 10.77.0.10 names an IP address, not a host (RFC 5321 5.1: senders look it up as a name)" \
    "$Z:$mx1: MX inkacoca.org: 10 switch.inkacoca.org is not published"

case_of "MX to a CNAME" 2 's/^mx2\.inkacoca\.org\. .*/mx2.inkacoca.org. IN CNAME lima-mail.inkacoca.org./'
found "MX to a CNAME: named" \
    "$Z:$a_mx2: MX host mx2.inkacoca.org is an alias (CNAME to lima-mail.inkacoca.org): an MX must name the host itself, never an alias (RFC 2181 10.3)" \
    "$Z:$a_mx2: mx2.inkacoca.org has another address: A 10.77.0.21 is published, the build says 10.77.0.20"

case_of "MX host without an address" 1 '/^mx2\.inkacoca\.org\. /d'
found "MX host without an address: named" \
    "$Z:$a_mx2: MX host mx2.inkacoca.org has no A or AAAA record: the build gives it an address"

case_of "MX host with another address" 1 's/^\(mx2\.inkacoca\.org\. .*\)10\.77\.0\.20$/\110.77.0.99/'
found "MX host with another address: named" \
    "$Z:$a_mx2: mx2.inkacoca.org has another address: A 10.77.0.99 is published, the build says 10.77.0.20"

case_of "SPF missing a server" 1 's/ ip4:10\.77\.0\.22//'
found "SPF missing a server: named, with the server's topology line" \
    "$Z:$spf: the SPF record of inkacoca.org does not pass 10.77.0.22, the address of branch tru-mail.inkacoca.org ($topo:$tru)"

# Eleven includes, in two strings (one may hold 255 octets).
case_of "SPF over ten lookups" 1 's/include:_spf/include:a.example include:b.example include:c.example include:d.example include:e.example include:f.example " "include:g.example include:h.example include:i.example include:j.example include:_spf/'
found "SPF over ten lookups: named" \
    "$Z:$spf: the SPF record of inkacoca.org needs 11 DNS lookups, more than the 10 receivers allow (RFC 7208 4.6.4)"

# The records an include takes in count too: the newsletter's record
# (six lookups) takes in another (five): with the domain's own, twelve.
news_zone "_spf.$NEWS. IN TXT \"v=spf1 a:m1.$NEWS a:m2.$NEWS a:m3.$NEWS a:m4.$NEWS a:m5.$NEWS include:_deep.$NEWS -all\"" \
    "_deep.$NEWS. IN TXT \"v=spf1 a:d1.$NEWS a:d2.$NEWS a:d3.$NEWS a:d4.$NEWS a:d5.$NEWS -all\""
case_of "SPF over ten lookups through its includes" 1 ''
found "SPF over ten lookups through its includes: counted down the includes" \
    "$Z:$spf: the SPF record of inkacoca.org needs 12 DNS lookups, 11 of them in the records it takes in, more than the 10 receivers allow (RFC 7208 4.6.4)"
news_zone "_spf.$NEWS. IN TXT \"v=spf1 ip4:192.0.2.0/24 include:_loop.$NEWS -all\"" \
    "_loop.$NEWS. IN TXT \"v=spf1 include:_spf.$NEWS -all\""
case_of "SPF include loop" 1 ''
found "SPF include loop: named" \
    "$Z:$spf: the SPF record of _loop.$NEWS takes in _spf.$NEWS, which takes it in again: a loop that receivers fail on"
news_zone "www.$NEWS. IN A 192.0.2.80"
case_of "SPF include of a name without SPF" 1 ''
found "SPF include of a name without SPF: named" \
    "$Z:$spf: the SPF record of inkacoca.org takes in _spf.$NEWS, which publishes no SPF record: receivers fail with a permanent error (RFC 7208 5.2)"
news_zone
serve "$T/clean.zone"
dnscheck --server 127.0.0.1 "$EX"
check_eq "SPF include unanswered: exit 1" 1 "$RC"
found "SPF include unanswered: said so, not taken for a missing record" \
    "$Z:$spf: TXT _spf.$NEWS: the server answered SERVFAIL: whether it is published is not known"
check_eq "SPF include unanswered: no difference, one unanswered" \
    "$(sum_line 0 1 26 127.0.0.1)" "$(summary)"
news_zone "_spf.$NEWS. IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\""

case_of "SPF published twice" 1 p 'inkacoca.org. IN TXT "v=spf1 -all"'
found "SPF published twice: named" \
    "$Z:$spf: inkacoca.org publishes 2 SPF records: receivers take none of them (RFC 7208 4.5)"

case_of "DMARC missing" 1 '/^_dmarc\./d'
found "DMARC missing: named" \
    "$Z:$dmarc: _dmarc.inkacoca.org: no DMARC record is published"

case_of "DMARC malformed" 1 's/p=quarantine/p=quarantin/'
found "DMARC malformed: named" \
    "$Z:$dmarc: _dmarc.inkacoca.org: the DMARC record is malformed: p=quarantin is not none, quarantine or reject: \"v=DMARC1; p=quarantin; rua=mailto:postmaster@inkacoca.org\""

id=$(sed -n 's/.*id=\([0-9a-f]*\)".*/\1/p' "$Z")
case_of "MTA-STS id stale" 1 "s/id=$id/id=0$(echo "$id" | cut -c2-)/"
found "MTA-STS id stale: named" \
    "$Z:$sts: _mta-sts.inkacoca.org: the MTA-STS id is stale: 0$(echo "$id" | cut -c2-) is published, the build's policy has $id (senders keep the policy they have)"

case_of "MTA-STS policy missing an MX" 2 p \
    'inkacoca.org. IN MX 30 mx3.inkacoca.org.' 'mx3.inkacoca.org. IN A 10.77.0.30'
found "MTA-STS policy missing an MX: named, the extra MX too" \
    "$EX/mta-sts.txt: the MTA-STS policy does not name MX mx3.inkacoca.org of inkacoca.org: senders that enforce it will not deliver there" \
    "$Z:$mx1: MX inkacoca.org: 30 mx3.inkacoca.org is published, the build has no such MX"

# --- the MTA-STS policy over HTTPS (--fetch-policy) --------------------------
# openssl s_server -WWW in the namespace serves .well-known/mta-sts.txt
# on port 443 of its loopback, with a certificate of a test CA; the zone
# gives mta-sts.inkacoca.org that address.
URL=https://mta-sts.$DOMAIN/.well-known/mta-sts.txt
W=$T/www
mkdir -p "$W/.well-known" "$T/pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T/pki/ca.key" -out "$T/pki/ca.pem" -subj "/CN=mailswitch test CA" \
    -days 30 2>"$T/pki/err" || sed 's/^/# /' "$T/pki/err"
# leaf NAME HOST: a certificate for HOST signed by the test CA.
leaf() {
    printf 'subjectAltName=DNS:%s\n' "$2" >"$T/pki/$1.ext"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$T/pki/$1.key" -subj "/CN=$2" 2>>"$T/pki/err" |
        openssl x509 -req -CA "$T/pki/ca.pem" -CAkey "$T/pki/ca.key" \
            -CAcreateserial -days 30 -extfile "$T/pki/$1.ext" \
            -out "$T/pki/$1.pem" 2>>"$T/pki/err"
}
check "a certificate for mta-sts.$DOMAIN from the test CA" leaf right "mta-sts.$DOMAIN"
check "a certificate for another name from the test CA" leaf wrong "www.$DOMAIN"

https_listens() {
    in_ns ss -Hlnt "src 127.0.0.1 and sport = :443" | grep -q .
}
stop_https() {
    [ -n "$HTTPS_PID" ] || return 0
    stop_pid 10 s_server "$HTTPS_PID"
    HTTPS_PID=
}
# serve_https CERT [MODE]: a fresh s_server with CERT, serving $W's
# files (-WWW, a 200 response for any path), or with -HTTP whole
# responses.
serve_https() {
    stop_https
    (cd "$W" && exec ip netns exec "$NS" openssl s_server -quiet ${2:--WWW} \
        -accept 127.0.0.1:443 -cert "$T/pki/$1.pem" -key "$T/pki/$1.key" \
        >"$T/https.out" 2>&1 </dev/null) &
    HTTPS_PID=$!
    wait_until 10 "s_server to listen" https_listens
}
# fetch: dnscheck --fetch-policy with the test CA.
fetch() {
    dnscheck --server 127.0.0.1 --fetch-policy --ca-file "$T/pki/ca.pem" "$EX"
}
differences() {
    summary | sed -n 's/^dnscheck: [^:]*: \([0-9]*\) difference.*/\1/p'
}
nothing_missing() {
    ! grep -E 'does not name|lacks|has mx|is not published|, the build|no MTA-STS policy|missing' "$T/out"
}

check "nsd serves the example's zone with mta-sts.$DOMAIN" \
    serve_edit "$EX" '' "mta-sts.$DOMAIN. 60 IN A 127.0.0.1"
cp "$EX/mta-sts.txt" "$W/.well-known/mta-sts.txt"
check "s_server serves the policy" serve_https right

fetch
check_eq "fetched policy, the build's: exit 0" 0 "$RC"
check_eq "fetched policy, the build's: no difference" \
    "$(sum_line 0 0 26 127.0.0.1)" "$(summary)"

sed '/^mx: mx2\./d' "$EX/mta-sts.txt" >"$W/.well-known/mta-sts.txt"
fetch
check_eq "fetched policy missing an MX: exit 1" 1 "$RC"
check_eq "fetched policy missing an MX: 2 differences" 2 "$(differences)"
found "fetched policy missing an MX: named, against the MX records and the build" \
    "$URL: the MTA-STS policy does not name MX mx2.$DOMAIN of $DOMAIN: senders that enforce it will not deliver there" \
    "$URL: the fetched MTA-STS policy lacks mx: mx2.$DOMAIN of the build's ($EX/mta-sts.txt:4)"

sed 's/^mode: .*/mode: enforce\r/' "$EX/mta-sts.txt" >"$W/.well-known/mta-sts.txt"
fetch
check_eq "fetched policy in another mode: 1 difference" 1 "$(differences)"
found "fetched policy in another mode: named" \
    "$URL:2: the fetched MTA-STS policy has mode: enforce, the build's mode: testing"

cp "$EX/mta-sts.txt" "$W/.well-known/mta-sts.txt"
dnscheck --server 127.0.0.1 --fetch-policy "$EX"
check_eq "fetched without the test CA: exit 1" 1 "$RC"
check "fetched without the test CA: a certificate error" \
    grep -q "^$URL: the MTA-STS policy could not be fetched: TLS handshake: certificate not valid for mta-sts.$DOMAIN: " "$T/out"

check "s_server serves the policy with another name's certificate" serve_https wrong
fetch
check_eq "certificate for another name: exit 1" 1 "$RC"
found "certificate for another name: a certificate error, named" \
    "$URL: the MTA-STS policy could not be fetched: TLS handshake: certificate not valid for mta-sts.$DOMAIN: hostname mismatch (127.0.0.1): whether it matches is not known"
check_eq "certificate for another name: unanswered, no difference" \
    "$(sum_line 0 1 26 127.0.0.1)" "$(summary)"
check "certificate for another name: nothing reported missing" nothing_missing

printf 'HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n\r\nno policy\r\n' \
    >"$W/.well-known/mta-sts.txt"
check "s_server answers 404" serve_https right -HTTP
fetch
found "HTTP status 404: a fetch failure, named" \
    "$URL: the MTA-STS policy could not be fetched: HTTP status 404: whether it matches is not known"
check "HTTP status 404: nothing reported missing" nothing_missing
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n' >"$W/.well-known/mta-sts.txt"
cat "$EX/mta-sts.txt" >>"$W/.well-known/mta-sts.txt"
check "s_server answers text/html" serve_https right -HTTP
fetch
found "another content type: a fetch failure, named" \
    "$URL: the MTA-STS policy could not be fetched: Content-Type is text/html, not text/plain: whether it matches is not known"

printf 'HTTP/1.0 200 OK\r\nContent-Type : text/plain\r\n\r\n' >"$W/.well-known/mta-sts.txt"
cat "$EX/mta-sts.txt" >>"$W/.well-known/mta-sts.txt"
check "s_server answers with a blank before a header's colon" serve_https right -HTTP
fetch
found "a blank before a header's colon: a fetch failure, named" \
    "$URL: the MTA-STS policy could not be fetched: a malformed HTTP response: blanks between a header's name and colon: whether it matches is not known"

# A server that hangs up without TLS close_notify and sends no
# Content-Length: the policy may be cut short, so it is not taken.
stop_https
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n' >"$T/cut.resp"
head -n 3 "$EX/mta-sts.txt" >>"$T/cut.resp"
(exec ip netns exec "$NS" python3 -c '
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 443))
ls.listen(1)
ls.settimeout(30)
c = ctx.wrap_socket(ls.accept()[0], server_side=True)
c.recv(4096)
c.sendall(open(sys.argv[3], "rb").read())
c.close()            # no unwrap(): no close_notify
' "$T/pki/right.pem" "$T/pki/right.key" "$T/cut.resp" >"$T/https.out" 2>&1) &
HTTPS_PID=$!
check "a server that hangs up without close_notify listens" wait_until 10 "it to listen" https_listens
fetch
found "no close_notify, no Content-Length: a fetch failure, named" \
    "$URL: the MTA-STS policy could not be fetched: the connection ended without TLS close_notify and the response has no Content-Length: it may be cut short: whether it matches is not known"
check "no close_notify: nothing reported missing" nothing_missing

stop_https
check "nothing listens on 443" sh -c "! ip netns exec $NS ss -Hlnt 'sport = :443' | grep -q ."
fetch
check_eq "nothing listens on 443: exit 1" 1 "$RC"
found "nothing listens on 443: a fetch failure, named" \
    "$URL: the MTA-STS policy could not be fetched: connect to 127.0.0.1 port 443: Connection refused (127.0.0.1): whether it matches is not known"
check_eq "nothing listens on 443: unanswered, no difference" \
    "$(sum_line 0 1 26 127.0.0.1)" "$(summary)"
check "nothing listens on 443: nothing reported missing" nothing_missing

# --- certificates, TLSA, DNSSEC ---------------------------------------------
TL=$T/tl
mkdir -p "$TL/keys" && cp -r "$TOP/examples/inkacoca/inkacoca.topology" \
    "$TOP/examples/inkacoca/users" "$TL/" || exit 1
for h in switch mx2; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$TL/$h.key" -out "$TL/$h.pem" -subj "/CN=$h.$DOMAIN" -days 30 \
        2>/dev/null || { fail "dnscheck: a test certificate"; exit 1; }
done
sed -i -e 's/^\( *address *10\.77\.0\.10\)$/\1\n    certificate switch.pem/' \
    -e 's/^\( *address *10\.77\.0\.20\)$/\1\n    certificate mx2.pem/' "$TL/inkacoca.topology"
"$M" build "$TL/inkacoca.topology" -o "$TL/build" >"$T/build-tl.out" 2>&1 ||
    { fail "dnscheck: the topology with certificates builds"; exit 1; }
TZ=$TL/build/dns.zone
check_eq "the build has two TLSA records" 2 "$(grep -c ' TLSA ' "$TZ")"
tlsa_sw=$(line_of "$TL/build" '^_25\._tcp\.switch\.')

# sign ZONE OUT: OUT is ZONE signed with a key-signing and a zone-signing
# key (made once); $TL/keys/anchor is the trust anchor (DS).
sign() {
    (
        cd "$TL/keys" || exit 1
        if [ ! -f anchor ]; then
            ksk=$(ldns-keygen -a ECDSAP256SHA256 -k "$DOMAIN") &&
                zsk=$(ldns-keygen -a ECDSAP256SHA256 "$DOMAIN") &&
                cp "$ksk.ds" anchor && echo "$ksk $zsk" >names || exit 1
        fi
        read -r ksk zsk <names
        ldns-signzone -f "$2" -o "$DOMAIN" "$1" "$zsk" "$ksk"
    )
}

{ zone_head; cat "$TZ"; } >"$T/tl.zone"
check "the zone with TLSA is signed (ldns-signzone)" sign "$T/tl.zone" "$T/tl.signed"
serve "$T/tl.signed"
dnscheck --server 127.0.0.1 --trust-anchor "$TL/keys/anchor" "$TL/build"
check_eq "signed, with the trust anchor: exit 0" 0 "$RC"
check_eq "signed, with the trust anchor: no difference" \
    "$(sum_line 0 0 28 127.0.0.1)" "$(summary)"

# other_first HEX: HEX with another first digit.
other_first() {
    case $1 in 0*) echo "1${1#?}" ;; *) echo "0${1#?}" ;; esac
}
good=$(sed -n 's/^_25\._tcp\.switch\..* 3 1 1 //p' "$TZ")
bad=$(other_first "$good")
sed "s/ $good\$/ $bad/" "$T/tl.zone" >"$T/tl-bad.zone"
check "the broken zone has the broken TLSA record" grep -q " $bad\$" "$T/tl-bad.zone"
check "the broken TLSA record differs from the good one" test "$good" != "$bad"
sign "$T/tl-bad.zone" "$T/tl-bad.signed" && serve "$T/tl-bad.signed"
dnscheck --server 127.0.0.1 --trust-anchor "$TL/keys/anchor" "$TL/build"
check_eq "TLSA mismatch: exit 1" 1 "$RC"
check_eq "TLSA mismatch: the only difference" "$(sum_line 1 0 28 127.0.0.1)" "$(summary)"
found "TLSA mismatch: named, with both digests" \
    "$TZ:$tlsa_sw: TLSA _25._tcp.switch.inkacoca.org does not match the certificate of switch.inkacoca.org ($TL/switch.pem): 3 1 1 $bad is published, the certificate's is 3 1 1 $good"

tlsa_mx2=$(line_of "$TL/build" '^_25\._tcp\.mx2\.')
serve "$T/tl.zone"
dnscheck --server 127.0.0.1 "$TL/build"
check_eq "TLSA on an unsigned zone: exit 1" 1 "$RC"
check_eq "TLSA on an unsigned zone: the two records, nothing else" \
    "$(sum_line 2 0 28 127.0.0.1)" "$(summary)"
found "TLSA on an unsigned zone: named, for each record" \
    "$TZ:$tlsa_sw: TLSA _25._tcp.switch.inkacoca.org is published in an unsigned zone (the answer is not DNSSEC-secure: no signatures, or no trust anchor for them): DANE senders ignore it" \
    "$TZ:$tlsa_mx2: TLSA _25._tcp.mx2.inkacoca.org is published in an unsigned zone (the answer is not DNSSEC-secure: no signatures, or no trust anchor for them): DANE senders ignore it"
dnscheck --server 127.0.0.1 --trust-anchor "$TL/keys/anchor" "$TL/build"
check_eq "unsigned zone, with the trust anchor: exit 1" 1 "$RC"
check "unsigned zone, with the trust anchor: bogus (the anchor says signed)" \
    grep -q "^$TZ:$mx1: MX inkacoca.org: DNSSEC validation failed (bogus): " "$T/out"

serve "$T/tl.signed"
dnscheck --server 127.0.0.1 "$TL/build"
check_eq "signed, no trust anchor: exit 1" 1 "$RC"
check_eq "signed, no trust anchor: the two TLSA records are insecure" \
    "$(sum_line 2 0 28 127.0.0.1)" "$(summary)"
found "signed, no trust anchor: named" \
    "$TZ:$tlsa_sw: TLSA _25._tcp.switch.inkacoca.org is published in an unsigned zone (the answer is not DNSSEC-secure: no signatures, or no trust anchor for them): DANE senders ignore it"

digest=$(awk '{ print $NF }' "$TL/keys/anchor")
sed "s/ $digest\$/ $(other_first "$digest")/" "$TL/keys/anchor" >"$T/wrong.ds"
check "the wrong anchor differs from the right one" sh -c "! cmp -s '$T/wrong.ds' '$TL/keys/anchor'"
dnscheck --server 127.0.0.1 --trust-anchor "$T/wrong.ds" "$TL/build"
check_eq "wrong trust anchor: exit 1" 1 "$RC"
check "wrong trust anchor: bogus answers, reported as such" \
    grep -q "^$TZ:$mx1: MX inkacoca.org: DNSSEC validation failed (bogus): " "$T/out"
check "wrong trust anchor: nothing reported missing or mismatched" \
    sh -c "! grep -E 'is not published|no .* record is|does not|another address|is published, ' '$T/out'"

# --- no answer ---------------------------------------------------------------
# A server for another zone refuses the questions: SERVFAIL.
printf '$TTL 60\nother.test. IN SOA ns.other.test. hostmaster.other.test. 1 60 60 600 60\nother.test. IN NS ns.other.test.\nns.other.test. IN A 127.0.0.1\n' >"$T/other.zone"
check "nsd serves another zone" serve "$T/other.zone" other.test
dnscheck --server 127.0.0.1 "$EX"
check_eq "refused: exit 1" 1 "$RC"
found "refused: SERVFAIL, named" \
    "$Z:$mx1: MX inkacoca.org: the server answered SERVFAIL: whether it is published is not known"
check_eq "refused: every question unanswered, no difference" \
    "$(sum_line 0 25 25 127.0.0.1)" "$(summary)"
check "refused: nothing reported missing" \
    sh -c "! grep -E 'is not published|no .* record is|does not|another address|is published, ' '$T/out'"

stop_nsd
dnscheck --server 127.0.0.1 --timeout 1 "$EX"
check_eq "nothing listens: exit 1" 1 "$RC"
check_eq "nothing listens: every question unanswered, no difference" \
    "$(sum_line 0 25 25 127.0.0.1)" "$(summary)"
check "nothing listens: nothing reported missing" \
    sh -c "! grep -E 'is not published|no .* record is|does not|another address|is published, ' '$T/out'"

# A server that takes the questions and never answers.
ip netns exec "$NS" python3 -c '
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.2", 53))
t = socket.socket(); t.bind(("127.0.0.2", 53)); t.listen(8)
time.sleep(120)' &
SILENT_PID=$!
silent_listens() {
    in_ns ss -Hlnu "src 127.0.0.2 and sport = :53" | grep -q .
}
check "a silent server listens" wait_until 10 "the silent server" silent_listens
dnscheck --server 127.0.0.2 --timeout 1 "$EX"
check_eq "silent server: exit 1" 1 "$RC"
found "silent server: timed out, named" \
    "$Z:$mx1: MX inkacoca.org: timed out (no answer within 1 s): whether it is published is not known"
check_eq "silent server: every question unanswered, no difference" \
    "$(sum_line 0 25 25 127.0.0.2)" "$(summary)"
check "silent server: nothing reported missing" \
    sh -c "! grep -E 'is not published|no .* record is|does not|another address|is published, ' '$T/out'"

# --- bounds and usage --------------------------------------------------------
serve "$T/clean.zone"
dnscheck --server 127.0.0.1 --max-queries 3 "$EX"
check_eq "query limit: exit 1" 1 "$RC"
found "query limit: the questions not asked are counted" \
    "$Z: 23 questions not asked: more than 3; what they would check is not known"
dnscheck
check_eq "no argument: exit 2" 2 "$RC"
dnscheck --timeout 0 "$EX"
check_eq "a bad timeout: exit 2" 2 "$RC"
dnscheck --server 127.0.0.1 "$T/nonexistent"
check_eq "no such topology: exit 2" 2 "$RC"
