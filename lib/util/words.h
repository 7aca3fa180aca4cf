#ifndef WORDS_H_INCLUDED
#define WORDS_H_INCLUDED

/*
 * words.h - split a line into words, in place.
 */

/*
 * Split LINE at spaces and tabs into at most MAX words, each pointed to
 * from ARGV and ended with a NUL written into LINE. A word that starts
 * with COMMENT (0: none) ends the line, comment and all. Returns the
 * number of words, or -1 when the line holds more than MAX (ARGV then
 * holds the first MAX; the rest of the line is left as it was).
 */
extern int words_split(char *line, char **argv, int max, int comment);

#endif
