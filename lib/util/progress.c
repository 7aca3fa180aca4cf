/*
 * progress.c - a line on the terminal while a long command works.
 *
 * Exports progress_start(), progress_phase() and progress_done(). A
 * thread of its own redraws one line on standard error every quarter
 * second ("WHAT: PHASE... N s", carriage return, no newline), starting
 * once the work has taken a second, so that short runs never show it;
 * progress_done() stops the thread and blanks the line. Nothing is
 * drawn unless standard error is a terminal: pipes, logs and tests
 * never see it. The command's own output is unaffected.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "progress.h"

#define PROGRESS_DELAY_MS	1000	/* silent for the first second */
#define PROGRESS_TICK_MS	250

struct PROGRESS {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    const char *what;
    const char *phase;
    int     stop;
    size_t  width;			/* of the last line drawn */
    struct timespec start;
};

static long elapsed_ms(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return ((now.tv_sec - start->tv_sec) * 1000
	    + (now.tv_nsec - start->tv_nsec) / 1000000);
}

/* Redraw the line; called with the lock held. */
static void draw(PROGRESS *p)
{
    char    line[256];
    int     n;

    n = snprintf(line, sizeof(line), "%s: %s... %ld s", p->what, p->phase,
		 elapsed_ms(&p->start) / 1000);
    if (n < 0)
	return;
    if ((size_t) n >= sizeof(line))
	n = sizeof(line) - 1;
    fprintf(stderr, "\r%s%*s", line, (int) (p->width > (size_t) n ? p->width - n : 0), "");
    fflush(stderr);
    p->width = (size_t) n;
}

static void *ticker(void *arg)
{
    PROGRESS *p = arg;
    struct timespec until;

    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += PROGRESS_TICK_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
	    until.tv_sec++;
	    until.tv_nsec -= 1000000000L;
	}
	(void) pthread_cond_timedwait(&p->wake, &p->lock, &until);
	if (!p->stop && elapsed_ms(&p->start) >= PROGRESS_DELAY_MS)
	    draw(p);
    }
    pthread_mutex_unlock(&p->lock);
    return (0);
}

PROGRESS *progress_start(const char *what)
{
    PROGRESS *p;

    if (!isatty(STDERR_FILENO) || (p = calloc(1, sizeof(*p))) == 0)
	return (0);
    p->what = what;
    p->phase = "working";
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    pthread_mutex_init(&p->lock, 0);
    pthread_cond_init(&p->wake, 0);
    if (pthread_create(&p->thread, 0, ticker, p) != 0) {
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return (0);
    }
    return (p);
}

void    progress_phase(PROGRESS *p, const char *phase)
{
    if (p == 0)
	return;
    pthread_mutex_lock(&p->lock);
    p->phase = phase;
    pthread_mutex_unlock(&p->lock);
}

void    progress_done(PROGRESS *p)
{
    if (p == 0)
	return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, 0);
    if (p->width) {
	fprintf(stderr, "\r%*s\r", (int) p->width, "");
	fflush(stderr);
    }
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
