#ifndef PROGRESS_H_INCLUDED
#define PROGRESS_H_INCLUDED

/*
 * progress.h - one line on a terminal that says what a long command is
 * doing: "maptool build: verifying... 3 s". Shown only on a terminal,
 * and only once the work has taken more than a second; silent otherwise.
 */
typedef struct PROGRESS PROGRESS;

/*
 * Start showing WHAT (e.g. "maptool compile big.txt") on standard
 * error. Null (and nothing shown, ever) when standard error is not a
 * terminal or no thread can be started; every call takes null.
 */
extern PROGRESS *progress_start(const char *what);

/* The phase shown from now on ("writing", "verifying"); a static string. */
extern void progress_phase(PROGRESS *p, const char *phase);

/* Stop, and clear the line if one was shown; frees P. */
extern void progress_done(PROGRESS *p);

#endif
