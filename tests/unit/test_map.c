/*
 * test_map.c - unit tests for lib/map.c: write, read back, and refuse
 * what is not a good map.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "map.h"
#include "rank.h"
#include "report.h"
#include "table.h"
#include "tablemap.h"
#include "unit.h"

static char *make_map(const char *name, int flags, int n)
{
    char   *path = unit_write_file(name, "");
    MAP_WRITER *w;
    char    err[512], key[64], value[64];
    int     i;

    w = map_create(path, MAP_TYPE_HASH, flags, n, 40, err, sizeof(err));
    ck_assert_msg(w != 0, "%s", err);
    for (i = 0; i < n; i++) {
	snprintf(key, sizeof(key), "user%d@example.org", i);
	snprintf(value, sizeof(value), "user%d@branch.example.org", i);
	ck_assert_int_eq(map_put(w, key, value, err, sizeof(err)), 0);
    }
    ck_assert_msg(map_commit(w, err, sizeof(err)) == 0, "%s", err);
    return (path);
}

static int count_entry(void *ctx, const char *key, const char *value)
{
    (void) key;
    (void) value;
    ++*(int *) ctx;
    return (0);
}

START_TEST(test_round_trip)
{
    char   *path = make_map(_i ? "map-nul" : "map", _i ? MAP_FLAG_NUL : 0, 1000);
    char    err[512], *v;
    MAP    *map = map_open_readonly(path, err, sizeof(err));
    int     n = 0;

    ck_assert_msg(map != 0, "%s", err);
    ck_assert_int_eq(map_has_nul(map), _i);
    ck_assert_int_eq(map_lookup(map, "user7@example.org", &v), 1);
    ck_assert_str_eq(v, "user7@branch.example.org");
    free(v);
    ck_assert_int_eq(map_lookup(map, "nobody@example.org", &v), 0);
    ck_assert(map_serves(map, "example.org"));
    ck_assert(!map_serves(map, "branch.example.org"));
    ck_assert_int_eq(map_walk(map, count_entry, &n), 0);
    ck_assert_int_eq(n, 1000);
    map_close(map);
    free(path);
}
END_TEST

START_TEST(test_mode_kept)
{
    char   *path = make_map("map-mode", 0, 10);
    struct stat st;

    ck_assert_int_eq(chmod(path, 0640), 0);
    free(make_map("map-mode", 0, 20));
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    free(path);
}
END_TEST

START_TEST(test_truncated)
{
    char   *path = make_map("map-trunc", 0, 2000);
    char    err[512];
    struct stat st;

    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(truncate(path, st.st_size - 100), 0);
    ck_assert_ptr_null(map_open_readonly(path, err, sizeof(err)));
    ck_assert_msg(strstr(err, "not a multiple of the page") != 0, "%s", err);
    free(path);
}
END_TEST

START_TEST(test_corrupt)
{
    char   *path = make_map("map-corrupt", 0, 2000);
    char    err[512], junk[4096];
    int     fd;

    memset(junk, 0x5a, sizeof(junk));
    fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, junk, sizeof(junk), 0), (ssize_t) sizeof(junk));
    close(fd);
    ck_assert_ptr_null(map_open_readonly(path, err, sizeof(err)));
    ck_assert_msg(strstr(err, path) != 0, "%s", err);
    free(path);
}
END_TEST

START_TEST(test_not_a_map)
{
    char   *text = unit_write_file("not-a-map", "a@b.test c@d.test\n");
    char   *empty = unit_write_file("empty-map", "");
    char    err[512];

    ck_assert_ptr_null(map_open_readonly(text, err, sizeof(err)));
    ck_assert_ptr_null(map_open_readonly(empty, err, sizeof(err)));
    ck_assert_msg(strstr(err, "not a map file (empty)") != 0, "%s", err);
    ck_assert_ptr_null(map_open_readonly("/nonexistent.db", err, sizeof(err)));
    ck_assert_str_eq(err, "/nonexistent.db: No such file or directory");
    free(text);
    free(empty);
}
END_TEST

#define ORDER_KEYS	20000

/* The Ith key and value of test_write_order. */
static void order_pair(int i, char *key, char *value, size_t len)
{
    snprintf(key, len, "u%d.%d@d%d.example", i, i * 7919 % 1000, i % 37);
    snprintf(value, len, "u%d@branch%d.example", i, i % 11);
}

/*
 * Write ORDER_KEYS pairs to NAME in rank order, with the buckets in
 * file order when IN_FILE_ORDER; the path, and *BITS the bucket bits.
 */
static char *write_ranked(const char *name, int in_file_order, int *bits)
{
    char   *path = unit_write_file(name, "");
    MAP_WRITER *w;
    RANKED *order = malloc(ORDER_KEYS * sizeof(*order));
    char    err[512], key[64], value[64];
    int     i;

    ck_assert_ptr_nonnull(order);
    w = map_create(path, MAP_TYPE_HASH, 0, ORDER_KEYS, 45, err, sizeof(err));
    ck_assert_msg(w != 0, "%s", err);
    *bits = map_bucket_bits(w);
    for (i = 0; i < ORDER_KEYS; i++) {
	order_pair(i, key, value, sizeof(key));
	order[i].entry = i;
	order[i].rank = map_hash_rank(key, 0);
    }
    ck_assert_int_eq(rank_sort(order, ORDER_KEYS), 0);
    if (in_file_order)
	ck_assert_int_eq(rank_by_low_bits(order, ORDER_KEYS, *bits), 0);
    for (i = 0; i < ORDER_KEYS; i++) {
	order_pair(order[i].entry, key, value, sizeof(key));
	ck_assert_int_eq(map_put(w, key, value, err, sizeof(err)), 0);
    }
    ck_assert_msg(map_commit(w, err, sizeof(err)) == 0, "%s", err);
    free(order);
    return (path);
}

/* The whole of PATH; its size in *LEN. */
static char *read_whole(const char *path, size_t *len)
{
    struct stat st;
    char   *buf;
    int     fd = open(path, O_RDONLY);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_ptr_nonnull(buf = malloc(st.st_size + 1));
    ck_assert_int_eq(read(fd, buf, st.st_size), st.st_size);
    close(fd);
    *len = st.st_size;
    return (buf);
}

/* The files A and B hold the same bytes. */
static void assert_same_bytes(const char *a, const char *b)
{
    size_t  la, lb;
    char   *va = read_whole(a, &la), *vb = read_whole(b, &lb);

    ck_assert_uint_eq(la, lb);
    ck_assert_msg(memcmp(va, vb, la) == 0, "%s and %s differ", a, b);
    free(va);
    free(vb);
}

/*
 * Buckets in file order (each page written once, appended) give the
 * very bytes that the plain rank order gives (pages filled in a jumble
 * of places); the map reads back whole.
 */
START_TEST(test_write_order)
{
    int     bits_a, bits_b, i, n = 0;
    char   *a = write_ranked("map-ranked", 0, &bits_a);
    char   *b = write_ranked("map-filed", 1, &bits_b);
    char    err[512], key[64], value[64], *v;
    MAP    *map;

    ck_assert_int_gt(bits_a, 0);
    ck_assert_int_eq(bits_a, bits_b);
    assert_same_bytes(a, b);
    ck_assert_ptr_nonnull(map = map_open_readonly(b, err, sizeof(err)));
    for (i = 0; i < ORDER_KEYS; i += 997) {
	order_pair(i, key, value, sizeof(key));
	ck_assert_int_eq(map_lookup(map, key, &v), 1);
	ck_assert_str_eq(v, value);
	free(v);
    }
    ck_assert_int_eq(map_walk(map, count_entry, &n), 0);
    ck_assert_int_eq(n, ORDER_KEYS);
    map_close(map);
    free(a);
    free(b);
}
END_TEST

/*
 * A map presized for many entries but given few keeps every bucket page
 * in the file, the empty ones at its end too.
 */
START_TEST(test_presized_few)
{
    char   *path = unit_write_file("map-few", "");
    char    err[512], *v;
    MAP_WRITER *w;
    MAP    *map;
    struct stat st;
    int     bits;

    w = map_create(path, MAP_TYPE_HASH, 0, 50000, 45, err, sizeof(err));
    ck_assert_msg(w != 0, "%s", err);
    bits = map_bucket_bits(w);
    ck_assert_int_gt(bits, 2);
    ck_assert_int_eq(map_put(w, "a@b.example", "c@d.example", err, sizeof(err)), 0);
    ck_assert_msg(map_commit(w, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size % 8192, 0);
    ck_assert_int_ge(st.st_size / 8192, (1 << bits) + 1);
    ck_assert_ptr_nonnull(map = map_open_readonly(path, err, sizeof(err)));
    ck_assert_int_eq(map_lookup(map, "a@b.example", &v), 1);
    ck_assert_str_eq(v, "c@d.example");
    free(v);
    ck_assert_int_eq(map_lookup(map, "x@b.example", &v), 0);
    map_close(map);
    free(path);
}
END_TEST

/*
 * The direct bucket pages (hashpage.c) against the library's own
 * inserts (map_library_pages()): the same pairs, the same bytes, and
 * every pair read back. Pairs are put in a jumble, not in bucket order.
 */
#define SHAPE_VARIED	0		/* keys and values of many lengths */
#define SHAPE_BIG	1		/* one value too big for a page */
#define SHAPE_DUP	2		/* the last key is the first again */

typedef struct PAGES_CASE {
    const char *name;
    int     n;				/* pairs */
    int     flags;			/* MAP_FLAG_NUL or 0 */
    size_t  nelem, pair_size;		/* as map_create() is told */
    int     shape;
    unsigned direct;			/* 1: the pages are laid out directly */
} PAGES_CASE;

static const PAGES_CASE pages_cases[] = {
    {"pages-empty", 0, 0, 100, 40, SHAPE_VARIED, 1},
    {"pages-one", 1, 0, 1, 40, SHAPE_VARIED, 1},
    {"pages-varied", 6000, 0, 6600, 150, SHAPE_VARIED, 1},
    {"pages-nul", 6000, MAP_FLAG_NUL, 6600, 150, SHAPE_VARIED, 1},
    {"pages-chained", 6000, 0, 6000, 20, SHAPE_VARIED, 0},
    {"pages-nul-chained", 6000, MAP_FLAG_NUL, 600, 40, SHAPE_VARIED, 0},
    {"pages-big", 600, 0, 600, 400, SHAPE_BIG, 0},
    {"pages-dup", 600, 0, 600, 400, SHAPE_DUP, 0},
};

#define PAGES_CASES	(sizeof(pages_cases) / sizeof(pages_cases[0]))
#define PAGES_TEXT	4096

/* The Ith pair of case C. */
static void case_pair(const PAGES_CASE *c, int i, char *key, char *value)
{
    static const char filler[] = "abcdefghijklmnopqrstuvwxyz0123456789"
	"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz";
    int     klen, vlen;

    if (c->shape == SHAPE_DUP && i == c->n - 1)
	i = 0;
    klen = (i * 7919) % 60;
    vlen = (i * 104729) % 90;
    snprintf(key, PAGES_TEXT, "k%d.%.*s@d%d.example", i, klen, filler, i % 37);
    snprintf(value, PAGES_TEXT, "v%d@%.*s%.*s.example", i, vlen, filler,
	     vlen, filler + i % 7);
    if (c->shape == SHAPE_BIG && i == c->n / 2) {
	memset(value, 'x', 3000);
	value[3000] = 0;
    }
}

/* Write case C's map, through the library alone if LIBRARY; its path. */
static char *write_case(const PAGES_CASE *c, int library)
{
    char    name[64], err[512], *key, *value, *path;
    MAP_WRITER *w;
    int     j;

    snprintf(name, sizeof(name), "%s%s", c->name, library ? "-library" : "");
    path = unit_write_file(name, "");
    ck_assert_ptr_nonnull(key = malloc(PAGES_TEXT));
    ck_assert_ptr_nonnull(value = malloc(PAGES_TEXT));
    map_library_pages(library);
    w = map_create(path, MAP_TYPE_HASH, c->flags, c->nelem, c->pair_size,
		   err, sizeof(err));
    ck_assert_msg(w != 0, "%s", err);
    for (j = 0; j < c->n; j++) {
	case_pair(c, (int) ((j * 7919L) % c->n), key, value);
	ck_assert_int_eq(map_put(w, key, value, err, sizeof(err)), 0);
    }
    ck_assert_msg(map_commit(w, err, sizeof(err)) == 0, "%s", err);
    map_library_pages(0);
    free(key);
    free(value);
    return (path);
}

START_TEST(test_direct_pages)
{
    const PAGES_CASE *c = pages_cases + _i;
    unsigned before = map_library_pages(0), between, after;
    char   *lib = write_case(c, 1), *direct, *v, *key, *value;
    char    err[512];
    MAP    *map;
    int     i, n = 0;

    between = map_library_pages(0);
    direct = write_case(c, 0);
    after = map_library_pages(0);
    ck_assert_uint_eq(between, before);
    ck_assert_uint_eq(after - between, c->direct);
    assert_same_bytes(lib, direct);
    ck_assert_ptr_nonnull(key = malloc(PAGES_TEXT));
    ck_assert_ptr_nonnull(value = malloc(PAGES_TEXT));
    ck_assert_ptr_nonnull(map = map_open_readonly(direct, err, sizeof(err)));
    for (i = 0; i < c->n; i++) {
	case_pair(c, i, key, value);
	ck_assert_int_eq(map_lookup(map, key, &v), 1);
	ck_assert_str_eq(v, value);
	free(v);
    }
    ck_assert_int_eq(map_walk(map, count_entry, &n), 0);
    ck_assert_int_eq(n, c->n - (c->shape == SHAPE_DUP));
    map_close(map);
    free(key);
    free(value);
    free(lib);
    free(direct);
}
END_TEST

#define TABLE_PAIRS	20000

/*
 * A table written the way maptool compile writes it (table_write_map():
 * buckets in file order, ranks passed in, pattern values copied) gives
 * the library's bytes too, with and without NUL.
 */
START_TEST(test_table_pages)
{
    int     flags = _i ? MAP_FLAG_NUL : 0, i;
    char   *text, *src, *lib, *direct, err[512];
    size_t  len = 0, cap = TABLE_PAIRS * 80;
    unsigned before;
    TABLE  *t;

    ck_assert_ptr_nonnull(text = malloc(cap));
    len += snprintf(text + len, cap - len,
		    "/^sales-(\\d+)@inkacoca\\.org$/\tsales@branch$1.inkacoca.org\n");
    for (i = 0; i < TABLE_PAIRS; i++)
	len += snprintf(text + len, cap - len, "user%d@d%d.inkacoca.org\t"
			"user%d@branch%d.inkacoca.org\n", i * 7, i % 13, i, i % 5);
    src = unit_write_file(_i ? "table-pages-nul" : "table-pages", text);
    lib = unit_write_file(_i ? "table-pages-nul-library.db" :
			  "table-pages-library.db", "");
    direct = unit_write_file(_i ? "table-pages-nul.db" : "table-pages.db", "");
    ck_assert_ptr_nonnull(t = table_load(src, 0, report_ignore, 0));
    ck_assert_int_eq(t->errors, 0);
    ck_assert_uint_eq(t->npatterns, 1);
    map_library_pages(1);
    ck_assert_msg(table_write_map(t, lib, MAP_TYPE_HASH, flags, err,
				  sizeof(err)) == 0, "%s", err);
    table_free(t);
    before = map_library_pages(0);
    ck_assert_ptr_nonnull(t = table_load(src, 0, report_ignore, 0));
    ck_assert_msg(table_write_map(t, direct, MAP_TYPE_HASH, flags, err,
				  sizeof(err)) == 0, "%s", err);
    table_free(t);
    ck_assert_uint_eq(map_library_pages(0) - before, 1);
    assert_same_bytes(lib, direct);
    free(text);
    free(src);
    free(lib);
    free(direct);
}
END_TEST

Suite  *suite_map(void)
{
    Suite  *s = suite_create("map");
    TCase  *tc = tcase_create("db");

    tcase_add_loop_test(tc, test_round_trip, 0, 2);
    tcase_add_test(tc, test_mode_kept);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_corrupt);
    tcase_add_test(tc, test_not_a_map);
    tcase_add_test(tc, test_write_order);
    tcase_add_test(tc, test_presized_few);
    tcase_add_loop_test(tc, test_direct_pages, 0, PAGES_CASES);
    tcase_add_loop_test(tc, test_table_pages, 0, 2);
    suite_add_tcase(s, tc);
    return (s);
}
