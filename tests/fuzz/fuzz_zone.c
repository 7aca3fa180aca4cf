/*
 * fuzz_zone.c - libFuzzer harness: the DNS zone fragment of a build
 * (topology/zone.c), as maptool verify reads it to route mail as DNS
 * would.
 *
 * The input is a zone fragment, read with zone_read(); every name it
 * holds is then asked for its MX records and its A, AAAA and CNAME
 * counts, as verify asks.
 */
#include <stdlib.h>
#include "zone.h"
#include "fuzz.h"

#define FUZZ_MAX_MX	8

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("dns.zone", data, size);
    const ZONE_RR *mx[FUZZ_MAX_MX];
    ZONE   *zone;
    size_t  i, n, k;
    int     errors;

    if ((zone = zone_read(path, fuzz_report, 0, &errors)) == 0)
	abort();				/* a readable file reads */
    for (i = 0; i < zone->count; i++) {
	n = zone_mx(zone, zone->rr[i].name, mx, FUZZ_MAX_MX);
	for (k = 0; k < n && k < FUZZ_MAX_MX; k++)
	    fuzz_touch(mx[k]->data);
	(void) zone_count(zone, zone->rr[i].name, ZONE_A);
	(void) zone_count(zone, zone->rr[i].name, ZONE_AAAA);
	(void) zone_count(zone, zone->rr[i].name, ZONE_CNAME);
    }
    zone_free(zone);
    return (0);
}
