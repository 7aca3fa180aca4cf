/*
 * fuzz_servers.c - libFuzzer harness: the servers file of a build
 * (topology/servers.c), as maptool verify and maptool install read it.
 *
 * The input is a servers file, read with servers_read(); whatever it
 * holds must be consistent: every server has a host, a branch server a
 * branch, at most SERVER_MAX_MAPS maps.
 */
#include <stdlib.h>
#include "servers.h"
#include "fuzz.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("servers", data, size);
    SERVERS *ss;
    size_t  i, j;
    int     errors;

    if ((ss = servers_read(path, fuzz_report, 0, &errors)) == 0)
	abort();				/* a readable file reads */
    for (i = 0; i < ss->count; i++) {
	const SERVER *s = ss->server + i;

	if (s->nmaps > SERVER_MAX_MAPS)
	    abort();
	if (s->host)
	    fuzz_touch(s->host);
	if (s->branch)
	    fuzz_touch(s->branch);
	for (j = 0; j < s->nmaps; j++)
	    fuzz_touch(s->maps[j]);
    }
    if (errors == 0 && (ss->topology == 0 || ss->domain == 0 || ss->count == 0))
	abort();
    servers_free(ss);
    return (0);
}
