/*
 * api.c - JSON endpoints for scripts and the live parts of pages.
 * Answers are built with json_str so every string is escaped for JSON.
 */
#include <string.h>

#include "app/app.h"
#include "audit/audit.h"
#include "core/err.h"
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

/*
 * GET /api/threads/:thid: a thread and its messages as JSON, for scripts
 * and other clients.  The same checks and the same access-log entry as the
 * thread page (msg_thread_view logs the read before opening anything); the
 * router checked the thread (web.c's route table) before this runs.
 */
int
api_thread(struct req *r)
{
	struct app *app = r->app;
	struct msg_env env = { app->db, app->kr, app->tzc };
	const struct session *s = page_session(r);
	struct msg_message *m = NULL;
	struct msg_thread th;
	struct audit_event ev;
	struct buf b = BUF_INIT;
	int64_t thid = web_obj(r)->id;
	size_t n = 0, i, k;
	bool more = false;
	int rc;

	web_audit_event(r, &ev, AUDIT_READ, "message", 0, 0,
	    s->role == ROLE_CLIENT ? "client-self" : "care");
	if ((rc = msg_thread_view(&env, thid, s->user_id, &ev, &r->arena, &th,
	    &m, &n, &more)) != 0)
		return rc;
	buf_printf(&b, "{\"id\":%lld,\"trajectory\":%lld,\"subject\":",
	    (long long)th.id, (long long)th.traj_id);
	json_str(&b, str_c(th.subject ? th.subject : ""));
	buf_printf(&b, ",\"closed\":%s,\"waiting\":%lld,\"next_deadline\":%lld,"
	    "\"more\":%s,\"messages\":[", th.closed ? "true" : "false",
	    (long long)th.waiting, (long long)th.next_deadline,
	    more ? "true" : "false");
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
