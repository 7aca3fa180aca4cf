/*
 * util.c - helpers shared by the unit test suites.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "vut.h"
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

/* The answer of VUT as a string: "forward a,b", "reject C E T", ... */
char   *unit_answer(const VUT *vut, const char *address, VUT_RESULT *keep)
{
    static char out[2048];
    VUT_RESULT res;
    size_t  i, n;

    switch (vut_resolve(vut, address, &res)) {
    case VUT_NONE:
	snprintf(out, sizeof(out), "none");
	break;
    case VUT_FORWARD:
	n = snprintf(out, sizeof(out), "forward ");
	for (i = 0; i < res.nrcpt; i++)
	    n += snprintf(out + n, sizeof(out) - n, "%s%s", i ? "," : "", res.rcpt[i]);
	break;
    case VUT_REJECT:
	snprintf(out, sizeof(out), "reject %s %s %s", res.reply.code,
		 res.reply.enhanced, res.reply.text);
	break;
    case VUT_ERROR:
	snprintf(out, sizeof(out), "error %s %s %s", res.reply.code,
		 res.reply.enhanced, res.why);
	break;
    }
    if (keep)
	*keep = res;
    else
	vut_result_free(&res);
    return (out);
}
