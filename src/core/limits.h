/*
 * limits.h - every limit Infuus enforces, in one place, with its reason.
 *
 * A limit is there so hostile or broken input is refused with a clear error
 * long before it costs real memory or time.  Limits before log-in are tighter
 * than after: an anonymous caller has given us no reason to trust them.
 */
#ifndef INFUUS_LIMITS_H
#define INFUUS_LIMITS_H

/* --- HTTP transport ----------------------------------------------------- */

/* Memory libmicrohttpd may use per connection for the request line and
 * headers.  DESIGN.md asks for 8-16 KiB; 16 KiB fits long cookie headers. */
#define LIMIT_CONN_MEMORY (16 * 1024)
/* A URL path longer than this is no path of ours. */
#define LIMIT_PATH 2048
/* Path segments; our deepest route has 6. */
#define LIMIT_PATH_SEGMENTS 16
/* Connections at once for the whole server; above it MHD refuses new ones. */
#define LIMIT_CONNECTIONS 4096
/* Connections from one address at once. */
#define LIMIT_CONNECTIONS_PER_IP 512
/* Idle seconds before a connection is closed. */
#define LIMIT_CONN_TIMEOUT 30
/* Seconds a graceful shutdown waits for requests in flight. */
#define LIMIT_SHUTDOWN_GRACE 10

/* --- Request bodies, by route class ------------------------------------- */

/* Forms before log-in (log-in, reset, invitation): a few short fields. */
#define LIMIT_BODY_ANON (8 * 1024)
/* Ordinary forms and JSON calls after log-in. */
#define LIMIT_BODY_FORM (256 * 1024)
/* Uploads (message attachments). */
#define LIMIT_BODY_UPLOAD (12 * 1024 * 1024)
/* One attachment; the upload body also carries the form around it. */
#define LIMIT_ATTACHMENT (10 * 1024 * 1024)
/* Form fields (urlencoded or multipart parts) in one request. */
#define LIMIT_FORM_FIELDS 64
/* Query-string parameters. */
#define LIMIT_QUERY_PARAMS 32
/* Cookies in one Cookie header. */
#define LIMIT_COOKIES 32
/* JSON nesting depth accepted from a client. */
#define LIMIT_JSON_DEPTH 16
/* Length of a single text field (names, titles, e-mail addresses). */
#define LIMIT_FIELD_SHORT 320
/* Length of a message body, in bytes (about 25 pages of text). */
#define LIMIT_MESSAGE (64 * 1024)

/* --- Identity ----------------------------------------------------------- */

#define LIMIT_PASSWORD_MIN 12
/* argon2id cost grows with length; nobody types more than this. */
#define LIMIT_PASSWORD_MAX 256
/* Failed log-ins per account per hour before the account is locked for
 * the rest of the hour; the growing delay starts much earlier. */
#define LIMIT_LOGIN_FAILS_HOUR 100
/* Failed log-ins after which each next attempt is delayed. */
#define LIMIT_LOGIN_FREE_FAILS 5
/* Failed log-ins from one address per hour (all accounts together). */
#define LIMIT_LOGIN_FAILS_ADDR_HOUR 300
/* Seconds a session may be idle before re-authentication (default). */
#define LIMIT_SESSION_IDLE (30 * 60)
/* Seconds a session may live in all (default). */
#define LIMIT_SESSION_ABSOLUTE (12 * 60 * 60)
/* Seconds an invitation link stays valid. */
#define LIMIT_INVITE_TTL (7 * 24 * 60 * 60)
/* Seconds a password-reset link stays valid. */
#define LIMIT_RESET_TTL (60 * 60)
/* Recovery codes handed out when two factors are set up. */
#define LIMIT_RECOVERY_CODES 10

/* --- Live connections --------------------------------------------------- */

#define LIMIT_SSE_PER_USER 8
#define LIMIT_SSE_HEARTBEAT 15

/* --- Store -------------------------------------------------------------- */

/* Milliseconds SQLite waits on a lock before the request gets a 503. */
#define LIMIT_DB_BUSY_MS 5000
/* Write jobs folded into one group-commit transaction at most. */
#define LIMIT_GROUP_COMMIT 512
/* PostgreSQL connections per node. */
#define LIMIT_PG_POOL 16

#endif
