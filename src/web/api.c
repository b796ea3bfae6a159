/*
 * api.c - JSON endpoints for scripts and the live parts of pages.
 * Answers are built with json_str so every string is escaped for JSON.
 */
#include <string.h>

#include "app/app.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/num.h"
#include "identity/role.h"
#include "identity/session.h"
#include "web/handlers.h"
#include "message/message.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

int
api_me(struct req *r)
{
	struct session *s = page_session(r);
	struct buf b = BUF_INIT;

	buf_printf(&b, "{\"id\":%lld,\"name\":", (long long)s->user_id);
	json_str(&b, str_c(s->user_name));
	buf_printf(&b, ",\"org\":%lld,\"role\":", (long long)s->org_id);
	json_str(&b, str_c(s->role ? role_name(s->role) : ""));
	buf_adds(&b, ",\"lang\":");
	json_str(&b, str_c(s->lang));
	buf_printf(&b, ",\"two_factor\":%s,\"csrf\":",
	    s->twofa_passed ? "true" : "false");
	json_str(&b, str_c(s->csrf));
	buf_adds(&b, "}");
	resp_json(r, 200, b.p, b.len);
	buf_release(&b);
	return 0;
}

/* A cursor that is not a number (400) or not a message of the thread
 * (404), said in a sentence. */
static int
cursor_error(struct req *r, int status)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "{\"error\":");
	json_str(&b, str_c(err_name(status == 404 ? ERR_NOTFOUND : ERR_INVAL)));
	buf_adds(&b, ",\"message\":");
	json_str(&b, str_c(status == 404 ?
	    _("This link to older messages does not belong to this conversation.") :
	    _("This link to older messages is not valid: it must name a message by its number.")));
	buf_adds(&b, "}");
	resp_json(r, status, b.p, b.len);
	buf_release(&b);
	return 0;
}

/*
 * GET /api/threads/:thid[?before=ID]: a page of a thread as JSON, for
 * scripts and other clients: the newest LIMIT_THREAD_PAGE messages (below
 * the message ID), oldest first; "more" says older ones exist, and
 * "next_before" is the cursor that fetches them.  The same checks and the
 * same access-log entry as the thread page (msg_thread_page logs the read
 * before opening anything); the router checked the thread (web.c's route
 * table) before this runs.
 */
int
api_thread(struct req *r)
{
	struct app *app = r->app;
	struct msg_env env = { app->db, app->kr, app->tzc, app->bus };
	const struct session *s = page_session(r);
	struct msg_message *m = NULL;
	struct msg_thread th;
	struct msg_page pg;
	struct audit_event ev;
	struct buf b = BUF_INIT;
	const char *v;
	int64_t thid = web_obj(r)->id, before = 0;
	size_t n = 0, i, k;
	int rc;

	web_audit_event(r, &ev, AUDIT_READ, "message", 0, 0,
	    s->role == ROLE_CLIENT ? "client-self" : "care");
	if ((v = req_query(r, "before")) != NULL &&
	    num_parse_i64(str_c(v), 1, INT64_MAX, &before) != 0)
		return cursor_error(r, 400);
	rc = msg_thread_page(&env, thid, s->user_id, before, &ev, &r->arena,
	    &th, &pg);
	if (rc == ERR_NOTFOUND && before > 0)
		return cursor_error(r, 404);
	if (rc != 0)
		return rc;
	/* The page only: the later corrections of an older page's messages
	 * belong to the newer page that holds them, so walking the cursor
	 * gives each message once. */
	m = pg.msgs;
	n = pg.n;
	buf_printf(&b, "{\"id\":%lld,\"trajectory\":%lld,\"subject\":",
	    (long long)th.id, (long long)th.traj_id);
	json_str(&b, str_c(th.subject ? th.subject : ""));
	buf_printf(&b, ",\"closed\":%s,\"waiting\":%lld,\"next_deadline\":%lld,"
	    "\"more\":%s,", th.closed ? "true" : "false",
	    (long long)th.waiting, (long long)th.next_deadline,
	    pg.more ? "true" : "false");
	if (pg.more)
		buf_printf(&b, "\"next_before\":%lld,",
		    (long long)pg.next_before);
	buf_adds(&b, "\"messages\":[");
	for (i = 0; i < n; i++) {
		buf_printf(&b, "%s{\"id\":%lld,\"author\":", i ? "," : "",
		    (long long)m[i].id);
		json_str(&b, str_c(m[i].author_name));
		buf_printf(&b, ",\"from_client\":%s,\"kind\":",
		    m[i].from_client ? "true" : "false");
		json_str(&b, str_c(msg_kind_name(m[i].kind)));
		buf_adds(&b, ",\"body\":");
		json_str(&b, (struct str){ m[i].body, m[i].body_len });
		if (m[i].quote) {
			buf_printf(&b, ",\"quote_of\":%lld,\"quote\":",
			    (long long)m[i].quote_of);
			json_str(&b, str_c(m[i].quote));
		}
		if (m[i].corrects)
			buf_printf(&b, ",\"corrects\":%lld", (long long)m[i].corrects);
		buf_printf(&b, ",\"created_at\":%lld", (long long)m[i].created_at);
		if (m[i].deadline_at)
			buf_printf(&b, ",\"deadline_at\":%lld,\"replied_at\":%lld",
			    (long long)m[i].deadline_at,
			    (long long)m[i].replied_at);
		if (m[i].new_deadline)
			buf_printf(&b, ",\"new_deadline\":%lld",
			    (long long)m[i].new_deadline);
		if (m[i].client_read_at)
			buf_printf(&b, ",\"client_read_at\":%lld",
			    (long long)m[i].client_read_at);
		buf_adds(&b, ",\"attachments\":[");
		for (k = 0; k < m[i].natt; k++) {
			buf_printf(&b, "%s{\"id\":%lld,\"name\":", k ? "," : "",
			    (long long)m[i].att[k].id);
			json_str(&b, str_c(m[i].att[k].name));
			buf_adds(&b, ",\"type\":");
			json_str(&b, str_c(m[i].att[k].type));
			buf_printf(&b, ",\"size\":%lld}",
			    (long long)m[i].att[k].size);
		}
		buf_adds(&b, "]}");
	}
	buf_adds(&b, "]}");
	resp_json(r, 200, b.p, b.len);
	buf_release(&b);
	return 0;
}
