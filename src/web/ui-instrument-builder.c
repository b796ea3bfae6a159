/*
 * ui-instrument-builder.c - a questionnaire built with a form (issue 11):
 * title, texts in both languages, answer scales with their labels, items,
 * scores over items and their cut-offs.
 *
 * Works without JavaScript: every button (add, remove, move up or down,
 * check, save) posts the whole form, the page reads it into a model, does
 * what the button said and renders the model again.  The model is never
 * stored: it is written out as the instrument file's text (FORMAT.md) and
 * that text goes through the same parser and versioning as a typed or
 * uploaded file (measure_version_add), so a built instrument and an
 * uploaded one are the same thing.  While writing, the page notes which
 * field each line came from, so the parser's refusal ("line 12: ...")
 * lands next to that field.  Features the form does not have (conditions,
 * weights, factors, norms) are kept out of the builder: an instrument
 * using them is edited as text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "audit/audit.h"
#include "core/err.h"
#include "core/num.h"
#include "http/http.h"
#include "identity/session.h"
#include "instrument/instrument.h"
#include "instrument/measure.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/ui-measures.h"
#include "web/web_int.h"
#include "core/banned.h"

static const char *const lang_code[INSTR_LANGS] = { "nl", "en" };

struct b_scale {
	const char *id, *min, *max;
	/* label[point - min][lang], for the points of a valid span */
	const char *label[LIMIT_INSTRUMENT_SCALE_SPAN + 1][INSTR_LANGS];
};

struct b_item {
	const char *id;
	const char *text[INSTR_LANGS];
	int scale;              /* index into scale; -1: none chosen */
	bool reverse, optional;
};

struct b_cut {
	const char *from;
	const char *label[INSTR_LANGS];
};

struct b_score {
	const char *id;
	const char *name[INSTR_LANGS];
	bool mean;
	bool higher;            /* a higher score is better */
	const char *prorate;
	bool has[LIMIT_INSTRUMENT_ITEMS];
	int ncut;
	struct b_cut cut[LIMIT_INSTRUMENT_CUTOFFS];
};

struct builder {
	const char *id, *version, *source, *licence, *verified;
	const char *title[INSTR_LANGS], *intro[INSTR_LANGS];
	bool decline;
	int nscales, nitems, nscores;
	struct b_scale scale[LIMIT_INSTRUMENT_SCALES];
	struct b_item item[LIMIT_INSTRUMENT_ITEMS];
	struct b_score score[LIMIT_INSTRUMENT_SCORES];
};

/* --- reading the form ---------------------------------------------------- */

/* The names of a row's fields are formats of the page's own ("i.%d.nl"). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static const char *
fv(struct req *r, const char *fmt, int a, int b)
{
	char name[64];

	snprintf(name, sizeof(name), fmt, a, b);
	return page_form(r, name);
}
#pragma GCC diagnostic pop

static const char *
trimmed(struct req *r, const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return arena_strndup(&r->arena, s, n);
}

static int
count_of(struct req *r, const char *name, int limit)
{
	int64_t n;

	if (num_parse_i64(str_c(page_form(r, name)), 0, limit, &n) != 0)
		return 0;
	return (int)n;
}

/* The span of a scale, when its ends are whole numbers in order and at
 * most the limit apart; else false (the parser says why at the save). */
static bool
scale_span(const struct b_scale *s, int *min, int *max)
{
	int64_t lo, hi;

	if (num_parse_i64(str_c(s->min), -1000000, 1000000, &lo) != 0 ||
	    num_parse_i64(str_c(s->max), -1000000, 1000000, &hi) != 0 ||
	    lo >= hi || hi - lo > LIMIT_INSTRUMENT_SCALE_SPAN)
		return false;
	*min = (int)lo;
	*max = (int)hi;
	return true;
}

static void
read_form(struct req *r, struct builder *b)
{
	int i, j, k, l, lo, hi;

	b->id = trimmed(r, page_form(r, "b.id"));
	b->version = trimmed(r, page_form(r, "b.version"));
	b->source = trimmed(r, page_form(r, "b.source"));
	b->licence = trimmed(r, page_form(r, "b.licence"));
	b->verified = trimmed(r, page_form(r, "b.verified"));
	b->decline = *page_form(r, "b.decline") != '\0';
	for (l = 0; l < INSTR_LANGS; l++) {
		b->title[l] = trimmed(r, page_form(r,
		    l == INSTR_NL ? "b.title.nl" : "b.title.en"));
		b->intro[l] = trimmed(r, page_form(r,
		    l == INSTR_NL ? "b.intro.nl" : "b.intro.en"));
	}
	b->nscales = count_of(r, "ns", LIMIT_INSTRUMENT_SCALES);
	for (i = 0; i < b->nscales; i++) {
		struct b_scale *s = &b->scale[i];

		s->id = trimmed(r, fv(r, "s.%d.id", i, 0));
		s->min = trimmed(r, fv(r, "s.%d.min", i, 0));
		s->max = trimmed(r, fv(r, "s.%d.max", i, 0));
		if (!scale_span(s, &lo, &hi))
			continue;
		for (k = lo; k <= hi; k++) {
			s->label[k - lo][INSTR_NL] = trimmed(r,
			    fv(r, "s.%d.l%d.nl", i, k));
			s->label[k - lo][INSTR_EN] = trimmed(r,
			    fv(r, "s.%d.l%d.en", i, k));
		}
	}
	b->nitems = count_of(r, "ni", LIMIT_INSTRUMENT_ITEMS);
	for (i = 0; i < b->nitems; i++) {
		struct b_item *it = &b->item[i];
		int64_t sc;

		it->id = trimmed(r, fv(r, "i.%d.id", i, 0));
		it->text[INSTR_NL] = trimmed(r, fv(r, "i.%d.nl", i, 0));
		it->text[INSTR_EN] = trimmed(r, fv(r, "i.%d.en", i, 0));
		it->scale = num_parse_i64(str_c(fv(r, "i.%d.scale", i, 0)), 0,
		    b->nscales - 1, &sc) == 0 ? (int)sc : -1;
		it->reverse = *fv(r, "i.%d.rev", i, 0) != '\0';
		it->optional = *fv(r, "i.%d.opt", i, 0) != '\0';
	}
	b->nscores = count_of(r, "nc", LIMIT_INSTRUMENT_SCORES);
	for (j = 0; j < b->nscores; j++) {
		struct b_score *sc = &b->score[j];

		sc->id = trimmed(r, fv(r, "c.%d.id", j, 0));
		sc->name[INSTR_NL] = trimmed(r, fv(r, "c.%d.nl", j, 0));
		sc->name[INSTR_EN] = trimmed(r, fv(r, "c.%d.en", j, 0));
		sc->mean = strcmp(fv(r, "c.%d.method", j, 0), "mean") == 0;
		sc->higher = *fv(r, "c.%d.higher", j, 0) != '\0';
		sc->prorate = trimmed(r, fv(r, "c.%d.prorate", j, 0));
		for (i = 0; i < b->nitems; i++)
			sc->has[i] = *fv(r, "c.%d.i%d", j, i) != '\0';
		/* rows left empty are dropped: the page shows one empty
		 * row to add a cut-off */
		for (k = 0; k < LIMIT_INSTRUMENT_CUTOFFS; k++) {
			struct b_cut c;

			c.from = trimmed(r, fv(r, "c.%d.k%d.from", j, k));
			c.label[INSTR_NL] = trimmed(r, fv(r, "c.%d.k%d.nl", j,
			    k));
			c.label[INSTR_EN] = trimmed(r, fv(r, "c.%d.k%d.en", j,
			    k));
			if (*c.from || *c.label[INSTR_NL] || *c.label[INSTR_EN])
				sc->cut[sc->ncut++] = c;
		}
	}
}

/* --- an instrument into the model (to change it) ------------------------- */

static const char *
sdup(struct req *r, struct str s)
{
	return arena_strz(&r->arena, s);
}

/* A decimal as the format writes it: a point, at most four decimals,
 * no trailing zeros. */
static const char *
decimal(struct req *r, double v)
{
	char *s = arena_printf(&r->arena, "%.4f", v);
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '0')
		s[--n] = '\0';
	if (n > 0 && s[n - 1] == '.')
		s[--n] = '\0';
	return strcmp(s, "-0") == 0 ? "0" : s;
}

/* false: the instrument uses what the form cannot show */
static bool
from_instrument(struct req *r, const struct instrument *ins,
    struct builder *b)
{
	int i, j, k, l;

	b->id = sdup(r, ins->id);
	b->version = arena_printf(&r->arena, "%d", ins->version + 1);
	b->source = sdup(r, ins->source);
	b->licence = sdup(r, ins->licence);
	b->verified = sdup(r, ins->verified);
	b->decline = ins->decline;
	for (l = 0; l < INSTR_LANGS; l++) {
		b->title[l] = sdup(r, ins->title[l]);
		b->intro[l] = sdup(r, ins->intro[l]);
	}
	b->nscales = ins->nscales;
	for (i = 0; i < ins->nscales; i++) {
		const struct instr_scale *s = &ins->scale[i];

		b->scale[i].id = sdup(r, s->id);
		b->scale[i].min = arena_printf(&r->arena, "%d", s->min);
		b->scale[i].max = arena_printf(&r->arena, "%d", s->max);
		for (k = 0; k <= s->max - s->min; k++)
			for (l = 0; l < INSTR_LANGS; l++)
				b->scale[i].label[k][l] = sdup(r,
				    s->label[k][l]);
	}
	b->nitems = ins->nitems;
	for (i = 0; i < ins->nitems; i++) {
		const struct instr_item *it = &ins->item[i];

		if (it->cond_item >= 0)
			return false;
		b->item[i].id = sdup(r, it->id);
		for (l = 0; l < INSTR_LANGS; l++)
			b->item[i].text[l] = sdup(r, it->text[l]);
		b->item[i].scale = it->scale;
		b->item[i].reverse = it->reverse;
		b->item[i].optional = it->optional;
	}
	b->nscores = ins->nscores;
	for (j = 0; j < ins->nscores; j++) {
		const struct instr_score *s = &ins->score[j];
		struct b_score *bs = &b->score[j];

		if (s->method == INSTR_WEIGHTED || s->factor != 1.0 ||
		    s->sd != 0 || s->reliability != 0)
			return false;
		bs->id = sdup(r, s->id);
		for (l = 0; l < INSTR_LANGS; l++)
			bs->name[l] = sdup(r, s->name[l]);
		bs->mean = s->method == INSTR_MEAN;
		bs->higher = s->higher_better;
		bs->prorate = s->max_missing > 0 ? arena_printf(&r->arena,
		    "%d", s->max_missing) : "";
		for (k = 0; k < s->nitems; k++)
			bs->has[s->item[k]] = true;
		bs->ncut = s->ncut;
		for (k = 0; k < s->ncut; k++) {
			bs->cut[k].from = decimal(r, s->cut[k].from);
			for (l = 0; l < INSTR_LANGS; l++)
				bs->cut[k].label[l] = sdup(r,
				    s->cut[k].label[l]);
		}
	}
	return true;
}

/* --- the buttons --------------------------------------------------------- */

static void
item_swap(struct builder *b, int x, int y)
{
	struct b_item t = b->item[x];
	int j;
	bool h;

	b->item[x] = b->item[y];
	b->item[y] = t;
	for (j = 0; j < b->nscores; j++) {
		h = b->score[j].has[x];
		b->score[j].has[x] = b->score[j].has[y];
		b->score[j].has[y] = h;
	}
}

static void
item_remove(struct builder *b, int k)
{
	int i;

	for (i = k; i + 1 < b->nitems; i++)
		item_swap(b, i, i + 1);
	b->nitems--;
}

/* The first name of prefix1, prefix2, ... that no item (or scale or
 * score) has yet. */
static const char *
fresh_name(struct req *r, const struct builder *b, char kind,
    const char *prefix)
{
	const char *name;
	int n, i, taken;

	for (n = 1;; n++) {
		name = arena_printf(&r->arena, "%s%d", prefix, n);
		taken = 0;
		if (kind == 'i')
			for (i = 0; i < b->nitems; i++)
				taken |= strcmp(b->item[i].id, name) == 0;
		if (kind == 's')
			for (i = 0; i < b->nscales; i++)
				taken |= strcmp(b->scale[i].id, name) == 0;
		if (kind == 'c')
			for (i = 0; i < b->nscores; i++)
				taken |= strcmp(b->score[i].id, name) == 0;
		if (!taken)
			return name;
	}
}

static void
add_scale(struct req *r, struct builder *b)
{
	struct b_scale *s = &b->scale[b->nscales];
	int k;

	memset(s, 0, sizeof(*s));
	s->id = fresh_name(r, b, 's', "scale");
	s->min = "0";
	s->max = "4";
	for (k = 0; k <= 4; k++)
		s->label[k][INSTR_NL] = s->label[k][INSTR_EN] = "";
	b->nscales++;
}

static void
add_item(struct req *r, struct builder *b)
{
	struct b_item *it = &b->item[b->nitems];
	int j;

	it->id = fresh_name(r, b, 'i', "q");
	it->text[INSTR_NL] = it->text[INSTR_EN] = "";
	it->scale = b->nscales > 0 ? 0 : -1;
	it->reverse = it->optional = false;
	for (j = 0; j < b->nscores; j++)
		b->score[j].has[b->nitems] = false;
	b->nitems++;
}

static void
add_score(struct req *r, struct builder *b)
{
	struct b_score *sc = &b->score[b->nscores];

	memset(sc, 0, sizeof(*sc));
	sc->id = b->nscores == 0 ? "total" : fresh_name(r, b, 'c', "sub");
	sc->name[INSTR_NL] = sc->name[INSTR_EN] = "";
	sc->prorate = "";
	b->nscores++;
}

/* Do what the button said: 0, or ERR_TOOMANY with w filled. */
static int
apply(struct req *r, struct builder *b, const char *op, struct why *w)
{
	int k = -1, i;
	const char *dot = strrchr(op, '.');
	int64_t v;

	if (dot != NULL && num_parse_i64(str_c(dot + 1), 0,
	    LIMIT_INSTRUMENT_ITEMS, &v) == 0)
		k = (int)v;
	if (strcmp(op, "add-item") == 0) {
		if (b->nitems >= LIMIT_INSTRUMENT_ITEMS) {
			*w = (struct why){ "b-items", N_("A questionnaire "
			    "has at most %d items."), NULL,
			    LIMIT_INSTRUMENT_ITEMS };
			return ERR_TOOMANY;
		}
		add_item(r, b);
	} else if (strcmp(op, "add-scale") == 0) {
		if (b->nscales >= LIMIT_INSTRUMENT_SCALES) {
			*w = (struct why){ "b-scales", N_("A questionnaire "
			    "has at most %d answer scales."), NULL,
			    LIMIT_INSTRUMENT_SCALES };
			return ERR_TOOMANY;
		}
		add_scale(r, b);
	} else if (strcmp(op, "add-score") == 0) {
		if (b->nscores >= LIMIT_INSTRUMENT_SCORES) {
			*w = (struct why){ "b-scores", N_("A questionnaire "
			    "has at most %d scores."), NULL,
			    LIMIT_INSTRUMENT_SCORES };
			return ERR_TOOMANY;
		}
		add_score(r, b);
	} else if (strncmp(op, "rm-item.", 8) == 0 && k >= 0 &&
	    k < b->nitems) {
		item_remove(b, k);
	} else if (strncmp(op, "up-item.", 8) == 0 && k > 0 &&
	    k < b->nitems) {
		item_swap(b, k - 1, k);
	} else if (strncmp(op, "down-item.", 10) == 0 && k >= 0 &&
	    k + 1 < b->nitems) {
		item_swap(b, k, k + 1);
	} else if (strncmp(op, "rm-scale.", 9) == 0 && k >= 0 &&
	    k < b->nscales) {
		memmove(&b->scale[k], &b->scale[k + 1],
		    (size_t)(b->nscales - k - 1) * sizeof(b->scale[0]));
		b->nscales--;
		/* items on it have no scale until one is chosen */
		for (i = 0; i < b->nitems; i++)
			if (b->item[i].scale == k)
				b->item[i].scale = -1;
			else if (b->item[i].scale > k)
				b->item[i].scale--;
	} else if (strncmp(op, "rm-score.", 9) == 0 && k >= 0 &&
	    k < b->nscores) {
		memmove(&b->score[k], &b->score[k + 1],
		    (size_t)(b->nscores - k - 1) * sizeof(b->score[0]));
		b->nscores--;
	}
	return 0;
}

/* --- the model as the instrument file ------------------------------------ */

struct gen {
	struct req *r;
	struct buf *text;
	const char **field;     /* field[line - 1]: where the line came from */
	int nlines, cap;
};

static void
line(struct gen *g, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
line(struct gen *g, const char *field, const char *fmt, ...)
{
	va_list ap;
	size_t start = g->text->len, k;

	va_start(ap, fmt);
	buf_vprintf(g->text, fmt, ap);
	va_end(ap);
	/* a field's text stays on its line: a line break typed into it
	 * would start a line of its own */
	for (k = start; k < g->text->len; k++)
		if (g->text->p[k] == '\r' || g->text->p[k] == '\n')
			g->text->p[k] = ' ';
	buf_adds(g->text, "\n");
	if (g->nlines == g->cap) {
		int cap = g->cap ? g->cap * 2 : 64;
		const char **f = arena_calloc(&g->r->arena, (size_t)cap,
		    sizeof(*f));

		if (g->nlines > 0)
			memcpy(f, g->field, (size_t)g->nlines * sizeof(*f));
		g->field = f;
		g->cap = cap;
	}
	g->field[g->nlines++] = field;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static const char *
fname(struct req *r, const char *fmt, int a, int b)
{
	return arena_printf(&r->arena, fmt, a, b);
}
#pragma GCC diagnostic pop

static void
generate(struct req *r, const struct builder *b, struct gen *g)
{
	int i, j, k, l, lo, hi;

	line(g, "b.id", "infuus-instrument 1");
	line(g, "b.id", "id %s", *b->id ? b->id : "-");
	line(g, "b.version", "version %s", *b->version ? b->version : "1");
	for (l = 0; l < INSTR_LANGS; l++)
		line(g, l == INSTR_NL ? "b.title.nl" : "b.title.en",
		    "title %s: %s", lang_code[l], b->title[l]);
	for (l = 0; l < INSTR_LANGS; l++)
		if (*b->intro[INSTR_NL] || *b->intro[INSTR_EN])
			line(g, l == INSTR_NL ? "b.intro.nl" : "b.intro.en",
			    "intro %s: %s", lang_code[l], b->intro[l]);
	line(g, "b.source", "source: %s", b->source);
	line(g, "b.licence", "licence: %s", b->licence);
	if (*b->verified)
		line(g, "b.verified", "verified: %s", b->verified);
	line(g, "b.decline", "decline %s", b->decline ? "yes" : "no");
	for (i = 0; i < b->nscales; i++) {
		const struct b_scale *s = &b->scale[i];

		/* the line's refusals: its name, or its span */
		line(g, fname(r, scale_span(s, &lo, &hi) ? "s.%d.id" :
		    "s.%d.min", i, 0), "scale %s %s %s", s->id,
		    *s->min ? s->min : "-", *s->max ? s->max : "-");
		if (!scale_span(s, &lo, &hi))
			continue;
		for (k = lo; k <= hi; k++) {
			const char *const *lab = s->label[k - lo];

			if (lab[INSTR_NL] == NULL || lab[INSTR_EN] == NULL ||
			    (!*lab[INSTR_NL] && !*lab[INSTR_EN]))
				continue;
			for (l = 0; l < INSTR_LANGS; l++)
				line(g, fname(r, l == INSTR_NL ?
				    "s.%d.l%d.nl" : "s.%d.l%d.en", i, k),
				    "label %s %d %s: %s", s->id, k,
				    lang_code[l], lab[l]);
		}
	}
	for (i = 0; i < b->nitems; i++) {
		const struct b_item *it = &b->item[i];

		/* the line's refusals: no scale chosen, or its name */
		line(g, fname(r, it->scale < 0 ? "i.%d.scale" : "i.%d.id", i,
		    0), "item %s %s%s%s",
		    *it->id ? it->id : "-", it->scale >= 0 ?
		    b->scale[it->scale].id : "-",
		    it->reverse ? " reverse" : "",
		    it->optional ? " optional" : "");
		for (l = 0; l < INSTR_LANGS; l++)
			line(g, fname(r, l == INSTR_NL ? "i.%d.nl" : "i.%d.en",
			    i, 0), "text %s %s: %s", *it->id ? it->id : "-",
			    lang_code[l], it->text[l]);
	}
	for (j = 0; j < b->nscores; j++) {
		const struct b_score *sc = &b->score[j];
		struct buf items = BUF_INIT;

		for (i = 0; i < b->nitems; i++)
			if (sc->has[i]) {
				buf_adds(&items, " ");
				buf_adds(&items, b->item[i].id);
			}
		/* the line's refusals: no items counted, or its name */
		line(g, fname(r, items.len == 0 ? "c.%d.items" : "c.%d.id",
		    j, 0), "score %s %s%s",
		    *sc->id ? sc->id : "-", sc->mean ? "mean" : "sum",
		    items.p);
		buf_release(&items);
		if (*sc->name[INSTR_NL] || *sc->name[INSTR_EN])
			for (l = 0; l < INSTR_LANGS; l++)
				line(g, fname(r, l == INSTR_NL ? "c.%d.nl" :
				    "c.%d.en", j, 0), "name %s %s: %s", sc->id,
				    lang_code[l], sc->name[l]);
		if (sc->higher)
			line(g, fname(r, "c.%d.higher", j, 0),
			    "better %s higher", sc->id);
		if (*sc->prorate && strcmp(sc->prorate, "0") != 0)
			line(g, fname(r, "c.%d.prorate", j, 0), "prorate %s %s",
			    sc->id, sc->prorate);
		for (k = 0; k < sc->ncut; k++)
			for (l = 0; l < INSTR_LANGS; l++)
				line(g, fname(r, l == INSTR_NL ?
				    "c.%d.k%d.nl" : "c.%d.k%d.en", j, k),
				    "cutoff %s %s %s: %s", sc->id,
				    *sc->cut[k].from ? sc->cut[k].from : "-",
				    lang_code[l], sc->cut[k].label[l]);
	}
}

/* The field a refusal belongs to: its line's; for a refusal of the file
 * as a whole, the scale or score it names, else the items' list. */
static const char *
error_field(const struct builder *b, const struct gen *g,
    const struct instr_error *e)
{
	int i;

	if (e->line >= 1 && e->line <= g->nlines)
		return g->field[e->line - 1];
	for (i = 0; i < b->nscales; i++)
		if (strcmp(b->scale[i].id, e->token) == 0)
			return arena_printf(&g->r->arena, "s.%d.id", i);
	for (i = 0; i < b->nscores; i++)
		if (strcmp(b->score[i].id, e->token) == 0)
			return arena_printf(&g->r->arena, "c.%d.items", i);
	return "b-items";
}

/* --- the page ------------------------------------------------------------ */

static void
input(struct req *r, const char *name, const char *label, const char *value,
    const char *extra)
{
	P(r, "<p class=\"field\"><label for=\"f-");
	A(r, name);
	P(r, "\">");
	T(r, label);
	P(r, "</label>\n<input type=\"text\" id=\"f-");
	A(r, name);
	P(r, "\" name=\"");
	A(r, name);
	P(r, "\" value=\"");
	A(r, value ? value : "");
	P(r, "\"");
	if (extra)
		P(r, extra);
	page_field_attrs(r, name, NULL);
	P(r, ">");
	page_field_error(r, name);
	P(r, "</p>\n");
}

static void
checkbox(struct req *r, const char *name, const char *label, bool on)
{
	P(r, "<p class=\"field\"><input type=\"checkbox\" value=\"1\" id=\"f-");
	A(r, name);
	P(r, "\" name=\"");
	A(r, name);
	P(r, "\"");
	if (on)
		P(r, " checked");
	page_field_attrs(r, name, NULL);
	P(r, "> <label for=\"f-");
	A(r, name);
	P(r, "\">");
	T(r, label);
	P(r, "</label>");
	page_field_error(r, name);
	P(r, "</p>\n");
}

static void
button(struct req *r, const char *op, const char *label, const char *what)
{
	P(r, "<button type=\"submit\" name=\"op\" value=\"");
	A(r, op);
	P(r, "\"");
	if (what != NULL) {
		/* "Remove" alone is ambiguous for a screen reader */
		P(r, " aria-label=\"");
		A(r, arena_printf(&r->arena, "%s: %s", label, what));
		P(r, "\"");
	}
	P(r, ">");
	T(r, label);
	P(r, "</button> ");
}

static void
list_error(struct req *r, const char *name)
{
	if (!page_field_bad(r, name))
		return;
	P(r, "<p class=\"field-error\" id=\"f-");
	A(r, name);
	P(r, "-error\">");
	T(r, web_req_state(r)->why_text);
	P(r, "</p>\n");
}

static void
render_scales(struct req *r, const struct builder *b)
{
	int i, k, lo, hi;

	P(r, "<section aria-labelledby=\"h-scales\"><h2 id=\"h-scales\">");
	T(r, _("Answer scales"));
	P(r, "</h2>\n");
	list_error(r, "b-scales");
	for (i = 0; i < b->nscales; i++) {
		const struct b_scale *s = &b->scale[i];
		const char *what = arena_printf(&r->arena, "%s %d",
		    _("Scale"), i + 1);

		P(r, "<fieldset class=\"scale\"><legend>");
		T(r, what);
		P(r, "</legend>\n");
		input(r, fname(r, "s.%d.id", i, 0), _("Name (letters, digits, "
		    "- or _)"), s->id, NULL);
		input(r, fname(r, "s.%d.min", i, 0), _("Lowest value"), s->min,
		    " inputmode=\"numeric\" size=\"5\"");
		input(r, fname(r, "s.%d.max", i, 0), _("Highest value"), s->max,
		    " inputmode=\"numeric\" size=\"5\"");
		if (scale_span(s, &lo, &hi)) {
			P(r, "<table><caption>");
			T(r, _("Labels of the values (optional)"));
			P(r, "</caption><thead><tr><th scope=\"col\">");
			T(r, _("Value"));
			P(r, "</th><th scope=\"col\">");
			T(r, _("Dutch"));
			P(r, "</th><th scope=\"col\">");
			T(r, _("English"));
			P(r, "</th></tr></thead><tbody>\n");
			for (k = lo; k <= hi; k++) {
				const char *nl = fname(r, "s.%d.l%d.nl", i, k);
				const char *en = fname(r, "s.%d.l%d.en", i, k);

				PF(r, "<tr><th scope=\"row\">%d</th><td>", k);
				PF(r, "<input type=\"text\" name=\"%s\" "
				    "id=\"f-%s\" aria-label=\"%s %d, %s\" "
				    "value=\"", nl, nl, _("Label of value"), k,
				    _("Dutch"));
				A(r, s->label[k - lo][INSTR_NL] ?
				    s->label[k - lo][INSTR_NL] : "");
				P(r, "\"");
				page_field_attrs(r, nl, NULL);
				P(r, ">");
				page_field_error(r, nl);
				PF(r, "</td><td><input type=\"text\" "
				    "name=\"%s\" id=\"f-%s\" "
				    "aria-label=\"%s %d, %s\" value=\"", en, en,
				    _("Label of value"), k, _("English"));
				A(r, s->label[k - lo][INSTR_EN] ?
				    s->label[k - lo][INSTR_EN] : "");
				P(r, "\"");
				page_field_attrs(r, en, NULL);
				P(r, ">");
				page_field_error(r, en);
				P(r, "</td></tr>\n");
			}
			P(r, "</tbody></table>\n");
		} else {
			P(r, "<p>");
			T(r, _("The labels can be written once the lowest and "
			    "highest value are whole numbers, the lowest "
			    "below the highest (press Check)."));
			P(r, "</p>\n");
		}
		P(r, "<p>");
		button(r, fname(r, "rm-scale.%d", i, 0), _("Remove"), what);
		P(r, "</p></fieldset>\n");
	}
	P(r, "<p>");
	button(r, "add-scale", _("Add an answer scale"), NULL);
	P(r, "</p></section>\n");
}

static void
render_items(struct req *r, const struct builder *b)
{
	int i, s;

	P(r, "<section aria-labelledby=\"h-items\"><h2 id=\"h-items\">");
	T(r, _("Items"));
	P(r, "</h2>\n");
	list_error(r, "b-items");
	for (i = 0; i < b->nitems; i++) {
		const struct b_item *it = &b->item[i];
		const char *what = arena_printf(&r->arena, "%s %d",
		    _("Item"), i + 1);
		const char *sel = fname(r, "i.%d.scale", i, 0);

		P(r, "<fieldset class=\"item\" id=\"item-");
		PF(r, "%d\"><legend>", i);
		T(r, what);
		P(r, "</legend>\n");
		input(r, fname(r, "i.%d.id", i, 0), _("Name (letters, digits, "
		    "- or _)"), it->id, NULL);
		input(r, fname(r, "i.%d.nl", i, 0), _("Question in Dutch"),
		    it->text[INSTR_NL], " size=\"60\"");
		input(r, fname(r, "i.%d.en", i, 0), _("Question in English"),
		    it->text[INSTR_EN], " size=\"60\"");
		PF(r, "<p class=\"field\"><label for=\"f-%s\">", sel);
		T(r, _("Answer scale"));
		PF(r, "</label>\n<select id=\"f-%s\" name=\"%s\"", sel, sel);
		page_field_attrs(r, sel, NULL);
		P(r, ">");
		if (it->scale < 0) {
			P(r, "<option value=\"\" selected>");
			T(r, _("(choose a scale)"));
			P(r, "</option>");
		}
		for (s = 0; s < b->nscales; s++) {
			PF(r, "<option value=\"%d\"%s>", s, s == it->scale ?
			    " selected" : "");
			T(r, b->scale[s].id);
			P(r, "</option>");
		}
		P(r, "</select>");
		page_field_error(r, sel);
		P(r, "</p>\n");
		checkbox(r, fname(r, "i.%d.rev", i, 0), _("Reverse-scored"),
		    it->reverse);
		checkbox(r, fname(r, "i.%d.opt", i, 0), _("May stay "
		    "unanswered"), it->optional);
		P(r, "<p>");
		if (i > 0)
			button(r, fname(r, "up-item.%d", i, 0), _("Move up"),
			    what);
		if (i + 1 < b->nitems)
			button(r, fname(r, "down-item.%d", i, 0),
			    _("Move down"), what);
		button(r, fname(r, "rm-item.%d", i, 0), _("Remove"), what);
		P(r, "</p></fieldset>\n");
	}
	P(r, "<p>");
	button(r, "add-item", _("Add an item"), NULL);
	P(r, "</p></section>\n");
}

static void
render_scores(struct req *r, const struct builder *b)
{
	int j, i, k, rows;

	P(r, "<section aria-labelledby=\"h-scores\"><h2 id=\"h-scores\">");
	T(r, _("Scores and subscales"));
	P(r, "</h2>\n");
	list_error(r, "b-scores");
	for (j = 0; j < b->nscores; j++) {
		const struct b_score *sc = &b->score[j];
		const char *what = arena_printf(&r->arena, "%s %d",
		    _("Score"), j + 1);
		const char *items = fname(r, "c.%d.items", j, 0);

		P(r, "<fieldset class=\"score\"><legend>");
		T(r, what);
		P(r, "</legend>\n");
		input(r, fname(r, "c.%d.id", j, 0), _("Name (letters, digits, "
		    "- or _)"), sc->id, NULL);
		input(r, fname(r, "c.%d.nl", j, 0), _("Name shown in Dutch"),
		    sc->name[INSTR_NL], NULL);
		input(r, fname(r, "c.%d.en", j, 0), _("Name shown in English"),
		    sc->name[INSTR_EN], NULL);
		PF(r, "<fieldset id=\"f-%s\"", items);
		page_field_attrs(r, items, NULL);
		P(r, "><legend>");
		T(r, _("Scoring"));
		P(r, "</legend>\n");
		PF(r, "<p><input type=\"radio\" name=\"c.%d.method\" "
		    "id=\"f-c.%d.sum\" value=\"sum\"%s> <label "
		    "for=\"f-c.%d.sum\">", j, j, sc->mean ? "" : " checked", j);
		T(r, _("Sum of the answers"));
		PF(r, "</label></p><p><input type=\"radio\" "
		    "name=\"c.%d.method\" id=\"f-c.%d.mean\" value=\"mean\"%s> "
		    "<label for=\"f-c.%d.mean\">", j, j, sc->mean ?
		    " checked" : "", j);
		T(r, _("Mean of the answers"));
		P(r, "</label></p>\n<p>");
		T(r, _("Items counted:"));
		P(r, "</p>\n");
		for (i = 0; i < b->nitems; i++) {
			const char *n = fname(r, "c.%d.i%d", j, i);

			PF(r, "<p><input type=\"checkbox\" name=\"%s\" "
			    "id=\"f-%s\" value=\"1\"%s> <label for=\"f-%s\">",
			    n, n, sc->has[i] ? " checked" : "", n);
			PF(r, "%d. ", i + 1);
			T(r, b->item[i].id);
			if (*b->item[i].text[INSTR_NL] ||
			    *b->item[i].text[INSTR_EN]) {
				P(r, ": ");
				T(r, web_req_state(r)->lang != NULL &&
				    strcmp(web_req_state(r)->lang, "en") == 0 &&
				    *b->item[i].text[INSTR_EN] ?
				    b->item[i].text[INSTR_EN] :
				    *b->item[i].text[INSTR_NL] ?
				    b->item[i].text[INSTR_NL] :
				    b->item[i].text[INSTR_EN]);
			}
			P(r, "</label></p>\n");
		}
		page_field_error(r, items);
		P(r, "</fieldset>\n");
		checkbox(r, fname(r, "c.%d.higher", j, 0), _("A higher score "
		    "is better"), sc->higher);
		input(r, fname(r, "c.%d.prorate", j, 0), _("Missing answers "
		    "that may be prorated (0: none)"), sc->prorate,
		    " inputmode=\"numeric\" size=\"4\"");
		P(r, "<table><caption>");
		T(r, _("Cut-offs: a band starts at its value and runs to the "
		    "next (optional; leave a row empty to drop it)"));
		P(r, "</caption><thead><tr><th scope=\"col\">");
		T(r, _("Band from"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Label in Dutch"));
		P(r, "</th><th scope=\"col\">");
		T(r, _("Label in English"));
		P(r, "</th></tr></thead><tbody>\n");
		rows = sc->ncut < LIMIT_INSTRUMENT_CUTOFFS ? sc->ncut + 1 :
		    sc->ncut;
		for (k = 0; k < rows; k++) {
			static const char *const part[] = { "from", "nl",
			    "en" };
			const char *val[3] = { "", "", "" };
			const char *lab[3];
			int p;

			lab[0] = _("Band from");
			lab[1] = _("Label in Dutch");
			lab[2] = _("Label in English");
			if (k < sc->ncut) {
				val[0] = sc->cut[k].from;
				val[1] = sc->cut[k].label[INSTR_NL];
				val[2] = sc->cut[k].label[INSTR_EN];
			}
			P(r, "<tr>");
			for (p = 0; p < 3; p++) {
				const char *n = arena_printf(&r->arena,
				    "c.%d.k%d.%s", j, k, part[p]);

				PF(r, "<td><input type=\"text\" name=\"%s\" "
				    "id=\"f-%s\" size=\"%d\" aria-label=\"", n,
				    n, p == 0 ? 6 : 24);
				A(r, arena_printf(&r->arena, "%s, %s %d",
				    lab[p], _("cut-off"), k + 1));
				P(r, "\" value=\"");
				A(r, val[p]);
				P(r, "\"");
				page_field_attrs(r, n, NULL);
				P(r, ">");
				page_field_error(r, n);
				P(r, "</td>");
			}
			P(r, "</tr>\n");
		}
		P(r, "</tbody></table>\n<p>");
		button(r, fname(r, "rm-score.%d", j, 0), _("Remove"), what);
		P(r, "</p></fieldset>\n");
	}
	P(r, "<p>");
	button(r, "add-score", _("Add a score or subscale"), NULL);
	P(r, "</p></section>\n");
}

static int
render(struct req *r, const struct builder *b, const struct instrument *ins)
{
	int l;

	page_begin(r, _("Build a questionnaire"));
	uim_back_link(r, "/instruments", _("All questionnaires"));
	P(r, "<p>");
	T(r, _("Every button sends the whole form; nothing is saved until "
	    "you press Save. A questionnaire with the name of an existing "
	    "one becomes its next version."));
	P(r, "</p>\n");
	/* the form may pass LIMIT_BODY_ANON: the token rides in the
	 * action's query too */
	form_begin(r, arena_printf(&r->arena, "/instrument-builder?csrf=%s",
	    web_csrf_value(r)));
	PF(r, "<input type=\"hidden\" name=\"ns\" value=\"%d\">"
	    "<input type=\"hidden\" name=\"ni\" value=\"%d\">"
	    "<input type=\"hidden\" name=\"nc\" value=\"%d\">"
	    "<input type=\"hidden\" name=\"b.version\" value=\"", b->nscales,
	    b->nitems, b->nscores);
	A(r, b->version);
	P(r, "\">\n");
	/* the first button is the one Enter in a field presses */
	P(r, "<p class=\"nav\">");
	button(r, "check", _("Check and preview"), NULL);
	P(r, "</p>\n<fieldset><legend>");
	T(r, _("The questionnaire"));
	P(r, "</legend>\n");
	input(r, "b.id", _("Name (letters, digits, - or _; stays the same "
	    "over versions)"), b->id, NULL);
	for (l = 0; l < INSTR_LANGS; l++)
		input(r, l == INSTR_NL ? "b.title.nl" : "b.title.en",
		    l == INSTR_NL ? _("Title in Dutch") : _("Title in English"),
		    b->title[l], " size=\"60\"");
	for (l = 0; l < INSTR_LANGS; l++)
		input(r, l == INSTR_NL ? "b.intro.nl" : "b.intro.en",
		    l == INSTR_NL ? _("Introduction in Dutch (optional)") :
		    _("Introduction in English (optional)"), b->intro[l],
		    " size=\"60\"");
	input(r, "b.source", _("Source (who made it)"), b->source,
	    " size=\"60\"");
	input(r, "b.licence", _("Licence"), b->licence, " size=\"60\"");
	input(r, "b.verified", _("What was checked (optional)"), b->verified,
	    " size=\"60\"");
	checkbox(r, "b.decline", _("Offer \"rather not answer\""),
	    b->decline);
	P(r, "</fieldset>\n");
	render_scales(r, b);
	render_items(r, b);
	render_scores(r, b);
	P(r, "<p class=\"nav\">");
	button(r, "check", _("Check and preview"), NULL);
	button(r, "save", _("Save as a new version"), NULL);
	P(r, "</p>\n");
	form_end(r);
	if (ins != NULL)
		uim_preview(r, ins);
	page_end(r);
	return 0;
}

static struct builder *
builder_new(struct req *r)
{
	struct builder *b = ARENA_NEW(&r->arena, struct builder);

	b->id = b->source = b->licence = b->verified = "";
	b->version = "1";
	b->title[0] = b->title[1] = b->intro[0] = b->intro[1] = "";
	return b;
}

/* GET /instrument-builder: a new questionnaire with one scale, one item
 * and a total to start from. */
int
ui_instrument_builder(struct req *r)
{
	struct builder *b = builder_new(r);

	add_scale(r, b);
	add_item(r, b);
	add_score(r, b);
	return render(r, b, NULL);
}

/* GET /instruments/:ivid/builder: a version of the organisation (the
 * router checked it) opened for its next version. */
int
ui_instrument_builder_open(struct req *r)
{
	struct app *app = r->app;
	struct measure_version v;
	struct instrument *ins = NULL;
	struct builder *b = builder_new(r);
	int rc;

	if ((rc = measure_version_get(app->db, web_obj(r)->id, &r->arena,
	    &v)) != 0)
		return rc;
	/* a stored version parsed once; failing now is our fault */
	if (instrument_parse((struct str){ v.body, v.body_len }, &ins,
	    NULL) != 0)
		return ERR_INTERNAL;
	if (!from_instrument(r, ins, b)) {
		instrument_free(ins);
		page_begin(r, _("Build a questionnaire"));
		uim_back_link(r, arena_printf(&r->arena, "/instruments/%lld",
		    (long long)v.id), _("Back to the questionnaire"));
		page_notice(r, "info", _("This questionnaire uses conditions, "
		    "weights, factors or norms, which the form does not "
		    "show; change it as text instead."));
		page_end(r);
		return 0;
	}
	rc = render(r, b, ins);
	instrument_free(ins);
	return rc;
}

/* POST /instrument-builder: a button pressed. */
int
ui_instrument_builder_post(struct req *r)
{
	struct measure_env env = { ((struct app *)r->app)->db,
	    ((struct app *)r->app)->kr };
	struct session *s = page_session(r);
	struct builder *b = builder_new(r);
	const char *op = page_form(r, "op");
	struct buf text = BUF_INIT;
	struct gen g = { r, &text, NULL, 0, 0 };
	struct instrument *ins = NULL;
	struct instr_error e;
	struct audit_event ev;
	struct why w;
	int64_t vid = 0;
	int rc;

	read_form(r, b);
	if (strcmp(op, "check") != 0 && strcmp(op, "save") != 0) {
		if ((rc = apply(r, b, op, &w)) != 0 &&
		    (rc = page_refuse(r, &w, rc)) != 0)
			return rc;
		return render(r, b, NULL);
	}
	generate(r, b, &g);
	if ((rc = instrument_parse((struct str){ text.p, text.len }, &ins,
	    &e)) != 0)
		goto refused;
	if (strcmp(op, "check") == 0) {
		rc = render(r, b, ins);
		goto out;
	}
	uim_event_for(r, &ev, AUDIT_CREATE, "instrument", 0);
	rc = measure_version_add(&env, s->org_id, s->user_id,
	    (struct str){ text.p, text.len }, false, &ev, &vid, &e);
	if (rc == ERR_INVAL || rc == ERR_TOOBIG)
		goto refused;
	if (rc != 0)
		goto out;
	resp_redirect(r, arena_printf(&r->arena, "/instruments/%lld?done=1",
	    (long long)vid));
	goto out;
refused:
	w = (struct why){ error_field(b, &g, &e), e.msg, e.token[0] ?
	    arena_strdup(&r->arena, e.token) : NULL, 0 };
	/* the parser's sentences with %s want their token */
	if (w.name == NULL && strstr(e.msg, "%s") != NULL)
		w.name = "";
	if ((rc = page_refuse(r, &w, rc)) == 0)
		rc = render(r, b, NULL);
out:
	instrument_free(ins);
	buf_release(&text);
	return rc;
}
