/*
 * test_mapreply.c - unit tests for lib/mapreply.c: what the socketmap
 * tables "virtual" and "access" answer for each kind of resolution.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "mapreply.h"
#include "unit.h"

static char *rcpts[] = {"a@x.test", "b@y.test", "maria1"};

static const MAPREPLY_LIMITS plain = {10, 1, 0};

/* The answer as one string: "OK value", "NOTFOUND " or "TEMP why". */
static const char *answer(MAPREPLY_TABLE table, const VUT_RESULT *res,
			          const MAPREPLY_LIMITS *limits, size_t len)
{
    static char out[512];
    char    text[256];

    ck_assert(len <= sizeof(text));
    switch (mapreply_answer(table, res, limits, text, len)) {
    case MAPREPLY_OK:
	snprintf(out, sizeof(out), "OK %s", text);
	break;
    case MAPREPLY_NOTFOUND:
	snprintf(out, sizeof(out), "NOTFOUND ");
	break;
    case MAPREPLY_TEMP:
	snprintf(out, sizeof(out), "TEMP %s", text);
	break;
    }
    return (out);
}

static VUT_RESULT result(VUT_STATUS status, size_t nrcpt, const char *code,
			         const char *enhanced, const char *text)
{
    VUT_RESULT res;

    memset(&res, 0, sizeof(res));
    res.status = status;
    res.rcpt = rcpts;
    res.nrcpt = nrcpt;
    if (code)
	reply_set(&res.reply, code, enhanced, "%s", text);
    return (res);
}

START_TEST(test_forward)
{
    VUT_RESULT res = result(VUT_FORWARD, 3, 0, 0, 0);
    MAPREPLY_LIMITS two = {2, 1, 0}, validate = {10, 0, 0};

    ck_assert_str_eq(answer(MAPREPLY_VIRTUAL, &res, &plain, 256),
		     "OK a@x.test,b@y.test,maria1");
    ck_assert_str_eq(answer(MAPREPLY_ACCESS, &res, &plain, 256), "NOTFOUND ");
    ck_assert_str_eq(answer(MAPREPLY_VIRTUAL, &res, &two, 256),
		     "TEMP too many recipients after rewriting "
		     "(max_added_recipients)");
    ck_assert_str_eq(answer(MAPREPLY_VIRTUAL, &res, &validate, 256),
		     "NOTFOUND ");
    /* exactly fits: 24 bytes and the NUL; one less does not */
    ck_assert_str_eq(answer(MAPREPLY_VIRTUAL, &res, &plain, 25),
		     "OK a@x.test,b@y.test,maria1");
    ck_assert_str_eq(answer(MAPREPLY_VIRTUAL, &res, &plain, 24),
		     "TEMP the list of recipients ");
    res.nrcpt = 0;
    ck_assert_str_eq(answer(MAPREPLY_VIRTUAL, &res, &plain, 256),
		     "TEMP the map gave no new recipient");
}
END_TEST

START_TEST(test_none)
{
    VUT_RESULT res = result(VUT_NONE, 0, 0, 0, 0);

    ck_assert_str_eq(answer(MAPREPLY_VIRTUAL, &res, &plain, 256), "NOTFOUND ");
    ck_assert_str_eq(answer(MAPREPLY_ACCESS, &res, &plain, 256), "NOTFOUND ");
}
END_TEST

START_TEST(test_reject)
{
    VUT_RESULT perm = result(VUT_REJECT, 0, "550", "5.1.1", "User unknown");
    VUT_RESULT loop = result(VUT_REJECT, 0, "451", "4.4.6", "Mail routing loop");
    MAPREPLY_LIMITS accept = {10, 1, 1};

    ck_assert_str_eq(answer(MAPREPLY_VIRTUAL, &perm, &plain, 256), "NOTFOUND ");
    ck_assert_str_eq(answer(MAPREPLY_ACCESS, &perm, &plain, 256),
		     "OK 550 5.1.1 User unknown");
    ck_assert_str_eq(answer(MAPREPLY_VIRTUAL, &loop, &plain, 256),
		     "TEMP Mail routing loop");
    ck_assert_str_eq(answer(MAPREPLY_ACCESS, &loop, &plain, 256),
		     "OK 451 4.4.6 Mail routing loop");
    /* a loop is no map failure: on_map_error = accept does not pass it */
    ck_assert_str_eq(answer(MAPREPLY_VIRTUAL, &loop, &accept, 256),
		     "TEMP Mail routing loop");
    ck_assert_str_eq(answer(MAPREPLY_ACCESS, &perm, &plain, 16),
		     "TEMP reply too long");
}
END_TEST

START_TEST(test_error)
{
    VUT_RESULT res = result(VUT_ERROR, 0, "451", "4.3.0", "Temporary");
    MAPREPLY_LIMITS accept = {10, 1, 1};

    snprintf(res.why, sizeof(res.why), "map x.db: read error");
    ck_assert_str_eq(answer(MAPREPLY_VIRTUAL, &res, &plain, 256),
		     "TEMP map x.db: read error");
    ck_assert_str_eq(answer(MAPREPLY_ACCESS, &res, &plain, 256),
		     "TEMP map x.db: read error");
    ck_assert_str_eq(answer(MAPREPLY_VIRTUAL, &res, &accept, 256), "NOTFOUND ");
    ck_assert_str_eq(answer(MAPREPLY_ACCESS, &res, &accept, 256), "NOTFOUND ");
}
END_TEST

START_TEST(test_table)
{
    ck_assert_int_eq(mapreply_table("virtual", 7), MAPREPLY_VIRTUAL);
    ck_assert_int_eq(mapreply_table("access", 6), MAPREPLY_ACCESS);
    ck_assert_int_eq(mapreply_table("virtualx", 7), MAPREPLY_VIRTUAL);
    ck_assert_int_eq(mapreply_table("virtual", 6), -1);
    ck_assert_int_eq(mapreply_table("Virtual", 7), -1);
    ck_assert_int_eq(mapreply_table("aliases", 7), -1);
}
END_TEST

Suite  *suite_mapreply(void)
{
    Suite  *s = suite_create("mapreply");
    TCase  *tc = tcase_create("core");

    tcase_add_test(tc, test_forward);
    tcase_add_test(tc, test_none);
    tcase_add_test(tc, test_reject);
    tcase_add_test(tc, test_error);
    tcase_add_test(tc, test_table);
    suite_add_tcase(s, tc);
    return (s);
}
