#!/bin/sh
# t-completion.sh - the bash completion of maptool and mailswitch-milter
# (doc/completion/): sourced in bash, it offers the commands, each
# command's options and the files each takes; the milter's -o keys are
# the configuration's own.
. "$TOP/tests/lib/tap.sh"
cd "$T" || exit 1
mkdir -p d
: >d/a.topology >d/b.db >d/c.txt

# complete FILE WORD...: what bash offers for the last WORD (may be empty).
complete_words() {
    _file=$1; shift
    bash -c '
        . "$1"; shift
        fn=$(complete -p "$1" | sed "s/.*-F \([^ ]*\) .*/\1/")
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        "$fn"
        printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' sh "$_file" "$@"
}
MT=$TOP/doc/completion/maptool
MS=$TOP/doc/completion/mailswitch-milter

check_eq "maptool: commands starting with c" "check compile " "$(complete_words "$MT" maptool c)"
check_eq "maptool: every command of --help" \
    "$("$MAPTOOL" --help | awk '$1 == "maptool" && $2 !~ /^-/ { print $2 }' | sort | tr '\n' ' ')" \
    "$(complete_words "$MT" maptool '' | tr ' ' '\n' | grep -v '^-' | grep . | tr '\n' ' ')"
check_eq "maptool diff: its option" "-a " "$(complete_words "$MT" maptool diff -)"
check_eq "maptool compile -t: the map types" "btree hash " "$(complete_words "$MT" maptool compile -t '')"
check_eq "maptool build: topologies (and directories)" "d/a.topology " \
    "$(complete_words "$MT" maptool build d/)"
check_eq "maptool build: the follower's long options" "--follow " \
    "$(complete_words "$MT" maptool build --f)"
check_eq "maptool query: a map first" "d/b.db " "$(complete_words "$MT" maptool query d/)"
check_eq "mailswitch-milter: long options" "--set --socket --stats " \
    "$(complete_words "$MS" mailswitch-milter --s)"
check_eq "mailswitch-milter -m: maps" "d/b.db " "$(complete_words "$MS" mailswitch-milter -m d/)"
keys=$(sed -n 's/^    {"\([a-z_]*\)", set_.*/\1=/p' "$TOP/milter/config.c" | sort | tr '\n' ' ')
check_eq "mailswitch-milter -o: every configuration key" "$keys" \
    "$(complete_words "$MS" mailswitch-milter -o '')"
