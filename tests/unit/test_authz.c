/*
 * test_authz.c - the authorisation matrix: admin, professional, volunteer,
 * client and stakeholder of organisation A, and an admin of organisation
 * B, against every kind of object and action, with the two-factor
 * requirement of the access log.  Runs on SQLite always and on PostgreSQL
 * too when INFUUS_TEST_PG holds a URL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "identity/authz.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "keys/keyring.h"
#include "store/db.h"

#define TEST_NAME "authz"

/* --- Fixture: one fresh database per group, emptied before each test --- */

struct backend {
	const char *name;
	const char *url; /* NULL: a SQLite file in a fresh folder */
};

struct group {
	const struct backend *be;
	struct db *db;
	char dir[64];
	char path[96];
	char key[96];
};

struct fx {
	struct group *g;
	struct db *db;
	struct keyring *kr;
};

/*
 * PostgreSQL: a database of this test program's own, dropped and made
 * anew, so tests of other modules running at the same time against the
 * same server are not disturbed and no rows of earlier runs remain.
 */
static int
pg_fresh_database(const char *url, const char *name, char *out, size_t outlen)
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

static int
wipe_job(struct db_conn *c, void *arg)
{
	(void)arg;
	return db_exec(c, "DELETE FROM login_attempts; "
	    "DELETE FROM recovery_codes; DELETE FROM password_resets; "
	    "DELETE FROM invites; DELETE FROM sessions; "
	    "DELETE FROM memberships; DELETE FROM users; DELETE FROM orgs; "
	    "DELETE FROM org_keys;");
}

/* Open (and migrate) the group's database; plain C, outside any test. */
static int
group_open(struct group *g, const struct backend *be)
{
	memset(g, 0, sizeof(*g));
	g->be = be;
	snprintf(g->dir, sizeof(g->dir), "/tmp/test_%s.XXXXXX", TEST_NAME);
	if (mkdtemp(g->dir) == NULL)
		return -1;
	snprintf(g->path, sizeof(g->path), "%s/infuus.db", g->dir);
	snprintf(g->key, sizeof(g->key), "%s/master.key", g->dir);
	if (db_open(be->url ? be->url : g->path, &g->db) != 0) {
		fprintf(stderr, "%s: cannot open the database\n", be->name);
		return -1;
	}
	if (db_migrate(g->db, NULL) != 0) {
		fprintf(stderr, "%s: migrations failed\n", be->name);
		return -1;
	}
	return 0;
}

static void
group_close(struct group *g)
{
	char p[128];

	if (g->db)
		db_close(g->db);
	g->db = NULL;
	unlink(g->path);
	snprintf(p, sizeof(p), "%s-wal", g->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", g->path);
	unlink(p);
	unlink(g->key);
	rmdir(g->dir);
}

static int
setup(void **state)
{
	struct group *g = *state;
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->g = g;
	fx->db = g->db;
	assert_int_equal(db_write(fx->db, wipe_job, NULL), 0);
	assert_int_equal(keyring_new(g->key, &fx->kr), 0);
	/* As at start-up: makes the system key (organisation 0). */
	assert_int_equal(keyring_start(fx->kr, fx->db), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	keyring_free(fx->kr);
	*state = fx->g;
	free(fx);
	return 0;
}

/* Run the tests on SQLite, and on PostgreSQL when INFUUS_TEST_PG is set. */
static int
run_backends(int (*run)(const char *, struct group *))
{
	struct backend sqlite = { "sqlite", NULL }, pg = { "postgres", NULL };
	const char *url = getenv("INFUUS_TEST_PG");
	char pgurl[512];
	struct group g;
	int failed = 0;

	if (group_open(&g, &sqlite) != 0)
		return 1;
	failed += run(TEST_NAME " sqlite", &g);
	group_close(&g);
	if (url == NULL || url[0] == '\0')
		return failed;
	if (pg_fresh_database(url, "infuus_t_" TEST_NAME, pgurl,
	    sizeof(pgurl)) != 0)
		return failed + 1;
	pg.url = pgurl;
	if (group_open(&g, &pg) != 0)
		return failed + 1;
	failed += run(TEST_NAME " postgres", &g);
	group_close(&g);
	return failed;
}

/* --- Helpers ------------------------------------------------------------ */

#define T0 ((time_t)1700000000)

struct user_job {
	const char *email;
	const char *name;
	int64_t id;
};

static int
user_run(struct db_conn *c, void *arg)
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

/* An account made directly: these tests need no password, and argon2id
 * would only make them slow. */
static int64_t
add_user(struct fx *fx, const char *email, const char *name)
{
	struct user_job j = { email, name, 0 };

	assert_int_equal(db_write(fx->db, user_run, &j), 0);
	assert_true(j.id > 0);
	return j.id;
}

static int64_t
new_org(struct fx *fx, const char *name, const char *slug)
{
	int64_t id = 0;

	assert_int_equal(org_create(fx->db, fx->kr, name, slug,
	    "Europe/Amsterdam", &id), 0);
	return id;
}

/* Two organisations and their people. */
struct world {
	int64_t a, b;
	int64_t admin_a, pro_a, vol_a, client_a, client2_a, holder_a;
	int64_t admin_b;
};

static void
make_world(struct fx *fx, struct world *w)
{
	w->a = new_org(fx, "Praktijk A", "praktijk-a");
	w->b = new_org(fx, "Praktijk B", "praktijk-b");
	w->admin_a = add_user(fx, "admin@a.example", "Admin A");
	w->pro_a = add_user(fx, "coach@a.example", "Coach A");
	w->vol_a = add_user(fx, "vrijwilliger@a.example", "Vrijwilliger A");
	w->client_a = add_user(fx, "klant@a.example", "Klant A");
	w->client2_a = add_user(fx, "klant2@a.example", "Klant2 A");
	w->holder_a = add_user(fx, "hr@a.example", "HR A");
	w->admin_b = add_user(fx, "admin@b.example", "Admin B");
	assert_int_equal(member_add(fx->db, w->a, w->admin_a, ROLE_ADMIN), 0);
	assert_int_equal(member_add(fx->db, w->a, w->pro_a, ROLE_PROFESSIONAL),
	    0);
	assert_int_equal(member_add(fx->db, w->a, w->vol_a, ROLE_VOLUNTEER), 0);
	assert_int_equal(member_add(fx->db, w->a, w->client_a, ROLE_CLIENT), 0);
	assert_int_equal(member_add(fx->db, w->a, w->client2_a, ROLE_CLIENT),
	    0);
	assert_int_equal(member_add(fx->db, w->a, w->holder_a,
	    ROLE_STAKEHOLDER), 0);
	assert_int_equal(member_add(fx->db, w->b, w->admin_b, ROLE_ADMIN), 0);
}

static struct principal
who(int64_t user, int64_t org, enum role r, bool twofa)
{
	struct principal p = { user, org, r, twofa };

	return p;
}

struct rule {
	const char *what;
	struct principal p;
	enum authz_action act;
	enum authz_kind kind;
	int64_t id;
	int want;
};

static const char *
errname(int rc)
{
	return rc == 0 ? "allowed" : err_name(rc);
}

static void
check_rules(struct fx *fx, const struct rule *r, size_t n)
{
	size_t i;
	int bad = 0, rc;

	for (i = 0; i < n; i++) {
		rc = authz_check(fx->db, &r[i].p, r[i].act, r[i].kind, r[i].id);
		if (rc != r[i].want) {
			print_error("%s: expected %s, got %s\n", r[i].what,
			    errname(r[i].want), errname(rc));
			bad++;
		}
	}
	if (bad)
		fail_msg("%d of %zu decisions wrong", bad, n);
}

#define NF ERR_NOTFOUND
#define FB ERR_FORBIDDEN

static void
organisation_members_and_audit_log(void **state)
{
	struct fx *fx = *state;
	struct world w;

	make_world(fx, &w);
	const struct principal admin = who(w.admin_a, w.a, ROLE_ADMIN, true);
	const struct principal admin1 = who(w.admin_a, w.a, ROLE_ADMIN, false);
	const struct principal pro = who(w.pro_a, w.a, ROLE_PROFESSIONAL, true);
	const struct principal client = who(w.client_a, w.a, ROLE_CLIENT, true);
	const struct principal other = who(w.admin_b, w.b, ROLE_ADMIN, true);
	const struct rule rules[] = {
		{ "admin reads own org", admin, AUTHZ_READ, AUTHZ_ORG, w.a, 0 },
		{ "admin changes own org", admin, AUTHZ_UPDATE, AUTHZ_ORG, w.a,
		    0 },
		{ "pro reads own org", pro, AUTHZ_READ, AUTHZ_ORG, w.a, 0 },
		{ "pro changes own org", pro, AUTHZ_UPDATE, AUTHZ_ORG, w.a,
		    FB },
		{ "client reads own org", client, AUTHZ_READ, AUTHZ_ORG, w.a,
		    0 },
		{ "client deletes own org", client, AUTHZ_DELETE, AUTHZ_ORG,
		    w.a, FB },
		{ "admin B reads org A", other, AUTHZ_READ, AUTHZ_ORG, w.a,
		    NF },
		{ "admin B changes org A", other, AUTHZ_UPDATE, AUTHZ_ORG, w.a,
		    NF },
		{ "admin reads no org", admin, AUTHZ_READ, AUTHZ_ORG, w.b + 100,
		    NF },

		{ "admin lists members", admin, AUTHZ_READ, AUTHZ_MEMBERS, w.a,
		    0 },
		{ "admin invites", admin, AUTHZ_CREATE, AUTHZ_MEMBERS, w.a, 0 },
		{ "admin without 2FA lists members", admin1, AUTHZ_READ,
		    AUTHZ_MEMBERS, w.a, 0 },
		{ "pro lists members", pro, AUTHZ_READ, AUTHZ_MEMBERS, w.a,
		    FB },
		{ "client lists members", client, AUTHZ_READ, AUTHZ_MEMBERS,
		    w.a, FB },
		{ "admin B lists A's members", other, AUTHZ_READ, AUTHZ_MEMBERS,
		    w.a, NF },

		{ "admin with 2FA reads the log", admin, AUTHZ_READ,
		    AUTHZ_AUDIT_ORG, w.a, 0 },
		{ "admin with 2FA exports the log", admin, AUTHZ_EXPORT,
		    AUTHZ_AUDIT_ORG, w.a, 0 },
		{ "admin without 2FA reads the log", admin1, AUTHZ_READ,
		    AUTHZ_AUDIT_ORG, w.a, FB },
		{ "admin deletes from the log", admin, AUTHZ_DELETE,
		    AUTHZ_AUDIT_ORG, w.a, FB },
		{ "admin changes the log", admin, AUTHZ_UPDATE,
		    AUTHZ_AUDIT_ORG, w.a, FB },
		{ "pro reads the log", pro, AUTHZ_READ, AUTHZ_AUDIT_ORG, w.a,
		    FB },
		{ "client reads the log", client, AUTHZ_READ, AUTHZ_AUDIT_ORG,
		    w.a, FB },
		{ "admin B reads A's log", other, AUTHZ_READ, AUTHZ_AUDIT_ORG,
		    w.a, NF },
		{ "admin B reads own log", other, AUTHZ_READ, AUTHZ_AUDIT_ORG,
		    w.b, 0 },
	};

	check_rules(fx, rules, sizeof(rules) / sizeof(rules[0]));
}

static void
people_and_their_own_log(void **state)
{
	struct fx *fx = *state;
	struct world w;

	make_world(fx, &w);
	const struct principal admin = who(w.admin_a, w.a, ROLE_ADMIN, true);
	const struct principal pro = who(w.pro_a, w.a, ROLE_PROFESSIONAL, true);
	const struct principal vol = who(w.vol_a, w.a, ROLE_VOLUNTEER, true);
	const struct principal client = who(w.client_a, w.a, ROLE_CLIENT, true);
	const struct principal holder = who(w.holder_a, w.a, ROLE_STAKEHOLDER,
	    true);
	const struct principal other = who(w.admin_b, w.b, ROLE_ADMIN, true);
	const struct principal loose = who(w.client_a, 0, 0, true);
	const struct rule rules[] = {
		{ "client reads self", client, AUTHZ_READ, AUTHZ_USER,
		    w.client_a, 0 },
		{ "client edits self", client, AUTHZ_UPDATE, AUTHZ_USER,
		    w.client_a, 0 },
		{ "client exports self", client, AUTHZ_EXPORT, AUTHZ_USER,
		    w.client_a, 0 },
		{ "client deletes self", client, AUTHZ_DELETE, AUTHZ_USER,
		    w.client_a, FB },
		{ "client reads other client", client, AUTHZ_READ, AUTHZ_USER,
		    w.client2_a, FB },
		{ "client reads coach", client, AUTHZ_READ, AUTHZ_USER, w.pro_a,
		    FB },
		/* The same answer whether the id exists or not. */
		{ "client reads nobody", client, AUTHZ_READ, AUTHZ_USER,
		    w.admin_b + 100, FB },
		{ "client reads admin B", client, AUTHZ_READ, AUTHZ_USER,
		    w.admin_b, FB },
		{ "stakeholder reads client", holder, AUTHZ_READ, AUTHZ_USER,
		    w.client_a, FB },
		{ "pro reads client", pro, AUTHZ_READ, AUTHZ_USER, w.client_a,
		    0 },
		{ "volunteer reads client", vol, AUTHZ_READ, AUTHZ_USER,
		    w.client_a, 0 },
		{ "pro edits client", pro, AUTHZ_UPDATE, AUTHZ_USER, w.client_a,
		    FB },
		{ "admin reads client", admin, AUTHZ_READ, AUTHZ_USER,
		    w.client_a, 0 },
		{ "admin reads admin B", admin, AUTHZ_READ, AUTHZ_USER,
		    w.admin_b, NF },
		{ "pro reads nobody", pro, AUTHZ_READ, AUTHZ_USER,
		    w.admin_b + 100, NF },
		{ "admin B reads client A", other, AUTHZ_READ, AUTHZ_USER,
		    w.client_a, NF },
		{ "no org chosen: reads self", loose, AUTHZ_READ, AUTHZ_USER,
		    w.client_a, 0 },
		{ "no org chosen: reads org", loose, AUTHZ_READ, AUTHZ_ORG, w.a,
		    NF },

		{ "client reads own log", client, AUTHZ_READ, AUTHZ_AUDIT_SELF,
		    w.client_a, 0 },
		{ "client exports own log", client, AUTHZ_EXPORT,
		    AUTHZ_AUDIT_SELF, w.client_a, 0 },
		{ "client deletes own log", client, AUTHZ_DELETE,
		    AUTHZ_AUDIT_SELF, w.client_a, FB },
		{ "client reads coach's log", client, AUTHZ_READ,
		    AUTHZ_AUDIT_SELF, w.pro_a, FB },
		{ "admin reads client's own log", admin, AUTHZ_READ,
		    AUTHZ_AUDIT_SELF, w.client_a, FB },
	};

	check_rules(fx, rules, sizeof(rules) / sizeof(rules[0]));
}

static void
relation_objects_do_not_exist_yet(void **state)
{
	struct fx *fx = *state;
	struct world w;

	make_world(fx, &w);
	const struct principal admin = who(w.admin_a, w.a, ROLE_ADMIN, true);
	const struct principal pro = who(w.pro_a, w.a, ROLE_PROFESSIONAL, true);
	const struct rule rules[] = {
		{ "admin reads trajectory", admin, AUTHZ_READ, AUTHZ_TRAJECTORY,
		    1, NF },
		{ "pro reads thread", pro, AUTHZ_READ, AUTHZ_THREAD, 1, NF },
		{ "pro posts message", pro, AUTHZ_CREATE, AUTHZ_MESSAGE, 1,
		    NF },
	};

	check_rules(fx, rules, sizeof(rules) / sizeof(rules[0]));
}

static void
nobody_and_broken_principals_are_refused(void **state)
{
	struct fx *fx = *state;
	struct world w;

	make_world(fx, &w);
	const struct principal anon = who(0, w.a, ROLE_ADMIN, true);
	const struct principal combo = who(w.admin_a, w.a,
	    ROLE_ADMIN | ROLE_CLIENT, true);
	const struct rule rules[] = {
		{ "no user", anon, AUTHZ_READ, AUTHZ_ORG, w.a, FB },
		{ "no user, own log", anon, AUTHZ_READ, AUTHZ_AUDIT_SELF, 0,
		    FB },
		{ "two roles at once", combo, AUTHZ_READ, AUTHZ_MEMBERS, w.a,
		    NF },
	};

	check_rules(fx, rules, sizeof(rules) / sizeof(rules[0]));
	assert_int_equal(authz_check(fx->db, NULL, AUTHZ_READ, AUTHZ_ORG, w.a),
	    ERR_FORBIDDEN);
}

/* The principal as the web layer makes it: from the session, whose role
 * is read from the membership on every request. */
static void
a_removed_member_loses_access_on_the_next_request(void **state)
{
	struct fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct session s;
	struct principal p;
	struct world w;

	make_world(fx, &w);
	assert_int_equal(session_create(fx->db, w.pro_a, w.a, true, false, NULL,
	    NULL, T0, &tok, &s), 0);
	assert_int_equal(session_lookup(fx->db, NULL, tok.p, T0 + 1, &s), 0);
	p = who(s.user_id, s.org_id, s.role, s.twofa_passed);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_USER,
	    w.client_a), 0);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_ORG, w.a),
	    0);
	assert_int_equal(member_remove(fx->db, w.a, w.pro_a), 0);
	assert_int_equal(session_lookup(fx->db, NULL, tok.p, T0 + 2, &s), 0);
	p = who(s.user_id, s.org_id, s.role, s.twofa_passed);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_USER,
	    w.client_a), ERR_FORBIDDEN);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_ORG, w.a),
	    ERR_NOTFOUND);
	/* A client that became admin gets the members list, and the log
	 * only after two factors. */
	assert_int_equal(member_set_role(fx->db, w.a, w.client_a, ROLE_ADMIN),
	    0);
	assert_int_equal(session_create(fx->db, w.client_a, w.a, false, true,
	    NULL, NULL, T0, &tok, &s), 0);
	assert_int_equal(session_lookup(fx->db, NULL, tok.p, T0 + 3, &s), 0);
	p = who(s.user_id, s.org_id, s.role, s.twofa_passed);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_MEMBERS,
	    w.a), 0);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_AUDIT_ORG,
	    w.a), ERR_FORBIDDEN);
	assert_int_equal(session_promote(fx->db, s.id, w.a), 0);
	assert_int_equal(session_lookup(fx->db, NULL, tok.p, T0 + 4, &s), 0);
	p = who(s.user_id, s.org_id, s.role, s.twofa_passed);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_AUDIT_ORG,
	    w.a), 0);
	buf_release(&tok);
}

#define T(f, g) cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, g)

static int
run(const char *name, struct group *g)
{
	const struct CMUnitTest tests[] = {
		T(organisation_members_and_audit_log, g),
		T(people_and_their_own_log, g),
		T(relation_objects_do_not_exist_yet, g),
		T(nobody_and_broken_principals_are_refused, g),
		T(a_removed_member_loses_access_on_the_next_request, g),
	};

	return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}

int
main(void)
{
	if (crypto_init() != 0)
		return 1;
	return run_backends(run) != 0;
}
