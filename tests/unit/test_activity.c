/*
 * test_activity.c - issue 13's time accounting (src/activity), on SQLite
 * always and on PostgreSQL too when INFUUS_TEST_PG holds a URL: time by
 * hand and its refusals, active seconds that grow one row per sitting
 * (bounded by the wall time, a new row after a pause or a correction),
 * period totals by kind with corrections applied and the original kept,
 * an appointment held once, the budget's setting and its swappable
 * source.
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

#include "activity/activity.h"
#include "appointment/appointment.h"
#include "audit/audit.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "promise/promise.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "fixture.h"
#include "testdb.h"

enum { PRO, CLIENT, NPEOPLE };

static const struct fixture_person people[NPEOPLE] = {
	[PRO] = { "Pro", ROLE_PROFESSIONAL, NULL },
	[CLIENT] = { "Cliënt", ROLE_CLIENT, NULL },
};

struct fx {
	struct fixture *g;
	struct arena a;
	int64_t traj;
};

static const int64_t T0 = 1773000000; /* March 2026 */

static struct audit_event
ev_for(struct fx *fx)
{
	return fixture_event(fx->g, fx->g->uid[PRO], ROLE_PROFESSIONAL,
	    "activity");
}

static int
setup(void **state)
{
	struct fixture *g = *state;
	struct fx *fx = calloc(1, sizeof(*fx));
	struct audit_event ev;

	assert_non_null(fx);
	fx->g = g;
	arena_init(&fx->a);
	ev = ev_for(fx);
	fx->traj = fixture_traj(g, g->uid[CLIENT], g->uid[PRO], &ev);
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

static int64_t
total_of(struct fx *fx, const char *kind, int64_t from, int64_t to)
{
	struct activity_total *v;
	size_t n, i;

	assert_int_equal(activity_totals(fx->g->db, fx->traj, from, to,
	    fx->g->uid[CLIENT], &fx->a, &v, &n), 0);
	for (i = 0; i < n; i++)
		if (strcmp(v[i].kind, kind) == 0)
			return v[i].seconds;
	return -1;
}

static void
test_hand_entries_and_refusals(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx);
	struct why w = { 0 };
	int64_t id, before;

	assert_int_equal(activity_add(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[PRO], "preparation", T0, 45, T0, &ev, &w, &id), 0);
	assert_true(id > 0);
	assert_int_equal(activity_add(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[PRO], "feedback", T0 + 60, 15, T0, &ev, &w, &id), 0);
	before = testdb_i64(fx->g->db, "SELECT COUNT(*) FROM activities", 0,
	    0, 0);
	/* Each refusal names its field and writes nothing. */
	assert_int_equal(activity_add(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[PRO], "chat", T0, 10, T0, &ev, &w, &id), ERR_INVAL);
	assert_string_equal(w.field, "kind");
	assert_int_equal(activity_add(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[PRO], "preparation", T0, 0, T0, &ev, &w, &id),
	    ERR_INVAL);
	assert_string_equal(w.field, "minutes");
	assert_int_equal(activity_add(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[PRO], "preparation", T0, LIMIT_ACTIVITY_MINUTES + 1,
	    T0, &ev, &w, &id), ERR_INVAL);
	assert_int_equal(w.limit, LIMIT_ACTIVITY_MINUTES);
	assert_int_equal(activity_add(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[PRO], "preparation", T0 + 3 * 86400, 10, T0, &ev, &w,
	    &id), ERR_INVAL);
	assert_string_equal(w.field, "day");
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "activities", 0, 0, 0), before);
	assert_int_equal(total_of(fx, "preparation", T0 - 1, T0 + 1), 2700);
	assert_int_equal(total_of(fx, "feedback", T0, T0 + 3600), 900);
	/* Outside the period: nothing. */
	assert_int_equal(total_of(fx, "preparation", T0 + 1, T0 + 3600), -1);
}

static void
test_active_seconds_grow_one_row(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx);
	int64_t pro = fx->g->uid[PRO], nid;
	struct activity *v;
	size_t n;

	assert_int_equal(activity_active(fx->g->db, fx->g->org, fx->traj, pro,
	    "message_read", 7, 30, T0), 0);
	/* 40 s later, 30 s active: the same row. */
	assert_int_equal(activity_active(fx->g->db, fx->g->org, fx->traj, pro,
	    "message_read", 7, 30, T0 + 40), 0);
	/* At once again: at most the wall time since (1 s). */
	assert_int_equal(activity_active(fx->g->db, fx->g->org, fx->traj, pro,
	    "message_read", 7, 60, T0 + 41), 0);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "activities WHERE kind = 'message_read'", 0, 0, 0), 1);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT seconds FROM "
	    "activities WHERE kind = 'message_read'", 0, 0, 0), 61);
	/* Another page (source) or a pause past LIMIT_ACTIVE_GAP: a new
	 * sitting. */
	assert_int_equal(activity_active(fx->g->db, fx->g->org, fx->traj, pro,
	    "message_read", 8, 10, T0 + 50), 0);
	assert_int_equal(activity_active(fx->g->db, fx->g->org, fx->traj, pro,
	    "message_read", 7, 10, T0 + 41 + LIMIT_ACTIVE_GAP), 0);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "activities WHERE kind = 'message_read'", 0, 0, 0), 3);
	/* Bounds. */
	assert_int_equal(activity_active(fx->g->db, fx->g->org, fx->traj, pro,
	    "message_read", 7, LIMIT_ACTIVE_POST + 1, T0 + 2000), ERR_INVAL);
	assert_int_equal(activity_active(fx->g->db, fx->g->org, fx->traj, pro,
	    "message_read", 7, 0, T0 + 2000), ERR_INVAL);
	assert_int_equal(activity_active(fx->g->db, fx->g->org, fx->traj, pro,
	    "lunch", 7, 10, T0 + 2000), ERR_INVAL);
	/* A corrected row is closed: the next post starts a new one. */
	assert_int_equal(activity_list(fx->g->db, fx->traj, &fx->a, &v, &n),
	    0);
	assert_int_equal(n, 3);
	/* Within the gap of its last post (T0 + 641), so only the
	 * correction closes it. */
	assert_int_equal(activity_correct(fx->g->db, fx->traj, v[2].id, pro,
	    5, T0 + 650, &ev, &nid), 0);
	assert_int_equal(activity_active(fx->g->db, fx->g->org, fx->traj, pro,
	    "message_read", 7, 10, T0 + 700), 0);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "activities WHERE kind = 'message_read' AND corrects IS NULL", 0,
	    0, 0), 4);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT seconds FROM "
	    "activities WHERE id = ?", 1, v[2].id, 0), 10);
}

static void
test_totals_apply_corrections_keep_originals(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx);
	struct why w = { 0 };
	int64_t id, nid;

	assert_int_equal(activity_add(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[PRO], "review", T0, 40, T0, &ev, &w, &id), 0);
	assert_int_equal(activity_add(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[PRO], "review", T0 + 10, 20, T0, &ev, &w, &nid), 0);
	assert_int_equal(total_of(fx, "review", T0, T0 + 3600), 3600);
	/* The client's own active minutes cost the professional nothing. */
	assert_int_equal(activity_active(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[CLIENT], "chat_active", 1, 60, T0 + 5), 0);
	assert_int_equal(total_of(fx, "chat_active", T0, T0 + 3600), -1);
	assert_int_equal(activity_correct(fx->g->db, fx->traj, id,
	    fx->g->uid[PRO], 25 * 60, T0 + 100, &ev, &nid), 0);
	/* A correction of the correction corrects the original again. */
	assert_int_equal(activity_correct(fx->g->db, fx->traj, nid,
	    fx->g->uid[PRO], 30 * 60, T0 + 200, &ev, &nid), 0);
	assert_int_equal(total_of(fx, "review", T0, T0 + 3600), 50 * 60);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT seconds FROM "
	    "activities WHERE id = ?", 1, id, 0), 2400);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "activities WHERE corrects = ?", 1, id, 0), 2);
}

static int
budget_from_contract(struct db *db, int64_t traj_id, int64_t *minutes)
{
	(void)db;
	*minutes = traj_id > 0 ? 600 : -1;
	return 0;
}

static void
test_settings_and_budget_source(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx);
	struct activity_settings s = { -1, false }, got;
	struct why w = { 0 };
	int64_t b;

	assert_int_equal(activity_settings_get(fx->g->db, fx->traj, &got), 0);
	assert_int_equal(got.budget_minutes, -1);
	assert_false(got.client_sees);
	assert_int_equal(activity_budget(fx->g->db, fx->traj, &b), 0);
	assert_int_equal(b, -1);
	s.budget_minutes = LIMIT_BUDGET_MINUTES + 1;
	assert_int_equal(activity_settings_set(fx->g->db, fx->g->org,
	    fx->traj, fx->g->uid[PRO], &s, T0, &ev, &w), ERR_INVAL);
	assert_string_equal(w.field, "budget");
	s.budget_minutes = 120;
	s.client_sees = true;
	assert_int_equal(activity_settings_set(fx->g->db, fx->g->org,
	    fx->traj, fx->g->uid[PRO], &s, T0, &ev, &w), 0);
	/* Set twice: one row, the latest values. */
	s.budget_minutes = 90;
	assert_int_equal(activity_settings_set(fx->g->db, fx->g->org,
	    fx->traj, fx->g->uid[PRO], &s, T0, &ev, &w), 0);
	assert_int_equal(activity_settings_get(fx->g->db, fx->traj, &got), 0);
	assert_int_equal(got.budget_minutes, 90);
	assert_true(got.client_sees);
	assert_int_equal(activity_budget(fx->g->db, fx->traj, &b), 0);
	assert_int_equal(b, 90);
	/* The contracts' source replaces the setting, and back. */
	activity_budget_source(budget_from_contract);
	assert_int_equal(activity_budget(fx->g->db, fx->traj, &b), 0);
	assert_int_equal(b, 600);
	activity_budget_source(NULL);
	assert_int_equal(activity_budget(fx->g->db, fx->traj, &b), 0);
	assert_int_equal(b, 90);
}

static void
test_appointment_held_once(void **state)
{
	struct fx *fx = *state;
	struct appt_actor pro = { fx->g->uid[PRO], fx->g->org, true,
		"professional", "192.0.2.7", "test" };
	struct appt_actor cli = { fx->g->uid[CLIENT], fx->g->org, false,
		"client", "192.0.2.8", "test" };
	struct why w = { 0 };
	int64_t apid;

	/* A booked appointment written as the appointment module would,
	 * started an hour before now. */
	{
		struct testdb_raw j = {
			.sql = "INSERT INTO appointments (org_id, "
			    "trajectory_id, professional_id, client_id, kind, "
			    "starts_at, ends_at, status, uid, created_by, "
			    "created_at, updated_at) VALUES (?, ?, ?, ?, "
			    "'phone', ?, ?, 'booked', 'held-' || ?, ?, ?, ?) "
			    "RETURNING id",
			.args = { fx->g->org, fx->traj, fx->g->uid[PRO],
			    fx->g->uid[CLIENT], T0 - 3600, T0, fx->traj,
			    fx->g->uid[PRO], T0 - 86400, T0 - 86400 },
			.nargs = 10,
		};
		apid = testdb_raw(fx->g->db, &j);
	}
	assert_int_equal(appt_held(fx->g->db, &pro, apid, 0, T0, &w),
	    ERR_INVAL);
	assert_string_equal(w.field, "minutes");
	assert_int_equal(appt_held(fx->g->db, &cli, apid, 50, T0, &w),
	    ERR_FORBIDDEN);
	assert_int_equal(appt_held(fx->g->db, &pro, apid, 50, T0 - 7200, &w),
	    ERR_INVAL);
	assert_int_equal(appt_held(fx->g->db, &pro, apid, 50, T0, &w), 0);
	assert_int_equal(appt_held(fx->g->db, &pro, apid, 55, T0, &w),
	    ERR_CONFLICT);
	assert_int_equal(total_of(fx, "appointment", T0 - 3600, T0), 3000);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "activities WHERE kind = 'appointment' AND source_id = ?", 1, apid,
	    0), 1);
}

/* Their prestate, the group's struct fixture, is set by fixture_run. */
#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const struct CMUnitTest db_tests[] = {
	DB_TEST(test_hand_entries_and_refusals),
	DB_TEST(test_active_seconds_grow_one_row),
	DB_TEST(test_totals_apply_corrections_keep_originals),
	DB_TEST(test_settings_and_budget_source),
	DB_TEST(test_appointment_held_once),
};

static int
run(const char *name, struct testdb *t)
{
	return fixture_run(name, t, "t", people, NPEOPLE, db_tests,
	    sizeof(db_tests) / sizeof(db_tests[0]));
}

int
main(void)
{
	return fixture_main("activity", NULL, 0, 0, run);
}
