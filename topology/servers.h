#ifndef SERVERS_H_INCLUDED
#define SERVERS_H_INCLUDED

/*
 * servers.h - the "servers" file maptool build writes beside the tables:
 * each mail server, its role, the milter mode and the maps it runs with.
 */
#include <stdint.h>
#include <stdio.h>
#include "table.h"
#include "topology.h"

typedef enum SERVER_ROLE { SERVER_SWITCH, SERVER_BACKUP, SERVER_BRANCH } SERVER_ROLE;

#define SERVER_MAX_MAPS	4

typedef struct SERVER {
    char   *host;
    SERVER_ROLE role;
    char   *branch;			/* SERVER_BRANCH: its name */
    int     validate;			/* milter mode validate */
    char   *maps[SERVER_MAX_MAPS];	/* file names in the build directory */
    size_t  nmaps;
    uint64_t users_digest;		/* SERVER_BRANCH: of its user list */
    int     has_digest;
    unsigned line;
} SERVER;

typedef struct SERVERS {
    char   *path;
    char   *topology;			/* absolute path of the topology */
    char   *domain;
    SERVER *server;
    size_t  count;
} SERVERS;

/*
 * Write the file for TOPO; TOPOLOGY_PATH is recorded for maptool verify.
 * Branches come first, in ORDER (indices; null: as in the topology),
 * then switches, then backups: the order to install a new build in.
 * Returns 0, or -1 on a write error.
 */
extern int servers_write(const TOPOLOGY *topo, const char *topology_path,
			         const size_t *order, FILE *fp);

/* A digest of a branch's users and aliases, to notice a changed list. */
extern uint64_t servers_users_digest(const TOPOLOGY *topo, size_t branch);

/* Read it back; problems are reported and counted in *ERRORS. */
extern SERVERS *servers_read(const char *path, REPORT_FN report,
			             void *ctx, int *errors);
extern void servers_free(SERVERS *servers);

#endif
