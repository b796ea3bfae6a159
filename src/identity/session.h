/*
 * session.h - server-side sessions.
 *
 * The browser holds a random token in an HttpOnly cookie; the database holds
 * only its SHA-256, so a copy of the database cannot be used to log in.  A
 * session knows its user, the organisation the user is working in, the
 * user's role there, whether two factors were passed, and a CSRF token.
 * A new session (new token) is made at every log-in.  A session ends after
 * idle_secs without use or absolute_secs in all (configurable; defaults in
 * limits.h); last_seen is written at most once a minute so reading a page
 * does not cost a write.
 *
 * Tables: sessions (identity's; see identity.h).
 */
#ifndef INFUUS_SESSION_H
#define INFUUS_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"
#include "identity/role.h"

struct db;

/* last_seen is written when it is at least this many seconds old. */
#define SESSION_TOUCH_SECS 60

struct session {
	int64_t id;
	int64_t user_id;
	int64_t org_id;         /* 0 until an organisation is chosen */
	enum role role;         /* the user's role in org_id (0 if none) */
	bool twofa_passed;      /* a second factor was verified in this session */
	bool twofa_pending;     /* password done, code still to give: the
	                           session may only reach the code page */
	int64_t created_at;
	int64_t last_seen;
	char csrf[48];          /* NUL-terminated token for forms and API calls */
	char lang[8];           /* the user's language */
	char user_name[128];
};

struct session_policy {
	int idle_secs;
	int absolute_secs;
};

/* A new session; *token gets the cookie value (shown once, never stored).
 * A user keeps at most LIMIT_SESSIONS_PER_USER sessions: the oldest end
 * in the same job.  ERR_NOTFOUND when the user does not exist, is disabled, or is not a
 * member of org_id (0: none chosen yet).  addr and user_agent may be NULL. */
int session_create(struct db *db, int64_t user_id, int64_t org_id,
    bool twofa_passed, bool twofa_pending, const char *addr,
    const char *user_agent, time_t now, struct buf *token,
    struct session *out);
/* session_create with a cap of max_per_user sessions (0: the limit of
 * limits.h), as configured for the server (sessions_per_user). */
int session_create_capped(struct db *db, int max_per_user, int64_t user_id, int64_t org_id, bool twofa_passed, bool twofa_pending,
    const char *addr, const char *user_agent, time_t now, struct buf *token,
    struct session *out);
/* Look up by cookie token: ERR_AUTH when unknown (or the account is
 * disabled), ERR_REAUTH when idle or too old, or waiting for its second
 * factor longer than LIMIT_SESSION_2FA_PENDING (the row is deleted).
 * Touches last_seen when older than 60 s.  pol NULL: limits.h defaults.
 * The role is read from the membership on every call, so a changed or
 * removed membership counts at once (role 0 when there is none). */
int session_lookup(struct db *db, const struct session_policy *pol,
    const char *token, time_t now, struct session *out);
/* Mark two factors passed (after the code) and choose an organisation.
 * Both: ERR_NOTFOUND when the session is gone or the user is not a member
 * of org_id (0 means no organisation). */
int session_promote(struct db *db, int64_t session_id, int64_t org_id);
int session_set_org(struct db *db, int64_t session_id, int64_t org_id);
/*
 * A new cookie token (and CSRF token) for the session s, in place: the old
 * token stops working at once.  *token gets the new cookie value; s->csrf
 * is updated.  Run it whenever the session gains privilege or its owner
 * proves who they are again (the second factor, a password change), so a
 * token seen before is worthless after.  ERR_NOTFOUND when the session is
 * gone.  session_promote_rotate is session_promote and this in one job.
 */
int session_rotate(struct db *db, struct session *s, struct buf *token);
int session_promote_rotate(struct db *db, struct session *s, int64_t org_id,
    struct buf *token);
int session_destroy(struct db *db, int64_t session_id);
/* Every session of the user but keep_id (after a password change). */
int session_destroy_others(struct db *db, int64_t user_id, int64_t keep_id);
/* "Log out everywhere": every session of the user. */
int session_destroy_user(struct db *db, int64_t user_id);
/* Delete the sessions that expired (idle or absolute); run it now and then.
 * pol NULL means the defaults of limits.h; *purged (may be NULL) gets the
 * number of rows removed. */
int session_purge(struct db *db, const struct session_policy *pol,
    time_t now, int64_t *purged);
/*
 * A cache of looked-up sessions in front of session_lookup, so a request
 * costs no database read in the common case.  It is exact, not merely
 * recent: an entry is used only while db_generation() is unchanged since it
 * was read, so any committed write (a log-out, a role change, a disabled
 * account, a touch) empties it.  That generation sees only this process's
 * writes, so the cache switches itself off on PostgreSQL, where other
 * nodes write too.  Expiry and the once-a-minute touch still go through
 * session_lookup.
 */
struct session_cache;
void session_cache_new(struct db *db, struct session_cache **out);
void session_cache_free(struct session_cache *sc);
int session_lookup_cached(struct session_cache *sc, struct db *db,
    const struct session_policy *pol, const char *token, time_t now,
    struct session *out);

/* Constant-time check of a submitted CSRF token. */
bool session_csrf_ok(const struct session *s, const char *submitted);

#endif
