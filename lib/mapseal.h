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

#endif
