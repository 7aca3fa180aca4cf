/*
 * fuzz_table.c - libFuzzer harness: virtusertable source tables
 * (lib/table.c, lib/tablecheck.c).
 *
 * The input is a whole table file, read by table_load() as maptool
 * compile reads it, once folding keys and once keeping their case
 * (makemap -f); then maptool check's analysis runs over it: loops, keys
 * that never match, values pointing nowhere, patterns probed with a
 * sample address.
 */
#include <stdlib.h>
#include "table.h"
#include "tablecheck.h"
#include "fuzz.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int flags[] = {0, TABLE_KEEP_CASE};
    const char *path = fuzz_file("table", data, size);
    CHECK_STATS stats;
    TABLE  *t;
    size_t  i, e;

    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
	if ((t = table_load(path, flags[i], fuzz_report, 0)) == 0)
	    abort();				/* a readable file loads */
	for (e = 0; e < t->count; e++) {
	    fuzz_touch(t->entries[e].key);
	    fuzz_touch(t->entries[e].value);
	}
	check_table(t, fuzz_report, 0, &stats);	/* as maptool check */
	table_free(t);
    }
    return (0);
}
