#ifndef MAPSET_H_INCLUDED
#define MAPSET_H_INCLUDED

/*
 * mapset.h - the maps the milter serves from, as reference-counted
 * snapshots. A transaction takes the current snapshot at its first
 * recipient and keeps it to the end; a reload builds a new snapshot
 * beside it and swaps one pointer, so it never waits for a transaction
 * and a transaction never waits for it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <time.h>
#include "map.h"
#include "stats.h"

/* One open map file, shared by every snapshot that has not replaced it. */
typedef struct LOADED_MAP {
    atomic_uint refs;
    MAP    *map;			/* lookups may come from any thread */
    char   *path;			/* as configured (a copy) */
    dev_t   dev;			/* identity of the file opened */
    ino_t   ino;
    struct timespec mtime;
} LOADED_MAP;

/* The maps, in configured order, as of one moment. */
typedef struct MAPSET {
    atomic_uint refs;
    unsigned long generation;		/* 1 at startup, +1 per reload */
    size_t  nmaps;
    LOADED_MAP *maps[];
} MAPSET;

/* What a path looked like when it last failed to load. */
typedef struct MAPSET_FAILURE {
    int     valid;
    int     err;			/* errno of a failed stat(), or 0 */
    dev_t   dev;
    ino_t   ino;
    struct timespec mtime;
    struct timespec ctime;
    off_t   size;
} MAPSET_FAILURE;

/*
 * Where the current snapshot lives. Only the reload thread writes
 * `current' (under `lock'); connection threads take a reference under
 * the same lock, which is held for a pointer copy and an increment.
 */
typedef struct MAPSET_STORE {
    pthread_mutex_t lock;
    MAPSET *current;
    char *const *paths;		/* configured map paths */
    size_t  npaths;
    MAPSET_FAILURE *failed;		/* per path; reload thread only */
    STATS  *stats;
} MAPSET_STORE;

/* Open every map; -1 with "map PATH: reason" in ERR if one fails. */
extern int mapset_init(MAPSET_STORE *store, char *const *paths,
		               size_t npaths,
		               STATS *stats, char *err, size_t errlen);

/*
 * Drop the store's reference; snapshots still held stay valid, and
 * mapset_acquire() returns null from now on.
 */
extern void mapset_shutdown(MAPSET_STORE *store);

/* A reference to the current snapshot; null only after shutdown. */
extern MAPSET *mapset_acquire(MAPSET_STORE *store);
extern void mapset_release(MAPSET *set);

/*
 * Look for a replaced map file (new inode or modification time) and
 * swap in a snapshot with it. A file that cannot be opened leaves the
 * old one serving; it is logged once and tried again when it changes,
 * or on every call when FORCE. Returns the number of maps replaced.
 */
extern int mapset_check(MAPSET_STORE *store, int force);

/* map_lookup(), map_serves() and map_match() on one map of a snapshot. */
extern int mapset_lookup(LOADED_MAP *lm, const char *key, char **value);
extern int mapset_serves(LOADED_MAP *lm, const char *domain);
extern int mapset_match(LOADED_MAP *lm, const char *address, char **value,
			        char *trace, size_t tracelen);

#endif
