/*
 * web_audit.c - access-log entries the web layer writes itself (see
 * web_audit.h).  A placeholder: refusals become plain denied entries,
 * security events are not written yet.
 */
#include "web/web_audit.h"

#include "app/app.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/err.h"
#include "core/log.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

/* The access-log action of the route's authz action. */
static int
action_of(const struct req *r)
{
	if (r->route == NULL || r->route->obj == ROUTE_OBJ_NONE)
		return r->method & (HTTP_GET | HTTP_HEAD) ? AUDIT_READ :
		    AUDIT_UPDATE;
	switch ((enum authz_action)r->route->act) {
	case AUTHZ_READ:
		return AUDIT_READ;
	case AUTHZ_CREATE:
		return AUDIT_CREATE;
	case AUTHZ_DELETE:
		return AUDIT_DELETE;
	case AUTHZ_EXPORT:
		return AUDIT_EXECUTE;
	default:
		return AUDIT_UPDATE;
	}
}

void
web_audit_refusal(struct req *r, const char *kind, int64_t object_id,
    int err)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct audit_event ev;
	int rc;

	if (s == NULL || s->org_id <= 0)
		return;
	web_audit_event(r, &ev, action_of(r), kind, 0, object_id,
	    s->role == ROLE_CLIENT ? "client-self" :
	    s->role == ROLE_ADMIN ? "admin" : "care");
	ev.outcome = AUDIT_DENIED;
	ev.detail = err == ERR_NOTFOUND ? "not-found" : "forbidden";
	if ((rc = audit_record(app->db, &ev)) != 0)
		log_err("web.audit", "refusal not logged kind=%s object=%lld "
		    "err=%s", kind, (long long)object_id, err_name(rc));
}

void
web_audit_security(struct req *r, const char *event, int64_t subject_id,
    int outcome)
{
	(void)r;
	(void)event;
	(void)subject_id;
	(void)outcome;
}
