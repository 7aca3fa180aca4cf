#ifndef TOPO_IMPL_H_INCLUDED
#define TOPO_IMPL_H_INCLUDED

/*
 * topo_impl.h - what the parts of the topology reader share, and no one
 * else: topology.c (loading, problems, name checks), topo_parse.c (the
 * topology file), topo_users.c (user lists), topo_ldap.c (user lists
 * from a directory), topo_check.c (checks across
 * them) and topo_query.c (the name table).
 */
#include <stddef.h>
#include "topology.h"

#define TOPO_MAX_ARGS	32		/* words on one topology line */

typedef enum BLOCK_KIND {
    BLOCK_NONE = 0, BLOCK_SWITCH = 1, BLOCK_BACKUP = 2, BLOCK_BRANCH = 4,
} BLOCK_KIND;

/* One load: where problems go, and where in the topology file we are. */
typedef struct PARSER {
    TOPOLOGY *topo;
    REPORT_FN report;
    void   *ctx;
    char   *dir;			/* the topology's directory, or null */
    BLOCK_KIND block;			/* the block lines now belong to */
    size_t  block_index;
    unsigned line;
    unsigned relay_line, reject_line;
    char   *text;			/* topo_ldap.c: room in its newest */
    size_t  text_left;			/* text block, for every branch */
} PARSER;

/* topology.c: a problem at FILE:LINE, reported and counted. */
extern void topo_error(PARSER *p, const char *file, unsigned line,
		               const char *fmt,...) __attribute__((format(printf, 4, 5)));
extern void topo_warning(PARSER *p, const char *file, unsigned line,
		                 const char *fmt,...) __attribute__((format(printf, 4, 5)));

/* topology.c: grow *ARRAY of *N items of SIZE bytes by one zeroed item. */
extern void *topo_grow(void *array, size_t *n, size_t size);

/* topology.c: keep S for topology_free(); returns S. */
extern char *topo_keep(TOPOLOGY *topo, char *s);

/* topology.c: a whole file (see slurp.h); out of memory exits 71. */
extern char *topo_read_file(const char *path, size_t *len, char *err,
			            size_t errlen);

/* topology.c: what is wrong with a line, a host name or a name; or null. */
extern const char *topo_line_problem(const char *line, size_t len);
extern const char *topo_host_problem(const char *name);
extern const char *topo_name_problem(const char *name);

/* topology.c: a folded copy of a host or domain name; a fit branch name. */
extern char *topo_folded_name(const char *name);
extern int topo_good_branch_name(const char *name);

/* topo_query.c: the name table and the old addresses. */
extern int topo_enter_name(PARSER *p, const char *name, TOPO_KIND kind,
			           size_t index, const char *file, unsigned line);
extern long topo_find_old(const TOPOLOGY *topo, const char *key);
extern long topo_user_of(const TOPOLOGY *topo, TOPO_KIND kind, size_t index);
extern void topo_describe_name(const TOPOLOGY *topo, TOPO_KIND kind,
			               size_t index, char *buf, size_t len);
extern void topo_describe_place(const TOPOLOGY *topo, size_t branch,
			                unsigned line, char *buf, size_t len);

/* topo_parse.c: every line of the topology file TEXT. */
extern void topo_read_topology(PARSER *p, char *text, size_t len);

/* topo_users.c: the user list of branch BRANCH. */
extern void topo_read_user_list(PARSER *p, size_t branch);

/*
 * topo_users.c: user ARGV[0] with aliases ARGV[1..ARGC-1] (folded in
 * place and kept: the topology points into them), entry LINE of BRANCH.
 */
extern void topo_add_user(PARSER *p, size_t branch, char **argv, int argc,
			          unsigned line);

/*
 * topo_ldap.c: the users of BRANCH from the directory its users URL
 * names, each entry added as it arrives; a read that is not whole is
 * an error.
 */
extern void topo_read_ldap_users(PARSER *p, size_t branch);

/* topo_check.c: the checks once the topology file, then the lists, are read. */
extern void topo_check_topology(PARSER *p);
extern void topo_check_old_addresses(PARSER *p);
extern void topo_check_roles(PARSER *p);

#endif
