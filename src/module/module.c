/*
 * module.c - self-help modules: the library (drafts, versions), runs in
 * trajectories with their timing, answers and feedback (see module.h).
 *
 * Owns modules, module_versions, module_runs, module_session_state and
 * module_answers (092_modules.sql), with mod_out.c (reminders, export),
 * source.c (the source format), mod_items.c (library and questionnaire
 * pages added to a draft) and mod_dates.c (a date per session).  As in assignment.c: sealing happens
 * on a read connection before the write job, and the job checks again
 * what may have changed (a session finished, the trajectory closed).
 * Opening happens only after the read is logged.
 *
 * When a session opens is never stored: it follows from the run's timing,
 * the sessions finished and the appointments booked, computed on each
 * read (run_opens), so the page and the reminder pass cannot disagree.
 */
#include "module/module.h"
#include "module/mod_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appointment/appointment.h"
#include "audit/audit.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/num.h"
#include "core/text.h"
#include "diary/diary.h"
#include "identity/role.h"
#include "instrument/measure.h"
#include "keys/keyring.h"
#include "notify/outbox.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

static const char *const timing_names[] = {
	[MOD_ALL] = "all", [MOD_EVERY] = "every", [MOD_AFTER] = "after",
	[MOD_DATE] = "date", [MOD_APPT] = "appt", [MOD_DATES] = "dates",
};
#define NTIMINGS (sizeof(timing_names) / sizeof(timing_names[0]))

const char *
mod_timing_name(int t)
{
	return t >= 0 && (size_t)t < NTIMINGS ? timing_names[t] : NULL;
}

int
mod_timing_parse(const char *s, enum mod_timing *out)
{
	size_t i;

	for (i = 0; s != NULL && i < NTIMINGS; i++)
		if (strcmp(s, timing_names[i]) == 0) {
			*out = (enum mod_timing)i;
			return 0;
		}
	return ERR_INVAL;
}

int64_t
mod_now_or(time_t now)
{
	return now > 0 ? (int64_t)now : (int64_t)time(NULL);
}

/* --- the library ------------------------------------------------------------ */

int
mod_check_title(struct str title, struct str *out, struct why *why)
{
	switch (text_check(title, LIMIT_MOD_TITLE * 4, LIMIT_MOD_TITLE, false,
	    out)) {
	case TEXT_OK:
		return 0;
	case TEXT_MISSING:
		return why_set(why, ERR_INVAL, "title", N_("Give the module a title."));
	case TEXT_TOO_LONG:
		why_set(why, ERR_TOOBIG, "title", N_("A title has at most %d characters."));
		if (why)
			why->limit = LIMIT_MOD_TITLE;
		return ERR_TOOBIG;
	default:
		return why_set(why, ERR_INVAL, "title", N_("The text holds a character that cannot be stored (a control character or bytes that are not UTF-8)."));
	}
}

/* Every questionnaire page of source names an instrument of org_id's
 * library (its own, or shipped and taken in): the client could not
 * start another (mod_answer). */
static int
check_instruments(struct db *db, int64_t org_id, struct str source,
    struct why *why)
{
	struct measure_version *v;
	struct mod_content mc;
	struct arena a;
	int s, p, n, rc = 0;

	arena_init(&a);
	if (mod_parse(source, &a, &mc, NULL) != 0)
		goto out;
	for (s = 0; rc == 0 && s < mc.nsessions; s++)
		for (p = 0; rc == 0 && p < mc.sessions[s].npages; p++) {
			const struct mod_page *pg = &mc.sessions[s].pages[p];

			if (pg->kind != MOD_PAGE_QUESTIONNAIRE)
				continue;
			n = 0;
			if ((rc = measure_versions(db, org_id, pg->instrument,
			    &a, &v, &n)) != 0)
				break;
			if (n == 0) {
				rc = why_set(why, ERR_NOTFOUND, "source", N_("Line %d: this questionnaire is not one your organisation can use; choose one of its own or one shipped with Infuus."));
				if (why)
					why->limit = pg->line;
			}
		}
out:
	arena_release(&a);
	return rc;
}

/* The draft: a title and a source that parses (or is empty). */
static int
check_draft(struct str title, struct str source, struct str *t,
    struct why *why)
{
	struct mod_content c;
	struct arena a;
	int rc;

	if ((rc = mod_check_title(title, t, why)) != 0)
		return rc;
	arena_init(&a);
	rc = mod_parse(source, &a, &c, why);
	arena_release(&a);
	return rc;
}

static int
lib_audit(struct db_conn *c, const struct lib_job *j, enum audit_action act,
    const char *detail)
{
	struct audit_event ev = audit_event_from(j->ev, j->org_id, act,
	    "module", detail, 0, j->id);

	return audit_append(c, &ev);
}

int
mod_publish_on(struct db_conn *c, struct lib_job *j)
{
	struct db_stmt *st;
	struct mod_content mc;
	struct arena a;
	const char *title = NULL, *source = NULL;
	bool same = false;
	int rc;

	arena_init(&a);
	if ((rc = db_prepare(c, "SELECT m.org_id, m.title, m.source, "
	    "m.published_n, v.title = m.title AND v.source = m.source FROM "
	    "modules m LEFT JOIN module_versions v ON v.module_id = m.id AND "
	    "v.n = m.published_n WHERE m.id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, j->id);
	if ((rc = db_step(st)) == DB_ROW) {
		j->org_id = db_col_i64(st, 0);
		title = db_col_copy(st, 1, &a).p;
		source = db_col_copy(st, 2, &a).p;
		j->n = db_col_i64(st, 3);
		same = !db_col_null(st, 4) && db_col_i64(st, 4) != 0;
		rc = 0;
	} else if (rc == DB_DONE)
		rc = ERR_NOTFOUND;
	db_done(st);
	if (rc != 0)
		goto out;
	if (same) {
		rc = why_set(j->why, ERR_CONFLICT, "source", N_("This draft is already published as version %d."));
		if (j->why)
			j->why->limit = (int)j->n;
		goto out;
	}
	if ((rc = mod_parse(str_c(source), &a, &mc, j->why)) != 0)
		goto out;
	if (mc.nsessions == 0) {
		rc = why_set(j->why, ERR_INVAL, "source", N_("Write at least one session before publishing."));
		goto out;
	}
	if ((rc = mod_check_items_on(c, j->org_id, &mc, j->why)) != 0)
		goto out;
	j->n++;
	if ((rc = db_prepare(c, "INSERT INTO module_versions (module_id, n, "
	    "title, source, sessions, published_by, published_at) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?)", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, j->id);
	db_bind_i64(st, 2, j->n);
	db_bind_textz(st, 3, title);
	db_bind_textz(st, 4, source);
	db_bind_i64(st, 5, mc.nsessions);
	db_bind_i64(st, 6, j->author_id);
	db_bind_i64(st, 7, j->now);
	if ((rc = db_run(st)) != 0)
		goto out;
	if ((rc = db_prepare(c, "UPDATE modules SET published_n = ? WHERE "
	    "id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, j->n);
	db_bind_i64(st, 2, j->id);
	if ((rc = db_step_one(st, ERR_NOTFOUND)) != 0)
		goto out;
	rc = lib_audit(c, j, AUDIT_CREATE, "publish");
out:
	arena_release(&a);
	return rc;
}

int
mod_lib_run(struct db_conn *c, void *arg)
{
	struct lib_job *j = arg;
	struct db_stmt *st;
	int64_t n = 0;
	int rc;

	if (j->what == 2)
		return mod_publish_on(c, j);
	if (j->what == 0) {
		if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM modules WHERE "
		    "org_id = ?", &n, 1, &j->org_id)) != 0)
			return rc;
		if (n >= LIMIT_MOD_PER_ORG) {
			why_set(j->why, ERR_TOOMANY, "title", N_("An organisation has at most %d modules."));
			if (j->why)
				j->why->limit = LIMIT_MOD_PER_ORG;
			return ERR_TOOMANY;
		}
		if ((rc = mod_check_items_src_on(c, j->org_id, j->source,
		    j->why)) != 0)
			return rc;
		if ((rc = db_prepare(c, "INSERT INTO modules (org_id, title, "
		    "source, created_by, created_at, updated_at) VALUES "
		    "(?, ?, ?, ?, ?, ?) RETURNING id", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->org_id);
		db_bind_text(st, 2, j->title.p, j->title.len);
		db_bind_text(st, 3, j->source.p ? j->source.p : "",
		    j->source.len);
		db_bind_i64(st, 4, j->author_id);
		db_bind_i64(st, 5, j->now);
		db_bind_i64(st, 6, j->now);
		if ((rc = db_step_id(st, &j->id)) != 0)
			return rc;
		return lib_audit(c, j, AUDIT_CREATE, "draft");
	}
	if ((rc = db_query_i64(c, "SELECT org_id FROM modules WHERE id = ?",
	    &j->org_id, 1, &j->id)) != 0)
		return rc;
	if ((rc = mod_check_items_src_on(c, j->org_id, j->source,
	    j->why)) != 0)
		return rc;
	if ((rc = db_prepare(c, "UPDATE modules SET title = ?, source = ?, "
	    "updated_at = ? WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_text(st, 1, j->title.p, j->title.len);
	db_bind_text(st, 2, j->source.p ? j->source.p : "", j->source.len);
	db_bind_i64(st, 3, j->now);
	db_bind_i64(st, 4, j->id);
	if ((rc = db_step_one(st, ERR_NOTFOUND)) != 0)
		return rc;
	return lib_audit(c, j, AUDIT_UPDATE, "draft");
}

int
mod_create(const struct mod_env *env, int64_t org_id, int64_t author_id,
    struct str title, struct str source, const struct audit_event *ev,
    struct why *why, int64_t *id)
{
	struct lib_job j;
	int rc;

	memset(&j, 0, sizeof(j));
	if ((rc = check_draft(title, source, &j.title, why)) != 0 ||
	    (rc = check_instruments(env->db, org_id, source, why)) != 0)
		return rc;
	j.org_id = org_id;
	j.author_id = author_id;
	j.source = source;
	j.now = mod_now_or(0);
	j.ev = ev;
	j.why = why;
	if ((rc = db_write(env->db, mod_lib_run, &j)) == 0)
		*id = j.id;
	return rc;
}

int
mod_draft_save(const struct mod_env *env, int64_t id, int64_t author_id,
    struct str title, struct str source, const struct audit_event *ev,
    struct why *why)
{
	struct lib_job j;
	struct mod_info m;
	struct arena a;
	int rc;

	memset(&j, 0, sizeof(j));
	if ((rc = check_draft(title, source, &j.title, why)) != 0)
		return rc;
	arena_init(&a);
	rc = mod_get(env->db, id, &a, &m);
	if (rc == 0)
		rc = check_instruments(env->db, m.org_id, source, why);
	arena_release(&a);
	if (rc != 0)
		return rc;
	j.id = id;
	j.author_id = author_id;
	j.source = source;
	j.now = mod_now_or(0);
	j.ev = ev;
	j.why = why;
	j.what = 1;
	return db_write(env->db, mod_lib_run, &j);
}

int
mod_publish(const struct mod_env *env, int64_t id, int64_t author_id,
    const struct audit_event *ev, struct why *why, int64_t *n)
{
	struct lib_job j;
	struct mod_info m;
	struct arena a;
	int rc;

	/* the draft's questionnaires, as when it was saved: an
	 * instrument's name cannot leave the library, but a draft saved
	 * before this check may name one that was never in it */
	arena_init(&a);
	rc = mod_get(env->db, id, &a, &m);
	if (rc == 0)
		rc = check_instruments(env->db, m.org_id, str_c(m.source), why);
	arena_release(&a);
	if (rc != 0)
		return rc;
	memset(&j, 0, sizeof(j));
	j.id = id;
	j.author_id = author_id;
	j.now = mod_now_or(0);
	j.ev = ev;
	j.why = why;
	j.what = 2;
	if ((rc = db_write(env->db, mod_lib_run, &j)) == 0 && n)
		*n = j.n;
	return rc;
}

/* A module with its published version, as lib_row reads it; the caller
 * adds the condition. */
#define MOD_COLUMNS "SELECT m.id, m.org_id, m.title, m.source, " \
	"m.updated_at, m.published_n, v.id, v.published_at, " \
	"v.title = m.title AND v.source = m.source FROM modules m LEFT " \
	"JOIN module_versions v ON v.module_id = m.id AND v.n = " \
	"m.published_n "

static void
lib_row(struct db_stmt *st, bool source, struct arena *a,
    struct mod_info *m)
{
	m->id = db_col_i64(st, 0);
	m->org_id = db_col_i64(st, 1);
	m->title = db_col_copy(st, 2, a).p;
	m->source = source ? db_col_copy(st, 3, a).p : NULL;
	m->updated_at = db_col_i64(st, 4);
	m->published_n = db_col_i64(st, 5);
	m->published_id = db_col_null(st, 6) ? 0 : db_col_i64(st, 6);
	m->published_at = db_col_null(st, 7) ? 0 : db_col_i64(st, 7);
	m->draft_changed = db_col_null(st, 8) || db_col_i64(st, 8) == 0;
}

int
mod_get(struct db *db, int64_t id, struct arena *a, struct mod_info *out)
{
	struct db_conn *c;
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, MOD_COLUMNS "WHERE m.id = ?", &st)) == 0) {
		db_bind_i64(st, 1, id);
		if ((rc = db_step(st)) == DB_ROW) {
			lib_row(st, true, a, out);
			rc = 0;
		} else if (rc == DB_DONE)
			rc = ERR_NOTFOUND;
		db_done(st);
	}
	db_read_end(db, c);
	return rc;
}

int
mod_list(struct db *db, int64_t org_id, struct arena *a,
    struct mod_info **out, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *st;
	size_t cap = 16;
	int rc;

	*out = arena_calloc(a, cap, sizeof(**out));
	*n = 0;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, MOD_COLUMNS "WHERE m.org_id = ? ORDER BY "
	    "m.title, m.id", &st)) == 0) {
		db_bind_i64(st, 1, org_id);
		while ((rc = db_step(st)) == DB_ROW) {
			if (*n == cap)
				*out = arena_grow(a, *out, &cap, sizeof(**out));
			lib_row(st, false, a, &(*out)[(*n)++]);
		}
		db_done(st);
	}
	db_read_end(db, c);
	return rc < 0 ? rc : 0;
}

int
mod_org_on(struct db_conn *c, int64_t id, int64_t *org_id)
{
	return db_query_i64(c, "SELECT org_id FROM modules WHERE id = ?",
	    org_id, 1, &id);
}

int
mod_version_source(struct db *db, int64_t module_id, int64_t n,
    struct arena *a, const char **title, const char **source)
{
	struct db_conn *c;
	struct db_stmt *st;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT v.title, v.source FROM "
	    "module_versions v JOIN modules m ON m.id = v.module_id WHERE "
	    "v.module_id = ? AND v.n = CASE WHEN ? > 0 THEN ? ELSE "
	    "m.published_n END", &st)) == 0) {
		db_bind_i64(st, 1, module_id);
		db_bind_i64(st, 2, n);
		db_bind_i64(st, 3, n);
		if ((rc = db_step(st)) == DB_ROW) {
			*title = db_col_copy(st, 0, a).p;
			*source = db_col_copy(st, 1, a).p;
			rc = 0;
		} else if (rc == DB_DONE)
			rc = ERR_NOTFOUND;
		db_done(st);
	}
	db_read_end(db, c);
	return rc;
}

/* --- runs ------------------------------------------------------------------- */

int
mod_run_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id)
{
	return db_query_i64(c, "SELECT trajectory_id FROM module_runs WHERE "
	    "id = ?", traj_id, 1, &id);
}

static int
check_plan(const struct mod_plan *p, int64_t now, struct why *why)
{
	int rc;

	switch (p->timing) {
	case MOD_ALL:
	case MOD_AFTER:
		return 0;
	case MOD_EVERY:
		if (p->every_days >= 1 && p->every_days <= LIMIT_MOD_EVERY_DAYS)
			return 0;
		rc = why_set(why, ERR_INVAL, "every", N_("Give a number of days from 1 to %d."));
		if (why)
			why->limit = LIMIT_MOD_EVERY_DAYS;
		return rc;
	case MOD_DATE:
		if (p->opens_at > 0 && p->opens_at <= now + LIMIT_MOD_DATE_AHEAD)
			return 0;
		return why_set(why, ERR_INVAL, "date", N_("Give the date and time the module opens, within two years."));
	case MOD_DATES:
		/* the dates follow, per session, on the run's page */
		return 0;
	case MOD_APPT:
		if (p->appt_hours != 0 && abs(p->appt_hours) <=
		    LIMIT_MOD_APPT_HOURS)
			return 0;
		rc = why_set(why, ERR_INVAL, "hours", N_("Give a number of hours from 1 to %d."));
		if (why)
			why->limit = LIMIT_MOD_APPT_HOURS;
		return rc;
	}
	return why_set(why, ERR_INVAL, "timing", N_("Choose when the sessions open."));
}

struct assign_job {
	int64_t traj_id;
	int64_t module_id;
	int64_t actor_id;
	struct mod_plan plan;
	int64_t now;
	int64_t id;
	const struct audit_event *ev;
	struct why *why;
};

static int
assign_run(struct db_conn *c, void *arg)
{
	struct assign_job *j = arg;
	struct traj_head h;
	struct db_stmt *st;
	struct audit_event ev;
	enum role part;
	int64_t org = 0, vid = 0, sessions = 0, n = 0;
	int rc;

	if ((rc = traj_head_on(c, j->traj_id, &h)) != 0)
		return rc;
	if (h.phase == TRAJ_CLOSED)
		return ERR_FORBIDDEN;
	if ((rc = traj_role_on(c, j->traj_id, j->actor_id, &part)) != 0)
		return rc;
	if (part != ROLE_PROFESSIONAL)
		return ERR_FORBIDDEN;
	if ((rc = db_prepare(c, "SELECT m.org_id, v.id, v.sessions FROM "
	    "modules m JOIN module_versions v ON v.module_id = m.id AND v.n = "
	    "m.published_n WHERE m.id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->module_id);
	if ((rc = db_step(st)) == DB_ROW) {
		org = db_col_i64(st, 0);
		vid = db_col_i64(st, 1);
		sessions = db_col_i64(st, 2);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (org != h.org_id || vid == 0)
		return why_set(j->why, ERR_INVAL, "module", N_("Choose a published module of your organisation."));
	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM module_runs WHERE "
	    "trajectory_id = ?", &n, 1, &j->traj_id)) != 0)
		return rc;
	if (n >= LIMIT_MOD_PER_TRAJ) {
		why_set(j->why, ERR_TOOMANY, "module", N_("A trajectory has at most %d modules."));
		if (j->why)
			j->why->limit = LIMIT_MOD_PER_TRAJ;
		return ERR_TOOMANY;
	}
	if ((rc = db_prepare(c, "INSERT INTO module_runs (org_id, "
	    "trajectory_id, module_id, version_id, sessions, guided, timing, "
	    "every_days, opens_at, appt_hours, created_by, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, h.org_id);
	db_bind_i64(st, 2, j->traj_id);
	db_bind_i64(st, 3, j->module_id);
	db_bind_i64(st, 4, vid);
	db_bind_i64(st, 5, sessions);
	db_bind_i64(st, 6, j->plan.guided ? 1 : 0);
	db_bind_textz(st, 7, timing_names[j->plan.timing]);
	db_bind_i64(st, 8, j->plan.timing == MOD_EVERY ? j->plan.every_days : 0);
	db_bind_i64(st, 9, j->plan.timing == MOD_DATE ? j->plan.opens_at : 0);
	db_bind_i64(st, 10, j->plan.timing == MOD_APPT ? j->plan.appt_hours : 0);
	db_bind_i64(st, 11, j->actor_id);
	db_bind_i64(st, 12, j->now);
	if ((rc = db_step_id(st, &j->id)) != 0)
		return rc;
	ev = audit_event_from(j->ev, h.org_id, AUDIT_CREATE, "module",
	    "assign", h.client_id, j->id);
	return audit_append(c, &ev);
}

int
mod_assign(const struct mod_env *env, int64_t traj_id, int64_t module_id,
    int64_t actor_id, const struct mod_plan *plan, time_t now,
    const struct audit_event *ev, struct why *why, int64_t *run_id)
{
	struct assign_job j;
	int rc;

	memset(&j, 0, sizeof(j));
	j.now = mod_now_or(now);
	if ((unsigned)plan->timing >= NTIMINGS)
		return why_set(why, ERR_INVAL, "timing", N_("Choose when the sessions open."));
	if ((rc = check_plan(plan, j.now, why)) != 0)
		return rc;
	j.traj_id = traj_id;
	j.module_id = module_id;
	j.actor_id = actor_id;
	j.plan = *plan;
	j.ev = ev;
	j.why = why;
	if ((rc = db_write(env->db, assign_run, &j)) == 0)
		*run_id = j.id;
	return rc;
}


static int
load_row_on(struct db_conn *c, int64_t id, struct arena *a,
    struct run_load *l)
{
	struct mod_run *r = &l->run;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT r.org_id, r.trajectory_id, "
	    "r.module_id, r.version_id, r.sessions, r.guided, r.timing, "
	    "r.every_days, r.opens_at, r.appt_hours, r.created_at, "
	    "r.started_at, r.last_at, r.active_seconds, v.n, v.title, "
	    "v.source FROM module_runs r JOIN module_versions v ON v.id = "
	    "r.version_id WHERE r.id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW) {
		struct str t = db_col_text(st, 6);
		size_t i;

		r->id = id;
		r->org_id = db_col_i64(st, 0);
		r->traj_id = db_col_i64(st, 1);
		r->module_id = db_col_i64(st, 2);
		r->version_id = db_col_i64(st, 3);
		r->nsessions = (int)db_col_i64(st, 4);
		r->plan.guided = db_col_i64(st, 5) != 0;
		r->plan.timing = MOD_ALL;
		for (i = 0; i < NTIMINGS; i++)
			if (str_eqc(t, timing_names[i]))
				r->plan.timing = (enum mod_timing)i;
		r->plan.every_days = (int)db_col_i64(st, 7);
		r->plan.opens_at = db_col_i64(st, 8);
		r->plan.appt_hours = (int)db_col_i64(st, 9);
		r->created_at = db_col_i64(st, 10);
		r->started_at = db_col_i64(st, 11);
		r->last_at = db_col_i64(st, 12);
		r->active_seconds = db_col_i64(st, 13);
		r->version_n = db_col_i64(st, 14);
		r->title = db_col_copy(st, 15, a).p;
		l->source = db_col_copy(st, 16, a).p;
		rc = 0;
	} else if (rc == DB_DONE)
		rc = ERR_NOTFOUND;
	db_done(st);
	if (rc != 0)
		return rc;
	if ((rc = traj_head_on(c, r->traj_id, &l->head)) != 0)
		return rc;
	r->client_id = l->head.client_id;
	return 0;
}

struct appt_collect {
	int64_t *at;
	int n, cap;
	int hours;
};

static int
appt_collect(const struct appt_when *w, void *arg)
{
	struct appt_collect *ac = arg;

	if (ac->n >= ac->cap)
		return 1;
	ac->at[ac->n++] = ac->hours < 0 ?
	    (int64_t)w->starts_at + (int64_t)ac->hours * 3600 :
	    (int64_t)w->ends_at + (int64_t)ac->hours * 3600;
	return 0;
}

/* When each session opens (0: not known yet), from the timing, the
 * sessions finished (ss[].finished_at) and the appointments booked. */
static int
run_opens(struct db_conn *c, const struct mod_run *r,
    struct mod_session_state *ss, int64_t now)
{
	struct appt_collect ac = { NULL, 0, 0, 0 };
	int64_t at[LIMIT_MOD_SESSIONS];
	int k, rc;

	if (r->plan.timing == MOD_APPT) {
		ac.at = at;
		ac.cap = r->nsessions < LIMIT_MOD_SESSIONS ? r->nsessions :
		    LIMIT_MOD_SESSIONS;
		ac.hours = r->plan.appt_hours;
		/* the appointments from the run's start on, as far ahead as
		 * the calendar books */
		rc = appt_window_on(c, r->traj_id, (time_t)r->created_at,
		    (time_t)(r->created_at + LIMIT_MOD_DATE_AHEAD),
		    appt_collect, &ac);
		if (rc < 0)
			return rc;
	}
	for (k = 0; k < r->nsessions; k++) {
		int64_t o = 0;

		switch (r->plan.timing) {
		case MOD_ALL:
			o = r->created_at;
			break;
		case MOD_EVERY:
			o = r->created_at + (int64_t)k * r->plan.every_days *
			    86400;
			break;
		case MOD_AFTER:
			o = k == 0 ? r->created_at : ss[k - 1].finished_at;
			break;
		case MOD_DATE:
			o = r->plan.opens_at;
			break;
		case MOD_APPT:
			o = k < ac.n ? at[k] : 0;
			break;
		case MOD_DATES:
			o = ss[k].date;
			break;
		}
		ss[k].opens_at = o;
		/* a session finished stays open to read back */
		ss[k].open = (o > 0 && o <= now) || ss[k].finished_at > 0;
	}
	return 0;
}

/* Session states and answers; boxes opened only with open (after the
 * read was logged). */
static int
load_states_on(const struct mod_env *env, struct db_conn *c,
    struct run_load *l, bool open, int64_t now, struct arena *a)
{
	struct mod_run *r = &l->run;
	struct db_stmt *st;
	int k, rc;

	l->ss = arena_calloc(a, r->nsessions > 0 ? (size_t)r->nsessions : 1,
	    sizeof(*l->ss));
	for (k = 0; k < r->nsessions; k++) {
		int np = k < l->content.nsessions ?
		    l->content.sessions[k].npages : 0;

		l->ss[k].answers = arena_calloc(a, np > 0 ? (size_t)np : 1,
		    sizeof(struct mod_answer));
	}
	if ((rc = db_prepare(c, "SELECT n, finished_at, feedback_box, "
	    "feedback_at, opens_at FROM module_session_state WHERE "
	    "run_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, r->id);
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t n = db_col_i64(st, 0);
		struct mod_session_state *s;
		struct str box = db_col_blob(st, 2);

		if (n < 0 || n >= r->nsessions)
			continue;
		s = &l->ss[n];
		s->finished_at = db_col_i64(st, 1);
		s->feedback_at = db_col_i64(st, 3);
		s->date = db_col_i64(st, 4);
		if (open && box.len > 0 && (rc = keyring_open_str(env->kr, c,
		    r->org_id, box, a, &s->feedback, NULL)) != 0)
			break;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT session_n, page_n, body_box, ref_id, "
	    "wants_reply, updated_at FROM module_answers WHERE run_id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, r->id);
	while ((rc = db_step(st)) == DB_ROW) {
		int64_t s = db_col_i64(st, 0), p = db_col_i64(st, 1);
		struct str box = db_col_blob(st, 2);
		struct mod_answer *an;

		if (s < 0 || s >= r->nsessions || s >= l->content.nsessions ||
		    p < 0 || p >= l->content.sessions[s].npages)
			continue;
		an = &l->ss[s].answers[p];
		an->ref_id = db_col_i64(st, 3);
		an->updated_at = db_col_i64(st, 5);
		an->waiting = db_col_i64(st, 4) != 0 &&
		    an->updated_at > l->ss[s].feedback_at;
		if (open && box.len > 0 && (rc = keyring_open_str(env->kr, c,
		    r->org_id, box, a, &an->body, NULL)) != 0)
			break;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if ((rc = run_opens(c, r, l->ss, now)) != 0)
		return rc;
	/* the progress */
	r->done = r->opened = r->waiting = 0;
	r->current = -1;
	r->next_opens_at = 0;
	for (k = 0; k < r->nsessions; k++) {
		int p, np = k < l->content.nsessions ?
		    l->content.sessions[k].npages : 0;

		r->done += l->ss[k].finished_at > 0;
		r->opened += l->ss[k].open;
		if (r->current < 0 && l->ss[k].open &&
		    l->ss[k].finished_at == 0)
			r->current = k;
		if (!l->ss[k].open && l->ss[k].opens_at > now &&
		    (r->next_opens_at == 0 ||
		    l->ss[k].opens_at < r->next_opens_at))
			r->next_opens_at = l->ss[k].opens_at;
		for (p = 0; p < np; p++)
			r->waiting += l->ss[k].answers[p].waiting;
	}
	return 0;
}

/* Everything of a run on c: the row, the content, the states. */
int
mod_load_run_on(const struct mod_env *env, struct db_conn *c, int64_t id,
    bool open, int64_t now, struct arena *a, struct run_load *l)
{
	int rc;

	memset(l, 0, sizeof(*l));
	if ((rc = load_row_on(c, id, a, l)) != 0)
		return rc;
	/* a published version always parses (mod_publish checked it) */
	if (mod_parse(str_c(l->source), a, &l->content, NULL) != 0)
		return ERR_INTERNAL;
	if (l->content.nsessions < l->run.nsessions)
		l->run.nsessions = l->content.nsessions;
	return load_states_on(env, c, l, open, now, a);
}

/* The activity of the client: a view or an answer within
 * LIMIT_MOD_ACTIVE_GAP of the one before counts the time between. */
static int
touch_on(struct db_conn *c, int64_t id, int64_t now)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "UPDATE module_runs SET active_seconds = "
	    "active_seconds + CASE WHEN last_at > 0 AND ? - last_at BETWEEN 0 "
	    "AND ? THEN ? - last_at ELSE 0 END, last_at = ? WHERE id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, now);
	db_bind_i64(st, 2, LIMIT_MOD_ACTIVE_GAP);
	db_bind_i64(st, 3, now);
	db_bind_i64(st, 4, now);
	db_bind_i64(st, 5, id);
	return db_run(st);
}

struct view_job {
	int64_t id;
	int64_t now;
	bool client;
	bool start;
	int64_t module_id;
	struct audit_event ev;
};

static int
view_log_run(struct db_conn *c, void *arg)
{
	struct view_job *j = arg;
	struct db_stmt *st;
	int rc;

	if (j->client) {
		if (j->start) {
			/* the client starts: the newest version becomes
			 * theirs, and stays so */
			if ((rc = db_prepare(c, "UPDATE module_runs SET "
			    "started_at = ?, version_id = (SELECT mv.id FROM "
			    "module_versions mv JOIN modules m ON m.id = "
			    "mv.module_id AND mv.n = m.published_n WHERE m.id "
			    "= ?), sessions = (SELECT mv.sessions FROM "
			    "module_versions mv JOIN modules m ON m.id = "
			    "mv.module_id AND mv.n = m.published_n WHERE m.id "
			    "= ?) WHERE id = ? AND started_at = 0", &st)) != 0)
				return rc;
			db_bind_i64(st, 1, j->now);
			db_bind_i64(st, 2, j->module_id);
			db_bind_i64(st, 3, j->module_id);
			db_bind_i64(st, 4, j->id);
			if ((rc = db_run(st)) != 0)
				return rc;
		}
		if ((rc = touch_on(c, j->id, j->now)) != 0)
			return rc;
	}
	return audit_append(c, &j->ev);
}

int
mod_run_view(const struct mod_env *env, int64_t id, int64_t viewer_id,
    time_t now, const struct audit_event *ev, struct arena *a,
    struct mod_run_view *out)
{
	struct view_job j;
	struct run_load l;
	struct db_conn *c = NULL;
	enum role part = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&j, 0, sizeof(j));
	j.id = id;
	j.now = mod_now_or(now);
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	rc = load_row_on(c, id, a, &l);
	if (rc == 0)
		rc = traj_role_on(c, l.run.traj_id, viewer_id, &part);
	db_read_end(env->db, c);
	if (rc != 0)
		return rc;
	if (part != ROLE_CLIENT && part != ROLE_PROFESSIONAL)
		return ERR_FORBIDDEN;
	/* log first, then show */
	j.client = part == ROLE_CLIENT && l.head.phase != TRAJ_CLOSED;
	j.start = j.client && l.run.started_at == 0;
	j.module_id = l.run.module_id;
	j.ev = audit_event_from(ev, l.run.org_id, AUDIT_READ, "module", NULL,
	    l.run.client_id, id);
	if ((rc = db_write(env->db, view_log_run, &j)) != 0)
		return rc;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) == 0)
		rc = mod_load_run_on(env, c, id, true, j.now, a, &l);
	db_read_end(env->db, c);
	if (rc != 0)
		return rc;
	out->run = l.run;
	out->content = l.content;
	out->sessions = l.ss;
	out->viewer_is_client = part == ROLE_CLIENT;
	out->closed = l.head.phase == TRAJ_CLOSED;
	return 0;
}

int
mod_runs(struct db *db, int64_t traj_id, time_t now, struct arena *a,
    struct mod_run **out, size_t *n)
{
	int64_t ids[LIMIT_MOD_PER_TRAJ];
	struct db_conn *c;
	struct db_stmt *st;
	struct run_load l;
	struct mod_env env = { db, NULL };
	size_t k, cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT id FROM module_runs WHERE "
	    "trajectory_id = ? ORDER BY id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	while ((rc = db_step(st)) == DB_ROW && cnt < LIMIT_MOD_PER_TRAJ)
		ids[cnt++] = db_col_i64(st, 0);
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	*out = arena_calloc(a, cnt > 0 ? cnt : 1, sizeof(**out));
	for (k = 0; k < cnt; k++) {
		if ((rc = mod_load_run_on(&env, c, ids[k], false, mod_now_or(now), a,
		    &l)) != 0)
			goto out;
		(*out)[k] = l.run;
	}
	*n = cnt;
out:
	db_read_end(db, c);
	return rc;
}

/* --- answers and feedback ---------------------------------------------------- */

struct act_job {
	int64_t id;
	int64_t user_id;
	int s, p;
	int what;                /* 0 answer, 1 finish, 2 feedback */
	bool wants_reply;
	int64_t ref_id;
	int64_t now;
	struct buf box;
	const struct audit_event *ev;
};

static int
act_run(struct db_conn *c, void *arg)
{
	struct act_job *j = arg;
	struct traj_head h;
	struct db_stmt *st;
	struct audit_event ev;
	enum role part;
	int64_t traj = 0, fin = 0;
	int rc;

	if ((rc = mod_run_traj_on(c, j->id, &traj)) != 0)
		return rc;
	if ((rc = traj_head_on(c, traj, &h)) != 0)
		return rc;
	if (h.phase == TRAJ_CLOSED)
		return ERR_FORBIDDEN;
	if ((rc = traj_role_on(c, traj, j->user_id, &part)) != 0)
		return rc;
	if (part != (j->what == 2 ? ROLE_PROFESSIONAL : ROLE_CLIENT))
		return ERR_FORBIDDEN;
	if (j->what != 2) {
		/* re-check: the session may have been finished meanwhile */
		int64_t args[2] = { j->id, j->s };

		rc = db_query_i64(c, "SELECT finished_at FROM "
		    "module_session_state WHERE run_id = ? AND n = ?", &fin, 2,
		    args);
		if (rc != 0 && rc != ERR_NOTFOUND)
			return rc;
		if (fin > 0)
			return ERR_CONFLICT;
	}
	if (j->what == 0) {
		if ((rc = db_prepare(c, "INSERT INTO module_answers (run_id, "
		    "session_n, page_n, body_box, ref_id, wants_reply, "
		    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
		    "(run_id, session_n, page_n) DO UPDATE SET body_box = "
		    "excluded.body_box, ref_id = excluded.ref_id, wants_reply = "
		    "excluded.wants_reply, updated_at = excluded.updated_at",
		    &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->id);
		db_bind_i64(st, 2, j->s);
		db_bind_i64(st, 3, j->p);
		if (j->box.len > 0)
			db_bind_blob(st, 4, j->box.p, j->box.len);
		else
			db_bind_null(st, 4);
		db_bind_i64(st, 5, j->ref_id);
		db_bind_i64(st, 6, j->wants_reply ? 1 : 0);
		db_bind_i64(st, 7, j->now);
	} else if (j->what == 1) {
		if ((rc = db_prepare(c, "INSERT INTO module_session_state "
		    "(run_id, n, finished_at) VALUES (?, ?, ?) ON CONFLICT "
		    "(run_id, n) DO UPDATE SET finished_at = "
		    "excluded.finished_at", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->id);
		db_bind_i64(st, 2, j->s);
		db_bind_i64(st, 3, j->now);
	} else {
		if ((rc = db_prepare(c, "INSERT INTO module_session_state "
		    "(run_id, n, feedback_box, feedback_by, feedback_at) VALUES "
		    "(?, ?, ?, ?, ?) ON CONFLICT (run_id, n) DO UPDATE SET "
		    "feedback_box = excluded.feedback_box, feedback_by = "
		    "excluded.feedback_by, feedback_at = excluded.feedback_at",
		    &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->id);
		db_bind_i64(st, 2, j->s);
		db_bind_blob(st, 3, j->box.p, j->box.len);
		db_bind_i64(st, 4, j->user_id);
		db_bind_i64(st, 5, j->now);
	}
	if ((rc = db_run(st)) != 0)
		return rc;
	if (j->what == 2) {
		if ((rc = outbox_add_on(c, &h.client_id, 1, traj, j->now)) != 0)
			return rc;
	} else if ((rc = touch_on(c, j->id, j->now)) != 0)
		return rc;
	if (j->what == 1) {
		/* the next session may open now (after): the reminder pass
		 * looks at once */
		if ((rc = db_prepare(c, "UPDATE module_runs SET remind_at = 0 "
		    "WHERE id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->id);
		if ((rc = db_run(st)) != 0)
			return rc;
	}
	ev = audit_event_from(j->ev, h.org_id, j->what == 1 ? AUDIT_UPDATE :
	    AUDIT_CREATE, "module", j->what == 0 ? "answer" : j->what == 1 ?
	    "finish" : "feedback", h.client_id, j->id);
	return audit_append(c, &ev);
}

/* The run as the client or professional acting on session s sees it. */
static int
act_load(const struct mod_env *env, int64_t id, int s, int64_t now,
    struct arena *a, struct run_load *l, struct why *why)
{
	struct db_conn *c;
	int rc;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	rc = mod_load_run_on(env, c, id, false, now, a, l);
	db_read_end(env->db, c);
	if (rc != 0)
		return rc;
	if (s < 0 || s >= l->run.nsessions)
		return why_set(why, ERR_NOTFOUND, NULL, N_("This module has no such session."));
	return 0;
}

static int
seal_for(const struct mod_env *env, int64_t org_id, struct str text,
    struct buf *box)
{
	struct db_conn *c;
	int rc;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	rc = keyring_seal(env->kr, c, org_id, text.p, text.len, box);
	db_read_end(env->db, c);
	return rc;
}

static int
answer_text(struct str text, size_t max, struct str *out, struct why *why)
{
	switch (text_check(text, max, 0, true, out)) {
	case TEXT_OK:
		return 0;
	case TEXT_MISSING:
		return why_set(why, ERR_INVAL, "answer", N_("Please write your answer first."));
	case TEXT_TOO_LONG:
		why_set(why, ERR_TOOBIG, "answer", N_("Your answer is longer than %d KB."));
		if (why)
			why->limit = (int)(max / 1024);
		return ERR_TOOBIG;
	default:
		return why_set(why, ERR_INVAL, "answer", N_("The text holds a character that cannot be stored (a control character or bytes that are not UTF-8)."));
	}
}

/* The newest version of the organisation's questionnaire by name. */
static int
instrument_version(struct db *db, int64_t org_id, const char *name,
    struct arena *a, int64_t *vid)
{
	struct measure_version *v = NULL;
	int n = 0, rc;

	if ((rc = measure_versions(db, org_id, name, a, &v, &n)) != 0)
		return rc;
	if (n == 0)
		return ERR_NOTFOUND;
	*vid = v[0].id;
	return 0;
}

int
mod_answer(const struct mod_env *env, int64_t id, int64_t user_id,
    int s, int p, struct str text, time_t now, const struct audit_event *ev,
    struct why *why, int64_t *ref_id)
{
	struct act_job j;
	struct run_load l;
	struct arena a;
	const struct mod_page *pg;
	struct diary_env denv = { env->db, env->kr };
	struct measure_env menv = { env->db, env->kr };
	struct str body;
	int64_t vid = 0, v;
	int rc;

	memset(&j, 0, sizeof(j));
	arena_init(&a);
	if (ref_id)
		*ref_id = 0;
	j.now = mod_now_or(now);
	if ((rc = act_load(env, id, s, j.now, &a, &l, why)) != 0)
		goto out;
	if (l.run.client_id != user_id) {
		rc = ERR_FORBIDDEN;
		goto out;
	}
	if (!l.ss[s].open) {
		rc = why_set(why, ERR_CONFLICT, NULL, N_("This session is not open yet."));
		goto out;
	}
	if (l.ss[s].finished_at > 0) {
		rc = why_set(why, ERR_CONFLICT, NULL, N_("You have finished this session; its answers stay as they were."));
		goto out;
	}
	if (p < 0 || p >= l.content.sessions[s].npages ||
	    !mod_page_is_exercise(l.content.sessions[s].pages[p].kind)) {
		rc = why_set(why, ERR_CONFLICT, NULL, N_("This page asks for no answer."));
		goto out;
	}
	pg = &l.content.sessions[s].pages[p];
	j.wants_reply = pg->kind == MOD_PAGE_ASSIGNMENT || l.run.plan.guided;
	switch (pg->kind) {
	case MOD_PAGE_FREE:
	case MOD_PAGE_ASSIGNMENT:
		if ((rc = answer_text(text, LIMIT_MOD_ANSWER, &body, why)) != 0)
			goto out;
		rc = seal_for(env, l.run.org_id, body, &j.box);
		break;
	case MOD_PAGE_CHOICE:
		if (num_parse_i64(text, 1, pg->noptions, &v) != 0) {
			rc = why_set(why, ERR_INVAL, "answer", N_("Choose one of the answers."));
			goto out;
		}
		rc = seal_for(env, l.run.org_id, str_c(pg->options[v - 1]),
		    &j.box);
		break;
	case MOD_PAGE_DIARY:
		/* the diary owns the text; shared when a professional
		 * guides the module */
		if ((rc = answer_text(text, LIMIT_MOD_ANSWER, &body, why)) != 0)
			goto out;
		rc = diary_add(&denv, l.run.traj_id, body, l.run.plan.guided,
		    ev, &j.ref_id, why);
		break;
	case MOD_PAGE_MOOD:
		if (num_parse_i64(text, 1, 10, &v) != 0) {
			rc = why_set(why, ERR_INVAL, "answer", N_("Choose your mood from 1 to 10."));
			goto out;
		}
		rc = mood_add(&denv, l.run.traj_id, (int)v, STR_NULL, STR_NULL,
		    ev, &j.ref_id, why);
		break;
	case MOD_PAGE_QUESTIONNAIRE:
		/* started once: the same questionnaire afterwards */
		if ((j.ref_id = l.ss[s].answers[p].ref_id) > 0) {
			if (ref_id)
				*ref_id = j.ref_id;
			goto out;
		}
		if ((rc = instrument_version(env->db, l.run.org_id,
		    pg->instrument, &a, &vid)) == ERR_NOTFOUND) {
			rc = why_set(why, ERR_CONFLICT, NULL, N_("This questionnaire is not in your organisation's library; please tell your professional."));
			goto out;
		}
		if (rc == 0)
			rc = measure_assign(&menv, l.run.traj_id, vid,
			    MEASURE_ONCE, 0, user_id, ev, &j.ref_id, why);
		break;
	case MOD_PAGE_TEXT:
	case MOD_PAGE_MEDIA:
	case MOD_PAGE_LIBRARY:
		break;
	}
	if (rc != 0) {
		if (why && why->field)
			why->field = "answer";
		goto out;
	}
	j.id = id;
	j.user_id = user_id;
	j.s = s;
	j.p = p;
	j.ev = ev;
	if ((rc = db_write(env->db, act_run, &j)) == ERR_CONFLICT)
		why_set(why, rc, NULL, N_("You have finished this session; its answers stay as they were."));
	if (rc == 0 && ref_id)
		*ref_id = j.ref_id;
out:
	buf_wipe(&j.box);
	arena_release(&a);
	return rc;
}

int
mod_finish(const struct mod_env *env, int64_t id, int64_t user_id, int s,
    time_t now, const struct audit_event *ev, struct why *why)
{
	struct act_job j;
	struct run_load l;
	struct arena a;
	int rc;

	memset(&j, 0, sizeof(j));
	arena_init(&a);
	j.now = mod_now_or(now);
	if ((rc = act_load(env, id, s, j.now, &a, &l, why)) != 0)
		goto out;
	if (!l.ss[s].open) {
		rc = why_set(why, ERR_CONFLICT, NULL, N_("This session is not open yet."));
		goto out;
	}
	j.id = id;
	j.user_id = user_id;
	j.s = s;
	j.what = 1;
	j.ev = ev;
	if ((rc = db_write(env->db, act_run, &j)) == ERR_CONFLICT)
		why_set(why, rc, NULL, N_("You have already finished this session."));
out:
	arena_release(&a);
	return rc;
}

int
mod_feedback(const struct mod_env *env, int64_t id, int64_t user_id,
    int s, struct str text, time_t now, const struct audit_event *ev,
    struct why *why)
{
	struct act_job j;
	struct run_load l;
	struct arena a;
	struct str body;
	int rc;

	memset(&j, 0, sizeof(j));
	arena_init(&a);
	j.now = mod_now_or(now);
	switch (text_check(text, LIMIT_MOD_FEEDBACK, 0, true, &body)) {
	case TEXT_OK:
		break;
	case TEXT_MISSING:
		rc = why_set(why, ERR_INVAL, "feedback", N_("Please write your feedback first."));
		goto out;
	case TEXT_TOO_LONG:
		rc = why_set(why, ERR_TOOBIG, "feedback", N_("Feedback is at most %d KB."));
		if (why)
			why->limit = LIMIT_MOD_FEEDBACK / 1024;
		goto out;
	default:
		rc = why_set(why, ERR_INVAL, "feedback", N_("The text holds a character that cannot be stored (a control character or bytes that are not UTF-8)."));
		goto out;
	}
	if ((rc = act_load(env, id, s, j.now, &a, &l, why)) != 0)
		goto out;
	if ((rc = seal_for(env, l.run.org_id, body, &j.box)) != 0)
		goto out;
	j.id = id;
	j.user_id = user_id;
	j.s = s;
	j.what = 2;
	j.ev = ev;
	rc = db_write(env->db, act_run, &j);
out:
	buf_wipe(&j.box);
	arena_release(&a);
	return rc;
}

/* Does a source text name media file id on an "@media KIND ID ALT" line?
 * Read leniently (a draft need not parse yet), as the page would be. */
static bool
source_names_media(struct str src, int64_t id)
{
	struct str line, rest = src, word, num;
	int64_t n;
	size_t i;

	while (rest.len > 0) {
		if (!str_cut(rest, '\n', &line, &rest)) {
			line = rest;
			rest.len = 0;
		}
		if (line.len < 7 || memcmp(line.p, "@media ", 7) != 0)
			continue;
		line.p += 7;
		line.len -= 7;
		if (!str_cut(line, ' ', &word, &line))
			continue;
		while (line.len > 0 && line.p[0] == ' ') {
			line.p++;
			line.len--;
		}
		if (!str_cut(line, ' ', &num, &line))
			num = line;
		for (i = 0, n = 0; i < num.len && i < 18 &&
		    num.p[i] >= '0' && num.p[i] <= '9'; i++)
			n = n * 10 + (num.p[i] - '0');
		if (i > 0 && i == num.len && n == id)
			return true;
	}
	return false;
}

int
mod_uses_media_on(struct db_conn *c, int64_t media_id, int64_t org_id,
    struct arena *a, const char **title)
{
	struct db_stmt *st;
	int rc;

	/* The draft and every published version: a run keeps the version
	 * its client started, so an old version's page still shows. */
	if ((rc = db_prepare(c, "SELECT title, source, org_id FROM modules "
	    "WHERE source LIKE '%@media %' UNION ALL "
	    "SELECT m.title, v.source, m.org_id FROM module_versions v "
	    "JOIN modules m ON m.id = v.module_id "
	    "WHERE v.source LIKE '%@media %'", &st)) != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (source_names_media(db_col_text(st, 1), media_id)) {
			*title = db_col_i64(st, 2) != org_id ? NULL :
			    arena_strz(a, db_col_text(st, 0));
			rc = 1;
			break;
		}
	}
	db_done(st);
	return rc == DB_DONE ? 0 : rc;
}
