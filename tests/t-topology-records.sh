#!/bin/sh
# t-topology-records.sh - the records maptool build writes besides the
# routes: SPF, DMARC, TLS-RPT, MTA-STS (record and policy file) and TLSA,
# each compared with what it must say, and every error the topology
# statements behind them can make.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/topology.sh"

M=$MAPTOOL
cd "$T" || exit 1

# topo DIR [LINES...]: a small topology in DIR, with LINES added.
topo() {
    _d=$1; shift
    mkdir -p "$_d/users"
    example_topology "$_d/t.topology" "$@"
    printf 'ana\nbruno\n' >"$_d/users/north"
    printf 'carla\n' >"$_d/users/south"
}

build() {
    "$M" build "$1/t.topology" -o "$1/out" >"$1.out" 2>"$1.err"
}

# txt DIR NAME: the text of NAME's TXT record in DIR/out/dns.zone, its
# strings joined; the first record only.
txt() {
    awk -v n="$2." '$1 == n && $3 == "TXT" {
        s = $0; sub(/^[^"]*/, "", s); out = ""
        while (match(s, /"[^"]*"/)) {
            out = out substr(s, RSTART + 1, RLENGTH - 2); s = substr(s, RSTART + RLENGTH)
        }
        print out; exit }' "$1/out/dns.zone"
}

# count DIR NAME TYPE: how many NAME TYPE records DIR/out/dns.zone has.
count() {
    awk -v n="$2." -v t="$3" '$1 == n && $3 == t { c++ } END { print c + 0 }' \
        "$1/out/dns.zone"
}

# spki_digest CERT: the TLSA 3 1 1 digest, as openssl computes it.
spki_digest() {
    openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER |
        sha256sum | cut -d' ' -f1
}

# cert FILE CN: a self-signed certificate (the key is not needed).
cert() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$1.key" -out "$1" -subj "/CN=$2" -days 30 2>/dev/null
}

# --- the defaults: SPF only ----------------------------------------------
topo plain
check_rc "a topology without the new statements builds" 0 build plain
check_eq "SPF lists every server by address, ~all by default" \
    "v=spf1 ip4:192.0.2.10 ip4:192.0.2.20 ip4:192.0.2.21 ip4:192.0.2.22 ~all" \
    "$(txt plain example.test)"
check_eq "one SPF record" 1 "$(count plain example.test TXT)"
check_eq "no DMARC, TLS-RPT, MTA-STS or TLSA unless asked" "0 0 0 0" \
    "$(count plain _dmarc.example.test TXT) $(count plain _smtp._tls.example.test TXT) $(count plain _mta-sts.example.test TXT) $(grep -c TLSA plain/out/dns.zone)"
check "no mta-sts.txt without mta-sts" test ! -e plain/out/mta-sts.txt

# --- everything asked for --------------------------------------------------
have_openssl=yes
command -v openssl >/dev/null 2>&1 || have_openssl=
topo full "spf-include _spf.news.example mail.partner.example" \
    "spf-policy -all" "dmarc reject rua mailto:dmarc@example.test" \
    "mta-sts enforce max-age 86400" "tls-rpt mailto:tls@example.test"
if [ -n "$have_openssl" ]; then
    cert full/sw.pem sw.example.test
    cert full/north.pem north-mail.example.test
    sed -i -e '/^switch/s/$/ certificate sw.pem/' \
        -e '/^branch  north/s/$/ certificate north.pem/' full/t.topology
fi
check_rc "a topology with every record builds" 0 build full
check_eq "SPF: servers, then the includes, then -all" \
    "v=spf1 ip4:192.0.2.10 ip4:192.0.2.20 ip4:192.0.2.21 ip4:192.0.2.22 include:_spf.news.example include:mail.partner.example -all" \
    "$(txt full example.test)"
check_eq "DMARC at _dmarc" "v=DMARC1; p=reject; rua=mailto:dmarc@example.test" \
    "$(txt full _dmarc.example.test)"
check_eq "TLS-RPT at _smtp._tls" "v=TLSRPTv1; rua=mailto:tls@example.test" \
    "$(txt full _smtp._tls.example.test)"
check_eq "the MTA-STS policy lists every MX host, lines ending in CRLF" \
    "$(printf 'version: STSv1\r\nmode: enforce\r\nmx: sw.example.test\r\nmx: mx2.example.test\r\nmax_age: 86400\r\n')" \
    "$(cat full/out/mta-sts.txt)"
id=$(txt full _mta-sts.example.test)
check_eq "the MTA-STS id is a digest of the policy" \
    "v=STSv1; id=$(sha256sum <full/out/mta-sts.txt | cut -c1-32)" "$id"
if [ -n "$have_openssl" ]; then
    check_eq "TLSA 3 1 1 of the switch's key, as openssl computes it" \
        "3 1 1 $(spki_digest full/sw.pem)" \
        "$(awk '$1 == "_25._tcp.sw.example.test." && $3 == "TLSA" { print $4, $5, $6, $7 }' full/out/dns.zone)"
    check_eq "TLSA of the branch's key" "3 1 1 $(spki_digest full/north.pem)" \
        "$(awk '$1 == "_25._tcp.north-mail.example.test." && $3 == "TLSA" { print $4, $5, $6, $7 }' full/out/dns.zone)"
    check_eq "no TLSA for servers without a certificate" 2 "$(grep -c ' TLSA ' full/out/dns.zone)"
else
    skip "TLSA records" "no openssl command"
fi
check_eq "the build with every record verifies" 5 "$(grep -c '^proved ' full.out)"

# The MTA-STS id changes exactly when the policy does.
printf 'dario\n' >>full/users/south
build full
check_eq "a new user: same policy, same id" "$id" "$(txt full _mta-sts.example.test)"
sed -i 's/max-age 86400/max-age 86401/' full/t.topology
build full
id2=$(txt full _mta-sts.example.test)
check "another max_age: another id" test "$id2" != "$id"
sed -i 's/^backup .*/&\nbackup  mx3.example.test priority 30 address 192.0.2.30/' full/t.topology
build full
check "a new MX: another id" test "$(txt full _mta-sts.example.test)" != "$id2"
check "...and the policy names it" grep -q '^mx: mx3.example.test' full/out/mta-sts.txt
check_eq "...and SPF lists its address" 1 "$(txt full example.test | grep -c 'ip4:192.0.2.30 ')"

# --- SPF terms: IPv6, networks, repeats, servers without addresses --------
topo v6 "spf-network 192.0.2.0/25" \
    "branch  east host east.other.example address 2001:db8::25 address 192.0.2.200 users users/east" \
    "branch  west host west.other.example users users/west"
printf 'erik\n' >v6/users/east
printf 'fina\n' >v6/users/west
sed -i 's/^switch .*/& address 192.0.2.10/' v6/t.topology
check_rc "networks, IPv6 and servers without an address build" 0 build v6
check_eq "covered addresses give way to their network; ip6:, a:HOST" \
    "v=spf1 ip4:192.0.2.0/25 ip6:2001:db8::25 ip4:192.0.2.200 a:west.other.example ~all" \
    "$(txt v6 example.test)"

topo dup "switch  sw2.example.test priority 10 address 192.0.2.10 address 192.0.2.11"
check_rc "two servers sharing an address build" 0 build dup
check_eq "an address is listed once" \
    "v=spf1 ip4:192.0.2.10 ip4:192.0.2.11 ip4:192.0.2.20 ip4:192.0.2.21 ip4:192.0.2.22 ~all" \
    "$(txt dup example.test)"

# --- a long record is cut into strings of at most 255 octets -----------------
# add_backups NAME N: N more backup MX hosts, each with an IPv6 address.
add_backups() {
    _i=1
    while [ $_i -le "$2" ]; do
        printf 'backup  b%d.example.test priority 30 address 2001:db8:4000::%d\n' \
            $_i $_i >>"$1/t.topology"
        _i=$((_i + 1))
    done
}
topo long
add_backups long 14
check_rc "a record over 255 octets builds" 0 build long
strings=$(grep '^example.test\. .* TXT' long/out/dns.zone | grep -o '"[^"]*"')
check_eq "it is cut into two strings" 2 "$(printf '%s\n' "$strings" | wc -l)"
check_eq "no string is over 255 octets" "" \
    "$(printf '%s\n' "$strings" | awk 'length($0) - 2 > 255')"
check "the first string ends at a space, between terms" \
    test "$(printf '%s\n' "$strings" | head -1 | tail -c 3)" = ' "'
want="v=spf1 ip4:192.0.2.10 ip4:192.0.2.20"
i=1
while [ $i -le 14 ]; do want="$want ip6:2001:db8:4000::$i"; i=$((i + 1)); done
check_eq "joined, the strings are the record (switches, backups, branches)" \
    "$want ip4:192.0.2.21 ip4:192.0.2.22 ~all" "$(txt long example.test)"

# --- errors: nothing is written ------------------------------------------------
expect_error() {
    if build "$1"; then fail "$1: build fails"; else pass "$1: build fails"; fi
    if grep -qE "$2" "$1.err"; then
        pass "$1: reported as wanted"
    else
        fail "$1: reported as wanted"
        sed 's/^/#   /' "$1.err" >&8
    fi
    check "$1: nothing written" test ! -e "$1/out"
}

topo lookups "spf-include a1.example a2.example a3.example a4.example a5.example" \
    "branch  far host far.other.example users users/far" \
    "spf-include a6.example a7.example a8.example a9.example a10.example"
printf 'gil\n' >lookups/users/far
expect_error lookups "^lookups/t.topology:6: the SPF record of example.test needs 11 DNS lookups, more than the 10"
topo toolong
add_backups toolong 26
expect_error toolong "^toolong/t.topology:1: the SPF record of example.test is [0-9]+ octets, too long for one DNS answer"
topo policy "spf-policy +all"
expect_error policy "^policy/t.topology:6: spf-policy \+all: -all \(fail\) or ~all"
topo policy2 "spf-policy -all" "spf-policy ~all"
expect_error policy2 "^policy2/t.topology:7: spf-policy given twice \(first at line 6\)"
topo include "spf-include bad..example"
expect_error include "^include/t.topology:6: spf-include bad..example has an empty or over-long label"
topo include2 "spf-include a.example" "spf-include include:a.example"
expect_error include2 "^include2/t.topology:7: spf-include a.example given twice"
topo network "spf-network 192.0.2.0/33 2001:db8::/129 192.0.2.1"
expect_error network "^network/t.topology:6: spf-network 192.0.2.0/33 is not"
check_eq "network: every bad network named" 3 "$(grep -c 'is not an IPv4 or IPv6 network' network.err)"
topo dmarc "dmarc strict"
expect_error dmarc "^dmarc/t.topology:6: dmarc strict: the policy is none, quarantine or reject"
topo dmarcrua "dmarc none rua dmarc@example.test"
expect_error dmarcrua "^dmarcrua/t.topology:6: dmarc rua dmarc@example.test: a mailto:ADDRESS"
topo dmarcword "dmarc none ruf mailto:x@example.test"
expect_error dmarcword "^dmarcword/t.topology:6: dmarc takes a policy, then optionally rua"
topo dmarc2 "dmarc none" "dmarc reject"
expect_error dmarc2 "^dmarc2/t.topology:7: dmarc given twice \(first at line 6\)"
topo sts "mta-sts strict"
expect_error sts "^sts/t.topology:6: mta-sts strict: the mode is enforce, testing or none"
topo stsage "mta-sts testing max-age 31557601"
expect_error stsage "^stsage/t.topology:6: mta-sts max-age 31557601: seconds, from 0 to 31557600"
topo stsword "mta-sts testing ttl 5"
expect_error stsword "^stsword/t.topology:6: mta-sts takes a mode, then optionally max-age"
topo rpt "tls-rpt tls@example.test"
expect_error rpt "^rpt/t.topology:6: tls-rpt tls@example.test: a mailto:ADDRESS or https:// URI"
topo nocert
sed -i '/^switch/s/$/ certificate missing.pem/' nocert/t.topology
expect_error nocert "^nocert/t.topology:2: certificate nocert/missing.pem: No such file"
topo notpem
echo 'not a certificate' >notpem/junk.pem
sed -i '/^switch/s/$/ certificate junk.pem/' notpem/t.topology
expect_error notpem "^notpem/t.topology:2: certificate notpem/junk.pem: no PEM certificate"
topo certtwice
sed -i '/^switch/s/$/ certificate a.pem certificate b.pem/' certtwice/t.topology
expect_error certtwice "^certtwice/t.topology:2: certificate given twice"

if [ -n "$have_openssl" ]; then
    topo outside "branch  far host far.other.example users users/far certificate far.pem"
    printf 'gil\n' >outside/users/far
    cert outside/far.pem far.other.example
    check_rc "a certificate of a host outside the domain: the build goes on" 0 build outside
    check "...with a warning" grep -q "^outside/t.topology:6: warning: far.other.example is not in example.test: publish its TLSA record in its own zone" outside.err
    check_eq "...and no TLSA record here" 0 "$(grep -c TLSA outside/out/dns.zone)"
else
    skip "a certificate outside the domain" "no openssl command"
fi

# --- maptool verify checks the records against the topology --------------------
# broken NAME SED-ON-ZONE [SED-ON-POLICY]: a copy of the full build with
# its records changed, verified into NAME.verify.
rm -rf full/out
build full
broken() {
    rm -rf "$1" && cp -r full/out "$1"
    sed -i "$2" "$1/dns.zone"
    [ -z "$3" ] || sed -i "$3" "$1/mta-sts.txt"
    "$M" verify -t full/t.topology "$1" >"$1.verify" 2>&1
}
# expect_problem NAME ERE: verify fails, names the problem, and says so.
expect_problem() {
    if grep -qE "$2" "$1.verify"; then
        pass "verify $1: names the problem"
    else
        fail "verify $1: names the problem"
        sed 's/^/#   /' "$1.verify" >&8
    fi
    check "verify $1: the build is not consistent" \
        grep -q '^FAILED   the build is consistent' "$1.verify"
}
check_rc "the full build verifies" 0 "$M" verify -t full/t.topology full/out >full.verify 2>&1
check_eq "...with no problem" 0 "$(grep -cE '^FAILED|dns\.zone|mta-sts\.txt' full.verify)"

broken nospfaddr '/^example.test\..*TXT/s/ ip4:192.0.2.21//'
expect_problem nospfaddr "dns.zone:[0-9]+: the SPF record of example.test does not pass 192.0.2.21, the address of branch north-mail.example.test \(full/t.topology:5\)"
broken spftwice '/^example.test\..*TXT/p'
expect_problem spftwice "dns.zone:[0-9]+: a second SPF record for example.test \(the first at line [0-9]+\)"
broken nospf '/^example.test\..*TXT/d'
expect_problem nospf "dns.zone: no SPF record for example.test"
broken noinclude '/^example.test\..*TXT/s/ include:_spf.news.example//'
expect_problem noinclude "the SPF record of example.test does not include _spf.news.example \(full/t.topology:7\)"
broken lookups '/^example.test\..*TXT/s/ -all/ a mx include:a.example include:b.example include:c.example include:d.example include:e.example include:f.example include:g.example -all/'
expect_problem lookups "the SPF record of example.test needs 11 DNS lookups, more than 10"
broken stsmx '' '/^mx: mx2/d'
expect_problem stsmx "mta-sts.txt: the MTA-STS policy does not name MX mx2.example.test \(.*dns.zone:[0-9]+\)"
expect_problem stsmx "dns.zone:[0-9]+: the MTA-STS id is stale: the policy's digest is [0-9a-f]{32}"
check_eq "verify stsmx: the wildcard and the other MX are not named" 1 \
    "$(grep -c 'does not name MX' stsmx.verify)"
broken stswild '' 's/^mx: mx2.example.test/mx: *.example.test/'
check_eq "verify stswild: *.example.test names the MX" 0 "$(grep -c 'does not name MX' stswild.verify)"
broken stsid 's/id=[0-9a-f]\{8\}/id=00000000/'
expect_problem stsid "the MTA-STS id is stale"
broken nopolicy ''
rm nopolicy/mta-sts.txt
"$M" verify -t full/t.topology nopolicy >nopolicy.verify 2>&1
expect_problem nopolicy "nopolicy/mta-sts.txt: no MTA-STS policy"
broken nostsrec '/^_mta-sts/d'
expect_problem nostsrec "dns.zone: no MTA-STS record \(_mta-sts.example.test\)"
broken nodmarc '/^_dmarc/d'
expect_problem nodmarc "no DMARC record at _dmarc.example.test \(full/t.topology:9 asks for it\)"
broken norpt '/^_smtp._tls/d'
expect_problem norpt "no TLS-RPT record at _smtp._tls.example.test \(full/t.topology:11 asks for it\)"
if [ -n "$have_openssl" ]; then
    # The digest's first digit changed: to 1 where it is 0, else to 0
    # (the certificate is new each run, so either may come).
    broken tlsa '/^_25._tcp.sw/{s/ 3 1 1 0/ 3 1 1 1/;t;s/ 3 1 1 ./ 3 1 1 0/}'
    check "verify tlsa: the record was changed" \
        sh -c '! cmp -s full/out/dns.zone tlsa/dns.zone'
    expect_problem tlsa "no TLSA record at _25._tcp.sw.example.test matches the certificate of switch sw.example.test \(full/t.topology:2\)"
    cert full/sw.pem sw.example.test
    "$M" verify -t full/t.topology full/out >renewed.verify 2>&1
    expect_problem renewed "no TLSA record at _25._tcp.sw.example.test matches"
else
    skip "TLSA verification" "no openssl command"
fi

# --- routes.dot: a picture of the paths mail takes ------------------------------
check "routes.dot is written" test -s plain/out/routes.dot
if command -v dot >/dev/null 2>&1; then
    check_rc "dot reads routes.dot" 0 dot -Tsvg full/out/routes.dot -o full.svg
    sed -i 's/&#45;/-/g; s/&gt;/>/g' full.svg
    for h in sw.example.test mx2.example.test mx3.example.test \
        north-mail.example.test south-mail.example.test; do
        check "the picture has a node for $h" grep -q "<title>$h</title>" full.svg
    done
    check "a branch is drawn with its name and users" \
        grep -q '>branch north (2 users)<' full.svg
    check_eq "the MX priorities are drawn" "3" \
        "$(grep -cE '>example.test MX (10|20|30)<' full.svg)"
    check "outside -> switch" grep -qF '<title>the internet->sw.example.test</title>' full.svg
    check "backup -> switch" grep -qF '<title>mx2.example.test->sw.example.test</title>' full.svg
    check "switch -> branch" grep -qF '<title>sw.example.test->north-mail.example.test</title>' full.svg
    check "branch -> switch" grep -qF '<title>south-mail.example.test->sw.example.test</title>' full.svg
    check "outside -> branch, by its subdomain's MX" grep -qF '<title>the internet->north-mail.example.test</title>' full.svg
else
    skip "routes.dot drawn by dot" "no dot command (Debian graphviz)"
fi
