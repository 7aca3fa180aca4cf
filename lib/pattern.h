#ifndef PATTERN_H_INCLUDED
#define PATTERN_H_INCLUDED

/*
 * pattern.h - PCRE2 pattern entries of a virtusertable: a key written
 * /REGEX/FLAGS, matched against the whole address local@domain, with a
 * value that may use $1-$9, ${name} and $$.
 */
#include <stddef.h>
#include <stdint.h>

/*
 * In a map a pattern is stored under its key as written; its value opens
 * with a sequence number of PATTERN_SEQ_WIDTH digits and a space, which
 * keeps the file order (a hash map has none).
 */
#define PATTERN_SEQ_WIDTH	6
#define PATTERN_MAX		999999	/* patterns in one table */

/* Bounds on one match; a pattern may lower them, never raise them. */
#define PATTERN_MATCH_LIMIT	100000
#define PATTERN_DEPTH_LIMIT	10000
#define PATTERN_HEAP_LIMIT	4096	/* KiB */

/*
 * Is KEY a pattern key? It opens with "/" and has no "@" or a "/" after
 * its last "@", so no address lookup key (which ends in @DOMAIN) can
 * ever equal it.
 */
extern int pattern_is_key(const char *key);

/*
 * Where the pattern key that opens LINE ends: the offset just past the
 * flags that follow the closing unescaped "/", or 0 when LINE does not
 * open with "/" or has no closing "/". The key may hold blanks.
 */
extern size_t pattern_key_length(const char *line);

/*
 * Check a pattern entry as maptool compile does: the key parses, its
 * flags are known, the regex compiles, every $ in VALUE names a group
 * of the regex, and the value with $ forms filled in can route. Returns
 * 0, or -1 with WHY set ("column N: PCRE2's message" for a regex that
 * does not compile). *WARN is set as vut_check_value() sets it.
 */
extern int pattern_check(const char *key, const char *value, char *why,
			         size_t whylen, const char **warn);

/* The stored form of VALUE, number SEQ (1..PATTERN_MAX), malloc()ed. */
extern char *pattern_store_value(unsigned seq, const char *value);

/* Split a stored value; -1 when it has no sequence number. */
extern int pattern_parse_stored(const char *stored, unsigned *seq,
				        const char **value);

/* The patterns of one table or map, compiled once, in file order. */
typedef struct PATTERN_SET PATTERN_SET;

extern PATTERN_SET *pattern_set_create(void);

/* Add one entry (copied); PATTERN_SET_FINISH compiles them all. */
extern int pattern_set_add(PATTERN_SET *set, const char *key, const char *value,
			           unsigned seq);

/*
 * Sort by sequence number, compile every regex (JIT where available)
 * and index them by the domain each requires. Returns 0, or -1 with
 * ERR naming the pattern that failed.
 */
extern int pattern_set_finish(PATTERN_SET *set, char *err, size_t errlen);
extern size_t pattern_set_count(const PATTERN_SET *set);

/* Key and value (without sequence number) of pattern I, in file order. */
extern const char *pattern_set_key(const PATTERN_SET *set, size_t i);
extern const char *pattern_set_value(const PATTERN_SET *set, size_t i);

/* Bounds for later matches (tests lower them). */
extern void pattern_set_limits(PATTERN_SET *set, uint32_t match_limit,
			               uint32_t depth_limit);

/*
 * Try the patterns in file order against ADDRESS (local@domain as the
 * sender wrote it). Returns 1 with *VALUE the first match's value,
 * malloc()ed, captures filled in; 0 when none matches; -1 when matching
 * failed or ran into a limit (*VALUE a malloc()ed reason naming the
 * pattern, or null). When TRACE is not null it receives which pattern
 * matched and its captures, or how many were tried. Thread-safe.
 */
extern int pattern_set_match(const PATTERN_SET *set, const char *address,
			             char **value, char *trace, size_t tracelen);

/* The regex of pattern I (between the slashes); -1 if its key is bad. */
extern int pattern_set_regex(const PATTERN_SET *set, size_t i,
			             const char **text, size_t *len);

/* Does pattern I alone match ADDRESS? 1 yes, 0 no, -1 failed. */
extern int pattern_set_test(const PATTERN_SET *set, size_t i,
			            const char *address);

extern void pattern_set_free(PATTERN_SET *set);

#endif
