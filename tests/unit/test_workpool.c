/*
 * test_workpool.c - unit tests for lib/util/workpool.c: every job runs
 * exactly once, whatever the number of jobs and threads.
 */
#include <check.h>
#include <string.h>
#include "workpool.h"
#include "unit.h"

#define MAX_JOBS	200

typedef struct SHAPE {
    size_t  njobs;
    int     threads;
} SHAPE;

static const SHAPE shapes[] = {
    {0, 1}, {0, 4}, {1, 1}, {1, 4}, {2, 2}, {7, 1}, {7, 3},
    {MAX_JOBS, 4}, {MAX_JOBS, WORKPOOL_MAX_THREADS + 10}, {5, 0},
};

static void count_job(void *arg, size_t job)
{
    __atomic_add_fetch((int *) arg + job, 1, __ATOMIC_RELAXED);
}

START_TEST(test_each_job_once)
{
    const SHAPE *sh = shapes + _i;
    int     runs[MAX_JOBS + 1];
    size_t  i;

    memset(runs, 0, sizeof(runs));
    workpool_run(count_job, runs, sh->njobs, sh->threads);
    for (i = 0; i < sh->njobs; i++)
	ck_assert_msg(runs[i] == 1, "%zu jobs on %d threads: job %zu ran %d times",
		      sh->njobs, sh->threads, i, runs[i]);
    ck_assert_int_eq(runs[sh->njobs], 0);
}
END_TEST

Suite  *suite_workpool(void)
{
    Suite  *s = suite_create("workpool");
    TCase  *tc = tcase_create("run");

    tcase_add_loop_test(tc, test_each_job_once, 0, sizeof(shapes) / sizeof(shapes[0]));
    suite_add_tcase(s, tc);
    return (s);
}
