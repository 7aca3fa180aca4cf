/*
 * config.c - read mailswitch-milter's configuration.
 *
 * Exports config_init(), config_read(), config_override(),
 * config_finish(), config_keep_fixed() and config_free(). The file is one "key = value" a
 * line; blank lines and lines starting with '#' are skipped. Every key
 * but "map" may appear once. An unknown key, a bad value or a repeated
 * key is reported as FILE:LINE: reason, and startup stops. The keys are
 * listed in keys[] below and described in mailswitch.conf(5).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>
#include "vut.h"
#include "config.h"
#include "msg.h"
#include "sockspec.h"

#define CONFIG_LINE_MAX	4096

typedef int (*CONFIG_SET_FN) (CONFIG *cfg, const char *value,
			              char *err, size_t errlen);

static int set_socket(CONFIG *, const char *, char *, size_t);
static int set_map(CONFIG *, const char *, char *, size_t);
static int set_mode(CONFIG *, const char *, char *, size_t);
static int set_user(CONFIG *, const char *, char *, size_t);
static int set_group(CONFIG *, const char *, char *, size_t);
static int set_socket_mode(CONFIG *, const char *, char *, size_t);
static int set_pid_file(CONFIG *, const char *, char *, size_t);
static int set_stats_file(CONFIG *, const char *, char *, size_t);
static int set_metrics_file(CONFIG *, const char *, char *, size_t);
static int set_log_file(CONFIG *, const char *, char *, size_t);
static int set_foreground(CONFIG *, const char *, char *, size_t);
static int set_facility(CONFIG *, const char *, char *, size_t);
static int set_on_map_error(CONFIG *, const char *, char *, size_t);
static int set_hop_limit(CONFIG *, const char *, char *, size_t);
static int set_esmtp_args(CONFIG *, const char *, char *, size_t);
static int set_timeout(CONFIG *, const char *, char *, size_t);
static int set_max_recipients(CONFIG *, const char *, char *, size_t);
static int set_max_added(CONFIG *, const char *, char *, size_t);
static int set_allow_root(CONFIG *, const char *, char *, size_t);
static int set_socketmap(CONFIG *, const char *, char *, size_t);
static int set_socketmap_timeout(CONFIG *, const char *, char *, size_t);
static int set_socketmap_max_conn(CONFIG *, const char *, char *, size_t);

static const struct {
    const char *name;
    CONFIG_SET_FN set;
    int     repeat;			/* may appear more than once */
} keys[] = {
    {"socket", set_socket, 0},
    {"map", set_map, 1},
    {"mode", set_mode, 0},
    {"user", set_user, 0},
    {"group", set_group, 0},
    {"socket_mode", set_socket_mode, 0},
    {"pid_file", set_pid_file, 0},
    {"stats_file", set_stats_file, 0},
    {"metrics_file", set_metrics_file, 0},
    {"log_file", set_log_file, 0},
    {"foreground", set_foreground, 0},
    {"syslog_facility", set_facility, 0},
    {"on_map_error", set_on_map_error, 0},
    {"hop_limit", set_hop_limit, 0},
    {"esmtp_args", set_esmtp_args, 0},
    {"timeout", set_timeout, 0},
    {"max_recipients", set_max_recipients, 0},
    {"max_added_recipients", set_max_added, 0},
    {"allow_root", set_allow_root, 0},
    {"socketmap", set_socketmap, 0},
    {"socketmap_timeout", set_socketmap_timeout, 0},
    {"socketmap_max_connections", set_socketmap_max_conn, 0},
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

void    config_init(CONFIG *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->mode = CONFIG_MODE_REWRITE;
    cfg->socket_mode = 0660;
    cfg->facility = LOG_MAIL;
    cfg->on_map_error = CONFIG_ON_ERROR_TEMPFAIL;
    cfg->hop_limit = VUT_MAX_HOPS;
    cfg->esmtp_args = 1;
    cfg->timeout = 7210;
    cfg->max_recipients = CONFIG_MAX_RECIPIENTS;
    cfg->max_added = CONFIG_MAX_ADDED;
    cfg->socketmap_timeout = CONFIG_SOCKETMAP_TIMEOUT;
    cfg->socketmap_max_conn = CONFIG_SOCKETMAP_MAX_CONN;
}

void    config_free(CONFIG *cfg)
{
    size_t  i;

    free(cfg->socket);
    free(cfg->socketmap);
    for (i = 0; i < cfg->nmaps; i++)
	free(cfg->maps[i]);
    free(cfg->user);
    free(cfg->group);
    free(cfg->pid_file);
    free(cfg->stats_file);
    free(cfg->metrics_file);
    free(cfg->log_file);
    memset(cfg, 0, sizeof(*cfg));
}

/* Replace *SLOT by a copy of VALUE. */
static int set_string(char **slot, const char *value, char *err, size_t errlen)
{
    char   *copy;

    if ((copy = strdup(value)) == 0) {
	snprintf(err, errlen, "out of memory");
	return (-1);
    }
    free(*slot);
    *slot = copy;
    return (0);
}

/* A value that must be one of the words in NAMES (null-terminated). */
static int set_word(int *slot, const char *value, const char *const *names,
		            const char *what, char *err, size_t errlen)
{
    int     i;

    for (i = 0; names[i]; i++) {
	if (strcmp(value, names[i]) == 0) {
	    *slot = i;
	    return (0);
	}
    }
    snprintf(err, errlen, "bad %s \"%s\" (want %s%s%s)", what, value,
	     names[0], names[1] ? " or " : "", names[1] ? names[1] : "");
    return (-1);
}

static int set_bool(int *slot, const char *value, const char *what,
		            char *err, size_t errlen)
{
    static const char *const yes[] = {"yes", "true", "on", "1", 0};
    static const char *const no[] = {"no", "false", "off", "0", 0};
    int     i;

    for (i = 0; yes[i]; i++) {
	if (strcasecmp(value, yes[i]) == 0)
	    return (*slot = 1, 0);
	if (strcasecmp(value, no[i]) == 0)
	    return (*slot = 0, 0);
    }
    snprintf(err, errlen, "bad %s \"%s\" (want yes or no)", what, value);
    return (-1);
}

static int set_int(int *slot, const char *value, int min, int max, int base,
		           const char *what, char *err, size_t errlen)
{
    char   *end;
    long    n;

    errno = 0;
    n = strtol(value, &end, base);
    if (!isdigit((unsigned char) *value) || *end || errno) {
	snprintf(err, errlen, "bad %s \"%s\" (not %s number)", what, value,
		 base == 8 ? "an octal" : "a");
	return (-1);
    }
    if (n < min || n > max) {
	snprintf(err, errlen, base == 8 ? "%s %s out of range %o-%o" :
		 "%s %s out of range %d-%d", what, value, min, max);
	return (-1);
    }
    *slot = (int) n;
    return (0);
}

/* A user or group name: printable, no white space, no ':'. */
static int check_name(const char *value, const char *what, char *err,
		              size_t errlen)
{
    const char *cp;

    for (cp = value; *cp; cp++) {
	if (!isgraph((unsigned char) *cp) || *cp == ':') {
	    snprintf(err, errlen, "bad %s name \"%s\"", what, value);
	    return (-1);
	}
    }
    return (0);
}

static int set_socket(CONFIG *cfg, const char *value, char *err, size_t errlen)
{
    if (sockspec_check(value, err, errlen) < 0)
	return (-1);
    return (set_string(&cfg->socket, value, err, errlen));
}

static int set_socketmap(CONFIG *cfg, const char *value, char *err,
			          size_t errlen)
{
    if (sockspec_check(value, err, errlen) < 0)
	return (-1);
    return (set_string(&cfg->socketmap, value, err, errlen));
}

static int set_socketmap_timeout(CONFIG *cfg, const char *value, char *err,
				         size_t errlen)
{
    return (set_int(&cfg->socketmap_timeout, value, 1, 86400, 10,
		    "socketmap_timeout", err, errlen));
}

static int set_socketmap_max_conn(CONFIG *cfg, const char *value, char *err,
				          size_t errlen)
{
    return (set_int(&cfg->socketmap_max_conn, value, 1, 100000, 10,
		    "socketmap_max_connections", err, errlen));
}

static int set_map(CONFIG *cfg, const char *value, char *err, size_t errlen)
{
    size_t  i;

    if (cfg->nmaps >= CONFIG_MAX_MAPS) {
	snprintf(err, errlen, "too many maps (at most %d)", CONFIG_MAX_MAPS);
	return (-1);
    }
    for (i = 0; i < cfg->nmaps; i++) {
	if (strcmp(cfg->maps[i], value) == 0) {
	    snprintf(err, errlen, "map \"%s\" named twice", value);
	    return (-1);
	}
    }
    if (set_string(&cfg->maps[cfg->nmaps], value, err, errlen) < 0)
	return (-1);
    cfg->nmaps++;
    return (0);
}

static int set_mode(CONFIG *cfg, const char *value, char *err, size_t errlen)
{
    static const char *const names[] = {"rewrite", "validate", 0};
    int     mode;

    if (set_word(&mode, value, names, "mode", err, errlen) < 0)
	return (-1);
    cfg->mode = mode;
    return (0);
}

static int set_user(CONFIG *cfg, const char *value, char *err, size_t errlen)
{
    if (check_name(value, "user", err, errlen) < 0)
	return (-1);
    return (set_string(&cfg->user, value, err, errlen));
}

static int set_group(CONFIG *cfg, const char *value, char *err, size_t errlen)
{
    if (check_name(value, "group", err, errlen) < 0)
	return (-1);
    return (set_string(&cfg->group, value, err, errlen));
}

static int set_socket_mode(CONFIG *cfg, const char *value, char *err,
			           size_t errlen)
{
    return (set_int(&cfg->socket_mode, value, 0, 0777, 8, "socket_mode",
		    err, errlen));
}

static int set_pid_file(CONFIG *cfg, const char *value, char *err,
			        size_t errlen)
{
    return (set_string(&cfg->pid_file, value, err, errlen));
}

static int set_stats_file(CONFIG *cfg, const char *value, char *err,
			          size_t errlen)
{
    return (set_string(&cfg->stats_file, value, err, errlen));
}

static int set_metrics_file(CONFIG *cfg, const char *value, char *err,
			            size_t errlen)
{
    return (set_string(&cfg->metrics_file, value, err, errlen));
}

static int set_log_file(CONFIG *cfg, const char *value, char *err,
			        size_t errlen)
{
    return (set_string(&cfg->log_file, value, err, errlen));
}

static int set_foreground(CONFIG *cfg, const char *value, char *err,
			          size_t errlen)
{
    return (set_bool(&cfg->foreground, value, "foreground", err, errlen));
}

static int set_facility(CONFIG *cfg, const char *value, char *err,
			        size_t errlen)
{
    int     facility;

    if ((facility = msg_facility(value)) < 0) {
	snprintf(err, errlen, "unknown syslog facility \"%s\" (want mail, "
		 "daemon, user or local0-local7)", value);
	return (-1);
    }
    cfg->facility = facility;
    return (0);
}

static int set_on_map_error(CONFIG *cfg, const char *value, char *err,
			            size_t errlen)
{
    static const char *const names[] = {"tempfail", "accept", 0};
    int     action;

    if (set_word(&action, value, names, "on_map_error", err, errlen) < 0)
	return (-1);
    cfg->on_map_error = action;
    return (0);
}

static int set_hop_limit(CONFIG *cfg, const char *value, char *err,
			         size_t errlen)
{
    return (set_int(&cfg->hop_limit, value, 1, VUT_HOPS_LIMIT, 10,
		    "hop_limit", err, errlen));
}

static int set_esmtp_args(CONFIG *cfg, const char *value, char *err,
			          size_t errlen)
{
    return (set_bool(&cfg->esmtp_args, value, "esmtp_args", err, errlen));
}

static int set_timeout(CONFIG *cfg, const char *value, char *err,
		               size_t errlen)
{
    return (set_int(&cfg->timeout, value, 1, 86400, 10, "timeout",
		    err, errlen));
}

static int set_max_recipients(CONFIG *cfg, const char *value, char *err,
			              size_t errlen)
{
    return (set_int(&cfg->max_recipients, value, 1, CONFIG_RECIPIENTS_LIMIT,
		    10, "max_recipients", err, errlen));
}

static int set_max_added(CONFIG *cfg, const char *value, char *err,
			         size_t errlen)
{
    return (set_int(&cfg->max_added, value, 1, CONFIG_RECIPIENTS_LIMIT, 10,
		    "max_added_recipients", err, errlen));
}

static int set_allow_root(CONFIG *cfg, const char *value, char *err,
			          size_t errlen)
{
    return (set_bool(&cfg->allow_root, value, "allow_root", err, errlen));
}

static int find_key(const char *name)
{
    size_t  i;

    for (i = 0; i < NKEYS; i++)
	if (strcmp(keys[i].name, name) == 0)
	    return ((int) i);
    return (-1);
}

/* Split LINE (modified) into KEY and VALUE; -1 with a reason. */
static int split_line(char *line, char **key, char **value,
		              char *err, size_t errlen)
{
    char   *cp = line, *end;

    while (isalnum((unsigned char) *cp) || *cp == '_')
	cp++;
    if (cp == line) {
	snprintf(err, errlen, "expected \"key = value\"");
	return (-1);
    }
    end = cp;
    while (*cp == ' ' || *cp == '\t')
	cp++;
    if (*cp != '=') {
	snprintf(err, errlen, "expected \"=\" after \"%.*s\"",
		 (int) (end - line), line);
	return (-1);
    }
    *end = 0;
    cp++;
    while (*cp == ' ' || *cp == '\t')
	cp++;
    end = cp + strlen(cp);
    while (end > cp && isspace((unsigned char) end[-1]))
	*--end = 0;
    if (*cp == 0) {
	snprintf(err, errlen, "missing value for \"%.100s\"", line);
	return (-1);
    }
    *key = line;
    *value = cp;
    return (0);
}

/* Check one line; SEEN[k] is the line where key k was first set. */
static int config_line(CONFIG *cfg, char *line, unsigned long lineno,
		               unsigned long *seen, char *err, size_t errlen)
{
    char   *key, *value;
    int     k;

    if (split_line(line, &key, &value, err, errlen) < 0)
	return (-1);
    if ((k = find_key(key)) < 0) {
	snprintf(err, errlen, "unknown key \"%.100s\"", key);
	return (-1);
    }
    if (seen[k] && !keys[k].repeat) {
	snprintf(err, errlen, "\"%s\" already set at line %lu", keys[k].name,
		 seen[k]);
	return (-1);
    }
    seen[k] = lineno;
    if (keys[k].set(cfg, value, err, errlen) < 0)
	return (-1);
    return (0);
}

/* Read one line into BUF; 1 ok, 0 at end, -1 too long (rest skipped). */
static int read_line(FILE *fp, char *buf, size_t len)
{
    size_t  n;
    int     ch;

    if (fgets(buf, (int) len, fp) == 0)
	return (0);
    n = strlen(buf);
    if (n > 0 && buf[n - 1] == '\n') {
	buf[n - 1] = 0;
	return (1);
    }
    if (feof(fp))
	return (1);
    while ((ch = getc(fp)) != EOF && ch != '\n')
	 /* skip */ ;
    return (-1);
}

int     config_read(CONFIG *cfg, const char *file, int missing_ok,
		            REPORT_FN report, void *ctx)
{
    unsigned long seen[NKEYS] = {0};
    unsigned lineno = 0;
    char    line[CONFIG_LINE_MAX];
    char    err[512];
    char   *cp;
    FILE   *fp;
    int     rc, errors = 0;

    if ((fp = fopen(file, "r")) == 0) {
	if (errno == ENOENT && missing_ok)
	    return (0);
	snprintf(err, sizeof(err), "cannot open: %s", strerror(errno));
	report(ctx, file, 0, 1, err);
	return (-1);
    }
    while ((rc = read_line(fp, line, sizeof(line))) != 0) {
	lineno++;
	if (rc < 0) {
	    report(ctx, file, lineno, 1, "line too long");
	    errors++;
	    continue;
	}
	for (cp = line; *cp == ' ' || *cp == '\t'; cp++)
	     /* skip */ ;
	if (*cp == 0 || *cp == '#' || (*cp == '\r' && cp[1] == 0))
	    continue;
	if (config_line(cfg, cp, lineno, seen, err, sizeof(err)) < 0) {
	    report(ctx, file, lineno, 1, err);
	    errors++;
	}
    }
    if (ferror(fp)) {
	snprintf(err, sizeof(err), "read error: %s", strerror(errno));
	report(ctx, file, 0, 1, err);
	errors++;
    }
    fclose(fp);
    return (errors ? -1 : 0);
}

int     config_override(CONFIG *cfg, const char *key, const char *value,
			        char *err, size_t errlen)
{
    size_t  i;
    int     k;

    if ((k = find_key(key)) < 0) {
	snprintf(err, errlen, "unknown key \"%.100s\"", key);
	return (-1);
    }
    if (*value == 0) {
	snprintf(err, errlen, "missing value for \"%s\"", key);
	return (-1);
    }
    if (keys[k].set == set_map && !cfg->maps_overridden) {
	for (i = 0; i < cfg->nmaps; i++) {
	    free(cfg->maps[i]);
	    cfg->maps[i] = 0;
	}
	cfg->nmaps = 0;
	cfg->maps_overridden = 1;
    }
    return (keys[k].set(cfg, value, err, errlen));
}

/* Make *PATH absolute against CWD. */
static int absolute(char **path, const char *cwd, char *err, size_t errlen)
{
    char   *abs;

    if (*path == 0 || **path == '/')
	return (0);
    if (cwd == 0) {
	snprintf(err, errlen, "relative path \"%s\" and no current "
		 "directory", *path);
	return (-1);
    }
    if (asprintf(&abs, "%s/%s", cwd, *path) < 0) {
	snprintf(err, errlen, "out of memory");
	return (-1);
    }
    free(*path);
    *path = abs;
    return (0);
}

/* A socket spec with a relative unix path made absolute. */
static int absolute_socket(char **specp, const char *cwd, char *err,
			           size_t errlen)
{
    const char *path = *specp ? sockspec_path(*specp) : 0;
    char   *copy, *spec;

    if (path == 0 || *path == '/')
	return (0);
    if ((copy = strdup(path)) == 0 || absolute(&copy, cwd, err, errlen) < 0) {
	free(copy);
	return (-1);
    }
    if (asprintf(&spec, "unix:%s", copy) < 0) {
	free(copy);
	snprintf(err, errlen, "out of memory");
	return (-1);
    }
    free(copy);
    free(*specp);
    *specp = spec;
    return (sockspec_check(spec, err, errlen) < 0 ? -1 : 0);
}

int     config_finish(CONFIG *cfg, const char *here, char *err,
			          size_t errlen)
{
    size_t  i;

    if (cfg->socket == 0 && (cfg->socket = strdup(CONFIG_DEFAULT_SOCKET)) == 0) {
	snprintf(err, errlen, "out of memory");
	return (-1);
    }
    if (cfg->nmaps == 0) {
	snprintf(err, errlen, "no map given (map = /path/to/table.db, "
		 "or -m)");
	return (-1);
    }
    for (i = 0; i < cfg->nmaps; i++)
	if (absolute(&cfg->maps[i], here, err, errlen) < 0)
	    return (-1);
    if (absolute(&cfg->pid_file, here, err, errlen) < 0
	|| absolute(&cfg->stats_file, here, err, errlen) < 0
	|| absolute(&cfg->metrics_file, here, err, errlen) < 0
	|| absolute(&cfg->log_file, here, err, errlen) < 0
	|| absolute_socket(&cfg->socket, here, err, errlen) < 0
	|| absolute_socket(&cfg->socketmap, here, err, errlen) < 0)
	return (-1);
    return (0);
}

/* The settings a running milter keeps until it restarts. */
static const struct FIXED_KEY {
    const char *key;
    size_t  offset;
    int     is_string;
} fixed_keys[] = {
    {"socket", offsetof(CONFIG, socket), 1},
    {"socket_mode", offsetof(CONFIG, socket_mode), 0},
    {"user", offsetof(CONFIG, user), 1},
    {"group", offsetof(CONFIG, group), 1},
    {"pid_file", offsetof(CONFIG, pid_file), 1},
    {"log_file", offsetof(CONFIG, log_file), 1},
    {"foreground", offsetof(CONFIG, foreground), 0},
    {"facility", offsetof(CONFIG, facility), 0},
    {"timeout", offsetof(CONFIG, timeout), 0},
    {"allow_root", offsetof(CONFIG, allow_root), 0},
    {"socketmap", offsetof(CONFIG, socketmap), 1},
    {"socketmap_timeout", offsetof(CONFIG, socketmap_timeout), 0},
    {"socketmap_max_connections", offsetof(CONFIG, socketmap_max_conn), 0},
};

#define NFIXED	(sizeof(fixed_keys) / sizeof(fixed_keys[0]))

static int same_string(const char *a, const char *b)
{
    return (a == b || (a && b && strcmp(a, b) == 0));
}

/* Where NEW differs from OLD in KEY, swap the two values; 1 if so. */
static int keep_one(CONFIG *new, CONFIG *old, const struct FIXED_KEY *k)
{
    char   *n = (char *) new + k->offset, *o = (char *) old + k->offset;
    char   *str;
    int     num;

    if (k->is_string) {
	if (same_string(*(char **) n, *(char **) o))
	    return (0);
	str = *(char **) n;
	*(char **) n = *(char **) o;
	*(char **) o = str;
    } else {
	if (*(int *) n == *(int *) o)
	    return (0);
	num = *(int *) n;
	*(int *) n = *(int *) o;
	*(int *) o = num;
    }
    return (1);
}

int     config_keep_fixed(CONFIG *new, CONFIG *old,
			          void (*note) (const char *key))
{
    size_t  i;
    int     differed = 0;

    for (i = 0; i < NFIXED; i++) {
	if (keep_one(new, old, fixed_keys + i)) {
	    note(fixed_keys[i].key);
	    differed++;
	}
    }
    return (differed);
}
