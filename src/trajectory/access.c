/*
 * access.c - the relation check behind authz_check for trajectories,
 * threads and messages.
 *
 * A thread or message is resolved to its trajectory (threads and messages
 * of 011_message.sql); then:
 *   - a trajectory of another organisation, or none at all: ERR_NOTFOUND;
 *   - the caller takes part (trajectory_members) in the role they hold in
 *     the organisation now: reads and exports are allowed, also after
 *     closing (the client keeps their own trajectory); changes are allowed
 *     until it is closed, then ERR_FORBIDDEN;
 *   - an administrator who does not take part may read the trajectory's
 *     metadata (AUTHZ_TRAJECTORY, AUTHZ_READ): never its threads or
 *     messages, and changing it is ERR_FORBIDDEN;
 *   - anyone else: ERR_NOTFOUND, so ids cannot be probed.
 * What a participant may do with their role (only professionals change the
 * phase, only the client shares read receipts) is the route table's and
 * the handler's business: this decides who is in the relation.
 *
 * The role check matters after a change of role: someone who was the
 * professional and is now a client of the organisation no longer acts as
 * the professional of the trajectories they worked in.
 *
 * XXX: stakeholders (employer, HR) who see what the client shares get
 * their relation here once consent exists; until then they see nothing.
 */
#include "trajectory/trajectory.h"

#include "core/err.h"
#include "store/db.h"
#include "trajectory/traj_int.h"
#include "core/banned.h"

static const char *
resolve_sql(enum authz_kind kind)
{
	switch (kind) {
	case AUTHZ_TRAJECTORY:
		return "SELECT id FROM trajectories WHERE id = ?";
	case AUTHZ_THREAD:
		return "SELECT trajectory_id FROM threads WHERE id = ?";
	case AUTHZ_MESSAGE:
		return "SELECT trajectory_id FROM messages WHERE id = ?";
	default:
		return NULL;
	}
}

static bool
is_read(enum authz_action act)
{
	return act == AUTHZ_READ || act == AUTHZ_EXPORT;
}

int
traj_role_on(struct db_conn *c, int64_t traj_id, int64_t user_id,
    enum role *out)
{
	struct db_stmt *st;
	int rc;

	*out = 0;
	if ((rc = db_prepare(c, "SELECT role FROM trajectory_members "
	    "WHERE trajectory_id = ? AND user_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, user_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		enum role r;

		/* Only these two parts exist (010_trajectory.sql). */
		if (role_parse(db_col_text(st, 0), &r) == 0 &&
		    (r == ROLE_CLIENT || r == ROLE_PROFESSIONAL))
			*out = r;
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = 0;
	}
	db_done(st);
	return rc;
}

static int
decide(const struct principal *p, enum authz_action act,
    enum authz_kind kind, const struct traj_head *h, enum role in_traj)
{
	if (h->org_id != p->org_id)
		return ERR_NOTFOUND;
	if (in_traj != 0 && in_traj == p->role) {
		if (act == AUTHZ_ADMIN)
			return ERR_FORBIDDEN;
		if (is_read(act))
			return 0;
		return h->phase == TRAJ_CLOSED ? ERR_FORBIDDEN : 0;
	}
	if (p->role == ROLE_ADMIN && kind == AUTHZ_TRAJECTORY)
		return act == AUTHZ_READ ? 0 : ERR_FORBIDDEN;
	return ERR_NOTFOUND;
}

int
traj_access(struct db *db, const struct principal *p,
    enum authz_action act, enum authz_kind kind, int64_t id)
{
	const char *sql = resolve_sql(kind);
	struct db_conn *c = NULL;
	struct traj_head h;
	enum role in_traj = 0;
	int64_t args[1] = { id };
	int64_t traj_id = 0;
	int rc;

	if (p == NULL || p->user_id <= 0)
		return ERR_FORBIDDEN;
	if (sql == NULL)
		return ERR_FORBIDDEN;
	if (id <= 0 || p->org_id <= 0 || !role_valid((int)p->role))
		return ERR_NOTFOUND;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_query_i64(c, sql, &traj_id, 1, args)) != 0 ||
	    (rc = traj_head_on(c, traj_id, &h)) != 0 ||
	    (rc = traj_role_on(c, traj_id, p->user_id, &in_traj)) != 0)
		goto out;
	rc = decide(p, act, kind, &h, in_traj);
out:
	db_read_end(db, c);
	return rc;
}
