/*
 * db_pg.c - the PostgreSQL backend of db.h, over libpq.
 *
 * Statements: '?' placeholders are rewritten to $n (db_pg_rewrite), then
 * prepared once per connection under a generated name (PQprepare) and run
 * with PQexecPrepared; a statement outside the cache runs with
 * PQexecParams and leaves nothing on the server.  Parameter types are left
 * to the server to infer from the SQL; integers and text go as text, blobs
 * in binary.  Results come in text format and are read whole at the first
 * db_step: text format serves every type (BIGINT, INTEGER, NUMERIC from
 * SUM, BOOLEAN 't'/'f', BYTEA in hex, decoded on demand).
 *
 * Every connection sets lock_timeout (the options' busy_ms, so a lock wait
 * ends as ERR_BUSY like SQLite's busy timeout), TimeZone UTC and hex bytea
 * output; read connections are read-only by default.  A connection found
 * broken is re-established before use and loses its prepared statements.
 *
 * Never logged: bound values (they are not in the SQL we log) and the
 * DETAIL of errors, which repeats values ("Key (email)=(...) exists"); the
 * primary message of data exceptions (class 22) quotes the value too and
 * is left out.  URLs are logged through db_url_redact.
 *
 * XXX: a cached statement whose table changed shape after it was prepared
 * fails once with 0A000 ("cached plan must not change result type"); only
 * migrations change tables, and they run before serving.
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "store/db_int.h"
#include "core/banned.h"

/* Type OIDs from pg_type.h (server headers are not needed for three). */
#define PG_BOOLOID 16
#define PG_BYTEAOID 17

/* The advisory lock that serialises migrations of one database: "Infuus". */
#define PG_MIGRATE_LOCK "SELECT pg_advisory_lock(79431330506611)"
#define PG_MIGRATE_UNLOCK "SELECT pg_advisory_unlock(79431330506611)"

/*
 * Every node's writer takes this lock (for the transaction) before a batch,
 * so the writers of one database take turns.  A batch is one transaction
 * that holds the access-log head of every organisation its jobs touched
 * until it commits; two nodes' batches that touch two organisations in
 * opposite orders would each wait for the other's head, and PostgreSQL
 * breaks such a deadlock after a second by failing one of them, whose
 * callers would hear "busy" (tests/unit/test_audit.c).  Turns cost little:
 * each node's writer already runs one batch at a time, and the heads made
 * writers of one organisation wait for each other anyway.
 */
#define PG_WRITE_LOCK "SELECT pg_advisory_xact_lock(79431330506612)"

/* A parameter buffer or decoded column larger than this is freed when the
 * statement goes back to the cache, so one big upload does not pin memory
 * in every cached statement it passed through. */
#define PG_KEEP_BYTES (64 * 1024)

struct pg_db {
	char *url;
	int busy_ms;
};

struct pg_conn {
	struct db_conn base;
	PGconn *h;
	struct pg_db *pd;
	unsigned names; /* prepared statements named so far */
	unsigned gen;   /* sessions so far: a reconnect loses prepared ones */
};

struct pg_param {
	struct buf val;
	bool null;
	bool binary;
};

struct pg_col {
	struct buf dec; /* decoded bytea */
	int row;        /* the row dec holds, or -1 */
};

struct pg_stmt {
	struct db_stmt base;
	char name[16];  /* empty when not prepared on the server */
	unsigned gen;   /* the session it was prepared in */
	struct buf sql; /* the rewritten SQL */
	int nparams;
	struct pg_param *params;
	const char **pv;
	int *pl, *pf;
	PGresult *res;
	bool executed;
	int row, nrows;
	struct pg_col *cols;
	int ncols;
};

static struct pg_conn *
pg_conn(struct db_conn *c)
{
	return (struct pg_conn *)c;
}

static struct pg_stmt *
pg_stmt(struct db_stmt *st)
{
	return (struct pg_stmt *)st;
}

/* --- Placeholders ------------------------------------------------------- */

static bool
is_ident(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_' || (unsigned char)ch >= 0x80;
}

/* Where the token starting at p (a quote, comment or dollar quote) ends,
 * or p itself when p starts none of them. */
static const char *
skip_token(const char *sql, const char *p)
{
	const char *q;

	if (*p == '\'') {
		/* E'...' strings have backslash escapes; plain ones do not
		 * (standard_conforming_strings, on since PostgreSQL 9.1). */
		bool esc = p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
		    (p - 1 == sql || !is_ident(p[-2]));

		for (q = p + 1; *q; q++) {
			if (esc && *q == '\\' && q[1]) {
				q++;
			} else if (*q == '\'') {
				if (q[1] != '\'')
					return q + 1;
				q++;
			}
		}
		return q;
	}
	if (*p == '"') {
		for (q = p + 1; *q; q++) {
			if (*q == '"') {
				if (q[1] != '"')
					return q + 1;
				q++;
			}
		}
		return q;
	}
	if (p[0] == '-' && p[1] == '-')
		return p + strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		int depth = 1; /* PostgreSQL's block comments nest */

		for (q = p + 2; *q && depth > 0;) {
			if (q[0] == '/' && q[1] == '*') {
				depth++;
				q += 2;
			} else if (q[0] == '*' && q[1] == '/') {
				depth--;
				q += 2;
			} else {
				q++;
			}
		}
		return q;
	}
	if (*p == '$' && (p == sql || !is_ident(p[-1])) &&
	    !(p[1] >= '0' && p[1] <= '9')) {
		const char *end;
		size_t taglen;

		for (q = p + 1; is_ident(*q) && *q != '$'; q++)
			;
		if (*q != '$')
			return p;
		taglen = (size_t)(q - p + 1);
		end = memmem(q + 1, strlen(q + 1), p, taglen);
		return end ? end + taglen : q + 1 + strlen(q + 1);
	}
	return p;
}

void
db_pg_rewrite(const char *sql, struct buf *out, int *nparams)
{
	const char *p = sql, *q;
	int n = 0;

	buf_reset(out);
	while (*p) {
		if ((q = skip_token(sql, p)) != p) {
			buf_add(out, p, (size_t)(q - p));
			p = q;
		} else if (*p == '?') {
			buf_printf(out, "$%d", ++n);
			p++;
		} else {
			buf_addch(out, *p++);
		}
	}
	*nparams = n;
}

/* --- Errors ------------------------------------------------------------- */

/* Map a SQLSTATE to ERR_CONFLICT, ERR_BUSY or ERR_DB. */
static int
sqlstate_err(const char *state)
{
	if (state == NULL || strlen(state) != 5)
		return ERR_DB;
	if (strncmp(state, "23", 2) == 0)
		return ERR_CONFLICT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0)
		return ERR_BUSY;
	return ERR_DB;
}

/* libpq's messages end in a newline (some span two lines). */
static int
msglen(const char *msg)
{
	size_t n = strlen(msg);

	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	return n > 1000 ? 1000 : (int)n;
}

static int
pg_err(PGconn *h, const PGresult *res, const char *sql)
{
	const char *state = NULL, *msg = NULL, *cons = NULL;
	int e;

	if (res) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		cons = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	}
	if (state == NULL)
		msg = PQerrorMessage(h); /* lost connection and the like */
	else if (strncmp(state, "22", 2) == 0)
		msg = "(data exception; message withheld: it quotes values)";
	e = sqlstate_err(state);
	if (e == ERR_CONFLICT)
		log_debug("db_conflict", "backend=postgres state=%s "
		    "constraint=%s sql=\"%.200s\"", state, cons ? cons : "-",
		    sql);
	else if (e == ERR_BUSY)
		log_warn("db_busy", "backend=postgres state=%s sql=\"%.200s\"",
		    state, sql);
	else
		log_err("db_error", "backend=postgres state=%s msg=\"%.*s\" "
		    "sql=\"%.200s\"", state ? state : "-",
		    msg ? msglen(msg) : 1, msg ? msg : "-", sql);
	return e;
}

/* Run a statement without parameters or results that we care about. */
static int
pg_simple(PGconn *h, const char *sql)
{
	PGresult *res = PQexec(h, sql);
	ExecStatusType s = PQresultStatus(res);
	int rc = 0;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		rc = pg_err(h, res, sql);
	PQclear(res);
	return rc;
}

/* --- Database and connections ------------------------------------------- */

static void
pg_notice(void *arg, const char *msg)
{
	/* "relation already exists, skipping" and friends: not for stderr. */
	(void)arg;
	(void)msg;
}

static int
pg_open(struct db *db, const char *target, const struct db_opts *o,
    void **impl)
{
	struct pg_db *pd = xcalloc(1, sizeof(*pd));

	pd->url = xstrdup(target);
	pd->busy_ms = o->busy_ms;
	*impl = pd;
	return 0;
}

static void
pg_close(void *impl)
{
	struct pg_db *pd = impl;

	explicit_bzero(pd->url, strlen(pd->url)); /* may hold a password */
	free(pd->url);
	free(pd);
}

static int
pg_setup(struct pg_conn *c)
{
	struct buf sql = BUF_INIT;
	int rc;

	PQsetNoticeProcessor(c->h, pg_notice, NULL);
	buf_printf(&sql, "SET lock_timeout = %d; SET TimeZone = 'UTC'; "
	    "SET bytea_output = 'hex'; SET client_min_messages = 'warning'%s",
	    c->pd->busy_ms,
	    c->base.writer ? "" : "; SET default_transaction_read_only = on");
	rc = pg_simple(c->h, sql.p);
	buf_release(&sql);
	return rc;
}

static int
pg_conn_open(struct db *db, void *impl, bool writer, struct db_conn **out)
{
	static const char *const keys[] = {
		"connect_timeout", "application_name", "client_encoding",
		"dbname", NULL
	};
	struct pg_db *pd = impl;
	const char *vals[] = { "10", "infuus", "UTF8", pd->url, NULL };
	struct pg_conn *c;
	int rc;

	c = xcalloc(1, sizeof(*c));
	c->base.ops = &db_pg_ops;
	c->base.db = db;
	c->base.writer = writer;
	c->pd = pd;
	/* Keywords before dbname are defaults the URL may override. */
	c->h = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(c->h) != CONNECTION_OK) {
		/* libpq's message names host and user, never the password. */
		log_err("db_open", "backend=postgres error=\"%.*s\"",
		    msglen(PQerrorMessage(c->h)), PQerrorMessage(c->h));
		rc = ERR_DB;
		goto fail;
	}
	if ((rc = pg_setup(c)) != 0)
		goto fail;
	*out = &c->base;
	return 0;
fail:
	PQfinish(c->h);
	free(c);
	return rc;
}

static void
pg_conn_close(struct db_conn *dc)
{
	struct pg_conn *c = pg_conn(dc);

	PQfinish(c->h);
	free(c);
}

/* A new session after the old one broke (server restart, network).  The
 * statements of the connection re-prepare themselves when next run. */
static int
pg_reconnect(struct pg_conn *c)
{
	log_warn("db_reconnect", "backend=postgres");
	PQreset(c->h);
	c->gen++;
	if (PQstatus(c->h) != CONNECTION_OK) {
		log_err("db_reconnect", "backend=postgres error=\"%.*s\"",
		    msglen(PQerrorMessage(c->h)), PQerrorMessage(c->h));
		return ERR_DB;
	}
	return pg_setup(c);
}

static int
pg_conn_check(struct db_conn *dc)
{
	struct pg_conn *c = pg_conn(dc);

	int rc;

	if (PQstatus(c->h) == CONNECTION_OK)
		return 0;
	return (rc = pg_reconnect(c)) == 0 ? 1 : rc;
}

static bool
pg_in_txn(struct db_conn *dc)
{
	PGTransactionStatusType t = PQtransactionStatus(pg_conn(dc)->h);

	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

static int
pg_txn(struct db_conn *dc, enum db_txn op)
{
	static const char *const sql[] = {
		[DB_TXN_BEGIN_WRITE] = "BEGIN",
		[DB_TXN_BEGIN_SNAPSHOT] =
		    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
		[DB_TXN_COMMIT] = "COMMIT",
		[DB_TXN_ROLLBACK] = "ROLLBACK",
		[DB_TXN_SAVEPOINT] = "SAVEPOINT job",
		[DB_TXN_RELEASE] = "RELEASE SAVEPOINT job",
		[DB_TXN_ROLLBACK_TO] = "ROLLBACK TO SAVEPOINT job",
	};
	struct pg_conn *c = pg_conn(dc);
	int rc;

	ASSERT(op >= 0 && op <= DB_TXN_ROLLBACK_TO);
	/* COMMIT of a failed transaction answers "ROLLBACK" without an
	 * error; it must not pass for a commit. */
	if (op == DB_TXN_COMMIT && PQtransactionStatus(c->h) == PQTRANS_INERROR) {
		log_err("db_error", "backend=postgres error=\"commit of a "
		    "failed transaction\"");
		return ERR_DB;
	}
	if ((rc = pg_simple(c->h, sql[op])) != 0 || op != DB_TXN_BEGIN_WRITE)
		return rc;
	/* Waits at most lock_timeout (busy_ms), as a row lock would. */
	if ((rc = pg_simple(c->h, PG_WRITE_LOCK)) != 0)
		(void)pg_simple(c->h, "ROLLBACK");
	return rc;
}

static int
pg_migrate_lock(struct db_conn *dc, bool take)
{
	struct pg_conn *c = pg_conn(dc);
	struct buf sql = BUF_INIT;
	int rc;

	if (!take)
		return pg_simple(c->h, PG_MIGRATE_UNLOCK);
	/* Another node may migrate for longer than lock_timeout. */
	if ((rc = pg_simple(c->h, "SET lock_timeout = 0")) != 0)
		return rc;
	rc = pg_simple(c->h, PG_MIGRATE_LOCK);
	buf_printf(&sql, "SET lock_timeout = %d", c->pd->busy_ms);
	if (pg_simple(c->h, sql.p) != 0 && rc == 0)
		rc = ERR_DB;
	buf_release(&sql);
	return rc;
}

/* --- Statements --------------------------------------------------------- */

static int
pg_server_prepare(struct pg_conn *c, struct pg_stmt *st, const char *sql)
{
	PGresult *res = PQprepare(c->h, st->name, st->sql.p, 0, NULL);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_err(c->h, res, sql);
	PQclear(res);
	st->gen = c->gen;
	return rc;
}

static int
pg_prepare(struct db_conn *dc, const char *sql, bool cached,
    struct db_stmt **out)
{
	struct pg_conn *c = pg_conn(dc);
	struct pg_stmt *st;
	int i, rc;

	st = xcalloc(1, sizeof(*st));
	buf_init(&st->sql);
	db_pg_rewrite(sql, &st->sql, &st->nparams);
	if (cached) {
		snprintf(st->name, sizeof(st->name), "s%u", ++c->names);
		if ((rc = pg_server_prepare(c, st, sql)) != 0) {
			buf_release(&st->sql);
			free(st);
			return rc;
		}
	}
	db_count_prepare(dc->db);
	if (st->nparams > 0) {
		size_t n = (size_t)st->nparams;

		st->params = xcalloc(n, sizeof(*st->params));
		st->pv = xcalloc(n, sizeof(*st->pv));
		st->pl = xcalloc(n, sizeof(*st->pl));
		st->pf = xcalloc(n, sizeof(*st->pf));
		for (i = 0; i < st->nparams; i++) {
			buf_init(&st->params[i].val);
			st->params[i].null = true;
		}
	}
	st->row = -1;
	*out = &st->base;
	return 0;
}

static void
pg_reset(struct db_stmt *dst)
{
	struct pg_stmt *st = pg_stmt(dst);
	int i;

	PQclear(st->res);
	st->res = NULL;
	st->executed = false;
	st->row = -1;
	st->nrows = 0;
	for (i = 0; i < st->nparams; i++) {
		struct pg_param *p = &st->params[i];

		p->null = true;
		p->binary = false;
		if (p->val.cap > PG_KEEP_BYTES)
			buf_release(&p->val);
	}
	for (i = 0; i < st->ncols; i++) {
		st->cols[i].row = -1;
		if (st->cols[i].dec.cap > PG_KEEP_BYTES)
			buf_release(&st->cols[i].dec);
	}
}

static void
pg_finalize(struct db_stmt *dst)
{
	struct pg_stmt *st = pg_stmt(dst);
	int i;

	/* A named statement dies with its connection; the cache keeps it for
	 * as long, so there is nothing to DEALLOCATE. */
	PQclear(st->res);
	for (i = 0; i < st->nparams; i++)
		buf_release(&st->params[i].val);
	for (i = 0; i < st->ncols; i++)
		buf_release(&st->cols[i].dec);
	free(st->params);
	free(st->pv);
	free(st->pl);
	free(st->pf);
	free(st->cols);
	buf_release(&st->sql);
	free(st);
}

static struct pg_param *
pg_param(struct db_stmt *dst, int idx)
{
	struct pg_stmt *st = pg_stmt(dst);

	if (idx < 1 || idx > st->nparams)
		return NULL;
	return &st->params[idx - 1];
}

static int
pg_bind_i64(struct db_stmt *st, int idx, int64_t v)
{
	struct pg_param *p = pg_param(st, idx);

	if (p == NULL)
		return ERR_INVAL;
	buf_reset(&p->val);
	buf_printf(&p->val, "%" PRId64, v);
	p->null = false;
	p->binary = false;
	return 0;
}

static int
pg_bind_text(struct db_stmt *st, int idx, const char *s, size_t len)
{
	struct pg_param *p = pg_param(st, idx);

	/* Text parameters travel NUL-terminated; PostgreSQL's text cannot
	 * hold a NUL anyway. */
	if (p == NULL || memchr(s, '\0', len) != NULL)
		return ERR_INVAL;
	if (len > (size_t)INT32_MAX)
		return ERR_TOOBIG;
	buf_reset(&p->val);
	buf_add(&p->val, s, len);
	p->null = false;
	p->binary = false;
	return 0;
}

static int
pg_bind_blob(struct db_stmt *st, int idx, const void *v, size_t len)
{
	struct pg_param *p = pg_param(st, idx);

	if (p == NULL)
		return ERR_INVAL;
	if (len > (size_t)INT32_MAX)
		return ERR_TOOBIG;
	buf_reset(&p->val);
	buf_add(&p->val, v, len);
	p->null = false;
	p->binary = true;
	return 0;
}

static int
pg_bind_null(struct db_stmt *st, int idx)
{
	struct pg_param *p = pg_param(st, idx);

	if (p == NULL)
		return ERR_INVAL;
	p->null = true;
	return 0;
}

static PGresult *
pg_run(struct pg_conn *c, struct pg_stmt *st)
{
	int n = st->nparams;

	if (st->name[0] && st->gen != c->gen &&
	    pg_server_prepare(c, st, st->base.sql) != 0)
		return NULL;
	if (st->name[0])
		return PQexecPrepared(c->h, st->name, n, st->pv, st->pl, st->pf,
		    0);
	return PQexecParams(c->h, st->sql.p, n, NULL, st->pv, st->pl, st->pf,
	    0);
}

static int
pg_execute(struct pg_stmt *st)
{
	struct pg_conn *c = pg_conn(st->base.conn);
	ExecStatusType s;
	bool idle = PQtransactionStatus(c->h) == PQTRANS_IDLE;
	int i, n = st->nparams;

	for (i = 0; i < n; i++) {
		struct pg_param *p = &st->params[i];

		st->pv[i] = p->null ? NULL : p->val.p;
		st->pl[i] = (int)p->val.len;
		st->pf[i] = p->binary ? 1 : 0;
	}
	st->res = pg_run(c, st);
	/* A read outside a transaction found its session gone (the server
	 * restarted): it may run again on a new one, as it changed nothing.
	 * A write may not: it might have committed before the line broke. */
	if (PQstatus(c->h) == CONNECTION_BAD && idle && !c->base.writer &&
	    pg_reconnect(c) == 0) {
		PQclear(st->res);
		st->res = pg_run(c, st);
	}
	s = PQresultStatus(st->res);
	if (s == PGRES_TUPLES_OK) {
		int nf = PQnfields(st->res);

		st->nrows = PQntuples(st->res);
		if (nf > st->ncols) {
			st->cols = xrealloc(st->cols,
			    st_mul((size_t)nf, sizeof(*st->cols)));
			for (i = st->ncols; i < nf; i++)
				buf_init(&st->cols[i].dec);
			st->ncols = nf;
		}
		for (i = 0; i < st->ncols; i++)
			st->cols[i].row = -1;
		return 0;
	}
	if (s == PGRES_COMMAND_OK) {
		st->nrows = 0;
		return 0;
	}
	i = pg_err(c->h, st->res, st->base.sql);
	PQclear(st->res);
	st->res = NULL;
	return i;
}

static int
pg_step(struct db_stmt *dst)
{
	struct pg_stmt *st = pg_stmt(dst);
	int rc;

	if (!st->executed) {
		st->executed = true;
		if ((rc = pg_execute(st)) != 0)
			return rc;
	}
	if (st->row < st->nrows)
		st->row++;
	return st->row < st->nrows ? DB_ROW : DB_DONE;
}

/* The value of col in the current row, or NULL when there is none. */
static const char *
pg_value(struct pg_stmt *st, int col, int *len)
{
	if (st->res == NULL || st->row < 0 || st->row >= st->nrows ||
	    col < 0 || col >= PQnfields(st->res) ||
	    PQgetisnull(st->res, st->row, col))
		return NULL;
	*len = PQgetlength(st->res, st->row, col);
	return PQgetvalue(st->res, st->row, col);
}

static bool
pg_col_null(struct db_stmt *dst, int col)
{
	int len;

	return pg_value(pg_stmt(dst), col, &len) == NULL;
}

static int64_t
pg_col_i64(struct db_stmt *dst, int col)
{
	struct pg_stmt *st = pg_stmt(dst);
	const char *v;
	int64_t n;
	int len;

	if ((v = pg_value(st, col, &len)) == NULL)
		return 0;
	if (num_parse_i64((struct str){ v, (size_t)len }, INT64_MIN, INT64_MAX,
	    &n) == 0)
		return n;
	if (PQftype(st->res, col) == PG_BOOLOID)
		return v[0] == 't';
	/* NUMERIC and floating point: truncate as SQLite does. */
	return (int64_t)strtod(v, NULL);
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static struct str
pg_col_blob(struct db_stmt *dst, int col)
{
	struct pg_stmt *st = pg_stmt(dst);
	struct pg_col *pc;
	const char *v;
	size_t i, n;
	int len;

	if ((v = pg_value(st, col, &len)) == NULL)
		return STR_NULL;
	if (PQftype(st->res, col) != PG_BYTEAOID)
		return (struct str){ v, (size_t)len };
	pc = &st->cols[col];
	if (pc->row == st->row)
		return buf_str(&pc->dec);
	/* bytea_output = 'hex' (set per connection): "\x" then pairs. */
	buf_reset(&pc->dec);
	if (len < 2 || v[0] != '\\' || v[1] != 'x' || (len - 2) % 2 != 0) {
		log_err("db_error", "backend=postgres error=\"bytea not in hex "
		    "format\" sql=\"%.200s\"", dst->sql);
		return STR("");
	}
	n = (size_t)(len - 2) / 2;
	buf_grow(&pc->dec, n);
	for (i = 0; i < n; i++) {
		int hi = hexval(v[2 + 2 * i]), lo = hexval(v[3 + 2 * i]);

		pc->dec.p[i] = (char)((hi << 4) | lo);
	}
	pc->dec.len = n;
	pc->dec.p[n] = '\0';
	pc->row = st->row;
	return buf_str(&pc->dec);
}

static struct str
pg_col_text(struct db_stmt *dst, int col)
{
	return pg_col_blob(dst, col);
}

static int64_t
pg_changes(struct db_stmt *dst)
{
	struct pg_stmt *st = pg_stmt(dst);
	int64_t n = 0;

	if (st->res)
		(void)num_parse_i64(str_c(PQcmdTuples(st->res)), 0, INT64_MAX,
		    &n);
	return n;
}

static int
pg_exec(struct db_conn *dc, const char *sql)
{
	return pg_simple(pg_conn(dc)->h, sql);
}

const struct db_ops db_pg_ops = {
	.kind = DB_POSTGRES,
	.name = "postgres",
	.id_type = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
	.blob_type = "BYTEA",
	.open = pg_open,
	.close = pg_close,
	.conn_open = pg_conn_open,
	.conn_close = pg_conn_close,
	.conn_check = pg_conn_check,
	.in_txn = pg_in_txn,
	.txn = pg_txn,
	.migrate_lock = pg_migrate_lock,
	.prepare = pg_prepare,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.bind_i64 = pg_bind_i64,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_null = pg_col_null,
	.col_i64 = pg_col_i64,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.changes = pg_changes,
	.exec = pg_exec,
};
