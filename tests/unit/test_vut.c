/*
 * test_vut.c - unit tests for lib/vut.c: lookup order, %n, recursion,
 * loops, lists and errors. Tables are loaded with table_load(), the same
 * reader maptool uses. Expected answers of the sendmail-compatible cases
 * were taken from a real sendmail 8.17 in address test mode.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "table.h"
#include "vut.h"
#include "unit.h"

static void no_report(void *ctx, const char *file, unsigned line, int is_error,
		              const char *why)
{
    (void) ctx;
    (void) is_error;
    ck_abort_msg("%s:%u: %s", file, line, why);
}

/* A resolver over one table written from text. */
typedef struct TEXT_VUT {
    char   *path;
    TABLE  *table;
    VUT_SOURCE src;
    VUT     vut;
} TEXT_VUT;

static void text_vut_open(TEXT_VUT *tv, const char *name, const char *text)
{
    VUT_SOURCE src = {table_lookup, 0, 0, "table", table_match};

    tv->path = unit_write_file(name, text);
    tv->table = table_load(tv->path, 0, no_report, 0);
    ck_assert_ptr_nonnull(tv->table);
    tv->src = src;
    tv->src.ctx = tv->table;
    vut_init(&tv->vut, &tv->src, 1);
}

static void text_vut_close(TEXT_VUT *tv)
{
    table_free(tv->table);
    free(tv->path);
}

/* Resolve ADDRESS through TEXT; return "forward a,b", "reject C E T", "none". */
static char *resolve(const char *text, const char *address, int hops)
{
    TEXT_VUT tv;
    char   *out;

    text_vut_open(&tv, "vut-table", text);
    if (hops)
	tv.vut.max_hops = hops;
    out = unit_answer(&tv.vut, address, 0);
    text_vut_close(&tv);
    return (out);
}

typedef struct CASE {
    const char *table, *address, *want;
} CASE;

#define SWITCH	"diego1@inkacoca.org diego1@lima.inkacoca.org\n" \
		"@switch.inkacoca.org %1@inkacoca.org\n" \
		"@inkacoca.org error:nouser 550 User unknown\n"
#define PLUS	"joe++@a.test pp-%1-%2-%3@x.net\n" \
		"joe+*@a.test ps-%1-%2-%3@x.net\n" \
		"+*@b.test bps-%1-%2-%3@x.net\n" \
		"++@b.test bpp-%1-%2-%3@x.net\n" \
		"@b.test bat-%1-%2-%3@x.net\n"

static const CASE cases[] = {
    /* The inkacoca.org switch, then one case per lookup step. */
    {SWITCH, "DIEGO1@INKACOCA.ORG", "forward diego1@lima.inkacoca.org"},
    {SWITCH, "diego1@switch.inkacoca.org", "forward diego1@lima.inkacoca.org"},
    {SWITCH, "nobody@inkacoca.org", "reject 550 5.1.1 User unknown"},
    {SWITCH, "nobody@switch.inkacoca.org", "reject 550 5.1.1 User unknown"},
    {SWITCH, "diego1+news@inkacoca.org", "forward diego1@lima.inkacoca.org"},
    {SWITCH, "diego1@lima.inkacoca.org", "none"},
    {SWITCH, "<diego1@inkacoca.org.>", "forward diego1@lima.inkacoca.org"},
    {"@example.org %1@mail.example.net\n", "Some.One@example.org",
    "forward Some.One@mail.example.net"},
    {"@example.org %1@mail.example.net\n", "x+tag@example.org", "forward x@mail.example.net"},
    {"@example.org %1%3@mail.example.net\n", "x+tag@example.org",
    "forward x+tag@mail.example.net"},
    {"joe+*@example.com joe-any.%2@other.net\n", "joe+foo@example.com",
    "forward joe-any.foo@other.net"},
    {"+*@example.com plus.%1.%2@other.net\n", "a+b+c@example.com",
    "forward plus.a.b+c@other.net"},
    {"info@example.net info-local\n", "info@example.net", "forward info-local"},
    {"old@example.net error:5.1.6:550 Moved\n", "old@example.net", "reject 550 5.1.6 Moved"},
    {"@example.org x@y.net\n", "a@sub.example.org", "none"},
    /* The seven steps and their bindings. */
    {PLUS, "joe+foo@a.test", "forward pp-joe-foo-+foo@x.net"},
    {PLUS, "joe+@a.test", "forward ps-joe--+@x.net"},
    {PLUS, "joe@a.test", "none"},
    {PLUS, "joe+a+b@a.test", "forward pp-joe-a+b-+a+b@x.net"},
    {PLUS, "Joe+Foo@A.TEST", "forward pp-Joe-Foo-+Foo@x.net"},
    {PLUS, "u+d@b.test", "forward bpp-u-d-+d@x.net"},
    {PLUS, "u+@b.test", "forward bps-u--+@x.net"},
    {PLUS, "+x@b.test", "forward bat-+x--@x.net"},
    {PLUS, "u@b.test", "forward bat-u--@x.net"},
    /*
     * A leading + is the user's: the split is at the next + (sendmail's
     * user part is never empty). +x@d and +@d are not split.
     */
    {PLUS, "+x+@b.test", "forward bps-+x--+@x.net"},
    {PLUS, "+x+y@b.test", "forward bpp-+x-y-+y@x.net"},
    {PLUS, "+X+y+Z@b.test", "forward bpp-+X-y+Z-+y+Z@x.net"},
    {PLUS, "++@b.test", "forward bpp-++--@x.net"},	/* step 1: key ++@b.test */
    {"+*@d.test s-%1-%2-%3@o.test\n", "++@d.test", "forward s-+--+@o.test"},
    {PLUS, "++y@b.test", "forward bpp-+-y-+y@x.net"},
    {PLUS, "+@b.test", "forward bat-+--@x.net"},
    {PLUS, "a++b@b.test", "forward bpp-a-+b-++b@x.net"},
    {"@d.test %1@o.test\n", "+x+@d.test", "forward +x@o.test"},
    {"@d.test %1@o.test\n", "+x+y@d.test", "forward +x@o.test"},
    {"@d.test %1@o.test\n", "++@d.test", "forward +@o.test"},
    {"+*@d.test s-%1@o.test\n", "+x@d.test", "none"},
    {"+x+*@d.test xs-%1-%2@o.test\n", "+X+Y@d.test", "forward xs-+X-Y@o.test"},
    {"+x++@d.test xp-%2@o.test\n", "+x+@d.test", "none"},
    {"+x@d.test xb-%1-%2@o.test\n", "+x+y@d.test", "forward xb-+x-y@o.test"},
    {"++@d.test pp-%1-%2@o.test\n", "++@d.test", "forward pp-++-@o.test"},
    {"joe@a.test whole\njoe+x@a.test exact\n", "joe+x@a.test", "forward exact"},
    {"joe@a.test whole\n", "joe+x@a.test", "forward whole"},
    /* Substitution corner cases, as sendmail: %% and an unknown %x. */
    {"@c.test c-%1-%%-x@x.net\n", "u@c.test", "forward c-u-%-x@x.net"},
    /*
     * A %n that substitutes to nothing: sendmail's replies for a value
     * that is no address; an empty value leaves the recipient alone.
     */
    {"@d.test %2@o.test\n", "u@d.test", "reject 553 5.1.3 User address required"},
    {"@d.test %2@o.test\n", "u+@d.test", "reject 553 5.1.3 User address required"},
    {"@d.test %2@o.test\n", "u+x@d.test", "forward x@o.test"},
    {"@d.test %3@o.test\n", "u+@d.test", "forward +@o.test"},
    {"@d.test %3@o.test\n", "+@d.test", "reject 553 5.1.3 User address required"},
    {"@d.test %1@%2\n", "u@d.test", "reject 553 5.1.3 Hostname required"},
    {"@d.test %1@%2.test\n", "u@d.test", "reject 553 5.1.2 Invalid host name"},
    {"@d.test %1@%2.test\n", "u+x@d.test", "forward u@x.test"},
    {"a@c.test b@d.test\n@d.test %2@o.test\n", "a@c.test",
    "reject 553 5.1.3 User address required"},
    {"@d.test %2\n", "u@d.test", "none"},
    {"@d.test %2\n", "u+x@d.test", "forward x"},
    {"u@d.test %2\n@d.test c-%1@o.test\n", "u@d.test", "none"},
    {"a@c.test u@d.test\nu@d.test %2\n", "a@c.test", "forward u@d.test"},
    /* Recursion, equal results, loops. */
    {"a@one.test a@two.test\na@two.test final@end.test\n", "a@one.test",
    "forward final@end.test"},
    {"@self.test %1@self.test\n", "x@self.test",
    "reject 451 4.4.6 Mail routing loop: cycle: x@self.test -> x@self.test"},
    {"u@e.test U@E.TEST\n", "u@e.test",
    "reject 451 4.4.6 Mail routing loop: cycle: u@e.test -> U@E.TEST"},
    /* Quoted local parts: looked up unquoted, %1 keeps the quotes. */
    {"john.doe@q.test jd@r.test\n@q.test c-%1@r.test\n", "\"john.doe\"@q.test",
    "forward jd@r.test"},
    {"john.doe@q.test jd@r.test\n@q.test c-%1@r.test\n", "\"john doe\"@q.test",
    "forward c-\"john doe\"@r.test"},
    {"p0@pz.test zero-%1\n@pz.test %1%3@r.test\n", "\"a+b\"@pz.test",
    "forward \"a+b\"@r.test"},
    {"@a.test %1@b.test\n@b.test %1@a.test\n", "u@a.test",
    "reject 451 4.4.6 Mail routing loop: cycle: u@a.test -> u@b.test -> u@a.test"},
    {"a@h.test b@h.test\nb@h.test c@h.test\nc@h.test d@h.test\n", "a@h.test",
    "reject 451 4.4.6 Mail routing loop: too many hops: a@h.test -> b@h.test -> c@h.test -> d@h.test"},
    /* Lists (beyond sendmail). */
    {"team@t.test a@x.net, b@y.net,a@x.net\n", "team@t.test", "forward a@x.net,b@y.net"},
    {"team@t.test team@t.test, b@y.net\n", "team@t.test", "forward team@t.test,b@y.net"},
    {"team@t.test gone@t.test, b@y.net\ngone@t.test error:nouser 550 Gone\n",
    "team@t.test", "forward b@y.net"},
    {"team@t.test gone@t.test\ngone@t.test error:nouser 550 Gone\n",
    "team@t.test", "reject 550 5.1.1 Gone"},
    {"a@l.test b@l.test, c@l.test\nb@l.test a@l.test\n", "a@l.test",
    "reject 451 4.4.6 Mail routing loop: cycle: a@l.test -> b@l.test -> a@l.test"},
    /* Addresses that are not. */
    {SWITCH, "a@@b", "reject 501 5.1.3 Bad recipient address syntax: more than one @"},
    {SWITCH, "postmaster", "none"},
};

START_TEST(test_case)
{
    const CASE *c = cases + _i;
    int     hops = strstr(c->want, "too many hops") ? 2 : 0;

    ck_assert_str_eq(resolve(c->table, c->address, hops), c->want);
}
END_TEST

static int broken_lookup(void *ctx, const char *key, char **value)
{
    (void) ctx;
    (void) key;
    *value = strdup("disk on fire");
    return (-1);
}

START_TEST(test_source_error)
{
    VUT_SOURCE src = {broken_lookup, 0, 0, "broken", 0};
    VUT     vut;
    VUT_RESULT res;

    vut_init(&vut, &src, 1);
    ck_assert_int_eq(vut_resolve(&vut, "a@b.test", &res), VUT_ERROR);
    ck_assert_str_eq(res.why, "disk on fire");
    ck_assert_str_eq(res.reply.code, "451");
    vut_result_free(&res);
}
END_TEST

START_TEST(test_expansion_limit)
{
    char    table[8192];
    size_t  n = 0;
    int     i;
    TEXT_VUT tv;
    VUT_RESULT res;

    n += snprintf(table + n, sizeof(table) - n, "big@e.test ");
    for (i = 0; i < 20; i++)
	n += snprintf(table + n, sizeof(table) - n, "%sm%d@e.test", i ? "," : "", i);
    n += snprintf(table + n, sizeof(table) - n, "\n@e.test %%1-a@x.net, %%1-b@x.net\n");
    text_vut_open(&tv, "vut-big", table);
    tv.vut.max_rcpt = 30;
    ck_assert_int_eq(vut_resolve(&tv.vut, "big@e.test", &res), VUT_REJECT);
    ck_assert_str_eq(res.reply.code, "451");
    ck_assert_str_eq(res.reply.enhanced, "4.4.6");
    vut_result_free(&res);
    tv.vut.max_rcpt = 40;
    ck_assert_int_eq(vut_resolve(&tv.vut, "big@e.test", &res), VUT_FORWARD);
    ck_assert_int_eq(res.nrcpt, 40);
    vut_result_free(&res);
    text_vut_close(&tv);
}
END_TEST

/* Five levels of twenty members, each back to the next level: 20^5 paths. */
START_TEST(test_work_limit)
{
    char    table[8192];
    size_t  n = 0;
    int     level, i;
    TEXT_VUT tv;
    VUT_RESULT res;

    for (level = 0; level < 5; level++) {
	n += snprintf(table + n, sizeof(table) - n, "m%d@f.test ", level);
	for (i = 0; i < 20; i++)
	    n += snprintf(table + n, sizeof(table) - n, "%sm%d-%d@f.test",
			  i ? ", " : "", level + 1, i);
	n += snprintf(table + n, sizeof(table) - n, "\n");
	for (i = 0; i < 20; i++)
	    n += snprintf(table + n, sizeof(table) - n, "m%d-%d@f.test m%d@f.test\n",
			  level + 1, i, level + 1);
    }
    text_vut_open(&tv, "vut-fanout", table);
    ck_assert_int_eq(vut_resolve(&tv.vut, "m3@f.test", &res), VUT_FORWARD);
    ck_assert_int_eq(res.nrcpt, 1);		/* 20^2 paths: within bounds */
    vut_result_free(&res);
    ck_assert_int_eq(vut_resolve(&tv.vut, "m0@f.test", &res), VUT_REJECT);
    ck_assert_str_eq(res.reply.code, "451");
    ck_assert_str_eq(res.reply.enhanced, "4.4.6");
    ck_assert_ptr_nonnull(strstr(res.reply.text, "more than 10000 addresses"));
    vut_result_free(&res);
    text_vut_close(&tv);
}
END_TEST

/*
 * A value that substitutes to nothing leaves the recipient alone (as
 * sendmail does); a list whose every member substitutes to nothing is no
 * route, never a reply without a code.
 */
START_TEST(test_empty_value)
{
    TEXT_VUT tv;
    VUT_RESULT res;

    text_vut_open(&tv, "vut-empty", "@e.test %2\n@f.test %3, %2\n");
    ck_assert_int_eq(vut_resolve(&tv.vut, "someone@e.test", &res), VUT_NONE);
    vut_result_free(&res);
    ck_assert_int_eq(vut_resolve(&tv.vut, "someone@f.test", &res), VUT_REJECT);
    ck_assert_str_eq(res.reply.code, "553");
    vut_result_free(&res);
    ck_assert_int_eq(vut_resolve(&tv.vut, "someone+box@e.test", &res), VUT_FORWARD);
    ck_assert_str_eq(res.rcpt[0], "box");
    vut_result_free(&res);
    text_vut_close(&tv);
}
END_TEST

typedef struct KEYCHECK {
    const char *key;
    int     good;
} KEYCHECK;

static const KEYCHECK keys[] = {
    {"user@example.org", 1}, {"@example.org", 1}, {"user+*@example.org", 1},
    {"user++@example.org", 1}, {"+*@example.org", 1}, {"++@example.org", 1},
    {"a+b@example.org", 1}, {"+x+*@example.org", 1}, {"+x++@example.org", 1},
    {"++*@example.org", 1}, {"+++@example.org", 1},
    {"user", 0}, {"user@", 0}, {"user@example.org.", 0}, {"a+b++@example.org", 0},
    {"+x+y+*@example.org", 0}, {"a++*@example.org", 0},
    {"a b@example.org", 0}, {"user@exa mple.org", 0},
};

START_TEST(test_check_key)
{
    const char *why = vut_check_key(keys[_i].key);

    ck_assert_msg((why == 0) == keys[_i].good, "%s: %s", keys[_i].key,
		  why ? why : "accepted");
}
END_TEST

typedef struct VALUECHECK {
    const char *value;
    int     good, warns;
} VALUECHECK;

static const VALUECHECK values[] = {
    {"a@example.org", 1, 0}, {"local", 1, 0}, {"%1@example.org", 1, 0},
    {"%1%3@example.org", 1, 0}, {"%%a@example.org", 1, 0},
    {"a@x.org, b@y.org", 1, 0}, {"error:nouser 550 No", 1, 0},
    {"error:550 5.1.1 Trap", 1, 1},
    {"%0@example.org", 0, 0}, {"%4@example.org", 0, 0}, {"%x@example.org", 0, 0},
    {"a@@example.org", 0, 0}, {"a@x.org,", 0, 0}, {"a b@x.org", 0, 0},
    {"error:nouser 250 No", 0, 0},
};

START_TEST(test_check_value)
{
    const char *warn, *why = vut_check_value(values[_i].value, &warn);

    ck_assert_msg((why == 0) == values[_i].good, "%s: %s", values[_i].value,
		  why ? why : "accepted");
    ck_assert_int_eq(warn != 0, values[_i].warns);
}
END_TEST

Suite  *suite_vut(void)
{
    Suite  *s = suite_create("vut");
    TCase  *tc = tcase_create("resolve");
    TCase  *tk = tcase_create("checks");

    tcase_add_loop_test(tc, test_case, 0, sizeof(cases) / sizeof(cases[0]));
    tcase_add_test(tc, test_source_error);
    tcase_add_test(tc, test_expansion_limit);
    tcase_add_test(tc, test_work_limit);
    tcase_add_test(tc, test_empty_value);
    tcase_add_loop_test(tk, test_check_key, 0, sizeof(keys) / sizeof(keys[0]));
    tcase_add_loop_test(tk, test_check_value, 0, sizeof(values) / sizeof(values[0]));
    suite_add_tcase(s, tc);
    suite_add_tcase(s, tk);
    return (s);
}
