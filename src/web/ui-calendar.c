/*
 * ui-calendar.c - the calendar of the person logged in (a day, a week or
 * a month of appointments, with a professional's follow-up tasks), a
 * professional's hours for appointments, and the private iCalendar feed:
 * its URL (a secret token in the path, shown once), its revocation, and
 * the feed itself.
 *
 * The calendar is a list per day with headings, which a screen reader
 * walks as easily as an eye, and plain links to move between periods: no
 * script.  The feed route is anonymous; its token is the credential (only
 * its hash is stored) and client names are in it only when the
 * professional chose so.
 */
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "appointment/appointment.h"
#include "calendar/calendar.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/num.h"
#include "identity/identity.h"
#include "promise/tz.h"
#include "trajectory/trajectory.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

enum view { VIEW_DAY, VIEW_WEEK, VIEW_MONTH };

struct period {
	enum view view;
	int64_t first, last;   /* local day numbers, inclusive */
	int64_t prev, next;    /* the first day of the periods around */
	time_t from, to;
};

static time_t
day_start(const struct tz *tz, int64_t day)
{
	int64_t y;
	int m, d;
	time_t t = 0;

	tz_civil_from_days(day, &y, &m, &d);
	if (tz_from_local(tz, (int)y, m, d, 0, 0, 0, &t) != 0)
		return (time_t)day * 86400;
	return t;
}

static void
period_of(const struct tz *tz, enum view v, int64_t day, struct period *p)
{
	int64_t y;
	int m, d;

	p->view = v;
	switch (v) {
	case VIEW_DAY:
		p->first = p->last = day;
		p->prev = day - 1;
		p->next = day + 1;
		break;
	case VIEW_WEEK:
		/* Monday first, as in the Netherlands. */
		p->first = day - (tz_weekday(day) + 6) % 7;
		p->last = p->first + 6;
		p->prev = p->first - 7;
		p->next = p->first + 7;
		break;
	case VIEW_MONTH:
		tz_civil_from_days(day, &y, &m, &d);
		p->first = tz_days_from_civil(y, m, 1);
		p->last = p->first + tz_days_in_month(y, m) - 1;
		p->next = p->last + 1;
		p->prev = m == 1 ? tz_days_from_civil(y - 1, 12, 1) :
		    tz_days_from_civil(y, m - 1, 1);
		break;
	}
	p->from = day_start(tz, p->first);
	p->to = day_start(tz, p->last + 1);
}

static const char *const view_names[] = { "day", "week", "month" };

static const char *
day_param(struct req *r, int64_t day)
{
	int64_t y;
	int m, d;

	tz_civil_from_days(day, &y, &m, &d);
	return arena_printf(&r->arena, "%04d-%02d-%02d", (int)y, m, d);
}

static void
nav(struct req *r, const struct period *p, int64_t today)
{
	const char *v = view_names[p->view];
	int i;

	P(r, "<nav class=\"cal-nav\" aria-label=\"");
	A(r, _("Calendar periods"));
	P(r, "\"><ul>");
	PF(r, "<li><a href=\"/calendar?view=%s&amp;date=%s\" rel=\"prev\">", v,
	    day_param(r, p->prev));
	T(r, _("Previous"));
	PF(r, "</a></li><li><a href=\"/calendar?view=%s&amp;date=%s\">", v,
	    day_param(r, today));
	T(r, _("Today"));
	PF(r, "</a></li><li><a href=\"/calendar?view=%s&amp;date=%s\" "
	    "rel=\"next\">", v, day_param(r, p->next));
	T(r, _("Next"));
	P(r, "</a></li>");
	for (i = 0; i < 3; i++) {
		static const char *labels[] = { N_("Day"), N_("Week"),
		    N_("Month") };

		PF(r, "<li><a href=\"/calendar?view=%s&amp;date=%s\"%s>",
		    view_names[i], day_param(r, p->first),
		    (int)p->view == i ? " aria-current=\"page\"" : "");
		T(r, _(labels[i]));
		P(r, "</a></li>");
	}
	P(r, "</ul></nav>\n");
}

/* The reason next to the field it is about. */
static void
field_msg(struct req *r, const char *at, const char *field, const char *msg)
{
	if (at == NULL || msg == NULL || strcmp(at, field) != 0)
		return;
	PF(r, "<p class=\"field-error\" id=\"h-%s-error\">", field);
	T(r, msg);
	P(r, "</p>\n");
}

static void
hours_form(struct req *r, const struct appt_hours_text *t,
    const struct why *w, const char *msg)
{
	const char *f = w ? w->field : NULL;

	P(r, "<section aria-labelledby=\"h-hours\"><h2 id=\"h-hours\">");
	T(r, _("Hours for appointments"));
	P(r, "</h2>\n");
	form_begin(r, "/calendar/hours");
	P(r, "<p><label for=\"h-schedule\">");
	T(r, _("Weekly hours (for example: mon-fri 09:00-12:00, 13:00-17:00)"));
	P(r, "</label><br><input type=\"text\" id=\"h-schedule\" "
	    "name=\"schedule\" size=\"50\" required value=\"");
	A(r, t->schedule ? t->schedule : "");
	P(r, "\"></p>\n");
	field_msg(r, f, "schedule", msg);
	P(r, "<p><label for=\"h-exceptions\">");
	T(r, _("Days off (for example: 2026-12-24..2026-12-31)"));
	P(r, "</label><br><input type=\"text\" id=\"h-exceptions\" "
	    "name=\"exceptions\" size=\"50\" value=\"");
	A(r, t->exceptions ? t->exceptions : "");
	P(r, "\"></p>\n");
	field_msg(r, f, "exceptions", msg);
	P(r, "<p><label for=\"h-slot\">");
	T(r, _("Length of an appointment (minutes)"));
	PF(r, "</label> <input type=\"number\" id=\"h-slot\" "
	    "name=\"slot_minutes\" min=\"5\" max=\"480\" value=\"%lld\">"
	    "</p>\n", (long long)t->slot_minutes);
	P(r, "<p><label for=\"h-before\">");
	T(r, _("Buffer before (minutes)"));
	PF(r, "</label> <input type=\"number\" id=\"h-before\" "
	    "name=\"buffer_before\" min=\"0\" max=\"120\" value=\"%lld\">"
	    "</p>\n<p><label for=\"h-after\">", (long long)t->buffer_before);
	T(r, _("Buffer after (minutes)"));
	PF(r, "</label> <input type=\"number\" id=\"h-after\" "
	    "name=\"buffer_after\" min=\"0\" max=\"120\" value=\"%lld\"></p>\n",
	    (long long)t->buffer_after);
	P(r, "<p><label for=\"h-late\">");
	T(r, _("A cancellation is late within this many hours"));
	PF(r, "</label> <input type=\"number\" id=\"h-late\" "
	    "name=\"late_hours\" min=\"0\" max=\"336\" value=\"%lld\"></p>\n",
	    (long long)t->late_hours);
	PF(r, "<p><input type=\"checkbox\" id=\"h-clients\" "
	    "name=\"clients_book\" value=\"1\"%s> <label for=\"h-clients\">",
	    t->clients_book ? " checked" : "");
	T(r, _("Clients book open times themselves (otherwise they ask and "
	    "you confirm)"));
	P(r, "</label></p>\n");
	field_msg(r, f, "slot_minutes", msg);
	field_msg(r, f, "buffers", msg);
	field_msg(r, f, "late_hours", msg);
	form_submit(r, _("Save hours"));
	form_end(r);
	P(r, "</section>\n");
}

static void
feed_section(struct req *r, const char *token)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	bool live = false, names = false;

	appt_feed_state(app->db, s->org_id, s->user_id, &live, &names);
	P(r, "<section aria-labelledby=\"h-feed\"><h2 id=\"h-feed\">");
	T(r, _("Private calendar feed"));
	P(r, "</h2>\n<p>");
	T(r, _("Subscribe to your appointments in your own calendar program. "
	    "Whoever has the address can read the feed: keep it to yourself, "
	    "and make a new one or switch it off when it may have leaked."));
	P(r, "</p>\n");
	if (token != NULL) {
		const char *base = app->cfg.base_url ? app->cfg.base_url : "";

		P(r, "<p class=\"notice notice-ok\">");
		T(r, _("Your feed address (shown only now):"));
		P(r, " <code id=\"feed-url\">");
		T(r, base);
		P(r, "/feed/");
		T(r, token);
		P(r, "</code></p>\n");
	} else if (live) {
		P(r, "<p id=\"feed-state\">");
		T(r, names ? _("A feed is active, with client names.") :
		    _("A feed is active, without client names."));
		P(r, "</p>\n");
	}
	form_begin(r, "/calendar/feed");
	P(r, "<p><input type=\"checkbox\" id=\"feed-names\" name=\"names\" "
	    "value=\"1\"> <label for=\"feed-names\">");
	T(r, _("Show client names in the feed"));
	P(r, "</label></p>\n");
	form_submit(r, live ? _("Make a new feed address") :
	    _("Make a feed address"));
	form_end(r);
	if (live)
		form_button(r, "/calendar/feed/revoke", _("Switch the feed off"));
	P(r, "</section>\n");
}

static int
calendar_page(struct req *r, const struct appt_hours_text *form,
    const struct why *w, int status, const char *token)
{
	struct app *app = r->app;
	struct appt_actor who = ui_appt_actor(r);
	const struct tz *tz = page_zone(r, NULL);
	const char *vq = req_query(r, "view"), *dq = req_query(r, "date");
	const char *done = req_query(r, "done");
	struct appointment *list = NULL;
	struct appt_hours_text ht;
	struct appt_filter f;
	struct tz_local l;
	struct period p;
	enum view v = VIEW_WEEK;
	int64_t today, day, *clients, *tasks = NULL;
	size_t n = 0, i, k, nt = 0;
	int rc;

	if (tz == NULL || tz_to_local(tz, time(NULL), &l) != 0)
		return ERR_INTERNAL;
	today = tz_days_from_civil(l.year, l.month, l.day);
	for (i = 0; vq && i < 3; i++)
		if (strcmp(vq, view_names[i]) == 0)
			v = (enum view)i;
	day = today;
	if (dq && dq[0] && page_parse_day(dq, &day) != 0)
		return ERR_INVAL;
	period_of(tz, v, day, &p);
	memset(&f, 0, sizeof(f));
	f.org_id = who.org_id;
	if (who.professional)
		f.prof_id = who.user_id;
	else
		f.client_id = who.user_id;
	f.from = p.from;
	f.to = p.to;
	if ((rc = appt_list(app->db, app->kr, &f, &r->arena, &list, &n)) != 0)
		return rc;
	/* Log first, then show: every client whose appointment is on it. */
	clients = arena_calloc(&r->arena, n + 1, sizeof(*clients));
	for (i = 0; i < n; i++)
		clients[i] = list[i].client_id;
	if ((rc = appt_log_read(app->db, &who, clients, n, 0,
	    "calendar")) != 0)
		return rc;
	appt_fill_names(app->db, &r->arena, list, n);
	if (who.professional &&
	    (rc = appt_tasks(app->db, who.user_id, &r->arena, &tasks, &nt)) != 0)
		return rc;

	if (status)
		r->status = status;
	page_begin(r, _("Calendar"));
	if (done && strcmp(done, "hours") == 0)
		page_notice(r, "ok", _("Your hours are saved."));
	else if (done && strcmp(done, "revoked") == 0)
		page_notice(r, "ok", _("The feed is switched off; its address "
		    "no longer works."));
	else if (done && strcmp(done, "followed-up") == 0)
		page_notice(r, "ok", _("The task is done."));
	nav(r, &p, today);
	P(r, "<h2 id=\"h-period\">");
	T(r, page_day(r, p.first));
	if (p.last != p.first) {
		P(r, " &ndash; ");
		T(r, page_day(r, p.last));
	}
	P(r, "</h2>\n");
	k = 0;
	for (day = p.first; day <= p.last; day++) {
		time_t end = day_start(tz, day + 1);
		bool any = k < n && list[k].starts_at < end;

		/* A month lists only its days with appointments. */
		if (!any && v == VIEW_MONTH)
			continue;
		PF(r, "<section class=\"cal-day%s\" aria-labelledby=\"d-%lld\">"
		    "<h3 id=\"d-%lld\">", day == today ? " today" : "",
		    (long long)day, (long long)day);
		T(r, page_day(r, day));
		P(r, "</h3>\n");
		if (!any) {
			P(r, "<p class=\"empty\">");
			T(r, _("No appointments."));
			P(r, "</p>\n");
		} else {
			P(r, "<ul class=\"appts\">\n");
			for (; k < n && list[k].starts_at < end; k++) {
				const struct appointment *a = &list[k];

				if (tz_to_local(tz, a->starts_at, &l) != 0)
					continue;
				PF(r, "<li class=\"appt appt-%s\"><a "
				    "href=\"/appointments/%lld\">%02d:%02d</a> ",
				    appt_status_name(a->status),
				    (long long)a->id, l.hour, l.min);
				T(r, ui_appt_kind_label(a->kind));
				P(r, ", ");
				T(r, who.professional ? a->client_name :
				    a->prof_name);
				P(r, " &ndash; ");
				T(r, ui_appt_status_label(a->status));
				P(r, "</li>\n");
			}
			P(r, "</ul>\n");
		}
		P(r, "</section>\n");
	}
	if (n == 0 && v == VIEW_MONTH) {
		P(r, "<p>");
		T(r, _("No appointments this month."));
		P(r, "</p>\n");
	}
	if (who.professional) {
		P(r, "<section aria-labelledby=\"h-tasks\"><h2 id=\"h-tasks\">");
		T(r, _("Follow-up tasks"));
		P(r, "</h2>\n");
		if (nt == 0) {
			P(r, "<p>");
			T(r, _("Nothing to follow up."));
			P(r, "</p>\n");
		} else {
			P(r, "<ul id=\"tasks\">\n");
			for (i = 0; i < nt; i++) {
				PF(r, "<li><a href=\"/appointments/%lld\">",
				    (long long)tasks[i]);
				T(r, _("Missed appointment: follow up with the "
				    "client"));
				P(r, "</a></li>\n");
			}
			P(r, "</ul>\n");
		}
		P(r, "</section>\n");
		memset(&ht, 0, sizeof(ht));
		if (form != NULL)
			ht = *form;
		else if (appt_hours_text_get(app->db, who.org_id, who.user_id,
		    &r->arena, &ht) != 0) {
			ht.schedule = "";
			ht.exceptions = "";
			ht.slot_minutes = LIMIT_APPT_DEFAULT_MINUTES;
			ht.clients_book = true;
			ht.late_hours = 24;
		}
		hours_form(r, &ht, w, w ? page_why(r, w) : NULL);
		feed_section(r, token);
	}
	page_end(r);
	return 0;
}

int
ui_calendar(struct req *r)
{
	return calendar_page(r, NULL, NULL, 0, NULL);
}

static int64_t
form_num(struct req *r, const char *name, int64_t dflt)
{
	const char *v = page_form(r, name);
	int64_t n;

	if (v[0] == '\0')
		return dflt;
	/* Out of range or no number: a value the domain refuses. */
	return num_parse_i64(str_c(v), -1000000, 1000000, &n) == 0 ? n : -1;
}

int
ui_calendar_hours_post(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct appt_hours_text t;
	struct why w = { 0 };
	int rc;

	memset(&t, 0, sizeof(t));
	t.schedule = page_form(r, "schedule");
	t.exceptions = page_form(r, "exceptions");
	t.slot_minutes = form_num(r, "slot_minutes",
	    LIMIT_APPT_DEFAULT_MINUTES);
	t.buffer_before = form_num(r, "buffer_before", 0);
	t.buffer_after = form_num(r, "buffer_after", 0);
	t.late_hours = form_num(r, "late_hours", 24);
	t.clients_book = strcmp(page_form(r, "clients_book"), "1") == 0;
	rc = appt_hours_set(app->db, s->org_id, s->user_id, &t, &w);
	if (rc == 0) {
		resp_redirect(r, "/calendar?done=hours");
		return 0;
	}
	if (w.msg == NULL)
		return rc;
	return calendar_page(r, &t, &w, err_status(rc), NULL);
}

int
ui_calendar_feed_post(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct buf tok = BUF_INIT;
	const char *token;
	int rc;

	rc = appt_feed_create(app->db, s->org_id, s->user_id,
	    strcmp(page_form(r, "names"), "1") == 0, time(NULL), &tok);
	if (rc != 0) {
		buf_wipe(&tok);
		return rc;
	}
	token = arena_strndup(&r->arena, tok.p, tok.len);
	buf_wipe(&tok);
	/* Shown once, on this answer to the POST; never stored in plain. */
	resp_header(r, "Cache-Control", "no-store");
	return calendar_page(r, NULL, NULL, 0, token);
}

int
ui_calendar_feed_revoke_post(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	int rc;

	if ((rc = appt_feed_revoke(app->db, s->org_id, s->user_id,
	    time(NULL))) != 0)
		return rc;
	resp_redirect(r, "/calendar?done=revoked");
	return 0;
}

/* GET /feed/:token: the professional's appointments from 90 days back,
 * as a PUBLISH calendar.  An unknown or revoked token is a plain 404. */
int
ui_calendar_feed(struct req *r)
{
	struct app *app = r->app;
	const char *token = req_param(r, "token");
	struct appointment *list = NULL;
	struct cal_event *ev;
	struct appt_filter f;
	struct appt_actor who;
	const struct tz *tz;
	struct buf b = BUF_INIT;
	struct org org;
	int64_t org_id = 0, prof = 0, *clients;
	time_t now = time(NULL);
	size_t n = 0, i;
	bool names = false;
	int rc;

	if ((rc = appt_feed_lookup(app->db, token, &org_id, &prof,
	    &names)) != 0)
		return rc;
	if ((rc = org_get(app->db, org_id, &r->arena, &org)) != 0 ||
	    (rc = tz_cache_get(app->tzc, org.tz, &tz)) != 0)
		return rc;
	memset(&f, 0, sizeof(f));
	f.org_id = org_id;
	f.prof_id = prof;
	f.from = now - 90 * 86400;
	f.to = now + (time_t)LIMIT_APPT_AHEAD_DAYS * 86400;
	if ((rc = appt_list(app->db, names ? app->kr : NULL, &f, &r->arena,
	    &list, &n)) != 0)
		return rc;
	if (names) {
		/* The names and places are client data: logged first. */
		memset(&who, 0, sizeof(who));
		who.user_id = prof;
		who.org_id = org_id;
		who.professional = true;
		who.role = "professional";
		who.address = r->remote_addr;
		who.device = r->user_agent;
		clients = arena_calloc(&r->arena, n + 1, sizeof(*clients));
		for (i = 0; i < n; i++)
			clients[i] = list[i].client_id;
		if ((rc = appt_log_read(app->db, &who, clients, n, 0,
		    "feed")) != 0)
			return rc;
		appt_fill_names(app->db, &r->arena, list, n);
	}
	ev = arena_calloc(&r->arena, n + 1, sizeof(*ev));
	for (i = 0; i < n; i++) {
		const struct appointment *a = &list[i];

		ev[i].uid = a->uid;
		ev[i].sequence = a->sequence;
		ev[i].start = a->starts_at;
		ev[i].end = a->ends_at;
		ev[i].cancelled = a->status == APPT_CANCELLED ||
		    a->status == APPT_NOSHOW;
		ev[i].summary = names && a->client_name[0] ?
		    arena_printf(&r->arena, "%s: %s",
		    ui_appt_kind_label(a->kind), a->client_name) :
		    ui_appt_kind_label(a->kind);
		ev[i].location = names ? a->location : NULL;
		/* RFC 5546 3.2.1: a PUBLISH names its organizer. */
		ev[i].organizer = app->cfg.smtp_from && app->cfg.smtp_from[0] ?
		    app->cfg.smtp_from : "noreply@infuus.invalid";
	}
	if ((rc = cal_write(CAL_PUBLISH, tz, ev, n, now, &b)) != 0)
		goto out;
	r->status = 200;
	r->resp_type = "text/calendar; charset=utf-8";
	resp_header(r, "Cache-Control", "private, no-store");
	resp_header(r, "Referrer-Policy", "no-referrer");
	buf_add(&r->resp, b.p, b.len);
out:
	buf_release(&b);
	return rc;
}
