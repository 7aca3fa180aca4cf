#!/bin/sh
# t-progress.sh - the progress line of maptool (lib/util/progress.c): on
# a terminal, once the work has taken a second, one line on standard
# error, redrawn in place and blanked at the end; never on a pipe or in
# a file. Two compiles are held up by FIFOs that the test writes their
# table into only once the one on a terminal (script(1) gives it one)
# shows its line, so that both have worked for more than a second and
# nothing depends on speed.
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/wait.sh"

M=$MAPTOOL
cd "$T" || exit 1
printf 'a@x.test\tb@y.test\n' >table
mkfifo tty.in file.in
exec 3<>file.in 4<>tty.in	# writers, so that the readers' opens do not block

"$M" compile -o file.db - <file.in 2>file.err 3>&- 4>&- &
fpid=$!
script -qfec "$M compile -o tty.db - <tty.in" tty.out >/dev/null 2>&1 3>&- 4>&- &
spid=$!
wait_until 10 "the progress line" grep -q 'maptool compile: reading\.\.\. [0-9]* s' tty.out
check_rc "on a terminal: the line shows while compile waits for its input" 0 \
    grep -q 'maptool compile: reading\.\.\. [0-9]* s' tty.out
cat table >&3
cat table >&4
exec 3>&- 4>&-
wait "$fpid"
check_rc "in a file: compile exits 0" 0 test -s file.db
check_eq "in a file: nothing on standard error, after more than a second" "" "$(cat file.err)"
wait_until 10 "compile on the terminal to finish" pid_gone "$spid"
wait "$spid"
check_eq "on a terminal: compile went on and wrote the map" \
    "$(printf 'a@x.test\tforward\tb@y.test')" "$("$M" query tty.db a@x.test)"
check "the line is redrawn in place (carriage returns, no newline)" \
    sh -c '! grep -q "reading\.\.\. [0-9]* s\$" tty.out && tr -d -c "\r" <tty.out | grep -q .'
check "and blanked at the end (a return, blanks over it, a return)" \
    sh -c 'tr "\r" "\n" <tty.out | grep -q "^ \{20,\}\$"'
