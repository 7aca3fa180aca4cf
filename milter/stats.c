/*
 * stats.c - format, save and show the milter's counters.
 *
 * Exports stats_format(), stats_write() and stats_print(). The stats
 * file holds one "name value" pair a line: pid, started (Unix time),
 * updated, then each counter. It is replaced by rename, so a reader
 * never sees half of it; the temporary file beside it is created anew
 * (O_EXCL, O_NOFOLLOW), never opened through a link.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "stats.h"

static const char *const names[STATS_COUNT] = {
    "messages", "recipients", "rewritten", "rejected", "tempfailed",
    "reloads", "map_errors", "socketmap_connections", "socketmap_requests",
    "socketmap_ok", "socketmap_notfound", "socketmap_temp", "socketmap_perm",
};

static unsigned long get(STATS *stats, int c)
{
    return (atomic_load_explicit(&stats->count[c], memory_order_relaxed));
}

void    stats_format(STATS *stats, char *buf, size_t len)
{
    size_t  used = 0;
    int     c, n;

    buf[0] = 0;
    for (c = 0; c < STATS_COUNT && used < len; c++) {
	n = snprintf(buf + used, len - used, "%s%s=%lu", c ? " " : "",
		     names[c], get(stats, c));
	if (n < 0)
	    break;
	used += (size_t) n;
    }
}

static int write_all(int fd, const char *buf, size_t len)
{
    ssize_t n;

    while (len > 0) {
	if ((n = write(fd, buf, len)) < 0) {
	    if (errno == EINTR)
		continue;
	    return (-1);
	}
	buf += n;
	len -= (size_t) n;
    }
    return (0);
}

/*
 * A new, empty TMP: whatever had the name (a file left by a crash, or a
 * symbolic link someone planted) is removed, not followed, and the file
 * is created exclusively; -1 with errno.
 */
static int open_temp(const char *tmp)
{
    if (unlink(tmp) < 0 && errno != ENOENT)
	return (-1);
    return (open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		 0644));
}

int     stats_write(STATS *stats, const char *path, long started,
		            char *err, size_t errlen)
{
    char    tmp[4096], buf[1024];
    size_t  used;
    int     fd, c, n;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int) sizeof(tmp)) {
	snprintf(err, errlen, "%s: path too long", path);
	return (-1);
    }
    n = snprintf(buf, sizeof(buf), "pid %ld\nstarted %ld\nupdated %ld\n",
		 (long) getpid(), started, (long) time(0));
    for (used = (size_t) n, c = 0; c < STATS_COUNT; c++)
	used += (size_t) snprintf(buf + used, sizeof(buf) - used, "%s %lu\n",
				  names[c], get(stats, c));
    if ((fd = open_temp(tmp)) < 0) {
	snprintf(err, errlen, "%s: %s", tmp, errno == ELOOP || errno == EEXIST ?
		 "appeared while being replaced; not written" : strerror(errno));
	return (-1);
    }
    if (write_all(fd, buf, used) < 0) {
	snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	(void) close(fd);
	(void) unlink(tmp);
	return (-1);
    }
    if (close(fd) < 0) {
	snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	(void) unlink(tmp);
	return (-1);
    }
    if (rename(tmp, path) < 0) {
	snprintf(err, errlen, "rename %s to %s: %s", tmp, path,
		 strerror(errno));
	(void) unlink(tmp);
	return (-1);
    }
    return (0);
}

int     stats_print(const char *path, char *err, size_t errlen)
{
    char    buf[4096];
    size_t  n;
    FILE   *fp;

    if ((fp = fopen(path, "r")) == 0) {
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return (-1);
    }
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
	fwrite(buf, 1, n, stdout);
    if (ferror(fp)) {
	snprintf(err, errlen, "%s: read error", path);
	fclose(fp);
	return (-1);
    }
    fclose(fp);
    return (fflush(stdout) == 0 ? 0 : -1);
}
