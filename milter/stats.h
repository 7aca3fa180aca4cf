#ifndef STATS_H_INCLUDED
#define STATS_H_INCLUDED

/*
 * stats.h - the milter's counters, updated by every connection thread
 * without a lock and readable at run time through the stats file
 * (mailswitch-milter -s) and SIGUSR2 (one syslog line).
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

/* One line: "messages=N recipients=N ..." */
extern void stats_format(STATS *stats, char *buf, size_t len);

/* Write STATS to PATH atomically (temporary file and rename). */
extern int stats_write(STATS *stats, const char *path, long started,
		               char *err, size_t errlen);

/* Copy the stats file PATH to standard output; -1 with a reason. */
extern int stats_print(const char *path, char *err, size_t errlen);

#endif
