#ifndef MAPPROBE_H_INCLUDED
#define MAPPROBE_H_INCLUDED

/*
 * mapprobe.h - read a map once in a child process before trusting it.
 */
#include <stddef.h>
#include <sys/types.h>

/*
 * Open PATH and read every entry in a child process. Berkeley DB does
 * not survive every corrupt file (a garbled page can end the process
 * with SIGBUS or SIGSEGV): here only the child dies. Returns 0 with the
 * identity of the file the child read in *DEV and *INO, or -1 with the
 * reason in ERR (the child's reason for a map it could not open, or
 * that reading it crashed).
 */
extern int map_probe(const char *path, dev_t *dev, ino_t *ino, char *err,
		             size_t errlen);

/* map_probe(), then map_open_cached() (CACHE 0: the default). */
struct MAP;
extern struct MAP *map_open_probed(const char *path, size_t cache, char *err,
				           size_t errlen);

#endif
