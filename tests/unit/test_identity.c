/*
 * test_identity.c - organisations, accounts, memberships, password rules,
 * log-in with its throttle, invitations, password resets and two factors.
 * Runs on SQLite always and on PostgreSQL too when INFUUS_TEST_PG holds a
 * URL (in a database of its own, made anew for each run).
 *
 * Password hashes are real argon2id (a few tens of milliseconds each, more
 * under ASan), so the tests make few of them: throttling is driven with
 * over-long passwords, which crypto.c refuses before hashing.
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
#include <sodium.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "identity/totp.h"
#include "keys/keyring.h"
#include "store/db.h"
#include "testdb.h"

#define TEST_NAME "identity"

/* The fixture is testdb.h's: a database of this program's own per backend,
 * emptied before each test by testdb_fx_setup. */

/* --- Helpers ------------------------------------------------------------ */

#define T0 ((time_t)1700000000)
#define PW_ANNA "anna-zegt-hallo-42"
#define PW_BERT "bert-fietst-naar-huis"
#define PW_NEW "nieuw-wachtwoord-voor-mij"

static int64_t
new_user(struct testdb_fx *fx, const char *email, const char *name,
    const char *pw)
{
	int64_t id = 0;

	assert_int_equal(user_create(fx->db, email, name, pw, "nl", &id), 0);
	assert_true(id > 0);
	return id;
}

/* A password crypto.c refuses before hashing: failures that cost no
 * argon2id run, so the throttle can be driven to its limits quickly. */
static const char *
long_password(void)
{
	static const char pw[] =
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxx";

	_Static_assert(sizeof(pw) - 1 > LIMIT_PASSWORD_MAX, "not long enough");
	return pw;
}

static int
login(struct testdb_fx *fx, const char *email, const char *pw, const char *addr,
    time_t now, struct login_result *r)
{
	return login_password(fx->db, email, pw, addr, now, r);
}

static double
seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- Roles and password rules (no database) ----------------------------- */

static void
role_names_round_trip_and_refuse_unknown(void **state)
{
	static const enum role all[] = { ROLE_ADMIN, ROLE_PROFESSIONAL,
	    ROLE_VOLUNTEER, ROLE_CLIENT, ROLE_STAKEHOLDER, ROLE_RESEARCHER };
	enum role r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		assert_true(role_valid((int)all[i]));
		assert_int_equal(role_parse(str_c(role_name(all[i])), &r), 0);
		assert_int_equal(r, all[i]);
	}
	assert_string_equal(role_name(ROLE_PROFESSIONAL), "professional");
	assert_string_equal(role_name(0), "none");
	assert_string_equal(role_name(ROLE_ADMIN | ROLE_CLIENT), "none");
	assert_false(role_valid(0));
	assert_false(role_valid(ROLE_ADMIN | ROLE_CLIENT));
	assert_false(role_valid(1 << 6));
	assert_int_equal(role_parse(STR("Admin"), &r), ERR_INVAL);
	assert_int_equal(role_parse(STR("admin "), &r), ERR_INVAL);
	assert_int_equal(role_parse(STR(""), &r), ERR_INVAL);
}

static void
password_rules_refuse_short_long_monotonous_and_common(void **state)
{
	char buf[LIMIT_PASSWORD_MAX + 2];
	struct why why = { 0 };

	(void)state;
	assert_int_equal(user_password_ok("kort-maar", 9, &why), ERR_INVAL);
	assert_non_null(why.msg);
	/* The reason is the password field's, the limit that of limits.h. */
	assert_string_equal(why.field, "password");
	assert_int_equal(why.limit, LIMIT_PASSWORD_MIN);
	memset(&why, 0, sizeof(why));
	assert_int_equal(user_password_ok("twaalf-tekens", 13, &why), 0);
	assert_null(why.msg);
	/* Exactly the minimum passes. */
	assert_int_equal(user_password_ok("abcdefghijkz", 12, &why), 0);
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "bcdef", 5);
	assert_int_equal(user_password_ok(buf, LIMIT_PASSWORD_MAX, &why), 0);
	assert_int_equal(user_password_ok(buf, LIMIT_PASSWORD_MAX + 1, &why),
	    ERR_INVAL);
	assert_int_equal(user_password_ok("aaaaaaaaaaaaaaaa", 16, &why),
	    ERR_INVAL);
	assert_int_equal(user_password_ok("abababababab", 12, &why), ERR_INVAL);
	assert_int_equal(user_password_ok("passwordpassword", 16, &why),
	    ERR_INVAL);
	assert_int_equal(user_password_ok("PasswordPassword", 16, &why),
	    ERR_INVAL);
	assert_int_equal(user_password_ok("123456789012", 12, &why), ERR_INVAL);
	assert_int_equal(user_password_ok("qwertyuiopas", 12, &why), ERR_INVAL);
	assert_int_equal(user_password_ok("abc\0defghijklm", 14, &why),
	    ERR_INVAL);
}

/* --- Organisations, accounts, memberships ------------------------------- */

static void
orgs_are_created_found_and_unique_by_slug(void **state)
{
	struct testdb_fx *fx = *state;
	struct arena a;
	struct org o;
	int64_t id, dup = 0;

	arena_init(&a);
	id = testdb_new_org(fx->db, fx->kr, "Praktijk Anna", "praktijk-anna");
	assert_int_equal(org_get(fx->db, id, &a, &o), 0);
	assert_int_equal(o.id, id);
	assert_string_equal(o.name, "Praktijk Anna");
	assert_string_equal(o.slug, "praktijk-anna");
	assert_string_equal(o.tz, "Europe/Amsterdam");
	assert_false(o.require_2fa);
	assert_true(o.created_at > 0);
	assert_int_equal(org_by_slug(fx->db, "praktijk-anna", &a, &o), 0);
	assert_int_equal(o.id, id);
	assert_int_equal(org_by_slug(fx->db, "praktijk-bert", &a, &o),
	    ERR_NOTFOUND);
	assert_int_equal(org_create(fx->db, fx->kr, "Een ander",
	    "praktijk-anna", "Europe/Amsterdam", &dup), ERR_CONFLICT);
	assert_int_equal(dup, 0);
	assert_int_equal(org_create(fx->db, fx->kr, "Spaties", "met spatie",
	    NULL, &dup), ERR_INVAL);
	assert_int_equal(org_create(fx->db, fx->kr, "Hoofd", "Hoofdletters",
	    NULL, &dup), ERR_INVAL);
	assert_int_equal(org_create(fx->db, fx->kr, "", "leeg", NULL, &dup),
	    ERR_INVAL);
	assert_int_equal(org_create(fx->db, fx->kr, "Zone", "zone",
	    "../etc/passwd", &dup), ERR_INVAL);
	assert_int_equal(org_set_require_2fa(fx->db, id, true), 0);
	assert_int_equal(org_get(fx->db, id, &a, &o), 0);
	assert_true(o.require_2fa);
	assert_int_equal(org_set_require_2fa(fx->db, id + 1000, true),
	    ERR_NOTFOUND);
	assert_int_equal(org_get(fx->db, id + 1000, &a, &o), ERR_NOTFOUND);
	/* The organisation got its data key in the same job. */
	assert_int_equal(testdb_i64(fx->db, "SELECT COUNT(*) FROM org_keys "
	    "WHERE org_id = ?", 1, id, 0), 1);
	arena_release(&a);
}

static void
accounts_have_unique_case_insensitive_addresses(void **state)
{
	struct testdb_fx *fx = *state;
	struct arena a;
	struct user u;
	int64_t id, dup = 0;

	arena_init(&a);
	id = new_user(fx, "  Anna@Example.ORG ", "Anna de Vries", PW_ANNA);
	assert_int_equal(user_get(fx->db, id, &a, &u), 0);
	assert_string_equal(u.email, "anna@example.org");
	assert_string_equal(u.name, "Anna de Vries");
	assert_string_equal(u.lang, "nl");
	assert_false(u.totp_enabled);
	assert_false(u.disabled);
	assert_int_equal(user_by_email(fx->db, "ANNA@example.org", &a, &u), 0);
	assert_int_equal(u.id, id);
	assert_int_equal(user_by_email(fx->db, "bert@example.org", &a, &u),
	    ERR_NOTFOUND);
	assert_int_equal(user_create(fx->db, "anna@EXAMPLE.org", "Andere Anna",
	    PW_BERT, "en", &dup), ERR_CONFLICT);
	assert_int_equal(dup, 0);
	/* Refused before any hashing. */
	assert_int_equal(user_create(fx->db, "geen-adres", "X", PW_BERT, "nl",
	    &dup), ERR_INVAL);
	assert_int_equal(user_create(fx->db, "a@b@example.org", "X", PW_BERT,
	    "nl", &dup), ERR_INVAL);
	assert_int_equal(user_create(fx->db, "x@example", "X", PW_BERT, "nl",
	    &dup), ERR_INVAL);
	assert_int_equal(user_create(fx->db, "x<y>@example.org", "X", PW_BERT,
	    "nl", &dup), ERR_INVAL);
	assert_int_equal(user_create(fx->db, "c@example.org", "Kort", "kort",
	    "nl", &dup), ERR_INVAL);
	assert_int_equal(user_create(fx->db, "c@example.org", "", PW_BERT,
	    "nl", &dup), ERR_INVAL);
	assert_int_equal(user_create(fx->db, "c@example.org", "Taal", PW_BERT,
	    "de", &dup), ERR_INVAL);
	assert_int_equal(user_create(fx->db, "c@example.org", "Regel\nbreuk",
	    PW_BERT, "nl", &dup), ERR_INVAL);

	/* Profile: NULL keeps a field. */
	assert_int_equal(user_set_profile(fx->db, id, NULL, "en", NULL), 0);
	assert_int_equal(user_get(fx->db, id, &a, &u), 0);
	assert_string_equal(u.name, "Anna de Vries");
	assert_string_equal(u.lang, "en");
	assert_int_equal(user_set_profile(fx->db, id, "Anna V.", NULL, NULL), 0);
	assert_int_equal(user_get(fx->db, id, &a, &u), 0);
	assert_string_equal(u.name, "Anna V.");
	assert_string_equal(u.lang, "en");
	assert_int_equal(user_set_profile(fx->db, id, NULL, "fr", NULL), ERR_INVAL);
	assert_int_equal(user_set_profile(fx->db, id + 99, "X", NULL, NULL),
	    ERR_NOTFOUND);
	/* The stored hash is argon2id, never the password. */
	assert_int_equal(testdb_i64(fx->db, "SELECT COUNT(*) FROM users "
	    "WHERE id = ? AND pw_hash LIKE '$argon2id$%'", 1, id, 0), 1);
	arena_release(&a);
}

static void
memberships_list_change_and_keep_an_admin(void **state)
{
	struct testdb_fx *fx = *state;
	struct arena a;
	struct membership *m;
	size_t n;
	enum role r;
	int64_t org, org2, anna, bert;

	arena_init(&a);
	org = testdb_new_org(fx->db, fx->kr, "Praktijk Anna", "praktijk-anna");
	org2 = testdb_new_org(fx->db, fx->kr, "Buurtteam", "buurtteam");
	/* Rows made directly: memberships need no password hashing. */
	testdb_write(fx->db, "INSERT INTO users (email, name, pw_hash, "
	    "created_at) VALUES ('anna@example.org', 'Anna', 'x', 1)", 0, 0, 0);
	testdb_write(fx->db, "INSERT INTO users (email, name, pw_hash, "
	    "created_at) VALUES ('bert@example.org', 'Bert', 'x', 1)", 0, 0, 0);
	anna = testdb_i64(fx->db, "SELECT id FROM users WHERE email = "
	    "'anna@example.org'", 0, 0, 0);
	bert = testdb_i64(fx->db, "SELECT id FROM users WHERE email = "
	    "'bert@example.org'", 0, 0, 0);

	assert_int_equal(member_add(fx->db, org, anna, ROLE_ADMIN), 0);
	assert_int_equal(member_add(fx->db, org, bert, ROLE_CLIENT), 0);
	assert_int_equal(member_add(fx->db, org2, anna, ROLE_PROFESSIONAL), 0);
	assert_int_equal(member_add(fx->db, org, anna, ROLE_CLIENT),
	    ERR_CONFLICT);
	assert_int_equal(member_add(fx->db, org, bert,
	    ROLE_ADMIN | ROLE_CLIENT), ERR_INVAL);
	assert_int_equal(member_add(fx->db, org, bert + 100, ROLE_CLIENT),
	    ERR_CONFLICT);
	assert_int_equal(member_add(fx->db, org + 100, bert, ROLE_CLIENT),
	    ERR_CONFLICT);

	assert_int_equal(member_role(fx->db, org, anna, &r), 0);
	assert_int_equal(r, ROLE_ADMIN);
	assert_int_equal(member_role(fx->db, org2, bert, &r), ERR_NOTFOUND);

	assert_int_equal(member_list(fx->db, org, &a, &m, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].user_name, "Anna");
	assert_int_equal(m[0].role, ROLE_ADMIN);
	assert_string_equal(m[1].user_email, "bert@example.org");
	assert_int_equal(m[1].role, ROLE_CLIENT);
	assert_string_equal(m[1].org_name, "Praktijk Anna");

	assert_int_equal(member_orgs(fx->db, anna, &a, &m, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].org_name, "Buurtteam");
	assert_int_equal(m[0].role, ROLE_PROFESSIONAL);
	assert_int_equal(m[1].org_id, org);
	assert_int_equal(member_orgs(fx->db, bert + 100, &a, &m, &n), 0);
	assert_int_equal(n, 0);

	/* The last admin can be neither demoted nor removed ... */
	assert_int_equal(member_set_role(fx->db, org, anna, ROLE_CLIENT, NULL),
	    ERR_CONFLICT);
	assert_int_equal(member_remove(fx->db, org, anna), ERR_CONFLICT);
	/* ... until there is another. */
	assert_int_equal(member_set_role(fx->db, org, bert, ROLE_ADMIN, NULL), 0);
	assert_int_equal(member_set_role(fx->db, org, anna, ROLE_PROFESSIONAL, NULL),
	    0);
	assert_int_equal(member_role(fx->db, org, anna, &r), 0);
	assert_int_equal(r, ROLE_PROFESSIONAL);
	assert_int_equal(member_remove(fx->db, org, anna), 0);
	assert_int_equal(member_role(fx->db, org, anna, &r), ERR_NOTFOUND);
	assert_int_equal(member_remove(fx->db, org, anna), ERR_NOTFOUND);
	assert_int_equal(member_set_role(fx->db, org, anna, ROLE_CLIENT, NULL),
	    ERR_NOTFOUND);
	/* A member without admin rights may leave freely. */
	assert_int_equal(member_remove(fx->db, org2, anna), 0);
	arena_release(&a);
}

/* --- Log-in ------------------------------------------------------------- */

static void
login_answers_alike_for_unknown_wrong_and_disabled(void **state)
{
	struct testdb_fx *fx = *state;
	struct login_result r;
	double t0, t_wrong, t_unknown;
	int64_t anna;

	anna = new_user(fx, "anna@example.org", "Anna", PW_ANNA);
	assert_int_equal(login(fx, "ANNA@example.org ", PW_ANNA, "192.0.2.1",
	    T0, &r), 0);
	assert_int_equal(r.user_id, anna);
	assert_false(r.needs_totp);
	assert_int_equal(r.delay_ms, 0);

	t0 = seconds_now();
	assert_int_equal(login(fx, "anna@example.org", "verkeerd-wachtwoord",
	    "192.0.2.1", T0 + 1, &r), ERR_LOGIN);
	t_wrong = seconds_now() - t0;
	assert_int_equal(r.user_id, 0);
	t0 = seconds_now();
	assert_int_equal(login(fx, "niemand@example.org", PW_ANNA, "192.0.2.1",
	    T0 + 2, &r), ERR_LOGIN);
	t_unknown = seconds_now() - t0;
	assert_int_equal(r.user_id, 0);
	/* An unknown address still costs an argon2id verification: not
	 * measurably cheaper than a wrong password (a generous bound, so a
	 * busy machine does not make this flaky). */
	if (t_unknown < t_wrong / 4)
		fail_msg("unknown address took %.4f s, wrong password %.4f s",
		    t_unknown, t_wrong);

	assert_int_equal(user_set_disabled(fx->db, anna, true), 0);
	assert_int_equal(login(fx, "anna@example.org", PW_ANNA, "192.0.2.1",
	    T0 + 3, &r), ERR_LOGIN);
	assert_int_equal(r.user_id, 0);
	assert_int_equal(user_set_disabled(fx->db, anna, false), 0);
	assert_int_equal(login(fx, "anna@example.org", PW_ANNA, "192.0.2.1",
	    T0 + 4, &r), 0);
	assert_int_equal(r.user_id, anna);
}

static void
password_change_and_check(void **state)
{
	struct testdb_fx *fx = *state;
	int64_t anna;

	anna = new_user(fx, "anna@example.org", "Anna", PW_ANNA);
	assert_int_equal(user_check_password(fx->db, anna, PW_ANNA), 0);
	assert_int_equal(user_set_password(fx->db, anna, "kort", 0, NULL),
	    ERR_INVAL);
	assert_int_equal(user_set_password(fx->db, anna, PW_NEW, 0, NULL), 0);
	assert_int_equal(user_check_password(fx->db, anna, PW_ANNA), ERR_LOGIN);
	assert_int_equal(user_check_password(fx->db, anna, PW_NEW), 0);
	assert_int_equal(user_check_password(fx->db, anna + 5, PW_NEW),
	    ERR_NOTFOUND);
	assert_int_equal(user_set_password(fx->db, anna + 5, PW_NEW, 0, NULL),
	    ERR_NOTFOUND);
}

static void
reauthentication_is_throttled(void **state)
{
	struct testdb_fx *fx = *state;
	int64_t anna;
	int n, rc = 0;

	testdb_write(fx->db, "INSERT INTO users (email, name, pw_hash, "
	    "created_at) VALUES ('anna@example.org', 'Anna', 'x', 1)", 0, 0, 0);
	anna = testdb_i64(fx->db, "SELECT id FROM users", 0, 0, 0);
	for (n = 0; n < LIMIT_LOGIN_FREE_FAILS; n++)
		assert_int_equal(user_check_password(fx->db, anna,
		    long_password()), ERR_LOGIN);
	/* These use the wall clock: the delay (250 ms, doubling) outgrows
	 * any second boundary crossed within a few attempts. */
	for (n = 0; n < 6 && rc != ERR_THROTTLED; n++) {
		rc = user_check_password(fx->db, anna, long_password());
		assert_true(rc == ERR_LOGIN || rc == ERR_THROTTLED);
	}
	assert_int_equal(rc, ERR_THROTTLED);
}

struct weak_job {
	const char *hash;
};

static int
weak_run(struct db_conn *c, void *arg)
{
	struct weak_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO users (email, name, pw_hash, "
	    "created_at) VALUES ('oud@example.org', 'Oud', ?, 1)", &st)) != 0)
		return rc;
	db_bind_textz(st, 1, j->hash);
	rc = db_step(st);
	db_done(st);
	return rc < 0 ? rc : 0;
}

static void
login_upgrades_a_weak_hash(void **state)
{
	struct testdb_fx *fx = *state;
	char weak[crypto_pwhash_STRBYTES];
	struct weak_job j = { weak };
	struct login_result r;
	struct db_conn *c;
	struct db_stmt *st;
	char stored[crypto_pwhash_STRBYTES];

	/* A hash as an older release might have made: argon2id, t=1, 8 MiB. */
	assert_int_equal(crypto_pwhash_str_alg(weak, PW_ANNA, strlen(PW_ANNA),
	    1, 8u << 20, crypto_pwhash_ALG_ARGON2ID13), 0);
	assert_true(crypto_password_needs_rehash(weak));
	assert_int_equal(db_write(fx->db, weak_run, &j), 0);
	assert_int_equal(login(fx, "oud@example.org", PW_ANNA, NULL, T0, &r),
	    0);

	assert_int_equal(db_read_begin(fx->db, &c), 0);
	assert_int_equal(db_prepare(c, "SELECT pw_hash FROM users "
	    "WHERE email = 'oud@example.org'", &st), 0);
	assert_int_equal(db_step(st), DB_ROW);
	snprintf(stored, sizeof(stored), "%.*s", (int)db_col_text(st, 0).len,
	    db_col_text(st, 0).p);
	db_done(st);
	db_read_end(fx->db, c);
	assert_string_not_equal(stored, weak);
	assert_false(crypto_password_needs_rehash(stored));
	assert_int_equal(crypto_password_verify(stored, PW_ANNA,
	    strlen(PW_ANNA)), 0);
}

static void
login_delay_grows_after_the_free_failures(void **state)
{
	struct testdb_fx *fx = *state;
	static const int grow[] = { 500, 1000, 2000, 4000, 8000, 16000, 30000,
	    30000 };
	struct login_result r;
	const char *who = "niemand@example.org";
	time_t now = T0;
	size_t i;
	int n;

	/* The free failures: no delay owed, until the fifth. */
	for (n = 1; n <= LIMIT_LOGIN_FREE_FAILS; n++) {
		assert_int_equal(login(fx, who, long_password(), "192.0.2.1",
		    now, &r), ERR_LOGIN);
		assert_int_equal(r.delay_ms, n < LIMIT_LOGIN_FREE_FAILS ? 0 :
		    250);
	}
	/* Too soon after: refused unheard, with the time left. */
	assert_int_equal(login(fx, who, long_password(), "192.0.2.1", now, &r),
	    ERR_THROTTLED);
	assert_int_equal(r.delay_ms, 250);
	/* Each next failure doubles the delay, up to 30 s. */
	for (i = 0; i < sizeof(grow) / sizeof(grow[0]); i++) {
		int owed = i == 0 ? 250 : grow[i - 1];
		time_t wait = (owed + 999) / 1000;

		if (wait > 1) {
			assert_int_equal(login(fx, who, long_password(),
			    "192.0.2.1", now + wait - 1, &r), ERR_THROTTLED);
			assert_int_equal(r.delay_ms, owed - (wait - 1) * 1000);
		}
		now += wait;
		assert_int_equal(login(fx, who, long_password(), "192.0.2.1",
		    now, &r), ERR_LOGIN);
		assert_int_equal(r.delay_ms, grow[i]);
	}
	/* Another account from the same address is not slowed down. */
	assert_int_equal(login(fx, "iemand@example.org", long_password(),
	    "192.0.2.1", now, &r), ERR_LOGIN);
	assert_int_equal(r.delay_ms, 0);
}

static void
login_locks_at_the_hourly_limit_and_success_resets(void **state)
{
	struct testdb_fx *fx = *state;
	struct login_result r;
	time_t now = T0, first = T0;
	int64_t anna;
	int n;

	anna = new_user(fx, "anna@example.org", "Anna", PW_ANNA);
	/* Success clears the failures: five failures, then the password,
	 * then a failure owes no delay again. */
	for (n = 0; n < LIMIT_LOGIN_FREE_FAILS; n++)
		assert_int_equal(login(fx, "anna@example.org", long_password(),
		    NULL, now, &r), ERR_LOGIN);
	assert_int_equal(r.delay_ms, 250);
	now += 1;
	assert_int_equal(login(fx, "anna@example.org", PW_ANNA, NULL, now, &r),
	    0);
	assert_int_equal(r.user_id, anna);
	assert_int_equal(login(fx, "anna@example.org", long_password(), NULL,
	    now, &r), ERR_LOGIN);
	assert_int_equal(r.delay_ms, 0);

	/* 100 failures in the hour (31 s apart, past the longest delay)
	 * lock the account: even the right password is not checked. */
	first = now;
	for (n = 1; n < LIMIT_LOGIN_FAILS_HOUR; n++) {
		now += 31;
		assert_int_equal(login(fx, "anna@example.org", long_password(),
		    NULL, now, &r), ERR_LOGIN);
	}
	now += 31;
	assert_int_equal(login(fx, "anna@example.org", PW_ANNA, NULL, now, &r),
	    ERR_THROTTLED);
	assert_int_equal(r.user_id, 0);
	assert_int_equal(r.delay_ms, (first + 3600 - now) * 1000);
	/* When the first failure leaves the hour, the account opens. */
	now = first + 3600;
	assert_int_equal(login(fx, "anna@example.org", PW_ANNA, NULL, now, &r),
	    0);
	assert_int_equal(r.user_id, anna);
}

static void
login_throttles_an_address_across_accounts(void **state)
{
	struct testdb_fx *fx = *state;
	struct login_result r;
	char email[64];
	int n;

	for (n = 0; n < LIMIT_LOGIN_FAILS_ADDR_HOUR; n++) {
		snprintf(email, sizeof(email), "probe%d@example.org", n);
		assert_int_equal(login(fx, email, long_password(),
		    "198.51.100.7", T0, &r), ERR_LOGIN);
		assert_int_equal(r.delay_ms, 0);
	}
	assert_int_equal(login(fx, "nog-een@example.org", long_password(),
	    "198.51.100.7", T0 + 10, &r), ERR_THROTTLED);
	assert_int_equal(r.delay_ms, 3590 * 1000);
	/* Another address is not affected. */
	assert_int_equal(login(fx, "nog-een@example.org", long_password(),
	    "198.51.100.8", T0 + 10, &r), ERR_LOGIN);
	/* An hour later the address may try again. */
	assert_int_equal(login(fx, "nog-een@example.org", long_password(),
	    "198.51.100.7", T0 + 3600, &r), ERR_LOGIN);
}

/* --- Invitations -------------------------------------------------------- */

static void
invitation_makes_an_account_once(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct arena a;
	struct invite inv;
	struct user u;
	time_t now = time(NULL);
	enum role r;
	int64_t org, uid = 0, uid2 = 0;

	arena_init(&a);
	org = testdb_new_org(fx->db, fx->kr, "Praktijk Anna", "praktijk-anna");
	assert_int_equal(invite_create(fx->db, org, "Nieuw@Example.org",
	    ROLE_CLIENT, 0, &tok, NULL), 0);
	assert_int_equal(tok.len, 43);
	/* Only the hash is stored. */
	assert_int_equal(testdb_i64(fx->db, "SELECT COUNT(*) FROM invites "
	    "WHERE length(token_hash) = 32", 0, 0, 0), 1);

	assert_int_equal(invite_lookup(fx->db, tok.p, now, &a, &inv), 0);
	assert_int_equal(inv.org_id, org);
	assert_string_equal(inv.org_name, "Praktijk Anna");
	assert_string_equal(inv.email, "nieuw@example.org");
	assert_int_equal(inv.role, ROLE_CLIENT);
	assert_false(inv.account_exists);
	assert_true(inv.expires_at >= now + LIMIT_INVITE_TTL - 5 &&
	    inv.expires_at <= now + LIMIT_INVITE_TTL + 5);

	assert_int_equal(invite_lookup(fx->db,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", now, &a, &inv),
	    ERR_NOTFOUND);
	assert_int_equal(invite_accept(fx->db, "kort", "X", PW_NEW, "nl", now,
	    &uid, NULL), ERR_NOTFOUND);
	/* A refused password leaves the invitation usable. */
	assert_int_equal(invite_accept(fx->db, tok.p, "Nieuw", "kort", "nl",
	    now, &uid, NULL), ERR_INVAL);
	assert_int_equal(invite_accept(fx->db, tok.p, "", PW_NEW, "nl", now,
	    &uid, NULL), ERR_INVAL);
	assert_int_equal(invite_accept(fx->db, tok.p, "Nieuw Lid", PW_NEW,
	    "en", now, &uid, NULL), 0);
	assert_true(uid > 0);
	assert_int_equal(user_get(fx->db, uid, &a, &u), 0);
	assert_string_equal(u.email, "nieuw@example.org");
	assert_string_equal(u.name, "Nieuw Lid");
	assert_string_equal(u.lang, "en");
	assert_int_equal(member_role(fx->db, org, uid, &r), 0);
	assert_int_equal(r, ROLE_CLIENT);

	assert_int_equal(invite_accept(fx->db, tok.p, "Nog eens", PW_NEW, "nl",
	    now, &uid2, NULL), ERR_GONE);
	assert_int_equal(uid2, 0);
	assert_int_equal(invite_lookup(fx->db, tok.p, now, &a, &inv), ERR_GONE);

	assert_int_equal(invite_create(fx->db, org, "geen adres", ROLE_CLIENT,
	    0, &tok, NULL), ERR_INVAL);
	assert_int_equal(tok.len, 0);
	assert_int_equal(invite_create(fx->db, org, "x@example.org", 0, 0,
	    &tok, NULL), ERR_INVAL);
	assert_int_equal(invite_create(fx->db, org + 100, "x@example.org",
	    ROLE_CLIENT, 0, &tok, NULL), ERR_CONFLICT);
	buf_release(&tok);
	arena_release(&a);
}

static void
invitation_for_an_existing_account_needs_its_password(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct arena a;
	struct invite inv;
	time_t now = time(NULL);
	enum role r;
	int64_t org, org2, anna, uid = 0;

	arena_init(&a);
	org = testdb_new_org(fx->db, fx->kr, "Praktijk Anna", "praktijk-anna");
	org2 = testdb_new_org(fx->db, fx->kr, "Buurtteam", "buurtteam");
	anna = new_user(fx, "anna@example.org", "Anna", PW_ANNA);
	assert_int_equal(member_add(fx->db, org, anna, ROLE_ADMIN), 0);
	assert_int_equal(invite_create(fx->db, org2, "ANNA@example.org",
	    ROLE_PROFESSIONAL, anna, &tok, NULL), 0);
	assert_int_equal(invite_lookup(fx->db, tok.p, now, &a, &inv), 0);
	assert_true(inv.account_exists);
	assert_int_equal(invite_accept(fx->db, tok.p, "Ander", PW_NEW, "en",
	    now, &uid, NULL), ERR_LOGIN);
	assert_int_equal(uid, 0);
	assert_int_equal(member_role(fx->db, org2, anna, &r), ERR_NOTFOUND);
	assert_int_equal(invite_accept(fx->db, tok.p, NULL, PW_ANNA, NULL, now,
	    &uid, NULL), 0);
	assert_int_equal(uid, anna);
	assert_int_equal(member_role(fx->db, org2, anna, &r), 0);
	assert_int_equal(r, ROLE_PROFESSIONAL);
	/* Still one account, with its own password. */
	assert_int_equal(testdb_i64(fx->db, "SELECT COUNT(*) FROM users", 0, 0,
	    0), 1);
	buf_release(&tok);
	arena_release(&a);
}

static void
invitation_expires(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct arena a;
	struct invite inv;
	time_t now = time(NULL);
	int64_t org, uid = 0;

	arena_init(&a);
	org = testdb_new_org(fx->db, fx->kr, "Praktijk Anna", "praktijk-anna");
	assert_int_equal(invite_create(fx->db, org, "laat@example.org",
	    ROLE_CLIENT, 0, &tok, NULL), 0);
	now += LIMIT_INVITE_TTL + 5;
	assert_int_equal(invite_lookup(fx->db, tok.p, now, &a, &inv), ERR_GONE);
	/* Refused before any hashing, and nothing was made. */
	assert_int_equal(invite_accept(fx->db, tok.p, "Laat", PW_NEW, "nl",
	    now, &uid, NULL), ERR_GONE);
	assert_int_equal(testdb_i64(fx->db, "SELECT COUNT(*) FROM users", 0, 0,
	    0), 0);
	buf_release(&tok);
	arena_release(&a);
}

/* --- Password reset ----------------------------------------------------- */

static void
reset_is_silent_for_unknown_addresses(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	int64_t uid = -1;

	buf_adds(&tok, "stale");
	assert_int_equal(reset_request(fx->db, "niemand@example.org", T0, &tok,
	    &uid), 0);
	assert_int_equal(tok.len, 0);
	assert_int_equal(uid, 0);
	assert_int_equal(reset_request(fx->db, "geen adres", T0, &tok, &uid),
	    0);
	assert_int_equal(tok.len, 0);
	assert_int_equal(testdb_i64(fx->db,
	    "SELECT COUNT(*) FROM password_resets", 0, 0, 0), 0);
	buf_release(&tok);
}

static void
reset_sets_the_password_once_and_ends_sessions(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT, tok2 = BUF_INIT, stok = BUF_INIT;
	struct session s;
	time_t now = T0;
	int64_t anna, uid = 0;

	anna = new_user(fx, "anna@example.org", "Anna", PW_ANNA);
	assert_int_equal(session_create(fx->db, anna, 0, true, false, NULL,
	    NULL, now, &stok, &s), 0);
	assert_int_equal(reset_request(fx->db, "Anna@Example.org", now, &tok,
	    &uid), 0);
	assert_int_equal(tok.len, 43);
	assert_int_equal(uid, anna);
	assert_int_equal(reset_request(fx->db, "anna@example.org", now, &tok2,
	    &uid), 0);
	assert_int_equal(tok2.len, 43);
	assert_string_not_equal(tok.p, tok2.p);

	assert_int_equal(reset_lookup(fx->db, tok.p, now + 60), 0);
	assert_int_equal(reset_lookup(fx->db,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", now), ERR_NOTFOUND);
	/* A refused password leaves the link usable. */
	assert_int_equal(reset_complete(fx->db, tok.p, "kort", now + 60, &uid,
	    NULL), ERR_INVAL);
	assert_int_equal(reset_complete(fx->db, tok.p, PW_NEW, now + 60, &uid,
	    NULL), 0);
	assert_int_equal(uid, anna);
	assert_int_equal(user_check_password(fx->db, anna, PW_NEW), 0);
	assert_int_equal(user_check_password(fx->db, anna, PW_ANNA), ERR_LOGIN);
	assert_int_equal(session_lookup(fx->db, NULL, stok.p, now + 60, &s),
	    ERR_AUTH);
	/* Used, and the other link of the same account retired with it. */
	assert_int_equal(reset_complete(fx->db, tok.p, PW_BERT, now + 70, &uid,
	    NULL), ERR_GONE);
	assert_int_equal(reset_lookup(fx->db, tok2.p, now + 70), ERR_GONE);
	assert_int_equal(reset_complete(fx->db, tok2.p, PW_BERT, now + 70,
	    &uid, NULL), ERR_GONE);
	buf_release(&tok);
	buf_release(&tok2);
	buf_release(&stok);
}

static void
reset_links_expire_and_are_capped_per_hour(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	time_t now = T0;
	int64_t uid = 0;
	int n;

	testdb_write(fx->db, "INSERT INTO users (email, name, pw_hash, "
	    "created_at) VALUES ('anna@example.org', 'Anna', 'x', 1)", 0, 0, 0);
	assert_int_equal(reset_request(fx->db, "anna@example.org", now, &tok,
	    &uid), 0);
	assert_int_equal(tok.len, 43);
	assert_int_equal(reset_lookup(fx->db, tok.p, now + LIMIT_RESET_TTL),
	    ERR_GONE);
	assert_int_equal(reset_complete(fx->db, tok.p, PW_NEW,
	    now + LIMIT_RESET_TTL + 1, &uid, NULL), ERR_GONE);
	for (n = 1; n < LIMIT_RESET_PER_HOUR; n++) {
		assert_int_equal(reset_request(fx->db, "anna@example.org",
		    now + n, &tok, &uid), 0);
		assert_int_equal(tok.len, 43);
	}
	/* Over the cap: the same answer as for an unknown address. */
	assert_int_equal(reset_request(fx->db, "anna@example.org", now + 10,
	    &tok, &uid), 0);
	assert_int_equal(tok.len, 0);
	assert_int_equal(uid, 0);
	assert_int_equal(reset_request(fx->db, "anna@example.org", now + 3601,
	    &tok, &uid), 0);
	assert_int_equal(tok.len, 43);
	buf_release(&tok);
}

/* --- Two factors -------------------------------------------------------- */

/* The secret from the manual-entry form, as an authenticator app has it. */
static void
code_at(const struct buf *b32, time_t t, struct buf *code)
{
	struct buf secret = BUF_INIT;

	assert_int_equal(totp_base32_decode(buf_str(b32), &secret), 0);
	assert_int_equal(secret.len, TOTP_SECRET_BYTES);
	buf_reset(code);
	assert_int_equal(totp_code((const unsigned char *)secret.p, secret.len,
	    (int64_t)t, 6, code), 0);
	buf_release(&secret);
}

/* A six-digit code that is valid for none of the steps around t. */
static void
wrong_code_at(const struct buf *b32, time_t t, struct buf *code)
{
	struct buf c[3] = { BUF_INIT, BUF_INIT, BUF_INIT };
	int v, i;

	for (i = 0; i < 3; i++)
		code_at(b32, t + (i - 1) * TOTP_PERIOD, &c[i]);
	for (v = 0;; v++) {
		buf_reset(code);
		buf_printf(code, "%06d", v);
		if (strcmp(code->p, c[0].p) != 0 &&
		    strcmp(code->p, c[1].p) != 0 &&
		    strcmp(code->p, c[2].p) != 0)
			break;
	}
	for (i = 0; i < 3; i++)
		buf_release(&c[i]);
}

static int64_t
enable_twofa(struct testdb_fx *fx, int64_t uid, time_t now, struct buf *b32,
    struct buf codes[LIMIT_RECOVERY_CODES])
{
	struct buf uri = BUF_INIT, code = BUF_INIT;

	assert_int_equal(twofa_begin(fx->db, fx->kr, uid, true, &uri, b32), 0);
	assert_true(strncmp(uri.p, "otpauth://totp/Infuus:", 22) == 0);
	assert_non_null(strstr(uri.p, b32->p));
	code_at(b32, now, &code);
	assert_int_equal(twofa_confirm(fx->db, fx->kr, uid, code.p, now,
	    codes), 0);
	buf_release(&uri);
	buf_release(&code);
	return uid;
}

static void
twofa_setup_codes_once_and_recovery(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf uri = BUF_INIT, b32 = BUF_INIT, code = BUF_INIT;
	struct buf codes[LIMIT_RECOVERY_CODES];
	struct login_result r;
	struct arena a;
	struct user u;
	time_t now = T0;
	char typed[32];
	int64_t anna;
	int i, k, left;

	arena_init(&a);
	for (i = 0; i < LIMIT_RECOVERY_CODES; i++)
		buf_init(&codes[i]);
	anna = new_user(fx, "anna@example.org", "Anna", PW_ANNA);
	assert_int_equal(twofa_begin(fx->db, fx->kr, anna, true, &uri, &b32), 0);
	assert_non_null(strstr(uri.p, "anna%40example.org"));
	/* Pending only: not on until confirmed. */
	assert_int_equal(user_get(fx->db, anna, &a, &u), 0);
	assert_false(u.totp_enabled);
	wrong_code_at(&b32, now, &code);
	assert_int_equal(twofa_confirm(fx->db, fx->kr, anna, code.p, now,
	    codes), ERR_TOTP);
	assert_int_equal(codes[0].len, 0);
	code_at(&b32, now, &code);
	assert_int_equal(twofa_confirm(fx->db, fx->kr, anna, code.p, now,
	    codes), 0);
	for (i = 0; i < LIMIT_RECOVERY_CODES; i++) {
		assert_int_equal(codes[i].len, 14);
		assert_int_equal(codes[i].p[4], '-');
		assert_int_equal(codes[i].p[9], '-');
		for (k = 0; k < i; k++)
			assert_string_not_equal(codes[i].p, codes[k].p);
	}
	assert_int_equal(user_get(fx->db, anna, &a, &u), 0);
	assert_true(u.totp_enabled);
	/* Sealed at rest: the stored secret is not the secret. */
	assert_int_equal(testdb_i64(fx->db, "SELECT length(totp_secret) "
	    "FROM users WHERE id = ?", 1, anna, 0), TOTP_SECRET_BYTES +
	    KEYRING_SEAL_OVERHEAD);
	/* No second set-up while on (and nothing is handed out). */
	assert_int_equal(twofa_begin(fx->db, fx->kr, anna, true, &uri, &code),
	    ERR_CONFLICT);
	assert_int_equal(uri.len, 0);
	assert_int_equal(code.len, 0);

	assert_int_equal(login(fx, "anna@example.org", PW_ANNA, NULL, now, &r),
	    0);
	assert_true(r.needs_totp);

	/* The confirming code was used already. */
	code_at(&b32, now, &code);
	assert_int_equal(twofa_verify(fx->db, fx->kr, anna, code.p, NULL, now),
	    ERR_TOTP);
	now += TOTP_PERIOD;
	code_at(&b32, now, &code);
	assert_int_equal(twofa_verify(fx->db, fx->kr, anna, code.p, NULL, now),
	    0);
	assert_int_equal(twofa_verify(fx->db, fx->kr, anna, code.p, NULL, now),
	    ERR_TOTP);
	/* Spaces as some apps show them are fine. */
	now += TOTP_PERIOD;
	code_at(&b32, now, &code);
	snprintf(typed, sizeof(typed), " %.3s %s ", code.p, code.p + 3);
	assert_int_equal(twofa_verify(fx->db, fx->kr, anna, typed, NULL, now),
	    0);

	/* Recovery codes: each once; case, spaces and hyphens do not matter. */
	assert_int_equal(twofa_verify(fx->db, fx->kr, anna, codes[0].p, NULL,
	    now), 0);
	assert_int_equal(twofa_verify(fx->db, fx->kr, anna, codes[0].p, NULL,
	    now), ERR_TOTP);
	snprintf(typed, sizeof(typed), "%.4s %.4s%.4s", codes[1].p,
	    codes[1].p + 5, codes[1].p + 10);
	for (i = 0; typed[i]; i++)
		if (typed[i] >= 'a' && typed[i] <= 'z')
			typed[i] = (char)(typed[i] - 'a' + 'A');
	assert_int_equal(twofa_verify(fx->db, fx->kr, anna, typed, NULL, now),
	    0);
	assert_int_equal(twofa_recovery_left(fx->db, anna, &left), 0);
	assert_int_equal(left, LIMIT_RECOVERY_CODES - 2);
	assert_int_equal(twofa_verify(fx->db, fx->kr, anna, "abcd-efgh-jkmn",
	    NULL, now), ERR_TOTP);

	/* Off again: codes no longer count. */
	assert_int_equal(twofa_disable(fx->db, anna), 0);
	assert_int_equal(user_get(fx->db, anna, &a, &u), 0);
	assert_false(u.totp_enabled);
	now += TOTP_PERIOD;
	code_at(&b32, now, &code);
	assert_int_equal(twofa_verify(fx->db, fx->kr, anna, code.p, NULL, now),
	    ERR_TOTP);
	assert_int_equal(twofa_verify(fx->db, fx->kr, anna, codes[2].p, NULL,
	    now), ERR_TOTP);
	assert_int_equal(twofa_recovery_left(fx->db, anna, &left), 0);
	assert_int_equal(left, 0);

	for (i = 0; i < LIMIT_RECOVERY_CODES; i++)
		buf_release(&codes[i]);
	buf_release(&uri);
	buf_release(&b32);
	buf_release(&code);
	arena_release(&a);
}

static void
twofa_guesses_are_throttled(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf b32 = BUF_INIT, code = BUF_INIT;
	struct buf codes[LIMIT_RECOVERY_CODES];
	time_t now = T0;
	int64_t uid;
	int i, delay = -1;

	for (i = 0; i < LIMIT_RECOVERY_CODES; i++)
		buf_init(&codes[i]);
	testdb_write(fx->db, "INSERT INTO users (email, name, pw_hash, "
	    "created_at) VALUES ('anna@example.org', 'Anna', 'x', 1)", 0, 0, 0);
	uid = testdb_i64(fx->db, "SELECT id FROM users", 0, 0, 0);
	enable_twofa(fx, uid, now, &b32, codes);
	now += 10 * TOTP_PERIOD;
	wrong_code_at(&b32, now, &code);
	for (i = 1; i <= LIMIT_LOGIN_FREE_FAILS; i++) {
		assert_int_equal(twofa_check(fx->db, fx->kr, uid, code.p,
		    "192.0.2.9", now, &delay), ERR_TOTP);
		assert_int_equal(delay, i < LIMIT_LOGIN_FREE_FAILS ? 0 : 250);
	}
	/* Even the right code is not heard this soon. */
	code_at(&b32, now, &code);
	assert_int_equal(twofa_check(fx->db, fx->kr, uid, code.p, "192.0.2.9",
	    now, &delay), ERR_THROTTLED);
	assert_int_equal(delay, 250);
	assert_int_equal(twofa_check(fx->db, fx->kr, uid, code.p, "192.0.2.9",
	    now + 1, &delay), 0);
	assert_int_equal(delay, 0);
	for (i = 0; i < LIMIT_RECOVERY_CODES; i++)
		buf_release(&codes[i]);
	buf_release(&b32);
	buf_release(&code);
}

/* --- Issue 9: passwords, names, password change, the 2FA set-up --------- */

static void
password_equal_to_the_address_is_refused_everywhere(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct why why = { 0 };
	time_t now = time(NULL);
	int64_t anna, uid = 0, org;

	assert_int_equal(user_password_ok_for("anna@example.org", 16,
	    "Anna@Example.org", &why), ERR_INVAL);
	assert_non_null(why.msg);
	assert_non_null(strstr(why.msg, "e-mail address"));
	assert_int_equal(user_password_ok_for(" ANNA@EXAMPLE.ORG ", 18,
	    "anna@example.org", &why), ERR_INVAL);
	assert_int_equal(user_password_ok_for("anna@example.org!", 17,
	    "anna@example.org", &why), 0);
	assert_int_equal(user_password_ok_for("anna@example.org", 16, NULL,
	    &why), 0);
	/* Account creation, change, reset and invitation all apply it. */
	assert_int_equal(user_create(fx->db, "bert@example.org", "Bert",
	    "BERT@example.org", "nl", &uid), ERR_INVAL);
	anna = new_user(fx, "anna@example.org", "Anna", PW_ANNA);
	assert_int_equal(user_set_password(fx->db, anna, "Anna@Example.Org",
	    0, &why), ERR_INVAL);
	assert_non_null(strstr(why.msg, "e-mail address"));
	assert_int_equal(user_check_password(fx->db, anna, PW_ANNA), 0);
	assert_int_equal(reset_request(fx->db, "anna@example.org", now, &tok,
	    &uid), 0);
	memset(&why, 0, sizeof(why));
	assert_int_equal(reset_complete(fx->db, tok.p, "anna@EXAMPLE.org", now,
	    &uid, &why), ERR_INVAL);
	assert_non_null(why.msg);
	assert_int_equal(reset_lookup(fx->db, tok.p, now), 0);
	org = testdb_new_org(fx->db, fx->kr, "Praktijk", "praktijk");
	assert_int_equal(invite_create(fx->db, org, "carla@example.org",
	    ROLE_CLIENT, 0, &tok, NULL), 0);
	memset(&why, 0, sizeof(why));
	assert_int_equal(invite_accept(fx->db, tok.p, "Carla",
	    "carla@example.org", "nl", now, &uid, &why), ERR_INVAL);
	assert_string_equal(why.field, "password");
	buf_release(&tok);
}

static void
names_with_hidden_or_direction_characters_are_refused(void **state)
{
	static const char *const bad[] = {
		"Anna\xe2\x80\xae" "nimdA",      /* U+202E right-to-left override */
		"\xe2\x80\xaa" "Anna",           /* U+202A */
		"Anna \xe2\x81\xa6" "x",         /* U+2066 isolate */
		"Anna\xe2\x81\xa9",              /* U+2069 */
		"An\xe2\x80\x8bna",              /* U+200B zero-width space */
		"Anna\xe2\x80\x8f",              /* U+200F right-to-left mark */
		"\xef\xbb\xbf" "Anna",           /* U+FEFF */
		"Anna\xc2\xad",                  /* U+00AD soft hyphen */
		"Anna\xe2\x81\xa0",              /* U+2060 word joiner */
		"Anna\xf3\xa0\x80\x81",          /* U+E0001 language tag */
		"Anna\xc2\x85",                  /* U+0085, a C1 control */
		"Anna\xff",                      /* not UTF-8 */
		"Anna\tB", "   ", "",
	};
	static const char *const good[] = {
		"Anna", "Zoë de Vries-Öztürk", "\xd8\xb9\xd9\x84\xdb\x8c",
		"\xd9\x85\xd9\x87\xe2\x80\x8c\xd8\xb3\xd8\xa7",  /* with ZWNJ */
		"Jan \xf0\x9f\x91\x8d",
	};
	struct why why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&why, 0, sizeof(why));
		if (user_name_ok(bad[i], &why) != ERR_INVAL)
			fail_msg("name %zu was accepted", i);
		assert_non_null(why.msg);
		assert_string_equal(why.field, "name");
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (user_name_ok(good[i], &why) != 0)
			fail_msg("name %zu was refused: %s", i, why.msg);
	assert_int_equal(user_name_ok("Anna\xe2\x80\xae", &why), ERR_INVAL);
	assert_non_null(strstr(why.msg, "direction"));
}

static void
names_must_differ_from_other_members_of_the_organisation(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct arena a;
	struct user u;
	time_t now = time(NULL);
	int64_t org, org2, anna, bert, zoe, uid = 0;

	arena_init(&a);
	org = testdb_new_org(fx->db, fx->kr, "Praktijk", "praktijk");
	org2 = testdb_new_org(fx->db, fx->kr, "Elders", "elders");
	anna = new_user(fx, "anna@example.org", "Anna Admin", PW_ANNA);
	bert = new_user(fx, "bert@example.org", "Bert", PW_BERT);
	zoe = new_user(fx, "zoe@example.org", "Zoe", PW_NEW);
	assert_int_equal(member_add(fx->db, org, anna, ROLE_ADMIN), 0);
	assert_int_equal(member_add(fx->db, org, bert, ROLE_CLIENT), 0);
	assert_int_equal(member_add(fx->db, org2, zoe, ROLE_CLIENT), 0);
	/* A copy, also with other case, spacing or an invisible joiner. */
	assert_int_equal(user_set_profile(fx->db, bert, "Anna Admin", NULL, NULL),
	    ERR_CONFLICT);
	assert_int_equal(user_set_profile(fx->db, bert, " anna  ADMIN ",
	    NULL, NULL), ERR_CONFLICT);
	assert_int_equal(user_set_profile(fx->db, bert,
	    "Anna\xe2\x80\x8d Admin", NULL, NULL), ERR_CONFLICT);
	assert_int_equal(user_get(fx->db, bert, &a, &u), 0);
	assert_string_equal(u.name, "Bert");
	/* Another organisation's members, and one's own name, are no
	 * conflict. */
	assert_int_equal(user_set_profile(fx->db, zoe, "Anna Admin", NULL, NULL), 0);
	assert_int_equal(user_set_profile(fx->db, anna, "anna admin", NULL, NULL), 0);
	assert_int_equal(user_set_profile(fx->db, bert, "Anna Admin B.",
	    NULL, NULL), 0);
	/* A new account by invitation. */
	assert_int_equal(invite_create(fx->db, org, "new@example.org",
	    ROLE_CLIENT, 0, &tok, NULL), 0);
	assert_int_equal(invite_accept(fx->db, tok.p, "Anna admin", PW_NEW,
	    "nl", now, &uid, NULL), ERR_CONFLICT);
	assert_int_equal(invite_accept(fx->db, tok.p, "Nina", PW_NEW, "nl", now,
	    &uid, NULL), 0);
	buf_release(&tok);
	arena_release(&a);
}

static void
password_change_ends_the_other_sessions(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf t1 = BUF_INIT, t2 = BUF_INIT, t3 = BUF_INIT;
	struct session s1, s2, s3, l;
	time_t now = time(NULL);
	int64_t anna, bert;

	anna = new_user(fx, "anna@example.org", "Anna", PW_ANNA);
	bert = new_user(fx, "bert@example.org", "Bert", PW_BERT);
	assert_int_equal(session_create(fx->db, anna, 0, false, false, NULL,
	    NULL, now, &t1, &s1), 0);
	assert_int_equal(session_create(fx->db, anna, 0, false, false, NULL,
	    NULL, now, &t2, &s2), 0);
	assert_int_equal(session_create(fx->db, bert, 0, false, false, NULL,
	    NULL, now, &t3, &s3), 0);
	assert_int_equal(user_set_password(fx->db, anna, PW_NEW, s1.id, NULL),
	    0);
	assert_int_equal(session_lookup(fx->db, NULL, t1.p, now, &l), 0);
	assert_int_equal(session_lookup(fx->db, NULL, t2.p, now, &l), ERR_AUTH);
	assert_int_equal(session_lookup(fx->db, NULL, t3.p, now, &l), 0);
	/* A refused password changes nothing. */
	assert_int_equal(user_set_password(fx->db, anna, "kort", 0, NULL),
	    ERR_INVAL);
	assert_int_equal(session_lookup(fx->db, NULL, t1.p, now, &l), 0);
	buf_release(&t1);
	buf_release(&t2);
	buf_release(&t3);
}

static void
twofa_setup_page_keeps_the_pending_key_until_restarted(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf uri = BUF_INIT, b1 = BUF_INIT, b2 = BUF_INIT;
	struct buf codes[LIMIT_RECOVERY_CODES];
	struct buf code = BUF_INIT;
	time_t now = time(NULL);
	int64_t anna;
	int i;

	for (i = 0; i < LIMIT_RECOVERY_CODES; i++)
		buf_init(&codes[i]);
	anna = new_user(fx, "anna@example.org", "Anna", PW_ANNA);
	assert_int_equal(twofa_begin(fx->db, fx->kr, anna, false, &uri, &b1),
	    0);
	assert_int_equal(twofa_begin(fx->db, fx->kr, anna, false, &uri, &b2),
	    0);
	assert_string_equal(b1.p, b2.p);
	/* The first key still confirms after the page was shown again. */
	code_at(&b1, now, &code);
	assert_int_equal(twofa_confirm(fx->db, fx->kr, anna, code.p, now,
	    codes), 0);
	twofa_disable(fx->db, anna);
	assert_int_equal(twofa_begin(fx->db, fx->kr, anna, false, &uri, &b1),
	    0);
	assert_int_equal(twofa_begin(fx->db, fx->kr, anna, true, &uri, &b2),
	    0);
	assert_string_not_equal(b1.p, b2.p);
	code_at(&b1, now + TOTP_PERIOD, &code);
	assert_int_equal(twofa_confirm(fx->db, fx->kr, anna, code.p,
	    now + TOTP_PERIOD, codes), ERR_TOTP);
	for (i = 0; i < LIMIT_RECOVERY_CODES; i++)
		buf_release(&codes[i]);
	buf_release(&uri);
	buf_release(&b1);
	buf_release(&b2);
	buf_release(&code);
}

/*
 * users_on answers for any number of ids in batches (100 distinct ids a
 * statement): 250 accounts (three batches), each asked for twice, with ids
 * that have no account in between; out[i] belongs to ids[i].
 */
static void
names_come_for_every_id_across_batches(void **state)
{
	struct testdb_fx *fx = *state;
	struct db_conn *c = NULL;
	struct arena a;
	struct user *u;
	const char **names;
	int64_t first = 0, ids[2 * 250 + 2];
	size_t i, n = 0;
	char want[32];

	arena_init(&a);
	assert_int_equal(testdb_script(fx->db, "INSERT INTO users (email, name, "
	    "pw_hash, lang, created_at) WITH RECURSIVE k(i) AS (SELECT 1 "
	    "UNION ALL SELECT i + 1 FROM k WHERE i < 250) "
	    "SELECT 'u' || i || '@batch.test', 'Naam ' || i, 'x', "
	    "CASE WHEN i % 2 = 0 THEN 'en' ELSE 'nl' END, 0 FROM k"), 0);
	assert_int_equal(db_read_begin(fx->db, &c), 0);
	assert_int_equal(db_query_i64(c, "SELECT MIN(id) FROM users WHERE "
	    "email LIKE '%@batch.test'", &first, 0, NULL), 0);
	/* Newest first, twice, and two ids no account has. */
	for (i = 250; i > 0; i--)
		ids[n++] = first + (int64_t)i - 1;
	ids[n++] = -7;
	for (i = 0; i < 250; i++)
		ids[n++] = first + (int64_t)i;
	ids[n++] = first + 100000;
	u = arena_calloc(&a, n, sizeof(*u));
	names = arena_calloc(&a, n, sizeof(*names));
	assert_int_equal(users_on(c, ids, n, &a, u), 0);
	assert_int_equal(user_names_on(c, ids, n, &a, names), 0);
	db_read_end(fx->db, c);
	for (i = 0; i < n; i++) {
		int64_t k = ids[i] - first + 1;

		if (ids[i] < first || k > 250) {
			assert_int_equal(u[i].id, 0);
			assert_string_equal(u[i].name, "");
			assert_string_equal(names[i], "");
			continue;
		}
		snprintf(want, sizeof(want), "Naam %lld", (long long)k);
		assert_int_equal(u[i].id, ids[i]);
		assert_string_equal(u[i].name, want);
		assert_string_equal(names[i], want);
		assert_string_equal(u[i].lang, k % 2 == 0 ? "en" : "nl");
	}
	/* Nothing asked, nothing read. */
	assert_int_equal(db_read_begin(fx->db, &c), 0);
	assert_int_equal(users_on(c, ids, 0, &a, u), 0);
	db_read_end(fx->db, c);
	arena_release(&a);
}

#define T(f, g) cmocka_unit_test_prestate_setup_teardown(f, testdb_fx_setup, \
    testdb_fx_teardown, g)

static int
run(const char *name, struct testdb *g)
{
	const struct CMUnitTest tests[] = {
		T(orgs_are_created_found_and_unique_by_slug, g),
		T(accounts_have_unique_case_insensitive_addresses, g),
		T(memberships_list_change_and_keep_an_admin, g),
		T(login_answers_alike_for_unknown_wrong_and_disabled, g),
		T(password_change_and_check, g),
		T(reauthentication_is_throttled, g),
		T(login_upgrades_a_weak_hash, g),
		T(login_delay_grows_after_the_free_failures, g),
		T(login_locks_at_the_hourly_limit_and_success_resets, g),
		T(login_throttles_an_address_across_accounts, g),
		T(invitation_makes_an_account_once, g),
		T(invitation_for_an_existing_account_needs_its_password, g),
		T(invitation_expires, g),
		T(reset_is_silent_for_unknown_addresses, g),
		T(reset_sets_the_password_once_and_ends_sessions, g),
		T(reset_links_expire_and_are_capped_per_hour, g),
		T(twofa_setup_codes_once_and_recovery, g),
		T(twofa_guesses_are_throttled, g),
		T(password_equal_to_the_address_is_refused_everywhere, g),
		T(names_must_differ_from_other_members_of_the_organisation, g),
		T(password_change_ends_the_other_sessions, g),
		T(twofa_setup_page_keeps_the_pending_key_until_restarted, g),
		T(names_come_for_every_id_across_batches, g),
	};

	return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(role_names_round_trip_and_refuse_unknown),
		cmocka_unit_test(
		    password_rules_refuse_short_long_monotonous_and_common),
		cmocka_unit_test(
		    names_with_hidden_or_direction_characters_are_refused),
	};
	int failed = 0;

	if (crypto_init() != 0 || totp_init() != 0)
		return 1;
	failed += cmocka_run_group_tests_name("identity", pure, NULL, NULL);
	failed += testdb_run_backends(TEST_NAME, 0, run);
	totp_done();
	return failed != 0;
}
