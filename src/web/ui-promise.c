/*
 * ui-promise.c - a trajectory's service promise on the web: shown (on the
 * first page and on its own page), its form (also part of starting a
 * trajectory), and the page where a professional changes it.  The
 * promise's rules are trajectory/terms.c's (traj_terms_check); a refused
 * form is shown again as typed, with the reason next to its field.
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
#include "web/ui-traj.h"
#include "web/web_int.h"
#include "core/banned.h"

/* Upcoming days off the first page lists before "and more". */
#define PROMISE_DAYS_SHOWN 5

static const char *const wday_names[7] = {
	N_("Sunday"), N_("Monday"), N_("Tuesday"), N_("Wednesday"),
	N_("Thursday"), N_("Friday"), N_("Saturday"),
};

/* --- small helpers of the promise ---------------------------------------- */

static int64_t
today(const struct tz *tz, time_t now)
{
	struct tz_local l;

	if (tz == NULL || tz_to_local(tz, now, &l) != 0)
		return (int64_t)now / 86400;
	return tz_days_from_civil(l.year, l.month, l.day);
}

static void
clock_text(struct req *r, unsigned minutes)
{
	PF(r, "%02u:%02u", minutes / 60, minutes % 60);
}

/* --- the promise form --------------------------------------------------- */

/* One labelled field with an optional hint, and the reason when a refused
 * form names it (page_field_*).  kind: "text", "number" or "textarea". */
void
uit_field(struct req *r, const char *name, const char *label, const char *hint,
    const char *kind, const char *value, const char *extra)
{
	bool area = strcmp(kind, "textarea") == 0;
	const char *hint_id = hint ? arena_printf(&r->arena, "h-%s", name) :
	    NULL;

	P(r, "<p class=\"field\"><label for=\"f-");
	A(r, name);
	P(r, "\">");
	T(r, label);
	P(r, "</label>\n");
	if (hint) {
		P(r, "<span class=\"muted\" id=\"");
		A(r, hint_id);
		P(r, "\">");
		T(r, hint);
		P(r, "</span>\n");
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
	page_field_attrs(r, name, hint_id);
	P(r, ">");
	if (area) {
		T(r, value);
		P(r, "</textarea>");
	}
	page_field_error(r, name);
	P(r, "</p>\n");
}

void
uit_terms_fields(struct req *r, const struct promise_terms *t)
{
	const char *hours = arena_printf(&r->arena, "%lld",
	    (long long)((t->reply_minutes + 59) / 60));
	const char *days = arena_printf(&r->arena, "%lld",
	    (long long)t->contact_days);

	P(r, "<fieldset><legend>");
	T(r, _("Service promise"));
	P(r, "</legend>\n");
	uit_field(r, "reply_hours", _("Reply time, in working hours"),
	    _("A client's message gets a reply within this many working hours."),
	    "number", hours, arena_printf(&r->arena,
	    " min=\"1\" max=\"%d\" required", LIMIT_PROMISE_REPLY_HOURS));
	uit_field(r, "schedule", _("Working days and hours"),
	    _("For example: mon-fri 09:00-17:00; sat 10:00-12:00 (Dutch day names work too)."),
	    "text", t->schedule, " required");
	uit_field(r, "holidays", _("Days off"),
	    _("Dates such as 2026-12-25 and periods such as 2026-12-28..2027-01-01, separated by commas. Days off do not count as working time."),
	    "textarea", t->holidays, NULL);
	uit_field(r, "contact_days", _("Expected contact: at least once every so many days"),
	    _("0 means nothing is agreed."), "number", days,
	    arena_printf(&r->arena, " min=\"0\" max=\"%d\" required",
	    LIMIT_PROMISE_CONTACT_DAYS));
	uit_field(r, "reachable", _("Reachable hours"),
	    _("Leave empty when you are reachable during the working hours."),
	    "text", t->reachable, NULL);
	uit_field(r, "not_reachable", _("When you cannot be reached"),
	    _("For example: not in the evening and at weekends; not during school holidays."),
	    "textarea", t->not_reachable, NULL);
	uit_field(r, "emergency", _("What to do in an emergency"),
	    _("The client sees this on the first page of the trajectory."),
	    "textarea", t->emergency, NULL);
	uit_field(r, "tz", _("Time zone"),
	    _("A name such as Europe/Amsterdam; deadlines follow its clock."),
	    "text", t->tz, " required");
	P(r, "</fieldset>\n");
}

/* The promise as typed into the form, for the domain to check
 * (traj_terms_check says why).  A number that does not parse is passed on
 * as -1, which no promise allows, so the reason is the domain's. */
void
uit_terms_from_form(struct req *r, struct promise_terms *t)
{
	int64_t hours, days;

	memset(t, 0, sizeof(*t));
	t->tz = page_form(r, "tz");
	t->schedule = page_form(r, "schedule");
	t->reachable = page_form(r, "reachable");
	t->holidays = page_form(r, "holidays");
	t->not_reachable = page_form(r, "not_reachable");
	t->emergency = page_form(r, "emergency");
	/* Bounded so that the minutes cannot overflow. */
	if (num_parse_i64(str_trim(str_c(page_form(r, "reply_hours"))), 0,
	    INT32_MAX, &hours) != 0)
		hours = -1;
	if (num_parse_i64(str_trim(str_c(page_form(r, "contact_days"))), 0,
	    INT32_MAX, &days) != 0)
		days = -1;
	t->reply_minutes = hours * 60;
	t->contact_days = days;
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
		A(r, uit_url(r, tid, "/promise"));
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
void
uit_promise_section(struct req *r, int64_t tid, const struct promise_terms *t,
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
		uit_text_lines(r, t->not_reachable);
		P(r, "</dd>\n");
	}
	P(r, "<dt>");
	T(r, _("In an emergency"));
	P(r, "</dt><dd><strong>");
	if (t->emergency && t->emergency[0])
		uit_text_lines(r, t->emergency);
	else
		T(r, _("Do not wait for a reply here. In a life-threatening situation call 112; otherwise call your general practitioner."));
	P(r, "</strong></dd>\n</dl>\n<p class=\"muted\">");
	T(r, _("Times are shown in the time zone"));
	P(r, " ");
	T(r, t->tz);
	P(r, ".");
	if (!full) {
		P(r, " <a href=\"");
		A(r, uit_url(r, tid, "/promise"));
		P(r, "\">");
		T(r, _("The full service promise"));
		P(r, "</a>");
	}
	P(r, "</p></section>\n");
}

/* --- the promise page --------------------------------------------------- */

/*
 * The promise in full; a professional of an open trajectory gets the form.
 * typed: the form's values after a refusal (page_refuse has the reason),
 * else NULL.
 */
static int
promise_page(struct req *r, int64_t tid, const struct promise_terms *typed)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	enum view view = uit_view_of(s);
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
	page_begin(r, _("Service promise"));
	P(r, "<p><a href=\"");
	A(r, uit_url(r, tid, ""));
	P(r, "\">");
	T(r, _("Back to the trajectory"));
	P(r, "</a></p>\n");
	if (req_query(r, "done"))
		page_notice(r, "ok", _("The service promise was saved."));
	uit_promise_section(r, tid, &terms, p, usable, view == VIEW_CLIENT,
	    true);
	if (view == VIEW_PROFESSIONAL && t.phase != TRAJ_CLOSED) {
		P(r, "<section aria-labelledby=\"h-edit\"><h2 id=\"h-edit\">");
		T(r, _("Change the service promise"));
		P(r, "</h2>\n");
		form_begin(r, uit_url(r, tid, "/promise"));
		uit_terms_fields(r, typed ? typed : &terms);
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
	return promise_page(r, web_obj(r)->id, NULL);
}

int
ui_traj_promise_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	struct promise_terms t;
	struct why why = { 0 };
	int64_t tid;
	int rc;

	/* The router checked that the caller may change it. */
	tid = web_obj(r)->id;
	uit_terms_from_form(r, &t);
	uit_event_for(r, &ev, AUDIT_UPDATE, "trajectory", tid);
	if ((rc = traj_terms_set(app->db, tid, &t, &ev, &why)) != 0)
		return page_refuse(r, &why, rc) ? rc :
		    promise_page(r, tid, &t);
	resp_redirect(r, uit_url(r, tid, "/promise?done=promise"));
	return 0;
}
