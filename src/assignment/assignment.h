/*
 * assignment.h - assignments tied to a learning question: given by a
 * professional (written on the spot or from the organisation's template
 * library, template.h), one at a time or as an offer from which the client
 * chooses where to start; worked on by the client (a draft saved as they
 * go, attachments), handed in, given feedback, revised, as many rounds as
 * needed.  Every version handed in is kept (nothing is overwritten) so two
 * can be shown side by side (diff.h).
 *
 * Seeds 000 and 001: "assignments that prompt step-by-step practice",
 * work forms that fit the client's learning preference, the client chooses
 * where to start.  The cycle after an experiment is cycle.h.
 *
 * States (visible to both): offered -> active -> handed_in -> feedback ->
 * revised -> feedback ... -> done; an assignment past its due date that
 * waits for the client is overdue (computed, not stored).
 *
 * Sealed with the organisation's key: title, instructions, drafts,
 * versions, feedback, attachments' names and data.  Every read is in the
 * access log before it is shown (kind "assignment"); every change is
 * logged in its write job.  The router (authz, AUTHZ_ASSIGNMENT and
 * AUTHZ_ASG_FILE) decides who is in the relation; these functions check
 * the part a person plays (only the client works and hands in, only a
 * professional gives feedback) with the data at hand.
 *
 * Tables: assignments, assignment_versions, assignment_feedback,
 * assignment_drafts, assignment_files (assignment.c); assignment_items
 * (asg_items.c); cycle_steps and
 * question_answered (cycle.c); assignment_templates (template.c).
 * Writes notifications rows (the outbox's) for the client, as message.c
 * does.
 */
#ifndef INFUUS_ASSIGNMENT_H
#define INFUUS_ASSIGNMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

struct db;
struct db_conn;
struct keyring;
struct audit_event;
struct msg_upload;
struct lib_item;

struct asg_env {
	struct db *db;
	struct keyring *kr;
};

/* Work forms (the six) and their stored codes. */
enum asg_form {
	ASG_READING, ASG_WRITING, ASG_EXPERIMENT, ASG_OBSERVING, ASG_WATCH,
	ASG_QUESTIONNAIRE,
};
#define ASG_NFORMS (ASG_QUESTIONNAIRE + 1)
/* "reading", "writing", "experiment", "observing", "watch",
 * "questionnaire"; NULL out of range. */
const char *asg_form_name(int f);
int asg_form_parse(const char *s, enum asg_form *out);

/* Learning preferences an assignment is tagged with (Honey and Mumford's
 * four): "activist", "reflector", "theorist", "pragmatist". */
#define ASG_NPREFS 4
const char *asg_pref_name(int i);
/* A comma-separated list of preference codes, checked and put in the
 * canonical order; ERR_INVAL for an unknown code. */
int asg_tags_check(const char *tags, struct arena *a, const char **out);

enum asg_state {
	ASG_OFFERED, ASG_ACTIVE, ASG_HANDED_IN, ASG_FEEDBACK, ASG_REVISED,
	ASG_DONE,
};
const char *asg_state_name(int s);   /* "offered", ..., "done" */

struct assignment {
	int64_t id;
	int64_t traj_id;
	int64_t org_id;
	int64_t client_id;
	int64_t question_id;
	int64_t template_id;     /* 0: written on the spot */
	const char *title;       /* opened */
	const char *instructions;/* opened, Markdown; NULL in lists */
	enum asg_form form;
	const char *tags;        /* canonical preference codes, "" none */
	const char *instrument;  /* questionnaire: an instrument's id; "" */
	int64_t due_at;          /* 0: none */
	enum asg_state state;
	int64_t offer_id;        /* 0: given alone */
	int64_t prev_id;         /* the experiment before on the question */
	int64_t created_at;
	int64_t updated_at;
	int64_t versions;        /* handed in so far */
	bool overdue;            /* due and still waiting for the client */
};

/* One assignment as the professional gives it. */
struct asg_new {
	int64_t question_id;     /* a learning question of the trajectory */
	int64_t template_id;     /* 0: written on the spot; else its title,
	                            instructions, form and tags are used
	                            where these are empty */
	struct str title;
	struct str instructions;
	const char *form;        /* a work form's code */
	const char *instrument;  /* for "questionnaire": an instrument id */
	const char *tags;        /* comma-separated preference codes */
	int64_t due_at;          /* 0: none */
};

/*
 * Give n assignments in a trajectory (the caller a professional of it).
 * One alone is active at once; several (at most LIMIT_ASG_OFFER) make an
 * offer: all "offered" until the client chooses one (asg_choose).  Each
 * is linked to the latest earlier assignment on its learning question
 * (prev_id).  One write job: the rows, a notification for the client,
 * and the audit entries.  Errors with a reason in why (may be NULL):
 * ERR_INVAL (no title, no instructions, an unknown form or tag, a
 * question of another trajectory, a template of another organisation, a
 * due date in the past), ERR_TOOBIG, ERR_TOOMANY; without one
 * ERR_FORBIDDEN (not a professional of the trajectory, or it is closed).
 * *first_id: the first assignment made.
 */
int asg_give(const struct asg_env *env, int64_t traj_id, int64_t author_id,
    const struct asg_new *items, size_t n, time_t now,
    const struct audit_event *ev, struct why *why, int64_t *first_id);

/* The client chooses an offered assignment to start with: it becomes
 * active (the others stay offered).  ERR_CONFLICT when it is not offered
 * (with a reason), ERR_FORBIDDEN for anyone but the client. */
int asg_choose(const struct asg_env *env, int64_t id, int64_t user_id,
    time_t now, const struct audit_event *ev, struct why *why);

/* The client's draft, sealed; saving "" removes it.  ERR_TOOBIG past
 * LIMIT_ASG_WORK, ERR_CONFLICT when the assignment takes no work now
 * (offered, handed in, done), ERR_FORBIDDEN for anyone but the client. */
int asg_draft_save(const struct asg_env *env, int64_t id, int64_t user_id,
    struct str text, time_t now, struct why *why);

/*
 * The draft's text and files at once (the work form's "Save" button):
 * the files stay with the draft (version 0), seen by the client only,
 * until handing in makes them the new version's.  One write job; with
 * files an audit entry (C, kind "assignment-file", detail "draft").  The
 * files' errors as asg_hand_in; ERR_TOOMANY when the draft would hold
 * more than LIMIT_ASG_FILES.
 */
int asg_draft_files(const struct asg_env *env, int64_t id, int64_t user_id,
    struct str text, const struct msg_upload *ups, size_t nups, time_t now,
    const struct audit_event *ev, struct why *why, struct arena *a);

/*
 * Hand in: a new version (n = versions + 1) with text and uploads and the
 * files attached to the draft, the draft removed; the state becomes
 * handed_in (first) or revised.  Errors with a reason: ERR_INVAL (empty
 * text), ERR_TOOBIG, ERR_TOOMANY (more than LIMIT_ASG_VERSIONS versions or
 * LIMIT_ASG_FILES files with the draft's),
 * ERR_MEDIATYPE, ERR_CONFLICT (nothing to hand in now: offered, already
 * handed in and waiting for feedback, done).  A file named in why
 * (why->name) lives in a.
 */
int asg_hand_in(const struct asg_env *env, int64_t id, int64_t user_id,
    struct str text, const struct msg_upload *ups, size_t nups, time_t now,
    const struct audit_event *ev, struct why *why, struct arena *a,
    int64_t *version_n);

/* The client takes a file off their draft (one handed in stays:
 * ERR_CONFLICT with a reason, as for a state that takes no work).  One
 * write job with its audit entry (D, kind "assignment-file", detail
 * "draft").  *asg_id: the file's assignment (0 when not found). */
int asg_draft_file_remove(const struct asg_env *env, int64_t file_id,
    int64_t user_id, const struct audit_event *ev, struct why *why,
    int64_t *asg_id);

/* Feedback on the latest version (a professional of the trajectory),
 * with at most LIMIT_ASG_FILES files: the state becomes feedback and the
 * client is notified.  ERR_CONFLICT when no version waits for it; the
 * text's and the files' errors as asg_hand_in. */
int asg_feedback(const struct asg_env *env, int64_t id, int64_t user_id,
    struct str text, const struct msg_upload *ups, size_t nups, time_t now,
    const struct audit_event *ev, struct why *why, struct arena *a);

/* A professional closes the assignment as done (after a version was
 * handed in: ERR_CONFLICT otherwise). */
int asg_done(const struct asg_env *env, int64_t id, int64_t user_id,
    time_t now, const struct audit_event *ev, struct why *why);

struct asg_file {
	int64_t id;
	int64_t version_n;       /* 0: the draft's (the client's only) */
	int64_t feedback_id;     /* 0: the client's work; else the round of
	                            feedback it came with */
	const char *name;        /* opened */
	const char *type;
	int64_t size;
};

struct asg_version {
	int64_t n;
	const char *body;        /* opened */
	size_t len;
	int64_t created_at;
};

struct asg_feedback_item {
	int64_t id;
	int64_t version_n;       /* the version it answers */
	const char *body;        /* opened, Markdown */
	int64_t created_at;
};

struct asg_view {
	struct assignment a;
	bool viewer_is_client;
	bool closed;             /* the trajectory is closed: read only */
	struct asg_version *versions;        /* oldest first */
	size_t nversions;
	struct asg_feedback_item *feedback;  /* oldest first */
	size_t nfeedback;
	struct asg_file *files;
	size_t nfiles;
	const char *draft;       /* the client's draft ("" none); NULL for
	                            a professional */
	int64_t draft_at;
	struct lib_item *items;  /* library items to read with it, those
	                            the organisation may still show */
	size_t nitems;
};

/* One assignment with all its versions, feedback and files, opened after
 * one audit entry (R, kind "assignment").  ERR_NOTFOUND; ERR_FORBIDDEN
 * when the viewer takes no part. */
int asg_view(const struct asg_env *env, int64_t id, int64_t viewer_id,
    time_t now, const struct audit_event *ev, struct arena *a,
    struct asg_view *out);

/* The assignments of a trajectory, oldest first (titles opened, no
 * instructions) after one audit entry (R, kind "assignment", detail
 * "list"). */
int asg_list(const struct asg_env *env, int64_t traj_id, int64_t viewer_id,
    time_t now, const struct audit_event *ev, struct arena *a,
    struct assignment **out, size_t *n);

/* An attachment of a version, of feedback or (for the client) of the
 * draft, its data opened into *data (the caller releases it) after an
 * audit entry (R, kind "assignment-file", detail "download").
 * ERR_FORBIDDEN for a professional asking for a file of the draft. */
int asg_file_get(const struct asg_env *env, int64_t file_id,
    int64_t viewer_id, const struct audit_event *ev, struct arena *a,
    struct asg_file *meta, struct buf *data);

/* The trajectory an assignment or an assignment's file belongs to, on c
 * (authz resolves the path's object through these).  ERR_NOTFOUND.
 * *draft (may be NULL): the file is the draft's, the client's alone until
 * handed in (authz then treats it as a private diary entry). */
int asg_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id);
int asg_file_traj_on(struct db_conn *c, int64_t file_id, int64_t *traj_id,
    bool *draft);

/* --- library items (asg_items.c) ----------------------------------------- */

/*
 * Attach library item item_id to assignment id, for its client to read
 * from the assignment's page (a professional of the trajectory, open).
 * The item must be one the trajectory's organisation may show: published,
 * its own or shared (lib_visible_on).  Attaching it again changes
 * nothing.  One write job with its audit entry (C, kind "assignment",
 * detail "library").  ERR_NOTFOUND with a reason (field "item") for an
 * item it may not show, another organisation's private one included;
 * ERR_TOOMANY past LIMIT_ASG_ITEMS; ERR_FORBIDDEN for anyone but a
 * professional of the trajectory, or when it is closed.
 */
int asg_item_add(const struct asg_env *env, int64_t id, int64_t user_id,
    int64_t item_id, time_t now, const struct audit_event *ev,
    struct why *why);
/* Take it off again (D, detail "library"); the same checks of the
 * person. */
int asg_item_remove(const struct asg_env *env, int64_t id, int64_t user_id,
    int64_t item_id, const struct audit_event *ev);
/* Assignment id's items that org_id may still show, in the order
 * attached, on c (asg_view fills its items with these). */
int asg_items_on(struct db_conn *c, int64_t id, int64_t org_id,
    struct arena *a, struct lib_item **out, size_t *n);

/* --- the professional's queue and reminders ------------------------------ */

struct asg_queue_item {
	int64_t id;
	int64_t traj_id;
	const char *title;       /* opened */
	enum asg_state state;    /* handed_in or revised */
	int64_t due_at;          /* 0: none */
	int64_t handed_in_at;
	bool overdue;
};

/* Work handed in and waiting for feedback in the open trajectories of
 * org_id where pro_id is a professional, by due date (none last), then
 * oldest first, at most LIMIT_QUEUE.  The titles are opened after one
 * audit entry per trajectory (R, kind "assignment", detail "queue"). */
int asg_queue(const struct asg_env *env, int64_t org_id, int64_t pro_id,
    time_t now, const struct audit_event *ev, struct arena *a,
    struct asg_queue_item **out, size_t *n);

/* Content-free reminders: for every assignment waiting for its client
 * (active or feedback) due within LIMIT_ASG_REMIND_BEFORE and not yet
 * reminded, a notifications row for the client (the outbox mails "there
 * is something for you", never what); each reminded once.  *count (may be
 * NULL): how many. */
int asg_remind_due(struct db *db, time_t now, int *count);

/* --- export ---------------------------------------------------------------- */

/* Everything of a trajectory's assignments for the client's export: each
 * view (versions, feedback, files' metadata), opened after one audit entry
 * (E, kind "assignment", detail "export"). */
int asg_export(const struct asg_env *env, int64_t traj_id, int64_t viewer_id,
    const struct audit_event *ev, struct arena *a, struct asg_view **out,
    size_t *n);

#endif
