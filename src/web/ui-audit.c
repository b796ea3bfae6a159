/*
 * ui-audit.c - the access log for people: the whole log of the
 * organisation for administrators (after two-step verification; filter per
 * employee, per client, action, what, outcome and period), and for
 * everyone the entries about their own data, in plain words.  Looking at
 * the log is itself an access and is logged before the page is shown.
 * The administrator's log also holds refusals and security events
 * (web_audit.h); counted repeats are written out before it is read.
 */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/num.h"
#include "authz/authz.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_audit.h"
#include "web/web_int.h"
#include "core/banned.h"

/* A name for a user id from the member list (people who left the
 * organisation keep their number). */
static const char *
person(struct req *r, const struct membership *ms, size_t n, int64_t id)
{
	size_t i;

	if (id == 0)
		return _("nobody (system)");
	for (i = 0; i < n; i++)
		if (ms[i].user_id == id)
			return ms[i].user_name;
	/* Not a member now: a former one, or someone of another
	 * organisation whose access here was refused. */
	return arena_printf(&r->arena, _("person #%lld"), (long long)id);
}

static const char *
action_words(char a)
{
	switch (a) {
	case 'C': return _("created");
	case 'R': return _("read");
	case 'U': return _("changed");
	case 'D': return _("deleted");
	case 'E': return _("exported");
	}
	return "?";
}

/* The same actions as filter choices: a sentence says "Anna read a
 * message", a filter offers "reading" (in Dutch the past tense would not
 * do as a label). */
static const char *
action_label(char a)
{
	switch (a) {
	case 'C': return _("creating");
	case 'R': return _("reading");
	case 'U': return _("changing");
	case 'D': return _("deleting");
	case 'E': return _("exporting");
	}
	return "?";
}

static const char *
kind_words(const char *k)
{
	if (strcmp(k, "message") == 0) return _("a message");
	if (strcmp(k, "thread") == 0) return _("a conversation");
	if (strcmp(k, "trajectory") == 0) return _("a trajectory");
	if (strcmp(k, "profile") == 0) return _("the profile");
	if (strcmp(k, "audit") == 0) return _("the access log");
	if (strcmp(k, "attachment") == 0) return _("an attachment");
	if (strncmp(k, "assignment", 10) == 0) return _("an assignment");
	if (strcmp(k, "cycle-step") == 0) return _("a step of the learning cycle");
	if (strcmp(k, "draft") == 0) return _("a draft");
	if (strcmp(k, "route") == 0) return _("a page");
	if (strcmp(k, "session") == 0) return _("signing in");
	if (strcmp(k, "account") == 0) return _("the account");
	if (strcmp(k, "member") == 0) return _("a membership");
	if (strcmp(k, "invite") == 0) return _("an invitation");
	if (strcmp(k, "organisation") == 0) return _("the organisation");
	if (strcmp(k, "chat") == 0) return _("a chat message");
	if (strcmp(k, "chat_session") == 0) return _("a chat session");
	if (strcmp(k, "hourglass") == 0) return _("the hourglass");
	if (strcmp(k, "activity") == 0) return _("a recorded time");
	if (strcmp(k, "appointment") == 0) return _("an appointment");
	if (strcmp(k, "invoice") == 0) return _("an invoice");
	if (strcmp(k, "billing") == 0) return _("pricing and invoices");
	if (strcmp(k, "module") == 0) return _("a self-help module");
	if (strcmp(k, "module-library") == 0) return _("a module of the library");
	if (strcmp(k, "questionnaire") == 0) return _("a questionnaire");
	if (strcmp(k, "instrument") == 0) return _("a library questionnaire");
	if (strcmp(k, "diary") == 0) return _("a diary entry");
	if (strcmp(k, "mood") == 0) return _("the mood meter");
	if (strcmp(k, "stakeholder") == 0) return _("a stakeholder's access");
	if (strcmp(k, "learning-question") == 0) return _("the learning questions");
	if (strncmp(k, "shared-", 7) == 0) return _("what you share");
	if (strcmp(k, "closing-report") == 0) return _("the closing report");
	if (strcmp(k, "call") == 0) return _("a call");
	if (strcmp(k, "media") == 0) return _("a media file");
	if (strcmp(k, "library") == 0) return _("a library item");
	if (strcmp(k, "library-list") == 0) return _("the client's own library");
	return k;
}

/* The "What" filter: the kinds in the log, as labels. */
static const struct {
	const char *kind;
	const char *label;
} kind_filters[] = {
	{ "message", N_("messages") },
	{ "thread", N_("conversations") },
	{ "trajectory", N_("trajectories") },
	{ "attachment", N_("attachments") },
	{ "chat", N_("chat messages") },
	{ "draft", N_("drafts") },
	{ "profile", N_("profiles") },
	{ "audit", N_("the access log") },
	{ "route", N_("pages (refusals)") },
	{ "session", N_("signing in and out") },
	{ "account", N_("passwords and two-step verification") },
	{ "member", N_("roles and memberships") },
	{ "invite", N_("invitations") },
	{ "organisation", N_("organisation settings") },
	{ "appointment", N_("appointments") },
	{ "questionnaire", N_("questionnaires") },
	{ "instrument", N_("the questionnaire library") },
	{ "diary", N_("the diary") },
	{ "mood", N_("the mood meter") },
	{ "call", N_("calls") },
	{ "library", N_("the library") },
	{ "library-list", N_("clients' own libraries") },
};

/* The detail of a refusal or security event in plain words; other
 * details (search, export) as they are. */
static const char *
detail_words(const char *d)
{
	static const struct {
		const char *code;
		const char *words;
	} w[] = {
		{ "forbidden", N_("no access") },
		{ "not-found", N_("not found") },
		{ "unauthenticated", N_("not fully logged in") },
		{ "csrf", N_("form out of date or from another site") },
		{ "session-ended", N_("session ended") },
		{ "login", N_("logged in") },
		{ "login-partial", N_("password accepted, code still to come") },
		{ "login-failed", N_("log-in failed") },
		{ "totp-failed", N_("wrong code") },
		{ "recovery-failed", N_("wrong recovery code") },
		{ "logout", N_("logged out") },
		{ "logout-everywhere", N_("logged out everywhere") },
		{ "session-rotate", N_("session renewed") },
		{ "password-change", N_("password change") },
		{ "password-reset", N_("password reset") },
		{ "twofa-on", N_("two-step verification turned on") },
		{ "twofa-off", N_("two-step verification turned off") },
		{ "role-change", N_("role changed") },
		{ "member-remove", N_("member removed") },
		{ "invite-create", N_("invitation made") },
		{ "invite-accept", N_("invitation accepted") },
		{ "org-2fa-setting", N_("two-step verification requirement changed") },
	};
	size_t i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(d, w[i].code) == 0)
			return _(w[i].words);
	return d;
}

/* Kinds whose object is a person (the account an event concerns). */
static bool
names_a_person(const char *k)
{
	return strcmp(k, "session") == 0 || strcmp(k, "account") == 0 ||
	    strcmp(k, "member") == 0 || strcmp(k, "invite") == 0;
}

static const char *
purpose_words(const char *p)
{
	if (strcmp(p, "care") == 0) return _("for the guidance");
	if (strcmp(p, "client-self") == 0) return _("by the client themself");
	if (strcmp(p, "admin") == 0) return _("for administration");
	if (strcmp(p, "support") == 0) return _("for support");
	if (strcmp(p, "export") == 0) return _("for an export");
	if (strcmp(p, "security") == 0) return _("for security");
	if (strcmp(p, "stakeholder") == 0) return _("as a stakeholder, with your consent");
	return p;
}

static const char *
outcome_words(enum audit_outcome o)
{
	switch (o) {
	case AUDIT_SUCCESS: return _("done");
	case AUDIT_DENIED: return _("refused");
	case AUDIT_FAILURE: return _("failed");
	}
	return "?";
}

/* Parse a yyyy-mm-dd date to Unix seconds (UTC midnight). */
static int
parse_day(const char *s, int64_t *out)
{
	int64_t y, m, d;
	struct tm tm;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return ERR_INVAL;
	if (num_parse_i64((struct str){ s, 4 }, 1970, 9999, &y) != 0 ||
	    num_parse_i64((struct str){ s + 5, 2 }, 1, 12, &m) != 0 ||
	    num_parse_i64((struct str){ s + 8, 2 }, 1, 31, &d) != 0)
		return ERR_INVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	*out = (int64_t)timegm(&tm);
	return 0;
}

static int
opt_id(const char *v, int64_t *out)
{
	*out = 0;
	if (v == NULL || *v == '\0')
		return 0;
	return num_parse_i64(str_c(v), 1, INT64_MAX, out);
}

static void
person_select(struct req *r, const char *name, const char *label,
    const struct membership *ms, size_t n, int want_role, int64_t cur)
{
	size_t i;

	P(r, "<p class=\"field\"><label for=\"f-");
	A(r, name);
	P(r, "\">");
	T(r, label);
	P(r, "</label>\n<select id=\"f-");
	A(r, name);
	P(r, "\" name=\"");
	A(r, name);
	P(r, "\"><option value=\"\">");
	T(r, _("everyone"));
	P(r, "</option>");
	for (i = 0; i < n; i++) {
		if (!(ms[i].role & want_role))
			continue;
		PF(r, "<option value=\"%lld\"%s>", (long long)ms[i].user_id,
		    ms[i].user_id == cur ? " selected" : "");
		T(r, ms[i].user_name);
		P(r, "</option>");
	}
	P(r, "</select></p>\n");
}

int
ui_audit_org(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct principal p = page_principal(r);
	struct audit_filter f;
	struct audit_event ev;
	struct audit_row *rows = NULL;
	struct membership *ms = NULL;
	struct db_conn *c = NULL;
	const char *act = req_query(r, "action");
	const char *what = req_query(r, "what");
	const char *oc = req_query(r, "outcome");
	size_t n = 0, nm = 0, i;
	int rc;

	if ((rc = authz_check(app->db, &p, AUTHZ_READ, AUTHZ_AUDIT_ORG,
	    s->org_id)) != 0)
		return rc;
	memset(&f, 0, sizeof(f));
	f.org_id = s->org_id;
	f.limit = 200;
	if (opt_id(req_query(r, "employee"), &f.actor_id) != 0 ||
	    opt_id(req_query(r, "client"), &f.client_id) != 0)
		return ERR_INVAL;
	if (act && *act) {
		if (strlen(act) != 1 || strchr("CRUDE", act[0]) == NULL)
			return ERR_INVAL;
		f.action = act[0];
	}
	if (what && *what) {
		for (i = 0; i < sizeof(kind_filters) / sizeof(kind_filters[0]);
		    i++)
			if (strcmp(what, kind_filters[i].kind) == 0)
				f.kind = kind_filters[i].kind;
		if (f.kind == NULL)
			return ERR_INVAL;
	}
	if (oc && *oc) {
		f.by_outcome = true;
		if (strcmp(oc, "success") == 0)
			f.outcome = AUDIT_SUCCESS;
		else if (strcmp(oc, "denied") == 0)
			f.outcome = AUDIT_DENIED;
		else if (strcmp(oc, "failure") == 0)
			f.outcome = AUDIT_FAILURE;
		else
			return ERR_INVAL;
	}
	if (req_query(r, "from") && *req_query(r, "from") &&
	    parse_day(req_query(r, "from"), &f.from) != 0)
		return ERR_INVAL;
	if (req_query(r, "to") && *req_query(r, "to")) {
		if (parse_day(req_query(r, "to"), &f.to) != 0)
			return ERR_INVAL;
		f.to += 86399;
	}
	if ((rc = member_list(app->db, s->org_id, &r->arena, &ms, &nm)) != 0)
		return rc;

	web_audit_event(r, &ev, AUDIT_READ, "audit", f.client_id, 0, "admin");
	ev.detail = "search";
	if ((rc = audit_record(app->db, &ev)) != 0)
		return rc;
	/* Counted repeats are written now, so the view misses none. */
	web_audit_flush(r->app, s->org_id);
	if ((rc = db_read_begin(app->db, &c)) != 0)
		return rc;
	rc = audit_query(c, &f, &r->arena, &rows, &n);
	db_read_end(app->db, c);
	if (rc != 0)
		return rc;

	page_begin(r, _("Access log"));
	P(r, "<form method=\"get\" action=\"/org/audit\" class=\"filters\">\n");
	person_select(r, "employee", _("Employee"), ms, nm, ROLE_STAFF |
	    ROLE_RESEARCHER, f.actor_id);
	person_select(r, "client", _("Client"), ms, nm, ROLE_CLIENT, f.client_id);
	P(r, "<p class=\"field\"><label for=\"f-action\">");
	T(r, _("Action"));
	P(r, "</label>\n<select id=\"f-action\" name=\"action\"><option value=\"\">");
	T(r, _("all"));
	P(r, "</option>");
	for (i = 0; i < 5; i++) {
		char a = "CRUDE"[i];

		PF(r, "<option value=\"%c\"%s>", a, f.action == a ? " selected" : "");
		T(r, action_label(a));
		P(r, "</option>");
	}
	P(r, "</select></p>\n");
	P(r, "<p class=\"field\"><label for=\"f-what\">");
	T(r, _("What"));
	P(r, "</label>\n<select id=\"f-what\" name=\"what\"><option value=\"\">");
	T(r, _("all"));
	P(r, "</option>");
	for (i = 0; i < sizeof(kind_filters) / sizeof(kind_filters[0]); i++) {
		P(r, "<option value=\"");
		A(r, kind_filters[i].kind);
		P(r, f.kind == kind_filters[i].kind ? "\" selected>" : "\">");
		T(r, _(kind_filters[i].label));
		P(r, "</option>");
	}
	P(r, "</select></p>\n");
	P(r, "<p class=\"field\"><label for=\"f-outcome\">");
	T(r, _("Outcome"));
	P(r, "</label>\n<select id=\"f-outcome\" name=\"outcome\"><option value=\"\">");
	T(r, _("all"));
	P(r, "</option>");
	for (i = AUDIT_SUCCESS; i <= AUDIT_FAILURE; i++) {
		static const char *const code[] = { "success", "denied",
			"failure" };

		PF(r, "<option value=\"%s\"%s>", code[i], f.by_outcome &&
		    f.outcome == (enum audit_outcome)i ? " selected" : "");
		T(r, outcome_words((enum audit_outcome)i));
		P(r, "</option>");
	}
	P(r, "</select></p>\n");
	form_input(r, "from", _("From (date)"), "date", req_query(r, "from"), NULL, 0);
	form_input(r, "to", _("Up to and including (date)"), "date", req_query(r, "to"), NULL, 0);
	P(r, "<p><button type=\"submit\">");
	T(r, _("Filter"));
	P(r, "</button></p></form>\n");

	if (n == 0) {
		P(r, "<p>");
		T(r, _("No entries match."));
		P(r, "</p>\n");
		page_end(r);
		return 0;
	}
	P(r, "<table class=\"log\"><caption>");
	T(r, _("Newest first"));
	P(r, "</caption>\n<thead><tr>");
	{
		const char *h[] = { _("When"), _("Who"), _("Action"), _("What"),
			_("Client"), _("Why"), _("Outcome"), _("From") };

		for (i = 0; i < 8; i++) {
			P(r, "<th scope=\"col\">");
			T(r, h[i]);
			P(r, "</th>");
		}
	}
	P(r, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		const struct audit_event *e = &rows[i].ev;

		P(r, "<tr><td>");
		T(r, page_time(r, e->at));
		P(r, "</td><td>");
		T(r, person(r, ms, nm, e->actor_id));
		P(r, " <span class=\"muted\">(");
		T(r, e->role);
		P(r, ")</span></td><td>");
		if (names_a_person(e->kind) ||
		    strcmp(e->kind, "organisation") == 0)
			/* A security event: its own words say what happened
			 * ("role changed"), not "changed role changed". */
			T(r, detail_words(e->detail));
		else {
			T(r, action_words((char)e->action));
			if (e->detail[0]) {
				P(r, " <span class=\"muted\">");
				T(r, detail_words(e->detail));
				P(r, "</span>");
			}
		}
		P(r, "</td><td>");
		T(r, kind_words(e->kind));
		if (e->object_id && names_a_person(e->kind)) {
			P(r, ": ");
			T(r, person(r, ms, nm, e->object_id));
		} else if (e->object_id)
			PF(r, " #%lld", (long long)e->object_id);
		P(r, "</td><td>");
		if (e->client_id)
			T(r, person(r, ms, nm, e->client_id));
		P(r, "</td><td>");
		T(r, purpose_words(e->purpose));
		P(r, "</td><td>");
		T(r, outcome_words(e->outcome));
		if (e->repeats > 1) {
			P(r, " <span class=\"repeats\" data-repeats=\"");
			PF(r, "%lld\">", (long long)e->repeats);
			T(r, arena_printf(&r->arena, _("%lld times"),
			    (long long)e->repeats));
			P(r, "</span>");
		}
		P(r, "</td><td>");
		T(r, e->address);
		P(r, "</td></tr>\n");
	}
	P(r, "</tbody></table>\n");
	page_end(r);
	return 0;
}

int
ui_audit_self(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct principal p = page_principal(r);
	struct audit_filter f;
	struct audit_event ev;
	struct audit_row *rows = NULL;
	struct membership *ms = NULL;
	struct db_conn *c = NULL;
	size_t n = 0, nm = 0, i;
	int rc;

	if ((rc = authz_check(app->db, &p, AUTHZ_READ, AUTHZ_AUDIT_SELF,
	    s->user_id)) != 0)
		return rc;
	page_begin(r, _("Who saw my data"));
	if (s->org_id == 0) {
		P(r, "<p>");
		T(r, _("You do not belong to an organisation yet."));
		P(r, "</p>\n");
		page_end(r);
		return 0;
	}
	memset(&f, 0, sizeof(f));
	f.org_id = s->org_id;
	f.client_id = s->user_id;
	f.limit = 200;
	if ((rc = member_list(app->db, s->org_id, &r->arena, &ms, &nm)) != 0)
		return rc;
	web_audit_event(r, &ev, AUDIT_READ, "audit", s->user_id, 0,
	    "client-self");
	if ((rc = audit_record(app->db, &ev)) != 0)
		return rc;
	if ((rc = db_read_begin(app->db, &c)) != 0)
		return rc;
	rc = audit_query(c, &f, &r->arena, &rows, &n);
	db_read_end(app->db, c);
	if (rc != 0)
		return rc;
	P(r, "<p>");
	T(r, _("Every time someone opens, changes or exports your data, it is recorded. Here you see who did, when and why."));
	P(r, "</p>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("Nobody has accessed your data yet."));
		P(r, "</p>\n");
	} else {
		P(r, "<ul class=\"access\">\n");
		for (i = 0; i < n; i++) {
			const struct audit_event *e = &rows[i].ev;
			const char *who = e->actor_id == s->user_id ? _("You") :
			    person(r, ms, nm, e->actor_id);

			P(r, "<li><time>");
			T(r, page_time(r, e->at));
			P(r, "</time>: <strong>");
			T(r, who);
			P(r, "</strong> ");
			T(r, action_words((char)e->action));
			P(r, " ");
			T(r, kind_words(e->kind));
			P(r, " ");
			T(r, purpose_words(e->purpose));
			if (e->outcome != AUDIT_SUCCESS) {
				P(r, " (");
				T(r, outcome_words(e->outcome));
				P(r, ")");
			}
			P(r, ".</li>\n");
		}
		P(r, "</ul>\n");
	}
	page_end(r);
	return 0;
}

int
ui_needs_2fa(struct req *r, int err)
{
	if (r->wants_json)
		return err;
	page_begin(r, _("Two-step verification needed"));
	page_notice(r, "error", _("This page needs two-step verification, because it shows who accessed clients' data."));
	P(r, "<p>");
	T(r, _("Set up two-step verification for your account, then open this page again. If you have already set it up, log out and log in again with your code."));
	P(r, "</p>\n<p><a href=\"/account/2fa\">");
	T(r, _("Set up two-step verification"));
	P(r, "</a></p>\n");
	page_end(r);
	r->status = 403;
	return 1;
}
