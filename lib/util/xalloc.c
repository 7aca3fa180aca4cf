/*
 * xalloc.c - allocation that ends the program with a message and exit
 * status 71 (EX_OSERR) on failure, for the command-line tools, where
 * running out of memory leaves nothing sensible to do. The daemon's code
 * paths never call these: they check every allocation and keep serving.
 *
 * Exports xrealloc(), xcalloc(), xstrdup(), xhtable_create() and
 * xhtable_insert().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include "htable.h"
#include "xalloc.h"

void    xalloc_fail(void)
{
    fprintf(stderr, "%s: fatal: out of memory\n", program_invocation_short_name);
    exit(EX_OSERR);
}

static void *need(void *p)
{
    if (p == 0)
	xalloc_fail();
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

HTABLE *xhtable_create(size_t expect)
{
    return (need(htable_create(expect)));
}

void   *xhtable_insert(HTABLE *table, const char *key, void *value)
{
    void   *old = htable_insert(table, key, value);

    if (old == HTABLE_NOMEM)
	xalloc_fail();
    return (old);
}
