/*
 * reply.c - the SMTP reply an error: value gives, as sendmail gives it.
 *
 * Exports reply_is_error(), reply_parse() and reply_set(). Sendmail
 * accepts two forms:
 *
 *	error:D.D.D:CODE TEXT	enhanced status D.D.D, reply CODE
 *	error:TAG CODE TEXT	a sysexits TAG; TEXT may open with D.D.D
 *
 * A text that does not open with a three-digit code makes sendmail answer
 * 553 5.3.0 with the whole text; the project compiles only the best-known
 * such mistake ("error:550 5.1.1 Text", with a warning) and refuses the
 * others. Deliberate difference: the nouser tag without an enhanced status
 * answers X.1.1 (bad mailbox) where sendmail says X.0.0.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "reply.h"

#define ERROR_PREFIX	"error:"
#define ERROR_PREFIX_LEN	(sizeof(ERROR_PREFIX) - 1)
#define MANGLED_CHARS	"\"()<>\\"

/* The sysexits names sendmail knows as tags. */
static const char *const known_tags[] = {
    "usage", "dataerr", "noinput", "nouser", "nohost", "unavailable",
    "software", "oserr", "osfile", "cantcreat", "ioerr", "tempfail",
    "protocol", "noperm", "config", 0,
};

int     reply_is_error(const char *value)
{
    return (strncasecmp(value, ERROR_PREFIX, ERROR_PREFIX_LEN) == 0);
}

void    reply_set(REPLY *reply, const char *code, const char *enhanced,
		          const char *fmt,...)
{
    va_list ap;

    snprintf(reply->code, sizeof(reply->code), "%s", code);
    snprintf(reply->enhanced, sizeof(reply->enhanced), "%s", enhanced);
    va_start(ap, fmt);
    vsnprintf(reply->text, sizeof(reply->text), fmt, ap);
    va_end(ap);
}

/* Length of a D.D.D enhanced status at S (digits 1-3 each), or 0. */
static size_t enhanced_len(const char *s)
{
    size_t  i = 0, part, n;

    for (part = 0; part < 3; part++) {
	for (n = 0; isdigit((unsigned char) s[i]) && n < 3; n++)
	    i++;
	if (n == 0)
	    return (0);
	if (part < 2 && s[i++] != '.')
	    return (0);
    }
    return (isdigit((unsigned char) s[i]) ? 0 : i);
}

/* Copy S into DST collapsing white space runs, as sendmail's tokens do. */
static void copy_text(char *dst, size_t len, const char *s)
{
    size_t  n = 0;

    while (*s && isspace((unsigned char) *s))
	s++;
    for (; *s && n + 1 < len; s++) {
	if (isspace((unsigned char) *s)) {
	    while (isspace((unsigned char) s[1]))
		s++;
	    if (s[1] == 0)
		break;
	    dst[n++] = ' ';
	} else {
	    dst[n++] = *s;
	}
    }
    dst[n] = 0;
}

/* Split "CODE TEXT" at S: returns TEXT, or 0 without a code. */
static const char *take_code(const char *s, char code[4])
{
    if (!isdigit((unsigned char) s[0]) || !isdigit((unsigned char) s[1])
	|| !isdigit((unsigned char) s[2]) || !isspace((unsigned char) s[3]))
	return (0);
    memcpy(code, s, 3);
    code[3] = 0;
    for (s += 3; isspace((unsigned char) *s); s++)
	 /* void */ ;
    return (*s ? s : 0);
}

static int known_tag(const char *tag, size_t len)
{
    const char *const *t;

    for (t = known_tags; *t; t++)
	if (strlen(*t) == len && strncasecmp(*t, tag, len) == 0)
	    return (1);
    return (0);
}

/* Sendmail's answer to a text without a code: 553 5.3.0 and the text. */
static void no_code_reply(REPLY *reply, const char *text)
{
    strcpy(reply->code, "553");
    strcpy(reply->enhanced, "5.3.0");
    copy_text(reply->text, sizeof(reply->text), text);
}

int     reply_parse(const char *value, REPLY *reply, const char **warn)
{
    const char *s = value + ERROR_PREFIX_LEN;
    const char *text, *tag = 0;
    char    dsn[12] = "";
    size_t  n, taglen = 0;

    *warn = 0;
    if ((n = enhanced_len(s)) != 0 && s[n] == ':') {
	memcpy(dsn, s, n);
	dsn[n] = 0;
	s += n + 1;
    } else {
	for (tag = s; *s && !isspace((unsigned char) *s); s++)
	     /* void */ ;
	taglen = s - tag;
    }
    while (isspace((unsigned char) *s))
	s++;
    if ((text = take_code(s, reply->code)) == 0) {
	no_code_reply(reply, s);
	if (tag && isdigit((unsigned char) tag[0]) && enhanced_len(s)) {
	    /* The trap: "error:550 5.1.1 Text" makes 550 the tag. */
	    *warn = "error:CODE D.D.D is read as tag CODE and no code: "
		"sendmail answers 553 5.3.0; write error:D.D.D:CODE text";
	    return (0);
	}
	*warn = taglen == 0 && dsn[0] == 0 ?
	    "error: needs a tag or an enhanced status, then a code and text" :
	    "error: value has no 4xx or 5xx code followed by text";
	return (-1);
    }
    if ((n = enhanced_len(text)) != 0 && isspace((unsigned char) text[n])) {
	if (dsn[0] == 0) {
	    memcpy(dsn, text, n);
	    dsn[n] = 0;
	}
	for (text += n; isspace((unsigned char) *text); text++)
	     /* void */ ;
    }
    if (dsn[0] == 0)
	snprintf(dsn, sizeof(dsn), "%c.%s", reply->code[0],
		 (taglen == 6 && strncasecmp(tag, "nouser", 6) == 0) ? "1.1" : "0.0");
    strcpy(reply->enhanced, dsn);
    copy_text(reply->text, sizeof(reply->text), text);
    if (reply->code[0] != '4' && reply->code[0] != '5')
	*warn = "error: code must be 4xx or 5xx";
    else if (dsn[0] != reply->code[0])
	*warn = "enhanced status class does not match the reply code";
    else if (strpbrk(text, MANGLED_CHARS))
	*warn = "error text has one of " MANGLED_CHARS " (sendmail reads the "
	    "text as address tokens and mangles them)";
    if (*warn)
	return (-1);
    if (tag && !known_tag(tag, taglen))
	*warn = "unknown error: tag (sendmail knows nouser, unavailable, tempfail, ...)";
    return (0);
}
