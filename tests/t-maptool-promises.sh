#!/bin/sh
# t-maptool-promises.sh - what maptool(8) promises and no other test
# checks: query -H (the hop limit), verify -p ("N more problems not
# shown"), and a build on a file system that cannot exchange directories
# (the previous build moved aside, then the new one in).

. "$TOP/tests/lib/tap.sh"

M=$MAPTOOL
[ -x "$M" ] || { fail "maptool built"; exit 1; }
cd "$T" || exit 1
tab=$(printf '\t')

# --- query -H --------------------------------------------------------------------
printf 'h1@h.test h2@h.test\nh2@h.test h3@h.test\nh3@h.test h4@h.test\n' >hops.vut
"$M" compile hops.vut || fail "compile hops.vut"
check_eq "-H 2: a chain of three rewrites is a loop, 451 4.4.6" \
    "h1@h.test${tab}reject${tab}451${tab}4.4.6${tab}Mail routing loop: too many hops: h1@h.test -> h2@h.test -> h3@h.test -> h4@h.test" \
    "$("$M" query -H 2 hops.vut.db h1@h.test)"
check_eq "-H 3: the same chain is followed to its end" \
    "h1@h.test${tab}forward${tab}h4@h.test" "$("$M" query -H 3 hops.vut.db h1@h.test)"
check_eq "--hops 3: the long form" \
    "h1@h.test${tab}forward${tab}h4@h.test" "$("$M" query --hops 3 hops.vut.db h1@h.test)"
check_rc "-H 0 is a usage error" 64 "$M" query -H 0 hops.vut.db h1@h.test 2>/dev/null
check_rc "-H 101 is a usage error" 64 "$M" query -H 101 hops.vut.db h1@h.test 2>/dev/null

# --- verify -p -----------------------------------------------------------------------
mkdir -p topo/users
cat >topo/t.topology <<'EOF'
domain  example.test
switch  sw.example.test  priority 10  address 192.0.2.10
branch  north host north-mail.example.test address 192.0.2.21 subdomain north.example.test users users/north
branch  south host south-mail.example.test address 192.0.2.22 subdomain south.example.test users users/south
role postmaster ana
EOF
printf 'ana\nbruno\ncarlos\ndora\n' >topo/users/north
printf 'carla\nemil\nfede\n' >topo/users/south
check_rc "a small topology builds" 0 "$M" build topo/t.topology -o good >good.out 2>&1
# Without the domain's catch-all, every unknown name passes the switch:
# many problems.
rm -rf broken && cp -r good broken && sed -i '/^@example.test/d' broken/domain.vut &&
    "$M" compile -o broken/domain.db broken/domain.vut || fail "break the build"
"$M" verify broken >p-default.out 2>&1
check_eq "verify: exit 65 for the problems" 65 $?
shown=$(grep -c '^problem' p-default.out)
more=$(sed -n 's/^(\([0-9]*\) more problems not shown)$/\1/p' p-default.out)
echo "# $shown problems shown, ${more:-no} more"
check_eq "verify: 20 problems shown by default" 20 "$shown"
check "verify: and how many more there are" test "${more:-0}" -gt 0
"$M" verify -p 2 broken >p2.out 2>&1
check_eq "verify -p 2: two problems shown" 2 "$(grep -c '^problem' p2.out)"
check_eq "verify -p 2: the others counted, not shown" "($((shown + more - 2)) more problems not shown)" \
    "$(grep 'more problems not shown' p2.out)"
"$M" verify -p 0 broken >p0.out 2>&1
check_eq "verify -p 0: exit 65 all the same" 65 $?
check_eq "verify -p 0: no problem shown" 0 "$(grep -c '^problem' p0.out)"
check_eq "verify -p 0: all counted" "($((shown + more)) more problems not shown)" \
    "$(grep 'more problems not shown' p0.out)"

# --- a file system that cannot exchange directories -------------------------------
# A preloaded renameat2 that refuses every flag as such a file system does
# (EINVAL; for RENAME_EXCHANGE, ENOENT first when the target is missing),
# and notes each call.
cat >noexchange.c <<'EOF'
/* renameat2() as on a file system without RENAME_EXCHANGE. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

int     renameat2(int olddirfd, const char *oldpath, int newdirfd,
		          const char *newpath, unsigned int flags)
{
    const char *log = getenv("NOEXCHANGE_LOG");
    FILE   *fp;

    if (log && (fp = fopen(log, "a")) != 0) {
	fprintf(fp, "renameat2 %s %u\n", newpath, flags);
	fclose(fp);
    }
    if (flags == 0)
	return (renameat(olddirfd, oldpath, newdirfd, newpath));
    if ((flags & RENAME_EXCHANGE)
	&& faccessat(newdirfd, newpath, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
	errno = ENOENT;
    else
	errno = EINVAL;
    return (-1);
}
EOF
if ! command -v "${CC:-cc}" >/dev/null 2>&1 ||
    ! "${CC:-cc}" -shared -fPIC -o noexchange.so noexchange.c 2>cc.err; then
    fail "build the renameat2 stand-in"
    sed 's/^/#   /' cc.err
elif grep -q __asan_init "$M"; then
    echo "# no exchange test: $M is built with AddressSanitizer (no preloading)"
else
    noex() { LD_PRELOAD=$T/noexchange.so NOEXCHANGE_LOG=$T/noexchange.log "$@"; }
    check_rc "no exchange: a first build is made" 0 noex "$M" build topo/t.topology -o nx \
        >nx1.out 2>&1
    printf 'gert\n' >>topo/users/south
    ino=$(stat -c %i nx)
    check_rc "no exchange: a rebuild replaces the build all the same" 0 \
        noex "$M" build topo/t.topology -o nx >nx2.out 2>&1
    check "no exchange: the exchange was tried, and refused" \
        grep -q '^renameat2 .*nx ' noexchange.log
    check_eq "no exchange: the new build is in place" \
        "gert@example.test${tab}forward${tab}gert@south.example.test" \
        "$("$M" query nx/switch.db gert@example.test)"
    check "no exchange: it is a new directory" test "$(stat -c %i nx)" != "$ino"
    check_eq "no exchange: neither the stage nor the previous build is left" "" \
        "$(ls -a | grep '^\.nx\.build\.')"
    check "no exchange: no warning" sh -c '! grep -q warning nx2.out'
fi
