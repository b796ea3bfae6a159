/*
 * identity.h - organisations, users, memberships, invitations, password
 * resets and log-in (with throttling and two factors).
 *
 * All writes go through db_write (group commit); all functions that change
 * something take the struct db, those that only read take a read connection
 * or the db.  E-mail addresses are compared case-insensitively (stored lower
 * case).  Tokens (invitation, reset) are random, sent once, and only their
 * SHA-256 is stored.
 *
 * Error texts for log-in never reveal whether an account exists: an unknown
 * address, a wrong password and a disabled account all give ERR_LOGIN, and
 * an unknown address still costs one argon2id verification so the timing
 * does not tell either.
 *
 * Tables (store/README): orgs (org.c), users (user.c), memberships
 * (member.c), sessions (session.c), invites (invite.c), password_resets
 * (reset.c), recovery_codes (twofa.c), login_attempts (throttle.c).
 * Other modules reach them only through this header, session.h and
 * role.h.
 */
#ifndef INFUUS_IDENTITY_H
#define INFUUS_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "identity/role.h"

struct db;
struct db_conn;
struct keyring;

struct org {
	int64_t id;
	const char *name;
	const char *slug;      /* URL-safe, unique */
	const char *tz;        /* IANA zone, e.g. "Europe/Amsterdam" */
	bool require_2fa;
	int64_t created_at;
};

struct user {
	int64_t id;
	const char *email;
	const char *name;
	const char *lang;      /* "nl" or "en" */
	bool totp_enabled;
	bool disabled;
	int64_t created_at;
};

struct membership {
	int64_t user_id;
	int64_t org_id;
	enum role role;
	const char *user_name;   /* joined for lists */
	const char *user_email;
	const char *org_name;
};

/* --- organisations ------------------------------------------------------ */

/* Creates the organisation and its data key (keyring) in one job. */
int org_create(struct db *db, struct keyring *kr, const char *name,
    const char *slug, const char *tz, int64_t *id);
int org_get(struct db *db, int64_t id, struct arena *a, struct org *out);
int org_by_slug(struct db *db, const char *slug, struct arena *a, struct org *out);
int org_set_require_2fa(struct db *db, int64_t org_id, bool on);
/* How many organisations there are (0 on a fresh installation). */
int org_count(struct db *db, int64_t *n);

/* --- users and memberships ---------------------------------------------- */

/* Password rules: LIMIT_PASSWORD_MIN..MAX bytes; ERR_INVAL, and in why
 * (core/err.h; may be NULL) the reason for the form's "password" field. */
struct why;
int user_password_ok(const char *pw, size_t len, struct why *why);
/* user_password_ok, and not the account's own e-mail address (compared
 * trimmed and without regard to case; email NULL skips that rule).  Every
 * way a password is set (account creation, invitation, reset, change)
 * applies it. */
int user_password_ok_for(const char *pw, size_t len, const char *email,
    struct why *why);
int user_create(struct db *db, const char *email, const char *name,
    const char *password, const char *lang, int64_t *id);
int user_get(struct db *db, int64_t id, struct arena *a, struct user *out);
int user_by_email(struct db *db, const char *email, struct arena *a,
    struct user *out);
/*
 * The accounts of ids[0..n) on a connection the caller holds, in one batch
 * (a statement per 100 distinct ids, not one per row): out[i] for ids[i], an id may
 * repeat; an id without an account gives id 0 and "" for its texts.  For
 * modules that list rows of their own tables by a person and show names
 * (authors, clients, the outbox's addresses).  Strings in a.
 */
int users_on(struct db_conn *c, const int64_t *ids, size_t n, struct arena *a,
    struct user *out);
/* users_on's names only: names[i] for ids[i] ("" when the account is
 * gone). */
int user_names_on(struct db_conn *c, const int64_t *ids, size_t n,
    struct arena *a, const char **names);
/* Sets the password (user_password_ok_for: ERR_INVAL with the reason in
 * why, which may be NULL) and ends every other session of the user in the
 * same job, keeping keep_session (0: keep none). */
int user_set_password(struct db *db, int64_t user_id, const char *password,
    int64_t keep_session, struct why *why);
/* Check the current password (for re-authentication and settings).
 * ERR_LOGIN when wrong (or the account is disabled), ERR_NOTFOUND for no
 * such user; throttled with log-in's account rules (ERR_THROTTLED). */
int user_check_password(struct db *db, int64_t user_id, const char *password);
/* A person's display name: 1..LIMIT_FIELD_SHORT bytes of UTF-8, not
 * blank, no control characters, and none of the invisible or
 * direction-changing format characters (U+202A-U+202E, U+2066-U+2069,
 * zero-width spaces, ...) that let a name pass for another.  ERR_INVAL
 * with the reason for the form's "name" field in why (may be NULL). */
int user_name_ok(const char *name, struct why *why);
/* name or lang may be NULL to keep the current value.  ERR_INVAL for a
 * name user_name_ok refuses or a language other than "nl" and "en" (field
 * "lang"); ERR_CONFLICT when another member of one of the user's
 * organisations already has a name that reads the same (field "name").
 * why (may be NULL) says which and why. */
int user_set_profile(struct db *db, int64_t user_id, const char *name,
    const char *lang, struct why *why);
/* Disable (or enable again) an account.  Disabling ends every session of
 * the user in the same job; a disabled account cannot log in (ERR_LOGIN,
 * like a wrong password) and its sessions are not found (ERR_AUTH). */
int user_set_disabled(struct db *db, int64_t user_id, bool disabled);

/* ERR_INVAL for a role that is not exactly one role; ERR_CONFLICT when the
 * user is already a member (or the organisation or user does not exist). */
int member_add(struct db *db, int64_t org_id, int64_t user_id, enum role role);
/* ERR_NOTFOUND when the user is not a member; ERR_CONFLICT when it would
 * demote or remove the organisation's last administrator; ERR_INVAL for
 * no role.  why (may be NULL) says so for the form's "role" field. */
int member_set_role(struct db *db, int64_t org_id, int64_t user_id,
    enum role role, struct why *why);
int member_remove(struct db *db, int64_t org_id, int64_t user_id);
/* ERR_NOTFOUND when the user is not a member. */
int member_role(struct db *db, int64_t org_id, int64_t user_id, enum role *out);
/* member_role on a connection the caller holds (a read or a write job). */
int member_role_on(struct db_conn *c, int64_t org_id, int64_t user_id,
    enum role *out);
int member_list(struct db *db, int64_t org_id, struct arena *a,
    struct membership **out, size_t *n);
/* The organisations a user belongs to (with their role in each). */
int member_orgs(struct db *db, int64_t user_id, struct arena *a,
    struct membership **out, size_t *n);

/* --- invitations -------------------------------------------------------- */

/* A single-use invitation; *token (the secret for the link) is written to
 * the caller's buffer and never stored.  ERR_INVAL for an address that is
 * not one (field "email") or no role (field "role"), said in why (may be
 * NULL). */
int invite_create(struct db *db, int64_t org_id, const char *email,
    enum role role, int64_t invited_by, struct buf *token,
    struct why *why);
struct invite {
	int64_t id;
	int64_t org_id;
	const char *org_name;
	const char *email;
	enum role role;
	int64_t expires_at;
	bool account_exists; /* an account with this e-mail already exists */
};
/* ERR_GONE when used or expired, ERR_NOTFOUND when unknown. */
int invite_lookup(struct db *db, const char *token, time_t now,
    struct arena *a, struct invite *out);
/* Accept: creates the account (name, password) or, when it exists, checks
 * the password of that account; adds the membership; marks the invitation
 * used -- all in one job.  *user_id gets the account.  For a new account,
 * ERR_CONFLICT when a member of the organisation has a name that reads the
 * same.  why (may be NULL) gets the reason for the form's "name" or
 * "password" field when they are refused (ERR_INVAL, ERR_CONFLICT). */
int invite_accept(struct db *db, const char *token, const char *name,
    const char *password, const char *lang, time_t now, int64_t *user_id,
    struct why *why);

/* --- password reset ----------------------------------------------------- */

/* When the address belongs to an account, makes a token and fills *token
 * (non-empty); otherwise leaves it empty and still returns 0, so callers
 * answer the same either way. */
int reset_request(struct db *db, const char *email, time_t now,
    struct buf *token, int64_t *user_id);
/* Is the link still good?  0, ERR_GONE (used or expired) or ERR_NOTFOUND;
 * for showing the form, or a "link expired" page, before a password is
 * typed. */
int reset_lookup(struct db *db, const char *token, time_t now);
/* Sets the new password, marks the token used (and the user's other reset
 * links), ends every session of the user and clears the account's log-in
 * failures.  ERR_GONE when used or expired, ERR_NOTFOUND when unknown,
 * ERR_INVAL when the password is refused (the link stays usable; the
 * reason in why, which may be NULL). */
int reset_complete(struct db *db, const char *token, const char *password,
    time_t now, int64_t *user_id, struct why *why);

/* --- log-in --------------------------------------------------------------- */

struct login_result {
	int64_t user_id;
	bool needs_totp;     /* two factors enabled: ask for a code next */
	int delay_ms;        /* how long the caller must wait before answering */
};
/*
 * Check e-mail and password with throttling: per account at most
 * LIMIT_LOGIN_FAILS_HOUR failures an hour, and a growing delay after
 * LIMIT_LOGIN_FREE_FAILS; per address LIMIT_LOGIN_FAILS_ADDR_HOUR.
 * ERR_LOGIN (generic) or ERR_THROTTLED; *out->delay_ms is set in both
 * the success and failure cases.
 *
 * delay_ms: with ERR_LOGIN, the wait owed before the next attempt (0 for
 * the first LIMIT_LOGIN_FREE_FAILS - 1 failures, then 250 ms doubling up to
 * 30 s): the caller sleeps that long before answering, or answers at once
 * with it as a hint.  With ERR_THROTTLED, the attempt came too early (or
 * over an hourly limit) and was not checked: answer 429 with Retry-After
 * = ceil(delay_ms / 1000).  0 on success.  The rule is enforced here, in
 * the database, so parallel requests and several nodes cannot bypass it.
 */
int login_password(struct db *db, const char *email, const char *password,
    const char *addr, time_t now, struct login_result *out);

/* --- two factors ---------------------------------------------------------- */

/* Start set-up: a new secret, sealed with the keyring's system key and kept
 * pending until confirmed; *uri gets the otpauth:// URI, *secret_b32 the
 * secret for manual entry.  Without fresh, a secret already pending is
 * handed back unchanged (nothing is written), so showing the set-up page
 * again does not break a set-up in progress; fresh replaces it (the
 * person asked to start over).  ERR_CONFLICT when two factors are on. */
int twofa_begin(struct db *db, struct keyring *kr, int64_t user_id,
    bool fresh, struct buf *uri, struct buf *secret_b32);
/* Confirm with a first code; enables two factors and fills codes[] with
 * LIMIT_RECOVERY_CODES single-use recovery codes (shown once). */
int twofa_confirm(struct db *db, struct keyring *kr, int64_t user_id,
    const char *code, time_t now, struct buf codes[]);
/* Check a TOTP code (each accepted once) or a recovery code (each usable
 * once).  ERR_TOTP when wrong; throttled like passwords. */
int twofa_verify(struct db *db, struct keyring *kr, int64_t user_id,
    const char *code, const char *addr, time_t now);
/* twofa_verify that also hands back the delay (as login_result.delay_ms:
 * the wait owed after ERR_TOTP, the time left with ERR_THROTTLED). */
int twofa_check(struct db *db, struct keyring *kr, int64_t user_id,
    const char *code, const char *addr, time_t now, int *delay_ms);
/* Recovery codes not yet used (to warn when few are left). */
int twofa_recovery_left(struct db *db, int64_t user_id, int *n);
int twofa_disable(struct db *db, int64_t user_id);

#endif
