/*
 * measure.c - questionnaires in a trajectory (see measure.h).
 *
 * Owns instrument_versions, questionnaires and questionnaire_responses.
 * A version's text is stored as written and parsed when used: parsing is
 * cheap (the benchmark scores tens of thousands of responses a second) and
 * one text is then the only truth about the instrument.  Answers are kept
 * as the text form of instrument_answers_format, sealed; a filling-in is
 * written as a whole on every save (it is a few hundred bytes), inside
 * one write job that re-reads the open filling-in, so two saves from two
 * tabs merge instead of one losing the other's answers.
 */
#include "instrument/measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appointment/appointment.h"
#include "audit/audit.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "http/escape.h"
#include "core/xalloc.h"
#include "keys/keyring.h"
#include "notify/outbox.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

/* "before" and "after" are stored as 'appointment' with their offset
 * (080_measure_appointments.sql); the names are the form's. */
static const char *const schedule_names[] = { "once", "every", "phase",
    "appointment", "before", "after" };
#define NSCHEDULES 6

const char *
measure_schedule_name(enum measure_schedule s)
{
	return (unsigned)s < NSCHEDULES ? schedule_names[s] : "?";
}

/* The schedule column's value. */
static const char *
schedule_db(enum measure_schedule s)
{
	return s >= MEASURE_BEFORE ? "appointment" : measure_schedule_name(s);
}

int
measure_schedule_parse(const char *s, enum measure_schedule *out)
{
	int i;

	for (i = 0; s != NULL && i < NSCHEDULES; i++)
		if (strcmp(s, schedule_names[i]) == 0) {
			*out = (enum measure_schedule)i;
			return 0;
		}
	return ERR_INVAL;
}

static const char *
dup_col(struct db_stmt *st, int col, struct arena *a, size_t *len)
{
	struct str s = db_col_text(st, col);

	if (len)
		*len = s.len;
	return arena_strndup(a, s.p ? s.p : "", s.len);
}

/* --- the library -------------------------------------------------------- */

struct add_job {
	int64_t org_id, actor_id, now;
	struct str text, name;
	bool shipped;
	const struct audit_event *ev;
	int64_t id;
};

static int
add_run(struct db_conn *c, void *arg)
{
	struct add_job *j = arg;
	struct db_stmt *st;
	struct audit_event ev;
	int64_t no = 0, last = 0;
	int rc;

	if ((rc = db_prepare(c, "SELECT id, version_no, body FROM "
	    "instrument_versions WHERE org_id = ? AND name = ? "
	    "ORDER BY version_no DESC LIMIT 1", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->org_id);
	db_bind_text(st, 2, j->name.p, j->name.len);
	if ((rc = db_step(st)) == DB_ROW) {
		last = db_col_i64(st, 0);
		no = db_col_i64(st, 1);
		if (j->shipped && str_eq(db_col_text(st, 2), j->text)) {
			db_done(st);
			j->id = last;
			return 0;
		}
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (no >= LIMIT_INSTRUMENT_VERSIONS)
		return ERR_TOOMANY;
	if ((rc = db_prepare(c, "INSERT INTO instrument_versions (org_id, "
	    "name, version_no, origin, body, created_by, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->org_id);
	db_bind_text(st, 2, j->name.p, j->name.len);
	db_bind_i64(st, 3, no + 1);
	db_bind_textz(st, 4, j->shipped ? "shipped" : "own");
	db_bind_text(st, 5, j->text.p, j->text.len);
	db_bind_id(st, 6, j->actor_id);
	db_bind_i64(st, 7, j->now);
	if ((rc = db_step_id(st, &j->id)) != 0)
		return rc;
	ev = audit_event_from(j->ev, j->org_id, AUDIT_CREATE, "instrument",
	    NULL, 0, j->id);
	return audit_append(c, &ev);
}

/* The parse and the job of both measure_version_add's: on c when the
 * caller holds a write, else in a write job of its own on db. */
static int
version_add(struct db *db, struct db_conn *c, int64_t org_id,
    int64_t actor_id, struct str text, bool shipped,
    const struct audit_event *ev, int64_t *id, struct instr_error *e)
{
	struct instrument *ins = NULL;
	struct add_job j;
	int rc;

	if ((rc = instrument_parse(text, &ins, e)) != 0)
		return rc;
	memset(&j, 0, sizeof(j));
	j.org_id = org_id;
	j.actor_id = actor_id;
	j.now = (int64_t)time(NULL);
	j.text = text;
	j.name = ins->id;
	j.shipped = shipped;
	j.ev = ev;
	rc = c != NULL ? add_run(c, &j) : db_write(db, add_run, &j);
	instrument_free(ins);
	if (rc == 0)
		*id = j.id;
	return rc;
}

int
measure_version_add(const struct measure_env *env, int64_t org_id,
    int64_t actor_id, struct str text, bool shipped,
    const struct audit_event *ev, int64_t *id, struct instr_error *e)
{
	return version_add(env->db, NULL, org_id, actor_id, text, shipped, ev,
	    id, e);
}

int
measure_version_add_on(struct db_conn *c, int64_t org_id, int64_t actor_id,
    struct str text, bool shipped, const struct audit_event *ev, int64_t *id,
    struct instr_error *e)
{
	return version_add(NULL, c, org_id, actor_id, text, shipped, ev, id, e);
}

int
measure_has_on(struct db_conn *c, int64_t org_id, const char *name,
    bool *has)
{
	struct db_stmt *st;
	int rc;

	*has = false;
	if ((rc = db_prepare(c, "SELECT 1 FROM instrument_versions WHERE "
	    "org_id = ? AND name = ? LIMIT 1", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, org_id);
	db_bind_textz(st, 2, name);
	if ((rc = db_step(st)) == DB_ROW) {
		*has = true;
		rc = 0;
	} else if (rc == DB_DONE)
		rc = 0;
	db_done(st);
	return rc;
}

#define VERSION_COLUMNS "SELECT id, org_id, name, version_no, origin, " \
	"body, created_at FROM instrument_versions "

static void
version_row(struct db_stmt *st, struct arena *a, struct measure_version *v)
{
	v->id = db_col_i64(st, 0);
	v->org_id = db_col_i64(st, 1);
	v->name = dup_col(st, 2, a, NULL);
	v->version_no = db_col_i64(st, 3);
	v->shipped = str_eqc(db_col_text(st, 4), "shipped");
	v->body = dup_col(st, 5, a, &v->body_len);
	v->created_at = db_col_i64(st, 6);
}

static int
versions_query(struct db *db, const char *sql, int64_t org_id,
    const char *name, struct arena *a, struct measure_version **out, int *n)
{
	struct db_conn *c;
	struct db_stmt *st;
	size_t cap = 16;
	int rc;

	*n = 0;
	*out = arena_calloc(a, (size_t)cap, sizeof(**out));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, sql, &st)) != 0)
		goto out;
	db_bind_i64(st, 1, org_id);
	if (name != NULL)
		db_bind_textz(st, 2, name);
	while ((rc = db_step(st)) == DB_ROW && *n < LIMIT_INSTRUMENT_VERSIONS) {
		if ((size_t)*n == cap)
			*out = arena_grow(a, *out, &cap, sizeof(**out));
		version_row(st, a, &(*out)[(*n)++]);
	}
	db_done(st);
	rc = rc < 0 ? rc : 0;
out:
	db_read_end(db, c);
	return rc;
}

int
measure_library(struct db *db, int64_t org_id, struct arena *a,
    struct measure_version **out, int *n)
{
	return versions_query(db, VERSION_COLUMNS "v WHERE org_id = ? AND "
	    "version_no = (SELECT MAX(version_no) FROM instrument_versions w "
	    "WHERE w.org_id = v.org_id AND w.name = v.name) ORDER BY name",
	    org_id, NULL, a, out, n);
}

int
measure_versions(struct db *db, int64_t org_id, const char *name,
    struct arena *a, struct measure_version **out, int *n)
{
	return versions_query(db, VERSION_COLUMNS "WHERE org_id = ? AND "
	    "name = ? ORDER BY version_no DESC", org_id, name, a, out, n);
}

static int
version_get_on(struct db_conn *c, int64_t id, struct arena *a,
    struct measure_version *out)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, VERSION_COLUMNS "WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW) {
		version_row(st, a, out);
		rc = 0;
	} else if (rc == DB_DONE)
		rc = ERR_NOTFOUND;
	db_done(st);
	return rc;
}

int
measure_version_get(struct db *db, int64_t id, struct arena *a,
    struct measure_version *out)
{
	struct db_conn *c;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = version_get_on(c, id, a, out);
	db_read_end(db, c);
	return rc;
}

int
measure_version_org_on(struct db_conn *c, int64_t id, int64_t *org_id)
{
	return db_query_i64(c, "SELECT org_id FROM instrument_versions "
	    "WHERE id = ?", org_id, 1, &id);
}

/* --- questionnaires ----------------------------------------------------- */

struct assign_job {
	int64_t traj_id, version_id, actor_id, now;
	enum measure_schedule s;
	int every_days;
	int64_t offset;     /* seconds: < 0 before, > 0 after */
	const struct audit_event *ev;
	int64_t id;
};

static int
assign_run(struct db_conn *c, void *arg)
{
	struct assign_job *j = arg;
	struct traj_head h;
	struct db_stmt *st;
	struct audit_event ev;
	int64_t org = 0;
	int rc;

	/* re-read inside the job: the version must be of the trajectory's
	 * organisation (an id of another one is as unknown as none) */
	if ((rc = traj_head_on(c, j->traj_id, &h)) != 0)
		return rc;
	if ((rc = measure_version_org_on(c, j->version_id, &org)) != 0)
		return rc;
	if (org != h.org_id)
		return ERR_NOTFOUND;
	if ((rc = db_prepare(c, "INSERT INTO questionnaires (trajectory_id, "
	    "version_id, schedule, every_days, due_at, created_by, "
	    "created_at, appt_offset, appt_seen_until) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->traj_id);
	db_bind_i64(st, 2, j->version_id);
	db_bind_textz(st, 3, schedule_db(j->s));
	db_bind_i64(st, 4, j->every_days);
	/* around appointments: not due until the first one's moment,
	 * which the reminder pass finds from now on */
	if (j->offset != 0)
		db_bind_null(st, 5);
	else
		db_bind_i64(st, 5, j->now);
	db_bind_id(st, 6, j->actor_id);
	db_bind_i64(st, 7, j->now);
	db_bind_i64(st, 8, j->offset);
	if (j->offset != 0)
		db_bind_i64(st, 9, j->now);
	else
		db_bind_null(st, 9);
	if ((rc = db_step_id(st, &j->id)) != 0)
		return rc;
	ev = audit_event_from(j->ev, h.org_id, AUDIT_CREATE, "questionnaire",
	    NULL, h.client_id, j->id);
	return audit_append(c, &ev);
}

int
measure_assign(const struct measure_env *env, int64_t traj_id,
    int64_t version_id, enum measure_schedule s, int every_days,
    int64_t actor_id, const struct audit_event *ev, int64_t *qid,
    struct why *w)
{
	struct assign_job j;
	int rc;

	if ((unsigned)s > MEASURE_AFTER)
		return why_set(w, ERR_INVAL, "schedule",
		    N_("Choose when the questionnaire is due."));
	if (s == MEASURE_EVERY && (every_days < 1 || every_days > 366)) {
		rc = why_set(w, ERR_INVAL, "every",
		    N_("Give a number of days from 1 to %d."));
		if (w != NULL)
			w->limit = 366;
		return rc;
	}
	if ((s == MEASURE_BEFORE || s == MEASURE_AFTER) && (every_days < 1 ||
	    every_days > LIMIT_MEASURE_APPT_HOURS)) {
		rc = why_set(w, ERR_INVAL, "hours",
		    N_("Give a number of hours from 1 to %d."));
		if (w != NULL)
			w->limit = LIMIT_MEASURE_APPT_HOURS;
		return rc;
	}
	memset(&j, 0, sizeof(j));
	if (s == MEASURE_BEFORE || s == MEASURE_AFTER)
		j.offset = (int64_t)every_days * 3600 *
		    (s == MEASURE_BEFORE ? -1 : 1);
	if (s != MEASURE_EVERY)
		every_days = 0;
	j.traj_id = traj_id;
	j.version_id = version_id;
	j.actor_id = actor_id;
	j.now = (int64_t)time(NULL);
	j.s = s;
	j.every_days = every_days;
	j.ev = ev;
	if ((rc = db_write(env->db, assign_run, &j)) == ERR_NOTFOUND)
		return why_set(w, rc, "version", N_("There is no such "
		    "questionnaire in your organisation's library."));
	if (rc == 0)
		*qid = j.id;
	return rc;
}

#define Q_COLUMNS "SELECT q.id, q.trajectory_id, q.version_id, q.schedule, " \
	"q.every_days, q.due_at, q.created_at, v.name, v.version_no, v.body, " \
	"q.appt_offset, " \
	"(SELECT COUNT(*) FROM questionnaire_responses r WHERE " \
	"r.questionnaire_id = q.id AND r.completed_at IS NULL), " \
	"(SELECT COUNT(*) FROM questionnaire_responses r WHERE " \
	"r.questionnaire_id = q.id AND r.completed_at IS NOT NULL) " \
	"FROM questionnaires q JOIN instrument_versions v ON v.id = q.version_id "

/* A title out of the stored text without keeping the parse. */
static void
titles(struct arena *a, struct str body, struct measure_q *q)
{
	struct instrument *ins = NULL;

	q->title_nl = q->title_en = q->name;
	if (instrument_parse(body, &ins, NULL) != 0)
		return;
	q->title_nl = arena_strz(a, ins->title[INSTR_NL]);
	q->title_en = arena_strz(a, ins->title[INSTR_EN]);
	instrument_free(ins);
}

static void
q_row(struct db_stmt *st, struct arena *a, struct measure_q *q)
{
	memset(q, 0, sizeof(*q));
	q->id = db_col_i64(st, 0);
	q->traj_id = db_col_i64(st, 1);
	q->version_id = db_col_i64(st, 2);
	if (measure_schedule_parse(arena_strz(a, db_col_text(st, 3)),
	    &q->schedule) != 0)
		q->schedule = MEASURE_ONCE;
	q->every_days = (int)db_col_i64(st, 4);
	q->due_at = db_col_null(st, 5) ? 0 : db_col_i64(st, 5);
	q->created_at = db_col_i64(st, 6);
	q->name = dup_col(st, 7, a, NULL);
	q->version_no = db_col_i64(st, 8);
	titles(a, db_col_text(st, 9), q);
	if (q->schedule == MEASURE_APPOINTMENT && db_col_i64(st, 10) != 0) {
		int64_t off = db_col_i64(st, 10);

		q->schedule = off < 0 ? MEASURE_BEFORE : MEASURE_AFTER;
		q->appt_hours = (int)((off < 0 ? -off : off) / 3600);
	}
	q->open = db_col_i64(st, 11) > 0;
	q->completed = (int)db_col_i64(st, 12);
}

int
measure_list(struct db *db, int64_t traj_id, struct arena *a,
    struct measure_q **out, int *n)
{
	struct db_conn *c;
	struct db_stmt *st;
	size_t cap = 8;
	int rc;

	*n = 0;
	*out = arena_calloc(a, (size_t)cap, sizeof(**out));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, Q_COLUMNS "WHERE q.trajectory_id = ? "
	    "ORDER BY q.id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	while ((rc = db_step(st)) == DB_ROW) {
		if ((size_t)*n == cap)
			*out = arena_grow(a, *out, &cap, sizeof(**out));
		q_row(st, a, &(*out)[(*n)++]);
	}
	db_done(st);
	rc = rc < 0 ? rc : 0;
out:
	db_read_end(db, c);
	return rc;
}

int
measure_get(struct db *db, int64_t qid, struct arena *a, struct measure_q *out)
{
	struct db_conn *c;
	struct db_stmt *st;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, Q_COLUMNS "WHERE q.id = ?", &st)) == 0) {
		db_bind_i64(st, 1, qid);
		if ((rc = db_step(st)) == DB_ROW) {
			q_row(st, a, out);
			rc = 0;
		} else if (rc == DB_DONE)
			rc = ERR_NOTFOUND;
		db_done(st);
	}
	db_read_end(db, c);
	return rc;
}

int
measure_q_traj_on(struct db_conn *c, int64_t qid, int64_t *traj_id)
{
	return db_query_i64(c, "SELECT trajectory_id FROM questionnaires "
	    "WHERE id = ?", traj_id, 1, &qid);
}

static int
due_on(struct db_conn *c, int64_t traj_id, const char *schedule, int64_t now)
{
	struct db_stmt *st;
	int rc;

	/* "before"/"after" are 'appointment' too, with their own moment */
	if ((rc = db_prepare(c, "UPDATE questionnaires SET due_at = ?, "
	    "reminded_at = NULL WHERE trajectory_id = ? AND schedule = ? "
	    "AND appt_offset = 0", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, now);
	db_bind_i64(st, 2, traj_id);
	db_bind_textz(st, 3, schedule);
	return db_run(st);
}

int
measure_phase_changed_on(struct db_conn *c, int64_t traj_id, int64_t now)
{
	return due_on(c, traj_id, "phase", now);
}

int
measure_appointment_on(struct db_conn *c, int64_t traj_id, int64_t now)
{
	return due_on(c, traj_id, "appointment", now);
}

/* --- reminders --------------------------------------------------------- */

struct remind_job {
	int64_t now;
	int n;
};

/* One questionnaire's walk over its trajectory's appointments: the
 * appointments whose moment fell in (seen, now], at most MOMENTS_MAX a
 * pass (the next pass takes the rest: seen then stays where it was). */
#define MOMENTS_MAX 32
struct moment {
	int64_t offset, seen, now;
	int64_t appt[MOMENTS_MAX], at[MOMENTS_MAX];
	int n;
	bool full;
	int64_t last_start;  /* of the last one kept */
};

static int
moment_one(const struct appt_when *a, void *arg)
{
	struct moment *m = arg;
	int64_t t;

	t = (m->offset < 0 ? (int64_t)a->starts_at : (int64_t)a->ends_at) +
	    m->offset;
	if (t <= m->seen || t > m->now)
		return 0;
	if (m->n == MOMENTS_MAX) {
		m->full = true;
		return 0;
	}
	m->appt[m->n] = a->id;
	m->at[m->n] = t;
	m->last_start = (int64_t)a->starts_at;
	m->n++;
	return 0;
}

/* The newest moment of m whose appointment did not make questionnaire qid
 * due before (0: none), each such appointment recorded as taken. */
static int
untaken_on(struct db_conn *c, int64_t qid, const struct moment *m,
    int64_t *latest)
{
	struct db_stmt *st;
	int64_t args[2], one;
	int rc, i;

	*latest = 0;
	for (i = 0; i < m->n; i++) {
		args[0] = qid;
		args[1] = m->appt[i];
		rc = db_query_i64(c, "SELECT 1 FROM questionnaire_appt_taken "
		    "WHERE questionnaire_id = ? AND appointment_id = ?", &one,
		    2, args);
		if (rc == 0)
			continue;
		if (rc != ERR_NOTFOUND)
			return rc;
		if ((rc = db_prepare(c, "INSERT INTO questionnaire_appt_taken "
		    "(questionnaire_id, appointment_id, moment_at) VALUES "
		    "(?, ?, ?)", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, qid);
		db_bind_i64(st, 2, m->appt[i]);
		db_bind_i64(st, 3, m->at[i]);
		if ((rc = db_run(st)) != 0)
			return rc;
		if (m->at[i] > *latest)
			*latest = m->at[i];
	}
	return 0;
}

/*
 * "N hours before/after each appointment": the moments (start - N, or
 * end + N) that fell in (appt_seen_until, now] make their questionnaire
 * due; then everything up to now is seen, so each moment counts once.
 * The appointments are the appointment module's (appt_window_on: booked
 * ones only); this module never reads its table.  A moment in the past
 * when it was booked is not caught up on: the questionnaire was meant
 * for before it.  An appointment moved to a later time keeps its id and
 * gets a new moment; questionnaire_appt_taken remembers which
 * appointments made the questionnaire due, so each does so once.
 */
static int
moments_on(struct db_conn *c, int64_t now)
{
	struct db_stmt *st;
	int64_t qid[64], traj[64], off[64], seen[64];
	int rc, n = 0, i;

	/* a bounded batch, the longest unseen first; the next pass takes
	 * the rest */
	if ((rc = db_prepare(c, "SELECT id, trajectory_id, appt_offset, "
	    "appt_seen_until FROM questionnaires WHERE schedule = "
	    "'appointment' AND appt_offset <> 0 AND appt_seen_until < ? "
	    "ORDER BY appt_seen_until LIMIT 64", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, now);
	while ((rc = db_step(st)) == DB_ROW && n < 64) {
		qid[n] = db_col_i64(st, 0);
		traj[n] = db_col_i64(st, 1);
		off[n] = db_col_i64(st, 2);
		seen[n] = db_col_i64(st, 3);
		n++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		struct moment m;
		int64_t from, to, latest = 0;

		/* the starts whose moment can lie in (seen, now]; after
		 * the end: an appointment is at most
		 * LIMIT_APPT_MAX_MINUTES long, moment_one takes the exact
		 * ones */
		from = seen[i] - off[i] + 1;
		to = now - off[i] + 1;
		if (off[i] > 0)
			from -= (int64_t)LIMIT_APPT_MAX_MINUTES * 60;
		memset(&m, 0, sizeof(m));
		m.offset = off[i];
		m.seen = seen[i];
		m.now = now;
		if ((rc = appt_window_on(c, traj[i], (time_t)from, (time_t)to,
		    moment_one, &m)) != 0)
			return rc;
		if ((rc = untaken_on(c, qid[i], &m, &latest)) != 0)
			return rc;
		if (latest != 0) {
			if ((rc = db_prepare(c, "UPDATE questionnaires SET "
			    "due_at = ?, reminded_at = NULL WHERE id = ?",
			    &st)) != 0)
				return rc;
			db_bind_i64(st, 1, latest);
			db_bind_i64(st, 2, qid[i]);
			if ((rc = db_run(st)) != 0)
				return rc;
		}
		/* More than a pass takes: seen up to just before the moment
		 * of the last start kept (the window comes in start order),
		 * the taken ones skipped next time. */
		if ((rc = db_prepare(c, "UPDATE questionnaires SET "
		    "appt_seen_until = ? WHERE id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, !m.full ? now :
		    m.last_start + off[i] - 1 > seen[i] ?
		    m.last_start + off[i] - 1 : seen[i]);
		db_bind_i64(st, 2, qid[i]);
		if ((rc = db_run(st)) != 0)
			return rc;
	}
	return 0;
}

static int
remind_run(struct db_conn *c, void *arg)
{
	struct remind_job *j = arg;
	struct db_stmt *st;
	int64_t qid[64], traj[64];
	int rc, n = 0, i;

	if ((rc = moments_on(c, j->now)) != 0)
		return rc;
	/* a bounded batch; the next batch takes the rest */
	if ((rc = db_prepare(c, "SELECT id, trajectory_id FROM questionnaires "
	    "WHERE due_at <= ? AND reminded_at IS NULL ORDER BY due_at "
	    "LIMIT 64", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now);
	while ((rc = db_step(st)) == DB_ROW && n < 64) {
		qid[n] = db_col_i64(st, 0);
		traj[n] = db_col_i64(st, 1);
		n++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		struct traj_head h;

		if ((rc = traj_head_on(c, traj[i], &h)) != 0)
			return rc;
		if (h.phase != TRAJ_CLOSED) {
			if ((rc = outbox_add_on(c, &h.client_id, 1, traj[i],
			    j->now)) != 0)
				return rc;
			j->n++;
		}
		if ((rc = db_prepare(c, "UPDATE questionnaires SET "
		    "reminded_at = ? WHERE id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->now);
		db_bind_i64(st, 2, qid[i]);
		if ((rc = db_run(st)) != 0)
			return rc;
	}
	return 0;
}

int
measure_remind(struct db *db, int64_t now)
{
	struct remind_job j = { now, 0 };

	return db_write(db, remind_run, &j);
}

/* --- answers ------------------------------------------------------------ */

/* The open filling-in on c: its id (0: none) and answers. */
static int
open_on(struct keyring *kr, struct db_conn *c, int64_t org_id, int64_t qid,
    const struct instrument *ins, int64_t *rid, struct instr_answers *out)
{
	struct buf plain = BUF_INIT;
	struct db_stmt *st;
	const char *msg;
	int rc;

	*rid = 0;
	instrument_answers_init(out);
	if ((rc = db_prepare(c, "SELECT id, answers FROM "
	    "questionnaire_responses WHERE questionnaire_id = ? AND "
	    "completed_at IS NULL ORDER BY id DESC LIMIT 1", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, qid);
	if ((rc = db_step(st)) == DB_ROW) {
		struct str box = db_col_blob(st, 1);

		*rid = db_col_i64(st, 0);
		rc = keyring_open(kr, c, org_id, box.p, box.len, &plain);
		if (rc == 0 && instrument_answers_parse(ins, buf_str(&plain),
		    out, &msg) != 0)
			rc = ERR_INTERNAL;
	} else if (rc == DB_DONE)
		rc = 0;
	db_done(st);
	buf_wipe(&plain);
	return rc;
}

static int
q_head_on(struct db_conn *c, int64_t qid, struct traj_head *h,
    int64_t *traj_id, int64_t *version_id, enum measure_schedule *s,
    int *every)
{
	struct db_stmt *st;
	char name[16];
	int rc;

	if ((rc = db_prepare(c, "SELECT trajectory_id, version_id, schedule, "
	    "every_days FROM questionnaires WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, qid);
	if ((rc = db_step(st)) == DB_ROW) {
		struct str sn = db_col_text(st, 2);

		*traj_id = db_col_i64(st, 0);
		*version_id = db_col_i64(st, 1);
		snprintf(name, sizeof(name), "%.*s",
		    (int)(sn.len < 15 ? sn.len : 15), sn.p ? sn.p : "");
		if (measure_schedule_parse(name, s) != 0)
			*s = MEASURE_ONCE;
		*every = (int)db_col_i64(st, 3);
		rc = 0;
	} else if (rc == DB_DONE)
		rc = ERR_NOTFOUND;
	db_done(st);
	if (rc == 0)
		rc = traj_head_on(c, *traj_id, h);
	return rc;
}

int
measure_answers_get(const struct measure_env *env, int64_t qid,
    const struct instrument *ins, struct instr_answers *out)
{
	struct traj_head h;
	struct db_conn *c;
	enum measure_schedule s;
	int64_t traj_id, vid, rid;
	int rc, every;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) == 0 &&
	    (rc = q_head_on(c, qid, &h, &traj_id, &vid, &s, &every)) == 0)
		rc = open_on(env->kr, c, h.org_id, qid, ins, &rid, out);
	db_read_end(env->db, c);
	return rc;
}

struct answer_job {
	struct keyring *kr;
	int64_t qid, version_id, now;
	const struct instrument *ins;
	const struct instr_answers *a;
	const bool *given;
	bool finish, done;
	const struct audit_event *ev;
	struct why *w;
};

static int
answer_run(struct db_conn *c, void *arg)
{
	struct answer_job *j = arg;
	struct instr_answers cur;
	struct instr_result res;
	struct traj_head h;
	struct buf text = BUF_INIT, box = BUF_INIT, sbox = BUF_INIT;
	struct audit_event ev;
	struct db_stmt *st;
	enum measure_schedule s;
	int64_t traj_id, vid, rid;
	int rc, i, every, missing;

	if ((rc = q_head_on(c, j->qid, &h, &traj_id, &vid, &s, &every)) != 0)
		goto out;
	if (vid != j->version_id) {
		rc = why_set(j->w, ERR_CONFLICT, NULL, N_("These answers are "
		    "for another version of the questionnaire; please fill "
		    "it in again."));
		goto out;
	}
	if ((rc = open_on(j->kr, c, h.org_id, j->qid, j->ins, &rid,
	    &cur)) != 0)
		goto out;
	for (i = 0; i < j->ins->nitems; i++)
		if (j->given[i])
			cur.v[i] = j->a->v[i];
	/* an answer to an item its condition now hides is not kept */
	for (i = 0; i < j->ins->nitems; i++)
		if (!instrument_shown(j->ins, &cur, i))
			cur.v[i] = INSTR_UNANSWERED;
	missing = instrument_missing(j->ins, &cur);
	if (j->finish && missing > 0) {
		rc = why_set(j->w, ERR_INVAL, NULL, N_("Some questions are "
		    "still unanswered (%d); answer them, or choose \"rather "
		    "not answer\" where it is offered."));
		if (j->w != NULL)
			j->w->limit = missing;
		goto out;
	}
	instrument_answers_format(j->ins, &cur, &text);
	if ((rc = keyring_seal(j->kr, c, h.org_id, text.p, text.len, &box)))
		goto out;
	if (j->finish) {
		struct buf sc = BUF_INIT;

		instrument_score(j->ins, &cur, &res);
		for (i = 0; i < j->ins->nscores; i++) {
			buf_addstr(&sc, j->ins->score[i].id);
			if (res.v[i].ok)
				buf_printf(&sc, "=%.4f\n", res.v[i].value);
			else
				buf_adds(&sc, "=-\n");
		}
		rc = keyring_seal(j->kr, c, h.org_id, sc.p, sc.len, &sbox);
		buf_wipe(&sc);
		if (rc != 0)
			goto out;
	}
	if (rid == 0) {
		rc = db_prepare(c, "INSERT INTO questionnaire_responses "
		    "(answers, scores, updated_at, completed_at, "
		    "questionnaire_id, version_id, started_at) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?)", &st);
	} else {
		rc = db_prepare(c, "UPDATE questionnaire_responses SET "
		    "answers = ?, scores = ?, updated_at = ?, "
		    "completed_at = ? WHERE id = ?", &st);
	}
	if (rc != 0)
		goto out;
	db_bind_blob(st, 1, box.p, box.len);
	if (j->finish)
		db_bind_blob(st, 2, sbox.p, sbox.len);
	else
		db_bind_null(st, 2);
	db_bind_i64(st, 3, j->now);
	if (j->finish)
		db_bind_i64(st, 4, j->now);
	else
		db_bind_null(st, 4);
	if (rid == 0) {
		db_bind_i64(st, 5, j->qid);
		db_bind_i64(st, 6, vid);
		db_bind_i64(st, 7, j->now);
	} else
		db_bind_i64(st, 5, rid);
	if ((rc = db_run(st)) != 0)
		goto out;
	if (j->finish) {
		/* the schedule: due again after N days, or not until a
		 * phase change or appointment makes it due */
		if ((rc = db_prepare(c, "UPDATE questionnaires SET due_at = ?, "
		    "reminded_at = NULL WHERE id = ?", &st)) != 0)
			goto out;
		if (s == MEASURE_EVERY)
			db_bind_i64(st, 1, j->now + (int64_t)every * 86400);
		else
			db_bind_null(st, 1);
		db_bind_i64(st, 2, j->qid);
		if ((rc = db_run(st)) != 0)
			goto out;
		j->done = true;
	}
	ev = audit_event_from(j->ev, h.org_id, AUDIT_UPDATE, "questionnaire",
	    j->finish ? "complete" : "answer", h.client_id, j->qid);
	rc = audit_append(c, &ev);
out:
	buf_wipe(&text);
	buf_release(&box);
	buf_release(&sbox);
	return rc;
}

int
measure_answer(const struct measure_env *env, int64_t qid,
    int64_t version_id, const struct instrument *ins,
    const struct instr_answers *a, const bool *given, bool finish,
    const struct audit_event *ev, bool *done, struct why *w)
{
	struct answer_job j;
	const char *msg = NULL;
	int i, rc;

	*done = false;
	for (i = 0; i < ins->nitems; i++)
		if (given[i] && (rc = instrument_check(ins, i, a->v[i],
		    &msg)) != 0)
			return why_set(w, rc, "answer", msg);
	memset(&j, 0, sizeof(j));
	j.kr = env->kr;
	j.qid = qid;
	j.version_id = version_id;
	j.now = (int64_t)time(NULL);
	j.ins = ins;
	j.a = a;
	j.given = given;
	j.finish = finish;
	j.ev = ev;
	j.w = w;
	if ((rc = db_write(env->db, answer_run, &j)) == 0)
		*done = j.done;
	return rc;
}

/* --- results ------------------------------------------------------------ */

static void
scores_parse(const struct instrument *ins, struct str s,
    struct measure_result *r)
{
	struct str line, id, val;
	int k;

	while (s.len > 0) {
		if (!str_cut(s, '\n', &line, &s)) {
			line = s;
			s = STR_NULL;
		}
		if (!str_cut(line, '=', &id, &val) ||
		    (k = instrument_score_index(ins, id)) < 0)
			continue;
		if (instrument_decimal(val, &r->value[k]) == 0)
			r->ok[k] = true;
	}
}

int
measure_results(const struct measure_env *env, int64_t qid,
    const struct instrument *ins, const struct audit_event *ev, int limit,
    int offset, struct arena *a, struct measure_result **out, int *n,
    int64_t *count)
{
	struct traj_head h;
	struct audit_event rev;
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct buf plain = BUF_INIT;
	enum measure_schedule s;
	int64_t traj_id, vid, total = 0;
	int rc, every, k = 0;

	*n = 0;
	*out = NULL;
	*count = 0;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = q_head_on(c, qid, &h, &traj_id, &vid, &s, &every)) != 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;
	/* log first, then show */
	/* an export (the CSV) is logged as one, a page as a read */
	rev = audit_event_from(ev, h.org_id, ev->action == AUDIT_EXECUTE ?
	    AUDIT_EXECUTE : AUDIT_READ, "questionnaire",
	    ev->action == AUDIT_EXECUTE ? "export" : "results", h.client_id,
	    qid);
	if ((rc = audit_record(env->db, &rev)) != 0)
		goto out;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM "
	    "questionnaire_responses WHERE questionnaire_id = ? AND "
	    "completed_at IS NOT NULL", &total, 1, &qid)) != 0)
		goto out;
	*count = total;
	total -= offset;
	if (total > limit)
		total = limit;
	if (total < 0)
		total = 0;
	*out = arena_calloc(a, (size_t)total + 1, sizeof(**out));
	/* read newest first, kept oldest first */
	if ((rc = db_prepare(c, "SELECT id, completed_at, version_id, scores "
	    "FROM questionnaire_responses WHERE questionnaire_id = ? AND "
	    "completed_at IS NOT NULL ORDER BY completed_at DESC, id DESC "
	    "LIMIT ? OFFSET ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, qid);
	db_bind_i64(st, 2, total);
	db_bind_i64(st, 3, offset);
	while ((rc = db_step(st)) == DB_ROW && k < total) {
		struct measure_result *r = &(*out)[total - 1 - k];
		struct str box = db_col_blob(st, 3);

		r->id = db_col_i64(st, 0);
		r->completed_at = db_col_i64(st, 1);
		r->version_id = db_col_i64(st, 2);
		buf_reset(&plain);
		if ((rc = keyring_open(env->kr, c, h.org_id, box.p, box.len,
		    &plain)) != 0)
			break;
		scores_parse(ins, buf_str(&plain), r);
		k++;
	}
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	*n = k;
out:
	buf_wipe(&plain);
	if (c != NULL)
		db_read_end(env->db, c);
	return rc;
}

/* --- the export --------------------------------------------------------- */

int
measure_export_json(const struct measure_env *env, struct db_conn *c,
    int64_t org_id, int64_t traj_id, struct buf *out)
{
	struct db_stmt *st;
	struct buf plain = BUF_INIT;
	int rc, first = 1;

	if ((rc = db_prepare(c, "SELECT q.id, v.name, v.version_no, r.id, "
	    "r.completed_at, r.answers, r.scores FROM questionnaires q "
	    "JOIN questionnaire_responses r ON r.questionnaire_id = q.id "
	    "JOIN instrument_versions v ON v.id = r.version_id "
	    "WHERE q.trajectory_id = ? ORDER BY r.id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	buf_adds(out, "\"questionnaires\":[");
	while ((rc = db_step(st)) == DB_ROW) {
		struct str box;

		buf_printf(out, "%s{\"questionnaire\":%lld,\"instrument\":",
		    first ? "" : ",", (long long)db_col_i64(st, 0));
		json_str(out, db_col_text(st, 1));
		buf_printf(out, ",\"version\":%lld,\"response\":%lld,"
		    "\"completed_at\":", (long long)db_col_i64(st, 2),
		    (long long)db_col_i64(st, 3));
		if (db_col_null(st, 4))
			buf_adds(out, "null");
		else
			buf_printf(out, "%lld", (long long)db_col_i64(st, 4));
		buf_adds(out, ",\"answers\":");
		box = db_col_blob(st, 5);
		buf_reset(&plain);
		if ((rc = keyring_open(env->kr, c, org_id, box.p, box.len,
		    &plain)) != 0)
			break;
		json_str(out, buf_str(&plain));
		buf_adds(out, ",\"scores\":");
		if (db_col_null(st, 6))
			buf_adds(out, "null");
		else {
			box = db_col_blob(st, 6);
			buf_reset(&plain);
			if ((rc = keyring_open(env->kr, c, org_id, box.p,
			    box.len, &plain)) != 0)
				break;
			json_str(out, buf_str(&plain));
		}
		buf_adds(out, "}");
		first = 0;
	}
	db_done(st);
	buf_adds(out, "]");
	buf_wipe(&plain);
	return rc < 0 ? rc : 0;
}
