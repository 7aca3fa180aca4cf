#ifndef HTTPSGET_H_INCLUDED
#define HTTPSGET_H_INCLUDED

/*
 * httpsget.h - one HTTPS GET, verified and bounded (maptool dnscheck's
 * MTA-STS policy fetch).
 */
#include <stddef.h>

typedef struct HTTPS_GET {
    const char *host;			/* the name the certificate must carry */
    const char *address;		/* IPv4 or IPv6 address to connect to */
    int     port;
    const char *path;			/* "/.well-known/mta-sts.txt" */
    const char *ca_file;		/* trusted CAs, or null: the system's */
    int     timeout;			/* seconds for the whole exchange */
    size_t  max_len;			/* longest response accepted */
} HTTPS_GET;

/*
 * Ask G and read the response to the end: a buffer of its own holding
 * *LEN octets (NUL added, not counted), or null with the reason in ERR
 * ("connect: ...", "TLS: certificate: ...", "timed out ..."). *CLEAN
 * tells whether the server ended with TLS close_notify; without it, the
 * end may have been cut off on the way, and only a Content-Length can
 * tell the response is whole.
 */
extern char *https_get(const HTTPS_GET *g, size_t *len, int *clean,
		               char *err, size_t errlen);

#endif
