/*
 * ui-chat.c - the chat of a trajectory, the hourglass page and the
 * trajectory's recorded time (issue 10).
 *
 * Every page works without script: the chat window is a page with the
 * latest LIMIT_CHAT_PAGE messages and a link to older ones (?before=), a
 * form posts and the answer leads back to it.  With static/live.js and
 * static/chat.js the other side's messages, typing, presence and the
 * hourglass arrive live: an event names a message and the script fetches
 * it from GET /chat/:cid (checked by the route table, logged), new ones
 * announced in a live region for screen readers.
 *
 * The route table checked the path's trajectory or chat message; the
 * domain (chat.h) checks the relation again and gives the reasons.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity/activity.h"
#include "app/app.h"
#include "audit/audit.h"
#include "chat/chat.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/num.h"
#include "identity/role.h"
#include "identity/session.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

static struct chat_env
env_of(struct req *r)
{
	struct app *app = r->app;
	struct chat_env e = { app->db, app->kr, app->bus };

	return e;
}

static bool
is_pro(struct req *r)
{
	return web_obj(r)->part == ROLE_PROFESSIONAL;
}

static void
event(struct req *r, struct audit_event *ev)
{
	const struct session *s = page_session(r);

	web_audit_event(r, ev, AUDIT_READ, "chat", 0, 0,
	    s && s->role == ROLE_CLIENT ? "client-self" : "care");
}

static void
chat_assets(struct req *r)
{
	P(r, "<link rel=\"stylesheet\" href=\"/static/chat.css\">\n"
	    "<script src=\"/static/chat.js\" defer></script>\n");
}

/* A call proposal leads to the calls' page (ui-call.c). */
static void
call_link(struct req *r, int64_t tid)
{
	PF(r, " <a href=\"/t/%lld/call\">", (long long)tid);
	T(r, _("Go to the call"));
	P(r, "</a>");
}

/* One message as the log shows it (also the fragment GET /chat/:cid). */
static void
render_msg(struct req *r, const struct chat_msg *m, int64_t viewer,
    const char *idp)
{
	PF(r, "<li class=\"chat-msg%s\" id=\"%s%lld\" data-author=\"",
	    m->author_id == viewer ? " mine" : "", idp, (long long)m->id);
	A(r, m->author_name);
	P(r, "\"><span class=\"who\">");
	T(r, m->author_name);
	P(r, "</span> <time>");
	T(r, page_time(r, m->created_at));
	P(r, "</time> ");
	switch (m->kind) {
	case CHAT_CALL_PHONE:
		P(r, "<span class=\"call\">");
		T(r, _("proposes a phone call."));
		P(r, "</span>");
		call_link(r, m->traj_id);
		break;
	case CHAT_CALL_VIDEO:
		P(r, "<span class=\"call\">");
		T(r, _("proposes a video call."));
		P(r, "</span>");
		call_link(r, m->traj_id);
		break;
	default:
		P(r, "<span class=\"text\">");
		TS(r, (struct str){ m->body, m->len });
		P(r, "</span>");
	}
	P(r, "</li>\n");
}

static const char *
fmt_secs(struct req *r, int64_t s)
{
	return arena_printf(&r->arena, "%lld:%02lld", (long long)(s / 60),
	    (long long)(s % 60));
}

/* The hourglass both sides see; with its forms for a professional.
 * back: where the forms lead after ("chat" or "timer"). */
static void
hourglass_box(struct req *r, int64_t tid, const char *back)
{
	struct app *app = r->app;
	struct hourglass h;
	int64_t left;

	if (hourglass_get(app->db, tid, 0, &h) != 0)
		memset(&h, 0, sizeof(h));
	PF(r, "<section class=\"hourglass\" id=\"hourglass\" "
	    "aria-labelledby=\"h-hourglass\" data-state=\"%s\" "
	    "data-used=\"%lld\" data-budget=\"%lld\" data-warn=\"%d\" "
	    "data-warn-text=\"", h.state == HG_RUNNING ? "running" :
	    h.state == HG_PAUSED ? "paused" : h.state == HG_STOPPED ?
	    "stopped" : "none", (long long)h.used, (long long)h.budget,
	    LIMIT_HOURGLASS_WARN);
	A(r, _("Almost at the agreed time: two minutes left."));
	P(r, "\" data-over-text=\"");
	A(r, _("The agreed time is up."));
	P(r, "\"><h2 id=\"h-hourglass\">");
	T(r, _("Hourglass"));
	P(r, "</h2>\n<p class=\"hg-line\">");
	if (h.state == HG_NONE) {
		T(r, _("No timer has been started."));
	} else {
		left = h.budget - h.used;
		P(r, "<span class=\"hg-state\">");
		T(r, h.state == HG_RUNNING ? _("Running") :
		    h.state == HG_PAUSED ? _("Paused") : _("Stopped"));
		P(r, "</span>: <span class=\"hg-used\">");
		T(r, fmt_secs(r, h.used));
		P(r, "</span> ");
		T(r, _("of"));
		P(r, " <span class=\"hg-budget\">");
		T(r, fmt_secs(r, h.budget));
		P(r, "</span>");
		if (h.state != HG_STOPPED && left <= LIMIT_HOURGLASS_WARN) {
			P(r, " <strong class=\"hg-warn\">");
			T(r, left > 0 ? _("Almost at the agreed time: two minutes left.") :
			    _("The agreed time is up."));
			P(r, "</strong>");
		}
	}
	P(r, "</p>\n<div class=\"visually-hidden\" id=\"hg-announce\" "
	    "role=\"status\" aria-live=\"assertive\"></div>\n");
	if (is_pro(r)) {
		char action[64];

		snprintf(action, sizeof(action), "/t/%lld/timer?back=%s",
		    (long long)tid, back);
		form_begin(r, action);
		if (h.state == HG_NONE || h.state == HG_STOPPED) {
			P(r, "<label for=\"f-minutes\">");
			T(r, _("Agreed time (minutes)"));
			PF(r, "</label> <input id=\"f-minutes\" name=\"minutes\" "
			    "type=\"number\" min=\"1\" max=\"%d\" value=\"20\" "
			    "required> <button name=\"action\" value=\"start\">",
			    LIMIT_HOURGLASS_MINUTES);
			T(r, _("Start"));
			P(r, "</button>");
		} else {
			P(r, h.state == HG_RUNNING ?
			    "<button name=\"action\" value=\"pause\">" :
			    "<button name=\"action\" value=\"resume\">");
			T(r, h.state == HG_RUNNING ? _("Pause") : _("Resume"));
			P(r, "</button> <button name=\"action\" value=\"stop\">");
			T(r, _("Stop and record the time"));
			P(r, "</button>");
		}
		form_end(r);
	}
	P(r, "</section>\n");
}

/* Search in this chat (the keyed filter, then each candidate opened):
 * a form, and with ?q= its results above the window. */
static int
chat_search_section(struct req *r, int64_t tid)
{
	struct chat_env env = env_of(r);
	const char *q = req_query(r, "q");
	struct audit_event ev;
	struct chat_msg *hits;
	size_t n, i;
	int rc;

	PF(r, "<form method=\"get\" action=\"/t/%lld/chat\" role=\"search\" "
	    "class=\"chat-search\"><label for=\"f-chat-q\">", (long long)tid);
	T(r, _("Search this chat"));
	P(r, "</label> <input id=\"f-chat-q\" name=\"q\" type=\"search\" "
	    "maxlength=\"200\" value=\"");
	if (q)
		A(r, q);
	P(r, "\"> <button class=\"secondary\">");
	T(r, _("Search"));
	P(r, "</button></form>\n");
	if (q == NULL || q[0] == '\0')
		return 0;
	if (strlen(q) > LIMIT_SEARCH_QUERY)
		return ERR_TOOBIG;
	event(r, &ev);
	if ((rc = chat_search(&env, tid, page_session(r)->user_id, str_c(q),
	    &ev, &r->arena, &hits, &n)) != 0)
		return rc;
	P(r, "<section class=\"chat-hits\" aria-labelledby=\"h-hits\"><h2 "
	    "id=\"h-hits\">");
	T(r, _("Found in the chat"));
	PF(r, " (%zu)</h2>\n<ol class=\"chat-log\">\n", n);
	for (i = 0; i < n; i++)
		render_msg(r, &hits[i], page_session(r)->user_id, "hit-");
	P(r, "</ol></section>\n");
	return 0;
}

static int
render_chat(struct req *r, const char *error, int status, const char *body)
{
	struct chat_env env = env_of(r);
	const struct session *s = page_session(r);
	int64_t tid = web_obj(r)->id, before = 0;
	struct audit_event ev;
	struct chat_page pg;
	char action[64];
	const char *v;
	bool shown = true;
	size_t i;
	int rc;

	if ((v = req_query(r, "before")) != NULL &&
	    num_parse_i64(str_c(v), 1, INT64_MAX, &before) != 0)
		return ERR_NOTFOUND;
	event(r, &ev);
	if ((rc = chat_page(&env, tid, s->user_id, before, &ev, &r->arena,
	    &pg)) != 0)
		return rc;
	(void)chat_presence_shown(env.db, s->user_id, &shown);
	page_begin(r, _("Chat"));
	chat_assets(r);
	if (before == 0)
		ui_live_mark(r, tid, 0);
	PF(r, "<p class=\"crumbs\"><a href=\"/t/%lld\">", (long long)tid);
	T(r, _("Back to the trajectory"));
	P(r, "</a></p>\n");
	if (error)
		page_notice(r, "error", error);
	hourglass_box(r, tid, "chat");
	if ((rc = chat_search_section(r, tid)) != 0)
		return rc;
	P(r, "<section class=\"chat\" aria-labelledby=\"h-chat\"><h2 id=\"h-chat\">");
	T(r, _("Chat"));
	P(r, "</h2>\n<p class=\"chat-session\">");
	if (pg.session_id) {
		T(r, _("Session started at"));
		P(r, " ");
		T(r, page_time(r, pg.session_start));
	} else {
		T(r, _("No session is open. Your first message starts one."));
	}
	P(r, "</p>\n<p class=\"typing\" id=\"chat-typing\" data-text=\"");
	A(r, _("The other side is typing..."));
	P(r, "\"></p>\n");
	P(r, "<div class=\"visually-hidden\" id=\"chat-announce\" "
	    "role=\"status\" aria-live=\"polite\" data-text=\"");
	A(r, _("New chat message from"));
	P(r, "\"></div>\n");
	if (pg.more)
		PF(r, "<p class=\"older\"><a id=\"chat-older\" "
		    "href=\"/t/%lld/chat?before=%lld\">%s</a></p>\n",
		    (long long)tid, (long long)pg.next_before,
		    _("Older messages"));
	PF(r, "<ol class=\"chat-log\" id=\"chat-log\" data-tid=\"%lld\" "
	    "data-me=\"%lld\">\n", (long long)tid, (long long)s->user_id);
	for (i = 0; i < pg.n; i++)
		render_msg(r, &pg.msgs[i], s->user_id, "c-");
	P(r, "</ol>\n");
	if (pg.n == 0) {
		P(r, "<p>");
		T(r, _("No chat messages yet."));
		P(r, "</p>\n");
	}
	if (before > 0) {
		PF(r, "<p><a href=\"/t/%lld/chat\">", (long long)tid);
		T(r, _("Newest messages"));
		P(r, "</a></p>\n");
	}
	/* The token in the action too: a long text in other scripts can
	 * pass LIMIT_BODY_ANON, past which it must not be in the body. */
	P(r, "<form method=\"post\" id=\"chat-form\" action=\"");
	A(r, arena_printf(&r->arena, "/t/%lld/chat?csrf=%s", (long long)tid,
	    web_csrf_value(r)));
	PF(r, "\" data-typing=\"/t/%lld/chat/typing\" data-presence="
	    "\"/t/%lld/chat/presence\" data-shown=\"%d\">", (long long)tid,
	    (long long)tid, shown ? 1 : 0);
	P(r, "<input type=\"hidden\" name=\"csrf\" value=\"");
	A(r, web_csrf_value(r));
	P(r, "\"><label for=\"f-chat\">");
	T(r, _("Your message"));
	PF(r, "</label><textarea id=\"f-chat\" name=\"body\" rows=\"2\" "
	    "maxlength=\"%d\">", LIMIT_CHAT_MESSAGE);
	if (body)
		T(r, body);
	P(r, "</textarea>\n<p><button name=\"action\" value=\"send\">");
	T(r, _("Send"));
	P(r, "</button> <button name=\"action\" value=\"call_phone\" "
	    "class=\"secondary\" formnovalidate>");
	T(r, _("Propose a phone call"));
	P(r, "</button> <button name=\"action\" value=\"call_video\" "
	    "class=\"secondary\" formnovalidate>");
	T(r, _("Propose a video call"));
	P(r, "</button>");
	if (is_pro(r) && pg.session_id) {
		P(r, " <button name=\"action\" value=\"end\" class=\"secondary\" formnovalidate>");
		T(r, _("End the session"));
		P(r, "</button>");
	}
	P(r, "</p></form>\n");
	snprintf(action, sizeof(action), "/t/%lld/chat/presence",
	    (long long)tid);
	form_begin(r, action);
	PF(r, "<input type=\"hidden\" name=\"shown\" value=\"%d\">",
	    shown ? 0 : 1);
	P(r, "<p class=\"hint\">");
	T(r, shown ? _("Others see when you are online.") :
	    _("Others do not see when you are online."));
	P(r, " <button class=\"secondary\">");
	T(r, shown ? _("Hide my presence") : _("Show my presence"));
	P(r, "</button></p>");
	form_end(r);
	P(r, "</section>\n");
	page_end(r);
	if (status)
		r->status = status;
	return 0;
}

int
ui_chat(struct req *r)
{
	return render_chat(r, NULL, 0, NULL);
}

int
ui_chat_post(struct req *r)
{
	struct chat_env env = env_of(r);
	const struct session *s = page_session(r);
	int64_t tid = web_obj(r)->id, id;
	const char *action = req_form(r, "action");
	const char *body = req_form(r, "body");
	struct audit_event ev;
	struct why why = { 0 };
	enum chat_kind kind = CHAT_TEXT;
	char to[64];
	int rc;

	event(r, &ev);
	if (action == NULL)
		action = "send";
	if (strcmp(action, "end") == 0) {
		rc = chat_session_end(&env, tid, s->user_id, 0, &ev);
		if (rc == ERR_NOTFOUND)
			return render_chat(r, _("No session is open."), 409,
			    NULL);
	} else {
		if (strcmp(action, "send") != 0 &&
		    chat_kind_parse(action, &kind) != 0)
			return render_chat(r, _("Choose send, a phone call or a video call."), 400, body);
		rc = chat_post(&env, tid, s->user_id, kind,
		    str_c(kind == CHAT_TEXT && body ? body : ""), 0, &ev, &why,
		    &id);
		if (rc != 0 && why.msg)
			return render_chat(r, page_why(r, &why),
			    err_status(rc), body);
	}
	if (rc != 0)
		return rc;
	if (r->wants_json || req_header(r, "X-Requested-With")) {
		r->status = 204;
		return 0;
	}
	snprintf(to, sizeof(to), "/t/%lld/chat#chat-form", (long long)tid);
	resp_redirect(r, to);
	return 0;
}

int
ui_chat_one(struct req *r)
{
	struct chat_env env = env_of(r);
	const struct session *s = page_session(r);
	struct audit_event ev;
	struct chat_msg m;
	int rc;

	event(r, &ev);
	if ((rc = chat_get(&env, web_obj(r)->id, s->user_id, &ev, &r->arena,
	    &m)) != 0)
		return rc;
	render_msg(r, &m, s->user_id, "c-");
	return 0;
}

int
api_chat_typing(struct req *r)
{
	struct chat_env env = env_of(r);
	int rc;

	if ((rc = chat_typing(&env, web_obj(r)->id,
	    page_session(r)->user_id, 0)) != 0)
		return rc;
	r->status = 204;
	return 0;
}

int
ui_chat_presence_post(struct req *r)
{
	struct chat_env env = env_of(r);
	const struct session *s = page_session(r);
	int64_t tid = web_obj(r)->id;
	const char *state = req_form(r, "state");
	const char *shown = req_form(r, "shown");
	char to[48];
	int rc;

	if (shown != NULL) {
		if ((rc = chat_presence_set(env.db, s->user_id,
		    strcmp(shown, "1") == 0)) != 0)
			return rc;
	} else if ((rc = chat_presence(&env, tid, s->user_id, state)) != 0) {
		return rc;
	}
	if (state != NULL) {
		r->status = 204;
		return 0;
	}
	snprintf(to, sizeof(to), "/t/%lld/chat", (long long)tid);
	resp_redirect(r, to);
	return 0;
}

/* --- the hourglass page (during a phone call) -------------------------- */

int
ui_timer(struct req *r)
{
	int64_t tid = web_obj(r)->id;

	page_begin(r, _("Hourglass"));
	chat_assets(r);
	ui_live_mark(r, tid, 0);
	PF(r, "<p class=\"crumbs\"><a href=\"/t/%lld\">", (long long)tid);
	T(r, _("Back to the trajectory"));
	PF(r, "</a> · <a href=\"/t/%lld/chat\">", (long long)tid);
	T(r, _("Chat"));
	P(r, "</a></p>\n");
	hourglass_box(r, tid, "timer");
	page_end(r);
	return 0;
}

int
ui_timer_post(struct req *r)
{
	struct chat_env env = env_of(r);
	int64_t tid = web_obj(r)->id, minutes = 0;
	const char *v = req_form(r, "minutes"), *back = req_query(r, "back");
	struct audit_event ev;
	struct why why = { 0 };
	char to[48];
	int rc;

	event(r, &ev);
	if (v != NULL && num_parse_i64(str_c(v), 0, INT32_MAX, &minutes) != 0)
		minutes = -1;
	rc = hourglass_act(&env, tid, page_session(r)->user_id,
	    req_form(r, "action"), minutes, 0, &ev, &why, NULL);
	if (rc != 0 && why.msg) {
		page_begin(r, _("Hourglass"));
		page_notice(r, "error", page_why(r, &why));
		hourglass_box(r, tid, back && strcmp(back, "chat") == 0 ?
		    "chat" : "timer");
		page_end(r);
		r->status = err_status(rc);
		return 0;
	}
	if (rc != 0)
		return rc;
	snprintf(to, sizeof(to), "/t/%lld/%s", (long long)tid,
	    back && strcmp(back, "chat") == 0 ? "chat" : "timer");
	resp_redirect(r, to);
	return 0;
}

/* --- recorded time ------------------------------------------------------ */

static const char *
kind_label(const char *k)
{
	if (strcmp(k, "chat") == 0)
		return _("chat session");
	if (strcmp(k, "chat_active") == 0)
		return _("active in the chat");
	if (strcmp(k, "hourglass") == 0)
		return _("hourglass");
	return ui_time_kind_label(k);
}

static int
render_activities(struct req *r, const char *error, int status)
{
	struct app *app = r->app;
	int64_t tid = web_obj(r)->id;
	struct activity *v;
	char action[48];
	size_t n, i;
	int rc;

	if ((rc = activity_list(app->db, tid, &r->arena, &v, &n)) != 0)
		return rc;
	page_begin(r, _("Recorded time"));
	PF(r, "<p class=\"crumbs\"><a href=\"/t/%lld\">", (long long)tid);
	T(r, _("Back to the trajectory"));
	P(r, "</a></p>\n");
	if (error)
		page_notice(r, "error", error);
	P(r, "<table><caption>");
	T(r, _("Recorded time"));
	P(r, "</caption><thead><tr><th scope=\"col\">");
	T(r, _("What"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Who"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("When"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Minutes"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Correct"));
	P(r, "</th></tr></thead><tbody>\n");
	snprintf(action, sizeof(action), "/t/%lld/activities",
	    (long long)tid);
	for (i = 0; i < n; i++) {
		P(r, "<tr><td>");
		T(r, kind_label(v[i].kind));
		PF(r, "</td><td>#%lld</td><td>", (long long)v[i].user_id);
		T(r, page_time(r, v[i].started_at));
		PF(r, "</td><td>%lld", (long long)((v[i].seconds + 30) / 60));
		if (v[i].corrected) {
			P(r, " <span class=\"hint\">(");
			PF(r, "%s %lld", _("corrected; recorded"),
			    (long long)((v[i].original_seconds + 30) / 60));
			P(r, ")</span>");
		}
		P(r, "</td><td>");
		form_begin(r, action);
		PF(r, "<input type=\"hidden\" name=\"activity\" value=\"%lld\">"
		    "<label class=\"visually-hidden\" for=\"f-m-%lld\">",
		    (long long)v[i].id, (long long)v[i].id);
		T(r, _("Minutes"));
		PF(r, "</label><input id=\"f-m-%lld\" name=\"minutes\" "
		    "type=\"number\" min=\"0\" max=\"1440\" value=\"%lld\"> "
		    "<button class=\"secondary\">", (long long)v[i].id,
		    (long long)((v[i].seconds + 30) / 60));
		T(r, _("Correct"));
		P(r, "</button>");
		form_end(r);
		P(r, "</td></tr>\n");
	}
	P(r, "</tbody></table>\n");
	page_end(r);
	if (status)
		r->status = status;
	return 0;
}

int
ui_activities(struct req *r)
{
	return render_activities(r, NULL, 0);
}

int
ui_activity_correct_post(struct req *r)
{
	struct app *app = r->app;
	int64_t tid = web_obj(r)->id, id = 0, minutes = 0, nid;
	struct audit_event ev;
	char to[48];
	int rc;

	event(r, &ev);
	if (num_parse_i64(str_c(req_form(r, "activity") ?
	    req_form(r, "activity") : ""), 1, INT64_MAX, &id) != 0)
		return render_activities(r, _("That recorded time does not exist."), 404);
	if (num_parse_i64(str_c(req_form(r, "minutes") ?
	    req_form(r, "minutes") : ""), 0, 1440, &minutes) != 0)
		return render_activities(r, _("Give the minutes as a number from 0 to 1440."), 400);
	rc = activity_correct(app->db, tid, id, page_session(r)->user_id,
	    minutes * 60, 0, &ev, &nid);
	if (rc == ERR_NOTFOUND)
		return render_activities(r, _("That recorded time does not exist."), 404);
	if (rc != 0)
		return rc;
	snprintf(to, sizeof(to), "/t/%lld/activities", (long long)tid);
	resp_redirect(r, to);
	return 0;
}

void
ui_chat_link(struct req *r, int64_t traj_id)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	int64_t unread = 0;

	if (s == NULL)
		return;
	(void)chat_unread(app->db, traj_id, s->user_id, &unread);
	PF(r, "<p class=\"chat-link\"><a href=\"/t/%lld/chat\">",
	    (long long)traj_id);
	T(r, _("Chat"));
	P(r, "</a>");
	if (unread > 0)
		PF(r, " <span class=\"badge\">%lld %s</span>",
		    (long long)unread, _("unread"));
	PF(r, " · <a href=\"/t/%lld/timer\">", (long long)traj_id);
	T(r, _("Hourglass"));
	P(r, "</a>");
	if (web_obj(r)->part == ROLE_PROFESSIONAL) {
		PF(r, " · <a href=\"/t/%lld/activities\">", (long long)traj_id);
		T(r, _("Recorded time"));
		PF(r, "</a> · <a href=\"/t/%lld/time\">", (long long)traj_id);
		T(r, _("Time spent"));
		P(r, "</a>");
	} else if (ui_time_client_sees(r, traj_id)) {
		PF(r, " · <a href=\"/t/%lld/time\">", (long long)traj_id);
		T(r, _("Time spent"));
		P(r, "</a>");
	}
	PF(r, " · <a href=\"/t/%lld/stakeholders\">", (long long)traj_id);
	T(r, _("Stakeholders"));
	P(r, "</a></p>\n");
}
