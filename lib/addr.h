#ifndef ADDR_H_INCLUDED
#define ADDR_H_INCLUDED

/*
 * addr.h - RFC 5321 envelope addresses, as the MTA hands them to us.
 */
#include <stddef.h>

#define ADDR_MAX_LOCAL	256		/* octets, without quotes removed */
#define ADDR_MAX_DOMAIN	255		/* octets, without trailing dot */
#define ADDR_MAX	(ADDR_MAX_LOCAL + 1 + ADDR_MAX_DOMAIN)

typedef struct ADDR {
    char    local[ADDR_MAX_LOCAL + 1];	/* as written, quotes kept */
    char    domain[ADDR_MAX_DOMAIN + 1];	/* "" when there is no @domain */
} ADDR;

/*
 * Parse TEXT (optionally in <brackets>) into ADDR. The local part keeps
 * its case and any quoting; a trailing dot on the domain is dropped.
 * Returns 0, or -1 with *why set to a static reason.
 */
extern int addr_parse(const char *text, ADDR *addr, const char **why);

/* Check one part on its own: null if good, else a static reason. */
extern const char *addr_check_local(const char *local, size_t len);
extern const char *addr_check_domain(const char *domain, size_t len);

/* Write "local@domain" (or "local") into BUF of LEN bytes; -1 if too long. */
extern int addr_format(const ADDR *addr, char *buf, size_t len);

/* SRC without quotes and backslash escapes, as sendmail looks it up. */
extern void addr_unquote(char *dst, const char *src);

/* ASCII lower-case copy of SRC into DST (which may equal SRC). */
extern void addr_fold(char *dst, const char *src);

#endif
