#ifndef WATCH_H_INCLUDED
#define WATCH_H_INCLUDED

/*
 * watch.h - the main thread's loop while libmilter serves: it takes
 * the signals, looks for replaced maps every second, and keeps the
 * stats file up to date.
 */

/* Why watch_run() returned. */
typedef enum WATCH_END {
    WATCH_END_DRAINED,			/* SIGTERM, and no transaction left */
    WATCH_END_TIMEOUT,			/* SIGTERM, transactions still open */
    WATCH_END_NOW,			/* SIGINT */
    WATCH_END_MILTER,			/* libmilter's loop ended by itself */
} WATCH_END;

/* What SIGHUP does: re-read the configuration (and maps). */
typedef void (*WATCH_RELOAD_FN) (void *ctx);

/*
 * Serve until a stop: SIGUSR1 checks the maps at once, SIGUSR2 logs the
 * counters, SIGHUP calls RELOAD with CTX. On SIGTERM no new transaction
 * starts, and the loop returns when the open ones have ended or after
 * DRAIN_SECONDS; on SIGINT it returns at once.
 */
extern WATCH_END watch_run(int drain_seconds, WATCH_RELOAD_FN reload,
			           void *ctx);

/* Log the counters (also what SIGUSR2 does). */
extern void watch_log_stats(void);

#endif
