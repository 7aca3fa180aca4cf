/*
 * report.c - report_ignore(), the REPORT_FN for a caller that wants a
 * reader's result but none of its complaints (see report.h).
 */
#include "report.h"

void    report_ignore(void *ctx, const char *file, unsigned line,
		              int is_error, const char *why)
{
    (void) ctx;
    (void) file;
    (void) line;
    (void) is_error;
    (void) why;
}
