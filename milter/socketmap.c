/*
 * socketmap.c - the socketmap front end: netstring requests "NAME KEY"
 * in, "OK value", "NOTFOUND ", "TEMP reason" or "PERM reason" out.
 *
 * Exports socketmap_open(), socketmap_start() and socketmap_stop(). One
 * thread of its own serves every connection with epoll: the sockets
 * are nonblocking, each connection's buffers are bounded, and the
 * thread shares nothing with libmilter's threads but the map store
 * (one snapshot taken and released per request, as filter.c takes one
 * per recipient) and the counters. So however a socketmap client
 * behaves, the milter side goes on.
 *
 * Per connection: requests may be pipelined and are answered in order;
 * a frame that is no netstring, or longer than NETSTRING_MAX, is
 * answered PERM and the connection closed once the answer is written;
 * a good frame that is no "NAME KEY" request, or names no table here,
 * is answered PERM and the connection goes on. A connection without
 * progress for socketmap_timeout seconds is closed. At
 * socketmap_max_connections, new ones wait in the listen queue.
 * The answer itself is mapreply_answer()'s (lib/mapreply.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "mapreply.h"
#include "netstring.h"
#include "global.h"
#include "msg.h"
#include "signals.h"
#include "sockspec.h"
#include "socketmap.h"

#define G	milter_global

#define SM_READ_CHUNK	4096		/* first input buffer, and reads */
#define SM_FRAME_MAX	(NETSTRING_MAX + 8)	/* "100000:" ... "," */
#define SM_OUT_HIGH	65536		/* pending output: stop reading */
#define SM_EVENTS	64		/* events taken per epoll_wait() */

typedef struct SM_CONN {
    int     fd;
    size_t  slot;			/* its place in sm.conns */
    uint32_t events;			/* what epoll watches for */
    char   *in;				/* unparsed input */
    size_t  inlen, insize;
    char   *out;			/* answers not yet written */
    size_t  outoff, outlen, outsize;
    struct timespec last;		/* last progress */
    int     closing;			/* close once OUT is written */
} SM_CONN;

static struct {
    int     listen_fd;
    int     wake[2];			/* written to stop the thread */
    int     epfd;
    int     listening;			/* listen_fd watched */
    char   *path;			/* unix socket to remove, or null */
    pthread_t thread;
    int     running;
    int     timeout;			/* idle seconds; fixed at startup */
    int     max_conn;			/* connections at once; the same */
    SM_CONN **conns;			/* every open connection */
    size_t  nconns;
} sm = {.listen_fd = -1, .wake = {-1, -1}, .epfd = -1};

/* One thread answers: its buffers for a request and an answer. */
static char key_buf[NETSTRING_MAX + 1];
static char value_buf[NETSTRING_MAX];
static char text_buf[NETSTRING_MAX];
static char frame_buf[SM_FRAME_MAX];

/* Listening. */

static int listen_unix(const char *path, const CONFIG *cfg,
		               const DAEMON_USER *who, char *err, size_t errlen)
{
    struct sockaddr_un sun;
    mode_t  old;
    int     fd;

    if (sockspec_unix_in_use(path)) {
	snprintf(err, errlen, "socketmap %s is in use by another process",
		 path);
	return (-1);
    }
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		     0)) < 0) {
	snprintf(err, errlen, "socketmap: socket: %s", strerror(errno));
	return (-1);
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path) + 1);	/* sockspec checked */
    (void) unlink(path);
    old = umask(0177);
    if (bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0) {
	umask(old);
	snprintf(err, errlen, "socketmap %s: %s", path, strerror(errno));
	close(fd);
	return (-1);
    }
    umask(old);
    if (chmod(path, (mode_t) cfg->socket_mode) < 0
	|| (geteuid() == 0 && chown(path, who->uid, who->gid) < 0)) {
	snprintf(err, errlen, "socketmap %s: %s", path, strerror(errno));
	(void) unlink(path);
	close(fd);
	return (-1);
    }
    return (fd);
}

/* inet:PORT@HOST or inet6:PORT@HOST; no host: every address. */
static int listen_inet(const char *spec, char *err, size_t errlen)
{
    struct addrinfo *ai;
    char    why[512];
    int     fd, on = 1;

    if (sockspec_resolve(spec, 0, &ai, why, sizeof(why)) < 0) {
	snprintf(err, errlen, "socketmap: %s", why);
	return (-1);
    }
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		ai->ai_protocol);
    if (fd < 0
	|| setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0
	|| bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
	snprintf(err, errlen, "socketmap %s: %s", spec, strerror(errno));
	if (fd >= 0)
	    close(fd);
	freeaddrinfo(ai);
	return (-1);
    }
    freeaddrinfo(ai);
    return (fd);
}

int     socketmap_open(const CONFIG *cfg, const DAEMON_USER *who,
		               char *err, size_t errlen)
{
    const char *path;
    int     fd;

    if (cfg->socketmap == 0)
	return (0);
    sm.timeout = cfg->socketmap_timeout;
    sm.max_conn = cfg->socketmap_max_conn;
    if ((path = sockspec_path(cfg->socketmap)) != 0)
	fd = listen_unix(path, cfg, who, err, errlen);
    else
	fd = listen_inet(cfg->socketmap, err, errlen);
    if (fd < 0)
	return (-1);
    if (listen(fd, SOMAXCONN) < 0) {
	snprintf(err, errlen, "socketmap %s: listen: %s", cfg->socketmap,
		 strerror(errno));
	close(fd);
	if (path)
	    (void) unlink(path);
	return (-1);
    }
    if (path && (sm.path = strdup(path)) == 0) {
	snprintf(err, errlen, "out of memory");
	close(fd);
	(void) unlink(path);
	return (-1);
    }
    sm.listen_fd = fd;
    msg_info("socketmap service on %s", cfg->socketmap);
    return (0);
}

/* Time. */

static struct timespec now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts);
}

/* Milliseconds from A to B, at least 0. */
static long ms_between(struct timespec a, struct timespec b)
{
    long    ms = (b.tv_sec - a.tv_sec) * 1000
    + (b.tv_nsec - a.tv_nsec) / 1000000;

    return (ms < 0 ? 0 : ms);
}

/* Connections. */

static void conn_close(SM_CONN *c)
{
    close(c->fd);				/* leaves the epoll set too */
    free(c->in);
    free(c->out);
    sm.conns[c->slot] = sm.conns[--sm.nconns];
    sm.conns[c->slot]->slot = c->slot;
    free(c);
}

/* Append FRAME[0..LEN-1] to C's output; -1 out of memory. */
static int conn_queue(SM_CONN *c, const char *frame, size_t len)
{
    char   *grown;
    size_t  size;

    if (c->outoff > 0 && c->outoff == c->outlen)
	c->outoff = c->outlen = 0;
    if (c->outlen + len > c->outsize) {
	if (c->outoff > 0) {
	    memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
	    c->outlen -= c->outoff;
	    c->outoff = 0;
	}
	for (size = c->outsize ? c->outsize : SM_READ_CHUNK;
	     size < c->outlen + len; size *= 2)
	     /* void */ ;
	if (size > c->outsize) {
	    if ((grown = realloc(c->out, size)) == 0)
		return (-1);
	    c->out = grown;
	    c->outsize = size;
	}
    }
    memcpy(c->out + c->outlen, frame, len);
    c->outlen += len;
    return (0);
}

/* Queue the answer "WORD TEXT"; counts it. -1 out of memory. */
static int answer(SM_CONN *c, STATS_COUNTER what, const char *word,
		          const char *text)
{
    size_t  wlen = strlen(word), tlen = strlen(text), n;

    if (wlen + 1 + tlen > NETSTRING_MAX)
	tlen = NETSTRING_MAX - wlen - 1;
    memcpy(text_buf, word, wlen);
    text_buf[wlen] = ' ';
    memcpy(text_buf + wlen + 1, text, tlen);
    n = netstring_format(frame_buf, sizeof(frame_buf), text_buf,
			 wlen + 1 + tlen);
    stats_inc(&G.stats, STATS_SM_REQUESTS);
    stats_inc(&G.stats, what);
    return (conn_queue(c, frame_buf, n));
}

/* The answer of TABLE for KEY, from the current snapshot. */
static int answer_lookup(SM_CONN *c, MAPREPLY_TABLE table, const char *key)
{
    char   *value = value_buf;
    MAPREPLY_LIMITS limits;
    VUT_RESULT res;
    MAPSET *set;
    const char *map;
    int     map_failed;

    if ((set = mapset_acquire(&G.maps)) == 0)
	return (answer(c, STATS_SM_TEMP, "TEMP", "the milter is stopping"));
    mapset_resolve(set, key, LIVE(hop_limit), &res, &map_failed, &map);
    mapset_release(set);
    if (map_failed)
	stats_inc(&G.stats, STATS_MAP_ERRORS);
    limits.max_added = (size_t) LIVE(max_added);
    limits.rewrite = (LIVE(mode) == CONFIG_MODE_REWRITE);
    limits.accept_on_error = (LIVE(on_map_error) == CONFIG_ON_ERROR_ACCEPT);
    /* room for "OK " in a netstring of NETSTRING_MAX */
    switch (mapreply_answer(table, &res, &limits, value, sizeof(value_buf) - 3)) {
    case MAPREPLY_OK:
	vut_result_free(&res);
	return (answer(c, STATS_SM_OK, "OK", value));
    case MAPREPLY_TEMP:
	vut_result_free(&res);
	msg_warn("socketmap %s %s: TEMP %s", table == MAPREPLY_ACCESS ?
		 "access" : "virtual", key, value);
	return (answer(c, STATS_SM_TEMP, "TEMP", value));
    case MAPREPLY_NOTFOUND:
    default:
	vut_result_free(&res);
	return (answer(c, STATS_SM_NOTFOUND, "NOTFOUND", ""));
    }
}

/* One request "NAME KEY" (LEN bytes, not terminated). */
static int request(SM_CONN *c, const char *req, size_t len)
{
    char   *key = key_buf;
    const char *sp = memchr(req, ' ', len);
    size_t  klen;
    int     table;

    if (sp == 0 || sp == req || memchr(req, 0, len) != 0
	|| (klen = len - (size_t) (sp - req) - 1) == 0)
	return (answer(c, STATS_SM_PERM, "PERM", "bad request: want "
		       "\"NAME KEY\""));
    if ((table = mapreply_table(req, (size_t) (sp - req))) < 0)
	return (answer(c, STATS_SM_PERM, "PERM", "no such table here "
		       "(virtual, access)"));
    memcpy(key, sp + 1, klen);
    key[klen] = 0;
    return (answer_lookup(c, (MAPREPLY_TABLE) table, key));
}

/* A bad frame: answer PERM, then hang up. */
static int refuse(SM_CONN *c, NETSTRING_STATUS why)
{
    const char *text = why == NETSTRING_TOO_LONG ?
    "request longer than 100000 bytes" : "malformed netstring";

    msg_warn("socketmap: %s; closing the connection", text);
    c->closing = 1;
    c->inlen = 0;
    return (answer(c, STATS_SM_PERM, "PERM", text));
}

/* Answer the whole requests in C's input, while output has room. */
static int serve_input(SM_CONN *c)
{
    const char *payload;
    size_t  plen, used, done = 0;
    NETSTRING_STATUS st;
    int     rc = 0;

    while (rc == 0 && !c->closing && c->outlen - c->outoff < SM_OUT_HIGH) {
	st = netstring_parse(c->in + done, c->inlen - done, NETSTRING_MAX,
			     &payload, &plen, &used);
	if (st == NETSTRING_PARTIAL)
	    break;
	if (st != NETSTRING_OK)
	    return (refuse(c, st));
	rc = request(c, payload, plen);
	done += used;
    }
    if (done > 0) {
	memmove(c->in, c->in + done, c->inlen - done);
	c->inlen -= done;
    }
    return (rc);
}

/* Read what there is; 0, or -1 to close (end, error, no memory). */
static int conn_read(SM_CONN *c)
{
    char   *grown;
    size_t  size;
    ssize_t n;

    if (c->insize - c->inlen < SM_READ_CHUNK && c->insize < SM_FRAME_MAX) {
	size = c->insize ? c->insize * 2 : SM_READ_CHUNK;
	if (size > SM_FRAME_MAX)
	    size = SM_FRAME_MAX;
	if ((grown = realloc(c->in, size)) == 0)
	    return (-1);
	c->in = grown;
	c->insize = size;
    }
    if (c->inlen == c->insize)			/* whole frames wait for room */
	return (0);
    if ((n = read(c->fd, c->in + c->inlen, c->insize - c->inlen)) < 0)
	return (errno == EAGAIN || errno == EINTR ? 0 : -1);
    if (n == 0)
	return (-1);
    c->inlen += (size_t) n;
    c->last = now();
    return (serve_input(c));
}

/* Write what is pending; 0, or -1 to close. */
static int conn_write(SM_CONN *c)
{
    ssize_t n;

    if (c->outoff == c->outlen)
	return (0);
    if ((n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		  MSG_NOSIGNAL)) < 0)
	return (errno == EAGAIN || errno == EINTR ? 0 : -1);
    c->outoff += (size_t) n;
    c->last = now();
    if (c->outoff == c->outlen)
	c->outoff = c->outlen = 0;
    /* Room again: requests that waited for it. */
    return (c->inlen > 0 ? serve_input(c) : 0);
}

/* Watch FD for EVENTS, with PTR as its tag; -1 with errno. */
static int watch(int op, int fd, uint32_t events, void *ptr)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.ptr = ptr;
    return (epoll_ctl(sm.epfd, op, fd, &ev));
}

/* Take new connections while there is room; stop listening when full. */
static void accept_new(void)
{
    SM_CONN *c;
    int     fd;

    while (sm.nconns < (size_t) sm.max_conn) {
	if ((fd = accept4(sm.listen_fd, 0, 0, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0) {
	    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
		msg_warn("socketmap: accept: %s", strerror(errno));
	    return;
	}
	if ((c = calloc(1, sizeof(*c))) == 0
	    || watch(EPOLL_CTL_ADD, fd, EPOLLIN, c) < 0) {
	    msg_warn("socketmap: cannot take a connection: %s",
		     c ? strerror(errno) : "out of memory");
	    free(c);
	    close(fd);
	    return;
	}
	stats_inc(&G.stats, STATS_SM_CONNECTIONS);
	c->fd = fd;
	c->events = EPOLLIN;
	c->last = now();
	c->slot = sm.nconns;
	sm.conns[sm.nconns++] = c;
    }
}

/* Listen exactly while there is room for another connection. */
static void listen_if_room(void)
{
    int     room = (sm.nconns < (size_t) sm.max_conn);

    if (room != sm.listening
	&& watch(EPOLL_CTL_MOD, sm.listen_fd, room ? EPOLLIN : 0,
		 &sm.listen_fd) == 0)
	sm.listening = room;
}

/* The events wanted for C. */
static uint32_t conn_events(const SM_CONN *c)
{
    uint32_t ev = 0;

    if (!c->closing && c->outlen - c->outoff < SM_OUT_HIGH)
	ev |= EPOLLIN;
    if (c->outoff < c->outlen)
	ev |= EPOLLOUT;
    return (ev);
}

/*
 * Handle C's events: read and answer, then write at once what that
 * queued, and watch for what C waits for next. 0, or -1 when it is to
 * be closed: the peer left or failed, or a refused frame's answer is out.
 */
static int conn_events_done(SM_CONN *c, uint32_t revents)
{
    uint32_t want;

    if ((revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->closing
	&& conn_read(c) < 0)
	return (-1);
    if (conn_write(c) < 0)
	return (-1);
    if (c->closing && c->outoff == c->outlen)
	return (-1);
    if ((want = conn_events(c)) != c->events) {
	if (watch(EPOLL_CTL_MOD, c->fd, want, c) < 0)
	    return (-1);
	c->events = want;
    }
    return (0);
}

/* Close idle connections; the wait until the next may be due, in ms. */
static int expire_idle(struct timespec t)
{
    long    limit = (long) sm.timeout * 1000, left, next = limit;
    size_t  i;

    for (i = 0; i < sm.nconns; /* void */ ) {
	left = limit - ms_between(sm.conns[i]->last, t);
	if (left <= 0) {
	    conn_close(sm.conns[i]);		/* the last moves into slot i */
	    continue;
	}
	if (left < next)
	    next = left;
	i++;
    }
    return ((int) next);
}

static void *serve(void *arg)
{
    struct epoll_event ev[SM_EVENTS];
    SM_CONN *c;
    int     i, n;
    char    drain[16];

    (void) arg;
    for (;;) {
	listen_if_room();
	if ((n = epoll_wait(sm.epfd, ev, SM_EVENTS, expire_idle(now()))) < 0) {
	    if (errno == EINTR)
		continue;
	    msg_error("socketmap: epoll_wait: %s; the service stops",
		      strerror(errno));
	    break;
	}
	for (i = 0; i < n; i++) {
	    if (ev[i].data.ptr == sm.wake) {
		(void) read(sm.wake[0], drain, sizeof(drain));
		return (0);
	    }
	    if (ev[i].data.ptr == &sm.listen_fd) {
		accept_new();
		continue;
	    }
	    c = ev[i].data.ptr;
	    if (conn_events_done(c, ev[i].events) < 0)
		conn_close(c);
	}
    }
    return (0);
}

int     socketmap_start(char *err, size_t errlen)
{
    int     rc;

    if (sm.listen_fd < 0)
	return (0);
    if ((sm.conns = calloc((size_t) sm.max_conn, sizeof(*sm.conns))) == 0) {
	snprintf(err, errlen, "socketmap: out of memory");
	return (-1);
    }
    if (pipe2(sm.wake, O_CLOEXEC | O_NONBLOCK) < 0
	|| (sm.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0
	|| watch(EPOLL_CTL_ADD, sm.wake[0], EPOLLIN, sm.wake) < 0
	|| watch(EPOLL_CTL_ADD, sm.listen_fd, EPOLLIN, &sm.listen_fd) < 0) {
	snprintf(err, errlen, "socketmap: cannot set up: %s", strerror(errno));
	return (-1);
    }
    sm.listening = 1;
    if ((rc = signals_thread(&sm.thread, serve)) != 0) {
	snprintf(err, errlen, "socketmap: cannot start a thread: %s",
		 strerror(rc));
	return (-1);
    }
    sm.running = 1;
    return (0);
}

void    socketmap_stop(void)
{
    if (sm.running) {
	if (write(sm.wake[1], "x", 1) < 0)
	    msg_warn("socketmap: cannot wake the service: %s",
		     strerror(errno));
	pthread_join(sm.thread, 0);
	sm.running = 0;
    }
    while (sm.nconns > 0)
	conn_close(sm.conns[sm.nconns - 1]);
    if (sm.listen_fd >= 0)
	close(sm.listen_fd);
    sm.listen_fd = -1;
    if (sm.path)
	(void) unlink(sm.path);
    if (sm.wake[0] >= 0) {
	close(sm.wake[0]);
	close(sm.wake[1]);
	sm.wake[0] = sm.wake[1] = -1;
    }
    if (sm.epfd >= 0)
	close(sm.epfd);
    sm.epfd = -1;
    free(sm.path);
    free(sm.conns);
    sm.path = 0;
    sm.conns = 0;
}
