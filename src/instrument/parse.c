/*
 * parse.c - the instrument file parser (format: FORMAT.md).
 *
 * A file is lines of "keyword arguments" with, for the keywords that carry
 * text, the text after the first colon.  The parser walks the lines once,
 * filling bounded arrays; names must be defined before use (a scale before
 * its items, an item before its conditions and scores), so one pass is
 * enough and a condition can only look back, never make a cycle.  When the
 * walk is done, what must be complete is checked (both languages of every
 * text, a title, a source and a licence).  Every refusal names its line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/i18n.h"
#include "core/num.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "instrument/instrument.h"
#include "core/banned.h"

#define MAXTOK 8

struct line {
	int no;
	struct str tok[MAXTOK];
	int ntok;
	bool more;          /* words past MAXTOK (only "score" has them) */
	bool has_text;
	struct str text;
};

struct parser {
	struct instrument *ins;
	struct instr_error *e;
	bool magic, have_id, have_version;
	/* per score: whether a cut-off line was seen in each language */
	bool cut_seen[LIMIT_INSTRUMENT_SCORES][LIMIT_INSTRUMENT_CUTOFFS]
	    [INSTR_LANGS];
	int text_line[LIMIT_INSTRUMENT_ITEMS];
};

static int
fail(struct parser *p, int line, const char *msg, struct str tok)
{
	if (p->e != NULL) {
		size_t n = tok.len;

		p->e->line = line;
		p->e->msg = msg;
		if (n > LIMIT_INSTRUMENT_ID)
			n = LIMIT_INSTRUMENT_ID;
		/* a token that is not clean UTF-8 is not shown */
		if (n > 0 && !utf8_valid(tok.p, n))
			n = 0;
		if (n > 0)
			memcpy(p->e->token, tok.p, n);
		p->e->token[n] = '\0';
	}
	return ERR_INVAL;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Split one line into its words (before the first colon) and text. */
static void
split(struct str s, struct line *l)
{
	size_t i = 0, colon;

	l->ntok = 0;
	l->more = false;
	l->has_text = false;
	l->text = STR_NULL;
	for (colon = 0; colon < s.len && s.p[colon] != ':'; colon++)
		;
	if (colon < s.len) {
		l->has_text = true;
		l->text = str_trim((struct str){ s.p + colon + 1,
		    s.len - colon - 1 });
		s.len = colon;
	}
	while (i < s.len) {
		size_t st;

		while (i < s.len && is_space(s.p[i]))
			i++;
		if (i == s.len)
			break;
		st = i;
		while (i < s.len && !is_space(s.p[i]))
			i++;
		if (l->ntok == MAXTOK) {
			l->more = true;
			break;
		}
		l->tok[l->ntok++] = (struct str){ s.p + st, i - st };
	}
}

static bool
valid_id(struct str s)
{
	size_t i;

	if (s.len == 0 || s.len > LIMIT_INSTRUMENT_ID)
		return false;
	for (i = 0; i < s.len; i++) {
		char c = s.p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (i > 0 && (c == '_' || c == '-'))))
			return false;
	}
	return true;
}

static int
int_arg(struct parser *p, int line, struct str s, int min, int max,
    int *out)
{
	int64_t v;

	if (num_parse_i64(s, min, max, &v) != 0)
		return fail(p, line, N_("\"%s\" is not a whole number in the "
		    "range this keyword allows."), s);
	*out = (int)v;
	return 0;
}

/* A decimal with at most 4 decimals and 7 digits before the point: all an
 * instrument needs (weights, norms, cut-offs of mean scores), parsed
 * without the locale. */
int
instrument_decimal(struct str s, double *out)
{
	size_t i = 0, ip = 0, fp = 0;
	double v = 0, scale = 1;
	bool neg = false;

	if (s.len > 0 && s.p[0] == '-') {
		neg = true;
		i = 1;
	}
	for (; i < s.len && s.p[i] >= '0' && s.p[i] <= '9'; i++, ip++)
		v = v * 10 + (s.p[i] - '0');
	if (ip == 0 || ip > 7)
		return ERR_INVAL;
	if (i < s.len && s.p[i] == '.') {
		for (i++; i < s.len && s.p[i] >= '0' && s.p[i] <= '9';
		    i++, fp++) {
			scale /= 10;
			v += (s.p[i] - '0') * scale;
		}
		if (fp == 0 || fp > 4)
			return ERR_INVAL;
	}
	if (i != s.len)
		return ERR_INVAL;
	*out = neg ? -v : v;
	return 0;
}

static int
dec_arg(struct parser *p, int line, struct str s, double *out)
{
	if (instrument_decimal(s, out) != 0)
		return fail(p, line, N_("\"%s\" is not a number (digits, at "
		    "most four after a point)."), s);
	return 0;
}

static int
lang_arg(struct parser *p, const struct line *l, int *lang)
{
	struct str s = l->tok[l->ntok - 1];

	if (str_eqc(s, "nl"))
		*lang = INSTR_NL;
	else if (str_eqc(s, "en"))
		*lang = INSTR_EN;
	else
		return fail(p, l->no, N_("\"%s\" is not a language of ours; "
		    "write nl or en before the colon."), s);
	return 0;
}

static int
find_scale(const struct instrument *ins, struct str id)
{
	int i;

	for (i = 0; i < ins->nscales; i++)
		if (str_eq(ins->scale[i].id, id))
			return i;
	return -1;
}

int
instrument_item(const struct instrument *ins, struct str id)
{
	int i;

	for (i = 0; i < ins->nitems; i++)
		if (str_eq(ins->item[i].id, id))
			return i;
	return -1;
}

int
instrument_score_index(const struct instrument *ins, struct str id)
{
	int i;

	for (i = 0; i < ins->nscores; i++)
		if (str_eq(ins->score[i].id, id))
			return i;
	return -1;
}

/* Set a text once: a second line for the same text and language is
 * refused, so an edit cannot silently shadow another. */
static int
set_text(struct parser *p, const struct line *l, struct str *slot)
{
	if (slot->p != NULL)
		return fail(p, l->no, N_("This text was already given in this "
		    "language."), STR_NULL);
	if (l->text.len == 0)
		return fail(p, l->no, N_("The text after the colon is "
		    "empty."), STR_NULL);
	*slot = l->text;
	return 0;
}

static int
want(struct parser *p, const struct line *l, int ntok, bool text)
{
	if (l->has_text != text)
		return fail(p, l->no, text ?
		    N_("\"%s\" needs its text after a colon.") :
		    N_("\"%s\" takes no text after a colon."), l->tok[0]);
	if (l->ntok != ntok)
		return fail(p, l->no, N_("\"%s\" has the wrong number of "
		    "words; see the format description."), l->tok[0]);
	return 0;
}

static int
ref_score(struct parser *p, const struct line *l, int *si)
{
	*si = instrument_score_index(p->ins, l->tok[1]);
	if (*si < 0)
		return fail(p, l->no, N_("There is no score \"%s\" above this "
		    "line."), l->tok[1]);
	return 0;
}

static int
ref_item(struct parser *p, const struct line *l, struct str id, int *ii)
{
	*ii = instrument_item(p->ins, id);
	if (*ii < 0)
		return fail(p, l->no, N_("There is no item \"%s\" above this "
		    "line."), id);
	return 0;
}

static int
new_id(struct parser *p, const struct line *l, struct str id, int found)
{
	if (!valid_id(id))
		return fail(p, l->no, N_("\"%s\" is not a valid name: use 1 "
		    "to 32 small letters, digits, - or _."), id);
	if (found >= 0)
		return fail(p, l->no, N_("The name \"%s\" is already used "
		    "above."), id);
	return 0;
}

static int
kw_scale(struct parser *p, const struct line *l)
{
	struct instrument *ins = p->ins;
	struct instr_scale *sc;
	int rc, min = 0, max = 0;

	if ((rc = want(p, l, 4, false)) != 0 ||
	    (rc = new_id(p, l, l->tok[1], find_scale(ins, l->tok[1]))) != 0 ||
	    (rc = int_arg(p, l->no, l->tok[2], -1000, 1000, &min)) != 0 ||
	    (rc = int_arg(p, l->no, l->tok[3], -1000, 1000, &max)) != 0)
		return rc;
	if (max <= min || max - min > LIMIT_INSTRUMENT_SCALE_SPAN) {
		rc = fail(p, l->no, N_("A scale runs from its lowest to a "
		    "higher point, at most %s points apart."), STR_NULL);
		if (p->e != NULL)
			snprintf(p->e->token, sizeof(p->e->token), "%d",
			    LIMIT_INSTRUMENT_SCALE_SPAN);
		return rc;
	}
	if (ins->nscales == LIMIT_INSTRUMENT_SCALES)
		return fail(p, l->no, N_("An instrument has at most 16 answer "
		    "scales."), STR_NULL);
	sc = &ins->scale[ins->nscales++];
	sc->id = l->tok[1];
	sc->min = min;
	sc->max = max;
	return 0;
}

static int
kw_label(struct parser *p, const struct line *l)
{
	struct instr_scale *sc;
	int rc, si, point = 0, lang = 0;

	if ((rc = want(p, l, 4, true)) != 0 || (rc = lang_arg(p, l, &lang)))
		return rc;
	if ((si = find_scale(p->ins, l->tok[1])) < 0)
		return fail(p, l->no, N_("There is no scale \"%s\" above this "
		    "line."), l->tok[1]);
	sc = &p->ins->scale[si];
	if ((rc = int_arg(p, l->no, l->tok[2], sc->min, sc->max, &point)))
		return rc;
	return set_text(p, l, &sc->label[point - sc->min][lang]);
}

static int
kw_item(struct parser *p, const struct line *l)
{
	struct instrument *ins = p->ins;
	struct instr_item *it;
	int rc, si, i;

	if (l->has_text)
		return want(p, l, 3, false);
	if (l->ntok < 3 || l->ntok > 5)
		return fail(p, l->no, N_("\"%s\" has the wrong number of "
		    "words; see the format description."), l->tok[0]);
	if ((rc = new_id(p, l, l->tok[1], instrument_item(ins, l->tok[1]))))
		return rc;
	if ((si = find_scale(ins, l->tok[2])) < 0)
		return fail(p, l->no, N_("There is no scale \"%s\" above this "
		    "line."), l->tok[2]);
	if (ins->nitems == LIMIT_INSTRUMENT_ITEMS)
		return fail(p, l->no, N_("An instrument has at most 200 "
		    "items."), STR_NULL);
	it = &ins->item[ins->nitems];
	memset(it, 0, sizeof(*it));
	it->id = l->tok[1];
	it->scale = si;
	it->cond_item = -1;
	it->line = l->no;
	for (i = 3; i < l->ntok; i++) {
		if (str_eqc(l->tok[i], "reverse") && !it->reverse)
			it->reverse = true;
		else if (str_eqc(l->tok[i], "optional") && !it->optional)
			it->optional = true;
		else
			return fail(p, l->no, N_("\"%s\" is not a property of "
			    "an item (reverse, optional)."), l->tok[i]);
	}
	ins->nitems++;
	return 0;
}

static int
kw_text(struct parser *p, const struct line *l)
{
	int rc, ii, lang;

	if ((rc = want(p, l, 3, true)) != 0 || (rc = lang_arg(p, l, &lang)) ||
	    (rc = ref_item(p, l, l->tok[1], &ii)) != 0)
		return rc;
	return set_text(p, l, &p->ins->item[ii].text[lang]);
}

static int
kw_show(struct parser *p, const struct line *l)
{
	static const char *ops[] = { "=", "!=", "<", "<=", ">", ">=" };
	struct instr_item *it;
	int rc, ii, ci, op;

	if ((rc = want(p, l, 6, false)) != 0 ||
	    (rc = ref_item(p, l, l->tok[1], &ii)) != 0)
		return rc;
	if (!str_eqc(l->tok[2], "if"))
		return fail(p, l->no, N_("Write a condition as \"show ITEM if "
		    "OTHER >= VALUE\"."), STR_NULL);
	if ((rc = ref_item(p, l, l->tok[3], &ci)) != 0)
		return rc;
	it = &p->ins->item[ii];
	if (ci >= ii)
		return fail(p, l->no, N_("An item can only depend on an item "
		    "before it; \"%s\" is not."), l->tok[3]);
	if (it->cond_item >= 0)
		return fail(p, l->no, N_("Item \"%s\" already has a "
		    "condition."), l->tok[1]);
	for (op = 0; op < 6; op++)
		if (str_eqc(l->tok[4], ops[op]))
			break;
	if (op == 6)
		return fail(p, l->no, N_("\"%s\" is not a comparison (=, !=, "
		    "<, <=, >, >=)."), l->tok[4]);
	if ((rc = int_arg(p, l->no, l->tok[5], -1000, 1000,
	    &it->cond_value)) != 0)
		return rc;
	it->cond_item = ci;
	it->cond_op = (enum instr_op)op;
	return 0;
}

static int
kw_score(struct parser *p, const struct line *l)
{
	struct instrument *ins = p->ins;
	struct instr_score *sc;
	struct str tail, id, w;
	bool weighted;
	int rc, i, ii, k;

	/* "score ID METHOD ITEM..." may be longer than MAXTOK words: the
	 * items are read from the rest of the line here. */
	if (l->has_text)
		return want(p, l, 3, false);
	if (l->ntok < 3)
		return fail(p, l->no, N_("Write a score as \"score ID sum|mean|"
		    "weighted ITEM ...\"."), STR_NULL);
	if ((rc = new_id(p, l, l->tok[1],
	    instrument_score_index(ins, l->tok[1]))) != 0)
		return rc;
	if (ins->nscores == LIMIT_INSTRUMENT_SCORES)
		return fail(p, l->no, N_("An instrument has at most 32 "
		    "scores."), STR_NULL);
	sc = &ins->score[ins->nscores];
	memset(sc, 0, sizeof(*sc));
	sc->id = l->tok[1];
	sc->factor = 1;
	if (str_eqc(l->tok[2], "sum"))
		sc->method = INSTR_SUM;
	else if (str_eqc(l->tok[2], "mean"))
		sc->method = INSTR_MEAN;
	else if (str_eqc(l->tok[2], "weighted"))
		sc->method = INSTR_WEIGHTED;
	else
		return fail(p, l->no, N_("\"%s\" is not a scoring method (sum, "
		    "mean, weighted)."), l->tok[2]);
	/* one_line handed the rest of the line after the method in text */
	tail = l->text;
	while (tail.len > 0) {
		size_t n = 0;

		while (tail.len > 0 && is_space(tail.p[0])) {
			tail.p++;
			tail.len--;
		}
		if (tail.len == 0)
			break;
		while (n < tail.len && !is_space(tail.p[n]))
			n++;
		id = (struct str){ tail.p, n };
		tail.p += n;
		tail.len -= n;
		weighted = str_cut(id, '*', &id, &w);
		if (weighted != (sc->method == INSTR_WEIGHTED))
			return fail(p, l->no, sc->method == INSTR_WEIGHTED ?
			    N_("A weighted score gives each item a weight: "
			    "\"%s\" has none (write item*weight).") :
			    N_("Only a weighted score gives weights: \"%s\" "
			    "has one."), id);
		if ((rc = ref_item(p, l, id, &ii)) != 0)
			return rc;
		for (k = 0; k < sc->nitems; k++)
			if (sc->item[k] == ii)
				return fail(p, l->no, N_("Item \"%s\" is twice "
				    "in this score."), id);
		i = sc->nitems;
		sc->item[i] = ii;
		sc->weight[i] = 1;
		if (weighted && (rc = dec_arg(p, l->no, w,
		    &sc->weight[i])) != 0)
			return rc;
		sc->nitems++;
	}
	if (sc->nitems == 0)
		return fail(p, l->no, N_("Score \"%s\" counts no items."),
		    l->tok[1]);
	ins->nscores++;
	return 0;
}

static int
kw_scoreprop(struct parser *p, const struct line *l)
{
	struct instr_score *sc;
	struct str kw = l->tok[0];
	int rc, si;

	if (str_eqc(kw, "name")) {
		int lang;

		if ((rc = want(p, l, 3, true)) != 0 ||
		    (rc = lang_arg(p, l, &lang)) != 0 ||
		    (rc = ref_score(p, l, &si)) != 0)
			return rc;
		return set_text(p, l, &p->ins->score[si].name[lang]);
	}
	if (str_eqc(kw, "cutoff")) {
		double from;
		int lang, k;

		if ((rc = want(p, l, 4, true)) != 0 ||
		    (rc = lang_arg(p, l, &lang)) != 0 ||
		    (rc = ref_score(p, l, &si)) != 0 ||
		    (rc = dec_arg(p, l->no, l->tok[2], &from)) != 0)
			return rc;
		sc = &p->ins->score[si];
		for (k = 0; k < sc->ncut; k++)
			if (sc->cut[k].from == from)
				break;
		if (k == sc->ncut) {
			if (k > 0 && from <= sc->cut[k - 1].from)
				return fail(p, l->no, N_("Cut-offs of a score "
				    "go from low to high; %s is not above the "
				    "one before."), l->tok[2]);
			if (k == LIMIT_INSTRUMENT_CUTOFFS)
				return fail(p, l->no, N_("A score has at most "
				    "10 cut-offs."), STR_NULL);
			sc->cut[k].from = from;
			sc->ncut++;
		}
		return set_text(p, l, &sc->cut[k].label[lang]);
	}
	if (str_eqc(kw, "norm")) {
		if ((rc = want(p, l, 4, false)) != 0 ||
		    (rc = ref_score(p, l, &si)) != 0)
			return rc;
		sc = &p->ins->score[si];
		if ((rc = dec_arg(p, l->no, l->tok[2], &sc->norm_mean)) != 0 ||
		    (rc = dec_arg(p, l->no, l->tok[3], &sc->sd)) != 0)
			return rc;
		if (sc->sd <= 0)
			return fail(p, l->no, N_("A standard deviation is "
			    "above zero."), STR_NULL);
		return 0;
	}
	if ((rc = want(p, l, 3, false)) != 0 || (rc = ref_score(p, l, &si)))
		return rc;
	sc = &p->ins->score[si];
	if (str_eqc(kw, "sd")) {
		if ((rc = dec_arg(p, l->no, l->tok[2], &sc->sd)) != 0)
			return rc;
		if (sc->sd <= 0)
			return fail(p, l->no, N_("A standard deviation is "
			    "above zero."), STR_NULL);
		return 0;
	}
	if (str_eqc(kw, "factor")) {
		if ((rc = dec_arg(p, l->no, l->tok[2], &sc->factor)) != 0)
			return rc;
		if (sc->factor <= 0)
			return fail(p, l->no, N_("A factor is above zero."),
			    STR_NULL);
		return 0;
	}
	if (str_eqc(kw, "prorate"))
		return int_arg(p, l->no, l->tok[2], 0, sc->nitems - 1,
		    &sc->max_missing);
	if (str_eqc(kw, "reliability")) {
		if ((rc = dec_arg(p, l->no, l->tok[2], &sc->reliability)))
			return rc;
		if (!(sc->reliability > 0 && sc->reliability < 1))
			return fail(p, l->no, N_("A reliability lies between 0 "
			    "and 1."), STR_NULL);
		return 0;
	}
	/* better */
	if (str_eqc(l->tok[2], "higher"))
		sc->higher_better = true;
	else if (str_eqc(l->tok[2], "lower"))
		sc->higher_better = false;
	else
		return fail(p, l->no, N_("Write \"better SCORE higher\" or "
		    "\"better SCORE lower\"."), STR_NULL);
	return 0;
}

static int
kw_head(struct parser *p, const struct line *l)
{
	struct instrument *ins = p->ins;
	struct str kw = l->tok[0];
	int rc, lang;

	if (str_eqc(kw, "id")) {
		if ((rc = want(p, l, 2, false)) != 0)
			return rc;
		if (p->have_id)
			return fail(p, l->no, N_("The id was already given."),
			    STR_NULL);
		if ((rc = new_id(p, l, l->tok[1], -1)) != 0)
			return rc;
		ins->id = l->tok[1];
		p->have_id = true;
		return 0;
	}
	if (str_eqc(kw, "version")) {
		if ((rc = want(p, l, 2, false)) != 0)
			return rc;
		if (p->have_version)
			return fail(p, l->no, N_("The version was already "
			    "given."), STR_NULL);
		p->have_version = true;
		return int_arg(p, l->no, l->tok[1], 1, 1000000, &ins->version);
	}
	if (str_eqc(kw, "decline")) {
		if ((rc = want(p, l, 2, false)) != 0)
			return rc;
		if (str_eqc(l->tok[1], "yes"))
			ins->decline = true;
		else if (str_eqc(l->tok[1], "no"))
			ins->decline = false;
		else
			return fail(p, l->no, N_("Write \"decline yes\" or "
			    "\"decline no\"."), STR_NULL);
		return 0;
	}
	if (str_eqc(kw, "source") || str_eqc(kw, "licence") ||
	    str_eqc(kw, "verified")) {
		if ((rc = want(p, l, 1, true)) != 0)
			return rc;
		return set_text(p, l, str_eqc(kw, "source") ? &ins->source :
		    str_eqc(kw, "licence") ? &ins->licence : &ins->verified);
	}
	/* title, intro */
	if ((rc = want(p, l, 2, true)) != 0 || (rc = lang_arg(p, l, &lang)))
		return rc;
	return set_text(p, l, str_eqc(kw, "title") ? &ins->title[lang] :
	    &ins->intro[lang]);
}

static int
one_line(struct parser *p, struct line *l, struct str raw)
{
	static const char *head[] = { "id", "version", "decline", "source",
	    "licence", "verified", "title", "intro" };
	static const char *sprop[] = { "name", "cutoff", "norm", "factor",
	    "prorate", "reliability", "better", "sd" };
	struct str kw;
	size_t i;

	split(raw, l);
	if (l->ntok == 0)
		return fail(p, l->no, N_("A line starts with a keyword."),
		    STR_NULL);
	kw = l->tok[0];
	if (l->more && !str_eqc(kw, "score"))
		return fail(p, l->no, N_("This line has more words than its "
		    "keyword takes."), STR_NULL);
	if (!p->magic) {
		if (str_eqc(kw, "infuus-instrument") && l->ntok == 2 &&
		    !l->has_text && str_eqc(l->tok[1], "1")) {
			p->magic = true;
			return 0;
		}
		return fail(p, l->no, N_("The file starts with the line "
		    "\"infuus-instrument 1\"."), STR_NULL);
	}
	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		if (str_eqc(kw, head[i]))
			return kw_head(p, l);
	for (i = 0; i < sizeof(sprop) / sizeof(sprop[0]); i++)
		if (str_eqc(kw, sprop[i]))
			return kw_scoreprop(p, l);
	if (str_eqc(kw, "scale"))
		return kw_scale(p, l);
	if (str_eqc(kw, "label"))
		return kw_label(p, l);
	if (str_eqc(kw, "item"))
		return kw_item(p, l);
	if (str_eqc(kw, "text"))
		return kw_text(p, l);
	if (str_eqc(kw, "show"))
		return kw_show(p, l);
	if (str_eqc(kw, "score")) {
		/* the items run past MAXTOK: hand the rest of the line
		 * after the method as the "text" */
		struct str rest;
		size_t off;

		if (l->has_text || l->ntok < 3)
			return kw_score(p, l);
		off = (size_t)(l->tok[2].p + l->tok[2].len - raw.p);
		rest = (struct str){ raw.p + off, raw.len - off };
		l->text = rest;
		return kw_score(p, l);
	}
	return fail(p, l->no, N_("\"%s\" is not a keyword of the instrument "
	    "format."), kw);
}

/* What must be complete once every line is read. */
static int
finish(struct parser *p, int lines)
{
	struct instrument *ins = p->ins;
	static const char *langname[] = { "nl", "en" };
	int i, j, k, lang;

	if (!p->magic)
		return fail(p, 0, N_("The file is empty; it starts with the "
		    "line \"infuus-instrument 1\"."), STR_NULL);
	if (!p->have_id)
		return fail(p, 0, N_("The instrument has no \"id\" line."),
		    STR_NULL);
	if (!p->have_version)
		return fail(p, 0, N_("The instrument has no \"version\" "
		    "line."), STR_NULL);
	for (lang = 0; lang < INSTR_LANGS; lang++)
		if (ins->title[lang].p == NULL)
			return fail(p, 0, N_("The instrument has no title in "
			    "language %s."), str_c(langname[lang]));
	if (ins->source.p == NULL)
		return fail(p, 0, N_("The instrument does not say its source "
		    "(a \"source:\" line)."), STR_NULL);
	if (ins->licence.p == NULL)
		return fail(p, 0, N_("The instrument does not say its licence "
		    "(a \"licence:\" line)."), STR_NULL);
	if (ins->nitems == 0)
		return fail(p, lines, N_("The instrument has no items."),
		    STR_NULL);
	if ((ins->intro[0].p == NULL) != (ins->intro[1].p == NULL))
		return fail(p, 0, N_("The introduction is given in one "
		    "language only."), STR_NULL);
	for (i = 0; i < ins->nitems; i++)
		for (lang = 0; lang < INSTR_LANGS; lang++)
			if (ins->item[i].text[lang].p == NULL)
				return fail(p, ins->item[i].line, N_("Item "
				    "\"%s\" has no text in one of the two "
				    "languages (nl, en)."), ins->item[i].id);
	for (i = 0; i < ins->nscales; i++) {
		struct instr_scale *sc = &ins->scale[i];

		for (j = 0; j <= sc->max - sc->min; j++)
			if ((sc->label[j][0].p == NULL) !=
			    (sc->label[j][1].p == NULL))
				return fail(p, 0, N_("A label of scale \"%s\" "
				    "is given in one language only."), sc->id);
	}
	for (i = 0; i < ins->nscores; i++) {
		struct instr_score *sc = &ins->score[i];

		if ((sc->name[0].p == NULL) != (sc->name[1].p == NULL))
			return fail(p, 0, N_("The name of score \"%s\" is "
			    "given in one language only."), sc->id);
		for (k = 0; k < sc->ncut; k++)
			if (sc->cut[k].label[0].p == NULL ||
			    sc->cut[k].label[1].p == NULL)
				return fail(p, 0, N_("A cut-off of score \"%s\" "
				    "is labelled in one language only."),
				    sc->id);
		if (sc->reliability > 0 && sc->sd == 0)
			return fail(p, 0, N_("Score \"%s\" states a "
			    "reliability but no SD (an \"sd\" or \"norm\" "
			    "line) for the reliable change."), sc->id);
	}
	return 0;
}

int
instrument_parse(struct str text, struct instrument **out,
    struct instr_error *e)
{
	struct parser *p = NULL;
	struct line l;
	size_t i = 0;
	int rc = 0, no = 0;

	*out = NULL;
	if (e != NULL)
		memset(e, 0, sizeof(*e));
	if (text.len > LIMIT_INSTRUMENT_BYTES) {
		if (e != NULL) {
			e->msg = N_("The file is larger than %s KiB.");
			snprintf(e->token, sizeof(e->token), "%d",
			    LIMIT_INSTRUMENT_BYTES / 1024);
		}
		return ERR_TOOBIG;
	}
	p = xcalloc(1, sizeof(*p));
	p->ins = xcalloc(1, sizeof(*p->ins));
	p->e = e;
	while (i < text.len && rc == 0) {
		struct str raw;
		size_t st = i, k;

		while (i < text.len && text.p[i] != '\n')
			i++;
		raw = (struct str){ text.p + st, i - st };
		if (i < text.len)
			i++;
		no++;
		l.no = no;
		if (raw.len > 0 && raw.p[raw.len - 1] == '\r')
			raw.len--;
		if (raw.len > LIMIT_INSTRUMENT_LINE) {
			rc = fail(p, no, N_("This line is longer than %s "
			    "bytes."), STR_NULL);
			if (e != NULL)
				snprintf(e->token, sizeof(e->token), "%d",
				    LIMIT_INSTRUMENT_LINE);
			break;
		}
		if (!utf8_valid(raw.p, raw.len)) {
			rc = fail(p, no, N_("This line is not valid UTF-8 "
			    "text."), STR_NULL);
			break;
		}
		for (k = 0; k < raw.len; k++)
			if ((unsigned char)raw.p[k] < 0x20 && raw.p[k] != '\t')
				break;
		if (k < raw.len) {
			rc = fail(p, no, N_("This line holds a control "
			    "character."), STR_NULL);
			break;
		}
		raw = str_trim(raw);
		if (raw.len == 0 || raw.p[0] == '#')
			continue;
		rc = one_line(p, &l, raw);
	}
	if (rc == 0)
		rc = finish(p, no);
	if (rc == 0) {
		*out = p->ins;
		p->ins = NULL;
	}
	free(p->ins);
	free(p);
	return rc;
}

void
instrument_free(struct instrument *ins)
{
	free(ins);
}

void
instrument_error_format(const struct instr_error *e, struct buf *b)
{
	if (e->line > 0)
		buf_printf(b, "line %d: ", e->line);
	if (e->msg == NULL) {
		buf_adds(b, "unknown error");
		return;
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	buf_printf(b, e->msg, e->token);
#pragma GCC diagnostic pop
}
