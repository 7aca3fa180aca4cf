/*
 * hashpage.c - write the bucket pages of a presized Berkeley DB hash map
 * directly, byte for byte as the library's insert path would fill them.
 *
 * Exports hashpage_hash(), hashpage_fits_meta(), hashpage_create(),
 * hashpage_add(), hashpage_add_hashed(), hashpage_add_copy(),
 * hashpage_count(), hashpage_pair(), hashpage_plan(), hashpage_write()
 * and hashpage_free(). map.c creates the file through the library (meta
 * page, bucket count) and hands the pairs here; when they fit
 * (hashpage_plan()) the pages are laid out here, else map.c gives the
 * pairs to the library as before.
 *
 * What the library (5.3) does with a pair put into a hash map, and so
 * what is reproduced here: the bucket is the key's hash (FNV-1 from 0)
 * masked with high_mask, or low_mask past max_bucket; the bucket's page
 * is the bucket plus spares[ceil(log2(bucket + 1))]. A page is "sorted"
 * (P_HASH): its item index grows up from the 26-byte header, two entries
 * a pair, in key order (bytes compared, the shorter first on a tie), and
 * the items, each a type byte (H_KEYDATA) and the bytes, are packed down
 * from the page end in that same order, key above its data: an insert
 * between two pairs moves the items below it, so the layout does not
 * depend on the order of the inserts. A page the library changes gets
 * the LSN "not logged" (0, 1); the meta page's nelem, the number the
 * file was sized for, grows by one a pair.
 * A bucket whose pairs do not fit its page, or that holds more pairs
 * than the fill factor, makes the library chain an overflow page and
 * split a bucket (linear hashing): its layout then depends on the order
 * of the inserts, and is not reproduced here; nor are duplicate keys
 * (overwritten) or items over a quarter of a page (stored off-page).
 * Only maps in this host's byte order, without checksums, encryption,
 * duplicates or subdatabases, are planned: those map_create() makes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dbpage.h"
#include "hashpage.h"

/* The meta page of a hash map (HMETA). */
#define META_HFLAGS	48
#define META_MAXBUCKET	72
#define META_HIGHMASK	76
#define META_LOWMASK	80
#define META_FFACTOR	84
#define META_NELEM	88
#define META_CHARKEY	92
#define META_SPARES	96
#define META_NSPARES	32
#define META_END	(META_SPARES + 4 * META_NSPARES)

#define HASH_MAGIC	0x061561
#define HASH_VERSION	9
#define H_KEYDATA	1
#define CHARKEY		"%$sniglet^&"	/* hashed with its NUL at create */

#define PAIR_OVERHEAD	6		/* two index entries, two type bytes */
#define WRITE_PAGES	128		/* pages written at once */
#define ARENA_CHUNK	(1u << 20)	/* hashpage_add_copy()'s storage */

#define LEN_BIG		UINT16_MAX	/* a length too long to note */

typedef struct HP_PAIR {
    const char *key;
    const char *value;
    uint64_t prefix;			/* key_prefix(), taken while at hand */
    uint32_t bucket;
    uint16_t klen, vlen;		/* as stored (NUL counted), or LEN_BIG */
} HP_PAIR;

/* A pair as sorted: the first bytes of its key, big-endian, then it. */
typedef struct HP_SORT {
    uint64_t prefix;
    const HP_PAIR *pair;
} HP_SORT;

typedef struct HP_ARENA {
    struct HP_ARENA *next;
    size_t  used, size;
    char    data[];
} HP_ARENA;

struct HASH_PAGES {
    int     nul;			/* keys and values stored with NUL */
    unsigned char meta[META_END];	/* what counts of the meta page */
    size_t  pagesize;
    uint32_t nbuckets, max_bucket, high_mask, low_mask;
    HP_PAIR *pairs;
    size_t  count, cap;
    HP_ARENA *arena;			/* copies, newest first */
    uint32_t *start;			/* bucket B: by_bucket[start[B]...] */
    uint32_t last_bucket;		/* of the pair added last */
    int     in_order;			/* buckets added in ascending order */
    /* The plan. */
    const HP_PAIR **by_bucket;		/* in key order within a bucket */
    HP_SORT *sort;			/* room for the largest bucket, twice */
    size_t  sort_cap;
};

uint32_t hashpage_hash(const void *data, size_t len)
{
    const unsigned char *k = data;
    uint32_t h = 0;
    size_t  i;

    for (i = 0; i < len; i++)
	h = (h * 16777619u) ^ k[i];
    return (h);
}

HASH_PAGES *hashpage_create(const unsigned char *meta, size_t pagesize,
			            int nul, size_t expect)
{
    HASH_PAGES *hp = calloc(1, sizeof(*hp));

    if (hp == 0)
	return (0);
    hp->nul = nul ? 1 : 0;
    memcpy(hp->meta, meta, sizeof(hp->meta));
    hp->pagesize = pagesize;
    hp->max_bucket = dbpage_get32(meta + META_MAXBUCKET);
    hp->high_mask = dbpage_get32(meta + META_HIGHMASK);
    hp->low_mask = dbpage_get32(meta + META_LOWMASK);
    hp->nbuckets = hp->max_bucket + 1;
    hp->in_order = 1;
    if ((hp->start = calloc((size_t) hp->nbuckets + 1, sizeof(*hp->start))) == 0) {
	free(hp);
	return (0);
    }
    if (expect > 0 && (hp->pairs = malloc(expect * sizeof(*hp->pairs))) != 0)
	hp->cap = expect;
    return (hp);
}

/* The library's __db_log2(): the smallest L with 1 << L >= N. */
static unsigned ceil_log2(uint32_t n)
{
    unsigned l = 0;
    uint64_t limit = 1;

    while (limit < n) {
	limit <<= 1;
	l++;
    }
    return (l);
}

/* The page of bucket B, as the spares of META say. */
static uint32_t bucket_page(const unsigned char *meta, uint32_t b)
{
    unsigned l = ceil_log2(b + 1);

    return (b + dbpage_get32(meta + META_SPARES + 4 * l));
}

/* The bucket of hash H (the library's __ham_call_hash()). */
static uint32_t bucket_of(const HASH_PAGES *hp, uint32_t h)
{
    uint32_t b = h & hp->high_mask;

    if (b > hp->max_bucket)
	b &= hp->low_mask;
    return (b);
}

int     hashpage_fits_meta(const unsigned char *meta, size_t pagesize)
{
    uint32_t max_bucket = dbpage_get32(meta + META_MAXBUCKET), b, pg, last = 0;

    if (!(dbpage_get32(meta + META_MAGIC) == HASH_MAGIC
	    && dbpage_get32(meta + META_VERSION) == HASH_VERSION
	    && dbpage_get32(meta + META_PAGESIZE) == pagesize
	    && pagesize >= 512 && pagesize <= 32768
	    && meta[META_ENCRYPT] == 0 && meta[META_TYPE] == P_HASHMETA
	    && meta[META_FLAGS] == 0 && dbpage_get32(meta + META_HFLAGS) == 0
	    && dbpage_get32(meta + META_CHARKEY)
	    == hashpage_hash(CHARKEY, sizeof(CHARKEY))
	    && max_bucket < UINT32_MAX / 2
	    && (dbpage_get32(meta + META_HIGHMASK) & max_bucket) == max_bucket))
	return (0);
    for (b = 0; b <= max_bucket; b++, last = pg)
	if ((pg = bucket_page(meta, b)) <= last)
	    return (0);				/* not in file order */
    return (1);
}

/* The first 8 bytes of KEY (LEN long), big-endian, 0 past its end. */
static uint64_t key_prefix(const char *key, size_t len)
{
    unsigned char b[8] = {0};
    uint64_t v;

    memcpy(b, key, len < 8 ? len : 8);
    memcpy(&v, b, sizeof(v));
    return (__builtin_bswap64(v));
}

/* A length as noted: LEN_BIG when it does not fit. */
static uint16_t note_len(size_t len)
{
    return (len < LEN_BIG ? (uint16_t) len : LEN_BIG);
}

int     hashpage_add_hashed(HASH_PAGES *hp, const char *key, const char *value,
			            uint32_t hash)
{
    HP_PAIR *p;
    size_t  cap, klen;

    if (hp->count == hp->cap) {
	cap = hp->cap ? 2 * hp->cap : 1024;
	if ((p = realloc(hp->pairs, cap * sizeof(*p))) == 0)
	    return (-1);
	hp->pairs = p;
	hp->cap = cap;
    }
    p = hp->pairs + hp->count++;
    klen = strlen(key);
    p->key = key;
    p->value = value;
    p->prefix = key_prefix(key, klen);
    p->bucket = bucket_of(hp, hash);
    if (p->bucket < hp->last_bucket)
	hp->in_order = 0;
    hp->last_bucket = p->bucket;
    hp->start[p->bucket + 1]++;
    p->klen = note_len(klen + hp->nul);
    p->vlen = note_len(strlen(value) + hp->nul);
    return (0);
}

int     hashpage_add(HASH_PAGES *hp, const char *key, const char *value)
{
    return (hashpage_add_hashed(hp, key, value,
				hashpage_hash(key, strlen(key) + hp->nul)));
}

/* A copy of the LEN bytes at S in HP's arena, or null. */
static char *arena_copy(HASH_PAGES *hp, const char *s, size_t len)
{
    HP_ARENA *a = hp->arena;
    char   *copy;

    if (a == 0 || a->size - a->used < len) {
	size_t  size = len > ARENA_CHUNK ? len : ARENA_CHUNK;

	if ((a = malloc(sizeof(*a) + size)) == 0)
	    return (0);
	a->next = hp->arena;
	a->used = 0;
	a->size = size;
	hp->arena = a;
    }
    copy = a->data + a->used;
    memcpy(copy, s, len);
    a->used += len;
    return (copy);
}

int     hashpage_add_copy(HASH_PAGES *hp, const char *key, const char *value)
{
    const char *k, *v;

    if ((k = arena_copy(hp, key, strlen(key) + 1)) == 0
	|| (v = arena_copy(hp, value, strlen(value) + 1)) == 0)
	return (-1);
    return (hashpage_add(hp, k, v));
}

size_t  hashpage_count(const HASH_PAGES *hp)
{
    return (hp->count);
}

void    hashpage_pair(const HASH_PAGES *hp, size_t i, const char **key,
		              const char **value)
{
    *key = hp->pairs[i].key;
    *value = hp->pairs[i].value;
}

/* Does A sort before B? Keys compare as the library's (bytes, shorter first). */
static int sorts_before(const HP_SORT *a, const HP_SORT *b)
{
    return (a->prefix != b->prefix ? a->prefix < b->prefix :
	    strcmp(a->pair->key, b->pair->key) < 0);
}

/* Merge the sorted runs FROM[0, MID) and FROM[MID, N) into TO. */
static void merge_runs(const HP_SORT *from, size_t mid, size_t n, HP_SORT *to)
{
    size_t  i = 0, j = mid, k = 0, take;

    /* Keys in a bucket are in no order: pick by index, not by branch. */
    while (i < mid && j < n) {
	take = sorts_before(from + j, from + i);
	to[k++] = from[take ? j : i];
	j += take;
	i += !take;
    }
    while (i < mid)
	to[k++] = from[i++];
    while (j < n)
	to[k++] = from[j++];
}

/*
 * Sort the N pairs at P by key: runs of 4 by insertion, then merged
 * bottom up between HP's two sort buffers. 0 when two keys are equal.
 */
static int sort_bucket(HASH_PAGES *hp, const HP_PAIR **p, size_t n)
{
    HP_SORT *a = hp->sort, *b = hp->sort + hp->sort_cap, *t, x;
    size_t  i, j, run, lo;

    for (i = 0; i < n; i++) {
	x.prefix = p[i]->prefix;
	x.pair = p[i];
	for (j = i; j > i - i % 4 && sorts_before(&x, a + j - 1); j--)
	    a[j] = a[j - 1];
	a[j] = x;
    }
    for (run = 4; run < n; run *= 2) {
	for (lo = 0; lo < n; lo += 2 * run)
	    merge_runs(a + lo, lo + run < n ? run : n - lo,
		       lo + 2 * run < n ? 2 * run : n - lo, b + lo);
	t = a;
	a = b;
	b = t;
    }
    for (i = 0; i < n; i++)
	p[i] = a[i].pair;
    /* Equal keys are neighbours now, with equal prefixes. */
    for (i = 1; i < n; i++)
	if (a[i - 1].prefix == a[i].prefix
	    && strcmp(a[i - 1].pair->key, a[i].pair->key) == 0)
	    return (0);
    return (1);
}

/* The pairs of bucket B, by key: 1 when they fit its one page. */
static int plan_bucket(HASH_PAGES *hp, uint32_t b)
{
    const HP_PAIR **p = hp->by_bucket + hp->start[b];
    size_t  n = hp->start[b + 1] - hp->start[b], i, bytes = 0;
    size_t  big = hp->pagesize / 4;
    uint32_t ffactor = dbpage_get32(hp->meta + META_FFACTOR);

    if (n == 0)
	return (1);
    if (ffactor != 0 && n > ffactor)
	return (0);
    if (!sort_bucket(hp, p, n))
	return (0);				/* the library overwrites */
    for (i = 0; i < n; i++) {
	if (p[i]->klen > big || p[i]->vlen > big)
	    return (0);
	bytes += p[i]->klen + p[i]->vlen + PAIR_OVERHEAD;
    }
    return (bytes <= hp->pagesize - PAGE_HEADER);
}

int     hashpage_plan(HASH_PAGES *hp)
{
    uint32_t b;
    size_t  i, most = 0;

    if (hp->count > UINT32_MAX / 2)
	return (0);
    free(hp->by_bucket);
    free(hp->sort);
    hp->sort = 0;
    if ((hp->by_bucket = malloc((hp->count ? hp->count : 1)
				* sizeof(*hp->by_bucket))) == 0)
	return (-1);
    /* start[B + 1] counts bucket B's pairs: make it where B + 1 starts. */
    for (b = 0; b < hp->nbuckets; b++) {
	if (hp->start[b + 1] > most)
	    most = hp->start[b + 1];
	hp->start[b + 1] += hp->start[b];
    }
    /* By bucket, the order of the inserts kept within one. */
    if (hp->in_order) {
	for (i = 0; i < hp->count; i++)
	    hp->by_bucket[i] = hp->pairs + i;
    } else {
	for (i = 0; i < hp->count; i++)
	    hp->by_bucket[hp->start[hp->pairs[i].bucket]++] = hp->pairs + i;
	for (b = hp->nbuckets; b > 0; b--)
	    hp->start[b] = hp->start[b - 1];
	hp->start[0] = 0;
    }
    hp->sort_cap = most ? most : 1;
    if ((hp->sort = malloc(2 * hp->sort_cap * sizeof(*hp->sort))) == 0)
	return (-1);
    for (b = 0; b < hp->nbuckets; b++)
	if (!plan_bucket(hp, b))
	    return (0);
    return (1);
}

/* Bucket B's page, numbered PGNO, into PAGE, every byte of it. */
static void fill_page(const HASH_PAGES *hp, uint32_t b, uint32_t pgno,
		              unsigned char *page)
{
    const HP_PAIR *const *p = hp->by_bucket + hp->start[b];
    size_t  n = hp->start[b + 1] - hp->start[b], i;
    size_t  top = hp->pagesize;
    unsigned char *inp = page + PAGE_HEADER;

    memset(page, 0, PAGE_HEADER);
    dbpage_put32(page + PAGE_LSN_OFFSET, 1);		/* (0, 1): not logged */
    dbpage_put32(page + PAGE_PGNO, pgno);
    dbpage_put16(page + PAGE_ENTRIES, 2 * n);
    page[PAGE_TYPE] = P_HASH;
    for (i = 0; i < n; i++) {
	if (i + 4 < n) {
	    __builtin_prefetch(p[i + 4]->key);
	    __builtin_prefetch(p[i + 4]->value);
	}
	top -= p[i]->klen + 1;
	page[top] = H_KEYDATA;
	memcpy(page + top + 1, p[i]->key, p[i]->klen);
	dbpage_put16(inp + 4 * i, top);
	top -= p[i]->vlen + 1;
	page[top] = H_KEYDATA;
	memcpy(page + top + 1, p[i]->value, p[i]->vlen);
	dbpage_put16(inp + 4 * i + 2, top);
    }
    dbpage_put16(page + PAGE_HF_OFFSET, top);
    memset(inp + 4 * n, 0, top - PAGE_HEADER - 4 * n);	/* free space */
}

/* Write LEN bytes of BUF at OFF whole. */
static int write_all(int fd, const unsigned char *buf, size_t len, off_t off)
{
    ssize_t n;

    while (len > 0) {
	if ((n = pwrite(fd, buf, len, off)) < 0) {
	    if (errno == EINTR)
		continue;
	    return (-1);
	}
	if (n == 0) {
	    errno = EIO;
	    return (-1);
	}
	buf += n;
	len -= n;
	off += n;
    }
    return (0);
}

int     hashpage_write(HASH_PAGES *hp, int fd)
{
    unsigned char *buf, nelem[4];
    size_t  size = hp->pagesize, held = 0;
    uint32_t b, pg, first = 0;
    int     r = 0;

    if ((buf = malloc(WRITE_PAGES * size)) == 0)
	return (-1);
    /* Runs of consecutive pages of full buckets, written at once. */
    for (b = 0; r == 0 && b < hp->nbuckets; b++) {
	pg = bucket_page(hp->meta, b);
	if (held > 0 && (held == WRITE_PAGES || pg != first + held
			 || hp->start[b + 1] == hp->start[b])) {
	    r = write_all(fd, buf, held * size, (off_t) first * size);
	    held = 0;
	}
	if (hp->start[b + 1] == hp->start[b])
	    continue;				/* left a hole, as the library does */
	if (held == 0)
	    first = pg;
	fill_page(hp, b, pg, buf + held++ * size);
    }
    if (r == 0 && held > 0)
	r = write_all(fd, buf, held * size, (off_t) first * size);
    free(buf);
    dbpage_put32(nelem, dbpage_get32(hp->meta + META_NELEM) + (uint32_t) hp->count);
    if (r == 0)
	r = write_all(fd, nelem, sizeof(nelem), META_NELEM);
    return (r);
}

void    hashpage_free(HASH_PAGES *hp)
{
    HP_ARENA *a, *next;

    if (hp == 0)
	return;
    for (a = hp->arena; a; a = next) {
	next = a->next;
	free(a);
    }
    free(hp->pairs);
    free(hp->start);
    free(hp->by_bucket);
    free(hp->sort);
    free(hp);
}
