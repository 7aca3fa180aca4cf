# tests/lib/nsd.sh - what the tests that run nsd share: the head of a
# zone and nsd's configuration, everything in one directory of the
# test's own (no chroot, no user switch, no control socket).

# nsd_zone_head DOMAIN NS_ADDRESS: the SOA, and an NS record naming
# ns.DOMAIN at NS_ADDRESS, on stdout.
nsd_zone_head() {
    printf '$TTL 60\n%s. IN SOA ns.%s. hostmaster.%s. 1 60 60 600 60\n' "$1" "$1" "$1"
    printf '%s. IN NS ns.%s.\nns.%s. IN A %s\n' "$1" "$1" "$1" "$2"
}

# nsd_conf DIR ADDRESS ZONE ZONEFILE [ZONE ZONEFILE]...: nsd.conf on
# stdout for nsd on ADDRESS port 53, serving each ZONE from
# DIR/ZONEFILE, its state in DIR.
nsd_conf() {
    _nc_dir=$1 _nc_ip=$2
    shift 2
    cat <<EOC
# nsd.conf written by tests/lib/nsd.sh
server:
    ip-address: $_nc_ip
    port: 53
    username: ""
    chroot: ""
    zonesdir: "$_nc_dir"
    zonelistfile: "$_nc_dir/zone.list"
    xfrdfile: "$_nc_dir/xfrd.state"
    xfrdir: "$_nc_dir"
    pidfile: "$_nc_dir/nsd.pid"
    logfile: "$_nc_dir/nsd.log"
    database: ""
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
EOC
    while [ $# -ge 2 ]; do
        printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n' "$1" "$2"
        shift 2
    done
}
