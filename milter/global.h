#ifndef GLOBAL_H_INCLUDED
#define GLOBAL_H_INCLUDED

/*
 * global.h - the milter's only process-wide mutable state.
 *
 * Everything a connection thread shares with other threads is here:
 *
 *   cfg	the configuration; the main thread's alone (a reload
 *		replaces it).
 *   live	the settings connection threads read, copied from cfg;
 *		a reload rewrites them one by one, each atomically.
 *   maps	the current map snapshot; see mapset.h for its locking.
 *   stats	counters, atomic, no lock.
 *   in_txn	transactions holding a snapshot (for a clean stop).
 *   stopping	set once a stop began: no new transaction starts.
 *   started	start time, for the stats file.
 *
 * Per-connection state lives in the libmilter private data (filter.c);
 * nothing else is shared.
 */
#include <stdatomic.h>
#include <time.h>
#include "config.h"
#include "mapset.h"
#include "stats.h"

typedef struct MILTER_LIVE {
    atomic_int mode;			/* CONFIG_MODE */
    atomic_int on_map_error;		/* CONFIG_ON_ERROR */
    atomic_int hop_limit;
    atomic_int esmtp_args;
    atomic_int max_recipients;
    atomic_int max_added;
} MILTER_LIVE;

typedef struct MILTER_GLOBAL {
    CONFIG *cfg;
    MILTER_LIVE live;
    MAPSET_STORE maps;
    STATS   stats;
    atomic_int in_txn;
    atomic_int stopping;
    time_t  started;
} MILTER_GLOBAL;

extern MILTER_GLOBAL milter_global;

/* Read one live setting. */
#define LIVE(name) atomic_load_explicit(&milter_global.live.name, \
					memory_order_relaxed)

/* Copy CFG's run-time settings into milter_global.live. */
extern void global_publish(const CONFIG *cfg);

#endif
