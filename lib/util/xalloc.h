#ifndef XALLOC_H_INCLUDED
#define XALLOC_H_INCLUDED

/*
 * xalloc.h - memory that is there or the program exits 71 with a
 * message: for the command-line tools only. Code the daemon runs checks
 * its allocations instead and never calls these.
 */
#include <stddef.h>

struct HTABLE;

/* Like realloc(), calloc() and strdup(), but never null. */
extern void *xrealloc(void *ptr, size_t size);
extern void *xcalloc(size_t n, size_t size);
extern char *xstrdup(const char *s);

/* htable_create() and htable_insert() that never fail. */
extern struct HTABLE *xhtable_create(size_t expect);
extern void *xhtable_insert(struct HTABLE *table, const char *key, void *value);

/* Say "out of memory" and exit 71. */
extern void xalloc_fail(void);

#endif
