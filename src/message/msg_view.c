/*
 * msg_view.c - reading threads: the list of a trajectory's threads, a thread a
 * page at a time (keyset cursor), one message's current text, an
 * attachment.  Each read is in the access log before anything is opened
 * (log first, then show), with the read marks in the same job.
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
#include "identity/identity.h"
#include "keys/keyring.h"
#include "message/markdown.h"
#include "message/msg_int.h"
#include "message/search.h"
#include "promise/promise.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

/* --- reading -------------------------------------------------------------- */



void
msg_row_read(struct db_stmt *st, struct arena *a, struct msg_row *r)
{
	memset(r, 0, sizeof(*r));
	r->m.id = db_col_i64(st, 0);
	r->m.thread_id = db_col_i64(st, 1);
	r->m.author_id = msg_col_or_zero(st, 2);
	r->m.author_name = "";
	r->m.from_client = msg_author_is_client(db_col_text(st, 3));
	r->m.kind = msg_kind_parse(db_col_text(st, 4));
	r->body_box = db_col_copy(st, 5, a);
	r->m.quote_of = msg_col_or_zero(st, 6);
	if (!db_col_null(st, 7))
		r->quote_box = db_col_copy(st, 7, a);
	r->m.corrects = msg_col_or_zero(st, 8);
	r->m.new_deadline = msg_col_or_zero(st, 9);
	r->m.created_at = db_col_i64(st, 10);
	r->m.deadline_at = msg_col_or_zero(st, 11);
	r->m.replied_at = msg_col_or_zero(st, 12);
	r->viewer_read = !db_col_null(st, 13);
	r->m.unread = !r->viewer_read;
	r->m.client_read_at = msg_col_or_zero(st, 14);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct msg_row *x = a, *y = b;

	return x->m.id < y->m.id ? -1 : x->m.id > y->m.id;
}

static struct msg_row *
row_find(struct msg_row *rows, size_t n, int64_t id)
{
	struct msg_row key;

	key.m.id = id;
	return bsearch(&key, rows, n, sizeof(*rows), row_cmp);
}


/* Attachments of the loaded messages (by one of two queries), hung on
 * their rows (sorted by id). */
int
msg_load_attachments(struct db_stmt *st, struct arena *a, struct msg_row *rows,
    size_t n, struct msg_att_row **out, size_t *nout)
{
	struct msg_att_row *ar = NULL;
	size_t cap = 0, na = 0, i;
	struct msg_row *r;
	int rc;

	while ((rc = db_step(st)) == DB_ROW) {
		if (row_find(rows, n, db_col_i64(st, 1)) == NULL)
			continue;
		if (na == cap) {
			struct msg_att_row *bigger;

			cap = cap ? st_mul(cap, 2) : 16;
			bigger = arena_calloc(a, cap, sizeof(*bigger));
			if (na)
				memcpy(bigger, ar, na * sizeof(*ar));
			ar = bigger;
		}
		ar[na].att.id = db_col_i64(st, 0);
		ar[na].att.message_id = db_col_i64(st, 1);
		ar[na].name_box = db_col_copy(st, 2, a);
		ar[na].att.type = arena_strz(a, db_col_text(st, 3));
		ar[na].att.size = db_col_i64(st, 4);
		if (!msg_type_allowed(ar[na].att.type))
			ar[na].att.type = "application/octet-stream";
		na++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	/* Count per message, then hand each message its slice. */
	for (i = 0; i < na; i++)
		row_find(rows, n, ar[i].att.message_id)->m.natt++;
	for (i = 0; i < n; i++) {
		if (rows[i].m.natt)
			rows[i].m.att = arena_calloc(a, rows[i].m.natt,
			    sizeof(struct msg_attachment));
		rows[i].m.natt = 0;
	}
	for (i = 0; i < na; i++) {
		r = row_find(rows, n, ar[i].att.message_id);
		r->m.att[r->m.natt++] = ar[i].att;
	}
	*out = ar;
	*nout = na;
	return 0;
}

/* Open the texts of loaded rows and their attachments' names. */
int
msg_open_rows(const struct msg_env *env, struct db_conn *c, int64_t org_id,
    struct msg_row *rows, size_t n, struct msg_att_row *ar, size_t na,
    struct arena *a)
{
	size_t i, j;
	struct msg_row *r;
	const char **names;
	int64_t *ids;
	int rc;

	if (n > 0) {
		ids = arena_calloc(a, n, sizeof(*ids));
		names = arena_calloc(a, n, sizeof(*names));
		for (i = 0; i < n; i++)
			ids[i] = rows[i].m.author_id;
		if ((rc = user_names_on(c, ids, n, a, names)) != 0)
			return rc;
		for (i = 0; i < n; i++)
			rows[i].m.author_name = names[i];
	}
	for (i = 0; i < n; i++) {
		r = &rows[i];
		if ((rc = keyring_open_str(env->kr, c, org_id, r->body_box, a,
		    &r->m.body, &r->m.body_len)) != 0)
			return rc;
		if (r->quote_box.len > 0 && (rc = keyring_open_str(env->kr, c,
		    org_id, r->quote_box, a, &r->m.quote, NULL)) != 0)
			return rc;
	}
	for (i = 0; i < na; i++) {
		const char *name;

		if ((rc = keyring_open_str(env->kr, c, org_id, ar[i].name_box, a,
		    &name, NULL)) != 0)
			return rc;
		r = row_find(rows, n, ar[i].att.message_id);
		for (j = 0; j < r->m.natt; j++)
			if (r->m.att[j].id == ar[i].att.id)
				r->m.att[j].name = name;
	}
	return 0;
}


/* The head a page of the thread needs: no count that grows with the
 * thread (messages, unread: 0 here; msg_thread_page counts its page's
 * unread), and what waits for a reply through the partial index
 * messages_thread_waiting, which holds only waiting messages.  No binds. */
#define THREAD_HEAD_COLUMNS \
	"SELECT t.id, t.trajectory_id, t.subject_box, t.created_by, " \
	"t.created_at, t.last_message_at, 0, 0, " \
	"(SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id AND " \
	"m.author_role = 'client' AND m.deadline_at IS NOT NULL AND " \
	"m.replied_at IS NULL), " \
	"(SELECT MIN(m.deadline_at) FROM messages m WHERE " \
	"m.thread_id = t.id AND m.author_role = 'client' AND " \
	"m.deadline_at IS NOT NULL AND m.replied_at IS NULL) " \
	"FROM threads t "

void
msg_thread_row(struct db_stmt *st, const struct msg_head *h, bool viewer_client,
    struct arena *a, struct msg_thread *th, struct str *box)
{
	memset(th, 0, sizeof(*th));
	th->id = db_col_i64(st, 0);
	th->traj_id = db_col_i64(st, 1);
	if (box)
		*box = db_col_copy(st, 2, a);
	th->created_by = msg_col_or_zero(st, 3);
	th->created_at = db_col_i64(st, 4);
	th->last_message_at = db_col_i64(st, 5);
	th->messages = db_col_i64(st, 6);
	th->unread = db_col_i64(st, 7);
	th->waiting = db_col_i64(st, 8);
	th->next_deadline = msg_col_or_zero(st, 9);
	th->org_id = h->org_id;
	th->client_id = h->client_id;
	th->closed = h->closed;
	th->share_reads = h->share_reads;
	th->viewer_is_client = viewer_client;
}

static int
thread_meta_on(struct db_conn *c, int64_t thread_id, int64_t viewer_id,
    bool counts, struct arena *a, struct msg_thread *th, struct str *box,
    struct msg_head *hout)
{
	struct db_stmt *st;
	struct msg_head h;
	bool client;
	int rc;

	if ((rc = msg_thread_head(c, thread_id, &h)) != 0)
		return rc;
	if ((rc = msg_part_of(c, h.traj_id, viewer_id, &client)) != 0)
		return rc;
	if ((rc = db_prepare(c, counts ? THREAD_COLUMNS "WHERE t.id = ?" :
	    THREAD_HEAD_COLUMNS "WHERE t.id = ?", &st)) != 0)
		return rc;
	if (counts) {
		db_bind_i64(st, 1, viewer_id);
		db_bind_i64(st, 2, viewer_id);
		db_bind_i64(st, 3, thread_id);
	} else {
		db_bind_i64(st, 1, thread_id);
	}
	rc = db_step(st);
	if (rc == DB_ROW) {
		msg_thread_row(st, &h, client, a, th, box);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	if (hout)
		*hout = h;
	return rc;
}

int
msg_thread_meta(const struct msg_env *env, int64_t thread_id,
    int64_t viewer_id, struct arena *a, struct msg_thread *th)
{
	struct db_conn *c;
	int rc;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	rc = thread_meta_on(c, thread_id, viewer_id, true, a, th, NULL, NULL);
	db_read_end(env->db, c);
	return rc;
}

int
msg_threads(const struct msg_env *env, int64_t traj_id, int64_t viewer_id,
    const struct audit_event *ev, struct arena *a, struct msg_thread **out,
    size_t *n)
{
	struct msg_thread *th = NULL;
	struct str *boxes = NULL;
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct msg_head h;
	size_t k = 0, i;
	bool client;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = msg_traj_head(c, traj_id, &h)) != 0 ||
	    (rc = msg_part_of(c, traj_id, viewer_id, &client)) != 0)
		goto out;
	if ((rc = db_prepare(c, THREAD_COLUMNS "WHERE t.trajectory_id = ? "
	    "ORDER BY t.last_message_at DESC, t.id DESC LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, viewer_id);
	db_bind_i64(st, 2, viewer_id);
	db_bind_i64(st, 3, traj_id);
	db_bind_i64(st, 4, LIMIT_THREADS);
	th = arena_calloc(a, LIMIT_THREADS, sizeof(*th));
	boxes = arena_calloc(a, LIMIT_THREADS, sizeof(*boxes));
	while (k < LIMIT_THREADS && (rc = db_step(st)) == DB_ROW) {
		msg_thread_row(st, &h, client, a, &th[k], &boxes[k]);
		k++;
	}
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	if (k == 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;
	if ((rc = msg_log_read(env, ev, "thread", "list", &h, traj_id)) != 0)
		goto out;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	for (i = 0; i < k; i++)
		if ((rc = keyring_open_str(env->kr, c, h.org_id, boxes[i], a,
		    &th[i].subject, NULL)) != 0)
			goto out;
	*out = th;
	*n = k;
out:
	if (c != NULL)
		db_read_end(env->db, c);
	return rc;
}

struct view_job {
	const struct audit_event *ev;
	int64_t viewer_id;
	int64_t now;
	const int64_t *unread;
	size_t nunread;
};

static int
view_run(struct db_conn *c, void *arg)
{
	struct view_job *j = arg;
	struct db_stmt *st;
	size_t i;
	int rc;

	/* Log first, before any text is opened.  A view marks nothing (a
	 * GET changes nothing: msg_thread_mark_read does, on a POST). */
	if ((rc = audit_append(c, j->ev)) != 0)
		return rc;
	for (i = 0; i < j->nunread; i++) {
		if ((rc = db_prepare(c, "INSERT INTO message_reads "
		    "(message_id, user_id, read_at) VALUES (?, ?, ?) "
		    "ON CONFLICT (message_id, user_id) DO NOTHING", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->unread[i]);
		db_bind_i64(st, 2, j->viewer_id);
		db_bind_i64(st, 3, j->now);
		if ((rc = db_run(st)) != 0)
			return rc;
	}
	return 0;
}

/*
 * The page is found by its keyset: the newest LIMIT_THREAD_PAGE messages
 * of the thread with an id below the cursor, read backwards along the
 * index messages_thread (thread_id, id), so a page costs the same in a
 * thread of fifty messages and in one of a hundred thousand.  OFFSET would
 * walk every newer row first, and would skip or repeat rows when messages
 * arrive between two pages; an id cursor does neither.
 *
 * A message on the page may have been corrected later, on a newer page:
 * those corrections (found by the partial index messages_corrects) come
 * along in pg->later, so the page shows the current text.
 */
int
msg_thread_page(const struct msg_env *env, int64_t thread_id,
    int64_t viewer_id, int64_t before, const struct audit_event *ev,
    struct arena *a, struct msg_thread *th, struct msg_page *pg)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct msg_row *rows = NULL;
	struct msg_att_row *ar = NULL;
	struct str subject_box = { NULL, 0 };
	struct audit_event lev;
	struct view_job vj;
	struct msg_head h;
	int64_t owner = 0, lo, hi;
	size_t k = 0, nl = 0, cap, na = 0, i;
	int rc;

	memset(pg, 0, sizeof(*pg));
	if (before < 0)
		return ERR_INVAL;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0 ||
	    (rc = thread_meta_on(c, thread_id, viewer_id, false, a, th,
	    &subject_box, &h)) != 0)
		goto out;
	/* A cursor is a message of this thread; any other id (another
	 * thread's, a deleted or never existing one) finds nothing. */
	if (before > 0 && ((rc = db_query_i64(c, "SELECT thread_id FROM "
	    "messages WHERE id = ?", &owner, 1, &before)) != 0 ||
	    owner != thread_id)) {
		rc = ERR_NOTFOUND;
		goto out;
	}
	if ((rc = db_prepare(c, MSG_COLUMNS "WHERE m.thread_id = ? "
	    "AND m.id < ? ORDER BY m.id DESC LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, viewer_id);
	db_bind_i64(st, 2, viewer_id);
	db_bind_i64(st, 3, h.client_id);
	db_bind_i64(st, 4, thread_id);
	db_bind_i64(st, 5, before > 0 ? before : INT64_MAX);
	db_bind_i64(st, 6, LIMIT_THREAD_PAGE + 1);
	cap = LIMIT_THREAD_PAGE + 1;
	rows = arena_calloc(a, cap, sizeof(*rows));
	while ((rc = db_step(st)) == DB_ROW) {
		if (k == LIMIT_THREAD_PAGE) {
			pg->more = true;
			break;
		}
		msg_row_read(st, a, &rows[k++]);
	}
	db_done(st);
	if (rc < 0)
		goto out;
	qsort(rows, k, sizeof(*rows), row_cmp);
	lo = k ? rows[0].m.id : 0;
	hi = k ? rows[k - 1].m.id : 0;
	/* The latest page has nothing newer than itself. */
	if (before > 0 && k > 0) {
		if ((rc = db_prepare(c, MSG_COLUMNS "WHERE m.corrects >= ? "
		    "AND m.corrects <= ? AND m.kind = 'correction' "
		    "AND m.thread_id = ? AND m.id > ? ORDER BY m.id LIMIT ?",
		    &st)) != 0)
			goto out;
		db_bind_i64(st, 1, viewer_id);
		db_bind_i64(st, 2, viewer_id);
		db_bind_i64(st, 3, h.client_id);
		db_bind_i64(st, 4, lo);
		db_bind_i64(st, 5, hi);
		db_bind_i64(st, 6, thread_id);
		db_bind_i64(st, 7, hi);
		db_bind_i64(st, 8, (int64_t)k * LIMIT_CORRECTIONS);
		while ((rc = db_step(st)) == DB_ROW) {
			if (k + nl == cap) {
				struct msg_row *bigger;

				cap = st_mul(cap, 2);
				bigger = arena_calloc(a, cap, sizeof(*bigger));
				memcpy(bigger, rows, (k + nl) * sizeof(*rows));
				rows = bigger;
			}
			msg_row_read(st, a, &rows[k + nl++]);
		}
		db_done(st);
		if (rc < 0)
			goto out;
	}
	/* Attachments of the page's id range and of the later corrections'
	 * (both bounded by the page, never by the thread's length);
	 * load_attachments keeps only those of loaded rows. */
	if ((rc = db_prepare(c, "SELECT a.id, a.message_id, a.name_box, "
	    "a.content_type, a.size FROM attachments a "
	    "WHERE a.message_id >= ? AND a.message_id <= ? "
	    "OR a.message_id >= ? AND a.message_id <= ? ORDER BY a.id",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, lo);
	db_bind_i64(st, 2, hi);
	db_bind_i64(st, 3, nl ? rows[k].m.id : 0);
	db_bind_i64(st, 4, nl ? rows[k + nl - 1].m.id : 0);
	if ((rc = msg_load_attachments(st, a, rows, k + nl, &ar, &na)) != 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;

	/* The client's reads are the client's to share. */
	for (i = 0; i < k + nl; i++) {
		if (th->viewer_is_client || !h.share_reads ||
		    rows[i].m.from_client)
			rows[i].m.client_read_at = 0;
	}
	lev = msg_event_for(ev, AUDIT_READ, "message", NULL, &h, thread_id);
	vj.ev = &lev;
	vj.viewer_id = viewer_id;
	vj.now = (int64_t)time(NULL);
	vj.unread = NULL;
	vj.nunread = 0;
	if ((rc = db_write(env->db, view_run, &vj)) != 0)
		goto out;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = keyring_open_str(env->kr, c, h.org_id, subject_box, a,
	    &th->subject, NULL)) != 0 ||
	    (rc = msg_open_rows(env, c, h.org_id, rows, k + nl, ar, na, a)) != 0)
		goto out;
	pg->msgs = arena_calloc(a, k + nl + 1, sizeof(*pg->msgs));
	for (i = 0; i < k + nl; i++)
		pg->msgs[i] = rows[i].m;
	pg->n = k;
	th->unread = 0;
	for (i = 0; i < k; i++)
		th->unread += rows[i].m.unread && rows[i].m.author_id != viewer_id;
	pg->later = pg->msgs + k;
	pg->nlater = nl;
	pg->next_before = pg->more ? lo : 0;
out:
	if (c != NULL)
		db_read_end(env->db, c);
	if (rc != 0)
		memset(pg, 0, sizeof(*pg));
	return rc;
}

int
msg_thread_view(const struct msg_env *env, int64_t thread_id,
    int64_t viewer_id, const struct audit_event *ev, struct arena *a,
    struct msg_thread *th, struct msg_message **out, size_t *n, bool *more)
{
	struct msg_page pg;
	int rc;

	rc = msg_thread_page(env, thread_id, viewer_id, 0, ev, a, th, &pg);
	*out = pg.msgs;
	*n = pg.n;
	*more = pg.more;
	return rc;
}

/* The id that sql (one '?') finds for id, on a read connection of its
 * own; ERR_NOTFOUND when none. */
static int
read_id(const struct msg_env *env, const char *sql, int64_t id, int64_t *out)
{
	struct db_conn *c;
	int rc;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	rc = db_query_i64(c, sql, out, 1, &id);
	db_read_end(env->db, c);
	return rc;
}

int
msg_message_thread(const struct msg_env *env, int64_t message_id,
    int64_t *thread_id)
{
	return read_id(env, "SELECT thread_id FROM messages WHERE id = ?",
	    message_id, thread_id);
}

int
msg_text(const struct msg_env *env, int64_t message_id, int64_t viewer_id,
    const struct audit_event *ev, struct arena *a, struct str *text,
    int64_t *shown_id)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct str box = { NULL, 0 };
	struct msg_head h;
	int64_t thread_id = 0, shown = message_id;
	const char *p;
	size_t len;
	bool client;
	int rc;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_query_i64(c, "SELECT thread_id FROM messages WHERE id = ?",
	    &thread_id, 1, &message_id)) != 0 ||
	    (rc = msg_thread_head(c, thread_id, &h)) != 0 ||
	    (rc = msg_part_of(c, h.traj_id, viewer_id, &client)) != 0)
		goto out;
	/* The newest correction's text is the message's current text. */
	if ((rc = db_prepare(c, "SELECT id, body_box FROM messages "
	    "WHERE id = ? OR (corrects = ? AND kind = 'correction') "
	    "ORDER BY id DESC LIMIT 1", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, message_id);
	db_bind_i64(st, 2, message_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		shown = db_col_i64(st, 0);
		box = db_col_copy(st, 1, a);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	if (rc != 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;
	if ((rc = msg_log_read(env, ev, "message", NULL, &h, shown)) != 0)
		goto out;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = keyring_open_str(env->kr, c, h.org_id, box, a, &p, &len)) != 0)
		goto out;
	*text = (struct str){ p, len };
	if (shown_id)
		*shown_id = shown;
out:
	if (c != NULL)
		db_read_end(env->db, c);
	return rc;
}

int
msg_attachment_get(const struct msg_env *env, int64_t attachment_id,
    int64_t viewer_id, const struct audit_event *ev, struct arena *a,
    struct msg_attachment *meta, struct buf *data)
{
	struct buf box = BUF_INIT;
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct str name_box = { NULL, 0 };
	struct msg_head h;
	int64_t thread_id = 0;
	bool client;
	int rc;

	memset(meta, 0, sizeof(*meta));
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT a.message_id, a.name_box, "
	    "a.content_type, a.size, a.data_box, m.thread_id "
	    "FROM attachments a JOIN messages m ON m.id = a.message_id "
	    "WHERE a.id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, attachment_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		meta->id = attachment_id;
		meta->message_id = db_col_i64(st, 0);
		name_box = db_col_copy(st, 1, a);
		meta->type = arena_strz(a, db_col_text(st, 2));
		meta->size = db_col_i64(st, 3);
		buf_addstr(&box, db_col_blob(st, 4));
		thread_id = db_col_i64(st, 5);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	if (rc != 0)
		goto out;
	if (!msg_type_allowed(meta->type))
		meta->type = "application/octet-stream";
	if ((rc = msg_thread_head(c, thread_id, &h)) != 0 ||
	    (rc = msg_part_of(c, h.traj_id, viewer_id, &client)) != 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;
	if ((rc = msg_log_read(env, ev, "attachment", "download", &h,
	    attachment_id)) != 0)
		goto out;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = keyring_open_str(env->kr, c, h.org_id, name_box, a, &meta->name,
	    NULL)) != 0 ||
	    (rc = keyring_open(env->kr, c, h.org_id, box.p, box.len,
	    data)) != 0)
		goto out;
out:
	if (c != NULL)
		db_read_end(env->db, c);
	buf_release(&box);
	return rc;
}
