/*
 * appointment.c - appointments: booking, moving, cancelling, confirming,
 * the no-show mark, and reading them (see appointment.h; the hours and
 * slots are in appt_hours.c, tasks and the feed in appt_feed.c).  Table:
 * appointments.
 *
 * Every change is one write job that re-reads the appointment and checks
 * again what it depends on (its status, the overlap with booked ones)
 * before it writes: the writer runs one job at a time, so what the job
 * saw is what it commits.  That is what makes "exactly one of two clients
 * gets the slot" hold; the unique index on booked starts is the
 * database's second line, and the insert says ON CONFLICT DO NOTHING so a
 * clash reads as "just taken" rather than a failed transaction.  With
 * several nodes (several writers on one PostgreSQL database) the overlap
 * check first takes the organisation's audit chain head
 * (audit_lock_on), so their jobs take turns (appointment.h).
 */
#include "appointment/appointment.h"
#include "appointment/appt_int.h"
#include "activity/activity.h"

#include <string.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "keys/keyring.h"
#include "promise/tz.h"
#include "notify/outbox.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

static const char *const kind_names[] = { "visit", "video", "phone" };
static const char *const status_names[] = {
	"requested", "booked", "cancelled", "noshow",
};

const char *
appt_kind_name(enum appt_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "?";
}

int
appt_kind_parse(const char *s, enum appt_kind *out)
{
	int i;

	for (i = 0; s != NULL && i < 3; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (enum appt_kind)i;
			return 0;
		}
	return ERR_INVAL;
}

const char *
appt_status_name(enum appt_status s)
{
	return (unsigned)s < 4 ? status_names[s] : "?";
}

static enum appt_status
status_col(struct str s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (str_eqc(s, status_names[i]))
			return (enum appt_status)i;
	return APPT_CANCELLED;
}

static enum appt_kind
kind_col(struct str s)
{
	int i;

	for (i = 0; i < 3; i++)
		if (str_eqc(s, kind_names[i]))
			return (enum appt_kind)i;
	return APPT_PHONE;
}

/* --- Changes -------------------------------------------------------------- */

static const char *const just_taken = N_("This time was just taken by "
    "someone else; please choose another.");

/* Whether [s, e) with buffers meets a booked appointment of prof_id (of
 * org_id) other than `self`: inside the write job, after taking the
 * organisation's audit chain head (appointment.h says why), so nothing
 * can slip in between, from this node or another.  Call it first in the
 * job: that lock must be the job's first. */
static int
overlaps(struct db_conn *c, int64_t org_id, int64_t prof_id, int64_t self,
    time_t s, time_t e, int bb, int ba, bool *yes)
{
	struct db_stmt *st;
	int rc;

	*yes = false;
	if ((rc = audit_lock_on(c, org_id)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT id FROM appointments "
	    "WHERE professional_id = ? AND status = 'booked' AND id <> ? "
	    "AND starts_at > ? AND starts_at < ? "
	    "AND starts_at - buffer_before * 60 < ? "
	    "AND ends_at + buffer_after * 60 > ? LIMIT 1", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, prof_id);
	db_bind_i64(st, 2, self);
	db_bind_i64(st, 3, s - 86400);
	db_bind_i64(st, 4, e + 86400);
	db_bind_i64(st, 5, e + (time_t)ba * 60);
	db_bind_i64(st, 6, s - (time_t)bb * 60);
	rc = db_step(st);
	db_done(st);
	if (rc == DB_ROW)
		*yes = true;
	return rc == DB_ROW || rc == DB_DONE ? 0 : rc;
}

/* A notification through the outbox (its owner), held until hold. */
static int
notify(struct db_conn *c, int64_t user_id, int64_t traj_id, time_t now,
    time_t hold, int64_t *id)
{
	return outbox_schedule_on(c, user_id, traj_id, (int64_t)now,
	    (int64_t)hold, id);
}

/* When the reminder goes: LIMIT_APPT_REMIND_HOURS before, or now. */
static time_t
remind_at(time_t start, time_t now)
{
	time_t t = start - (time_t)LIMIT_APPT_REMIND_HOURS * 3600;

	return t > now ? t : now;
}

static int
log_change(struct db_conn *c, const struct appt_actor *who, int action,
    const char *detail, int64_t client_id, int64_t id)
{
	struct audit_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.org_id = who->org_id;
	ev.action = (enum audit_action)action;
	ev.outcome = AUDIT_SUCCESS;
	ev.detail = detail;
	ev.actor_id = who->user_id;
	ev.role = who->role ? who->role : "system";
	ev.purpose = who->professional ? "care" : "client-self";
	ev.address = who->address;
	ev.device = who->device;
	ev.client_id = client_id;
	ev.kind = "appointment";
	ev.object_id = id;
	return audit_append(c, &ev);
}

static int
check_start(time_t start, time_t now, int minutes, struct why *w)
{
	if (start <= now)
		return why_set(w, ERR_INVAL, "starts_at", N_("This time has "
		    "passed; please choose a time in the future."));
	if (start % 60 != 0 || start > now +
	    (time_t)LIMIT_APPT_AHEAD_DAYS * 86400)
		return why_set(w, ERR_INVAL, "starts_at", N_("Please choose a "
		    "whole minute within two years from now."));
	if (minutes < LIMIT_APPT_MIN_MINUTES ||
	    minutes > LIMIT_APPT_MAX_MINUTES)
		return why_set(w, ERR_INVAL, "minutes", N_("An appointment "
		    "lasts 5 to 480 minutes."));
	return 0;
}

struct book_job {
	const struct appt_actor *who;
	struct keyring *kr;
	int64_t org_id, traj_id, prof_id, client_id;
	enum appt_kind kind;
	const char *location;
	time_t start, end, now;
	int bb, ba;
	enum appt_status status;
	struct buf uid;
	struct why *w;
	int64_t id;
};

static int
book_run(struct db_conn *c, void *arg)
{
	struct book_job *j = arg;
	struct buf box = BUF_INIT;
	struct db_stmt *st;
	int64_t rid = 0;
	bool clash;
	int rc;

	if ((rc = overlaps(c, j->org_id, j->prof_id, 0, j->start, j->end, j->bb, j->ba,
	    &clash)) != 0)
		goto out;
	if (clash) {
		rc = why_set(j->w, ERR_CONFLICT, "starts_at", just_taken);
		goto out;
	}
	if (j->location != NULL && *j->location != '\0' &&
	    (rc = keyring_seal(j->kr, c, j->org_id, j->location,
	    strlen(j->location), &box)) != 0)
		goto out;
	if ((rc = db_prepare(c, "INSERT INTO appointments (org_id, "
	    "trajectory_id, professional_id, client_id, kind, location, "
	    "starts_at, ends_at, buffer_before, buffer_after, status, uid, "
	    "created_by, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT DO NOTHING RETURNING id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, j->org_id);
	db_bind_i64(st, 2, j->traj_id);
	db_bind_i64(st, 3, j->prof_id);
	db_bind_i64(st, 4, j->client_id);
	db_bind_textz(st, 5, appt_kind_name(j->kind));
	if (box.len > 0)
		db_bind_blob(st, 6, box.p, box.len);
	else
		db_bind_null(st, 6);
	db_bind_i64(st, 7, j->start);
	db_bind_i64(st, 8, j->end);
	db_bind_i64(st, 9, j->bb);
	db_bind_i64(st, 10, j->ba);
	db_bind_textz(st, 11, appt_status_name(j->status));
	db_bind_textz(st, 12, j->uid.p);
	db_bind_i64(st, 13, j->who->user_id);
	db_bind_i64(st, 14, j->now);
	db_bind_i64(st, 15, j->now);
	rc = db_step(st);
	if (rc == DB_ROW)
		j->id = db_col_i64(st, 0);
	db_done(st);
	if (rc == DB_DONE) {
		/* The unique index caught what the check above let by. */
		rc = why_set(j->w, ERR_CONFLICT, "starts_at", just_taken);
		goto out;
	}
	if (rc != DB_ROW)
		goto out;
	/* The other party hears of it now; the client is reminded before. */
	if ((rc = notify(c, j->who->professional ? j->client_id : j->prof_id,
	    j->traj_id, j->now, 0, NULL)) != 0)
		goto out;
	if (j->status == APPT_BOOKED) {
		if ((rc = notify(c, j->client_id, j->traj_id, j->now,
		    remind_at(j->start, j->now), &rid)) != 0)
			goto out;
		if ((rc = db_prepare(c, "UPDATE appointments SET reminder_id "
		    "= ? WHERE id = ?", &st)) != 0)
			goto out;
		db_bind_i64(st, 1, rid);
		db_bind_i64(st, 2, j->id);
		if ((rc = db_run(st)) != 0)
			goto out;
	}
	rc = log_change(c, j->who, AUDIT_CREATE, j->status == APPT_BOOKED ?
	    "book" : "request", j->client_id, j->id);
out:
	buf_release(&box);
	return rc;
}

/* The trajectory's first professional (whose agenda a client books in
 * when the form names none); 0 when it has none. */
static int64_t
first_professional(struct db *db, int64_t traj_id)
{
	struct traj_member *m = NULL;
	struct arena a;
	int64_t id = 0;
	size_t n = 0, i;

	arena_init(&a);
	if (traj_members(db, traj_id, &a, &m, &n) == 0)
		for (i = 0; i < n && id == 0; i++)
			if (m[i].professional)
				id = m[i].user_id;
	arena_release(&a);
	return id;
}

int
appt_book(struct db *db, struct keyring *kr, const struct tz *tz,
    const struct appt_actor *who, const struct appt_new *n, time_t now,
    struct why *w, int64_t *id)
{
	struct book_job j;
	struct appt_hours h;
	struct traj_head head;
	struct db_conn *c = NULL;
	enum role part = 0;
	bool have_hours = false;
	int rc, minutes;

	memset(&j, 0, sizeof(j));
	buf_init(&j.uid);
	j.who = who;
	j.kr = kr;
	j.w = w;
	j.now = now;
	j.kind = n->kind;
	j.traj_id = n->traj_id;
	if ((unsigned)n->kind > APPT_PHONE)
		return why_set(w, ERR_INVAL, "kind", N_("Choose face-to-face, "
		    "video or phone."));
	if (n->kind == APPT_VISIT && (n->location == NULL ||
	    *n->location == '\0'))
		return why_set(w, ERR_INVAL, "location", N_("A face-to-face "
		    "appointment needs a location."));
	if (n->kind != APPT_VISIT && n->location != NULL &&
	    *n->location != '\0')
		return why_set(w, ERR_INVAL, "location", N_("Only a "
		    "face-to-face appointment has a location."));
	if (n->location != NULL && strlen(n->location) > LIMIT_APPT_LOCATION) {
		why_set(w, ERR_TOOBIG, "location", N_("A location is at most "
		    "%d bytes."));
		if (w != NULL)
			w->limit = LIMIT_APPT_LOCATION;
		return ERR_TOOBIG;
	}
	j.location = n->kind == APPT_VISIT ? n->location : NULL;
	j.prof_id = who->professional ? who->user_id : n->prof_id;
	if (j.prof_id <= 0)
		j.prof_id = first_professional(db, n->traj_id);

	/* The trajectory, the professional's part and hours: one snapshot. */
	if ((rc = db_read_begin(db, &c)) != 0)
		goto out;
	if ((rc = traj_head_on(c, n->traj_id, &head)) != 0)
		goto out;
	if (head.org_id != who->org_id) {
		rc = ERR_NOTFOUND;
		goto out;
	}
	j.org_id = head.org_id;
	j.client_id = head.client_id;
	if (j.prof_id <= 0 || (rc = traj_role_on(c, n->traj_id, j.prof_id,
	    &part)) != 0 || part != ROLE_PROFESSIONAL) {
		rc = why_set(w, rc != 0 && rc != ERR_NOTFOUND ? rc : ERR_INVAL,
		    "professional", N_("Choose a professional of this "
		    "trajectory."));
		goto out;
	}
	if ((rc = appt_hours_get_on(c, j.org_id, j.prof_id, &h)) == 0)
		have_hours = true;
	else if (rc != ERR_NOTFOUND)
		goto out;
	db_read_end(db, c);
	c = NULL;

	minutes = n->minutes > 0 ? n->minutes :
	    have_hours ? h.slot_minutes : LIMIT_APPT_DEFAULT_MINUTES;
	if ((rc = check_start(n->starts_at, now, minutes, w)) != 0)
		goto out;
	j.status = APPT_BOOKED;
	if (!who->professional) {
		/* A client takes an open slot, or asks for one when the
		 * professional books themself. */
		if (!have_hours) {
			rc = why_set(w, ERR_INVAL, "starts_at", N_("Your "
			    "professional has not opened any hours for "
			    "appointments yet."));
			goto out;
		}
		if (minutes != h.slot_minutes ||
		    !appt_is_slot(&h, tz, n->starts_at)) {
			rc = why_set(w, ERR_INVAL, "starts_at", N_("This is not "
			    "one of the open times; please choose one from "
			    "the list."));
			goto out;
		}
		if (!h.clients_book)
			j.status = APPT_REQUESTED;
	}
	if (have_hours) {
		j.bb = h.buffer_before;
		j.ba = h.buffer_after;
	}
	j.start = n->starts_at;
	j.end = n->starts_at + (time_t)minutes * 60;
	crypto_token(&j.uid);
	buf_adds(&j.uid, "@infuus");
	if ((rc = db_write(db, book_run, &j)) == 0 && id != NULL)
		*id = j.id;
out:
	if (c != NULL)
		db_read_end(db, c);
	buf_release(&j.uid);
	return rc;
}

/* An appointment's row as a change job reads it. */
struct row {
	int64_t org_id, traj_id, prof_id, client_id, reminder_id, seq;
	time_t start, end;
	int bb, ba;
	enum appt_status status;
};

static int
row_on(struct db_conn *c, int64_t id, struct row *r)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT org_id, trajectory_id, "
	    "professional_id, client_id, reminder_id, sequence, starts_at, "
	    "ends_at, buffer_before, buffer_after, status FROM appointments "
	    "WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW) {
		r->org_id = db_col_i64(st, 0);
		r->traj_id = db_col_i64(st, 1);
		r->prof_id = db_col_i64(st, 2);
		r->client_id = db_col_i64(st, 3);
		r->reminder_id = db_col_null(st, 4) ? 0 : db_col_i64(st, 4);
		r->seq = db_col_i64(st, 5);
		r->start = db_col_i64(st, 6);
		r->end = db_col_i64(st, 7);
		r->bb = (int)db_col_i64(st, 8);
		r->ba = (int)db_col_i64(st, 9);
		r->status = status_col(db_col_text(st, 10));
		rc = 0;
	} else if (rc == DB_DONE)
		rc = ERR_NOTFOUND;
	db_done(st);
	return rc;
}

/* The caller is this appointment's client or its professional, in its
 * organisation (authz decided the trajectory; this decides the row: a
 * second professional of the trajectory does not move a colleague's
 * appointment). */
static int
own_row(struct db_conn *c, const struct appt_actor *who, int64_t id,
    struct row *r)
{
	int rc;

	if ((rc = row_on(c, id, r)) != 0)
		return rc;
	if (r->org_id != who->org_id)
		return ERR_NOTFOUND;
	if (who->professional ? r->prof_id != who->user_id :
	    r->client_id != who->user_id)
		return ERR_FORBIDDEN;
	return 0;
}

/* own_row for what only the appointment's professional does. */
static int
pro_row(struct db_conn *c, const struct appt_actor *who, int64_t id,
    struct row *r)
{
	int rc;

	if ((rc = own_row(c, who, id, r)) != 0)
		return rc;
	if (!who->professional || r->prof_id != who->user_id)
		return ERR_FORBIDDEN;
	return 0;
}

static int
set_reminder(struct db_conn *c, struct row *r, int64_t id, time_t now)
{
	struct db_stmt *st;
	int64_t rid = 0;
	int rc;

	if (r->reminder_id > 0 &&
	    (rc = outbox_cancel_on(c, r->reminder_id)) != 0)
		return rc;
	if ((rc = notify(c, r->client_id, r->traj_id, now,
	    remind_at(r->start, now), &rid)) != 0)
		return rc;
	if ((rc = db_prepare(c, "UPDATE appointments SET reminder_id = ? "
	    "WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, rid);
	db_bind_i64(st, 2, id);
	return db_run(st);
}

struct change_job {
	const struct appt_actor *who;
	struct keyring *kr;
	const struct tz *tz;
	int64_t id;
	time_t start, now;
	const char *reason;
	struct why *w;
	bool late;
};

static int
reschedule_run(struct db_conn *c, void *arg)
{
	struct change_job *j = arg;
	struct appt_hours h;
	struct db_stmt *st;
	struct row r;
	bool clash;
	time_t len;
	int rc;

	if ((rc = own_row(c, j->who, j->id, &r)) != 0)
		return rc;
	if (r.status != APPT_BOOKED && r.status != APPT_REQUESTED)
		return why_set(j->w, ERR_CONFLICT, "starts_at", N_("This "
		    "appointment was cancelled or has passed."));
	if (r.start <= j->now)
		return why_set(j->w, ERR_CONFLICT, "starts_at", N_("This "
		    "appointment has started and can no longer be moved."));
	len = r.end - r.start;
	if ((rc = check_start(j->start, j->now, (int)(len / 60), j->w)) != 0)
		return rc;
	if (!j->who->professional) {
		rc = appt_hours_get_on(c, r.org_id, r.prof_id, &h);
		if (rc != 0 && rc != ERR_NOTFOUND)
			return rc;
		if (rc != 0 || !appt_is_slot(&h, j->tz, j->start))
			return why_set(j->w, ERR_INVAL, "starts_at", N_("This "
			    "is not one of the open times; please choose one "
			    "from the list."));
	}
	if ((rc = overlaps(c, r.org_id, r.prof_id, j->id, j->start, j->start + len,
	    r.bb, r.ba, &clash)) != 0)
		return rc;
	if (clash)
		return why_set(j->w, ERR_CONFLICT, "starts_at", just_taken);
	if ((rc = db_prepare(c, "UPDATE appointments SET starts_at = ?, "
	    "ends_at = ?, sequence = sequence + 1, updated_at = ? "
	    "WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->start);
	db_bind_i64(st, 2, j->start + len);
	db_bind_i64(st, 3, j->now);
	db_bind_i64(st, 4, j->id);
	if ((rc = db_run(st)) != 0)
		return rc;
	r.start = j->start;
	/* The reminder follows the appointment; the other party hears of
	 * the move now. */
	if (r.status == APPT_BOOKED &&
	    (rc = set_reminder(c, &r, j->id, j->now)) != 0)
		return rc;
	if ((rc = notify(c, j->who->user_id == r.client_id ? r.prof_id :
	    r.client_id, r.traj_id, j->now, 0, NULL)) != 0)
		return rc;
	return log_change(c, j->who, AUDIT_UPDATE, "reschedule", r.client_id,
	    j->id);
}

int
appt_reschedule(struct db *db, const struct tz *tz,
    const struct appt_actor *who, int64_t id, time_t starts_at, time_t now,
    struct why *w)
{
	struct change_job j = { who, NULL, tz, id, starts_at, now, NULL, w,
	    false };

	return db_write(db, reschedule_run, &j);
}

static int
cancel_run(struct db_conn *c, void *arg)
{
	struct change_job *j = arg;
	struct appt_hours_text t;
	struct buf box = BUF_INIT;
	struct db_stmt *st;
	struct arena a;
	struct row r;
	int64_t late_hours = 24;
	int rc;

	arena_init(&a);
	if ((rc = own_row(c, j->who, j->id, &r)) != 0)
		goto out;
	if (r.status != APPT_BOOKED && r.status != APPT_REQUESTED) {
		rc = why_set(j->w, ERR_CONFLICT, NULL, N_("This appointment "
		    "was already cancelled."));
		goto out;
	}
	if (r.start <= j->now) {
		rc = why_set(j->w, ERR_CONFLICT, NULL, N_("This appointment "
		    "has started; it can be marked as missed instead."));
		goto out;
	}
	if ((rc = appt_hours_on(c, r.org_id, r.prof_id, &a, &t)) == 0)
		late_hours = t.late_hours;
	else if (rc != ERR_NOTFOUND)
		goto out;
	j->late = r.start - j->now < (time_t)late_hours * 3600;
	if ((rc = keyring_seal(j->kr, c, r.org_id, j->reason,
	    strlen(j->reason), &box)) != 0)
		goto out;
	if ((rc = db_prepare(c, "UPDATE appointments SET status = "
	    "'cancelled', reason = ?, late = ?, sequence = sequence + 1, "
	    "updated_at = ? WHERE id = ?", &st)) != 0)
		goto out;
	db_bind_blob(st, 1, box.p, box.len);
	db_bind_i64(st, 2, j->late ? 1 : 0);
	db_bind_i64(st, 3, j->now);
	db_bind_i64(st, 4, j->id);
	if ((rc = db_run(st)) != 0)
		goto out;
	if (r.reminder_id > 0 &&
	    (rc = outbox_cancel_on(c, r.reminder_id)) != 0)
		goto out;
	if ((rc = notify(c, j->who->user_id == r.client_id ? r.prof_id :
	    r.client_id, r.traj_id, j->now, 0, NULL)) != 0)
		goto out;
	rc = log_change(c, j->who, AUDIT_UPDATE, j->late ? "cancel-late" :
	    "cancel", r.client_id, j->id);
out:
	buf_release(&box);
	arena_release(&a);
	return rc;
}

int
appt_cancel(struct db *db, struct keyring *kr, const struct appt_actor *who,
    int64_t id, const char *reason, time_t now, struct why *w, bool *late)
{
	struct change_job j = { who, kr, NULL, id, 0, now, reason, w, false };
	int rc;

	if (reason == NULL || str_trim(str_c(reason)).len == 0)
		return why_set(w, ERR_INVAL, "reason", N_("Please give a "
		    "reason for cancelling."));
	if (strlen(reason) > LIMIT_APPT_REASON) {
		if (w != NULL) {
			why_set(w, ERR_TOOBIG, "reason", N_("A reason is at "
			    "most %d bytes."));
			w->limit = LIMIT_APPT_REASON;
		}
		return ERR_TOOBIG;
	}
	rc = db_write(db, cancel_run, &j);
	if (late != NULL)
		*late = j.late;
	return rc;
}

/* Appointment id is now s; its sequence moves on, as every change does. */
static int
set_status(struct db_conn *c, int64_t id, enum appt_status s, int64_t now)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "UPDATE appointments SET status = ?, "
	    "sequence = sequence + 1, updated_at = ? WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_textz(st, 1, appt_status_name(s));
	db_bind_i64(st, 2, now);
	db_bind_i64(st, 3, id);
	return db_run(st);
}

static int
confirm_run(struct db_conn *c, void *arg)
{
	struct change_job *j = arg;
	struct row r;
	bool clash;
	int rc;

	if ((rc = pro_row(c, j->who, j->id, &r)) != 0)
		return rc;
	if (r.status != APPT_REQUESTED)
		return why_set(j->w, ERR_CONFLICT, NULL, N_("Only a requested "
		    "appointment can be confirmed."));
	if (r.start <= j->now)
		return why_set(j->w, ERR_INVAL, "starts_at", N_("This time has "
		    "passed; please choose a time in the future."));
	if ((rc = overlaps(c, r.org_id, r.prof_id, j->id, r.start, r.end, r.bb, r.ba,
	    &clash)) != 0)
		return rc;
	if (clash)
		return why_set(j->w, ERR_CONFLICT, "starts_at", just_taken);
	if ((rc = set_status(c, j->id, APPT_BOOKED, j->now)) != 0)
		return rc;
	if ((rc = set_reminder(c, &r, j->id, j->now)) != 0)
		return rc;
	return log_change(c, j->who, AUDIT_UPDATE, "confirm", r.client_id,
	    j->id);
}

int
appt_confirm(struct db *db, const struct appt_actor *who, int64_t id,
    time_t now, struct why *w)
{
	struct change_job j = { who, NULL, NULL, id, 0, now, NULL, w, false };

	return db_write(db, confirm_run, &j);
}

static int
noshow_run(struct db_conn *c, void *arg)
{
	struct change_job *j = arg;
	struct db_stmt *st;
	struct row r;
	int rc;

	if ((rc = pro_row(c, j->who, j->id, &r)) != 0)
		return rc;
	if (r.status != APPT_BOOKED)
		return why_set(j->w, ERR_CONFLICT, NULL, N_("Only a booked "
		    "appointment can be marked as missed."));
	if (r.start > j->now)
		return why_set(j->w, ERR_INVAL, NULL, N_("An appointment can "
		    "be marked as missed once it has started."));
	if ((rc = set_status(c, j->id, APPT_NOSHOW, j->now)) != 0)
		return rc;
	if ((rc = db_prepare(c, "INSERT INTO appointment_tasks "
	    "(appointment_id, professional_id, created_at) VALUES (?, ?, ?)",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->id);
	db_bind_i64(st, 2, r.prof_id);
	db_bind_i64(st, 3, j->now);
	if ((rc = db_run(st)) != 0)
		return rc;
	return log_change(c, j->who, AUDIT_UPDATE, "noshow", r.client_id,
	    j->id);
}

int
appt_noshow(struct db *db, const struct appt_actor *who, int64_t id,
    time_t now, struct why *w)
{
	struct change_job j = { who, NULL, NULL, id, 0, now, NULL, w, false };

	return db_write(db, noshow_run, &j);
}

/* Held: the professional's actual minutes, recorded as time (issue 13's
 * time accounting, through the activity module, which owns it) in the
 * same job, once per appointment. */
struct held_job {
	const struct appt_actor *who;
	int64_t id, minutes;
	time_t now;
	struct why *w;
	int64_t activity_id;
};

static int
held_run(struct db_conn *c, void *arg)
{
	struct held_job *j = arg;
	struct activity a;
	struct row r;
	bool done;
	int rc;

	if ((rc = pro_row(c, j->who, j->id, &r)) != 0)
		return rc;
	if (r.status != APPT_BOOKED)
		return why_set(j->w, ERR_CONFLICT, NULL, N_("Only a booked "
		    "appointment can be marked as held."));
	if (r.start > j->now)
		return why_set(j->w, ERR_INVAL, NULL, N_("An appointment can "
		    "be marked as held once it has started."));
	if ((rc = activity_exists_on(c, r.traj_id, "appointment", j->id,
	    &done)) != 0)
		return rc;
	if (done)
		return why_set(j->w, ERR_CONFLICT, "minutes", N_("This "
		    "appointment's time is recorded already; correct it on "
		    "the time page."));
	memset(&a, 0, sizeof(a));
	a.org_id = r.org_id;
	a.traj_id = r.traj_id;
	a.user_id = j->who->user_id;
	a.kind = "appointment";
	a.source_id = j->id;
	a.started_at = r.start;
	a.seconds = j->minutes * 60;
	a.recorded_by = j->who->user_id;
	a.recorded_at = j->now;
	if ((rc = activity_record_on(c, &a, &j->activity_id)) != 0)
		return rc;
	return log_change(c, j->who, AUDIT_UPDATE, "held", r.client_id,
	    j->id);
}

int
appt_held(struct db *db, const struct appt_actor *who, int64_t id,
    int64_t minutes, time_t now, struct why *w)
{
	struct held_job j = { who, id, minutes, now, w, 0 };

	if (minutes < 1 || minutes > LIMIT_ACTIVITY_MINUTES) {
		why_set(w, ERR_INVAL, "minutes", N_("Give the minutes as a "
		    "whole number from 1 to %d."));
		if (w != NULL)
			w->limit = LIMIT_ACTIVITY_MINUTES;
		return ERR_INVAL;
	}
	return db_write(db, held_run, &j);
}

/* --- Reads ---------------------------------------------------------------- */

#define APPT_COLS "id, org_id, trajectory_id, professional_id, client_id, " \
	"kind, location, starts_at, ends_at, buffer_before, buffer_after, " \
	"status, sequence, uid, reason, late"

static int
fill(struct db_conn *c, struct keyring *kr, struct db_stmt *st,
    struct arena *a, struct appointment *o)
{
	struct buf b = BUF_INIT;
	struct str s;
	int rc = 0;

	memset(o, 0, sizeof(*o));
	o->id = db_col_i64(st, 0);
	o->org_id = db_col_i64(st, 1);
	o->traj_id = db_col_i64(st, 2);
	o->prof_id = db_col_i64(st, 3);
	o->client_id = db_col_i64(st, 4);
	o->kind = kind_col(db_col_text(st, 5));
	o->starts_at = db_col_i64(st, 7);
	o->ends_at = db_col_i64(st, 8);
	o->buffer_before = (int)db_col_i64(st, 9);
	o->buffer_after = (int)db_col_i64(st, 10);
	o->status = status_col(db_col_text(st, 11));
	o->sequence = db_col_i64(st, 12);
	o->uid = arena_strz(a, db_col_text(st, 13));
	o->late = db_col_i64(st, 15) != 0;
	o->location = "";
	o->reason = "";
	o->client_name = "";
	o->prof_name = "";
	if (kr == NULL)
		return 0;
	s = db_col_blob(st, 6);
	if (s.len > 0 && (rc = keyring_open(kr, c, o->org_id, s.p, s.len,
	    &b)) == 0)
		o->location = arena_strndup(a, b.p, b.len);
	buf_reset(&b);
	s = db_col_blob(st, 14);
	if (rc == 0 && s.len > 0 && (rc = keyring_open(kr, c, o->org_id, s.p,
	    s.len, &b)) == 0)
		o->reason = arena_strndup(a, b.p, b.len);
	buf_release(&b);
	return rc;
}

int
appt_get(struct db *db, struct keyring *kr, int64_t id, struct arena *a,
    struct appointment *out)
{
	struct traj_member *m = NULL;
	struct db_stmt *st;
	struct db_conn *c;
	size_t n = 0, i;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT " APPT_COLS " FROM appointments "
	    "WHERE id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW)
		rc = fill(c, kr, st, a, out);
	else if (rc == DB_DONE)
		rc = ERR_NOTFOUND;
	db_done(st);
out:
	db_read_end(db, c);
	if (rc == 0 && traj_members(db, out->traj_id, a, &m, &n) == 0)
		for (i = 0; i < n; i++) {
			if (m[i].user_id == out->client_id)
				out->client_name = m[i].name;
			if (m[i].user_id == out->prof_id)
				out->prof_name = m[i].name;
		}
	return rc;
}

void
appt_fill_names(struct db *db, struct arena *a, struct appointment *l,
    size_t n)
{
	struct traj_member *m = NULL;
	int64_t traj = 0;
	size_t nm = 0, i, k;

	/* Lists come sorted by time, not trajectory: a trajectory seen
	 * before is found in the names already filled. */
	for (i = 0; i < n; i++) {
		for (k = 0; k < i; k++)
			if (l[k].traj_id == l[i].traj_id)
				break;
		if (k < i) {
			l[i].client_name = l[k].client_name;
			l[i].prof_name = l[k].client_id == l[i].client_id &&
			    l[k].prof_id == l[i].prof_id ? l[k].prof_name : "";
			continue;
		}
		if (l[i].traj_id != traj) {
			traj = l[i].traj_id;
			if (traj_members(db, traj, a, &m, &nm) != 0)
				nm = 0;
		}
		for (k = 0; k < nm; k++) {
			if (m[k].user_id == l[i].client_id)
				l[i].client_name = m[k].name;
			if (m[k].user_id == l[i].prof_id)
				l[i].prof_name = m[k].name;
		}
	}
}

int
appt_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id)
{
	int64_t arg = id;

	return db_query_i64(c, "SELECT trajectory_id FROM appointments "
	    "WHERE id = ?", traj_id, 1, &arg);
}

int
appt_list(struct db *db, struct keyring *kr, const struct appt_filter *f,
    struct arena *a, struct appointment **out, size_t *n)
{
	const char *sql;
	struct db_stmt *st;
	struct db_conn *c;
	size_t cap = 32;
	int64_t who;
	int rc;

	*n = 0;
	*out = arena_calloc(a, cap, sizeof(**out));
	if (f->prof_id > 0) {
		who = f->prof_id;
		sql = "SELECT " APPT_COLS " FROM appointments WHERE "
		    "professional_id = ? AND org_id = ? AND starts_at >= ? "
		    "AND starts_at < ? ORDER BY starts_at, id";
	} else if (f->client_id > 0) {
		who = f->client_id;
		sql = "SELECT " APPT_COLS " FROM appointments WHERE "
		    "client_id = ? AND org_id = ? AND starts_at >= ? "
		    "AND starts_at < ? ORDER BY starts_at, id";
	} else {
		who = f->traj_id;
		sql = "SELECT " APPT_COLS " FROM appointments WHERE "
		    "trajectory_id = ? AND org_id = ? AND starts_at >= ? "
		    "AND starts_at < ? ORDER BY starts_at, id";
	}
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, sql, &st)) != 0)
		goto out;
	db_bind_i64(st, 1, who);
	db_bind_i64(st, 2, f->org_id);
	db_bind_i64(st, 3, f->from);
	db_bind_i64(st, 4, f->to);
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			if (cap >= LIMIT_APPT_LIST) {
				rc = ERR_TOOBIG;
				break;
			}
			*out = arena_grow(a, *out, &cap, sizeof(**out));
		}
		if ((rc = fill(c, kr, st, a, &(*out)[*n])) != 0)
			break;
		(*n)++;
	}
	db_done(st);
	if (rc == DB_DONE)
		rc = 0;
out:
	db_read_end(db, c);
	return rc;
}

int
appt_window_on(struct db_conn *c, int64_t traj_id, time_t from, time_t to,
    appt_when_fn fn, void *arg)
{
	struct db_stmt *st;
	struct appt_when w;
	int rc;

	if ((rc = db_prepare(c, "SELECT id, trajectory_id, professional_id, "
	    "client_id, kind, starts_at, ends_at, sequence FROM appointments "
	    "WHERE trajectory_id = ? AND status = 'booked' AND starts_at >= ? "
	    "AND starts_at < ? ORDER BY starts_at, id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, from);
	db_bind_i64(st, 3, to);
	while ((rc = db_step(st)) == DB_ROW) {
		w.id = db_col_i64(st, 0);
		w.traj_id = db_col_i64(st, 1);
		w.prof_id = db_col_i64(st, 2);
		w.client_id = db_col_i64(st, 3);
		w.kind = kind_col(db_col_text(st, 4));
		w.starts_at = db_col_i64(st, 5);
		w.ends_at = db_col_i64(st, 6);
		w.sequence = db_col_i64(st, 7);
		if ((rc = fn(&w, arg)) != 0)
			break;
	}
	db_done(st);
	return rc == DB_DONE ? 0 : rc;
}
