#ifndef PATTERN_IMPL_H_INCLUDED
#define PATTERN_IMPL_H_INCLUDED

/*
 * pattern_impl.h - what pattern.c (keys, values, the stored form) and
 * patternset.c (compiled sets) share; not for use outside the module.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>

#define PATTERN_SUBJECT_PAD	64	/* what JIT scans may read past the end */
#define PATTERN_NAME_MAX	32		/* PCRE2's longest group name */

/* A key taken apart. */
typedef struct PATTERN_REGEX {
    const char *text;			/* after the opening "/" */
    size_t  len;			/* up to the closing "/" */
    uint32_t options;
} PATTERN_REGEX;

/* Take KEY apart: 0, or -1 with WHY. */
extern int pattern_parse_key(const char *key, PATTERN_REGEX *re, char *why,
			             size_t len);

/* Compile KEY's regex; null with WHY ("column N: PCRE2's message"). */
extern pcre2_code *pattern_compile_key(const char *key, char *why, size_t len);

/* Groups in CODE. */
extern uint32_t pattern_capture_count(const pcre2_code *code);

/* Every $ of VALUE must name a group of CODE; -1 with WHY if not. */
extern int pattern_check_refs(const pcre2_code *code, const char *value,
			              char *why, size_t len);

/*
 * VALUE with every $ reference replaced by the capture of MD (empty when
 * the group did not take part), or by "x" when MD is null; "%" doubled
 * when ESCAPE_PERCENT. malloc()ed; null when out of memory.
 */
extern char *pattern_expand(const pcre2_code *code, const char *value,
			            pcre2_match_data *md, const char *subject,
			            int escape_percent);

#endif
