/*
 * ui-export.c - a trajectory's conversations exported: the printable page and
 * the JSON file, after one access-log entry for the export.
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
#include "chat/chat.h"
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

/* --- export --------------------------------------------------------------- */

static int
export_load(struct req *r, struct msg_export *x, struct view_ctx *vc)
{
	struct msg_env env = thr_env(r);
	const struct session *s = page_session(r);
	struct audit_event ev;
	int64_t tid = web_obj(r)->id;
	int rc;

	web_audit_event(r, &ev, AUDIT_EXECUTE, "trajectory", 0, tid,
	    thr_is_client(r) ? "client-self" : "export");
	if ((rc = msg_export(&env, tid, s->user_id, &ev, &r->arena, x)) != 0)
		return rc;
	if (vc)
		thr_view_ctx_init(r, tid, vc);
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
	if ((rc = ui_asg_export_json(r, x.traj_id, &b)) != 0 ||
	    (rc = ui_mod_export_json(r, x.traj_id, &b)) != 0 ||
	    (rc = ui_report_export_json(r, x.traj_id, &b)) != 0) {
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

/* The trajectory's chat, oldest first, as the printable page shows a
 * thread (msg_export read it with the messages). */
static void
export_chat(struct req *r, const struct view_ctx *vc,
    const struct msg_export *x)
{
	size_t i;

	P(r, "<section class=\"thread chat\" id=\"chat\"><h2>");
	T(r, _("Chat"));
	P(r, "</h2>\n");
	if (x->nchat == 0) {
		P(r, "<p>");
		T(r, _("No chat messages."));
		P(r, "</p>\n");
	}
	for (i = 0; i < x->nchat; i++) {
		const struct chat_msg *m = &x->chat[i];

		PF(r, "<article class=\"msg %s\" id=\"c-%lld\"><header><span class=\"author\">",
		    m->from_client ? "from-client" : "from-pro",
		    (long long)m->id);
		T(r, m->author_name && m->author_name[0] ? m->author_name :
		    _("(former participant)"));
		P(r, "</span> <time datetime=\"");
		A(r, thr_iso_time(r, m->created_at));
		P(r, "\">");
		T(r, thr_local_time(r, vc, m->created_at));
		P(r, "</time></header>\n");
		if (m->kind == CHAT_TEXT) {
			P(r, "<p class=\"chat-text\">");
			TS(r, (struct str){ m->body, m->len });
			P(r, "</p>\n");
		} else {
			P(r, "<p class=\"corrected\">");
			T(r, m->kind == CHAT_CALL_PHONE ?
			    _("proposes a phone call.") :
			    _("proposes a video call."));
			P(r, "</p>\n");
		}
		P(r, "</article>\n");
	}
	P(r, "</section>\n");
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
	    thr_local_time(r, &vc, x.exported_at)));
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
			A(r, thr_iso_time(r, m->created_at));
			P(r, "\">");
			T(r, thr_local_time(r, &vc, m->created_at));
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
			thr_render_md(r, m->body, m->body_len);
			if (m->natt) {
				size_t k;

				P(r, "<ul class=\"attachments\">");
				for (k = 0; k < m->natt; k++) {
					P(r, "<li>");
					T(r, m->att[k].name);
					P(r, " (");
					T(r, thr_size_label(r, m->att[k].size));
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
	/* The chat is the client's words as the messages are: the same
	 * export (its access-log entry covers both), oldest first. */
	export_chat(r, &vc, &x);
	/* The client's assignment work belongs to the export too. */
	if ((rc = ui_asg_export_section(r, x.traj_id)) != 0 ||
	    (rc = ui_mod_export_section(r, x.traj_id)) != 0 ||
	    (rc = ui_report_export_section(r, x.traj_id)) != 0)
		return rc;
	P(r, "</main>\n</body>\n</html>\n");
	r->status = 200;
	return 0;
}
