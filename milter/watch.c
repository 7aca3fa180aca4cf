/*
 * watch.c - the housekeeping thread.
 *
 * Exports watch_block_signals(), watch_start(), watch_stop() and
 * watch_log_stats(). The thread waits for SIGUSR1/SIGUSR2 with a timeout
 * (sigtimedwait), so signals are handled in ordinary thread context and
 * nothing runs in a signal handler. Map reloads happen here and only
 * here; connection threads never wait for them.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "global.h"
#include "health.h"
#include "msg.h"
#include "watch.h"

#define G	milter_global
#define WATCH_INTERVAL	1		/* seconds between map checks */

static pthread_t watch_thread;
static atomic_int watch_stopping;
static int watch_running;

int     watch_block_signals(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    /* libmilter's own signal thread sigwait()s for these. */
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return (pthread_sigmask(SIG_BLOCK, &set, 0) == 0 ? 0 : -1);
}

void    watch_log_stats(void)
{
    char    buf[512];
    MAPSET *set = mapset_acquire(&G.maps);

    stats_format(&G.stats, buf, sizeof(buf));
    msg_info("stats: %s map_generation=%lu snapshots=%u", buf,
	     set ? mapset_generation(set) : 0, mapset_live());
    mapset_release(set);
}

/*
 * Rewrite the stats and metrics files when something they show moved
 * (or when FORCE); health.c keeps what it last wrote.
 */
static void save_stats(unsigned long *last, int force)
{
    char    err[1024];

    (void) last;
    if (health_save(force, err, sizeof(err)) < 0)
	msg_warn("stats file: %s", err);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void *watch_main(void *arg)
{
    unsigned long last = 0;
    struct timespec wait;
    sigset_t set;
    double  next = now() + WATCH_INTERVAL, left;
    int     sig;

    (void) arg;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    save_stats(&last, 1);
    while (!atomic_load(&watch_stopping)) {
	left = next - now();
	if (left < 0)
	    left = 0;
	wait.tv_sec = (time_t) left;
	wait.tv_nsec = (long) ((left - (double) wait.tv_sec) * 1e9);
	sig = sigtimedwait(&set, 0, &wait);
	if (atomic_load(&watch_stopping))
	    break;
	if (sig == SIGUSR1) {
	    msg_info("SIGUSR1: checking maps");
	    (void) mapset_check(&G.maps, 1);
	} else if (sig == SIGUSR2) {
	    msg_reopen();
	    watch_log_stats();
	    save_stats(&last, 1);
	}
	if (now() >= next) {
	    (void) mapset_check(&G.maps, 0);
	    save_stats(&last, 0);
	    next = now() + WATCH_INTERVAL;
	}
    }
    save_stats(&last, 1);
    return (0);
}

int     watch_start(char *err, size_t errlen)
{
    int     rc;

    atomic_store(&watch_stopping, 0);
    if ((rc = pthread_create(&watch_thread, 0, watch_main, 0)) != 0) {
	snprintf(err, errlen, "cannot start the watcher thread: %s",
		 strerror(rc));
	return (-1);
    }
    watch_running = 1;
    return (0);
}

void    watch_stop(void)
{
    if (!watch_running)
	return;
    atomic_store(&watch_stopping, 1);
    pthread_kill(watch_thread, SIGUSR1);
    pthread_join(watch_thread, 0);
    watch_running = 0;
}
