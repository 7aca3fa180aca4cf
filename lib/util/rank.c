/*
 * rank.c - a stable LSD radix sort of (rank, entry) pairs.
 *
 * Exports rank_sort(). Used to write a map bucket by bucket and to find
 * duplicate keys without a hash table: equal keys have equal ranks.
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
