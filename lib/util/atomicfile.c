/*
 * atomicfile.c - replace a file atomically, keeping its owner and mode.
 *
 * Exports atomic_create(), atomic_fd(), atomic_temp(), atomic_commit(),
 * atomic_abort() and atomic_sync_dir(). The new content goes to a
 * temporary file beside the target (".NAME.XXXXXX"); commit fsyncs it,
 * copies the target's owner and mode onto it, renames it over the target
 * and fsyncs the directory, so that after a crash the directory holds
 * the old file or the complete new one. The target must be a regular
 * file or absent: a symbolic link (or anything else) there is refused,
 * at create and again at commit, so that a link never lends the new
 * file its target's owner and mode. Used by lib/map.c's writer (maptool
 * compile, build) and maptool install.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "atomicfile.h"

struct ATOMIC_FILE {
    char   *path;			/* the file to replace */
    char   *temp;			/* the temporary file beside it */
    int     fd;
};

/* "DIR/.BASE.XXXXXX" for PATH "DIR/BASE" (or ".BASE.XXXXXX"). */
static char *temp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t  dirlen = slash ? (size_t) (slash - path) + 1 : 0;
    size_t  len = strlen(path) + 10;
    char   *temp = malloc(len);

    if (temp != 0)
	snprintf(temp, len, "%.*s.%s.XXXXXX", (int) dirlen, path,
		 path + dirlen);
    return (temp);
}

/*
 * PATH must be absent or a regular file: a symbolic link would be
 * replaced by the new file (rename does not follow it), and must not
 * lend it its target's owner and mode. Fills *ST; 1 when PATH exists.
 */
static int check_target(const char *path, struct stat *st, char *err,
			        size_t errlen)
{
    if (lstat(path, st) < 0) {
	if (errno == ENOENT)
	    return (0);
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return (-1);
    }
    if (S_ISLNK(st->st_mode)) {
	snprintf(err, errlen, "%s: is a symbolic link; refusing to replace "
		 "it (name the file it points to instead)", path);
	return (-1);
    }
    if (!S_ISREG(st->st_mode)) {
	snprintf(err, errlen, "%s: not a regular file; refusing to replace "
		 "it", path);
	return (-1);
    }
    return (1);
}

ATOMIC_FILE *atomic_create(const char *path, char *err, size_t errlen)
{
    ATOMIC_FILE *af;
    struct stat st;

    if (check_target(path, &st, err, errlen) < 0)
	return (0);

    if ((af = calloc(1, sizeof(*af))) == 0
	|| (af->path = strdup(path)) == 0
	|| (af->temp = temp_name(path)) == 0) {
	snprintf(err, errlen, "%s: out of memory", path);
	if (af)
	    free(af->path);
	free(af);
	return (0);
    }
    if ((af->fd = mkstemp(af->temp)) < 0) {
	snprintf(err, errlen, "%s: cannot create temporary file: %s",
		 af->temp, strerror(errno));
	free(af->temp);
	free(af->path);
	free(af);
	return (0);
    }
    return (af);
}

int     atomic_fd(const ATOMIC_FILE *af)
{
    return (af->fd);
}

const char *atomic_temp(const ATOMIC_FILE *af)
{
    return (af->temp);
}

/* The target's owner and mode, or FALLBACK (less the umask when -1). */
static int keep_attributes(ATOMIC_FILE *af, int fallback, char *err,
			           size_t errlen)
{
    struct stat st;
    mode_t  mask, mode;
    int     exists;

    if ((exists = check_target(af->path, &st, err, errlen)) < 0)
	return (-1);
    if (exists) {
	/* Only root may give a file away; others keep their own. */
	if (fchown(af->fd, st.st_uid, st.st_gid) < 0 && geteuid() == 0) {
	    snprintf(err, errlen, "%s: cannot keep owner: %s", af->temp,
		     strerror(errno));
	    return (-1);
	}
	mode = st.st_mode & 07777;
    } else if (fallback >= 0) {
	mode = fallback & 07777;
    } else {
	mask = umask(0);
	umask(mask);
	mode = 0666 & ~mask;
    }
    if (fchmod(af->fd, mode) < 0) {
	snprintf(err, errlen, "%s: cannot set mode %04o: %s", af->temp,
		 (unsigned) mode, strerror(errno));
	return (-1);
    }
    return (0);
}

int     atomic_sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char   *dir;
    int     fd, r = -1;

    if (slash == 0)
	dir = strdup(".");
    else if (slash == path)
	dir = strdup("/");
    else
	dir = strndup(path, slash - path);
    if (dir == 0)
	return (-1);
    if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
	r = fsync(fd);
	close(fd);
    }
    free(dir);
    return (r);
}

int     atomic_commit(ATOMIC_FILE *af, int fallback_mode, char *err,
		              size_t errlen)
{
    if (fsync(af->fd) < 0) {
	snprintf(err, errlen, "%s: fsync: %s", af->temp, strerror(errno));
	goto fail;
    }
    if (keep_attributes(af, fallback_mode, err, errlen) < 0)
	goto fail;
    if (close(af->fd) < 0) {
	af->fd = -1;
	snprintf(err, errlen, "%s: close: %s", af->temp, strerror(errno));
	goto fail;
    }
    af->fd = -1;
    if (rename(af->temp, af->path) < 0) {
	snprintf(err, errlen, "cannot rename %s to %s: %s", af->temp,
		 af->path, strerror(errno));
	goto fail;
    }
    free(af->temp);
    af->temp = 0;			/* it is the target now */
    if (atomic_sync_dir(af->path) < 0) {
	snprintf(err, errlen, "%s: cannot sync its directory: %s", af->path,
		 strerror(errno));
	goto fail;
    }
    atomic_abort(af);
    return (0);

fail:
    atomic_abort(af);
    return (-1);
}

void    atomic_abort(ATOMIC_FILE *af)
{
    if (af == 0)
	return;
    if (af->fd >= 0)
	close(af->fd);
    if (af->temp) {
	unlink(af->temp);
	free(af->temp);
    }
    free(af->path);
    free(af);
}
