#ifndef XALLOC_H_INCLUDED
#define XALLOC_H_INCLUDED

/*
 * xalloc.h - memory that is there or the program ends: for the tables
 * and topologies whose building cannot go on sensibly without it.
 */
#include <stddef.h>

/* Like realloc(), calloc() and strdup(), but never null. */
extern void *xrealloc(void *ptr, size_t size);
extern void *xcalloc(size_t n, size_t size);
extern char *xstrdup(const char *s);

#endif
