/*
 * fuzz_topology.c - libFuzzer harness: topology files and branch user
 * lists (topology/topology.c), and what maptool build makes of a good
 * one (topology/routegen.c, zone.c, servers.c writers).
 *
 * Input: a topology file, then any number of files, each after a line
 * "=== NAME" (NAME: letters, digits, ".", "_", "-"), written beside the
 * topology, where its "users NAME" lines find them. It is read with
 * topology_load(); a topology without errors has its names looked up
 * and every table, the zone and the servers file written (to
 * /dev/null), as maptool build does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "routegen.h"
#include "servers.h"
#include "topology.h"
#include "zone.h"
#include "fuzz.h"

#define FUZZ_MAX_USER_FILES	8
#define FUZZ_MAX_NAME		32

/* A name a section may have: nothing that leaves the directory. */
static int good_name(const char *name, size_t len)
{
    return (len > 0 && len <= FUZZ_MAX_NAME
	    && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._-") >= len
	    && !(name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'))));
}

/* Write the files that follow TEXT's "=== NAME" lines; cut TEXT there. */
static void write_sections(char *text)
{
    char    name[FUZZ_MAX_NAME + 1], *first, *head, *body, *next, *nl;
    size_t  files = 0, len;

    if (strncmp(text, "=== ", 4) == 0)
	first = text;
    else if ((first = strstr(text, "\n=== ")) != 0)
	first++;
    else
	return;
    for (head = first; head && files < FUZZ_MAX_USER_FILES; head = next) {
	nl = strchr(head, '\n');
	len = (nl ? (size_t) (nl - head) : strlen(head)) - 4;
	body = nl ? nl + 1 : head + strlen(head);
	if ((next = strstr(body - 1, "\n=== ")) != 0)
	    next++;
	if (good_name(head + 4, len)) {
	    memcpy(name, head + 4, len);
	    name[len] = 0;
	    (void) fuzz_file(name, body, next ? (size_t) (next - body) : strlen(body));
	    files++;
	}
    }
    *first = 0;
}

static void use_topology(const TOPOLOGY *topo, const char *path)
{
    FILE   *fp = fopen("/dev/null", "w");
    size_t  i, index;

    if (fp == 0)
	abort();
    for (i = 0; i < topo->nusers; i++) {
	if (topology_find_name(topo, topo->users[i].name, &index) != TOPO_IS_USER
	    || index != i)
	    abort();
	(void) topology_owner(topo, topo->users[i].name, topo->domain);
    }
    for (i = 0; i < topo->nbranches; i++) {
	if (topo->branches[i].subdomain)
	    (void) topology_branch_of_domain(topo, topo->branches[i].subdomain);
	(void) routegen_branch(topo, i, fp);
	(void) servers_users_digest(topo, i);
    }
    (void) routegen_switch(topo, fp);
    (void) routegen_domain(topo, fp);
    (void) zone_write(topo, fp);
    (void) servers_write(topo, path, 0, fp);
    fclose(fp);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *text = fuzz_string(data, size);
    const char *path;
    TOPOLOGY *topo;

    fuzz_clean();
    write_sections(text);
    path = fuzz_file("topology", text, strlen(text));
    if ((topo = topology_load(path, fuzz_report, 0)) == 0)
	abort();				/* a readable file loads */
    if (topo->errors == 0)
	use_topology(topo, path);
    topology_free(topo);
    free(text);
    return (0);
}
