/*
 * fuzz_map.c - libFuzzer harness: Berkeley DB maps as maptool and the
 * milter read them (lib/map.c, table_from_map() in lib/table.c).
 *
 * Input: one option byte, then entries "KEY<TAB>VALUE" one a line. The
 * harness writes them into a map with Berkeley DB itself, as makemap
 * and postmap would (hash or btree, keys with or without a NUL: option
 * bits 0 and 1, small pages), and cuts it short by the number of pages
 * in bits 2-7, as a partial copy would be. Whatever the entries (no
 * check applies: any program can write a map), the map is opened with
 * map_open_readonly(), which must fail with a reason or give a map that
 * can be walked (maptool dump), looked up key by key and resolved
 * through (maptool query, the milter), and turned into a checked table
 * (maptool check, maptool verify).
 *
 * Why not corrupt the file's bytes: Berkeley DB 5.3 does not check a
 * page as it reads it, and its own verifier does not survive such
 * files either; a fuzzer on raw files finds crashes inside libdb only
 * (see README).
 */
#include <db.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "map.h"
#include "table.h"
#include "tablecheck.h"
#include "vut.h"
#include "fuzz.h"

#define FUZZ_PAGE_SIZE	512
#define FUZZ_MAX_KEYS	32

typedef struct KEYS {
    char   *key[FUZZ_MAX_KEYS];
    size_t  count;
    size_t  walked;
} KEYS;

static void quiet(const DB_ENV *env, const char *pfx, const char *msg)
{
    (void) env;
    (void) pfx;
    (void) msg;
}

/* Write the entries of TEXT into a new map at PATH, as OPTIONS say. */
static void write_map(const char *path, int options, char *text)
{
    char   *line, *next, *tab;
    DBT     k, v;
    DB     *db;
    int     nul = (options & 2) != 0;

    (void) unlink(path);
    if (db_create(&db, 0, 0) != 0)
	abort();
    db->set_errcall(db, quiet);
    if (db->set_pagesize(db, FUZZ_PAGE_SIZE) != 0
	|| db->open(db, 0, path, 0, (options & 1) ? DB_BTREE : DB_HASH,
		    DB_CREATE, 0600) != 0)
	abort();
    for (line = text; line; line = next) {
	if ((next = strchr(line, '\n')) != 0)
	    *next++ = 0;
	if ((tab = strchr(line, '\t')) == 0)
	    continue;
	*tab++ = 0;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = line;
	k.size = strlen(line) + nul;
	v.data = tab;
	v.size = strlen(tab) + nul;
	(void) db->put(db, 0, &k, &v, 0);
    }
    if (db->close(db, 0) != 0)
	abort();
}

/* Cut PAGES pages off the end of the file at PATH, as a partial copy. */
static void cut_pages(const char *path, int pages)
{
    off_t   size;
    FILE   *fp;

    if (pages == 0 || (fp = fopen(path, "r")) == 0)
	return;
    fseeko(fp, 0, SEEK_END);
    size = ftello(fp);
    fclose(fp);
    if (size > (off_t) pages * FUZZ_PAGE_SIZE)
	(void) truncate(path, size - (off_t) pages * FUZZ_PAGE_SIZE);
}

static int note_key(void *ctx, const char *key, const char *value)
{
    KEYS   *k = ctx;

    fuzz_touch(value);
    if (k->count < FUZZ_MAX_KEYS && (k->key[k->count++] = strdup(key)) == 0)
	abort();
    k->walked++;
    return (0);
}

static int touch_entry(void *ctx, const char *key, const char *value)
{
    (void) ctx;
    fuzz_touch(key);
    fuzz_touch(value);
    return (0);
}

static void lookups(MAP *map, const KEYS *k)
{
    char    folded[1024], *value;
    const char *at;
    size_t  i;

    for (i = 0; i < k->count; i++) {
	if (map_lookup(map, k->key[i], &value) != 0) {
	    if (value)
		fuzz_touch(value);
	    free(value);
	}
	if ((at = strrchr(k->key[i], '@')) != 0 && strlen(at) < sizeof(folded)) {
	    addr_fold(folded, at + 1);
	    (void) map_serves(map, folded);
	}
    }
}

static void resolves(MAP *map, const KEYS *k)
{
    VUT_SOURCE src = {map_lookup, map_serves, 0, "fuzz", map_match};
    VUT_RESULT res;
    VUT     vut;
    char    address[ADDR_MAX + 32];
    size_t  i;

    src.ctx = map;
    vut_init(&vut, &src, 1);
    for (i = 0; i < k->count; i++) {
	fuzz_address_for(k->key[i], address, sizeof(address));
	(void) vut_resolve(&vut, address, &res);
	vut_result_free(&res);
    }
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path;
    char    err[512], *text;
    CHECK_STATS stats;
    KEYS    keys;
    TABLE  *t;
    MAP    *map;
    size_t  i;

    if (size == 0)
	return (0);
    text = fuzz_string(data + 1, size - 1);
    path = fuzz_file("map.db", "", 0);
    write_map(path, data[0], text);
    free(text);
    cut_pages(path, data[0] >> 2);
    if ((map = map_open_readonly(path, err, sizeof(err))) == 0) {
	fuzz_touch(err);
	return (0);
    }
    memset(&keys, 0, sizeof(keys));
    (void) map_has_nul(map);
    (void) map_pattern_count(map);
    (void) map_walk_patterns(map, touch_entry, 0);
    (void) map_walk(map, note_key, &keys);
    lookups(map, &keys);
    resolves(map, &keys);
    if ((t = table_from_map(map, fuzz_report, 0)) != 0) {
	check_table(t, fuzz_report, 0, &stats);
	table_free(t);
    }
    map_close(map);
    for (i = 0; i < keys.count; i++)
	free(keys.key[i]);
    return (0);
}

/* Leaks inside Berkeley DB, should it leak on a cut file, are its own. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

const char *__lsan_default_suppressions(void)
{
    return ("leak:libdb-5.3.so\n");
}

const char *__lsan_default_options(void)
{
    return ("print_suppressions=0");
}
