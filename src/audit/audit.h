/*
 * audit.h - the access log (NEN 7513 style): who did what with which
 * client's data, when, from where, why, and with what outcome.
 *
 * Every create, read, update, delete, search and export of a client's data
 * is one entry.  An entry holds the FACT of an access, never the data: the
 * event below has no field that can carry content.  Its text fields are
 * either codes (role, purpose, kind, detail: [a-z0-9][a-z0-9_.-]*, at most
 * LIMIT_AUDIT_CODE bytes; anything else, such as a sentence or a search
 * query, is refused with ERR_INVAL) or access-point metadata (address,
 * device, node: printable ASCII, truncated).  Objects are named by id.
 *
 * Actions are NEN 7513's codes:
 *   C create, R read, U update, D delete, E execute.
 * A search is R with detail "search" (it reads what it finds; the query
 * itself is not logged); an export is E with detail "export" (the code
 * NEN 7513 and IHE ATNA use for functions that disclose data in bulk).
 * Other useful details: "list", "print", "download", "login-as".
 *
 * Besides accesses to a client's data the log holds refusals (outcome
 * "denied": who tried what, kind "route" or the object's kind, detail the
 * refusal: "forbidden", "not-found", "unauthenticated", "csrf") and
 * security events (kind "session", "account", "member", "invite" or
 * "organisation", detail the event: "login-failed", "role-change", ...;
 * src/web/web_audit.h lists them).  Never a password, a code, a token or
 * a session id: no field can hold one, and details are fixed codes.
 *
 * Repeats: an entry may stand for several events (repeats > 1): the same
 * actor, address, action, kind, detail and outcome within one window,
 * counted by audit/repeat.h so that a flood of refusals cannot flood the
 * log.  Nothing is dropped: the count is the number of events.
 *
 * Chains: one hash chain per organisation (org_id > 0), and the system
 * chain (org_id 0, AUDIT_SYSTEM_ORG) for events that belong to no
 * organisation: a failed log-in for an unknown address, a refusal to a
 * user who is in no organisation.  Only `infuus audit verify` and the
 * database show the system chain; no administrator of an organisation
 * sees it.  Each entry has
 * seq (1, 2, 3, ... without gaps within its organisation), prev_hash (the
 * hash of the entry before it; 32 zero bytes for seq 1) and hash, the
 * SHA-256 of a canonical, length-prefixed encoding of every field plus
 * prev_hash (see audit_entry_hash).  A chain head row (audit_head: last seq
 * and hash) is updated in the same transaction as each append, so deleting
 * the newest entries is detected too.  Per-organisation chains keep the
 * admin's and the client's views inside one chain and let organisations
 * append without waiting on each other.
 *
 * Concurrency: an append takes the next seq by updating the chain's head
 * row ("UPDATE audit_head SET seq = seq + 1 ... RETURNING"); that row lock
 * is held until the job's transaction ends, so appends to one chain from
 * several nodes (PostgreSQL) take turns, and on SQLite the single writer
 * serialises them anyway.  The primary key (org_id, seq) makes any race
 * that slipped through fail loudly (ERR_CONFLICT) instead of forking the
 * chain.  Because the head row is locked until commit, call audit_append
 * late in a write job.
 *
 * Times are UTC: Unix seconds plus microseconds.
 *
 * What the chain does not prove: SHA-256 is not keyed, so someone with
 * write access to the database who rewrites an entry AND every entry after
 * it AND the head goes unnoticed.  Against that, record the heads that
 * audit_verify_main prints (daily, outside the database: a ticket, a mail,
 * a log server) and compare; and on PostgreSQL grant the application role
 * only INSERT and SELECT on audit_log.
 *
 * Tables: audit_log and audit_head.
 */
#ifndef INFUUS_AUDIT_H
#define INFUUS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "store/db.h"

#define AUDIT_HASHBYTES 32

enum audit_action {
	AUDIT_CREATE = 'C',
	AUDIT_READ = 'R',       /* also a search: detail "search" */
	AUDIT_UPDATE = 'U',
	AUDIT_DELETE = 'D',
	AUDIT_EXECUTE = 'E',    /* an export: detail "export" */
};

enum audit_outcome {
	AUDIT_SUCCESS,  /* the access happened */
	AUDIT_DENIED,   /* refused: no right to it (authz said no) */
	AUDIT_FAILURE,  /* allowed, but it failed (not found, error) */
};

/*
 * One access.  Ids are 0 for "none" (stored as NULL): ids start at 1.
 * Strings are borrowed (NUL-terminated) for the call only; NULL is allowed
 * where a field is optional.  There is deliberately no field for content.
 */
struct audit_event {
	/* The event. */
	int64_t org_id;            /* required, >= 0: the chain and the source
	                              (AUDIT_SYSTEM_ORG: no organisation's) */
	enum audit_action action;
	enum audit_outcome outcome;
	const char *detail;        /* optional code: "search", "export", ... */
	/* UTC; both 0 mean "now" (every caller but tests and importers). */
	int64_t at;                /* Unix seconds */
	int32_t at_usec;           /* 0..999999 */

	/* The user. */
	int64_t actor_id;          /* 0: nobody logged in (anonymous, system) */
	const char *role;          /* required code: "professional", "client",
	                              "admin", "support", "system", ... */
	int64_t on_behalf_of;      /* user acted for; 0: acts for themself */
	const char *purpose;       /* required code: "care", "client-self",
	                              "admin", "support", "export", ... */

	/* The access point. */
	const char *address;       /* peer address; > LIMIT_AUDIT_ADDRESS cut */
	const char *device;        /* user agent; > LIMIT_AUDIT_DEVICE cut */

	/* The object. */
	int64_t client_id;         /* whose data (user id); 0: no client's */
	const char *kind;          /* required code: "message", "trajectory",
	                              "profile", "audit", ... */
	int64_t object_id;         /* which one; 0: the kind as a whole */

	/* The source (org_id above is the organisation). */
	const char *node;          /* the infuus node that served it */

	/* How many events this entry stands for: 0 or 1 for one, more for
	 * repeats counted in a window (audit/repeat.h); then at is the last
	 * one's time. */
	int64_t repeats;
};

/* The chain of events that belong to no organisation. */
#define AUDIT_SYSTEM_ORG ((int64_t)0)

/* An entry as stored; strings live in the arena of the query (never NULL:
 * "" where the event had none). */
struct audit_row {
	struct audit_event ev;
	int64_t seq;
	unsigned char prev_hash[AUDIT_HASHBYTES];
	unsigned char hash[AUDIT_HASHBYTES];
};

/*
 * Append ev to its organisation's chain on c, INSIDE the caller's db_write
 * job, so the entry commits or rolls back with the access it records (a job
 * that appends and then fails leaves no entry).  Returns 0, ERR_INVAL for a
 * malformed event (missing or non-code role/purpose/kind, bad action or
 * outcome, org_id < 0, repeats < 0), ERR_CONFLICT when the chain's head
 * is missing or damaged (run audit verify), or a store error; the job must
 * then fail too.
 */
int audit_append(struct db_conn *c, const struct audit_event *ev);

/*
 * Take org_id's chain head on c, inside the caller's write job, as
 * audit_append does, without appending: until the job's transaction ends,
 * every other write job of org_id that appends or locks, from any node,
 * waits.  For a job that must check and write without another node's job
 * slipping in between (appointment.c: overlapping bookings), and that
 * appends anyway.  Take it FIRST in the job: a lock of the caller's own
 * taken before it would be taken in the other order by a job that
 * appended earlier in its batch, and the two would deadlock.
 */
int audit_lock_on(struct db_conn *c, int64_t org_id);

/*
 * Append ev in a write job of its own and wait until it is durable: for
 * reads, which have no write job to ride along with.
 *
 * Log first, then show: call it BEFORE any of the data leaves the server,
 * and when it returns an error, do not show the data (answer with that
 * error instead).  An access that could not be logged must not happen.
 */
int audit_record(struct db *db, const struct audit_event *ev);

/*
 * One successful access, from a template that says who, why and from
 * where (the web layer fills that in; tmpl's other fields are
 * overwritten): what the domain modules add for each access they log.
 */
struct audit_event audit_event_from(const struct audit_event *tmpl,
    int64_t org_id, enum audit_action action, const char *kind,
    const char *detail, int64_t client_id, int64_t object_id);

/*
 * Filters for the admin view (per employee, per client) and the client's
 * own view (client_id = the client).  0 / NULL / '\0' means "any".
 */
struct audit_filter {
	int64_t org_id;            /* required, >= 0 */
	int64_t actor_id;          /* the employee */
	int64_t client_id;
	char action;               /* 'C', 'R', 'U', 'D', 'E' or 0 */
	const char *kind;
	bool by_outcome;           /* only entries with this outcome: */
	enum audit_outcome outcome;
	int64_t from;              /* at >= from (0: any) */
	int64_t to;                /* at <= to (0: any) */
	size_t limit;              /* 0 or too big: LIMIT_AUDIT_PAGE */
	size_t offset;             /* <= LIMIT_AUDIT_OFFSET */
};

/*
 * Entries matching f, newest first, into an array in a.  Only the audit
 * tables are read: the web layer joins user and client names itself.
 * Returns 0 (with *n possibly 0), ERR_INVAL or a store error.
 */
int audit_query(struct db_conn *c, const struct audit_filter *f,
    struct arena *a, struct audit_row **rows, size_t *n);

enum audit_problem {
	AUDIT_INTACT = 0,
	AUDIT_CHANGED,      /* an entry's hash does not match its fields */
	AUDIT_MISSING,      /* a gap in seq: deleted (seq = the first gone) */
	AUDIT_BROKEN_LINK,  /* prev_hash is not the previous entry's hash:
	                       inserted, reordered, or the one before it
	                       rewritten with a valid hash */
	AUDIT_DUPLICATE,    /* two entries with one seq */
	AUDIT_TRUNCATED,    /* the newest entries are gone (seq = first gone) */
	AUDIT_BEYOND_HEAD,  /* entries after the head: added behind our back */
	AUDIT_HEAD_CHANGED, /* the head's hash is not the entry's at its seq */
	AUDIT_NO_HEAD,      /* entries but no head row */
};

/* A stable lower-case name ("changed", "missing", ...) for CLI and JSON. */
const char *audit_problem_name(enum audit_problem p);

/* All organisations and the system chain, for audit_verify. */
#define AUDIT_ALL_CHAINS ((int64_t)-1)

struct audit_verify_report {
	int64_t chains;            /* chains walked */
	int64_t entries;           /* entries checked */
	int64_t bad_chains;        /* chains with a problem */
	/* The first problem (in org_id order); problem == AUDIT_INTACT and
	 * org_id == seq == 0 when every chain is intact. */
	enum audit_problem problem;
	int64_t org_id;
	int64_t seq;
};

/*
 * Walk the chain of org_id (AUDIT_SYSTEM_ORG for the system chain; every
 * chain with AUDIT_ALL_CHAINS)
 * on a read connection and check every entry.  Appends may go on meanwhile.
 * Returns 0 when the walk was done (look at out->problem for the verdict)
 * or a store error.
 */
int audit_verify(struct db *db, int64_t org_id,
    struct audit_verify_report *out);

/*
 * `infuus audit verify [ORG]`: walk as audit_verify does and append a
 * report to out, one line per chain with its head (seq and hash in hex, to
 * be recorded outside the database) and verdict, then a summary line.
 * Returns the exit status: 0 intact, 1 a problem was found, 2 could not
 * check (store error; the line says why).
 */
int audit_verify_main(struct db *db, int64_t org_id, struct buf *out);

/*
 * The hash of an entry: SHA-256 over "infuus-audit-1" and every field of
 * r->ev, r->seq and r->prev_hash, each length-prefixed (see audit.c); an
 * entry for repeats (r->ev.repeats > 1) hashes "infuus-audit-2" instead
 * and its count after the node, so entries of one event keep the hash
 * they had before counts existed.
 * Ids of 0 and absent strings hash as the values they are stored as.
 */
void audit_entry_hash(const struct audit_row *r,
    unsigned char out[AUDIT_HASHBYTES]);

#endif
