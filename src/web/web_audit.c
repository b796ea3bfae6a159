/*
 * web_audit.c - refusals and authentication and administration events
 * into the access log (web_audit.h), through the counter of repeats.
 *
 * Which chain: the session's organisation; without one (no session, or
 * half-way through log-in) the first organisation of the user the event
 * concerns, the one a session of theirs starts in; without that the
 * system chain (AUDIT_SYSTEM_ORG): a failed log-in for an unknown
 * address, a refusal to someone in no organisation.
 *
 * Owns the counter (audit/repeat.h) for the process: started by
 * web_init, flushed and freed by web_fini after the server stopped.
 *
 * Caveat: an invitation accepted by someone who already belongs to
 * another organisation, and who has no session yet, lands in their first
 * organisation's chain, which may be the other one (XXX: the agreed
 * signature carries no organisation; pass it when the API grows one).
 */
#include "web/web_audit.h"

#include <string.h>

#include "app/app.h"
#include "audit/repeat.h"
#include "core/err.h"
#include "core/log.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

/* The counter lives in the app: set before the server's threads run,
 * cleared after they stopped. */
void
web_audit_start(struct app *app)
{
	app->repeats = audit_repeat_new(app->db, 0);
}

void
web_audit_stop(struct app *app)
{
	audit_repeat_free(app->repeats);
	app->repeats = NULL;
}

void
web_audit_flush(struct app *app, int64_t org_id)
{
	if (app->repeats != NULL)
		(void)audit_repeat_flush(app->repeats, org_id);
}

/* What each security event is in NEN 7513's terms.  Authentication
 * events have purpose "security", administration "admin". */
static const struct security_event {
	const char *code;
	enum audit_action action;
	const char *kind;
	const char *purpose;
} security_events[] = {
	{ "login",             AUDIT_EXECUTE, "session",      "security" },
	{ "login-partial",     AUDIT_EXECUTE, "session",      "security" },
	{ "login-failed",      AUDIT_EXECUTE, "session",      "security" },
	{ "totp-failed",       AUDIT_EXECUTE, "session",      "security" },
	{ "recovery-failed",   AUDIT_EXECUTE, "session",      "security" },
	{ "logout",            AUDIT_EXECUTE, "session",      "security" },
	{ "logout-everywhere", AUDIT_EXECUTE, "session",      "security" },
	{ "session-rotate",    AUDIT_UPDATE,  "session",      "security" },
	{ "password-change",   AUDIT_UPDATE,  "account",      "security" },
	{ "password-reset",    AUDIT_UPDATE,  "account",      "security" },
	{ "twofa-on",          AUDIT_UPDATE,  "account",      "security" },
	{ "twofa-off",         AUDIT_UPDATE,  "account",      "security" },
	{ "role-change",       AUDIT_UPDATE,  "member",       "admin" },
	{ "member-remove",     AUDIT_DELETE,  "member",       "admin" },
	{ "invite-create",     AUDIT_CREATE,  "invite",       "admin" },
	{ "invite-accept",     AUDIT_UPDATE,  "invite",       "admin" },
	{ "org-2fa-setting",   AUDIT_UPDATE,  "organisation", "admin" },
};

static const struct security_event unknown_event = {
	"", AUDIT_EXECUTE, "security", "security"
};

/* Write ev; a failure is reported, never passed on (audit.h: accesses to
 * a client's data must be logged or not happen; a refusal already did not
 * happen, and a log-in that happened cannot be undone by a log error). */
static void
put(struct req *r, const struct audit_event *ev)
{
	struct app *app = r->app;
	int rc;

	rc = app->repeats != NULL ? audit_repeat_record(app->repeats, ev) :
	    audit_record(app->db, ev);
	if (rc != 0)
		log_err("web_audit_failed", "org=%lld kind=%s detail=%s err=%s",
		    (long long)ev->org_id, ev->kind,
		    ev->detail ? ev->detail : "", err_name(rc));
}

static const char *
refusal_code(int err)
{
	switch (err) {
	case ERR_FORBIDDEN: return "forbidden";
	case ERR_NOTFOUND: return "not-found";
	case ERR_AUTH: return "unauthenticated";
	case ERR_CSRF: return "csrf";
	case ERR_REAUTH: return "session-ended";
	}
	return "refused";
}

static enum audit_action
method_action(const struct req *r)
{
	if (r->method == HTTP_GET || r->method == HTTP_HEAD)
		return AUDIT_READ;
	if (r->method == HTTP_DELETE)
		return AUDIT_DELETE;
	return AUDIT_UPDATE;
}

void
web_audit_refusal(struct req *r, const char *kind, int64_t object_id, int err)
{
	struct audit_event ev;

	web_audit_event(r, &ev, method_action(r), kind ? kind : "route", 0,
	    object_id < 0 ? 0 : object_id, "security");
	ev.outcome = AUDIT_DENIED;
	ev.detail = refusal_code(err);
	put(r, &ev);
}

/* The organisation whose chain gets an event without a session
 * organisation: the subject's first (as a new session of theirs would
 * start in it), else none. */
static int64_t
subject_org(struct req *r, int64_t subject_id)
{
	struct app *app = r->app;
	struct membership *ms = NULL;
	size_t n = 0;

	if (subject_id <= 0 ||
	    member_orgs(app->db, subject_id, &r->arena, &ms, &n) != 0 || n == 0)
		return AUDIT_SYSTEM_ORG;
	return ms[0].org_id;
}

/* A failed log-in names no user (login_password tells nobody which
 * accounts exist); find the account of the address typed, so attempts on
 * a member's account reach their organisation's log.  The address itself
 * is not logged. */
static int64_t
typed_account(struct req *r)
{
	struct app *app = r->app;
	const char *email = req_form(r, "email");
	struct user u;

	if (email == NULL || *email == '\0' ||
	    user_by_email(app->db, email, &r->arena, &u) != 0)
		return 0;
	return u.id;
}

void
web_audit_security(struct req *r, const char *event, int64_t subject_id,
    int outcome)
{
	const struct security_event *se = &unknown_event;
	struct audit_event ev;
	size_t i;

	for (i = 0; event != NULL && i < sizeof(security_events) /
	    sizeof(security_events[0]); i++)
		if (strcmp(event, security_events[i].code) == 0)
			se = &security_events[i];
	if (subject_id <= 0 && event != NULL &&
	    strcmp(event, "login-failed") == 0)
		subject_id = typed_account(r);
	if (subject_id < 0)
		subject_id = 0;
	web_audit_event(r, &ev, se->action, se->kind, 0, subject_id,
	    se->purpose);
	if (ev.org_id <= 0)
		ev.org_id = subject_org(r, subject_id);
	if (outcome < AUDIT_SUCCESS || outcome > AUDIT_FAILURE)
		outcome = AUDIT_FAILURE;
	ev.outcome = (enum audit_outcome)outcome;
	/* An unknown code is kept if it is a code (audit_append checks);
	 * the kind "security" marks it as not from the list above. */
	ev.detail = event;
	put(r, &ev);
}
