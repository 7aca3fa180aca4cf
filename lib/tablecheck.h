#ifndef TABLECHECK_H_INCLUDED
#define TABLECHECK_H_INCLUDED

/*
 * tablecheck.h - static analysis of a virtusertable.
 */
#include "table.h"

typedef struct CHECK_STATS {
    int     loops;			/* entries from which mail loops */
    int     warnings;
} CHECK_STATS;

/*
 * Report, through REPORT, routing loops (each an error), keys that can
 * never match, and values that point into a domain this table serves
 * but at no entry there.
 */
extern void check_table(TABLE *table, REPORT_FN report, void *ctx,
			        CHECK_STATS *stats);

#endif
