/*
 * ui-traj-page.c - a trajectory's first page (the service promise first,
 * then who takes part, the phase and the client's learning questions, then
 * the conversations) and the small forms that change a trajectory: phase,
 * learning questions, professionals, read receipts, reading level.
 *
 * The router checked the trajectory in the path (read for the page,
 * update for the forms); see ui-trajectory.c for what each role sees.  A
 * refused form shows this page again with the domain's reason next to its
 * field (page_refuse).
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
	T(r, uit_phase_label(t->phase));
	P(r, "</dd>\n<dt>");
	T(r, _("Started"));
	P(r, "</dt><dd>");
	T(r, uit_date(r, tz, t->started_at));
	P(r, "</dd>\n");
	if (t->planned_end) {
		P(r, "<dt>");
		T(r, _("Planned end"));
		P(r, "</dt><dd>");
		T(r, uit_date(r, tz, t->planned_end));
		P(r, "</dd>\n");
	}
	if (t->closed_at) {
		P(r, "<dt>");
		T(r, _("Closed"));
		P(r, "</dt><dd>");
		T(r, uit_date(r, tz, t->closed_at));
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
		form_begin(r, uit_url(r, t->id, "/reads"));
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
	form_begin(r, uit_url(r, t->id, "/phase"));
	P(r, "<p class=\"field\"><label for=\"f-phase\">");
	T(r, _("Phase"));
	P(r, "</label>\n<select id=\"f-phase\" name=\"phase\"");
	page_field_attrs(r, "phase", "h-phase");
	P(r, ">");
	for (ph = TRAJ_INTAKE; ph <= TRAJ_CLOSED; ph++)
		select_option(r, traj_phase_name((enum traj_phase)ph),
		    uit_phase_label((enum traj_phase)ph), ph == (int)t->phase);
	P(r, "</select>\n<span class=\"muted\" id=\"h-phase\">");
	T(r, _("Closing is final: afterwards everyone can still read the trajectory, but nothing can be added."));
	P(r, "</span>");
	page_field_error(r, "phase");
	P(r, "</p>\n<p class=\"field\"><input type=\"checkbox\" "
	    "id=\"f-confirm\" name=\"confirm\" value=\"1\"");
	page_field_attrs(r, "confirm", NULL);
	P(r, "> <label for=\"f-confirm\">");
	T(r, _("Yes, close the trajectory (only needed when choosing Closed)"));
	P(r, "</label>");
	page_field_error(r, "confirm");
	P(r, "</p>\n");
	form_submit(r, _("Change the phase"));
	form_end(r);

	form_begin(r, uit_url(r, t->id, "/level"));
	P(r, "<p class=\"field\"><label for=\"f-level\">");
	T(r, _("The client's reading level"));
	P(r, "</label>\n<select id=\"f-level\" name=\"level\"");
	page_field_attrs(r, "level", NULL);
	P(r, ">");
	for (lv = TRAJ_LEVEL_SIMPLE; lv <= TRAJ_LEVEL_ADVANCED; lv++)
		select_option(r, traj_level_name((enum traj_level)lv),
		    level_label((enum traj_level)lv),
		    lv == (int)t->reading_level);
	P(r, "</select>");
	page_field_error(r, "level");
	P(r, "</p>\n");
	form_submit(r, _("Save the reading level"));
	form_end(r);

	if (member_list(app->db, s->org_id, &r->arena, &ms, &n) == 0) {
		for (i = 0; i < n; i++)
			if (ms[i].role == ROLE_PROFESSIONAL &&
			    member_name(m, nm, ms[i].user_id) == NULL)
				addable++;
	}
	if (addable) {
		form_begin(r, uit_url(r, t->id, "/professionals"));
		P(r, "<p class=\"field\"><label for=\"f-user\">");
		T(r, _("Add a professional"));
		P(r, "</label>\n<select id=\"f-user\" name=\"user\"");
		page_field_attrs(r, "user", NULL);
		P(r, ">");
		for (i = 0; i < n; i++) {
			if (ms[i].role != ROLE_PROFESSIONAL ||
			    member_name(m, nm, ms[i].user_id) != NULL)
				continue;
			PF(r, "<option value=\"%lld\">",
			    (long long)ms[i].user_id);
			T(r, ms[i].user_name);
			P(r, "</option>");
		}
		P(r, "</select>");
		page_field_error(r, "user");
		P(r, "</p>\n");
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
			uit_text_lines(r, q[i].body);
			P(r, "</p><p class=\"muted\">");
			who = member_name(m, nm, q[i].created_by);
			T(r, _("Added by"));
			P(r, " ");
			T(r, who ? who : _("someone who left"));
			P(r, ", ");
			T(r, uit_date(r, tz, q[i].created_at));
			P(r, "</p></li>\n");
		}
		P(r, "</ol>\n");
	}
	if (t->phase != TRAJ_CLOSED && nq < LIMIT_TRAJ_QUESTIONS) {
		form_begin(r, uit_url(r, t->id, "/questions"));
		P(r, "<p class=\"field\"><label for=\"f-question\">");
		T(r, _("A new learning question"));
		PF(r, "</label>\n<textarea id=\"f-question\" name=\"question\" "
		    "rows=\"3\" maxlength=\"%d\" required",
		    LIMIT_TRAJ_QUESTION);
		page_field_attrs(r, "question", NULL);
		P(r, ">");
		/* What was typed, when it was refused. */
		if (page_field_bad(r, "question"))
			T(r, page_form(r, "question"));
		P(r, "</textarea>");
		page_field_error(r, "question");
		P(r, "</p>\n");
		form_submit(r, _("Add the learning question"));
		form_end(r);
	}
	P(r, "</section>\n");
}

/*
 * The first page.  ok: a notice to show; a refused form's reason is shown
 * by page_refuse's helpers.
 */
static int
show_page(struct req *r, int64_t tid, const char *ok)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	enum view view = uit_view_of(s);
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
		    tid, uit_purpose_of(s));
		ev.org_id = t.org_id;
		ev.detail = "metadata";
		if ((rc = audit_record(app->db, &ev)) != 0)
			return rc;
	} else {
		uit_event_for(r, &ev, AUDIT_READ, "trajectory", tid);
		if ((rc = traj_get(app->db, app->kr, tid, &ev, &r->arena,
		    &t)) != 0)
			return rc;
		uit_event_for(r, &ev, AUDIT_READ, "learning-question", 0);
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

	/* The title names the page for people in the trajectory (WCAG
	 * 2.4.2); an admin does not see titles. */
	page_begin(r, view != VIEW_ADMIN && t.title && t.title[0] ? t.title :
	    _("Trajectory"));
	if (ok)
		page_notice(r, "ok", ok);
	if (t.phase == TRAJ_CLOSED)
		page_notice(r, "info", _("This trajectory is closed. Everything stays readable, but nothing can be added."));
	/* The promise comes first: it is what the client relies on. */
	uit_promise_section(r, tid, &terms, p, usable, view == VIEW_CLIENT,
	    false);
	about_section(r, &t, m, nm, tz, view);
	if (view == VIEW_ADMIN) {
		P(r, "<p>");
		T(r, _("The title, the learning questions and the conversations are for the people in this trajectory only."));
		P(r, "</p>\n");
	} else {
		questions_section(r, &t, q, nq, m, nm, tz, view);
		ui_chat_link(r, tid);
		PF(r, "<p class=\"call-link\"><a href=\"/t/%lld/call\">",
		    (long long)tid);
		T(r, _("Video and voice calls"));
		P(r, "</a></p>\n");
		PF(r, "<p class=\"asg-link\"><a href=\"/t/%lld/assignments\">",
		    (long long)tid);
		T(r, _("Assignments and learning cycle"));
		P(r, "</a></p>\n");
		if ((rc = ui_thread_section(r, tid)) != 0)
			return rc;
		/* issue 11: questionnaires, diary and mood (ui-measures.c) */
		PF(r, "<p><a href=\"/t/%lld/measures\">", (long long)tid);
		T(r, _("Questionnaires, diary and mood meter"));
		P(r, "</a></p>\n");
		/* issue 13: pricing and invoices (ui-billing.c) */
		PF(r, "<p><a href=\"/t/%lld/billing\">", (long long)tid);
		T(r, _("Pricing and invoices"));
		P(r, "</a></p>\n");
		/* issue 12: self-help modules (ui-module.c) */
		PF(r, "<p><a href=\"/t/%lld/modules\">", (long long)tid);
		T(r, _("Self-help modules"));
		P(r, "</a></p>\n");
		/* issue 13: the closing report (ui-stakeholder.c) */
		PF(r, "<p><a href=\"/t/%lld/report\">", (long long)tid);
		T(r, _("Closing report"));
		P(r, "</a></p>\n");
	}
	page_end(r);
	return 0;
}

int
ui_traj_show(struct req *r)
{
	return show_page(r, web_obj(r)->id, done_text(req_query(r, "done")));
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
	resp_redirect(r, uit_url(r, tid, arena_printf(&r->arena,
	    "?done=%s", what)));
	return 0;
}

int
ui_traj_phase_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	struct why why;
	enum traj_phase phase;
	int64_t tid;
	int rc;

	if ((rc = change_begin(r, &tid)) != 0)
		return rc;
	/* The page's own questions, at the edge: a phase the form offers
	 * (an enum from here on), and closing is final. */
	if (traj_phase_parse(req_form(r, "phase"), &phase) != 0) {
		why_set(&why, ERR_INVAL, "phase", N_("Please choose a phase."));
		(void)page_refuse(r, &why, ERR_INVAL);
		return show_page(r, tid, NULL);
	}
	if (phase == TRAJ_CLOSED && strcmp(page_form(r, "confirm"), "1")) {
		why_set(&why, ERR_INVAL, "confirm",
		    N_("Closing is final. Tick the box to confirm that you want to close the trajectory."));
		(void)page_refuse(r, &why, ERR_INVAL);
		return show_page(r, tid, NULL);
	}
	uit_event_for(r, &ev, AUDIT_UPDATE, "trajectory", tid);
	if ((rc = traj_set_phase(app->db, tid, phase, &ev)) != 0)
		return rc;
	return done(r, tid, "phase");
}

int
ui_traj_question_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	struct why why = { 0 };
	int64_t tid;
	int rc;

	if ((rc = change_begin(r, &tid)) != 0)
		return rc;
	uit_event_for(r, &ev, AUDIT_CREATE, "learning-question", 0);
	rc = traj_add_question(app->db, app->kr, tid,
	    page_form(r, "question"), &ev, &why);
	if (rc != 0)
		return page_refuse(r, &why, rc) ? rc : show_page(r, tid, NULL);
	return done(r, tid, "question");
}

int
ui_traj_professional_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	struct why why = { 0 };
	int64_t tid, uid;
	int rc;

	if ((rc = change_begin(r, &tid)) != 0)
		return rc;
	/* Not a number: no one (0), whom the domain refuses. */
	if (num_parse_i64(str_c(page_form(r, "user")), 1, INT64_MAX,
	    &uid) != 0)
		uid = 0;
	uit_event_for(r, &ev, AUDIT_UPDATE, "trajectory", tid);
	rc = traj_add_professional(app->db, tid, uid, &ev, &why);
	if (rc != 0)
		return page_refuse(r, &why, rc) ? rc : show_page(r, tid, NULL);
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
	uit_event_for(r, &ev, AUDIT_UPDATE, "trajectory", tid);
	if ((rc = traj_set_share_reads(app->db, tid, v[0] == '1', &ev)) != 0)
		return rc;
	return done(r, tid, "reads");
}

int
ui_traj_level_post(struct req *r)
{
	struct app *app = r->app;
	struct audit_event ev;
	struct why why;
	enum traj_level level;
	int64_t tid;
	int rc;

	if ((rc = change_begin(r, &tid)) != 0)
		return rc;
	/* At the edge: a level the form offers (an enum from here on). */
	if (traj_level_parse(req_form(r, "level"), &level) != 0) {
		why_set(&why, ERR_INVAL, "level",
		    N_("Please choose a reading level."));
		(void)page_refuse(r, &why, ERR_INVAL);
		return show_page(r, tid, NULL);
	}
	uit_event_for(r, &ev, AUDIT_UPDATE, "trajectory", tid);
	if ((rc = traj_set_level(app->db, tid, level, &ev)) != 0)
		return rc;
	return done(r, tid, "level");
}
