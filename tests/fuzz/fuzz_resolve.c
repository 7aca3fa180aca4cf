/*
 * fuzz_resolve.c - libFuzzer harness: the resolver (lib/vut.c) over a
 * table made from the input (lib/table.c lookups and pattern matches).
 *
 * Input: a table, then optionally a line "--" and addresses one a line.
 * The table is loaded as maptool compile loads it (bad lines are left
 * out); every address given, and one address made from each key (a
 * user for a catch-all, a detail for a +* or ++ key), is resolved as
 * maptool query and the milter resolve it, with a trace. Each result
 * must be well formed: a forward names at least one recipient, each an
 * address that parses. The recipient limit is lowered to 20, which
 * keeps an input that fans out cheap and reaches the limits often.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "pattern.h"
#include "table.h"
#include "vut.h"
#include "fuzz.h"

#define FUZZ_MAX_RESOLVE	32

static void trace(void *ctx, const char *line)
{
    (void) ctx;
    fuzz_touch(line);
}

static void resolve(const VUT *vut, const char *address)
{
    VUT_RESULT res;
    ADDR    addr;
    const char *why;
    size_t  i;

    switch (vut_resolve(vut, address, &res)) {
    case VUT_FORWARD:
	if (res.nrcpt == 0 || res.nrcpt > vut->max_rcpt)
	    abort();
	for (i = 0; i < res.nrcpt; i++)
	    if (addr_parse(res.rcpt[i], &addr, &why) < 0)
		abort();
	break;
    case VUT_REJECT:
    case VUT_ERROR:
	if (strlen(res.reply.code) != 3)
	    abort();
	fuzz_touch(res.reply.text);
	break;
    case VUT_NONE:
	if (res.nrcpt)
	    abort();
	break;
    }
    vut_result_free(&res);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *text = fuzz_string(data, size), *rest = 0, *sep, *line[FUZZ_MAX_RESOLVE];
    char    buf[ADDR_MAX + 32];
    VUT_SOURCE src = {table_lookup, 0, 0, "fuzz", table_match};
    TABLE  *t;
    VUT     vut;
    size_t  n = 0, i, done = 0;

    if (strncmp(text, "--\n", 3) == 0)
	sep = text;
    else if ((sep = strstr(text, "\n--\n")) != 0)
	sep++;
    if (sep) {
	rest = sep + 3;
	*sep = 0;
	n = fuzz_lines(rest, line, FUZZ_MAX_RESOLVE);
    }
    if ((t = table_load(fuzz_file("table", text, strlen(text)), 0, fuzz_report, 0)) == 0)
	abort();
    src.ctx = t;
    vut_init(&vut, &src, 1);
    vut.trace = trace;
    vut.max_rcpt = 20;			/* and so 200 addresses at most */
    for (i = 0; i < n; i++, done++)
	resolve(&vut, line[i]);
    for (i = 0; i < t->count && done < FUZZ_MAX_RESOLVE; i++) {
	if (pattern_is_key(t->entries[i].key))
	    continue;
	fuzz_address_for(t->entries[i].key, buf, sizeof(buf));
	resolve(&vut, buf);
	done++;
    }
    table_free(t);
    free(text);
    return (0);
}
