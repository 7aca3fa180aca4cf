/*
 * fuzz_httpresp.c - libFuzzer harness: an HTTP response as maptool
 * dnscheck --fetch-policy reads it (lib/util/httpresp.c), whatever the
 * server at mta-sts.DOMAIN sends.
 *
 * The input is the whole response, as read to the end of the
 * connection, in a buffer of exactly its size (no NUL after it, so that
 * a read past the end is seen). A response read must have a status of
 * 100-599, a Content-Type and body inside the input; the body is read
 * to its end. Every prefix-cut of a good response must be read or
 * refused, never overrun.
 */
#include <stdlib.h>
#include "httpresp.h"
#include "fuzz.h"

static volatile char sink;		/* every octet read lands here */

static void read_response(const char *buf, size_t size)
{
    HTTP_RESPONSE r;
    char    err[256];
    size_t  i;

    if (http_response_parse(buf, size, &r, err, sizeof(err)) < 0) {
	fuzz_touch(err);
	return;
    }
    if (r.status < 100 || r.status > 599 || r.body < buf
	|| r.body + r.body_len > buf + size)
	abort();
    if (r.content_type && (r.content_type < buf
			   || r.content_type + r.content_type_len > buf + size))
	abort();
    for (i = 0; i < r.body_len; i++)
	sink ^= r.body[i];
    for (i = 0; i < r.content_type_len; i++)
	sink ^= r.content_type[i];
    (void) http_response_type_is(&r, "text/plain");
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *buf = fuzz_bytes(data, size);

    read_response(buf, size);
    if (size > 0)
	read_response(buf, size / 2);
    free(buf);
    return (0);
}
