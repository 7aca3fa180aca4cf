/*
 * install.c - maptool install: put a compiled map in place atomically.
 *
 * Exports cmd_install() and install_map() (maptool build --follow's
 * --install). SRC must open as a map; it is copied to a
 * temporary file beside DEST, the copy is fsynced and opened again as a
 * map with the same number of entries, given DEST's owner and mode (or
 * SRC's mode when DEST is new), and renamed over DEST. A reader such as
 * mailswitch-milter sees the old map or the new one, never part of one,
 * and notices the new inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include "atomicfile.h"
#include "map.h"
#include "mapprobe.h"
#include "maptool.h"

static int count_entry(void *ctx, const char *key, const char *value)
{
    (void) key;
    (void) value;
    ++*(unsigned long *) ctx;
    return (0);
}

/* Open PATH as a map and count its entries; -1 with a message if bad. */
static int count_map(const char *path, unsigned long *n)
{
    char    err[512];
    MAP    *map;
    int     r;

    *n = 0;
    if ((map = map_open_probed(path, 0, err, sizeof(err))) == 0) {
	fprintf(stderr, "%s: install: %s\n", progname, err);
	return (-1);
    }
    if ((r = map_walk(map, count_entry, n)) != 0)
	fprintf(stderr, "%s: install: %s: cannot read every entry\n", progname, path);
    map_close(map);
    return (r ? -1 : 0);
}

static int copy_fd(int from, int to, const char *src, const char *temp)
{
    char    buf[1 << 16];
    ssize_t n, w, off;

    for (;;) {
	if ((n = read(from, buf, sizeof(buf))) < 0 && errno == EINTR)
	    continue;
	if (n < 0) {
	    fprintf(stderr, "%s: install: %s: %s\n", progname, src, strerror(errno));
	    return (-1);
	}
	if (n == 0)
	    return (0);
	for (off = 0; off < n; off += w)
	    if ((w = write(to, buf + off, n - off)) < 0 && errno != EINTR) {
		fprintf(stderr, "%s: install: %s: %s\n", progname, temp, strerror(errno));
		return (-1);
	    } else if (w < 0) {
		w = 0;
	    }
    }
}

int     cmd_install(int argc, char **argv)
{
    if (argc != 3 || argv[1][0] == '-') {
	usage_error("install: name SRC.db and DEST.db");
	return (EX_USAGE);
    }
    return (install_map(argv[1], argv[2]));
}

int     install_map(const char *src, const char *dest)
{
    struct stat sst, dst;
    unsigned long want, got;
    ATOMIC_FILE *af;
    char    err[512];
    int     fd;

    if (count_map(src, &want) < 0)
	return (EX_NOINPUT);
    if ((fd = open(src, O_RDONLY)) < 0 || fstat(fd, &sst) < 0) {
	fprintf(stderr, "%s: install: %s: %s\n", progname, src, strerror(errno));
	if (fd >= 0)
	    close(fd);
	return (EX_NOINPUT);
    }
    if (stat(dest, &dst) == 0 && dst.st_dev == sst.st_dev && dst.st_ino == sst.st_ino) {
	fprintf(stderr, "%s: install: %s and %s are the same file\n", progname,
		src, dest);
	close(fd);
	return (EX_USAGE);
    }
    if ((af = atomic_create(dest, err, sizeof(err))) == 0) {
	fprintf(stderr, "%s: install: %s\n", progname, err);
	close(fd);
	return (EX_CANTCREAT);
    }
    if (copy_fd(fd, atomic_fd(af), src, atomic_temp(af)) < 0
	|| fsync(atomic_fd(af)) < 0 || count_map(atomic_temp(af), &got) < 0) {
	close(fd);
	atomic_abort(af);
	return (EX_IOERR);
    }
    close(fd);
    if (got != want) {
	fprintf(stderr, "%s: install: the copy holds %lu entries, %s %lu: "
		"nothing installed\n", progname, got, src, want);
	atomic_abort(af);
	return (EX_IOERR);
    }
    if (atomic_commit(af, sst.st_mode & 07777, err, sizeof(err)) < 0) {
	fprintf(stderr, "%s: install: %s\n", progname, err);
	return (EX_IOERR);
    }
    return (0);
}
