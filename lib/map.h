#ifndef MAP_H_INCLUDED
#define MAP_H_INCLUDED

/*
 * map.h - Berkeley DB maps in the format sendmail's makemap writes.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct MAP MAP;

/*
 * Open PATH read-only. Keys stored with a trailing NUL (makemap -N,
 * postmap) are detected and looked up the same way. The domains of all
 * keys are noted at open, so addresses elsewhere cost no lookup, and the
 * /pattern/ entries are compiled (one that does not compile fails the
 * open). Lookups may come from several threads. Returns null with a
 * reason in ERR on failure (missing, unreadable, corrupt, not a map).
 */
extern MAP *map_open_readonly(const char *path, char *err, size_t errlen);

/* The same with a Berkeley DB cache of CACHE bytes (0: the default). */
extern MAP *map_open_cached(const char *path, size_t cache, char *err,
			            size_t errlen);

/* True when keys are stored with a trailing NUL. */
extern int map_has_nul(const MAP *map);

/* VUT_SOURCE lookup: 1 found (*value malloc()ed), 0 absent, -1 error. */
extern int map_lookup(void *map, const char *key, char **value);

/* VUT_SOURCE serves: does any key of the map end in @DOMAIN (folded)? */
extern int map_serves(void *map, const char *domain);

/*
 * VUT_SOURCE match: the map's /pattern/ entries, compiled at open, in
 * file order against ADDRESS (see pattern_set_match()). Thread-safe.
 */
extern int map_match(void *map, const char *address, char **value,
		             char *trace, size_t tracelen);
extern size_t map_pattern_count(const MAP *map);

/* The number of entries (keys) the map held when it was opened. */
extern size_t map_entry_count(const MAP *map);

/*
 * Call FN for every entry, as stored (a pattern's value keeps its
 * number); stops and returns FN's value if non-zero.
 */
typedef int (*MAP_WALK_FN) (void *ctx, const char *key, const char *value);
extern int map_walk(MAP *map, MAP_WALK_FN fn, void *ctx);

/* The same for the patterns only, in file order, values without number. */
extern int map_walk_patterns(MAP *map, MAP_WALK_FN fn, void *ctx);

/* Identity of the file opened, to notice a replacement on disk. */
extern void map_identity(const MAP *map, dev_t *dev, ino_t *ino,
			             struct timespec *mtime);
extern const char *map_path(const MAP *map);
extern void map_close(MAP *map);

/* Writing: a new map appears atomically at PATH only on map_commit(). */
typedef struct MAP_WRITER MAP_WRITER;

#define MAP_TYPE_HASH	0
#define MAP_TYPE_BTREE	1
#define MAP_FLAG_NUL	(1<<0)		/* store keys and values with NUL */

/*
 * Where KEY lands in a hash map: writing keys in ascending rank fills the
 * file bucket by bucket, whatever its size, so a small cache suffices.
 */
extern uint32_t map_hash_rank(const char *key, int flags);

/* NELEM entries of PAIR_SIZE bytes (key + value) on average presize it. */
extern MAP_WRITER *map_create(const char *path, int type, int flags,
			              size_t nelem, size_t pair_size, char *err,
			              size_t errlen);
/*
 * The number of buckets of the hash map W writes is 1 << this (0 for a
 * btree map, or when the library does not say). Written in ascending
 * rank, then reordered by rank_by_low_bits() with it, the buckets go to
 * the file in page order, each page once, appended at its end.
 */
extern int map_bucket_bits(MAP_WRITER *w);

/*
 * map_put() copies the pair. A presized hash map keeps its pairs until
 * map_commit(), which lays its bucket pages out directly when each
 * bucket fits its page (hashpage.c), the very bytes the library's own
 * inserts give, or else hands the pairs to the library; other maps
 * hand them to Berkeley DB a batch at a time (DB_MULTIPLE_KEY). A write
 * error may so be reported by a later map_put() or by map_commit().
 */
extern int map_put(MAP_WRITER *w, const char *key, const char *value,
		           char *err, size_t errlen);

/*
 * The same, but KEY and VALUE must stay as they are until map_commit(),
 * and RANK is map_hash_rank() of KEY with the map's flags.
 */
extern int map_put_kept(MAP_WRITER *w, const char *key, const char *value,
			        uint32_t rank, char *err, size_t errlen);

extern int map_commit(MAP_WRITER *w, char *err, size_t errlen);
extern void map_abort(MAP_WRITER *w);

/*
 * Tests only: with ON, maps created after are written through the
 * library's own inserts, the reference that the direct pages must equal.
 * Returns how many maps had their pages laid out directly so far.
 */
extern unsigned map_library_pages(int on);

#endif
