/*
 * msg_export.c - the export of a trajectory's conversations: everything the
 * viewer may read, as a structure for the printable page and as JSON.
 * One access-log entry (E, detail "export") before anything is opened.
 */
#include "message/message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "chat/chat.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/text.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "diary/diary.h"
#include "instrument/measure.h"
#include "keys/keyring.h"
#include "message/markdown.h"
#include "message/msg_int.h"
#include "message/search.h"
#include "promise/promise.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

/* --- export --------------------------------------------------------------- */

/* What the client wrote besides messages (issue 11), from its modules. */
static int
export_measures(const struct msg_env *env, struct db_conn *c, int64_t org_id,
    int64_t traj_id, struct arena *a, const char **out)
{
	struct measure_env me = { env->db, env->kr };
	struct diary_env de = { env->db, env->kr };
	struct buf b = BUF_INIT;
	int rc;

	buf_addch(&b, '{');
	if ((rc = measure_export_json(&me, c, org_id, traj_id, &b)) == 0) {
		buf_addch(&b, ',');
		rc = diary_export_json(&de, c, org_id, traj_id, &b);
	}
	buf_addch(&b, '}');
	if (rc == 0)
		*out = arena_strndup(a, b.p, b.len);
	buf_wipe(&b);
	return rc;
}

int
msg_export(const struct msg_env *env, int64_t traj_id, int64_t viewer_id,
    const struct audit_event *ev, struct arena *a, struct msg_export *out)
{
	struct db_conn *c = NULL;
	struct db_stmt *st;
	struct msg_thread *th = NULL;
	struct str *boxes = NULL;
	struct msg_row *rows = NULL;
	struct msg_att_row *ar = NULL;
	struct audit_event eev;
	struct msg_head h;
	size_t nth = 0, k = 0, na = 0, cap = 0, i, t;
	int64_t count = 0;
	bool client;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_read_begin(env->db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0 ||
	    (rc = msg_traj_head(c, traj_id, &h)) != 0 ||
	    (rc = msg_part_of(c, traj_id, viewer_id, &client)) != 0)
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
		msg_thread_row(st, &h, client, a, &th[nth], &boxes[nth]);
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
		msg_row_read(st, a, &rows[k++]);
	db_done(st);
	if (rc < 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT a.id, a.message_id, a.name_box, "
	    "a.content_type, a.size FROM attachments a JOIN messages m "
	    "ON m.id = a.message_id WHERE m.trajectory_id = ? ORDER BY a.id",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	if ((rc = msg_load_attachments(st, a, rows, k, &ar, &na)) != 0)
		goto out;
	db_read_end(env->db, c);
	c = NULL;

	eev = msg_event_for(ev, AUDIT_EXECUTE, "trajectory", "export", &h, traj_id);
	if ((rc = audit_record(env->db, &eev)) != 0)
		goto out;

	if ((rc = db_read_begin(env->db, &c)) != 0)
		goto out;
	for (i = 0; i < nth; i++)
		if ((rc = keyring_open_str(env->kr, c, h.org_id, boxes[i], a,
		    &th[i].subject, NULL)) != 0)
			goto out;
	if ((rc = msg_open_rows(env, c, h.org_id, rows, k, ar, na, a)) != 0)
		goto out;
	/* The chat of the trajectory belongs to the conversation too. */
	if ((rc = chat_export_on(c, env->kr, h.org_id, traj_id, a, &out->chat,
	    &out->nchat)) != 0)
		goto out;
	/* What the client wrote elsewhere is in the client's own export. */
	if (client && (rc = export_measures(env, c, h.org_id, traj_id, a,
	    &out->measures)) != 0)
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
			    json_string(msg_author_role(m->from_client)));
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
	json_object_set_new(root, "chat", chat_export_json(x->chat, x->nchat));
	if (x->measures != NULL)
		json_object_set_new(root, "measures",
		    json_loads(x->measures, 0, NULL));
	json_to_buf(root, out);
	json_decref(root);
}
