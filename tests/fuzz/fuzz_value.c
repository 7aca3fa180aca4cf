/*
 * fuzz_value.c - libFuzzer harness: table values, lists and %n
 * substitution (lib/vut.c, lib/reply.c).
 *
 * Input: the first line is a value, the second (optional) the address
 * it is looked up for. The value goes through the table checks
 * (vut_check_value, error: replies) and is split into list members;
 * then a resolve runs where the value is the entry found for the
 * address, so that %0-%9 and %% are substituted with the address's
 * parts and each member resolved again. The source answers the first
 * few lookups in d.test only, which keeps a value that names d.test
 * addresses from expanding without end.
 */
#include <stdlib.h>
#include <string.h>
#include "reply.h"
#include "vut.h"
#include "fuzz.h"

#define FUZZ_DOMAIN	"d.test"
#define FUZZ_ANSWERS	3

typedef struct SOURCE {
    const char *value;
    int     answers;
} SOURCE;

static int lookup(void *ctx, const char *key, char **value)
{
    SOURCE *src = ctx;
    const char *at = strrchr(key, '@');

    if (at == 0 || strcmp(at + 1, FUZZ_DOMAIN) != 0 || src->answers >= FUZZ_ANSWERS)
	return (0);
    src->answers++;
    if ((*value = strdup(src->value)) == 0)
	abort();
    return (1);
}

static int serves(void *ctx, const char *domain)
{
    (void) ctx;
    return (strcmp(domain, FUZZ_DOMAIN) == 0);
}

static void trace(void *ctx, const char *line)
{
    (void) ctx;
    fuzz_touch(line);
}

static void split_members(const char *value)
{
    char   *copy = strdup(value), *cursor = copy, *member;

    if (copy == 0)
	abort();
    while ((member = vut_next_member(&cursor)) != 0)
	fuzz_touch(member);
    free(copy);
}

static void resolve(const char *value, const char *address)
{
    SOURCE  ctx = {value, 0};
    VUT_SOURCE src = {lookup, serves, &ctx, "fuzz", 0};
    VUT_RESULT res;
    VUT     vut;
    size_t  i;

    vut_init(&vut, &src, 1);
    vut.trace = trace;
    switch (vut_resolve(&vut, address, &res)) {
    case VUT_FORWARD:
	if (res.nrcpt == 0)
	    abort();
	for (i = 0; i < res.nrcpt; i++)
	    fuzz_touch(res.rcpt[i]);
	break;
    case VUT_REJECT:
    case VUT_ERROR:
	fuzz_touch(res.reply.code);
	fuzz_touch(res.reply.enhanced);
	fuzz_touch(res.reply.text);
	break;
    case VUT_NONE:
	break;
    }
    vut_result_free(&res);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *text = fuzz_string(data, size), *line[2];
    const char *why, *warn;
    REPLY   reply;
    size_t  n = fuzz_lines(text, line, 2);

    if ((why = vut_check_value(line[0], &warn)) != 0)
	fuzz_touch(why);
    else if (warn)
	fuzz_touch(warn);
    if (reply_is_error(line[0])) {
	(void) reply_parse(line[0], &reply, &warn);
	fuzz_touch(reply.text);
    }
    split_members(line[0]);
    resolve(line[0], n > 1 ? line[1] : "john+news@" FUZZ_DOMAIN);
    free(text);
    return (0);
}
