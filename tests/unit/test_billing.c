/*
 * test_billing.c - pricing and invoices (src/billing): the rounding rules
 * as a table, checked money arithmetic and parsing, VAT sums per rate,
 * the estimate of the issue's example, the UBL's and CSV's shape; and on
 * each backend contracts and refusals that write nothing, minute lines
 * with raw minutes kept, credit notes, and gap-free numbers from threads
 * racing for them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "billing/billing.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "identity/identity.h"
#include "keys/keyring.h"
#include "promise/promise.h"
#include "store/db.h"
#include "trajectory/trajectory.h"
#include "fixture.h"
#include "testdb.h"

static const char *
tr(const char *s)
{
	return s;
}

/* --- Pure ----------------------------------------------------------------- */

static void
test_rounding_rules_table(void **state)
{
	static const struct {
		int64_t raw, unit, min, want;
	} ok[] = {
		{ 0, 1, 0, 0 }, { 1, 1, 0, 1 }, { 7, 1, 0, 7 },
		{ 1, 5, 0, 5 }, { 5, 5, 0, 5 }, { 6, 5, 0, 10 },
		{ 1, 6, 0, 6 }, { 6, 6, 0, 6 }, { 7, 6, 0, 12 },
		{ 59, 6, 0, 60 }, { 61, 6, 0, 66 },
		{ 1, 15, 0, 15 }, { 15, 15, 0, 15 }, { 16, 15, 0, 30 },
		{ 44, 15, 0, 45 }, { 46, 15, 0, 60 },
		/* the minimum first, then the rounding */
		{ 3, 6, 10, 12 }, { 7, 6, 10, 12 }, { 13, 6, 10, 18 },
		{ 0, 15, 10, 15 }, { 3, 1, 10, 10 }, { 12, 5, 10, 15 },
		{ LIMIT_BILL_QTY, 1, 0, LIMIT_BILL_QTY },
	};
	static const struct {
		int64_t raw, unit, min;
	} bad[] = {
		{ 5, 0, 0 }, { 5, 2, 0 }, { 5, 3, 0 }, { 5, 10, 0 },
		{ 5, 30, 0 }, { 5, 60, 0 }, { 5, -5, 0 }, { -1, 1, 0 },
		{ 5, 1, -1 }, { LIMIT_BILL_QTY + 1, 1, 0 },
		{ INT64_MAX, 15, 0 },
	};
	size_t i;
	int64_t got;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		got = -1;
		assert_int_equal(bill_round_minutes(ok[i].raw, ok[i].unit,
		    ok[i].min, &got), 0);
		if (got != ok[i].want)
			fail_msg("%lld min, unit %lld, minimum %lld: expected "
			    "%lld, got %lld", (long long)ok[i].raw,
			    (long long)ok[i].unit, (long long)ok[i].min,
			    (long long)ok[i].want, (long long)got);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		got = -7;
		assert_int_equal(bill_round_minutes(bad[i].raw, bad[i].unit,
		    bad[i].min, &got), ERR_INVAL);
		assert_int_equal(got, -7);
	}
}

static void
test_money_arithmetic_checked(void **state)
{
	int64_t v = 0;

	(void)state;
	/* 30 min at 90,00/h; half away from zero. */
	assert_int_equal(bill_mul_div(30, 9000, 60, &v), 0);
	assert_int_equal(v, 4500);
	assert_int_equal(bill_mul_div(1, 5, 10, &v), 0);   /* 0.5 -> 1 */
	assert_int_equal(v, 1);
	assert_int_equal(bill_mul_div(1, 4, 10, &v), 0);   /* 0.4 -> 0 */
	assert_int_equal(v, 0);
	assert_int_equal(bill_mul_div(-1, 5, 10, &v), 0);  /* -0.5 -> -1 */
	assert_int_equal(v, -1);
	assert_int_equal(bill_mul_div(13333, 21, 100, &v), 0);
	assert_int_equal(v, 2800);
	/* Overflow of the product and of the limit: refused, v untouched. */
	v = 42;
	assert_int_equal(bill_mul_div(INT64_MAX, 2, 1, &v), ERR_TOOBIG);
	assert_int_equal(bill_mul_div(INT64_MIN, -1, 1, &v), ERR_TOOBIG);
	assert_int_equal(bill_mul_div(LIMIT_BILL_CENTS + 1, 1, 1, &v),
	    ERR_TOOBIG);
	assert_int_equal(bill_mul_div(1, 1, 0, &v), ERR_INVAL);
	assert_int_equal(v, 42);
	v = LIMIT_BILL_CENTS - 1;
	assert_int_equal(bill_add(&v, 1), 0);
	assert_int_equal(bill_add(&v, 1), ERR_TOOBIG);
	assert_int_equal(v, LIMIT_BILL_CENTS);
	v = INT64_MAX;
	assert_int_equal(bill_add(&v, 1), ERR_TOOBIG);
}

static void
test_parse_and_print_cents(void **state)
{
	static const struct {
		const char *in;
		int64_t want;
	} ok[] = {
		{ "0", 0 }, { "12", 1200 }, { "12,5", 1250 }, { "12.50", 1250 },
		{ "12,05", 1205 }, { "1.234,56", 123456 }, { "1,234.56", 123456 },
		{ "1.234", 123400 }, { "\xe2\x82\xac 85,00", 8500 },
		{ " 7 ", 700 }, { "100000000", LIMIT_BILL_CENTS },
		{ "1.000.000,00", 100000000 },
	};
	static const char *const inval[] = {
		"", "-5", "12,345,6", "1.23.4", "abc", "1e5", ",5", "12,",
		"12,5,0", "0x10", "1 2 3 4,567", "12.3456",
	};
	static const char *const toobig[] = {
		"100000000,01", "92233720368547758,07", "99999999999999",
		"999999999999999999999999999",
	};
	char s[32];
	size_t i;
	int64_t v;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = -1;
		if (bill_parse_cents(ok[i].in, &v) != 0 || v != ok[i].want)
			fail_msg("\"%s\": expected %lld, got %lld", ok[i].in,
			    (long long)ok[i].want, (long long)v);
	}
	for (i = 0; i < sizeof(inval) / sizeof(inval[0]); i++)
		if (bill_parse_cents(inval[i], &v) != ERR_INVAL)
			fail_msg("\"%s\": expected ERR_INVAL", inval[i]);
	for (i = 0; i < sizeof(toobig) / sizeof(toobig[0]); i++)
		if (bill_parse_cents(toobig[i], &v) != ERR_TOOBIG)
			fail_msg("\"%s\": expected ERR_TOOBIG", toobig[i]);
	assert_string_equal(bill_cents_nl(123456789, s, sizeof(s)),
	    "1.234.567,89");
	assert_string_equal(bill_cents_nl(-5, s, sizeof(s)), "-0,05");
	assert_string_equal(bill_cents_dot(-13673, s, sizeof(s)), "-136.73");
	assert_string_equal(bill_cents_dot(INT64_MIN, s, sizeof(s)),
	    "-92233720368547758.08");
}

/* VAT is computed per rate over the rate's total, rounded half up. */
static void
test_vat_sums_per_rate(void **state)
{
	struct invoice_line l[] = {
		{ "a", 1, "C62", 1, 10000, 0, 10000, BILL_VAT_S21 },
		{ "b", 1, "C62", 1, 3333, 0, 3333, BILL_VAT_S21 },
		{ "c", 1, "C62", 1, 999, 0, 999, BILL_VAT_S9 },
		{ "d", 1, "C62", 1, 500, 0, 500, BILL_VAT_Z0 },
		{ "e", 1, "C62", 1, 2000, 0, 2000, BILL_VAT_E },
	};
	struct invoice v;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.line = l;
	v.n = 5;
	assert_int_equal(invoice_totals(&v), 0);
	assert_int_equal(v.ngroups, 4);
	assert_int_equal(v.group[0].vat, BILL_VAT_S21);
	assert_int_equal(v.group[0].base_cents, 13333);
	assert_int_equal(v.group[0].vat_cents, 2800);      /* 2799.93 */
	assert_int_equal(v.group[1].vat, BILL_VAT_S9);
	assert_int_equal(v.group[1].vat_cents, 90);        /* 89.91 */
	assert_int_equal(v.group[2].vat_cents, 0);
	assert_int_equal(v.group[3].vat, BILL_VAT_E);
	assert_int_equal(v.group[3].base_cents, 2000);
	assert_int_equal(v.group[3].vat_cents, 0);
	assert_int_equal(v.net_cents, 16832);
	assert_int_equal(v.vat_cents, 2890);
	assert_int_equal(v.total_cents, 19722);
	/* A credit note: the same, negated. */
	for (size_t i = 0; i < 5; i++)
		l[i].amount_cents = -l[i].amount_cents;
	assert_int_equal(invoice_totals(&v), 0);
	assert_int_equal(v.vat_cents, -2890);
	assert_int_equal(v.total_cents, -19722);
	/* Lines whose sum passes the limit: refused. */
	l[0].amount_cents = LIMIT_BILL_CENTS;
	l[1].amount_cents = LIMIT_BILL_CENTS;
	assert_int_equal(invoice_totals(&v), ERR_TOOBIG);
}

/* The issue's example: 12 written replies x 20, 4 calls x 30, 2
 * face-to-face meetings x 60 and assignments with feedback, at a cost
 * rate of 60,00 an hour and a margin of 25%. */
static void
test_estimate_of_the_issue(void **state)
{
	struct bill_estimate_text t = { "60,00", "25", 4,
		{ "written", "call", "visit", "assignment" },
		{ "12", "4", "2", "3" }, { "20", "30", "60", "15" } };
	struct bill_estimate e;
	struct why w = { 0 };

	(void)state;
	assert_int_equal(bill_estimate_parse(&t, &e, &w), 0);
	assert_int_equal(e.n, 4);
	assert_int_equal(e.minutes, 240 + 120 + 120 + 45);
	assert_int_equal(e.cost_cents, 52500);
	assert_int_equal(e.price_cents, 65625);
	t.times[1] = "-4";
	assert_int_equal(bill_estimate_parse(&t, &e, &w), ERR_INVAL);
	assert_string_equal(w.field, "times_1");
	t.times[1] = "4";
	t.kind[2] = "golf";
	assert_int_equal(bill_estimate_parse(&t, &e, &w), ERR_INVAL);
	assert_string_equal(w.field, "kind_2");
	t.kind[2] = "visit";
	t.cost_rate = "99999999";
	t.minutes[0] = "1000000";
	t.times[0] = "1000000";
	assert_int_equal(bill_estimate_parse(&t, &e, &w), ERR_INVAL);
	t.times[0] = "12";
	t.minutes[0] = "20";
	t.margin = "1001";
	assert_int_equal(bill_estimate_parse(&t, &e, &w), ERR_INVAL);
	assert_string_equal(w.field, "margin");
	assert_string_equal(bill_estimate_kind_of("chat_active"), "written");
	assert_string_equal(bill_estimate_kind_of("call"), "call");
	assert_string_equal(bill_estimate_kind_of("appointment"), "visit");
}

static void
sample(struct invoice *v, struct invoice_line *l)
{
	memset(v, 0, sizeof(*v));
	v->id = 9;
	v->seq = 42;
	v->traj_id = 3;
	v->issued_at = 1780000000;   /* 2026-05-28 */
	v->due_at = v->issued_at + 30 * 86400;
	v->period_from = 1777593600;  /* 2026-05-01 */
	v->period_to = 1780272000;    /* 2026-06-01 */
	v->seller_name = "Praktijk & Co";
	v->seller = (struct bill_org){ "Praktijk <B.V.>", "Straat 1",
		"1234 AB", "Utrecht", "12345678", "NL123456789B01",
		"NL91ABNA0417164300", true };
	v->buyer_name = "=HYPERLINK(\"x\")";
	v->buyer_address = "Dorp 5\n1234 AB Ergens";
	l[0] = (struct invoice_line){ "Calls", 30, "MIN", 60, 9000, 20, 4500,
		BILL_VAT_S21 };
	l[1] = (struct invoice_line){ "Report", 1, "C62", 1, 5000, 0, 5000,
		BILL_VAT_E };
	v->line = l;
	v->n = 2;
	assert_int_equal(invoice_totals(v), 0);
}

static void
test_ubl_and_csv_shape(void **state)
{
	struct invoice v;
	struct invoice_line l[2];
	struct buf b = BUF_INIT;
	const char *order[] = { "<cbc:CustomizationID>urn:cen.eu:en16931:2017"
		"#compliant#urn:fdc:nen.nl:nlcius:v1.0</cbc:CustomizationID>",
		"<cbc:ID>2026-000042</cbc:ID>",
		"<cbc:IssueDate>2026-05-28</cbc:IssueDate>",
		"<cbc:DueDate>", "<cbc:InvoiceTypeCode>380",
		"<cbc:DocumentCurrencyCode>EUR", "<cac:InvoicePeriod>",
		"<cbc:EndDate>2026-05-31</cbc:EndDate>",
		"<cac:AccountingSupplierParty>", "<cac:AccountingCustomerParty>",
		"<cac:PaymentMeans>", "<cac:TaxTotal>", "<cac:LegalMonetaryTotal>",
		"<cac:InvoiceLine>" };
	const char *p, *q;
	size_t i;

	(void)state;
	sample(&v, l);
	assert_int_equal(invoice_ubl(&v, &b), 0);
	for (p = b.p, i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if ((q = strstr(p, order[i])) == NULL)
			fail_msg("UBL: %s missing or out of order", order[i]);
		p = q;
	}
	assert_non_null(strstr(b.p, "<cbc:Name>Praktijk &amp; Co</cbc:Name>"));
	assert_non_null(strstr(b.p, "Praktijk &lt;B.V.&gt;"));
	assert_non_null(strstr(b.p, "<cbc:TaxAmount currencyID=\"EUR\">9.45"));
	assert_non_null(strstr(b.p, "<cbc:PayableAmount currencyID=\"EUR\">"
	    "104.45"));
	assert_non_null(strstr(b.p, "<cbc:TaxExemptionReason>Vrijgesteld"));
	assert_non_null(strstr(b.p, "<cbc:InvoicedQuantity unitCode=\"MIN\">"
	    "30</cbc:InvoicedQuantity>"));
	assert_non_null(strstr(b.p, "<cbc:BaseQuantity unitCode=\"MIN\">60"));
	assert_null(strstr(b.p, "CreditNote"));
	buf_release(&b);
	/* As a credit note. */
	v.credits = 8;
	v.credits_seq = 41;
	v.credits_issued_at = v.issued_at;
	assert_int_equal(invoice_ubl(&v, &b), 0);
	assert_non_null(strstr(b.p, "<CreditNote xmlns=\"urn:oasis:names:"
	    "specification:ubl:schema:xsd:CreditNote-2\""));
	assert_non_null(strstr(b.p, "<cbc:CreditNoteTypeCode>381"));
	assert_non_null(strstr(b.p, "<cac:InvoiceDocumentReference>\n\t\t\t"
	    "<cbc:ID>2026-000041</cbc:ID>"));
	assert_non_null(strstr(b.p, "<cac:CreditNoteLine>"));
	assert_null(strstr(b.p, "<cbc:DueDate>"));
	buf_release(&b);
	/* The CSV: a formula is made inert. */
	v.credits = 0;
	assert_int_equal(invoice_csv(&v, 1, &b), 0);
	assert_non_null(strstr(b.p, "\r\n2026-000042,invoice,2026-05-28,"));
	assert_non_null(strstr(b.p, ",\"'=HYPERLINK(\"\"x\"\")\","));
	assert_non_null(strstr(b.p, ",95.00,45.00,9.45,0.00,0.00,0.00,"
	    "50.00,9.45,104.45\r\n"));
	buf_release(&b);
}

static void
test_pdf_renders(void **state)
{
	struct invoice v;
	struct invoice_line l[2];
	struct buf b = BUF_INIT;

	(void)state;
	sample(&v, l);
	assert_int_equal(invoice_pdf(&v, tr, &b), 0);
	assert_true(b.len > 1000);
	assert_memory_equal(b.p, "%PDF-", 5);
	buf_release(&b);
}

/* --- On a database -------------------------------------------------------- */

struct group {
	struct testdb *t;
	struct db *db;
	struct keyring *kr;
	int64_t org, pro, client, traj, traj2;
};

static struct group *G;

static struct audit_event
ev(void)
{
	struct audit_event e = {
		.org_id = G->org, .outcome = AUDIT_SUCCESS,
		.actor_id = G->pro, .role = "professional", .purpose = "care",
		.kind = "invoice",
	};

	return e;
}

static int64_t
mktraj(int64_t client)
{
	struct audit_event e = ev();
	struct promise_terms t;
	int64_t id = 0;

	memset(&t, 0, sizeof(t));
	t.reply_minutes = 480;
	t.tz = "Europe/Amsterdam";
	t.schedule = "mon-fri 09:00-17:00";
	t.reachable = t.holidays = t.not_reachable = t.emergency = "";
	e.kind = "trajectory";
	if (traj_create(G->db, G->kr, G->org, client, G->pro, "Traject", 0,
	    &t, &e, NULL, &id) != 0)
		return -1;
	return id;
}

static int
group_open(struct group *g)
{
	char email[64], tag[16];

	testdb_run_tag(tag, sizeof(tag));
	if (fixture_keyring(g->t, &g->kr) != 0)
		return -1;
	snprintf(email, sizeof(email), "b-%s", tag);
	if (org_create(g->db, g->kr, "Praktijk", email, "Europe/Amsterdam",
	    &g->org) != 0)
		return -1;
	snprintf(email, sizeof(email), "pro-%s@example.org", tag);
	g->pro = testdb_add_user(g->db, email, "Pro");
	snprintf(email, sizeof(email), "cli-%s@example.org", tag);
	g->client = testdb_add_user(g->db, email, "Cliënt Een");
	if (member_add(g->db, g->org, g->pro, ROLE_PROFESSIONAL) != 0 ||
	    member_add(g->db, g->org, g->client, ROLE_CLIENT) != 0)
		return -1;
	G = g;
	if ((g->traj = mktraj(g->client)) <= 0 ||
	    (g->traj2 = mktraj(g->client)) <= 0)
		return -1;
	return 0;
}

static int
clean(void **state)
{
	(void)state;
	assert_int_equal(testdb_script(G->db, "DELETE FROM invoice_lines; "
	    "UPDATE invoices SET credits = NULL; DELETE FROM invoices; "
	    "DELETE FROM invoice_counters; DELETE FROM billing_contracts; "
	    "DELETE FROM billing_estimate_lines; DELETE FROM "
	    "billing_estimates; DELETE FROM activities;"), 0);
	return 0;
}

static int64_t
count(const char *sql)
{
	return testdb_i64(G->db, sql, 0, 0, 0);
}

static int
set_contract(int64_t traj, const char *kind, const char *rate,
    const char *rounding, const char *minimum, const char *price,
    struct why *w)
{
	struct bill_contract_text t = { kind, rate, minimum, rounding, price,
		"", "", "S21", "", "Dorp 5\n1234 AB Ergens" };
	struct audit_event e = ev();

	return bill_contract_set(G->db, G->kr, G->org, traj, G->pro, &t,
	    time(NULL) - 86400, &e, w);
}

static int
invoice(int64_t traj, const struct invoice_extra_text *x, size_t nx,
    struct why *w, int64_t *id)
{
	struct audit_event e = ev();
	int64_t now = time(NULL);

	return invoice_create(G->db, G->kr, G->org, traj, G->client, G->pro,
	    now - 2 * 86400, now + 60, x, nx, tr, now, &e, w, id);
}

static void
test_refusals_write_nothing(void **state)
{
	struct invoice_extra_text x[] = { { "Korting", "-1", "10" } };
	struct why w = { 0 };
	int64_t id = 0;

	(void)state;
	assert_int_equal(set_contract(G->traj, "minute", "90", "7", "", "",
	    &w), ERR_INVAL);
	assert_string_equal(w.field, "rounding");
	assert_int_equal(set_contract(G->traj, "minute",
	    "92233720368547758,07", "6", "", "", &w), ERR_INVAL);
	assert_string_equal(w.field, "rate");
	assert_int_equal(set_contract(G->traj, "minute", "-1", "6", "", "",
	    &w), ERR_INVAL);
	assert_string_equal(w.field, "rate");
	assert_int_equal(set_contract(G->traj, "hourly", "90", "6", "", "",
	    &w), ERR_INVAL);
	assert_string_equal(w.field, "kind");
	assert_int_equal(set_contract(G->traj, "minute", "90", "6", "-3", "",
	    &w), ERR_INVAL);
	assert_string_equal(w.field, "minimum");
	assert_int_equal(count("SELECT COUNT(*) FROM billing_contracts"), 0);
	assert_int_equal(invoice(G->traj, NULL, 0, &w, &id), ERR_NOTFOUND);
	assert_string_equal(w.field, "contract");
	assert_int_equal(set_contract(G->traj, "fixed", "", "1", "", "500",
	    &w), 0);
	assert_int_equal(invoice(G->traj, x, 1, &w, &id), ERR_INVAL);
	assert_string_equal(w.field, "extra_quantity");
	x[0].quantity = "1000000";
	x[0].price = "99999999";
	assert_int_equal(invoice(G->traj, x, 1, &w, &id), ERR_INVAL);
	assert_string_equal(w.field, "extra_price");
	assert_int_equal(id, 0);
	assert_int_equal(count("SELECT COUNT(*) FROM invoices"), 0);
	assert_int_equal(count("SELECT COUNT(*) FROM invoice_counters"), 0);
}

static void
test_minute_lines_keep_raw_minutes(void **state)
{
	struct testdb_raw j = { .sql = "INSERT INTO activities (org_id, "
	    "trajectory_id, user_id, kind, started_at, seconds, recorded_by, "
	    "recorded_at) VALUES (?, ?, ?, 'call', ?, ?, ?, ?)", .nargs = 7 };
	int64_t secs[] = { 7 * 60, 13 * 60 - 30, 0 }, now = time(NULL), id;
	struct invoice v;
	struct arena a;
	struct why w = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		int64_t args[] = { G->org, G->traj, G->pro, now - 3600,
			secs[i], G->pro, now };

		memcpy(j.args, args, sizeof(args));
		testdb_raw(G->db, &j);
	}
	/* Before the period: not invoiced. */
	j.args[3] = now - 10 * 86400;
	j.args[4] = 3600;
	testdb_raw(G->db, &j);
	assert_int_equal(set_contract(G->traj, "minute", "90,00", "6", "10",
	    "", &w), 0);
	assert_int_equal(invoice(G->traj, NULL, 0, &w, &id), 0);
	arena_init(&a);
	assert_int_equal(invoice_get(G->db, G->kr, id, &a, &v), 0);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.line[0].unit, "MIN");
	assert_int_equal(v.line[0].quantity, 12 + 18);  /* 7->12, 13->18 */
	assert_int_equal(v.line[0].raw_minutes, 7 + 13); /* started minutes */
	assert_int_equal(v.line[0].amount_cents, 4500);
	assert_int_equal(v.vat_cents, 945);
	assert_int_equal(v.total_cents, 5445);
	assert_string_equal(v.buyer_name, "Cliënt Een");
	assert_string_equal(v.buyer_address, "Dorp 5\n1234 AB Ergens");
	assert_int_equal(v.seq, 1);
	arena_release(&a);
	/* The client's name and address are sealed where they are stored. */
	{
		struct buf b = BUF_INIT;

		testdb_blob(G->db, "SELECT buyer FROM invoices WHERE id = ?", id,
		    &b);
		assert_true(b.len > 0);
		assert_null(memmem(b.p, b.len, "Dorp", 4));
		assert_null(memmem(b.p, b.len, "Een", 3));
		buf_release(&b);
		testdb_blob(G->db, "SELECT bill_to FROM billing_contracts WHERE "
		    "trajectory_id = ?", G->traj, &b);
		assert_true(b.len > 0);
		assert_null(memmem(b.p, b.len, "Dorp", 4));
		buf_release(&b);
	}
	/* Nothing in an empty period. */
	{
		struct audit_event e = ev();

		assert_int_equal(invoice_create(G->db, G->kr, G->org, G->traj,
		    G->client, G->pro, now - 30 * 86400, now - 20 * 86400, NULL,
		    0, tr, now, &e, &w, &id), ERR_INVAL);
		assert_null(w.field);
	}
}

static void
test_credit_note_once(void **state)
{
	struct why w = { 0 };
	struct audit_event e = ev();
	struct invoice v, c;
	struct arena a;
	int64_t id, cid, cid2;

	(void)state;
	assert_int_equal(set_contract(G->traj, "fixed", "", "1", "",
	    "1.250,00", &w), 0);
	assert_int_equal(invoice(G->traj, NULL, 0, &w, &id), 0);
	assert_int_equal(invoice_credit(G->db, G->kr, id, G->pro, time(NULL),
	    &e, &w, &cid), 0);
	assert_int_equal(invoice_credit(G->db, G->kr, id, G->pro, time(NULL),
	    &e, &w, &cid2), ERR_CONFLICT);
	assert_int_equal(invoice_credit(G->db, G->kr, cid, G->pro, time(NULL),
	    &e, &w, &cid2), ERR_CONFLICT);
	assert_int_equal(invoice_credit(G->db, G->kr, 999999, G->pro,
	    time(NULL), &e, &w, &cid2), ERR_NOTFOUND);
	arena_init(&a);
	assert_int_equal(invoice_get(G->db, G->kr, id, &a, &v), 0);
	assert_int_equal(invoice_get(G->db, G->kr, cid, &a, &c), 0);
	assert_int_equal(v.credited_by, cid);
	assert_int_equal(v.total_cents, 151250);
	assert_int_equal(c.credits, id);
	assert_int_equal(c.credits_seq, v.seq);
	assert_int_equal(c.seq, v.seq + 1);
	assert_int_equal(c.total_cents, -151250);
	assert_int_equal(c.line[0].amount_cents, -125000);
	assert_string_equal(c.buyer_name, v.buyer_name);
	arena_release(&a);
}

#define NTHREADS 8
#define PER_THREAD 8

struct race {
	int64_t traj;
	int ok, failed;
};

static void *
race_one(void *arg)
{
	struct race *r = arg;
	struct invoice_extra_text bad = { "Fout", "-1", "1" };
	struct why w;
	int64_t id;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		/* every other one refused: it must take no number */
		if (invoice(r->traj, &bad, 1, &w, &id) != ERR_INVAL)
			r->failed++;
		if (invoice(r->traj, NULL, 0, &w, &id) == 0)
			r->ok++;
		else
			r->failed++;
	}
	return NULL;
}

static void
test_numbers_gap_free_from_threads(void **state)
{
	pthread_t th[NTHREADS];
	struct race r[NTHREADS];
	struct why w = { 0 };
	int64_t n, i;

	(void)state;
	assert_int_equal(set_contract(G->traj, "fixed", "", "1", "", "100",
	    &w), 0);
	assert_int_equal(set_contract(G->traj2, "session", "", "1", "", "80",
	    &w), 0);
	{
		/* a session contract with a session in the period */
		struct testdb_raw j = { .sql = "INSERT INTO activities "
		    "(org_id, trajectory_id, user_id, kind, started_at, "
		    "seconds, recorded_by, recorded_at) VALUES (?, ?, ?, "
		    "'call', ?, 1800, ?, ?)", .nargs = 6,
		    .args = { G->org, G->traj2, G->pro, time(NULL) - 60,
		    G->pro, time(NULL) } };

		testdb_raw(G->db, &j);
	}
	for (i = 0; i < NTHREADS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].traj = i % 2 ? G->traj2 : G->traj;
		assert_int_equal(pthread_create(&th[i], NULL, race_one, &r[i]),
		    0);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(r[i].failed, 0);
		assert_int_equal(r[i].ok, PER_THREAD);
	}
	n = count("SELECT COUNT(*) FROM invoices");
	assert_int_equal(n, NTHREADS * PER_THREAD);
	/* 1..n, each once: the count, the extremes and distinct seqs. */
	assert_int_equal(count("SELECT MIN(seq) FROM invoices"), 1);
	assert_int_equal(count("SELECT MAX(seq) FROM invoices"), n);
	assert_int_equal(count("SELECT COUNT(DISTINCT seq) FROM invoices"), n);
	assert_int_equal(count("SELECT last_seq FROM invoice_counters"), n);
}

#define DB_TEST(f) cmocka_unit_test_setup(f, clean)

static int
run(const char *name, struct testdb *t)
{
	const struct CMUnitTest tests[] = {
		DB_TEST(test_refusals_write_nothing),
		DB_TEST(test_minute_lines_keep_raw_minutes),
		DB_TEST(test_credit_note_once),
		DB_TEST(test_numbers_gap_free_from_threads),
	};
	struct group g;
	int failed = 1;

	memset(&g, 0, sizeof(g));
	g.t = t;
	g.db = t->db;
	if (group_open(&g) == 0)
		failed = cmocka_run_group_tests_name(name, tests, NULL, NULL);
	else
		fprintf(stderr, "billing: set-up failed\n");
	if (g.kr)
		keyring_free(g.kr);
	G = NULL;
	return failed;
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_rounding_rules_table),
		cmocka_unit_test(test_money_arithmetic_checked),
		cmocka_unit_test(test_parse_and_print_cents),
		cmocka_unit_test(test_vat_sums_per_rate),
		cmocka_unit_test(test_estimate_of_the_issue),
		cmocka_unit_test(test_ubl_and_csv_shape),
		cmocka_unit_test(test_pdf_renders),
	};
	int status;

	status = fixture_main("billing", pure, sizeof(pure) / sizeof(pure[0]),
	    0, run);
	invoice_pdf_fini();
	return status;
}
