/*
 * verify.c - maptool verify: prove what a build's maps do.
 *
 * Exports cmd_verify(), verify_problem() and verify_print(). Reads
 * DIR/servers, the topology it names (or -t TOPOLOGY), DIR/dns.zone and
 * every map the servers run, and follows every address through them
 * (see topology/routeverify.c). Prints each problem and a summary table
 * of the figures route_verify() returns; maptool build prints the same.
 * Exit 0 when everything is proved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include "routeverify.h"
#include "topology.h"
#include "progress.h"
#include "maptool.h"

/* An inconsistency of the build, on standard output with the report. */
void    verify_problem(void *ctx, const char *file, unsigned line, int is_error,
		               const char *why)
{
    (void) ctx;
    (void) is_error;
    if (line)
	printf("problem: %s:%u: %s\n", file, line, why);
    else
	printf("problem: %s: %s\n", file, why);
}

/* The widest host and label of R's entry points, at least the titles. */
static void column_widths(const VERIFY_RESULT *r, int *host, int *label)
{
    size_t  e;

    *host = 11;
    *label = 8;
    for (e = 0; e < r->nentries; e++) {
	if ((int) strlen(r->entries[e].host) > *host)
	    *host = (int) strlen(r->entries[e].host);
	if ((int) strlen(r->entries[e].label) > *label)
	    *label = (int) strlen(r->entries[e].label);
    }
}

void    verify_print(const VERIFY_RESULT *r, FILE *out)
{
    static const char *const promise[VERIFY_PROMISES] = {
	"every known address ends in exactly one mailbox, its user's",
	"every unknown address is rejected by the first server it reaches\n"
	"         (at another branch's subdomain: by that branch, its MX)",
	"no path loops",
	"no mail a branch sends to its own users passes through a switch",
	"the build is consistent (servers, zone, branch maps)",
    };
    const VERIFY_ENTRY *e;
    unsigned long total = 0;
    size_t  i;
    int     p, host, label;

    for (i = 0; i < r->nshown; i++)
	fprintf(out, "problem: %s\n", r->shown[i]);
    for (p = 0; p < VERIFY_PROMISES; p++)
	total += r->problems[p];
    if (total > r->nshown + r->reported)
	fprintf(out, "(%lu more problems not shown)\n",
		total - r->nshown - r->reported);
    fprintf(out, "verify %s: %s, %zu branches, %zu users, %zu roles, "
	    "%lu addresses sent\n", r->name, r->domain, r->nbranches, r->nusers, r->nroles, r->addresses);
    column_widths(r, &host, &label);
    fprintf(out, "%-*s %-*s %9s %9s %8s %7s %8s %4s\n", host, "entry point",
	    label, "receives", "addresses", "delivered", "rejected", "switch",
	    "problems", "hops");
    for (e = r->entries; e < r->entries + r->nentries; e++)
	fprintf(out, "%-*s %-*s %9lu %9lu %8lu %7lu %8lu %4u\n", host, e->host,
		label, e->label, e->tried, e->delivered, e->rejected,
		e->via_switch, e->problems, e->max_hops);
    fprintf(out, "users: %lu proved, %lu not; roles: %lu of %zu; unknown "
	    "addresses rejected first: %lu; longest path: %u hop%s after the entry\n",
	    r->users_ok, r->users_bad, r->roles_ok, r->nroles, r->unknown_ok,
	    r->max_hops, r->max_hops == 1 ? "" : "s");
    for (p = 0; p < VERIFY_PROMISES; p++)
	fprintf(out, "%-8s %s\n", r->problems[p] ? "FAILED" : "proved", promise[p]);
}

int     cmd_verify(int argc, char **argv)
{
    VERIFY_OPTS o;
    VERIFY_RESULT result;
    TOPOLOGY *topo = 0;
    PROGRESS *progress;
    const char *topology = 0;
    int     ch, status;

    memset(&o, 0, sizeof(o));
    o.samples = 20;
    o.max_problems = 20;
    o.report = report_to_stderr;
    o.problem = verify_problem;
    optind = 1;
    while ((ch = getopt(argc, argv, "t:s:j:p:")) != -1) {
	switch (ch) {
	case 't':
	    topology = optarg;
	    break;
	case 's':
	    if ((o.samples = option_number("verify", "-s", optarg, 0, 10000)) < 0)
		return (EX_USAGE);
	    break;
	case 'j':
	    if ((o.threads = option_number("verify", "-j", optarg, 1, 64)) < 0)
		return (EX_USAGE);
	    break;
	case 'p':
	    if ((o.max_problems = option_number("verify", "-p", optarg, 0, 1000000)) < 0)
		return (EX_USAGE);
	    break;
	default:
	    usage_error("verify: bad option");
	    return (EX_USAGE);
	}
    }
    if (optind != argc - 1) {
	usage_error("verify: name one build DIR");
	return (EX_USAGE);
    }
    o.dir = argv[optind];
    if (topology) {
	if ((topo = topology_load(topology, report_to_stderr, 0)) == 0)
	    return (EX_NOINPUT);
	if (topo->errors) {
	    fprintf(stderr, "%s: %s: %d error%s\n", progname, topology,
		    topo->errors, topo->errors == 1 ? "" : "s");
	    topology_free(topo);
	    return (EX_DATAERR);
	}
    }
    progress = progress_start("maptool verify");
    progress_phase(progress, "verifying");
    status = route_verify(&o, topo, &result);
    progress_done(progress);
    if (status >= 0)
	verify_print(&result, stdout);
    verify_result_free(&result);
    topology_free(topo);
    if (fflush(stdout) != 0)
	return (EX_IOERR);
    return (status == 0 ? 0 : status > 0 ? EX_DATAERR : EX_NOINPUT);
}
