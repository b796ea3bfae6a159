/*
 * notify.c - the web side of mail notification: the setting on the account
 * page (ui_notify_settings renders its section, ui_notify_settings_post
 * stores it through the outbox, which owns notify_prefs), and notify_mail,
 * the web layer's mails (reset links, invitations) through the one sender
 * in notify/notify.c with the configured server.  Never a client's
 * content: callers pass only fixed texts and links.
 */
#include "web/notify.h"

#include "app/app.h"
#include "core/err.h"
#include "identity/session.h"
#include "notify/notify.h"
#include "notify/outbox.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

int
notify_mail(struct app *app, const char *to, const char *subject,
    const char *body)
{
	const struct notify_smtp s = {
		.url = app->cfg.smtp_url,
		.from = app->cfg.smtp_from,
		.user = app->cfg.smtp_user,
		.password = app->cfg.smtp_password,
		.tls = app->cfg.smtp_tls,
	};

	return notify_send(&s, to, subject, body);
}

/* --- The setting -------------------------------------------------------- */

int
ui_notify_settings(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	enum outbox_mode mode = OUTBOX_EACH;
	static const struct {
		enum outbox_mode mode;
		const char *label;
	} choices[] = {
		{ OUTBOX_EACH, N_("As soon as there is something new") },
		{ OUTBOX_DAILY, N_("Once a day, a summary in the morning") },
		{ OUTBOX_NONE, N_("Never: I look in Infuus myself") },
	};
	size_t i;
	int rc;

	if ((rc = outbox_pref_get(app->db, s->user_id, &mode)) != 0)
		return rc;
	P(r, "<section aria-labelledby=\"h-notify\"><h2 id=\"h-notify\">");
	T(r, _("E-mail notifications"));
	P(r, "</h2>\n<p>");
	T(r, _("Infuus e-mails you only that there is something new, never what it is or who sent it. Log in to read it."));
	P(r, "</p>\n");
	form_begin(r, "/account/notifications");
	P(r, "<fieldset><legend>");
	T(r, _("Send me an e-mail"));
	P(r, "</legend>\n");
	for (i = 0; i < sizeof(choices) / sizeof(choices[0]); i++) {
		const char *name = outbox_mode_name(choices[i].mode);

		P(r, "<p class=\"choice\"><input type=\"radio\" name=\"mode\" id=\"f-notify-");
		A(r, name);
		P(r, "\" value=\"");
		A(r, name);
		P(r, "\"");
		if (choices[i].mode == mode)
			P(r, " checked");
		P(r, "> <label for=\"f-notify-");
		A(r, name);
		P(r, "\">");
		T(r, _(choices[i].label));
		P(r, "</label></p>\n");
	}
	P(r, "</fieldset>\n");
	form_submit(r, _("Save"));
	form_end(r);
	P(r, "</section>\n");
	return 0;
}

int
ui_notify_settings_post(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	enum outbox_mode mode;
	int rc;

	if (outbox_mode_parse(req_form(r, "mode"), &mode) != 0)
		return ERR_INVAL;
	if ((rc = outbox_pref_set(app->db, s->user_id, mode)) != 0)
		return rc;
	resp_redirect(r, "/account?saved=1#h-notify");
	return 0;
}
