/*
 * fuzz_pattern.c - libFuzzer harness: /REGEX/FLAGS pattern entries
 * (lib/pattern.c, lib/regex_sample.c).
 *
 * Input: line 1 a key, line 2 its value, further lines addresses. The
 * key is classified and checked as a table line's (pattern_check); the
 * stored form of the value must read back as it was written. Then the
 * entry goes into a set after a fixed one, as a map's patterns do
 * whether or not they would pass the check, and when the set compiles
 * every address is matched (with a trace, then with lowered limits),
 * each pattern tested alone, and a sample address derived from each
 * regex as maptool check derives its probes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pattern.h"
#include "regex_sample.h"
#include "fuzz.h"

#define FUZZ_MAX_LINES	10

static void stored_round_trip(const char *value)
{
    char   *stored = pattern_store_value(42, value);
    const char *back;
    unsigned seq;

    if (stored == 0)
	abort();
    if (pattern_parse_stored(stored, &seq, &back) < 0 || seq != 42
	|| strcmp(back, value) != 0)
	abort();
    free(stored);
}

static void match_all(PATTERN_SET *set, char **address, size_t n)
{
    char    trace[1024], *value, sample[512];
    const char *re;
    size_t  i, k, relen;
    int     r;

    for (i = 0; i < n; i++) {
	value = 0;
	trace[0] = 0;
	r = pattern_set_match(set, address[i], &value, trace, sizeof(trace));
	if (r != 0 && value)
	    fuzz_touch(value);
	free(value);
	fuzz_touch(trace);
	for (k = 0; k < pattern_set_count(set); k++)
	    (void) pattern_set_test(set, k, address[i]);
    }
    for (k = 0; k < pattern_set_count(set); k++) {
	fuzz_touch(pattern_set_key(set, k));
	fuzz_touch(pattern_set_value(set, k));
	if (pattern_set_regex(set, k, &re, &relen) == 0
	    && regex_sample(re, relen, sample, sizeof(sample)) == 0)
	    fuzz_touch(sample);
	if (regex_sample_pattern(set, k, sample, sizeof(sample)) == 0)
	    fuzz_touch(sample);
    }
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *text = fuzz_string(data, size), *line[FUZZ_MAX_LINES];
    const char *value, *warn;
    char    why[512];
    size_t  n = fuzz_lines(text, line, FUZZ_MAX_LINES);
    PATTERN_SET *set;
    int     checked;

    value = n > 1 ? line[1] : "";
    (void) pattern_is_key(line[0]);
    (void) pattern_key_length(line[0]);
    checked = pattern_check(line[0], value, why, sizeof(why), &warn) == 0;
    fuzz_touch(checked ? (warn ? warn : "") : why);
    stored_round_trip(value);
    if ((set = pattern_set_create()) == 0)
	abort();
    if (pattern_set_add(set, "/^(.+)@fixed\\.test$/i", "$1@other.test", 1) < 0
	|| pattern_set_add(set, line[0], value, 2) < 0)
	abort();
    if (pattern_set_finish(set, why, sizeof(why)) == 0) {
	match_all(set, line + 2, n > 2 ? n - 2 : 0);
	pattern_set_limits(set, 1000, 100);
	match_all(set, line + 2, n > 2 ? n - 2 : 0);
    } else if (checked) {
	abort();				/* checked, yet does not compile */
    }
    pattern_set_free(set);
    free(text);
    return (0);
}
