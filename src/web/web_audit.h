/*
 * web_audit.h - refusals and security events into the access log, from
 * the web layer.  Both fill in who (the session's user and role, or
 * "anonymous"), when, where (address, device, node) and the outcome, and
 * never fail the request: an entry that cannot be written is reported in
 * the process log.  Repeats of a refusal or failure are counted, not each
 * written (audit/repeat.h).  What is never logged: passwords, codes,
 * tokens, session ids, e-mail addresses, anything typed.
 */
#ifndef INFUUS_WEB_AUDIT_H
#define INFUUS_WEB_AUDIT_H

#include <stdint.h>

#include "audit/audit.h"
#include "http/http.h"

/* A refused access to an object: kind is an access-log code ("trajectory",
 * "thread", "message", "attachment", "route", ...), object_id 0 when none,
 * err the ERR_* refusal (ERR_FORBIDDEN, ERR_NOTFOUND, ERR_AUTH, ERR_CSRF).
 * Never fails the request. */
void web_audit_refusal(struct req *r, const char *kind, int64_t object_id,
    int err);

/* An authentication or administration event: event is a code ("login",
 * "login-failed", "totp-failed", "recovery-failed", "logout",
 * "password-change", "password-reset", "twofa-on", "twofa-off",
 * "role-change", "member-remove", "invite-create", "invite-accept",
 * "org-2fa-setting", "session-rotate", ...), subject_id the user it
 * concerns (0 when unknown), outcome an enum audit_outcome.  Never fails
 * the request. */
void web_audit_security(struct req *r, const char *event, int64_t subject_id,
    int outcome);

#endif
