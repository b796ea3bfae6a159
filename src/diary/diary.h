/*
 * diary.h - the client's diary and mood meter in a trajectory.
 *
 * A diary entry is the client's alone until they share it; then the
 * trajectory's professionals read it too.  A mood is a value 1-10 with
 * optional tags (sleep, work, contact, ...) and a note.  Everything the
 * client writes is sealed with the organisation's key, and every access
 * is in the access log (kinds "diary" and "mood").
 *
 * Tables (051_diary.sql): diary_entries, mood_entries and mood_reminders;
 * no other module touches them.
 */
#ifndef INFUUS_DIARY_H
#define INFUUS_DIARY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"

struct db;
struct db_conn;
struct keyring;
struct audit_event;
struct tz;
struct tz_cache;

struct diary_env {
	struct db *db;
	struct keyring *kr;
};

struct diary_entry {
	int64_t id;
	int64_t created_at;
	int64_t shared_at;   /* 0: private */
	const char *body;
};

/* Write an entry (private, or shared at once).  ERR_INVAL / ERR_TOOBIG
 * with the reason in w (field "body"). */
int diary_add(const struct diary_env *env, int64_t traj_id, struct str body,
    bool share, const struct audit_event *ev, int64_t *id, struct why *w);
/* Share an entry with the professionals (idempotent). */
int diary_share(const struct diary_env *env, int64_t entry_id,
    const struct audit_event *ev);
/* Entries of traj_id between from and to (Unix seconds), newest first:
 * all of them for the client, only shared ones otherwise; logged as a
 * read first. */
int diary_list(const struct diary_env *env, int64_t traj_id, bool client,
    int64_t from, int64_t to, const struct audit_event *ev, struct arena *a,
    struct diary_entry **out, int *n);
/* For authz: an entry's trajectory and whether it is shared. */
int diary_entry_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id,
    bool *shared);

struct mood {
	int64_t id;
	int64_t at;
	int value;           /* 1-10; the five faces are 2, 4, 6, 8, 10 */
	const char *tags;    /* space-separated; "" none */
	const char *note;    /* "" none */
};

/* The mood meter's faces: face k of MOOD_FACES (1 very bad .. 5 very
 * good) is mood 2k, i.e. 2, 4, 6, 8, 10 on the 1-10 scale, so moods given
 * as faces and as numbers plot together. */
#define MOOD_FACES 5
int mood_face_value(int face);

/* A mood now.  ERR_INVAL with the reason in w (fields "mood", "tags",
 * "note"). */
int mood_add(const struct diary_env *env, int64_t traj_id, int value,
    struct str tags, struct str note, const struct audit_event *ev,
    int64_t *id, struct why *w);
/* Moods of traj_id in [from, to), oldest first (at most
 * LIMIT_MOOD_WINDOW); logged as a read first. */
int mood_list(const struct diary_env *env, int64_t traj_id, int64_t from,
    int64_t to, const struct audit_event *ev, struct arena *a,
    struct mood **out, int *n);
/* Reminder times (minutes after midnight on the client's wall clock, in
 * the zone of the trajectory's promise), replacing the old ones. */
int mood_reminders_set(const struct diary_env *env, int64_t traj_id,
    const int *minutes, int n, const struct audit_event *ev, struct why *w);
int mood_reminders_get(struct db *db, int64_t traj_id, int *minutes, int *n);

/* Content-free mood reminders: for every reminder time that is due on the
 * client's wall clock (mood_due_slot, in the zone of the trajectory's
 * promise, UTC when it has none) and was not yet reminded of, a
 * notifications row for the client; run before each outbox batch.  "20:00" stays 20:00 local
 * across daylight saving. */
int mood_remind(struct db *db, struct tz_cache *tzc, int64_t now);
/* The instant of today's (local day of now in tz) reminder at minute
 * (0..1439); -1 for a bad minute.  A minute skipped when the clocks go
 * forward falls an hour later; one that happens twice counts once. */
int64_t mood_slot(const struct tz *tz, int minute, int64_t now);
/* The reminder at minute that is due at now: the latest slot at or before
 * now, today's or (when today's is still ahead) yesterday's, so a time
 * just before midnight is not lost to a batch just after it; 0 when that
 * slot is more than MOOD_REMIND_LATE ago (a reminder hours late helps no
 * one: it is skipped), -1 for a bad minute. */
int64_t mood_due_slot(const struct tz *tz, int minute, int64_t now);
/* How late a mood reminder may still go out (a server down, a batch
 * delayed): two hours, in seconds. */
#define MOOD_REMIND_LATE (2 * 3600)

/* For the client's export: entries and moods as JSON arrays
 * ("diary": [...], "moods": [...]) on c. */
int diary_export_json(const struct diary_env *env, struct db_conn *c,
    int64_t org_id, int64_t traj_id, struct buf *out);

#endif
