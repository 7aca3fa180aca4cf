/*
 * esmtp.c - build the ESMTP parameters of an added recipient.
 *
 * Exports esmtp_rcpt_args(), esmtp_xtext() and esmtp_strip(). Only
 * NOTIFY and ORCPT are carried over: they say who asked for delivery
 * notices about what, and stay true for the replacement. Other RCPT
 * parameters describe the original transaction and are dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "esmtp.h"

#define ESMTP_ARGS_MAX	2048

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

char   *esmtp_rcpt_args(const char *orig, char **argv)
{
    const char *notify = find_param(argv, "NOTIFY");
    const char *orcpt = find_param(argv, "ORCPT");
    char    buf[ESMTP_ARGS_MAX], bare[1024];
    size_t  mark;

    buf[0] = 0;
    if (notify && strlen(notify) + 1 < sizeof(buf))
	snprintf(buf, sizeof(buf), "%s ", notify);
    mark = strlen(buf);
    if (orcpt) {
	if (mark + strlen(orcpt) < sizeof(buf))
	    strcat(buf, orcpt);
    } else {
	esmtp_strip(bare, sizeof(bare), orig);
	strcat(buf, "ORCPT=rfc822;");
	if (esmtp_xtext(buf, sizeof(buf), bare) < 0)
	    buf[mark] = 0;
    }
    mark = strlen(buf);
    while (mark > 0 && buf[mark - 1] == ' ')
	buf[--mark] = 0;
    return (strdup(buf));
}
