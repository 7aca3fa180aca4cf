#ifndef ATOMICFILE_H_INCLUDED
#define ATOMICFILE_H_INCLUDED

/*
 * atomicfile.h - replace a file so that readers see the old one or the
 * new one, never half of either.
 */
#include <stddef.h>

typedef struct ATOMIC_FILE ATOMIC_FILE;

/*
 * Start replacing PATH: a temporary file is made beside it (same
 * directory, so the final rename cannot cross file systems). PATH must
 * be a regular file or absent; a symbolic link is refused. Returns null
 * with a reason in ERR on failure.
 */
extern ATOMIC_FILE *atomic_create(const char *path, char *err, size_t errlen);

/* The temporary file: write through the descriptor or reopen the name. */
extern int atomic_fd(const ATOMIC_FILE *af);
extern const char *atomic_temp(const ATOMIC_FILE *af);

/*
 * Finish: fsync the temporary file, give it the owner and mode of the
 * regular file it replaces (lstat: never a link's target) (or FALLBACK_MODE when there is none; -1: 0666 less
 * the umask), rename it over PATH and fsync the directory. Frees AF
 * whatever happens; on failure the temporary file is removed and PATH is
 * as it was.
 */
extern int atomic_commit(ATOMIC_FILE *af, int fallback_mode, char *err,
			         size_t errlen);

/* Give up: remove the temporary file, free AF (null is fine). */
extern void atomic_abort(ATOMIC_FILE *af);

/* fsync the directory that holds PATH. */
extern int atomic_sync_dir(const char *path);

#endif
