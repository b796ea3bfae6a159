/*
 * activity.h - time accounting: who did what in a trajectory, when and for
 * how long (a chat session, someone's active minutes in it, an hourglass,
 * later a call), ready for the business issue to price.
 *
 * Recorded inside the write job of what it accounts for
 * (activity_record_on), so the time and its cause commit together.  A
 * recorded time is never changed: a correction is a new row that names the
 * original (corrects), and both stay; activity_list shows each activity
 * with its latest correction applied and says that it was corrected.
 *
 * Issue 13 adds the kinds of time a professional spends (activity_kind_ok
 * lists them): an appointment's actual length (the appointment module
 * records it when the professional marks it held), active minutes on the
 * pages of messages, assignments and questionnaire results (measured by
 * static/active.js: seconds with focus and input, never idle wall time;
 * activity_active_on grows the person's open row of that kind), and time
 * entered by hand (activity_add).  activity_totals sums a period by kind,
 * each row as corrected last.  The budget is a per-trajectory setting
 * here (activity_settings) read through a swappable function, so the
 * contracts of the business issue can supply it later
 * (activity_budget_source).
 *
 * Tables: activities, activity_settings (activity.c, 062, 110).
 */
#ifndef INFUUS_ACTIVITY_H
#define INFUUS_ACTIVITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

struct db;
struct db_conn;
struct audit_event;
struct why;

struct activity {
	int64_t id;
	int64_t org_id;
	int64_t traj_id;
	int64_t user_id;        /* whose time */
	const char *kind;       /* activity_kind_ok's: "chat", ... */
	int64_t source_id;      /* the chat session, hourglass, ...; 0 none */
	int64_t started_at;     /* Unix seconds */
	int64_t seconds;        /* how long: as corrected, in a list */
	int64_t recorded_by;
	int64_t recorded_at;
	int64_t corrects;       /* the original this row corrects; 0 none */
	int64_t original_seconds; /* activity_list: as first recorded */
	bool corrected;         /* activity_list: a correction applies */
};

/* Record a in the caller's write job (c).  kind is [a-z_], 1..31 bytes;
 * seconds >= 0.  ERR_INVAL otherwise. */
int activity_record_on(struct db_conn *c, const struct activity *a,
    int64_t *id);

/*
 * Correct activity id of traj_id to seconds, by `by` (a professional of
 * the trajectory: the caller checks): a new row, the original kept.  A
 * correction of a correction corrects the original.  ERR_NOTFOUND when id
 * is no activity of traj_id, ERR_INVAL for negative seconds.  ev: the
 * access-log template.
 */
int activity_correct(struct db *db, int64_t traj_id, int64_t id,
    int64_t by, int64_t seconds, int64_t now, const struct audit_event *ev,
    int64_t *new_id);

/* The activities of traj_id, oldest first, each as corrected last (the
 * correction rows themselves are not listed), at most LIMIT_ACTIVITIES.
 * In a. */
int activity_list(struct db *db, int64_t traj_id, struct arena *a,
    struct activity **out, size_t *n);

/* --- issue 13: time accounting ------------------------------------------ */

/* Kinds of time: "appointment", "call", "chat", "chat_active",
 * "hourglass", "message_read", "message_write", "feedback", "review",
 * "preparation".  Hand entries take only activity_hand_kind_ok's:
 * "preparation", "feedback", "review", "message_write". */
bool activity_kind_ok(const char *kind);
bool activity_hand_kind_ok(const char *kind);

/*
 * Time entered by hand by a professional (`by`; the route checked that
 * they are the trajectory's) in org_id's traj_id: kind (a hand kind),
 * started_at (not after now + a day), minutes 1..LIMIT_ACTIVITY_MINUTES.
 * ERR_INVAL with w's field ("kind", "day", "minutes") otherwise.  ev:
 * the access-log template (kind "activity", detail "hand").
 */
int activity_add(struct db *db, int64_t org_id, int64_t traj_id, int64_t by,
    const char *kind, int64_t started_at, int64_t minutes, int64_t now,
    const struct audit_event *ev, struct why *w, int64_t *id);

/*
 * Active seconds (1..LIMIT_ACTIVE_POST) of a user on a page of kind in
 * traj_id, in the caller's write job: added to the user's latest row of
 * that kind when it was last grown less than LIMIT_ACTIVE_GAP ago and is
 * not corrected (at most the wall time since then, so two open tabs do
 * not count twice), else a new row.  ERR_INVAL for a bad kind or count.
 */
int activity_active_on(struct db_conn *c, int64_t org_id, int64_t traj_id,
    int64_t user_id, const char *kind, int64_t source_id, int64_t seconds,
    int64_t now, int64_t *id);

/* activity_active_on in a write job of its own. */
int activity_active(struct db *db, int64_t org_id, int64_t traj_id,
    int64_t user_id, const char *kind, int64_t source_id, int64_t seconds,
    int64_t now);

/* Is there a row of kind for source_id in traj_id (an appointment
 * marked held once)? */
int activity_exists_on(struct db_conn *c, int64_t traj_id, const char *kind,
    int64_t source_id, bool *yes);

/* Minutes of one kind in a period, each row as corrected last. */
struct activity_total {
	const char *kind;
	int64_t seconds;
	int64_t count;
};
/* The totals by kind (sorted by kind) of traj_id's activities that
 * started in [from, to), at most LIMIT_ACTIVITY_KINDS, leaving out the
 * active minutes in a chat ("chat_active") of not_user: the client's are
 * recorded too but cost the professional nothing (0: leave out none).
 * A chat session counts whoever ended it. */
int activity_totals(struct db *db, int64_t traj_id, int64_t from, int64_t to,
    int64_t not_user, struct arena *a, struct activity_total **out,
    size_t *n);

/* A trajectory's time settings: the agreed budget in minutes (-1: none)
 * and whether its client sees the time page. */
struct activity_settings {
	int64_t budget_minutes;
	bool client_sees;
};
int activity_settings_get(struct db *db, int64_t traj_id,
    struct activity_settings *out);
/* Set them (a professional of the trajectory: the route checked);
 * budget_minutes -1 for none, else 0..LIMIT_BUDGET_MINUTES (ERR_INVAL,
 * w's field "budget"). */
int activity_settings_set(struct db *db, int64_t org_id, int64_t traj_id,
    int64_t by, const struct activity_settings *s, int64_t now,
    const struct audit_event *ev, struct why *w);

/*
 * The agreed budget in minutes of traj_id for the time page (-1: none).
 * By default the setting above; the business issue's contracts replace
 * the source with activity_budget_source(fn) at start-up (NULL: back to
 * the default), so the page need not change.
 */
typedef int (*activity_budget_fn)(struct db *db, int64_t traj_id,
    int64_t *minutes);
void activity_budget_source(activity_budget_fn fn);
int activity_budget(struct db *db, int64_t traj_id, int64_t *minutes);

#endif
