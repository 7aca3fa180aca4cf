/*
 * mapseal.c - make a freshly written Berkeley DB map a function of its
 * entries alone, so that the same table always gives the same bytes.
 *
 * Exports map_seal(), map_seal_watch() and map_seal_unwatch(). Berkeley
 * DB leaves two things in a new file that differ from one run to the
 * next although the entries are the same:
 * the meta page's unique file id (made from the inode, the time and a
 * counter) and the free space of each page (the part between the item
 * index and the items, and the tail of an overflow page), which holds
 * whatever the buffer held before, the file id of the meta page among
 * it. map_seal() clears the free space of every page and sets the file
 * id to a digest of the file so cleared (four interleaved FNV-1a lanes
 * over its 64-bit words, one pass over the file in big reads; only a
 * page that changed is written back): two maps of the same entries
 * then compare equal with cmp(1), and two maps of different entries keep
 * different ids. Nothing a reader looks at changes (Berkeley DB, and so
 * sendmail, makemap and postmap, read only the header, the index and
 * the items), and the id stays unique per content, which is all the
 * library needs it for: telling open files apart in a shared cache.
 *
 * The page layout is Berkeley DB's on-disk format (stable since 4.x):
 * every page starts with a 26-byte header (LSN, page number, previous
 * and next page, number of entries, offset of the first item, level,
 * type); a meta page holds the magic number at 12, the page size at 20
 * and the file id at 52. Only maps in this host's byte order, without
 * checksums or encryption, are touched: those are the ones map_create()
 * writes.
 */
#include <db.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dbpage.h"
#include "fnv.h"
#include "mapseal.h"

/* Are the LEN bytes at P all zero? */
static int all_zero(const unsigned char *p, size_t len)
{
    return (len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0));
}

/*
 * Clear [FROM, TO) of PAGE; true when a byte changed. Pages on their way
 * out of the library's cache (clean_pwrite) are cleared without a look:
 * their free space was never written, and reading it would be reading
 * uninitialised memory.
 */
static __thread int clear_blind;

static int clear_range(unsigned char *page, size_t from, size_t to)
{
    if (to <= from || (!clear_blind && all_zero(page + from, to - from)))
	return (0);
    memset(page + from, 0, to - from);
    return (1);
}

#define B_KEYDATA	1		/* a btree item's own bytes */
#define ALIGN4(n)	(((n) + 3) & ~(size_t) 3)

/*
 * A btree page's items are padded to 4 bytes, and an internal page's
 * items have an unused byte: clear those. An item on a leaf page is
 * length(2) type(1) bytes; on an internal page length(2) type(1)
 * unused(1) child(4) records(4) bytes; an item that is not B_KEYDATA
 * points to overflow pages and has an unused byte at 3 on either, and
 * on a leaf page no length (2 unused bytes).
 */
static int clear_item_padding(unsigned char *page, size_t size, int internal)
{
    unsigned entries = dbpage_get16(page + PAGE_ENTRIES), i;
    size_t  off, len, head = internal ? 12 : 3;
    int     changed = 0;

    for (i = 0; i < entries; i++) {
	off = dbpage_get16(page + PAGE_HEADER + 2 * i);
	if (off + head > size || off + 4 > size)
	    continue;
	len = dbpage_get16(page + off);
	if (!internal && (page[off + 2] & 0x7f) != B_KEYDATA)
	    changed |= clear_range(page, off, off + 2);
	if (internal || (page[off + 2] & 0x7f) != B_KEYDATA)
	    changed |= clear_range(page, off + 3, off + 4);
	if ((page[off + 2] & 0x7f) == B_KEYDATA && off + ALIGN4(head + len) <= size)
	    changed |= clear_range(page, off + head + len, off + ALIGN4(head + len));
    }
    return (changed);
}

/* Clear what PAGE (of SIZE bytes) does not use; true when it changed. */
static int clear_free_space(unsigned char *page, size_t size)
{
    unsigned entries = dbpage_get16(page + PAGE_ENTRIES);
    unsigned hf = dbpage_get16(page + PAGE_HF_OFFSET);
    size_t  index_end = PAGE_HEADER + 2 * (size_t) entries;

    switch (page[PAGE_TYPE]) {
    case P_HASHMETA:
    case P_BTREEMETA:
	memset(page + META_FILEID, 0, DB_FILE_ID_LEN);	/* set last */
	return (clear_range(page, META_SIZE, size) | 1);
    case P_INVALID:
	return (clear_range(page, PAGE_HEADER, size));
    case P_OVERFLOW:			/* hf_offset: the bytes it holds */
	return (PAGE_HEADER + (size_t) hf <= size ?
		clear_range(page, PAGE_HEADER + hf, size) : 0);
    case P_IBTREE:
    case P_LBTREE:
    case P_LRECNO:
    case P_LDUP:
	if (index_end > hf || hf > size)
	    return (0);
	return (clear_range(page, index_end, hf)
		| clear_item_padding(page, size, page[PAGE_TYPE] == P_IBTREE));
    case P_HASH_UNSORTED:
    case P_HASH:
    case P_IRECNO:
	return (index_end <= hf && hf <= size ? clear_range(page, index_end, hf) : 0);
    default:
	return (0);
    }
}

/*
 * Pages cleared on their way to the file. Berkeley DB writes every page
 * of a file through one pwrite function, which a program may replace
 * (db_env_set_func_pwrite); ours clears the free space of a page bound
 * for a watched file first, so that map_seal() finds nearly every page
 * clean and writes back none: a million-entry map's 134 MB were written
 * twice before. Pages written otherwise (the library's first pages, at
 * create) are still cleared by map_seal(). The function is the process's
 * for good once set; files not watched go through unchanged.
 */
#define WATCH_MAX	64		/* maps written at once (maptool build -j) */
#define PAGE_MAX	65536		/* the largest page size */

static struct {
    int     fd;
    uint32_t pagesize;
} watched[WATCH_MAX];
static int nwatched;
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;

/* The page size FD is watched with, or 0. */
static uint32_t watched_pagesize(int fd)
{
    uint32_t size = 0;
    int     i;

    pthread_mutex_lock(&watch_lock);
    for (i = 0; i < nwatched && size == 0; i++)
	if (watched[i].fd == fd)
	    size = watched[i].pagesize;
    pthread_mutex_unlock(&watch_lock);
    return (size);
}

/* Berkeley DB's pwrite: a watched file's whole pages are cleared first. */
static ssize_t clean_pwrite(int fd, const void *buf, size_t len, off_t off)
{
    unsigned char copy[PAGE_MAX];
    uint32_t size;

    if (len > PAGE_MAX || (size = watched_pagesize(fd)) == 0
	|| len != size || off % size != 0)
	return (pwrite(fd, buf, len, off));
    memcpy(copy, buf, len);
    clear_blind = 1;
    (void) clear_free_space(copy, len);
    clear_blind = 0;
    return (pwrite(fd, copy, len, off));
}

static void install_clean_pwrite(void)
{
    (void) db_env_set_func_pwrite(clean_pwrite);
}

void    map_seal_watch(int fd, unsigned pagesize)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    if (pagesize == 0 || pagesize > PAGE_MAX)
	return;
    pthread_once(&once, install_clean_pwrite);
    pthread_mutex_lock(&watch_lock);
    if (nwatched < WATCH_MAX) {
	watched[nwatched].fd = fd;
	watched[nwatched].pagesize = pagesize;
	nwatched++;
    }
    pthread_mutex_unlock(&watch_lock);
}

void    map_seal_unwatch(int fd)
{
    int     i;

    pthread_mutex_lock(&watch_lock);
    for (i = 0; i < nwatched; i++) {
	if (watched[i].fd == fd) {
	    watched[i] = watched[--nwatched];
	    break;
	}
    }
    pthread_mutex_unlock(&watch_lock);
}

#define SEAL_LANES	4		/* independent multiplies in flight */
#define SEAL_CHUNK	(1u << 20)	/* bytes read and written at once */

/*
 * The digest: word I of the file goes to lane I % SEAL_LANES, each lane
 * an FNV-1a over 64-bit words; the lanes are folded together at the
 * end. LEN is a multiple of SEAL_LANES words (pages are).
 */
static void digest_words(uint64_t *lane, const unsigned char *p, size_t len)
{
    uint64_t w[SEAL_LANES];
    size_t  i, j;

    for (i = 0; i + sizeof(w) <= len; i += sizeof(w)) {
	memcpy(w, p + i, sizeof(w));
	for (j = 0; j < SEAL_LANES; j++)
	    lane[j] = (lane[j] ^ w[j]) * FNV64_PRIME;
    }
}

/* The file id of a digest whose lanes are LANE. */
static void digest_id(const uint64_t *lane, unsigned char *id)
{
    uint64_t h = FNV64_START;
    size_t  i, j;

    for (j = 0; j < SEAL_LANES; j++)
	for (i = 0; i < sizeof(lane[j]); i++)
	    h = fnv64_byte(h, (unsigned char) (lane[j] >> (8 * i)));
    for (i = 0; i < DB_FILE_ID_LEN; i++, h = fnv64_byte(h, (unsigned char) i))
	id[i] = (unsigned char) (h >> 56);
}

/*
 * Clear the pages (of SIZE bytes) of BUF, LEN bytes read at OFF, add
 * them to the digest and write back those that changed. A short tail
 * is left alone.
 */
static int seal_chunk(int fd, unsigned char *buf, size_t len, off_t off,
		              uint32_t size, uint64_t *lane)
{
    size_t  whole = len - len % size, i;

    for (i = 0; i < whole; i += size) {
	if (clear_free_space(buf + i, size)
	    && pwrite(fd, buf + i, size, off + i) != (ssize_t) size)
	    return (-1);
	digest_words(lane, buf + i, size);
    }
    return (0);
}

/* Read up to LEN bytes at OFF; the count, short only at the end. */
static ssize_t read_chunk(int fd, unsigned char *buf, size_t len, off_t off)
{
    size_t  got = 0;
    ssize_t n;

    while (got < len && (n = pread(fd, buf + got, len - got, off + got)) != 0) {
	if (n < 0) {
	    if (errno == EINTR)
		continue;
	    return (-1);
	}
	got += n;
    }
    return (got);
}

int     map_seal(int fd, const char *path, char *err, size_t errlen)
{
    unsigned char meta[META_SIZE], *buf = 0, id[DB_FILE_ID_LEN];
    uint64_t lane[SEAL_LANES];
    uint32_t magic, size;
    off_t   off;
    ssize_t n;
    size_t  i;

    errno = 0;
    if (pread(fd, meta, sizeof(meta), 0) != (ssize_t) sizeof(meta))
	goto io_error;
    magic = dbpage_get32(meta + META_MAGIC);
    size = dbpage_get32(meta + META_PAGESIZE);
    if ((magic != DB_HASHMAGIC && magic != DB_BTREEMAGIC)
	|| size < META_SIZE || size > 65536 || (size & (size - 1)))
	return (0);				/* not ours to change */
    if ((buf = malloc(SEAL_CHUNK)) == 0) {
	snprintf(err, errlen, "%s: out of memory", path);
	return (-1);
    }
    for (i = 0; i < SEAL_LANES; i++)
	lane[i] = FNV64_START + i;
    for (off = 0; (n = read_chunk(fd, buf, SEAL_CHUNK, off)) > 0; off += n) {
	if (seal_chunk(fd, buf, n, off, size, lane) < 0)
	    goto io_error;
	if ((size_t) n < SEAL_CHUNK)
	    break;				/* the end */
    }
    if (n < 0)
	goto io_error;
    digest_id(lane, id);
    if (pwrite(fd, id, sizeof(id), META_FILEID) != (ssize_t) sizeof(id))
	goto io_error;
    free(buf);
    return (0);

io_error:
    snprintf(err, errlen, "%s: cannot seal map: %s", path,
	     errno ? strerror(errno) : "short read");
    free(buf);
    return (-1);
}
