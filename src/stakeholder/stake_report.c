/*
 * stake_report.c - a trajectory's closing report (stakeholder.h): the
 * text of the closing meeting with the client, the employer and HR.
 * Owns the tables closing_reports (one row a trajectory: the draft and
 * the newest version's number) and closing_report_versions (every
 * finished text, never changed).
 *
 * Why versions: the client shares a version with a stakeholder
 * (stakeholders.report_version, set when they consent with
 * STAKE_REPORT); should the professional finish the report again, the
 * stakeholder still reads what the client saw and shared, until the
 * client shares again.  Every text is sealed with the organisation's key
 * (keyring_seal), as messages are.  Every read is logged before a text
 * is opened; every change in its write job.
 */
#include "stakeholder/stakeholder.h"
#include "stakeholder/stake_int.h"

#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "store/db.h"
#include "core/banned.h"

int
stake_report_to_share_on(struct db_conn *c, int64_t traj_id,
    unsigned shares, struct why *w, int64_t *version)
{
	int64_t v = 0, arg = traj_id;
	int rc;

	*version = 0;
	if ((shares & STAKE_REPORT) == 0)
		return 0;
	rc = db_query_i64(c, "SELECT version FROM closing_reports WHERE "
	    "trajectory_id = ?", &v, 1, &arg);
	if (rc != 0 && rc != ERR_NOTFOUND)
		return rc;
	if (v <= 0)
		return why_set(w, ERR_INVAL, "shares", N_("There is no "
		    "finished closing report to share yet."));
	*version = v;
	return 0;
}

/* The sealed text of a version (or, version 0, the draft) of traj_id's
 * report, opened into out; out->version 0 and text "" when there is
 * none. */
static int
read_on(struct db_conn *c, struct keyring *kr, int64_t org_id,
    int64_t traj_id, int64_t version, struct arena *a,
    struct stake_report *out)
{
	struct db_stmt *st;
	struct str box = { NULL, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	out->traj_id = traj_id;
	out->text = "";
	out->author = "";
	if (version > 0)
		rc = db_prepare(c, "SELECT body_box, written_by, written_at "
		    "FROM closing_report_versions WHERE trajectory_id = ? AND "
		    "version = ?", &st);
	else
		rc = db_prepare(c, "SELECT draft_box, draft_by, draft_at FROM "
		    "closing_reports WHERE trajectory_id = ? AND ? = 0 AND "
		    "draft_box IS NOT NULL", &st);
	if (rc != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, version);
	if ((rc = db_step(st)) == DB_ROW) {
		box = db_col_copy(st, 0, a);
		out->version = version;
		out->written_by = db_col_null(st, 1) ? 0 : db_col_i64(st, 1);
		out->written_at = db_col_null(st, 2) ? 0 : db_col_i64(st, 2);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (rc == DB_DONE || box.len == 0)
		return 0;
	if ((rc = keyring_open_str(kr, c, org_id, box, a, &out->text,
	    NULL)) != 0)
		return rc;
	if (out->written_by > 0 && (rc = user_names_on(c, &out->written_by,
	    1, a, &out->author)) != 0)
		return rc;
	return 0;
}

/* The report's organisation and newest version; ERR_NOTFOUND when it has
 * no row yet. */
static int
head_on(struct db_conn *c, int64_t traj_id, int64_t *org_id,
    int64_t *version)
{
	struct db_stmt *st;
	int rc;

	*org_id = 0;
	*version = 0;
	if ((rc = db_prepare(c, "SELECT org_id, version FROM closing_reports "
	    "WHERE trajectory_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	if ((rc = db_step(st)) == DB_ROW) {
		*org_id = db_col_i64(st, 0);
		*version = db_col_i64(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	return rc == DB_ROW ? 0 : ERR_NOTFOUND;
}

int
stake_report_get(struct db *db, struct keyring *kr, int64_t traj_id,
    bool with_draft, const struct audit_event *ev, struct arena *a,
    struct stake_report_view *out)
{
	struct db_conn *c = NULL;
	int64_t org, version;
	int rc;

	memset(out, 0, sizeof(*out));
	out->current.text = out->draft.text = "";
	out->current.author = out->draft.author = "";
	if (ev == NULL)
		return ERR_INVAL;
	/* Log first, then open. */
	if ((rc = audit_record(db, ev)) != 0)
		return rc;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0)
		goto out;
	if ((rc = head_on(c, traj_id, &org, &version)) != 0) {
		if (rc == ERR_NOTFOUND)
			rc = 0;
		goto out;
	}
	if (version > 0 && (rc = read_on(c, kr, org, traj_id, version, a,
	    &out->current)) != 0)
		goto out;
	if (with_draft)
		rc = read_on(c, kr, org, traj_id, 0, a, &out->draft);
out:
	db_read_end(db, c);
	return rc;
}

/* --- writing -------------------------------------------------------------- */

struct save_job {
	struct keyring *kr;
	int64_t org_id, traj_id, client_id, by, now;
	const char *text;
	bool finish;
	const struct audit_event *ev;
	struct why *w;
	int64_t version;
};

static int
save_run(struct db_conn *c, void *arg)
{
	struct save_job *j = arg;
	struct buf box = BUF_INIT;
	struct stake_report last;
	struct db_stmt *st;
	struct audit_event ev;
	struct arena a;
	int64_t org = 0, version = 0;
	bool same = false;
	int rc;

	arena_init(&a);
	rc = head_on(c, j->traj_id, &org, &version);
	if (rc != 0 && rc != ERR_NOTFOUND)
		goto out;
	rc = 0;
	if (j->finish && version > 0) {
		/* Finishing what the newest version already says makes no
		 * new version: the stakeholders' copy stays the one. */
		if ((rc = read_on(c, j->kr, j->org_id, j->traj_id, version,
		    &a, &last)) != 0)
			goto out;
		same = strcmp(last.text, j->text) == 0;
	}
	if (j->finish && !same && version >= LIMIT_REPORT_VERSIONS) {
		why_set(j->w, ERR_TOOMANY, "text", N_("A closing report has "
		    "at most %d versions."));
		if (j->w != NULL)
			j->w->limit = LIMIT_REPORT_VERSIONS;
		rc = ERR_TOOMANY;
		goto out;
	}
	if (!same && (rc = keyring_seal(j->kr, c, j->org_id, j->text,
	    strlen(j->text), &box)) != 0)
		goto out;
	if (j->finish && !same) {
		version++;
		if ((rc = db_prepare(c, "INSERT INTO closing_report_versions "
		    "(trajectory_id, version, body_box, written_by, "
		    "written_at) VALUES (?, ?, ?, ?, ?)", &st)) != 0)
			goto out;
		db_bind_i64(st, 1, j->traj_id);
		db_bind_i64(st, 2, version);
		db_bind_blob(st, 3, box.p, box.len);
		db_bind_i64(st, 4, j->by);
		db_bind_i64(st, 5, j->now);
		if ((rc = db_run(st)) != 0)
			goto out;
	}
	/* The draft: the text, or none once it is finished. */
	if ((rc = db_prepare(c, "INSERT INTO closing_reports (trajectory_id, "
	    "org_id, draft_box, draft_by, draft_at, version) VALUES (?, ?, ?, "
	    "?, ?, ?) ON CONFLICT (trajectory_id) DO UPDATE SET draft_box = "
	    "excluded.draft_box, draft_by = excluded.draft_by, draft_at = "
	    "excluded.draft_at, version = excluded.version", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, j->traj_id);
	db_bind_i64(st, 2, j->org_id);
	if (j->finish)
		db_bind_null(st, 3);
	else
		db_bind_blob(st, 3, box.p, box.len);
	db_bind_i64(st, 4, j->by);
	db_bind_i64(st, 5, j->now);
	db_bind_i64(st, 6, version);
	if ((rc = db_run(st)) != 0)
		goto out;
	j->version = version;
	ev = audit_event_from(j->ev, j->org_id, AUDIT_UPDATE, "closing-report",
	    j->finish ? "finish" : "draft", j->client_id, j->traj_id);
	rc = audit_append(c, &ev);
out:
	buf_wipe(&box);
	arena_release(&a);
	return rc;
}

int
stake_report_save(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t traj_id, int64_t client_id, int64_t by, bool professional,
    const char *text, bool finish, int64_t now,
    const struct audit_event *ev, struct why *w, int64_t *version)
{
	struct save_job j;
	size_t len = text ? strlen(text) : 0;
	int rc;

	if (version != NULL)
		*version = 0;
	if (!professional)
		return why_set(w, ERR_FORBIDDEN, "text", N_("Only a "
		    "professional of the trajectory writes its closing "
		    "report."));
	if (ev == NULL)
		return ERR_INVAL;
	if (len > LIMIT_REPORT_BYTES) {
		why_set(w, ERR_TOOBIG, "text", N_("A closing report is at most "
		    "%d bytes."));
		if (w != NULL)
			w->limit = LIMIT_REPORT_BYTES;
		return ERR_TOOBIG;
	}
	if (!utf8_valid(text ? text : "", len))
		return why_set(w, ERR_INVAL, "text", N_("The text holds "
		    "characters that are not valid UTF-8."));
	if (finish && len == 0)
		return why_set(w, ERR_INVAL, "text", N_("Write the report "
		    "before finishing it."));
	memset(&j, 0, sizeof(j));
	j.kr = kr;
	j.org_id = org_id;
	j.traj_id = traj_id;
	j.client_id = client_id;
	j.by = by;
	j.now = now ? now : (int64_t)time(NULL);
	j.text = text ? text : "";
	j.finish = finish;
	j.ev = ev;
	j.w = w;
	if ((rc = db_write(db, save_run, &j)) == 0 && version != NULL)
		*version = j.version;
	return rc;
}

struct share_job {
	int64_t traj_id, client_id, id;
	bool share;
	const struct audit_event *ev;
	struct why *w;
};

static int
share_run(struct db_conn *c, void *arg)
{
	struct share_job *j = arg;
	struct audit_event ev;
	struct db_stmt *st;
	int64_t org = 0, version = 0;
	unsigned shares = 0;
	bool live = false;
	int rc;

	if ((rc = db_prepare(c, "SELECT org_id, shares, consent_at IS NOT "
	    "NULL AND withdrawn_at IS NULL FROM stakeholders WHERE id = ? AND "
	    "trajectory_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->id);
	db_bind_i64(st, 2, j->traj_id);
	if ((rc = db_step(st)) == DB_ROW) {
		org = db_col_i64(st, 0);
		shares = (unsigned)db_col_i64(st, 1);
		live = db_col_i64(st, 2) != 0;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (org == 0)
		return ERR_NOTFOUND;
	if (!live)
		return why_set(j->w, ERR_CONFLICT, "stakeholder", N_("This "
		    "stakeholder does not have your consent; give it on the "
		    "stakeholders page first."));
	shares = j->share ? shares | STAKE_REPORT : shares & ~STAKE_REPORT;
	if ((rc = stake_report_to_share_on(c, j->traj_id, shares, j->w,
	    &version)) != 0)
		return rc;
	if ((rc = db_prepare(c, "UPDATE stakeholders SET shares = ?, "
	    "report_version = ? WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, shares);
	db_bind_i64(st, 2, version);
	db_bind_i64(st, 3, j->id);
	if ((rc = db_step_one(st, ERR_CONFLICT)) != 0)
		return rc;
	ev = audit_event_from(j->ev, org, AUDIT_UPDATE, "stakeholder",
	    j->share ? "report" : "unreport", j->client_id, j->id);
	return audit_append(c, &ev);
}

int
stake_report_share(struct db *db, int64_t traj_id, int64_t client_id,
    int64_t id, bool share, const struct audit_event *ev, struct why *w)
{
	struct share_job j = { traj_id, client_id, id, share, ev, w };

	if (ev == NULL || id <= 0)
		return ERR_NOTFOUND;
	return db_write(db, share_run, &j);
}

/* --- the stakeholder's copy and the export ----------------------------------- */

int
stake_report_shared(struct db *db, struct keyring *kr, int64_t stake_id,
    const struct audit_event *ev, struct arena *a, struct stake_report *out)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	int64_t traj = 0, org = 0, version = 0;
	unsigned shares = 0;
	bool live = false;
	int rc;

	memset(out, 0, sizeof(*out));
	out->text = out->author = "";
	if (ev == NULL)
		return ERR_INVAL;
	if ((rc = audit_record(db, ev)) != 0)
		return rc;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT trajectory_id, org_id, shares, "
	    "consent_at IS NOT NULL AND withdrawn_at IS NULL, report_version "
	    "FROM stakeholders WHERE id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, stake_id);
	if ((rc = db_step(st)) == DB_ROW) {
		traj = db_col_i64(st, 0);
		org = db_col_i64(st, 1);
		shares = (unsigned)db_col_i64(st, 2);
		live = db_col_i64(st, 3) != 0;
		version = db_col_i64(st, 4);
	}
	db_done(st);
	if (rc < 0)
		goto out;
	/* Consent may have ended since the route's check. */
	if (!live || (shares & STAKE_REPORT) == 0 || version <= 0) {
		rc = ERR_NOTFOUND;
		goto out;
	}
	if ((rc = read_on(c, kr, org, traj, version, a, out)) == 0 &&
	    out->version == 0)
		rc = ERR_NOTFOUND;
out:
	db_read_end(db, c);
	return rc;
}

int
stake_report_versions(struct db *db, struct keyring *kr, int64_t traj_id,
    const struct audit_event *ev, struct arena *a, struct stake_report **out,
    size_t *n)
{
	struct db_conn *c = NULL;
	struct stake_report *v;
	int64_t org, version, i;
	int rc;

	*out = NULL;
	*n = 0;
	if (ev == NULL)
		return ERR_INVAL;
	if ((rc = audit_record(db, ev)) != 0)
		return rc;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0)
		goto out;
	if ((rc = head_on(c, traj_id, &org, &version)) != 0) {
		if (rc == ERR_NOTFOUND)
			rc = 0;
		goto out;
	}
	if (version > LIMIT_REPORT_VERSIONS)
		version = LIMIT_REPORT_VERSIONS;
	if (version <= 0)
		goto out;
	v = arena_calloc(a, (size_t)version, sizeof(*v));
	for (i = 0; i < version; i++)
		if ((rc = read_on(c, kr, org, traj_id, i + 1, a, &v[i])) != 0)
			goto out;
	*out = v;
	*n = (size_t)version;
out:
	db_read_end(db, c);
	return rc;
}
