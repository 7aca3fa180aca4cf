#ifndef REPORT_H_INCLUDED
#define REPORT_H_INCLUDED

/*
 * report.h - how every reader that can find many problems tells them:
 * one call per problem, never printed by the reader itself. The front
 * end prints FILE:LINE: WHY (LINE 0: the file as a whole) and the reader
 * counts; a call with one result uses (char *err, size_t errlen).
 */
typedef void (*REPORT_FN) (void *ctx, const char *file, unsigned line,
			           int is_error, const char *why);

/* A REPORT_FN that drops every problem. */
extern void report_ignore(void *ctx, const char *file, unsigned line,
			          int is_error, const char *why);

#endif
