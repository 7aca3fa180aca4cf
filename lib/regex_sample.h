#ifndef REGEX_SAMPLE_H_INCLUDED
#define REGEX_SAMPLE_H_INCLUDED

/*
 * regex_sample.h - one string a regular expression should match.
 */
#include <stddef.h>

/*
 * Walk the PCRE2 regex RE (LEN bytes) and write into BUF a string along
 * one path through it: the first branch of each alternation, one pass
 * through each loop (or the least count a {n,m} asks), a representative
 * of each class. Returns 0, or -1 for constructs it does not follow
 * (backreferences, (* verbs, control escapes) or a BUF too small. The
 * string is a guess: confirm it by matching.
 */
extern int regex_sample(const char *re, size_t len, char *buf, size_t buflen);

/*
 * An address pattern I of SET matches, derived from its regex and
 * confirmed by matching, into BUF; -1 when none was found.
 */
struct PATTERN_SET;
extern int regex_sample_pattern(const struct PATTERN_SET *set, size_t i,
				        char *buf, size_t len);

#endif
