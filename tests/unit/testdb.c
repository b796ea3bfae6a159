/*
 * testdb.c - the unit tests' shared database fixture (see testdb.h).
 *
 * Owns the per-group folder under /tmp and, on PostgreSQL, the database
 * "infuus_t_<test>" it makes anew for each run.  It does not own what the
 * tests put in the database: a test that needs empty tables empties them
 * itself (testdb_fx_setup does so for the identity tables).
 *
 * Caveat: names given to testdb_fresh_pg are put into SQL unquoted; they
 * come from the test programs, never from outside.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "store/db.h"
#include "testdb.h"

#include "core/banned.h"

int
testdb_fresh_pg(const char *url, const char *name, char *out, size_t outlen)
{
	char sql[160];
	const char *p, *q, *slash;
	PGconn *h;
	PGresult *res;
	int ok = 1;

	h = PQconnectdb(url);
	if (PQstatus(h) != CONNECTION_OK) {
		fprintf(stderr, "postgres: %s", PQerrorMessage(h));
		PQfinish(h);
		return -1;
	}
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
	    name);
	res = PQexec(h, sql);
	ok &= PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	res = PQexec(h, sql);
	ok &= PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "postgres: %s", PQerrorMessage(h));
	PQclear(res);
	PQfinish(h);
	if (!ok)
		return -1;
	/* postgres://user@host:port/dbname?options -> .../name?options */
	p = strstr(url, "://");
	p = p ? p + 3 : url;
	slash = strchr(p, '/');
	q = strchr(p, '?');
	if (slash == NULL || (q != NULL && q < slash))
		slash = q ? q : p + strlen(p);
	snprintf(out, outlen, "%.*s/%s%s", (int)(slash - url), url, name,
	    q ? q : "");
	return 0;
}

void
testdb_init(struct testdb *t, const char *test, const char *backend,
    const char *url)
{
	memset(t, 0, sizeof(*t));
	t->test = test;
	t->backend = backend;
	if (url != NULL && url[0] != '\0') {
		snprintf(t->pgurl, sizeof(t->pgurl), "%s", url);
		t->url = t->pgurl;
	}
}

int
testdb_open(struct testdb *t)
{
	int rc;

	snprintf(t->dir, sizeof(t->dir), "/tmp/test_%s.XXXXXX", t->test);
	if (mkdtemp(t->dir) == NULL) {
		perror("mkdtemp");
		t->dir[0] = '\0';
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "%s/infuus.db", t->dir);
	snprintf(t->key, sizeof(t->key), "%s/master.key", t->dir);
	if ((rc = db_open(t->url ? t->url : t->path, &t->db)) != 0 ||
	    (rc = db_migrate(t->db, NULL)) != 0) {
		fprintf(stderr, "%s: database: %s\n", t->backend, err_msg(rc));
		return -1;
	}
	return 0;
}

void
testdb_close(struct testdb *t)
{
	char p[128];

	if (t->db)
		db_close(t->db);
	t->db = NULL;
	if (t->dir[0] == '\0')
		return;
	unlink(t->path);
	snprintf(p, sizeof(p), "%s-wal", t->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", t->path);
	unlink(p);
	unlink(t->key);
	rmdir(t->dir);
	t->dir[0] = '\0';
}

static int
run_one(const char *test, int flags, const char *backend, const char *url,
    testdb_run_fn run)
{
	struct testdb t;
	char group[64];
	int failed = 1;

	testdb_init(&t, test, backend, url);
	snprintf(group, sizeof(group), "%s %s", test, backend);
	if ((flags & TESTDB_NO_OPEN) || testdb_open(&t) == 0)
		failed = run(group, &t);
	else
		fprintf(stderr, "%s: set-up failed\n", group);
	testdb_close(&t);
	return failed;
}

int
testdb_run_backends(const char *test, int flags, testdb_run_fn run)
{
	const char *env = getenv("INFUUS_TEST_PG");
	char name[64], url[512];
	int failed;

	failed = run_one(test, flags, "sqlite", NULL, run);
	if (env == NULL || env[0] == '\0')
		return failed;
	if (flags & TESTDB_SHARED_PG)
		return failed + run_one(test, flags, "postgres", env, run);
	snprintf(name, sizeof(name), "infuus_t_%s", test);
	if (testdb_fresh_pg(env, name, url, sizeof(url)) != 0)
		return failed + 1;
	return failed + run_one(test, flags, "postgres", url, run);
}

int
testdb_fx_setup(void **state)
{
	struct testdb *g = *state;
	struct testdb_fx *fx = xcalloc(1, sizeof(*fx));

	fx->g = g;
	fx->db = g->db;
	assert_int_equal(testdb_script(fx->db, "DELETE FROM login_attempts; "
	    "DELETE FROM recovery_codes; DELETE FROM password_resets; "
	    "DELETE FROM invites; DELETE FROM sessions; "
	    "DELETE FROM memberships; DELETE FROM users; DELETE FROM orgs; "
	    "DELETE FROM org_keys;"), 0);
	assert_int_equal(keyring_new(g->key, &fx->kr), 0);
	/* As at start-up: makes the system key (organisation 0). */
	assert_int_equal(keyring_start(fx->kr, fx->db), 0);
	*state = fx;
	return 0;
}

int
testdb_fx_teardown(void **state)
{
	struct testdb_fx *fx = *state;

	keyring_free(fx->kr);
	*state = fx->g;
	free(fx);
	return 0;
}

static int
script_job(struct db_conn *c, void *arg)
{
	const char *const *sql = arg;

	return db_exec(c, *sql);
}

int
testdb_script(struct db *db, const char *sql)
{
	return db_write(db, script_job, &sql);
}

struct write_job {
	const char *sql;
	int64_t a, b;
	int nargs;
};

static int
write_job(struct db_conn *c, void *arg)
{
	struct write_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, j->sql, &st)) != 0)
		return rc;
	if (j->nargs > 0)
		db_bind_i64(st, 1, j->a);
	if (j->nargs > 1)
		db_bind_i64(st, 2, j->b);
	rc = db_step(st);
	db_done(st);
	return rc < 0 ? rc : 0;
}

void
testdb_write(struct db *db, const char *sql, int nargs, int64_t a, int64_t b)
{
	struct write_job j = { sql, a, b, nargs };

	assert_in_range(nargs, 0, 2);
	assert_int_equal(db_write(db, write_job, &j), 0);
}

int64_t
testdb_i64(struct db *db, const char *sql, int nargs, int64_t a, int64_t b)
{
	struct db_conn *c;
	int64_t args[2] = { a, b };
	int64_t v = -1;

	assert_in_range(nargs, 0, 2);
	assert_int_equal(db_read_begin(db, &c), 0);
	assert_int_equal(db_query_i64(c, sql, &v, nargs, args), 0);
	db_read_end(db, c);
	return v;
}

static int
raw_job(struct db_conn *c, void *arg)
{
	struct testdb_raw *j = arg;
	struct buf box = BUF_INIT;
	struct db_stmt *st;
	int rc, i;

	if (j->seal && (rc = keyring_seal(j->kr, c, j->org, j->seal,
	    strlen(j->seal), &box)) != 0)
		return rc;
	if ((rc = db_prepare(c, j->sql, &st)) != 0)
		goto out;
	for (i = 0; i < j->nargs; i++) {
		if (j->seal && i + 1 == j->seal_at)
			db_bind_blob(st, i + 1, box.p, box.len);
		else if (j->args[i] == -1)
			db_bind_null(st, i + 1);
		else
			db_bind_i64(st, i + 1, j->args[i]);
	}
	rc = db_step(st);
	if (rc == DB_ROW)
		j->id = db_col_i64(st, 0);
	j->changes = db_changes(st);
	db_done(st);
out:
	buf_release(&box);
	return rc < 0 ? rc : 0;
}

int64_t
testdb_raw(struct db *db, struct testdb_raw *j)
{
	assert_in_range(j->nargs, 0, 10);
	assert_int_equal(db_write(db, raw_job, j), 0);
	return j->id;
}

void
testdb_blob(struct db *db, const char *sql, int64_t id, struct buf *out)
{
	struct db_conn *c;
	struct db_stmt *st;
	struct str s;

	assert_int_equal(db_read_begin(db, &c), 0);
	assert_int_equal(db_prepare(c, sql, &st), 0);
	db_bind_i64(st, 1, id);
	assert_int_equal(db_step(st), DB_ROW);
	s = db_col_blob(st, 0);
	buf_add(out, s.p, s.len);
	db_done(st);
	db_read_end(db, c);
}

bool
testdb_column_has(struct db *db, const char *sql, const char *const *needles,
    size_t *rows)
{
	struct db_conn *c;
	struct db_stmt *st;
	const char *const *nd;
	struct str v;
	bool hit = false;
	int rc;

	assert_int_equal(db_read_begin(db, &c), 0);
	assert_int_equal(db_prepare(c, sql, &st), 0);
	while ((rc = db_step(st)) == DB_ROW) {
		v = db_col_blob(st, 0);
		(*rows)++;
		for (nd = needles; *nd; nd++)
			if (v.p && v.len >= strlen(*nd) &&
			    memmem(v.p, v.len, *nd, strlen(*nd)) != NULL) {
				fprintf(stderr, "\"%s\" found by %s\n", *nd,
				    sql);
				hit = true;
			}
	}
	assert_int_equal(rc, DB_DONE);
	db_done(st);
	db_read_end(db, c);
	return hit;
}

void
testdb_scan_sealed(struct db *db, const char *const *sql, size_t n,
    const char *const *needles, size_t *rows)
{
	size_t i;

	for (i = 0; i < n; i++) {
		rows[i] = 0;
		if (testdb_column_has(db, sql[i], needles, &rows[i]))
			fail_msg("plain text found by %s", sql[i]);
	}
}

struct user_job {
	const char *email;
	const char *name;
	int64_t id;
};

static int
user_job(struct db_conn *c, void *arg)
{
	struct user_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO users (email, name, pw_hash, "
	    "lang, created_at) VALUES (?, ?, 'x', 'en', 1) RETURNING id",
	    &st)) != 0)
		return rc;
	db_bind_textz(st, 1, j->email);
	db_bind_textz(st, 2, j->name);
	rc = db_step(st);
	if (rc == DB_ROW) {
		j->id = db_col_i64(st, 0);
		rc = 0;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int64_t
testdb_add_user(struct db *db, const char *email, const char *name)
{
	struct user_job j = { email, name, 0 };

	assert_int_equal(db_write(db, user_job, &j), 0);
	assert_true(j.id > 0);
	return j.id;
}

int64_t
testdb_new_org(struct db *db, struct keyring *kr, const char *name,
    const char *slug)
{
	int64_t id = 0;

	assert_int_equal(org_create(db, kr, name, slug, "Europe/Amsterdam",
	    &id), 0);
	assert_true(id > 0);
	return id;
}

void
testdb_run_tag(char *out, size_t outlen)
{
	unsigned char rnd[6];

	crypto_random(rnd, sizeof(rnd));
	snprintf(out, outlen, "%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
	    rnd[2], rnd[3], rnd[4], rnd[5]);
}
