/*
 * billing.c - the organisation's billing details, contracts, usage and
 * the estimate calculator (billing.h).  Owns billing_orgs,
 * billing_contracts, billing_estimates and billing_estimate_lines.
 *
 * Everything typed is checked here, before any write job starts, and a
 * refusal names its field; a write job writes a whole contract or
 * estimate or nothing.  The client's name and address on a contract are
 * sealed with the organisation's key, as everything about a client is.
 */
#include "billing/billing.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "activity/activity.h"
#include "audit/audit.h"
#include "core/i18n.h"
#include "core/limits.h"
#include "core/num.h"
#include "core/utf8.h"
#include "keys/keyring.h"
#include "store/db.h"
#include "core/banned.h"

/* --- Checking what was typed ---------------------------------------------- */

static bool
blank(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* A whole number in 0..LIMIT_BILL_QTY; empty is dflt. */
static int
get_qty(const char *s, int64_t dflt, const char *field, struct why *w,
    int64_t *out)
{
	const char *p = s;

	if (blank(s)) {
		*out = dflt;
		return 0;
	}
	while (*p == ' ')
		p++;
	if (*p == '-')
		return why_set(w, ERR_INVAL, field,
		    N_("This number cannot be negative."));
	if (num_parse_i64(str_c(p), 0, INT64_MAX, out) != 0)
		return why_set(w, ERR_INVAL, field,
		    N_("Give a whole number, such as 12."));
	if (*out > LIMIT_BILL_QTY) {
		why_set(w, ERR_INVAL, field,
		    N_("This number is too large (at most %d)."));
		if (w)
			w->limit = LIMIT_BILL_QTY;
		return ERR_INVAL;
	}
	return 0;
}

/* An amount in euros; empty is an error when required, else 0. */
static int
get_cents(const char *s, bool required, const char *field, struct why *w,
    int64_t *out)
{
	int rc;

	if (blank(s)) {
		*out = 0;
		return required ? why_set(w, ERR_INVAL, field,
		    N_("Give an amount in euros, such as 85,00.")) : 0;
	}
	if (strchr(s, '-') != NULL)
		return why_set(w, ERR_INVAL, field,
		    N_("An amount cannot be negative."));
	if ((rc = bill_parse_cents(s, out)) == ERR_TOOBIG)
		return why_set(w, ERR_INVAL, field,
		    N_("This amount is too large (at most 100 million euros)."));
	if (rc != 0)
		return why_set(w, ERR_INVAL, field,
		    N_("Give an amount in euros, such as 85,00."));
	return 0;
}

/* Printable UTF-8 of 0..max bytes, no control characters but newlines
 * when lines is set. */
static int
get_text(const char *s, size_t max, bool required, bool lines,
    const char *field, struct why *w)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0)
		return required ? why_set(w, ERR_INVAL, field,
		    N_("Fill this in.")) : 0;
	if (n > max) {
		why_set(w, ERR_INVAL, field,
		    N_("This is too long (at most %d characters)."));
		if (w)
			w->limit = (int)max;
		return ERR_INVAL;
	}
	if (!utf8_valid(s, n))
		return why_set(w, ERR_INVAL, field,
		    N_("This text has characters that cannot be read."));
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 && !(lines && (c == '\n' || c == '\r')))
			return why_set(w, ERR_INVAL, field,
			    N_("This text has characters that cannot be read."));
	}
	return 0;
}

int
bill_text_check(const char *s, size_t max, bool lines, const char *field,
    struct why *w)
{
	return get_text(s, max, false, lines, field, w);
}

static bool
digits(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* ISO 13616: move the first four to the end, letters to 10..35, the
 * number mod 97 is 1.  Spaces are not allowed here (the page strips
 * none: it shows the reason). */
static bool
iban_ok(const char *s)
{
	size_t i, n = strlen(s);
	unsigned r = 0;

	if (n < 15 || n > 34)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[(i + 4) % n];

		if (c >= '0' && c <= '9')
			r = (r * 10 + (unsigned)(c - '0')) % 97;
		else if (c >= 'A' && c <= 'Z')
			r = (r * 100 + (unsigned)(c - 'A' + 10)) % 97;
		else
			return false;
	}
	return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
	    r == 1;
}

/* --- The organisation's details ------------------------------------------- */

struct org_job {
	int64_t org_id, now;
	const struct bill_org *o;
	const struct audit_event *ev;
};

static int
org_run(struct db_conn *c, void *arg)
{
	struct org_job *j = arg;
	struct audit_event ev;
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO billing_orgs (org_id, legal_name, "
	    "street, postcode, city, kvk, vat_number, iban, updated_at) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id) DO UPDATE SET "
	    "legal_name = excluded.legal_name, street = excluded.street, "
	    "postcode = excluded.postcode, city = excluded.city, kvk = "
	    "excluded.kvk, vat_number = excluded.vat_number, iban = "
	    "excluded.iban, updated_at = excluded.updated_at", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->org_id);
	db_bind_textz(st, 2, j->o->legal_name);
	db_bind_textz(st, 3, j->o->street);
	db_bind_textz(st, 4, j->o->postcode);
	db_bind_textz(st, 5, j->o->city);
	db_bind_textz(st, 6, j->o->kvk);
	db_bind_textz(st, 7, j->o->vat_number);
	db_bind_textz(st, 8, j->o->iban);
	db_bind_i64(st, 9, j->now);
	if ((rc = db_run(st)) != 0)
		return rc;
	ev = audit_event_from(j->ev, j->org_id, AUDIT_UPDATE, "organisation",
	    "billing", 0, j->org_id);
	return audit_append(c, &ev);
}

int
bill_org_set(struct db *db, int64_t org_id, const struct bill_org *o,
    const struct audit_event *ev, struct why *why)
{
	struct org_job j = { org_id, 0, o, ev };
	const char *pc = o->postcode ? o->postcode : "";
	int rc;

	if ((rc = get_text(o->legal_name, LIMIT_BILL_TEXT, true, false,
	    "legal_name", why)) != 0 ||
	    (rc = get_text(o->street, LIMIT_BILL_TEXT, true, false, "street",
	    why)) != 0 ||
	    (rc = get_text(o->city, LIMIT_BILL_TEXT, true, false, "city",
	    why)) != 0)
		return rc;
	/* A Dutch postcode: 1234 AB. */
	if (strlen(pc) != 7 || !digits((char[]){ pc[0], pc[1], pc[2], pc[3],
	    0 }, 4) || pc[0] == '0' || pc[4] != ' ' || pc[5] < 'A' ||
	    pc[5] > 'Z' || pc[6] < 'A' || pc[6] > 'Z')
		return why_set(why, ERR_INVAL, "postcode",
		    N_("Give a Dutch postcode such as 1234 AB."));
	if (!digits(o->kvk ? o->kvk : "", 8))
		return why_set(why, ERR_INVAL, "kvk",
		    N_("A KvK number has eight digits."));
	if (o->vat_number == NULL || strlen(o->vat_number) != 14 ||
	    strncmp(o->vat_number, "NL", 2) != 0 ||
	    !digits((char[]){ o->vat_number[2], o->vat_number[3],
	    o->vat_number[4], o->vat_number[5], o->vat_number[6],
	    o->vat_number[7], o->vat_number[8], o->vat_number[9],
	    o->vat_number[10], 0 }, 9) || o->vat_number[11] != 'B' ||
	    !digits(o->vat_number + 12, 2))
		return why_set(why, ERR_INVAL, "vat_number",
		    N_("A Dutch VAT number looks like NL123456789B01."));
	if (o->iban == NULL || !iban_ok(o->iban))
		return why_set(why, ERR_INVAL, "iban",
		    N_("This is not a valid IBAN (capitals, no spaces: "
		    "NL91ABNA0417164300)."));
	if (ev == NULL)
		return ERR_INVAL;
	j.now = (int64_t)time(NULL);
	return db_write(db, org_run, &j);
}

int
bill_org_get(struct db *db, int64_t org_id, struct arena *a,
    struct bill_org *out)
{
	struct db_conn *c;
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	out->legal_name = out->street = out->postcode = out->city = "";
	out->kvk = out->vat_number = out->iban = "";
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT legal_name, street, postcode, city, "
	    "kvk, vat_number, iban FROM billing_orgs WHERE org_id = ?",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, org_id);
	if ((rc = db_step(st)) == DB_ROW) {
		out->legal_name = db_col_copy(st, 0, a).p;
		out->street = db_col_copy(st, 1, a).p;
		out->postcode = db_col_copy(st, 2, a).p;
		out->city = db_col_copy(st, 3, a).p;
		out->kvk = db_col_copy(st, 4, a).p;
		out->vat_number = db_col_copy(st, 5, a).p;
		out->iban = db_col_copy(st, 6, a).p;
		out->set = true;
		rc = 0;
	}
	db_done(st);
out:
	db_read_end(db, c);
	return rc < 0 ? rc : 0;
}

/* --- Contracts ------------------------------------------------------------ */

static const char *const kind_codes[] = {
	[BILL_MINUTE] = "minute", [BILL_SESSION] = "session",
	[BILL_PACKAGE] = "package", [BILL_FIXED] = "fixed",
};

const char *
bill_kind_code(enum bill_kind k)
{
	return (unsigned)k <= BILL_FIXED ? kind_codes[k] : "?";
}

static int
kind_parse(const char *s, enum bill_kind *out)
{
	int i;

	for (i = 0; s != NULL && i <= BILL_FIXED; i++)
		if (strcmp(s, kind_codes[i]) == 0) {
			*out = (enum bill_kind)i;
			return 0;
		}
	return ERR_INVAL;
}

static int
contract_parse(const struct bill_contract_text *t, struct bill_contract *k,
    struct why *w)
{
	int64_t hours = 0;
	int rc;

	if (kind_parse(t->kind, &k->kind) != 0)
		return why_set(w, ERR_INVAL, "kind",
		    N_("Choose how the trajectory is priced."));
	if (bill_vat_parse(t->vat, &k->vat) != 0)
		return why_set(w, ERR_INVAL, "vat",
		    N_("Choose a VAT rate: 21%, 9%, 0% or exempt (healthcare)."));
	if ((rc = get_text(t->name, LIMIT_BILL_TEXT, false, false, "name",
	    w)) != 0 ||
	    (rc = get_text(t->address, 3 * LIMIT_BILL_TEXT, false, true,
	    "address", w)) != 0)
		return rc;
	k->round_minutes = 1;
	switch (k->kind) {
	case BILL_MINUTE:
		if ((rc = get_cents(t->rate, true, "rate", w,
		    &k->rate_cents)) != 0 ||
		    (rc = get_qty(t->minimum, 0, "minimum", w,
		    &k->min_minutes)) != 0)
			return rc;
		if (get_qty(t->rounding, 0, "rounding", NULL,
		    &k->round_minutes) != 0 ||
		    bill_round_minutes(0, k->round_minutes, 0, &hours) != 0)
			return why_set(w, ERR_INVAL, "rounding",
			    N_("Round up to 1, 5, 6 or 15 minutes; there is "
			    "no other rule."));
		break;
	case BILL_SESSION:
	case BILL_FIXED:
		if ((rc = get_cents(t->price, true, "price", w,
		    &k->price_cents)) != 0)
			return rc;
		break;
	case BILL_PACKAGE:
		if ((rc = get_cents(t->price, true, "price", w,
		    &k->price_cents)) != 0 ||
		    (rc = get_qty(t->sessions, 0, "sessions", w,
		    &k->package_sessions)) != 0 ||
		    (rc = get_qty(t->hours, 0, "hours", w, &hours)) != 0)
			return rc;
		if (hours > LIMIT_BILL_QTY / 60)
			return why_set(w, ERR_INVAL, "hours",
			    N_("This number is too large."));
		k->package_minutes = hours * 60;
		if ((k->package_sessions > 0) == (k->package_minutes > 0))
			return why_set(w, ERR_INVAL, "sessions",
			    N_("A package holds a number of sessions or a "
			    "number of hours (one of the two)."));
		break;
	}
	return 0;
}

struct contract_job {
	struct bill_contract *k;
	struct keyring *kr;
	int64_t by;
	const char *to;           /* name "\n" address */
	const struct audit_event *ev;
};

static int
contract_run(struct db_conn *c, void *arg)
{
	struct contract_job *j = arg;
	struct bill_contract *k = j->k;
	struct audit_event ev;
	struct db_stmt *st;
	struct buf box = BUF_INIT;
	int rc;

	if ((rc = keyring_seal(j->kr, c, k->org_id, j->to, strlen(j->to),
	    &box)) != 0)
		goto out;
	/* starts_at stays what it was: usage counts from the first
	 * contract. */
	if ((rc = db_prepare(c, "INSERT INTO billing_contracts (trajectory_id, "
	    "org_id, kind, rate_cents, min_minutes, round_minutes, "
	    "price_cents, package_sessions, package_minutes, vat, bill_to, "
	    "starts_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?) ON CONFLICT (trajectory_id) DO UPDATE SET "
	    "kind = excluded.kind, rate_cents = excluded.rate_cents, "
	    "min_minutes = excluded.min_minutes, round_minutes = "
	    "excluded.round_minutes, price_cents = excluded.price_cents, "
	    "package_sessions = excluded.package_sessions, package_minutes = "
	    "excluded.package_minutes, vat = excluded.vat, bill_to = "
	    "excluded.bill_to, updated_by = excluded.updated_by, updated_at = "
	    "excluded.updated_at", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, k->traj_id);
	db_bind_i64(st, 2, k->org_id);
	db_bind_textz(st, 3, bill_kind_code(k->kind));
	db_bind_i64(st, 4, k->rate_cents);
	db_bind_i64(st, 5, k->min_minutes);
	db_bind_i64(st, 6, k->round_minutes);
	db_bind_i64(st, 7, k->price_cents);
	db_bind_i64(st, 8, k->package_sessions);
	db_bind_i64(st, 9, k->package_minutes);
	db_bind_textz(st, 10, bill_vat_code(k->vat));
	db_bind_blob(st, 11, box.p, box.len);
	db_bind_i64(st, 12, k->starts_at);
	db_bind_i64(st, 13, j->by);
	db_bind_i64(st, 14, k->updated_at);
	if ((rc = db_run(st)) != 0)
		goto out;
	ev = audit_event_from(j->ev, k->org_id, AUDIT_UPDATE, "billing",
	    "contract", 0, k->traj_id);
	rc = audit_append(c, &ev);
out:
	buf_release(&box);
	return rc;
}

int
bill_contract_set(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t traj_id, int64_t by, const struct bill_contract_text *t,
    int64_t now, const struct audit_event *ev, struct why *why)
{
	struct bill_contract k;
	struct contract_job j;
	char to[4 * LIMIT_BILL_TEXT + 8];
	int rc;

	memset(&k, 0, sizeof(k));
	if ((rc = contract_parse(t, &k, why)) != 0)
		return rc;
	if (ev == NULL || traj_id <= 0 || org_id <= 0)
		return ERR_INVAL;
	k.traj_id = traj_id;
	k.org_id = org_id;
	k.starts_at = k.updated_at = now;
	snprintf(to, sizeof(to), "%s\n%s", t->name ? t->name : "",
	    t->address ? t->address : "");
	j.k = &k;
	j.kr = kr;
	j.by = by;
	j.to = to;
	j.ev = ev;
	return db_write(db, contract_run, &j);
}

int
bill_contract_get(struct db *db, struct keyring *kr, int64_t traj_id,
    struct arena *a, struct bill_contract *out)
{
	struct db_conn *c;
	struct db_stmt *st;
	const char *to = NULL, *nl;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT org_id, kind, rate_cents, min_minutes, "
	    "round_minutes, price_cents, package_sessions, package_minutes, "
	    "vat, bill_to, starts_at, updated_at FROM billing_contracts WHERE "
	    "trajectory_id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	if ((rc = db_step(st)) != DB_ROW) {
		db_done(st);
		rc = rc == DB_DONE ? ERR_NOTFOUND : rc;
		goto out;
	}
	out->traj_id = traj_id;
	out->org_id = db_col_i64(st, 0);
	(void)kind_parse(db_col_copy(st, 1, a).p, &out->kind);
	out->rate_cents = db_col_i64(st, 2);
	out->min_minutes = db_col_i64(st, 3);
	out->round_minutes = db_col_i64(st, 4);
	out->price_cents = db_col_i64(st, 5);
	out->package_sessions = db_col_i64(st, 6);
	out->package_minutes = db_col_i64(st, 7);
	(void)bill_vat_parse(db_col_copy(st, 8, a).p, &out->vat);
	out->starts_at = db_col_i64(st, 10);
	out->updated_at = db_col_i64(st, 11);
	rc = db_col_null(st, 9) ? 0 : keyring_open_str(kr, c, out->org_id,
	    db_col_blob(st, 9), a, &to, NULL);
	db_done(st);
	if (rc != 0)
		goto out;
	to = to ? to : "";
	nl = strchr(to, '\n');
	out->bill_name = nl ? arena_strndup(a, to, (size_t)(nl - to)) : to;
	out->bill_address = nl ? nl + 1 : "";
out:
	db_read_end(db, c);
	return rc;
}

/* Activity kinds that are sessions (an appointment held, a call). */
static bool
session_kind(const char *k)
{
	return strcmp(k, "appointment") == 0 || strcmp(k, "call") == 0 ||
	    strcmp(k, "visit") == 0 || strcmp(k, "video") == 0 ||
	    strcmp(k, "phone") == 0;
}

int
bill_usage_get(struct db *db, const struct bill_contract *k,
    struct bill_usage *out)
{
	struct arena a;
	struct activity *v;
	size_t n, i;
	int64_t raw, billed;
	int rc;

	memset(out, 0, sizeof(*out));
	arena_init(&a);
	if ((rc = activity_list(db, k->traj_id, &a, &v, &n)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		/* The whole trajectory: a package or a price covers it, also
		 * what came before the contract was written down. */
		if (v[i].seconds <= 0)
			continue;
		raw = (v[i].seconds + 59) / 60;
		if (raw > LIMIT_BILL_QTY)
			raw = LIMIT_BILL_QTY;
		if (bill_round_minutes(raw, k->round_minutes ?
		    k->round_minutes : 1, k->min_minutes, &billed) != 0)
			billed = raw;
		out->raw_minutes += raw;
		out->billed_minutes += billed;
		if (session_kind(v[i].kind))
			out->sessions++;
	}
out:
	arena_release(&a);
	return rc;
}

/* --- The estimate calculator ---------------------------------------------- */

static const char *const est_kinds[BILL_NEST_KINDS] = { BILL_EST_KINDS };

const char *
bill_estimate_kind_of(const char *k)
{
	if (strncmp(k, "chat", 4) == 0 || strcmp(k, "hourglass") == 0 ||
	    strncmp(k, "message", 7) == 0 || strcmp(k, "writing") == 0 ||
	    strcmp(k, "reading") == 0)
		return "written";
	if (strcmp(k, "call") == 0 || strcmp(k, "phone") == 0)
		return "call";
	if (strcmp(k, "video") == 0)
		return "video";
	if (strcmp(k, "appointment") == 0 || strcmp(k, "visit") == 0)
		return "visit";
	if (strncmp(k, "assignment", 10) == 0 || strcmp(k, "feedback") == 0)
		return "assignment";
	if (strncmp(k, "questionnaire", 13) == 0 || strcmp(k, "review") == 0)
		return "questionnaire";
	if (strcmp(k, "preparation") == 0)
		return "preparation";
	return "other";
}

static int
est_kind_index(const char *k)
{
	int i;

	for (i = 0; k != NULL && i < BILL_NEST_KINDS; i++)
		if (strcmp(k, est_kinds[i]) == 0)
			return i;
	return -1;
}

static int
estimate_compute(struct bill_estimate *e, struct why *w)
{
	int64_t m = 0, lm;
	size_t i;
	int rc;

	for (i = 0; i < e->n; i++) {
		if (__builtin_mul_overflow(e->line[i].times, e->line[i].minutes,
		    &lm) || __builtin_add_overflow(m, lm, &m) ||
		    m > (int64_t)LIMIT_BILL_QTY * 100)
			return why_set(w, ERR_INVAL, NULL,
			    N_("These activities add up to too many minutes."));
	}
	e->minutes = m;
	if ((rc = bill_mul_div(m, e->cost_rate_cents, 60,
	    &e->cost_cents)) != 0 ||
	    (rc = bill_mul_div(e->cost_cents, 100 + e->margin_pct, 100,
	    &e->price_cents)) != 0)
		return why_set(w, ERR_INVAL, "cost_rate",
		    N_("This amount is too large (at most 100 million euros)."));
	return 0;
}

int
bill_estimate_parse(const struct bill_estimate_text *t,
    struct bill_estimate *out, struct why *w)
{
	static const char *const tf[] = { "times_0", "times_1", "times_2",
		"times_3", "times_4", "times_5", "times_6", "times_7",
		"times_8", "times_9", "times_10", "times_11" };
	static const char *const mf[] = { "minutes_0", "minutes_1",
		"minutes_2", "minutes_3", "minutes_4", "minutes_5",
		"minutes_6", "minutes_7", "minutes_8", "minutes_9",
		"minutes_10", "minutes_11" };
	static const char *const kf[] = { "kind_0", "kind_1", "kind_2",
		"kind_3", "kind_4", "kind_5", "kind_6", "kind_7", "kind_8",
		"kind_9", "kind_10", "kind_11" };
	size_t i;
	int rc;

	_Static_assert(sizeof(tf) / sizeof(tf[0]) == LIMIT_ESTIMATE_LINES,
	    "a field name per estimate row");
	memset(out, 0, sizeof(*out));
	if (t->rows > LIMIT_ESTIMATE_LINES)
		return why_set(w, ERR_TOOMANY, NULL,
		    N_("An estimate has too many rows."));
	if ((rc = get_cents(t->cost_rate, true, "cost_rate", w,
	    &out->cost_rate_cents)) != 0 ||
	    (rc = get_qty(t->margin, 0, "margin", w, &out->margin_pct)) != 0)
		return rc;
	if (out->margin_pct > LIMIT_BILL_MARGIN) {
		why_set(w, ERR_INVAL, "margin",
		    N_("This number is too large (at most %d)."));
		if (w)
			w->limit = LIMIT_BILL_MARGIN;
		return ERR_INVAL;
	}
	for (i = 0; i < t->rows; i++) {
		struct bill_estimate_line *l = &out->line[out->n];
		int k;

		if (blank(t->times[i]) && blank(t->minutes[i]))
			continue;
		if ((k = est_kind_index(t->kind[i])) < 0)
			return why_set(w, ERR_INVAL, kf[i],
			    N_("Choose a kind of activity."));
		if ((rc = get_qty(t->times[i], 0, tf[i], w, &l->times)) != 0 ||
		    (rc = get_qty(t->minutes[i], 0, mf[i], w,
		    &l->minutes)) != 0)
			return rc;
		l->kind = est_kinds[k];
		out->n++;
	}
	if (out->n == 0)
		return why_set(w, ERR_INVAL, "times_0",
		    N_("List at least one expected activity."));
	if ((rc = estimate_compute(out, w)) != 0)
		return rc;
	out->set = true;
	return 0;
}

struct estimate_job {
	int64_t org_id, traj_id, by, now;
	const struct bill_estimate *e;
	bool use;
	const struct audit_event *ev;
};

static int
estimate_run(struct db_conn *c, void *arg)
{
	struct estimate_job *j = arg;
	struct audit_event ev;
	struct db_stmt *st;
	size_t i;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO billing_estimates (trajectory_id, "
	    "org_id, cost_rate_cents, margin_pct, updated_by, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (trajectory_id) DO UPDATE "
	    "SET cost_rate_cents = excluded.cost_rate_cents, margin_pct = "
	    "excluded.margin_pct, updated_by = excluded.updated_by, "
	    "updated_at = excluded.updated_at", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->traj_id);
	db_bind_i64(st, 2, j->org_id);
	db_bind_i64(st, 3, j->e->cost_rate_cents);
	db_bind_i64(st, 4, j->e->margin_pct);
	db_bind_i64(st, 5, j->by);
	db_bind_i64(st, 6, j->now);
	if ((rc = db_run(st)) != 0)
		return rc;
	if ((rc = db_prepare(c, "DELETE FROM billing_estimate_lines WHERE "
	    "trajectory_id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->traj_id);
	if ((rc = db_run(st)) != 0)
		return rc;
	for (i = 0; i < j->e->n; i++) {
		if ((rc = db_prepare(c, "INSERT INTO billing_estimate_lines "
		    "(trajectory_id, pos, kind, times, minutes) VALUES (?, ?, "
		    "?, ?, ?)", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->traj_id);
		db_bind_i64(st, 2, (int64_t)i);
		db_bind_textz(st, 3, j->e->line[i].kind);
		db_bind_i64(st, 4, j->e->line[i].times);
		db_bind_i64(st, 5, j->e->line[i].minutes);
		if ((rc = db_run(st)) != 0)
			return rc;
	}
	if (j->use) {
		if ((rc = db_prepare(c, "UPDATE billing_contracts SET kind = "
		    "'fixed', price_cents = ?, updated_by = ?, updated_at = ? "
		    "WHERE trajectory_id = ?", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, j->e->price_cents);
		db_bind_i64(st, 2, j->by);
		db_bind_i64(st, 3, j->now);
		db_bind_i64(st, 4, j->traj_id);
		if ((rc = db_step_one(st, ERR_NOTFOUND)) != 0)
			return rc;
	}
	ev = audit_event_from(j->ev, j->org_id, AUDIT_UPDATE, "billing",
	    "estimate", 0, j->traj_id);
	return audit_append(c, &ev);
}

int
bill_estimate_set(struct db *db, int64_t org_id, int64_t traj_id,
    int64_t by, const struct bill_estimate_text *t, bool use_price,
    int64_t now, const struct audit_event *ev, struct why *why)
{
	struct bill_estimate e;
	struct estimate_job j = { org_id, traj_id, by, now, &e, use_price, ev };
	int rc;

	if ((rc = bill_estimate_parse(t, &e, why)) != 0)
		return rc;
	if (ev == NULL)
		return ERR_INVAL;
	rc = db_write(db, estimate_run, &j);
	if (rc == ERR_NOTFOUND)
		return why_set(why, ERR_NOTFOUND, "use",
		    N_("Set a contract first; then the estimate's price can "
		    "become its fixed price."));
	return rc;
}

int
bill_estimate_get(struct db *db, int64_t traj_id, struct arena *a,
    struct bill_estimate *out)
{
	struct db_conn *c;
	struct db_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT cost_rate_cents, margin_pct FROM "
	    "billing_estimates WHERE trajectory_id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	if ((rc = db_step(st)) != DB_ROW) {
		db_done(st);
		goto out;
	}
	out->cost_rate_cents = db_col_i64(st, 0);
	out->margin_pct = db_col_i64(st, 1);
	db_done(st);
	if ((rc = db_prepare(c, "SELECT kind, times, minutes FROM "
	    "billing_estimate_lines WHERE trajectory_id = ? ORDER BY pos",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	while ((rc = db_step(st)) == DB_ROW && out->n < LIMIT_ESTIMATE_LINES) {
		struct bill_estimate_line *l = &out->line[out->n++];
		int k = est_kind_index(db_col_copy(st, 0, a).p);

		l->kind = est_kinds[k < 0 ? BILL_NEST_KINDS - 1 : k];
		l->times = db_col_i64(st, 1);
		l->minutes = db_col_i64(st, 2);
	}
	db_done(st);
	if (rc < 0)
		goto out;
	rc = estimate_compute(out, NULL);
	out->set = rc == 0;
out:
	db_read_end(db, c);
	return rc < 0 ? rc : 0;
}

int
bill_actual_minutes(struct db *db, int64_t traj_id,
    int64_t out[BILL_NEST_KINDS])
{
	struct arena a;
	struct activity *v;
	size_t n, i;
	int rc;

	memset(out, 0, sizeof(int64_t) * BILL_NEST_KINDS);
	arena_init(&a);
	if ((rc = activity_list(db, traj_id, &a, &v, &n)) == 0)
		for (i = 0; i < n; i++) {
			int k = est_kind_index(bill_estimate_kind_of(
			    v[i].kind));

			out[k < 0 ? BILL_NEST_KINDS - 1 : k] +=
			    (v[i].seconds + 59) / 60;
		}
	arena_release(&a);
	return rc;
}

/* --- The time page's budget ----------------------------------------------- */

/* The contract's kind and package of traj_id, without opening the sealed
 * name and address (no key needed).  ERR_NOTFOUND: no contract. */
static int
contract_shape(struct db *db, int64_t traj_id, struct bill_contract *k)
{
	struct db_conn *c;
	struct db_stmt *st;
	char kind[16];
	int rc;

	memset(k, 0, sizeof(*k));
	k->traj_id = traj_id;
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT kind, package_sessions, "
	    "package_minutes, round_minutes, min_minutes FROM "
	    "billing_contracts WHERE trajectory_id = ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	if ((rc = db_step(st)) == DB_ROW) {
		struct str t = db_col_text(st, 0);

		snprintf(kind, sizeof(kind), "%.*s", (int)t.len,
		    t.p ? t.p : "");
		rc = kind_parse(kind, &k->kind);
		k->package_sessions = db_col_i64(st, 1);
		k->package_minutes = db_col_i64(st, 2);
		k->round_minutes = db_col_i64(st, 3);
		k->min_minutes = db_col_i64(st, 4);
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_done(st);
out:
	db_read_end(db, c);
	return rc;
}

int
bill_budget(struct db *db, int64_t traj_id, struct bill_budget *out)
{
	struct bill_contract k;
	struct bill_estimate e;
	struct bill_usage u;
	struct activity_settings s;
	struct arena a;
	int rc;

	memset(out, 0, sizeof(*out));
	out->minutes = -1;
	rc = contract_shape(db, traj_id, &k);
	if (rc != 0 && rc != ERR_NOTFOUND)
		return rc;
	if (rc == 0 && k.kind == BILL_PACKAGE && k.package_sessions > 0) {
		if ((rc = bill_usage_get(db, &k, &u)) != 0)
			return rc;
		out->from = BILL_BUDGET_SESSIONS;
		out->sessions = k.package_sessions;
		out->sessions_used = u.sessions;
		return 0;
	}
	if (rc == 0 && k.kind == BILL_PACKAGE && k.package_minutes > 0) {
		out->from = BILL_BUDGET_HOURS;
		out->minutes = k.package_minutes;
		return 0;
	}
	if (rc == 0 && (k.kind == BILL_MINUTE || k.kind == BILL_FIXED)) {
		arena_init(&a);
		rc = bill_estimate_get(db, traj_id, &a, &e);
		arena_release(&a);
		if (rc != 0)
			return rc;
		if (e.set && e.minutes > 0) {
			out->from = BILL_BUDGET_ESTIMATE;
			out->minutes = e.minutes;
			return 0;
		}
	}
	/* No contract, or one that sets no budget: the trajectory's own. */
	if ((rc = activity_settings_get(db, traj_id, &s)) != 0)
		return rc;
	out->from = BILL_BUDGET_SETTING;
	out->minutes = s.budget_minutes;
	return 0;
}

int
bill_budget_minutes(struct db *db, int64_t traj_id, int64_t *minutes)
{
	struct bill_budget b;
	int rc;

	*minutes = -1;
	if ((rc = bill_budget(db, traj_id, &b)) == 0)
		*minutes = b.minutes;
	return rc;
}
