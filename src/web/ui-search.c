/*
 * ui-search.c - search in the conversations a person takes part in, through
 * the blind index (message/search.h): the query never reaches the log or
 * the disk.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "assistant/assistant.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/num.h"
#include "authz/authz.h"
#include "chat/chat.h"
#include "http/escape.h"
#include "identity/session.h"
#include "message/markdown.h"
#include "message/message.h"
#include "promise/promise.h"
#include "promise/tz.h"
#include "trajectory/trajectory.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/ui-thread.h"
#include "web/web_int.h"
#include "core/banned.h"

/* --- search --------------------------------------------------------------- */

struct may {
	struct req *r;
	struct principal p;
};

/* Search results are no objects of the path: each hit's trajectory is
 * checked here. */
static bool
may_read(void *arg, int64_t traj_id)
{
	struct may *m = arg;
	struct app *app = m->r->app;

	return authz_check(app->db, &m->p, AUTHZ_READ, AUTHZ_TRAJECTORY,
	    traj_id) == 0;
}

/* The first 200 bytes of a chat message (what a result's excerpt
 * shows), cut at a character. */
static const char *
chat_excerpt(struct req *r, const struct chat_msg *c)
{
	size_t n = c->len;

	if (n <= 200)
		return c->body;
	n = 200;
	while (n > 0 && ((unsigned char)c->body[n] & 0xc0) == 0x80)
		n--;
	return arena_printf(&r->arena, "%.*s\xe2\x80\xa6", (int)n, c->body);
}

/* The chat's hits, each a link to the trajectory's chat with the same
 * words, where it is shown among the chat's own hits. */
static void
chat_hits(struct req *r, const char *q, const struct chat_msg *c, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	P(r, "<h2>");
	T(r, n == 0 ? _("Nothing found in the chats.") : arena_printf(
	    &r->arena, _("Found in the chats: %zu"), n));
	P(r, "</h2>\n");
	if (n == 0)
		return;
	P(r, "<ol class=\"results chat-results\">");
	for (i = 0; i < n; i++) {
		buf_reset(&b);
		buf_printf(&b, "/t/%lld/chat?q=", (long long)c[i].traj_id);
		url_arg(&b, str_c(q));
		buf_printf(&b, "#hit-%lld", (long long)c[i].id);
		P(r, "<li><a href=\"");
		A(r, arena_strndup(&r->arena, b.p, b.len));
		P(r, "\">");
		T(r, arena_printf(&r->arena, _("Chat message of %s"),
		    c[i].author_name && c[i].author_name[0] ?
		    c[i].author_name : _("(former participant)")));
		P(r, "</a> <span class=\"meta\">");
		T(r, page_time(r, c[i].created_at));
		P(r, "</span><p class=\"excerpt\">");
		T(r, chat_excerpt(r, &c[i]));
		P(r, "</p></li>\n");
	}
	P(r, "</ol>\n");
	buf_release(&b);
}

int
ui_search(struct req *r)
{
	struct msg_env env = thr_env(r);
	struct may m = { r, page_principal(r) };
	const char *q = req_query(r, "q");
	struct app *app = r->app;
	struct chat_env cenv = { app->db, app->kr, NULL };
	struct msg_hit *hits = NULL;
	struct chat_msg *chats = NULL;
	struct audit_event ev;
	size_t n = 0, nc = 0, i;
	int rc = 0;

	if (q != NULL && str_trim(str_c(q)).len > 0) {
		if (strlen(q) > LIMIT_SEARCH_QUERY)
			rc = ERR_TOOBIG;
		else {
			web_audit_event(r, &ev, AUDIT_READ, "trajectory", 0, 0,
			    thr_is_client(r) ? "client-self" : "care");
			rc = msg_search(&env, m.p.org_id, m.p.user_id, q, may_read,
			    &m, &ev, &r->arena, &hits, &n);
			/* Chat messages are the client's data as written
			 * ones are: the same words, the same checks. */
			if (rc == 0)
				rc = chat_search_all(&cenv, m.p.org_id,
				    m.p.user_id, str_c(q), may_read, &m, &ev,
				    &r->arena, &chats, &nc);
		}
		if (rc != 0 && rc != ERR_INVAL && rc != ERR_TOOBIG)
			return rc;
	}
	page_begin(r, _("Search in messages"));
	thr_assets(r);
	P(r, "<form method=\"get\" action=\"/search\" role=\"search\" class=\"search\">"
	    "<p class=\"field\"><label for=\"f-q\">");
	T(r, _("Search words"));
	P(r, "</label>\n<input id=\"f-q\" type=\"search\" name=\"q\" maxlength=\"200\" value=\"");
	A(r, q ? q : "");
	P(r, "\"></p>\n<p><button type=\"submit\">");
	T(r, _("Search"));
	P(r, "</button></p></form>\n<p class=\"hint\">");
	T(r, _("Finds messages and chat messages that contain all the words, in the conversations and chats you take part in. Capitals and accents do not matter; whole words only."));
	P(r, "</p>\n");
	if (rc == ERR_INVAL) {
		page_notice(r, "error", _("Please enter at least one word of two or more letters."));
		r->status = 400;
	} else if (rc == ERR_TOOBIG) {
		page_notice(r, "error", _("The search text is too long."));
		r->status = 400;
	} else if (q != NULL && str_trim(str_c(q)).len > 0) {
		P(r, "<h2>");
		T(r, n == 0 ? _("Nothing found.") : arena_printf(&r->arena,
		    _("Found: %zu"), n));
		P(r, "</h2>\n<ol class=\"results\">");
		for (i = 0; i < n; i++) {
			PF(r, "<li><a href=\"/threads/%lld#m-%lld\">",
			    (long long)hits[i].thread_id,
			    (long long)hits[i].message_id);
			T(r, hits[i].subject);
			P(r, "</a> <span class=\"meta\">");
			T(r, hits[i].author_name);
			P(r, ", ");
			T(r, page_time(r, hits[i].created_at));
			P(r, "</span><p class=\"excerpt\">");
			T(r, hits[i].excerpt);
			P(r, "</p></li>\n");
		}
		P(r, "</ol>\n");
		chat_hits(r, q, chats, nc);
	}
	page_end(r);
	return 0;
}
