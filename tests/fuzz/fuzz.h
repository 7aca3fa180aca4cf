#ifndef FUZZ_H_INCLUDED
#define FUZZ_H_INCLUDED

/*
 * fuzz.h - helpers shared by the libFuzzer harnesses in tests/fuzz/.
 *
 * Each harness defines LLVMFuzzerTestOneInput() and feeds one parser the
 * input; these helpers turn the input into what the parsers read: a
 * string, lines, a file on disk, a few files in a directory.
 */
#include <stddef.h>
#include <stdint.h>

/* What each harness defines; libFuzzer calls it once per input. */
extern int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a malloc()ed string, cut at its first NUL. */
extern char *fuzz_string(const uint8_t *data, size_t size);

/* The input as a malloc()ed copy of exactly SIZE bytes (no NUL added). */
extern char *fuzz_bytes(const uint8_t *data, size_t size);

/*
 * Split the string S in place at newlines into at most MAX lines; the
 * last takes the rest. Returns how many there are (at least 1).
 */
extern size_t fuzz_lines(char *s, char **line, size_t max);

/*
 * The path of a file named NAME in this process's scratch directory,
 * holding the SIZE bytes at DATA. The directory goes at exit.
 */
extern const char *fuzz_file(const char *name, const void *data, size_t size);

/* Remove every file fuzz_file() wrote. */
extern void fuzz_clean(void);

/* REPORT_FN that reads what it is given and prints nothing. */
extern void fuzz_report(void *ctx, const char *file, unsigned line,
			        int is_error, const char *why);

/*
 * An address that the table entry with KEY applies to: the key itself,
 * a user at a catch-all's domain, a detail for a +* or ++ key.
 */
extern void fuzz_address_for(const char *key, char *buf, size_t len);

/* Read the string S to its end, so that a sanitizer sees a bad one. */
extern void fuzz_touch(const char *s);

#endif
