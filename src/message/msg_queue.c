/*
 * msg_queue.c - what the reply queue (src/queue) asks of messages: the
 * waiting client messages of a set of trajectories, a thread's waiting
 * messages, threads' subjects, the "more time" notice, and the rows of the
 * adherence report; and the reply counters of trajectories that
 * trajectory's lists show (msg_traj_activity_on).  The queue owns no table: these are the message
 * module's queries on its own tables, with its own stored words
 * (author_role 'client', kind 'notice').
 *
 * A set of ids is asked in batches of MSG_PER_STMT (the last id repeated to
 * fill one): one statement text, ceil(n / 100) round trips for n ids.
 * The literal 'client' and the IS NOT NULL conditions stay in the SQL:
 * they let the partial indexes messages_waiting and
 * messages_thread_waiting serve (a bound value would not match them).
 */
#include "message/message.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "keys/keyring.h"
#include "message/msg_int.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

#define MSG_PER_STMT 100
#define Q10 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
#define IN_100 "(" Q10 ", " Q10 ", " Q10 ", " Q10 ", " Q10 ", " Q10 ", " \
	Q10 ", " Q10 ", " Q10 ", " Q10 ")"

static void
bind_batch(struct db_stmt *st, int first, const int64_t *ids, size_t m)
{
	size_t k;

	for (k = 0; k < MSG_PER_STMT; k++)
		db_bind_i64(st, first + (int)k, ids[k < m ? k : m - 1]);
}

static int
cmp_waiting(const void *a, const void *b)
{
	const struct msg_waiting *x = a, *y = b;

	if (x->deadline != y->deadline)
		return x->deadline < y->deadline ? -1 : 1;
	if (x->sent_at != y->sent_at)
		return x->sent_at < y->sent_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
msg_waiting_in_on(struct db_conn *c, const int64_t *trajs, size_t n,
    size_t limit, struct arena *a, struct msg_waiting **out, size_t *nout)
{
	struct db_stmt *st;
	struct msg_waiting *v = NULL;
	size_t len = 0, cap = 0, at;
	int rc;

	*out = NULL;
	*nout = 0;
	for (at = 0; at < n; at += MSG_PER_STMT) {
		size_t m = n - at < MSG_PER_STMT ? n - at : MSG_PER_STMT;

		if ((rc = db_prepare(c, "SELECT id, thread_id, trajectory_id, "
		    "created_at, deadline_at, original_deadline FROM messages "
		    "WHERE trajectory_id IN " IN_100 " "
		    "AND author_role = 'client' AND deadline_at IS NOT NULL "
		    "AND replied_at IS NULL "
		    "ORDER BY deadline_at, created_at, id LIMIT ?", &st)) != 0)
			return rc;
		bind_batch(st, 1, trajs + at, m);
		db_bind_i64(st, MSG_PER_STMT + 1, (int64_t)limit);
		while ((rc = db_step(st)) == DB_ROW) {
			struct msg_waiting *x;

			if (len == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct msg_waiting *nv = arena_calloc(a, ncap,
				    sizeof(*nv));

				if (len)
					memcpy(nv, v, len * sizeof(*nv));
				v = nv;
				cap = ncap;
			}
			x = &v[len++];
			x->id = db_col_i64(st, 0);
			x->thread_id = db_col_i64(st, 1);
			x->traj_id = db_col_i64(st, 2);
			x->sent_at = db_col_i64(st, 3);
			x->deadline = db_col_i64(st, 4);
			x->original_deadline = msg_col_or_zero(st, 5);
		}
		db_done(st);
		if (rc != DB_DONE)
			return rc < 0 ? rc : ERR_DB;
	}
	if (len > 1)
		qsort(v, len, sizeof(*v), cmp_waiting);
	*out = v;
	*nout = len < limit ? len : limit;
	return 0;
}

int
msg_thread_waiting_on(struct db_conn *c, int64_t thread_id, int64_t *count,
    int64_t *earliest)
{
	struct db_stmt *st;
	int rc;

	*count = 0;
	*earliest = 0;
	if ((rc = db_prepare(c, "SELECT COUNT(*), MIN(deadline_at) "
	    "FROM messages WHERE thread_id = ? AND author_role = 'client' "
	    "AND deadline_at IS NOT NULL AND replied_at IS NULL", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, thread_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*count = db_col_i64(st, 0);
		*earliest = msg_col_or_zero(st, 1);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = 0;
	}
	db_done(st);
	return rc;
}

int
msg_thread_subjects_on(struct keyring *kr, struct db_conn *c, int64_t org_id,
    const int64_t *threads, const int64_t *trajs, size_t n, struct arena *a,
    const char **subjects)
{
	struct db_stmt *st;
	size_t at, k;
	int rc;

	for (k = 0; k < n; k++)
		subjects[k] = NULL;
	for (at = 0; at < n; at += MSG_PER_STMT) {
		size_t m = n - at < MSG_PER_STMT ? n - at : MSG_PER_STMT;

		if ((rc = db_prepare(c, "SELECT id, trajectory_id, subject_box "
		    "FROM threads WHERE id IN " IN_100, &st)) != 0)
			return rc;
		bind_batch(st, 1, threads + at, m);
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t id = db_col_i64(st, 0);
			int64_t traj = db_col_i64(st, 1);
			struct str box = db_col_blob(st, 2);
			const char *subject = NULL;
			size_t len;

			for (k = at; k < at + m; k++) {
				/* Only the thread of the trajectory the caller
				 * named (and checked): of org_id. */
				if (threads[k] != id || trajs[k] != traj)
					continue;
				if (subject == NULL && keyring_open_str(kr, c,
				    org_id, box, a, &subject, &len) != 0) {
					log_warn("message", "msg=\"subject does "
					    "not open\" thread=%lld",
					    (long long)id);
					break;
				}
				subjects[k] = subject;
			}
		}
		db_done(st);
		if (rc != DB_DONE)
			return rc < 0 ? rc : ERR_DB;
	}
	return 0;
}

int
msg_notice_on(struct db_conn *c, int64_t thread_id, int64_t traj_id,
    int64_t org_id, int64_t author_id, struct str note_box,
    int64_t new_deadline, int64_t now, int64_t *id)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO messages (thread_id, "
	    "trajectory_id, org_id, author_id, author_role, kind, body_box, "
	    "new_deadline, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, thread_id);
	db_bind_i64(st, 2, traj_id);
	db_bind_i64(st, 3, org_id);
	db_bind_i64(st, 4, author_id);
	db_bind_textz(st, 5, msg_author_role(false));
	db_bind_textz(st, 6, msg_kind_name(MSG_NOTICE));
	db_bind_blob(st, 7, note_box.p, note_box.len);
	db_bind_i64(st, 8, new_deadline);
	db_bind_i64(st, 9, now);
	if ((rc = db_step_id(st, id)) != 0)
		return rc;

	/* Later deadlines stay: a notice never brings a deadline closer. */
	if ((rc = db_prepare(c, "UPDATE messages SET "
	    "original_deadline = COALESCE(original_deadline, deadline_at), "
	    "deadline_at = ? WHERE thread_id = ? AND author_role = 'client' "
	    "AND deadline_at IS NOT NULL AND replied_at IS NULL "
	    "AND deadline_at < ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, new_deadline);
	db_bind_i64(st, 2, thread_id);
	db_bind_i64(st, 3, new_deadline);
	if ((rc = db_run(st)) != 0)
		return rc;

	if ((rc = db_prepare(c, "UPDATE threads SET last_message_at = ? "
	    "WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, now);
	db_bind_i64(st, 2, thread_id);
	return db_run(st);
}

static int
cmp_report(const void *a, const void *b)
{
	const struct msg_report_row *x = a, *y = b;

	if (x->traj_id != y->traj_id)
		return x->traj_id < y->traj_id ? -1 : 1;
	if (x->created_at != y->created_at)
		return x->created_at < y->created_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

#define REPORT_COLS \
	"SELECT m.id, m.trajectory_id, m.created_at, m.deadline_at, " \
	"m.original_deadline, m.replied_at, r.author_id " \
	"FROM messages m LEFT JOIN messages r ON r.id = m.reply_id "
#define REPORT_WHERE \
	"m.org_id = ? AND m.author_role = 'client' " \
	"AND m.deadline_at IS NOT NULL " \
	"AND m.created_at >= ? AND m.created_at < ? "
static const char report_cols_all[] = REPORT_COLS "WHERE " REPORT_WHERE
	"ORDER BY m.trajectory_id, m.created_at, m.id LIMIT ?";
static const char report_cols_in[] = REPORT_COLS "WHERE m.trajectory_id IN "
	IN_100 " AND " REPORT_WHERE
	"ORDER BY m.trajectory_id, m.created_at, m.id LIMIT ?";

/* One statement's rows appended to *v. */
static int
report_rows(struct db_stmt *st, struct arena *a, struct msg_report_row **v,
    size_t *len, size_t *cap, size_t limit)
{
	int rc;

	while ((rc = db_step(st)) == DB_ROW) {
		struct msg_report_row *x;

		if (*len >= limit) {
			rc = ERR_TOOBIG;
			break;
		}
		if (*len == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			struct msg_report_row *nv = arena_calloc(a, ncap,
			    sizeof(*nv));

			if (*len)
				memcpy(nv, *v, *len * sizeof(*nv));
			*v = nv;
			*cap = ncap;
		}
		x = &(*v)[(*len)++];
		x->id = db_col_i64(st, 0);
		x->traj_id = db_col_i64(st, 1);
		x->created_at = db_col_i64(st, 2);
		x->deadline = db_col_i64(st, 3);
		x->original = msg_col_or_zero(st, 4);
		x->replied_at = msg_col_or_zero(st, 5);
		x->replier = msg_col_or_zero(st, 6);
	}
	db_done(st);
	if (rc == ERR_TOOBIG)
		return rc;
	return rc == DB_DONE ? 0 : rc < 0 ? rc : ERR_DB;
}

int
msg_report_on(struct db_conn *c, int64_t org_id, int64_t from, int64_t to,
    const int64_t *trajs, size_t ntrajs, bool all, size_t limit,
    struct arena *a, struct msg_report_row **out, size_t *n)
{
	struct db_stmt *st;
	struct msg_report_row *v = NULL;
	size_t len = 0, cap = 0, at;
	int rc;

	*out = NULL;
	*n = 0;
	if (all) {
		if ((rc = db_prepare(c, report_cols_all, &st)) != 0)
			return rc;
		db_bind_i64(st, 1, org_id);
		db_bind_i64(st, 2, from);
		db_bind_i64(st, 3, to);
		db_bind_i64(st, 4, (int64_t)limit + 1);
		if ((rc = report_rows(st, a, &v, &len, &cap, limit)) != 0)
			return rc;
	}
	for (at = 0; !all && at < ntrajs; at += MSG_PER_STMT) {
		size_t m = ntrajs - at < MSG_PER_STMT ? ntrajs - at :
		    MSG_PER_STMT;

		if ((rc = db_prepare(c, report_cols_in, &st)) != 0)
			return rc;
		bind_batch(st, 1, trajs + at, m);
		db_bind_i64(st, MSG_PER_STMT + 1, org_id);
		db_bind_i64(st, MSG_PER_STMT + 2, from);
		db_bind_i64(st, MSG_PER_STMT + 3, to);
		db_bind_i64(st, MSG_PER_STMT + 4, (int64_t)limit + 1);
		if ((rc = report_rows(st, a, &v, &len, &cap, limit)) != 0)
			return rc;
	}
	if (len > 1)
		qsort(v, len, sizeof(*v), cmp_report);
	*out = v;
	*n = len;
	return 0;
}

/*
 * Each id's counters through correlated subqueries, so messages_waiting
 * and messages_trajectory answer each with a few index entries however
 * many messages a trajectory holds.
 */
#define V10 "(CAST(? AS BIGINT)), (CAST(? AS BIGINT)), (CAST(? AS BIGINT)), " \
	"(CAST(? AS BIGINT)), (CAST(? AS BIGINT)), (CAST(? AS BIGINT)), " \
	"(CAST(? AS BIGINT)), (CAST(? AS BIGINT)), (CAST(? AS BIGINT)), " \
	"(CAST(? AS BIGINT))"

int
msg_traj_activity_on(struct db_conn *c, const int64_t *trajs, size_t n,
    struct traj_activity *out)
{
	struct db_stmt *st;
	size_t at, k;
	int rc;

	memset(out, 0, n * sizeof(*out));
	for (at = 0; at < n; at += MSG_PER_STMT) {
		size_t m = n - at < MSG_PER_STMT ? n - at : MSG_PER_STMT;

		if ((rc = db_prepare(c, "WITH v(id) AS (VALUES " V10 ", " V10
		    ", " V10 ", " V10 ", " V10 ", " V10 ", " V10 ", " V10 ", "
		    V10 ", " V10 ") SELECT v.id, "
		    "(SELECT COUNT(*) FROM messages m "
		    "WHERE m.trajectory_id = v.id AND m.author_role = 'client' "
		    "AND m.deadline_at IS NOT NULL AND m.replied_at IS NULL), "
		    "(SELECT MIN(m.deadline_at) FROM messages m "
		    "WHERE m.trajectory_id = v.id AND m.author_role = 'client' "
		    "AND m.deadline_at IS NOT NULL AND m.replied_at IS NULL), "
		    "(SELECT MAX(m.created_at) FROM messages m "
		    "WHERE m.trajectory_id = v.id) FROM v", &st)) != 0)
			return rc;
		bind_batch(st, 1, trajs + at, m);
		while ((rc = db_step(st)) == DB_ROW) {
			int64_t id = db_col_i64(st, 0);

			for (k = at; k < at + m; k++) {
				if (trajs[k] != id)
					continue;
				out[k].waiting = db_col_i64(st, 1);
				out[k].next_deadline = msg_col_or_zero(st, 2);
				out[k].last_message_at = msg_col_or_zero(st, 3);
			}
		}
		db_done(st);
		if (rc != DB_DONE)
			return rc < 0 ? rc : ERR_DB;
	}
	return 0;
}
