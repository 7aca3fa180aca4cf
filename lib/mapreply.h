#ifndef MAPREPLY_H_INCLUDED
#define MAPREPLY_H_INCLUDED

/*
 * mapreply.h - what a lookup table answers for one address, so that an
 * MTA's own table lookups (Postfix's virtual_alias_maps and
 * check_recipient_access over a socketmap) route exactly as the milter
 * does. The resolution is vut_resolve()'s; this decides what of it each
 * table tells.
 */
#include <stddef.h>
#include "vut.h"

typedef enum MAPREPLY_TABLE {
    MAPREPLY_VIRTUAL,			/* the new recipients */
    MAPREPLY_ACCESS,			/* the reject reply */
} MAPREPLY_TABLE;

typedef enum MAPREPLY_STATUS {
    MAPREPLY_OK,			/* the value is in the text */
    MAPREPLY_NOTFOUND,			/* leave the address alone */
    MAPREPLY_TEMP,			/* cannot say now: defer */
} MAPREPLY_STATUS;

/* The milter's settings that bear on the answer. */
typedef struct MAPREPLY_LIMITS {
    size_t  max_added;			/* most new recipients of a key */
    int     rewrite;			/* 0: validate only, no forwards */
    int     accept_on_error;		/* failures pass the address */
} MAPREPLY_LIMITS;

/* The table called NAME (LEN bytes); -1 for none. */
extern int mapreply_table(const char *name, size_t len);

/*
 * The answer of TABLE for a key whose resolution is RES. For MAPREPLY_OK, TEXT receives the
 * value: the comma-separated list of new recipients (virtual), or
 * "CODE ENHANCED TEXT" (access); for MAPREPLY_TEMP, the reason. When
 * the value does not fit in LEN bytes, MAPREPLY_TEMP.
 */
extern MAPREPLY_STATUS mapreply_answer(MAPREPLY_TABLE table,
				               const VUT_RESULT *res,
				               const MAPREPLY_LIMITS *limits,
				               char *text, size_t len);

#endif
