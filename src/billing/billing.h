/*
 * billing.h - pricing and invoices (issue 13): the organisation's billing
 * details, a contract per trajectory, the estimate calculator, and
 * invoices and credit notes with Dutch VAT, as PDF (cairo and pango), CSV
 * and UBL 2.1 (the Dutch SI-UBL 2.0 profile).
 *
 * Money is int64 cents everywhere, never a floating-point number; every
 * product and sum is checked (bill_mul_div, bill_add) and bounded by
 * LIMIT_BILL_CENTS.  Raw minutes are always kept beside the rounded ones.
 *
 * Invoices are numbered without gaps per organisation: the number is
 * taken in the write job that stores the invoice (invoice_counters), so a
 * number and its invoice commit or roll back together, on both backends
 * and after a crash.  A sent invoice is never changed: a mistake is
 * corrected by a credit note (invoice_credit), which cancels it whole.
 *
 * The invoice is addressed to the client (the contract's name and
 * address, sealed with the organisation's key), or, while the client
 * consents (a stakeholder link sharing STAKE_INVOICES), to that
 * stakeholder, such as the employer: chosen per invoice
 * (invoice_create_to), checked in the write job that numbers it, stored
 * sealed beside the client's name; the PDF, UBL (as the buyer) and CSV
 * show it.
 *
 * Functions that check what a person typed take the form's text, return
 * ERR_INVAL (also for an amount past the limits) and say why in
 * a struct why naming the form's field; nothing is written then.
 *
 * Tables: billing_orgs, billing_contracts, billing_estimates,
 * billing_estimate_lines (billing.c); invoice_counters, invoices,
 * invoice_lines (invoice.c).
 */
#ifndef INFUUS_BILLING_H
#define INFUUS_BILLING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"

struct db;
struct db_conn;
struct keyring;
struct audit_event;

/* --- Money (money.c, pure) ------------------------------------------------ */

/* The Dutch VAT rates an invoice line may carry; E: exempt as healthcare
 * (BILL_EXEMPT_TEXT is printed on the invoice). */
enum bill_vat { BILL_VAT_S21, BILL_VAT_S9, BILL_VAT_Z0, BILL_VAT_E };
#define BILL_NVAT 4
#define BILL_EXEMPT_TEXT "Vrijgesteld van btw op grond van artikel 11, " \
	"lid 1, onderdeel g, van de Wet op de omzetbelasting 1968 " \
	"(gezondheidskundige verzorging van de mens)."

/* "S21", "S9", "Z0", "E"; the percentage (21, 9, 0, 0); parse a code
 * (0 or ERR_INVAL). */
const char *bill_vat_code(enum bill_vat v);
int bill_vat_pct(enum bill_vat v);
int bill_vat_parse(const char *s, enum bill_vat *out);

/* The minutes billed for one activity of raw minutes: rounded up to a
 * multiple of unit (1, 5, 6 or 15), and at least minimum (itself rounded
 * up).  ERR_INVAL for another unit or a negative raw or minimum. */
int bill_round_minutes(int64_t raw, int64_t unit, int64_t minimum,
    int64_t *out);
/* a * b / d rounded half away from zero, checked: ERR_TOOBIG when the
 * product overflows or |result| > LIMIT_BILL_CENTS; ERR_INVAL for d <= 0. */
int bill_mul_div(int64_t a, int64_t b, int64_t d, int64_t *out);
/* *acc += v, checked against LIMIT_BILL_CENTS (ERR_TOOBIG). */
int bill_add(int64_t *acc, int64_t v);
/* Euros as typed ("12", "12,5", "12.50", "1.234,56", "€ 7"): cents in
 * 0..LIMIT_BILL_CENTS.  ERR_INVAL for what is no amount (a minus sign
 * included), ERR_TOOBIG past the limit. */
int bill_parse_cents(const char *s, int64_t *out);
/* Cents as "1234.56" (machine: CSV, UBL) or "1.234,56" (Dutch); out holds
 * 32 bytes at least. */
const char *bill_cents_dot(int64_t cents, char *out, size_t n);
const char *bill_cents_nl(int64_t cents, char *out, size_t n);

/* Within the module: printable UTF-8 text of at most max bytes (lines:
 * newlines allowed), empty allowed; ERR_INVAL with w's field. */
int bill_text_check(const char *s, size_t max, bool lines, const char *field,
    struct why *w);

/* --- The organisation's details (billing.c) ------------------------------- */

struct bill_org {
	const char *legal_name, *street, *postcode, *city;
	const char *kvk;        /* 8 digits */
	const char *vat_number; /* NL + 9 digits + B + 2 digits */
	const char *iban;       /* checked with its mod-97 sum */
	bool set;               /* bill_org_get: stored (else all "") */
};
/* Check and store the details of org_id (by an administrator: the route
 * checks).  Fields "legal_name", "street", "postcode", "city", "kvk",
 * "vat_number", "iban" in why. */
int bill_org_set(struct db *db, int64_t org_id, const struct bill_org *o,
    const struct audit_event *ev, struct why *why);
int bill_org_get(struct db *db, int64_t org_id, struct arena *a,
    struct bill_org *out);

/* --- Contracts (billing.c) ------------------------------------------------ */

enum bill_kind { BILL_MINUTE, BILL_SESSION, BILL_PACKAGE, BILL_FIXED };
const char *bill_kind_code(enum bill_kind k);

struct bill_contract {
	int64_t traj_id, org_id;
	enum bill_kind kind;
	int64_t rate_cents;       /* minute: per hour */
	int64_t min_minutes;      /* minute: billed at least, per activity */
	int64_t round_minutes;    /* minute: 1, 5, 6 or 15 */
	int64_t price_cents;      /* session: per session; package, fixed:
	                             the price */
	int64_t package_sessions; /* package: N sessions, or */
	int64_t package_minutes;  /* M hours in minutes */
	enum bill_vat vat;
	const char *bill_name;    /* the client's name on the invoice */
	const char *bill_address; /* lines: street, postcode and city */
	int64_t starts_at, updated_at;
};
/* The form's text of a contract: kind "minute", "session", "package",
 * "fixed"; amounts in euros; hours a whole number; vat a code. */
struct bill_contract_text {
	const char *kind, *rate, *minimum, *rounding, *price, *sessions,
	    *hours, *vat, *name, *address;
};
/* Check t and store it as traj_id's contract (replacing the one before;
 * sent invoices keep what they were).  Fields as in the struct. */
int bill_contract_set(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t traj_id, int64_t by, const struct bill_contract_text *t,
    int64_t now, const struct audit_event *ev, struct why *why);
/* ERR_NOTFOUND when the trajectory has none. */
int bill_contract_get(struct db *db, struct keyring *kr, int64_t traj_id,
    struct arena *a, struct bill_contract *out);

/* What the trajectory used (all its activities as corrected, also those
 * before the contract was written down): raw and billed minutes (with the
 * contract's rounding) and sessions (activities of the session kinds:
 * appointments and calls). */
struct bill_usage {
	int64_t raw_minutes, billed_minutes, sessions;
};
int bill_usage_get(struct db *db, const struct bill_contract *k,
    struct bill_usage *out);

/*
 * The time page's budget, one source of truth: the contract when it gives
 * one (a package of M hours: M x 60 minutes; a package of N sessions: the
 * sessions used and left, no minutes; a per-minute or fixed contract with
 * an estimate: the estimate's minutes), else the trajectory's own setting
 * (activity_settings).  The page asks bill_budget; main.c registers
 * bill_budget_minutes as activity_budget_source, so activity_budget gives
 * the same minutes.
 */
enum bill_budget_from {
	BILL_BUDGET_SETTING, BILL_BUDGET_HOURS, BILL_BUDGET_SESSIONS,
	BILL_BUDGET_ESTIMATE
};
struct bill_budget {
	enum bill_budget_from from;
	int64_t minutes;          /* -1: none */
	int64_t sessions;         /* BILL_BUDGET_SESSIONS: N, */
	int64_t sessions_used;    /* and those held (bill_usage_get's) */
};
int bill_budget(struct db *db, int64_t traj_id, struct bill_budget *out);
int bill_budget_minutes(struct db *db, int64_t traj_id, int64_t *minutes);

/* --- The estimate calculator (billing.c) ---------------------------------- */

/* Kinds of expected activity; the actual minutes of activities are
 * counted under these (bill_estimate_kind_of). */
#define BILL_EST_KINDS "written", "call", "video", "visit", "assignment", \
	"questionnaire", "preparation", "other"
#define BILL_NEST_KINDS 8
const char *bill_estimate_kind_of(const char *activity_kind);

struct bill_estimate_line {
	const char *kind;
	int64_t times, minutes;   /* 12 written replies x 20 minutes */
};
struct bill_estimate {
	int64_t cost_rate_cents;  /* per hour */
	int64_t margin_pct;
	size_t n;
	struct bill_estimate_line line[LIMIT_ESTIMATE_LINES];
	/* computed */
	int64_t minutes, cost_cents, price_cents;
	bool set;
};
/* The form's text: rows kind_i, times_i, minutes_i (i = 0..rows-1; a row
 * with times and minutes empty is skipped), cost rate in euros per hour,
 * margin in percent. */
struct bill_estimate_text {
	const char *cost_rate, *margin;
	size_t rows;
	const char *kind[LIMIT_ESTIMATE_LINES], *times[LIMIT_ESTIMATE_LINES],
	    *minutes[LIMIT_ESTIMATE_LINES];
};
/* Parse and compute (pure): minutes, cost = minutes x rate / 60, price =
 * cost x (100 + margin) / 100.  Fields "cost_rate", "margin", "times_i",
 * "minutes_i", "kind_i". */
int bill_estimate_parse(const struct bill_estimate_text *t,
    struct bill_estimate *out, struct why *why);
/* Parse and store; with use_price, the contract becomes a fixed price of
 * the estimate's price (it must exist: ERR_NOTFOUND, field "use"). */
int bill_estimate_set(struct db *db, int64_t org_id, int64_t traj_id,
    int64_t by, const struct bill_estimate_text *t, bool use_price,
    int64_t now, const struct audit_event *ev, struct why *why);
/* out->set false when there is none. */
int bill_estimate_get(struct db *db, int64_t traj_id, struct arena *a,
    struct bill_estimate *out);
/* The actual minutes of traj_id's activities by estimate kind (as
 * corrected), in the order of BILL_EST_KINDS. */
int bill_actual_minutes(struct db *db, int64_t traj_id,
    int64_t out[BILL_NEST_KINDS]);

/* --- Invoices (invoice.c) ------------------------------------------------- */

struct invoice_line {
	const char *description;
	int64_t quantity;         /* in unit */
	const char *unit;         /* UN/ECE rec 20: "MIN", "C62" (one) */
	int64_t base_quantity;    /* the price is per base_quantity units */
	int64_t unit_cents;       /* price per base_quantity */
	int64_t raw_minutes;      /* minute contracts: before rounding */
	int64_t amount_cents;     /* negative on a credit note */
	enum bill_vat vat;
};
struct invoice_vat_group {
	enum bill_vat vat;
	int64_t base_cents, vat_cents;
};
struct invoice {
	int64_t id, org_id, seq, traj_id, client_id;
	int64_t credits;          /* a credit note: the invoice it cancels */
	int64_t credited_by;      /* an invoice: its credit note, 0 none */
	int64_t credits_seq;      /* the cancelled invoice's number and */
	int64_t credits_issued_at; /* its date (invoice_number) */
	int64_t issued_at, due_at, period_from, period_to;
	struct bill_org seller;
	const char *seller_name;  /* the organisation's name */
	const char *buyer_name, *buyer_address;
	/* With the client's consent, addressed to a stakeholder (link
	 * addressee_stake, 0: to the client): the name and address lines;
	 * invoice_get opens them, invoice_list leaves them "". */
	int64_t addressee_stake;
	const char *addressee_name, *addressee_address;
	int64_t net_cents, vat_cents, total_cents;
	size_t n;
	struct invoice_line *line;
	size_t ngroups;
	struct invoice_vat_group group[BILL_NVAT];
};
/* The invoice's number as printed ("2026-000042": the year of issue and
 * the organisation's sequence); out holds 32 bytes. */
const char *invoice_number(const struct invoice *v, char *out, size_t n);
/* The VAT groups and totals of v's lines (v->group, net, vat, total),
 * per rate: VAT = base x rate, rounded half up per group.  ERR_TOOBIG
 * past LIMIT_BILL_CENTS. */
int invoice_totals(struct invoice *v);

/* A line typed by hand on the invoice form. */
struct invoice_extra_text {
	const char *description, *quantity, *price;
};
/* Translates a sentence marked N_() into the invoice's language. */
typedef const char *(*bill_tr_fn)(const char *msgid);
/*
 * Invoice traj_id (of org_id, client client_id) for [from, to): the lines
 * its contract gives (minute: per activity kind, raw and rounded minutes;
 * session: the sessions; package and fixed: the price), plus the typed
 * extras, with the contract's VAT.  Numbered in the write job.  Refusals:
 * no contract (ERR_NOTFOUND, field "contract"), a period that is none
 * ("from"/"to"), a typed line that is wrong ("extra_description",
 * "extra_quantity": negative or not a number, "extra_price"), nothing to
 * invoice (field NULL), amounts past the limits (ERR_TOOBIG).  tr gives
 * the lines' descriptions their language.
 */
int invoice_create(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t traj_id, int64_t client_id, int64_t by, int64_t from, int64_t to,
    const struct invoice_extra_text *extra, size_t nextra, bill_tr_fn tr,
    int64_t now, const struct audit_event *ev, struct why *why,
    int64_t *id);
/*
 * invoice_create addressed, with the client's consent, to a stakeholder:
 * to->stake is the form's choice ("" or "client": the client; else a
 * stakeholder link id of traj_id) and to->address the addressee's address
 * lines (at most LIMIT_BILL_TEXT bytes).  Refusals, field "addressee": no
 * link of this trajectory (ERR_NOTFOUND), consent not given, withdrawn or
 * not for invoices (ERR_FORBIDDEN, checked in the write job: nothing is
 * numbered); "addressee_address" too long or not text (ERR_INVAL).  to
 * NULL: to the client.
 */
struct invoice_to {
	const char *stake, *address;
};
int invoice_create_to(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t traj_id, int64_t client_id, int64_t by, int64_t from, int64_t to,
    const struct invoice_extra_text *extra, size_t nextra,
    const struct invoice_to *addressee, bill_tr_fn tr, int64_t now,
    const struct audit_event *ev, struct why *why, int64_t *id);
/* A credit note that cancels invoice id whole (its own number, the same
 * lines negated).  ERR_CONFLICT when it is already credited or is itself
 * a credit note. */
int invoice_credit(struct db *db, struct keyring *kr, int64_t id, int64_t by,
    int64_t now, const struct audit_event *ev, struct why *why,
    int64_t *credit_id);
/* One invoice with its lines and totals. */
int invoice_get(struct db *db, struct keyring *kr, int64_t id,
    struct arena *a, struct invoice *out);
/* traj_id's invoices and credit notes, oldest first, without lines
 * (totals only), at most LIMIT_INVOICES. */
int invoice_list(struct db *db, int64_t traj_id, struct arena *a,
    struct invoice **out, size_t *n);
/*
 * For the books: the CSV (invoice_csv) of every invoice and credit note
 * org_id issued in [from, to), oldest first, appended to out.  Each
 * client whose invoices are in it gets an entry in the access log first
 * (ev: the template, an administrator's, detail "export"), in one write
 * job.  More than LIMIT_INVOICES in the period: ERR_TOOMANY with why
 * (field "year"), nothing logged or written.  *n: the invoices.
 */
int invoice_export_org(struct db *db, struct keyring *kr, int64_t org_id,
    int64_t from, int64_t to, const struct audit_event *ev, struct why *why,
    struct buf *out, size_t *n);
/* The trajectory of invoice id (for authz): ERR_NOTFOUND when none. */
int invoice_traj_on(struct db_conn *c, int64_t id, int64_t *traj_id);

/* --- Output (invoice_out.c, invoice_pdf.c) -------------------------------- */

/* The invoice as UBL 2.1 following SI-UBL 2.0 (an Invoice, or a
 * CreditNote for a credit note), appended to out. */
int invoice_ubl(const struct invoice *v, struct buf *out);
/* A CSV of invoices with their VAT per rate (RFC 4180, ';'-free: commas,
 * quoted text), one row per invoice; v's lines are not needed. */
int invoice_csv(const struct invoice *v, size_t n, struct buf *out);
/* The invoice typeset as an A4 PDF with cairo and pango; tr gives the
 * labels their language. */
int invoice_pdf(const struct invoice *v, bill_tr_fn tr, struct buf *out);
/* At exit, after the last invoice_pdf of the process (on the thread that
 * made it): frees the font caches (for leak checkers; optional). */
void invoice_pdf_fini(void);

#endif
