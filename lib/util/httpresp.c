/*
 * httpresp.c - read one HTTP/1.x response held whole in memory.
 *
 * Exports http_response_parse() and http_response_type_is(), the
 * response side of maptool dnscheck's small HTTPS client (the MTA-STS
 * policy fetch). The client asks with "Connection: close" and reads to
 * the end, so a response here is the whole of what the server sent:
 * a status line, header lines up to an empty line, then the body. Only
 * what the client needs is kept (status, Content-Type, the body); the
 * reader is strict where a lenient one would guess (a folded header, a
 * body length given twice, a chunked body: refused). It allocates
 * nothing: the results point into the caller's buffer, and the buffer
 * need not end in a NUL. No mail knowledge.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "httpresp.h"

/* The line at *POS, up to LF (a CR before it dropped); null at the end. */
static const char *next_line(const char *buf, size_t len, size_t *pos,
			             size_t *line_len)
{
    const char *start = buf + *pos, *lf;

    if (*pos >= len)
	return (0);
    if ((lf = memchr(start, '\n', len - *pos)) == 0)
	return (0);
    *line_len = (size_t) (lf - start);
    if (*line_len > 0 && start[*line_len - 1] == '\r')
	--*line_len;
    *pos = (size_t) (lf - buf) + 1;
    return (start);
}

static int is_digit(int ch)
{
    return (ch >= '0' && ch <= '9');
}

/* "HTTP/D.D DDD[ reason]" */
static int parse_status(const char *s, size_t n, HTTP_RESPONSE *r)
{
    if (n < 12 || memcmp(s, "HTTP/", 5) != 0 || !is_digit(s[5]) || s[6] != '.'
	|| !is_digit(s[7]) || s[8] != ' ' || !is_digit(s[9])
	|| !is_digit(s[10]) || !is_digit(s[11]) || (n > 12 && s[12] != ' '))
	return (-1);
    r->major = s[5] - '0';
    r->minor = s[7] - '0';
    r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    return (r->major == 1 && r->status >= 100 && r->status <= 599 ? 0 : -1);
}

/* Is the header NAME (NLEN octets) WANT? */
static int header_is(const char *name, size_t nlen, const char *want)
{
    return (nlen == strlen(want) && strncasecmp(name, want, nlen) == 0);
}

/* A Content-Length value: digits only, at most 9 of them. */
static int parse_length(const char *v, size_t n, size_t *value)
{
    size_t  i;

    if (n == 0 || n > 9)
	return (-1);
    for (*value = 0, i = 0; i < n; i++) {
	if (!is_digit(v[i]))
	    return (-1);
	*value = *value * 10 + (size_t) (v[i] - '0');
    }
    return (0);
}

int     http_response_parse(const char *buf, size_t len, HTTP_RESPONSE *r,
			            char *err, size_t errlen)
{
    const char *line, *colon, *v;
    size_t  pos = 0, n, vlen, length = 0, headers = 0;
    int     have_length = 0;

    memset(r, 0, sizeof(*r));
    if ((line = next_line(buf, len, &pos, &n)) == 0) {
	snprintf(err, errlen, "no complete status line");
	return (-1);
    }
    if (parse_status(line, n, r) < 0) {
	snprintf(err, errlen, "malformed status line \"%.*s\"",
		 (int) (n > 60 ? 60 : n), line);
	return (-1);
    }
    for (;;) {
	if ((line = next_line(buf, len, &pos, &n)) == 0) {
	    snprintf(err, errlen, "the headers do not end");
	    return (-1);
	}
	if (n == 0)
	    break;
	if (++headers > HTTPRESP_MAX_HEADERS) {
	    snprintf(err, errlen, "more than %d header lines", HTTPRESP_MAX_HEADERS);
	    return (-1);
	}
	if (line[0] == ' ' || line[0] == '\t') {
	    snprintf(err, errlen, "a folded header line");
	    return (-1);
	}
	if ((colon = memchr(line, ':', n)) == 0 || colon == line) {
	    snprintf(err, errlen, "a header line without a name and colon");
	    return (-1);
	}
	if (colon[-1] == ' ' || colon[-1] == '\t') {
	    snprintf(err, errlen, "blanks between a header's name and colon");
	    return (-1);
	}
	for (v = colon + 1; v < line + n && (*v == ' ' || *v == '\t'); v++)
	     /* void */ ;
	for (vlen = (size_t) (line + n - v); vlen > 0
	     && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'); vlen--)
	     /* void */ ;
	if (header_is(line, (size_t) (colon - line), "Content-Type")) {
	    if (r->content_type) {
		snprintf(err, errlen, "Content-Type given twice");
		return (-1);
	    }
	    r->content_type = v;
	    r->content_type_len = vlen;
	} else if (header_is(line, (size_t) (colon - line), "Content-Length")) {
	    if (have_length || parse_length(v, vlen, &length) < 0) {
		snprintf(err, errlen, "a malformed or repeated Content-Length");
		return (-1);
	    }
	    have_length = 1;
	} else if (header_is(line, (size_t) (colon - line), "Transfer-Encoding")) {
	    snprintf(err, errlen, "a transfer coding (\"%.*s\"): not supported",
		     (int) (vlen > 40 ? 40 : vlen), v);
	    return (-1);
	}
    }
    r->body = buf + pos;
    r->body_len = len - pos;
    if (have_length) {
	if (length > r->body_len) {
	    snprintf(err, errlen, "the body is cut short: %zu of %zu octets",
		     r->body_len, length);
	    return (-1);
	}
	r->body_len = length;
	r->has_length = 1;
    }
    return (0);
}

int     http_response_type_is(const HTTP_RESPONSE *r, const char *type)
{
    size_t  n = strlen(type), i;

    if (r->content_type == 0 || r->content_type_len < n
	|| strncasecmp(r->content_type, type, n) != 0)
	return (0);
    for (i = n; i < r->content_type_len && (r->content_type[i] == ' '
					   || r->content_type[i] == '\t'); i++)
	 /* void */ ;
    return (i == r->content_type_len || r->content_type[i] == ';');
}
