#ifndef GLOBAL_H_INCLUDED
#define GLOBAL_H_INCLUDED

/*
 * global.h - the milter's only process-wide mutable state.
 *
 * Everything a connection thread shares with other threads is here:
 *
 *   cfg	read-only once smfi_main() runs.
 *   maps	the current map snapshot; see mapset.h for its locking.
 *   stats	counters, atomic, no lock.
 *   in_txn	transactions holding a snapshot (for a clean stop).
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

typedef struct MILTER_GLOBAL {
    const CONFIG *cfg;
    MAPSET_STORE maps;
    STATS   stats;
    atomic_int in_txn;
    time_t  started;
} MILTER_GLOBAL;

extern MILTER_GLOBAL milter_global;

#endif
