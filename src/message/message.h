/*
 * message.h - written coaching: threads inside a trajectory, messages,
 * quotes, corrections, attachments, read state, drafts, export and search.
 *
 * Seed 001 is the source: e-mail coaching inside a secure platform, where
 * "written words stay black on white".  So:
 *   - message bodies, quotes, subjects, attachment names and data, and
 *     drafts are sealed with the organisation's data key (keyring); search
 *     uses a blind index (search.h), so no plaintext reaches the disk;
 *   - a sent message is never changed: a correction is a new message
 *     (kind MSG_CORRECTION) linked to the one it corrects, and both stay;
 *   - every read of a message is in the access log before it is shown
 *     (log first, then show); every change is logged in its write job.
 *
 * Access: callers (the web layer) ask authz_check first.  These functions
 * check only what belongs to the relation itself, with the data at hand:
 * the user must take part in the trajectory (ERR_FORBIDDEN otherwise), a
 * closed trajectory takes no new message (ERR_FORBIDDEN), a correction is
 * made by the author only.
 *
 * Audit events: the caller passes a template (who, from where, why; see
 * web_audit_event); the module fills organisation, action, kind, object,
 * detail and the client whose data it is.
 *
 * Time: `now` arguments are Unix seconds; 0 means the current time (tests
 * pass fixed instants).
 *
 * Tables: threads, messages, attachments, message_reads, drafts
 * (message.c, msg_*.c; msg_queue.c answers the reply queue), and
 * search_keys with the column messages.search_bloom (search.c,
 * search.h).  Names come from identity (user_names_on), trajectories'
 * facts from trajectory; notifications go through notify
 * (outbox_add_on).
 */
#ifndef INFUUS_MESSAGE_H
#define INFUUS_MESSAGE_H

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
struct tz_cache;
struct audit_event;
struct event_bus;
struct chat_msg;
struct traj_activity;

/* What every call needs; borrowed, owned by the application. */
struct msg_env {
	struct db *db;
	struct keyring *kr;
	struct tz_cache *tzc;   /* zones of service promises (deadlines) */
	struct event_bus *bus;  /* live events of what was posted; NULL:
	                           none (event/event.h) */
};

enum msg_kind {
	MSG_MESSAGE,     /* an ordinary message */
	MSG_NOTICE,      /* "I need more time" (written by the queue) */
	MSG_CORRECTION,  /* corrects an earlier message of the same author */
};
const char *msg_kind_name(enum msg_kind k);   /* "message", ... */

/* --- Attachments ------------------------------------------------------- */

/*
 * Attachments are accepted by content, never by the name or the type the
 * browser sent: PDF, PNG, JPEG, GIF, plain UTF-8 text, Word (.docx) and
 * OpenDocument text (.odt).  At most LIMIT_ATTACHMENTS per message, each
 * 1..LIMIT_ATTACHMENT bytes.
 */
struct msg_upload {
	const char *name;       /* as sent: cleaned by msg_upload_check */
	const void *data;
	size_t len;
};

/* The media type of data by its content, or NULL when it is none of the
 * allowed types. */
const char *msg_sniff_type(const void *data, size_t len);
/* Is type one of the allowed media types (as msg_sniff_type names them)? */
bool msg_type_allowed(const char *type);
/* A safe file name from what a browser sent: the last path part only,
 * without control characters, quotes and characters Windows refuses,
 * invalid UTF-8 replaced, cut at a character boundary to
 * LIMIT_ATTACHMENT_NAME bytes; "attachment" when nothing is left.  In a. */
const char *msg_clean_name(const char *name, struct arena *a);
/* A clean name whose extension is one of type's (an allowed type as
 * msg_sniff_type names it): "invoice.pdf.bat" with text inside becomes
 * "invoice.pdf.txt", "photo" a PNG "photo.png"; a name that already ends
 * in one of the type's extensions is returned as is.  "attachment" for a
 * type that is not allowed.  In a. */
const char *msg_name_for_type(const char *clean, const char *type,
    struct arena *a);
/* Check one upload: 0 and *type, ERR_TOOBIG (empty or over
 * LIMIT_ATTACHMENT: an empty file is no document either) or ERR_MEDIATYPE. */
int msg_upload_check(const struct msg_upload *u, const char **type);

struct msg_attachment {
	int64_t id;
	int64_t message_id;
	const char *name;       /* opened */
	const char *type;       /* an allowed media type */
	int64_t size;
};

/* --- Threads and messages ---------------------------------------------- */

struct msg_thread {
	int64_t id;
	int64_t traj_id;
	int64_t org_id;
	int64_t client_id;
	const char *subject;    /* opened */
	int64_t created_by;
	int64_t created_at;
	int64_t last_message_at;
	int64_t messages;       /* how many (corrections and notices too) */
	int64_t unread;         /* of them, not yet read by the viewer */
	int64_t waiting;        /* client messages waiting for a reply */
	int64_t next_deadline;  /* the earliest of their deadlines; 0: none */
	bool closed;            /* the trajectory is closed: read only */
	bool share_reads;       /* the client shows professionals their reads */
	bool viewer_is_client;
};

struct msg_message {
	int64_t id;
	int64_t thread_id;
	int64_t author_id;          /* 0 when the account is gone */
	const char *author_name;    /* "" when the account is gone */
	bool from_client;
	enum msg_kind kind;
	const char *body;           /* opened, NUL-terminated (Markdown) */
	size_t body_len;
	int64_t quote_of;           /* 0: no quote */
	const char *quote;          /* opened; NULL without a quote */
	int64_t corrects;           /* MSG_CORRECTION: the message corrected */
	int64_t created_at;
	int64_t new_deadline;       /* MSG_NOTICE: the new expected moment */
	int64_t deadline_at;        /* a client's message: reply due; 0: none */
	int64_t replied_at;         /* 0: not (yet) replied */
	/* When the client read it: only filled for a professional viewer of
	 * a professional's message, and only when the client shares reads. */
	int64_t client_read_at;
	bool unread;                /* the viewer had not read it before */
	struct msg_attachment *att;
	size_t natt;
};

/* A new message as typed. */
struct msg_post {
	int64_t author_id;
	struct str body;            /* Markdown, 1..LIMIT_MESSAGE bytes */
	int64_t quote_of;           /* 0: none; a message of the same thread */
	struct str quote;           /* a passage of quote_of's text */
	const struct msg_upload *uploads;
	size_t nuploads;
	time_t now;
	struct why *why;            /* out, may be NULL: why the input was
	                               refused (core/err.h): field "subject",
	                               "body", "quote" or "attachments" */
};

/*
 * For the reply queue (msg_queue.c), on a connection the caller holds.
 * The queue owns no table; it asks these and never queries messages or
 * threads itself.
 */
struct msg_waiting {
	int64_t id;
	int64_t thread_id;
	int64_t traj_id;
	int64_t sent_at;
	int64_t deadline;            /* as last announced */
	int64_t original_deadline;   /* the promised one when moved; else 0 */
};
/* The client messages waiting for a reply (deadline set, not replied) in
 * trajs[0..n), earliest deadline first, then oldest, at most limit. */
int msg_waiting_in_on(struct db_conn *c, const int64_t *trajs, size_t n,
    size_t limit, struct arena *a, struct msg_waiting **out, size_t *nout);
/* A thread's waiting client messages: how many, the earliest deadline
 * (0 when none). */
int msg_thread_waiting_on(struct db_conn *c, int64_t thread_id,
    int64_t *count, int64_t *earliest);
/* The subjects of threads[0..n), opened with org_id's key: subjects[i]
 * for threads[i] when that thread belongs to trajs[i] (the caller's
 * checked trajectory), else NULL, as for a subject that does not open.
 * The caller has logged the access first.  In a. */
int msg_thread_subjects_on(struct keyring *kr, struct db_conn *c,
    int64_t org_id, const int64_t *threads, const int64_t *trajs, size_t n,
    struct arena *a, const char **subjects);
/* Inside a write job: the notice (kind MSG_NOTICE, by the professional
 * author_id, the sealed note, new_deadline) in the thread; the deadline of
 * each waiting client message earlier than new_deadline moved to it (the
 * promised one kept in original_deadline); the thread's last_message_at.
 * The caller checked who and what, and writes the notification and the
 * access-log entry in the same job. */
int msg_notice_on(struct db_conn *c, int64_t thread_id, int64_t traj_id,
    int64_t org_id, int64_t author_id, struct str note_box,
    int64_t new_deadline, int64_t now, int64_t *id);
/* One client message with a deadline, for the adherence report. */
struct msg_report_row {
	int64_t id;
	int64_t traj_id;
	int64_t created_at;
	int64_t deadline;            /* as announced last */
	int64_t original;            /* 0: never moved */
	int64_t replied_at;          /* 0: waiting */
	int64_t replier;             /* the reply's author; 0: unknown */
};
/* The client messages with a deadline sent in [from, to) in org_id: of
 * every trajectory (all), or of trajs[0..ntrajs); by trajectory, then
 * time.  ERR_TOOBIG past limit rows. */
int msg_report_on(struct db_conn *c, int64_t org_id, int64_t from,
    int64_t to, const int64_t *trajs, size_t ntrajs, bool all, size_t limit,
    struct arena *a, struct msg_report_row **out, size_t *n);

/* Trajectories' reply counters (trajectory.h's activity source, which
 * app_open registers): out[i] for trajs[i] (an id may repeat), in
 * batches of 100. */
int msg_traj_activity_on(struct db_conn *c, const int64_t *trajs, size_t n,
    struct traj_activity *out);

/* The trajectory a thread belongs to, read on c (another module's
 * snapshot or write job): ERR_NOTFOUND when there is no such thread. */
int msg_thread_traj_on(struct db_conn *c, int64_t thread_id,
    int64_t *traj_id);
/* The same for a message and for an attachment (authz resolves the
 * objects in a path through these). */
int msg_message_traj_on(struct db_conn *c, int64_t message_id,
    int64_t *traj_id);
int msg_attachment_traj_on(struct db_conn *c, int64_t attachment_id,
    int64_t *traj_id);

/*
 * Start a thread in a trajectory with a subject and its first message.  One
 * write job holds the thread, the message (see msg_post) and their audit
 * entries.  ERR_INVAL for an empty subject or one of more than one line,
 * ERR_TOOBIG for one of more than LIMIT_THREAD_SUBJECT characters; the
 * errors of msg_post.
 */
int msg_thread_create(const struct msg_env *env, int64_t traj_id,
    struct str subject, const struct msg_post *first,
    const struct audit_event *ev, int64_t *thread_id, int64_t *message_id);

/*
 * Post a message in a thread.  One write job inserts the sealed message,
 * its attachments and search filter, a notification row for every other
 * person in the trajectory, moves the thread's last_message_at, deletes the
 * author's draft, and appends the audit entry (C, kind "message").  A
 * client's message gets its reply deadline from the trajectory's promise
 * (promise_deadline, in working time in the promise's zone); a
 * professional's message marks every client message of the thread that
 * waits for a reply as replied by it.
 * Errors, each with its reason in in->why: ERR_INVAL (an empty body, a
 * control character, a quote that does not occur in the quoted message's
 * text, a quoted message of another thread), ERR_TOOBIG (a body over
 * LIMIT_MESSAGE or a quote over LIMIT_QUOTE bytes; an attachment empty or
 * over LIMIT_ATTACHMENT), ERR_TOOMANY (more than LIMIT_ATTACHMENTS),
 * ERR_MEDIATYPE (an attachment of a type msg_upload_check refuses);
 * without a reason: ERR_FORBIDDEN (not part of the trajectory, or it is
 * closed), ERR_NOTFOUND (no such thread).
 */
int msg_post(const struct msg_env *env, int64_t thread_id,
    const struct msg_post *in, const struct audit_event *ev, int64_t *id);

/*
 * Correct a message: a new message of kind MSG_CORRECTION with the new
 * text, linked to the message it corrects (a correction of a correction
 * links to the first message), in the same thread; the earlier text stays.
 * Only the author may correct, only an ordinary message, only in an open
 * trajectory (ERR_FORBIDDEN), at most LIMIT_CORRECTIONS times
 * (ERR_TOOMANY, with a reason).  The body's errors (and reasons in why,
 * which may be NULL) are msg_post's.  Other participants are notified.
 */
int msg_correct(const struct msg_env *env, int64_t message_id,
    int64_t author_id, struct str body, time_t now,
    const struct audit_event *ev, struct why *why, int64_t *id);

/*
 * The threads of a trajectory, latest activity first (at most
 * LIMIT_THREADS), with counts for the viewer.  Subjects are opened after one
 * audit entry (R, kind "thread", detail "list", object the trajectory).
 */
int msg_threads(const struct msg_env *env, int64_t traj_id, int64_t viewer_id,
    const struct audit_event *ev, struct arena *a, struct msg_thread **out,
    size_t *n);

/*
 * View a thread: its head and its messages, oldest first (the newest
 * LIMIT_THREAD_PAGE, as msg_thread_page with no cursor; *more says whether
 * older ones were left out), with
 * attachments.  One write job logs the read (R, kind "message", object the
 * thread); only then are the texts opened.  `unread` tells what the viewer
 * has not marked read (msg_thread_mark_read): a view marks nothing.
 */
int msg_thread_view(const struct msg_env *env, int64_t thread_id,
    int64_t viewer_id, const struct audit_event *ev, struct arena *a,
    struct msg_thread *th, struct msg_message **out, size_t *n, bool *more);

/* One page of a thread (msg_thread_page). */
struct msg_page {
	struct msg_message *msgs;   /* the page, oldest first */
	size_t n;
	/* Corrections, posted after the page, of messages on it (oldest
	 * first): the current text of a message on an older page.  Not part
	 * of the page (a newer page holds them); they follow msgs[n-1] in
	 * the same array, so msgs[0..n+nlater) holds every version. */
	struct msg_message *later;
	size_t nlater;
	bool more;                  /* older messages exist */
	int64_t next_before;        /* more: the cursor of the older page */
};

/*
 * One page of a thread: the newest LIMIT_THREAD_PAGE messages with an id
 * below `before` (0: the newest of all), oldest first, with attachments
 * and the later corrections of its messages.  Each costs the same whatever
 * the thread's length (a keyset, never OFFSET), and walking next_before
 * back gives every message once, without gaps.  Logged and marked read as
 * msg_thread_view.  In *th, `messages` is not counted (0) and `unread`
 * counts the page only: counting the whole thread would cost its length.  ERR_NOTFOUND when `before` is not a message of this
 * thread; ERR_INVAL when it is negative.
 */
int msg_thread_page(const struct msg_env *env, int64_t thread_id,
    int64_t viewer_id, int64_t before, const struct audit_event *ev,
    struct arena *a, struct msg_thread *th, struct msg_page *pg);

/* The thread's head without opening anything (subject NULL): for checks
 * and page set-up.  ERR_NOTFOUND. */
int msg_thread_meta(const struct msg_env *env, int64_t thread_id,
    int64_t viewer_id, struct arena *a, struct msg_thread *th);

/* The thread a message belongs to.  ERR_NOTFOUND. */
int msg_message_thread(const struct msg_env *env, int64_t message_id,
    int64_t *thread_id);

/*
 * One message's current text for a quote or a correction form (the latest
 * correction's text when it was corrected; its id in *shown_id) opened after
 * an audit entry (R, kind "message").  The viewer must take part.
 */
int msg_text(const struct msg_env *env, int64_t message_id, int64_t viewer_id,
    const struct audit_event *ev, struct arena *a, struct str *text,
    int64_t *shown_id);

/*
 * Download an attachment: its metadata and data (opened into *data, which
 * the caller releases) after an audit entry (R, kind "attachment", detail
 * "download").  The viewer must take part in the trajectory.
 */
int msg_attachment_get(const struct msg_env *env, int64_t attachment_id,
    int64_t viewer_id, const struct audit_event *ev, struct arena *a,
    struct msg_attachment *meta, struct buf *data);

/* --- Read state and drafts --------------------------------------------- */

/* Mark one message read by user_id (idempotent; the first time counts). */
int msg_mark_read(const struct msg_env *env, int64_t message_id,
    int64_t user_id, time_t now);
/*
 * Mark read what a thread page showed viewer_id: the messages of others up
 * to message upto (the newest shown).  msg_thread_view marks nothing (a GET
 * changes nothing); the page posts this when it is seen.  ERR_NOTFOUND,
 * ERR_FORBIDDEN when the viewer takes no part.
 */
int msg_thread_mark_read(const struct msg_env *env, int64_t thread_id,
    int64_t viewer_id, int64_t upto, time_t now);

/*
 * The user's unsent draft of a reply in a thread, sealed.  Saving an empty
 * (or all white space) text deletes it.  ERR_TOOBIG past LIMIT_MESSAGE.
 * A draft is its writer's own words that nobody else sees, so saving and
 * loading it by its writer is not an access to log.  Loading gives "" when
 * there is none.
 */
int msg_draft_save(const struct msg_env *env, int64_t thread_id,
    int64_t user_id, struct str text, time_t now);
int msg_draft_load(const struct msg_env *env, int64_t thread_id,
    int64_t user_id, struct arena *a, struct str *out, int64_t *updated_at);
int msg_draft_delete(const struct msg_env *env, int64_t thread_id,
    int64_t user_id);

/* --- For the writing assistant ----------------------------------------- */

/* One earlier message: when, and whether the client wrote it. */
struct msg_turn {
	time_t at;
	bool from_client;
};

/*
 * What the assistant needs to look at a draft in a thread: the client's
 * last message there (opened, current text; "" when there is none) and the
 * times of the trajectory's messages (newest max of them, oldest first).
 * The opening is logged (R, kind "message", detail "assistant").
 */
int msg_assistant_context(const struct msg_env *env, int64_t thread_id,
    int64_t viewer_id, const struct audit_event *ev, struct arena *a,
    struct str *client_last, struct msg_turn **turns, size_t *nturns,
    size_t max);

/* --- Export ------------------------------------------------------------- */

struct msg_export_thread {
	struct msg_thread th;
	struct msg_message *msgs;   /* oldest first */
	size_t n;
};

struct msg_export {
	int64_t traj_id;
	int64_t client_id;
	int64_t exported_at;
	struct msg_export_thread *threads;  /* oldest first */
	size_t nthreads;
	struct chat_msg *chat;              /* the chat (chat.h), oldest first */
	size_t nchat;
	const char *measures;  /* the client's questionnaires, diary and
	                          moods as a JSON object (client only) */
};

/*
 * The whole conversation of a trajectory, every thread and message with
 * attachment metadata, after one audit entry (E, detail "export", kind
 * "trajectory").  The viewer must take part (a closed trajectory too).
 * ERR_TOOBIG past LIMIT_EXPORT_MESSAGES.  Reads are not marked.
 */
int msg_export(const struct msg_env *env, int64_t traj_id, int64_t viewer_id,
    const struct audit_event *ev, struct arena *a, struct msg_export *out);

/* The export as JSON (format "infuus-conversation-1"), appended to out. */
void msg_export_json(const struct msg_export *x, struct buf *out);

/* --- Search ------------------------------------------------------------- */

struct msg_hit {
	int64_t message_id;
	int64_t thread_id;
	int64_t traj_id;
	int64_t created_at;
	bool from_client;
	const char *author_name;
	const char *subject;        /* the thread's, opened */
	const char *excerpt;        /* plain text around the first hit */
};

/*
 * Search the messages user_id may see in org_id for query: all its words
 * (normalised as the index, at most LIMIT_SEARCH_WORDS) must occur.  Only
 * messages of trajectories the user takes part in are considered, and of
 * those only the ones may_read(arg, trajectory id) allows (the caller's
 * authz_check).  Newest first, at most LIMIT_SEARCH_RESULTS.  Before any
 * text is opened the search is logged: one entry per trajectory whose
 * candidates are opened (R, detail "search", kind "trajectory", its
 * client), or one without object
 * when nothing was found; the query itself is never logged.
 * ERR_INVAL for a query without words or over LIMIT_SEARCH_QUERY bytes.
 */
int msg_search(const struct msg_env *env, int64_t org_id, int64_t user_id,
    const char *query, bool (*may_read)(void *arg, int64_t traj_id),
    void *arg, const struct audit_event *ev, struct arena *a,
    struct msg_hit **out, size_t *n);

#endif
