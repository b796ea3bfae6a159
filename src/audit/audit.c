/*
 * audit.c - the access log: appends to a hash chain per organisation,
 * queries for the admin's and the client's views, and the verifier.
 *
 * Owns the tables audit_log and audit_head (store/migrations/003_audit.sql);
 * nothing else writes them and nothing here reads another module's tables.
 *
 * Caveats: the chain hash is plain SHA-256, so it proves order and
 * completeness only up to a head recorded outside the database (audit.h
 * says more).  The verifier reads without a transaction: it reads the head
 * before and after its walk, so appends that land meanwhile are not taken
 * for tampering.
 */
#include "audit/audit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "core/banned.h"

/* Names the encoding below and is hashed with every entry.  Changing the
 * encoding needs a new name and a verifier that still knows the old one:
 * entries are never rewritten. */
#define HASH_DOMAIN "infuus-audit-1"
/* The same plus the count, for an entry that stands for repeats. */
#define HASH_DOMAIN_REPEATS "infuus-audit-2"

#define COLS "org_id, seq, at, at_usec, action, outcome, detail, actor_id, " \
    "actor_role, on_behalf_of, purpose, address, device, client_id, kind, " \
    "object_id, node, prev_hash, hash, repeat_count"

static const unsigned char zero_hash[AUDIT_HASHBYTES];

static const char *const outcome_names[] = {
	[AUDIT_SUCCESS] = "success",
	[AUDIT_DENIED] = "denied",
	[AUDIT_FAILURE] = "failure",
};

static const char *const problem_names[] = {
	[AUDIT_INTACT] = "intact",
	[AUDIT_CHANGED] = "changed",
	[AUDIT_MISSING] = "missing",
	[AUDIT_BROKEN_LINK] = "broken-link",
	[AUDIT_DUPLICATE] = "duplicate",
	[AUDIT_TRUNCATED] = "truncated",
	[AUDIT_BEYOND_HEAD] = "beyond-head",
	[AUDIT_HEAD_CHANGED] = "head-changed",
	[AUDIT_NO_HEAD] = "no-head",
};

const char *
audit_problem_name(enum audit_problem p)
{
	if ((int)p < 0 || (size_t)p >= sizeof(problem_names) /
	    sizeof(problem_names[0]))
		return "unknown";
	return problem_names[p];
}

static const char *
outcome_name(enum audit_outcome o)
{
	if ((int)o < 0 || (int)o > AUDIT_FAILURE)
		return "?";
	return outcome_names[o];
}

static bool
valid_action(int a)
{
	return a == AUDIT_CREATE || a == AUDIT_READ || a == AUDIT_UPDATE ||
	    a == AUDIT_DELETE || a == AUDIT_EXECUTE;
}

/*
 * A code is a short lower-case word: [a-z0-9][a-z0-9_.-]*.  No spaces and
 * no capitals, so a sentence, a name or a search query does not fit.
 */
static bool
is_code(const char *s)
{
	size_t i;
	unsigned char ch;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= LIMIT_AUDIT_CODE)
			return false;
		ch = (unsigned char)s[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			continue;
		if (i > 0 && (ch == '_' || ch == '.' || ch == '-'))
			continue;
		return false;
	}
	return true;
}

/*
 * Access-point metadata comes from the peer: keep printable ASCII only
 * (anything else becomes '?', so a header cannot break a UTF-8 database or
 * a terminal) and cut it at max bytes.  out holds max + 1 bytes.
 */
static void
clean_text(const char *s, size_t max, char *out)
{
	size_t i = 0;
	unsigned char ch;

	if (s != NULL) {
		for (; s[i] != '\0' && i < max; i++) {
			ch = (unsigned char)s[i];
			out[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
		}
	}
	out[i] = '\0';
}

static int
check_event_fields(const struct audit_event *ev)
{
	if (ev->org_id < 0 || ev->repeats < 0 ||
	    !valid_action((int)ev->action) ||
	    (int)ev->outcome < 0 || (int)ev->outcome > AUDIT_FAILURE)
		return ERR_INVAL;
	if (!is_code(ev->role) || !is_code(ev->purpose) || !is_code(ev->kind))
		return ERR_INVAL;
	if (ev->detail != NULL && ev->detail[0] != '\0' && !is_code(ev->detail))
		return ERR_INVAL;
	if (ev->at < 0 || ev->at_usec < 0 || ev->at_usec > 999999)
		return ERR_INVAL;
	if (ev->actor_id < 0 || ev->on_behalf_of < 0 || ev->client_id < 0 ||
	    ev->object_id < 0)
		return ERR_INVAL;
	return 0;
}

static int
check_event(const struct audit_event *ev)
{
	int rc;

	if ((rc = check_event_fields(ev)) != 0)
		/* A programming error in the caller; values are not logged,
		 * since a field that failed the check may hold anything. */
		log_err("audit_event_invalid", "org=%lld action=%d",
		    (long long)ev->org_id, (int)ev->action);
	return rc;
}

/*
 * The canonical encoding: each field is a type byte, then for integers 8
 * bytes big-endian, for text and bytes a 4-byte big-endian length and the
 * bytes.  No two different entries encode alike, whatever their text holds.
 */
static void
enc_int(struct buf *b, int64_t v)
{
	unsigned char p[9];
	uint64_t u = (uint64_t)v;
	int i;

	p[0] = 'i';
	for (i = 0; i < 8; i++)
		p[1 + i] = (unsigned char)(u >> (56 - 8 * i));
	buf_add(b, p, sizeof(p));
}

static void
enc_bytes(struct buf *b, char tag, const void *p, size_t len)
{
	unsigned char h[5];

	ASSERT(len <= UINT32_MAX);
	h[0] = (unsigned char)tag;
	h[1] = (unsigned char)(len >> 24);
	h[2] = (unsigned char)(len >> 16);
	h[3] = (unsigned char)(len >> 8);
	h[4] = (unsigned char)len;
	buf_add(b, h, sizeof(h));
	buf_add(b, p, len);
}

static void
enc_text(struct buf *b, const char *s)
{
	if (s == NULL)
		s = "";
	enc_bytes(b, 't', s, strlen(s));
}

void
audit_entry_hash(const struct audit_row *r, unsigned char out[AUDIT_HASHBYTES])
{
	const struct audit_event *ev = &r->ev;
	struct buf b = BUF_INIT;
	char action[2] = { (char)ev->action, '\0' };

	enc_text(&b, ev->repeats > 1 ? HASH_DOMAIN_REPEATS : HASH_DOMAIN);
	enc_int(&b, ev->org_id);
	enc_int(&b, r->seq);
	enc_int(&b, ev->at);
	enc_int(&b, ev->at_usec);
	enc_text(&b, action);
	enc_text(&b, outcome_name(ev->outcome));
	enc_text(&b, ev->detail);
	enc_int(&b, ev->actor_id);
	enc_text(&b, ev->role);
	enc_int(&b, ev->on_behalf_of);
	enc_text(&b, ev->purpose);
	enc_text(&b, ev->address);
	enc_text(&b, ev->device);
	enc_int(&b, ev->client_id);
	enc_text(&b, ev->kind);
	enc_int(&b, ev->object_id);
	enc_text(&b, ev->node);
	if (ev->repeats > 1)
		enc_int(&b, ev->repeats);
	enc_bytes(&b, 'b', r->prev_hash, AUDIT_HASHBYTES);
	crypto_sha256(b.p, b.len, out);
	buf_release(&b);
}

/* Ids of 0 and empty codes are stored as NULL. */
static void
bind_id(struct db_stmt *st, int idx, int64_t v)
{
	if (v == 0)
		db_bind_null(st, idx);
	else
		db_bind_i64(st, idx, v);
}

static void
bind_opt_text(struct db_stmt *st, int idx, const char *s)
{
	if (s == NULL || s[0] == '\0')
		db_bind_null(st, idx);
	else
		db_bind_textz(st, idx, s);
}

/* The chain's first append makes its head: seq 0, the all-zero hash. */
static int
head_create(struct db_conn *c, int64_t org_id)
{
	struct db_stmt *st;
	int rc;

	rc = db_prepare(c, "INSERT INTO audit_head (org_id, seq, hash) "
	    "VALUES (?, 0, ?) ON CONFLICT (org_id) DO NOTHING", &st);
	if (rc != 0)
		return rc;
	db_bind_i64(st, 1, org_id);
	db_bind_blob(st, 2, zero_hash, sizeof(zero_hash));
	return db_run(st);
}

int
audit_lock_on(struct db_conn *c, int64_t org_id)
{
	struct db_stmt *st;
	int64_t n;
	int rc, tries;

	/* seq = seq changes nothing, but locks the row as an append does. */
	for (tries = 0; tries < 2; tries++) {
		if ((rc = db_prepare(c, "UPDATE audit_head SET seq = seq "
		    "WHERE org_id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, org_id);
		rc = db_step(st);
		n = rc == DB_DONE ? db_changes(st) : 0;
		db_done(st);
		if (rc < 0)
			return rc;
		if (n > 0)
			return 0;
		if ((rc = head_create(c, org_id)) != 0)
			return rc;
	}
	return ERR_DB;      /* created, and still not there */
}

int
audit_append(struct db_conn *c, const struct audit_event *ev)
{
	char address[LIMIT_AUDIT_ADDRESS + 1];
	char device[LIMIT_AUDIT_DEVICE + 1];
	char node[LIMIT_AUDIT_NODE + 1];
	struct audit_row r;
	struct db_stmt *st = NULL;
	struct timespec ts;
	struct str prev;
	int rc, tries;

	if ((rc = check_event(ev)) != 0)
		return rc;
	memset(&r, 0, sizeof(r));
	r.ev = *ev;
	if (ev->at == 0 && ev->at_usec == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		r.ev.at = (int64_t)ts.tv_sec;
		r.ev.at_usec = (int32_t)(ts.tv_nsec / 1000);
	}
	clean_text(ev->address, LIMIT_AUDIT_ADDRESS, address);
	clean_text(ev->device, LIMIT_AUDIT_DEVICE, device);
	clean_text(ev->node, LIMIT_AUDIT_NODE, node);
	r.ev.address = address;
	r.ev.device = device;
	r.ev.node = node;
	if (r.ev.detail == NULL)
		r.ev.detail = "";
	if (r.ev.repeats == 0)
		r.ev.repeats = 1;

	/*
	 * Take the next seq.  The UPDATE locks the head row until the job's
	 * transaction ends, which is what serialises appends from several
	 * nodes; RETURNING hands back the new seq and the still-old hash.
	 */
	for (tries = 0;; tries++) {
		rc = db_prepare(c, "UPDATE audit_head SET seq = seq + 1 "
		    "WHERE org_id = ? RETURNING seq, hash", &st);
		if (rc != 0)
			goto out;
		db_bind_i64(st, 1, ev->org_id);
		rc = db_step(st);
		if (rc == DB_ROW)
			break;
		if (rc < 0)
			goto out;
		db_done(st);
		st = NULL;
		if (tries > 0) {
			/* Created, and still not there: the store lies. */
			rc = ERR_DB;
			goto out;
		}
		if ((rc = head_create(c, ev->org_id)) != 0)
			goto out;
	}
	r.seq = db_col_i64(st, 0);
	prev = db_col_blob(st, 1);
	if (prev.len != AUDIT_HASHBYTES) {
		log_err("audit_head_damaged", "org=%lld",
		    (long long)ev->org_id);
		rc = ERR_CONFLICT;
		goto out;
	}
	memcpy(r.prev_hash, prev.p, AUDIT_HASHBYTES);
	db_done(st);
	st = NULL;
	audit_entry_hash(&r, r.hash);

	rc = db_prepare(c, "INSERT INTO audit_log (" COLS ") VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    &st);
	if (rc != 0)
		goto out;
	db_bind_i64(st, 1, r.ev.org_id);
	db_bind_i64(st, 2, r.seq);
	db_bind_i64(st, 3, r.ev.at);
	db_bind_i64(st, 4, r.ev.at_usec);
	db_bind_text(st, 5, (const char[]){ (char)r.ev.action }, 1);
	db_bind_textz(st, 6, outcome_name(r.ev.outcome));
	bind_opt_text(st, 7, r.ev.detail);
	bind_id(st, 8, r.ev.actor_id);
	db_bind_textz(st, 9, r.ev.role);
	bind_id(st, 10, r.ev.on_behalf_of);
	db_bind_textz(st, 11, r.ev.purpose);
	db_bind_textz(st, 12, r.ev.address);
	db_bind_textz(st, 13, r.ev.device);
	bind_id(st, 14, r.ev.client_id);
	db_bind_textz(st, 15, r.ev.kind);
	bind_id(st, 16, r.ev.object_id);
	db_bind_textz(st, 17, r.ev.node);
	db_bind_blob(st, 18, r.prev_hash, AUDIT_HASHBYTES);
	db_bind_blob(st, 19, r.hash, AUDIT_HASHBYTES);
	db_bind_i64(st, 20, r.ev.repeats);
	rc = db_step(st);
	if (rc < 0) {
		if (rc == ERR_CONFLICT)
			/* The seq is taken: the head was deleted or rolled
			 * back behind our back.  Refuse rather than fork. */
			log_err("audit_chain_conflict", "org=%lld seq=%lld",
			    (long long)ev->org_id, (long long)r.seq);
		goto out;
	}
	db_done(st);
	st = NULL;

	rc = db_prepare(c, "UPDATE audit_head SET hash = ? WHERE org_id = ?",
	    &st);
	if (rc != 0)
		goto out;
	db_bind_blob(st, 1, r.hash, AUDIT_HASHBYTES);
	db_bind_i64(st, 2, ev->org_id);
	rc = db_step(st);
	if (rc < 0)
		goto out;
	rc = 0;
out:
	if (st != NULL)
		db_done(st);
	return rc;
}

struct record_job {
	const struct audit_event *ev;
};

static int
record_job(struct db_conn *c, void *arg)
{
	const struct record_job *job = arg;

	return audit_append(c, job->ev);
}

int
audit_record(struct db *db, const struct audit_event *ev)
{
	struct record_job job = { ev };
	int rc;

	/* Refuse a malformed event here rather than in the writer's queue. */
	if ((rc = check_event(ev)) != 0)
		return rc;
	return db_write(db, record_job, &job);
}

struct audit_event
audit_event_from(const struct audit_event *tmpl, int64_t org_id,
    enum audit_action action, const char *kind, const char *detail,
    int64_t client_id, int64_t object_id)
{
	struct audit_event ev = *tmpl;

	ev.org_id = org_id;
	ev.action = action;
	ev.outcome = AUDIT_SUCCESS;
	ev.kind = kind;
	ev.detail = detail;
	ev.client_id = client_id;
	ev.object_id = object_id;
	return ev;
}

/* Text of a column as a NUL-terminated copy in a; "" for NULL.  A NUL
 * inside the text is something no append writes: *clean goes false. */
static const char *
col_text(struct db_stmt *st, int col, struct arena *a, bool *clean)
{
	struct str s;

	if (db_col_null(st, col))
		return "";
	s = db_col_text(st, col);
	if (s.len == 0)
		return "";
	if (memchr(s.p, '\0', s.len) != NULL)
		*clean = false;
	return arena_strz(a, s);
}

static int64_t
col_id(struct db_stmt *st, int col)
{
	return db_col_null(st, col) ? 0 : db_col_i64(st, col);
}

static void
col_hash(struct db_stmt *st, int col, unsigned char out[AUDIT_HASHBYTES],
    bool *clean)
{
	struct str s;

	s = db_col_null(st, col) ? STR_NULL : db_col_blob(st, col);
	if (s.len != AUDIT_HASHBYTES) {
		memset(out, 0, AUDIT_HASHBYTES);
		*clean = false;
		return;
	}
	memcpy(out, s.p, AUDIT_HASHBYTES);
}

/*
 * Fill r from a row of COLS, strings copied into a.  Returns false when a
 * column holds something no append writes (an out-of-range value, an
 * unknown code, a hash of the wrong size): only tampering does that.
 */
static bool
row_read(struct db_stmt *st, struct arena *a, struct audit_row *r)
{
	bool clean = true;
	struct str s;
	int64_t usec;
	int o;

	memset(r, 0, sizeof(*r));
	r->ev.org_id = db_col_i64(st, 0);
	r->seq = db_col_i64(st, 1);
	r->ev.at = db_col_i64(st, 2);
	usec = db_col_i64(st, 3);
	if (usec < 0 || usec > 999999)
		clean = false;
	else
		r->ev.at_usec = (int32_t)usec;
	s = db_col_text(st, 4);
	if (s.len == 1 && valid_action((unsigned char)s.p[0]))
		r->ev.action = (enum audit_action)s.p[0];
	else
		clean = false;
	s = db_col_text(st, 5);
	for (o = AUDIT_SUCCESS; o <= AUDIT_FAILURE; o++)
		if (str_eqc(s, outcome_names[o]))
			break;
	if (o <= AUDIT_FAILURE)
		r->ev.outcome = (enum audit_outcome)o;
	else
		clean = false;
	r->ev.detail = col_text(st, 6, a, &clean);
	r->ev.actor_id = col_id(st, 7);
	r->ev.role = col_text(st, 8, a, &clean);
	r->ev.on_behalf_of = col_id(st, 9);
	r->ev.purpose = col_text(st, 10, a, &clean);
	r->ev.address = col_text(st, 11, a, &clean);
	r->ev.device = col_text(st, 12, a, &clean);
	r->ev.client_id = col_id(st, 13);
	r->ev.kind = col_text(st, 14, a, &clean);
	r->ev.object_id = col_id(st, 15);
	r->ev.node = col_text(st, 16, a, &clean);
	col_hash(st, 17, r->prev_hash, &clean);
	col_hash(st, 18, r->hash, &clean);
	r->ev.repeats = db_col_i64(st, 19);
	if (r->ev.repeats < 1)
		clean = false;
	return clean;
}

/*
 * One literal per combination of the two indexed filters, so each query
 * can use its index (audit_log_at, _actor, _client) and the statement
 * cache sees fixed texts.  The time range is always bound (open ends as
 * the extremes) for the same reason; action and kind filter the rows the
 * index found.
 */
#define Q_HEAD "SELECT " COLS " FROM audit_log WHERE org_id = ? " \
    "AND at >= ? AND at <= ?"
#define Q_TAIL " AND (? = 0 OR action = ?) AND (? = 0 OR kind = ?) " \
    "AND (? = 0 OR outcome = ?) ORDER BY at DESC, seq DESC LIMIT ? OFFSET ?"

static const char *const query_sql[4] = {
	Q_HEAD Q_TAIL,
	Q_HEAD " AND actor_id = ?" Q_TAIL,
	Q_HEAD " AND client_id = ?" Q_TAIL,
	Q_HEAD " AND actor_id = ? AND client_id = ?" Q_TAIL,
};

int
audit_query(struct db_conn *c, const struct audit_filter *f, struct arena *a,
    struct audit_row **rows, size_t *n)
{
	struct db_stmt *st = NULL;
	struct audit_row *out;
	size_t limit, count = 0;
	const char *kind = f->kind != NULL ? f->kind : "";
	char action = f->action;
	int which, idx, rc;

	*rows = NULL;
	*n = 0;
	if (f->org_id < 0 || f->actor_id < 0 || f->client_id < 0 ||
	    (f->by_outcome && ((int)f->outcome < 0 ||
	    (int)f->outcome > AUDIT_FAILURE)) ||
	    f->offset > LIMIT_AUDIT_OFFSET ||
	    (action != 0 && !valid_action(action)) ||
	    (kind[0] != '\0' && !is_code(kind)))
		return ERR_INVAL;
	limit = f->limit == 0 || f->limit > LIMIT_AUDIT_PAGE ?
	    LIMIT_AUDIT_PAGE : f->limit;
	which = (f->actor_id != 0 ? 1 : 0) | (f->client_id != 0 ? 2 : 0);

	rc = db_prepare(c, query_sql[which], &st);
	if (rc != 0)
		return rc;
	idx = 1;
	db_bind_i64(st, idx++, f->org_id);
	db_bind_i64(st, idx++, f->from != 0 ? f->from : INT64_MIN);
	db_bind_i64(st, idx++, f->to != 0 ? f->to : INT64_MAX);
	if (f->actor_id != 0)
		db_bind_i64(st, idx++, f->actor_id);
	if (f->client_id != 0)
		db_bind_i64(st, idx++, f->client_id);
	db_bind_i64(st, idx++, action != 0);
	db_bind_text(st, idx++, &action, action != 0 ? 1 : 0);
	db_bind_i64(st, idx++, kind[0] != '\0');
	db_bind_textz(st, idx++, kind);
	db_bind_i64(st, idx++, f->by_outcome);
	db_bind_textz(st, idx++, f->by_outcome ? outcome_name(f->outcome) : "");
	db_bind_i64(st, idx++, (int64_t)limit);
	db_bind_i64(st, idx++, (int64_t)f->offset);

	out = arena_calloc(a, limit, sizeof(*out));
	while (count < limit && (rc = db_step(st)) == DB_ROW)
		(void)row_read(st, a, &out[count++]);
	if (rc < 0)
		goto out;
	rc = 0;
	*rows = out;
	*n = count;
out:
	db_done(st);
	return rc;
}

/* Entries the verifier reads per query. */
#define VERIFY_PAGE 1000

/* The verdict on one chain. */
struct chain_result {
	int64_t org_id;
	int64_t entries;
	bool has_head;
	int64_t head_seq;
	unsigned char head_hash[AUDIT_HASHBYTES];
	enum audit_problem problem;
	int64_t seq;
};

struct head {
	bool found;
	bool clean;
	int64_t seq;
	unsigned char hash[AUDIT_HASHBYTES];
};

static int
head_read(struct db_conn *c, int64_t org_id, struct head *h)
{
	struct db_stmt *st;
	int rc;

	memset(h, 0, sizeof(*h));
	rc = db_prepare(c, "SELECT seq, hash FROM audit_head WHERE org_id = ?",
	    &st);
	if (rc != 0)
		return rc;
	db_bind_i64(st, 1, org_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		h->found = true;
		h->clean = true;
		h->seq = db_col_i64(st, 0);
		col_hash(st, 1, h->hash, &h->clean);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

static void
chain_bad(struct chain_result *cr, enum audit_problem p, int64_t seq)
{
	if (cr->problem == AUDIT_INTACT) {
		cr->problem = p;
		cr->seq = seq;
	}
}

/*
 * Walk one chain in seq order.  Each entry must have the next seq, link to
 * the hash before it and hash to its own stored hash.  The head is read
 * before the walk (every entry up to it must be there, the last one with
 * the head's hash) and after it (no entry may lie beyond it).
 */
static int
verify_chain(struct db_conn *c, int64_t org_id, struct chain_result *cr)
{
	unsigned char last[AUDIT_HASHBYTES], want[AUDIT_HASHBYTES];
	struct db_stmt *st = NULL;
	struct head h1, h2;
	struct audit_row r;
	struct arena a;
	int64_t last_seq = 0, cursor = INT64_MIN, got;
	bool clean;
	int rc;

	memset(cr, 0, sizeof(*cr));
	cr->org_id = org_id;
	arena_init(&a);
	memcpy(last, zero_hash, sizeof(last));
	if ((rc = head_read(c, org_id, &h1)) != 0)
		goto out;

	/* In pages, so a long chain never sits in memory whole (the
	 * PostgreSQL backend reads a result at once). */
	do {
		rc = db_prepare(c, "SELECT " COLS " FROM audit_log "
		    "WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?", &st);
		if (rc != 0)
			goto out;
		db_bind_i64(st, 1, org_id);
		db_bind_i64(st, 2, cursor);
		db_bind_i64(st, 3, VERIFY_PAGE);
		got = 0;
		while ((rc = db_step(st)) == DB_ROW) {
			got++;
			clean = row_read(st, &a, &r);
			cr->entries++;
			cursor = r.seq;
			if (r.seq <= last_seq)
				chain_bad(cr, AUDIT_DUPLICATE, r.seq);
			else if (r.seq > last_seq + 1)
				chain_bad(cr, AUDIT_MISSING, last_seq + 1);
			else if (memcmp(r.prev_hash, last, sizeof(last)) != 0)
				chain_bad(cr, AUDIT_BROKEN_LINK, r.seq);
			else {
				audit_entry_hash(&r, want);
				if (!clean || memcmp(want, r.hash,
				    sizeof(want)) != 0)
					chain_bad(cr, AUDIT_CHANGED, r.seq);
				else if (h1.found && r.seq == h1.seq &&
				    (!h1.clean || memcmp(h1.hash, r.hash,
				    sizeof(r.hash)) != 0))
					chain_bad(cr, AUDIT_HEAD_CHANGED,
					    r.seq);
			}
			arena_release(&a);
			if (cr->problem != AUDIT_INTACT)
				break;
			last_seq = r.seq;
			memcpy(last, r.hash, sizeof(last));
		}
		if (rc < 0)
			goto out;
		db_done(st);
		st = NULL;
	} while (cr->problem == AUDIT_INTACT && got == VERIFY_PAGE);
	if ((rc = head_read(c, org_id, &h2)) != 0)
		goto out;

	cr->has_head = h2.found;
	cr->head_seq = h2.seq;
	memcpy(cr->head_hash, h2.hash, sizeof(cr->head_hash));
	if (cr->problem != AUDIT_INTACT)
		goto out;
	if (!h2.found) {
		/* No head, ever or any more: fine only for an empty chain. */
		if (h1.found || last_seq > 0)
			chain_bad(cr, AUDIT_NO_HEAD, last_seq);
	} else if (!h2.clean || (h2.seq == last_seq &&
	    memcmp(h2.hash, last, sizeof(last)) != 0))
		chain_bad(cr, AUDIT_HEAD_CHANGED, h2.seq);
	else if (h1.found && last_seq < h1.seq)
		/* Entries the head had counted before the walk are gone. */
		chain_bad(cr, AUDIT_TRUNCATED, last_seq + 1);
	else if (last_seq > h2.seq)
		/* Appends take the head first, so nothing lies beyond it. */
		chain_bad(cr, AUDIT_BEYOND_HEAD, h2.seq + 1);
	rc = 0;
out:
	if (st != NULL)
		db_done(st);
	arena_release(&a);
	return rc;
}

/* Every organisation with a chain, ascending, into a heap array. */
static int
list_chains(struct db_conn *c, int64_t **orgs, size_t *n)
{
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	*orgs = NULL;
	*n = 0;
	rc = db_prepare(c, "SELECT org_id FROM audit_head UNION "
	    "SELECT org_id FROM audit_log ORDER BY 1", &st);
	if (rc != 0)
		return rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? st_mul(cap, 2) : 16;
			*orgs = xrealloc(*orgs, st_mul(cap, sizeof(**orgs)));
		}
		(*orgs)[(*n)++] = db_col_i64(st, 0);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

static void
hex(struct buf *b, const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf_printf(b, "%02x", p[i]);
}

static void
chain_line(struct buf *b, const struct chain_result *cr)
{
	buf_printf(b, "audit chain org=%lld: %lld entries, head ",
	    (long long)cr->org_id, (long long)cr->entries);
	if (cr->has_head) {
		buf_printf(b, "seq=%lld hash=", (long long)cr->head_seq);
		hex(b, cr->head_hash, sizeof(cr->head_hash));
	} else
		buf_adds(b, "none");
	if (cr->problem == AUDIT_INTACT)
		buf_adds(b, ": intact\n");
	else
		buf_printf(b, ": %s at seq %lld\n",
		    audit_problem_name(cr->problem), (long long)cr->seq);
}

static int
verify_walk(struct db *db, int64_t org_id, struct audit_verify_report *out,
    struct buf *lines)
{
	struct chain_result cr;
	struct db_conn *c = NULL;
	int64_t *orgs = NULL, one = org_id;
	const int64_t *list = &one;
	size_t n = 1, i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (org_id != AUDIT_ALL_CHAINS && org_id < 0)
		return ERR_INVAL;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if (org_id == AUDIT_ALL_CHAINS) {
		if ((rc = list_chains(c, &orgs, &n)) != 0)
			goto out;
		list = orgs;
	}
	for (i = 0; i < n; i++) {
		if ((rc = verify_chain(c, list[i], &cr)) != 0)
			goto out;
		out->chains++;
		out->entries += cr.entries;
		if (cr.problem != AUDIT_INTACT) {
			out->bad_chains++;
			if (out->problem == AUDIT_INTACT) {
				out->problem = cr.problem;
				out->org_id = cr.org_id;
				out->seq = cr.seq;
			}
		}
		if (lines != NULL)
			chain_line(lines, &cr);
	}
	rc = 0;
out:
	free(orgs);
	db_read_end(db, c);
	return rc;
}

int
audit_verify(struct db *db, int64_t org_id, struct audit_verify_report *out)
{
	return verify_walk(db, org_id, out, NULL);
}

int
audit_verify_main(struct db *db, int64_t org_id, struct buf *out)
{
	struct audit_verify_report rep;
	int rc;

	rc = verify_walk(db, org_id, &rep, out);
	if (rc != 0) {
		buf_printf(out, "audit verify: could not check the log: %s\n",
		    err_msg(rc));
		return 2;
	}
	buf_printf(out, "audit verify: %lld chains, %lld entries: ",
	    (long long)rep.chains, (long long)rep.entries);
	if (rep.problem == AUDIT_INTACT) {
		buf_adds(out, "intact\n");
		return 0;
	}
	buf_printf(out, "%lld with a problem; first: org=%lld %s at seq %lld\n",
	    (long long)rep.bad_chains, (long long)rep.org_id,
	    audit_problem_name(rep.problem), (long long)rep.seq);
	return 1;
}
