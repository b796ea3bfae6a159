/*
 * trajectory.h - a trajectory (traject): one client guided by one or more
 * professionals in an organisation, with the client's learning questions,
 * a phase, and the service promise the professionals keep.
 *
 * Titles and learning questions are the client's data: sealed with the
 * organisation's key (keyring) and every access is in the access log.  The
 * promise is the professional's terms and is stored in plain text.
 *
 * Functions that change something take the audit event describing the
 * access (who, from where, why) and append it in the same write job; the
 * module fills action, kind, object and client.  Reads that return client
 * data append their read event first and fail when that fails (log first,
 * then show).
 *
 * Tables: trajectories, trajectory_members, learning_questions
 * (trajectory.c) and promises (terms.c).  Other modules ask this header
 * for a trajectory's head, its members and its promise.
 */
#ifndef INFUUS_TRAJECTORY_H
#define INFUUS_TRAJECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/arena.h"
#include "identity/role.h"
#include "promise/promise.h"

struct db;
struct db_conn;
struct keyring;
struct audit_event;

enum traj_phase {
	TRAJ_INTAKE,
	TRAJ_WORKING,
	TRAJ_CLOSING,
	TRAJ_CLOSED,
};

const char *traj_phase_name(enum traj_phase p);   /* "intake", ... */
int traj_phase_parse(const char *s, enum traj_phase *out);
/* A stored phase (the column trajectories.phase, joined by another
 * module's query); a value that is no phase reads as closed, so a damaged
 * row takes no new writes. */
enum traj_phase traj_phase_col(struct str s);

enum traj_level { TRAJ_LEVEL_SIMPLE, TRAJ_LEVEL_STANDARD, TRAJ_LEVEL_ADVANCED };
const char *traj_level_name(enum traj_level l);  /* "simple", ... */
int traj_level_parse(const char *s, enum traj_level *out);

struct trajectory {
	int64_t id;
	int64_t org_id;
	int64_t client_id;
	const char *client_name;
	const char *title;            /* opened; in the caller's arena */
	enum traj_phase phase;
	int64_t started_at;
	int64_t planned_end;          /* 0: none */
	int64_t closed_at;            /* 0: open */
	enum traj_level reading_level;
	bool share_reads;             /* the client lets professionals see reads */
	int64_t created_at;
	int64_t waiting;              /* client messages waiting for a reply */
	int64_t next_deadline;        /* earliest deadline of those; 0: none */
	int64_t last_message_at;      /* 0: none yet */
};

struct traj_member {
	int64_t user_id;
	const char *name;
	bool professional;            /* false: the client */
};

/* The promise as stored and edited (text forms of promise.h). */
struct promise_terms {
	int64_t reply_minutes;        /* reply time in working minutes */
	const char *tz;               /* IANA zone */
	const char *schedule;         /* working hours: "mon-fri 09:00-17:00" */
	const char *reachable;        /* reachable hours ("" = as schedule) */
	const char *holidays;         /* "2026-12-25, 2026-12-28..2027-01-01" */
	int64_t contact_days;         /* one exchange per N days (0: none) */
	const char *not_reachable;    /* when the professional is not reachable */
	const char *emergency;        /* what to do in an emergency */
};

/* Defaults for a new trajectory: 24 working hours, Mon-Fri 09:00-17:00,
 * the organisation's zone, Dutch public holidays of this and next year. */
void traj_default_terms(struct arena *a, const char *tz, time_t now,
    struct promise_terms *out);
/* Check the text forms: ERR_INVAL, and in why (may be NULL) the field at
 * fault ("reply_hours", "tz", "schedule", "reachable", "holidays",
 * "contact_days", "not_reachable" or "emergency") and the reason. */
struct why;
int traj_terms_check(const struct promise_terms *t, struct why *why);

/* A new trajectory for client_id with professional_id as its first
 * professional.  Both must be members of org_id with the right roles
 * (else ERR_INVAL, field "client"); the title must pass text_check of
 * core/text.h (ERR_INVAL when empty or not text, ERR_TOOBIG past
 * LIMIT_TRAJ_TITLE characters; field "title"), the terms traj_terms_check
 * (its fields).  why (may be NULL) says which and why.  The title is
 * sealed; the client gets a trajectory_members row with role 'client';
 * the terms are stored in their canonical text; one create event is
 * logged. */
int traj_create(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t client_id, int64_t professional_id, const char *title,
    int64_t planned_end, const struct promise_terms *terms,
    const struct audit_event *ev, struct why *why, int64_t *id);
/* One trajectory with its title opened, after its read event is durable
 * (an event that cannot be logged fails the read: nothing is returned).
 * ERR_NOTFOUND.  The caller has asked authz (authz/authz.h) first. */
int traj_get(struct db *db, struct keyring *kr, int64_t id,
    const struct audit_event *ev, struct arena *a, struct trajectory *out);
/* traj_get without the title (out->title is NULL): no client text is
 * opened, so nothing is logged.  For checks and for an admin's view of the
 * metadata (the caller logs that view). */
int traj_get_meta(struct db *db, int64_t id, struct arena *a,
    struct trajectory *out);
/* The trajectories the user takes part in (as client or professional) in
 * org_id, newest activity first, at most LIMIT_TRAJ_LIST (chosen among
 * the newest LIMIT_TRAJ_PARTS trajectories).  Titles are
 * opened.  With all (admins): every trajectory of the organisation, metadata
 * only (titles NULL: an administrator manages, and does not read the
 * client's words).  Each trajectory listed is one read event (detail
 * "list", that trajectory's client), all appended in one write job before
 * anything is returned, so every client finds the listing in their own
 * access log. */
int traj_list(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t user_id, bool all, const struct audit_event *ev,
    struct arena *a, struct trajectory **out, size_t *n);
int traj_members(struct db *db, int64_t id, struct arena *a,
    struct traj_member **out, size_t *n);
/*
 * user_id leaves every trajectory of org_id they take part in (as client
 * or professional), closed ones too: each participation moves to the
 * history (trajectory_members_ended, with its end) and one update event
 * (detail "end-participation") per trajectory is logged, all in one job.
 * Call it when someone is removed from the organisation, before the
 * membership goes: whoever joins again later starts with no trajectory.
 * *n (may be NULL) gets the number ended.
 */
int traj_end_participation(struct db *db, int64_t org_id, int64_t user_id,
    const struct audit_event *ev, int64_t *n);
/*
 * Changes.  Each is one write job with its update event (detail
 * "add-professional", "phase", "share-reads", "reading-level"; "promise"
 * for traj_terms_set).  All: ERR_NOTFOUND for no such trajectory,
 * ERR_FORBIDDEN once it is closed (closing is final).  Who may make which
 * change (only the client shares reads) is the caller's check.
 * traj_add_professional: ERR_INVAL unless user_id is a professional of the
 * trajectory's organisation, ERR_CONFLICT when already in it, ERR_TOOMANY
 * past LIMIT_TRAJ_PROFESSIONALS; why (may be NULL) says so for the form's
 * field "user".  Closing sets closed_at.
 */
int traj_add_professional(struct db *db, int64_t traj_id, int64_t user_id,
    const struct audit_event *ev, struct why *why);
int traj_set_phase(struct db *db, int64_t traj_id, enum traj_phase phase,
    const struct audit_event *ev);
int traj_set_share_reads(struct db *db, int64_t traj_id, bool on,
    const struct audit_event *ev);
int traj_set_level(struct db *db, int64_t traj_id, enum traj_level level,
    const struct audit_event *ev);

struct learning_question {
	int64_t id;
	const char *body;
	int64_t created_by;
	int64_t created_at;
};
/* Add a learning question (sealed; surrounding white space dropped):
 * ERR_INVAL when empty or not text (a control character other than a line
 * break or tab, invalid UTF-8), ERR_TOOBIG over LIMIT_TRAJ_QUESTION
 * characters, ERR_TOOMANY past LIMIT_TRAJ_QUESTIONS, ERR_FORBIDDEN once
 * closed; why (may be NULL) says so for the form's field "question".
 * created_by is the event's actor; one create event (kind
 * "learning-question"). */
int traj_add_question(struct db *db, struct keyring *kr, int64_t traj_id,
    const char *body, const struct audit_event *ev, struct why *why);
/* The questions, oldest first, opened after one read event per question
 * (kind "learning-question") is durable. */
int traj_questions(struct db *db, struct keyring *kr, int64_t traj_id,
    const struct audit_event *ev, struct arena *a,
    struct learning_question **out, size_t *n);

/* The stored terms (plain text: not logged); ERR_NOTFOUND. */
int traj_terms_get(struct db *db, int64_t traj_id, struct arena *a,
    struct promise_terms *out);
/* ERR_INVAL for terms that fail traj_terms_check (why as there). */
int traj_terms_set(struct db *db, int64_t traj_id,
    const struct promise_terms *t, const struct audit_event *ev,
    struct why *why);

/*
 * Compiled promises for deadline arithmetic.  A cache (owned by the app,
 * shared by threads, guarded by a mutex) keeps time zones loaded once.
 */
struct tz_cache;
int tz_cache_new(struct tz_cache **out);
void tz_cache_free(struct tz_cache *c);
/* The zone `name`, loaded on first use and kept until tz_cache_free (the
 * pointer stays valid that long).  tz_load's errors; ERR_TOOMANY past
 * LIMIT_TZ_CACHE zones; ERR_INVAL for a NULL cache or name. */
int tz_cache_get(struct tz_cache *c, const char *name, const struct tz **out);
/* Fill *p from stored terms; p->tz and p->emergency borrow from the cache
 * and the arena. */
int traj_promise(struct db *db, struct tz_cache *tzc, int64_t traj_id,
    struct arena *a, struct promise *p);
int traj_promise_from_terms(struct tz_cache *tzc,
    const struct promise_terms *t, struct promise *p);

/*
 * Reads on a connection the caller holds, so that one operation reads
 * from one snapshot (db_read_begin once) and then writes one job; also
 * usable inside a write job.  Other modules call these instead of
 * querying trajectories or trajectory_members themselves.
 */
struct traj_head {
	int64_t org_id;
	int64_t client_id;
	enum traj_phase phase;
	bool share_reads;             /* the client lets professionals see reads */
};
/* ERR_NOTFOUND when there is no such trajectory. */
int traj_head_on(struct db_conn *c, int64_t id, struct traj_head *out);
/* The trajectory a learning question belongs to (ERR_NOTFOUND). */
int traj_question_traj_on(struct db_conn *c, int64_t question_id,
    int64_t *traj_id);
/* user_id's part in the trajectory: ROLE_CLIENT, ROLE_PROFESSIONAL, or 0
 * when they take no part. */
int traj_role_on(struct db_conn *c, int64_t traj_id, int64_t user_id,
    enum role *out);
/* The user ids of everyone who takes part now (client and professionals),
 * at most cap (LIMIT_TRAJ_PROFESSIONALS + 1 hold them all), by id. */
int traj_member_ids_on(struct db_conn *c, int64_t traj_id, int64_t *ids,
    size_t cap, size_t *n);
/* traj_terms_get and traj_promise on c. */
int traj_terms_get_on(struct db_conn *c, int64_t traj_id, struct arena *a,
    struct promise_terms *out);
int traj_promise_on(struct db_conn *c, struct tz_cache *tzc, int64_t traj_id,
    struct arena *a, struct promise *p);

/*
 * For other modules' lists (traj_batch.c): ids and the facts a list needs,
 * never one query per row.
 */
struct traj_part {
	int64_t id;
	int64_t client_id;
	enum traj_phase phase;
	enum role part;               /* ROLE_CLIENT or ROLE_PROFESSIONAL */
	const char *tz;               /* the promise's zone; "" without one */
};
/* The trajectories user_id takes part in within org_id, newest first, at
 * most LIMIT_TRAJ_PARTS; as 0: in any part, else only as that part;
 * open_only: not closed.  In a. */
int traj_parts_on(struct db_conn *c, int64_t org_id, int64_t user_id,
    enum role as, bool open_only, struct arena *a, struct traj_part **out,
    size_t *n);
/* The heads of ids[0..n) (an id may repeat), out[i] for ids[i]; a
 * trajectory that does not exist leaves out[i] zero (org_id 0). */
int traj_heads_on(struct db_conn *c, const int64_t *ids, size_t n,
    struct traj_head *out);
/* The professionals of org_id's open trajectories (traj_id 0) or of the
 * one trajectory traj_id if open, by trajectory, then user.  In a. */
struct traj_pro {
	int64_t traj_id;
	int64_t user_id;
};
int traj_pros_on(struct db_conn *c, int64_t org_id, int64_t traj_id,
    struct arena *a, struct traj_pro **out, size_t *n);

/*
 * The reply counters of struct trajectory (waiting, next_deadline,
 * last_message_at) are the message module's: it sits above this one and
 * registers its look-up here once at start (app_open registers
 * msg_traj_activity_on), so this module never reads messages.  The source
 * fills out[i] for ids[i] on c, in batches, never one query per id.  With
 * no source the counters are 0 and lists go by creation.  Set it before
 * any thread reads a trajectory.
 */
struct traj_activity {
	int64_t waiting;             /* client messages waiting for a reply */
	int64_t next_deadline;       /* earliest deadline of those; 0: none */
	int64_t last_message_at;     /* 0: none yet */
};
typedef int (*traj_activity_fn)(struct db_conn *c, const int64_t *ids,
    size_t n, struct traj_activity *out);
void traj_activity_source(traj_activity_fn fn);

/*
 * The facts authz (authz/authz.h) decides on for a trajectory: its
 * organisation, client and phase, and user_id's part in it, read on c.
 * ERR_NOTFOUND when there is no such trajectory.  Who may do what with
 * them is authz's decision, not this module's.
 */
struct traj_relation {
	int64_t traj_id;
	int64_t org_id;
	int64_t client_id;
	enum traj_phase phase;
	enum role part;      /* ROLE_CLIENT, ROLE_PROFESSIONAL, or 0: none */
};
int traj_relation_on(struct db_conn *c, int64_t traj_id, int64_t user_id,
    struct traj_relation *out);

#endif
