/*
 * ui-account.c - a person's own settings: name and language, password,
 * two-step verification (set up, recovery codes, switch off), and logging
 * out everywhere.
 */
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "core/err.h"
#include "core/limits.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_audit.h"
#include "web/web_int.h"
#include "core/banned.h"

static int
account_page(struct req *r, const char *ok)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct user u;
	int rc;

	if ((rc = user_get(app->db, s->user_id, &r->arena, &u)) != 0)
		return rc;
	page_begin(r, _("Your account"));
	if (ok)
		page_notice(r, "ok", ok);

	P(r, "<section aria-labelledby=\"h-profile\"><h2 id=\"h-profile\">");
	T(r, _("Name and language"));
	P(r, "</h2>\n");
	form_begin(r, "/account");
	/* After a refusal, the name as typed. */
	form_input(r, "name", _("Your name"), "text",
	    page_field_bad(r, "name") ? page_form(r, "name") : u.name, "name",
	    1);
	P(r, "<p class=\"field\"><label for=\"f-lang\">");
	T(r, _("Language"));
	P(r, "</label>\n<select id=\"f-lang\" name=\"lang\"");
	page_field_attrs(r, "lang", NULL);
	P(r, ">");
	PF(r, "<option value=\"nl\"%s>Nederlands</option>",
	    strcmp(u.lang, "nl") == 0 ? " selected" : "");
	PF(r, "<option value=\"en\"%s>English</option>",
	    strcmp(u.lang, "en") == 0 ? " selected" : "");
	P(r, "</select>");
	page_field_error(r, "lang");
	P(r, "</p>\n");
	form_submit(r, _("Save"));
	form_end(r);
	P(r, "</section>\n");

	P(r, "<section aria-labelledby=\"h-pw\"><h2 id=\"h-pw\">");
	T(r, _("Password"));
	P(r, "</h2>\n");
	form_begin(r, "/account/password");
	P(r, "<input type=\"text\" name=\"username\" autocomplete=\"username\" value=\"");
	A(r, u.email);
	P(r, "\" hidden>\n");
	form_input(r, "current", _("Current password"), "password", NULL,
	    "current-password", 1);
	form_input(r, "password", arena_printf(&r->arena,
	    _("New password (at least %d characters)"), LIMIT_PASSWORD_MIN),
	    "password", NULL, "new-password", 1);
	form_input(r, "password2", _("New password again"), "password", NULL,
	    "new-password", 1);
	form_submit(r, _("Change password"));
	form_end(r);
	P(r, "</section>\n");

	P(r, "<section aria-labelledby=\"h-2fa\"><h2 id=\"h-2fa\">");
	T(r, _("Two-step verification"));
	P(r, "</h2>\n<p>");
	if (u.totp_enabled) {
		T(r, _("Two-step verification is on."));
		P(r, "</p>\n");
		form_begin(r, "/account/2fa/disable");
		form_input(r, "current", _("Current password"), "password", NULL,
		    "current-password", 1);
		form_input(r, "code", _("A code from your app, or a recovery code"),
		    "text", NULL, "one-time-code", 1);
		form_submit(r, _("Turn two-step verification off"));
		form_end(r);
	} else {
		T(r, _("Two-step verification is off. With it, a stolen password alone is not enough to log in."));
		P(r, "</p>\n<p><a href=\"/account/2fa\">");
		T(r, _("Set up two-step verification"));
		P(r, "</a></p>\n");
	}
	P(r, "</section>\n");

	if ((rc = ui_notify_settings(r)) != 0)
		return rc;

	P(r, "<section aria-labelledby=\"h-sessions\"><h2 id=\"h-sessions\">");
	T(r, _("Sessions"));
	P(r, "</h2>\n<p>");
	T(r, _("Lost a device, or logged in somewhere you should not have? End every session of your account, here and on all other devices."));
	P(r, "</p>\n");
	form_button(r, "/logout/everywhere", _("Log out everywhere"));
	P(r, "</section>\n");
	page_end(r);
	return 0;
}

int
ui_account(struct req *r)
{
	return account_page(r, req_query(r, "saved") ? _("Saved.") : NULL);
}

int
ui_account_post(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	const char *name = page_form(r, "name");
	const char *lang = page_form(r, "lang");
	struct why why = { 0 };
	int rc;

	rc = user_set_profile(app->db, s->user_id, name, lang, &why);
	if (rc != 0)
		return page_refuse(r, &why, rc) ? rc :
		    account_page(r, NULL);
	resp_redirect(r, "/account?saved=1");
	return 0;
}

int
ui_password_post(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	const char *cur = page_form(r, "current");
	const char *a = page_form(r, "password");
	const char *b = page_form(r, "password2");
	struct why why = { 0 };
	struct buf tok = BUF_INIT;
	int rc;

	if (strlen(cur) > LIMIT_PASSWORD_MAX)
		return ERR_INVAL;
	rc = user_check_password(app->db, s->user_id, cur);
	if (rc == ERR_LOGIN) {
		web_audit_security(r, "password-change", s->user_id,
		    AUDIT_FAILURE);
		/* A field of a form of someone logged in, not a log-in. */
		rc = why_set(&why, ERR_INVAL, "current",
		    N_("The current password is not correct."));
	} else if (rc == 0 && strcmp(a, b) != 0) {
		/* The page's own question: the domain sees one password. */
		rc = why_set(&why, ERR_INVAL, "password2",
		    N_("The two passwords are not the same."));
	} else if (rc == 0) {
		rc = user_set_password(app->db, s->user_id, a, s->id, &why);
	}
	if (rc != 0)
		return page_refuse(r, &why, rc) ? rc :
		    account_page(r, NULL);
	web_audit_security(r, "password-change", s->user_id, AUDIT_SUCCESS);
	/* The other sessions ended with the old password; this one goes on
	 * under a new cookie, so a copy of the old one is worthless too. */
	if ((rc = session_rotate(app->db, s, &tok)) != 0)
		goto out;
	resp_cookie(r, "infuus_session", tok.p, -1);
	rc = account_page(r, _("Your password was changed. Every other session of your account has ended: log in again on your other devices."));
out:
	buf_wipe(&tok);
	return rc;
}

int
ui_2fa_setup(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct buf uri = BUF_INIT, secret = BUF_INIT;
	struct user u;
	int rc;

	if ((rc = user_get(app->db, s->user_id, &r->arena, &u)) != 0)
		return rc;
	if (u.totp_enabled) {
		resp_redirect(r, "/account");
		return 0;
	}
	/* Showing the page changes nothing: the key of a set-up in progress
	 * stays until it is confirmed or restarted (POST). */
	if ((rc = twofa_begin(app->db, app->kr, s->user_id, false, &uri,
	    &secret)) != 0)
		goto out;
	page_begin(r, _("Set up two-step verification"));
	if (req_query(r, "required"))
		page_notice(r, "info", _("Your organisation requires two-step verification. Please set it up to continue."));
	P(r, "<ol class=\"steps\"><li>");
	T(r, _("Open an authenticator app on your phone (for example FreeOTP, Aegis or Google Authenticator) and add an account."));
	P(r, "</li><li>");
	T(r, _("Enter this key in the app, or open the link on the phone:"));
	P(r, "<br><code class=\"secret\">");
	T(r, secret.p);
	P(r, "</code><br><a href=\"");
	A(r, uri.p);
	P(r, "\">");
	T(r, _("Open in authenticator app"));
	P(r, "</a></li><li>");
	T(r, _("Enter the 6-digit code the app shows."));
	P(r, "</li></ol>\n");
	form_begin(r, "/account/2fa");
	form_input(r, "code", _("Code"), "text", NULL, "one-time-code", 1);
	form_submit(r, _("Turn on"));
	form_end(r);
	P(r, "<p>");
	T(r, _("Lost this key before confirming it? Make a new one; this key then stops working."));
	P(r, "</p>\n");
	form_begin(r, "/account/2fa");
	P(r, "<input type=\"hidden\" name=\"restart\" value=\"1\">\n");
	form_submit(r, _("Start over with a new key"));
	form_end(r);
	page_end(r);
out:
	buf_wipe(&uri);
	buf_wipe(&secret);
	return rc;
}

int
ui_2fa_setup_post(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	struct buf codes[LIMIT_RECOVERY_CODES];
	const char *code = page_form(r, "code");
	struct buf tok = BUF_INIT;
	int i, rc;

	for (i = 0; i < LIMIT_RECOVERY_CODES; i++)
		buf_init(&codes[i]);
	if (strlen(code) > 16)
		return ERR_INVAL;
	if (strcmp(page_form(r, "restart"), "1") == 0) {
		struct buf uri = BUF_INIT, secret = BUF_INIT;

		rc = twofa_begin(app->db, app->kr, s->user_id, true, &uri,
		    &secret);
		buf_wipe(&uri);
		buf_wipe(&secret);
		if (rc == ERR_CONFLICT)
			rc = 0;  /* on already: the page below says so */
		if (rc == 0)
			resp_redirect(r, "/account/2fa");
		return rc;
	}
	rc = twofa_confirm(app->db, app->kr, s->user_id, code, time(NULL), codes);
	if (rc == ERR_TOTP) {
		struct why why;

		web_audit_security(r, "twofa-on", s->user_id, AUDIT_FAILURE);
		/* A field of a form of someone logged in, not a log-in. */
		why_set(&why, ERR_INVAL, "code",
		    N_("The code is not correct or was already used."));
		(void)page_refuse(r, &why, ERR_INVAL);
		page_begin(r, _("Set up two-step verification"));
		P(r, "<p><a href=\"/account/2fa\">");
		T(r, _("Try again"));
		P(r, "</a></p>\n");
		page_end(r);
		rc = 0;
		goto out;
	}
	if (rc != 0)
		goto out;
	web_audit_security(r, "twofa-on", s->user_id, AUDIT_SUCCESS);
	/* The code just given is a second factor for this session too; it
	 * gains that privilege under a new cookie. */
	if ((rc = session_promote_rotate(app->db, s, s->org_id, &tok)) != 0)
		goto out;
	resp_cookie(r, "infuus_session", tok.p, -1);
	page_begin(r, _("Two-step verification is on"));
	P(r, "<p>");
	T(r, _("Keep these recovery codes somewhere safe. Each works once, when you do not have your phone. They are shown only now."));
	P(r, "</p>\n<ul class=\"codes\">");
	for (i = 0; i < LIMIT_RECOVERY_CODES; i++) {
		P(r, "<li><code>");
		T(r, codes[i].p);
		P(r, "</code></li>");
	}
	P(r, "</ul>\n<p><a href=\"/\">");
	T(r, _("Continue"));
	P(r, "</a></p>\n");
	page_end(r);
out:
	for (i = 0; i < LIMIT_RECOVERY_CODES; i++)
		buf_wipe(&codes[i]);
	buf_wipe(&tok);
	return rc;
}

int
ui_2fa_disable_post(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	const char *cur = page_form(r, "current");
	const char *code = page_form(r, "code");
	struct why why = { 0 };
	int rc;

	if (strlen(cur) > LIMIT_PASSWORD_MAX || strlen(code) > 64)
		return ERR_INVAL;
	rc = user_check_password(app->db, s->user_id, cur);
	if (rc == ERR_LOGIN) {
		web_audit_security(r, "twofa-off", s->user_id, AUDIT_FAILURE);
		/* A field of a form of someone logged in, not a log-in. */
		rc = why_set(&why, ERR_INVAL, "current",
		    N_("The current password is not correct."));
		return page_refuse(r, &why, rc) ? rc :
		    account_page(r, NULL);
	}
	if (rc != 0)
		return rc;
	/* The password alone is what two factors protect against: switching
	 * them off takes the second factor too. */
	rc = twofa_verify(app->db, app->kr, s->user_id, code, r->remote_addr,
	    time(NULL));
	if (rc == ERR_TOTP)
		rc = why_set(&why, ERR_INVAL, "code",
		    N_("The code is not correct or was already used."));
	else if (rc == ERR_THROTTLED)
		why_set(&why, rc, "code",
		    N_("Too many attempts; please wait and try again."));
	if (rc != 0)
		return page_refuse(r, &why, rc) ? rc :
		    account_page(r, NULL);
	if ((rc = twofa_disable(app->db, s->user_id)) != 0)
		return rc;
	web_audit_security(r, "twofa-off", s->user_id, AUDIT_SUCCESS);
	return account_page(r, _("Two-step verification is off."));
}
