#ifndef MSG_H_INCLUDED
#define MSG_H_INCLUDED

/*
 * msg.h - the milter's diagnostics: syslog, a log file (log_file), and
 * standard error while there is a terminal (before the daemon detaches,
 * or always in the foreground).
 */
#include <stdarg.h>

/* Open syslog with FACILITY (a LOG_ value); keep stderr when TO_STDERR. */
extern void msg_open(const char *ident, int facility, int to_stderr);

/*
 * Append every line to the file PATH as well (null: nothing to do),
 * opened now as the calling user; -1 with a reason.
 */
extern int msg_logfile(const char *path, char *err, size_t errlen);

/*
 * Open the log file's path again, as after logrotate renamed it, and
 * write there from now on; on failure log why and keep the file opened
 * before (-1). Nothing to do without a log file.
 */
extern int msg_reopen(void);

/* Stop writing to standard error (the daemon has detached). */
extern void msg_detach(void);
extern void msg_close(void);

extern void msg_info(const char *fmt,...)
	__attribute__((format(printf, 1, 2)));
extern void msg_warn(const char *fmt,...)
	__attribute__((format(printf, 1, 2)));
extern void msg_error(const char *fmt,...)
	__attribute__((format(printf, 1, 2)));

/* Name to LOG_ facility value; -1 for an unknown name. */
extern int msg_facility(const char *name);

#endif
