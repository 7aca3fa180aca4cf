/*
 * mapreply.c - turn one resolution into a lookup table's answer.
 *
 * Exports mapreply_table() and mapreply_answer(). The same resolution
 * decides the milter's action at RCPT; these are the rules that give an
 * MTA's tables the same outcome:
 *
 *   virtual  A forward answers the whole list the milter would add, each
 *            member already final: looked up again (Postfix does, for
 *            every member) it answers NOTFOUND, or a list holding itself,
 *            which stops Postfix's recursion just as the resolver's own
 *            rule for a list that names its address. Nothing to do, a
 *            permanent rejection (the access table's business), and
 *            validate mode answer NOTFOUND.
 *   access   A rejection answers "CODE ENHANCED TEXT", which Postfix's
 *            check_recipient_access gives the client as the reply; a 4xx
 *            one (loop, expansion over the limit) too. Anything else
 *            answers NOTFOUND.
 *
 * A loop or an expansion over a limit (the resolver's 4xx rejections)
 * answer TEMP in the virtual table, so that the MTA defers rather than
 * delivering to the original. A map that cannot be read answers TEMP in
 * both, unless failures are to be accepted, as the milter's on_map_error
 * = accept does: then NOTFOUND, the address passes unchanged.
 */
#include <stdio.h>
#include <string.h>
#include "mapreply.h"

int     mapreply_table(const char *name, size_t len)
{
    if (len == 7 && memcmp(name, "virtual", 7) == 0)
	return (MAPREPLY_VIRTUAL);
    if (len == 6 && memcmp(name, "access", 6) == 0)
	return (MAPREPLY_ACCESS);
    return (-1);
}

static MAPREPLY_STATUS temp(const MAPREPLY_LIMITS *limits, char *text,
			            size_t len, const char *why)
{
    if (limits->accept_on_error)
	return (MAPREPLY_NOTFOUND);
    snprintf(text, len, "%s", why);
    return (MAPREPLY_TEMP);
}

/* The list of new recipients, comma-separated. */
static MAPREPLY_STATUS forward_list(const VUT_RESULT *res,
				            const MAPREPLY_LIMITS *limits,
				            char *text, size_t len)
{
    size_t  i, used = 0, n;

    if (res->nrcpt == 0)
	return (temp(limits, text, len, "the map gave no new recipient"));
    if (res->nrcpt > limits->max_added)
	return (temp(limits, text, len, "too many recipients after "
		     "rewriting (max_added_recipients)"));
    for (i = 0; i < res->nrcpt; i++) {
	n = strlen(res->rcpt[i]);
	if (used + n + 2 > len)
	    return (temp(limits, text, len, "the list of recipients is "
			 "too long for a reply"));
	if (i)
	    text[used++] = ',';
	memcpy(text + used, res->rcpt[i], n);
	used += n;
    }
    text[used] = 0;
    return (MAPREPLY_OK);
}

static MAPREPLY_STATUS reject_reply(const REPLY *reply, char *text,
				            size_t len)
{
    int     n;

    n = snprintf(text, len, "%s%s%s %s", reply->code,
		 reply->enhanced[0] ? " " : "", reply->enhanced, reply->text);
    if (n >= 0 && (size_t) n < len)
	return (MAPREPLY_OK);
    snprintf(text, len, "reply too long");
    return (MAPREPLY_TEMP);
}

static MAPREPLY_STATUS virtual_answer(const VUT_RESULT *res,
				              const MAPREPLY_LIMITS *limits,
				              char *text, size_t len)
{
    switch (res->status) {
    case VUT_FORWARD:
	if (!limits->rewrite)
	    return (MAPREPLY_NOTFOUND);
	return (forward_list(res, limits, text, len));
    case VUT_REJECT:
	if (res->reply.code[0] != '4')
	    return (MAPREPLY_NOTFOUND);
	snprintf(text, len, "%s", res->reply.text);
	return (MAPREPLY_TEMP);
    case VUT_ERROR:
	return (temp(limits, text, len, res->why[0] ? res->why :
		     "lookup error"));
    case VUT_NONE:
    default:
	return (MAPREPLY_NOTFOUND);
    }
}

static MAPREPLY_STATUS access_answer(const VUT_RESULT *res,
				             const MAPREPLY_LIMITS *limits,
				             char *text, size_t len)
{
    switch (res->status) {
    case VUT_REJECT:
	return (reject_reply(&res->reply, text, len));
    case VUT_ERROR:
	return (temp(limits, text, len, res->why[0] ? res->why :
		     "lookup error"));
    case VUT_FORWARD:
    case VUT_NONE:
    default:
	return (MAPREPLY_NOTFOUND);
    }
}

MAPREPLY_STATUS mapreply_answer(MAPREPLY_TABLE table, const VUT_RESULT *res,
				        const MAPREPLY_LIMITS *limits,
				        char *text, size_t len)
{
    text[0] = 0;
    if (table == MAPREPLY_ACCESS)
	return (access_answer(res, limits, text, len));
    return (virtual_answer(res, limits, text, len));
}
