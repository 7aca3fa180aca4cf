#ifndef VERIFYLOAD_H_INCLUDED
#define VERIFYLOAD_H_INCLUDED

/*
 * verifyload.h - what maptool verify reads of a build: its servers, the
 * maps they run, the zone's MX records and the entry points for mail.
 */
#include "htable.h"
#include "routeverify.h"
#include "servers.h"
#include "table.h"
#include "topology.h"
#include "zone.h"

#define VERIFY_MAX_THREADS	8
#define VERIFY_MAX_MX		64	/* MX records of one name */

/* A server of the build, as the verifier sees it. */
typedef struct VSERVER {
    const SERVER *conf;
    long    branch;			/* its branch, or -1 */
    int     is_switch;
    int     map[SERVER_MAX_MAPS];	/* indices into VERIFIER.map_files */
    size_t  nmaps;
} VSERVER;

/* A map read whole: its entries, and the domains its keys name. */
typedef struct LOADED_MAP {
    TABLE  *table;
    HTABLE *domains;
} LOADED_MAP;

/* The zone's records at one name: MX hosts best first, as servers. */
typedef struct ZONE_NAME {
    size_t  nmx;			/* MX records, all of them */
    const ZONE_RR **mx;			/* the best VERIFY_MAX_MX of them */
    long   *mx_server;			/* each one's server, or -1 */
    size_t  naddr;			/* A and AAAA records */
    size_t  ncname;
} ZONE_NAME;

typedef enum ENTRY_KIND { ENTRY_MX, ENTRY_SUBMISSION } ENTRY_KIND;

/* An entry point: a server receiving mail from outside or from its users. */
typedef struct ENTRY_POINT {
    int     server;
    ENTRY_KIND kind;
    long    mx_branch;			/* ENTRY_MX: -1 the domain, or a branch */
    char    label[96];
} ENTRY_POINT;

typedef struct VERIFIER {
    const VERIFY_OPTS *opts;
    const TOPOLOGY *topo;
    SERVERS *servers;
    ZONE   *zone;
    VSERVER *vs;
    size_t  nvs;
    HTABLE *host_index;			/* server host -> index + 1 */
    char  **map_files;			/* distinct map names in the build */
    size_t  nmap_files;
    HTABLE *map_index;			/* map name -> index + 1 */
    LOADED_MAP *maps;			/* their entries, read from the maps */
    HTABLE *subdomain_index;		/* branch subdomain -> branch + 1 */
    HTABLE *zone_index;			/* name -> ZONE_NAME */
    ZONE_NAME *zone_names;
    size_t  nzone_names;
    HTABLE *domain_index;		/* routed domain -> index + 1 */
    const char **domains;
    size_t  ndomains;
    ENTRY_POINT *entries;
    size_t  nentries;
    long   *submission;			/* per branch: its submission entry */
    long   *branch_mx;			/* per branch: MX entry of its subdomain */
    size_t *domain_mx;			/* MX entries of the domain */
    size_t  ndomain_mx;
    unsigned long setup_problems;	/* reported through opts->problem */
} VERIFIER;

/*
 * Read the build in OPTS->dir against TOPO (null: the topology its
 * servers file names, loaded into *LOADED for the caller to free) and
 * set up V: servers, maps, zone and entry points. Inconsistencies are
 * reported and counted; returns -1 when the build cannot be read
 * (reported). Free V with verifier_free() either way.
 */
extern int verifier_load(VERIFIER *v, const VERIFY_OPTS *opts, const TOPOLOGY *topo,
			         TOPOLOGY **loaded);

/* The threads verify uses for USERS users. */
extern int verify_thread_count(const VERIFY_OPTS *opts, size_t users);
extern void verifier_free(VERIFIER *v);

extern const char *server_name(const VERIFIER *v, int server);

/* The branch whose subdomain DOMAIN is, or -1. */
extern long verifier_branch_of(const VERIFIER *v, const char *domain);

/* The zone's records at NAME, or null. */
extern const ZONE_NAME *verifier_zone_name(const VERIFIER *v, const char *name);

/* The server named HOST, or -1. */
extern long verifier_server_of(const VERIFIER *v, const char *host);

#endif
