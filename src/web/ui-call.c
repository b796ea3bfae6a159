/*
 * ui-call.c - video and voice calls (call/call.h): the page that checks
 * camera, microphone and speaker and starts or joins a call, the call
 * itself with its waiting room, and the JSON the call's script speaks
 * (signalling, heartbeats, the call's state with TURN credentials).
 *
 * A call is WebRTC in the browser, so it needs JavaScript: the pages say
 * so plainly without it.  What works without script still works: the
 * waiting room, letting someone in, leaving and ending are forms, and a
 * reload shows who is in the call.
 *
 * The route table checked the trajectory or the call (authz, AUTHZ_CALL:
 * someone who takes part in its trajectory); call.h checks the part in
 * the call itself (waiting, in) and gives the reasons.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "app/app.h"
#include "audit/audit.h"
#include "call/call.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/num.h"
#include "event/event.h"
#include "identity/role.h"
#include "identity/session.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

static struct call_env
env_of(struct req *r)
{
	struct app *app = r->app;
	struct call_env e = { app->db, app->bus };

	return e;
}

static void
event(struct req *r, struct audit_event *ev, int action)
{
	const struct session *s = page_session(r);

	web_audit_event(r, ev, action, "call", 0, 0,
	    s && s->role == ROLE_CLIENT ? "client-self" : "care");
}

/* A read of the call (who is in it, since when): the client's data, in
 * the access log before it is shown.  what: "page" or "state". */
static int
log_read(struct req *r, const char *what)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	const struct session *s = page_session(r);
	struct audit_event ev;

	web_audit_event(r, &ev, AUDIT_READ, "call", o->client_id, o->id,
	    s && s->role == ROLE_CLIENT ? "client-self" : "care");
	ev.detail = what;
	return audit_record(app->db, &ev);
}

static int64_t
me(struct req *r)
{
	return page_session(r)->user_id;
}

static void
call_assets(struct req *r)
{
	P(r, "<link rel=\"stylesheet\" href=\"/static/call.css\">\n"
	    "<script src=\"/static/call.js\" defer></script>\n");
}

static void
needs_script(struct req *r)
{
	P(r, "<noscript><p class=\"notice error\" role=\"alert\">");
	T(r, _("A video or voice call runs in your browser and needs JavaScript. Switch JavaScript on for this site, or use the chat or a written message instead."));
	P(r, "</p></noscript>\n");
}

/* Camera, microphone and speaker, tried before joining (static/call.js;
 * nothing leaves the browser). */
static void
device_check(struct req *r)
{
	P(r, "<section class=\"device-check\" id=\"device-check\" "
	    "aria-labelledby=\"h-devices\" data-refused=\"");
	A(r, _("The browser did not allow the camera or microphone. Allow them in the browser's site settings (the icon next to the address) and try again."));
	P(r, "\" data-nodevice=\"");
	A(r, _("No camera or microphone was found. Connect one and try again."));
	P(r, "\" data-voice=\"");
	A(r, _("No camera could be used: the call will be voice only."));
	P(r, "\" data-ok=\"");
	A(r, _("Camera and microphone work."));
	P(r, "\"><h2 id=\"h-devices\">");
	T(r, _("Check your camera, microphone and speaker"));
	P(r, "</h2>\n<p class=\"js-only\"><button type=\"button\" "
	    "id=\"dc-start\">");
	T(r, _("Test my camera and microphone"));
	P(r, "</button> <button type=\"button\" id=\"dc-speaker\" "
	    "class=\"secondary\">");
	T(r, _("Play a test sound"));
	P(r, "</button></p>\n<video id=\"dc-video\" class=\"preview js-only\" "
	    "autoplay muted playsinline aria-label=\"");
	A(r, _("Your camera"));
	P(r, "\"></video>\n<p class=\"js-only\"><label for=\"dc-level\">");
	T(r, _("Microphone level"));
	P(r, "</label> <meter id=\"dc-level\" min=\"0\" max=\"100\" "
	    "value=\"0\"></meter></p>\n<p id=\"dc-result\" role=\"status\" "
	    "aria-live=\"polite\"></p>\n</section>\n");
}

/* --- the trajectory's calls page ---------------------------------- */

int
ui_call_traj(struct req *r)
{
	struct call_env env = env_of(r);
	int64_t tid = web_obj(r)->id, open = 0;
	char action[48];
	int rc;

	if ((rc = call_open_of(env.db, tid, &open)) != 0)
		return rc;
	page_begin(r, _("Video and voice calls"));
	call_assets(r);
	PF(r, "<p class=\"crumbs\"><a href=\"/t/%lld\">", (long long)tid);
	T(r, _("Back to the trajectory"));
	PF(r, "</a> · <a href=\"/t/%lld/chat\">", (long long)tid);
	T(r, _("Chat"));
	P(r, "</a></p>\n");
	needs_script(r);
	P(r, "<p>");
	T(r, _("A call goes directly between your browsers and is never recorded. A client waits in the waiting room until a professional lets them in."));
	P(r, "</p>\n");
	device_check(r);
	snprintf(action, sizeof(action), "/t/%lld/call", (long long)tid);
	P(r, "<section aria-labelledby=\"h-join\"><h2 id=\"h-join\">");
	if (open) {
		T(r, _("A call is going on"));
		P(r, "</h2>\n");
		form_begin(r, action);
		P(r, "<input type=\"hidden\" name=\"media\" value=\"video\">"
		    "<button>");
		T(r, _("Join the call"));
		P(r, "</button>");
		form_end(r);
	} else {
		T(r, _("Start a call"));
		P(r, "</h2>\n");
		form_begin(r, action);
		P(r, "<button name=\"media\" value=\"video\">");
		T(r, _("Start a video call"));
		P(r, "</button> <button name=\"media\" value=\"voice\" "
		    "class=\"secondary\">");
		T(r, _("Start a voice call"));
		P(r, "</button>");
		form_end(r);
	}
	P(r, "</section>\n");
	page_end(r);
	return 0;
}

int
ui_call_start_post(struct req *r)
{
	struct call_env env = env_of(r);
	int64_t tid = web_obj(r)->id, id;
	const char *media = page_form(r, "media");
	struct audit_event ev;
	struct why why = { 0 };
	char to[48];
	int rc;

	if (strcmp(media, "video") != 0 && strcmp(media, "voice") != 0 &&
	    media[0] != '\0')
		return ERR_INVAL;
	event(r, &ev, AUDIT_UPDATE);
	if ((rc = call_start(&env, tid, me(r), strcmp(media, "voice") != 0,
	    0, &ev, &id, NULL)) != 0)
		return rc;
	if ((rc = call_join(&env, id, me(r), 0, &ev, &why, NULL)) != 0)
		return page_refuse(r, &why, rc) == 0 ? ui_call_traj(r) : rc;
	snprintf(to, sizeof(to), "/calls/%lld", (long long)id);
	resp_redirect(r, to);
	return 0;
}

/* --- the call page ------------------------------------------------- */

static int
render_call(struct req *r, const char *error, int status)
{
	struct app *app = r->app;
	struct call_env env = env_of(r);
	int64_t id = web_obj(r)->id, tid = web_obj(r)->traj_id;
	bool pro = web_obj(r)->part == ROLE_PROFESSIONAL;
	const struct call_part *mine;
	struct audit_event ev;
	struct call c;
	char action[64], mark[40] = "";
	enum call_state st;
	size_t i;
	int rc;

	/* Log first, then show. */
	if ((rc = log_read(r, "page")) != 0)
		return rc;
	event(r, &ev, AUDIT_UPDATE);
	if ((rc = call_get(&env, id, 0, &ev, &r->arena, &c)) != 0)
		return rc;
	mine = call_part_of(&c, me(r));
	st = c.ended_at ? CALL_LEFT : mine ? mine->state : CALL_NONE;
	if (app->bus)
		event_mark(app->bus, mark);
	page_begin(r, c.video ? _("Video call") : _("Voice call"));
	call_assets(r);
	PF(r, "<p class=\"crumbs\"><a href=\"/t/%lld\">", (long long)tid);
	T(r, _("Back to the trajectory"));
	PF(r, "</a> · <a href=\"/t/%lld/call\">", (long long)tid);
	T(r, _("Calls"));
	P(r, "</a></p>\n");
	if (error)
		page_notice(r, "error", error);
	needs_script(r);
	PF(r, "<section class=\"call\" id=\"call\" aria-labelledby=\"h-call\" "
	    "data-call=\"%lld\" data-tid=\"%lld\" data-me=\"%lld\" "
	    "data-state=\"%s\" data-video=\"%d\" data-since=\"%s\" "
	    "data-beat=\"%d\" data-csrf=\"", (long long)id, (long long)tid,
	    (long long)me(r), call_state_name(st), c.video ? 1 : 0, mark,
	    LIMIT_CALL_BEAT);
	A(r, web_csrf_value(r));
	P(r, "\" data-t-waiting=\"");
	A(r, _("You are in the waiting room. A professional will let you in."));
	P(r, "\" data-t-in=\"");
	A(r, _("You are in the call."));
	P(r, "\" data-t-left=\"");
	A(r, _("You are no longer in this call."));
	P(r, "\" data-t-ended=\"");
	A(r, _("The call has ended."));
	P(r, "\" data-t-joined=\"");
	A(r, _("joined the call."));
	P(r, "\" data-t-gone=\"");
	A(r, _("left the call."));
	P(r, "\" data-t-knock=\"");
	A(r, _("is in the waiting room."));
	P(r, "\" data-t-refused=\"");
	A(r, _("The browser did not allow the camera or microphone. Allow them in the browser's site settings (the icon next to the address) and reload this page. Others can still see and hear each other."));
	P(r, "\" data-t-voice=\"");
	A(r, _("No camera could be used: you take part by voice only."));
	P(r, "\" data-t-mute=\"");
	A(r, _("Mute the microphone"));
	P(r, "\" data-t-unmute=\"");
	A(r, _("Switch the microphone on"));
	P(r, "\" data-t-camoff=\"");
	A(r, _("Switch the camera off"));
	P(r, "\" data-t-camon=\"");
	A(r, _("Switch the camera on"));
	P(r, "\" data-t-admit=\"");
	A(r, _("Let in"));
	P(r, "\"><h2 id=\"h-call\">");
	T(r, c.video ? _("Video call") : _("Voice call"));
	P(r, "</h2>\n<p id=\"call-status\" class=\"call-status\" "
	    "role=\"status\" aria-live=\"polite\">");
	T(r, c.ended_at ? _("The call has ended.") :
	    st == CALL_WAITING ? _("You are in the waiting room. A professional will let you in.") :
	    st == CALL_IN ? _("You are in the call.") :
	    _("You are not in this call."));
	P(r, "</p>\n");
	/* Who is there, as the server knows it now. */
	P(r, "<h3 id=\"h-people\">");
	T(r, _("Participants"));
	P(r, "</h3>\n<ul class=\"call-people\" id=\"call-people\" "
	    "aria-labelledby=\"h-people\">\n");
	for (i = 0; i < c.nparts; i++) {
		const struct call_part *p = &c.parts[i];

		if (p->state == CALL_LEFT || p->state == CALL_NONE)
			continue;
		PF(r, "<li data-user=\"%lld\" data-state=\"%s\">",
		    (long long)p->user_id, call_state_name(p->state));
		T(r, p->name);
		P(r, " (");
		T(r, p->state == CALL_WAITING ? _("waiting") : _("in the call"));
		P(r, ")");
		if (pro && st == CALL_IN && p->state == CALL_WAITING &&
		    !c.ended_at) {
			snprintf(action, sizeof(action), "/calls/%lld/admit",
			    (long long)id);
			form_begin(r, action);
			PF(r, "<input type=\"hidden\" name=\"user\" "
			    "value=\"%lld\"><button class=\"admit\">",
			    (long long)p->user_id);
			T(r, _("Let in"));
			P(r, "</button>");
			form_end(r);
		}
		P(r, "</li>\n");
	}
	P(r, "</ul>\n");
	/* Shown to someone waiting too (hidden), so the script reveals
	 * them when they are let in, without a reload that could miss the
	 * first offer. */
	if (!c.ended_at && (st == CALL_IN || st == CALL_WAITING)) {
		PF(r, "<div class=\"videos js-only in-call\" id=\"call-videos\"%s>"
		    "<figure><video id=\"call-self\" class=\"self\" autoplay "
		    "muted playsinline aria-label=\"", st == CALL_IN ? "" :
		    " hidden");
		A(r, _("Your camera"));
		P(r, "\"></video><figcaption>");
		T(r, _("You"));
		PF(r, "</figcaption></figure></div>\n<p class=\"call-controls "
		    "js-only in-call\"%s><button type=\"button\" id=\"call-mute\" "
		    "aria-pressed=\"false\">", st == CALL_IN ? "" : " hidden");
		T(r, _("Mute the microphone"));
		P(r, "</button> <button type=\"button\" id=\"call-camera\" "
		    "aria-pressed=\"false\">");
		T(r, _("Switch the camera off"));
		P(r, "</button></p>\n");
	}
	if (!c.ended_at && (st == CALL_NONE || st == CALL_LEFT)) {
		snprintf(action, sizeof(action), "/calls/%lld/join",
		    (long long)id);
		form_begin(r, action);
		P(r, "<button>");
		T(r, _("Join the call"));
		P(r, "</button>");
		form_end(r);
	}
	if (!c.ended_at && (st == CALL_IN || st == CALL_WAITING)) {
		snprintf(action, sizeof(action), "/calls/%lld/leave",
		    (long long)id);
		form_begin(r, action);
		P(r, "<button id=\"call-leave\" class=\"secondary\">");
		T(r, _("Leave the call"));
		P(r, "</button>");
		form_end(r);
	}
	if (!c.ended_at && pro) {
		snprintf(action, sizeof(action), "/calls/%lld/end",
		    (long long)id);
		form_begin(r, action);
		P(r, "<button class=\"secondary\">");
		T(r, _("End the call for everyone"));
		P(r, "</button>");
		form_end(r);
	}
	P(r, "<div class=\"visually-hidden\" id=\"call-announce\" "
	    "role=\"status\" aria-live=\"polite\"></div>\n</section>\n");
	page_end(r);
	if (status)
		r->status = status;
	return 0;
}

int
ui_call(struct req *r)
{
	return render_call(r, NULL, 0);
}

/* The tail of a change to the call: refused, the call's page again
 * saying why (why may be NULL); else back to it (a script's request only
 * hears that it went through). */
static int
back_to_call(struct req *r, int rc, const struct why *why)
{
	char to[48];

	if (rc == ERR_GONE)
		return render_call(r, _("The call has ended."), 410);
	if (rc != 0 && why != NULL && why->msg)
		return render_call(r, page_why(r, why), err_status(rc));
	if (rc != 0)
		return rc;
	if (req_header(r, "X-Requested-With")) {
		r->status = 204;
		return 0;
	}
	snprintf(to, sizeof(to), "/calls/%lld", (long long)web_obj(r)->id);
	resp_redirect(r, to);
	return 0;
}

int
ui_call_join_post(struct req *r)
{
	struct call_env env = env_of(r);
	struct audit_event ev;
	struct why why = { 0 };
	int rc;

	event(r, &ev, AUDIT_UPDATE);
	rc = call_join(&env, web_obj(r)->id, me(r), 0, &ev, &why, NULL);
	return back_to_call(r, rc, &why);
}

int
ui_call_admit_post(struct req *r)
{
	struct call_env env = env_of(r);
	struct audit_event ev;
	struct why why = { 0 };
	int64_t user;
	int rc;

	if (num_parse_i64(str_c(page_form(r, "user")), 1, INT64_MAX,
	    &user) != 0)
		return render_call(r, _("Choose whom to let in."), 400);
	event(r, &ev, AUDIT_UPDATE);
	rc = call_admit(&env, web_obj(r)->id, me(r), user, 0, &ev, &why);
	return back_to_call(r, rc, &why);
}

int
ui_call_leave_post(struct req *r)
{
	struct call_env env = env_of(r);
	struct audit_event ev;
	char to[48];
	int rc;

	event(r, &ev, AUDIT_UPDATE);
	rc = call_leave(&env, web_obj(r)->id, me(r), 0, &ev);
	if (rc == ERR_GONE)
		return render_call(r, _("The call has ended."), 410);
	if (rc == ERR_CONFLICT)
		return render_call(r, _("You are not in this call."), 409);
	if (rc != 0)
		return rc;
	if (req_header(r, "X-Requested-With")) {
		r->status = 204;
		return 0;
	}
	snprintf(to, sizeof(to), "/t/%lld/call",
	    (long long)web_obj(r)->traj_id);
	resp_redirect(r, to);
	return 0;
}

static int json_why(struct req *r, int rc, const struct why *why);

/*
 * The leave a call page sends when it goes away (closed, reloaded,
 * navigated elsewhere: static/call.js, navigator.sendBeacon on
 * pagehide), so the place frees at once instead of after
 * LIMIT_CALL_TIMEOUT.  A beacon sets no headers: it is a small form
 * whose csrf field the route table checks like any form's.  Nobody
 * reads the answer but a test: a status and a sentence.
 */
int
ui_call_unload_post(struct req *r)
{
	struct call_env env = env_of(r);
	struct audit_event ev;
	struct why why = { 0 };
	int rc;

	if (strcmp(r->content_type, "application/x-www-form-urlencoded") != 0) {
		why.field = "csrf";
		why.msg = N_("A page that closes says so with a form that carries the page's token (csrf).");
		return json_why(r, ERR_MEDIATYPE, &why);
	}
	event(r, &ev, AUDIT_UPDATE);
	rc = call_unload(&env, web_obj(r)->id, me(r), 0, &ev);
	if (rc == ERR_GONE)
		why.msg = N_("The call has ended.");
	else if (rc == ERR_CONFLICT)
		why.msg = N_("You are not in this call.");
	if (rc != 0) {
		why.field = "call";
		return json_why(r, rc, &why);
	}
	r->status = 204;
	return 0;
}

int
ui_call_end_post(struct req *r)
{
	struct call_env env = env_of(r);
	struct audit_event ev;
	int rc;

	event(r, &ev, AUDIT_UPDATE);
	rc = call_end(&env, web_obj(r)->id, me(r), 0, &ev);
	return back_to_call(r, rc, NULL);
}

/* --- what the script speaks (JSON) ---------------------------------- */

static int
json_why(struct req *r, int rc, const struct why *why)
{
	struct buf out = BUF_INIT;
	json_t *o;

	if (why == NULL || why->msg == NULL)
		return rc;
	o = json_pack("{s:s, s:s}", "error", page_why(r, why), "field",
	    why->field ? why->field : "");
	json_to_buf(o, &out);
	json_decref(o);
	resp_json(r, err_status(rc), out.p, out.len);
	buf_release(&out);
	return 0;
}

int
api_call_signal(struct req *r)
{
	struct call_env env = env_of(r);
	struct why why = { 0 };
	json_t *body, *data;
	struct buf text = BUF_INIT;
	struct str type;
	char tbuf[16];
	int64_t to;
	int rc;

	if ((rc = req_json(r, &body)) != 0)
		return rc;
	if (!json_is_object(body) ||
	    json_get_i64(body, "to", 1, INT64_MAX, &to) != 0 ||
	    json_get_str(body, "type", sizeof(tbuf) - 1, &type) != 0 ||
	    (data = json_object_get(body, "data")) == NULL) {
		why.field = "to";
		why.msg = N_("A signal names its receiver (to), its type and its data.");
		return json_why(r, ERR_INVAL, &why);
	}
	memcpy(tbuf, type.p, type.len);
	tbuf[type.len] = '\0';
	json_to_buf(data, &text);
	rc = call_signal(&env, web_obj(r)->id, me(r), to, tbuf, text.p,
	    text.len, 0, &why);
	buf_release(&text);
	if (rc != 0)
		return json_why(r, rc, &why);
	r->status = 204;
	return 0;
}

int
api_call_beat(struct req *r)
{
	struct call_env env = env_of(r);
	struct audit_event ev;
	enum call_state st = CALL_NONE;
	char out[64];
	int rc, n;

	event(r, &ev, AUDIT_UPDATE);
	rc = call_beat(&env, web_obj(r)->id, me(r), 0, &ev, &st);
	if (rc != 0 && rc != ERR_GONE)
		return rc;
	n = snprintf(out, sizeof(out), "{\"state\":\"%s\"}",
	    rc == ERR_GONE && st != CALL_WAITING && st != CALL_IN ? "left" :
	    call_state_name(st));
	resp_json(r, rc == ERR_GONE ? 410 : 200, out, (size_t)n);
	return 0;
}

/* The TURN servers of the settings with credentials for the caller, in
 * RTCPeerConnection's iceServers form; [] without a TURN server (the
 * browsers then connect directly: enough on one machine or network). */
static json_t *
ice_servers(struct req *r)
{
	struct app *app = r->app;
	const char *urls = app->cfg.turn_urls ? app->cfg.turn_urls : "";
	json_t *list = json_array(), *one, *u;
	char user[64], pass[64];
	const char *p, *e;

	if (urls[0] == '\0' || app->cfg.turn_secret == NULL ||
	    app->cfg.turn_secret[0] == '\0')
		return list;
	u = json_array();
	for (p = urls; *p; p = *e ? e + 1 : e) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		while (p < e && *p == ' ')
			p++;
		if (e > p)
			json_array_append_new(u, json_stringn(p, (size_t)(e - p)));
	}
	call_turn_credentials(app->cfg.turn_secret, me(r), (int64_t)time(NULL),
	    app->cfg.turn_ttl > 0 ? app->cfg.turn_ttl : LIMIT_TURN_TTL, user,
	    sizeof(user), pass, sizeof(pass));
	one = json_pack("{s:o, s:s, s:s}", "urls", u, "username", user,
	    "credential", pass);
	json_array_append_new(list, one);
	return list;
}

int
api_call_state(struct req *r)
{
	struct call_env env = env_of(r);
	const struct call_part *mine;
	struct audit_event ev;
	struct buf out = BUF_INIT;
	struct call c;
	json_t *o, *parts;
	enum call_state st;
	size_t i;
	int rc;

	if ((rc = log_read(r, "state")) != 0)
		return rc;
	event(r, &ev, AUDIT_UPDATE);
	if ((rc = call_get(&env, web_obj(r)->id, 0, &ev, &r->arena, &c)) != 0)
		return rc;
	mine = call_part_of(&c, me(r));
	st = c.ended_at ? CALL_LEFT : mine ? mine->state : CALL_NONE;
	parts = json_array();
	for (i = 0; i < c.nparts; i++) {
		const struct call_part *p = &c.parts[i];

		if (p->state != CALL_IN && p->state != CALL_WAITING)
			continue;
		json_array_append_new(parts, json_pack("{s:I, s:s, s:b, s:s, "
		    "s:I}", "user", (json_int_t)p->user_id, "name", p->name,
		    "professional", p->professional, "state",
		    call_state_name(p->state), "since",
		    (json_int_t)p->since));
	}
	o = json_pack("{s:I, s:b, s:b, s:s, s:o}", "call", (json_int_t)c.id,
	    "ended", c.ended_at != 0, "video", c.video, "state",
	    call_state_name(st), "participants", parts);
	/* Credentials only to who is in: someone waiting cannot use the
	 * relay. */
	if (st == CALL_IN && !c.ended_at)
		json_object_set_new(o, "iceServers", ice_servers(r));
	json_to_buf(o, &out);
	json_decref(o);
	resp_json(r, 200, out.p, out.len);
	buf_release(&out);
	return 0;
}
