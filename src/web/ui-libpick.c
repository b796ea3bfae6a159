/*
 * ui-libpick.c - sending a library item in an assignment or a module
 * (issue 12): the pickers, pages that search the library (library.h's
 * lib_search, its public API only) and attach a found item with a
 * button per result, working without JavaScript; and the drawing of an
 * item inside the assignment's or the module's page (ui-libpick.h).
 *
 * The route names the assignment (ASG(UPDATE)) or the module
 * (AUTHZ_MODULE, AUTHZ_UPDATE); the item is checked by the domain
 * (asg_item_add, mod_draft_add_item: published, the organisation's own
 * or shared), which logs the change.
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "assignment/assignment.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/num.h"
#include "identity/session.h"
#include "library/library.h"
#include "message/markdown.h"
#include "module/module.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/ui-libpick.h"
#include "web/web_audit.h"
#include "web/web_int.h"
#include "core/banned.h"

void
uil_item_show(struct req *r, const struct lib_item *it, bool client, int h)
{
	struct buf html = BUF_INIT;

	PF(r, "<div class=\"library-item\" id=\"li-%lld\">\n<h%d lang=\"%s\">"
	    "<a href=\"/library/%lld\">", (long long)it->id, h, it->lang,
	    (long long)it->id);
	T(r, it->title);
	PF(r, "</a></h%d>\n<p class=\"summary\" lang=\"%s\"><strong>", h,
	    it->lang);
	T(r, it->summary);
	P(r, "</strong></p>\n");
	if (it->media_id != 0) {
		const char *el = strcmp(it->kind, "video") == 0 ? "video" :
		    "audio";

		PF(r, "<p><%s controls preload=\"metadata\" src=\"/media/%lld\" "
		    "aria-label=\"", el, (long long)it->media_id);
		A(r, it->title);
		PF(r, "\" aria-describedby=\"li-text-%lld\"><a href=\"/media/%lld\">",
		    (long long)it->id, (long long)it->media_id);
		T(r, _("Download the file"));
		PF(r, "</a></%s></p>\n", el);
	}
	PF(r, "<div id=\"li-text-%lld\" class=\"library-text\" lang=\"%s\">\n",
	    (long long)it->id, it->lang);
	markdown_render(str_c(it->body), &html);
	buf_add(&r->resp, html.p ? html.p : "", html.len);
	buf_release(&html);
	P(r, "</div>\n");
	if (client) {
		form_begin(r, arena_printf(&r->arena, "/library/%lld/keep",
		    (long long)it->id));
		P(r, "<input type=\"hidden\" name=\"keep\" value=\"1\">"
		    "<button type=\"submit\">");
		T(r, _("Keep in my library"));
		P(r, "<span class=\"visually-hidden\">: ");
		T(r, it->title);
		P(r, "</span></button>\n");
		form_end(r);
	}
	P(r, "</div>\n");
}

/* --- the picker -------------------------------------------------------------- */

struct pick {
	const char *self;        /* the picker's address (GET) */
	const char *post;        /* where an item is posted */
	const char *button;      /* "Attach", "Add to the session" */
	int64_t org_id;          /* whose library is searched */
	int nsessions;           /* a module: its draft's sessions; else 0 */
	int session;             /* the one chosen, from 0 */
};

/* The search form and its results, or the newest items before a search;
 * each result a small form with its own button. */
static int
pick_results(struct req *r, const struct pick *pk)
{
	struct app *app = r->app;
	const char *q = req_query(r, "q");
	int page = page_results_page(r, LIMIT_LIBRARY_PAGES);
	struct lib_found found = { 0 };
	struct lib_item *v = NULL;
	struct why why = { 0 };
	size_t n = 0, i;
	bool searched = q != NULL && q[0] != '\0';
	int k, rc = 0;

	P(r, "<form method=\"get\" role=\"search\" action=\"");
	A(r, pk->self);
	P(r, "\">\n");
	form_input(r, "q", _("Search the library"), "search", q, "off", 0);
	if (pk->nsessions > 0) {
		P(r, "<p class=\"field\"><label for=\"f-s\">");
		T(r, _("Into session"));
		P(r, "</label>\n<select id=\"f-s\" name=\"s\">");
		for (k = 0; k < pk->nsessions; k++)
			PF(r, "<option value=\"%d\"%s>%d</option>", k + 1,
			    k == pk->session ? " selected" : "", k + 1);
		P(r, "</select></p>\n");
	}
	form_submit(r, _("Search"));
	P(r, "</form>\n");
	if (searched) {
		rc = lib_search(app->db, app->assistant, pk->org_id, str_c(q),
		    page, &r->arena, &why, &found);
		if (rc != 0) {
			const char *msg = page_why(r, &why);

			if (msg == NULL)
				return rc;
			r->status = err_status(rc);
			page_notice(r, "error", msg);
			return 0;
		}
		v = found.v;
		n = found.n;
	} else if ((rc = lib_list(app->db, pk->org_id, false, &r->arena, &v,
	    &n)) != 0) {
		return rc;
	}
	P(r, "<section aria-labelledby=\"h-found\"><h2 id=\"h-found\">");
	T(r, searched ? _("Search results") : _("Published items"));
	P(r, "</h2>\n");
	page_field_error(r, "item");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("Nothing found."));
		P(r, "</p>\n");
	}
	if (n > 0)
		P(r, "<ul class=\"library pick\">\n");
	for (i = 0; i < n; i++) {
		/* lib_list also lists the organisation's drafts: never
		 * offered to a client */
		if (v[i].published_at == 0)
			continue;
		PF(r, "<li><a href=\"/library/%lld\" lang=\"%s\">",
		    (long long)v[i].id, v[i].lang);
		T(r, v[i].title);
		PF(r, "</a>\n<p lang=\"%s\">", v[i].lang);
		T(r, v[i].summary);
		P(r, "</p>\n");
		form_begin(r, pk->post);
		PF(r, "<input type=\"hidden\" name=\"item\" value=\"%lld\">",
		    (long long)v[i].id);
		if (pk->nsessions > 0)
			PF(r, "<input type=\"hidden\" name=\"s\" value=\"%d\">",
			    pk->session + 1);
		P(r, "<button type=\"submit\">");
		T(r, pk->button);
		P(r, "<span class=\"visually-hidden\">: ");
		T(r, v[i].title);
		P(r, "</span></button>\n");
		form_end(r);
		P(r, "</li>\n");
	}
	if (n > 0)
		P(r, "</ul>\n");
	if (searched) {
		const char *base = arena_printf(&r->arena, "%s?q=%s&", pk->self,
		    page_query_value(r, q));

		if (pk->nsessions > 0)
			base = arena_printf(&r->arena, "%ss=%d&", base,
			    pk->session + 1);
		page_results_nav(r, arena_printf(&r->arena, "%spage=", base),
		    page, found.more);
	}
	P(r, "</section>\n");
	return 0;
}

/* --- an assignment's items ---------------------------------------------------- */

static struct asg_env
asg_env_of(struct req *r)
{
	struct app *app = r->app;
	struct asg_env e = { app->db, app->kr };

	return e;
}

int
ui_asg_library(struct req *r)
{
	struct asg_env env = asg_env_of(r);
	const struct session *s = page_session(r);
	const struct authz_object *o = web_obj(r);
	struct audit_event ev;
	struct asg_view v;
	struct pick pk;
	size_t i;
	int rc;

	web_audit_event(r, &ev, AUDIT_READ, "assignment", 0, 0, "care");
	if ((rc = asg_view(&env, o->id, s->user_id, 0, &ev, &r->arena, &v)) != 0)
		return rc;
	page_begin(r, _("Add a library item"));
	PF(r, "<p class=\"crumbs\"><a href=\"/assignments/%lld\">",
	    (long long)o->id);
	T(r, _("Back to the assignment"));
	P(r, "</a></p>\n<p>");
	T(r, _("The client reads the items you attach on the assignment's page."));
	P(r, " <strong>");
	T(r, v.a.title);
	P(r, "</strong></p>\n");
	if (req_query(r, "added"))
		page_notice(r, "ok", _("The item was attached to the assignment."));
	if (req_query(r, "removed"))
		page_notice(r, "ok", _("The item was taken off the assignment."));
	P(r, "<section aria-labelledby=\"h-attached\"><h2 id=\"h-attached\">");
	T(r, _("Attached"));
	P(r, "</h2>\n");
	if (v.nitems == 0) {
		P(r, "<p>");
		T(r, _("No library item is attached yet."));
		P(r, "</p>\n");
	} else {
		P(r, "<ul class=\"library\">\n");
		for (i = 0; i < v.nitems; i++) {
			PF(r, "<li><a href=\"/library/%lld\" lang=\"%s\">",
			    (long long)v.items[i].id, v.items[i].lang);
			T(r, v.items[i].title);
			P(r, "</a>\n");
			if (!v.closed) {
				form_begin(r, arena_printf(&r->arena,
				    "/assignments/%lld/library",
				    (long long)o->id));
				PF(r, "<input type=\"hidden\" name=\"item\" "
				    "value=\"%lld\"><input type=\"hidden\" "
				    "name=\"remove\" value=\"1\">",
				    (long long)v.items[i].id);
				P(r, "<button type=\"submit\">");
				T(r, _("Take off"));
				P(r, "<span class=\"visually-hidden\">: ");
				T(r, v.items[i].title);
				P(r, "</span></button>\n");
				form_end(r);
			}
			P(r, "</li>\n");
		}
		P(r, "</ul>\n");
	}
	P(r, "</section>\n");
	if (v.closed) {
		P(r, "<p>");
		T(r, _("The trajectory is closed: nothing can be attached any more."));
		P(r, "</p>\n");
		page_end(r);
		return 0;
	}
	memset(&pk, 0, sizeof(pk));
	pk.self = arena_printf(&r->arena, "/assignments/%lld/library",
	    (long long)o->id);
	pk.post = pk.self;
	pk.button = _("Attach");
	pk.org_id = o->org_id;
	if ((rc = pick_results(r, &pk)) != 0)
		return rc;
	page_end(r);
	return 0;
}

int
ui_asg_library_post(struct req *r)
{
	struct asg_env env = asg_env_of(r);
	const struct session *s = page_session(r);
	int64_t id = web_obj(r)->id, item = 0;
	bool remove = strcmp(page_form(r, "remove"), "1") == 0;
	struct audit_event ev;
	struct why why = { 0 };
	int rc;

	if (num_parse_i64(str_c(page_form(r, "item")), 1, INT64_MAX,
	    &item) != 0) {
		why_set(&why, ERR_INVAL, "item", N_("Choose a library item."));
		return page_refuse(r, &why, ERR_INVAL) != 0 ? ERR_INVAL :
		    ui_asg_library(r);
	}
	web_audit_event(r, &ev, remove ? AUDIT_DELETE : AUDIT_CREATE,
	    "assignment", 0, id, "care");
	rc = remove ? asg_item_remove(&env, id, s->user_id, item, &ev) :
	    asg_item_add(&env, id, s->user_id, item, 0, &ev, &why);
	if (rc != 0) {
		if (page_refuse(r, &why, rc) != 0)
			return rc;
		return ui_asg_library(r);
	}
	resp_redirect(r, arena_printf(&r->arena, "/assignments/%lld/library?%s=1",
	    (long long)id, remove ? "removed" : "added"));
	return 0;
}

/* --- a module page's item ------------------------------------------------------- */

/* The session chosen (?s= or the form's s, from 1), else the last. */
static int
session_of(struct req *r, int n)
{
	const char *q = req_query(r, "s");
	int64_t v;

	if (q == NULL || q[0] == '\0')
		q = page_form(r, "s");
	if (n > 0 && num_parse_i64(str_c(q), 1, n, &v) == 0)
		return (int)v - 1;
	return n > 0 ? n - 1 : 0;
}

int
ui_mod_library_pick(struct req *r)
{
	struct app *app = r->app;
	int64_t id = web_obj(r)->id;
	struct mod_info m;
	struct mod_content mc;
	struct pick pk;
	int rc;

	if ((rc = mod_get(app->db, id, &r->arena, &m)) != 0)
		return rc;
	if (mod_parse(str_c(m.source), &r->arena, &mc, NULL) != 0)
		memset(&mc, 0, sizeof(mc));
	page_begin(r, _("Add a library item"));
	PF(r, "<p class=\"crumbs\"><a href=\"/modules/%lld\">", (long long)id);
	T(r, _("Back to the draft"));
	P(r, "</a></p>\n<p>");
	T(r, _("The item becomes a page at the end of the session you choose, in the draft; the client sees it once you publish."));
	P(r, " <strong>");
	T(r, m.title);
	P(r, "</strong></p>\n");
	if (req_query(r, "added"))
		page_notice(r, "ok", _("The item was added to the draft as a library page."));
	if (mc.nsessions == 0) {
		P(r, "<p>");
		T(r, _("The draft has no session yet: write one first."));
		P(r, "</p>\n");
		page_end(r);
		return 0;
	}
	memset(&pk, 0, sizeof(pk));
	pk.self = arena_printf(&r->arena, "/modules/%lld/library",
	    (long long)id);
	pk.post = pk.self;
	pk.button = _("Add to the session");
	pk.org_id = m.org_id;
	pk.nsessions = mc.nsessions;
	pk.session = session_of(r, mc.nsessions);
	if ((rc = pick_results(r, &pk)) != 0)
		return rc;
	page_end(r);
	return 0;
}

int
ui_mod_library_pick_post(struct req *r)
{
	struct app *app = r->app;
	struct mod_env env = { app->db, app->kr };
	int64_t id = web_obj(r)->id, item = 0, sn = 0;
	struct audit_event ev;
	struct why why = { 0 };
	int rc;

	if (num_parse_i64(str_c(page_form(r, "item")), 1, INT64_MAX,
	    &item) != 0) {
		why_set(&why, ERR_INVAL, "item", N_("Choose a library item."));
		return page_refuse(r, &why, ERR_INVAL) != 0 ? ERR_INVAL :
		    ui_mod_library_pick(r);
	}
	if (num_parse_i64(str_c(page_form(r, "s")), 1, LIMIT_MOD_SESSIONS,
	    &sn) != 0) {
		why_set(&why, ERR_INVAL, "session", N_("Choose one of the draft's sessions."));
		return page_refuse(r, &why, ERR_INVAL) != 0 ? ERR_INVAL :
		    ui_mod_library_pick(r);
	}
	web_audit_event(r, &ev, AUDIT_UPDATE, "module", 0, id, "care");
	rc = mod_draft_add_item(&env, id, page_session(r)->user_id,
	    (int)sn - 1, item, &ev, &why);
	if (rc != 0) {
		if (page_refuse(r, &why, rc) != 0)
			return rc;
		return ui_mod_library_pick(r);
	}
	resp_redirect(r, arena_printf(&r->arena,
	    "/modules/%lld/library?added=1&s=%lld", (long long)id,
	    (long long)sn));
	return 0;
}
