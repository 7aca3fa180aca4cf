# tests/lib/topology.sh - the small topology the topology tests share.
#
# example_topology FILE [LINE...]
#     write FILE: domain example.test, a switch, a backup MX and two
#     branches, north and south, whose user lists are users/north and
#     users/south beside FILE (not written here); then each LINE.

example_topology() {
    _et=$1
    shift
    cat >"$_et" <<'EOT' || return 1
domain  example.test
switch  sw.example.test  priority 10  address 192.0.2.10
backup  mx2.example.test priority 20  address 192.0.2.20
branch  north host north-mail.example.test address 192.0.2.21 users users/north
branch  south host south-mail.example.test address 192.0.2.22 users users/south
EOT
    for _et_line in "$@"; do
        printf '%s\n' "$_et_line" >>"$_et" || return 1
    done
}
