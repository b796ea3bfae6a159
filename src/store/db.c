/*
 * db.c - the store's public API: backend dispatch, per-connection statement
 * caches, the pool of read connections, the group-commit writer and the
 * migration runner.  The backends (db_sqlite.c, db_pg.c) only talk to their
 * library; everything the two share lives here, so they behave alike.
 *
 * Owns: struct db (both pools, the writer thread and its queue, counters).
 *
 * The writer: db_write puts a job on the queue (the job lives on the
 * caller's stack) and sleeps on the job's semaphore.  The writer thread
 * takes every job waiting at that moment (at most LIMIT_GROUP_COMMIT), runs
 * BEGIN, then SAVEPOINT / fn / RELEASE (or ROLLBACK TO) per job, then one
 * COMMIT, and only after the COMMIT returned posts each job's semaphore.
 * Jobs that arrive during a commit form the next batch, so the batch size
 * follows the load without any timer.  A batch of one job skips the
 * savepoint (its failure rolls back the whole transaction instead).
 *
 * The syncer: where the backend has a flush (SQLite), the writer commits
 * without waiting for the disk.  When jobs are waiting, it hands the batch
 * to a second thread, which makes everything committed so far durable with
 * one flush (an fdatasync of the WAL) and only then wakes the batch's
 * callers; so the writer runs the next batch while the disk syncs the last
 * one, and one flush may cover several batches.  When none are waiting,
 * the writer flushes itself (a hand-over would only add two wake-ups to a
 * lone caller's wait).  What a caller is told is the same as
 * with a synchronous COMMIT: a 0 from db_write is on disk.  What differs is
 * for readers: they may see a commit some hundred microseconds before it
 * is durable.  Anything written after it lands later in the same log, so a
 * crash loses it too; what a reader saw was never acknowledged to anyone
 * who wrote it.  A flush that fails leaves the disk's state unknown, and
 * the kernel may already have dropped the pages it could not write, so
 * the store stops writing: every job from then on fails (ERR_IO), until a
 * restart reads back what is really on disk.
 *
 * Caveats: a job must not call db_write or db_read_begin (the writer would
 * wait for itself; asserted for db_write).  After being woken, db_write
 * touches nothing of the db, so db_close may free it at once.
 */
#include "store/db.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
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

struct db_job {
	db_write_fn fn;
	void *arg;
	int rc;
	bool raw; /* runs alone, outside any transaction of the writer's */
	sem_t done;
	struct db_job *next;
};

struct db {
	const struct db_ops *ops;
	void *impl;
	struct db_opts opts;

	/* The read pool. */
	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cv;
	struct db_conn *pool_free;
	struct db_conn *pool_all;
	int pool_open;

	/* The writer. */
	pthread_mutex_t q_mu;
	pthread_cond_t q_cv;
	struct db_job *q_head, *q_tail;
	bool q_stopping;
	pthread_t writer;
	struct db_conn *wconn;

	/* The syncer (only when sync_on): batches committed, not yet
	 * flushed, chained through db_job.next in commit order. */
	bool sync_on;
	pthread_mutex_t s_mu;
	pthread_cond_t s_cv;
	struct db_job *s_head, *s_tail;
	bool s_stopping;
	pthread_t syncer;
	_Atomic bool broken;          /* a flush failed: no more writes */

	_Atomic uint64_t n_batches, n_jobs, n_jobs_failed, n_commit_failures;
	_Atomic uint64_t generation; /* committed write batches (db_generation) */
	_Atomic uint64_t n_max_batch, n_queued, n_readers, n_reader_waits;
	_Atomic uint64_t n_prepares, n_cache_hits, n_flushes, n_borrows;
};

#define CNT_ADD(x, v) atomic_fetch_add_explicit(&(x), (v), memory_order_relaxed)
#define CNT_GET(x) atomic_load_explicit(&(x), memory_order_relaxed)

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
static void
conn_reset_active(struct db_conn *c, const char *who)
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

	conn_reset_active(c, "clear");
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

static void *writer_main(void *arg);
static void *syncer_main(void *arg);
static bool queue_empty(struct db *db);
static int flush(struct db *db);
static void post_flushed(struct db_job *j, int rc);
static void chain(struct db_job **jobs, int n);
static void hand_to_syncer(struct db *db, struct db_job *first,
    struct db_job *last);
static void stop_syncer(struct db *db);

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
	    pthread_create(&db->syncer, NULL, syncer_main, db) != 0) {
		conn_destroy(db->wconn);
		db->ops->close(db->impl);
		rc = ERR_INTERNAL;
		goto fail;
	}
	if (pthread_create(&db->writer, NULL, writer_main, db) != 0) {
		if (db->sync_on)
			stop_syncer(db);
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
		stop_syncer(db);
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
	conn_reset_active(c, "read_end");
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

/* --- The writer --------------------------------------------------------- */

static int
enqueue(struct db *db, db_write_fn fn, void *arg, bool raw)
{
	struct db_job job;
	int rc;

	ASSERT(!pthread_equal(pthread_self(), db->writer));
	memset(&job, 0, sizeof(job));
	job.fn = fn;
	job.arg = arg;
	job.raw = raw;
	if (sem_init(&job.done, 0, 0) != 0)
		return ERR_INTERNAL;
	pthread_mutex_lock(&db->q_mu);
	ASSERT(!db->q_stopping);
	if (db->q_tail)
		db->q_tail->next = &job;
	else
		db->q_head = &job;
	db->q_tail = &job;
	CNT_ADD(db->n_queued, 1);
	pthread_cond_signal(&db->q_cv);
	pthread_mutex_unlock(&db->q_mu);

	while (sem_wait(&job.done) != 0)
		ASSERT(errno == EINTR);
	/* From here on db may already be freed by db_close. */
	rc = job.rc;
	sem_destroy(&job.done);
	return rc;
}

int
db_write(struct db *db, db_write_fn fn, void *arg)
{
	return enqueue(db, fn, arg, false);
}

/* A job that returns leaves no statement running and no transaction open
 * behind (a raw job may have failed half-way). */
static int
run_fn(struct db_conn *c, struct db_job *j)
{
	int rc;

	c->failed = 0;
	rc = j->fn(c, j->arg);
	conn_reset_active(c, "write_job");
	if (rc >= 0 && c->failed < 0) {
		log_err("db_write", "a job went on after a failed statement "
		    "err=%s; rolled back", err_name(c->failed));
		rc = c->failed;
	}
	return rc;
}

/* The backend threw the whole transaction away (SQLite does on some I/O
 * and memory errors; a job may also have ended it): the jobs done so far
 * in this batch are lost with it. */
static int
batch_lost(struct db *db, struct db_job **jobs, int upto)
{
	struct db_conn *c = db->wconn;
	int i;

	log_err("db_write", "backend=%s batch transaction lost after job %d",
	    db->ops->name, upto);
	for (i = 0; i <= upto; i++)
		if (jobs[i]->rc >= 0)
			jobs[i]->rc = ERR_DB;
	return c->ops->txn(c, DB_TXN_BEGIN_WRITE);
}

static void
run_batch(struct db *db, struct db_job **jobs, int n)
{
	struct db_conn *c = db->wconn;
	const struct db_ops *ops = c->ops;
	bool single = n == 1, any_ok = false;
	int i, rc;

	if (atomic_load(&db->broken)) {
		rc = ERR_IO;
		goto fail_all;
	}
	if ((rc = ops->conn_check(c)) < 0)
		goto fail_all;
	if (jobs[0]->raw) {
		ASSERT(n == 1);
		jobs[0]->rc = run_fn(c, jobs[0]);
		if (ops->in_txn(c))
			(void)ops->txn(c, DB_TXN_ROLLBACK);
		return;
	}
	CNT_ADD(db->n_batches, 1);
	CNT_ADD(db->n_jobs, (uint64_t)n);
	if ((uint64_t)n > CNT_GET(db->n_max_batch))
		atomic_store(&db->n_max_batch, (uint64_t)n);
	/* A session that died while idle shows only now; nothing has run
	 * yet, so one more try on a new one is safe. */
	if ((rc = ops->txn(c, DB_TXN_BEGIN_WRITE)) != 0 &&
	    (ops->conn_check(c) != 1 ||
	    (rc = ops->txn(c, DB_TXN_BEGIN_WRITE)) != 0))
		goto fail_all;

	for (i = 0; i < n; i++) {
		struct db_job *j = jobs[i];

		if (single) {
			j->rc = run_fn(c, j);
		} else if ((rc = ops->txn(c, DB_TXN_SAVEPOINT)) != 0) {
			j->rc = rc;
		} else {
			j->rc = run_fn(c, j);
			if (j->rc >= 0 &&
			    (rc = ops->txn(c, DB_TXN_RELEASE)) != 0)
				j->rc = rc;
			if (j->rc < 0 && ops->in_txn(c)) {
				(void)ops->txn(c, DB_TXN_ROLLBACK_TO);
				(void)ops->txn(c, DB_TXN_RELEASE);
			}
		}
		if (j->rc < 0)
			CNT_ADD(db->n_jobs_failed, 1);
		else
			any_ok = true;
		if (!single && !ops->in_txn(c)) {
			any_ok = false;
			if ((rc = batch_lost(db, jobs, i)) != 0) {
				for (i++; i < n; i++)
					jobs[i]->rc = rc;
				return;
			}
		}
	}
	if (!any_ok) {
		/* Nothing to keep: a rollback costs no fsync. */
		if (ops->in_txn(c))
			(void)ops->txn(c, DB_TXN_ROLLBACK);
		return;
	}
	if ((rc = ops->txn(c, DB_TXN_COMMIT)) == 0) {
		/* After the commit, before any caller wakes: a reader that
		 * saw the old generation may hold data older than this. */
		atomic_fetch_add_explicit(&db->generation, 1,
		    memory_order_release);
	} else {
		CNT_ADD(db->n_commit_failures, 1);
		log_err("db_write", "backend=%s commit of %d jobs failed err=%s",
		    ops->name, n, err_name(rc));
		if (ops->in_txn(c))
			(void)ops->txn(c, DB_TXN_ROLLBACK);
		for (i = 0; i < n; i++)
			if (jobs[i]->rc >= 0)
				jobs[i]->rc = rc;
	}
	return;
fail_all:
	for (i = 0; i < n; i++)
		jobs[i]->rc = rc;
}

static void *
writer_main(void *arg)
{
	struct db *db = arg;
	struct db_job *jobs[LIMIT_GROUP_COMMIT];
	int i, n;

	for (;;) {
		pthread_mutex_lock(&db->q_mu);
		while (db->q_head == NULL && !db->q_stopping)
			pthread_cond_wait(&db->q_cv, &db->q_mu);
		if (db->q_head == NULL) {
			pthread_mutex_unlock(&db->q_mu);
			break;
		}
		n = 0;
		do {
			struct db_job *j = db->q_head;

			if (n > 0 && j->raw)
				break;
			jobs[n++] = j;
			db->q_head = j->next;
			if (j->raw)
				break;
		} while (db->q_head && n < LIMIT_GROUP_COMMIT);
		if (db->q_head == NULL)
			db->q_tail = NULL;
		CNT_ADD(db->n_queued, -(uint64_t)n);
		pthread_mutex_unlock(&db->q_mu);

		run_batch(db, jobs, n);
		if (db->sync_on) {
			chain(jobs, n);
			/* Nothing waiting to run meanwhile: a hand-over
			 * would only add two thread wake-ups to the wait. */
			if (queue_empty(db))
				post_flushed(jobs[0], flush(db));
			else
				hand_to_syncer(db, jobs[0], jobs[n - 1]);
			continue;
		}
		/* The job is gone once posted; touch nothing of it after. */
		for (i = 0; i < n; i++)
			sem_post(&jobs[i]->done);
	}
	return NULL;
}

/* --- The syncer --------------------------------------------------------- */

static bool
queue_empty(struct db *db)
{
	bool empty;

	pthread_mutex_lock(&db->q_mu);
	empty = db->q_head == NULL;
	pthread_mutex_unlock(&db->q_mu);
	return empty;
}

/* Make durable every commit so far: on the syncer, or on the writer when
 * nothing else is waiting (the backend's flush may run on both at once). */
static int
flush(struct db *db)
{
	int rc;

	if (atomic_load(&db->broken))
		return ERR_IO;
	CNT_ADD(db->n_flushes, 1);
	if ((rc = db->ops->flush(db->impl)) != 0) {
		atomic_store(&db->broken, true);
		log_err("db_write", "backend=%s flush failed err=%s; writes "
		    "refused until a restart", db->ops->name, err_name(rc));
	}
	return rc;
}

/* Wake the jobs of the chain from j on, after a flush that gave rc. */
static void
post_flushed(struct db_job *j, int rc)
{
	struct db_job *next;

	for (; j; j = next) {
		next = j->next;
		if (rc != 0 && j->rc >= 0)
			j->rc = ERR_IO;
		/* Gone once posted. */
		sem_post(&j->done);
	}
}

static void
chain(struct db_job **jobs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		jobs[i]->next = i + 1 < n ? jobs[i + 1] : NULL;
}

/* Append the chain first..last (chain()) to the syncer's list. */
static void
hand_to_syncer(struct db *db, struct db_job *first, struct db_job *last)
{
	pthread_mutex_lock(&db->s_mu);
	if (db->s_tail)
		db->s_tail->next = first;
	else
		db->s_head = first;
	db->s_tail = last;
	pthread_cond_signal(&db->s_cv);
	pthread_mutex_unlock(&db->s_mu);
}

static void *
syncer_main(void *arg)
{
	struct db *db = arg;
	struct db_job *j;

	for (;;) {
		pthread_mutex_lock(&db->s_mu);
		while (db->s_head == NULL && !db->s_stopping)
			pthread_cond_wait(&db->s_cv, &db->s_mu);
		j = db->s_head;
		db->s_head = db->s_tail = NULL;
		pthread_mutex_unlock(&db->s_mu);
		if (j == NULL)
			break;

		/* Every job taken here was committed before this flush
		 * starts, so the flush covers them all. */
		post_flushed(j, flush(db));
	}
	return NULL;
}

static void
stop_syncer(struct db *db)
{
	pthread_mutex_lock(&db->s_mu);
	db->s_stopping = true;
	pthread_cond_signal(&db->s_cv);
	pthread_mutex_unlock(&db->s_mu);
	pthread_join(db->syncer, NULL);
}

/* --- Migrations --------------------------------------------------------- */

int
db_migration_sql(const struct db_ops *ops, const char *sql, struct buf *out)
{
	const char *p = sql, *open, *close;

	buf_reset(out);
	while ((open = strstr(p, "{{")) != NULL) {
		struct str tok;

		buf_add(out, p, (size_t)(open - p));
		if ((close = strstr(open + 2, "}}")) == NULL)
			return ERR_INVAL;
		tok.p = open + 2;
		tok.len = (size_t)(close - tok.p);
		if (str_eqc(tok, "ID"))
			buf_adds(out, ops->id_type);
		else if (str_eqc(tok, "BLOB"))
			buf_adds(out, ops->blob_type);
		else
			return ERR_INVAL;
		p = close + 2;
	}
	buf_adds(out, p);
	return 0;
}

struct migrate_ctx {
	const struct db_migration *list; /* NULL: only read the version */
	int applied;
	int version;
};

static int
migrate_one(struct db_conn *c, const struct db_migration *m, struct buf *sql)
{
	struct db_stmt *st = NULL;
	int64_t one;
	int rc;

	if ((rc = c->ops->txn(c, DB_TXN_BEGIN_WRITE)) != 0)
		return rc;
	/* Under the lock (or BEGIN IMMEDIATE) nobody else migrates; this
	 * check sees what a node before us did. */
	rc = db_query_i64(c, "SELECT 1 FROM schema_migrations WHERE version = ?",
	    &one, 1, &(int64_t){ m->version });
	if (rc == 0) {
		rc = 1;
		goto out;
	}
	if (rc != ERR_NOTFOUND)
		goto out;
	if ((rc = db_migration_sql(c->ops, m->sql, sql)) != 0) {
		log_err("db_migrate", "version=%d name=%s error=\"unknown "
		    "{{token}}\"", m->version, m->name);
		goto out;
	}
	if ((rc = db_exec(c, sql->p)) != 0)
		goto out;
	if ((rc = db_prepare(c, "INSERT INTO schema_migrations "
	    "(version, name, applied_at) VALUES (?, ?, ?)", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, m->version);
	db_bind_textz(st, 2, m->name);
	db_bind_i64(st, 3, (int64_t)time(NULL));
	if ((rc = db_run(st)) != 0)
		goto out;
	rc = c->ops->txn(c, DB_TXN_COMMIT);
out:
	if (c->ops->in_txn(c))
		(void)c->ops->txn(c, DB_TXN_ROLLBACK);
	if (rc < 0)
		log_err("db_migrate", "backend=%s version=%d name=%s failed "
		    "err=%s", c->ops->name, m->version, m->name, err_name(rc));
	return rc;
}

static int
migrate_job(struct db_conn *c, void *arg)
{
	struct migrate_ctx *mc = arg;
	struct buf sql = BUF_INIT;
	const struct db_migration *m;
	int64_t v = 0;
	int rc;

	if ((rc = c->ops->migrate_lock(c, true)) != 0)
		return rc;
	rc = db_exec(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
	    "applied_at BIGINT NOT NULL)");
	if (rc != 0)
		goto out;
	for (m = mc->list; m && m->version != 0; m++) {
		if ((rc = migrate_one(c, m, &sql)) < 0)
			goto out;
		if (rc == 0) {
			mc->applied++;
			log_info("db_migrate", "version=%d name=%s applied",
			    m->version, m->name);
		}
	}
	rc = db_query_i64(c, "SELECT COALESCE(MAX(version), 0) "
	    "FROM schema_migrations", &v, 0, NULL);
	mc->version = (int)v;
out:
	(void)c->ops->migrate_lock(c, false);
	buf_release(&sql);
	return rc;
}

int
db_migrate_list(struct db *db, const struct db_migration *list, int *applied)
{
	struct migrate_ctx mc = { list, 0, 0 };
	const struct db_migration *m;
	int rc;

	/* The generator sorts and checks the embedded list; a hand-made one
	 * (tests) must follow the same rule. */
	for (m = list; m->version != 0 && m[1].version != 0; m++)
		ASSERT(m->version < m[1].version);
	rc = enqueue(db, migrate_job, &mc, true);
	if (applied)
		*applied = mc.applied;
	return rc;
}

int
db_migrate(struct db *db, int *applied)
{
	return db_migrate_list(db, db_migrations, applied);
}

int
db_schema_version(struct db *db, int *version)
{
	struct migrate_ctx mc = { NULL, 0, 0 };
	int rc;

	if ((rc = enqueue(db, migrate_job, &mc, true)) == 0)
		*version = mc.version;
	return rc;
}
