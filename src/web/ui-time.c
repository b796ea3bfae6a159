/*
 * ui-time.c - the time page of a trajectory (issue 13, "Time
 * accounting"): the professional's minutes by kind in a period, the
 * agreed budget beside them, a bar plot with the numbers as a table, time
 * entered by hand and the trajectory's settings; and the endpoint that
 * static/active.js posts active seconds to from the pages of messages,
 * assignments and questionnaire results.
 *
 * The client sees the totals (no forms) when the trajectory's setting
 * says so; otherwise the page is the professionals'.  The budget comes
 * from bill_budget: the contract's when it gives one (a package of hours
 * or sessions, an estimate's minutes), else the trajectory's setting;
 * the page says which.  Every view is in the access log (kind
 * "activity").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity/activity.h"
#include "app/app.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "billing/billing.h"
#include "core/err.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/num.h"
#include "identity/role.h"
#include "identity/session.h"
#include "promise/tz.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

const char *
ui_time_kind_label(const char *k)
{
	static const struct {
		const char *kind, *label;
	} l[] = {
		{ "appointment", N_("appointments") },
		{ "call", N_("calls") },
		{ "chat", N_("chat session") },
		{ "chat_active", N_("active in the chat") },
		{ "hourglass", N_("hourglass") },
		{ "message_read", N_("reading messages") },
		{ "message_write", N_("writing messages") },
		{ "feedback", N_("feedback on assignments") },
		{ "review", N_("reviewing questionnaires") },
		{ "preparation", N_("preparation") },
	};
	size_t i;

	for (i = 0; i < sizeof(l) / sizeof(l[0]); i++)
		if (strcmp(k, l[i].kind) == 0)
			return _(l[i].label);
	return k;
}

static int64_t
minutes_of(int64_t secs)
{
	return (secs + 30) / 60;
}

/* The start of day number `day` on the wall clock of tz (UTC without). */
static int64_t
day_start(const struct tz *tz, int64_t day)
{
	int64_t y;
	int m, d;
	time_t t;

	if (tz == NULL)
		return day * 86400;
	tz_civil_from_days(day, &y, &m, &d);
	if (tz_from_local(tz, (int)y, m, d, 0, 0, 0, &t) != 0)
		return day * 86400;
	return (int64_t)t;
}

static int64_t
today(const struct tz *tz)
{
	struct tz_local l;
	time_t now = time(NULL);

	if (tz != NULL && tz_to_local(tz, now, &l) == 0)
		return tz_days_from_civil(l.year, l.month, l.day);
	return tz_day_of((int64_t)now);
}

struct period {
	int64_t from_day, to_day;   /* inclusive */
	int64_t from, to;           /* instants: [from, to) */
};

/* The period of the query (?from=&to=, days inclusive), this month by
 * default; a refusal with its field otherwise. */
static int
period_of(struct req *r, const struct tz *tz, struct period *p,
    bool query, struct why *w)
{
	const char *f = query ? req_query(r, "from") : NULL;
	const char *t = query ? req_query(r, "to") : NULL;
	int64_t now = today(tz), y;
	int m, d;

	tz_civil_from_days(now, &y, &m, &d);
	p->from_day = tz_days_from_civil(y, m, 1);
	p->to_day = p->from_day + tz_days_in_month(y, m) - 1;
	if (f != NULL && f[0] != '\0' && page_parse_day(f, &p->from_day) != 0)
		return why_set(w, ERR_INVAL, "from", N_("Give the first day "
		    "as YYYY-MM-DD."));
	if (t != NULL && t[0] != '\0' && page_parse_day(t, &p->to_day) != 0)
		return why_set(w, ERR_INVAL, "to", N_("Give the last day as "
		    "YYYY-MM-DD."));
	if (p->to_day < p->from_day)
		return why_set(w, ERR_INVAL, "to", N_("The last day comes "
		    "before the first."));
	if (p->to_day - p->from_day >= LIMIT_TIME_PERIOD_DAYS) {
		why_set(w, ERR_INVAL, "to", N_("A period is at most %d "
		    "days."));
		if (w != NULL)
			w->limit = LIMIT_TIME_PERIOD_DAYS;
		return ERR_INVAL;
	}
	p->from = day_start(tz, p->from_day);
	p->to = day_start(tz, p->to_day + 1);
	return 0;
}

static const char *
iso_day(struct req *r, int64_t day)
{
	int64_t y;
	int m, d;

	tz_civil_from_days(day, &y, &m, &d);
	return arena_printf(&r->arena, "%04lld-%02d-%02d", (long long)y, m, d);
}

/* Bars of minutes by kind, with the budget as a line when there is one:
 * an image with a title and a description; the table after it holds the
 * same numbers. */
static void
plot(struct req *r, const struct activity_total *v, size_t n, int64_t budget)
{
	const int bar = 22, left = 200, width = 360, top = 8;
	int64_t max = budget > 0 ? budget : 0, total = 0;
	int h = top * 2 + (int)(n + 1) * bar;
	size_t i;

	for (i = 0; i < n; i++) {
		total += minutes_of(v[i].seconds);
		if (minutes_of(v[i].seconds) > max)
			max = minutes_of(v[i].seconds);
	}
	if (total > max)
		max = total;
	if (max == 0)
		max = 1;
	PF(r, "<svg class=\"plot\" role=\"img\" aria-labelledby=\"time-plot-t "
	    "time-plot-d\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">"
	    "<title id=\"time-plot-t\">", left + width + 60, h,
	    left + width + 60, h);
	T(r, _("Minutes by kind"));
	P(r, "</title><desc id=\"time-plot-d\">");
	T(r, _("One bar per kind of time and one for the total; the table "
	    "below holds the same numbers."));
	P(r, "</desc>\n");
	for (i = 0; i <= n; i++) {
		int64_t mins = i < n ? minutes_of(v[i].seconds) : total;
		int y = top + (int)i * bar;
		int w = (int)(mins * width / max);

		PF(r, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" "
		    "font-size=\"12\">", left - 6, y + 15);
		T(r, i < n ? ui_time_kind_label(v[i].kind) : _("Total"));
		PF(r, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" "
		    "height=\"%d\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" "
		    "font-size=\"12\">%lld</text>\n", left, y + 3, w, bar - 6,
		    i < n ? "#2b6cb0" : "#22543d", left + w + 4, y + 15,
		    (long long)mins);
	}
	if (budget > 0) {
		int x = left + (int)(budget * width / max);

		PF(r, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		    "stroke=\"#c53030\" stroke-width=\"2\" "
		    "stroke-dasharray=\"4 3\"/>\n", x, top, x, h - top);
	}
	P(r, "</svg>\n");
}

static void
hand_form(struct req *r, int64_t tid, const struct tz *tz)
{
	static const char *const hk[] = { "preparation", "feedback", "review",
		"message_write" };
	const char *kind = page_form(r, "kind");
	size_t i;

	P(r, "<section aria-labelledby=\"h-hand\"><h2 id=\"h-hand\">");
	T(r, _("Enter time by hand"));
	P(r, "</h2>\n");
	form_begin(r, arena_printf(&r->arena, "/t/%lld/time", (long long)tid));
	P(r, "<p><label for=\"f-kind\">");
	T(r, _("What"));
	P(r, "</label> <select id=\"f-kind\" name=\"kind\"");
	page_field_attrs(r, "kind", NULL);
	P(r, ">");
	for (i = 0; i < sizeof(hk) / sizeof(hk[0]); i++) {
		P(r, "<option value=\"");
		A(r, hk[i]);
		P(r, "\"");
		if (strcmp(kind, hk[i]) == 0)
			P(r, " selected");
		P(r, ">");
		T(r, ui_time_kind_label(hk[i]));
		P(r, "</option>");
	}
	P(r, "</select>");
	page_field_error(r, "kind");
	P(r, "</p>\n<p><label for=\"f-day\">");
	T(r, _("Day"));
	P(r, "</label> <input id=\"f-day\" name=\"day\" type=\"date\" "
	    "required value=\"");
	A(r, page_form(r, "day")[0] ? page_form(r, "day") :
	    iso_day(r, today(tz)));
	P(r, "\"");
	page_field_attrs(r, "day", NULL);
	P(r, ">");
	page_field_error(r, "day");
	P(r, "</p>\n<p><label for=\"f-minutes\">");
	T(r, _("Minutes"));
	PF(r, "</label> <input id=\"f-minutes\" name=\"minutes\" "
	    "type=\"number\" min=\"1\" max=\"%d\" required value=\"",
	    LIMIT_ACTIVITY_MINUTES);
	A(r, page_form(r, "minutes"));
	P(r, "\"");
	page_field_attrs(r, "minutes", NULL);
	P(r, ">");
	page_field_error(r, "minutes");
	P(r, "</p>\n");
	form_submit(r, _("Add the time"));
	form_end(r);
	P(r, "</section>\n");
}

/* Where the budget comes from; a package of sessions in sessions. */
static void
budget_from(struct req *r, int64_t tid, const struct bill_budget *b)
{
	const char *what;

	switch (b->from) {
	case BILL_BUDGET_HOURS:
		what = _("The budget is the contract's package of hours.");
		break;
	case BILL_BUDGET_ESTIMATE:
		what = _("The budget is the minutes of the contract's "
		    "estimate.");
		break;
	case BILL_BUDGET_SESSIONS:
		what = _("The contract is a package of sessions.");
		break;
	default:
		return;
	}
	PF(r, "<p id=\"time-budget-from\" data-from=\"%s\">",
	    b->from == BILL_BUDGET_HOURS ? "hours" : b->from ==
	    BILL_BUDGET_ESTIMATE ? "estimate" : "sessions");
	T(r, what);
	PF(r, " <a href=\"/t/%lld/billing\">", (long long)tid);
	T(r, _("The contract"));
	P(r, "</a></p>\n");
	if (b->from != BILL_BUDGET_SESSIONS)
		return;
	PF(r, "<p id=\"time-sessions\" data-used=\"%lld\" "
	    "data-of=\"%lld\" data-left=\"%lld\">", (long long)b->sessions_used,
	    (long long)b->sessions, (long long)(b->sessions > b->sessions_used ?
	    b->sessions - b->sessions_used : 0));
	A(r, arena_printf(&r->arena, _("Sessions used: %lld of %lld; left: "
	    "%lld."), (long long)b->sessions_used, (long long)b->sessions,
	    (long long)(b->sessions > b->sessions_used ? b->sessions -
	    b->sessions_used : 0)));
	P(r, "</p>\n");
}

static void
settings_form(struct req *r, int64_t tid, const struct activity_settings *s,
    const struct bill_budget *b)
{
	P(r, "<section aria-labelledby=\"h-tset\"><h2 id=\"h-tset\">");
	T(r, _("Budget and who sees this page"));
	P(r, "</h2>\n");
	form_begin(r, arena_printf(&r->arena, "/t/%lld/time/settings",
	    (long long)tid));
	if (b->from != BILL_BUDGET_SETTING) {
		/* The contract sets it: no second budget to type. */
		P(r, "<p id=\"f-budget-contract\">");
		T(r, _("The contract sets the budget."));
		P(r, "<input type=\"hidden\" name=\"budget\" value=\"");
		if (s->budget_minutes >= 0)
			PF(r, "%lld", (long long)s->budget_minutes);
		P(r, "\"></p>\n");
		goto who;
	}
	P(r, "<p><label for=\"f-budget\">");
	T(r, _("Agreed budget in minutes (empty: none)"));
	PF(r, "</label> <input id=\"f-budget\" name=\"budget\" "
	    "type=\"number\" min=\"0\" max=\"%d\" value=\"",
	    LIMIT_BUDGET_MINUTES);
	if (page_form(r, "budget")[0])
		A(r, page_form(r, "budget"));
	else if (s->budget_minutes >= 0)
		PF(r, "%lld", (long long)s->budget_minutes);
	P(r, "\"");
	page_field_attrs(r, "budget", NULL);
	P(r, ">");
	page_field_error(r, "budget");
	P(r, "</p>\n");
who:
	PF(r, "<p><input type=\"checkbox\" id=\"f-client-sees\" "
	    "name=\"client_sees\" value=\"1\"%s> <label "
	    "for=\"f-client-sees\">", s->client_sees ? " checked" : "");
	T(r, _("The client sees the time spent"));
	P(r, "</label></p>\n");
	form_submit(r, _("Save"));
	form_end(r);
	P(r, "</section>\n");
}

static int
render(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	const struct tz *tz = page_zone(r, NULL);
	bool pro = o->part == ROLE_PROFESSIONAL;
	struct activity_settings set;
	struct activity_total *v;
	struct audit_event ev;
	struct period p;
	struct why w = { 0 };
	struct bill_budget bb;
	int64_t budget = -1, total = 0;
	size_t n, i;
	int rc;

	if ((rc = activity_settings_get(app->db, o->traj_id, &set)) != 0)
		return rc;
	if (!pro && !(o->part == ROLE_CLIENT && set.client_sees))
		return ERR_FORBIDDEN;
	memset(&p, 0, sizeof(p));
	if ((rc = period_of(r, tz, &p, true, &w)) != 0) {
		if ((rc = page_refuse(r, &w, rc)) != 0)
			return rc;
		/* The refused period: show this month's. */
		(void)period_of(r, tz, &p, false, NULL);
	}
	/* Log first, then show. */
	web_audit_event(r, &ev, AUDIT_READ, "activity", o->client_id,
	    o->traj_id, pro ? "care" : "client-self");
	if ((rc = audit_record(app->db, &ev)) != 0)
		return rc;
	if ((rc = activity_totals(app->db, o->traj_id, p.from, p.to,
	    o->client_id, &r->arena, &v, &n)) != 0)
		return rc;
	/* One source of truth: the contract's budget, else the setting. */
	if ((rc = bill_budget(app->db, o->traj_id, &bb)) != 0)
		return rc;
	budget = bb.minutes;
	page_begin(r, _("Time spent"));
	PF(r, "<p class=\"crumbs\"><a href=\"/t/%lld\">",
	    (long long)o->traj_id);
	T(r, _("Back to the trajectory"));
	P(r, "</a>");
	if (pro) {
		PF(r, " &middot; <a href=\"/t/%lld/activities\">",
		    (long long)o->traj_id);
		T(r, _("Every entry, and corrections"));
		P(r, "</a>");
	}
	P(r, "</p>\n");
	if (strcmp(req_query(r, "done") ? req_query(r, "done") : "",
	    "added") == 0)
		page_notice(r, "ok", _("The time is added."));
	P(r, "<form method=\"get\" action=\"");
	PF(r, "/t/%lld/time", (long long)o->traj_id);
	P(r, "\" class=\"period\"><p><label for=\"f-from\">");
	T(r, _("From"));
	P(r, "</label> <input id=\"f-from\" name=\"from\" type=\"date\" "
	    "value=\"");
	A(r, iso_day(r, p.from_day));
	P(r, "\"");
	page_field_attrs(r, "from", NULL);
	P(r, ">");
	page_field_error(r, "from");
	P(r, " <label for=\"f-to\">");
	T(r, _("to"));
	P(r, "</label> <input id=\"f-to\" name=\"to\" type=\"date\" value=\"");
	A(r, iso_day(r, p.to_day));
	P(r, "\"");
	page_field_attrs(r, "to", NULL);
	P(r, ">");
	page_field_error(r, "to");
	P(r, " <button>");
	T(r, _("Show"));
	P(r, "</button></p></form>\n");

	for (i = 0; i < n; i++)
		total += minutes_of(v[i].seconds);
	if (n == 0) {
		P(r, "<p id=\"time-none\">");
		T(r, _("No time recorded in this period."));
		P(r, "</p>\n");
	} else {
		plot(r, v, n, budget);
	}
	P(r, "<table id=\"time-totals\"><caption>");
	T(r, _("Minutes by kind"));
	PF(r, " (%s &ndash; %s)</caption><thead><tr><th scope=\"col\">",
	    iso_day(r, p.from_day), iso_day(r, p.to_day));
	T(r, _("Kind"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Entries"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Minutes"));
	P(r, "</th></tr></thead><tbody>\n");
	for (i = 0; i < n; i++) {
		PF(r, "<tr data-kind=\"%s\"><th scope=\"row\">", v[i].kind);
		T(r, ui_time_kind_label(v[i].kind));
		PF(r, "</th><td>%lld</td><td class=\"minutes\">%lld</td>"
		    "</tr>\n", (long long)v[i].count,
		    (long long)minutes_of(v[i].seconds));
	}
	P(r, "</tbody><tfoot><tr data-kind=\"total\"><th scope=\"row\">");
	T(r, _("Total"));
	PF(r, "</th><td></td><td class=\"minutes\">%lld</td></tr>",
	    (long long)total);
	if (budget >= 0) {
		P(r, "<tr data-kind=\"budget\"><th scope=\"row\">");
		T(r, _("Agreed budget"));
		PF(r, "</th><td></td><td class=\"minutes\">%lld</td></tr>"
		    "<tr data-kind=\"%s\"><th scope=\"row\">",
		    (long long)budget, budget >= total ? "left" : "over");
		T(r, budget >= total ? _("Left") : _("Over the budget"));
		PF(r, "</th><td></td><td class=\"minutes\">%lld</td></tr>",
		    (long long)(budget >= total ? budget - total :
		    total - budget));
	}
	P(r, "</tfoot></table>\n");
	budget_from(r, o->traj_id, &bb);
	if (pro) {
		hand_form(r, o->traj_id, tz);
		settings_form(r, o->traj_id, &set, &bb);
	}
	page_end(r);
	return 0;
}

int
ui_time(struct req *r)
{
	return render(r);
}

int
ui_time_add_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	const struct tz *tz = page_zone(r, NULL);
	struct audit_event ev;
	struct why w = { 0 };
	int64_t day = 0, minutes = 0, id, at = 0;
	int rc;

	if (page_parse_day(page_form(r, "day"), &day) == 0)
		at = day_start(tz, day) + 12 * 3600;
	/* Not a number: 0, which activity_add refuses with its reason. */
	if (num_parse_i64(str_c(page_form(r, "minutes")), 1,
	    LIMIT_ACTIVITY_MINUTES, &minutes) != 0)
		minutes = 0;
	web_audit_event(r, &ev, AUDIT_CREATE, "activity", o->client_id, 0,
	    "care");
	rc = activity_add(app->db, o->org_id, o->traj_id,
	    page_session(r)->user_id, page_form(r, "kind"), at, minutes,
	    time(NULL), &ev, &w, &id);
	if (rc != 0) {
		if ((rc = page_refuse(r, &w, rc)) != 0)
			return rc;
		return render(r);
	}
	resp_redirect(r, arena_printf(&r->arena, "/t/%lld/time?done=added",
	    (long long)o->traj_id));
	return 0;
}

int
ui_time_settings_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct activity_settings s;
	struct audit_event ev;
	struct why w = { 0 };
	const char *b = page_form(r, "budget");
	int rc;

	s.budget_minutes = -1;
	s.client_sees = strcmp(page_form(r, "client_sees"), "1") == 0;
	/* Not a number: out of range, refused with the reason below. */
	if (b[0] != '\0' && num_parse_i64(str_c(b), 0, INT64_MAX,
	    &s.budget_minutes) != 0)
		s.budget_minutes = -2;
	web_audit_event(r, &ev, AUDIT_UPDATE, "trajectory", o->client_id,
	    o->traj_id, "care");
	rc = activity_settings_set(app->db, o->org_id, o->traj_id,
	    page_session(r)->user_id, &s, time(NULL), &ev, &w);
	if (rc != 0) {
		if ((rc = page_refuse(r, &w, rc)) != 0)
			return rc;
		return render(r);
	}
	resp_redirect(r, arena_printf(&r->arena, "/t/%lld/time",
	    (long long)o->traj_id));
	return 0;
}

/* POST seconds=N&what=read|write from static/active.js on a page whose
 * object the route checked: a thread (messages), an assignment
 * (feedback), a questionnaire's results (review). */
int
api_active_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	const char *kind;
	int64_t secs = 0;

	if (num_parse_i64(str_c(page_form(r, "seconds")), 1,
	    LIMIT_ACTIVE_POST, &secs) != 0)
		return ERR_INVAL;
	switch (o->kind) {
	case AUTHZ_THREAD:
		kind = strcmp(page_form(r, "what"), "write") == 0 ?
		    "message_write" : "message_read";
		break;
	case AUTHZ_ASSIGNMENT:
		kind = "feedback";
		break;
	case AUTHZ_QUESTIONNAIRE:
		kind = "review";
		break;
	default:
		return ERR_INVAL;
	}
	if (o->part != ROLE_PROFESSIONAL)
		return ERR_FORBIDDEN;
	r->status = 204;
	return activity_active(app->db, o->org_id, o->traj_id,
	    page_session(r)->user_id, kind, o->id, secs, time(NULL));
}

bool
ui_time_client_sees(struct req *r, int64_t traj_id)
{
	struct app *app = r->app;
	struct activity_settings s;

	return web_obj(r)->part == ROLE_CLIENT &&
	    activity_settings_get(app->db, traj_id, &s) == 0 && s.client_sees;
}

/* The element static/active.js looks for: where to post and the token. */
void
ui_time_active_tag(struct req *r, const char *path)
{
	if (web_obj(r)->part != ROLE_PROFESSIONAL)
		return;
	P(r, "<div id=\"active-time\" hidden data-url=\"");
	A(r, path);
	P(r, "\" data-csrf=\"");
	A(r, web_csrf_value(r));
	P(r, "\"></div>\n<script src=\"/static/active.js\" defer></script>\n");
}
