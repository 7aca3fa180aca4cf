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
 * its ORCPT= as given or else ORCPT=rfc822;ORIG (xtext-encoded).
 * Returns a malloc()ed string, or null when out of memory.
 */
extern char *esmtp_rcpt_args(const char *orig, char **argv);

/* Append xtext(SRC) to DST of LEN bytes; -1 when it does not fit. */
extern int esmtp_xtext(char *dst, size_t len, const char *src);

/* Copy ADDR without its enclosing <brackets> into BUF of LEN bytes. */
extern void esmtp_strip(char *buf, size_t len, const char *addr);

#endif
