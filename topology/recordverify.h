#ifndef RECORDVERIFY_H_INCLUDED
#define RECORDVERIFY_H_INCLUDED

/*
 * recordverify.h - check a build's SPF, DMARC, MTA-STS, TLS-RPT and
 * TLSA records (dns.zone, mta-sts.txt) against its topology.
 */
#include "table.h"
#include "topology.h"
#include "zone.h"

/*
 * Check the records in ZONE (read from DIR/dns.zone) and DIR/mta-sts.txt
 * against TOPO: an SPF record that misses a sending server or an
 * include, needs more than ten lookups or is published twice; an MTA-STS
 * policy that misses an MX host or whose id is not its digest; a
 * certificate without its TLSA record; a DMARC or TLS-RPT record the
 * topology asks for and the zone lacks. Each problem is reported through
 * REPORT as FILE:LINE; returns how many there are.
 */
extern int record_verify(const char *dir, const TOPOLOGY *topo, const ZONE *zone,
			         REPORT_FN report, void *ctx);

#endif
