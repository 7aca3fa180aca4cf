#ifndef VERIFYEXPECT_H_INCLUDED
#define VERIFYEXPECT_H_INCLUDED

/*
 * verifyexpect.h - what each address sent in must come to, and the
 * judgement of what it came to.
 */
#include "verifyroute.h"

typedef enum EXPECT_KIND { EXPECT_MAILBOX, EXPECT_REJECT, EXPECT_ROLE } EXPECT_KIND;

/* What is due for one address. */
typedef struct EXPECT {
    EXPECT_KIND kind;
    long    branch;			/* EXPECT_MAILBOX */
    const char *name;			/* EXPECT_MAILBOX */
    int     no_switch;			/* a branch's mail to its own users */
    size_t  role;			/* EXPECT_ROLE */
    long    by;				/* EXPECT_REJECT: -1 the first server,
					 * else by this branch's server */
} EXPECT;

/*
 * Send ADDRESS in at entry point ENTRY and judge where it ends against
 * E; counted in W's figures, a broken promise kept as a finding.
 * Returns 0 when it went as due, -1 when not.
 */
extern int send_expecting(WORKER *w, size_t entry, const char *address,
			          const EXPECT *e);

/* A finding that breaks PROMISE: all are counted, the first few kept. */
extern void keep_finding(WORKER *w, VERIFY_PROMISE promise, const char *fmt,...);

#endif
