/*
 * ui-assistant.c - the writing assistant on the thread page: its panel (filled
 * by "Check my draft" without script, live through the JSON route with
 * it), and drafts saved as one types (api_thread_draft).
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
int
thr_assistant_run(struct req *r, int64_t thread_id, int64_t traj_id,
    struct str draft, struct assistant_result *res)
{
	struct app *app = r->app;
	struct msg_env env = thr_env(r);
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
	thr_event(r, &ev);
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

void
thr_assistant_panel(struct req *r, int64_t thread_id,
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
	struct msg_env env = thr_env(r);
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
	struct msg_env env = thr_env(r);
	struct hint h[MAX_HINTS];
	struct buf b = BUF_INIT;
	struct str draft;
	int64_t thid = web_obj(r)->id;
	size_t n, i;
	int rc;

	if (thr_is_client(r))
		return ERR_FORBIDDEN;
	if (app->assistant == NULL)
		return ERR_NOTFOUND;
	if ((rc = draft_input(r, &draft)) != 0)
		return rc;
	if ((rc = msg_thread_meta(&env, thid, p.user_id, &r->arena, &th)) != 0)
		return rc;
	if (th.viewer_is_client)
		return ERR_FORBIDDEN;
	if ((rc = thr_assistant_run(r, thid, th.traj_id, draft, &res)) != 0)
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
