/*
 * ui-mood.c - the mood meter (issue 11): a mood now, as a number from 1 to
 * 10 or as one of five faces (stored on the same scale: 2, 4, 6, 8, 10, so
 * the plots need no change), its plots by day, week and month with the
 * shared diary entries marked, and the reminder times on the client's
 * wall clock.
 *
 * The router has checked the trajectory before any handler here runs; the
 * handlers take it from web_obj(r).  Works without JavaScript: the faces
 * and the numbers are plain radio buttons.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/num.h"
#include "diary/diary.h"
#include "http/escape.h"
#include "http/http.h"
#include "identity/session.h"
#include "promise/promise.h"
#include "promise/tz.h"
#include "trajectory/trajectory.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/ui-measures.h"
#include "web/svgplot.h"
#include "web/web_int.h"
#include "core/banned.h"

/* --- the mood meter ----------------------------------------------------- */

enum mood_by { BY_DAY, BY_WEEK, BY_MONTH };

/* The zone reminder times are in: the trajectory's promise's (which is
 * the organisation's unless agreed otherwise), as mood_remind reads it. */
static const char *
mood_zone(struct req *r, int64_t tid)
{
	struct app *app = r->app;
	struct promise p;

	if (app->tzc && traj_promise(app->db, app->tzc, tid, &r->arena,
	    &p) == 0 && p.tz != NULL)
		return tz_name(p.tz);
	return "UTC";
}

/* The five faces, from very bad to very good; face k (1..5) is stored as
 * mood 2k (2, 4, 6, 8, 10: mood_face_value), so the plots need no change.
 * The emoji is decoration (aria-hidden); the label says it in words. */
static void
face_fieldset(struct req *r)
{
	static const char *const emoji[MOOD_FACES] = { "\xF0\x9F\x98\x9E",
	    "\xF0\x9F\x99\x81", "\xF0\x9F\x98\x90",
	    "\xF0\x9F\x99\x82", "\xF0\x9F\x98\x84" };
	const char *label[MOOD_FACES];
	int k;

	label[0] = _("very bad");
	label[1] = _("bad");
	label[2] = _("so-so");
	label[3] = _("good");
	label[4] = _("very good");
	P(r, "<fieldset class=\"mood faces\"><legend>");
	T(r, _("Your mood as a face (stored as 2, 4, 6, 8 or 10 on the scale from 1 to 10)"));
	P(r, "</legend><div class=\"scale\">");
	for (k = 1; k <= MOOD_FACES; k++) {
		PF(r, "<p><input type=\"radio\" name=\"face\" id=\"face-%d\" "
		    "value=\"%d\"> <label for=\"face-%d\"><span "
		    "class=\"face\" aria-hidden=\"true\">%s</span> ", k, k, k,
		    emoji[k - 1]);
		T(r, label[k - 1]);
		P(r, "</label></p>");
	}
	P(r, "</div></fieldset>\n");
}

static int
mood_page(struct req *r, int64_t tid, const struct why *w)
{
	struct app *app = r->app;
	struct diary_env env = uim_denv(r);
	struct mood *m;
	struct diary_entry *d;
	struct audit_event ev;
	const char *by_s = req_query(r, "by");
	enum mood_by by = BY_DAY;
	int64_t now = (int64_t)time(NULL), span, bucket, from;
	double *x, *y, *marks;
	int rc, n, nd, i, nb = 0, nmarks = 0, rem[LIMIT_MOOD_REMINDERS], nrem;
	struct svgplot p;
	static const char *const by_names[] = { "day", "week", "month" };

	if (by_s && strcmp(by_s, "week") == 0)
		by = BY_WEEK;
	else if (by_s && strcmp(by_s, "month") == 0)
		by = BY_MONTH;
	/* the window and the bucket of each view: a day's moods over a
	 * month, weekly means over half a year, monthly means over a year;
	 * the page reads only its window, so years of history cost it
	 * nothing */
	bucket = by == BY_DAY ? 86400 : by == BY_WEEK ? 7 * 86400 : 30 * 86400;
	span = by == BY_DAY ? 31 * 86400 : by == BY_WEEK ? 26 * 7 * 86400 :
	    365 * 86400;
	from = now - span;
	uim_event_for(r, &ev, AUDIT_READ, "mood", tid);
	if ((rc = mood_list(&env, tid, from, now + 1, &ev, &r->arena, &m,
	    &n)) != 0)
		return rc;
	if ((rc = diary_list(&env, tid, uim_is_client(r), from, now + 1, &ev,
	    &r->arena, &d, &nd)) != 0)
		return rc;
	if ((rc = mood_reminders_get(app->db, tid, rem, &nrem)) != 0)
		return rc;
	x = arena_calloc(&r->arena, (size_t)n + 1, sizeof(*x));
	y = arena_calloc(&r->arena, (size_t)n + 1, sizeof(*y));
	marks = arena_calloc(&r->arena, (size_t)nd + 1, sizeof(*marks));
	/* means per bucket (for the day view: every mood) */
	for (i = 0; i < n; ) {
		int64_t b0 = by == BY_DAY ? m[i].at : m[i].at - (m[i].at -
		    from) % bucket;
		double sum = 0;
		int k = 0;

		while (i < n && (by == BY_DAY ? k == 0 :
		    m[i].at < b0 + bucket)) {
			sum += m[i].value;
			k++;
			i++;
		}
		x[nb] = (double)b0;
		y[nb] = sum / k;
		nb++;
	}
	for (i = 0; i < nd; i++)
		marks[nmarks++] = (double)d[i].created_at;
	if (w != NULL)
		r->status = 400;
	page_begin(r, _("Mood meter"));
	uim_back_link(r, arena_printf(&r->arena, "/t/%lld/measures",
	    (long long)tid), _("Back to the questionnaires"));
	if (uim_is_client(r)) {
		P(r, "<section aria-labelledby=\"h-now\"><h2 id=\"h-now\">");
		T(r, _("How are you now?"));
		P(r, "</h2>\n");
		if (w != NULL)
			uim_error_box(r, page_why(r, w));
		form_begin(r, arena_printf(&r->arena, "/t/%lld/mood",
		    (long long)tid));
		face_fieldset(r);
		P(r, "<fieldset class=\"mood\"><legend>");
		T(r, _("Or your mood from 1 (very bad) to 10 (very good); when you choose both, the number counts"));
		P(r, "</legend><div class=\"scale\">");
		for (i = 1; i <= 10; i++)
			PF(r, "<p><input type=\"radio\" name=\"mood\" "
			    "id=\"m-%d\" value=\"%d\"> <label for=\"m-%d\">"
			    "%d</label></p>", i, i, i, i);
		P(r, "</div></fieldset>\n");
		form_input(r, "tags", _("Tags, separated by spaces (for example: sleep work contact)"),
		    "text", NULL, "off", 0);
		P(r, "<p class=\"field\"><label for=\"f-note\">");
		T(r, _("Note (optional)"));
		P(r, "</label>\n<textarea id=\"f-note\" name=\"note\" "
		    "rows=\"3\"></textarea></p>\n");
		form_submit(r, _("Save my mood"));
		form_end(r);
		P(r, "</section>\n");
	}
	P(r, "<nav aria-label=\"");
	A(r, _("Period"));
	P(r, "\"><p>");
	for (i = 0; i < 3; i++) {
		static const char *lab[3];

		lab[0] = _("By day");
		lab[1] = _("By week");
		lab[2] = _("By month");
		if ((int)by == i)
			PF(r, "<strong aria-current=\"page\">%s</strong> ",
			    lab[i]);
		else
			PF(r, "<a href=\"/t/%lld/mood?by=%s\">%s</a> ",
			    (long long)tid, by_names[i], lab[i]);
	}
	P(r, "</p></nav>\n");
	svgplot_init(&p, _("Mood over time"), arena_printf(&r->arena,
	    _("%d points from 1 to 10; dashed lines mark diary entries; the table holds the numbers."),
	    nb));
	p.id = "mood";
	p.ymin = 1;
	p.ymax = 10;
	p.x = x;
	p.y = y;
	p.n = nb > LIMIT_PLOT_POINTS ? LIMIT_PLOT_POINTS : nb;
	p.marks = marks;
	p.nmarks = nmarks;
	P(r, "<div class=\"plot-pair\"><figure>");
	svgplot_render(&p, &r->resp);
	P(r, "</figure>\n<table><caption>");
	T(r, _("Mood"));
	P(r, "</caption><thead><tr><th scope=\"col\">");
	T(r, _("Date"));
	P(r, "</th><th scope=\"col\">");
	T(r, by == BY_DAY ? _("Mood") : _("Mean mood"));
	P(r, "</th></tr></thead><tbody>\n");
	for (i = nb - 1; i >= 0; i--) {
		P(r, "<tr><td>");
		T(r, page_time(r, (int64_t)x[i]));
		P(r, "</td><td>");
		T(r, uim_num_text(r, y[i]));
		P(r, "</td></tr>\n");
	}
	P(r, "</tbody></table></div>\n");
	if (by == BY_DAY && n > 0) {
		P(r, "<h2>");
		T(r, _("Notes and tags"));
		P(r, "</h2><ul>");
		for (i = n - 1; i >= 0; i--) {
			if (!m[i].tags[0] && !m[i].note[0])
				continue;
			P(r, "<li>");
			T(r, page_time(r, m[i].at));
			PF(r, ": %d", m[i].value);
			if (m[i].tags[0]) {
				P(r, " [");
				T(r, m[i].tags);
				P(r, "]");
			}
			if (m[i].note[0]) {
				P(r, " ");
				T(r, m[i].note);
			}
			P(r, "</li>");
		}
		P(r, "</ul>\n");
	}
	if (uim_is_client(r)) {
		P(r, "<section aria-labelledby=\"h-rem\"><h2 id=\"h-rem\">");
		T(r, _("Reminders"));
		P(r, "</h2>\n");
		form_begin(r, arena_printf(&r->arena, "/t/%lld/mood/reminders",
		    (long long)tid));
		{
			struct buf t = BUF_INIT;

			for (i = 0; i < nrem; i++)
				buf_printf(&t, "%s%02d:%02d", i ? " " : "",
				    rem[i] / 60, rem[i] % 60);
			form_input(r, "times", arena_printf(&r->arena, _("Times to remind me, e.g. 09:00 21:00 (on the clock in %s, also after the clocks change; an e-mail that says only that it is time)"), mood_zone(r, tid)),
			    "text", t.p, "off", 0);
			buf_release(&t);
		}
		form_submit(r, _("Save the reminders"));
		form_end(r);
		P(r, "</section>\n");
	}
	page_end(r);
	return 0;
}

int
ui_mood(struct req *r)
{
	return mood_page(r, web_obj(r)->id, NULL);
}

int
ui_mood_post(struct req *r)
{
	struct diary_env env = uim_denv(r);
	int64_t tid = web_obj(r)->id, id, v = 0;
	struct audit_event ev;
	struct why w = { 0 };
	int rc;

	/* a number if one was chosen, else a face (1..5, stored as 2k);
	 * neither or a bad one leaves 0, which mood_add refuses with its
	 * reason */
	if (page_form(r, "mood")[0] != '\0') {
		if (num_parse_i64(str_c(page_form(r, "mood")), 1, 10, &v) != 0)
			v = 0;
	} else if (num_parse_i64(str_c(page_form(r, "face")), 1, MOOD_FACES,
	    &v) == 0)
		v = mood_face_value((int)v);
	uim_event_for(r, &ev, AUDIT_CREATE, "mood", 0);
	rc = mood_add(&env, tid, (int)v, str_c(page_form(r, "tags")),
	    str_c(page_form(r, "note")), &ev, &id, &w);
	if (rc == ERR_INVAL || rc == ERR_TOOBIG || rc == ERR_TOOMANY)
		return mood_page(r, tid, &w);
	if (rc != 0)
		return rc;
	resp_redirect(r, arena_printf(&r->arena, "/t/%lld/mood",
	    (long long)tid));
	return 0;
}

int
ui_mood_reminders_post(struct req *r)
{
	struct diary_env env = uim_denv(r);
	int64_t tid = web_obj(r)->id;
	const char *s = page_form(r, "times");
	int min[LIMIT_MOOD_REMINDERS + 1], n = 0, rc;
	struct audit_event ev;
	struct why w = { 0 };

	while (*s) {
		int h, mi, used = 0;

		while (*s == ' ' || *s == ',')
			s++;
		if (!*s)
			break;
		if (sscanf(s, "%2d:%2d%n", &h, &mi, &used) != 2 || h < 0 ||
		    h > 23 || mi < 0 || mi > 59) {
			w = (struct why){ "times", N_("Write a time as hours "
			    "and minutes, e.g. 09:30."), NULL, 0 };
			return mood_page(r, tid, &w);
		}
		if (n == LIMIT_MOOD_REMINDERS) {
			w = (struct why){ "times", N_("Choose at most %d "
			    "times a day."), NULL, LIMIT_MOOD_REMINDERS };
			return mood_page(r, tid, &w);
		}
		min[n++] = h * 60 + mi;
		s += used;
	}
	uim_event_for(r, &ev, AUDIT_UPDATE, "mood", tid);
	if ((rc = mood_reminders_set(&env, tid, min, n, &ev, &w)) != 0)
		return rc == ERR_INVAL || rc == ERR_TOOMANY ?
		    mood_page(r, tid, &w) : rc;
	resp_redirect(r, arena_printf(&r->arena, "/t/%lld/mood",
	    (long long)tid));
	return 0;
}
