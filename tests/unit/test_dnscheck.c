/*
 * test_dnscheck.c - unit tests for topology/dnsrdata.c and
 * topology/dnscheck.c: record data from the wire, the DMARC and tag
 * readers, and the comparison of a build with published records, the
 * resolver played by a zone held here (no network).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dnscheck.h"
#include "dnsrdata.h"
#include "mailauth.h"
#include "topology.h"
#include "zone.h"
#include "unit.h"

/* Record data. */

typedef struct RDATA {
    ZONE_TYPE type;
    const char *wire;			/* octets */
    size_t  len;
    const char *text;			/* null: refused */
    int     preference;
} RDATA;

#define W(s)	(s), sizeof(s) - 1

static const RDATA rdata[] = {
    {ZONE_A, W("\xc0\x00\x02\x0a"), "192.0.2.10", 0},
    {ZONE_A, W("\xc0\x00\x02"), 0, 0},
    {ZONE_AAAA, W("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"), "2001:db8::1", 0},
    {ZONE_MX, W("\x00\x14\x03MX2\x07" "Example\x04test\x00"), "mx2.example.test", 20},
    {ZONE_MX, W("\x00\x00\x00"), "", 0},
    {ZONE_MX, W("\x00\x0a\xc0\x0c"), 0, 0},	/* compressed */
    {ZONE_MX, W("\x00\x0a\x05" "ab"), 0, 0},	/* past the end */
    {ZONE_MX, W("\x00\x0a\x01" "a\x00x"), 0, 0},	/* octets after it */
    {ZONE_MX, W("\x00\x0a"), 0, 0},
    {ZONE_CNAME, W("\x03" "a.b\x04test\x00"), "a\\.b.test", 0},
    {ZONE_TXT, W("\x06v=spf1\x05 ~all"), "v=spf1 ~all", 0},
    {ZONE_TXT, W("\x02" "a\x01"), "a\\001", 0},
    {ZONE_TXT, W("\x05" "ab"), 0, 0},
    {ZONE_TXT, W(""), 0, 0},
    {ZONE_TLSA, W("\x03\x01\x01\xab\x0c"), "3 1 1 ab0c", 0},
    {ZONE_TLSA, W("\x03\x01\x01"), 0, 0},
    {ZONE_OTHER, W("x"), 0, 0},
};

START_TEST(test_rdata)
{
    const RDATA *r = rdata + _i;
    ZONE_RR rr;
    char    why[128];
    int     got;

    memset(&rr, 0, sizeof(rr));
    got = dnsrdata_decode(r->type, (const unsigned char *) r->wire, r->len, &rr,
			  why, sizeof(why));
    if (r->text == 0) {
	ck_assert_msg(got < 0, "case %d accepted as %s", _i, rr.data);
	ck_assert(rr.data == 0);
    } else {
	ck_assert_msg(got == 0, "case %d: %s", _i, why);
	ck_assert_str_eq(rr.data, r->text);
	ck_assert_int_eq(rr.preference, r->preference);
    }
    free(rr.data);
}
END_TEST

START_TEST(test_type_numbers)
{
    ck_assert_int_eq(dnsrdata_type_number(ZONE_MX), 15);
    ck_assert_int_eq(dnsrdata_type_number(ZONE_TLSA), 52);
    ck_assert_int_eq(dnsrdata_type_number(ZONE_AAAA), 28);
    ck_assert_str_eq(dnsrdata_type_name(ZONE_TXT), "TXT");
}
END_TEST

/* DMARC and tags. */

typedef struct DMARC_CASE {
    const char *text;
    const char *why;			/* null: good */
    const char *p, *rua;
} DMARC_CASE;

static const DMARC_CASE dmarc[] = {
    {"v=DMARC1; p=quarantine; rua=mailto:a@example.test", 0, "quarantine",
    "mailto:a@example.test"},
    {"v=DMARC1;p=reject;", 0, "reject", 0},
    {" v=DMARC1 ; p = none ; pct=50; x=y", 0, "none", 0},
    {"v=DMARC1; p=quarantin", "p=quarantin is not none, quarantine or reject", 0, 0},
    {"v=DMARC1 p=reject", "it does not begin with v=DMARC1", 0, 0},
    {"p=reject; v=DMARC1", "it does not begin with v=DMARC1", 0, 0},
    {"v=DMARC1; rua=mailto:a@example.test", "it has no p= policy", 0, 0},
    {"v=DMARC1; p=none; p=reject", "p= is given twice", 0, 0},
    {"v=DMARC1; p=none; rua=a@example.test",
    "rua=a@example.test is not a list of mailto: or https: URIs", 0, 0},
    {"v=DMARC1; p=none; pct=101", "pct=101 is not a percentage", 0, 0},
    {"v=DMARC1; p=none; adkim=x", "adkim=x is not r or s", 0, 0},
    {"v=DMARC1; p=none; oops", "\"oops\" is no tag=value pair", 0, 0},
    {"", "it is empty", 0, 0},
};

START_TEST(test_dmarc)
{
    const DMARC_CASE *d = dmarc + _i;
    DNSCHECK_DMARC got;
    char    why[256];
    int     r = dnscheck_dmarc(d->text, &got, why, sizeof(why));

    if (d->why) {
	ck_assert_msg(r < 0, "%s accepted", d->text);
	ck_assert_str_eq(why, d->why);
    } else {
	ck_assert_msg(r == 0, "%s: %s", d->text, why);
	ck_assert_str_eq(got.p, d->p);
	if (d->rua)
	    ck_assert_str_eq(got.rua, d->rua);
	else
	    ck_assert(got.rua == 0);
    }
    free(got.copy);
}
END_TEST

START_TEST(test_tag)
{
    char   *id = dnscheck_tag("v=STSv1; id=20260101T000000", "id");

    ck_assert_str_eq(id, "20260101T000000");
    free(id);
    ck_assert(dnscheck_tag("v=STSv1;", "id") == 0);
    ck_assert(dnscheck_tag("v=STSv1; idx=3", "id") == 0);
}
END_TEST

/* The comparison. */

static const char topology_text[] =
"domain  example.test\n"
"switch  sw.example.test  priority 10  address 192.0.2.10\n"
"backup  mx2.example.test priority 20  address 192.0.2.20\n"
"branch  north host north-mail.example.test address 192.0.2.21 users north.users\n"
"spf-include _spf.mail.example\n"
"dmarc   quarantine rua mailto:pm@example.test\n"
"mta-sts testing max-age 86400\n"
"role    postmaster ana\n";

typedef struct WORLD {
    TOPOLOGY *topo;
    char   *built;			/* the build's zone text */
    char   *policy;
    ZONE   *zone;
    char    reports[8192];
    int     problems;
    size_t  asked;
} WORLD;

static void noise(void *ctx, const char *file, unsigned line, int is_error,
		          const char *why)
{
    (void) ctx;
    (void) is_error;
    ck_abort_msg("%s:%u: %s", file, line, why);
}

static void collect(void *ctx, const char *file, unsigned line, int is_error,
		            const char *why)
{
    WORLD  *w = ctx;
    size_t  used = strlen(w->reports);

    (void) file;
    (void) is_error;
    snprintf(w->reports + used, sizeof(w->reports) - used, "%u: %s\n", line, why);
}

static char *zone_text(const TOPOLOGY *topo, MAILAUTH *auth)
{
    char   *text = 0;
    size_t  len = 0;
    FILE   *fp = open_memstream(&text, &len);

    ck_assert(fp != 0);
    ck_assert(zone_write(topo, fp) == 0 && mailauth_write_zone(auth, fp) == 0);
    fclose(fp);
    return (text);
}

static void world_make(WORLD *w, const char *extra)
{
    MAILAUTH *auth;
    char   *path;
    int     errors;

    memset(w, 0, sizeof(*w));
    free(unit_write_file("north.users", "ana\nbruno\n"));
    path = unit_write_file("t.topology", topology_text);
    w->topo = topology_load(path, noise, 0);
    free(path);
    ck_assert(w->topo != 0 && w->topo->errors == 0);
    auth = mailauth_make(w->topo, noise, 0);
    w->built = zone_text(w->topo, auth);
    if (extra) {
	w->built = realloc(w->built, strlen(w->built) + strlen(extra) + 1);
	strcat(w->built, extra);
    }
    w->policy = strdup(auth->policy);
    mailauth_free(auth);
    path = unit_write_file("dns.zone", w->built);
    w->zone = zone_read(path, noise, 0, &errors);
    free(path);
    ck_assert(w->zone != 0 && errors == 0);
}

static void world_free(WORLD *w)
{
    zone_free(w->zone);
    topology_free(w->topo);
    free(w->built);
    free(w->policy);
}

/* TEXT with the line holding NEEDLE replaced by WITH (null: dropped). */
static char *edited(const char *text, const char *needle, const char *with)
{
    const char *at = strstr(text, needle), *start, *end;
    char   *out;

    ck_assert_msg(at != 0, "no %s in the zone", needle);
    for (start = at; start > text && start[-1] != '\n'; start--)
	 /* void */ ;
    end = strchr(at, '\n') + 1;
    out = malloc(strlen(text) + (with ? strlen(with) : 0) + 2);
    sprintf(out, "%.*s%s%s%s", (int) (start - text), text, with ? with : "",
	    with ? "\n" : "", end);
    return (out);
}

/* A question that is not answered: NAME and TYPE, the status given. */
typedef struct FAILURE {
    const char *name;
    ZONE_TYPE type;
    DNSCHECK_STATUS status;
    int     rcode;
} FAILURE;

/* Answer Q from the published zone PUB, as a resolver would. */
static void answer(const ZONE *pub, DNSCHECK_QUERY *q, int secure)
{
    const char *name = q->name;
    ZONE_RR rr;
    size_t  i, any = 0;

    for (i = 0; i < pub->count; i++)
	if (pub->rr[i].type == ZONE_CNAME && strcmp(pub->rr[i].name, name) == 0) {
	    q->alias = strdup(pub->rr[i].data);
	    name = q->alias;
	}
    for (i = 0; i < pub->count; i++) {
	if (strcmp(pub->rr[i].name, name) != 0)
	    continue;
	any++;
	if (pub->rr[i].type != q->type)
	    continue;
	rr = pub->rr[i];
	rr.data = strdup(rr.data);
	dnscheck_add_rr(q, &rr);
    }
    q->status = any ? DNSCHECK_ANSWER : DNSCHECK_NXDOMAIN;
    q->secure = secure;
}

/* What the rest of the world publishes: the SPF record the topology's
 * spf-include takes in. */
static const char outside_zone[] =
"_spf.mail.example. IN TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n"
"loop.example. IN TXT \"v=spf1 include:loop.example -all\"\n"
"nospf.example. IN TXT \"not a policy\"\n";

/* Check W against PUBLISHED and the outside world; FAIL lists questions
 * that go unanswered. */
static void run(WORLD *w, const char *published, int secure, size_t max,
		        const FAILURE *fail)
{
    char   *text = malloc(strlen(published) + sizeof(outside_zone));
    char   *path;
    const FAILURE *f;
    DNSCHECK *c;
    DNSCHECK_QUERY *q;
    ZONE   *pub;
    size_t  first, n, i;
    int     errors;

    ck_assert(text != 0);
    strcat(strcpy(text, published), outside_zone);
    path = unit_write_file("published.zone", text);
    free(text);
    pub = zone_read(path, noise, 0, &errors);
    free(path);
    ck_assert(pub != 0 && errors == 0);
    c = dnscheck_create(w->topo, w->zone, w->policy, "mta-sts.txt", max);
    while ((n = dnscheck_pending(c, &first)) > 0)
	for (i = 0; i < n; i++) {
	    q = dnscheck_query(c, first + i);
	    if (q->status != DNSCHECK_PENDING)
		continue;
	    for (f = fail; f && f->name; f++)
		if (strcmp(f->name, q->name) == 0 && f->type == q->type)
		    break;
	    if (f && f->name) {
		q->status = f->status;
		q->rcode = f->rcode;
		q->why = f->status == DNSCHECK_TIMEOUT ? strdup("no answer within 1 s") : 0;
	    } else {
		answer(pub, q, secure);
	    }
	}
    w->problems = dnscheck_compare(c, collect, w);
    w->asked = dnscheck_asked(c);
    dnscheck_free(c);
    zone_free(pub);
}

#define ck_assert_reported(w, text) \
    ck_assert_msg(strstr((w)->reports, (text)) != 0, "not reported: %s\nreports:\n%s", \
		  (text), (w)->reports)

START_TEST(test_clean)
{
    WORLD   w;

    world_make(&w, 0);
    run(&w, w.built, 0, DNSCHECK_MAX_QUERIES, 0);
    ck_assert_msg(w.problems == 0, "%s", w.reports);
    ck_assert(w.asked > 10);
    world_free(&w);
}
END_TEST

typedef struct BROKEN {
    const char *needle, *with;		/* the line changed */
    int     problems;
    const char *report;
} BROKEN;

static const BROKEN broken[] = {
    {"MX    20 mx2.", 0, 2, "MX example.test: 20 mx2.example.test is not published"},
    {"MX    20 mx2.", "example.test. IN MX 30 mx2.example.test.", 1,
    "MX example.test: mx2.example.test has priority 30, the build says 20"},
    {"MX    10 sw.", "example.test. IN MX 10 192.0.2.10.", 3,
    "MX example.test: 10 192.0.2.10 names an IP address, not a host"},
    {"mx2.example.test.   ", "mx2.example.test. IN CNAME north-mail.example.test.", 2,
    "MX host mx2.example.test is an alias (CNAME to north-mail.example.test)"},
    {"mx2.example.test.   ", 0, 1,
    "MX host mx2.example.test has no A or AAAA record: the build gives it an address"},
    {"mx2.example.test.   ", "mx2.example.test. IN A 192.0.2.99", 1,
    "mx2.example.test has another address: A 192.0.2.99 is published, the build says 192.0.2.20"},
    {"v=spf1", "example.test. IN TXT \"v=spf1 ip4:192.0.2.10 ip4:192.0.2.20 "
	"include:_spf.mail.example ~all\"", 1,
    "the SPF record of example.test does not pass 192.0.2.21, the address of branch "
    "north-mail.example.test"},
    {"v=spf1", "example.test. IN TXT \"v=spf1 ip4:192.0.2.0/24 ~all\"", 1,
    "the SPF record of example.test does not include _spf.mail.example"},
    {"v=spf1", "example.test. IN TXT \"v=spf1 ip4:192.0.2.0/24 include:_spf.mail.example "
	"-all\"", 1, "the SPF record of example.test ends in -all, the build's in ~all"},
    {"v=spf1", "example.test. IN TXT \"v=spf1 mx include:_spf.mail.example "
	"ip4:192.0.2.21 ~all\"", 0, ""},
    {"v=spf1", "example.test. IN TXT \"v=spf1 a:a.x a:b.x a:c.x a:d.x a:e.x mx:f.x "
	"mx:g.x ptr:h.x exists:i.x a:j.x include:_spf.mail.example "
	"ip4:192.0.2.0/24 ~all\"", 1,
    "the SPF record of example.test needs 11 DNS lookups, more than the 10"},
    {"v=spf1", "example.test. IN TXT \"v=spf1 ip4:192.0.2.0/24 include:_spf.mail.example "
	"include:nospf.example ~all\"", 1,
    "the SPF record of example.test takes in nospf.example, which publishes no SPF record"},
    {"v=spf1", "example.test. IN TXT \"v=spf1 ip4:192.0.2.0/24 include:_spf.mail.example "
	"include:loop.example ~all\"", 1,
    "the SPF record of loop.example takes in loop.example, which takes it in again"},
    {"v=spf1", "example.test. IN TXT \"v=spf1 ip4:192.0.2.0/24 include:_spf.mail.example "
	"redirect=nospf.example ~all\"", 0, ""},
    {"v=spf1", "example.test. IN TXT \"v=spf1 ip4:192.0.2.0/24 include:_spf.mail.example "
	"redirect=nospf.example\"", 2,
    "the SPF record of example.test takes in nospf.example, which publishes no SPF record"},
    {"v=DMARC1", 0, 1, "_dmarc.example.test: no DMARC record is published"},
    {"v=DMARC1", "_dmarc.example.test. IN TXT \"v=DMARC1; p=reject; "
	"rua=mailto:pm@example.test\"", 1,
    "_dmarc.example.test: the DMARC policy is p=reject, the build's p=quarantine"},
    {"v=STSv1", "_mta-sts.example.test. IN TXT \"v=STSv1; id=1\"", 1,
    "_mta-sts.example.test: the MTA-STS id is stale: 1 is published"},
    {"v=STSv1", 0, 1, "_mta-sts.example.test: no MTA-STS record is published"},
};

START_TEST(test_broken)
{
    const BROKEN *b = broken + _i;
    WORLD   w;
    char   *pub;

    world_make(&w, 0);
    pub = edited(w.built, b->needle, b->with);
    run(&w, pub, 0, DNSCHECK_MAX_QUERIES, 0);
    ck_assert_msg(w.problems == b->problems, "case %d: %d problems, not %d:\n%s",
		  _i, w.problems, b->problems, w.reports);
    ck_assert_reported(&w, b->report);
    free(pub);
    world_free(&w);
}
END_TEST

START_TEST(test_two_spf)
{
    WORLD   w;
    char   *pub;

    world_make(&w, 0);
    pub = malloc(strlen(w.built) + 64);
    sprintf(pub, "%sexample.test. IN TXT \"v=spf1 -all\"\n", w.built);
    run(&w, pub, 0, DNSCHECK_MAX_QUERIES, 0);
    ck_assert_int_eq(w.problems, 1);
    ck_assert_reported(&w, "example.test publishes 2 SPF records");
    free(pub);
    world_free(&w);
}
END_TEST

START_TEST(test_extra_mx_host)
{
    WORLD   w;
    char   *pub;

    world_make(&w, 0);
    pub = malloc(strlen(w.built) + 64);
    sprintf(pub, "%sexample.test. IN MX 30 mx3.example.test.\n", w.built);
    run(&w, pub, 0, DNSCHECK_MAX_QUERIES, 0);
    ck_assert_reported(&w, "MX example.test: 30 mx3.example.test is published, "
		       "the build has no such MX");
    ck_assert_reported(&w, "MX host mx3.example.test has no A or AAAA record\n");
    ck_assert_reported(&w, "the MTA-STS policy does not name MX mx3.example.test");
    ck_assert_int_eq(w.problems, 3);
    free(pub);
    world_free(&w);
}
END_TEST

START_TEST(test_unanswered)
{
    static const FAILURE fail[] = {
	{"example.test", ZONE_MX, DNSCHECK_TIMEOUT, 0},
	{"example.test", ZONE_TXT, DNSCHECK_RCODE, 2},
	{"mx2.example.test", ZONE_A, DNSCHECK_BOGUS, 0},
	{0, ZONE_OTHER, DNSCHECK_ANSWER, 0},
    };
    WORLD   w;

    world_make(&w, 0);
    run(&w, w.built, 0, DNSCHECK_MAX_QUERIES, fail);
    ck_assert_reported(&w, "MX example.test: timed out (no answer within 1 s): "
		       "whether it is published is not known");
    ck_assert_reported(&w, "TXT example.test: the server answered SERVFAIL");
    ck_assert_reported(&w, "A mx2.example.test: DNSSEC validation failed (bogus)");
    ck_assert_msg(strstr(w.reports, "not published") == 0
		  && strstr(w.reports, "no SPF") == 0, "%s", w.reports);
    ck_assert_int_eq(w.problems, 3);
    world_free(&w);
}
END_TEST

START_TEST(test_tlsa)
{
    static const char tlsa[] = "_25._tcp.sw.example.test. IN TLSA 3 1 1 ab12\n";
    WORLD   w;
    char   *pub;

    world_make(&w, tlsa);
    run(&w, w.built, 1, DNSCHECK_MAX_QUERIES, 0);
    ck_assert_msg(w.problems == 0, "%s", w.reports);
    run(&w, w.built, 0, DNSCHECK_MAX_QUERIES, 0);
    ck_assert_int_eq(w.problems, 1);
    ck_assert_reported(&w, "TLSA _25._tcp.sw.example.test is published in an unsigned zone");
    pub = edited(w.built, "ab12", "_25._tcp.sw.example.test. IN TLSA 3 1 1 cd34");
    w.reports[0] = 0;
    run(&w, pub, 1, DNSCHECK_MAX_QUERIES, 0);
    ck_assert_int_eq(w.problems, 1);
    ck_assert_reported(&w, "TLSA _25._tcp.sw.example.test 3 1 1 ab12 is not published: "
		       "published: 3 1 1 cd34");
    free(pub);
    world_free(&w);
}
END_TEST

START_TEST(test_limit)
{
    WORLD   w;

    world_make(&w, 0);
    run(&w, w.built, 0, 3, 0);
    ck_assert_int_eq(w.asked, 3);
    ck_assert_reported(&w, "questions not asked: more than 3");
    world_free(&w);
}
END_TEST

Suite  *suite_dnscheck(void)
{
    Suite  *s = suite_create("dnscheck");
    TCase  *tc = tcase_create("records");
    TCase  *cmp = tcase_create("compare");

    tcase_add_loop_test(tc, test_rdata, 0, sizeof(rdata) / sizeof(rdata[0]));
    tcase_add_test(tc, test_type_numbers);
    tcase_add_loop_test(tc, test_dmarc, 0, sizeof(dmarc) / sizeof(dmarc[0]));
    tcase_add_test(tc, test_tag);
    suite_add_tcase(s, tc);
    tcase_add_test(cmp, test_clean);
    tcase_add_loop_test(cmp, test_broken, 0, sizeof(broken) / sizeof(broken[0]));
    tcase_add_test(cmp, test_two_spf);
    tcase_add_test(cmp, test_extra_mx_host);
    tcase_add_test(cmp, test_unanswered);
    tcase_add_test(cmp, test_tlsa);
    tcase_add_test(cmp, test_limit);
    suite_add_tcase(s, cmp);
    return (s);
}
