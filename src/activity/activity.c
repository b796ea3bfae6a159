/*
 * activity.c - time accounting (activity.h).  Owns the table activities.
 *
 * The list applies corrections in the query: for each original row, the
 * newest row that corrects it (if any) gives the seconds.  Corrections
 * always name the original, so the chain is one step deep.
 */
#include "activity/activity.h"

#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/err.h"
#include "core/limits.h"
#include "store/db.h"
#include "core/banned.h"

static bool
kind_ok(const char *k)
{
	size_t i, n = k ? strlen(k) : 0;

	if (n == 0 || n > 31)
		return false;
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || k[i] == '_'))
			return false;
	return true;
}

int
activity_record_on(struct db_conn *c, const struct activity *a, int64_t *id)
{
	struct db_stmt *st;
	int rc;

	if (!kind_ok(a->kind) || a->seconds < 0 || a->traj_id <= 0 ||
	    a->user_id <= 0 || a->recorded_by <= 0)
		return ERR_INVAL;
	if ((rc = db_prepare(c, "INSERT INTO activities (org_id, "
	    "trajectory_id, user_id, kind, source_id, started_at, seconds, "
	    "recorded_by, recorded_at, corrects) VALUES (?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?) RETURNING id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, a->org_id);
	db_bind_i64(st, 2, a->traj_id);
	db_bind_i64(st, 3, a->user_id);
	db_bind_textz(st, 4, a->kind);
	db_bind_id(st, 5, a->source_id);
	db_bind_i64(st, 6, a->started_at);
	db_bind_i64(st, 7, a->seconds);
	db_bind_i64(st, 8, a->recorded_by);
	db_bind_i64(st, 9, a->recorded_at ? a->recorded_at : time(NULL));
	db_bind_id(st, 10, a->corrects);
	return db_step_id(st, id);
}

struct correct_job {
	int64_t traj_id, id, by, seconds, now;
	const struct audit_event *ev;
	int64_t new_id;
};

static int
correct_run(struct db_conn *c, void *arg)
{
	struct correct_job *j = arg;
	struct activity a;
	struct audit_event ev;
	struct db_stmt *st;
	struct str k;
	char kind[32];
	int64_t root;
	int rc;

	/* Re-read in the job: the original, whichever row was named. */
	if ((rc = db_prepare(c, "SELECT id, org_id, user_id, kind, source_id, "
	    "started_at, corrects FROM activities WHERE id = ? AND "
	    "trajectory_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->id);
	db_bind_i64(st, 2, j->traj_id);
	if ((rc = db_step(st)) != DB_ROW) {
		db_done(st);
		return rc == DB_DONE ? ERR_NOTFOUND : rc;
	}
	memset(&a, 0, sizeof(a));
	root = db_col_null(st, 6) ? db_col_i64(st, 0) : db_col_i64(st, 6);
	a.org_id = db_col_i64(st, 1);
	a.user_id = db_col_i64(st, 2);
	k = db_col_text(st, 3);
	if (k.len >= sizeof(kind))
		k.len = sizeof(kind) - 1;
	memcpy(kind, k.p, k.len); /* it outlives the statement */
	kind[k.len] = '\0';
	a.kind = kind;
	a.source_id = db_col_null(st, 4) ? 0 : db_col_i64(st, 4);
	a.started_at = db_col_i64(st, 5);
	db_done(st);
	a.traj_id = j->traj_id;
	a.seconds = j->seconds;
	a.recorded_by = j->by;
	a.recorded_at = j->now;
	a.corrects = root;
	if ((rc = activity_record_on(c, &a, &j->new_id)) != 0)
		return rc;
	ev = audit_event_from(j->ev, a.org_id, AUDIT_UPDATE, "activity",
	    "correct", 0, root);
	return audit_append(c, &ev);
}

int
activity_correct(struct db *db, int64_t traj_id, int64_t id, int64_t by,
    int64_t seconds, int64_t now, const struct audit_event *ev,
    int64_t *new_id)
{
	struct correct_job j = { traj_id, id, by, seconds,
		now ? now : (int64_t)time(NULL), ev, 0 };
	int rc;

	*new_id = 0;
	if (seconds < 0 || seconds > (int64_t)24 * 3600 || ev == NULL)
		return ERR_INVAL;
	if ((rc = db_write(db, correct_run, &j)) == 0)
		*new_id = j.new_id;
	return rc;
}

int
activity_list(struct db *db, int64_t traj_id, struct arena *a,
    struct activity **out, size_t *n)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct activity *v;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	v = arena_alloc(a, sizeof(*v) * LIMIT_ACTIVITIES);
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT o.id, o.org_id, o.user_id, o.kind, "
	    "o.source_id, o.started_at, o.seconds, o.recorded_by, "
	    "o.recorded_at, (SELECT x.seconds FROM activities x WHERE "
	    "x.corrects = o.id ORDER BY x.id DESC LIMIT 1) FROM activities o "
	    "WHERE o.trajectory_id = ? AND o.corrects IS NULL ORDER BY o.id "
	    "LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, LIMIT_ACTIVITIES);
	while ((rc = db_step(st)) == DB_ROW) {
		struct activity *x = &v[k++];
		struct str kind = db_col_text(st, 3);

		memset(x, 0, sizeof(*x));
		x->id = db_col_i64(st, 0);
		x->org_id = db_col_i64(st, 1);
		x->traj_id = traj_id;
		x->user_id = db_col_i64(st, 2);
		x->kind = arena_strndup(a, kind.p, kind.len);
		x->source_id = db_col_null(st, 4) ? 0 : db_col_i64(st, 4);
		x->started_at = db_col_i64(st, 5);
		x->original_seconds = x->seconds = db_col_i64(st, 6);
		x->recorded_by = db_col_i64(st, 7);
		x->recorded_at = db_col_i64(st, 8);
		if (!db_col_null(st, 9)) {
			x->corrected = true;
			x->seconds = db_col_i64(st, 9);
		}
	}
	db_done(st);
	if (rc == DB_DONE)
		rc = 0;
	*out = v;
	*n = k;
out:
	db_read_end(db, c);
	return rc;
}
