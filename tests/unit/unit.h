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
extern Suite *suite_workpool(void);
extern Suite *suite_rank(void);
extern Suite *suite_netstring(void);
extern Suite *suite_mapreply(void);
extern Suite *suite_dnscheck(void);

/*
 * The answer of VUT for ADDRESS as one string: "forward a,b", "reject C E
 * T", "none" or "error C E why". KEEP, if not null, receives the result
 * (the caller frees it); the string is static.
 */
struct VUT;
struct VUT_RESULT;
extern char *unit_answer(const struct VUT *vut, const char *address,
			         struct VUT_RESULT *keep);

/* Write TEXT to a fresh file under a scratch directory; return its path. */
extern char *unit_write_file(const char *name, const char *text);

#endif
