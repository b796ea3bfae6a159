/*
 * ui-measures.c - questionnaires, results, the instrument library and the
 * diary (issue 11); the mood meter is in ui-mood.c.
 *
 * The router has checked the path's object (a trajectory, questionnaire,
 * diary entry or instrument version) before any handler here runs; the
 * handlers take it from web_obj(r).  Filling in works without JavaScript:
 * one item a page with previous and next (what a phone shows), or every
 * item on one page (?all=1, for a wide screen); every step is saved, so
 * the client can stop and come back.  Plots are inline SVG (svgplot.c)
 * with the numbers as a table beside them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/err.h"
#include "core/num.h"
#include "diary/diary.h"
#include "http/escape.h"
#include "http/http.h"
#include "identity/session.h"
#include "instrument/instrument.h"
#include "instrument/measure.h"
#include "instrument/shipped.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/ui-measures.h"
#include "web/svgplot.h"
#include "web/web_int.h"
#include "core/banned.h"

static struct measure_env
menv(struct req *r)
{
	struct app *app = r->app;
	struct measure_env e = { app->db, app->kr };

	return e;
}

struct diary_env
uim_denv(struct req *r)
{
	struct app *app = r->app;
	struct diary_env e = { app->db, app->kr };

	return e;
}

static const char *
purpose_of(const struct session *s)
{
	return s->role == ROLE_CLIENT ? "client-self" : "care";
}

void
uim_event_for(struct req *r, struct audit_event *ev, int action, const char *kind,
    int64_t object_id)
{
	web_audit_event(r, ev, action, kind, 0, object_id,
	    purpose_of(page_session(r)));
}

static enum instr_lang
lang_of(struct req *r)
{
	return instrument_lang(web_req_state(r)->lang);
}

bool
uim_is_client(struct req *r)
{
	return page_session(r)->role == ROLE_CLIENT;
}

void
uim_back_link(struct req *r, const char *url, const char *label)
{
	P(r, "<p><a href=\"");
	A(r, url);
	P(r, "\">");
	T(r, label);
	P(r, "</a></p>\n");
}

void
uim_error_box(struct req *r, const char *text)
{
	P(r, "<div class=\"notice error\" role=\"alert\"><p>");
	T(r, text);
	P(r, "</p></div>\n");
}

/* A parsed instrument for a version, living as long as the request. */
static int
load_version(struct req *r, int64_t vid, struct measure_version *v,
    struct instrument **ins)
{
	struct app *app = r->app;
	int rc;

	if ((rc = measure_version_get(app->db, vid, &r->arena, v)) != 0)
		return rc;
	/* a stored version parsed once; failing now is our fault */
	if (instrument_parse((struct str){ v->body, v->body_len }, ins,
	    NULL) != 0)
		return ERR_INTERNAL;
	return 0;
}

static const char *
q_title(struct req *r, const struct measure_q *q)
{
	return lang_of(r) == INSTR_EN ? q->title_en : q->title_nl;
}

static const char *
schedule_label(const struct measure_q *q, struct req *r)
{
	switch (q->schedule) {
	case MEASURE_ONCE: return _("Once");
	case MEASURE_EVERY: return arena_printf(&r->arena,
	    _("Every %d days"), q->every_days);
	case MEASURE_PHASE: return _("At every phase change");
	case MEASURE_APPOINTMENT: return _("Around appointments");
	case MEASURE_BEFORE: return arena_printf(&r->arena,
	    _("%d hours before each appointment"), q->appt_hours);
	case MEASURE_AFTER: return arena_printf(&r->arena,
	    _("%d hours after each appointment"), q->appt_hours);
	}
	return "?";
}

/* --- the trajectory's questionnaires ------------------------------------ */

static int
measures_page(struct req *r, int64_t tid, const struct why *w)
{
	struct app *app = r->app;
	struct measure_q *q;
	struct measure_version *lib;
	int n, nlib, i, rc;
	size_t k;

	if ((rc = measure_list(app->db, tid, &r->arena, &q, &n)) != 0)
		return rc;
	if (w != NULL)
		r->status = err_status(ERR_INVAL);
	page_begin(r, _("Questionnaires"));
	uim_back_link(r, arena_printf(&r->arena, "/t/%lld", (long long)tid),
	    _("Back to the trajectory"));
	PF(r, "<p><a href=\"/t/%lld/mood\">", (long long)tid);
	T(r, _("Mood meter"));
	PF(r, "</a> · <a href=\"/t/%lld/diary\">", (long long)tid);
	T(r, _("Diary"));
	P(r, "</a></p>\n");
	if (req_query(r, "done"))
		page_notice(r, "ok", _("Saved."));
	if (n == 0) {
		P(r, "<p>");
		T(r, _("No questionnaires yet."));
		P(r, "</p>\n");
	} else {
		P(r, "<table><caption>");
		T(r, _("Questionnaires in this trajectory"));
		P(r, "</caption><thead><tr><th scope=\"col\">");
		T(r, _("Questionnaire"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("When"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Status"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Results"));
		P(r, "</th></tr></thead><tbody>\n");
		for (i = 0; i < n; i++) {
			bool due = q[i].due_at != 0 &&
			    q[i].due_at <= (int64_t)time(NULL);

			P(r, "<tr><td>");
			if (uim_is_client(r) && (due || q[i].open)) {
				PF(r, "<a href=\"/q/%lld\">",
				    (long long)q[i].id);
				T(r, q_title(r, &q[i]));
				P(r, "</a>");
			} else
				T(r, q_title(r, &q[i]));
			PF(r, " <small>(%s %lld)</small></td><td>",
			    _("version"), (long long)q[i].version_no);
			T(r, schedule_label(&q[i], r));
			P(r, "</td><td>");
			T(r, q[i].open ? _("Started") : due ?
			    _("To fill in") : _("Not due"));
			PF(r, "</td><td><a href=\"/q/%lld/results\">",
			    (long long)q[i].id);
			PF(r, "%s (%d)</a></td></tr>\n", _("Results"),
			    q[i].completed);
		}
		P(r, "</tbody></table>\n");
	}
	if (uim_is_client(r)) {
		page_end(r);
		return 0;
	}
	/* the professional gives one */
	if ((rc = measure_library(app->db, page_session(r)->org_id,
	    &r->arena, &lib, &nlib)) != 0)
		return rc;
	P(r, "<section aria-labelledby=\"h-give\"><h2 id=\"h-give\">");
	T(r, _("Give a questionnaire"));
	P(r, "</h2>\n");
	if (w != NULL)
		uim_error_box(r, page_why(r, w));
	form_begin(r, arena_printf(&r->arena, "/t/%lld/questionnaires",
	    (long long)tid));
	P(r, "<p class=\"field\"><label for=\"f-instrument\">");
	T(r, _("Questionnaire"));
	P(r, "</label>\n<select id=\"f-instrument\" name=\"instrument\">");
	for (i = 0; i < nlib; i++) {
		PF(r, "<option value=\"%lld\">", (long long)lib[i].id);
		T(r, lib[i].name);
		PF(r, " (%s %lld)</option>", _("version"),
		    (long long)lib[i].version_no);
	}
	for (k = 0; k < instr_shipped_count(); k++) {
		PF(r, "<option value=\"shipped:%s\">%s (%s)</option>",
		    instr_shipped_name(k), instr_shipped_name(k),
		    _("shipped with Infuus"));
	}
	P(r, "</select></p>\n<fieldset><legend>");
	T(r, _("When"));
	P(r, "</legend>\n");
	{
		static const char *const v[] = { "once", "every", "phase",
		    "before", "after" };
		const char *l[5];

		l[0] = _("Once");
		l[1] = _("Every so many days (below)");
		l[2] = _("At every phase change");
		l[3] = _("So many hours before each appointment (below)");
		l[4] = _("So many hours after each appointment (below)");
		for (k = 0; k < 5; k++) {
			PF(r, "<p><input type=\"radio\" name=\"schedule\" "
			    "id=\"s-%s\" value=\"%s\"%s> <label for=\"s-%s\">",
			    v[k], v[k], k == 0 ? " checked" : "", v[k]);
			T(r, l[k]);
			P(r, "</label></p>\n");
		}
	}
	P(r, "</fieldset>\n");
	form_input(r, "every", _("Every how many days"), "number", "14",
	    NULL, 0);
	form_input(r, "hours", _("How many hours before or after"), "number",
	    "24", NULL, 0);
	form_submit(r, _("Give the questionnaire"));
	form_end(r);
	P(r, "<p><a href=\"/instruments\">");
	T(r, _("Your organisation's questionnaires: make or change one"));
	P(r, "</a></p></section>\n");
	page_end(r);
	return 0;
}

int
ui_measures(struct req *r)
{
	return measures_page(r, web_obj(r)->id, NULL);
}

int
ui_measures_give_post(struct req *r)
{
	struct app *app = r->app;
	struct measure_env env = menv(r);
	struct session *s = page_session(r);
	int64_t tid = web_obj(r)->id, vid = 0, qid = 0, every = 0;
	const char *inst = page_form(r, "instrument");
	enum measure_schedule sch;
	struct audit_event ev;
	struct why w = { 0 };
	int rc;

	if (measure_schedule_parse(page_form(r, "schedule"), &sch) != 0)
		sch = (enum measure_schedule)-1;
	if (sch == MEASURE_EVERY &&
	    num_parse_i64(str_c(page_form(r, "every")), 0, 100000,
	    &every) != 0)
		every = 0;
	/* the N of "N hours before/after": measure_assign checks it */
	if ((sch == MEASURE_BEFORE || sch == MEASURE_AFTER) &&
	    num_parse_i64(str_c(page_form(r, "hours")), 0, 100000,
	    &every) != 0)
		every = 0;
	if (strncmp(inst, "shipped:", 8) == 0) {
		struct buf text = BUF_INIT;
		struct instr_error e;

		if ((rc = instr_shipped_text(app->cfg.share_dir, inst + 8,
		    &text)) == 0) {
			uim_event_for(r, &ev, AUDIT_CREATE, "instrument", 0);
			rc = measure_version_add(&env, s->org_id, s->user_id,
			    buf_str(&text), true, &ev, &vid, &e);
		}
		buf_release(&text);
		if (rc != 0)
			return rc == ERR_NOTFOUND ? measures_page(r, tid,
			    &(struct why){ "instrument", N_("There is no "
			    "such questionnaire in your organisation's "
			    "library."), NULL, 0 }) : rc;
	} else if (num_parse_i64(str_c(inst), 1, INT64_MAX, &vid) != 0)
		return measures_page(r, tid, &(struct why){ "instrument",
		    N_("Choose a questionnaire."), NULL, 0 });
	uim_event_for(r, &ev, AUDIT_CREATE, "questionnaire", 0);
	rc = measure_assign(&env, tid, vid, sch, (int)every, s->user_id, &ev,
	    &qid, &w);
	if (rc == ERR_INVAL || rc == ERR_NOTFOUND)
		return measures_page(r, tid, &w);
	if (rc != 0)
		return rc;
	resp_redirect(r, arena_printf(&r->arena, "/t/%lld/measures?done=1",
	    (long long)tid));
	return 0;
}

/* --- filling in --------------------------------------------------------- */

static void
item_fieldset(struct req *r, const struct instrument *ins, int i,
    const struct instr_answers *a, bool invalid)
{
	const struct instr_item *it = &ins->item[i];
	const struct instr_scale *sc = &ins->scale[it->scale];
	enum instr_lang lang = lang_of(r);
	int p;

	PF(r, "<fieldset class=\"item\" id=\"item-%d\"%s><legend>", i,
	    invalid ? " aria-invalid=\"true\"" : "");
	PF(r, "<span class=\"num\">%d.</span> ", i + 1);
	TS(r, instrument_text(it->text, lang));
	P(r, "</legend>\n<div class=\"scale\">");
	for (p = sc->min; p <= sc->max; p++) {
		struct str lab = instrument_text(sc->label[p - sc->min], lang);

		PF(r, "<p><input type=\"radio\" name=\"a.%.*s\" "
		    "id=\"a-%d-%d\" value=\"%d\"%s> <label for=\"a-%d-%d\">",
		    (int)it->id.len, it->id.p, i, p, p,
		    a->v[i] == p ? " checked" : "", i, p);
		if (lab.len > 0) {
			TS(r, lab);
			PF(r, " <span class=\"point\">(%d)</span>", p);
		} else
			PF(r, "%d", p);
		P(r, "</label></p>");
	}
	if (ins->decline) {
		PF(r, "<p class=\"decline\"><input type=\"radio\" "
		    "name=\"a.%.*s\" id=\"a-%d-x\" value=\"-\"%s> "
		    "<label for=\"a-%d-x\">", (int)it->id.len, it->id.p, i,
		    a->v[i] == INSTR_DECLINED ? " checked" : "", i);
		T(r, _("Rather not answer"));
		P(r, "</label></p>");
	}
	P(r, "</div></fieldset>\n");
}

static int
next_shown(const struct instrument *ins, const struct instr_answers *a,
    int from, int dir)
{
	int i;

	for (i = from; i >= 0 && i < ins->nitems; i += dir)
		if (instrument_shown(ins, a, i))
			return i;
	return -1;
}

static int
fill_page(struct req *r, int64_t qid, int at, bool all, const struct why *w,
    const struct instr_answers *typed)
{
	struct app *app = r->app;
	struct measure_env env = menv(r);
	struct measure_version v;
	struct measure_q q;
	struct instrument *ins = NULL;
	struct instr_answers a;
	enum instr_lang lang = lang_of(r);
	int rc, i, shown = 0, pos = 0;

	if ((rc = measure_get(app->db, qid, &r->arena, &q)) != 0 ||
	    (rc = load_version(r, q.version_id, &v, &ins)) != 0)
		goto out;
	if (typed != NULL)
		a = *typed;
	else if ((rc = measure_answers_get(&env, qid, ins, &a)) != 0)
		goto out;
	if (at < 0 || at >= ins->nitems || !instrument_shown(ins, &a, at))
		at = next_shown(ins, &a, at < 0 ? 0 : at, 1);
	if (at < 0)
		at = next_shown(ins, &a, ins->nitems - 1, -1);
	for (i = 0; i < ins->nitems; i++)
		if (instrument_shown(ins, &a, i)) {
			shown++;
			if (i < at)
				pos++;
		}
	if (w != NULL)
		r->status = 400;
	page_begin(r, arena_strz(&r->arena, instrument_text(ins->title,
	    lang)));
	uim_back_link(r, arena_printf(&r->arena, "/t/%lld/measures",
	    (long long)q.traj_id), _("Back to the questionnaires"));
	if (w != NULL)
		uim_error_box(r, page_why(r, w));
	if (ins->intro[lang].p != NULL) {
		P(r, "<p class=\"intro\">");
		TS(r, instrument_text(ins->intro, lang));
		P(r, "</p>\n");
	}
	form_begin(r, arena_printf(&r->arena, "/q/%lld", (long long)qid));
	PF(r, "<input type=\"hidden\" name=\"version\" value=\"%lld\">\n",
	    (long long)q.version_id);
	if (all) {
		P(r, "<input type=\"hidden\" name=\"all\" value=\"1\">\n");
		for (i = 0; i < ins->nitems; i++)
			if (instrument_shown(ins, &a, i))
				item_fieldset(r, ins, i, &a, false);
		P(r, "<p class=\"nav\"><button type=\"submit\" name=\"go\" "
		    "value=\"finish\">");
		T(r, _("Finish"));
		P(r, "</button> <button type=\"submit\" name=\"go\" "
		    "value=\"save\" class=\"secondary\">");
		T(r, _("Save and continue later"));
		P(r, "</button></p>\n");
	} else {
		PF(r, "<input type=\"hidden\" name=\"i\" value=\"%d\">\n", at);
		PF(r, "<p class=\"progress\">");
		PF(r, _("Question %d of %d"), pos + 1, shown);
		P(r, "</p>\n");
		if (at >= 0)
			item_fieldset(r, ins, at, &a, w != NULL);
		/* Next (or Finish) comes first: Enter in a choice submits
		 * with the form's first button, so the keyboard moves on */
		P(r, "<p class=\"nav\">");
		if (next_shown(ins, &a, at + 1, 1) >= 0) {
			P(r, "<button type=\"submit\" name=\"go\" "
			    "value=\"next\">");
			T(r, _("Next"));
			P(r, "</button> ");
		} else {
			P(r, "<button type=\"submit\" name=\"go\" "
			    "value=\"finish\">");
			T(r, _("Finish"));
			P(r, "</button> ");
		}
		if (next_shown(ins, &a, at - 1, -1) >= 0) {
			P(r, "<button type=\"submit\" name=\"go\" "
			    "value=\"prev\" class=\"secondary\">");
			T(r, _("Previous"));
			P(r, "</button> ");
		}
		P(r, "<button type=\"submit\" name=\"go\" value=\"save\" "
		    "class=\"secondary\">");
		T(r, _("Save and continue later"));
		P(r, "</button></p>\n");
	}
	form_end(r);
	if (!all) {
		PF(r, "<p class=\"wide-only\"><a href=\"/q/%lld?all=1\">",
		    (long long)qid);
		T(r, _("Show all questions on one page"));
		P(r, "</a></p>\n");
	}
	page_end(r);
out:
	instrument_free(ins);
	return rc;
}

int
ui_fill(struct req *r)
{
	const char *i = req_query(r, "i");
	int64_t at = -1;

	if (i != NULL && num_parse_i64(str_c(i), 0, LIMIT_INSTRUMENT_ITEMS,
	    &at) != 0)
		at = -1;
	return fill_page(r, web_obj(r)->id, (int)at,
	    req_query(r, "all") != NULL, NULL, NULL);
}

int
ui_fill_post(struct req *r)
{
	struct app *app = r->app;
	struct measure_env env = menv(r);
	int64_t qid = web_obj(r)->id, vid = 0, at = 0;
	struct measure_version v;
	struct measure_q q;
	struct instrument *ins = NULL;
	struct instr_answers a, cur;
	struct audit_event ev;
	struct why w = { 0 };
	bool given[LIMIT_INSTRUMENT_ITEMS] = { false };
	bool all = req_form(r, "all") != NULL, done = false;
	const char *go = page_form(r, "go");
	size_t k;
	int rc, next;

	if ((rc = measure_get(app->db, qid, &r->arena, &q)) != 0)
		return rc;
	/* the version the form showed; measure_answer refuses answers to
	 * any other than the questionnaire's */
	if (num_parse_i64(str_c(page_form(r, "version")), 1, INT64_MAX,
	    &vid) != 0)
		vid = 0;
	if ((rc = load_version(r, q.version_id, &v, &ins)) != 0)
		goto out;
	instrument_answers_init(&a);
	for (k = 0; k < r->nform; k++) {
		const char *key = r->form[k].key;
		int64_t val;
		int i;

		if (strncmp(key, "a.", 2) != 0)
			continue;
		if ((i = instrument_item(ins, str_c(key + 2))) < 0) {
			w = (struct why){ NULL, N_("These answers belong to "
			    "another version of the questionnaire."), NULL,
			    0 };
			rc = fill_page(r, qid, 0, all, &w, NULL);
			r->status = 400;
			goto out;
		}
		if (strcmp(r->form[k].val, "-") == 0)
			val = INSTR_DECLINED;
		else if (num_parse_i64(str_c(r->form[k].val), -1000, 1000,
		    &val) != 0)
			val = INT16_MAX;
		a.v[i] = (int16_t)val;
		given[i] = true;
	}
	if (num_parse_i64(str_c(page_form(r, "i")), 0,
	    LIMIT_INSTRUMENT_ITEMS, &at) != 0)
		at = 0;
	uim_event_for(r, &ev, AUDIT_UPDATE, "questionnaire", qid);
	rc = measure_answer(&env, qid, vid, ins, &a, given,
	    strcmp(go, "finish") == 0, &ev, &done, &w);
	if (rc == ERR_CONFLICT) {
		/* nothing of another version's answers is kept or shown */
		rc = fill_page(r, qid, 0, all, &w, NULL);
		r->status = err_status(ERR_CONFLICT);
		goto out;
	}
	if (rc == ERR_INVAL) {
		if ((rc = measure_answers_get(&env, qid, ins, &cur)) != 0)
			goto out;
		for (k = 0; k < (size_t)ins->nitems; k++)
			if (given[k] && a.v[k] != INT16_MAX)
				cur.v[k] = a.v[k];
		rc = fill_page(r, qid, (int)at, all, &w, &cur);
		r->status = err_status(ERR_INVAL);
		goto out;
	}
	if (rc != 0)
		goto out;
	if (done) {
		resp_redirect(r, arena_printf(&r->arena,
		    "/q/%lld/results?done=1", (long long)qid));
		goto out;
	}
	if (strcmp(go, "save") == 0) {
		resp_redirect(r, arena_printf(&r->arena,
		    "/t/%lld/measures?done=1", (long long)q.traj_id));
		goto out;
	}
	if ((rc = measure_answers_get(&env, qid, ins, &cur)) != 0)
		goto out;
	next = (int)at;
	if (strcmp(go, "next") == 0)
		next = next_shown(ins, &cur, (int)at + 1, 1);
	else if (strcmp(go, "prev") == 0)
		next = next_shown(ins, &cur, (int)at - 1, -1);
	if (next < 0)
		next = (int)at;
	resp_redirect(r, all ? arena_printf(&r->arena, "/q/%lld?all=1",
	    (long long)qid) : arena_printf(&r->arena, "/q/%lld?i=%d#item-%d",
	    (long long)qid, next, next));
out:
	instrument_free(ins);
	return rc;
}

/* --- results ------------------------------------------------------------ */

const char *
uim_num_text(struct req *r, double v)
{
	if (fabs(v - round(v)) < 1e-9)
		return arena_printf(&r->arena, "%.0f", v);
	return page_decimal(r, v);
}

int
ui_results(struct req *r)
{
	struct app *app = r->app;
	struct measure_env env = menv(r);
	int64_t qid = web_obj(r)->id;
	struct measure_version v;
	struct measure_q q;
	struct instrument *ins = NULL;
	struct measure_result *res;
	struct audit_event ev;
	enum instr_lang lang = lang_of(r);
	const char *q_off;
	int64_t off = 0, total = 0;
	int rc, n, s, i, k;

	if ((rc = measure_get(app->db, qid, &r->arena, &q)) != 0 ||
	    (rc = load_version(r, q.version_id, &v, &ins)) != 0)
		goto out;
	if ((q_off = req_query(r, "older")) != NULL &&
	    num_parse_i64(str_c(q_off), 0, 1000000, &off) != 0)
		off = 0;
	uim_event_for(r, &ev, AUDIT_READ, "questionnaire", qid);
	if ((rc = measure_results(&env, qid, ins, &ev, LIMIT_RESULTS_PAGE,
	    (int)off, &r->arena, &res, &n, &total)) != 0)
		goto out;
	page_begin(r, arena_printf(&r->arena, "%s: %s", _("Results"),
	    arena_strz(&r->arena, instrument_text(ins->title, lang))));
	uim_back_link(r, arena_printf(&r->arena, "/t/%lld/measures",
	    (long long)q.traj_id), _("Back to the questionnaires"));
	if (req_query(r, "done"))
		page_notice(r, "ok", _("Thank you; your answers were saved."));
	PF(r, "<p><a href=\"/q/%lld/results.csv\">", (long long)qid);
	T(r, _("Download the results (CSV)"));
	P(r, "</a></p>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("No results yet."));
		P(r, "</p>\n");
	}
	for (s = 0; s < ins->nscores && n > 0; s++) {
		const struct instr_score *sc = &ins->score[s];
		struct str name = sc->name[0].p ? instrument_text(sc->name,
		    lang) : sc->id;
		const char *sname = arena_strz(&r->arena, name);
		double *x = arena_calloc(&r->arena, (size_t)n, sizeof(*x));
		double *y = arena_calloc(&r->arena, (size_t)n, sizeof(*y));
		double *bands = arena_calloc(&r->arena,
		    (size_t)sc->ncut + 1, sizeof(*bands));
		double ymin = 0, ymax = 1, prev = 0;
		bool have_prev = false;
		struct svgplot p;
		int m = 0, last = -1;

		for (i = 0; i < n; i++)
			if (res[i].ok[s]) {
				x[m] = (double)res[i].completed_at;
				y[m] = res[i].value[s];
				if (y[m] > ymax)
					ymax = y[m];
				if (y[m] < ymin)
					ymin = y[m];
				m++;
				last = i;
			}
		/* the scale's range where the items say it */
		{
			double lo = 0, hi = 0;

			for (k = 0; k < sc->nitems; k++) {
				const struct instr_scale *is =
				    &ins->scale[ins->item[sc->item[k]].scale];
				double wgt = fabs(sc->weight[k]);

				if (sc->method == INSTR_MEAN) {
					lo = is->min;
					hi = hi > is->max ? hi : is->max;
				} else {
					lo += wgt * is->min;
					hi += wgt * is->max;
				}
			}
			if (hi * sc->factor > ymax)
				ymax = hi * sc->factor;
			if (lo * sc->factor < ymin)
				ymin = lo * sc->factor;
		}
		for (k = 0; k < sc->ncut; k++)
			bands[k] = sc->cut[k].from;
		PF(r, "<section class=\"result\" aria-labelledby=\"h-s%d\">"
		    "<h2 id=\"h-s%d\">", s, s);
		T(r, sname);
		P(r, "</h2>\n");
		if (last >= 0) {
			const struct measure_result *lr = &res[last];
			int band = instrument_band(sc, lr->value[s]);
			double rci;

			P(r, "<p class=\"latest\">");
			T(r, _("Latest score:"));
			P(r, " <strong>");
			T(r, uim_num_text(r, lr->value[s]));
			P(r, "</strong>");
			if (band >= 0) {
				P(r, " — ");
				TS(r, instrument_text(sc->cut[band].label,
				    lang));
			}
			P(r, "</p>\n");
			for (i = last - 1; i >= 0; i--)
				if (res[i].ok[s]) {
					prev = res[i].value[s];
					have_prev = true;
					break;
				}
			if (have_prev) {
				double d = lr->value[s] - prev;

				P(r, "<p>");
				T(r, _("Change since the previous result:"));
				PF(r, " %s%s", d > 0 ? "+" : "",
				    uim_num_text(r, d));
				if (instrument_rci(sc, prev, lr->value[s],
				    &rci) == 0) {
					bool better = sc->higher_better ?
					    rci > 0 : rci < 0;

					P(r, " (");
					T(r, _("reliable change index"));
					PF(r, " %s: ", page_decimal(r, rci));
					T(r, fabs(rci) <= 1.96 ?
					    _("no reliable change") : better ?
					    _("reliably improved") :
					    _("reliably worsened"));
					P(r, ")");
				}
				P(r, "</p>\n");
			}
		}
		svgplot_init(&p, arena_printf(&r->arena, "%s: %s",
		    _("Scores over time"), sname), arena_printf(&r->arena,
		    _("%d results; the table beside the plot holds the "
		    "numbers."), m));
		p.id = arena_printf(&r->arena, "plot-%d", s);
		p.ymin = ymin;
		p.ymax = ymax;
		p.x = x;
		p.y = y;
		p.n = m > LIMIT_PLOT_POINTS ? LIMIT_PLOT_POINTS : m;
		if (m > LIMIT_PLOT_POINTS) {
			p.x = x + (m - LIMIT_PLOT_POINTS);
			p.y = y + (m - LIMIT_PLOT_POINTS);
		}
		p.bands = bands;
		p.nbands = sc->ncut;
		P(r, "<div class=\"plot-pair\"><figure>");
		svgplot_render(&p, &r->resp);
		P(r, "</figure>\n<table><caption>");
		T(r, sname);
		P(r, "</caption><thead><tr><th scope=\"col\">");
		T(r, _("Date"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Score"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Band"));
		P(r, "</th></tr></thead><tbody>\n");
		for (i = n - 1; i >= 0; i--) {
			int band;

			if (!res[i].ok[s])
				continue;
			band = instrument_band(sc, res[i].value[s]);
			P(r, "<tr><td>");
			T(r, page_time(r, res[i].completed_at));
			P(r, "</td><td>");
			T(r, uim_num_text(r, res[i].value[s]));
			P(r, "</td><td>");
			if (band >= 0)
				TS(r, instrument_text(sc->cut[band].label,
				    lang));
			P(r, "</td></tr>\n");
		}
		P(r, "</tbody></table></div></section>\n");
	}
	if (off + n < total) {
		PF(r, "<p><a href=\"/q/%lld/results?older=%lld\">",
		    (long long)qid, (long long)(off + n));
		T(r, _("Older results"));
		P(r, "</a></p>\n");
	}
	if (off > 0) {
		PF(r, "<p><a href=\"/q/%lld/results?older=%lld\">",
		    (long long)qid, (long long)(off > LIMIT_RESULTS_PAGE ?
		    off - LIMIT_RESULTS_PAGE : 0));
		T(r, _("Newer results"));
		P(r, "</a></p>\n");
	}
	P(r, "<details><summary>");
	T(r, _("About this questionnaire"));
	P(r, "</summary><p>");
	TS(r, ins->source);
	P(r, "</p><p>");
	TS(r, ins->licence);
	P(r, "</p></details>\n");
	ui_time_active_tag(r, arena_printf(&r->arena, "/q/%lld/active",
	    (long long)web_obj(r)->id));
	page_end(r);
out:
	instrument_free(ins);
	return rc;
}

int
ui_results_csv(struct req *r)
{
	struct app *app = r->app;
	struct measure_env env = menv(r);
	int64_t qid = web_obj(r)->id;
	struct measure_version v;
	struct measure_q q;
	struct instrument *ins = NULL;
	struct measure_result *res;
	struct audit_event ev;
	struct buf b = BUF_INIT;
	int64_t total = 0;
	int rc, n, s, i;

	if ((rc = measure_get(app->db, qid, &r->arena, &q)) != 0 ||
	    (rc = load_version(r, q.version_id, &v, &ins)) != 0)
		goto out;
	uim_event_for(r, &ev, AUDIT_EXECUTE, "questionnaire", qid);
	if ((rc = measure_results(&env, qid, ins, &ev, LIMIT_RESULTS_CSV, 0,
	    &r->arena, &res, &n, &total)) != 0)
		goto out;
	/* ids, not texts, in the header: they are names of the format
	 * (small letters, digits, - and _), so nothing needs quoting */
	buf_adds(&b, "completed_at,instrument,version");
	for (s = 0; s < ins->nscores; s++) {
		buf_addch(&b, ',');
		buf_addstr(&b, ins->score[s].id);
	}
	buf_adds(&b, "\r\n");
	for (i = 0; i < n; i++) {
		struct tm tm;
		time_t t = (time_t)res[i].completed_at;
		char d[32] = "";

		if (gmtime_r(&t, &tm) != NULL)
			strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%SZ", &tm);
		buf_printf(&b, "%s,%s,%lld", d, q.name,
		    (long long)q.version_no);
		for (s = 0; s < ins->nscores; s++) {
			if (res[i].ok[s])
				buf_printf(&b, ",%.4g", res[i].value[s]);
			else
				buf_addch(&b, ',');
		}
		buf_adds(&b, "\r\n");
	}
	r->resp_type = "text/csv; charset=utf-8";
	resp_header(r, "Content-Disposition", arena_printf(&r->arena,
	    "attachment; filename=\"results-%lld.csv\"", (long long)qid));
	buf_add(&r->resp, b.p, b.len);
out:
	buf_wipe(&b);
	instrument_free(ins);
	return rc;
}

/* --- the library: make, upload and preview ------------------------------ */

void
uim_preview(struct req *r, const struct instrument *ins)
{
	struct instr_answers a;
	int i;

	instrument_answers_init(&a);
	P(r, "<section class=\"preview\" aria-labelledby=\"h-prev\"><h2 "
	    "id=\"h-prev\">");
	T(r, _("Preview"));
	P(r, ": ");
	TS(r, instrument_text(ins->title, lang_of(r)));
	PF(r, "</h2>\n<p>%d %s, %d %s</p>\n", ins->nitems, _("questions"),
	    ins->nscores, _("scores"));
	for (i = 0; i < ins->nitems; i++)
		item_fieldset(r, ins, i, &a, false);
	P(r, "</section>\n");
}

static int
library_page(struct req *r, const char *text, const struct instr_error *e,
    const struct instrument *ins, int64_t saved)
{
	struct app *app = r->app;
	struct measure_version *lib;
	int nlib, i, rc;

	if ((rc = measure_library(app->db, page_session(r)->org_id,
	    &r->arena, &lib, &nlib)) != 0)
		return rc;
	page_begin(r, _("Questionnaires of your organisation"));
	if (saved > 0)
		page_notice(r, "ok", _("The new version was saved."));
	if (nlib > 0) {
		P(r, "<ul>");
		for (i = 0; i < nlib; i++) {
			PF(r, "<li><a href=\"/instruments/%lld\">",
			    (long long)lib[i].id);
			T(r, lib[i].name);
			PF(r, "</a> (%s %lld%s)</li>", _("version"),
			    (long long)lib[i].version_no, lib[i].shipped ?
			    arena_printf(&r->arena, ", %s",
			    _("shipped with Infuus")) : "");
		}
		P(r, "</ul>\n");
	}
	P(r, "<section aria-labelledby=\"h-edit\"><h2 id=\"h-edit\">");
	T(r, _("Write or change a questionnaire"));
	P(r, "</h2>\n<p>");
	T(r, _("Write the questionnaire in the instrument format; a file with the id of an existing one becomes its next version. Answers stay with the version they were given to."));
	P(r, "</p>\n<p><a href=\"/instrument-builder\">");
	T(r, _("Or build one with a form"));
	P(r, "</a></p>\n");
	if (e != NULL) {
		struct buf m = BUF_INIT;
		const char *msg = _(e->msg);

		r->status = 400;
		P(r, "<div class=\"notice error\" role=\"alert\" "
		    "id=\"text-error\"><p>");
		if (e->line > 0) {
			PF(r, _("Line %d: "), e->line);
		}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		buf_printf(&m, msg, e->token);
#pragma GCC diagnostic pop
		T(r, m.p);
		buf_release(&m);
		P(r, "</p></div>\n");
	}
	/* the text may pass LIMIT_BODY_ANON: the token rides in the
	 * action's query too */
	form_begin(r, arena_printf(&r->arena, "/instruments?csrf=%s",
	    web_csrf_value(r)));
	P(r, "<p class=\"field\"><label for=\"f-text\">");
	T(r, _("The questionnaire's text"));
	P(r, "</label>\n<textarea id=\"f-text\" name=\"text\" rows=\"24\" "
	    "cols=\"80\" spellcheck=\"false\"");
	if (e != NULL)
		P(r, " aria-invalid=\"true\" aria-describedby=\"text-error\"");
	P(r, ">");
	if (text != NULL)
		T(r, text);
	P(r, "</textarea></p>\n<p class=\"nav\"><button type=\"submit\" "
	    "name=\"go\" value=\"preview\">");
	T(r, _("Check and preview"));
	P(r, "</button> <button type=\"submit\" name=\"go\" value=\"save\">");
	T(r, _("Save as a new version"));
	P(r, "</button></p>\n");
	form_end(r);
	P(r, "<form method=\"post\" enctype=\"multipart/form-data\" "
	    "action=\"/instruments/upload?csrf=");
	A(r, web_csrf_value(r));
	P(r, "\"><p class=\"field\"><label for=\"f-file\">");
	T(r, _("Or upload a file"));
	P(r, "</label>\n<input id=\"f-file\" type=\"file\" name=\"file\" "
	    "accept=\".txt,text/plain\"></p><input type=\"hidden\" "
	    "name=\"csrf\" value=\"");
	A(r, web_csrf_value(r));
	P(r, "\"><p><button type=\"submit\">");
	T(r, _("Upload"));
	P(r, "</button></p></form></section>\n");
	if (ins != NULL)
		uim_preview(r, ins);
	page_end(r);
	return 0;
}

int
ui_instruments(struct req *r)
{
	return library_page(r, NULL, NULL, NULL, req_query(r, "done") ?
	    1 : 0);
}

static int
take_text(struct req *r, struct str text, bool save)
{
	struct measure_env env = menv(r);
	struct session *s = page_session(r);
	struct instrument *ins = NULL;
	struct instr_error e;
	struct audit_event ev;
	const char *t = arena_strndup(&r->arena, text.p, text.len);
	int64_t vid = 0;
	int rc;

	if ((rc = instrument_parse(text, &ins, &e)) != 0)
		return library_page(r, t, &e, NULL, 0);
	if (!save) {
		rc = library_page(r, t, NULL, ins, 0);
		instrument_free(ins);
		return rc;
	}
	instrument_free(ins);
	uim_event_for(r, &ev, AUDIT_CREATE, "instrument", 0);
	rc = measure_version_add(&env, s->org_id, s->user_id, text, false,
	    &ev, &vid, &e);
	if (rc == ERR_INVAL || rc == ERR_TOOBIG)
		return library_page(r, t, &e, NULL, 0);
	if (rc != 0)
		return rc;
	resp_redirect(r, arena_printf(&r->arena, "/instruments/%lld?done=1",
	    (long long)vid));
	return 0;
}

int
ui_instruments_post(struct req *r)
{
	return take_text(r, str_c(page_form(r, "text")),
	    strcmp(page_form(r, "go"), "save") == 0);
}

int
ui_instruments_upload(struct req *r)
{
	size_t k;

	for (k = 0; k < r->nuploads; k++)
		if (strcmp(r->uploads[k].field, "file") == 0)
			return take_text(r, (struct str){ r->uploads[k].data,
			    r->uploads[k].len }, true);
	return library_page(r, NULL, &(struct instr_error){ 0,
	    N_("Choose a file to upload."), "" }, NULL, 0);
}

int
ui_instrument(struct req *r)
{
	struct app *app = r->app;
	struct measure_version v, *all;
	struct instrument *ins = NULL;
	int rc, n, i;

	if ((rc = load_version(r, web_obj(r)->id, &v, &ins)) != 0)
		goto out;
	if ((rc = measure_versions(app->db, v.org_id, v.name, &r->arena, &all,
	    &n)) != 0)
		goto out;
	page_begin(r, arena_printf(&r->arena, "%s (%s %lld)", v.name,
	    _("version"), (long long)v.version_no));
	uim_back_link(r, "/instruments", _("All questionnaires"));
	if (req_query(r, "done"))
		page_notice(r, "ok", _("The new version was saved."));
	P(r, "<h2>");
	T(r, _("Versions"));
	P(r, "</h2><ul>");
	for (i = 0; i < n; i++) {
		PF(r, "<li><a href=\"/instruments/%lld\">%s %lld</a> ",
		    (long long)all[i].id, _("version"),
		    (long long)all[i].version_no);
		T(r, page_time(r, all[i].created_at));
		P(r, "</li>");
	}
	P(r, "</ul>\n");
	PF(r, "<p><a href=\"/instruments/%lld/builder\">", (long long)v.id);
	T(r, _("Change it with the form"));
	P(r, "</a></p>\n");
	/* the text may pass LIMIT_BODY_ANON: the token rides in the
	 * action's query too */
	form_begin(r, arena_printf(&r->arena, "/instruments?csrf=%s",
	    web_csrf_value(r)));
	P(r, "<p class=\"field\"><label for=\"f-text\">");
	T(r, _("The questionnaire's text"));
	P(r, "</label>\n<textarea id=\"f-text\" name=\"text\" rows=\"24\" "
	    "cols=\"80\" spellcheck=\"false\">");
	T(r, v.body);
	P(r, "</textarea></p>\n<p class=\"nav\"><button type=\"submit\" "
	    "name=\"go\" value=\"preview\">");
	T(r, _("Check and preview"));
	P(r, "</button> <button type=\"submit\" name=\"go\" value=\"save\">");
	T(r, _("Save as a new version"));
	P(r, "</button></p>\n");
	form_end(r);
	uim_preview(r, ins);
	page_end(r);
out:
	instrument_free(ins);
	return rc;
}

/* --- the diary ---------------------------------------------------------- */

static int
diary_page(struct req *r, int64_t tid, const struct why *w, const char *typed)
{
	struct diary_env env = uim_denv(r);
	struct diary_entry *e;
	struct audit_event ev;
	int rc, n, i;

	uim_event_for(r, &ev, AUDIT_READ, "diary", tid);
	if ((rc = diary_list(&env, tid, uim_is_client(r), 0, INT64_MAX, &ev,
	    &r->arena, &e, &n)) != 0)
		return rc;
	if (w != NULL)
		r->status = 400;
	page_begin(r, _("Diary"));
	uim_back_link(r, arena_printf(&r->arena, "/t/%lld/measures",
	    (long long)tid), _("Back to the questionnaires"));
	if (uim_is_client(r)) {
		P(r, "<p>");
		T(r, _("Your diary is yours alone. Share an entry to let your professional read it."));
		P(r, "</p>\n");
		if (w != NULL)
			uim_error_box(r, page_why(r, w));
		form_begin(r, arena_printf(&r->arena, "/t/%lld/diary?csrf=%s",
		    (long long)tid, web_csrf_value(r)));
		P(r, "<p class=\"field\"><label for=\"f-body\">");
		T(r, _("New entry"));
		P(r, "</label>\n<textarea id=\"f-body\" name=\"body\" "
		    "rows=\"6\">");
		if (typed)
			T(r, typed);
		P(r, "</textarea></p>\n<p><input type=\"checkbox\" "
		    "id=\"f-share\" name=\"share\" value=\"1\"> <label "
		    "for=\"f-share\">");
		T(r, _("Share this entry with my professional"));
		P(r, "</label></p>\n");
		form_submit(r, _("Save the entry"));
		form_end(r);
	} else {
		P(r, "<p>");
		T(r, _("You see the entries the client has shared."));
		P(r, "</p>\n");
	}
	if (n == 0) {
		P(r, "<p>");
		T(r, _("No entries yet."));
		P(r, "</p>\n");
	}
	for (i = 0; i < n; i++) {
		PF(r, "<article class=\"diary\" id=\"d-%lld\"><h2>",
		    (long long)e[i].id);
		T(r, page_time(r, e[i].created_at));
		P(r, "</h2><p class=\"body\">");
		T(r, e[i].body);
		P(r, "</p><p class=\"meta\">");
		if (e[i].shared_at)
			T(r, _("Shared"));
		else {
			T(r, _("Private"));
			P(r, " ");
			form_button(r, arena_printf(&r->arena,
			    "/diary/%lld/share", (long long)e[i].id),
			    _("Share with my professional"));
		}
		P(r, "</p></article>\n");
	}
	page_end(r);
	return 0;
}

int
ui_diary(struct req *r)
{
	return diary_page(r, web_obj(r)->id, NULL, NULL);
}

int
ui_diary_post(struct req *r)
{
	struct diary_env env = uim_denv(r);
	int64_t tid = web_obj(r)->id, id;
	struct audit_event ev;
	struct why w = { 0 };
	const char *body = page_form(r, "body");
	int rc;

	uim_event_for(r, &ev, AUDIT_CREATE, "diary", 0);
	rc = diary_add(&env, tid, str_c(body), req_form(r, "share") != NULL,
	    &ev, &id, &w);
	if (rc == ERR_INVAL || rc == ERR_TOOBIG)
		return diary_page(r, tid, &w, body);
	if (rc != 0)
		return rc;
	resp_redirect(r, arena_printf(&r->arena, "/t/%lld/diary",
	    (long long)tid));
	return 0;
}

int
ui_diary_share_post(struct req *r)
{
	struct diary_env env = uim_denv(r);
	const struct authz_object *o = web_obj(r);
	struct audit_event ev;
	int rc;

	uim_event_for(r, &ev, AUDIT_UPDATE, "diary", o->id);
	if ((rc = diary_share(&env, o->id, &ev)) != 0)
		return rc;
	resp_redirect(r, arena_printf(&r->arena, "/t/%lld/diary#d-%lld",
	    (long long)o->traj_id, (long long)o->id));
	return 0;
}
