#ifndef HASHPAGE_H_INCLUDED
#define HASHPAGE_H_INCLUDED

/*
 * hashpage.h - the bucket pages of a presized Berkeley DB hash map,
 * written directly, byte for byte as the library's own inserts fill them.
 */
#include <stddef.h>
#include <stdint.h>

/*
 * The library's default hash of LEN bytes: FNV-1 from 0 (multiply first).
 * It is not the FNV-1a of fnv.h, and must not become it.
 */
extern uint32_t hashpage_hash(const void *data, size_t len);

typedef struct HASH_PAGES HASH_PAGES;

/*
 * Is META (PAGESIZE bytes), a new map's meta page, one whose bucket
 * pages are laid out here: a hash map in this host's byte order, with
 * the default hash, no checksums, encryption or duplicates, and its
 * bucket pages in bucket order?
 */
extern int hashpage_fits_meta(const unsigned char *meta, size_t pagesize);

/*
 * Pairs to come for the map whose meta page is META (it fits), about
 * EXPECT of them (0: unknown); with NUL, keys and values are stored with
 * their NUL. Null: out of memory.
 */
extern HASH_PAGES *hashpage_create(const unsigned char *meta,
			                   size_t pagesize, int nul, size_t expect);

/*
 * Add a pair. hashpage_add() keeps KEY and VALUE by reference: they
 * must stay until hashpage_free(); hashpage_add_copy() copies them.
 * -1: out of memory.
 */
extern int hashpage_add(HASH_PAGES *hp, const char *key, const char *value);

/* The same with HASH, the key's hashpage_hash() (NUL counted if stored). */
extern int hashpage_add_hashed(HASH_PAGES *hp, const char *key,
			               const char *value, uint32_t hash);
extern int hashpage_add_copy(HASH_PAGES *hp, const char *key,
			             const char *value);

/* The pairs added, in the order added. */
extern size_t hashpage_count(const HASH_PAGES *hp);
extern void hashpage_pair(const HASH_PAGES *hp, size_t i, const char **key,
			          const char **value);

/*
 * Can the pairs go into the map without the library? Yes (1) when each
 * bucket's pairs fit its one page within the fill factor, so that the
 * library would neither chain an overflow page nor split a bucket, and
 * no pair is a duplicate or too big for a page; then the pages are
 * planned. 0: no; -1: out of memory.
 */
extern int hashpage_plan(HASH_PAGES *hp);

/*
 * Write the planned bucket pages to FD (the map, its meta page written)
 * and count the pairs in its meta page. Empty buckets are left as holes.
 * -1 with errno set on a write error.
 */
extern int hashpage_write(HASH_PAGES *hp, int fd);

extern void hashpage_free(HASH_PAGES *hp);

#endif
