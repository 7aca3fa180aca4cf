/*
 * socketmap-baseline.c - the do-little socketmap service bench/milter
 * measures mailswitch's socketmap service against. It answers Postfix's
 * "virtual" lookups by a fixed rule (user@domain -> user@lima.domain,
 * NOTFOUND for an address already at lima.) and every "access" lookup
 * NOTFOUND: the same answers mailswitch gives on the bench's map, with
 * no map, no limits and no logging. One thread per connection, blocking
 * reads and writes: the fewest system calls and wake-ups a request can
 * cost, so that its rate is the socketmap protocol's own ceiling.
 *
 * usage: socketmap-baseline PATH      (a unix socket, made anew)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define REQ_MAX	1024			/* longer requests end the connection */

/* Write all of BUF; -1 on error. */
static int write_all(int fd, const char *buf, size_t len)
{
    ssize_t n;

    for (; len > 0; buf += n, len -= (size_t) n)
	if ((n = write(fd, buf, len)) <= 0)
	    return (-1);
    return (0);
}

/* The answer to the request REQ (LEN bytes), as a netstring in OUT. */
static int answer(const char *req, size_t len, char *out, size_t size)
{
    const char *key = memchr(req, ' ', len), *at;
    size_t  klen;

    if (key == 0 || len < 8 || memcmp(req, "virtual ", 8) != 0)
	return (snprintf(out, size, "9:NOTFOUND ,"));
    klen = len - (size_t) (++key - req);
    if ((at = memchr(key, '@', klen)) == 0
	|| ((size_t) (key + klen - at) > 5 && memcmp(at + 1, "lima.", 5) == 0))
	return (snprintf(out, size, "9:NOTFOUND ,"));
    return (snprintf(out, size, "%zu:OK %.*slima.%.*s,", klen + 8,
		     (int) (at + 1 - key), key, (int) (key + klen - at - 1),
		     at + 1));
}

/* Serve one connection: whole netstrings in, answers out, in order. */
static void *serve(void *arg)
{
    int     fd = (int) (long) arg;
    char    in[REQ_MAX + 16], out[2 * REQ_MAX + 32], *colon;
    size_t  have = 0, len, used;
    ssize_t n;
    int     o;

    while ((n = read(fd, in + have, sizeof(in) - have)) > 0) {
	have += (size_t) n;
	for (o = 0; (colon = memchr(in, ':', have)) != 0; have -= used) {
	    len = strtoul(in, 0, 10);
	    if (len > REQ_MAX)
		goto done;
	    used = (size_t) (colon + 1 - in) + len + 1;
	    if (used > have)
		break;
	    o += answer(colon + 1, len, out + o, sizeof(out) - (size_t) o);
	    memmove(in, in + used, have - used);
	    if ((size_t) o > sizeof(out) - REQ_MAX - 32) {
		if (write_all(fd, out, (size_t) o) < 0)
		    goto done;
		o = 0;
	    }
	}
	if (o > 0 && write_all(fd, out, (size_t) o) < 0)
	    break;
	if (have == sizeof(in))
	    break;
    }
done:
    close(fd);
    return (0);
}

int     main(int argc, char **argv)
{
    struct sockaddr_un sun;
    pthread_t tid;
    long    fd;
    int     lfd;

    if (argc != 2 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
	fprintf(stderr, "usage: socketmap-baseline PATH\n");
	return (2);
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, argv[1]);
    (void) unlink(argv[1]);
    if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0
	|| bind(lfd, (struct sockaddr *) &sun, sizeof(sun)) < 0
	|| listen(lfd, 128) < 0) {
	perror(argv[1]);
	return (1);
    }
    for (;;) {
	if ((fd = accept(lfd, 0, 0)) < 0)
	    continue;
	if (pthread_create(&tid, 0, serve, (void *) fd) != 0)
	    close((int) fd);
	else
	    pthread_detach(tid);
    }
}
