#ifndef STATS_H_INCLUDED
#define STATS_H_INCLUDED

/*
 * stats.h - the milter's counters, updated by every connection thread
 * without a lock and readable at run time through the stats file
 * (mailswitch-milter -s), its Prometheus twin (metrics_file) and SIGUSR2
 * (one syslog line).
 */
#include <stdatomic.h>
#include <stddef.h>

typedef enum STATS_COUNTER {
    STATS_MESSAGES,			/* end of message seen */
    STATS_RECIPIENTS,			/* RCPT seen */
    STATS_REWRITTEN,			/* recipients replaced */
    STATS_REJECTED,			/* recipients refused with 5xx */
    STATS_TEMPFAILED,			/* recipients or messages with 4xx */
    STATS_RELOADS,			/* maps replaced while running */
    STATS_MAP_ERRORS,			/* maps that could not be read */
    STATS_KEPT,				/* recipients passed unchanged */
    STATS_RELOAD_FAILURES,		/* replacements that failed to load */
    STATS_SM_CONNECTIONS,		/* socketmap connections accepted */
    STATS_SM_REQUESTS,			/* socketmap requests answered */
    STATS_SM_OK,			/* ... with OK */
    STATS_SM_NOTFOUND,			/* ... with NOTFOUND */
    STATS_SM_TEMP,			/* ... with TEMP */
    STATS_SM_PERM,			/* ... with PERM */
    STATS_COUNT
} STATS_COUNTER;

typedef struct STATS {
    atomic_ulong count[STATS_COUNT];
} STATS;

#define stats_inc(s, c) \
	atomic_fetch_add_explicit(&(s)->count[(c)], 1, memory_order_relaxed)

#define STATS_ERROR_MAX	256		/* a map's reload error, shown */

/* One map as the stats show it. */
typedef struct STATS_MAP {
    const char *path;
    unsigned long generation;		/* the snapshot that loaded it */
    size_t  entries;
    long    loaded;			/* Unix time it was opened */
    long    mtime;			/* its file's modification time */
    char    error[STATS_ERROR_MAX];	/* last reload error, or empty */
} STATS_MAP;

/* What the files show besides the counters, and where they go. */
typedef struct STATS_VIEW {
    const char *stats_file;		/* or null */
    const char *metrics_file;		/* or null */
    long    started;			/* Unix time */
    int     in_txn;			/* transactions in flight */
    const STATS_MAP *maps;
    size_t  nmaps;
} STATS_VIEW;

/* One line: "messages=N recipients=N ..." */
extern void stats_format(STATS *stats, char *buf, size_t len);

/*
 * Write STATS and VIEW to the stats file and the metrics file that VIEW
 * names, each atomically (temporary file and rename); -1 with a reason
 * (both are tried).
 */
extern int stats_write(STATS *stats, const STATS_VIEW *view,
		               char *err, size_t errlen);

/* Copy the stats file PATH to standard output; -1 with a reason. */
extern int stats_print(const char *path, char *err, size_t errlen);

/*
 * The "pid N" line of the stats file PATH: the pid, 0 when there is
 * none, -1 with a reason when the file cannot be read.
 */
extern long stats_file_pid(const char *path, char *err, size_t errlen);

#endif
