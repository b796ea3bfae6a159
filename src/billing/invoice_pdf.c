/*
 * invoice_pdf.c - an invoice typeset as an A4 PDF with cairo and pango
 * (billing.h).
 *
 * Text is laid out by pango (fonts through fontconfig, so any name and
 * any script a client has is shaped properly) and drawn by cairo into a
 * PDF written to memory.  Text goes in as plain text, never as pango
 * markup, so nothing a person typed is interpreted.  The labels come in
 * the reader's language through tr; this module never translates.
 * pango's font map is per thread, so requests render in parallel.
 */
#include "billing/billing.h"

#include <stdio.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include "core/i18n.h"
#include "promise/tz.h"
#include "core/banned.h"

/* A4 in points, and the margins. */
#define PAGE_W 595.276
#define PAGE_H 841.890
#define MARGIN 56.0
#define BOTTOM (PAGE_H - 64.0)

struct pdf {
	cairo_t *cr;
	PangoLayout *lay;
	PangoFontDescription *font, *bold, *big;
	double y;
};

static cairo_status_t
to_buf(void *closure, const unsigned char *data, unsigned int len)
{
	buf_add(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

enum align { LEFT, RIGHT };

/* s at (x, y) in a box w wide; returns its height. */
static double
text(struct pdf *p, const PangoFontDescription *f, double x, double y,
    double w, enum align al, const char *s)
{
	int pw, ph;

	pango_layout_set_font_description(p->lay, f);
	pango_layout_set_width(p->lay, (int)(w * PANGO_SCALE));
	pango_layout_set_wrap(p->lay, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(p->lay, al == RIGHT ? PANGO_ALIGN_RIGHT :
	    PANGO_ALIGN_LEFT);
	pango_layout_set_text(p->lay, s ? s : "", -1);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, p->lay);
	pango_layout_get_size(p->lay, &pw, &ph);
	return (double)ph / PANGO_SCALE;
}

static const char *
date(int64_t t, char *out, size_t n)
{
	int64_t y;
	int mo, d;

	tz_civil_from_days((t >= 0 ? t : t - 86399) / 86400, &y, &mo, &d);
	snprintf(out, n, "%02d-%02d-%04lld", d, mo, (long long)y);
	return out;
}

static const char *
euro(int64_t cents, char *out, size_t n)
{
	char a[32];

	snprintf(out, n, "\u20ac %s", bill_cents_nl(cents, a, sizeof(a)));
	return out;
}

static void
rule(struct pdf *p)
{
	cairo_set_line_width(p->cr, 0.6);
	cairo_move_to(p->cr, MARGIN, p->y);
	cairo_line_to(p->cr, PAGE_W - MARGIN, p->y);
	cairo_stroke(p->cr);
	p->y += 4;
}

static void
new_page_if(struct pdf *p, double need)
{
	if (p->y + need <= BOTTOM)
		return;
	cairo_show_page(p->cr);
	p->y = MARGIN;
}

/* Column x positions and widths of the lines' table. */
static const double col_x[] = { MARGIN, 200, 260, 320, 388, 444 };
static const double col_w[] = { 140, 56, 56, 64, 52, PAGE_W - MARGIN - 444 };

static void
row(struct pdf *p, const PangoFontDescription *f, const char *const c[6])
{
	double h = 0, t;
	int i;

	for (i = 0; i < 6; i++) {
		t = text(p, f, col_x[i], p->y, col_w[i], i == 0 ? LEFT : RIGHT,
		    c[i]);
		if (t > h)
			h = t;
	}
	p->y += h + 3;
}

static const char *
vat_label(enum bill_vat v, bill_tr_fn tr)
{
	switch (v) {
	case BILL_VAT_S21: return "21%";
	case BILL_VAT_S9: return "9%";
	case BILL_VAT_Z0: return "0%";
	case BILL_VAT_E: return tr(N_("exempt"));
	}
	return "?";
}

static void
head(struct pdf *p, const struct invoice *v, bill_tr_fn tr)
{
	const struct bill_org *o = &v->seller;
	char s[512], d[16];
	double h, right = PAGE_W - MARGIN - 200;

	h = text(p, p->big, MARGIN, p->y, 300, LEFT, v->seller_name);
	snprintf(s, sizeof(s), "%s\n%s\n%s %s", o->legal_name, o->street,
	    o->postcode, o->city);
	text(p, p->font, MARGIN, p->y + h + 2, 300, LEFT, s);
	snprintf(s, sizeof(s), "%s %s\n%s %s\n%s %s", tr(N_("KvK")), o->kvk,
	    tr(N_("VAT number")), o->vat_number, tr(N_("IBAN")), o->iban);
	text(p, p->font, right, p->y, 200, RIGHT, s);
	p->y += 110;
	/* The buyer, where a window envelope shows it: the client, or the
	 * stakeholder the client consented to (the client named below). */
	if (v->addressee_name != NULL && v->addressee_name[0] != '\0') {
		text(p, p->bold, MARGIN, p->y, 300, LEFT, v->addressee_name);
		p->y += text(p, p->font, MARGIN, p->y + 15, 300, LEFT,
		    v->addressee_address) + 20;
		snprintf(s, sizeof(s), "%s: %s", tr(N_("Client")),
		    v->buyer_name);
		p->y += text(p, p->font, MARGIN, p->y, 400, LEFT, s) + 20;
	} else {
		text(p, p->bold, MARGIN, p->y, 300, LEFT, v->buyer_name);
		p->y += text(p, p->font, MARGIN, p->y + 15, 300, LEFT,
		    v->buyer_address) + 40;
	}
	p->y += text(p, p->big, MARGIN, p->y, 400, LEFT, v->credits ?
	    tr(N_("Credit note")) : tr(N_("Invoice"))) + 6;
	{
		char num[32], line[256], d2[16], d3[16];
		struct invoice o2 = *v;

		snprintf(line, sizeof(line), "%s: %s", tr(N_("Number")),
		    invoice_number(v, num, sizeof(num)));
		p->y += text(p, p->font, MARGIN, p->y, 400, LEFT, line);
		snprintf(line, sizeof(line), "%s: %s", tr(N_("Date")),
		    date(v->issued_at, d, sizeof(d)));
		p->y += text(p, p->font, MARGIN, p->y, 400, LEFT, line);
		if (!v->credits) {
			snprintf(line, sizeof(line), "%s: %s",
			    tr(N_("Due date")), date(v->due_at, d, sizeof(d)));
			p->y += text(p, p->font, MARGIN, p->y, 400, LEFT,
			    line);
		} else {
			o2.seq = v->credits_seq;
			o2.issued_at = v->credits_issued_at;
			snprintf(line, sizeof(line), "%s: %s",
			    tr(N_("Cancels invoice")),
			    invoice_number(&o2, num, sizeof(num)));
			p->y += text(p, p->font, MARGIN, p->y, 400, LEFT,
			    line);
		}
		snprintf(line, sizeof(line), "%s: %s \u2013 %s",
		    tr(N_("Period")), date(v->period_from, d2, sizeof(d2)),
		    date(v->period_to - 1, d3, sizeof(d3)));
		p->y += text(p, p->font, MARGIN, p->y, 400, LEFT, line) + 18;
	}
}

int
invoice_pdf(const struct invoice *v, bill_tr_fn tr, struct buf *out)
{
	struct pdf p;
	cairo_surface_t *sf;
	char q[32], raw[32], price[48], amt[48], s[256], e1[48], e2[48];
	size_t i;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	sf = cairo_pdf_surface_create_for_stream(to_buf, out, PAGE_W, PAGE_H);
	if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(sf);
		return ERR_INTERNAL;
	}
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR,
	    "Infuus");
	p.cr = cairo_create(sf);
	p.lay = pango_cairo_create_layout(p.cr);
	p.font = pango_font_description_from_string("DejaVu Sans 9");
	p.bold = pango_font_description_from_string("DejaVu Sans Bold 9");
	p.big = pango_font_description_from_string("DejaVu Sans Bold 15");
	cairo_set_source_rgb(p.cr, 0, 0, 0);
	p.y = MARGIN;
	head(&p, v, tr);

	{
		const char *h[6] = { tr(N_("Description")), tr(N_("Quantity")),
			tr(N_("Recorded")), tr(N_("Price")), tr(N_("VAT")),
			tr(N_("Amount")) };

		row(&p, p.bold, h);
		rule(&p);
	}
	for (i = 0; i < v->n; i++) {
		const struct invoice_line *l = &v->line[i];
		const char *c[6];

		new_page_if(&p, 30);
		snprintf(q, sizeof(q), "%lld%s", (long long)l->quantity,
		    strcmp(l->unit, "MIN") == 0 ? " min" : "");
		if (l->raw_minutes != 0)
			snprintf(raw, sizeof(raw), "%lld min",
			    (long long)l->raw_minutes);
		else
			raw[0] = '\0';
		euro(l->unit_cents, price, sizeof(price));
		if (l->base_quantity == 60) {
			size_t k = strlen(price);

			snprintf(price + k, sizeof(price) - k, "%s", "/h");
		}
		c[0] = l->description;
		c[1] = q;
		c[2] = raw;
		c[3] = price;
		c[4] = vat_label(l->vat, tr);
		c[5] = euro(l->amount_cents, amt, sizeof(amt));
		row(&p, p.font, c);
	}
	rule(&p);
	new_page_if(&p, 120);
	{
		const char *c[6] = { "", "", "", "", "", "" };

		c[0] = tr(N_("Total excluding VAT"));
		c[5] = euro(v->net_cents, amt, sizeof(amt));
		row(&p, p.font, c);
		for (i = 0; i < v->ngroups; i++) {
			const struct invoice_vat_group *g = &v->group[i];

			snprintf(s, sizeof(s), "%s %s %s %s", tr(N_("VAT")),
			    vat_label(g->vat, tr), tr(N_("over")),
			    euro(g->base_cents, e1, sizeof(e1)));
			c[0] = s;
			c[5] = euro(g->vat_cents, e2, sizeof(e2));
			row(&p, p.font, c);
		}
		c[0] = tr(N_("Total"));
		c[5] = euro(v->total_cents, amt, sizeof(amt));
		row(&p, p.bold, c);
	}
	p.y += 14;
	for (i = 0; i < v->ngroups; i++)
		if (v->group[i].vat == BILL_VAT_E)
			p.y += text(&p, p.font, MARGIN, p.y, PAGE_W - 2 * MARGIN,
			    LEFT, BILL_EXEMPT_TEXT) + 8;
	if (!v->credits && v->total_cents > 0) {
		char num[32], d[16];

		snprintf(s, sizeof(s), "%s %s %s %s %s %s.",
		    tr(N_("Please pay")), euro(v->total_cents, amt, sizeof(amt)),
		    tr(N_("before")), date(v->due_at, d, sizeof(d)),
		    tr(N_("stating invoice number")),
		    invoice_number(v, num, sizeof(num)));
		new_page_if(&p, 30);
		p.y += text(&p, p.font, MARGIN, p.y, PAGE_W - 2 * MARGIN, LEFT,
		    s);
	}
	cairo_show_page(p.cr);
	pango_font_description_free(p.font);
	pango_font_description_free(p.bold);
	pango_font_description_free(p.big);
	g_object_unref(p.lay);
	if (cairo_status(p.cr) != CAIRO_STATUS_SUCCESS)
		rc = ERR_INTERNAL;
	cairo_destroy(p.cr);
	cairo_surface_finish(sf);
	if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS)
		rc = ERR_INTERNAL;
	cairo_surface_destroy(sf);
	return rc;
}

void
invoice_pdf_fini(void)
{
	/* The calling thread's font map, cairo's caches, then fontconfig's
	 * configuration: what a leak checker would report at exit. */
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
}
