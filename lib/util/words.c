/*
 * words.c - split a line into words, in place.
 *
 * Exports words_split(), for the line-based files of the topology layer
 * (topology file, user lists, servers file, zone fragment).
 */
#include <string.h>
#include "words.h"

int     words_split(char *line, char **argv, int max, int comment)
{
    int     argc = 0;
    char   *s = line;

    for (;;) {
	s += strspn(s, " \t");
	if (*s == 0 || (comment != 0 && *s == comment))
	    return (argc);
	if (argc == max)
	    return (-1);
	argv[argc++] = s;
	s += strcspn(s, " \t");
	if (*s)
	    *s++ = 0;
    }
}
