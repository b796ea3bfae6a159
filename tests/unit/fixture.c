/*
 * fixture.c - the domain tests' shared set-up (see fixture.h).
 *
 * Owns nothing in the database beyond what it makes for one group: the
 * organisation, its people and the trajectories asked for.  Names and
 * slugs are fixed, so it wants a database of its own per run (the
 * default of testdb_run_backends, not TESTDB_SHARED_PG).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "promise/promise.h"
#include "trajectory/trajectory.h"
#include "fixture.h"
#include "testdb.h"

#include "core/banned.h"

int
fixture_keyring(struct testdb *t, struct keyring **kr)
{
	int rc;

	if ((rc = keyring_new(t->key, kr)) != 0 ||
	    (rc = keyring_start(*kr, t->db)) != 0) {
		fprintf(stderr, "keyring: %s\n", err_msg(rc));
		return -1;
	}
	return 0;
}

int
fixture_open(struct fixture *g, struct testdb *t, const char *tag,
    const struct fixture_person *people, int n)
{
	char email[128];
	int i, rc;

	memset(g, 0, sizeof(*g));
	g->t = t;
	g->db = t->db;
	if (n > FIXTURE_PEOPLE) {
		fprintf(stderr, "fixture: %d people, room for %d\n", n,
		    FIXTURE_PEOPLE);
		return -1;
	}
	if (fixture_keyring(t, &g->kr) != 0)
		return -1;
	if ((rc = tz_cache_new(&g->tzc)) != 0 ||
	    (rc = org_create(g->db, g->kr, "Praktijk", "praktijk",
	    "Europe/Amsterdam", &g->org)) != 0) {
		fprintf(stderr, "set-up: %s\n", err_msg(rc));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (people[i].email)
			snprintf(email, sizeof(email), "%s", people[i].email);
		else
			snprintf(email, sizeof(email), "%s%d@example.org", tag,
			    i);
		if ((rc = user_create(g->db, email, people[i].name,
		    FIXTURE_PASSWORD, "nl", &g->uid[i])) != 0 ||
		    (rc = member_add(g->db, g->org, g->uid[i],
		    people[i].role)) != 0) {
			fprintf(stderr, "user: %s\n", err_msg(rc));
			return -1;
		}
	}
	return 0;
}

void
fixture_close(struct fixture *g)
{
	if (g->tzc)
		tz_cache_free(g->tzc);
	if (g->kr)
		keyring_free(g->kr);
	g->tzc = NULL;
	g->kr = NULL;
}

void
fixture_terms(struct promise_terms *t)
{
	memset(t, 0, sizeof(*t));
	t->reply_minutes = 8 * 60;
	t->tz = "Europe/Amsterdam";
	t->schedule = "mon-fri 09:00-17:00";
	t->reachable = "";
	t->holidays = "";
	t->contact_days = 7;
	t->not_reachable = "";
	t->emergency = "";
}

int64_t
fixture_traj(struct fixture *g, int64_t client, int64_t pro,
    const struct audit_event *ev)
{
	struct promise_terms t;
	int64_t id = 0;

	fixture_terms(&t);
	assert_int_equal(traj_create(g->db, g->kr, g->org, client, pro,
	    "Traject", 0, &t, ev, NULL, &id), 0);
	return id;
}

int
fixture_run(const char *group, struct testdb *t, const char *tag,
    const struct fixture_person *people, int n_people,
    const struct CMUnitTest *tests, size_t n)
{
	struct CMUnitTest *v;
	struct fixture g;
	size_t i;
	int failed = 1;

	if (fixture_open(&g, t, tag, people, n_people) == 0) {
		/* The prestate is known only now: a copy to set it in. */
		v = xcalloc(n, sizeof(*v));
		for (i = 0; i < n; i++) {
			v[i] = tests[i];
			v[i].initial_state = &g;
		}
		failed = _cmocka_run_group_tests(group, v, n, NULL, NULL);
		free(v);
	}
	fixture_close(&g);
	return failed;
}

struct audit_event
fixture_event(const struct fixture *g, int64_t uid, enum role role,
    const char *kind)
{
	struct audit_event ev = {
		.org_id = g->org,
		.outcome = AUDIT_SUCCESS,
		.actor_id = uid,
		.role = role_name(role),
		.purpose = role == ROLE_CLIENT ? "client-self" : "care",
		.address = "192.0.2.7",
		.device = "test",
		.kind = kind,
		.node = "node-a",
	};

	return ev;
}

int
fixture_main(const char *test, const struct CMUnitTest *pure, size_t n,
    int flags, int (*run)(const char *group, struct testdb *t))
{
	int failed = 0;

	if (crypto_init() != 0)
		return 1;
	if (n > 0)
		failed += _cmocka_run_group_tests(test, pure, n, NULL, NULL);
	failed += testdb_run_backends(test, flags, run);
	return failed != 0;
}
