/*
 * asg_queue.c - what of the assignments reaches others: the
 * professional's queue of work handed in, the reminders of work due (the
 * outbox's hook), and the client's export.
 */
#include "assignment/assignment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assignment/asg_int.h"
#include "assignment/template.h"
#include "audit/audit.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "keys/keyring.h"
#include "message/message.h"
#include "notify/outbox.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

/* --- queue and reminders ----------------------------------------------------- */

int
asg_queue(const struct asg_env *env, int64_t org_id, int64_t pro_id,
    time_t now, const struct audit_event *ev, struct arena *a,
    struct asg_queue_item **out, size_t *n)
{
	struct asg_queue_item *v;
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct str *boxes;
	int64_t *clients, t = asg_now_or(now);
	size_t k = 0, i, j;
	int rc;

	*out = NULL;
	*n = 0;
	v = arena_alloc(a, LIMIT_QUEUE * sizeof(*v));
	boxes = arena_alloc(a, LIMIT_QUEUE * sizeof(*boxes));
	clients = arena_alloc(a, LIMIT_QUEUE * sizeof(*clients));
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	(void)db_read_snapshot(c);
	/* Where pro_id takes part as a professional, now: traj_role_on
	 * decides each trajectory below. */
	if ((rc = db_prepare(c, "SELECT a.id, a.trajectory_id, a.title_box, "
	    "a.state, a.due_at, a.updated_at FROM assignments a WHERE "
	    "a.org_id = ? AND a.state IN ('handed_in', 'revised') ORDER BY "
	    "CASE WHEN a.due_at IS NULL THEN 1 ELSE 0 END, a.due_at, "
	    "a.updated_at, a.id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, org_id);
	while ((rc = db_step(st)) == DB_ROW && k < LIMIT_QUEUE) {
		v[k].id = db_col_i64(st, 0);
		v[k].traj_id = db_col_i64(st, 1);
		boxes[k] = db_col_copy(st, 2, a);
		v[k].state = (enum asg_state)asg_state_parse(db_col_text(st, 3));
		v[k].due_at = asg_col_or_zero(st, 4);
		v[k].handed_in_at = db_col_i64(st, 5);
		v[k].overdue = v[k].due_at > 0 && v[k].due_at < t;
		v[k].title = "";
		k++;
	}
	db_done(st);
	if (rc < 0)
		goto out;
	/* Keep those of open trajectories where pro_id is a professional. */
	for (i = 0, j = 0; i < k; i++) {
		struct traj_head th;
		enum role role;

		if ((rc = traj_head_on(c, v[i].traj_id, &th)) != 0 ||
		    (rc = traj_role_on(c, v[i].traj_id, pro_id, &role)) != 0)
			goto out;
		if (th.phase == TRAJ_CLOSED || role != ROLE_PROFESSIONAL)
			continue;
		clients[j] = th.client_id;
		boxes[j] = boxes[i];
		v[j++] = v[i];
	}
	k = j;
	db_read_end(env->db, c);
	c = NULL;
	/* Log first (one entry per trajectory), then open the titles. */
	for (i = 0; i < k; i++) {
		bool seen = false;

		for (j = 0; j < i && !seen; j++)
			seen = v[j].traj_id == v[i].traj_id;
		if (!seen && (rc = asg_log_read(env->db, ev, AUDIT_READ,
		    "assignment", "queue", org_id, clients[i],
		    v[i].traj_id)) != 0)
			goto out;
	}
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	for (i = 0; i < k; i++)
		if ((rc = keyring_open_str(env->kr, c, org_id, boxes[i], a,
		    &v[i].title, NULL)) != 0)
			goto out;
	*out = v;
	*n = k;
out:
	if (c != NULL)
		db_read_end(env->db, c);
	return rc;
}

struct remind_job {
	int64_t now;
	int count;
};

static int
remind_run(struct db_conn *c, void *arg)
{
	struct remind_job *j = arg;
	int64_t ids[LIMIT_OUTBOX_BATCH], trajs[LIMIT_OUTBOX_BATCH];
	struct db_stmt *st;
	size_t k = 0, i;
	int rc;

	if ((rc = db_prepare(c, "SELECT id, trajectory_id FROM assignments "
	    "WHERE state IN ('active', 'feedback') AND due_at IS NOT NULL "
	    "AND due_at <= ? AND reminded_at IS NULL ORDER BY due_at",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now + LIMIT_ASG_REMIND_BEFORE);
	while ((rc = db_step(st)) == DB_ROW && k < LIMIT_OUTBOX_BATCH) {
		ids[k] = db_col_i64(st, 0);
		trajs[k] = db_col_i64(st, 1);
		k++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (i = 0; i < k; i++) {
		struct traj_head th;

		if ((rc = traj_head_on(c, trajs[i], &th)) != 0)
			return rc;
		if (th.phase != TRAJ_CLOSED &&
		    (rc = asg_notify_client(c, trajs[i], th.client_id,
		    j->now)) != 0)
			return rc;
		if ((rc = db_prepare(c, "UPDATE assignments SET reminded_at = "
		    "? WHERE id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->now);
		db_bind_i64(st, 2, ids[i]);
		if ((rc = db_run(st)) != 0)
			return rc;
		j->count++;
	}
	return 0;
}

int
asg_remind_due(struct db *db, time_t now, int *count)
{
	struct remind_job j = { asg_now_or(now), 0 };
	int rc;

	rc = db_write(db, remind_run, &j);
	if (count)
		*count = j.count;
	return rc;
}

/* --- export ---------------------------------------------------------------- */

int
asg_export(const struct asg_env *env, int64_t traj_id, int64_t viewer_id,
    const struct audit_event *ev, struct arena *a, struct asg_view **out,
    size_t *n)
{
	struct assignment *list = NULL;
	struct asg_view *v;
	struct db_conn *c = NULL;
	struct traj_head th;
	size_t k = 0, i;
	bool client;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = asg_traj_viewer(env->db, traj_id, viewer_id, &th,
	    &client)) != 0)
		return rc;
	if ((rc = asg_log_read(env->db, ev, AUDIT_EXECUTE, "assignment", "export",
	    th.org_id, th.client_id, traj_id)) != 0)
		return rc;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	(void)db_read_snapshot(c);
	if ((rc = asg_load_on(env, c, traj_id, 0, a, &list, &k)) != 0)
		goto out;
	v = arena_alloc(a, (k + 1) * sizeof(*v));
	for (i = 0; i < k; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		if ((rc = asg_load_one(env, c, list[i].id, asg_now_or(0), a,
		    &v[i].a)) != 0 ||
		    (rc = asg_load_detail(env, c, client, a, &v[i])) != 0)
			goto out;
		v[i].viewer_is_client = client;
	}
	*out = v;
	*n = k;
out:
	db_read_end(env->db, c);
	return rc;
}
