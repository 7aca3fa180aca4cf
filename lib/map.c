/*
 * map.c - Berkeley DB maps in sendmail's makemap format.
 *
 * Exports map_open_readonly(), map_open_cached(), map_lookup(),
 * map_serves(), map_match(), map_pattern_count(), map_entry_count(),
 * map_walk(), map_walk_patterns(), map_identity(), map_path(),
 * map_has_nul(), map_close() for readers, and map_create(), map_put(),
 * map_put_kept(), map_commit(), map_abort() for writers (and
 * map_library_pages() for tests). The library creates every map; a
 * presized hash map's pairs are kept until the commit, where hashpage.c
 * lays out the bucket pages itself when each bucket fits its page (the
 * bytes the library's inserts give, in a fraction of the time), else
 * they go to the library a batch at a time (DB_MULTIPLE_KEY), as do a
 * btree map's.
 * Keys and values are stored without a trailing NUL unless
 * MAP_FLAG_NUL (makemap -N, postmap); readers detect which. The one scan
 * at open notes every domain and compiles the /pattern/ entries. A writer
 * builds a temporary file beside the target, seals it (mapseal.c: the
 * same entries, the same bytes), fsyncs it and renames it over the
 * target, so a reader sees the old map or the new, never half.
 */
#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "addr.h"
#include "atomicfile.h"
#include "hashpage.h"
#include "htable.h"
#include "map.h"
#include "mapseal.h"
#include "pattern.h"

#define MAP_DEFAULT_CACHE	(2u << 20)
#define MAP_WRITE_CACHE		(8u << 20)
#define MAP_PAGE_SIZE		8192
#define MAP_PAIR_OVERHEAD	12	/* index entries and item headers */

struct MAP {
    DB     *db;
    pthread_mutex_t lock;		/* one lookup at a time per handle */
    char   *path;
    int     nul;			/* keys end in NUL */
    struct stat st;			/* the file as opened */
    HTABLE *domains;			/* every domain on a left-hand side */
    char   *domain_text;		/* their storage */
    size_t  domain_len, domain_cap;
    PATTERN_SET *patterns;		/* the /pattern/ entries, compiled */
    size_t  nentries;			/* keys, counted by the scan at open */
    char    pattern_err[512];		/* why one could not be read */
};

struct MAP_WRITER {
    DB_ENV *env;			/* its own cache, flushed without sync */
    DB     *db;
    int     watched_fd;			/* the library's, for map_seal_watch() */
    off_t   presized;			/* the file's size as created */
    ATOMIC_FILE *file;			/* the temporary file beside the target */
    int     flags;
    DBT     batch;			/* pairs not yet written, in bulk */
    void   *batch_at;			/* DB_MULTIPLE_KEY's write position */
    size_t  batched;			/* how many */
    HASH_PAGES *direct;			/* pairs for pages written here */
};

/* Tests: every hash map through the library's own inserts. */
static int library_only;
static unsigned direct_maps;		/* maps whose pages were laid out here */

#define MAP_BATCH_SIZE	(1u << 20)	/* pairs handed to the library at once */

/* Berkeley DB reports details through a callback; keep the last one. */
static __thread char db_message[256];

static void db_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
    (void) env;
    (void) pfx;
    snprintf(db_message, sizeof(db_message), "%s", msg);
}

static void set_err(char *err, size_t len, const char *path, const char *what,
		            int code)
{
    const char *why = code > 0 ? strerror(code) : db_strerror(code);

    if (db_message[0])
	why = db_message;
    snprintf(err, len, "%s: %s: %s", path, what, why);
    db_message[0] = 0;
}

/*
 * A writer's Berkeley DB call failed with CODE, errno then SAVED_ERRNO.
 * Berkeley DB reports a full disk as a page it could not flush; say
 * what it was when errno or the file system (PATH's) shows it.
 */
static void set_write_err(char *err, size_t len, const char *path,
			          const char *what, int code, int saved_errno)
{
    struct statvfs vfs;
    int     full = 0;

    if (saved_errno == ENOSPC || saved_errno == EDQUOT)
	full = saved_errno;
    else if (statvfs(path, &vfs) == 0
	     && (unsigned long long) vfs.f_bavail * vfs.f_frsize
	     < MAP_PAGE_SIZE)
	full = ENOSPC;
    if (full == 0) {
	set_err(err, len, path, what, code);
	return;
    }
    snprintf(err, len, "%s: %s: %s (%s)", path, what, strerror(full),
	     db_message[0] ? db_message :
	     code > 0 ? strerror(code) : db_strerror(code));
    db_message[0] = 0;
}

static int open_db(DB **dbp, const char *path, DBTYPE type, u_int32_t flags,
		           size_t cache, char *err, size_t errlen)
{
    DB     *db;
    int     r;

    db_message[0] = 0;
    if ((r = db_create(&db, 0, 0)) != 0) {
	set_err(err, errlen, path, "cannot create handle", r);
	return (-1);
    }
    db->set_errcall(db, db_errcall);
    if ((r = db->set_cachesize(db, 0, cache, 1)) != 0
	|| (r = db->open(db, 0, path, 0, type, flags, 0)) != 0) {
	set_err(err, errlen, path, "cannot open map", r);
	db->close(db, DB_NOSYNC);
	return (-1);
    }
    *dbp = db;
    return (0);
}

/* Look at the first entry: stored with a NUL? And can we read at all? */
static int probe_map(MAP *map, char *err, size_t errlen)
{
    DBC    *c;
    DBT     k, v;
    u_int32_t pagesize;
    int     r;

    if (map->db->get_pagesize(map->db, &pagesize) == 0 && pagesize > 0
	&& map->st.st_size % pagesize != 0) {
	snprintf(err, errlen, "%s: truncated map (size %lld is not a multiple "
		 "of the page size %u)", map->path, (long long) map->st.st_size,
		 pagesize);
	return (-1);
    }
    if ((r = map->db->cursor(map->db, 0, &c, 0)) != 0) {
	set_err(err, errlen, map->path, "cannot read map", r);
	return (-1);
    }
    memset(&k, 0, sizeof(k));
    memset(&v, 0, sizeof(v));
    r = c->get(c, &k, &v, DB_NEXT);
    if (r == 0)
	map->nul = (k.size > 0 && ((char *) k.data)[k.size - 1] == 0);
    c->close(c);
    if (r != 0 && r != DB_NOTFOUND) {
	set_err(err, errlen, map->path, "corrupt map", r);
	return (-1);
    }
    return (0);
}

#define SCAN_GROW	1		/* note_domain(): out of room */
#define SCAN_PATTERN	2		/* note_domain(): a bad pattern */
#define SCAN_NOMEM	3		/* note_domain(): out of memory */

/* Keep a pattern entry for compiling once the scan is over. */
static int note_pattern(MAP *map, const char *key, const char *stored)
{
    const char *value;
    unsigned seq;

    if (pattern_parse_stored(stored, &seq, &value) < 0) {
	snprintf(map->pattern_err, sizeof(map->pattern_err), "pattern %s: "
		 "stored value does not open with its %d-digit number", key,
		 PATTERN_SEQ_WIDTH);
	return (SCAN_PATTERN);
    }
    if (pattern_set_add(map->patterns, key, value, seq) < 0) {
	snprintf(map->pattern_err, sizeof(map->pattern_err), "out of memory");
	return (SCAN_PATTERN);
    }
    return (0);
}

/*
 * Remember the domain of KEY, or the pattern it is; the map is scanned
 * once, at open.
 */
static int note_domain(void *ctx, const char *key, const char *value)
{
    MAP    *map = ctx;
    const char *at = strrchr(key, '@');
    size_t  len;
    char   *grown;

    map->nentries++;
    if (pattern_is_key(key))
	return (note_pattern(map, key, value));
    if (at == 0 || htable_find(map->domains, at + 1))
	return (0);
    len = strlen(at + 1) + 1;
    if (map->domain_len + len > map->domain_cap) {
	/* Keys point into the text: grow by a new table, not a realloc. */
	return (SCAN_GROW);
    }
    grown = map->domain_text + map->domain_len;
    memcpy(grown, at + 1, len);
    addr_fold(grown, grown);
    map->domain_len += len;
    return (htable_insert(map->domains, grown, grown) == HTABLE_NOMEM ?
	    SCAN_NOMEM : 0);
}

static int scan_domains(MAP *map, char *err, size_t errlen)
{
    int     r;

    map->domain_cap = 4096;
    for (;;) {
	htable_free(map->domains);
	free(map->domain_text);
	pattern_set_free(map->patterns);
	map->domain_len = 0;
	map->nentries = 0;
	map->domains = 0;
	map->patterns = 0;
	if ((map->domain_text = malloc(map->domain_cap)) == 0
	    || (map->patterns = pattern_set_create()) == 0
	    || (map->domains = htable_create(16)) == 0
	    || (r = map_walk(map, note_domain, map)) == SCAN_NOMEM) {
	    snprintf(err, errlen, "%s: out of memory", map->path);
	    return (-1);
	}
	if (r == 0)
	    break;
	if (r == SCAN_PATTERN) {
	    snprintf(err, errlen, "%s: %s", map->path, map->pattern_err);
	    return (-1);
	}
	if (r < 0) {
	    snprintf(err, errlen, "%s: cannot read the whole map (corrupt?)", map->path);
	    return (-1);
	}
	map->domain_cap *= 4;			/* ran out of room: again */
    }
    if (pattern_set_finish(map->patterns, map->pattern_err,
			   sizeof(map->pattern_err)) < 0) {
	snprintf(err, errlen, "%s: %s", map->path, map->pattern_err);
	return (-1);
    }
    return (0);
}

int     map_serves(void *ctx, const char *domain)
{
    MAP    *map = ctx;

    return (htable_find(map->domains, domain) != 0);
}

int     map_match(void *ctx, const char *address, char **value, char *trace,
		          size_t tracelen)
{
    MAP    *map = ctx;

    return (pattern_set_match(map->patterns, address, value, trace, tracelen));
}

size_t  map_entry_count(const MAP *map)
{
    return (map->nentries);
}

size_t  map_pattern_count(const MAP *map)
{
    return (pattern_set_count(map->patterns));
}

int     map_walk_patterns(MAP *map, MAP_WALK_FN fn, void *ctx)
{
    size_t  i;
    int     r;

    for (i = 0; i < pattern_set_count(map->patterns); i++)
	if ((r = fn(ctx, pattern_set_key(map->patterns, i),
		    pattern_set_value(map->patterns, i))) != 0)
	    return (r);
    return (0);
}

/*
 * A lookup holds the lock for a few microseconds (one page read at most),
 * so a waiter spins briefly before it sleeps: under load that saves the
 * milter's threads a trip through the scheduler for most collisions.
 */
static void init_lookup_lock(pthread_mutex_t *lock)
{
    pthread_mutexattr_t attr;

    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(lock, &attr);
    pthread_mutexattr_destroy(&attr);
}

MAP    *map_open_cached(const char *path, size_t cache, char *err, size_t errlen)
{
    MAP    *map;
    int     fd;

    if ((map = calloc(1, sizeof(*map))) == 0 || (map->path = strdup(path)) == 0) {
	free(map);
	snprintf(err, errlen, "%s: out of memory", path);
	return (0);
    }
    init_lookup_lock(&map->lock);
    /* Open it ourselves first: plain errors read better than DB's. */
    if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &map->st) < 0) {
	if (errno == EACCES && stat(path, &map->st) == 0)
	    snprintf(err, errlen, "%s: permission denied (owner uid %ld, "
		     "mode %04o; we run as uid %ld)", path,
		     (long) map->st.st_uid, (unsigned) map->st.st_mode & 07777,
		     (long) geteuid());
	else
	    snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (fd >= 0)
	    close(fd);
	map_close(map);
	return (0);
    }
    close(fd);
    if (!S_ISREG(map->st.st_mode) || map->st.st_size == 0) {
	snprintf(err, errlen, "%s: not a map file (%s)", path,
		 S_ISREG(map->st.st_mode) ? "empty" : "not a regular file");
	map_close(map);
	return (0);
    }
    if (open_db(&map->db, path, DB_UNKNOWN, DB_RDONLY,
		cache ? cache : MAP_DEFAULT_CACHE, err, errlen) < 0
	|| probe_map(map, err, errlen) < 0
	|| scan_domains(map, err, errlen) < 0) {
	map_close(map);
	return (0);
    }
    return (map);
}

MAP    *map_open_readonly(const char *path, char *err, size_t errlen)
{
    return (map_open_cached(path, 0, err, errlen));
}

int     map_lookup(void *ctx, const char *key, char **value)
{
    MAP    *map = ctx;
    DBT     k, v;
    int     r;
    char    small[512];

    memset(&k, 0, sizeof(k));
    memset(&v, 0, sizeof(v));
    k.data = (void *) key;
    k.size = strlen(key) + map->nul;
    /* Most values fit on the stack; a longer one is fetched again. */
    v.data = small;
    v.ulen = sizeof(small);
    v.flags = DB_DBT_USERMEM;
    pthread_mutex_lock(&map->lock);
    if ((r = map->db->get(map->db, 0, &k, &v, 0)) == DB_BUFFER_SMALL) {
	v.flags = DB_DBT_MALLOC;
	r = map->db->get(map->db, 0, &k, &v, 0);
    }
    pthread_mutex_unlock(&map->lock);
    if (r == DB_NOTFOUND)
	return (0);
    if (r != 0) {
	char    err[512];

	set_err(err, sizeof(err), map->path, "lookup failed", r);
	*value = strdup(err);
	return (-1);
    }
    if (map->nul && v.size > 0 && ((char *) v.data)[v.size - 1] == 0)
	v.size--;
    if ((*value = malloc(v.size + 1)) != 0) {
	memcpy(*value, v.data, v.size);
	(*value)[v.size] = 0;
    }
    if (v.data != small)
	free(v.data);
    return (*value ? 1 : -1);
}

int     map_walk(MAP *map, MAP_WALK_FN fn, void *ctx)
{
    DBC    *c;
    DBT     k, v;
    char   *key = 0, *val = 0;
    int     r, ret = 0;

    if ((r = map->db->cursor(map->db, 0, &c, 0)) != 0)
	return (-1);
    memset(&k, 0, sizeof(k));
    memset(&v, 0, sizeof(v));
    while (ret == 0 && (r = c->get(c, &k, &v, DB_NEXT)) == 0) {
	char   *nk = realloc(key, k.size + 1), *nv;

	if (nk == 0 || (key = nk, (nv = realloc(val, v.size + 1)) == 0)) {
	    ret = -1;
	    break;
	}
	val = nv;
	/* An empty item may come with no data pointer at all. */
	if (k.size)
	    memcpy(key, k.data, k.size);
	key[k.size] = 0;			/* a stored NUL ends it earlier */
	if (v.size)
	    memcpy(val, v.data, v.size);
	val[v.size] = 0;
	ret = fn(ctx, key, val);
    }
    c->close(c);
    free(key);
    free(val);
    if (ret == 0 && r != DB_NOTFOUND)
	ret = -1;
    return (ret);
}

void    map_identity(const MAP *map, dev_t *dev, ino_t *ino, struct timespec *mtime)
{
    *dev = map->st.st_dev;
    *ino = map->st.st_ino;
    *mtime = map->st.st_mtim;
}

const char *map_path(const MAP *map)
{
    return (map->path);
}

int     map_has_nul(const MAP *map)
{
    return (map->nul);
}

void    map_close(MAP *map)
{
    if (map == 0)
	return;
    if (map->db)
	map->db->close(map->db, DB_NOSYNC);
    pthread_mutex_destroy(&map->lock);
    htable_free(map->domains);
    free(map->domain_text);
    pattern_set_free(map->patterns);
    free(map->path);
    free(map);
}

/* Writers. */

/* The bits of H in reverse order: a hash to its rank and back. */
static uint32_t reverse_bits(uint32_t h)
{
    /* Swap halves, bytes, nibbles, pairs, bits. */
    h = (h >> 16) | (h << 16);
    h = ((h & 0xff00ff00u) >> 8) | ((h & 0x00ff00ffu) << 8);
    h = ((h & 0xf0f0f0f0u) >> 4) | ((h & 0x0f0f0f0fu) << 4);
    h = ((h & 0xccccccccu) >> 2) | ((h & 0x33333333u) << 2);
    h = ((h & 0xaaaaaaaau) >> 1) | ((h & 0x55555555u) << 1);
    return (h);
}

/*
 * Berkeley DB's default hash (FNV-1 from 0) picks the bucket from the low
 * bits of the hash; ranking by the bit-reversed hash groups every bucket
 * together for any number of buckets (and rank_by_low_bits() with
 * map_bucket_bits() then puts the buckets in file order). This is the
 * library's own hash (hashpage_hash()), because it must choose the
 * buckets the library chooses.
 */
uint32_t map_hash_rank(const char *key, int flags)
{
    size_t  len = strlen(key) + ((flags & MAP_FLAG_NUL) ? 1 : 0);

    return (reverse_bits(hashpage_hash(key, len)));
}

/* Pairs per bucket: Berkeley DB rounds the buckets up to a power of two. */
static u_int32_t fill_factor(size_t pair_size)
{
    size_t  per_page = MAP_PAGE_SIZE / (pair_size + MAP_PAIR_OVERHEAD);

    return (per_page < 1 ? 1 : per_page);
}

/*
 * The entries to size the buckets for: half as many again as NELEM, so
 * that a bucket holds two thirds of the fill factor at most on average.
 * A fuller table has some bucket past the fill factor, which makes the
 * library split buckets one by one, as far as the next power of two (a
 * file of that size, written in a jumble), and leaves no pages for
 * hashpage.c to lay out; sized so, the file is no larger.
 */
static u_int32_t bucket_room(size_t nelem)
{
    size_t  room = nelem + nelem / 2;

    return (room > UINT32_MAX ? UINT32_MAX : (u_int32_t) room);
}

/* Start an empty batch in W's buffer. */
static void batch_start(MAP_WRITER *w)
{
    w->batch.ulen = MAP_BATCH_SIZE;
    w->batch.flags = DB_DBT_USERMEM;
    DB_MULTIPLE_WRITE_INIT(w->batch_at, &w->batch);
    w->batched = 0;
}

/* Hand W's batch to the library in one call. */
static int batch_flush(MAP_WRITER *w, char *err, size_t errlen)
{
    DBT     none;
    int     r;

    if (w->batched == 0)
	return (0);
    memset(&none, 0, sizeof(none));
    errno = 0;
    if ((r = w->db->put(w->db, 0, &w->batch, &none, DB_MULTIPLE_KEY)) != 0) {
	set_write_err(err, errlen, atomic_temp(w->file), "write failed", r,
		      errno);
	return (-1);
    }
    batch_start(w);
    return (0);
}

/*
 * A private environment for W's cache: the library's own (no
 * environment) can only write its pages out with a sync, before
 * map_seal() rewrites them; this one writes them without one
 * (memp_trickle), and syncs when it is closed, after the seal.
 */
static int open_write_env(MAP_WRITER *w)
{
    int     r;

    if ((r = db_env_create(&w->env, 0)) != 0) {
	w->env = 0;
	return (r);
    }
    w->env->set_errcall(w->env, db_errcall);
    if ((r = w->env->set_cachesize(w->env, 0, MAP_WRITE_CACHE, 1)) != 0
	|| (r = w->env->open(w->env, 0, DB_CREATE | DB_PRIVATE | DB_INIT_MPOOL,
			     0)) != 0)
	return (r);
    return (0);
}

/* Have the library's writes of W's pages cleared on the way (mapseal.c). */
static void watch_pages(MAP_WRITER *w)
{
    u_int32_t pagesize;
    int     fd;

    if (w->db->fd(w->db, &fd) == 0 && w->db->get_pagesize(w->db, &pagesize) == 0) {
	map_seal_watch(fd, pagesize);
	w->watched_fd = fd;
    }
}

/* Close what W has of its map and environment; the library syncs the file. */
static int close_write_env(MAP_WRITER *w)
{
    int     r = 0, t = 0;

    if (w->watched_fd >= 0)
	map_seal_unwatch(w->watched_fd);
    w->watched_fd = -1;
    if (w->db)
	r = w->db->close(w->db, DB_NOSYNC);
    w->db = 0;
    if (w->env)
	t = w->env->close(w->env, 0);
    w->env = 0;
    return (r ? r : t);
}

/*
 * A presized hash map is created with its last bucket page written, so
 * that every bucket page before it is a hole that the cache reads before
 * it fills it: the kernel zero-fills each one, and a million-entry map
 * read 134 MB of zeros that way. Cut the file back to its meta page: a
 * page past the end is read as nothing at all (the library sets up its
 * header; the rest is what its buffer held, for map_seal() to clear).
 * The size comes back at commit (restore_size()), should the last
 * buckets stay empty.
 */
static int trim_presized(MAP_WRITER *w)
{
    struct stat st;
    u_int32_t pagesize;
    int     fd = atomic_fd(w->file);

    if (w->db->get_pagesize(w->db, &pagesize) != 0 || fstat(fd, &st) < 0)
	return (-1);
    w->presized = st.st_size;
    return (st.st_size > pagesize ? ftruncate(fd, pagesize) : 0);
}

/* The file at least as long as it was created (trim_presized()). */
static int restore_size(MAP_WRITER *w)
{
    struct stat st;
    int     fd = atomic_fd(w->file);

    if (fstat(fd, &st) < 0)
	return (-1);
    return (st.st_size < w->presized ? ftruncate(fd, w->presized) : 0);
}

/*
 * The pairs of W, a new hash map, go to hashpage.c when its meta page
 * is one whose bucket pages are laid out there: kept until the commit.
 * -1: out of memory; the library has them otherwise.
 */
static int direct_pages(MAP_WRITER *w, int flags, size_t nelem)
{
    unsigned char *meta;
    u_int32_t pagesize;
    int     r = 0;

    if (w->db->get_pagesize(w->db, &pagesize) != 0 || pagesize == 0)
	return (0);
    if ((meta = malloc(pagesize)) == 0)
	return (-1);
    if (pread(atomic_fd(w->file), meta, pagesize, 0) == (ssize_t) pagesize
	&& hashpage_fits_meta(meta, pagesize)
	&& (w->direct = hashpage_create(meta, pagesize, flags & MAP_FLAG_NUL,
					nelem)) == 0)
	r = -1;
    free(meta);
    return (r);
}

MAP_WRITER *map_create(const char *path, int type, int flags, size_t nelem,
		               size_t pair_size, char *err, size_t errlen)
{
    MAP_WRITER *w;
    DB     *db;
    int     r;

    if ((w = calloc(1, sizeof(*w))) == 0) {
	snprintf(err, errlen, "%s: out of memory", path);
	return (0);
    }
    w->flags = flags;
    w->watched_fd = -1;
    if ((w->batch.data = malloc(MAP_BATCH_SIZE)) == 0) {
	snprintf(err, errlen, "%s: out of memory", path);
	free(w);
	return (0);
    }
    batch_start(w);
    if ((w->file = atomic_create(path, err, errlen)) == 0)
	goto fail;
    db_message[0] = 0;
    if ((r = open_write_env(w)) != 0 || (r = db_create(&db, w->env, 0)) != 0) {
	set_err(err, errlen, path, "cannot create handle", r);
	goto fail;
    }
    w->db = db;
    db->set_errcall(db, db_errcall);
    if (type == MAP_TYPE_HASH && nelem > 0 && pair_size > 0
	&& ((r = db->set_pagesize(db, MAP_PAGE_SIZE)) != 0
	    || (r = db->set_h_ffactor(db, fill_factor(pair_size))) != 0
	    || (r = db->set_h_nelem(db, bucket_room(nelem))) != 0))
	goto db_fail;
    if ((r = db->open(db, 0, atomic_temp(w->file), 0,
			 type == MAP_TYPE_BTREE ? DB_BTREE : DB_HASH,
			 DB_CREATE, 0)) != 0)
	goto db_fail;
    watch_pages(w);
    if (type == MAP_TYPE_HASH && nelem > 0 && pair_size > 0 && !library_only
	&& direct_pages(w, flags, nelem) < 0) {
	snprintf(err, errlen, "%s: out of memory", path);
	goto fail;
    }
    if (type == MAP_TYPE_HASH && trim_presized(w) < 0) {
	snprintf(err, errlen, "%s: cannot trim: %s", atomic_temp(w->file),
		 strerror(errno));
	goto fail;
    }
    return (w);

db_fail:
    set_err(err, errlen, atomic_temp(w->file), "cannot create map", r);
fail:
    map_abort(w);
    return (0);
}

int     map_bucket_bits(MAP_WRITER *w)
{
    DB_HASH_STAT *st;
    DBTYPE  type;
    u_int32_t n;
    int     bits;

    if (w->db->get_type(w->db, &type) != 0 || type != DB_HASH
	|| w->db->stat(w->db, 0, &st, DB_FAST_STAT) != 0)
	return (0);
    n = st->hash_buckets;
    free(st);
    for (bits = 0; bits < 31 && ((u_int32_t) 1 << bits) < n; bits++)
	 /* void */ ;
    return (((u_int32_t) 1 << bits) == n ? bits : 0);
}

/* Hand PAIR to the library, in W's batch. */
static int batch_put(MAP_WRITER *w, const char *key, const char *value,
		             char *err, size_t errlen)
{
    size_t  nul = (w->flags & MAP_FLAG_NUL) ? 1 : 0;
    size_t  klen = strlen(key) + nul, vlen = strlen(value) + nul;
    void   *kp, *vp;

    if (klen + vlen + 32 > MAP_BATCH_SIZE) {
	snprintf(err, errlen, "%s: entry too long", atomic_temp(w->file));
	return (-1);
    }
    DB_MULTIPLE_KEY_RESERVE_NEXT(w->batch_at, &w->batch, kp, klen, vp, vlen);
    if (kp == 0) {
	if (batch_flush(w, err, errlen) < 0)
	    return (-1);
	DB_MULTIPLE_KEY_RESERVE_NEXT(w->batch_at, &w->batch, kp, klen, vp, vlen);
    }
    memcpy(kp, key, klen);
    if (vlen)
	memcpy(vp, value, vlen);
    w->batched++;
    return (0);
}

int     map_put(MAP_WRITER *w, const char *key, const char *value,
		        char *err, size_t errlen)
{
    if (w->direct == 0)
	return (batch_put(w, key, value, err, errlen));
    if (hashpage_add_copy(w->direct, key, value) < 0) {
	snprintf(err, errlen, "%s: out of memory", atomic_temp(w->file));
	return (-1);
    }
    return (0);
}

int     map_put_kept(MAP_WRITER *w, const char *key, const char *value,
		             uint32_t rank, char *err, size_t errlen)
{
    if (w->direct == 0)
	return (batch_put(w, key, value, err, errlen));
    if (hashpage_add_hashed(w->direct, key, value, reverse_bits(rank)) < 0) {
	snprintf(err, errlen, "%s: out of memory", atomic_temp(w->file));
	return (-1);
    }
    return (0);
}

unsigned map_library_pages(int on)
{
    library_only = on;
    return (__atomic_load_n(&direct_maps, __ATOMIC_RELAXED));
}

/*
 * The pairs of W go to the file in pages laid out here (hashpage.c) when
 * they fit them: 1. When they do not, to the library, in batches: 0.
 * -1 with a reason in ERR.
 */
static int put_direct(MAP_WRITER *w, char *err, size_t errlen)
{
    HASH_PAGES *hp = w->direct;
    const char *key, *value;
    size_t  i;
    int     r;

    w->direct = 0;
    if ((r = hashpage_plan(hp)) < 0) {
	snprintf(err, errlen, "%s: out of memory", atomic_temp(w->file));
    } else if (r > 0) {
	/* The library's pages are clean: closing writes none of them. */
	errno = 0;
	if ((r = close_write_env(w)) != 0) {
	    set_write_err(err, errlen, atomic_temp(w->file), "cannot finish map",
			  r, errno);
	    r = -1;
	} else if (hashpage_write(hp, atomic_fd(w->file)) < 0) {
	    snprintf(err, errlen, "%s: cannot finish map: %s",
		     atomic_temp(w->file), strerror(errno));
	    db_message[0] = 0;
	    r = -1;
	} else {
	    __atomic_fetch_add(&direct_maps, 1, __ATOMIC_RELAXED);
	    r = 1;
	}
    } else {
	for (i = 0; r == 0 && i < hashpage_count(hp); i++) {
	    hashpage_pair(hp, i, &key, &value);
	    r = batch_put(w, key, value, err, errlen);
	}
    }
    hashpage_free(hp);
    return (r);
}

/*
 * Every page goes to the file (memp_trickle, no sync), is sealed there,
 * and only then does closing the library's environment sync it: the
 * file reaches the disk once, sealed. The cache's pages are clean by
 * then, so closing writes none over the seal.
 */
int     map_commit(MAP_WRITER *w, char *err, size_t errlen)
{
    ATOMIC_FILE *file = w->file;
    int     r, written, direct = 0;

    if (w->direct && (direct = put_direct(w, err, errlen)) < 0) {
	map_abort(w);
	return (-1);
    }
    if (direct == 0 && batch_flush(w, err, errlen) < 0) {
	map_abort(w);
	return (-1);
    }
    errno = 0;
    if (direct == 0 && (r = w->env->memp_trickle(w->env, 100, &written)) != 0) {
	set_write_err(err, errlen, atomic_temp(file), "cannot finish map", r,
		      errno);
	map_abort(w);
	return (-1);
    }
    if (restore_size(w) < 0) {
	snprintf(err, errlen, "%s: cannot size: %s", atomic_temp(file),
		 strerror(errno));
	map_abort(w);
	return (-1);
    }
    if (map_seal(atomic_fd(file), atomic_temp(file), err, errlen) < 0) {
	map_abort(w);
	return (-1);
    }
    errno = 0;
    if ((r = close_write_env(w)) != 0) {
	set_write_err(err, errlen, atomic_temp(file), "cannot finish map", r,
		      errno);
	map_abort(w);
	return (-1);
    }
    w->file = 0;
    map_abort(w);
    return (atomic_commit(file, -1, err, errlen));
}

void    map_abort(MAP_WRITER *w)
{
    if (w == 0)
	return;
    (void) close_write_env(w);
    atomic_abort(w->file);
    hashpage_free(w->direct);
    free(w->batch.data);
    free(w);
}
