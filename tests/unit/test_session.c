/*
 * test_session.c - server-side sessions: creation, look-up by cookie token,
 * idle and absolute expiry, the once-a-minute touch, the second-factor
 * states, ending one or all sessions, and the CSRF check.  Runs on SQLite
 * always and on PostgreSQL too when INFUUS_TEST_PG holds a URL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "keys/keyring.h"
#include "store/db.h"
#include "testdb.h"

#define TEST_NAME "session"

/* The fixture is testdb.h's: a database of this program's own per backend,
 * emptied before each test by testdb_fx_setup. */

/* --- Helpers ------------------------------------------------------------ */

#define T0 ((time_t)1700000000)

static const struct session_policy pol = { 600, 3600 };

static int64_t
last_seen(struct testdb_fx *fx, int64_t id)
{
	return testdb_i64(fx->db, "SELECT last_seen FROM sessions WHERE id = ?",
	    1, id, 0);
}

static int64_t
session_rows(struct testdb_fx *fx)
{
	return testdb_i64(fx->db, "SELECT COUNT(*) FROM sessions", 0, 0, 0);
}

/* --- Tests -------------------------------------------------------------- */

static void
create_then_lookup_finds_the_same_session(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT, hex = BUF_INIT;
	struct session s, l;
	int64_t org, anna;

	org = testdb_new_org(fx->db, fx->kr, "Praktijk Anna", "praktijk-anna");
	anna = testdb_add_user(fx->db, "anna@example.org", "Anna de Vries");
	assert_int_equal(member_add(fx->db, org, anna, ROLE_PROFESSIONAL), 0);
	assert_int_equal(session_create(fx->db, anna, org, true, false,
	    "192.0.2.1", "Mozilla/5.0 (X11)", T0, &tok, &s), 0);
	assert_int_equal(tok.len, 43);
	assert_true(s.id > 0);
	assert_int_equal(s.user_id, anna);
	assert_int_equal(s.org_id, org);
	assert_int_equal(s.role, ROLE_PROFESSIONAL);
	assert_true(s.twofa_passed);
	assert_false(s.twofa_pending);
	assert_int_equal(s.created_at, T0);
	assert_int_equal(s.last_seen, T0);
	assert_int_equal(strlen(s.csrf), 43);
	assert_string_not_equal(s.csrf, tok.p);
	assert_string_equal(s.user_name, "Anna de Vries");
	assert_string_equal(s.lang, "en");

	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 5, &l), 0);
	assert_int_equal(l.id, s.id);
	assert_int_equal(l.user_id, anna);
	assert_int_equal(l.org_id, org);
	assert_int_equal(l.role, ROLE_PROFESSIONAL);
	assert_true(l.twofa_passed);
	assert_false(l.twofa_pending);
	assert_int_equal(l.created_at, T0);
	assert_string_equal(l.csrf, s.csrf);
	assert_string_equal(l.user_name, "Anna de Vries");
	assert_string_equal(l.lang, "en");

	/* The database holds the token's SHA-256, not the token. */
	crypto_sha256_hex(tok.p, tok.len, &hex);
	assert_int_equal(testdb_i64(fx->db, "SELECT COUNT(*) FROM sessions "
	    "WHERE length(token_hash) = 32", 0, 0, 0), 1);
	assert_int_equal(testdb_i64(fx->db, "SELECT COUNT(*) FROM sessions "
	    "WHERE csrf = user_agent", 0, 0, 0), 0);
	buf_release(&tok);
	buf_release(&hex);
}

static void
unknown_and_malformed_tokens_are_refused(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct session s;
	int64_t anna;
	char bad[64];

	anna = testdb_add_user(fx->db, "anna@example.org", "Anna");
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0, &tok, &s), 0);
	assert_int_equal(session_lookup(fx->db, &pol, NULL, T0, &s), ERR_AUTH);
	assert_int_equal(session_lookup(fx->db, &pol, "", T0, &s), ERR_AUTH);
	assert_int_equal(session_lookup(fx->db, &pol, "abc", T0, &s), ERR_AUTH);
	/* One character off. */
	snprintf(bad, sizeof(bad), "%s", tok.p);
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	assert_int_equal(session_lookup(fx->db, &pol, bad, T0, &s), ERR_AUTH);
	assert_int_equal(s.id, 0);
	assert_int_equal(s.user_id, 0);
	/* The token with something after it. */
	snprintf(bad, sizeof(bad), "%sx", tok.p);
	assert_int_equal(session_lookup(fx->db, &pol, bad, T0, &s), ERR_AUTH);
	buf_release(&tok);
}

static void
every_login_gets_a_new_token(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf t1 = BUF_INIT, t2 = BUF_INIT;
	struct session s1, s2, l;
	int64_t anna;

	anna = testdb_add_user(fx->db, "anna@example.org", "Anna");
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0, &t1, &s1), 0);
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0, &t2, &s2), 0);
	assert_string_not_equal(t1.p, t2.p);
	assert_int_not_equal(s1.id, s2.id);
	assert_string_not_equal(s1.csrf, s2.csrf);
	assert_int_equal(session_lookup(fx->db, &pol, t1.p, T0, &l), 0);
	assert_int_equal(l.id, s1.id);
	assert_int_equal(session_lookup(fx->db, &pol, t2.p, T0, &l), 0);
	assert_int_equal(l.id, s2.id);
	assert_int_equal(session_create(fx->db, anna + 50, 0, true, false, NULL,
	    NULL, T0, &t1, &s1), ERR_NOTFOUND);
	assert_int_equal(t1.len, 0);
	buf_release(&t1);
	buf_release(&t2);
}

static void
idle_sessions_end(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct session s;
	int64_t anna;

	anna = testdb_add_user(fx->db, "anna@example.org", "Anna");
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0, &tok, &s), 0);
	/* Exactly the idle limit is still fine, and it counts as use. */
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 600, &s), 0);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 1200, &s), 0);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 1801, &s),
	    ERR_REAUTH);
	assert_int_equal(s.id, 0);
	/* The row is gone: the next try is an unknown token. */
	assert_int_equal(session_rows(fx), 0);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 1801, &s),
	    ERR_AUTH);
	buf_release(&tok);
}

static void
absolute_limit_ends_even_busy_sessions(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct session s;
	time_t t;
	int64_t anna;

	anna = testdb_add_user(fx->db, "anna@example.org", "Anna");
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0, &tok, &s), 0);
	for (t = T0 + 500; t <= T0 + 3600; t += 500)
		assert_int_equal(session_lookup(fx->db, &pol, tok.p, t, &s), 0);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 3601, &s),
	    ERR_REAUTH);
	assert_int_equal(session_rows(fx), 0);
	buf_release(&tok);
}

static void
last_seen_is_written_at_most_once_a_minute(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct session s;
	int64_t anna, id;

	anna = testdb_add_user(fx->db, "anna@example.org", "Anna");
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0, &tok, &s), 0);
	id = s.id;
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 30, &s), 0);
	assert_int_equal(s.last_seen, T0);
	assert_int_equal(last_seen(fx, id), T0);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 59, &s), 0);
	assert_int_equal(last_seen(fx, id), T0);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 60, &s), 0);
	assert_int_equal(s.last_seen, T0 + 60);
	assert_int_equal(last_seen(fx, id), T0 + 60);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 100, &s), 0);
	assert_int_equal(s.last_seen, T0 + 60);
	assert_int_equal(last_seen(fx, id), T0 + 60);
	buf_release(&tok);
}

static void
destroy_ends_one_and_destroy_user_ends_all(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf a1 = BUF_INIT, a2 = BUF_INIT, b1 = BUF_INIT;
	struct session s, sa1;
	int64_t anna, bert;

	anna = testdb_add_user(fx->db, "anna@example.org", "Anna");
	bert = testdb_add_user(fx->db, "bert@example.org", "Bert");
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0, &a1, &sa1), 0);
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0, &a2, &s), 0);
	assert_int_equal(session_create(fx->db, bert, 0, true, false, NULL,
	    NULL, T0, &b1, &s), 0);
	assert_int_equal(session_destroy(fx->db, sa1.id), 0);
	assert_int_equal(session_lookup(fx->db, &pol, a1.p, T0, &s), ERR_AUTH);
	assert_int_equal(session_lookup(fx->db, &pol, a2.p, T0, &s), 0);
	/* Logging out twice is not an error. */
	assert_int_equal(session_destroy(fx->db, sa1.id), 0);
	assert_int_equal(session_destroy_user(fx->db, anna), 0);
	assert_int_equal(session_lookup(fx->db, &pol, a2.p, T0, &s), ERR_AUTH);
	assert_int_equal(session_lookup(fx->db, &pol, b1.p, T0, &s), 0);
	assert_int_equal(s.user_id, bert);
	buf_release(&a1);
	buf_release(&a2);
	buf_release(&b1);
}

static void
csrf_check_is_exact(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct session s, other;
	char v[64];
	int64_t anna;

	anna = testdb_add_user(fx->db, "anna@example.org", "Anna");
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0, &tok, &s), 0);
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0, &tok, &other), 0);
	assert_true(session_csrf_ok(&s, s.csrf));
	assert_false(session_csrf_ok(&s, other.csrf));
	assert_false(session_csrf_ok(&s, NULL));
	assert_false(session_csrf_ok(&s, ""));
	snprintf(v, sizeof(v), "%s", s.csrf);
	v[42] = v[42] == 'A' ? 'B' : 'A';
	assert_false(session_csrf_ok(&s, v));
	snprintf(v, sizeof(v), "%.42s", s.csrf);
	assert_false(session_csrf_ok(&s, v));
	snprintf(v, sizeof(v), "%sA", s.csrf);
	assert_false(session_csrf_ok(&s, v));
	assert_false(session_csrf_ok(NULL, s.csrf));
	memset(&other, 0, sizeof(other));
	assert_false(session_csrf_ok(&other, ""));
	buf_release(&tok);
}

static void
role_follows_the_membership_and_disabling_ends_sessions(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct session s;
	int64_t org, anna, boss;

	org = testdb_new_org(fx->db, fx->kr, "Praktijk Anna", "praktijk-anna");
	boss = testdb_add_user(fx->db, "baas@example.org", "Baas");
	anna = testdb_add_user(fx->db, "anna@example.org", "Anna");
	assert_int_equal(member_add(fx->db, org, boss, ROLE_ADMIN), 0);
	assert_int_equal(member_add(fx->db, org, anna, ROLE_CLIENT), 0);
	assert_int_equal(session_create(fx->db, anna, org, true, false, NULL,
	    NULL, T0, &tok, &s), 0);
	assert_int_equal(s.role, ROLE_CLIENT);
	assert_int_equal(member_set_role(fx->db, org, anna, ROLE_PROFESSIONAL, NULL),
	    0);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 1, &s), 0);
	assert_int_equal(s.role, ROLE_PROFESSIONAL);
	assert_int_equal(member_remove(fx->db, org, anna), 0);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 2, &s), 0);
	assert_int_equal(s.org_id, org);
	assert_int_equal(s.role, 0);
	assert_int_equal(user_set_disabled(fx->db, anna, true), 0);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 3, &s),
	    ERR_AUTH);
	assert_int_equal(session_rows(fx), 0);
	buf_release(&tok);
}

static void
second_factor_pending_then_promoted(void **state)
{
	struct testdb_fx *fx = *state;
	static const struct session_policy lax = { 3600, 7200 };
	struct buf tok = BUF_INIT, tok2 = BUF_INIT;
	struct session s;
	int64_t org, anna;

	org = testdb_new_org(fx->db, fx->kr, "Praktijk Anna", "praktijk-anna");
	anna = testdb_add_user(fx->db, "anna@example.org", "Anna");
	assert_int_equal(member_add(fx->db, org, anna, ROLE_ADMIN), 0);
	assert_int_equal(session_create(fx->db, anna, 0, false, true, NULL,
	    NULL, T0, &tok, &s), 0);
	assert_int_equal(session_lookup(fx->db, &lax, tok.p, T0 + 10, &s), 0);
	assert_false(s.twofa_passed);
	assert_true(s.twofa_pending);
	assert_int_equal(s.org_id, 0);
	assert_int_equal(s.role, 0);
	assert_int_equal(session_promote(fx->db, s.id, org), 0);
	assert_int_equal(session_lookup(fx->db, &lax, tok.p, T0 + 20, &s), 0);
	assert_true(s.twofa_passed);
	assert_false(s.twofa_pending);
	assert_int_equal(s.org_id, org);
	assert_int_equal(s.role, ROLE_ADMIN);
	/* Promoted, it lives by the ordinary limits. */
	assert_int_equal(session_lookup(fx->db, &lax, tok.p,
	    T0 + LIMIT_SESSION_2FA_PENDING + 60, &s), 0);

	/* A session left waiting for its code ends early. */
	assert_int_equal(session_create(fx->db, anna, 0, false, true, NULL,
	    NULL, T0, &tok2, &s), 0);
	assert_int_equal(session_lookup(fx->db, &lax, tok2.p,
	    T0 + LIMIT_SESSION_2FA_PENDING, &s), 0);
	assert_int_equal(session_lookup(fx->db, &lax, tok2.p,
	    T0 + LIMIT_SESSION_2FA_PENDING + 1, &s), ERR_REAUTH);
	buf_release(&tok);
	buf_release(&tok2);
}

static void
organisation_choice_needs_membership(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct session s;
	int64_t org, other, anna;

	org = testdb_new_org(fx->db, fx->kr, "Praktijk Anna", "praktijk-anna");
	other = testdb_new_org(fx->db, fx->kr, "Buurtteam", "buurtteam");
	anna = testdb_add_user(fx->db, "anna@example.org", "Anna");
	assert_int_equal(member_add(fx->db, org, anna, ROLE_CLIENT), 0);
	assert_int_equal(session_create(fx->db, anna, other, true, false, NULL,
	    NULL, T0, &tok, &s), ERR_NOTFOUND);
	assert_int_equal(session_rows(fx), 0);
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0, &tok, &s), 0);
	assert_int_equal(session_set_org(fx->db, s.id, other), ERR_NOTFOUND);
	assert_int_equal(session_promote(fx->db, s.id, other), ERR_NOTFOUND);
	assert_int_equal(session_set_org(fx->db, s.id, org), 0);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0, &s), 0);
	assert_int_equal(s.org_id, org);
	assert_int_equal(s.role, ROLE_CLIENT);
	assert_int_equal(session_set_org(fx->db, s.id, 0), 0);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0, &s), 0);
	assert_int_equal(s.org_id, 0);
	assert_int_equal(s.role, 0);
	assert_int_equal(session_set_org(fx->db, s.id + 100, org),
	    ERR_NOTFOUND);
	buf_release(&tok);
}

static void
purge_removes_only_expired_sessions(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct session s;
	int64_t anna, n = -1;

	anna = testdb_add_user(fx->db, "anna@example.org", "Anna");
	/* Idle since T0; busy but made 3200 s before T0; made later. */
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0, &tok, &s), 0);
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0 - 3200, &tok, &s), 0);
	testdb_write(fx->db, "UPDATE sessions SET last_seen = ? WHERE id = ?",
	    2, T0 + 400, s.id);
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, T0 + 500, &tok, &s), 0);
	/* At T0 + 500 only the old one is past a limit (absolute). */
	assert_int_equal(session_purge(fx->db, &pol, T0 + 500, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(session_rows(fx), 2);
	/* At T0 + 601 the first has been idle too long. */
	assert_int_equal(session_purge(fx->db, &pol, T0 + 601, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(session_rows(fx), 1);
	assert_int_equal(session_purge(fx->db, &pol, T0 + 601, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 700, &s), 0);
	buf_release(&tok);
}

/* The cache answers from memory while nothing was written, and follows
 * every committed write at once: a changed role, an ended session. */
static void
cache_answers_from_memory_and_follows_every_write(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct session_cache *sc = NULL;
	struct db_stats before, after;
	struct session s, l;
	int64_t org, anna;
	bool sqlite = db_kind(fx->db) == DB_SQLITE;

	org = testdb_new_org(fx->db, fx->kr, "Praktijk Cache",
	    "praktijk-cache");
	anna = testdb_add_user(fx->db, "anna@cache.example", "Anna Cache");
	assert_int_equal(member_add(fx->db, org, anna, ROLE_PROFESSIONAL), 0);
	assert_int_equal(session_create(fx->db, anna, org, false, false,
	    "127.0.0.1", "test", T0, &tok, &s), 0);
	session_cache_new(fx->db, &sc);

	assert_int_equal(session_lookup_cached(sc, fx->db, &pol, tok.p, T0 + 1,
	    &l), 0);
	assert_int_equal(l.id, s.id);
	assert_int_equal(l.role, ROLE_PROFESSIONAL);
	db_stats(fx->db, &before);
	assert_int_equal(session_lookup_cached(sc, fx->db, &pol, tok.p, T0 + 2,
	    &l), 0);
	db_stats(fx->db, &after);
	assert_int_equal(l.id, s.id);
	if (sqlite)
		assert_true(after.prepares + after.cache_hits ==
		    before.prepares + before.cache_hits);
	else
		assert_true(after.prepares + after.cache_hits >
		    before.prepares + before.cache_hits);

	assert_int_equal(member_set_role(fx->db, org, anna, ROLE_CLIENT, NULL), 0);
	assert_int_equal(session_lookup_cached(sc, fx->db, &pol, tok.p, T0 + 3,
	    &l), 0);
	assert_int_equal(l.role, ROLE_CLIENT);

	assert_int_equal(session_destroy(fx->db, s.id), 0);
	assert_int_equal(session_lookup_cached(sc, fx->db, &pol, tok.p, T0 + 4,
	    &l), ERR_AUTH);
	/* A token that was never issued is not found either way. */
	assert_int_equal(session_lookup_cached(sc, fx->db, &pol,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", T0 + 4, &l), ERR_AUTH);
	session_cache_free(sc);
	buf_release(&tok);
}

static void
rotation_gives_a_new_token_and_kills_the_old(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT, tok2 = BUF_INIT, tok3 = BUF_INIT;
	struct session s, l;
	char csrf[sizeof(s.csrf)];
	int64_t org, anna;

	org = testdb_new_org(fx->db, fx->kr, "Praktijk Anna", "praktijk-anna");
	anna = testdb_add_user(fx->db, "anna@example.org", "Anna");
	assert_int_equal(member_add(fx->db, org, anna, ROLE_CLIENT), 0);
	assert_int_equal(session_create(fx->db, anna, 0, false, true, NULL,
	    NULL, T0, &tok, &s), 0);
	memcpy(csrf, s.csrf, sizeof(csrf));
	/* Passing the second factor: promoted and rotated in one job. */
	assert_int_equal(session_promote_rotate(fx->db, &s, org, &tok2), 0);
	assert_int_equal(tok2.len, 43);
	assert_string_not_equal(tok.p, tok2.p);
	assert_string_not_equal(csrf, s.csrf);
	assert_true(s.twofa_passed);
	assert_false(s.twofa_pending);
	assert_int_equal(session_lookup(fx->db, &pol, tok.p, T0 + 1, &l),
	    ERR_AUTH);
	assert_int_equal(session_lookup(fx->db, &pol, tok2.p, T0 + 1, &l), 0);
	assert_int_equal(l.id, s.id);
	assert_true(l.twofa_passed);
	assert_false(l.twofa_pending);
	assert_int_equal(l.org_id, org);
	assert_string_equal(l.csrf, s.csrf);
	/* A plain rotation keeps everything but the tokens. */
	assert_int_equal(session_rotate(fx->db, &s, &tok3), 0);
	assert_int_equal(session_lookup(fx->db, &pol, tok2.p, T0 + 2, &l),
	    ERR_AUTH);
	assert_int_equal(session_lookup(fx->db, &pol, tok3.p, T0 + 2, &l), 0);
	assert_int_equal(l.created_at, T0);
	assert_true(l.twofa_passed);
	/* A session that is gone cannot be rotated. */
	assert_int_equal(session_destroy(fx->db, s.id), 0);
	assert_int_equal(session_rotate(fx->db, &s, &tok3), ERR_NOTFOUND);
	buf_release(&tok);
	buf_release(&tok2);
	buf_release(&tok3);
}

static void
sessions_per_user_are_capped_oldest_first(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok[LIMIT_SESSIONS_PER_USER + 2];
	struct buf other = BUF_INIT;
	struct session s, l;
	int64_t anna, bert;
	int i;

	anna = testdb_add_user(fx->db, "anna@example.org", "Anna");
	bert = testdb_add_user(fx->db, "bert@example.org", "Bert");
	assert_int_equal(session_create(fx->db, bert, 0, false, false, NULL,
	    NULL, T0, &other, &s), 0);
	for (i = 0; i < LIMIT_SESSIONS_PER_USER + 2; i++) {
		buf_init(&tok[i]);
		assert_int_equal(session_create(fx->db, anna, 0, false, false,
		    NULL, NULL, T0 + i, &tok[i], &s), 0);
	}
	assert_int_equal(testdb_i64(fx->db, "SELECT COUNT(*) FROM sessions "
	    "WHERE user_id = ?", 1, anna, 0), LIMIT_SESSIONS_PER_USER);
	assert_int_equal(session_lookup(fx->db, &pol, tok[0].p, T0 + 20, &l),
	    ERR_AUTH);
	assert_int_equal(session_lookup(fx->db, &pol, tok[1].p, T0 + 20, &l),
	    ERR_AUTH);
	for (i = 2; i < LIMIT_SESSIONS_PER_USER + 2; i++)
		assert_int_equal(session_lookup(fx->db, &pol, tok[i].p,
		    T0 + 20, &l), 0);
	/* Another user's session is not counted. */
	assert_int_equal(session_lookup(fx->db, &pol, other.p, T0 + 20, &l), 0);
	/* A server's own cap (sessions_per_user). */
	for (i = 0; i < 3; i++)
		assert_int_equal(session_create_capped(fx->db, 2, bert, 0,
		    false, false, NULL, NULL, T0 + 30 + i, &other, &s), 0);
	assert_int_equal(testdb_i64(fx->db, "SELECT COUNT(*) FROM sessions "
	    "WHERE user_id = ?", 1, bert, 0), 2);
	for (i = 0; i < LIMIT_SESSIONS_PER_USER + 2; i++)
		buf_release(&tok[i]);
	buf_release(&other);
}

#define T(f, g) cmocka_unit_test_prestate_setup_teardown(f, testdb_fx_setup, \
    testdb_fx_teardown, g)

static int
run(const char *name, struct testdb *g)
{
	const struct CMUnitTest tests[] = {
		T(create_then_lookup_finds_the_same_session, g),
		T(unknown_and_malformed_tokens_are_refused, g),
		T(every_login_gets_a_new_token, g),
		T(idle_sessions_end, g),
		T(absolute_limit_ends_even_busy_sessions, g),
		T(last_seen_is_written_at_most_once_a_minute, g),
		T(destroy_ends_one_and_destroy_user_ends_all, g),
		T(csrf_check_is_exact, g),
		T(role_follows_the_membership_and_disabling_ends_sessions, g),
		T(second_factor_pending_then_promoted, g),
		T(organisation_choice_needs_membership, g),
		T(purge_removes_only_expired_sessions, g),
		T(cache_answers_from_memory_and_follows_every_write, g),
		T(rotation_gives_a_new_token_and_kills_the_old, g),
		T(sessions_per_user_are_capped_oldest_first, g),
	};

	return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}

int
main(void)
{
	if (crypto_init() != 0)
		return 1;
	return testdb_run_backends(TEST_NAME, 0, run) != 0;
}
