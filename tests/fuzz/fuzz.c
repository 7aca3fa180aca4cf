/*
 * fuzz.c - helpers shared by the libFuzzer harnesses (see fuzz.h).
 *
 * Exports fuzz_string(), fuzz_bytes(), fuzz_lines(), fuzz_file(),
 * fuzz_clean(), fuzz_report(), fuzz_address_for() and fuzz_touch(). Allocation failures
 * abort: a harness is a test, and libFuzzer reports the abort.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fuzz.h"

#define FUZZ_MAX_FILES	16

static char fuzz_dir[256];
static char *fuzz_written[FUZZ_MAX_FILES];
static size_t fuzz_nwritten;

static void *must(void *p)
{
    if (p == 0) {
	fprintf(stderr, "fuzz: out of memory\n");
	abort();
    }
    return (p);
}

char   *fuzz_string(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t  len = nul ? (size_t) (nul - data) : size;
    char   *s = must(malloc(len + 1));

    memcpy(s, data, len);
    s[len] = 0;
    return (s);
}

char   *fuzz_bytes(const uint8_t *data, size_t size)
{
    char   *s = must(malloc(size ? size : 1));

    memcpy(s, data, size);
    return (s);
}

size_t  fuzz_lines(char *s, char **line, size_t max)
{
    size_t  n = 0;
    char   *nl;

    line[n++] = s;
    while (n < max && (nl = strchr(s, '\n')) != 0) {
	*nl = 0;
	line[n++] = s = nl + 1;
    }
    return (n);
}

void    fuzz_clean(void)
{
    size_t  i;

    for (i = 0; i < fuzz_nwritten; i++) {
	(void) unlink(fuzz_written[i]);
	free(fuzz_written[i]);
    }
    fuzz_nwritten = 0;
}

static void remove_dir(void)
{
    fuzz_clean();
    if (fuzz_dir[0])
	(void) rmdir(fuzz_dir);
}

/* The scratch directory, made on first use. */
static const char *scratch(void)
{
    const char *tmp = getenv("TMPDIR");

    if (fuzz_dir[0] == 0) {
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/mailswitch-fuzz.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(fuzz_dir) == 0) {
	    fprintf(stderr, "fuzz: mkdtemp %s: %s\n", fuzz_dir, strerror(errno));
	    abort();
	}
	atexit(remove_dir);
    }
    return (fuzz_dir);
}

const char *fuzz_file(const char *name, const void *data, size_t size)
{
    const char *dir = scratch();
    char   *path = must(malloc(strlen(dir) + strlen(name) + 2));
    const char *p = data;
    ssize_t n;
    size_t  i;
    int     fd;

    sprintf(path, "%s/%s", dir, name);
    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0) {
	fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
	abort();
    }
    for (i = 0; i < size; i += n) {
	if ((n = write(fd, p + i, size - i)) < 0) {
	    fprintf(stderr, "fuzz: write %s: %s\n", path, strerror(errno));
	    abort();
	}
    }
    close(fd);
    for (i = 0; i < fuzz_nwritten; i++) {
	if (strcmp(fuzz_written[i], path) == 0) {
	    free(path);
	    return (fuzz_written[i]);
	}
    }
    if (fuzz_nwritten == FUZZ_MAX_FILES) {
	fprintf(stderr, "fuzz: more than %d files\n", FUZZ_MAX_FILES);
	abort();
    }
    return (fuzz_written[fuzz_nwritten++] = path);
}

void    fuzz_touch(const char *s)
{
    volatile size_t sink;

    sink = strlen(s);
    (void) sink;
}

void    fuzz_report(void *ctx, const char *file, unsigned line, int is_error,
		            const char *why)
{
    (void) ctx;
    (void) line;
    (void) is_error;
    if (file)
	fuzz_touch(file);
    fuzz_touch(why);
}

void    fuzz_address_for(const char *key, char *buf, size_t len)
{
    const char *at = strrchr(key, '@');
    size_t  local = at ? (size_t) (at - key) : strlen(key);

    if (at == 0 || local == 0)
	snprintf(buf, len, "someone%s", at ? at : "");
    else if (local == 2 && (strncmp(key, "++", 2) == 0 || strncmp(key, "+*", 2) == 0))
	snprintf(buf, len, "user+detail%s", at);
    else if (local > 2 && (strncmp(at - 2, "++", 2) == 0 || strncmp(at - 2, "+*", 2) == 0))
	snprintf(buf, len, "%.*s+detail%s", (int) (local - 2), key, at);
    else
	snprintf(buf, len, "%s", key);
}
