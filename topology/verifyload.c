/*
 * verifyload.c - read a build for maptool verify.
 *
 * Exports verifier_load(), verifier_free(), verify_thread_count(),
 * server_name(), verifier_branch_of(), verifier_zone_name() and
 * verifier_server_of().
 * Reads the build's servers file (checked against the topology: same
 * servers, same branches), every map a server runs (each read whole
 * into a TABLE, each entry checked as a table line would be; the maps
 * are read on several threads), and the zone fragment (every MX names
 * a host with an address here, never an IP or a CNAME). From the zone
 * come the entry points: each MX host of the domain and of each branch
 * subdomain, and each branch's own submission. Everything is indexed by
 * name, so that setting up grows with the size of the build, not with
 * its square. Inconsistencies go to the caller's problem callback.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "map.h"
#include "verifyload.h"
#include "workpool.h"
#include "xalloc.h"

/* An inconsistency of the build: FILE:LINE: reason, and counted. */
static void setup_problem(VERIFIER *v, const char *file, unsigned line,
			          const char *fmt,...)
{
    char    buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    v->opts->problem(v->opts->ctx, file, line, 1, buf);
    v->setup_problems++;
}

static char *build_path(const VERIFY_OPTS *opts, const char *name)
{
    size_t  len = strlen(opts->dir) + strlen(name) + 2;
    char   *path = xrealloc(0, len);

    snprintf(path, len, "%s/%s", opts->dir, name);
    return (path);
}

const char *server_name(const VERIFIER *v, int server)
{
    return (v->vs[server].conf->host);
}

long    verifier_branch_of(const VERIFIER *v, const char *domain)
{
    return ((long) (uintptr_t) htable_find(v->subdomain_index, domain) - 1);
}

long    verifier_server_of(const VERIFIER *v, const char *host)
{
    return ((long) (uintptr_t) htable_find(v->host_index, host) - 1);
}

const ZONE_NAME *verifier_zone_name(const VERIFIER *v, const char *name)
{
    return (htable_find(v->zone_index, name));
}

/* The index of map file NAME, entered when new. */
static int map_file_index(VERIFIER *v, const char *name)
{
    uintptr_t i = (uintptr_t) htable_find(v->map_index, name);

    if (i)
	return ((int) i - 1);
    v->map_files = xrealloc(v->map_files, (v->nmap_files + 1) * sizeof(char *));
    v->map_files[v->nmap_files] = xstrdup(name);
    xhtable_insert(v->map_index, v->map_files[v->nmap_files],
		   (void *) (uintptr_t) (v->nmap_files + 1));
    return ((int) v->nmap_files++);
}

static void index_branches(VERIFIER *v)
{
    const TOPOLOGY *topo = v->topo;
    size_t  b;

    v->subdomain_index = xhtable_create(16 + topo->nbranches);
    for (b = 0; b < topo->nbranches; b++)
	if (topo->branches[b].subdomain
	    && htable_find(v->subdomain_index, topo->branches[b].subdomain) == 0)
	    xhtable_insert(v->subdomain_index, topo->branches[b].subdomain,
			   (void *) (uintptr_t) (b + 1));
}

static long branch_named(HTABLE *names, const char *name)
{
    return ((long) (uintptr_t) htable_find(names, name) - 1);
}

/* One server of the servers file against the topology. */
static void setup_server(VERIFIER *v, size_t i, HTABLE *branch_names)
{
    const TOPOLOGY *topo = v->topo;
    const SERVER *s = v->servers->server + i;
    VSERVER *vs = v->vs + i;
    size_t  j;

    vs->conf = s;
    vs->is_switch = (s->role == SERVER_SWITCH);
    vs->branch = s->branch ? branch_named(branch_names, s->branch) : -1;
    if (s->branch && vs->branch < 0)
	setup_problem(v, v->servers->path, s->line, "branch %s is not in %s",
		      s->branch, topo->path);
    else if (s->branch && strcmp(topo->branches[vs->branch].host.name, s->host) != 0)
	setup_problem(v, v->servers->path, s->line, "branch %s's host is %s in %s",
		      s->branch, topo->branches[vs->branch].host.name, topo->path);
    for (j = 0; j < s->nmaps; j++)
	vs->map[vs->nmaps++] = map_file_index(v, s->maps[j]);
    if (htable_find(v->host_index, s->host))
	setup_problem(v, v->servers->path, s->line, "host %s listed twice", s->host);
    else
	xhtable_insert(v->host_index, s->host, (void *) (uintptr_t) (i + 1));
}

/* The servers file against the topology: same servers, same roles. */
static void setup_servers(VERIFIER *v)
{
    const TOPOLOGY *topo = v->topo;
    size_t  i, want = topo->nswitches + topo->nbackups + topo->nbranches;
    HTABLE *branch_names = xhtable_create(16 + topo->nbranches);

    v->nvs = v->servers->count;
    v->vs = xcalloc(v->nvs ? v->nvs : 1, sizeof(*v->vs));
    v->host_index = xhtable_create(16 + v->nvs);
    v->map_index = xhtable_create(16 + v->nvs);
    for (i = 0; i < topo->nbranches; i++)	/* the first of a name wins */
	if (htable_find(branch_names, topo->branches[i].name) == 0)
	    xhtable_insert(branch_names, topo->branches[i].name,
			   (void *) (uintptr_t) (i + 1));
    for (i = 0; i < v->nvs; i++)
	setup_server(v, i, branch_names);
    htable_free(branch_names);
    if (v->nvs != want)
	setup_problem(v, v->servers->path, 0, "lists %zu servers; %s has %zu",
		      v->nvs, topo->path, want);
    if (strcmp(v->servers->domain, topo->domain) != 0)
	setup_problem(v, v->servers->path, 0, "is for %s; %s is for %s",
		      v->servers->domain, topo->path, topo->domain);
}

/* Report ERR of PATH as FILE: reason, without PATH twice. */
static void report_map_error(const VERIFIER *v, const char *path, const char *err)
{
    size_t  len = strlen(path);

    if (strncmp(err, path, len) == 0 && strncmp(err + len, ": ", 2) == 0)
	err += len + 2;
    v->opts->report(v->opts->ctx, path, 0, 1, err);
}

/* Read map file I whole, each entry checked as a table line would be. */
static int load_map(VERIFIER *v, size_t i)
{
    LOADED_MAP *lm = v->maps + i;
    char    err[512], *path, *value;
    const char *at;
    MAP    *map;
    size_t  e;

    path = build_path(v->opts, v->map_files[i]);
    if ((map = map_open_readonly(path, err, sizeof(err))) == 0) {
	report_map_error(v, path, err);
	free(path);
	return (-1);
    }
    free(path);
    lm->table = table_from_map(map, v->opts->report, v->opts->ctx);
    map_close(map);
    if (lm->table == 0)
	return (-1);
    /* The domains of literal keys, as map_serves() knows them. */
    lm->domains = xhtable_create(16);
    for (e = 0; e < lm->table->count; e++)
	if (lm->table->entries[e].seq == 0
	    && (at = strrchr(lm->table->entries[e].key, '@')) != 0
	    && htable_find(lm->domains, at + 1) == 0)
	    xhtable_insert(lm->domains, at + 1, lm);
    /* The lookup index now: it is built once either way (see table.c). */
    if (table_lookup(lm->table, "@", &value) > 0)
	free(value);
    return (0);
}

/* Maps are read in turns: job K reads every NTHREADS-th from K on. */
typedef struct MAP_LOADING {
    VERIFIER *v;
    size_t  nthreads;
    int     failed[VERIFY_MAX_THREADS];
} MAP_LOADING;

static void load_some(void *arg, size_t job)
{
    MAP_LOADING *ml = arg;
    size_t  i;

    for (i = job; i < ml->v->nmap_files; i += ml->nthreads)
	if (load_map(ml->v, i) < 0)
	    ml->failed[job] = 1;
}

/* Read every map, in as many threads as verify may use. */
static int load_maps(VERIFIER *v, int nthreads)
{
    MAP_LOADING ml;
    int     failed = 0;
    size_t  i;

    v->maps = xcalloc(v->nmap_files ? v->nmap_files : 1, sizeof(LOADED_MAP));
    memset(&ml, 0, sizeof(ml));
    ml.v = v;
    ml.nthreads = (size_t) nthreads;
    workpool_run(load_some, &ml, ml.nthreads, nthreads);
    for (i = 0; i < ml.nthreads; i++)
	failed |= ml.failed[i];
    for (i = 0; !failed && i < v->nmap_files; i++)
	if (v->maps[i].table->errors)
	    setup_problem(v, v->map_files[i], 0, "%d bad entries",
			  v->maps[i].table->errors);
    return (failed ? -1 : 0);
}

/* The zone's MX records by preference, stable (as zone_mx() sorts). */
static void sort_mx(ZONE_NAME *zn)
{
    const ZONE_RR *swap;
    size_t  i, j, n = zn->nmx < VERIFY_MAX_MX ? zn->nmx : VERIFY_MAX_MX;

    for (i = 1; i < n; i++)
	for (j = i; j > 0 && zn->mx[j - 1]->preference > zn->mx[j]->preference; j--) {
	    swap = zn->mx[j];
	    zn->mx[j] = zn->mx[j - 1];
	    zn->mx[j - 1] = swap;
	}
}

/* The zone's records by name, each MX host as a server: one pass. */
static void index_zone(VERIFIER *v)
{
    const ZONE *zone = v->zone;
    const ZONE_RR *rr;
    ZONE_NAME *zn;
    size_t  i, n;

    v->zone_names = xcalloc(zone->count ? zone->count : 1, sizeof(ZONE_NAME));
    v->zone_index = xhtable_create(16 + zone->count);
    for (rr = zone->rr; rr < zone->rr + zone->count; rr++) {
	if ((zn = htable_find(v->zone_index, rr->name)) == 0) {
	    zn = v->zone_names + v->nzone_names++;
	    xhtable_insert(v->zone_index, rr->name, zn);
	}
	if (rr->type == ZONE_A || rr->type == ZONE_AAAA)
	    zn->naddr++;
	else if (rr->type == ZONE_CNAME)
	    zn->ncname++;
	else if (rr->type == ZONE_MX && zn->nmx++ < VERIFY_MAX_MX) {
	    zn->mx = xrealloc(zn->mx, zn->nmx * sizeof(*zn->mx));
	    zn->mx[zn->nmx - 1] = rr;
	}
    }
    for (zn = v->zone_names; zn < v->zone_names + v->nzone_names; zn++) {
	sort_mx(zn);
	n = zn->nmx < VERIFY_MAX_MX ? zn->nmx : VERIFY_MAX_MX;
	zn->mx_server = xcalloc(n ? n : 1, sizeof(long));
	for (i = 0; i < n; i++)
	    zn->mx_server[i] = verifier_server_of(v, zn->mx[i]->data);
    }
}

static size_t zone_addresses(const VERIFIER *v, const char *name)
{
    const ZONE_NAME *zn = verifier_zone_name(v, name);

    return (zn ? zn->naddr : 0);
}

/* The zone: every MX names a host with an address here, never an IP. */
static void check_zone(VERIFIER *v)
{
    const ZONE_RR *rr;
    const ZONE_NAME *zn;
    const char *path = v->zone->path;
    size_t  i;

    for (i = 0; i < v->zone->count; i++) {
	rr = v->zone->rr + i;
	if (rr->type != ZONE_MX)
	    continue;
	if ((zn = verifier_zone_name(v, rr->data)) != 0 && zn->ncname)
	    setup_problem(v, path, rr->line, "MX %s is a CNAME", rr->data);
	if (topology_in_domain(rr->data, v->topo->domain)
	    && zone_addresses(v, rr->data) == 0)
	    setup_problem(v, path, rr->line, "MX %s has no address record", rr->data);
	if (strspn(rr->data, "0123456789.") == strlen(rr->data)
	    || strchr(rr->data, ':'))
	    setup_problem(v, path, rr->line, "MX %s is an address", rr->data);
    }
}

/* The domains mail may be routed to: the zone's names and ours. */
static void index_domains(VERIFIER *v)
{
    const TOPOLOGY *topo = v->topo;
    const char *names[2];
    size_t  i, d;

    v->domain_index = xhtable_create(16 + topo->nbranches + v->zone->count);
    v->domains = xcalloc(2 + topo->nbranches + v->zone->count, sizeof(char *));
    names[0] = topo->domain;
    names[1] = topo->relay;
    for (i = 0; i < 2 + topo->nbranches + v->zone->count; i++) {
	const char *domain = i < 2 ? names[i] : i < 2 + topo->nbranches ?
	topo->branches[i - 2].subdomain : v->zone->rr[i - 2 - topo->nbranches].name;

	if (htable_find(v->domain_index, domain))
	    continue;
	d = v->ndomains++;
	v->domains[d] = domain;
	xhtable_insert(v->domain_index, domain, (void *) (uintptr_t) (d + 1));
    }
}

static void add_entry(VERIFIER *v, int server, ENTRY_KIND kind, long mx_branch,
		              const char *fmt,...)
{
    ENTRY_POINT *e;
    va_list ap;

    v->entries = xrealloc(v->entries, (v->nentries + 1) * sizeof(*v->entries));
    e = v->entries + v->nentries++;
    e->server = server;
    e->kind = kind;
    e->mx_branch = mx_branch;
    va_start(ap, fmt);
    vsnprintf(e->label, sizeof(e->label), fmt, ap);
    va_end(ap);
}

/* The MX hosts of the domain, each an entry point. */
static void setup_domain_entries(VERIFIER *v)
{
    const TOPOLOGY *topo = v->topo;
    const ZONE_NAME *zn = verifier_zone_name(v, topo->domain);
    size_t  n = zn ? zn->nmx : 0, i;

    if (n == 0)
	setup_problem(v, v->zone->path, 0, "no MX for %s", topo->domain);
    v->domain_mx = xcalloc(n ? n : 1, sizeof(size_t));
    for (i = 0; i < n && i < VERIFY_MAX_MX; i++) {
	if (zn->mx_server[i] < 0) {
	    setup_problem(v, v->zone->path, zn->mx[i]->line, "MX %s of %s is none "
			  "of the servers", zn->mx[i]->data, topo->domain);
	    continue;
	}
	v->domain_mx[v->ndomain_mx++] = v->nentries;
	add_entry(v, (int) zn->mx_server[i], ENTRY_MX, -1, "MX %d %s",
		  zn->mx[i]->preference, topo->domain);
    }
}

/* Entry points: the MX hosts of the domain and subdomains, submissions. */
static void setup_entries(VERIFIER *v)
{
    const TOPOLOGY *topo = v->topo;
    const ZONE_NAME *zn;
    long   *runs = xcalloc(topo->nbranches ? topo->nbranches : 1, sizeof(long));
    size_t  b, i;

    v->submission = xcalloc(topo->nbranches ? topo->nbranches : 1, sizeof(long));
    v->branch_mx = xcalloc(topo->nbranches ? topo->nbranches : 1, sizeof(long));
    setup_domain_entries(v);
    for (b = 0; b < topo->nbranches; b++) {
	v->branch_mx[b] = -1;
	zn = verifier_zone_name(v, topo->branches[b].subdomain);
	if (zn == 0 || zn->nmx == 0 || zn->mx_server[0] < 0) {
	    setup_problem(v, v->zone->path, 0, "no MX for %s leads to a server",
			  topo->branches[b].subdomain);
	    continue;
	}
	v->branch_mx[b] = (long) v->nentries;
	add_entry(v, (int) zn->mx_server[0], ENTRY_MX, (long) b, "MX %d %s",
		  zn->mx[0]->preference, topo->branches[b].subdomain);
    }
    /* A branch's submission is the last server running it. */
    for (i = 0; i < v->nvs; i++)
	if (v->vs[i].branch >= 0)
	    runs[v->vs[i].branch] = (long) i + 1;
    for (b = 0; b < topo->nbranches; b++) {
	v->submission[b] = -1;
	if (runs[b] == 0) {
	    setup_problem(v, v->servers->path, 0, "no server runs branch %s",
			  topo->branches[b].name);
	    continue;
	}
	v->submission[b] = (long) v->nentries;
	add_entry(v, (int) runs[b] - 1, ENTRY_SUBMISSION, -1, "submission");
    }
    free(runs);
}

/* The servers file and the topology it names (or TOPO). */
static int read_servers(VERIFIER *v, const TOPOLOGY *topo, TOPOLOGY **loaded)
{
    const VERIFY_OPTS *opts = v->opts;
    char   *path = build_path(opts, "servers");
    int     errors;

    v->servers = servers_read(path, opts->report, opts->ctx, &errors);
    free(path);
    if (v->servers == 0 || errors)
	return (-1);
    if (topo == 0) {
	*loaded = topology_load(v->servers->topology, opts->report, opts->ctx);
	if (*loaded == 0)
	    return (-1);
	if ((*loaded)->errors) {
	    opts->problem(opts->ctx, (*loaded)->path, 0, 1,
			  "has errors: cannot verify against it");
	    return (-1);
	}
	topo = *loaded;
    }
    v->topo = topo;
    return (0);
}

int     verify_thread_count(const VERIFY_OPTS *opts, size_t users)
{
    long    n = opts->threads > 0 ? opts->threads : sysconf(_SC_NPROCESSORS_ONLN);

    if (n < 1)
	n = 1;
    if (n > VERIFY_MAX_THREADS)
	n = VERIFY_MAX_THREADS;
    if (users < 10000 && opts->threads == 0)
	n = 1;				/* not worth a thread */
    return ((int) n);
}

int     verifier_load(VERIFIER *v, const VERIFY_OPTS *opts, const TOPOLOGY *topo,
		              TOPOLOGY **loaded)
{
    char   *path;
    int     errors;

    memset(v, 0, sizeof(*v));
    v->opts = opts;
    *loaded = 0;
    if (read_servers(v, topo, loaded) < 0)
	return (-1);
    path = build_path(opts, "dns.zone");
    v->zone = zone_read(path, opts->report, opts->ctx, &errors);
    free(path);
    if (v->zone == 0 || errors)
	return (-1);
    index_branches(v);
    setup_servers(v);
    if (load_maps(v, verify_thread_count(opts, v->topo->nusers)) < 0)
	return (-1);
    index_zone(v);
    check_zone(v);
    index_domains(v);
    setup_entries(v);
    return (0);
}

void    verifier_free(VERIFIER *v)
{
    size_t  i;

    for (i = 0; i < v->nmap_files; i++) {
	free(v->map_files[i]);
	if (v->maps) {
	    table_free(v->maps[i].table);
	    htable_free(v->maps[i].domains);
	}
    }
    for (i = 0; i < v->nzone_names; i++) {
	free(v->zone_names[i].mx);
	free(v->zone_names[i].mx_server);
    }
    free(v->zone_names);
    htable_free(v->zone_index);
    htable_free(v->map_index);
    htable_free(v->host_index);
    htable_free(v->subdomain_index);
    free(v->map_files);
    free(v->maps);
    free(v->vs);
    free(v->domains);
    htable_free(v->domain_index);
    free(v->entries);
    free(v->submission);
    free(v->branch_mx);
    free(v->domain_mx);
    zone_free(v->zone);
    servers_free(v->servers);
}
