/*
 * test_authz.c - the authorisation matrix: admin, professional, volunteer,
 * client and stakeholder of organisation A, and an admin of organisation
 * B, against every kind of object and action, with the two-factor
 * requirement of the access log; objects of a trajectory (the trajectory,
 * its threads, messages and attachments) against people of the same
 * trajectory, of another trajectory of the same organisation and of
 * another organisation, and what a check hands on (authz_object).  Runs
 * on SQLite always and on PostgreSQL too when INFUUS_TEST_PG holds a URL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "authz/authz.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "keys/keyring.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "diary/diary.h"
#include "instrument/measure.h"
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
	assert_int_equal(member_set_role(fx->db, w.a, w.client_a, ROLE_ADMIN, NULL),
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

/* --- Objects of a trajectory -------------------------------------------- */

/* One trajectory with a thread, a message and an attachment. */
struct objs {
	int64_t traj, thread, msg, att;
};

/* Trajectories are not emptied by testdb_fx_setup (they hold on to their
 * client's account): this teardown removes them, and with them their
 * threads, messages and attachments. */
static int
relation_teardown(void **state)
{
	struct testdb_fx *fx = *state;

	testdb_script(fx->db, "DELETE FROM trajectories;");
	return testdb_fx_teardown(state);
}

static void
make_objects(struct testdb_fx *fx, int64_t org, int64_t pro, int64_t client,
    const char *title, struct objs *o)
{
	bool pg = db_kind(fx->db) == DB_POSTGRES;
	const char *blob = pg ? "'\\x00'" : "X'00'";
	struct audit_event ev = {
		.org_id = org, .outcome = AUDIT_SUCCESS, .actor_id = pro,
		.role = "professional", .purpose = "care", .kind = "trajectory",
		.node = "test",
	};
	struct promise_terms terms;
	struct testdb_raw j;
	struct arena a;
	char sql[400];

	arena_init(&a);
	traj_default_terms(&a, "Europe/Amsterdam", time(NULL), &terms);
	assert_int_equal(traj_create(fx->db, fx->kr, org, client, pro, title,
	    0, &terms, &ev, NULL, &o->traj), 0);
	arena_release(&a);

	memset(&j, 0, sizeof(j));
	snprintf(sql, sizeof(sql), "INSERT INTO threads (trajectory_id, "
	    "subject_box, created_at, last_message_at) VALUES (?, %s, 1, 1) "
	    "RETURNING id", blob);
	j.sql = sql;
	j.args[0] = o->traj;
	j.nargs = 1;
	o->thread = testdb_raw(fx->db, &j);

	memset(&j, 0, sizeof(j));
	snprintf(sql, sizeof(sql), "INSERT INTO messages (thread_id, "
	    "trajectory_id, org_id, author_id, author_role, body_box, "
	    "created_at) VALUES (?, ?, ?, ?, 'client', %s, 1) RETURNING id",
	    blob);
	j.sql = sql;
	j.args[0] = o->thread;
	j.args[1] = o->traj;
	j.args[2] = org;
	j.args[3] = client;
	j.nargs = 4;
	o->msg = testdb_raw(fx->db, &j);

	memset(&j, 0, sizeof(j));
	snprintf(sql, sizeof(sql), "INSERT INTO attachments (message_id, "
	    "name_box, content_type, size, data_box, created_at) VALUES (?, "
	    "%s, 'text/plain', 1, %s, 1) RETURNING id", blob, blob);
	j.sql = sql;
	j.args[0] = o->msg;
	j.nargs = 1;
	o->att = testdb_raw(fx->db, &j);
}

static int64_t
id_of(const struct objs *o, enum authz_kind kind)
{
	return kind == AUTHZ_TRAJECTORY ? o->traj : kind == AUTHZ_THREAD ?
	    o->thread : kind == AUTHZ_MESSAGE ? o->msg : o->att;
}

/* Every object of a trajectory is reached only through the relation: by
 * the people of that trajectory, not by those of another trajectory of the
 * same organisation nor by anyone of another organisation, whatever their
 * role, and an id of theirs looks like no id at all. */
static void
trajectory_objects_follow_the_relation(void **state)
{
	static const enum authz_kind kinds[] = { AUTHZ_TRAJECTORY,
		AUTHZ_THREAD, AUTHZ_MESSAGE, AUTHZ_ATTACHMENT };
	struct testdb_fx *fx = *state;
	struct world w;
	struct objs mine, sibling, foreign;
	int64_t pro2_a, pro_b, client_b;
	size_t k;
	int bad = 0, rc;

	make_world(fx, &w);
	pro2_a = testdb_add_user(fx->db, "coach2@a.example", "Coach2 A");
	pro_b = testdb_add_user(fx->db, "coach@b.example", "Coach B");
	client_b = testdb_add_user(fx->db, "klant@b.example", "Klant B");
	assert_int_equal(member_add(fx->db, w.a, pro2_a, ROLE_PROFESSIONAL),
	    0);
	assert_int_equal(member_add(fx->db, w.b, pro_b, ROLE_PROFESSIONAL), 0);
	assert_int_equal(member_add(fx->db, w.b, client_b, ROLE_CLIENT), 0);
	make_objects(fx, w.a, w.pro_a, w.client_a, "Mijn traject", &mine);
	make_objects(fx, w.a, pro2_a, w.client2_a, "Ander traject", &sibling);
	make_objects(fx, w.b, pro_b, client_b, "Elders", &foreign);

	const struct principal pro = who(w.pro_a, w.a, ROLE_PROFESSIONAL, true);
	const struct principal client = who(w.client_a, w.a, ROLE_CLIENT, true);
	const struct principal admin = who(w.admin_a, w.a, ROLE_ADMIN, true);
	const struct principal pro2 = who(pro2_a, w.a, ROLE_PROFESSIONAL, true);
	const struct principal client2 = who(w.client2_a, w.a, ROLE_CLIENT,
	    true);
	const struct principal other = who(pro_b, w.b, ROLE_PROFESSIONAL,
	    true);
	const struct principal other_admin = who(w.admin_b, w.b, ROLE_ADMIN,
	    true);
	/* The client in a role they do not hold in the trajectory. */
	const struct principal posing = who(w.client_a, w.a,
	    ROLE_PROFESSIONAL, true);
	const struct principal vol = who(w.vol_a, w.a, ROLE_VOLUNTEER, true);
	struct {
		const char *what;
		const struct principal *p;
		enum authz_action act;
		const struct objs *o;
		int want;          /* for the trajectory */
		int want_inner;    /* for its thread, message, attachment */
	} cases[] = {
		{ "pro reads own", &pro, AUTHZ_READ, &mine, 0, 0 },
		{ "pro changes own", &pro, AUTHZ_UPDATE, &mine, 0, 0 },
		{ "client reads own", &client, AUTHZ_READ, &mine, 0, 0 },
		{ "client creates in own", &client, AUTHZ_CREATE, &mine, 0, 0 },
		{ "client exports own", &client, AUTHZ_EXPORT, &mine, 0, 0 },
		{ "client administers own", &client, AUTHZ_ADMIN, &mine, FB,
		    FB },
		{ "admin reads", &admin, AUTHZ_READ, &mine, 0, NF },
		{ "admin changes", &admin, AUTHZ_UPDATE, &mine, FB, NF },
		{ "admin exports", &admin, AUTHZ_EXPORT, &mine, FB, NF },
		{ "pro of another trajectory reads", &pro2, AUTHZ_READ, &mine,
		    NF, NF },
		{ "client of another trajectory reads", &client2, AUTHZ_READ,
		    &mine, NF, NF },
		{ "pro reads another trajectory", &pro, AUTHZ_READ, &sibling,
		    NF, NF },
		{ "client changes another trajectory", &client, AUTHZ_UPDATE,
		    &sibling, NF, NF },
		{ "volunteer reads", &vol, AUTHZ_READ, &mine, NF, NF },
		{ "client posing as pro", &posing, AUTHZ_UPDATE, &mine, NF,
		    NF },
		{ "pro of org B reads", &other, AUTHZ_READ, &mine, NF, NF },
		{ "admin of org B reads", &other_admin, AUTHZ_READ, &mine, NF,
		    NF },
		{ "pro reads org B's", &pro, AUTHZ_READ, &foreign, NF, NF },
		{ "admin reads org B's", &admin, AUTHZ_READ, &foreign, NF, NF },
		{ "org B's pro reads own", &other, AUTHZ_READ, &foreign, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			int want = kinds[k] == AUTHZ_TRAJECTORY ?
			    cases[i].want : cases[i].want_inner;

			rc = authz_check(fx->db, cases[i].p, cases[i].act,
			    kinds[k], id_of(cases[i].o, kinds[k]));
			if (rc != want) {
				print_error("%s (%s): expected %s, got %s\n",
				    cases[i].what, authz_kind_name(kinds[k]),
				    errname(want), errname(rc));
				bad++;
			}
		}
	}
	/* Ids that do not exist, or no id, read like another
	 * organisation's. */
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if ((rc = authz_check(fx->db, &pro, AUTHZ_READ, kinds[k],
		    foreign.att + 1000)) != NF ||
		    (rc = authz_check(fx->db, &pro, AUTHZ_READ, kinds[k], 0)) !=
		    NF) {
			print_error("unknown %s: expected %s, got %s\n",
			    authz_kind_name(kinds[k]), errname(NF),
			    errname(rc));
			bad++;
		}
	}
	if (bad)
		fail_msg("%d decisions wrong", bad);
}

/* What an allowed check hands on is the object's own: its trajectory,
 * organisation and client, and the caller's part; a refusal hands on
 * nothing. */
static void
a_checked_object_says_where_it_belongs(void **state)
{
	struct testdb_fx *fx = *state;
	struct authz_object o;
	struct world w;
	struct objs mine;

	make_world(fx, &w);
	make_objects(fx, w.a, w.pro_a, w.client_a, "Mijn traject", &mine);
	const struct principal pro = who(w.pro_a, w.a, ROLE_PROFESSIONAL, true);
	const struct principal client = who(w.client_a, w.a, ROLE_CLIENT, true);
	const struct principal admin = who(w.admin_a, w.a, ROLE_ADMIN, true);
	const struct principal other = who(w.admin_b, w.b, ROLE_ADMIN, true);

	assert_int_equal(authz_object(fx->db, &client, AUTHZ_READ,
	    AUTHZ_ATTACHMENT, mine.att, &o), 0);
	assert_int_equal(o.kind, AUTHZ_ATTACHMENT);
	assert_int_equal(o.id, mine.att);
	assert_int_equal(o.traj_id, mine.traj);
	assert_int_equal(o.org_id, w.a);
	assert_int_equal(o.client_id, w.client_a);
	assert_int_equal(o.part, ROLE_CLIENT);

	assert_int_equal(authz_object(fx->db, &pro, AUTHZ_CREATE,
	    AUTHZ_THREAD, mine.thread, &o), 0);
	assert_int_equal(o.id, mine.thread);
	assert_int_equal(o.traj_id, mine.traj);
	assert_int_equal(o.part, ROLE_PROFESSIONAL);

	/* An administrator reads the metadata without taking part. */
	assert_int_equal(authz_object(fx->db, &admin, AUTHZ_READ,
	    AUTHZ_TRAJECTORY, mine.traj, &o), 0);
	assert_int_equal(o.part, 0);
	assert_int_equal(o.client_id, w.client_a);

	assert_int_equal(authz_object(fx->db, &other, AUTHZ_READ,
	    AUTHZ_TRAJECTORY, mine.traj, &o), ERR_NOTFOUND);
	assert_int_equal(o.id, 0);
	assert_int_equal(o.traj_id, 0);
	assert_int_equal(o.org_id, 0);

	/* A member named in the path: this organisation's, for its admin. */
	assert_int_equal(authz_object(fx->db, &admin, AUTHZ_UPDATE,
	    AUTHZ_MEMBER, w.client_a, &o), 0);
	assert_int_equal(o.kind, AUTHZ_MEMBER);
	assert_int_equal(o.id, w.client_a);
	assert_int_equal(o.org_id, w.a);
}

/* Members in the path (/org/members/:uid/...): only an administrator, only
 * of their own organisation; others learn nothing about the id. */
static void
members_in_the_path_belong_to_the_admins_organisation(void **state)
{
	struct testdb_fx *fx = *state;
	struct world w;

	make_world(fx, &w);
	const struct principal admin = who(w.admin_a, w.a, ROLE_ADMIN, true);
	const struct principal admin1 = who(w.admin_a, w.a, ROLE_ADMIN, false);
	const struct principal pro = who(w.pro_a, w.a, ROLE_PROFESSIONAL, true);
	const struct principal client = who(w.client_a, w.a, ROLE_CLIENT, true);
	const struct principal other = who(w.admin_b, w.b, ROLE_ADMIN, true);
	const struct principal loose = who(w.admin_a, 0, 0, true);
	const struct rule rules[] = {
		{ "admin changes a member", admin, AUTHZ_UPDATE, AUTHZ_MEMBER,
		    w.client_a, 0 },
		{ "admin removes a member", admin, AUTHZ_DELETE, AUTHZ_MEMBER,
		    w.pro_a, 0 },
		{ "admin without 2FA changes a member", admin1, AUTHZ_UPDATE,
		    AUTHZ_MEMBER, w.client_a, 0 },
		{ "admin changes org B's admin", admin, AUTHZ_UPDATE,
		    AUTHZ_MEMBER, w.admin_b, NF },
		{ "admin changes nobody", admin, AUTHZ_UPDATE, AUTHZ_MEMBER,
		    w.admin_b + 100, NF },
		{ "admin changes id 0", admin, AUTHZ_UPDATE, AUTHZ_MEMBER, 0,
		    NF },
		{ "admin B changes org A's client", other, AUTHZ_UPDATE,
		    AUTHZ_MEMBER, w.client_a, NF },
		{ "pro changes a member", pro, AUTHZ_UPDATE, AUTHZ_MEMBER,
		    w.client_a, FB },
		{ "client removes a member", client, AUTHZ_DELETE,
		    AUTHZ_MEMBER, w.pro_a, FB },
		{ "client removes nobody", client, AUTHZ_DELETE, AUTHZ_MEMBER,
		    w.admin_b + 100, FB },
		{ "no organisation chosen", loose, AUTHZ_UPDATE, AUTHZ_MEMBER,
		    w.client_a, NF },
	};

	check_rules(fx, rules, sizeof(rules) / sizeof(rules[0]));
}

/* Issue 11: a questionnaire follows its trajectory; a diary entry is the
 * client's alone until shared, and then its professionals' too; a
 * version of the library is its organisation's professionals' (an admin
 * reads it, a client does not, another organisation learns nothing). */
static void
measures_follow_the_relation_and_privacy(void **state)
{
	static const char text[] = "infuus-instrument 1\nid t\nversion 1\n"
	    "title nl: T\ntitle en: T\nsource: s\nlicence: l\n"
	    "scale s 0 3\nitem q1 s\ntext q1 nl: a\ntext q1 en: a\n";
	struct testdb_fx *fx = *state;
	struct measure_env me = { fx->db, fx->kr };
	struct diary_env de = { fx->db, fx->kr };
	struct world w;
	struct objs mine, foreign;
	struct instr_error e;
	struct why why;
	int64_t pro_b, client_b, vid, vid_b, qid, did;
	struct audit_event ev = {
		.org_id = 0, .outcome = AUDIT_SUCCESS, .role = "professional",
		.purpose = "care", .kind = "questionnaire", .node = "test",
	};

	make_world(fx, &w);
	pro_b = testdb_add_user(fx->db, "coach@b.example", "Coach B");
	client_b = testdb_add_user(fx->db, "klant@b.example", "Klant B");
	assert_int_equal(member_add(fx->db, w.b, pro_b, ROLE_PROFESSIONAL), 0);
	assert_int_equal(member_add(fx->db, w.b, client_b, ROLE_CLIENT), 0);
	make_objects(fx, w.a, w.pro_a, w.client_a, "Mijn traject", &mine);
	make_objects(fx, w.b, pro_b, client_b, "Elders", &foreign);
	ev.actor_id = w.pro_a;
	assert_int_equal(measure_version_add(&me, w.a, w.pro_a, STR(text),
	    false, &ev, &vid, &e), 0);
	assert_int_equal(measure_version_add(&me, w.b, pro_b, STR(text),
	    false, &ev, &vid_b, &e), 0);
	/* a version of another organisation is not given */
	assert_int_equal(measure_assign(&me, mine.traj, vid_b, MEASURE_ONCE,
	    0, w.pro_a, &ev, &qid, &why), ERR_NOTFOUND);
	assert_int_equal(measure_assign(&me, mine.traj, vid, MEASURE_ONCE, 0,
	    w.pro_a, &ev, &qid, &why), 0);
	ev.actor_id = w.client_a;
	ev.role = "client";
	ev.purpose = "client-self";
	assert_int_equal(diary_add(&de, mine.traj, STR("geheim"), false, &ev,
	    &did, &why), 0);

	const struct principal pro = who(w.pro_a, w.a, ROLE_PROFESSIONAL, true);
	const struct principal client = who(w.client_a, w.a, ROLE_CLIENT, true);
	const struct principal client2 = who(w.client2_a, w.a, ROLE_CLIENT,
	    true);
	const struct principal admin = who(w.admin_a, w.a, ROLE_ADMIN, true);
	const struct principal other = who(pro_b, w.b, ROLE_PROFESSIONAL,
	    true);
	const struct rule before[] = {
		{ "client fills in own", client, AUTHZ_UPDATE,
		    AUTHZ_QUESTIONNAIRE, qid, 0 },
		{ "pro reads the results", pro, AUTHZ_READ,
		    AUTHZ_QUESTIONNAIRE, qid, 0 },
		{ "another client", client2, AUTHZ_READ, AUTHZ_QUESTIONNAIRE,
		    qid, NF },
		{ "admin reads the results", admin, AUTHZ_READ,
		    AUTHZ_QUESTIONNAIRE, qid, NF },
		{ "pro of org B", other, AUTHZ_READ, AUTHZ_QUESTIONNAIRE, qid,
		    NF },
		{ "client shares own entry", client, AUTHZ_UPDATE,
		    AUTHZ_DIARY_ENTRY, did, 0 },
		{ "pro reads a private entry", pro, AUTHZ_READ,
		    AUTHZ_DIARY_ENTRY, did, NF },
		{ "another client reads it", client2, AUTHZ_READ,
		    AUTHZ_DIARY_ENTRY, did, NF },
		{ "pro reads the library", pro, AUTHZ_READ, AUTHZ_INSTRUMENT,
		    vid, 0 },
		{ "admin reads the library", admin, AUTHZ_READ,
		    AUTHZ_INSTRUMENT, vid, 0 },
		{ "admin changes the library", admin, AUTHZ_UPDATE,
		    AUTHZ_INSTRUMENT, vid, FB },
		{ "client reads the library", client, AUTHZ_READ,
		    AUTHZ_INSTRUMENT, vid, FB },
		{ "pro of org B reads it", other, AUTHZ_READ, AUTHZ_INSTRUMENT,
		    vid, NF },
		{ "no such version", pro, AUTHZ_READ, AUTHZ_INSTRUMENT,
		    vid_b + 100, NF },
	};
	check_rules(fx, before, sizeof(before) / sizeof(before[0]));

	assert_int_equal(diary_share(&de, did, &ev), 0);
	const struct rule after[] = {
		{ "pro reads a shared entry", pro, AUTHZ_READ,
		    AUTHZ_DIARY_ENTRY, did, 0 },
		{ "another client still not", client2, AUTHZ_READ,
		    AUTHZ_DIARY_ENTRY, did, NF },
		{ "pro of org B still not", other, AUTHZ_READ,
		    AUTHZ_DIARY_ENTRY, did, NF },
	};
	check_rules(fx, after, sizeof(after) / sizeof(after[0]));
	(void)foreign;
}

/* Kinds and actions have codes for the route listing and the access log. */
static void
kinds_and_actions_have_codes(void **state)
{
	int k;

	(void)state;
	for (k = 0; k < AUTHZ_NKINDS; k++) {
		const char *n = authz_kind_name((enum authz_kind)k);

		if (strcmp(n, "?") == 0 || strspn(n,
		    "abcdefghijklmnopqrstuvwxyz-") != strlen(n))
			fail_msg("kind %d has no code: %s", k, n);
	}
	for (k = 0; k < AUTHZ_NACTIONS; k++)
		if (strcmp(authz_action_name((enum authz_action)k), "?") == 0)
			fail_msg("action %d has no code", k);
	assert_string_equal(authz_kind_name(AUTHZ_ATTACHMENT), "attachment");
	assert_string_equal(authz_kind_name(AUTHZ_TRAJECTORY), "trajectory");
	assert_string_equal(authz_action_name(AUTHZ_EXPORT), "export");
	assert_string_equal(authz_kind_name((enum authz_kind)AUTHZ_NKINDS),
	    "?");
	assert_string_equal(authz_action_name((enum authz_action)-1), "?");
}

#define T(f, g) cmocka_unit_test_prestate_setup_teardown(f, testdb_fx_setup, \
    testdb_fx_teardown, g)
#define TR(f, g) cmocka_unit_test_prestate_setup_teardown(f, \
    testdb_fx_setup, relation_teardown, g)

static int
run(const char *name, struct testdb *g)
{
	const struct CMUnitTest tests[] = {
		T(organisation_members_and_audit_log, g),
		T(people_and_their_own_log, g),
		T(relation_objects_do_not_exist_yet, g),
		T(nobody_and_broken_principals_are_refused, g),
		T(a_removed_member_loses_access_on_the_next_request, g),
		T(members_in_the_path_belong_to_the_admins_organisation, g),
		TR(trajectory_objects_follow_the_relation, g),
		TR(a_checked_object_says_where_it_belongs, g),
		TR(measures_follow_the_relation_and_privacy, g),
		cmocka_unit_test(kinds_and_actions_have_codes),
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
