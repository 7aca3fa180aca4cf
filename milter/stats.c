/*
 * stats.c - format, save and show the milter's counters.
 *
 * Exports stats_format(), stats_write(), stats_print() and
 * stats_file_pid(). The stats file holds one "name value" pair a line:
 * pid, started (Unix time), updated, then each counter; then one line
 * per map:
 *
 *	map PATH generation=N entries=N loaded=EPOCH mtime=EPOCH error=TEXT|-
 *
 * (deploy tools rely on that form). The metrics file holds the same in
 * the Prometheus text format, for node_exporter's textfile collector.
 * Both are replaced by rename, so a reader never sees half of one; the
 * temporary file beside each is created anew (O_EXCL, O_NOFOLLOW), never
 * opened through a link.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "stats.h"

static const char *const names[STATS_COUNT] = {
    "messages", "recipients", "rewritten", "rejected", "tempfailed",
    "reloads", "map_errors", "kept", "reload_failures",
    "socketmap_connections", "socketmap_requests",
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

/* Replace PATH by BUF[0..LEN-1] through PATH.tmp and rename. */
static int replace_file(const char *path, const char *buf, size_t len,
			        char *err, size_t errlen)
{
    char    tmp[4096];
    int     fd;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int) sizeof(tmp)) {
	snprintf(err, errlen, "%s: path too long", path);
	return (-1);
    }
    if ((fd = open_temp(tmp)) < 0) {
	snprintf(err, errlen, "%s: %s", tmp, errno == ELOOP || errno == EEXIST ?
		 "appeared while being replaced; not written" : strerror(errno));
	return (-1);
    }
    if (write_all(fd, buf, len) < 0) {
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

/* TEXT on one line: control characters become '?'. */
static void put_line_text(FILE *fp, const char *text)
{
    for (; *text; text++)
	putc((unsigned char) *text < ' ' || *text == 0x7f ? '?' : *text, fp);
}

static void format_stats(FILE *fp, STATS *stats, const STATS_VIEW *view)
{
    size_t  i;
    int     c;

    fprintf(fp, "pid %ld\nstarted %ld\nupdated %ld\n", (long) getpid(),
	    view->started, (long) time(0));
    for (c = 0; c < STATS_COUNT; c++)
	fprintf(fp, "%s %lu\n", names[c], get(stats, c));
    for (i = 0; i < view->nmaps; i++) {
	fputs("map ", fp);
	put_line_text(fp, view->maps[i].path);
	fprintf(fp, " generation=%lu entries=%zu loaded=%ld mtime=%ld error=",
		view->maps[i].generation, view->maps[i].entries,
		view->maps[i].loaded, view->maps[i].mtime);
	if (view->maps[i].error[0])
	    put_line_text(fp, view->maps[i].error);
	else
	    putc('-', fp);
	putc('\n', fp);
    }
}

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *fp, const char *value)
{
    for (; *value; value++) {
	if (*value == '\\' || *value == '"')
	    fprintf(fp, "\\%c", *value);
	else if (*value == '\n')
	    fputs("\\n", fp);
	else
	    putc(*value, fp);
    }
}

static void metric_head(FILE *fp, const char *name, const char *type,
			        const char *help)
{
    fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One line of NAME per map, with VALUE(map). */
#define PER_MAP(fp, view, name, fmt, field) do { \
	size_t _i; \
	for (_i = 0; _i < (view)->nmaps; _i++) { \
	    fputs(name "{map=\"", (fp)); \
	    put_label((fp), (view)->maps[_i].path); \
	    fprintf((fp), "\"} " fmt "\n", (view)->maps[_i].field); \
	} \
    } while (0)

static void format_metrics(FILE *fp, STATS *stats, const STATS_VIEW *view)
{
    size_t  i;

    metric_head(fp, "mailswitch_start_time_seconds", "gauge",
		"Start time of the milter, seconds since the Unix epoch.");
    fprintf(fp, "mailswitch_start_time_seconds %ld\n", view->started);
    metric_head(fp, "mailswitch_messages_total", "counter",
		"Messages whose end the milter saw.");
    fprintf(fp, "mailswitch_messages_total %lu\n", get(stats, STATS_MESSAGES));
    metric_head(fp, "mailswitch_recipients_seen_total", "counter",
		"RCPT commands the milter saw.");
    fprintf(fp, "mailswitch_recipients_seen_total %lu\n",
	    get(stats, STATS_RECIPIENTS));
    metric_head(fp, "mailswitch_recipients_total", "counter",
		"Recipients by what the milter did: forward (replaced by "
		"the map's result), reject (5xx), tempfail (4xx), keep "
		"(passed unchanged).");
    fprintf(fp, "mailswitch_recipients_total{action=\"forward\"} %lu\n"
	    "mailswitch_recipients_total{action=\"reject\"} %lu\n"
	    "mailswitch_recipients_total{action=\"tempfail\"} %lu\n"
	    "mailswitch_recipients_total{action=\"keep\"} %lu\n",
	    get(stats, STATS_REWRITTEN), get(stats, STATS_REJECTED),
	    get(stats, STATS_TEMPFAILED), get(stats, STATS_KEPT));
    metric_head(fp, "mailswitch_map_reloads_total", "counter",
		"Replaced map files loaded while running (success) or "
		"refused (failure; the previous copy keeps serving).");
    fprintf(fp, "mailswitch_map_reloads_total{result=\"success\"} %lu\n"
	    "mailswitch_map_reloads_total{result=\"failure\"} %lu\n",
	    get(stats, STATS_RELOADS), get(stats, STATS_RELOAD_FAILURES));
    metric_head(fp, "mailswitch_map_errors_total", "counter",
		"Map files that could not be loaded and lookups that "
		"failed.");
    fprintf(fp, "mailswitch_map_errors_total %lu\n",
	    get(stats, STATS_MAP_ERRORS));
    metric_head(fp, "mailswitch_transactions_in_flight", "gauge",
		"Transactions between their first recipient and their end.");
    fprintf(fp, "mailswitch_transactions_in_flight %d\n", view->in_txn);
    if (view->nmaps == 0)
	return;
    metric_head(fp, "mailswitch_map_generation", "gauge",
		"Snapshot generation that loaded the map (1 at start).");
    PER_MAP(fp, view, "mailswitch_map_generation", "%lu", generation);
    metric_head(fp, "mailswitch_map_entries", "gauge",
		"Entries of the map as loaded.");
    PER_MAP(fp, view, "mailswitch_map_entries", "%zu", entries);
    metric_head(fp, "mailswitch_map_loaded_timestamp_seconds", "gauge",
		"When the map was loaded, seconds since the Unix epoch.");
    PER_MAP(fp, view, "mailswitch_map_loaded_timestamp_seconds", "%ld",
	    loaded);
    metric_head(fp, "mailswitch_map_file_modified_timestamp_seconds",
		"gauge", "Modification time of the map file as loaded, "
		"seconds since the Unix epoch.");
    PER_MAP(fp, view, "mailswitch_map_file_modified_timestamp_seconds",
	    "%ld", mtime);
    metric_head(fp, "mailswitch_map_reload_failing", "gauge",
		"1 while the file at the map's path cannot be loaded.");
    for (i = 0; i < view->nmaps; i++) {
	fputs("mailswitch_map_reload_failing{map=\"", fp);
	put_label(fp, view->maps[i].path);
	fprintf(fp, "\"} %d\n", view->maps[i].error[0] != 0);
    }
}

typedef void (*FORMAT_FN) (FILE *, STATS *, const STATS_VIEW *);

/* Format into memory with FORMAT, then replace PATH. */
static int save(const char *path, FORMAT_FN format, STATS *stats,
		        const STATS_VIEW *view, char *err, size_t errlen)
{
    char   *buf = 0;
    size_t  len = 0;
    FILE   *fp;
    int     rc;

    if ((fp = open_memstream(&buf, &len)) == 0) {
	snprintf(err, errlen, "%s: out of memory", path);
	return (-1);
    }
    format(fp, stats, view);
    if (ferror(fp) | fclose(fp)) {
	snprintf(err, errlen, "%s: out of memory", path);
	free(buf);
	return (-1);
    }
    rc = replace_file(path, buf, len, err, errlen);
    free(buf);
    return (rc);
}

int     stats_write(STATS *stats, const STATS_VIEW *view,
		            char *err, size_t errlen)
{
    char    why[1024];
    int     rc = 0;

    err[0] = 0;
    if (view->stats_file
	&& save(view->stats_file, format_stats, stats, view, err,
		errlen) < 0)
	rc = -1;
    if (view->metrics_file
	&& save(view->metrics_file, format_metrics, stats, view, why,
		sizeof(why)) < 0) {
	if (rc == 0)
	    snprintf(err, errlen, "%s", why);
	rc = -1;
    }
    return (rc);
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

long    stats_file_pid(const char *path, char *err, size_t errlen)
{
    char    line[256];
    long    pid = 0;
    FILE   *fp;

    if ((fp = fopen(path, "r")) == 0) {
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return (-1);
    }
    while (fgets(line, sizeof(line), fp))
	if (sscanf(line, "pid %ld", &pid) == 1)
	    break;
    fclose(fp);
    return (pid > 0 ? pid : 0);
}
