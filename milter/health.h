#ifndef HEALTH_H_INCLUDED
#define HEALTH_H_INCLUDED

/*
 * health.h - what the running milter shows of itself (the stats file
 * and the metrics file), and mailswitch-milter -s.
 */
#include <stddef.h>
#include "config.h"

/*
 * Rewrite the stats and metrics files (milter_global's configuration)
 * when a counter, the transactions in flight or a map's state moved
 * since the last call, or when FORCE. Returns 0, or -1 with a reason.
 * One thread at a time (the watcher's).
 */
extern int health_save(int force, char *err, size_t errlen);

/*
 * -s: when the milter of CFG runs (its pid file is locked, or with no
 * pid file, the stats file's pid is alive) and the stats file is its
 * own, print the stats file and return 0; else say why on standard
 * error, prefixed with PROG, and return 1.
 */
extern int health_print(const CONFIG *cfg, const char *prog);

#endif
