/*
 * access.c - the facts behind authorisation for objects of a trajectory.
 *
 * A thread, message or attachment is resolved to its trajectory (threads,
 * messages and attachments of 011_message.sql); then the trajectory's
 * organisation, client and phase and the caller's part in it are read, all
 * on one read connection so they come from one snapshot.  The decision on
 * these facts is authz's (authz/authz.c), which sits above this module.
 */
#include "trajectory/trajectory.h"

#include <string.h>

#include "core/err.h"
#include "store/db.h"
#include "trajectory/traj_int.h"
#include "core/banned.h"

static const char *
resolve_sql(enum traj_obj kind)
{
	switch (kind) {
	case TRAJ_OBJ_TRAJECTORY:
		return "SELECT id FROM trajectories WHERE id = ?";
	case TRAJ_OBJ_THREAD:
		return "SELECT trajectory_id FROM threads WHERE id = ?";
	case TRAJ_OBJ_MESSAGE:
		return "SELECT trajectory_id FROM messages WHERE id = ?";
	case TRAJ_OBJ_ATTACHMENT:
		return "SELECT m.trajectory_id FROM attachments a "
		    "JOIN messages m ON m.id = a.message_id WHERE a.id = ?";
	}
	return NULL;
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

int
traj_relation(struct db *db, enum traj_obj kind, int64_t id, int64_t user_id,
    struct traj_relation *out)
{
	const char *sql = resolve_sql(kind);
	struct db_conn *c = NULL;
	struct traj_head h;
	enum role part = 0;
	int64_t args[1] = { id };
	int64_t traj_id = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sql == NULL || id <= 0)
		return ERR_NOTFOUND;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_query_i64(c, sql, &traj_id, 1, args)) != 0 ||
	    (rc = traj_head_on(c, traj_id, &h)) != 0 ||
	    (rc = traj_role_on(c, traj_id, user_id, &part)) != 0)
		goto out;
	out->traj_id = traj_id;
	out->org_id = h.org_id;
	out->client_id = h.client_id;
	out->phase = h.phase;
	out->part = part;
out:
	db_read_end(db, c);
	return rc;
}
