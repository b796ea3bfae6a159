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
 * db_write means the job is durable (SQLite WAL synchronous=FULL; PostgreSQL
 * default synchronous_commit).  PostgreSQL groups commits itself, so there
 * each job may run in a transaction of its own; callers cannot tell.
 *
 * SQL is written once for both backends:
 *   - placeholders are '?', numbered left to right from 1; the PostgreSQL
 *     backend rewrites them to $1, $2, ...;
 *   - integers are BIGINT, text is TEXT; times are BIGINT Unix seconds (UTC);
 *   - new ids come back through "INSERT ... RETURNING id";
 *   - in migrations only, {{ID}} is the auto-increment primary key column
 *     type and {{BLOB}} the byte-string type.
 *
 * Statements are cached per connection, keyed by the SQL text, so callers
 * pass string literals and never finalise: db_prepare, bind, step, db_done.
 *
 * Errors: a unique or foreign-key violation is ERR_CONFLICT, a lock that
 * stayed busy past LIMIT_DB_BUSY_MS is ERR_BUSY (HTTP 503), anything else
 * ERR_DB (logged with the backend's message, which never holds bound values).
 */
#ifndef INFUUS_DB_H
#define INFUUS_DB_H

#include <stdbool.h>
#include <stdint.h>

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
 * "sqlite:").  Does not migrate; call db_migrate.
 */
int db_open(const char *url, struct db **out);
/* Finishes queued writes, then closes every connection. */
void db_close(struct db *db);
enum db_kind db_kind(const struct db *db);

/* Apply the migrations that are not yet applied, in order, each in its own
 * transaction.  *applied (may be NULL) gets how many ran. */
int db_migrate(struct db *db, int *applied);
/* The highest applied migration version. */
int db_schema_version(struct db *db, int *version);

/* Reads. */
int db_read_begin(struct db *db, struct db_conn **out);
void db_read_end(struct db *db, struct db_conn *c);

/* Writes through group commit.  fn runs on the writer inside a savepoint;
 * a negative return rolls back that job alone and is returned by db_write.
 * fn must not call db_write or db_read_begin itself. */
typedef int (*db_write_fn)(struct db_conn *c, void *arg);
int db_write(struct db *db, db_write_fn fn, void *arg);

/* Statements. */
int db_prepare(struct db_conn *c, const char *sql, struct db_stmt **out);
void db_bind_i64(struct db_stmt *st, int idx, int64_t v);
void db_bind_text(struct db_stmt *st, int idx, const char *p, size_t len);
void db_bind_textz(struct db_stmt *st, int idx, const char *s); /* NULL -> NULL */
void db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t len);
void db_bind_null(struct db_stmt *st, int idx);
/* DB_ROW, DB_DONE or a negative error. */
int db_step(struct db_stmt *st);
bool db_col_null(struct db_stmt *st, int col);
int64_t db_col_i64(struct db_stmt *st, int col);
/* Valid until the next db_step or db_done; not NUL-terminated by contract
 * (though both backends happen to terminate text). */
struct str db_col_text(struct db_stmt *st, int col);
struct str db_col_blob(struct db_stmt *st, int col);
/* Rows changed by the last step of an INSERT/UPDATE/DELETE. */
int64_t db_changes(struct db_stmt *st);
/* Reset the statement and return it to the connection's cache. */
void db_done(struct db_stmt *st);

/* Run SQL without results or parameters (several statements allowed). */
int db_exec(struct db_conn *c, const char *sql);

/* Convenience: run a statement that returns at most one integer. *out is
 * untouched and ERR_NOTFOUND returned when there is no row. */
int db_query_i64(struct db_conn *c, const char *sql, int64_t *out,
    int nargs, const int64_t *args);

#endif
