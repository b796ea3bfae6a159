/*
 * ui-assignment.c - assignments and the learning cycle: a trajectory's
 * assignments with each learning question's timeline and the form to give
 * assignments (or offer several), an assignment's page (instructions, the
 * client's work with its draft, the versions side by side with the changes
 * marked, feedback, the cycle's next step), the professional's queue
 * section and the export's part.  The template library is
 * ui-asg-templates.c; what both share is in ui-asg.h.
 *
 * The router checks the trajectory, assignment or file in the path
 * (AUTHZ_TRAJECTORY, AUTHZ_ASSIGNMENT, AUTHZ_ASG_FILE) before a handler
 * runs; src/assignment checks the part each person plays and logs every
 * read before anything is shown.  Instructions, feedback and the cycle's
 * texts reach the page only through markdown_render; the client's work is
 * shown as written (escaped), so the word diff marks what they typed.
 * static/assignment.js saves the draft as the client types; the "Save"
 * button does the same without it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "app/app.h"
#include "assignment/assignment.h"
#include "assignment/cycle.h"
#include "assignment/diff.h"
#include "assignment/template.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/num.h"
#include "identity/session.h"
#include "library/library.h"
#include "message/markdown.h"
#include "message/message.h"
#include "trajectory/trajectory.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/ui-libpick.h"
#include "web/ui-asg.h"
#include "web/ui-thread.h"
#include "web/web_int.h"
#include "core/banned.h"

/* --- helpers ------------------------------------------------------------- */

static struct asg_env
env_of(struct req *r)
{
	struct app *app = r->app;
	struct asg_env e = { app->db, app->kr };

	return e;
}

/* w filled with a reason of this page's own (why_set), for page_refuse. */
static const struct why *
why_p(struct why *w, int err, const char *field, const char *msg)
{
	(void)why_set(w, err, field, msg);
	return w;
}

static bool
is_client(struct req *r)
{
	const struct session *s = page_session(r);

	return s && s->role == ROLE_CLIENT;
}

static void
event(struct req *r, struct audit_event *ev)
{
	web_audit_event(r, ev, AUDIT_READ, "assignment", 0, 0,
	    is_client(r) ? "client-self" : "care");
}

void
uia_assets(struct req *r)
{
	P(r, "<link rel=\"stylesheet\" href=\"/static/assignment.css\">\n"
	    "<script src=\"/static/assignment.js\" defer></script>\n");
}

void
uia_render_md(struct req *r, const char *s)
{
	P(r, "<div class=\"body\">");
	markdown_render(str_c(s ? s : ""), &r->resp);
	P(r, "</div>\n");
}

/* The client's own words as written: escaped, line breaks kept by CSS. */
static void
render_plain(struct req *r, const char *s)
{
	P(r, "<div class=\"work-text\">");
	T(r, s ? s : "");
	P(r, "</div>\n");
}

const char *
uia_form_label(int f)
{
	switch (f) {
	case ASG_READING: return _("Reading");
	case ASG_WRITING: return _("Writing");
	case ASG_EXPERIMENT: return _("An experiment in practice");
	case ASG_OBSERVING: return _("Observing");
	case ASG_WATCH: return _("Watching or listening");
	case ASG_QUESTIONNAIRE: return _("A questionnaire");
	}
	return "?";
}

const char *
uia_pref_label(int i)
{
	switch (i) {
	case 0: return _("doing (activist)");
	case 1: return _("watching and thinking back (reflector)");
	case 2: return _("understanding (theorist)");
	case 3: return _("applying (pragmatist)");
	}
	return "?";
}

static const char *
state_label(enum asg_state s)
{
	switch (s) {
	case ASG_OFFERED: return _("Offered");
	case ASG_ACTIVE: return _("Active");
	case ASG_HANDED_IN: return _("Handed in");
	case ASG_FEEDBACK: return _("Feedback given");
	case ASG_REVISED: return _("Revised");
	case ASG_DONE: return _("Done");
	}
	return "?";
}

static const char *
step_label(enum cycle_kind k)
{
	switch (k) {
	case CYCLE_REPORT: return _("Practice report");
	case CYCLE_REFLECTION: return _("Reflection");
	case CYCLE_CONCLUSION: return _("Conclusion");
	}
	return "?";
}

/* The tags as people read them, "" for none. */
const char *
uia_tags_label(struct req *r, const char *tags)
{
	struct buf b = BUF_INIT;
	const char *out;
	int i;

	for (i = 0; i < ASG_NPREFS; i++) {
		const char *p = strstr(tags ? tags : "", asg_pref_name(i));

		if (p == NULL)
			continue;
		if (b.len)
			buf_adds(&b, ", ");
		buf_adds(&b, uia_pref_label(i));
	}
	out = arena_strndup(&r->arena, b.p ? b.p : "", b.len);
	buf_release(&b);
	return out;
}

static void
state_badge(struct req *r, const struct assignment *a)
{
	PF(r, "<span class=\"state state-%s\">", asg_state_name(a->state));
	T(r, state_label(a->state));
	P(r, "</span>");
	if (a->overdue) {
		P(r, " <strong class=\"overdue\">");
		T(r, _("Overdue"));
		P(r, "</strong>");
	}
}

static const char *
due_label(struct req *r, int64_t due)
{
	if (due <= 0)
		return _("no due date");
	return page_day(r, due / 86400);
}

void
uia_textarea(struct req *r, const char *id, const char *name, const char *label,
    const char *value, int rows, const char *field)
{
	PF(r, "<p class=\"field\"><label for=\"%s\">", id);
	T(r, label);
	PF(r, "</label>\n<textarea id=\"%s\" name=\"%s\" rows=\"%d\"", id,
	    name, rows);
	page_field_attrs(r, field, NULL);
	P(r, ">");
	T(r, value ? value : "");
	P(r, "</textarea>");
	page_field_error(r, field);
	P(r, "</p>\n");
}

void
uia_work_fields(struct req *r)
{
	int f;

	uia_textarea(r, "f-instructions", "instructions",
	    _("Instructions (Markdown)"), page_form(r, "instructions"), 6,
	    "instructions");
	P(r, "<p class=\"field\"><label for=\"f-form\">");
	T(r, _("Work form"));
	P(r, "</label>\n<select id=\"f-form\" name=\"form\"");
	page_field_attrs(r, "form", NULL);
	P(r, ">\n");
	for (f = 0; f < ASG_NFORMS; f++) {
		PF(r, "<option value=\"%s\"%s>", asg_form_name(f),
		    strcmp(page_form(r, "form"), asg_form_name(f)) == 0 ?
		    " selected" : "");
		T(r, uia_form_label(f));
		P(r, "</option>\n");
	}
	P(r, "</select>");
	page_field_error(r, "form");
	P(r, "</p>\n");
	form_input(r, "instrument", _("Questionnaire (its code; only for the work form questionnaire)"),
	    "text", page_form(r, "instrument"), "off", 0);
	P(r, "<fieldset><legend>");
	T(r, _("Fits a learning preference for"));
	P(r, "</legend>\n");
	for (f = 0; f < ASG_NPREFS; f++) {
		PF(r, "<p class=\"check\"><input type=\"checkbox\" name=\"tag\" value=\"%s\" id=\"f-tag-%s\"> <label for=\"f-tag-%s\">",
		    asg_pref_name(f), asg_pref_name(f), asg_pref_name(f));
		T(r, uia_pref_label(f));
		P(r, "</label></p>\n");
	}
	page_field_error(r, "tags");
	P(r, "</fieldset>\n");
}

/* --- the trajectory's assignments and timelines ---------------------------- */

static void
give_form(struct req *r, int64_t tid, const struct learning_question *qs,
    size_t nq)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct asg_template *tpl = NULL;
	size_t ntpl = 0, i;

	(void)tpl_list(app->db, s->org_id, &r->arena, &tpl, &ntpl);
	P(r, "<section aria-labelledby=\"h-give\"><h2 id=\"h-give\">");
	T(r, _("Give an assignment"));
	P(r, "</h2>\n<p>");
	T(r, _("Write one on the spot, or tick templates from your organisation's library. Several at once make an offer: the client chooses where to start."));
	P(r, "</p>\n");
	form_begin_long(r, arena_printf(&r->arena, "/t/%lld/assignments",
	    (long long)tid));
	P(r, "<p class=\"field\"><label for=\"f-question\">");
	T(r, _("Learning question"));
	P(r, "</label>\n<select id=\"f-question\" name=\"question\"");
	page_field_attrs(r, "question", NULL);
	P(r, ">\n");
	for (i = 0; i < nq; i++) {
		PF(r, "<option value=\"%lld\"%s>", (long long)qs[i].id,
		    i + 1 == nq ? " selected" : "");
		T(r, qs[i].body);
		P(r, "</option>\n");
	}
	P(r, "</select>");
	page_field_error(r, "question");
	P(r, "</p>\n");
	if (ntpl > 0) {
		P(r, "<fieldset><legend>");
		T(r, _("From the library"));
		P(r, "</legend>\n");
		for (i = 0; i < ntpl; i++) {
			PF(r, "<p class=\"check\"><input type=\"checkbox\" name=\"tpl\" value=\"%lld\" id=\"f-tpl-%lld\"> <label for=\"f-tpl-%lld\">",
			    (long long)tpl[i].id, (long long)tpl[i].id,
			    (long long)tpl[i].id);
			T(r, tpl[i].title);
			P(r, "</label></p>\n");
		}
		page_field_error(r, "template");
		P(r, "</fieldset>\n");
	}
	P(r, "<fieldset><legend>");
	T(r, _("Written on the spot"));
	P(r, "</legend>\n");
	form_input(r, "title", _("Title"), "text", page_form(r, "title"),
	    "off", 0);
	uia_work_fields(r);
	P(r, "</fieldset>\n");
	form_input(r, "due", _("Due date (optional)"), "date",
	    page_form(r, "due"), "off", 0);
	form_submit(r, _("Give"));
	form_end(r);
	PF(r, "<p><a href=\"/org/assignment-templates\">");
	T(r, _("The template library"));
	P(r, "</a></p>\n</section>\n");
}

static void
timeline(struct req *r, const struct cycle_question *cq, bool client,
    bool closed)
{
	size_t i, k;

	P(r, "<ol class=\"timeline\">\n");
	for (i = 0; i < cq->nexps; i++) {
		const struct assignment *a = &cq->exps[i];

		if (a->state == ASG_OFFERED)
			continue;
		PF(r, "<li class=\"exp\"><span class=\"what\">");
		T(r, a->prev_id ? _("Next experiment") : _("Experiment"));
		PF(r, ":</span> <a href=\"/assignments/%lld\">", (long long)a->id);
		T(r, a->title);
		P(r, "</a> ");
		state_badge(r, a);
		P(r, " <span class=\"muted\">");
		T(r, page_day(r, a->created_at / 86400));
		P(r, "</span>\n");
		for (k = 0; k < cq->nsteps; k++) {
			const struct cycle_step *st = &cq->steps[k];

			if (st->assignment_id != a->id)
				continue;
			PF(r, "<div class=\"step step-%s\"><h4>",
			    cycle_kind_name(st->kind));
			T(r, step_label(st->kind));
			P(r, " <span class=\"muted\">");
			T(r, page_day(r, st->created_at / 86400));
			P(r, "</span></h4>\n");
			uia_render_md(r, st->body);
			P(r, "</div>\n");
		}
		P(r, "</li>\n");
	}
	if (cq->answered_at) {
		P(r, "<li class=\"answered\"><strong>");
		T(r, _("Answered"));
		P(r, "</strong> <span class=\"muted\">");
		T(r, page_day(r, cq->answered_at / 86400));
		P(r, "</span></li>\n");
	}
	P(r, "</ol>\n");
	/* Offers wait for the client's choice. */
	for (i = 0; i < cq->nexps; i++) {
		const struct assignment *a = &cq->exps[i];

		if (a->state != ASG_OFFERED)
			continue;
		P(r, "<div class=\"offer\"><p><strong>");
		T(r, _("On offer:"));
		PF(r, "</strong> <a href=\"/assignments/%lld\">", (long long)a->id);
		T(r, a->title);
		P(r, "</a> (");
		T(r, uia_form_label(a->form));
		P(r, ")</p>");
		if (client && !closed)
			form_button(r, arena_printf(&r->arena,
			    "/assignments/%lld/choose", (long long)a->id),
			    _("Start with this one"));
		P(r, "</div>\n");
	}
}

static int
render_traj(struct req *r)
{
	struct app *app = r->app;
	struct asg_env env = env_of(r);
	const struct session *s = page_session(r);
	const struct authz_object *o = web_obj(r);
	struct learning_question *qs = NULL;
	struct cycle_question *cq = NULL;
	struct audit_event ev;
	size_t nq = 0, ncq = 0, i, k;
	bool client = o->part == ROLE_CLIENT, closed = false;
	struct db_conn *c;
	struct traj_head th;
	int rc;

	event(r, &ev);
	if ((rc = db_read_begin(app->db, &c)) != 0)
		return rc;
	rc = traj_head_on(c, o->id, &th);
	db_read_end(app->db, c);
	if (rc != 0)
		return rc;
	closed = th.phase == TRAJ_CLOSED;
	if ((rc = traj_questions(app->db, app->kr, o->id, &ev, &r->arena, &qs,
	    &nq)) != 0)
		return rc;
	if ((rc = cycle_timeline(&env, o->id, s->user_id, 0, &ev, &r->arena,
	    &cq, &ncq)) != 0)
		return rc;

	page_begin(r, _("Assignments and learning cycle"));
	uia_assets(r);
	PF(r, "<p class=\"crumbs\"><a href=\"/t/%lld\">", (long long)o->id);
	T(r, _("Back to the trajectory"));
	P(r, "</a></p>\n");
	if (req_query(r, "given"))
		page_notice(r, "ok", _("The assignment was given."));
	P(r, "<p>");
	T(r, _("Each learning question develops in a cycle: an experiment in practice, a practice report, a reflection, a conclusion, and then the next experiment, until the question counts as answered."));
	P(r, "</p>\n");
	if (nq == 0) {
		P(r, "<p>");
		T(r, _("This trajectory has no learning questions yet. Add one on the trajectory's page first."));
		P(r, "</p>\n");
	}
	for (i = 0; i < nq; i++) {
		const struct cycle_question *q = NULL;

		for (k = 0; k < ncq; k++)
			if (cq[k].question_id == qs[i].id)
				q = &cq[k];
		PF(r, "<section class=\"question\" id=\"q-%lld\" aria-labelledby=\"h-q-%lld\"><h2 id=\"h-q-%lld\">",
		    (long long)qs[i].id, (long long)qs[i].id,
		    (long long)qs[i].id);
		T(r, qs[i].body);
		P(r, "</h2>\n");
		if (q == NULL || (q->nexps == 0 && q->answered_at == 0)) {
			P(r, "<p>");
			T(r, _("No assignments on this question yet."));
			P(r, "</p>\n");
		} else {
			timeline(r, q, client, closed);
		}
		if (!closed) {
			bool answered = q && q->answered_at;

			form_begin(r, arena_printf(&r->arena,
			    "/t/%lld/answered", (long long)o->id));
			PF(r, "<input type=\"hidden\" name=\"question\" value=\"%lld\">"
			    "<input type=\"hidden\" name=\"answered\" value=\"%d\">",
			    (long long)qs[i].id, answered ? 0 : 1);
			form_submit(r, answered ? _("Open the question again") :
			    _("Mark this question answered"));
			form_end(r);
		}
		P(r, "</section>\n");
	}
	if (!client && !closed && nq > 0)
		give_form(r, o->id, qs, nq);
	page_end(r);
	return 0;
}

int
ui_asg_traj(struct req *r)
{
	return render_traj(r);
}

/* The page again with the reason next to its field (page_refuse); an
 * error page when there is no reason to give. */
static int
traj_again(struct req *r, const struct why *why, int rc)
{
	return page_refuse(r, why, rc) ? rc : render_traj(r);
}

/* A date input's value as the end of that day (UTC); 0 when empty. */
static int
due_of(const char *s, int64_t *due)
{
	int64_t day;

	*due = 0;
	if (s == NULL || s[0] == '\0')
		return 0;
	if (page_parse_day(s, &day) != 0)
		return ERR_INVAL;
	*due = day * 86400 + 86399;
	return 0;
}

int
ui_asg_create_post(struct req *r)
{
	struct asg_env env = env_of(r);
	const struct session *s = page_session(r);
	struct asg_new items[LIMIT_ASG_OFFER + 1];
	struct buf tags = BUF_INIT;
	struct audit_event ev;
	struct why why = { 0 };
	int64_t qid = 0, due = 0, first = 0, tid = web_obj(r)->id, v;
	const char *title = page_form(r, "title");
	const char *instr = page_form(r, "instructions");
	const char *tagstr;
	size_t n = 0, i;
	int rc;

	if (num_parse_i64(str_c(page_form(r, "question")), 1, INT64_MAX,
	    &qid) != 0)
		return traj_again(r, why_p(&why, ERR_INVAL, "question",
		    N_("Choose one of this trajectory's learning questions.")),
		    ERR_INVAL);
	if (due_of(page_form(r, "due"), &due) != 0)
		return traj_again(r, why_p(&why, ERR_INVAL, "due",
		    N_("The due date is not a date (year-month-day).")),
		    ERR_INVAL);
	for (i = 0; i < r->nform; i++)
		if (strcmp(r->form[i].key, "tag") == 0)
			buf_printf(&tags, "%s%s", tags.len ? "," : "",
			    r->form[i].val);
	tagstr = arena_strndup(&r->arena, tags.p ? tags.p : "", tags.len);
	buf_release(&tags);
	memset(items, 0, sizeof(items));
	for (i = 0; i < r->nform && n <= LIMIT_ASG_OFFER; i++) {
		if (strcmp(r->form[i].key, "tpl") != 0)
			continue;
		if (num_parse_i64(str_c(r->form[i].val), 1, INT64_MAX,
		    &v) != 0)
			continue;
		items[n].question_id = qid;
		items[n].template_id = v;
		items[n].due_at = due;
		n++;
	}
	if ((title[0] || instr[0]) && n <= LIMIT_ASG_OFFER) {
		items[n].question_id = qid;
		items[n].title = str_c(title);
		items[n].instructions = str_c(instr);
		items[n].form = page_form(r, "form");
		items[n].instrument = page_form(r, "instrument");
		items[n].tags = tagstr;
		items[n].due_at = due;
		n++;
	}
	/* The template's own tags unless tags were ticked for it. */
	for (i = 0; i < n; i++)
		if (items[i].template_id > 0 && tagstr[0])
			items[i].tags = tagstr;
	event(r, &ev);
	rc = asg_give(&env, tid, s->user_id, items, n, 0, &ev, &why, &first);
	if (rc != 0)
		return traj_again(r, &why, rc);
	resp_redirect(r, arena_printf(&r->arena,
	    "/t/%lld/assignments?given=1#q-%lld", (long long)tid,
	    (long long)qid));
	return 0;
}

int
ui_asg_answered_post(struct req *r)
{
	struct asg_env env = env_of(r);
	const struct session *s = page_session(r);
	struct audit_event ev;
	struct why why = { 0 };
	int64_t qid = 0, tid = web_obj(r)->id;
	int rc;

	if (num_parse_i64(str_c(page_form(r, "question")), 1, INT64_MAX,
	    &qid) != 0)
		return traj_again(r, why_p(&why, ERR_INVAL, NULL,
		    N_("Choose one of this trajectory's learning questions.")),
		    ERR_INVAL);
	event(r, &ev);
	rc = cycle_mark_answered(&env, tid, qid, s->user_id,
	    strcmp(page_form(r, "answered"), "0") != 0, 0, &ev, &why);
	if (rc != 0) {
		/* The reason belongs to the question's button, not a
		 * field of the form below. */
		why.field = NULL;
		return traj_again(r, &why, rc);
	}
	resp_redirect(r, arena_printf(&r->arena, "/t/%lld/assignments#q-%lld",
	    (long long)tid, (long long)qid));
	return 0;
}

/* --- one assignment -------------------------------------------------------- */

/* One side of the comparison, version v (section class cls, heading
 * id hid): the words of ops but those only on the other side, its own
 * marked with tag ("del", "ins"). */
static void
diff_side(struct req *r, const char *cls, const char *hid,
    const struct asg_version *v, const struct diff_op *ops, size_t n,
    enum diff_kind other, enum diff_kind own, const char *tag)
{
	size_t i;

	PF(r, "<section class=\"%s\" aria-labelledby=\"%s\"><h3 id=\"%s\">",
	    cls, hid, hid);
	T(r, arena_printf(&r->arena, _("Version %lld"), (long long)v->n));
	P(r, "</h3><div class=\"work-text\">");
	for (i = 0; i < n; i++) {
		if (ops[i].kind == other)
			continue;
		if (ops[i].kind == own)
			PF(r, "<%s>", tag);
		TS(r, ops[i].text);
		if (ops[i].kind == own)
			PF(r, "</%s>", tag);
	}
	P(r, "</div></section>\n");
}

/* Two versions side by side; the older with deletions, the newer with
 * insertions marked. */
static void
side_by_side(struct req *r, const struct asg_version *va,
    const struct asg_version *vb)
{
	struct diff_op *ops;
	size_t n;

	diff_words((struct str){ va->body, va->len },
	    (struct str){ vb->body, vb->len }, &r->arena, &ops, &n);
	P(r, "<div class=\"sbs\">\n");
	diff_side(r, "old", "h-va", va, ops, n, DIFF_INS, DIFF_DEL, "del");
	diff_side(r, "new", "h-vb", vb, ops, n, DIFF_DEL, DIFF_INS, "ins");
	P(r, "</div>\n<p class=\"hint\">");
	T(r, _("Struck-through words were taken out; underlined words were added."));
	P(r, "</p>\n");
}

/* One file as a link to its download, with its size. */
static void
file_item(struct req *r, const struct asg_file *f)
{
	PF(r, "<li><a href=\"/assignment-files/%lld\">", (long long)f->id);
	T(r, f->name);
	P(r, "</a> <span class=\"muted\">(");
	T(r, thr_size_label(r, f->size));
	P(r, ")</span></li>");
}

/* The files of version n of the client's work (n 0: the draft's), or of
 * the round of feedback fb_id (then n is ignored). */
static void
files_of(struct req *r, const struct asg_view *v, int64_t n, int64_t fb_id)
{
	size_t i;
	bool any = false;

	for (i = 0; i < v->nfiles; i++) {
		const struct asg_file *f = &v->files[i];

		if (fb_id ? f->feedback_id != fb_id :
		    f->feedback_id != 0 || f->version_n != n)
			continue;
		if (!any) {
			P(r, "<ul class=\"attachments\" aria-label=\"");
			A(r, _("Attachments"));
			P(r, "\">");
		}
		any = true;
		file_item(r, f);
	}
	if (any)
		P(r, "</ul>\n");
}

/* What may be attached, next to a file field. */
static const char *
files_hint(struct req *r)
{
	return arena_printf(&r->arena, _("At most %d files of %d MB each: PDF, PNG, JPEG, GIF, plain text, Word (.docx) or OpenDocument text (.odt)."),
	    LIMIT_ASG_FILES, LIMIT_ATTACHMENT / (1024 * 1024));
}

/* The files saved with the draft: they go with the work when it is
 * handed in. */
static bool
has_draft_files(const struct asg_view *v)
{
	size_t i;

	for (i = 0; i < v->nfiles; i++)
		if (v->files[i].version_n == 0 && v->files[i].feedback_id == 0)
			return true;
	return false;
}

static void
draft_files(struct req *r, const struct asg_view *v)
{
	size_t i;

	if (!has_draft_files(v))
		return;
	P(r, "<p id=\"h-draft-files\">");
	T(r, _("Attached to your draft (handed in with it):"));
	P(r, "</p>\n<ul class=\"attachments\" aria-labelledby=\"h-draft-files\">");
	for (i = 0; i < v->nfiles; i++) {
		const struct asg_file *f = &v->files[i];

		if (f->version_n != 0 || f->feedback_id != 0)
			continue;
		PF(r, "<li><a href=\"/assignment-files/%lld\">",
		    (long long)f->id);
		T(r, f->name);
		P(r, "</a> <span class=\"muted\">(");
		T(r, thr_size_label(r, f->size));
		P(r, ")</span> ");
		/* Its own small form: the work form around it would nest. */
		P(r, "<form class=\"inline\" method=\"post\" action=\"");
		A(r, arena_printf(&r->arena, "/assignment-files/%lld/remove",
		    (long long)f->id));
		P(r, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
		A(r, web_csrf_value(r));
		P(r, "\"><button type=\"submit\" class=\"secondary\" aria-label=\"");
		A(r, arena_printf(&r->arena, _("Remove %s"), f->name));
		P(r, "\">");
		T(r, _("Remove"));
		P(r, "</button></form></li>");
	}
	P(r, "</ul>\n");
}

/* A form with files: multipart, and the token in the action too (the
 * body is larger than LIMIT_BODY_ANON). */
static void
form_upload(struct req *r, const char *action)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, action);
	buf_adds(&b, "?csrf=");
	url_arg(&b, str_c(web_csrf_value(r)));
	P(r, "<form method=\"post\" enctype=\"multipart/form-data\" action=\"");
	A(r, arena_strndup(&r->arena, b.p, b.len));
	P(r, "\">\n<input type=\"hidden\" name=\"csrf\" value=\"");
	A(r, web_csrf_value(r));
	P(r, "\">\n");
	buf_release(&b);
}

static const struct asg_version *
version_n(const struct asg_view *v, int64_t n)
{
	size_t i;

	for (i = 0; i < v->nversions; i++)
		if (v->versions[i].n == n)
			return &v->versions[i];
	return NULL;
}

static void
work_form(struct req *r, const struct asg_view *v, const char *body)
{
	P(r, "<section id=\"work\" aria-labelledby=\"h-work\"><h2 id=\"h-work\">");
	T(r, v->nversions ? _("Your revision") : _("Your work"));
	P(r, "</h2>\n");
	draft_files(r, v);
	{
		struct buf b = BUF_INIT;

		buf_printf(&b, "/assignments/%lld/work?csrf=",
		    (long long)v->a.id);
		url_arg(&b, str_c(web_csrf_value(r)));
		P(r, "<form method=\"post\" action=\"");
		A(r, arena_strndup(&r->arena, b.p, b.len));
		buf_release(&b);
	}
	PF(r, "\" enctype=\"multipart/form-data\" id=\"work-form\" data-draft-url=\"/api/assignments/%lld/draft\">\n",
	    (long long)v->a.id);
	P(r, "<input type=\"hidden\" name=\"csrf\" value=\"");
	A(r, web_csrf_value(r));
	P(r, "\">\n<p class=\"field\"><label for=\"f-body\">");
	T(r, _("Your work"));
	P(r, "</label>\n<textarea id=\"f-body\" name=\"body\" rows=\"14\"");
	page_field_attrs(r, "body", "f-draft-status");
	P(r, ">");
	T(r, body ? body : "");
	P(r, "</textarea>\n<span class=\"hint\" id=\"f-draft-status\" aria-live=\"polite\">");
	if (v->draft_at)
		T(r, arena_printf(&r->arena, _("Draft saved %s."),
		    page_time(r, v->draft_at)));
	P(r, "</span>");
	page_field_error(r, "body");
	P(r, "</p>\n<p class=\"field\"><label for=\"f-att\">");
	T(r, _("Attachments (optional)"));
	P(r, "</label>\n<input id=\"f-att\" type=\"file\" name=\"attachment\" multiple");
	page_field_attrs(r, "attachments", "f-att-hint");
	P(r, "> <span class=\"hint\" id=\"f-att-hint\">");
	T(r, files_hint(r));
	P(r, "</span>");
	page_field_error(r, "attachments");
	P(r, "</p>\n<p class=\"buttons\"><button type=\"submit\" name=\"action\" value=\"save\" class=\"secondary\">");
	T(r, _("Save and continue later"));
	P(r, "</button> <button type=\"submit\" name=\"action\" value=\"handin\">");
	T(r, _("Hand in"));
	P(r, "</button></p>\n</form>\n</section>\n");
}

static void
step_form(struct req *r, const struct asg_view *v, size_t have)
{
	enum cycle_kind k = (enum cycle_kind)have;

	P(r, "<section id=\"cycle\" aria-labelledby=\"h-cycle\"><h2 id=\"h-cycle\">");
	T(r, step_label(k));
	P(r, "</h2>\n<p>");
	T(r, k == CYCLE_REPORT ?
	    _("How did the experiment go in practice? Describe what you did and what happened.") :
	    k == CYCLE_REFLECTION ?
	    _("Look back: what did you think and feel, what surprised you, what would you do differently?") :
	    _("What do you conclude, and what will you try in the next experiment?"));
	P(r, "</p>\n");
	form_begin_long(r, arena_printf(&r->arena, "/assignments/%lld/steps",
	    (long long)v->a.id));
	PF(r, "<input type=\"hidden\" name=\"kind\" value=\"%s\">",
	    cycle_kind_name(k));
	uia_textarea(r, "f-step", "body", step_label(k),
	    page_field_bad(r, "step") ? page_form(r, "body") : "", 6, "step");
	form_submit(r, _("Add to the cycle"));
	form_end(r);
	P(r, "</section>\n");
}

/* Assignment id's page (the path's, but for a file's form); body: what
 * was written, kept after a refusal. */
static int
render_asg_id(struct req *r, int64_t id, const char *body)
{
	struct asg_env env = env_of(r);
	const struct session *s = page_session(r);
	int64_t na = 0, nb = 0;
	struct cycle_question *cq = NULL;
	struct asg_view v;
	struct audit_event ev;
	size_t ncq = 0, i, k, have = 0;
	const char *q;
	int rc;

	event(r, &ev);
	if ((rc = asg_view(&env, id, s->user_id, 0, &ev, &r->arena, &v)) != 0)
		return rc;
	if ((rc = cycle_timeline(&env, v.a.traj_id, s->user_id, 0, &ev,
	    &r->arena, &cq, &ncq)) != 0)
		return rc;
	for (k = 0; k < ncq; k++)
		for (i = 0; i < cq[k].nsteps; i++)
			have += cq[k].steps[i].assignment_id == id;

	page_begin(r, v.a.title);
	uia_assets(r);
	PF(r, "<p class=\"crumbs\"><a href=\"/t/%lld/assignments#q-%lld\">",
	    (long long)v.a.traj_id, (long long)v.a.question_id);
	T(r, _("Back to the learning cycle"));
	P(r, "</a></p>\n");
	if (req_query(r, "saved"))
		page_notice(r, "ok", _("Your work was saved. You can continue later."));
	if (req_query(r, "handed"))
		page_notice(r, "ok", _("Your work was handed in."));
	if (req_query(r, "sent"))
		page_notice(r, "ok", _("Your feedback was sent."));
	if (req_query(r, "removed"))
		page_notice(r, "ok", _("The file was taken off your draft."));
	P(r, "<dl class=\"asg-meta\"><dt>");
	T(r, _("Status"));
	P(r, "</dt><dd>");
	state_badge(r, &v.a);
	P(r, "</dd><dt>");
	T(r, _("Due"));
	P(r, "</dt><dd>");
	T(r, due_label(r, v.a.due_at));
	P(r, "</dd><dt>");
	T(r, _("Work form"));
	P(r, "</dt><dd>");
	T(r, uia_form_label(v.a.form));
	if (v.a.instrument[0]) {
		P(r, " (");
		T(r, v.a.instrument);
		P(r, ")");
	}
	P(r, "</dd>");
	if (v.a.tags[0]) {
		P(r, "<dt>");
		T(r, _("Fits a learning preference for"));
		P(r, "</dt><dd>");
		T(r, uia_tags_label(r, v.a.tags));
		P(r, "</dd>");
	}
	P(r, "</dl>\n<section aria-labelledby=\"h-instr\"><h2 id=\"h-instr\">");
	T(r, _("Instructions"));
	P(r, "</h2>\n");
	uia_render_md(r, v.a.instructions);
	P(r, "</section>\n");
	/* Library items to read with it (ui-libpick.c): read here, so
	 * in the access log with the assignment (asg_view). */
	if (v.nitems > 0) {
		P(r, "<section aria-labelledby=\"h-read\"><h2 id=\"h-read\">");
		T(r, _("To read from the library"));
		P(r, "</h2>\n");
		for (i = 0; i < v.nitems; i++)
			uil_item_show(r, &v.items[i], v.viewer_is_client, 3);
		P(r, "</section>\n");
	}
	if (!v.viewer_is_client && !v.closed) {
		PF(r, "<p><a href=\"/assignments/%lld/library\">",
		    (long long)id);
		T(r, _("Attach a library item"));
		P(r, "</a></p>\n");
	}

	if (v.a.state == ASG_OFFERED && v.viewer_is_client && !v.closed)
		form_button(r, arena_printf(&r->arena,
		    "/assignments/%lld/choose", (long long)id),
		    _("Start with this one"));

	/* Versions and feedback, in the order they came. */
	if (v.nversions > 0) {
		P(r, "<section aria-labelledby=\"h-versions\"><h2 id=\"h-versions\">");
		T(r, _("Versions and feedback"));
		P(r, "</h2>\n<ol class=\"versions\">\n");
		for (i = 0; i < v.nversions; i++) {
			PF(r, "<li id=\"v-%lld\"><h3>", (long long)v.versions[i].n);
			T(r, arena_printf(&r->arena, _("Version %lld"),
			    (long long)v.versions[i].n));
			P(r, " <span class=\"muted\">");
			T(r, page_time(r, v.versions[i].created_at));
			P(r, "</span></h3>\n");
			render_plain(r, v.versions[i].body);
			files_of(r, &v, v.versions[i].n, 0);
			for (k = 0; k < v.nfeedback; k++) {
				if (v.feedback[k].version_n != v.versions[i].n)
					continue;
				P(r, "<div class=\"feedback\"><h4>");
				T(r, _("Feedback"));
				P(r, " <span class=\"muted\">");
				T(r, page_time(r, v.feedback[k].created_at));
				P(r, "</span></h4>\n");
				uia_render_md(r, v.feedback[k].body);
				files_of(r, &v, 0, v.feedback[k].id);
				P(r, "</div>\n");
			}
			P(r, "</li>\n");
		}
		P(r, "</ol>\n</section>\n");
	}
	if (v.nversions >= 2) {
		const struct asg_version *va, *vb;

		nb = v.versions[v.nversions - 1].n;
		na = nb - 1;
		if ((q = req_query(r, "a")) != NULL)
			(void)num_parse_i64(str_c(q), 1, LIMIT_ASG_VERSIONS, &na);
		if ((q = req_query(r, "b")) != NULL)
			(void)num_parse_i64(str_c(q), 1, LIMIT_ASG_VERSIONS, &nb);
		va = version_n(&v, na);
		vb = version_n(&v, nb);
		P(r, "<section aria-labelledby=\"h-compare\"><h2 id=\"h-compare\">");
		T(r, _("Compare versions"));
		P(r, "</h2>\n");
		PF(r, "<form method=\"get\" action=\"/assignments/%lld\" class=\"compare\">", (long long)id);
		P(r, "<label for=\"f-a\">");
		T(r, _("Older"));
		P(r, "</label> <select id=\"f-a\" name=\"a\">");
		for (i = 0; i < v.nversions; i++)
			PF(r, "<option%s>%lld</option>",
			    v.versions[i].n == na ? " selected" : "",
			    (long long)v.versions[i].n);
		P(r, "</select> <label for=\"f-b\">");
		T(r, _("Newer"));
		P(r, "</label> <select id=\"f-b\" name=\"b\">");
		for (i = 0; i < v.nversions; i++)
			PF(r, "<option%s>%lld</option>",
			    v.versions[i].n == nb ? " selected" : "",
			    (long long)v.versions[i].n);
		P(r, "</select> <button type=\"submit\">");
		T(r, _("Compare"));
		P(r, "</button></form>\n");
		if (va && vb)
			side_by_side(r, va, vb);
		else
			page_notice(r, "error", _("There is no such version."));
		P(r, "</section>\n");
	}

	if (!v.closed && v.viewer_is_client &&
	    (v.a.state == ASG_ACTIVE || v.a.state == ASG_FEEDBACK))
		work_form(r, &v, body ? body : v.draft);
	if (!v.closed && !v.viewer_is_client &&
	    (v.a.state == ASG_HANDED_IN || v.a.state == ASG_REVISED)) {
		P(r, "<section id=\"give-feedback\" aria-labelledby=\"h-fb\"><h2 id=\"h-fb\">");
		T(r, _("Your feedback"));
		P(r, "</h2>\n");
		form_upload(r, arena_printf(&r->arena,
		    "/assignments/%lld/feedback", (long long)id));
		uia_textarea(r, "f-feedback", "feedback", _("Feedback (Markdown)"),
		    body, 8, "feedback");
		P(r, "<p class=\"field\"><label for=\"f-fb-att\">");
		T(r, _("Attachments (optional)"));
		P(r, "</label>\n<input id=\"f-fb-att\" type=\"file\" name=\"attachment\" multiple");
		page_field_attrs(r, "attachments", "f-fb-att-hint");
		P(r, "> <span class=\"hint\" id=\"f-fb-att-hint\">");
		T(r, files_hint(r));
		P(r, "</span>");
		page_field_error(r, "attachments");
		P(r, "</p>\n");
		form_submit(r, _("Send feedback"));
		form_end(r);
		P(r, "</section>\n");
	}
	if (!v.closed && !v.viewer_is_client && v.nversions > 0 &&
	    v.a.state != ASG_DONE)
		form_button(r, arena_printf(&r->arena, "/assignments/%lld/done",
		    (long long)id), _("Mark the assignment done"));
	/* The cycle after this experiment so far. */
	if (have > 0) {
		P(r, "<section aria-labelledby=\"h-steps\"><h2 id=\"h-steps\">");
		T(r, _("After the experiment"));
		P(r, "</h2>\n");
		for (k = 0; k < ncq; k++)
			for (i = 0; i < cq[k].nsteps; i++) {
				const struct cycle_step *cs = &cq[k].steps[i];

				if (cs->assignment_id != id)
					continue;
				PF(r, "<div class=\"step step-%s\"><h3>",
				    cycle_kind_name(cs->kind));
				T(r, step_label(cs->kind));
				P(r, "</h3>\n");
				uia_render_md(r, cs->body);
				P(r, "</div>\n");
			}
		P(r, "</section>\n");
	}
	if (!v.closed && v.viewer_is_client && v.nversions > 0 &&
	    have < CYCLE_NKINDS)
		step_form(r, &v, have);
	ui_time_active_tag(r, arena_printf(&r->arena,
	    "/assignments/%lld/active", (long long)web_obj(r)->id));
	page_end(r);
	return 0;
}

static int
render_asg(struct req *r, const char *body)
{
	return render_asg_id(r, web_obj(r)->id, body);
}

int
ui_asg_show(struct req *r)
{
	return render_asg(r, NULL);
}

/* The page again with the reason next to its field (page_refuse) and
 * what was written kept; an error page when there is no reason. */
static int
again(struct req *r, const struct why *why, int rc, const char *body)
{
	return page_refuse(r, why, rc) ? rc : render_asg(r, body);
}

/* A step that takes nothing but the assignment (choosing an offered one,
 * closing one as done), then back to its page at anchor. */
static int
step_post(struct req *r, int (*step)(const struct asg_env *, int64_t,
    int64_t, time_t, const struct audit_event *, struct why *),
    const char *anchor)
{
	struct asg_env env = env_of(r);
	struct audit_event ev;
	struct why why = { 0 };
	int64_t id = web_obj(r)->id;
	int rc;

	event(r, &ev);
	rc = step(&env, id, page_session(r)->user_id, 0, &ev, &why);
	if (rc != 0)
		return again(r, &why, rc, NULL);
	resp_redirect(r, arena_printf(&r->arena, "/assignments/%lld%s",
	    (long long)id, anchor));
	return 0;
}

int
ui_asg_choose_post(struct req *r)
{
	return step_post(r, asg_choose, "#work");
}

/* The form's files (field "attachment"; an empty file input sends a part
 * without name or bytes, which is no file); one more than allowed so the
 * domain can say there are too many. */
static size_t
uploads_of(struct req *r, struct msg_upload *ups)
{
	size_t i, n = 0;

	for (i = 0; i < r->nuploads && n < LIMIT_ASG_FILES + 1; i++) {
		const struct upload *u = &r->uploads[i];

		if (strcmp(u->field, "attachment") != 0 ||
		    (u->len == 0 && (u->filename == NULL ||
		    u->filename[0] == '\0')))
			continue;
		ups[n].name = u->filename;
		ups[n].data = u->data;
		ups[n].len = u->len;
		n++;
	}
	return n;
}

int
ui_asg_work_post(struct req *r)
{
	struct asg_env env = env_of(r);
	struct msg_upload ups[LIMIT_ASG_FILES + 1];
	struct audit_event ev;
	struct why why = { 0 };
	const char *body = page_form(r, "body");
	int64_t id = web_obj(r)->id, vn = 0;
	size_t n = uploads_of(r, ups);
	int rc;

	event(r, &ev);
	if (strcmp(page_form(r, "action"), "handin") != 0) {
		rc = asg_draft_files(&env, id, page_session(r)->user_id,
		    str_c(body), ups, n, 0, &ev, &why, &r->arena);
		if (rc != 0)
			return again(r, &why, rc, body);
		resp_redirect(r, arena_printf(&r->arena,
		    "/assignments/%lld?saved=1#work", (long long)id));
		return 0;
	}
	rc = asg_hand_in(&env, id, page_session(r)->user_id, str_c(body), ups,
	    n, 0, &ev, &why, &r->arena, &vn);
	if (rc != 0)
		return again(r, &why, rc, body);
	resp_redirect(r, arena_printf(&r->arena,
	    "/assignments/%lld?handed=1#v-%lld", (long long)id, (long long)vn));
	return 0;
}

int
api_asg_draft(struct req *r)
{
	struct asg_env env = env_of(r);
	struct buf b = BUF_INIT;
	struct why why = { 0 };
	struct str text;
	json_t *j, *v;
	int rc;

	if (strcmp(r->content_type, "application/json") == 0) {
		if ((rc = req_json(r, &j)) != 0)
			return rc;
		v = json_object_get(j, "draft");
		if (v == NULL || !json_is_string(v)) {
			r->error_detail = "Send {\"draft\": \"...\"}.";
			return ERR_INVAL;
		}
		text = (struct str){ json_string_value(v),
		    json_string_length(v) };
	} else {
		text = str_c(page_form(r, "draft"));
	}
	rc = asg_draft_save(&env, web_obj(r)->id, page_session(r)->user_id,
	    text, 0, &why);
	if (rc != 0) {
		if (why.msg)
			r->error_detail = page_why(r, &why);
		return rc;
	}
	buf_adds(&b, "{\"saved\":true,\"message\":");
	json_str(&b, str_c(_("Draft saved.")));
	buf_adds(&b, "}");
	resp_json(r, 200, b.p, b.len);
	buf_release(&b);
	return 0;
}

int
ui_asg_feedback_post(struct req *r)
{
	struct asg_env env = env_of(r);
	struct msg_upload ups[LIMIT_ASG_FILES + 1];
	struct audit_event ev;
	struct why why = { 0 };
	const char *body = page_form(r, "feedback");
	int64_t id = web_obj(r)->id;
	size_t n = uploads_of(r, ups);
	int rc;

	event(r, &ev);
	rc = asg_feedback(&env, id, page_session(r)->user_id, str_c(body), ups,
	    n, 0, &ev, &why, &r->arena);
	if (rc != 0)
		return again(r, &why, rc, body);
	resp_redirect(r, arena_printf(&r->arena, "/assignments/%lld?sent=1",
	    (long long)id));
	return 0;
}

int
ui_asg_done_post(struct req *r)
{
	return step_post(r, asg_done, "");
}

int
ui_asg_step_post(struct req *r)
{
	struct asg_env env = env_of(r);
	struct audit_event ev;
	struct why why = { 0 };
	enum cycle_kind k;
	int64_t id = web_obj(r)->id, sid = 0;
	int rc;

	if (cycle_kind_parse(page_form(r, "kind"), &k) != 0)
		return again(r, why_p(&why, ERR_INVAL, "step",
		    N_("Choose a report, a reflection or a conclusion.")),
		    ERR_INVAL, NULL);
	event(r, &ev);
	rc = cycle_step_add(&env, id, page_session(r)->user_id, k,
	    str_c(page_form(r, "body")), 0, &ev, &why, &sid);
	if (rc != 0) {
		/* The cycle's one text field, whatever the domain calls it. */
		why.field = "step";
		return again(r, &why, rc, NULL);
	}
	resp_redirect(r, arena_printf(&r->arena, "/assignments/%lld#cycle",
	    (long long)id));
	return 0;
}

int
ui_asg_file(struct req *r)
{
	struct asg_env env = env_of(r);
	struct asg_file meta;
	struct audit_event ev;
	struct buf data = BUF_INIT;
	int rc;

	event(r, &ev);
	if ((rc = asg_file_get(&env, web_obj(r)->id, page_session(r)->user_id,
	    &ev, &r->arena, &meta, &data)) != 0) {
		buf_wipe(&data);
		return rc;
	}
	/* As a message's attachment (ui-thread.c): the name's extension
	 * the type's. */
	page_download(r, msg_name_for_type(meta.name, meta.type, &r->arena),
	    meta.type, &data);
	return 0;
}

int
ui_asg_file_remove_post(struct req *r)
{
	struct asg_env env = env_of(r);
	struct audit_event ev;
	struct why why = { 0 };
	int64_t aid = 0;
	int rc;

	event(r, &ev);
	rc = asg_draft_file_remove(&env, web_obj(r)->id,
	    page_session(r)->user_id, &ev, &why, &aid);
	if (rc != 0) {
		/* The assignment's page again, with the reason (the path
		 * named the file, not the page's assignment). */
		if (aid == 0 || (rc = page_refuse(r, &why, rc)) != 0)
			return rc;
		return render_asg_id(r, aid, NULL);
	}
	resp_redirect(r, arena_printf(&r->arena,
	    "/assignments/%lld?removed=1#work", (long long)aid));
	return 0;
}

/* --- for other pages ----------------------------------------------------------- */

int
ui_asg_queue_section(struct req *r)
{
	struct asg_env env = env_of(r);
	const struct session *s = page_session(r);
	struct asg_queue_item *it = NULL;
	struct audit_event ev;
	size_t n = 0, i;
	int rc;

	web_audit_event(r, &ev, AUDIT_READ, "assignment", 0, 0, "care");
	if ((rc = asg_queue(&env, s->org_id, s->user_id, 0, &ev, &r->arena,
	    &it, &n)) != 0)
		return rc;
	P(r, "<section aria-labelledby=\"h-asg-queue\"><h2 id=\"h-asg-queue\">");
	T(r, _("Work handed in"));
	P(r, "</h2>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("No handed-in work waits for your feedback."));
		P(r, "</p>\n</section>\n");
		return 0;
	}
	P(r, "<table class=\"queue\"><caption>");
	T(r, _("Waiting for your feedback, the earliest due date first"));
	P(r, "</caption>\n<thead><tr><th scope=\"col\">");
	T(r, _("Due"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Status"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Assignment"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Handed in"));
	P(r, "</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < n; i++) {
		P(r, it[i].overdue ? "<tr class=\"overdue\">" : "<tr>");
		P(r, "<th scope=\"row\">");
		T(r, due_label(r, it[i].due_at));
		P(r, "</th><td>");
		T(r, state_label(it[i].state));
		if (it[i].overdue) {
			P(r, " <strong class=\"overdue\">");
			T(r, _("Overdue"));
			P(r, "</strong>");
		}
		PF(r, "</td><td><a href=\"/assignments/%lld\">",
		    (long long)it[i].id);
		T(r, it[i].title);
		P(r, "</a></td><td>");
		T(r, page_time(r, it[i].handed_in_at));
		P(r, "</td></tr>\n");
	}
	P(r, "</tbody></table>\n</section>\n");
	return 0;
}

static int
export_load(struct req *r, int64_t tid, struct asg_view **v, size_t *n,
    struct cycle_step **st, size_t *ns)
{
	struct asg_env env = env_of(r);
	struct audit_event ev;
	int rc;

	web_audit_event(r, &ev, AUDIT_EXECUTE, "assignment", 0, tid,
	    is_client(r) ? "client-self" : "export");
	if ((rc = asg_export(&env, tid, page_session(r)->user_id, &ev,
	    &r->arena, v, n)) != 0)
		return rc;
	return cycle_export(&env, tid, &ev, &r->arena, st, ns);
}

int
ui_asg_export_section(struct req *r, int64_t tid)
{
	struct asg_view *v = NULL;
	struct cycle_step *st = NULL;
	size_t n = 0, ns = 0, i, k;
	int rc;

	if ((rc = export_load(r, tid, &v, &n, &st, &ns)) != 0)
		return rc;
	P(r, "<section class=\"assignments\"><h2>");
	T(r, _("Assignments"));
	P(r, "</h2>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("No assignments."));
		P(r, "</p>\n");
	}
	for (i = 0; i < n; i++) {
		PF(r, "<article class=\"assignment\" id=\"a-%lld\"><h3>",
		    (long long)v[i].a.id);
		T(r, v[i].a.title);
		P(r, "</h3>\n<p class=\"meta\">");
		T(r, state_label(v[i].a.state));
		P(r, "</p>\n");
		uia_render_md(r, v[i].a.instructions);
		for (k = 0; k < v[i].nversions; k++) {
			P(r, "<h4>");
			T(r, arena_printf(&r->arena, _("Version %lld"),
			    (long long)v[i].versions[k].n));
			P(r, "</h4>\n");
			render_plain(r, v[i].versions[k].body);
			files_of(r, &v[i], v[i].versions[k].n, 0);
		}
		for (k = 0; k < v[i].nfeedback; k++) {
			P(r, "<h4>");
			T(r, _("Feedback"));
			P(r, "</h4>\n");
			uia_render_md(r, v[i].feedback[k].body);
			files_of(r, &v[i], 0, v[i].feedback[k].id);
		}
		/* The client's own export holds their draft too. */
		if (v[i].draft != NULL &&
		    (v[i].draft[0] || has_draft_files(&v[i]))) {
			P(r, "<h4>");
			T(r, _("Draft (not handed in)"));
			P(r, "</h4>\n");
			render_plain(r, v[i].draft);
			files_of(r, &v[i], 0, 0);
		}
		for (k = 0; k < ns; k++) {
			if (st[k].assignment_id != v[i].a.id)
				continue;
			P(r, "<h4>");
			T(r, step_label(st[k].kind));
			P(r, "</h4>\n");
			uia_render_md(r, st[k].body);
		}
		P(r, "</article>\n");
	}
	P(r, "</section>\n");
	return 0;
}

/* The files of a version (n 0: the draft) or round of feedback, as the
 * message export lists attachments: metadata and the download's
 * address. */
static json_t *
files_json(const struct asg_view *v, int64_t n, int64_t fb_id)
{
	json_t *arr = json_array();
	char url[48];
	size_t i;

	for (i = 0; i < v->nfiles; i++) {
		const struct asg_file *f = &v->files[i];
		json_t *jf;

		if (fb_id ? f->feedback_id != fb_id :
		    f->feedback_id != 0 || f->version_n != n)
			continue;
		jf = json_object();
		snprintf(url, sizeof(url), "/assignment-files/%lld",
		    (long long)f->id);
		json_object_set_new(jf, "id", json_integer(f->id));
		json_object_set_new(jf, "name", json_string(f->name));
		json_object_set_new(jf, "type", json_string(f->type));
		json_object_set_new(jf, "size", json_integer(f->size));
		json_object_set_new(jf, "url", json_string(url));
		json_array_append_new(arr, jf);
	}
	return arr;
}

int
ui_asg_export_json(struct req *r, int64_t tid, struct buf *b)
{
	struct asg_view *v = NULL;
	struct cycle_step *st = NULL;
	size_t n = 0, ns = 0, i, k;
	json_t *arr, *steps;
	struct buf add = BUF_INIT;
	int rc;

	if ((rc = export_load(r, tid, &v, &n, &st, &ns)) != 0)
		return rc;
	arr = json_array();
	for (i = 0; i < n; i++) {
		json_t *ja = json_object(), *vs = json_array(),
		    *fb = json_array();

		json_object_set_new(ja, "id", json_integer(v[i].a.id));
		json_object_set_new(ja, "learning_question",
		    json_integer(v[i].a.question_id));
		json_object_set_new(ja, "title", json_string(v[i].a.title));
		json_object_set_new(ja, "instructions",
		    json_string(v[i].a.instructions));
		json_object_set_new(ja, "work_form",
		    json_string(asg_form_name(v[i].a.form)));
		json_object_set_new(ja, "state",
		    json_string(asg_state_name(v[i].a.state)));
		json_object_set_new(ja, "due_at", v[i].a.due_at ?
		    json_integer(v[i].a.due_at) : json_null());
		json_object_set_new(ja, "previous", v[i].a.prev_id ?
		    json_integer(v[i].a.prev_id) : json_null());
		for (k = 0; k < v[i].nversions; k++) {
			json_t *jv = json_object();

			json_object_set_new(jv, "n",
			    json_integer(v[i].versions[k].n));
			json_object_set_new(jv, "body", json_stringn(
			    v[i].versions[k].body, v[i].versions[k].len));
			json_object_set_new(jv, "created_at",
			    json_integer(v[i].versions[k].created_at));
			json_object_set_new(jv, "attachments",
			    files_json(&v[i], v[i].versions[k].n, 0));
			json_array_append_new(vs, jv);
		}
		for (k = 0; k < v[i].nfeedback; k++) {
			json_t *jf = json_object();

			json_object_set_new(jf, "version",
			    json_integer(v[i].feedback[k].version_n));
			json_object_set_new(jf, "body",
			    json_string(v[i].feedback[k].body));
			json_object_set_new(jf, "attachments",
			    files_json(&v[i], 0, v[i].feedback[k].id));
			json_array_append_new(fb, jf);
		}
		json_object_set_new(ja, "versions", vs);
		json_object_set_new(ja, "feedback", fb);
		if (v[i].draft != NULL) {
			json_t *jd = json_object();

			json_object_set_new(jd, "body",
			    json_string(v[i].draft));
			json_object_set_new(jd, "attachments",
			    files_json(&v[i], 0, 0));
			json_object_set_new(ja, "draft", jd);
		}
		json_array_append_new(arr, ja);
	}
	steps = json_array();
	for (k = 0; k < ns; k++) {
		json_t *js = json_object();

		json_object_set_new(js, "assignment",
		    json_integer(st[k].assignment_id));
		json_object_set_new(js, "kind",
		    json_string(cycle_kind_name(st[k].kind)));
		json_object_set_new(js, "body", json_string(st[k].body));
		json_object_set_new(js, "created_at",
		    json_integer(st[k].created_at));
		json_array_append_new(steps, js);
	}
	/* b holds the conversation's export, one JSON object: the two
	 * arrays join it as members of their own. */
	while (b->len > 0 && b->p[b->len - 1] != '}')
		b->len--;
	if (b->len == 0) {
		json_decref(arr);
		json_decref(steps);
		return ERR_INVAL;
	}
	b->len--;
	buf_adds(b, ",\"assignments\":");
	json_to_buf(arr, &add);
	buf_add(b, add.p, add.len);
	buf_reset(&add);
	buf_adds(b, ",\"cycle_steps\":");
	json_to_buf(steps, &add);
	buf_add(b, add.p, add.len);
	buf_adds(b, "}");
	buf_wipe(&add);
	json_decref(arr);
	json_decref(steps);
	return 0;
}
