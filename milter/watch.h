#ifndef WATCH_H_INCLUDED
#define WATCH_H_INCLUDED

/*
 * watch.h - the housekeeping thread: looks for replaced maps every
 * second and on SIGUSR1, logs the counters on SIGUSR2, and keeps the
 * stats file up to date.
 */
#include <stddef.h>

/*
 * Block SIGUSR1 and SIGUSR2 (for the watcher) and SIGHUP, SIGTERM and
 * SIGINT (for libmilter's signal thread) in the calling thread, so that
 * every thread created afterwards leaves them to the thread that waits
 * for them. Call before the first thread is created.
 */
extern int watch_block_signals(void);

extern int watch_start(char *err, size_t errlen);

/* Stop the thread and wait for it; writes the stats file one last time. */
extern void watch_stop(void);

/* Log the counters (also what SIGUSR2 does). */
extern void watch_log_stats(void);

#endif
