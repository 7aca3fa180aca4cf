/*
 * health.c - what the running milter shows of itself, and -s.
 *
 * Exports health_save() and health_print(). health_save() gathers the
 * counters, the transactions in flight and each map's state (mapset.h)
 * and has stats.c write the stats file and the metrics file, only when
 * something moved: the counters and mapset_changes() only grow, so their
 * sum tells, and the transactions in flight are compared as they are.
 *
 * health_print() trusts the stats file only when the milter that wrote
 * it still runs: a pid file that is missing, or that no process holds
 * locked (the milter keeps it locked while it runs), means it does not;
 * with no pid file configured, the stats file's own pid must be alive.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "global.h"
#include "health.h"

#define G	milter_global

static unsigned long health_sum(void)
{
    unsigned long sum = mapset_changes(&G.maps);
    int     c;

    for (c = 0; c < STATS_COUNT; c++)
	sum += atomic_load(&G.stats.count[c]);
    return (sum);
}

int     health_save(int force, char *err, size_t errlen)
{
    static unsigned long last_sum;
    static int last_txn = -1;
    STATS_MAP maps[CONFIG_MAX_MAPS];
    STATS_VIEW view;
    MAPSET *hold;
    unsigned long sum;
    int     in_txn, rc;

    if (G.cfg->stats_file == 0 && G.cfg->metrics_file == 0)
	return (0);
    sum = health_sum();
    in_txn = atomic_load(&G.in_txn);
    if (!force && sum == last_sum && in_txn == last_txn)
	return (0);
    memset(&view, 0, sizeof(view));
    view.stats_file = G.cfg->stats_file;
    view.metrics_file = G.cfg->metrics_file;
    view.started = (long) G.started;
    view.in_txn = in_txn;
    view.maps = maps;
    view.nmaps = mapset_report(&G.maps, maps, CONFIG_MAX_MAPS, &hold);
    rc = stats_write(&G.stats, &view, err, errlen);
    mapset_release(hold);
    if (rc == 0) {
	last_sum = sum;
	last_txn = in_txn;
    }
    return (rc);
}

/*
 * The pid of the running milter from its pid file PATH: > 0, 0 when it
 * runs but the file holds no pid yet, or -1 with why it does not run.
 */
static long pidfile_running(const char *path, char *why, size_t len)
{
    char    buf[32];
    ssize_t n;
    long    pid;
    int     fd;

    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
	if (errno == ENOENT)
	    snprintf(why, len, "no pid file %s", path);
	else
	    snprintf(why, len, "pid file %s: %s", path, strerror(errno));
	return (-1);
    }
    n = read(fd, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = 0;
    pid = strtol(buf, 0, 10);
    if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
	close(fd);
	if (pid > 0)
	    snprintf(why, len, "stale pid file %s (pid %ld is gone)", path,
		     pid);
	else
	    snprintf(why, len, "empty pid file %s", path);
	return (-1);
    }
    close(fd);
    return (pid > 0 ? pid : 0);
}

/* How many threads /proc/PID/stat counts (its 20th field), or 0. */
static long proc_threads(const char *stat_line)
{
    const char *cp = strrchr(stat_line, ')');
    int     field;

    for (field = 2; cp && field < 20; field++)
	cp = strchr(cp + 1, ' ');
    return (cp ? strtol(cp + 1, 0, 10) : 0);
}

/*
 * Is PID alive? A zombie (killed, not yet reaped) is not, unless it is
 * the main thread of a process whose other threads still exit.
 */
static int alive(long pid)
{
    char    path[64], buf[512], *cp;
    FILE   *fp;
    int     zombie = 0;

    if (kill((pid_t) pid, 0) < 0 && errno == ESRCH)
	return (0);
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    if ((fp = fopen(path, "r")) != 0) {
	if (fgets(buf, sizeof(buf), fp) && (cp = strrchr(buf, ')')) != 0)
	    zombie = (cp[1] == ' ' && (cp[2] == 'Z' || cp[2] == 'X')
		      && proc_threads(buf) <= 1);
	fclose(fp);
    }
    return (!zombie);
}

/* Without a pid file: is the pid that wrote the stats file alive? */
static long statsfile_running(const char *path, char *why, size_t len)
{
    char    err[1024];
    long    pid;

    if ((pid = stats_file_pid(path, err, sizeof(err))) < 0) {
	snprintf(why, len, "%s", err);
	return (-1);
    }
    if (pid == 0) {
	snprintf(why, len, "stats file %s names no pid", path);
	return (-1);
    }
    if (!alive(pid)) {
	snprintf(why, len, "stale stats file %s (pid %ld is gone)", path, pid);
	return (-1);
    }
    return (pid);
}

int     health_print(const CONFIG *cfg, const char *prog)
{
    char    why[1024];
    long    pid, writer;

    if (cfg->stats_file == 0) {
	fprintf(stderr, "%s: no stats_file configured\n", prog);
	return (1);
    }
    pid = cfg->pid_file ? pidfile_running(cfg->pid_file, why, sizeof(why))
	: statsfile_running(cfg->stats_file, why, sizeof(why));
    if (pid < 0) {
	fprintf(stderr, "%s: not running: %s\n", prog, why);
	return (1);
    }
    if ((writer = stats_file_pid(cfg->stats_file, why, sizeof(why))) < 0) {
	fprintf(stderr, "%s: running (pid %ld), but %s\n", prog, pid, why);
	return (1);
    }
    if (pid > 0 && writer != pid) {
	fprintf(stderr, "%s: running (pid %ld), but the stats file %s was "
		"written by pid %ld, not by it\n", prog, pid, cfg->stats_file,
		writer);
	return (1);
    }
    if (stats_print(cfg->stats_file, why, sizeof(why)) < 0) {
	fprintf(stderr, "%s: %s\n", prog, why);
	return (1);
    }
    return (0);
}
