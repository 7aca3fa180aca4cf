/*
 * vut.c - resolve a recipient the way sendmail's virtusertable does.
 *
 * Exports vut_init(), vut_resolve() and vut_result_free(), and for the
 * table readers, which apply the same rules, vut_check_key(),
 * vut_check_value() and vut_next_member() (a value's list members). For one
 * address the steps of table steps[] are tried in order, each in every
 * source in turn: sendmail's seven keys, with the sources' pattern
 * entries between the user-specific keys and the domain-wide ones. The
 * first key found or pattern matched wins. Its value, after %n (for a
 * pattern, $n) substitution, is an error: reply, a local name, or one or
 * more addresses, each resolved again until no key applies, a loop shows (a
 * value equal to its input is one, as in sendmail), or more than max_hops
 * rewrites would be needed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "addr.h"
#include "vut.h"

/* The lookup steps; maptool(8), "Lookup order", says them in prose. */
typedef enum { KEY_NONE, KEY_LOCAL, KEY_USER } KEY_USER_PART;
typedef enum { WHEN_ALWAYS, WHEN_PLUS, WHEN_DETAIL } LOOKUP_WHEN;

struct STATE;
struct PARTS;

typedef struct LOOKUP_STEP {
    /* 1 found (value in OUT), 0 not, -1 error (set in the result). */
    int     (*try) (struct STATE *st, const struct LOOKUP_STEP *step,
		            const struct PARTS *p, char *out, size_t len);
    KEY_USER_PART user;			/* what precedes the suffix */
    const char *suffix;			/* "++", "+*" or "" */
    LOOKUP_WHEN when;			/* when the step is tried */
    int     whole;			/* %1 is the whole local part */
} LOOKUP_STEP;

static int try_key(struct STATE *, const LOOKUP_STEP *, const struct PARTS *,
		           char *, size_t);
static int try_patterns(struct STATE *, const LOOKUP_STEP *,
			        const struct PARTS *, char *, size_t);

/*
 * Sendmail's seven keys, and the pattern entries (/REGEX/, which match
 * any domain) between the user-specific keys and the domain-wide ones.
 */
static const LOOKUP_STEP steps[] = {
    {try_key, KEY_LOCAL, "", WHEN_ALWAYS, 1},	/* 1 local@domain */
    {try_key, KEY_USER, "++", WHEN_DETAIL, 0},	/* 2 user++@domain */
    {try_key, KEY_USER, "+*", WHEN_PLUS, 0},	/* 3 user+*@domain */
    {try_key, KEY_USER, "", WHEN_PLUS, 0},	/* 4 user@domain */
    {try_patterns, KEY_NONE, "", WHEN_ALWAYS, 0},	/* patterns, in order */
    {try_key, KEY_NONE, "++", WHEN_DETAIL, 0},	/* 5 ++@domain */
    {try_key, KEY_NONE, "+*", WHEN_PLUS, 0},	/* 6 +*@domain */
    {try_key, KEY_NONE, "", WHEN_ALWAYS, 0},	/* 7 @domain */
};

#define NSTEPS	(sizeof(steps) / sizeof(steps[0]))
#define NBIND	10			/* %0 .. %9 */
#define VALUE_MAX	4096

/* An address split for lookup. */
typedef struct PARTS {
    ADDR    addr;
    char    formatted[ADDR_MAX + 1];	/* local@domain as written */
    int     served;			/* a source may hold keys for it */
    char    bare[ADDR_MAX_LOCAL + 1];	/* local part without quotes */
    char    user[ADDR_MAX_LOCAL + 1];	/* local part up to the first + */
    char    detail[ADDR_MAX_LOCAL + 1];	/* after the first + */
    char    plus_detail[ADDR_MAX_LOCAL + 2];	/* "+detail" */
    int     has_plus;
} PARTS;

/* One resolution in progress. */
typedef struct STATE {
    const VUT *vut;
    VUT_RESULT *res;
    char  **chain;			/* folded addresses, outermost first */
    int     depth;
    int     matched;			/* entries that applied */
    int     rejected;			/* a member ended in error: */
    REPLY   first_reject;
    size_t  resolved;			/* addresses resolved so far */
} STATE;

static void trace(const STATE *st, const char *fmt,...)
{
    char    buf[VALUE_MAX + 256];
    va_list ap;

    if (st->vut->trace == 0)
	return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    st->vut->trace(st->vut->trace_ctx, buf);
}

void    vut_init(VUT *vut, const VUT_SOURCE *sources, size_t nsources)
{
    memset(vut, 0, sizeof(*vut));
    vut->sources = sources;
    vut->nsources = nsources;
    vut->max_hops = VUT_MAX_HOPS;
    vut->max_rcpt = VUT_MAX_RCPT;
}

void    vut_result_free(VUT_RESULT *res)
{
    size_t  i;

    for (i = 0; i < res->nrcpt; i++)
	free(res->rcpt[i]);
    free(res->rcpt);
    res->rcpt = 0;
    res->nrcpt = 0;
}

static VUT_STATUS set_reject(STATE *st, const REPLY *reply)
{
    vut_result_free(st->res);
    st->res->status = VUT_REJECT;
    st->res->reply = *reply;
    return (VUT_REJECT);
}

static VUT_STATUS set_error(STATE *st, const char *why)
{
    vut_result_free(st->res);
    st->res->status = VUT_ERROR;
    snprintf(st->res->why, sizeof(st->res->why), "%s", why);
    reply_set(&st->res->reply, "451", "4.3.0",
	      "Temporary lookup failure, try again later");
    return (VUT_ERROR);
}

/*
 * Split the local part at its first + after the first character, as
 * sendmail's rules do: the user part is never empty, so a leading + is
 * the user's ("+x+y" is user "+x", detail "y"; "++" is user "+", detail
 * ""), and "+x" or "+" is not split at all. A local part with quotes is
 * not split either (a quoted string is one token to sendmail). Keys are
 * looked up without the quotes; %1 keeps them.
 */
static void split_local(PARTS *p)
{
    const char *local = p->addr.local;
    const char *plus = local[0] ? strchr(local + 1, '+') : 0;

    addr_unquote(p->bare, local);
    p->has_plus = (plus != 0 && strchr(local, '"') == 0);
    if (p->has_plus) {
	memcpy(p->user, local, plus - local);
	p->user[plus - local] = 0;
	strcpy(p->detail, plus + 1);
	strcpy(p->plus_detail, plus);
    } else {
	strcpy(p->user, local);
	p->detail[0] = p->plus_detail[0] = 0;
    }
}

static int step_applies(const LOOKUP_STEP *step, const PARTS *p)
{
    switch (step->when) {
    case WHEN_ALWAYS:
	return (1);
    case WHEN_PLUS:
	return (p->has_plus);
    case WHEN_DETAIL:
	return (p->detail[0] != 0);
    }
    return (0);
}

/* The key of STEP for P in the sender's case (%0), and folded (KEY). */
static void step_key(const LOOKUP_STEP *step, const PARTS *p, char *raw,
		             char *key, size_t len)
{
    const char *user = step->user == KEY_LOCAL ? p->bare :
    step->user == KEY_USER ? p->user : "";

    snprintf(raw, len, "%s%s@%s", user, step->suffix, p->addr.domain);
    addr_fold(key, raw);
}

/* Try KEY in every source; 1 found, 0 absent, -1 error (reason in VALUE). */
static int lookup_key(const STATE *st, const char *key, char **value)
{
    size_t  i;
    int     r;

    for (i = 0; i < st->vut->nsources; i++) {
	*value = 0;
	if ((r = st->vut->sources[i].lookup(st->vut->sources[i].ctx, key, value)) != 0) {
	    trace(st, "  key %s: %s in %s", key, r > 0 ? *value : "ERROR",
		  st->vut->sources[i].name);
	    return (r);
	}
    }
    trace(st, "  key %s: not found", key);
    return (0);
}

/* Expand %0-%9 and %% in VALUE; -1 when the result is too long. */
static int substitute(const char *value, const char *const bind[NBIND],
		              char *out, size_t len)
{
    size_t  n = 0, l;
    const char *s, *v;

    for (s = value; *s; s++) {
	if (s[0] == '%' && s[1] >= '0' && s[1] <= '9') {
	    v = bind[s[1] - '0'];
	    s++;
	} else if (s[0] == '%' && s[1] == '%') {
	    v = "%";
	    s++;
	} else {
	    if (n + 1 >= len)
		return (-1);
	    out[n++] = *s;
	    continue;
	}
	if ((l = strlen(v)) + n >= len)
	    return (-1);
	memcpy(out + n, v, l);
	n += l;
    }
    out[n] = 0;
    return (0);
}

/*
 * Can any source hold a key for DOMAIN? Saves lookups bound to miss.
 * Patterns are bound to no domain: find_entry() tries them regardless.
 */
static int domain_served(const STATE *st, const char *domain)
{
    char    folded[ADDR_MAX_DOMAIN + 1];
    const VUT_SOURCE *src;

    addr_fold(folded, domain);
    for (src = st->vut->sources; src < st->vut->sources + st->vut->nsources; src++)
	if (src->serves == 0 || src->serves(src->ctx, folded))
	    return (1);
    trace(st, "  domain %s: in no map", folded);
    return (0);
}

/* Does any source have pattern entries? They apply to every domain. */
static int have_patterns(const STATE *st)
{
    const VUT_SOURCE *src;

    for (src = st->vut->sources; src < st->vut->sources + st->vut->nsources; src++)
	if (src->match)
	    return (1);
    return (0);
}

/* A key step: the key built for P, looked up in every source. */
static int try_key(STATE *st, const LOOKUP_STEP *step, const PARTS *p,
		           char *out, size_t len)
{
    char    key[ADDR_MAX + 8], raw[ADDR_MAX + 8];
    const char *bind[NBIND];
    char   *value;
    int     r, i;

    if (!p->served)
	return (0);
    step_key(step, p, raw, key, sizeof(key));
    if ((r = lookup_key(st, key, &value)) == 0)
	return (0);
    if (r < 0) {
	set_error(st, value ? value : "map lookup failed");
	free(value);
	return (-1);
    }
    for (i = 0; i < NBIND; i++)
	bind[i] = "";
    bind[0] = raw;
    bind[1] = step->whole ? p->addr.local : p->user;
    if (!step->whole) {
	bind[2] = p->detail;
	bind[3] = p->plus_detail;
    }
    trace(st, "  match %s (%%1=%s %%2=%s %%3=%s)", key, bind[1], bind[2], bind[3]);
    r = substitute(value, bind, out, len);
    free(value);
    if (r < 0) {
	set_error(st, "value too long after substitution");
	return (-1);
    }
    st->matched += (out[0] != 0);
    return (1);
}

/* The pattern step: every source's patterns against the whole address. */
static int try_patterns(STATE *st, const LOOKUP_STEP *step, const PARTS *p,
			        char *out, size_t len)
{
    const VUT_SOURCE *src;
    char    line[VALUE_MAX], *value;
    int     r;

    (void) step;
    for (src = st->vut->sources; src < st->vut->sources + st->vut->nsources; src++) {
	if (src->match == 0)
	    continue;
	value = 0;
	if (st->vut->trace)
	    line[0] = 0;
	r = src->match(src->ctx, p->formatted, &value,
		       st->vut->trace ? line : 0, sizeof(line));
	if (st->vut->trace && line[0])
	    trace(st, "  %s in %s", line, src->name);
	if (r == 0)
	    continue;
	if (r < 0) {
	    set_error(st, value ? value : "pattern match failed");
	    free(value);
	    return (-1);
	}
	st->matched += (value[0] != 0);
	if (strlen(value) >= len) {
	    free(value);
	    set_error(st, "value too long after substitution");
	    return (-1);
	}
	strcpy(out, value);
	free(value);
	return (1);
    }
    return (0);
}

/*
 * Find the first step that applies; its value goes into OUT. Returns 1
 * found, 0 nothing applies, -1 source error (set in the result).
 */
static int find_entry(STATE *st, PARTS *p, char *out, size_t len)
{
    const LOOKUP_STEP *step;
    int     r;

    if (!(p->served = domain_served(st, p->addr.domain)) && !have_patterns(st))
	return (0);
    for (step = steps; step < steps + NSTEPS; step++)
	if (step_applies(step, p) && (r = step->try(st, step, p, out, len)) != 0)
	    return (r);
    return (0);
}

/*
 * The next comma-separated member at *CURSOR, trimmed of blanks, or null
 * at the end. Commas and blanks inside quotes belong to the member.
 */
char   *vut_next_member(char **cursor)
{
    char   *s = *cursor, *member, *end;
    int     quoted = 0;

    if (s == 0)
	return (0);
    s += strspn(s, " \t");
    for (member = s; *s && (quoted || *s != ','); s++) {
	if (*s == '"')
	    quoted = !quoted;
	else if (quoted && *s == '\\' && s[1])
	    s++;
    }
    *cursor = *s ? s + 1 : 0;
    for (end = s; end > member && (end[-1] == ' ' || end[-1] == '\t');)
	end--;
    *end = 0;
    return (member);
}

/* Table checks. */

static const char *check_domain_part(const char *domain)
{
    size_t  len = strlen(domain);

    if (len == 0)
	return ("empty domain");
    if (domain[len - 1] == '.')
	return ("trailing dot on the domain (lookups drop it: never matches)");
    return (addr_check_domain(domain, len));
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
    size_t  n = strlen(suffix);

    return (len >= n && memcmp(s + len - n, suffix, n) == 0);
}

const char *vut_check_key(const char *key)
{
    const char *at = strrchr(key, '@'), *why;
    size_t  local_len;

    if (at == 0)
	return ("no @ (keys are user@domain, @domain, user+*@domain, "
		"user++@domain, +*@domain or ++@domain)");
    if ((why = check_domain_part(at + 1)) != 0)
	return (why);
    local_len = at - key;
    if (memchr(key, '"', local_len))
	return ("quotes in a key never match (lookups use the unquoted form)");
    if (local_len == 0 || (local_len == 2 && (ends_with(key, 2, "++")
					       || ends_with(key, 2, "+*"))))
	return (0);
    if (ends_with(key, local_len, "++") || ends_with(key, local_len, "+*")) {
	/* local_len > 2 here; a user part may open with + (split_local) */
	if (memchr(key + 1, '+', local_len - 3))
	    return ("user part of a +* or ++ key has a + after its first "
		    "character (never matches)");
	local_len -= 2;
    }
    return (addr_check_local(key, local_len));
}

const char *vut_check_value(const char *value, const char **warn)
{
    REPLY   reply;
    char    probe[VALUE_MAX], *member, *cursor;
    const char *bind[NBIND], *why;
    ADDR    addr;
    size_t  i;

    *warn = 0;
    if (reply_is_error(value)) {
	if (reply_parse(value, &reply, warn) < 0) {
	    why = *warn;
	    *warn = 0;
	    return (why);
	}
	return (0);
    }
    for (i = 0; value[i]; i++)
	if (value[i] == '%' && value[++i] != '%' && (value[i] < '1' || value[i] > '3'))
	    return ("only %1, %2, %3 and %% may follow %");
    if (strpbrk(value, "%, \t") == 0)
	return (addr_parse(value, &addr, &why) < 0 ? why : 0);
    for (i = 0; i < NBIND; i++)
	bind[i] = "x";
    if (substitute(value, bind, probe, sizeof(probe)) < 0)
	return ("value too long");
    for (cursor = probe; (member = vut_next_member(&cursor)) != 0;) {
	if (*member == 0)
	    return ("empty address in value");
	if (addr_parse(member, &addr, &why) < 0)
	    return (why);
    }
    return (0);
}

/* Add ADDRESS to the result once (case-insensitively). */
static VUT_STATUS add_rcpt(STATE *st, const char *address)
{
    VUT_RESULT *res = st->res;
    char  **grown;
    size_t  i;
    REPLY   reply;

    for (i = 0; i < res->nrcpt; i++)
	if (strcasecmp(res->rcpt[i], address) == 0)
	    return (VUT_FORWARD);
    if (res->nrcpt >= st->vut->max_rcpt) {
	reply_set(&reply, "451", "4.4.6",
		  "Mail routing: expansion exceeds %zu recipients", st->vut->max_rcpt);
	return (set_reject(st, &reply));
    }
    if ((grown = realloc(res->rcpt, (res->nrcpt + 1) * sizeof(*grown))) == 0
	|| (grown[res->nrcpt] = strdup(address)) == 0) {
	if (grown)
	    res->rcpt = grown;
	return (set_error(st, "out of memory"));
    }
    res->rcpt = grown;
    res->nrcpt++;
    trace(st, "  result %s", address);
    return (VUT_FORWARD);
}

/* Reject with a 451 4.4.6 naming the chain, ending in NEXT. */
static VUT_STATUS loop_reject(STATE *st, const char *why, const char *next)
{
    REPLY   reply;
    char    chain[REPLY_TEXT_MAX];
    size_t  n = 0;
    int     i;

    chain[0] = 0;
    for (i = 0; i <= st->depth && n < sizeof(chain); i++)
	n += snprintf(chain + n, sizeof(chain) - n, "%s -> ", st->chain[i]);
    if (n < sizeof(chain))
	snprintf(chain + n, sizeof(chain) - n, "%s", next);
    reply_set(&reply, "451", "4.4.6", "Mail routing loop: %s: %s", why, chain);
    trace(st, "  loop: %s", reply.text);
    return (set_reject(st, &reply));
}

static VUT_STATUS resolve_address(STATE *st, const char *address);

/*
 * The reply to a value that is no address, in sendmail's words: a %n
 * that substitutes to nothing can leave the local part empty ("%2@d"
 * without a detail), the domain empty ("%1@%2") or a label of it empty
 * ("%1@%2.d"). Anything else that does not parse, as sendmail answers
 * a value with several addresses.
 */
static void bad_address_reply(const char *address, REPLY *reply)
{
    const char *at = strrchr(address, '@');

    if (at == address)
	reply_set(reply, "553", "5.1.3", "User address required");
    else if (at != 0 && at[1] == 0)
	reply_set(reply, "553", "5.1.3", "Hostname required");
    else if (at != 0 && (at[1] == '.' || strstr(at, "..") != 0))
	reply_set(reply, "553", "5.1.2", "Invalid host name");
    else
	reply_set(reply, "553", "5.1.3", "Invalid route address");
}
static VUT_STATUS resolve_with(STATE *, const char *, char *, size_t);

/* Record an error: member; it rejects only if nothing else results. */
static VUT_STATUS member_rejects(STATE *st, const char *value)
{
    REPLY   reply;
    const char *warn;

    (void) reply_parse(value, &reply, &warn);	/* as sendmail answers */
    trace(st, "  reject %s %s %s", reply.code, reply.enhanced, reply.text);
    if (st->rejected++ == 0)
	st->first_reject = reply;
    return (VUT_FORWARD);
}

static int in_chain(const STATE *st, const char *folded)
{
    int     i;

    for (i = 0; i <= st->depth; i++)
	if (strcmp(st->chain[i], folded) == 0)
	    return (1);
    return (0);
}

/*
 * Resolve one member found at depth st->depth + 1. A list that names the
 * address being expanded keeps it as it is (as Postfix's virtual alias
 * maps do); a lone value equal to its input loops, as in sendmail.
 */
static VUT_STATUS resolve_next(STATE *st, const char *current, const char *member,
			               int in_list)
{
    char    folded[ADDR_MAX + 1];
    VUT_STATUS s;

    snprintf(folded, sizeof(folded), "%s", member);
    addr_fold(folded, folded);
    if (in_list && strcmp(folded, current) == 0)
	return (add_rcpt(st, member));
    if (in_chain(st, folded))
	return (loop_reject(st, "cycle", member));
    if (st->depth + 1 > st->vut->max_hops)
	return (loop_reject(st, "too many hops", member));
    st->chain[++st->depth] = folded;
    s = resolve_address(st, member);
    st->depth--;
    return (s);
}

/*
 * The entry's value lives on the heap, not in this frame: a resolve is
 * recursive, and the milter's short-lived threads must not reach deep
 * enough into their stacks that every new thread faults pages in again.
 */
static VUT_STATUS resolve_address(STATE *st, const char *address)
{
    char   *value;
    VUT_STATUS s;
    REPLY   reply;

    /*
     * Lists whose members are lists again fan out at every hop: bound the
     * work, not only the distinct recipients it ends in.
     */
    if (++st->resolved > VUT_WORK_FACTOR * st->vut->max_rcpt) {
	reply_set(&reply, "451", "4.4.6", "Mail routing: expansion "
		  "resolves more than %zu addresses",
		  VUT_WORK_FACTOR * st->vut->max_rcpt);
	trace(st, "  %s", reply.text);
	return (set_reject(st, &reply));
    }
    if ((value = malloc(VALUE_MAX)) == 0)
	return (set_error(st, "out of memory"));
    s = resolve_with(st, address, value, VALUE_MAX);
    free(value);
    return (s);
}

static VUT_STATUS resolve_with(STATE *st, const char *address, char *value,
			               size_t len)
{
    PARTS   p;
    char   *current = st->chain[st->depth];
    const char *why;
    char   *member, *cursor;
    VUT_STATUS s = VUT_FORWARD;
    REPLY   reply;
    int     r, in_list, members = 0;

    if (addr_parse(address, &p.addr, &why) < 0) {
	trace(st, "  %s: %s", address, why);
	bad_address_reply(address, &reply);
	return (set_reject(st, &reply));
    }
    addr_format(&p.addr, p.formatted, sizeof(p.formatted));
    trace(st, "hop %d: %s", st->depth, p.formatted);
    if (p.addr.domain[0] == 0)
	return (add_rcpt(st, p.formatted));
    split_local(&p);
    if ((r = find_entry(st, &p, value, len)) < 0)
	return (VUT_ERROR);
    if (r == 0)
	return (add_rcpt(st, p.formatted));
    if (*value == 0) {				/* as sendmail: no rewrite */
	trace(st, "  empty value: %s stays as it is", p.formatted);
	return (add_rcpt(st, p.formatted));
    }
    if (reply_is_error(value))
	return (member_rejects(st, value));
    in_list = (strchr(value, ',') != 0);
    for (cursor = value; s == VUT_FORWARD && (member = vut_next_member(&cursor)) != 0;) {
	if (*member) {
	    s = resolve_next(st, current, member, in_list);
	    members++;
	}
    }
    /* A list whose members all substitute to nothing ("%3, %2"). */
    if (members == 0) {
	trace(st, "  %s: the value is empty", p.formatted);
	reply_set(&reply, "553", "5.1.3", "Invalid route address");
	return (set_reject(st, &reply));
    }
    return (s);
}

VUT_STATUS vut_resolve(const VUT *vut, const char *address, VUT_RESULT *res)
{
    STATE   st;
    char   *chain[VUT_HOPS_LIMIT + 1];
    ADDR    addr;
    const char *why;
    char    folded[ADDR_MAX + 1];
    VUT_STATUS s;

    memset(res, 0, sizeof(*res));
    memset(&st, 0, sizeof(st));
    st.vut = vut;
    st.res = res;
    if (addr_parse(address, &addr, &why) < 0) {
	reply_set(&res->reply, "501", "5.1.3", "Bad recipient address syntax: %s", why);
	res->status = VUT_REJECT;
	return (VUT_REJECT);
    }
    if (vut->max_hops < 1 || vut->max_hops > VUT_HOPS_LIMIT)
	return (set_error(&st, "hop limit out of range"));
    st.chain = chain;
    addr_format(&addr, folded, sizeof(folded));
    addr_fold(folded, folded);
    st.chain[0] = folded;
    s = resolve_address(&st, address);
    if (s != VUT_FORWARD)
	return (s);
    if (st.matched == 0) {
	vut_result_free(res);
	return (res->status = VUT_NONE);
    }
    if (res->nrcpt == 0)
	return (set_reject(&st, &st.first_reject));
    res->dropped = st.rejected;
    return (res->status = VUT_FORWARD);
}
