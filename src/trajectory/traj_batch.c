/*
 * traj_batch.c - look-ups other modules make for their lists: the
 * trajectories a person takes part in, the heads of a set of trajectories,
 * the professionals of an organisation's trajectories.  Ids only (and the
 * facts a list needs): names come from identity, messages from message.
 *
 * A set of ids is asked in batches of TRAJ_PER_STMT (the last id repeated
 * to fill one), so one statement text serves every size and a list of n
 * trajectories costs ceil(n / 100) round trips, not n.
 */
#include "trajectory/trajectory.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "store/db.h"
#include "trajectory/traj_int.h"
#include "core/banned.h"

#define TRAJ_PER_STMT 100
#define Q10 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
#define IN_100 "(" Q10 ", " Q10 ", " Q10 ", " Q10 ", " Q10 ", " Q10 ", " \
	Q10 ", " Q10 ", " Q10 ", " Q10 ")"

static void
bind_batch(struct db_stmt *st, int first, const int64_t *ids, size_t m)
{
	size_t k;

	for (k = 0; k < TRAJ_PER_STMT; k++)
		db_bind_i64(st, first + (int)k, ids[k < m ? k : m - 1]);
}

static const char *
col_strz(struct db_stmt *st, int col, struct arena *a)
{
	struct str s = db_col_text(st, col);

	return s.p == NULL ? "" : arena_strndup(a, s.p, s.len);
}

int
traj_parts_on(struct db_conn *c, int64_t org_id, int64_t user_id,
    enum role as, bool open_only, struct arena *a, struct traj_part **out,
    size_t *n)
{
	struct db_stmt *st;
	struct traj_part *v;
	size_t len = 0;
	enum role r;
	int rc;

	*out = NULL;
	*n = 0;
	v = arena_calloc(a, LIMIT_TRAJ_PARTS, sizeof(*v));
	/* Newest first, so the cap keeps what is most likely current. */
	if ((rc = db_prepare(c, "SELECT t.id, t.client_id, t.phase, tm.role, "
	    "p.tz FROM trajectory_members tm "
	    "JOIN trajectories t ON t.id = tm.trajectory_id "
	    "LEFT JOIN promises p ON p.trajectory_id = t.id "
	    "WHERE tm.user_id = ? AND t.org_id = ? ORDER BY t.id DESC",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, user_id);
	db_bind_i64(st, 2, org_id);
	while (len < LIMIT_TRAJ_PARTS && (rc = db_step(st)) == DB_ROW) {
		struct traj_part *x = &v[len];

		x->phase = traj_phase_col(db_col_text(st, 2));
		if (role_parse(db_col_text(st, 3), &r) != 0 ||
		    (r != ROLE_CLIENT && r != ROLE_PROFESSIONAL))
			continue;
		if ((as != 0 && r != as) ||
		    (open_only && x->phase == TRAJ_CLOSED))
			continue;
		x->id = db_col_i64(st, 0);
		x->client_id = db_col_i64(st, 1);
		x->part = r;
		x->tz = col_strz(st, 4, a);
		len++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	*out = v;
	*n = len;
	return 0;
}

int
traj_heads_on(struct db_conn *c, const int64_t *ids, size_t n,
    struct traj_head *out)
{
	struct db_stmt *st;
	size_t at, k;
	int rc;

	memset(out, 0, n * sizeof(*out));
	for (at = 0; at < n; at += TRAJ_PER_STMT) {
		size_t m = n - at < TRAJ_PER_STMT ? n - at : TRAJ_PER_STMT;

		if ((rc = db_prepare(c, "SELECT id, org_id, client_id, phase, "
		    "share_reads FROM trajectories WHERE id IN " IN_100,
		    &st)) != 0)
			return rc;
		bind_batch(st, 1, ids + at, m);
		while ((rc = db_step(st)) == DB_ROW) {
			struct traj_head h;
			int64_t id = db_col_i64(st, 0);

			h.org_id = db_col_i64(st, 1);
			h.client_id = db_col_i64(st, 2);
			h.phase = traj_phase_col(db_col_text(st, 3));
			h.share_reads = db_col_i64(st, 4) != 0;
			for (k = at; k < at + m; k++)
				if (ids[k] == id)
					out[k] = h;
		}
		db_done(st);
		if (rc != DB_DONE)
			return rc < 0 ? rc : ERR_DB;
	}
	return 0;
}

int
traj_pros_on(struct db_conn *c, int64_t org_id, int64_t traj_id,
    struct arena *a, struct traj_pro **out, size_t *n)
{
	struct db_stmt *st;
	struct traj_pro *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(c, "SELECT tm.trajectory_id, tm.user_id "
	    "FROM trajectory_members tm "
	    "JOIN trajectories t ON t.id = tm.trajectory_id "
	    "WHERE t.org_id = ? AND tm.role = ? AND t.phase <> ? "
	    "AND (CAST(? AS BIGINT) = 0 OR tm.trajectory_id = ?) "
	    "ORDER BY tm.trajectory_id, tm.user_id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, org_id);
	db_bind_textz(st, 2, role_name(ROLE_PROFESSIONAL));
	db_bind_textz(st, 3, traj_phase_name(TRAJ_CLOSED));
	db_bind_i64(st, 4, traj_id);
	db_bind_i64(st, 5, traj_id);
	while ((rc = db_step(st)) == DB_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct traj_pro *nv = arena_calloc(a, ncap, sizeof(*nv));

			if (len)
				memcpy(nv, v, len * sizeof(*nv));
			v = nv;
			cap = ncap;
		}
		v[len].traj_id = db_col_i64(st, 0);
		v[len].user_id = db_col_i64(st, 1);
		len++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	*out = v;
	*n = len;
	return 0;
}
