/*
 * authz.c - the one authorisation decision point (see authz.h).
 *
 * Objects of a trajectory (the trajectory, its threads, messages,
 * attachments, appointments, assignments and their files, chats,
 * questionnaires, diary entries and invoices) are decided on facts read in one
 * snapshot from their owners: which trajectory (the object's own module),
 * its organisation and phase and the caller's part in it
 * (traj_relation_on):
 *   - a trajectory of another organisation, or none at all: ERR_NOTFOUND;
 *   - the caller takes part (trajectory_members) in the role they hold in
 *     the organisation now: reads and exports are allowed, also after
 *     closing (the client keeps their own trajectory); changes are allowed
 *     until it is closed, then ERR_FORBIDDEN;
 *   - an administrator who does not take part may read the trajectory's
 *     metadata (AUTHZ_TRAJECTORY, AUTHZ_READ): never its threads, messages
 *     or attachments, and changing it is ERR_FORBIDDEN;
 *   - anyone else: ERR_NOTFOUND, so ids cannot be probed.
 * What a participant may do with their role (only professionals change the
 * phase, only the client shares read receipts) is the route table's and
 * the handler's business: this decides who is in the relation.
 * One rule outlives the closing: a trajectory's professional still
 * invoices it (AUTHZ_TRAJ_BILLING, create: the final invoice) and
 * corrects its invoices with credit notes (AUTHZ_INVOICE, update), as the
 * books require; and its closing report (AUTHZ_TRAJ_REPORT, update) is
 * still written by its professional and shared by its client, as the
 * closing meeting comes at the end; nothing else changes after closing.
 *
 * The role check matters after a change of role: someone who was the
 * professional and is now a client of the organisation no longer acts as
 * the professional of the trajectories they worked in.
 *
 * Stakeholders (employer, HR, a referrer: role stakeholder) take no part
 * in trajectory_members, so every kind above is ERR_NOTFOUND for them
 * (and most routes refuse their role before that).  They reach only the
 * shared kinds, and only to read: AUTHZ_SHARED_TRAJ while the client's
 * consent to their link is live (stake_access_on), AUTHZ_SHARED_APPT
 * when moreover the client shares appointments and a professional added
 * them to that one, AUTHZ_SHARED_REPORT when the client shares the
 * closing report and a version of it.  Before consent and from the moment
 * it is withdrawn:
 * ERR_NOTFOUND, as for anyone else.
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
#include "authz/authz.h"

#include <stddef.h>
#include <string.h>

#include "billing/billing.h"
#include "call/call.h"
#include "chat/chat.h"
#include "appointment/appointment.h"
#include "core/err.h"
#include "diary/diary.h"
#include "identity/identity.h"
#include "instrument/measure.h"
#include "stakeholder/stakeholder.h"
#include "media/media.h"
#include "library/library.h"
#include "assignment/assignment.h"
#include "message/message.h"
#include "module/module.h"
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

/* An administrator changes or removes a member of the organisation they
 * work in; anyone else learns nothing about whether the id is a member. */
static int
check_member(struct db *db, const struct principal *p, int64_t id,
    struct authz_object *out)
{
	enum role r;
	int rc;

	if (p->org_id == 0 || !role_valid((int)p->role))
		return ERR_NOTFOUND;
	if (p->role != ROLE_ADMIN)
		return ERR_FORBIDDEN;
	if (id <= 0)
		return ERR_NOTFOUND;
	if ((rc = member_role(db, p->org_id, id, &r)) != 0)
		return rc;
	out->org_id = p->org_id;
	return 0;
}

/* The trajectory an object of it belongs to, from the object's owner;
 * *priv: the object is the client's alone (an unshared diary entry, a
 * file of an assignment's draft). */
static int
traj_of(struct db_conn *c, enum authz_kind kind, int64_t id, int64_t *traj_id,
    bool *priv)
{
	bool shared = true;
	int rc;

	switch (kind) {
	case AUTHZ_QUESTIONNAIRE:
		return measure_q_traj_on(c, id, traj_id);
	case AUTHZ_DIARY_ENTRY:
		rc = diary_entry_traj_on(c, id, traj_id, &shared);
		*priv = !shared;
		return rc;
	case AUTHZ_THREAD:
		return msg_thread_traj_on(c, id, traj_id);
	case AUTHZ_MESSAGE:
		return msg_message_traj_on(c, id, traj_id);
	case AUTHZ_ATTACHMENT:
		return msg_attachment_traj_on(c, id, traj_id);
	case AUTHZ_CHAT:
		return chat_msg_traj_on(c, id, traj_id);
	case AUTHZ_APPOINTMENT:
		return appt_traj_on(c, id, traj_id);
	case AUTHZ_ASSIGNMENT:
		return asg_traj_on(c, id, traj_id);
	case AUTHZ_ASG_FILE:
		return asg_file_traj_on(c, id, traj_id, priv);
	case AUTHZ_INVOICE:
		return invoice_traj_on(c, id, traj_id);
	case AUTHZ_CALL:
		return call_traj_on(c, id, traj_id);
	case AUTHZ_MODULE_RUN:
		return mod_run_traj_on(c, id, traj_id);
	default:
		*traj_id = id;
		return 0;
	}
}

static int
decide_relation(const struct principal *p, enum authz_action act,
    enum authz_kind kind, const struct traj_relation *rel)
{
	if (rel->org_id != p->org_id)
		return ERR_NOTFOUND;
	if (rel->part != 0 && rel->part == p->role) {
		if (act == AUTHZ_ADMIN)
			return ERR_FORBIDDEN;
		if (is_read(act))
			return 0;
		if (rel->phase == TRAJ_CLOSED &&
		    rel->part == ROLE_PROFESSIONAL &&
		    ((kind == AUTHZ_TRAJ_BILLING && act == AUTHZ_CREATE) ||
		    (kind == AUTHZ_INVOICE && act == AUTHZ_UPDATE)))
			return 0;
		if (rel->phase == TRAJ_CLOSED && kind == AUTHZ_TRAJ_REPORT &&
		    act == AUTHZ_UPDATE)
			return 0;
		return rel->phase == TRAJ_CLOSED ? ERR_FORBIDDEN : 0;
	}
	if (p->role == ROLE_ADMIN && kind == AUTHZ_TRAJECTORY)
		return act == AUTHZ_READ ? 0 : ERR_FORBIDDEN;
	return ERR_NOTFOUND;
}

static int
check_relation(struct db *db, const struct principal *p,
    enum authz_action act, enum authz_kind kind, int64_t id,
    struct authz_object *out)
{
	struct traj_relation rel;
	struct db_conn *c;
	int64_t traj_id = 0;
	bool priv = false;
	int rc;

	if (id <= 0 || p->org_id <= 0 || !role_valid((int)p->role))
		return ERR_NOTFOUND;
	/* The object and its trajectory from one snapshot. */
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = traj_of(c, kind, id, &traj_id, &priv)) == 0)
		rc = traj_relation_on(c, traj_id, p->user_id, &rel);
	db_read_end(db, c);
	if (rc != 0)
		return rc;
	if ((rc = decide_relation(p, act, kind, &rel)) != 0)
		return rc;
	/* a private diary entry or draft's file: the client's alone, as if
	 * it did not exist for anyone else */
	if (priv && (rel.part != ROLE_CLIENT || p->role != ROLE_CLIENT))
		return ERR_NOTFOUND;
	out->org_id = rel.org_id;
	out->traj_id = rel.traj_id;
	out->client_id = rel.client_id;
	/* Only a part the caller acts in now counts (see above). */
	out->part = rel.part == p->role ? rel.part : 0;
	return 0;
}

/* What a client shares with a stakeholder (see the top). */
static int
check_shared(struct db *db, const struct principal *p, enum authz_action act,
    enum authz_kind kind, int64_t id, struct authz_object *out)
{
	struct traj_relation rel;
	struct stake_access sa;
	struct db_conn *c;
	int64_t traj_id = id;
	bool in = true;
	int rc;

	if (id <= 0 || p->org_id <= 0 || p->role != ROLE_STAKEHOLDER)
		return ERR_NOTFOUND;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if (kind == AUTHZ_SHARED_APPT)
		rc = appt_traj_on(c, id, &traj_id);
	if (rc == 0)
		rc = traj_relation_on(c, traj_id, p->user_id, &rel);
	if (rc == 0)
		rc = stake_access_on(c, traj_id, p->user_id, &sa);
	if (rc == 0 && kind == AUTHZ_SHARED_APPT)
		rc = stake_in_appt_on(c, sa.id, id, &in);
	db_read_end(db, c);
	if (rc != 0)
		return rc;
	if (rel.org_id != p->org_id || sa.org_id != p->org_id || !sa.live)
		return ERR_NOTFOUND;
	if (kind == AUTHZ_SHARED_APPT &&
	    (!in || (sa.shares & STAKE_APPOINTMENTS) == 0))
		return ERR_NOTFOUND;
	if (kind == AUTHZ_SHARED_REPORT &&
	    ((sa.shares & STAKE_REPORT) == 0 || sa.report_version <= 0))
		return ERR_NOTFOUND;
	if (act != AUTHZ_READ)
		return ERR_FORBIDDEN;
	out->org_id = rel.org_id;
	out->traj_id = rel.traj_id;
	out->client_id = rel.client_id;
	out->part = ROLE_STAKEHOLDER;
	out->stake_id = sa.id;
	out->shares = sa.shares;
	return 0;
}

/* The organisation an object of an organisation's library belongs to,
 * read by its owner's org_on (ERR_NOTFOUND when there is none). */
static int
org_of(struct db *db, int (*org_on)(struct db_conn *, int64_t, int64_t *),
    int64_t id, int64_t *org)
{
	struct db_conn *c;
	int rc;

	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = org_on(c, id, org);
	db_read_end(db, c);
	return rc;
}

/* An instrument version of the organisation's library: its professionals
 * read it and make new versions; an administrator reads it; anyone of
 * another organisation learns nothing. */
static int
check_instrument(struct db *db, const struct principal *p,
    enum authz_action act, int64_t id, struct authz_object *out)
{
	int64_t org = 0;
	int rc;

	if (id <= 0 || p->org_id <= 0 || !role_valid((int)p->role))
		return ERR_NOTFOUND;
	if ((rc = org_of(db, measure_version_org_on, id, &org)) != 0)
		return rc;
	if (org != p->org_id)
		return ERR_NOTFOUND;
	if (p->role == ROLE_CLIENT)
		return ERR_FORBIDDEN;
	if (p->role != ROLE_PROFESSIONAL && act != AUTHZ_READ)
		return ERR_FORBIDDEN;
	out->org_id = org;
	return 0;
}

/* A media file (media/media.h): the members of its organisation read it,
 * whatever their role, and so does everyone signed in when it is shared
 * or a shared library item plays it (lib_plays_media_on); its
 * organisation's professionals and administrators change it.  Out of
 * the organisation and not shared, it does not exist for the caller. */
static int
check_media(struct db *db, const struct principal *p,
    enum authz_action act, int64_t id, struct authz_object *out)
{
	struct db_conn *c;
	int64_t org = 0;
	bool shared = false;
	int rc;

	if (id <= 0 || !role_valid((int)p->role))
		return ERR_NOTFOUND;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = media_access_on(c, id, &org, &shared);
	/* a video or sound of a shared library item plays wherever the
	 * item is read (check_library: every signed-in person) */
	if (rc == 0 && !shared && org != p->org_id && act == AUTHZ_READ &&
	    p->org_id > 0)
		rc = lib_plays_media_on(c, id, &shared);
	db_read_end(db, c);
	if (rc != 0)
		return rc;
	if (org != p->org_id || p->org_id <= 0) {
		if (!shared)
			return ERR_NOTFOUND;
		if (act != AUTHZ_READ)
			return ERR_FORBIDDEN;
	} else if (act != AUTHZ_READ && p->role != ROLE_PROFESSIONAL &&
	    p->role != ROLE_ADMIN) {
		return ERR_FORBIDDEN;
	}
	out->org_id = org;
	return 0;
}

/*
 * A library item: its organisation's professionals and administrators
 * read every item and change them (sharing is an administrator's); its
 * clients read the published ones; a published shared item is readable in
 * every organisation and changed in none but its own.  Anything else is
 * ERR_NOTFOUND (a draft or a private item of another organisation tells
 * nothing); a known item the caller may only read is ERR_FORBIDDEN.
 */
static int
check_library(struct db *db, const struct principal *p,
    enum authz_action act, int64_t id, struct authz_object *out)
{
	struct db_conn *c;
	int64_t org = 0;
	bool published = false, shared = false, staff;
	int rc;

	if (id <= 0 || p->org_id <= 0 || !role_valid((int)p->role))
		return ERR_NOTFOUND;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	rc = lib_facts_on(c, id, &org, &published, &shared);
	db_read_end(db, c);
	if (rc != 0)
		return rc;
	staff = p->role == ROLE_PROFESSIONAL || p->role == ROLE_ADMIN;
	if (org == p->org_id) {
		if (!staff && !published)
			return ERR_NOTFOUND;
	} else if (!(published && shared)) {
		return ERR_NOTFOUND;
	}
	if (act == AUTHZ_READ)
		rc = 0;
	else if (org != p->org_id || !staff)
		rc = ERR_FORBIDDEN;
	else if (act == AUTHZ_ADMIN)
		rc = p->role == ROLE_ADMIN ? 0 : ERR_FORBIDDEN;
	else
		rc = act == AUTHZ_UPDATE ? 0 : ERR_FORBIDDEN;
	if (rc == 0)
		out->org_id = org;
	return rc;
}

/* A module of the organisation's library: its professionals and
 * administrators write, read and give it; a client sees a module only
 * through a run in their trajectory (AUTHZ_MODULE_RUN); anyone of another
 * organisation learns nothing. */
static int
check_module(struct db *db, const struct principal *p, int64_t id,
    struct authz_object *out)
{
	int64_t org = 0;
	int rc;

	if (id <= 0 || p->org_id <= 0 || !role_valid((int)p->role))
		return ERR_NOTFOUND;
	if ((rc = org_of(db, mod_org_on, id, &org)) != 0)
		return rc;
	if (org != p->org_id)
		return ERR_NOTFOUND;
	if (p->role != ROLE_PROFESSIONAL && p->role != ROLE_ADMIN)
		return ERR_FORBIDDEN;
	out->org_id = org;
	return 0;
}

static int
decide(struct db *db, const struct principal *p, enum authz_action act,
    enum authz_kind kind, int64_t id, struct authz_object *out)
{
	int rc;

	if (p == NULL || p->user_id <= 0)
		return ERR_FORBIDDEN;
	switch (kind) {
	case AUTHZ_ORG:
	case AUTHZ_MEMBERS:
	case AUTHZ_AUDIT_ORG:
		rc = kind == AUTHZ_ORG ? check_org(p, act, id) :
		    kind == AUTHZ_MEMBERS ? check_members(p, id) :
		    check_audit_org(p, act, id);
		out->org_id = rc == 0 ? id : 0;
		return rc;
	case AUTHZ_AUDIT_SELF:
		return check_audit_self(p, act, id);
	case AUTHZ_USER:
		return check_user(db, p, act, id);
	case AUTHZ_MEMBER:
		return check_member(db, p, id, out);
	case AUTHZ_TRAJECTORY:
	case AUTHZ_THREAD:
	case AUTHZ_MESSAGE:
	case AUTHZ_ATTACHMENT:
	case AUTHZ_CHAT:
	case AUTHZ_APPOINTMENT:
	case AUTHZ_QUESTIONNAIRE:
	case AUTHZ_DIARY_ENTRY:
	case AUTHZ_ASSIGNMENT:
	case AUTHZ_ASG_FILE:
	case AUTHZ_INVOICE:
	case AUTHZ_CALL:
	case AUTHZ_MODULE_RUN:
	case AUTHZ_TRAJ_BILLING:
	case AUTHZ_TRAJ_REPORT:
		return check_relation(db, p, act, kind, id, out);
	case AUTHZ_INSTRUMENT:
		return check_instrument(db, p, act, id, out);
	case AUTHZ_SHARED_TRAJ:
	case AUTHZ_SHARED_APPT:
	case AUTHZ_SHARED_REPORT:
		return check_shared(db, p, act, kind, id, out);
	case AUTHZ_MEDIA:
		return check_media(db, p, act, id, out);
	case AUTHZ_MODULE:
		return check_module(db, p, id, out);
	case AUTHZ_LIBRARY:
		return check_library(db, p, act, id, out);
	}
	return ERR_FORBIDDEN;
}

int
authz_object(struct db *db, const struct principal *p,
    enum authz_action act, enum authz_kind kind, int64_t id,
    struct authz_object *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = decide(db, p, act, kind, id, out);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->kind = kind;
	out->id = id;
	return 0;
}

int
authz_check(struct db *db, const struct principal *p,
    enum authz_action act, enum authz_kind kind, int64_t id)
{
	struct authz_object o;

	return authz_object(db, p, act, kind, id, &o);
}

const char *
authz_kind_name(enum authz_kind kind)
{
	/* The access log's kinds where the object is one ("trajectory",
	 * "message"); codes of the same shape for the others. */
	static const char *const names[AUTHZ_NKINDS] = {
		[AUTHZ_ORG] = "organisation",
		[AUTHZ_MEMBERS] = "members",
		[AUTHZ_AUDIT_ORG] = "audit",
		[AUTHZ_AUDIT_SELF] = "audit-self",
		[AUTHZ_USER] = "profile",
		[AUTHZ_TRAJECTORY] = "trajectory",
		[AUTHZ_THREAD] = "thread",
		[AUTHZ_MESSAGE] = "message",
		[AUTHZ_MEMBER] = "member",
		[AUTHZ_ATTACHMENT] = "attachment",
		[AUTHZ_CHAT] = "chat",
		[AUTHZ_APPOINTMENT] = "appointment",
		[AUTHZ_QUESTIONNAIRE] = "questionnaire",
		[AUTHZ_DIARY_ENTRY] = "diary",
		[AUTHZ_INSTRUMENT] = "instrument",
		[AUTHZ_MEDIA] = "media",
		[AUTHZ_ASSIGNMENT] = "assignment",
		[AUTHZ_ASG_FILE] = "assignment-file",
		[AUTHZ_INVOICE] = "invoice",
		[AUTHZ_SHARED_TRAJ] = "shared-trajectory",
		[AUTHZ_SHARED_APPT] = "shared-appointment",
		[AUTHZ_CALL] = "call",
		[AUTHZ_MODULE] = "module-library",
		[AUTHZ_MODULE_RUN] = "module",
		[AUTHZ_LIBRARY] = "library",
		[AUTHZ_TRAJ_BILLING] = "billing",
		[AUTHZ_TRAJ_REPORT] = "closing-report",
		[AUTHZ_SHARED_REPORT] = "shared-report",
	};

	if ((unsigned)kind >= AUTHZ_NKINDS || names[kind] == NULL)
		return "?";
	return names[kind];
}

const char *
authz_action_name(enum authz_action act)
{
	static const char *const names[AUTHZ_NACTIONS] = {
		[AUTHZ_READ] = "read",
		[AUTHZ_CREATE] = "create",
		[AUTHZ_UPDATE] = "update",
		[AUTHZ_DELETE] = "delete",
		[AUTHZ_EXPORT] = "export",
		[AUTHZ_ADMIN] = "admin",
	};

	if ((unsigned)act >= AUTHZ_NACTIONS || names[act] == NULL)
		return "?";
	return names[act];
}
