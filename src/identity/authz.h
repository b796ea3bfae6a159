/*
 * authz.h - the one authorisation decision point.
 *
 * Every handler asks authz_check before it touches an object.  The caller is
 * a principal (user, organisation, role, two-factor state); the object is a
 * kind and an id.  The decision looks at organisation, role and, for
 * objects that belong to a relation (a trajectory, a thread, a message),
 * whether the caller takes part in it.  A refusal is ERR_FORBIDDEN, or
 * ERR_NOTFOUND when the object is in another organisation or does not
 * exist, so ids of other organisations cannot be probed.
 */
#ifndef INFUUS_AUTHZ_H
#define INFUUS_AUTHZ_H

#include <stdbool.h>
#include <stdint.h>

#include "identity/role.h"

struct db;

struct principal {
	int64_t user_id;
	int64_t org_id;
	enum role role;
	bool twofa_passed;
};

enum authz_action {
	AUTHZ_READ,
	AUTHZ_CREATE,
	AUTHZ_UPDATE,
	AUTHZ_DELETE,
	AUTHZ_EXPORT,
	AUTHZ_ADMIN,
};

enum authz_kind {
	AUTHZ_ORG,          /* id: organisation */
	AUTHZ_MEMBERS,      /* id: organisation (member list, roles, invites) */
	AUTHZ_AUDIT_ORG,    /* id: organisation (the whole access log) */
	AUTHZ_AUDIT_SELF,   /* id: user (own access log entries) */
	AUTHZ_USER,         /* id: user (profile of a person in the org) */
	AUTHZ_TRAJECTORY,   /* id: trajectory */
	AUTHZ_THREAD,       /* id: thread */
	AUTHZ_MESSAGE,      /* id: message */
};

/* 0 when allowed; ERR_FORBIDDEN / ERR_NOTFOUND otherwise. */
int authz_check(struct db *db, const struct principal *p,
    enum authz_action act, enum authz_kind kind, int64_t id);

#endif
