/*
 * runner.c - libmilter's loop in a thread of its own.
 *
 * Exports runner_start() and runner_stop(). The thread is created with
 * the milter's signals blocked, so that it and every thread libmilter
 * creates leave them to the main thread (see signals.c). When
 * smfi_main() returns on its own (the listening socket failed, or
 * libmilter took a signal after all), the thread tells the main thread
 * through signals_post().
 *
 * smfi_stop() waits until libmilter's listener next wakes up, which it
 * does only for a connection or every few seconds. So a helper thread
 * calls smfi_stop() while the caller knocks on the socket (connects
 * and hangs up) until it returns: an idle milter stops at once.
 */
#include <libmilter/mfapi.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "runner.h"
#include "signals.h"
#include "sockspec.h"

#define KNOCK_MS	20		/* between two knocks */
#define KNOCKS		500		/* then just wait */

static pthread_t runner;
static int runner_rc = MI_FAILURE;
static int running;
static atomic_int stop_done;

static void *run(void *arg)
{
    (void) arg;
    runner_rc = smfi_main();
    signals_post(SIGNALS_MILTER_ENDED);
    return (0);
}

int     runner_start(char *err, size_t errlen)
{
    int     rc;

    if ((rc = signals_thread(&runner, run)) != 0) {
	snprintf(err, errlen, "cannot start libmilter's thread: %s",
		 strerror(rc));
	return (-1);
    }
    running = 1;
    return (0);
}

static void *stop_milter(void *arg)
{
    (void) arg;
    (void) smfi_stop();
    atomic_store(&stop_done, 1);
    return (0);
}

int     runner_stop(const char *socket)
{
    struct timespec pause = {0, KNOCK_MS * 1000 * 1000};
    pthread_t stopper;
    int     i;

    if (!running)
	return (runner_rc);
    if (signals_thread(&stopper, stop_milter) != 0) {
	(void) smfi_stop();
    } else {
	for (i = 0; i < KNOCKS && !atomic_load(&stop_done); i++) {
	    nanosleep(&pause, 0);
	    if (!atomic_load(&stop_done))
		(void) sockspec_knock(socket);
	}
	pthread_join(stopper, 0);
    }
    pthread_join(runner, 0);
    running = 0;
    return (runner_rc);
}
