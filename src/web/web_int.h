/*
 * web_int.h - state shared by the web layer's files for one request.
 */
#ifndef INFUUS_WEB_INT_H
#define INFUUS_WEB_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "authz/authz.h"
#include "http/http.h"

struct web_state {
	const char *lang;      /* "nl" or "en" */
	const char *pre_csrf;  /* CSRF value before log-in */
	bool expired;          /* the session cookie was too old */
	struct authz_object obj; /* the route's object, as authorize
	                            checked it (zero without one) */
	const char *why_field;   /* page_refuse: the refused field (NULL: */
	const char *why_text;    /* the form as a whole) and the reason */
};

struct web_state *web_req_state(struct req *r);
/* The object the route's path names, checked by authorize before the
 * handler ran (authz allowed the route's action on it for this caller):
 * its id and what the check learnt (organisation, trajectory, client, the
 * caller's part).  On a route without an object, all zero. */
const struct authz_object *web_obj(struct req *r);
/* The value forms must carry in their "csrf" field. */
const char *web_csrf_value(struct req *r);
/* Start a session for user_id (pending: the second factor is still to
 * come) and set its cookie; r->auth becomes the new session. */
/* The start page's sections of later capabilities (ui-home.c asks). */
struct session;
int web_home_sections(struct req *r, const struct session *s);
/* A role for people, translated. */
const char *web_role_label(int role);
/* An access-log event with the request's who/where filled in. */
struct audit_event;
void web_audit_event(struct req *r, struct audit_event *ev, int action,
    const char *kind, int64_t client_id, int64_t object_id,
    const char *purpose);
int web_start_session(struct req *r, int64_t user_id, bool pending);
/* web_audit.c: the counter of repeated refusals (start-up, shutdown), and
 * writing an organisation's pending counts before its log is shown. */
struct app;
void web_audit_start(struct app *app);
void web_audit_stop(struct app *app);
void web_audit_flush(struct app *app, int64_t org_id);

#endif
