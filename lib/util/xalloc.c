/*
 * xalloc.c - allocation that aborts with a message on failure (as
 * Postfix's mymalloc does), for code where running out of memory leaves
 * nothing sensible to do.
 *
 * Exports xrealloc(), xcalloc() and xstrdup().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xalloc.h"

static void *need(void *p)
{
    if (p == 0) {
	fprintf(stderr, "fatal: out of memory\n");
	abort();
    }
    return (p);
}

void   *xrealloc(void *ptr, size_t size)
{
    return (need(realloc(ptr, size ? size : 1)));
}

void   *xcalloc(size_t n, size_t size)
{
    return (need(calloc(n ? n : 1, size ? size : 1)));
}

char   *xstrdup(const char *s)
{
    size_t  len = strlen(s) + 1;

    return (memcpy(xrealloc(0, len), s, len));
}
