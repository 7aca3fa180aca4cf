/*
 * msg.c - diagnostics for mailswitch-milter.
 *
 * Exports msg_open(), msg_detach(), msg_close(), msg_info(), msg_warn(),
 * msg_error() and msg_facility(). Before msg_open() everything goes to
 * standard error only; after it, to syslog and, until msg_detach(), to
 * standard error as well. When nothing listens on the syslog socket at
 * msg_open(), syslog is left out (glibc would otherwise try to connect
 * again for every line). Safe to call from any thread: the only state
 * is set before the first thread starts.
 */
#include <errno.h>
#include <paths.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>
#include "msg.h"

static const char *msg_ident = "mailswitch-milter";
static int msg_syslog;			/* syslog is open */
static int msg_stderr = 1;		/* copy to standard error */

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

static void msg_vlog(int level, const char *tag, const char *fmt, va_list ap)
{
    char    buf[2048];

    vsnprintf(buf, sizeof(buf), fmt, ap);
    if (msg_syslog)
	syslog(level, "%s%s", tag, buf);
    if (msg_stderr || !msg_syslog)
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
