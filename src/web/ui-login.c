/*
 * ui-login.c - log-in (password, then the second factor), log-out,
 * password reset and accepting an invitation.
 *
 * Answers never tell whether an account exists: a wrong address and a
 * wrong password read the same, and a reset request always says a link
 * was sent "if an account exists".  Every log-in makes a new session (a new
 * cookie value), so a session id planted before log-in is worthless, and
 * passing the second factor changes the cookie again.
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "keys/keyring.h"
#include "web/handlers.h"
#include "web/notify.h"
#include "web/page.h"
#include "web/web_audit.h"
#include "web/web_int.h"
#include "core/banned.h"

/* Delays up to this are served by waiting (the worker thread sleeps, so
 * it must stay short: the HTTP pool has several threads per CPU for
 * this); longer ones are refused with a 429 and Retry-After. */
#define LOGIN_MAX_SLEEP_MS 2000

/* The log-in form; after a refusal page_refuse has the reason (for the
 * form as a whole: it does not say which of the two was wrong). */
static void
login_page(struct req *r, const char *email)
{
	page_begin(r, _("Log in"));
	if (web_req_state(r)->why_text != NULL)
		;  /* page_begin showed the reason */
	else if (req_query(r, "expired"))
		page_notice(r, "info", _("Your session has ended; please log in again."));
	else if (req_query(r, "reset"))
		page_notice(r, "ok", _("Your password was changed. You can log in now."));
	else if (req_query(r, "out"))
		page_notice(r, "ok", _("You are logged out."));
	form_begin(r, "/login");
	form_input(r, "email", _("E-mail address"), "email", email, "username", 1);
	form_input(r, "password", _("Password"), "password", NULL,
	    "current-password", 1);
	form_submit(r, _("Log in"));
	form_end(r);
	P(r, "<p><a href=\"/reset\">");
	T(r, _("Forgot your password?"));
	P(r, "</a></p>\n");
	page_end(r);
}

int
ui_login_form(struct req *r)
{
	struct session *s = page_session(r);

	if (s && s->twofa_pending) {
		resp_redirect(r, "/login/2fa");
		return 0;
	}
	if (s) {
		resp_redirect(r, "/");
		return 0;
	}
	login_page(r, NULL);
	return 0;
}

/* The organisation a new session starts in: the first the user belongs
 * to (the start page lets them switch). */
static int
first_org(struct app *app, struct req *r, int64_t user_id, int64_t *org)
{
	struct membership *ms = NULL;
	size_t n = 0;
	int rc;

	*org = 0;
	if ((rc = member_orgs(app->db, user_id, &r->arena, &ms, &n)) != 0)
		return rc;
	if (n > 0)
		*org = ms[0].org_id;
	return 0;
}

/* Make the session and hand its cookie to the browser. */
int
web_start_session(struct req *r, int64_t user_id, bool pending)
{
	struct app *app = r->app;
	struct buf tok = BUF_INIT;
	struct session *s;
	int64_t org = 0;
	int rc;

	if (!pending && (rc = first_org(app, r, user_id, &org)) != 0)
		return rc;
	s = ARENA_NEW(&r->arena, struct session);
	rc = session_create_capped(app->db, app->cfg.sessions_per_user,
	    user_id, org, false, pending, r->remote_addr, r->user_agent,
	    time(NULL), &tok, s);
	if (rc == 0) {
		resp_cookie(r, "infuus_session", tok.p, -1);
		r->auth = s;
	}
	buf_wipe(&tok);
	return rc;
}

static void
throttle_answer(struct req *r, int delay_ms)
{
	char secs[16];

	snprintf(secs, sizeof(secs), "%d", delay_ms / 1000 + 1);
	resp_header(r, "Retry-After", secs);
}

int
ui_login_post(struct req *r)
{
	struct app *app = r->app;
	struct login_result res;
	const char *email = page_form(r, "email");
	const char *pw = page_form(r, "password");
	struct session *old = page_session(r);
	struct why why;
	int rc, tries;

	if (strlen(email) > LIMIT_FIELD_SHORT || strlen(pw) > LIMIT_PASSWORD_MAX)
		return ERR_INVAL;
	/* Growing delays after failures: a short wait is served here, so a
	 * person typing is merely slowed down; only a longer one (or the
	 * hourly limit) refuses the attempt with 429. */
	for (tries = 0;; tries++) {
		memset(&res, 0, sizeof(res));
		rc = login_password(app->db, email, pw, r->remote_addr,
		    time(NULL), &res);
		if (rc != ERR_THROTTLED || tries == 1 || res.delay_ms <= 0 ||
		    res.delay_ms > LOGIN_MAX_SLEEP_MS)
			break;
		usleep((useconds_t)res.delay_ms * 1000);
	}
	if (rc == ERR_THROTTLED) {
		web_audit_security(r, "login-failed", 0, AUDIT_DENIED);
		throttle_answer(r, res.delay_ms);
		why_set(&why, rc, NULL,
		    N_("Too many attempts; please wait and try again."));
		(void)page_refuse(r, &why, rc);
		login_page(r, email);
		return 0;
	}
	if (rc == ERR_LOGIN && res.delay_ms > 0 &&
	    res.delay_ms <= LOGIN_MAX_SLEEP_MS)
		usleep((useconds_t)res.delay_ms * 1000);
	if (rc == ERR_LOGIN) {
		web_audit_security(r, "login-failed", 0, AUDIT_FAILURE);
		why_set(&why, rc, NULL,
		    N_("The e-mail address or password is not correct."));
		(void)page_refuse(r, &why, rc);
		login_page(r, email);
		return 0;
	}
	if (rc != 0)
		return rc;
	/* A fresh session for every log-in; the old one (if any) ends. */
	if (old)
		session_destroy(app->db, old->id);
	if ((rc = web_start_session(r, res.user_id, res.needs_totp)) != 0)
		return rc;
	log_info("login", "user=%lld totp=%d", (long long)res.user_id,
	    res.needs_totp);
	web_audit_security(r, res.needs_totp ? "login-partial" : "login",
	    res.user_id, AUDIT_SUCCESS);
	resp_redirect(r, res.needs_totp ? "/login/2fa" : "/");
	return 0;
}

static void
twofa_page(struct req *r)
{
	page_begin(r, _("Two-step verification"));
	P(r, "<p>");
	T(r, _("Enter the 6-digit code from your authenticator app, or one of your recovery codes."));
	P(r, "</p>\n");
	form_begin(r, "/login/2fa");
	form_input(r, "code", _("Code"), "text", NULL, "one-time-code", 1);
	form_submit(r, _("Verify"));
	form_end(r);
	page_end(r);
}

int
ui_login_2fa_form(struct req *r)
{
	struct session *s = page_session(r);

	if (!s->twofa_pending) {
		resp_redirect(r, "/");
		return 0;
	}
	twofa_page(r);
	return 0;
}

int
ui_login_2fa_post(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	const char *code = page_form(r, "code");
	struct buf tok = BUF_INIT;
	int64_t org = 0;
	int rc;

	if (!s->twofa_pending) {
		resp_redirect(r, "/");
		return 0;
	}
	if (strlen(code) > 64)
		return ERR_INVAL;
	rc = twofa_verify(app->db, app->kr, s->user_id, code, r->remote_addr,
	    time(NULL));
	if (rc == ERR_TOTP || rc == ERR_THROTTLED) {
		web_audit_security(r, strlen(code) == 6 ? "totp-failed" :
		    "recovery-failed", s->user_id, rc == ERR_TOTP ?
		    AUDIT_FAILURE : AUDIT_DENIED);
		struct why why;

		why_set(&why, rc, "code", rc == ERR_TOTP ?
		    N_("The code is not correct or was already used.") :
		    N_("Too many attempts; please wait and try again."));
		(void)page_refuse(r, &why, rc);
		twofa_page(r);
		return 0;
	}
	if (rc != 0)
		return rc;
	if ((rc = first_org(app, r, s->user_id, &org)) != 0)
		return rc;
	/* Both factors passed: the session gains its privileges under a new
	 * cookie, so a token seen half-way (on a shared computer, in a
	 * proxy's log) is worth nothing now. */
	if ((rc = session_promote_rotate(app->db, s, org, &tok)) != 0)
		goto out;
	resp_cookie(r, "infuus_session", tok.p, -1);
	web_audit_security(r, "login", s->user_id, AUDIT_SUCCESS);
	resp_redirect(r, "/");
out:
	buf_wipe(&tok);
	return rc;
}

int
ui_logout(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	int rc;

	if ((rc = session_destroy(app->db, s->id)) != 0)
		return rc;
	web_audit_security(r, "logout", s->user_id, AUDIT_SUCCESS);
	resp_cookie(r, "infuus_session", "", 0);
	resp_redirect(r, "/login?out=1");
	return 0;
}

int
ui_logout_all(struct req *r)
{
	struct app *app = r->app;
	struct session *s = page_session(r);
	int rc;

	if ((rc = session_destroy_user(app->db, s->user_id)) != 0)
		return rc;
	web_audit_security(r, "logout-everywhere", s->user_id, AUDIT_SUCCESS);
	resp_cookie(r, "infuus_session", "", 0);
	resp_redirect(r, "/login?out=1");
	return 0;
}

static void
reset_page(struct req *r, bool sent)
{
	page_begin(r, _("Reset your password"));
	if (sent) {
		page_notice(r, "ok", arena_printf(&r->arena, _("If an account exists for this address, we have sent it a link to choose a new password. The link works once, for %d minutes."),
		    LIMIT_RESET_TTL / 60));
	} else {
		P(r, "<p>");
		T(r, _("Enter the e-mail address of your account. We will send you a link to choose a new password."));
		P(r, "</p>\n");
		form_begin(r, "/reset");
		form_input(r, "email", _("E-mail address"), "email", NULL,
		    "username", 1);
		form_submit(r, _("Send the link"));
		form_end(r);
	}
	page_end(r);
}

int
ui_reset_form(struct req *r)
{
	reset_page(r, false);
	return 0;
}

/* A reset request runs after the answer is sent: whether the address has
 * an account (a token to store, a mail to send) must not show in how long
 * the answer takes. */
struct reset_job {
	char email[LIMIT_FIELD_SHORT + 1];
	bool english;
};

static void
reset_job_run(struct app *app, void *arg)
{
	struct reset_job *j = arg;
	struct buf tok = BUF_INIT, body = BUF_INIT;
	locale_t l = j->english ? app->loc_en : app->loc_nl;
	int64_t uid = 0;
	int rc;

	if (l)
		uselocale(l);
	rc = reset_request(app->db, j->email, time(NULL), &tok, &uid);
	if (rc == 0 && tok.len > 0) {
		buf_printf(&body, "%s\n\n%s/reset/%s\n\n",
		    _("Someone (probably you) asked to reset the password of your Infuus account. Choose a new password here:"),
		    app->cfg.base_url, tok.p);
		buf_printf(&body, _("The link works once, for %d minutes. If you did not ask for it, you can ignore this e-mail."),
		    LIMIT_RESET_TTL / 60);
		buf_adds(&body, "\n");
		if (notify_mail(app, j->email, _("Reset your Infuus password"),
		    body.p) != 0)
			log_warn("reset", "user=%lld msg=\"mail not sent\"",
			    (long long)uid);
	} else if (rc != 0 && rc != ERR_THROTTLED) {
		log_warn("reset", "err=%s", err_name(rc));
	}
	uselocale(LC_GLOBAL_LOCALE);
	buf_wipe(&tok);
	buf_wipe(&body);
	crypto_wipe(j, sizeof(*j));
	free(j);
}

int
ui_reset_post(struct req *r)
{
	const char *email = page_form(r, "email");
	struct reset_job *j;

	if (strlen(email) > LIMIT_FIELD_SHORT)
		return ERR_INVAL;
	j = xcalloc(1, sizeof(*j));
	memcpy(j->email, email, strlen(email));
	j->english = strcmp(web_req_state(r)->lang, "en") == 0;
	app_spawn(r->app, reset_job_run, j);
	reset_page(r, true);
	return 0;
}

static void
new_password_fields(struct req *r)
{
	form_input(r, "password", arena_printf(&r->arena,
	    _("New password (at least %d characters)"), LIMIT_PASSWORD_MIN),
	    "password", NULL, "new-password", 1);
	form_input(r, "password2", _("New password again"), "password", NULL,
	    "new-password", 1);
}

static void
reset_token_page(struct req *r)
{
	const char *tok = req_param(r, "token");

	page_begin(r, _("Choose a new password"));
	form_begin(r, arena_printf(&r->arena, "/reset/%s", tok));
	new_password_fields(r);
	form_submit(r, _("Save the new password"));
	form_end(r);
	page_end(r);
}

int
ui_reset_token_form(struct req *r)
{
	struct app *app = r->app;
	int rc;

	/* A used or expired link says so before a password is typed. */
	rc = reset_lookup(app->db, req_param(r, "token"), time(NULL));
	if (rc == ERR_NOTFOUND || rc == ERR_GONE)
		return ERR_GONE;
	if (rc != 0)
		return rc;
	reset_token_page(r);
	return 0;
}

/* The page's own question (the domain sees one password): were both
 * typed the same?  The rules for the password are the domain's. */
static int
same_passwords(struct req *r, struct why *why)
{
	if (strcmp(page_form(r, "password"), page_form(r, "password2")) != 0)
		return why_set(why, ERR_INVAL, "password2",
		    N_("The two passwords are not the same."));
	return 0;
}

int
ui_reset_token_post(struct req *r)
{
	struct app *app = r->app;
	struct why why = { 0 };
	int64_t uid;
	int rc;

	if ((rc = same_passwords(r, &why)) == 0) {
		rc = reset_complete(app->db, req_param(r, "token"),
		    page_form(r, "password"), time(NULL), &uid, &why);
		web_audit_security(r, "password-reset", rc == 0 ? uid : 0,
		    rc == 0 ? AUDIT_SUCCESS : AUDIT_FAILURE);
		if (rc == ERR_NOTFOUND || rc == ERR_GONE)
			return ERR_GONE;
	}
	if (rc != 0) {
		if (page_refuse(r, &why, rc) != 0)
			return rc;
		reset_token_page(r);
		return 0;
	}
	resp_cookie(r, "infuus_session", "", 0);
	resp_redirect(r, "/login?reset=1");
	return 0;
}

static int
invite_page(struct req *r)
{
	struct app *app = r->app;
	const char *tok = req_param(r, "token");
	struct invite inv;
	int rc;

	rc = invite_lookup(app->db, tok, time(NULL), &r->arena, &inv);
	if (rc == ERR_NOTFOUND)
		return ERR_GONE;
	if (rc != 0)
		return rc;
	page_begin(r, _("Accept your invitation"));
	P(r, "<p>");
	T(r, _("You are invited to join this organisation:"));
	P(r, " <strong>");
	T(r, inv.org_name);
	P(r, "</strong> (");
	T(r, web_role_label(inv.role));
	P(r, ").</p>\n");
	form_begin(r, arena_printf(&r->arena, "/invite/%s", tok));
	form_input(r, "email", _("E-mail address"), "email", inv.email,
	    "username", 0);
	if (inv.account_exists) {
		P(r, "<p>");
		T(r, _("You already have an account. Enter its password to accept."));
		P(r, "</p>\n");
		form_input(r, "password", _("Password"), "password", NULL,
		    "current-password", 1);
	} else {
		/* After a refusal, the name as typed. */
		form_input(r, "name", _("Your name"), "text",
		    page_form(r, "name"), "name", 1);
		new_password_fields(r);
	}
	form_submit(r, _("Accept"));
	form_end(r);
	page_end(r);
	return 0;
}

int
ui_invite_form(struct req *r)
{
	return invite_page(r);
}

int
ui_invite_post(struct req *r)
{
	struct app *app = r->app;
	const char *tok = req_param(r, "token");
	const char *name = page_form(r, "name");
	const char *pw = page_form(r, "password");
	struct why why = { 0 };
	struct invite inv;
	struct user u;
	int64_t uid = 0;
	int rc;

	rc = invite_lookup(app->db, tok, time(NULL), &r->arena, &inv);
	if (rc == ERR_NOTFOUND)
		return ERR_GONE;
	if (rc != 0)
		return rc;
	if (!inv.account_exists && (rc = same_passwords(r, &why)) != 0)
		return page_refuse(r, &why, rc) ? rc : invite_page(r);
	rc = invite_accept(app->db, tok, name, pw,
	    strcmp(web_req_state(r)->lang, "en") == 0 ? "en" : "nl",
	    time(NULL), &uid, &why);
	if (rc == ERR_LOGIN) {
		web_audit_security(r, "invite-accept", 0, AUDIT_FAILURE);
		why_set(&why, rc, "password",
		    N_("The e-mail address or password is not correct."));
	}
	if (rc != 0 && page_refuse(r, &why, rc) == 0)
		return invite_page(r);
	if (rc != 0)
		return rc;
	/* An existing account with two factors still has to give its code:
	 * the invitation proves the mailbox and the password, not the phone. */
	if ((rc = user_get(app->db, uid, &r->arena, &u)) != 0)
		return rc;
	if ((rc = web_start_session(r, uid, u.totp_enabled)) != 0)
		return rc;
	web_audit_security(r, "invite-accept", uid, AUDIT_SUCCESS);
	resp_redirect(r, u.totp_enabled ? "/login/2fa" : "/");
	return 0;
}
