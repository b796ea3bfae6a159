/*
 * role.h - the roles a person can hold in an organisation.
 *
 * A user holds one role per organisation they belong to; the same account
 * may be a professional in one organisation and a client in another.  Roles
 * are bits so a route can name every role that may call it.
 */
#ifndef INFUUS_ROLE_H
#define INFUUS_ROLE_H

#include <stdbool.h>

#include "core/buf.h"

enum role {
	ROLE_ADMIN = 1 << 0,        /* manages the organisation and its members */
	ROLE_PROFESSIONAL = 1 << 1, /* coach, therapist, social worker */
	ROLE_VOLUNTEER = 1 << 2,    /* staffs the anonymous first-contact chat */
	ROLE_CLIENT = 1 << 3,       /* the person being guided */
	ROLE_STAKEHOLDER = 1 << 4,  /* employer, HR: sees only what a client shares */
	ROLE_RESEARCHER = 1 << 5,   /* pseudonymised exports only */
};

#define ROLE_ALL (ROLE_ADMIN | ROLE_PROFESSIONAL | ROLE_VOLUNTEER | \
	ROLE_CLIENT | ROLE_STAKEHOLDER | ROLE_RESEARCHER)
#define ROLE_STAFF (ROLE_ADMIN | ROLE_PROFESSIONAL | ROLE_VOLUNTEER)

/* "admin", "professional", ... (the stored and URL form); "none" for a
 * value that is not exactly one role. */
const char *role_name(enum role r);
/* 0 and *out set, or ERR_INVAL for an unknown name. */
int role_parse(struct str s, enum role *out);
/* Is r exactly one role (not 0, not a combination)? */
bool role_valid(int r);

#endif
