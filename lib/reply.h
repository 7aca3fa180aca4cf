#ifndef REPLY_H_INCLUDED
#define REPLY_H_INCLUDED

/*
 * reply.h - SMTP rejections: the error: values of a virtusertable.
 */
#include <stddef.h>

#define REPLY_TEXT_MAX	400

typedef struct REPLY {
    char    code[4];			/* "550" */
    char    enhanced[12];		/* "5.1.1" */
    char    text[REPLY_TEXT_MAX + 1];	/* "User unknown" */
} REPLY;

/* True when VALUE is an error: value (the tag is case-insensitive). */
extern int reply_is_error(const char *value);

/*
 * Turn an error: VALUE into the reply sendmail gives; REPLY is always
 * filled. Returns 0 and sets *WARN to a static warning for a value that
 * sendmail accepts but almost surely not as its author meant, else to
 * null. Returns -1 with *WARN set to the reason for a value that must not
 * be compiled (no code, a code that is not 4xx/5xx, an enhanced status of
 * the wrong class); a map made elsewhere may still hold one.
 */
extern int reply_parse(const char *value, REPLY *reply, const char **warn);

/* Fill REPLY with CODE, ENHANCED and a printf-style text. */
extern void reply_set(REPLY *reply, const char *code, const char *enhanced,
		              const char *fmt,...);

#endif
