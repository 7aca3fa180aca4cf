#ifndef DNSRDATA_H_INCLUDED
#define DNSRDATA_H_INCLUDED

/*
 * dnsrdata.h - the data of one DNS record as a resolver hands it over
 * (wire format), made into the text form zone.c reads from a zone file,
 * so that published records compare with a build's.
 */
#include <stddef.h>
#include "zone.h"

/* The DNS type number of TYPE (RFC 1035 and after); 0 for ZONE_OTHER. */
extern int dnsrdata_type_number(ZONE_TYPE type);

/* The type's name, as in a zone file. */
extern const char *dnsrdata_type_name(ZONE_TYPE type);

/*
 * Decode LEN octets of record data of TYPE into RR's preference (MX)
 * and data (malloc()ed): an MX or CNAME target folded and without the
 * final dot ("" for the root), an A or AAAA address, a TXT record's
 * strings joined, TLSA's "USAGE SELECTOR MATCHING HEX". Octets a name
 * or text cannot show plainly are written \DDD. Returns 0, or -1 with
 * the reason in WHY (also when out of memory).
 */
extern int dnsrdata_decode(ZONE_TYPE type, const unsigned char *data,
			           size_t len, ZONE_RR *rr, char *why, size_t whylen);

#endif
