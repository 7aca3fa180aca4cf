/*
 * test_pattern.c - unit tests for PCRE2 pattern entries: key syntax and
 * checks (lib/pattern.c), their place in the lookup order and their $
 * substitution (lib/vut.c), table lines (lib/table.c), maps that hold
 * them (lib/map.c), bounded matching, the prefilter and probe samples.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "map.h"
#include "pattern.h"
#include "regex_sample.h"
#include "table.h"
#include "vut.h"
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

static TABLE *load(const char *text)
{
    char   *path = unit_write_file("pattern-table", text);
    TABLE  *t;

    reports[0] = 0;
    t = table_load(path, 0, collect, 0);
    free(path);
    ck_assert_ptr_nonnull(t);
    return (t);
}

/* Only the domains in SERVED (comma-separated) have keys, if not null. */
static const char *served;

static int serves(void *ctx, const char *domain)
{
    const char *s;
    size_t  len = strlen(domain);

    (void) ctx;
    for (s = served; s && (s = strstr(s, domain)) != 0; s += len)
	if ((s == served || s[-1] == ',') && (s[len] == ',' || s[len] == 0))
	    return (1);
    return (0);
}

static char *resolve(const char *text, const char *address)
{
    TABLE  *t = load(text);
    VUT_SOURCE src = {table_lookup, 0, 0, "table", table_match};
    VUT     vut;
    char   *out;

    ck_assert_msg(t->errors == 0, "%s", reports);
    src.ctx = t;
    if (served)
	src.serves = serves;
    vut_init(&vut, &src, 1);
    out = unit_answer(&vut, address, 0);
    table_free(t);
    return (out);
}

typedef struct CASE {
    const char *table, *address, *want;
} CASE;

/* Keys of every step and patterns between them. */
#define ORDER	"joe@o.test step1@r.test\n" \
		"/^joe@o\\.test$/ pattern-joe@r.test\n" \
		"/^(\\w+)\\+(\\w+)@o\\.test$/ p-$1-$2@r.test\n" \
		"ann+*@o.test step3-%2@r.test\n" \
		"/^ann.*@o\\.test$/ pattern-ann@r.test\n" \
		"++@o.test step5-%1@r.test\n" \
		"@o.test step7-%1@r.test\n" \
		"/^(?<u>[^@]+)@any\\.test$/i ${u}@r.test\n"

static const CASE cases[] = {
    /* Steps 1-4 first, then the patterns in file order, then 5-7. */
    {ORDER, "joe@o.test", "forward step1@r.test"},
    {ORDER, "ann+x@o.test", "forward step3-x@r.test"},
    {ORDER, "bob+x@o.test", "forward p-bob-x@r.test"},
    {ORDER, "ann@o.test", "forward pattern-ann@r.test"},
    {ORDER, "zed@o.test", "forward step7-zed@r.test"},
    {ORDER, "Bob@ANY.test", "forward Bob@r.test"},
    {ORDER, "bob@other.test", "none"},
    /* The subject: local@domain as written, brackets and trailing dot off. */
    {"/^Mixed@Case\\.test$/ exact@r.test\n", "<Mixed@Case.test.>", "forward exact@r.test"},
    {"/^Mixed@Case\\.test$/ exact@r.test\n", "mixed@case.test", "none"},
    {"/^\"a b\"@q\\.test$/ quoted@r.test\n", "\"a b\"@q.test", "forward quoted@r.test"},
    {"/^(.*)$/ x-$1@r.test\n", "postmaster", "none"},
    /* $ forms: a capture twice, a name and its number, unset, $$, ${N}. */
    {"/^(\\w+)@twice\\.test$/ $1.$1@r.test\n", "ab@twice.test", "forward ab.ab@r.test"},
    {"/^(?<u>\\w+)@n\\.test$/ ${u}-$1@r.test\n", "ab@n.test", "forward ab-ab@r.test"},
    {"/^(x)?(\\w+)@opt\\.test$/ $1-$2@r.test\n", "ab@opt.test", "forward -ab@r.test"},
    {"/^(\\w+)@d\\.test$/ $$$1@r.test\n", "ab@d.test", "forward $ab@r.test"},
    {"/^(\\w)(\\w)@b\\.test$/ ${2}${1}@r.test\n", "ab@b.test", "forward ba@r.test"},
    {"/^(\\w+)@pc\\.test$/ 100%$1@r.test\n", "ab@pc.test", "forward 100%ab@r.test"},
    {"/^a+@(?i:X)\\.test$/ ok@r.test\n", "aa@x.test", "forward ok@r.test"},
    /* error: values, with captures. */
    {"/^old-.*@e\\.test$/ error:5.1.6:550 Moved\n", "old-x@e.test", "reject 550 5.1.6 Moved"},
    {"/^(\\w+)@gone\\.test$/ error:nouser 550 $1 is gone\n", "ab@gone.test",
    "reject 550 5.1.1 ab is gone"},
    /* Lists: one to three, members resolved again. */
    {"/^all@l\\.test$/ a@x.net, b@y.net, c@z.net\n", "all@l.test",
    "forward a@x.net,b@y.net,c@z.net"},
    {"team@l.test x@l.test, y@l.test, x@l.test\n/^(.)@l\\.test$/ $1-box@z.net\n",
    "team@l.test", "forward x-box@z.net,y-box@z.net"},
    {"/^team@s\\.test$/ team@s.test, b@y.net\n", "team@s.test",
    "forward team@s.test,b@y.net"},
    {"/^(\\w+)@m\\.test$/ $1@x.net, gone@m2.test\ngone@m2.test error:nouser 550 Gone\n",
    "ab@m.test", "forward ab@x.net"},
    {"/^(\\w+)@m\\.test$/ gone@m2.test, gone2@m2.test\n"
	"gone@m2.test error:nouser 550 Gone\ngone2@m2.test error:nouser 550 Gone too\n",
    "ab@m.test", "reject 550 5.1.1 Gone"},
    /* Recursion through patterns, and loops. */
    {"/^(\\w+)@old\\.test$/ $1@new.test\na@new.test final@end.test\n", "a@old.test",
    "forward final@end.test"},
    {"/^(\\w+)@loop\\.test$/ $1@loop.test\n", "a@loop.test",
    "reject 451 4.4.6 Mail routing loop: cycle: a@loop.test -> a@loop.test"},
    {"/^(\\w+)@p\\.test$/ $1@q.test\n@q.test %1@p.test\n", "a@p.test",
    "reject 451 4.4.6 Mail routing loop: cycle: a@p.test -> a@q.test -> a@p.test"},
    /* Caseless flag. */
    {"/^sales@x\\.test$/i s@r.test\n", "SALES@X.TEST", "forward s@r.test"},
    {"/^sales@x\\.test$/ s@r.test\n", "SALES@X.TEST", "none"},
};

START_TEST(test_case)
{
    const CASE *c = cases + _i;

    served = 0;
    ck_assert_str_eq(resolve(c->table, c->address), c->want);
}
END_TEST

/* Patterns apply to domains no key serves. */
START_TEST(test_unserved_domain)
{
    served = "o.test";
    ck_assert_str_eq(resolve(ORDER, "Bob@any.test"), "forward Bob@r.test");
    ck_assert_str_eq(resolve(ORDER, "bob@else.test"), "none");
    ck_assert_str_eq(resolve(ORDER, "zed@o.test"), "forward step7-zed@r.test");
    served = 0;
}
END_TEST

START_TEST(test_dropped_members)
{
    TABLE  *t = load("/^l@d\\.test$/ a@x.net, e1@d.test, e2@d.test\n"
		     "e1@d.test error:nouser 550 No\ne2@d.test error:4.2.1:450 Off\n");
    VUT_SOURCE src = {table_lookup, 0, 0, "table", table_match};
    VUT     vut;
    VUT_RESULT res;

    src.ctx = t;
    vut_init(&vut, &src, 1);
    ck_assert_str_eq(unit_answer(&vut, "l@d.test", &res), "forward a@x.net");
    ck_assert_int_eq(res.dropped, 2);
    vut_result_free(&res);
    table_free(t);
}
END_TEST

/* A catastrophic regex answers with a tempfail naming it, not a hang. */
START_TEST(test_backtracking)
{
    TABLE  *t = load("/^(a+)+$/ x@y.test\n");
    VUT_SOURCE src = {table_lookup, 0, 0, "table", table_match};
    VUT     vut;
    char    address[128];
    const char *out;

    memset(address, 'a', 60);
    strcpy(address + 60, "b@x.test");
    src.ctx = t;
    vut_init(&vut, &src, 1);
    ck_assert_ptr_nonnull(table_patterns(t));
    if (_i)
	pattern_set_limits(table_patterns(t), 1000, 100);
    out = unit_answer(&vut, address, 0);
    ck_assert_msg(strncmp(out, "error 451 4.3.0 pattern /^(a+)+$/: ", 35) == 0, "%s", out);
    ck_assert_msg(strstr(out, "limit") != 0, "%s", out);
    ck_assert_str_eq(unit_answer(&vut, "aaaa@x.test", 0), "none");
    table_free(t);
}
END_TEST

/* Key syntax. */
typedef struct KEYCASE {
    const char *line;
    size_t  key_len;			/* pattern_key_length() */
    int     is_key;			/* pattern_is_key() of that much */
} KEYCASE;

static const KEYCASE keycases[] = {
    {"/^a@b\\.c$/ x@y", 10, 1},
    {"/a b c/i x@y", 8, 1},
    {"/a\\/b/ x@y", 6, 1},
    {"/a\\\\/b/ x@y", 7, 1},
    {"/ab x@y", 0, 0},
    {"user@d.test x@y", 0, 0},
    {"/a/@d.test x@y", 10, 0},
    {"/x@y/z w", 6, 1},
};

START_TEST(test_key_syntax)
{
    const KEYCASE *k = keycases + _i;
    char    key[64];
    size_t  len = pattern_key_length(k->line);

    ck_assert_uint_eq(len, k->key_len);
    snprintf(key, sizeof(key), "%.*s", (int) len, k->line);
    ck_assert_int_eq(len > 0 && pattern_is_key(key), k->is_key);
}
END_TEST

typedef struct CHECKCASE {
    const char *key, *value, *why;	/* why: null when good */
} CHECKCASE;

static const CHECKCASE checkcases[] = {
    {"/^(a)@b$/", "$1@c.test", 0},
    {"/^(?<n>a)@b$/i", "${n}-$1@c.test, d@e.test", 0},
    {"/x/", "error:nouser 550 No", 0},
    {"/x/", "local-$$", 0},
    {"/a(b/", "x@y.test", "column 4: missing closing parenthesis"},
    {"/[/", "x@y.test", "column 2: missing terminating ] for character class"},
    {"/a/x", "x@y.test", "pattern /a/x: unknown flag x (only i)"},
    {"/^(a)@b$/", "$2@c.test", "value $2@c.test: $2: the pattern has 1 group"},
    {"/^(a)@b$/", "${no}@c.test", "value ${no}@c.test: ${no}: the pattern has no group of that name"},
    {"/^(a)@b$/", "$x@c.test", "value $x@c.test: $x: $ must be followed by 1-9, {name} or $ (write $$ for a $)"},
    {"/^(a)@b$/", "$1@@c.test", "value $1@@c.test: more than one @"},
    {"/^(a)@b$/", "$1@c.test,", "value $1@c.test,: empty address in value"},
    {"/(*UTF)a/", "x@y.test", "column 7: using UTF is disabled by the application"},
};

START_TEST(test_check)
{
    const CHECKCASE *c = checkcases + _i;
    const char *warn;
    char    why[512];
    int     r = pattern_check(c->key, c->value, why, sizeof(why), &warn);

    if (c->why == 0) {
	ck_assert_msg(r == 0, "%s %s: %s", c->key, c->value, why);
    } else {
	ck_assert_int_eq(r, -1);
	ck_assert_str_eq(why, c->why);
    }
}
END_TEST

START_TEST(test_stored_form)
{
    char   *stored = pattern_store_value(42, "a@b.test, c@d.test");
    const char *value;
    unsigned seq;

    ck_assert_str_eq(stored, "000042 a@b.test, c@d.test");
    ck_assert_int_eq(pattern_parse_stored(stored, &seq, &value), 0);
    ck_assert_uint_eq(seq, 42);
    ck_assert_str_eq(value, "a@b.test, c@d.test");
    free(stored);
    ck_assert_ptr_null(pattern_store_value(0, "x"));
    ck_assert_ptr_null(pattern_store_value(PATTERN_MAX + 1, "x"));
    ck_assert_int_eq(pattern_parse_stored("a@b.test", &seq, &value), -1);
    ck_assert_int_eq(pattern_parse_stored("00001 x", &seq, &value), -1);
    ck_assert_int_eq(pattern_parse_stored("000000 x", &seq, &value), -1);
}
END_TEST

/* Table lines: blanks in the regex, no folding, numbering, errors. */
START_TEST(test_table_lines)
{
    TABLE  *t = load("Joe@X.test j@y.test\n"
		     "/a b\\/c/ x@y.test\n"
		     "/^ABC@X\\.test$/i  abc@y.test\n"
		     "/a/@d.test ordinary@y.test\n"
		     "/^(x)@z$/ $1@y.test\n");

    ck_assert_int_eq(t->errors, 0);
    ck_assert_int_eq(t->count, 5);
    ck_assert_str_eq(t->entries[0].key, "joe@x.test");
    ck_assert_uint_eq(t->entries[0].seq, 0);
    ck_assert_str_eq(t->entries[1].key, "/a b\\/c/");
    ck_assert_str_eq(t->entries[1].value, "x@y.test");
    ck_assert_uint_eq(t->entries[1].seq, 1);
    ck_assert_str_eq(t->entries[2].key, "/^ABC@X\\.test$/i");
    ck_assert_str_eq(t->entries[2].value, "abc@y.test");
    ck_assert_uint_eq(t->entries[2].seq, 2);
    ck_assert_str_eq(t->entries[3].key, "/a/@d.test");
    ck_assert_uint_eq(t->entries[3].seq, 0);
    ck_assert_uint_eq(t->entries[4].seq, 3);
    ck_assert_uint_eq(t->npatterns, 3);
    table_free(t);
}
END_TEST

START_TEST(test_table_errors)
{
    TABLE  *t = load("/x/ a@b.test\n"
		     "/a(b/ x@y.test\n"
		     "/abc x@y.test\n"
		     "/^(a)@b$/\n"
		     "/x/ c@d.test\n");

    ck_assert_int_eq(t->errors, 4);
    ck_assert_str_eq(reports,
		     "2:column 4: missing closing parenthesis\n"
		     "3:pattern /abc has no closing /\n"
		     "4:key /^(a)@b$/ has no value\n"
		     "5:duplicate key /x/ (first at line 1)\n");
    table_free(t);
}
END_TEST

/* A map: patterns stored with their numbers, read back in file order. */
static int walk_collect(void *ctx, const char *key, const char *value)
{
    size_t  n = strlen(ctx);

    snprintf((char *) ctx + n, 1024 - n, "%s=%s;", key, value);
    return (0);
}

static char *map_with(const char *name, const char *const *pairs)
{
    char   *path = unit_write_file(name, "");
    char    err[512];
    MAP_WRITER *w = map_create(path, MAP_TYPE_HASH, 0, 16, 40, err, sizeof(err));

    ck_assert_msg(w != 0, "%s", err);
    for (; pairs[0]; pairs += 2)
	ck_assert_int_eq(map_put(w, pairs[0], pairs[1], err, sizeof(err)), 0);
    ck_assert_msg(map_commit(w, err, sizeof(err)) == 0, "%s", err);
    return (path);
}

START_TEST(test_map_patterns)
{
    static const char *const pairs[] = {
	"/^(\\w+)@c\\.test$/", "000003 third-$1@r.test",
	"a@b.test", "x@y.test",
	"/^a@/", "000001 first@r.test",
	"/^(?<u>\\w+)@b\\.test$/", "000002 ${u}@second.test",
	0,
    };
    char   *path = map_with("map-pat", pairs);
    char    err[512], walked[1024] = "", trace[512], *v;
    MAP    *map = map_open_readonly(path, err, sizeof(err));

    ck_assert_msg(map != 0, "%s", err);
    ck_assert_uint_eq(map_pattern_count(map), 3);
    ck_assert_int_eq(map_walk_patterns(map, walk_collect, walked), 0);
    ck_assert_str_eq(walked, "/^a@/=first@r.test;/^(?<u>\\w+)@b\\.test$/=${u}@second.test;"
		     "/^(\\w+)@c\\.test$/=third-$1@r.test;");
    ck_assert_int_eq(map_match(map, "zz@b.test", &v, trace, sizeof(trace)), 1);
    ck_assert_str_eq(v, "zz@second.test");
    ck_assert_str_eq(trace, "pattern /^(?<u>\\w+)@b\\.test$/ matches ($1=zz, ${u}=zz)");
    free(v);
    ck_assert_int_eq(map_match(map, "a@c.test", &v, 0, 0), 1);
    ck_assert_str_eq(v, "first@r.test");
    free(v);
    ck_assert_int_eq(map_match(map, "q@d.test", &v, trace, sizeof(trace)), 0);
    ck_assert_ptr_null(v);
    ck_assert(!map_serves(map, "c.test"));
    ck_assert(map_serves(map, "b.test"));
    map_close(map);
    free(path);
}
END_TEST

START_TEST(test_map_bad_patterns)
{
    static const char *const bad_regex[] = {"/a(/", "000001 x@y.test", 0};
    static const char *const no_number[] = {"/a/", "x@y.test", 0};
    static const char *const none[] = {"a@b.test", "x@y.test", 0};
    char   *path, err[512], trace[64], *v;
    MAP    *map;

    path = map_with("map-bad1", bad_regex);
    ck_assert_ptr_null(map_open_readonly(path, err, sizeof(err)));
    ck_assert_msg(strstr(err, "map-bad1: pattern /a(/: column 3: missing closing parenthesis"),
		  "%s", err);
    free(path);
    path = map_with("map-bad2", no_number);
    ck_assert_ptr_null(map_open_readonly(path, err, sizeof(err)));
    ck_assert_msg(strstr(err, "map-bad2: pattern /a/: stored value does not open with "
			 "its 6-digit number"), "%s", err);
    free(path);
    path = map_with("map-none", none);
    ck_assert_ptr_nonnull(map = map_open_readonly(path, err, sizeof(err)));
    ck_assert_uint_eq(map_pattern_count(map), 0);
    strcpy(trace, "untouched");
    ck_assert_int_eq(map_match(map, "a@b.test", &v, trace, sizeof(trace)), 0);
    ck_assert_str_eq(trace, "");
    map_close(map);
    free(path);
}
END_TEST

/* The prefilter: what is tried, and that it never hides a match. */
static PATTERN_SET *set_of(const char *const *keys)
{
    PATTERN_SET *set = pattern_set_create();
    char    err[512];
    unsigned seq = 0;

    ck_assert_ptr_nonnull(set);
    for (; *keys; keys++)
	ck_assert_int_eq(pattern_set_add(set, *keys, "hit@r.test", ++seq), 0);
    ck_assert_msg(pattern_set_finish(set, err, sizeof(err)) == 0, "%s", err);
    return (set);
}

START_TEST(test_prefilter_skips)
{
    static const char *const keys[] = {
	"/^a@x\\.test$/", "/@y\\.test$/", "/^(b|c)/", "/z/", 0,
    };
    PATTERN_SET *set = set_of(keys);
    char    trace[256], *v;

    ck_assert_int_eq(pattern_set_match(set, "q@w.test", &v, trace, sizeof(trace)), 0);
    ck_assert_str_eq(trace, "no pattern matches (1 of 4 tried)");
    ck_assert_int_eq(pattern_set_match(set, "A@X.TEST", &v, trace, sizeof(trace)), 0);
    ck_assert_str_eq(trace, "no pattern matches (2 of 4 tried)");
    ck_assert_int_eq(pattern_set_match(set, "b@w.test", &v, trace, sizeof(trace)), 1);
    ck_assert_str_eq(trace, "pattern /^(b|c)/ matches ($1=b)");
    free(v);
    ck_assert_int_eq(pattern_set_match(set, "q@Y.test", &v, trace, sizeof(trace)), 0);
    ck_assert_str_eq(trace, "no pattern matches (2 of 4 tried)");
    pattern_set_free(set);
}
END_TEST

typedef struct MUSTMATCH {
    const char *key, *address;
} MUSTMATCH;

static const MUSTMATCH mustmatch[] = {
    {"/^(.*)@example\\.com$/i", "Joe@EXAMPLE.COM"},
    {"/foo\\.bar$/", "x@foo.bar"},
    {"/[@]x\\.com$/", "a@x.com"},
    {"/(?i)^ABC@x\\.com$/", "abc@x.com"},
    {"/^x@(?:a|b)\\.com$/", "x@b.com"},
    {"/@x\\.com\\z/", "a@x.com"},
    {"/^(?x) a @ x\\.com $/", "a@x.com"},
    {"/^ (?x) a/", " a@x.com"},
    {"/a@x\\.co{1}m$/", "a@x.com"},
    {"/^[[:alpha:]]+@x\\.com$/", "ab@x.com"},
    {"/\\Qa@x.com\\E$/", "a@x.com"},
    {"/@x\\.com$(?<=com)/", "a@x.com"},
    {"/a@X\\.COM$/", "a@X.COM"},
    {"/^a+@x\\.com$/", "aa@x.com"},
    {"/^(?:a|b)c@x\\.com$/", "bc@x.com"},
    {"/.*@x\\.com$/", "@x.com"},
    {"/^.{3}@x\\.com$/", "abc@x.com"},
    {"/^\\x41@x\\.com$/i", "a@x.com"},
    {"/^[^a-z]+@x\\.com$/", "123@x.com"},
    {"/(?|(a)|(b))@x\\.com$/", "b@x.com"},
    {"/^a(?#note)@x\\.com$/", "a@x.com"},
};

START_TEST(test_prefilter_keeps)
{
    const char *keys[2] = {mustmatch[_i].key, 0};
    PATTERN_SET *set = set_of(keys);
    char   *v;

    ck_assert_msg(pattern_set_match(set, mustmatch[_i].address, &v, 0, 0) == 1,
		  "%s should match %s", keys[0], mustmatch[_i].address);
    free(v);
    pattern_set_free(set);
}
END_TEST

/* Probe samples: found and confirmed, or honestly not. */
typedef struct SAMPLE {
    const char *key;
    int     found;
} SAMPLE;

static const SAMPLE samples[] = {
    {"/^(.*)@a\\.test$/", 1}, {"/^sales-(\\d+)@b\\.test$/i", 1},
    {"/^(?<u>[a-z0-9.+-]+)@dept7\\.c\\.test$/", 1}, {"/^(list|team)9-(.+)@/", 1},
    {"/^[^@]+@(?:d|e)\\.test$/", 1}, {"/^x{2,4}\\.y?z*@f\\.test$/", 1},
    {"/^\\w+\\+\\w+@g\\.test$/", 1}, {"/^[[:alpha:]]{3}@h\\.test$/", 1},
    {"/^(?i)ABC@\\Qi.test\\E$/", 1}, {"/^a(?=b)b@j\\.test$/", 1},
    {"/(?=x)foo/", 0}, {"/^\\p{L}+@e\\.test$/", 0}, {"/^(a)\\1@k\\.test$/", 0},
};

START_TEST(test_sample)
{
    const char *keys[2] = {samples[_i].key, 0};
    PATTERN_SET *set = set_of(keys);
    char    buf[256];

    ck_assert_int_eq(regex_sample_pattern(set, 0, buf, sizeof(buf)) == 0, samples[_i].found);
    pattern_set_free(set);
}
END_TEST

/* Several threads match against one set at once. */
typedef struct WORKER {
    const PATTERN_SET *set;
    int     id, wrong;
} WORKER;

static void *match_many(void *arg)
{
    WORKER *w = arg;
    char    address[64], want[64], *v;
    int     i;

    for (i = 0; i < 2000; i++) {
	snprintf(address, sizeof(address), "u%d-%d@t%d.test", w->id, i, i % 3);
	snprintf(want, sizeof(want), "u%d-%d@r%d.test", w->id, i, i % 3);
	if (pattern_set_match(w->set, address, &v, 0, 0) != 1 || strcmp(v, want) != 0)
	    w->wrong++;
	free(v);
    }
    return (0);
}

START_TEST(test_threads)
{
    PATTERN_SET *set = pattern_set_create();
    pthread_t tid[4];
    WORKER  w[4];
    char    err[256];
    int     i;

    ck_assert_int_eq(pattern_set_add(set, "/^(.*)@t0\\.test$/", "$1@r0.test", 1), 0);
    ck_assert_int_eq(pattern_set_add(set, "/^(?<x>.*)@t1\\.test$/", "${x}@r1.test", 2), 0);
    ck_assert_int_eq(pattern_set_add(set, "/^(.*)@(t)2\\.test$/", "$1@r2.test", 3), 0);
    ck_assert_int_eq(pattern_set_finish(set, err, sizeof(err)), 0);
    for (i = 0; i < 4; i++) {
	w[i].set = set;
	w[i].id = i;
	w[i].wrong = 0;
	ck_assert_int_eq(pthread_create(tid + i, 0, match_many, w + i), 0);
    }
    for (i = 0; i < 4; i++) {
	pthread_join(tid[i], 0);
	ck_assert_int_eq(w[i].wrong, 0);
    }
    pattern_set_free(set);
}
END_TEST

Suite  *suite_pattern(void)
{
    Suite  *s = suite_create("pattern");
    TCase  *tr = tcase_create("resolve");
    TCase  *ts = tcase_create("syntax");
    TCase  *tm = tcase_create("maps");
    TCase  *tp = tcase_create("prefilter");

    tcase_add_loop_test(tr, test_case, 0, sizeof(cases) / sizeof(cases[0]));
    tcase_add_test(tr, test_unserved_domain);
    tcase_add_test(tr, test_dropped_members);
    tcase_add_loop_test(tr, test_backtracking, 0, 2);
    tcase_add_loop_test(ts, test_key_syntax, 0, sizeof(keycases) / sizeof(keycases[0]));
    tcase_add_loop_test(ts, test_check, 0, sizeof(checkcases) / sizeof(checkcases[0]));
    tcase_add_test(ts, test_stored_form);
    tcase_add_test(ts, test_table_lines);
    tcase_add_test(ts, test_table_errors);
    tcase_add_test(tm, test_map_patterns);
    tcase_add_test(tm, test_map_bad_patterns);
    tcase_add_test(tp, test_prefilter_skips);
    tcase_add_loop_test(tp, test_prefilter_keeps, 0, sizeof(mustmatch) / sizeof(mustmatch[0]));
    tcase_add_loop_test(tp, test_sample, 0, sizeof(samples) / sizeof(samples[0]));
    tcase_add_test(tp, test_threads);
    suite_add_tcase(s, tr);
    suite_add_tcase(s, ts);
    suite_add_tcase(s, tm);
    suite_add_tcase(s, tp);
    return (s);
}
