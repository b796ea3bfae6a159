/*
 * invoice.c - invoices and credit notes (billing.h).  Owns
 * invoice_counters, invoices and invoice_lines.
 *
 * The lines are computed before the write job, from the contract and the
 * activities as corrected; the job then takes the organisation's next
 * number (UPDATE ... RETURNING on its counter row, which PostgreSQL
 * locks until the commit, so two nodes cannot take one number) and
 * stores the invoice with it.  Number and invoice live or die together:
 * a refusal, a failed statement, a failed commit or a SIGKILL leaves the
 * counter where it was.  UNIQUE (org_id, seq) is the last line of
 * defence.
 *
 * An invoice row is never updated.  A credit note is a new invoice with
 * its own number, the same lines negated and credits naming the original;
 * UNIQUE (credits) allows one per invoice.
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
#include "identity/identity.h"
#include "keys/keyring.h"
#include "promise/tz.h"
#include "stakeholder/stakeholder.h"
#include "store/db.h"
#include "core/banned.h"

const char *
invoice_number(const struct invoice *v, char *out, size_t n)
{
	int64_t y;
	int mo, d;

	tz_civil_from_days(v->issued_at / 86400, &y, &mo, &d);
	snprintf(out, n, "%04lld-%06lld", (long long)y, (long long)v->seq);
	return out;
}

int
invoice_totals(struct invoice *v)
{
	int64_t base[BILL_NVAT] = { 0 };
	bool used[BILL_NVAT] = { false };
	size_t i;
	int k, rc;

	v->ngroups = 0;
	v->net_cents = v->vat_cents = v->total_cents = 0;
	for (i = 0; i < v->n; i++) {
		k = (int)v->line[i].vat;
		if (k < 0 || k >= BILL_NVAT)
			return ERR_INVAL;
		used[k] = true;
		if ((rc = bill_add(&base[k], v->line[i].amount_cents)) != 0 ||
		    (rc = bill_add(&v->net_cents,
		    v->line[i].amount_cents)) != 0)
			return rc;
	}
	for (k = 0; k < BILL_NVAT; k++) {
		struct invoice_vat_group *g;

		if (!used[k])
			continue;
		g = &v->group[v->ngroups++];
		g->vat = (enum bill_vat)k;
		g->base_cents = base[k];
		/* VAT per rate over the rate's total (EN 16931 BT-117). */
		if ((rc = bill_mul_div(base[k], bill_vat_pct(g->vat), 100,
		    &g->vat_cents)) != 0 ||
		    (rc = bill_add(&v->vat_cents, g->vat_cents)) != 0)
			return rc;
	}
	v->total_cents = v->net_cents;
	return bill_add(&v->total_cents, v->vat_cents);
}

/* --- Lines from the contract ---------------------------------------------- */

static const char *
kind_label(const char *k)
{
	if (strcmp(k, "chat") == 0) return N_("Chat");
	if (strcmp(k, "chat_active") == 0) return N_("Chat (active time)");
	if (strcmp(k, "hourglass") == 0) return N_("Hourglass");
	if (strcmp(k, "call") == 0) return N_("Calls");
	if (strcmp(k, "appointment") == 0) return N_("Appointments");
	return NULL;
}

static bool
session_kind(const char *k)
{
	return strcmp(k, "appointment") == 0 || strcmp(k, "call") == 0 ||
	    strcmp(k, "visit") == 0 || strcmp(k, "video") == 0 ||
	    strcmp(k, "phone") == 0;
}

static int
add_line(struct invoice *v, const struct invoice_line *l, struct why *w)
{
	if (v->n >= LIMIT_INVOICE_LINES)
		return why_set(w, ERR_TOOMANY, NULL,
		    N_("An invoice has too many lines."));
	v->line[v->n++] = *l;
	return 0;
}

/* Minute contracts: one line per kind of activity in the period, each
 * activity rounded and raised to the minimum on its own. */
static int
minute_lines(const struct bill_contract *k, const struct activity *a,
    size_t na, int64_t from, int64_t to, bill_tr_fn tr, struct arena *ar,
    struct invoice *v, struct why *w)
{
	size_t i, j, first = v->n;
	int64_t raw, billed;
	int rc;

	for (i = 0; i < na; i++) {
		struct invoice_line *l = NULL;
		const char *label;

		if (a[i].started_at < from || a[i].started_at >= to ||
		    a[i].seconds <= 0)
			continue;
		raw = (a[i].seconds + 59) / 60;
		if ((rc = bill_round_minutes(raw, k->round_minutes,
		    k->min_minutes, &billed)) != 0)
			return why_set(w, ERR_INVAL, NULL,
			    N_("A recorded time is too long to invoice."));
		label = kind_label(a[i].kind);
		label = label ? tr(label) : a[i].kind;
		for (j = first; j < v->n; j++)
			if (strcmp(v->line[j].description, label) == 0)
				l = &v->line[j];
		if (l == NULL) {
			struct invoice_line nl = { label, 0, "MIN", 60,
				k->rate_cents, 0, 0, k->vat };

			if ((rc = add_line(v, &nl, w)) != 0)
				return rc;
			l = &v->line[v->n - 1];
			l->description = arena_strdup(ar, label);
		}
		if (__builtin_add_overflow(l->quantity, billed, &l->quantity) ||
		    l->quantity > LIMIT_BILL_QTY ||
		    __builtin_add_overflow(l->raw_minutes, raw,
		    &l->raw_minutes))
			return why_set(w, ERR_INVAL, NULL,
			    N_("These activities add up to too many minutes."));
	}
	for (j = first; j < v->n; j++)
		if ((rc = bill_mul_div(v->line[j].quantity,
		    v->line[j].unit_cents, 60, &v->line[j].amount_cents)) != 0)
			return why_set(w, ERR_INVAL, NULL,
			    N_("This amount is too large (at most 100 million "
			    "euros)."));
	return 0;
}

static int
contract_lines(const struct bill_contract *k, const struct activity *a,
    size_t na, int64_t from, int64_t to, bill_tr_fn tr, struct arena *ar,
    struct invoice *v, struct why *w)
{
	struct invoice_line l = { NULL, 1, "C62", 1, k->price_cents, 0,
		k->price_cents, k->vat };
	size_t i;
	int rc;

	switch (k->kind) {
	case BILL_MINUTE:
		return minute_lines(k, a, na, from, to, tr, ar, v, w);
	case BILL_SESSION:
		l.quantity = 0;
		for (i = 0; i < na; i++)
			if (a[i].started_at >= from && a[i].started_at < to &&
			    session_kind(a[i].kind))
				l.quantity++;
		if (l.quantity == 0)
			return 0;
		l.description = tr(N_("Sessions"));
		if ((rc = bill_mul_div(l.quantity, k->price_cents, 1,
		    &l.amount_cents)) != 0)
			return why_set(w, ERR_INVAL, NULL, N_("This amount is too "
			    "large (at most 100 million euros)."));
		return add_line(v, &l, w);
	case BILL_PACKAGE:
		l.description = k->package_sessions > 0 ?
		    arena_printf(ar, "%s (%lld)", tr(N_("Package of sessions")),
		    (long long)k->package_sessions) :
		    arena_printf(ar, "%s (%lld h)", tr(N_("Package of hours")),
		    (long long)(k->package_minutes / 60));
		return add_line(v, &l, w);
	case BILL_FIXED:
		l.description = tr(N_("Trajectory price"));
		return add_line(v, &l, w);
	}
	return ERR_INVAL;
}

static int
extra_line(const struct invoice_extra_text *x, const struct bill_contract *k,
    struct invoice *v, struct why *w)
{
	struct invoice_line l = { x->description, 0, "C62", 1, 0, 0, 0,
		k->vat };
	const char *q = x->quantity ? x->quantity : "";
	size_t n = x->description ? strlen(x->description) : 0, i;
	int rc;

	if (n == 0 && q[0] == '\0' && (x->price == NULL || !x->price[0]))
		return 0;
	if (n == 0 || n > LIMIT_BILL_TEXT || !utf8_valid(x->description, n))
		return why_set(w, ERR_INVAL, "extra_description",
		    N_("Describe the line in at most 200 characters."));
	for (i = 0; i < n; i++)
		if ((unsigned char)x->description[i] < 0x20)
			return why_set(w, ERR_INVAL, "extra_description",
			    N_("This text has characters that cannot be "
			    "read."));
	while (*q == ' ')
		q++;
	if (*q == '-')
		return why_set(w, ERR_INVAL, "extra_quantity",
		    N_("A quantity cannot be negative; correct an invoice "
		    "with a credit note."));
	if (num_parse_i64(str_c(q), 1, INT64_MAX, &l.quantity) != 0)
		return why_set(w, ERR_INVAL, "extra_quantity",
		    N_("Give a whole number, such as 12."));
	if (l.quantity > LIMIT_BILL_QTY)
		return why_set(w, ERR_INVAL, "extra_quantity",
		    N_("This number is too large."));
	if (x->price == NULL || x->price[0] == '\0')
		return why_set(w, ERR_INVAL, "extra_price",
		    N_("Give an amount in euros, such as 85,00."));
	if (strchr(x->price, '-') != NULL)
		return why_set(w, ERR_INVAL, "extra_price",
		    N_("An amount cannot be negative."));
	if ((rc = bill_parse_cents(x->price, &l.unit_cents)) != 0)
		return why_set(w, ERR_INVAL, "extra_price", rc == ERR_TOOBIG ?
		    N_("This amount is too large (at most 100 million euros).") :
		    N_("Give an amount in euros, such as 85,00."));
	if ((rc = bill_mul_div(l.quantity, l.unit_cents, 1,
	    &l.amount_cents)) != 0)
		return why_set(w, ERR_INVAL, "extra_price",
		    N_("This amount is too large (at most 100 million euros)."));
	return add_line(v, &l, w);
}

/* --- Storing -------------------------------------------------------------- */

static const char *
seller_text(struct arena *a, const char *org_name, const struct bill_org *o)
{
	return arena_printf(a, "%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s", org_name,
	    o->legal_name, o->street, o->postcode, o->city, o->kvk,
	    o->vat_number, o->iban);
}

static void
seller_parse(struct arena *a, const char *s, struct invoice *v)
{
	const char **f[] = { &v->seller_name, &v->seller.legal_name,
		&v->seller.street, &v->seller.postcode, &v->seller.city,
		&v->seller.kvk, &v->seller.vat_number, &v->seller.iban };
	size_t i;
	const char *nl;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		nl = s ? strchr(s, '\n') : NULL;
		*f[i] = s == NULL ? "" : nl ? arena_strndup(a, s,
		    (size_t)(nl - s)) : s;
		s = s && nl ? nl + 1 : NULL;
	}
	v->seller.set = v->seller.kvk[0] != '\0';
}

/* Take the next number of org_id: 0 or an error. */
static int
next_seq(struct db_conn *c, int64_t org_id, int64_t *seq)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "INSERT INTO invoice_counters (org_id, "
	    "last_seq) VALUES (?, 0) ON CONFLICT (org_id) DO NOTHING",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, org_id);
	if ((rc = db_run(st)) != 0)
		return rc;
	if ((rc = db_prepare(c, "UPDATE invoice_counters SET last_seq = "
	    "last_seq + 1 WHERE org_id = ? RETURNING last_seq", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, org_id);
	return db_step_id(st, seq);
}

struct store_job {
	struct keyring *kr;
	struct invoice *v;
	const char *seller;
	const void *buyer;        /* sealed already (a credit note) or */
	size_t buyer_len;
	const char *buyer_plain;  /* to seal in the job */
	const void *addressee;    /* sealed already (a credit note) or */
	size_t addressee_len;
	const char *to_address;   /* a stakeholder's (v->addressee_stake):
	                             checked and sealed in the job */
	bool to_refused;          /* the consent did not allow it */
	struct arena *a;
	int64_t by;
	const struct audit_event *ev;
	int64_t credit_of;        /* invoice_credit: re-read in the job */
};

static int
store_lines(struct db_conn *c, const struct invoice *v)
{
	struct db_stmt *st;
	size_t i;
	int rc;

	for (i = 0; i < v->n; i++) {
		const struct invoice_line *l = &v->line[i];

		if ((rc = db_prepare(c, "INSERT INTO invoice_lines (invoice_id, "
		    "pos, description, quantity, unit, base_quantity, "
		    "unit_cents, raw_minutes, amount_cents, vat) VALUES (?, ?, "
		    "?, ?, ?, ?, ?, ?, ?, ?)", &st)) != 0)
			return rc;
		db_bind_i64(st, 1, v->id);
		db_bind_i64(st, 2, (int64_t)i);
		db_bind_textz(st, 3, l->description);
		db_bind_i64(st, 4, l->quantity);
		db_bind_textz(st, 5, l->unit);
		db_bind_i64(st, 6, l->base_quantity);
		db_bind_i64(st, 7, l->unit_cents);
		db_bind_i64(st, 8, l->raw_minutes);
		db_bind_i64(st, 9, l->amount_cents);
		db_bind_textz(st, 10, bill_vat_code(l->vat));
		if ((rc = db_run(st)) != 0)
			return rc;
	}
	return 0;
}

static int
store_run(struct db_conn *c, void *arg)
{
	struct store_job *j = arg;
	struct invoice *v = j->v;
	struct audit_event ev;
	struct db_stmt *st;
	struct buf box = BUF_INIT, tobox = BUF_INIT;
	const char *name, *to;
	int rc;

	/* The client's consent, in the job that numbers the invoice: one
	 * withdrawn a moment ago refuses it, and no number is taken. */
	if (j->to_address != NULL && v->addressee_stake > 0) {
		if ((rc = stake_invoice_to_on(c, v->traj_id, v->addressee_stake,
		    j->a, &name)) != 0) {
			j->to_refused = rc == ERR_NOTFOUND ||
			    rc == ERR_FORBIDDEN;
			goto out;
		}
		to = arena_printf(j->a, "%s\n%s", name, j->to_address);
		if ((rc = keyring_seal(j->kr, c, v->org_id, to, strlen(to),
		    &tobox)) != 0)
			goto out;
		j->addressee = tobox.p;
		j->addressee_len = tobox.len;
	}
	if (j->buyer_plain != NULL) {
		if ((rc = keyring_seal(j->kr, c, v->org_id, j->buyer_plain,
		    strlen(j->buyer_plain), &box)) != 0)
			goto out;
		j->buyer = box.p;
		j->buyer_len = box.len;
	}
	if ((rc = next_seq(c, v->org_id, &v->seq)) != 0)
		goto out;
	if ((rc = db_prepare(c, "INSERT INTO invoices (org_id, seq, "
	    "trajectory_id, client_id, credits, issued_at, due_at, "
	    "period_from, period_to, seller, buyer, net_cents, vat_cents, "
	    "total_cents, created_by, addressee_stake, addressee) VALUES (?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &st)) != 0)
		goto out;
	db_bind_i64(st, 1, v->org_id);
	db_bind_i64(st, 2, v->seq);
	db_bind_i64(st, 3, v->traj_id);
	db_bind_i64(st, 4, v->client_id);
	db_bind_id(st, 5, v->credits);
	db_bind_i64(st, 6, v->issued_at);
	db_bind_i64(st, 7, v->due_at);
	db_bind_i64(st, 8, v->period_from);
	db_bind_i64(st, 9, v->period_to);
	db_bind_textz(st, 10, j->seller);
	db_bind_blob(st, 11, j->buyer, j->buyer_len);
	db_bind_i64(st, 12, v->net_cents);
	db_bind_i64(st, 13, v->vat_cents);
	db_bind_i64(st, 14, v->total_cents);
	db_bind_i64(st, 15, j->by);
	db_bind_id(st, 16, j->addressee ? v->addressee_stake : 0);
	if (j->addressee)
		db_bind_blob(st, 17, j->addressee, j->addressee_len);
	else
		db_bind_null(st, 17);
	if ((rc = db_step_id(st, &v->id)) != 0)
		goto out;
	if ((rc = store_lines(c, v)) != 0)
		goto out;
	ev = audit_event_from(j->ev, v->org_id, AUDIT_CREATE, "invoice",
	    v->credits ? "credit" : NULL, v->client_id, v->id);
	rc = audit_append(c, &ev);
out:
	buf_release(&tobox);
	buf_release(&box);
	return rc;
}

int
invoice_create(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t traj_id, int64_t client_id, int64_t by, int64_t from, int64_t to,
    const struct invoice_extra_text *extra, size_t nextra, bill_tr_fn tr,
    int64_t now, const struct audit_event *ev, struct why *why,
    int64_t *id)
{
	return invoice_create_to(db, kr, org_id, traj_id, client_id, by, from,
	    to, extra, nextra, NULL, tr, now, ev, why, id);
}

/* The form's addressee: 0 for the client, else a link id (> 0). */
static int
addressee_parse(const struct invoice_to *t, int64_t *stake, struct why *w)
{
	const char *s = t != NULL && t->stake != NULL ? t->stake : "";

	*stake = 0;
	if (s[0] == '\0' || strcmp(s, "client") == 0)
		return 0;
	if (num_parse_i64(str_c(s), 1, INT64_MAX, stake) != 0)
		return why_set(w, ERR_INVAL, "addressee", N_("Choose the "
		    "client or a stakeholder of this trajectory."));
	return bill_text_check(t->address, 3 * LIMIT_BILL_TEXT, true,
	    "addressee_address", w);
}

int
invoice_create_to(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t traj_id, int64_t client_id, int64_t by, int64_t from, int64_t to,
    const struct invoice_extra_text *extra, size_t nextra,
    const struct invoice_to *addressee, bill_tr_fn tr, int64_t now,
    const struct audit_event *ev, struct why *why, int64_t *id)
{
	struct arena a;
	struct bill_contract k;
	struct bill_org o;
	struct org org;
	struct activity *act = NULL;
	struct invoice v;
	struct store_job j;
	const char *name;
	size_t na = 0, i;
	int64_t stake;
	int rc;

	*id = 0;
	if (ev == NULL || org_id <= 0 || traj_id <= 0 || client_id <= 0)
		return ERR_INVAL;
	if ((rc = addressee_parse(addressee, &stake, why)) != 0)
		return rc;
	if (from < 0 || to <= from || to - from > (int64_t)400 * 86400)
		return why_set(why, ERR_INVAL, "from",
		    N_("Give a period that ends after it starts, of at most "
		    "a year."));
	if (nextra > 3)
		return ERR_TOOMANY;
	arena_init(&a);
	memset(&v, 0, sizeof(v));
	v.line = arena_alloc(&a, sizeof(*v.line) * LIMIT_INVOICE_LINES);
	if ((rc = bill_contract_get(db, kr, traj_id, &a, &k)) != 0) {
		if (rc == ERR_NOTFOUND)
			why_set(why, rc, "contract", N_("This trajectory has "
			    "no contract yet: set how it is priced first."));
		goto out;
	}
	if ((rc = bill_org_get(db, org_id, &a, &o)) != 0 ||
	    (rc = org_get(db, org_id, &a, &org)) != 0 ||
	    (rc = activity_list(db, traj_id, &a, &act, &na)) != 0)
		goto out;
	if ((rc = contract_lines(&k, act, na, from, to, tr, &a, &v,
	    why)) != 0)
		goto out;
	for (i = 0; i < nextra; i++)
		if ((rc = extra_line(&extra[i], &k, &v, why)) != 0)
			goto out;
	if (v.n == 0) {
		rc = why_set(why, ERR_INVAL, NULL,
		    N_("There is nothing to invoice in this period."));
		goto out;
	}
	if ((rc = invoice_totals(&v)) != 0) {
		rc = why_set(why, ERR_INVAL, NULL,
		    N_("This amount is too large (at most 100 million euros)."));
		goto out;
	}
	name = k.bill_name && k.bill_name[0] ? k.bill_name : NULL;
	if (name == NULL) {
		struct db_conn *c;

		if ((rc = db_read_begin(db, &c)) != 0)
			goto out;
		rc = user_names_on(c, &client_id, 1, &a, &name);
		db_read_end(db, c);
		if (rc != 0)
			goto out;
	}
	v.org_id = org_id;
	v.traj_id = traj_id;
	v.client_id = client_id;
	v.issued_at = now;
	v.due_at = now + (int64_t)LIMIT_INVOICE_DUE_DAYS * 86400;
	v.period_from = from;
	v.period_to = to;
	memset(&j, 0, sizeof(j));
	j.kr = kr;
	j.v = &v;
	j.seller = seller_text(&a, org.name, &o);
	j.buyer_plain = arena_printf(&a, "%s\n%s", name,
	    k.bill_address ? k.bill_address : "");
	v.addressee_stake = stake;
	j.to_address = stake > 0 ? addressee->address ? addressee->address :
	    "" : NULL;
	j.a = &a;
	j.by = by;
	j.ev = ev;
	if ((rc = db_write(db, store_run, &j)) == 0)
		*id = v.id;
	else if (j.to_refused && rc == ERR_NOTFOUND)
		why_set(why, rc, "addressee", N_("Choose the client or a "
		    "stakeholder of this trajectory."));
	else if (j.to_refused)
		why_set(why, rc, "addressee", N_("The client does not consent "
		    "(or no longer consents) to invoices going to this "
		    "stakeholder; address it to the client, or ask the client "
		    "for consent."));
out:
	arena_release(&a);
	return rc;
}

/* --- Reading -------------------------------------------------------------- */

/* A sealed "name\naddress" (the buyer, the addressee) opened and split
 * at its first line; nothing is set when it cannot be opened. */
static int
open_name_address(struct keyring *kr, struct db_conn *c, int64_t org_id,
    struct str box, struct arena *a, const char **name, const char **address)
{
	const char *b = NULL, *nl;
	int rc;

	if ((rc = keyring_open_str(kr, c, org_id, box, a, &b, NULL)) != 0)
		return rc;
	nl = strchr(b, '\n');
	*name = nl ? arena_strndup(a, b, (size_t)(nl - b)) : b;
	*address = nl ? nl + 1 : "";
	return 0;
}

static int
read_head(struct db_conn *c, struct keyring *kr, int64_t id, bool buyer,
    struct arena *a, struct invoice *v)
{
	struct db_stmt *st;
	int rc;

	if ((rc = db_prepare(c, "SELECT i.org_id, i.seq, i.trajectory_id, "
	    "i.client_id, i.credits, i.issued_at, i.due_at, i.period_from, "
	    "i.period_to, i.seller, i.buyer, i.net_cents, i.vat_cents, "
	    "i.total_cents, (SELECT x.id FROM invoices x WHERE x.credits = "
	    "i.id), (SELECT y.seq FROM invoices y WHERE y.id = i.credits), "
	    "(SELECT z.issued_at FROM invoices z WHERE z.id = i.credits), "
	    "i.addressee_stake, i.addressee FROM invoices i WHERE i.id = ?",
	    &st)) != 0)
		return rc;
	db_bind_i64(st, 1, id);
	if ((rc = db_step(st)) != DB_ROW) {
		db_done(st);
		return rc == DB_DONE ? ERR_NOTFOUND : rc;
	}
	v->id = id;
	v->org_id = db_col_i64(st, 0);
	v->seq = db_col_i64(st, 1);
	v->traj_id = db_col_i64(st, 2);
	v->client_id = db_col_i64(st, 3);
	v->credits = db_col_null(st, 4) ? 0 : db_col_i64(st, 4);
	v->issued_at = db_col_i64(st, 5);
	v->due_at = db_col_i64(st, 6);
	v->period_from = db_col_i64(st, 7);
	v->period_to = db_col_i64(st, 8);
	seller_parse(a, db_col_copy(st, 9, a).p, v);
	v->net_cents = db_col_i64(st, 11);
	v->vat_cents = db_col_i64(st, 12);
	v->total_cents = db_col_i64(st, 13);
	v->credited_by = db_col_null(st, 14) ? 0 : db_col_i64(st, 14);
	v->credits_seq = db_col_null(st, 15) ? 0 : db_col_i64(st, 15);
	v->credits_issued_at = db_col_null(st, 16) ? 0 : db_col_i64(st, 16);
	v->addressee_stake = db_col_null(st, 17) ? 0 : db_col_i64(st, 17);
	v->addressee_name = v->addressee_address = "";
	rc = 0;
	if (buyer && !db_col_null(st, 18))
		rc = open_name_address(kr, c, v->org_id, db_col_blob(st, 18), a,
		    &v->addressee_name, &v->addressee_address);
	if (buyer && rc == 0)
		rc = open_name_address(kr, c, v->org_id, db_col_blob(st, 10), a,
		    &v->buyer_name, &v->buyer_address);
	db_done(st);
	return rc;
}

static int
read_lines(struct db_conn *c, struct arena *a, struct invoice *v)
{
	struct db_stmt *st;
	int rc;

	v->line = arena_alloc(a, sizeof(*v->line) * LIMIT_INVOICE_LINES);
	v->n = 0;
	if ((rc = db_prepare(c, "SELECT description, quantity, unit, "
	    "base_quantity, unit_cents, raw_minutes, amount_cents, vat FROM "
	    "invoice_lines WHERE invoice_id = ? ORDER BY pos", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, v->id);
	while ((rc = db_step(st)) == DB_ROW && v->n < LIMIT_INVOICE_LINES) {
		struct invoice_line *l = &v->line[v->n++];

		l->description = db_col_copy(st, 0, a).p;
		l->quantity = db_col_i64(st, 1);
		l->unit = db_col_copy(st, 2, a).p;
		l->base_quantity = db_col_i64(st, 3);
		l->unit_cents = db_col_i64(st, 4);
		l->raw_minutes = db_col_i64(st, 5);
		l->amount_cents = db_col_i64(st, 6);
		if (bill_vat_parse(db_col_copy(st, 7, a).p, &l->vat) != 0)
			l->vat = BILL_VAT_S21;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int
invoice_get(struct db *db, struct keyring *kr, int64_t id, struct arena *a,
    struct invoice *out)
{
	struct db_conn *c;
	int64_t net, vat, total;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_read_snapshot(c)) == 0 &&
	    (rc = read_head(c, kr, id, true, a, out)) == 0)
		rc = read_lines(c, a, out);
	db_read_end(db, c);
	if (rc != 0)
		return rc;
	/* The groups from the lines; the stored totals must agree. */
	net = out->net_cents;
	vat = out->vat_cents;
	total = out->total_cents;
	if ((rc = invoice_totals(out)) != 0)
		return rc;
	if (net != out->net_cents || vat != out->vat_cents ||
	    total != out->total_cents)
		return ERR_INTERNAL;
	return 0;
}

int
invoice_list(struct db *db, int64_t traj_id, struct arena *a,
    struct invoice **out, size_t *n)
{
	struct db_conn *c;
	struct db_stmt *st;
	struct invoice *v;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	v = arena_alloc(a, sizeof(*v) * LIMIT_INVOICES);
	if ((rc = db_read_begin(db, &c)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT i.id, i.org_id, i.seq, i.client_id, "
	    "i.credits, i.issued_at, i.due_at, i.period_from, i.period_to, "
	    "i.seller, i.net_cents, i.vat_cents, i.total_cents, (SELECT x.id "
	    "FROM invoices x WHERE x.credits = i.id), (SELECT y.seq FROM "
	    "invoices y WHERE y.id = i.credits), (SELECT z.issued_at FROM "
	    "invoices z WHERE z.id = i.credits) FROM invoices i WHERE "
	    "i.trajectory_id = ? ORDER BY i.id LIMIT ?", &st)) != 0)
		goto out;
	db_bind_i64(st, 1, traj_id);
	db_bind_i64(st, 2, LIMIT_INVOICES);
	while ((rc = db_step(st)) == DB_ROW) {
		struct invoice *x = &v[k++];

		memset(x, 0, sizeof(*x));
		x->id = db_col_i64(st, 0);
		x->org_id = db_col_i64(st, 1);
		x->seq = db_col_i64(st, 2);
		x->traj_id = traj_id;
		x->client_id = db_col_i64(st, 3);
		x->credits = db_col_null(st, 4) ? 0 : db_col_i64(st, 4);
		x->issued_at = db_col_i64(st, 5);
		x->due_at = db_col_i64(st, 6);
		x->period_from = db_col_i64(st, 7);
		x->period_to = db_col_i64(st, 8);
		seller_parse(a, db_col_copy(st, 9, a).p, x);
		x->net_cents = db_col_i64(st, 10);
		x->vat_cents = db_col_i64(st, 11);
		x->total_cents = db_col_i64(st, 12);
		x->credited_by = db_col_null(st, 13) ? 0 : db_col_i64(st, 13);
		x->credits_seq = db_col_null(st, 14) ? 0 : db_col_i64(st, 14);
		x->credits_issued_at = db_col_null(st, 15) ? 0 :
		    db_col_i64(st, 15);
		x->buyer_name = x->buyer_address = "";
		x->addressee_name = x->addressee_address = "";
	}
	db_done(st);
	if (rc == DB_DONE)
		rc = 0;
	*out = v;
	*n = k;
out:
	db_read_end(db, c);
	return rc;
}

/* --- The organisation's export ------------------------------------------- */

struct export_job {
	const int64_t *client;
	size_t n;
	int64_t org_id;
	const struct audit_event *ev;
};

/* One entry per client whose invoices are exported (the ids are sorted
 * by invoice; a client is logged once). */
static int
export_log_run(struct db_conn *c, void *arg)
{
	struct export_job *j = arg;
	struct audit_event ev;
	size_t i, k;
	int rc;

	for (i = 0; i < j->n; i++) {
		for (k = 0; k < i && j->client[k] != j->client[i]; k++)
			;
		if (k < i)
			continue;
		ev = audit_event_from(j->ev, j->org_id, AUDIT_EXECUTE,
		    "invoice", "export", j->client[i], 0);
		if ((rc = audit_append(c, &ev)) != 0)
			return rc;
	}
	return 0;
}

int
invoice_export_org(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t from, int64_t to, const struct audit_event *ev, struct why *why,
    struct buf *out, size_t *n)
{
	struct arena a;
	struct db_conn *c;
	struct db_stmt *st;
	struct invoice *v = NULL;
	struct export_job j;
	int64_t *id, *client;
	size_t k = 0, i;
	int rc;

	*n = 0;
	if (ev == NULL || org_id <= 0 || to <= from)
		return ERR_INVAL;
	arena_init(&a);
	id = arena_alloc(&a, sizeof(*id) * LIMIT_INVOICES);
	client = arena_alloc(&a, sizeof(*client) * LIMIT_INVOICES);
	if ((rc = db_read_begin(db, &c)) != 0)
		goto out;
	if ((rc = db_prepare(c, "SELECT id, client_id FROM invoices WHERE "
	    "org_id = ? AND issued_at >= ? AND issued_at < ? ORDER BY seq "
	    "LIMIT ?", &st)) == 0) {
		db_bind_i64(st, 1, org_id);
		db_bind_i64(st, 2, from);
		db_bind_i64(st, 3, to);
		db_bind_i64(st, 4, (int64_t)LIMIT_INVOICES + 1);
		while ((rc = db_step(st)) == DB_ROW) {
			if (k == LIMIT_INVOICES) {
				k++;
				break;
			}
			id[k] = db_col_i64(st, 0);
			client[k++] = db_col_i64(st, 1);
		}
		db_done(st);
		rc = rc < 0 ? rc : 0;
	}
	db_read_end(db, c);
	if (rc != 0)
		goto out;
	if (k > LIMIT_INVOICES) {
		why_set(why, ERR_TOOMANY, "year", N_("More than %d invoices "
		    "in this period: export a shorter one."));
		if (why != NULL)
			why->limit = LIMIT_INVOICES;
		rc = ERR_TOOMANY;
		goto out;
	}
	/* Log first, then read and show. */
	memset(&j, 0, sizeof(j));
	j.client = client;
	j.n = k;
	j.org_id = org_id;
	j.ev = ev;
	if (k > 0 && (rc = db_write(db, export_log_run, &j)) != 0)
		goto out;
	v = arena_alloc(&a, sizeof(*v) * (k ? k : 1));
	for (i = 0; i < k; i++)
		if ((rc = invoice_get(db, kr, id[i], &a, &v[i])) != 0)
			goto out;
	if ((rc = invoice_csv(v, k, out)) == 0)
		*n = k;
out:
	arena_release(&a);
	return rc;
}

int
invoice_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id)
{
	return db_query_i64(c, "SELECT trajectory_id FROM invoices WHERE "
	    "id = ?", traj_id, 1, &id);
}

/* --- Credit notes --------------------------------------------------------- */

struct credit_job {
	struct keyring *kr;
	int64_t id, by, now;
	const struct audit_event *ev;
	struct invoice v;
	struct arena *a;
};

static int
credit_run(struct db_conn *c, void *arg)
{
	struct credit_job *j = arg;
	struct invoice *v = &j->v;
	struct store_job sj;
	struct db_stmt *st;
	struct str box, tobox;
	const char *seller, *buyer;
	size_t i;
	int rc;

	/* Re-read in the job: a credit note for one that was credited a
	 * moment ago must not slip through (UNIQUE (credits) would stop it
	 * too, with a less helpful error). */
	if ((rc = read_head(c, j->kr, j->id, false, j->a, v)) != 0)
		return rc;
	if (v->credits != 0 || v->credited_by != 0)
		return ERR_CONFLICT;
	if ((rc = read_lines(c, j->a, v)) != 0)
		return rc;
	if ((rc = db_prepare(c, "SELECT seller, buyer, addressee FROM "
	    "invoices WHERE id = ?", &st)) != 0)
		return rc;
	db_bind_i64(st, 1, j->id);
	if ((rc = db_step(st)) != DB_ROW) {
		db_done(st);
		return rc == DB_DONE ? ERR_NOTFOUND : rc;
	}
	seller = db_col_copy(st, 0, j->a).p;
	box = db_col_copy(st, 1, j->a);
	buyer = box.p;
	tobox.p = NULL;
	tobox.len = 0;
	if (!db_col_null(st, 2))
		tobox = db_col_copy(st, 2, j->a);
	db_done(st);
	for (i = 0; i < v->n; i++) {
		v->line[i].amount_cents = -v->line[i].amount_cents;
		v->line[i].quantity = -v->line[i].quantity;
		v->line[i].raw_minutes = -v->line[i].raw_minutes;
	}
	if ((rc = invoice_totals(v)) != 0)
		return rc;
	v->credits = j->id;
	v->credited_by = 0;
	v->issued_at = j->now;
	v->due_at = j->now;
	memset(&sj, 0, sizeof(sj));
	sj.kr = j->kr;
	sj.v = v;
	sj.seller = seller;
	sj.buyer = buyer;
	sj.buyer_len = box.len;
	/* To whom the invoice went, also when consent has since ended: a
	 * credit note cancels what that addressee received. */
	sj.addressee = tobox.p;
	sj.addressee_len = tobox.len;
	sj.a = j->a;
	sj.by = j->by;
	sj.ev = j->ev;
	return store_run(c, &sj);
}

int
invoice_credit(struct db *db, struct keyring *kr, int64_t id, int64_t by,
    int64_t now, const struct audit_event *ev, struct why *why,
    int64_t *credit_id)
{
	struct arena a;
	struct credit_job j;
	int rc;

	*credit_id = 0;
	if (ev == NULL)
		return ERR_INVAL;
	arena_init(&a);
	memset(&j, 0, sizeof(j));
	j.kr = kr;
	j.id = id;
	j.by = by;
	j.now = now;
	j.ev = ev;
	j.a = &a;
	rc = db_write(db, credit_run, &j);
	if (rc == 0)
		*credit_id = j.v.id;
	else if (rc == ERR_CONFLICT)
		why_set(why, rc, NULL, N_("This invoice was already credited, "
		    "or is itself a credit note."));
	arena_release(&a);
	return rc;
}
