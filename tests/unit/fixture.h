/*
 * fixture.h - what the domain tests (chat, activity, stakeholder,
 * assignment, message, appointment, billing, media) set up alike on the
 * database testdb.h opens: the keyring, one organisation and its people,
 * trajectories under the usual promise, and a main() that runs the tests
 * without a database and then those on every backend.
 *
 * As in testdb.h: fixture_open and fixture_keyring work outside any test
 * (they print what went wrong and return -1); fixture_traj runs inside a
 * test and fails it through cmocka's assertions, so include <cmocka.h>
 * (and what it needs) before this file.  fixture_run and fixture_main
 * run groups of tests.
 */
#ifndef INFUUS_FIXTURE_H
#define INFUUS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "identity/role.h"

struct CMUnitTest;
struct keyring;
struct promise_terms;
struct testdb;
struct tz_cache;

/* More than any test's cast; raise it when one needs more. */
#define FIXTURE_PEOPLE 8

/* Everyone's password: long enough for user_create's check. */
#define FIXTURE_PASSWORD "correct horse battery staple"

/* One person of the organisation: email NULL is "<tag><i>@example.org". */
struct fixture_person {
	const char *name;
	enum role role;
	const char *email;
};

/*
 * One backend's state for a group of tests: the keyring on t->key,
 * started as at start-up (which makes the system key), a zone cache, the
 * organisation "Praktijk" (slug "praktijk", Europe/Amsterdam) and its
 * people, uid[i] for people[i], each a member in their role.  org2 is 0:
 * a test that wants a second organisation makes it.
 */
struct fixture {
	struct testdb *t;
	struct db *db;
	struct keyring *kr;
	struct tz_cache *tzc;
	int64_t org, org2;
	int64_t uid[FIXTURE_PEOPLE];
};

/* Set g up on t's open database with n people (accounts through
 * user_create, language "nl"): 0, or -1 with a message on stderr.  Call
 * fixture_close either way. */
int fixture_open(struct fixture *g, struct testdb *t, const char *tag,
    const struct fixture_person *people, int n);
void fixture_close(struct fixture *g);

/*
 * Run the n tests as group `group` with g as every test's prestate (the
 * tests' setup finds it in *state), g made by fixture_open (t, tag,
 * people, n_people) and closed afterwards: testdb_run_backends's run for a
 * test that needs nothing more.  Returns the failures.
 */
int fixture_run(const char *group, struct testdb *t, const char *tag,
    const struct fixture_person *people, int n_people,
    const struct CMUnitTest *tests, size_t n);

/* keyring_new on t->key and keyring_start: 0, or -1 with a message. */
int fixture_keyring(struct testdb *t, struct keyring **kr);

/* The promise most tests make: an answer within 8 working hours, Mon-Fri
 * 09:00-17:00 in Amsterdam, contact every 7 days, every text empty. */
void fixture_terms(struct promise_terms *t);

/* A trajectory "Traject" in g's organisation between uid client and pro
 * under fixture_terms, made as ev says; asserts, returns its id. */
int64_t fixture_traj(struct fixture *g, int64_t client, int64_t pro,
    const struct audit_event *ev);

/* What uid, acting in role in g's organisation, does in the access log:
 * purpose "client-self" for a client, "care" for anyone else; from
 * 192.0.2.7, device "test", node "node-a". */
struct audit_event fixture_event(const struct fixture *g, int64_t uid,
    enum role role, const char *kind);

/*
 * A test program's main: crypto_init, the n tests in pure (no database)
 * as group `test`, then run on every backend (testdb_run_backends with
 * flags).  Returns main's exit status: 0 when nothing failed.
 */
int fixture_main(const char *test, const struct CMUnitTest *pure, size_t n,
    int flags, int (*run)(const char *group, struct testdb *t));

#endif
