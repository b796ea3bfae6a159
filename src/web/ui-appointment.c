/*
 * ui-appointment.c - a trajectory's appointments and one appointment:
 * booking (a client picks an open slot, a professional any free time),
 * rescheduling, cancelling with a reason, confirming a request, the
 * no-show mark, and the appointment as an .ics invitation.
 *
 * The router has checked the trajectory or appointment of the path
 * (web_obj); the appointment module decides everything about the input
 * and says why it refused (struct why), which is shown next to the field
 * with the status of the error.  Times are shown and typed on the
 * organisation's wall clock.  Reads of appointments are in the access log
 * before they are shown.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "appointment/appointment.h"
#include "calendar/calendar.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "identity/identity.h"
#include "notify/notify.h"
#include "identity/role.h"
#include "promise/tz.h"
#include "trajectory/trajectory.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

/* Open slots offered at once, and the days they are looked for. */
#define SLOTS_SHOWN 60
#define SLOT_DAYS 28

struct ferr {
	const char *form;    /* "book", "move", "cancel", "other" */
	const char *field;
	const char *msg;
	int status;
};

struct appt_actor
ui_appt_actor(struct req *r)
{
	const struct session *s = page_session(r);
	struct appt_actor a;

	memset(&a, 0, sizeof(a));
	a.user_id = s->user_id;
	a.org_id = s->org_id;
	a.professional = s->role == ROLE_PROFESSIONAL;
	a.role = role_name(s->role);
	a.address = r->remote_addr;
	a.device = r->user_agent;
	return a;
}

const char *
ui_appt_kind_label(enum appt_kind k)
{
	switch (k) {
	case APPT_VISIT: return _("Face-to-face");
	case APPT_VIDEO: return _("Video call");
	case APPT_PHONE: return _("Phone call");
	}
	return "?";
}

void
ui_appt_facts(struct req *r, const struct tz *tz, const struct appointment *a)
{
	P(r, "<dt>");
	T(r, _("When"));
	P(r, "</dt><dd>");
	T(r, page_time_tz(r, tz, a->starts_at));
	PF(r, " (%lld ", (long long)((a->ends_at - a->starts_at) / 60));
	T(r, _("minutes"));
	P(r, ")</dd><dt>");
	T(r, _("Kind"));
	P(r, "</dt><dd>");
	T(r, ui_appt_kind_label(a->kind));
	P(r, "</dd>");
	if (a->location[0]) {
		P(r, "<dt>");
		T(r, _("Location"));
		P(r, "</dt><dd>");
		T(r, a->location);
		P(r, "</dd>");
	}
}

const char *
ui_appt_status_label(enum appt_status s)
{
	switch (s) {
	case APPT_REQUESTED: return _("Requested");
	case APPT_BOOKED: return _("Booked");
	case APPT_CANCELLED: return _("Cancelled");
	case APPT_NOSHOW: return _("Missed (no-show)");
	}
	return "?";
}

static void
error_at(struct req *r, const struct ferr *e, const char *form,
    const char *field)
{
	if (e == NULL || e->msg == NULL || strcmp(e->form, form) != 0)
		return;
	if (field == NULL ? e->field != NULL :
	    e->field == NULL || strcmp(e->field, field) != 0)
		return;
	PF(r, "<p class=\"field-error\" id=\"%s-%s-error\">", form,
	    field ? field : "all");
	T(r, e->msg);
	P(r, "</p>\n");
}

/* An instant from the form's date and time on the organisation's clock;
 * -1 when they do not make one. */
static time_t
form_time(struct req *r, const struct tz *tz)
{
	const char *d = page_form(r, "date"), *t = page_form(r, "time");
	int64_t day, y, hh, mm;
	int mo, dd;
	time_t out;

	if (page_parse_day(d, &day) != 0 || strlen(t) != 5 || t[2] != ':' ||
	    num_parse_i64((struct str){ t, 2 }, 0, 23, &hh) != 0 ||
	    num_parse_i64((struct str){ t + 3, 2 }, 0, 59, &mm) != 0)
		return -1;
	tz_civil_from_days(day, &y, &mo, &dd);
	if (tz_from_local(tz, (int)y, mo, dd, (int)hh, (int)mm, 0, &out) != 0)
		return -1;
	return out;
}

/* The time a form asks for: a slot's value or a typed date and time. */
static time_t
chosen_time(struct req *r, const struct tz *tz)
{
	const char *slot = page_form(r, "slot");
	int64_t t;

	if (slot[0] != '\0')
		return num_parse_i64(str_c(slot), 1, TZ_TIME_MAX, &t) == 0 ?
		    (time_t)t : -1;
	return form_time(r, tz);
}

/* The first professional of a trajectory (whose agenda a client books
 * in); 0 when it has none. */
static int64_t
traj_professional(struct req *r, int64_t tid)
{
	struct app *app = r->app;
	struct traj_member *m = NULL;
	size_t n = 0, i;

	if (traj_members(app->db, tid, &r->arena, &m, &n) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (m[i].professional)
			return m[i].user_id;
	return 0;
}

/* The time fields of a booking or rescheduling form: open slots for a
 * client, a date and time for a professional. */
static void
time_fields(struct req *r, const struct tz *tz, int64_t prof_id,
    const char *form, const struct ferr *e)
{
	struct app *app = r->app;
	time_t now = time(NULL), s[SLOTS_SHOWN];
	struct tz_local l;
	int64_t day = -1;
	size_t n = 0, i;
	int rc;

	if (ui_appt_actor(r).professional) {
		PF(r, "<p><label for=\"%s-date\">", form);
		T(r, _("Date"));
		PF(r, "</label> <input type=\"date\" id=\"%s-date\" "
		    "name=\"date\" required></p>\n", form);
		PF(r, "<p><label for=\"%s-time\">", form);
		T(r, _("Time"));
		PF(r, "</label> <input type=\"time\" id=\"%s-time\" "
		    "name=\"time\" required></p>\n", form);
		error_at(r, e, form, "starts_at");
		return;
	}
	rc = appt_open_slots(app->db, ui_appt_actor(r).org_id, prof_id, tz,
	    now, now, now + (time_t)SLOT_DAYS * 86400, s, SLOTS_SHOWN, &n);
	PF(r, "<fieldset id=\"%s-slots\"><legend>", form);
	T(r, _("Open times"));
	P(r, "</legend>\n");
	error_at(r, e, form, "starts_at");
	if (rc == ERR_NOTFOUND || (rc == 0 && n == 0)) {
		P(r, "<p>");
		T(r, _("There are no open times in the coming four weeks. "
		    "Send your professional a message to ask for a time."));
		P(r, "</p>");
	} else if (rc != 0) {
		P(r, "<p>");
		T(r, err_msg(rc));
		P(r, "</p>");
	}
	for (i = 0; i < n; i++) {
		if (tz_to_local(tz, s[i], &l) != 0)
			continue;
		if (tz_days_from_civil(l.year, l.month, l.day) != day) {
			if (day >= 0)
				P(r, "</p>\n");
			day = tz_days_from_civil(l.year, l.month, l.day);
			P(r, "<p class=\"slot-day\"><strong>");
			T(r, page_day(r, day));
			P(r, "</strong><br>\n");
		}
		PF(r, "<label class=\"slot\"><input type=\"radio\" "
		    "name=\"slot\" value=\"%lld\" required> %02d:%02d</label>\n",
		    (long long)s[i], l.hour, l.min);
	}
	if (day >= 0)
		P(r, "</p>\n");
	P(r, "</fieldset>\n");
}

static void
kind_fields(struct req *r, const struct ferr *e)
{
	static const enum appt_kind kinds[] = {
		APPT_VIDEO, APPT_PHONE, APPT_VISIT,
	};
	const char *cur = page_form(r, "kind");
	size_t i;

	P(r, "<p><label for=\"book-kind\">");
	T(r, _("Kind"));
	P(r, "</label> <select id=\"book-kind\" name=\"kind\">");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		PF(r, "<option value=\"%s\"%s>", appt_kind_name(kinds[i]),
		    strcmp(cur, appt_kind_name(kinds[i])) == 0 ?
		    " selected" : "");
		T(r, ui_appt_kind_label(kinds[i]));
		P(r, "</option>");
	}
	P(r, "</select></p>\n");
	error_at(r, e, "book", "kind");
	P(r, "<p><label for=\"book-location\">");
	T(r, _("Location (face-to-face only)"));
	P(r, "</label> <input type=\"text\" id=\"book-location\" "
	    "name=\"location\" maxlength=\"300\" value=\"");
	A(r, page_form(r, "location"));
	P(r, "\"></p>\n");
	error_at(r, e, "book", "location");
	error_at(r, e, "book", "professional");
	error_at(r, e, "book", "minutes");
}

static void
appt_row(struct req *r, const struct tz *tz, const struct appointment *a,
    bool names)
{
	PF(r, "<li class=\"appt appt-%s\"><a href=\"/appointments/%lld\">",
	    appt_status_name(a->status), (long long)a->id);
	T(r, page_time_tz(r, tz, a->starts_at));
	P(r, "</a> &ndash; ");
	T(r, ui_appt_kind_label(a->kind));
	P(r, ", ");
	T(r, ui_appt_status_label(a->status));
	if (a->status == APPT_CANCELLED && a->late) {
		P(r, " (");
		T(r, _("late"));
		P(r, ")");
	}
	if (names && a->client_name && *a->client_name) {
		P(r, " &ndash; ");
		T(r, a->client_name);
	}
	P(r, "</li>\n");
}

static int
traj_page(struct req *r, const struct ferr *e)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct appt_actor who = ui_appt_actor(r);
	const struct tz *tz = page_zone(r, NULL);
	struct appt_filter f;
	struct appointment *list = NULL;
	time_t now = time(NULL);
	size_t n = 0, i;
	int64_t prof;
	int rc;

	if (tz == NULL)
		return ERR_INTERNAL;
	memset(&f, 0, sizeof(f));
	f.org_id = o->org_id;
	f.traj_id = o->traj_id;
	f.from = now - 30 * 86400;
	f.to = now + (time_t)LIMIT_APPT_AHEAD_DAYS * 86400;
	if ((rc = appt_log_read(app->db, &who, &o->client_id, 1, 0,
	    "list")) != 0)
		return rc;
	if ((rc = appt_list(app->db, app->kr, &f, &r->arena, &list, &n)) != 0)
		return rc;
	if (e != NULL && e->status)
		r->status = e->status;
	page_begin(r, _("Appointments"));
	PF(r, "<p><a href=\"/t/%lld\">", (long long)o->traj_id);
	T(r, _("Back to the trajectory"));
	P(r, "</a> &middot; <a href=\"/calendar\">");
	T(r, _("Calendar"));
	P(r, "</a></p>\n");
	if (e != NULL && e->msg != NULL && e->field == NULL)
		page_notice(r, "error", e->msg);
	P(r, "<section aria-labelledby=\"h-list\"><h2 id=\"h-list\">");
	T(r, _("Planned and recent"));
	P(r, "</h2>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("No appointments yet."));
		P(r, "</p>\n");
	} else {
		P(r, "<ul class=\"appts\">\n");
		for (i = 0; i < n; i++)
			appt_row(r, tz, &list[i], false);
		P(r, "</ul>\n");
	}
	P(r, "</section>\n");

	prof = who.professional ? who.user_id :
	    traj_professional(r, o->traj_id);
	P(r, "<section aria-labelledby=\"h-book\"><h2 id=\"h-book\">");
	T(r, _("New appointment"));
	P(r, "</h2>\n");
	form_begin(r, arena_printf(&r->arena, "/t/%lld/appointments",
	    (long long)o->traj_id));
	PF(r, "<input type=\"hidden\" name=\"professional\" value=\"%lld\">\n",
	    (long long)prof);
	time_fields(r, tz, prof, "book", e);
	if (who.professional) {
		P(r, "<p><label for=\"book-minutes\">");
		T(r, _("Minutes"));
		P(r, "</label> <input type=\"number\" id=\"book-minutes\" "
		    "name=\"minutes\" min=\"5\" max=\"480\" value=\"60\"></p>\n");
	}
	kind_fields(r, e);
	form_submit(r, who.professional ? _("Book") : _("Book this time"));
	form_end(r);
	P(r, "</section>\n");
	page_end(r);
	return 0;
}

int
ui_appt_traj(struct req *r)
{
	return traj_page(r, NULL);
}

/* --- Invitations by e-mail ------------------------------------------------ */

struct invite_job {
	char *to[2];
	char *ics[2];
	char *method;
	char *subject;
	char *body;
};

static void
invite_send(struct app *app, void *arg)
{
	struct invite_job *j = arg;
	int i;

	for (i = 0; i < 2; i++) {
		const struct notify_smtp s = {
			.url = app->cfg.smtp_url,
			.from = app->cfg.smtp_from,
			.user = app->cfg.smtp_user,
			.password = app->cfg.smtp_password,
			.tls = app->cfg.smtp_tls,
			.calendar = j->ics[i],
			.calendar_method = j->method,
		};

		/* A failure is logged by notify_send (without the address);
		 * the appointment stands and its page has the .ics too. */
		if (j->to[i] != NULL && j->ics[i] != NULL)
			notify_send(&s, j->to[i], j->subject, j->body);
		free(j->to[i]);
		free(j->ics[i]);
	}
	free(j->method);
	free(j->subject);
	free(j->body);
	free(j);
}

/*
 * Mail the client and the professional the appointment as an iTIP
 * invitation (REQUEST) or its cancellation (CANCEL), with the UID it keeps
 * and its SEQUENCE, so their calendar programs add, move or strike it.
 * Like every mail of Infuus it tells as little as it can: the time (what a
 * calendar needs) and "Infuus", never a name, a place or a trajectory; each
 * person's copy names only them as attendee (a professional does not learn
 * a client's address this way).  Sent on a job of its own after the
 * answer; nothing without a mail server.
 */
static void
mail_invitation(struct req *r, int64_t id)
{
	struct app *app = r->app;
	const struct tz *tz = page_zone(r, NULL);
	struct invite_job *j;
	struct appointment a;
	struct cal_event ev;
	struct user u;
	int64_t who[2];
	int i;

	if (tz == NULL || app->cfg.smtp_url == NULL ||
	    app->cfg.smtp_url[0] == '\0' ||
	    appt_get(app->db, NULL, id, &r->arena, &a) != 0)
		return;
	j = xcalloc(1, sizeof(*j));
	memset(&ev, 0, sizeof(ev));
	ev.uid = a.uid;
	ev.sequence = a.sequence;
	ev.start = a.starts_at;
	ev.end = a.ends_at;
	ev.summary = "Infuus";
	ev.cancelled = a.status != APPT_BOOKED && a.status != APPT_REQUESTED;
	ev.organizer = app->cfg.smtp_from;
	j->method = xstrdup(ev.cancelled ? "CANCEL" : "REQUEST");
	j->subject = xstrdup(ev.cancelled ? _("Appointment cancelled") :
	    _("Appointment"));
	j->body = xstrdup(_("An appointment in Infuus was planned, moved or "
	    "cancelled. The invitation in this e-mail updates your calendar; "
	    "log in to Infuus for the details."));
	who[0] = a.client_id;
	who[1] = a.prof_id;
	for (i = 0; i < 2; i++) {
		struct buf b = BUF_INIT;

		if (user_get(app->db, who[i], &r->arena, &u) != 0 ||
		    u.disabled)
			continue;
		ev.attendee = u.email;
		if (cal_write(ev.cancelled ? CAL_CANCEL : CAL_REQUEST, tz, &ev, 1,
		    time(NULL), &b) == 0) {
			j->to[i] = xstrdup(u.email);
			j->ics[i] = xstrdup(b.p);
		}
		buf_release(&b);
	}
	app_spawn(app, invite_send, j);
}

static void
ferr_set(struct req *r, struct ferr *e, const char *form,
    const struct why *w, int rc)
{
	e->form = form;
	e->field = w->field;
	e->msg = page_why(r, w);
	if (e->msg == NULL)
		e->msg = err_msg(rc);
	e->status = err_status(rc);
}

int
ui_appt_book_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct appt_actor who = ui_appt_actor(r);
	const struct tz *tz = page_zone(r, NULL);
	struct appt_new n;
	struct why w = { 0 };
	struct ferr e = { 0 };
	const char *min = page_form(r, "minutes");
	const char *prof = page_form(r, "professional");
	int64_t id = 0, v;
	int rc;

	if (tz == NULL)
		return ERR_INTERNAL;
	memset(&n, 0, sizeof(n));
	n.traj_id = o->traj_id;
	if (prof[0] && num_parse_i64(str_c(prof), 0, INT64_MAX, &v) == 0)
		n.prof_id = v;
	if (appt_kind_parse(page_form(r, "kind"), &n.kind) != 0)
		n.kind = (enum appt_kind)-1;
	n.location = page_form(r, "location");
	if (min[0] && num_parse_i64(str_c(min), 0, 100000, &v) == 0)
		n.minutes = (int)v;
	else if (min[0])
		n.minutes = -1;
	if ((n.starts_at = chosen_time(r, tz)) < 0) {
		why_set(&w, ERR_INVAL, "starts_at", N_("Please choose a date "
		    "and a time."));
		rc = ERR_INVAL;
	} else
		rc = appt_book(app->db, app->kr, tz, &who, &n, time(NULL), &w,
		    &id);
	if (rc == 0) {
		struct appointment a;

		mail_invitation(r, id);
		resp_redirect(r, arena_printf(&r->arena,
		    "/appointments/%lld?done=%s", (long long)id,
		    appt_get(app->db, NULL, id, &r->arena, &a) == 0 &&
		    a.status == APPT_REQUESTED ? "requested" : "booked"));
		return 0;
	}
	if (w.msg == NULL && rc != ERR_INVAL && rc != ERR_CONFLICT)
		return rc;
	ferr_set(r, &e, "book", &w, rc);
	return traj_page(r, &e);
}

/* --- One appointment ------------------------------------------------------ */

static int
show_page(struct req *r, const struct ferr *e)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct appt_actor who = ui_appt_actor(r);
	const struct tz *tz = page_zone(r, NULL);
	const char *done = req_query(r, "done");
	struct appointment a;
	bool open, started;
	int rc;

	if (tz == NULL)
		return ERR_INTERNAL;
	if ((rc = appt_log_read(app->db, &who, &o->client_id, 1, o->id,
	    "show")) != 0)
		return rc;
	if ((rc = appt_get(app->db, app->kr, o->id, &r->arena, &a)) != 0)
		return rc;
	open = a.status == APPT_BOOKED || a.status == APPT_REQUESTED;
	started = a.starts_at <= time(NULL);
	if (e != NULL && e->status)
		r->status = e->status;
	page_begin(r, _("Appointment"));
	if (done && strcmp(done, "booked") == 0)
		page_notice(r, "ok", _("The appointment is booked. The client "
		    "gets a reminder by e-mail."));
	else if (done && strcmp(done, "requested") == 0)
		page_notice(r, "ok", _("Your request was sent. Your "
		    "professional confirms it."));
	else if (done && strcmp(done, "moved") == 0)
		page_notice(r, "ok", _("The appointment was moved. The "
		    "reminder moves with it."));
	else if (done && strcmp(done, "cancelled") == 0)
		page_notice(r, "ok", _("The appointment was cancelled."));
	else if (done && strcmp(done, "late") == 0)
		page_notice(r, "info", _("The appointment was cancelled. This "
		    "is a late cancellation under your professional's "
		    "policy."));
	else if (done && strcmp(done, "noshow") == 0)
		page_notice(r, "ok", _("Marked as missed. A follow-up task is "
		    "on your calendar."));
	else if (done && strcmp(done, "held") == 0)
		page_notice(r, "ok", _("Marked as held. Its minutes are on "
		    "the trajectory's time page."));
	else if (done && strcmp(done, "confirmed") == 0)
		page_notice(r, "ok", _("The appointment is confirmed."));
	if (e != NULL && e->msg != NULL && e->field == NULL)
		page_notice(r, "error", e->msg);
	P(r, "<dl class=\"appt-facts\">");
	ui_appt_facts(r, tz, &a);
	P(r, "<dt>");
	T(r, _("With"));
	P(r, "</dt><dd>");
	T(r, who.professional ? a.client_name : a.prof_name);
	P(r, "</dd><dt>");
	T(r, _("Status"));
	P(r, "</dt><dd id=\"appt-status\">");
	T(r, ui_appt_status_label(a.status));
	if (a.late) {
		P(r, " (");
		T(r, _("late cancellation"));
		P(r, ")");
	}
	P(r, "</dd>");
	if (a.reason[0]) {
		P(r, "<dt>");
		T(r, _("Reason"));
		P(r, "</dt><dd>");
		T(r, a.reason);
		P(r, "</dd>");
	}
	P(r, "</dl>\n");
	PF(r, "<p><a href=\"/appointments/%lld/invite.ics\">", (long long)a.id);
	T(r, _("Add to my calendar (.ics)"));
	PF(r, "</a> &middot; <a href=\"/t/%lld/appointments\">",
	    (long long)a.traj_id);
	T(r, _("All appointments of this trajectory"));
	P(r, "</a></p>\n");

	if (who.professional && a.status == APPT_REQUESTED && !started) {
		form_button(r, arena_printf(&r->arena,
		    "/appointments/%lld/confirm", (long long)a.id),
		    _("Confirm this appointment"));
	}
	if (who.professional && a.status == APPT_BOOKED && started) {
		/* Held, with its actual minutes (issue 13's time). */
		form_begin(r, arena_printf(&r->arena,
		    "/appointments/%lld/held", (long long)a.id));
		P(r, "<p><label for=\"held-minutes\">");
		T(r, _("Actual length in minutes"));
		PF(r, "</label> <input id=\"held-minutes\" name=\"minutes\" "
		    "type=\"number\" min=\"1\" max=\"%d\" value=\"%lld\" "
		    "required></p>\n", LIMIT_ACTIVITY_MINUTES,
		    (long long)((a.ends_at - a.starts_at) / 60));
		error_at(r, e, "held", "minutes");
		form_submit(r, _("Mark as held"));
		form_end(r);
		form_button(r, arena_printf(&r->arena,
		    "/appointments/%lld/noshow", (long long)a.id),
		    _("Mark as missed (no-show)"));
	}
	if (who.professional && a.status == APPT_NOSHOW)
		form_button(r, arena_printf(&r->arena,
		    "/appointments/%lld/followed-up", (long long)a.id),
		    _("Followed up"));
	if (who.professional && open)
		ui_stake_appt_section(r, a.traj_id, a.id);
	if (open && !started) {
		P(r, "<section aria-labelledby=\"h-move\"><h2 id=\"h-move\">");
		T(r, _("Move"));
		P(r, "</h2>\n");
		form_begin(r, arena_printf(&r->arena,
		    "/appointments/%lld/reschedule", (long long)a.id));
		time_fields(r, tz, a.prof_id, "move", e);
		form_submit(r, _("Move to this time"));
		form_end(r);
		P(r, "</section>\n<section aria-labelledby=\"h-cancel\">"
		    "<h2 id=\"h-cancel\">");
		T(r, _("Cancel"));
		P(r, "</h2>\n");
		form_begin(r, arena_printf(&r->arena,
		    "/appointments/%lld/cancel", (long long)a.id));
		P(r, "<p><label for=\"cancel-reason\">");
		T(r, _("Reason"));
		P(r, "</label><br><textarea id=\"cancel-reason\" name=\"reason\" "
		    "rows=\"3\" cols=\"50\" maxlength=\"1000\" required>");
		T(r, page_form(r, "reason"));
		P(r, "</textarea></p>\n");
		error_at(r, e, "cancel", "reason");
		form_submit(r, _("Cancel the appointment"));
		form_end(r);
		P(r, "</section>\n");
	}
	page_end(r);
	return 0;
}

int
ui_appt_show(struct req *r)
{
	return show_page(r, NULL);
}

static int
after(struct req *r, const char *form, int rc, const struct why *w,
    const char *done)
{
	struct ferr e = { 0 };

	if (rc == 0) {
		/* A no-show changes nothing in anyone's calendar. */
		if (strcmp(done, "noshow") != 0 && strcmp(done, "held") != 0)
			mail_invitation(r, web_obj(r)->id);
		resp_redirect(r, arena_printf(&r->arena,
		    "/appointments/%lld?done=%s", (long long)web_obj(r)->id,
		    done));
		return 0;
	}
	if (w->msg == NULL && rc != ERR_INVAL && rc != ERR_CONFLICT)
		return rc;
	ferr_set(r, &e, form, w, rc);
	return show_page(r, &e);
}

int
ui_appt_reschedule_post(struct req *r)
{
	struct app *app = r->app;
	struct appt_actor who = ui_appt_actor(r);
	const struct tz *tz = page_zone(r, NULL);
	struct why w = { 0 };
	time_t t;
	int rc;

	if (tz == NULL)
		return ERR_INTERNAL;
	if ((t = chosen_time(r, tz)) < 0)
		rc = why_set(&w, ERR_INVAL, "starts_at", N_("Please choose a "
		    "date and a time."));
	else
		rc = appt_reschedule(app->db, tz, &who, web_obj(r)->id, t,
		    time(NULL), &w);
	return after(r, "move", rc, &w, "moved");
}

int
ui_appt_cancel_post(struct req *r)
{
	struct app *app = r->app;
	struct appt_actor who = ui_appt_actor(r);
	struct why w = { 0 };
	bool late = false;
	int rc;

	rc = appt_cancel(app->db, app->kr, &who, web_obj(r)->id,
	    page_form(r, "reason"), time(NULL), &w, &late);
	return after(r, w.field ? "cancel" : "other", rc, &w,
	    late ? "late" : "cancelled");
}

int
ui_appt_confirm_post(struct req *r)
{
	struct app *app = r->app;
	struct appt_actor who = ui_appt_actor(r);
	struct why w = { 0 };

	return after(r, "other", appt_confirm(app->db, &who, web_obj(r)->id,
	    time(NULL), &w), &w, "confirmed");
}

int
ui_appt_noshow_post(struct req *r)
{
	struct app *app = r->app;
	struct appt_actor who = ui_appt_actor(r);
	struct why w = { 0 };

	return after(r, "other", appt_noshow(app->db, &who, web_obj(r)->id,
	    time(NULL), &w), &w, "noshow");
}

int
ui_appt_held_post(struct req *r)
{
	struct app *app = r->app;
	struct appt_actor who = ui_appt_actor(r);
	struct why w = { 0 };
	int64_t minutes = 0;
	int rc;

	if (num_parse_i64(str_c(page_form(r, "minutes")), 1,
	    LIMIT_ACTIVITY_MINUTES, &minutes) != 0)
		minutes = 0;    /* appt_held says why */
	rc = appt_held(app->db, &who, web_obj(r)->id, minutes, time(NULL),
	    &w);
	return after(r, "held", rc, &w, "held");
}

int
ui_appt_task_done_post(struct req *r)
{
	struct app *app = r->app;
	int rc;

	if ((rc = appt_task_done(app->db, page_session(r)->user_id,
	    web_obj(r)->id, time(NULL))) != 0)
		return rc;
	resp_redirect(r, "/calendar?done=followed-up");
	return 0;
}

/* The appointment as an iTIP message: REQUEST while it stands, CANCEL
 * once it is off; the UID stays and SEQUENCE counts the changes, so a
 * calendar that imported the first updates its copy. */
int
ui_appt_ics(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct appt_actor who = ui_appt_actor(r);
	const struct tz *tz = page_zone(r, NULL);
	struct appointment a;
	struct cal_event ev;
	struct buf b = BUF_INIT;
	struct user u;
	int rc;

	if (tz == NULL)
		return ERR_INTERNAL;
	if ((rc = appt_log_read(app->db, &who, &o->client_id, 1, o->id,
	    "ics")) != 0)
		return rc;
	if ((rc = appt_get(app->db, app->kr, o->id, &r->arena, &a)) != 0)
		return rc;
	memset(&ev, 0, sizeof(ev));
	ev.uid = a.uid;
	ev.sequence = a.sequence;
	ev.start = a.starts_at;
	ev.end = a.ends_at;
	ev.summary = arena_printf(&r->arena, "%s: %s",
	    ui_appt_kind_label(a.kind), who.professional ? a.client_name :
	    a.prof_name);
	ev.location = a.location;
	ev.cancelled = a.status == APPT_CANCELLED || a.status == APPT_NOSHOW;
	ev.organizer = app->cfg.smtp_from && app->cfg.smtp_from[0] ?
	    app->cfg.smtp_from : "noreply@infuus.invalid";
	ev.organizer_name = a.prof_name;
	/* RFC 5546 3.2.2 and 3.2.5: a REQUEST and a CANCEL name an attendee;
	 * without one Outlook and Google import no invitation.  The person
	 * downloading it is the one it is for. */
	if ((rc = user_get(app->db, page_session(r)->user_id, &r->arena,
	    &u)) != 0)
		return rc;
	ev.attendee = u.email;
	if ((rc = cal_write(ev.cancelled ? CAL_CANCEL : CAL_REQUEST, tz, &ev, 1,
	    time(NULL), &b)) != 0)
		goto out;
	r->status = 200;
	r->resp_type = ev.cancelled ?
	    "text/calendar; charset=utf-8; method=CANCEL" :
	    "text/calendar; charset=utf-8; method=REQUEST";
	resp_header(r, "Content-Disposition", arena_printf(&r->arena,
	    "attachment; filename=\"appointment-%lld.ics\"", (long long)a.id));
	buf_add(&r->resp, b.p, b.len);
out:
	buf_release(&b);
	return rc;
}
