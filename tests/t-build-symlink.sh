#!/bin/sh
# t-build-symlink.sh - maptool build when its build directory or the
# stage beside it is swapped for a symbolic link while it runs, as anyone
# who may write to the directory holding them could do to a build run by
# root: the build is refused with a message naming what was swapped, the
# link's target is untouched, and nothing is removed through the link.
# The swap is made at the last moment: a small preloaded library runs it
# when maptool asks the kernel to exchange the two directories.
. "$TOP/tests/lib/tap.sh"

M=$MAPTOOL
cd "$T" || exit 1

cat >race.c <<'EOF'
/* Run the shell command $BUILD_RACE once, before the first renameat2(). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*RENAMEAT2_FN) (int, const char *, int, const char *, unsigned);

int     renameat2(int olddirfd, const char *oldpath, int newdirfd,
		          const char *newpath, unsigned flags)
{
    RENAMEAT2_FN real = (RENAMEAT2_FN) dlsym(RTLD_NEXT, "renameat2");
    char   *cmd = getenv("BUILD_RACE");

    if (cmd && (cmd = strdup(cmd)) != 0) {
	unsetenv("BUILD_RACE");
	unsetenv("LD_PRELOAD");
	if (system(cmd) != 0)
	    fprintf(stderr, "race: %s: failed\n", cmd);
	free(cmd);
    }
    return (real(olddirfd, oldpath, newdirfd, newpath, flags));
}
EOF
if ! ${CC:-cc} -shared -fPIC -o race.so race.c -ldl 2>race.err; then
    skip "a swapped build directory is refused" "cannot build a preload library"
    exit 0
fi

mkdir -p t/users
cat >t/t.topology <<'EOF'
domain  example.test
switch  sw.example.test  priority 10  address 192.0.2.10
branch  north host north-mail.example.test address 192.0.2.21 users users/north
role postmaster ana
EOF
printf 'ana\nbruno\n' >t/users/north

# fresh: victim (what the links point at, to stay as it is) and a first
# build in out; then a change, so that the next build replaces it.
fresh() {
    rm -rf out out.real victim stage.moved .out.build.*
    mkdir victim
    echo precious >victim/keep
    chmod 700 victim
    printf 'ana\nbruno\n' >t/users/north
    "$M" build t/t.topology -o out >first.out 2>&1 || { fail "a first build"; exit 1; }
    printf 'carla\n' >>t/users/north
}
victim_state() {
    printf '%s %s %s' "$(stat -c %a victim)" "$(ls -A victim | tr '\n' ' ')" \
        "$(cat victim/keep)"
}
before="700 keep  precious"

# race NAME COMMAND: build into out, running COMMAND at the exchange.
race() {
    BUILD_RACE=$2 LD_PRELOAD=$T/race.so "$M" build t/t.topology -o out \
        >"$1.out" 2>"$1.err"
}

# The build directory becomes a link to victim just before the exchange.
fresh
race dirlink 'mv out out.real && ln -s victim out'
check_eq "a build directory swapped for a link: the build is refused" 73 $?
check "the message names it and says it is a link" \
    grep -q "build: out was replaced by a symbolic link during the build" dirlink.err
check_eq "the link's target is untouched" "$before" "$(victim_state)"
check "the link is left as it was" test -L out -a "$(readlink out)" = victim
check_eq "the new build is not left behind" "" "$(ls -A | grep '\.build\.')"

# The stage becomes a link to victim just before the exchange.
fresh
race stagelink 's=$(ls -d .out.build.*) && mv "$s" stage.moved && ln -s victim "$s"'
check_eq "a stage swapped for a link: the build is refused" 73 $?
check "the message names the stage and says it is a link" \
    grep -q "build: \.out\.build\.[A-Za-z0-9]*, where this build was made, was replaced by a symbolic link" stagelink.err
check_eq "the link's target is untouched" "$before" "$(victim_state)"
check "the build directory is still the old build" test -d out -a ! -L out -a -s out/servers
check_eq "and still routes as before" "$(printf 'carla@example.test\tnone')" \
    "$("$M" query out/north.db carla@example.test)"
check_eq "the stage, moved away, was emptied" "" "$(ls -A stage.moved)"
check "the planted link is left as it was" test -L "$(ls -d .out.build.*)"
