#ifndef DAEMON_H_INCLUDED
#define DAEMON_H_INCLUDED

/*
 * daemon.h - becoming a daemon: the unprivileged user, the pid file,
 * detaching from the terminal.
 */
#include <stddef.h>
#include <sys/types.h>

typedef struct DAEMON_USER {
    uid_t   uid;
    gid_t   gid;
    char   *name;			/* for initgroups(), or null */
} DAEMON_USER;

/*
 * Find USER (and GROUP, default: the user's primary group). Returns 0,
 * or -1 with a reason. With no USER, fills in the current ids.
 */
extern int daemon_user(const char *user, const char *group,
		               DAEMON_USER *who, char *err, size_t errlen);

/* Become WHO for good (groups, gid, uid); -1 with a reason. */
extern int daemon_drop(const DAEMON_USER *who, char *err, size_t errlen);

/*
 * Create and lock PATH; the descriptor is kept open (and the lock held)
 * for the daemon's life. -1 with a reason, e.g. another copy running.
 */
extern int daemon_pidfile_open(const char *path, char *err, size_t errlen);
extern int daemon_pidfile_write(int fd, char *err, size_t errlen);
extern void daemon_pidfile_remove(const char *path, int fd);

/*
 * Fork into the background. The parent waits until the child calls
 * daemon_ready() and exits 0, or exits 1 if the child dies first (its
 * error messages still reach the terminal). Returns in the child only,
 * with the descriptor to hand to daemon_ready(); -1 on failure.
 */
extern int daemon_detach(char *err, size_t errlen);
extern void daemon_ready(int fd);

/*
 * Close every descriptor but standard input, output and error: a lock
 * or a socket the starting process left open must not live as long as
 * the daemon.
 */
extern void daemon_close_inherited(void);

/* Give threads started from now on small stacks; -1 with a reason. */
extern int daemon_thread_stacks(char *err, size_t errlen);

#endif
