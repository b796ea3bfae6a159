/*
 * invoice_out.c - an invoice as UBL 2.1 (the Dutch SI-UBL 2.0 profile,
 * NLCIUS on EN 16931) and invoices as CSV (billing.h).  Pure.
 *
 * Elements come in the order of the UBL 2.1 schema (xsd:sequence), which
 * a validator checks.  A credit note is a UBL CreditNote with positive
 * amounts and a BillingReference to the invoice it cancels, as EN 16931
 * has it; our own rows store it with negative amounts.  The buyer is a
 * person: name and address, no endpoint of their own.  Dates are UTC
 * days.
 */
#include "billing/billing.h"

#include <stdio.h>
#include <string.h>

#include "promise/tz.h"
#include "core/banned.h"

#define CUSTOMIZATION "urn:cen.eu:en16931:2017#compliant#" \
	"urn:fdc:nen.nl:nlcius:v1.0"
#define PROFILE "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

static void
xml_text(struct buf *b, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\r': break;
		default: buf_addch(b, *s);
		}
}

/* <tag>text</tag> on a line of its own, indented by depth tabs. */
static void
el(struct buf *b, int depth, const char *tag, const char *text)
{
	int i;

	for (i = 0; i < depth; i++)
		buf_addch(b, '\t');
	buf_printf(b, "<%s>", tag);
	xml_text(b, text);
	buf_printf(b, "</%.*s>\n", (int)strcspn(tag, " "), tag);
}

static void
amount(struct buf *b, int depth, const char *tag, int64_t cents)
{
	char s[32], t[64];

	snprintf(t, sizeof(t), "%s currencyID=\"EUR\"", tag);
	el(b, depth, t, bill_cents_dot(cents < 0 ? -cents : cents, s,
	    sizeof(s)));
}

static const char *
day(int64_t t, char *out, size_t n)
{
	int64_t y;
	int mo, d;

	tz_civil_from_days((t >= 0 ? t : t - 86399) / 86400, &y, &mo, &d);
	snprintf(out, n, "%04lld-%02d-%02d", (long long)y, mo, d);
	return out;
}

static void
open_tag(struct buf *b, int depth, const char *tag)
{
	int i;

	for (i = 0; i < depth; i++)
		buf_addch(b, '\t');
	buf_printf(b, "<%s>\n", tag);
}

static void
close_tag(struct buf *b, int depth, const char *tag)
{
	int i;

	for (i = 0; i < depth; i++)
		buf_addch(b, '\t');
	buf_printf(b, "</%s>\n", tag);
}

static const char *
category(enum bill_vat v)
{
	switch (v) {
	case BILL_VAT_S21:
	case BILL_VAT_S9: return "S";
	case BILL_VAT_Z0: return "Z";
	case BILL_VAT_E: return "E";
	}
	return "S";
}

static void
tax_category(struct buf *b, int depth, const char *tag, enum bill_vat v)
{
	char pct[8];

	open_tag(b, depth, tag);
	el(b, depth + 1, "cbc:ID", category(v));
	snprintf(pct, sizeof(pct), "%d", bill_vat_pct(v));
	el(b, depth + 1, "cbc:Percent", pct);
	if (v == BILL_VAT_E && strcmp(tag, "cac:TaxCategory") == 0)
		el(b, depth + 1, "cbc:TaxExemptionReason", BILL_EXEMPT_TEXT);
	open_tag(b, depth + 1, "cac:TaxScheme");
	el(b, depth + 2, "cbc:ID", "VAT");
	close_tag(b, depth + 1, "cac:TaxScheme");
	close_tag(b, depth, tag);
}

/* The client's address as typed: a street line, then "1234 AB City"
 * (or only a city). */
static void
buyer_address(struct buf *b, int depth, const char *addr)
{
	char street[256] = "", rest[256] = "", pc[8] = "";
	const char *nl = strchr(addr ? addr : "", '\n'), *city;
	size_t n;

	addr = addr ? addr : "";
	n = nl ? (size_t)(nl - addr) : strlen(addr);
	snprintf(street, sizeof(street), "%.*s", (int)n, addr);
	if (nl) {
		snprintf(rest, sizeof(rest), "%s", nl + 1);
		rest[strcspn(rest, "\r\n")] = '\0';
	}
	city = rest;
	if (strlen(rest) > 8 && rest[0] >= '1' && rest[0] <= '9' &&
	    rest[4] == ' ' && rest[7] == ' ') {
		snprintf(pc, sizeof(pc), "%.7s", rest);
		city = rest + 8;
	}
	open_tag(b, depth, "cac:PostalAddress");
	if (street[0])
		el(b, depth + 1, "cbc:StreetName", street);
	if (city[0])
		el(b, depth + 1, "cbc:CityName", city);
	if (pc[0])
		el(b, depth + 1, "cbc:PostalZone", pc);
	open_tag(b, depth + 1, "cac:Country");
	el(b, depth + 2, "cbc:IdentificationCode", "NL");
	close_tag(b, depth + 1, "cac:Country");
	close_tag(b, depth, "cac:PostalAddress");
}

static void
seller(struct buf *b, const struct invoice *v)
{
	const struct bill_org *o = &v->seller;

	open_tag(b, 1, "cac:AccountingSupplierParty");
	open_tag(b, 2, "cac:Party");
	if (o->kvk[0])
		el(b, 3, "cbc:EndpointID schemeID=\"0106\"", o->kvk);
	open_tag(b, 3, "cac:PartyName");
	el(b, 4, "cbc:Name", v->seller_name);
	close_tag(b, 3, "cac:PartyName");
	open_tag(b, 3, "cac:PostalAddress");
	el(b, 4, "cbc:StreetName", o->street);
	el(b, 4, "cbc:CityName", o->city);
	el(b, 4, "cbc:PostalZone", o->postcode);
	open_tag(b, 4, "cac:Country");
	el(b, 5, "cbc:IdentificationCode", "NL");
	close_tag(b, 4, "cac:Country");
	close_tag(b, 3, "cac:PostalAddress");
	if (o->vat_number[0]) {
		open_tag(b, 3, "cac:PartyTaxScheme");
		el(b, 4, "cbc:CompanyID", o->vat_number);
		open_tag(b, 4, "cac:TaxScheme");
		el(b, 5, "cbc:ID", "VAT");
		close_tag(b, 4, "cac:TaxScheme");
		close_tag(b, 3, "cac:PartyTaxScheme");
	}
	open_tag(b, 3, "cac:PartyLegalEntity");
	el(b, 4, "cbc:RegistrationName", o->legal_name[0] ? o->legal_name :
	    v->seller_name);
	if (o->kvk[0])
		el(b, 4, "cbc:CompanyID schemeID=\"0106\"", o->kvk);
	close_tag(b, 3, "cac:PartyLegalEntity");
	close_tag(b, 2, "cac:Party");
	close_tag(b, 1, "cac:AccountingSupplierParty");
}

/* The buyer: the client, or the stakeholder the client consented to
 * address the invoice to (the client is then named in a note). */
static bool
to_stakeholder(const struct invoice *v)
{
	return v->addressee_name != NULL && v->addressee_name[0] != '\0';
}

static void
buyer(struct buf *b, const struct invoice *v)
{
	const char *name = to_stakeholder(v) ? v->addressee_name :
	    v->buyer_name;

	open_tag(b, 1, "cac:AccountingCustomerParty");
	open_tag(b, 2, "cac:Party");
	open_tag(b, 3, "cac:PartyName");
	el(b, 4, "cbc:Name", name);
	close_tag(b, 3, "cac:PartyName");
	buyer_address(b, 3, to_stakeholder(v) ? v->addressee_address :
	    v->buyer_address);
	open_tag(b, 3, "cac:PartyLegalEntity");
	el(b, 4, "cbc:RegistrationName", name);
	close_tag(b, 3, "cac:PartyLegalEntity");
	close_tag(b, 2, "cac:Party");
	close_tag(b, 1, "cac:AccountingCustomerParty");
}

int
invoice_ubl(const struct invoice *v, struct buf *b)
{
	bool cn = v->credits != 0;
	const char *doc = cn ? "CreditNote" : "Invoice";
	char num[32], d[16], q[32], ref[32];
	size_t i;

	invoice_number(v, num, sizeof(num));
	buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	buf_printf(b, "<%s xmlns=\"urn:oasis:names:specification:ubl:schema:"
	    "xsd:%s-2\"\n\txmlns:cac=\"urn:oasis:names:specification:ubl:"
	    "schema:xsd:CommonAggregateComponents-2\"\n\txmlns:cbc=\"urn:oasis:"
	    "names:specification:ubl:schema:xsd:CommonBasicComponents-2\">\n",
	    doc, doc);
	el(b, 1, "cbc:UBLVersionID", "2.1");
	el(b, 1, "cbc:CustomizationID", CUSTOMIZATION);
	el(b, 1, "cbc:ProfileID", PROFILE);
	el(b, 1, "cbc:ID", num);
	el(b, 1, "cbc:IssueDate", day(v->issued_at, d, sizeof(d)));
	if (!cn) {
		el(b, 1, "cbc:DueDate", day(v->due_at, d, sizeof(d)));
		el(b, 1, "cbc:InvoiceTypeCode", "380");
	} else
		el(b, 1, "cbc:CreditNoteTypeCode", "381");
	for (i = 0; i < v->ngroups; i++)
		if (v->group[i].vat == BILL_VAT_E)
			el(b, 1, "cbc:Note", BILL_EXEMPT_TEXT);
	if (to_stakeholder(v)) {
		char note[LIMIT_BILL_TEXT + 32];

		snprintf(note, sizeof(note), "Client: %s", v->buyer_name);
		el(b, 1, "cbc:Note", note);
	}
	el(b, 1, "cbc:DocumentCurrencyCode", "EUR");
	snprintf(q, sizeof(q), "T%lld", (long long)v->traj_id);
	el(b, 1, "cbc:BuyerReference", q);
	open_tag(b, 1, "cac:InvoicePeriod");
	el(b, 2, "cbc:StartDate", day(v->period_from, d, sizeof(d)));
	el(b, 2, "cbc:EndDate", day(v->period_to - 1, d, sizeof(d)));
	close_tag(b, 1, "cac:InvoicePeriod");
	if (cn) {
		struct invoice o = *v;

		o.seq = v->credits_seq;
		o.issued_at = v->credits_issued_at;
		open_tag(b, 1, "cac:BillingReference");
		open_tag(b, 2, "cac:InvoiceDocumentReference");
		el(b, 3, "cbc:ID", invoice_number(&o, ref, sizeof(ref)));
		close_tag(b, 2, "cac:InvoiceDocumentReference");
		close_tag(b, 1, "cac:BillingReference");
	}
	seller(b, v);
	buyer(b, v);
	open_tag(b, 1, "cac:PaymentMeans");
	el(b, 2, "cbc:PaymentMeansCode", "30");
	if (cn)
		el(b, 2, "cbc:PaymentDueDate", day(v->due_at, d, sizeof(d)));
	el(b, 2, "cbc:PaymentID", num);
	if (v->seller.iban[0]) {
		open_tag(b, 2, "cac:PayeeFinancialAccount");
		el(b, 3, "cbc:ID", v->seller.iban);
		close_tag(b, 2, "cac:PayeeFinancialAccount");
	}
	close_tag(b, 1, "cac:PaymentMeans");
	open_tag(b, 1, "cac:TaxTotal");
	amount(b, 2, "cbc:TaxAmount", v->vat_cents);
	for (i = 0; i < v->ngroups; i++) {
		open_tag(b, 2, "cac:TaxSubtotal");
		amount(b, 3, "cbc:TaxableAmount", v->group[i].base_cents);
		amount(b, 3, "cbc:TaxAmount", v->group[i].vat_cents);
		tax_category(b, 3, "cac:TaxCategory", v->group[i].vat);
		close_tag(b, 2, "cac:TaxSubtotal");
	}
	close_tag(b, 1, "cac:TaxTotal");
	open_tag(b, 1, "cac:LegalMonetaryTotal");
	amount(b, 2, "cbc:LineExtensionAmount", v->net_cents);
	amount(b, 2, "cbc:TaxExclusiveAmount", v->net_cents);
	amount(b, 2, "cbc:TaxInclusiveAmount", v->total_cents);
	amount(b, 2, "cbc:PayableAmount", v->total_cents);
	close_tag(b, 1, "cac:LegalMonetaryTotal");
	for (i = 0; i < v->n; i++) {
		const struct invoice_line *l = &v->line[i];
		char id[24], t[64];

		buf_printf(b, "\t<cac:%sLine>\n", doc);
		snprintf(id, sizeof(id), "%zu", i + 1);
		el(b, 2, "cbc:ID", id);
		snprintf(t, sizeof(t), "cbc:%sQuantity unitCode=\"%s\"",
		    cn ? "Credited" : "Invoiced", l->unit);
		snprintf(q, sizeof(q), "%lld", (long long)(l->quantity < 0 ?
		    -l->quantity : l->quantity));
		el(b, 2, t, q);
		amount(b, 2, "cbc:LineExtensionAmount", l->amount_cents);
		open_tag(b, 2, "cac:Item");
		el(b, 3, "cbc:Name", l->description);
		tax_category(b, 3, "cac:ClassifiedTaxCategory", l->vat);
		close_tag(b, 2, "cac:Item");
		open_tag(b, 2, "cac:Price");
		amount(b, 3, "cbc:PriceAmount", l->unit_cents);
		snprintf(t, sizeof(t), "cbc:BaseQuantity unitCode=\"%s\"",
		    l->unit);
		snprintf(q, sizeof(q), "%lld", (long long)l->base_quantity);
		el(b, 3, t, q);
		close_tag(b, 2, "cac:Price");
		buf_printf(b, "\t</cac:%sLine>\n", doc);
	}
	buf_printf(b, "</%s>\n", doc);
	return 0;
}

/* A CSV field: quoted, quotes doubled, and text that a spreadsheet would
 * run as a formula made inert with a leading apostrophe. */
static void
csv_text(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@' ||
	    *s == '\t' || *s == '\r'))
		buf_addch(b, '\'');
	for (; s && *s; s++) {
		if (*s == '"')
			buf_addch(b, '"');
		buf_addch(b, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
	buf_addch(b, '"');
}

int
invoice_csv(const struct invoice *v, size_t n, struct buf *b)
{
	char num[32], d1[16], d2[16], a[32];
	size_t i, g;
	int k;

	buf_adds(b, "number,type,issue_date,due_date,credits,buyer,"
	    "addressee,net,vat_21_base,vat_21,vat_9_base,vat_9,vat_0_base,"
	    "exempt_base,vat,total\r\n");
	for (i = 0; i < n; i++) {
		int64_t base[BILL_NVAT] = { 0 }, vat[BILL_NVAT] = { 0 };

		for (g = 0; g < v[i].ngroups; g++) {
			base[v[i].group[g].vat] = v[i].group[g].base_cents;
			vat[v[i].group[g].vat] = v[i].group[g].vat_cents;
		}
		buf_printf(b, "%s,%s,%s,%s,", invoice_number(&v[i], num,
		    sizeof(num)), v[i].credits ? "credit_note" : "invoice",
		    day(v[i].issued_at, d1, sizeof(d1)),
		    day(v[i].due_at, d2, sizeof(d2)));
		if (v[i].credits) {
			struct invoice o = v[i];

			o.seq = v[i].credits_seq;
			o.issued_at = v[i].credits_issued_at;
			buf_adds(b, invoice_number(&o, num, sizeof(num)));
		}
		buf_addch(b, ',');
		csv_text(b, v[i].buyer_name);
		buf_addch(b, ',');
		csv_text(b, v[i].addressee_name ? v[i].addressee_name : "");
		buf_printf(b, ",%s", bill_cents_dot(v[i].net_cents, a,
		    sizeof(a)));
		for (k = 0; k < BILL_NVAT; k++) {
			buf_printf(b, ",%s", bill_cents_dot(base[k], a,
			    sizeof(a)));
			if (k == BILL_VAT_S21 || k == BILL_VAT_S9)
				buf_printf(b, ",%s", bill_cents_dot(vat[k], a,
				    sizeof(a)));
		}
		buf_printf(b, ",%s", bill_cents_dot(v[i].vat_cents, a,
		    sizeof(a)));
		buf_printf(b, ",%s\r\n", bill_cents_dot(v[i].total_cents, a,
		    sizeof(a)));
	}
	return 0;
}
