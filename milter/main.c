/*
 * main.c - mailswitch-milter: rewrite and reject envelope recipients
 * through virtusertable maps, for Sendmail and Postfix.
 *
 * The start-up order matters and is all here: read the configuration;
 * open the pid file and the socket while still root; drop privileges;
 * open the log file and the maps as the unprivileged user (so a map it
 * cannot read stops startup now, not at the first reload, and the log
 * file is one it can open again after logrotate); detach; start
 * libmilter's loop in a thread of its own, and keep the main thread for
 * the signals and the maps (watch.c) until SIGTERM or SIGINT. SIGHUP
 * re-reads the configuration here (reload()). See mailswitch-milter(8).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libmilter/mfapi.h>
#include "config.h"
#include "daemon.h"
#include "filter.h"
#include "global.h"
#include "health.h"
#include "msg.h"
#include "preflight.h"
#include "runner.h"
#include "signals.h"
#include "sockspec.h"
#include "socketmap.h"
#include "watch.h"

#ifndef MAILSWITCH_VERSION
#define MAILSWITCH_VERSION "unknown"
#endif

#define PROG		"mailswitch-milter"
#define EXIT_USAGE	2		/* bad option or configuration */
#define DRAIN_SECONDS	10		/* wait for open transactions */
#define MAX_OVERRIDES	64

/* What the command line asked for. */
typedef struct OPTIONS {
    const char *config;			/* -c, or null for the default */
    char    cwd[PATH_MAX];		/* relative paths are from here */
    char    key[MAX_OVERRIDES][64];	/* overrides, in order */
    const char *value[MAX_OVERRIDES];
    int     n;
    int     check;			/* -n: check and exit */
    int     stats;			/* -s: print the stats file */
} OPTIONS;

static void usage(FILE *fp)
{
    fprintf(fp,
	    "usage: " PROG " [options]\n"
	    "  -c, --config FILE     configuration file (default "
	    CONFIG_DEFAULT_FILE ")\n"
	    "  -p, --socket SPEC     unix:/path, inet:PORT@HOST, "
	    "inet6:PORT@HOST\n"
	    "  -m, --map FILE.db     a compiled map (repeat for several; "
	    "replaces the file's)\n"
	    "  -u, --user USER       user to run as after opening the socket\n"
	    "  -g, --group GROUP     group to run as\n"
	    "  -P, --pid-file FILE   write the process id here\n"
	    "  -f, --foreground      stay in the foreground, log to stderr too\n"
	    "  -o, --set KEY=VALUE   set any configuration key\n"
	    "  -n, --check           check configuration and maps, then exit\n"
	    "  -s, --stats           print the running milter's counters\n"
	    "  -h, --help            this text\n"
	    "  -V, --version         print the version\n");
}

static void report(const char *line)
{
    fprintf(stderr, "%s: %s\n", PROG, line);
}

/* A REPORT_FN: one problem of a file, as FILE:LINE: WHY. */
static void report_problem(void *ctx, const char *file, unsigned line,
			           int is_error, const char *why)
{
    (void) ctx;
    (void) is_error;
    if (line)
	fprintf(stderr, "%s: %s:%u: %s\n", PROG, file, line, why);
    else
	fprintf(stderr, "%s: %s: %s\n", PROG, file, why);
}

static int add_override(OPTIONS *opts, const char *key, const char *value)
{
    if (opts->n >= MAX_OVERRIDES) {
	fprintf(stderr, "%s: too many options\n", PROG);
	return (-1);
    }
    snprintf(opts->key[opts->n], sizeof(opts->key[0]), "%.*s",
	     (int) strcspn(key, "="), key);
    opts->value[opts->n] = value;
    opts->n++;
    return (0);
}

/* -o KEY=VALUE: split at the first '='. */
static int add_setting(OPTIONS *opts, const char *arg)
{
    const char *eq = strchr(arg, '=');

    if (eq == 0 || eq == arg || eq - arg >= 64) {
	fprintf(stderr, "%s: -o %s: want KEY=VALUE\n", PROG, arg);
	return (-1);
    }
    return (add_override(opts, arg, eq + 1));
}

static int parse_args(int argc, char **argv, OPTIONS *opts)
{
    static const struct option longopts[] = {
	{"config", required_argument, 0, 'c'},
	{"socket", required_argument, 0, 'p'},
	{"map", required_argument, 0, 'm'},
	{"user", required_argument, 0, 'u'},
	{"group", required_argument, 0, 'g'},
	{"pid-file", required_argument, 0, 'P'},
	{"foreground", no_argument, 0, 'f'},
	{"set", required_argument, 0, 'o'},
	{"check", no_argument, 0, 'n'},
	{"stats", no_argument, 0, 's'},
	{"help", no_argument, 0, 'h'},
	{"version", no_argument, 0, 'V'},
	{0, 0, 0, 0},
    };
    int     ch, rc = 0;

    memset(opts, 0, sizeof(*opts));
    while (rc == 0
	   && (ch = getopt_long(argc, argv, "c:p:m:u:g:P:fo:nshV",
				longopts, 0)) != -1) {
	switch (ch) {
	case 'c':
	    opts->config = optarg;
	    break;
	case 'p':
	    rc = add_override(opts, "socket", optarg);
	    break;
	case 'm':
	    rc = add_override(opts, "map", optarg);
	    break;
	case 'u':
	    rc = add_override(opts, "user", optarg);
	    break;
	case 'g':
	    rc = add_override(opts, "group", optarg);
	    break;
	case 'P':
	    rc = add_override(opts, "pid_file", optarg);
	    break;
	case 'f':
	    rc = add_override(opts, "foreground", "yes");
	    break;
	case 'o':
	    rc = add_setting(opts, optarg);
	    break;
	case 'n':
	    opts->check = 1;
	    break;
	case 's':
	    opts->stats = 1;
	    break;
	case 'h':
	    usage(stdout);
	    exit(0);
	case 'V':
	    printf("%s %s\n", PROG, MAILSWITCH_VERSION);
	    exit(0);
	default:
	    usage(stderr);
	    return (-1);
	}
    }
    if (rc == 0 && optind < argc) {
	fprintf(stderr, "%s: unexpected argument \"%s\"\n", PROG, argv[optind]);
	usage(stderr);
	return (-1);
    }
    return (rc);
}

/* A REPORT_FN for a reload: each problem to the log. */
static void log_problem(void *ctx, const char *file, unsigned line,
			        int is_error, const char *why)
{
    (void) ctx;
    if (is_error)
	msg_error("%s:%u: %s", file, line, why);
    else
	msg_warn("%s:%u: %s", file, line, why);
}

/* The configuration file, made absolute: a reload runs in "/". */
static int config_file(OPTIONS *opts)
{
    static char abs[PATH_MAX + 1];

    if (getcwd(opts->cwd, sizeof(opts->cwd)) == 0)
	opts->cwd[0] = 0;
    if (opts->config == 0 || opts->config[0] == '/')
	return (0);
    if (opts->cwd[0] == 0
	|| snprintf(abs, sizeof(abs), "%s/%s", opts->cwd, opts->config)
	>= (int) sizeof(abs)) {
	fprintf(stderr, "%s: %s: cannot make the path absolute\n", PROG,
		opts->config);
	return (-1);
    }
    opts->config = abs;
    return (0);
}

/*
 * The file, then the command line over it, then (when COMPLETE) the
 * checks that a daemon needs: a socket, a map, absolute paths. Every
 * problem goes to REPORT.
 */
static int load_config(const OPTIONS *opts, CONFIG *cfg, int complete,
		               REPORT_FN problem, void *ctx)
{
    char    err[1024], why[1200];
    int     i;

    config_init(cfg);
    if (config_read(cfg, opts->config ? opts->config : CONFIG_DEFAULT_FILE,
		    opts->config == 0, problem, ctx) < 0)
	return (-1);
    for (i = 0; i < opts->n; i++) {
	if (config_override(cfg, opts->key[i], opts->value[i],
			    err, sizeof(err)) < 0) {
	    snprintf(why, sizeof(why), "%s: %s", opts->key[i], err);
	    problem(ctx, "command line", 0, 1, why);
	    return (-1);
	}
    }
    if (complete && config_finish(cfg, opts->cwd[0] ? opts->cwd : 0,
				  err, sizeof(err)) < 0) {
	problem(ctx, opts->config ? opts->config : CONFIG_DEFAULT_FILE, 0, 1,
		err);
	return (-1);
    }
    return (0);
}

static void note_fixed(const char *key)
{
    msg_warn("SIGHUP: %s changed: it takes effect at the next restart",
	     key);
}

static void config_discard(CONFIG *cfg)
{
    config_free(cfg);
    free(cfg);
}

/*
 * SIGHUP: read the configuration again. A file with an error changes
 * nothing; otherwise the new maps are opened (all of them, or the old
 * ones keep serving), the run-time settings take effect for the next
 * connection or recipient, and the settings only a restart can change
 * keep their old values.
 */
static void reload(void *ctx)
{
    const OPTIONS *opts = ctx;
    CONFIG *old = milter_global.cfg, *new;
    char    err[1024];

    msg_reopen();
    msg_info("SIGHUP: reloading the configuration");
    if ((new = malloc(sizeof(*new))) == 0) {
	msg_error("SIGHUP: out of memory; nothing changed");
	return;
    }
    if (load_config(opts, new, 1, log_problem, 0) < 0) {
	msg_error("SIGHUP: the configuration has errors; still running "
		  "with the one loaded before");
	config_discard(new);
	return;
    }
    (void) config_keep_fixed(new, old, note_fixed);
    if (mapset_reconfigure(&milter_global.maps, new->maps, new->nmaps,
			   err, sizeof(err)) < 0) {
	msg_error("SIGHUP: %s; still running with the configuration "
		  "loaded before", err);
	config_discard(new);
	return;
    }
    global_publish(new);
    milter_global.cfg = new;
    config_discard(old);
    (void) mapset_check(&milter_global.maps, 1);
    msg_info("SIGHUP: configuration reloaded: mode %s, %zu map(s)",
	     new->mode == CONFIG_MODE_REWRITE ? "rewrite" : "validate",
	     new->nmaps);
}

/* Refuse a unix socket another milter listens on; check its folder. */
static int check_unix_socket(const char *path, char *err, size_t errlen)
{
    char   *copy, *dir;
    struct stat st;
    int     rc = 0;

    if (sockspec_unix_in_use(path)) {
	snprintf(err, errlen, "socket %s is in use by another process",
		 path);
	return (-1);
    }
    if ((copy = strdup(path)) == 0) {
	snprintf(err, errlen, "out of memory");
	return (-1);
    }
    dir = dirname(copy);
    if (stat(dir, &st) < 0) {
	snprintf(err, errlen, "socket directory %s: %s", dir,
		 strerror(errno));
	rc = -1;
    } else if (!S_ISDIR(st.st_mode)) {
	snprintf(err, errlen, "socket directory %s: not a directory", dir);
	rc = -1;
    }
    free(copy);
    return (rc);
}

/* Open the listening socket, as root, and give a unix one its owner. */
static int open_socket(const CONFIG *cfg, const DAEMON_USER *who,
		               char *err, size_t errlen)
{
    const char *path = sockspec_path(cfg->socket);
    mode_t  old;

    if (path && check_unix_socket(path, err, errlen) < 0)
	return (-1);
    if (smfi_setconn(cfg->socket) != MI_SUCCESS
	|| smfi_settimeout(cfg->timeout) != MI_SUCCESS
	|| filter_register() < 0) {
	snprintf(err, errlen, "libmilter refused the settings");
	return (-1);
    }
    old = umask(0177);
    if (smfi_opensocket(1) != MI_SUCCESS) {
	umask(old);
	snprintf(err, errlen, "cannot listen on %s (address in use, bad "
		 "host, or no permission; libmilter logs the reason to "
		 "syslog)", cfg->socket);
	return (-1);
    }
    umask(old);
    if (path && (chmod(path, (mode_t) cfg->socket_mode) < 0
		 || (geteuid() == 0 && chown(path, who->uid, who->gid) < 0))) {
	snprintf(err, errlen, "socket %s: %s", path, strerror(errno));
	return (-1);
    }
    return (0);
}

static void log_start(const CONFIG *cfg)
{
    size_t  i;

    msg_info("starting %s: socket %s, mode %s, %zu map(s)",
	     MAILSWITCH_VERSION, cfg->socket,
	     cfg->mode == CONFIG_MODE_REWRITE ? "rewrite" : "validate",
	     cfg->nmaps);
    for (i = 0; i < cfg->nmaps; i++)
	msg_info("map %zu: %s", i + 1, cfg->maps[i]);
}

/* Undo what start() did before it failed. */
static void unstart(const CONFIG *cfg, int pid_fd, int maps_open)
{
    const char *path = sockspec_path(cfg->socket);

    socketmap_stop();
    if (maps_open)
	mapset_shutdown(&milter_global.maps);
    if (path)
	(void) unlink(path);
    daemon_pidfile_remove(cfg->pid_file, pid_fd);
}

/*
 * A milter left running as root puts every map, the stats file and the
 * code that parses what any MTA sends under root: refuse it unless the
 * configuration says so on purpose.
 */
static int refuse_root(const CONFIG *cfg, const DAEMON_USER *who,
		               char *err, size_t errlen)
{
    if (geteuid() != 0 || who->uid != 0 || cfg->allow_root)
	return (0);
    snprintf(err, errlen, "refusing to run as root: set user = (and "
	     "group =) to the account the milter should run as once the "
	     "socket and pid file are open, or allow_root = yes to run "
	     "as root on purpose");
    return (-1);
}

/* Everything up to smfi_main(); -1 after logging why. */
static int start(const CONFIG *cfg, int *pid_fd)
{
    DAEMON_USER who;
    char    err[1024];
    int     ready = -1;

    if (daemon_user(cfg->user, cfg->group, &who, err, sizeof(err)) < 0
	|| refuse_root(cfg, &who, err, sizeof(err)) < 0
	|| (cfg->pid_file
	    && (*pid_fd = daemon_pidfile_open(cfg->pid_file, err,
					      sizeof(err))) < 0)) {
	msg_error("%s", err);
	return (-1);
    }
    if (open_socket(cfg, &who, err, sizeof(err)) < 0) {
	msg_error("%s", err);
	daemon_pidfile_remove(cfg->pid_file, *pid_fd);
	return (-1);
    }
    if (socketmap_open(cfg, &who, err, sizeof(err)) < 0) {
	msg_error("%s", err);
	unstart(cfg, *pid_fd, 0);
	return (-1);
    }
    if (daemon_drop(&who, err, sizeof(err)) < 0
	|| msg_logfile(cfg->log_file, err, sizeof(err)) < 0
	|| mapset_init(&milter_global.maps, cfg->maps, cfg->nmaps,
		       &milter_global.stats, err, sizeof(err)) < 0) {
	msg_error("%s", err);
	unstart(cfg, *pid_fd, 0);
	return (-1);
    }
    if ((!cfg->foreground && (ready = daemon_detach(err, sizeof(err))) < 0)
	|| (*pid_fd >= 0 && daemon_pidfile_write(*pid_fd, err,
						 sizeof(err)) < 0)
	|| signals_catch(err, sizeof(err)) < 0
	|| daemon_thread_stacks(err, sizeof(err)) < 0
	|| runner_start(err, sizeof(err)) < 0
	|| socketmap_start(err, sizeof(err)) < 0) {
	msg_error("%s", err);
	unstart(cfg, *pid_fd, 1);
	return (-1);
    }
    if (geteuid() == 0)
	msg_warn("running as root (allow_root = yes); set user = to drop "
		 "privileges");
    log_start(cfg);
    if (!cfg->foreground) {
	daemon_ready(ready);
	msg_detach();
    }
    return (0);
}

static void stop(const CONFIG *cfg, int pid_fd)
{
    const char *path = sockspec_path(cfg->socket);

    socketmap_stop();
    watch_log_stats();
    mapset_shutdown(&milter_global.maps);
    if (path)
	(void) unlink(path);
    if (cfg->pid_file)
	daemon_pidfile_remove(cfg->pid_file, pid_fd);
    msg_info("stopped");
}

/* -n: the configuration parsed; would a start get through? */
static int check_only(const CONFIG *cfg)
{
    return (preflight(cfg, PROG) == 0 ? 0 : 1);
}

/* -s: the running milter's counters and maps, if it runs. */
static int show_stats(const CONFIG *cfg)
{
    return (health_print(cfg, PROG));
}

int     main(int argc, char **argv)
{
    static OPTIONS opts;
    CONFIG *cfg;
    WATCH_END end;
    int     pid_fd = -1, rc;

    if (parse_args(argc, argv, &opts) < 0 || config_file(&opts) < 0)
	return (EXIT_USAGE);
    if ((cfg = malloc(sizeof(*cfg))) == 0) {
	report("out of memory");
	return (1);
    }
    if (load_config(&opts, cfg, !opts.stats, report_problem, 0) < 0) {
	config_discard(cfg);
	return (EXIT_USAGE);
    }
    if (opts.stats) {
	rc = show_stats(cfg);
	config_discard(cfg);
	return (rc);
    }
    milter_global.cfg = cfg;
    global_publish(cfg);
    milter_global.started = time(0);
    if (opts.check) {
	rc = check_only(cfg);
	config_discard(cfg);
	return (rc);
    }
    signal(SIGPIPE, SIG_IGN);
    daemon_close_inherited();
    msg_open(PROG, cfg->facility, 1);
    if (start(cfg, &pid_fd) < 0) {
	msg_close();
	config_discard(cfg);
	return (1);
    }
    end = watch_run(DRAIN_SECONDS, reload, &opts);
    rc = runner_stop(milter_global.cfg->socket);
    stop(milter_global.cfg, pid_fd);
    msg_close();
    config_discard(milter_global.cfg);
    return (end != WATCH_END_MILTER || rc == MI_SUCCESS ? 0 : 1);
}
