/*
 * stakeholder.c - stakeholders of a trajectory (stakeholder.h).  Owns the
 * tables stakeholders and stakeholder_appointments (the closing report's
 * tables are stake_report.c's).
 *
 * The state is in two columns: consent_at (set by the client's consent,
 * cleared by a new proposal) and withdrawn_at (set by a withdrawal,
 * cleared by a new proposal or consent).  Live means consent_at set and
 * withdrawn_at not; nothing else grants access.
 */
#include "stakeholder/stakeholder.h"
#include "stakeholder/stake_int.h"

#include <string.h>
#include <time.h>

#include "appointment/appointment.h"
#include "audit/audit.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "identity/identity.h"
#include "store/db.h"
#include "core/banned.h"

bool
stake_relation_ok(const char *r)
{
	return r != NULL && (strcmp(r, "employer") == 0 ||
	    strcmp(r, "hr") == 0 || strcmp(r, "referrer") == 0);
}

static int
log_on(struct db_conn *c, const struct audit_event *tmpl, int64_t org_id,
    enum audit_action act, const char *detail, int64_t client_id,
    int64_t id)
{
	struct audit_event ev = audit_event_from(tmpl, org_id, act,
	    "stakeholder", detail, client_id, id);

	return audit_append(c, &ev);
}

/* --- proposing ------------------------------------------------------------ */

struct propose_job {
	int64_t org_id, traj_id, client_id, by, uid, now;
	bool as_client;
	const char *relation;
	unsigned shares;
	const struct audit_event *ev;
	struct why *w;
	int64_t id;
};

static int
propose_run(struct db_conn *c, void *arg)
{
	struct propose_job *j = arg;
	struct db_stmt *st;
	enum role role = 0;
	int64_t id = 0, count = 0, rv = 0;
	bool live = false;
	int rc;

	rc = member_role_on(c, j->org_id, j->uid, &role);
	if (rc == ERR_NOTFOUND || (rc == 0 && role != ROLE_STAKEHOLDER))
		return why_set(j->w, ERR_INVAL, "email", N_("There is no "
		    "stakeholder with this e-mail address in the "
		    "organisation. The organisation's administrator invites "
		    "them first."));
	if (rc != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT id, consent_at IS NOT NULL AND "
	    "withdrawn_at IS NULL FROM stakeholders WHERE trajectory_id = ? "
	    "AND user_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->traj_id);
	db_bind_i64(st, 2, j->uid);
	if ((rc = db_step(st)) == DB_ROW) {
		id = db_col_i64(st, 0);
		live = db_col_i64(st, 1) != 0;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (live)
		return why_set(j->w, ERR_CONFLICT, "email", N_("This "
		    "stakeholder takes part already."));
	if ((rc = stake_report_to_share_on(c, j->traj_id, j->shares, j->w,
	    &rv)) != 0)
		return rc;
	if (id == 0) {
		if ((rc = db_prepare(c, "SELECT COUNT(*) FROM stakeholders "
		    "WHERE trajectory_id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->traj_id);
		if ((rc = db_step(st)) == DB_ROW)
			count = db_col_i64(st, 0);
		db_done(st);
		if (rc < 0)
			return rc;
		if (count >= LIMIT_STAKEHOLDERS) {
			why_set(j->w, ERR_TOOMANY, "email", N_("A trajectory "
			    "has at most %d stakeholders."));
			if (j->w != NULL)
				j->w->limit = LIMIT_STAKEHOLDERS;
			return ERR_TOOMANY;
		}
		if ((rc = db_prepare(c, "INSERT INTO stakeholders (org_id, "
		    "trajectory_id, user_id, relation, shares, proposed_by, "
		    "proposed_at, consent_at, report_version) VALUES (?, ?, ?, "
		    "?, ?, ?, ?, ?, ?) RETURNING id", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->org_id);
		db_bind_i64(st, 2, j->traj_id);
		db_bind_i64(st, 3, j->uid);
		db_bind_textz(st, 4, j->relation);
		db_bind_i64(st, 5, j->shares);
		db_bind_i64(st, 6, j->by);
		db_bind_i64(st, 7, j->now);
		if (j->as_client)
			db_bind_i64(st, 8, j->now);
		else
			db_bind_null(st, 8);
		db_bind_i64(st, 9, rv);
		if ((rc = db_step_id(st, &id)) != 0)
			return rc;
	} else {
		if ((rc = db_prepare(c, "UPDATE stakeholders SET relation = ?, "
		    "shares = ?, proposed_by = ?, proposed_at = ?, consent_at "
		    "= ?, withdrawn_at = NULL, report_version = ? WHERE id = ?",
		    &st)) != 0)
			return rc;
		db_bind_textz(st, 1, j->relation);
		db_bind_i64(st, 2, j->shares);
		db_bind_i64(st, 3, j->by);
		db_bind_i64(st, 4, j->now);
		if (j->as_client)
			db_bind_i64(st, 5, j->now);
		else
			db_bind_null(st, 5);
		db_bind_i64(st, 6, rv);
		db_bind_i64(st, 7, id);
		if ((rc = db_step_one(st, ERR_CONFLICT)) != 0)
			return rc;
	}
	j->id = id;
	return log_on(c, j->ev, j->org_id, AUDIT_CREATE, j->as_client ?
	    "consent" : "propose", j->client_id, id);
}

int
stake_propose(struct db *db, int64_t org_id, int64_t traj_id,
    int64_t client_id, int64_t by, bool as_client, const char *email,
    const char *relation, unsigned shares, int64_t now,
    const struct audit_event *ev, struct why *w, int64_t *id)
{
	struct propose_job j;
	struct arena a;
	struct user u;
	int rc;

	*id = 0;
	if (!stake_relation_ok(relation))
		return why_set(w, ERR_INVAL, "relation", N_("Choose the "
		    "stakeholder's relation from the list."));
	if ((shares & ~(unsigned)STAKE_SHARES_ALL) != 0 ||
	    (as_client && shares == 0))
		return why_set(w, ERR_INVAL, "shares", N_("Choose at least "
		    "one thing to share."));
	if (email == NULL || email[0] == '\0' || ev == NULL)
		return why_set(w, ERR_INVAL, "email", N_("Give the "
		    "stakeholder's e-mail address."));
	arena_init(&a);
	rc = user_by_email(db, email, &a, &u);
	arena_release(&a);
	if (rc == ERR_NOTFOUND || rc == ERR_INVAL)
		return why_set(w, ERR_INVAL, "email", N_("There is no "
		    "stakeholder with this e-mail address in the "
		    "organisation. The organisation's administrator invites "
		    "them first."));
	if (rc != 0)
		return rc;
	memset(&j, 0, sizeof(j));
	j.org_id = org_id;
	j.traj_id = traj_id;
	j.client_id = client_id;
	j.by = by;
	j.uid = u.id;
	j.now = now ? now : (int64_t)time(NULL);
	j.as_client = as_client;
	j.relation = relation;
	j.shares = shares;
	j.ev = ev;
	j.w = w;
	if ((rc = db_write(db, propose_run, &j)) == 0)
		*id = j.id;
	return rc;
}

/* --- consent and withdrawal ----------------------------------------------- */

struct consent_job {
	int64_t traj_id, client_id, id, now;
	unsigned shares;
	bool withdraw;
	const struct audit_event *ev;
	struct why *w;
};

static int
consent_run(struct db_conn *c, void *arg)
{
	struct consent_job *j = arg;
	struct db_stmt *st;
	int64_t org = 0, rv = 0;
	int rc;

	if ((rc = db_prepare(c, "SELECT org_id FROM stakeholders WHERE id = ? "
	    "AND trajectory_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->id);
	db_bind_i64(st, 2, j->traj_id);
	if ((rc = db_step(st)) == DB_ROW)
		org = db_col_i64(st, 0);
	db_done(st);
	if (rc < 0)
		return rc;
	if (org == 0)
		return ERR_NOTFOUND;
	if (j->withdraw) {
		if ((rc = db_prepare(c, "UPDATE stakeholders SET withdrawn_at "
		    "= ?, report_version = 0 WHERE id = ? AND withdrawn_at IS "
		    "NULL", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->now);
		db_bind_i64(st, 2, j->id);
		if ((rc = db_run(st)) != 0)
			return rc;
		if ((rc = db_prepare(c, "DELETE FROM stakeholder_appointments "
		    "WHERE stakeholder_id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->id);
		if ((rc = db_run(st)) != 0)
			return rc;
	} else {
		if ((rc = stake_report_to_share_on(c, j->traj_id, j->shares,
		    j->w, &rv)) != 0)
			return rc;
		if ((rc = db_prepare(c, "UPDATE stakeholders SET shares = ?, "
		    "consent_at = ?, withdrawn_at = NULL, report_version = ? "
		    "WHERE id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->shares);
		db_bind_i64(st, 2, j->now);
		db_bind_i64(st, 3, rv);
		db_bind_i64(st, 4, j->id);
		if ((rc = db_step_one(st, ERR_CONFLICT)) != 0)
			return rc;
		/* No longer sharing appointments: out of the meetings. */
		if ((j->shares & STAKE_APPOINTMENTS) == 0) {
			if ((rc = db_prepare(c, "DELETE FROM "
			    "stakeholder_appointments WHERE stakeholder_id = ?",
			    &st)) != 0)
				return rc;
			db_bind_i64(st, 1, j->id);
			if ((rc = db_run(st)) != 0)
				return rc;
		}
	}
	return log_on(c, j->ev, org, AUDIT_UPDATE, j->withdraw ? "withdraw" :
	    "consent", j->client_id, j->id);
}

int
stake_consent(struct db *db, int64_t traj_id, int64_t client_id,
    int64_t id, unsigned shares, int64_t now, const struct audit_event *ev,
    struct why *w)
{
	struct consent_job j = { traj_id, client_id, id,
		now ? now : (int64_t)time(NULL), shares, false, ev, w };

	if (shares == 0 || (shares & ~(unsigned)STAKE_SHARES_ALL) != 0)
		return why_set(w, ERR_INVAL, "shares", N_("Choose at least "
		    "one thing to share."));
	if (ev == NULL || id <= 0)
		return ERR_NOTFOUND;
	return db_write(db, consent_run, &j);
}

int
stake_withdraw(struct db *db, int64_t traj_id, int64_t client_id,
    int64_t id, int64_t now, const struct audit_event *ev)
{
	struct consent_job j = { traj_id, client_id, id,
		now ? now : (int64_t)time(NULL), 0, true, ev, NULL };

	if (ev == NULL || id <= 0)
		return ERR_NOTFOUND;
	return db_write(db, consent_run, &j);
}

/* --- reads ---------------------------------------------------------------- */

#define STAKE_COLS "id, org_id, trajectory_id, user_id, relation, shares, " \
	"proposed_by, proposed_at, consent_at, withdrawn_at, report_version"

static void
fill(struct db_stmt *st, struct arena *a, struct stakeholder *x)
{
	struct str rel = db_col_text(st, 4);

	memset(x, 0, sizeof(*x));
	x->id = db_col_i64(st, 0);
	x->org_id = db_col_i64(st, 1);
	x->traj_id = db_col_i64(st, 2);
	x->user_id = db_col_i64(st, 3);
	x->relation = arena_strndup(a, rel.p, rel.len);
	x->shares = (unsigned)db_col_i64(st, 5);
	x->proposed_by = db_col_i64(st, 6);
	x->proposed_at = db_col_i64(st, 7);
	x->consent_at = db_col_null(st, 8) ? 0 : db_col_i64(st, 8);
	x->withdrawn_at = db_col_null(st, 9) ? 0 : db_col_i64(st, 9);
	x->report_version = db_col_i64(st, 10);
	x->state = x->withdrawn_at ? STAKE_WITHDRAWN : x->consent_at ?
	    STAKE_CONSENTED : STAKE_PROPOSED;
	x->name = "";
}

static int
list_where(struct db *db, const char *sql, int64_t a1, int64_t a2,
    struct arena *a, struct stakeholder **out, size_t *n)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct stakeholder *v;
	int64_t ids[LIMIT_STAKEHOLDER_APPTS];
	const char **names;
	size_t k = 0, i, cap = LIMIT_STAKEHOLDER_APPTS;
	int rc;

	*out = NULL;
	*n = 0;
	v = arena_alloc(a, sizeof(*v) * cap);
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, sql, &st)) != 0)
		goto out;
	db_bind_i64(st, 1, a1);
	db_bind_i64(st, 2, a2);
	db_bind_i64(st, 3, (int64_t)cap);
	while ((rc = db_step(st)) == DB_ROW && k < cap)
		fill(st, a, &v[k++]);
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	if (k > 0) {
		names = arena_alloc(a, sizeof(*names) * k);
		for (i = 0; i < k; i++)
			ids[i] = v[i].user_id;
		if ((rc = user_names_on(c, ids, k, a, names)) != 0)
			goto out;
		for (i = 0; i < k; i++)
			v[i].name = names[i];
	}
	*out = v;
	*n = k;
out:
	db_read_end(db, c);
	return rc;
}

int
stake_list(struct db *db, int64_t traj_id, struct arena *a,
    struct stakeholder **out, size_t *n)
{
	return list_where(db, "SELECT " STAKE_COLS " FROM stakeholders WHERE "
	    "trajectory_id = ? AND ? = 0 ORDER BY id LIMIT ?", traj_id, 0, a,
	    out, n);
}

int
stake_mine(struct db *db, int64_t org_id, int64_t user_id, struct arena *a,
    struct stakeholder **out, size_t *n)
{
	return list_where(db, "SELECT " STAKE_COLS " FROM stakeholders WHERE "
	    "org_id = ? AND user_id = ? AND consent_at IS NOT NULL AND "
	    "withdrawn_at IS NULL ORDER BY trajectory_id LIMIT ?", org_id,
	    user_id, a, out, n);
}

int
stake_appt_people(struct db *db, int64_t appt_id, struct arena *a,
    struct stakeholder **out, size_t *n)
{
	return list_where(db, "SELECT " STAKE_COLS " FROM stakeholders JOIN "
	    "stakeholder_appointments ON stakeholder_id = id WHERE "
	    "appointment_id = ? AND ? = 0 ORDER BY id LIMIT ?", appt_id, 0, a,
	    out, n);
}

int
stake_access_on(struct db_conn *c, int64_t traj_id, int64_t user_id,
    struct stake_access *out)
{
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(c, "SELECT id, org_id, shares, consent_at IS NOT "
	    "NULL AND withdrawn_at IS NULL, report_version FROM stakeholders "
	    "WHERE trajectory_id = ? AND user_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, user_id);
	if ((rc = db_step(st)) == DB_ROW) {
		out->id = db_col_i64(st, 0);
		out->org_id = db_col_i64(st, 1);
		out->shares = (unsigned)db_col_i64(st, 2);
		out->live = db_col_i64(st, 3) != 0;
		out->report_version = db_col_i64(st, 4);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	return rc == DB_ROW ? 0 : ERR_NOTFOUND;
}

int
stake_invoice_to_on(struct db_conn *c, int64_t traj_id, int64_t stake_id,
    struct arena *a, const char **name)
{
	struct db_stmt *st;
	int64_t user = 0;
	unsigned shares = 0;
	bool live = false;
	int rc;

	*name = NULL;
	if ((rc = db_prepare(c, "SELECT user_id, shares, consent_at IS NOT "
	    "NULL AND withdrawn_at IS NULL FROM stakeholders WHERE id = ? AND "
	    "trajectory_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, stake_id);
	db_bind_i64(st, 2, traj_id);
	if ((rc = db_step(st)) == DB_ROW) {
		user = db_col_i64(st, 0);
		shares = (unsigned)db_col_i64(st, 1);
		live = db_col_i64(st, 2) != 0;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (user == 0)
		return ERR_NOTFOUND;
	if (!live || (shares & STAKE_INVOICES) == 0)
		return ERR_FORBIDDEN;
	return user_names_on(c, &user, 1, a, name);
}

int
stake_in_appt_on(struct db_conn *c, int64_t stake_id, int64_t appt_id,
    bool *yes)
{
	struct db_stmt *st;
	int rc;

	*yes = false;
	if ((rc = db_prepare(c, "SELECT 1 FROM stakeholder_appointments "
	    "WHERE stakeholder_id = ? AND appointment_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, stake_id);
	db_bind_i64(st, 2, appt_id);
	rc = db_step(st);
	db_done(st);
	if (rc == DB_ROW)
		*yes = true;
	return rc < 0 ? rc : 0;
}

/* --- meetings ------------------------------------------------------------- */

struct appt_job {
	int64_t traj_id, client_id, appt_id, stake_id, by, now;
	const struct audit_event *ev;
	struct why *w;
};

static int
appt_run(struct db_conn *c, void *arg)
{
	struct appt_job *j = arg;
	struct db_stmt *st;
	int64_t org = 0, appt_traj = 0, count = 0;
	unsigned shares = 0;
	bool live = false, in;
	int rc;

	if ((rc = appt_traj_on(c, j->appt_id, &appt_traj)) != 0)
		return rc;
	if (appt_traj != j->traj_id)
		return ERR_NOTFOUND;
	if ((rc = db_prepare(c, "SELECT s.org_id, s.shares, s.consent_at IS "
	    "NOT NULL AND s.withdrawn_at IS NULL, (SELECT COUNT(*) FROM "
	    "stakeholder_appointments x WHERE x.appointment_id = ?) FROM "
	    "stakeholders s WHERE s.id = ? AND s.trajectory_id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->appt_id);
	db_bind_i64(st, 2, j->stake_id);
	db_bind_i64(st, 3, j->traj_id);
	if ((rc = db_step(st)) == DB_ROW) {
		org = db_col_i64(st, 0);
		shares = (unsigned)db_col_i64(st, 1);
		live = db_col_i64(st, 2) != 0;
		count = db_col_i64(st, 3);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (org == 0)
		return why_set(j->w, ERR_NOTFOUND, "stakeholder", N_("Choose "
		    "a stakeholder of this trajectory."));
	if (!live || (shares & STAKE_APPOINTMENTS) == 0)
		return why_set(j->w, ERR_FORBIDDEN, "stakeholder", N_("The "
		    "client has not consented to share appointments with this "
		    "stakeholder."));
	if ((rc = stake_in_appt_on(c, j->stake_id, j->appt_id, &in)) != 0)
		return rc;
	if (in)
		return 0;
	if (count >= LIMIT_APPT_STAKEHOLDERS) {
		why_set(j->w, ERR_TOOMANY, "stakeholder", N_("An appointment "
		    "has at most %d stakeholders."));
		if (j->w != NULL)
			j->w->limit = LIMIT_APPT_STAKEHOLDERS;
		return ERR_TOOMANY;
	}
	if ((rc = db_prepare(c, "INSERT INTO stakeholder_appointments "
	    "(stakeholder_id, appointment_id, added_by, added_at) VALUES "
	    "(?, ?, ?, ?)", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->stake_id);
	db_bind_i64(st, 2, j->appt_id);
	db_bind_i64(st, 3, j->by);
	db_bind_i64(st, 4, j->now);
	if ((rc = db_run(st)) != 0)
		return rc;
	return log_on(c, j->ev, org, AUDIT_UPDATE, "meeting", j->client_id,
	    j->stake_id);
}

int
stake_appt_add(struct db *db, int64_t traj_id, int64_t client_id,
    int64_t appt_id, int64_t stake_id, int64_t by, int64_t now,
    const struct audit_event *ev, struct why *w)
{
	struct appt_job j = { traj_id, client_id, appt_id, stake_id, by,
		now ? now : (int64_t)time(NULL), ev, w };

	if (stake_id <= 0)
		return why_set(w, ERR_NOTFOUND, "stakeholder", N_("Choose "
		    "a stakeholder of this trajectory."));
	if (ev == NULL)
		return ERR_INVAL;
	return db_write(db, appt_run, &j);
}

int
stake_appts(struct db *db, int64_t stake_id, struct arena *a, int64_t **ids,
    size_t *n)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	int64_t *v;
	size_t k = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	v = arena_alloc(a, sizeof(*v) * LIMIT_STAKEHOLDER_APPTS);
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT appointment_id FROM "
	    "stakeholder_appointments WHERE stakeholder_id = ? ORDER BY "
	    "appointment_id LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, stake_id);
	db_bind_i64(st, 2, LIMIT_STAKEHOLDER_APPTS);
	while ((rc = db_step(st)) == DB_ROW && k < LIMIT_STAKEHOLDER_APPTS)
		v[k++] = db_col_i64(st, 0);
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	*ids = v;
	*n = k;
out:
	db_read_end(db, c);
	return rc;
}
