/*
 * verify.c - maptool verify: prove what a build's maps do.
 *
 * Exports cmd_verify(). Reads DIR/servers, the topology it names (or
 * -t TOPOLOGY), DIR/dns.zone and every map the servers run, and follows
 * every address through them (see lib/routeverify.c). Prints each
 * problem and a summary table. Exit 0 when everything is proved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include "routeverify.h"
#include "topology.h"
#include "maptool.h"

int     cmd_verify(int argc, char **argv)
{
    VERIFY_OPTS o;
    TOPOLOGY *topo = 0;
    const char *topology = 0;
    int     ch, status;

    memset(&o, 0, sizeof(o));
    o.samples = 20;
    o.max_problems = 20;
    o.out = stdout;
    o.report = report_line;
    optind = 1;
    while ((ch = getopt(argc, argv, "t:s:j:p:")) != -1) {
	switch (ch) {
	case 't':
	    topology = optarg;
	    break;
	case 's':
	    if ((o.samples = option_number("verify", "-s", optarg, 0, 10000)) < 0)
		return (EX_USAGE);
	    break;
	case 'j':
	    if ((o.threads = option_number("verify", "-j", optarg, 1, 64)) < 0)
		return (EX_USAGE);
	    break;
	case 'p':
	    if ((o.max_problems = option_number("verify", "-p", optarg, 0, 1000000)) < 0)
		return (EX_USAGE);
	    break;
	default:
	    usage_error("verify: bad option");
	    return (EX_USAGE);
	}
    }
    if (optind != argc - 1) {
	usage_error("verify: name one build DIR");
	return (EX_USAGE);
    }
    o.dir = argv[optind];
    if (topology) {
	if ((topo = topology_load(topology, report_line, 0)) == 0)
	    return (EX_NOINPUT);
	if (topo->errors) {
	    fprintf(stderr, "%s: %s: %d error%s\n", progname, topology,
		    topo->errors, topo->errors == 1 ? "" : "s");
	    topology_free(topo);
	    return (EX_DATAERR);
	}
    }
    status = route_verify(&o, topo);
    topology_free(topo);
    if (fflush(stdout) != 0)
	return (EX_IOERR);
    return (status == 0 ? 0 : status > 0 ? EX_DATAERR : EX_NOINPUT);
}
