/*
 * ui-module.c - self-help modules (src/module): the organisation's
 * library (write a draft, preview it, publish), a trajectory's modules
 * with each one's progress and the form to give one, and a run's page:
 * for the client where they are and what is next, the session's pages
 * and exercises; for the professional progress, answers and feedback.
 *
 * The preview and the client's page draw a session with the same code
 * (render_session), so what an author previews is what a client sees;
 * in a preview the exercises' forms are shown but disabled.  Module
 * texts reach the page only through markdown_render; what the client
 * wrote is shown escaped.
 *
 * The router checks the module or run in the path (AUTHZ_MODULE,
 * AUTHZ_MODULE_RUN, AUTHZ_TRAJECTORY) before a handler runs; src/module
 * checks the part each person plays and logs every read of a run before
 * anything is shown.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/num.h"
#include "identity/session.h"
#include "instrument/measure.h"
#include "instrument/shipped.h"
#include "library/library.h"
#include "message/markdown.h"
#include "module/module.h"
#include "promise/tz.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/ui-libpick.h"
#include "web/web_int.h"
#include "core/banned.h"

static struct mod_env
env_of(struct req *r)
{
	struct app *app = r->app;
	struct mod_env e = { app->db, app->kr };

	return e;
}

static bool
is_client(struct req *r)
{
	const struct session *s = page_session(r);

	return s && s->role == ROLE_CLIENT;
}

static void
event(struct req *r, struct audit_event *ev, int action)
{
	web_audit_event(r, ev, action, "module", 0, 0,
	    is_client(r) ? "client-self" : "care");
}

static void
assets(struct req *r)
{
	P(r, "<link rel=\"stylesheet\" href=\"/static/module.css\">\n");
}

static void
render_md(struct req *r, const char *s, size_t len)
{
	P(r, "<div class=\"body\">");
	markdown_render((struct str){ s ? s : "", s ? len : 0 }, &r->resp);
	P(r, "</div>\n");
}

static const char *
kind_label(enum mod_page_kind k)
{
	switch (k) {
	case MOD_PAGE_TEXT: return _("Reading");
	case MOD_PAGE_FREE: return _("Question");
	case MOD_PAGE_CHOICE: return _("Choice");
	case MOD_PAGE_QUESTIONNAIRE: return _("Questionnaire");
	case MOD_PAGE_DIARY: return _("Diary");
	case MOD_PAGE_MOOD: return _("Mood");
	case MOD_PAGE_ASSIGNMENT: return _("Assignment");
	case MOD_PAGE_MEDIA: return _("Media");
	case MOD_PAGE_LIBRARY: return _("From the library");
	}
	return "?";
}

static const char *
duration(struct req *r, int64_t secs)
{
	if (secs < 3600)
		return arena_printf(&r->arena, _("%lld min"),
		    (long long)((secs + 59) / 60));
	return arena_printf(&r->arena, _("%lld h %02lld min"),
	    (long long)(secs / 3600), (long long)(secs % 3600 / 60));
}

/* The session a POST names (?s= or the field s, 1-based), -1 none. */
static int
post_session(struct req *r)
{
	const char *q = req_query(r, "s");
	int64_t v;

	if (q == NULL)
		q = page_form(r, "s");
	if (num_parse_i64(str_c(q), 1, LIMIT_MOD_SESSIONS, &v) != 0)
		return -1;
	return (int)v - 1;
}

/* --- one session: the same drawing for the preview and the run ------------ */

enum draw { DRAW_PREVIEW, DRAW_CLIENT, DRAW_PRO };

struct draw_ctx {
	enum draw mode;
	int64_t run_id;
	int64_t traj_id;
	bool writable;           /* the client may answer now */
	const struct tz *tz;
	int64_t org_id;          /* whose library items a page may show */
};

static void
answer_form_begin(struct req *r, const struct draw_ctx *d, int s, int p)
{
	if (d->mode == DRAW_PREVIEW) {
		/* the form as the client sees it, but going nowhere */
		P(r, "<form class=\"exercise\" action=\"#\" method=\"get\">\n"
		    "<fieldset class=\"plain\" disabled>\n");
		return;
	}
	form_begin(r, arena_printf(&r->arena, "/md/%lld/answer#p-%d-%d",
	    (long long)d->run_id, s + 1, p + 1));
	PF(r, "<input type=\"hidden\" name=\"s\" value=\"%d\">\n"
	    "<input type=\"hidden\" name=\"p\" value=\"%d\">\n"
	    "<fieldset class=\"plain\">\n", s + 1, p + 1);
}

static void
answer_form_end(struct req *r, const char *button)
{
	P(r, "<p><button type=\"submit\">");
	T(r, button);
	P(r, "</button></p>\n</fieldset>\n</form>\n");
}

static void
draw_exercise(struct req *r, const struct draw_ctx *d, int s, int p,
    const struct mod_page *pg, const struct mod_answer *an)
{
	const char *id = arena_printf(&r->arena, "a-%d-%d", s + 1, p + 1);
	bool answered = an && an->updated_at > 0;
	/* a refusal belongs to the one exercise that was posted */
	bool here = d->mode == DRAW_CLIENT &&
	    strcmp(page_form(r, "p"), arena_printf(&r->arena, "%d", p + 1)) == 0 &&
	    post_session(r) == s;
	int k;

	if (d->mode == DRAW_PRO || (d->mode == DRAW_CLIENT && !d->writable)) {
		/* read back */
		P(r, "<div class=\"answer\"><p class=\"muted\">");
		if (!answered) {
			T(r, _("Not answered."));
			P(r, "</p></div>\n");
			return;
		}
		T(r, arena_printf(&r->arena, _("Answered on %s"),
		    page_time_tz(r, d->tz, an->updated_at)));
		if (an->waiting && d->mode == DRAW_PRO) {
			P(r, " \xc2\xb7 <strong>");
			T(r, _("waits for feedback"));
			P(r, "</strong>");
		}
		P(r, "</p>\n");
		if (an->body) {
			P(r, "<div class=\"work-text\">");
			T(r, an->body);
			P(r, "</div>\n");
		}
		if (pg->kind == MOD_PAGE_QUESTIONNAIRE && an->ref_id)
			PF(r, "<p><a href=\"/q/%lld/results\">%s</a></p>\n",
			    (long long)an->ref_id, _("The questionnaire's results"));
		if (pg->kind == MOD_PAGE_DIARY && an->ref_id)
			PF(r, "<p><a href=\"/t/%lld/diary\">%s</a></p>\n",
			    (long long)d->traj_id, _("Written in the diary"));
		if (pg->kind == MOD_PAGE_MOOD && an->ref_id)
			PF(r, "<p><a href=\"/t/%lld/mood\">%s</a></p>\n",
			    (long long)d->traj_id, _("Noted in the mood meter"));
		P(r, "</div>\n");
		return;
	}
	answer_form_begin(r, d, s, p);
	switch (pg->kind) {
	case MOD_PAGE_FREE:
	case MOD_PAGE_ASSIGNMENT:
	case MOD_PAGE_DIARY:
		PF(r, "<p class=\"field\"><label for=\"%s\">", id);
		T(r, pg->kind == MOD_PAGE_DIARY ? _("Write in your diary") :
		    _("Your answer"));
		PF(r, "</label>\n<textarea id=\"%s\" name=\"answer\" rows=\"6\"",
		    id);
		if (here)
			page_field_attrs(r, "answer", NULL);
		P(r, ">");
		/* refused: what they wrote comes back, not lost */
		if (here)
			T(r, page_form(r, "answer"));
		else if (answered && an->body)
			T(r, an->body);
		P(r, "</textarea>");
		if (here)
			page_field_error(r, "answer");
		P(r, "</p>\n");
		if (pg->kind == MOD_PAGE_ASSIGNMENT) {
			P(r, "<p class=\"muted\">");
			T(r, _("Your professional reads this and responds."));
			P(r, "</p>\n");
		}
		answer_form_end(r, answered ? _("Save again") : _("Save"));
		break;
	case MOD_PAGE_CHOICE:
	case MOD_PAGE_MOOD:
		P(r, "<fieldset><legend>");
		T(r, pg->kind == MOD_PAGE_MOOD ?
		    _("How are you feeling, from 1 (very bad) to 10 (very good)?") :
		    _("Choose one"));
		P(r, "</legend>\n");
		for (k = 0; k < (pg->kind == MOD_PAGE_MOOD ? 10 :
		    pg->noptions); k++) {
			const char *label = pg->kind == MOD_PAGE_MOOD ?
			    arena_printf(&r->arena, "%d", k + 1) :
			    pg->options[k];
			bool on = answered && an->body &&
			    strcmp(an->body, label) == 0;

			PF(r, "<p class=\"check\"><input type=\"radio\" "
			    "name=\"answer\" value=\"%d\" id=\"%s-%d\"%s> "
			    "<label for=\"%s-%d\">", k + 1, id, k + 1,
			    on ? " checked" : "", id, k + 1);
			T(r, label);
			P(r, "</label></p>\n");
		}
		P(r, "</fieldset>\n");
		if (here)
			page_field_error(r, "answer");
		answer_form_end(r, answered ? _("Save again") : _("Save"));
		break;
	case MOD_PAGE_QUESTIONNAIRE:
		if (answered && an->ref_id) {
			PF(r, "<p><a href=\"/q/%lld\">", (long long)an->ref_id);
			T(r, _("Go to the questionnaire"));
			P(r, "</a></p>\n</fieldset>\n</form>\n");
			break;
		}
		answer_form_end(r, _("Start the questionnaire"));
		break;
	case MOD_PAGE_TEXT:
	case MOD_PAGE_MEDIA:
	case MOD_PAGE_LIBRARY:
		P(r, "</fieldset>\n</form>\n");
		break;
	}
}

/* A media page's file, from the media store (the route's authz lets the
 * organisation's members read it): an image with its text alternative,
 * a sound or a film with controls, its description as the caption and
 * a link to the file for a browser that plays neither.  The page's body
 * (the caption or transcript) follows. */
static void
draw_media(struct req *r, const struct mod_page *pg)
{
	const char *el = pg->media_kind == MOD_MEDIA_VIDEO ? "video" : "audio";

	if (pg->media_kind == MOD_MEDIA_IMAGE) {
		PF(r, "<figure class=\"media\"><img src=\"/media/%lld\" "
		    "alt=\"", (long long)pg->media_id);
		A(r, pg->alt);
		P(r, "\"></figure>\n");
		return;
	}
	PF(r, "<figure class=\"media\"><%s controls preload=\"metadata\" "
	    "src=\"/media/%lld\" aria-label=\"", el, (long long)pg->media_id);
	A(r, pg->alt);
	PF(r, "\"><a href=\"/media/%lld\">", (long long)pg->media_id);
	T(r, _("Download the file"));
	PF(r, "</a></%s><figcaption>", el);
	T(r, pg->alt);
	P(r, "</figcaption></figure>\n");
}

/* A library page's item, decided again now: one withdrawn or no longer
 * shared since the version was published is not shown.  The read of the
 * run that shows it is in the access log (mod_run_view). */
static void
draw_library(struct req *r, const struct draw_ctx *d,
    const struct mod_page *pg)
{
	struct app *app = r->app;
	struct lib_item it;

	if (lib_visible(app->db, pg->item_id, d->org_id, &r->arena, &it) != 0) {
		P(r, "<p class=\"muted\">");
		T(r, _("This library item is no longer available."));
		P(r, "</p>\n");
		return;
	}
	uil_item_show(r, &it, d->mode == DRAW_CLIENT, 4);
}

static void
render_session(struct req *r, const struct draw_ctx *d,
    const struct mod_session *ms, int s, const struct mod_session_state *st)
{
	int p;

	PF(r, "<section class=\"session\" aria-labelledby=\"h-s%d\">"
	    "<h2 id=\"h-s%d\">", s + 1, s + 1);
	T(r, arena_printf(&r->arena, _("Session %d: %s"), s + 1, ms->title));
	P(r, "</h2>\n");
	for (p = 0; p < ms->npages; p++) {
		const struct mod_page *pg = &ms->pages[p];

		PF(r, "<article class=\"page kind-%s\" id=\"p-%d-%d\">"
		    "<h3>", mod_page_kind_name(pg->kind), s + 1, p + 1);
		T(r, pg->title[0] ? pg->title : kind_label(pg->kind));
		P(r, "</h3>\n");
		if (pg->kind == MOD_PAGE_MEDIA)
			draw_media(r, pg);
		if (pg->body_len > 0)
			render_md(r, pg->body, pg->body_len);
		if (pg->kind == MOD_PAGE_LIBRARY)
			draw_library(r, d, pg);
		if (mod_page_is_exercise(pg->kind))
			draw_exercise(r, d, s, p, pg,
			    st ? &st->answers[p] : NULL);
		P(r, "</article>\n");
	}
	if (st && st->feedback) {
		P(r, "<section class=\"feedback\" aria-labelledby=\"h-fb\">"
		    "<h3 id=\"h-fb\">");
		T(r, _("Feedback from your professional"));
		P(r, "</h3>\n");
		render_md(r, st->feedback, strlen(st->feedback));
		P(r, "</section>\n");
	}
	P(r, "</section>\n");
}

/* --- the library --------------------------------------------------------- */

/* Import a package (ui-mod-pkg.c).  The file passes LIMIT_BODY_ANON: the
 * token rides in the action's query. */
static void
import_form(struct req *r)
{
	P(r, "<section aria-labelledby=\"h-import\"><h2 id=\"h-import\">");
	T(r, _("Import a module package"));
	P(r, "</h2>\n<form method=\"post\" enctype=\"multipart/form-data\" "
	    "action=\"/module-packages?csrf=");
	A(r, web_csrf_value(r));
	P(r, "\"><p class=\"field\"><label for=\"f-package\">");
	T(r, _("Package (.zip)"));
	P(r, "</label>\n<input id=\"f-package\" type=\"file\" "
	    "name=\"package\" required accept=\".zip\" "
	    "aria-describedby=\"f-package-hint");
	if (page_field_bad(r, "package"))
		P(r, " f-package-error\" aria-invalid=\"true");
	P(r, "\"> <span class=\"hint\" id=\"f-package-hint\">");
	T(r, _("A module shared by another organisation; it is checked "
	    "whole and published as version 1, or nothing is imported."));
	P(r, "</span>");
	page_field_error(r, "package");
	P(r, "</p><input type=\"hidden\" name=\"csrf\" value=\"");
	A(r, web_csrf_value(r));
	P(r, "\"><p><button type=\"submit\">");
	T(r, _("Import"));
	P(r, "</button></p></form>\n");
	if (page_session(r)->role == ROLE_ADMIN) {
		P(r, "<p>");
		T(r, _("The example modules written for Infuus (stress and recovery after work, dealing with worrying) in this page's language:"));
		P(r, "</p>\n");
		form_button(r, "/module-packages/examples",
		    _("Add the example modules"));
	}
	P(r, "</section>\n");
}

int
ui_mod_library(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct mod_info *m = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = mod_list(app->db, s->org_id, &r->arena, &m, &n)) != 0)
		return rc;
	page_begin(r, _("Self-help modules"));
	assets(r);
	if (req_query(r, "examples"))
		page_notice(r, "ok", _("The example modules were added and published."));
	P(r, "<p>");
	T(r, _("Your organisation's modules: sessions of reading and exercises that professionals give to clients, guided or as self-help."));
	P(r, "</p>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("The library is empty."));
		P(r, "</p>\n");
	} else {
		P(r, "<ul class=\"modules\">\n");
		for (i = 0; i < n; i++) {
			PF(r, "<li><a href=\"/modules/%lld\">",
			    (long long)m[i].id);
			T(r, m[i].title);
			P(r, "</a> <span class=\"muted\">");
			if (m[i].published_n == 0)
				T(r, _("draft, not published"));
			else
				T(r, arena_printf(&r->arena, m[i].draft_changed ?
				    _("version %lld published; the draft has changes") :
				    _("version %lld published"),
				    (long long)m[i].published_n));
			P(r, "</span></li>\n");
		}
		P(r, "</ul>\n");
	}
	P(r, "<section aria-labelledby=\"h-new\"><h2 id=\"h-new\">");
	T(r, _("New module"));
	P(r, "</h2>\n");
	form_begin(r, "/modules");
	form_input(r, "title", _("Title"), "text", page_form(r, "title"),
	    "off", 1);
	form_submit(r, _("Create a draft"));
	form_end(r);
	P(r, "</section>\n");
	import_form(r);
	page_end(r);
	return 0;
}

int
ui_mod_create_post(struct req *r)
{
	struct mod_env env = env_of(r);
	const struct session *s = page_session(r);
	struct audit_event ev;
	struct why why = { 0 };
	int64_t id = 0;
	int rc;

	event(r, &ev, AUDIT_CREATE);
	rc = mod_create(&env, s->org_id, s->user_id,
	    str_c(page_form(r, "title")), STR_NULL, &ev, &why, &id);
	if (rc != 0) {
		if (page_refuse(r, &why, rc) == 0)
			return ui_mod_library(r);
		return rc;
	}
	resp_redirect(r, arena_printf(&r->arena, "/modules/%lld",
	    (long long)id));
	return 0;
}

static void
format_help(struct req *r)
{
	P(r, "<details class=\"help\"><summary>");
	T(r, _("How to write a module"));
	P(r, "</summary>\n<p>");
	T(r, _("Start each session with a line @session and its title, each page with @page, its kind and its title. Under a page, write its text in Markdown. Kinds: text (to read), free (a question with a written answer), choice (with two or more lines @option), questionnaire (with a line @instrument and the questionnaire's name from the library), diary, mood, and assignment (your response follows)."));
	P(r, "</p>\n<pre>@session Getting started\n@page text Welcome\n"
	    "Read this first.\n@page choice How often?\n@option Daily\n"
	    "@option Weekly\n</pre>\n</details>\n");
}

/* --- questionnaires an author may use ------------------------------------- */

/* A shipped instrument named on a module page enters the organisation's
 * library, as when it is given (ui-measures.c): the instrument engine's
 * scope for an organisation is its library.  Nothing for another name;
 * the domain refuses one the library does not hold. */
static int
take_in_shipped(struct req *r, int64_t org_id, const char *name)
{
	struct app *app = r->app;
	struct measure_env menv = { app->db, app->kr };
	struct measure_version *v = NULL;
	struct audit_event ev;
	struct instr_error e;
	struct buf text = BUF_INIT;
	int64_t vid = 0;
	int n = 0, rc;

	if (!instr_is_shipped(name))
		return 0;
	if ((rc = measure_versions(app->db, org_id, name, &r->arena, &v,
	    &n)) != 0 || n > 0)
		return rc;
	if ((rc = instr_shipped_text(app->cfg.share_dir, name, &text)) == 0) {
		web_audit_event(r, &ev, AUDIT_CREATE, "instrument", 0, 0,
		    "care");
		rc = measure_version_add(&menv, org_id,
		    page_session(r)->user_id, buf_str(&text), true, &ev, &vid,
		    &e);
	}
	buf_release(&text);
	return rc;
}

static int
take_in_source(struct req *r, int64_t org_id, const char *source)
{
	struct mod_content mc;
	int s, p, rc;

	if (mod_parse(str_c(source), &r->arena, &mc, NULL) != 0)
		return 0;
	for (s = 0; s < mc.nsessions; s++)
		for (p = 0; p < mc.sessions[s].npages; p++)
			if (mc.sessions[s].pages[p].kind ==
			    MOD_PAGE_QUESTIONNAIRE &&
			    (rc = take_in_shipped(r, org_id,
			    mc.sessions[s].pages[p].instrument)) != 0)
				return rc;
	return 0;
}

/* The choice list: the organisation's instruments (own and shipped ones
 * taken in, newest versions) and the shipped ones not taken in yet. */
static int
questionnaire_form(struct req *r, int64_t id, int nsessions)
{
	struct app *app = r->app;
	struct measure_version *lib = NULL;
	size_t k;
	int i, j, n = 0, rc;

	if ((rc = measure_library(app->db, web_obj(r)->org_id, &r->arena,
	    &lib, &n)) != 0)
		return rc;
	P(r, "<section aria-labelledby=\"h-addq\"><h2 id=\"h-addq\">");
	T(r, _("Add a questionnaire page"));
	P(r, "</h2>\n");
	form_begin(r, arena_printf(&r->arena, "/modules/%lld/questionnaire",
	    (long long)id));
	P(r, "<p class=\"field\"><label for=\"f-instrument\">");
	T(r, _("Questionnaire"));
	P(r, "</label>\n<select id=\"f-instrument\" name=\"instrument\"");
	page_field_attrs(r, "instrument", NULL);
	P(r, ">");
	for (i = 0; i < n; i++) {
		P(r, "<option value=\"");
		A(r, lib[i].name);
		P(r, "\">");
		T(r, lib[i].name);
		PF(r, " (%s %lld)</option>", _("version"),
		    (long long)lib[i].version_no);
	}
	for (k = 0; k < instr_shipped_count(); k++) {
		const char *nm = instr_shipped_name(k);

		for (j = 0; j < n && strcmp(lib[j].name, nm) != 0; j++)
			;
		if (j < n)
			continue;
		PF(r, "<option value=\"%s\">%s (%s)</option>", nm, nm,
		    _("shipped with Infuus"));
	}
	P(r, "</select>");
	page_field_error(r, "instrument");
	P(r, "</p>\n<p class=\"field\"><label for=\"f-qs\">");
	T(r, _("Into session"));
	P(r, "</label>\n<select id=\"f-qs\" name=\"s\">");
	for (i = 0; i < nsessions; i++)
		PF(r, "<option value=\"%d\"%s>%d</option>", i + 1,
		    i == nsessions - 1 ? " selected" : "", i + 1);
	P(r, "</select></p>\n");
	form_submit(r, _("Add the questionnaire page"));
	form_end(r);
	P(r, "</section>\n");
	return 0;
}

static int
render_editor(struct req *r, const char *title, const char *source)
{
	struct app *app = r->app;
	struct mod_info m;
	struct mod_content mc;
	int64_t id = web_obj(r)->id;
	bool mc_ok;
	int k, rc;

	if ((rc = mod_get(app->db, id, &r->arena, &m)) != 0)
		return rc;
	page_begin(r, m.title);
	assets(r);
	if (req_query(r, "saved"))
		page_notice(r, "ok", _("The draft was saved."));
	if (req_query(r, "published"))
		page_notice(r, "ok", _("The module was published as a new version. Clients who started keep theirs."));
	if (req_query(r, "imported"))
		page_notice(r, "ok", _("The package was imported and published as version 1."));
	if (req_query(r, "added"))
		page_notice(r, "ok", _("The questionnaire page was added to the draft."));
	P(r, "<p class=\"muted\">");
	if (m.published_n == 0)
		T(r, _("draft, not published"));
	else
		T(r, arena_printf(&r->arena, m.draft_changed ?
		    _("version %lld published; the draft has changes") :
		    _("version %lld published"), (long long)m.published_n));
	if (m.published_n > 0) {
		PF(r, " \xc2\xb7 <a href=\"/modules/%lld/package\">",
		    (long long)id);
		T(r, _("Download the published version as a package"));
		P(r, "</a>");
	}
	P(r, " \xc2\xb7 <a href=\"/modules\">");
	T(r, _("All modules"));
	P(r, "</a></p>\n");
	/* previews of the draft's sessions, drawn as a client sees them */
	mc_ok = mod_parse(str_c(m.source), &r->arena, &mc, NULL) == 0;
	if (mc_ok && mc.nsessions > 0) {
		P(r, "<nav aria-label=\"");
		A(r, _("Preview"));
		P(r, "\"><p>");
		T(r, _("Preview as the client sees it:"));
		for (k = 0; k < mc.nsessions; k++) {
			PF(r, " <a href=\"/modules/%lld/preview?s=%d\">",
			    (long long)id, k + 1);
			T(r, arena_printf(&r->arena, _("session %d"), k + 1));
			P(r, "</a>");
		}
		P(r, "</p></nav>\n");
	}
	form_begin_long(r, arena_printf(&r->arena, "/modules/%lld", (long long)id));
	P(r, "<p class=\"field\"><label for=\"f-title\">");
	T(r, _("Title"));
	P(r, "</label>\n<input id=\"f-title\" name=\"title\" type=\"text\" "
	    "required value=\"");
	A(r, title ? title : m.title);
	P(r, "\"");
	page_field_attrs(r, "title", NULL);
	P(r, ">");
	page_field_error(r, "title");
	P(r, "</p>\n<p class=\"field\"><label for=\"f-source\">");
	T(r, _("Sessions and pages"));
	P(r, "</label>\n<textarea id=\"f-source\" name=\"source\" rows=\"24\" "
	    "class=\"source\"");
	page_field_attrs(r, "source", "f-source-help");
	P(r, ">");
	T(r, source ? source : m.source);
	P(r, "</textarea>");
	page_field_error(r, "source");
	P(r, "</p>\n<div id=\"f-source-help\">");
	format_help(r);
	P(r, "</div>\n");
	form_submit(r, _("Save the draft"));
	form_end(r);
	PF(r, "<p><a href=\"/modules/%lld/library\">", (long long)id);
	T(r, _("Add a library item to a session"));
	P(r, "</a></p>\n");	if (mc_ok && mc.nsessions > 0 &&
	    (rc = questionnaire_form(r, id, mc.nsessions)) != 0)
		return rc;

	form_button(r, arena_printf(&r->arena, "/modules/%lld/publish",
	    (long long)id), _("Publish as a new version"));
	page_end(r);
	return 0;
}

int
ui_mod_edit(struct req *r)
{
	return render_editor(r, NULL, NULL);
}

int
ui_mod_save_post(struct req *r)
{
	struct mod_env env = env_of(r);
	struct audit_event ev;
	struct why why = { 0 };
	const char *title = page_form(r, "title"), *src = page_form(r, "source");
	int64_t id = web_obj(r)->id;
	int rc;

	if ((rc = take_in_source(r, web_obj(r)->org_id, src)) != 0)
		return rc;
	event(r, &ev, AUDIT_UPDATE);
	rc = mod_draft_save(&env, id, page_session(r)->user_id, str_c(title),
	    str_c(src), &ev, &why);
	if (rc != 0) {
		if (page_refuse(r, &why, rc) == 0)
			return render_editor(r, title, src);
		return rc;
	}
	resp_redirect(r, arena_printf(&r->arena, "/modules/%lld?saved=1",
	    (long long)id));
	return 0;
}

int
ui_mod_publish_post(struct req *r)
{
	struct mod_env env = env_of(r);
	struct audit_event ev;
	struct why why = { 0 };
	int64_t id = web_obj(r)->id, n = 0;
	int rc;

	event(r, &ev, AUDIT_CREATE);
	rc = mod_publish(&env, id, page_session(r)->user_id, &ev, &why, &n);
	if (rc != 0) {
		if (page_refuse(r, &why, rc) == 0)
			return render_editor(r, NULL, NULL);
		return rc;
	}
	resp_redirect(r, arena_printf(&r->arena, "/modules/%lld?published=%lld",
	    (long long)id, (long long)n));
	return 0;
}

int
ui_mod_questionnaire_post(struct req *r)
{
	struct mod_env env = env_of(r);
	const char *name = page_form(r, "instrument");
	struct audit_event ev;
	struct why why = { 0 };
	int64_t id = web_obj(r)->id, sn = 0;
	int rc;

	if (num_parse_i64(str_c(page_form(r, "s")), 1, LIMIT_MOD_SESSIONS,
	    &sn) != 0) {
		why_set(&why, ERR_INVAL, "instrument", N_("Choose one of the draft's sessions."));
		return page_refuse(r, &why, ERR_INVAL) != 0 ? ERR_INVAL :
		    render_editor(r, NULL, NULL);
	}
	if ((rc = take_in_shipped(r, web_obj(r)->org_id, name)) != 0)
		return rc;
	event(r, &ev, AUDIT_UPDATE);
	rc = mod_draft_add_questionnaire(&env, id, page_session(r)->user_id,
	    (int)sn - 1, name, &ev, &why);
	if (rc != 0) {
		if (why.field != NULL && strcmp(why.field, "session") == 0)
			why.field = "instrument";
		if (page_refuse(r, &why, rc) == 0)
			return render_editor(r, NULL, NULL);
		return rc;
	}
	resp_redirect(r, arena_printf(&r->arena, "/modules/%lld?added=1",
	    (long long)id));
	return 0;
}

/* The session ?s= names (1-based), else dflt; -1 out of range. */
static int
session_arg(struct req *r, int n, int dflt)
{
	const char *q = req_query(r, "s");
	int64_t v;

	if (q == NULL)
		return dflt;
	if (num_parse_i64(str_c(q), 1, n > 0 ? n : 1, &v) != 0)
		return -1;
	return (int)v - 1;
}

int
ui_mod_preview(struct req *r)
{
	struct app *app = r->app;
	struct mod_info m;
	struct mod_content mc;
	struct draw_ctx d = { DRAW_PREVIEW, 0, 0, false, NULL, 0 };
	struct why why = { 0 };
	int64_t id = web_obj(r)->id;
	int s, rc;

	if ((rc = mod_get(app->db, id, &r->arena, &m)) != 0)
		return rc;
	if ((rc = mod_parse(str_c(m.source), &r->arena, &mc, &why)) != 0 ||
	    mc.nsessions == 0)
		return ERR_NOTFOUND;
	if ((s = session_arg(r, mc.nsessions, 0)) < 0)
		return ERR_NOTFOUND;
	d.tz = page_zone(r, NULL);
	d.org_id = m.org_id;
	page_begin(r, m.title);
	assets(r);
	page_notice(r, "info", _("Preview: this is what a client sees. The exercises cannot be answered here."));
	PF(r, "<p><a href=\"/modules/%lld\">", (long long)id);
	T(r, _("Back to the draft"));
	P(r, "</a></p>\n");
	render_session(r, &d, &mc.sessions[s], s, NULL);
	page_end(r);
	return 0;
}

/* --- a trajectory's modules ---------------------------------------------------- */

static void
progress_line(struct req *r, const struct mod_run *m)
{
	T(r, arena_printf(&r->arena, _("%d of %d sessions finished"),
	    m->done, m->nsessions));
}

static void
assign_form(struct req *r, int64_t tid)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct mod_info *m = NULL;
	size_t n = 0, i;
	bool any = false;

	(void)mod_list(app->db, s->org_id, &r->arena, &m, &n);
	P(r, "<section aria-labelledby=\"h-give\"><h2 id=\"h-give\">");
	T(r, _("Give a module"));
	P(r, "</h2>\n");
	form_begin(r, arena_printf(&r->arena, "/t/%lld/modules",
	    (long long)tid));
	P(r, "<p class=\"field\"><label for=\"f-module\">");
	T(r, _("Module"));
	P(r, "</label>\n<select id=\"f-module\" name=\"module\"");
	page_field_attrs(r, "module", NULL);
	P(r, ">\n");
	for (i = 0; i < n; i++) {
		if (m[i].published_n == 0)
			continue;
		any = true;
		PF(r, "<option value=\"%lld\">", (long long)m[i].id);
		T(r, m[i].title);
		P(r, "</option>\n");
	}
	if (!any) {
		P(r, "<option value=\"\">");
		T(r, _("(no published module yet)"));
		P(r, "</option>\n");
	}
	P(r, "</select>");
	page_field_error(r, "module");
	P(r, "</p>\n<p class=\"check\"><input type=\"checkbox\" name=\"guided\" "
	    "value=\"1\" id=\"f-guided\" checked> <label for=\"f-guided\">");
	T(r, _("Guided: I follow the client's progress and give feedback per session"));
	P(r, "</label></p>\n<fieldset><legend>");
	T(r, _("When the sessions open"));
	P(r, "</legend>\n");
	{
		static const char *const t[] = { "all", "every", "after",
		    "date", "appt", "dates" };
		const char *labels[6];
		int k;

		labels[0] = _("Everything at once");
		labels[1] = _("One session every N days");
		labels[2] = _("The next after finishing the one before");
		labels[3] = _("Everything on a date");
		labels[4] = _("Each session N hours before or after an appointment");
		labels[5] = _("Each session on a date of its own (you set the dates on the module's page)");
		for (k = 0; k < 6; k++) {
			PF(r, "<p class=\"check\"><input type=\"radio\" "
			    "name=\"timing\" value=\"%s\" id=\"f-timing-%s\"%s> "
			    "<label for=\"f-timing-%s\">", t[k], t[k],
			    k == 0 ? " checked" : "", t[k]);
			T(r, labels[k]);
			P(r, "</label></p>\n");
		}
	}
	page_field_error(r, "timing");
	P(r, "</fieldset>\n");
	form_input(r, "every", _("Days between sessions"), "number",
	    page_form(r, "every"), "off", 0);
	page_field_error(r, "every");
	form_input(r, "date", _("Date"), "date", page_form(r, "date"), "off", 0);
	form_input(r, "time", _("Time"), "time", page_form(r, "time"), "off", 0);
	page_field_error(r, "date");
	form_input(r, "hours", _("Hours before (negative) or after (positive) the appointment"),
	    "number", page_form(r, "hours"), "off", 0);
	page_field_error(r, "hours");
	form_submit(r, _("Give the module"));
	form_end(r);
	P(r, "</section>\n");
}

static int
render_traj(struct req *r)
{
	struct app *app = r->app;
	const struct tz *tz = page_zone(r, NULL);
	int64_t tid = web_obj(r)->id;
	struct mod_run *m = NULL;
	size_t n = 0, i;
	bool client = is_client(r);
	int rc;

	if ((rc = mod_runs(app->db, tid, 0, &r->arena, &m, &n)) != 0)
		return rc;
	page_begin(r, _("Self-help modules"));
	assets(r);
	if (req_query(r, "given"))
		page_notice(r, "ok", _("The module was given."));
	PF(r, "<p><a href=\"/t/%lld\">", (long long)tid);
	T(r, _("Back to the trajectory"));
	P(r, "</a></p>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("No modules yet."));
		P(r, "</p>\n");
	} else if (client) {
		P(r, "<ul class=\"modules\">\n");
		for (i = 0; i < n; i++) {
			PF(r, "<li><a href=\"/md/%lld\">", (long long)m[i].id);
			T(r, m[i].title);
			P(r, "</a> <span class=\"muted\">");
			progress_line(r, &m[i]);
			P(r, "</span></li>\n");
		}
		P(r, "</ul>\n");
	} else {
		P(r, "<table class=\"progress\"><caption>");
		T(r, _("Progress per module"));
		P(r, "</caption>\n<thead><tr><th scope=\"col\">");
		T(r, _("Module"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Sessions finished"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Active time"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Last activity"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Answers waiting for feedback"));
		P(r, "</th></tr></thead>\n<tbody>\n");
		for (i = 0; i < n; i++) {
			PF(r, "<tr><th scope=\"row\"><a href=\"/md/%lld\">",
			    (long long)m[i].id);
			T(r, m[i].title);
			PF(r, "</a> <span class=\"muted\">%s</span></th><td>"
			    "%d / %d</td><td>", m[i].plan.guided ?
			    _("guided") : _("self-help"), m[i].done,
			    m[i].nsessions);
			T(r, duration(r, m[i].active_seconds));
			P(r, "</td><td>");
			T(r, m[i].last_at ? page_time_tz(r, tz, m[i].last_at) :
			    _("not started"));
			PF(r, "</td><td class=\"waiting\">%d</td></tr>\n",
			    m[i].waiting);
		}
		P(r, "</tbody></table>\n");
	}
	if (!client)
		assign_form(r, tid);
	page_end(r);
	return 0;
}

int
ui_mod_traj(struct req *r)
{
	return render_traj(r);
}

/* An instant from the form's date and time on the organisation's clock;
 * 0 when they do not make one (module.h refuses it with a reason). */
static int64_t
form_time(struct req *r, const struct tz *tz)
{
	const char *d = page_form(r, "date"), *t = page_form(r, "time");
	int64_t day, y, hh = 0, mm = 0;
	int mo, dd;
	time_t out;

	if (page_parse_day(d, &day) != 0)
		return 0;
	if (t[0] && (strlen(t) != 5 || t[2] != ':' ||
	    num_parse_i64((struct str){ t, 2 }, 0, 23, &hh) != 0 ||
	    num_parse_i64((struct str){ t + 3, 2 }, 0, 59, &mm) != 0))
		return 0;
	tz_civil_from_days(day, &y, &mo, &dd);
	if (tz == NULL || tz_from_local(tz, (int)y, mo, dd, (int)hh, (int)mm,
	    0, &out) != 0)
		return 0;
	return (int64_t)out;
}

int
ui_mod_assign_post(struct req *r)
{
	struct mod_env env = env_of(r);
	struct audit_event ev;
	struct why why = { 0 };
	struct mod_plan plan;
	int64_t tid = web_obj(r)->id, mid = 0, v, run = 0;
	int rc;

	memset(&plan, 0, sizeof(plan));
	plan.guided = page_form(r, "guided")[0] != '\0';
	if (mod_timing_parse(page_form(r, "timing"), &plan.timing) != 0)
		plan.timing = (enum mod_timing)-1;
	if (num_parse_i64(str_c(page_form(r, "every")), 0, 100000, &v) == 0)
		plan.every_days = (int)v;
	if (num_parse_i64(str_c(page_form(r, "hours")), -100000, 100000,
	    &v) == 0)
		plan.appt_hours = (int)v;
	plan.opens_at = form_time(r, page_zone(r, NULL));
	(void)num_parse_i64(str_c(page_form(r, "module")), 1, INT64_MAX, &mid);
	event(r, &ev, AUDIT_CREATE);
	rc = mod_assign(&env, tid, mid, page_session(r)->user_id, &plan, 0,
	    &ev, &why, &run);
	if (rc != 0)
		return page_refuse(r, &why, rc) ? rc : render_traj(r);
	resp_redirect(r, arena_printf(&r->arena, "/t/%lld/modules?given=1",
	    (long long)tid));
	return 0;
}

/* --- a run's page ------------------------------------------------------------ */

static void
session_nav(struct req *r, const struct mod_run_view *v, int shown,
    const struct tz *tz)
{
	int k;

	P(r, "<nav class=\"sessions\" aria-label=\"");
	A(r, _("Sessions"));
	P(r, "\"><ol>\n");
	for (k = 0; k < v->run.nsessions; k++) {
		const struct mod_session_state *st = &v->sessions[k];
		const char *state;
		bool link = st->open || !v->viewer_is_client;

		if (st->finished_at)
			state = _("finished");
		else if (st->open)
			state = _("open");
		else if (st->opens_at > 0)
			state = arena_printf(&r->arena, _("opens %s"),
			    page_time_tz(r, tz, st->opens_at));
		else
			state = _("not open yet");
		P(r, "<li>");
		if (link)
			PF(r, "<a href=\"/md/%lld?s=%d\"%s>", (long long)v->run.id,
			    k + 1, k == shown ? " aria-current=\"page\"" : "");
		T(r, v->content.sessions[k].title);
		if (link)
			P(r, "</a>");
		P(r, " <span class=\"muted\">(");
		T(r, state);
		P(r, ")</span></li>\n");
	}
	P(r, "</ol></nav>\n");
}

static int
render_run(struct req *r, int status)
{
	struct mod_env env = env_of(r);
	struct mod_run_view v;
	struct audit_event ev;
	struct draw_ctx d;
	const struct tz *tz = page_zone(r, NULL);
	const struct mod_run *m;
	int64_t id = web_obj(r)->id;
	int s, dflt, rc;

	event(r, &ev, AUDIT_READ);
	if ((rc = mod_run_view(&env, id, page_session(r)->user_id, 0, &ev,
	    &r->arena, &v)) != 0)
		return rc;
	m = &v.run;
	/* where the client was: the first open session not finished, else
	 * the last one open */
	dflt = m->current;
	for (s = m->nsessions - 1; dflt < 0 && s >= 0; s--)
		if (v.sessions[s].open)
			dflt = s;
	if (dflt < 0)
		dflt = 0;
	if ((s = session_arg(r, m->nsessions, dflt)) < 0)
		return ERR_NOTFOUND;
	page_begin(r, m->title);
	assets(r);
	if (req_query(r, "saved"))
		page_notice(r, "ok", _("Your answer was saved."));
	if (req_query(r, "finished"))
		page_notice(r, "ok", _("Session finished. Well done."));
	if (req_query(r, "sent"))
		page_notice(r, "ok", _("The feedback was sent."));
	if (v.closed)
		page_notice(r, "info", _("This trajectory is closed. Everything stays readable, but nothing can be added."));
	PF(r, "<p><a href=\"/t/%lld/modules\">", (long long)m->traj_id);
	T(r, _("All modules of this trajectory"));
	P(r, "</a></p>\n");
	/* progress: where was I, what is next */
	PF(r, "<section class=\"progress\" aria-labelledby=\"h-progress\">"
	    "<h2 id=\"h-progress\">%s</h2>\n<p>", _("Progress"));
	progress_line(r, m);
	PF(r, " <progress max=\"%d\" value=\"%d\" aria-hidden=\"true\"></progress>",
	    m->nsessions > 0 ? m->nsessions : 1, m->done);
	P(r, "</p>\n<p>");
	if (m->current >= 0)
		T(r, arena_printf(&r->arena, _("Next: session %d, %s."),
		    m->current + 1, v.content.sessions[m->current].title));
	else if (m->done == m->nsessions)
		T(r, _("You have finished every session."));
	else if (m->next_opens_at > 0)
		T(r, arena_printf(&r->arena, _("The next session opens %s."),
		    page_time_tz(r, tz, m->next_opens_at)));
	else
		T(r, _("The next session opens later."));
	P(r, "</p>\n");
	if (!v.viewer_is_client) {
		P(r, "<p>");
		T(r, arena_printf(&r->arena, _("Active time %s; last activity %s; answers waiting for feedback: %d."),
		    duration(r, m->active_seconds), m->last_at ?
		    page_time_tz(r, tz, m->last_at) : _("none"), m->waiting));
		P(r, "</p>\n");
	}
	P(r, "</section>\n");
	if (!m->plan.guided && v.viewer_is_client) {
		/* the standing offer of self-help */
		P(r, "<aside class=\"contact\"><p>");
		T(r, _("Would you like to talk to someone about this?"));
		PF(r, " <a href=\"/t/%lld#h-threads\">", (long long)m->traj_id);
		T(r, _("Write to your professional"));
		P(r, "</a></p></aside>\n");
	}
	session_nav(r, &v, s, tz);
	if (req_query(r, "dated"))
		page_notice(r, "ok", _("The session's date was set."));
	if (!v.viewer_is_client && !v.closed && m->plan.timing == MOD_DATES &&
	    v.sessions[s].finished_at == 0) {
		/* a date per session: the professional sets this one's */
		P(r, "<section aria-labelledby=\"h-date\"><h2 id=\"h-date\">");
		T(r, _("When this session opens"));
		P(r, "</h2>\n");
		form_begin(r, arena_printf(&r->arena, "/md/%lld/date?s=%d",
		    (long long)m->id, s + 1));
		form_input(r, "date", _("Date"), "date", page_form(r, "date"),
		    "off", 1);
		form_input(r, "time", _("Time"), "time", page_form(r, "time")[0] ?
		    page_form(r, "time") : "09:00", "off", 0);
		form_submit(r, _("Set the date"));
		form_end(r);
		P(r, "</section>\n");
	}
	memset(&d, 0, sizeof(d));
	d.mode = v.viewer_is_client ? DRAW_CLIENT : DRAW_PRO;
	d.run_id = m->id;
	d.traj_id = m->traj_id;
	d.org_id = m->org_id;
	d.tz = tz;
	d.writable = v.viewer_is_client && !v.closed && v.sessions[s].open &&
	    v.sessions[s].finished_at == 0;
	if (v.viewer_is_client && !v.sessions[s].open) {
		P(r, "<p>");
		T(r, _("This session is not open yet."));
		P(r, "</p>\n");
	} else {
		render_session(r, &d, &v.content.sessions[s], s,
		    &v.sessions[s]);
	}
	if (d.writable) {
		form_button(r, arena_printf(&r->arena,
		    "/md/%lld/finish?s=%d", (long long)m->id, s + 1),
		    _("Finish this session"));
	}
	if (!v.viewer_is_client && !v.closed) {
		P(r, "<section aria-labelledby=\"h-give-fb\"><h2 id=\"h-give-fb\">");
		T(r, _("Your feedback on this session"));
		P(r, "</h2>\n");
		form_begin(r, arena_printf(&r->arena, "/md/%lld/feedback?s=%d",
		    (long long)m->id, s + 1));
		P(r, "<p class=\"field\"><label for=\"f-feedback\">");
		T(r, _("Feedback (Markdown)"));
		P(r, "</label>\n<textarea id=\"f-feedback\" name=\"feedback\" rows=\"5\"");
		page_field_attrs(r, "feedback", NULL);
		P(r, ">");
		T(r, page_form(r, "feedback"));
		P(r, "</textarea>");
		page_field_error(r, "feedback");
		P(r, "</p>\n");
		form_submit(r, _("Send the feedback"));
		form_end(r);
		P(r, "</section>\n");
	}
	page_end(r);
	if (status)
		r->status = status;
	return 0;
}

int
ui_mod_run(struct req *r)
{
	return render_run(r, 0);
}

/* The tail of every change to a run: on success on to `to`; refused
 * with a reason, the run's page again showing it; else the error. */
static int
run_after(struct req *r, int rc, const struct why *why, const char *to)
{
	if (rc != 0) {
		if (page_refuse(r, why, rc) == 0)
			return render_run(r, err_status(rc));
		return rc;
	}
	resp_redirect(r, to);
	return 0;
}

int
ui_mod_answer_post(struct req *r)
{
	struct mod_env env = env_of(r);
	struct audit_event ev;
	struct why why = { 0 };
	int64_t id = web_obj(r)->id, p = 0, ref = 0;
	int s = post_session(r), rc;

	if (s < 0 || num_parse_i64(str_c(page_form(r, "p")), 1,
	    LIMIT_MOD_PAGES, &p) != 0)
		return ERR_INVAL;
	event(r, &ev, AUDIT_CREATE);
	rc = mod_answer(&env, id, page_session(r)->user_id, s, (int)p - 1,
	    str_c(page_form(r, "answer")), 0, &ev, &why, &ref);
	/* a questionnaire page: on to the questionnaire */
	if (ref > 0 && !page_form(r, "answer")[0])
		return run_after(r, rc, &why, arena_printf(&r->arena,
		    "/q/%lld", (long long)ref));
	return run_after(r, rc, &why, arena_printf(&r->arena,
	    "/md/%lld?s=%d&saved=1#p-%d-%lld", (long long)id, s + 1, s + 1,
	    (long long)p));
}

int
ui_mod_finish_post(struct req *r)
{
	struct mod_env env = env_of(r);
	struct audit_event ev;
	struct why why = { 0 };
	int64_t id = web_obj(r)->id;
	int s = post_session(r), rc;

	if (s < 0)
		return ERR_INVAL;
	event(r, &ev, AUDIT_UPDATE);
	rc = mod_finish(&env, id, page_session(r)->user_id, s, 0, &ev, &why);
	return run_after(r, rc, &why, arena_printf(&r->arena,
	    "/md/%lld?finished=1", (long long)id));
}

int
ui_mod_feedback_post(struct req *r)
{
	struct mod_env env = env_of(r);
	struct audit_event ev;
	struct why why = { 0 };
	int64_t id = web_obj(r)->id;
	int s = post_session(r), rc;

	if (s < 0)
		return ERR_INVAL;
	event(r, &ev, AUDIT_CREATE);
	rc = mod_feedback(&env, id, page_session(r)->user_id, s,
	    str_c(page_form(r, "feedback")), 0, &ev, &why);
	return run_after(r, rc, &why, arena_printf(&r->arena,
	    "/md/%lld?s=%d&sent=1", (long long)id, s + 1));
}

int
ui_mod_date_post(struct req *r)
{
	struct mod_env env = env_of(r);
	struct audit_event ev;
	struct why why = { 0 };
	int64_t id = web_obj(r)->id;
	int s = post_session(r), rc;

	if (s < 0)
		return ERR_INVAL;
	event(r, &ev, AUDIT_UPDATE);
	rc = mod_session_date(&env, id, page_session(r)->user_id, s,
	    form_time(r, page_zone(r, NULL)), 0, &ev, &why);
	return run_after(r, rc, &why, arena_printf(&r->arena,
	    "/md/%lld?s=%d&dated=1", (long long)id, s + 1));
}

/* --- the export's part --------------------------------------------------------- */

int
ui_mod_export_json(struct req *r, int64_t traj_id, struct buf *b)
{
	struct mod_env env = env_of(r);
	struct audit_event ev;
	struct buf add = BUF_INIT;
	int rc;

	event(r, &ev, AUDIT_EXECUTE);
	if ((rc = mod_export_json(&env, traj_id, &ev, &add)) != 0)
		goto out;
	/* b holds the export's one JSON object: the modules join it as a
	 * member of their own (as ui_asg_export_json does) */
	while (b->len > 0 && b->p[b->len - 1] != '}')
		b->len--;
	if (b->len == 0) {
		rc = ERR_INVAL;
		goto out;
	}
	b->len--;
	buf_adds(b, ",\"modules\":");
	buf_add(b, add.p, add.len);
	buf_adds(b, "}");
out:
	buf_wipe(&add);
	return rc;
}

/* The export page's part: each module with the client's answers and the
 * feedback, session by session. */
int
ui_mod_export_section(struct req *r, int64_t traj_id)
{
	struct mod_env env = env_of(r);
	struct mod_run_view *v = NULL;
	struct audit_event ev;
	size_t n = 0, i;
	int k, p, rc;

	event(r, &ev, AUDIT_EXECUTE);
	if ((rc = mod_export(&env, traj_id, &ev, &r->arena, &v, &n)) != 0)
		return rc;
	if (n == 0)
		return 0;
	P(r, "<section class=\"modules\" aria-labelledby=\"h-x-modules\">"
	    "<h2 id=\"h-x-modules\">");
	T(r, _("Self-help modules"));
	P(r, "</h2>\n");
	for (i = 0; i < n; i++) {
		P(r, "<h3>");
		T(r, v[i].run.title);
		P(r, "</h3>\n");
		for (k = 0; k < v[i].run.nsessions; k++) {
			const struct mod_session *ms = &v[i].content.sessions[k];
			const struct mod_session_state *ss = &v[i].sessions[k];

			P(r, "<h4>");
			T(r, arena_printf(&r->arena, _("Session %d: %s"), k + 1,
			    ms->title));
			P(r, "</h4>\n<dl>\n");
			for (p = 0; p < ms->npages; p++) {
				const struct mod_answer *an = &ss->answers[p];

				if (an->updated_at == 0)
					continue;
				P(r, "<dt>");
				T(r, ms->pages[p].title[0] ? ms->pages[p].title :
				    kind_label(ms->pages[p].kind));
				P(r, "</dt><dd class=\"work-text\">");
				T(r, an->body ? an->body : _("(kept in the diary, the mood meter or the questionnaire)"));
				P(r, "</dd>\n");
			}
			P(r, "</dl>\n");
			if (ss->feedback) {
				P(r, "<p><strong>");
				T(r, _("Feedback from your professional"));
				P(r, "</strong></p>\n");
				render_md(r, ss->feedback, strlen(ss->feedback));
			}
		}
	}
	P(r, "</section>\n");
	return 0;
}
