/*
 * ui-billing.c - pricing and invoices (src/billing): the organisation's
 * billing details (administrators), a trajectory's contract, estimate
 * and invoices (its professionals; its client reads the contract and the
 * invoices), one invoice as a page, PDF and UBL, the CSV of a
 * trajectory's invoices, and credit notes.
 *
 * The router has checked the trajectory or invoice of the path
 * (web_obj).  The billing module decides everything about the input and
 * says why it refused; the page shows it next to the field.  Reads of a
 * client's billing data are in the access log before they are shown.
 *
 * XXX: a closed trajectory refuses changes (authz), so its last invoice
 * and any credit note must be made before closing; invoicing after the
 * end needs an action of its own in authz.  An administrator's export of
 * all the organisation's invoices for the books is not here yet either:
 * the CSV is per trajectory, for its professional and client.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "audit/audit.h"
#include "billing/billing.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/num.h"
#include "identity/role.h"
#include "promise/tz.h"
#include "stakeholder/stakeholder.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_int.h"
#include "core/banned.h"

/* Rows of the estimate form; an empty row is skipped. */
#define EST_ROWS 8

static const char *
tr(const char *msgid)
{
	return gettext(msgid);
}

static void
event(struct req *r, struct audit_event *ev, int action, const char *kind,
    int64_t client, int64_t object)
{
	const struct session *s = page_session(r);

	web_audit_event(r, ev, action, kind, client, object,
	    s && s->role == ROLE_CLIENT ? "client-self" : "care");
}

static const char *
euro(struct req *r, int64_t cents)
{
	char a[32];

	return arena_printf(&r->arena, "\u20ac %s",
	    bill_cents_nl(cents, a, sizeof(a)));
}

/* An amount as a form shows it again ("85,00"); "" for 0 when blank0. */
static const char *
amount_value(struct req *r, int64_t cents)
{
	char a[32];

	return arena_strdup(&r->arena, bill_cents_nl(cents, a, sizeof(a)));
}

static const char *
vat_label(enum bill_vat v)
{
	switch (v) {
	case BILL_VAT_S21: return _("21% VAT");
	case BILL_VAT_S9: return _("9% VAT");
	case BILL_VAT_Z0: return _("0% VAT");
	case BILL_VAT_E: return _("Exempt from VAT (healthcare)");
	}
	return "?";
}

static const char *
kind_label(enum bill_kind k)
{
	switch (k) {
	case BILL_MINUTE: return _("Per minute");
	case BILL_SESSION: return _("Per session");
	case BILL_PACKAGE: return _("A package");
	case BILL_FIXED: return _("A fixed trajectory price");
	}
	return "?";
}

static const char *
est_kind_label(const char *k)
{
	if (strcmp(k, "written") == 0) return _("Written replies");
	if (strcmp(k, "call") == 0) return _("Calls");
	if (strcmp(k, "video") == 0) return _("Video calls");
	if (strcmp(k, "visit") == 0) return _("Face-to-face meetings");
	if (strcmp(k, "assignment") == 0) return _("Assignments with feedback");
	if (strcmp(k, "questionnaire") == 0) return _("Questionnaires reviewed");
	if (strcmp(k, "preparation") == 0) return _("Preparation");
	return _("Other");
}

static const char *
day_value(struct req *r, int64_t t)
{
	int64_t y;
	int mo, d;

	tz_civil_from_days(t / 86400, &y, &mo, &d);
	return arena_printf(&r->arena, "%04lld-%02d-%02d", (long long)y, mo,
	    d);
}

static const char *
number(struct req *r, const struct invoice *v)
{
	char n[32];

	return arena_strdup(&r->arena, invoice_number(v, n, sizeof(n)));
}

/* A field the page writes itself: label, control attributes, reason. */
static void
field_open(struct req *r, const char *name, const char *label)
{
	PF(r, "<p class=\"field\"><label for=\"f-%s\">", name);
	T(r, label);
	P(r, "</label>\n");
}

static void
select_open(struct req *r, const char *name)
{
	PF(r, "<select id=\"f-%s\" name=\"%s\"", name, name);
	page_field_attrs(r, name, NULL);
	P(r, ">");
}

static void
option(struct req *r, const char *value, const char *label, bool sel)
{
	P(r, "<option value=\"");
	A(r, value);
	P(r, sel ? "\" selected>" : "\">");
	T(r, label);
	P(r, "</option>");
}

/* --- The organisation's details ------------------------------------------- */

/* The year of the books' export: a plain GET form, no script. */
static void
books_form(struct req *r)
{
	int64_t y;
	int mo, d;
	const char *q = req_query(r, "year");

	tz_civil_from_days(time(NULL) / 86400, &y, &mo, &d);
	P(r, "<section aria-labelledby=\"h-books\"><h2 id=\"h-books\">");
	T(r, _("All invoices, for the books"));
	P(r, "</h2>\n<form method=\"get\" action=\"/org/invoices.csv\">"
	    "<p><label for=\"f-year\">");
	T(r, _("Year (as numbered)"));
	P(r, "</label> <input id=\"f-year\" name=\"year\" "
	    "inputmode=\"numeric\" size=\"4\" value=\"");
	if (q != NULL)
		A(r, q);
	else
		PF(r, "%lld", (long long)y);
	P(r, "\"");
	page_field_attrs(r, "year", NULL);
	P(r, ">");
	page_field_error(r, "year");
	P(r, " <button>");
	T(r, _("Download the CSV"));
	P(r, "</button></p></form></section>\n");
}

static int
org_page(struct req *r, const char *ok)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	struct bill_org o;
	bool posted = r->method == HTTP_POST;
	int rc;

	if ((rc = bill_org_get(app->db, s->org_id, &r->arena, &o)) != 0)
		return rc;
	page_begin(r, _("Billing details"));
	if (ok)
		page_notice(r, "ok", ok);
	P(r, "<p>");
	T(r, _("These details are printed on every invoice and in its e-invoice. A sent invoice keeps the details it was sent with."));
	P(r, "</p>\n");
	form_begin(r, "/org/billing");
#define F(name, label, ac) form_input(r, #name, label, "text", \
	posted ? page_form(r, #name) : o.name, ac, 1)
	F(legal_name, _("Legal name"), "organization");
	F(street, _("Street and number"), "street-address");
	F(postcode, _("Postcode"), "postal-code");
	F(city, _("City"), "address-level2");
	F(kvk, _("KvK number (Chamber of Commerce)"), NULL);
	F(vat_number, _("VAT number"), NULL);
	F(iban, _("IBAN"), NULL);
#undef F
	form_submit(r, _("Save"));
	form_end(r);
	books_form(r);
	page_end(r);
	return 0;
}

int
ui_bill_org(struct req *r)
{
	return org_page(r, req_query(r, "saved") ? _("Saved.") : NULL);
}

int
ui_bill_org_post(struct req *r)
{
	struct app *app = r->app;
	struct bill_org o;
	struct audit_event ev;
	struct why why = { 0 };
	int rc;

	memset(&o, 0, sizeof(o));
	o.legal_name = page_form(r, "legal_name");
	o.street = page_form(r, "street");
	o.postcode = page_form(r, "postcode");
	o.city = page_form(r, "city");
	o.kvk = page_form(r, "kvk");
	o.vat_number = page_form(r, "vat_number");
	o.iban = page_form(r, "iban");
	event(r, &ev, AUDIT_UPDATE, "organisation", 0, 0);
	rc = bill_org_set(app->db, page_session(r)->org_id, &o, &ev, &why);
	if (rc != 0)
		return page_refuse(r, &why, rc) ? rc : org_page(r, NULL);
	resp_redirect(r, "/org/billing?saved=1");
	return 0;
}

/* --- A trajectory's contract, estimate and invoices ----------------------- */

static void
contract_summary(struct req *r, const struct bill_contract *k,
    const struct bill_usage *u)
{
	P(r, "<dl class=\"contract\">\n<dt>");
	T(r, _("Priced"));
	P(r, "</dt><dd>");
	T(r, kind_label(k->kind));
	P(r, "</dd>\n");
	switch (k->kind) {
	case BILL_MINUTE:
		P(r, "<dt>");
		T(r, _("Rate per hour"));
		P(r, "</dt><dd>");
		T(r, euro(r, k->rate_cents));
		P(r, "</dd>\n<dt>");
		T(r, _("Rounding"));
		PF(r, "</dt><dd>%lld ", (long long)k->round_minutes);
		T(r, _("minutes, rounded up, per activity; at least"));
		PF(r, " %lld min</dd>\n", (long long)k->min_minutes);
		break;
	case BILL_SESSION:
	case BILL_PACKAGE:
	case BILL_FIXED:
		P(r, "<dt>");
		T(r, k->kind == BILL_SESSION ? _("Price per session") :
		    _("Price"));
		P(r, "</dt><dd>");
		T(r, euro(r, k->price_cents));
		P(r, "</dd>\n");
		break;
	}
	P(r, "<dt>");
	T(r, _("VAT"));
	P(r, "</dt><dd>");
	T(r, vat_label(k->vat));
	P(r, "</dd>\n");
	if (k->kind == BILL_PACKAGE && k->package_sessions > 0) {
		int64_t left = k->package_sessions - u->sessions;

		P(r, "<dt>");
		T(r, _("Sessions used"));
		PF(r, "</dt><dd id=\"package-left\">%lld / %lld (",
		    (long long)u->sessions, (long long)k->package_sessions);
		T(r, _("left"));
		PF(r, ": %lld)</dd>\n", (long long)(left > 0 ? left : 0));
	} else if (k->kind == BILL_PACKAGE) {
		int64_t left = k->package_minutes - u->billed_minutes;

		P(r, "<dt>");
		T(r, _("Minutes used"));
		PF(r, "</dt><dd id=\"package-left\">%lld / %lld (",
		    (long long)u->billed_minutes,
		    (long long)k->package_minutes);
		T(r, _("left"));
		PF(r, ": %lld min)</dd>\n", (long long)(left > 0 ? left : 0));
	} else {
		P(r, "<dt>");
		T(r, _("Recorded in this trajectory"));
		PF(r, "</dt><dd>%lld min (", (long long)u->raw_minutes);
		T(r, _("rounded"));
		PF(r, ": %lld min)</dd>\n", (long long)u->billed_minutes);
	}
	P(r, "</dl>\n");
}

static void
contract_form(struct req *r, int64_t tid, const struct bill_contract *k,
    bool have)
{
	static const enum bill_kind kinds[] = { BILL_MINUTE, BILL_SESSION,
		BILL_PACKAGE, BILL_FIXED };
	static const char *const rounds[] = { "1", "5", "6", "15" };
	bool posted = r->method == HTTP_POST &&
	    strcmp(page_form(r, "form"), "contract") == 0;
	const char *cur;
	size_t i;

	form_begin(r, arena_printf(&r->arena, "/t/%lld/billing/contract",
	    (long long)tid));
	P(r, "<input type=\"hidden\" name=\"form\" value=\"contract\">\n");
	field_open(r, "kind", _("How the trajectory is priced"));
	select_open(r, "kind");
	cur = posted ? page_form(r, "kind") : have ? bill_kind_code(k->kind) :
	    "minute";
	for (i = 0; i < 4; i++)
		option(r, bill_kind_code(kinds[i]), kind_label(kinds[i]),
		    strcmp(cur, bill_kind_code(kinds[i])) == 0);
	P(r, "</select>");
	page_field_error(r, "kind");
	P(r, "</p>\n");
#define V(name, stored) (posted ? page_form(r, name) : have ? (stored) : "")
	form_input(r, "rate", _("Rate per hour in euros (per minute)"), "text",
	    V("rate", amount_value(r, k->rate_cents)), NULL, 0);
	field_open(r, "rounding", _("Round each activity up to (per minute)"));
	select_open(r, "rounding");
	cur = posted ? page_form(r, "rounding") : have ?
	    arena_printf(&r->arena, "%lld", (long long)k->round_minutes) : "1";
	for (i = 0; i < 4; i++)
		option(r, rounds[i], arena_printf(&r->arena, "%s min",
		    rounds[i]), strcmp(cur, rounds[i]) == 0);
	P(r, "</select>");
	page_field_error(r, "rounding");
	P(r, "</p>\n");
	form_input(r, "minimum", _("Minimum minutes per activity (per minute)"),
	    "text", V("minimum", arena_printf(&r->arena, "%lld",
	    (long long)k->min_minutes)), NULL, 0);
	form_input(r, "price", _("Price in euros (per session, package or "
	    "trajectory)"), "text", V("price", amount_value(r,
	    k->price_cents)), NULL, 0);
	form_input(r, "sessions", _("Sessions in the package"), "text",
	    V("sessions", k->package_sessions ? arena_printf(&r->arena,
	    "%lld", (long long)k->package_sessions) : ""), NULL, 0);
	form_input(r, "hours", _("Or hours in the package"), "text",
	    V("hours", k->package_minutes ? arena_printf(&r->arena, "%lld",
	    (long long)(k->package_minutes / 60)) : ""), NULL, 0);
	field_open(r, "vat", _("VAT"));
	select_open(r, "vat");
	cur = posted ? page_form(r, "vat") : have ? bill_vat_code(k->vat) :
	    "S21";
	for (i = 0; i < BILL_NVAT; i++)
		option(r, bill_vat_code((enum bill_vat)i),
		    vat_label((enum bill_vat)i),
		    strcmp(cur, bill_vat_code((enum bill_vat)i)) == 0);
	P(r, "</select>");
	page_field_error(r, "vat");
	P(r, "</p>\n");
	form_input(r, "name", _("Invoice to (name; empty: the client's name)"),
	    "text", V("name", k->bill_name), "name", 0);
	field_open(r, "address", _("Address (street and number; postcode and city)"));
	P(r, "<textarea id=\"f-address\" name=\"address\" rows=\"2\" "
	    "cols=\"40\" autocomplete=\"street-address\"");
	page_field_attrs(r, "address", NULL);
	P(r, ">");
	T(r, V("address", k->bill_address));
	P(r, "</textarea>");
	page_field_error(r, "address");
	P(r, "</p>\n");
#undef V
	P(r, "<p>");
	T(r, _("The invoice goes to the client; while the client consents, an invoice can go to a stakeholder such as the employer (chosen on the invoice)."));
	P(r, "</p>\n");
	form_submit(r, _("Save the contract"));
	form_end(r);
}

/* A number cell of the estimate's row i (from 0), after the cell before
 * it; the column's head names it, its label says so to a screen reader
 * with the row's number. */
static void
est_number(struct req *r, const char *name, const char *label, size_t i,
    const char *value)
{
	PF(r, "</td><td><label class=\"visually-hidden\" for=\"f-%s\">",
	    name);
	T(r, label);
	PF(r, " %zu</label><input id=\"f-%s\" name=\"%s\" size=\"5\" "
	    "inputmode=\"numeric\" value=\"", i + 1, name, name);
	A(r, value);
	P(r, "\"");
	page_field_attrs(r, name, NULL);
	P(r, ">");
	page_field_error(r, name);
}

static void
estimate_section(struct req *r, int64_t tid, const struct bill_estimate *e)
{
	static const char *const kinds[BILL_NEST_KINDS] = { BILL_EST_KINDS };
	struct app *app = r->app;
	bool posted = r->method == HTTP_POST &&
	    strcmp(page_form(r, "form"), "estimate") == 0;
	int64_t actual[BILL_NEST_KINDS], expect[BILL_NEST_KINDS] = { 0 };
	int64_t tot_e = 0, tot_a = 0;
	size_t i, k;

	P(r, "<section aria-labelledby=\"h-est\"><h2 id=\"h-est\">");
	T(r, _("Estimate"));
	P(r, "</h2>\n<p>");
	T(r, _("List the activities you expect, with your cost rate and a margin: the trajectory price follows. Later the actual minutes stand beside it."));
	P(r, "</p>\n");
	if (e->set) {
		P(r, "<p id=\"estimate-result\">");
		PF(r, "%lld min &middot; ", (long long)e->minutes);
		T(r, _("cost"));
		P(r, " ");
		T(r, euro(r, e->cost_cents));
		PF(r, " &middot; %lld%% ", (long long)e->margin_pct);
		T(r, _("margin"));
		P(r, " &middot; <strong>");
		T(r, _("trajectory price"));
		P(r, " ");
		T(r, euro(r, e->price_cents));
		P(r, "</strong></p>\n");
	}
	form_begin(r, arena_printf(&r->arena, "/t/%lld/billing/estimate",
	    (long long)tid));
	P(r, "<input type=\"hidden\" name=\"form\" value=\"estimate\">\n");
	P(r, "<table class=\"estimate\"><thead><tr><th scope=\"col\">");
	T(r, _("Activity"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Times"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Minutes each"));
	P(r, "</th></tr></thead><tbody>\n");
	for (i = 0; i < EST_ROWS; i++) {
		char kn[16], tn[16], mn[16];
		const char *cur, *tv, *mv;

		snprintf(kn, sizeof(kn), "kind_%zu", i);
		snprintf(tn, sizeof(tn), "times_%zu", i);
		snprintf(mn, sizeof(mn), "minutes_%zu", i);
		cur = posted ? page_form(r, kn) : i < e->n ? e->line[i].kind :
		    kinds[i];
		tv = posted ? page_form(r, tn) : i < e->n ?
		    arena_printf(&r->arena, "%lld", (long long)e->line[i].times) :
		    "";
		mv = posted ? page_form(r, mn) : i < e->n ?
		    arena_printf(&r->arena, "%lld",
		    (long long)e->line[i].minutes) : "";
		P(r, "<tr><td>");
		PF(r, "<label class=\"visually-hidden\" for=\"f-%s\">", kn);
		T(r, _("Activity"));
		PF(r, " %zu</label>", i + 1);
		select_open(r, kn);
		for (k = 0; k < BILL_NEST_KINDS; k++)
			option(r, kinds[k], est_kind_label(kinds[k]),
			    strcmp(cur, kinds[k]) == 0);
		P(r, "</select>");
		page_field_error(r, kn);
		est_number(r, tn, _("Times"), i, tv);
		est_number(r, mn, _("Minutes each"), i, mv);
		P(r, "</td></tr>\n");
	}
	P(r, "</tbody></table>\n");
	form_input(r, "cost_rate", _("Cost rate per hour in euros"), "text",
	    posted ? page_form(r, "cost_rate") : e->set ?
	    amount_value(r, e->cost_rate_cents) : "", NULL, 1);
	form_input(r, "margin", _("Margin in percent"), "text",
	    posted ? page_form(r, "margin") : e->set ?
	    arena_printf(&r->arena, "%lld", (long long)e->margin_pct) : "",
	    NULL, 0);
	P(r, "<p class=\"field\"><input type=\"checkbox\" id=\"f-use\" "
	    "name=\"use\" value=\"1\"");
	page_field_attrs(r, "use", NULL);
	P(r, "> <label for=\"f-use\">");
	T(r, _("Make this price the contract's fixed trajectory price"));
	P(r, "</label>");
	page_field_error(r, "use");
	P(r, "</p>\n");
	form_submit(r, _("Calculate and save"));
	form_end(r);

	/* The actual minutes beside the estimate. */
	if (bill_actual_minutes(app->db, tid, actual) != 0)
		memset(actual, 0, sizeof(actual));
	for (i = 0; i < e->n; i++)
		for (k = 0; k < BILL_NEST_KINDS; k++)
			if (strcmp(e->line[i].kind, kinds[k]) == 0)
				expect[k] += e->line[i].times * e->line[i].minutes;
	P(r, "<table class=\"actual\" id=\"estimate-actual\"><caption>");
	T(r, _("Estimate and actual minutes"));
	P(r, "</caption><thead><tr><th scope=\"col\">");
	T(r, _("Activity"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Estimated"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Actual"));
	P(r, "</th></tr></thead><tbody>\n");
	for (k = 0; k < BILL_NEST_KINDS; k++) {
		if (expect[k] == 0 && actual[k] == 0)
			continue;
		tot_e += expect[k];
		tot_a += actual[k];
		P(r, "<tr><th scope=\"row\">");
		T(r, est_kind_label(kinds[k]));
		PF(r, "</th><td>%lld min</td><td>%lld min</td></tr>\n",
		    (long long)expect[k], (long long)actual[k]);
	}
	P(r, "<tr><th scope=\"row\">");
	T(r, _("Total"));
	PF(r, "</th><td>%lld min</td><td>%lld min</td></tr>\n",
	    (long long)tot_e, (long long)tot_a);
	P(r, "</tbody></table>\n</section>\n");
}

static void
invoice_rows(struct req *r, const struct invoice *v, size_t n)
{
	size_t i;

	if (n == 0) {
		P(r, "<p>");
		T(r, _("No invoices yet."));
		P(r, "</p>\n");
		return;
	}
	P(r, "<ul class=\"invoices\">\n");
	for (i = 0; i < n; i++) {
		PF(r, "<li><a href=\"/invoices/%lld\">", (long long)v[i].id);
		T(r, v[i].credits ? _("Credit note") : _("Invoice"));
		P(r, " ");
		T(r, number(r, &v[i]));
		P(r, "</a> &ndash; ");
		T(r, page_day(r, v[i].issued_at / 86400));
		P(r, " &ndash; ");
		T(r, euro(r, v[i].total_cents));
		if (v[i].credited_by) {
			P(r, " (");
			T(r, _("credited"));
			P(r, ")");
		}
		P(r, "</li>\n");
	}
	P(r, "</ul>\n");
}

/* To whom: the client, or a stakeholder while the client consents to
 * invoices going to them (the domain checks it again when it numbers the
 * invoice). */
static void
addressee_fields(struct req *r, int64_t tid)
{
	struct app *app = r->app;
	struct stakeholder *v = NULL;
	const char *cur = page_form(r, "addressee");
	size_t n = 0, i, live = 0;

	if (stake_list(app->db, tid, &r->arena, &v, &n) != 0)
		n = 0;
	for (i = 0; i < n; i++)
		if (v[i].state == STAKE_CONSENTED &&
		    (v[i].shares & STAKE_INVOICES))
			live++;
	if (live == 0 && !page_field_bad(r, "addressee")) {
		P(r, "<input type=\"hidden\" name=\"addressee\" "
		    "value=\"client\">\n");
		return;
	}
	field_open(r, "addressee", _("Invoice to"));
	select_open(r, "addressee");
	option(r, "client", _("the client"), cur[0] == '\0' ||
	    strcmp(cur, "client") == 0);
	for (i = 0; i < n; i++) {
		const char *id = arena_printf(&r->arena, "%lld",
		    (long long)v[i].id);

		if (v[i].state != STAKE_CONSENTED ||
		    !(v[i].shares & STAKE_INVOICES))
			continue;
		option(r, id, arena_printf(&r->arena, "%s (%s)", v[i].name,
		    v[i].relation), strcmp(cur, id) == 0);
	}
	P(r, "</select>");
	page_field_error(r, "addressee");
	P(r, "</p>\n");
	field_open(r, "addressee_address", _("The stakeholder's address "
	    "(street and number; postcode and city)"));
	P(r, "<textarea id=\"f-addressee_address\" name=\"addressee_address\" "
	    "rows=\"3\" cols=\"40\"");
	page_field_attrs(r, "addressee_address", NULL);
	P(r, ">");
	T(r, page_form(r, "addressee_address"));
	P(r, "</textarea>");
	page_field_error(r, "addressee_address");
	P(r, "</p>\n");
}

static void
invoice_form(struct req *r, int64_t tid)
{
	bool posted = r->method == HTTP_POST &&
	    strcmp(page_form(r, "form"), "invoice") == 0;
	int64_t now = time(NULL);
	int64_t first = now / 86400;
	int64_t y;
	int mo, d;

	/* The month so far, by default. */
	tz_civil_from_days(first, &y, &mo, &d);
	first -= d - 1;
	P(r, "<section aria-labelledby=\"h-new-inv\"><h2 id=\"h-new-inv\">");
	T(r, _("New invoice"));
	P(r, "</h2>\n");
	form_begin(r, arena_printf(&r->arena, "/t/%lld/invoices",
	    (long long)tid));
	P(r, "<input type=\"hidden\" name=\"form\" value=\"invoice\">\n");
	form_input(r, "from", _("Period from"), "date", posted ?
	    page_form(r, "from") : day_value(r, first * 86400), NULL, 1);
	form_input(r, "to", _("Period to (inclusive)"), "date", posted ?
	    page_form(r, "to") : day_value(r, now), NULL, 1);
	form_input(r, "extra_description", _("Extra line: description "
	    "(optional)"), "text", page_form(r, "extra_description"), NULL, 0);
	form_input(r, "extra_quantity", _("Extra line: quantity"), "text",
	    page_form(r, "extra_quantity"), NULL, 0);
	form_input(r, "extra_price", _("Extra line: price in euros"), "text",
	    page_form(r, "extra_price"), NULL, 0);
	addressee_fields(r, tid);
	page_field_error(r, "contract");
	P(r, "<p>");
	T(r, _("An invoice cannot be changed once it is made; a mistake is corrected with a credit note."));
	P(r, "</p>\n");
	form_submit(r, _("Make the invoice"));
	form_end(r);
	P(r, "</section>\n");
}

static int
traj_page(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	bool pro = o->part == ROLE_PROFESSIONAL;
	struct bill_contract k;
	struct bill_usage u;
	struct bill_estimate e;
	struct audit_event ev;
	struct invoice *v = NULL;
	size_t n = 0;
	bool have;
	int rc;

	event(r, &ev, AUDIT_READ, "invoice", o->client_id, 0);
	ev.detail = "billing";
	if ((rc = audit_record(app->db, &ev)) != 0)
		return rc;
	rc = bill_contract_get(app->db, app->kr, o->traj_id, &r->arena, &k);
	if (rc != 0 && rc != ERR_NOTFOUND)
		return rc;
	have = rc == 0;
	memset(&u, 0, sizeof(u));
	if (have && (rc = bill_usage_get(app->db, &k, &u)) != 0)
		return rc;
	memset(&e, 0, sizeof(e));
	if (pro && (rc = bill_estimate_get(app->db, o->traj_id, &r->arena,
	    &e)) != 0)
		return rc;
	if ((rc = invoice_list(app->db, o->traj_id, &r->arena, &v, &n)) != 0)
		return rc;
	page_begin(r, _("Pricing and invoices"));
	PF(r, "<p><a href=\"/t/%lld\">", (long long)o->traj_id);
	T(r, _("Back to the trajectory"));
	P(r, "</a></p>\n");
	P(r, "<section aria-labelledby=\"h-contract\"><h2 id=\"h-contract\">");
	T(r, _("Contract"));
	P(r, "</h2>\n");
	if (have)
		contract_summary(r, &k, &u);
	else {
		P(r, "<p>");
		T(r, _("No contract yet."));
		P(r, "</p>\n");
	}
	if (pro)
		contract_form(r, o->traj_id, &k, have);
	P(r, "</section>\n");
	if (pro)
		estimate_section(r, o->traj_id, &e);
	P(r, "<section aria-labelledby=\"h-inv\"><h2 id=\"h-inv\">");
	T(r, _("Invoices"));
	P(r, "</h2>\n");
	invoice_rows(r, v, n);
	if (n > 0) {
		PF(r, "<p><a href=\"/t/%lld/invoices.csv\">",
		    (long long)o->traj_id);
		T(r, _("All invoices as CSV"));
		P(r, "</a></p>\n");
	}
	P(r, "</section>\n");
	if (pro)
		invoice_form(r, o->traj_id);
	page_end(r);
	return 0;
}

int
ui_bill_traj(struct req *r)
{
	return traj_page(r);
}

int
ui_bill_contract_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct bill_contract_text t;
	struct audit_event ev;
	struct why why = { 0 };
	int rc;

	t.kind = page_form(r, "kind");
	t.rate = page_form(r, "rate");
	t.minimum = page_form(r, "minimum");
	t.rounding = page_form(r, "rounding");
	t.price = page_form(r, "price");
	t.sessions = page_form(r, "sessions");
	t.hours = page_form(r, "hours");
	t.vat = page_form(r, "vat");
	t.name = page_form(r, "name");
	t.address = page_form(r, "address");
	event(r, &ev, AUDIT_UPDATE, "billing", o->client_id, o->traj_id);
	rc = bill_contract_set(app->db, app->kr, o->org_id, o->traj_id,
	    page_session(r)->user_id, &t, time(NULL), &ev, &why);
	if (rc != 0)
		return page_refuse(r, &why, rc) ? rc : traj_page(r);
	resp_redirect(r, arena_printf(&r->arena, "/t/%lld/billing",
	    (long long)o->traj_id));
	return 0;
}

int
ui_bill_estimate_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct bill_estimate_text t;
	struct audit_event ev;
	struct why why = { 0 };
	size_t i;
	int rc;

	memset(&t, 0, sizeof(t));
	t.cost_rate = page_form(r, "cost_rate");
	t.margin = page_form(r, "margin");
	t.rows = EST_ROWS;
	for (i = 0; i < EST_ROWS; i++) {
		t.kind[i] = page_form(r, arena_printf(&r->arena, "kind_%zu", i));
		t.times[i] = page_form(r, arena_printf(&r->arena, "times_%zu",
		    i));
		t.minutes[i] = page_form(r, arena_printf(&r->arena,
		    "minutes_%zu", i));
	}
	event(r, &ev, AUDIT_UPDATE, "billing", o->client_id, o->traj_id);
	rc = bill_estimate_set(app->db, o->org_id, o->traj_id,
	    page_session(r)->user_id, &t, strcmp(page_form(r, "use"), "1") == 0,
	    time(NULL), &ev, &why);
	if (rc != 0)
		return page_refuse(r, &why, rc) ? rc : traj_page(r);
	resp_redirect(r, arena_printf(&r->arena, "/t/%lld/billing#h-est",
	    (long long)o->traj_id));
	return 0;
}

/* The start of day (a "YYYY-MM-DD") on the organisation's clock; -1 when
 * it is no day. */
static int64_t
day_start(struct req *r, const char *s, int plus)
{
	const struct tz *tz = page_zone(r, NULL);
	int64_t day, y;
	int mo, d;
	time_t t;

	if (tz == NULL || page_parse_day(s, &day) != 0)
		return -1;
	tz_civil_from_days(day + plus, &y, &mo, &d);
	if (tz_from_local(tz, (int)y, mo, d, 0, 0, 0, &t) != 0)
		return -1;
	return (int64_t)t;
}

int
ui_invoice_create_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct invoice_extra_text x;
	struct invoice_to it;
	struct audit_event ev;
	struct why why = { 0 };
	int64_t from, to, id = 0;
	int rc;

	from = day_start(r, page_form(r, "from"), 0);
	to = day_start(r, page_form(r, "to"), 1);
	if (from < 0 || to < 0) {
		why.field = from < 0 ? "from" : "to";
		why.msg = N_("Give a date such as 2026-03-31.");
		return page_refuse(r, &why, ERR_INVAL) ? ERR_INVAL :
		    traj_page(r);
	}
	x.description = page_form(r, "extra_description");
	x.quantity = page_form(r, "extra_quantity");
	x.price = page_form(r, "extra_price");
	event(r, &ev, AUDIT_CREATE, "invoice", o->client_id, 0);
	it.stake = page_form(r, "addressee");
	it.address = page_form(r, "addressee_address");
	rc = invoice_create_to(app->db, app->kr, o->org_id, o->traj_id,
	    o->client_id, page_session(r)->user_id, from, to, &x, 1, &it, tr,
	    time(NULL), &ev, &why, &id);
	if (rc != 0)
		return page_refuse(r, &why, rc) ? rc : traj_page(r);
	resp_redirect(r, arena_printf(&r->arena, "/invoices/%lld",
	    (long long)id));
	return 0;
}

/* --- One invoice ---------------------------------------------------------- */

/* Log the access to invoice id (of the path), then read it. */
static int
read_invoice(struct req *r, int action, const char *detail,
    struct invoice *v)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct audit_event ev;
	int rc;

	event(r, &ev, action, "invoice", o->client_id, o->id);
	ev.detail = detail;
	if ((rc = audit_record(app->db, &ev)) != 0)
		return rc;
	return invoice_get(app->db, app->kr, o->id, &r->arena, v);
}

static int
show_page(struct req *r)
{
	const struct authz_object *o = web_obj(r);
	struct invoice v;
	size_t i;
	int rc;

	if ((rc = read_invoice(r, AUDIT_READ, NULL, &v)) != 0)
		return rc;
	page_begin(r, arena_printf(&r->arena, "%s %s", v.credits ?
	    _("Credit note") : _("Invoice"), number(r, &v)));
	PF(r, "<p><a href=\"/t/%lld/billing\">", (long long)v.traj_id);
	T(r, _("Pricing and invoices"));
	PF(r, "</a> &middot; <a href=\"/invoices/%lld/pdf\">PDF</a> "
	    "&middot; <a href=\"/invoices/%lld/ubl\">", (long long)v.id,
	    (long long)v.id);
	T(r, _("E-invoice (UBL)"));
	P(r, "</a></p>\n");
	if (v.credited_by) {
		P(r, "<p class=\"notice\">");
		T(r, _("This invoice was cancelled by a credit note."));
		PF(r, " <a href=\"/invoices/%lld\">", (long long)v.credited_by);
		T(r, _("The credit note"));
		P(r, "</a></p>\n");
	}
	if (v.credits) {
		struct invoice c = v;

		c.seq = v.credits_seq;
		c.issued_at = v.credits_issued_at;
		P(r, "<p>");
		T(r, _("Cancels invoice"));
		PF(r, " <a href=\"/invoices/%lld\">", (long long)v.credits);
		T(r, number(r, &c));
		P(r, "</a></p>\n");
	}
	P(r, "<dl class=\"invoice-head\"><dt>");
	T(r, _("To"));
	P(r, "</dt><dd>");
	if (v.addressee_name[0]) {
		/* With the client's consent, to a stakeholder. */
		P(r, "<span id=\"inv-addressee\">");
		T(r, v.addressee_name);
		P(r, "</span>");
		if (v.addressee_address[0]) {
			P(r, "<br>");
			T(r, v.addressee_address);
		}
		P(r, "</dd><dt>");
		T(r, _("Client"));
		P(r, "</dt><dd>");
	}
	T(r, v.buyer_name);
	if (v.buyer_address && v.buyer_address[0]) {
		P(r, "<br>");
		T(r, v.buyer_address);
	}
	P(r, "</dd><dt>");
	T(r, _("Sender"));
	P(r, "</dt><dd>");
	T(r, v.seller.legal_name[0] ? v.seller.legal_name : v.seller_name);
	P(r, "</dd><dt>");
	T(r, _("Date"));
	P(r, "</dt><dd>");
	T(r, page_day(r, v.issued_at / 86400));
	P(r, "</dd><dt>");
	T(r, _("Period"));
	P(r, "</dt><dd>");
	T(r, page_day(r, v.period_from / 86400));
	P(r, " &ndash; ");
	T(r, page_day(r, (v.period_to - 1) / 86400));
	P(r, "</dd></dl>\n");
	P(r, "<table class=\"invoice-lines\"><thead><tr><th scope=\"col\">");
	T(r, _("Description"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Quantity"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Recorded"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("VAT"));
	P(r, "</th><th scope=\"col\">");
	T(r, _("Amount"));
	P(r, "</th></tr></thead><tbody>\n");
	for (i = 0; i < v.n; i++) {
		P(r, "<tr><td>");
		T(r, v.line[i].description);
		PF(r, "</td><td>%lld%s</td><td>", (long long)v.line[i].quantity,
		    strcmp(v.line[i].unit, "MIN") == 0 ? " min" : "");
		if (v.line[i].raw_minutes)
			PF(r, "%lld min", (long long)v.line[i].raw_minutes);
		P(r, "</td><td>");
		T(r, vat_label(v.line[i].vat));
		P(r, "</td><td>");
		T(r, euro(r, v.line[i].amount_cents));
		P(r, "</td></tr>\n");
	}
	P(r, "</tbody></table>\n<dl class=\"invoice-totals\"><dt>");
	T(r, _("Total excluding VAT"));
	P(r, "</dt><dd>");
	T(r, euro(r, v.net_cents));
	P(r, "</dd>\n");
	for (i = 0; i < v.ngroups; i++) {
		P(r, "<dt>");
		T(r, vat_label(v.group[i].vat));
		P(r, "</dt><dd>");
		T(r, euro(r, v.group[i].vat_cents));
		P(r, "</dd>\n");
	}
	P(r, "<dt>");
	T(r, _("Total"));
	P(r, "</dt><dd id=\"invoice-total\">");
	T(r, euro(r, v.total_cents));
	P(r, "</dd></dl>\n");
	for (i = 0; i < v.ngroups; i++)
		if (v.group[i].vat == BILL_VAT_E) {
			P(r, "<p lang=\"nl\">");
			T(r, BILL_EXEMPT_TEXT);
			P(r, "</p>\n");
		}
	if (o->part == ROLE_PROFESSIONAL && !v.credits && !v.credited_by) {
		P(r, "<h2>");
		T(r, _("Correct this invoice"));
		P(r, "</h2>\n<p>");
		T(r, _("A sent invoice is never changed. A credit note cancels it whole; then make a new invoice."));
		P(r, "</p>\n");
		form_button(r, arena_printf(&r->arena, "/invoices/%lld/credit",
		    (long long)v.id), _("Make a credit note"));
	}
	page_end(r);
	return 0;
}

int
ui_invoice_show(struct req *r)
{
	return show_page(r);
}

/* b as a file to download, called name (plain ASCII: a number, a year). */
static void
download(struct req *r, const char *type, const char *name,
    const struct buf *b)
{
	r->status = 200;
	r->resp_type = type;
	resp_header(r, "Content-Disposition", arena_printf(&r->arena,
	    "attachment; filename=\"%s\"", name));
	buf_add(&r->resp, b->p, b->len);
}

static int
render_pdf(const struct invoice *v, struct buf *out)
{
	return invoice_pdf(v, tr, out);
}

/* An invoice as a file to download: what the access log's detail says,
 * the file's type and name's extension, how it is made. */
struct invoice_file {
	const char *detail;
	const char *type;
	const char *ext;
	int (*render)(const struct invoice *v, struct buf *out);
};

static const struct invoice_file pdf_file = {
	"pdf", "application/pdf", "pdf", render_pdf,
};
static const struct invoice_file ubl_file = {
	"ubl", "application/xml; charset=utf-8", "xml", invoice_ubl,
};

static int
send_file(struct req *r, const struct invoice_file *f)
{
	struct invoice v;
	struct buf b = BUF_INIT;
	int rc;

	if ((rc = read_invoice(r, AUDIT_EXECUTE, f->detail, &v)) != 0)
		return rc;
	if ((rc = f->render(&v, &b)) == 0)
		download(r, f->type, arena_printf(&r->arena, "invoice-%s.%s",
		    number(r, &v), f->ext), &b);
	buf_release(&b);
	return rc;
}

int
ui_invoice_pdf(struct req *r)
{
	return send_file(r, &pdf_file);
}

int
ui_invoice_ubl(struct req *r)
{
	return send_file(r, &ubl_file);
}

int
ui_invoice_csv(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct invoice *list = NULL, *full;
	struct audit_event ev;
	struct buf b = BUF_INIT;
	size_t n = 0, i;
	int rc;

	event(r, &ev, AUDIT_EXECUTE, "invoice", o->client_id, 0);
	ev.detail = "export";
	if ((rc = audit_record(app->db, &ev)) != 0)
		return rc;
	if ((rc = invoice_list(app->db, o->traj_id, &r->arena, &list,
	    &n)) != 0)
		return rc;
	full = arena_alloc(&r->arena, sizeof(*full) * (n ? n : 1));
	for (i = 0; i < n; i++)
		if ((rc = invoice_get(app->db, app->kr, list[i].id, &r->arena,
		    &full[i])) != 0)
			return rc;
	(void)invoice_csv(full, n, &b);
	download(r, "text/csv; charset=utf-8", arena_printf(&r->arena,
	    "invoices-%lld.csv", (long long)o->traj_id), &b);
	buf_release(&b);
	return 0;
}

/* Every invoice of the organisation issued in a year (as numbered, by
 * UTC date), for the books: an administrator's. */
int
ui_bill_org_csv(struct req *r)
{
	struct app *app = r->app;
	const struct session *s = page_session(r);
	const char *q = req_query(r, "year");
	struct audit_event ev;
	struct why why = { 0 };
	struct buf b = BUF_INIT;
	int64_t y, start;
	size_t n = 0;
	int mo, d, rc;

	tz_civil_from_days(time(NULL) / 86400, &y, &mo, &d);
	if (q != NULL && num_parse_i64(str_c(q), 2000, 2999, &y) != 0) {
		why.field = "year";
		why.msg = N_("Give a year such as 2026.");
		return page_refuse(r, &why, ERR_INVAL) ? ERR_INVAL :
		    org_page(r, NULL);
	}
	start = tz_days_from_civil(y, 1, 1) * 86400;
	web_audit_event(r, &ev, AUDIT_EXECUTE, "invoice", 0, 0, "admin");
	rc = invoice_export_org(app->db, app->kr, s->org_id, start,
	    tz_days_from_civil(y + 1, 1, 1) * 86400, &ev, &why, &b, &n);
	if (rc != 0) {
		buf_release(&b);
		return page_refuse(r, &why, rc) ? rc : org_page(r, NULL);
	}
	download(r, "text/csv; charset=utf-8", arena_printf(&r->arena,
	    "invoices-%lld.csv", (long long)y), &b);
	buf_release(&b);
	return 0;
}

int
ui_invoice_credit_post(struct req *r)
{
	struct app *app = r->app;
	const struct authz_object *o = web_obj(r);
	struct audit_event ev;
	struct why why = { 0 };
	int64_t id = 0;
	int rc;

	event(r, &ev, AUDIT_CREATE, "invoice", o->client_id, 0);
	rc = invoice_credit(app->db, app->kr, o->id, page_session(r)->user_id,
	    time(NULL), &ev, &why, &id);
	if (rc != 0)
		return page_refuse(r, &why, rc) ? rc : show_page(r);
	resp_redirect(r, arena_printf(&r->arena, "/invoices/%lld",
	    (long long)id));
	return 0;
}
