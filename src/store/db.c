/*
 * db.c - the store's public API: backend dispatch, per-connection statement
 * caches, opening and closing, and the pool of read connections.  The
 * backends (db_sqlite.c, db_pg.c) only talk to their library; everything
 * the two share lives here, in db_writer.c (the group-commit writer and
 * its syncer) and in db_migrate.c (the migration runner), so they behave
 * alike.
 *
 * Owns: struct db (both pools, the writer thread and its queue, counters;
 * defined in db_int.h because db_writer.c and db_migrate.c share it).
 *
 * Caveats: a job must not call db_write or db_read_begin (the writer would
 * wait for itself; asserted for db_write).
 */
#include "store/db.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/db_int.h"
#include "core/banned.h"

/* --- Statement cache ---------------------------------------------------- */

static uint32_t
sql_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static struct db_stmt *
cache_find(struct db_conn *c, const char *sql, uint32_t h)
{
	size_t i, mask = c->nslots - 1;

	if (c->nslots == 0)
		return NULL;
	for (i = h & mask; c->slots[i].st; i = (i + 1) & mask) {
		struct db_stmt *st = c->slots[i].st;

		if (c->slots[i].hash == h && strcmp(st->sql, sql) == 0)
			return st;
	}
	return NULL;
}

static void
cache_put(struct db_conn *c, struct db_stmt *st)
{
	size_t i, mask;

	if ((c->ncached + 1) * 2 > c->nslots) {
		struct db_stmt_slot *old = c->slots;
		size_t j, n = c->nslots;

		c->nslots = n ? n * 2 : 32;
		c->slots = xcalloc(c->nslots, sizeof(*c->slots));
		c->ncached = 0;
		for (j = 0; j < n; j++)
			if (old[j].st)
				cache_put(c, old[j].st);
		free(old);
	}
	mask = c->nslots - 1;
	for (i = st->hash & mask; c->slots[i].st; i = (i + 1) & mask)
		;
	c->slots[i].hash = st->hash;
	c->slots[i].st = st;
	c->ncached++;
}

static void
stmt_free(struct db_stmt *st)
{
	char *sql = st->sql;

	st->conn->ops->finalize(st);
	free(sql);
}

/* Give back every statement a caller left between prepare and done. */
void
db_conn_reset_active(struct db_conn *c, const char *who)
{
	size_t i;

	if (c->nactive == 0)
		return;
	for (i = 0; i < c->nslots && c->nactive > 0; i++) {
		struct db_stmt *st = c->slots[i].st;

		if (st && st->active) {
			log_warn("db_stmt_leak", "where=%s sql=\"%s\"", who,
			    st->sql);
			db_done(st);
		}
	}
	while (c->uncached) {
		log_warn("db_stmt_leak", "where=%s sql=\"%s\"", who,
		    c->uncached->sql);
		db_done(c->uncached);
	}
	ASSERT(c->nactive == 0);
}

/* Forget every statement (the connection closes or was re-established). */
static void
conn_clear_cache(struct db_conn *c)
{
	size_t i;

	db_conn_reset_active(c, "clear");
	memset(c->recent, 0, sizeof(c->recent));
	for (i = 0; i < c->nslots; i++)
		if (c->slots[i].st)
			stmt_free(c->slots[i].st);
	free(c->slots);
	c->slots = NULL;
	c->nslots = 0;
	c->ncached = 0;
}

static void
conn_destroy(struct db_conn *c)
{
	CNT_ADD(c->db->n_cache_hits, CNT_GET(c->hits));
	CNT_ADD(c->db->n_borrows, CNT_GET(c->borrows));
	conn_clear_cache(c);
	c->ops->conn_close(c);
}

/* On PostgreSQL a failed statement aborts the transaction up to the job's
 * savepoint; SQLite would carry on.  So that a job that ignores an error
 * fails the same on both, the writer remembers the first one (run_fn). */
static int
stmt_failed(struct db_conn *c, int rc)
{
	if (rc < 0 && c->failed == 0)
		c->failed = rc;
	return rc;
}

void
db_count_prepare(struct db *db)
{
	CNT_ADD(db->n_prepares, 1);
}

static struct db_recent *
recent_slot(struct db_conn *c, const char *sql)
{
	uint64_t a = (uint64_t)(uintptr_t)sql * 0x9e3779b97f4a7c15ULL;

	return &c->recent[a >> 58];     /* 64 slots */
}

int
db_prepare(struct db_conn *c, const char *sql, struct db_stmt **out)
{
	struct db_recent *r = recent_slot(c, sql);
	struct db_stmt *st;
	uint32_t h;
	bool cache;
	int rc;

	/* The same address may hold other text by now (a buffer reused):
	 * strcmp decides. */
	if (r->sql == sql && !r->st->active && strcmp(r->st->sql, sql) == 0) {
		st = r->st;
		goto hit;
	}
	h = sql_hash(sql);
	st = cache_find(c, sql, h);
	if (st && !st->active) {
		r->sql = sql;
		r->st = st;
		goto hit;
	}
	/* A statement already in use (nested loops over the same query) gets
	 * a private twin; so does one past the cache's limit. */
	cache = st == NULL && c->ncached < LIMIT_DB_STMT_CACHE;
	if ((rc = c->ops->prepare(c, sql, cache, &st)) != 0)
		return stmt_failed(c, rc);
	st->conn = c;
	st->sql = xstrdup(sql);
	st->hash = h;
	st->cached = cache;
	if (cache) {
		cache_put(c, st);
		r->sql = sql;
		r->st = st;
	} else {
		st->next = c->uncached;
		c->uncached = st;
	}
	goto got;
hit:
	/* Only this thread writes hits: no locked add needed. */
	atomic_store_explicit(&c->hits, CNT_GET(c->hits) + 1,
	    memory_order_relaxed);
got:
	st->active = true;
	st->err = 0;
	c->nactive++;
	*out = st;
	return 0;
}

void
db_done(struct db_stmt *st)
{
	struct db_conn *c;
	struct db_stmt **pp;

	if (st == NULL)
		return;
	c = st->conn;
	ASSERT(st->active);
	c->ops->reset(st);
	st->active = false;
	st->err = 0;
	c->nactive--;
	if (st->cached)
		return;
	for (pp = &c->uncached; *pp != st; pp = &(*pp)->next)
		ASSERT(*pp != NULL);
	*pp = st->next;
	stmt_free(st);
}

/* A bind error is kept and reported by db_step, so callers bind without
 * checking each call. */
static void
bind_result(struct db_stmt *st, int rc)
{
	if (rc != 0 && st->err == 0)
		st->err = rc;
}

void
db_bind_i64(struct db_stmt *st, int idx, int64_t v)
{
	bind_result(st, st->conn->ops->bind_i64(st, idx, v));
}

void
db_bind_text(struct db_stmt *st, int idx, const char *p, size_t len)
{
	ASSERT(p != NULL || len == 0);
	bind_result(st, st->conn->ops->bind_text(st, idx, p ? p : "", len));
}

void
db_bind_textz(struct db_stmt *st, int idx, const char *s)
{
	if (s == NULL)
		db_bind_null(st, idx);
	else
		db_bind_text(st, idx, s, strlen(s));
}

void
db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t len)
{
	ASSERT(p != NULL || len == 0);
	bind_result(st, st->conn->ops->bind_blob(st, idx, p ? p : "", len));
}

void
db_bind_null(struct db_stmt *st, int idx)
{
	bind_result(st, st->conn->ops->bind_null(st, idx));
}

void
db_bind_id(struct db_stmt *st, int idx, int64_t id)
{
	if (id > 0)
		db_bind_i64(st, idx, id);
	else
		db_bind_null(st, idx);
}

int
db_step(struct db_stmt *st)
{
	ASSERT(st->active);
	if (st->err != 0) {
		log_err("db_bind", "backend=%s err=%s sql=\"%s\"",
		    st->conn->ops->name, err_name(st->err), st->sql);
		return stmt_failed(st->conn, st->err);
	}
	return stmt_failed(st->conn, st->conn->ops->step(st));
}

bool
db_col_null(struct db_stmt *st, int col)
{
	return st->conn->ops->col_null(st, col);
}

int64_t
db_col_i64(struct db_stmt *st, int col)
{
	return st->conn->ops->col_i64(st, col);
}

struct str
db_col_text(struct db_stmt *st, int col)
{
	return st->conn->ops->col_text(st, col);
}

struct str
db_col_blob(struct db_stmt *st, int col)
{
	return st->conn->ops->col_blob(st, col);
}

int64_t
db_changes(struct db_stmt *st)
{
	return st->conn->ops->changes(st);
}

int
db_run(struct db_stmt *st)
{
	int rc = db_step(st);

	db_done(st);
	return rc < 0 ? rc : 0;
}

int
db_step_id(struct db_stmt *st, int64_t *id)
{
	int rc = db_step(st);

	if (rc == DB_ROW) {
		*id = db_col_i64(st, 0);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_DB;
	}
	db_done(st);
	return rc;
}

int
db_step_one(struct db_stmt *st, int none)
{
	int rc = db_step(st);

	ASSERT(none < 0);
	/* A row means the SQL is not a plain UPDATE or DELETE: a caller's
	 * bug, not something to map to an error. */
	ASSERT(rc != DB_ROW);
	if (rc == DB_DONE)
		rc = db_changes(st) == 1 ? 0 : none;
	db_done(st);
	return rc;
}

int
db_exec(struct db_conn *c, const char *sql)
{
	return stmt_failed(c, c->ops->exec(c, sql));
}

int
db_query_i64(struct db_conn *c, const char *sql, int64_t *out, int nargs,
    const int64_t *args)
{
	struct db_stmt *st = NULL;
	int i, rc;

	if ((rc = db_prepare(c, sql, &st)) != 0)
		return rc;
	for (i = 0; i < nargs; i++)
		db_bind_i64(st, i + 1, args[i]);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*out = db_col_i64(st, 0);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	return rc;
}

/* --- Opening and closing ------------------------------------------------ */

static int
cond_init_monotonic(pthread_cond_t *cv)
{
	pthread_condattr_t a;
	int rc;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	rc = pthread_cond_init(cv, &a);
	pthread_condattr_destroy(&a);
	return rc;
}

int
db_open(const char *url, struct db **out)
{
	return db_open_opts(url, NULL, out);
}

int
db_open_opts(const char *url, const struct db_opts *opts, struct db **out)
{
	const char *target = url;

	if (strncmp(url, "postgres://", 11) == 0 ||
	    strncmp(url, "postgresql://", 13) == 0)
		return db_open_ops(&db_pg_ops, target, opts, out);
	if (strncmp(target, "sqlite:", 7) == 0)
		target += 7;
	if (strncmp(target, "//", 2) == 0)
		target += 2;
	return db_open_ops(&db_sqlite_ops, target, opts, out);
}

int
db_open_ops(const struct db_ops *ops, const char *target,
    const struct db_opts *opts, struct db **out)
{
	struct db *db = NULL;
	struct buf red = BUF_INIT;
	int rc;

	db = xcalloc(1, sizeof(*db));
	db->ops = ops;
	if (opts)
		db->opts = *opts;
	if (db->opts.busy_ms <= 0)
		db->opts.busy_ms = LIMIT_DB_BUSY_MS;
	if (db->opts.wal_bytes <= 0)
		db->opts.wal_bytes = LIMIT_WAL_BYTES;
	if (db->opts.max_readers <= 0)
		db->opts.max_readers = db->ops->kind == DB_POSTGRES ?
		    LIMIT_PG_POOL - 1 : LIMIT_DB_READERS;
	db->sync_on = ops->flush != NULL && db->opts.sync == DB_SYNC_FULL;
	pthread_mutex_init(&db->pool_mu, NULL);
	pthread_mutex_init(&db->q_mu, NULL);
	pthread_mutex_init(&db->s_mu, NULL);
	cond_init_monotonic(&db->pool_cv);
	pthread_cond_init(&db->q_cv, NULL);
	pthread_cond_init(&db->s_cv, NULL);
	db_url_redact(target, &red);

	if (*target == '\0') {
		rc = ERR_INVAL;
		goto fail;
	}
	if ((rc = db->ops->open(db, target, &db->opts, &db->impl)) != 0)
		goto fail;
	if ((rc = db->ops->conn_open(db, db->impl, true, &db->wconn)) != 0) {
		db->ops->close(db->impl);
		goto fail;
	}
	if (db->sync_on &&
	    pthread_create(&db->syncer, NULL, db_syncer_main, db) != 0) {
		conn_destroy(db->wconn);
		db->ops->close(db->impl);
		rc = ERR_INTERNAL;
		goto fail;
	}
	if (pthread_create(&db->writer, NULL, db_writer_main, db) != 0) {
		if (db->sync_on)
			db_syncer_stop(db);
		conn_destroy(db->wconn);
		db->ops->close(db->impl);
		rc = ERR_INTERNAL;
		goto fail;
	}
	log_info("db_open", "backend=%s url=\"%s\"", db->ops->name, red.p);
	buf_release(&red);
	*out = db;
	return 0;
fail:
	log_err("db_open", "backend=%s url=\"%s\" failed err=%s",
	    db->ops->name, red.p, err_name(rc));
	buf_release(&red);
	pthread_cond_destroy(&db->pool_cv);
	pthread_cond_destroy(&db->q_cv);
	pthread_cond_destroy(&db->s_cv);
	pthread_mutex_destroy(&db->pool_mu);
	pthread_mutex_destroy(&db->q_mu);
	pthread_mutex_destroy(&db->s_mu);
	free(db);
	return rc;
}

void
db_close(struct db *db)
{
	struct db_conn *c;

	if (db == NULL)
		return;
	pthread_mutex_lock(&db->q_mu);
	db->q_stopping = true;
	pthread_cond_signal(&db->q_cv);
	pthread_mutex_unlock(&db->q_mu);
	pthread_join(db->writer, NULL);
	ASSERT(db->q_head == NULL);
	/* The writer handed its last batches on; they are flushed and their
	 * callers woken before anything closes. */
	if (db->sync_on)
		db_syncer_stop(db);
	conn_destroy(db->wconn);

	pthread_mutex_lock(&db->pool_mu);
	for (c = db->pool_free; c; c = c->next)
		db->pool_open--;
	/* A connection still borrowed is a caller's bug; it is closed all
	 * the same (a test that failed half-way must not stop the suite),
	 * and its holder must not touch it again. */
	if (db->pool_open != 0)
		log_err("db_close", "backend=%s borrowed_read_connections=%d",
		    db->ops->name, db->pool_open);
	while ((c = db->pool_all) != NULL) {
		db->pool_all = c->all_next;
		conn_destroy(c);
	}
	pthread_mutex_unlock(&db->pool_mu);

	db->ops->close(db->impl);
	pthread_cond_destroy(&db->pool_cv);
	pthread_cond_destroy(&db->q_cv);
	pthread_cond_destroy(&db->s_cv);
	pthread_mutex_destroy(&db->pool_mu);
	pthread_mutex_destroy(&db->q_mu);
	pthread_mutex_destroy(&db->s_mu);
	free(db);
}

enum db_kind
db_kind(const struct db *db)
{
	return db->ops->kind;
}

enum db_kind
db_conn_kind(const struct db_conn *c)
{
	return c->ops->kind;
}

uint64_t
db_generation(struct db *db)
{
	return atomic_load_explicit(&db->generation, memory_order_acquire);
}

void
db_stats(struct db *db, struct db_stats *out)
{
	struct db_conn *c;

	out->batches = CNT_GET(db->n_batches);
	out->jobs = CNT_GET(db->n_jobs);
	out->jobs_failed = CNT_GET(db->n_jobs_failed);
	out->commit_failures = CNT_GET(db->n_commit_failures);
	out->max_batch = CNT_GET(db->n_max_batch);
	out->queued = CNT_GET(db->n_queued);
	out->readers = CNT_GET(db->n_readers);
	out->reader_waits = CNT_GET(db->n_reader_waits);
	out->prepares = CNT_GET(db->n_prepares);
	out->cache_hits = CNT_GET(db->n_cache_hits) + CNT_GET(db->wconn->hits);
	out->read_begins = CNT_GET(db->n_borrows);
	pthread_mutex_lock(&db->pool_mu);
	for (c = db->pool_all; c; c = c->all_next) {
		out->cache_hits += CNT_GET(c->hits);
		out->read_begins += CNT_GET(c->borrows);
	}
	pthread_mutex_unlock(&db->pool_mu);
	out->flushes = CNT_GET(db->n_flushes);
}

void
db_url_redact(const char *url, struct buf *out)
{
	const char *p = url, *scheme, *at, *end, *colon, *kw;

	buf_reset(out);
	/* postgres://user:password@host/... */
	scheme = strstr(p, "://");
	if (scheme) {
		scheme += 3;
		end = scheme + strcspn(scheme, "/?#");
		at = memrchr(scheme, '@', (size_t)(end - scheme));
		colon = at ? memchr(scheme, ':', (size_t)(at - scheme)) : NULL;
		if (colon) {
			buf_add(out, url, (size_t)(colon + 1 - url));
			buf_adds(out, "***");
			p = at;
		}
	}
	/* ?password=... and key=value strings: password=... */
	while ((kw = strcasestr(p, "password=")) != NULL) {
		kw += 9;
		buf_add(out, p, (size_t)(kw - p));
		buf_adds(out, "***");
		p = kw + strcspn(kw, "& ");
	}
	buf_adds(out, p);
}

/* --- Reads -------------------------------------------------------------- */

static void
deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}


int
db_read_begin(struct db *db, struct db_conn **out)
{
	struct db_conn *c = NULL;
	struct timespec deadline;
	bool waited = false;
	int rc;

	pthread_mutex_lock(&db->pool_mu);
	for (;;) {
		if ((c = db->pool_free) != NULL) {
			db->pool_free = c->next;
			c->next = NULL;
			atomic_store_explicit(&c->borrows,
			    CNT_GET(c->borrows) + 1, memory_order_relaxed);
			break;
		}
		if (db->pool_open < db->opts.max_readers) {
			db->pool_open++;
			pthread_mutex_unlock(&db->pool_mu);
			rc = db->ops->conn_open(db, db->impl, false, &c);
			if (rc != 0) {
				pthread_mutex_lock(&db->pool_mu);
				db->pool_open--;
				pthread_cond_signal(&db->pool_cv);
				pthread_mutex_unlock(&db->pool_mu);
				return rc;
			}
			CNT_ADD(db->n_readers, 1);
			atomic_store_explicit(&c->borrows, 1,
			    memory_order_relaxed);
			pthread_mutex_lock(&db->pool_mu);
			c->all_next = db->pool_all;
			db->pool_all = c;
			pthread_mutex_unlock(&db->pool_mu);
			*out = c;
			return 0;
		}
		if (!waited) {
			waited = true;
			CNT_ADD(db->n_reader_waits, 1);
			deadline_after(&deadline, db->opts.busy_ms);
		}
		if (pthread_cond_timedwait(&db->pool_cv, &db->pool_mu,
		    &deadline) == ETIMEDOUT && db->pool_free == NULL) {
			pthread_mutex_unlock(&db->pool_mu);
			log_warn("db_busy", "what=read_pool readers=%d",
			    db->opts.max_readers);
			return ERR_BUSY;
		}
	}
	pthread_mutex_unlock(&db->pool_mu);
	if ((rc = c->ops->conn_check(c)) < 0) {
		struct db_conn **pp;

		CNT_ADD(db->n_readers, (uint64_t)-1);
		pthread_mutex_lock(&db->pool_mu);
		for (pp = &db->pool_all; *pp != c; pp = &(*pp)->all_next)
			ASSERT(*pp != NULL);
		*pp = c->all_next;
		db->pool_open--;
		pthread_cond_signal(&db->pool_cv);
		pthread_mutex_unlock(&db->pool_mu);
		conn_destroy(c);
		return rc;
	}
	*out = c;
	return 0;
}

void
db_read_end(struct db *db, struct db_conn *c)
{
	if (c == NULL)
		return;
	ASSERT(!c->writer && c->db == db);
	db_conn_reset_active(c, "read_end");
	if (c->ops->in_txn(c))
		(void)c->ops->txn(c, DB_TXN_ROLLBACK);
	pthread_mutex_lock(&db->pool_mu);
	c->next = db->pool_free;
	db->pool_free = c;
	pthread_cond_signal(&db->pool_cv);
	pthread_mutex_unlock(&db->pool_mu);
}

int
db_read_snapshot(struct db_conn *c)
{
	ASSERT(!c->writer);
	return c->ops->txn(c, DB_TXN_BEGIN_SNAPSHOT);
}

struct str
db_col_copy(struct db_stmt *st, int col, struct arena *a)
{
	struct str s = db_col_blob(st, col);

	if (s.p == NULL || s.len == 0)
		return (struct str){ "", 0 };
	return (struct str){ arena_strndup(a, s.p, s.len), s.len };
}
