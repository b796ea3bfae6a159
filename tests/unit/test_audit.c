/*
 * test_audit.c - the access log: appends in the caller's transaction, the
 * hash chain and its verifier, the view queries and the limits on what an
 * entry may hold.  Runs on SQLite always and on PostgreSQL too when
 * INFUUS_TEST_PG holds a URL.
 *
 * That an entry cannot carry content is a property of the type: struct
 * audit_event has no field for it (only codes, ids and access-point
 * metadata).  The tests below prove the run-time half: free text does not
 * pass as a code, and access-point metadata is cut and cleaned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "audit/repeat.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "store/db.h"
#include "testdb.h"

struct fx {
	struct testdb t; /* a database per test */
	struct db *db;
};

static const unsigned char zeros[AUDIT_HASHBYTES];

/* --- Fixture ------------------------------------------------------------ */

/* The prestate is the backend (testdb_init'ed only). */
static int
setup(void **state)
{
	const struct testdb *be = *state;
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	testdb_init(&fx->t, be->test, be->backend, be->url);
	assert_int_equal(testdb_open(&fx->t), 0);
	fx->db = fx->t.db;
	/* A shared PostgreSQL database keeps rows from earlier runs. */
	assert_int_equal(testdb_script(fx->db, "DELETE FROM audit_log; "
	    "DELETE FROM audit_head;"), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	testdb_close(&fx->t);
	free(fx);
	return 0;
}

/* --- Helpers ------------------------------------------------------------ */

static struct audit_event
event(int64_t org, char action, int64_t actor, int64_t client)
{
	struct audit_event ev = {
		.org_id = org,
		.action = (enum audit_action)action,
		.outcome = AUDIT_SUCCESS,
		.actor_id = actor,
		.role = "professional",
		.purpose = "care",
		.address = "192.0.2.7",
		.device = "Mozilla/5.0 (X11; Linux x86_64)",
		.client_id = client,
		.kind = "message",
		.object_id = 5,
		.node = "node-a",
	};

	return ev;
}

static void
append_n(struct fx *fx, int64_t org, int n)
{
	struct audit_event ev;
	int i;

	for (i = 0; i < n; i++) {
		ev = event(org, 'R', 10 + i % 3, 100 + i % 2);
		ev.object_id = i + 1;
		assert_int_equal(audit_record(fx->db, &ev), 0);
	}
}

/* Query on a read connection of its own. */
static size_t
query(struct fx *fx, const struct audit_filter *f, struct arena *a,
    struct audit_row **rows)
{
	struct db_conn *c;
	size_t n = 0;

	assert_int_equal(db_read_begin(fx->db, &c), 0);
	assert_int_equal(audit_query(c, f, a, rows, &n), 0);
	db_read_end(fx->db, c);
	return n;
}

static int64_t
count_sql(struct fx *fx, const char *sql, int64_t org)
{
	return testdb_i64(fx->db, sql, 1, org, 0);
}

static void
expect_verdict(struct fx *fx, int64_t org, enum audit_problem p, int64_t seq)
{
	struct audit_verify_report rep;

	assert_int_equal(audit_verify(fx->db, org, &rep), 0);
	if (rep.problem != p || rep.seq != seq)
		fail_msg("expected %s at seq %lld, got %s at seq %lld",
		    audit_problem_name(p), (long long)seq,
		    audit_problem_name(rep.problem), (long long)rep.seq);
	if (p != AUDIT_INTACT) {
		if (org != AUDIT_ALL_CHAINS)
			assert_int_equal(rep.org_id, org);
		assert_int_equal(rep.bad_chains, 1);
	}
}

/* Tampering, as someone with write access to the database would. */
static void
tamper(struct fx *fx, const char *sql, int nargs, int64_t a, int64_t b)
{
	testdb_write(fx->db, sql, nargs, a, b);
}

/* Read one stored entry back. */
static void
get_row(struct fx *fx, struct arena *a, int64_t org, int64_t seq,
    struct audit_row *out)
{
	struct audit_filter f = { .org_id = org };
	struct audit_row *rows;
	size_t n, i;

	n = query(fx, &f, a, &rows);
	for (i = 0; i < n; i++) {
		if (rows[i].seq == seq) {
			*out = rows[i];
			return;
		}
	}
	fail_msg("no entry with seq %lld", (long long)seq);
}

/* Insert a forged entry with the fields of r. */
struct forge_job {
	const struct audit_row *r;
};

static int
forge_job(struct db_conn *c, void *arg)
{
	const struct audit_row *r = ((struct forge_job *)arg)->r;
	struct db_stmt *st;
	char act = (char)r->ev.action;
	int rc;

	rc = db_prepare(c, "INSERT INTO audit_log (org_id, seq, at, at_usec, "
	    "action, outcome, detail, actor_id, actor_role, on_behalf_of, "
	    "purpose, address, device, client_id, kind, object_id, node, "
	    "prev_hash, hash) VALUES (?, ?, ?, ?, ?, 'success', NULL, ?, ?, "
	    "NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
	if (rc != 0)
		return rc;
	db_bind_i64(st, 1, r->ev.org_id);
	db_bind_i64(st, 2, r->seq);
	db_bind_i64(st, 3, r->ev.at);
	db_bind_i64(st, 4, r->ev.at_usec);
	db_bind_text(st, 5, &act, 1);
	db_bind_i64(st, 6, r->ev.actor_id);
	db_bind_textz(st, 7, r->ev.role);
	db_bind_textz(st, 8, r->ev.purpose);
	db_bind_textz(st, 9, r->ev.address);
	db_bind_textz(st, 10, r->ev.device);
	db_bind_i64(st, 11, r->ev.client_id);
	db_bind_textz(st, 12, r->ev.kind);
	db_bind_i64(st, 13, r->ev.object_id);
	db_bind_textz(st, 14, r->ev.node);
	db_bind_blob(st, 15, r->prev_hash, AUDIT_HASHBYTES);
	db_bind_blob(st, 16, r->hash, AUDIT_HASHBYTES);
	rc = db_step(st);
	db_done(st);
	return rc < 0 ? rc : 0;
}

static void
forge(struct fx *fx, const struct audit_row *r)
{
	struct forge_job j = { r };

	assert_int_equal(db_write(fx->db, forge_job, &j), 0);
}

/* Move entries seq >= from one place up (in two steps, so no two rows
 * share a key on the way). */
static void
shift_up(struct fx *fx, int64_t org, int64_t from)
{
	tamper(fx, "UPDATE audit_log SET seq = -seq - 1 "
	    "WHERE org_id = ? AND seq >= ?", 2, org, from);
	tamper(fx, "UPDATE audit_log SET seq = -seq "
	    "WHERE org_id = ? AND seq < 0", 1, org, 0);
}

/* A forged entry in the style of the real ones, at seq, after prev. */
static void
forged_row(const struct audit_row *like, int64_t seq,
    const unsigned char prev[AUDIT_HASHBYTES], bool valid_hash,
    struct audit_row *out)
{
	*out = *like;
	out->seq = seq;
	out->ev.actor_id = 666;
	out->ev.detail = "";
	out->ev.on_behalf_of = 0;
	memcpy(out->prev_hash, prev, AUDIT_HASHBYTES);
	if (valid_hash)
		audit_entry_hash(out, out->hash);
	else
		memcpy(out->hash, like->hash, AUDIT_HASHBYTES);
}

/* --- Append and the same-transaction property --------------------------- */

struct append_job {
	const struct audit_event *ev;
	int nev;
	int fail_with; /* the job's result after appending */
};

static int
append_job(struct db_conn *c, void *arg)
{
	struct append_job *j = arg;
	int i, rc;

	for (i = 0; i < j->nev; i++)
		if ((rc = audit_append(c, &j->ev[i])) != 0)
			return rc;
	return j->fail_with;
}

static void
append_in_write_job_reads_back_every_field(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = event(7, 'U', 42, 99);
	struct append_job j = { &ev, 1, 0 };
	struct audit_filter f = { .org_id = 7 };
	struct audit_row *rows;
	unsigned char h[AUDIT_HASHBYTES];
	struct arena a;
	time_t before = time(NULL);
	size_t n;

	ev.on_behalf_of = 43;
	ev.detail = "print";
	ev.purpose = "client-self";
	ev.role = "client";
	ev.kind = "trajectory";
	ev.object_id = 1234;
	ev.outcome = AUDIT_DENIED;
	assert_int_equal(db_write(fx->db, append_job, &j), 0);

	arena_init(&a);
	n = query(fx, &f, &a, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].seq, 1);
	assert_int_equal(rows[0].ev.org_id, 7);
	assert_int_equal(rows[0].ev.action, AUDIT_UPDATE);
	assert_int_equal(rows[0].ev.outcome, AUDIT_DENIED);
	assert_string_equal(rows[0].ev.detail, "print");
	assert_int_equal(rows[0].ev.actor_id, 42);
	assert_string_equal(rows[0].ev.role, "client");
	assert_int_equal(rows[0].ev.on_behalf_of, 43);
	assert_string_equal(rows[0].ev.purpose, "client-self");
	assert_string_equal(rows[0].ev.address, "192.0.2.7");
	assert_string_equal(rows[0].ev.device,
	    "Mozilla/5.0 (X11; Linux x86_64)");
	assert_int_equal(rows[0].ev.client_id, 99);
	assert_string_equal(rows[0].ev.kind, "trajectory");
	assert_int_equal(rows[0].ev.object_id, 1234);
	assert_string_equal(rows[0].ev.node, "node-a");
	/* The time is the server's, in UTC seconds plus microseconds. */
	assert_true(rows[0].ev.at >= before && rows[0].ev.at <= time(NULL));
	assert_true(rows[0].ev.at_usec >= 0 && rows[0].ev.at_usec < 1000000);
	/* The first entry links to the zero hash and hashes to itself. */
	assert_memory_equal(rows[0].prev_hash, zeros, AUDIT_HASHBYTES);
	audit_entry_hash(&rows[0], h);
	assert_memory_equal(rows[0].hash, h, AUDIT_HASHBYTES);
	arena_release(&a);
	expect_verdict(fx, 7, AUDIT_INTACT, 0);
}

static void
failed_job_leaves_no_entry_and_no_gap(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev[2] = { event(7, 'C', 1, 2), event(7, 'R', 1, 2) };
	struct append_job bad = { ev, 2, ERR_NOTFOUND };
	struct append_job good = { ev, 1, 0 };

	assert_int_equal(db_write(fx->db, append_job, &bad), ERR_NOTFOUND);
	assert_int_equal(count_sql(fx,
	    "SELECT count(*) FROM audit_log WHERE org_id = ?", 7), 0);
	/* The head rolled back too: the next entry is seq 1. */
	assert_int_equal(db_write(fx->db, append_job, &good), 0);
	assert_int_equal(count_sql(fx,
	    "SELECT max(seq) FROM audit_log WHERE org_id = ?", 7), 1);
	expect_verdict(fx, 7, AUDIT_INTACT, 0);
}

/* Jobs that fail mixed with jobs that succeed, from several threads, so
 * the writer folds them into one transaction with a savepoint each. */
struct mix_arg {
	struct fx *fx;
	int id;
	int ok;
};

static void *
mix_thread(void *p)
{
	struct mix_arg *m = p;
	struct audit_event ev = event(8, 'C', m->id, 3);
	struct append_job j = { &ev, 1, 0 };
	int i;

	for (i = 0; i < 40; i++) {
		j.fail_with = (i % 3 == 0) ? ERR_CONFLICT : 0;
		if (db_write(m->fx->db, append_job, &j) == 0)
			m->ok++;
	}
	return NULL;
}

static void
failed_jobs_in_a_busy_batch_leave_no_entry(void **state)
{
	struct fx *fx = *state;
	struct mix_arg m[4];
	pthread_t t[4];
	int i, ok = 0;

	for (i = 0; i < 4; i++) {
		m[i] = (struct mix_arg){ fx, i + 1, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, mix_thread, &m[i]),
		    0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ok += m[i].ok;
	}
	assert_int_equal(ok, 4 * 26);
	assert_int_equal(count_sql(fx,
	    "SELECT count(*) FROM audit_log WHERE org_id = ?", 8), ok);
	assert_int_equal(count_sql(fx,
	    "SELECT max(seq) FROM audit_log WHERE org_id = ?", 8), ok);
	expect_verdict(fx, 8, AUDIT_INTACT, 0);
}

static void
record_runs_its_own_job(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = event(9, 'R', 5, 6);

	assert_int_equal(audit_record(fx->db, &ev), 0);
	assert_int_equal(audit_record(fx->db, &ev), 0);
	assert_int_equal(count_sql(fx,
	    "SELECT max(seq) FROM audit_log WHERE org_id = ?", 9), 2);
	assert_int_equal(count_sql(fx,
	    "SELECT seq FROM audit_head WHERE org_id = ?", 9), 2);
}

/* audit_lock_on: a job that locks, then appends (appointment.c). */
struct lock_job {
	int64_t org;
	int n;
};

static int
lock_job(struct db_conn *c, void *arg)
{
	struct lock_job *j = arg;
	struct audit_event ev = event(j->org, 'C', 5, 6);
	int rc, i;

	if ((rc = audit_lock_on(c, j->org)) != 0)
		return rc;
	/* Twice in one job, as a batch of bookings does. */
	if ((rc = audit_lock_on(c, j->org)) != 0)
		return rc;
	for (i = 0; i < j->n; i++)
		if ((rc = audit_append(c, &ev)) != 0)
			return rc;
	return 0;
}

static void
lock_makes_the_head_and_changes_no_seq(void **state)
{
	struct fx *fx = *state;
	struct lock_job j = { 21, 0 };
	struct audit_verify_report rep;

	/* No chain yet: the lock makes its head, at seq 0. */
	assert_int_equal(db_write(fx->db, lock_job, &j), 0);
	assert_int_equal(count_sql(fx,
	    "SELECT seq FROM audit_head WHERE org_id = ?", 21), 0);
	assert_int_equal(count_sql(fx,
	    "SELECT COUNT(*) FROM audit_log WHERE org_id = ?", 21), 0);
	j.n = 2;
	assert_int_equal(db_write(fx->db, lock_job, &j), 0);
	assert_int_equal(db_write(fx->db, lock_job, &j), 0);
	assert_int_equal(count_sql(fx,
	    "SELECT seq FROM audit_head WHERE org_id = ?", 21), 4);
	assert_int_equal(audit_verify(fx->db, 21, &rep), 0);
	assert_int_equal(rep.problem, AUDIT_INTACT);
	assert_int_equal(rep.entries, 4);
}

/*
 * Two nodes on one database, each with a writer: a batch is one
 * transaction, which appends to every organisation its jobs touch and
 * holds each chain's head until it commits.  Node A's batch appends to
 * organisation 31 and then 32, node B's to 32 and then 31.  Each job here
 * is such a batch: it appends, waits (at most 3 s) until the other one has
 * appended too, then appends to the other organisation.  Were both
 * transactions open at once, each would wait for the head the other
 * holds: PostgreSQL breaks that deadlock by failing one of them (after a
 * second), and its caller would be told "busy".  The writers take turns
 * instead (db_pg.c's write lock), so the second waits for the first to
 * commit and both succeed; on SQLite the second waits at BEGIN IMMEDIATE.
 */
struct cross {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int arrived;
};

struct cross_job {
	struct cross *x;
	int64_t first, second;
};

static int
cross_job(struct db_conn *c, void *arg)
{
	struct cross_job *j = arg;
	struct audit_event a = event(j->first, 'C', 5, 6);
	struct audit_event b = event(j->second, 'C', 5, 6);
	struct timespec until;
	int rc;

	if ((rc = audit_append(c, &a)) != 0)
		return rc;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 3;
	pthread_mutex_lock(&j->x->mu);
	j->x->arrived++;
	pthread_cond_broadcast(&j->x->cv);
	while (j->x->arrived < 2 &&
	    pthread_cond_timedwait(&j->x->cv, &j->x->mu, &until) == 0)
		continue;
	pthread_mutex_unlock(&j->x->mu);
	return audit_append(c, &b);
}

struct cross_node {
	struct db *db;
	struct cross_job job;
	int rc;
};

static void *
cross_thread(void *p)
{
	struct cross_node *n = p;

	n->rc = db_write(n->db, cross_job, &n->job);
	return NULL;
}

static void
two_nodes_batches_in_opposite_orders_both_commit(void **state)
{
	struct fx *fx = *state;
	struct cross x = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	    0 };
	struct cross_node n[2];
	struct audit_verify_report rep;
	struct db *other = NULL;
	pthread_t t[2];
	int i;

	assert_int_equal(db_open(fx->t.url ? fx->t.url : fx->t.path, &other),
	    0);
	n[0] = (struct cross_node){ fx->db, { &x, 31, 32 }, -1 };
	n[1] = (struct cross_node){ other, { &x, 32, 31 }, -1 };
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, cross_thread,
		    &n[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	db_close(other);
	assert_int_equal(n[0].rc, 0);
	assert_int_equal(n[1].rc, 0);
	for (i = 31; i <= 32; i++) {
		assert_int_equal(audit_verify(fx->db, i, &rep), 0);
		assert_int_equal(rep.problem, AUDIT_INTACT);
		assert_int_equal(rep.entries, 2);
	}
}

/* --- The chain ---------------------------------------------------------- */

static void
chain_verifies_after_many_appends_in_two_orgs(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev[5];
	struct append_job j = { ev, 5, 0 };
	struct audit_verify_report rep;
	struct buf out = BUF_INIT;
	int i, k;

	/* Several entries per job, interleaving two chains. */
	for (i = 0; i < 40; i++) {
		for (k = 0; k < 5; k++)
			ev[k] = event(k % 2 ? 11 : 12, "CRUDE"[k], i, k);
		assert_int_equal(db_write(fx->db, append_job, &j), 0);
	}
	assert_int_equal(audit_verify(fx->db, AUDIT_ALL_CHAINS, &rep), 0);
	assert_int_equal(rep.problem, AUDIT_INTACT);
	assert_int_equal(rep.chains, 2);
	assert_int_equal(rep.entries, 200);
	assert_int_equal(rep.bad_chains, 0);
	assert_int_equal(count_sql(fx,
	    "SELECT max(seq) FROM audit_log WHERE org_id = ?", 11), 80);
	assert_int_equal(count_sql(fx,
	    "SELECT max(seq) FROM audit_log WHERE org_id = ?", 12), 120);

	assert_int_equal(audit_verify_main(fx->db, AUDIT_ALL_CHAINS, &out), 0);
	assert_non_null(strstr(out.p, "audit chain org=11: 80 entries, head "
	    "seq=80 hash="));
	assert_non_null(strstr(out.p, "org=12: 120 entries"));
	assert_non_null(strstr(out.p, "2 chains, 200 entries: intact\n"));
	buf_release(&out);
}

/* Two "nodes" (two struct db on one database) and several threads each. */
struct par_arg {
	struct db *db;
	int id;
	int fails;
};

#define PAR_THREADS 4
#define PAR_EACH 50

static void *
par_thread(void *p)
{
	struct par_arg *pa = p;
	struct audit_event ev = event(21, 'R', pa->id, 7);
	int i;

	ev.node = (pa->id % 2) ? "node-b" : "node-a";
	for (i = 0; i < PAR_EACH; i++) {
		ev.object_id = i + 1;
		if (audit_record(pa->db, &ev) != 0)
			pa->fails++;
	}
	return NULL;
}

static void
concurrent_appends_keep_the_chain_gap_free(void **state)
{
	struct fx *fx = *state;
	struct par_arg pa[PAR_THREADS];
	pthread_t t[PAR_THREADS];
	struct db *second = NULL;
	struct audit_verify_report rep;
	int i;

	/* On PostgreSQL a second node appends through its own connections;
	 * SQLite has one process per database by design. */
	if (fx->t.url != NULL)
		assert_int_equal(db_open(fx->t.url, &second), 0);
	for (i = 0; i < PAR_THREADS; i++) {
		pa[i] = (struct par_arg){ (second && i % 2) ? second : fx->db,
		    i + 1, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, par_thread,
		    &pa[i]), 0);
	}
	for (i = 0; i < PAR_THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(pa[i].fails, 0);
	}
	if (second != NULL)
		db_close(second);
	assert_int_equal(count_sql(fx,
	    "SELECT count(DISTINCT seq) FROM audit_log WHERE org_id = ?", 21),
	    PAR_THREADS * PAR_EACH);
	assert_int_equal(count_sql(fx,
	    "SELECT max(seq) FROM audit_log WHERE org_id = ?", 21),
	    PAR_THREADS * PAR_EACH);
	assert_int_equal(audit_verify(fx->db, 21, &rep), 0);
	assert_int_equal(rep.problem, AUDIT_INTACT);
	assert_int_equal(rep.entries, PAR_THREADS * PAR_EACH);
}

static void
verify_finds_a_changed_field(void **state)
{
	struct fx *fx = *state;
	struct buf out = BUF_INIT;

	append_n(fx, 31, 10);
	append_n(fx, 32, 3);
	expect_verdict(fx, 31, AUDIT_INTACT, 0);
	tamper(fx, "UPDATE audit_log SET purpose = 'support' "
	    "WHERE org_id = ? AND seq = ?", 2, 31, 5);
	expect_verdict(fx, 31, AUDIT_CHANGED, 5);
	expect_verdict(fx, AUDIT_ALL_CHAINS, AUDIT_CHANGED, 5);
	/* The other organisation's chain is unharmed. */
	expect_verdict(fx, 32, AUDIT_INTACT, 0);
	assert_int_equal(audit_verify_main(fx->db, AUDIT_ALL_CHAINS, &out), 1);
	assert_non_null(strstr(out.p, "org=31: 5 entries"));
	assert_non_null(strstr(out.p, ": changed at seq 5\n"));
	assert_non_null(strstr(out.p, "1 with a problem; first: org=31 "
	    "changed at seq 5\n"));
	buf_release(&out);
}

static void
verify_finds_a_changed_time_or_id(void **state)
{
	struct fx *fx = *state;

	append_n(fx, 33, 6);
	tamper(fx, "UPDATE audit_log SET at = at - 3600 "
	    "WHERE org_id = ? AND seq = ?", 2, 33, 2);
	expect_verdict(fx, 33, AUDIT_CHANGED, 2);
	tamper(fx, "UPDATE audit_log SET at = at + 3600 "
	    "WHERE org_id = ? AND seq = ?", 2, 33, 2);
	expect_verdict(fx, 33, AUDIT_INTACT, 0);
	/* NULL on_behalf_of made into someone. */
	tamper(fx, "UPDATE audit_log SET on_behalf_of = 1 "
	    "WHERE org_id = ? AND seq = ?", 2, 33, 4);
	expect_verdict(fx, 33, AUDIT_CHANGED, 4);
}

static void
verify_finds_a_deleted_middle_entry(void **state)
{
	struct fx *fx = *state;

	append_n(fx, 34, 10);
	tamper(fx, "DELETE FROM audit_log WHERE org_id = ? AND seq = ?", 2,
	    34, 5);
	expect_verdict(fx, 34, AUDIT_MISSING, 5);
}

static void
verify_finds_a_deleted_last_entry(void **state)
{
	struct fx *fx = *state;

	append_n(fx, 35, 10);
	tamper(fx, "DELETE FROM audit_log WHERE org_id = ? AND seq = ?", 2,
	    35, 10);
	expect_verdict(fx, 35, AUDIT_TRUNCATED, 10);
	/* All of it gone, head left: truncated from seq 1. */
	tamper(fx, "DELETE FROM audit_log WHERE org_id = ?", 1, 35, 0);
	expect_verdict(fx, 35, AUDIT_TRUNCATED, 1);
}

static void
verify_finds_a_forged_entry_behind_the_head(void **state)
{
	struct fx *fx = *state;
	struct audit_row last, forged;
	struct arena a;

	append_n(fx, 36, 10);
	arena_init(&a);
	get_row(fx, &a, 36, 10, &last);
	/* A forger who knows the encoding: link and hash are right. */
	forged_row(&last, 11, last.hash, true, &forged);
	forge(fx, &forged);
	arena_release(&a);
	expect_verdict(fx, 36, AUDIT_BEYOND_HEAD, 11);
}

static void
verify_finds_a_forged_entry_in_the_middle(void **state)
{
	struct fx *fx = *state;
	struct audit_row prev, forged;
	struct arena a;

	append_n(fx, 37, 10);
	append_n(fx, 38, 10);
	arena_init(&a);
	/* Org 37: a naive forger copies a real entry's hashes. */
	get_row(fx, &a, 37, 4, &prev);
	shift_up(fx, 37, 5);
	forged_row(&prev, 5, prev.hash, false, &forged);
	forge(fx, &forged);
	expect_verdict(fx, 37, AUDIT_CHANGED, 5);
	/* Org 38: the forger computes a valid hash for the forged entry;
	 * the entry after it no longer links to it. */
	get_row(fx, &a, 38, 4, &prev);
	shift_up(fx, 38, 5);
	forged_row(&prev, 5, prev.hash, true, &forged);
	forge(fx, &forged);
	expect_verdict(fx, 38, AUDIT_BROKEN_LINK, 6);
	arena_release(&a);
}

static void
verify_finds_reordered_entries(void **state)
{
	struct fx *fx = *state;

	append_n(fx, 39, 6);
	/* Swap 3 and 4 through a free seq. */
	tamper(fx, "UPDATE audit_log SET seq = 100 WHERE org_id = ? AND "
	    "seq = ?", 2, 39, 3);
	tamper(fx, "UPDATE audit_log SET seq = 3 WHERE org_id = ? AND "
	    "seq = ?", 2, 39, 4);
	tamper(fx, "UPDATE audit_log SET seq = 4 WHERE org_id = ? AND "
	    "seq = ?", 2, 39, 100);
	expect_verdict(fx, 39, AUDIT_BROKEN_LINK, 3);
}

static void
verify_finds_a_changed_or_missing_head(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = event(40, 'R', 1, 2);

	append_n(fx, 40, 4);
	/* The head moved back one entry: its hash is not entry 3's. */
	tamper(fx, "UPDATE audit_head SET seq = 3 WHERE org_id = ?", 1, 40, 0);
	expect_verdict(fx, 40, AUDIT_HEAD_CHANGED, 3);
	tamper(fx, "UPDATE audit_head SET seq = 4 WHERE org_id = ?", 1, 40, 0);
	expect_verdict(fx, 40, AUDIT_INTACT, 0);
	tamper(fx, "DELETE FROM audit_head WHERE org_id = ?", 1, 40, 0);
	expect_verdict(fx, 40, AUDIT_NO_HEAD, 4);
	/* Appending to a headless chain would fork it: refused, loudly. */
	assert_int_equal(audit_record(fx->db, &ev), ERR_CONFLICT);
	expect_verdict(fx, 40, AUDIT_NO_HEAD, 4);
}

static void
verify_of_an_empty_chain_is_intact(void **state)
{
	struct fx *fx = *state;
	struct audit_verify_report rep;
	struct buf out = BUF_INIT;

	assert_int_equal(audit_verify(fx->db, 41, &rep), 0);
	assert_int_equal(rep.problem, AUDIT_INTACT);
	assert_int_equal(rep.chains, 1);
	assert_int_equal(rep.entries, 0);
	assert_int_equal(audit_verify(fx->db, AUDIT_ALL_CHAINS, &rep), 0);
	assert_int_equal(rep.chains, 0);
	assert_int_equal(audit_verify(fx->db, -2, &rep), ERR_INVAL);
	assert_int_equal(audit_verify_main(fx->db, 41, &out), 0);
	assert_string_equal(out.p, "audit chain org=41: 0 entries, head none: "
	    "intact\naudit verify: 1 chains, 0 entries: intact\n");
	buf_release(&out);
}

/* --- Views -------------------------------------------------------------- */

static void
filters_select_by_employee_client_action_kind_and_time(void **state)
{
	struct fx *fx = *state;
	/* actor, client, action, kind, at */
	static const struct {
		int64_t actor, client;
		char action;
		const char *kind;
		int64_t at;
	} in[] = {
		{ 1, 100, 'R', "message", 1000 },     /* seq 1 */
		{ 1, 200, 'C', "message", 2000 },     /* seq 2 */
		{ 2, 100, 'U', "profile", 3000 },     /* seq 3 */
		{ 2, 200, 'R', "trajectory", 4000 },  /* seq 4 */
		{ 1, 100, 'E', "message", 5000 },     /* seq 5 */
		{ 3, 0, 'R', "audit", 6000 },         /* seq 6 */
	};
	struct audit_event ev;
	struct audit_filter f;
	struct audit_row *rows;
	struct arena a;
	size_t n, i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ev = event(50, in[i].action, in[i].actor, in[i].client);
		ev.kind = in[i].kind;
		ev.at = in[i].at;
		ev.at_usec = 1;
		assert_int_equal(audit_record(fx->db, &ev), 0);
	}
	append_n(fx, 51, 3); /* another organisation: never in these views */
	arena_init(&a);

#define SEQS(...) do { \
	static const int64_t want_[] = { __VA_ARGS__ }; \
	n = query(fx, &f, &a, &rows); \
	assert_int_equal(n, sizeof(want_) / sizeof(want_[0])); \
	for (i = 0; i < n; i++) \
		assert_int_equal(rows[i].seq, want_[i]); \
} while (0)

	f = (struct audit_filter){ .org_id = 50 };
	SEQS(6, 5, 4, 3, 2, 1); /* newest first */
	assert_int_equal(rows[0].ev.at, 6000);
	assert_int_equal(rows[0].ev.at_usec, 1);
	assert_int_equal(rows[0].ev.client_id, 0);
	f = (struct audit_filter){ .org_id = 50, .actor_id = 1 };
	SEQS(5, 2, 1);
	f = (struct audit_filter){ .org_id = 50, .client_id = 100 };
	SEQS(5, 3, 1);
	f = (struct audit_filter){ .org_id = 50, .actor_id = 2,
	    .client_id = 200 };
	SEQS(4);
	f = (struct audit_filter){ .org_id = 50, .action = 'R' };
	SEQS(6, 4, 1);
	f = (struct audit_filter){ .org_id = 50, .kind = "message" };
	SEQS(5, 2, 1);
	f = (struct audit_filter){ .org_id = 50, .client_id = 100,
	    .action = 'E', .kind = "message" };
	SEQS(5);
	f = (struct audit_filter){ .org_id = 50, .from = 2000, .to = 4000 };
	SEQS(4, 3, 2);
	f = (struct audit_filter){ .org_id = 50, .from = 4500 };
	SEQS(6, 5);
	f = (struct audit_filter){ .org_id = 50, .to = 1999 };
	SEQS(1);
	f = (struct audit_filter){ .org_id = 50, .client_id = 100,
	    .from = 2000 };
	SEQS(5, 3);
	f = (struct audit_filter){ .org_id = 50, .limit = 2, .offset = 1 };
	SEQS(5, 4);
	f = (struct audit_filter){ .org_id = 50, .actor_id = 9 };
	assert_int_equal(query(fx, &f, &a, &rows), 0);
	f = (struct audit_filter){ .org_id = 51 };
	SEQS(3, 2, 1);
#undef SEQS
	arena_release(&a);
}

static void
query_refuses_bad_filters_and_caps_the_page(void **state)
{
	struct fx *fx = *state;
	struct audit_filter f;
	struct audit_row *rows = (struct audit_row *)1;
	struct db_conn *c;
	struct arena a;
	size_t n = 7;

	arena_init(&a);
	assert_int_equal(db_read_begin(fx->db, &c), 0);
	f = (struct audit_filter){ .org_id = -1 };
	assert_int_equal(audit_query(c, &f, &a, &rows, &n), ERR_INVAL);
	f = (struct audit_filter){ .org_id = 1, .by_outcome = true,
		.outcome = (enum audit_outcome)9 };
	assert_int_equal(audit_query(c, &f, &a, &rows, &n), ERR_INVAL);
	assert_null(rows);
	assert_int_equal(n, 0);
	f = (struct audit_filter){ .org_id = 1, .action = 'X' };
	assert_int_equal(audit_query(c, &f, &a, &rows, &n), ERR_INVAL);
	f = (struct audit_filter){ .org_id = 1, .kind = "Message; DROP" };
	assert_int_equal(audit_query(c, &f, &a, &rows, &n), ERR_INVAL);
	f = (struct audit_filter){ .org_id = 1,
	    .offset = LIMIT_AUDIT_OFFSET + 1 };
	assert_int_equal(audit_query(c, &f, &a, &rows, &n), ERR_INVAL);
	db_read_end(fx->db, c);

	/* More entries than a page: the page is capped. */
	{
		struct audit_event ev[50];
		struct append_job j = { ev, 50, 0 };
		int i, k;

		for (k = 0; k < 50; k++)
			ev[k] = event(52, 'R', 1, 2);
		for (i = 0; i < LIMIT_AUDIT_PAGE / 50 + 1; i++)
			assert_int_equal(db_write(fx->db, append_job, &j), 0);
	}
	f = (struct audit_filter){ .org_id = 52, .limit = 100000 };
	n = query(fx, &f, &a, &rows);
	assert_int_equal(n, LIMIT_AUDIT_PAGE);
	assert_int_equal(rows[0].seq, LIMIT_AUDIT_PAGE + 50);
	arena_release(&a);
}

/* --- What an entry may hold --------------------------------------------- */

static void
codes_refuse_free_text_and_bad_events(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev;
	char longcode[LIMIT_AUDIT_CODE + 2];

	ev = event(60, 'R', 1, 2);
	ev.detail = "searched for: depression";
	assert_int_equal(audit_record(fx->db, &ev), ERR_INVAL);
	ev = event(60, 'R', 1, 2);
	ev.kind = "Message";
	assert_int_equal(audit_record(fx->db, &ev), ERR_INVAL);
	ev = event(60, 'R', 1, 2);
	ev.purpose = "care because she said so";
	assert_int_equal(audit_record(fx->db, &ev), ERR_INVAL);
	ev = event(60, 'R', 1, 2);
	ev.role = NULL;
	assert_int_equal(audit_record(fx->db, &ev), ERR_INVAL);
	ev = event(60, 'R', 1, 2);
	ev.purpose = "-care";
	assert_int_equal(audit_record(fx->db, &ev), ERR_INVAL);
	memset(longcode, 'a', sizeof(longcode) - 1);
	longcode[sizeof(longcode) - 1] = '\0';
	ev = event(60, 'R', 1, 2);
	ev.kind = longcode;
	assert_int_equal(audit_record(fx->db, &ev), ERR_INVAL);
	longcode[LIMIT_AUDIT_CODE] = '\0'; /* exactly the limit: fine */
	assert_int_equal(audit_record(fx->db, &ev), 0);
	ev = event(60, 'S', 1, 2); /* a search is R with detail "search" */
	assert_int_equal(audit_record(fx->db, &ev), ERR_INVAL);
	ev = event(60, 'R', 1, 2);
	ev.outcome = (enum audit_outcome)7;
	assert_int_equal(audit_record(fx->db, &ev), ERR_INVAL);
	ev = event(-1, 'R', 1, 2);
	assert_int_equal(audit_record(fx->db, &ev), ERR_INVAL);
	ev = event(60, 'R', 1, 2);
	ev.repeats = -1;
	assert_int_equal(audit_record(fx->db, &ev), ERR_INVAL);
	ev = event(60, 'R', -1, 2);
	assert_int_equal(audit_record(fx->db, &ev), ERR_INVAL);
	ev = event(60, 'R', 1, 2);
	ev.at_usec = 1000000;
	assert_int_equal(audit_record(fx->db, &ev), ERR_INVAL);
	/* A refused event inside a job fails the job, and nothing is kept. */
	{
		struct audit_event two[2] = { event(60, 'R', 1, 2),
		    event(60, 'R', 1, 2) };
		struct append_job j = { two, 2, 0 };

		two[1].detail = "Zoekterm";
		assert_int_equal(db_write(fx->db, append_job, &j), ERR_INVAL);
	}
	assert_int_equal(count_sql(fx,
	    "SELECT count(*) FROM audit_log WHERE org_id = ?", 60), 1);
	ev = event(60, 'R', 1, 2);
	ev.detail = "search";
	assert_int_equal(audit_record(fx->db, &ev), 0);
	expect_verdict(fx, 60, AUDIT_INTACT, 0);
}

static void
long_user_agents_are_cut_and_cleaned(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = event(61, 'R', 1, 2);
	struct audit_filter f = { .org_id = 61 };
	struct audit_row *rows;
	struct arena a;
	char *ua = malloc(5000), addr[200];
	size_t n, i;

	assert_non_null(ua);
	memset(ua, 'x', 4999);
	ua[4999] = '\0';
	memcpy(ua, "Evil\xc3\xa9\n\x01/1.0", 12);
	memset(addr, '1', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	ev.device = ua;
	ev.address = addr;
	ev.node = NULL;
	assert_int_equal(audit_record(fx->db, &ev), 0);
	free(ua);

	arena_init(&a);
	n = query(fx, &f, &a, &rows);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(rows[0].ev.device), LIMIT_AUDIT_DEVICE);
	assert_memory_equal(rows[0].ev.device, "Evil??" "??" "/1.0xxx", 15);
	for (i = 0; rows[0].ev.device[i] != '\0'; i++)
		assert_true(rows[0].ev.device[i] >= 0x20 &&
		    rows[0].ev.device[i] < 0x7f);
	assert_int_equal(strlen(rows[0].ev.address), LIMIT_AUDIT_ADDRESS);
	assert_string_equal(rows[0].ev.node, "");
	arena_release(&a);
	/* The stored, cut values are what the hash covers. */
	expect_verdict(fx, 61, AUDIT_INTACT, 0);
}

/* --- The encoding ------------------------------------------------------- */

static void
entry_hash_matches_the_documented_encoding(void **state)
{
	/* Computed independently (Python hashlib) from the encoding described
	 * in audit.c: type byte, big-endian length or integer, bytes. */
	static const char want[] =
	    "449389aff6900c3b3037cfb3e2604c45f3582255bcc111beb0675866a7a5d519";
	struct audit_row r;
	unsigned char h[AUDIT_HASHBYTES], h2[AUDIT_HASHBYTES];
	char hex[2 * AUDIT_HASHBYTES + 1];
	size_t i;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.ev = event(7, 'R', 42, 99);
	r.ev.at = 1700000000;
	r.ev.at_usec = 123456;
	r.ev.detail = "search";
	r.ev.address = "192.0.2.1";
	r.ev.device = "Mozilla/5.0";
	r.ev.object_id = 0;
	r.seq = 3;
	memset(r.prev_hash, 0x11, sizeof(r.prev_hash));
	audit_entry_hash(&r, h);
	for (i = 0; i < sizeof(h); i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	assert_string_equal(hex, want);

	/* Moving a boundary between two fields changes the hash. */
	r.ev.role = "professionalc";
	r.ev.purpose = "are";
	audit_entry_hash(&r, h2);
	assert_memory_not_equal(h, h2, sizeof(h));
}

/* --- Refusals, the system chain and counted repeats --------------------- */

/* A refusal as web_audit_refusal makes it: who, what, denied, why. */
static struct audit_event
refusal(int64_t org, int64_t actor, const char *address, int64_t object,
    int64_t at)
{
	struct audit_event ev = event(org, 'R', actor, 0);

	ev.outcome = AUDIT_DENIED;
	ev.purpose = "security";
	ev.kind = "trajectory";
	ev.detail = "forbidden";
	ev.address = address;
	ev.object_id = object;
	ev.at = at;
	return ev;
}

static int64_t
entries(struct fx *fx, int64_t org)
{
	return count_sql(fx, "SELECT COUNT(*) FROM audit_log WHERE org_id = ?",
	    org);
}

/* The events the entries of org stand for: their counts added up. */
static int64_t
events(struct fx *fx, int64_t org)
{
	return count_sql(fx, "SELECT COALESCE(SUM(repeat_count), 0) FROM "
	    "audit_log WHERE org_id = ?", org);
}

static void
system_chain_takes_events_without_an_organisation(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev;
	struct audit_verify_report rep;

	ev = event(AUDIT_SYSTEM_ORG, 'E', 0, 0);
	ev.kind = "session";
	ev.detail = "login-failed";
	ev.outcome = AUDIT_FAILURE;
	ev.purpose = "security";
	assert_int_equal(audit_record(fx->db, &ev), 0);
	assert_int_equal(audit_record(fx->db, &ev), 0);
	append_n(fx, 70, 2);
	assert_int_equal(entries(fx, AUDIT_SYSTEM_ORG), 2);
	expect_verdict(fx, AUDIT_SYSTEM_ORG, AUDIT_INTACT, 0);
	assert_int_equal(audit_verify(fx->db, AUDIT_ALL_CHAINS, &rep), 0);
	assert_int_equal(rep.chains, 2);
	assert_int_equal(rep.entries, 4);
	/* Tampering with the system chain is found like any other. */
	tamper(fx, "UPDATE audit_log SET detail = 'login' "
	    "WHERE org_id = ? AND seq = ?", 2, AUDIT_SYSTEM_ORG, 1);
	expect_verdict(fx, AUDIT_SYSTEM_ORG, AUDIT_CHANGED, 1);
}

static void
flood_of_refusals_is_bounded_and_counts_add_up(void **state)
{
	struct fx *fx = *state;
	struct audit_repeat *rp = audit_repeat_new(fx->db,
	    AUDIT_REPEAT_NO_THREAD);
	const int64_t t0 = 1700000000;
	struct audit_filter f = { .org_id = 71 };
	struct audit_row *rows;
	struct arena a;
	struct audit_event ev;
	int i;

	/* 1,000 refusals within ten seconds, on different objects: each of
	 * the first LIMIT_AUDIT_REPEAT_OBJECTS objects is in the log by id
	 * at once, then one more opens the overflow that counts the rest. */
	for (i = 0; i < 1000; i++) {
		ev = refusal(71, 5, "192.0.2.9", 100 + i, t0 + i / 100);
		assert_int_equal(audit_repeat_record(rp, &ev), 0);
	}
	assert_int_equal(entries(fx, 71), LIMIT_AUDIT_REPEAT_OBJECTS + 1);
	assert_int_equal(audit_repeat_tick(rp, t0 + 30), 0);
	assert_int_equal(entries(fx, 71), LIMIT_AUDIT_REPEAT_OBJECTS + 1);
	/* The window ends: one entry for the other repeats. */
	assert_int_equal(audit_repeat_tick(rp, t0 + LIMIT_AUDIT_REPEAT_WINDOW),
	    1);
	assert_int_equal(entries(fx, 71), LIMIT_AUDIT_REPEAT_OBJECTS + 2);
	assert_int_equal(events(fx, 71), 1000);

	arena_init(&a);
	assert_int_equal(query(fx, &f, &a, &rows),
	    LIMIT_AUDIT_REPEAT_OBJECTS + 2);
	/* Newest first: the count, at the last repeat's time, with no one
	 * object (they differed), and still a denied refusal of one actor. */
	assert_int_equal(rows[0].ev.repeats, 1000 - LIMIT_AUDIT_REPEAT_OBJECTS -
	    1);
	assert_int_equal(rows[0].ev.at, t0 + 9);
	assert_int_equal(rows[0].ev.object_id, 0);
	assert_int_equal(rows[0].ev.actor_id, 5);
	assert_int_equal(rows[0].ev.outcome, AUDIT_DENIED);
	assert_string_equal(rows[0].ev.detail, "forbidden");
	assert_string_equal(rows[0].ev.address, "192.0.2.9");
	assert_int_equal(rows[1].ev.repeats, 1);
	assert_int_equal(rows[1].ev.object_id, 100 + LIMIT_AUDIT_REPEAT_OBJECTS);
	assert_int_equal(rows[2].ev.object_id, 100 + LIMIT_AUDIT_REPEAT_OBJECTS -
	    1);
	arena_release(&a);

	/* The chain verifies, and the count is covered by the hash. */
	expect_verdict(fx, 71, AUDIT_INTACT, 0);
	audit_repeat_free(rp);
	assert_int_equal(entries(fx, 71), LIMIT_AUDIT_REPEAT_OBJECTS + 2);
	tamper(fx, "UPDATE audit_log SET repeat_count = 3 "
	    "WHERE org_id = ? AND seq = ?", 2, 71,
	    LIMIT_AUDIT_REPEAT_OBJECTS + 2);
	expect_verdict(fx, 71, AUDIT_CHANGED, LIMIT_AUDIT_REPEAT_OBJECTS + 2);
}

static void
repeats_of_other_keys_and_successes_are_not_merged(void **state)
{
	struct fx *fx = *state;
	struct audit_repeat *rp = audit_repeat_new(fx->db,
	    AUDIT_REPEAT_NO_THREAD);
	const int64_t t0 = 1700000000;
	struct audit_event ev;
	int i;

	for (i = 0; i < 3; i++) {
		/* Another actor, another address, another outcome, another
		 * detail: each its own key. */
		ev = refusal(72, 5, "192.0.2.9", 1, t0);
		assert_int_equal(audit_repeat_record(rp, &ev), 0);
		ev = refusal(72, 6, "192.0.2.9", 1, t0);
		assert_int_equal(audit_repeat_record(rp, &ev), 0);
		ev = refusal(72, 0, "192.0.2.10", 1, t0);
		assert_int_equal(audit_repeat_record(rp, &ev), 0);
		ev = refusal(72, 5, "192.0.2.9", 1, t0);
		ev.detail = "csrf";
		assert_int_equal(audit_repeat_record(rp, &ev), 0);
		ev = refusal(72, 5, "192.0.2.9", 1, t0);
		ev.outcome = AUDIT_FAILURE;
		assert_int_equal(audit_repeat_record(rp, &ev), 0);
		/* Successes are each an entry of their own. */
		ev = event(72, 'R', 5, 9);
		assert_int_equal(audit_repeat_record(rp, &ev), 0);
	}
	assert_int_equal(entries(fx, 72), 5 + 3);
	/* Each key's one object stays named in its count. */
	assert_int_equal(audit_repeat_flush(rp, 72), 5);
	assert_int_equal(entries(fx, 72), 5 + 3 + 5);
	assert_int_equal(events(fx, 72), 6 * 3);
	assert_int_equal(count_sql(fx, "SELECT COUNT(*) FROM audit_log WHERE "
	    "org_id = ? AND repeat_count = 2 AND object_id = 1", 72), 5);
	expect_verdict(fx, 72, AUDIT_INTACT, 0);
	audit_repeat_free(rp);
}

static void
a_new_window_writes_the_old_count_and_starts_again(void **state)
{
	struct fx *fx = *state;
	struct audit_repeat *rp = audit_repeat_new(fx->db,
	    AUDIT_REPEAT_NO_THREAD);
	const int64_t t0 = 1700000000;
	struct audit_event ev;

	ev = refusal(73, 5, "192.0.2.9", 1, t0);
	assert_int_equal(audit_repeat_record(rp, &ev), 0);
	ev.at = t0 + 1;
	assert_int_equal(audit_repeat_record(rp, &ev), 0);
	ev.at = t0 + 2;
	assert_int_equal(audit_repeat_record(rp, &ev), 0);
	assert_int_equal(entries(fx, 73), 1);
	/* After the window, before any tick: the count (2) and the new
	 * window's first event are written. */
	ev.at = t0 + LIMIT_AUDIT_REPEAT_WINDOW + 5;
	assert_int_equal(audit_repeat_record(rp, &ev), 0);
	assert_int_equal(entries(fx, 73), 3);
	assert_int_equal(events(fx, 73), 4);
	/* Nothing is pending: shutdown writes nothing more. */
	audit_repeat_free(rp);
	assert_int_equal(entries(fx, 73), 3);
	expect_verdict(fx, 73, AUDIT_INTACT, 0);
}

static void
shutdown_writes_pending_counts(void **state)
{
	struct fx *fx = *state;
	struct audit_repeat *rp = audit_repeat_new(fx->db,
	    AUDIT_REPEAT_NO_THREAD);
	struct audit_event ev;
	int i;

	for (i = 0; i < 5; i++) {
		/* at 0: now, as the web layer sends them. */
		ev = refusal(74, 5, "192.0.2.9", 1, 0);
		assert_int_equal(audit_repeat_record(rp, &ev), 0);
	}
	ev = refusal(75, 5, "192.0.2.9", 1, 0);
	assert_int_equal(audit_repeat_record(rp, &ev), 0);
	assert_int_equal(audit_repeat_record(rp, &ev), 0);
	assert_int_equal(entries(fx, 74), 1);
	audit_repeat_free(rp);
	assert_int_equal(entries(fx, 74), 2);
	assert_int_equal(events(fx, 74), 5);
	assert_int_equal(events(fx, 75), 2);
	expect_verdict(fx, AUDIT_ALL_CHAINS, AUDIT_INTACT, 0);
}

static void
a_full_table_writes_the_oldest_early_and_drops_nothing(void **state)
{
	struct fx *fx = *state;
	struct audit_repeat *rp = audit_repeat_new(fx->db,
	    AUDIT_REPEAT_NO_THREAD);
	const int64_t t0 = 1700000000;
	const int keys = LIMIT_AUDIT_REPEAT_SLOTS + 10;
	struct audit_event ev;
	int i;

	/* More actors than slots, three refusals each: the oldest keys are
	 * written out early, with their counts, to make room. */
	for (i = 0; i < keys * 3; i++) {
		ev = refusal(76, 1 + i / 3, "192.0.2.9", 1, t0);
		assert_int_equal(audit_repeat_record(rp, &ev), 0);
	}
	assert_int_equal(events(fx, 76), keys + 10 * 2);
	audit_repeat_free(rp);
	assert_int_equal(events(fx, 76), keys * 3);
	/* A first and a count per key, however they left the table. */
	assert_int_equal(entries(fx, 76), keys * 2);
	expect_verdict(fx, 76, AUDIT_INTACT, 0);
}

static void
outcome_filter_selects_refusals(void **state)
{
	struct fx *fx = *state;
	struct audit_filter f = { .org_id = 77, .by_outcome = true,
		.outcome = AUDIT_DENIED };
	struct audit_row *rows;
	struct audit_event ev;
	struct arena a;

	append_n(fx, 77, 3);
	ev = refusal(77, 5, "192.0.2.9", 4, 0);
	assert_int_equal(audit_record(fx->db, &ev), 0);
	arena_init(&a);
	assert_int_equal(query(fx, &f, &a, &rows), 1);
	assert_int_equal(rows[0].ev.outcome, AUDIT_DENIED);
	f.outcome = AUDIT_SUCCESS;
	assert_int_equal(query(fx, &f, &a, &rows), 3);
	f.by_outcome = false;
	f.kind = "trajectory";
	assert_int_equal(query(fx, &f, &a, &rows), 1);
	arena_release(&a);
}

/* --- Runner ------------------------------------------------------------- */

#define T(f, be) cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, \
    (be))

static int
run(const char *group, struct testdb *be)
{
	const struct CMUnitTest tests[] = {
		T(append_in_write_job_reads_back_every_field, be),
		T(failed_job_leaves_no_entry_and_no_gap, be),
		T(failed_jobs_in_a_busy_batch_leave_no_entry, be),
		T(record_runs_its_own_job, be),
		T(lock_makes_the_head_and_changes_no_seq, be),
		T(two_nodes_batches_in_opposite_orders_both_commit, be),
		T(chain_verifies_after_many_appends_in_two_orgs, be),
		T(concurrent_appends_keep_the_chain_gap_free, be),
		T(verify_finds_a_changed_field, be),
		T(verify_finds_a_changed_time_or_id, be),
		T(verify_finds_a_deleted_middle_entry, be),
		T(verify_finds_a_deleted_last_entry, be),
		T(verify_finds_a_forged_entry_behind_the_head, be),
		T(verify_finds_a_forged_entry_in_the_middle, be),
		T(verify_finds_reordered_entries, be),
		T(verify_finds_a_changed_or_missing_head, be),
		T(verify_of_an_empty_chain_is_intact, be),
		T(filters_select_by_employee_client_action_kind_and_time, be),
		T(query_refuses_bad_filters_and_caps_the_page, be),
		T(codes_refuse_free_text_and_bad_events, be),
		T(long_user_agents_are_cut_and_cleaned, be),
		T(system_chain_takes_events_without_an_organisation, be),
		T(flood_of_refusals_is_bounded_and_counts_add_up, be),
		T(repeats_of_other_keys_and_successes_are_not_merged, be),
		T(a_new_window_writes_the_old_count_and_starts_again, be),
		T(shutdown_writes_pending_counts, be),
		T(a_full_table_writes_the_oldest_early_and_drops_nothing, be),
		T(outcome_filter_selects_refusals, be),
	};

	return cmocka_run_group_tests_name(group, tests, NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(entry_hash_matches_the_documented_encoding),
	};
	int failed = 0;

	if (crypto_init() != 0)
		return 1;
	failed += cmocka_run_group_tests_name("audit", pure, NULL, NULL);
	failed += testdb_run_backends("audit", TESTDB_SHARED_PG |
	    TESTDB_NO_OPEN, run);
	return failed != 0;
}
