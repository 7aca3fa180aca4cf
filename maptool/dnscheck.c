/*
 * dnscheck.c - maptool dnscheck: what the live DNS publishes for the
 * domain, against what the build says.
 *
 * Exports cmd_dnscheck(). The build's side is a build directory
 * (dns.zone, mta-sts.txt and the topology its servers file names) or a
 * topology, from which the same records are made in memory as maptool
 * build would write them. The questions and the comparison are
 * topology/dnscheck.c's; this file asks the questions with libunbound,
 * a validating resolver: from the root servers (with the root's trust
 * anchor when the system has one), or, with --server, of one server
 * only, which answers every question (unbound forwards to it; no
 * recursion). Each round of questions is asked at once, and each
 * question gets at most the timeout: what has not come by then is
 * cancelled and reported as timed out. The MTA-STS policy is the
 * build's file; with --fetch-policy the published one is fetched too
 * (https://mta-sts.DOMAIN/.well-known/mta-sts.txt, the name resolved
 * by the same resolver, the certificate verified against the system's
 * CAs or --ca-file's, httpsget.c) and compared with the build's and the
 * MX records; a fetch that fails is reported as such.
 *
 * Exit 0 when the DNS says what the build says, 1 on any difference or
 * question without an answer, 2 on a usage error or a build or
 * topology that cannot be read.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <unbound.h>
#include "addr.h"
#include "dnscheck.h"
#include "dnsrdata.h"
#include "httpresp.h"
#include "httpsget.h"
#include "mailauth.h"
#include "servers.h"
#include "slurp.h"
#include "topology.h"
#include "xalloc.h"
#include "zone.h"
#include "maptool.h"

#define DNSCHECK_USAGE		2
#define DNSCHECK_DIFFERS	1
#define DEFAULT_TIMEOUT		5	/* seconds a question may take */
#define ROOT_ANCHOR		"/usr/share/dns/root.key"
#define POLICY_MAX		65536	/* longest MTA-STS policy taken */
#define POLICY_HEADERS		16384	/* room for the response's headers */
#define POLICY_PATH		"/.well-known/mta-sts.txt"

typedef struct OPTIONS {
    const char *server;			/* ADDR[@PORT], or null: the root */
    const char *anchor;			/* trust anchor file, or null */
    int     fetch_policy;		/* fetch the MTA-STS policy */
    const char *ca_file;		/* its CAs, or null: the system's */
    int     timeout;
    size_t  max_queries;
} OPTIONS;

/* What the build says. */
typedef struct EXPECT {
    TOPOLOGY *topo;
    ZONE   *zone;
    char   *policy;			/* mta-sts.txt, or null */
    char   *policy_path;
} EXPECT;

/* One question in flight. */
typedef struct ASKED {
    DNSCHECK_QUERY *q;
    int     id;
    int     done;
    int     err;
    struct ub_result *result;
} ASKED;

/* Print a difference: FILE:LINE: why, on standard output. */
static void report_difference(void *ctx, const char *file, unsigned line,
			              int is_error, const char *why)
{
    (void) ctx;
    (void) is_error;
    if (line)
	printf("%s:%u: %s\n", file, line, why);
    else
	printf("%s: %s\n", file, why);
}

static char *path_in(const char *dir, const char *name)
{
    size_t  len = strlen(dir) + strlen(name) + 2;
    char   *s = xrealloc(0, len);

    snprintf(s, len, "%s/%s", dir, name);
    return (s);
}

static TOPOLOGY *load_topology(const char *path)
{
    TOPOLOGY *topo;

    if ((topo = topology_load(path, report_to_stderr, 0)) == 0)
	return (0);
    if (topo->errors) {
	fprintf(stderr, "%s: dnscheck: %s: %d error%s\n", progname, path,
		topo->errors, topo->errors == 1 ? "" : "s");
	topology_free(topo);
	return (0);
    }
    return (topo);
}

/* A build directory: its zone, policy and topology. */
static int expect_build(EXPECT *e, const char *dir)
{
    char   *path = path_in(dir, "servers"), err[512];
    SERVERS *servers;
    size_t  len;
    int     errors;

    servers = servers_read(path, report_to_stderr, 0, &errors);
    free(path);
    if (servers == 0 || errors || servers->topology == 0) {
	fprintf(stderr, "%s: dnscheck: %s: not a build (no good servers file)\n",
		progname, dir);
	servers_free(servers);
	return (-1);
    }
    e->topo = load_topology(servers->topology);
    servers_free(servers);
    if (e->topo == 0)
	return (-1);
    path = path_in(dir, "dns.zone");
    e->zone = zone_read(path, report_to_stderr, 0, &errors);
    free(path);
    if (e->zone == 0 || errors)
	return (-1);
    e->policy_path = path_in(dir, "mta-sts.txt");
    e->policy = slurp_file(e->policy_path, SLURP_REGULAR, &len, err, sizeof(err));
    if (e->policy == 0 && errno != ENOENT) {
	fprintf(stderr, "%s: dnscheck: %s\n", progname, err);
	return (-1);
    }
    return (0);
}

/* A topology: the records maptool build would write, made here. */
static int expect_topology(EXPECT *e, const char *path)
{
    MAILAUTH *auth;
    char   *text = 0, *name;
    size_t  len = 0;
    FILE   *fp;
    int     errors, bad;

    if ((e->topo = load_topology(path)) == 0)
	return (-1);
    auth = mailauth_make(e->topo, report_to_stderr, 0);
    if ((fp = open_memstream(&text, &len)) == 0) {
	mailauth_free(auth);
	fprintf(stderr, "%s: dnscheck: %s\n", progname, strerror(errno));
	return (-1);
    }
    bad = auth->errors || zone_write(e->topo, fp) < 0
	|| mailauth_write_zone(auth, fp) < 0;
    fclose(fp);
    if (!bad && auth->policy) {
	e->policy = xstrdup(auth->policy);
	e->policy_path = xstrdup("mta-sts.txt");
    }
    mailauth_free(auth);
    if (bad || (fp = fmemopen(text, len, "r")) == 0) {
	free(text);
	return (-1);
    }
    name = path_in(path, "dns.zone");		/* "TOPOLOGY/dns.zone" */
    e->zone = zone_read_stream(fp, name, report_to_stderr, 0, &errors);
    free(name);
    fclose(fp);
    free(text);
    return (e->zone && errors == 0 ? 0 : -1);
}

static void expect_free(EXPECT *e)
{
    zone_free(e->zone);
    topology_free(e->topo);
    free(e->policy);
    free(e->policy_path);
}

/* The resolver. */

static struct ub_ctx *resolver(const OPTIONS *o)
{
    struct ub_ctx *ub;
    const char *anchor = o->anchor;
    int     err;

    if ((ub = ub_ctx_create()) == 0) {
	fprintf(stderr, "%s: dnscheck: cannot make a resolver\n", progname);
	return (0);
    }
    if (anchor == 0 && o->server == 0 && access(ROOT_ANCHOR, R_OK) == 0)
	anchor = ROOT_ANCHOR;
    if ((err = ub_ctx_async(ub, 1)) != 0
	|| (o->server && ((err = ub_ctx_set_option(ub, "do-not-query-localhost:", "no")) != 0
			  || (err = ub_ctx_set_fwd(ub, o->server)) != 0))
	|| (anchor && (err = ub_ctx_add_ta_file(ub, anchor)) != 0)) {
	fprintf(stderr, "%s: dnscheck: %s: %s\n", progname, o->server && !anchor ?
		o->server : anchor ? anchor : "resolver", ub_strerror(err));
	ub_ctx_delete(ub);
	return (0);
    }
    return (ub);
}

static void answered(void *data, int err, struct ub_result *result)
{
    ASKED  *a = data;

    a->done = 1;
    a->err = err;
    a->result = result;
}

/* The name a result is for, folded and without the final dot. */
static char *bare_name(const char *name)
{
    char   *s = xstrdup(name);
    size_t  len = strlen(s);

    if (len > 1 && s[len - 1] == '.')
	s[len - 1] = 0;
    addr_fold(s, s);
    return (s);
}

/* Turn the answer of A into its query's status and records. */
static void take_answer(ASKED *a)
{
    DNSCHECK_QUERY *q = a->q;
    struct ub_result *r = a->result;
    ZONE_RR rr;
    char    why[256], *canon;
    int     i;

    if (a->err) {
	q->status = DNSCHECK_FAILED;
	q->why = xstrdup(ub_strerror(a->err));
	return;
    }
    q->secure = r->secure;
    if (r->bogus) {
	q->status = DNSCHECK_BOGUS;
	q->why = r->why_bogus ? xstrdup(r->why_bogus) : 0;
    } else if (r->rcode == 3) {
	q->status = DNSCHECK_NXDOMAIN;
    } else if (r->rcode != 0) {
	q->status = DNSCHECK_RCODE;
	q->rcode = r->rcode;
    } else {
	q->status = DNSCHECK_ANSWER;
    }
    if (q->status == DNSCHECK_ANSWER && r->canonname) {
	canon = bare_name(r->canonname);
	if (strcmp(canon, q->name) != 0)
	    q->alias = canon;
	else
	    free(canon);
    }
    for (i = 0; q->status == DNSCHECK_ANSWER && r->havedata && r->data[i]; i++) {
	memset(&rr, 0, sizeof(rr));
	if (dnsrdata_decode(q->type, (unsigned char *) r->data[i], r->len[i], &rr,
			    why, sizeof(why)) < 0) {
	    q->status = DNSCHECK_FAILED;
	    q->why = xstrdup(why);
	    break;
	}
	dnscheck_add_rr(q, &rr);
    }
    ub_resolve_free(r);
    a->result = 0;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Ask the pending questions FIRST to FIRST + N at once; wait for them. */
static void ask_round(struct ub_ctx *ub, DNSCHECK *check, size_t first, size_t n,
		              int timeout)
{
    ASKED  *a = xcalloc(n ? n : 1, sizeof(*a));
    double  deadline = now() + timeout, left;
    size_t  i, waiting = 0;
    char    why[64];
    int     err;

    for (i = 0; i < n; i++) {
	a[i].q = dnscheck_query(check, first + i);
	if (a[i].q->status != DNSCHECK_PENDING) {
	    a[i].done = 1;
	    continue;
	}
	if ((err = ub_resolve_async(ub, a[i].q->name, dnsrdata_type_number(a[i].q->type),
				    1, a + i, answered, &a[i].id)) != 0) {
	    a[i].q->status = DNSCHECK_FAILED;
	    a[i].q->why = xstrdup(ub_strerror(err));
	    a[i].done = 1;
	    continue;
	}
	waiting++;
    }
    while (waiting > 0 && (left = deadline - now()) > 0) {
	struct pollfd pfd = {ub_fd(ub), POLLIN, 0};

	if (poll(&pfd, 1, (int) (left * 1000) + 1) < 0 && errno != EINTR)
	    break;
	if (ub_process(ub) != 0)
	    break;
	for (i = waiting = 0; i < n; i++)
	    waiting += !a[i].done;
    }
    snprintf(why, sizeof(why), "no answer within %d s", timeout);
    for (i = 0; i < n; i++) {
	if (!a[i].done) {
	    (void) ub_cancel(ub, a[i].id);
	    a[i].q->status = DNSCHECK_TIMEOUT;
	    a[i].q->why = xstrdup(why);
	} else if (a[i].q->status == DNSCHECK_PENDING) {
	    take_answer(a + i);
	}
    }
    free(a);
}

/* The MTA-STS policy over HTTPS. */

typedef struct FETCHED {
    char   *url;
    char   *text;			/* the policy, or null */
    char    why[512];			/* or why not */
} FETCHED;

/* The first address of NAME (A, else AAAA) in BUF: 0, or -1 with WHY. */
static int resolve_host(struct ub_ctx *ub, const char *name, int timeout,
			        char *buf, size_t len, char *why, size_t whylen)
{
    static const int types[] = {1, 28};	/* A, AAAA */
    double  deadline = now() + timeout, left;
    ASKED   a;
    size_t  t;
    int     err, af;

    for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
	memset(&a, 0, sizeof(a));
	if ((err = ub_resolve_async(ub, name, types[t], 1, &a, answered, &a.id)) != 0) {
	    snprintf(why, whylen, "%s: %s", name, ub_strerror(err));
	    return (-1);
	}
	snprintf(why, whylen, "%s: no address within %d s", name, timeout);
	while (!a.done && (left = deadline - now()) > 0) {
	    struct pollfd pfd = {ub_fd(ub), POLLIN, 0};

	    if (poll(&pfd, 1, (int) (left * 1000) + 1) < 0 && errno != EINTR) {
		snprintf(why, whylen, "%s: poll: %s", name, strerror(errno));
		break;
	    }
	    if ((err = ub_process(ub)) != 0) {
		snprintf(why, whylen, "%s: %s", name, ub_strerror(err));
		break;
	    }
	}
	if (!a.done) {
	    (void) ub_cancel(ub, a.id);
	    return (-1);
	}
	if (a.err || a.result->bogus || (a.result->rcode != 0 && a.result->rcode != 3)) {
	    snprintf(why, whylen, "%s: %s", name, a.err ? ub_strerror(a.err) :
		     a.result->bogus ? "DNSSEC validation failed (bogus)" :
		     "the server answered an error");
	    ub_resolve_free(a.result);
	    return (-1);
	}
	af = types[t] == 1 ? AF_INET : AF_INET6;
	if (a.result->havedata && a.result->len[0] == (af == AF_INET ? 4 : 16)
	    && inet_ntop(af, a.result->data[0], buf, (socklen_t) len) != 0) {
	    ub_resolve_free(a.result);
	    return (0);
	}
	ub_resolve_free(a.result);
    }
    snprintf(why, whylen, "%s has no address", name);
    return (-1);
}

/*
 * The body of response RESP if it is a policy: a string, or null. A
 * response that did not end with close_notify must say its length.
 */
static char *policy_of(const char *resp, size_t len, int clean, char *why,
		               size_t whylen)
{
    HTTP_RESPONSE r;
    char    err[256], *text;

    if (http_response_parse(resp, len, &r, err, sizeof(err)) < 0) {
	snprintf(why, whylen, "a malformed HTTP response: %s", err);
	return (0);
    }
    if (!clean && !r.has_length) {
	snprintf(why, whylen, "the connection ended without TLS close_notify "
		 "and the response has no Content-Length: it may be cut short");
	return (0);
    }
    if (r.status != 200) {
	snprintf(why, whylen, "HTTP status %d", r.status);
	return (0);
    }
    if (!http_response_type_is(&r, "text/plain")) {
	snprintf(why, whylen, "Content-Type is %.*s, not text/plain",
		 r.content_type ? (int) (r.content_type_len > 60 ? 60 :
					 r.content_type_len) : 6,
		 r.content_type ? r.content_type : "absent");
	return (0);
    }
    if (r.body_len > POLICY_MAX) {
	snprintf(why, whylen, "the policy is longer than %d octets", POLICY_MAX);
	return (0);
    }
    text = xrealloc(0, r.body_len + 1);
    memcpy(text, r.body, r.body_len);
    text[r.body_len] = 0;
    return (text);
}

static void fetch_policy(struct ub_ctx *ub, const OPTIONS *o, const char *domain,
			         FETCHED *f)
{
    char    host[300], address[INET6_ADDRSTRLEN], err[400], *resp;
    HTTPS_GET g;
    size_t  len;
    int     clean = 0;

    snprintf(host, sizeof(host), "mta-sts.%s", domain);
    len = strlen(host) + sizeof(POLICY_PATH) + 8;
    f->url = xrealloc(0, len);
    snprintf(f->url, len, "https://%s%s", host, POLICY_PATH);
    if (resolve_host(ub, host, o->timeout, address, sizeof(address), err,
		     sizeof(err)) < 0) {
	snprintf(f->why, sizeof(f->why), "%s", err);
	return;
    }
    memset(&g, 0, sizeof(g));
    g.host = host;
    g.address = address;
    g.port = 443;
    g.path = POLICY_PATH;
    g.ca_file = o->ca_file;
    g.timeout = o->timeout;
    g.max_len = POLICY_MAX + POLICY_HEADERS;
    (void) signal(SIGPIPE, SIG_IGN);	/* a reset peer fails the write */
    if ((resp = https_get(&g, &len, &clean, err, sizeof(err))) == 0) {
	snprintf(f->why, sizeof(f->why), "%s (%s)", err, address);
	return;
    }
    f->text = policy_of(resp, len, clean, f->why, sizeof(f->why));
    free(resp);
}

/* Options. */

static int parse_options(int argc, char **argv, OPTIONS *o)
{
    static const struct option longopts[] = {
	{"server", required_argument, 0, 's'},
	{"trust-anchor", required_argument, 0, 'a'},
	{"timeout", required_argument, 0, 't'},
	{"max-queries", required_argument, 0, 'q'},
	{"fetch-policy", no_argument, 0, 'F'},
	{"ca-file", required_argument, 0, 'C'},
	{0, 0, 0, 0},
    };
    int     ch, n;

    memset(o, 0, sizeof(*o));
    o->timeout = DEFAULT_TIMEOUT;
    o->max_queries = DNSCHECK_MAX_QUERIES;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "s:a:t:q:", longopts, 0)) != -1) {
	switch (ch) {
	case 's':
	    o->server = optarg;
	    break;
	case 'a':
	    o->anchor = optarg;
	    break;
	case 'F':
	    o->fetch_policy = 1;
	    break;
	case 'C':
	    o->ca_file = optarg;
	    break;
	case 't':
	    if ((o->timeout = option_number("dnscheck", "--timeout", optarg, 1, 300)) < 0)
		return (-1);
	    break;
	case 'q':
	    if ((n = option_number("dnscheck", "--max-queries", optarg, 1, 100000)) < 0)
		return (-1);
	    o->max_queries = (size_t) n;
	    break;
	default:
	    usage_error("dnscheck: bad option");
	    return (-1);
	}
    }
    if (o->ca_file && !o->fetch_policy) {
	usage_error("dnscheck: --ca-file is for --fetch-policy");
	return (-1);
    }
    if (optind != argc - 1) {
	usage_error("dnscheck: name one TOPOLOGY or build DIR");
	return (-1);
    }
    return (0);
}

int     cmd_dnscheck(int argc, char **argv)
{
    OPTIONS o;
    EXPECT  e;
    DNSCHECK *check;
    struct ub_ctx *ub;
    struct stat st;
    FETCHED f;
    const char *what;
    size_t  first, n, problems, unanswered;

    if (parse_options(argc, argv, &o) < 0)
	return (DNSCHECK_USAGE);
    what = argv[optind];
    memset(&e, 0, sizeof(e));
    if ((stat(what, &st) == 0 && S_ISDIR(st.st_mode) ?
	 expect_build(&e, what) : expect_topology(&e, what)) < 0
	|| (ub = resolver(&o)) == 0) {
	expect_free(&e);
	return (DNSCHECK_USAGE);
    }
    check = dnscheck_create(e.topo, e.zone, e.policy, e.policy_path, o.max_queries);
    while ((n = dnscheck_pending(check, &first)) > 0)
	ask_round(ub, check, first, n, o.timeout);
    memset(&f, 0, sizeof(f));
    if (o.fetch_policy) {
	fetch_policy(ub, &o, e.topo->domain, &f);
	dnscheck_fetched_policy(check, f.url, f.text, f.text ? 0 : f.why);
    }
    problems = (size_t) dnscheck_compare(check, report_difference, 0);
    unanswered = dnscheck_unanswered(check);
    printf("dnscheck: %s: %zu difference%s, %zu unanswered, %zu queries%s%s\n",
	   e.topo->domain, problems - unanswered, problems - unanswered == 1 ?
	   "" : "s", unanswered, dnscheck_asked(check), o.server ? " to " : "",
	   o.server ? o.server : "");
    dnscheck_free(check);
    free(f.url);
    free(f.text);
    ub_ctx_delete(ub);
    expect_free(&e);
    if (fflush(stdout) != 0)
	return (DNSCHECK_USAGE);
    return (problems ? DNSCHECK_DIFFERS : 0);
}
