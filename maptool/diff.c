/*
 * diff.c - maptool diff: what a new build (or map) changes, address by
 * address, before it is installed.
 *
 * Exports cmd_diff() and diff_builds() (maptool build's summary). OLD
 * and NEW are two build directories (each with its servers file) or two
 * maps (.db, or a text table). For builds the servers are paired by
 * host; a server only one build has is named as added or removed. For
 * each paired server whose maps differ, every address that may answer
 * differently is resolved through the server's maps, in the order the
 * milter uses them, with the core's vut_resolve() (old and new), and
 * each one whose answer changed is printed as two query lines (see
 * query.c), the old answer after "-KIND\t", the new after "+KIND\t":
 *
 *	server HOST ROLE: 1 added, 0 removed, 1 moved, 0 reject changed
 *	-added	pia@x.org	reject	550	5.1.1	User unknown
 *	+added	pia@x.org	forward	pia@north.x.org
 *	-moved	rosa@x.org	forward	rosa@north.x.org
 *	+moved	rosa@x.org	forward	rosa@south.x.org
 *
 * KIND is "added" (now forwarded, before not), "removed" (forwarded
 * before, not now), "moved" (forwarded elsewhere) or "reject-changed"
 * (another reply, or none where there was one). Exit 0 when no answer
 * changes, 1 when some do, 2 on error, as diff(1).
 *
 * The addresses: every key of every map of both sides (a catch-all as
 * a made-up name at its domain, user+* as user+detail), and for builds
 * every address of each topology's users, aliases and roles and a
 * made-up name at the domain and each subdomain. Of those, only the
 * ones an answer can depend on a changed entry for are resolved: an
 * answer is made from the entries looked up for the address (its local
 * part, the user before any +detail, or its domain's catch-alls) and for
 * the addresses those entries' values name. So the changed entries mark
 * their users (or, for a catch-all, their domain); an entry whose value
 * names a marked user or domain marks its own, until nothing changes;
 * and an address whose user or domain is marked is resolved. A changed
 * /pattern/ entry may match anything: then every address is resolved.
 * -a resolves every address anyway (slower; the same answer).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sysexits.h>
#include "addr.h"
#include "htable.h"
#include "map.h"
#include "regex_sample.h"
#include "servers.h"
#include "table.h"
#include "topology.h"
#include "vut.h"
#include "workpool.h"
#include "xalloc.h"
#include "maptool.h"

#define DIFF_PROBE	"mailswitch-diff-nobody"
#define DIFF_MAX_PASSES	64		/* of the marking; then: everything */

/* One of the two things compared: a build, or one map. */
typedef struct SIDE {
    const char *path;
    SERVERS *servers;			/* a build; null for a map */
    char  **names;			/* its distinct maps, by file name */
    TABLE **tables;
    unsigned char *shared;		/* the table is the other side's */
    size_t  ntables;
} SIDE;

/* What may have changed: users and domains, or everything. */
typedef struct MARKS {
    HTABLE *users;			/* folded user parts */
    HTABLE *domains;			/* folded domains */
    int     all;
    HTABLE *changed_maps;		/* file names whose entries differ */
} MARKS;

/* The addresses to resolve, each once. */
typedef struct ADDRESSES {
    HTABLE *seen;
    char  **list;
    size_t  count, cap;
} ADDRESSES;

typedef struct DIFF {
    SIDE    old, new;
    MARKS   marks;
    ADDRESSES addr;
    int     max_lines;			/* change lines to print; 0: all */
    int     every;			/* -a: resolve every address */
    unsigned long lines, more;		/* printed, and left out */
    unsigned long changed;		/* addresses changed, all servers */
    int     error;
    FILE   *out;
} DIFF;

/* Read PATH: a map if it opens as one, else a text table. */
static TABLE *load_table(const char *path)
{
    char    err[512];
    MAP    *map;
    TABLE  *t;

    if ((map = map_open_readonly(path, err, sizeof(err))) != 0) {
	t = table_from_map(map, report_ignore, 0);
	map_close(map);
	return (t);
    }
    if (strlen(path) > 3 && strcmp(path + strlen(path) - 3, ".db") == 0) {
	fprintf(stderr, "%s: %s\n", progname, err);
	return (0);
    }
    if ((t = table_load(path, 0, report_to_stderr, 0)) != 0 && t->errors) {
	fprintf(stderr, "%s: %s: %d errors\n", progname, path, t->errors);
	table_free(t);
	return (0);
    }
    return (t);
}

static void side_add_table(SIDE *s, const char *name, TABLE *t)
{
    s->names = xrealloc(s->names, (s->ntables + 1) * sizeof(char *));
    s->tables = xrealloc(s->tables, (s->ntables + 1) * sizeof(TABLE *));
    s->shared = xrealloc(s->shared, s->ntables + 1);
    s->names[s->ntables] = xstrdup(name);
    s->shared[s->ntables] = 0;
    s->tables[s->ntables++] = t;
}

static long side_index(const SIDE *s, const char *name)
{
    size_t  i;

    for (i = 0; i < s->ntables; i++)
	if (strcmp(s->names[i], name) == 0)
	    return ((long) i);
    return (-1);
}

static TABLE *side_table(const SIDE *s, const char *name)
{
    long    i = side_index(s, name);

    return (i < 0 ? 0 : s->tables[i]);
}

/* Are the files A and B the same bytes? (Same entries: same bytes.) */
static int same_file(const char *a, const char *b)
{
    char    ba[65536], bb[65536];
    FILE   *fa = fopen(a, "r"), *fb = fopen(b, "r");
    size_t  na, nb;
    int     same = fa && fb;

    while (same) {
	na = fread(ba, 1, sizeof(ba), fa);
	nb = fread(bb, 1, sizeof(bb), fb);
	same = na == nb && memcmp(ba, bb, na) == 0;
	if (na < sizeof(ba))
	    break;
    }
    if (same && (ferror(fa) || ferror(fb)))
	same = 0;
    if (fa)
	fclose(fa);
    if (fb)
	fclose(fb);
    return (same);
}

/* The maps to read, shared out among threads. */
typedef struct LOADS {
    char  **path;
    TABLE **table;
    size_t  count;
} LOADS;

static void load_job(void *arg, size_t i)
{
    LOADS  *l = arg;

    l->table[i] = load_table(l->path[i]);
}

/* The servers of a build directory, and the names of its maps. */
static int read_servers(SIDE *s)
{
    char    path[4096];
    size_t  i, m;
    int     errors = 0;

    snprintf(path, sizeof(path), "%s/servers", s->path);
    if ((s->servers = servers_read(path, report_to_stderr, 0, &errors)) == 0 || errors)
	return (-1);
    for (i = 0; i < s->servers->count; i++)
	for (m = 0; m < s->servers->server[i].nmaps; m++)
	    if (side_index(s, s->servers->server[i].maps[m]) < 0)
		side_add_table(s, s->servers->server[i].maps[m], 0);
    return (0);
}

/*
 * Read the maps of both builds, on as many threads as there are CPUs; a
 * map the same in both is read once and shared (NEW's entry is OLD's).
 */
static int load_builds(SIDE *old, SIDE *new)
{
    LOADS   l;
    char    po[4096], pn[4096];
    size_t  i, k;
    long    j, ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int     failed = 0;

    if (read_servers(old) < 0 || read_servers(new) < 0)
	return (-1);
    l.count = 0;
    l.path = xcalloc(old->ntables + new->ntables + 1, sizeof(char *));
    l.table = xcalloc(old->ntables + new->ntables + 1, sizeof(TABLE *));
    for (i = 0; i < old->ntables; i++) {
	snprintf(po, sizeof(po), "%s/%s", old->path, old->names[i]);
	l.path[l.count++] = xstrdup(po);
    }
    for (i = 0; i < new->ntables; i++) {
	snprintf(pn, sizeof(pn), "%s/%s", new->path, new->names[i]);
	if ((j = side_index(old, new->names[i])) >= 0 && same_file(l.path[j], pn))
	    new->shared[i] = 1;
	else
	    l.path[l.count++] = xstrdup(pn);
    }
    workpool_run(load_job, &l, l.count, ncpu < 1 ? 1 : ncpu > 8 ? 8 : (int) ncpu);
    for (i = 0; i < l.count; i++)
	failed |= l.table[i] == 0;
    for (i = 0, k = 0; i < old->ntables; i++)
	old->tables[i] = l.table[k++];
    for (i = 0; i < new->ntables; i++)
	new->tables[i] = new->shared[i] ? old->tables[side_index(old, new->names[i])]
	    : l.table[k++];
    for (i = 0; i < l.count; i++)
	free(l.path[i]);
    free(l.path);
    free(l.table);
    return (failed ? -1 : 0);
}

/* A map: read it; a build: 1, for load_builds(); -1 after a message. */
static int load_side(SIDE *s)
{
    struct stat st;
    TABLE  *t;

    if (stat(s->path, &st) < 0) {
	fprintf(stderr, "%s: %s: %s\n", progname, s->path, strerror(errno));
	return (-1);
    }
    if (S_ISDIR(st.st_mode))
	return (1);				/* a build: load_builds() */
    if ((t = load_table(s->path)) == 0)
	return (-1);
    side_add_table(s, "", t);
    return (0);
}

static void side_free(SIDE *s)
{
    size_t  i;

    for (i = 0; i < s->ntables; i++) {
	free(s->names[i]);
	if (!s->shared[i])
	    table_free(s->tables[i]);
    }
    free(s->names);
    free(s->tables);
    free(s->shared);
    servers_free(s->servers);
}

/* The user part of LOCAL (up to any +), folded, into BUF. */
static void user_part(const char *local, size_t len, char *buf, size_t size)
{
    const char *plus = memchr(local, '+', len);

    if (plus)
	len = (size_t) (plus - local);
    if (len >= size)
	len = size - 1;
    memcpy(buf, local, len);
    buf[len] = 0;
    addr_fold(buf, buf);
}

/*
 * Split ADDRESS (a key or a value member) at its last @ into the folded
 * user part and domain; false when it has no @.
 */
static int split_address(const char *address, char *user, char *domain, size_t size)
{
    const char *at = strrchr(address, '@');

    if (at == 0)
	return (0);
    user_part(address, (size_t) (at - address), user, size);
    snprintf(domain, size, "%s", at + 1);
    addr_fold(domain, domain);
    return (1);
}

static int mark(HTABLE *set, const char *s)
{
    if (htable_find(set, s))
	return (0);
    xhtable_insert(set, xstrdup(s), (void *) 1);
    return (1);
}

/* Mark what KEY (folded, not a pattern) answers for; true when new. */
static int mark_key(MARKS *m, const char *key)
{
    char    user[ADDR_MAX + 1], domain[ADDR_MAX + 1];

    if (!split_address(key, user, domain, sizeof(user)))
	return (mark(m->users, user));
    return (*user ? mark(m->users, user) : mark(m->domains, domain));
}

/* Is an address (or value member) with this user part or domain marked? */
static int is_marked(const MARKS *m, const char *address)
{
    char    user[ADDR_MAX + 1], domain[ADDR_MAX + 1];

    if (m->all)
	return (1);
    if (!split_address(address, user, domain, sizeof(user)))
	return (0);				/* a local name: no lookup */
    return (htable_find(m->domains, domain) != 0
	    || (strchr(user, '%') == 0 && *user && htable_find(m->users, user) != 0));
}

/* The patterns of T in order, "KEY\tVALUE" each, as one string. */
static char *pattern_text(const TABLE *t)
{
    size_t  i, n = 0, len = 1, seq;
    char   *text;

    for (i = 0; t && i < t->count; i++)
	if (t->entries[i].seq)
	    len += strlen(t->entries[i].key) + strlen(t->entries[i].value) + 2;
    text = xcalloc(1, len);
    for (seq = 1; t && seq <= t->npatterns; seq++)
	for (i = 0; i < t->count; i++)
	    if (t->entries[i].seq == seq) {
		n += (size_t) sprintf(text + n, "%s\t%s\n", t->entries[i].key,
				      t->entries[i].value);
		break;
	    }
    return (text);
}

/* Mark every entry of A that B lacks or holds with another value. */
static int mark_missing(MARKS *m, TABLE *a, TABLE *b)
{
    char   *value;
    size_t  i;
    int     changed = 0, r;

    for (i = 0; a && i < a->count; i++) {
	if (a->entries[i].seq)
	    continue;
	r = b ? table_lookup(b, a->entries[i].key, &value) : 0;
	if (r > 0 && strcmp(value, a->entries[i].value) == 0) {
	    free(value);
	    continue;
	}
	if (r > 0)
	    free(value);
	mark_key(m, a->entries[i].key);
	changed = 1;
    }
    return (changed);
}

/* Compare the maps of the same name in both sides; mark what differs. */
static void mark_changes(DIFF *d)
{
    const SIDE *sides[2] = {&d->old, &d->new};
    TABLE  *o, *n;
    char   *po, *pn;
    size_t  i, k;
    int     changed;

    for (k = 0; k < 2; k++) {
	for (i = 0; i < sides[k]->ntables; i++) {
	    const char *name = sides[k]->names[i];

	    if (htable_find(d->marks.changed_maps, name) || (k == 1 && side_table(&d->old, name)))
		continue;			/* done, or done from the old side */
	    o = side_table(&d->old, name);
	    n = side_table(&d->new, name);
	    if (d->old.servers == 0 && d->new.servers == 0) {
		o = d->old.tables[0];
		n = d->new.tables[0];
	    }
	    if (o == n)
		continue;			/* the same file, read once */
	    changed = mark_missing(&d->marks, n, o);
	    changed |= mark_missing(&d->marks, o, n);
	    po = pattern_text(o);
	    pn = pattern_text(n);
	    if (strcmp(po, pn) != 0)
		d->marks.all = changed = 1;
	    free(po);
	    free(pn);
	    if (changed || o == 0 || n == 0)
		xhtable_insert(d->marks.changed_maps, xstrdup(name), (void *) 1);
	}
    }
}

/* Does a member of VALUE name a marked user or domain? */
static int value_marked(const MARKS *m, const char *value)
{
    char   *copy, *cursor, *member;
    int     hit = 0;

    if (strncasecmp(value, "error:", 6) == 0)
	return (0);
    cursor = copy = xstrdup(value);
    while (!hit && (member = vut_next_member(&cursor)) != 0)
	hit = is_marked(m, member);
    free(copy);
    return (hit);
}

/* Spread the marks to the entries whose values name marked addresses. */
static void spread_marks(DIFF *d)
{
    const SIDE *sides[2] = {&d->old, &d->new};
    const TABLE_ENTRY *e;
    size_t  i, k, j;
    int     pass, grew = 1;

    for (pass = 0; grew && !d->marks.all; pass++) {
	if (pass == DIFF_MAX_PASSES) {
	    d->marks.all = 1;
	    break;
	}
	grew = 0;
	for (k = 0; k < 2; k++)
	    for (j = 0; j < sides[k]->ntables; j++)
		for (i = 0; !sides[k]->shared[j] && i < sides[k]->tables[j]->count; i++) {
		    e = sides[k]->tables[j]->entries + i;
		    if (e->seq == 0 && !is_marked(&d->marks, e->key)
			&& value_marked(&d->marks, e->value))
			grew |= mark_key(&d->marks, e->key);
		}
    }
}

/* Add ADDRESS to the addresses to resolve, if it may have changed. */
static void add_address(DIFF *d, const char *address)
{
    ADDRESSES *a = &d->addr;
    char   *copy;

    if (!is_marked(&d->marks, address) || htable_find(a->seen, address))
	return;
    copy = xstrdup(address);
    xhtable_insert(a->seen, copy, (void *) 1);
    if (a->count == a->cap) {
	a->cap = a->cap ? 2 * a->cap : 1024;
	a->list = xrealloc(a->list, a->cap * sizeof(char *));
    }
    a->list[a->count++] = copy;
}

static void add_pair(DIFF *d, const char *local, const char *domain)
{
    char    address[2 * ADDR_MAX + 2];

    snprintf(address, sizeof(address), "%s@%s", local, domain);
    add_address(d, address);
}

/* The addresses KEY answers for: itself, or made-up ones it covers. */
static void add_key(DIFF *d, TABLE *t, size_t i)
{
    const char *key = t->entries[i].key, *at = strrchr(key, '@');
    char    user[ADDR_MAX + 1], buf[ADDR_MAX + 16];
    size_t  len;

    if (t->entries[i].seq) {
	if (table_patterns(t)
	    && regex_sample_pattern(table_patterns(t), t->entries[i].seq - 1,
				    buf, sizeof(buf)) == 0)
	    add_address(d, buf);
	return;
    }
    if (at == 0)
	return;
    len = (size_t) (at - key);
    if (len >= 2 && (strncmp(at - 2, "+*", 2) == 0 || strncmp(at - 2, "++", 2) == 0))
	len -= 2;
    snprintf(user, sizeof(user), "%.*s", (int) len, key);
    if (*user == 0) {
	add_pair(d, DIFF_PROBE, at + 1);
	add_pair(d, DIFF_PROBE "+detail", at + 1);
    } else if (len < (size_t) (at - key)) {
	snprintf(buf, sizeof(buf), "%s+detail", user);
	add_pair(d, buf, at + 1);
    } else {
	add_address(d, key);
    }
}

/* Every address of TOPO's users, aliases and roles. */
static void add_topology(DIFF *d, const TOPOLOGY *topo)
{
    const TOPO_USER *u;
    const TOPO_ALIAS *a;
    size_t  i;

    add_pair(d, DIFF_PROBE, topo->domain);
    for (i = 0; i < topo->nbranches; i++)
	add_pair(d, DIFF_PROBE, topo->branches[i].subdomain);
    for (u = topo->users; u < topo->users + topo->nusers; u++) {
	add_pair(d, u->name, topo->domain);
	add_pair(d, u->name, topo->branches[u->branch].subdomain);
    }
    for (a = topo->aliases; a < topo->aliases + topo->naliases; a++) {
	if (a->domain) {
	    add_pair(d, a->local, a->domain);
	} else {
	    add_pair(d, a->local, topo->domain);
	    add_pair(d, a->local, topo->branches[topo->users[a->user].branch].subdomain);
	}
    }
    for (i = 0; i < topo->nroles; i++)
	add_pair(d, topo->roles[i].name, topo->domain);
}

/* The topologies both builds name (each once). */
static void add_topologies(DIFF *d, const TOPOLOGY *given)
{
    const SERVERS *s[2] = {d->old.servers, d->new.servers};
    char    real[PATH_MAX];
    TOPOLOGY *topo;
    int     k;

    if (given)
	add_topology(d, given);
    if (given == 0 || realpath(given->path, real) == 0)
	*real = 0;
    for (k = 0; k < 2; k++) {
	if (s[k] == 0 || s[k]->topology == 0 || strcmp(real, s[k]->topology) == 0
	    || (k == 1 && s[0] && s[0]->topology && strcmp(s[0]->topology, s[1]->topology) == 0))
	    continue;
	if ((topo = topology_load(s[k]->topology, report_ignore, 0)) == 0)
	    continue;				/* the maps' keys still count */
	if (topo->errors == 0)
	    add_topology(d, topo);
	topology_free(topo);
    }
}

static int by_string(const void *a, const void *b)
{
    return (strcmp(*(char *const *) a, *(char *const *) b));
}

static void collect_addresses(DIFF *d, const TOPOLOGY *given)
{
    const SIDE *sides[2] = {&d->old, &d->new};
    size_t  i, j, k;

    for (k = 0; k < 2; k++)
	for (j = 0; j < sides[k]->ntables; j++)
	    for (i = 0; !sides[k]->shared[j] && i < sides[k]->tables[j]->count; i++)
		add_key(d, sides[k]->tables[j], i);
    add_topologies(d, given);
    qsort(d->addr.list, d->addr.count, sizeof(char *), by_string);
}

/* A server's maps as VUT sources, in order. */
typedef struct CHAIN {
    VUT_SOURCE src[SERVER_MAX_MAPS];
    VUT     vut;
} CHAIN;

static void chain_init(CHAIN *c, const SIDE *s, char *const *maps, size_t nmaps)
{
    size_t  i;

    memset(c, 0, sizeof(*c));
    for (i = 0; i < nmaps; i++) {
	c->src[i].lookup = table_lookup;
	c->src[i].match = table_match;
	c->src[i].ctx = s->servers ? side_table(s, maps[i]) : s->tables[0];
	c->src[i].name = s->servers ? maps[i] : s->path;
    }
    vut_init(&c->vut, c->src, nmaps);
}

typedef enum KIND { ADDED, REMOVED, MOVED, REJECT_CHANGED, KINDS } KIND;

static const char *const kind_name[KINDS] = {
    "added", "removed", "moved", "reject-changed",
};

/* One query line for ADDRESS and RES, as query.c prints it. */
static void format_answer(const char *address, VUT_STATUS status,
			          const VUT_RESULT *res, char **buf, size_t *len)
{
    FILE   *fp = open_memstream(buf, len);
    size_t  i;

    if (fp == 0)
	xalloc_fail();
    fputs(address, fp);
    if (status == VUT_NONE) {
	fputs("\tnone", fp);
    } else if (status == VUT_FORWARD) {
	fputs("\tforward\t", fp);
	for (i = 0; i < res->nrcpt; i++)
	    fprintf(fp, "%s%s", i ? "," : "", res->rcpt[i]);
    } else {
	fprintf(fp, "\treject\t%s\t%s\t%s", res->reply.code, res->reply.enhanced,
		res->reply.text);
    }
    if (fclose(fp) != 0)
	xalloc_fail();
}

/* One changed address: its kind, and the two lines kept or counted. */
typedef struct CHANGE {
    KIND    kind;
    char   *old, *new;
} CHANGE;

typedef struct SERVER_DIFF {
    CHANGE *change;
    size_t  count;
    unsigned long kinds[KINDS];
} SERVER_DIFF;

static KIND kind_of(VUT_STATUS o, VUT_STATUS n)
{
    if (n == VUT_FORWARD && o != VUT_FORWARD)
	return (ADDED);
    if (o == VUT_FORWARD && n != VUT_FORWARD)
	return (REMOVED);
    return (o == VUT_FORWARD ? MOVED : REJECT_CHANGED);
}

/* Resolve ADDRESS on both sides; a change goes into SD. -1: map error. */
static int compare_address(const CHAIN *old, const CHAIN *new, const char *address,
			           SERVER_DIFF *sd)
{
    VUT_RESULT ro, rn;
    VUT_STATUS so = vut_resolve(&old->vut, address, &ro);
    VUT_STATUS sn = vut_resolve(&new->vut, address, &rn);
    char   *lo = 0, *ln = 0;
    size_t  len;
    int     status = 0;

    if (so == VUT_ERROR || sn == VUT_ERROR) {
	fprintf(stderr, "%s: %s: %s\n", progname, address,
		so == VUT_ERROR ? ro.why : rn.why);
	status = -1;
    } else {
	format_answer(address, so, &ro, &lo, &len);
	format_answer(address, sn, &rn, &ln, &len);
	if (strcmp(lo, ln) != 0) {
	    sd->change = xrealloc(sd->change, (sd->count + 1) * sizeof(CHANGE));
	    sd->change[sd->count].kind = kind_of(so, sn);
	    sd->change[sd->count].old = lo;
	    sd->change[sd->count].new = ln;
	    sd->kinds[sd->change[sd->count].kind]++;
	    sd->count++;
	    lo = ln = 0;
	}
    }
    free(lo);
    free(ln);
    vut_result_free(&ro);
    vut_result_free(&rn);
    return (status);
}

/* Print a line of changes, or count it when past the limit. */
static void print_change(DIFF *d, const CHANGE *c)
{
    if (d->max_lines && d->lines >= (unsigned long) d->max_lines) {
	d->more += 2;
	return;
    }
    fprintf(d->out, "-%s\t%s\n+%s\t%s\n", kind_name[c->kind], c->old,
	    kind_name[c->kind], c->new);
    d->lines += 2;
}

static const char *role_text(const SERVER *s, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", s->role == SERVER_SWITCH ? "switch" :
	     s->role == SERVER_BACKUP ? "backup" : "branch",
	     s->branch ? ":" : "", s->branch ? s->branch : "");
    return (buf);
}

/* Do any of a server's maps differ between the sides? */
static int maps_changed(const DIFF *d, const SERVER *o, const SERVER *n)
{
    size_t  i;

    if (o->nmaps != n->nmaps)
	return (1);
    for (i = 0; i < n->nmaps; i++)
	if (strcmp(o->maps[i], n->maps[i]) != 0
	    || htable_find(d->marks.changed_maps, n->maps[i]))
	    return (1);
    return (0);
}

/* The answers of one server (HEADER names it) that change. */
static void diff_server(DIFF *d, const char *header, const CHAIN *old,
			        const CHAIN *new)
{
    SERVER_DIFF sd;
    size_t  i;

    memset(&sd, 0, sizeof(sd));
    for (i = 0; i < d->addr.count; i++)
	if (compare_address(old, new, d->addr.list[i], &sd) < 0)
	    d->error = 1;
    if (sd.count) {
	fprintf(d->out, "%s: %lu added, %lu removed, %lu moved, %lu reject changed\n",
		header, sd.kinds[ADDED], sd.kinds[REMOVED], sd.kinds[MOVED],
		sd.kinds[REJECT_CHANGED]);
	d->changed += sd.count;
    }
    for (i = 0; i < sd.count; i++) {
	print_change(d, sd.change + i);
	free(sd.change[i].old);
	free(sd.change[i].new);
    }
    free(sd.change);
}

static const SERVER *find_server(const SERVERS *s, const char *host)
{
    size_t  i;

    for (i = 0; i < s->count; i++)
	if (strcmp(s->server[i].host, host) == 0)
	    return (s->server + i);
    return (0);
}

static void print_maps(FILE *out, const SERVER *s)
{
    size_t  i;

    for (i = 0; i < s->nmaps; i++)
	fprintf(out, " %s", s->maps[i]);
}

/* Servers in one build only, then each paired server's changes. */
static void diff_servers(DIFF *d)
{
    const SERVERS *os = d->old.servers, *ns = d->new.servers;
    const SERVER *o, *n;
    CHAIN   co, cn;
    char    header[600], role[300];
    size_t  i;

    for (i = 0; i < os->count; i++)
	if (find_server(ns, os->server[i].host) == 0) {
	    fprintf(d->out, "server %s %s: removed\n", os->server[i].host,
		    role_text(os->server + i, role, sizeof(role)));
	    d->changed++;
	}
    for (i = 0; i < ns->count; i++) {
	n = ns->server + i;
	if ((o = find_server(os, n->host)) == 0) {
	    fprintf(d->out, "server %s %s: added, maps", n->host,
		    role_text(n, role, sizeof(role)));
	    print_maps(d->out, n);
	    fputc('\n', d->out);
	    d->changed++;
	    continue;
	}
	if (!maps_changed(d, o, n))
	    continue;
	snprintf(header, sizeof(header), "server %s %s", n->host,
		 role_text(n, role, sizeof(role)));
	chain_init(&co, &d->old, o->maps, o->nmaps);
	chain_init(&cn, &d->new, n->maps, n->nmaps);
	diff_server(d, header, &co, &cn);
    }
}

/* Free a set's keys (copies). */
static void free_key(void *ctx, const char *key, void *value)
{
    (void) ctx;
    (void) value;
    free((char *) key);
}

static void free_set(HTABLE *set)
{
    if (set) {
	htable_walk(set, free_key, 0);
	htable_free(set);
    }
}

static void diff_free(DIFF *d)
{
    side_free(&d->old);
    side_free(&d->new);
    free_set(d->marks.users);
    free_set(d->marks.domains);
    free_set(d->marks.changed_maps);
    htable_free(d->addr.seen);		/* its keys are the list's */
    while (d->addr.count > 0)
	free(d->addr.list[--d->addr.count]);
    free(d->addr.list);
}

/*
 * Compare D->old and D->new (paths set) and print the changes; TOPO, if
 * not null, is the new build's topology, already loaded. Returns 0 (no
 * change), 1 (changes) or 2 (error, reported).
 */
static int run_diff(DIFF *d, const TOPOLOGY *topo)
{
    CHAIN   co, cn;
    char    header[4200];
    int     ko, kn;

    if ((ko = load_side(&d->old)) < 0 || (kn = load_side(&d->new)) < 0)
	return (2);
    if (ko != kn) {
	fprintf(stderr, "%s: diff: %s and %s: compare two builds or two maps\n",
		progname, d->old.path, d->new.path);
	return (2);
    }
    if (ko == 1 && load_builds(&d->old, &d->new) < 0)
	return (2);
    d->marks.users = xhtable_create(1024);
    d->marks.domains = xhtable_create(64);
    d->marks.changed_maps = xhtable_create(64);
    d->addr.seen = xhtable_create(1024);
    mark_changes(d);
    d->marks.all |= d->every;
    if (htable_count(d->marks.changed_maps) > 0) {
	spread_marks(d);
	collect_addresses(d, topo);
    }
    if (d->new.servers) {
	diff_servers(d);
    } else if (htable_count(d->marks.changed_maps) > 0) {
	snprintf(header, sizeof(header), "map %s", d->new.path);
	chain_init(&co, &d->old, 0, 1);
	chain_init(&cn, &d->new, 0, 1);
	diff_server(d, header, &co, &cn);
    }
    if (d->more)
	fprintf(d->out, "... %lu lines more\n", d->more);
    if (d->error)
	return (2);
    return (d->changed ? 1 : 0);
}

/* diff_builds(), and EVERY: resolve all addresses (-a). */
static int diff_run(const char *old_dir, const char *new_dir, const TOPOLOGY *topo,
		            int max_lines, int every, FILE *out)
{
    DIFF    d;
    int     status;

    memset(&d, 0, sizeof(d));
    d.every = every;
    d.old.path = old_dir;
    d.new.path = new_dir;
    d.max_lines = max_lines;
    d.out = out;
    status = run_diff(&d, topo);
    diff_free(&d);
    return (status);
}

int     diff_builds(const char *old_dir, const char *new_dir, const TOPOLOGY *topo,
		            int max_lines, FILE *out)
{
    return (diff_run(old_dir, new_dir, topo, max_lines, 0, out));
}

int     cmd_diff(int argc, char **argv)
{
    int     ch, status, every = 0;

    optind = 1;
    while ((ch = getopt(argc, argv, "a")) != -1) {
	if (ch != 'a') {
	    usage_error("diff: bad option");
	    return (2);
	}
	every = 1;
    }
    if (argc - optind != 2) {
	usage_error("diff: name OLD and NEW (two builds or two maps)");
	return (2);
    }
    setvbuf(stdout, 0, _IOFBF, 1 << 16);
    status = diff_run(argv[optind], argv[optind + 1], 0, 0, every, stdout);
    if (fflush(stdout) != 0) {
	fprintf(stderr, "%s: write error\n", progname);
	return (2);
    }
    return (status);
}
