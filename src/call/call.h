/*
 * call.h - video and voice calls of a trajectory (issue 10): browser
 * calls (WebRTC) between a client and their professionals, at most
 * LIMIT_CALL_PARTICIPANTS people, with a waiting room, signalled over the
 * live events (event.h); turn.c makes the TURN credentials.
 *
 * What the server does and does not do: it keeps who is in a call and in
 * which state (waiting, in, left), and passes the browsers' signalling
 * (SDP offers and answers, ICE candidates) from one participant to
 * another as events of kind "call_sig" addressed to the receiver alone
 * (event_publish's only_user).  Media go from browser to browser (or
 * through a TURN relay, encrypted end to end by DTLS-SRTP): never through
 * this server, and nothing is recorded.  Signalling is not logged: it is
 * the call's content's wrapping, not a fact about the care.
 *
 * The waiting room: a professional of the trajectory who joins is in at
 * once; a client who joins waits until a professional who is in admits
 * them.  Only those who take part in the trajectory join (the route table
 * checked the call's trajectory, and the job checks again), so a link to
 * a call grants nothing.  Someone waiting gets no TURN credentials and
 * neither sends nor receives signalling.
 *
 * Liveness: a participant's page beats every LIMIT_CALL_BEAT seconds
 * and, when it goes away, sends a leave (call_unload);
 * one not heard of for LIMIT_CALL_TIMEOUT seconds has left (at the time
 * last heard of), found by the next beat, join or look at the call.  The
 * call ends when nobody is in it or waiting any more, or when no
 * professional is in it any more after one was (a client can let nobody
 * in, and a call's time is care time): its last professional left,
 * vanished (as of when last heard of), or closed their page and did not
 * come back within LIMIT_CALL_RESUME; or when a professional ends it for
 * everyone.
 *
 * Accounting: the start, each join, admission and departure and the end
 * are in the access log (kind "call").  At the end each participant's
 * time in the call is recorded as an activity of kind "call" (source: the
 * call), recorded by whoever ended it.
 *
 * Events (trajectory scope, ids and states only): "call" {"call":id,
 * "user":uid,"state":"waiting"|"in"|"left"|"ended"} to everyone in the
 * trajectory; "call_sig" {"call":id,"from":uid,"type":..,"data":{..}} to
 * its receiver alone.
 *
 * Beyond four participants: Janus.  A mesh of browsers sends each stream
 * to every other participant, which beyond four people is more upload
 * than a home connection has.  A group session would put the Janus
 * gateway (Debian package janus, C, its VideoRoom plugin) behind the same
 * signalling: the call gets a media field ("mesh" or "sfu"); for "sfu"
 * each browser sends one offer, addressed not to a participant but to the
 * server (to = 0), and the server (a small janus.c in this module, over
 * Janus's HTTP or Unix-socket API with its admin secret from the
 * settings) creates the room when the call starts, joins the participant
 * as a publisher when they are admitted (a Janus room token per
 * participant, so a participant cannot reach Janus without the server),
 * and hands Janus's answer and its offers for the others' streams back as
 * the same "call_sig" events (from = 0).  The waiting room, the access
 * log, the heartbeats and the accounting stay exactly as they are; Janus
 * only forwards encrypted packets and records nothing (its recording
 * switched off in the room's settings).  Leaving or a timeout kicks the
 * participant from the room; ending destroys it.
 *
 * Tables: calls, call_parts (call.c).
 */
#ifndef INFUUS_CALL_H
#define INFUUS_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

struct db;
struct db_conn;
struct event_bus;
struct audit_event;

struct call_env {
	struct db *db;
	struct event_bus *bus;  /* NULL: nothing live */
};

enum call_state { CALL_NONE, CALL_WAITING, CALL_IN, CALL_LEFT };
const char *call_state_name(enum call_state s);

struct call_part {
	int64_t user_id;
	const char *name;
	bool professional;
	enum call_state state;
	int64_t joined_at;
	int64_t since;          /* entered the call last (0: never) */
	int64_t seconds;        /* time in the call before `since` */
};

struct call {
	int64_t id;
	int64_t traj_id;
	bool video;             /* false: voice only */
	int64_t started_by;
	int64_t started_at;
	int64_t ended_at;       /* 0: open */
	struct call_part *parts;
	size_t nparts;
};

/* The trajectory of call id (for authz).  ERR_NOTFOUND if none. */
int call_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id);

/* The open call of traj_id (0: none). */
int call_open_of(struct db *db, int64_t traj_id, int64_t *id);

/*
 * Start a call in traj_id (by someone taking part; not in a closed
 * trajectory), or find the one that is open: *id.  *started says which.
 */
int call_start(const struct call_env *env, int64_t traj_id, int64_t by,
    bool video, int64_t now, const struct audit_event *ev, int64_t *id,
    bool *started);

/*
 * Join call id: a professional is in at once, a client waits.  Joining
 * again (after a reload) keeps the state one has; after leaving one
 * joins anew.  ERR_GONE when the call has ended, ERR_THROTTLED when
 * LIMIT_CALL_PARTICIPANTS are in or waiting (why says so), ERR_FORBIDDEN
 * for someone without a part in the trajectory.  *state: the result.
 */
int call_join(const struct call_env *env, int64_t id, int64_t user, int64_t now,
    const struct audit_event *ev, struct why *why, enum call_state *state);

/* A professional who is in admits user, who is waiting.  ERR_CONFLICT
 * when user is not waiting, ERR_FORBIDDEN when by is no professional in
 * the call. */
int call_admit(const struct call_env *env, int64_t id, int64_t by,
    int64_t user, int64_t now, const struct audit_event *ev,
    struct why *why);

/* user leaves call id (or stops waiting); the call ends with its last
 * participant.  ERR_CONFLICT when user is not in it. */
int call_leave(const struct call_env *env, int64_t id, int64_t user,
    int64_t now, const struct audit_event *ev);

/*
 * user's call page went away (closed, or navigated elsewhere: its leave
 * beacon): user leaves as with call_leave (the same errors; logged
 * "leave-unload"), and someone who was in and joins again within
 * LIMIT_CALL_RESUME seconds (the same page reloaded: a reload sends the
 * beacon too) is in again at once, without the waiting room (logged
 * "resume").
 */
int call_unload(const struct call_env *env, int64_t id, int64_t user,
    int64_t now, const struct audit_event *ev);

/* A professional of the trajectory ends the call for everyone.
 * ERR_GONE when it has ended already. */
int call_end(const struct call_env *env, int64_t id, int64_t by,
    int64_t now, const struct audit_event *ev);

/* user's page is still there.  Also ends the part of whoever has not
 * beaten for LIMIT_CALL_TIMEOUT.  ERR_GONE when the call ended or user
 * is no longer in or waiting (the page then says so). */
int call_beat(const struct call_env *env, int64_t id, int64_t user,
    int64_t now, const struct audit_event *ev, enum call_state *state);

/*
 * Pass signalling from `from` to `to` in call id: type "offer",
 * "answer" or "ice", data one JSON object of at most LIMIT_CALL_SIGNAL
 * bytes (as sent).  Both must be in the call (not waiting):
 * ERR_FORBIDDEN otherwise, ERR_INVAL / ERR_TOOBIG for what is malformed
 * or too large (why says which).  Nothing is stored or logged.
 */
int call_signal(const struct call_env *env, int64_t id, int64_t from,
    int64_t to, const char *type, const char *data, size_t len,
    int64_t now, struct why *why);

/* Call id as of now (timeouts applied when looking), with its
 * participants and their names, in a.  ev: an access-log template for
 * the timeouts found (may be NULL: then they are left to the next
 * beat). */
int call_get(const struct call_env *env, int64_t id, int64_t now,
    const struct audit_event *ev, struct arena *a, struct call *out);

/* The part of user in c (NULL: none). */
const struct call_part *call_part_of(const struct call *c, int64_t user);

/* --- TURN credentials (turn.c) ------------------------------------------ */

/*
 * The shared-secret TURN REST scheme (coturn's use-auth-secret):
 * username "<expiry>:<user_id>" with expiry = now + ttl, password the
 * base64 of HMAC-SHA1(secret, username).  user and pass are
 * NUL-terminated; user at least 48 bytes, pass at least 32.
 */
void call_turn_credentials(const char *secret, int64_t user_id, int64_t now,
    int64_t ttl, char *user, size_t ulen, char *pass, size_t plen);

/* SHA-1 and HMAC-SHA1 (RFC 3174, RFC 2104), for the credentials: not for
 * anything else (SHA-1 is what the TURN scheme prescribes). */
void call_sha1(const void *p, size_t len, unsigned char out[20]);
void call_hmac_sha1(const void *key, size_t klen, const void *p, size_t len,
    unsigned char out[20]);

#endif
