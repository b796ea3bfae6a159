/*
 * msg_state.c - what a reader leaves behind: read marks, drafts (sealed, one per
 * person and thread), and the assistant's context of a thread.
 */
#include "message/message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/text.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "event/event.h"
#include "keys/keyring.h"
#include "message/markdown.h"
#include "message/msg_int.h"
#include "message/search.h"
#include "promise/promise.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

/* --- read state and drafts ------------------------------------------------ */

/* Read marks of one person, in one job. */
struct marks_job {
	int64_t user_id;
	int64_t now;
	const int64_t *ids;
	size_t n;
};

static int
marks_run(struct db_conn *c, void *arg)
{
	struct marks_job *j = arg;
	struct db_stmt *st;
	size_t i;
	int rc;

	for (i = 0; i < j->n; i++) {
		if ((rc = db_prepare(c, "INSERT INTO message_reads "
		    "(message_id, user_id, read_at) VALUES (?, ?, ?) "
		    "ON CONFLICT (message_id, user_id) DO NOTHING", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->ids[i]);
		db_bind_i64(st, 2, j->user_id);
		db_bind_i64(st, 3, j->now);
		if ((rc = db_run(st)) != 0)
			return rc;
	}
	return 0;
}

int
msg_mark_read(const struct msg_env *env, int64_t message_id,
    int64_t user_id, time_t now)
{
	struct marks_job j = { user_id, msg_now_or(now), &message_id, 1 };
	struct db_conn *c;
	struct msg_head h;
	int64_t thread_id;
	bool client;
	int rc;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_query_i64(c, "SELECT thread_id FROM messages WHERE id = ?",
	    &thread_id, 1, &message_id)) == 0 &&
	    (rc = msg_thread_head(c, thread_id, &h)) == 0)
		rc = msg_part_of(c, h.traj_id, user_id, &client);
	db_read_end(env->db, c);
	if (rc != 0)
		return rc;
	return db_write(env->db, marks_run, &j);
}

int
msg_thread_mark_read(const struct msg_env *env, int64_t thread_id,
    int64_t viewer_id, int64_t upto, time_t now)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct marks_job mj = { viewer_id, msg_now_or(now), NULL, 0 };
	int64_t *ids = NULL;
	struct msg_head h;
	size_t n = 0;
	bool client;
	int rc;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = msg_thread_head(c, thread_id, &h)) != 0 ||
	    (rc = msg_part_of(c, h.traj_id, viewer_id, &client)) != 0)
		goto out;
	/* What a page showed: at most LIMIT_THREAD_PAGE messages of others
	 * up to upto, the newest it showed. */
	if ((rc = db_prepare(c, "SELECT m.id FROM messages m WHERE "
	    "m.thread_id = ? AND m.id <= ? AND m.author_id <> ? AND NOT EXISTS "
	    "(SELECT 1 FROM message_reads r WHERE r.message_id = m.id AND "
	    "r.user_id = ?) ORDER BY m.id DESC LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, thread_id);
	db_bind_i64(st, 2, upto);
	db_bind_i64(st, 3, viewer_id);
	db_bind_i64(st, 4, viewer_id);
	db_bind_i64(st, 5, LIMIT_THREAD_PAGE);
	ids = xcalloc(LIMIT_THREAD_PAGE + 1, sizeof(*ids));
	while ((rc = db_step(st)) == DB_ROW)
		ids[n++] = db_col_i64(st, 0);
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	db_read_end(env->db, c);
	c = NULL;
	mj.ids = ids;
	mj.n = n;
	if (n > 0)
		rc = db_write(env->db, marks_run, &mj);
	/* A read receipt, live, only where the client shares them (ids[0]
	 * is the newest marked). */
	if (rc == 0 && n > 0 && client && h.share_reads) {
		char data[96];

		snprintf(data, sizeof(data), "{\"thread\":%lld,\"upto\":%lld}",
		    (long long)thread_id, (long long)ids[0]);
		(void)event_publish(env->bus, EVENT_SCOPE_TRAJ, h.traj_id, 0,
		    "read", data);
	}
out:
	if (c != NULL)
		db_read_end(env->db, c);
	free(ids);
	return rc;
}

struct draft_job {
	int64_t thread_id;
	int64_t user_id;
	int64_t now;
	const struct buf *box;      /* NULL: delete */
};

static int
draft_run(struct db_conn *c, void *arg)
{
	struct draft_job *j = arg;
	struct db_stmt *st;
	int rc;

	if (j->box == NULL) {
		if ((rc = db_prepare(c, "DELETE FROM drafts "
		    "WHERE thread_id = ? AND user_id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->thread_id);
		db_bind_i64(st, 2, j->user_id);
		return db_run(st);
	}
	if ((rc = db_prepare(c, "INSERT INTO drafts (thread_id, user_id, "
	    "body_box, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT "
	    "(thread_id, user_id) DO UPDATE SET body_box = excluded.body_box, "
	    "updated_at = excluded.updated_at", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->thread_id);
	db_bind_i64(st, 2, j->user_id);
	db_bind_blob(st, 3, j->box->p, j->box->len);
	db_bind_i64(st, 4, j->now);
	return db_run(st);
}

int
msg_draft_save(const struct msg_env *env, int64_t thread_id,
    int64_t user_id, struct str text, time_t now)
{
	struct draft_job j = { thread_id, user_id, msg_now_or(now), NULL };
	struct buf box = BUF_INIT;
	struct db_conn *c;
	struct msg_head h;
	bool client;
	int rc;

	if (text.len > LIMIT_MESSAGE)
		return ERR_TOOBIG;
	if (text.p != NULL && !utf8_valid(text.p, text.len))
		return ERR_INVAL;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = msg_thread_head(c, thread_id, &h)) == 0 &&
	    (rc = msg_part_of(c, h.traj_id, user_id, &client)) == 0) {
		if (h.closed)
			rc = ERR_FORBIDDEN;
		else if (text.p != NULL && str_trim(text).len > 0)
			rc = keyring_seal(env->kr, c, h.org_id, text.p,
			    text.len, &box);
	}
	db_read_end(env->db, c);
	if (rc == 0) {
		j.box = box.len ? &box : NULL;
		rc = db_write(env->db, draft_run, &j);
	}
	buf_release(&box);
	return rc;
}

int
msg_draft_delete(const struct msg_env *env, int64_t thread_id,
    int64_t user_id)
{
	struct draft_job j = { thread_id, user_id, 0, NULL };

	return db_write(env->db, draft_run, &j);
}

int
msg_draft_load(const struct msg_env *env, int64_t thread_id,
    int64_t user_id, struct arena *a, struct str *out, int64_t *updated_at)
{
	struct db_conn *c;
	struct db_stmt *st;
	struct str box = { NULL, 0 };
	struct msg_head h;
	const char *p;
	size_t len;
	bool client;
	int rc;

	*out = (struct str){ "", 0 };
	if (updated_at)
		*updated_at = 0;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = msg_thread_head(c, thread_id, &h)) != 0 ||
	    (rc = msg_part_of(c, h.traj_id, user_id, &client)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT body_box, updated_at FROM drafts "
	    "WHERE thread_id = ? AND user_id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, thread_id);
	db_bind_i64(st, 2, user_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		box = db_col_copy(st, 0, a);
		if (updated_at)
			*updated_at = db_col_i64(st, 1);
	}
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	if (box.len > 0 && (rc = keyring_open_str(env->kr, c, h.org_id, box, a,
	    &p, &len)) == 0)
		*out = (struct str){ p, len };
out:
	db_read_end(env->db, c);
	return rc;
}

/* --- the assistant's context ---------------------------------------------- */

int
msg_assistant_context(const struct msg_env *env, int64_t thread_id,
    int64_t viewer_id, const struct audit_event *ev, struct arena *a,
    struct str *client_last, struct msg_turn **turns, size_t *nturns,
    size_t max)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct str box = { NULL, 0 };
	struct msg_turn *t;
	struct msg_head h;
	int64_t last_id = 0;
	const char *p;
	size_t k = 0, len, i;
	bool client;
	int rc;

	*client_last = (struct str){ "", 0 };
	*turns = NULL;
	*nturns = 0;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = msg_thread_head(c, thread_id, &h)) != 0 ||
	    (rc = msg_part_of(c, h.traj_id, viewer_id, &client)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT id, body_box FROM messages "
	    "WHERE thread_id = ? AND author_role = 'client' AND kind IN "
	    "('message', 'correction') ORDER BY id DESC LIMIT 1", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, thread_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		last_id = db_col_i64(st, 0);
		box = db_col_copy(st, 1, a);
	}
	db_done(st);
	if (rc < 0)
		goto out;
	/* The rhythm is the relation's: every thread of the trajectory. */
	if ((rc = db_prepare(c, "SELECT created_at, author_role FROM messages "
	    "WHERE trajectory_id = ? AND kind = 'message' "
	    "ORDER BY id DESC LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, h.traj_id);
	db_bind_i64(st, 2, (int64_t)max);
	t = arena_calloc(a, max + 1, sizeof(*t));
	while (k < max && (rc = db_step(st)) == DB_ROW) {
		t[k].at = (time_t)db_col_i64(st, 0);
		t[k].from_client = msg_author_is_client(db_col_text(st, 1));
		k++;
	}
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	for (i = 0; i < k / 2; i++) {
		struct msg_turn tmp = t[i];

		t[i] = t[k - 1 - i];
		t[k - 1 - i] = tmp;
	}
	*turns = t;
	*nturns = k;
	if (last_id == 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;
	if ((rc = msg_log_read(env, ev, "message", "assistant", &h, last_id)) != 0)
		goto out;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = keyring_open_str(env->kr, c, h.org_id, box, a, &p, &len)) != 0)
		goto out;
	*client_last = (struct str){ p, len };
out:
	if (c != NULL)
		db_read_end(env->db, c);
	return rc;
}
