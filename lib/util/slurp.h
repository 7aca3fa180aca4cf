#ifndef SLURP_H_INCLUDED
#define SLURP_H_INCLUDED

/*
 * slurp.h - read a whole file into memory.
 */
#include <stddef.h>

#define SLURP_STDIN	(1 << 0)	/* "-" is the standard input */
#define SLURP_REGULAR	(1 << 1)	/* refuse anything but a regular file */

/*
 * Read PATH to its end into a buffer of its own, followed by a NUL byte
 * that *LEN does not count; free() it. A directory is refused, and with
 * SLURP_REGULAR anything but a regular file. Returns null with a reason
 * in ERR on failure; errno is then ENOMEM when memory ran out, so that a
 * caller may treat that as it treats other allocations.
 */
extern char *slurp_file(const char *path, int flags, size_t *len, char *err,
			        size_t errlen);

#endif
