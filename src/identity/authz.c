/*
 * authz.c - the one authorisation decision point (see authz.h).
 *
 * The principal comes from session_lookup, which reads the role from the
 * membership table on every request, so it is trusted here as current.
 * An organisation-level object of another organisation is ERR_NOTFOUND
 * (ids of other organisations cannot be probed); a known object the caller
 * may not touch is ERR_FORBIDDEN.  Where the answer would otherwise depend
 * on whether someone else's object exists (a client asking for another
 * person), it is ERR_FORBIDDEN whatever the id, so it tells nothing.
 *
 * The access log is append-only: nobody may change or delete it.
 */
#include "identity/authz.h"

#include <stddef.h>

#include "core/err.h"
#include "identity/identity.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "core/banned.h"

static bool
is_read(enum authz_action act)
{
	return act == AUTHZ_READ || act == AUTHZ_EXPORT;
}

/* The caller works in org_id with a real role. */
static bool
in_org(const struct principal *p, int64_t org_id)
{
	return p->org_id != 0 && p->org_id == org_id &&
	    role_valid((int)p->role);
}

static int
check_org(const struct principal *p, enum authz_action act, int64_t id)
{
	if (!in_org(p, id))
		return ERR_NOTFOUND;
	if (act == AUTHZ_READ)
		return 0;
	return p->role == ROLE_ADMIN ? 0 : ERR_FORBIDDEN;
}

static int
check_members(const struct principal *p, int64_t id)
{
	if (!in_org(p, id))
		return ERR_NOTFOUND;
	return p->role == ROLE_ADMIN ? 0 : ERR_FORBIDDEN;
}

static int
check_audit_org(const struct principal *p, enum authz_action act, int64_t id)
{
	if (!in_org(p, id))
		return ERR_NOTFOUND;
	if (!is_read(act) || p->role != ROLE_ADMIN || !p->twofa_passed)
		return ERR_FORBIDDEN;
	return 0;
}

static int
check_audit_self(const struct principal *p, enum authz_action act, int64_t id)
{
	if (id != p->user_id || !is_read(act))
		return ERR_FORBIDDEN;
	return 0;
}

static int
check_user(struct db *db, const struct principal *p, enum authz_action act,
    int64_t id)
{
	enum role r;
	int rc;

	if (id == p->user_id)
		return act == AUTHZ_READ || act == AUTHZ_UPDATE ||
		    act == AUTHZ_EXPORT ? 0 : ERR_FORBIDDEN;
	/* Someone else: only staff read profiles, and only of members of
	 * the organisation they work in. */
	if (p->org_id == 0 || !role_valid((int)p->role) ||
	    (p->role & ROLE_STAFF) == 0)
		return ERR_FORBIDDEN;
	if ((rc = member_role(db, p->org_id, id, &r)) != 0)
		return rc;
	return act == AUTHZ_READ ? 0 : ERR_FORBIDDEN;
}

int
authz_check(struct db *db, const struct principal *p,
    enum authz_action act, enum authz_kind kind, int64_t id)
{
	if (p == NULL || p->user_id <= 0)
		return ERR_FORBIDDEN;
	switch (kind) {
	case AUTHZ_ORG:
		return check_org(p, act, id);
	case AUTHZ_MEMBERS:
		return check_members(p, id);
	case AUTHZ_AUDIT_ORG:
		return check_audit_org(p, act, id);
	case AUTHZ_AUDIT_SELF:
		return check_audit_self(p, act, id);
	case AUTHZ_USER:
		return check_user(db, p, act, id);
	case AUTHZ_TRAJECTORY:
	case AUTHZ_THREAD:
	case AUTHZ_MESSAGE:
		return traj_access(db, p, act, kind, id);
	}
	return ERR_FORBIDDEN;
}
