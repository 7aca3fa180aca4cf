/*
 * test_table.c - unit tests for lib/table.c: every bad line is named.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "table.h"
#include "unit.h"

static char reports[8192];

static void collect(void *ctx, const char *file, unsigned line, int is_error,
		            const char *why)
{
    size_t  n = strlen(reports);

    (void) ctx;
    (void) file;
    snprintf(reports + n, sizeof(reports) - n, "%u:%s%s\n", line,
	     is_error ? "" : "warning: ", why);
}

static TABLE *load(const char *text, int flags)
{
    char   *path = unit_write_file("table", text);
    TABLE  *t;

    reports[0] = 0;
    t = table_load(path, flags, collect, 0);
    free(path);
    ck_assert_ptr_nonnull(t);
    return (t);
}

START_TEST(test_good_table)
{
    TABLE  *t = load("# comment\n\nA@B.test x@y.test\n@b.test   %1@z.test  \n", 0);
    char   *v;

    ck_assert_int_eq(t->errors, 0);
    ck_assert_int_eq(t->count, 2);
    ck_assert_str_eq(t->entries[0].key, "a@b.test");
    ck_assert_int_eq(t->entries[1].line, 4);
    ck_assert_int_eq(table_lookup(t, "a@b.test", &v), 1);
    ck_assert_str_eq(v, "x@y.test");
    free(v);
    ck_assert_int_eq(table_lookup(t, "A@B.test", &v), 0);
    table_free(t);
}
END_TEST

START_TEST(test_keep_case)
{
    TABLE  *t = load("A@B.test x@y.test\n", TABLE_KEEP_CASE);

    ck_assert_str_eq(t->entries[0].key, "A@B.test");
    table_free(t);
}
END_TEST

START_TEST(test_every_error_named)
{
    TABLE  *t = load("a@b.test x@y.test\n"
		     " lead@b.test x@y.test\n"
		     "novalue@b.test\n"
		     "A@b.test dup@y.test\n"
		     "cr@b.test x@y.test\r\n"
		     "nokey x@y.test\n"
		     "v@b.test %4@y.test\n"
		     "trap@b.test error:550 5.1.1 Trap\n", 0);

    ck_assert_int_eq(t->errors, 6);
    ck_assert_int_eq(t->warnings, 1);
    ck_assert_str_eq(reports,
		     "2:line starts with white space (makemap has no continuation lines)\n"
		     "3:key novalue@b.test has no value\n"
		     "5:carriage return in line (DOS line ending?)\n"
		     "6:key nokey: no @ (keys are user@domain, @domain, user+*@domain, "
		     "user++@domain, +*@domain or ++@domain)\n"
		     "7:value for v@b.test: only %1, %2, %3 and %% may follow %\n"
		     "8:warning: error:CODE D.D.D is read as tag CODE and no code: "
		     "sendmail answers 553 5.3.0; write error:D.D.D:CODE text\n"
		     "4:duplicate key a@b.test (first at line 1)\n");
    table_free(t);
}
END_TEST

START_TEST(test_nul_and_long_lines)
{
    char    text[3000];
    char   *path;
    FILE   *fp;
    TABLE  *t;

    memset(text, 'x', sizeof(text));
    memcpy(text, "long@b.test ", 12);
    text[2000] = '\n';
    text[2001] = 0;
    path = unit_write_file("table-nul", text);
    fp = fopen(path, "a");
    fwrite("nul@b.test a\0b@c.test\n", 1, 22, fp);
    fclose(fp);
    reports[0] = 0;
    t = table_load(path, 0, collect, 0);
    ck_assert_int_eq(t->errors, 2);
    ck_assert_str_eq(reports, "1:line too long (1023 bytes at most)\n2:NUL byte in line\n");
    table_free(t);
    free(path);
}
END_TEST

START_TEST(test_missing_file)
{
    reports[0] = 0;
    ck_assert_ptr_null(table_load("/nonexistent/table", 0, collect, 0));
    ck_assert_str_eq(reports, "0:No such file or directory\n");
}
END_TEST

Suite  *suite_table(void)
{
    Suite  *s = suite_create("table");
    TCase  *tc = tcase_create("load");

    tcase_add_test(tc, test_good_table);
    tcase_add_test(tc, test_keep_case);
    tcase_add_test(tc, test_every_error_named);
    tcase_add_test(tc, test_nul_and_long_lines);
    tcase_add_test(tc, test_missing_file);
    suite_add_tcase(s, tc);
    return (s);
}
