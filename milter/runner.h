#ifndef RUNNER_H_INCLUDED
#define RUNNER_H_INCLUDED

/*
 * runner.h - libmilter's loop, smfi_main(), in a thread of its own, so
 * that the main thread keeps the signals (signals.h).
 */
#include <stddef.h>

/* Start smfi_main() in a new thread; -1 with a reason. */
extern int runner_start(char *err, size_t errlen);

/*
 * Make smfi_main() return and wait for it: libmilter closes the
 * listening socket (SOCKET, the spec it listens on) and drops the
 * connections still open. Returns what smfi_main() returned
 * (MI_SUCCESS or MI_FAILURE).
 */
extern int runner_stop(const char *socket);

#endif
