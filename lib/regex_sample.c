/*
 * regex_sample.c - a string a regular expression should match, for probes.
 *
 * Exports regex_sample(), and regex_sample_pattern() for one entry of a
 * PATTERN_SET (the sample, confirmed by matching). A small recursive descent over the text of a
 * PCRE2 regex: alternatives, then atoms each with its quantifier. The
 * first branch of an alternation is taken, lookarounds and option
 * settings emit nothing, a class gives one of its members (a letter or
 * digit when it can). What it does not follow makes it give up; what it
 * follows wrongly is caught by the caller, who matches the result.
 * maptool check uses it to probe pattern entries for routing loops.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "pattern.h"
#include "regex_sample.h"

#define MAX_REPEAT	64		/* the most copies of one atom */
#define MAX_DEPTH	50		/* nested groups */

/* Members are picked in this order, then any other printable. */
static const char preferred[] =
"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ._-+=";

typedef struct GEN {
    const char *s, *end;		/* what is left of the regex */
    char   *out;
    size_t  n, cap;
    int     mute;			/* in a skipped branch or a lookaround */
    int     depth;
    int     bad;
} GEN;

typedef unsigned char CHARSET[256];

static int is_word(int c)
{
    return (isalnum(c) || c == '_');
}

static int is_vspace(int c)
{
    return (c == '\n' || c == '\v' || c == '\f' || c == '\r');
}

/* Escapes that stand for a class: lower case, the class; upper, not. */
typedef struct NAMED_CLASS {
    const char *name;
    int     (*is) (int);
} NAMED_CLASS;

static const NAMED_CLASS escape_classes[] = {
    {"d", isdigit}, {"w", is_word}, {"s", isspace}, {"h", isblank},
    {"v", is_vspace},
};

static const NAMED_CLASS posix_classes[] = {
    {"alpha", isalpha}, {"digit", isdigit}, {"alnum", isalnum},
    {"lower", islower}, {"upper", isupper}, {"xdigit", isxdigit},
    {"space", isspace}, {"blank", isblank}, {"punct", ispunct},
    {"word", is_word}, {"print", isprint}, {"graph", isgraph},
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const NAMED_CLASS *find_class(const NAMED_CLASS *table, size_t n,
				             const char *name, size_t len)
{
    size_t  i;

    for (i = 0; i < n; i++)
	if (strlen(table[i].name) == len && strncmp(table[i].name, name, len) == 0)
	    return (table + i);
    return (0);
}

/* Add the class C (or all but it) to SET. */
static void add_class(CHARSET set, const NAMED_CLASS *c, int negate)
{
    int     i;

    for (i = 1; i < 256; i++)
	if ((c->is(i) != 0) != negate)
	    set[i] = 1;
}

/* The escape class \LETTER, or null. */
static const NAMED_CLASS *escape_class(char letter)
{
    char    lower = tolower((unsigned char) letter);

    return (find_class(escape_classes, NELEM(escape_classes), &lower, 1));
}

static void emit(GEN *g, const char *text, size_t len)
{
    if (g->mute || g->bad)
	return;
    if (g->n + len >= g->cap) {
	g->bad = 1;
	return;
    }
    memcpy(g->out + g->n, text, len);
    g->n += len;
}

/* One member of SET, by preference. */
static void emit_member(GEN *g, const CHARSET set)
{
    const char *p;
    char    c;
    int     i;

    for (p = preferred; *p; p++)
	if (set[(unsigned char) *p]) {
	    emit(g, p, 1);
	    return;
	}
    for (i = 0x21; i < 0x7f; i++)
	if (set[i]) {
	    c = i;
	    emit(g, &c, 1);
	    return;
	}
    g->bad = 1;
}

/* \xhh or \x{hh} after the "x" at G->s; -1 if malformed. */
static int hex_escape(GEN *g)
{
    char   *stop;
    long    v;
    int     braced = (g->s < g->end && *g->s == '{');
    char    digits[8];
    size_t  n = 0;

    g->s += braced;
    while (g->s < g->end && n < (braced ? 6 : 2) && isxdigit((unsigned char) *g->s))
	digits[n++] = *g->s++;
    digits[n] = 0;
    if (braced && (g->s >= g->end || *g->s++ != '}'))
	return (-1);
    v = strtol(digits, &stop, 16);
    return (n == 0 || v < 1 || v > 255 ? -1 : (int) v);
}

/* A character of a class at G->s; -1 after adding a class escape. */
static int class_char(GEN *g, CHARSET set)
{
    const NAMED_CLASS *c;
    char    e;

    if (*g->s != '\\')
	return ((unsigned char) *g->s++);
    if (++g->s >= g->end) {
	g->bad = 1;
	return (-1);
    }
    e = *g->s++;
    if ((c = escape_class(e)) != 0) {
	add_class(set, c, isupper((unsigned char) e));
	return (-1);
    }
    if (e == 'x')
	return (hex_escape(g));
    if (isalnum((unsigned char) e))
	g->bad = 1;
    return ((unsigned char) e);
}

/* [:name:] or [:^name:] at G->s, inside a class. */
static void posix_class(GEN *g, CHARSET set)
{
    const char *name = g->s + 2, *close;
    const NAMED_CLASS *c;
    int     negate = (*name == '^');

    name += negate;
    for (close = name; close + 1 < g->end && !(close[0] == ':' && close[1] == ']');)
	close++;
    if (close + 1 >= g->end
	|| (c = find_class(posix_classes, NELEM(posix_classes), name, close - name)) == 0) {
	g->bad = 1;
	return;
    }
    add_class(set, c, negate);
    g->s = close + 2;
}

/* A class; G->s is just past its "[". */
static void gen_class(GEN *g)
{
    CHARSET set;
    int     negate = 0, first = 1, lo, hi, i;

    memset(set, 0, sizeof(set));
    if (g->s < g->end && *g->s == '^') {
	negate = 1;
	g->s++;
    }
    while (!g->bad && g->s < g->end && (first || *g->s != ']')) {
	first = 0;
	if (*g->s == '[' && g->s + 1 < g->end && g->s[1] == ':') {
	    posix_class(g, set);
	    continue;
	}
	if ((lo = class_char(g, set)) < 0)
	    continue;
	if (g->s + 1 < g->end && g->s[0] == '-' && g->s[1] != ']') {
	    g->s++;
	    if ((hi = class_char(g, set)) < lo) {
		g->bad = 1;
		return;
	    }
	    for (i = lo; i <= hi; i++)
		set[i] = 1;
	} else {
	    set[lo] = 1;
	}
    }
    if (g->bad || g->s >= g->end) {
	g->bad = 1;
	return;
    }
    g->s++;
    if (negate)
	for (i = 1; i < 256; i++)
	    set[i] = !set[i];
    emit_member(g, set);
}

/* An escape outside a class; G->s is just past the backslash. */
static void gen_escape(GEN *g)
{
    const NAMED_CLASS *c;
    CHARSET set;
    const char *e;
    char    ch;
    int     v;

    if (g->s >= g->end) {
	g->bad = 1;
	return;
    }
    ch = *g->s++;
    if ((c = escape_class(ch)) != 0) {
	memset(set, 0, sizeof(set));
	add_class(set, c, isupper((unsigned char) ch));
	emit_member(g, set);
    } else if (strchr("bBAzZGK", ch)) {
	 /* zero width: nothing */ ;
    } else if (ch == 'x') {
	if ((v = hex_escape(g)) < 0)
	    g->bad = 1;
	ch = v;
	emit(g, &ch, 1);
    } else if (ch == 'Q') {
	for (e = g->s; e + 1 < g->end && !(e[0] == '\\' && e[1] == 'E'); e++)
	     /* void */ ;
	if (e + 1 >= g->end)
	    e = g->end;
	emit(g, g->s, e - g->s);
	g->s = e < g->end ? e + 2 : e;
    } else if (ch == 'E') {
	 /* a stray \E: nothing */ ;
    } else if (isalnum((unsigned char) ch)) {
	g->bad = 1;			/* backreferences, \p, controls */
    } else {
	emit(g, &ch, 1);
    }
}

static void gen_alternatives(GEN *g);

/* The kinds of "(?" group, by what follows the "?"; longest first. */
typedef struct GROUP_KIND {
    const char *prefix;
    int     walk;			/* 0: a lookaround, emits nothing */
    char    name_end;			/* a name follows, up to this */
} GROUP_KIND;

static const GROUP_KIND group_kinds[] = {
    {"<=", 0, 0}, {"<!", 0, 0}, {"=", 0, 0}, {"!", 0, 0},
    {":", 1, 0}, {">", 1, 0}, {"|", 1, 0},
    {"P<", 1, '>'}, {"<", 1, '>'}, {"'", 1, '\''},
};

/* What follows "(?": 1 for a group to walk, 0 for one to skip, -1 none. */
static int group_kind(GEN *g)
{
    const GROUP_KIND *k;
    const char *name_end;
    size_t  l;

    for (k = group_kinds; k < group_kinds + NELEM(group_kinds); k++) {
	if (strncmp(g->s, k->prefix, l = strlen(k->prefix)) != 0)
	    continue;
	g->s += l;
	if (k->name_end) {
	    if ((name_end = memchr(g->s, k->name_end, g->end - g->s)) == 0) {
		g->bad = 1;
		return (-1);
	    }
	    g->s = name_end + 1;
	}
	return (k->walk);
    }
    /* Option settings: (?i) alone, or (?i:...) as a group. */
    l = strspn(g->s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ^-");
    if (g->s + l < g->end && (g->s[l] == ')' || g->s[l] == ':')) {
	g->s += l;
	return (*g->s++ == ':' ? 1 : -1);
    }
    g->bad = 1;				/* recursion, conditions, callouts */
    return (-1);
}

/* A group; G->s is just past its "(". */
static void gen_group(GEN *g)
{
    int     kind = 1;

    if (g->s < g->end && *g->s == '*') {
	g->bad = 1;			/* (*VERB) */
	return;
    }
    if (g->s < g->end && *g->s == '?') {
	g->s++;
	if (g->s < g->end && *g->s == '#') {
	    g->s += strcspn(g->s, ")");
	    g->s += (g->s < g->end);
	    return;
	}
	if ((kind = group_kind(g)) < 0)
	    return;			/* an option setting, or bad */
    }
    if (++g->depth > MAX_DEPTH) {
	g->bad = 1;
	return;
    }
    g->mute += !kind;
    gen_alternatives(g);
    g->mute -= !kind;
    g->depth--;
    if (g->s >= g->end || *g->s != ')')
	g->bad = 1;
    else
	g->s++;
}

static void gen_atom(GEN *g)
{
    char    c = *g->s++;

    switch (c) {
    case '\\':
	gen_escape(g);
	break;
    case '[':
	gen_class(g);
	break;
    case '(':
	gen_group(g);
	break;
    case '.':
	emit(g, "a", 1);
	break;
    case '^':
    case '$':
	break;
    case '*':
    case '+':
    case '?':
	g->bad = 1;
	break;
    default:
	emit(g, &c, 1);
	break;
    }
}

/* How many copies the quantifier at G->s asks for (1 when none). */
static int quantifier(GEN *g)
{
    const char *s = g->s;
    long    lo, hi = -1;
    char   *stop;
    int     count = 1;

    if (s >= g->end)
	return (1);
    if (*s == '*' || *s == '+' || *s == '?') {
	s++;
    } else if (*s == '{' && s + 1 < g->end && isdigit((unsigned char) s[1])) {
	lo = strtol(s + 1, &stop, 10);
	if (*stop == ',' && isdigit((unsigned char) stop[1]))
	    hi = strtol(stop + 1, &stop, 10);
	else if (*stop == ',')
	    stop++;
	if (*stop != '}')
	    return (1);			/* a literal "{" */
	s = stop + 1;
	count = lo > 0 ? (int) (lo > MAX_REPEAT ? MAX_REPEAT + 1 : lo) : hi != 0;
    } else {
	return (1);
    }
    if (s < g->end && (*s == '?' || *s == '+'))
	s++;				/* lazy, possessive */
    g->s = s;
    return (count);
}

/* Repeat what the last atom emitted (from START) to COUNT copies. */
static void repeat(GEN *g, size_t start, int count)
{
    size_t  len = g->n - start;
    int     i;

    if (g->mute || g->bad)
	return;
    if (count > MAX_REPEAT) {
	g->bad = 1;
	return;
    }
    if (count == 0)
	g->n = start;
    for (i = 1; i < count; i++)
	emit(g, g->out + start, len);
}

static void gen_branch(GEN *g)
{
    size_t  start;

    while (!g->bad && g->s < g->end && *g->s != '|' && *g->s != ')') {
	start = g->n;
	gen_atom(g);
	repeat(g, start, quantifier(g));
    }
}

/* The first branch, emitted; the others walked in silence. */
static void gen_alternatives(GEN *g)
{
    gen_branch(g);
    while (!g->bad && g->s < g->end && *g->s == '|') {
	g->s++;
	g->mute++;
	gen_branch(g);
	g->mute--;
    }
}

int     regex_sample(const char *re, size_t len, char *buf, size_t buflen)
{
    GEN     g;

    if (buflen == 0)
	return (-1);
    memset(&g, 0, sizeof(g));
    g.s = re;
    g.end = re + len;
    g.out = buf;
    g.cap = buflen;
    gen_alternatives(&g);
    if (g.s < g.end)
	g.bad = 1;			/* an unbalanced ")" */
    buf[g.bad ? 0 : g.n] = 0;
    return (g.bad ? -1 : 0);
}

int     regex_sample_pattern(const PATTERN_SET *set, size_t i, char *buf,
			             size_t len)
{
    const char *re;
    size_t  relen;

    if (pattern_set_regex(set, i, &re, &relen) < 0
	|| regex_sample(re, relen, buf, len) < 0)
	return (-1);
    return (pattern_set_test(set, i, buf) == 1 ? 0 : -1);
}
