/*
 * slurp.c - read a whole file into memory.
 *
 * Exports slurp_file(), the one reader of whole files: text tables
 * (which may come from the standard input), the topology file and its
 * user lists. A regular file is read into a buffer of its size (plus
 * room for the NUL and to notice growth); anything else into a buffer
 * that doubles as it fills. Nothing here aborts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bigmem.h"
#include "slurp.h"

#define SLURP_FIRST_SIZE	(1 << 16)	/* not a regular file: start here */

/* Read FD to its end into a buffer of CAP bytes at first. */
static char *read_to_end(int fd, size_t cap, size_t *len, char *err,
			         size_t errlen)
{
    char   *buf = 0, *grown;
    size_t  n = 0;
    ssize_t r;

    for (;;) {
	if (buf == 0 || n + 1 >= cap) {
	    if (buf)
		cap *= 2;
	    if ((grown = realloc(buf, cap)) == 0) {
		snprintf(err, errlen, "out of memory");
		free(buf);
		errno = ENOMEM;
		return (0);
	    }
	    if (buf == 0)
		bigmem_advise(grown, cap);
	    buf = grown;
	}
	if ((r = read(fd, buf + n, cap - n - 1)) < 0) {
	    if (errno == EINTR)
		continue;
	    snprintf(err, errlen, "%s", strerror(errno));
	    free(buf);
	    return (0);
	}
	if (r == 0) {
	    buf[n] = 0;
	    *len = n;
	    return (buf);
	}
	n += r;
    }
}

/* What is wrong with reading a file of mode MODE; null when nothing. */
static const char *kind_problem(mode_t mode, int flags)
{
    if ((flags & SLURP_REGULAR) && !S_ISREG(mode))
	return ("not a regular file");
    if (S_ISDIR(mode))
	return ("is a directory");
    return (0);
}

char   *slurp_file(const char *path, int flags, size_t *len, char *err,
		           size_t errlen)
{
    int     use_stdin = (flags & SLURP_STDIN) && strcmp(path, "-") == 0;
    int     fd = use_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC), saved;
    struct stat st;
    const char *why;
    char   *buf = 0;

    if (fd < 0) {
	snprintf(err, errlen, "%s", strerror(errno));
	return (0);
    }
    if (fstat(fd, &st) < 0)
	snprintf(err, errlen, "%s", strerror(errno));
    else if ((why = kind_problem(st.st_mode, flags)) != 0) {
	snprintf(err, errlen, "%s", why);
	errno = EINVAL;
    } else
	buf = read_to_end(fd, S_ISREG(st.st_mode) ? (size_t) st.st_size + 2 :
			  SLURP_FIRST_SIZE, len, err, errlen);
    saved = errno;
    if (!use_stdin)
	close(fd);
    errno = saved;
    return (buf);
}
