/*
 * ui-thread.c - a trajectory's conversations: a thread page a page at a
 * time with its messages and composer, posting, corrections, read marks,
 * attachments, and the trajectory page's section.  The writing assistant
 * is ui-assistant.c, the export ui-export.c, search ui-search.c; what they
 * share with this file is in ui-thread.h.
 *
 * The router checks the thread, message, attachment or trajectory in the
 * path before a handler runs (web.c's route table) and hands over its id
 * (web_obj); handlers ask authz only for objects that are not in the path
 * (a quoted message, search results).  src/message then checks the
 * relation again with the data at hand and logs each read before anything
 * is shown.
 *
 * Message bodies reach the page only through markdown_render, which never
 * lets raw HTML, scripts or unsafe links through (message/markdown.h);
 * everything else goes through the escapers of page.h.  static/thread.js
 * adds draft autosave, the live assistant and "quote selection"; every
 * action works without it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "assistant/assistant.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/num.h"
#include "authz/authz.h"
#include "identity/session.h"
#include "message/markdown.h"
#include "message/message.h"
#include "promise/promise.h"
#include "promise/tz.h"
#include "trajectory/trajectory.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/ui-thread.h"
#include "web/web_int.h"
#include "core/banned.h"

/* --- small helpers -------------------------------------------------------- */

struct msg_env
thr_env(struct req *r)
{
	struct app *app = r->app;
	struct msg_env e = { app->db, app->kr, app->tzc, app->bus };

	return e;
}

bool
thr_is_client(struct req *r)
{
	const struct session *s = page_session(r);

	return s && s->role == ROLE_CLIENT;
}

/* An access-log template for this request: who, from where, why. */
void
thr_event(struct req *r, struct audit_event *ev)
{
	web_audit_event(r, ev, AUDIT_READ, "message", 0, 0,
	    thr_is_client(r) ? "client-self" : "care");
}


void
thr_view_ctx_init(struct req *r, int64_t traj_id, struct view_ctx *vc)
{
	struct app *app = r->app;
	struct promise *p = ARENA_NEW(&r->arena, struct promise);

	memset(vc, 0, sizeof(*vc));
	vc->traj_id = traj_id;
	if (app->tzc && traj_promise(app->db, app->tzc, traj_id, &r->arena,
	    p) == 0) {
		vc->promise = p;
		vc->tz = p->tz;
	}
}

/* A moment as people read it, in the trajectory's zone: the same style
 * as the trajectory and queue pages ("do 26 november 2026, 17:00 CET"). */
const char *
thr_local_time(struct req *r, const struct view_ctx *vc, int64_t t)
{
	return page_time_tz(r, vc ? vc->tz : NULL, t);
}

/* A machine-readable moment for <time datetime>: ISO 8601 in UTC. */
const char *
thr_iso_time(struct req *r, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL)
		return "";
	return arena_printf(&r->arena, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}

const char *
thr_size_label(struct req *r, int64_t n)
{
	if (n < 1024)
		return arena_printf(&r->arena, _("%lld bytes"), (long long)n);
	if (n < 1024 * 1024)
		return arena_printf(&r->arena, _("%s KB"),
		    page_decimal(r, (double)n / 1024));
	return arena_printf(&r->arena, _("%s MB"),
	    page_decimal(r, (double)n / (1024 * 1024)));
}

static const char *
type_label(const char *type)
{
	if (strcmp(type, "application/pdf") == 0)
		return "PDF";
	if (strcmp(type, "image/png") == 0)
		return "PNG";
	if (strcmp(type, "image/jpeg") == 0)
		return "JPEG";
	if (strcmp(type, "image/gif") == 0)
		return "GIF";
	if (strcmp(type, "text/plain") == 0)
		return _("text");
	if (strstr(type, "wordprocessingml") != NULL)
		return "Word";
	if (strstr(type, "opendocument") != NULL)
		return "OpenDocument";
	return _("file");
}

void
thr_assets(struct req *r)
{
	/* Stylesheet links and external scripts are allowed in the body;
	 * the CSP forbids anything inline. */
	P(r, "<link rel=\"stylesheet\" href=\"/static/thread.css\">\n"
	    "<script src=\"/static/thread.js\" defer></script>\n");
}

/* --- rendering a thread --------------------------------------------------- */

struct compose {
	const char *body;       /* NULL: the saved draft */
	int64_t quote_of;
	const char *quote;
	const char *ok;
	bool check;             /* fill the assistant panel */
	int status;
};

void
thr_render_md(struct req *r, const char *body, size_t len)
{
	P(r, "<div class=\"body\">");
	/* markdown_render's output is safe HTML by construction. */
	markdown_render((struct str){ body, len }, &r->resp);
	P(r, "</div>\n");
}

static void
render_attachments(struct req *r, const struct msg_message *m)
{
	size_t i;

	if (m->natt == 0)
		return;
	P(r, "<ul class=\"attachments\" aria-label=\"");
	A(r, _("Attachments"));
	P(r, "\">");
	for (i = 0; i < m->natt; i++) {
		const struct msg_attachment *at = &m->att[i];

		PF(r, "<li><a href=\"/attachments/%lld\" download>",
		    (long long)at->id);
		T(r, at->name);
		P(r, "</a> <span class=\"meta\">(");
		T(r, type_label(at->type));
		P(r, ", ");
		T(r, thr_size_label(r, at->size));
		P(r, ")</span></li>");
	}
	P(r, "</ul>\n");
}

static void
render_quote(struct req *r, const struct view_ctx *vc,
    const struct msg_message *m, const struct msg_message *all, size_t n)
{
	size_t i;
	const struct msg_message *src = NULL;

	if (m->quote == NULL)
		return;
	for (i = 0; i < n; i++)
		if (all[i].id == m->quote_of)
			src = &all[i];
	P(r, "<blockquote class=\"quote\"><p>");
	T(r, m->quote);
	P(r, "</p><footer>");
	if (m->quote_of && src == NULL) {
		/* On an older page: the one before the quoting message, which
		 * holds it when it was among the fifty before (a reply
		 * mirrors what it answers). */
		PF(r, "<a href=\"/threads/%lld?before=%lld#m-%lld\">",
		    (long long)m->thread_id, (long long)m->id,
		    (long long)m->quote_of);
		T(r, _("From an earlier message"));
		P(r, "</a>");
	} else if (m->quote_of) {
		PF(r, "<a href=\"#m-%lld\">", (long long)m->quote_of);
		T(r, src ? arena_printf(&r->arena, _("From the message of %s, %s"),
		    src->author_name, thr_local_time(r, vc, src->created_at)) :
		    _("From an earlier message"));
		P(r, "</a>");
	} else {
		T(r, _("From a message that no longer exists"));
	}
	P(r, "</footer></blockquote>\n");
}

/* The message ids in all[] that correct m, oldest first. */
static size_t
corrections_of(const struct msg_message *m, const struct msg_message *all,
    size_t n, size_t *idx, size_t max)
{
	size_t i, k = 0;

	for (i = 0; i < n && k < max; i++)
		if (all[i].kind == MSG_CORRECTION && all[i].corrects == m->id)
			idx[k++] = i;
	return k;
}

static bool
has_root(const struct msg_message *c, const struct msg_message *all, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (all[i].id == c->corrects)
			return true;
	return false;
}

/* A translated sentence whose one %s is a moment: the moment as a <time>
 * element (its datetime attribute in UTC, for machines and tests), the
 * rest as text. */
static void
time_sentence(struct req *r, const char *fmt, const struct view_ctx *vc,
    int64_t t)
{
	const char *at = strstr(fmt, "%s");

	if (at == NULL) {
		T(r, fmt);
		return;
	}
	TS(r, (struct str){ fmt, (size_t)(at - fmt) });
	P(r, "<time datetime=\"");
	A(r, thr_iso_time(r, t));
	P(r, "\">");
	T(r, thr_local_time(r, vc, t));
	P(r, "</time>");
	T(r, at + 2);
}

static void
render_message(struct req *r, const struct view_ctx *vc,
    const struct msg_thread *th, const struct msg_message *m,
    const struct msg_message *all, size_t n)
{
	const struct session *s = page_session(r);
	size_t corr[LIMIT_CORRECTIONS], nc, i;
	const struct msg_message *cur = m;
	bool own = m->author_id == s->user_id, unread = m->unread;

	nc = m->kind == MSG_MESSAGE ? corrections_of(m, all, n, corr,
	    LIMIT_CORRECTIONS) : 0;
	for (i = 0; i < nc; i++)
		unread |= all[corr[i]].unread;
	unread &= !own;
	if (nc > 0)
		cur = &all[corr[nc - 1]];
	PF(r, "<article class=\"msg %s%s%s%s\" id=\"m-%lld\" data-mid=\"%lld\">\n",
	    m->from_client ? "from-client" : "from-pro",
	    own ? " mine" : "",
	    m->kind == MSG_NOTICE ? " notice" : "",
	    unread ? " unread" : "",
	    (long long)m->id, (long long)cur->id);
	P(r, "<header><span class=\"author\">");
	T(r, m->author_name[0] ? m->author_name : _("(former participant)"));
	P(r, "</span> <span class=\"role\">");
	/* Clients read about "their professional", as on the trajectory
	 * page; the role name is for the professionals' own view. */
	T(r, m->from_client ? _("client") : thr_is_client(r) ?
	    _("your professional") : _("professional"));
	P(r, "</span> <time datetime=\"");
	A(r, thr_iso_time(r, m->created_at));
	P(r, "\">");
	T(r, thr_local_time(r, vc, m->created_at));
	P(r, "</time>");
	if (unread) {
		P(r, " <span class=\"badge\">");
		T(r, _("new"));
		P(r, "</span>");
	}
	P(r, "</header>\n");
	if (m->kind == MSG_NOTICE) {
		P(r, "<p class=\"notice-line\">");
		T(r, _("Needs more time to reply."));
		if (m->new_deadline) {
			P(r, " ");
			T(r, arena_printf(&r->arena,
			    _("A reply can be expected by %s."),
			    thr_local_time(r, vc, m->new_deadline)));
		}
		P(r, "</p>\n");
	}
	if (m->kind == MSG_CORRECTION) {
		P(r, "<p class=\"corrected\">");
		T(r, _("Correction of an earlier message."));
		P(r, "</p>\n");
	}
	render_quote(r, vc, m, all, n);
	if (nc > 0) {
		/* The corrected text is shown; every earlier version stays
		 * visible, for both parties. */
		PF(r, "<div id=\"m-%lld\" class=\"version current\">",
		    (long long)cur->id);
		P(r, "<p class=\"corrected\">");
		T(r, arena_printf(&r->arena, _("Corrected on %s."),
		    thr_local_time(r, vc, cur->created_at)));
		P(r, "</p>\n");
		thr_render_md(r, cur->body, cur->body_len);
		P(r, "</div>\n<details class=\"earlier\"><summary>");
		T(r, nc == 1 ? _("Earlier text") : _("Earlier versions"));
		P(r, "</summary>\n");
		for (i = nc; i-- > 0;) {
			const struct msg_message *v = i == 0 ? m :
			    &all[corr[i - 1]];

			if (v != m)
				PF(r, "<div class=\"version\" id=\"m-%lld\">",
				    (long long)v->id);
			else
				P(r, "<div class=\"version\">");
			P(r, "<p class=\"meta\">");
			T(r, arena_printf(&r->arena, _("Written on %s:"),
			    thr_local_time(r, vc, v->created_at)));
			P(r, "</p>\n");
			thr_render_md(r, v->body, v->body_len);
			P(r, "</div>\n");
		}
		P(r, "</details>\n");
	} else {
		thr_render_md(r, m->body, m->body_len);
	}
	render_attachments(r, m);
	for (i = 0; i < nc; i++)
		render_attachments(r, &all[corr[i]]);

	/* Status lines: the reply deadline; the client's read, if shared. */
	if (m->from_client && m->kind == MSG_MESSAGE && m->deadline_at) {
		P(r, "<p class=\"status\">");
		if (m->replied_at)
			time_sentence(r, _("Answered on %s."), vc,
			    m->replied_at);
		else
			time_sentence(r, th->viewer_is_client ?
			    _("You can expect a reply by %s.") :
			    _("Reply due by %s."), vc, m->deadline_at);
		P(r, "</p>\n");
	}
	if (m->client_read_at) {
		P(r, "<p class=\"status read\">");
		time_sentence(r, _("Read by the client on %s."), vc,
		    m->client_read_at);
		P(r, "</p>\n");
	}

	if (!th->closed && m->kind != MSG_NOTICE) {
		P(r, "<p class=\"actions\">");
		PF(r, "<a href=\"/threads/%lld?quote=%lld#composer\" class=\"quote-link\">",
		    (long long)th->id, (long long)cur->id);
		T(r, _("Quote"));
		P(r, "</a></p>\n");
	}
	if (!th->closed && own && m->kind == MSG_MESSAGE) {
		P(r, "<details class=\"correct\"><summary>");
		T(r, _("Correct this message"));
		P(r, "</summary>\n");
		/* A long text: the token in the address too (http.h). */
		form_begin(r, arena_printf(&r->arena,
		    "/messages/%lld/correct?csrf=%s", (long long)m->id,
		    web_csrf_value(r)));
		PF(r, "<p class=\"field\"><label for=\"c-%lld\">", (long long)m->id);
		T(r, _("Corrected text"));
		PF(r, "</label>\n<textarea id=\"c-%lld\" name=\"body\" rows=\"6\" required>",
		    (long long)m->id);
		TS(r, (struct str){ cur->body, cur->body_len });
		P(r, "</textarea></p>\n<p class=\"hint\">");
		T(r, _("The earlier text stays visible to both of you, marked as corrected."));
		P(r, "</p>\n");
		form_submit(r, _("Save correction"));
		form_end(r);
		P(r, "</details>\n");
	}
	P(r, "</article>\n");
}

/* For a client writing outside the professional's reachable hours: when
 * to expect a reply, and what to do in an emergency, before sending. */
static void
reachability_note(struct req *r, const struct view_ctx *vc)
{
	struct app *app = r->app;
	struct promise_terms terms;
	const char *emergency;
	time_t now = time(NULL), due;

	if (vc->promise == NULL || promise_is_reachable(vc->promise, now))
		return;
	P(r, "<div class=\"notice notice-info reach\" role=\"status\"><p>");
	if (promise_deadline(vc->promise, now, &due) == 0)
		T(r, arena_printf(&r->arena, _("Your professional cannot be reached right now. If you send your message now, you can expect a reply by %s."),
		    thr_local_time(r, vc, (int64_t)due)));
	else
		T(r, _("Your professional cannot be reached right now."));
	P(r, "</p>");
	if (traj_terms_get(app->db, vc->traj_id, &r->arena, &terms) == 0 &&
	    terms.not_reachable && terms.not_reachable[0]) {
		P(r, "<p>");
		T(r, terms.not_reachable);
		P(r, "</p>");
	}
	/* Always, as on the promise page: a promise without instructions of
	 * its own still tells the client not to wait in an emergency. */
	emergency = vc->promise->emergency;
	P(r, "<p class=\"emergency\"><strong>");
	T(r, _("In an emergency:"));
	P(r, "</strong> ");
	T(r, emergency && emergency[0] ? emergency :
	    _("Do not wait for a reply here. In a life-threatening situation call 112; otherwise call your general practitioner."));
	P(r, "</p>");
	P(r, "</div>\n");
}

static void
composer(struct req *r, const struct view_ctx *vc, const struct msg_thread *th,
    const struct compose *cp, const char *body, const char *quote,
    int64_t quote_of, const struct assistant_result *res, bool show_panel)
{
	P(r, "<section id=\"composer\" aria-labelledby=\"h-composer\"><h2 id=\"h-composer\">");
	T(r, _("Your reply"));
	P(r, "</h2>\n");
	if (th->viewer_is_client)
		reachability_note(r, vc);
	/* The token also in the address: an upload is larger than the
	 * server reads before it knows the request is allowed (http.h). */
	PF(r, "<form method=\"post\" action=\"/threads/%lld/messages?csrf=",
	    (long long)th->id);
	A(r, web_csrf_value(r)); /* URL-safe base64 */
	PF(r, "\" enctype=\"multipart/form-data\" id=\"composer-form\" "
	    "data-draft-url=\"/api/threads/%lld/draft\" data-quote-label=\"",
	    (long long)th->id);
	A(r, _("Quote selection"));
	P(r, "\">\n");
	P(r, "<input type=\"hidden\" name=\"csrf\" value=\"");
	A(r, web_csrf_value(r));
	P(r, "\">\n<input type=\"hidden\" name=\"quote_of\" id=\"f-quote-of\" value=\"");
	if (quote_of > 0)
		PF(r, "%lld", (long long)quote_of);
	P(r, "\">\n<p class=\"field quote-field\"");
	if (quote_of <= 0)
		P(r, " hidden");
	P(r, "><label for=\"f-quote\">");
	T(r, _("Quoted passage"));
	P(r, "</label>\n<textarea id=\"f-quote\" name=\"quote\" rows=\"3\"");
	page_field_attrs(r, "quote", "f-quote-hint");
	P(r, ">");
	T(r, quote ? quote : "");
	P(r, "</textarea>\n<span class=\"hint\" id=\"f-quote-hint\">");
	T(r, _("Shorten it to the words you respond to; it must stay word for word as written. Empty it to quote nothing."));
	P(r, "</span>");
	page_field_error(r, "quote");
	P(r, "</p>\n");
	P(r, "<p class=\"field\"><label for=\"f-body\">");
	T(r, _("Message"));
	P(r, "</label>\n<textarea id=\"f-body\" name=\"body\" rows=\"10\"");
	page_field_attrs(r, "body", "f-body-hint f-draft-status");
	P(r, ">");
	T(r, body ? body : "");
	P(r, "</textarea>\n<span class=\"hint\" id=\"f-body-hint\">");
	T(r, _("You can use Markdown: *italic*, **bold**, lists and > for a quotation."));
	P(r, "</span> <span class=\"hint\" id=\"f-draft-status\" aria-live=\"polite\"></span>");
	page_field_error(r, "body");
	P(r, "</p>\n");
	P(r, "<p class=\"field\"><label for=\"f-att\">");
	T(r, _("Attachments (optional)"));
	P(r, "</label>\n<input id=\"f-att\" type=\"file\" name=\"attachment\" multiple "
	    "accept=\".pdf,.png,.jpg,.jpeg,.gif,.txt,.docx,.odt,application/pdf,image/png,image/jpeg,image/gif,text/plain\"");
	page_field_attrs(r, "attachments", "f-att-hint");
	P(r, ">\n<span class=\"hint\" id=\"f-att-hint\">");
	T(r, arena_printf(&r->arena, _("Up to %d files of at most %d MB each: PDF, PNG, JPEG, GIF, plain text, Word (.docx) or OpenDocument text (.odt)."),
	    LIMIT_ATTACHMENTS, LIMIT_ATTACHMENT / (1024 * 1024)));
	P(r, "</span>");
	page_field_error(r, "attachments");
	P(r, "</p>\n");
	if (show_panel)
		thr_assistant_panel(r, th->id, res);
	P(r, "<p class=\"buttons\"><button type=\"submit\" name=\"action\" value=\"send\">");
	T(r, _("Send"));
	P(r, "</button>");
	if (show_panel) {
		P(r, " <button type=\"submit\" name=\"action\" value=\"check\" class=\"secondary\">");
		T(r, _("Check my draft"));
		P(r, "</button>");
	}
	P(r, "</p>\n</form>\n</section>\n");
}

/*
 * A thread is shown a page at a time (LIMIT_THREAD_PAGE, newest first):
 * the link leads to the page before the oldest message shown.  Without
 * script it is an ordinary link; static/thread.js loads that page into
 * this one when the reader scrolls up to it or presses it, and announces
 * it in the live region below.
 */
static void
older_link(struct req *r, const struct msg_thread *th,
    const struct msg_page *pg)
{
	P(r, "<div class=\"older-status visually-hidden\" id=\"older-status\" "
	    "role=\"status\" aria-live=\"polite\" data-loaded=\"");
	A(r, _("Older messages loaded: %d."));
	P(r, "\" data-failed=\"");
	A(r, _("The older messages could not be loaded. Use the link to open them."));
	P(r, "\"></div>\n");
	if (!pg->more)
		return;
	PF(r, "<p class=\"older\"><a href=\"/threads/%lld?before=%lld\" "
	    "id=\"older-link\" rel=\"prev\">", (long long)th->id,
	    (long long)pg->next_before);
	T(r, _("Older messages"));
	P(r, "</a></p>\n");
}

/* A cursor (?before=) that is not a number (400) or not a message of this
 * thread (404): say which, and lead to the newest messages. */
static int
cursor_error(struct req *r, int64_t thread_id, int status)
{
	page_begin(r, status == 404 ? _("Not found") : _("Error"));
	page_notice(r, "error", status == 404 ?
	    _("This link to older messages does not belong to this conversation.") :
	    _("This link to older messages is not valid: it must name a message by its number."));
	PF(r, "<p><a href=\"/threads/%lld\">", (long long)thread_id);
	T(r, _("Show the newest messages"));
	P(r, "</a></p>\n");
	page_end(r);
	r->status = status;
	return 0;
}

/* Viewing marks nothing (a GET changes nothing: a link from another site
 * must not make a client appear to have read a message).  thread.js posts
 * this form when the page is seen; without script it is a button. */
static void
mark_read_form(struct req *r, const struct msg_thread *th,
    const struct msg_message *msgs, size_t n)
{
	const struct session *s = page_session(r);
	int64_t upto = 0;
	bool unread = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (msgs[i].id > upto)
			upto = msgs[i].id;
		if (msgs[i].unread && msgs[i].author_id != s->user_id)
			unread = true;
	}
	if (!unread)
		return;
	PF(r, "<form method=\"post\" action=\"/threads/%lld/read\" "
	    "class=\"mark-read\">\n<input type=\"hidden\" name=\"csrf\" "
	    "value=\"", (long long)th->id);
	A(r, web_csrf_value(r));
	PF(r, "\">\n<input type=\"hidden\" name=\"upto\" value=\"%lld\">\n"
	    "<button type=\"submit\" class=\"secondary\">", (long long)upto);
	T(r, _("Mark as read"));
	P(r, "</button>\n</form>\n");
}

static int
render_thread(struct req *r, int64_t thread_id, const struct compose *cp)
{
	struct app *app = r->app;
	struct msg_env env = thr_env(r);
	const struct session *s = page_session(r);
	struct principal p = page_principal(r);
	struct assistant_result res, *resp = NULL;
	struct msg_message *msgs = NULL;
	struct msg_thread th;
	struct msg_page pg;
	struct audit_event ev;
	struct view_ctx vc;
	struct str draft = { "", 0 }, qtext;
	const char *body, *quote = cp->quote, *v;
	int64_t quote_of = cp->quote_of, qid = 0, shown, before = 0;
	size_t n = 0, nall, i;
	bool panel;
	int rc;

	/* thread_id is the route's thread, or the thread of the route's
	 * message: the router checked it, and who takes part in a
	 * trajectory may read all its threads. */
	thr_event(r, &ev);
	if ((v = req_query(r, "before")) != NULL &&
	    num_parse_i64(str_c(v), 1, INT64_MAX, &before) != 0)
		return cursor_error(r, thread_id, 400);
	rc = msg_thread_page(&env, thread_id, s->user_id, before, &ev,
	    &r->arena, &th, &pg);
	if (rc == ERR_NOTFOUND && before > 0)
		return cursor_error(r, thread_id, 404);
	if (rc != 0)
		return rc;
	/* The page, then the later corrections of its messages: every
	 * version a message on the page needs. */
	msgs = pg.msgs;
	n = pg.n;
	nall = pg.n + pg.nlater;
	thr_view_ctx_init(r, th.traj_id, &vc);

	body = cp->body;
	if (body == NULL && !th.closed &&
	    msg_draft_load(&env, thread_id, s->user_id, &r->arena, &draft,
	    NULL) == 0)
		body = draft.p;
	/* "Quote" without script: the message's text, to shorten.  The
	 * message is named in the query, not the path, so it is checked
	 * here: the router knows only the thread. */
	if (quote == NULL && !th.closed && (v = req_query(r, "quote")) != NULL &&
	    num_parse_i64(str_c(v), 1, INT64_MAX, &qid) == 0 &&
	    authz_check(app->db, &p, AUTHZ_READ, AUTHZ_MESSAGE, qid) == 0 &&
	    msg_text(&env, qid, s->user_id, &ev, &r->arena, &qtext,
	    &shown) == 0) {
		struct buf plain = BUF_INIT;
		size_t len;

		markdown_plaintext(qtext, &plain);
		len = plain.len < LIMIT_QUOTE ? plain.len : LIMIT_QUOTE;
		while (len > 0 && len < plain.len &&
		    (plain.p[len] & 0xc0) == 0x80)
			len--;
		quote = arena_strndup(&r->arena, plain.p, len);
		quote_of = shown;
		buf_release(&plain);
	}
	panel = !th.viewer_is_client && app->assistant != NULL && !th.closed;
	if (panel && cp->check && thr_assistant_run(r, thread_id, th.traj_id,
	    str_c(body ? body : ""), &res) == 0)
		resp = &res;

	page_begin(r, th.subject);
	thr_assets(r);
	if (before == 0)
		ui_live_mark(r, th.traj_id, th.id);
	PF(r, "<p class=\"crumbs\"><a href=\"/t/%lld\">", (long long)th.traj_id);
	T(r, _("Back to the trajectory"));
	P(r, "</a></p>\n");
	if (cp->ok)
		page_notice(r, "ok", cp->ok);
	if (th.closed)
		page_notice(r, "info", _("This trajectory is closed. You can still read and export the conversation."));
	if (!th.viewer_is_client) {
		P(r, "<p class=\"reads-note\">");
		T(r, th.share_reads ?
		    _("The client lets you see when they have read your messages.") :
		    _("The client has chosen not to show when they read your messages."));
		P(r, "</p>\n");
	}
	P(r, "<div class=\"messages\" id=\"messages\">\n");
	older_link(r, &th, &pg);
	for (i = 0; i < n; i++) {
		if (msgs[i].kind == MSG_CORRECTION &&
		    has_root(&msgs[i], msgs, nall))
			continue;
		render_message(r, &vc, &th, &msgs[i], msgs, nall);
	}
	if (n == 0) {
		P(r, "<p>");
		T(r, _("No messages yet."));
		P(r, "</p>\n");
	}
	P(r, "</div>\n");
	if (before > 0) {
		PF(r, "<p class=\"newer\"><a href=\"/threads/%lld#composer\">",
		    (long long)th.id);
		T(r, _("Newest messages"));
		P(r, "</a></p>\n");
	}
	mark_read_form(r, &th, msgs, n);
	/* The queue's "I need more time" form, for a professional with
	 * something waiting (ui-queue.c decides; it writes nothing when it
	 * fails, and the conversation is still worth showing then). */
	if (!th.viewer_is_client && !th.closed)
		(void)ui_more_time_form(r, th.id);
	if (!th.closed)
		composer(r, &vc, &th, cp, body, quote, quote_of, resp, panel);
	ui_time_active_tag(r, arena_printf(&r->arena, "/threads/%lld/active",
	    (long long)th.id));
	page_end(r);
	if (cp->status)
		r->status = cp->status;
	return 0;
}

/* --- handlers: threads and messages --------------------------------------- */

int
ui_thread(struct req *r)
{
	struct compose cp = { 0 };
	int64_t thid = web_obj(r)->id;

	if (req_query(r, "sent"))
		cp.ok = _("Your message was sent.");
	if (req_query(r, "corrected"))
		cp.ok = _("Your correction was saved.");
	return render_thread(r, thid, &cp);
}

/* POST /threads/:thid/read: the thread page was seen (mark_read_form).
 * A script call (X-CSRF-Token) gets 204, the button a way back. */
int
ui_thread_read_post(struct req *r)
{
	struct msg_env env = thr_env(r);
	const struct session *s = page_session(r);
	const char *v = req_form(r, "upto");
	int64_t thid = web_obj(r)->id, upto;
	int rc;

	if (v == NULL || num_parse_i64(str_c(v), 1, INT64_MAX, &upto) != 0)
		return ERR_INVAL;
	if ((rc = msg_thread_mark_read(&env, thid, s->user_id, upto, 0)) != 0)
		return rc;
	if (req_header(r, "X-CSRF-Token") != NULL || r->wants_json) {
		r->status = 204;
		return 0;
	}
	resp_redirect(r, arena_printf(&r->arena, "/threads/%lld",
	    (long long)thid));
	return 0;
}

/* The files of a message form: browsers send an empty part for an empty
 * file input, which is no attachment. */
static size_t
form_uploads(struct req *r, struct msg_upload *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < r->nuploads; i++) {
		const struct upload *u = &r->uploads[i];

		if (strcmp(u->field, "attachment") != 0)
			continue;
		if (u->len == 0 && (u->filename == NULL || u->filename[0] == '\0'))
			continue;
		if (n == max)
			break;
		out[n].name = u->filename;
		out[n].data = u->data;
		out[n].len = u->len;
		n++;
	}
	return n;
}

/* The thread again, with what was typed and why it was refused (the
 * domain's reason; the status from the error). */
static int
rerender(struct req *r, int64_t thid, const char *body, int64_t quote_of,
    const char *quote, const struct why *why, int err)
{
	struct compose cp = { 0 };

	cp.body = body;
	cp.quote_of = quote_of;
	cp.quote = quote_of > 0 ? quote : NULL;
	/* The reason at its field and at the top (page_begin). */
	if (page_refuse(r, why, err) != 0)
		return err;
	cp.status = r->status;
	return render_thread(r, thid, &cp);
}

int
ui_thread_post(struct req *r)
{
	struct msg_env env = thr_env(r);
	const struct session *s = page_session(r);
	struct msg_upload ups[LIMIT_ATTACHMENTS + 1];
	struct msg_post in;
	struct audit_event ev;
	struct why why;
	const char *body = page_form(r, "body"), *quote = page_form(r, "quote");
	const char *qo = page_form(r, "quote_of");
	int64_t thid = web_obj(r)->id, quote_of = 0, id;
	size_t nup;
	int rc;

	if (qo[0] && num_parse_i64(str_c(qo), 1, INT64_MAX, &quote_of) != 0)
		return ERR_INVAL;
	if (str_trim(str_c(quote)).len == 0)
		quote_of = 0;

	if (strcmp(page_form(r, "action"), "check") == 0) {
		struct compose cp = { 0 };

		/* Keep what was typed, on the page and as the draft. */
		(void)msg_draft_save(&env, thid, s->user_id, str_c(body), 0);
		cp.body = body;
		cp.quote_of = quote_of;
		cp.quote = quote_of > 0 ? quote : NULL;
		cp.check = true;
		return render_thread(r, thid, &cp);
	}

	/* One more slot than allowed, so the domain sees that there were
	 * too many and says so. */
	nup = form_uploads(r, ups, LIMIT_ATTACHMENTS + 1);

	memset(&in, 0, sizeof(in));
	memset(&why, 0, sizeof(why));
	in.author_id = s->user_id;
	in.body = str_c(body);
	in.quote_of = quote_of;
	in.quote = quote_of > 0 ? str_c(quote) : STR_NULL;
	in.uploads = ups;
	in.nuploads = nup;
	in.why = &why;
	thr_event(r, &ev);
	rc = msg_post(&env, thid, &in, &ev, &id);
	if (rc != 0 && why.msg != NULL)
		return rerender(r, thid, body, quote_of, quote, &why, rc);
	if (rc != 0)
		return rc;
	resp_redirect(r, arena_printf(&r->arena, "/threads/%lld?sent=1#m-%lld",
	    (long long)thid, (long long)id));
	return 0;
}

static void
new_thread_form(struct req *r, int64_t traj_id, const char *subject,
    const char *body)
{
	/* A long first message: the token in the address too (http.h). */
	form_begin(r, arena_printf(&r->arena, "/t/%lld/threads?csrf=%s",
	    (long long)traj_id, web_csrf_value(r)));
	form_input(r, "subject", _("Subject"), "text", subject, "off", 1);
	P(r, "<p class=\"field\"><label for=\"f-new-body\">");
	T(r, _("Message"));
	P(r, "</label>\n<textarea id=\"f-new-body\" name=\"body\" rows=\"6\" required");
	page_field_attrs(r, "body", NULL);
	P(r, ">");
	T(r, body ? body : "");
	P(r, "</textarea>");
	page_field_error(r, "body");
	P(r, "</p>\n");
	form_submit(r, _("Start conversation"));
	form_end(r);
}

int
ui_thread_create_post(struct req *r)
{
	struct msg_env env = thr_env(r);
	const struct session *s = page_session(r);
	struct msg_post in;
	struct audit_event ev;
	struct why why;
	const char *subject = page_form(r, "subject");
	const char *body = page_form(r, "body");
	int64_t tid = web_obj(r)->id, thid, mid;
	int rc;

	memset(&in, 0, sizeof(in));
	memset(&why, 0, sizeof(why));
	in.author_id = s->user_id;
	in.body = str_c(body);
	in.why = &why;
	thr_event(r, &ev);
	rc = msg_thread_create(&env, tid, str_c(subject), &in, &ev, &thid,
	    &mid);
	if (rc == 0) {
		resp_redirect(r, arena_printf(&r->arena, "/threads/%lld#m-%lld",
		    (long long)thid, (long long)mid));
		return 0;
	}
	if (page_refuse(r, &why, rc) != 0)
		return rc;
	page_begin(r, _("New conversation"));
	new_thread_form(r, tid, subject, body);
	PF(r, "<p><a href=\"/t/%lld\">", (long long)tid);
	T(r, _("Back to the trajectory"));
	P(r, "</a></p>\n");
	page_end(r);
	return 0;
}

int
ui_message_correct_post(struct req *r)
{
	struct msg_env env = thr_env(r);
	const struct session *s = page_session(r);
	struct audit_event ev;
	struct why why;
	const char *body = page_form(r, "body");
	int64_t mid = web_obj(r)->id, thid, id;
	int rc;

	if ((rc = msg_message_thread(&env, mid, &thid)) != 0)
		return rc;
	memset(&why, 0, sizeof(why));
	thr_event(r, &ev);
	rc = msg_correct(&env, mid, s->user_id, str_c(body), 0, &ev, &why, &id);
	if (rc != 0 && why.msg != NULL) {
		/* The reason belongs to the correction's form, not the
		 * composer's body field. */
		why.field = NULL;
		return rerender(r, thid, NULL, 0, NULL, &why, rc);
	}
	if (rc != 0)
		return rc;
	resp_redirect(r, arena_printf(&r->arena,
	    "/threads/%lld?corrected=1#m-%lld", (long long)thid,
	    (long long)mid));
	return 0;
}

/* --- attachments ---------------------------------------------------------- */

int
ui_attachment(struct req *r)
{
	struct msg_env env = thr_env(r);
	const struct session *s = page_session(r);
	struct msg_attachment meta;
	struct audit_event ev;
	struct buf data = BUF_INIT;
	int64_t aid = web_obj(r)->id;
	int rc;

	thr_event(r, &ev);
	if ((rc = msg_attachment_get(&env, aid, s->user_id, &ev, &r->arena,
	    &meta, &data)) != 0) {
		buf_wipe(&data);
		return rc;
	}
	/* Names stored before the extension followed the type get it here. */
	page_download(r, msg_name_for_type(meta.name, meta.type, &r->arena),
	    meta.type, &data);
	return 0;
}

/* --- the trajectory page's section ---------------------------------------- */

int
ui_thread_section(struct req *r, int64_t traj_id)
{
	struct app *app = r->app;
	struct msg_env env = thr_env(r);
	const struct session *s = page_session(r);
	struct msg_thread *th = NULL;
	struct trajectory t;
	struct audit_event ev;
	struct view_ctx vc;
	size_t n = 0, i;
	int rc;

	if ((rc = traj_get_meta(app->db, traj_id, &r->arena, &t)) != 0)
		return rc;
	thr_event(r, &ev);
	if ((rc = msg_threads(&env, traj_id, s->user_id, &ev, &r->arena, &th,
	    &n)) != 0)
		return rc;
	thr_view_ctx_init(r, traj_id, &vc);

	P(r, "<section class=\"threads\" aria-labelledby=\"h-threads\"><h2 id=\"h-threads\">");
	T(r, _("Conversations"));
	P(r, "</h2>\n");
	if (n == 0) {
		P(r, "<p>");
		T(r, _("No conversations yet."));
		P(r, "</p>\n");
	} else {
		P(r, "<ul class=\"thread-list\">");
		for (i = 0; i < n; i++) {
			PF(r, "<li%s><a href=\"/threads/%lld\">",
			    th[i].unread ? " class=\"unread\"" : "",
			    (long long)th[i].id);
			T(r, th[i].subject);
			P(r, "</a> <span class=\"meta\">");
			T(r, arena_printf(&r->arena,
			    ngettext("%lld message, last on %s",
			    "%lld messages, last on %s",
			    (unsigned long)th[i].messages),
			    (long long)th[i].messages,
			    thr_local_time(r, &vc, th[i].last_message_at)));
			P(r, "</span>");
			if (th[i].unread) {
				P(r, " <span class=\"badge\">");
				T(r, arena_printf(&r->arena, _("%lld new"),
				    (long long)th[i].unread));
				P(r, "</span>");
			}
			if (!th[i].viewer_is_client && th[i].waiting) {
				P(r, " <span class=\"due\">");
				T(r, arena_printf(&r->arena, _("reply due by %s"),
				    thr_local_time(r, &vc, th[i].next_deadline)));
				P(r, "</span>");
			}
			P(r, "</li>\n");
		}
		P(r, "</ul>\n");
	}
	if (t.phase != TRAJ_CLOSED) {
		P(r, "<details class=\"new-thread\"><summary>");
		T(r, _("Start a new conversation"));
		P(r, "</summary>\n");
		new_thread_form(r, traj_id, NULL, NULL);
		P(r, "</details>\n");
	}
	/* Exports and search only once there is something to export. */
	if (n > 0) {
		PF(r, "<p class=\"export-links\"><a href=\"/t/%lld/export\">",
		    (long long)traj_id);
		T(r, _("Printable version of the whole conversation"));
		PF(r, "</a> \xc2\xb7 <a href=\"/t/%lld/export.json\">",
		    (long long)traj_id);
		T(r, _("Download as JSON"));
		P(r, "</a> \xc2\xb7 <a href=\"/search\">");
		T(r, _("Search in messages"));
		P(r, "</a></p>\n");
	}
	P(r, "</section>\n");
	return 0;
}

