#ifndef BUILDDIR_H_INCLUDED
#define BUILDDIR_H_INCLUDED

/*
 * builddir.h - the output directory of maptool build and the stage the
 * new build is written to beside it, handled through open directories
 * so that no name can be swapped for a symbolic link behind our back.
 */
#include <sys/stat.h>

typedef struct BUILD_DIR {
    const char *dir;			/* DIR, as named */
    char   *name;			/* its last component */
    int     parent_fd;			/* the directory that holds it */
    int     dir_fd;			/* DIR, or -1 when there is none yet */
    struct stat dir_st;
    char   *stage;			/* the stage's path, for writers */
    char   *stage_name;			/* ".NAME.build.XXXXXX" */
    int     stage_fd;			/* -1 until made */
    struct stat stage_st;
} BUILD_DIR;

/*
 * Open DIR's parent and check DIR: new, empty, or an earlier build (it
 * has a servers file); never a symbolic link. -1 after a message.
 */
extern int builddir_open(BUILD_DIR *bd, const char *dir);

/* Make the stage beside DIR; -1 after a message. */
extern int builddir_stage(BUILD_DIR *bd);

/*
 * Put the stage in DIR's place (one atomic exchange when DIR exists),
 * with DIR's mode and, as root, its owner; then remove the old build.
 * Refused, with a message and nothing replaced, when DIR or the stage is
 * no longer the directory checked or made. -1 after a message.
 */
extern int builddir_replace(BUILD_DIR *bd);

/*
 * Remove the stage and its files; where its name now leads elsewhere,
 * only empty the directory we made. -1 when something is left.
 */
extern int builddir_remove_stage(BUILD_DIR *bd);

/* Close and free (the stage stays unless removed). */
extern void builddir_close(BUILD_DIR *bd);

#endif
