/*
 * esmtp.c - build the ESMTP parameters of an added recipient.
 *
 * Exports esmtp_rcpt_args(), esmtp_xtext() and esmtp_strip(). Only
 * NOTIFY and ORCPT are carried over: they say who asked for delivery
 * notices about what, and stay true for the replacement. Other RCPT
 * parameters describe the original transaction and are dropped.
 * Everything is built within ESMTP_ARGS_MAX bytes: a parameter that
 * does not fit in what is left (NOTIFY first, then ORCPT) is left out
 * and the caller told, so that it can log it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "esmtp.h"


void    esmtp_strip(char *buf, size_t len, const char *addr)
{
    size_t  n = strlen(addr);

    if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>') {
	addr++;
	n -= 2;
    }
    if (n >= len)
	n = len - 1;
    memcpy(buf, addr, n);
    buf[n] = 0;
}

int     esmtp_xtext(char *dst, size_t len, const char *src)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t  used = strlen(dst);
    unsigned char c;

    for (; (c = (unsigned char) *src) != 0; src++) {
	if (c < '!' || c > '~' || c == '+' || c == '=') {
	    if (used + 4 > len)
		return (-1);
	    dst[used++] = '+';
	    dst[used++] = hex[c >> 4];
	    dst[used++] = hex[c & 15];
	} else {
	    if (used + 2 > len)
		return (-1);
	    dst[used++] = (char) c;
	}
    }
    dst[used] = 0;
    return (0);
}

/* The first ARGV entry that starts with NAME= (any case), or null. */
static const char *find_param(char **argv, const char *name)
{
    size_t  len = strlen(name);

    for (; argv && *argv; argv++)
	if (strncasecmp(*argv, name, len) == 0 && (*argv)[len] == '=')
	    return (*argv);
    return (0);
}

/* The parameters being built: never more than ESMTP_ARGS_MAX bytes. */
typedef struct ARGS_BUF {
    char    text[ESMTP_ARGS_MAX];
    size_t  len;
} ARGS_BUF;

/* Append " WORD" (no blank first); -1, and nothing added, if too long. */
static int args_add(ARGS_BUF *args, const char *word)
{
    size_t  need = strlen(word) + (args->len ? 1 : 0);

    if (need >= sizeof(args->text) - args->len)
	return (-1);
    if (args->len)
	args->text[args->len++] = ' ';
    memcpy(args->text + args->len, word, strlen(word) + 1);
    args->len += strlen(word);
    return (0);
}

/* "ORCPT=rfc822;" and ORIG in xtext, in ORCPT of LEN; -1 if too long. */
static int make_orcpt(char *orcpt, size_t len, const char *orig)
{
    char    bare[ESMTP_ARGS_MAX];

    esmtp_strip(bare, sizeof(bare), orig);
    if (strlen(orig) >= sizeof(bare))
	return (-1);
    snprintf(orcpt, len, "ORCPT=rfc822;");
    return (esmtp_xtext(orcpt, len, bare));
}

char   *esmtp_rcpt_args(const char *orig, char **argv, int *dropped)
{
    const char *notify = find_param(argv, "NOTIFY");
    const char *orcpt = find_param(argv, "ORCPT");
    char    made[ESMTP_ARGS_MAX];
    ARGS_BUF args;

    args.len = 0;
    args.text[0] = 0;
    *dropped = 0;
    if (notify && args_add(&args, notify) < 0)
	*dropped |= ESMTP_DROP_NOTIFY;
    if (orcpt == 0 && make_orcpt(made, sizeof(made), orig) == 0)
	orcpt = made;
    if (orcpt == 0 || args_add(&args, orcpt) < 0)
	*dropped |= ESMTP_DROP_ORCPT;
    return (strdup(args.text));
}
