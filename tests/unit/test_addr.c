/*
 * test_addr.c - unit tests for lib/addr.c.
 */
#include <check.h>
#include <string.h>
#include "addr.h"
#include "unit.h"

typedef struct GOOD {
    const char *in, *local, *domain;
} GOOD;

static const GOOD good[] = {
    {"user@example.org", "user", "example.org"},
    {"<user@example.org>", "user", "example.org"},
    {"User.Name@Example.ORG", "User.Name", "Example.ORG"},
    {"u@example.org.", "u", "example.org"},
    {"\"john doe\"@example.org", "\"john doe\"", "example.org"},
    {"\"a@b\"@example.org", "\"a@b\"", "example.org"},
    {"postmaster", "postmaster", ""},
    {"<@relay.example:u@example.org>", "u", "example.org"},
    {"u+tag+more@example.org", "u+tag+more", "example.org"},
    {"+x@example.org", "+x", "example.org"},
    {"jos\xc3\xa9" "@b\xc3\xbc" "cher.example", "jos\xc3\xa9", "b\xc3\xbc" "cher.example"},
    {"u@[192.0.2.1]", "u", "[192.0.2.1]"},
};

typedef struct BAD {
    const char *in, *why;
} BAD;

static const BAD bad[] = {
    {"", "empty address"},
    {"<>", "empty address"},
    {"a@@b", "more than one @"},
    {"a@b@c", "more than one @"},
    {"a\r\n@b", "CR or LF in address"},
    {"a\x01@b", "control character in address"},
    {"a b@c", "bad character in local part (quote it)"},
    {"<a@b", "unbalanced angle brackets"},
    {"\"unterminated@b", "bad quoting in local part"},
    {"a@", "empty domain"},
    {"a@b..c", "empty label in domain"},
    {"a@b_c!", "bad character in domain"},
    {"@b", "empty local part"},
};

START_TEST(test_good)
{
    ADDR    a;
    const char *why = 0;

    ck_assert_msg(addr_parse(good[_i].in, &a, &why) == 0, "%s: %s", good[_i].in, why);
    ck_assert_str_eq(a.local, good[_i].local);
    ck_assert_str_eq(a.domain, good[_i].domain);
}
END_TEST

START_TEST(test_bad)
{
    ADDR    a;
    const char *why = 0;

    ck_assert_msg(addr_parse(bad[_i].in, &a, &why) < 0, "%s parsed", bad[_i].in);
    ck_assert_str_eq(why, bad[_i].why);
}
END_TEST

START_TEST(test_too_long)
{
    char    buf[600];
    ADDR    a;
    const char *why;

    memset(buf, 'a', 300);
    strcpy(buf + 300, "@example.org");
    ck_assert_int_eq(addr_parse(buf, &a, &why), -1);
    ck_assert_str_eq(why, "local part too long");
    memset(buf, 'a', sizeof(buf) - 1);
    buf[0] = 'u';
    buf[1] = '@';
    buf[sizeof(buf) - 1] = 0;
    ck_assert_int_eq(addr_parse(buf, &a, &why), -1);
    ck_assert_str_eq(why, "domain too long");
}
END_TEST

START_TEST(test_format_and_fold)
{
    ADDR    a;
    const char *why;
    char    buf[ADDR_MAX + 1], small[4];

    ck_assert_int_eq(addr_parse("<Joe@Example.ORG.>", &a, &why), 0);
    ck_assert_int_eq(addr_format(&a, buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "Joe@Example.ORG");
    ck_assert_int_eq(addr_format(&a, small, sizeof(small)), -1);
    addr_fold(buf, buf);
    ck_assert_str_eq(buf, "joe@example.org");
}
END_TEST

Suite  *suite_addr(void)
{
    Suite  *s = suite_create("addr");
    TCase  *tc = tcase_create("parse");

    tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
    tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
    tcase_add_test(tc, test_too_long);
    tcase_add_test(tc, test_format_and_fold);
    suite_add_tcase(s, tc);
    return (s);
}
