/*
 * chat.h - chat inside a trajectory, between the client and their
 * professionals, and the hourglass both sides see (hourglass.c).
 *
 * Like written messages (message.h): the text is sealed with the
 * organisation's key, findable by the same keyed filter (search.h), every
 * read is in the access log before it is shown and every write in its
 * write job.  Live: each post, typing hint, presence change and session
 * start or end is an event of the trajectory (event.h) that names ids
 * only; a page fetches a new message through GET /chat/:cid.
 *
 * A chat session has a start and an end.  The first message when none is
 * open starts one; a professional ends it (or starts the next one, which
 * ends the last after LIMIT_CHAT_IDLE).  Ending records its duration (for
 * the professional who ends it) and each participant's active minutes
 * (minutes in which they wrote or typed) as activities (activity.h).
 *
 * Either side may propose a phone or video call from the chat: a message
 * of kind call_phone or call_video (the call itself comes with the calls
 * of issue 10; its signalling will be events of kind "call").
 *
 * Access: the route table checks the trajectory or the chat message
 * (authz, AUTHZ_CHAT) before a handler calls these; the functions check
 * again what belongs to the relation (taking part, a closed trajectory
 * takes nothing new, ending a session is for professionals).
 *
 * Tables: chat_sessions, chat_messages, chat_reads, chat_active,
 * chat_presence_off (chat.c); hourglasses (hourglass.c).
 */
#ifndef INFUUS_CHAT_H
#define INFUUS_CHAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

struct db;
struct db_conn;
struct keyring;
struct event_bus;
struct audit_event;

struct chat_env {
	struct db *db;
	struct keyring *kr;
	struct event_bus *bus;  /* NULL: nothing live */
};

enum chat_kind { CHAT_TEXT, CHAT_CALL_PHONE, CHAT_CALL_VIDEO };
const char *chat_kind_name(enum chat_kind k);  /* "text", "call_phone", .. */
/* 0 and *out, or ERR_INVAL. */
int chat_kind_parse(const char *s, enum chat_kind *out);

struct chat_msg {
	int64_t id;
	int64_t traj_id;
	int64_t session_id;     /* 0: none */
	int64_t author_id;
	const char *author_name;
	bool from_client;
	enum chat_kind kind;
	const char *body;       /* opened; "" for a call proposal */
	size_t len;
	int64_t created_at;
};

/* The trajectory of chat message id (for authz). ERR_NOTFOUND if none. */
int chat_msg_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id);

/*
 * Post a chat message of author_id in traj_id: text (1..LIMIT_CHAT_MESSAGE
 * bytes of UTF-8, why says what is wrong) or a call proposal (no text).
 * Starts a session when none is open.  *id the new message.
 */
int chat_post(const struct chat_env *env, int64_t traj_id, int64_t author_id,
    enum chat_kind kind, struct str body, int64_t now,
    const struct audit_event *ev, struct why *why, int64_t *id);

/* A window of the chat, newest LIMIT_CHAT_PAGE before message `before`
 * (0: the newest), oldest first; more says older ones exist (next_before
 * is the cursor for them).  One access-log read; the newest page marks
 * the chat read for viewer.  A cursor that is not a message of this
 * chat: ERR_NOTFOUND. */
struct chat_page {
	struct chat_msg *msgs;
	size_t n;
	bool more;
	int64_t next_before;
	int64_t session_id;     /* the open session, 0: none */
	int64_t session_start;
};
int chat_page(const struct chat_env *env, int64_t traj_id, int64_t viewer,
    int64_t before, const struct audit_event *ev, struct arena *a,
    struct chat_page *out);

/* One message (the route checked it is of a trajectory viewer takes part
 * in), logged, and marked read up to it. */
int chat_get(const struct chat_env *env, int64_t id, int64_t viewer,
    const struct audit_event *ev, struct arena *a, struct chat_msg *out);

/* Chat messages of others in traj_id that user_id has not seen. */
int chat_unread(struct db *db, int64_t traj_id, int64_t user_id,
    int64_t *n);

/* "I am typing": counts as an active minute of the open session and tells
 * the others (not the typist's own text).  No session: nothing kept. */
int chat_typing(const struct chat_env *env, int64_t traj_id,
    int64_t user_id, int64_t now);
/* Presence: "online" or "away" to the others in traj_id, unless user_id
 * switched presence off (then nothing is said). */
int chat_presence(const struct chat_env *env, int64_t traj_id,
    int64_t user_id, const char *state);
int chat_presence_set(struct db *db, int64_t user_id, bool shown);
int chat_presence_shown(struct db *db, int64_t user_id, bool *shown);

/* End the open session of traj_id (by a professional of it), recording
 * its activities.  ERR_NOTFOUND when none is open. */
int chat_session_end(const struct chat_env *env, int64_t traj_id,
    int64_t by, int64_t now, const struct audit_event *ev);

/* The chat of traj_id for an export, read on c (the export's snapshot),
 * oldest first, at most LIMIT_CHAT_EXPORT; and as JSON (an array). */
int chat_export_on(struct db_conn *c, struct keyring *kr, int64_t org_id,
    int64_t traj_id, struct arena *a, struct chat_msg **out, size_t *n);
struct json_t;
struct json_t *chat_export_json(const struct chat_msg *m, size_t n);

/* Chat messages of traj_id holding every word of query (newest first, at
 * most LIMIT_SEARCH_RESULTS), through the keyed filter then opened to be
 * sure; one access-log entry. */
int chat_search(const struct chat_env *env, int64_t traj_id, int64_t viewer,
    struct str query, const struct audit_event *ev, struct arena *a,
    struct chat_msg **out, size_t *n);

/* The same over every trajectory viewer takes part in within org_id (the
 * global search): newest first, at most LIMIT_SEARCH_RESULTS, the
 * filters of at most LIMIT_SEARCH_SCAN messages tested.  A trajectory
 * whose filters hold a candidate is checked with may_read (NULL: all)
 * and logged (R, kind "chat", detail "search") before any text of it is
 * opened; one without candidates is neither.  No words: nothing. */
int chat_search_all(const struct chat_env *env, int64_t org_id,
    int64_t viewer, struct str query,
    bool (*may_read)(void *arg, int64_t traj_id), void *arg,
    const struct audit_event *ev, struct arena *a, struct chat_msg **out,
    size_t *n);

/* --- the hourglass (hourglass.c) -------------------------------------- */

enum hourglass_state { HG_NONE, HG_RUNNING, HG_PAUSED, HG_STOPPED };

struct hourglass {
	int64_t id;
	enum hourglass_state state;
	int64_t budget;         /* seconds */
	int64_t used;           /* seconds, up to now */
	int64_t started_at;
	int64_t activity_id;    /* when stopped: its recorded time */
};

/* The newest hourglass of traj_id as of now (HG_NONE: never one). */
int hourglass_get(struct db *db, int64_t traj_id, int64_t now,
    struct hourglass *out);
/* The professional's actions: "start" (minutes: the budget,
 * 1..LIMIT_HOURGLASS_MINUTES), "pause", "resume", "stop".  Stopping
 * records the used minutes as an activity.  ERR_CONFLICT for an action
 * the state does not allow (why says which). */
int hourglass_act(const struct chat_env *env, int64_t traj_id, int64_t by,
    const char *action, int64_t minutes, int64_t now,
    const struct audit_event *ev, struct why *why, struct hourglass *out);

#endif
