/*
 * test_authz.c - the authorisation matrix: admin, professional, volunteer,
 * client and stakeholder of organisation A, and an admin of organisation
 * B, against every kind of object and action, with the two-factor
 * requirement of the access log.  Runs on SQLite always and on PostgreSQL
 * too when INFUUS_TEST_PG holds a URL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "authz/authz.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "keys/keyring.h"
#include "store/db.h"
#include "testdb.h"

#define TEST_NAME "authz"

/* The fixture is testdb.h's: a database of this program's own per backend,
 * emptied before each test by testdb_fx_setup. */

/* --- Helpers ------------------------------------------------------------ */

#define T0 ((time_t)1700000000)

/* Two organisations and their people. */
struct world {
	int64_t a, b;
	int64_t admin_a, pro_a, vol_a, client_a, client2_a, holder_a;
	int64_t admin_b;
};

static void
make_world(struct testdb_fx *fx, struct world *w)
{
	w->a = testdb_new_org(fx->db, fx->kr, "Praktijk A", "praktijk-a");
	w->b = testdb_new_org(fx->db, fx->kr, "Praktijk B", "praktijk-b");
	w->admin_a = testdb_add_user(fx->db, "admin@a.example", "Admin A");
	w->pro_a = testdb_add_user(fx->db, "coach@a.example", "Coach A");
	w->vol_a = testdb_add_user(fx->db, "vrijwilliger@a.example",
	    "Vrijwilliger A");
	w->client_a = testdb_add_user(fx->db, "klant@a.example", "Klant A");
	w->client2_a = testdb_add_user(fx->db, "klant2@a.example", "Klant2 A");
	w->holder_a = testdb_add_user(fx->db, "hr@a.example", "HR A");
	w->admin_b = testdb_add_user(fx->db, "admin@b.example", "Admin B");
	assert_int_equal(member_add(fx->db, w->a, w->admin_a, ROLE_ADMIN), 0);
	assert_int_equal(member_add(fx->db, w->a, w->pro_a, ROLE_PROFESSIONAL),
	    0);
	assert_int_equal(member_add(fx->db, w->a, w->vol_a, ROLE_VOLUNTEER), 0);
	assert_int_equal(member_add(fx->db, w->a, w->client_a, ROLE_CLIENT), 0);
	assert_int_equal(member_add(fx->db, w->a, w->client2_a, ROLE_CLIENT),
	    0);
	assert_int_equal(member_add(fx->db, w->a, w->holder_a,
	    ROLE_STAKEHOLDER), 0);
	assert_int_equal(member_add(fx->db, w->b, w->admin_b, ROLE_ADMIN), 0);
}

static struct principal
who(int64_t user, int64_t org, enum role r, bool twofa)
{
	struct principal p = { user, org, r, twofa };

	return p;
}

struct rule {
	const char *what;
	struct principal p;
	enum authz_action act;
	enum authz_kind kind;
	int64_t id;
	int want;
};

static const char *
errname(int rc)
{
	return rc == 0 ? "allowed" : err_name(rc);
}

static void
check_rules(struct testdb_fx *fx, const struct rule *r, size_t n)
{
	size_t i;
	int bad = 0, rc;

	for (i = 0; i < n; i++) {
		rc = authz_check(fx->db, &r[i].p, r[i].act, r[i].kind, r[i].id);
		if (rc != r[i].want) {
			print_error("%s: expected %s, got %s\n", r[i].what,
			    errname(r[i].want), errname(rc));
			bad++;
		}
	}
	if (bad)
		fail_msg("%d of %zu decisions wrong", bad, n);
}

#define NF ERR_NOTFOUND
#define FB ERR_FORBIDDEN

static void
organisation_members_and_audit_log(void **state)
{
	struct testdb_fx *fx = *state;
	struct world w;

	make_world(fx, &w);
	const struct principal admin = who(w.admin_a, w.a, ROLE_ADMIN, true);
	const struct principal admin1 = who(w.admin_a, w.a, ROLE_ADMIN, false);
	const struct principal pro = who(w.pro_a, w.a, ROLE_PROFESSIONAL, true);
	const struct principal client = who(w.client_a, w.a, ROLE_CLIENT, true);
	const struct principal other = who(w.admin_b, w.b, ROLE_ADMIN, true);
	const struct rule rules[] = {
		{ "admin reads own org", admin, AUTHZ_READ, AUTHZ_ORG, w.a, 0 },
		{ "admin changes own org", admin, AUTHZ_UPDATE, AUTHZ_ORG, w.a,
		    0 },
		{ "pro reads own org", pro, AUTHZ_READ, AUTHZ_ORG, w.a, 0 },
		{ "pro changes own org", pro, AUTHZ_UPDATE, AUTHZ_ORG, w.a,
		    FB },
		{ "client reads own org", client, AUTHZ_READ, AUTHZ_ORG, w.a,
		    0 },
		{ "client deletes own org", client, AUTHZ_DELETE, AUTHZ_ORG,
		    w.a, FB },
		{ "admin B reads org A", other, AUTHZ_READ, AUTHZ_ORG, w.a,
		    NF },
		{ "admin B changes org A", other, AUTHZ_UPDATE, AUTHZ_ORG, w.a,
		    NF },
		{ "admin reads no org", admin, AUTHZ_READ, AUTHZ_ORG, w.b + 100,
		    NF },

		{ "admin lists members", admin, AUTHZ_READ, AUTHZ_MEMBERS, w.a,
		    0 },
		{ "admin invites", admin, AUTHZ_CREATE, AUTHZ_MEMBERS, w.a, 0 },
		{ "admin without 2FA lists members", admin1, AUTHZ_READ,
		    AUTHZ_MEMBERS, w.a, 0 },
		{ "pro lists members", pro, AUTHZ_READ, AUTHZ_MEMBERS, w.a,
		    FB },
		{ "client lists members", client, AUTHZ_READ, AUTHZ_MEMBERS,
		    w.a, FB },
		{ "admin B lists A's members", other, AUTHZ_READ, AUTHZ_MEMBERS,
		    w.a, NF },

		{ "admin with 2FA reads the log", admin, AUTHZ_READ,
		    AUTHZ_AUDIT_ORG, w.a, 0 },
		{ "admin with 2FA exports the log", admin, AUTHZ_EXPORT,
		    AUTHZ_AUDIT_ORG, w.a, 0 },
		{ "admin without 2FA reads the log", admin1, AUTHZ_READ,
		    AUTHZ_AUDIT_ORG, w.a, FB },
		{ "admin deletes from the log", admin, AUTHZ_DELETE,
		    AUTHZ_AUDIT_ORG, w.a, FB },
		{ "admin changes the log", admin, AUTHZ_UPDATE,
		    AUTHZ_AUDIT_ORG, w.a, FB },
		{ "pro reads the log", pro, AUTHZ_READ, AUTHZ_AUDIT_ORG, w.a,
		    FB },
		{ "client reads the log", client, AUTHZ_READ, AUTHZ_AUDIT_ORG,
		    w.a, FB },
		{ "admin B reads A's log", other, AUTHZ_READ, AUTHZ_AUDIT_ORG,
		    w.a, NF },
		{ "admin B reads own log", other, AUTHZ_READ, AUTHZ_AUDIT_ORG,
		    w.b, 0 },
	};

	check_rules(fx, rules, sizeof(rules) / sizeof(rules[0]));
}

static void
people_and_their_own_log(void **state)
{
	struct testdb_fx *fx = *state;
	struct world w;

	make_world(fx, &w);
	const struct principal admin = who(w.admin_a, w.a, ROLE_ADMIN, true);
	const struct principal pro = who(w.pro_a, w.a, ROLE_PROFESSIONAL, true);
	const struct principal vol = who(w.vol_a, w.a, ROLE_VOLUNTEER, true);
	const struct principal client = who(w.client_a, w.a, ROLE_CLIENT, true);
	const struct principal holder = who(w.holder_a, w.a, ROLE_STAKEHOLDER,
	    true);
	const struct principal other = who(w.admin_b, w.b, ROLE_ADMIN, true);
	const struct principal loose = who(w.client_a, 0, 0, true);
	const struct rule rules[] = {
		{ "client reads self", client, AUTHZ_READ, AUTHZ_USER,
		    w.client_a, 0 },
		{ "client edits self", client, AUTHZ_UPDATE, AUTHZ_USER,
		    w.client_a, 0 },
		{ "client exports self", client, AUTHZ_EXPORT, AUTHZ_USER,
		    w.client_a, 0 },
		{ "client deletes self", client, AUTHZ_DELETE, AUTHZ_USER,
		    w.client_a, FB },
		{ "client reads other client", client, AUTHZ_READ, AUTHZ_USER,
		    w.client2_a, FB },
		{ "client reads coach", client, AUTHZ_READ, AUTHZ_USER, w.pro_a,
		    FB },
		/* The same answer whether the id exists or not. */
		{ "client reads nobody", client, AUTHZ_READ, AUTHZ_USER,
		    w.admin_b + 100, FB },
		{ "client reads admin B", client, AUTHZ_READ, AUTHZ_USER,
		    w.admin_b, FB },
		{ "stakeholder reads client", holder, AUTHZ_READ, AUTHZ_USER,
		    w.client_a, FB },
		{ "pro reads client", pro, AUTHZ_READ, AUTHZ_USER, w.client_a,
		    0 },
		{ "volunteer reads client", vol, AUTHZ_READ, AUTHZ_USER,
		    w.client_a, 0 },
		{ "pro edits client", pro, AUTHZ_UPDATE, AUTHZ_USER, w.client_a,
		    FB },
		{ "admin reads client", admin, AUTHZ_READ, AUTHZ_USER,
		    w.client_a, 0 },
		{ "admin reads admin B", admin, AUTHZ_READ, AUTHZ_USER,
		    w.admin_b, NF },
		{ "pro reads nobody", pro, AUTHZ_READ, AUTHZ_USER,
		    w.admin_b + 100, NF },
		{ "admin B reads client A", other, AUTHZ_READ, AUTHZ_USER,
		    w.client_a, NF },
		{ "no org chosen: reads self", loose, AUTHZ_READ, AUTHZ_USER,
		    w.client_a, 0 },
		{ "no org chosen: reads org", loose, AUTHZ_READ, AUTHZ_ORG, w.a,
		    NF },

		{ "client reads own log", client, AUTHZ_READ, AUTHZ_AUDIT_SELF,
		    w.client_a, 0 },
		{ "client exports own log", client, AUTHZ_EXPORT,
		    AUTHZ_AUDIT_SELF, w.client_a, 0 },
		{ "client deletes own log", client, AUTHZ_DELETE,
		    AUTHZ_AUDIT_SELF, w.client_a, FB },
		{ "client reads coach's log", client, AUTHZ_READ,
		    AUTHZ_AUDIT_SELF, w.pro_a, FB },
		{ "admin reads client's own log", admin, AUTHZ_READ,
		    AUTHZ_AUDIT_SELF, w.client_a, FB },
	};

	check_rules(fx, rules, sizeof(rules) / sizeof(rules[0]));
}

static void
relation_objects_do_not_exist_yet(void **state)
{
	struct testdb_fx *fx = *state;
	struct world w;

	make_world(fx, &w);
	const struct principal admin = who(w.admin_a, w.a, ROLE_ADMIN, true);
	const struct principal pro = who(w.pro_a, w.a, ROLE_PROFESSIONAL, true);
	const struct rule rules[] = {
		{ "admin reads trajectory", admin, AUTHZ_READ, AUTHZ_TRAJECTORY,
		    1, NF },
		{ "pro reads thread", pro, AUTHZ_READ, AUTHZ_THREAD, 1, NF },
		{ "pro posts message", pro, AUTHZ_CREATE, AUTHZ_MESSAGE, 1,
		    NF },
	};

	check_rules(fx, rules, sizeof(rules) / sizeof(rules[0]));
}

static void
nobody_and_broken_principals_are_refused(void **state)
{
	struct testdb_fx *fx = *state;
	struct world w;

	make_world(fx, &w);
	const struct principal anon = who(0, w.a, ROLE_ADMIN, true);
	const struct principal combo = who(w.admin_a, w.a,
	    ROLE_ADMIN | ROLE_CLIENT, true);
	const struct rule rules[] = {
		{ "no user", anon, AUTHZ_READ, AUTHZ_ORG, w.a, FB },
		{ "no user, own log", anon, AUTHZ_READ, AUTHZ_AUDIT_SELF, 0,
		    FB },
		{ "two roles at once", combo, AUTHZ_READ, AUTHZ_MEMBERS, w.a,
		    NF },
	};

	check_rules(fx, rules, sizeof(rules) / sizeof(rules[0]));
	assert_int_equal(authz_check(fx->db, NULL, AUTHZ_READ, AUTHZ_ORG, w.a),
	    ERR_FORBIDDEN);
}

/* The principal as the web layer makes it: from the session, whose role
 * is read from the membership on every request. */
static void
a_removed_member_loses_access_on_the_next_request(void **state)
{
	struct testdb_fx *fx = *state;
	struct buf tok = BUF_INIT;
	struct session s;
	struct principal p;
	struct world w;

	make_world(fx, &w);
	assert_int_equal(session_create(fx->db, w.pro_a, w.a, true, false, NULL,
	    NULL, T0, &tok, &s), 0);
	assert_int_equal(session_lookup(fx->db, NULL, tok.p, T0 + 1, &s), 0);
	p = who(s.user_id, s.org_id, s.role, s.twofa_passed);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_USER,
	    w.client_a), 0);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_ORG, w.a),
	    0);
	assert_int_equal(member_remove(fx->db, w.a, w.pro_a), 0);
	assert_int_equal(session_lookup(fx->db, NULL, tok.p, T0 + 2, &s), 0);
	p = who(s.user_id, s.org_id, s.role, s.twofa_passed);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_USER,
	    w.client_a), ERR_FORBIDDEN);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_ORG, w.a),
	    ERR_NOTFOUND);
	/* A client that became admin gets the members list, and the log
	 * only after two factors. */
	assert_int_equal(member_set_role(fx->db, w.a, w.client_a, ROLE_ADMIN),
	    0);
	assert_int_equal(session_create(fx->db, w.client_a, w.a, false, true,
	    NULL, NULL, T0, &tok, &s), 0);
	assert_int_equal(session_lookup(fx->db, NULL, tok.p, T0 + 3, &s), 0);
	p = who(s.user_id, s.org_id, s.role, s.twofa_passed);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_MEMBERS,
	    w.a), 0);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_AUDIT_ORG,
	    w.a), ERR_FORBIDDEN);
	assert_int_equal(session_promote(fx->db, s.id, w.a), 0);
	assert_int_equal(session_lookup(fx->db, NULL, tok.p, T0 + 4, &s), 0);
	p = who(s.user_id, s.org_id, s.role, s.twofa_passed);
	assert_int_equal(authz_check(fx->db, &p, AUTHZ_READ, AUTHZ_AUDIT_ORG,
	    w.a), 0);
	buf_release(&tok);
}

#define T(f, g) cmocka_unit_test_prestate_setup_teardown(f, testdb_fx_setup, \
    testdb_fx_teardown, g)

static int
run(const char *name, struct testdb *g)
{
	const struct CMUnitTest tests[] = {
		T(organisation_members_and_audit_log, g),
		T(people_and_their_own_log, g),
		T(relation_objects_do_not_exist_yet, g),
		T(nobody_and_broken_principals_are_refused, g),
		T(a_removed_member_loses_access_on_the_next_request, g),
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
