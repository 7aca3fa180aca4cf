#ifndef PREFLIGHT_H_INCLUDED
#define PREFLIGHT_H_INCLUDED

/*
 * preflight.h - mailswitch-milter -n: would a start with this
 * configuration get through?
 */
#include "config.h"

/*
 * Check what a start with CFG (complete: config_finish() done) needs,
 * as the start would. Each problem is one line on standard error,
 * prefixed with PROG; with none, one line on standard output says so.
 * Returns the number of problems.
 */
extern int preflight(const CONFIG *cfg, const char *prog);

#endif
