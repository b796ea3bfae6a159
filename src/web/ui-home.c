/*
 * ui-home.c - the start page, one per role, and switching organisation.
 *
 * The start page shows what exists for this person: for an admin the
 * organisation and its members; for everyone the organisations they belong
 * to; later capabilities (trajectories, the reply queue) add their own
 * sections through web_home_sections.
 */
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "core/err.h"
#include "core/num.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

static const char *
role_label(enum role role)
{
	switch (role) {
	case ROLE_ADMIN: return _("administrator");
	case ROLE_PROFESSIONAL: return _("professional");
	case ROLE_VOLUNTEER: return _("volunteer");
	case ROLE_CLIENT: return _("client");
	case ROLE_STAKEHOLDER: return _("stakeholder");
	case ROLE_RESEARCHER: return _("researcher");
	}
	return "?";
}

const char *
web_role_label(int role)
{
	return role_label((enum role)role);
}

int
web_home_sections(struct req *r, const struct session *s)
{
	return ui_traj_home(r, s);
}

static int
org_section(struct req *r, const struct session *s)
{
	struct app *app = r->app;
	struct membership *ms = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = member_orgs(app->db, s->user_id, &r->arena, &ms, &n)) != 0)
		return rc;
	P(r, "<section aria-labelledby=\"h-orgs\"><h2 id=\"h-orgs\">");
	T(r, _("Your organisations"));
	P(r, "</h2>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("You do not belong to an organisation yet. Ask for an invitation."));
		P(r, "</p></section>\n");
		return 0;
	}
	P(r, "<ul class=\"orgs\">");
	for (i = 0; i < n; i++) {
		P(r, "<li>");
		T(r, ms[i].org_name);
		P(r, " <span class=\"muted\">(");
		T(r, role_label(ms[i].role));
		P(r, ")</span>");
		if (ms[i].org_id == s->org_id) {
			P(r, " <strong>");
			T(r, _("current"));
			P(r, "</strong>");
		} else {
			form_begin(r, "/org/switch");
			PF(r, "<input type=\"hidden\" name=\"org\" value=\"%lld\">",
			    (long long)ms[i].org_id);
			P(r, "<button type=\"submit\">");
			T(r, _("Switch to this organisation"));
			P(r, "</button>");
			form_end(r);
		}
		P(r, "</li>\n");
	}
	P(r, "</ul></section>\n");
	return 0;
}

static int
admin_section(struct req *r, const struct session *s)
{
	struct app *app = r->app;
	struct membership *ms = NULL;
	size_t n = 0, i, counts[6] = { 0 };
	int rc, b;

	if ((rc = member_list(app->db, s->org_id, &r->arena, &ms, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		for (b = 0; b < 6; b++)
			if (ms[i].role == (enum role)(1 << b))
				counts[b]++;
	P(r, "<section aria-labelledby=\"h-admin\"><h2 id=\"h-admin\">");
	T(r, _("Organisation"));
	P(r, "</h2>\n<ul>");
	for (b = 0; b < 6; b++) {
		if (counts[b] == 0)
			continue;
		PF(r, "<li>%zu × ", counts[b]);
		T(r, role_label((enum role)(1 << b)));
		P(r, "</li>");
	}
	P(r, "</ul>\n<p><a href=\"/org/members\">");
	T(r, _("Manage members and invitations"));
	P(r, "</a> · <a href=\"/org/audit\">");
	T(r, _("Access log"));
	P(r, "</a></p></section>\n");
	return 0;
}

int
ui_home(struct req *r)
{
	struct session *s = page_session(r);
	int rc;

	if (s == NULL) {
		resp_redirect(r, "/login");
		return 0;
	}
	/* authorize sends a half-logged-in session to /login/2fa; should it
	 * get here all the same, it sees nothing of the account. */
	if (s->twofa_pending) {
		resp_redirect(r, "/login/2fa");
		return 0;
	}
	page_begin(r, _("Start"));
	P(r, "<p>");
	T(r, _("Welcome,"));
	P(r, " ");
	T(r, s->user_name);
	P(r, ".</p>\n");
	if (s->role & ROLE_ADMIN) {
		if ((rc = admin_section(r, s)) != 0)
			return rc;
	}
	if (s->role == ROLE_PROFESSIONAL) {
		P(r, "<p><a href=\"/overview/modules\">");
		T(r, _("Your clients' modules"));
		P(r, "</a></p>\n");
	}
	if (s->role == ROLE_STAKEHOLDER) {
		P(r, "<p><a href=\"/shared\">");
		T(r, _("Shared with me"));
		P(r, "</a></p>\n");
	}
	if ((rc = web_home_sections(r, s)) != 0)
		return rc;
	if ((rc = org_section(r, s)) != 0)
		return rc;
	page_end(r);
	return 0;
}

int
ui_org_switch(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	const char *v = req_form(r, "org");
	enum role role;
	int64_t org;
	int rc;

	if (v == NULL || num_parse_i64(str_c(v), 1, INT64_MAX, &org) != 0)
		return ERR_INVAL;
	/* Only an organisation the user belongs to; another's id is "not
	 * found" so ids cannot be probed. */
	if ((rc = member_role(app->db, org, s->user_id, &role)) != 0)
		return rc == ERR_NOTFOUND ? ERR_NOTFOUND : rc;
	if ((rc = session_set_org(app->db, s->id, org)) != 0)
		return rc;
	resp_redirect(r, "/");
	return 0;
}
