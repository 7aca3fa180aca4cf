#ifndef UNIT_H_INCLUDED
#define UNIT_H_INCLUDED

/*
 * unit.h - the unit test suites and their shared helpers.
 */
#include <check.h>

extern Suite *suite_addr(void);
extern Suite *suite_reply(void);
extern Suite *suite_vut(void);
extern Suite *suite_table(void);
extern Suite *suite_map(void);
extern Suite *suite_pattern(void);

/* Write TEXT to a fresh file under a scratch directory; return its path. */
extern char *unit_write_file(const char *name, const char *text);

#endif
