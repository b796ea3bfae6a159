/*
 * activity.c - time accounting (activity.h).  Owns the table activities.
 *
 * The list applies corrections in the query: for each original row, the
 * newest row that corrects it (if any) gives the seconds.  Corrections
 * always name the original, so the chain is one step deep.  Also owns
 * activity_settings (110): a trajectory's budget and whether its client
 * sees the time.
 */
#include "activity/activity.h"

#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/err.h"
#include "core/i18n.h"
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

/* --- issue 13: time accounting ------------------------------------------ */

static const char *const kinds[] = {
	"appointment", "call", "chat", "chat_active", "hourglass",
	"message_read", "message_write", "feedback", "review", "preparation",
};
static const char *const hand_kinds[] = {
	"preparation", "feedback", "review", "message_write",
};

static bool
in_list(const char *k, const char *const *l, size_t n)
{
	size_t i;

	for (i = 0; k != NULL && i < n; i++)
		if (strcmp(k, l[i]) == 0)
			return true;
	return false;
}

bool
activity_kind_ok(const char *kind)
{
	return in_list(kind, kinds, sizeof(kinds) / sizeof(kinds[0]));
}

bool
activity_hand_kind_ok(const char *kind)
{
	return in_list(kind, hand_kinds,
	    sizeof(hand_kinds) / sizeof(hand_kinds[0]));
}

struct add_job {
	struct activity a;
	const struct audit_event *ev;
	int64_t id;
};

static int
add_run(struct db_conn *c, void *arg)
{
	struct add_job *j = arg;
	struct audit_event ev;
	int rc;

	if ((rc = activity_record_on(c, &j->a, &j->id)) != 0)
		return rc;
	ev = audit_event_from(j->ev, j->a.org_id, AUDIT_CREATE, "activity",
	    "hand", 0, j->id);
	return audit_append(c, &ev);
}

int
activity_add(struct db *db, int64_t org_id, int64_t traj_id, int64_t by,
    const char *kind, int64_t started_at, int64_t minutes, int64_t now,
    const struct audit_event *ev, struct why *w, int64_t *id)
{
	struct add_job j;
	int rc;

	*id = 0;
	if (now == 0)
		now = (int64_t)time(NULL);
	if (!activity_hand_kind_ok(kind))
		return why_set(w, ERR_INVAL, "kind",
		    N_("Choose what the time was spent on from the list."));
	/* A day ahead at most: the professional's zone may be ahead of
	 * UTC; later than that is a typing error. */
	if (started_at <= 0 || started_at > now + 24 * 3600)
		return why_set(w, ERR_INVAL, "day",
		    N_("Give the day as YYYY-MM-DD, today or earlier."));
	if (minutes < 1 || minutes > LIMIT_ACTIVITY_MINUTES) {
		why_set(w, ERR_INVAL, "minutes",
		    N_("Give the minutes as a whole number from 1 to %d."));
		if (w != NULL)
			w->limit = LIMIT_ACTIVITY_MINUTES;
		return ERR_INVAL;
	}
	if (ev == NULL)
		return ERR_INVAL;
	memset(&j, 0, sizeof(j));
	j.a.org_id = org_id;
	j.a.traj_id = traj_id;
	j.a.user_id = by;
	j.a.kind = kind;
	j.a.started_at = started_at;
	j.a.seconds = minutes * 60;
	j.a.recorded_by = by;
	j.a.recorded_at = now;
	j.ev = ev;
	if ((rc = db_write(db, add_run, &j)) == 0)
		*id = j.id;
	return rc;
}

int
activity_active_on(struct db_conn *c, int64_t org_id, int64_t traj_id,
    int64_t user_id, const char *kind, int64_t source_id, int64_t seconds,
    int64_t now, int64_t *id)
{
	struct activity a;
	struct db_stmt *st;
	int64_t last = 0, since = 0;
	int rc;

	*id = 0;
	if (!activity_kind_ok(kind) || seconds < 1 ||
	    seconds > LIMIT_ACTIVE_POST)
		return ERR_INVAL;
	/* The person's newest original row of this kind on this page, if
	 * nobody corrected it: a correction closes it. */
	if ((rc = db_prepare(c, "SELECT o.id, o.recorded_at FROM activities o "
	    "WHERE o.trajectory_id = ? AND o.user_id = ? AND o.kind = ? AND "
	    "o.corrects IS NULL AND o.source_id = ? AND NOT EXISTS (SELECT 1 "
	    "FROM activities x WHERE x.corrects = o.id) ORDER BY o.id DESC "
	    "LIMIT 1", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, user_id);
	db_bind_textz(st, 3, kind);
	db_bind_i64(st, 4, source_id);
	if ((rc = db_step(st)) == DB_ROW) {
		last = db_col_i64(st, 0);
		since = db_col_i64(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (last != 0 && now - since >= 0 && now - since < LIMIT_ACTIVE_GAP) {
		/* Never more than the wall time since the last post: two
		 * tabs of one page count once. */
		if (seconds > now - since)
			seconds = now - since;
		if ((rc = db_prepare(c, "UPDATE activities SET seconds = "
		    "seconds + ?, recorded_at = ? WHERE id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, seconds);
		db_bind_i64(st, 2, now);
		db_bind_i64(st, 3, last);
		if ((rc = db_step_one(st, ERR_CONFLICT)) != 0)
			return rc;
		*id = last;
		return 0;
	}
	memset(&a, 0, sizeof(a));
	a.org_id = org_id;
	a.traj_id = traj_id;
	a.user_id = user_id;
	a.kind = kind;
	a.source_id = source_id;
	a.started_at = now - seconds;
	a.seconds = seconds;
	a.recorded_by = user_id;
	a.recorded_at = now;
	return activity_record_on(c, &a, id);
}

struct active_job {
	int64_t org_id, traj_id, user_id;
	const char *kind;
	int64_t source_id, seconds, now;
};

static int
active_run(struct db_conn *c, void *arg)
{
	struct active_job *j = arg;
	int64_t id;

	return activity_active_on(c, j->org_id, j->traj_id, j->user_id,
	    j->kind, j->source_id, j->seconds, j->now, &id);
}

int
activity_active(struct db *db, int64_t org_id, int64_t traj_id,
    int64_t user_id, const char *kind, int64_t source_id, int64_t seconds,
    int64_t now)
{
	struct active_job j = { org_id, traj_id, user_id, kind, source_id,
		seconds, now ? now : (int64_t)time(NULL) };

	if (!activity_kind_ok(kind) || seconds < 1 ||
	    seconds > LIMIT_ACTIVE_POST)
		return ERR_INVAL;
	return db_write(db, active_run, &j);
}

int
activity_exists_on(struct db_conn *c, int64_t traj_id, const char *kind,
    int64_t source_id, bool *yes)
{
	struct db_stmt *st;
	int rc;

	*yes = false;
	if ((rc = db_prepare(c, "SELECT 1 FROM activities WHERE "
	    "trajectory_id = ? AND kind = ? AND source_id = ? LIMIT 1",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	db_bind_textz(st, 2, kind);
	db_bind_i64(st, 3, source_id);
	rc = db_step(st);
	db_done(st);
	if (rc == DB_ROW)
		*yes = true;
	return rc < 0 ? rc : 0;
}

int
activity_totals(struct db *db, int64_t traj_id, int64_t from, int64_t to,
    int64_t not_user, struct arena *a, struct activity_total **out,
    size_t *n)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct activity_total *v;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	v = arena_alloc(a, sizeof(*v) * LIMIT_ACTIVITY_KINDS);
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	/* Each original as its newest correction says (the list's rule). */
	if ((rc = db_prepare(c, "SELECT o.kind, SUM(COALESCE((SELECT "
	    "x.seconds FROM activities x WHERE x.corrects = o.id ORDER BY "
	    "x.id DESC LIMIT 1), o.seconds)), COUNT(*) FROM activities o "
	    "WHERE o.trajectory_id = ? AND o.corrects IS NULL AND "
	    "o.started_at >= ? AND o.started_at < ? AND (o.user_id <> ? OR "
	    "o.kind <> 'chat_active') GROUP BY o.kind ORDER BY o.kind "
	    "LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, from);
	db_bind_i64(st, 3, to);
	db_bind_i64(st, 4, not_user);
	db_bind_i64(st, 5, LIMIT_ACTIVITY_KINDS);
	while ((rc = db_step(st)) == DB_ROW) {
		struct str kind = db_col_text(st, 0);

		v[k].kind = arena_strndup(a, kind.p, kind.len);
		v[k].seconds = db_col_i64(st, 1);
		v[k].count = db_col_i64(st, 2);
		k++;
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

int
activity_settings_get(struct db *db, int64_t traj_id,
    struct activity_settings *out)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	int rc;

	out->budget_minutes = -1;
	out->client_sees = false;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT budget_minutes, client_sees FROM "
	    "activity_settings WHERE trajectory_id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	if ((rc = db_step(st)) == DB_ROW) {
		out->budget_minutes = db_col_null(st, 0) ? -1 :
		    db_col_i64(st, 0);
		out->client_sees = db_col_i64(st, 1) != 0;
	}
	db_done(st);
	rc = rc < 0 ? rc : 0;
out:
	db_read_end(db, c);
	return rc;
}

struct settings_job {
	int64_t org_id, traj_id, by, now;
	const struct activity_settings *s;
	const struct audit_event *ev;
};

static int
settings_run(struct db_conn *c, void *arg)
{
	struct settings_job *j = arg;
	struct audit_event ev;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO activity_settings "
	    "(trajectory_id, budget_minutes, client_sees, updated_by, "
	    "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (trajectory_id) "
	    "DO UPDATE SET budget_minutes = excluded.budget_minutes, "
	    "client_sees = excluded.client_sees, updated_by = "
	    "excluded.updated_by, updated_at = excluded.updated_at",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->traj_id);
	if (j->s->budget_minutes < 0)
		db_bind_null(st, 2);
	else
		db_bind_i64(st, 2, j->s->budget_minutes);
	db_bind_i64(st, 3, j->s->client_sees ? 1 : 0);
	db_bind_i64(st, 4, j->by);
	db_bind_i64(st, 5, j->now);
	rc = db_step(st);
	db_done(st);
	if (rc < 0)
		return rc;
	ev = audit_event_from(j->ev, j->org_id, AUDIT_UPDATE, "trajectory",
	    "time-settings", 0, j->traj_id);
	return audit_append(c, &ev);
}

int
activity_settings_set(struct db *db, int64_t org_id, int64_t traj_id,
    int64_t by, const struct activity_settings *s, int64_t now,
    const struct audit_event *ev, struct why *w)
{
	struct settings_job j = { org_id, traj_id, by,
		now ? now : (int64_t)time(NULL), s, ev };

	if (s->budget_minutes < -1 ||
	    s->budget_minutes > LIMIT_BUDGET_MINUTES) {
		why_set(w, ERR_INVAL, "budget", N_("Give the budget in whole "
		    "minutes from 0 to %d, or leave it empty for none."));
		if (w != NULL)
			w->limit = LIMIT_BUDGET_MINUTES;
		return ERR_INVAL;
	}
	if (ev == NULL)
		return ERR_INVAL;
	return db_write(db, settings_run, &j);
}

static int
budget_setting(struct db *db, int64_t traj_id, int64_t *minutes)
{
	struct activity_settings s;
	int rc;

	rc = activity_settings_get(db, traj_id, &s);
	*minutes = rc == 0 ? s.budget_minutes : -1;
	return rc;
}

/* Set once at start-up, before the server's threads run. */
static activity_budget_fn budget_source = budget_setting;

void
activity_budget_source(activity_budget_fn fn)
{
	budget_source = fn != NULL ? fn : budget_setting;
}

int
activity_budget(struct db *db, int64_t traj_id, int64_t *minutes)
{
	return budget_source(db, traj_id, minutes);
}
