/*
 * workpool.c - start threads, else run inline.
 *
 * Exports workpool_run(). The jobs are handed out in order from one
 * counter under a mutex, so the threads that did start share the work
 * and the caller takes whatever is left; nothing is allocated, and a
 * failed pthread_create() only means fewer helpers.
 */
#include <pthread.h>
#include "workpool.h"

typedef struct WORKPOOL {
    WORKPOOL_FN fn;
    void   *arg;
    size_t  njobs;
    size_t  next;			/* the next job to hand out */
    pthread_mutex_t lock;
} WORKPOOL;

/* Run jobs until none is left. */
static void *take_jobs(void *ctx)
{
    WORKPOOL *pool = ctx;
    size_t  job;

    for (;;) {
	pthread_mutex_lock(&pool->lock);
	job = pool->next < pool->njobs ? pool->next++ : pool->njobs;
	pthread_mutex_unlock(&pool->lock);
	if (job == pool->njobs)
	    return (0);
	pool->fn(pool->arg, job);
    }
}

void    workpool_run(WORKPOOL_FN fn, void *arg, size_t njobs, int max_threads)
{
    WORKPOOL pool = {fn, arg, njobs, 0, PTHREAD_MUTEX_INITIALIZER};
    pthread_t helper[WORKPOOL_MAX_THREADS];
    int     started = 0, k;

    if (max_threads > WORKPOOL_MAX_THREADS)
	max_threads = WORKPOOL_MAX_THREADS;
    if ((size_t) max_threads > njobs)
	max_threads = (int) njobs;
    for (k = 1; k < max_threads; k++)
	if (pthread_create(helper + started, 0, take_jobs, &pool) == 0)
	    started++;
    take_jobs(&pool);
    for (k = 0; k < started; k++)
	pthread_join(helper[k], 0);
    pthread_mutex_destroy(&pool.lock);
}
