/*
 * ui-thread.c - written coaching pages: a trajectory's conversations, a
 * thread with its messages and composer, corrections, attachments, drafts,
 * the writing assistant's panel, the export and search.
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
#include "web/web_int.h"
#include "core/banned.h"

/* --- small helpers -------------------------------------------------------- */

static struct msg_env
env_of(struct req *r)
{
	struct app *app = r->app;
	struct msg_env e = { app->db, app->kr, app->tzc };

	return e;
}

static bool
is_client(struct req *r)
{
	const struct session *s = page_session(r);

	return s && s->role == ROLE_CLIENT;
}

/* An access-log template for this request: who, from where, why. */
static void
event(struct req *r, struct audit_event *ev)
{
	web_audit_event(r, ev, AUDIT_READ, "message", 0, 0,
	    is_client(r) ? "client-self" : "care");
}

/* The trajectory's zone (the promise's), for showing times; NULL: UTC. */
struct view_ctx {
	int64_t traj_id;
	const struct tz *tz;
	struct promise *promise;     /* NULL when it could not be read */
};

static void
view_ctx_init(struct req *r, int64_t traj_id, struct view_ctx *vc)
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
static const char *
local_time(struct req *r, const struct view_ctx *vc, int64_t t)
{
	return page_time_tz(r, vc ? vc->tz : NULL, t);
}

/* A machine-readable moment for <time datetime>: ISO 8601 in UTC. */
static const char *
iso_time(struct req *r, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL)
		return "";
	return arena_printf(&r->arena, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}

static const char *
size_label(struct req *r, int64_t n)
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

static void
thread_assets(struct req *r)
{
	/* Stylesheet links and external scripts are allowed in the body;
	 * the CSP forbids anything inline. */
	P(r, "<link rel=\"stylesheet\" href=\"/static/thread.css\">\n"
	    "<script src=\"/static/thread.js\" defer></script>\n");
}

/* --- the writing assistant ------------------------------------------------ */

struct hint {
	const char *cls;     /* "ok", "hint" or "info" */
	const char *text;
};

#define MAX_HINTS 12

static const char *
join_terms(struct req *r, const char *const *terms, size_t n)
{
	struct buf b = BUF_INIT;
	const char *out;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			buf_adds(&b, ", ");
		buf_printf(&b, "\xe2\x80\x9c%s\xe2\x80\x9d", terms[i]);
	}
	out = arena_strndup(&r->arena, b.p, b.len);
	buf_release(&b);
	return out;
}

/* The analysis as sentences a professional reads; hints never block. */
static size_t
hint_sentences(struct req *r, const struct assistant_result *res,
    struct hint *h)
{
	struct arena *a = &r->arena;
	size_t n = 0;

	switch (res->phase) {
	case ASSISTANT_PHASE_EXTENDED:
		h[n++] = (struct hint){ "info", _("Welcome phase: getting to know each other. Take time for a full welcome.") };
		break;
	case ASSISTANT_PHASE_LIMITED:
		h[n++] = (struct hint){ "info", _("Welcome phase: limited welcome. Open every message with a compliment, recognition or appreciation.") };
		break;
	case ASSISTANT_PHASE_DIRECT:
		h[n++] = (struct hint){ "info", _("Welcome phase: the rhythm is established. You may come to the point directly.") };
		break;
	}
	if (res->rhythm_broken)
		h[n++] = (struct hint){ "hint", _("The rhythm of contact was broken: give the relationship renewed attention, starting with the welcome.") };
	if (res->words == 0)
		return n;
	if (res->appreciation)
		h[n++] = (struct hint){ "ok", arena_printf(a,
		    _("Your reply opens with appreciation (\xe2\x80\x9c%s\xe2\x80\x9d)."),
		    res->appreciation_phrase ? res->appreciation_phrase : "") };
	else if (res->hints & ASSISTANT_HINT_NO_APPRECIATION)
		h[n++] = (struct hint){ "hint", _("Consider opening with a sincere compliment or appreciation of the client.") };
	if (res->n_mirrored > 0)
		h[n++] = (struct hint){ "ok", arena_printf(a,
		    _("You mirror the client's own words: %s."),
		    join_terms(r, res->mirrored, res->n_mirrored)) };
	else if (res->hints & ASSISTANT_HINT_NO_MIRRORING)
		h[n++] = (struct hint){ "hint", _("Your reply does not yet use any of the client's own words.") };
	if (res->n_could_mirror > 0)
		h[n++] = (struct hint){ "info", arena_printf(a,
		    _("Words of the client you could mirror: %s."),
		    join_terms(r, res->could_mirror, res->n_could_mirror)) };
	if (res->hints & ASSISTANT_HINT_TOO_MANY_QUESTIONS)
		h[n++] = (struct hint){ "hint", arena_printf(a,
		    _("Your reply asks %zu questions; at most %d make it easy to answer."),
		    res->questions, res->max_questions) };
	else
		h[n++] = (struct hint){ "info", arena_printf(a,
		    _("Questions in your reply: %zu."), res->questions) };
	h[n++] = (struct hint){ (res->too_hard ? "hint" : "info"),
	    arena_printf(a, _("Readability %.0f (this client's reading level asks for at least %.0f); sentences have %s words on average, the longest has %zu."),
	    res->readability, res->min_score,
	    page_decimal(r, res->mean_sentence_words),
	    res->longest_sentence_words) };
	if (res->too_hard)
		h[n++] = (struct hint){ "hint", _("This may be hard to read for this client: use shorter sentences and simpler words.") };
	if (res->hints & ASSISTANT_HINT_LONG_SENTENCE)
		h[n++] = (struct hint){ "hint", arena_printf(a,
		    ngettext("%zu sentence is longer than %zu words.",
		    "%zu sentences are longer than %zu words.",
		    res->long_sentences),
		    res->long_sentences, res->long_sentence_limit) };
	return n;
}

static enum assistant_level
level_of(enum traj_level l)
{
	switch (l) {
	case TRAJ_LEVEL_SIMPLE:
		return ASSISTANT_LEVEL_SIMPLE;
	case TRAJ_LEVEL_ADVANCED:
		return ASSISTANT_LEVEL_ADVANCED;
	default:
		return ASSISTANT_LEVEL_STANDARD;
	}
}

/* Analyse a draft against the client's last message in the thread and
 * the rhythm of the trajectory. */
static int
assistant_run(struct req *r, int64_t thread_id, int64_t traj_id,
    struct str draft, struct assistant_result *res)
{
	struct app *app = r->app;
	struct msg_env env = env_of(r);
	const struct session *s = page_session(r);
	struct assistant_input in;
	struct assistant_msg *hist;
	struct msg_turn *turns;
	struct trajectory t;
	struct audit_event ev;
	struct str last;
	size_t nturns, i;
	int rc;

	if (app->assistant == NULL)
		return ERR_NOTFOUND;
	if (draft.len > LIMIT_ASSISTANT_TEXT)
		return ERR_TOOBIG;
	if ((rc = traj_get_meta(app->db, traj_id, &r->arena, &t)) != 0)
		return rc;
	event(r, &ev);
	if ((rc = msg_assistant_context(&env, thread_id, s->user_id, &ev,
	    &r->arena, &last, &turns, &nturns, LIMIT_ASSISTANT_HISTORY)) != 0)
		return rc;
	hist = arena_calloc(&r->arena, nturns + 1, sizeof(*hist));
	for (i = 0; i < nturns; i++) {
		hist[i].at = turns[i].at;
		hist[i].from_client = turns[i].from_client;
	}
	memset(&in, 0, sizeof(in));
	if (assistant_detect_lang(app->assistant, draft, &in.lang) != 0 &&
	    assistant_detect_lang(app->assistant, last, &in.lang) != 0)
		in.lang = strcmp(web_req_state(r)->lang ? web_req_state(r)->lang :
		    "nl", "en") == 0 ? ASSISTANT_LANG_EN : ASSISTANT_LANG_NL;
	in.draft = draft;
	in.client_last = last.len > LIMIT_ASSISTANT_TEXT ?
	    (struct str){ last.p, LIMIT_ASSISTANT_TEXT } : last;
	in.history = hist;
	in.n = nturns;
	in.now = time(NULL);
	in.reading_level = level_of(t.reading_level);
	return assistant_analyse(app->assistant, &in, &r->arena, res);
}

static void
assistant_panel(struct req *r, int64_t thread_id,
    const struct assistant_result *res)
{
	struct hint h[MAX_HINTS];
	size_t n = 0, i;

	P(r, "<section class=\"assistant\" id=\"assistant\" aria-labelledby=\"h-assistant\" aria-live=\"polite\" data-url=\"");
	PF(r, "/api/threads/%lld/assistant", (long long)thread_id);
	P(r, "\"><h3 id=\"h-assistant\">");
	T(r, _("Writing assistant"));
	P(r, "</h3>\n<p class=\"assistant-note\">");
	T(r, _("Hints only: they never stop you from sending."));
	P(r, "</p>\n<ul class=\"hints\">");
	if (res)
		n = hint_sentences(r, res, h);
	for (i = 0; i < n; i++) {
		PF(r, "<li class=\"hint-%s\">", h[i].cls);
		T(r, h[i].text);
		P(r, "</li>");
	}
	if (res == NULL) {
		P(r, "<li class=\"hint-info\">");
		T(r, _("Use \xe2\x80\x9c" "Check my draft\xe2\x80\x9d to see how your reply reads for this client."));
		P(r, "</li>");
	}
	P(r, "</ul></section>\n");
}

/* --- rendering a thread --------------------------------------------------- */

struct compose {
	const char *body;       /* NULL: the saved draft */
	int64_t quote_of;
	const char *quote;
	const char *error;
	const char *error_field; /* the composer's field at fault: "body",
	                            "quote", "attachments"; NULL: none */
	const char *ok;
	bool check;             /* fill the assistant panel */
	int status;
};

static void
render_md(struct req *r, const char *body, size_t len)
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
		T(r, size_label(r, at->size));
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
		    src->author_name, local_time(r, vc, src->created_at)) :
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
	T(r, m->from_client ? _("client") : is_client(r) ?
	    _("your professional") : _("professional"));
	P(r, "</span> <time datetime=\"");
	A(r, iso_time(r, m->created_at));
	P(r, "\">");
	T(r, local_time(r, vc, m->created_at));
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
			    local_time(r, vc, m->new_deadline)));
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
		    local_time(r, vc, cur->created_at)));
		P(r, "</p>\n");
		render_md(r, cur->body, cur->body_len);
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
			    local_time(r, vc, v->created_at)));
			P(r, "</p>\n");
			render_md(r, v->body, v->body_len);
			P(r, "</div>\n");
		}
		P(r, "</details>\n");
	} else {
		render_md(r, m->body, m->body_len);
	}
	render_attachments(r, m);
	for (i = 0; i < nc; i++)
		render_attachments(r, &all[corr[i]]);

	/* Status lines: the reply deadline; the client's read, if shared. */
	if (m->from_client && m->kind == MSG_MESSAGE && m->deadline_at) {
		P(r, "<p class=\"status\">");
		if (m->replied_at)
			T(r, arena_printf(&r->arena, _("Answered on %s."),
			    local_time(r, vc, m->replied_at)));
		else
			T(r, arena_printf(&r->arena, th->viewer_is_client ?
			    _("You can expect a reply by %s.") :
			    _("Reply due by %s."),
			    local_time(r, vc, m->deadline_at)));
		P(r, "</p>\n");
	}
	if (m->client_read_at) {
		P(r, "<p class=\"status read\">");
		T(r, arena_printf(&r->arena, _("Read by the client on %s."),
		    local_time(r, vc, m->client_read_at)));
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
		form_begin(r, arena_printf(&r->arena, "/messages/%lld/correct",
		    (long long)m->id));
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
		    local_time(r, vc, (int64_t)due)));
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

/* The reason next to the field it is about (the notice at the top of the
 * page says it too, for a reader who starts there). */
static void
field_error(struct req *r, const struct compose *cp, const char *field)
{
	if (cp->error == NULL || cp->error_field == NULL ||
	    strcmp(cp->error_field, field) != 0)
		return;
	PF(r, " <span class=\"field-error\" id=\"f-%s-error\">", field);
	T(r, cp->error);
	P(r, "</span>");
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
	PF(r, "<form method=\"post\" action=\"/threads/%lld/messages\" "
	    "enctype=\"multipart/form-data\" id=\"composer-form\" "
	    "data-draft-url=\"/api/threads/%lld/draft\" data-quote-label=\"",
	    (long long)th->id, (long long)th->id);
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
	P(r, "</label>\n<textarea id=\"f-quote\" name=\"quote\" rows=\"3\" aria-describedby=\"f-quote-hint\">");
	T(r, quote ? quote : "");
	P(r, "</textarea>\n<span class=\"hint\" id=\"f-quote-hint\">");
	T(r, _("Shorten it to the words you respond to; it must stay word for word as written. Empty it to quote nothing."));
	P(r, "</span>");
	field_error(r, cp, "quote");
	P(r, "</p>\n");
	P(r, "<p class=\"field\"><label for=\"f-body\">");
	T(r, _("Message"));
	P(r, "</label>\n<textarea id=\"f-body\" name=\"body\" rows=\"10\" aria-describedby=\"f-body-hint f-draft-status\">");
	T(r, body ? body : "");
	P(r, "</textarea>\n<span class=\"hint\" id=\"f-body-hint\">");
	T(r, _("You can use Markdown: *italic*, **bold**, lists and > for a quotation."));
	P(r, "</span> <span class=\"hint\" id=\"f-draft-status\" aria-live=\"polite\"></span>");
	field_error(r, cp, "body");
	P(r, "</p>\n");
	P(r, "<p class=\"field\"><label for=\"f-att\">");
	T(r, _("Attachments (optional)"));
	P(r, "</label>\n<input id=\"f-att\" type=\"file\" name=\"attachment\" multiple "
	    "accept=\".pdf,.png,.jpg,.jpeg,.gif,.txt,.docx,.odt,application/pdf,image/png,image/jpeg,image/gif,text/plain\" "
	    "aria-describedby=\"f-att-hint\">\n<span class=\"hint\" id=\"f-att-hint\">");
	T(r, arena_printf(&r->arena, _("Up to %d files of at most %d MB each: PDF, PNG, JPEG, GIF, plain text, Word (.docx) or OpenDocument text (.odt)."),
	    LIMIT_ATTACHMENTS, LIMIT_ATTACHMENT / (1024 * 1024)));
	P(r, "</span>");
	field_error(r, cp, "attachments");
	P(r, "</p>\n");
	if (show_panel)
		assistant_panel(r, th->id, res);
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

static int
render_thread(struct req *r, int64_t thread_id, const struct compose *cp)
{
	struct app *app = r->app;
	struct msg_env env = env_of(r);
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
	event(r, &ev);
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
	view_ctx_init(r, th.traj_id, &vc);

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
	if (panel && cp->check && assistant_run(r, thread_id, th.traj_id,
	    str_c(body ? body : ""), &res) == 0)
		resp = &res;

	page_begin(r, th.subject);
	thread_assets(r);
	PF(r, "<p class=\"crumbs\"><a href=\"/t/%lld\">", (long long)th.traj_id);
	T(r, _("Back to the trajectory"));
	P(r, "</a></p>\n");
	if (cp->error)
		page_notice(r, "error", cp->error);
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
	/* The queue's "I need more time" form, for a professional with
	 * something waiting (ui-queue.c decides; it writes nothing when it
	 * fails, and the conversation is still worth showing then). */
	if (!th.viewer_is_client && !th.closed)
		(void)ui_more_time_form(r, th.id);
	if (!th.closed)
		composer(r, &vc, &th, cp, body, quote, quote_of, resp, panel);
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
	cp.error = page_why(r, why);
	cp.error_field = why->field;
	cp.status = err_status(err);
	return render_thread(r, thid, &cp);
}

int
ui_thread_post(struct req *r)
{
	struct msg_env env = env_of(r);
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
	event(r, &ev);
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
	form_begin(r, arena_printf(&r->arena, "/t/%lld/threads",
	    (long long)traj_id));
	form_input(r, "subject", _("Subject"), "text", subject, "off", 1);
	P(r, "<p class=\"field\"><label for=\"f-new-body\">");
	T(r, _("Message"));
	P(r, "</label>\n<textarea id=\"f-new-body\" name=\"body\" rows=\"6\" required>");
	T(r, body ? body : "");
	P(r, "</textarea></p>\n");
	form_submit(r, _("Start conversation"));
	form_end(r);
}

int
ui_thread_create_post(struct req *r)
{
	struct msg_env env = env_of(r);
	const struct session *s = page_session(r);
	struct msg_post in;
	struct audit_event ev;
	struct why why;
	const char *subject = page_form(r, "subject");
	const char *body = page_form(r, "body");
	const char *error = NULL;
	int64_t tid = web_obj(r)->id, thid, mid;
	int rc;

	memset(&in, 0, sizeof(in));
	memset(&why, 0, sizeof(why));
	in.author_id = s->user_id;
	in.body = str_c(body);
	in.why = &why;
	event(r, &ev);
	rc = msg_thread_create(&env, tid, str_c(subject), &in, &ev, &thid,
	    &mid);
	if (rc == 0) {
		resp_redirect(r, arena_printf(&r->arena, "/threads/%lld#m-%lld",
		    (long long)thid, (long long)mid));
		return 0;
	}
	if ((error = page_why(r, &why)) == NULL)
		return rc;
	page_begin(r, _("New conversation"));
	page_notice(r, "error", error);
	new_thread_form(r, tid, subject, body);
	PF(r, "<p><a href=\"/t/%lld\">", (long long)tid);
	T(r, _("Back to the trajectory"));
	P(r, "</a></p>\n");
	page_end(r);
	r->status = err_status(rc);
	return 0;
}

int
ui_message_correct_post(struct req *r)
{
	struct msg_env env = env_of(r);
	const struct session *s = page_session(r);
	struct audit_event ev;
	struct why why;
	const char *body = page_form(r, "body");
	int64_t mid = web_obj(r)->id, thid, id;
	int rc;

	if ((rc = msg_message_thread(&env, mid, &thid)) != 0)
		return rc;
	memset(&why, 0, sizeof(why));
	event(r, &ev);
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

/* The draft or the text to analyse from a JSON body {"draft": "..."} or a
 * form field "draft". */
static int
draft_input(struct req *r, struct str *out)
{
	json_t *j, *v;
	const char *f;
	int rc;

	if (strcmp(r->content_type, "application/json") == 0) {
		if ((rc = req_json(r, &j)) != 0)
			return rc;
		v = json_object_get(j, "draft");
		if (v == NULL || !json_is_string(v)) {
			r->error_detail = "Send {\"draft\": \"...\"}.";
			return ERR_INVAL;
		}
		*out = (struct str){ json_string_value(v), json_string_length(v) };
		return 0;
	}
	if ((f = req_form(r, "draft")) == NULL) {
		r->error_detail = "Send the field draft.";
		return ERR_INVAL;
	}
	*out = str_c(f);
	return 0;
}

int
api_thread_draft(struct req *r)
{
	struct msg_env env = env_of(r);
	const struct session *s = page_session(r);
	struct buf b = BUF_INIT;
	struct str text;
	int64_t thid = web_obj(r)->id;
	time_t now = time(NULL);
	int rc;

	if ((rc = draft_input(r, &text)) != 0)
		return rc;
	if ((rc = msg_draft_save(&env, thid, s->user_id, text, now)) != 0)
		return rc;
	buf_printf(&b, "{\"saved\":true,\"at\":%lld,\"message\":",
	    (long long)now);
	json_str(&b, str_c(_("Draft saved.")));
	buf_adds(&b, "}");
	resp_json(r, 200, b.p, b.len);
	buf_release(&b);
	return 0;
}

int
api_thread_assistant(struct req *r)
{
	struct app *app = r->app;
	struct principal p = page_principal(r);
	struct assistant_result res;
	struct msg_thread th;
	struct msg_env env = env_of(r);
	struct hint h[MAX_HINTS];
	struct buf b = BUF_INIT;
	struct str draft;
	int64_t thid = web_obj(r)->id;
	size_t n, i;
	int rc;

	if (is_client(r))
		return ERR_FORBIDDEN;
	if (app->assistant == NULL)
		return ERR_NOTFOUND;
	if ((rc = draft_input(r, &draft)) != 0)
		return rc;
	if ((rc = msg_thread_meta(&env, thid, p.user_id, &r->arena, &th)) != 0)
		return rc;
	if (th.viewer_is_client)
		return ERR_FORBIDDEN;
	if ((rc = assistant_run(r, thid, th.traj_id, draft, &res)) != 0)
		return rc;
	n = hint_sentences(r, &res, h);
	buf_adds(&b, "{\"analysis\":");
	assistant_result_json(&res, &b);
	buf_adds(&b, ",\"phase\":");
	json_str(&b, str_c(assistant_phase_name(res.phase)));
	buf_adds(&b, ",\"hints\":[");
	for (i = 0; i < n; i++) {
		buf_adds(&b, i ? ",{\"class\":" : "{\"class\":");
		json_str(&b, str_c(h[i].cls));
		buf_adds(&b, ",\"text\":");
		json_str(&b, str_c(h[i].text));
		buf_adds(&b, "}");
	}
	buf_adds(&b, "]}");
	resp_json(r, 200, b.p, b.len);
	buf_release(&b);
	return 0;
}

/* --- attachments ---------------------------------------------------------- */

/* Content-Disposition for a download: an ASCII fallback name and the real
 * one in RFC 5987 encoding (RFC 6266). */
static const char *
disposition(struct req *r, const char *name)
{
	static const char attr[] = "!#$&+-.^_`|~";
	struct buf b = BUF_INIT;
	const unsigned char *p;
	const char *out;

	buf_adds(&b, "attachment; filename=\"");
	for (p = (const unsigned char *)name; *p; p++)
		buf_addch(&b, *p < 0x20 || *p >= 0x7f || *p == '"' ||
		    *p == '\\' || *p == '%' ? '_' : (char)*p);
	buf_adds(&b, "\"; filename*=UTF-8''");
	for (p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(attr, *p) != NULL)
			buf_addch(&b, (char)*p);
		else
			buf_printf(&b, "%%%02X", *p);
	}
	out = arena_strndup(&r->arena, b.p, b.len);
	buf_release(&b);
	return out;
}

int
ui_attachment(struct req *r)
{
	struct msg_env env = env_of(r);
	const struct session *s = page_session(r);
	struct msg_attachment meta;
	struct audit_event ev;
	struct buf data = BUF_INIT;
	int64_t aid = web_obj(r)->id;
	int rc;

	event(r, &ev);
	if ((rc = msg_attachment_get(&env, aid, s->user_id, &ev, &r->arena,
	    &meta, &data)) != 0) {
		buf_wipe(&data);
		return rc;
	}
	/* Only types of the allow-list are named; a download either way, and
	 * the server adds nosniff, so nothing is shown as a page. */
	r->resp_type = strcmp(meta.type, "text/plain") == 0 ?
	    "text/plain; charset=utf-8" : meta.type;
	/* Names stored before the extension followed the type get it here. */
	resp_header(r, "Content-Disposition", disposition(r,
	    msg_name_for_type(meta.name, meta.type, &r->arena)));
	buf_release(&r->resp);
	r->resp = data;
	r->status = 200;
	return 0;
}

/* --- export --------------------------------------------------------------- */

static int
export_load(struct req *r, struct msg_export *x, struct view_ctx *vc)
{
	struct msg_env env = env_of(r);
	const struct session *s = page_session(r);
	struct audit_event ev;
	int64_t tid = web_obj(r)->id;
	int rc;

	web_audit_event(r, &ev, AUDIT_EXECUTE, "trajectory", 0, tid,
	    is_client(r) ? "client-self" : "export");
	if ((rc = msg_export(&env, tid, s->user_id, &ev, &r->arena, x)) != 0)
		return rc;
	if (vc)
		view_ctx_init(r, tid, vc);
	return 0;
}

int
ui_export_json(struct req *r)
{
	struct msg_export x;
	struct buf b = BUF_INIT;
	int rc;

	if ((rc = export_load(r, &x, NULL)) != 0)
		return rc;
	msg_export_json(&x, &b);
	/* The client's assignment work belongs to their export too. */
	if ((rc = ui_asg_export_json(r, x.traj_id, &b)) != 0) {
		buf_wipe(&b);
		return rc;
	}
	resp_header(r, "Content-Disposition", arena_printf(&r->arena,
	    "attachment; filename=\"infuus-conversation-%lld.json\"",
	    (long long)x.traj_id));
	resp_json(r, 200, b.p, b.len);
	buf_wipe(&b);
	return 0;
}

int
ui_export_page(struct req *r)
{
	const char *lang = web_req_state(r)->lang;
	struct msg_export x;
	struct view_ctx vc;
	size_t t, i;
	int rc;

	if ((rc = export_load(r, &x, &vc)) != 0)
		return rc;
	/* A document of its own, for printing: no menus, the print
	 * stylesheet (static/export.css) does the rest. */
	r->resp_type = "text/html; charset=utf-8";
	P(r, "<!DOCTYPE html>\n<html lang=\"");
	A(r, lang ? lang : "nl");
	P(r, "\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
	T(r, _("Conversation"));
	/* The icon as on every page (page_begin): without it the browser
	 * asks for /favicon.ico, which does not exist (a 404 in the
	 * console). */
	P(r, " \xc2\xb7 Infuus</title>\n"
	    "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">\n"
	    "<link rel=\"stylesheet\" href=\"/static/infuus.css\">\n"
	    "<link rel=\"stylesheet\" href=\"/static/thread.css\">\n"
	    "<link rel=\"stylesheet\" href=\"/static/export.css\">\n"
	    "</head>\n<body class=\"export\">\n<main id=\"main\">\n<h1>");
	T(r, _("Conversation"));
	P(r, "</h1>\n<p class=\"meta\">");
	T(r, arena_printf(&r->arena, _("Exported on %s. Every message of the trajectory, oldest first."),
	    local_time(r, &vc, x.exported_at)));
	PF(r, "</p>\n<p class=\"noprint\"><a href=\"/t/%lld\">", (long long)x.traj_id);
	T(r, _("Back to the trajectory"));
	PF(r, "</a> \xc2\xb7 <a href=\"/t/%lld/export.json\">", (long long)x.traj_id);
	T(r, _("Download as JSON"));
	P(r, "</a></p>\n");
	for (t = 0; t < x.nthreads; t++) {
		const struct msg_export_thread *xt = &x.threads[t];

		PF(r, "<section class=\"thread\" id=\"t-%lld\"><h2>",
		    (long long)xt->th.id);
		T(r, xt->th.subject);
		P(r, "</h2>\n");
		for (i = 0; i < xt->n; i++) {
			const struct msg_message *m = &xt->msgs[i];

			PF(r, "<article class=\"msg %s\" id=\"m-%lld\"><header><span class=\"author\">",
			    m->from_client ? "from-client" : "from-pro",
			    (long long)m->id);
			T(r, m->author_name[0] ? m->author_name :
			    _("(former participant)"));
			P(r, "</span> <time datetime=\"");
			A(r, iso_time(r, m->created_at));
			P(r, "\">");
			T(r, local_time(r, &vc, m->created_at));
			P(r, "</time>");
			if (m->kind == MSG_CORRECTION) {
				P(r, " <span class=\"corrected\">");
				T(r, arena_printf(&r->arena,
				    _("(correction of message %lld)"),
				    (long long)m->corrects));
				P(r, "</span>");
			} else if (m->kind == MSG_NOTICE) {
				P(r, " <span class=\"corrected\">");
				T(r, _("(needs more time)"));
				P(r, "</span>");
			}
			P(r, "</header>\n");
			if (m->quote) {
				P(r, "<blockquote class=\"quote\"><p>");
				T(r, m->quote);
				PF(r, "</p><footer><a href=\"#m-%lld\">",
				    (long long)m->quote_of);
				T(r, _("From an earlier message"));
				P(r, "</a></footer></blockquote>\n");
			}
			render_md(r, m->body, m->body_len);
			if (m->natt) {
				size_t k;

				P(r, "<ul class=\"attachments\">");
				for (k = 0; k < m->natt; k++) {
					P(r, "<li>");
					T(r, m->att[k].name);
					P(r, " (");
					T(r, size_label(r, m->att[k].size));
					P(r, ")</li>");
				}
				P(r, "</ul>\n");
			}
			P(r, "</article>\n");
		}
		P(r, "</section>\n");
	}
	if (x.nthreads == 0) {
		P(r, "<p>");
		T(r, _("No messages yet."));
		P(r, "</p>\n");
	}
	if ((rc = ui_asg_export_section(r, x.traj_id)) != 0)
		return rc;
	P(r, "</main>\n</body>\n</html>\n");
	r->status = 200;
	return 0;
}

/* --- search --------------------------------------------------------------- */

struct may {
	struct req *r;
	struct principal p;
};

/* Search results are no objects of the path: each hit's trajectory is
 * checked here. */
static bool
may_read(void *arg, int64_t traj_id)
{
	struct may *m = arg;
	struct app *app = m->r->app;

	return authz_check(app->db, &m->p, AUTHZ_READ, AUTHZ_TRAJECTORY,
	    traj_id) == 0;
}

int
ui_search(struct req *r)
{
	struct msg_env env = env_of(r);
	struct may m = { r, page_principal(r) };
	const char *q = req_query(r, "q");
	struct msg_hit *hits = NULL;
	struct audit_event ev;
	size_t n = 0, i;
	int rc = 0;

	if (q != NULL && str_trim(str_c(q)).len > 0) {
		if (strlen(q) > LIMIT_SEARCH_QUERY)
			rc = ERR_TOOBIG;
		else {
			web_audit_event(r, &ev, AUDIT_READ, "trajectory", 0, 0,
			    is_client(r) ? "client-self" : "care");
			rc = msg_search(&env, m.p.org_id, m.p.user_id, q, may_read,
			    &m, &ev, &r->arena, &hits, &n);
		}
		if (rc != 0 && rc != ERR_INVAL && rc != ERR_TOOBIG)
			return rc;
	}
	page_begin(r, _("Search in messages"));
	thread_assets(r);
	P(r, "<form method=\"get\" action=\"/search\" role=\"search\" class=\"search\">"
	    "<p class=\"field\"><label for=\"f-q\">");
	T(r, _("Search words"));
	P(r, "</label>\n<input id=\"f-q\" type=\"search\" name=\"q\" maxlength=\"200\" value=\"");
	A(r, q ? q : "");
	P(r, "\"></p>\n<p><button type=\"submit\">");
	T(r, _("Search"));
	P(r, "</button></p></form>\n<p class=\"hint\">");
	T(r, _("Finds messages that contain all the words, in the conversations you take part in. Capitals and accents do not matter; whole words only."));
	P(r, "</p>\n");
	if (rc == ERR_INVAL) {
		page_notice(r, "error", _("Please enter at least one word of two or more letters."));
		r->status = 400;
	} else if (rc == ERR_TOOBIG) {
		page_notice(r, "error", _("The search text is too long."));
		r->status = 400;
	} else if (q != NULL && str_trim(str_c(q)).len > 0) {
		P(r, "<h2>");
		T(r, n == 0 ? _("Nothing found.") : arena_printf(&r->arena,
		    _("Found: %zu"), n));
		P(r, "</h2>\n<ol class=\"results\">");
		for (i = 0; i < n; i++) {
			PF(r, "<li><a href=\"/threads/%lld#m-%lld\">",
			    (long long)hits[i].thread_id,
			    (long long)hits[i].message_id);
			T(r, hits[i].subject);
			P(r, "</a> <span class=\"meta\">");
			T(r, hits[i].author_name);
			P(r, ", ");
			T(r, page_time(r, hits[i].created_at));
			P(r, "</span><p class=\"excerpt\">");
			T(r, hits[i].excerpt);
			P(r, "</p></li>\n");
		}
		P(r, "</ol>\n");
	}
	page_end(r);
	return 0;
}

/* --- the trajectory page's section ---------------------------------------- */

int
ui_thread_section(struct req *r, int64_t traj_id)
{
	struct app *app = r->app;
	struct msg_env env = env_of(r);
	const struct session *s = page_session(r);
	struct msg_thread *th = NULL;
	struct trajectory t;
	struct audit_event ev;
	struct view_ctx vc;
	size_t n = 0, i;
	int rc;

	if ((rc = traj_get_meta(app->db, traj_id, &r->arena, &t)) != 0)
		return rc;
	event(r, &ev);
	if ((rc = msg_threads(&env, traj_id, s->user_id, &ev, &r->arena, &th,
	    &n)) != 0)
		return rc;
	view_ctx_init(r, traj_id, &vc);

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
			    local_time(r, &vc, th[i].last_message_at)));
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
				    local_time(r, &vc, th[i].next_deadline)));
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
