/*
 * message.c - threads and messages: post, correct, list, view with read
 * state, drafts, attachments, the assistant's context and the export.
 *
 * Owns the tables threads, messages, attachments, message_reads, drafts
 * and notifications' inserts (011_message.sql); search_keys and the
 * filter in messages.search_bloom belong to search.c (the post job only
 * writes the filter search.c made).  The queue module reads messages'
 * deadline_at / replied_at / new_deadline / kind / author_role and writes
 * notices; the mail sender reads notifications.
 *
 * Sealing happens before a write job, on a read connection, so the single
 * writer spends its time on inserts and not on encrypting attachments; the
 * job itself checks again what may have changed meanwhile (the trajectory
 * closing, the author leaving it).  Opening happens after the read is
 * logged.  A statement is always finished (db_done) before the keyring is
 * asked to open anything on the same connection.
 *
 * Written words stay: nothing here updates or deletes a message's text;
 * the only UPDATEs of messages set replied_at / reply_id.
 */
#include "message/message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/text.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "keys/keyring.h"
#include "message/markdown.h"
#include "message/msg_int.h"
#include "message/search.h"
#include "promise/promise.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

static const char *const kind_names[] = {
	[MSG_MESSAGE] = "message",
	[MSG_NOTICE] = "notice",
	[MSG_CORRECTION] = "correction",
};

const char *
msg_kind_name(enum msg_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ?
	    kind_names[k] : "?";
}

static enum msg_kind
kind_parse(struct str s)
{
	if (str_eqc(s, "notice"))
		return MSG_NOTICE;
	if (str_eqc(s, "correction"))
		return MSG_CORRECTION;
	return MSG_MESSAGE;
}

static int64_t
now_or(time_t now)
{
	return now ? (int64_t)now : (int64_t)time(NULL);
}

static int64_t
col_or_zero(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? 0 : db_col_i64(st, col);
}

/* --- shared with search.c (msg_int.h) ------------------------------------- */

struct str
msg_col_copy(struct db_stmt *st, int col, struct arena *a)
{
	struct str s = db_col_blob(st, col);

	if (s.p == NULL || s.len == 0)
		return (struct str){ "", 0 };
	return (struct str){ arena_strndup(a, s.p, s.len), s.len };
}

int
msg_open_box(struct keyring *kr, struct db_conn *c, int64_t org_id,
    struct str box, struct arena *a, const char **out, size_t *len)
{
	struct buf plain = BUF_INIT;
	int rc;

	if ((rc = keyring_open(kr, c, org_id, box.p, box.len, &plain)) == 0) {
		*out = arena_strndup(a, plain.p, plain.len);
		if (len)
			*len = plain.len;
	}
	buf_wipe(&plain);
	return rc;
}

const char *
msg_excerpt(struct str text, size_t at, size_t max, struct arena *a)
{
	size_t start, end, i;
	struct buf b = BUF_INIT;
	const char *out;

	if (at > text.len)
		at = text.len;
	start = at > max / 4 ? at - max / 4 : 0;
	/* Back to a character boundary, then forward to a word start. */
	while (start > 0 && (text.p[start] & 0xc0) == 0x80)
		start--;
	if (start > 0) {
		for (i = start; i < at; i++)
			if (text.p[i] == ' ' || text.p[i] == '\n') {
				start = i + 1;
				break;
			}
	}
	end = start + max < text.len ? start + max : text.len;
	while (end < text.len && end > start && (text.p[end] & 0xc0) == 0x80)
		end--;
	if (end < text.len) {
		for (i = end; i > start + max / 2; i--)
			if (text.p[i] == ' ' || text.p[i] == '\n') {
				end = i;
				break;
			}
	}
	if (start > 0)
		buf_adds(&b, "\xe2\x80\xa6 ");
	for (i = start; i < end; i++)
		buf_addch(&b, text.p[i] == '\n' || text.p[i] == '\r' ||
		    text.p[i] == '\t' ? ' ' : text.p[i]);
	if (end < text.len)
		buf_adds(&b, " \xe2\x80\xa6");
	out = arena_strndup(a, b.p, b.len);
	buf_release(&b);
	return out;
}

/* --- input checks --------------------------------------------------------- */

/* White space collapsed to single spaces, trimmed: a quote selected in a
 * browser and the text as typed differ in line breaks and spacing only. */
static void
squeeze(struct str s, struct buf *out)
{
	bool space = false;
	size_t i;

	for (i = 0; i < s.len; i++) {
		char ch = s.p[i];

		if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t' ||
		    ch == '\f' || ch == '\v') {
			space = out->len > 0;
			continue;
		}
		if (space)
			buf_addch(out, ' ');
		space = false;
		buf_addch(out, ch);
	}
}

/* Does the passage occur in the message's text, as typed (Markdown) or as
 * a reader sees it (rendered, without markup)? */
static bool
quote_occurs(struct str quote, struct str text)
{
	struct buf q = BUF_INIT, t = BUF_INIT, plain = BUF_INIT;
	bool found;

	squeeze(quote, &q);
	squeeze(text, &t);
	found = q.len > 0 && memmem(t.p, t.len, q.p, q.len) != NULL;
	if (!found && q.len > 0) {
		markdown_plaintext(text, &plain);
		buf_reset(&t);
		squeeze(buf_str(&plain), &t);
		found = memmem(t.p, t.len, q.p, q.len) != NULL;
	}
	buf_wipe(&q);
	buf_wipe(&t);
	buf_wipe(&plain);
	return found;
}

/* --- heads: a thread, its trajectory, the caller's part in it ------------- */

struct head {
	int64_t thread_id;
	int64_t traj_id;
	int64_t org_id;
	int64_t client_id;
	bool closed;
	bool share_reads;
};

static int
head_row(struct db_stmt *st, struct head *h)
{
	int rc = db_step(st);

	if (rc == DB_ROW) {
		h->traj_id = db_col_i64(st, 0);
		h->org_id = db_col_i64(st, 1);
		h->client_id = db_col_i64(st, 2);
		h->closed = str_eqc(db_col_text(st, 3), "closed");
		h->share_reads = db_col_i64(st, 4) != 0;
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	return rc;
}

static int
thread_head(struct db_conn *c, int64_t thread_id, struct head *h)
{
	struct db_stmt *st;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = db_prepare(c, "SELECT t.trajectory_id, tr.org_id, "
	    "tr.client_id, tr.phase, tr.share_reads FROM threads t "
	    "JOIN trajectories tr ON tr.id = t.trajectory_id WHERE t.id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, thread_id);
	h->thread_id = thread_id;
	return head_row(st, h);
}

static int
traj_head(struct db_conn *c, int64_t traj_id, struct head *h)
{
	struct db_stmt *st;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = db_prepare(c, "SELECT id, org_id, client_id, phase, "
	    "share_reads FROM trajectories WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	return head_row(st, h);
}

/* Does user_id take part in the trajectory, and as its client?
 * ERR_FORBIDDEN when not at all. */
static int
part_of(struct db_conn *c, int64_t traj_id, int64_t user_id, bool *client)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT role FROM trajectory_members "
	    "WHERE trajectory_id = ? AND user_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, user_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*client = str_eqc(db_col_text(st, 0), "client");
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_FORBIDDEN;
	}
	db_done(st);
	return rc;
}

static struct audit_event
event_for(const struct audit_event *tmpl, enum audit_action action,
    const char *kind, const char *detail, const struct head *h,
    int64_t object_id)
{
	return audit_event_from(tmpl, h->org_id, action, kind, detail,
	    h->client_id, object_id);
}

/* One access in a write job of its own: for reads (log first, then show). */
static int
log_read(const struct msg_env *env, const struct audit_event *tmpl,
    const char *kind, const char *detail, const struct head *h,
    int64_t object_id)
{
	struct audit_event ev = event_for(tmpl, AUDIT_READ, kind, detail, h,
	    object_id);

	return audit_record(env->db, &ev);
}

/* --- posting -------------------------------------------------------------- */

struct sealed_att {
	const char *type;
	int64_t size;
	struct buf name_box;
	struct buf data_box;
};

struct post_job {
	struct head h;
	int64_t author_id;
	bool from_client;
	enum msg_kind kind;
	int64_t corrects;
	struct buf subject_box;     /* a new thread when not empty */
	struct buf body_box;
	int64_t quote_of;
	struct buf quote_box;       /* empty: no quote */
	struct sealed_att att[LIMIT_ATTACHMENTS];
	size_t natt;
	struct buf bloom;           /* the words' filter (search.h) */
	int64_t now;
	int64_t deadline;           /* 0: none */
	const struct audit_event *ev;
	int64_t thread_id;          /* out for a new thread */
	int64_t id;                 /* out */
};

static void
post_job_release(struct post_job *j)
{
	size_t i;

	buf_release(&j->subject_box);
	buf_release(&j->body_box);
	buf_release(&j->quote_box);
	buf_release(&j->bloom);
	for (i = 0; i < j->natt; i++) {
		buf_release(&j->att[i].name_box);
		buf_release(&j->att[i].data_box);
	}
}

static int
post_run(struct db_conn *c, void *arg)
{
	struct post_job *j = arg;
	struct audit_event ev;
	struct db_stmt *st;
	struct head h;
	bool client;
	size_t i;
	int64_t aid;
	int rc;

	/* Again on the writer: the trajectory may have closed, the author
	 * may have left it since the request was checked. */
	if ((rc = traj_head(c, j->h.traj_id, &h)) != 0)
		return rc;
	if (h.closed)
		return ERR_FORBIDDEN;
	if ((rc = part_of(c, j->h.traj_id, j->author_id, &client)) != 0)
		return rc;
	if (client != j->from_client)
		return ERR_CONFLICT;

	if (j->kind == MSG_CORRECTION) {
		int64_t nc = 0;

		if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM messages "
		    "WHERE corrects = ?", &nc, 1, &j->corrects)) != 0)
			return rc;
		if (nc >= LIMIT_CORRECTIONS)
			return ERR_TOOMANY;
	}

	if (j->subject_box.len > 0) {
		if ((rc = db_prepare(c, "INSERT INTO threads (trajectory_id, "
		    "subject_box, created_by, created_at, last_message_at) "
		    "VALUES (?, ?, ?, ?, ?) RETURNING id", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->h.traj_id);
		db_bind_blob(st, 2, j->subject_box.p, j->subject_box.len);
		db_bind_i64(st, 3, j->author_id);
		db_bind_i64(st, 4, j->now);
		db_bind_i64(st, 5, j->now);
		if ((rc = db_step_id(st, &j->thread_id)) != 0)
			return rc;
		j->h.thread_id = j->thread_id;
	}

	if ((rc = db_prepare(c, "INSERT INTO messages (thread_id, "
	    "trajectory_id, org_id, author_id, author_role, kind, body_box, "
	    "quote_of, quote_box, corrects, created_at, deadline_at, "
	    "search_bloom) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->h.thread_id);
	db_bind_i64(st, 2, j->h.traj_id);
	db_bind_i64(st, 3, j->h.org_id);
	db_bind_i64(st, 4, j->author_id);
	db_bind_textz(st, 5, j->from_client ? "client" : "professional");
	db_bind_textz(st, 6, msg_kind_name(j->kind));
	db_bind_blob(st, 7, j->body_box.p, j->body_box.len);
	db_bind_id(st, 8, j->quote_of);
	if (j->quote_box.len > 0)
		db_bind_blob(st, 9, j->quote_box.p, j->quote_box.len);
	else
		db_bind_null(st, 9);
	db_bind_id(st, 10, j->corrects);
	db_bind_i64(st, 11, j->now);
	db_bind_id(st, 12, j->deadline);
	db_bind_blob(st, 13, j->bloom.p, j->bloom.len);
	if ((rc = db_step_id(st, &j->id)) != 0)
		return rc;

	for (i = 0; i < j->natt; i++) {
		const struct sealed_att *s = &j->att[i];

		if ((rc = db_prepare(c, "INSERT INTO attachments (message_id, "
		    "name_box, content_type, size, data_box, created_at) "
		    "VALUES (?, ?, ?, ?, ?, ?) RETURNING id", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->id);
		db_bind_blob(st, 2, s->name_box.p, s->name_box.len);
		db_bind_textz(st, 3, s->type);
		db_bind_i64(st, 4, s->size);
		db_bind_blob(st, 5, s->data_box.p, s->data_box.len);
		db_bind_i64(st, 6, j->now);
		if ((rc = db_step_id(st, &aid)) != 0)
			return rc;
	}

	/* Everyone else in the trajectory hears that there is something
	 * new (the mail says no more than that). */
	if ((rc = db_prepare(c, "INSERT INTO notifications (user_id, "
	    "trajectory_id, created_at) SELECT user_id, trajectory_id, "
	    "CAST(? AS BIGINT) "
	    "FROM trajectory_members WHERE trajectory_id = ? AND user_id <> ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now);
	db_bind_i64(st, 2, j->h.traj_id);
	db_bind_i64(st, 3, j->author_id);
	if ((rc = db_run(st)) != 0)
		return rc;

	if ((rc = db_prepare(c, "UPDATE threads SET last_message_at = ? "
	    "WHERE id = ? AND last_message_at < ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->now);
	db_bind_i64(st, 2, j->h.thread_id);
	db_bind_i64(st, 3, j->now);
	if ((rc = db_run(st)) != 0)
		return rc;

	if (!j->from_client && j->kind == MSG_MESSAGE) {
		/* Through messages_waiting (the trajectory's waiting
		 * messages, a handful) rather than every message of the
		 * thread: the unary + keeps SQLite from picking
		 * messages_thread. */
		if ((rc = db_prepare(c, "UPDATE messages SET replied_at = ?, "
		    "reply_id = ? WHERE trajectory_id = ? AND "
		    "+thread_id = ? AND author_role = 'client' AND "
		    "deadline_at IS NOT NULL AND replied_at IS NULL AND "
		    "id < ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->now);
		db_bind_i64(st, 2, j->id);
		db_bind_i64(st, 3, j->h.traj_id);
		db_bind_i64(st, 4, j->h.thread_id);
		db_bind_i64(st, 5, j->id);
		if ((rc = db_run(st)) != 0)
			return rc;
	}

	/* The draft it was is gone (one's own message is read without
	 * a row, see MSG_COLUMNS). */
	if ((rc = db_prepare(c, "DELETE FROM drafts WHERE thread_id = ? "
	    "AND user_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->h.thread_id);
	db_bind_i64(st, 2, j->author_id);
	if ((rc = db_run(st)) != 0)
		return rc;

	if (j->subject_box.len > 0) {
		ev = event_for(j->ev, AUDIT_CREATE, "thread", NULL, &h,
		    j->h.thread_id);
		if ((rc = audit_append(c, &ev)) != 0)
			return rc;
	}
	ev = event_for(j->ev, AUDIT_CREATE, "message",
	    j->kind == MSG_CORRECTION ? "correction" : NULL, &h, j->id);
	return audit_append(c, &ev);
}

/* Seal p[0..len) into out on c. */
static int
seal(const struct msg_env *env, struct db_conn *c, int64_t org_id,
    const void *p, size_t len, struct buf *out)
{
	return keyring_seal(env->kr, c, org_id, p, len, out);
}

/* The reply deadline of a client's message sent at now: the promise's
 * working time in its zone.  0 (and a log line) when the promise cannot
 * give one: the message itself must not be lost over it. */
static int64_t
reply_deadline(const struct msg_env *env, int64_t traj_id, int64_t now)
{
	struct promise *p;
	struct arena a;
	time_t due = 0;
	int rc;

	arena_init(&a);
	p = ARENA_NEW(&a, struct promise);
	rc = traj_promise(env->db, env->tzc, traj_id, &a, p);
	if (rc == 0)
		rc = promise_deadline(p, (time_t)now, &due);
	if (rc != 0) {
		log_warn("message_deadline", "trajectory=%lld err=%s",
		    (long long)traj_id, err_name(rc));
		due = 0;
	}
	arena_release(&a);
	return (int64_t)due;
}

/*
 * Everything a post, a new thread and a correction share: check the
 * input, read the thread's head, seal, make the words' filter, compute
 * the deadline, then one write job.  thread_id 0 with a subject: a new
 * thread in traj_id.
 */
static int
post_common(const struct msg_env *env, int64_t traj_id, int64_t thread_id,
    struct str subject, const struct msg_post *in, enum msg_kind kind,
    int64_t corrects, const struct audit_event *ev, int64_t *new_thread,
    int64_t *id)
{
	struct post_job *j = xcalloc(1, sizeof(*j));
	unsigned char key[SEARCH_KEY_BYTES];
	struct buf words = BUF_INIT;
	struct db_conn *c = NULL;
	struct str body, quote = { NULL, 0 }, subj = { NULL, 0 };
	struct arena a;
	const char *types[LIMIT_ATTACHMENTS];
	const char *names[LIMIT_ATTACHMENTS];
	struct str name_strs[LIMIT_ATTACHMENTS];
	struct db_stmt *st;
	size_t i;
	bool client;
	int rc;

	arena_init(&a);
	*id = 0;
	buf_init(&j->subject_box);
	buf_init(&j->body_box);
	buf_init(&j->quote_box);
	buf_init(&j->bloom);
	for (i = 0; i < LIMIT_ATTACHMENTS; i++) {
		buf_init(&j->att[i].name_box);
		buf_init(&j->att[i].data_box);
	}
	if (in == NULL || ev == NULL || in->author_id <= 0) {
		rc = ERR_INVAL;
		goto out;
	}
	if ((rc = text_field(in->body, LIMIT_MESSAGE, true, &body)) != 0)
		goto out;
	if (thread_id == 0 &&
	    (rc = text_field(subject, LIMIT_THREAD_SUBJECT, false, &subj)) != 0)
		goto out;
	if (in->nuploads > LIMIT_ATTACHMENTS) {
		rc = ERR_TOOMANY;
		goto out;
	}
	for (i = 0; i < in->nuploads; i++) {
		if ((rc = msg_upload_check(&in->uploads[i], &types[i])) != 0)
			goto out;
		names[i] = msg_clean_name(in->uploads[i].name, &a);
	}
	if (in->quote_of > 0) {
		rc = text_field(in->quote, LIMIT_QUOTE, true, &quote);
		if (rc != 0)
			goto out;
	} else if (in->quote.len > 0 && str_trim(in->quote).len > 0) {
		rc = ERR_INVAL;     /* a passage without its source */
		goto out;
	}

	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if (thread_id != 0)
		rc = thread_head(c, thread_id, &j->h);
	else
		rc = traj_head(c, traj_id, &j->h);
	if (rc != 0)
		goto out;
	j->h.traj_id = thread_id ? j->h.traj_id : traj_id;
	if (j->h.closed) {
		rc = ERR_FORBIDDEN;
		goto out;
	}
	if ((rc = part_of(c, j->h.traj_id, in->author_id, &client)) != 0)
		goto out;

	/* The quoted passage must be in the quoted message (same thread). */
	if (in->quote_of > 0) {
		const char *txt;
		size_t tlen;
		struct str box = { NULL, 0 };

		if (thread_id == 0) {
			rc = ERR_INVAL;
			goto out;
		}
		if ((rc = db_prepare(c, "SELECT thread_id, body_box FROM "
		    "messages WHERE id = ?", &st)) != 0)
			goto out;
		db_bind_i64(st, 1, in->quote_of);
		rc = db_step(st);
		if (rc == DB_ROW) {
			rc = db_col_i64(st, 0) == thread_id ? 0 : ERR_INVAL;
			box = msg_col_copy(st, 1, &a);
		} else if (rc == DB_DONE) {
			rc = ERR_INVAL;
		}
		db_done(st);
		if (rc != 0)
			goto out;
		if ((rc = msg_open_box(env->kr, c, j->h.org_id, box, &a, &txt,
		    &tlen)) != 0)
			goto out;
		rc = quote_occurs(quote, (struct str){ txt, tlen }) ? 0 :
		    ERR_INVAL;
		explicit_bzero((char *)txt, tlen);
		if (rc != 0)
			goto out;
		if ((rc = seal(env, c, j->h.org_id, quote.p, quote.len,
		    &j->quote_box)) != 0)
			goto out;
		j->quote_of = in->quote_of;
	}

	if (subj.len > 0 && (rc = seal(env, c, j->h.org_id, subj.p, subj.len,
	    &j->subject_box)) != 0)
		goto out;
	if ((rc = seal(env, c, j->h.org_id, body.p, body.len,
	    &j->body_box)) != 0)
		goto out;
	for (i = 0; i < in->nuploads; i++) {
		struct sealed_att *s = &j->att[i];

		s->type = types[i];
		s->size = (int64_t)in->uploads[i].len;
		if ((rc = seal(env, c, j->h.org_id, names[i], strlen(names[i]),
		    &s->name_box)) != 0 ||
		    (rc = seal(env, c, j->h.org_id, in->uploads[i].data,
		    in->uploads[i].len, &s->data_box)) != 0)
			goto out;
		j->natt = i + 1;
	}
	db_read_end(env->db, c);
	c = NULL;

	/* The words one can find it by: the text as read, the subject of a
	 * new thread, the attachments' names. */
	if ((rc = search_key_ensure(env->db, env->kr, j->h.org_id, key)) != 0)
		goto out;
	for (i = 0; i < in->nuploads; i++)
		name_strs[i] = str_c(names[i]);
	(void)search_message_text(body, subj, name_strs, in->nuploads, &words);
	(void)search_bloom(key, buf_str(&words), &j->bloom);
	crypto_wipe(key, sizeof(key));

	j->author_id = in->author_id;
	j->from_client = client;
	j->kind = kind;
	j->corrects = corrects;
	j->now = now_or(in->now);
	j->ev = ev;
	if (client && kind == MSG_MESSAGE)
		j->deadline = reply_deadline(env, j->h.traj_id, j->now);
	if ((rc = db_write(env->db, post_run, j)) != 0)
		goto out;
	*id = j->id;
	if (new_thread)
		*new_thread = j->h.thread_id;
out:
	if (c != NULL)
		db_read_end(env->db, c);
	post_job_release(j);
	free(j);
	buf_wipe(&words);
	arena_release(&a);
	return rc;
}

int
msg_thread_create(const struct msg_env *env, int64_t traj_id,
    struct str subject, const struct msg_post *first,
    const struct audit_event *ev, int64_t *thread_id, int64_t *message_id)
{
	*thread_id = 0;
	*message_id = 0;
	if (traj_id <= 0 || subject.p == NULL)
		return ERR_INVAL;
	if (first && first->quote_of > 0)
		return ERR_INVAL;
	return post_common(env, traj_id, 0, subject, first, MSG_MESSAGE, 0, ev,
	    thread_id, message_id);
}

int
msg_post(const struct msg_env *env, int64_t thread_id,
    const struct msg_post *in, const struct audit_event *ev, int64_t *id)
{
	*id = 0;
	if (thread_id <= 0)
		return ERR_INVAL;
	return post_common(env, 0, thread_id, STR_NULL, in, MSG_MESSAGE, 0, ev,
	    NULL, id);
}

int
msg_correct(const struct msg_env *env, int64_t message_id,
    int64_t author_id, struct str body, time_t now,
    const struct audit_event *ev, int64_t *id)
{
	struct msg_post in;
	struct db_conn *c;
	struct db_stmt *st;
	int64_t thread_id = 0, root = message_id, author = 0, corrects = 0;
	enum msg_kind kind = MSG_MESSAGE;
	int rc, hop;

	*id = 0;
	if (message_id <= 0 || author_id <= 0)
		return ERR_INVAL;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	/* A correction of a correction corrects the first message. */
	for (hop = 0; hop < 2; hop++) {
		if ((rc = db_prepare(c, "SELECT thread_id, author_id, kind, "
		    "corrects FROM messages WHERE id = ?", &st)) != 0)
			break;
		db_bind_i64(st, 1, root);
		rc = db_step(st);
		if (rc == DB_ROW) {
			thread_id = db_col_i64(st, 0);
			author = col_or_zero(st, 1);
			kind = kind_parse(db_col_text(st, 2));
			corrects = col_or_zero(st, 3);
			rc = 0;
		} else if (rc == DB_DONE) {
			rc = ERR_NOTFOUND;
		}
		db_done(st);
		if (rc != 0 || kind != MSG_CORRECTION || corrects == 0)
			break;
		root = corrects;
	}
	db_read_end(env->db, c);
	if (rc != 0)
		return rc;
	if (kind != MSG_MESSAGE || author != author_id)
		return ERR_FORBIDDEN;
	memset(&in, 0, sizeof(in));
	in.author_id = author_id;
	in.body = body;
	in.now = now;
	return post_common(env, 0, thread_id, STR_NULL, &in, MSG_CORRECTION,
	    root, ev, NULL, id);
}

/* --- reading -------------------------------------------------------------- */

/* The columns of a message row, then the viewer's and the client's read
 * times; one row per message.  One's own message is read when written,
 * without a message_reads row: that row cost every post an insert into
 * two indexes on the single writer.  Binds: viewer, viewer, client. */
#define MSG_COLUMNS \
	"SELECT m.id, m.thread_id, m.author_id, u.name, m.author_role, " \
	"m.kind, m.body_box, m.quote_of, m.quote_box, m.corrects, " \
	"m.new_deadline, m.created_at, m.deadline_at, m.replied_at, " \
	"CASE WHEN m.author_id = ? THEN m.created_at ELSE " \
	"(SELECT r.read_at FROM message_reads r WHERE r.message_id = m.id " \
	"AND r.user_id = ?) END, " \
	"(SELECT r.read_at FROM message_reads r WHERE r.message_id = m.id " \
	"AND r.user_id = ?) " \
	"FROM messages m LEFT JOIN users u ON u.id = m.author_id "

struct row {
	struct msg_message m;
	struct str body_box;
	struct str quote_box;
	bool viewer_read;
};

static void
row_read(struct db_stmt *st, struct arena *a, struct row *r)
{
	memset(r, 0, sizeof(*r));
	r->m.id = db_col_i64(st, 0);
	r->m.thread_id = db_col_i64(st, 1);
	r->m.author_id = col_or_zero(st, 2);
	r->m.author_name = arena_strz(a, db_col_text(st, 3));
	r->m.from_client = str_eqc(db_col_text(st, 4), "client");
	r->m.kind = kind_parse(db_col_text(st, 5));
	r->body_box = msg_col_copy(st, 6, a);
	r->m.quote_of = col_or_zero(st, 7);
	if (!db_col_null(st, 8))
		r->quote_box = msg_col_copy(st, 8, a);
	r->m.corrects = col_or_zero(st, 9);
	r->m.new_deadline = col_or_zero(st, 10);
	r->m.created_at = db_col_i64(st, 11);
	r->m.deadline_at = col_or_zero(st, 12);
	r->m.replied_at = col_or_zero(st, 13);
	r->viewer_read = !db_col_null(st, 14);
	r->m.unread = !r->viewer_read;
	r->m.client_read_at = col_or_zero(st, 15);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->m.id < y->m.id ? -1 : x->m.id > y->m.id;
}

static struct row *
row_find(struct row *rows, size_t n, int64_t id)
{
	struct row key;

	key.m.id = id;
	return bsearch(&key, rows, n, sizeof(*rows), row_cmp);
}

struct att_row {
	struct msg_attachment att;
	struct str name_box;
};

/* Attachments of the loaded messages (by one of two queries), hung on
 * their rows (sorted by id). */
static int
load_attachments(struct db_stmt *st, struct arena *a, struct row *rows,
    size_t n, struct att_row **out, size_t *nout)
{
	struct att_row *ar = NULL;
	size_t cap = 0, na = 0, i;
	struct row *r;
	int rc;

	while ((rc = db_step(st)) == DB_ROW) {
		if (row_find(rows, n, db_col_i64(st, 1)) == NULL)
			continue;
		if (na == cap) {
			struct att_row *bigger;

			cap = cap ? st_mul(cap, 2) : 16;
			bigger = arena_calloc(a, cap, sizeof(*bigger));
			if (na)
				memcpy(bigger, ar, na * sizeof(*ar));
			ar = bigger;
		}
		ar[na].att.id = db_col_i64(st, 0);
		ar[na].att.message_id = db_col_i64(st, 1);
		ar[na].name_box = msg_col_copy(st, 2, a);
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
static int
open_rows(const struct msg_env *env, struct db_conn *c, int64_t org_id,
    struct row *rows, size_t n, struct att_row *ar, size_t na,
    struct arena *a)
{
	size_t i, j;
	struct row *r;
	int rc;

	for (i = 0; i < n; i++) {
		r = &rows[i];
		if ((rc = msg_open_box(env->kr, c, org_id, r->body_box, a,
		    &r->m.body, &r->m.body_len)) != 0)
			return rc;
		if (r->quote_box.len > 0 && (rc = msg_open_box(env->kr, c,
		    org_id, r->quote_box, a, &r->m.quote, NULL)) != 0)
			return rc;
	}
	for (i = 0; i < na; i++) {
		const char *name;

		if ((rc = msg_open_box(env->kr, c, org_id, ar[i].name_box, a,
		    &name, NULL)) != 0)
			return rc;
		r = row_find(rows, n, ar[i].att.message_id);
		for (j = 0; j < r->m.natt; j++)
			if (r->m.att[j].id == ar[i].att.id)
				r->m.att[j].name = name;
	}
	return 0;
}

/* Thread list and head columns: counts for a viewer (own messages are
 * read, see MSG_COLUMNS).  Binds: viewer, viewer. */
#define THREAD_COLUMNS \
	"SELECT t.id, t.trajectory_id, t.subject_box, t.created_by, " \
	"t.created_at, t.last_message_at, " \
	"(SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id), " \
	"(SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id AND " \
	"COALESCE(m.author_id, 0) <> ? AND " \
	"NOT EXISTS (SELECT 1 FROM message_reads r WHERE " \
	"r.message_id = m.id AND r.user_id = ?)), " \
	"(SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id AND " \
	"m.author_role = 'client' AND m.deadline_at IS NOT NULL AND " \
	"m.replied_at IS NULL), " \
	"(SELECT MIN(m.deadline_at) FROM messages m WHERE " \
	"m.thread_id = t.id AND m.author_role = 'client' AND " \
	"m.deadline_at IS NOT NULL AND m.replied_at IS NULL) " \
	"FROM threads t "

static void
thread_row(struct db_stmt *st, const struct head *h, bool viewer_client,
    struct arena *a, struct msg_thread *th, struct str *box)
{
	memset(th, 0, sizeof(*th));
	th->id = db_col_i64(st, 0);
	th->traj_id = db_col_i64(st, 1);
	if (box)
		*box = msg_col_copy(st, 2, a);
	th->created_by = col_or_zero(st, 3);
	th->created_at = db_col_i64(st, 4);
	th->last_message_at = db_col_i64(st, 5);
	th->messages = db_col_i64(st, 6);
	th->unread = db_col_i64(st, 7);
	th->waiting = db_col_i64(st, 8);
	th->next_deadline = col_or_zero(st, 9);
	th->org_id = h->org_id;
	th->client_id = h->client_id;
	th->closed = h->closed;
	th->share_reads = h->share_reads;
	th->viewer_is_client = viewer_client;
}

static int
thread_meta_on(struct db_conn *c, int64_t thread_id, int64_t viewer_id,
    struct arena *a, struct msg_thread *th, struct str *box,
    struct head *hout)
{
	struct db_stmt *st;
	struct head h;
	bool client;
	int rc;

	if ((rc = thread_head(c, thread_id, &h)) != 0)
		return rc;
	if ((rc = part_of(c, h.traj_id, viewer_id, &client)) != 0)
		return rc;
	if ((rc = db_prepare(c, THREAD_COLUMNS "WHERE t.id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, viewer_id);
	db_bind_i64(st, 2, viewer_id);
	db_bind_i64(st, 3, thread_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		thread_row(st, &h, client, a, th, box);
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
	rc = thread_meta_on(c, thread_id, viewer_id, a, th, NULL, NULL);
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
	struct head h;
	size_t k = 0, i;
	bool client;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = traj_head(c, traj_id, &h)) != 0 ||
	    (rc = part_of(c, traj_id, viewer_id, &client)) != 0)
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
		thread_row(st, &h, client, a, &th[k], &boxes[k]);
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
	if ((rc = log_read(env, ev, "thread", "list", &h, traj_id)) != 0)
		goto out;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	for (i = 0; i < k; i++)
		if ((rc = msg_open_box(env->kr, c, h.org_id, boxes[i], a,
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

	/* Log first, before any text is opened (a view marks nothing: a
	 * GET must change nothing; msg_thread_mark_read has no entry). */
	if (j->ev != NULL && (rc = audit_append(c, j->ev)) != 0)
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

int
msg_thread_view(const struct msg_env *env, int64_t thread_id,
    int64_t viewer_id, const struct audit_event *ev, struct arena *a,
    struct msg_thread *th, struct msg_message **out, size_t *n, bool *more)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct row *rows = NULL;
	struct att_row *ar = NULL;
	struct str subject_box = { NULL, 0 };
	struct audit_event lev;
	struct view_job vj;
	struct head h;
	size_t k = 0, na = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	*more = false;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0 ||
	    (rc = thread_meta_on(c, thread_id, viewer_id, a, th, &subject_box,
	    &h)) != 0)
		goto out;
	if ((rc = db_prepare(c, MSG_COLUMNS "WHERE m.thread_id = ? "
	    "ORDER BY m.id DESC LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, viewer_id);
	db_bind_i64(st, 2, viewer_id);
	db_bind_i64(st, 3, h.client_id);
	db_bind_i64(st, 4, thread_id);
	db_bind_i64(st, 5, LIMIT_THREAD_PAGE + 1);
	rows = arena_calloc(a, LIMIT_THREAD_PAGE + 1, sizeof(*rows));
	while ((rc = db_step(st)) == DB_ROW) {
		if (k == LIMIT_THREAD_PAGE) {
			*more = true;
			break;
		}
		row_read(st, a, &rows[k++]);
	}
	db_done(st);
	if (rc < 0)
		goto out;
	qsort(rows, k, sizeof(*rows), row_cmp);
	if ((rc = db_prepare(c, "SELECT a.id, a.message_id, a.name_box, "
	    "a.content_type, a.size FROM attachments a JOIN messages m "
	    "ON m.id = a.message_id WHERE m.thread_id = ? AND m.id >= ? "
	    "ORDER BY a.id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, thread_id);
	db_bind_i64(st, 2, k ? rows[0].m.id : 0);
	if ((rc = load_attachments(st, a, rows, k, &ar, &na)) != 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;

	/* The client's reads are the client's to share. */
	for (i = 0; i < k; i++) {
		if (th->viewer_is_client || !h.share_reads ||
		    rows[i].m.from_client)
			rows[i].m.client_read_at = 0;
	}
	lev = event_for(ev, AUDIT_READ, "message", NULL, &h, thread_id);
	vj.ev = &lev;
	vj.viewer_id = viewer_id;
	vj.now = (int64_t)time(NULL);
	vj.unread = NULL;
	vj.nunread = 0;
	if ((rc = db_write(env->db, view_run, &vj)) != 0)
		goto out;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = msg_open_box(env->kr, c, h.org_id, subject_box, a,
	    &th->subject, NULL)) != 0 ||
	    (rc = open_rows(env, c, h.org_id, rows, k, ar, na, a)) != 0)
		goto out;
	*out = arena_calloc(a, k + 1, sizeof(**out));
	for (i = 0; i < k; i++)
		(*out)[i] = rows[i].m;
	*n = k;
out:
	if (c != NULL)
		db_read_end(env->db, c);
	return rc;
}

int
msg_thread_mark_read(const struct msg_env *env, int64_t thread_id,
    int64_t viewer_id, int64_t upto, time_t now)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct view_job vj = { NULL, viewer_id, now_or(now), NULL, 0 };
	int64_t *ids = NULL;
	struct head h;
	size_t n = 0;
	bool client;
	int rc;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = thread_head(c, thread_id, &h)) != 0 ||
	    (rc = part_of(c, h.traj_id, viewer_id, &client)) != 0)
		goto out;
	/* What the page showed: the newest LIMIT_THREAD_PAGE up to upto. */
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
	db_read_end(env->db, c);
	c = NULL;
	vj.unread = ids;
	vj.nunread = n;
	rc = n ? db_write(env->db, view_run, &vj) : 0;
out:
	if (c != NULL)
		db_read_end(env->db, c);
	free(ids);
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
msg_attachment_message(const struct msg_env *env, int64_t attachment_id,
    int64_t *message_id)
{
	return read_id(env, "SELECT message_id FROM attachments WHERE id = ?",
	    attachment_id, message_id);
}

int
msg_text(const struct msg_env *env, int64_t message_id, int64_t viewer_id,
    const struct audit_event *ev, struct arena *a, struct str *text,
    int64_t *shown_id)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct str box = { NULL, 0 };
	struct head h;
	int64_t thread_id = 0, shown = message_id;
	const char *p;
	size_t len;
	bool client;
	int rc;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_query_i64(c, "SELECT thread_id FROM messages WHERE id = ?",
	    &thread_id, 1, &message_id)) != 0 ||
	    (rc = thread_head(c, thread_id, &h)) != 0 ||
	    (rc = part_of(c, h.traj_id, viewer_id, &client)) != 0)
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
		box = msg_col_copy(st, 1, a);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
	if (rc != 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;
	if ((rc = log_read(env, ev, "message", NULL, &h, shown)) != 0)
		goto out;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = msg_open_box(env->kr, c, h.org_id, box, a, &p, &len)) != 0)
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
	struct head h;
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
		name_box = msg_col_copy(st, 1, a);
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
	if ((rc = thread_head(c, thread_id, &h)) != 0 ||
	    (rc = part_of(c, h.traj_id, viewer_id, &client)) != 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;
	if ((rc = log_read(env, ev, "attachment", "download", &h,
	    attachment_id)) != 0)
		goto out;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = msg_open_box(env->kr, c, h.org_id, name_box, a, &meta->name,
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

/* --- read state and drafts ------------------------------------------------ */

struct mark_job {
	int64_t message_id;
	int64_t user_id;
	int64_t now;
};

static int
mark_run(struct db_conn *c, void *arg)
{
	struct mark_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO message_reads (message_id, "
	    "user_id, read_at) VALUES (?, ?, ?) ON CONFLICT "
	    "(message_id, user_id) DO NOTHING", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->message_id);
	db_bind_i64(st, 2, j->user_id);
	db_bind_i64(st, 3, j->now);
	return db_run(st);
}

int
msg_mark_read(const struct msg_env *env, int64_t message_id,
    int64_t user_id, time_t now)
{
	struct mark_job j = { message_id, user_id, now_or(now) };
	struct db_conn *c;
	struct head h;
	int64_t thread_id;
	bool client;
	int rc;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_query_i64(c, "SELECT thread_id FROM messages WHERE id = ?",
	    &thread_id, 1, &message_id)) == 0 &&
	    (rc = thread_head(c, thread_id, &h)) == 0)
		rc = part_of(c, h.traj_id, user_id, &client);
	db_read_end(env->db, c);
	if (rc != 0)
		return rc;
	return db_write(env->db, mark_run, &j);
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
	struct draft_job j = { thread_id, user_id, now_or(now), NULL };
	struct buf box = BUF_INIT;
	struct db_conn *c;
	struct head h;
	bool client;
	int rc;

	if (text.len > LIMIT_MESSAGE)
		return ERR_TOOBIG;
	if (text.p != NULL && !utf8_valid(text.p, text.len))
		return ERR_INVAL;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = thread_head(c, thread_id, &h)) == 0 &&
	    (rc = part_of(c, h.traj_id, user_id, &client)) == 0) {
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
	struct head h;
	const char *p;
	size_t len;
	bool client;
	int rc;

	*out = (struct str){ "", 0 };
	if (updated_at)
		*updated_at = 0;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = thread_head(c, thread_id, &h)) != 0 ||
	    (rc = part_of(c, h.traj_id, user_id, &client)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT body_box, updated_at FROM drafts "
	    "WHERE thread_id = ? AND user_id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, thread_id);
	db_bind_i64(st, 2, user_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		box = msg_col_copy(st, 0, a);
		if (updated_at)
			*updated_at = db_col_i64(st, 1);
	}
	db_done(st);
	if (rc < 0)
		goto out;
	rc = 0;
	if (box.len > 0 && (rc = msg_open_box(env->kr, c, h.org_id, box, a,
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
	struct head h;
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
	if ((rc = thread_head(c, thread_id, &h)) != 0 ||
	    (rc = part_of(c, h.traj_id, viewer_id, &client)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT id, body_box FROM messages "
	    "WHERE thread_id = ? AND author_role = 'client' AND kind IN "
	    "('message', 'correction') ORDER BY id DESC LIMIT 1", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, thread_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		last_id = db_col_i64(st, 0);
		box = msg_col_copy(st, 1, a);
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
		t[k].from_client = str_eqc(db_col_text(st, 1), "client");
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
	if ((rc = log_read(env, ev, "message", "assistant", &h, last_id)) != 0)
		goto out;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = msg_open_box(env->kr, c, h.org_id, box, a, &p, &len)) != 0)
		goto out;
	*client_last = (struct str){ p, len };
out:
	if (c != NULL)
		db_read_end(env->db, c);
	return rc;
}

/* --- export --------------------------------------------------------------- */

int
msg_export(const struct msg_env *env, int64_t traj_id, int64_t viewer_id,
    const struct audit_event *ev, struct arena *a, struct msg_export *out)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct msg_thread *th = NULL;
	struct str *boxes = NULL;
	struct row *rows = NULL;
	struct att_row *ar = NULL;
	struct audit_event eev;
	struct head h;
	size_t nth = 0, k = 0, na = 0, cap = 0, i, t;
	int64_t count = 0;
	bool client;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0 ||
	    (rc = traj_head(c, traj_id, &h)) != 0 ||
	    (rc = part_of(c, traj_id, viewer_id, &client)) != 0)
		goto out;
	if ((rc = db_query_i64(c, "SELECT COUNT(*) FROM messages "
	    "WHERE trajectory_id = ?", &count, 1, &traj_id)) != 0)
		goto out;
	if (count > LIMIT_EXPORT_MESSAGES) {
		rc = ERR_TOOBIG;
		goto out;
	}
	if ((rc = db_prepare(c, THREAD_COLUMNS "WHERE t.trajectory_id = ? "
	    "ORDER BY t.created_at, t.id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, viewer_id);
	db_bind_i64(st, 2, viewer_id);
	db_bind_i64(st, 3, traj_id);
	while ((rc = db_step(st)) == DB_ROW) {
		if (nth == cap) {
			struct msg_thread *bt;
			struct str *bb;

			cap = cap ? st_mul(cap, 2) : 16;
			bt = arena_calloc(a, cap, sizeof(*bt));
			bb = arena_calloc(a, cap, sizeof(*bb));
			if (nth) {
				memcpy(bt, th, nth * sizeof(*th));
				memcpy(bb, boxes, nth * sizeof(*boxes));
			}
			th = bt;
			boxes = bb;
		}
		thread_row(st, &h, client, a, &th[nth], &boxes[nth]);
		nth++;
	}
	db_done(st);
	if (rc < 0)
		goto out;
	if ((rc = db_prepare(c, MSG_COLUMNS "WHERE m.trajectory_id = ? "
	    "ORDER BY m.id", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, viewer_id);
	db_bind_i64(st, 2, viewer_id);
	db_bind_i64(st, 3, h.client_id);
	db_bind_i64(st, 4, traj_id);
	rows = arena_calloc(a, (size_t)count + 1, sizeof(*rows));
	while ((rc = db_step(st)) == DB_ROW && k < (size_t)count)
		row_read(st, a, &rows[k++]);
	db_done(st);
	if (rc < 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT a.id, a.message_id, a.name_box, "
	    "a.content_type, a.size FROM attachments a JOIN messages m "
	    "ON m.id = a.message_id WHERE m.trajectory_id = ? ORDER BY a.id",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	if ((rc = load_attachments(st, a, rows, k, &ar, &na)) != 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;

	eev = event_for(ev, AUDIT_EXECUTE, "trajectory", "export", &h, traj_id);
	if ((rc = audit_record(env->db, &eev)) != 0)
		goto out;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	for (i = 0; i < nth; i++)
		if ((rc = msg_open_box(env->kr, c, h.org_id, boxes[i], a,
		    &th[i].subject, NULL)) != 0)
			goto out;
	if ((rc = open_rows(env, c, h.org_id, rows, k, ar, na, a)) != 0)
		goto out;
	/* Hand each thread its messages, in order (rows are by id). */
	out->threads = arena_calloc(a, nth + 1, sizeof(*out->threads));
	for (t = 0; t < nth; t++) {
		struct msg_export_thread *x = &out->threads[t];

		x->th = th[t];
		x->th.unread = 0;
		for (i = 0; i < k; i++)
			if (rows[i].m.thread_id == th[t].id)
				x->n++;
		x->msgs = arena_calloc(a, x->n + 1, sizeof(*x->msgs));
		x->n = 0;
		for (i = 0; i < k; i++)
			if (rows[i].m.thread_id == th[t].id) {
				if (client || !h.share_reads ||
				    rows[i].m.from_client)
					rows[i].m.client_read_at = 0;
				x->msgs[x->n++] = rows[i].m;
			}
	}
	out->nthreads = nth;
	out->traj_id = traj_id;
	out->client_id = h.client_id;
	out->exported_at = (int64_t)time(NULL);
out:
	if (c != NULL)
		db_read_end(env->db, c);
	return rc;
}

static json_t *
jtime(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[32];

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(s);
}

/* Texts were checked as UTF-8 when they were written; should one not be
 * (a row from elsewhere), it is exported with its bad bytes replaced
 * rather than dropped. */
static json_t *
jtext(const char *s, size_t len)
{
	json_t *v;
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t i = 0, k;

	if (s == NULL)
		return json_null();
	if ((v = json_stringn(s, len)) != NULL)
		return v;
	while (i < len) {
		k = utf8_decode(p + i, len - i, &cp);
		if (k == 0 || cp == 0) {
			buf_adds(&b, "\xef\xbf\xbd");
			i += k ? k : 1;
			continue;
		}
		buf_add(&b, p + i, k);
		i += k;
	}
	v = json_stringn(b.p, b.len);
	buf_wipe(&b);
	return v ? v : json_string("");
}

static json_t *
jid(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

void
msg_export_json(const struct msg_export *x, struct buf *out)
{
	json_t *root = json_object(), *threads = json_array();
	size_t t, i, k;

	json_object_set_new(root, "format",
	    json_string("infuus-conversation-1"));
	json_object_set_new(root, "trajectory", json_integer(x->traj_id));
	json_object_set_new(root, "exported_at", jtime(x->exported_at));
	for (t = 0; t < x->nthreads; t++) {
		const struct msg_export_thread *xt = &x->threads[t];
		json_t *jt = json_object(), *msgs = json_array();

		json_object_set_new(jt, "id", json_integer(xt->th.id));
		json_object_set_new(jt, "subject", jtext(xt->th.subject,
		    xt->th.subject ? strlen(xt->th.subject) : 0));
		json_object_set_new(jt, "created_at", jtime(xt->th.created_at));
		for (i = 0; i < xt->n; i++) {
			const struct msg_message *m = &xt->msgs[i];
			json_t *jm = json_object(), *atts = json_array();

			json_object_set_new(jm, "id", json_integer(m->id));
			json_object_set_new(jm, "kind",
			    json_string(msg_kind_name(m->kind)));
			json_object_set_new(jm, "author", jtext(m->author_name,
			    strlen(m->author_name)));
			json_object_set_new(jm, "author_role",
			    json_string(m->from_client ? "client" :
			    "professional"));
			json_object_set_new(jm, "created_at",
			    jtime(m->created_at));
			json_object_set_new(jm, "body", jtext(m->body,
			    m->body_len));
			json_object_set_new(jm, "quote_of", jid(m->quote_of));
			json_object_set_new(jm, "quote", m->quote ?
			    jtext(m->quote, strlen(m->quote)) : json_null());
			json_object_set_new(jm, "corrects", jid(m->corrects));
			if (m->kind == MSG_NOTICE)
				json_object_set_new(jm, "new_deadline",
				    jtime(m->new_deadline));
			if (m->from_client && m->kind == MSG_MESSAGE) {
				json_object_set_new(jm, "reply_due",
				    jtime(m->deadline_at));
				json_object_set_new(jm, "replied_at",
				    jtime(m->replied_at));
			}
			for (k = 0; k < m->natt; k++) {
				const struct msg_attachment *at = &m->att[k];
				json_t *ja = json_object();
				char url[48];

				snprintf(url, sizeof(url), "/attachments/%lld",
				    (long long)at->id);
				json_object_set_new(ja, "id",
				    json_integer(at->id));
				json_object_set_new(ja, "name",
				    jtext(at->name, at->name ?
				    strlen(at->name) : 0));
				json_object_set_new(ja, "type",
				    json_string(at->type));
				json_object_set_new(ja, "size",
				    json_integer(at->size));
				json_object_set_new(ja, "url",
				    json_string(url));
				json_array_append_new(atts, ja);
			}
			json_object_set_new(jm, "attachments", atts);
			json_array_append_new(msgs, jm);
		}
		json_object_set_new(jt, "messages", msgs);
		json_array_append_new(threads, jt);
	}
	json_object_set_new(root, "threads", threads);
	json_to_buf(root, out);
	json_decref(root);
}
