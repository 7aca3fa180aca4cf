/*
 * util.c - helpers shared by the unit test suites.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"

char   *unit_write_file(const char *name, const char *text)
{
    static char dir[64];
    char   *path;
    FILE   *fp;

    if (dir[0] == 0) {
	snprintf(dir, sizeof(dir), "%s/unit.XXXXXX",
		 getenv("T") ? getenv("T") : "/tmp");
	if (mkdtemp(dir) == 0)
	    ck_abort_msg("mkdtemp failed");
    }
    if ((path = malloc(strlen(dir) + strlen(name) + 2)) == 0)
	ck_abort_msg("out of memory");
    sprintf(path, "%s/%s", dir, name);
    if ((fp = fopen(path, "w")) == 0)
	ck_abort_msg("cannot write %s", path);
    fputs(text, fp);
    fclose(fp);
    return (path);
}
