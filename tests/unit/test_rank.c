/*
 * test_rank.c - unit tests for lib/util/rank.c: rank_sort() sorts
 * stably, rank_by_low_bits() puts the groups in the order of their
 * reversed prefix and keeps the order within each.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "rank.h"
#include "unit.h"

#define NRANKED	5000

static const unsigned bit_counts[] = {1, 3, 8, 13, 16};

/* The low BITS bits of V, reversed. */
static uint32_t reversed(uint32_t v, unsigned bits)
{
    uint32_t r = 0;
    unsigned i;

    for (i = 0; i < bits; i++, v >>= 1)
	r = (r << 1) | (v & 1);
    return (r);
}

/* NRANKED pairs, sorted by rank, with a few equal ranks. */
static RANKED *sorted_pairs(void)
{
    RANKED *a = malloc(NRANKED * sizeof(*a));
    size_t  i;

    ck_assert_ptr_nonnull(a);
    srandom(7);
    for (i = 0; i < NRANKED; i++) {
	a[i].entry = i;
	a[i].rank = (i % 50 == 1) ? a[i - 1].rank :
	    ((uint32_t) random() << 16) ^ (uint32_t) random();
    }
    ck_assert_int_eq(rank_sort(a, NRANKED), 0);
    for (i = 1; i < NRANKED; i++) {
	ck_assert(a[i - 1].rank <= a[i].rank);
	if (a[i - 1].rank == a[i].rank)		/* stable */
	    ck_assert(a[i - 1].entry < a[i].entry);
    }
    return (a);
}

START_TEST(test_low_bits_order)
{
    unsigned bits = bit_counts[_i];
    RANKED *a = sorted_pairs(), *before = malloc(NRANKED * sizeof(*a));
    char   *seen = calloc(NRANKED, 1);
    uint32_t group, prev_group = 0;
    size_t  i;

    ck_assert_ptr_nonnull(before);
    ck_assert_ptr_nonnull(seen);
    memcpy(before, a, NRANKED * sizeof(*a));
    ck_assert_int_eq(rank_by_low_bits(a, NRANKED, bits), 0);
    for (i = 0; i < NRANKED; i++) {
	group = reversed(a[i].rank >> (32 - bits), bits);
	ck_assert_msg(i == 0 || group >= prev_group, "%u bits: group %u after %u",
		      bits, group, prev_group);
	if (i > 0 && group == prev_group)	/* order kept within a group */
	    ck_assert(a[i - 1].rank <= a[i].rank);
	prev_group = group;
	ck_assert_int_eq(seen[a[i].entry], 0);	/* each pair once */
	seen[a[i].entry] = 1;
    }
    free(seen);
    free(before);
    free(a);
}
END_TEST

START_TEST(test_low_bits_none)
{
    RANKED *a = sorted_pairs(), *before = malloc(NRANKED * sizeof(*a));

    ck_assert_ptr_nonnull(before);
    memcpy(before, a, NRANKED * sizeof(*a));
    ck_assert_int_eq(rank_by_low_bits(a, NRANKED, 0), 0);
    ck_assert(memcmp(a, before, NRANKED * sizeof(*a)) == 0);
    free(before);
    free(a);
}
END_TEST

Suite  *suite_rank(void)
{
    Suite  *s = suite_create("rank");
    TCase  *tc = tcase_create("order");

    tcase_add_loop_test(tc, test_low_bits_order, 0,
			sizeof(bit_counts) / sizeof(bit_counts[0]));
    tcase_add_test(tc, test_low_bits_none);
    suite_add_tcase(s, tc);
    return (s);
}
