#ifndef SOCKETMAP_H_INCLUDED
#define SOCKETMAP_H_INCLUDED

/*
 * socketmap.h - the same resolver as a socketmap service (Postfix's
 * socketmap tables, Sendmail's socket maps): tables "virtual" and
 * "access", answered from the milter's map snapshots by a thread of its
 * own. See mailswitch-milter(8), SOCKETMAP.
 */
#include <stddef.h>
#include "config.h"
#include "daemon.h"

/*
 * Listen on cfg->socketmap, if set (while still root: a unix socket is
 * given to WHO with cfg->socket_mode). 0, or -1 with a reason.
 */
extern int socketmap_open(const CONFIG *cfg, const DAEMON_USER *who,
			          char *err, size_t errlen);

/* Start serving (after the last fork); 0, or -1 with a reason. */
extern int socketmap_start(char *err, size_t errlen);

/*
 * Stop the thread if it runs, close every connection and the socket,
 * remove a unix socket. Safe to call when nothing was opened.
 */
extern void socketmap_stop(void);

#endif
