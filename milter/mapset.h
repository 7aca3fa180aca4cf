#ifndef MAPSET_H_INCLUDED
#define MAPSET_H_INCLUDED

/*
 * mapset.h - the maps the milter serves from, as reference-counted
 * snapshots, and the resolver over one snapshot. A reload builds a new
 * snapshot beside the current one and swaps one pointer, so it never
 * waits for a connection and a connection never waits for it. What a
 * snapshot holds (LOADED_MAP, the VUT_SOURCE adapters) is private to
 * mapset.c.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include "vut.h"
#include "stats.h"

typedef struct MAPSET MAPSET;
typedef struct MAPSET_FAILURE MAPSET_FAILURE;

/*
 * Where the current snapshot lives, and the one before it; only
 * mapset.c looks inside. `current' and `previous' are written under
 * `lock' by the main thread only: mapset_init() and mapset_shutdown()
 * (before libmilter's thread starts and after it ended), mapset_check()
 * and mapset_reconfigure() (the reloads). Connection threads take a
 * reference under the same lock, which is held for a pointer copy and
 * an increment.
 */
typedef struct MAPSET_STORE {
    pthread_mutex_t lock;
    MAPSET *current;
    MAPSET *previous;			/* the one current replaced, or null */
    char *const *paths;		/* configured map paths */
    size_t  npaths;
    MAPSET_FAILURE *failed;		/* per path; main thread only */
    STATS  *stats;
    atomic_ulong changes;		/* moves when a map's state does */
} MAPSET_STORE;

/*
 * Open every map; -1 with "cannot open map PATH: reason" in ERR if one
 * fails.
 */
extern int mapset_init(MAPSET_STORE *store, char *const *paths,
		               size_t npaths,
		               STATS *stats, char *err, size_t errlen);

/*
 * Drop the store's reference; snapshots still held stay valid, and
 * mapset_acquire() returns null from now on.
 */
extern void mapset_shutdown(MAPSET_STORE *store);

/*
 * A reference to the current snapshot; null only after shutdown.
 * Connections hold one for a single recipient, never while idle: the
 * store keeps the current snapshot and the one it replaced, so that at
 * most two generations stay in memory however many connections wait.
 */
extern MAPSET *mapset_acquire(MAPSET_STORE *store);
extern void mapset_release(MAPSET *set);

/*
 * A reference to the snapshot of GENERATION if the store still keeps it
 * (the current one or the one before), else null.
 */
extern MAPSET *mapset_acquire_generation(MAPSET_STORE *store,
				                 unsigned long generation);

/* Snapshots in memory now, held by the store or by a connection. */
extern unsigned mapset_live(void);

/* 1 for the maps opened at startup, one more per reload. */
extern unsigned long mapset_generation(const MAPSET *set);

/*
 * Resolve ADDRESS through the maps of SET, in order, following at most
 * MAX_HOPS rewrites. Fills RES (see vut_resolve()); *MAP_FAILED is set
 * when a map could not be read on the way; *MAP_HIT is the path of the
 * first map that had an entry on the way (valid while SET is held), or
 * null.
 */
extern void mapset_resolve(MAPSET *set, const char *address, int max_hops,
			           VUT_RESULT *res, int *map_failed,
			           const char **map_hit);

/*
 * Look for a replaced map file (new inode or modification time) and
 * swap in a snapshot with it. A file that cannot be opened leaves the
 * old one serving; it is logged once and tried again when it changes,
 * or on every call when FORCE. Returns the number of maps replaced.
 */
extern int mapset_check(MAPSET_STORE *store, int force);

/*
 * Serve PATHS (which must outlive the store's use of them) from now on.
 * A new snapshot keeps each map whose file has not changed and opens
 * the others; if one cannot be opened, nothing changes and -1 comes
 * back with the reason. Returns 1 when the list changed, 0 when it was
 * the same. The main thread only.
 */
extern int mapset_reconfigure(MAPSET_STORE *store, char *const *paths,
			              size_t npaths, char *err, size_t errlen);

/*
 * The state of each map of the current snapshot, at most MAX: path,
 * the generation that loaded it, entries, load time, file mtime and the
 * last reload error of its path (empty once a load succeeds). The paths
 * point into the snapshot returned in *HOLD: mapset_release() it when
 * done. Returns the number filled in (0 after shutdown).
 */
extern size_t mapset_report(MAPSET_STORE *store, STATS_MAP *maps,
			            size_t max, MAPSET **hold);

/* A number that grows whenever a map is loaded or its error changes. */
extern unsigned long mapset_changes(MAPSET_STORE *store);

#endif
