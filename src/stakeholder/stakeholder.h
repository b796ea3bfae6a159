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
 * The closing report (stake_report.c): a professional writes it (drafts,
 * then finished versions, sealed with the organisation's key), the client
 * reads it and shares a version with a consenting stakeholder through
 * STAKE_REPORT; the stakeholder sees the version the client shared, while
 * consent holds, whatever changes after it.
 *
 * Tables: stakeholders, stakeholder_appointments (111_stakeholder.sql,
 * 115), closing_reports, closing_report_versions (115_closing_report.sql).
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
	STAKE_REPORT = 1 << 3,        /* the closing report: the version
	                                 finished when the client consents */
};
#define STAKE_SHARES_ALL (STAKE_QUESTIONS | STAKE_APPOINTMENTS | \
	STAKE_INVOICES | STAKE_REPORT)

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
	int64_t report_version;  /* the closing report's version shared, 0:
	                            none */
};

/* "employer", "hr", "referrer" only. */
bool stake_relation_ok(const char *relation);

/*
 * Propose the stakeholder with e-mail address email (an account of role
 * stakeholder in org_id) for traj_id, whose client is client_id, by `by`
 * (a professional or the client: the route checked); as_client: the
 * client proposes, which is their consent with shares at once (with
 * STAKE_REPORT: the report's newest version, w "shares" when it has
 * none).  Refusals with w: no such stakeholder ("email"), a relation not in the list
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
 * shares.  With STAKE_REPORT the closing report's newest version is what
 * is shared from now on (w "shares" when there is none yet). */
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
	int64_t report_version;  /* shared with them; 0: none */
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

/* --- the closing report (stake_report.c) --------------------------------- */

struct keyring;

/* One version of a trajectory's closing report, or its draft. */
struct stake_report {
	int64_t traj_id;
	int64_t version;       /* 0: the draft, or nothing finished yet */
	const char *text;      /* "" when there is none */
	int64_t written_by;
	const char *author;    /* the writer's name */
	int64_t written_at;
};

/* What the report page shows: the newest finished version (version 0
 * when none) and, with_draft (a professional), the draft (draft.text ""
 * when there is none).  ev (an AUDIT_READ of the caller) is logged first,
 * kind "closing-report"; then the texts are opened. */
struct stake_report_view {
	struct stake_report current;
	struct stake_report draft;
};
int stake_report_get(struct db *db, struct keyring *kr, int64_t traj_id,
    bool with_draft, const struct audit_event *ev, struct arena *a,
    struct stake_report_view *out);

/*
 * A professional (`by`; professional: the caller's part, which the route
 * decided) saves text as the draft of traj_id's closing report, or
 * (finish) finishes it as a new version the client reads: a text the same
 * as the newest version makes none (*version gets that one).  Refusals
 * with w: not a professional (ERR_FORBIDDEN), an empty text to finish or
 * one over LIMIT_REPORT_BYTES ("text"), more than LIMIT_REPORT_VERSIONS
 * (ERR_TOOMANY).  Logged in the write job (kind "closing-report", detail
 * "draft" or "finish", the client as the data's owner).
 */
int stake_report_save(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t traj_id, int64_t client_id, int64_t by, bool professional,
    const char *text, bool finish, int64_t now,
    const struct audit_event *ev, struct why *w, int64_t *version);

/*
 * The client (client_id; the route decided the part) shares the report's
 * newest version with link id of traj_id (share), or stops sharing it:
 * the STAKE_REPORT bit and the version, as consenting with it does, but
 * also once the trajectory is closed (the closing meeting comes at the
 * end).  ERR_NOTFOUND for a link of another trajectory; w "stakeholder"
 * (ERR_CONFLICT) for a link without live consent, w "shares" when no
 * version is finished.  Logged (kind "stakeholder", detail "report" or
 * "unreport").
 */
int stake_report_share(struct db *db, int64_t traj_id, int64_t client_id,
    int64_t id, bool share, const struct audit_event *ev, struct why *w);

/* The version the client shared with link stake_id, for the stakeholder:
 * re-checked in the same snapshot (live consent, STAKE_REPORT, a version
 * shared: else ERR_NOTFOUND); ev logged first. */
int stake_report_shared(struct db *db, struct keyring *kr, int64_t stake_id,
    const struct audit_event *ev, struct arena *a, struct stake_report *out);

/* Every finished version of traj_id's report, oldest first, at most
 * LIMIT_REPORT_VERSIONS (the client's export); ev logged first. */
int stake_report_versions(struct db *db, struct keyring *kr,
    int64_t traj_id, const struct audit_event *ev, struct arena *a,
    struct stake_report **out, size_t *n);

#endif
