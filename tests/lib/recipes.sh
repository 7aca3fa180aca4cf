# tests/lib/recipes.sh - the MTA recipes of examples/recipes as the tests
# use them: the recipe's own lines, with only the site's names and paths
# replaced, so that a test runs what an administrator would install.
# Source it with TOP set.
#
#   recipe_file MTA ROLE   the path of the recipe (MTA postfix or
#                          sendmail; ROLE switch, backup or branch)
#   recipe_postfix ROLE [KEY=VALUE...]
#                          the main.cf settings of postfix-ROLE.cf, one a
#                          line as "KEY = VALUE" (comments dropped,
#                          continuation lines joined), each KEY given
#                          here with its VALUE replaced; fails, naming
#                          it, when the recipe does not set a KEY
#   recipe_sendmail ROLE [SOCKET]
#                          the m4 lines of sendmail-ROLE.mc (dnl comment
#                          lines dropped); with SOCKET, the milter's S=
#                          is SOCKET
#   recipe_milter MTA ROLE KEY
#                          the values of KEY (map, mode, socket, ...) in
#                          the recipe's mailswitch-milter.conf comment
#                          block, one a line

recipe_file() {
    case $1 in
    postfix) echo "$TOP/examples/recipes/postfix-$2.cf" ;;
    sendmail) echo "$TOP/examples/recipes/sendmail-$2.mc" ;;
    *) echo "recipe_file: no MTA $1" >&2; return 1 ;;
    esac
}

recipe_postfix() {
    _rp_file=$(recipe_file postfix "$1") || return 1
    shift
    [ -r "$_rp_file" ] || { echo "recipe_postfix: no $_rp_file" >&2; return 1; }
    awk -v file="$_rp_file" '
        BEGIN {
            for (i = 1; i < ARGC; i++) {
                eq = index(ARGV[i], "=")
                key = ARGV[i]; sub(/=.*/, "", key)
                want[key] = substr(ARGV[i], eq + 1); used[key] = 0
                ARGV[i] = ""
            }
            ARGV[1] = file; ARGC = 2
        }
        function flush() {
            if (line == "") return
            key = line; sub(/[ \t]*=.*/, "", key)
            if (key in want) { line = key " = " want[key]; used[key] = 1 }
            print line; line = ""
        }
        /^[ \t]*#/ || /^[ \t]*$/ { next }
        /^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
        { flush(); line = $0 }
        END {
            flush()
            for (k in used) if (!used[k]) {
                print "recipe_postfix: " file " sets no " k > "/dev/stderr"; bad = 1
            }
            exit bad
        }' "$@"
}

recipe_sendmail() {
    _rs_file=$(recipe_file sendmail "$1") || return 1
    [ -r "$_rs_file" ] || { echo "recipe_sendmail: no $_rs_file" >&2; return 1; }
    if [ -n "${2:-}" ]; then
        grep -v '^dnl' "$_rs_file" | sed "s#S=[^,]*,#S=$2,#"
    else
        grep -v '^dnl' "$_rs_file"
    fi
}

recipe_milter() {
    _rm_file=$(recipe_file "$1" "$2") || return 1
    sed -n "s/^\\(#\\|dnl\\)  *$3  *= *//p" "$_rm_file"
}
