#ifndef ROUTEDOT_H_INCLUDED
#define ROUTEDOT_H_INCLUDED

/*
 * routedot.h - the paths mail takes through a topology, as a Graphviz
 * graph (routes.dot).
 */
#include <stdio.h>
#include "topology.h"

/* Write TOPO's graph to FP; 0, or -1 on a write error. */
extern int routedot_write(const TOPOLOGY *topo, FILE *fp);

#endif
