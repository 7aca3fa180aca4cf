/*
 * sockspec.c - check the socket a milter listens on before libmilter
 * sees it, so that a wrong spec stops startup with a useful message
 * rather than a bare "Unable to create listening socket" in syslog.
 *
 * Exports sockspec_check(), sockspec_path(), sockspec_unix_in_use(),
 * sockspec_resolve() and sockspec_knock().
 * Only numeric ports are accepted; a host is a name, a dotted IPv4
 * address, or (inet6) an IPv6 address, bare or in [brackets].
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "sockspec.h"

#define EXAMPLES "unix:/path, inet:PORT@HOST or inet6:PORT@HOST"

static int fail(char *err, size_t errlen, const char *fmt,...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return (-1);
}

/* True when SPEC starts with NAME followed by ':'. */
static int has_scheme(const char *spec, const char *name)
{
    size_t  len = strlen(name);

    return (strncasecmp(spec, name, len) == 0 && spec[len] == ':');
}

static int check_unix(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sun;

    if (*path == 0)
	return (fail(err, errlen, "%s", "empty socket path after unix:"));
    if (strlen(path) >= sizeof(sun.sun_path))
	return (fail(err, errlen, "socket path \"%s\" is too long for a "
		     "unix socket", path));
    return (SOCKSPEC_UNIX);
}

/* A port: digits only, 1-65535. */
static int check_port(const char *port, size_t len, char *err, size_t errlen)
{
    char    buf[16];
    size_t  i;
    long    n;

    if (len == 0)
	return (fail(err, errlen, "%s", "missing port number (want "
		     "inet:PORT@HOST, e.g. inet:8891@127.0.0.1)"));
    if (len >= sizeof(buf))
	return (fail(err, errlen, "%s", "port number too long"));
    memcpy(buf, port, len);
    buf[len] = 0;
    for (i = 0; i < len; i++)
	if (!isdigit((unsigned char) buf[i]))
	    return (fail(err, errlen, "port \"%s\" is not a number", buf));
    n = strtol(buf, 0, 10);
    if (n < 1 || n > 65535)
	return (fail(err, errlen, "port %s out of range 1-65535", buf));
    return (0);
}

/* A host name: letters, digits, '-', '.', '_'. */
static int is_hostname(const char *host)
{
    const char *cp;

    if (*host == 0 || *host == '.' || *host == '-')
	return (0);
    for (cp = host; *cp; cp++)
	if (!isalnum((unsigned char) *cp) && !strchr("-._", *cp))
	    return (0);
    return (1);
}

static int check_host(const char *host, int family, char *err, size_t errlen)
{
    char    buf[256];
    unsigned char addr[16];
    size_t  len = strlen(host);

    if (len == 0)
	return (fail(err, errlen, "%s", "empty host after '@'"));
    if (len >= sizeof(buf))
	return (fail(err, errlen, "%s", "host name too long"));
    if (host[0] == '[') {
	if (host[len - 1] != ']')
	    return (fail(err, errlen, "unbalanced [ in host \"%s\"", host));
	memcpy(buf, host + 1, len - 2);
	buf[len - 2] = 0;
	if (inet_pton(family, buf, addr) != 1)
	    return (fail(err, errlen, "\"%s\" is not an IPv%d address",
			 buf, family == AF_INET ? 4 : 6));
	return (0);
    }
    if (family == AF_INET6 && strchr(host, ':')) {
	if (inet_pton(AF_INET6, host, addr) != 1)
	    return (fail(err, errlen, "\"%s\" is not an IPv6 address", host));
	return (0);
    }
    if (!is_hostname(host))
	return (fail(err, errlen, "bad host name \"%s\"", host));
    return (0);
}

static int check_inet(const char *spec, const char *rest, int family,
		              char *err, size_t errlen)
{
    const char *at = strchr(rest, '@');
    size_t  plen = at ? (size_t) (at - rest) : strlen(rest);

    /* Postfix writes inet:host:port; libmilter and sendmail port@host. */
    if (at == 0 && family == AF_INET && strchr(rest, ':'))
	return (fail(err, errlen, "socket \"%s\" looks like Postfix syntax "
		     "(inet:HOST:PORT); mailswitch-milter, like sendmail, "
		     "wants inet:PORT@HOST", spec));
    if (at && plen > 0 && !isdigit((unsigned char) rest[0])
	&& at[1] && strspn(at + 1, "0123456789") == strlen(at + 1))
	return (fail(err, errlen, "socket \"%s\": host and port swapped? "
		     "want inet:PORT@HOST", spec));
    if (check_port(rest, plen, err, errlen) < 0)
	return (-1);
    if (at && check_host(at + 1, family, err, errlen) < 0)
	return (-1);
    return (family == AF_INET ? SOCKSPEC_INET : SOCKSPEC_INET6);
}

int     sockspec_check(const char *spec, char *err, size_t errlen)
{
    if (spec == 0 || *spec == 0)
	return (fail(err, errlen, "empty socket (want %s)", EXAMPLES));
    if (has_scheme(spec, "unix"))
	return (check_unix(spec + 5, err, errlen));
    if (has_scheme(spec, "local"))
	return (check_unix(spec + 6, err, errlen));
    if (has_scheme(spec, "inet"))
	return (check_inet(spec, spec + 5, AF_INET, err, errlen));
    if (has_scheme(spec, "inet6"))
	return (check_inet(spec, spec + 6, AF_INET6, err, errlen));
    if (spec[0] == '/')
	return (fail(err, errlen, "socket \"%s\": missing type; "
		     "did you mean unix:%s?", spec, spec));
    return (fail(err, errlen, "socket \"%s\": unknown type (want "
		 EXAMPLES ")", spec));
}

const char *sockspec_path(const char *spec)
{
    if (has_scheme(spec, "unix"))
	return (spec + 5);
    if (has_scheme(spec, "local"))
	return (spec + 6);
    return (0);
}

int     sockspec_unix_in_use(const char *path)
{
    struct sockaddr_un sun;
    int     fd, rc;

    if (strlen(path) >= sizeof(sun.sun_path))
	return (0);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
	return (0);
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path) + 1);
    rc = connect(fd, (struct sockaddr *) &sun, sizeof(sun));
    close(fd);
    return (rc == 0);
}

/* Is HOST (of an inet SPEC) every address, or none given? */
static int wildcard_host(const char *host)
{
    return (*host == 0 || strcmp(host, "*") == 0
	    || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0);
}

int     sockspec_resolve(const char *spec, int to_connect,
			         struct addrinfo **res, char *err, size_t errlen)
{
    struct addrinfo hints;
    const char *rest = strchr(spec, ':'), *at;
    char    port[16], host[256];
    size_t  plen, n;
    int     family, rc;

    if (rest == 0 || sockspec_path(spec))
	return (fail(err, errlen, "socket %s: not an inet socket", spec));
    family = has_scheme(spec, "inet6") ? AF_INET6 : AF_INET;
    at = strchr(++rest, '@');
    plen = at ? (size_t) (at - rest) : strlen(rest);
    if (plen == 0 || plen >= sizeof(port))
	return (fail(err, errlen, "socket %s: bad port", spec));
    snprintf(port, sizeof(port), "%.*s", (int) plen, rest);
    snprintf(host, sizeof(host), "%s", at ? at + 1 : "");
    if (host[0] == '[' && (n = strlen(host)) > 2 && host[n - 1] == ']') {
	memmove(host, host + 1, n - 2);
	host[n - 2] = 0;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    if (wildcard_host(host)) {
	if (to_connect)
	    snprintf(host, sizeof(host), "%s",
		     family == AF_INET ? "127.0.0.1" : "::1");
	else
	    hints.ai_flags |= AI_PASSIVE;
    }
    if ((rc = getaddrinfo(wildcard_host(host) ? 0 : host, port, &hints,
			  res)) != 0)
	return (fail(err, errlen, "socket %s: %s", spec, gai_strerror(rc)));
    return (0);
}

/* Connect once to an inet SPEC; 1 if it worked. */
static int knock_inet(const char *spec)
{
    struct addrinfo *res, *ai;
    char    err[256];
    int     fd, ok = 0;

    if (sockspec_resolve(spec, 1, &res, err, sizeof(err)) < 0)
	return (0);
    for (ai = res; ai && !ok; ai = ai->ai_next) {
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
	    continue;
	ok = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
	close(fd);
    }
    freeaddrinfo(res);
    return (ok);
}

int     sockspec_knock(const char *spec)
{
    const char *path = sockspec_path(spec);

    if (path)
	return (sockspec_unix_in_use(path));
    return (knock_inet(spec));
}
