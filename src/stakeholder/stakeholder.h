/*
 * stakeholder.h - stakeholders of a trajectory (issue 13): an employer,
 * HR or a referrer, an account of role stakeholder in the organisation,
 * who joins a trajectory only with its client's explicit consent and sees
 * only what the client shares.
 *
 * A link is proposed (by a professional, or by the client, whose proposal
 * is their consent at once), consented (the client chose what to share)
 * or withdrawn (the client took consent back: from that moment authz
 * refuses every access, and the meetings the stakeholder was added to are
 * forgotten, so a later consent does not bring them back unasked).
 * What is shared is a set of STAKE_* bits; the appointments a stakeholder
 * takes part in are added one by one by a professional, and only while
 * the client shares appointments.
 *
 * Facts for authz (stake_access_on, stake_in_appt_on) are read on the
 * caller's connection; every change is one write job with its entry in
 * the access log (kind "stakeholder", the client as the data's owner), so
 * it shows on the client's "who saw my data".
 *
 * Tables: stakeholders, stakeholder_appointments (111_stakeholder.sql).
 */
#ifndef INFUUS_STAKEHOLDER_H
#define INFUUS_STAKEHOLDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct audit_event;
struct db;
struct db_conn;
struct why;

/* What a client shares with a stakeholder. */
enum stake_share {
	STAKE_QUESTIONS = 1 << 0,     /* the learning questions */
	STAKE_APPOINTMENTS = 1 << 1,  /* the meetings they take part in */
	STAKE_INVOICES = 1 << 2,      /* invoices may be addressed to them
	                                 (stake_invoice_to_on) */
};
#define STAKE_SHARES_ALL (STAKE_QUESTIONS | STAKE_APPOINTMENTS | \
	STAKE_INVOICES)

enum stake_state {
	STAKE_PROPOSED,
	STAKE_CONSENTED,
	STAKE_WITHDRAWN,
};

struct stakeholder {
	int64_t id;
	int64_t org_id;
	int64_t traj_id;
	int64_t user_id;
	const char *name;        /* the stakeholder's name (lists) */
	const char *relation;    /* "employer", "hr", "referrer" */
	unsigned shares;
	enum stake_state state;
	int64_t proposed_by;
	int64_t proposed_at;
	int64_t consent_at;      /* 0: never, or not since the last proposal */
	int64_t withdrawn_at;    /* 0: not withdrawn */
};

/* "employer", "hr", "referrer" only. */
bool stake_relation_ok(const char *relation);

/*
 * Propose the stakeholder with e-mail address email (an account of role
 * stakeholder in org_id) for traj_id, whose client is client_id, by `by`
 * (a professional or the client: the route checked); as_client: the
 * client proposes, which is their consent with shares at once.  Refusals
 * with w: no such stakeholder ("email"), a relation not in the list
 * ("relation"), no shares from a client ("shares"), a stakeholder already
 * consented (ERR_CONFLICT), more than LIMIT_STAKEHOLDERS (ERR_TOOMANY).
 * A withdrawn or proposed link is proposed anew.
 */
int stake_propose(struct db *db, int64_t org_id, int64_t traj_id,
    int64_t client_id, int64_t by, bool as_client, const char *email,
    const char *relation, unsigned shares, int64_t now,
    const struct audit_event *ev, struct why *w, int64_t *id);

/* The client (the caller: the route checked the part) consents to link
 * id of traj_id with shares (at least one: w "shares"); ERR_NOTFOUND for
 * a link of another trajectory.  Also changes what a consented link
 * shares. */
int stake_consent(struct db *db, int64_t traj_id, int64_t client_id,
    int64_t id, unsigned shares, int64_t now, const struct audit_event *ev,
    struct why *w);

/* The client withdraws consent (or declines a proposal) for link id of
 * traj_id: access ends now, its meetings are forgotten.  ERR_NOTFOUND for
 * a link of another trajectory; a withdrawn one stays so (0). */
int stake_withdraw(struct db *db, int64_t traj_id, int64_t client_id,
    int64_t id, int64_t now, const struct audit_event *ev);

/* The links of traj_id, by id, with names; at most LIMIT_STAKEHOLDERS. */
int stake_list(struct db *db, int64_t traj_id, struct arena *a,
    struct stakeholder **out, size_t *n);
/* The consented links of stakeholder user_id in org_id (their start
 * page), by trajectory. */
int stake_mine(struct db *db, int64_t org_id, int64_t user_id,
    struct arena *a, struct stakeholder **out, size_t *n);

/* For authz: user_id's link to traj_id (ERR_NOTFOUND when there is none);
 * *live: consented and not withdrawn. */
struct stake_access {
	int64_t id;
	int64_t org_id;
	unsigned shares;
	bool live;
};
int stake_access_on(struct db_conn *c, int64_t traj_id, int64_t user_id,
    struct stake_access *out);
/* For billing, in its write job: may an invoice of traj_id be addressed
 * to link stake_id now?  0 with the stakeholder's name (in a) while the
 * client consents to STAKE_INVOICES; ERR_NOTFOUND for no link of traj_id;
 * ERR_FORBIDDEN when consent is withdrawn, not given yet, or does not
 * cover invoices. */
int stake_invoice_to_on(struct db_conn *c, int64_t traj_id,
    int64_t stake_id, struct arena *a, const char **name);
/* Does link stake_id take part in appointment appt_id? */
int stake_in_appt_on(struct db_conn *c, int64_t stake_id, int64_t appt_id,
    bool *yes);

/*
 * A professional (`by`; the route checked) adds link stake_id to
 * appointment appt_id of traj_id (whose client is client_id): only while
 * the client consents and shares appointments (ERR_FORBIDDEN with w), at
 * most LIMIT_APPT_STAKEHOLDERS (ERR_TOOMANY); twice is once.
 */
int stake_appt_add(struct db *db, int64_t traj_id, int64_t client_id,
    int64_t appt_id, int64_t stake_id, int64_t by, int64_t now,
    const struct audit_event *ev, struct why *w);
/* The links taking part in appointment appt_id, with names. */
int stake_appt_people(struct db *db, int64_t appt_id, struct arena *a,
    struct stakeholder **out, size_t *n);
/* The appointment ids link stake_id takes part in, at most
 * LIMIT_STAKEHOLDER_APPTS, by id. */
int stake_appts(struct db *db, int64_t stake_id, struct arena *a,
    int64_t **ids, size_t *n);

#endif
