/*
 * ui-trajectory.c - the trajectory pages: the overview and the start
 * page's "your trajectories", starting a trajectory, and the helpers the
 * other trajectory pages share (ui-traj.h): a trajectory's first page and
 * its small forms are in ui-traj-page.c, the service promise (shown, its
 * form and its page) in ui-promise.c.
 *
 * The router checks the trajectory in the path before a handler runs
 * (web.c's route table: read, or update for the forms) and hands over its
 * id (web_obj); a trajectory the caller is not part of is "not found".
 * The overview and the new-trajectory form act in the session's own
 * organisation, in a role the route table allows.  Changes answer
 * with a redirect to the page (post/redirect/get), so reloading never posts
 * twice; a refused form is shown again with the domain's reason next to
 * its field (page_refuse) and the status of the error.
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
#include "web/ui-traj.h"
#include "web/web_int.h"
#include "core/banned.h"

/* Rows the start page lists before "all trajectories". */
#define HOME_ROWS 10

/* --- small helpers ------------------------------------------------------ */

const char *
uit_phase_label(enum traj_phase p)
{
	switch (p) {
	case TRAJ_INTAKE: return _("Intake");
	case TRAJ_WORKING: return _("Working");
	case TRAJ_CLOSING: return _("Closing");
	case TRAJ_CLOSED: return _("Closed");
	}
	return "?";
}

const char *
uit_purpose_of(const struct session *s)
{
	switch (s->role) {
	case ROLE_CLIENT: return "client-self";
	case ROLE_ADMIN: return "admin";
	default: return "care";
	}
}

/* The access-log template for this request; the module fills in the
 * object, its client and the action. */
void
uit_event_for(struct req *r, struct audit_event *ev, int action,
    const char *kind, int64_t object_id)
{
	web_audit_event(r, ev, action, kind, 0, object_id,
	    uit_purpose_of(page_session(r)));
}

const char *
uit_url(struct req *r, int64_t tid, const char *rest)
{
	return arena_printf(&r->arena, "/t/%lld%s", (long long)tid, rest);
}

/* Text with its line breaks kept. */
void
uit_text_lines(struct req *r, const char *s)
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

const char *
uit_date(struct req *r, const struct tz *tz, int64_t t)
{
	struct tz_local l;

	if (tz == NULL || tz_to_local(tz, (time_t)t, &l) != 0)
		return page_time(r, t);
	return page_day(r, tz_days_from_civil(l.year, l.month, l.day));
}

enum view
uit_view_of(const struct session *s)
{
	if (s->role == ROLE_ADMIN)
		return VIEW_ADMIN;
	return s->role == ROLE_CLIENT ? VIEW_CLIENT : VIEW_PROFESSIONAL;
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
	A(r, uit_url(r, t->id, ""));
	P(r, "\">");
	if (t->title)
		T(r, t->title);
	else
		T(r, t->client_name);
	P(r, "</a>");
}

static void
th(struct req *r, const char *label)
{
	P(r, "<th scope=\"col\">");
	T(r, label);
	P(r, "</th>");
}

static void
last_message(struct req *r, const struct tz *tz, const struct trajectory *t)
{
	if (t->last_message_at)
		T(r, page_time_tz(r, tz, t->last_message_at));
	else
		T(r, _("none yet"));
}

static void
traj_table(struct req *r, const struct trajectory *v, size_t n,
    enum view view, const struct tz *tz, const char *caption)
{
	/* The columns of each view, as its rows below fill them. */
	static const char *const head[][6] = {
		[VIEW_PROFESSIONAL] = { N_("Trajectory"), N_("Client"),
		    N_("Phase"), N_("Waiting for a reply"),
		    N_("Next reply due"), N_("Last message") },
		[VIEW_CLIENT] = { N_("Trajectory"), N_("Professionals"),
		    N_("Phase"), N_("Your messages waiting for a reply"),
		    N_("Reply expected by") },
		[VIEW_ADMIN] = { N_("Client"), N_("Professionals"),
		    N_("Phase"), N_("Started"), N_("Last message") },
	};
	time_t now = time(NULL);
	size_t i;

	P(r, "<table class=\"trajectories\"><caption>");
	T(r, caption);
	P(r, "</caption>\n<thead><tr>");
	for (i = 0; i < sizeof(head[0]) / sizeof(head[0][0]) &&
	    head[view][i] != NULL; i++)
		th(r, _(head[view][i]));
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
			T(r, uit_phase_label(t->phase));
			PF(r, "</td><td>%lld</td><td>", (long long)t->waiting);
			deadline_cell(r, tz, t->next_deadline, now);
			P(r, "</td><td>");
			last_message(r, tz, t);
			break;
		case VIEW_CLIENT:
			T(r, professional_names(r, t->id));
			P(r, "</td><td>");
			T(r, uit_phase_label(t->phase));
			PF(r, "</td><td>%lld</td><td>", (long long)t->waiting);
			deadline_cell(r, tz, t->next_deadline, now);
			break;
		case VIEW_ADMIN:
			T(r, professional_names(r, t->id));
			P(r, "</td><td>");
			T(r, uit_phase_label(t->phase));
			P(r, "</td><td>");
			T(r, uit_date(r, tz, t->started_at));
			P(r, "</td><td>");
			last_message(r, tz, t);
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

	uit_event_for(r, &ev, AUDIT_READ, "trajectory", 0);
	return traj_list(app->db, app->kr, s->org_id, s->user_id,
	    s->role == ROLE_ADMIN, &ev, &r->arena, v, n);
}

int
ui_traj_list(struct req *r)
{
	struct session *s = page_session(r);
	struct trajectory *v = NULL;
	enum view view = uit_view_of(s);
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
	view = uit_view_of(s);
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

/* --- creating a trajectory ---------------------------------------------- */

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


struct new_form {
	int64_t client_id;
	const char *title;
	const char *planned_end;
	struct promise_terms terms;
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
	P(r, "</label>\n<select id=\"f-client\" name=\"client\" required");
	page_field_attrs(r, "client", NULL);
	P(r, ">");
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
	P(r, "</select>");
	page_field_error(r, "client");
	P(r, "</p>\n");
	uit_field(r, "title", _("Title"),
	    _("A short name for the trajectory, preferably in the client's own words."),
	    "text", f->title, arena_printf(&r->arena,
	    " maxlength=\"%d\" required", LIMIT_TRAJ_TITLE));
	uit_field(r, "planned_end", _("Planned end (optional)"), NULL, "date",
	    f->planned_end, NULL);
	uit_terms_fields(r, &f->terms);
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
	struct why why = { 0 };
	int64_t id = 0, end = 0;
	int rc;

	/* What does not parse goes on as a value the domain refuses with
	 * its reason: no client (0), no date (-1). */
	f.title = page_form(r, "title");
	f.planned_end = page_form(r, "planned_end");
	if (num_parse_i64(str_c(page_form(r, "client")), 1, INT64_MAX,
	    &f.client_id) != 0)
		f.client_id = 0;
	uit_terms_from_form(r, &f.terms);
	if (parse_date(f.planned_end, page_zone(r, f.terms.tz), &end) != 0)
		end = -1;
	uit_event_for(r, &ev, AUDIT_CREATE, "trajectory", 0);
	rc = traj_create(app->db, app->kr, s->org_id, f.client_id, s->user_id,
	    f.title, end, &f.terms, &ev, &why, &id);
	if (rc != 0) {
		if (page_refuse(r, &why, rc) != 0)
			return rc;
		return new_page(r, &f);
	}
	resp_redirect(r, uit_url(r, id, "?done=created"));
	return 0;
}
