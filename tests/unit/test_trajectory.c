/*
 * test_trajectory.c - trajectories: who sees which, what is sealed, what
 * is logged, what a closed trajectory still allows, the promise terms and
 * the compiled promise.  Runs on SQLite always and on PostgreSQL too when
 * INFUUS_TEST_PG holds a URL.
 *
 * Accounts cost an argon2id hash each, so the people are made once per
 * backend; every test makes fresh organisations and gives those people
 * their roles there, so tests do not see each other's trajectories (nor
 * the rows a shared PostgreSQL database keeps from earlier runs).
 */
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
#include "authz/authz.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "message/message.h"
#include "promise/promise.h"
#include "promise/tz.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "testdb.h"

enum { PRO1, PRO2, CLIENT1, CLIENT2, ADMIN, PRO_B, CLIENT_B, NPEOPLE };

static const struct {
	const char *name;
	enum role role;
	int other_org; /* a member of org B instead of org A */
} people[NPEOPLE] = {
	[PRO1] = { "Pro One", ROLE_PROFESSIONAL, 0 },
	[PRO2] = { "Pro Two", ROLE_PROFESSIONAL, 0 },
	[CLIENT1] = { "Client One", ROLE_CLIENT, 0 },
	[CLIENT2] = { "Client Two", ROLE_CLIENT, 0 },
	[ADMIN] = { "Admin", ROLE_ADMIN, 0 },
	[PRO_B] = { "Pro Bee", ROLE_PROFESSIONAL, 1 },
	[CLIENT_B] = { "Client Bee", ROLE_CLIENT, 1 },
};

struct group {
	struct testdb *t;  /* the database, shared on PostgreSQL */
	struct db *db;
	struct keyring *kr;
	char run[24];      /* makes names unique on a shared database */
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

/* Outside any test (so no cmocka asserts): a message and -1 on failure. */
static int
group_open(struct group *g)
{
	char email[128];
	int i, rc;

	testdb_run_tag(g->run, sizeof(g->run));
	/* keyring_start is left out on purpose: it checks every data key
	 * of the database, and a shared PostgreSQL database holds keys of
	 * earlier runs wrapped with their own master keys. */
	if ((rc = keyring_new(g->t->key, &g->kr)) != 0) {
		fprintf(stderr, "keyring: %s\n", err_msg(rc));
		return -1;
	}
	for (i = 0; i < NPEOPLE; i++) {
		snprintf(email, sizeof(email), "p%d-%s@example.org", i, g->run);
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

/* The prestate is the group; the test's state becomes its fixture. */
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
	/* The counters are message's, registered as app_open does. */
	traj_activity_source(msg_traj_activity_on);
	fx->org_a = new_org(g, "a");
	fx->org_b = new_org(g, "b");
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

/* The event a handler would pass for this person. */
static struct audit_event
event_for(struct fx *fx, int who)
{
	struct audit_event ev = {
		.org_id = org_of(fx, who),
		.outcome = AUDIT_SUCCESS,
		.actor_id = fx->uid[who],
		.role = role_name(people[who].role),
		.purpose = people[who].role == ROLE_CLIENT ? "client-self" :
		    "care",
		.address = "192.0.2.7",
		.device = "test",
		.kind = "trajectory",
		.node = "node-a",
	};

	return ev;
}

static struct principal
principal_of(struct fx *fx, int who)
{
	struct principal p = { fx->uid[who], org_of(fx, who),
		people[who].role, true };

	return p;
}

static void
default_terms(struct fx *fx, struct promise_terms *t)
{
	traj_default_terms(&fx->a, "Europe/Amsterdam", time(NULL), t);
}

static int64_t
create(struct fx *fx, int pro, int client, const char *title)
{
	struct audit_event ev = event_for(fx, pro);
	struct promise_terms t;
	int64_t id = 0;

	default_terms(fx, &t);
	assert_int_equal(traj_create(fx->db, fx->kr, fx->org_a,
	    fx->uid[client], fx->uid[pro], title, 0, &t, &ev, NULL, &id), 0);
	assert_true(id > 0);
	return id;
}

static int64_t
add_thread(struct fx *fx, int64_t traj)
{
	struct testdb_raw j = { "INSERT INTO threads (trajectory_id, "
	    "subject_box, created_at, last_message_at) VALUES (?, X'00', 1, 1) "
	    "RETURNING id", { traj }, 1, NULL, 0, NULL, 0, 0, 0 };

	if (db_kind(fx->db) == DB_POSTGRES)
		j.sql = "INSERT INTO threads (trajectory_id, subject_box, "
		    "created_at, last_message_at) VALUES (?, '\\x00', 1, 1) "
		    "RETURNING id";
	return testdb_raw(fx->db, &j);
}

/* deadline or replied -1: NULL. */
static int64_t
add_message(struct fx *fx, int64_t traj, int64_t thread, int author,
    int64_t created, int64_t deadline, int64_t replied)
{
	struct testdb_raw j = { NULL, { thread, traj, fx->org_a,
	    fx->uid[author], created, deadline, replied }, 7, NULL, 0, NULL, 0,
	    0, 0 };
	const char *role = people[author].role == ROLE_CLIENT ? "'client'" :
	    "'professional'";
	char sql[512];

	snprintf(sql, sizeof(sql), "INSERT INTO messages (thread_id, "
	    "trajectory_id, org_id, author_id, author_role, body_box, "
	    "created_at, deadline_at, replied_at) VALUES (?, ?, ?, ?, %s, %s, "
	    "?, ?, ?) RETURNING id", role,
	    db_kind(fx->db) == DB_POSTGRES ? "'\\x00'" : "X'00'");
	j.sql = sql;
	return testdb_raw(fx->db, &j);
}

static bool
contains(const struct buf *b, const char *needle)
{
	return memmem(b->p, b->len, needle, strlen(needle)) != NULL;
}

static size_t
audit_count(struct fx *fx, int64_t client, char action, const char *kind,
    int64_t object)
{
	struct audit_filter f = { 0 };
	struct audit_row *rows;
	struct db_conn *c;
	size_t n = 0, i, hits = 0;

	f.org_id = fx->org_a;
	f.client_id = client;
	f.action = action;
	f.kind = kind;
	assert_int_equal(db_read_begin(fx->db, &c), 0);
	assert_int_equal(audit_query(c, &f, &fx->a, &rows, &n), 0);
	db_read_end(fx->db, c);
	for (i = 0; i < n; i++)
		if (object == 0 || rows[i].ev.object_id == object)
			hits++;
	return hits;
}

static bool
listed(const struct trajectory *v, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].id == id)
			return true;
	return false;
}

/* --- Pure --------------------------------------------------------------- */

static void
phase_and_level_names_round_trip(void **state)
{
	enum traj_phase p;
	enum traj_level l;
	int i;

	(void)state;
	for (i = TRAJ_INTAKE; i <= TRAJ_CLOSED; i++) {
		assert_int_equal(traj_phase_parse(traj_phase_name(
		    (enum traj_phase)i), &p), 0);
		assert_int_equal(p, i);
	}
	assert_string_equal(traj_phase_name(TRAJ_CLOSING), "closing");
	for (i = TRAJ_LEVEL_SIMPLE; i <= TRAJ_LEVEL_ADVANCED; i++) {
		assert_int_equal(traj_level_parse(traj_level_name(
		    (enum traj_level)i), &l), 0);
		assert_int_equal(l, i);
	}
	assert_int_equal(traj_phase_parse("open", &p), ERR_INVAL);
	assert_int_equal(traj_phase_parse(NULL, &p), ERR_INVAL);
	assert_int_equal(traj_level_parse("Simple", &l), ERR_INVAL);
}

static void
default_terms_include_koningsdag_of_this_and_next_year(void **state)
{
	struct promise_terms t;
	struct arena a;
	struct why why = { "unset", "unset", NULL, 0 };
	/* 2025-03-01 12:00 UTC: Koningsdag 2025 falls on Saturday 26 April
	 * (the 27th is a Sunday); 2026's is Monday 27 April. */
	time_t now = 1740830400;

	(void)state;
	arena_init(&a);
	traj_default_terms(&a, "Europe/Amsterdam", now, &t);
	assert_non_null(strstr(t.holidays, "2025-04-26"));
	assert_null(strstr(t.holidays, "2025-04-27"));
	assert_non_null(strstr(t.holidays, "2026-04-27"));
	assert_non_null(strstr(t.holidays, "2026-12-25"));
	assert_null(strstr(t.holidays, "2027-"));
	assert_string_equal(t.tz, "Europe/Amsterdam");
	assert_string_equal(t.schedule, "mon-fri 09:00-17:00");
	assert_int_equal(t.reply_minutes, 24 * 60);
	assert_int_equal(traj_terms_check(&t, &why), 0);
	/* Untouched when the terms pass. */
	assert_string_equal(why.msg, "unset");
	arena_release(&a);
}

static void
terms_validation_names_the_field_and_reason(void **state)
{
	static const struct {
		const char *field;
		int64_t reply, contact;
		const char *tz, *schedule, *reachable, *holidays;
	} bad[] = {
		{ "schedule", 60, 7, "Europe/Amsterdam", "mon-fri 9-5", "", "" },
		{ "schedule", 60, 7, "Europe/Amsterdam", "mon 17:00-09:00", "",
		  "" },
		{ "schedule", 60, 7, "Europe/Amsterdam", "", "", "" },
		{ "tz", 60, 7, "Mars/Olympus_Mons", "mon-fri 09:00-17:00", "",
		  "" },
		{ "tz", 60, 7, "../etc/passwd", "mon-fri 09:00-17:00", "", "" },
		{ "holidays", 60, 7, "Europe/Amsterdam", "mon-fri 09:00-17:00",
		  "", "2026-02-30" },
		{ "holidays", 60, 7, "Europe/Amsterdam", "mon-fri 09:00-17:00",
		  "", "2026-12-28..2026-12-20" },
		{ "reachable", 60, 7, "Europe/Amsterdam", "mon-fri 09:00-17:00",
		  "weekdays", "" },
		{ "reply_hours", 0, 7, "Europe/Amsterdam",
		  "mon-fri 09:00-17:00", "", "" },
		{ "reply_hours", 745 * 60, 7, "Europe/Amsterdam",
		  "mon-fri 09:00-17:00", "", "" },
		{ "contact_days", 60, 367, "Europe/Amsterdam",
		  "mon-fri 09:00-17:00", "", "" },
		{ "contact_days", 60, -1, "Europe/Amsterdam",
		  "mon-fri 09:00-17:00", "", "" },
	};
	struct promise_terms t = { 0 };
	struct why why;
	char long_note[LIMIT_PROMISE_NOTE + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&t, 0, sizeof(t));
		t.reply_minutes = bad[i].reply;
		t.contact_days = bad[i].contact;
		t.tz = bad[i].tz;
		t.schedule = bad[i].schedule;
		t.reachable = bad[i].reachable;
		t.holidays = bad[i].holidays;
		memset(&why, 0, sizeof(why));
		if (traj_terms_check(&t, &why) != ERR_INVAL)
			fail_msg("case %zu (%s) was accepted", i, bad[i].field);
		assert_non_null(why.msg);
		if (why.field == NULL || strcmp(why.field, bad[i].field) != 0)
			fail_msg("case %zu: expected field %s, got %s", i,
			    bad[i].field, why.field ? why.field : "(null)");
		/* The limit the sentence names is the one of limits.h. */
		if (strcmp(bad[i].field, "reply_hours") == 0)
			assert_int_equal(why.limit, LIMIT_PROMISE_REPLY_HOURS);
		if (strcmp(bad[i].field, "contact_days") == 0)
			assert_int_equal(why.limit, LIMIT_PROMISE_CONTACT_DAYS);
		if (why.limit != 0)
			assert_non_null(strstr(why.msg, "%d"));
	}
	/* The same with the faults mended is accepted, in Dutch too. */
	t.reply_minutes = 8 * 60;
	t.contact_days = 0;
	t.tz = "Europe/Amsterdam";
	t.schedule = "ma-vr 09:00-12:00, 13:00-17:00";
	t.reachable = "ma,wo 10:00-11:00";
	t.holidays = "2026-12-28..2027-01-01";
	t.not_reachable = "Op vrijdagmiddag";
	t.emergency = "Bel 112";
	memset(&why, 0, sizeof(why));
	assert_int_equal(traj_terms_check(&t, &why), 0);
	assert_null(why.field);
	memset(long_note, 'x', sizeof(long_note) - 1);
	long_note[sizeof(long_note) - 1] = '\0';
	t.emergency = long_note;
	assert_int_equal(traj_terms_check(&t, &why), ERR_INVAL);
	assert_string_equal(why.field, "emergency");
	t.emergency = "";
	t.not_reachable = "a\001b";
	assert_int_equal(traj_terms_check(&t, &why), ERR_INVAL);
	assert_string_equal(why.field, "not_reachable");
	/* Periods of days off that overlap into one over the span say so,
	 * with the limit (make fuzz found such a list saved, then refused
	 * in its own text form). */
	t.not_reachable = "";
	t.holidays = "2027-06-28..2028-02-01, 2027-12-28..2028-12-25";
	memset(&why, 0, sizeof(why));
	assert_int_equal(traj_terms_check(&t, &why), ERR_TOOBIG);
	assert_string_equal(why.field, "holidays");
	assert_int_equal(why.limit, LIMIT_PROMISE_HOLIDAY_SPAN);
	assert_non_null(strstr(why.msg, "%d days"));
}

static void
tz_cache_loads_a_zone_once(void **state)
{
	struct tz_cache *c;
	const struct tz *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(tz_cache_new(&c), 0);
	assert_int_equal(tz_cache_get(c, "Europe/Amsterdam", &a), 0);
	assert_int_equal(tz_cache_get(c, "Europe/Amsterdam", &b), 0);
	assert_ptr_equal(a, b);
	assert_string_equal(tz_name(a), "Europe/Amsterdam");
	assert_int_equal(tz_cache_get(c, "America/New_York", &b), 0);
	assert_ptr_not_equal(a, b);
	assert_int_equal(tz_cache_get(c, "Mars/Olympus_Mons", &b),
	    ERR_NOTFOUND);
	assert_int_equal(tz_cache_get(c, "../x", &b), ERR_INVAL);
	tz_cache_free(c);
}

/* --- With a database ---------------------------------------------------- */

static void
lists_show_each_person_only_their_trajectories(void **state)
{
	struct fx *fx = *state;
	struct trajectory *v;
	struct audit_event ev;
	size_t n, i;
	int64_t t1, t2;

	t1 = create(fx, PRO1, CLIENT1, "Grenzen stellen op het werk");
	t2 = create(fx, PRO2, CLIENT2, "Omgaan met spanning");

	ev = event_for(fx, CLIENT1);
	assert_int_equal(traj_list(fx->db, fx->kr, fx->org_a,
	    fx->uid[CLIENT1], false, &ev, &fx->a, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, t1);
	assert_string_equal(v[0].title, "Grenzen stellen op het werk");
	assert_string_equal(v[0].client_name, "Client One");
	assert_int_equal(v[0].phase, TRAJ_INTAKE);
	assert_int_equal(v[0].client_id, fx->uid[CLIENT1]);

	ev = event_for(fx, PRO1);
	assert_int_equal(traj_list(fx->db, fx->kr, fx->org_a, fx->uid[PRO1],
	    false, &ev, &fx->a, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, t1);

	ev = event_for(fx, PRO2);
	assert_int_equal(traj_list(fx->db, fx->kr, fx->org_a, fx->uid[PRO2],
	    false, &ev, &fx->a, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, t2);
	assert_string_equal(v[0].title, "Omgaan met spanning");

	/* The admin sees every trajectory of the organisation, without the
	 * client's words. */
	ev = event_for(fx, ADMIN);
	assert_int_equal(traj_list(fx->db, fx->kr, fx->org_a, fx->uid[ADMIN],
	    true, &ev, &fx->a, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_true(listed(v, n, t1) && listed(v, n, t2));
	for (i = 0; i < n; i++) {
		assert_null(v[i].title);
		assert_non_null(v[i].client_name);
	}

	/* Another organisation: nothing, whoever asks. */
	ev = event_for(fx, PRO_B);
	assert_int_equal(traj_list(fx->db, fx->kr, fx->org_b, fx->uid[PRO_B],
	    true, &ev, &fx->a, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(traj_list(fx->db, fx->kr, fx->org_b, fx->uid[PRO1],
	    false, &ev, &fx->a, &v, &n), 0);
	assert_int_equal(n, 0);

	/* get returns the same, opened. */
	ev = event_for(fx, CLIENT2);
	{
		struct trajectory t;

		assert_int_equal(traj_get(fx->db, fx->kr, t2, &ev, &fx->a, &t),
		    0);
		assert_string_equal(t.title, "Omgaan met spanning");
		assert_int_equal(t.org_id, fx->org_a);
		assert_int_equal(t.reading_level, TRAJ_LEVEL_STANDARD);
		assert_false(t.share_reads);
		assert_int_equal(t.closed_at, 0);
		assert_true(t.started_at > 0);
		assert_int_equal(traj_get(fx->db, fx->kr, t2 + 100000, &ev,
		    &fx->a, &t), ERR_NOTFOUND);
		assert_int_equal(traj_get_meta(fx->db, t2, &fx->a, &t), 0);
		assert_null(t.title);
		assert_int_equal(t.client_id, fx->uid[CLIENT2]);
	}
}

/* A refusal's reason names the form field at fault (struct why). */
static void
expect_why(const struct why *w, const char *field, int limit)
{
	if (w->msg == NULL || w->field == NULL || strcmp(w->field, field) != 0)
		fail_msg("expected a reason for %s, got %s (%s)", field,
		    w->field ? w->field : "(null)", w->msg ? w->msg : "-");
	assert_int_equal(w->limit, limit);
}

static void
create_refuses_wrong_roles_and_bad_titles(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = event_for(fx, PRO1);
	struct promise_terms t;
	struct why w;
	char longtitle[LIMIT_TRAJ_TITLE + 2];
	char wide[2 * LIMIT_TRAJ_TITLE + 1];
	int64_t id;
	size_t i;

	default_terms(fx, &t);
	/* A professional is no client, a client no professional. */
	memset(&w, 0, sizeof(w));
	assert_int_equal(traj_create(fx->db, fx->kr, fx->org_a, fx->uid[PRO2],
	    fx->uid[PRO1], "x", 0, &t, &ev, &w, &id), ERR_INVAL);
	expect_why(&w, "client", 0);
	assert_int_equal(traj_create(fx->db, fx->kr, fx->org_a,
	    fx->uid[CLIENT1], fx->uid[CLIENT2], "x", 0, &t, &ev, NULL, &id),
	    ERR_INVAL);
	assert_int_equal(traj_create(fx->db, fx->kr, fx->org_a,
	    fx->uid[CLIENT1], fx->uid[ADMIN], "x", 0, &t, &ev, NULL, &id),
	    ERR_INVAL);
	/* Someone of another organisation; no client at all. */
	memset(&w, 0, sizeof(w));
	assert_int_equal(traj_create(fx->db, fx->kr, fx->org_a,
	    fx->uid[CLIENT_B], fx->uid[PRO1], "x", 0, &t, &ev, &w, &id),
	    ERR_INVAL);
	expect_why(&w, "client", 0);
	memset(&w, 0, sizeof(w));
	assert_int_equal(traj_create(fx->db, fx->kr, fx->org_a, 0,
	    fx->uid[PRO1], "x", 0, &t, &ev, &w, &id), ERR_INVAL);
	expect_why(&w, "client", 0);
	assert_int_equal(traj_create(fx->db, fx->kr, fx->org_a,
	    fx->uid[CLIENT1], fx->uid[PRO_B], "x", 0, &t, &ev, NULL, &id),
	    ERR_INVAL);
	/* Titles. */
	memset(&w, 0, sizeof(w));
	assert_int_equal(traj_create(fx->db, fx->kr, fx->org_a,
	    fx->uid[CLIENT1], fx->uid[PRO1], "   ", 0, &t, &ev, &w, &id),
	    ERR_INVAL);
	expect_why(&w, "title", 0);
	assert_int_equal(traj_create(fx->db, fx->kr, fx->org_a,
	    fx->uid[CLIENT1], fx->uid[PRO1], "two\nlines", 0, &t, &ev, NULL,
	    &id), ERR_INVAL);
	memset(longtitle, 'a', sizeof(longtitle) - 1);
	longtitle[sizeof(longtitle) - 1] = '\0';
	memset(&w, 0, sizeof(w));
	assert_int_equal(traj_create(fx->db, fx->kr, fx->org_a,
	    fx->uid[CLIENT1], fx->uid[PRO1], longtitle, 0, &t, &ev, &w, &id),
	    ERR_TOOBIG);
	expect_why(&w, "title", LIMIT_TRAJ_TITLE);
	/* A planned end that is no date. */
	memset(&w, 0, sizeof(w));
	assert_int_equal(traj_create(fx->db, fx->kr, fx->org_a,
	    fx->uid[CLIENT1], fx->uid[PRO1], "x", -1, &t, &ev, &w, &id),
	    ERR_INVAL);
	expect_why(&w, "planned_end", 0);
	/* Bad terms. */
	t.schedule = "never";
	memset(&w, 0, sizeof(w));
	assert_int_equal(traj_create(fx->db, fx->kr, fx->org_a,
	    fx->uid[CLIENT1], fx->uid[PRO1], "x", 0, &t, &ev, &w, &id),
	    ERR_INVAL);
	expect_why(&w, "schedule", 0);
	assert_int_equal(id, 0);
	/* Nothing of the refused attempts was made or logged. */
	assert_int_equal(audit_count(fx, 0, 'C', "trajectory", 0), 0);
	/* The limit counts characters: LIMIT_TRAJ_TITLE two-byte ones fit. */
	default_terms(fx, &t);
	for (i = 0; i < LIMIT_TRAJ_TITLE; i++)
		memcpy(wide + 2 * i, "\xc3\xa9", 2);
	wide[sizeof(wide) - 1] = '\0';
	assert_int_equal(traj_create(fx->db, fx->kr, fx->org_a,
	    fx->uid[CLIENT1], fx->uid[PRO1], wide, 0, &t, &ev, NULL, &id), 0);
}

static void
titles_and_questions_are_sealed_at_rest(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev;
	struct learning_question *q;
	struct buf raw = BUF_INIT;
	struct db_conn *c;
	int64_t t, qid = 0, args[1];
	size_t n;

	t = create(fx, PRO1, CLIENT1, "Faalangst bij presentaties");
	testdb_blob(fx->db, "SELECT title_box FROM trajectories WHERE id = ?",
	    t, &raw);
	assert_true(raw.len > KEYRING_SEAL_OVERHEAD);
	assert_false(contains(&raw, "Faalangst"));
	assert_false(contains(&raw, "presentaties"));

	ev = event_for(fx, CLIENT1);
	assert_int_equal(traj_add_question(fx->db, fx->kr, t,
	    "Hoe zeg ik nee tegen mijn leidinggevende?", &ev, NULL), 0);
	args[0] = t;
	assert_int_equal(db_read_begin(fx->db, &c), 0);
	assert_int_equal(db_query_i64(c, "SELECT id FROM learning_questions "
	    "WHERE trajectory_id = ?", &qid, 1, args), 0);
	db_read_end(fx->db, c);
	buf_reset(&raw);
	testdb_blob(fx->db,
	    "SELECT body_box FROM learning_questions WHERE id = ?", qid, &raw);
	assert_false(contains(&raw, "leidinggevende"));
	assert_false(contains(&raw, "nee"));

	assert_int_equal(traj_questions(fx->db, fx->kr, t, &ev, &fx->a, &q,
	    &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(q[0].id, qid);
	assert_string_equal(q[0].body,
	    "Hoe zeg ik nee tegen mijn leidinggevende?");
	assert_int_equal(q[0].created_by, fx->uid[CLIENT1]);
	buf_release(&raw);
}

static void
learning_questions_keep_order_and_refuse_empty_text(void **state)
{
	struct fx *fx = *state;
	struct audit_event ec = event_for(fx, CLIENT1);
	struct audit_event ep = event_for(fx, PRO1);
	struct learning_question *q;
	struct why w;
	size_t n;
	int64_t t;

	t = create(fx, PRO1, CLIENT1, "Loopbaan");
	assert_int_equal(traj_add_question(fx->db, fx->kr, t,
	    "  Wat wil ik echt?\nEn waarom?  ", &ec, NULL), 0);
	assert_int_equal(traj_add_question(fx->db, fx->kr, t,
	    "Welke stap zet ik eerst?", &ep, NULL), 0);
	memset(&w, 0, sizeof(w));
	assert_int_equal(traj_add_question(fx->db, fx->kr, t, " \n ", &ec, &w),
	    ERR_INVAL);
	expect_why(&w, "question", 0);
	assert_int_equal(traj_add_question(fx->db, fx->kr, t, NULL, &ec, NULL),
	    ERR_INVAL);
	assert_int_equal(traj_add_question(fx->db, fx->kr, t + 100000,
	    "x", &ec, NULL), ERR_NOTFOUND);
	assert_int_equal(traj_questions(fx->db, fx->kr, t, &ec, &fx->a, &q,
	    &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(q[0].body, "Wat wil ik echt?\nEn waarom?");
	assert_int_equal(q[0].created_by, fx->uid[CLIENT1]);
	assert_string_equal(q[1].body, "Welke stap zet ik eerst?");
	assert_int_equal(q[1].created_by, fx->uid[PRO1]);
	/* Each question read is in the client's access log. */
	assert_int_equal(audit_count(fx, fx->uid[CLIENT1], 'R',
	    "learning-question", q[0].id), 1);
	assert_int_equal(audit_count(fx, fx->uid[CLIENT1], 'R',
	    "learning-question", q[1].id), 1);
	assert_int_equal(audit_count(fx, fx->uid[CLIENT1], 'C',
	    "learning-question", 0), 2);
}

static void
access_log_has_create_read_and_update(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev;
	struct trajectory tr, *v;
	struct promise_terms terms;
	int64_t t, client = fx->uid[CLIENT1];
	size_t n;

	t = create(fx, PRO1, CLIENT1, "Werkdruk");
	assert_int_equal(audit_count(fx, client, 'C', "trajectory", t), 1);
	assert_int_equal(audit_count(fx, client, 'R', "trajectory", t), 0);

	ev = event_for(fx, PRO1);
	assert_int_equal(traj_get(fx->db, fx->kr, t, &ev, &fx->a, &tr), 0);
	assert_int_equal(audit_count(fx, client, 'R', "trajectory", t), 1);
	assert_int_equal(traj_list(fx->db, fx->kr, fx->org_a, fx->uid[PRO1],
	    false, &ev, &fx->a, &v, &n), 0);
	assert_int_equal(audit_count(fx, client, 'R', "trajectory", t), 2);
	/* get_meta opens nothing and logs nothing. */
	assert_int_equal(traj_get_meta(fx->db, t, &fx->a, &tr), 0);
	assert_int_equal(audit_count(fx, client, 'R', "trajectory", t), 2);

	assert_int_equal(traj_set_phase(fx->db, t, TRAJ_WORKING, &ev), 0);
	assert_int_equal(traj_set_level(fx->db, t, TRAJ_LEVEL_SIMPLE, &ev), 0);
	assert_int_equal(traj_terms_get(fx->db, t, &fx->a, &terms), 0);
	terms.reply_minutes = 48 * 60;
	assert_int_equal(traj_terms_set(fx->db, t, &terms, &ev, NULL), 0);
	ev = event_for(fx, CLIENT1);
	assert_int_equal(traj_set_share_reads(fx->db, t, true, &ev), 0);
	assert_int_equal(audit_count(fx, client, 'U', "trajectory", t), 4);

	/* The entries name who did it, in which role. */
	{
		struct audit_filter f = { 0 };
		struct audit_row *rows;
		struct db_conn *c;

		f.org_id = fx->org_a;
		f.client_id = client;
		f.action = 'U';
		assert_int_equal(db_read_begin(fx->db, &c), 0);
		assert_int_equal(audit_query(c, &f, &fx->a, &rows, &n), 0);
		db_read_end(fx->db, c);
		assert_int_equal(n, 4);
		/* Newest first: the client's share-reads change. */
		assert_int_equal(rows[0].ev.actor_id, client);
		assert_string_equal(rows[0].ev.role, "client");
		assert_string_equal(rows[0].ev.detail, "share-reads");
		assert_int_equal(rows[1].ev.actor_id, fx->uid[PRO1]);
		assert_string_equal(rows[1].ev.detail, "promise");
	}

	assert_int_equal(traj_get(fx->db, fx->kr, t, &ev, &fx->a, &tr), 0);
	assert_int_equal(tr.phase, TRAJ_WORKING);
	assert_int_equal(tr.reading_level, TRAJ_LEVEL_SIMPLE);
	assert_true(tr.share_reads);
	assert_int_equal(traj_terms_get(fx->db, t, &fx->a, &terms), 0);
	assert_int_equal(terms.reply_minutes, 48 * 60);
}

static void
a_read_that_cannot_be_logged_shows_nothing(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = event_for(fx, PRO1);
	struct trajectory tr, *v = NULL;
	size_t n = 7;
	int64_t t;

	t = create(fx, PRO1, CLIENT1, "Geheim");
	/* A role that is no code makes the entry invalid: the read fails and
	 * the title does not come back. */
	ev.role = "Pro One";
	assert_int_equal(traj_get(fx->db, fx->kr, t, &ev, &fx->a, &tr),
	    ERR_INVAL);
	assert_null(tr.title);
	assert_int_equal(traj_list(fx->db, fx->kr, fx->org_a, fx->uid[PRO1],
	    false, &ev, &fx->a, &v, &n), ERR_INVAL);
	assert_null(v);
	assert_int_equal(n, 0);
	/* And a change that cannot be logged does not happen. */
	assert_int_equal(traj_set_phase(fx->db, t, TRAJ_WORKING, &ev),
	    ERR_INVAL);
	assert_int_equal(traj_get_meta(fx->db, t, &fx->a, &tr), 0);
	assert_int_equal(tr.phase, TRAJ_INTAKE);
}

static void
access_matrix_follows_the_relation(void **state)
{
	struct fx *fx = *state;
	struct principal p;
	int64_t t, th, msg;
	size_t i;
	struct {
		int who;
		enum authz_action act;
		enum authz_kind kind;
		int want;
	} cases[] = {
		{ CLIENT1, AUTHZ_READ, AUTHZ_TRAJECTORY, 0 },
		{ CLIENT1, AUTHZ_UPDATE, AUTHZ_TRAJECTORY, 0 },
		{ CLIENT1, AUTHZ_READ, AUTHZ_THREAD, 0 },
		{ CLIENT1, AUTHZ_CREATE, AUTHZ_THREAD, 0 },
		{ CLIENT1, AUTHZ_READ, AUTHZ_MESSAGE, 0 },
		{ CLIENT1, AUTHZ_ADMIN, AUTHZ_TRAJECTORY, ERR_FORBIDDEN },
		{ PRO1, AUTHZ_READ, AUTHZ_TRAJECTORY, 0 },
		{ PRO1, AUTHZ_UPDATE, AUTHZ_TRAJECTORY, 0 },
		{ PRO1, AUTHZ_READ, AUTHZ_THREAD, 0 },
		{ PRO1, AUTHZ_UPDATE, AUTHZ_MESSAGE, 0 },
		{ PRO2, AUTHZ_READ, AUTHZ_TRAJECTORY, ERR_NOTFOUND },
		{ PRO2, AUTHZ_UPDATE, AUTHZ_TRAJECTORY, ERR_NOTFOUND },
		{ PRO2, AUTHZ_READ, AUTHZ_THREAD, ERR_NOTFOUND },
		{ PRO2, AUTHZ_READ, AUTHZ_MESSAGE, ERR_NOTFOUND },
		{ CLIENT2, AUTHZ_READ, AUTHZ_TRAJECTORY, ERR_NOTFOUND },
		{ CLIENT2, AUTHZ_READ, AUTHZ_MESSAGE, ERR_NOTFOUND },
		{ ADMIN, AUTHZ_READ, AUTHZ_TRAJECTORY, 0 },
		{ ADMIN, AUTHZ_UPDATE, AUTHZ_TRAJECTORY, ERR_FORBIDDEN },
		{ ADMIN, AUTHZ_EXPORT, AUTHZ_TRAJECTORY, ERR_FORBIDDEN },
		{ ADMIN, AUTHZ_READ, AUTHZ_THREAD, ERR_NOTFOUND },
		{ ADMIN, AUTHZ_READ, AUTHZ_MESSAGE, ERR_NOTFOUND },
		{ PRO_B, AUTHZ_READ, AUTHZ_TRAJECTORY, ERR_NOTFOUND },
		{ PRO_B, AUTHZ_UPDATE, AUTHZ_TRAJECTORY, ERR_NOTFOUND },
		{ PRO_B, AUTHZ_READ, AUTHZ_THREAD, ERR_NOTFOUND },
		{ CLIENT_B, AUTHZ_READ, AUTHZ_MESSAGE, ERR_NOTFOUND },
	};

	t = create(fx, PRO1, CLIENT1, "Matrix");
	th = add_thread(fx, t);
	msg = add_message(fx, t, th, CLIENT1, 100, -1, -1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t id = cases[i].kind == AUTHZ_TRAJECTORY ? t :
		    cases[i].kind == AUTHZ_THREAD ? th : msg;
		int got;

		p = principal_of(fx, cases[i].who);
		got = authz_check(fx->db, &p, cases[i].act, cases[i].kind, id);
		if (got != cases[i].want)
			fail_msg("case %zu (%s, action %d, kind %d): expected "
			    "%d, got %d", i, people[cases[i].who].name,
			    cases[i].act, cases[i].kind, cases[i].want, got);
	}

	/* Ids that do not exist look like ids of another organisation. */
	p = principal_of(fx, PRO1);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_TRAJECTORY,
	    t + 100000), ERR_NOTFOUND);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_THREAD,
	    th + 100000), ERR_NOTFOUND);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_MESSAGE,
	    -1), ERR_NOTFOUND);

	/* A session in another organisation does not reach it, even for a
	 * member of the trajectory. */
	p.org_id = fx->org_b;
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_TRAJECTORY,
	    t), ERR_NOTFOUND);

	/* The client acting in another role than the one they hold in the
	 * trajectory is not its professional. */
	p = principal_of(fx, CLIENT1);
	p.role = ROLE_PROFESSIONAL;
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_UPDATE,
	    AUTHZ_TRAJECTORY, t), ERR_NOTFOUND);

	/* Adding a professional brings them in. */
	{
		struct audit_event ev = event_for(fx, PRO1);

		assert_int_equal(traj_add_professional(fx->db, t,
		    fx->uid[PRO2], &ev, NULL), 0);
		p = principal_of(fx, PRO2);
		assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ,
		    AUTHZ_MESSAGE, msg), 0);
	}
}

static void
closed_trajectory_stays_readable_and_refuses_changes(void **state)
{
	struct fx *fx = *state;
	struct audit_event ep = event_for(fx, PRO1);
	struct audit_event ec = event_for(fx, CLIENT1);
	struct promise_terms terms;
	struct trajectory tr, *v;
	struct principal p;
	int64_t t, th;
	size_t n;
	time_t before = time(NULL);

	t = create(fx, PRO1, CLIENT1, "Afronding");
	th = add_thread(fx, t);
	assert_int_equal(traj_set_phase(fx->db, t, TRAJ_CLOSING, &ep), 0);
	assert_int_equal(traj_set_phase(fx->db, t, TRAJ_CLOSED, &ep), 0);

	assert_int_equal(traj_get(fx->db, fx->kr, t, &ec, &fx->a, &tr), 0);
	assert_int_equal(tr.phase, TRAJ_CLOSED);
	assert_true(tr.closed_at >= before && tr.closed_at <= time(NULL));
	assert_string_equal(tr.title, "Afronding");
	assert_int_equal(traj_list(fx->db, fx->kr, fx->org_a, fx->uid[CLIENT1],
	    false, &ec, &fx->a, &v, &n), 0);
	assert_int_equal(n, 1);

	p = principal_of(fx, CLIENT1);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_TRAJECTORY,
	    t), 0);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_THREAD, th),
	    0);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_UPDATE,
	    AUTHZ_TRAJECTORY, t), ERR_FORBIDDEN);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_CREATE, AUTHZ_THREAD,
	    th), ERR_FORBIDDEN);
	p = principal_of(fx, PRO1);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_UPDATE,
	    AUTHZ_TRAJECTORY, t), ERR_FORBIDDEN);

	assert_int_equal(traj_add_question(fx->db, fx->kr, t, "Nog één vraag",
	    &ec, NULL), ERR_FORBIDDEN);
	assert_int_equal(traj_set_share_reads(fx->db, t, true, &ec),
	    ERR_FORBIDDEN);
	assert_int_equal(traj_set_phase(fx->db, t, TRAJ_WORKING, &ep),
	    ERR_FORBIDDEN);
	assert_int_equal(traj_set_level(fx->db, t, TRAJ_LEVEL_SIMPLE, &ep),
	    ERR_FORBIDDEN);
	assert_int_equal(traj_add_professional(fx->db, t, fx->uid[PRO2], &ep, NULL),
	    ERR_FORBIDDEN);
	assert_int_equal(traj_terms_get(fx->db, t, &fx->a, &terms), 0);
	assert_int_equal(traj_terms_set(fx->db, t, &terms, &ep, NULL),
	    ERR_FORBIDDEN);
	assert_int_equal(traj_get_meta(fx->db, t, &fx->a, &tr), 0);
	assert_false(tr.share_reads);
	assert_int_equal(tr.reading_level, TRAJ_LEVEL_STANDARD);
}

static void
members_and_added_professionals(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = event_for(fx, PRO1);
	struct traj_member *m;
	struct why w;
	size_t n;
	int64_t t;

	t = create(fx, PRO1, CLIENT1, "Samen");
	assert_int_equal(traj_members(fx->db, t, &fx->a, &m, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(m[0].user_id, fx->uid[CLIENT1]);
	assert_false(m[0].professional);
	assert_string_equal(m[0].name, "Client One");
	assert_int_equal(m[1].user_id, fx->uid[PRO1]);
	assert_true(m[1].professional);

	assert_int_equal(traj_add_professional(fx->db, t, fx->uid[PRO2], &ev, NULL),
	    0);
	memset(&w, 0, sizeof(w));
	assert_int_equal(traj_add_professional(fx->db, t, fx->uid[PRO2], &ev,
	    &w), ERR_CONFLICT);
	expect_why(&w, "user", 0);
	memset(&w, 0, sizeof(w));
	assert_int_equal(traj_add_professional(fx->db, t, fx->uid[CLIENT2],
	    &ev, &w), ERR_INVAL);
	expect_why(&w, "user", 0);
	assert_int_equal(traj_add_professional(fx->db, t, fx->uid[PRO_B], &ev, NULL),
	    ERR_INVAL);
	assert_int_equal(traj_members(fx->db, t, &fx->a, &m, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(m[2].user_id, fx->uid[PRO2]);

	assert_int_equal(audit_count(fx, fx->uid[CLIENT1], 'U', "trajectory",
	    t), 1);
}

static void
reply_counters_come_from_the_messages(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = event_for(fx, PRO1);
	struct trajectory tr, *v;
	size_t n;
	int64_t t1, t2, th;

	t1 = create(fx, PRO1, CLIENT1, "Een");
	t2 = create(fx, PRO1, CLIENT2, "Twee");
	assert_int_equal(traj_get(fx->db, fx->kr, t1, &ev, &fx->a, &tr), 0);
	assert_int_equal(tr.waiting, 0);
	assert_int_equal(tr.next_deadline, 0);
	assert_int_equal(tr.last_message_at, 0);

	th = add_thread(fx, t1);
	add_message(fx, t1, th, CLIENT1, 1000, 5000, -1);
	add_message(fx, t1, th, CLIENT1, 2000, 3000, -1);
	add_message(fx, t1, th, CLIENT1, 500, 900, 950);     /* replied */
	add_message(fx, t1, th, PRO1, 2500, -1, -1);
	assert_int_equal(traj_get(fx->db, fx->kr, t1, &ev, &fx->a, &tr), 0);
	assert_int_equal(tr.waiting, 2);
	assert_int_equal(tr.next_deadline, 3000);
	assert_int_equal(tr.last_message_at, 2500);

	/* Newest activity first: t2 has none, so its creation (now) is
	 * newer than t1's last message at 2500. */
	assert_int_equal(traj_list(fx->db, fx->kr, fx->org_a, fx->uid[PRO1],
	    false, &ev, &fx->a, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, t2);
	assert_int_equal(v[1].id, t1);
	assert_int_equal(v[1].waiting, 2);
	assert_int_equal(v[1].next_deadline, 3000);
	add_message(fx, t1, th, CLIENT1, (int64_t)time(NULL) + 60, -1, -1);
	assert_int_equal(traj_list(fx->db, fx->kr, fx->org_a, fx->uid[PRO1],
	    false, &ev, &fx->a, &v, &n), 0);
	assert_int_equal(v[0].id, t1);
}

static void
promise_deadline_skips_the_weekend_in_amsterdam(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = event_for(fx, PRO1);
	struct promise_terms terms, dflt;
	struct tz_cache *tzc;
	struct promise *p = calloc(1, sizeof(*p));
	const struct tz *ams;
	time_t sent, due, want;
	int64_t t;

	assert_non_null(p);
	t = create(fx, PRO1, CLIENT1, "Belofte");
	assert_int_equal(traj_terms_get(fx->db, t, &fx->a, &terms), 0);
	/* The defaults as made in November 2026, whatever today is. */
	traj_default_terms(&fx->a, "Europe/Amsterdam", 1795000000, &dflt);
	terms.holidays = dflt.holidays;
	terms.reply_minutes = 8 * 60;
	terms.emergency = "Bel de huisarts of 112.";
	assert_int_equal(traj_terms_set(fx->db, t, &terms, &ev, NULL), 0);

	assert_int_equal(tz_cache_new(&tzc), 0);
	assert_int_equal(traj_promise(fx->db, tzc, t, &fx->a, p), 0);
	assert_int_equal(tz_cache_get(tzc, "Europe/Amsterdam", &ams), 0);
	assert_ptr_equal(p->tz, ams);
	assert_int_equal(p->reply_seconds, 8 * 3600);
	assert_string_equal(p->emergency, "Bel de huisarts of 112.");
	/* Friday 20 November 2026, 15:00 in Amsterdam: two working hours
	 * left that day, six more on Monday from 09:00: Monday 15:00. */
	assert_int_equal(tz_from_local(ams, 2026, 11, 20, 15, 0, 0, &sent), 0);
	assert_int_equal(tz_from_local(ams, 2026, 11, 23, 15, 0, 0, &want), 0);
	assert_int_equal(promise_deadline(p, sent, &due), 0);
	assert_int_equal((int64_t)due, (int64_t)want);
	assert_int_equal((int64_t)want - (int64_t)sent, 3 * 24 * 3600);
	/* Sent at 16:00, one hour is left on Friday and seven come on
	 * Monday: 16:00 (8 working hours, not 8 hours of the clock). */
	assert_int_equal(tz_from_local(ams, 2026, 11, 20, 16, 0, 0, &sent), 0);
	assert_int_equal(tz_from_local(ams, 2026, 11, 23, 16, 0, 0, &want), 0);
	assert_int_equal(promise_deadline(p, sent, &due), 0);
	assert_int_equal((int64_t)due, (int64_t)want);

	/* Koningsdag 2027 (Tuesday 27 April) is a day off in those
	 * defaults: Monday 16:00 + 8 working hours is Wednesday 16:00. */
	assert_int_equal(tz_from_local(ams, 2027, 4, 26, 16, 0, 0, &sent), 0);
	assert_int_equal(tz_from_local(ams, 2027, 4, 28, 16, 0, 0, &want), 0);
	assert_int_equal(promise_deadline(p, sent, &due), 0);
	assert_int_equal((int64_t)due, (int64_t)want);

	assert_int_equal(traj_promise(fx->db, tzc, t + 100000, &fx->a, p),
	    ERR_NOTFOUND);
	tz_cache_free(tzc);
	free(p);
}

static void
terms_are_stored_in_canonical_form_and_bad_ones_refused(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = event_for(fx, PRO1);
	struct promise_terms terms, got;
	int64_t t;

	t = create(fx, PRO1, CLIENT1, "Termen");
	assert_int_equal(traj_terms_get(fx->db, t, &fx->a, &terms), 0);
	terms.schedule = "ma,di,do 08:30-12:00, 13:00-17:30; vr 09:00-12:00";
	terms.reachable = "  ";
	terms.not_reachable = "  In de schoolvakanties  ";
	terms.contact_days = 3;
	assert_int_equal(traj_terms_set(fx->db, t, &terms, &ev, NULL), 0);
	assert_int_equal(traj_terms_get(fx->db, t, &fx->a, &got), 0);
	assert_null(strstr(got.schedule, "ma"));
	assert_non_null(strstr(got.schedule, "08:30-12:00"));
	assert_non_null(strstr(got.schedule, "fri 09:00-12:00"));
	assert_string_equal(got.reachable, "");
	assert_string_equal(got.not_reachable, "In de schoolvakanties");
	assert_int_equal(got.contact_days, 3);

	terms.tz = "Mars/Olympus_Mons";
	assert_int_equal(traj_terms_set(fx->db, t, &terms, &ev, NULL), ERR_INVAL);
	terms.tz = "Europe/Amsterdam";
	terms.holidays = "2026-13-01";
	assert_int_equal(traj_terms_set(fx->db, t, &terms, &ev, NULL), ERR_INVAL);
	assert_int_equal(traj_terms_get(fx->db, t, &fx->a, &got), 0);
	assert_string_equal(got.tz, "Europe/Amsterdam");
	assert_null(strstr(got.holidays, "2026-13"));
	assert_int_equal(traj_terms_set(fx->db, t + 100000, &got, &ev, NULL),
	    ERR_NOTFOUND);
}

/* --- Runner ------------------------------------------------------------- */

#define DB_TEST(f) cmocka_unit_test_prestate_setup_teardown(f, setup, \
    teardown, g)

static int
run_db_tests(const char *group, struct group *g)
{
	const struct CMUnitTest tests[] = {
		DB_TEST(lists_show_each_person_only_their_trajectories),
		DB_TEST(create_refuses_wrong_roles_and_bad_titles),
		DB_TEST(titles_and_questions_are_sealed_at_rest),
		DB_TEST(learning_questions_keep_order_and_refuse_empty_text),
		DB_TEST(access_log_has_create_read_and_update),
		DB_TEST(a_read_that_cannot_be_logged_shows_nothing),
		DB_TEST(access_matrix_follows_the_relation),
		DB_TEST(closed_trajectory_stays_readable_and_refuses_changes),
		DB_TEST(members_and_added_professionals),
		DB_TEST(reply_counters_come_from_the_messages),
		DB_TEST(promise_deadline_skips_the_weekend_in_amsterdam),
		DB_TEST(terms_are_stored_in_canonical_form_and_bad_ones_refused),
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
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(phase_and_level_names_round_trip),
		cmocka_unit_test(default_terms_include_koningsdag_of_this_and_next_year),
		cmocka_unit_test(terms_validation_names_the_field_and_reason),
		cmocka_unit_test(tz_cache_loads_a_zone_once),
	};
	int failed = 0;

	if (crypto_init() != 0)
		return 1;
	failed += cmocka_run_group_tests_name("trajectory", pure, NULL, NULL);
	failed += testdb_run_backends("trajectory", TESTDB_SHARED_PG, run);
	return failed != 0;
}
