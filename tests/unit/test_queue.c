/*
 * test_queue.c - the reply queue, "I need more time" notices and the
 * adherence report, on SQLite always and on PostgreSQL too when
 * INFUUS_TEST_PG holds a URL.
 *
 * Trajectories are made with the trajectory API; threads and messages are
 * written by hand as the message module would (this module works on the
 * schema, not through message.h).  People are made once per backend (an
 * argon2id hash each); every test makes fresh organisations, so tests do
 * not see each other's rows, nor those a shared PostgreSQL database keeps
 * from earlier runs.
 *
 * Times are fixed instants in March 2026, Europe/Amsterdam (CET, before
 * the change to summer time on the 29th): Monday 2 March .. Friday 6 March
 * and Monday 9 March; the promise is Mon-Fri 09:00-17:00, 8 working hours.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "promise/tz.h"
#include "queue/queue.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "testdb.h"

enum { PRO1, PRO2, CLIENT1, CLIENT2, CLIENT3, PRO_B, CLIENT_B, NPEOPLE };

static const struct {
	const char *name;
	enum role role;
	int other_org;
} people[NPEOPLE] = {
	[PRO1] = { "Pro One", ROLE_PROFESSIONAL, 0 },
	[PRO2] = { "Pro Two", ROLE_PROFESSIONAL, 0 },
	[CLIENT1] = { "Client One", ROLE_CLIENT, 0 },
	[CLIENT2] = { "Client Two", ROLE_CLIENT, 0 },
	[CLIENT3] = { "Client Three", ROLE_CLIENT, 0 },
	[PRO_B] = { "Pro Bee", ROLE_PROFESSIONAL, 1 },
	[CLIENT_B] = { "Client Bee", ROLE_CLIENT, 1 },
};

struct group {
	struct testdb *t;  /* the database, shared on PostgreSQL */
	struct db *db;
	struct keyring *kr;
	struct tz_cache *tzc;
	struct tz *ams;
	char run[24];
	int64_t uid[NPEOPLE];
	int norg;
};

struct fx {
	struct group *g;
	struct db *db;
	struct keyring *kr;
	int64_t org_a, org_b;
	int64_t *uid;
	struct arena a;
};

/* --- Fixture ------------------------------------------------------------ */

static int
group_open(struct group *g)
{
	char email[128];
	int i, rc;

	testdb_run_tag(g->run, sizeof(g->run));
	/* No keyring_start: a shared PostgreSQL database holds keys of
	 * earlier runs wrapped with their own master keys. */
	if ((rc = keyring_new(g->t->key, &g->kr)) != 0 ||
	    (rc = tz_cache_new(&g->tzc)) != 0 ||
	    (rc = tz_load("Europe/Amsterdam", &g->ams)) != 0) {
		fprintf(stderr, "set-up: %s\n", err_msg(rc));
		return -1;
	}
	for (i = 0; i < NPEOPLE; i++) {
		snprintf(email, sizeof(email), "q%d-%s@example.org", i, g->run);
		if ((rc = user_create(g->db, email, people[i].name,
		    "correct horse battery staple", "nl", &g->uid[i])) != 0) {
			fprintf(stderr, "user_create: %s\n", err_msg(rc));
			return -1;
		}
	}
	return 0;
}

static void
group_close(struct group *g)
{
	if (g->ams)
		tz_free(g->ams);
	if (g->tzc)
		tz_cache_free(g->tzc);
	if (g->kr)
		keyring_free(g->kr);
}

static int64_t
new_org(struct group *g, const char *tag)
{
	char slug[64];

	snprintf(slug, sizeof(slug), "%s-%s-%d", tag, g->run, ++g->norg);
	return testdb_new_org(g->db, g->kr, "Praktijk", slug);
}

static int
setup(void **state)
{
	struct group *g = *state;
	struct fx *fx = calloc(1, sizeof(*fx));
	int i;

	assert_non_null(fx);
	fx->g = g;
	fx->db = g->db;
	fx->kr = g->kr;
	fx->uid = g->uid;
	fx->org_a = new_org(g, "qa");
	fx->org_b = new_org(g, "qb");
	for (i = 0; i < NPEOPLE; i++)
		assert_int_equal(member_add(g->db, people[i].other_org ?
		    fx->org_b : fx->org_a, g->uid[i], people[i].role), 0);
	arena_init(&fx->a);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	arena_release(&fx->a);
	free(fx);
	return 0;
}

/* --- Helpers ------------------------------------------------------------ */

static int64_t
org_of(struct fx *fx, int who)
{
	return people[who].other_org ? fx->org_b : fx->org_a;
}

static struct audit_event
event_for(struct fx *fx, int who)
{
	struct audit_event ev = {
		.org_id = org_of(fx, who),
		.outcome = AUDIT_SUCCESS,
		.actor_id = fx->uid[who],
		.role = role_name(people[who].role),
		.purpose = "care",
		.address = "192.0.2.7",
		.device = "test",
		.kind = "trajectory",
		.node = "node-a",
	};

	return ev;
}

/* A local time in Amsterdam. */
static int64_t
ams(struct fx *fx, int y, int m, int d, int hh, int mm)
{
	time_t t;

	assert_int_equal(tz_from_local(fx->g->ams, y, m, d, hh, mm, 0, &t), 0);
	return (int64_t)t;
}

#define HOUR 3600

/* A trajectory with the promise Mon-Fri 09:00-17:00, 8 working hours. */
static int64_t
new_traj(struct fx *fx, int pro, int client)
{
	struct audit_event ev = event_for(fx, pro);
	struct promise_terms t;
	int64_t id = 0;

	traj_default_terms(&fx->a, "Europe/Amsterdam", time(NULL), &t);
	t.reply_minutes = 8 * 60;
	t.schedule = "mon-fri 09:00-17:00";
	t.holidays = "";
	assert_int_equal(traj_create(fx->db, fx->kr, org_of(fx, pro),
	    fx->uid[client], fx->uid[pro], "Traject", 0, &t, &ev, NULL, &id), 0);
	return id;
}

static void
add_pro(struct fx *fx, int64_t traj, int pro)
{
	struct audit_event ev = event_for(fx, PRO1);

	assert_int_equal(traj_add_professional(fx->db, traj, fx->uid[pro],
	    &ev, NULL), 0);
}

static int64_t
add_thread(struct fx *fx, int64_t traj, int64_t org, const char *subject)
{
	struct testdb_raw j = { "INSERT INTO threads (trajectory_id, "
	    "subject_box, created_at, last_message_at) VALUES (?, ?, 1, 1) "
	    "RETURNING id",
	    { traj, 0 }, 2, fx->kr, org, subject, 2, 0, 0 };

	return testdb_raw(fx->db, &j);
}

/* A message as the message module writes it; deadline -1: none. */
static int64_t
add_msg(struct fx *fx, int64_t traj, int64_t thread, int author,
    int64_t created, int64_t deadline)
{
	struct testdb_raw j = { NULL, { thread, traj, org_of(fx, author),
	    fx->uid[author], 0, created, deadline }, 7, fx->kr,
	    org_of(fx, author), "tekst van het bericht", 5, 0, 0 };

	j.sql = people[author].role == ROLE_CLIENT ?
	    "INSERT INTO messages (thread_id, trajectory_id, org_id, author_id, "
	    "author_role, body_box, created_at, deadline_at) "
	    "VALUES (?, ?, ?, ?, 'client', ?, ?, ?) RETURNING id" :
	    "INSERT INTO messages (thread_id, trajectory_id, org_id, author_id, "
	    "author_role, body_box, created_at, deadline_at) "
	    "VALUES (?, ?, ?, ?, 'professional', ?, ?, ?) RETURNING id";
	return testdb_raw(fx->db, &j);
}

/* A professional's reply at `at` to the client message msg. */
static int64_t
reply(struct fx *fx, int64_t traj, int64_t thread, int pro, int64_t msg,
    int64_t at)
{
	int64_t id = add_msg(fx, traj, thread, pro, at, -1);
	struct testdb_raw j = { "UPDATE messages SET replied_at = ?, "
	    "reply_id = ? WHERE id = ?", { at, id, msg }, 3, NULL, 0, NULL, 0,
	    0, 0 };

	testdb_raw(fx->db, &j);
	assert_int_equal(j.changes, 1);
	return id;
}

static int64_t
count(struct fx *fx, const char *sql, int nargs, const int64_t *args)
{
	struct db_conn *c;
	int64_t n = -1;

	assert_int_equal(db_read_begin(fx->db, &c), 0);
	assert_int_equal(db_query_i64(c, sql, &n, nargs, args), 0);
	db_read_end(fx->db, c);
	return n;
}

static int64_t
col_i64(struct fx *fx, const char *sql, int64_t id)
{
	return count(fx, sql, 1, &id);
}

static bool
col_null(struct fx *fx, const char *sql, int64_t id)
{
	struct db_conn *c;
	struct db_stmt *st;
	bool null;

	assert_int_equal(db_read_begin(fx->db, &c), 0);
	assert_int_equal(db_prepare(c, sql, &st), 0);
	db_bind_i64(st, 1, id);
	assert_int_equal(db_step(st), DB_ROW);
	null = db_col_null(st, 0);
	db_done(st);
	db_read_end(fx->db, c);
	return null;
}

static bool
has_bytes(const struct buf *b, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= b->len; i++)
		if (memcmp(b->p + i, needle, n) == 0)
			return true;
	return false;
}

static bool
near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static const struct queue_row *
row_of(const struct queue_row *rows, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].id == id)
			return &rows[i];
	return NULL;
}

/* --- The queue ------------------------------------------------------------ */

static void
queue_orders_by_deadline_and_marks_overdue(void **state)
{
	struct fx *fx = *state;
	int64_t t1 = new_traj(fx, PRO1, CLIENT1);
	int64_t t2 = new_traj(fx, PRO1, CLIENT2);
	int64_t th1 = add_thread(fx, t1, fx->org_a, "Slapen");
	int64_t th2 = add_thread(fx, t2, fx->org_a, "Werk");
	int64_t mon9 = ams(fx, 2026, 3, 2, 9, 0);
	int64_t d1 = ams(fx, 2026, 3, 2, 17, 0);
	int64_t d2 = ams(fx, 2026, 3, 3, 12, 0);
	int64_t d3 = ams(fx, 2026, 3, 4, 10, 0);
	int64_t now = ams(fx, 2026, 3, 3, 9, 30);
	int64_t m1, m2, m3, answered;
	struct queue_item *it;
	size_t n;

	/* Written out of order; the oldest has the latest deadline (as if a
	 * notice moved it); one answered, one from the professional. */
	m3 = add_msg(fx, t1, th1, CLIENT1, mon9 - HOUR, d3);
	m1 = add_msg(fx, t2, th2, CLIENT2, mon9, d1);
	answered = add_msg(fx, t1, th1, CLIENT1, mon9, d1 - HOUR);
	reply(fx, t1, th1, PRO1, answered, mon9 + HOUR);
	add_msg(fx, t1, th1, PRO1, mon9 + 3 * HOUR, -1);
	m2 = add_msg(fx, t1, th1, CLIENT1, mon9 + HOUR, d2);

	assert_int_equal(queue_list(fx->db, fx->org_a, fx->uid[PRO1],
	    (time_t)now, &fx->a, &it, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(it[0].message_id, m1);
	assert_int_equal(it[1].message_id, m2);
	assert_int_equal(it[2].message_id, m3);
	assert_true(it[0].overdue);
	assert_false(it[1].overdue);
	assert_false(it[2].overdue);
	assert_int_equal(it[0].deadline, d1);
	assert_int_equal(it[0].sent_at, mon9);
	assert_int_equal(it[0].thread_id, th2);
	assert_int_equal(it[0].traj_id, t2);
	assert_int_equal(it[0].client_id, fx->uid[CLIENT2]);
	assert_string_equal(it[0].client_name, "Client Two");
	assert_string_equal(it[1].client_name, "Client One");
	assert_string_equal(it[0].tz, "Europe/Amsterdam");
	assert_int_equal(it[0].original_deadline, 0);
	assert_null(it[0].subject);

	/* A deadline is overdue only once it has passed. */
	assert_int_equal(queue_list(fx->db, fx->org_a, fx->uid[PRO1],
	    (time_t)d1, &fx->a, &it, &n), 0);
	assert_false(it[0].overdue);
	assert_int_equal(queue_list(fx->db, fx->org_a, fx->uid[PRO1],
	    (time_t)d3 + 1, &fx->a, &it, &n), 0);
	assert_true(it[0].overdue && it[1].overdue && it[2].overdue);
}

static void
queue_shows_only_the_professionals_open_trajectories(void **state)
{
	struct fx *fx = *state;
	int64_t t1 = new_traj(fx, PRO1, CLIENT1);
	int64_t t2 = new_traj(fx, PRO2, CLIENT2);
	int64_t t3 = new_traj(fx, PRO1, CLIENT3);
	int64_t th1 = add_thread(fx, t1, fx->org_a, "a");
	int64_t th2 = add_thread(fx, t2, fx->org_a, "b");
	int64_t th3 = add_thread(fx, t3, fx->org_a, "c");
	int64_t mon9 = ams(fx, 2026, 3, 2, 9, 0);
	struct audit_event ev = event_for(fx, PRO1);
	struct queue_item *it;
	int64_t m1, m2;
	size_t n;

	m1 = add_msg(fx, t1, th1, CLIENT1, mon9, mon9 + 8 * HOUR);
	m2 = add_msg(fx, t2, th2, CLIENT2, mon9, mon9 + 8 * HOUR);
	add_msg(fx, t3, th3, CLIENT3, mon9, mon9 + 8 * HOUR);
	/* Nobody can answer in a closed trajectory. */
	assert_int_equal(traj_set_phase(fx->db, t3, TRAJ_CLOSED, &ev), 0);

	assert_int_equal(queue_list(fx->db, fx->org_a, fx->uid[PRO1], mon9,
	    &fx->a, &it, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(it[0].message_id, m1);
	assert_int_equal(queue_list(fx->db, fx->org_a, fx->uid[PRO2], mon9,
	    &fx->a, &it, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(it[0].message_id, m2);

	/* A second professional of t1 sees its message too. */
	add_pro(fx, t1, PRO2);
	assert_int_equal(queue_list(fx->db, fx->org_a, fx->uid[PRO2], mon9,
	    &fx->a, &it, &n), 0);
	assert_int_equal(n, 2);
	/* The client of a trajectory has no queue. */
	assert_int_equal(queue_list(fx->db, fx->org_a, fx->uid[CLIENT1], mon9,
	    &fx->a, &it, &n), 0);
	assert_int_equal(n, 0);
}

static void
queue_of_another_organisation_is_empty(void **state)
{
	struct fx *fx = *state;
	int64_t t1 = new_traj(fx, PRO1, CLIENT1);
	int64_t tb = new_traj(fx, PRO_B, CLIENT_B);
	int64_t th1 = add_thread(fx, t1, fx->org_a, "a");
	int64_t thb = add_thread(fx, tb, fx->org_b, "b");
	int64_t mon9 = ams(fx, 2026, 3, 2, 9, 0);
	struct queue_item *it;
	int64_t mb;
	size_t n;

	add_msg(fx, t1, th1, CLIENT1, mon9, mon9 + 8 * HOUR);
	mb = add_msg(fx, tb, thb, CLIENT_B, mon9, mon9 + 8 * HOUR);
	assert_int_equal(queue_list(fx->db, fx->org_b, fx->uid[PRO1], mon9,
	    &fx->a, &it, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(queue_list(fx->db, fx->org_a, fx->uid[PRO_B], mon9,
	    &fx->a, &it, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(queue_list(fx->db, fx->org_b, fx->uid[PRO_B], mon9,
	    &fx->a, &it, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(it[0].message_id, mb);
}

static void
subjects_open_after_one_log_entry_per_thread(void **state)
{
	struct fx *fx = *state;
	int64_t t1 = new_traj(fx, PRO1, CLIENT1);
	int64_t th1 = add_thread(fx, t1, fx->org_a, "Slecht slapen");
	int64_t th2 = add_thread(fx, t1, fx->org_a, "Terug naar werk");
	int64_t mon9 = ams(fx, 2026, 3, 2, 9, 0);
	struct audit_event ev = event_for(fx, PRO1);
	int64_t args[2] = { fx->org_a, fx->uid[CLIENT1] };
	struct queue_item *it;
	int64_t before;
	size_t n;

	add_msg(fx, t1, th1, CLIENT1, mon9, mon9 + 8 * HOUR);
	add_msg(fx, t1, th1, CLIENT1, mon9 + HOUR, mon9 + 9 * HOUR);
	add_msg(fx, t1, th2, CLIENT1, mon9, mon9 + 10 * HOUR);
	assert_int_equal(queue_list(fx->db, fx->org_a, fx->uid[PRO1], mon9,
	    &fx->a, &it, &n), 0);
	assert_int_equal(n, 3);
	before = count(fx, "SELECT COUNT(*) FROM audit_log WHERE org_id = ? "
	    "AND client_id = ? AND kind = 'thread' AND detail = 'list' "
	    "AND action = 'R'", 2, args);
	assert_int_equal(queue_open_subjects(fx->db, fx->kr, fx->org_a, &ev,
	    &fx->a, it, n), 0);
	assert_string_equal(it[0].subject, "Slecht slapen");
	assert_string_equal(it[1].subject, "Slecht slapen");
	assert_string_equal(it[2].subject, "Terug naar werk");
	/* Two threads, two entries (not three). */
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM audit_log "
	    "WHERE org_id = ? AND client_id = ? AND kind = 'thread' "
	    "AND detail = 'list' AND action = 'R'", 2, args), before + 2);
}

/*
 * The owners are asked a batch at a time (100 trajectories, 100 threads,
 * 100 names a statement): a queue across 130 trajectories holds every
 * waiting message in deadline order, each with its client's name and its
 * subject, the earliest in the oldest trajectory (the last batch).
 */
static void
queue_spans_more_trajectories_than_one_batch(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = event_for(fx, PRO1);
	int64_t mon9 = ams(fx, 2026, 3, 2, 9, 0);
	int64_t traj[130], msg[130];
	struct queue_item *it;
	char subject[16];
	size_t n, i;

	for (i = 0; i < 130; i++) {
		int who = i % 2 ? CLIENT2 : CLIENT1;
		int64_t th;

		traj[i] = new_traj(fx, PRO1, who);
		snprintf(subject, sizeof(subject), "Onderwerp %zu", i);
		th = add_thread(fx, traj[i], fx->org_a, subject);
		/* The older the trajectory, the earlier the deadline. */
		msg[i] = add_msg(fx, traj[i], th, who, mon9,
		    mon9 + (int64_t)(i + 1) * HOUR);
	}
	assert_int_equal(queue_list(fx->db, fx->org_a, fx->uid[PRO1], mon9,
	    &fx->a, &it, &n), 0);
	assert_int_equal(n, 130);
	assert_int_equal(queue_open_subjects(fx->db, fx->kr, fx->org_a, &ev,
	    &fx->a, it, n), 0);
	for (i = 0; i < 130; i++) {
		snprintf(subject, sizeof(subject), "Onderwerp %zu", i);
		assert_int_equal(it[i].message_id, msg[i]);
		assert_int_equal(it[i].traj_id, traj[i]);
		assert_string_equal(it[i].client_name, i % 2 ? "Client Two" :
		    "Client One");
		assert_string_equal(it[i].tz, "Europe/Amsterdam");
		assert_non_null(it[i].subject);
		assert_string_equal(it[i].subject, subject);
	}
}

/* --- I need more time ------------------------------------------------------ */

static void
more_time_moves_the_deadline_and_adds_a_sealed_notice(void **state)
{
	struct fx *fx = *state;
	int64_t t1 = new_traj(fx, PRO1, CLIENT1);
	int64_t th = add_thread(fx, t1, fx->org_a, "Slapen");
	int64_t other = add_thread(fx, t1, fx->org_a, "Ander");
	int64_t mon9 = ams(fx, 2026, 3, 2, 9, 0);
	int64_t d1 = ams(fx, 2026, 3, 2, 17, 0);
	int64_t d2 = ams(fx, 2026, 3, 3, 10, 0);
	int64_t now = ams(fx, 2026, 3, 2, 15, 0);
	int64_t first = ams(fx, 2026, 3, 3, 9, 0);   /* between d1 and d2 */
	int64_t second = ams(fx, 2026, 3, 4, 12, 0); /* after both */
	struct audit_event ev = event_for(fx, PRO1);
	const char *note = "Ik heb meer tijd nodig voor een goed antwoord.";
	struct buf box = BUF_INIT, plain = BUF_INIT;
	struct queue_item *it;
	struct db_conn *c;
	int64_t m1, m2, m3, notice, notice2, args[2];
	size_t n;

	m1 = add_msg(fx, t1, th, CLIENT1, mon9, d1);
	m2 = add_msg(fx, t1, th, CLIENT1, mon9 + 2 * HOUR, d2);
	m3 = add_msg(fx, t1, other, CLIENT1, mon9, d1);
	args[0] = fx->uid[CLIENT1];
	args[1] = t1;

	assert_int_equal(queue_more_time(fx->db, fx->kr, th, fx->uid[PRO1],
	    (time_t)first, str_c(note), (time_t)now, &ev, &notice, NULL), 0);
	assert_true(notice > m3);
	/* The earlier deadline moved, the later one stayed; the promised
	 * one is kept; nothing counts as replied; other threads untouched. */
	assert_int_equal(col_i64(fx, "SELECT deadline_at FROM messages "
	    "WHERE id = ?", m1), first);
	assert_int_equal(col_i64(fx, "SELECT original_deadline FROM messages "
	    "WHERE id = ?", m1), d1);
	assert_int_equal(col_i64(fx, "SELECT deadline_at FROM messages "
	    "WHERE id = ?", m2), d2);
	assert_true(col_null(fx, "SELECT original_deadline FROM messages "
	    "WHERE id = ?", m2));
	assert_true(col_null(fx, "SELECT replied_at FROM messages "
	    "WHERE id = ?", m1));
	assert_int_equal(col_i64(fx, "SELECT deadline_at FROM messages "
	    "WHERE id = ?", m3), d1);

	/* The notice row: in the thread, by the professional, sealed. */
	assert_int_equal(col_i64(fx, "SELECT COUNT(*) FROM messages WHERE "
	    "id = ? AND kind = 'notice' AND author_role = 'professional'",
	    notice), 1);
	assert_int_equal(col_i64(fx, "SELECT thread_id FROM messages "
	    "WHERE id = ?", notice), th);
	assert_int_equal(col_i64(fx, "SELECT author_id FROM messages "
	    "WHERE id = ?", notice), fx->uid[PRO1]);
	assert_int_equal(col_i64(fx, "SELECT new_deadline FROM messages "
	    "WHERE id = ?", notice), first);
	assert_true(col_null(fx, "SELECT deadline_at FROM messages "
	    "WHERE id = ?", notice));
	testdb_blob(fx->db, "SELECT body_box FROM messages WHERE id = ?",
	    notice, &box);
	assert_false(has_bytes(&box, "meer tijd"));
	assert_int_equal(db_read_begin(fx->db, &c), 0);
	assert_int_equal(keyring_open(fx->kr, c, fx->org_a, box.p, box.len,
	    &plain), 0);
	db_read_end(fx->db, c);
	assert_int_equal(plain.len, strlen(note));
	assert_memory_equal(plain.p, note, plain.len);
	assert_int_equal(col_i64(fx, "SELECT last_message_at FROM threads "
	    "WHERE id = ?", th), now);
	/* The client is told (by the outbox), and the act is logged. */
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM notifications WHERE "
	    "user_id = ? AND trajectory_id = ? AND sent_at IS NULL", 2, args),
	    1);
	args[0] = notice;
	args[1] = fx->uid[CLIENT1];
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM audit_log WHERE "
	    "object_id = ? AND client_id = ? AND kind = 'message' AND "
	    "action = 'C' AND detail = 'notice'", 2, args), 1);

	/* The queue follows the announced moment. */
	assert_int_equal(queue_list(fx->db, fx->org_a, fx->uid[PRO1],
	    (time_t)now, &fx->a, &it, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(it[0].message_id, m3);
	assert_int_equal(it[1].message_id, m1);
	assert_int_equal(it[1].deadline, first);
	assert_int_equal(it[1].original_deadline, d1);

	/* A second notice moves both; the promise stays the first one. */
	assert_int_equal(queue_more_time(fx->db, fx->kr, th, fx->uid[PRO1],
	    (time_t)second, STR("Nog even geduld."), (time_t)now + HOUR, &ev,
	    &notice2, NULL), 0);
	assert_true(notice2 > notice);
	assert_int_equal(col_i64(fx, "SELECT deadline_at FROM messages "
	    "WHERE id = ?", m1), second);
	assert_int_equal(col_i64(fx, "SELECT original_deadline FROM messages "
	    "WHERE id = ?", m1), d1);
	assert_int_equal(col_i64(fx, "SELECT deadline_at FROM messages "
	    "WHERE id = ?", m2), second);
	assert_int_equal(col_i64(fx, "SELECT original_deadline FROM messages "
	    "WHERE id = ?", m2), d2);
	buf_release(&box);
	buf_wipe(&plain);
}

static void
more_time_refuses_bad_deadlines_and_outsiders(void **state)
{
	struct fx *fx = *state;
	int64_t t1 = new_traj(fx, PRO1, CLIENT1);
	int64_t t2 = new_traj(fx, PRO1, CLIENT2);
	int64_t th = add_thread(fx, t1, fx->org_a, "a");
	int64_t quiet = add_thread(fx, t1, fx->org_a, "b");
	int64_t th2 = add_thread(fx, t2, fx->org_a, "c");
	int64_t mon9 = ams(fx, 2026, 3, 2, 9, 0);
	int64_t d1 = ams(fx, 2026, 3, 2, 17, 0);
	int64_t now = ams(fx, 2026, 3, 2, 15, 0);
	int64_t later = ams(fx, 2026, 3, 3, 12, 0);
	struct audit_event ev = event_for(fx, PRO1);
	struct audit_event ev2 = event_for(fx, PRO2);
	struct audit_event evb = event_for(fx, PRO_B);
	struct audit_event evc = event_for(fx, PRO1);
	int64_t m1, id = -1, args[1];
	int64_t before;
	struct why why;

	m1 = add_msg(fx, t1, th, CLIENT1, mon9, d1);
	add_msg(fx, t2, th2, CLIENT2, mon9, d1);
	add_msg(fx, t1, quiet, PRO1, mon9, -1);
	args[0] = t1;
	before = count(fx, "SELECT COUNT(*) FROM messages WHERE "
	    "trajectory_id = ?", 1, args);

	/* Not later than the deadline, in the past, too far ahead; each
	 * with the reason for the form's field. */
	memset(&why, 0, sizeof(why));
	assert_int_equal(queue_more_time(fx->db, fx->kr, th, fx->uid[PRO1],
	    (time_t)d1, STR("Later."), (time_t)now, &ev, &id, &why), ERR_INVAL);
	assert_int_equal(id, 0);
	assert_string_equal(why.field, "new_deadline");
	memset(&why, 0, sizeof(why));
	assert_int_equal(queue_more_time(fx->db, fx->kr, th, fx->uid[PRO1],
	    (time_t)now + (LIMIT_NOTICE_DAYS + 1) * 86400, STR("Later."),
	    (time_t)now, &ev, &id, &why), ERR_INVAL);
	assert_string_equal(why.field, "new_deadline");
	assert_int_equal(why.limit, LIMIT_NOTICE_DAYS);
	memset(&why, 0, sizeof(why));
	assert_int_equal(queue_more_time(fx->db, fx->kr, th, fx->uid[PRO1],
	    (time_t)later, STR(""), (time_t)now, &ev, &id, &why), ERR_INVAL);
	assert_string_equal(why.field, "note");
	assert_int_equal(queue_more_time(fx->db, fx->kr, th, fx->uid[PRO1],
	    (time_t)d1 - HOUR, STR("Later."), (time_t)now, &ev, &id, NULL),
	    ERR_INVAL);
	assert_int_equal(queue_more_time(fx->db, fx->kr, th, fx->uid[PRO1],
	    (time_t)now - 1, STR("Later."), (time_t)now, &ev, &id, NULL), ERR_INVAL);
	assert_int_equal(queue_more_time(fx->db, fx->kr, th, fx->uid[PRO1],
	    (time_t)now + (LIMIT_NOTICE_DAYS + 1) * 86400, STR("Later."),
	    (time_t)now, &ev, &id, NULL), ERR_INVAL);
	/* No note, or only white space. */
	assert_int_equal(queue_more_time(fx->db, fx->kr, th, fx->uid[PRO1],
	    (time_t)later, STR(" \n "), (time_t)now, &ev, &id, NULL), ERR_INVAL);
	/* Not a professional of this trajectory; another organisation. */
	assert_int_equal(queue_more_time(fx->db, fx->kr, th, fx->uid[PRO2],
	    (time_t)later, STR("Later."), (time_t)now, &ev2, &id, NULL),
	    ERR_FORBIDDEN);
	assert_int_equal(queue_more_time(fx->db, fx->kr, th, fx->uid[CLIENT1],
	    (time_t)later, STR("Later."), (time_t)now, &ev, &id, NULL),
	    ERR_FORBIDDEN);
	assert_int_equal(queue_more_time(fx->db, fx->kr, th, fx->uid[PRO_B],
	    (time_t)later, STR("Later."), (time_t)now, &evb, &id, NULL),
	    ERR_NOTFOUND);
	assert_int_equal(queue_more_time(fx->db, fx->kr, th + 1000000,
	    fx->uid[PRO1], (time_t)later, STR("Later."), (time_t)now, &ev,
	    &id, NULL), ERR_NOTFOUND);
	/* Nothing waits in this thread. */
	assert_int_equal(queue_more_time(fx->db, fx->kr, quiet, fx->uid[PRO1],
	    (time_t)later, STR("Later."), (time_t)now, &ev, &id, NULL),
	    ERR_CONFLICT);
	/* Nothing was written by any of these. */
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM messages WHERE "
	    "trajectory_id = ?", 1, args), before);
	assert_int_equal(col_i64(fx, "SELECT deadline_at FROM messages "
	    "WHERE id = ?", m1), d1);

	/* Once replied, nothing waits either. */
	reply(fx, t1, th, PRO1, m1, now);
	assert_int_equal(queue_more_time(fx->db, fx->kr, th, fx->uid[PRO1],
	    (time_t)later, STR("Later."), (time_t)now, &ev, &id, NULL),
	    ERR_CONFLICT);
	/* A closed trajectory takes no notice. */
	evc.kind = "trajectory";
	assert_int_equal(traj_set_phase(fx->db, t2, TRAJ_CLOSED, &evc), 0);
	assert_int_equal(queue_more_time(fx->db, fx->kr, th2, fx->uid[PRO1],
	    (time_t)later, STR("Later."), (time_t)now, &ev, &id, NULL),
	    ERR_FORBIDDEN);
}

/* --- Adherence ------------------------------------------------------------ */

/*
 * Ten messages sent Monday 2 March 09:00, promise due Monday 17:00 (8
 * working hours).  Replies after 1, 2, ... 10 working hours: 1-8 on
 * Monday (8 exactly at the deadline: within), 9 and 10 on Tuesday at 10:00
 * and 11:00.  The 9-hour one had a notice moving its deadline to Tuesday
 * 12:00: late for the promise, within the extension.  Pro One wrote the
 * replies of 1-6 hours, Pro Two 7-10.  Two more messages, sent Tuesday
 * 09:00 (due 17:00), still wait on Wednesday 12:00: overdue.
 *   all ten: within 8 of 10; median of 1..10 = 5.5; p90 = 9 + 0.1 = 9.1
 *   Pro One (1..6): 6 of 6; median 3.5; p90: rank 4.5 -> 5.5
 *   Pro Two (7..10): 2 of 4, 1 extension, 1 late; median 8.5;
 *            p90: rank 2.7 -> 9 + 0.7 = 9.7
 * A second trajectory (Pro One) has one message sent Friday 6 March 16:00,
 * replied Monday 9 March 10:00: 1 + 1 = 2 working hours over the weekend.
 */
static void
adherence_numbers_match_a_hand_computed_set(void **state)
{
	struct fx *fx = *state;
	int64_t t1 = new_traj(fx, PRO1, CLIENT1);
	int64_t t2 = new_traj(fx, PRO1, CLIENT2);
	int64_t th1 = add_thread(fx, t1, fx->org_a, "a");
	int64_t th2 = add_thread(fx, t2, fx->org_a, "b");
	int64_t mon9 = ams(fx, 2026, 3, 2, 9, 0);
	int64_t mon17 = ams(fx, 2026, 3, 2, 17, 0);
	int64_t tue9 = ams(fx, 2026, 3, 3, 9, 0);
	int64_t tue17 = ams(fx, 2026, 3, 3, 17, 0);
	int64_t wed12 = ams(fx, 2026, 3, 4, 12, 0);
	struct audit_event ev = event_for(fx, PRO1);
	struct queue_filter f;
	struct queue_report rep;
	const struct queue_row *p1, *p2, *r1, *r2;
	int64_t args[2], before;
	int h;

	add_pro(fx, t1, PRO2);
	for (h = 1; h <= 10; h++) {
		int64_t m = add_msg(fx, t1, th1, CLIENT1, mon9, mon17);
		int64_t at = h <= 8 ? mon9 + h * HOUR :
		    tue9 + (h - 8) * HOUR;

		if (h == 9) {
			struct testdb_raw j = { "UPDATE messages SET "
			    "original_deadline = deadline_at, deadline_at = ? "
			    "WHERE id = ?", { tue9 + 3 * HOUR, m }, 2, NULL, 0,
			    NULL, 0, 0, 0 };

			testdb_raw(fx->db, &j);
		}
		reply(fx, t1, th1, h <= 6 ? PRO1 : PRO2, m, at);
	}
	add_msg(fx, t1, th1, CLIENT1, tue9, tue17);
	add_msg(fx, t1, th1, CLIENT1, tue9, tue17);
	/* Before the period: not counted. */
	add_msg(fx, t1, th1, CLIENT1, mon9 - 7 * 86400, mon9 - 7 * 86400 +
	    8 * HOUR);
	{
		int64_t m = add_msg(fx, t2, th2, CLIENT2,
		    ams(fx, 2026, 3, 6, 16, 0), ams(fx, 2026, 3, 9, 16, 0));

		reply(fx, t2, th2, PRO1, m, ams(fx, 2026, 3, 9, 10, 0));
	}

	memset(&f, 0, sizeof(f));
	f.org_id = fx->org_a;
	f.traj_id = t1;
	f.from = mon9 - 3600;
	f.to = ams(fx, 2026, 3, 31, 0, 0);
	f.now = wed12;
	assert_int_equal(queue_adherence(fx->db, fx->g->tzc, &f, NULL, &fx->a,
	    &rep), 0);
	assert_int_equal(rep.total.messages, 12);
	assert_int_equal(rep.total.replied, 10);
	assert_int_equal(rep.total.within, 8);
	assert_int_equal(rep.total.within_extension, 1);
	assert_int_equal(rep.total.late, 1);
	assert_int_equal(rep.total.extended, 1);
	assert_int_equal(rep.total.waiting, 2);
	assert_int_equal(rep.total.overdue, 2);
	assert_int_equal(rep.total.measured, 10);
	assert_true(near(rep.total.share_within, 0.8));
	assert_true(near(rep.total.median_hours, 5.5));
	assert_true(near(rep.total.p90_hours, 9.1));
	assert_int_equal(rep.ntrajs, 1);
	assert_int_equal(rep.trajs[0].id, t1);
	assert_string_equal(rep.trajs[0].name, "Client One");
	assert_int_equal(rep.trajs[0].client_id, fx->uid[CLIENT1]);
	assert_true(near(rep.trajs[0].s.p90_hours, 9.1));
	assert_int_equal(rep.npros, 2);
	p1 = row_of(rep.pros, rep.npros, fx->uid[PRO1]);
	p2 = row_of(rep.pros, rep.npros, fx->uid[PRO2]);
	assert_non_null(p1);
	assert_non_null(p2);
	assert_string_equal(p1->name, "Pro One");
	assert_int_equal(p1->s.replied, 6);
	assert_int_equal(p1->s.within, 6);
	assert_true(near(p1->s.share_within, 1.0));
	assert_true(near(p1->s.median_hours, 3.5));
	assert_true(near(p1->s.p90_hours, 5.5));
	assert_int_equal(p2->s.replied, 4);
	assert_int_equal(p2->s.within, 2);
	assert_int_equal(p2->s.within_extension, 1);
	assert_int_equal(p2->s.late, 1);
	assert_true(near(p2->s.share_within, 0.5));
	assert_true(near(p2->s.median_hours, 8.5));
	assert_true(near(p2->s.p90_hours, 9.7));
	/* Waiting messages count for each professional who could answer. */
	assert_int_equal(p1->s.waiting, 2);
	assert_int_equal(p2->s.waiting, 2);
	assert_int_equal(p2->s.overdue, 2);

	/* Before their deadline they wait, but are not overdue. */
	f.now = tue9 + HOUR;
	assert_int_equal(queue_adherence(fx->db, fx->g->tzc, &f, NULL, &fx->a,
	    &rep), 0);
	assert_int_equal(rep.total.waiting, 2);
	assert_int_equal(rep.total.overdue, 0);

	/* The whole organisation, and the weekend in between. */
	f.traj_id = 0;
	f.now = wed12;
	args[0] = fx->org_a;
	args[1] = fx->uid[PRO1];
	before = count(fx, "SELECT COUNT(*) FROM audit_log WHERE org_id = ? "
	    "AND actor_id = ? AND detail = 'report'", 2, args);
	assert_int_equal(queue_adherence(fx->db, fx->g->tzc, &f, &ev, &fx->a,
	    &rep), 0);
	assert_int_equal(count(fx, "SELECT COUNT(*) FROM audit_log WHERE "
	    "org_id = ? AND actor_id = ? AND detail = 'report'", 2, args),
	    before + 2);
	assert_int_equal(rep.total.messages, 13);
	assert_int_equal(rep.total.replied, 11);
	assert_int_equal(rep.total.within, 9);
	assert_int_equal(rep.ntrajs, 2);
	r1 = row_of(rep.trajs, rep.ntrajs, t1);
	r2 = row_of(rep.trajs, rep.ntrajs, t2);
	assert_non_null(r1);
	assert_non_null(r2);
	assert_int_equal(r2->s.replied, 1);
	assert_int_equal(r2->s.within, 1);
	assert_true(near(r2->s.median_hours, 2.0));
	assert_true(near(r2->s.p90_hours, 2.0));
	/* Sorted by name. */
	assert_string_equal(rep.trajs[0].name, "Client One");
	assert_string_equal(rep.trajs[1].name, "Client Two");
	/* {1, 2, 2, 3, ..., 10}: median 5, p90 rank 9 -> 9. */
	assert_true(near(rep.total.median_hours, 5.0));
	assert_true(near(rep.total.p90_hours, 9.0));
	p1 = row_of(rep.pros, rep.npros, fx->uid[PRO1]);
	assert_int_equal(p1->s.replied, 7);
	/* {1, 2, 2, 3, 4, 5, 6}: median 3, p90 rank 5.4 -> 5.4. */
	assert_true(near(p1->s.median_hours, 3.0));
	assert_true(near(p1->s.p90_hours, 5.4));

	/* One professional's own report: their row only, their
	 * trajectories only. */
	f.professional_id = fx->uid[PRO2];
	assert_int_equal(queue_adherence(fx->db, fx->g->tzc, &f, NULL, &fx->a,
	    &rep), 0);
	assert_int_equal(rep.npros, 1);
	assert_int_equal(rep.pros[0].id, fx->uid[PRO2]);
	assert_int_equal(rep.pros[0].s.replied, 4);
	assert_int_equal(rep.ntrajs, 1);
	assert_int_equal(rep.trajs[0].id, t1);
	assert_int_equal(rep.total.messages, 12);

	/* Another organisation sees none of it. */
	f.professional_id = 0;
	f.org_id = fx->org_b;
	assert_int_equal(queue_adherence(fx->db, fx->g->tzc, &f, NULL, &fx->a,
	    &rep), 0);
	assert_int_equal(rep.total.messages, 0);
	assert_int_equal(rep.npros, 0);
	assert_int_equal(rep.ntrajs, 0);
	assert_true(rep.total.share_within < 0);
	assert_true(rep.total.median_hours < 0);
}

static void
adherence_refuses_a_bad_period(void **state)
{
	struct fx *fx = *state;
	struct queue_filter f;
	struct queue_report rep;

	memset(&f, 0, sizeof(f));
	f.org_id = fx->org_a;
	f.from = 1000000;
	f.to = 1000000;
	assert_int_equal(queue_adherence(fx->db, fx->g->tzc, &f, NULL, &fx->a,
	    &rep), ERR_INVAL);
	f.to = f.from + (int64_t)(LIMIT_REPORT_DAYS + 1) * 86400;
	assert_int_equal(queue_adherence(fx->db, fx->g->tzc, &f, NULL, &fx->a,
	    &rep), ERR_INVAL);
	f.to = f.from + (int64_t)LIMIT_REPORT_DAYS * 86400;
	assert_int_equal(queue_adherence(fx->db, fx->g->tzc, &f, NULL, &fx->a,
	    &rep), 0);
	f.org_id = 0;
	assert_int_equal(queue_adherence(fx->db, fx->g->tzc, &f, NULL, &fx->a,
	    &rep), ERR_INVAL);
}

/* --- Runner ------------------------------------------------------------- */

#define DB_TEST(f) cmocka_unit_test_prestate_setup_teardown(f, setup, \
    teardown, g)

static int
run_db_tests(const char *group, struct group *g)
{
	const struct CMUnitTest tests[] = {
		DB_TEST(queue_orders_by_deadline_and_marks_overdue),
		DB_TEST(queue_spans_more_trajectories_than_one_batch),
		DB_TEST(queue_shows_only_the_professionals_open_trajectories),
		DB_TEST(queue_of_another_organisation_is_empty),
		DB_TEST(subjects_open_after_one_log_entry_per_thread),
		DB_TEST(more_time_moves_the_deadline_and_adds_a_sealed_notice),
		DB_TEST(more_time_refuses_bad_deadlines_and_outsiders),
		DB_TEST(adherence_numbers_match_a_hand_computed_set),
		DB_TEST(adherence_refuses_a_bad_period),
	};

	return cmocka_run_group_tests_name(group, tests, NULL, NULL);
}

static int
run(const char *group, struct testdb *t)
{
	struct group g = { 0 };
	int failed = 1;

	g.t = t;
	g.db = t->db;
	if (group_open(&g) == 0)
		failed = run_db_tests(group, &g);
	group_close(&g);
	return failed;
}

int
main(void)
{
	int failed = 0;

	if (crypto_init() != 0)
		return 1;
	failed += testdb_run_backends("queue", TESTDB_SHARED_PG, run);
	return failed != 0;
}
