#ifndef CONFIG_H_INCLUDED
#define CONFIG_H_INCLUDED

/*
 * config.h - mailswitch-milter's settings: the key/value file of
 * mailswitch.conf(5) and the command-line overrides. Read-only once the
 * daemon has started.
 */
#include <stddef.h>
#include "report.h"

#define CONFIG_DEFAULT_FILE	"/etc/mailswitch/mailswitch-milter.conf"

/*
 * Inside the queue directory of Debian's Postfix, whose chrooted smtpd
 * and cleanup reach it as unix:mailswitch/milter.sock (a relative path
 * is taken from the queue directory, chrooted or not).
 */
#define CONFIG_DEFAULT_SOCKET	"unix:/var/spool/postfix/mailswitch/milter.sock"
#define CONFIG_MAX_MAPS		32
#define CONFIG_MAX_RECIPIENTS	1000
#define CONFIG_MAX_ADDED	10000
#define CONFIG_RECIPIENTS_LIMIT	1000000	/* the most either may be */
#define CONFIG_SOCKETMAP_TIMEOUT	60	/* idle socketmap connection */
#define CONFIG_SOCKETMAP_MAX_CONN	256

typedef enum CONFIG_MODE {
    CONFIG_MODE_REWRITE,		/* reject and rewrite */
    CONFIG_MODE_VALIDATE,		/* reject only (backup MX) */
} CONFIG_MODE;

typedef enum CONFIG_ON_ERROR {
    CONFIG_ON_ERROR_TEMPFAIL,		/* 451 the recipient */
    CONFIG_ON_ERROR_ACCEPT,		/* pass it through unchanged */
} CONFIG_ON_ERROR;

typedef struct CONFIG {
    char   *socket;			/* libmilter socket spec */
    char   *maps[CONFIG_MAX_MAPS];	/* compiled maps, tried in order */
    size_t  nmaps;
    CONFIG_MODE mode;
    char   *user;			/* drop to this user, or null */
    char   *group;			/* and group, or null */
    int     socket_mode;		/* permissions of a unix socket */
    char   *pid_file;			/* or null */
    char   *stats_file;			/* or null */
    char   *metrics_file;		/* Prometheus text format, or null */
    char   *log_file;			/* log lines appended here, or null */
    int     foreground;
    int     facility;			/* LOG_ value */
    CONFIG_ON_ERROR on_map_error;
    int     hop_limit;			/* rewrite chain length */
    int     esmtp_args;			/* NOTIFY/ORCPT on added recipients */
    int     timeout;			/* libmilter I/O timeout, seconds */
    int     max_recipients;		/* RCPTs per transaction */
    int     max_added;			/* recipients one message may add */
    int     allow_root;			/* may run as root (no user =) */
    int     maps_overridden;		/* the command line named maps */
    char   *socketmap;			/* socketmap service socket, or null */
    int     socketmap_timeout;		/* idle connection, seconds */
    int     socketmap_max_conn;		/* connections served at once */
} CONFIG;

/* Fill CFG with the defaults. */
extern void config_init(CONFIG *cfg);

/*
 * Read the key/value FILE into CFG. Returns 0, or -1 after writing one
 * every problem through REPORT with CTX (all lines are checked).
 * When MISSING_OK, a file that does not exist is not an error.
 */
extern int config_read(CONFIG *cfg, const char *file, int missing_ok,
		               REPORT_FN report, void *ctx);

/*
 * Set KEY to VALUE as the command line says, overriding the file. The
 * first "map" override replaces every map the file named. Returns 0, or
 * -1 with a reason in ERR.
 */
extern int config_override(CONFIG *cfg, const char *key, const char *value,
			           char *err, size_t errlen);

/*
 * Final checks (a socket and a map are required), and make relative
 * paths absolute against the directory HERE (the daemon runs in /, so
 * a reload gives the directory it started in).
 */
extern int config_finish(CONFIG *cfg, const char *here, char *err,
			         size_t errlen);

/*
 * The settings a running milter cannot change (socket, user, pid file,
 * ...): where NEW differs from OLD, give NEW the value OLD has (the two
 * swap, so each still owns its strings) and name the key through NOTE.
 * Returns how many differed.
 */
extern int config_keep_fixed(CONFIG *new, CONFIG *old,
			             void (*note) (const char *key));

extern void config_free(CONFIG *cfg);

#endif
