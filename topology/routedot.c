/*
 * routedot.c - a picture of how mail for a topology travels, for
 * Graphviz's dot(1).
 *
 * Exports routedot_write(). The graph has a node for the outside world,
 * each switch, each backup and each branch's server; its edges are the
 * paths mail takes: from outside to the switches and backups by the
 * domain's MX records (with their priorities, a backup's dashed), from
 * a backup to the switches, from the switches to each branch (the
 * branch's users), from each branch to the switches (the relay name:
 * another branch's users and the rest of the domain), and from outside
 * straight to each branch by its subdomain's MX (old addresses, dotted).
 */
#include <stdio.h>
#include <string.h>
#include "routedot.h"

/* NAME as a DOT string: quoted, with quotes and backslashes escaped. */
static void quoted(FILE *fp, const char *name)
{
    putc('"', fp);
    for (; *name; name++) {
	if (*name == '"' || *name == '\\')
	    putc('\\', fp);
	putc(*name, fp);
    }
    putc('"', fp);
}

/* A node ID, labelled with its name and, below, what it is. */
static void node(FILE *fp, const char *id, const char *shape, const char *what)
{
    fputs("    ", fp);
    quoted(fp, id);
    fprintf(fp, " [shape=%s, label=", shape);
    quoted(fp, id);
    fputs(" + \"\\n\" + ", fp);
    quoted(fp, what);
    fputs("];\n", fp);
}

static void edge(FILE *fp, const char *from, const char *to, const char *style,
		         const char *label)
{
    fputs("    ", fp);
    quoted(fp, from);
    fputs(" -> ", fp);
    quoted(fp, to);
    fprintf(fp, " [style=%s, label=", style);
    quoted(fp, label);
    fputs("];\n", fp);
}

#define OUTSIDE	"the internet"

int     routedot_write(const TOPOLOGY *topo, FILE *fp)
{
    char    label[300];
    size_t  i, j;

    fprintf(fp, "// routes.dot - how mail for %s travels; written by maptool "
	    "build.\n// Draw it with: dot -Tsvg routes.dot -o routes.svg\n",
	    topo->domain);
    fputs("digraph ", fp);
    quoted(fp, topo->domain);
    fputs(" {\n    rankdir=LR;\n    node [fontname=\"Helvetica\"];\n"
	  "    edge [fontname=\"Helvetica\", fontsize=10];\n", fp);
    node(fp, OUTSIDE, "ellipse", "senders outside the domain");
    for (i = 0; i < topo->nswitches; i++) {
	snprintf(label, sizeof(label), "switch, MX %d", topo->switches[i].priority);
	node(fp, topo->switches[i].name, "box", label);
    }
    for (i = 0; i < topo->nbackups; i++) {
	snprintf(label, sizeof(label), "backup, MX %d", topo->backups[i].priority);
	node(fp, topo->backups[i].name, "box", label);
    }
    for (i = 0; i < topo->nbranches; i++) {
	snprintf(label, sizeof(label), "branch %s (%zu users)",
		 topo->branches[i].name, topo->branches[i].nusers);
	node(fp, topo->branches[i].host.name, "box3d", label);
    }
    for (i = 0; i < topo->nswitches; i++) {
	snprintf(label, sizeof(label), "%s MX %d", topo->domain,
		 topo->switches[i].priority);
	edge(fp, OUTSIDE, topo->switches[i].name, "bold", label);
    }
    for (i = 0; i < topo->nbackups; i++) {
	snprintf(label, sizeof(label), "%s MX %d", topo->domain,
		 topo->backups[i].priority);
	edge(fp, OUTSIDE, topo->backups[i].name, "dashed", label);
	for (j = 0; j < topo->nswitches; j++)
	    edge(fp, topo->backups[i].name, topo->switches[j].name, "dashed",
		 "held mail");
    }
    for (i = 0; i < topo->nbranches; i++) {
	const TOPO_BRANCH *b = topo->branches + i;

	for (j = 0; j < topo->nswitches; j++) {
	    snprintf(label, sizeof(label), "users of %s", b->name);
	    edge(fp, topo->switches[j].name, b->host.name, "solid", label);
	    snprintf(label, sizeof(label), "%s: other branches", topo->relay);
	    edge(fp, b->host.name, topo->switches[j].name, "solid", label);
	}
	snprintf(label, sizeof(label), "%s MX 10: old addresses", b->subdomain);
	edge(fp, OUTSIDE, b->host.name, "dotted", label);
    }
    fputs("}\n", fp);
    return (fflush(fp) == 0 && !ferror(fp) ? 0 : -1);
}
