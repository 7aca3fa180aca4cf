#ifndef DOMAINTYPO_H_INCLUDED
#define DOMAINTYPO_H_INCLUDED

/*
 * domaintypo.h - domains of a virtusertable that look like misspellings
 * of its other domains.
 */
#include "table.h"

/*
 * Report, through REPORT as warnings at the line of the less used one,
 * each pair of domains of TABLE's keys and values that are one or two
 * typos apart (see domaintypo.c for what is not reported). Returns how
 * many were reported. Out of memory exits 71 (xalloc.h): maptool only.
 */
extern int check_domain_typos(TABLE *table, REPORT_FN report, void *ctx);

#endif
