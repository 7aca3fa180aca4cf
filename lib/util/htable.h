#ifndef HTABLE_H_INCLUDED
#define HTABLE_H_INCLUDED

/*
 * htable.h - a string-keyed hash table; keys are not copied.
 */
#include <stddef.h>

typedef struct HTABLE HTABLE;

/* A table sized for EXPECT keys; null when out of memory. */
extern HTABLE *htable_create(size_t expect);

/*
 * Insert KEY -> VALUE; returns null when inserted, the value already
 * there, or HTABLE_NOMEM when there was no memory to grow (the table is
 * unchanged).
 */
extern char htable_nomem_mark;
#define HTABLE_NOMEM	((void *) &htable_nomem_mark)
extern void *htable_insert(HTABLE *table, const char *key, void *value);
extern void *htable_find(const HTABLE *table, const char *key);
extern size_t htable_count(const HTABLE *table);
/* Call FN for every entry, in no particular order. */
extern void htable_walk(const HTABLE *table,
		            void (*fn) (void *ctx, const char *key, void *value),
			            void *ctx);
extern void htable_free(HTABLE *table);

#endif
