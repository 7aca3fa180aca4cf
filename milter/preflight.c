/*
 * preflight.c - mailswitch-milter -n: would a start with this
 * configuration get through?
 *
 * Exports preflight(). It checks what a start (main.c) needs, in the
 * same order and as the same user. As whoever runs it (root, usually):
 * the user and group exist, the milter would not be left running as
 * root by mistake, the pid file can be created and locked and the
 * socket opened (its directory exists and is writable; a unix socket
 * has no live listener, an inet socket's address can be bound). Then a
 * child process drops to the configured user and group exactly as the
 * daemon does (daemon_drop()) and checks, as that user, every map
 * (opened as the daemon opens it, mapset_init(): a 0600 map owned by
 * root fails here as it would at start) and the directories of the
 * stats, metrics and log files. Every problem is reported, one line
 * each, not only the first.
 *
 * A milter already running with this pid file (the file is locked) is
 * not a problem: -n is run before a reload, too. Its socket in use is
 * then taken to be its own, and a note says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "daemon.h"
#include "mapset.h"
#include "preflight.h"
#include "sockspec.h"

typedef struct PREFLIGHT {
    const char *prog;
    const char *as;			/* "user NAME", for messages */
    int     problems;
    long    running;			/* pid of a running milter, or 0 */
} PREFLIGHT;

static void problem(PREFLIGHT *pf, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));

static void problem(PREFLIGHT *pf, const char *fmt,...)
{
    va_list ap;

    fprintf(stderr, "%s: ", pf->prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    pf->problems++;
}

/*
 * The directory of the file PATH (WHAT names it) exists and the calling
 * user may create files in it.
 */
static void check_dir(PREFLIGHT *pf, const char *what, const char *path,
		              const char *by)
{
    struct stat st;
    char   *copy, *dir;

    if ((copy = strdup(path)) == 0) {
	problem(pf, "%s %s: out of memory", what, path);
	return;
    }
    dir = dirname(copy);
    if (stat(dir, &st) < 0)
	problem(pf, "%s directory %s: %s", what, dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
	problem(pf, "%s directory %s: not a directory", what, dir);
    else if (access(dir, W_OK | X_OK) < 0)
	problem(pf, "%s directory %s: not writable by %s (%s)", what, dir,
		by, strerror(errno));
    free(copy);
}

/*
 * The pid file, as root opens it before the drop (daemon_pidfile_open()):
 * not a link, a plain file with one name, not locked by a running copy.
 */
static void check_pidfile(PREFLIGHT *pf, const char *path)
{
    struct stat st;
    char    buf[32];
    ssize_t n;
    int     fd;

    check_dir(pf, "pid file", path, "the user starting the milter");
    if (lstat(path, &st) < 0) {
	if (errno != ENOENT)
	    problem(pf, "pid file %s: %s", path, strerror(errno));
	return;
    }
    if (S_ISLNK(st.st_mode)) {
	problem(pf, "pid file %s: is a symbolic link; a start refuses it",
		path);
	return;
    }
    if (!S_ISREG(st.st_mode) || st.st_nlink > 1) {
	problem(pf, "pid file %s: %s; a start refuses it", path,
		S_ISREG(st.st_mode) ? "has other hard links" :
		"not a regular file");
	return;
    }
    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
	problem(pf, "pid file %s: %s", path, strerror(errno));
	return;
    }
    if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	pf->running = strtol(buf, 0, 10);
	if (pf->running <= 0)
	    pf->running = -1;
    }
    close(fd);
}

static void socket_in_use(PREFLIGHT *pf, const char *spec)
{
    if (pf->running)
	printf("%s: note: socket %s is in use, by the milter already "
	       "running, it seems\n", pf->prog, spec);
    else
	problem(pf, "socket %s is in use by another process", spec);
}

/* A unix socket: its directory, and no live listener at the path. */
static void check_unix(PREFLIGHT *pf, const char *spec, const char *path)
{
    struct stat st;

    check_dir(pf, "socket", path, "the user starting the milter");
    if (lstat(path, &st) < 0)
	return;
    if (!S_ISSOCK(st.st_mode))
	problem(pf, "socket %s: %s exists and is not a socket", spec, path);
    else if (sockspec_unix_in_use(path))
	socket_in_use(pf, spec);
}

/* inet:PORT@HOST or inet6:PORT@HOST: can the address be bound? */
static void check_inet(PREFLIGHT *pf, const char *spec)
{
    struct addrinfo *res;
    char    why[512];
    int     fd, on = 1;

    if (sockspec_resolve(spec, 0, &res, why, sizeof(why)) < 0) {
	problem(pf, "%s", why);
	return;
    }
    if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
	problem(pf, "socket %s: %s", spec, strerror(errno));
    } else {
	/* libmilter sets SO_REUSEADDR too: TIME_WAIT does not count. */
	(void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
	    if (errno == EADDRINUSE)
		socket_in_use(pf, spec);
	    else
		problem(pf, "socket %s: cannot bind: %s", spec,
			strerror(errno));
	}
	close(fd);
    }
    freeaddrinfo(res);
}

/* As main.c's start() refuses to go on as root by mistake. */
static void check_root(PREFLIGHT *pf, const CONFIG *cfg,
		               const DAEMON_USER *who)
{
    if (geteuid() == 0 && who->uid == 0 && !cfg->allow_root)
	problem(pf, "a start as root would stop: set user = (and group =) "
		"to the account the milter should run as, or allow_root = "
		"yes to run as root on purpose");
}

/* The log file: the user can append to it, or create it. */
static void check_log(PREFLIGHT *pf, const char *path)
{
    struct stat st;
    int     fd;

    if (lstat(path, &st) < 0) {
	check_dir(pf, "log file", path, pf->as);
	return;
    }
    if ((fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK
		   | O_NOCTTY | O_CLOEXEC)) < 0) {
	problem(pf, "log file %s: %s (as %s)", path, errno == ELOOP ?
		"is a symbolic link; a start refuses it" : strerror(errno),
		pf->as);
	return;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
	problem(pf, "log file %s: not a regular file", path);
    close(fd);
}

/* In the child, as the configured user: what the daemon opens itself. */
static void check_as_user(PREFLIGHT *pf, const CONFIG *cfg)
{
    MAPSET_STORE store;
    STATS   stats;
    char    err[1024];
    size_t  i;

    for (i = 0; i < cfg->nmaps; i++) {
	memset(&stats, 0, sizeof(stats));
	if (mapset_init(&store, cfg->maps + i, 1, &stats, err,
			sizeof(err)) < 0)
	    problem(pf, "%s (as %s)", err, pf->as);
	else
	    mapset_shutdown(&store);
    }
    if (cfg->stats_file)
	check_dir(pf, "stats file", cfg->stats_file, pf->as);
    if (cfg->metrics_file)
	check_dir(pf, "metrics file", cfg->metrics_file, pf->as);
    if (cfg->log_file)
	check_log(pf, cfg->log_file);
}

/*
 * Fork, drop to WHO and check as that user; the child's exit status is
 * its number of problems (at most 255).
 */
static void run_as_user(PREFLIGHT *pf, const CONFIG *cfg,
			        const DAEMON_USER *who)
{
    char    err[1024];
    pid_t   pid;
    int     status;

    fflush(0);
    if ((pid = fork()) < 0) {
	problem(pf, "cannot check as %s: fork: %s", pf->as, strerror(errno));
	return;
    }
    if (pid == 0) {
	pf->problems = 0;
	if (daemon_drop(who, err, sizeof(err)) < 0)
	    problem(pf, "%s", err);
	else
	    check_as_user(pf, cfg);
	fflush(0);
	_exit(pf->problems > 255 ? 255 : pf->problems);
    }
    while (waitpid(pid, &status, 0) < 0) {
	if (errno != EINTR) {
	    problem(pf, "cannot check as %s: %s", pf->as, strerror(errno));
	    return;
	}
    }
    if (WIFEXITED(status))
	pf->problems += WEXITSTATUS(status);
    else
	problem(pf, "the check as %s died (signal %d)", pf->as,
		WTERMSIG(status));
}

int     preflight(const CONFIG *cfg, const char *prog)
{
    PREFLIGHT pf;
    DAEMON_USER who;
    char    err[1024], as[300];
    const char *path = sockspec_path(cfg->socket);
    int     user_ok;

    memset(&pf, 0, sizeof(pf));
    pf.prog = prog;
    if (cfg->user)
	snprintf(as, sizeof(as), "user %s", cfg->user);
    else
	snprintf(as, sizeof(as), "uid %ld", (long) geteuid());
    pf.as = as;
    if ((user_ok = daemon_user(cfg->user, cfg->group, &who, err,
			       sizeof(err)) == 0) != 0)
	check_root(&pf, cfg, &who);
    else
	problem(&pf, "%s", err);
    if (cfg->pid_file)
	check_pidfile(&pf, cfg->pid_file);
    if (path)
	check_unix(&pf, cfg->socket, path);
    else
	check_inet(&pf, cfg->socket);
    if (user_ok)
	run_as_user(&pf, cfg, &who);
    if (pf.problems) {
	fprintf(stderr, "%s: %d problem%s found\n", prog, pf.problems,
		pf.problems == 1 ? "" : "s");
	return (pf.problems);
    }
    if (pf.running)
	printf("%s: note: a milter is running with pid file %s\n", prog,
	       cfg->pid_file);
    printf("%s: configuration OK, %zu map(s) readable as %s\n", prog,
	   cfg->nmaps, pf.as);
    return (0);
}
