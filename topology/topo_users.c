/*
 * topo_users.c - the user list of a branch.
 *
 * Exports topo_read_user_list() to topology_load() and topo_add_user()
 * to the LDAP reader (topo_impl.h). One user a line, "NAME [ALIAS...]":
 * each name enters the topology's name table, where a clash with any
 * other user, alias or role is an error naming both places; an alias
 * with "@SUBDOMAIN" is an old address at that branch subdomain only.
 * A list that is an LDAP URL is read by topo_ldap.c, which hands each
 * entry to topo_add_user() as a line of the list.
 */
#include <stdint.h>
#include <string.h>
#include "addr.h"
#include "htable.h"
#include "topo_impl.h"
#include "words.h"
#include "xalloc.h"

static TOPO_ALIAS *new_alias(TOPOLOGY *topo, const char *local, const char *domain,
			             size_t user, unsigned line)
{
    TOPO_ALIAS *a = topo_grow(&topo->aliases, &topo->naliases, sizeof(*a));

    a->local = local;
    a->domain = domain;
    a->user = (uint32_t) user;
    a->line = line;
    return (a);
}

/* LOCAL@DOMAIN: an old address at a branch subdomain. */
static void add_old_address(PARSER *p, size_t branch, char *word,
			            size_t user, unsigned line)
{
    TOPOLOGY *topo = p->topo;
    char   *at = strchr(word, '@');
    const char *why, *file;
    const TOPO_ALIAS *was;
    unsigned file_line;
    char    place[512];
    long    index;

    file = topology_user_place(topo, branch, line, &file_line);
    *at = 0;
    if ((why = topo_name_problem(word)) != 0) {
	topo_error(p, file, file_line, "old address %s@%s: %s", word, at + 1, why);
	return;
    }
    if (topology_branch_of_domain(topo, at + 1) < 0) {
	topo_error(p, file, file_line, "old address %s@%s: %s is not a "
		 "branch subdomain", word, at + 1, at + 1);
	return;
    }
    *at = '@';
    if ((index = topo_find_old(topo, word)) >= 0) {
	was = topo->aliases + index;
	topo_describe_place(topo, topo->users[was->user].branch, was->line,
			    place, sizeof(place));
	topo_error(p, file, file_line, "old address %s is already %s's, "
		 "of branch %s (%s)", word, topo->users[was->user].name,
		 topo->branches[topo->users[was->user].branch].name, place);
	return;
    }
    xhtable_insert(topo->old, topo_keep(topo, xstrdup(word)),
		  (void *) (uintptr_t) (topo->naliases + 1));
    *at = 0;				/* local part and domain apart */
    new_alias(topo, word, at + 1, user, line);
}

void    topo_add_user(PARSER *p, size_t branch, char **argv, int argc,
		              unsigned lineno)
{
    TOPOLOGY *topo = p->topo;
    const char *why, *file;
    TOPO_USER *u;
    size_t  user;
    unsigned file_line;
    int     i;

    file = topology_user_place(topo, branch, lineno, &file_line);
    addr_fold(argv[0], argv[0]);
    if ((why = topo_name_problem(argv[0])) != 0 || strchr(argv[0], '@')) {
	topo_error(p, file, file_line, "user %s: %s", argv[0],
		 why ? why : "a user is a name, not an address");
	return;
    }
    user = topo->nusers;
    if (topo_enter_name(p, argv[0], TOPO_IS_USER, user, file, file_line) < 0)
	return;
    u = topo_grow(&topo->users, &topo->nusers, sizeof(*u));
    u->name = argv[0];
    u->branch = (uint32_t) branch;
    u->line = lineno;
    u->first_alias = (uint32_t) topo->naliases;
    for (i = 1; i < argc; i++) {
	addr_fold(argv[i], argv[i]);
	if (strchr(argv[i], '@')) {
	    add_old_address(p, branch, argv[i], user, lineno);
	} else if ((why = topo_name_problem(argv[i])) != 0) {
	    topo_error(p, file, file_line, "alias %s: %s", argv[i], why);
	} else if (topo_enter_name(p, argv[i], TOPO_IS_ALIAS, topo->naliases,
				   file, file_line) == 0) {
	    new_alias(topo, argv[i], 0, user, lineno);
	}
    }
    topo->users[user].naliases = (uint32_t) (topo->naliases - u->first_alias);
}

static void parse_user_line(PARSER *p, size_t branch, char *line, size_t len,
			            unsigned lineno)
{
    TOPO_BRANCH *b = p->topo->branches + branch;
    char   *argv[TOPO_MAX_ARGS + 1];
    const char *why;
    int     argc;

    if ((why = topo_line_problem(line, len)) != 0) {
	topo_error(p, b->users_path, lineno, "%s", why);
	return;
    }
    if ((argc = words_split(line, argv, TOPO_MAX_ARGS, '#')) < 0) {
	topo_error(p, b->users_path, lineno, "too many aliases on one line");
	return;
    }
    if (argc > 0)
	topo_add_user(p, branch, argv, argc, lineno);
}

/* A user list file: one user a line. */
static void read_user_file(PARSER *p, size_t branch)
{
    TOPOLOGY *topo = p->topo;
    TOPO_BRANCH *b = topo->branches + branch;
    char    err[256], *text, *line, *nl;
    size_t  len;
    unsigned lineno = 1;

    if ((text = topo_read_file(b->users_path, &len, err, sizeof(err))) == 0) {
	topo_error(p, topo->path, b->users_line, "branch %s: cannot read user "
		 "list %s: %s", b->name, b->users_path, err);
	return;
    }
    *(char **) topo_grow(&topo->texts, &topo->ntexts, sizeof(char *)) = text;
    for (line = text; line < text + len; line = nl + 1, lineno++) {
	if ((nl = memchr(line, '\n', text + len - line)) == 0)
	    nl = text + len;
	*nl = 0;
	parse_user_line(p, branch, line, nl - line, lineno);
    }
}

void    topo_read_user_list(PARSER *p, size_t branch)
{
    TOPOLOGY *topo = p->topo;
    TOPO_BRANCH *b = topo->branches + branch;
    int     errors = topo->errors;

    b->first_user = topo->nusers;
    if (b->users_path == 0)
	return;
    if (topology_is_ldap_url(b->users_path))
	topo_read_ldap_users(p, branch);
    else
	read_user_file(p, branch);
    b->nusers = topo->nusers - b->first_user;
    if (b->nusers == 0 && topo->errors == errors)
	topo_warning(p, b->users_path, 0, "branch %s has no users", b->name);
}
