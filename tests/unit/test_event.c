/*
 * test_event.c - the live-event bus (src/event): delivery to a scope's
 * streams, replay after a reconnect and "reload" for a gap it cannot
 * replay, the limits per user (closed streams not counted), what an event
 * may hold, and, when INFUUS_TEST_PG holds a URL, two buses on one
 * PostgreSQL database as two nodes (small events by NOTIFY, large ones
 * through live_events).
 *
 * Sinks here record what they get instead of writing a stream.
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

#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "event/event.h"
#include "testdb.h"

struct rec {
	char ids[LIMIT_EVENT_REPLAY * 2][40];
	char kinds[LIMIT_EVENT_REPLAY * 2][LIMIT_EVENT_KIND];
	size_t lens[LIMIT_EVENT_REPLAY * 2];
	int n;
	int beats;
	bool gone;     /* alive() answers false */
	bool refuse;   /* deliver() answers false */
};

static bool
rec_deliver(void *cls, const struct event_out *ev)
{
	struct rec *r = cls;

	if (r->refuse)
		return false;
	if (ev == NULL) {
		r->beats++;
		return true;
	}
	if (r->n < LIMIT_EVENT_REPLAY * 2) {
		snprintf(r->ids[r->n], sizeof(r->ids[0]), "%s", ev->id);
		snprintf(r->kinds[r->n], sizeof(r->kinds[0]), "%s", ev->kind);
		r->lens[r->n] = ev->len;
	}
	r->n++;
	return true;
}

static bool
rec_alive(void *cls)
{
	return !((struct rec *)cls)->gone;
}

static struct event_sink
sink_of(struct rec *r)
{
	struct event_sink s = { rec_deliver, rec_alive, r };

	return s;
}

static void
test_scope_delivery(void **state)
{
	struct event_bus *b = event_bus_new(0);
	struct rec a = { 0 }, c = { 0 }, other = { 0 };
	struct event_sink sa = sink_of(&a), sc = sink_of(&c),
	    so = sink_of(&other);
	struct event_sub *x, *y, *z;

	(void)state;
	assert_int_equal(event_subscribe(b, 1, EVENT_SCOPE_TRAJ, 10, NULL,
	    &sa, &x), 0);
	assert_int_equal(event_subscribe(b, 2, EVENT_SCOPE_TRAJ, 10, NULL,
	    &sc, &y), 0);
	assert_int_equal(event_subscribe(b, 3, EVENT_SCOPE_TRAJ, 11, NULL,
	    &so, &z), 0);
	assert_int_equal(event_publish(b, EVENT_SCOPE_TRAJ, 10, 0, "message",
	    "{\"id\":1}"), 0);
	/* Only for user 2 (a read receipt, a typing hint to one). */
	assert_int_equal(event_publish(b, EVENT_SCOPE_TRAJ, 10, 2, "typing",
	    "{\"who\":1}"), 0);
	assert_int_equal(a.n, 1);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.kinds[1], "typing");
	assert_int_equal(other.n, 0); /* another trajectory hears nothing */
	/* The user scope is another scope with the same number. */
	assert_int_equal(event_publish(b, EVENT_SCOPE_USER, 10, 0, "queue",
	    "{}"), 0);
	assert_int_equal(a.n + c.n + other.n, 3);
	event_unsubscribe(b, x);
	event_unsubscribe(b, y);
	event_unsubscribe(b, z);
	assert_int_equal(event_streams(b, 0), 0);
	event_bus_free(b);
}

static void
test_event_check(void **state)
{
	char big[LIMIT_EVENT_DATA + 8];

	(void)state;
	assert_int_equal(event_check("message", "{}", 2), 0);
	assert_int_equal(event_check("", "{}", 2), ERR_INVAL);
	assert_int_equal(event_check("Message", "{}", 2), ERR_INVAL);
	assert_int_equal(event_check("a\nb", "{}", 2), ERR_INVAL);
	assert_int_equal(event_check("abcdefghijklmnop", "{}", 2), ERR_INVAL);
	assert_int_equal(event_check("m", "[1]", 3), ERR_INVAL);
	/* A newline would end SSE's data line: a second, forged event. */
	assert_int_equal(event_check("m", "{\n\"a\":1}", 8), ERR_INVAL);
	memset(big, 'a', sizeof(big));
	big[0] = '{';
	big[LIMIT_EVENT_DATA] = '}';
	big[LIMIT_EVENT_DATA + 1] = '\0';
	assert_int_equal(event_check("m", big, LIMIT_EVENT_DATA + 1),
	    ERR_TOOBIG);
	big[LIMIT_EVENT_DATA - 1] = '}';
	big[LIMIT_EVENT_DATA] = '\0';
	assert_int_equal(event_check("m", big, LIMIT_EVENT_DATA), 0);
	assert_int_equal(event_publish(NULL, EVENT_SCOPE_TRAJ, 1, 0, "m",
	    "{}"), 0); /* no bus: nothing to do */
}

static void
test_replay_and_reload(void **state)
{
	struct event_bus *b = event_bus_new(0);
	struct rec a = { 0 }, again = { 0 }, late = { 0 }, foreign = { 0 },
	    fresh = { 0 };
	struct event_sink sa = sink_of(&a), s2 = sink_of(&again),
	    s3 = sink_of(&late), s4 = sink_of(&foreign), s5 = sink_of(&fresh);
	struct event_sub *x;
	char last[40], mark[40];
	int i;

	(void)state;
	assert_int_equal(event_subscribe(b, 1, EVENT_SCOPE_TRAJ, 5, NULL,
	    &sa, &x), 0);
	assert_int_equal(event_publish(b, EVENT_SCOPE_TRAJ, 5, 0, "message",
	    "{\"id\":1}"), 0);
	assert_int_equal(a.n, 1);
	snprintf(last, sizeof(last), "%s", a.ids[0]);
	event_unsubscribe(b, x);
	/* Missed while away: two events here, one in another scope. */
	event_publish(b, EVENT_SCOPE_TRAJ, 5, 0, "message", "{\"id\":2}");
	event_publish(b, EVENT_SCOPE_TRAJ, 6, 0, "message", "{\"id\":9}");
	event_publish(b, EVENT_SCOPE_TRAJ, 5, 0, "message", "{\"id\":3}");
	assert_int_equal(event_subscribe(b, 1, EVENT_SCOPE_TRAJ, 5, last,
	    &s2, &x), 0);
	assert_int_equal(again.n, 2);
	assert_string_equal(again.kinds[0], "message");
	assert_string_not_equal(again.ids[0], last);
	event_unsubscribe(b, x);

	/* More than the ring keeps: the reconnect is told to reload. */
	for (i = 0; i < LIMIT_EVENT_REPLAY + 1; i++)
		event_publish(b, EVENT_SCOPE_TRAJ, 5, 0, "message", "{}");
	assert_int_equal(event_subscribe(b, 1, EVENT_SCOPE_TRAJ, 5, last,
	    &s3, &x), 0);
	assert_int_equal(late.n, 1);
	assert_string_equal(late.kinds[0], "reload");
	event_unsubscribe(b, x);

	/* An id of another node (or of this node before a restart), one
	 * from the future, and no id at all. */
	assert_int_equal(event_subscribe(b, 1, EVENT_SCOPE_TRAJ, 5,
	    "0123456789abcdef-3", &s4, &x), 0);
	assert_int_equal(foreign.n, 1);
	assert_string_equal(foreign.kinds[0], "reload");
	event_unsubscribe(b, x);
	event_mark(b, mark);
	assert_int_equal(event_subscribe(b, 1, EVENT_SCOPE_TRAJ, 5, mark,
	    &s5, &x), 0);
	assert_int_equal(fresh.n, 0); /* up to date: nothing to replay */
	event_unsubscribe(b, x);
	memset(&fresh, 0, sizeof(fresh));
	assert_int_equal(event_subscribe(b, 1, EVENT_SCOPE_TRAJ, 5,
	    "garbage", &s5, &x), 0);
	assert_int_equal(fresh.n, 1);
	assert_string_equal(fresh.kinds[0], "reload");
	event_unsubscribe(b, x);
	event_bus_free(b);
}

static void
test_limits_per_user(void **state)
{
	struct event_bus *b = event_bus_new(0);
	struct rec r[LIMIT_SSE_PER_USER + 2];
	struct event_sink s[LIMIT_SSE_PER_USER + 2];
	struct event_sub *x[LIMIT_SSE_PER_USER + 2];
	int i;

	(void)state;
	memset(r, 0, sizeof(r));
	for (i = 0; i < LIMIT_SSE_PER_USER + 2; i++)
		s[i] = sink_of(&r[i]);
	for (i = 0; i < LIMIT_SSE_PER_USER; i++)
		assert_int_equal(event_subscribe(b, 7, EVENT_SCOPE_USER, 7,
		    NULL, &s[i], &x[i]), 0);
	assert_int_equal(event_subscribe(b, 7, EVENT_SCOPE_USER, 7, NULL,
	    &s[i], &x[i]), ERR_THROTTLED);
	assert_null(x[i]);
	/* Another user is not affected. */
	assert_int_equal(event_subscribe(b, 8, EVENT_SCOPE_USER, 8, NULL,
	    &s[i + 1], &x[i + 1]), 0);
	/* A closed tab whose stream is still held does not count. */
	r[0].gone = true;
	assert_int_equal(event_subscribe(b, 7, EVENT_SCOPE_USER, 7, NULL,
	    &s[i], &x[i]), 0);
	/* And gets nothing more. */
	event_publish(b, EVENT_SCOPE_USER, 7, 0, "queue", "{}");
	assert_int_equal(r[0].n, 0);
	assert_int_equal(r[1].n, 1);
	assert_int_equal(event_streams(b, 7), LIMIT_SSE_PER_USER + 1);
	for (i = 0; i < LIMIT_SSE_PER_USER + 2; i++)
		event_unsubscribe(b, x[i]);
	event_bus_free(b);
}

/* A user's streams count wherever they listen, and keep counting while
 * other scopes come and go: the user's scope, which lists them, is not
 * dropped to make room for new scopes while it holds any (scope_evict). */
static void
test_limits_per_user_across_scopes(void **state)
{
	struct event_bus *b = event_bus_new(0);
	struct event_sub *x[LIMIT_SSE_PER_USER], *extra;
	struct timespec later = { 1, 100 * 1000 * 1000 };
	struct rec *r = calloc(1, sizeof(*r));
	struct event_sink s;
	int i;

	(void)state;
	assert_non_null(r);
	s = sink_of(r);
	for (i = 0; i < LIMIT_SSE_PER_USER; i++)
		assert_int_equal(event_subscribe(b, 7, EVENT_SCOPE_TRAJ,
		    100 + i, NULL, &s, &x[i]), 0);
	assert_int_equal(event_subscribe(b, 7, EVENT_SCOPE_USER, 7, NULL, &s,
	    &extra), ERR_THROTTLED);
	assert_int_equal(event_streams(b, 7), LIMIT_SSE_PER_USER);
	/* A second later, so that user 7's scope is the one used longest
	 * ago, enough other scopes to fill the node's table. */
	nanosleep(&later, NULL);
	for (i = 0; i < LIMIT_EVENT_SCOPES + 16; i++) {
		assert_int_equal(event_subscribe(b, 9, EVENT_SCOPE_TRAJ,
		    100000 + i, NULL, &s, &extra), 0);
		event_unsubscribe(b, extra);
	}
	assert_int_equal(event_streams(b, 7), LIMIT_SSE_PER_USER);
	assert_int_equal(event_subscribe(b, 7, EVENT_SCOPE_USER, 7, NULL, &s,
	    &extra), ERR_THROTTLED);
	for (i = 0; i < LIMIT_SSE_PER_USER; i++)
		event_unsubscribe(b, x[i]);
	assert_int_equal(event_streams(b, 7), 0);
	assert_int_equal(event_subscribe(b, 7, EVENT_SCOPE_USER, 7, NULL, &s,
	    &extra), 0);
	event_unsubscribe(b, extra);
	event_bus_free(b);
	free(r);
}

/* A full table drops the scope without streams used longest ago (here
 * the second of the seconds-old ones: the first was used again), never
 * one with a stream, and a scope whose last stream left counts as used
 * then.  A reconnect to a dropped scope reloads; one to a kept scope
 * replays what it missed. */
static void
test_full_table_drops_the_scope_used_longest_ago(void **state)
{
	struct event_bus *b = event_bus_new(0);
	struct rec *r = calloc(4, sizeof(*r));
	struct event_sink s0, s1, s2, s3;
	struct event_sub *held, *x;
	char mark[40];
	int i;

	(void)state;
	assert_non_null(r);
	s0 = sink_of(&r[0]);
	s1 = sink_of(&r[1]);
	s2 = sink_of(&r[2]);
	s3 = sink_of(&r[3]);
	event_mark(b, mark);
	event_publish(b, EVENT_SCOPE_TRAJ, 1, 0, "message", "{}");
	event_publish(b, EVENT_SCOPE_TRAJ, 2, 0, "message", "{}");
	assert_int_equal(event_subscribe(b, 5, EVENT_SCOPE_TRAJ, 3, NULL, &s0,
	    &held), 0);
	event_publish(b, EVENT_SCOPE_TRAJ, 3, 0, "message", "{}");
	/* Scopes 1, 2, 3 and user 5's, then as many more as fill it. */
	for (i = 0; i < LIMIT_EVENT_SCOPES - 4; i++)
		event_publish(b, EVENT_SCOPE_TRAJ, 1000 + i, 0, "message",
		    "{}");
	event_publish(b, EVENT_SCOPE_TRAJ, 1, 0, "message", "{}");
	/* Three new scopes: 2 goes, then 1000 and 1001 (3 has a stream,
	 * user 5 has it too, 1 was used again). */
	for (i = 0; i < 3; i++)
		event_publish(b, EVENT_SCOPE_TRAJ, 900000 + i, 0, "message",
		    "{}");
	event_unsubscribe(b, held);
	/* Scope 3 is now the newest without streams: the next goes to 1002. */
	event_publish(b, EVENT_SCOPE_TRAJ, 900003, 0, "message", "{}");

	/* Kept: 1 and 3 replay what came after the mark, and so does 1003
	 * (asked first: each new scope below drops one more). */
	assert_int_equal(event_subscribe(b, 5, EVENT_SCOPE_TRAJ, 1, mark, &s1,
	    &x), 0);
	assert_int_equal(r[1].n, 2);
	assert_string_equal(r[1].kinds[1], "message");
	event_unsubscribe(b, x);
	assert_int_equal(event_subscribe(b, 5, EVENT_SCOPE_TRAJ, 3, mark, &s2,
	    &x), 0);
	assert_int_equal(r[2].n, 1);
	assert_string_equal(r[2].kinds[0], "message");
	event_unsubscribe(b, x);
	for (i = 0; i < 5; i++) {
		static const int64_t scope[] = { 1003, 2, 1000, 1001, 1002 };

		memset(&r[3], 0, sizeof(r[3]));
		assert_int_equal(event_subscribe(b, 5, EVENT_SCOPE_TRAJ,
		    scope[i], mark, &s3, &x), 0);
		assert_int_equal(r[3].n, 1);
		assert_string_equal(r[3].kinds[0], i == 0 ? "message" :
		    "reload");
		event_unsubscribe(b, x);
	}
	event_bus_free(b);
	free(r);
}

/* The node's limit: the 10,000 idle streams fit, below the
 * server's connections so ordinary requests still get one, and the next
 * stream is refused as busy (503), whoever asks. */
static void
test_limits_per_node(void **state)
{
	struct event_bus *b = event_bus_new(0);
	struct event_sub **x;
	struct rec *r;
	struct event_sink s;
	struct event_sub *extra;
	int i;

	(void)state;
	assert_true(LIMIT_SSE_PER_NODE >= 10000);
	assert_true(LIMIT_SSE_PER_NODE + 1024 <= LIMIT_CONNECTIONS);
	r = calloc(1, sizeof(*r));
	x = calloc(LIMIT_SSE_PER_NODE, sizeof(*x));
	assert_non_null(r);
	assert_non_null(x);
	s = sink_of(r);
	for (i = 0; i < LIMIT_SSE_PER_NODE; i++)
		assert_int_equal(event_subscribe(b,
		    1 + i / LIMIT_SSE_PER_USER, EVENT_SCOPE_USER,
		    1 + i / LIMIT_SSE_PER_USER, NULL, &s, &x[i]), 0);
	assert_int_equal(event_subscribe(b, LIMIT_SSE_PER_NODE + 1,
	    EVENT_SCOPE_USER, LIMIT_SSE_PER_NODE + 1, NULL, &s, &extra),
	    ERR_BUSY);
	assert_null(extra);
	event_unsubscribe(b, x[0]);
	assert_int_equal(event_subscribe(b, LIMIT_SSE_PER_NODE + 1,
	    EVENT_SCOPE_USER, LIMIT_SSE_PER_NODE + 1, NULL, &s, &x[0]), 0);
	for (i = 0; i < LIMIT_SSE_PER_NODE; i++)
		event_unsubscribe(b, x[i]);
	event_bus_free(b);
	free(x);
	free(r);
}

static void
test_heartbeat(void **state)
{
	struct event_bus *b = event_bus_new(1);
	struct rec a = { 0 }, gone = { 0 };
	struct event_sink sa = sink_of(&a), sg = sink_of(&gone);
	struct event_sub *x, *y;

	(void)state;
	assert_int_equal(event_subscribe(b, 1, EVENT_SCOPE_USER, 1, NULL,
	    &sa, &x), 0);
	assert_int_equal(event_subscribe(b, 1, EVENT_SCOPE_USER, 1, NULL,
	    &sg, &y), 0);
	gone.gone = true;
	sleep(2);
	event_unsubscribe(b, x);
	event_unsubscribe(b, y);
	assert_true(a.beats >= 1);
	assert_int_equal(gone.beats, 0); /* found gone, never written */
	event_bus_free(b);
}

/* --- two nodes on PostgreSQL ------------------------------------------ */

static char pg_url[512];

static int
wait_for(struct rec *r, int n)
{
	int i;

	for (i = 0; i < 100 && r->n < n; i++)
		usleep(50 * 1000);
	return r->n;
}

static void
test_two_nodes(void **state)
{
	struct event_bus *a, *b;
	struct rec on_a = { 0 }, on_b = { 0 };
	struct event_sink sa = sink_of(&on_a), sb = sink_of(&on_b);
	struct event_sub *x, *y;
	char *big;
	size_t n = 12000;

	(void)state;
	if (pg_url[0] == '\0')
		skip();
	a = event_bus_new(0);
	b = event_bus_new(0);
	assert_int_equal(event_bus_listen(a, pg_url), 0);
	assert_int_equal(event_bus_listen(b, pg_url), 0);
	usleep(300 * 1000); /* both LISTEN */
	assert_int_equal(event_subscribe(a, 1, EVENT_SCOPE_TRAJ, 3, NULL,
	    &sa, &x), 0);
	assert_int_equal(event_subscribe(b, 2, EVENT_SCOPE_TRAJ, 3, NULL,
	    &sb, &y), 0);
	assert_int_equal(event_publish(a, EVENT_SCOPE_TRAJ, 3, 0, "message",
	    "{\"id\":41}"), 0);
	assert_int_equal(wait_for(&on_b, 1), 1);
	assert_int_equal(on_a.n, 1); /* its own once, not again from PG */
	/* Over NOTIFY's 8000 bytes: through the table. */
	big = malloc(n + 1);
	memset(big, 'x', n);
	memcpy(big, "{\"h\":\"", 6);
	memcpy(big + n - 2, "\"}", 2);
	big[n] = '\0';
	assert_int_equal(event_publish(b, EVENT_SCOPE_TRAJ, 3, 0, "chat",
	    big), 0);
	assert_int_equal(wait_for(&on_a, 2), 2);
	assert_int_equal(on_a.lens[1], n);
	assert_string_equal(on_a.kinds[1], "chat");
	usleep(200 * 1000);
	assert_int_equal(on_b.n, 2);
	free(big);
	event_unsubscribe(a, x);
	event_unsubscribe(b, y);
	event_bus_free(a);
	event_bus_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scope_delivery),
		cmocka_unit_test(test_event_check),
		cmocka_unit_test(test_replay_and_reload),
		cmocka_unit_test(test_limits_per_user),
		cmocka_unit_test(test_limits_per_user_across_scopes),
		cmocka_unit_test(test_full_table_drops_the_scope_used_longest_ago),
		cmocka_unit_test(test_limits_per_node),
		cmocka_unit_test(test_heartbeat),
		cmocka_unit_test(test_two_nodes),
	};
	const char *url = getenv("INFUUS_TEST_PG");
	struct testdb t;
	int rc;

	if (crypto_init() != 0)
		return 1;
	memset(&t, 0, sizeof(t));
	if (url && *url) {
		/* A migrated database of its own (live_events). */
		testdb_init(&t, "event", "postgres", url);
		if (testdb_open(&t) != 0) {
			testdb_close(&t);
			return 1;
		}
		snprintf(pg_url, sizeof(pg_url), "%s", t.pgurl);
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (url && *url)
		testdb_close(&t);
	return rc;
}
