/*
 * appt_hours.c - a professional's hours for appointments and the open
 * slots in them (see appointment.h): the promise's week and holiday texts
 * read on the organisation's wall clock, what is booked read in the
 * window asked for only, so five years of history cost nothing here.
 * Table: appointment_hours (and appointments, read).
 */
#include "appointment/appointment.h"
#include "appointment/appt_int.h"

#include <string.h>

#include "audit/audit.h"
#include "core/arena.h"
#include "core/crypto.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "keys/keyring.h"
#include "promise/tz.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

/* --- Open slots ----------------------------------------------------------- */

static bool
hours_ok(const struct appt_hours *h)
{
	return h->slot_minutes >= LIMIT_APPT_MIN_MINUTES &&
	    h->slot_minutes <= LIMIT_APPT_MAX_MINUTES &&
	    h->buffer_before >= 0 && h->buffer_before <= LIMIT_APPT_BUFFER &&
	    h->buffer_after >= 0 && h->buffer_after <= LIMIT_APPT_BUFFER;
}

/* The instant the wall clock shows day (local day number) at minute m, or
 * -1 when that time does not exist there (the skipped hour). */
static time_t
wall(const struct tz *tz, int64_t day, int m)
{
	struct tz_local l;
	int64_t y;
	int mo, d;
	time_t t;

	tz_civil_from_days(day, &y, &mo, &d);
	if (tz_from_local(tz, (int)y, mo, d, m / 60, m % 60, 0, &t) != 0)
		return -1;
	if (tz_to_local(tz, t, &l) != 0 || l.hour * 60 + l.min != m)
		return -1;
	return t;
}

int
appt_slots(const struct appt_hours *h, const struct tz *tz, time_t now,
    time_t from, time_t to, const struct appt_busy *busy, size_t nbusy,
    time_t *out, size_t max, size_t *n)
{
	struct tz_local lf, lt;
	int64_t day, last;
	size_t bi = 0;
	int step, i, m;

	*n = 0;
	if (!hours_ok(h) || tz == NULL || to < from ||
	    to - from > (time_t)LIMIT_APPT_SLOT_RANGE_DAYS * 86400)
		return ERR_INVAL;
	if (tz_to_local(tz, from, &lf) != 0 || tz_to_local(tz, to, &lt) != 0)
		return ERR_INVAL;
	day = tz_days_from_civil(lf.year, lf.month, lf.day);
	last = tz_days_from_civil(lt.year, lt.month, lt.day);
	step = h->slot_minutes + h->buffer_before + h->buffer_after;
	for (; day <= last && *n < max; day++) {
		int wd = tz_weekday(day);

		if (promise_is_holiday(&h->exceptions, day))
			continue;
		for (i = 0; i < h->week.n[wd] && *n < max; i++) {
			const struct promise_window *w = &h->week.w[wd][i];

			for (m = w->start; m + h->slot_minutes <= w->end &&
			    *n < max; m += step) {
				time_t t = wall(tz, day, m), s, e;
				size_t j;
				bool taken = false;

				if (t < 0 || t < from || t >= to || t < now)
					continue;
				s = t - (time_t)h->buffer_before * 60;
				e = t + (time_t)(h->slot_minutes +
				    h->buffer_after) * 60;
				/* busy is sorted by start and booked spans do
				 * not overlap, so one cursor walks it once. */
				while (bi < nbusy && busy[bi].end <= s)
					bi++;
				for (j = bi; j < nbusy && busy[j].start < e; j++)
					if (busy[j].end > s) {
						taken = true;
						break;
					}
				if (!taken)
					out[(*n)++] = t;
			}
		}
	}
	return 0;
}

bool
appt_is_slot(const struct appt_hours *h, const struct tz *tz, time_t start)
{
	struct tz_local l;
	int64_t day;
	int i, m, step;

	if (!hours_ok(h) || tz_to_local(tz, start, &l) != 0 || l.sec != 0)
		return false;
	day = tz_days_from_civil(l.year, l.month, l.day);
	if (promise_is_holiday(&h->exceptions, day))
		return false;
	m = l.hour * 60 + l.min;
	step = h->slot_minutes + h->buffer_before + h->buffer_after;
	for (i = 0; i < h->week.n[l.wday]; i++) {
		const struct promise_window *w = &h->week.w[l.wday][i];

		if (m >= w->start && m + h->slot_minutes <= w->end &&
		    (m - w->start) % step == 0)
			return wall(tz, day, m) == start;
	}
	return false;
}

/* --- Hours ---------------------------------------------------------------- */

int
appt_hours_on(struct db_conn *c, int64_t org_id, int64_t prof_id, struct arena *a,
    struct appt_hours_text *t)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT schedule, exceptions, slot_minutes, "
	    "buffer_before, buffer_after, clients_book, late_hours "
	    "FROM appointment_hours WHERE org_id = ? AND professional_id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, org_id);
	db_bind_i64(st, 2, prof_id);
	if ((rc = db_step(st)) == DB_ROW) {
		t->schedule = arena_strz(a, db_col_text(st, 0));
		t->exceptions = arena_strz(a, db_col_text(st, 1));
		t->slot_minutes = db_col_i64(st, 2);
		t->buffer_before = db_col_i64(st, 3);
		t->buffer_after = db_col_i64(st, 4);
		t->clients_book = db_col_i64(st, 5) != 0;
		t->late_hours = db_col_i64(st, 6);
		rc = 0;
	} else if (rc == DB_DONE)
		rc = ERR_NOTFOUND;
	db_done(st);
	return rc;
}

/* Text forms to numbers; the field at fault in *w. */
static int
hours_parse(const struct appt_hours_text *t, struct appt_hours *h,
    struct why *w)
{
	memset(h, 0, sizeof(*h));
	if (t->schedule == NULL ||
	    promise_week_parse(str_c(t->schedule), &h->week) != 0)
		return why_set(w, ERR_INVAL, "schedule", N_("Write the hours "
		    "as days and times, for example \"mon-fri 09:00-17:00\"."));
	if (promise_holidays_parse(str_c(t->exceptions ? t->exceptions : ""),
	    &h->exceptions) != 0)
		return why_set(w, ERR_INVAL, "exceptions", N_("Write the days "
		    "off as dates, for example \"2026-12-24..2026-12-31\"."));
	if (t->slot_minutes < LIMIT_APPT_MIN_MINUTES ||
	    t->slot_minutes > LIMIT_APPT_MAX_MINUTES)
		return why_set(w, ERR_INVAL, "slot_minutes", N_("An "
		    "appointment lasts 5 to 480 minutes."));
	if (t->buffer_before < 0 || t->buffer_before > LIMIT_APPT_BUFFER ||
	    t->buffer_after < 0 || t->buffer_after > LIMIT_APPT_BUFFER)
		return why_set(w, ERR_INVAL, "buffers", N_("A buffer is 0 to "
		    "120 minutes."));
	if (t->late_hours < 0 || t->late_hours > LIMIT_APPT_LATE_HOURS)
		return why_set(w, ERR_INVAL, "late_hours", N_("Late "
		    "cancellation is 0 to 336 hours before the start."));
	h->slot_minutes = (int)t->slot_minutes;
	h->buffer_before = (int)t->buffer_before;
	h->buffer_after = (int)t->buffer_after;
	h->clients_book = t->clients_book;
	h->late_hours = (int)t->late_hours;
	return 0;
}

int
appt_hours_text_get(struct db *db, int64_t org_id, int64_t prof_id,
    struct arena *a, struct appt_hours_text *out)
{
	struct db_conn *c;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = appt_hours_on(c, org_id, prof_id, a, out);
	db_read_end(db, c);
	return rc;
}

int
appt_hours_get_on(struct db_conn *c, int64_t org_id, int64_t prof_id,
    struct appt_hours *out)
{
	struct appt_hours_text t;
	struct arena a;
	int rc;

	arena_init(&a);
	if ((rc = appt_hours_on(c, org_id, prof_id, &a, &t)) == 0)
		rc = hours_parse(&t, out, NULL) != 0 ? ERR_DB : 0;
	arena_release(&a);
	return rc;
}

int
appt_hours_get(struct db *db, int64_t org_id, int64_t prof_id,
    struct appt_hours *out)
{
	struct db_conn *c;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = appt_hours_get_on(c, org_id, prof_id, out);
	db_read_end(db, c);
	return rc;
}

struct hours_job {
	int64_t org_id, prof_id;
	const struct appt_hours_text *t;
	struct buf schedule, exceptions;
	time_t now;
};

static int
hours_run(struct db_conn *c, void *arg)
{
	struct hours_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO appointment_hours (org_id, "
	    "professional_id, schedule, exceptions, slot_minutes, "
	    "buffer_before, buffer_after, clients_book, late_hours, "
	    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (org_id, professional_id) DO UPDATE SET "
	    "schedule = excluded.schedule, exceptions = excluded.exceptions, "
	    "slot_minutes = excluded.slot_minutes, "
	    "buffer_before = excluded.buffer_before, "
	    "buffer_after = excluded.buffer_after, "
	    "clients_book = excluded.clients_book, "
	    "late_hours = excluded.late_hours, "
	    "updated_at = excluded.updated_at", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->org_id);
	db_bind_i64(st, 2, j->prof_id);
	db_bind_textz(st, 3, j->schedule.p);
	db_bind_textz(st, 4, j->exceptions.p);
	db_bind_i64(st, 5, j->t->slot_minutes);
	db_bind_i64(st, 6, j->t->buffer_before);
	db_bind_i64(st, 7, j->t->buffer_after);
	db_bind_i64(st, 8, j->t->clients_book ? 1 : 0);
	db_bind_i64(st, 9, j->t->late_hours);
	db_bind_i64(st, 10, j->now);
	return db_run(st);
}

int
appt_hours_set(struct db *db, int64_t org_id, int64_t prof_id,
    const struct appt_hours_text *t, struct why *w)
{
	struct hours_job j = { org_id, prof_id, t, BUF_INIT, BUF_INIT, 0 };
	struct appt_hours h;
	int rc;

	if ((rc = hours_parse(t, &h, w)) != 0)
		return rc;
	/* Stored in the canonical forms, so the form shows what counts. */
	promise_week_format(&h.week, &j.schedule);
	promise_holidays_format(&h.exceptions, &j.exceptions);
	j.now = time(NULL);
	rc = db_write(db, hours_run, &j);
	buf_release(&j.schedule);
	buf_release(&j.exceptions);
	return rc;
}

/* Booked spans (buffers included) of prof_id meeting [from, to), sorted. */
static int
busy_on(struct db_conn *c, int64_t prof_id, time_t from, time_t to,
    struct arena *a, struct appt_busy **out, size_t *n)
{
	struct db_stmt *st;
	size_t cap = 64;
	int rc;

	*n = 0;
	*out = arena_calloc(a, cap, sizeof(**out));
	/* starts_at bounded on both sides so the index does the work: no
	 * appointment with its buffer is longer than a day. */
	if ((rc = db_prepare(c, "SELECT starts_at - buffer_before * 60, "
	    "ends_at + buffer_after * 60 FROM appointments "
	    "WHERE professional_id = ? AND status = 'booked' "
	    "AND starts_at > ? AND starts_at < ? ORDER BY starts_at", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, prof_id);
	db_bind_i64(st, 2, from - 86400);
	db_bind_i64(st, 3, to + 86400);
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			if (cap >= LIMIT_APPT_BUSY) {
				rc = ERR_TOOBIG;
				break;
			}
			*out = arena_grow(a, *out, &cap, sizeof(**out));
		}
		(*out)[*n].start = db_col_i64(st, 0);
		(*out)[(*n)++].end = db_col_i64(st, 1);
	}
	db_done(st);
	return rc == DB_DONE ? 0 : rc;
}

int
appt_open_slots(struct db *db, int64_t org_id, int64_t prof_id,
    const struct tz *tz, time_t now, time_t from, time_t to, time_t *out,
    size_t max, size_t *n)
{
	struct appt_hours h;
	struct appt_busy *busy = NULL;
	struct db_conn *c;
	struct arena a;
	size_t nb = 0;
	int rc;

	*n = 0;
	arena_init(&a);
	if ((rc = db_read_begin(db, &c)) != 0)
		goto out;
	if ((rc = appt_hours_get_on(c, org_id, prof_id, &h)) == 0)
		rc = busy_on(c, prof_id, from, to, &a, &busy, &nb);
	db_read_end(db, c);
	if (rc == 0)
		rc = appt_slots(&h, tz, now, from, to, busy, nb, out, max, n);
out:
	arena_release(&a);
	return rc;
}

