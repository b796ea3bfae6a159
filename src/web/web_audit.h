/*
 * web_audit.h - access-log entries the web layer writes itself: refusals
 * (a caller was not let near an object) and security events.
 *
 * XXX: a placeholder with the agreed signatures so this branch builds; the
 * full module (written alongside) replaces this file and web_audit.c.
 */
#ifndef INFUUS_WEB_AUDIT_H
#define INFUUS_WEB_AUDIT_H

#include <stdint.h>

#include "http/http.h"

/* A refused access to object_id of kind (an access-log kind code such as
 * "trajectory"; 0: the kind as a whole), err the refusal (ERR_NOTFOUND,
 * ERR_FORBIDDEN, ...): one denied entry in the caller's organisation's
 * log.  Nothing is written for a caller without an organisation.  Never
 * fails the request: a refusal stands whether or not it could be logged
 * (a failure to log is itself logged). */
void web_audit_refusal(struct req *r, const char *kind, int64_t object_id,
    int err);
/* A security event (event a code such as "login-failed") about
 * subject_id with an audit outcome. */
void web_audit_security(struct req *r, const char *event, int64_t subject_id,
    int outcome);

#endif
