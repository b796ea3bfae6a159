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
 * Tables: activities (activity.c).
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

struct activity {
	int64_t id;
	int64_t org_id;
	int64_t traj_id;
	int64_t user_id;        /* whose time */
	const char *kind;       /* "chat", "chat_active", "hourglass", "call" */
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

#endif
