/*
 * ui-library.c - the psycho-education library's pages (src/library):
 * the library with its search, writing and editing an item, an item's
 * page with its readability, publishing and sharing, sending an item to
 * a client in a message, and a client's own list.
 *
 * The route table names the item (AUTHZ_LIBRARY) and what is done to it;
 * the trajectory an item is sent to is a secondary object, asked of authz
 * here.  The message itself is the message module's (msg_thread_create),
 * with its access-log entry; library.c logs what it changes.
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "assistant/assistant.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/num.h"
#include "identity/session.h"
#include "library/library.h"
#include "media/media.h"
#include "message/markdown.h"
#include "message/message.h"
#include "trajectory/trajectory.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_audit.h"
#include "web/web_int.h"
#include "core/banned.h"

static bool
is_staff(const struct session *s)
{
	return s->role == ROLE_PROFESSIONAL || s->role == ROLE_ADMIN;
}

static const char *
audience_label(enum lib_audience a)
{
	switch (a) {
	case LIB_CLIENTS: return _("clients");
	case LIB_PROFESSIONALS: return _("professionals");
	case LIB_EMPLOYERS: return _("employers");
	case LIB_NAUDIENCES: break;
	}
	return "?";
}

static const char *
lang_label(const char *code)
{
	return strcmp(code, "en") == 0 ? _("English") : _("Dutch");
}

/* "Draft", "Published", "Shared with all organisations"; language, level
 * and audience: the line under a title. */
static void
item_meta(struct req *r, const struct lib_item *it, int64_t org_id)
{
	P(r, "<p class=\"muted\">");
	if (it->published_at == 0)
		T(r, _("Draft"));
	else if (it->shared)
		T(r, _("Published, shared with all organisations"));
	else
		T(r, _("Published"));
	if (it->org_id != org_id) {
		P(r, " \xc2\xb7 ");
		T(r, _("from another organisation"));
	}
	P(r, " \xc2\xb7 ");
	T(r, lang_label(it->lang));
	P(r, " \xc2\xb7 ");
	PF(r, "%s", lib_level_name(it->level));
	P(r, " \xc2\xb7 ");
	T(r, _("for"));
	P(r, " ");
	T(r, audience_label(it->audience));
	if (it->tags[0]) {
		P(r, " \xc2\xb7 ");
		T(r, it->tags);
	}
	P(r, "</p>\n");
}

static void
item_list(struct req *r, const struct lib_item *v, size_t n, int64_t org_id)
{
	size_t i;

	P(r, "<ul class=\"library\">\n");
	for (i = 0; i < n; i++) {
		PF(r, "<li><a href=\"/library/%lld\" lang=\"%s\">",
		    (long long)v[i].id, v[i].lang);
		T(r, v[i].title);
		P(r, "</a>\n");
		item_meta(r, &v[i], org_id);
		PF(r, "<p lang=\"%s\">", v[i].lang);
		T(r, v[i].summary);
		P(r, "</p></li>\n");
	}
	P(r, "</ul>\n");
}

/* --- the library and its search ----------------------------------------- */

int
ui_library(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	const char *q = req_query(r, "q");
	int page = page_results_page(r, LIMIT_LIBRARY_PAGES);
	struct lib_found found = { 0 };
	struct lib_item *v = NULL;
	struct why why = { 0 };
	size_t n = 0;
	int rc = 0;

	if (q != NULL && q[0] != '\0') {
		rc = lib_search(app->db, app->assistant, s->org_id, str_c(q),
		    page, &r->arena, &why, &found);
		if (rc != 0 && page_refuse(r, &why, rc) != 0)
			return rc;
	}
	page_begin(r, _("Library"));
	P(r, "<p>");
	T(r, _("Articles to send to clients, or to read yourself: your organisation's own and those other organisations share."));
	P(r, "</p>\n<p><a href=\"/library/new\">");
	T(r, _("Write a new item"));
	P(r, "</a></p>\n");
	P(r, "<form method=\"get\" action=\"/library\" role=\"search\">\n");
	form_input(r, "q", _("Search the library"), "search", q, "off", 0);
	form_submit(r, _("Search"));
	P(r, "</form>\n");
	if (q != NULL && q[0] != '\0' && rc == 0) {
		P(r, "<section aria-labelledby=\"h-results\"><h2 id=\"h-results\">");
		T(r, _("Search results"));
		P(r, "</h2>\n");
		if (found.n == 0) {
			P(r, "<p>");
			T(r, _("Nothing found."));
			P(r, "</p>\n");
		} else {
			item_list(r, found.v, found.n, s->org_id);
		}
		page_results_nav(r, arena_printf(&r->arena,
		    "/library?q=%s&page=", page_query_value(r, q)), page,
		    found.more);
		if (page == LIMIT_LIBRARY_PAGES - 1 &&
		    found.n == LIMIT_LIBRARY_RESULTS) {
			P(r, "<p>");
			T(r, _("These are the first results: add a word to find fewer."));
			P(r, "</p>\n");
		}
		P(r, "</section>\n");
	}
	if ((rc = lib_list(app->db, s->org_id, true, &r->arena, &v, &n)) != 0)
		return rc;
	P(r, "<section aria-labelledby=\"h-all\"><h2 id=\"h-all\">");
	T(r, _("All items"));
	P(r, "</h2>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("The library is empty."));
		P(r, "</p>\n");
	} else {
		item_list(r, v, n, s->org_id);
	}
	P(r, "</section>\n");
	page_end(r);
	return 0;
}

/* --- writing and editing ------------------------------------------------- */

/* A value for the form: what was posted (a refused form comes back as
 * typed), else the item's. */
static const char *
val(struct req *r, const char *name, const char *item)
{
	return r->nform > 0 ? page_form(r, name) : item;
}

static void
textarea(struct req *r, const char *name, const char *label,
    const char *value, int rows, bool required)
{
	PF(r, "<p class=\"field\"><label for=\"f-%s\">", name);
	T(r, label);
	PF(r, "</label>\n<textarea id=\"f-%s\" name=\"%s\" rows=\"%d\"%s",
	    name, name, rows, required ? " required" : "");
	page_field_attrs(r, name, NULL);
	P(r, ">");
	T(r, value ? value : "");
	P(r, "</textarea>");
	page_field_error(r, name);
	P(r, "</p>\n");
}

static void
select_open(struct req *r, const char *name, const char *label)
{
	PF(r, "<p class=\"field\"><label for=\"f-%s\">", name);
	T(r, label);
	PF(r, "</label>\n<select id=\"f-%s\" name=\"%s\"", name, name);
	page_field_attrs(r, name, NULL);
	P(r, ">\n");
}

static void
option(struct req *r, const char *value, const char *label, bool selected)
{
	P(r, "<option value=\"");
	A(r, value);
	PF(r, "\"%s>", selected ? " selected" : "");
	T(r, label);
	P(r, "</option>\n");
}

static void
select_close(struct req *r, const char *name)
{
	P(r, "</select>");
	page_field_error(r, name);
	P(r, "</p>\n");
}

/* The kind and, for a video or a sound, its file: the organisation's
 * films and sounds (uploaded at /org/media).  The text is then the
 * transcript or description, which is what search finds. */
static void
media_fields(struct req *r, const struct lib_item *it)
{
	struct app *app = r->app;
	struct media_info *m = NULL;
	const char *kind, *cur;
	char idbuf[24];
	bool listed = false;
	int i, n = 0;

	kind = val(r, "kind", it ? it->kind : "article");
	select_open(r, "kind", _("Kind"));
	option(r, "article", _("Article"), strcmp(kind, "article") == 0);
	option(r, "video", _("Video"), strcmp(kind, "video") == 0);
	option(r, "audio", _("Audio"), strcmp(kind, "audio") == 0);
	select_close(r, "kind");
	snprintf(idbuf, sizeof(idbuf), "%lld",
	    it ? (long long)it->media_id : 0LL);
	cur = val(r, "media", idbuf);
	if (media_list(app->db, page_session(r)->org_id, &r->arena, &m,
	    &n) != 0)
		n = 0;
	select_open(r, "media", _("Film or sound (for a video or audio item; the text is then its transcript or description)"));
	option(r, "0", _("None"), strcmp(cur, "0") == 0 || cur[0] == '\0');
	for (i = 0; i < n; i++) {
		enum media_class k = media_class_of(m[i].type);

		if (k != MEDIA_CLASS_AUDIO && k != MEDIA_CLASS_VIDEO)
			continue;
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)m[i].id);
		listed |= strcmp(cur, idbuf) == 0;
		option(r, idbuf, m[i].name, strcmp(cur, idbuf) == 0);
	}
	/* an older file than the list holds stays chosen */
	if (!listed && cur[0] != '\0' && strcmp(cur, "0") != 0)
		option(r, cur, cur, true);
	select_close(r, "media");
	P(r, "<p><a href=\"/org/media\">");
	T(r, _("Upload a film or sound in the media files"));
	P(r, "</a></p>\n");
}

static int
render_form(struct req *r, const struct lib_item *it)
{
	const char *aud, *lang, *lvl;
	int i;

	page_begin(r, it ? _("Edit item") : _("New item"));
	if (it)
		form_begin_long(r, arena_printf(&r->arena, "/library/%lld",
		    (long long)it->id));
	else
		form_begin_long(r, "/library");
	form_input(r, "title", _("Title"), "text", val(r, "title",
	    it ? it->title : ""), "off", 1);
	textarea(r, "summary", _("Summary (a few sentences for the list)"),
	    val(r, "summary", it ? it->summary : ""), 3, true);
	textarea(r, "body", _("Text (Markdown)"), val(r, "body",
	    it ? it->body : ""), 16, true);
	form_input(r, "tags", _("Tags (separated by commas)"), "text",
	    val(r, "tags", it ? it->tags : ""), "off", 0);
	aud = val(r, "audience", it ? lib_audience_name(it->audience) :
	    "clients");
	select_open(r, "audience", _("For"));
	for (i = 0; i < LIB_NAUDIENCES; i++)
		option(r, lib_audience_name(i), audience_label(i),
		    strcmp(aud, lib_audience_name(i)) == 0);
	select_close(r, "audience");
	lang = val(r, "lang", it ? it->lang : web_req_state(r)->lang);
	select_open(r, "lang", _("Language of the text"));
	option(r, "nl", _("Dutch"), strcmp(lang, "nl") == 0);
	option(r, "en", _("English"), strcmp(lang, "en") == 0);
	select_close(r, "lang");
	media_fields(r, it);
	lvl = val(r, "level", it ? lib_level_name(it->level) : "");
	select_open(r, "level", _("Reading level"));
	option(r, "", _("The audience's usual level (clients and employers B1, professionals C1)"),
	    lvl[0] == '\0');
	for (i = 0; i < LIB_NLEVELS; i++)
		option(r, lib_level_name(i), lib_level_name(i),
		    strcmp(lvl, lib_level_name(i)) == 0);
	select_close(r, "level");
	form_submit(r, it ? _("Save") : _("Save as draft"));
	form_end(r);
	page_end(r);
	return 0;
}

static void
input_of(struct req *r, struct lib_input *in)
{
	memset(in, 0, sizeof(*in));
	in->title = str_c(page_form(r, "title"));
	in->summary = str_c(page_form(r, "summary"));
	in->body = str_c(page_form(r, "body"));
	in->tags = str_c(page_form(r, "tags"));
	in->audience = page_form(r, "audience");
	in->lang = page_form(r, "lang");
	in->level = page_form(r, "level");
	in->kind = page_form(r, "kind");
	/* anything but a number is no file: the domain says which to pick */
	if (num_parse_i64(str_c(page_form(r, "media")), 0, INT64_MAX,
	    &in->media_id) != 0)
		in->media_id = 0;
}

int
ui_library_new(struct req *r)
{
	return render_form(r, NULL);
}

int
ui_library_create_post(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct audit_event ev;
	struct lib_input in;
	struct why why = { 0 };
	int64_t id = 0;
	int rc;

	input_of(r, &in);
	web_audit_event(r, &ev, AUDIT_CREATE, "library", 0, 0, "care");
	rc = lib_create(app->db, s->org_id, s->user_id, &in, 0, &ev, &why,
	    &id);
	if (rc != 0)
		return page_refuse(r, &why, rc) != 0 ? rc : render_form(r, NULL);
	resp_redirect(r, arena_printf(&r->arena, "/library/%lld?saved=1",
	    (long long)id));
	return 0;
}

int
ui_library_edit(struct req *r)
{
	struct app *app = r->app;
	struct lib_item it;
	int rc;

	if ((rc = lib_get(app->db, web_obj(r)->id, &r->arena, &it)) != 0)
		return rc;
	return render_form(r, &it);
}

int
ui_library_update_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	struct lib_input in;
	struct lib_item it;
	struct why why = { 0 };
	int64_t id = web_obj(r)->id;
	int rc;

	input_of(r, &in);
	web_audit_event(r, &ev, AUDIT_UPDATE, "library", 0, id, "care");
	rc = lib_update(app->db, app->assistant, id, &in, 0, &ev, &why);
	if (rc != 0) {
		if (page_refuse(r, &why, rc) != 0)
			return rc;
		if ((rc = lib_get(app->db, id, &r->arena, &it)) != 0)
			return rc;
		return render_form(r, &it);
	}
	resp_redirect(r, arena_printf(&r->arena, "/library/%lld?saved=1",
	    (long long)id));
	return 0;
}

/* --- an item's page ------------------------------------------------------ */

static void
readability(struct req *r, const struct lib_item *it, bool author)
{
	struct app *app = r->app;
	double score, min;
	bool hard;

	lib_readability(app->assistant, it, &r->arena, &score, &min, &hard);
	P(r, "<p class=\"readability\">");
	T(r, _("Readability score:"));
	P(r, " ");
	T(r, page_decimal(r, score));
	if (min > 0) {
		P(r, " (");
		T(r, _("at least"));
		P(r, " ");
		T(r, page_decimal(r, min));
		PF(r, " %s)", lib_level_name(it->level));
	}
	P(r, "</p>\n");
	if (author && hard)
		page_notice(r, "error", _("This text is harder to read than its reading level asks: use shorter sentences and shorter, everyday words, or choose a higher level."));
}

int
ui_library_item(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	const struct authz_object *o = web_obj(r);
	struct lib_item it;
	struct buf html = BUF_INIT;
	bool own, kept = false;
	int rc;

	if ((rc = lib_get(app->db, o->id, &r->arena, &it)) != 0)
		return rc;
	own = is_staff(s) && it.org_id == s->org_id;
	if (s->role == ROLE_CLIENT &&
	    (rc = lib_is_kept(app->db, s->user_id, it.id, &kept)) != 0)
		return rc;
	page_begin(r, it.title);
	if (req_query(r, "saved"))
		page_notice(r, "ok", _("Saved."));
	if (req_query(r, "sent"))
		page_notice(r, "ok", _("The item was sent to the client in a new conversation."));
	item_meta(r, &it, s->org_id);
	readability(r, &it, own);
	/* The text's own language, for screen readers on a page in the
	 * other one. */
	PF(r, "<p class=\"summary\" lang=\"%s\"><strong>", it.lang);
	T(r, it.summary);
	P(r, "</strong></p>\n");
	/* A client plays it as a member of the item's organisation
	 * (AUTHZ_MEDIA); the text below is its transcript. */
	if (it.media_id != 0) {
		const char *el = strcmp(it.kind, "video") == 0 ? "video" :
		    "audio";

		PF(r, "<p><%s controls preload=\"metadata\" "
		    "src=\"/media/%lld\" aria-describedby=\"item-text\">"
		    "<a href=\"/media/%lld\">", el, (long long)it.media_id,
		    (long long)it.media_id);
		T(r, _("Download the file"));
		PF(r, "</a></%s></p>\n", el);
	}
	PF(r, "<article id=\"item-text\" class=\"library-text\" lang=\"%s\">\n",
	    it.lang);
	markdown_render(str_c(it.body), &html);
	buf_add(&r->resp, html.p ? html.p : "", html.len);
	buf_release(&html);
	P(r, "</article>\n");

	P(r, "<section aria-labelledby=\"h-actions\" class=\"actions\"><h2 id=\"h-actions\">");
	T(r, _("What you can do"));
	P(r, "</h2>\n");
	if (own) {
		PF(r, "<p><a href=\"/library/%lld/edit\">", (long long)it.id);
		T(r, _("Edit"));
		P(r, "</a></p>\n");
		form_begin(r, arena_printf(&r->arena, "/library/%lld/publish",
		    (long long)it.id));
		PF(r, "<input type=\"hidden\" name=\"publish\" value=\"%d\">",
		    it.published_at == 0);
		form_submit(r, it.published_at == 0 ? _("Publish") :
		    _("Withdraw (back to draft)"));
		form_end(r);
		if (s->role == ROLE_ADMIN && it.published_at != 0) {
			form_begin(r, arena_printf(&r->arena,
			    "/library/%lld/share", (long long)it.id));
			PF(r, "<input type=\"hidden\" name=\"share\" value=\"%d\">",
			    !it.shared);
			form_submit(r, it.shared ?
			    _("Stop sharing with other organisations") :
			    _("Share with all organisations"));
			form_end(r);
		}
	}
	if (s->role == ROLE_PROFESSIONAL && it.published_at != 0) {
		PF(r, "<p><a href=\"/library/%lld/send\">", (long long)it.id);
		T(r, _("Send to a client"));
		P(r, "</a></p>\n");
	}
	if (s->role == ROLE_CLIENT) {
		form_begin(r, arena_printf(&r->arena, "/library/%lld/keep",
		    (long long)it.id));
		PF(r, "<input type=\"hidden\" name=\"keep\" value=\"%d\">",
		    !kept);
		form_submit(r, kept ? _("Remove from my library") :
		    _("Keep in my library"));
		form_end(r);
		P(r, "<p><a href=\"/my-library\">");
		T(r, _("My library"));
		P(r, "</a></p>\n");
	} else {
		P(r, "<p><a href=\"/library\">");
		T(r, _("Back to the library"));
		P(r, "</a></p>\n");
	}
	P(r, "</section>\n");
	page_end(r);
	return 0;
}

static int
flag_of(struct req *r, const char *name, bool *out)
{
	const char *v = page_form(r, name);

	if (strcmp(v, "1") == 0 || strcmp(v, "0") == 0) {
		*out = v[0] == '1';
		return 0;
	}
	return ERR_INVAL;
}

int
ui_library_publish_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	int64_t id = web_obj(r)->id;
	bool on;
	int rc;

	if (flag_of(r, "publish", &on) != 0)
		return ERR_INVAL;
	web_audit_event(r, &ev, AUDIT_UPDATE, "library", 0, id, "care");
	if ((rc = lib_publish(app->db, app->assistant, id, on, 0, &ev)) != 0)
		return rc;
	resp_redirect(r, arena_printf(&r->arena, "/library/%lld?saved=1",
	    (long long)id));
	return 0;
}

int
ui_library_share_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	struct why why = { 0 };
	int64_t id = web_obj(r)->id;
	bool on;
	int rc;

	if (flag_of(r, "share", &on) != 0)
		return ERR_INVAL;
	web_audit_event(r, &ev, AUDIT_UPDATE, "library", 0, id, "admin");
	rc = lib_share(app->db, app->assistant, id, on, &ev, &why);
	if (rc != 0) {
		if (page_refuse(r, &why, rc) != 0)
			return rc;
		return ui_library_item(r);
	}
	resp_redirect(r, arena_printf(&r->arena, "/library/%lld?saved=1",
	    (long long)id));
	return 0;
}

/* --- sending to a client ------------------------------------------------- */

static int
render_send(struct req *r, const struct lib_item *it)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct trajectory *t = NULL;
	struct audit_event ev;
	size_t n = 0, i, open = 0;
	int rc;

	web_audit_event(r, &ev, AUDIT_READ, "trajectory", 0, 0, "care");
	if ((rc = traj_list(app->db, app->kr, s->org_id, s->user_id, false,
	    &ev, &r->arena, &t, &n)) != 0)
		return rc;
	page_begin(r, _("Send to a client"));
	P(r, "<p>");
	T(r, _("The client gets a message with the title and a link to the item, in a new conversation of the trajectory you choose."));
	P(r, "</p>\n<p><strong>");
	T(r, it->title);
	P(r, "</strong></p>\n");
	for (i = 0; i < n; i++)
		open += t[i].closed_at == 0;
	if (open == 0) {
		P(r, "<p>");
		T(r, _("You have no open trajectory to send it in."));
		P(r, "</p>\n");
	} else {
		form_begin(r, arena_printf(&r->arena, "/library/%lld/send",
		    (long long)it->id));
		select_open(r, "traj", _("Trajectory"));
		for (i = 0; i < n; i++) {
			if (t[i].closed_at != 0)
				continue;
			option(r, arena_printf(&r->arena, "%lld",
			    (long long)t[i].id), t[i].title ? t[i].title : "",
			    false);
		}
		select_close(r, "traj");
		form_submit(r, _("Send"));
		form_end(r);
	}
	PF(r, "<p><a href=\"/library/%lld\">", (long long)it->id);
	T(r, _("Back to the item"));
	P(r, "</a></p>\n");
	page_end(r);
	return 0;
}

int
ui_library_send(struct req *r)
{
	struct app *app = r->app;
	struct lib_item it;
	int rc;

	if ((rc = lib_get(app->db, web_obj(r)->id, &r->arena, &it)) != 0)
		return rc;
	return render_send(r, &it);
}

int
ui_library_send_post(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct msg_env env = { app->db, app->kr, app->tzc, app->bus };
	struct principal p = page_principal(r);
	struct authz_object to;
	struct audit_event ev;
	struct msg_post first;
	struct lib_item it;
	struct why why = { 0 };
	struct buf body = BUF_INIT;
	int64_t traj = 0, thid = 0, mid = 0;
	int rc;

	if ((rc = lib_get(app->db, web_obj(r)->id, &r->arena, &it)) != 0)
		return rc;
	/* A draft stays with its authors: the client could not open it. */
	if (it.published_at == 0) {
		why_set(&why, ERR_INVAL, NULL,
		    N_("Publish the item before you send it."));
		return page_refuse(r, &why, ERR_INVAL) != 0 ? ERR_INVAL :
		    render_send(r, &it);
	}
	if (num_parse_i64(str_c(page_form(r, "traj")), 1, INT64_MAX,
	    &traj) != 0) {
		why_set(&why, ERR_INVAL, "traj", N_("Choose a trajectory."));
		return page_refuse(r, &why, ERR_INVAL) != 0 ? ERR_INVAL :
		    render_send(r, &it);
	}
	/* The trajectory is not in the path: asked here, refusals logged. */
	if ((rc = authz_object(app->db, &p, AUTHZ_CREATE, AUTHZ_TRAJECTORY,
	    traj, &to)) != 0) {
		if (rc == ERR_NOTFOUND || rc == ERR_FORBIDDEN)
			web_audit_refusal(r, "trajectory", traj, rc);
		return rc;
	}
	buf_printf(&body, "%s\n\n", it.summary);
	buf_adds(&body, "[");
	buf_adds(&body, _("Read in the library"));
	buf_printf(&body, ": %s](/library/%lld)\n", it.title,
	    (long long)it.id);
	memset(&first, 0, sizeof(first));
	first.author_id = s->user_id;
	first.body = (struct str){ body.p, body.len };
	first.why = &why;
	web_audit_event(r, &ev, AUDIT_CREATE, "message", 0, 0, "care");
	rc = msg_thread_create(&env, traj, str_c(it.title), &first, &ev,
	    &thid, &mid);
	buf_release(&body);
	if (rc != 0) {
		if (page_refuse(r, &why, rc) != 0)
			return rc;
		return render_send(r, &it);
	}
	resp_redirect(r, arena_printf(&r->arena, "/threads/%lld?sent=1#m-%lld",
	    (long long)thid, (long long)mid));
	return 0;
}

/* --- a client's own list ------------------------------------------------- */

int
ui_library_keep_post(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct audit_event ev;
	int64_t id = web_obj(r)->id;
	bool on;
	int rc;

	if (flag_of(r, "keep", &on) != 0)
		return ERR_INVAL;
	web_audit_event(r, &ev, on ? AUDIT_CREATE : AUDIT_DELETE,
	    "library-list", s->user_id, id, "client-self");
	rc = lib_keep(app->db, s->user_id, s->org_id, id, on, 0, &ev);
	if (rc == ERR_TOOMANY) {
		struct why why = { NULL,
		    N_("Your library holds at most %d items."), NULL,
		    LIMIT_LIBRARY_KEPT };

		if (page_refuse(r, &why, rc) != 0)
			return rc;
		return ui_library_item(r);
	}
	if (rc != 0)
		return rc;
	resp_redirect(r, on ? "/my-library?kept=1" : arena_printf(&r->arena,
	    "/library/%lld", (long long)id));
	return 0;
}

int
ui_library_mine(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct lib_item *v = NULL;
	struct audit_event ev;
	size_t n = 0;
	int rc;

	web_audit_event(r, &ev, AUDIT_READ, "library-list", s->user_id, 0,
	    "client-self");
	if ((rc = lib_kept(app->db, s->user_id, s->org_id, &ev, &r->arena, &v,
	    &n)) != 0)
		return rc;
	page_begin(r, _("My library"));
	if (req_query(r, "kept"))
		page_notice(r, "ok", _("The item is in your library."));
	P(r, "<p>");
	T(r, _("Articles you keep to read again. Your professional can send you more."));
	P(r, "</p>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("You have not kept any items yet."));
		P(r, "</p>\n");
	} else {
		item_list(r, v, n, s->org_id);
	}
	page_end(r);
	return 0;
}
