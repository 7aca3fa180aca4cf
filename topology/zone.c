/*
 * zone.c - the DNS records that route mail for a topology.
 *
 * Exports zone_write(), zone_read(), zone_read_stream(), zone_free(),
 * zone_mx() and zone_count(). The fragment holds, with every name fully qualified:
 * the domain's MX records (the switches, then the backups, by their
 * priorities: distinct numbers fail over, equal ones share the load),
 * the relay name's MX records (the switches), each branch subdomain's MX
 * record (its server), and an A or AAAA record for every server host
 * inside the domain. An MX always names a host with an address record
 * here (or a host outside the domain), never an address or a CNAME.
 * The other records of the domain (SPF, DMARC, MTA-STS, TLS-RPT, TLSA)
 * are mailauth.c's; zone_read() reads them too, TXT as its text.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "addr.h"
#include "words.h"
#include "zone.h"

#define NAME_COLUMN	32
#define ZONE_MAX_WORDS	8		/* read of a record line */

static void rr_name(FILE *fp, const char *name)
{
    size_t  len = strlen(name) + 1;

    fprintf(fp, "%s.", name);
    do
	putc(' ', fp);
    while (++len < NAME_COLUMN);
}

static void mx(FILE *fp, const char *name, int preference, const char *host)
{
    rr_name(fp, name);
    fprintf(fp, "IN MX    %d %s.\n", preference, host);
}

static void addresses(FILE *fp, const TOPO_HOST *h, const char *domain)
{
    unsigned char buf[sizeof(struct in6_addr)];
    size_t  i;

    if (!topology_in_domain(h->name, domain))
	return;
    for (i = 0; i < h->naddresses; i++) {
	rr_name(fp, h->name);
	fprintf(fp, "IN %-4s  %s\n", inet_pton(AF_INET, h->addresses[i], buf) == 1 ?
		"A" : "AAAA", h->addresses[i]);
    }
}

int     zone_write(const TOPOLOGY *topo, FILE *fp)
{
    size_t  i;

    fprintf(fp, "; dns.zone - the mail records of %s.\n"
	    "; Written by maptool build from %s.\n"
	    "; Add it to the zone of %s (paste it or $INCLUDE it): every name\n"
	    "; is fully qualified. Equal MX priorities share the load, distinct\n"
	    "; ones fail over; every MX names a host with an address record.\n",
	    topo->domain, topo->path, topo->domain);
    fprintf(fp, ";\n; Mail for %s: the switches, then the backups.\n", topo->domain);
    for (i = 0; i < topo->nswitches; i++)
	mx(fp, topo->domain, topo->switches[i].priority, topo->switches[i].name);
    for (i = 0; i < topo->nbackups; i++)
	mx(fp, topo->domain, topo->backups[i].priority, topo->backups[i].name);
    fprintf(fp, ";\n; The branches send what is not theirs to the switches here.\n");
    for (i = 0; i < topo->nswitches; i++)
	mx(fp, topo->relay, topo->switches[i].priority, topo->switches[i].name);
    fprintf(fp, ";\n; Old branch addresses go straight to the branch's server.\n");
    for (i = 0; i < topo->nbranches; i++)
	mx(fp, topo->branches[i].subdomain, 10, topo->branches[i].host.name);
    fprintf(fp, ";\n; The servers.\n");
    for (i = 0; i < topo->nswitches; i++)
	addresses(fp, topo->switches + i, topo->domain);
    for (i = 0; i < topo->nbackups; i++)
	addresses(fp, topo->backups + i, topo->domain);
    for (i = 0; i < topo->nbranches; i++)
	addresses(fp, &topo->branches[i].host, topo->domain);
    return (fflush(fp) == 0 && !ferror(fp) ? 0 : -1);
}

/* Reading. */

typedef struct ZONE_TYPE_NAME {
    const char *name;
    ZONE_TYPE type;
} ZONE_TYPE_NAME;

static const ZONE_TYPE_NAME type_names[] = {
    {"A", ZONE_A}, {"AAAA", ZONE_AAAA}, {"MX", ZONE_MX}, {"CNAME", ZONE_CNAME},
    {"TXT", ZONE_TXT}, {"TLSA", ZONE_TLSA}, {0, ZONE_OTHER},
};

/* NAME. -> a folded copy without the dot; null when not absolute. */
static char *absolute_name(const char *name)
{
    size_t  len = strlen(name);
    char   *s;

    if (len < 2 || name[len - 1] != '.' || (s = strndup(name, len - 1)) == 0)
	return (0);
    addr_fold(s, s);
    return (s);
}

static ZONE_TYPE type_of(const char *word)
{
    const ZONE_TYPE_NAME *t;

    for (t = type_names; t->name && strcasecmp(t->name, word) != 0; t++)
	 /* void */ ;
    return (t->type);
}

/*
 * The character strings of a TXT record, from TEXT as written: each
 * quoted ("a b" "c"), joined without a separator as SPF and the others
 * read them. Null when a quote is not closed or nothing is quoted.
 */
static char *txt_text(const char *text)
{
    char   *out = malloc(strlen(text) + 1), *o = out;
    int     strings = 0;

    if (out == 0)
	return (0);
    for (;;) {
	text += strspn(text, " \t");
	if (*text == 0)
	    break;
	if (*text++ != '"') {
	    free(out);
	    return (0);
	}
	for (; *text && *text != '"'; text++) {
	    if (*text == '\\' && text[1])
		text++;
	    *o++ = *text;
	}
	if (*text++ != '"') {
	    free(out);
	    return (0);
	}
	strings++;
    }
    *o = 0;
    if (strings == 0) {
	free(out);
	return (0);
    }
    return (out);
}

/* The words W[I] to W[N - 1], joined by single spaces. */
static char *joined(char **w, int i, int n)
{
    size_t  len = 1;
    char   *s;
    int     k;

    for (k = i; k < n; k++)
	len += strlen(w[k]) + 1;
    if ((s = malloc(len)) == 0)
	return (0);
    *s = 0;
    for (k = i; k < n; k++)
	strcat(strcat(s, k > i ? " " : ""), w[k]);
    return (s);
}

/*
 * Parse the words of one line into RR; COPY is the line as it was, for
 * a TXT record's quoted strings. Null when good, else why.
 */
static const char *parse_words(char *line, const char *copy, ZONE_RR *rr)
{
    char   *w[ZONE_MAX_WORDS], *end;
    int     n, i = 1;
    long    pref;

    if ((n = words_split(line, w, ZONE_MAX_WORDS, 0)) < 0)
	n = ZONE_MAX_WORDS;		/* the words past these do not count */
    if (n < 3)
	return ("too few fields");
    if ((rr->name = absolute_name(w[0])) == 0)
	return ("names must be absolute (end in a dot)");
    if (isdigit((unsigned char) w[i][0]))
	i++;				/* a TTL */
    if (i < n && strcasecmp(w[i], "IN") == 0)
	i++;
    if (i + 1 >= n)
	return ("no record type and data");
    rr->type = type_of(w[i++]);
    if (rr->type == ZONE_MX) {
	errno = 0;
	pref = strtol(w[i], &end, 10);
	if (*end || errno || pref < 0 || pref > 65535 || i + 2 != n)
	    return ("MX wants a preference and one host");
	rr->preference = (int) pref;
	i++;
    }
    if (rr->type == ZONE_MX || rr->type == ZONE_CNAME) {
	if ((rr->data = absolute_name(w[i])) == 0)
	    return ("the target must be an absolute name");
    } else if (rr->type == ZONE_TXT) {
	if ((rr->data = txt_text(copy + (w[i] - line))) == 0)
	    return ("TXT wants quoted strings");
    } else if (rr->type == ZONE_TLSA) {
	if (n - i != 4)
	    return ("TLSA wants usage, selector, matching type and data");
	if ((rr->data = joined(w, i, n)) == 0)
	    return ("out of memory");
    } else if ((rr->data = strdup(w[i])) == 0) {
	return ("out of memory");
    }
    return (0);
}

/* Parse one line into RR; null when good, else why. */
static const char *parse_rr(char *line, ZONE_RR *rr)
{
    const char *why;
    char   *copy;

    if ((copy = strdup(line)) == 0)
	return ("out of memory");
    why = parse_words(line, copy, rr);
    free(copy);
    return (why);
}

/* Where a comment starts in LINE: a ";" outside quotes; or null. */
static char *comment_start(char *line)
{
    int     quoted = 0;

    for (; *line; line++) {
	if (*line == '\\' && quoted && line[1])
	    line++;
	else if (*line == '"')
	    quoted = !quoted;
	else if (*line == ';' && !quoted)
	    return (line);
    }
    return (0);
}

ZONE   *zone_read_stream(FILE *fp, const char *path, REPORT_FN report, void *ctx,
			         int *errors)
{
    ZONE   *zone;
    ZONE_RR rr, *grown;
    char   *line = 0, *semi;
    const char *why;
    size_t  cap = 0, room = 0;
    ssize_t len;
    unsigned lineno = 0;

    *errors = 0;
    if ((zone = calloc(1, sizeof(*zone))) == 0 || (zone->path = strdup(path)) == 0) {
	free(zone);
	report(ctx, path, 0, 1, "out of memory");
	return (0);
    }
    while ((len = getline(&line, &cap, fp)) >= 0) {
	lineno++;
	line[strcspn(line, "\r\n")] = 0;
	if ((semi = comment_start(line)) != 0)
	    *semi = 0;
	if (line[strspn(line, " \t")] == 0)
	    continue;
	memset(&rr, 0, sizeof(rr));
	rr.line = lineno;
	if ((why = parse_rr(line, &rr)) != 0) {
	    report(ctx, path, lineno, 1, why);
	    ++*errors;
	    free(rr.name);
	    free(rr.data);
	    continue;
	}
	if (zone->count == room) {
	    room = room ? 2 * room : 32;
	    if ((grown = realloc(zone->rr, room * sizeof(*grown))) == 0) {
		report(ctx, path, lineno, 1, "out of memory");
		++*errors;
		free(rr.name);
		free(rr.data);
		break;
	    }
	    zone->rr = grown;
	}
	zone->rr[zone->count++] = rr;
    }
    if (ferror(fp)) {
	report(ctx, path, 0, 1, strerror(errno));
	++*errors;
    }
    free(line);
    return (zone);
}

ZONE   *zone_read(const char *path, REPORT_FN report, void *ctx, int *errors)
{
    FILE   *fp;
    ZONE   *zone;

    *errors = 0;
    if ((fp = fopen(path, "r")) == 0) {
	report(ctx, path, 0, 1, strerror(errno));
	return (0);
    }
    zone = zone_read_stream(fp, path, report, ctx, errors);
    fclose(fp);
    return (zone);
}

void    zone_free(ZONE *zone)
{
    size_t  i;

    if (zone == 0)
	return;
    for (i = 0; i < zone->count; i++) {
	free(zone->rr[i].name);
	free(zone->rr[i].data);
    }
    free(zone->rr);
    free(zone->path);
    free(zone);
}

size_t  zone_mx(const ZONE *zone, const char *name, const ZONE_RR **out, size_t max)
{
    const ZONE_RR *swap;
    size_t  i, n = 0, j;

    for (i = 0; i < zone->count; i++) {
	if (zone->rr[i].type != ZONE_MX || strcmp(zone->rr[i].name, name) != 0)
	    continue;
	if (n < max)
	    out[n] = zone->rr + i;
	n++;
    }
    /* A few records: insertion sort, stable for equal preferences. */
    for (i = 1; i < n && i < max; i++)
	for (j = i; j > 0 && out[j - 1]->preference > out[j]->preference; j--) {
	    swap = out[j];
	    out[j] = out[j - 1];
	    out[j - 1] = swap;
	}
    return (n);
}

size_t  zone_count(const ZONE *zone, const char *name, ZONE_TYPE type)
{
    size_t  i, n = 0;

    for (i = 0; i < zone->count; i++)
	if (zone->rr[i].type == type && strcmp(zone->rr[i].name, name) == 0)
	    n++;
    return (n);
}
