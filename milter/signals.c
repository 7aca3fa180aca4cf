/*
 * signals.c - the signals the milter owns, caught for the main thread.
 *
 * Exports signals_catch(), signals_thread(), signals_next() and
 * signals_post(), and sigwait() in place of the C library's (below).
 *
 * libmilter starts a thread of its own that sigwait()s for SIGHUP,
 * SIGTERM and SIGINT and stops at once on any of them, dropping the
 * transactions in progress. The milter gives those signals other
 * meanings (SIGHUP reloads, SIGTERM lets open transactions end), so
 * libmilter runs in a thread created with them blocked (runner.c), and
 * the main thread alone keeps them unblocked, with a handler that only
 * writes the signal number to a pipe. Linux hands a signal sent to the
 * process to its main thread whenever that thread does not block it,
 * so libmilter's threads are left with none.
 *
 * But for one: libmilter's signal thread waits in sigwait(), and a
 * thread in sigwait() may take a signal sent to the process although it
 * blocks it, whenever the main thread cannot take it at that moment (it
 * has another signal pending, or, under valgrind, it is not in a system
 * call). A SIGHUP meant as "reload" would then stop the milter. So the
 * milter defines sigwait() itself, taking the C library's place for
 * libmilter: the caller sleeps for good and takes nothing. The milter
 * never calls sigwait(); libmilter's thread is the only caller, and
 * smfi_stop() stops libmilter without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "signals.h"

static const int owned[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};

#define NOWNED	(sizeof(owned) / sizeof(owned[0]))

static int wake[2] = {-1, -1};		/* read end, write end */

static void post_byte(int value)
{
    unsigned char byte = (unsigned char) value;
    int     saved = errno;

    /* A full pipe already holds a wake-up; dropping this one is fine. */
    (void) write(wake[1], &byte, 1);
    errno = saved;
}

static void on_signal(int sig)
{
    post_byte(sig);
}

static void owned_set(sigset_t *set)
{
    size_t  i;

    sigemptyset(set);
    for (i = 0; i < NOWNED; i++)
	sigaddset(set, owned[i]);
}

int     signals_catch(char *err, size_t errlen)
{
    struct sigaction sa;
    sigset_t set;
    size_t  i;

    if (wake[0] < 0 && pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0) {
	snprintf(err, errlen, "signal pipe: %s", strerror(errno));
	return (-1);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < NOWNED; i++) {
	if (sigaction(owned[i], &sa, 0) < 0) {
	    snprintf(err, errlen, "sigaction: %s", strerror(errno));
	    return (-1);
	}
    }
    owned_set(&set);
    if (pthread_sigmask(SIG_UNBLOCK, &set, 0) != 0) {
	snprintf(err, errlen, "cannot unblock the signals");
	return (-1);
    }
    return (0);
}

int     signals_thread(pthread_t *tid, void *(*fn) (void *))
{
    sigset_t set, old;
    int     rc;

    owned_set(&set);
    if ((rc = pthread_sigmask(SIG_BLOCK, &set, &old)) != 0)
	return (rc);
    rc = pthread_create(tid, 0, fn, 0);
    (void) pthread_sigmask(SIG_SETMASK, &old, 0);
    return (rc);
}

int     signals_next(int timeout_ms)
{
    struct pollfd pfd;
    unsigned char byte;

    pfd.fd = wake[0];
    pfd.events = POLLIN;
    if (poll(&pfd, 1, timeout_ms) <= 0)
	return (0);			/* timeout, or EINTR: asked again */
    if (read(wake[0], &byte, 1) != 1)
	return (0);
    return (byte);
}

int     sigwait(const sigset_t *set, int *sig)
{
    (void) set;
    (void) sig;
    for (;;)
	pause();
}

void    signals_post(int event)
{
    post_byte(event);
}
