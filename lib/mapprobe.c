/*
 * mapprobe.c - read a map in a child process first, so that a file that
 * crashes Berkeley DB costs a child, not the milter or maptool.
 *
 * Exports map_probe() and map_open_probed(). The child opens the map
 * with map_open_readonly(), which reads every entry, then writes what
 * it found to a pipe: "ok DEV INO" or the reason it could not open the
 * map. The parent reads that, reaps the child and turns a
 * death by signal into a clear message. Only the forking thread exists
 * in the child; it uses nothing but the map code and exits with
 * _exit().
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "map.h"
#include "mapprobe.h"

#define PROBE_REPLY_MAX	600

/* The child: open, walk, say what happened on FD. */
static void probe_child(const char *path, int fd)
{
    char    reply[PROBE_REPLY_MAX], err[512];
    struct timespec mtime;
    dev_t   dev;
    ino_t   ino;
    MAP    *map;
    int     len;

    /* Opening reads every entry already: it notes each key's domain. */
    if ((map = map_open_readonly(path, err, sizeof(err))) == 0) {
	len = snprintf(reply, sizeof(reply), "no %s", err);
    } else {
	map_identity(map, &dev, &ino, &mtime);
	len = snprintf(reply, sizeof(reply), "ok %lu %lu", (unsigned long) dev,
		       (unsigned long) ino);
    }
    if (map)
	map_close(map);
    if (len > 0)
	(void) write(fd, reply, (size_t) len < sizeof(reply) ? (size_t) len
		     : sizeof(reply) - 1);
    _exit(0);
}

/* Everything the child wrote, up to EOF, into BUF. */
static void read_reply(int fd, char *buf, size_t len)
{
    size_t  n = 0;
    ssize_t r;

    while (n < len - 1) {
	if ((r = read(fd, buf + n, len - 1 - n)) < 0 && errno == EINTR)
	    continue;
	if (r <= 0)
	    break;
	n += (size_t) r;
    }
    buf[n] = 0;
}

static pid_t wait_child(pid_t pid, int *status)
{
    pid_t   r;

    while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR)
	 /* again */ ;
    return (r);
}

int     map_probe(const char *path, dev_t *dev, ino_t *ino, char *err,
		          size_t errlen)
{
    char    reply[PROBE_REPLY_MAX];
    unsigned long d, i;
    int     fds[2], status;
    pid_t   pid;

    if (pipe(fds) < 0) {
	snprintf(err, errlen, "%s: cannot check the map: pipe: %s", path,
		 strerror(errno));
	return (-1);
    }
    if ((pid = fork()) < 0) {
	snprintf(err, errlen, "%s: cannot check the map: fork: %s", path,
		 strerror(errno));
	close(fds[0]);
	close(fds[1]);
	return (-1);
    }
    if (pid == 0) {
	close(fds[0]);
	probe_child(path, fds[1]);
    }
    close(fds[1]);
    read_reply(fds[0], reply, sizeof(reply));
    close(fds[0]);
    if (wait_child(pid, &status) < 0) {
	snprintf(err, errlen, "%s: cannot check the map: waitpid: %s", path,
		 strerror(errno));
	return (-1);
    }
    if (WIFSIGNALED(status)) {
	snprintf(err, errlen, "%s: reading it crashed the Berkeley DB library "
		 "(%s): the file is corrupt", path, strsignal(WTERMSIG(status)));
	return (-1);
    }
    if (strncmp(reply, "no ", 3) == 0) {
	snprintf(err, errlen, "%s", reply + 3);
	return (-1);
    }
    if (sscanf(reply, "ok %lu %lu", &d, &i) != 2) {
	snprintf(err, errlen, "%s: cannot check the map: the check ended "
		 "without an answer", path);
	return (-1);
    }
    *dev = (dev_t) d;
    *ino = (ino_t) i;
    return (0);
}

MAP    *map_open_probed(const char *path, size_t cache, char *err, size_t errlen)
{
    dev_t   dev;
    ino_t   ino;

    if (map_probe(path, &dev, &ino, err, errlen) < 0)
	return (0);
    return (map_open_cached(path, cache, err, errlen));
}
