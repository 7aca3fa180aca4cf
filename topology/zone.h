#ifndef ZONE_H_INCLUDED
#define ZONE_H_INCLUDED

/*
 * zone.h - the DNS zone fragment of a topology: written by maptool
 * build, read back by maptool verify to route mail as DNS would.
 */
#include <stdio.h>
#include "table.h"
#include "topology.h"

typedef enum ZONE_TYPE {
    ZONE_A, ZONE_AAAA, ZONE_MX, ZONE_CNAME, ZONE_TXT, ZONE_TLSA, ZONE_OTHER,
} ZONE_TYPE;

typedef struct ZONE_RR {
    char   *name;			/* folded, without the final dot */
    ZONE_TYPE type;
    int     preference;			/* MX */
    char   *data;			/* MX/CNAME target (folded, no final
					 * dot), the address, TXT's strings
					 * joined, or TLSA's fields */
    unsigned line;
} ZONE_RR;

typedef struct ZONE {
    char   *path;
    ZONE_RR *rr;
    size_t  count;
} ZONE;

/* Write TOPO's MX and address records; 0, or -1 on a write error. */
extern int zone_write(const TOPOLOGY *topo, FILE *fp);

/*
 * Read a fragment as zone_write() writes it (absolute names, optional
 * TTL and class). Bad lines are reported and counted in *ERRORS; null
 * only when PATH cannot be read.
 */
extern ZONE *zone_read(const char *path, REPORT_FN report, void *ctx,
		               int *errors);
/* The same from an open stream; PATH names it in reports. */
extern ZONE *zone_read_stream(FILE *fp, const char *path, REPORT_FN report,
			              void *ctx, int *errors);
extern void zone_free(ZONE *zone);

/*
 * The MX records of NAME, best (lowest preference) first: up to MAX
 * pointers into ZONE; returns how many there are.
 */
extern size_t zone_mx(const ZONE *zone, const char *name, const ZONE_RR **mx,
		              size_t max);

/* Records of TYPE at NAME. */
extern size_t zone_count(const ZONE *zone, const char *name, ZONE_TYPE type);

#endif
