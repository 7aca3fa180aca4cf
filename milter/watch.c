/*
 * watch.c - the main thread's loop while libmilter serves.
 *
 * Exports watch_run() and watch_log_stats(). Signals arrive here as
 * numbers read from a pipe (signals.c), so they are handled in ordinary
 * thread context. Map reloads happen here and only here; connection
 * threads never wait for them.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include "global.h"
#include "health.h"
#include "msg.h"
#include "signals.h"
#include "watch.h"

#define G	milter_global
#define WATCH_INTERVAL	1.0		/* seconds between map checks */
#define DRAIN_TICK_MS	50		/* how often a drain looks */

typedef struct WATCH {
    double  next_check;			/* when to look at the maps again */
    double  drain_until;		/* 0, or when a drain gives up */
} WATCH;

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
static void save_stats(int force)
{
    char    err[1024];

    if (health_save(force, err, sizeof(err)) < 0)
	msg_warn("stats file: %s", err);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* SIGTERM: let no new transaction start; wait for the open ones. */
static void begin_drain(WATCH *w, int drain_seconds)
{
    int     open = atomic_load(&G.in_txn);

    atomic_store(&G.stopping, 1);
    w->drain_until = now() + drain_seconds;
    if (open)
	msg_info("SIGTERM: stopping once %d open transaction(s) end", open);
    else
	msg_info("SIGTERM: stopping");
}

/* A signal or event: -1 to go on, else why to stop. */
static int handle(WATCH *w, int sig, int drain_seconds,
		          WATCH_RELOAD_FN reload, void *ctx)
{
    switch (sig) {
    case SIGUSR1:
	msg_info("SIGUSR1: checking maps");
	(void) mapset_check(&G.maps, 1);
	break;
    case SIGUSR2:
	msg_reopen();
	watch_log_stats();
	save_stats(1);
	break;
    case SIGHUP:
	if (!atomic_load(&G.stopping))
	    reload(ctx);
	break;
    case SIGTERM:
	if (!atomic_load(&G.stopping))
	    begin_drain(w, drain_seconds);
	break;
    case SIGINT:
	atomic_store(&G.stopping, 1);
	msg_info("SIGINT: stopping now");
	return (WATCH_END_NOW);
    case SIGNALS_MILTER_ENDED:
	atomic_store(&G.stopping, 1);
	return (WATCH_END_MILTER);
    }
    return (-1);
}

/* During a drain: -1 to wait on, else why to stop. */
static int drained(const WATCH *w)
{
    int     open;

    if (w->drain_until == 0)
	return (-1);
    if ((open = atomic_load(&G.in_txn)) == 0)
	return (WATCH_END_DRAINED);
    if (now() < w->drain_until)
	return (-1);
    msg_warn("stopping with %d transaction(s) still open", open);
    return (WATCH_END_TIMEOUT);
}

WATCH_END watch_run(int drain_seconds, WATCH_RELOAD_FN reload, void *ctx)
{
    WATCH   w = {now() + WATCH_INTERVAL, 0};
    double  left;
    int     sig, end = -1;

    save_stats(1);
    while (end < 0) {
	left = w.next_check - now();
	if (left < 0)
	    left = 0;
	if (w.drain_until && left * 1000 > DRAIN_TICK_MS)
	    left = DRAIN_TICK_MS / 1000.0;
	if ((sig = signals_next((int) (left * 1000))) != 0)
	    end = handle(&w, sig, drain_seconds, reload, ctx);
	if (end < 0 && now() >= w.next_check) {
	    (void) mapset_check(&G.maps, 0);
	    save_stats(0);
	    w.next_check = now() + WATCH_INTERVAL;
	}
	if (end < 0)
	    end = drained(&w);
    }
    save_stats(1);
    return ((WATCH_END) end);
}
