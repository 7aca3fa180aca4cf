#ifndef WORKPOOL_H_INCLUDED
#define WORKPOOL_H_INCLUDED

/*
 * workpool.h - run a job function over a number of workers on a few
 * threads, or inline when threads cannot be had.
 */
#include <stddef.h>

#define WORKPOOL_MAX_THREADS	64

/* Job I of the pool; ARG as given to workpool_run(). */
typedef void (*WORKPOOL_FN) (void *arg, size_t job);

/*
 * Call FN(ARG, I) once for each I in [0, NJOBS), on up to MAX_THREADS
 * threads, the caller's own included; each thread takes the next job
 * when done with one. Jobs no started thread takes run in the caller,
 * so all run even when pthread_create() fails or MAX_THREADS is 1.
 * Returns when every job is done.
 */
extern void workpool_run(WORKPOOL_FN fn, void *arg, size_t njobs, int max_threads);

#endif
