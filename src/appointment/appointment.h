/*
 * appointment.h - appointments between a professional and a client of a
 * trajectory: face-to-face (with a location), video or phone; the
 * professional's hours for them; booking, asking, rescheduling,
 * cancelling, the no-show mark with its follow-up task; the private
 * iCalendar feed's tokens.
 *
 * Availability reuses the promise's arithmetic: the hours are a
 * promise_week ("mon-fri 09:00-17:00") and the exceptions a holiday list
 * ("2026-12-24..2026-12-31"), read on the wall clock of the organisation's
 * zone, so a 09:00 slot is 09:00 on both sides of a change of daylight
 * saving time.
 *
 * Double bookings: every check that an appointment fits (no overlap with
 * another booked one, its buffers included) runs inside the write job, and
 * the database has one writer, so of two clients asking for one slot at
 * the same moment exactly one gets it and the other ERR_CONFLICT with the
 * reason "just taken".  A unique index on (professional, start) of booked
 * appointments guards the same rule in the database itself.
 *
 * With several nodes on one PostgreSQL database there are several
 * writers, and the index alone stops two bookings of one start, not two
 * overlapping ones with different starts.  So every job that books,
 * moves or confirms first takes its organisation's audit chain head
 * (audit_lock_on, a row lock held until its transaction ends) and only
 * then checks for overlaps: the jobs take turns on any node, and as the
 * writer's transactions are READ COMMITTED the check sees what the job
 * before it committed.  Why that lock and not one per professional (an
 * upsert of a row of our own, or pg_advisory_xact_lock on the
 * professional's id): every write job appends to the access log, which
 * takes the same head, held until commit; a lock of our own taken before
 * it deadlocks against a batch of another node that appended first and
 * then books (PostgreSQL 40P01, seen in the two-node test), and after it
 * adds nothing, as the head already makes the organisation's writers
 * take turns.  Not an exclusion constraint on the time range either: it
 * needs the btree_gist extension, which a plain database owner may not be
 * able to create, SQLite has nothing like it, and the buffers around an
 * appointment would have to be in the range.
 *
 * Tables: appointment_hours, appointments, appointment_tasks,
 * appointment_feeds (070_appointment.sql).  Reminders are notifications
 * held until their moment, scheduled and taken back through the outbox
 * (outbox_schedule_on, outbox_cancel_on), which owns them.
 */
#ifndef INFUUS_APPOINTMENT_H
#define INFUUS_APPOINTMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"
#include "core/err.h"
#include "promise/promise.h"

struct arena;
struct db;
struct db_conn;
struct keyring;
struct tz;

enum appt_kind {
	APPT_VISIT,   /* face-to-face, at a location */
	APPT_VIDEO,   /* a video call (the live-contact issue's; XXX: the
	                 call itself is not made here yet) */
	APPT_PHONE,
};

enum appt_status {
	APPT_REQUESTED,  /* the client asked; the professional confirms */
	APPT_BOOKED,
	APPT_CANCELLED,
	APPT_NOSHOW,     /* the client did not come */
};

/* "visit", "video", "phone"; "requested", "booked", ...; parse: 0 or
 * ERR_INVAL. */
const char *appt_kind_name(enum appt_kind k);
int appt_kind_parse(const char *s, enum appt_kind *out);
const char *appt_status_name(enum appt_status s);

/* --- Hours and open slots (pure) ------------------------------------------ */

struct appt_hours {
	struct promise_week week;
	struct promise_holidays exceptions;
	int slot_minutes;      /* an appointment's length */
	int buffer_before;     /* minutes kept free before and after */
	int buffer_after;
	bool clients_book;     /* false: clients ask, the professional books */
	int late_hours;        /* cancelling later than this is "late" */
};

/* What is taken already: [start, end) with buffers included. */
struct appt_busy {
	time_t start;
	time_t end;
};

/*
 * The open slots in [from, to): starts of slot_minutes on the wall clock
 * of tz, inside a window of `h->week` on a day that is no exception, laid
 * end to end from each window's start (a buffer counts toward the step),
 * whose span with buffers meets none of busy[0..nbusy-1] (sorted by
 * start), and not before `now`.  A wall-clock time that does not exist
 * (the skipped hour) is no slot.  At most max are written; *n gets the
 * count.  ERR_INVAL for bad hours or a range over
 * LIMIT_APPT_SLOT_RANGE_DAYS.
 */
int appt_slots(const struct appt_hours *h, const struct tz *tz,
    time_t now, time_t from, time_t to, const struct appt_busy *busy,
    size_t nbusy, time_t *out, size_t max, size_t *n);

/* Whether start is one of the slots appt_slots would give (ignoring
 * what is busy). */
bool appt_is_slot(const struct appt_hours *h, const struct tz *tz,
    time_t start);

/* The professional's hours in org (ERR_NOTFOUND: none set). */
int appt_hours_get(struct db *db, int64_t org_id, int64_t prof_id,
    struct appt_hours *out);
/* Store them from their text forms; ERR_INVAL with the field at fault in
 * *w ("schedule", "exceptions", "slot_minutes", "buffers", "late_hours"). */
struct appt_hours_text {
	const char *schedule;
	const char *exceptions;
	int64_t slot_minutes;
	int64_t buffer_before;
	int64_t buffer_after;
	bool clients_book;
	int64_t late_hours;
};
int appt_hours_set(struct db *db, int64_t org_id, int64_t prof_id,
    const struct appt_hours_text *t, struct why *w);
/* The text forms of stored hours, in a's memory (the form's values). */
int appt_hours_text_get(struct db *db, int64_t org_id, int64_t prof_id,
    struct arena *a, struct appt_hours_text *out);

/* The open slots of prof_id in org in [from, to): hours, zone and what is
 * booked read in one snapshot.  ERR_NOTFOUND: no hours set. */
int appt_open_slots(struct db *db, int64_t org_id, int64_t prof_id,
    const struct tz *tz, time_t now, time_t from, time_t to,
    time_t *out, size_t max, size_t *n);

/* --- Appointments --------------------------------------------------------- */

struct appointment {
	int64_t id;
	int64_t org_id;
	int64_t traj_id;
	int64_t prof_id;
	int64_t client_id;
	enum appt_kind kind;
	const char *location;  /* opened; "" when none */
	time_t starts_at;
	time_t ends_at;
	int buffer_before;
	int buffer_after;
	enum appt_status status;
	int64_t sequence;      /* 0, then +1 per change (RFC 5545) */
	const char *uid;       /* stable across reschedules */
	const char *reason;    /* opened cancellation reason; "" */
	bool late;             /* cancelled within late_hours */
	const char *client_name;
	const char *prof_name;
};

/* Who acts and where: the caller's identity and part, from the checked
 * route object (authz). */
struct appt_actor {
	int64_t user_id;
	int64_t org_id;
	bool professional;     /* false: the client */
	const char *role;      /* for the access log */
	const char *address;
	const char *device;
};

struct appt_new {
	int64_t traj_id;
	int64_t prof_id;       /* 0: the trajectory's first professional */
	enum appt_kind kind;
	const char *location;  /* face-to-face only; required there */
	time_t starts_at;
	int minutes;           /* 0: the hours' slot length */
};

/*
 * Book (or, for a client whose professional does not let clients book,
 * ask for) an appointment in a trajectory.  Refusals, with *w: a time in
 * the past or not on the minute ("starts_at"), a length out of range
 * ("minutes"), a face-to-face appointment without a location or with a
 * location on another kind ("location"), a client's time that is no open
 * slot of the professional ("starts_at"), a professional who is not in
 * the trajectory, another organisation's trajectory (ERR_NOTFOUND), and
 * ERR_CONFLICT "just taken" when the time overlaps a booked appointment.
 * Nothing is written on a refusal.  The client gets a reminder through
 * the outbox LIMIT_APPT_REMIND_HOURS before the start.
 */
int appt_book(struct db *db, struct keyring *kr, const struct tz *tz,
    const struct appt_actor *who, const struct appt_new *n, time_t now,
    struct why *w, int64_t *id);

/* Move an appointment: same checks as booking; the sequence goes up, the
 * uid stays, the reminder moves along and the other party is told. */
int appt_reschedule(struct db *db, const struct tz *tz,
    const struct appt_actor *who, int64_t id, time_t starts_at, time_t now,
    struct why *w);

/* Cancel with a reason (required, sealed); late when within the
 * professional's late_hours of the start. *late tells which. */
int appt_cancel(struct db *db, struct keyring *kr,
    const struct appt_actor *who, int64_t id, const char *reason,
    time_t now, struct why *w, bool *late);

/* The professional confirms a requested appointment (a booking's
 * checks). */
int appt_confirm(struct db *db, const struct appt_actor *who, int64_t id,
    time_t now, struct why *w);

/* The professional marks a booked appointment that has started as a
 * no-show; adds a follow-up task for them. */
int appt_noshow(struct db *db, const struct appt_actor *who, int64_t id,
    time_t now, struct why *w);

/* The professional marks a booked appointment that has started as held,
 * with its actual length in minutes (1..LIMIT_ACTIVITY_MINUTES): recorded
 * once as time of kind "appointment" (activity.h) in the same job;
 * ERR_CONFLICT when it is recorded already (a correction goes through
 * the time page). */
int appt_held(struct db *db, const struct appt_actor *who, int64_t id,
    int64_t minutes, time_t now, struct why *w);

/* One appointment, location and reason opened; names filled. */
int appt_get(struct db *db, struct keyring *kr, int64_t id,
    struct arena *a, struct appointment *out);

/* Fill client_name and prof_name of l[0..n-1] from their trajectories'
 * members (the trajectory module's), one look-up per trajectory. */
void appt_fill_names(struct db *db, struct arena *a, struct appointment *l,
    size_t n);

/* The trajectory of an appointment, for authz (ERR_NOTFOUND). */
int appt_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id);

/* Appointments in [from, to) of a professional (prof_id) or a client
 * (client_id), or of a trajectory (traj_id); give exactly one of them.
 * Cancelled ones included (shown struck through).  Sorted by start. */
struct appt_filter {
	int64_t org_id;
	int64_t prof_id;
	int64_t client_id;
	int64_t traj_id;
	time_t from;
	time_t to;
};
int appt_list(struct db *db, struct keyring *kr, const struct appt_filter *f,
    struct arena *a, struct appointment **out, size_t *n);

/*
 * The hook "before and after an appointment" for other modules
 * (questionnaires, module sessions): the booked appointments of a
 * trajectory that start in [from, to), on a connection the caller holds
 * (a read snapshot or inside a write job), one call of fn per appointment
 * in order of start; a non-zero return of fn stops the walk and is
 * returned.  A schedule "3 days before each appointment" asks for the
 * window [now + 3 days, now + 3 days + its period); "after" likewise with
 * ends_at.  No location or names are given: a schedule needs times only.
 */
struct appt_when {
	int64_t id;
	int64_t traj_id;
	int64_t prof_id;
	int64_t client_id;
	enum appt_kind kind;
	time_t starts_at;
	time_t ends_at;
	int64_t sequence;
};
typedef int (*appt_when_fn)(const struct appt_when *a, void *arg);
int appt_window_on(struct db_conn *c, int64_t traj_id, time_t from, time_t to,
    appt_when_fn fn, void *arg);

/* Log first, then show: one read event (kind "appointment", the code
 * detail) per distinct client of clients[0..n-1] (0s skipped), all in
 * one write job; object_id names one appointment or is 0 for a list. */
int appt_log_read(struct db *db, const struct appt_actor *who,
    const int64_t *clients, size_t n, int64_t object_id, const char *detail);

/* Open follow-up tasks of a professional: appointment ids. */
int appt_tasks(struct db *db, int64_t prof_id, struct arena *a,
    int64_t **ids, size_t *n);
int appt_task_done(struct db *db, int64_t prof_id, int64_t appt_id,
    time_t now);

/* --- The private feed ----------------------------------------------------- */

/* A new feed token for prof_id (revoking the previous one); the token
 * (hex) is appended to out; only its hash is stored. */
int appt_feed_create(struct db *db, int64_t org_id, int64_t prof_id,
    bool with_names, time_t now, struct buf *token);
int appt_feed_revoke(struct db *db, int64_t org_id, int64_t prof_id,
    time_t now);
/* Whether prof_id has a live feed (and with names). */
int appt_feed_state(struct db *db, int64_t org_id, int64_t prof_id,
    bool *live, bool *with_names);
/* The feed a token opens: ERR_NOTFOUND for an unknown, malformed or
 * revoked token (all the same). */
int appt_feed_lookup(struct db *db, const char *token, int64_t *org_id,
    int64_t *prof_id, bool *with_names);

#endif
