/*
 * routeverify.c - prove what a build's maps do with every address.
 *
 * Exports route_verify() and verify_result_free(). Reads the build
 * (verifyload.c), then sends every address of the topology in at every
 * entry point it may come in by (verifyprobe.c), follows it through the
 * servers as the network would carry it (verifyroute.c) and judges
 * where it ends (verifyexpect.c); the mail-auth records of the zone
 * are checked too (recordverify.c). The work is split over threads by
 * users, each thread with its own figures; they are summed into a
 * VERIFY_RESULT for the caller to print.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "recordverify.h"
#include "routeverify.h"
#include "verifyload.h"
#include "verifyprobe.h"
#include "verifyroute.h"
#include "workpool.h"
#include "xalloc.h"

/* Worker JOB of the array ARG does its share; a workpool job. */
static void run_worker(void *arg, size_t job)
{
    probe_all((WORKER *) arg + job);
}

/* The figures of the entry point E, summed over the NW workers W. */
static void sum_entry(const VERIFIER *v, const WORKER *w, int nw, size_t e,
		              VERIFY_ENTRY *out)
{
    int     k;

    memset(out, 0, sizeof(*out));
    snprintf(out->host, sizeof(out->host), "%s", server_name(v, v->entries[e].server));
    snprintf(out->label, sizeof(out->label), "%s", v->entries[e].label);
    for (k = 0; k < nw; k++) {
	out->tried += w[k].stats[e].tried;
	out->delivered += w[k].stats[e].delivered;
	out->rejected += w[k].stats[e].rejected;
	out->problems += w[k].stats[e].problems;
	out->via_switch += w[k].stats[e].via_switch;
	if (w[k].stats[e].max_hops > out->max_hops)
	    out->max_hops = w[k].stats[e].max_hops;
    }
}

/* The workers' figures into R; their kept findings move over. */
static void sum_figures(const VERIFIER *v, WORKER *w, int nw, VERIFY_RESULT *r)
{
    size_t  max = (size_t) v->opts->max_problems, i, e;
    int     k, p;

    r->nbranches = v->topo->nbranches;
    r->nusers = v->topo->nusers;
    r->nroles = v->topo->nroles;
    for (k = 0; k < nw; k++) {
	for (p = 0; p < VERIFY_PROMISES; p++)
	    r->problems[p] += w[k].problems[p];
	r->users_ok += w[k].users_ok;
	r->users_bad += w[k].users_bad;
	r->unknown_ok += w[k].unknown_ok;
	r->roles_ok += w[k].roles_ok;
	r->addresses += w[k].addresses;
	if (w[k].max_hops > r->max_hops)
	    r->max_hops = w[k].max_hops;
	for (i = 0; i < w[k].nshown; i++) {
	    if (r->nshown < max) {
		r->shown = xrealloc(r->shown, (r->nshown + 1) * sizeof(char *));
		r->shown[r->nshown++] = w[k].shown[i];
	    } else {
		free(w[k].shown[i]);
	    }
	}
	w[k].nshown = 0;
    }
    r->nentries = v->nentries;
    r->entries = xcalloc(v->nentries ? v->nentries : 1, sizeof(VERIFY_ENTRY));
    for (e = 0; e < v->nentries; e++)
	sum_entry(v, w, nw, e, r->entries + e);
}

static void run_workers(VERIFIER *v, VERIFY_RESULT *r)
{
    WORKER  w[VERIFY_MAX_THREADS];
    int     nw = verify_thread_count(v->opts, v->topo->nusers), k;

    for (k = 0; k < nw; k++)
	worker_init(w + k, v, k, nw);
    workpool_run(run_worker, w, (size_t) nw, nw);
    sum_figures(v, w, nw, r);
    for (k = 0; k < nw; k++)
	worker_free(w + k);
}

int     route_verify(const VERIFY_OPTS *opts, const TOPOLOGY *topo, VERIFY_RESULT *r)
{
    VERIFIER v;
    TOPOLOGY *loaded;
    int     status = -1, p;
    unsigned long total = 0;

    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", opts->name ? opts->name : opts->dir);
    if (verifier_load(&v, opts, topo, &loaded) == 0) {
	snprintf(r->domain, sizeof(r->domain), "%s", v.topo->domain);
	v.setup_problems += record_verify(opts->dir, v.topo, v.zone,
					  opts->problem, opts->ctx);
	run_workers(&v, r);
	r->reported = v.setup_problems;
	r->problems[VERIFY_STRUCTURE] += v.setup_problems;
	for (p = 0; p < VERIFY_PROMISES; p++)
	    total += r->problems[p];
	status = total ? 1 : 0;
    }
    verifier_free(&v);
    topology_free(loaded);
    return (status);
}

void    verify_result_free(VERIFY_RESULT *r)
{
    size_t  i;

    for (i = 0; i < r->nshown; i++)
	free(r->shown[i]);
    free(r->shown);
    free(r->entries);
    memset(r, 0, sizeof(*r));
}
