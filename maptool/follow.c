/*
 * follow.c - maptool build --follow: a build kept current as its
 * sources change, and maptool build --status, the follower's state.
 *
 * Exports follow_run() and follow_status() (maptool.h). The follower
 * builds TOPOLOGY into DIR as maptool build does (build_once(): checked,
 * written beside DIR, verified, then put in DIR's place in one atomic
 * exchange; with --install TABLE=DEST, DIR/TABLE.db is then copied over
 * DEST as maptool install does, install_map()), then watches what the
 * build read: the topology file, each user list file and ldap-secret
 * file (device, inode, size and modification time), and for each
 * branch whose users come from a
 * directory, the contextCSN of the naming context that holds the
 * branch's base (topology_ldap_csns()), read every --poll seconds. A
 * change is built at once; SIGHUP builds without one.
 *
 * A build that fails (the directory unreachable, a check, verification)
 * or a directory that cannot be asked leaves DIR as it is: the last good
 * build keeps serving. The first failure of a run of failures is logged,
 * one line; the rest are counted, not logged, and tried again after a
 * delay that doubles from --poll to --max-backoff; a changed source is
 * tried at once. The end of the run is logged, one line. The state is
 * in the status file (key=value lines, replaced atomically; DIR.status
 * unless --status-file) and, with --metrics-file, in the Prometheus text
 * format. A lock on STATUS.lock keeps a second follower away and tells
 * maptool build --status whether one runs.
 *
 * SIGTERM and SIGINT end the follower, after the build under way; it
 * then writes state=stopped. Signals are blocked but while it sleeps,
 * so that no library call is cut short.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include "atomicfile.h"
#include "topology.h"
#include "xalloc.h"
#include "report.h"
#include "maptool.h"

#define FOLLOW_POLL_MS		2000	/* --poll: every 2 s */
#define FOLLOW_MAX_BACKOFF	30	/* --max-backoff, seconds */
#define FOLLOW_WHY		512	/* the reason logged and kept */

static volatile sig_atomic_t stop_signal, hup_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

static void on_hup(int sig)
{
    (void) sig;
    hup_signal = 1;
}

/* The follower's state, as the status file shows it. */
typedef struct FOLLOWER {
    const BUILD_OPTS *opts;
    const FOLLOW_OPTS *fo;
    int     poll_ms, max_backoff;
    char   *status_file, *lock_file;
    const char *metrics_file;
    int     lock_fd;
    time_t  started;
    time_t  last_good;			/* the build in DIR; 0: none yet */
    size_t  users;			/* in the last good build */
    unsigned long builds, failures;	/* good builds, failed attempts */
    unsigned consecutive;		/* failures since the last success */
    time_t  last_attempt, next_try;
    int     backoff_ms;
    char   *built;			/* the sources' states of the last good build */
    char   *tried;			/* ... of the last failed attempt */
    char    error[FOLLOW_WHY];		/* the last failure, or empty */
    int     write_failed;		/* a status or metrics file: logged */
} FOLLOWER;

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* One log line on standard error. */
static void follow_log(const char *fmt,...)
    __attribute__((format(printf, 1, 2)));

static void follow_log(const char *fmt,...)
{
    va_list ap;

    fprintf(stderr, "%s: follow: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    fflush(stderr);
}

/* Sources. */

/* Append "NAME\tSTATE\n" to the growing string *S. */
static void add_state(char **s, const char *name, const char *state)
{
    size_t  old = *s ? strlen(*s) : 0, len = old + strlen(name) + strlen(state) + 3;

    *s = xrealloc(*s, len);
    snprintf(*s + old, len - old, "%s\t%s\n", name, state);
}

/* A file's state: what a replacement or an edit changes. */
static void add_file_state(char **s, const char *path)
{
    struct stat st;
    char    state[128];

    if (stat(path, &st) < 0)
	snprintf(state, sizeof(state), "missing (%s)", strerror(errno));
    else
	snprintf(state, sizeof(state), "%lu:%lu:%lld:%lld.%09ld",
		 (unsigned long) st.st_dev, (unsigned long) st.st_ino,
		 (long long) st.st_size, (long long) st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec);
    add_state(s, path, state);
}

/*
 * The states of every source, one line each, in *OUT; -1 with WHY when
 * a directory cannot be asked. A topology that does not read or check
 * is watched alone: the build says what is wrong with it.
 */
static int read_sources(const FOLLOWER *f, char **out, char *why, size_t len)
{
    TOPOLOGY *topo;
    const TOPO_BRANCH *b;
    char  **csn, err[FOLLOW_WHY];
    size_t  i, bad = 0;
    int     r = 0;

    *out = 0;
    add_file_state(out, f->opts->topology);
    if ((topo = topology_load_sources(f->opts->topology, report_ignore, 0)) == 0)
	return (0);
    if (topo->errors) {
	topology_free(topo);
	return (0);
    }
    csn = xcalloc(topo->nbranches + 1, sizeof(char *));
    if (topology_ldap_csns(topo, csn, &bad, err, sizeof(err)) < 0) {
	if (snprintf(why, len, "branch %s: %s: %s", topo->branches[bad].name,
		     topo->branches[bad].users_path, err) >= (int) len)
	    why[len - 1] = 0;			/* cut short: the start tells */
	r = -1;
    }
    for (i = 0; r == 0 && i < topo->nbranches; i++) {
	b = topo->branches + i;
	if (b->ldap.secret_path)
	    add_file_state(out, b->ldap.secret_path);
	if (csn[i])
	    add_state(out, b->users_path, csn[i]);
	else if (b->users_path)
	    add_file_state(out, b->users_path);
    }
    for (i = 0; i < topo->nbranches; i++)
	free(csn[i]);
    free(csn);
    topology_free(topo);
    return (r);
}

/* The first source whose state differs between A and B, for the log. */
static void first_change(const char *a, const char *b, char *name, size_t len)
{
    const char *ea, *eb, *tab;

    while (a && b && *a && *b) {
	ea = strchr(a, '\n');
	eb = strchr(b, '\n');
	if (ea == 0 || eb == 0 || ea - a != eb - b || memcmp(a, b, ea - a) != 0)
	    break;
	a = ea + 1;
	b = eb + 1;
    }
    if (b == 0 || *b == 0)
	b = a;
    if (b == 0 || *b == 0 || (tab = strchr(b, '\t')) == 0) {
	snprintf(name, len, "a source gone");
	return;
    }
    snprintf(name, len, "%.*s", (int) (tab - b), b);
}

/* Status. */

static void put_time(FILE *fp, const char *key, time_t t)
{
    if (t)
	fprintf(fp, "%s=%lld\n", key, (long long) t);
    else
	fprintf(fp, "%s=-\n", key);
}

static int write_status_to(const FOLLOWER *f, const char *state, FILE *fp)
{
    fprintf(fp, "pid=%ld\nstate=%s\ndir=%s\ntopology=%s\n", (long) getpid(), state,
	    f->opts->dir, f->opts->topology);
    put_time(fp, "started", f->started);
    put_time(fp, "last_good_build", f->last_good);
    fprintf(fp, "users=%zu\nbuilds=%lu\nfailures=%lu\nconsecutive_failures=%u\n",
	    f->users, f->builds, f->failures, f->consecutive);
    put_time(fp, "last_attempt", f->last_attempt);
    put_time(fp, "next_retry", f->consecutive ? f->next_try : 0);
    fprintf(fp, "last_error=%s\n", f->error[0] ? f->error : "-");
    return (0);
}

static int write_metrics_to(const FOLLOWER *f, const char *state, FILE *fp)
{
    static const struct {
	const char *name, *type, *help;
    } m[] = {
	{"up", "gauge", "1 while the last attempt built or found nothing to build"},
	{"last_good_build_timestamp_seconds", "gauge", "when the build in place was made"},
	{"users", "gauge", "users in the build in place"},
	{"builds_total", "counter", "builds put in place"},
	{"failures_total", "counter", "attempts that failed"},
	{"consecutive_failures", "gauge", "failures since the last success"},
    };
    double  v[6];
    size_t  i;

    v[0] = strcmp(state, "ok") == 0;
    v[1] = (double) f->last_good;
    v[2] = (double) f->users;
    v[3] = (double) f->builds;
    v[4] = (double) f->failures;
    v[5] = f->consecutive;
    for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
	fprintf(fp, "# HELP mailswitch_follow_%s %s\n# TYPE mailswitch_follow_%s %s\n"
		"mailswitch_follow_%s %.0f\n", m[i].name, m[i].help, m[i].name,
		m[i].type, m[i].name, v[i]);
    return (0);
}

/* Log a status or metrics file's problem, once until one is written. */
static void write_problem(FOLLOWER *f, const char *what, const char *why)
{
    if (f->write_failed++ == 0)
	follow_log("%s%s%s", what, why ? ": " : "", why ? why : "");
}

/* PATH replaced atomically with what WRITE says; -1 when it could not be. */
static int replace_file(FOLLOWER *f, const char *path, const char *state,
	                   int (*write) (const FOLLOWER *, const char *, FILE *))
{
    char    err[512];
    ATOMIC_FILE *af;
    FILE   *fp;
    int     fd;

    if ((af = atomic_create(path, err, sizeof(err))) == 0) {
	write_problem(f, err, 0);
	return (-1);
    }
    if ((fd = dup(atomic_fd(af))) < 0 || (fp = fdopen(fd, "w")) == 0) {
	if (fd >= 0)
	    close(fd);
	write_problem(f, atomic_temp(af), strerror(errno));
	atomic_abort(af);
	return (-1);
    }
    write(f, state, fp);
    if (fclose(fp) != 0) {
	write_problem(f, atomic_temp(af), strerror(errno));
	atomic_abort(af);
	return (-1);
    }
    if (atomic_commit(af, 0644, err, sizeof(err)) < 0) {
	write_problem(f, err, 0);
	return (-1);
    }
    return (0);
}

/* The metrics first: whoever sees the status file new sees them new too. */
static void write_status(FOLLOWER *f, const char *state)
{
    int     r = 0;

    if (f->metrics_file && replace_file(f, f->metrics_file, state, write_metrics_to) < 0)
	r = -1;
    if (replace_file(f, f->status_file, state, write_status_to) < 0)
	r = -1;
    if (r == 0)
	f->write_failed = 0;
}

/* Builds. */

/* A file for a build's output, emptied. */
static int scratch_file(void)
{
    FILE   *fp = tmpfile();
    int     fd;

    if (fp == 0)
	return (-1);
    fd = dup(fileno(fp));
    fclose(fp);
    return (fd);
}

/* The first line of FD's file that is not a warning, in WHY. */
static void first_error(int fd, char *why, size_t len)
{
    char    line[FOLLOW_WHY * 2], *start;
    FILE   *fp;
    int     copy = dup(fd);

    why[0] = 0;
    if (copy < 0 || (fp = fdopen(copy, "r")) == 0) {
	if (copy >= 0)
	    close(copy);
	return;
    }
    rewind(fp);
    while (fgets(line, sizeof(line), fp)) {
	line[strcspn(line, "\n")] = 0;
	if (strstr(line, ": warning: ") == 0 && line[0]) {
	    start = line;
	    if (strncmp(start, progname, strlen(progname)) == 0
		&& strncmp(start + strlen(progname), ": ", 2) == 0)
		start += strlen(progname) + 2;	/* the log line says it */
	    if (strlen(start) >= len)
		start[len - 1] = 0;		/* cut short: the start tells */
	    memmove(why, start, strlen(start) + 1);
	    break;
	}
    }
    fclose(fp);
}

/* Each --install TABLE=DEST: DIR/TABLE.db copied over DEST atomically. */
static int install_maps(const FOLLOWER *f)
{
    const char *spec, *eq;
    char   *src;
    size_t  len;
    int     i, status = 0;

    for (i = 0; status == 0 && i < f->fo->ninstall; i++) {
	spec = f->fo->install[i];
	eq = strchr(spec, '=');
	len = strlen(f->opts->dir) + (size_t) (eq - spec) + sizeof("/.db");
	src = xcalloc(1, len);
	snprintf(src, len, "%s/%.*s.db", f->opts->dir, (int) (eq - spec), spec);
	status = install_map(src, eq + 1);
	free(src);
    }
    return (status);
}

/*
 * One build, its output kept from the log; the exit status, and the
 * first error line in WHY when it fails.
 */
static int quiet_build(FOLLOWER *f, char *why, size_t len)
{
    size_t  users = 0;
    int     out = scratch_file(), err = scratch_file();
    int     save_out = dup(1), save_err = dup(2);
    int     status;

    if (out < 0 || err < 0 || save_out < 0 || save_err < 0) {
	snprintf(why, len, "cannot keep the build's output: %s", strerror(errno));
	status = EX_OSERR;
    } else {
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	status = build_once(f->opts, &users);
	if (status == 0)
	    status = install_maps(f);
	fflush(stdout);
	fflush(stderr);
	dup2(save_out, 1);
	dup2(save_err, 2);
	if (status == 0)
	    f->users = users;
	else
	    first_error(err, why, len);
	if (status != 0 && why[0] == 0)
	    snprintf(why, len, "the build failed with exit status %d", status);
    }
    if (out >= 0)
	close(out);
    if (err >= 0)
	close(err);
    if (save_out >= 0)
	close(save_out);
    if (save_err >= 0)
	close(save_err);
    return (status);
}

static void succeeded(FOLLOWER *f, char *sources)
{
    if (f->consecutive)
	follow_log("recovered after %u failed attempt%s", f->consecutive,
		   f->consecutive == 1 ? "" : "s");
    free(f->built);
    f->built = sources;
    free(f->tried);
    f->tried = 0;
    f->consecutive = 0;
    f->error[0] = 0;
    f->backoff_ms = f->poll_ms;
}

/* A failed attempt: logged the first time, then counted; the next try later. */
static void failed(FOLLOWER *f, const char *why, char *sources)
{
    char    when[64];
    struct tm tm;

    f->failures++;
    if (f->consecutive++ == 0) {
	if (f->last_good) {
	    localtime_r(&f->last_good, &tm);
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	} else {
	    snprintf(when, sizeof(when), "none yet");
	}
	follow_log("%s; %s keeps its build (%s); trying again with a "
		   "growing delay, up to %d s, logged again when it works",
		   why, f->opts->dir, when, f->max_backoff);
	f->backoff_ms = f->poll_ms;
    } else if ((f->backoff_ms *= 2) > f->max_backoff * 1000) {
	f->backoff_ms = f->max_backoff * 1000;
    }
    snprintf(f->error, sizeof(f->error), "%s", why);
    f->next_try = time(0) + (f->backoff_ms + 999) / 1000;
    free(f->tried);
    f->tried = sources;
}

/*
 * A build asked for (start, SIGHUP) while the sources cannot be read:
 * with a directory that has no contextCSN, say, it may still build.
 * Whatever it does, the round stays a failure (nothing is watched).
 */
static void built_blind(FOLLOWER *f)
{
    char    why[FOLLOW_WHY];
    double  t0 = now_ms();

    if (quiet_build(f, why, sizeof(why)) == 0) {
	f->builds++;
	f->last_good = time(0);
	follow_log("built %s: %zu users, in %.1f s (asked for, the sources "
		   "unread)", f->opts->dir, f->users, (now_ms() - t0) / 1e3);
    }
}

/* Build, if something changed (or HUP), and keep the state. */
static void one_round(FOLLOWER *f, int forced, double *retry_at)
{
    char   *sources = 0, why[FOLLOW_WHY], changed[FOLLOW_WHY];
    double  t0;
    int     status;

    why[0] = 0;
    if (f->consecutive && !forced && now_ms() < *retry_at && f->tried == 0)
	return;					/* the directory was down: wait */
    if (read_sources(f, &sources, why, sizeof(why)) < 0) {
	f->last_attempt = time(0);
	if (forced)				/* start, SIGHUP: build anyway */
	    built_blind(f);
	failed(f, why, 0);
	free(sources);
	*retry_at = now_ms() + f->backoff_ms;
	return;
    }
    if (!forced && f->built && strcmp(sources, f->built) == 0) {
	if (f->consecutive)
	    succeeded(f, sources);		/* back, and nothing changed */
	else
	    free(sources);
	return;
    }
    if (!forced && f->tried && strcmp(sources, f->tried) == 0 && now_ms() < *retry_at) {
	free(sources);				/* the same failure: later */
	return;
    }
    if (forced)
	snprintf(changed, sizeof(changed), "%s", f->built ? "SIGHUP" : "start");
    else
	first_change(f->built, sources, changed, sizeof(changed));
    f->last_attempt = time(0);
    t0 = now_ms();
    if ((status = quiet_build(f, why, sizeof(why))) == 0) {
	f->builds++;
	f->last_good = time(0);
	follow_log("built %s: %zu users, in %.1f s (%s)", f->opts->dir, f->users,
		   (now_ms() - t0) / 1e3, changed);
	succeeded(f, sources);
    } else {
	failed(f, why, sources);
	*retry_at = now_ms() + f->backoff_ms;
    }
}

/* Sleep MS at most, or until a signal; signals are blocked otherwise. */
static void nap(int ms, const sigset_t *unblocked)
{
    struct timespec ts;

    if (ms < 0)
	ms = 0;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    if (!stop_signal && !hup_signal)
	(void) ppoll(0, 0, &ts, unblocked);
}

/* Catch the signals, and block them but in nap(). */
static int take_signals(sigset_t *unblocked)
{
    struct sigaction sa;
    sigset_t block;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    if (sigaction(SIGTERM, &sa, 0) < 0 || sigaction(SIGINT, &sa, 0) < 0)
	return (-1);
    sa.sa_handler = on_hup;
    if (sigaction(SIGHUP, &sa, 0) < 0)
	return (-1);
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    return (sigprocmask(SIG_BLOCK, &block, unblocked));
}

/* STATUS and STATUS.lock, from the options. */
static void status_names(const BUILD_OPTS *opts, const FOLLOW_OPTS *fo,
			         char **status, char **lock)
{
    size_t  len = strlen(opts->dir);

    while (len > 1 && opts->dir[len - 1] == '/')	/* DIR/ */
	len--;
    if (fo->status_file) {
	*status = xstrdup(fo->status_file);
    } else {
	*status = xcalloc(1, len + 8);
	snprintf(*status, len + 8, "%.*s.status", (int) len, opts->dir);
    }
    len = strlen(*status) + 6;
    *lock = xcalloc(1, len);
    snprintf(*lock, len, "%s.lock", *status);
}

/* When the build in DIR was made (its servers file), or 0 without one. */
static time_t build_time(const char *dir)
{
    char   *path = xcalloc(1, strlen(dir) + sizeof("/servers"));
    struct stat st;
    time_t  t;

    sprintf(path, "%s/servers", dir);
    t = stat(path, &st) == 0 ? st.st_mtime : 0;
    free(path);
    return (t);
}

int     follow_run(const BUILD_OPTS *opts, const FOLLOW_OPTS *fo)
{
    FOLLOWER f;
    sigset_t unblocked;
    double  retry_at = 0, next_poll;
    int     forced = 1;

    memset(&f, 0, sizeof(f));
    f.opts = opts;
    f.fo = fo;
    f.poll_ms = fo->poll_ms ? fo->poll_ms : FOLLOW_POLL_MS;
    f.max_backoff = fo->max_backoff ? fo->max_backoff : FOLLOW_MAX_BACKOFF;
    f.metrics_file = fo->metrics_file;
    f.backoff_ms = f.poll_ms;
    f.started = time(0);
    status_names(opts, fo, &f.status_file, &f.lock_file);
    f.last_good = build_time(opts->dir);
    if ((f.lock_fd = open(f.lock_file, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
	fprintf(stderr, "%s: follow: %s: %s\n", progname, f.lock_file, strerror(errno));
	return (EX_CANTCREAT);
    }
    if (flock(f.lock_fd, LOCK_EX | LOCK_NB) < 0) {
	fprintf(stderr, "%s: follow: another follower runs for %s (%s is locked)\n",
		progname, opts->dir, f.lock_file);
	close(f.lock_fd);
	return (EX_TEMPFAIL);
    }
    if (take_signals(&unblocked) < 0) {
	fprintf(stderr, "%s: follow: signals: %s\n", progname, strerror(errno));
	close(f.lock_fd);
	return (EX_OSERR);
    }
    follow_log("following %s into %s, every %.1f s (pid %ld)", opts->topology,
	       opts->dir, f.poll_ms / 1e3, (long) getpid());
    while (!stop_signal) {
	next_poll = now_ms() + f.poll_ms;
	if (hup_signal) {
	    hup_signal = 0;
	    forced = 1;
	}
	one_round(&f, forced, &retry_at);
	forced = 0;
	write_status(&f, f.consecutive ? "failing" : "ok");
	nap((int) (next_poll - now_ms()), &unblocked);
    }
    follow_log("stopped by signal %d", (int) stop_signal);
    write_status(&f, "stopped");
    free(f.built);
    free(f.tried);
    free(f.status_file);
    free(f.lock_file);
    close(f.lock_fd);
    return (0);
}

/*
 * maptool build --status -o DIR: the follower's status file, when the
 * follower runs (it holds the lock). 0: it runs and its last attempt
 * went well; 1: none runs; 2: it runs and is failing.
 */
int     follow_status(const BUILD_OPTS *opts, const FOLLOW_OPTS *fo)
{
    char   *status, *lock, line[FOLLOW_WHY * 2];
    int     fd, running, failing = 0;
    FILE   *fp;

    status_names(opts, fo, &status, &lock);
    if ((fd = open(lock, O_RDONLY | O_CLOEXEC)) < 0) {
	running = 0;
    } else {
	running = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
    }
    if (!running) {
	printf("not running: no follower holds %s\n", lock);
    } else if ((fp = fopen(status, "r")) == 0) {
	printf("running, no status yet (%s: %s)\n", status, strerror(errno));
    } else {
	while (fgets(line, sizeof(line), fp)) {
	    fputs(line, stdout);
	    if (strncmp(line, "state=failing", 13) == 0)
		failing = 1;
	}
	fclose(fp);
    }
    free(status);
    free(lock);
    return (running ? (failing ? 2 : 0) : 1);
}
