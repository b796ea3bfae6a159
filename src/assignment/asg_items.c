/*
 * asg_items.c - library items attached to an assignment (issue 12: "a
 * professional sends an item to a client in an assignment").  Owns
 * assignment_items (095_assignment_items.sql).
 *
 * A professional of the trajectory picks a published item its
 * organisation may show (its own or a shared one: lib_visible_on); the
 * client reads it from the assignment's page, so the reading is in the
 * access log with the assignment's own entry (asg_view).  An item
 * withdrawn or no longer shared after it was attached is left out when
 * shown, decided again on every read.
 */
#include <string.h>

#include "assignment/asg_int.h"
#include "audit/audit.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "identity/role.h"
#include "library/library.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

struct item_job {
	int64_t id;
	int64_t user_id;
	int64_t item_id;
	bool add;
	int64_t now;
	const struct audit_event *ev;
	struct why *why;
};

static int
item_run(struct db_conn *c, void *arg)
{
	struct item_job *j = arg;
	struct asg_head h;
	struct lib_item it;
	struct audit_event ev;
	struct db_stmt *st;
	struct arena a;
	enum role role = 0;
	int64_t n = 0;
	int rc;

	if ((rc = asg_head_on(c, j->id, &h)) != 0)
		return rc;
	if ((rc = traj_role_on(c, h.traj_id, j->user_id, &role)) != 0)
		return rc;
	if (role != ROLE_PROFESSIONAL || h.closed)
		return ERR_FORBIDDEN;
	if (j->add) {
		/* The trajectory's organisation must be able to show the
		 * item to its client: never another's private one. */
		arena_init(&a);
		rc = lib_visible_on(c, j->item_id, h.org_id, &a, &it);
		arena_release(&a);
		if (rc == ERR_NOTFOUND)
			return why_set(j->why, ERR_NOTFOUND, "item", N_("This library item does not exist, is not published, or is not available to your organisation."));
		if (rc != 0)
			return rc;
		if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM "
		    "assignment_items WHERE assignment_id = ?", &n, 1,
		    &j->id)) != 0)
			return rc;
		if (n >= LIMIT_ASG_ITEMS) {
			why_set(j->why, ERR_TOOMANY, "item", N_("An assignment has at most %d library items."));
			if (j->why)
				j->why->limit = LIMIT_ASG_ITEMS;
			return ERR_TOOMANY;
		}
		rc = db_prepare(c, "INSERT INTO assignment_items "
		    "(assignment_id, item_id, added_by, added_at) VALUES "
		    "(?, ?, ?, ?) ON CONFLICT (assignment_id, item_id) DO "
		    "NOTHING", &st);
		if (rc != 0)
			return rc;
		db_bind_i64(st, 1, j->id);
		db_bind_i64(st, 2, j->item_id);
		db_bind_i64(st, 3, j->user_id);
		db_bind_i64(st, 4, j->now);
	} else {
		rc = db_prepare(c, "DELETE FROM assignment_items WHERE "
		    "assignment_id = ? AND item_id = ?", &st);
		if (rc != 0)
			return rc;
		db_bind_i64(st, 1, j->id);
		db_bind_i64(st, 2, j->item_id);
	}
	if ((rc = db_run(st)) != 0)
		return rc;
	ev = audit_event_from(j->ev, h.org_id, j->add ? AUDIT_CREATE :
	    AUDIT_DELETE, "assignment", "library", h.client_id, j->id);
	return audit_append(c, &ev);
}

static int
item_change(const struct asg_env *env, int64_t id, int64_t user_id,
    int64_t item_id, bool add, time_t now, const struct audit_event *ev,
    struct why *why)
{
	struct item_job j;

	memset(&j, 0, sizeof(j));
	j.id = id;
	j.user_id = user_id;
	j.item_id = item_id;
	j.add = add;
	j.now = asg_now_or(now);
	j.ev = ev;
	j.why = why;
	return db_write(env->db, item_run, &j);
}

int
asg_item_add(const struct asg_env *env, int64_t id, int64_t user_id,
    int64_t item_id, time_t now, const struct audit_event *ev,
    struct why *why)
{
	return item_change(env, id, user_id, item_id, true, now, ev, why);
}

int
asg_item_remove(const struct asg_env *env, int64_t id, int64_t user_id,
    int64_t item_id, const struct audit_event *ev)
{
	return item_change(env, id, user_id, item_id, false, 0, ev, NULL);
}

int
asg_items_on(struct db_conn *c, int64_t id, int64_t org_id, struct arena *a,
    struct lib_item **out, size_t *n)
{
	struct db_stmt *st;
	int64_t ids[LIMIT_ASG_ITEMS];
	size_t k = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(c, "SELECT item_id FROM assignment_items WHERE "
	    "assignment_id = ? ORDER BY added_at, item_id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	while ((rc = db_step(st)) == DB_ROW && k < LIMIT_ASG_ITEMS)
		ids[k++] = db_col_i64(st, 0);
	db_done(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return rc;
	if (k == 0)
		return 0;
	*out = arena_calloc(a, k, sizeof(**out));
	for (i = 0; i < k; i++) {
		rc = lib_visible_on(c, ids[i], org_id, a, &(*out)[*n]);
		if (rc == ERR_NOTFOUND)
			continue;
		if (rc != 0)
			return rc;
		(*n)++;
	}
	return 0;
}
