/*
 * ui-queue.c - the service promise in action, for people: the
 * professional's reply queue, the "I need more time" notice, the adherence
 * report.
 *
 * The queue and the report name clients and threads: queue.c logs those
 * reads before anything is returned.  Times are shown in the zone of each
 * trajectory's promise (the professional's own clock, the one the
 * deadlines are counted in); the report's period is read in the
 * organisation's zone.
 *
 * ui_more_time_form renders a form section for a page of another file
 * (the thread page).
 */
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/num.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "promise/tz.h"
#include "queue/queue.h"
#include "trajectory/trajectory.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

#define DAY 86400
/* The report's period when none is asked for: the last 30 days. */
#define REPORT_DEFAULT_DAYS 30

/* --- small helpers ------------------------------------------------------ */

/* The value of a datetime-local input: "2026-11-23T15:00". */
static const char *
input_time(struct req *r, const struct tz *tz, int64_t t)
{
	struct tz_local l;

	if (tz == NULL)
		tz = tz_utc();
	if (tz_to_local(tz, (time_t)t, &l) != 0)
		return "";
	return arena_printf(&r->arena, "%04d-%02d-%02dT%02d:%02d", l.year,
	    l.month, l.day, l.hour, l.min);
}

/* A datetime-local value ("YYYY-MM-DDTHH:MM", seconds optional) read as
 * wall-clock time in tz. */
static int
parse_local_time(const char *s, const struct tz *tz, time_t *out)
{
	int64_t y, mo, d, h, mi, sec = 0;
	size_t len = strlen(s);

	if ((len != 16 && len != 19) || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
	    (len == 19 && s[16] != ':'))
		return ERR_INVAL;
	if (num_parse_i64((struct str){ s, 4 }, LIMIT_PROMISE_YEAR_MIN,
	    LIMIT_PROMISE_YEAR_MAX, &y) != 0 ||
	    num_parse_i64((struct str){ s + 5, 2 }, 1, 12, &mo) != 0 ||
	    num_parse_i64((struct str){ s + 8, 2 }, 1, 31, &d) != 0 ||
	    num_parse_i64((struct str){ s + 11, 2 }, 0, 23, &h) != 0 ||
	    num_parse_i64((struct str){ s + 14, 2 }, 0, 59, &mi) != 0 ||
	    (len == 19 &&
	    num_parse_i64((struct str){ s + 17, 2 }, 0, 59, &sec) != 0))
		return ERR_INVAL;
	if (tz == NULL)
		tz = tz_utc();
	return tz_from_local(tz, (int)y, (int)mo, (int)d, (int)h, (int)mi,
	    (int)sec, out) == 0 ? 0 : ERR_INVAL;
}

static const char *
day_value(struct req *r, int64_t day)
{
	int64_t y;
	int m, d;

	tz_civil_from_days(day, &y, &m, &d);
	return arena_printf(&r->arena, "%04lld-%02d-%02d", (long long)y, m, d);
}

/* The instant local midnight starts day in tz. */
static int
day_start(const struct tz *tz, int64_t day, time_t *out)
{
	int64_t y;
	int m, d;

	tz_civil_from_days(day, &y, &m, &d);
	return tz_from_local(tz, (int)y, m, d, 0, 0, 0, out);
}

static void
th(struct req *r, const char *label)
{
	P(r, "<th scope=\"col\">");
	T(r, label);
	P(r, "</th>");
}

/* --- the queue ---------------------------------------------------------- */

int
ui_queue(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct queue_item *items = NULL;
	struct audit_event ev;
	time_t now = time(NULL);
	size_t n = 0, i, overdue = 0;
	int rc;

	if ((rc = queue_list(app->db, s->org_id, s->user_id, now, &r->arena,
	    &items, &n)) != 0)
		return rc;
	/* The page names each conversation: logged before it is shown. */
	web_audit_event(r, &ev, AUDIT_READ, "thread", 0, 0, "care");
	if ((rc = queue_open_subjects(app->db, app->kr, s->org_id, &ev,
	    &r->arena, items, n)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		overdue += items[i].overdue;

	page_begin(r, _("Reply queue"));
	ui_live_mark_me(r, "queue");
	P(r, "<p>");
	T(r, _("Every message from a client that still waits for your reply, the earliest deadline first. Deadlines follow the service promise of each trajectory and are shown in its time zone."));
	P(r, "</p>\n");
	if (n == 0) {
		page_notice(r, "ok", _("Nothing is waiting for a reply."));
	} else {
		P(r, "<p role=\"status\">");
		PF(r, "%zu ", n);
		T(r, n == 1 ? _("message waiting") : _("messages waiting"));
		if (overdue) {
			PF(r, ", <strong class=\"overdue\">%zu ", overdue);
			T(r, _("overdue"));
			P(r, "</strong>");
		}
		P(r, ".</p>\n");
		P(r, "<table class=\"queue\"><caption>");
		T(r, _("Waiting for your reply"));
		P(r, "</caption>\n<thead><tr>");
		th(r, _("Deadline"));
		th(r, _("Status"));
		th(r, _("Client"));
		th(r, _("Conversation"));
		th(r, _("Sent"));
		P(r, "</tr></thead>\n<tbody>\n");
	}
	for (i = 0; i < n; i++) {
		const struct queue_item *it = &items[i];
		const struct tz *tz = page_zone(r, it->tz);

		P(r, it->overdue ? "<tr class=\"overdue\">" : "<tr>");
		P(r, "<th scope=\"row\">");
		T(r, page_time_tz(r, tz, it->deadline));
		if (it->original_deadline) {
			P(r, "<br><span class=\"muted\">");
			T(r, _("moved by a notice; promised:"));
			P(r, " ");
			T(r, page_time_tz(r, tz, it->original_deadline));
			P(r, "</span>");
		}
		P(r, "</th><td>");
		if (it->overdue) {
			/* Said in words: colour alone tells nothing to many. */
			P(r, "<strong class=\"overdue\">");
			T(r, _("Overdue"));
			P(r, "</strong>");
		} else {
			T(r, _("On time"));
		}
		P(r, "</td><td>");
		T(r, it->client_name[0] ? it->client_name : _("(former client)"));
		P(r, "</td><td><a href=\"");
		A(r, arena_printf(&r->arena, "/threads/%lld",
		    (long long)it->thread_id));
		P(r, "\">");
		if (it->subject) {
			T(r, it->subject);
		} else {
			T(r, _("Conversation"));
			PF(r, " #%lld", (long long)it->thread_id);
		}
		P(r, "</a></td><td>");
		T(r, page_time_tz(r, tz, it->sent_at));
		P(r, "</td></tr>\n");
	}
	if (n > 0)
		P(r, "</tbody></table>\n");
	if (n == LIMIT_QUEUE)
		page_notice(r, "info", _("Only the messages with the earliest deadlines are shown."));
	/* Assignments handed in wait here too (ui-assignment.c). */
	if ((rc = ui_asg_queue_section(r)) != 0)
		return rc;
	P(r, "<p><a href=\"/reports/adherence\">");
	T(r, _("How well is the promise kept? See the adherence report."));
	P(r, "</a></p>\n");
	page_end(r);
	return 0;
}

/* --- I need more time --------------------------------------------------- */

static void
more_time_section(struct req *r, const struct queue_thread *qt,
    const char *typed_deadline, const char *typed_note)
{
	const struct tz *tz = page_zone(r, qt->tz);
	const char *value = typed_deadline;

	if (value == NULL || value[0] == '\0')
		value = input_time(r, tz, qt->deadline + DAY);
	P(r, "<section class=\"more-time\" aria-labelledby=\"h-more-time\">"
	    "<h2 id=\"h-more-time\">");
	T(r, _("I need more time"));
	P(r, "</h2>\n<p>");
	T(r, _("The reply is due:"));
	P(r, " <strong>");
	T(r, page_time_tz(r, tz, qt->deadline));
	P(r, "</strong>. ");
	T(r, _("Tell the client when they can expect your reply. The notice appears in this conversation and the client gets an e-mail that there is something new (never its text)."));
	P(r, "</p>\n");
	form_begin(r, arena_printf(&r->arena, "/threads/%lld/more-time",
	    (long long)qt->thread_id));
	P(r, "<p class=\"field\"><label for=\"f-new-deadline\">");
	T(r, _("New expected moment"));
	P(r, "</label>\n<input id=\"f-new-deadline\" name=\"new_deadline\" "
	    "type=\"datetime-local\" required value=\"");
	A(r, value);
	P(r, "\" min=\"");
	A(r, input_time(r, tz, time(NULL)));
	P(r, "\"");
	page_field_attrs(r, "new_deadline", "f-new-deadline-hint");
	P(r, ">\n<span class=\"hint\" id=\"f-new-deadline-hint\">");
	T(r, _("In the time zone of the service promise:"));
	P(r, " ");
	T(r, tz ? tz_name(tz) : "UTC");
	P(r, "</span>");
	page_field_error(r, "new_deadline");
	P(r, "</p>\n<p class=\"field\"><label for=\"f-note\">");
	T(r, _("A short note to the client"));
	P(r, "</label>\n<textarea id=\"f-note\" name=\"note\" rows=\"3\" "
	    "required");
	PF(r, " maxlength=\"%d\"", LIMIT_NOTICE_NOTE);
	page_field_attrs(r, "note", NULL);
	P(r, ">");
	T(r, typed_note ? typed_note : "");
	P(r, "</textarea>");
	page_field_error(r, "note");
	P(r, "</p>\n");
	form_submit(r, _("Send the notice"));
	form_end(r);
	P(r, "</section>\n");
}

int
ui_more_time_form(struct req *r, int64_t thread_id)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct queue_thread qt;
	int rc;

	/* Only a professional of an open trajectory with something waiting
	 * has a reply to postpone; for everyone else there is no form. */
	if (s == NULL || s->role != ROLE_PROFESSIONAL)
		return 0;
	if ((rc = queue_thread_state(app->db, thread_id, &r->arena, &qt)) != 0)
		return rc;
	if (qt.closed || qt.waiting == 0 || qt.org_id != s->org_id)
		return 0;
	more_time_section(r, &qt, NULL, NULL);
	return 0;
}

/* The form again, as typed, with the reason page_refuse has. */
static int
more_time_again(struct req *r, const struct queue_thread *qt)
{
	page_begin(r, _("I need more time"));
	if (!qt->closed && qt->waiting > 0)
		more_time_section(r, qt, page_form(r, "new_deadline"),
		    page_form(r, "note"));
	P(r, "<p><a href=\"");
	A(r, arena_printf(&r->arena, "/threads/%lld",
	    (long long)qt->thread_id));
	P(r, "\">");
	T(r, _("Back to the conversation"));
	P(r, "</a></p>\n");
	page_end(r);
	return 0;
}

int
ui_more_time_post(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct queue_thread qt;
	struct audit_event ev;
	struct why why = { 0 };
	time_t when;
	int64_t thid = web_obj(r)->id, msg_id;
	int rc;

	/* The router checked the thread (the route table: thread, update). */
	if ((rc = queue_thread_state(app->db, thid, &r->arena, &qt)) != 0)
		return rc;
	/* A moment that does not parse is none (0): the domain says so. */
	if (parse_local_time(page_form(r, "new_deadline"),
	    page_zone(r, qt.tz), &when) != 0)
		when = 0;
	web_audit_event(r, &ev, AUDIT_CREATE, "message", qt.client_id, 0,
	    "care");
	rc = queue_more_time(app->db, app->kr, thid, s->user_id, when,
	    str_c(page_form(r, "note")), 0, &ev, &msg_id, &why);
	if (rc != 0)
		return page_refuse(r, &why, rc) ? rc : more_time_again(r, &qt);
	resp_redirect(r, arena_printf(&r->arena, "/threads/%lld#m-%lld",
	    (long long)thid, (long long)msg_id));
	return 0;
}

/* --- adherence ---------------------------------------------------------- */

static void
share_cell(struct req *r, const struct queue_stats *s)
{
	if (s->replied == 0) {
		P(r, "<td>&#8211;</td>");
		return;
	}
	PF(r, "<td>%lld ", (long long)s->within);
	T(r, _("of"));
	PF(r, " %lld (%.0f%%)</td>", (long long)s->replied,
	    100.0 * s->share_within);
}

static void
hours_cell(struct req *r, double h)
{
	P(r, "<td>");
	if (h < 0)
		P(r, "&#8211;");
	else
		T(r, page_decimal(r, h));
	P(r, "</td>");
}

static void
stats_cells(struct req *r, const struct queue_stats *s)
{
	share_cell(r, s);
	PF(r, "<td>%lld</td><td>%lld</td>", (long long)s->within_extension,
	    (long long)s->late);
	hours_cell(r, s->median_hours);
	hours_cell(r, s->p90_hours);
	PF(r, "<td>%lld</td><td>", (long long)s->waiting);
	if (s->overdue)
		PF(r, "<strong class=\"overdue\">%lld</strong>",
		    (long long)s->overdue);
	else
		P(r, "0");
	P(r, "</td>");
}

static void
stats_head(struct req *r, const char *first)
{
	P(r, "<thead><tr>");
	th(r, first);
	th(r, _("Replied within the promise"));
	th(r, _("Late, but within an announced extension"));
	th(r, _("Late"));
	th(r, _("Median reply time (working hours)"));
	th(r, _("90% replied within (working hours)"));
	th(r, _("Still waiting"));
	th(r, _("Of which overdue"));
	P(r, "</tr></thead>\n");
}

static void
stats_table(struct req *r, const char *caption, const char *first,
    const struct queue_row *rows, size_t n, bool traj_links)
{
	size_t i;

	P(r, "<table class=\"report\"><caption>");
	T(r, caption);
	P(r, "</caption>\n");
	stats_head(r, first);
	P(r, "<tbody>\n");
	for (i = 0; i < n; i++) {
		P(r, "<tr><th scope=\"row\">");
		if (traj_links) {
			P(r, "<a href=\"");
			A(r, arena_printf(&r->arena, "/t/%lld",
			    (long long)rows[i].id));
			P(r, "\">");
		}
		T(r, rows[i].name[0] ? rows[i].name :
		    traj_links ? _("(former client)") : _("(former member)"));
		if (traj_links)
			P(r, "</a>");
		P(r, "</th>");
		stats_cells(r, &rows[i].s);
		P(r, "</tr>\n");
	}
	P(r, "</tbody></table>\n");
}

int
ui_adherence(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	const char *qfrom = req_query(r, "from");
	const char *qto = req_query(r, "to");
	struct queue_filter f;
	struct queue_report rep;
	struct audit_event ev;
	const struct tz *tz;
	time_t now = time(NULL), t0, t1;
	struct tz_local l;
	int64_t today, dfrom, dto;
	bool admin = s->role == ROLE_ADMIN;
	const char *error = NULL;
	int rc;

	tz = page_zone(r, NULL);
	if (tz == NULL)
		tz = tz_utc();
	if (tz_to_local(tz, now, &l) != 0)
		return ERR_INTERNAL;
	today = tz_days_from_civil(l.year, l.month, l.day);
	dto = today;
	dfrom = today - (REPORT_DEFAULT_DAYS - 1);
	if ((qfrom && qfrom[0] && page_parse_day(qfrom, &dfrom) != 0) ||
	    (qto && qto[0] && page_parse_day(qto, &dto) != 0)) {
		error = _("Please give the period as two dates.");
		dto = today;
		dfrom = today - (REPORT_DEFAULT_DAYS - 1);
	} else if (dfrom > dto) {
		error = _("The first day must not come after the last day.");
		dto = today;
		dfrom = today - (REPORT_DEFAULT_DAYS - 1);
	} else if (dto - dfrom + 1 > LIMIT_REPORT_DAYS) {
		error = arena_printf(&r->arena,
		    _("A report spans at most %d days."), LIMIT_REPORT_DAYS);
		dfrom = dto - (REPORT_DEFAULT_DAYS - 1);
	}
	if (day_start(tz, dfrom, &t0) != 0 || day_start(tz, dto + 1, &t1) != 0)
		return ERR_INVAL;

	memset(&f, 0, sizeof(f));
	f.org_id = s->org_id;
	f.professional_id = admin ? 0 : s->user_id;
	f.from = t0;
	f.to = t1;
	f.now = now;
	web_audit_event(r, &ev, AUDIT_READ, "trajectory", 0, 0,
	    admin ? "admin" : "care");
	rc = queue_adherence(app->db, app->tzc, &f, &ev, &r->arena, &rep);
	if (rc == ERR_TOOBIG) {
		error = _("There are too many messages in this period for one report; please choose a shorter period.");
		memset(&rep, 0, sizeof(rep));
	} else if (rc != 0) {
		return rc;
	}

	page_begin(r, _("Keeping the service promise"));
	if (error) {
		page_notice(r, "error", error);
		r->status = 400;
	}
	P(r, "<form method=\"get\" action=\"/reports/adherence\" class=\"period\">"
	    "<fieldset><legend>");
	T(r, _("Period (messages sent from the first to the last day)"));
	P(r, "</legend>\n<p class=\"field\"><label for=\"f-from\">");
	T(r, _("First day"));
	P(r, "</label>\n<input id=\"f-from\" name=\"from\" type=\"date\" required value=\"");
	A(r, day_value(r, dfrom));
	P(r, "\"></p>\n<p class=\"field\"><label for=\"f-to\">");
	T(r, _("Last day"));
	P(r, "</label>\n<input id=\"f-to\" name=\"to\" type=\"date\" required value=\"");
	A(r, day_value(r, dto));
	P(r, "\"></p>\n</fieldset>\n");
	form_submit(r, _("Show"));
	P(r, "</form>\n");

	P(r, "<section aria-labelledby=\"h-what\"><h2 id=\"h-what\">");
	T(r, _("What the numbers mean"));
	P(r, "</h2>\n<ul>\n<li>");
	T(r, _("Every message a client sends gets a deadline: the reply time of the trajectory's service promise, counted in working hours (the working days and hours of the promise, without days off)."));
	P(r, "</li>\n<li>");
	T(r, _("Replied within the promise: the reply came before the deadline that was promised when the message arrived. A notice \"I need more time\" does not change this: such replies count as late for the promise, and separately as within the announced extension when they came before the new moment."));
	P(r, "</li>\n<li>");
	T(r, _("Reply time: the working hours between the message and the reply. The median is the middle value: half of the replies were faster. 90% of the replies came within the last number."));
	P(r, "</li>\n<li>");
	T(r, _("Replies count for the professional who wrote them. A message still waiting counts for every professional of the trajectory, as each of them could answer it."));
	P(r, "</li>\n</ul>\n</section>\n");

	P(r, "<h2>");
	T(r, _("In total"));
	P(r, "</h2>\n");
	if (rep.total.messages == 0) {
		P(r, "<p>");
		T(r, _("No client messages in this period."));
		P(r, "</p>\n");
	} else {
		P(r, "<table class=\"report\"><caption>");
		T(r, admin ? _("All trajectories of the organisation") :
		    _("Your trajectories"));
		P(r, "</caption>\n");
		stats_head(r, _("Messages"));
		PF(r, "<tbody><tr><th scope=\"row\">%lld</th>",
		    (long long)rep.total.messages);
		stats_cells(r, &rep.total);
		P(r, "</tr></tbody></table>\n");
	}
	if (rep.npros > 0) {
		P(r, "<h2>");
		T(r, _("Per professional"));
		P(r, "</h2>\n");
		stats_table(r, admin ? _("Per professional") : _("Your replies"),
		    _("Professional"), rep.pros, rep.npros, false);
	}
	if (rep.ntrajs > 0) {
		P(r, "<h2>");
		T(r, _("Per trajectory"));
		P(r, "</h2>\n");
		stats_table(r, _("Per trajectory, by client"), _("Client"),
		    rep.trajs, rep.ntrajs, true);
	}
	if (!admin) {
		P(r, "<p><a href=\"/queue\">");
		T(r, _("To the reply queue"));
		P(r, "</a></p>\n");
	}
	page_end(r);
	return 0;
}
