/*
 * dnsrdata.c - DNS record data, from the wire to zone.c's text.
 *
 * Exports dnsrdata_type_number(), dnsrdata_type_name() and
 * dnsrdata_decode(). maptool dnscheck asks the live DNS through a
 * resolver library, which returns each record's data as it came over
 * the wire (names uncompressed); this turns the data of the types a
 * build publishes (A, AAAA, MX, CNAME, TXT, TLSA) into the form
 * zone_read() gives the build's own records. Every length is checked
 * against the data: a short or overlong record is refused with a
 * reason, never read past its end.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "dnsrdata.h"

#define NAME_MAX_WIRE	255		/* octets of a name (RFC 1035 3.1) */
#define LABEL_MAX	63

/* A growing string of bounded size. */
typedef struct OUT {
    char   *s;
    size_t  len, room;
} OUT;

static int out_add(OUT *o, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static int out_add(OUT *o, const char *fmt,...)
{
    va_list ap;
    char   *grown;
    int     n;

    va_start(ap, fmt);
    n = vsnprintf(0, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
	return (-1);
    if (o->len + n + 1 > o->room) {
	o->room = 2 * (o->len + n + 1);
	if ((grown = realloc(o->s, o->room)) == 0)
	    return (-1);
	o->s = grown;
    }
    va_start(ap, fmt);
    vsnprintf(o->s + o->len, n + 1, fmt, ap);
    va_end(ap);
    o->len += n;
    return (0);
}

/* One octet of a name or text: plain, \. or \" style, or \DDD. */
static int out_octet(OUT *o, unsigned char c, const char *special)
{
    if (c > ' ' && c < 0x7f && c != '\\' && strchr(special, c) == 0)
	return (out_add(o, "%c", c));
    if (c > ' ' && c < 0x7f)
	return (out_add(o, "\\%c", c));
    if (c == ' ' && strchr(special, ' ') == 0)
	return (out_add(o, " "));
    return (out_add(o, "\\%03u", c));
}

int     dnsrdata_type_number(ZONE_TYPE type)
{
    switch (type) {
    case ZONE_A:
	return (1);
    case ZONE_CNAME:
	return (5);
    case ZONE_MX:
	return (15);
    case ZONE_TXT:
	return (16);
    case ZONE_AAAA:
	return (28);
    case ZONE_TLSA:
	return (52);
    default:
	return (0);
    }
}

const char *dnsrdata_type_name(ZONE_TYPE type)
{
    static const char *const names[] = {
	"A", "AAAA", "MX", "CNAME", "TXT", "TLSA", "other",
    };

    return ((unsigned) type < sizeof(names) / sizeof(names[0]) ?
	    names[type] : "other");
}

static int fail(char *why, size_t whylen, const char *text)
{
    snprintf(why, whylen, "%s", text);
    return (-1);
}

/* The uncompressed name at DATA (LEN octets), which must fill them all. */
static int name_text(const unsigned char *data, size_t len, OUT *o,
		             char *why, size_t whylen)
{
    size_t  at = 0, label, i;

    if (out_add(o, "%s", "") < 0)
	return (fail(why, whylen, "out of memory"));
    for (;;) {
	if (at >= len)
	    return (fail(why, whylen, "a name runs past the record"));
	label = data[at++];
	if (label == 0)
	    break;
	if (label > LABEL_MAX)
	    return (fail(why, whylen, "a compressed or bad label in a name"));
	if (at + label > len || at + label >= NAME_MAX_WIRE)
	    return (fail(why, whylen, "a name runs past the record"));
	if (o->len > 0 && out_add(o, ".") < 0)
	    return (fail(why, whylen, "out of memory"));
	for (i = 0; i < label; i++)
	    if (out_octet(o, data[at + i], ". \"();") < 0)
		return (fail(why, whylen, "out of memory"));
	at += label;
    }
    if (at != len)
	return (fail(why, whylen, "octets after the name"));
    addr_fold(o->s, o->s);
    return (0);
}

static int txt_text(const unsigned char *data, size_t len, OUT *o,
		            char *why, size_t whylen)
{
    size_t  at = 0, n, i;

    if (len == 0)
	return (fail(why, whylen, "a TXT record without a string"));
    if (out_add(o, "%s", "") < 0)
	return (fail(why, whylen, "out of memory"));
    while (at < len) {
	n = data[at++];
	if (at + n > len)
	    return (fail(why, whylen, "a TXT string runs past the record"));
	for (i = 0; i < n; i++)		/* as zone_read() keeps it: plain */
	    if ((data[at + i] >= ' ' && data[at + i] < 0x7f ?
		 out_add(o, "%c", data[at + i]) : out_octet(o, data[at + i], "")) < 0)
		return (fail(why, whylen, "out of memory"));
	at += n;
    }
    return (0);
}

static int tlsa_text(const unsigned char *data, size_t len, OUT *o,
		             char *why, size_t whylen)
{
    size_t  i;

    if (len < 4)
	return (fail(why, whylen, "a TLSA record shorter than 4 octets"));
    if (out_add(o, "%u %u %u ", data[0], data[1], data[2]) < 0)
	return (fail(why, whylen, "out of memory"));
    for (i = 3; i < len; i++)
	if (out_add(o, "%02x", data[i]) < 0)
	    return (fail(why, whylen, "out of memory"));
    return (0);
}

static int address_text(int family, const unsigned char *data, size_t len,
			        OUT *o, char *why, size_t whylen)
{
    char    buf[INET6_ADDRSTRLEN];

    if (len != (family == AF_INET ? 4u : 16u))
	return (fail(why, whylen, family == AF_INET ? "an A record not of 4 octets"
		     : "an AAAA record not of 16 octets"));
    if (inet_ntop(family, data, buf, sizeof(buf)) == 0 || out_add(o, "%s", buf) < 0)
	return (fail(why, whylen, "out of memory"));
    return (0);
}

int     dnsrdata_decode(ZONE_TYPE type, const unsigned char *data, size_t len,
			        ZONE_RR *rr, char *why, size_t whylen)
{
    OUT     o = {0, 0, 0};
    int     r;

    rr->type = type;
    rr->preference = 0;
    rr->data = 0;
    switch (type) {
    case ZONE_A:
	r = address_text(AF_INET, data, len, &o, why, whylen);
	break;
    case ZONE_AAAA:
	r = address_text(AF_INET6, data, len, &o, why, whylen);
	break;
    case ZONE_MX:
	if (len < 3) {
	    r = fail(why, whylen, "an MX record shorter than 3 octets");
	    break;
	}
	rr->preference = data[0] << 8 | data[1];
	r = name_text(data + 2, len - 2, &o, why, whylen);
	break;
    case ZONE_CNAME:
	r = name_text(data, len, &o, why, whylen);
	break;
    case ZONE_TXT:
	r = txt_text(data, len, &o, why, whylen);
	break;
    case ZONE_TLSA:
	r = tlsa_text(data, len, &o, why, whylen);
	break;
    default:
	r = fail(why, whylen, "a record of a type not looked at");
	break;
    }
    if (r < 0) {
	free(o.s);
	return (-1);
    }
    rr->data = o.s;
    return (0);
}
