#ifndef ESMTP_H_INCLUDED
#define ESMTP_H_INCLUDED

/*
 * esmtp.h - RCPT TO parameters carried over to the recipients that
 * replace a rewritten one (RFC 3461 NOTIFY and ORCPT).
 */
#include <stddef.h>

/*
 * The parameters for a recipient that replaces ORIG, given ORIG's RCPT
 * parameters ARGV (null-terminated, may be null): its NOTIFY= as given,
 * its ORCPT= as given or else ORCPT=rfc822;ORIG (xtext-encoded), in at
 * most ESMTP_ARGS_MAX bytes with the NUL. A parameter that does not fit
 * in what is left is dropped and named in *DROPPED (ESMTP_DROP_ bits).
 * Returns a malloc()ed string, or null when out of memory.
 */
#define ESMTP_ARGS_MAX		2048
#define ESMTP_DROP_NOTIFY	(1<<0)
#define ESMTP_DROP_ORCPT	(1<<1)
extern char *esmtp_rcpt_args(const char *orig, char **argv, int *dropped);

/* Append xtext(SRC) to DST of LEN bytes; -1 when it does not fit. */
extern int esmtp_xtext(char *dst, size_t len, const char *src);

/* Copy ADDR without its enclosing <brackets> into BUF of LEN bytes. */
extern void esmtp_strip(char *buf, size_t len, const char *addr);

#endif
