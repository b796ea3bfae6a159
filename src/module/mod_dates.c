/*
 * mod_dates.c - a date per session (issue 12, timing "on a date" for each
 * session): a run with timing "dates" opens session n on the date the
 * professional set for it (module_session_state.opens_at, 096), computed
 * on every read like the other timings (module.c's run_opens).
 */
#include <string.h>

#include "audit/audit.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "identity/role.h"
#include "module/mod_int.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

struct date_job {
	int64_t id;
	int64_t user_id;
	int s;
	int64_t opens_at;
	const struct audit_event *ev;
	struct why *why;
};

static int
date_run(struct db_conn *c, void *arg)
{
	struct date_job *j = arg;
	struct traj_head h;
	struct db_stmt *st;
	struct audit_event ev;
	enum role part = 0;
	int64_t traj = 0, sessions = 0, fin = 0, args[2];
	bool dates = false;
	int rc;

	if ((rc = mod_run_traj_on(c, j->id, &traj)) != 0 ||
	    (rc = traj_head_on(c, traj, &h)) != 0)
		return rc;
	if (h.phase == TRAJ_CLOSED)
		return ERR_FORBIDDEN;
	if ((rc = traj_role_on(c, traj, j->user_id, &part)) != 0)
		return rc;
	if (part != ROLE_PROFESSIONAL)
		return ERR_FORBIDDEN;
	if ((rc = db_prepare(c, "SELECT timing, sessions FROM module_runs "
	    "WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->id);
	if ((rc = db_step(st)) == DB_ROW) {
		dates = str_eqc(db_col_text(st, 0), mod_timing_name(MOD_DATES));
		sessions = db_col_i64(st, 1);
		rc = 0;
	} else if (rc == DB_DONE)
		rc = ERR_NOTFOUND;
	db_done(st);
	if (rc != 0)
		return rc;
	if (!dates)
		return why_set(j->why, ERR_CONFLICT, "date", N_("This module's sessions do not open on dates of their own."));
	if (j->s < 0 || j->s >= sessions)
		return why_set(j->why, ERR_INVAL, "date", N_("The module has no such session."));
	args[0] = j->id;
	args[1] = j->s;
	rc = db_query_i64(c, "SELECT finished_at FROM module_session_state "
	    "WHERE run_id = ? AND n = ?", &fin, 2, args);
	if (rc != 0 && rc != ERR_NOTFOUND)
		return rc;
	if (fin > 0)
		return why_set(j->why, ERR_CONFLICT, "date", N_("The client finished this session already."));
	if ((rc = db_prepare(c, "INSERT INTO module_session_state (run_id, n, "
	    "opens_at) VALUES (?, ?, ?) ON CONFLICT (run_id, n) DO UPDATE "
	    "SET opens_at = excluded.opens_at", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->id);
	db_bind_i64(st, 2, j->s);
	db_bind_i64(st, 3, j->opens_at);
	if ((rc = db_run(st)) != 0)
		return rc;
	/* the reminder pass looks at the run again (mod_out.c) */
	if ((rc = db_prepare(c, "UPDATE module_runs SET remind_at = 0 WHERE "
	    "id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->id);
	if ((rc = db_run(st)) != 0)
		return rc;
	ev = audit_event_from(j->ev, h.org_id, AUDIT_UPDATE, "module", "date",
	    h.client_id, j->id);
	return audit_append(c, &ev);
}

int
mod_session_date(const struct mod_env *env, int64_t id, int64_t user_id,
    int s, int64_t opens_at, time_t now, const struct audit_event *ev,
    struct why *why)
{
	struct date_job j;
	int64_t t = mod_now_or(now);

	if (opens_at <= 0 || opens_at > t + LIMIT_MOD_DATE_AHEAD)
		return why_set(why, ERR_INVAL, "date", N_("Give the date and time the session opens, within two years."));
	memset(&j, 0, sizeof(j));
	j.id = id;
	j.user_id = user_id;
	j.s = s;
	j.opens_at = opens_at;
	j.ev = ev;
	j.why = why;
	return db_write(env->db, date_run, &j);
}
