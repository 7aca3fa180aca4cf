#ifndef SIGNALS_H_INCLUDED
#define SIGNALS_H_INCLUDED

/*
 * signals.h - the signals the milter owns (SIGTERM, SIGINT, SIGHUP,
 * SIGUSR1, SIGUSR2), caught for the main thread and read from a pipe,
 * so that nothing but a write() runs in a signal handler.
 */
#include <pthread.h>
#include <signal.h>

/* What signals_next() returns when another thread posted an event. */
#define SIGNALS_MILTER_ENDED	100	/* libmilter's loop returned */

/*
 * Create the pipe and install the handlers; the calling thread (the
 * main thread) must keep the signals unblocked from now on. -1 with a
 * reason.
 */
extern int signals_catch(char *err, size_t errlen);

/*
 * Start FN in a new thread that leaves the signals to the main thread
 * (they are blocked in it and in every thread it creates). 0, or an
 * errno value.
 */
extern int signals_thread(pthread_t *tid, void *(*fn) (void *));

/*
 * The next signal caught (or event posted), waiting at most TIMEOUT_MS
 * milliseconds; 0 when none came.
 */
extern int signals_next(int timeout_ms);

/* Post EVENT to the main thread, from any thread. */
extern void signals_post(int event);

#endif
