#ifndef ROUTEGEN_H_INCLUDED
#define ROUTEGEN_H_INCLUDED

/*
 * routegen.h - the virtusertable of every server of a topology.
 */
#include <stdio.h>
#include "topology.h"

/*
 * The tables, by name: "switch" (every switch), "domain" (the backup
 * MX's validation table, which each branch also consults after its
 * own), and one per branch, named as the branch. Each writer prints a
 * whole table to FP, with a comment header naming the table and the
 * topology file it comes from (TOPO->path), and returns 0, or -1 when
 * FP reports a write error.
 */
extern int routegen_switch(const TOPOLOGY *topo, FILE *fp);
extern int routegen_domain(const TOPOLOGY *topo, FILE *fp);
extern int routegen_branch(const TOPOLOGY *topo, size_t branch, FILE *fp);

#define ROUTEGEN_SWITCH	"switch"
#define ROUTEGEN_DOMAIN	"domain"

#endif
