/*
 * patternset.c - the compiled pattern entries of one table or map.
 *
 * Exports pattern_set_create(), _add(), _finish(), _count(), _key(),
 * _value(), _regex(), _limits(), _match(), _test() and _free(). A set is
 * compiled once (with JIT where the library has it) and then only read,
 * so matches may come from several threads; each match has its own
 * match data and is bounded by a match, depth and heap limit. Cheap
 * tests computed at load skip most patterns without running them: a
 * pattern that ends in a literal suffix such as "@lima\.example\.org$"
 * is filed under that domain and never tried for addresses elsewhere;
 * an anchored one whose first character PCRE2 knows is skipped for
 * addresses that start otherwise; and one whose shortest match is
 * longer than the address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "addr.h"
#include "htable.h"
#include "pattern.h"
#include "pattern_impl.h"

typedef struct PATTERN {
    char   *key;			/* "/REGEX/FLAGS" as written */
    char   *value;			/* without the sequence number */
    unsigned seq;
    size_t  added;			/* order of pattern_set_add() calls */
    pcre2_code *code;
    char   *suffix;			/* literal the address must end in */
    size_t  suffix_len;
    size_t  min_len;			/* of any match */
    int     has_first;			/* an address must start in first[] */
    unsigned char first[32];		/* bitmap of possible first bytes */
} PATTERN;

/* Numbers of the patterns that can match in one domain, ascending. */
typedef struct BUCKET {
    size_t *index;
    size_t  count, cap;
} BUCKET;

struct PATTERN_SET {
    PATTERN *patterns;
    size_t  count, cap;
    pcre2_match_context *mctx;
    uint32_t max_pairs;			/* ovector pairs the largest needs */
    HTABLE *by_domain;			/* folded domain -> BUCKET * */
    BUCKET  any;			/* patterns with no domain of their own */
};

/* Building a set. */

PATTERN_SET *pattern_set_create(void)
{
    PATTERN_SET *set = calloc(1, sizeof(*set));

    if (set == 0)
	return (0);
    if ((set->mctx = pcre2_match_context_create(0)) == 0) {
	free(set);
	return (0);
    }
    pattern_set_limits(set, PATTERN_MATCH_LIMIT, PATTERN_DEPTH_LIMIT);
    pcre2_set_heap_limit(set->mctx, PATTERN_HEAP_LIMIT);
    set->max_pairs = 1;
    return (set);
}

void    pattern_set_limits(PATTERN_SET *set, uint32_t match_limit,
			           uint32_t depth_limit)
{
    pcre2_set_match_limit(set->mctx, match_limit);
    pcre2_set_depth_limit(set->mctx, depth_limit);
}

int     pattern_set_add(PATTERN_SET *set, const char *key, const char *value,
			        unsigned seq)
{
    PATTERN *grown, *p;

    if (set->count == set->cap) {
	set->cap = set->cap ? 2 * set->cap : 16;
	if ((grown = realloc(set->patterns, set->cap * sizeof(*grown))) == 0)
	    return (-1);
	set->patterns = grown;
    }
    p = set->patterns + set->count;
    memset(p, 0, sizeof(*p));
    if ((p->key = strdup(key)) == 0 || (p->value = strdup(value)) == 0) {
	free(p->key);
	return (-1);
    }
    p->seq = seq;
    p->added = set->count++;
    return (0);
}

static int by_seq(const void *a, const void *b)
{
    const PATTERN *x = a, *y = b;

    if (x->seq != y->seq)
	return (x->seq < y->seq ? -1 : 1);
    return (x->added < y->added ? -1 : x->added > y->added);
}

/* Does the "(?" at S set the x (extended) option, where blanks vanish? */
static int sets_extended(const char *s, const char *end)
{
    size_t  n;

    for (s += 2, n = 0; s + n < end && strchr("abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ^-", s[n]); n++)
	 /* void */ ;
    return (s + n < end && (s[n] == ')' || s[n] == ':') && memchr(s, 'x', n) != 0);
}

/*
 * The literal text every match of RE must end with, or null: the run of
 * literal characters just before a final $, \z or \Z, folded. Anything
 * this scan does not fully understand (alternation, (* verbs, the x
 * option, \Q...\E, escapes with arguments such as \x41, POSIX classes)
 * gives null: the pattern is then always tried.
 */
static char *required_suffix(const PATTERN_REGEX *re)
{
    char    run[ADDR_MAX + 1], suffix[ADDR_MAX + 1];
    const char *s = re->text, *end = re->text + re->len;
    size_t  n = 0;
    int     anchored = 0;
    unsigned char c;

    suffix[0] = 0;
    for (; s < end; s++) {
	c = *s;
	anchored = 0;
	if (c == '\\' && s + 1 < end) {
	    c = *++s;
	    if (strchr("QExocgkpPNu0123456789", c))
		return (0);			/* quoting, or an escape with arguments */
	    if (c == 'z' || c == 'Z') {
		memcpy(suffix, run, n);
		suffix[n] = 0;
		anchored = 1;
		n = 0;
		continue;
	    }
	    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		|| (c >= '0' && c <= '9')) {
		n = 0;			/* a class, an assertion, a reference */
		continue;
	    }
	} else if (c == '|' || (c == '(' && s + 1 < end && s[1] == '*')
		   || (c == '(' && s + 1 < end && s[1] == '?' && sets_extended(s, end))) {
	    return (0);
	} else if (c == '[') {
	    for (s++, s += (s < end && *s == '^'), s += (s < end && *s == ']');
		 s < end && *s != ']'; s++) {
		if (*s == '[' && s + 1 < end && s[1] == ':')
		    return (0);
		if (*s == '\\')
		    s++;
	    }
	    n = 0;
	    continue;
	} else if (c == '$') {
	    memcpy(suffix, run, n);
	    suffix[n] = 0;
	    anchored = 1;
	    n = 0;
	    continue;
	} else if (strchr("().^*+?{}]", c) || c < 0x20 || c >= 0x7f) {
	    n = 0;
	    continue;
	}
	if (n < sizeof(run) - 1)
	    run[n++] = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
	else
	    return (0);
    }
    return (anchored && suffix[0] ? strdup(suffix) : 0);
}

static int bucket_add(BUCKET *b, size_t index)
{
    size_t *grown;

    if (b->count == b->cap) {
	b->cap = b->cap ? 2 * b->cap : 4;
	if ((grown = realloc(b->index, b->cap * sizeof(*grown))) == 0)
	    return (-1);
	b->index = grown;
    }
    b->index[b->count++] = index;
    return (0);
}

/* File pattern I under the domain its suffix names, or under "any". */
static int file_pattern(PATTERN_SET *set, size_t i)
{
    const PATTERN *p = set->patterns + i;
    const char *at = p->suffix ? strrchr(p->suffix, '@') : 0;
    BUCKET *b;

    if (at == 0 || at[1] == 0)
	return (bucket_add(&set->any, i));
    if ((b = htable_find(set->by_domain, at + 1)) == 0) {
	if ((b = calloc(1, sizeof(*b))) == 0)
	    return (-1);
	if (htable_insert(set->by_domain, at + 1, b) == HTABLE_NOMEM) {
	    free(b);
	    return (-1);
	}
    }
    return (bucket_add(b, i));
}

/* What an anchored pattern's match must start with, as PCRE2 found. */
static void note_first(PATTERN *p)
{
    uint32_t options = 0, type = 0, unit = 0;
    const uint8_t *bitmap = 0;

    (void) pcre2_pattern_info(p->code, PCRE2_INFO_ALLOPTIONS, &options);
    if (!(options & PCRE2_ANCHORED))
	return;
    (void) pcre2_pattern_info(p->code, PCRE2_INFO_FIRSTCODETYPE, &type);
    if (type == 1) {
	(void) pcre2_pattern_info(p->code, PCRE2_INFO_FIRSTCODEUNIT, &unit);
	if (unit > 0xff)
	    return;
	p->first[unit >> 3] |= 1 << (unit & 7);
	unit ^= ((unit | 0x20) >= 'a' && (unit | 0x20) <= 'z') ? 0x20 : 0;
	p->first[unit >> 3] |= 1 << (unit & 7);	/* either case: (?i) */
	p->has_first = 1;
    } else if (pcre2_pattern_info(p->code, PCRE2_INFO_FIRSTBITMAP, &bitmap) == 0
	       && bitmap) {
	memcpy(p->first, bitmap, sizeof(p->first));
	p->has_first = 1;
    }
}

/* Compile pattern P and note what it needs; -1 with ERR. */
static int prepare(PATTERN_SET *set, PATTERN *p, char *err, size_t errlen)
{
    char    why[512];
    PATTERN_REGEX re;
    uint32_t pairs;

    if ((p->code = pattern_compile_key(p->key, why, sizeof(why))) == 0) {
	snprintf(err, errlen, "pattern %s: %s", p->key, why);
	return (-1);
    }
    (void) pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE);	/* if it can */
    if (pattern_check_refs(p->code, p->value, why, sizeof(why)) < 0) {
	snprintf(err, errlen, "pattern %s: value %s: %s", p->key, p->value, why);
	return (-1);
    }
    if ((pairs = pattern_capture_count(p->code) + 1) > set->max_pairs)
	set->max_pairs = pairs;
    (void) pattern_parse_key(p->key, &re, why, sizeof(why));
    if ((p->suffix = required_suffix(&re)) != 0)
	p->suffix_len = strlen(p->suffix);
    (void) pcre2_pattern_info(p->code, PCRE2_INFO_MINLENGTH, &p->min_len);
    note_first(p);
    return (0);
}

int     pattern_set_finish(PATTERN_SET *set, char *err, size_t errlen)
{
    size_t  i;

    if (set->count > 1)
	qsort(set->patterns, set->count, sizeof(*set->patterns), by_seq);
    if ((set->by_domain = htable_create(16)) == 0)
	goto nomem;
    for (i = 0; i < set->count; i++) {
	if (i > 0 && set->patterns[i].seq == set->patterns[i - 1].seq) {
	    snprintf(err, errlen, "patterns %s and %s have the same number %u",
		     set->patterns[i - 1].key, set->patterns[i].key,
		     set->patterns[i].seq);
	    return (-1);
	}
	if (prepare(set, set->patterns + i, err, errlen) < 0)
	    return (-1);
	if (file_pattern(set, i) < 0)
	    goto nomem;
    }
    return (0);

nomem:
    snprintf(err, errlen, "out of memory");
    return (-1);
}

size_t  pattern_set_count(const PATTERN_SET *set)
{
    return (set->count);
}

const char *pattern_set_key(const PATTERN_SET *set, size_t i)
{
    return (set->patterns[i].key);
}

const char *pattern_set_value(const PATTERN_SET *set, size_t i)
{
    return (set->patterns[i].value);
}

/* Matching. */

/* The patterns for ADDRESS's domain, merged with "any" in file order. */
typedef struct CANDIDATES {
    const BUCKET *any, *domain;
    size_t  i, j;
} CANDIDATES;

static void candidates_init(const PATTERN_SET *set, const char *address,
			            CANDIDATES *c)
{
    char    domain[ADDR_MAX_DOMAIN + 1];
    const char *at = strrchr(address, '@');

    c->any = &set->any;
    c->domain = 0;
    c->i = c->j = 0;
    if (at && strlen(at + 1) < sizeof(domain) && htable_count(set->by_domain)) {
	addr_fold(domain, at + 1);
	c->domain = htable_find(set->by_domain, domain);
    }
}

static int candidates_next(CANDIDATES *c, size_t *index)
{
    int     from_any;

    if (c->i < c->any->count && c->domain && c->j < c->domain->count)
	from_any = c->any->index[c->i] < c->domain->index[c->j];
    else if (c->i < c->any->count)
	from_any = 1;
    else if (c->domain && c->j < c->domain->count)
	from_any = 0;
    else
	return (0);
    *index = from_any ? c->any->index[c->i++] : c->domain->index[c->j++];
    return (1);
}

/* Can P match ADDRESS (LEN bytes) at all, by the tests made at load? */
static int may_match(const PATTERN *p, const char *address, size_t len)
{
    unsigned char c = address[0];

    if (len < p->min_len)
	return (0);
    if (p->has_first && !(p->first[c >> 3] & (1 << (c & 7))))
	return (0);
    return (p->suffix == 0 || (len >= p->suffix_len
		  && strcasecmp(address + len - p->suffix_len, p->suffix) == 0));
}

/* Append ", LABEL=CAPTURE" (" (" before the FIRST) to TRACE at *N. */
static void trace_capture(char *trace, size_t len, size_t *n, int first,
			          const char *label, const PCRE2_SIZE *ov,
			          uint32_t group, const char *subject)
{
    int     set = ov[2 * group] != PCRE2_UNSET;

    if (*n < len)
	*n += snprintf(trace + *n, len - *n, "%s%s=%.*s",
		       first ? " (" : ", ", label,
		       set ? (int) (ov[2 * group + 1] - ov[2 * group]) : 0,
		       set ? subject + ov[2 * group] : "");
}

/* "pattern KEY matches ($1=.., ${name}=..)" into TRACE. */
static void trace_match(const PATTERN *p, pcre2_match_data *md,
			        const char *subject, char *trace, size_t len)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t groups = pattern_capture_count(p->code), names = 0, size = 0, g;
    PCRE2_SPTR entry = 0;
    char    label[PATTERN_NAME_MAX + 4];
    size_t  n;

    n = snprintf(trace, len, "pattern %s matches", p->key);
    for (g = 1; g <= groups; g++) {
	snprintf(label, sizeof(label), "$%u", g);
	trace_capture(trace, len, &n, g == 1, label, ov, g, subject);
    }
    (void) pcre2_pattern_info(p->code, PCRE2_INFO_NAMECOUNT, &names);
    (void) pcre2_pattern_info(p->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
    (void) pcre2_pattern_info(p->code, PCRE2_INFO_NAMETABLE, &entry);
    for (g = 0; g < names; g++, entry += size) {
	snprintf(label, sizeof(label), "${%s}", (const char *) entry + 2);
	trace_capture(trace, len, &n, 0, label, ov, entry[0] << 8 | entry[1],
		      subject);
    }
    if (groups && n < len)
	snprintf(trace + n, len - n, ")");
}

/*
 * ADDRESS (LEN bytes) followed by PATTERN_SUBJECT_PAD zero bytes, in BUF when it
 * fits: JIT's vector scans read past the end of a subject, and bytes
 * there must at least be initialised (valgrind watches).
 */
static const char *padded(const char *address, size_t len, char *buf, size_t size)
{
    if (len + PATTERN_SUBJECT_PAD >= size)
	return (address);
    memcpy(buf, address, len);
    memset(buf + len, 0, PATTERN_SUBJECT_PAD);
    return (buf);
}

static int match_failed(const PATTERN *p, int rc, char **value)
{
    PCRE2_UCHAR message[256];
    char    why[1024];

    if (pcre2_get_error_message(rc, message, sizeof(message)) < 0)
	snprintf((char *) message, sizeof(message), "error %d", rc);
    snprintf(why, sizeof(why), "pattern %s: %s", p->key, message);
    *value = strdup(why);
    return (-1);
}

int     pattern_set_match(const PATTERN_SET *set, const char *address,
			          char **value, char *trace, size_t tracelen)
{
    pcre2_match_data *md = 0;
    CANDIDATES c;
    const PATTERN *p;
    const char *subject = 0;
    char    buf[ADDR_MAX + 1 + PATTERN_SUBJECT_PAD];
    size_t  len = strlen(address), index, tried = 0;
    int     rc;

    *value = 0;
    if (trace)
	trace[0] = 0;
    if (set == 0 || set->count == 0)
	return (0);
    for (candidates_init(set, address, &c); candidates_next(&c, &index);) {
	p = set->patterns + index;
	if (!may_match(p, address, len))
	    continue;
	if (md == 0) {
	    if ((md = pcre2_match_data_create(set->max_pairs, 0)) == 0) {
		*value = strdup("out of memory");
		return (-1);
	    }
	    subject = padded(address, len, buf, sizeof(buf));
	}
	tried++;
	rc = pcre2_match(p->code, (PCRE2_SPTR) subject, len, 0, 0, md, set->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
	    continue;
	if (rc < 0) {
	    pcre2_match_data_free(md);
	    return (match_failed(p, rc, value));
	}
	if (trace)
	    trace_match(p, md, address, trace, tracelen);
	*value = pattern_expand(p->code, p->value, md, address, 0);
	pcre2_match_data_free(md);
	return (*value ? 1 : match_failed(p, PCRE2_ERROR_NOMEMORY, value));
    }
    pcre2_match_data_free(md);
    if (trace)
	snprintf(trace, tracelen, "no pattern matches (%zu of %zu tried)",
		 tried, set->count);
    return (0);
}

int     pattern_set_regex(const PATTERN_SET *set, size_t i, const char **text,
			          size_t *len)
{
    char    why[256];
    PATTERN_REGEX re;

    if (pattern_parse_key(set->patterns[i].key, &re, why, sizeof(why)) < 0)
	return (-1);
    *text = re.text;
    *len = re.len;
    return (0);
}

int     pattern_set_test(const PATTERN_SET *set, size_t i, const char *address)
{
    const PATTERN *p = set->patterns + i;
    pcre2_match_data *md;
    char    subject[ADDR_MAX + 1 + PATTERN_SUBJECT_PAD];
    size_t  len = strlen(address);
    int     rc;

    if (len > ADDR_MAX
	|| (md = pcre2_match_data_create(set->max_pairs, 0)) == 0)
	return (-1);
    rc = pcre2_match(p->code, (PCRE2_SPTR) padded(address, len, subject,
		     sizeof(subject)), len, 0, 0, md, set->mctx);
    pcre2_match_data_free(md);
    return (rc > 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1);
}

static void free_bucket(void *ctx, const char *key, void *value)
{
    BUCKET *b = value;

    (void) ctx;
    (void) key;
    free(b->index);
    free(b);
}

void    pattern_set_free(PATTERN_SET *set)
{
    size_t  i;

    if (set == 0)
	return;
    if (set->by_domain) {
	htable_walk(set->by_domain, free_bucket, 0);
	htable_free(set->by_domain);
    }
    for (i = 0; i < set->count; i++) {
	pcre2_code_free(set->patterns[i].code);
	free(set->patterns[i].key);
	free(set->patterns[i].value);
	free(set->patterns[i].suffix);
    }
    free(set->patterns);
    free(set->any.index);
    pcre2_match_context_free(set->mctx);
    free(set);
}
