#ifndef VERIFYPROBE_H_INCLUDED
#define VERIFYPROBE_H_INCLUDED

/*
 * verifyprobe.h - the addresses maptool verify sends in, and where.
 */
#include "verifyroute.h"

/*
 * One verify thread's share: the users from W->begin to W->end, its
 * share of the branch maps; the first thread also the roles and the
 * unknown addresses.
 */
extern void probe_all(WORKER *w);

#endif
