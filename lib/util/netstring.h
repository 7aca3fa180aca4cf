#ifndef NETSTRING_H_INCLUDED
#define NETSTRING_H_INCLUDED

/*
 * netstring.h - netstrings ("LEN:PAYLOAD,"), as the socketmap protocol
 * frames its requests and replies. Pure functions over buffers: no I/O,
 * no allocation.
 */
#include <stddef.h>

#define NETSTRING_MAX	100000		/* the socketmap protocol's limit */

typedef enum NETSTRING_STATUS {
    NETSTRING_OK,			/* a whole netstring */
    NETSTRING_PARTIAL,			/* a valid start: read more */
    NETSTRING_MALFORMED,		/* not a netstring */
    NETSTRING_TOO_LONG,			/* its length is over the limit */
} NETSTRING_STATUS;

/*
 * Look for one netstring at the start of BUF[0..LEN-1] whose payload
 * is at most MAX bytes. NETSTRING_OK sets *PAYLOAD (inside BUF, not
 * terminated), *PLEN and *USED (bytes the netstring takes in BUF). A
 * length with a leading zero (other than "0" itself), a missing ':' or
 * ',' is malformed; a length over MAX is reported as soon as the digits
 * read show it.
 */
extern NETSTRING_STATUS netstring_parse(const char *buf, size_t len,
					        size_t max,
					        const char **payload,
					        size_t *plen, size_t *used);

/*
 * Write PAYLOAD[0..PLEN-1] as a netstring into OUT (of OUTLEN bytes);
 * the bytes written, or 0 when it does not fit. Not NUL-terminated.
 */
extern size_t netstring_format(char *out, size_t outlen,
			               const char *payload, size_t plen);

#endif
