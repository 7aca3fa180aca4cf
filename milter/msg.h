#ifndef MSG_H_INCLUDED
#define MSG_H_INCLUDED

/*
 * msg.h - the milter's diagnostics: syslog, and standard error while
 * there is a terminal (before the daemon detaches, or always in the
 * foreground).
 */
#include <stdarg.h>

/* Open syslog with FACILITY (a LOG_ value); keep stderr when TO_STDERR. */
extern void msg_open(const char *ident, int facility, int to_stderr);

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
