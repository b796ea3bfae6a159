/*
 * queue.h - the service promise in action: the professional's reply queue,
 * the "I need more time" notice, and the adherence report.
 *
 * Seed 001 asks the professional to say what the client may expect (the
 * reply time) and to tell the client when more time is needed; seed 000
 * speaks of replies guaranteed within a number of hours.  The message
 * module gives every client message a deadline (messages.deadline_at, in
 * working time per the trajectory's promise) and marks it replied
 * (replied_at, reply_id) when a professional answers in the thread.  This
 * module asks the message module for those columns and to write the
 * notices (msg_waiting_in_on, msg_notice_on, ... in message.h).
 *
 * Deadlines moved by a notice: the notice sets deadline_at of the thread's
 * waiting client messages to the new moment and keeps the promised
 * deadline in original_deadline (once).  So the queue orders by what was
 * announced to the client last, and the report judges each reply against
 * the PROMISE (the original deadline), counting replies that were late for
 * the promise but within the announced extension separately.  A notice is
 * no reply: the messages keep waiting.
 *
 * Closed trajectories take no messages, so their waiting messages are in
 * neither the queue nor the report's waiting counts.
 *
 * Tables: none.  It reads through the owners (store/README): message
 * (messages, threads), trajectory (trajectories, their members and
 * promises), identity (names) and notify (outbox_add_on).
 */
#ifndef INFUUS_QUEUE_H
#define INFUUS_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"

struct db;
struct keyring;
struct tz_cache;
struct audit_event;

/* --- The queue ------------------------------------------------------------ */

struct queue_item {
	int64_t message_id;
	int64_t thread_id;
	int64_t traj_id;
	int64_t client_id;
	const char *client_name;     /* "" when the account is gone */
	const char *tz;              /* the promise's zone ("" without one) */
	const char *subject;         /* NULL until queue_open_subjects */
	int64_t sent_at;
	int64_t deadline;            /* as last announced (a notice moves it) */
	int64_t original_deadline;   /* the promised one when moved; else 0 */
	bool overdue;                /* deadline < now */
};

/*
 * Every client message that waits for a reply (deadline set, not replied)
 * in the open trajectories of org_id where professional_id takes part as a
 * professional, earliest deadline first (then oldest first), at most
 * LIMIT_QUEUE.  Metadata only: nothing sealed is opened, so nothing is
 * logged here (see queue_open_subjects).  now 0: the current time.
 * Returns 0 (with *n possibly 0) or a store error.
 */
int queue_list(struct db *db, int64_t org_id, int64_t professional_id,
    time_t now, struct arena *a, struct queue_item **out, size_t *n);

/*
 * Open the subjects of the threads in items (all of organisation org_id)
 * into item->subject.  One write job first appends a read entry per thread
 * (R, kind "thread", detail "list", its client) from the template ev; only
 * then are subjects opened (log first, then show).  A subject that does not
 * open stays NULL.
 */
int queue_open_subjects(struct db *db, struct keyring *kr, int64_t org_id,
    const struct audit_event *ev, struct arena *a, struct queue_item *items,
    size_t n);

/* The reply state of one thread, for the "more time" form. */
struct queue_thread {
	int64_t thread_id;
	int64_t traj_id;
	int64_t org_id;
	int64_t client_id;
	bool closed;                 /* the trajectory is closed */
	int64_t waiting;             /* client messages waiting for a reply */
	int64_t deadline;            /* the earliest of their deadlines; 0 */
	const char *tz;              /* the promise's zone ("" without one) */
};

/* ERR_NOTFOUND when there is no such thread.  Metadata only. */
int queue_thread_state(struct db *db, int64_t thread_id, struct arena *a,
    struct queue_thread *out);

/*
 * "I need more time": in ONE write job, a message of kind 'notice' by
 * professional_id in the thread (author_role 'professional', the note
 * sealed with the organisation's key, new_deadline), the deadline of every
 * waiting client message of the thread that is earlier than new_deadline
 * moved to it (the promised one kept in original_deadline), the thread's
 * last_message_at, a notification row for the client, and the audit entry
 * (C, kind "message", detail "notice") built from the template ev.
 * The notice is no reply: replied_at stays NULL.
 *
 * note: 1..LIMIT_NOTICE_NOTE characters after trimming, text (core/text.h
 * text_check, line breaks allowed).  new_deadline: a time (0: none was
 * given), after now, after the thread's current (earliest) deadline, and
 * at most LIMIT_NOTICE_DAYS ahead.  now 0: the current time.
 * Errors: ERR_INVAL (note, deadline), ERR_TOOBIG (note), ERR_CONFLICT
 * (nothing in the thread waits for a reply), ERR_FORBIDDEN (not a
 * professional of the trajectory, or it is closed), ERR_NOTFOUND (no such
 * thread, or one of another organisation than ev->org_id).  why (may be
 * NULL; core/err.h) says which field ("note", "new_deadline"; NULL for
 * the conflict) and why.
 */
struct why;
int queue_more_time(struct db *db, struct keyring *kr, int64_t thread_id,
    int64_t professional_id, time_t new_deadline, struct str note,
    time_t now, const struct audit_event *ev, int64_t *msg_id,
    struct why *why);

/* --- Adherence ------------------------------------------------------------ */

/*
 * Which client messages a report looks at: those with a deadline sent in
 * [from, to) in org_id; with traj_id, in that trajectory only; with
 * professional_id, only in trajectories where that person takes part as a
 * professional (and only their own row among the professionals).
 */
struct queue_filter {
	int64_t org_id;
	int64_t professional_id;     /* 0: every professional */
	int64_t traj_id;             /* 0: every trajectory */
	int64_t from;                /* sent at >= from */
	int64_t to;                  /* sent at < to; to - from is at most
	                                LIMIT_REPORT_DAYS days */
	int64_t now;                 /* for "overdue"; 0: the current time */
};

struct queue_stats {
	int64_t messages;            /* client messages in the selection */
	int64_t replied;
	int64_t within;              /* replied by the promised deadline */
	int64_t within_extension;    /* late for the promise, but by the
	                                deadline a notice announced */
	int64_t late;                /* replied after every deadline */
	int64_t extended;            /* messages a notice gave more time */
	int64_t waiting;             /* not replied yet (open trajectories) */
	int64_t overdue;             /* of those, past the announced deadline */
	int64_t measured;            /* replies with a working time (below) */
	/* within / replied, 0..1; -1 when nothing was replied. */
	double share_within;
	/* Reply time in working hours of the trajectory's promise (from the
	 * message to its reply): median and 90th percentile (linear
	 * interpolation, promise_percentile); -1 when nothing was measured. */
	double median_hours;
	double p90_hours;
};

struct queue_row {
	int64_t id;                  /* a professional (user) or a trajectory */
	const char *name;            /* the professional's or the client's
	                                name; "" when the account is gone */
	int64_t client_id;           /* trajectory rows: the client */
	struct queue_stats s;
};

struct queue_report {
	struct queue_stats total;    /* every message of the selection */
	/* Per professional: replies are counted for the one who replied;
	 * waiting and overdue messages for every professional of the
	 * trajectory (each of them could answer).  By name. */
	struct queue_row *pros;
	size_t npros;
	/* Per trajectory, by client name. */
	struct queue_row *trajs;
	size_t ntrajs;
};

/*
 * The adherence report.  Working time is measured with each trajectory's
 * promise as it is now (traj_promise; tzc caches zones); a reply whose time
 * cannot be measured (no promise, longer than LIMIT_PROMISE_HORIZON_DAYS)
 * still counts as within or late, but not in median and 90th percentile.
 * When ev is not NULL, one write job first appends a read entry per
 * trajectory row (R, kind "trajectory", detail "report", its client): the
 * report names clients.  ERR_INVAL for a bad filter, ERR_TOOBIG past
 * LIMIT_REPORT_MESSAGES messages (ask for a shorter period), store errors.
 */
int queue_adherence(struct db *db, struct tz_cache *tzc,
    const struct queue_filter *f, const struct audit_event *ev,
    struct arena *a, struct queue_report *out);

#endif
