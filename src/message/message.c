/*
 * message.c - threads and messages: posting and correcting, and the heads
 * (a thread, its trajectory, the caller's part) the other files of
 * src/message read through (msg_int.h).  Reading is msg_view.c, read state
 * and drafts msg_state.c, the export msg_export.c.
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
#include "notify/outbox.h"
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

enum msg_kind
msg_kind_parse(struct str s)
{
	if (str_eqc(s, "notice"))
		return MSG_NOTICE;
	if (str_eqc(s, "correction"))
		return MSG_CORRECTION;
	return MSG_MESSAGE;
}

int64_t
msg_now_or(time_t now)
{
	return now ? (int64_t)now : (int64_t)time(NULL);
}

int64_t
msg_col_or_zero(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? 0 : db_col_i64(st, col);
}

/* --- shared with search.c (msg_int.h) ------------------------------------- */

const char *
msg_author_role(bool from_client)
{
	return role_name(from_client ? ROLE_CLIENT : ROLE_PROFESSIONAL);
}

bool
msg_author_is_client(struct str col)
{
	enum role r;

	return role_parse(col, &r) == 0 && r == ROLE_CLIENT;
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


/* The trajectory's head, from its owner, in the form this file uses. */
int
msg_traj_head(struct db_conn *c, int64_t traj_id, struct msg_head *h)
{
	struct traj_head th;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = traj_head_on(c, traj_id, &th)) != 0)
		return rc;
	h->traj_id = traj_id;
	h->org_id = th.org_id;
	h->client_id = th.client_id;
	h->closed = th.phase == TRAJ_CLOSED;
	h->share_reads = th.share_reads;
	return 0;
}

int
msg_thread_traj_on(struct db_conn *c, int64_t thread_id, int64_t *traj_id)
{
	int64_t args[1] = { thread_id };

	*traj_id = 0;
	return db_query_i64(c, "SELECT trajectory_id FROM threads WHERE id = ?",
	    traj_id, 1, args);
}

int
msg_message_traj_on(struct db_conn *c, int64_t message_id, int64_t *traj_id)
{
	int64_t args[1] = { message_id };

	*traj_id = 0;
	return db_query_i64(c, "SELECT trajectory_id FROM messages "
	    "WHERE id = ?", traj_id, 1, args);
}

int
msg_attachment_traj_on(struct db_conn *c, int64_t attachment_id,
    int64_t *traj_id)
{
	int64_t args[1] = { attachment_id };

	*traj_id = 0;
	return db_query_i64(c, "SELECT m.trajectory_id FROM attachments a "
	    "JOIN messages m ON m.id = a.message_id WHERE a.id = ?", traj_id,
	    1, args);
}

int
msg_thread_head(struct db_conn *c, int64_t thread_id, struct msg_head *h)
{
	int64_t traj_id;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = msg_thread_traj_on(c, thread_id, &traj_id)) != 0 ||
	    (rc = msg_traj_head(c, traj_id, h)) != 0)
		return rc;
	h->thread_id = thread_id;
	return 0;
}

/* Does user_id take part in the trajectory, and as its client?
 * ERR_FORBIDDEN when not at all. */
int
msg_part_of(struct db_conn *c, int64_t traj_id, int64_t user_id, bool *client)
{
	enum role role;
	int rc;

	if ((rc = traj_role_on(c, traj_id, user_id, &role)) != 0)
		return rc;
	if (role == 0)
		return ERR_FORBIDDEN;
	*client = role == ROLE_CLIENT;
	return 0;
}

struct audit_event
msg_event_for(const struct audit_event *tmpl, enum audit_action action,
    const char *kind, const char *detail, const struct msg_head *h,
    int64_t object_id)
{
	return audit_event_from(tmpl, h->org_id, action, kind, detail,
	    h->client_id, object_id);
}

/* One access in a write job of its own: for reads (log first, then show). */
int
msg_log_read(const struct msg_env *env, const struct audit_event *tmpl,
    const char *kind, const char *detail, const struct msg_head *h,
    int64_t object_id)
{
	struct audit_event ev = msg_event_for(tmpl, AUDIT_READ, kind, detail, h,
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
	struct msg_head h;
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
	struct msg_head h;
	bool client;
	size_t i, k, nwho;
	int64_t aid, who[LIMIT_TRAJ_PROFESSIONALS + 1];
	int rc;

	/* Again on the writer: the trajectory may have closed, the author
	 * may have left it since the request was checked. */
	if ((rc = msg_traj_head(c, j->h.traj_id, &h)) != 0)
		return rc;
	if (h.closed)
		return ERR_FORBIDDEN;
	if ((rc = msg_part_of(c, j->h.traj_id, j->author_id, &client)) != 0)
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
	db_bind_textz(st, 5, msg_author_role(j->from_client));
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
	if ((rc = traj_member_ids_on(c, j->h.traj_id, who, LIMIT_TRAJ_PROFESSIONALS + 1,
	    &nwho)) != 0)
		return rc;
	for (i = k = 0; i < nwho; i++)
		if (who[i] != j->author_id)
			who[k++] = who[i];
	if ((rc = outbox_add_on(c, who, k, j->h.traj_id, j->now)) != 0)
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
		ev = msg_event_for(j->ev, AUDIT_CREATE, "thread", NULL, &h,
		    j->h.thread_id);
		if ((rc = audit_append(c, &ev)) != 0)
			return rc;
	}
	ev = msg_event_for(j->ev, AUDIT_CREATE, "message",
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
reply_deadline(const struct msg_env *env, struct db_conn *c, int64_t traj_id,
    int64_t now)
{
	struct promise *p;
	struct arena a;
	time_t due = 0;
	int rc;

	arena_init(&a);
	p = ARENA_NEW(&a, struct promise);
	rc = traj_promise_on(c, env->tzc, traj_id, &a, p);
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

/* A text field's fault as the reason a person reads. */
static int
text_why(enum text_fault f, struct why *why, const char *field,
    const char *missing, const char *too_long, int limit)
{
	switch (f) {
	case TEXT_OK:
		return 0;
	case TEXT_MISSING:
		return why_set(why, ERR_INVAL, field, missing);
	case TEXT_TOO_LONG:
		why_set(why, ERR_TOOBIG, field, too_long);
		if (why)
			why->limit = limit;
		return ERR_TOOBIG;
	case TEXT_BAD_CHAR:
	default:
		return why_set(why, ERR_INVAL, field, N_("This text holds characters that are not allowed (control characters or bytes that are not text)."));
	}
}

/*
 * The checks of what was typed and attached, before anything is read:
 * subject (NULL: none, a post in a thread) and body, attachments (their
 * types in types[], cleaned names in names[]) and the quoted passage.
 * Each refusal names its field and reason in in->why.
 */
static int
check_input(const struct msg_post *in, const struct str *subject,
    struct str *body, struct str *subj, struct str *quote,
    const char **types, const char **names, struct arena *a)
{
	size_t i;
	int rc;

	if (subject != NULL) {
		if (subject->p != NULL && memchr(subject->p, '\n',
		    subject->len) != NULL)
			return why_set(in->why, ERR_INVAL, "subject",
			    N_("The subject must fit on one line."));
		/* Counted in characters, which take 1-4 bytes of UTF-8. */
		rc = text_why(text_check(*subject, 4 * LIMIT_THREAD_SUBJECT,
		    LIMIT_THREAD_SUBJECT, false, subj),
		    in->why, "subject",
		    N_("Please give the conversation a subject."),
		    N_("The subject is longer than %d characters."),
		    LIMIT_THREAD_SUBJECT);
		if (rc != 0)
			return rc;
	}
	rc = text_why(text_check(in->body, LIMIT_MESSAGE, 0, true, body),
	    in->why, "body", N_("Please write a message."),
	    N_("The message is longer than %d KB. Split it over two messages."),
	    LIMIT_MESSAGE / 1024);
	if (rc != 0)
		return rc;
	if (in->nuploads > LIMIT_ATTACHMENTS) {
		why_set(in->why, ERR_TOOMANY, "attachments",
		    N_("You can attach at most %d files to one message."));
		if (in->why)
			in->why->limit = LIMIT_ATTACHMENTS;
		return ERR_TOOMANY;
	}
	for (i = 0; i < in->nuploads; i++) {
		names[i] = msg_clean_name(in->uploads[i].name, a);
		rc = msg_upload_check(&in->uploads[i], &types[i]);
		if (rc == 0) {
			names[i] = msg_name_for_type(names[i], types[i], a);
			continue;
		}
		if (rc == ERR_TOOBIG && in->uploads[i].len == 0)
			why_set(in->why, rc, "attachments",
			    N_("The file \xe2\x80\x9c%s\xe2\x80\x9d is empty."));
		else if (rc == ERR_TOOBIG)
			why_set(in->why, rc, "attachments",
			    N_("The file \xe2\x80\x9c%s\xe2\x80\x9d is larger than %d MB."));
		else
			why_set(in->why, rc, "attachments",
			    N_("The file \xe2\x80\x9c%s\xe2\x80\x9d is not of an accepted type. Accepted are PDF, PNG, JPEG, GIF, plain text, Word (.docx) and OpenDocument text (.odt)."));
		if (in->why) {
			in->why->name = names[i];
			in->why->limit = rc == ERR_TOOBIG &&
			    in->uploads[i].len > 0 ?
			    LIMIT_ATTACHMENT / (1024 * 1024) : 0;
		}
		return rc;
	}
	if (in->quote_of > 0)
		return text_why(text_check(in->quote, LIMIT_QUOTE, 0, true,
		    quote), in->why, "quote", N_("The quote is empty."),
		    N_("The quote is longer than %d bytes: quote a few sentences."),
		    LIMIT_QUOTE);
	if (in->quote.len > 0 && str_trim(in->quote).len > 0)
		return why_set(in->why, ERR_INVAL, "quote",
		    N_("Choose the message the quote comes from."));
	return 0;
}

/* Tell the trajectory's open pages (event.h): ids only, the page fetches
 * the message through its route (which logs the read). */
static void
publish(const struct msg_env *env, const struct post_job *j)
{
	struct traj_member *m;
	struct arena a;
	char data[128];
	size_t n, i;

	if (env->bus == NULL)
		return;
	snprintf(data, sizeof(data), "{\"thread\":%lld,\"id\":%lld,"
	    "\"kind\":\"%s\"}", (long long)j->h.thread_id,
	    (long long)j->id, msg_kind_name(j->kind));
	(void)event_publish(env->bus, EVENT_SCOPE_TRAJ, j->h.traj_id, 0,
	    "message", data);
	/* Each message changes the professionals' reply queues (a client's
	 * waits, a reply or notice answers): their own streams hear it. */
	arena_init(&a);
	if (traj_members(env->db, j->h.traj_id, &a, &m, &n) == 0)
		for (i = 0; i < n; i++)
			if (m[i].professional)
				(void)event_publish(env->bus, EVENT_SCOPE_USER,
				    m[i].user_id, 0, "queue", data);
	arena_release(&a);
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
	if ((rc = check_input(in, thread_id == 0 ? &subject : NULL, &body,
	    &subj, &quote, types, names, &a)) != 0)
		goto out;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if (thread_id != 0)
		rc = msg_thread_head(c, thread_id, &j->h);
	else
		rc = msg_traj_head(c, traj_id, &j->h);
	if (rc != 0)
		goto out;
	j->h.traj_id = thread_id ? j->h.traj_id : traj_id;
	if (j->h.closed) {
		rc = ERR_FORBIDDEN;
		goto out;
	}
	if ((rc = msg_part_of(c, j->h.traj_id, in->author_id, &client)) != 0)
		goto out;

	/* The quoted passage must be in the quoted message (same thread). */
	if (in->quote_of > 0) {
		const char *txt;
		size_t tlen;
		struct str box = { NULL, 0 };

		if (thread_id == 0) {
			rc = why_set(in->why, ERR_INVAL, "quote",
			    N_("A new conversation cannot quote a message."));
			goto out;
		}
		if ((rc = db_prepare(c, "SELECT thread_id, body_box FROM "
		    "messages WHERE id = ?", &st)) != 0)
			goto out;
		db_bind_i64(st, 1, in->quote_of);
		rc = db_step(st);
		if (rc == DB_ROW) {
			rc = db_col_i64(st, 0) == thread_id ? 0 : ERR_INVAL;
			box = db_col_copy(st, 1, &a);
		} else if (rc == DB_DONE) {
			rc = ERR_INVAL;
		}
		db_done(st);
		if (rc == ERR_INVAL)
			why_set(in->why, rc, "quote", N_("The quoted message is not in this conversation."));
		if (rc != 0)
			goto out;
		if ((rc = keyring_open_str(env->kr, c, j->h.org_id, box, &a, &txt,
		    &tlen)) != 0)
			goto out;
		rc = quote_occurs(quote, (struct str){ txt, tlen }) ? 0 :
		    ERR_INVAL;
		explicit_bzero((char *)txt, tlen);
		if (rc != 0) {
			why_set(in->why, rc, "quote", N_("The quoted passage does not occur word for word in that message. Copy it from the message, or empty the quote."));
			goto out;
		}
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
	/* The rest of what the job needs, from the same snapshot: the
	 * search key (made in a job of its own only for an organisation's
	 * very first message) and the reply deadline. */
	j->now = msg_now_or(in->now);
	if (client && kind == MSG_MESSAGE)
		j->deadline = reply_deadline(env, c, j->h.traj_id, j->now);
	rc = search_key_get(env->kr, c, j->h.org_id, key);
	db_read_end(env->db, c);
	c = NULL;
	if (rc == ERR_NOTFOUND)
		rc = search_key_ensure(env->db, env->kr, j->h.org_id, key);
	if (rc != 0)
		goto out;

	/* The words one can find it by: the text as read, the subject of a
	 * new thread, the attachments' names. */
	for (i = 0; i < in->nuploads; i++)
		name_strs[i] = str_c(names[i]);
	(void)search_message_text(body, subj, name_strs, in->nuploads, &words);
	(void)search_bloom(key, buf_str(&words), &j->bloom);
	crypto_wipe(key, sizeof(key));

	j->author_id = in->author_id;
	j->from_client = client;
	j->kind = kind;
	j->corrects = corrects;
	j->ev = ev;
	if ((rc = db_write(env->db, post_run, j)) != 0) {
		if (rc == ERR_TOOMANY && kind == MSG_CORRECTION) {
			why_set(in->why, rc, "body", N_("A message can be corrected at most %d times. Write a new message instead."));
			if (in->why)
				in->why->limit = LIMIT_CORRECTIONS;
		}
		goto out;
	}
	*id = j->id;
	if (new_thread)
		*new_thread = j->h.thread_id;
	publish(env, j);
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
    const struct audit_event *ev, struct why *why, int64_t *id)
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
			author = msg_col_or_zero(st, 1);
			kind = msg_kind_parse(db_col_text(st, 2));
			corrects = msg_col_or_zero(st, 3);
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
	in.why = why;
	return post_common(env, 0, thread_id, STR_NULL, &in, MSG_CORRECTION,
	    root, ev, NULL, id);
}
