/*
 * db_int.h - what db.c shares with its backends (db_sqlite.c, db_pg.c),
 * with db_writer.c and db_migrate.c, and with the store's own tests; no
 * other module includes it.
 *
 * A backend is a table of function pointers (struct db_ops).  Its
 * connection and statement structs embed struct db_conn / struct db_stmt as
 * their first member, so db.c handles the common part (statement cache,
 * pools, the writer) and casts nothing.
 */
#ifndef INFUUS_DB_INT_H
#define INFUUS_DB_INT_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "store/db.h"

struct db_ops;

/* The part of every statement that db.c manages. */
struct db_stmt {
	struct db_conn *conn;
	char *sql;            /* owned copy: the cache key */
	uint32_t hash;
	bool cached;          /* in conn's cache (else finalised by db_done) */
	bool active;          /* between db_prepare and db_done */
	int err;              /* first bind error, reported by db_step */
	struct db_stmt *next; /* conn's list of uncached active statements */
};

struct db_stmt_slot {
	uint32_t hash;
	struct db_stmt *st;
};

/* db_prepare's first try, before hashing the SQL text: the statements last
 * prepared, by the address of their text (callers pass literals), each hit
 * confirmed with strcmp. */
#define DB_RECENT 64
struct db_recent {
	const char *sql;
	struct db_stmt *st;
};

/* The part of every connection that db.c manages. */
struct db_conn {
	const struct db_ops *ops;
	struct db *db;
	bool writer;
	struct db_stmt_slot *slots; /* open addressing, power-of-two size */
	size_t nslots;
	size_t ncached;
	struct db_recent recent[DB_RECENT];
	/* Cache hits on this connection: counted here, not on the db, so
	 * threads on different connections do not fight over one line;
	 * written by the connection's thread only, read by db_stats. */
	_Atomic uint64_t hits;
	/* Times db_read_begin handed this connection out; changed under the
	 * pool's mutex, which the borrower holds anyway. */
	_Atomic uint64_t borrows;
	int nactive;                /* statements between prepare and done */
	int failed;                 /* first statement error of a write job */
	struct db_stmt *uncached;   /* active statements outside the cache */
	struct db_conn *next;       /* the read pool's free list */
	struct db_conn *all_next;   /* every read connection of the db */
};

enum db_txn {
	DB_TXN_BEGIN_WRITE,    /* SQLite: BEGIN IMMEDIATE */
	DB_TXN_BEGIN_SNAPSHOT, /* a read-only transaction with one snapshot */
	DB_TXN_COMMIT,
	DB_TXN_ROLLBACK,
	DB_TXN_SAVEPOINT,
	DB_TXN_RELEASE,
	DB_TXN_ROLLBACK_TO,
};

struct db_ops {
	enum db_kind kind;
	const char *name;
	const char *id_type;   /* {{ID}} in migrations */
	const char *blob_type; /* {{BLOB}} */

	/* Backend state of a database; target is the URL without "sqlite:". */
	int (*open)(struct db *db, const char *target, const struct db_opts *o,
	    void **impl);
	void (*close)(void *impl);
	int (*conn_open)(struct db *db, void *impl, bool writer,
	    struct db_conn **out);
	void (*conn_close)(struct db_conn *c);
	/* Before a connection is used: re-establish it if it broke (its
	 * statements then re-prepare themselves).  0 when it was fine, 1
	 * when it is new, or an error. */
	int (*conn_check)(struct db_conn *c);
	bool (*in_txn)(struct db_conn *c);
	int (*txn)(struct db_conn *c, enum db_txn op);
	/* Make durable every COMMIT the writer has returned from so far:
	 * on db_writer.c's syncer thread while the writer goes on with the next
	 * batch, or on the writer when nothing waits, possibly both at once
	 * (see db_writer.c).  NULL when a returned COMMIT is durable by itself.
	 * Used only with DB_SYNC_FULL. */
	int (*flush)(void *impl);
	/* On the writer thread between batches (after each, and before the
	 * first), no transaction open: the backend's upkeep that must not
	 * race a writer (SQLite starts an overgrown log over).  May be
	 * NULL. */
	void (*upkeep)(void *impl, struct db_conn *writer);
	/* Take and drop the lock that serialises migrations across nodes. */
	int (*migrate_lock)(struct db_conn *c, bool take);

	int (*prepare)(struct db_conn *c, const char *sql, bool cached,
	    struct db_stmt **out);
	void (*reset)(struct db_stmt *st);
	void (*finalize)(struct db_stmt *st);
	int (*bind_i64)(struct db_stmt *st, int idx, int64_t v);
	int (*bind_text)(struct db_stmt *st, int idx, const char *p, size_t len);
	int (*bind_blob)(struct db_stmt *st, int idx, const void *p, size_t len);
	int (*bind_null)(struct db_stmt *st, int idx);
	int (*step)(struct db_stmt *st);
	bool (*col_null)(struct db_stmt *st, int col);
	int64_t (*col_i64)(struct db_stmt *st, int col);
	struct str (*col_text)(struct db_stmt *st, int col);
	struct str (*col_blob)(struct db_stmt *st, int col);
	int64_t (*changes)(struct db_stmt *st);
	int (*exec)(struct db_conn *c, const char *sql);
};

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_pg_ops;

/* db_open_opts on the given backend table rather than the one the URL
 * names: the store's tests wrap a backend's functions to inject faults. */
int db_open_ops(const struct db_ops *ops, const char *target,
    const struct db_opts *opts, struct db **out);

/* Counters the backends bump (atomically). */
void db_count_prepare(struct db *db);

/* The migrations embedded at build time (tools/embed_sql.py), in version
 * order, ended by an entry with version 0. */
struct db_migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct db_migration db_migrations[];

/* db_migrate with another list (for tests), same rules. */
int db_migrate_list(struct db *db, const struct db_migration *list,
    int *applied);
/* Substitute {{ID}} and {{BLOB}} for a backend; ERR_INVAL on any other
 * {{token}}. */
int db_migration_sql(const struct db_ops *ops, const char *sql,
    struct buf *out);

/* Rewrite '?' placeholders to $1, $2, ... outside string literals, quoted
 * identifiers, comments and dollar quotes; *nparams gets their number. */
void db_pg_rewrite(const char *sql, struct buf *out, int *nparams);

/* --- What db.c, db_writer.c and db_migrate.c share ----------------------
 * The backends never look inside struct db: they get it only to hand back
 * (db_count_prepare) and to find their own state through impl. */

/* One db_write (or raw job); lives on the caller's stack (db_writer.c). */
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

/* Counters: statistics only, so relaxed. */
#define CNT_ADD(x, v) atomic_fetch_add_explicit(&(x), (v), memory_order_relaxed)
#define CNT_GET(x) atomic_load_explicit(&(x), memory_order_relaxed)

/* Give back every statement a caller left between prepare and done
 * (db.c); who names the caller in the log line. */
void db_conn_reset_active(struct db_conn *c, const char *who);

/* Queue a job for the writer and wait for its result (db_writer.c).  A
 * raw job runs alone, outside any transaction of the writer's
 * (db_migrate.c's runner opens its own). */
int db_enqueue(struct db *db, db_write_fn fn, void *arg, bool raw);
/* The writer's and the syncer's threads, started by db_open_ops; db_close
 * stops the writer through q_stopping and the syncer with db_syncer_stop. */
void *db_writer_main(void *arg);
void *db_syncer_main(void *arg);
void db_syncer_stop(struct db *db);

#endif
