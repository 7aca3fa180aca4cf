/*
 * test_netstring.c - unit tests for lib/util/netstring.c: whole, partial,
 * pipelined, malformed and oversize frames, and writing one.
 */
#include <check.h>
#include <string.h>
#include "netstring.h"
#include "unit.h"

typedef struct CASE {
    const char *in;
    NETSTRING_STATUS status;
    const char *payload;		/* NETSTRING_OK */
    size_t  used;
} CASE;

static const CASE cases[] = {
    {"5:hello,", NETSTRING_OK, "hello", 8},
    {"0:,", NETSTRING_OK, "", 3},
    {"5:hello,3:abc,", NETSTRING_OK, "hello", 8},	/* pipelined */
    {"", NETSTRING_PARTIAL, 0, 0},
    {"5", NETSTRING_PARTIAL, 0, 0},
    {"5:", NETSTRING_PARTIAL, 0, 0},
    {"5:hell", NETSTRING_PARTIAL, 0, 0},
    {"5:hello", NETSTRING_PARTIAL, 0, 0},
    {"100000", NETSTRING_PARTIAL, 0, 0},
    {"100001", NETSTRING_TOO_LONG, 0, 0},
    {"9999999999999999999999999", NETSTRING_TOO_LONG, 0, 0},
    {"05:hello,", NETSTRING_MALFORMED, 0, 0},
    {"00:,", NETSTRING_MALFORMED, 0, 0},
    {":hello,", NETSTRING_MALFORMED, 0, 0},
    {"x", NETSTRING_MALFORMED, 0, 0},
    {"5;hello,", NETSTRING_MALFORMED, 0, 0},
    {"5:hello;", NETSTRING_MALFORMED, 0, 0},
    {"-1:,", NETSTRING_MALFORMED, 0, 0},
};

START_TEST(test_parse)
{
    const CASE *c = cases + _i;
    const char *payload = 0;
    size_t  plen = 0, used = 0;

    ck_assert_int_eq(netstring_parse(c->in, strlen(c->in), NETSTRING_MAX,
				     &payload, &plen, &used), c->status);
    if (c->status == NETSTRING_OK) {
	ck_assert_uint_eq(plen, strlen(c->payload));
	ck_assert(memcmp(payload, c->payload, plen) == 0);
	ck_assert_uint_eq(used, c->used);
    }
}
END_TEST

START_TEST(test_format)
{
    char    out[16];

    ck_assert_uint_eq(netstring_format(out, sizeof(out), "OK a@b", 6), 9);
    ck_assert(memcmp(out, "6:OK a@b,", 9) == 0);
    ck_assert_uint_eq(netstring_format(out, 9, "OK a@b", 6), 9);
    ck_assert_uint_eq(netstring_format(out, 8, "OK a@b", 6), 0);
    ck_assert_uint_eq(netstring_format(out, sizeof(out), "", 0), 3);
    ck_assert(memcmp(out, "0:,", 3) == 0);
}
END_TEST

Suite  *suite_netstring(void)
{
    Suite  *s = suite_create("netstring");
    TCase  *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_parse, 0, sizeof(cases) / sizeof(cases[0]));
    tcase_add_test(tc, test_format);
    suite_add_tcase(s, tc);
    return (s);
}
