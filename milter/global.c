/*
 * global.c - the one instance of MILTER_GLOBAL (see global.h).
 */
#include "global.h"

MILTER_GLOBAL milter_global;
