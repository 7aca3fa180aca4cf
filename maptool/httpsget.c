/*
 * httpsget.c - one HTTPS GET, verified and bounded in time and size.
 *
 * Exports https_get(), with which maptool dnscheck --fetch-policy reads
 * a domain's MTA-STS policy (RFC 8461 3.3). It connects to the address
 * it is given (the caller resolves the name with its own resolver),
 * speaks TLS 1.2 or later with OpenSSL's libssl, sends the name as SNI
 * and requires a certificate chain that verifies against the CA file
 * given or the system's store and that is valid for that name; then
 * one HTTP/1.0 GET with a Host header (HTTP/1.0: no chunked body comes
 * back), and the response read to the end of the connection, noting
 * whether it ended with TLS close_notify. One deadline bounds the
 * whole exchange (connect, handshake, reading), and a response longer
 * than the bound is refused, not cut. The response is handed back
 * whole, for lib/util/httpresp.c to read. Every failure comes back as
 * one reason: which step, and why (for a certificate, the verifier's
 * reason, e.g. a host name mismatch).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "xalloc.h"
#include "httpsget.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Wait until FD is ready for EVENTS or DEADLINE passes: 0 or -1. */
static int wait_fd(int fd, short events, double deadline)
{
    struct pollfd pfd = {fd, events, 0};
    double  left;
    int     n;

    while ((left = deadline - now()) > 0) {
	if ((n = poll(&pfd, 1, (int) (left * 1000) + 1)) > 0)
	    return (0);
	if (n < 0 && errno != EINTR)
	    return (-1);
    }
    errno = ETIMEDOUT;
    return (-1);
}

/* A non-blocking socket connected to G's address and port, or -1. */
static int connect_to(const HTTPS_GET *g, double deadline, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *in4 = (struct sockaddr_in *) &ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;
    socklen_t sslen;
    int     fd, soerr = 0;
    socklen_t soerrlen = sizeof(soerr);

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, g->address, &in4->sin_addr) == 1) {
	in4->sin_family = AF_INET;
	in4->sin_port = htons((unsigned short) g->port);
	sslen = sizeof(*in4);
    } else if (inet_pton(AF_INET6, g->address, &in6->sin6_addr) == 1) {
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((unsigned short) g->port);
	sslen = sizeof(*in6);
    } else {
	snprintf(err, errlen, "connect: %s is not an address", g->address);
	return (-1);
    }
    if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
	snprintf(err, errlen, "socket: %s", strerror(errno));
	return (-1);
    }
    if (connect(fd, (struct sockaddr *) &ss, sslen) < 0
	&& (errno != EINPROGRESS
	    || wait_fd(fd, POLLOUT, deadline) < 0
	    || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerrlen) < 0
	    || (soerr != 0 && (errno = soerr) != 0))) {
	snprintf(err, errlen, "connect to %s port %d: %s", g->address, g->port,
		 errno == ETIMEDOUT ? "timed out" : strerror(errno));
	close(fd);
	return (-1);
    }
    return (fd);
}

/* The reason of the last TLS failure of SSL. */
static void tls_error(SSL *ssl, const char *host, const char *step, char *err,
		              size_t errlen)
{
    long    verify = SSL_get_verify_result(ssl);
    unsigned long e = ERR_peek_last_error();
    char    why[256];

    if (verify != X509_V_OK) {
	snprintf(err, errlen, "TLS %s: certificate not valid for %s: %s", step,
		 host, X509_verify_cert_error_string(verify));
    } else if (e != 0) {
	ERR_error_string_n(e, why, sizeof(why));
	snprintf(err, errlen, "TLS %s: %s", step, why);
    } else {
	snprintf(err, errlen, "TLS %s: %s", step, errno ? strerror(errno) :
		 "the connection was closed");
    }
    ERR_clear_error();
}

/*
 * Run an SSL_connect/SSL_write/SSL_read step: RC is its result. Returns
 * 1 to retry after waiting, 0 when done, -1 on failure.
 */
static int tls_step(SSL *ssl, const HTTPS_GET *g, int fd, int rc, double deadline,
		            const char *step, char *err, size_t errlen)
{
    int     e = SSL_get_error(ssl, rc);

    if (rc > 0)
	return (0);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
	if (wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) < 0) {
	    snprintf(err, errlen, "TLS %s: timed out", step);
	    return (-1);
	}
	return (1);
    }
    tls_error(ssl, g->host, step, err, errlen);
    return (-1);
}

static SSL_CTX *tls_context(const HTTPS_GET *g, char *err, size_t errlen)
{
    SSL_CTX *ctx;
    char    why[256];

    if ((ctx = SSL_CTX_new(TLS_client_method())) == 0
	|| SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1
	|| (g->ca_file ? SSL_CTX_load_verify_locations(ctx, g->ca_file, 0)
	    : SSL_CTX_set_default_verify_paths(ctx)) != 1) {
	ERR_error_string_n(ERR_get_error(), why, sizeof(why));
	snprintf(err, errlen, "TLS: %s%s%s", g->ca_file ? g->ca_file : "trust store",
		 ": ", why);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return (0);
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, 0);
    return (ctx);
}

/* Read SSL to the end of the connection, at most G->max_len octets. */
static char *read_all(SSL *ssl, int fd, const HTTPS_GET *g, double deadline,
		              int *clean, size_t *len, char *err, size_t errlen)
{
    size_t  cap = 4096, n = 0;
    char   *buf = xrealloc(0, cap + 1);
    int     rc, step, e;

    for (;;) {
	if (n == cap) {
	    if (n > g->max_len)
		break;
	    cap *= 2;
	    buf = xrealloc(buf, cap + 1);
	}
	ERR_clear_error();
	errno = 0;
	if ((rc = SSL_read(ssl, buf + n, (int) (cap - n))) > 0) {
	    n += (size_t) rc;
	    if (n > g->max_len)
		break;
	    continue;
	}
	e = SSL_get_error(ssl, rc);
	/* The end: close_notify, or a plain close (the length tells). */
	*clean = (e == SSL_ERROR_ZERO_RETURN);
	if (e == SSL_ERROR_ZERO_RETURN
	    || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0)
	    || (e == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_error())
		== SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
	    ERR_clear_error();
	    buf[n] = 0;
	    *len = n;
	    return (buf);
	}
	if ((step = tls_step(ssl, g, fd, rc, deadline, "read", err, errlen)) < 0) {
	    free(buf);
	    return (0);
	}
    }
    snprintf(err, errlen, "the response is longer than %zu octets", g->max_len);
    free(buf);
    return (0);
}

char   *https_get(const HTTPS_GET *g, size_t *len, int *clean, char *err,
		          size_t errlen)
{
    double  deadline = now() + g->timeout;
    SSL_CTX *ctx;
    SSL    *ssl = 0;
    char   *req = 0, *resp = 0;
    int     fd, rc, step, reqlen;
    size_t  sent = 0;

    if ((fd = connect_to(g, deadline, err, errlen)) < 0)
	return (0);
    if ((ctx = tls_context(g, err, errlen)) == 0) {
	close(fd);
	return (0);
    }
    if ((ssl = SSL_new(ctx)) == 0 || SSL_set_fd(ssl, fd) != 1
	|| SSL_set_tlsext_host_name(ssl, g->host) != 1
	|| SSL_set1_host(ssl, g->host) != 1) {
	snprintf(err, errlen, "TLS: cannot set up a connection to %s", g->host);
	goto done;
    }
    do {
	ERR_clear_error();
	errno = 0;
	rc = SSL_connect(ssl);
    } while ((step = tls_step(ssl, g, fd, rc, deadline, "handshake", err, errlen)) > 0);
    if (step < 0)
	goto done;
    reqlen = asprintf(&req, "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: maptool\r\n"
		      "Accept: text/plain\r\n\r\n", g->path, g->host);
    if (reqlen < 0) {
	req = 0;
	snprintf(err, errlen, "out of memory");
	goto done;
    }
    while (sent < (size_t) reqlen) {
	ERR_clear_error();
	errno = 0;
	if ((rc = SSL_write(ssl, req + sent, (int) ((size_t) reqlen - sent))) > 0)
	    sent += (size_t) rc;
	else if (tls_step(ssl, g, fd, rc, deadline, "write", err, errlen) < 0)
	    goto done;
    }
    resp = read_all(ssl, fd, g, deadline, clean, len, err, errlen);

done:
    free(req);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return (resp);
}
