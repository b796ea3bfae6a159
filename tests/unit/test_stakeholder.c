/*
 * test_stakeholder.c - issue 13's stakeholders (src/stakeholder) and
 * authz's shared kinds, on SQLite always and on PostgreSQL too when
 * INFUUS_TEST_PG holds a URL: before consent (also after a proposal),
 * during it (only what is shared, read only), after withdrawal (nothing,
 * the meetings forgotten), a stakeholder of another trajectory or
 * another role, and the refusals of bad input; the closing report's
 * drafts, versions (sealed), sharing a version and its end.
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

#include "audit/audit.h"
#include "authz/authz.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "promise/promise.h"
#include "stakeholder/stakeholder.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "fixture.h"
#include "testdb.h"

enum { PRO, CLIENT, BOSS, HR, NPEOPLE };

static const struct fixture_person people[NPEOPLE] = {
	[PRO] = { "Pro", ROLE_PROFESSIONAL, "s0@example.org" },
	[CLIENT] = { "Cliënt", ROLE_CLIENT, "s1@example.org" },
	[BOSS] = { "Baas", ROLE_STAKEHOLDER, "baas@example.org" },
	[HR] = { "HR", ROLE_STAKEHOLDER, "hr@example.org" },
};

struct fx {
	struct fixture *g;
	struct arena a;
	int64_t traj, appt, appt2;
};

static const int64_t T0 = 1773000000;
/* Everything but the closing report, which a trajectory without one
 * cannot share. */
#define NO_REPORT (STAKE_SHARES_ALL & ~(unsigned)STAKE_REPORT)

static struct audit_event
ev_for(struct fx *fx, int who)
{
	return fixture_event(fx->g, fx->g->uid[who], who == PRO ?
	    ROLE_PROFESSIONAL : ROLE_CLIENT, "stakeholder");
}

static int64_t
appointment(struct fx *fx, int64_t start)
{
	struct testdb_raw j = {
		.sql = "INSERT INTO appointments (org_id, trajectory_id, "
		    "professional_id, client_id, kind, starts_at, ends_at, "
		    "status, uid, created_by, created_at, updated_at) VALUES "
		    "(?, ?, ?, ?, 'visit', ?, ?, 'booked', 'st-' || ? || "
		    "'-' || ?, ?, ?, 0) RETURNING id",
		.args = { fx->g->org, fx->traj, fx->g->uid[PRO],
		    fx->g->uid[CLIENT], start, start + 3600, fx->traj, start,
		    fx->g->uid[PRO], T0 },
		.nargs = 10,
	};

	return testdb_raw(fx->g->db, &j);
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
	ev = ev_for(fx, PRO);
	fx->traj = fixture_traj(g, g->uid[CLIENT], g->uid[PRO], &ev);
	/* One booked appointment per professional and start: apart per
	 * trajectory. */
	fx->appt = appointment(fx, T0 + 86400 + fx->traj * 7200);
	fx->appt2 = appointment(fx, T0 + 2 * 86400 + fx->traj * 7200);
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

static int
as(struct fx *fx, int who, enum authz_action act, enum authz_kind kind,
    int64_t id, struct authz_object *o)
{
	struct principal p = { fx->g->uid[who], fx->g->org,
		who == PRO ? ROLE_PROFESSIONAL : who == CLIENT ? ROLE_CLIENT :
		ROLE_STAKEHOLDER, false };

	return authz_object(fx->g->db, &p, act, kind, id, o);
}

static int64_t
propose(struct fx *fx, int by, int whom, unsigned shares)
{
	struct audit_event ev = ev_for(fx, by);
	struct why w = { 0 };
	int64_t id = 0;

	assert_int_equal(stake_propose(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[CLIENT], fx->g->uid[by], by == CLIENT,
	    people[whom].email, "employer", shares, T0, &ev, &w, &id), 0);
	assert_true(id > 0);
	return id;
}

static void
test_before_during_after_consent(void **state)
{
	struct fx *fx = *state;
	struct audit_event cev = ev_for(fx, CLIENT), pev = ev_for(fx, PRO);
	struct authz_object o;
	struct why w = { 0 };
	int64_t link;

	/* Before: nothing at all, also after the professional proposes. */
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_TRAJ, fx->traj,
	    &o), ERR_NOTFOUND);
	link = propose(fx, PRO, BOSS, 0);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_TRAJ, fx->traj,
	    &o), ERR_NOTFOUND);
	assert_int_equal(stake_appt_add(fx->g->db, fx->traj,
	    fx->g->uid[CLIENT], fx->appt, link, fx->g->uid[PRO], T0, &pev,
	    &w), ERR_FORBIDDEN);
	/* The trajectory's own kinds never, whatever the state. */
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_TRAJECTORY, fx->traj,
	    &o), ERR_NOTFOUND);

	/* During: the questions only. */
	assert_int_equal(stake_consent(fx->g->db, fx->traj, fx->g->uid[CLIENT],
	    link, 0, T0, &cev, &w), ERR_INVAL);
	assert_string_equal(w.field, "shares");
	assert_int_equal(stake_consent(fx->g->db, fx->traj, fx->g->uid[CLIENT],
	    link, STAKE_QUESTIONS, T0, &cev, &w), 0);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_TRAJ, fx->traj,
	    &o), 0);
	assert_int_equal(o.part, ROLE_STAKEHOLDER);
	assert_int_equal(o.client_id, fx->g->uid[CLIENT]);
	assert_int_equal(o.shares, STAKE_QUESTIONS);
	assert_int_equal(o.stake_id, link);
	assert_int_equal(as(fx, BOSS, AUTHZ_UPDATE, AUTHZ_SHARED_TRAJ,
	    fx->traj, &o), ERR_FORBIDDEN);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_TRAJECTORY, fx->traj,
	    &o), ERR_NOTFOUND);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_APPOINTMENT, fx->appt,
	    &o), ERR_NOTFOUND);
	assert_int_equal(stake_appt_add(fx->g->db, fx->traj,
	    fx->g->uid[CLIENT], fx->appt, link, fx->g->uid[PRO], T0, &pev,
	    &w), ERR_FORBIDDEN);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_APPT, fx->appt,
	    &o), ERR_NOTFOUND);
	/* Appointments shared: the meeting they were added to, only. */
	assert_int_equal(stake_consent(fx->g->db, fx->traj, fx->g->uid[CLIENT],
	    link, NO_REPORT, T0, &cev, &w), 0);
	assert_int_equal(stake_appt_add(fx->g->db, fx->traj,
	    fx->g->uid[CLIENT], fx->appt, link, fx->g->uid[PRO], T0, &pev,
	    &w), 0);
	assert_int_equal(stake_appt_add(fx->g->db, fx->traj,
	    fx->g->uid[CLIENT], fx->appt, link, fx->g->uid[PRO], T0, &pev,
	    &w), 0);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_APPT, fx->appt,
	    &o), 0);
	assert_int_equal(o.traj_id, fx->traj);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_APPT,
	    fx->appt2, &o), ERR_NOTFOUND);
	/* Another stakeholder of the organisation: nothing. */
	assert_int_equal(as(fx, HR, AUTHZ_READ, AUTHZ_SHARED_TRAJ, fx->traj,
	    &o), ERR_NOTFOUND);
	assert_int_equal(as(fx, HR, AUTHZ_READ, AUTHZ_SHARED_APPT, fx->appt,
	    &o), ERR_NOTFOUND);
	/* The client and the professional do not reach the shared kinds. */
	assert_int_equal(as(fx, CLIENT, AUTHZ_READ, AUTHZ_SHARED_TRAJ,
	    fx->traj, &o), ERR_NOTFOUND);

	/* After: nothing, the meeting forgotten. */
	assert_int_equal(stake_withdraw(fx->g->db, fx->traj + 999,
	    fx->g->uid[CLIENT], link, T0, &cev), ERR_NOTFOUND);
	assert_int_equal(stake_withdraw(fx->g->db, fx->traj,
	    fx->g->uid[CLIENT], link, T0, &cev), 0);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_TRAJ, fx->traj,
	    &o), ERR_NOTFOUND);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_APPT, fx->appt,
	    &o), ERR_NOTFOUND);
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "stakeholder_appointments WHERE stakeholder_id = ?", 1, link, 0),
	    0);
	/* Consent again: the trajectory, not the meeting. */
	assert_int_equal(stake_consent(fx->g->db, fx->traj, fx->g->uid[CLIENT],
	    link, NO_REPORT, T0, &cev, &w), 0);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_TRAJ, fx->traj,
	    &o), 0);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_APPT, fx->appt,
	    &o), ERR_NOTFOUND);
	/* Each change is in the access log with the client as the owner. */
	assert_true(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM audit_log "
	    "WHERE kind = 'stakeholder' AND client_id = ?", 1,
	    fx->g->uid[CLIENT], 0) >= 6);
}

static void
test_client_gives_access_at_once_and_refusals(void **state)
{
	struct fx *fx = *state;
	struct audit_event cev = ev_for(fx, CLIENT);
	struct authz_object o;
	struct stakeholder *v;
	struct why w = { 0 };
	size_t n;
	int64_t id;

	id = propose(fx, CLIENT, HR, STAKE_QUESTIONS);
	assert_int_equal(as(fx, HR, AUTHZ_READ, AUTHZ_SHARED_TRAJ, fx->traj,
	    &o), 0);
	assert_int_equal(stake_list(fx->g->db, fx->traj, &fx->a, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, id);
	assert_int_equal(v[0].state, STAKE_CONSENTED);
	assert_string_equal(v[0].name, "HR");
	assert_int_equal(stake_mine(fx->g->db, fx->g->org, fx->g->uid[HR],
	    &fx->a, &v, &n), 0);
	assert_true(n >= 1);
	/* Already taking part; no such stakeholder; a client is none; a
	 * relation not in the list; a client's access without shares. */
	assert_int_equal(stake_propose(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[CLIENT], fx->g->uid[CLIENT], true, people[HR].email,
	    "hr", STAKE_QUESTIONS, T0, &cev, &w, &id), ERR_CONFLICT);
	assert_int_equal(stake_propose(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[CLIENT], fx->g->uid[CLIENT], true, "nobody@example.org",
	    "hr", STAKE_QUESTIONS, T0, &cev, &w, &id), ERR_INVAL);
	assert_string_equal(w.field, "email");
	assert_int_equal(stake_propose(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[CLIENT], fx->g->uid[CLIENT], true, people[PRO].email,
	    "hr", STAKE_QUESTIONS, T0, &cev, &w, &id), ERR_INVAL);
	assert_string_equal(w.field, "email");
	assert_int_equal(stake_propose(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[CLIENT], fx->g->uid[CLIENT], true, people[BOSS].email,
	    "boss", STAKE_QUESTIONS, T0, &cev, &w, &id), ERR_INVAL);
	assert_string_equal(w.field, "relation");
	assert_int_equal(stake_propose(fx->g->db, fx->g->org, fx->traj,
	    fx->g->uid[CLIENT], fx->g->uid[CLIENT], true, people[BOSS].email,
	    "employer", 0, T0, &cev, &w, &id), ERR_INVAL);
	assert_string_equal(w.field, "shares");
	assert_int_equal(stake_consent(fx->g->db, fx->traj, fx->g->uid[CLIENT],
	    999999, STAKE_QUESTIONS, T0, &cev, &w), ERR_NOTFOUND);
}

/* Invoices to a stakeholder (billing asks in its write job): only while
 * the client consents to STAKE_INVOICES. */
static int
invoice_to(struct fx *fx, int64_t traj, int64_t link, const char **name)
{
	struct db_conn *c;
	int rc;

	if ((rc = db_read_begin(fx->g->db, &c)) != 0)
		return rc;
	rc = stake_invoice_to_on(c, traj, link, &fx->a, name);
	db_read_end(fx->g->db, c);
	return rc;
}

static void
test_invoices_only_with_consent(void **state)
{
	struct fx *fx = *state;
	struct audit_event cev = ev_for(fx, CLIENT);
	struct why w = { 0 };
	const char *name = NULL;
	int64_t link;

	link = propose(fx, PRO, BOSS, 0);
	assert_int_equal(invoice_to(fx, fx->traj, link, &name), ERR_FORBIDDEN);
	assert_int_equal(stake_consent(fx->g->db, fx->traj, fx->g->uid[CLIENT],
	    link, STAKE_QUESTIONS, T0, &cev, &w), 0);
	assert_int_equal(invoice_to(fx, fx->traj, link, &name), ERR_FORBIDDEN);
	assert_int_equal(stake_consent(fx->g->db, fx->traj, fx->g->uid[CLIENT],
	    link, STAKE_INVOICES, T0, &cev, &w), 0);
	assert_int_equal(invoice_to(fx, fx->traj, link, &name), 0);
	assert_string_equal(name, "Baas");
	assert_int_equal(invoice_to(fx, fx->traj + 999, link, &name),
	    ERR_NOTFOUND);
	assert_int_equal(invoice_to(fx, fx->traj, link + 999, &name),
	    ERR_NOTFOUND);
	assert_int_equal(stake_withdraw(fx->g->db, fx->traj,
	    fx->g->uid[CLIENT], link, T0, &cev), 0);
	assert_int_equal(invoice_to(fx, fx->traj, link, &name), ERR_FORBIDDEN);
}

static int
report(struct fx *fx, int who, const char *text, bool finish,
    struct why *w, int64_t *version)
{
	struct audit_event ev = ev_for(fx, who);

	return stake_report_save(fx->g->db, fx->g->kr, fx->g->org, fx->traj,
	    fx->g->uid[CLIENT], fx->g->uid[who], who == PRO, text, finish, T0,
	    &ev, w, version);
}

/* What the stakeholder reads: the version's number, its text in *text. */
static int64_t
reads(struct fx *fx, int64_t link, const char **text)
{
	struct audit_event ev = ev_for(fx, BOSS);
	struct stake_report r;
	int rc;

	ev.action = AUDIT_READ;
	ev.role = "stakeholder";
	ev.purpose = "stakeholder";
	ev.kind = "closing-report";
	ev.client_id = fx->g->uid[CLIENT];
	rc = stake_report_shared(fx->g->db, fx->g->kr, link, &ev, &fx->a,
	    &r);
	if (rc != 0)
		return rc;
	*text = r.text;
	return r.version;
}

static void
test_closing_report_versions_and_sharing(void **state)
{
	struct fx *fx = *state;
	struct audit_event cev = ev_for(fx, CLIENT);
	struct stake_report_view v;
	struct authz_object o;
	struct why w = { 0 };
	const char *text = NULL;
	int64_t link, ver = 0;

	link = propose(fx, PRO, BOSS, 0);
	assert_int_equal(stake_consent(fx->g->db, fx->traj, fx->g->uid[CLIENT],
	    link, STAKE_REPORT, T0, &cev, &w), ERR_INVAL);
	assert_string_equal(w.field, "shares");
	/* Only a professional writes; a finished text is not empty. */
	memset(&w, 0, sizeof(w));
	assert_int_equal(report(fx, CLIENT, "x", true, &w, &ver),
	    ERR_FORBIDDEN);
	assert_int_equal(report(fx, PRO, "", true, &w, &ver), ERR_INVAL);
	assert_string_equal(w.field, "text");
	assert_int_equal(report(fx, PRO, "\xff\xfe", false, &w, &ver),
	    ERR_INVAL);
	assert_int_equal(report(fx, PRO, "Concept.", false, &w, &ver), 0);
	assert_int_equal(ver, 0);
	cev.kind = "closing-report";
	cev.action = AUDIT_READ;
	assert_int_equal(stake_report_get(fx->g->db, fx->g->kr, fx->traj,
	    false, &cev, &fx->a, &v), 0);
	assert_int_equal(v.current.version, 0);
	assert_string_equal(v.draft.text, "");
	assert_int_equal(stake_report_get(fx->g->db, fx->g->kr, fx->traj,
	    true, &cev, &fx->a, &v), 0);
	assert_string_equal(v.draft.text, "Concept.");
	assert_int_equal(report(fx, PRO, "Versie een.", true, &w, &ver), 0);
	assert_int_equal(ver, 1);
	assert_int_equal(report(fx, PRO, "Versie een.", true, &w, &ver), 0);
	assert_int_equal(ver, 1);
	/* Sealed at rest. */
	assert_int_equal(testdb_i64(fx->g->db, "SELECT COUNT(*) FROM "
	    "closing_report_versions WHERE trajectory_id = ? AND body_box "
	    "LIKE '%Versie%'", 1, fx->traj, 0), 0);

	/* Consent without the report: not readable. */
	cev.kind = "stakeholder";
	assert_int_equal(stake_consent(fx->g->db, fx->traj, fx->g->uid[CLIENT],
	    link, STAKE_QUESTIONS, T0, &cev, &w), 0);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_REPORT,
	    fx->traj, &o), ERR_NOTFOUND);
	assert_int_equal(reads(fx, link, &text), ERR_NOTFOUND);
	/* Shared: version 1, also after version 2. */
	assert_int_equal(stake_consent(fx->g->db, fx->traj, fx->g->uid[CLIENT],
	    link, STAKE_QUESTIONS | STAKE_REPORT, T0, &cev, &w), 0);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_REPORT,
	    fx->traj, &o), 0);
	assert_int_equal(as(fx, HR, AUTHZ_READ, AUTHZ_SHARED_REPORT,
	    fx->traj, &o), ERR_NOTFOUND);
	assert_int_equal(reads(fx, link, &text), 1);
	assert_string_equal(text, "Versie een.");
	assert_int_equal(report(fx, PRO, "Versie twee.", true, &w, &ver), 0);
	assert_int_equal(ver, 2);
	assert_int_equal(reads(fx, link, &text), 1);
	assert_string_equal(text, "Versie een.");
	assert_int_equal(stake_report_share(fx->g->db, fx->traj,
	    fx->g->uid[CLIENT], link, true, &cev, &w), 0);
	assert_int_equal(reads(fx, link, &text), 2);
	assert_string_equal(text, "Versie twee.");
	assert_int_equal(stake_report_share(fx->g->db, fx->traj + 999,
	    fx->g->uid[CLIENT], link, true, &cev, &w), ERR_NOTFOUND);
	assert_int_equal(stake_report_share(fx->g->db, fx->traj,
	    fx->g->uid[CLIENT], link, false, &cev, &w), 0);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_REPORT,
	    fx->traj, &o), ERR_NOTFOUND);
	assert_int_equal(reads(fx, link, &text), ERR_NOTFOUND);
	/* Withdrawn: nothing; sharing again is refused with the reason. */
	assert_int_equal(stake_report_share(fx->g->db, fx->traj,
	    fx->g->uid[CLIENT], link, true, &cev, &w), 0);
	assert_int_equal(stake_withdraw(fx->g->db, fx->traj,
	    fx->g->uid[CLIENT], link, T0, &cev), 0);
	assert_int_equal(as(fx, BOSS, AUTHZ_READ, AUTHZ_SHARED_REPORT,
	    fx->traj, &o), ERR_NOTFOUND);
	assert_int_equal(reads(fx, link, &text), ERR_NOTFOUND);
	memset(&w, 0, sizeof(w));
	assert_int_equal(stake_report_share(fx->g->db, fx->traj,
	    fx->g->uid[CLIENT], link, true, &cev, &w), ERR_CONFLICT);
	assert_string_equal(w.field, "stakeholder");
	/* Every version for the export, oldest first. */
	{
		struct stake_report *all = NULL;
		size_t n = 0;

		cev.kind = "closing-report";
		cev.action = AUDIT_EXECUTE;
		assert_int_equal(stake_report_versions(fx->g->db, fx->g->kr,
		    fx->traj, &cev, &fx->a, &all, &n), 0);
		assert_int_equal(n, 2);
		assert_string_equal(all[0].text, "Versie een.");
		assert_string_equal(all[1].text, "Versie twee.");
		assert_string_equal(all[1].author, "Pro");
	}
}

/* Their prestate, the group's struct fixture, is set by fixture_run. */
#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const struct CMUnitTest db_tests[] = {
	DB_TEST(test_before_during_after_consent),
	DB_TEST(test_client_gives_access_at_once_and_refusals),
	DB_TEST(test_invoices_only_with_consent),
	DB_TEST(test_closing_report_versions_and_sharing),
};

static int
run(const char *name, struct testdb *t)
{
	return fixture_run(name, t, "s", people, NPEOPLE, db_tests,
	    sizeof(db_tests) / sizeof(db_tests[0]));
}

int
main(void)
{
	return fixture_main("stakeholder", NULL, 0, 0, run);
}
