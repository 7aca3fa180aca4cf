/*
 * htable.c - open-addressing hash table from strings to pointers.
 *
 * Exports htable_create(), htable_insert(), htable_find(),
 * htable_count(), htable_walk() and htable_free(). Keys belong to the
 * caller and must outlive the table. Insert returns null on success or
 * the existing value. Nothing here aborts: running out of memory makes
 * create return null and insert return HTABLE_NOMEM, so that a daemon
 * can give up one reload and keep serving (see xalloc.h for callers that
 * may simply exit).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fnv.h"
#include "htable.h"

typedef struct SLOT {
    const char *key;
    void   *value;
    uint64_t hash;
} SLOT;

struct HTABLE {
    SLOT   *slots;
    size_t  size;			/* a power of two */
    size_t  used;
};

char    htable_nomem_mark;

HTABLE *htable_create(size_t expect)
{
    HTABLE *t = calloc(1, sizeof(*t));

    if (t == 0)
	return (0);
    for (t->size = 16; t->size < expect * 2 && t->size < SIZE_MAX / 4;
	 t->size <<= 1)
	 /* void */ ;
    if ((t->slots = calloc(t->size, sizeof(SLOT))) == 0) {
	free(t);
	return (0);
    }
    return (t);
}

static SLOT *probe(const HTABLE *t, const char *key, uint64_t hash)
{
    size_t  i = hash & (t->size - 1);

    while (t->slots[i].key
	   && (t->slots[i].hash != hash || strcmp(t->slots[i].key, key) != 0))
	i = (i + 1) & (t->size - 1);
    return (&t->slots[i]);
}

static int grow(HTABLE *t)
{
    SLOT   *old = t->slots, *s;
    size_t  n = t->size, i;

    if ((t->slots = calloc(n * 2, sizeof(SLOT))) == 0) {
	t->slots = old;
	return (-1);
    }
    t->size = n * 2;
    for (i = 0; i < n; i++)
	if (old[i].key) {
	    s = probe(t, old[i].key, old[i].hash);
	    *s = old[i];
	}
    free(old);
    return (0);
}

void   *htable_insert(HTABLE *t, const char *key, void *value)
{
    uint64_t hash = fnv64(key);
    SLOT   *s = probe(t, key, hash);

    if (s->key)
	return (s->value);
    if ((t->used + 1) * 2 > t->size) {
	if (grow(t) < 0)
	    return (HTABLE_NOMEM);
	s = probe(t, key, hash);
    }
    s->key = key;
    s->value = value;
    s->hash = hash;
    t->used++;
    return (0);
}

void   *htable_find(const HTABLE *t, const char *key)
{
    SLOT   *s = probe(t, key, fnv64(key));

    return (s->key ? s->value : 0);
}

size_t  htable_count(const HTABLE *t)
{
    return (t->used);
}

void    htable_walk(const HTABLE *t,
		            void (*fn) (void *ctx, const char *key, void *value),
		            void *ctx)
{
    size_t  i;

    for (i = 0; i < t->size; i++)
	if (t->slots[i].key)
	    fn(ctx, t->slots[i].key, t->slots[i].value);
}

void    htable_free(HTABLE *t)
{
    if (t) {
	free(t->slots);
	free(t);
    }
}
