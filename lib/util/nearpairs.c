/*
 * nearpairs.c - the pairs of strings in a set that are a typo or two
 * apart.
 *
 * Exports near_distance() and near_pairs(). near_pairs() indexes each
 * string under every form it takes with up to k characters deleted (k
 * its allowed distance): two strings within distance k share such a
 * form, so only strings that share one are compared. A form is kept as
 * a 32-bit hash with the string's index; the forms are sorted, and each
 * run of equal hashes gives the candidate pairs, which near_distance()
 * then settles (a hash collision only costs a comparison). A string of
 * length L has about L*L/2 forms with two deletions, so the work is
 * linear in the number of strings for strings of bounded length; past
 * NEAR_LONG characters a string is indexed with one deletion only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fnv.h"
#include "nearpairs.h"

#define NEAR_LONG	64		/* longer: one deletion only */

int     near_distance(const char *a, const char *b, int limit)
{
    size_t  la = strlen(a), lb = strlen(b), i, j;
    int    *base, *row0, *row1, *row2, *t, d;

    if ((la > lb ? la - lb : lb - la) > (size_t) limit)
	return (limit + 1);
    if ((base = calloc(3 * (lb + 1), sizeof(int))) == 0)
	return (limit + 1);
    /* Rows i (row0), i - 1 (row1) and i - 2 (row2), rotated each line. */
    row0 = base;
    row1 = base + lb + 1;
    row2 = row1 + lb + 1;
    for (j = 0; j <= lb; j++)
	row1[j] = (int) j;
    for (i = 1; i <= la; i++) {
	row0[0] = (int) i;
	for (j = 1; j <= lb; j++) {
	    d = row1[j - 1] + (a[i - 1] != b[j - 1]);
	    if (row1[j] + 1 < d)
		d = row1[j] + 1;
	    if (row0[j - 1] + 1 < d)
		d = row0[j - 1] + 1;
	    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
		&& row2[j - 2] + 1 < d)
		d = row2[j - 2] + 1;
	    row0[j] = d;
	}
	t = row2;
	row2 = row1;
	row1 = row0;
	row0 = t;
    }
    d = row1[lb];
    free(base);
    return (d > limit ? limit + 1 : d);
}

typedef struct FORM {
    uint32_t hash;
    uint32_t index;
} FORM;

typedef struct FORMS {
    FORM   *form;
    size_t  count, room;
} FORMS;

static int add_form(FORMS *f, uint32_t hash, uint32_t index)
{
    FORM   *grown;

    if (f->count == f->room) {
	f->room = f->room ? 2 * f->room : 1024;
	if ((grown = realloc(f->form, f->room * sizeof(*grown))) == 0)
	    return (-1);
	f->form = grown;
    }
    f->form[f->count].hash = hash;
    f->form[f->count++].index = index;
    return (0);
}

/* The hash of S[FROM..TO) continued from H. */
static uint32_t hash_span(uint32_t h, const char *s, size_t from, size_t to)
{
    while (from < to)
	h = fnv32_byte(h, (unsigned char) s[from++]);
    return (h);
}

/* Every form of S with up to K deletions, under INDEX. */
static int add_forms(FORMS *f, const char *s, int k, uint32_t index)
{
    size_t  len = strlen(s), i, j;
    uint32_t h;

    if (add_form(f, hash_span(FNV32_START, s, 0, len), index) < 0)
	return (-1);
    for (i = 0; k >= 1 && i < len; i++) {
	h = hash_span(FNV32_START, s, 0, i);
	if (add_form(f, hash_span(h, s, i + 1, len), index) < 0)
	    return (-1);
	for (j = i + 1; k >= 2 && j < len; j++)
	    if (add_form(f, hash_span(hash_span(h, s, i + 1, j), s, j + 1, len),
			 index) < 0)
		return (-1);
    }
    return (0);
}

static int by_form(const void *a, const void *b)
{
    const FORM *x = a, *y = b;

    if (x->hash != y->hash)
	return (x->hash < y->hash ? -1 : 1);
    return (x->index < y->index ? -1 : x->index > y->index);
}

static int by_pair(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;

    return (*x < *y ? -1 : *x > *y);
}

/* The candidate pairs of one run of forms, as (a << 32 | b). */
static int run_pairs(const FORM *run, size_t n, uint64_t **pairs, size_t *count,
		             size_t *room)
{
    uint32_t idx[NEAR_MAX_GROUP];
    size_t  m = 0, i, j;
    uint64_t *grown;

    for (i = 0; i < n; i++) {
	if (m > 0 && idx[m - 1] == run[i].index)
	    continue;
	if (m == NEAR_MAX_GROUP)
	    return (0);				/* too common a form */
	idx[m++] = run[i].index;
    }
    for (i = 0; i < m; i++)
	for (j = i + 1; j < m; j++) {
	    if (*count == *room) {
		*room = *room ? 2 * *room : 1024;
		if ((grown = realloc(*pairs, *room * sizeof(*grown))) == 0)
		    return (-1);
		*pairs = grown;
	    }
	    (*pairs)[(*count)++] = (uint64_t) idx[i] << 32 | idx[j];
	}
    return (0);
}

int     near_pairs(const char *const *strings, size_t n, int (*limit) (size_t len),
		           NEAR_PAIR_FN fn, void *ctx)
{
    FORMS   f = {0, 0, 0};
    uint64_t *pairs = 0;
    size_t  npairs = 0, room = 0, i, j, la, lb;
    int     k, d, status = -1;

    if (n > UINT32_MAX)
	return (-1);
    for (i = 0; i < n; i++) {
	la = strlen(strings[i]);
	k = limit(la);
	if (k > NEAR_MAX_DISTANCE)
	    k = NEAR_MAX_DISTANCE;
	if (la > NEAR_LONG && k > 1)
	    k = 1;
	if (k > 0 && add_forms(&f, strings[i], k, (uint32_t) i) < 0)
	    goto done;
    }
    if (f.count)
	qsort(f.form, f.count, sizeof(*f.form), by_form);
    for (i = 0; i < f.count; i = j) {
	for (j = i + 1; j < f.count && f.form[j].hash == f.form[i].hash; j++)
	     /* void */ ;
	if (j - i > 1 && run_pairs(f.form + i, j - i, &pairs, &npairs, &room) < 0)
	    goto done;
    }
    if (npairs)
	qsort(pairs, npairs, sizeof(*pairs), by_pair);
    for (i = 0; i < npairs; i++) {
	size_t  a = pairs[i] >> 32, b = pairs[i] & 0xffffffffu;

	if (i > 0 && pairs[i] == pairs[i - 1])
	    continue;
	la = strlen(strings[a]);
	lb = strlen(strings[b]);
	k = limit(la < lb ? la : lb);
	if (k > NEAR_MAX_DISTANCE)
	    k = NEAR_MAX_DISTANCE;
	if (k > 0 && (d = near_distance(strings[a], strings[b], k)) >= 1 && d <= k)
	    fn(ctx, a, b, d);
    }
    status = 0;
done:
    free(f.form);
    free(pairs);
    return (status);
}
