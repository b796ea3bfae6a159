/*
 * testdb.h - the database fixture the unit tests share: a database per
 * group of tests on SQLite (a file in a fresh folder) and, when
 * INFUUS_TEST_PG holds a URL, on PostgreSQL too; plus small helpers that
 * write and read single values and make accounts and organisations.
 *
 * Functions whose name says "open", "close", "fresh" or "run" work outside
 * any test (they print what went wrong and return -1 or a count of
 * failures); the others run inside a test and fail it through cmocka's
 * assertions, so include <cmocka.h> (and what it needs) before this file.
 */
#ifndef INFUUS_TESTDB_H
#define INFUUS_TESTDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct db;
struct keyring;

/* One backend of one test program: a folder of its own, the database. */
struct testdb {
	const char *test;    /* the program's name, e.g. "identity" */
	const char *backend; /* "sqlite" or "postgres" */
	const char *url;     /* NULL: the SQLite file at path; else pgurl */
	struct db *db;       /* open and migrated after testdb_open */
	char dir[64];        /* /tmp/test_<test>.XXXXXX, made by testdb_open */
	char path[96];       /* dir/infuus.db (SQLite only) */
	char key[96];        /* dir/master.key: where a test keeps its key */
	char pgurl[512];
};

/*
 * PostgreSQL: drop the database `name` on the server url names and make it
 * anew, so a test program has a database of its own: tests of other
 * programs running at the same time are not disturbed and no rows of
 * earlier runs remain.  out gets url with its database part replaced by
 * name (options after '?' kept).  0, or -1 with a message on stderr.
 */
int testdb_fresh_pg(const char *url, const char *name, char *out,
    size_t outlen);

/* Describe a backend without opening anything; url NULL or "" is SQLite. */
void testdb_init(struct testdb *t, const char *test, const char *backend,
    const char *url);
/* Make t's folder and open and migrate its database: 0, or -1 with a
 * message on stderr.  Call testdb_close either way. */
int testdb_open(struct testdb *t);
/* Close the database; remove the SQLite files, dir/master.key and the
 * folder.  Safe on a testdb that was only initialised or failed to open.
 * Free what uses t->db (a keyring, caches) first. */
void testdb_close(struct testdb *t);

/* testdb_run_backends flags. */
enum {
	/* Run PostgreSQL on the database INFUUS_TEST_PG names, shared with
	 * other programs and earlier runs (the tests make unique names),
	 * instead of on a fresh database "infuus_t_<test>". */
	TESTDB_SHARED_PG = 1 << 0,
	/* Open nothing: run gets the backend only (testdb_init), for tests
	 * that open a database per test. */
	TESTDB_NO_OPEN = 1 << 1,
};

/*
 * Call run(group, t) for SQLite and, when INFUUS_TEST_PG is set, for
 * PostgreSQL, with t opened (unless TESTDB_NO_OPEN) and closed afterwards,
 * and group "<test> sqlite" or "<test> postgres".  Returns the failures
 * run reported, plus one for each backend that could not be set up.
 */
typedef int (*testdb_run_fn)(const char *group, struct testdb *t);
int testdb_run_backends(const char *test, int flags, testdb_run_fn run);

/*
 * The state of the identity-shaped tests (identity, session, authz):
 * testdb_fx_setup takes the group's struct testdb as prestate, empties the
 * tables of accounts, organisations, sessions and keys, and starts a
 * keyring on t->key (making the system key, as at start-up); the state
 * becomes a struct testdb_fx until testdb_fx_teardown.
 */
struct testdb_fx {
	struct testdb *g;
	struct db *db;
	struct keyring *kr;
};
int testdb_fx_setup(void **state);
int testdb_fx_teardown(void **state);

/* Run a script of statements without arguments on the writer (db_exec);
 * returns db_write's result. */
int testdb_script(struct db *db, const char *sql);
/* One statement with nargs (0..2) integer arguments a, b on the writer;
 * asserts that it succeeds. */
void testdb_write(struct db *db, const char *sql, int nargs, int64_t a,
    int64_t b);
/* The integer in the first column of the first row, read on a read
 * connection; asserts that there is one. */
int64_t testdb_i64(struct db *db, const char *sql, int nargs, int64_t a,
    int64_t b);

/*
 * A row written by hand, as another module would write it: one statement
 * on the writer with nargs integer arguments (-1 binds NULL), where
 * argument seal_at (1-based), when seal is set, is instead that text
 * sealed with organisation org's key.  testdb_raw asserts it succeeds,
 * sets id (the first column of the first row, if any) and changes, and
 * returns id.
 */
struct testdb_raw {
	const char *sql;
	int64_t args[10];
	int nargs;
	struct keyring *kr;
	int64_t org;
	const char *seal;
	int seal_at;
	int64_t id;
	int64_t changes;
};
int64_t testdb_raw(struct db *db, struct testdb_raw *j);

/* Append to out the bytes in the first column of the row sql (with one
 * integer argument, id) finds: a sealed column as stored.  Asserts there
 * is a row. */
void testdb_blob(struct db *db, const char *sql, int64_t id, struct buf *out);

/* Whether a value in the first column of the rows sql (no arguments)
 * finds holds one of the needles (a NULL-ended list), as stored: each hit
 * is named on stderr.  Adds the rows read to *rows.  Asserts the read. */
bool testdb_column_has(struct db *db, const char *sql,
    const char *const *needles, size_t *rows);

/* testdb_column_has for each of the n statements sql[i], rows[i] the
 * rows it read; fails the test, naming the statement, at a hit. */
void testdb_scan_sealed(struct db *db, const char *const *sql, size_t n,
    const char *const *needles, size_t *rows);

/* An account written directly (pw_hash 'x', lang "en"): for tests that
 * need no password, where argon2id would only make them slow.  Asserts. */
int64_t testdb_add_user(struct db *db, const char *email, const char *name);
/* org_create in Europe/Amsterdam; asserts it succeeds with an id. */
int64_t testdb_new_org(struct db *db, struct keyring *kr, const char *name,
    const char *slug);
/* Twelve random hex digits (out holds 13 bytes at least): makes names
 * unique on a shared database. */
void testdb_run_tag(char *out, size_t outlen);

#endif
