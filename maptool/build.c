/*
 * build.c - maptool build: every server's table, map and the DNS zone
 * fragment (routes, SPF, DMARC, MTA-STS, TLS-RPT, TLSA) from one
 * topology, with the MTA-STS policy file and a picture of the routes.
 *
 * Exports cmd_build(). The topology and all user lists are read and
 * checked first; on any error nothing is written. The outputs are made
 * in a fresh directory beside DIR, each text table compiled exactly as
 * maptool compile would (table_load(), then table_write_map()), then
 * verified (route_verify()); only a build that verifies replaces DIR,
 * in one atomic exchange of the two directories, after a summary of the
 * answers it changes against the build it replaces (diff.c). DIR and
 * the stage are handled through open directories (builddir.c), so that neither can be
 * swapped for a symbolic link while the build runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sysexits.h>
#include <unistd.h>
#include "atomicfile.h"
#include "builddir.h"
#include "mailauth.h"
#include "progress.h"
#include "map.h"
#include "routedot.h"
#include "routegen.h"
#include "routeverify.h"
#include "servers.h"
#include "tablemap.h"
#include "topology.h"
#include "workpool.h"
#include "zone.h"
#include "maptool.h"

#define WRITE_BUFFER	(1 << 20)
#define BUILD_MAX_THREADS	4
#define BUILD_DIFF_LINES	20	/* of the summary of changes */

typedef struct BUILD {
    const char *topology;
    const char *dir;
    BUILD_DIR out;			/* dir, and the stage beside it */
    char   *stage;			/* the new build's path (out.stage) */
    TOPOLOGY *topo;
    MAILAUTH *auth;			/* the records besides the routes */
    VERIFY_OPTS verify;
    int     keep;			/* -k: keep a build that fails */
    PROGRESS *progress;			/* on a terminal */
    size_t *order;			/* branches, those that gain first */
    size_t  gaining;
    size_t  tables, entries;
} BUILD;

static double now(void)
{
    struct timeval tv;

    gettimeofday(&tv, 0);
    return (tv.tv_sec + tv.tv_usec / 1e6);
}

static char *stage_path(const BUILD *b, const char *name, const char *suffix)
{
    size_t  len = strlen(b->stage) + strlen(name) + strlen(suffix) + 2;
    char   *path = malloc(len);

    if (path)
	snprintf(path, len, "%s/%s%s", b->stage, name, suffix);
    return (path);
}

/* Writers for the files of a build. */
typedef int (*WRITE_FN) (const BUILD *b, size_t arg, FILE *fp);

static int write_switch(const BUILD *b, size_t arg, FILE *fp)
{
    (void) arg;
    return (routegen_switch(b->topo, fp));
}

static int write_domain(const BUILD *b, size_t arg, FILE *fp)
{
    (void) arg;
    return (routegen_domain(b->topo, fp));
}

static int write_branch(const BUILD *b, size_t arg, FILE *fp)
{
    return (routegen_branch(b->topo, arg, fp));
}

static int write_zone(const BUILD *b, size_t arg, FILE *fp)
{
    (void) arg;
    return (zone_write(b->topo, fp) == 0 && mailauth_write_zone(b->auth, fp) == 0
	    ? 0 : -1);
}

static int write_dot(const BUILD *b, size_t arg, FILE *fp)
{
    (void) arg;
    return (routedot_write(b->topo, fp));
}

static int write_sts_policy(const BUILD *b, size_t arg, FILE *fp)
{
    (void) arg;
    return (mailauth_write_policy(b->auth, fp));
}

static int write_servers(const BUILD *b, size_t arg, FILE *fp)
{
    char    real[PATH_MAX];

    (void) arg;
    if (realpath(b->topology, real) == 0)
	snprintf(real, sizeof(real), "%s", b->topology);
    return (servers_write(b->topo, real, b->order, fp));
}

/*
 * A new file PATH (from stage_path()) in the stage, opened through the
 * stage's descriptor and never through a symbolic link.
 */
static FILE *create_in_stage(const BUILD *b, const char *path)
{
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    FILE   *fp;
    int     fd;

    if ((fd = openat(b->out.stage_fd, name, O_WRONLY | O_CREAT | O_EXCL
		     | O_NOFOLLOW | O_CLOEXEC, 0666)) < 0)
	return (0);
    if ((fp = fdopen(fd, "w")) == 0)
	close(fd);
    return (fp);
}

/* Write PATH with FN, flushed and synced. */
static int write_file(const BUILD *b, const char *path, WRITE_FN fn, size_t arg)
{
    FILE   *fp;
    int     r;

    if ((fp = create_in_stage(b, path)) == 0) {
	fprintf(stderr, "%s: %s: %s\n", progname, path, strerror(errno));
	return (-1);
    }
    setvbuf(fp, 0, _IOFBF, WRITE_BUFFER);
    r = fn(b, arg, fp);
    if (r == 0 && fsync(fileno(fp)) < 0)
	r = -1;
    if (fclose(fp) != 0)
	r = -1;
    if (r < 0)
	fprintf(stderr, "%s: %s: write error: %s\n", progname, path, strerror(errno));
    return (r);
}

/* NAME.vut, then NAME.db compiled from it as maptool compile would. */
static int write_table(const BUILD *b, const char *name, WRITE_FN fn, size_t arg,
		               size_t *entries)
{
    char   *vut = stage_path(b, name, ".vut"), *db = stage_path(b, name, ".db");
    char    err[512];
    TABLE  *t = 0;
    int     r = -1;

    if (vut == 0 || db == 0) {
	fprintf(stderr, "%s: out of memory\n", progname);
    } else if (write_file(b, vut, fn, arg) == 0
	       && (t = table_load(vut, 0, report_to_stderr, 0)) != 0) {
	if (t->errors)
	    fprintf(stderr, "%s: %s: %d errors in a generated table: a bug in "
		    "maptool build\n", progname, vut, t->errors);
	else if (table_write_map(t, db, MAP_TYPE_HASH, 0, err, sizeof(err)) < 0)
	    fprintf(stderr, "%s: %s\n", progname, err);
	else {
	    *entries = t->count;
	    r = 0;
	}
    }
    table_free(t);
    free(vut);
    free(db);
    return (r);
}

/* Does branch I have a user that the previous build's map of it lacks? */
static int gains_users(const BUILD *b, const SERVERS *old, size_t i)
{
    const TOPOLOGY *topo = b->topo;
    const TOPO_BRANCH *br = topo->branches + i;
    const SERVER *s = 0;
    char    path[PATH_MAX], key[TOPO_MAX_NAME + 260], err[512], *value;
    MAP    *map;
    size_t  k, u;
    int     gains = 0, r;

    for (k = 0; k < old->count; k++)
	if (old->server[k].branch && strcmp(old->server[k].branch, br->name) == 0)
	    s = old->server + k;
    if (s && s->has_digest && s->users_digest == servers_users_digest(topo, i))
	return (0);				/* the same list as before */
    snprintf(path, sizeof(path), "%s/%s.db", b->dir, br->name);
    if (s == 0 || (map = map_open_readonly(path, err, sizeof(err))) == 0)
	return (1);				/* a new branch */
    for (u = br->first_user; !gains && u < br->first_user + br->nusers; u++) {
	snprintf(key, sizeof(key), "%s@%s", topo->users[u].name, topo->domain);
	if ((r = map_lookup(map, key, &value)) > 0)
	    free(value);
	else
	    gains = 1;
    }
    map_close(map);
    return (gains);
}

/*
 * The order to install the branches in: those that gain users first, so
 * that no server sends a moved user's mail to a branch that does not
 * know the user yet. Needs the previous build in DIR; without one, the
 * topology's order.
 */
static int order_branches(BUILD *b)
{
    char    path[PATH_MAX];
    SERVERS *old;
    size_t  n = b->topo->nbranches, i, j = 0;
    unsigned char *gains;
    int     errors;

    if ((b->order = malloc((n ? n : 1) * sizeof(size_t))) == 0
	|| (gains = calloc(n ? n : 1, 1)) == 0) {
	fprintf(stderr, "%s: out of memory\n", progname);
	return (-1);
    }
    snprintf(path, sizeof(path), "%s/servers", b->dir);
    if (access(path, F_OK) == 0
	&& (old = servers_read(path, report_ignore, 0, &errors)) != 0) {
	for (i = 0; i < n; i++)
	    gains[i] = (unsigned char) gains_users(b, old, i);
	servers_free(old);
    }
    for (i = 0; i < n; i++)
	if (gains[i])
	    b->order[j++] = i;
    b->gaining = j;
    for (i = 0; i < n; i++)
	if (!gains[i])
	    b->order[j++] = i;
    free(gains);
    return (0);
}

/* Every output file, in a table: name, writer, and whether it is a map. */
typedef struct OUTPUT {
    const char *name;
    WRITE_FN write;
    int     is_table;
} OUTPUT;

static const OUTPUT outputs[] = {
    {ROUTEGEN_DOMAIN, write_domain, 1},		/* the biggest first */
    {ROUTEGEN_SWITCH, write_switch, 1},
    {"dns.zone", write_zone, 0},
    {"servers", write_servers, 0},
    {"mta-sts.txt", write_sts_policy, 0},	/* left out without a policy */
    {"routes.dot", write_dot, 0},
    {0, 0, 0},
};

/* One file to write; the jobs are shared out among threads. */
typedef struct JOB {
    const char *name;
    WRITE_FN write;
    size_t  arg;
    int     is_table;
    size_t  entries;			/* written, for a table */
    int     failed;
} JOB;

typedef struct JOBS {
    const BUILD *build;
    JOB    *job;
    size_t  count;
} JOBS;

/* Write file N of JOBS; a workpool job. */
static void run_job(void *arg, size_t n)
{
    const JOBS *jobs = arg;
    const BUILD *b = jobs->build;
    JOB    *j = jobs->job + n;
    char   *path;

    if (j->is_table) {
	j->failed = write_table(b, j->name, j->write, j->arg, &j->entries) < 0;
    } else if ((path = stage_path(b, j->name, "")) != 0) {
	j->failed = write_file(b, path, j->write, j->arg) < 0;
	free(path);
    } else {
	j->failed = 1;
    }
}

/* Every output, biggest first, on as many threads as there are CPUs. */
static int write_all(BUILD *b)
{
    const OUTPUT *o;
    JOBS    jobs;
    long    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int     nthreads = ncpu < 1 ? 1 : ncpu > BUILD_MAX_THREADS ? BUILD_MAX_THREADS : (int) ncpu;
    int     failed = 0;
    size_t  i, n = 0;

    memset(&jobs, 0, sizeof(jobs));
    jobs.build = b;
    jobs.count = b->topo->nbranches + sizeof(outputs) / sizeof(outputs[0]);
    if ((jobs.job = calloc(jobs.count, sizeof(JOB))) == 0) {
	fprintf(stderr, "%s: out of memory\n", progname);
	return (-1);
    }
    for (o = outputs; o->name; o++) {
	if (o->write == write_sts_policy && b->auth->policy == 0)
	    continue;
	jobs.job[n].name = o->name;
	jobs.job[n].write = o->write;
	jobs.job[n].is_table = o->is_table;
	n++;
    }
    for (i = 0; i < b->topo->nbranches; i++, n++) {
	jobs.job[n].name = b->topo->branches[i].name;
	jobs.job[n].write = write_branch;
	jobs.job[n].arg = i;
	jobs.job[n].is_table = 1;
    }
    jobs.count = n;
    workpool_run(run_job, &jobs, jobs.count, nthreads);
    for (i = 0; i < jobs.count; i++) {
	failed |= jobs.job[i].failed;
	if (jobs.job[i].is_table && !jobs.job[i].failed) {
	    b->tables++;
	    b->entries += jobs.job[i].entries;
	}
    }
    free(jobs.job);
    if (failed)
	return (-1);
    return (atomic_sync_dir(b->stage) == 0 || errno == EINVAL ? 0 : -1);
}

static const struct option long_opts[] = {
    {"follow", no_argument, 0, 'F'},
    {"poll", required_argument, 0, 'P'},
    {"max-backoff", required_argument, 0, 'B'},
    {"status-file", required_argument, 0, 'T'},
    {"metrics-file", required_argument, 0, 'M'},
    {"status", no_argument, 0, 'S'},
    {"install", required_argument, 0, 'I'},
    {0, 0, 0, 0},
};

/* The follower's options (follow.c); none is taken without --follow or --status. */
static int parse_follow_opt(int ch, FOLLOW_OPTS *f)
{
    switch (ch) {
    case 'F':
	f->follow = 1;
	return (0);
    case 'S':
	f->status = 1;
	return (0);
    case 'P':
	return ((f->poll_ms = option_number("build", "--poll", optarg, 1, 3600)
		 * 1000) < 0 ? -1 : 0);
    case 'B':
	return ((f->max_backoff = option_number("build", "--max-backoff", optarg,
						 1, 86400)) < 0 ? -1 : 0);
    case 'T':
	f->status_file = optarg;
	return (0);
    case 'M':
	f->metrics_file = optarg;
	return (0);
    case 'I':
	if (optarg[strcspn(optarg, "=/")] != '=' || optarg[0] == '='
	    || strchr(optarg, '=')[1] == 0) {
	    usage_error("build: --install TABLE=DEST.db: a table of the build "
			"(switch, domain, a branch) and where to put it");
	    return (-1);
	}
	if (f->ninstall == FOLLOW_MAX_INSTALL) {
	    usage_error("build: at most %d --install", FOLLOW_MAX_INSTALL);
	    return (-1);
	}
	f->install[f->ninstall++] = optarg;
	return (0);
    }
    usage_error("build: bad option");
    return (-1);
}

static int parse_opts(int argc, char **argv, BUILD_OPTS *o, FOLLOW_OPTS *f)
{
    int     ch;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:ks:j:", long_opts, 0)) != -1) {
	switch (ch) {
	case 'o':
	    o->dir = optarg;
	    break;
	case 'k':
	    o->keep = 1;
	    break;
	case 's':
	    if ((o->samples = option_number("build", "-s", optarg, 0, 10000)) < 0)
		return (-1);
	    break;
	case 'j':
	    if ((o->threads = option_number("build", "-j", optarg, 1, 64)) < 0)
		return (-1);
	    break;
	default:
	    if (parse_follow_opt(ch, f) < 0)
		return (-1);
	    break;
	}
    }
    if (f->status && f->follow) {
	usage_error("build: --status asks a follower, --follow is one: not both");
	return (-1);
    }
    if (f->status && optind == argc && o->dir) {
	o->topology = 0;
	return (0);
    }
    if (optind != argc - 1 || o->dir == 0) {
	usage_error("build: name one TOPOLOGY and -o DIR");
	return (-1);
    }
    if ((f->poll_ms != 0 || f->max_backoff || f->metrics_file || f->ninstall
	 || (f->status_file && !f->status)) && !f->follow) {
	usage_error("build: --poll, --max-backoff, --status-file, "
		    "--metrics-file and --install go with --follow");
	return (-1);
    }
    o->topology = argv[optind];
    return (0);
}

/*
 * What the new build changes against the one it replaces, in short:
 * per server the counts, and the first few changed answers (diff.c).
 */
static void build_summary(const BUILD *b)
{
    int     status;

    if (b->out.dir_fd < 0 || faccessat(b->out.dir_fd, "servers", F_OK, 0) < 0)
	return;
    printf("changes against the build in %s:\n", b->dir);
    fflush(stdout);
    status = diff_builds(b->dir, b->stage, b->topo, BUILD_DIFF_LINES, stdout);
    if (status == 0)
	printf("no answer changes\n");
    else if (status == 2)
	printf("changes unknown: the previous build cannot be compared\n");
}

/*
 * A fault for the test suite, and for nothing else: with
 * MAPTOOL_TEST_BREAK=NAME in the environment, the stage's file NAME
 * (dns.zone, say) is emptied before the stage is verified. No topology
 * that the checks accept gives a build that fails verification (the
 * routes are generated to verify; that is the point), yet what such a
 * build does to DIR (nothing) and what -k keeps are promised in
 * maptool(8), and only a broken build can show them. The hook can only
 * spoil the new build, which then fails as any broken build would.
 * MAPTOOL_TEST_BREAK=@FILE reads NAME from FILE's first line at each
 * build, so that a test can spoil one build of maptool build --follow
 * (no FILE, or an empty one: nothing spoilt).
 */
static void test_break(const BUILD *b)
{
    const char *name = getenv("MAPTOOL_TEST_BREAK");
    char    line[256];
    FILE   *fp;
    int     fd;

    if (name && *name == '@') {			/* @FILE: the name in FILE, if any */
	line[0] = 0;
	if ((fp = fopen(name + 1, "r")) != 0) {
	    if (fgets(line, sizeof(line), fp) == 0)
		line[0] = 0;
	    fclose(fp);
	}
	line[strcspn(line, "\n")] = 0;
	name = line;
    }
    if (name == 0 || *name == 0 || strchr(name, '/'))
	return;
    if ((fd = openat(b->out.stage_fd, name, O_WRONLY | O_TRUNC | O_NOFOLLOW
		     | O_CLOEXEC)) >= 0)
	close(fd);
}

/* Verify the stage; the report as maptool verify prints it. */
static int build_verify(BUILD *b)
{
    VERIFY_RESULT result;
    int     status;

    test_break(b);
    progress_phase(b->progress, "verifying");
    status = route_verify(&b->verify, b->topo, &result);
    progress_done(b->progress);
    b->progress = 0;
    if (status >= 0)
	verify_print(&result, stdout);
    verify_result_free(&result);
    return (status == 0 ? 0 : EX_DATAERR);
}

int     build_once(const BUILD_OPTS *opts, size_t *users)
{
    BUILD   b;
    double  t0 = now(), t1, t2;
    int     status;

    memset(&b, 0, sizeof(b));
    b.topology = opts->topology;
    b.dir = opts->dir;
    b.keep = opts->keep;
    b.verify.samples = opts->samples;
    b.verify.threads = opts->threads;
    b.verify.max_problems = 20;
    b.verify.report = report_to_stderr;
    b.verify.problem = verify_problem;
    if (users)
	*users = 0;
    b.progress = progress_start("maptool build");
    progress_phase(b.progress, "reading");
    if ((b.topo = topology_load(b.topology, report_to_stderr, 0)) == 0) {
	progress_done(b.progress);
	return (EX_NOINPUT);
    }
    if (b.topo->errors == 0)
	b.auth = mailauth_make(b.topo, report_to_stderr, 0);
    if (b.topo->errors || b.auth->errors) {
	progress_done(b.progress);
	fprintf(stderr, "%s: %s: %d error%s, nothing written\n", progname,
		b.topology, b.topo->errors + (b.auth ? b.auth->errors : 0),
		b.topo->errors + (b.auth ? b.auth->errors : 0) == 1 ? "" : "s");
	mailauth_free(b.auth);
	topology_free(b.topo);
	return (EX_DATAERR);
    }
    if (builddir_open(&b.out, b.dir) < 0 || order_branches(&b) < 0
	|| builddir_stage(&b.out) < 0) {
	progress_done(b.progress);
	(void) builddir_remove_stage(&b.out);
	builddir_close(&b.out);
	free(b.order);
	mailauth_free(b.auth);
	topology_free(b.topo);
	return (EX_CANTCREAT);
    }
    b.stage = b.out.stage;
    progress_phase(b.progress, "writing");
    b.verify.dir = b.stage;
    b.verify.name = b.dir;
    if (write_all(&b) < 0) {
	status = EX_IOERR;
    } else {
	t1 = now();
	fflush(stdout);
	status = build_verify(&b);
	t2 = now();
	printf("build %s: %zu users, %zu tables, %zu entries: written in %.1f s, "
	       "verified in %.1f s\n", b.dir, b.topo->nusers, b.tables, b.entries,
	       t1 - t0, t2 - t1);
	if (status == 0)
	    build_summary(&b);
	if (status == 0 && builddir_replace(&b.out) < 0)
	    status = EX_CANTCREAT;
	else if (status != 0 && b.keep)
	    fprintf(stderr, "%s: build: not verified; %s is unchanged, the "
		    "failed build is in %s\n", progname, b.dir, b.stage);
	else if (status != 0)
	    fprintf(stderr, "%s: build: not verified; %s is unchanged\n",
		    progname, b.dir);
    }
    if (status != 0 && !(b.keep && status == EX_DATAERR))
	(void) builddir_remove_stage(&b.out);
    if (status == 0 && b.gaining > 0 && b.gaining < b.topo->nbranches) {
	size_t  i;

	printf("install the branches that gain users first:");
	for (i = 0; i < b.gaining; i++)
	    printf(" %s", b.topo->branches[b.order[i]].name);
	printf(" (see %s/servers)\n", b.dir);
    }
    fflush(stdout);
    progress_done(b.progress);
    if (users)
	*users = b.topo->nusers;
    free(b.order);
    builddir_close(&b.out);
    mailauth_free(b.auth);
    topology_free(b.topo);
    return (status);
}

int     cmd_build(int argc, char **argv)
{
    BUILD_OPTS opts;
    FOLLOW_OPTS follow;

    memset(&opts, 0, sizeof(opts));
    memset(&follow, 0, sizeof(follow));
    opts.samples = 20;
    if (parse_opts(argc, argv, &opts, &follow) < 0)
	return (EX_USAGE);
    if (follow.status)
	return (follow_status(&opts, &follow));
    if (follow.follow)
	return (follow_run(&opts, &follow));
    return (build_once(&opts, 0));
}
