#ifndef MAPSEAL_H_INCLUDED
#define MAPSEAL_H_INCLUDED

/*
 * mapseal.h - make a new Berkeley DB map's bytes depend on its entries
 * only: the same table, compiled twice, gives identical files.
 */
#include <stddef.h>

/*
 * Clear the free space of every page of the closed map open on FD and
 * set its file id to a digest of the result. A file in another format
 * is left alone. PATH names it in messages. -1 with a reason in ERR.
 */
extern int map_seal(int fd, const char *path, char *err, size_t errlen);

/*
 * While FD (Berkeley DB's own descriptor of a map being written, DB->fd)
 * is watched, the library's writes of whole pages of PAGESIZE bytes to
 * it have their free space cleared on the way: map_seal() then finds
 * those pages clean. Unwatch it before it is closed.
 */
extern void map_seal_watch(int fd, unsigned pagesize);
extern void map_seal_unwatch(int fd);

#endif
