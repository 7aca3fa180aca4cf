#ifndef HTTPRESP_H_INCLUDED
#define HTTPRESP_H_INCLUDED

/*
 * httpresp.h - read one HTTP/1.x response held whole in memory: its
 * status line, the headers a small client needs and its body.
 */
#include <stddef.h>

#define HTTPRESP_MAX_HEADERS	100	/* more header lines: refused */

typedef struct HTTP_RESPONSE {
    int     major, minor;		/* HTTP/MAJOR.MINOR */
    int     status;			/* 100-599 */
    const char *content_type;		/* Content-Type value, or null */
    size_t  content_type_len;
    const char *body;			/* the body, in the caller's buffer */
    size_t  body_len;
    int     has_length;			/* Content-Length gave body_len */
} HTTP_RESPONSE;

/*
 * Read the LEN octets at BUF (not NUL-terminated; the response as the
 * server sent it up to the end of the connection) into R, whose
 * pointers point into BUF. The body is what Content-Length says (a
 * response cut short is refused) or, without it, the rest. A chunked
 * body, a folded header, a malformed or repeated Content-Length, a
 * header without a colon and one with blanks before its colon are
 * refused. Returns 0, or -1 with a reason
 * in ERR. Allocates nothing.
 */
extern int http_response_parse(const char *buf, size_t len, HTTP_RESPONSE *r,
			               char *err, size_t errlen);

/* Is the media type of R's Content-Type TYPE (case folded, no parameters)? */
extern int http_response_type_is(const HTTP_RESPONSE *r, const char *type);

#endif
