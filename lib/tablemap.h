#ifndef TABLEMAP_H_INCLUDED
#define TABLEMAP_H_INCLUDED

/*
 * tablemap.h - write a checked table into a Berkeley DB map.
 */
#include <stddef.h>
#include "table.h"

/*
 * Write every entry of T (checked, no errors) into a new map at PATH of
 * TYPE (MAP_TYPE_HASH, MAP_TYPE_BTREE) with FLAGS (MAP_FLAG_NUL). The map
 * appears at PATH only when complete (map_commit). Takes T->order when
 * it can use it (T->order is then null). Returns 0, or with a reason in
 * ERR and PATH as it was: TABLE_WRITE_CREATE when the new map could not
 * be started (a read-only directory, say), TABLE_WRITE_IO afterwards.
 */
#define TABLE_WRITE_CREATE	(-1)
#define TABLE_WRITE_IO		(-2)
#define TABLE_WRITE_REFUSED	(-3)	/* READY said no (nothing in ERR) */

extern int table_write_map(TABLE *t, const char *path, int type, int flags,
			           char *err, size_t errlen);

/*
 * The same, but once every entry is written and before the map is put
 * in place READY(CTX) is asked: nonzero, and the map is dropped
 * (TABLE_WRITE_REFUSED). For checks that run while the map is written.
 */
typedef int (*TABLE_READY_FN) (void *ctx);
extern int table_write_map_if(TABLE *t, const char *path, int type, int flags,
			              TABLE_READY_FN ready, void *ctx, char *err,
			              size_t errlen);

#endif
