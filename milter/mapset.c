/*
 * mapset.c - reference-counted snapshots of the configured maps, and the
 * resolver over one of them.
 *
 * Exports mapset_init(), mapset_shutdown(), mapset_acquire(),
 * mapset_release(), mapset_acquire_generation(), mapset_live(),
 * mapset_generation(), mapset_resolve(), mapset_check(),
 * mapset_reconfigure(), mapset_report() and mapset_changes(). A LOADED_MAP
 * is one open file; a MAPSET is an array of them as of one moment. Both
 * are freed by whoever drops the last reference, which may be a
 * connection thread finishing a recipient just after a reload. The store
 * keeps two snapshots, the current one and the one it replaced; a
 * connection holds one only while it resolves a recipient.
 * mapset_resolve() is the one place the milter turns a snapshot into
 * VUT_SOURCEs: lookups, domain checks and pattern matches on each map.
 * What each map is (generation, entries, load time, the last reload
 * error) is kept for the stats file; mapset_changes() moves whenever any
 * of it does.
 */
#include <errno.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include "map.h"
#include "mapprobe.h"
#include "mapset.h"
#include "msg.h"

/* One open map file, shared by every snapshot that has not replaced it. */
typedef struct LOADED_MAP {
    atomic_uint refs;
    MAP    *map;			/* lookups may come from any thread */
    char   *path;			/* as configured (a copy) */
    dev_t   dev;			/* identity of the file opened */
    ino_t   ino;
    struct timespec mtime;
    unsigned long generation;		/* of the snapshot that loaded it */
    size_t  entries;			/* keys in the file */
    time_t  loaded;			/* when it was opened */
} LOADED_MAP;

/* The maps, in configured order, as of one moment. */
struct MAPSET {
    atomic_uint refs;
    unsigned long generation;		/* 1 at startup, +1 per reload */
    size_t  nmaps;
    LOADED_MAP *maps[];
};

/* What a path looked like when it last failed to load. */
struct MAPSET_FAILURE {
    int     valid;
    int     err;			/* errno of a failed stat(), or 0 */
    dev_t   dev;
    ino_t   ino;
    struct timespec mtime;
    struct timespec ctime;
    off_t   size;
    char    error[STATS_ERROR_MAX];	/* shown until a load succeeds */
};

/* Open PATH as a new LOADED_MAP with one reference. */
static LOADED_MAP *loaded_open(const char *path, char *err, size_t errlen)
{
    LOADED_MAP *lm;
    char    why[512];
    dev_t   dev;
    ino_t   ino;

    if ((lm = calloc(1, sizeof(*lm))) == 0
	|| (lm->path = strdup(path)) == 0) {
	snprintf(err, errlen, "map %s: out of memory", path);
	free(lm);
	return (0);
    }
    if (map_probe(path, &dev, &ino, why, sizeof(why)) < 0
	|| (lm->map = map_open_readonly(path, why, sizeof(why))) == 0) {
	snprintf(err, errlen, "cannot open map %s", why);
	free(lm->path);
	free(lm);
	return (0);
    }
    atomic_init(&lm->refs, 1);
    map_identity(lm->map, &lm->dev, &lm->ino, &lm->mtime);
    lm->entries = map_entry_count(lm->map);
    lm->loaded = time(0);
    lm->generation = 1;
    if (lm->dev != dev || lm->ino != ino) {	/* replaced in between */
	snprintf(err, errlen, "cannot open map %s: replaced while it was "
		 "checked; trying again later", path);
	map_close(lm->map);
	free(lm->path);
	free(lm);
	return (0);
    }
    return (lm);
}

static void loaded_hold(LOADED_MAP *lm)
{
    atomic_fetch_add_explicit(&lm->refs, 1, memory_order_relaxed);
}

static void loaded_release(LOADED_MAP *lm)
{
    if (atomic_fetch_sub_explicit(&lm->refs, 1, memory_order_acq_rel) != 1)
	return;
    map_close(lm->map);
    free(lm->path);
    free(lm);
}

static atomic_uint live_sets;		/* MAPSETs allocated, not freed */

unsigned mapset_live(void)
{
    return (atomic_load(&live_sets));
}

/* A snapshot of N maps, each slot empty. */
static MAPSET *set_alloc(size_t n, unsigned long generation)
{
    MAPSET *set;

    if ((set = calloc(1, sizeof(*set) + n * sizeof(LOADED_MAP *))) == 0)
	return (0);
    atomic_fetch_add(&live_sets, 1);
    atomic_init(&set->refs, 1);
    set->generation = generation;
    set->nmaps = n;
    return (set);
}

void    mapset_release(MAPSET *set)
{
    size_t  i;

    if (set == 0)
	return;
    if (atomic_fetch_sub_explicit(&set->refs, 1, memory_order_acq_rel) != 1)
	return;
    for (i = 0; i < set->nmaps; i++)
	if (set->maps[i])
	    loaded_release(set->maps[i]);
    free(set);
    atomic_fetch_sub(&live_sets, 1);
}

MAPSET *mapset_acquire_generation(MAPSET_STORE *store,
				          unsigned long generation)
{
    MAPSET *set = 0;

    pthread_mutex_lock(&store->lock);
    if (store->current && store->current->generation == generation)
	set = store->current;
    else if (store->previous && store->previous->generation == generation)
	set = store->previous;
    if (set)
	atomic_fetch_add_explicit(&set->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&store->lock);
    return (set);
}

unsigned long mapset_generation(const MAPSET *set)
{
    return (set->generation);
}

/* One map of a snapshot as a VUT_SOURCE context. */
typedef struct MAP_SOURCE {
    MAP    *map;
    int    *failed;			/* set when the map cannot be read */
    const char *name;			/* the map's path */
    const char **hit;			/* the first map that had an entry */
} MAP_SOURCE;

static void source_note(MAP_SOURCE *src, int rc)
{
    if (rc < 0)
	*src->failed = 1;
    else if (rc > 0 && *src->hit == 0)
	*src->hit = src->name;
}

static int source_lookup(void *ctx, const char *key, char **value)
{
    MAP_SOURCE *src = ctx;
    int     rc;

    rc = map_lookup(src->map, key, value);
    source_note(src, rc);
    return (rc);
}

static int source_serves(void *ctx, const char *domain)
{
    MAP_SOURCE *src = ctx;

    return (map_serves(src->map, domain));
}

static int source_match(void *ctx, const char *address, char **value,
			        char *trace, size_t tracelen)
{
    MAP_SOURCE *src = ctx;
    int     rc;

    rc = map_match(src->map, address, value, trace, tracelen);
    source_note(src, rc);
    return (rc);
}

void    mapset_resolve(MAPSET *set, const char *address, int max_hops,
		               VUT_RESULT *res, int *map_failed,
		               const char **map_hit)
{
    VUT_SOURCE sources[set->nmaps];
    MAP_SOURCE ctx[set->nmaps];
    VUT     vut;
    size_t  i;

    *map_failed = 0;
    *map_hit = 0;
    memset(sources, 0, sizeof(sources));
    for (i = 0; i < set->nmaps; i++) {
	ctx[i].map = set->maps[i]->map;
	ctx[i].failed = map_failed;
	ctx[i].name = set->maps[i]->path;
	ctx[i].hit = map_hit;
	sources[i].lookup = source_lookup;
	sources[i].serves = source_serves;
	/* a map without patterns has no match step to try */
	sources[i].match = map_pattern_count(ctx[i].map) ? source_match : 0;
	sources[i].ctx = ctx + i;
	sources[i].name = set->maps[i]->path;
    }
    vut_init(&vut, sources, set->nmaps);
    vut.max_hops = max_hops;
    (void) vut_resolve(&vut, address, res);
}

MAPSET *mapset_acquire(MAPSET_STORE *store)
{
    MAPSET *set;

    pthread_mutex_lock(&store->lock);
    if ((set = store->current) != 0)
	atomic_fetch_add_explicit(&set->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&store->lock);
    return (set);
}

int     mapset_init(MAPSET_STORE *store, char *const *paths, size_t npaths,
		            STATS *stats, char *err, size_t errlen)
{
    MAPSET *set;
    size_t  i;

    memset(store, 0, sizeof(*store));
    if ((set = set_alloc(npaths, 1)) == 0
	|| (store->failed = calloc(npaths, sizeof(MAPSET_FAILURE))) == 0) {
	snprintf(err, errlen, "out of memory");
	free(set);
	return (-1);
    }
    for (i = 0; i < npaths; i++) {
	if ((set->maps[i] = loaded_open(paths[i], err, errlen)) == 0) {
	    mapset_release(set);
	    free(store->failed);
	    store->failed = 0;
	    return (-1);
	}
    }
    if (pthread_mutex_init(&store->lock, 0) != 0) {
	snprintf(err, errlen, "cannot create a lock");
	mapset_release(set);
	free(store->failed);
	store->failed = 0;
	return (-1);
    }
    atomic_init(&store->changes, 1);
    store->current = set;
    store->paths = paths;
    store->npaths = npaths;
    store->stats = stats;
    return (0);
}

void    mapset_shutdown(MAPSET_STORE *store)
{
    MAPSET *old, *before;

    /* The lock stays: a late connection thread may still ask. */
    pthread_mutex_lock(&store->lock);
    old = store->current;
    before = store->previous;
    store->current = 0;
    store->previous = 0;
    pthread_mutex_unlock(&store->lock);
    mapset_release(old);
    mapset_release(before);
    free(store->failed);
    store->failed = 0;
}

static int same_time(const struct timespec *a, const struct timespec *b)
{
    return (a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec);
}

/* Does the file at a path (ST) still hold the map loaded as LM? */
static int unchanged(const LOADED_MAP *lm, const struct stat *st)
{
    return (st->st_dev == lm->dev && st->st_ino == lm->ino
	    && same_time(&st->st_mtim, &lm->mtime));
}

/* Is this the very file (or stat error) that failed last time? */
static int failed_before(const MAPSET_FAILURE *f, int err,
			         const struct stat *st)
{
    if (!f->valid || f->err != err)
	return (0);
    if (err)
	return (1);
    return (st->st_dev == f->dev && st->st_ino == f->ino
	    && st->st_size == f->size && same_time(&st->st_mtim, &f->mtime)
	    && same_time(&st->st_ctim, &f->ctime));
}

/*
 * Set the reload error shown for path I (empty: none); readers of the
 * stats take it under the store's lock.
 */
static void set_error(MAPSET_STORE *store, size_t i, const char *text)
{
    MAPSET_FAILURE *f = store->failed + i;

    if (strcmp(f->error, text) == 0)
	return;
    pthread_mutex_lock(&store->lock);
    snprintf(f->error, sizeof(f->error), "%s", text);
    pthread_mutex_unlock(&store->lock);
    atomic_fetch_add(&store->changes, 1);
}

static void remember_failure(MAPSET_FAILURE *f, int err, const struct stat *st)
{
    memset(f, 0, offsetof(MAPSET_FAILURE, error));
    f->valid = 1;
    f->err = err;
    if (err == 0) {
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->size = st->st_size;
	f->mtime = st->st_mtim;
	f->ctime = st->st_ctim;
    }
}

static void failed_load(MAPSET_STORE *store)
{
    stats_inc(store->stats, STATS_MAP_ERRORS);
    stats_inc(store->stats, STATS_RELOAD_FAILURES);
}

/*
 * Decide about path I: null to keep OLD, else a newly opened map.
 * Logs and counts a failure once per failing file.
 */
static LOADED_MAP *check_one(MAPSET_STORE *store, size_t i,
			             const LOADED_MAP *old, int force)
{
    MAPSET_FAILURE *f = store->failed + i;
    const char *path = store->paths[i];
    struct stat st;
    LOADED_MAP *lm;
    char    err[1024];
    int     stat_err = 0;

    if (stat(path, &st) < 0)
	stat_err = errno;
    else if (unchanged(old, &st)) {
	f->valid = 0;
	set_error(store, i, "");
	return (0);
    }
    if (!force && failed_before(f, stat_err, &st))
	return (0);
    if (stat_err) {
	remember_failure(f, stat_err, &st);
	failed_load(store);
	snprintf(err, sizeof(err), "map %s: %s", path, strerror(stat_err));
	set_error(store, i, err);
	msg_warn("%s; still serving the copy loaded before", err);
	return (0);
    }
    if ((lm = loaded_open(path, err, sizeof(err))) == 0) {
	remember_failure(f, 0, &st);
	failed_load(store);
	set_error(store, i, err);
	msg_warn("%s; still serving the copy loaded before", err);
	return (0);
    }
    f->valid = 0;
    set_error(store, i, "");
    return (lm);
}

/*
 * Make NEW (holding one reference) the current snapshot; the current one
 * becomes the previous, and the previous one is dropped (freed once the
 * last recipient being resolved against it is done).
 */
static void swap_in(MAPSET_STORE *store, MAPSET *new)
{
    MAPSET *dropped;

    pthread_mutex_lock(&store->lock);
    dropped = store->previous;
    store->previous = store->current;
    store->current = new;
    pthread_mutex_unlock(&store->lock);
    mapset_release(dropped);
}

int     mapset_check(MAPSET_STORE *store, int force)
{
    MAPSET *cur = mapset_acquire(store), *new;
    LOADED_MAP *fresh[store->npaths];
    size_t  i;
    int     replaced = 0;

    if (cur == 0)
	return (0);

    for (i = 0; i < store->npaths; i++)
	if ((fresh[i] = check_one(store, i, cur->maps[i], force)) != 0)
	    replaced++;
    if (replaced == 0) {
	mapset_release(cur);
	return (0);
    }
    if ((new = set_alloc(store->npaths, cur->generation + 1)) == 0) {
	msg_warn("out of memory while reloading maps; will try again");
	for (i = 0; i < store->npaths; i++)
	    if (fresh[i])
		loaded_release(fresh[i]);
	mapset_release(cur);
	return (0);
    }
    for (i = 0; i < store->npaths; i++) {
	if (fresh[i]) {
	    fresh[i]->generation = new->generation;
	    new->maps[i] = fresh[i];
	    stats_inc(store->stats, STATS_RELOADS);
	    msg_info("map %s reloaded (generation %lu)", store->paths[i],
		     new->generation);
	} else {
	    new->maps[i] = cur->maps[i];
	    loaded_hold(new->maps[i]);
	}
    }
    mapset_release(cur);
    swap_in(store, new);
    atomic_fetch_add(&store->changes, 1);
    return (replaced);
}

/* The map of CUR loaded from PATH, if the file there has not changed. */
static LOADED_MAP *reusable(const MAPSET *cur, const char *path)
{
    struct stat st;
    size_t  i;

    if (stat(path, &st) < 0)
	return (0);
    for (i = 0; i < cur->nmaps; i++)
	if (strcmp(cur->maps[i]->path, path) == 0
	    && unchanged(cur->maps[i], &st))
	    return (cur->maps[i]);
    return (0);
}

static int same_paths(const MAPSET_STORE *store, char *const *paths,
		              size_t npaths)
{
    size_t  i;

    if (npaths != store->npaths)
	return (0);
    for (i = 0; i < npaths; i++)
	if (strcmp(paths[i], store->paths[i]) != 0)
	    return (0);
    return (1);
}

/* A snapshot of PATHS after CUR: its maps where unchanged, else opened. */
static MAPSET *set_from_paths(const MAPSET *cur, char *const *paths,
			              size_t npaths, char *err, size_t errlen)
{
    MAPSET *new;
    LOADED_MAP *lm;
    size_t  i;

    if ((new = set_alloc(npaths, cur->generation + 1)) == 0) {
	snprintf(err, errlen, "out of memory");
	return (0);
    }
    for (i = 0; i < npaths; i++) {
	if ((lm = reusable(cur, paths[i])) != 0)
	    loaded_hold(lm);
	else if ((lm = loaded_open(paths[i], err, errlen)) == 0) {
	    mapset_release(new);
	    return (0);
	} else
	    lm->generation = new->generation;
	new->maps[i] = lm;
    }
    return (new);
}

int     mapset_reconfigure(MAPSET_STORE *store, char *const *paths,
			           size_t npaths, char *err, size_t errlen)
{
    MAPSET *cur, *new;
    MAPSET_FAILURE *failed;

    if (same_paths(store, paths, npaths)) {
	store->paths = paths;
	return (0);
    }
    if ((cur = mapset_acquire(store)) == 0) {
	snprintf(err, errlen, "the milter is stopping");
	return (-1);
    }
    new = set_from_paths(cur, paths, npaths, err, errlen);
    mapset_release(cur);
    if (new == 0)
	return (-1);
    if ((failed = calloc(npaths, sizeof(*failed))) == 0) {
	snprintf(err, errlen, "out of memory");
	mapset_release(new);
	return (-1);
    }
    pthread_mutex_lock(&store->lock);
    free(store->failed);
    store->failed = failed;
    store->paths = paths;
    store->npaths = npaths;
    pthread_mutex_unlock(&store->lock);
    atomic_fetch_add(&store->changes, 1);
    stats_inc(store->stats, STATS_RELOADS);
    msg_info("maps reconfigured: %zu map(s) (generation %lu)", npaths,
	     new->generation);
    swap_in(store, new);
    return (1);
}

size_t  mapset_report(MAPSET_STORE *store, STATS_MAP *maps, size_t max,
		              MAPSET **hold)
{
    MAPSET *set;
    LOADED_MAP *lm;
    size_t  i, n;

    if ((*hold = set = mapset_acquire(store)) == 0)
	return (0);
    n = set->nmaps < max ? set->nmaps : max;
    pthread_mutex_lock(&store->lock);
    for (i = 0; i < n; i++) {
	lm = set->maps[i];
	maps[i].path = lm->path;
	maps[i].generation = lm->generation;
	maps[i].entries = lm->entries;
	maps[i].loaded = (long) lm->loaded;
	maps[i].mtime = (long) lm->mtime.tv_sec;
	snprintf(maps[i].error, sizeof(maps[i].error), "%s",
		 store->failed && i < store->npaths ?
		 store->failed[i].error : "");
    }
    pthread_mutex_unlock(&store->lock);
    return (n);
}

unsigned long mapset_changes(MAPSET_STORE *store)
{
    return (atomic_load(&store->changes));
}
