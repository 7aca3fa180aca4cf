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
 * About EXPECT pairs to come (0: unknown); with NUL, keys and values are
 * stored with their NUL.
 */
extern HASH_PAGES *hashpage_create(int nul, size_t expect);

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
 * Can the pairs go into the map whose meta page (PAGESIZE bytes) is
 * META without the library? Yes (1) when each bucket's pairs fit its one
 * page within the fill factor, so that the library would neither chain
 * an overflow page nor split a bucket, and no pair is a duplicate or
 * too big for a page; then the pages are planned. 0: no; -1: no memory.
 */
extern int hashpage_plan(HASH_PAGES *hp, const unsigned char *meta,
			         size_t pagesize);

/*
 * Write the planned bucket pages to FD (the map, its meta page written)
 * and count the pairs in its meta page. Empty buckets are left as holes.
 * -1 with errno set on a write error.
 */
extern int hashpage_write(HASH_PAGES *hp, int fd);

extern void hashpage_free(HASH_PAGES *hp);

#endif
