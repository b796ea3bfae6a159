/*
 * terms.c - a trajectory's service promise as stored (table promises):
 * defaults, validation, reading and changing it, and compiling it into a
 * struct promise for the deadline arithmetic of promise.h.
 *
 * The promise is the professional's terms, not the client's words, so it is
 * stored in plain text; changing it is still logged, because it changes
 * what the client may expect.  Schedules and holiday lists are stored in
 * promise.h's canonical text ("mon-fri 09:00-17:00"), whatever language
 * they were typed in.
 *
 * The reasons traj_terms_check gives (struct why of core/err.h) are
 * English sentences marked with N_() for the message catalogue; the web
 * layer shows them through _() next to the form field they name.
 */
#include "trajectory/trajectory.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "store/db.h"
#include "trajectory/traj_int.h"
#include "core/banned.h"

#define DEFAULT_TZ "Europe/Amsterdam"
#define DEFAULT_SCHEDULE "mon-fri 09:00-17:00"
#define DEFAULT_REPLY_MINUTES (24 * 60)
#define DEFAULT_CONTACT_DAYS 7

void
traj_default_terms(struct arena *a, const char *tz, time_t now,
    struct promise_terms *out)
{
	struct promise_holidays *h = arena_zalloc(a, sizeof(*h));
	struct buf text = BUF_INIT;
	struct tm tm;
	int year = 2026;

	memset(out, 0, sizeof(*out));
	/* The year in UTC: on New Year's Eve in Amsterdam this may be a year
	 * behind for an hour, which only adds a year that is over. */
	if (gmtime_r(&now, &tm) != NULL)
		year = tm.tm_year + 1900;
	if (promise_add_nl_holidays(h, year) == 0)
		(void)promise_add_nl_holidays(h, year + 1);
	promise_holidays_format(h, &text);
	out->reply_minutes = DEFAULT_REPLY_MINUTES;
	out->tz = arena_strdup(a, tz && tz[0] ? tz : DEFAULT_TZ);
	out->schedule = DEFAULT_SCHEDULE;
	out->reachable = "";
	out->holidays = arena_strndup(a, text.p, text.len);
	out->contact_days = DEFAULT_CONTACT_DAYS;
	out->not_reachable = "";
	out->emergency = "";
	buf_release(&text);
}

static struct str
trimmed(const char *s)
{
	return str_trim(str_c(s ? s : ""));
}

/* A free text of the promise: at most LIMIT_PROMISE_NOTE bytes (empty is
 * fine), line breaks and tabs allowed, no other control characters. */
static bool
note_ok(const char *s)
{
	struct str t = trimmed(s);

	return t.len <= LIMIT_PROMISE_NOTE && text_clean(t, true);
}

/* Parse t into *p (the zone must be loaded already).  On failure w says
 * which field is at fault and why. */
static int
compile(const struct promise_terms *t, const struct tz *tz,
    struct promise *p, struct why *w)
{
	struct str reach = trimmed(t->reachable);
	int rc;

	promise_init(p, tz);
	if (t->reply_minutes < 1 ||
	    t->reply_minutes > (int64_t)LIMIT_PROMISE_REPLY_HOURS * 60) {
		rc = why_set(w, ERR_INVAL, "reply_hours",
		    N_("The reply time must be between 1 and %d working hours."));
		if (w)
			w->limit = LIMIT_PROMISE_REPLY_HOURS;
		return rc;
	}
	p->reply_seconds = t->reply_minutes * 60;
	if (promise_week_parse(trimmed(t->schedule), &p->work) != 0)
		return why_set(w, ERR_INVAL, "schedule",
		    N_("The working hours could not be read. Write them like this: mon-fri 09:00-17:00; sat 10:00-12:00"));
	if (reach.len > 0) {
		if (promise_week_parse(reach, &p->reach) != 0)
			return why_set(w, ERR_INVAL, "reachable",
			    N_("The reachable hours could not be read. Leave them empty to use the working hours, or write them like this: mon-fri 09:00-12:00"));
		p->reach_is_work = false;
	}
	switch ((rc = promise_holidays_parse(trimmed(t->holidays),
	    &p->holidays))) {
	case 0:
		break;
	case ERR_TOOBIG:
		rc = why_set(w, rc, "holidays",
		    N_("A period of days off may last at most %d days; periods that overlap count as one."));
		if (w)
			w->limit = LIMIT_PROMISE_HOLIDAY_SPAN;
		return rc;
	case ERR_TOOMANY:
		rc = why_set(w, rc, "holidays",
		    N_("At most %d dates and periods of days off fit in one promise."));
		if (w)
			w->limit = LIMIT_PROMISE_HOLIDAYS;
		return rc;
	default:
		return why_set(w, ERR_INVAL, "holidays",
		    N_("The days off could not be read. Write a date as 2026-12-25 and a period as 2026-12-28..2027-01-01, separated by commas."));
	}
	if (t->contact_days < 0 ||
	    t->contact_days > LIMIT_PROMISE_CONTACT_DAYS) {
		rc = why_set(w, ERR_INVAL, "contact_days",
		    N_("The contact frequency must be between 0 and %d days (0: nothing agreed)."));
		if (w)
			w->limit = LIMIT_PROMISE_CONTACT_DAYS;
		return rc;
	}
	p->contact_days = (int)t->contact_days;
	if (!note_ok(t->not_reachable))
		return why_set(w, ERR_INVAL, "not_reachable",
		    N_("The text about when you cannot be reached is too long or contains characters that are not allowed."));
	if (!note_ok(t->emergency))
		return why_set(w, ERR_INVAL, "emergency",
		    N_("The emergency instructions are too long or contain characters that are not allowed."));
	p->emergency = t->emergency;
	if (promise_check(p) != 0)
		return why_set(w, ERR_INVAL, "schedule",
		    N_("These hours cannot be kept as a promise."));
	return 0;
}

int
traj_terms_check(const struct promise_terms *t, struct why *w)
{
	struct promise *p = NULL;
	struct tz *tz = NULL;
	int rc;

	if (t->tz == NULL || !tz_name_valid(t->tz) ||
	    tz_load(t->tz, &tz) != 0)
		return why_set(w, ERR_INVAL, "tz",
		    N_("This time zone is not known. Use a name such as Europe/Amsterdam."));
	/* A promise holds a full holiday table (a few KiB): not the stack. */
	p = xmalloc(sizeof(*p));
	rc = compile(t, tz, p, w);
	free(p);
	tz_free(tz);
	return rc;
}

void
traj_terms_canon(const struct promise_terms *in, struct arena *a,
    struct promise_terms *out)
{
	struct promise_week w;
	struct promise_holidays *h = arena_zalloc(a, sizeof(*h));
	struct buf text = BUF_INIT;
	struct str reach = trimmed(in->reachable);
	struct str s;

	*out = *in;
	if (promise_week_parse(trimmed(in->schedule), &w) == 0) {
		promise_week_format(&w, &text);
		out->schedule = arena_strndup(a, text.p, text.len);
	}
	out->reachable = "";
	if (reach.len > 0 && promise_week_parse(reach, &w) == 0) {
		buf_reset(&text);
		promise_week_format(&w, &text);
		out->reachable = arena_strndup(a, text.p, text.len);
	}
	if (promise_holidays_parse(trimmed(in->holidays), h) == 0) {
		buf_reset(&text);
		promise_holidays_format(h, &text);
		out->holidays = arena_strndup(a, text.p, text.len);
	}
	s = trimmed(in->not_reachable);
	out->not_reachable = arena_strndup(a, s.p ? s.p : "", s.len);
	s = trimmed(in->emergency);
	out->emergency = arena_strndup(a, s.p ? s.p : "", s.len);
	buf_release(&text);
}

static void
bind_terms(struct db_stmt *st, const struct promise_terms *t, int64_t now)
{
	db_bind_i64(st, 1, t->reply_minutes);
	db_bind_textz(st, 2, t->tz);
	db_bind_textz(st, 3, t->schedule);
	db_bind_textz(st, 4, t->reachable);
	db_bind_textz(st, 5, t->holidays);
	db_bind_i64(st, 6, t->contact_days);
	db_bind_textz(st, 7, t->not_reachable);
	db_bind_textz(st, 8, t->emergency);
	db_bind_i64(st, 9, now);
}

int
traj_terms_insert(struct db_conn *c, int64_t traj_id,
    const struct promise_terms *t, int64_t now)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO promises (reply_minutes, tz, "
	    "schedule, reachable, holidays, contact_days, not_reachable, "
	    "emergency, updated_at, trajectory_id) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st)) != 0)
		return rc;
	bind_terms(st, t, now);
	db_bind_i64(st, 10, traj_id);
	return db_run(st);
}

int
traj_terms_get_on(struct db_conn *c, int64_t traj_id, struct arena *a,
    struct promise_terms *out)
{
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(c, "SELECT reply_minutes, tz, schedule, "
	    "reachable, holidays, contact_days, not_reachable, emergency "
	    "FROM promises WHERE trajectory_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		out->reply_minutes = db_col_i64(st, 0);
		out->tz = arena_strz(a, db_col_text(st, 1));
		out->schedule = arena_strz(a, db_col_text(st, 2));
		out->reachable = arena_strz(a, db_col_text(st, 3));
		out->holidays = arena_strz(a, db_col_text(st, 4));
		out->contact_days = db_col_i64(st, 5);
		out->not_reachable = arena_strz(a, db_col_text(st, 6));
		out->emergency = arena_strz(a, db_col_text(st, 7));
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	return rc;
}

int
traj_terms_get(struct db *db, int64_t traj_id, struct arena *a,
    struct promise_terms *out)
{
	struct db_conn *c;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = traj_terms_get_on(c, traj_id, a, out);
	db_read_end(db, c);
	return rc;
}

struct terms_job {
	int64_t traj_id;
	const struct promise_terms *t;
	const struct audit_event *ev;
	int64_t now;
};

static int
terms_run(struct db_conn *c, void *arg)
{
	struct terms_job *j = arg;
	struct db_stmt *st;
	struct traj_head h;
	struct audit_event ev;
	int64_t changed;
	int rc;

	if ((rc = traj_head_open(c, j->traj_id, &h)) != 0)
		return rc;
	if ((rc = db_prepare(c, "UPDATE promises SET reply_minutes = ?, "
	    "tz = ?, schedule = ?, reachable = ?, holidays = ?, "
	    "contact_days = ?, not_reachable = ?, emergency = ?, "
	    "updated_at = ? WHERE trajectory_id = ?", &st)) != 0)
		return rc;
	bind_terms(st, j->t, j->now);
	db_bind_i64(st, 10, j->traj_id);
	rc = db_step(st);
	changed = rc >= 0 ? db_changes(st) : 0;
	db_done(st);
	if (rc < 0)
		return rc;
	/* Every trajectory gets its row when it is made; should one lack it
	 * (an import), setting the terms creates it. */
	if (changed == 0 &&
	    (rc = traj_terms_insert(c, j->traj_id, j->t, j->now)) != 0)
		return rc;
	ev = traj_event(j->ev, AUDIT_UPDATE, "trajectory", "promise", &h,
	    j->traj_id);
	return audit_append(c, &ev);
}

int
traj_terms_set(struct db *db, int64_t traj_id,
    const struct promise_terms *t, const struct audit_event *ev,
    struct why *why)
{
	struct terms_job j = { 0 };
	struct promise_terms canon;
	struct arena a;
	int rc;

	if (t == NULL || ev == NULL || traj_id <= 0)
		return ERR_INVAL;
	if ((rc = traj_terms_check(t, why)) != 0)
		return rc;
	arena_init(&a);
	traj_terms_canon(t, &a, &canon);
	j.traj_id = traj_id;
	j.t = &canon;
	j.ev = ev;
	j.now = (int64_t)time(NULL);
	rc = db_write(db, terms_run, &j);
	arena_release(&a);
	return rc;
}

int
traj_promise_from_terms(struct tz_cache *tzc, const struct promise_terms *t,
    struct promise *p)
{
	const struct tz *tz;
	int rc;

	if ((rc = tz_cache_get(tzc, t->tz ? t->tz : "", &tz)) != 0)
		return rc;
	return compile(t, tz, p, NULL);
}

int
traj_promise_on(struct db_conn *c, struct tz_cache *tzc, int64_t traj_id,
    struct arena *a, struct promise *p)
{
	struct promise_terms t;
	int rc;

	if ((rc = traj_terms_get_on(c, traj_id, a, &t)) != 0)
		return rc;
	return traj_promise_from_terms(tzc, &t, p);
}

int
traj_promise(struct db *db, struct tz_cache *tzc, int64_t traj_id,
    struct arena *a, struct promise *p)
{
	struct promise_terms t;
	int rc;

	if ((rc = traj_terms_get(db, traj_id, a, &t)) != 0)
		return rc;
	return traj_promise_from_terms(tzc, &t, p);
}
