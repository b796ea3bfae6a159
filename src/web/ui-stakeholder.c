/*
 * ui-stakeholder.c - stakeholders of a trajectory (issue 13): the
 * trajectory's page of them (the client consents, chooses what to share
 * and withdraws; a professional proposes), the appointment page's
 * section that adds one to a meeting, and the stakeholder's own pages
 * (/shared), which show only what the client shares; and the closing
 * report (/t/:tid/report: a professional writes it, the client reads it;
 * /shared/:tid/report: the version the client shared), each also as a
 * document of its own that prints without menus.
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
#include "core/json.h"
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

/* What a client may share, each a checkbox of the form. */
static const struct {
	const char *name;	/* the form field */
	const char *id;		/* its element id's prefix */
	unsigned bit;
	const char *label;
} share_box[] = {
	{ "share_questions", "sq", STAKE_QUESTIONS,
	    N_("the learning questions") },
	{ "share_appointments", "sa", STAKE_APPOINTMENTS,
	    N_("the appointments they take part in") },
	{ "share_invoices", "si", STAKE_INVOICES,
	    N_("invoices may be addressed to them") },
	{ "share_report", "sr", STAKE_REPORT,
	    N_("the closing report, as it is finished now") },
};

static unsigned
shares_of(struct req *r)
{
	unsigned s = 0;
	size_t i;

	for (i = 0; i < sizeof(share_box) / sizeof(share_box[0]); i++)
		if (strcmp(page_form(r, share_box[i].name), "1") == 0)
			s |= share_box[i].bit;
	return s;
}

static void
share_boxes(struct req *r, int64_t id, unsigned shares)
{
	size_t i;

	/* The reason at the field only on the form that gives access (it
	 * is at the top of the page too): one id per page. */
	P(r, "<fieldset");
	if (id == 0)
		page_field_attrs(r, "shares", NULL);
	P(r, "><legend>");
	T(r, _("What the stakeholder sees"));
	P(r, "</legend>");
	for (i = 0; i < sizeof(share_box) / sizeof(share_box[0]); i++) {
		PF(r, "%s<input type=\"checkbox\" id=\"%s-%lld\" "
		    "name=\"%s\" value=\"1\"%s> <label for=\"%s-%lld\">",
		    i > 0 ? "<br>" : "", share_box[i].id, (long long)id,
		    share_box[i].name,
		    shares & share_box[i].bit ? " checked" : "",
		    share_box[i].id, (long long)id);
		T(r, _(share_box[i].label));
		P(r, "</label>");
	}
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

/* What a redirect's ?done= says on the page it lands on. */
struct done_notice {
	const char *done;
	const char *msg;
};

static const struct done_notice traj_done[] = {
	{ "withdrawn", N_("Consent withdrawn. The stakeholder has no access "
	    "any more.") },
	{ "consent", N_("Saved. The stakeholder sees what you share.") },
	{ "proposed", N_("Proposed. The stakeholder has access only once the "
	    "client consents.") },
	{ NULL, NULL }
};

static const struct done_notice report_done[] = {
	{ "draft", N_("Draft saved. Only the professionals see it.") },
	{ "finish", N_("Finished. The client reads this version.") },
	{ "shared", N_("Shared. The stakeholder reads this version for as "
	    "long as you consent.") },
	{ "unshared", N_("No longer shared. The stakeholder cannot read the "
	    "report any more.") },
	{ NULL, NULL }
};

/* The top of a trajectory's page of stakeholders or its closing report:
 * the crumbs back to the trajectory and the notice of what was just
 * done, if the query names one of the page's. */
static void
traj_page_begin(struct req *r, const char *title,
    const struct done_notice *t)
{
	const char *done = req_query(r, "done");

	page_begin(r, title);
	PF(r, "<p class=\"crumbs\"><a href=\"/t/%lld\">",
	    (long long)web_obj(r)->traj_id);
	T(r, _("Back to the trajectory"));
	P(r, "</a></p>\n");
	for (; done != NULL && t->done != NULL; t++)
		if (strcmp(done, t->done) == 0) {
			page_notice(r, "ok", _(t->msg));
			break;
		}
}

static int render_report(struct req *);

static int
render_traj(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	bool client = o->part == ROLE_CLIENT;
	struct stakeholder *v;
	struct audit_event ev;
	char action[64];
	size_t n, i;
	int rc;

	web_audit_event(r, &ev, AUDIT_READ, "stakeholder", o->client_id,
	    o->traj_id, client ? "client-self" : "care");
	if ((rc = audit_record(app->db, &ev)) != 0)
		return rc;
	if ((rc = stake_list(app->db, o->traj_id, &r->arena, &v, &n)) != 0)
		return rc;
	traj_page_begin(r, _("Stakeholders"), traj_done);
	P(r, "<p>");
	T(r, _("An employer, HR or a referrer sees nothing of this "
	    "trajectory unless the client consents, and then only what the "
	    "client shares. The client can withdraw consent at any moment; "
	    "access ends at once. Every look is in the client's access log."));
	P(r, "</p>\n");
	PF(r, "<p><a href=\"/t/%lld/report\">", (long long)o->traj_id);
	T(r, _("Closing report"));
	P(r, "</a></p>\n");
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

/* The tail of a form on the trajectory's page of stakeholders or its
 * report: on success to /t/:tid/<to> (the page and its ?done=), else
 * the page again (render) with the reason. */
static int
after(struct req *r, int rc, const struct why *w, int (*render)(struct req *),
    const char *to)
{
	if (rc == 0) {
		resp_redirect(r, arena_printf(&r->arena, "/t/%lld/%s",
		    (long long)web_obj(r)->traj_id, to));
		return 0;
	}
	if ((rc = page_refuse(r, w, rc)) != 0)
		return rc;
	return render(r);
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
	return after(r, rc, &w, render_traj, client ?
	    "stakeholders?done=consent" : "stakeholders?done=proposed");
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

/* Consenting and withdrawing are the client's alone (the route table
 * says so too), logged as the client's own change. */
static int
client_event(struct req *r, struct audit_event *ev)
{
	const struct authz_object *o = web_obj(r);

	if (o->part != ROLE_CLIENT)
		return ERR_FORBIDDEN;
	web_audit_event(r, ev, AUDIT_UPDATE, "stakeholder", o->client_id, 0,
	    "client-self");
	return 0;
}

int
ui_stake_consent_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct audit_event ev;
	struct why w = { 0 };
	int rc;

	if ((rc = client_event(r, &ev)) != 0)
		return rc;
	rc = stake_consent(app->db, o->traj_id, o->client_id, link_id(r),
	    shares_of(r), 0, &ev, &w);
	return after(r, rc, &w, render_traj, "stakeholders?done=consent");
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

	if ((rc = client_event(r, &ev)) != 0)
		return rc;
	rc = stake_withdraw(app->db, o->traj_id, o->client_id, link_id(r), 0,
	    &ev);
	return after(r, rc, &w, render_traj,
	    "stakeholders?done=withdrawn");
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
	if (o->shares & STAKE_REPORT) {
		P(r, "<section aria-labelledby=\"h-sr\"><h2 id=\"h-sr\">");
		T(r, _("Closing report"));
		PF(r, "</h2>\n<p><a href=\"/shared/%lld/report\">",
		    (long long)o->traj_id);
		T(r, _("Read the closing report"));
		P(r, "</a></p>\n</section>\n");
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

/* --- the closing report ----------------------------------------------------- */

/* A report's text: paragraphs at blank lines, line breaks kept. */
static void
report_text(struct req *r, const char *text)
{
	const char *p = text, *nl;
	bool open = false;

	P(r, "<div class=\"report-text\">");
	while (*p != '\0') {
		nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0) {
			if (open)
				P(r, "</p>\n");
			open = false;
		} else {
			P(r, open ? "<br>" : "<p>");
			TS(r, (struct str){ p, len });
			open = true;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (open)
		P(r, "</p>\n");
	P(r, "</div>\n");
}

/* "Version 2, finished on ... by ..." */
static void
report_meta(struct req *r, const struct stake_report *v)
{
	P(r, "<p class=\"meta report-meta\">");
	T(r, arena_printf(&r->arena, _("Version %lld, finished on %s by %s."),
	    (long long)v->version, page_time(r, v->written_at),
	    v->author[0] ? v->author : _("(former participant)")));
	P(r, "</p>\n");
}

/* The report as a document of its own, for reading and printing: no
 * menus; the print stylesheet (static/export.css) does the rest. */
static void
report_doc(struct req *r, const char *back, const char *client,
    const struct stake_report *v)
{
	page_head(r, _("Closing report"));
	P(r, "<link rel=\"stylesheet\" href=\"/static/export.css\">\n"
	    "</head>\n<body class=\"export report\">\n<main id=\"main\">\n"
	    "<h1>");
	T(r, _("Closing report"));
	P(r, "</h1>\n<p class=\"meta\">");
	T(r, arena_printf(&r->arena, _("Trajectory of %s."), client));
	P(r, "</p>\n");
	report_meta(r, v);
	P(r, "<p class=\"noprint\"><a href=\"");
	A(r, back);
	P(r, "\">");
	T(r, _("Back"));
	P(r, "</a> \xc2\xb7 ");
	T(r, _("This page prints without menus: use your browser's print "
	    "command."));
	P(r, "</p>\n<article class=\"report\" id=\"report\">\n");
	report_text(r, v->text);
	P(r, "</article>\n</main>\n</body>\n</html>\n");
}

static void
report_event(struct req *r, struct audit_event *ev, int action)
{
	const struct authz_object *o = web_obj(r);

	web_audit_event(r, ev, action, "closing-report", o->client_id,
	    o->traj_id, o->part == ROLE_CLIENT ? "client-self" : "care");
}

/* The client's view of who reads which version, with a button for each
 * consenting stakeholder to share the newest version or stop sharing. */
static void
report_sharing(struct req *r, int64_t version)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct stakeholder *v;
	const char *action;
	size_t n, i, k = 0;

	P(r, "<section aria-labelledby=\"h-rshare\"><h2 id=\"h-rshare\">");
	T(r, _("Shared with"));
	P(r, "</h2>\n<p>");
	T(r, _("You decide for each stakeholder who has your consent whether "
	    "they read this report. They read the version that is finished "
	    "when you share it, also when the report changes later, until "
	    "you share again; withdrawing consent ends it at once."));
	P(r, "</p>\n");
	if (stake_list(app->db, o->traj_id, &r->arena, &v, &n) != 0)
		n = 0;
	action = arena_printf(&r->arena, "/t/%lld/report/share",
	    (long long)o->traj_id);
	P(r, "<ul class=\"report-shared\">\n");
	for (i = 0; i < n; i++) {
		bool reads = (v[i].shares & STAKE_REPORT) &&
		    v[i].report_version > 0;

		if (v[i].state != STAKE_CONSENTED)
			continue;
		k += reads;
		PF(r, "<li id=\"rs-%lld\">", (long long)v[i].id);
		T(r, v[i].name);
		P(r, " (");
		T(r, relation_label(v[i].relation));
		P(r, "): ");
		if (reads)
			T(r, arena_printf(&r->arena, _("reads version %lld"),
			    (long long)v[i].report_version));
		else
			T(r, _("does not read the report"));
		if (reads && v[i].report_version < version) {
			P(r, " \xe2\x80\x94 ");
			T(r, _("a newer version exists"));
		}
		if (version > 0 && (!reads || v[i].report_version < version)) {
			form_begin(r, action);
			PF(r, "<input type=\"hidden\" name=\"stakeholder\" "
			    "value=\"%lld\"><input type=\"hidden\" "
			    "name=\"share\" value=\"1\">", (long long)v[i].id);
			form_submit(r, arena_printf(&r->arena,
			    _("Share version %lld with %s"), (long long)version,
			    v[i].name));
			form_end(r);
		}
		if (reads) {
			form_begin(r, action);
			PF(r, "<input type=\"hidden\" name=\"stakeholder\" "
			    "value=\"%lld\"><input type=\"hidden\" "
			    "name=\"share\" value=\"0\">", (long long)v[i].id);
			form_submit(r, arena_printf(&r->arena,
			    _("Stop sharing with %s"), v[i].name));
			form_end(r);
		}
		P(r, "</li>\n");
	}
	P(r, "</ul>\n");
	if (k == 0) {
		P(r, "<p id=\"report-unshared\">");
		T(r, _("Nobody else reads this report."));
		P(r, "</p>\n");
	}
	PF(r, "<p><a href=\"/t/%lld/stakeholders\">", (long long)o->traj_id);
	T(r, _("Stakeholders and what you share"));
	P(r, "</a></p>\n</section>\n");
}

static int
render_report(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	bool pro = o->part == ROLE_PROFESSIONAL;
	struct stake_report_view v;
	struct audit_event ev;
	const char *text;
	int rc;

	report_event(r, &ev, AUDIT_READ);
	if ((rc = stake_report_get(app->db, app->kr, o->traj_id, pro, &ev,
	    &r->arena, &v)) != 0)
		return rc;
	traj_page_begin(r, _("Closing report"), report_done);
	P(r, "<section aria-labelledby=\"h-rcur\"><h2 id=\"h-rcur\">");
	T(r, _("The report"));
	P(r, "</h2>\n");
	if (v.current.version > 0) {
		report_meta(r, &v.current);
		PF(r, "<p><a href=\"/t/%lld/report/print\">",
		    (long long)o->traj_id);
		T(r, _("Printable version"));
		P(r, "</a></p>\n<article class=\"report\" id=\"report\">\n");
		report_text(r, v.current.text);
		P(r, "</article>\n");
	} else {
		P(r, "<p id=\"report-none\">");
		T(r, _("No version of the closing report is finished yet."));
		P(r, "</p>\n");
	}
	P(r, "</section>\n");
	if (o->part == ROLE_CLIENT)
		report_sharing(r, v.current.version);
	if (pro) {
		P(r, "<section aria-labelledby=\"h-redit\"><h2 "
		    "id=\"h-redit\">");
		T(r, _("Write"));
		P(r, "</h2>\n<p id=\"report-hint\">");
		T(r, _("A draft is seen by the professionals only. Finishing "
		    "makes it a version the client reads; the client decides "
		    "whether a stakeholder reads it. A version once shared "
		    "stays as it was shared."));
		P(r, "</p>\n");
		/* The token in the action: a report passes LIMIT_BODY_ANON. */
		P(r, "<form method=\"post\" action=\"");
		A(r, arena_printf(&r->arena, "/t/%lld/report?csrf=%s",
		    (long long)o->traj_id, web_csrf_value(r)));
		P(r, "\">\n<p class=\"field\"><label for=\"f-text\">");
		T(r, _("The report's text"));
		PF(r, "</label>\n<textarea id=\"f-text\" name=\"text\" "
		    "rows=\"18\" maxlength=\"%d\"", LIMIT_REPORT_BYTES);
		page_field_attrs(r, "text", "report-hint");
		P(r, ">");
		text = r->status >= 400 ? page_form(r, "text") :
		    v.draft.text[0] ? v.draft.text : v.current.text;
		T(r, text);
		P(r, "</textarea>");
		page_field_error(r, "text");
		if (v.draft.text[0] && r->status < 400) {
			P(r, "<br><span class=\"hint\">");
			T(r, arena_printf(&r->arena, _("Draft of %s."),
			    page_time(r, v.draft.written_at)));
			P(r, "</span>");
		}
		P(r, "</p>\n<p><button type=\"submit\" name=\"action\" "
		    "value=\"draft\">");
		T(r, _("Save draft"));
		P(r, "</button> <button type=\"submit\" name=\"action\" "
		    "value=\"finish\">");
		T(r, _("Finish and give to the client"));
		P(r, "</button></p>\n</form>\n</section>\n");
	}
	page_end(r);
	return 0;
}

int
ui_report_page(struct req *r)
{
	return render_report(r);
}

int
ui_report_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	const char *action = page_form(r, "action");
	struct audit_event ev;
	struct why w = { 0 };
	int64_t version = 0;
	int rc;

	report_event(r, &ev, AUDIT_UPDATE);
	rc = stake_report_save(app->db, app->kr, o->org_id, o->traj_id,
	    o->client_id, page_session(r)->user_id,
	    o->part == ROLE_PROFESSIONAL, page_form(r, "text"),
	    strcmp(action, "finish") == 0, 0, &ev, &w, &version);
	return after(r, rc, &w, render_report, strcmp(action, "finish") == 0 ?
	    "report?done=finish" : "report?done=draft");
}

int
ui_report_share_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	bool share = strcmp(page_form(r, "share"), "1") == 0;
	struct audit_event ev;
	struct why w = { 0 };
	int rc;

	web_audit_event(r, &ev, AUDIT_UPDATE, "stakeholder", o->client_id, 0,
	    "client-self");
	rc = stake_report_share(app->db, o->traj_id, o->client_id, link_id(r),
	    share, &ev, &w);
	return after(r, rc, &w, render_report, share ? "report?done=shared" :
	    "report?done=unshared");
}

int
ui_report_print(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct stake_report_view v;
	struct audit_event ev;
	int64_t cid;
	int rc;

	report_event(r, &ev, AUDIT_READ);
	if ((rc = stake_report_get(app->db, app->kr, o->traj_id, false, &ev,
	    &r->arena, &v)) != 0)
		return rc;
	if (v.current.version == 0)
		return ERR_NOTFOUND;
	report_doc(r, arena_printf(&r->arena, "/t/%lld/report",
	    (long long)o->traj_id), client_name(r, o->traj_id, &cid),
	    &v.current);
	return 0;
}

int
ui_shared_report(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct stake_report v;
	struct audit_event ev;
	int64_t cid;
	int rc;

	/* Log first, then show (stake_report_shared logs). */
	shared_event(r, &ev, "closing-report", o->client_id, o->traj_id);
	if ((rc = stake_report_shared(app->db, app->kr, o->stake_id, &ev,
	    &r->arena, &v)) != 0)
		return rc;
	report_doc(r, arena_printf(&r->arena, "/shared/%lld",
	    (long long)o->traj_id), client_name(r, o->traj_id, &cid), &v);
	return 0;
}

/* Every finished version of traj_id's report, oldest first, for the
 * export (its JSON and its page), logged as an export's read. */
static int
export_versions(struct req *r, int64_t traj_id, struct stake_report **v,
    size_t *n)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct audit_event ev;

	web_audit_event(r, &ev, AUDIT_EXECUTE, "closing-report", o->client_id,
	    traj_id, o->part == ROLE_CLIENT ? "client-self" : "export");
	return stake_report_versions(app->db, app->kr, traj_id, &ev,
	    &r->arena, v, n);
}

/* The export's part: every finished version, oldest first, appended to
 * the export's one JSON object as "closing_report". */
int
ui_report_export_json(struct req *r, int64_t traj_id, struct buf *b)
{
	struct stake_report *v = NULL;
	json_t *arr;
	size_t n = 0, i;
	int rc;

	if ((rc = export_versions(r, traj_id, &v, &n)) != 0)
		return rc;
	while (b->len > 0 && b->p[b->len - 1] != '}')
		b->len--;
	if (b->len == 0)
		return ERR_INVAL;
	b->len--;
	arr = json_array();
	for (i = 0; i < n; i++) {
		/* Texts were checked as UTF-8 when written. */
		json_t *x = json_pack("{s:I,s:I,s:s,s:s}", "version",
		    (json_int_t)v[i].version, "written_at",
		    (json_int_t)v[i].written_at, "author", v[i].author, "text",
		    v[i].text);

		if (x == NULL || json_array_append_new(arr, x) != 0) {
			json_decref(arr);
			return ERR_INTERNAL;
		}
	}
	buf_adds(b, ",\"closing_report\":");
	json_to_buf(arr, b);
	json_decref(arr);
	buf_adds(b, "}");
	return 0;
}

/* The export page's part: the newest version (the JSON has them all). */
int
ui_report_export_section(struct req *r, int64_t traj_id)
{
	struct stake_report *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = export_versions(r, traj_id, &v, &n)) != 0)
		return rc;
	P(r, "<section class=\"thread report\" id=\"closing-report\"><h2>");
	T(r, _("Closing report"));
	P(r, "</h2>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("No version of the closing report is finished yet."));
		P(r, "</p>\n");
	} else {
		report_meta(r, &v[n - 1]);
		report_text(r, v[n - 1].text);
	}
	P(r, "</section>\n");
	return 0;
}
