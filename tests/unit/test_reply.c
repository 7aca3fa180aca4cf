/*
 * test_reply.c - unit tests for lib/reply.c: error: values as sendmail
 * answers them (the SMTP replies were taken from a real sendmail 8.17).
 */
#include <check.h>
#include "reply.h"
#include "unit.h"

typedef struct GOOD {
    const char *value, *code, *enhanced, *text;
    int     warns;
} GOOD;

static const GOOD good[] = {
    {"error:nouser 550 User unknown", "550", "5.1.1", "User unknown", 0},
    {"ERROR:nouser 550 Upper", "550", "5.1.1", "Upper", 0},
    {"error:5.1.6:550 Moved, no forwarding address", "550", "5.1.6",
    "Moved, no forwarding address", 0},
    {"error:4.2.1:450 Mailbox busy", "450", "4.2.1", "Mailbox busy", 0},
    {"error:5.7.1:550\tTabbed text", "550", "5.7.1", "Tabbed text", 0},
    {"error:nouser 550 5.1.1 No such", "550", "5.1.1", "No such", 0},
    {"error:unavailable 554 Gone", "554", "5.0.0", "Gone", 0},
    {"error:tempfail 451 later", "451", "4.0.0", "later", 0},
    {"error:nouser 550 Mixed  Spaces   here", "550", "5.1.1", "Mixed Spaces here", 0},
    {"error:foo 550 Unknown tag", "550", "5.0.0", "Unknown tag", 1},
    {"error:550 5.1.1 Text here", "553", "5.3.0", "5.1.1 Text here", 1},
};

typedef struct BAD {
    const char *value, *why;
} BAD;

static const BAD bad[] = {
    {"error:nouser 350 Three", "error: code must be 4xx or 5xx"},
    {"error:4.2.1:550 Mismatch", "enhanced status class does not match the reply code"},
    {"error:nouser 450 5.1.1 Mismatch", "enhanced status class does not match the reply code"},
    {"error:nouser User unknown no code", "error: value has no 4xx or 5xx code followed by text"},
    {"error:5.1.1:550", "error: value has no 4xx or 5xx code followed by text"},
    {"error:nouser 550-Dash", "error: value has no 4xx or 5xx code followed by text"},
    {"error:", "error: needs a tag or an enhanced status, then a code and text"},
    {"error:nouser 550 \"quoted\"", "error text has one of \"()<>\\ (sendmail reads the "
    "text as address tokens and mangles them)"},
    {"error:5.1.1:550 A (comment) here", "error text has one of \"()<>\\ (sendmail reads the "
    "text as address tokens and mangles them)"},
};

START_TEST(test_good)
{
    REPLY   r;
    const char *warn;

    ck_assert_msg(reply_parse(good[_i].value, &r, &warn) == 0, "%s: %s",
		  good[_i].value, warn);
    ck_assert_str_eq(r.code, good[_i].code);
    ck_assert_str_eq(r.enhanced, good[_i].enhanced);
    ck_assert_str_eq(r.text, good[_i].text);
    ck_assert_int_eq(warn != 0, good[_i].warns);
}
END_TEST

START_TEST(test_bad)
{
    REPLY   r;
    const char *why;

    ck_assert_msg(reply_parse(bad[_i].value, &r, &why) < 0, "%s accepted", bad[_i].value);
    ck_assert_str_eq(why, bad[_i].why);
}
END_TEST

START_TEST(test_is_error)
{
    ck_assert(reply_is_error("error:nouser 550 x"));
    ck_assert(reply_is_error("Error:x"));
    ck_assert(!reply_is_error("errors@example.org"));
    ck_assert(!reply_is_error("local"));
}
END_TEST

Suite  *suite_reply(void)
{
    Suite  *s = suite_create("reply");
    TCase  *tc = tcase_create("parse");

    tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
    tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
    tcase_add_test(tc, test_is_error);
    suite_add_tcase(s, tc);
    return (s);
}
