/*
 * fuzz_addr.c - libFuzzer harness: envelope addresses (lib/addr.c).
 *
 * The input is one RCPT path as the MTA hands it over. It is parsed; a
 * good one is formatted into buffers of every size up to the exact one
 * (each too short must fail, never overrun), unquoted and folded. The
 * local part and domain checks also get the raw bytes with an exact
 * length, no NUL after them, as the parser hands them slices.
 */
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "vut.h"
#include "fuzz.h"

static void check_parsed(const ADDR *addr)
{
    char    out[ADDR_MAX + 1], plain[ADDR_MAX + 1], *small;
    size_t  need, len;

    if (addr_format(addr, out, sizeof(out)) < 0)
	abort();				/* every ADDR fits ADDR_MAX */
    need = strlen(out) + 1;
    for (len = need > 8 ? need - 8 : 1; len <= need; len++) {
	small = malloc(len);
	if (small == 0)
	    abort();
	if ((addr_format(addr, small, len) < 0) != (len < need))
	    abort();
	free(small);
    }
    addr_unquote(plain, out);
    addr_fold(plain, plain);
    fuzz_touch(plain);
    (void) vut_check_key(plain);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *text = fuzz_string(data, size), *raw;
    const char *why;
    ADDR    addr;

    if (addr_parse(text, &addr, &why) == 0)
	check_parsed(&addr);
    else
	fuzz_touch(why);
    free(text);
    raw = fuzz_bytes(data, size);
    if ((why = addr_check_local(raw, size)) != 0)
	fuzz_touch(why);
    if ((why = addr_check_domain(raw, size)) != 0)
	fuzz_touch(why);
    free(raw);
    return (0);
}
