/*
 * daemon.c - privileges, pid file and detaching.
 *
 * Exports daemon_user(), daemon_drop(), daemon_pidfile_open(),
 * daemon_pidfile_write(), daemon_pidfile_remove(), daemon_detach(),
 * daemon_ready(), daemon_close_inherited() and daemon_thread_stacks().
 * The pid file is opened and locked (flock) before the fork and before
 * privileges are dropped, so it may live in a directory only root can
 * write; the lock passes to the child with the descriptor. A symbolic link, a file that is not a plain
 * file, or one with other hard links is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "daemon.h"

int     daemon_user(const char *user, const char *group, DAEMON_USER *who,
		            char *err, size_t errlen)
{
    struct passwd *pw;
    struct group *gr;

    memset(who, 0, sizeof(*who));
    who->uid = geteuid();
    who->gid = getegid();
    if (user) {
	errno = 0;
	if ((pw = getpwnam(user)) == 0) {
	    snprintf(err, errlen, "unknown user \"%s\"", user);
	    return (-1);
	}
	who->uid = pw->pw_uid;
	who->gid = pw->pw_gid;
	who->name = (char *) user;
    }
    if (group) {
	if ((gr = getgrnam(group)) == 0) {
	    snprintf(err, errlen, "unknown group \"%s\"", group);
	    return (-1);
	}
	who->gid = gr->gr_gid;
    }
    if (geteuid() != 0 && (who->uid != geteuid() || who->gid != getegid())) {
	snprintf(err, errlen, "user/group set, but only root can switch "
		 "to them (running as uid %ld)", (long) geteuid());
	return (-1);
    }
    return (0);
}

int     daemon_drop(const DAEMON_USER *who, char *err, size_t errlen)
{
    if (geteuid() != 0)
	return (0);
    if (who->name && initgroups(who->name, who->gid) < 0) {
	snprintf(err, errlen, "initgroups %s: %s", who->name, strerror(errno));
	return (-1);
    }
    if (who->name == 0 && setgroups(1, &who->gid) < 0) {
	snprintf(err, errlen, "setgroups: %s", strerror(errno));
	return (-1);
    }
    if (setgid(who->gid) < 0 || setuid(who->uid) < 0) {
	snprintf(err, errlen, "cannot become uid %ld gid %ld: %s",
		 (long) who->uid, (long) who->gid, strerror(errno));
	return (-1);
    }
    if (who->uid != 0 && setuid(0) == 0) {
	snprintf(err, errlen, "could regain root after dropping it");
	return (-1);
    }
    return (0);
}

/*
 * The pid file is opened as root, in a directory the run-as user may
 * own: never through a symbolic link, and only a plain file with one
 * name, so that nobody can point it at a file root would then truncate
 * and overwrite.
 */
static int pidfile_refuse(int fd, const char *path, char *err, size_t errlen)
{
    struct stat st;

    if (fstat(fd, &st) < 0) {
	snprintf(err, errlen, "pid file %s: %s", path, strerror(errno));
	return (-1);
    }
    if (!S_ISREG(st.st_mode)) {
	snprintf(err, errlen, "pid file %s: not a regular file; refusing "
		 "to use it", path);
	return (-1);
    }
    if (st.st_nlink > 1) {
	snprintf(err, errlen, "pid file %s: has %lu hard links; refusing "
		 "to use it", path, (unsigned long) st.st_nlink);
	return (-1);
    }
    return (0);
}

int     daemon_pidfile_open(const char *path, char *err, size_t errlen)
{
    char    buf[32];
    ssize_t n;
    int     fd;

    if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK
		   | O_NOCTTY | O_CLOEXEC, 0644)) < 0) {
	if (errno == ELOOP)
	    snprintf(err, errlen, "pid file %s: is a symbolic link; "
		     "refusing to follow it", path);
	else
	    snprintf(err, errlen, "pid file %s: %s", path, strerror(errno));
	return (-1);
    }
    if (pidfile_refuse(fd, path, err, errlen) < 0) {
	close(fd);
	return (-1);
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	snprintf(err, errlen, "already running (pid %s, pid file %s is "
		 "locked)", buf[0] ? buf : "unknown", path);
	close(fd);
	return (-1);
    }
    return (fd);
}

int     daemon_pidfile_write(int fd, char *err, size_t errlen)
{
    char    buf[32];
    int     n;

    n = snprintf(buf, sizeof(buf), "%ld\n", (long) getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t) n, 0) != n) {
	snprintf(err, errlen, "pid file: %s", strerror(errno));
	return (-1);
    }
    return (0);
}

void    daemon_pidfile_remove(const char *path, int fd)
{
    if (fd < 0)
	return;
    /* Unprivileged, we may not unlink it; then at least empty it. */
    if (unlink(path) < 0)
	(void) ftruncate(fd, 0);
    close(fd);
}

/* In the parent: wait for the child's word, then exit. */
static void parent_wait(int fd, pid_t child)
{
    char    c;
    ssize_t n;
    int     status;

    do {
	n = read(fd, &c, 1);
    } while (n < 0 && errno == EINTR);
    if (n == 1)
	_exit(0);
    (void) waitpid(child, &status, 0);
    _exit(1);
}

static int null_stdio(int keep_stderr)
{
    int     fd;

    if ((fd = open("/dev/null", O_RDWR)) < 0)
	return (-1);
    (void) dup2(fd, 0);
    (void) dup2(fd, 1);
    if (!keep_stderr)
	(void) dup2(fd, 2);
    if (fd > 2)
	close(fd);
    return (0);
}

int     daemon_detach(char *err, size_t errlen)
{
    int     pipefd[2];
    pid_t   pid;

    if (pipe2(pipefd, O_CLOEXEC) < 0) {
	snprintf(err, errlen, "pipe: %s", strerror(errno));
	return (-1);
    }
    fflush(0);
    if ((pid = fork()) < 0) {
	snprintf(err, errlen, "fork: %s", strerror(errno));
	close(pipefd[0]);
	close(pipefd[1]);
	return (-1);
    }
    if (pid > 0) {
	close(pipefd[1]);
	parent_wait(pipefd[0], pid);
    }
    close(pipefd[0]);
    if (setsid() < 0 || chdir("/") < 0 || null_stdio(1) < 0) {
	snprintf(err, errlen, "detach: %s", strerror(errno));
	close(pipefd[1]);
	return (-1);
    }
    return (pipefd[1]);
}

void    daemon_ready(int fd)
{
    if (fd < 0)
	return;
    (void) null_stdio(0);
    if (write(fd, "1", 1) < 0) {
	/* The parent is gone: nothing to tell. */
    }
    close(fd);
}

/*
 * Every thread (libmilter starts a worker whenever a connection has
 * work and none is idle, and lets it go again soon after) gets a 256 KB
 * stack instead of one of RLIMIT_STACK's size, usually 8 MB. The deepest
 * path, a resolve through patterns and a log line, needs well under 64
 * KB. With small stacks glibc's stack cache keeps the pool's stacks
 * instead of unmapping and mapping one per new worker. A sanitizer build
 * keeps the default: its instrumentation needs far more stack.
 */
#define DAEMON_THREAD_STACK	(256 * 1024)

int     daemon_thread_stacks(char *err, size_t errlen)
{
#ifndef __SANITIZE_ADDRESS__
    pthread_attr_t attr;
    int     r;

    if ((r = pthread_attr_init(&attr)) == 0) {
	if ((r = pthread_attr_setstacksize(&attr, DAEMON_THREAD_STACK)) == 0)
	    r = pthread_setattr_default_np(&attr);
	(void) pthread_attr_destroy(&attr);
    }
    if (r != 0) {
	snprintf(err, errlen, "cannot set the thread stack size: %s",
		 strerror(r));
	return (-1);
    }
#else
    (void) err;
    (void) errlen;
#endif
    return (0);
}

void    daemon_close_inherited(void)
{
    int     fd, max = (int) sysconf(_SC_OPEN_MAX);

    if (close_range(3, ~0U, 0) == 0)
	return;
    for (fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
	(void) close(fd);
}
