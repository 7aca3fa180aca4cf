/*
 * pattern.c - PCRE2 pattern entries: /REGEX/FLAGS keys of a virtusertable,
 * their values and their stored form.
 *
 * Exports pattern_is_key(), pattern_key_length() and pattern_check() for
 * table readers, and pattern_store_value() and pattern_parse_stored() for
 * the stored form (a sequence number before the value keeps file order
 * in a hash map). To patternset.c (pattern_impl.h): pattern_parse_key(),
 * pattern_compile_key(), pattern_check_refs(), pattern_capture_count()
 * and pattern_expand(), the $ substitution.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pattern.h"
#include "pattern_impl.h"
#include "vut.h"

/* The flags that may follow the closing "/". */
typedef struct FLAG {
    char    letter;
    uint32_t option;
} FLAG;

static const FLAG flags[] = {
    {'i', PCRE2_CASELESS},
};

#define NFLAGS		(sizeof(flags) / sizeof(flags[0]))
#define COMPILE_OPTIONS	PCRE2_NEVER_UTF	/* bytes, as addresses are */

/* Key syntax. */

/* The closing unescaped "/" of a key that opens with "/", or null. */
static const char *closing_slash(const char *s)
{
    for (s++; *s; s++) {
	if (*s == '\\' && s[1])
	    s++;
	else if (*s == '/')
	    return (s);
    }
    return (0);
}

int     pattern_is_key(const char *key)
{
    const char *at = strrchr(key, '@');

    return (key[0] == '/' && (at == 0 || strchr(at, '/') != 0));
}

size_t  pattern_key_length(const char *line)
{
    const char *close;

    if (line[0] != '/' || (close = closing_slash(line)) == 0)
	return (0);
    return (close + 1 + strcspn(close + 1, " \t") - line);
}

static const FLAG *find_flag(char letter)
{
    const FLAG *f;

    for (f = flags; f < flags + NFLAGS; f++)
	if (f->letter == letter)
	    return (f);
    return (0);
}

int     pattern_parse_key(const char *key, PATTERN_REGEX *re, char *why,
		                  size_t len)
{
    const char *close, *s;
    const FLAG *f;

    if (key[0] != '/' || (close = closing_slash(key)) == 0) {
	snprintf(why, len, "pattern %s has no closing /", key);
	return (-1);
    }
    re->text = key + 1;
    re->len = close - key - 1;
    re->options = COMPILE_OPTIONS;
    for (s = close + 1; *s; s++) {
	if ((f = find_flag(*s)) == 0) {
	    snprintf(why, len, "pattern %s: unknown flag %c (only i)", key, *s);
	    return (-1);
	}
	re->options |= f->option;
    }
    return (0);
}

/* Compile KEY's regex; on error WHY is "column N: PCRE2's message". */
pcre2_code *pattern_compile_key(const char *key, char *why, size_t len)
{
    PATTERN_REGEX re;
    pcre2_code *code;
    PCRE2_SIZE offset;
    PCRE2_UCHAR message[256];
    int     error;

    if (pattern_parse_key(key, &re, why, len) < 0)
	return (0);
    code = pcre2_compile((PCRE2_SPTR) re.text, re.len, re.options, &error,
			 &offset, 0);
    if (code == 0) {
	if (pcre2_get_error_message(error, message, sizeof(message)) < 0)
	    snprintf((char *) message, sizeof(message), "error %d", error);
	snprintf(why, len, "column %zu: %s", (size_t) offset + 1, message);
    }
    return (code);
}

/* $ references in values. */

#define REF_DOLLAR	(-1)		/* "$$" */
#define REF_BAD		(-2)		/* not a reference */

/*
 * The reference at S (which points at "$"): a group number, REF_DOLLAR
 * or REF_BAD; *SKIP is its length. A name not in CODE gives REF_BAD.
 */
static int parse_ref(const pcre2_code *code, const char *s, size_t *skip)
{
    char    name[PATTERN_NAME_MAX + 1];
    const char *close;
    size_t  n;
    int     group;

    *skip = 1;
    if (s[1] == '$') {
	*skip = 2;
	return (REF_DOLLAR);
    }
    if (s[1] >= '1' && s[1] <= '9') {
	*skip = 2;
	return (s[1] - '0');
    }
    if (s[1] != '{' || (close = strchr(s + 2, '}')) == 0
	|| (n = close - s - 2) == 0 || n > PATTERN_NAME_MAX)
	return (REF_BAD);
    memcpy(name, s + 2, n);
    name[n] = 0;
    *skip = n + 3;
    if (strspn(name, "0123456789") == n)
	return (atoi(name));
    group = pcre2_substring_number_from_name(code, (PCRE2_SPTR) name);
    return (group > 0 ? group : REF_BAD);
}

uint32_t pattern_capture_count(const pcre2_code *code)
{
    uint32_t n = 0;

    (void) pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
    return (n);
}

/* Every $ of VALUE must name a group of CODE; -1 with WHY if not. */
int     pattern_check_refs(const pcre2_code *code, const char *value,
		                   char *why, size_t len)
{
    uint32_t groups = pattern_capture_count(code);
    const char *s;
    size_t  skip;
    int     ref;

    for (s = strchr(value, '$'); s; s = strchr(s + skip, '$')) {
	if ((ref = parse_ref(code, s, &skip)) == REF_BAD) {
	    if (s[1] == '{' && strchr(s, '}'))
		snprintf(why, len, "%.*s: the pattern has no group of that name",
			 (int) (strchr(s, '}') - s + 1), s);
	    else
		snprintf(why, len, "%.2s: $ must be followed by 1-9, {name} or $ "
			 "(write $$ for a $)", s);
	    return (-1);
	}
	if (ref > 0 && (uint32_t) ref > groups) {
	    snprintf(why, len, "$%d: the pattern has %u group%s", ref, groups,
		     groups == 1 ? "" : "s");
	    return (-1);
	}
    }
    return (0);
}

/* Output of pattern_expand(): counted on the first pass, written on the second. */
typedef struct SINK {
    char   *out;
    size_t  n;
} SINK;

static void put(SINK *k, const char *s, size_t len)
{
    if (k->out)
	memcpy(k->out + k->n, s, len);
    k->n += len;
}

/*
 * VALUE with every reference replaced: by capture N of the match in MD
 * (empty when the group did not take part), or by "x" when MD is null.
 * A "%" becomes "%%" when ESCAPE_PERCENT (for vut_check_value()).
 * Returns a malloc()ed string, or null when out of memory.
 */
char   *pattern_expand(const pcre2_code *code, const char *value,
		               pcre2_match_data *md, const char *subject,
		               int escape_percent)
{
    PCRE2_SIZE *ov = md ? pcre2_get_ovector_pointer(md) : 0;
    uint32_t pairs = md ? pcre2_get_ovector_count(md) : 0;
    SINK    k = {0, 0};
    const char *s;
    size_t  skip;
    int     ref;

    for (;;) {
	for (k.n = 0, s = value; *s; s += skip) {
	    if (*s == '$' && (ref = parse_ref(code, s, &skip)) != REF_BAD) {
		if (ref == REF_DOLLAR)
		    put(&k, "$", 1);
		else if (md == 0)
		    put(&k, "x", 1);
		else if ((uint32_t) ref < pairs && ov[2 * ref] != PCRE2_UNSET)
		    put(&k, subject + ov[2 * ref], ov[2 * ref + 1] - ov[2 * ref]);
	    } else if (*s == '%' && escape_percent) {
		skip = 1;
		put(&k, "%%", 2);
	    } else {
		skip = 1;
		put(&k, s, 1);
	    }
	}
	if (k.out) {
	    k.out[k.n] = 0;
	    return (k.out);
	}
	if ((k.out = malloc(k.n + 1)) == 0)
	    return (0);
    }
}

int     pattern_check(const char *key, const char *value, char *why,
		              size_t whylen, const char **warn)
{
    pcre2_code *code;
    char   *probe, refwhy[256];
    const char *problem;
    int     r = 0;

    *warn = 0;
    if ((code = pattern_compile_key(key, why, whylen)) == 0)
	return (-1);
    if (pattern_check_refs(code, value, refwhy, sizeof(refwhy)) < 0) {
	snprintf(why, whylen, "value %s: %s", value, refwhy);
	pcre2_code_free(code);
	return (-1);
    }
    if ((probe = pattern_expand(code, value, 0, 0, 1)) == 0) {
	snprintf(why, whylen, "out of memory");
	r = -1;
    } else if ((problem = vut_check_value(probe, warn)) != 0) {
	snprintf(why, whylen, "value %s: %s", value, problem);
	r = -1;
    }
    free(probe);
    pcre2_code_free(code);
    return (r);
}

/* The stored form. */

char   *pattern_store_value(unsigned seq, const char *value)
{
    size_t  len = PATTERN_SEQ_WIDTH + 1 + strlen(value) + 1;
    char   *stored;

    if (seq < 1 || seq > PATTERN_MAX || (stored = malloc(len)) == 0)
	return (0);
    snprintf(stored, len, "%0*u %s", PATTERN_SEQ_WIDTH, seq, value);
    return (stored);
}

int     pattern_parse_stored(const char *stored, unsigned *seq,
			             const char **value)
{
    if (strspn(stored, "0123456789") != PATTERN_SEQ_WIDTH
	|| stored[PATTERN_SEQ_WIDTH] != ' ')
	return (-1);
    *seq = (unsigned) strtoul(stored, 0, 10);
    *value = stored + PATTERN_SEQ_WIDTH + 1;
    return (*seq >= 1 ? 0 : -1);
}
