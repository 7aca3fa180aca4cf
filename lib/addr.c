/*
 * addr.c - parse RFC 5321 envelope addresses.
 *
 * Exports addr_parse(), addr_format() and addr_fold(). The parser is
 * lenient where real mail is (dots, 8-bit bytes, quoted local parts) and
 * strict where a mistake could route mail wrongly (two @ signs, control
 * characters, empty labels, over-long parts).
 */
#include <pthread.h>
#include <string.h>
#include "addr.h"

/* Character classes, one table lookup per byte. */
#define C_LOCAL		(1<<0)		/* may stand unquoted in a local part */
#define C_LABEL		(1<<1)		/* may stand in a domain label */

static unsigned char char_class[256];

static void init_classes(void)
{
    static const char local_specials[] = "<>()[]\\,;:@\" ";
    int     c;

    for (c = 0x21; c < 256; c++) {
	if (c == 0x7f)
	    continue;
	if (strchr(local_specials, c) == 0)
	    char_class[c] |= C_LOCAL;
	if (c >= 0x80 || c == '-' || c == '_' || (c >= '0' && c <= '9')
	    || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
	    char_class[c] |= C_LABEL;
    }
}

static void classes_ready(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, init_classes);
}

static int is_ctl(unsigned char c)
{
    return (c < 0x20 || c == 0x7f);
}

/*
 * Find the @ that separates local part and domain: the first one outside
 * quotes. Quoted strings may stand anywhere in the local part, as in
 * sendmail's tokens ("john doe", c-"x"). Returns -1 on bad quoting.
 */
static int split_at(const char *s, size_t len, size_t *at)
{
    size_t  i;
    int     quoted = 0;

    for (i = 0; i < len && (quoted || s[i] != '@'); i++) {
	if (s[i] == '"')
	    quoted = !quoted;
	else if (quoted && s[i] == '\\' && ++i == len)
	    return (-1);
    }
    *at = i;
    return (quoted ? -1 : 0);
}

/* Unquoted parts may hold only atom characters and dots. */
static const char *check_local(const char *s, size_t len)
{
    size_t  i;
    const unsigned char *u = (const unsigned char *) s;
    int     quoted = 0;

    if (len == 0)
	return ("empty local part");
    if (len > ADDR_MAX_LOCAL)
	return ("local part too long");
    for (i = 0; i < len; i++) {
	if (u[i] == '"')
	    quoted = !quoted;
	else if (quoted && u[i] == '\\')
	    i++;
	else if (!quoted && !(char_class[u[i]] & C_LOCAL))
	    return ("bad character in local part (quote it)");
    }
    return (quoted ? "bad quoting in local part" : 0);
}

static const char *check_domain(const char *s, size_t len)
{
    size_t  i, label = 0;

    if (len == 0)
	return ("empty domain");
    if (len > ADDR_MAX_DOMAIN)
	return ("domain too long");
    if (s[0] == '[')
	return (s[len - 1] == ']' && memchr(s + 1, '[', len - 1) == 0 ?
		0 : "bad address literal");
    for (i = 0; i < len; i++) {
	unsigned char c = s[i];

	if (c == '.') {
	    if (label == 0)
		return ("empty label in domain");
	    label = 0;
	} else if (char_class[c] & C_LABEL) {
	    if (++label > 63)
		return ("domain label too long");
	} else {
	    return ("bad character in domain");
	}
    }
    return (0);
}

/* Skip an obsolete source route "@a,@b:" in front of the mailbox. */
static const char *skip_route(const char *s, size_t *len)
{
    const char *colon;

    if (*len == 0 || s[0] != '@')
	return (s);
    if ((colon = memchr(s, ':', *len)) == 0)
	return (s);
    *len -= colon + 1 - s;
    return (colon + 1);
}

const char *addr_check_domain(const char *domain, size_t len)
{
    classes_ready();
    return (check_domain(domain, len));
}

const char *addr_check_local(const char *local, size_t len)
{
    classes_ready();
    return (check_local(local, len));
}

int     addr_parse(const char *text, ADDR *addr, const char **why)
{
    size_t  len = strlen(text), at, i;
    const char *s = text;
    const char *bad;

    classes_ready();
    for (i = 0; i < len; i++) {
	if (is_ctl((unsigned char) s[i])) {
	    *why = (s[i] == '\r' || s[i] == '\n') ?
		"CR or LF in address" : "control character in address";
	    return (-1);
	}
    }
    if (len >= 2 && s[0] == '<' && s[len - 1] == '>') {
	s++;
	len -= 2;
    } else if (len > 0 && (s[0] == '<' || s[len - 1] == '>')) {
	*why = "unbalanced angle brackets";
	return (-1);
    }
    s = skip_route(s, &len);
    if (len == 0) {
	*why = "empty address";
	return (-1);
    }
    if (split_at(s, len, &at) < 0) {
	*why = "bad quoting in local part";
	return (-1);
    }
    if ((bad = check_local(s, at)) != 0) {
	*why = bad;
	return (-1);
    }
    memcpy(addr->local, s, at);
    addr->local[at] = 0;
    addr->domain[0] = 0;
    if (at == len)
	return (0);
    s += at + 1;
    len -= at + 1;
    if (len > 1 && s[len - 1] == '.')
	len--;
    if ((bad = check_domain(s, len)) != 0) {
	*why = memchr(s, '@', len) ? "more than one @" : bad;
	return (-1);
    }
    memcpy(addr->domain, s, len);
    addr->domain[len] = 0;
    return (0);
}

int     addr_format(const ADDR *addr, char *buf, size_t len)
{
    size_t  l = strlen(addr->local), d = strlen(addr->domain);
    size_t  need = l + (d ? d + 1 : 0) + 1;

    if (need > len)
	return (-1);
    memcpy(buf, addr->local, l);
    if (d) {
	buf[l] = '@';
	memcpy(buf + l + 1, addr->domain, d);
    }
    buf[need - 1] = 0;
    return (0);
}

void    addr_unquote(char *dst, const char *src)
{
    for (; *src; src++) {
	if (*src == '"')
	    continue;
	if (*src == '\\' && src[1])
	    src++;
	*dst++ = *src;
    }
    *dst = 0;
}

void    addr_fold(char *dst, const char *src)
{
    for (; *src; src++, dst++)
	*dst = (*src >= 'A' && *src <= 'Z') ? *src + ('a' - 'A') : *src;
    *dst = 0;
}
