/*
 * milter-baseline.c - the do-little milter bench/milter measures
 * mailswitch-milter against. At RCPT it remembers the recipient; at end
 * of message it deletes each one and adds it back rewritten by a fixed
 * rule (user@domain -> user@lima.domain), with ORCPT=rfc822;original
 * through smfi_addrcpt_par as mailswitch-milter does. It negotiates
 * exactly as milter/filter.c does: every step but RCPT and end of
 * message away, no replies to them, only {i} asked for. No map, no
 * logging.
 *
 * usage: milter-baseline SOCKET     (unix:/path or inet:port@host)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmilter/mfapi.h>

#define MAXRCPT 64

typedef struct {
    int     n;
    char   *rcpt[MAXRCPT];
} PRIV;

static sfsistat negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
			  unsigned long f2, unsigned long f3,
			  unsigned long *pf0, unsigned long *pf1,
			  unsigned long *pf2, unsigned long *pf3)
{
    unsigned long steps = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL
	| SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOUNKNOWN
	| SMFIP_NODATA | SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL
	| SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_HDR | SMFIP_NR_EOH
	| SMFIP_NR_BODY;

    (void) f2;
    (void) f3;
    if ((f0 & (SMFIF_ADDRCPT | SMFIF_DELRCPT)) != (SMFIF_ADDRCPT | SMFIF_DELRCPT))
	return (SMFIS_REJECT);
    *pf0 = SMFIF_ADDRCPT | SMFIF_DELRCPT
	| (f0 & (SMFIF_SETSYMLIST | SMFIF_ADDRCPT_PAR));
    *pf1 = f1 & steps;
    *pf2 = *pf3 = 0;
    if (*pf0 & SMFIF_SETSYMLIST) {
	(void) smfi_setsymlist(ctx, SMFIM_ENVRCPT, "{i}");
	(void) smfi_setsymlist(ctx, SMFIM_EOM, "{i}");
    }
    if (smfi_getpriv(ctx) == 0)
	smfi_setpriv(ctx, calloc(1, sizeof(PRIV)));
    return (SMFIS_CONTINUE);
}

static void reset(PRIV *p)
{
    while (p && p->n > 0)
	free(p->rcpt[--p->n]);
}

static sfsistat rcpt(SMFICTX *ctx, char **argv)
{
    PRIV   *p = smfi_getpriv(ctx);

    if (p == 0 || p->n >= MAXRCPT || (p->rcpt[p->n] = strdup(argv[0])) == 0)
	return (SMFIS_TEMPFAIL);
    p->n++;
    return (SMFIS_CONTINUE);
}

static sfsistat eom(SMFICTX *ctx)
{
    PRIV   *p = smfi_getpriv(ctx);
    char    bare[512], addr[600], args[600], *at;
    int     i, bad = 0;

    for (i = 0; p && i < p->n; i++) {
	snprintf(bare, sizeof(bare), "%s", p->rcpt[i] + (p->rcpt[i][0] == '<'));
	bare[strcspn(bare, ">")] = 0;
	if ((at = strchr(bare, '@')) == 0)
	    continue;
	*at = 0;
	snprintf(addr, sizeof(addr), "<%s@lima.%s>", bare, at + 1);
	*at = '@';
	snprintf(args, sizeof(args), "ORCPT=rfc822;%s", bare);
	bad |= smfi_delrcpt(ctx, p->rcpt[i]) != MI_SUCCESS;
	bad |= smfi_addrcpt_par(ctx, addr, args) != MI_SUCCESS;
    }
    reset(p);
    return (bad ? SMFIS_TEMPFAIL : SMFIS_CONTINUE);
}

static sfsistat abort_(SMFICTX *ctx)
{
    reset(smfi_getpriv(ctx));
    return (SMFIS_CONTINUE);
}

static sfsistat close_(SMFICTX *ctx)
{
    PRIV   *p = smfi_getpriv(ctx);

    reset(p);
    free(p);
    smfi_setpriv(ctx, 0);
    return (SMFIS_CONTINUE);
}

int     main(int argc, char **argv)
{
    struct smfiDesc d;

    memset(&d, 0, sizeof(d));
    d.xxfi_name = "baseline";
    d.xxfi_version = SMFI_VERSION;
    d.xxfi_flags = SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_ADDRCPT_PAR
	| SMFIF_SETSYMLIST;
    d.xxfi_envrcpt = rcpt;
    d.xxfi_eom = eom;
    d.xxfi_abort = abort_;
    d.xxfi_close = close_;
    d.xxfi_negotiate = negotiate;
    if (argc != 2 || smfi_setconn(argv[1]) == MI_FAILURE
	|| smfi_register(d) == MI_FAILURE) {
	fprintf(stderr, "usage: milter-baseline SOCKET\n");
	return (1);
    }
    return (smfi_main() == MI_SUCCESS ? 0 : 1);
}
