/*
 * ui-admin.c - an administrator's pages: members and their roles,
 * invitations, and the organisation's settings (two-step verification for
 * everyone).  The route table lets only admins in, and an admin of the
 * session's organisation is all these pages need: they act on that
 * organisation only.  A member named in the path (/org/members/:uid/...)
 * was checked by the router (authz: a member of this organisation) before
 * the handler runs; web_obj has the id.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "trajectory/trajectory.h"
#include "web/handlers.h"
#include "web/notify.h"
#include "web/page.h"
#include "web/web_audit.h"
#include "web/web_int.h"
#include "core/banned.h"

static const enum role all_roles[] = { ROLE_ADMIN, ROLE_PROFESSIONAL,
	ROLE_VOLUNTEER, ROLE_CLIENT, ROLE_STAKEHOLDER, ROLE_RESEARCHER };

/* field: the name a refusal's reason uses for this select (NULL: none). */
static void
role_select(struct req *r, const char *id, const char *field,
    enum role current)
{
	size_t i;

	P(r, "<select id=\"");
	A(r, id);
	P(r, "\" name=\"role\"");
	if (field)
		page_field_attrs(r, field, NULL);
	P(r, ">");
	for (i = 0; i < sizeof(all_roles) / sizeof(all_roles[0]); i++) {
		P(r, "<option value=\"");
		A(r, role_name(all_roles[i]));
		P(r, "\"");
		if (all_roles[i] == current)
			P(r, " selected");
		P(r, ">");
		T(r, web_role_label(all_roles[i]));
		P(r, "</option>");
	}
	P(r, "</select>");
}

/* The members; ok: a notice.  A refused form's reason is page_refuse's
 * (next to the field: "email" and "role" of the invitation, or "role-N" of
 * member N's row). */
static int
members_page(struct req *r, const char *ok, const char *error)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct membership *ms = NULL;
	struct audit_event ev;
	struct org org;
	size_t n = 0, i;
	int rc;

	if ((rc = org_get(app->db, s->org_id, &r->arena, &org)) != 0)
		return rc;
	if ((rc = member_list(app->db, s->org_id, &r->arena, &ms, &n)) != 0)
		return rc;
	/* The list names the organisation's clients: a read of their
	 * profiles, logged before it is shown. */
	web_audit_event(r, &ev, AUDIT_READ, "profile", 0, 0, "admin");
	ev.detail = "list";
	if ((rc = audit_record(app->db, &ev)) != 0)
		return rc;
	page_begin(r, _("Members"));
	if (ok)
		page_notice(r, "ok", ok);
	if (error)
		page_notice(r, "error", error);
	P(r, "<table><caption>");
	T(r, org.name);
	P(r, "</caption>\n<thead><tr><th scope=\"col\">");
	T(r, _("Name"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("E-mail address"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Role"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Actions"));
	P(r, "</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		const char *rid = arena_printf(&r->arena, "role-%lld",
		    (long long)ms[i].user_id);

		P(r, "<tr><td>");
		T(r, ms[i].user_name);
		P(r, "</td><td>");
		T(r, ms[i].user_email);
		P(r, "</td><td>");
		form_begin(r, arena_printf(&r->arena, "/org/members/%lld/role",
		    (long long)ms[i].user_id));
		P(r, "<label class=\"visually-hidden\" for=\"");
		A(r, rid);
		P(r, "\">");
		T(r, _("Role of"));
		P(r, " ");
		T(r, ms[i].user_name);
		P(r, "</label>");
		role_select(r, rid, rid, ms[i].role);
		P(r, " <button type=\"submit\">");
		T(r, _("Change"));
		P(r, "</button>");
		page_field_error(r, rid);
		form_end(r);
		P(r, "</td><td>");
		if (ms[i].user_id != s->user_id)
			form_button(r, arena_printf(&r->arena,
			    "/org/members/%lld/remove", (long long)ms[i].user_id),
			    _("Remove from organisation"));
		P(r, "</td></tr>\n");
	}
	P(r, "</tbody></table>\n");

	P(r, "<section aria-labelledby=\"h-invite\"><h2 id=\"h-invite\">");
	T(r, _("Invite someone"));
	P(r, "</h2>\n");
	form_begin(r, "/org/invites");
	/* After a refusal, the address as typed. */
	form_input(r, "email", _("E-mail address"), "email",
	    page_field_bad(r, "email") ? page_form(r, "email") : NULL, "off", 1);
	P(r, "<p class=\"field\"><label for=\"f-role\">");
	T(r, _("Role"));
	P(r, "</label>\n");
	role_select(r, "f-role", "role", ROLE_CLIENT);
	page_field_error(r, "role");
	P(r, "</p>\n");
	form_submit(r, _("Send invitation"));
	form_end(r);
	P(r, "</section>\n");

	P(r, "<section aria-labelledby=\"h-settings\"><h2 id=\"h-settings\">");
	T(r, _("Settings"));
	P(r, "</h2>\n");
	form_begin(r, "/org/settings");
	P(r, "<p class=\"field\"><input type=\"checkbox\" id=\"f-2fa\" name=\"require_2fa\" value=\"1\"");
	if (org.require_2fa)
		P(r, " checked");
	P(r, "> <label for=\"f-2fa\">");
	T(r, _("Everyone in this organisation must use two-step verification"));
	P(r, "</label></p>\n");
	form_submit(r, _("Save"));
	form_end(r);
	P(r, "</section>\n");
	/* issue 13: what invoices say about the organisation */
	P(r, "<p><a href=\"/org/billing\">");
	T(r, _("Billing details (invoices)"));
	P(r, "</a></p>\n");
	page_end(r);
	return 0;
}

int
ui_members(struct req *r)
{
	return members_page(r, NULL, NULL);
}

int
ui_member_role_post(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	const char *rv = req_form(r, "role");
	int64_t uid = web_obj(r)->id;
	struct why why = { 0 };
	enum role role;
	int rc;

	/* No role the domain knows: none (0), which it refuses. */
	if (rv == NULL || role_parse(str_c(rv), &role) != 0)
		role = 0;
	/* An admin cannot take away their own admin role: an organisation
	 * must never be left without anyone to manage it.  The caller's
	 * own rule, so the page's. */
	if (uid == s->user_id && role != ROLE_ADMIN)
		rc = why_set(&why, ERR_FORBIDDEN, "role",
		    N_("You cannot change your own role. Ask another administrator."));
	else
		rc = member_set_role(app->db, s->org_id, uid, role, &why);
	if (rc != 0) {
		/* The reason belongs to that member's row. */
		if (why.field != NULL)
			why.field = arena_printf(&r->arena, "role-%lld",
			    (long long)uid);
		return page_refuse(r, &why, rc) ? rc :
		    members_page(r, NULL, NULL);
	}
	web_audit_security(r, "role-change", uid, AUDIT_SUCCESS);
	return members_page(r, _("The role was changed."), NULL);
}

int
ui_member_remove_post(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct audit_event ev;
	int64_t uid = web_obj(r)->id;
	int rc;

	if (uid == s->user_id) {
		struct why why;

		why_set(&why, ERR_FORBIDDEN, NULL,
		    N_("You cannot remove yourself. Ask another administrator."));
		(void)page_refuse(r, &why, ERR_FORBIDDEN);
		return members_page(r, NULL, NULL);
	}
	if ((rc = member_role(app->db, s->org_id, uid, &(enum role){ 0 })) != 0)
		return rc;
	/* Leaving ends taking part, first: should the removal then fail,
	 * the member is left with less, never with more. */
	web_audit_event(r, &ev, AUDIT_UPDATE, "trajectory", 0, 0, "admin");
	if ((rc = traj_end_participation(app->db, s->org_id, uid, &ev,
	    NULL)) != 0)
		return rc;
	if ((rc = member_remove(app->db, s->org_id, uid)) != 0)
		return rc;
	web_audit_security(r, "member-remove", uid, AUDIT_SUCCESS);
	return members_page(r, _("The member was removed."), NULL);
}

int
ui_invite_create_post(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	const char *email = req_form(r, "email");
	const char *rv = req_form(r, "role");
	struct buf tok = BUF_INIT, body = BUF_INIT;
	struct why why = { 0 };
	const char *link;
	struct org org;
	enum role role;
	int rc;

	/* No role the domain knows: none (0), which it refuses. */
	if (rv == NULL || role_parse(str_c(rv), &role) != 0)
		role = 0;
	if ((rc = org_get(app->db, s->org_id, &r->arena, &org)) != 0)
		return rc;
	/* Without a mail server only a demo has a way to deliver the link
	 * (below); elsewhere no invitation is made that nobody can use. */
	if (app->cfg.smtp_url[0] == '\0' && !app->cfg.demo)
		return members_page(r, NULL, _("No mail server is configured, so the invitation could not be sent. Ask the operator to configure one, then invite again."));
	if ((rc = invite_create(app->db, s->org_id, email ? email : "", role,
	    s->user_id, &tok, &why)) != 0) {
		if (page_refuse(r, &why, rc) == 0)
			rc = members_page(r, NULL, NULL);
		goto out;
	}
	web_audit_security(r, "invite-create", 0, AUDIT_SUCCESS);
	link = arena_printf(&r->arena, "%s/invite/%s", app->cfg.base_url, tok.p);
	buf_printf(&body, "%s\n\n%s\n\n",
	    _("You are invited to join an organisation on Infuus, a secure platform for coaching. Accept the invitation here:"),
	    link);
	buf_printf(&body, _("The link works once, for %d days."),
	    LIMIT_INVITE_TTL / (24 * 60 * 60));
	buf_adds(&body, "\n");
	/*
	 * The link goes to the address only, never to the administrator: it
	 * is the proof that the person controls the address, and the page it
	 * opens tells whether the address has an account (in any
	 * organisation).  What the administrator sees does not depend on
	 * the address at all.  Without a mail server a demo (--demo) prints
	 * the link on the server's console for the operator (make run).
	 */
	if (app->cfg.smtp_url[0] == '\0') {
		fprintf(stdout, "demo: invitation for %s: %s\n", email, link);
		fflush(stdout);
		rc = members_page(r, _("No mail server is configured. This is a demo: the invitation link is on the server's console."), NULL);
	} else if (notify_mail(app, email, _("Your invitation to Infuus"),
	    body.p) != 0) {
		rc = members_page(r, NULL,
		    _("The invitation was made, but the e-mail could not be sent. Please try again later."));
	} else {
		rc = members_page(r, _("The invitation was sent."), NULL);
	}
out:
	buf_wipe(&tok);
	buf_wipe(&body);
	return rc;
}

int
ui_org_settings_post(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	const char *v = req_form(r, "require_2fa");
	int rc;

	if ((rc = org_set_require_2fa(app->db, s->org_id,
	    v && strcmp(v, "1") == 0)) != 0)
		return rc;
	web_audit_security(r, "org-2fa-setting", 0, AUDIT_SUCCESS);
	return members_page(r, _("The settings were saved."), NULL);
}
