/*
 * netstring.c - parse and write netstrings ("5:hello,").
 *
 * Exports netstring_parse() and netstring_format(). The parser looks at
 * a buffer that may hold less than one netstring, exactly one, or the
 * start of several (pipelined requests): it says which, without copying,
 * and rejects a bad frame as early as its bytes show it, so that a
 * reader can answer and hang up before taking in more.
 */
#include <stdio.h>
#include <string.h>
#include "netstring.h"

NETSTRING_STATUS netstring_parse(const char *buf, size_t len, size_t max,
				         const char **payload, size_t *plen,
				         size_t *used)
{
    size_t  i, n = 0;

    /* Without a leading zero, a length over MAX shows before overflow. */
    for (i = 0; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
	if (i == 1 && buf[0] == '0')
	    return (NETSTRING_MALFORMED);
	n = n * 10 + (size_t) (buf[i] - '0');
	if (n > max)
	    return (NETSTRING_TOO_LONG);
    }
    if (i == len)
	return (NETSTRING_PARTIAL);
    if (i == 0 || buf[i] != ':')
	return (NETSTRING_MALFORMED);
    if (len - i - 1 < n + 1)
	return (NETSTRING_PARTIAL);
    if (buf[i + 1 + n] != ',')
	return (NETSTRING_MALFORMED);
    *payload = buf + i + 1;
    *plen = n;
    *used = i + n + 2;
    return (NETSTRING_OK);
}

size_t  netstring_format(char *out, size_t outlen, const char *payload,
			         size_t plen)
{
    char    head[32];
    int     h;

    h = snprintf(head, sizeof(head), "%zu:", plen);
    if (h < 0 || (size_t) h + plen + 1 > outlen)
	return (0);
    memcpy(out, head, (size_t) h);
    memcpy(out + h, payload, plen);
    out[h + plen] = ',';
    return ((size_t) h + plen + 1);
}
