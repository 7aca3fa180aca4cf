/*
 * msg.c - diagnostics for mailswitch-milter.
 *
 * Exports msg_open(), msg_logfile(), msg_reopen(), msg_detach(),
 * msg_close(), msg_info(), msg_warn(), msg_error() and msg_facility().
 * Before msg_open() everything goes to standard error only; after it, to
 * syslog and, until msg_detach(), to standard error as well. When
 * nothing listens on the syslog socket at msg_open(), syslog is left out
 * (glibc would otherwise try to connect again for every line).
 *
 * msg_logfile() adds a file: every line is appended to it as well, with
 * a time stamp and the process id, in one write() (O_APPEND), so lines
 * of different threads never mix. msg_reopen() opens the path again
 * (after logrotate renamed the file) and puts the new file in place of
 * the old one with dup2(), under the same descriptor number: a thread
 * writing at that moment writes to one file or the other, whole.
 * Safe to call from any thread; msg_logfile() and msg_reopen() from one
 * thread at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <paths.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "msg.h"

static const char *msg_ident = "mailswitch-milter";
static int msg_syslog;			/* syslog is open */
static int msg_stderr = 1;		/* copy to standard error */
static atomic_int msg_fd = -1;		/* the log file, or -1 */
static char msg_path[PATH_MAX];		/* its name, for msg_reopen() */

static const struct {
    const char *name;
    int     value;
} facilities[] = {
    {"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
    {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
    {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

int     msg_facility(const char *name)
{
    size_t  i;

    for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
	if (strcmp(name, facilities[i].name) == 0)
	    return (facilities[i].value);
    return (-1);
}

/* Does anything listen on the syslog socket? 0, or an errno value. */
static int syslog_unreachable(void)
{
    static const int types[] = {SOCK_DGRAM, SOCK_STREAM};
    struct sockaddr_un sun;
    size_t  i;
    int     fd, err = 0;

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strncpy(sun.sun_path, _PATH_LOG, sizeof(sun.sun_path) - 1);
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
	if ((fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0)) < 0)
	    return (errno);
	err = connect(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0 ? errno : 0;
	(void) close(fd);
	if (err != EPROTOTYPE)
	    break;
    }
    return (err);
}

/*
 * Is standard error systemd's journal (the unit's output)? Then syslog
 * reaches the journal already, and a copy to standard error would show
 * every line twice.
 */
static int stderr_is_journal(void)
{
    const char *stream = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    return (stream && sscanf(stream, "%llu:%llu", &dev, &ino) == 2
	    && fstat(2, &st) == 0 && (unsigned long long) st.st_dev == dev
	    && (unsigned long long) st.st_ino == ino);
}

void    msg_open(const char *ident, int facility, int to_stderr)
{
    int     err;

    msg_ident = ident;
    msg_stderr = to_stderr;
    if ((err = syslog_unreachable()) != 0) {
	msg_warn("syslog socket %s: %s; logging to standard error only",
		 _PATH_LOG, strerror(err));
	return;
    }
    openlog(ident, LOG_PID | LOG_NDELAY, facility);
    msg_syslog = 1;
    if (stderr_is_journal())
	msg_stderr = 0;
}

/*
 * Open PATH for appending, as the calling user: created 0640 if absent,
 * never through a symbolic link, a regular file only. -1 with a reason.
 */
static int open_log(const char *path, char *err, size_t errlen)
{
    struct stat st;
    int     fd;

    if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW
		   | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0640)) < 0) {
	snprintf(err, errlen, "log file %s: %s", path, errno == ELOOP ?
		 "is a symbolic link; refusing to follow it" :
		 strerror(errno));
	return (-1);
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
	snprintf(err, errlen, "log file %s: not a regular file", path);
	close(fd);
	return (-1);
    }
    return (fd);
}

int     msg_logfile(const char *path, char *err, size_t errlen)
{
    int     fd, old = atomic_load(&msg_fd);

    if (path == 0)
	return (0);
    if (strlen(path) >= sizeof(msg_path)) {
	snprintf(err, errlen, "log file %s: name too long", path);
	return (-1);
    }
    if ((fd = open_log(path, err, errlen)) < 0)
	return (-1);
    if (old >= 0) {
	if (dup2(fd, old) < 0) {
	    snprintf(err, errlen, "log file %s: %s", path, strerror(errno));
	    close(fd);
	    return (-1);
	}
	close(fd);
    } else {
	atomic_store(&msg_fd, fd);
    }
    memcpy(msg_path, path, strlen(path) + 1);
    if (!msg_syslog)
	msg_info("logging to %s (syslog unreachable)", path);
    return (0);
}

int     msg_reopen(void)
{
    char    err[PATH_MAX + 256];
    int     fd, old = atomic_load(&msg_fd);

    if (old < 0)
	return (0);
    if ((fd = open_log(msg_path, err, sizeof(err))) < 0) {
	msg_warn("%s; still writing to the file opened before", err);
	return (-1);
    }
    if (dup2(fd, old) < 0) {
	msg_warn("log file %s: %s; still writing to the file opened before",
		 msg_path, strerror(errno));
	close(fd);
	return (-1);
    }
    close(fd);
    return (0);
}

void    msg_detach(void)
{
    msg_stderr = 0;
}

void    msg_close(void)
{
    if (msg_syslog)
	closelog();
    msg_syslog = 0;
}

/* "2026-01-31T12:34:56.789+01:00": local time, with its offset. */
static void time_stamp(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    int     off;

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    off = (int) (tm.tm_gmtoff / 60);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02d:%02d",
	     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	     tm.tm_min, tm.tm_sec, (int) (ts.tv_nsec / 1000000),
	     off < 0 ? '-' : '+', abs(off) / 60 % 100, abs(off) % 60);
}

/* One line to the log file, in one write(). */
static void file_line(int fd, const char *tag, const char *text)
{
    char    stamp[64], line[2400];
    int     n;

    time_stamp(stamp, sizeof(stamp));
    n = snprintf(line, sizeof(line), "%s %s[%ld]: %s%s\n", stamp, msg_ident,
		 (long) getpid(), tag, text);
    if (n < 0)
	return;
    if ((size_t) n >= sizeof(line)) {
	n = (int) sizeof(line) - 1;
	line[n - 1] = '\n';
    }
    if (write(fd, line, (size_t) n) < 0) {
	/* Nowhere left to say so. */
    }
}

static void msg_vlog(int level, const char *tag, const char *fmt, va_list ap)
{
    char    buf[2048];
    int     fd = atomic_load(&msg_fd);

    vsnprintf(buf, sizeof(buf), fmt, ap);
    if (msg_syslog)
	syslog(level, "%s%s", tag, buf);
    if (fd >= 0)
	file_line(fd, tag, buf);
    if (msg_stderr || (!msg_syslog && fd < 0))
	fprintf(stderr, "%s: %s%s\n", msg_ident, tag, buf);
}

void    msg_info(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vlog(LOG_INFO, "", fmt, ap);
    va_end(ap);
}

void    msg_warn(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vlog(LOG_WARNING, "warning: ", fmt, ap);
    va_end(ap);
}

void    msg_error(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vlog(LOG_ERR, "error: ", fmt, ap);
    va_end(ap);
}
