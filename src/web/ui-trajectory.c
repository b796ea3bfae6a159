/*
 * ui-trajectory.c - the trajectory pages: the overview, starting a
 * trajectory, a trajectory's first page (the service promise first, then
 * who takes part, the phase and the client's learning questions), the
 * promise in full with the professional's edit form, and the small forms
 * that change a trajectory.  Also the start page's "your trajectories".
 *
 * The router checks the trajectory in the path before a handler runs
 * (web.c's route table: read, or update for the forms) and hands over its
 * id (web_obj); a trajectory the caller is not part of is "not found".
 * The overview and the new-trajectory form act in the session's own
 * organisation, in a role the route table allows.  Changes answer
 * with a redirect to the page (post/redirect/get), so reloading never posts
 * twice; a refused form is shown again with the reason (status 400).
 *
 * Administrators see the overview and a trajectory's metadata (client,
 * professionals, phase, dates) but not the title or the learning
 * questions: those are the client's words, and managing the organisation
 * needs no reading of them.  Their view is logged as a read with detail
 * "metadata".
 *
 * Times are shown in the promise's time zone on a trajectory's pages and in
 * the organisation's zone elsewhere.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/num.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "promise/promise.h"
#include "promise/tz.h"
#include "trajectory/trajectory.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

/* Rows the start page lists before "all trajectories". */
#define HOME_ROWS 10
/* Upcoming days off the first page lists before "and more". */
#define PROMISE_DAYS_SHOWN 5

static const char *const wday_names[7] = {
	N_("Sunday"), N_("Monday"), N_("Tuesday"), N_("Wednesday"),
	N_("Thursday"), N_("Friday"), N_("Saturday"),
};
/* --- small helpers ------------------------------------------------------ */

static const char *
phase_label(enum traj_phase p)
{
	switch (p) {
	case TRAJ_INTAKE: return _("Intake");
	case TRAJ_WORKING: return _("Working");
	case TRAJ_CLOSING: return _("Closing");
	case TRAJ_CLOSED: return _("Closed");
	}
	return "?";
}

static const char *
level_label(enum traj_level l)
{
	switch (l) {
	case TRAJ_LEVEL_SIMPLE: return _("Simple (easy language)");
	case TRAJ_LEVEL_STANDARD: return _("Standard");
	case TRAJ_LEVEL_ADVANCED: return _("Advanced");
	}
	return "?";
}

static const char *
purpose_of(const struct session *s)
{
	switch (s->role) {
	case ROLE_CLIENT: return "client-self";
	case ROLE_ADMIN: return "admin";
	default: return "care";
	}
}

/* The access-log template for this request; the module fills in the
 * object, its client and the action. */
static void
event_for(struct req *r, struct audit_event *ev, int action, const char *kind,
    int64_t object_id)
{
	web_audit_event(r, ev, action, kind, 0, object_id,
	    purpose_of(page_session(r)));
}

static const char *
traj_url(struct req *r, int64_t tid, const char *rest)
{
	return arena_printf(&r->arena, "/t/%lld%s", (long long)tid, rest);
}

/* Text with its line breaks kept. */
static void
T_lines(struct req *r, const char *s)
{
	const char *nl;

	while ((nl = strchr(s, '\n')) != NULL) {
		size_t n = (size_t)(nl - s);

		if (n && s[n - 1] == '\r')
			n--;
		TS(r, (struct str){ s, n });
		P(r, "<br>");
		s = nl + 1;
	}
	T(r, s);
}

static const char *
date_tz(struct req *r, const struct tz *tz, int64_t t)
{
	struct tz_local l;

	if (tz == NULL || tz_to_local(tz, (time_t)t, &l) != 0)
		return page_time(r, t);
	return page_day(r, tz_days_from_civil(l.year, l.month, l.day));
}

static int64_t
today(const struct tz *tz, time_t now)
{
	struct tz_local l;

	if (tz == NULL || tz_to_local(tz, now, &l) != 0)
		return (int64_t)now / 86400;
	return tz_days_from_civil(l.year, l.month, l.day);
}

/* A date typed as YYYY-MM-DD (the date input's value) as the instant of
 * noon that day in tz: noon, so the date reads back the same in any zone
 * a page might use.  "" is 0 (no date). */
static int
parse_date(const char *s, const struct tz *tz, int64_t *out)
{
	int64_t day, y;
	int m, d;
	time_t t;

	*out = 0;
	if (s[0] == '\0')
		return 0;
	if (page_parse_day(s, &day) != 0)
		return ERR_INVAL;
	tz_civil_from_days(day, &y, &m, &d);
	if (tz == NULL)
		tz = tz_utc();
	if (tz_from_local(tz, (int)y, m, d, 12, 0, 0, &t) != 0)
		return ERR_INVAL;
	*out = (int64_t)t;
	return 0;
}

static void
clock_text(struct req *r, unsigned minutes)
{
	PF(r, "%02u:%02u", minutes / 60, minutes % 60);
}

/* --- the overview ------------------------------------------------------- */

/* The people of each trajectory's professionals, joined for a table. */
static const char *
professional_names(struct req *r, int64_t tid)
{
	struct app *app = r->app;
	struct traj_member *m;
	struct buf b = BUF_INIT;
	const char *out;
	size_t n, i;

	if (traj_members(app->db, tid, &r->arena, &m, &n) != 0)
		return "";
	for (i = 0; i < n; i++) {
		if (!m[i].professional)
			continue;
		if (b.len)
			buf_adds(&b, ", ");
		buf_adds(&b, m[i].name);
	}
	out = arena_strndup(&r->arena, b.p, b.len);
	buf_release(&b);
	return out;
}

static void
deadline_cell(struct req *r, const struct tz *tz, int64_t deadline,
    time_t now)
{
	if (deadline == 0) {
		P(r, "<span class=\"muted\">");
		T(r, _("none"));
		P(r, "</span>");
		return;
	}
	if (deadline < (int64_t)now) {
		/* Said in words too: colour alone tells nothing to many. */
		P(r, "<strong class=\"overdue\">");
		T(r, page_time_tz(r, tz, deadline));
		P(r, " (");
		T(r, _("overdue"));
		P(r, ")</strong>");
		return;
	}
	T(r, page_time_tz(r, tz, deadline));
}

static void
title_link(struct req *r, const struct trajectory *t)
{
	P(r, "<a href=\"");
	A(r, traj_url(r, t->id, ""));
	P(r, "\">");
	if (t->title)
		T(r, t->title);
	else
		T(r, t->client_name);
	P(r, "</a>");
}

enum view { VIEW_PROFESSIONAL, VIEW_CLIENT, VIEW_ADMIN };

static enum view
view_of(const struct session *s)
{
	if (s->role == ROLE_ADMIN)
		return VIEW_ADMIN;
	return s->role == ROLE_CLIENT ? VIEW_CLIENT : VIEW_PROFESSIONAL;
}

static void
th(struct req *r, const char *label)
{
	P(r, "<th scope=\"col\">");
	T(r, label);
	P(r, "</th>");
}

static void
traj_table(struct req *r, const struct trajectory *v, size_t n,
    enum view view, const struct tz *tz, const char *caption)
{
	time_t now = time(NULL);
	size_t i;

	P(r, "<table class=\"trajectories\"><caption>");
	T(r, caption);
	P(r, "</caption>\n<thead><tr>");
	switch (view) {
	case VIEW_PROFESSIONAL:
		th(r, _("Trajectory"));
		th(r, _("Client"));
		th(r, _("Phase"));
		th(r, _("Waiting for a reply"));
		th(r, _("Next reply due"));
		th(r, _("Last message"));
		break;
	case VIEW_CLIENT:
		th(r, _("Trajectory"));
		th(r, _("Professionals"));
		th(r, _("Phase"));
		th(r, _("Your messages waiting for a reply"));
		th(r, _("Reply expected by"));
		break;
	case VIEW_ADMIN:
		th(r, _("Client"));
		th(r, _("Professionals"));
		th(r, _("Phase"));
		th(r, _("Started"));
		th(r, _("Last message"));
		break;
	}
	P(r, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		const struct trajectory *t = &v[i];

		P(r, "<tr><th scope=\"row\">");
		title_link(r, t);
		P(r, "</th><td>");
		switch (view) {
		case VIEW_PROFESSIONAL:
			T(r, t->client_name);
			P(r, "</td><td>");
			T(r, phase_label(t->phase));
			PF(r, "</td><td>%lld</td><td>", (long long)t->waiting);
			deadline_cell(r, tz, t->next_deadline, now);
			P(r, "</td><td>");
			if (t->last_message_at)
				T(r, page_time_tz(r, tz, t->last_message_at));
			else
				T(r, _("none yet"));
			break;
		case VIEW_CLIENT:
			T(r, professional_names(r, t->id));
			P(r, "</td><td>");
			T(r, phase_label(t->phase));
			PF(r, "</td><td>%lld</td><td>", (long long)t->waiting);
			deadline_cell(r, tz, t->next_deadline, now);
			break;
		case VIEW_ADMIN:
			T(r, professional_names(r, t->id));
			P(r, "</td><td>");
			T(r, phase_label(t->phase));
			P(r, "</td><td>");
			T(r, date_tz(r, tz, t->started_at));
			P(r, "</td><td>");
			if (t->last_message_at)
				T(r, page_time_tz(r, tz, t->last_message_at));
			else
				T(r, _("none yet"));
			break;
		}
		P(r, "</td></tr>\n");
	}
	P(r, "</tbody></table>\n");
}

static int
list_for(struct req *r, struct trajectory **v, size_t *n)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct audit_event ev;

	event_for(r, &ev, AUDIT_READ, "trajectory", 0);
	return traj_list(app->db, app->kr, s->org_id, s->user_id,
	    s->role == ROLE_ADMIN, &ev, &r->arena, v, n);
}

int
ui_traj_list(struct req *r)
{
	struct session *s = page_session(r);
	struct trajectory *v = NULL;
	enum view view = view_of(s);
	size_t n = 0;
	int rc;

	if ((rc = list_for(r, &v, &n)) != 0)
		return rc;
	page_begin(r, _("Trajectories"));
	if (view == VIEW_PROFESSIONAL) {
		P(r, "<p><a href=\"/t/new\">");
		T(r, _("Start a new trajectory"));
		P(r, "</a></p>\n");
	}
	if (view == VIEW_ADMIN) {
		P(r, "<p>");
		T(r, _("As an administrator you see who works with whom and in which phase. Titles, learning questions and messages are for the people in the trajectory only."));
		P(r, "</p>\n");
	}
	if (n == 0) {
		P(r, "<p>");
		T(r, view == VIEW_CLIENT ?
		    _("You have no trajectory yet. Your professional starts one with you.") :
		    _("There are no trajectories yet."));
		P(r, "</p>\n");
	} else {
		traj_table(r, v, n, view, page_zone(r, NULL),
		    view == VIEW_ADMIN ?
		    _("All trajectories of the organisation") :
		    _("Your trajectories"));
		if (n == LIMIT_TRAJ_LIST) {
			P(r, "<p class=\"muted\">");
			T(r, _("Only the most recently active trajectories are shown."));
			P(r, "</p>\n");
		}
	}
	page_end(r);
	return 0;
}

/* Waiting replies first, the earliest deadline on top; then by activity
 * (the order traj_list gave, kept by the index). */
struct ranked {
	const struct trajectory *t;
	size_t order;
};

static int
urgency_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int64_t dx = x->t->next_deadline, dy = y->t->next_deadline;

	if ((dx != 0) != (dy != 0))
		return dx != 0 ? -1 : 1;
	if (dx != dy)
		return dx < dy ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int
ui_traj_home(struct req *r, const struct session *s)
{
	struct trajectory *v = NULL, *sorted;
	struct ranked *rk;
	enum view view;
	size_t n = 0, i, shown;
	int rc;

	if (s->org_id == 0 || !(s->role & (ROLE_PROFESSIONAL | ROLE_CLIENT |
	    ROLE_ADMIN)))
		return 0;
	view = view_of(s);
	if (view == VIEW_ADMIN) {
		P(r, "<section aria-labelledby=\"h-traj\"><h2 id=\"h-traj\">");
		T(r, _("Trajectories"));
		P(r, "</h2>\n<p><a href=\"/t\">");
		T(r, _("Who works with whom, and in which phase"));
		P(r, "</a></p></section>\n");
		return 0;
	}
	if ((rc = list_for(r, &v, &n)) != 0)
		return rc;
	P(r, "<section aria-labelledby=\"h-traj\"><h2 id=\"h-traj\">");
	T(r, _("Your trajectories"));
	P(r, "</h2>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, view == VIEW_CLIENT ?
		    _("You have no trajectory yet. Your professional starts one with you.") :
		    _("You have no trajectories yet."));
		P(r, "</p>\n");
	} else {
		rk = arena_calloc(&r->arena, n, sizeof(*rk));
		for (i = 0; i < n; i++) {
			rk[i].t = &v[i];
			rk[i].order = i;
		}
		if (view == VIEW_PROFESSIONAL)
			qsort(rk, n, sizeof(*rk), urgency_cmp);
		shown = n < HOME_ROWS ? n : HOME_ROWS;
		sorted = arena_calloc(&r->arena, shown, sizeof(*sorted));
		for (i = 0; i < shown; i++)
			sorted[i] = *rk[i].t;
		traj_table(r, sorted, shown, view, page_zone(r, NULL),
		    view == VIEW_PROFESSIONAL ?
		    _("Your trajectories, the most urgent reply first") :
		    _("Your trajectories"));
	}
	P(r, "<p><a href=\"/t\">");
	T(r, _("All your trajectories"));
	P(r, "</a>");
	if (view == VIEW_PROFESSIONAL) {
		P(r, " · <a href=\"/t/new\">");
		T(r, _("Start a new trajectory"));
		P(r, "</a>");
	}
	P(r, "</p></section>\n");
	return 0;
}

/* --- the promise form --------------------------------------------------- */

/* One labelled field with an optional hint and error, tied together with
 * aria-describedby.  kind: "text", "number" or "textarea". */
static void
field(struct req *r, const char *name, const char *label, const char *hint,
    const char *kind, const char *value, const char *extra,
    const char *bad_field, const char *why)
{
	bool bad = bad_field && strcmp(bad_field, name) == 0;
	bool area = strcmp(kind, "textarea") == 0;

	P(r, "<p class=\"field\"><label for=\"f-");
	A(r, name);
	P(r, "\">");
	T(r, label);
	P(r, "</label>\n");
	if (hint) {
		P(r, "<span class=\"muted\" id=\"h-");
		A(r, name);
		P(r, "\">");
		T(r, hint);
		P(r, "</span>\n");
	}
	if (bad) {
		P(r, "<strong class=\"notice-error\" id=\"e-");
		A(r, name);
		P(r, "\">");
		T(r, _(why));
		P(r, "</strong>\n");
	}
	P(r, area ? "<textarea rows=\"3\"" : "<input");
	P(r, " id=\"f-");
	A(r, name);
	P(r, "\" name=\"");
	A(r, name);
	P(r, "\"");
	if (!area) {
		P(r, " type=\"");
		A(r, kind);
		P(r, "\" value=\"");
		A(r, value);
		P(r, "\"");
	}
	if (extra)
		P(r, extra);
	if (hint || bad) {
		P(r, " aria-describedby=\"");
		if (bad) {
			P(r, "e-");
			A(r, name);
		}
		if (hint) {
			P(r, bad ? " h-" : "h-");
			A(r, name);
		}
		P(r, "\"");
	}
	if (bad)
		P(r, " aria-invalid=\"true\"");
	P(r, ">");
	if (area) {
		T(r, value);
		P(r, "</textarea>");
	}
	P(r, "</p>\n");
}

static void
terms_fields(struct req *r, const struct promise_terms *t,
    const char *bad_field, const char *why)
{
	const char *hours = arena_printf(&r->arena, "%lld",
	    (long long)((t->reply_minutes + 59) / 60));
	const char *days = arena_printf(&r->arena, "%lld",
	    (long long)t->contact_days);

	P(r, "<fieldset><legend>");
	T(r, _("Service promise"));
	P(r, "</legend>\n");
	field(r, "reply_hours", _("Reply time, in working hours"),
	    _("A client's message gets a reply within this many working hours."),
	    "number", hours, " min=\"1\" max=\"744\" required", bad_field,
	    why);
	field(r, "schedule", _("Working days and hours"),
	    _("For example: mon-fri 09:00-17:00; sat 10:00-12:00 (Dutch day names work too)."),
	    "text", t->schedule, " required", bad_field, why);
	field(r, "holidays", _("Days off"),
	    _("Dates such as 2026-12-25 and periods such as 2026-12-28..2027-01-01, separated by commas. Days off do not count as working time."),
	    "textarea", t->holidays, NULL, bad_field, why);
	field(r, "contact_days", _("Expected contact: at least once every so many days"),
	    _("0 means nothing is agreed."), "number", days,
	    " min=\"0\" max=\"366\" required", bad_field, why);
	field(r, "reachable", _("Reachable hours"),
	    _("Leave empty when you are reachable during the working hours."),
	    "text", t->reachable, NULL, bad_field, why);
	field(r, "not_reachable", _("When you cannot be reached"),
	    _("For example: not in the evening and at weekends; not during school holidays."),
	    "textarea", t->not_reachable, NULL, bad_field, why);
	field(r, "emergency", _("What to do in an emergency"),
	    _("The client sees this on the first page of the trajectory."),
	    "textarea", t->emergency, NULL, bad_field, why);
	field(r, "tz", _("Time zone"),
	    _("A name such as Europe/Amsterdam; deadlines follow its clock."),
	    "text", t->tz, " required", bad_field, why);
	P(r, "</fieldset>\n");
}

/* The promise as typed into the form; reasons as traj_terms_validate's.
 * A number that does not parse keeps a default in *t (the form then shows
 * that default next to the reason). */
static int
terms_from_form(struct req *r, struct promise_terms *t, const char **why,
    const char **bad_field)
{
	int64_t hours = 24, days = 7;
	bool hours_ok, days_ok;

	memset(t, 0, sizeof(*t));
	t->tz = page_form(r, "tz");
	t->schedule = page_form(r, "schedule");
	t->reachable = page_form(r, "reachable");
	t->holidays = page_form(r, "holidays");
	t->not_reachable = page_form(r, "not_reachable");
	t->emergency = page_form(r, "emergency");
	hours_ok = num_parse_i64(str_trim(str_c(page_form(r,
	    "reply_hours"))), 1, LIMIT_PROMISE_REPLY_HOURS, &hours) == 0;
	days_ok = num_parse_i64(str_trim(str_c(page_form(r,
	    "contact_days"))), 0, LIMIT_PROMISE_CONTACT_DAYS, &days) == 0;
	t->reply_minutes = (hours_ok ? hours : 24) * 60;
	t->contact_days = days_ok ? days : 7;
	if (!hours_ok) {
		*bad_field = "reply_hours";
		*why = N_("The reply time must be between 1 and 744 working hours.");
		return ERR_INVAL;
	}
	if (!days_ok) {
		*bad_field = "contact_days";
		*why = N_("The contact frequency must be between 0 and 366 days (0: nothing agreed).");
		return ERR_INVAL;
	}
	return traj_terms_validate(t, why, bad_field);
}

/* --- the promise, shown ------------------------------------------------- */

static void
week_list(struct req *r, const struct promise_week *w, const char *off)
{
	static const int order[7] = { 1, 2, 3, 4, 5, 6, 0 };
	int i, k, d;

	P(r, "<ul class=\"week\">");
	for (i = 0; i < 7; i++) {
		d = order[i];
		P(r, "<li>");
		T(r, _(wday_names[d]));
		P(r, ": ");
		if (w->n[d] == 0)
			T(r, off);
		for (k = 0; k < w->n[d]; k++) {
			if (k)
				P(r, ", ");
			clock_text(r, w->w[d][k].start);
			P(r, "–");
			clock_text(r, w->w[d][k].end);
		}
		P(r, "</li>");
	}
	P(r, "</ul>\n");
}

/* The Dutch name of a public holiday on that day, or NULL. */
static const char *
nl_holiday_name(int64_t day)
{
	struct promise_nl_day nl[PROMISE_NL_DAYS];
	int64_t y;
	int m, d, i;

	tz_civil_from_days(day, &y, &m, &d);
	if (promise_nl_holidays((int)y, nl) != 0)
		return NULL;
	for (i = 0; i < PROMISE_NL_DAYS; i++)
		if (nl[i].day == day)
			return nl[i].name;
	return NULL;
}

/* Days off from today on; at most max entries (0: all). */
static void
holiday_list(struct req *r, const struct promise_holidays *h, int64_t from,
    size_t max, int64_t tid)
{
	size_t i, shown = 0, later = 0;

	for (i = 0; i < h->n; i++) {
		const struct promise_holiday *e = &h->h[i];
		const char *name;

		if (e->last < from)
			continue;
		if (max && shown == max) {
			later++;
			continue;
		}
		if (shown++ == 0)
			P(r, "<ul class=\"days-off\">");
		P(r, "<li>");
		T(r, page_day(r, e->first));
		if (e->last != e->first) {
			P(r, " – ");
			T(r, page_day(r, e->last));
		} else if ((name = nl_holiday_name(e->first)) != NULL) {
			P(r, " (");
			T(r, name);
			P(r, ")");
		}
		P(r, "</li>");
	}
	if (shown)
		P(r, "</ul>\n");
	else {
		P(r, "<p>");
		T(r, _("No days off are planned."));
		P(r, "</p>\n");
	}
	if (later) {
		P(r, "<p><a href=\"");
		A(r, traj_url(r, tid, "/promise"));
		P(r, "\">");
		PF(r, ngettext("and %zu more day off", "and %zu more days off",
		    later), later);
		P(r, "</a></p>\n");
	}
}

/*
 * The service promise: what the client may expect (seeds 000 and 001):
 * the reply time, the working days and hours, days off, the contact
 * frequency, when the professional is and is not reachable, and what to
 * do in an emergency.  full: every day off, and no link to the full page.
 */
static void
promise_section(struct req *r, int64_t tid, const struct promise_terms *t,
    const struct promise *p, bool usable, bool client, bool full)
{
	time_t now = time(NULL), due = 0, next = 0;
	const struct tz *tz = usable ? p->tz : NULL;

	P(r, "<section class=\"promise\" aria-labelledby=\"h-promise\">"
	    "<h2 id=\"h-promise\">");
	T(r, client ? _("What you can expect") : _("Service promise"));
	P(r, "</h2>\n");
	if (!usable) {
		page_notice(r, "error", _("The service promise of this trajectory cannot be read. The professional needs to set it again."));
		P(r, "</section>\n");
		return;
	}
	P(r, "<dl>\n<dt>");
	T(r, _("Reply time"));
	P(r, "</dt><dd>");
	PF(r, client ? _("You get a reply within %lld working hours.") :
	    _("Clients get a reply within %lld working hours."),
	    (long long)((t->reply_minutes + 59) / 60));
	if (promise_deadline(p, now, &due) == 0) {
		P(r, " ");
		T(r, client ? _("A message sent now gets a reply by") :
		    _("A client's message sent now is due by"));
		P(r, " <strong>");
		T(r, page_time_tz(r, tz, due));
		P(r, "</strong>.");
	}
	P(r, "</dd>\n<dt>");
	T(r, _("Working days and hours"));
	P(r, "</dt><dd>");
	week_list(r, &p->work, _("not working"));
	P(r, "</dd>\n<dt>");
	T(r, _("Days off"));
	P(r, "</dt><dd>");
	holiday_list(r, &p->holidays, today(tz, now),
	    full ? 0 : PROMISE_DAYS_SHOWN, tid);
	P(r, "</dd>\n<dt>");
	T(r, _("Contact"));
	P(r, "</dt><dd>");
	if (p->contact_days > 0)
		PF(r, ngettext("We expect contact at least once a day.",
		    "We expect contact at least once every %d days.",
		    (unsigned long)p->contact_days), p->contact_days);
	else
		T(r, _("No contact frequency was agreed."));
	P(r, "</dd>\n<dt>");
	T(r, _("Reachable"));
	P(r, "</dt><dd>");
	if (p->reach_is_work) {
		T(r, _("During the working hours."));
	} else {
		week_list(r, &p->reach, _("not reachable"));
	}
	P(r, " ");
	if (promise_is_reachable(p, now)) {
		T(r, _("Reachable right now."));
	} else if (promise_next_reachable(p, now, &next) == 0) {
		T(r, _("Not reachable right now; reachable again from"));
		P(r, " ");
		T(r, page_time_tz(r, tz, next));
		P(r, ".");
	}
	P(r, "</dd>\n");
	if (t->not_reachable && t->not_reachable[0]) {
		P(r, "<dt>");
		T(r, _("Not reachable"));
		P(r, "</dt><dd>");
		T_lines(r, t->not_reachable);
		P(r, "</dd>\n");
	}
	P(r, "<dt>");
	T(r, _("In an emergency"));
	P(r, "</dt><dd><strong>");
	if (t->emergency && t->emergency[0])
		T_lines(r, t->emergency);
	else
		T(r, _("Do not wait for a reply here. In a life-threatening situation call 112; otherwise call your general practitioner."));
	P(r, "</strong></dd>\n</dl>\n<p class=\"muted\">");
	T(r, _("Times are shown in the time zone"));
	P(r, " ");
	T(r, t->tz);
	P(r, ".");
	if (!full) {
		P(r, " <a href=\"");
		A(r, traj_url(r, tid, "/promise"));
		P(r, "\">");
		T(r, _("The full service promise"));
		P(r, "</a>");
	}
	P(r, "</p></section>\n");
}

/* --- creating a trajectory ---------------------------------------------- */

struct new_form {
	int64_t client_id;
	const char *title;
	const char *planned_end;
	struct promise_terms terms;
	const char *error;        /* a reason for the whole form */
	const char *bad_field;    /* the field at fault */
	const char *why;          /* its reason (an msgid) */
};

static int
new_page(struct req *r, const struct new_form *f)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct membership *ms = NULL;
	struct audit_event ev;
	size_t n = 0, i, k, clients = 0;
	int rc;

	if ((rc = member_list(app->db, s->org_id, &r->arena, &ms, &n)) != 0)
		return rc;
	/* The picker names the organisation's clients: logged before shown. */
	web_audit_event(r, &ev, AUDIT_READ, "profile", 0, 0, "care");
	ev.detail = "client-picker";
	if ((rc = audit_record(app->db, &ev)) != 0)
		return rc;
	page_begin(r, _("Start a new trajectory"));
	if (f->error)
		page_notice(r, "error", f->error);
	else if (f->why)
		page_notice(r, "error", _("Please correct the field marked below."));
	for (i = 0; i < n; i++)
		if (ms[i].role == ROLE_CLIENT)
			clients++;
	if (clients == 0) {
		P(r, "<p>");
		T(r, _("There are no clients in this organisation yet. An administrator invites them first."));
		P(r, "</p>\n");
		page_end(r);
		return 0;
	}
	form_begin(r, "/t");
	P(r, "<p class=\"field\"><label for=\"f-client\">");
	T(r, _("Client"));
	P(r, "</label>\n<select id=\"f-client\" name=\"client\" required>");
	for (i = 0; i < n; i++) {
		if (ms[i].role != ROLE_CLIENT)
			continue;
		PF(r, "<option value=\"%lld\"%s>", (long long)ms[i].user_id,
		    ms[i].user_id == f->client_id ? " selected" : "");
		T(r, ms[i].user_name);
		/* The address only where the name alone cannot tell two
		 * clients apart (names from before they had to differ). */
		for (k = 0; k < n; k++)
			if (k != i && ms[k].role == ROLE_CLIENT &&
			    strcmp(ms[k].user_name, ms[i].user_name) == 0)
				break;
		if (k < n) {
			P(r, " (");
			T(r, ms[i].user_email);
			P(r, ")");
		}
		P(r, "</option>");
	}
	P(r, "</select></p>\n");
	field(r, "title", _("Title"),
	    _("A short name for the trajectory, preferably in the client's own words."),
	    "text", f->title, arena_printf(&r->arena,
	    " maxlength=\"%d\" required", LIMIT_TRAJ_TITLE), f->bad_field,
	    f->why);
	field(r, "planned_end", _("Planned end (optional)"), NULL, "date",
	    f->planned_end, NULL, f->bad_field, f->why);
	terms_fields(r, &f->terms, f->bad_field, f->why);
	P(r, "<p class=\"muted\">");
	T(r, _("The promise can be changed later. The client sees it on the first page of the trajectory."));
	P(r, "</p>\n");
	form_submit(r, _("Start the trajectory"));
	form_end(r);
	page_end(r);
	return 0;
}

int
ui_traj_new(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct new_form f = { 0 };
	struct org org;
	int rc;

	if ((rc = org_get(app->db, s->org_id, &r->arena, &org)) != 0)
		return rc;
	f.title = "";
	f.planned_end = "";
	traj_default_terms(&r->arena, org.tz, time(NULL), &f.terms);
	return new_page(r, &f);
}

int
ui_traj_create(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct audit_event ev;
	struct new_form f = { 0 };
	const char *terms_why = NULL, *terms_field = NULL;
	struct str title;
	int64_t id = 0, end = 0;
	bool date_bad;
	int rc;

	f.title = page_form(r, "title");
	f.planned_end = page_form(r, "planned_end");
	if (num_parse_i64(str_c(page_form(r, "client")), 1, INT64_MAX,
	    &f.client_id) != 0)
		f.error = _("Please choose a client.");
	/* One reason at a time, the first field in the form's order. */
	(void)terms_from_form(r, &f.terms, &terms_why, &terms_field);
	date_bad = parse_date(f.planned_end, page_zone(r, f.terms.tz),
	    &end) != 0;
	title = str_trim(str_c(f.title));
	if (title.len == 0 || title.len > LIMIT_TRAJ_TITLE) {
		f.bad_field = "title";
		f.why = N_("Please give the trajectory a title (at most 200 characters).");
	} else if (date_bad) {
		f.bad_field = "planned_end";
		f.why = N_("The planned end is not a valid date.");
	} else if (terms_field) {
		f.bad_field = terms_field;
		f.why = terms_why;
	}
	if (f.error || f.bad_field) {
		r->status = 400;
		return new_page(r, &f);
	}
	event_for(r, &ev, AUDIT_CREATE, "trajectory", 0);
	rc = traj_create(app->db, app->kr, s->org_id, f.client_id, s->user_id,
	    f.title, end, &f.terms, &ev, &id);
	if (rc == ERR_INVAL) {
		/* The terms and title passed above: what is left is the
		 * client (not a client of this organisation) or a title
		 * with characters a title cannot hold. */
		f.error = _("Please choose a client of this organisation and a title on one line.");
		r->status = 400;
		return new_page(r, &f);
	}
	if (rc != 0)
		return rc;
	resp_redirect(r, traj_url(r, id, "?done=created"));
	return 0;
}

/* --- a trajectory's first page ------------------------------------------ */

static const char *
done_text(const char *done)
{
	static const struct {
		const char *code, *text;
	} done_map[] = {
		{ "created", N_("The trajectory was started.") },
		{ "phase", N_("The phase was changed.") },
		{ "question", N_("The learning question was added.") },
		{ "professional", N_("The professional was added.") },
		{ "reads", N_("Your choice was saved.") },
		{ "level", N_("The reading level was saved.") },
		{ "promise", N_("The service promise was saved.") },
	};
	size_t i;

	if (done == NULL)
		return NULL;
	for (i = 0; i < sizeof(done_map) / sizeof(done_map[0]); i++)
		if (strcmp(done, done_map[i].code) == 0)
			return _(done_map[i].text);
	return NULL;
}

static const char *
member_name(const struct traj_member *m, size_t n, int64_t uid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (m[i].user_id == uid)
			return m[i].name;
	return NULL;
}

static void
select_option(struct req *r, const char *value, const char *label,
    bool selected)
{
	P(r, "<option value=\"");
	A(r, value);
	P(r, "\"");
	if (selected)
		P(r, " selected");
	P(r, ">");
	T(r, label);
	P(r, "</option>");
}

static void about_forms(struct req *r, const struct trajectory *t,
    const struct traj_member *m, size_t nm, enum view view);

/* What the trajectory is and who takes part; the forms that change it
 * while it is open. */
static void
about_section(struct req *r, const struct trajectory *t,
    const struct traj_member *m, size_t nm, const struct tz *tz,
    enum view view)
{
	size_t i;
	bool first = true;

	P(r, "<section aria-labelledby=\"h-about\"><h2 id=\"h-about\">");
	T(r, _("About this trajectory"));
	P(r, "</h2>\n<dl>\n");
	if (t->title) {
		P(r, "<dt>");
		T(r, _("Title"));
		P(r, "</dt><dd>");
		T(r, t->title);
		P(r, "</dd>\n");
	}
	P(r, "<dt>");
	T(r, _("Client"));
	P(r, "</dt><dd>");
	T(r, t->client_name);
	P(r, "</dd>\n<dt>");
	T(r, _("Professionals"));
	P(r, "</dt><dd>");
	for (i = 0; i < nm; i++) {
		if (!m[i].professional)
			continue;
		if (!first)
			P(r, ", ");
		T(r, m[i].name);
		first = false;
	}
	P(r, "</dd>\n<dt>");
	T(r, _("Phase"));
	P(r, "</dt><dd>");
	T(r, phase_label(t->phase));
	P(r, "</dd>\n<dt>");
	T(r, _("Started"));
	P(r, "</dt><dd>");
	T(r, date_tz(r, tz, t->started_at));
	P(r, "</dd>\n");
	if (t->planned_end) {
		P(r, "<dt>");
		T(r, _("Planned end"));
		P(r, "</dt><dd>");
		T(r, date_tz(r, tz, t->planned_end));
		P(r, "</dd>\n");
	}
	if (t->closed_at) {
		P(r, "<dt>");
		T(r, _("Closed"));
		P(r, "</dt><dd>");
		T(r, date_tz(r, tz, t->closed_at));
		P(r, "</dd>\n");
	}
	if (view == VIEW_CLIENT) {
		/* Spoken to the client, who decides this. */
		P(r, "<dt>");
		T(r, _("Read receipts"));
		P(r, "</dt><dd>");
		T(r, t->share_reads ?
		    _("Your professionals see when you have read a message.") :
		    _("Your professionals do not see when you have read a message."));
		P(r, "</dd>\n");
	} else if (view != VIEW_ADMIN) {
		P(r, "<dt>");
		T(r, _("Reading level for the writing assistant"));
		P(r, "</dt><dd>");
		T(r, level_label(t->reading_level));
		P(r, "</dd>\n<dt>");
		T(r, _("Read receipts"));
		P(r, "</dt><dd>");
		T(r, t->share_reads ?
		    _("The professionals see when the client has read a message.") :
		    _("The professionals do not see when the client has read a message."));
		P(r, "</dd>\n");
	}
	P(r, "</dl>\n");
	if (t->phase != TRAJ_CLOSED)
		about_forms(r, t, m, nm, view);
	P(r, "</section>\n");
}

static void
about_forms(struct req *r, const struct trajectory *t,
    const struct traj_member *m, size_t nm, enum view view)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct membership *ms = NULL;
	size_t n = 0, i, addable = 0;
	int ph, lv;

	if (view == VIEW_CLIENT) {
		form_begin(r, traj_url(r, t->id, "/reads"));
		PF(r, "<input type=\"hidden\" name=\"share\" value=\"%d\">",
		    t->share_reads ? 0 : 1);
		form_submit(r, t->share_reads ?
		    _("Stop showing the professionals when I have read a message") :
		    _("Let the professionals see when I have read a message"));
		form_end(r);
		return;
	}
	if (view != VIEW_PROFESSIONAL)
		return;
	form_begin(r, traj_url(r, t->id, "/phase"));
	P(r, "<p class=\"field\"><label for=\"f-phase\">");
	T(r, _("Phase"));
	P(r, "</label>\n<select id=\"f-phase\" name=\"phase\" "
	    "aria-describedby=\"h-phase\">");
	for (ph = TRAJ_INTAKE; ph <= TRAJ_CLOSED; ph++)
		select_option(r, traj_phase_name((enum traj_phase)ph),
		    phase_label((enum traj_phase)ph), ph == (int)t->phase);
	P(r, "</select>\n<span class=\"muted\" id=\"h-phase\">");
	T(r, _("Closing is final: afterwards everyone can still read the trajectory, but nothing can be added."));
	P(r, "</span></p>\n<p class=\"field\"><input type=\"checkbox\" "
	    "id=\"f-confirm\" name=\"confirm\" value=\"1\"> <label "
	    "for=\"f-confirm\">");
	T(r, _("Yes, close the trajectory (only needed when choosing Closed)"));
	P(r, "</label></p>\n");
	form_submit(r, _("Change the phase"));
	form_end(r);

	form_begin(r, traj_url(r, t->id, "/level"));
	P(r, "<p class=\"field\"><label for=\"f-level\">");
	T(r, _("The client's reading level"));
	P(r, "</label>\n<select id=\"f-level\" name=\"level\">");
	for (lv = TRAJ_LEVEL_SIMPLE; lv <= TRAJ_LEVEL_ADVANCED; lv++)
		select_option(r, traj_level_name((enum traj_level)lv),
		    level_label((enum traj_level)lv),
		    lv == (int)t->reading_level);
	P(r, "</select></p>\n");
	form_submit(r, _("Save the reading level"));
	form_end(r);

	if (member_list(app->db, s->org_id, &r->arena, &ms, &n) == 0) {
		for (i = 0; i < n; i++)
			if (ms[i].role == ROLE_PROFESSIONAL &&
			    member_name(m, nm, ms[i].user_id) == NULL)
				addable++;
	}
	if (addable) {
		form_begin(r, traj_url(r, t->id, "/professionals"));
		P(r, "<p class=\"field\"><label for=\"f-user\">");
		T(r, _("Add a professional"));
		P(r, "</label>\n<select id=\"f-user\" name=\"user\">");
		for (i = 0; i < n; i++) {
			if (ms[i].role != ROLE_PROFESSIONAL ||
			    member_name(m, nm, ms[i].user_id) != NULL)
				continue;
			PF(r, "<option value=\"%lld\">",
			    (long long)ms[i].user_id);
			T(r, ms[i].user_name);
			P(r, "</option>");
		}
		P(r, "</select></p>\n");
		form_submit(r, _("Add"));
		form_end(r);
	}
}

static void
questions_section(struct req *r, const struct trajectory *t,
    const struct learning_question *q, size_t nq,
    const struct traj_member *m, size_t nm, const struct tz *tz,
    enum view view)
{
	const char *who;
	size_t i;

	P(r, "<section aria-labelledby=\"h-questions\"><h2 id=\"h-questions\">");
	T(r, _("Learning questions"));
	P(r, "</h2>\n<p class=\"muted\">");
	T(r, view == VIEW_CLIENT ?
	    _("What do you want to learn? In your own words.") :
	    _("In the client's own words."));
	P(r, "</p>\n");
	if (nq == 0) {
		P(r, "<p>");
		T(r, _("No learning questions yet."));
		P(r, "</p>\n");
	} else {
		P(r, "<ol class=\"questions\">\n");
		for (i = 0; i < nq; i++) {
			P(r, "<li><p>");
			T_lines(r, q[i].body);
			P(r, "</p><p class=\"muted\">");
			who = member_name(m, nm, q[i].created_by);
			T(r, _("Added by"));
			P(r, " ");
			T(r, who ? who : _("someone who left"));
			P(r, ", ");
			T(r, date_tz(r, tz, q[i].created_at));
			P(r, "</p></li>\n");
		}
		P(r, "</ol>\n");
	}
	if (t->phase != TRAJ_CLOSED && nq < LIMIT_TRAJ_QUESTIONS) {
		form_begin(r, traj_url(r, t->id, "/questions"));
		P(r, "<p class=\"field\"><label for=\"f-question\">");
		T(r, _("A new learning question"));
		PF(r, "</label>\n<textarea id=\"f-question\" name=\"question\" "
		    "rows=\"3\" maxlength=\"%d\" required></textarea></p>\n",
		    LIMIT_TRAJ_QUESTION);
		form_submit(r, _("Add the learning question"));
		form_end(r);
	}
	P(r, "</section>\n");
}

/*
 * The first page.  ok / error: a notice to show (error also sets 400).
 */
static int
show_page(struct req *r, int64_t tid, const char *ok, const char *error)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	enum view view = view_of(s);
	struct audit_event ev;
	struct trajectory t;
	struct traj_member *m = NULL;
	struct learning_question *q = NULL;
	struct promise_terms terms;
	struct promise *p = NULL;
	const struct tz *tz;
	bool usable;
	size_t nm = 0, nq = 0;
	int rc;

	/* tid is the route's trajectory: the router let the caller read it
	 * (or change it, for a form shown again; a participant who may
	 * change may read). */
	if (view == VIEW_ADMIN) {
		if ((rc = traj_get_meta(app->db, tid, &r->arena, &t)) != 0)
			return rc;
		web_audit_event(r, &ev, AUDIT_READ, "trajectory", t.client_id,
		    tid, purpose_of(s));
		ev.org_id = t.org_id;
		ev.detail = "metadata";
		if ((rc = audit_record(app->db, &ev)) != 0)
			return rc;
	} else {
		event_for(r, &ev, AUDIT_READ, "trajectory", tid);
		if ((rc = traj_get(app->db, app->kr, tid, &ev, &r->arena,
		    &t)) != 0)
			return rc;
		event_for(r, &ev, AUDIT_READ, "learning-question", 0);
		if ((rc = traj_questions(app->db, app->kr, tid, &ev, &r->arena,
		    &q, &nq)) != 0)
			return rc;
	}
	if ((rc = traj_members(app->db, tid, &r->arena, &m, &nm)) != 0 ||
	    (rc = traj_terms_get(app->db, tid, &r->arena, &terms)) != 0)
		return rc;
	p = arena_zalloc(&r->arena, sizeof(*p));
	usable = traj_promise_from_terms(app->tzc, &terms, p) == 0;
	tz = usable ? p->tz : page_zone(r, NULL);

	if (error)
		r->status = 400;
	/* The title names the page for people in the trajectory (WCAG
	 * 2.4.2); an admin does not see titles. */
	page_begin(r, view != VIEW_ADMIN && t.title && t.title[0] ? t.title :
	    _("Trajectory"));
	if (ok)
		page_notice(r, "ok", ok);
	if (error)
		page_notice(r, "error", error);
	if (t.phase == TRAJ_CLOSED)
		page_notice(r, "info", _("This trajectory is closed. Everything stays readable, but nothing can be added."));
	/* The promise comes first: it is what the client relies on. */
	promise_section(r, tid, &terms, p, usable, view == VIEW_CLIENT, false);
	about_section(r, &t, m, nm, tz, view);
	if (view == VIEW_ADMIN) {
		P(r, "<p>");
		T(r, _("The title, the learning questions and the conversations are for the people in this trajectory only."));
		P(r, "</p>\n");
	} else {
		questions_section(r, &t, q, nq, m, nm, tz, view);
		PF(r, "<p class=\"asg-link\"><a href=\"/t/%lld/assignments\">",
		    (long long)tid);
		T(r, _("Assignments and learning cycle"));
		P(r, "</a></p>\n");
		if ((rc = ui_thread_section(r, tid)) != 0)
			return rc;
	}
	page_end(r);
	return 0;
}

int
ui_traj_show(struct req *r)
{
	return show_page(r, web_obj(r)->id, done_text(req_query(r, "done")),
	    NULL);
}

/* --- changes ------------------------------------------------------------ */

/* The common start of a change: the trajectory the router checked the
 * caller may change (the route table says trajectory, update). */
static int
change_begin(struct req *r, int64_t *tid)
{
	*tid = web_obj(r)->id;
	return 0;
}

static int
done(struct req *r, int64_t tid, const char *what)
{
	resp_redirect(r, traj_url(r, tid, arena_printf(&r->arena,
	    "?done=%s", what)));
	return 0;
}

int
ui_traj_phase_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	enum traj_phase phase;
	int64_t tid;
	int rc;

	if ((rc = change_begin(r, &tid)) != 0)
		return rc;
	if (traj_phase_parse(req_form(r, "phase"), &phase) != 0)
		return ERR_INVAL;
	if (phase == TRAJ_CLOSED && strcmp(page_form(r, "confirm"), "1"))
		return show_page(r, tid, NULL,
		    _("Closing is final. Tick the box to confirm that you want to close the trajectory."));
	event_for(r, &ev, AUDIT_UPDATE, "trajectory", tid);
	if ((rc = traj_set_phase(app->db, tid, phase, &ev)) != 0)
		return rc;
	return done(r, tid, "phase");
}

int
ui_traj_question_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	int64_t tid;
	int rc;

	if ((rc = change_begin(r, &tid)) != 0)
		return rc;
	event_for(r, &ev, AUDIT_CREATE, "learning-question", 0);
	rc = traj_add_question(app->db, app->kr, tid,
	    page_form(r, "question"), &ev);
	if (rc == ERR_INVAL)
		return show_page(r, tid, NULL,
		    _("Please write the learning question (at most 2000 characters)."));
	if (rc == ERR_TOOMANY)
		return show_page(r, tid, NULL,
		    _("This trajectory has as many learning questions as it can hold."));
	if (rc != 0)
		return rc;
	return done(r, tid, "question");
}

int
ui_traj_professional_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	int64_t tid, uid;
	int rc;

	if ((rc = change_begin(r, &tid)) != 0)
		return rc;
	if (num_parse_i64(str_c(page_form(r, "user")), 1, INT64_MAX,
	    &uid) != 0)
		return ERR_INVAL;
	event_for(r, &ev, AUDIT_UPDATE, "trajectory", tid);
	rc = traj_add_professional(app->db, tid, uid, &ev);
	if (rc == ERR_INVAL || rc == ERR_CONFLICT || rc == ERR_TOOMANY)
		return show_page(r, tid, NULL, rc == ERR_CONFLICT ?
		    _("This professional already takes part.") :
		    rc == ERR_TOOMANY ?
		    _("This trajectory has as many professionals as it can hold.") :
		    _("Only a professional of this organisation can be added."));
	if (rc != 0)
		return rc;
	return done(r, tid, "professional");
}

int
ui_traj_reads_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	const char *v = page_form(r, "share");
	int64_t tid;
	int rc;

	if ((rc = change_begin(r, &tid)) != 0)
		return rc;
	/* Only the client decides whether their reading is shown: the route
	 * lets clients only, and this one must be this trajectory's. */
	if (web_obj(r)->part != ROLE_CLIENT)
		return ERR_FORBIDDEN;
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
		return ERR_INVAL;
	event_for(r, &ev, AUDIT_UPDATE, "trajectory", tid);
	if ((rc = traj_set_share_reads(app->db, tid, v[0] == '1', &ev)) != 0)
		return rc;
	return done(r, tid, "reads");
}

int
ui_traj_level_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	enum traj_level level;
	int64_t tid;
	int rc;

	if ((rc = change_begin(r, &tid)) != 0)
		return rc;
	if (traj_level_parse(req_form(r, "level"), &level) != 0)
		return ERR_INVAL;
	event_for(r, &ev, AUDIT_UPDATE, "trajectory", tid);
	if ((rc = traj_set_level(app->db, tid, level, &ev)) != 0)
		return rc;
	return done(r, tid, "level");
}

/* --- the promise page --------------------------------------------------- */

/*
 * The promise in full; a professional of an open trajectory gets the form.
 * typed: the form's values after a refusal (bad_field and why say what is
 * wrong), else NULL.
 */
static int
promise_page(struct req *r, int64_t tid, const struct promise_terms *typed,
    const char *bad_field, const char *why)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	enum view view = view_of(s);
	struct promise_terms terms;
	struct trajectory t;
	struct promise *p;
	bool usable;
	int rc;

	/* tid is the route's trajectory, checked by the router (read, or
	 * change for the form shown again). */
	if ((rc = traj_get_meta(app->db, tid, &r->arena, &t)) != 0 ||
	    (rc = traj_terms_get(app->db, tid, &r->arena, &terms)) != 0)
		return rc;
	p = arena_zalloc(&r->arena, sizeof(*p));
	usable = traj_promise_from_terms(app->tzc, &terms, p) == 0;
	if (why)
		r->status = 400;
	page_begin(r, _("Service promise"));
	P(r, "<p><a href=\"");
	A(r, traj_url(r, tid, ""));
	P(r, "\">");
	T(r, _("Back to the trajectory"));
	P(r, "</a></p>\n");
	if (req_query(r, "done"))
		page_notice(r, "ok", _("The service promise was saved."));
	promise_section(r, tid, &terms, p, usable, view == VIEW_CLIENT, true);
	if (view == VIEW_PROFESSIONAL && t.phase != TRAJ_CLOSED) {
		P(r, "<section aria-labelledby=\"h-edit\"><h2 id=\"h-edit\">");
		T(r, _("Change the service promise"));
		P(r, "</h2>\n");
		if (why)
			page_notice(r, "error", _("The promise was not saved. Please correct the field marked below."));
		form_begin(r, traj_url(r, tid, "/promise"));
		terms_fields(r, typed ? typed : &terms, bad_field, why);
		form_submit(r, _("Save the service promise"));
		form_end(r);
		P(r, "</section>\n");
	}
	page_end(r);
	return 0;
}

int
ui_traj_promise(struct req *r)
{
	return promise_page(r, web_obj(r)->id, NULL, NULL, NULL);
}

int
ui_traj_promise_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	struct promise_terms t;
	const char *why = NULL, *bad = NULL;
	int64_t tid;
	int rc;

	if ((rc = change_begin(r, &tid)) != 0)
		return rc;
	if (terms_from_form(r, &t, &why, &bad) != 0)
		return promise_page(r, tid, &t, bad, why);
	event_for(r, &ev, AUDIT_UPDATE, "trajectory", tid);
	if ((rc = traj_terms_set(app->db, tid, &t, &ev)) != 0)
		return rc;
	resp_redirect(r, traj_url(r, tid, "/promise?done=promise"));
	return 0;
}
