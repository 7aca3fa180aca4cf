/*
 * fuzz_netstring.c - libFuzzer harness: netstring frames as the
 * socketmap service reads them (lib/util/netstring.c).
 *
 * Input: bytes as a client may send them, several pipelined frames or
 * garbage. They are parsed frame after frame as the service does, with
 * a small limit and with NETSTRING_MAX; every frame found must lie in
 * the input, within the limit, and come out the same when written back
 * and parsed again. A partial frame must stay partial for every prefix
 * of the bytes it was given.
 */
#include <stdlib.h>
#include <string.h>
#include "netstring.h"
#include "fuzz.h"

static void roundtrip(const char *payload, size_t plen, size_t max)
{
    char   *out;
    const char *p2;
    size_t  olen = plen + 32, n, plen2, used2;

    if ((out = malloc(olen)) == 0)
	abort();
    if ((n = netstring_format(out, olen, payload, plen)) == 0)
	abort();
    if (netstring_parse(out, n, max, &p2, &plen2, &used2) != NETSTRING_OK
	|| plen2 != plen || used2 != n || memcmp(p2, payload, plen) != 0)
	abort();
    free(out);
}

static void frames(const char *buf, size_t len, size_t max)
{
    const char *payload;
    size_t  plen, used, off = 0, i;
    NETSTRING_STATUS st;

    while (off < len) {
	st = netstring_parse(buf + off, len - off, max, &payload, &plen, &used);
	if (st != NETSTRING_OK) {
	    if (st == NETSTRING_PARTIAL)
		for (i = 0; i < len - off; i++)
		    if (netstring_parse(buf + off, i, max, &payload, &plen,
					&used) != NETSTRING_PARTIAL)
			abort();
	    return;
	}
	if (plen > max || used > len - off || payload < buf + off
	    || payload + plen > buf + off + used)
	    abort();
	roundtrip(payload, plen, max);
	off += used;
    }
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *buf = fuzz_bytes(data, size);

    frames(buf, size, 16);
    frames(buf, size, NETSTRING_MAX);
    free(buf);
    return (0);
}
