/*
 * builddir.c - the output directory of maptool build, and its stage.
 *
 * Exports builddir_open(), builddir_stage(), builddir_replace(),
 * builddir_remove_stage() and builddir_close(). DIR's parent is opened
 * once, when DIR is checked; from then on DIR and the stage are reached
 * only by name in that open parent, and opened with O_NOFOLLOW. Before
 * and after the exchange both names must still lead to the directories
 * checked and made (same device and inode): a name swapped for a
 * symbolic link, as whoever may write to the parent could do while a
 * build runs as root, is refused, the exchange undone, and nothing is
 * removed through it. Removal opens the directory without following a
 * link, checks it is the one meant, and unlinks its files relative to
 * it.
 *
 * The build's files are still written through the stage's path (the
 * table writers and Berkeley DB take paths); a stage swapped while they
 * run is refused before it can replace DIR.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "builddir.h"
#include "maptool.h"

#define STAGE_TRIES	100		/* names tried before giving up */

/* Does NAME in PARENT lead, without a link, to the directory ST? */
static int same_dir(int parent, const char *name, const struct stat *st)
{
    struct stat now;

    return (fstatat(parent, name, &now, AT_SYMLINK_NOFOLLOW) == 0
	    && S_ISDIR(now.st_mode) && now.st_dev == st->st_dev
	    && now.st_ino == st->st_ino);
}

/* What NAME in PARENT now is, for a message. */
static const char *what_is(int parent, const char *name)
{
    struct stat now;

    if (fstatat(parent, name, &now, AT_SYMLINK_NOFOLLOW) < 0)
	return (errno == ENOENT ? "gone" : "out of reach");
    return (S_ISLNK(now.st_mode) ? "a symbolic link" : S_ISDIR(now.st_mode) ?
	    "another directory" : "another file");
}

/* Unlink every entry of the open directory FD (files only); closes FD. */
static int empty_dir(int fd)
{
    DIR    *d;
    struct dirent *e;
    int     r = 0;

    if ((d = fdopendir(fd)) == 0) {
	close(fd);
	return (-1);
    }
    while ((e = readdir(d)) != 0) {
	if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
	    continue;
	if (unlinkat(dirfd(d), e->d_name, 0) < 0)
	    r = -1;
    }
    closedir(d);
    return (r);
}

/* Remove NAME in PARENT and its files, if it is still the directory ST. */
static int remove_dir_at(int parent, const char *name, const struct stat *st)
{
    struct stat now;
    int     fd, r;

    if ((fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
	return (errno == ENOENT ? 0 : -1);
    if (fstat(fd, &now) < 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
	close(fd);
	return (-1);
    }
    r = empty_dir(fd);
    if (unlinkat(parent, name, AT_REMOVEDIR) < 0)
	r = -1;
    return (r);
}

/* Split DIR into the parent to open (*PARENT) and its last component. */
static int split_dir(BUILD_DIR *bd, char **parent)
{
    char   *copy = strdup(bd->dir), *slash;
    size_t  len;

    *parent = 0;
    if (copy == 0)
	return (-1);
    while ((len = strlen(copy)) > 1 && copy[len - 1] == '/')
	copy[len - 1] = 0;
    if ((slash = strrchr(copy, '/')) == 0) {
	bd->name = copy;
	*parent = strdup(".");
    } else {
	bd->name = strdup(slash + 1);
	slash[slash == copy] = 0;		/* "/x": the root */
	*parent = copy;
    }
    return (*parent && bd->name ? 0 : -1);
}

/* DIR as it is: new, or a directory that is empty or an earlier build. */
static int check_dir(BUILD_DIR *bd)
{
    struct stat st;
    DIR    *d;
    struct dirent *e;
    int     fd, empty = 1;

    if (fstatat(bd->parent_fd, bd->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
	if (errno == ENOENT)
	    return (0);
	fprintf(stderr, "%s: build: %s: %s\n", progname, bd->dir, strerror(errno));
	return (-1);
    }
    if (S_ISLNK(st.st_mode)) {
	fprintf(stderr, "%s: build: %s is a symbolic link: name the directory "
		"itself (it is replaced as a whole)\n", progname, bd->dir);
	return (-1);
    }
    if (!S_ISDIR(st.st_mode)) {
	fprintf(stderr, "%s: build: %s is not a directory\n", progname, bd->dir);
	return (-1);
    }
    if ((bd->dir_fd = openat(bd->parent_fd, bd->name, O_RDONLY | O_DIRECTORY
			     | O_NOFOLLOW | O_CLOEXEC)) < 0
	|| fstat(bd->dir_fd, &bd->dir_st) < 0) {
	fprintf(stderr, "%s: build: %s: %s\n", progname, bd->dir, strerror(errno));
	return (-1);
    }
    if (bd->dir_st.st_dev != st.st_dev || bd->dir_st.st_ino != st.st_ino) {
	fprintf(stderr, "%s: build: %s changed while it was checked\n",
		progname, bd->dir);
	return (-1);
    }
    if (faccessat(bd->dir_fd, "servers", F_OK, 0) == 0)
	return (0);
    if ((fd = dup(bd->dir_fd)) < 0 || (d = fdopendir(fd)) == 0) {
	if (fd >= 0)
	    close(fd);
	fprintf(stderr, "%s: build: %s: %s\n", progname, bd->dir, strerror(errno));
	return (-1);
    }
    while ((e = readdir(d)) != 0)
	if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
	    empty = 0;
    closedir(d);
    if (!empty) {
	fprintf(stderr, "%s: build: %s holds files but no earlier build "
		"(no servers file): refusing to replace it\n", progname, bd->dir);
	return (-1);
    }
    return (0);
}

int     builddir_open(BUILD_DIR *bd, const char *dir)
{
    char   *parent = 0;

    memset(bd, 0, sizeof(*bd));
    bd->dir = dir;
    bd->parent_fd = bd->dir_fd = bd->stage_fd = -1;
    if (split_dir(bd, &parent) < 0) {
	fprintf(stderr, "%s: out of memory\n", progname);
	return (-1);
    }
    if (*bd->name == 0 || strcmp(bd->name, ".") == 0
	|| strcmp(bd->name, "..") == 0) {
	fprintf(stderr, "%s: build: %s: name the build directory by its own "
		"name (it is replaced as a whole)\n", progname, dir);
	free(parent);
	return (-1);
    }
    if ((bd->parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
	fprintf(stderr, "%s: build: cannot make a directory beside %s: %s\n",
		progname, dir, strerror(errno));
	free(parent);
	return (-1);
    }
    free(parent);
    return (check_dir(bd));
}

/* A fresh name ".NAME.build.XXXXXX" in BUF. */
static void new_stage_name(const BUILD_DIR *bd, char *buf, size_t len)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char rnd[6];
    char    tail[sizeof(rnd) + 1];
    size_t  i;

    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t) sizeof(rnd)) {
	unsigned long seed = (unsigned long) time(0) ^ ((unsigned long) getpid() << 16)
	^ (unsigned long) clock();

	for (i = 0; i < sizeof(rnd); i++, seed = seed * 6364136223846793005UL + 1)
	    rnd[i] = (unsigned char) (seed >> 33);
    }
    for (i = 0; i < sizeof(rnd); i++)
	tail[i] = chars[rnd[i] % (sizeof(chars) - 1)];
    tail[i] = 0;
    snprintf(buf, len, ".%s.build.%s", bd->name, tail);
}

int     builddir_stage(BUILD_DIR *bd)
{
    size_t  len = strlen(bd->name) + 24, dlen = strlen(bd->dir);
    const char *slash;
    int     tries;

    if ((bd->stage_name = malloc(len)) == 0 || (bd->stage = malloc(dlen + len)) == 0) {
	fprintf(stderr, "%s: out of memory\n", progname);
	return (-1);
    }
    for (tries = 1; /* void */ ; tries++) {
	new_stage_name(bd, bd->stage_name, len);
	if (mkdirat(bd->parent_fd, bd->stage_name, 0777) == 0)
	    break;
	if (errno != EEXIST || tries == STAGE_TRIES) {
	    fprintf(stderr, "%s: build: cannot make a directory beside %s: %s\n",
		    progname, bd->dir, strerror(errno));
	    return (-1);
	}
    }
    if ((bd->stage_fd = openat(bd->parent_fd, bd->stage_name, O_RDONLY
			       | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0
	|| fstat(bd->stage_fd, &bd->stage_st) < 0) {
	fprintf(stderr, "%s: build: cannot make a directory beside %s: %s\n",
		progname, bd->dir, strerror(errno));
	return (-1);
    }
    if (bd->stage_st.st_uid != geteuid()) {
	fprintf(stderr, "%s: build: %s was replaced as soon as it was made: "
		"refusing to write to it\n", progname, bd->stage_name);
	return (-1);
    }
    /* The path the writers use: DIR's own prefix, then the stage. */
    while (dlen > 1 && bd->dir[dlen - 1] == '/')
	dlen--;
    slash = memrchr(bd->dir, '/', dlen);
    snprintf(bd->stage, dlen + len, "%.*s%s", slash ? (int) (slash - bd->dir + 1) : 0,
	     bd->dir, bd->stage_name);
    return (0);
}

/* The stage takes DIR's mode, and its owner when we may. */
static void keep_owner_and_mode(BUILD_DIR *bd)
{
    if (bd->dir_fd < 0)
	return;
    if ((geteuid() == 0 && fchown(bd->stage_fd, bd->dir_st.st_uid, bd->dir_st.st_gid) < 0)
	|| fchmod(bd->stage_fd, bd->dir_st.st_mode & 07777) < 0)
	fprintf(stderr, "%s: warning: %s: cannot keep the owner and mode of "
		"%s: %s\n", progname, bd->stage, bd->dir, strerror(errno));
}

/*
 * Are the stage and DIR still the directories made and checked, under
 * their names, or (EXCHANGED) under each other's? Says what is wrong
 * when not.
 */
static int still_ours(const BUILD_DIR *bd, int exchanged)
{
    const char *stage_at = exchanged ? bd->name : bd->stage_name;
    const char *dir_at = exchanged ? bd->stage_name : bd->name;
    struct stat st;

    if (!same_dir(bd->parent_fd, stage_at, &bd->stage_st)) {
	fprintf(stderr, "%s: build: %s, where this build was made, was "
		"replaced by %s: refusing to put it in place of %s\n", progname,
		bd->stage, what_is(bd->parent_fd, stage_at), bd->dir);
	return (0);
    }
    if (bd->dir_fd >= 0 ? !same_dir(bd->parent_fd, dir_at, &bd->dir_st) :
	!exchanged && fstatat(bd->parent_fd, dir_at, &st, AT_SYMLINK_NOFOLLOW) == 0) {
	fprintf(stderr, "%s: build: %s was replaced by %s during the build: "
		"refusing to replace it\n", progname, bd->dir,
		what_is(bd->parent_fd, dir_at));
	return (0);
    }
    return (1);
}

static void warn_old_build_left(const BUILD_DIR *bd, const char *suffix)
{
    fprintf(stderr, "%s: warning: cannot remove the old build, now %s%s\n",
	    progname, bd->stage, suffix);
}

/*
 * Without RENAME_EXCHANGE (an old kernel, some file systems): move DIR
 * aside, the new build in, and the old one out. DIR is briefly absent.
 * Returns -2 after a message of its own.
 */
static int replace_in_steps(BUILD_DIR *bd)
{
    char    aside[NAME_MAX + 1];
    int     p = bd->parent_fd;

    snprintf(aside, sizeof(aside), "%s.old", bd->stage_name);
    if (renameat(p, bd->name, p, aside) < 0)
	return (-1);
    if (!same_dir(p, aside, &bd->dir_st)) {
	fprintf(stderr, "%s: build: %s was replaced by %s during the build: "
		"refusing to replace it\n", progname, bd->dir, what_is(p, aside));
	(void) renameat(p, aside, p, bd->name);
	return (-2);
    }
    if (renameat(p, bd->stage_name, p, bd->name) < 0) {
	(void) renameat(p, aside, p, bd->name);
	return (-1);
    }
    if (remove_dir_at(p, aside, &bd->dir_st) < 0)
	warn_old_build_left(bd, ".old");
    return (0);
}

/* The stage to DIR's name, where there was no DIR. */
static int move_in(BUILD_DIR *bd)
{
    int     p = bd->parent_fd;

    if (renameat2(p, bd->stage_name, p, bd->name, RENAME_NOREPLACE) < 0
	&& (errno != EINVAL || renameat(p, bd->stage_name, p, bd->name) < 0))
	return (-1);
    if (!still_ours(bd, 1)) {
	(void) renameat2(p, bd->name, p, bd->stage_name, RENAME_NOREPLACE);
	return (-2);
    }
    return (0);
}

/* The stage and DIR trade places; what was swapped in goes back. */
static int exchange(BUILD_DIR *bd)
{
    int     p = bd->parent_fd;

    if (renameat2(p, bd->stage_name, p, bd->name, RENAME_EXCHANGE) < 0)
	return (errno == EINVAL || errno == ENOSYS ? replace_in_steps(bd) : -1);
    if (!still_ours(bd, 1)) {
	if (renameat2(p, bd->stage_name, p, bd->name, RENAME_EXCHANGE) < 0)
	    fprintf(stderr, "%s: build: cannot undo the exchange of %s and %s: "
		    "%s\n", progname, bd->stage, bd->dir, strerror(errno));
	return (-2);
    }
    if (remove_dir_at(p, bd->stage_name, &bd->dir_st) < 0)
	warn_old_build_left(bd, "");
    return (0);
}

int     builddir_replace(BUILD_DIR *bd)
{
    int     r;

    keep_owner_and_mode(bd);
    if (!still_ours(bd, 0))
	return (-1);
    if ((r = bd->dir_fd < 0 ? move_in(bd) : exchange(bd)) == -1)
	fprintf(stderr, "%s: build: cannot move %s to %s: %s\n", progname,
		bd->stage, bd->dir, strerror(errno));
    if (r < 0)
	return (-1);
    (void) fsync(bd->parent_fd);
    return (0);
}

int     builddir_remove_stage(BUILD_DIR *bd)
{
    int     fd;

    if (bd->stage_fd < 0)
	return (0);
    if (remove_dir_at(bd->parent_fd, bd->stage_name, &bd->stage_st) == 0)
	return (0);
    /* Its name leads elsewhere: empty the directory we made, wherever. */
    if ((fd = openat(bd->stage_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
	(void) empty_dir(fd);
    return (-1);
}

void    builddir_close(BUILD_DIR *bd)
{
    if (bd->stage_fd >= 0)
	close(bd->stage_fd);
    if (bd->dir_fd >= 0)
	close(bd->dir_fd);
    if (bd->parent_fd >= 0)
	close(bd->parent_fd);
    free(bd->stage_name);
    free(bd->stage);
    free(bd->name);
    memset(bd, 0, sizeof(*bd));
    bd->parent_fd = bd->dir_fd = bd->stage_fd = -1;
}
