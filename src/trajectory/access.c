/*
 * access.c - the facts behind authorisation for objects of a trajectory.
 *
 * The trajectory's organisation, client and phase and the caller's part
 * in it, read on the caller's connection (authz resolves a thread, message
 * or attachment to its trajectory through the message module first, in
 * the same snapshot).  The decision on these facts is authz's
 * (authz/authz.c), which sits above this module.
 */
#include "trajectory/trajectory.h"

#include <string.h>

#include "core/err.h"
#include "store/db.h"
#include "trajectory/traj_int.h"
#include "core/banned.h"

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
traj_member_ids_on(struct db_conn *c, int64_t traj_id, int64_t *ids,
    size_t cap, size_t *n)
{
	struct db_stmt *st;
	int rc;

	*n = 0;
	if ((rc = db_prepare(c, "SELECT user_id FROM trajectory_members "
	    "WHERE trajectory_id = ? ORDER BY user_id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	while ((rc = db_step(st)) == DB_ROW && *n < cap)
		ids[(*n)++] = db_col_i64(st, 0);
	db_done(st);
	return rc < 0 ? rc : 0;
}

int
traj_relation_on(struct db_conn *c, int64_t traj_id, int64_t user_id,
    struct traj_relation *out)
{
	struct traj_head h;
	enum role part = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = traj_head_on(c, traj_id, &h)) != 0 ||
	    (rc = traj_role_on(c, traj_id, user_id, &part)) != 0)
		return rc;
	out->traj_id = traj_id;
	out->org_id = h.org_id;
	out->client_id = h.client_id;
	out->phase = h.phase;
	out->part = part;
	return 0;
}
