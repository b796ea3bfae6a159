/*
 * authz.h - the one authorisation decision point.
 *
 * The web layer asks it for the object each route's path names, before the
 * handler runs (the route table in web/web.c says which kind and action);
 * handlers ask it only for secondary objects that are not in the path (a
 * quoted message, search results).  The caller is a principal (user,
 * organisation, role, two-factor state); the object is a kind and an id.
 * The decision looks at organisation, role and, for objects that belong to
 * a relation (a trajectory, a thread, a message, an attachment), whether
 * the caller takes part in it.  A refusal is ERR_FORBIDDEN, or ERR_NOTFOUND
 * when the object is in another organisation or does not exist, so ids of
 * other organisations cannot be probed.
 *
 * This module sits above identity and trajectory: it asks them for facts
 * (a membership, who takes part in a trajectory) and makes the decision
 * itself, so neither of them needs to know about it.
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
	AUTHZ_MEMBER,       /* id: user, as a member of the caller's
	                       organisation (an admin changes or removes) */
	AUTHZ_ATTACHMENT,   /* id: attachment (of a message) */
	/* issue 10 (live contact) */
	AUTHZ_CHAT,         /* id: chat message (of a trajectory) */
	AUTHZ_APPOINTMENT,  /* id: appointment (of a trajectory; issue 13) */
	/* issue 11, measures (instrument/measure.h, diary/diary.h): */
	AUTHZ_QUESTIONNAIRE, /* id: questionnaire given to a trajectory */
	AUTHZ_DIARY_ENTRY,  /* id: diary entry; the client's alone until
	                       shared, then the professionals' too */
	AUTHZ_INSTRUMENT,   /* id: instrument version (the organisation's
	                       library: its professionals) */
	/* issue 11, the learning cycle (src/assignment) */
	AUTHZ_ASSIGNMENT,   /* id: assignment */
	AUTHZ_ASG_FILE,     /* id: attachment of an assignment's version */
	/* issue 13, pricing and invoices (src/billing) */
	AUTHZ_INVOICE,      /* id: invoice or credit note (of a trajectory:
	                       its client and professionals) */
	/* issue 13, stakeholders (src/stakeholder): what a client shares with
	 * a stakeholder, while they consent; read only */
	AUTHZ_SHARED_TRAJ,  /* id: trajectory, as a stakeholder sees it */
	AUTHZ_SHARED_APPT,  /* id: appointment the stakeholder takes part in */
	/* issue 10, calls (src/call) */
	AUTHZ_CALL,         /* id: call (of a trajectory) */
	/* issue 12, media (src/media) */
	AUTHZ_MEDIA,        /* id: media file; read by its organisation's
	                       members and, when shared, by everyone signed
	                       in; written by its professionals and admins */
	/* issue 12, self-help modules (src/module) */
	AUTHZ_MODULE,       /* id: module of the organisation's library (its
	                       professionals and administrators) */
	AUTHZ_MODULE_RUN,   /* id: a module given to a trajectory */
	/* issue 12, the psycho-education library (src/library) */
	AUTHZ_LIBRARY,      /* id: library item; its organisation's staff,
	                       published ones its clients, shared ones
	                       everybody's (library.h) */
	/* issue 13, the final invoice (src/billing) */
	AUTHZ_TRAJ_BILLING, /* id: trajectory, for invoicing it: as
	                       AUTHZ_TRAJECTORY, but its professionals still
	                       create invoices after it is closed */
	/* issue 13, the closing report (src/stakeholder, stake_report.c) */
	AUTHZ_TRAJ_REPORT,  /* id: trajectory, for its closing report: as
	                       AUTHZ_TRAJECTORY, but its professionals still
	                       write the report, and its client shares it,
	                       after it is closed (the closing meeting comes
	                       at the end) */
	AUTHZ_SHARED_REPORT, /* id: trajectory, its closing report as a
	                       stakeholder sees it: a shared kind, while
	                       the client consents and shares a version */
};
#define AUTHZ_NKINDS (AUTHZ_SHARED_REPORT + 1)
#define AUTHZ_NACTIONS (AUTHZ_ADMIN + 1)

/* What a check learnt about an allowed object, for the code that goes on
 * to use it (so it need not look the same things up again). */
struct authz_object {
	enum authz_kind kind;
	int64_t id;
	int64_t org_id;     /* the organisation it belongs to */
	int64_t traj_id;    /* its trajectory; 0 for other kinds */
	int64_t client_id;  /* that trajectory's client; 0 for other kinds */
	enum role part;     /* the caller's part in that trajectory:
	                       ROLE_CLIENT, ROLE_PROFESSIONAL,
	                       ROLE_STAKEHOLDER (the shared kinds), or 0 (an
	                       administrator reading its metadata) */
	int64_t stake_id;   /* the shared kinds: the stakeholder's link */
	unsigned shares;    /* the shared kinds: what the client shares */
};

/* 0 when allowed; ERR_FORBIDDEN / ERR_NOTFOUND otherwise (or the
 * database's error: ERR_BUSY, ERR_DB). */
int authz_check(struct db *db, const struct principal *p,
    enum authz_action act, enum authz_kind kind, int64_t id);
/* authz_check that also fills *out when allowed (zeroed otherwise). */
int authz_object(struct db *db, const struct principal *p,
    enum authz_action act, enum authz_kind kind, int64_t id,
    struct authz_object *out);

/* "trajectory", "thread", ... (the access log's kinds where they exist);
 * "?" for a value out of range. */
const char *authz_kind_name(enum authz_kind kind);
/* "read", "create", "update", "delete", "export", "admin"; "?" else. */
const char *authz_action_name(enum authz_action act);

#endif
