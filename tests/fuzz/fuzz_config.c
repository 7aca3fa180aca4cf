/*
 * fuzz_config.c - libFuzzer harness: mailswitch-milter's configuration
 * file and command-line overrides (milter/config.c, milter/sockspec.c).
 *
 * The input is a configuration file, read with config_read() and, when
 * good, finished (paths made absolute, socket checked) as the daemon
 * does at start. Each of its first lines of the form KEY=VALUE is also
 * given to config_override(), as -o KEY=VALUE on the command line is.
 */
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "fuzz.h"

#define FUZZ_MAX_OVERRIDES	8

static void report(void *ctx, const char *file, unsigned line, int is_error,
		           const char *why)
{
    (void) ctx;
    (void) file;
    (void) line;
    (void) is_error;
    fuzz_touch(why);
}

static void overrides(const uint8_t *data, size_t size)
{
    char   *text = fuzz_string(data, size), *line[FUZZ_MAX_OVERRIDES + 1], *eq;
    char    err[512];
    size_t  n = fuzz_lines(text, line, FUZZ_MAX_OVERRIDES + 1), i;
    CONFIG  cfg;

    config_init(&cfg);
    for (i = 0; i < n && i < FUZZ_MAX_OVERRIDES; i++) {
	if ((eq = strchr(line[i], '=')) == 0)
	    continue;
	*eq = 0;
	if (config_override(&cfg, line[i], eq + 1, err, sizeof(err)) < 0)
	    fuzz_touch(err);
    }
    if (config_finish(&cfg, "/", err, sizeof(err)) < 0)
	fuzz_touch(err);
    config_free(&cfg);
    free(text);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("milter.conf", data, size);
    char    err[512];
    CONFIG  cfg;

    config_init(&cfg);
    if (config_read(&cfg, path, 0, report, 0) == 0
	&& config_finish(&cfg, "/", err, sizeof(err)) < 0)
	fuzz_touch(err);
    config_free(&cfg);
    overrides(data, size);
    return (0);
}
