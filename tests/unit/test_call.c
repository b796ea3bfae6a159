/*
 * test_call.c - calls (src/call) on SQLite always and on PostgreSQL too
 * when INFUUS_TEST_PG holds a URL: SHA-1 and HMAC-SHA1 against their
 * RFCs' vectors and the TURN credentials' format; the waiting room (a
 * client waits, a professional admits, nobody outside the trajectory
 * joins); signalling only between participants who are in, delivered to
 * its receiver alone, malformed or oversized signals refused with a
 * reason; a participant who stops beating leaves; at most
 * LIMIT_CALL_PARTICIPANTS; the end records everyone's time as activities
 * and the access log holds start, joins, admission and end, never a
 * signal.
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
#include "call/call.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/limits.h"
#include "event/event.h"
#include "identity/identity.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "fixture.h"
#include "testdb.h"

enum { PRO, PRO2, PRO3, PRO4, CLIENT, STRANGER, NPEOPLE };

/* The organisation's people (fixture.h; e-mail "v<i>@example.org"): the
 * stranger takes no part in the trajectory. */
static const struct fixture_person people[NPEOPLE] = {
	[PRO] = { "Pro", ROLE_PROFESSIONAL },
	[PRO2] = { "Pro Twee", ROLE_PROFESSIONAL },
	[PRO3] = { "Pro Drie", ROLE_PROFESSIONAL },
	[PRO4] = { "Pro Vier", ROLE_PROFESSIONAL },
	[CLIENT] = { "Cliënt", ROLE_CLIENT },
	[STRANGER] = { "Vreemde", ROLE_CLIENT },
};

/* What one stream received. */
struct got {
	char kinds[16][16];
	char data[16][512];
	int n;
};

struct fx {
	struct fixture *g;
	struct call_env env;
	struct arena a;
	int64_t traj;
};

static const int64_t T0 = 1773000000; /* March 2026 */

static struct audit_event
ev_for(struct fx *fx, int who)
{
	return fixture_event(fx->g, fx->g->uid[who], people[who].role, "call");
}

static int
setup(void **state)
{
	struct fixture *g = *state;
	struct fx *fx = calloc(1, sizeof(*fx));
	struct audit_event ev;
	int i;

	assert_non_null(fx);
	fx->g = g;
	fx->env.db = g->db;
	arena_init(&fx->a);
	ev = ev_for(fx, PRO);
	fx->traj = fixture_traj(g, g->uid[CLIENT], g->uid[PRO], &ev);
	for (i = PRO2; i <= PRO4; i++)
		assert_int_equal(traj_add_professional(g->db, fx->traj,
		    g->uid[i], &ev, NULL), 0);
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
start(struct fx *fx, int who)
{
	struct audit_event ev = ev_for(fx, who);
	int64_t id = 0;
	bool started = false;

	assert_int_equal(call_start(&fx->env, fx->traj, fx->g->uid[who], true,
	    T0, &ev, &id, &started), 0);
	assert_true(id > 0);
	return id;
}

static int
join(struct fx *fx, int64_t id, int who, int64_t now, enum call_state *st)
{
	struct audit_event ev = ev_for(fx, who);

	return call_join(&fx->env, id, fx->g->uid[who], now, &ev, NULL, st);
}

/* who's page beats, or goes away (unload), in its own name, as join. */
static int
beat(struct fx *fx, int64_t id, int who, int64_t now, enum call_state *st)
{
	struct audit_event ev = ev_for(fx, who);

	return call_beat(&fx->env, id, fx->g->uid[who], now, &ev, st);
}

static int
unload(struct fx *fx, int64_t id, int who, int64_t now)
{
	struct audit_event ev = ev_for(fx, who);

	return call_unload(&fx->env, id, fx->g->uid[who], now, &ev);
}

static int
sig(struct fx *fx, int64_t id, int from, int to, const char *type,
    const char *data, struct why *why)
{
	return call_signal(&fx->env, id, fx->g->uid[from], fx->g->uid[to],
	    type, data, strlen(data), T0, why);
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void
test_sha1_hmac_and_turn_credentials(void **state)
{
	unsigned char d[20], key[20];
	char h[41], user[64], pass[64];

	(void)state;
	call_sha1("abc", 3, d);
	hex(d, 20, h);
	assert_string_equal(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
	call_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, d);
	hex(d, 20, h);
	assert_string_equal(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	/* RFC 2202, test cases 1 and 6 (a key longer than a block). */
	memset(key, 0x0b, sizeof(key));
	call_hmac_sha1(key, sizeof(key), "Hi There", 8, d);
	hex(d, 20, h);
	assert_string_equal(h, "b617318655057264e28bc0b6fb378c8ef146be00");
	{
		unsigned char big[80];

		memset(big, 0xaa, sizeof(big));
		call_hmac_sha1(big, sizeof(big),
		    "Test Using Larger Than Block-Size Key - Hash Key First",
		    54, d);
		hex(d, 20, h);
		assert_string_equal(h,
		    "aa4ae5e15272d00e95705637ce8a3b55ed402112");
	}
	/* The TURN REST scheme: "expiry:user", base64(HMAC-SHA1). */
	call_turn_credentials("north-wind", 42, T0, 6 * 3600, user,
	    sizeof(user), pass, sizeof(pass));
	assert_string_equal(user, "1773021600:42");
	assert_string_equal(pass, "3610/dai5n4XnoxNJ710YES2YF0=");
	/* Later, another expiry: another password. */
	call_turn_credentials("north-wind", 42, T0 + 1, 6 * 3600, user,
	    sizeof(user), pass, sizeof(pass));
	assert_string_equal(user, "1773021601:42");
	assert_string_not_equal(pass, "3610/dai5n4XnoxNJ710YES2YF0=");
}

static void
test_waiting_room_and_admission(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev;
	struct why why = { 0 };
	enum call_state st;
	struct call c;
	int64_t id, again;

	id = start(fx, CLIENT);
	/* The same open call for whoever starts next. */
	ev = ev_for(fx, PRO);
	assert_int_equal(call_start(&fx->env, fx->traj, fx->g->uid[PRO],
	    false, T0, &ev, &again, NULL), 0);
	assert_int_equal(again, id);
	assert_int_equal(join(fx, id, CLIENT, T0, &st), 0);
	assert_int_equal(st, CALL_WAITING);
	/* Someone of no part in the trajectory: refused. */
	assert_int_equal(join(fx, id, STRANGER, T0, &st), ERR_FORBIDDEN);
	/* Waiting: no signalling either way. */
	assert_int_equal(join(fx, id, PRO, T0 + 5, &st), 0);
	assert_int_equal(st, CALL_IN);
	assert_int_equal(sig(fx, id, CLIENT, PRO, "offer", "{\"sdp\":\"x\"}",
	    &why), ERR_FORBIDDEN);
	assert_int_equal(sig(fx, id, PRO, CLIENT, "offer", "{\"sdp\":\"x\"}",
	    &why), ERR_CONFLICT);
	/* A client cannot admit; a professional who is in can. */
	ev = ev_for(fx, CLIENT);
	assert_int_equal(call_admit(&fx->env, id, fx->g->uid[CLIENT],
	    fx->g->uid[CLIENT], T0 + 6, &ev, &why), ERR_FORBIDDEN);
	ev = ev_for(fx, PRO2);
	assert_int_equal(call_admit(&fx->env, id, fx->g->uid[PRO2],
	    fx->g->uid[CLIENT], T0 + 6, &ev, &why), ERR_FORBIDDEN);
	ev = ev_for(fx, PRO);
	assert_int_equal(call_admit(&fx->env, id, fx->g->uid[PRO],
	    fx->g->uid[CLIENT], T0 + 10, &ev, &why), 0);
	assert_int_equal(call_admit(&fx->env, id, fx->g->uid[PRO],
	    fx->g->uid[CLIENT], T0 + 10, &ev, &why), ERR_CONFLICT);
	/* A reload keeps the place. */
	assert_int_equal(join(fx, id, CLIENT, T0 + 11, &st), 0);
	assert_int_equal(st, CALL_IN);
	assert_int_equal(call_get(&fx->env, id, T0 + 12, NULL, &fx->a, &c), 0);
	assert_int_equal(c.nparts, 2);
	assert_int_equal(call_part_of(&c, fx->g->uid[CLIENT])->state, CALL_IN);
	assert_true(call_part_of(&c, fx->g->uid[PRO])->professional);
	assert_string_equal(call_part_of(&c, fx->g->uid[CLIENT])->name,
	    "Cliënt");
}

static bool
record(void *cls, const struct event_out *ev)
{
	struct got *g = cls;

	if (ev == NULL || g->n >= 16)
		return true;
	snprintf(g->kinds[g->n], sizeof(g->kinds[0]), "%s", ev->kind);
	snprintf(g->data[g->n], sizeof(g->data[0]), "%.*s", (int)ev->len,
	    ev->data);
	g->n++;
	return true;
}

static int
count_kind(const struct got *g, const char *kind)
{
	int i, n = 0;

	for (i = 0; i < g->n; i++)
		n += strcmp(g->kinds[i], kind) == 0;
	return n;
}

static void
test_signal_reaches_its_receiver_alone(void **state)
{
	struct fx *fx = *state;
	struct event_bus *bus = event_bus_new(3600);
	struct event_sub *s_client = NULL, *s_pro2 = NULL;
	struct got g_client = { 0 }, g_pro2 = { 0 };
	struct event_sink k1 = { record, NULL, &g_client };
	struct event_sink k2 = { record, NULL, &g_pro2 };
	struct audit_event ev = ev_for(fx, PRO);
	struct why why = { 0 };
	char big[LIMIT_CALL_SIGNAL + 64];
	int64_t id;

	fx->env.bus = bus;
	assert_int_equal(event_subscribe(bus, fx->g->uid[CLIENT],
	    EVENT_SCOPE_TRAJ, fx->traj, NULL, &k1, &s_client), 0);
	assert_int_equal(event_subscribe(bus, fx->g->uid[PRO2],
	    EVENT_SCOPE_TRAJ, fx->traj, NULL, &k2, &s_pro2), 0);
	id = start(fx, PRO);
	assert_int_equal(join(fx, id, PRO, T0, NULL), 0);
	assert_int_equal(join(fx, id, PRO2, T0, NULL), 0);
	assert_int_equal(join(fx, id, CLIENT, T0, NULL), 0);
	assert_int_equal(call_admit(&fx->env, id, fx->g->uid[PRO],
	    fx->g->uid[CLIENT], T0, &ev, &why), 0);
	assert_int_equal(sig(fx, id, PRO, CLIENT, "offer",
	    "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}", &why), 0);
	assert_int_equal(count_kind(&g_client, "call_sig"), 1);
	assert_int_equal(count_kind(&g_pro2, "call_sig"), 0);
	/* Both saw the waiting room and the admission (ids and states). */
	assert_true(count_kind(&g_pro2, "call") >= 4);
	assert_non_null(strstr(g_client.data[g_client.n - 1], "\"sdp\""));
	/* Malformed and oversized, each with its reason. */
	assert_int_equal(sig(fx, id, PRO, CLIENT, "bogus", "{}", &why),
	    ERR_INVAL);
	assert_string_equal(why.field, "type");
	assert_int_equal(sig(fx, id, PRO, CLIENT, "ice", "[1,2]", &why),
	    ERR_INVAL);
	assert_string_equal(why.field, "data");
	assert_int_equal(sig(fx, id, PRO, CLIENT, "ice", "{\"a\":", &why),
	    ERR_INVAL);
	assert_int_equal(sig(fx, id, PRO, PRO, "ice", "{}", &why), ERR_INVAL);
	assert_string_equal(why.field, "to");
	assert_int_equal(sig(fx, id, PRO, PRO3, "ice", "{}", &why),
	    ERR_CONFLICT);
	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"a\":\"", 6);
	memcpy(big + sizeof(big) - 3, "\"}", 3);
	assert_int_equal(sig(fx, id, PRO, CLIENT, "ice", big, &why),
	    ERR_TOOBIG);
	assert_int_equal(why.limit, LIMIT_CALL_SIGNAL);
	assert_int_equal(count_kind(&g_client, "call_sig"), 1);
	event_unsubscribe(bus, s_client);
	event_unsubscribe(bus, s_pro2);
	event_bus_free(bus);
	fx->env.bus = NULL;
}

static void
test_vanished_participant_times_out(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, PRO);
	enum call_state st;
	struct call c;
	int64_t id;

	id = start(fx, PRO);
	assert_int_equal(join(fx, id, PRO, T0, NULL), 0);
	assert_int_equal(join(fx, id, CLIENT, T0, NULL), 0);
	assert_int_equal(call_admit(&fx->env, id, fx->g->uid[PRO],
	    fx->g->uid[CLIENT], T0 + 10, &ev, NULL), 0);
	/* The client's page beats once, then vanishes. */
	assert_int_equal(beat(fx, id, CLIENT, T0 + 20, &st), 0);
	assert_int_equal(st, CALL_IN);
	assert_int_equal(beat(fx, id, PRO, T0 + 20 + LIMIT_CALL_TIMEOUT, &st),
	    0);
	assert_int_equal(call_get(&fx->env, id, T0 + 20 + LIMIT_CALL_TIMEOUT,
	    NULL, &fx->a, &c), 0);
	assert_int_equal(call_part_of(&c, fx->g->uid[CLIENT])->state, CALL_IN);
	assert_int_equal(beat(fx, id, PRO, T0 + 21 + LIMIT_CALL_TIMEOUT, &st),
	    0);
	assert_int_equal(call_get(&fx->env, id, T0 + 21 + LIMIT_CALL_TIMEOUT,
	    NULL, &fx->a, &c), 0);
	assert_int_equal(call_part_of(&c, fx->g->uid[CLIENT])->state,
	    CALL_LEFT);
	/* Counted until last heard of: 10 seconds in. */
	assert_int_equal(call_part_of(&c, fx->g->uid[CLIENT])->seconds, 10);
	/* Its page learns it at its next beat, and may join again. */
	assert_int_equal(beat(fx, id, CLIENT, T0 + 100, &st), ERR_GONE);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "audit_log WHERE kind = 'call' AND object_id = ? AND detail LIKE "
	    "'timeout-%'", 1, id, 0), 1);
	/* The professional vanishes too: whoever looks next (here the
	 * client) ends it. */
	ev = ev_for(fx, CLIENT);
	assert_int_equal(call_get(&fx->env, id, T0 + 1000, &ev, &fx->a, &c),
	    0);
	assert_true(c.ended_at > 0);
}

static void
test_at_most_four(void **state)
{
	struct fx *fx = *state;
	struct why why = { 0 };
	struct audit_event ev = ev_for(fx, CLIENT);
	enum call_state st;
	int64_t id;

	id = start(fx, PRO);
	assert_int_equal(join(fx, id, PRO, T0, &st), 0);
	assert_int_equal(join(fx, id, PRO2, T0, &st), 0);
	assert_int_equal(join(fx, id, PRO3, T0, &st), 0);
	assert_int_equal(join(fx, id, CLIENT, T0, &st), 0);
	assert_int_equal(call_join(&fx->env, id, fx->g->uid[PRO4], T0, &ev,
	    &why, &st), ERR_THROTTLED);
	assert_int_equal(why.limit, LIMIT_CALL_PARTICIPANTS);
	/* One leaves: a place is free. */
	assert_int_equal(call_leave(&fx->env, id, fx->g->uid[PRO3], T0 + 1,
	    &ev), 0);
	assert_int_equal(join(fx, id, PRO4, T0 + 2, &st), 0);
	assert_int_equal(st, CALL_IN);
}

static void
test_end_records_time_and_log_has_no_content(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, PRO);
	struct activity *acts;
	size_t n, i, calls = 0;
	int64_t id, pro_secs = 0, client_secs = 0;

	id = start(fx, PRO);
	assert_int_equal(join(fx, id, PRO, T0, NULL), 0);
	assert_int_equal(join(fx, id, CLIENT, T0 + 10, NULL), 0);
	assert_int_equal(call_admit(&fx->env, id, fx->g->uid[PRO],
	    fx->g->uid[CLIENT], T0 + 20, &ev, NULL), 0);
	assert_int_equal(sig(fx, id, PRO, CLIENT, "offer",
	    "{\"sdp\":\"geheim-sdp\"}", NULL), 0);
	/* Only a professional ends it for everyone. */
	ev = ev_for(fx, CLIENT);
	assert_int_equal(call_end(&fx->env, id, fx->g->uid[CLIENT], T0 + 30,
	    &ev), ERR_FORBIDDEN);
	ev = ev_for(fx, PRO);
	assert_int_equal(call_end(&fx->env, id, fx->g->uid[PRO], T0 + 40,
	    &ev), 0);
	assert_int_equal(call_end(&fx->env, id, fx->g->uid[PRO], T0 + 41,
	    &ev), ERR_GONE);
	assert_int_equal(join(fx, id, CLIENT, T0 + 700, NULL), ERR_GONE);
	assert_int_equal(activity_list(fx->g->db, fx->traj, &fx->a, &acts, &n),
	    0);
	for (i = 0; i < n; i++) {
		if (strcmp(acts[i].kind, "call") != 0)
			continue;
		calls++;
		assert_int_equal(acts[i].source_id, id);
		if (acts[i].user_id == fx->g->uid[PRO])
			pro_secs = acts[i].seconds;
		if (acts[i].user_id == fx->g->uid[CLIENT])
			client_secs = acts[i].seconds;
	}
	assert_int_equal(calls, 2);
	assert_int_equal(pro_secs, 40);
	assert_int_equal(client_secs, 20);
	/* Start, join, wait, admission and end are in the access log. */
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "audit_log WHERE kind = 'call' AND object_id = ? AND detail IN "
	    "('start-video', 'join', 'wait', 'end')", 1, id, 0), 4);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "audit_log WHERE detail LIKE '%geheim%' OR detail IN ('offer', "
	    "'answer', 'ice')", 0, 0, 0), 0);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "audit_log WHERE kind = 'call' AND object_id = ? AND detail LIKE "
	    "'admit-%'", 1, id, 0), 1);
}

/* At the end of the file (callfix): leaving on unload, and the end of a
 * call whose last professional is gone. */
static void test_last_professional_vanishing_ends_the_call(void **state);
static void test_unload_then_a_reload_resumes(void **state);
static void test_professional_unload_ends_after_the_resume_window(
    void **state);
static void test_an_empty_call_waits_for_a_reload(void **state);

/* Their prestate, the group's struct fixture, is set by fixture_run (the
 * digests' test needs none and ignores it). */
#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_sha1_hmac_and_turn_credentials),
	DB_TEST(test_waiting_room_and_admission),
	DB_TEST(test_signal_reaches_its_receiver_alone),
	DB_TEST(test_vanished_participant_times_out),
	DB_TEST(test_at_most_four),
	DB_TEST(test_end_records_time_and_log_has_no_content),
	DB_TEST(test_last_professional_vanishing_ends_the_call),
	DB_TEST(test_unload_then_a_reload_resumes),
	DB_TEST(test_professional_unload_ends_after_the_resume_window),
	DB_TEST(test_an_empty_call_waits_for_a_reload),
};

static int
run(const char *name, struct testdb *t)
{
	return fixture_run(name, t, "v", people, NPEOPLE, tests,
	    sizeof(tests) / sizeof(tests[0]));
}

int
main(void)
{
	return fixture_main("call", NULL, 0, 0, run);
}

/* The seconds of who's "call" activity for call id (-1: none). */
static int64_t
call_secs(struct fx *fx, int64_t id, int who)
{
	struct activity *acts;
	size_t n, i;

	assert_int_equal(activity_list(fx->g->db, fx->traj, &fx->a, &acts, &n),
	    0);
	for (i = 0; i < n; i++)
		if (strcmp(acts[i].kind, "call") == 0 &&
		    acts[i].source_id == id &&
		    acts[i].user_id == fx->g->uid[who])
			return acts[i].seconds;
	return -1;
}

/* A call the professional starts and the client joins at `at`, the
 * client admitted at once: both in. */
static int64_t
both_in(struct fx *fx, int64_t at)
{
	struct audit_event ev = ev_for(fx, PRO);
	int64_t id = start(fx, PRO);

	assert_int_equal(join(fx, id, PRO, at, NULL), 0);
	assert_int_equal(join(fx, id, CLIENT, at, NULL), 0);
	assert_int_equal(call_admit(&fx->env, id, fx->g->uid[PRO],
	    fx->g->uid[CLIENT], at, &ev, NULL), 0);
	return id;
}

static void
test_last_professional_vanishing_ends_the_call(void **state)
{
	struct fx *fx = *state;
	enum call_state st;
	struct call c;
	int64_t id;

	id = both_in(fx, T0);
	assert_int_equal(beat(fx, id, PRO, T0 + 10, &st), 0);
	/* The professional's laptop closes; the client's page beats on. */
	assert_int_equal(beat(fx, id, CLIENT, T0 + 40, &st), 0);
	assert_int_equal(beat(fx, id, CLIENT, T0 + 11 + LIMIT_CALL_TIMEOUT,
	    &st), ERR_GONE);
	assert_int_equal(call_get(&fx->env, id, T0 + 100, NULL, &fx->a, &c),
	    0);
	/* Ended when the professional was last heard of, not when found. */
	assert_int_equal(c.ended_at, T0 + 10);
	assert_int_equal(call_secs(fx, id, PRO), 10);
	assert_int_equal(call_secs(fx, id, CLIENT), 10);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "audit_log WHERE kind = 'call' AND object_id = ? AND (detail = "
	    "'end' OR detail LIKE 'timeout-%')", 1, id, 0), 2);
}

static void
test_unload_then_a_reload_resumes(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, PRO);
	enum call_state st;
	int64_t id;

	id = both_in(fx, T0);
	ev = ev_for(fx, CLIENT);
	/* The client's page reloads: its beacon, then the new page. */
	assert_int_equal(unload(fx, id, CLIENT, T0 + 5), 0);
	assert_int_equal(unload(fx, id, CLIENT, T0 + 5), ERR_CONFLICT);
	assert_int_equal(call_leave(&fx->env, id, fx->g->uid[CLIENT], T0 + 5,
	    &ev), ERR_CONFLICT);
	assert_int_equal(join(fx, id, CLIENT, T0 + 7, &st), 0);
	assert_int_equal(st, CALL_IN);
	/* Closed, and back later: the waiting room again. */
	assert_int_equal(unload(fx, id, CLIENT, T0 + 20), 0);
	assert_int_equal(join(fx, id, CLIENT, T0 + 21 + LIMIT_CALL_RESUME,
	    &st), 0);
	assert_int_equal(st, CALL_WAITING);
	/* Waiting, the page closes: a reload waits again. */
	assert_int_equal(unload(fx, id, CLIENT, T0 + 40), 0);
	assert_int_equal(join(fx, id, CLIENT, T0 + 41, &st), 0);
	assert_int_equal(st, CALL_WAITING);
	/* Someone of the trajectory who is not in the call. */
	assert_int_equal(unload(fx, id, PRO2, T0 + 42), ERR_CONFLICT);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "audit_log WHERE kind = 'call' AND object_id = ? AND detail = "
	    "'leave-unload'", 1, id, 0), 3);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "audit_log WHERE kind = 'call' AND object_id = ? AND detail = "
	    "'resume'", 1, id, 0), 1);
	/* The seconds in: 0-5 and 7-20. */
	ev = ev_for(fx, PRO);
	assert_int_equal(call_end(&fx->env, id, fx->g->uid[PRO], T0 + 50,
	    &ev), 0);
	assert_int_equal(call_secs(fx, id, CLIENT), 18);
	assert_int_equal(unload(fx, id, PRO, T0 + 51), ERR_GONE);
}

static void
test_professional_unload_ends_after_the_resume_window(void **state)
{
	struct fx *fx = *state;
	enum call_state st;
	struct call c;
	int64_t id;

	id = both_in(fx, T0);
	assert_int_equal(unload(fx, id, PRO, T0 + 5), 0);
	/* Its reload may still come: the call goes on meanwhile. */
	assert_int_equal(beat(fx, id, CLIENT, T0 + 10, &st), 0);
	assert_int_equal(st, CALL_IN);
	assert_int_equal(beat(fx, id, CLIENT, T0 + 6 + LIMIT_CALL_RESUME, &st),
	    ERR_GONE);
	assert_int_equal(call_get(&fx->env, id, T0 + 100, NULL, &fx->a, &c),
	    0);
	assert_int_equal(c.ended_at, T0 + 5);
	assert_int_equal(call_secs(fx, id, CLIENT), 5);
	/* A professional who reloads in time keeps the call going. */
	id = both_in(fx, T0 + 200);
	assert_int_equal(unload(fx, id, PRO, T0 + 205), 0);
	assert_int_equal(join(fx, id, PRO, T0 + 206, &st), 0);
	assert_int_equal(st, CALL_IN);
	assert_int_equal(beat(fx, id, CLIENT, T0 + 230, &st), 0);
	assert_int_equal(st, CALL_IN);
}

static void
test_an_empty_call_waits_for_a_reload(void **state)
{
	struct fx *fx = *state;
	struct audit_event ev = ev_for(fx, CLIENT);
	enum call_state st;
	struct call c;
	int64_t id;

	/* The client starts a call and waits alone; their page reloads. */
	id = start(fx, CLIENT);
	assert_int_equal(join(fx, id, CLIENT, T0, &st), 0);
	assert_int_equal(st, CALL_WAITING);
	assert_int_equal(unload(fx, id, CLIENT, T0 + 3), 0);
	assert_int_equal(call_get(&fx->env, id, T0 + 4, &ev, &fx->a, &c), 0);
	assert_int_equal(c.ended_at, 0);
	assert_int_equal(join(fx, id, CLIENT, T0 + 4, &st), 0);
	assert_int_equal(st, CALL_WAITING);
	/* Closed for good: whoever looks after the window finds it over, as
	 * of the closing. */
	assert_int_equal(unload(fx, id, CLIENT, T0 + 9), 0);
	assert_int_equal(call_get(&fx->env, id, T0 + 9 + LIMIT_CALL_RESUME,
	    &ev, &fx->a, &c), 0);
	assert_int_equal(c.ended_at, 0);
	assert_int_equal(call_get(&fx->env, id, T0 + 10 + LIMIT_CALL_RESUME,
	    &ev, &fx->a, &c), 0);
	assert_int_equal(c.ended_at, T0 + 9);
	assert_int_equal(join(fx, id, CLIENT, T0 + 100, &st), ERR_GONE);
}
