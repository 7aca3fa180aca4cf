/*
 * rank.c - a stable LSD radix sort of (rank, entry) pairs.
 *
 * Exports rank_sort() and rank_by_low_bits(). Used to write a map
 * bucket by bucket and to find duplicate keys without a hash table:
 * equal keys have equal ranks.
 */
#include <stdlib.h>
#include <string.h>
#include "bigmem.h"
#include "rank.h"

int     rank_sort(RANKED *a, size_t n)
{
    RANKED *tmp = malloc((n ? n : 1) * sizeof(*tmp)), *from = a, *to = tmp, *swap;
    size_t  count[256], i, sum, c;
    int     shift;

    if (tmp == 0)
	return (-1);
    bigmem_advise(tmp, n * sizeof(*tmp));
    for (shift = 0; shift < 32; shift += 8) {
	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++)
	    count[(from[i].rank >> shift) & 0xff]++;
	for (sum = 0, i = 0; i < 256; i++) {
	    c = count[i];
	    count[i] = sum;
	    sum += c;
	}
	for (i = 0; i < n; i++)
	    to[count[(from[i].rank >> shift) & 0xff]++] = from[i];
	swap = from, from = to, to = swap;
    }
    free(tmp);				/* after four passes FROM is A again */
    return (0);
}

/* The low BITS bits of V in reverse order. */
static uint32_t reverse_bits(uint32_t v, unsigned bits)
{
    uint32_t r = 0;
    unsigned i;

    for (i = 0; i < bits; i++, v >>= 1)
	r = (r << 1) | (v & 1);
    return (r);
}

/*
 * The groups (runs sharing their top BITS bits) are already together in
 * a sorted A; note where each starts, then copy them out in the order of
 * their reversed prefix.
 */
int     rank_by_low_bits(RANKED *a, size_t n, unsigned bits)
{
    size_t  groups = (size_t) 1 << bits, *start, i, g, at;
    RANKED *tmp;

    if (bits == 0 || bits > 24 || n < 2)
	return (0);
    if ((start = calloc(groups + 1, sizeof(*start))) == 0)
	return (-1);
    if ((tmp = malloc(n * sizeof(*tmp))) == 0) {
	free(start);
	return (-1);
    }
    bigmem_advise(tmp, n * sizeof(*tmp));
    for (i = 0; i < n; i++)			/* counts first */
	start[(a[i].rank >> (32 - bits)) + 1]++;
    for (g = 0; g < groups; g++)
	start[g + 1] += start[g];
    for (at = 0, g = 0; g < groups; g++) {
	size_t  prefix = reverse_bits(g, bits);
	size_t  len = start[prefix + 1] - start[prefix];

	memcpy(tmp + at, a + start[prefix], len * sizeof(*tmp));
	at += len;
    }
    memcpy(a, tmp, n * sizeof(*tmp));
    free(tmp);
    free(start);
    return (0);
}
