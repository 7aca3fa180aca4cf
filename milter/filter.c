/*
 * filter.c - the mail filter proper, a thin front end over the resolver
 * of one map snapshot (mapset_resolve()).
 *
 * Exports filter_register(). Per connection it keeps a CONN (libmilter
 * private data): the generation of the map snapshot of the current
 * transaction, chosen at its first RCPT, and the recipient changes
 * collected so far (txn.h). The snapshot itself is held only while one
 * recipient is resolved, so an idle connection pins no map: every RCPT
 * of a transaction takes the snapshot of its generation again, which the
 * store keeps while it is the current or the previous one. A transaction
 * idle across two reloads has lost its generation: its later recipients
 * are tempfailed rather than resolved against another map than its
 * earlier ones.
 *
 * RCPT: resolve. Reject: answer with the map's reply (4xx tempfails).
 * Forward: remember. Nothing: continue. Cannot say: tempfail, or pass
 * unchanged when on_map_error = accept. End of message: delete each
 * forwarded original exactly as the MTA gave it and add its new
 * recipients, with NOTIFY/ORCPT through smfi_addrcpt_par() when the MTA
 * offers it. Every other protocol step is negotiated away.
 *
 * Every log line about a recipient is one line of key=value pairs after
 * the queue id, for joining with the MTA's own lines:
 *
 *	QID: action=rewrite orig_to=<a@x> to=<b@y> map=/path
 *	QID: action=reject to=<a@x> map=/path code=550 dsn=5.1.1 reply="User unknown"
 *	QID: action=tempfail to=<a@x> code=451 dsn=4.4.6 reply="..." reason="..."
 *	QID: action=keep to=<a@x> reason="on_map_error = accept: ..."
 *
 * A value with white space, '"', '=' or '\' is quoted ("..." with \" and
 * \\); control characters become '?', so one line stays one line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmilter/mfapi.h>
#include "vut.h"
#include "esmtp.h"
#include "global.h"
#include "msg.h"
#include "txn.h"
#include "filter.h"

#define G	milter_global

typedef struct CONN {
    unsigned long generation;		/* this transaction's maps, or 0 */
    int     use_par;			/* smfi_addrcpt_par() negotiated */
    int     mode;			/* CONFIG_MODE when negotiated */
    unsigned long steps;		/* protocol flags negotiated */
    TXN    *txn;
} CONN;

/* Protocol steps the filter does without, and their replies. */
#define STEPS_NOT_NEEDED (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL \
	| SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOUNKNOWN \
	| SMFIP_NODATA)
#define REPLIES_NOT_NEEDED (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL \
	| SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_HDR | SMFIP_NR_EOH \
	| SMFIP_NR_BODY)

/* One log line of key=value pairs. */
typedef struct KV_LINE {
    char    buf[4096];
    size_t  used;
} KV_LINE;

static void kv_put(KV_LINE *l, int ch)
{
    if (l->used + 1 < sizeof(l->buf))
	l->buf[l->used++] = (char) ch;
    l->buf[l->used] = 0;
}

static void kv_text(KV_LINE *l, const char *text)
{
    for (; *text; text++)
	kv_put(l, *text);
}

static int kv_needs_quotes(const char *value)
{
    return (*value == 0 || value[strcspn(value, " \t\"=\\")] != 0);
}

/* Append " KEY=VALUE", VALUE quoted when it must be. */
static void kv_add(KV_LINE *l, const char *key, const char *value)
{
    int     quote = kv_needs_quotes(value);
    unsigned char ch;

    kv_put(l, ' ');
    kv_text(l, key);
    kv_put(l, '=');
    if (quote)
	kv_put(l, '"');
    for (; (ch = (unsigned char) *value) != 0; value++) {
	if (quote && (ch == '"' || ch == '\\'))
	    kv_put(l, '\\');
	kv_put(l, ch < ' ' || ch == 0x7f ? '?' : ch);
    }
    if (quote)
	kv_put(l, '"');
}

/* An address in <brackets>, as MTAs log it. */
static void kv_addr(KV_LINE *l, const char *key, const char *addr)
{
    char    buf[2048];

    snprintf(buf, sizeof(buf), addr[0] == '<' ? "%s" : "<%s>", addr);
    kv_add(l, key, buf);
}

/* Start a line: "QID: action=ACTION to=<RCPT>". */
static void kv_start(KV_LINE *l, const char *qid, const char *action,
		             const char *rcpt)
{
    l->used = 0;
    l->buf[0] = 0;
    kv_text(l, qid);
    kv_put(l, ':');
    kv_add(l, "action", action);
    if (rcpt)
	kv_addr(l, "to", rcpt);
}

/* " map=PATH code=C dsn=D reply=TEXT", what is known of them. */
static void kv_reply(KV_LINE *l, const char *map, const REPLY *reply)
{
    if (map)
	kv_add(l, "map", map);
    if (reply == 0)
	return;
    kv_add(l, "code", reply->code);
    if (reply->enhanced[0])
	kv_add(l, "dsn", reply->enhanced);
    kv_add(l, "reply", reply->text);
}

static const char *queue_id(SMFICTX *ctx)
{
    const char *id;

    if ((id = smfi_getsymval(ctx, "{i}")) == 0)
	id = smfi_getsymval(ctx, "i");
    return (id && *id ? id : "NOQUEUE");
}

static CONN *conn_create(void)
{
    CONN   *conn;

    if ((conn = calloc(1, sizeof(*conn))) == 0)
	return (0);
    if ((conn->txn = txn_create()) == 0) {
	free(conn);
	return (0);
    }
    return (conn);
}

/*
 * The snapshot for this recipient: the current one at a transaction's
 * first RCPT, the same generation after. Null with a reason when the
 * milter is stopping or the generation is no longer kept.
 */
static MAPSET *snapshot_for_rcpt(CONN *conn, const char **why)
{
    MAPSET *set;

    if (conn->generation == 0) {
	if (atomic_load(&G.stopping) || (set = mapset_acquire(&G.maps)) == 0) {
	    *why = "the milter is stopping";
	    return (0);
	}
	conn->generation = mapset_generation(set);
	atomic_fetch_add(&G.in_txn, 1);
	return (set);
    }
    if ((set = mapset_acquire_generation(&G.maps, conn->generation)) == 0)
	*why = "the maps were reloaded twice since the transaction's "
	    "first recipient";
    return (set);
}

static void end_transaction(CONN *conn)
{
    txn_reset(conn->txn);
    if (conn->generation == 0)
	return;
    conn->generation = 0;
    atomic_fetch_sub(&G.in_txn, 1);
}

static void conn_free(CONN *conn)
{
    if (conn == 0)
	return;
    end_transaction(conn);
    txn_free(conn->txn);
    free(conn);
}

/* smfi_setreply() wants no CR/LF and '%' doubled. */
static void reply_text(char *buf, size_t len, const char *text)
{
    size_t  n = 0;

    for (; *text && n + 2 < len; text++) {
	if (*text == '%')
	    buf[n++] = '%';
	buf[n++] = (*text == '\r' || *text == '\n') ? ' ' : *text;
    }
    buf[n] = 0;
}

static void set_reply(SMFICTX *ctx, const REPLY *reply)
{
    char    text[2 * REPLY_TEXT_MAX + 1];

    reply_text(text, sizeof(text), reply->text);
    if (smfi_setreply(ctx, (char *) reply->code,
		      reply->enhanced[0] ? (char *) reply->enhanced : 0,
		      text) != MI_SUCCESS)
	msg_warn("%s: libmilter refused reply \"%s %s %s\"", queue_id(ctx),
		 reply->code, reply->enhanced, reply->text);
}

static sfsistat rcpt_reject(SMFICTX *ctx, const char *rcpt, const char *map,
			            const REPLY *reply)
{
    int     temp = (reply->code[0] == '4');
    KV_LINE line;

    stats_inc(&G.stats, temp ? STATS_TEMPFAILED : STATS_REJECTED);
    kv_start(&line, queue_id(ctx), temp ? "tempfail" : "reject", rcpt);
    kv_reply(&line, map, reply);
    msg_info("%s", line.buf);
    set_reply(ctx, reply);
    return (temp ? SMFIS_TEMPFAIL : SMFIS_REJECT);
}

/* Not now: tempfail, with REPLY if it is a 4xx one. */
static sfsistat rcpt_later(SMFICTX *ctx, const char *rcpt, const char *map,
			           const char *why, const REPLY *reply)
{
    REPLY   fallback;
    KV_LINE line;

    if (reply == 0 || reply->code[0] != '4') {
	reply_set(&fallback, "451", "4.3.0",
		  "Temporary recipient lookup failure, try again later");
	reply = &fallback;
    }
    stats_inc(&G.stats, STATS_TEMPFAILED);
    kv_start(&line, queue_id(ctx), "tempfail", rcpt);
    kv_reply(&line, map, reply);
    kv_add(&line, "reason", why);
    msg_info("%s", line.buf);
    set_reply(ctx, reply);
    return (SMFIS_TEMPFAIL);
}

/* Cannot decide: tempfail, or pass unchanged if so configured. */
static sfsistat rcpt_fail(SMFICTX *ctx, const char *rcpt, const char *map,
			          const char *why, const REPLY *reply)
{
    KV_LINE line;
    char    reason[1024];

    if (LIVE(on_map_error) == CONFIG_ON_ERROR_ACCEPT) {
	stats_inc(&G.stats, STATS_KEPT);
	kv_start(&line, queue_id(ctx), "keep", rcpt);
	if (map)
	    kv_add(&line, "map", map);
	snprintf(reason, sizeof(reason), "on_map_error = accept: %s", why);
	kv_add(&line, "reason", reason);
	msg_info("%s", line.buf);
	return (SMFIS_CONTINUE);
    }
    return (rcpt_later(ctx, rcpt, map, why, reply));
}

/* Over a recipient limit: 452 4.5.3, as MTAs answer their own. */
static sfsistat rcpt_too_many(SMFICTX *ctx, const char *rcpt,
			              const char *text, const char *key,
			              int limit)
{
    REPLY   reply;
    KV_LINE line;
    char    reason[128];

    reply_set(&reply, "452", "4.5.3", text);
    stats_inc(&G.stats, STATS_TEMPFAILED);
    kv_start(&line, queue_id(ctx), "tempfail", rcpt);
    kv_reply(&line, 0, &reply);
    snprintf(reason, sizeof(reason), "%s = %d", key, limit);
    kv_add(&line, "reason", reason);
    msg_info("%s", line.buf);
    set_reply(ctx, &reply);
    return (SMFIS_TEMPFAIL);
}

static sfsistat rcpt_forward(SMFICTX *ctx, CONN *conn, char **argv,
			             const char *map, const VUT_RESULT *res)
{
    char   *args = 0;
    int     rc, dropped = 0, max_added = LIVE(max_added);

    if (conn->mode == CONFIG_MODE_VALIDATE) {
	stats_inc(&G.stats, STATS_KEPT);
	return (SMFIS_CONTINUE);
    }
    if (res->nrcpt == 0)
	return (rcpt_fail(ctx, argv[0], map, "the map gave no new recipient",
			  0));
    if (res->nrcpt > (size_t) max_added
	|| conn->txn->nadded > (size_t) max_added - res->nrcpt)
	return (rcpt_too_many(ctx, argv[0], "Too many recipients after "
			      "rewriting", "max_added_recipients", max_added));
    if (conn->use_par
	&& (args = esmtp_rcpt_args(argv[0], argv + 1, &dropped)) == 0)
	return (rcpt_fail(ctx, argv[0], map, "out of memory", 0));
    if (dropped)
	msg_warn("%s: %s: %s%s%s too long to carry over (%d bytes at "
		 "most); dropped from its new recipients", queue_id(ctx),
		 argv[0], dropped & ESMTP_DROP_NOTIFY ? "NOTIFY" : "",
		 dropped == (ESMTP_DROP_NOTIFY | ESMTP_DROP_ORCPT) ?
		 " and " : "", dropped & ESMTP_DROP_ORCPT ? "ORCPT" : "",
		 ESMTP_ARGS_MAX - 1);
    rc = txn_forward(conn->txn, argv[0], args, map, res->rcpt, res->nrcpt);
    free(args);
    if (rc < 0)
	return (rcpt_fail(ctx, argv[0], map, "out of memory", 0));
    return (SMFIS_CONTINUE);
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
    CONN   *conn = smfi_getpriv(ctx);
    VUT_RESULT res;
    MAPSET *set;
    const char *why, *map;
    sfsistat rc;
    int     map_failed, max_rcpt;

    stats_inc(&G.stats, STATS_RECIPIENTS);
    if (conn == 0 || argv == 0 || argv[0] == 0)
	return (rcpt_fail(ctx, argv && argv[0] ? argv[0] : "<>", 0,
			  "no connection state", 0));
    if ((set = snapshot_for_rcpt(conn, &why)) == 0)
	return (rcpt_later(ctx, argv[0], 0, why, 0));
    if (++conn->txn->nrcpt > (size_t) (max_rcpt = LIVE(max_recipients))) {
	mapset_release(set);
	return (rcpt_too_many(ctx, argv[0], "Too many recipients",
			      "max_recipients", max_rcpt));
    }
    /* MAP points into SET: it is released once the answer is logged. */
    mapset_resolve(set, argv[0], LIVE(hop_limit), &res, &map_failed, &map);
    if (map_failed)
	stats_inc(&G.stats, STATS_MAP_ERRORS);
    switch (res.status) {
    case VUT_NONE:
	stats_inc(&G.stats, STATS_KEPT);
	rc = SMFIS_CONTINUE;
	break;
    case VUT_FORWARD:
	rc = rcpt_forward(ctx, conn, argv, map, &res);
	break;
    case VUT_REJECT:
	rc = rcpt_reject(ctx, argv[0], map, &res.reply);
	break;
    case VUT_ERROR:
    default:
	rc = rcpt_fail(ctx, argv[0], map, res.why[0] ? res.why :
		       "lookup error", &res.reply);
	break;
    }
    mapset_release(set);
    vut_result_free(&res);
    return (rc);
}

/* txn_apply() edits, through libmilter. */
typedef struct EDIT_CTX {
    SMFICTX *ctx;
    CONN   *conn;
} EDIT_CTX;

static int edit_del(void *context, const char *orig)
{
    EDIT_CTX *e = context;

    return (smfi_delrcpt(e->ctx, (char *) orig) == MI_SUCCESS ? 0 : -1);
}

static int edit_add(void *context, const char *rcpt, const char *args)
{
    EDIT_CTX *e = context;
    char    addr[1024];
    int     rc;

    if (snprintf(addr, sizeof(addr), rcpt[0] == '<' ? "%s" : "<%s>",
		 rcpt) >= (int) sizeof(addr))
	return (-1);
    if (e->conn->use_par && args && *args)
	rc = smfi_addrcpt_par(e->ctx, addr, (char *) args);
    else
	rc = smfi_addrcpt(e->ctx, addr);
    return (rc == MI_SUCCESS ? 0 : -1);
}

/*
 * One line per new recipient of a rewritten one; fate=duplicate when
 * another original of the message added it already, fate=kept when it
 * is the original itself.
 */
static void log_forward(const char *qid, const TXN_FORWARD *fwd)
{
    KV_LINE line;
    size_t  i;

    for (i = 0; i < fwd->nrcpt; i++) {
	kv_start(&line, qid, "rewrite", 0);
	kv_addr(&line, "orig_to", fwd->orig);
	kv_addr(&line, "to", fwd->rcpt[i]);
	if (fwd->map)
	    kv_add(&line, "map", fwd->map);
	if (fwd->fate[i] == TXN_DUP)
	    kv_add(&line, "fate", "duplicate");
	else if (fwd->fate[i] == TXN_SELF)
	    kv_add(&line, "fate", "kept");
	msg_info("%s", line.buf);
    }
}

static void log_rewrites(SMFICTX *ctx, TXN *txn)
{
    const char *qid = queue_id(ctx);
    size_t  i;

    for (i = 0; i < txn->nfwd; i++) {
	if (!txn->fwd[i].deleted)
	    continue;
	stats_inc(&G.stats, STATS_REWRITTEN);
	log_forward(qid, txn->fwd + i);
    }
}

static sfsistat cb_eom(SMFICTX *ctx)
{
    static const TXN_EDIT edit = {edit_del, edit_add};
    CONN   *conn = smfi_getpriv(ctx);
    EDIT_CTX e;

    stats_inc(&G.stats, STATS_MESSAGES);
    if (conn == 0)
	return (SMFIS_CONTINUE);
    if (conn->txn->nfwd > 0) {
	e.ctx = ctx;
	e.conn = conn;
	if (txn_apply(conn->txn, &edit, &e) < 0) {
	    msg_error("%s: cannot change the recipients; message tempfailed",
		      queue_id(ctx));
	    stats_inc(&G.stats, STATS_TEMPFAILED);
	    smfi_setreply(ctx, "451", "4.3.0",
			  "Recipient rewriting failed, try again later");
	    end_transaction(conn);
	    return (SMFIS_TEMPFAIL);
	}
	log_rewrites(ctx, conn->txn);
    }
    end_transaction(conn);
    return (SMFIS_CONTINUE);
}

static sfsistat cb_abort(SMFICTX *ctx)
{
    CONN   *conn = smfi_getpriv(ctx);

    if (conn)
	end_transaction(conn);
    return (SMFIS_CONTINUE);
}

static sfsistat cb_close(SMFICTX *ctx)
{
    conn_free(smfi_getpriv(ctx));
    smfi_setpriv(ctx, 0);
    return (SMFIS_CONTINUE);
}

/* Ask for what the mode needs; refuse an MTA that cannot do it. */
static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0,
			             unsigned long f1, unsigned long f2,
			             unsigned long f3, unsigned long *pf0,
			             unsigned long *pf1, unsigned long *pf2,
			             unsigned long *pf3)
{
    unsigned long need = 0, want = SMFIF_SETSYMLIST;
    int     mode = LIVE(mode);
    CONN   *conn;

    (void) f2;
    (void) f3;
    if (mode == CONFIG_MODE_REWRITE) {
	need = SMFIF_ADDRCPT | SMFIF_DELRCPT;
	if (LIVE(esmtp_args))
	    want |= SMFIF_ADDRCPT_PAR;
    }
    if ((f0 & need) != need) {
	msg_error("the MTA does not let filters add and delete recipients "
		  "(actions 0x%lx); refusing the connection", f0);
	return (SMFIS_REJECT);
    }
    if ((conn = conn_create()) == 0) {
	msg_error("out of memory for a new connection");
	return (SMFIS_REJECT);
    }
    *pf0 = need | (f0 & want);
    *pf1 = f1 & (STEPS_NOT_NEEDED | REPLIES_NOT_NEEDED);
    *pf2 = 0;
    *pf3 = 0;
    conn->use_par = (*pf0 & SMFIF_ADDRCPT_PAR) != 0;
    conn->mode = mode;
    conn->steps = *pf1;
    if (*pf0 & SMFIF_SETSYMLIST) {
	(void) smfi_setsymlist(ctx, SMFIM_ENVRCPT, "{i}");
	(void) smfi_setsymlist(ctx, SMFIM_EOM, "{i}");
    }
    conn_free(smfi_getpriv(ctx));
    smfi_setpriv(ctx, conn);
    return (SMFIS_CONTINUE);
}

/*
 * Steps negotiated away are not sent by a current MTA. Should one come
 * anyway, answer nothing if its no-reply flag was granted, else go on.
 */
static sfsistat skip(SMFICTX *ctx, unsigned long no_reply)
{
    CONN   *conn = smfi_getpriv(ctx);

    return (conn && (conn->steps & no_reply) ? SMFIS_NOREPLY :
	    SMFIS_CONTINUE);
}

static sfsistat cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    (void) host;
    (void) addr;
    return (skip(ctx, SMFIP_NR_CONN));
}

static sfsistat cb_helo(SMFICTX *ctx, char *name)
{
    (void) name;
    return (skip(ctx, SMFIP_NR_HELO));
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
    (void) argv;
    return (skip(ctx, SMFIP_NR_MAIL));
}

static sfsistat cb_data(SMFICTX *ctx)
{
    return (skip(ctx, SMFIP_NR_DATA));
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
    (void) name;
    (void) value;
    return (skip(ctx, SMFIP_NR_HDR));
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
    return (skip(ctx, SMFIP_NR_EOH));
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    (void) chunk;
    (void) len;
    return (skip(ctx, SMFIP_NR_BODY));
}

static sfsistat cb_unknown(SMFICTX *ctx, const char *cmd)
{
    (void) cmd;
    return (skip(ctx, SMFIP_NR_UNKN));
}

int     filter_register(void)
{
    struct smfiDesc desc;

    memset(&desc, 0, sizeof(desc));
    desc.xxfi_name = "mailswitch";
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_flags = SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_ADDRCPT_PAR
	| SMFIF_SETSYMLIST;
    desc.xxfi_connect = cb_connect;
    desc.xxfi_helo = cb_helo;
    desc.xxfi_envfrom = cb_envfrom;
    desc.xxfi_envrcpt = cb_envrcpt;
    desc.xxfi_header = cb_header;
    desc.xxfi_eoh = cb_eoh;
    desc.xxfi_body = cb_body;
    desc.xxfi_eom = cb_eom;
    desc.xxfi_abort = cb_abort;
    desc.xxfi_close = cb_close;
    desc.xxfi_unknown = cb_unknown;
    desc.xxfi_data = cb_data;
    desc.xxfi_negotiate = cb_negotiate;
    return (smfi_register(desc) == MI_SUCCESS ? 0 : -1);
}
