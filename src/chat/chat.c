/*
 * chat.c - chat inside a trajectory (chat.h).  Owns chat_sessions,
 * chat_messages, chat_reads, chat_active and chat_presence_off.
 *
 * Posting follows message.c: read the trajectory's head and the author's
 * part in one snapshot, seal the text and make its words' filter there,
 * then one write job that checks again (the trajectory may have closed),
 * inserts, opens a session when none is, counts the minute as active and
 * appends the access-log entry; the event goes out after the commit, so a
 * page that fetches the message finds it.  Author names are read with the
 * messages (users.name, joined as message.c's reads do).
 */
#include "chat/chat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity/activity.h"
#include "audit/audit.h"
#include "core/crypto.h"
#include "core/i18n.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "event/event.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "message/search.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

static const char *const kinds[] = { "text", "call_phone", "call_video" };

const char *
chat_kind_name(enum chat_kind k)
{
	return (size_t)k < sizeof(kinds) / sizeof(kinds[0]) ? kinds[k] : "?";
}

int
chat_kind_parse(const char *s, enum chat_kind *out)
{
	size_t i;

	for (i = 0; s && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(s, kinds[i]) == 0) {
			*out = (enum chat_kind)i;
			return 0;
		}
	return ERR_INVAL;
}

static int64_t
now_or(int64_t now)
{
	return now ? now : (int64_t)time(NULL);
}

int
chat_msg_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id)
{
	return db_query_i64(c, "SELECT trajectory_id FROM chat_messages "
	    "WHERE id = ?", traj_id, 1, &id);
}

/* The trajectory's head and user's part in it: ERR_FORBIDDEN when they
 * take none. */
static int
relation(struct db_conn *c, int64_t traj_id, int64_t user_id,
    struct traj_head *h, enum role *part)
{
	int rc;

	if ((rc = traj_head_on(c, traj_id, h)) != 0)
		return rc;
	if ((rc = traj_role_on(c, traj_id, user_id, part)) != 0)
		return rc;
	return *part == 0 ? ERR_FORBIDDEN : 0;
}

static void publish(const struct chat_env *env, int64_t traj_id,
    const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An event of the trajectory: ids and states, never a text. */
static void
publish(const struct chat_env *env, int64_t traj_id, const char *kind,
    const char *fmt, ...)
{
	char data[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(data, sizeof(data), fmt, ap);
	va_end(ap);
	(void)event_publish(env->bus, EVENT_SCOPE_TRAJ, traj_id, 0, kind,
	    data);
}

/* The open session of traj_id (0: none). */
static int
open_session_on(struct db_conn *c, int64_t traj_id, int64_t *id,
    int64_t *started)
{
	struct db_stmt *st;
	int rc;

	*id = *started = 0;
	if ((rc = db_prepare(c, "SELECT id, started_at FROM chat_sessions "
	    "WHERE trajectory_id = ? AND ended_at IS NULL ORDER BY id DESC "
	    "LIMIT 1", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	if ((rc = db_step(st)) == DB_ROW) {
		*id = db_col_i64(st, 0);
		*started = db_col_i64(st, 1);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

static int
mark_active_on(struct db_conn *c, int64_t session, int64_t user, int64_t now)
{
	struct db_stmt *st;
	int rc;

	if (session == 0)
		return 0;
	if ((rc = db_prepare(c, "INSERT INTO chat_active (session_id, "
	    "user_id, minute) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, session);
	db_bind_i64(st, 2, user);
	db_bind_i64(st, 3, now / 60);
	return db_run(st);
}

/* End session sid of traj_id: its duration for the professional `by`
 * (whose session it was to end) and everyone's active minutes, recorded
 * as activities in this job. */
static int
end_session_on(struct db_conn *c, int64_t org_id, int64_t traj_id,
    int64_t sid, int64_t started, int64_t by, int64_t end)
{
	struct activity a;
	struct db_stmt *st;
	int64_t users[LIMIT_TRAJ_PROFESSIONALS + 2], mins[LIMIT_TRAJ_PROFESSIONALS + 2];
	size_t n = 0, i;
	int64_t id;
	int rc;

	if ((rc = db_prepare(c, "UPDATE chat_sessions SET ended_at = ?, "
	    "ended_by = ? WHERE id = ? AND ended_at IS NULL", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, end);
	db_bind_i64(st, 2, by);
	db_bind_i64(st, 3, sid);
	if ((rc = db_step_one(st, ERR_CONFLICT)) != 0)
		return rc;
	memset(&a, 0, sizeof(a));
	a.org_id = org_id;
	a.traj_id = traj_id;
	a.user_id = by;
	a.kind = "chat";
	a.source_id = sid;
	a.started_at = started;
	a.seconds = end > started ? end - started : 0;
	a.recorded_by = by;
	a.recorded_at = end;
	if ((rc = activity_record_on(c, &a, &id)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT user_id, COUNT(*) FROM chat_active "
	    "WHERE session_id = ? GROUP BY user_id ORDER BY user_id",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, sid);
	while ((rc = db_step(st)) == DB_ROW && n < sizeof(users) /
	    sizeof(users[0])) {
		users[n] = db_col_i64(st, 0);
		mins[n++] = db_col_i64(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		a.user_id = users[i];
		a.kind = "chat_active";
		a.seconds = mins[i] * 60;
		if ((rc = activity_record_on(c, &a, &id)) != 0)
			return rc;
	}
	return 0;
}

/* --- posting --------------------------------------------------------- */

struct post_job {
	int64_t traj_id, author_id, now;
	enum chat_kind kind;
	struct buf box, bloom;
	const struct audit_event *ev;
	int64_t id, session;
	bool session_started;
};

static int
post_run(struct db_conn *c, void *arg)
{
	struct post_job *j = arg;
	struct traj_head h;
	struct audit_event ev;
	struct db_stmt *st;
	enum role part;
	int64_t started, last_at = 0;
	int rc;

	/* Again in the job: the trajectory may have closed, the author
	 * left it, since the snapshot. */
	if ((rc = relation(c, j->traj_id, j->author_id, &h, &part)) != 0)
		return rc;
	if (h.phase == TRAJ_CLOSED)
		return ERR_FORBIDDEN;
	if ((rc = open_session_on(c, j->traj_id, &j->session, &started)) != 0)
		return rc;
	if (j->session != 0) {
		int64_t k[2] = { j->traj_id, j->session };

		/* A session nobody ended ends at its last word, once it has
		 * been idle past LIMIT_CHAT_IDLE.  The last word is the
		 * newest row through the trajectory's index: session_id has
		 * none, and a MAX over it scanned every chat message of the
		 * node in the writer, each post a little slower than the
		 * one before (40-live.sh, 1,000 a second). */
		(void)db_query_i64(c, "SELECT created_at FROM chat_messages "
		    "WHERE trajectory_id = ? AND session_id = ? ORDER BY id "
		    "DESC LIMIT 1", &last_at, 2, k);
		if (last_at > 0 && j->now - last_at > LIMIT_CHAT_IDLE) {
			if ((rc = end_session_on(c, h.org_id, j->traj_id,
			    j->session, started, j->author_id, last_at)) != 0)
				return rc;
			j->session = 0;
		}
	}
	if (j->session == 0) {
		if ((rc = db_prepare(c, "INSERT INTO chat_sessions "
		    "(trajectory_id, started_by, started_at) VALUES (?, ?, ?) "
		    "RETURNING id", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->traj_id);
		db_bind_i64(st, 2, j->author_id);
		db_bind_i64(st, 3, j->now);
		if ((rc = db_step_id(st, &j->session)) != 0)
			return rc;
		j->session_started = true;
	}
	if ((rc = db_prepare(c, "INSERT INTO chat_messages (trajectory_id, "
	    "session_id, author_id, kind, body_box, search_bloom, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->traj_id);
	db_bind_i64(st, 2, j->session);
	db_bind_i64(st, 3, j->author_id);
	db_bind_textz(st, 4, chat_kind_name(j->kind));
	if (j->box.len)
		db_bind_blob(st, 5, j->box.p, j->box.len);
	else
		db_bind_null(st, 5);
	if (j->bloom.len)
		db_bind_blob(st, 6, j->bloom.p, j->bloom.len);
	else
		db_bind_null(st, 6);
	db_bind_i64(st, 7, j->now);
	if ((rc = db_step_id(st, &j->id)) != 0)
		return rc;
	if ((rc = mark_active_on(c, j->session, j->author_id, j->now)) != 0)
		return rc;
	ev = audit_event_from(j->ev, h.org_id, AUDIT_CREATE, "chat",
	    chat_kind_name(j->kind), h.client_id, j->id);
	return audit_append(c, &ev);
}

int
chat_post(const struct chat_env *env, int64_t traj_id, int64_t author_id,
    enum chat_kind kind, struct str body, int64_t now,
    const struct audit_event *ev, struct why *why, int64_t *id)
{
	struct post_job j;
	struct traj_head h;
	struct db_conn *c = NULL;
	struct buf words = BUF_INIT;
	unsigned char key[SEARCH_KEY_BYTES];
	struct str text = { "", 0 };
	enum role part;
	int rc;

	*id = 0;
	memset(&j, 0, sizeof(j));
	buf_init(&j.box);
	buf_init(&j.bloom);
	if (ev == NULL || author_id <= 0 || traj_id <= 0)
		return ERR_INVAL;
	if (kind == CHAT_TEXT) {
		switch (text_check(body, LIMIT_CHAT_MESSAGE, 0, true, &text)) {
		case TEXT_OK:
			break;
		case TEXT_MISSING:
			return why_set(why, ERR_INVAL, "body",
			    N_("Write something first."));
		case TEXT_TOO_LONG:
			if (why)
				why->limit = LIMIT_CHAT_MESSAGE;
			rc = why_set(why, ERR_TOOBIG, "body",
			    N_("A chat message can be at most %d bytes. Send a written message for a longer text."));
			if (why)
				why->limit = LIMIT_CHAT_MESSAGE;
			return rc;
		default:
			return why_set(why, ERR_INVAL, "body",
			    N_("The message contains characters that are not allowed."));
		}
	}
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = relation(c, traj_id, author_id, &h, &part)) != 0)
		goto out;
	if (h.phase == TRAJ_CLOSED) {
		rc = ERR_FORBIDDEN;
		goto out;
	}
	if (text.len > 0) {
		if ((rc = keyring_seal(env->kr, c, h.org_id, text.p, text.len,
		    &j.box)) != 0)
			goto out;
		rc = search_key_get(env->kr, c, h.org_id, key);
		db_read_end(env->db, c);
		c = NULL;
		if (rc == ERR_NOTFOUND)
			rc = search_key_ensure(env->db, env->kr, h.org_id, key);
		if (rc != 0)
			goto out;
		(void)search_message_text(text, STR_NULL, NULL, 0, &words);
		(void)search_bloom(key, buf_str(&words), &j.bloom);
		crypto_wipe(key, sizeof(key));
	}
	if (c != NULL) {
		db_read_end(env->db, c);
		c = NULL;
	}
	j.traj_id = traj_id;
	j.author_id = author_id;
	j.now = now_or(now);
	j.kind = kind;
	j.ev = ev;
	if ((rc = db_write(env->db, post_run, &j)) != 0)
		goto out;
	*id = j.id;
	if (j.session_started)
		publish(env, traj_id, "chat", "{\"session\":%lld,"
		    "\"state\":\"started\",\"by\":%lld}",
		    (long long)j.session, (long long)author_id);
	publish(env, traj_id, "chat", "{\"id\":%lld,\"author\":%lld}",
	    (long long)j.id, (long long)author_id);
out:
	if (c != NULL)
		db_read_end(env->db, c);
	buf_wipe(&words);
	buf_release(&j.box);
	buf_release(&j.bloom);
	return rc;
}

/* --- reading --------------------------------------------------------- */

/* The author's name and part come from their owners (identity,
 * trajectory) once the rows are read: people() below. */
#define MSG_COLS "m.id, m.trajectory_id, m.session_id, m.author_id, " \
	"m.kind, m.body_box, m.created_at "

/* One row of MSG_COLS, opened. */
static int
read_row(struct db_stmt *st, struct keyring *kr, struct db_conn *c,
    int64_t org_id, struct arena *a, struct chat_msg *m)
{
	struct buf plain = BUF_INIT;
	struct str box;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->id = db_col_i64(st, 0);
	m->traj_id = db_col_i64(st, 1);
	m->session_id = db_col_null(st, 2) ? 0 : db_col_i64(st, 2);
	m->author_id = db_col_i64(st, 3);
	(void)chat_kind_parse(arena_strz(a, db_col_text(st, 4)), &m->kind);
	m->created_at = db_col_i64(st, 6);
	m->body = "";
	if (!db_col_null(st, 5)) {
		box = db_col_blob(st, 5);
		if ((rc = keyring_open(kr, c, org_id, box.p, box.len,
		    &plain)) == 0) {
			m->body = arena_strndup(a, plain.p, plain.len);
			m->len = plain.len;
		}
		buf_wipe(&plain);
	}
	return rc;
}

/* The authors' names (identity) and parts (trajectory) of rows read on
 * c: a fixed number of statements per page, whatever its length. */
static int
people(struct db_conn *c, int64_t traj_id, struct chat_msg *v, size_t n,
    struct arena *a)
{
	int64_t *ids, seen[LIMIT_TRAJ_PROFESSIONALS + 2];
	enum role parts[LIMIT_TRAJ_PROFESSIONALS + 2];
	const char **names;
	size_t i, k, nseen = 0;
	int rc;

	if (n == 0)
		return 0;
	ids = arena_calloc(a, n, sizeof(*ids));
	names = arena_calloc(a, n, sizeof(*names));
	for (i = 0; i < n; i++)
		ids[i] = v[i].author_id;
	if ((rc = user_names_on(c, ids, n, a, names)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		v[i].author_name = names[i] ? names[i] : "";
		for (k = 0; k < nseen && seen[k] != v[i].author_id; k++)
			;
		if (k == nseen) {
			if (nseen == sizeof(seen) / sizeof(seen[0]))
				return ERR_INTERNAL;
			seen[nseen] = v[i].author_id;
			if ((rc = traj_role_on(c, traj_id, v[i].author_id,
			    &parts[nseen])) != 0)
				return rc;
			nseen++;
		}
		v[i].from_client = parts[k] == ROLE_CLIENT;
	}
	return 0;
}

struct read_job {
	int64_t traj_id, user_id, upto;
	struct audit_event ev;
};

/* The access-log entry of a read and the read mark, in one job. */
static int
read_run(struct db_conn *c, void *arg)
{
	struct read_job *j = arg;
	struct db_stmt *st;
	int rc;

	if (j->upto > 0) {
		if ((rc = db_prepare(c, "INSERT INTO chat_reads "
		    "(trajectory_id, user_id, last_read) VALUES (?, ?, ?) "
		    "ON CONFLICT (trajectory_id, user_id) DO UPDATE SET "
		    "last_read = CASE WHEN excluded.last_read > "
		    "chat_reads.last_read THEN excluded.last_read ELSE "
		    "chat_reads.last_read END", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->traj_id);
		db_bind_i64(st, 2, j->user_id);
		db_bind_i64(st, 3, j->upto);
		if ((rc = db_run(st)) != 0)
			return rc;
	}
	return audit_append(c, &j->ev);
}

int
chat_page(const struct chat_env *env, int64_t traj_id, int64_t viewer,
    int64_t before, const struct audit_event *ev, struct arena *a,
    struct chat_page *out)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct traj_head h;
	struct read_job rj;
	struct chat_msg *v;
	enum role part;
	int64_t x;
	size_t n = 0, i;
	int rc;

	memset(out, 0, sizeof(*out));
	v = arena_alloc(a, sizeof(*v) * (LIMIT_CHAT_PAGE + 1));
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0 ||
	    (rc = relation(c, traj_id, viewer, &h, &part)) != 0)
		goto out;
	if (before > 0) {
		/* A cursor of another chat is as unknown as none. */
		if ((rc = db_query_i64(c, "SELECT trajectory_id FROM "
		    "chat_messages WHERE id = ?", &x, 1, &before)) != 0)
			goto out;
		if (x != traj_id) {
			rc = ERR_NOTFOUND;
			goto out;
		}
	}
	/* Log first, then show. */
	memset(&rj, 0, sizeof(rj));
	rj.ev = audit_event_from(ev, h.org_id, AUDIT_READ, "chat", "page",
	    h.client_id, traj_id);
	if ((rc = db_prepare(c, "SELECT " MSG_COLS "FROM chat_messages m "
	    "WHERE m.trajectory_id = ? "
	    "AND m.id < ? ORDER BY m.id DESC LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, before > 0 ? before : INT64_MAX);
	db_bind_i64(st, 3, LIMIT_CHAT_PAGE + 1);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == LIMIT_CHAT_PAGE) {
			out->more = true;
			continue;
		}
		if ((rc = read_row(st, env->kr, c, h.org_id, a, &v[n])) != 0)
			break;
		n++;
	}
	db_done(st);
	if (rc < 0 || (rc = people(c, traj_id, v, n, a)) != 0)
		goto out;
	/* Oldest first, as a chat reads. */
	for (i = 0; i < n / 2; i++) {
		struct chat_msg t = v[i];

		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
	out->msgs = v;
	out->n = n;
	out->next_before = n ? v[0].id : 0;
	if ((rc = open_session_on(c, traj_id, &out->session_id,
	    &out->session_start)) != 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;
	rj.traj_id = traj_id;
	rj.user_id = viewer;
	rj.upto = before == 0 && n ? v[n - 1].id : 0;
	rc = db_write(env->db, read_run, &rj);
	if (rc != 0) {
		for (i = 0; i < n; i++)
			crypto_wipe((char *)v[i].body, v[i].len);
		memset(out, 0, sizeof(*out));
	}
out:
	if (c != NULL)
		db_read_end(env->db, c);
	return rc;
}

int
chat_get(const struct chat_env *env, int64_t id, int64_t viewer,
    const struct audit_event *ev, struct arena *a, struct chat_msg *out)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct traj_head h;
	struct read_job rj;
	enum role part;
	int64_t traj_id;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0 ||
	    (rc = chat_msg_traj_on(c, id, &traj_id)) != 0 ||
	    (rc = relation(c, traj_id, viewer, &h, &part)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT " MSG_COLS "FROM chat_messages m "
	    "WHERE m.id = ?",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, id);
	if ((rc = db_step(st)) == DB_ROW)
		rc = read_row(st, env->kr, c, h.org_id, a, out);
	else if (rc == DB_DONE)
		rc = ERR_NOTFOUND;
	db_done(st);
	if (rc != 0 || (rc = people(c, traj_id, out, 1, a)) != 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;
	memset(&rj, 0, sizeof(rj));
	rj.traj_id = traj_id;
	rj.user_id = viewer;
	rj.upto = id;
	rj.ev = audit_event_from(ev, h.org_id, AUDIT_READ, "chat", NULL,
	    h.client_id, id);
	if ((rc = db_write(env->db, read_run, &rj)) != 0) {
		crypto_wipe((char *)out->body, out->len);
		memset(out, 0, sizeof(*out));
	}
out:
	if (c != NULL)
		db_read_end(env->db, c);
	return rc;
}

int
chat_unread(struct db *db, int64_t traj_id, int64_t user_id, int64_t *n)
{
	struct db_conn *c;
	int64_t args[4] = { traj_id, user_id, traj_id, user_id };
	int rc;

	*n = 0;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = db_query_i64(c, "SELECT COUNT(*) FROM chat_messages m WHERE "
	    "m.trajectory_id = ? AND m.author_id <> ? AND m.id > "
	    "COALESCE((SELECT last_read FROM chat_reads r WHERE "
	    "r.trajectory_id = ? AND r.user_id = ?), 0)", n, 4, args);
	db_read_end(db, c);
	return rc;
}

/* --- typing, presence, sessions ---------------------------------------- */

struct active_job {
	int64_t traj_id, user_id, now;
};

static int
active_run(struct db_conn *c, void *arg)
{
	struct active_job *j = arg;
	int64_t sid, started;
	int rc;

	if ((rc = open_session_on(c, j->traj_id, &sid, &started)) != 0)
		return rc;
	return mark_active_on(c, sid, j->user_id, j->now);
}

int
chat_typing(const struct chat_env *env, int64_t traj_id, int64_t user_id,
    int64_t now)
{
	struct active_job j = { traj_id, user_id, now_or(now) };
	int rc;

	if ((rc = db_write(env->db, active_run, &j)) != 0)
		return rc;
	publish(env, traj_id, "typing", "{\"user\":%lld}",
	    (long long)user_id);
	return 0;
}

int
chat_presence_shown(struct db *db, int64_t user_id, bool *shown)
{
	struct db_conn *c;
	int64_t x;
	int rc;

	*shown = true;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = db_query_i64(c, "SELECT user_id FROM chat_presence_off WHERE "
	    "user_id = ?", &x, 1, &user_id);
	db_read_end(db, c);
	if (rc == 0)
		*shown = false;
	return rc == ERR_NOTFOUND ? 0 : rc;
}

int
chat_presence(const struct chat_env *env, int64_t traj_id, int64_t user_id,
    const char *state)
{
	bool shown;
	int rc;

	if (state == NULL || (strcmp(state, "online") != 0 &&
	    strcmp(state, "away") != 0))
		return ERR_INVAL;
	if ((rc = chat_presence_shown(env->db, user_id, &shown)) != 0)
		return rc;
	if (!shown)
		return 0;
	publish(env, traj_id, "presence", "{\"user\":%lld,\"state\":\"%s\"}",
	    (long long)user_id, strcmp(state, "online") == 0 ? "online" :
	    "away");
	return 0;
}

struct presence_job {
	int64_t user_id;
	bool shown;
};

static int
presence_run(struct db_conn *c, void *arg)
{
	struct presence_job *j = arg;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, j->shown ? "DELETE FROM chat_presence_off "
	    "WHERE user_id = ?" : "INSERT INTO chat_presence_off (user_id) "
	    "VALUES (?) ON CONFLICT DO NOTHING", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->user_id);
	return db_run(st);
}

int
chat_presence_set(struct db *db, int64_t user_id, bool shown)
{
	struct presence_job j = { user_id, shown };

	return db_write(db, presence_run, &j);
}

struct end_job {
	int64_t traj_id, by, now;
	const struct audit_event *ev;
	int64_t sid;
};

static int
end_run(struct db_conn *c, void *arg)
{
	struct end_job *j = arg;
	struct traj_head h;
	struct audit_event ev;
	enum role part;
	int64_t started;
	int rc;

	if ((rc = relation(c, j->traj_id, j->by, &h, &part)) != 0)
		return rc;
	if (part != ROLE_PROFESSIONAL)
		return ERR_FORBIDDEN;
	if ((rc = open_session_on(c, j->traj_id, &j->sid, &started)) != 0)
		return rc;
	if (j->sid == 0)
		return ERR_NOTFOUND;
	if ((rc = end_session_on(c, h.org_id, j->traj_id, j->sid, started,
	    j->by, j->now)) != 0)
		return rc;
	ev = audit_event_from(j->ev, h.org_id, AUDIT_UPDATE, "chat_session",
	    "end", h.client_id, j->sid);
	return audit_append(c, &ev);
}

int
chat_session_end(const struct chat_env *env, int64_t traj_id, int64_t by,
    int64_t now, const struct audit_event *ev)
{
	struct end_job j = { traj_id, by, now_or(now), ev, 0 };
	int rc;

	if ((rc = db_write(env->db, end_run, &j)) != 0)
		return rc;
	publish(env, traj_id, "chat", "{\"session\":%lld,"
	    "\"state\":\"ended\",\"by\":%lld}", (long long)j.sid,
	    (long long)by);
	return 0;
}

/* --- export and search ------------------------------------------------- */

int
chat_export_on(struct db_conn *c, struct keyring *kr, int64_t org_id,
    int64_t traj_id, struct arena *a, struct chat_msg **out, size_t *n)
{
	struct db_stmt *st;
	struct chat_msg *v = NULL;
	size_t k = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(c, "SELECT " MSG_COLS "FROM chat_messages m "
	    "WHERE m.trajectory_id = ? "
	    "ORDER BY m.id LIMIT ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, LIMIT_CHAT_EXPORT);
	while ((rc = db_step(st)) == DB_ROW) {
		if (k == cap) {
			struct chat_msg *w;

			cap = cap ? cap * 2 : 64;
			w = arena_alloc(a, sizeof(*w) * cap);
			if (k)
				memcpy(w, v, sizeof(*w) * k);
			v = w;
		}
		if ((rc = read_row(st, kr, c, org_id, a, &v[k])) != 0)
			break;
		k++;
	}
	db_done(st);
	if (rc < 0 || (rc = people(c, traj_id, v, k, a)) != 0)
		return rc;
	*out = v;
	*n = k;
	return 0;
}

json_t *
chat_export_json(const struct chat_msg *m, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_integer(m[i].id));
		json_object_set_new(o, "kind",
		    json_string(chat_kind_name(m[i].kind)));
		json_object_set_new(o, "author", json_stringn(
		    m[i].author_name, strlen(m[i].author_name)));
		json_object_set_new(o, "author_role", json_string(
		    m[i].from_client ? "client" : "professional"));
		json_object_set_new(o, "created_at",
		    json_integer(m[i].created_at));
		json_object_set_new(o, "session", m[i].session_id ?
		    json_integer(m[i].session_id) : json_null());
		json_object_set_new(o, "body", json_stringn(m[i].body,
		    m[i].len));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* The query's normalised words, NUL-separated in w: how many. */
static size_t
query_words(struct str q, char w[LIMIT_SEARCH_WORDS][LIMIT_SEARCH_WORD + 1])
{
	size_t pos = 0, len, a, b, n = 0;

	while (n < LIMIT_SEARCH_WORDS &&
	    search_next_word(q, &pos, w[n], &len, &a, &b))
		n++;
	return n;
}

/* Does text hold every one of the n words (the filter's true positives
 * are only candidates)? */
static bool
holds_all(struct str text, char w[LIMIT_SEARCH_WORDS][LIMIT_SEARCH_WORD + 1],
    size_t n)
{
	struct buf plain = BUF_INIT;
	char word[LIMIT_SEARCH_WORD + 1];
	size_t pos, len, a, b, i;
	bool seen[LIMIT_SEARCH_WORDS] = { false }, all = true;

	(void)search_message_text(text, STR_NULL, NULL, 0, &plain);
	pos = 0;
	while (search_next_word(buf_str(&plain), &pos, word, &len, &a, &b))
		for (i = 0; i < n; i++)
			if (strcmp(word, w[i]) == 0)
				seen[i] = true;
	for (i = 0; i < n; i++)
		all = all && seen[i];
	buf_wipe(&plain);
	return all;
}

int
chat_search(const struct chat_env *env, int64_t traj_id, int64_t viewer,
    struct str query, const struct audit_event *ev, struct arena *a,
    struct chat_msg **out, size_t *n)
{
	unsigned char key[SEARCH_KEY_BYTES];
	unsigned char tok[LIMIT_SEARCH_WORDS][SEARCH_TOKEN_BYTES];
	char qw[LIMIT_SEARCH_WORDS][LIMIT_SEARCH_WORD + 1];
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct traj_head h;
	struct audit_event aev;
	struct chat_msg *v;
	enum role part;
	size_t nt, k = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	v = arena_alloc(a, sizeof(*v) * LIMIT_SEARCH_RESULTS);
	nt = query_words(query, qw);
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = db_read_snapshot(c)) != 0 ||
	    (rc = relation(c, traj_id, viewer, &h, &part)) != 0)
		goto out;
	aev = audit_event_from(ev, h.org_id, AUDIT_READ, "chat", "search",
	    h.client_id, traj_id);
	if ((rc = audit_record(env->db, &aev)) != 0)
		goto out;
	if ((rc = search_key_get(env->kr, c, h.org_id, key)) != 0) {
		if (rc == ERR_NOTFOUND)
			rc = 0; /* nothing indexed yet: nothing found */
		goto out;
	}
	for (i = 0; i < nt; i++)
		search_token(key, qw[i], strlen(qw[i]), tok[i]);
	crypto_wipe(key, sizeof(key));
	if (nt == 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT " MSG_COLS ", m.search_bloom FROM "
	    "chat_messages m WHERE "
	    "m.trajectory_id = ? AND m.search_bloom IS NOT NULL ORDER BY "
	    "m.id DESC LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, LIMIT_SEARCH_SCAN);
	while (k < LIMIT_SEARCH_RESULTS && (rc = db_step(st)) == DB_ROW) {
		struct str f = db_col_blob(st, 7);
		bool cand = search_bloom_valid(f.len);

		for (i = 0; cand && i < nt; i++)
			cand = search_bloom_has(f.p, f.len, tok[i]);
		if (!cand)
			continue;
		if ((rc = read_row(st, env->kr, c, h.org_id, a, &v[k])) != 0)
			break;
		if (holds_all((struct str){ v[k].body, v[k].len }, qw, nt))
			k++;
	}
	db_done(st);
	if (rc == DB_DONE || rc == DB_ROW)
		rc = people(c, traj_id, v, k, a);
	*out = v;
	*n = k;
out:
	if (c != NULL)
		db_read_end(env->db, c);
	crypto_wipe(qw, sizeof(qw));
	return rc;
}

static int
newest_first(const void *x, const void *y)
{
	const struct chat_msg *a = x, *b = y;

	if (a->created_at != b->created_at)
		return a->created_at < b->created_at ? 1 : -1;
	return a->id < b->id ? 1 : a->id > b->id ? -1 : 0;
}

int
chat_search_all(const struct chat_env *env, int64_t org_id, int64_t viewer,
    struct str query, bool (*may_read)(void *arg, int64_t traj_id),
    void *arg, const struct audit_event *ev, struct arena *a,
    struct chat_msg **out, size_t *n)
{
	unsigned char key[SEARCH_KEY_BYTES];
	unsigned char tok[LIMIT_SEARCH_WORDS][SEARCH_TOKEN_BYTES];
	char qw[LIMIT_SEARCH_WORDS][LIMIT_SEARCH_WORD + 1];
	int64_t cand[LIMIT_SEARCH_RESULTS];
	struct traj_part *parts = NULL;
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct audit_event aev;
	struct chat_msg *v;
	size_t np = 0, nt, k = 0, nc, first, scanned = 0, i, t;
	int rc;

	*out = NULL;
	*n = 0;
	v = arena_alloc(a, sizeof(*v) * LIMIT_SEARCH_RESULTS);
	if ((nt = query_words(query, qw)) == 0)
		return 0;
	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	if ((rc = db_read_snapshot(c)) != 0)
		goto out;
	if ((rc = search_key_get(env->kr, c, org_id, key)) != 0) {
		if (rc == ERR_NOTFOUND)
			rc = 0; /* nothing indexed yet: nothing found */
		goto out;
	}
	for (i = 0; i < nt; i++)
		search_token(key, qw[i], strlen(qw[i]), tok[i]);
	crypto_wipe(key, sizeof(key));
	if ((rc = traj_parts_on(c, org_id, viewer, 0, false, a, &parts,
	    &np)) != 0)
		goto out;
	for (t = 0; t < np && k < LIMIT_SEARCH_RESULTS &&
	    scanned < LIMIT_SEARCH_SCAN; t++) {
		/* The filters only, newest first: no text is opened before
		 * the trajectory's read is logged. */
		if ((rc = db_prepare(c, "SELECT m.id, m.search_bloom FROM "
		    "chat_messages m WHERE m.trajectory_id = ? AND "
		    "m.search_bloom IS NOT NULL ORDER BY m.id DESC LIMIT ?",
		    &st)) != 0)
			goto out;
		db_bind_i64(st, 1, parts[t].id);
		db_bind_i64(st, 2, (int64_t)(LIMIT_SEARCH_SCAN - scanned));
		nc = 0;
		while (nc < LIMIT_SEARCH_RESULTS - k &&
		    (rc = db_step(st)) == DB_ROW) {
			struct str f = db_col_blob(st, 1);
			bool hit = search_bloom_valid(f.len);

			scanned++;
			for (i = 0; hit && i < nt; i++)
				hit = search_bloom_has(f.p, f.len, tok[i]);
			if (hit)
				cand[nc++] = db_col_i64(st, 0);
		}
		db_done(st);
		if (rc != DB_ROW && rc != DB_DONE)
			goto out;
		rc = 0;
		if (nc == 0 || (may_read != NULL &&
		    !may_read(arg, parts[t].id)))
			continue;
		aev = audit_event_from(ev, org_id, AUDIT_READ, "chat", "search",
		    parts[t].client_id, parts[t].id);
		if ((rc = audit_record(env->db, &aev)) != 0)
			goto out;
		first = k;
		for (i = 0; i < nc; i++) {
			if ((rc = db_prepare(c, "SELECT " MSG_COLS "FROM "
			    "chat_messages m WHERE m.id = ?", &st)) != 0)
				goto out;
			db_bind_i64(st, 1, cand[i]);
			if ((rc = db_step(st)) == DB_ROW)
				rc = read_row(st, env->kr, c, org_id, a, &v[k]);
			else if (rc == DB_DONE)
				rc = ERR_NOTFOUND;
			db_done(st);
			if (rc != 0)
				goto out;
			if (holds_all((struct str){ v[k].body, v[k].len }, qw,
			    nt))
				k++;
		}
		if ((rc = people(c, parts[t].id, v + first, k - first, a)) != 0)
			goto out;
	}
	qsort(v, k, sizeof(*v), newest_first);
	*out = v;
	*n = k;
out:
	if (c != NULL)
		db_read_end(env->db, c);
	crypto_wipe(qw, sizeof(qw));
	crypto_wipe(key, sizeof(key));
	return rc;
}
