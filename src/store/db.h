/*
 * db.h - the one store interface, with SQLite and PostgreSQL backends.
 *
 * A struct db is a database: a pool of read connections and one writer.
 *
 * Reads borrow a connection with db_read_begin and give it back with
 * db_read_end; they run in parallel on their own connections.
 *
 * Writes never run on a caller's connection.  db_write hands a job to the
 * database's writer, which gathers the jobs waiting at that moment into one
 * transaction, runs each inside its own savepoint (so one failing job rolls
 * back only itself), commits once, and only then wakes each caller: a 0 from
 * db_write means the job is durable (SQLite: the WAL fdatasync'd after the
 * commit, see db_writer.c's syncer; PostgreSQL: default
 * synchronous_commit).  On SQLite a reader may see a commit shortly
 * before it is durable (db_writer.c).
 * PostgreSQL groups commits itself, so there each job may run in a
 * transaction of its own; callers cannot tell.
 *
 * SQL is written once for both backends:
 *   - placeholders are '?', numbered left to right from 1; the PostgreSQL
 *     backend rewrites them to $1, $2, ...;
 *   - integers are BIGINT, text is TEXT; times are BIGINT Unix seconds (UTC);
 *   - new ids come back through "INSERT ... RETURNING id";
 *   - in migrations only, {{ID}} is the auto-increment primary key column
 *     type and {{BLOB}} the byte-string type, and {{SQLITE}} /
 *     {{POSTGRES}} ... {{END}} one backend's text (migrations/README).
 *
 * Statements are cached per connection, keyed by the SQL text, so callers
 * pass string literals and never finalise: db_prepare, bind, step, db_done.
 *
 * Errors: a unique or foreign-key violation is ERR_CONFLICT, a lock that
 * stayed busy past LIMIT_DB_BUSY_MS is ERR_BUSY (HTTP 503), anything else
 * ERR_DB (logged with the backend's message, which never holds bound values).
 *
 * Tables: schema_migrations (db_migrate.c).  Every other table has one
 * owning module: see the list in README.
 */
#ifndef INFUUS_DB_H
#define INFUUS_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"

struct db;
struct db_conn;
struct db_stmt;

enum db_kind { DB_SQLITE, DB_POSTGRES };

/* db_step results besides errors. */
enum { DB_DONE = 0, DB_ROW = 1 };

/*
 * Open a database.  url is "postgres://..." / "postgresql://..." for
 * PostgreSQL; anything else is a SQLite file path (optionally prefixed with
 * "sqlite:" or "sqlite://"; ":memory:" is refused, as every connection would
 * see a database of its own).  Does not migrate; call db_migrate.
 * ERR_INVAL for an unusable URL, ERR_IO when the file cannot be opened,
 * ERR_DB when the server cannot be reached.
 */
int db_open(const char *url, struct db **out);

/* What an operator or a test may change; zero means the default. */
enum db_sync {
	DB_SYNC_FULL = 0, /* the default: a commit survives power loss */
	DB_SYNC_NORMAL,   /* SQLite only: survives a crash of the process, not of
			   * the machine; db_write's "durable" is then weaker */
};
struct db_opts {
	enum db_sync sync;  /* ignored by PostgreSQL */
	int max_readers;    /* read connections at most (0: LIMIT_DB_READERS
			     * on SQLite, LIMIT_PG_POOL - 1 on PostgreSQL) */
	int busy_ms;        /* lock and pool waits (0: LIMIT_DB_BUSY_MS) */
	int64_t wal_bytes;  /* SQLite: the log's bound (0: LIMIT_WAL_BYTES) */
};
/* db_open with options; opts may be NULL. */
int db_open_opts(const char *url, const struct db_opts *opts, struct db **out);
/* The URL with any password replaced by "***", for logs and messages. */
void db_url_redact(const char *url, struct buf *out);
/* Finishes queued writes, then closes every connection. */
void db_close(struct db *db);
enum db_kind db_kind(const struct db *db);
/* The same for a connection: for the few statements that cannot be one
 * SQL for both (the library's full-text search, src/library). */
enum db_kind db_conn_kind(const struct db_conn *c);

/* Apply the migrations that are not yet applied, in order, each in its own
 * transaction.  *applied (may be NULL) gets how many ran. */
int db_migrate(struct db *db, int *applied);
/* The highest applied migration version (0 for a database never
 * migrated). */
int db_schema_version(struct db *db, int *version);

/* Reads: borrow a read connection (read-only: a write through it fails)
 * and give it back.  Waits up to busy_ms for one when max_readers are out,
 * then ERR_BUSY.  db_read_end resets statements left without db_done and
 * ends a snapshot. */
int db_read_begin(struct db *db, struct db_conn **out);
void db_read_end(struct db *db, struct db_conn *c);
/* Make the reads that follow on c (until db_read_end) see one snapshot of
 * the database, taken at the first of them.  Call right after
 * db_read_begin. */
int db_read_snapshot(struct db_conn *c);

/* Writes through group commit.  fn runs on the writer inside a savepoint;
 * a negative return rolls back that job alone and is returned by db_write;
 * 0 or a positive return commits and is returned as is.  fn must not call
 * db_write or db_read_begin itself.
 *
 * A statement that fails inside fn fails the whole job, even when fn
 * returns 0 (PostgreSQL aborts the transaction at the first error; SQLite
 * is made to agree): write "INSERT ... ON CONFLICT DO NOTHING" rather than
 * trying and catching ERR_CONFLICT.
 *
 * Should the COMMIT of the batch fail, every job in it that had succeeded
 * gets that error instead: nothing of the batch is durable.  No db_write
 * may start once db_close has begun. */
typedef int (*db_write_fn)(struct db_conn *c, void *arg);
int db_write(struct db *db, db_write_fn fn, void *arg);

/* Counters for tests, benchmarks and the status page. */
struct db_stats {
	uint64_t batches;         /* write transactions begun by the writer */
	uint64_t jobs;            /* write jobs run */
	uint64_t jobs_failed;     /* jobs rolled back (their own error) */
	uint64_t commit_failures; /* batches whose COMMIT failed */
	uint64_t max_batch;       /* most jobs in one transaction so far */
	uint64_t queued;          /* jobs waiting for the writer right now */
	uint64_t readers;         /* read connections open */
	uint64_t reader_waits;    /* db_read_begin calls that found none free */
	uint64_t read_begins;     /* db_read_begin calls that got a connection */
	uint64_t prepares;        /* statements compiled (all connections) */
	uint64_t cache_hits;      /* db_prepare calls served by a cache */
	uint64_t flushes;         /* WAL syncs after commits (SQLite, sync FULL) */
};
void db_stats(struct db *db, struct db_stats *out);

/*
 * A number that grows whenever a write transaction of this process's
 * writer commits.  A cache of rows read at generation g is exact while
 * db_generation() is still g -- read the generation BEFORE the rows.  It
 * does not see writes of other processes or nodes (PostgreSQL with several
 * nodes): caches built on it must be used with SQLite only.
 */
uint64_t db_generation(struct db *db);

/* Statements. */
int db_prepare(struct db_conn *c, const char *sql, struct db_stmt **out);
void db_bind_i64(struct db_stmt *st, int idx, int64_t v);
void db_bind_text(struct db_stmt *st, int idx, const char *p, size_t len);
void db_bind_textz(struct db_stmt *st, int idx, const char *s); /* NULL -> NULL */
void db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t len);
void db_bind_null(struct db_stmt *st, int idx);
/* An id, or NULL when id <= 0: ids start at 1, and callers say "none"
 * with 0. */
void db_bind_id(struct db_stmt *st, int idx, int64_t id);
/* DB_ROW, DB_DONE or a negative error. */
int db_step(struct db_stmt *st);
bool db_col_null(struct db_stmt *st, int col);
int64_t db_col_i64(struct db_stmt *st, int col);
/* Valid until the next db_step or db_done; not NUL-terminated by contract
 * (though both backends happen to terminate text).  A NULL value gives
 * { NULL, 0 }, an empty one a non-NULL p with len 0.  Read booleans with
 * db_col_i64 (1/0): as text they differ between the backends.  Text bound
 * for PostgreSQL may not hold a NUL byte (ERR_INVAL from db_step). */
struct str db_col_text(struct db_stmt *st, int col);
struct str db_col_blob(struct db_stmt *st, int col);
/* A copy of a blob or text column in a (never NULL: { "", 0 } for NULL or
 * empty), for rows that outlive the statement. */
struct str db_col_copy(struct db_stmt *st, int col, struct arena *a);
/* Rows changed by the last step of an INSERT/UPDATE/DELETE. */
int64_t db_changes(struct db_stmt *st);
/* Reset the statement and return it to the connection's cache. */
void db_done(struct db_stmt *st);

/*
 * One step and done: each of these steps st once, then calls db_done(st)
 * whatever came of it, and returns 0 or a negative error (db_step's, or
 * the one named below).
 *
 * db_run: for a statement whose rows, if any, are not wanted (INSERT,
 * UPDATE, DELETE).
 * db_step_id: for "INSERT ... RETURNING id" (no ON CONFLICT): *id gets
 * column 0 of the row.  No row is ERR_DB, as such an insert either
 * returns its row or fails; *id is untouched on any error.
 * db_step_one: for an UPDATE or DELETE (no RETURNING) that must change
 * exactly one row: none (a negative error: ERR_NOTFOUND, ERR_GONE, ...)
 * when it changed another number of rows.
 */
int db_run(struct db_stmt *st);
int db_step_id(struct db_stmt *st, int64_t *id);
int db_step_one(struct db_stmt *st, int none);

/* Run SQL without results or parameters (several statements allowed). */
int db_exec(struct db_conn *c, const char *sql);

/* Convenience: run a statement that returns at most one integer. *out is
 * untouched and ERR_NOTFOUND returned when there is no row. */
int db_query_i64(struct db_conn *c, const char *sql, int64_t *out,
    int nargs, const int64_t *args);

#endif
