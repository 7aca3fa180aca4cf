/*
 * fuzz_esmtp.c - libFuzzer harness: the ESMTP parameters the milter
 * gives a recipient it adds (milter/esmtp.c).
 *
 * Input: line 1 the original recipient as the MTA gave it, further
 * lines its RCPT parameters (NOTIFY=..., ORCPT=..., anything), as any
 * milter peer may send them. The parameters for a replacement are
 * built from them; the xtext and bracket helpers also get buffers of
 * every small size, which they must never overrun.
 */
#include <stdlib.h>
#include <string.h>
#include "esmtp.h"
#include "fuzz.h"

#define FUZZ_MAX_ARGS	16

static void small_buffers(const char *s)
{
    char   *buf;
    size_t  len;

    for (len = 1; len <= 24; len++) {
	if ((buf = malloc(len)) == 0)
	    abort();
	buf[0] = 0;
	if (esmtp_xtext(buf, len, s) == 0)	/* else BUF is the caller's */
	    fuzz_touch(buf);
	esmtp_strip(buf, len, s);
	fuzz_touch(buf);
	free(buf);
    }
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *text = fuzz_string(data, size), *line[FUZZ_MAX_ARGS + 2], *args;
    size_t  n = fuzz_lines(text, line, FUZZ_MAX_ARGS + 1);
    int     dropped;

    line[n] = 0;
    if ((args = esmtp_rcpt_args(line[0], n > 1 ? line + 1 : 0, &dropped)) == 0)
	abort();
    if (strlen(args) >= ESMTP_ARGS_MAX)		/* the bound it promises */
	abort();
    fuzz_touch(args);
    free(args);
    small_buffers(line[0]);
    free(text);
    return (0);
}
