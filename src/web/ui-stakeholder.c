/*
 * ui-stakeholder.c - stakeholders of a trajectory (issue 13): the
 * trajectory's page of them (the client consents, chooses what to share
 * and withdraws; a professional proposes), the appointment page's
 * section that adds one to a meeting, and the stakeholder's own pages
 * (/shared), which show only what the client shares.
 *
 * The route table names the object: a stakeholder reaches only the
 * shared kinds (authz's AUTHZ_SHARED_*), checked on every request, so a
 * withdrawal ends access at the next click.  Every page a stakeholder
 * opens is logged first (purpose "stakeholder", the client as the data's
 * owner), so the client finds it on "who saw my data".
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "appointment/appointment.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/num.h"
#include "identity/identity.h"
#include "identity/role.h"
#include "identity/session.h"
#include "stakeholder/stakeholder.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

static const char *
relation_label(const char *r)
{
	if (strcmp(r, "employer") == 0)
		return _("employer");
	if (strcmp(r, "hr") == 0)
		return _("HR");
	if (strcmp(r, "referrer") == 0)
		return _("referrer");
	return r;
}

static const char *
state_label(enum stake_state s)
{
	switch (s) {
	case STAKE_PROPOSED:
		return _("proposed, waiting for the client's consent");
	case STAKE_CONSENTED:
		return _("the client consents");
	case STAKE_WITHDRAWN:
		return _("consent withdrawn: no access");
	}
	return "?";
}

static unsigned
shares_of(struct req *r)
{
	unsigned s = 0;

	if (strcmp(page_form(r, "share_questions"), "1") == 0)
		s |= STAKE_QUESTIONS;
	if (strcmp(page_form(r, "share_appointments"), "1") == 0)
		s |= STAKE_APPOINTMENTS;
	if (strcmp(page_form(r, "share_invoices"), "1") == 0)
		s |= STAKE_INVOICES;
	return s;
}

static void
share_boxes(struct req *r, int64_t id, unsigned shares)
{
	/* The reason at the field only on the form that gives access (it
	 * is at the top of the page too): one id per page. */
	P(r, "<fieldset");
	if (id == 0)
		page_field_attrs(r, "shares", NULL);
	P(r, "><legend>");
	T(r, _("What the stakeholder sees"));
	PF(r, "</legend><input type=\"checkbox\" id=\"sq-%lld\" "
	    "name=\"share_questions\" value=\"1\"%s> <label for=\"sq-%lld\">",
	    (long long)id, shares & STAKE_QUESTIONS ? " checked" : "",
	    (long long)id);
	T(r, _("the learning questions"));
	PF(r, "</label><br><input type=\"checkbox\" id=\"sa-%lld\" "
	    "name=\"share_appointments\" value=\"1\"%s> <label "
	    "for=\"sa-%lld\">", (long long)id,
	    shares & STAKE_APPOINTMENTS ? " checked" : "", (long long)id);
	T(r, _("the appointments they take part in"));
	PF(r, "</label><br><input type=\"checkbox\" id=\"si-%lld\" "
	    "name=\"share_invoices\" value=\"1\"%s> <label "
	    "for=\"si-%lld\">", (long long)id,
	    shares & STAKE_INVOICES ? " checked" : "", (long long)id);
	T(r, _("invoices may be addressed to them"));
	P(r, "</label>");
	if (id == 0)
		page_field_error(r, "shares");
	P(r, "</fieldset>\n");
}

static void
relation_select(struct req *r)
{
	static const char *const rel[] = { "employer", "hr", "referrer" };
	const char *cur = page_form(r, "relation");
	size_t i;

	P(r, "<p><label for=\"f-relation\">");
	T(r, _("Relation"));
	P(r, "</label> <select id=\"f-relation\" name=\"relation\"");
	page_field_attrs(r, "relation", NULL);
	P(r, ">");
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		P(r, "<option value=\"");
		A(r, rel[i]);
		P(r, "\"");
		if (strcmp(cur, rel[i]) == 0)
			P(r, " selected");
		P(r, ">");
		T(r, relation_label(rel[i]));
		P(r, "</option>");
	}
	P(r, "</select>");
	page_field_error(r, "relation");
	P(r, "</p>\n");
}

static int
render_traj(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	bool client = o->part == ROLE_CLIENT;
	struct stakeholder *v;
	struct audit_event ev;
	const char *done = req_query(r, "done");
	char action[64];
	size_t n, i;
	int rc;

	web_audit_event(r, &ev, AUDIT_READ, "stakeholder", o->client_id,
	    o->traj_id, client ? "client-self" : "care");
	if ((rc = audit_record(app->db, &ev)) != 0)
		return rc;
	if ((rc = stake_list(app->db, o->traj_id, &r->arena, &v, &n)) != 0)
		return rc;
	page_begin(r, _("Stakeholders"));
	PF(r, "<p class=\"crumbs\"><a href=\"/t/%lld\">",
	    (long long)o->traj_id);
	T(r, _("Back to the trajectory"));
	P(r, "</a></p>\n");
	if (done && strcmp(done, "withdrawn") == 0)
		page_notice(r, "ok", _("Consent withdrawn. The stakeholder has "
		    "no access any more."));
	else if (done && strcmp(done, "consent") == 0)
		page_notice(r, "ok", _("Saved. The stakeholder sees what you "
		    "share."));
	else if (done && strcmp(done, "proposed") == 0)
		page_notice(r, "ok", _("Proposed. The stakeholder has access "
		    "only once the client consents."));
	P(r, "<p>");
	T(r, _("An employer, HR or a referrer sees nothing of this "
	    "trajectory unless the client consents, and then only what the "
	    "client shares. The client can withdraw consent at any moment; "
	    "access ends at once. Every look is in the client's access log."));
	P(r, "</p>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("No stakeholders."));
		P(r, "</p>\n");
	}
	snprintf(action, sizeof(action), "/t/%lld/stakeholders",
	    (long long)o->traj_id);
	for (i = 0; i < n; i++) {
		PF(r, "<section class=\"stakeholder\" id=\"s-%lld\" "
		    "aria-labelledby=\"s-%lld-h\"><h2 id=\"s-%lld-h\">",
		    (long long)v[i].id, (long long)v[i].id,
		    (long long)v[i].id);
		T(r, v[i].name);
		P(r, " (");
		T(r, relation_label(v[i].relation));
		PF(r, ")</h2>\n<p class=\"state-%d\">", (int)v[i].state);
		T(r, state_label(v[i].state));
		P(r, "</p>\n");
		if (!client)
			goto next;
		/* Also after a withdrawal: consenting again is the
		 * client's to do. */
		form_begin(r, arena_printf(&r->arena, "%s/consent", action));
		PF(r, "<input type=\"hidden\" name=\"stakeholder\" "
		    "value=\"%lld\">", (long long)v[i].id);
		share_boxes(r, v[i].id, v[i].shares);
		form_submit(r, v[i].state == STAKE_CONSENTED ?
		    _("Save what I share") : _("I consent"));
		form_end(r);
		if (v[i].state != STAKE_WITHDRAWN) {
			form_begin(r, arena_printf(&r->arena, "%s/withdraw",
			    action));
			PF(r, "<input type=\"hidden\" name=\"stakeholder\" "
			    "value=\"%lld\">", (long long)v[i].id);
			form_submit(r, v[i].state == STAKE_CONSENTED ?
			    _("Withdraw consent") : _("Decline"));
			form_end(r);
		}
next:
		P(r, "</section>\n");
	}
	P(r, "<section aria-labelledby=\"h-sadd\"><h2 id=\"h-sadd\">");
	T(r, client ? _("Give a stakeholder access") :
	    _("Propose a stakeholder"));
	P(r, "</h2>\n");
	form_begin(r, action);
	form_input(r, "email", _("The stakeholder's e-mail address"),
	    "email", page_form(r, "email"), "off", 1);
	relation_select(r);
	if (client)
		share_boxes(r, 0, shares_of(r));
	form_submit(r, client ? _("Give access") : _("Propose"));
	form_end(r);
	P(r, "</section>\n");
	page_end(r);
	return 0;
}

int
ui_stake_traj(struct req *r)
{
	return render_traj(r);
}

static int
after(struct req *r, int rc, struct why *w, const char *done)
{
	if (rc == 0) {
		resp_redirect(r, arena_printf(&r->arena,
		    "/t/%lld/stakeholders?done=%s",
		    (long long)web_obj(r)->traj_id, done));
		return 0;
	}
	if ((rc = page_refuse(r, w, rc)) != 0)
		return rc;
	return render_traj(r);
}

int
ui_stake_propose_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	bool client = o->part == ROLE_CLIENT;
	struct audit_event ev;
	struct why w = { 0 };
	int64_t id;
	int rc;

	web_audit_event(r, &ev, AUDIT_CREATE, "stakeholder", o->client_id, 0,
	    client ? "client-self" : "care");
	rc = stake_propose(app->db, o->org_id, o->traj_id, o->client_id,
	    page_session(r)->user_id, client, page_form(r, "email"),
	    page_form(r, "relation"), client ? shares_of(r) : 0, 0, &ev, &w,
	    &id);
	return after(r, rc, &w, client ? "consent" : "proposed");
}

static int64_t
link_id(struct req *r)
{
	int64_t id = 0;

	if (num_parse_i64(str_c(page_form(r, "stakeholder")), 1, INT64_MAX,
	    &id) != 0)
		return 0;
	return id;
}

int
ui_stake_consent_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct audit_event ev;
	struct why w = { 0 };
	int rc;

	if (o->part != ROLE_CLIENT)
		return ERR_FORBIDDEN;
	web_audit_event(r, &ev, AUDIT_UPDATE, "stakeholder", o->client_id, 0,
	    "client-self");
	rc = stake_consent(app->db, o->traj_id, o->client_id, link_id(r),
	    shares_of(r), 0, &ev, &w);
	return after(r, rc, &w, "consent");
}

/* A READ route: withdrawing must work on a closed trajectory too. */
int
ui_stake_withdraw_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct audit_event ev;
	struct why w = { 0 };
	int rc;

	if (o->part != ROLE_CLIENT)
		return ERR_FORBIDDEN;
	web_audit_event(r, &ev, AUDIT_UPDATE, "stakeholder", o->client_id, 0,
	    "client-self");
	rc = stake_withdraw(app->db, o->traj_id, o->client_id, link_id(r), 0,
	    &ev);
	return after(r, rc, &w, "withdrawn");
}

/* The appointment page's section for a professional: who takes part and
 * a form to add a consenting stakeholder who sees appointments. */
void
ui_stake_appt_section(struct req *r, int64_t traj_id, int64_t appt_id)
{
	struct app *app = r->app;
	struct stakeholder *v, *in;
	size_t n, i, k = 0, nin = 0;

	if (stake_list(app->db, traj_id, &r->arena, &v, &n) != 0 ||
	    stake_appt_people(app->db, appt_id, &r->arena, &in, &nin) != 0)
		return;
	for (i = 0; i < n; i++)
		if (v[i].state == STAKE_CONSENTED &&
		    (v[i].shares & STAKE_APPOINTMENTS))
			k++;
	if (k == 0 && nin == 0)
		return;
	P(r, "<section aria-labelledby=\"h-appt-stake\"><h2 "
	    "id=\"h-appt-stake\">");
	T(r, _("Stakeholders in this meeting"));
	P(r, "</h2>\n");
	if (nin > 0) {
		P(r, "<ul class=\"appt-stakeholders\">");
		for (i = 0; i < nin; i++) {
			P(r, "<li>");
			T(r, in[i].name);
			P(r, " (");
			T(r, relation_label(in[i].relation));
			P(r, ")</li>");
		}
		P(r, "</ul>\n");
	}
	if (k == 0) {
		P(r, "</section>\n");
		return;
	}
	form_begin(r, arena_printf(&r->arena, "/appointments/%lld/stakeholders",
	    (long long)appt_id));
	P(r, "<p><label for=\"f-stakeholder\">");
	T(r, _("Stakeholder"));
	P(r, "</label> <select id=\"f-stakeholder\" name=\"stakeholder\">");
	for (i = 0; i < n; i++) {
		if (v[i].state != STAKE_CONSENTED ||
		    !(v[i].shares & STAKE_APPOINTMENTS))
			continue;
		PF(r, "<option value=\"%lld\">", (long long)v[i].id);
		T(r, v[i].name);
		P(r, " (");
		T(r, relation_label(v[i].relation));
		P(r, ")</option>");
	}
	P(r, "</select></p>\n");
	form_submit(r, _("Add to this meeting"));
	form_end(r);
	P(r, "</section>\n");
}

int
ui_stake_appt_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct audit_event ev;
	struct why w = { 0 };
	int rc;

	web_audit_event(r, &ev, AUDIT_UPDATE, "stakeholder", o->client_id, 0,
	    "care");
	rc = stake_appt_add(app->db, o->traj_id, o->client_id, o->id,
	    link_id(r),
	    page_session(r)->user_id, 0, &ev, &w);
	if (rc != 0) {
		if (w.msg == NULL)
			return rc;
		/* The reason on the page the form was on. */
		page_begin(r, _("Stakeholders in this meeting"));
		page_notice(r, "error", page_why(r, &w));
		PF(r, "<p><a href=\"/appointments/%lld\">", (long long)o->id);
		T(r, _("Back to the appointment"));
		P(r, "</a></p>\n");
		page_end(r);
		r->status = err_status(rc);
		return 0;
	}
	resp_redirect(r, arena_printf(&r->arena, "/appointments/%lld",
	    (long long)o->id));
	return 0;
}

/* --- the stakeholder's own pages ------------------------------------------ */

static void
shared_event(struct req *r, struct audit_event *ev, const char *kind,
    int64_t client_id, int64_t object_id)
{
	web_audit_event(r, ev, AUDIT_READ, kind, client_id, object_id,
	    "stakeholder");
}

static const char *
client_name(struct req *r, int64_t traj_id, int64_t *client_id)
{
	struct app *app = r->app;
	struct traj_head h;
	struct db_conn *c;
	const char *name = "";

	*client_id = 0;
	if (db_read_begin(app->db, &c) != 0)
		return name;
	if (traj_head_on(c, traj_id, &h) == 0) {
		*client_id = h.client_id;
		(void)user_names_on(c, &h.client_id, 1, &r->arena, &name);
	}
	db_read_end(app->db, c);
	return name;
}

int
ui_shared_home(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct stakeholder *v;
	size_t n, i;
	int rc;

	if ((rc = stake_mine(app->db, s->org_id, s->user_id, &r->arena, &v,
	    &n)) != 0)
		return rc;
	page_begin(r, _("Shared with me"));
	if (n == 0) {
		P(r, "<p>");
		T(r, _("Nobody shares anything with you at the moment."));
		P(r, "</p>\n");
	} else {
		P(r, "<ul class=\"shared\">\n");
		for (i = 0; i < n; i++) {
			int64_t cid;
			const char *name = client_name(r, v[i].traj_id, &cid);

			PF(r, "<li><a href=\"/shared/%lld\">",
			    (long long)v[i].traj_id);
			T(r, name);
			P(r, "</a> (");
			T(r, relation_label(v[i].relation));
			P(r, ")</li>\n");
		}
		P(r, "</ul>\n");
	}
	page_end(r);
	return 0;
}

int
ui_shared_traj(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct learning_question *q = NULL;
	struct audit_event ev;
	int64_t *ids = NULL, cid;
	size_t nq = 0, na = 0, i;
	const char *name;
	int rc;

	/* Log first, then show. */
	shared_event(r, &ev, "trajectory", o->client_id, o->traj_id);
	if ((rc = audit_record(app->db, &ev)) != 0)
		return rc;
	if (o->shares & STAKE_QUESTIONS) {
		shared_event(r, &ev, "learning-question", o->client_id, 0);
		if ((rc = traj_questions(app->db, app->kr, o->traj_id, &ev,
		    &r->arena, &q, &nq)) != 0)
			return rc;
	}
	if ((o->shares & STAKE_APPOINTMENTS) &&
	    (rc = stake_appts(app->db, o->stake_id, &r->arena, &ids,
	    &na)) != 0)
		return rc;
	name = client_name(r, o->traj_id, &cid);
	page_begin(r, _("Shared with me"));
	P(r, "<p class=\"crumbs\"><a href=\"/shared\">");
	T(r, _("Everything shared with me"));
	P(r, "</a></p>\n<p>");
	T(r, _("Shared by"));
	P(r, " <strong>");
	T(r, name);
	P(r, "</strong>. ");
	T(r, _("You see only what the client shares, for as long as they "
	    "consent."));
	P(r, "</p>\n");
	if (o->shares & STAKE_QUESTIONS) {
		P(r, "<section aria-labelledby=\"h-sq\"><h2 id=\"h-sq\">");
		T(r, _("Learning questions"));
		P(r, "</h2>\n<ul class=\"questions\">\n");
		for (i = 0; i < nq; i++) {
			P(r, "<li>");
			T(r, q[i].body);
			P(r, "</li>\n");
		}
		P(r, "</ul>\n");
		if (nq == 0) {
			P(r, "<p>");
			T(r, _("No learning questions yet."));
			P(r, "</p>\n");
		}
		P(r, "</section>\n");
	}
	if (o->shares & STAKE_APPOINTMENTS) {
		P(r, "<section aria-labelledby=\"h-sa\"><h2 id=\"h-sa\">");
		T(r, _("Meetings you take part in"));
		P(r, "</h2>\n<ul class=\"meetings\">\n");
		for (i = 0; i < na; i++) {
			PF(r, "<li><a href=\"/shared/appointments/%lld\">",
			    (long long)ids[i]);
			T(r, _("Meeting"));
			PF(r, " #%lld</a></li>\n", (long long)ids[i]);
		}
		P(r, "</ul>\n");
		if (na == 0) {
			P(r, "<p>");
			T(r, _("You take part in no meetings yet."));
			P(r, "</p>\n");
		}
		P(r, "</section>\n");
	}
	page_end(r);
	return 0;
}

int
ui_shared_appt(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	const struct tz *tz = page_zone(r, NULL);
	struct audit_event ev;
	struct appointment a;
	int rc;

	shared_event(r, &ev, "appointment", o->client_id, o->id);
	if ((rc = audit_record(app->db, &ev)) != 0)
		return rc;
	if ((rc = appt_get(app->db, app->kr, o->id, &r->arena, &a)) != 0)
		return rc;
	page_begin(r, _("Meeting"));
	PF(r, "<p class=\"crumbs\"><a href=\"/shared/%lld\">",
	    (long long)o->traj_id);
	T(r, _("Back"));
	P(r, "</a></p>\n<dl class=\"appt-facts\">");
	ui_appt_facts(r, tz, &a);
	P(r, "<dt>");
	T(r, _("With"));
	P(r, "</dt><dd>");
	T(r, a.client_name);
	P(r, ", ");
	T(r, a.prof_name);
	P(r, "</dd><dt>");
	T(r, _("Status"));
	P(r, "</dt><dd id=\"appt-status\">");
	T(r, ui_appt_status_label(a.status));
	P(r, "</dd></dl>\n");
	page_end(r);
	return 0;
}
