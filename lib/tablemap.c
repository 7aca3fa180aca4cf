/*
 * tablemap.c - write a loaded, checked table into a Berkeley DB map.
 *
 * Exports table_write_map() and table_write_map_if(). Hash maps are
 * written in bucket order (map_hash_rank, then rank_by_low_bits with the
 * map's bucket count), so that a map of any size is built with a small
 * cache and its pages are written once, in file order; btree maps in key
 * order. A /pattern/ entry is stored with its number in the table
 * (pattern_store_value()). Used by maptool compile and maptool build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "map.h"
#include "pattern.h"
#include "rank.h"
#include "tablemap.h"

static const TABLE *sort_table;		/* qsort() has no context argument */

static int by_key(const void *a, const void *b)
{
    return (strcmp(sort_table->entries[((const RANKED *) a)->entry].key,
		   sort_table->entries[((const RANKED *) b)->entry].key));
}

/* ORDER, ranked, with the buckets in file order; null (ORDER freed) if not. */
static RANKED *in_file_order(RANKED *order, size_t n, int bucket_bits)
{
    if (rank_by_low_bits(order, n, bucket_bits) < 0) {
	free(order);
	return (0);
    }
    return (order);
}

/* The order to write entries in: by bucket for hash, by key for btree. */
static RANKED *write_order(TABLE *t, int type, int flags, int bucket_bits)
{
    RANKED *order;
    size_t  i;

    if (type == MAP_TYPE_HASH && flags == 0 && t->order) {
	order = t->order;			/* table_load() ranked them so */
	t->order = 0;
	return (in_file_order(order, t->count, bucket_bits));
    }
    if ((order = malloc((t->count ? t->count : 1) * sizeof(*order))) == 0)
	return (0);
    for (i = 0; i < t->count; i++) {
	order[i].entry = i;
	order[i].rank = map_hash_rank(t->entries[i].key, flags);
    }
    if (type == MAP_TYPE_BTREE) {
	sort_table = t;
	qsort(order, t->count, sizeof(*order), by_key);
	return (order);
    }
    if (rank_sort(order, t->count) < 0) {
	free(order);
	return (0);
    }
    return (in_file_order(order, t->count, bucket_bits));
}

/* Write E, of rank RANK; a pattern's value goes with its number. */
static int put_entry(MAP_WRITER *w, const TABLE_ENTRY *e, uint32_t rank,
		             char *err, size_t errlen)
{
    char   *stored;
    int     r;

    if (e->seq == 0)
	return (map_put_kept(w, e->key, e->value, rank, err, errlen));
    if ((stored = pattern_store_value(e->seq, e->value)) == 0) {
	snprintf(err, errlen, "out of memory");
	return (-1);
    }
    r = map_put(w, e->key, stored, err, errlen);
    free(stored);
    return (r);
}

int     table_write_map(TABLE *t, const char *path, int type, int flags,
			        char *err, size_t errlen)
{
    return (table_write_map_if(t, path, type, flags, 0, 0, err, errlen));
}

int     table_write_map_if(TABLE *t, const char *path, int type, int flags,
			           TABLE_READY_FN ready, void *ctx, char *err,
			           size_t errlen)
{
    MAP_WRITER *w;
    RANKED *order;
    const TABLE_ENTRY *e;
    size_t  i;

    if ((w = map_create(path, type, flags, t->count,
			t->count ? t->text_size / t->count : 0, err, errlen)) == 0)
	return (TABLE_WRITE_CREATE);
    if ((order = write_order(t, type, flags, map_bucket_bits(w))) == 0) {
	snprintf(err, errlen, "%s: out of memory", path);
	map_abort(w);
	return (TABLE_WRITE_IO);
    }
    for (i = 0; i < t->count; i++) {
	/* The entries are visited out of file order: fetch ahead. */
	if (i + 16 < t->count)
	    __builtin_prefetch(t->entries + order[i + 16].entry);
	if (i + 8 < t->count)
	    __builtin_prefetch(t->entries[order[i + 8].entry].key);
	e = t->entries + order[i].entry;
	if (put_entry(w, e, order[i].rank, err, errlen) < 0) {
	    map_abort(w);
	    free(order);
	    return (TABLE_WRITE_IO);
	}
    }
    free(order);
    if (ready && ready(ctx) != 0) {
	map_abort(w);
	return (TABLE_WRITE_REFUSED);
    }
    return (map_commit(w, err, errlen) < 0 ? TABLE_WRITE_IO : 0);
}
