#ifndef NEARPAIRS_H_INCLUDED
#define NEARPAIRS_H_INCLUDED

/*
 * nearpairs.h - find the pairs of strings in a set that are a typo or
 * two apart, without comparing every string with every other.
 */
#include <stddef.h>

#define NEAR_MAX_DISTANCE	2	/* the most near_pairs() looks for */

/*
 * The optimal string alignment (restricted Damerau-Levenshtein)
 * distance of A and B: insertions, deletions, substitutions and swaps
 * of two neighbours. Returns LIMIT + 1 when it is more than LIMIT.
 */
extern int near_distance(const char *a, const char *b, int limit);

/* Called once for each pair found: indexes A < B, their distance. */
typedef void (*NEAR_PAIR_FN) (void *ctx, size_t a, size_t b, int distance);

/*
 * Call FN for every pair of the N distinct STRINGS whose distance is
 * from 1 to LIMIT(shorter length) (at most NEAR_MAX_DISTANCE): strings
 * that share a form with up to that many characters deleted are the
 * only ones compared, so that the time grows with N, not N squared. A
 * form shared by more than NEAR_MAX_GROUP strings is skipped (it only
 * happens with many short, alike strings). Returns 0, or -1 when memory
 * ran out (nothing was reported then).
 */
#define NEAR_MAX_GROUP	64
extern int near_pairs(const char *const *strings, size_t n, int (*limit) (size_t len),
		              NEAR_PAIR_FN fn, void *ctx);

#endif
