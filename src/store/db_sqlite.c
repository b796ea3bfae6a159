/*
 * db_sqlite.c - the SQLite backend of db.h.
 *
 * Every connection is opened SQLITE_OPEN_NOMUTEX: db.c hands a connection
 * to one thread at a time.  The writer's connection sets WAL mode (the
 * setting is stored in the file) and synchronous=NORMAL: its COMMIT writes
 * the WAL without waiting for the disk, and sq_flush, on db_writer.c's
 * syncer thread (or on the writer when nothing else waits), fdatasyncs the WAL
 * before any caller of those commits is woken -- what synchronous=FULL
 * would do inside the COMMIT, but overlapping with the writer's next
 * batch.  (NORMAL also syncs the WAL before each checkpoint and the
 * database after it, so checkpoints stay safe.)  Read connections are
 * query_only, so a caller cannot write outside the group-commit writer by
 * mistake.  All connections have foreign keys on, a busy timeout (the
 * options' busy_ms) and FTS5's tf_bm25 (the library's ranking, below).
 *
 * Transaction control statements are compiled once per connection and kept
 * apart from the statement cache.  WAL checkpoints run on a thread of their
 * own (sq_checkpointer), not inside the writer's commits, and keep the log
 * within the options' wal_bytes.
 *
 * Caveats: ":memory:" cannot work (every connection would see its own
 * database); a path is required.  The messages SQLite gives for errors name
 * constraints and columns, never bound values, so they are logged.  The
 * first sq_open of the process turns SQLite's memory statistics off for
 * the whole process (see sq_open); a program that starts SQLite before
 * that keeps them on.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/db_int.h"
#include "core/banned.h"

/*
 * The checkpointer: the writer runs with wal_autocheckpoint off, because an
 * automatic checkpoint runs inside a COMMIT and stalls every job of the
 * batch behind it.  A thread of its own copies the WAL back into the
 * database (PASSIVE: it never waits for the writer or readers) every
 * SQ_CHECKPOINT_MS, on a connection of its own.
 *
 * That alone lets the log grow without end under steady writes: it may
 * start over only when a write begins with all of it copied back and no
 * reader in its frames, and with writes always coming, a PASSIVE pass never
 * finds it so.  So when the file has passed wal_bytes, the writer runs a
 * RESTART checkpoint on its own connection before its next batch
 * (sq_upkeep): it copies what the PASSIVE passes left, waits (up to
 * LIMIT_WAL_RESTART_WAIT_MS) for the readers of old frames to finish, and
 * the batch's commit starts the log over and cuts the file back to
 * wal_bytes (journal_size_limit).  Writes wait for that: milliseconds
 * every wal_bytes of log, against a disk that fills.  On the writer,
 * because a RESTART from another connection must take the write lock,
 * which a busy writer took back between its tries (measured: put off
 * again and again while the log grew on); before every batch, because
 * the checkpointer's half second let the log grow 60 MB past its bound
 * under bench/22-http.sh's posts.  The two take turns (ckpt_run): a
 * RESTART waiting for a PASSIVE pass that copies tens of MB gave up as
 * often, so the writer goes on and tries again at its next batch.
 */
#define SQ_CHECKPOINT_MS 500
/* A RESTART put off is tried again after this, doubled each time it is put
 * off again, up to the most (limits.h, LIMIT_WAL_RESTART_WAIT_MS). */
#define SQ_RESTART_RETRY_MS 100
#define SQ_RESTART_RETRY_MAX_MS 1000

struct sq_db {
	char *path;
	char *wal_path;         /* path + "-wal" */
	pthread_mutex_t wal_mu; /* sq_flush runs on the writer and syncer */
	int wal_fd;             /* sq_flush's, under wal_mu; -1 */
	int busy_ms;
	int64_t wal_bytes;
	int64_t restart_after;  /* ms (monotonic): the writer's next try */
	int64_t restart_backoff; /* ms: the wait after the next put-off */
	pthread_mutex_t ckpt_run; /* a checkpoint at a time, either thread */
	pthread_t ckpt;
	bool ckpt_running;
	bool ckpt_stop;
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
};

#define SQ_NTXN (DB_TXN_ROLLBACK_TO + 1)

struct sq_conn {
	struct db_conn base;
	sqlite3 *h;
	sqlite3_stmt *txn[SQ_NTXN];
};

struct sq_stmt {
	struct db_stmt base;
	sqlite3_stmt *s;
};

static const char *const sq_txn_sql[SQ_NTXN] = {
	[DB_TXN_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[DB_TXN_BEGIN_SNAPSHOT] = "BEGIN",
	[DB_TXN_COMMIT] = "COMMIT",
	[DB_TXN_ROLLBACK] = "ROLLBACK",
	[DB_TXN_SAVEPOINT] = "SAVEPOINT job",
	[DB_TXN_RELEASE] = "RELEASE job",
	[DB_TXN_ROLLBACK_TO] = "ROLLBACK TO job",
};

static struct sq_conn *
sq_conn(struct db_conn *c)
{
	return (struct sq_conn *)c;
}

static struct sq_stmt *
sq_stmt(struct db_stmt *st)
{
	return (struct sq_stmt *)st;
}

static int
sq_err(sqlite3 *h, int rc, const char *sql)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		log_warn("db_busy", "backend=sqlite code=%d sql=\"%.200s\"", rc,
		    sql);
		return ERR_BUSY;
	case SQLITE_CONSTRAINT:
		log_debug("db_conflict", "backend=sqlite msg=\"%s\" sql=\"%.200s\"",
		    sqlite3_errmsg(h), sql);
		return ERR_CONFLICT;
	case SQLITE_TOOBIG:
		return ERR_TOOBIG;
	default:
		log_err("db_error", "backend=sqlite code=%d msg=\"%s\" sql=\"%.200s\"",
		    rc, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc), sql);
		return ERR_DB;
	}
}

static void *
sq_checkpointer(void *arg)
{
	struct sq_db *s = arg;
	sqlite3 *h = NULL;
	struct timespec until;
	bool stop;

	for (;;) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += SQ_CHECKPOINT_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&s->ckpt_mu);
		while (!s->ckpt_stop && pthread_cond_timedwait(&s->ckpt_cv,
		    &s->ckpt_mu, &until) == 0)
			;
		stop = s->ckpt_stop;
		pthread_mutex_unlock(&s->ckpt_mu);
		if (stop)
			break;
		/* The file appears with the writer's first connection. */
		if (h == NULL && (sqlite3_open_v2(s->path, &h,
		    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK || sqlite3_exec(h, "SELECT count(*) FROM "
		    "sqlite_master", NULL, NULL, NULL) != SQLITE_OK)) {
			/* A connection sees the WAL only once it has read
			 * the database; until then a checkpoint does nothing. */
			sqlite3_close_v2(h);
			h = NULL;
			continue;
		}
		pthread_mutex_lock(&s->ckpt_run);
		(void)sqlite3_wal_checkpoint_v2(h, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_unlock(&s->ckpt_run);
	}
	if (h)
		sqlite3_close_v2(h);
	return NULL;
}

static int
sq_open(struct db *db, const char *target, const struct db_opts *o,
    void **impl)
{
	struct sq_db *s;

	if (strcmp(target, ":memory:") == 0 ||
	    strncmp(target, "file:", 5) == 0) {
		log_err("db_open", "backend=sqlite error=\"a file path is "
		    "required\"");
		return ERR_INVAL;
	}
	/* With memory statistics on, every SQLite allocation of every
	 * connection takes one process-wide mutex: the posting threads'
	 * read transactions and the writer queue on it (measured: about a
	 * quarter of the posts per second).  Nothing here reads the
	 * statistics.  Only possible before SQLite initialises, so a later
	 * open gets SQLITE_MISUSE, which changes nothing. */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(target);
	s->wal_path = xmalloc(strlen(target) + 5);
	snprintf(s->wal_path, strlen(target) + 5, "%s-wal", target);
	s->wal_fd = -1;
	pthread_mutex_init(&s->wal_mu, NULL);
	s->busy_ms = o->busy_ms;
	s->wal_bytes = o->wal_bytes;
	s->restart_backoff = SQ_RESTART_RETRY_MS;
	pthread_mutex_init(&s->ckpt_mu, NULL);
	pthread_mutex_init(&s->ckpt_run, NULL);
	pthread_cond_init(&s->ckpt_cv, NULL);
	if (pthread_create(&s->ckpt, NULL, sq_checkpointer, s) == 0)
		s->ckpt_running = true;
	else
		log_warn("db_open", "backend=sqlite msg=\"no checkpoint "
		    "thread; the WAL is checkpointed at close only\"");
	*impl = s;
	return 0;
}

static void
sq_close(void *impl)
{
	struct sq_db *s = impl;

	if (s->ckpt_running) {
		pthread_mutex_lock(&s->ckpt_mu);
		s->ckpt_stop = true;
		pthread_cond_signal(&s->ckpt_cv);
		pthread_mutex_unlock(&s->ckpt_mu);
		pthread_join(s->ckpt, NULL);
	}
	pthread_cond_destroy(&s->ckpt_cv);
	pthread_mutex_destroy(&s->ckpt_mu);
	pthread_mutex_destroy(&s->ckpt_run);
	if (s->wal_fd >= 0)
		close(s->wal_fd);
	pthread_mutex_destroy(&s->wal_mu);
	free(s->wal_path);
	free(s->path);
	free(s);
}

/*
 * The WAL is opened once and kept: SQLite neither deletes nor replaces it
 * while the writer's connection is open (a RESTART and journal_size_limit
 * write it from the start again and cut it short, the same file).  Should
 * it all the same be another file than the one held (same name, other
 * inode), the held one is dropped and the new one opened: a flush of a
 * stale file would sync nothing and say yes.  fdatasync on a read-only
 * descriptor syncs the file all the same.
 */
static int
sq_flush_locked(struct sq_db *s)
{
	struct stat held, now;

	if (stat(s->wal_path, &now) != 0) {
		log_err("db_flush", "backend=sqlite error=\"no WAL: %s\"",
		    strerror(errno));
		return ERR_IO;
	}
	if (s->wal_fd >= 0 && (fstat(s->wal_fd, &held) != 0 ||
	    held.st_ino != now.st_ino || held.st_dev != now.st_dev)) {
		close(s->wal_fd);
		s->wal_fd = -1;
	}
	if (s->wal_fd < 0 &&
	    (s->wal_fd = open(s->wal_path, O_RDONLY | O_CLOEXEC)) < 0) {
		log_err("db_flush", "backend=sqlite error=\"opening the WAL: "
		    "%s\"", strerror(errno));
		return ERR_IO;
	}
	if (fdatasync(s->wal_fd) != 0) {
		log_err("db_flush", "backend=sqlite error=\"fdatasync: %s\"",
		    strerror(errno));
		return ERR_IO;
	}
	return 0;
}

/* Two flushes at once (writer and syncer) take turns: the second then
 * covers what the first did too, which costs little. */
static int
sq_flush(void *impl)
{
	struct sq_db *s = impl;
	int rc;

	pthread_mutex_lock(&s->wal_mu);
	rc = sq_flush_locked(s);
	pthread_mutex_unlock(&s->wal_mu);
	return rc;
}

/* A log past its bound starts over (see the checkpointer above), between
 * batches on the writer's connection.  A stat a batch; a RESTART that a
 * read put off is tried again later, later each time (limits.h), so the
 * writes do not wait for it batch after batch behind a long read. */
static void
sq_upkeep(void *impl, struct db_conn *writer)
{
	struct sq_db *s = impl;
	sqlite3 *h = sq_conn(writer)->h;
	struct timespec now;
	struct stat wal;
	int64_t ms;
	int rc;

	if (stat(s->wal_path, &wal) != 0 || wal.st_size <= s->wal_bytes)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	if (ms < s->restart_after || pthread_mutex_trylock(&s->ckpt_run) != 0)
		return;
	sqlite3_busy_timeout(h, LIMIT_WAL_RESTART_WAIT_MS);
	rc = sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_RESTART,
	    NULL, NULL);
	sqlite3_busy_timeout(h, s->busy_ms);
	pthread_mutex_unlock(&s->ckpt_run);
	if (rc == SQLITE_OK) {
		s->restart_backoff = SQ_RESTART_RETRY_MS;
	} else {
		s->restart_after = ms + s->restart_backoff;
		if (s->restart_backoff < SQ_RESTART_RETRY_MAX_MS)
			s->restart_backoff *= 2;
		log_debug("db_checkpoint", "backend=sqlite wal_bytes=%lld "
		    "msg=\"restart put off: %s\"", (long long)wal.st_size,
		    sqlite3_errstr(rc));
	}
}

/* Run a statement of no parameters; the first column of its first row (if
 * any) goes to first. */
static int
sq_simple(sqlite3 *h, const char *sql, char *first, size_t firstlen)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = sqlite3_prepare_v2(h, sql, -1, &s, NULL)) != SQLITE_OK)
		return sq_err(h, rc, sql);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && first) {
		const unsigned char *t = sqlite3_column_text(s, 0);

		snprintf(first, firstlen, "%s", t ? (const char *)t : "");
	}
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		rc = SQLITE_OK;
	else
		rc = sq_err(h, rc, sql);
	sqlite3_finalize(s);
	return rc;
}

/*
 * tf_bm25(fts5 table, weight, ...): FTS5's bm25 without its inverse
 * document frequency and without its length normalisation, for the
 * library's search (src/library/lib_index.c).  bm25 learns how many rows
 * hold each phrase by walking all of them, once a query: a millisecond
 * for a word in 20,000 of 100,000 rows, whatever the LIMIT, which made a
 * search's work grow with the library.  Its length normalisation reads
 * each row's size (xColumnSize: a look-up in the docsize b-tree a row,
 * deeper and colder the larger the library: a third of a search's time
 * at 100,000 articles, bench/50-library.sh).  This scores a row from its
 * doclist entry alone (xInst): each phrase's count weighted by column,
 * saturated as bm25's (k1 1.2, b 0: a long text is not held against
 * its words; a title's weight still puts it above the body), every
 * phrase counting alike.  A column past the weights given counts
 * nothing.  Lower is better, as bm25's.
 */
#define SQ_RANK_PHRASES 64

static void
sq_tf_bm25(const Fts5ExtensionApi *api, Fts5Context *fts,
    sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	const double k1 = 1.2;
	double freq[SQ_RANK_PHRASES] = { 0 }, score = 0;
	int nphrase = api->xPhraseCount(fts), ninst = 0, i, ph, col, off, rc;

	if (nphrase > SQ_RANK_PHRASES) {
		sqlite3_result_error(ctx, "tf_bm25: too many phrases", -1);
		return;
	}
	if ((rc = api->xInstCount(fts, &ninst)) != SQLITE_OK)
		goto fail;
	for (i = 0; i < ninst; i++) {
		if ((rc = api->xInst(fts, i, &ph, &col, &off)) != SQLITE_OK)
			goto fail;
		if (ph >= 0 && ph < nphrase && col >= 0 && col < nval)
			freq[ph] += sqlite3_value_double(val[col]);
	}
	for (i = 0; i < nphrase; i++)
		if (freq[i] > 0)
			score += freq[i] * (k1 + 1.0) / (freq[i] + k1);
	sqlite3_result_double(ctx, -score);
	return;
fail:
	sqlite3_result_error_code(ctx, rc);
}

/* FTS5's functions of ours on connection h; ERR_DB when SQLite has no
 * FTS5 (meson checks, this says so at run time too). */
static int
sq_fts5(sqlite3 *h)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		(void)sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (api == NULL || api->iVersion < 2 || api->xCreateFunction(api,
	    "tf_bm25", NULL, sq_tf_bm25, NULL) != SQLITE_OK) {
		log_err("db_open", "backend=sqlite error=\"SQLite without "
		    "FTS5\"");
		return ERR_DB;
	}
	return 0;
}

static int
sq_conn_open(struct db *db, void *impl, bool writer, struct db_conn **out)
{
	struct sq_db *s = impl;
	struct sq_conn *c = NULL;
	sqlite3 *h = NULL;
	char mode[16], pragma[64];
	int flags, rc;

	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (writer)
		flags |= SQLITE_OPEN_CREATE;
	if ((rc = sqlite3_open_v2(s->path, &h, flags, NULL)) != SQLITE_OK) {
		log_err("db_open", "backend=sqlite error=\"%s\"",
		    h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		rc = ERR_IO;
		goto fail;
	}
	sqlite3_extended_result_codes(h, 1);
	sqlite3_busy_timeout(h, s->busy_ms);
	if (writer) {
		if ((rc = sq_simple(h, "PRAGMA journal_mode=WAL", mode,
		    sizeof(mode))) != 0)
			goto fail;
		if (strcmp(mode, "wal") != 0) {
			log_err("db_open", "backend=sqlite error=\"WAL mode "
			    "refused (journal_mode=%s)\"", mode);
			rc = ERR_DB;
			goto fail;
		}
		/* With DB_SYNC_FULL the syncer flushes (sq_flush). */
		rc = sq_simple(h, "PRAGMA synchronous=NORMAL", NULL, 0);
		if (rc != 0)
			goto fail;
		/* Checkpoints are the checkpointer's (above); savepoint
		 * journals stay in memory rather than in temporary files. */
		if (s->ckpt_running && (rc = sq_simple(h,
		    "PRAGMA wal_autocheckpoint=0", NULL, 0)) != 0)
			goto fail;
		if ((rc = sq_simple(h, "PRAGMA temp_store=MEMORY", NULL,
		    0)) != 0)
			goto fail;
		/* The log is cut back to its bound when it starts over. */
		snprintf(pragma, sizeof(pragma), "PRAGMA journal_size_limit="
		    "%lld", (long long)s->wal_bytes);
		if ((rc = sq_simple(h, pragma, NULL, 0)) != 0)
			goto fail;
	} else if ((rc = sq_simple(h, "PRAGMA query_only=ON", NULL, 0)) != 0) {
		goto fail;
	}
	if ((rc = sq_simple(h, "PRAGMA foreign_keys=ON", NULL, 0)) != 0)
		goto fail;
	if ((rc = sq_fts5(h)) != 0)
		goto fail;
	c = xcalloc(1, sizeof(*c));
	c->base.ops = &db_sqlite_ops;
	c->base.db = db;
	c->base.writer = writer;
	c->h = h;
	*out = &c->base;
	return 0;
fail:
	sqlite3_close_v2(h);
	return rc;
}

static void
sq_conn_close(struct db_conn *dc)
{
	struct sq_conn *c = sq_conn(dc);
	int i;

	for (i = 0; i < SQ_NTXN; i++)
		sqlite3_finalize(c->txn[i]);
	if (sqlite3_close_v2(c->h) != SQLITE_OK)
		log_err("db_close", "backend=sqlite error=\"%s\"",
		    sqlite3_errmsg(c->h));
	free(c);
}

static int
sq_conn_check(struct db_conn *dc)
{
	return 0;
}

static bool
sq_in_txn(struct db_conn *dc)
{
	return !sqlite3_get_autocommit(sq_conn(dc)->h);
}

static int
sq_txn(struct db_conn *dc, enum db_txn op)
{
	struct sq_conn *c = sq_conn(dc);
	sqlite3_stmt *s;
	int rc;

	ASSERT(op >= 0 && op < SQ_NTXN);
	if ((s = c->txn[op]) == NULL) {
		rc = sqlite3_prepare_v3(c->h, sq_txn_sql[op], -1,
		    SQLITE_PREPARE_PERSISTENT, &c->txn[op], NULL);
		if (rc != SQLITE_OK)
			return sq_err(c->h, rc, sq_txn_sql[op]);
		s = c->txn[op];
	}
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return sq_err(c->h, rc, sq_txn_sql[op]);
	return 0;
}

static int
sq_migrate_lock(struct db_conn *dc, bool take)
{
	/* BEGIN IMMEDIATE already serialises; see migrate_one. */
	return 0;
}

static int
sq_prepare(struct db_conn *dc, const char *sql, bool cached,
    struct db_stmt **out)
{
	struct sq_conn *c = sq_conn(dc);
	struct sq_stmt *st;
	sqlite3_stmt *s = NULL;
	const char *tail = NULL;
	int rc;

	rc = sqlite3_prepare_v3(c->h, sql, -1,
	    cached ? SQLITE_PREPARE_PERSISTENT : 0, &s, &tail);
	if (rc != SQLITE_OK)
		return sq_err(c->h, rc, sql);
	while (tail && (*tail == ' ' || *tail == '\t' || *tail == '\n' ||
	    *tail == '\r' || *tail == ';'))
		tail++;
	if (s == NULL || (tail && *tail)) {
		log_err("db_prepare", "backend=sqlite error=\"not exactly one "
		    "statement\" sql=\"%.200s\"", sql);
		sqlite3_finalize(s);
		return ERR_INVAL;
	}
	db_count_prepare(dc->db);
	st = xcalloc(1, sizeof(*st));
	st->s = s;
	*out = &st->base;
	return 0;
}

static void
sq_reset(struct db_stmt *dst)
{
	struct sq_stmt *st = sq_stmt(dst);

	sqlite3_reset(st->s);
	sqlite3_clear_bindings(st->s);
}

static void
sq_finalize(struct db_stmt *dst)
{
	struct sq_stmt *st = sq_stmt(dst);

	sqlite3_finalize(st->s);
	free(st);
}

static int
sq_bind_rc(struct db_stmt *st, int rc)
{
	switch (rc) {
	case SQLITE_OK:
		return 0;
	case SQLITE_RANGE:
		return ERR_INVAL;
	case SQLITE_TOOBIG:
		return ERR_TOOBIG;
	default:
		return sq_err(sq_conn(st->conn)->h, rc, st->sql);
	}
}

static int
sq_bind_i64(struct db_stmt *st, int idx, int64_t v)
{
	return sq_bind_rc(st, sqlite3_bind_int64(sq_stmt(st)->s, idx, v));
}

static int
sq_bind_text(struct db_stmt *st, int idx, const char *p, size_t len)
{
	return sq_bind_rc(st, sqlite3_bind_text64(sq_stmt(st)->s, idx, p, len,
	    SQLITE_TRANSIENT, SQLITE_UTF8));
}

static int
sq_bind_blob(struct db_stmt *st, int idx, const void *p, size_t len)
{
	return sq_bind_rc(st, sqlite3_bind_blob64(sq_stmt(st)->s, idx, p, len,
	    SQLITE_TRANSIENT));
}

static int
sq_bind_null(struct db_stmt *st, int idx)
{
	return sq_bind_rc(st, sqlite3_bind_null(sq_stmt(st)->s, idx));
}

static int
sq_step(struct db_stmt *dst)
{
	struct sq_stmt *st = sq_stmt(dst);
	int rc = sqlite3_step(st->s);

	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return sq_err(sq_conn(dst->conn)->h, rc, dst->sql);
}

static bool
sq_col_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(sq_stmt(st)->s, col) == SQLITE_NULL;
}

static int64_t
sq_col_i64(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(sq_stmt(st)->s, col);
}

static struct str
sq_col_text(struct db_stmt *dst, int col)
{
	sqlite3_stmt *s = sq_stmt(dst)->s;
	const char *p = (const char *)sqlite3_column_text(s, col);
	size_t n = (size_t)sqlite3_column_bytes(s, col);

	if (p == NULL)
		return sqlite3_column_type(s, col) == SQLITE_NULL ? STR_NULL :
		    STR("");
	return (struct str){ p, n };
}

static struct str
sq_col_blob(struct db_stmt *dst, int col)
{
	sqlite3_stmt *s = sq_stmt(dst)->s;
	const char *p = sqlite3_column_blob(s, col);
	size_t n = (size_t)sqlite3_column_bytes(s, col);

	if (p == NULL)
		return sqlite3_column_type(s, col) == SQLITE_NULL ? STR_NULL :
		    STR("");
	return (struct str){ p, n };
}

static int64_t
sq_changes(struct db_stmt *st)
{
	return sqlite3_changes64(sq_conn(st->conn)->h);
}

static int
sq_exec(struct db_conn *dc, const char *sql)
{
	struct sq_conn *c = sq_conn(dc);
	int rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sq_err(c->h, rc, sql);
}

const struct db_ops db_sqlite_ops = {
	.kind = DB_SQLITE,
	.name = "sqlite",
	.id_type = "INTEGER PRIMARY KEY",
	.blob_type = "BLOB",
	.open = sq_open,
	.close = sq_close,
	.conn_open = sq_conn_open,
	.conn_close = sq_conn_close,
	.conn_check = sq_conn_check,
	.in_txn = sq_in_txn,
	.txn = sq_txn,
	.flush = sq_flush,
	.upkeep = sq_upkeep,
	.migrate_lock = sq_migrate_lock,
	.prepare = sq_prepare,
	.reset = sq_reset,
	.finalize = sq_finalize,
	.bind_i64 = sq_bind_i64,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.bind_null = sq_bind_null,
	.step = sq_step,
	.col_null = sq_col_null,
	.col_i64 = sq_col_i64,
	.col_text = sq_col_text,
	.col_blob = sq_col_blob,
	.changes = sq_changes,
	.exec = sq_exec,
};
