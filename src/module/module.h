/*
 * module.h - self-help modules (issue 12): an organisation's library of
 * modules, each an ordered set of sessions of pages, written in the
 * browser, published as versions and given to trajectories as runs.
 *
 * Seeds 002 and 003: programs people follow with or without a
 * professional; dropout in pure self-help is high, and personal guidance
 * matters.  So a run is guided (the professional sees progress and answers
 * and gives feedback per session) or unguided (self-help, with a standing
 * offer to write to a professional), and sessions open on a timing.
 *
 * The source format (the draft, a package's manifest can be turned into
 * it): lines starting with '@' are directives, everything else is the
 * Markdown of the page above it.
 *     @session Title of the session
 *     @page text Title of the page        (Markdown to read)
 *     @page free Title                    (the body is the question)
 *     @page choice Title                  (with two or more @option lines)
 *     @option One answer
 *     @page questionnaire Title           (with @instrument NAME: the
 *     @instrument who-5                    organisation's newest version)
 *     @page diary Title                   (written into the diary)
 *     @page mood Title                    (a mood 1-10 into the meter)
 *     @page assignment Title              (answered, then the
 *                                          professional responds)
 *     @page media Title                   (with @media KIND ID ALT: an
 *     @media image 12 A rising line        image, audio or video of the
 *                                          media store, its text
 *                                          alternative; the body is the
 *                                          caption or transcript)
 *     @page library Title                 (with @item ID: an item of the
 *     @item 42                             library the organisation may
 *                                          show, published, its own or
 *                                          shared; the body comes
 *                                          before the item's text)
 * A line starting with "@@" is a line starting with "@" in the text.
 *
 * Timing of a run (session k counted from 0):
 *   all    every session open from the start;
 *   every  session k opens k * N days after the start;
 *   after  the next opens when the client finishes the one before;
 *   date   the whole module opens at a moment;
 *   appt   session k opens N hours before the start (hours < 0) or after
 *          the end (hours > 0) of the k-th booked appointment from the
 *          start on (appointment/appointment.h's appt_window_on).
 *   dates  session k opens on the date the professional sets for it on
 *          the run's page (mod_session_date); without one it stays
 *          closed.
 * Opening is computed from the clock on every read, so a session opens
 * exactly on time; the reminder pass (mod_remind, before each outbox
 * batch) sends one content-free mail per session that opened.
 *
 * A run keeps its version once the client has started (first opened
 * it); before that it follows the newest published version.
 *
 * Sealed with the organisation's key: answers and feedback.  Every read
 * of a run is in the access log (kind "module") before it is shown;
 * every change in its write job.  The router (authz, AUTHZ_MODULE and
 * AUTHZ_MODULE_RUN) decides who is in the relation; these functions
 * check the part a person plays (only the client answers, only a
 * professional gives feedback).
 *
 * Tables: modules, module_versions, module_runs, module_session_state,
 * module_answers (092_modules.sql; a session's date 096).  Writes notifications rows through
 * the outbox (outbox_schedule_on); diary entries, moods and
 * questionnaires through their owners.
 */
#ifndef INFUUS_MODULE_H
#define INFUUS_MODULE_H

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

struct mod_env {
	struct db *db;
	struct keyring *kr;
};

/* --- content ---------------------------------------------------------------- */

enum mod_page_kind {
	MOD_PAGE_TEXT,
	MOD_PAGE_FREE,
	MOD_PAGE_CHOICE,
	MOD_PAGE_QUESTIONNAIRE,
	MOD_PAGE_DIARY,
	MOD_PAGE_MOOD,
	MOD_PAGE_ASSIGNMENT,
	MOD_PAGE_MEDIA,          /* a file of the media store (src/media) */
	MOD_PAGE_LIBRARY,        /* an item of the library (src/library) */
};
#define MOD_NPAGE_KINDS (MOD_PAGE_LIBRARY + 1)

/* What a media page shows: the element it is drawn as. */
enum mod_media_kind { MOD_MEDIA_IMAGE = 1, MOD_MEDIA_AUDIO, MOD_MEDIA_VIDEO };
/* "image", "audio", "video"; NULL out of range. */
const char *mod_media_kind_name(int k);
/* "text", "free", ... as in the source; NULL out of range. */
const char *mod_page_kind_name(int k);
/* Does the client answer this kind of page? */
bool mod_page_is_exercise(enum mod_page_kind k);

struct mod_page {
	enum mod_page_kind kind;
	const char *title;       /* "" when none was given */
	const char *body;        /* Markdown */
	size_t body_len;
	const char **options;    /* MOD_PAGE_CHOICE */
	int noptions;
	const char *instrument;  /* MOD_PAGE_QUESTIONNAIRE: a name */
	enum mod_media_kind media_kind;  /* MOD_PAGE_MEDIA */
	int64_t media_id;        /* MOD_PAGE_MEDIA: served at /media/ID */
	const char *alt;         /* MOD_PAGE_MEDIA: the text alternative */
	int64_t item_id;         /* MOD_PAGE_LIBRARY: the library item */
	int line;                /* MOD_PAGE_LIBRARY, _QUESTIONNAIRE: the
	                            @item or @instrument line */
};

struct mod_session {
	const char *title;
	struct mod_page *pages;
	int npages;
};

struct mod_content {
	struct mod_session *sessions;
	int nsessions;
};

/* Parse a source text (format above) into a.  ERR_INVAL / ERR_TOOBIG /
 * ERR_TOOMANY with the reason in why (field "source", why->limit the line
 * number where one is meant). */
int mod_parse(struct str src, struct arena *a, struct mod_content *out,
    struct why *why);

/* --- the library --------------------------------------------------------- */

struct mod_info {
	int64_t id;
	int64_t org_id;
	const char *title;
	const char *source;      /* the draft; NULL in lists */
	int64_t updated_at;
	int64_t published_n;     /* 0: never published */
	int64_t published_id;    /* the newest version's id (0: none) */
	int64_t published_at;
	bool draft_changed;      /* the draft differs from that version */
};

/* A new module of org_id (the author a professional or administrator of
 * it, checked by the router) with a draft.  ERR_INVAL / ERR_TOOBIG /
 * ERR_TOOMANY with the reason: a title (field "title") and a source that
 * parses (field "source"; an empty source is allowed in a draft). */
int mod_create(const struct mod_env *env, int64_t org_id, int64_t author_id,
    struct str title, struct str source, const struct audit_event *ev,
    struct why *why, int64_t *id);
/* Replace the draft's title and source (checked as in mod_create). */
int mod_draft_save(const struct mod_env *env, int64_t id, int64_t author_id,
    struct str title, struct str source, const struct audit_event *ev,
    struct why *why);
/* Publish the draft as the next version.  ERR_INVAL with the reason when
 * it has no session or does not parse; ERR_CONFLICT when it equals the
 * newest version already.  *n (may be NULL): the version's number. */
int mod_publish(const struct mod_env *env, int64_t id, int64_t author_id,
    const struct audit_event *ev, struct why *why, int64_t *n);
/* One module with its draft.  ERR_NOTFOUND. */
int mod_get(struct db *db, int64_t id, struct arena *a, struct mod_info *out);
/* The modules of an organisation, by title (no source). */
int mod_list(struct db *db, int64_t org_id, struct arena *a,
    struct mod_info **out, size_t *n);
/*
 * The picker (issue 12): add a library page showing item_id at the end of
 * session s (from 0) of module id's draft, titled with the item's title.
 * The item must be one the module's organisation may show its clients
 * (library.h's lib_visible_on): ERR_NOTFOUND with a reason (field "item")
 * for any other, another organisation's private one included; ERR_INVAL
 * for a session the draft does not have (field "session"); the draft's
 * own limits as mod_draft_save.  Saving or publishing a draft checks its
 * @item lines the same way (field "source", the line's number).  One
 * write job, logged (U, kind "module", detail "library").
 */
int mod_draft_add_item(const struct mod_env *env, int64_t id,
    int64_t author_id, int s, int64_t item_id, const struct audit_event *ev,
    struct why *why);
/*
 * The choice list (issue 12): add a questionnaire page for instrument
 * name at the end of session s (from 0) of module id's draft.  The name
 * must be in the module's organisation's library (measure.h: its own
 * instruments, and the shipped ones it has taken in, which the web layer
 * takes in first: instrument/shipped.h); ERR_NOTFOUND with a reason
 * (field "instrument") for any other.  mod_create, mod_draft_save and
 * mod_publish refuse a questionnaire page naming one the same way (field
 * "source", the @instrument line's number).  The rest as
 * mod_draft_add_item.
 */
int mod_draft_add_questionnaire(const struct mod_env *env, int64_t id,
    int64_t author_id, int s, const char *name,
    const struct audit_event *ev, struct why *why);
/* For authz: a module's organisation (ERR_NOTFOUND). */
int mod_org_on(struct db_conn *c, int64_t id, int64_t *org_id);
/* For the media store (media_delete): 1 when a module's draft or a
 * published version shows media file media_id on a page, with *title the
 * module's (in a) when it is org_id's, NULL when another organisation's
 * (a shared file); 0 when none does. */
int mod_uses_media_on(struct db_conn *c, int64_t media_id, int64_t org_id,
    struct arena *a, const char **title);

/* What a package export needs: a published version's title and source
 * (n 0: the newest).  ERR_NOTFOUND when it has none. */
int mod_version_source(struct db *db, int64_t module_id, int64_t n,
    struct arena *a, const char **title, const char **source);

/* --- packages (mod_pkg.c, src/package/FORMAT.md) ------------------------ */

struct pkg_module;

/* Import a package that passed pkg_read as a new module of org_id,
 * published as version 1: in one write job its media files are stored
 * (media_put_on, each in the access log), the shipped instruments its
 * questionnaires name taken into the library (read from share_dir) and
 * the module created from a source built from the manifest, or nothing
 * at all.  ERR_* with the reason (field "package") as mod_create,
 * media_put_on and mod_publish give it; ERR_INVAL naming the instrument
 * (why.name) and its manifest line (why.limit) for a questionnaire of an
 * instrument neither in org_id's library nor shipped, or naming the
 * title (why.name) and line of a library item org_id may not show
 * (lib_visible_on) or that has another title. */
int mod_import(const struct mod_env *env, const char *share_dir,
    int64_t org_id, int64_t author_id, const struct pkg_module *pm,
    const struct audit_event *ev, struct why *why, int64_t *id);
/* The package of version n (0: the newest) of a module into out, its
 * texts in lang ("nl" or "en": the package says which).  ERR_NOTFOUND
 * when it has no such version or shows a file neither of its
 * organisation nor shared (why says so); ERR_INVAL when pkg_write
 * refuses.  A library page names its item (number and title) when the
 * module's organisation may still show it, else leaves as its text. */
int mod_package(struct db *db, int64_t module_id, int64_t n, const char *lang,
    struct arena *a, struct buf *out, struct why *why);

/* --- runs: a module in a trajectory ---------------------------------------- */

enum mod_timing { MOD_ALL, MOD_EVERY, MOD_AFTER, MOD_DATE, MOD_APPT,
	MOD_DATES };
/* "all", "every", "after", "date", "appt", "dates"; NULL out of range. */
const char *mod_timing_name(int t);
int mod_timing_parse(const char *s, enum mod_timing *out);

struct mod_plan {
	bool guided;
	enum mod_timing timing;
	int every_days;          /* MOD_EVERY: 1..LIMIT_MOD_EVERY_DAYS */
	int64_t opens_at;        /* MOD_DATE */
	int appt_hours;          /* MOD_APPT: -N before, +N after */
};

/* Give a published module (of the trajectory's organisation) to traj_id;
 * the caller a professional of it.  ERR_INVAL with the reason (field
 * "module", "every", "date", "hours"), ERR_TOOMANY past
 * LIMIT_MOD_PER_TRAJ, ERR_FORBIDDEN when not a professional or the
 * trajectory is closed. */
int mod_assign(const struct mod_env *env, int64_t traj_id, int64_t module_id,
    int64_t actor_id, const struct mod_plan *plan, time_t now,
    const struct audit_event *ev, struct why *why, int64_t *run_id);

/* For authz: a run's trajectory (ERR_NOTFOUND). */
int mod_run_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id);

struct mod_answer {
	const char *body;        /* opened; NULL: none */
	int64_t ref_id;          /* questionnaire, diary entry or mood id */
	int64_t updated_at;
	bool waiting;            /* waits for the professional's response */
};

struct mod_session_state {
	int64_t opens_at;        /* 0: not known yet (after, appt, dates) */
	int64_t date;            /* MOD_DATES: the date set for it; 0 none */
	bool open;
	int64_t finished_at;     /* 0: not finished */
	const char *feedback;    /* opened; NULL: none */
	int64_t feedback_at;
	struct mod_answer *answers;  /* one per page of the session */
};

struct mod_run {
	int64_t id;
	int64_t traj_id;
	int64_t org_id;
	int64_t client_id;
	int64_t module_id;
	int64_t version_id;
	int64_t version_n;
	const char *title;
	struct mod_plan plan;
	int64_t created_at;
	int64_t started_at;      /* 0: the client has not opened it yet */
	int64_t last_at;         /* the client's last activity; 0 none */
	int64_t active_seconds;
	int nsessions;
	int done;                /* sessions finished */
	int opened;              /* sessions open now */
	int waiting;             /* answers waiting for feedback */
	int current;             /* where the client is: the first open
	                            session not finished; -1 none */
	int64_t next_opens_at;   /* the next session's moment; 0 none known */
};

struct mod_run_view {
	struct mod_run run;
	struct mod_content content;
	struct mod_session_state *sessions;  /* nsessions */
	bool viewer_is_client;
	bool closed;             /* the trajectory is closed: read only */
};

/* One run with its content, states, answers and feedback, opened after
 * one audit entry (R, kind "module").  The client's view counts as
 * activity (last_at, active time) and starts the run (pins its version).
 * ERR_NOTFOUND; ERR_FORBIDDEN when the viewer takes no part. */
int mod_run_view(const struct mod_env *env, int64_t id, int64_t viewer_id,
    time_t now, const struct audit_event *ev, struct arena *a,
    struct mod_run_view *out);
/* The runs of a trajectory with their progress (no answers opened, so
 * nothing is logged), oldest first. */
int mod_runs(struct db *db, int64_t traj_id, time_t now, struct arena *a,
    struct mod_run **out, size_t *n);

/* The client answers page p of session s (open, not finished): text for
 * free, choice (the option's number from 1), diary, mood (1..10) and
 * assignment pages; a questionnaire page starts the questionnaire
 * (*ref_id: its id).  ERR_INVAL / ERR_TOOBIG with the reason (field
 * "answer"), ERR_CONFLICT (not open yet, finished, no exercise). */
int mod_answer(const struct mod_env *env, int64_t id, int64_t user_id,
    int s, int p, struct str text, time_t now, const struct audit_event *ev,
    struct why *why, int64_t *ref_id);
/* A professional of the run's open trajectory sets the date session s
 * (from 0) of a run with timing MOD_DATES opens on (a later one for a
 * session still closed keeps it closed until then).  ERR_INVAL with the
 * reason (field "date": none, or more than two years ahead; "session");
 * ERR_CONFLICT when the run has another timing or the session was
 * finished; ERR_FORBIDDEN for anyone else.  One write job, logged (U,
 * kind "module", detail "date"); the reminder pass looks again. */
int mod_session_date(const struct mod_env *env, int64_t id, int64_t user_id,
    int s, int64_t opens_at, time_t now, const struct audit_event *ev,
    struct why *why);
/* The client finishes session s (open): ERR_CONFLICT with the reason when
 * it is not open or already finished. */
int mod_finish(const struct mod_env *env, int64_t id, int64_t user_id, int s,
    time_t now, const struct audit_event *ev, struct why *why);
/* A professional's feedback on session s (replacing an earlier one); the
 * client is notified.  ERR_INVAL / ERR_TOOBIG (field "feedback"). */
int mod_feedback(const struct mod_env *env, int64_t id, int64_t user_id,
    int s, struct str text, time_t now, const struct audit_event *ev,
    struct why *why);

/* Content-free reminders: one notification for the client for each
 * session of an open trajectory's run that opened since the last pass.
 * Each run is looked at when its next session's moment comes (or within
 * LIMIT_MOD_RECHECK when that waits for a booking or a finish), at most
 * LIMIT_MOD_REMIND_BATCH a pass.  *count (may be NULL): how many. */
int mod_remind(struct db *db, time_t now, int *count);

/* Everything of a trajectory's runs for the client's export (each as
 * mod_run_view sees it, answers and feedback opened), after one audit
 * entry (E, kind "module", detail "export"). */
int mod_export(const struct mod_env *env, int64_t traj_id,
    const struct audit_event *ev, struct arena *a, struct mod_run_view **out,
    size_t *n);
/* Everything of a trajectory's runs for the client's export, as a JSON
 * array appended to out (title, version, sessions with answers and
 * feedback), after one audit entry (E, kind "module", detail "export"). */
int mod_export_json(const struct mod_env *env, int64_t traj_id,
    const struct audit_event *ev, struct buf *out);

#endif
