/*
 * test_chat.c - chat (src/chat), the hourglass and time accounting
 * (src/activity), on SQLite always and on PostgreSQL too when
 * INFUUS_TEST_PG holds a URL: a chat message is sealed at rest and read
 * back, who takes no part can neither post nor read, bad input says why,
 * a window and its cursor, search through the keyed filter, a session's
 * time and everyone's active minutes recorded, a correction that keeps
 * the original, and the hourglass's states.
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
#include "audit/audit.h"
#include "chat/chat.h"
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

enum { PRO, CLIENT, STRANGER, NPEOPLE };

static const struct fixture_person people[NPEOPLE] = {
	[PRO] = { "Pro", ROLE_PROFESSIONAL, NULL },
	[CLIENT] = { "Cliënt", ROLE_CLIENT, NULL },
	[STRANGER] = { "Vreemde", ROLE_CLIENT, NULL },
};

struct fx {
	struct fixture *g;
	struct chat_env env;
	struct arena a;
	int64_t traj;
};

static const int64_t T0 = 1773000000; /* March 2026 */

static struct audit_event
ev_for(struct fx *fx, int who)
{
	return fixture_event(fx->g, fx->g->uid[who], who == PRO ?
	    ROLE_PROFESSIONAL : ROLE_CLIENT, "chat");
}

static int
setup(void **state)
{
	struct fixture *g = *state;
	struct fx *fx = calloc(1, sizeof(*fx));
	struct audit_event ev;

	assert_non_null(fx);
	fx->g = g;
	fx->env.db = g->db;
	fx->env.kr = g->kr;
	arena_init(&fx->a);
	ev = ev_for(fx, PRO);
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
say(struct fx *fx, int who, const char *text, int64_t now)
{
	struct audit_event ev = ev_for(fx, who);
	int64_t id = 0;

	assert_int_equal(chat_post(&fx->env, fx->traj, fx->g->uid[who],
	    CHAT_TEXT, str_c(text), now, &ev, NULL, &id), 0);
	assert_true(id > 0);
	return id;
}

static void
test_sealed_at_rest_and_read_back(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, CLIENT);
	const char *secret = "mijn geheime zin over de baas";
	struct db_conn *c;
	struct db_stmt *st;
	struct chat_msg m;
	struct chat_page pg;
	struct str box;
	int64_t id, before, after;
	bool plain = true;

	before = testdb_i64(fx->g->db, "SELECT COUNT(*) FROM audit_log "
	    "WHERE kind = 'chat'", 0, 0, 0);
	id = say(fx, CLIENT, secret, T0);
	assert_int_equal(db_read_begin(fx->g->db, &c), 0);
	assert_int_equal(db_prepare(c, "SELECT body_box FROM chat_messages "
	    "WHERE id = ?", &st), 0);
	db_bind_i64(st, 1, id);
	assert_int_equal(db_step(st), DB_ROW);
	box = db_col_blob(st, 0);
	plain = box.len >= strlen(secret) && memmem(box.p, box.len, "geheime",
	    7) != NULL;
	db_done(st);
	db_read_end(fx->g->db, c);
	assert_false(plain);
	assert_int_equal(chat_get(&fx->env, id, fx->g->uid[PRO], &ev, &fx->a,
	    &m), 0);
	assert_int_equal(m.len, strlen(secret));
	assert_memory_equal(m.body, secret, m.len);
	assert_false(m.from_client == false);
	assert_int_equal(chat_page(&fx->env, fx->traj, fx->g->uid[PRO], 0, &ev,
	    &fx->a, &pg), 0);
	assert_int_equal(pg.n, 1);
	assert_string_equal(pg.msgs[0].body, secret);
	assert_true(pg.session_id > 0);
	/* Written, read one by one, read as a window: three entries. */
	after = testdb_i64(fx->g->db, "SELECT COUNT(*) FROM audit_log "
	    "WHERE kind = 'chat'", 0, 0, 0);
	assert_int_equal(after - before, 3);
}

static void
test_only_participants(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, STRANGER);
	struct chat_page pg;
	struct chat_msg m;
	int64_t id, other;

	id = say(fx, PRO, "alleen voor ons", T0);
	assert_int_equal(chat_post(&fx->env, fx->traj, fx->g->uid[STRANGER],
	    CHAT_TEXT, str_c("hallo"), T0, &ev, NULL, &other), ERR_FORBIDDEN);
	assert_int_equal(chat_get(&fx->env, id, fx->g->uid[STRANGER], &ev,
	    &fx->a, &m), ERR_FORBIDDEN);
	assert_int_equal(chat_page(&fx->env, fx->traj, fx->g->uid[STRANGER],
	    0, &ev, &fx->a, &pg), ERR_FORBIDDEN);
	assert_int_equal(chat_get(&fx->env, 99999999, fx->g->uid[PRO], &ev,
	    &fx->a, &m), ERR_NOTFOUND);
	/* A cursor that is no message of this chat. */
	assert_int_equal(chat_page(&fx->env, fx->traj, fx->g->uid[PRO],
	    99999999, &ev, &fx->a, &pg), ERR_NOTFOUND);
}

static void
test_bad_input_says_why(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, CLIENT);
	struct why why = { 0 };
	char big[LIMIT_CHAT_MESSAGE + 2];
	int64_t id;

	assert_int_equal(chat_post(&fx->env, fx->traj, fx->g->uid[CLIENT],
	    CHAT_TEXT, str_c("   "), T0, &ev, &why, &id), ERR_INVAL);
	assert_string_equal(why.field, "body");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(chat_post(&fx->env, fx->traj, fx->g->uid[CLIENT],
	    CHAT_TEXT, str_c(big), T0, &ev, &why, &id), ERR_TOOBIG);
	assert_int_equal(why.limit, LIMIT_CHAT_MESSAGE);
	assert_int_equal(chat_post(&fx->env, fx->traj, fx->g->uid[CLIENT],
	    CHAT_TEXT, str_c("a\001b"), T0, &ev, &why, &id), ERR_INVAL);
	/* A call proposal needs no text. */
	assert_int_equal(chat_post(&fx->env, fx->traj, fx->g->uid[CLIENT],
	    CHAT_CALL_VIDEO, STR_NULL, T0, &ev, &why, &id), 0);
}

static void
test_window_and_cursor(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, CLIENT);
	struct chat_page pg, old;
	char text[32];
	int64_t unread;
	int i;

	for (i = 0; i < LIMIT_CHAT_PAGE + 3; i++) {
		snprintf(text, sizeof(text), "regel %d", i);
		say(fx, i % 2 ? CLIENT : PRO, text, T0 + i);
	}
	assert_int_equal(chat_unread(fx->g->db, fx->traj, fx->g->uid[CLIENT],
	    &unread), 0);
	assert_int_equal(unread, (LIMIT_CHAT_PAGE + 4) / 2);
	assert_int_equal(chat_page(&fx->env, fx->traj, fx->g->uid[CLIENT], 0,
	    &ev, &fx->a, &pg), 0);
	assert_int_equal(pg.n, LIMIT_CHAT_PAGE);
	assert_true(pg.more);
	assert_string_equal(pg.msgs[pg.n - 1].body, "regel 52");
	assert_int_equal(chat_unread(fx->g->db, fx->traj, fx->g->uid[CLIENT],
	    &unread), 0);
	assert_int_equal(unread, 0);
	assert_int_equal(chat_page(&fx->env, fx->traj, fx->g->uid[CLIENT],
	    pg.next_before, &ev, &fx->a, &old), 0);
	assert_int_equal(old.n, 3);
	assert_false(old.more);
	assert_string_equal(old.msgs[0].body, "regel 0");
}

static void
test_search_through_the_filter(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, PRO);
	struct chat_msg *hits;
	size_t n;

	say(fx, CLIENT, "De appelboom in de tuin bloeit", T0);
	say(fx, PRO, "Mooi, vertel over de tuin", T0 + 5);
	assert_int_equal(chat_search(&fx->env, fx->traj, fx->g->uid[PRO],
	    str_c("appelboom"), &ev, &fx->a, &hits, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(chat_search(&fx->env, fx->traj, fx->g->uid[PRO],
	    str_c("tuin"), &ev, &fx->a, &hits, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(chat_search(&fx->env, fx->traj, fx->g->uid[PRO],
	    str_c("tuin appelboom"), &ev, &fx->a, &hits, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(chat_search(&fx->env, fx->traj, fx->g->uid[PRO],
	    str_c("peer"), &ev, &fx->a, &hits, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(chat_search(&fx->env, fx->traj,
	    fx->g->uid[STRANGER], str_c("tuin"), &ev, &fx->a, &hits, &n),
	    ERR_FORBIDDEN);
}

static const struct activity *
find(const struct activity *v, size_t n, const char *kind, int64_t user)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].kind, kind) == 0 && (user == 0 ||
		    v[i].user_id == user))
			return &v[i];
	return NULL;
}

static void
test_session_time_and_correction(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, PRO);
	const struct activity *x;
	struct activity *v;
	size_t n;
	int64_t nid, rows;

	say(fx, CLIENT, "begin", T0);
	say(fx, PRO, "antwoord", T0 + 120);
	assert_int_equal(chat_typing(&fx->env, fx->traj, fx->g->uid[CLIENT],
	    T0 + 200), 0);
	assert_int_equal(chat_session_end(&fx->env, fx->traj,
	    fx->g->uid[CLIENT], T0 + 600, &ev), ERR_FORBIDDEN);
	assert_int_equal(chat_session_end(&fx->env, fx->traj, fx->g->uid[PRO],
	    T0 + 600, &ev), 0);
	assert_int_equal(chat_session_end(&fx->env, fx->traj, fx->g->uid[PRO],
	    T0 + 700, &ev), ERR_NOTFOUND);
	assert_int_equal(activity_list(fx->g->db, fx->traj, &fx->a, &v, &n),
	    0);
	x = find(v, n, "chat", 0);
	assert_non_null(x);
	assert_int_equal(x->seconds, 600);
	assert_int_equal(x->started_at, T0);
	x = find(v, n, "chat_active", fx->g->uid[CLIENT]);
	assert_non_null(x);
	assert_int_equal(x->seconds, 120); /* two minutes: wrote, typed */
	x = find(v, n, "chat_active", fx->g->uid[PRO]);
	assert_non_null(x);
	assert_int_equal(x->seconds, 60);

	/* A correction is a new row; the original stays. */
	x = find(v, n, "chat", 0);
	assert_int_equal(activity_correct(fx->g->db, fx->traj, x->id,
	    fx->g->uid[PRO], 900, T0 + 800, &ev, &nid), 0);
	assert_int_equal(activity_correct(fx->g->db, fx->traj, nid,
	    fx->g->uid[PRO], 840, T0 + 900, &ev, &nid), 0);
	assert_int_equal(activity_correct(fx->g->db, fx->traj + 1000, x->id,
	    fx->g->uid[PRO], 5, T0, &ev, &nid), ERR_NOTFOUND);
	assert_int_equal(activity_correct(fx->g->db, fx->traj, x->id,
	    fx->g->uid[PRO], -5, T0, &ev, &nid), ERR_INVAL);
	assert_int_equal(activity_list(fx->g->db, fx->traj, &fx->a, &v, &n),
	    0);
	x = find(v, n, "chat", 0);
	assert_true(x->corrected);
	assert_int_equal(x->seconds, 840);
	assert_int_equal(x->original_seconds, 600);
	rows = testdb_i64(fx->g->db, "SELECT seconds FROM activities WHERE "
	    "id = ?", 1, x->id, 0);
	assert_int_equal(rows, 600);
}

static void
test_hourglass_states(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, PRO);
	struct hourglass h;
	struct why why = { 0 };
	struct activity *v;
	const struct activity *x;
	size_t n;
	int64_t p = fx->g->uid[PRO];

	assert_int_equal(hourglass_get(fx->g->db, fx->traj, T0, &h), 0);
	assert_int_equal(h.state, HG_NONE);
	assert_int_equal(hourglass_act(&fx->env, fx->traj, p, "start", 0, T0,
	    &ev, &why, &h), ERR_INVAL);
	assert_string_equal(why.field, "minutes");
	assert_int_equal(hourglass_act(&fx->env, fx->traj,
	    fx->g->uid[CLIENT], "start", 20, T0, &ev, &why, &h),
	    ERR_FORBIDDEN);
	assert_int_equal(hourglass_act(&fx->env, fx->traj, p, "start", 20, T0,
	    &ev, &why, &h), 0);
	assert_int_equal(h.budget, 1200);
	assert_int_equal(hourglass_act(&fx->env, fx->traj, p, "start", 20, T0,
	    &ev, &why, &h), ERR_CONFLICT);
	assert_int_equal(hourglass_act(&fx->env, fx->traj, p, "pause", 0,
	    T0 + 300, &ev, &why, &h), 0);
	assert_int_equal(h.used, 300);
	assert_int_equal(hourglass_act(&fx->env, fx->traj, p, "pause", 0,
	    T0 + 350, &ev, &why, &h), ERR_CONFLICT);
	assert_int_equal(hourglass_act(&fx->env, fx->traj, p, "resume", 0,
	    T0 + 400, &ev, &why, &h), 0);
	assert_int_equal(hourglass_get(fx->g->db, fx->traj, T0 + 500, &h), 0);
	assert_int_equal(h.state, HG_RUNNING);
	assert_int_equal(h.used, 400);
	assert_int_equal(hourglass_act(&fx->env, fx->traj, p, "stop", 0,
	    T0 + 600, &ev, &why, &h), 0);
	assert_int_equal(h.used, 500);
	assert_true(h.activity_id > 0);
	assert_int_equal(hourglass_act(&fx->env, fx->traj, p, "stop", 0,
	    T0 + 700, &ev, &why, &h), ERR_CONFLICT);
	assert_int_equal(hourglass_act(&fx->env, fx->traj, p, "explode", 0,
	    T0 + 700, &ev, &why, &h), ERR_INVAL);
	assert_int_equal(activity_list(fx->g->db, fx->traj, &fx->a, &v, &n),
	    0);
	x = find(v, n, "hourglass", p);
	assert_non_null(x);
	assert_int_equal(x->seconds, 500);
}

/* A session nobody ended ends at its last word once it has been idle past
 * LIMIT_CHAT_IDLE (found through the trajectory's index, chat.c): the
 * next post opens a new one. */
static void
test_idle_session_ends_at_last_word(void **state)
{
	struct fx *fx = *state;
	const struct activity *x;
	struct activity *v;
	int64_t last = T0 + 120 + LIMIT_CHAT_IDLE - 60;
	size_t n;

	say(fx, CLIENT, "begin", T0);
	say(fx, PRO, "antwoord", T0 + 120);
	say(fx, CLIENT, "nog iets", last); /* not idle yet: same session */
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "chat_sessions WHERE trajectory_id = ?", 1, fx->traj, 0), 1);
	say(fx, PRO, "later", last + LIMIT_CHAT_IDLE + 1);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "chat_sessions WHERE trajectory_id = ?", 1, fx->traj, 0), 2);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "chat_sessions WHERE trajectory_id = ? AND ended_at IS NULL", 1,
	    fx->traj, 0), 1);
	assert_int_equal(activity_list(fx->g->db, fx->traj, &fx->a, &v, &n),
	    0);
	x = find(v, n, "chat", 0);
	assert_non_null(x);
	assert_int_equal(x->started_at, T0);
	assert_int_equal(x->seconds, last - T0);
}

/* Their prestate, the group's struct fixture, is set by fixture_run. */
#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const struct CMUnitTest db_tests[] = {
	DB_TEST(test_sealed_at_rest_and_read_back),
	DB_TEST(test_only_participants),
	DB_TEST(test_bad_input_says_why),
	DB_TEST(test_window_and_cursor),
	DB_TEST(test_search_through_the_filter),
	DB_TEST(test_session_time_and_correction),
	DB_TEST(test_hourglass_states),
	DB_TEST(test_idle_session_ends_at_last_word),
};

static int
run(const char *name, struct testdb *t)
{
	return fixture_run(name, t, "c", people, NPEOPLE, db_tests,
	    sizeof(db_tests) / sizeof(db_tests[0]));
}

int
main(void)
{
	return fixture_main("chat", NULL, 0, 0, run);
}
