#ifndef RANK_H_INCLUDED
#define RANK_H_INCLUDED

/*
 * rank.h - sort entry numbers by a 32-bit rank.
 */
#include <stddef.h>
#include <stdint.h>

typedef struct RANKED {
    uint32_t rank;
    uint32_t entry;
} RANKED;

/* Stable sort of A by rank; -1 when out of memory. */
extern int rank_sort(RANKED *a, size_t n);

/*
 * A, sorted by rank, reordered by the bit-reversed top BITS bits of
 * each rank, keeping the order within each group: for ranks that are
 * bit-reversed hashes, by the low BITS bits of the hash (the bucket of
 * a table of 1 << BITS buckets). -1 when out of memory.
 */
extern int rank_by_low_bits(RANKED *a, size_t n, unsigned bits);

#endif
