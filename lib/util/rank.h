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

#endif
