/*
 * socketmap.c - the socketmap front end: netstring requests "NAME KEY"
 * in, "OK value", "NOTFOUND ", "TEMP reason" or "PERM reason" out.
 *
 * Exports socketmap_open(), socketmap_start() and socketmap_stop(). A
 * thread of its own accepts the connections, and each connection has a
 * thread of its own that reads a request and writes its answer, as
 * Postfix sends them: one at a time, each waited for. So a request
 * costs two system calls and no wake-up but the client's, and one
 * client's turn never waits for another's. The threads share nothing
 * with libmilter's but the map store (one snapshot taken and released
 * per request, as filter.c takes one per recipient) and the counters;
 * each connection's buffers are bounded. So however a socketmap client
 * behaves, the milter side goes on.
 *
 * Per connection: requests may be pipelined and are answered in order;
 * a frame that is no netstring, or longer than NETSTRING_MAX, is
 * answered PERM and the connection closed once the answer is written;
 * a good frame that is no "NAME KEY" request, or names no table here,
 * is answered PERM and the connection goes on. A connection without
 * progress for socketmap_timeout seconds is closed (the socket's
 * receive and send timeouts). At socketmap_max_connections, new ones
 * wait in the listen queue.
 * The answer itself is mapreply_answer()'s (lib/mapreply.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/time.h>
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
#define SM_OUT_HIGH	65536		/* answers held before a write */
#define SM_STACK	(1u << 20)	/* a connection thread's stack */

/* What a connection's thread answers with, allocated once for it. */
typedef struct SM_BUFS {
    char    key[NETSTRING_MAX + 1];
    char    value[NETSTRING_MAX];
    char    text[NETSTRING_MAX];
    char    frame[SM_FRAME_MAX];
} SM_BUFS;

typedef struct SM_CONN {
    int     fd;
    struct SM_CONN *prev, *next;	/* in sm.open */
    char   *in;				/* unparsed input */
    size_t  inlen, insize;
    char   *out;			/* answers not yet written */
    size_t  outlen, outsize;
    SM_BUFS *bufs;
    int     closing;			/* close once OUT is written */
} SM_CONN;

static struct {
    int     listen_fd;
    int     wake[2];			/* written to stop the service */
    char   *path;			/* unix socket to remove, or null */
    pthread_t thread;			/* the one that accepts */
    int     running;
    int     timeout;			/* idle seconds; fixed at startup */
    int     max_conn;			/* connections at once; the same */
    pthread_mutex_t lock;		/* guards what follows */
    pthread_cond_t changed;		/* a connection came or went */
    SM_CONN *open;			/* every open connection */
    size_t  nconns;
    int     stopping;
} sm = {.listen_fd = -1, .wake = {-1, -1},
    .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

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

/* Connections. */

/* Append FRAME[0..LEN-1] to C's output; -1 out of memory. */
static int conn_queue(SM_CONN *c, const char *frame, size_t len)
{
    char   *grown;
    size_t  size;

    if (c->outlen + len > c->outsize) {
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
    memcpy(c->bufs->text, word, wlen);
    c->bufs->text[wlen] = ' ';
    memcpy(c->bufs->text + wlen + 1, text, tlen);
    n = netstring_format(c->bufs->frame, sizeof(c->bufs->frame),
			 c->bufs->text, wlen + 1 + tlen);
    stats_inc(&G.stats, STATS_SM_REQUESTS);
    stats_inc(&G.stats, what);
    return (conn_queue(c, c->bufs->frame, n));
}

/* The answer of TABLE for KEY, from the current snapshot. */
static int answer_lookup(SM_CONN *c, MAPREPLY_TABLE table, const char *key)
{
    char   *value = c->bufs->value;
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
    switch (mapreply_answer(table, &res, &limits, value,
			    sizeof(c->bufs->value) - 3)) {
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
    char   *key = c->bufs->key;
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

    while (rc == 0 && !c->closing && c->outlen < SM_OUT_HIGH) {
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

/* Read what there is and answer it; 0, or -1 to close. */
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
    if (c->inlen == c->insize)			/* cannot be: frames fit */
	return (-1);
    while ((n = read(c->fd, c->in + c->inlen, c->insize - c->inlen)) < 0
	   && errno == EINTR)
	 /* void */ ;
    if (n <= 0)					/* end, error or idle */
	return (-1);
    c->inlen += (size_t) n;
    return (serve_input(c));
}

/* Write all that is pending; 0, or -1 to close. */
static int conn_write(SM_CONN *c)
{
    size_t  done = 0;
    ssize_t n;

    while (done < c->outlen) {
	if ((n = send(c->fd, c->out + done, c->outlen - done,
		      MSG_NOSIGNAL)) < 0) {
	    if (errno == EINTR)
		continue;
	    return (-1);			/* error, or stuck past timeout */
	}
	done += (size_t) n;
    }
    c->outlen = 0;
    return (0);
}

/*
 * Serve C until it ends: read, answer what is whole, write the answers;
 * requests that waited for room in the output are answered before the
 * next read. A refused frame's answer goes out before the close.
 */
static void conn_serve(SM_CONN *c)
{
    for (;;) {
	if (conn_read(c) < 0)
	    return;
	do {
	    if (conn_write(c) < 0 || c->closing || serve_input(c) < 0)
		return;
	} while (c->outlen > 0);
    }
}

/* Forget C: out of the open list, its socket closed, its memory freed. */
static void conn_free(SM_CONN *c)
{
    pthread_mutex_lock(&sm.lock);
    if (c->prev)
	c->prev->next = c->next;
    else
	sm.open = c->next;
    if (c->next)
	c->next->prev = c->prev;
    sm.nconns--;
    pthread_cond_broadcast(&sm.changed);
    pthread_mutex_unlock(&sm.lock);
    close(c->fd);
    free(c->in);
    free(c->out);
    free(c->bufs);
    free(c);
}

static void *conn_thread(void *arg)
{
    SM_CONN *c = arg;

    conn_serve(c);
    conn_free(c);
    return (0);
}

/* A connection on FD, listed as open; null (FD closed) if none. */
static SM_CONN *conn_new(int fd)
{
    struct timeval tv = {.tv_sec = sm.timeout};
    SM_CONN *c;

    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0
	|| setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
	msg_warn("socketmap: cannot set timeouts: %s", strerror(errno));
	close(fd);
	return (0);
    }
    if ((c = calloc(1, sizeof(*c))) == 0
	|| (c->bufs = malloc(sizeof(*c->bufs))) == 0) {
	msg_warn("socketmap: out of memory for a connection");
	free(c);
	close(fd);
	return (0);
    }
    c->fd = fd;
    pthread_mutex_lock(&sm.lock);
    c->next = sm.open;
    if (sm.open)
	sm.open->prev = c;
    sm.open = c;
    sm.nconns++;
    pthread_mutex_unlock(&sm.lock);
    return (c);
}

/* Serve FD in a thread of its own; closed if there can be none. */
static void conn_start(int fd, const pthread_attr_t *attr)
{
    pthread_t tid;
    SM_CONN *c;
    int     rc;

    if ((c = conn_new(fd)) == 0)
	return;
    if ((rc = pthread_create(&tid, attr, conn_thread, c)) != 0) {
	msg_warn("socketmap: cannot start a thread: %s", strerror(rc));
	conn_free(c);
	return;
    }
    stats_inc(&G.stats, STATS_SM_CONNECTIONS);
}

/* Wait for room for one more connection; 0 when the service stops. */
static int wait_for_room(void)
{
    int     room;

    pthread_mutex_lock(&sm.lock);
    while (!sm.stopping && sm.nconns >= (size_t) sm.max_conn)
	pthread_cond_wait(&sm.changed, &sm.lock);
    room = !sm.stopping;
    pthread_mutex_unlock(&sm.lock);
    return (room);
}

/* The accepting thread: a connection at a time, while there is room. */
static void *serve(void *arg)
{
    struct pollfd pfd[2];
    pthread_attr_t attr;
    int     fd;

    (void) arg;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, SM_STACK);
    pfd[0].fd = sm.wake[0];
    pfd[1].fd = sm.listen_fd;
    pfd[0].events = pfd[1].events = POLLIN;
    while (wait_for_room()) {
	if (poll(pfd, 2, -1) < 0) {
	    if (errno == EINTR)
		continue;
	    msg_error("socketmap: poll: %s; the service stops", strerror(errno));
	    break;
	}
	if (pfd[0].revents)
	    break;
	if ((fd = accept4(sm.listen_fd, 0, 0, SOCK_CLOEXEC)) < 0) {
	    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
		msg_warn("socketmap: accept: %s", strerror(errno));
	    continue;
	}
	conn_start(fd, &attr);
    }
    pthread_attr_destroy(&attr);
    return (0);
}

int     socketmap_start(char *err, size_t errlen)
{
    int     rc;

    if (sm.listen_fd < 0)
	return (0);
    if (pipe2(sm.wake, O_CLOEXEC | O_NONBLOCK) < 0) {
	snprintf(err, errlen, "socketmap: pipe: %s", strerror(errno));
	return (-1);
    }
    sm.stopping = 0;
    if ((rc = signals_thread(&sm.thread, serve)) != 0) {
	snprintf(err, errlen, "socketmap: cannot start a thread: %s",
		 strerror(rc));
	return (-1);
    }
    sm.running = 1;
    return (0);
}

/*
 * Stop accepting, end every connection (a thread reading or writing
 * sees its socket shut down; one answering finishes the answer first),
 * and wait until the last connection's thread is gone.
 */
void    socketmap_stop(void)
{
    SM_CONN *c;

    pthread_mutex_lock(&sm.lock);
    sm.stopping = 1;
    pthread_cond_broadcast(&sm.changed);
    pthread_mutex_unlock(&sm.lock);
    if (sm.running) {
	if (write(sm.wake[1], "x", 1) < 0)
	    msg_warn("socketmap: cannot wake the service: %s",
		     strerror(errno));
	pthread_join(sm.thread, 0);
	sm.running = 0;
    }
    pthread_mutex_lock(&sm.lock);
    for (c = sm.open; c; c = c->next)
	(void) shutdown(c->fd, SHUT_RDWR);
    while (sm.nconns > 0)
	pthread_cond_wait(&sm.changed, &sm.lock);
    pthread_mutex_unlock(&sm.lock);
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
    free(sm.path);
    sm.path = 0;
}
