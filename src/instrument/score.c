/*
 * score.c - answers to an instrument and their scores.
 *
 * An item's answer is a point of its scale, "rather not answer" (where the
 * instrument allows it) or nothing yet.  An item whose condition is false
 * was not asked: it counts neither as answered nor as missing.  A score
 * with missing answers is prorated (the mean of the answered items stands
 * in for the missing ones) when no more than its stated maximum is
 * missing, and is not given at all otherwise: a total of a half-filled
 * questionnaire would read as a low score.
 */
#include <math.h>
#include <string.h>

#include "core/err.h"
#include "core/i18n.h"
#include "core/num.h"
#include "instrument/instrument.h"
#include "core/banned.h"

void
instrument_answers_init(struct instr_answers *a)
{
	int i;

	for (i = 0; i < LIMIT_INSTRUMENT_ITEMS; i++)
		a->v[i] = INSTR_UNANSWERED;
}

static bool
compare(enum instr_op op, int a, int b)
{
	switch (op) {
	case INSTR_EQ: return a == b;
	case INSTR_NE: return a != b;
	case INSTR_LT: return a < b;
	case INSTR_LE: return a <= b;
	case INSTR_GT: return a > b;
	case INSTR_GE: return a >= b;
	}
	return false;
}

bool
instrument_shown(const struct instrument *ins, const struct instr_answers *a,
    int i)
{
	/* conditions only look back (the parser sees to it), so this
	 * recursion ends; an item depending on a hidden or unanswered one
	 * is hidden too */
	const struct instr_item *it = &ins->item[i];
	int v;

	if (it->cond_item < 0)
		return true;
	if (!instrument_shown(ins, a, it->cond_item))
		return false;
	v = a->v[it->cond_item];
	if (v == INSTR_UNANSWERED || v == INSTR_DECLINED)
		return false;
	return compare(it->cond_op, v, it->cond_value);
}

int
instrument_check(const struct instrument *ins, int i, int value,
    const char **msg)
{
	const struct instr_scale *sc;

	if (i < 0 || i >= ins->nitems) {
		*msg = N_("This questionnaire has no such question.");
		return ERR_INVAL;
	}
	if (value == INSTR_UNANSWERED)
		return 0;
	if (value == INSTR_DECLINED) {
		if (ins->decline)
			return 0;
		*msg = N_("This questionnaire asks for an answer to every "
		    "question; \"rather not answer\" is not one of its "
		    "choices.");
		return ERR_INVAL;
	}
	sc = &ins->scale[ins->item[i].scale];
	if (value < sc->min || value > sc->max) {
		*msg = N_("This answer is not one of the choices of the "
		    "question.");
		return ERR_INVAL;
	}
	return 0;
}

void
instrument_answers_format(const struct instrument *ins,
    const struct instr_answers *a, struct buf *b)
{
	int i;

	for (i = 0; i < ins->nitems; i++) {
		if (a->v[i] == INSTR_UNANSWERED)
			continue;
		buf_addstr(b, ins->item[i].id);
		if (a->v[i] == INSTR_DECLINED)
			buf_adds(b, "=-\n");
		else
			buf_printf(b, "=%d\n", a->v[i]);
	}
}

int
instrument_answers_parse(const struct instrument *ins, struct str s,
    struct instr_answers *a, const char **msg)
{
	struct str line, id, val;
	int64_t v;
	int i, rc;

	instrument_answers_init(a);
	while (s.len > 0) {
		if (!str_cut(s, '\n', &line, &s)) {
			line = s;
			s = STR_NULL;
		}
		if (line.len == 0)
			continue;
		if (!str_cut(line, '=', &id, &val) ||
		    (i = instrument_item(ins, id)) < 0) {
			*msg = N_("These answers belong to another version "
			    "of the questionnaire.");
			return ERR_INVAL;
		}
		if (str_eqc(val, "-"))
			v = INSTR_DECLINED;
		else if (num_parse_i64(val, -1000, 1000, &v) != 0) {
			*msg = N_("This answer is not one of the choices of "
			    "the question.");
			return ERR_INVAL;
		}
		if ((rc = instrument_check(ins, i, (int)v, msg)) != 0)
			return rc;
		a->v[i] = (int16_t)v;
	}
	return 0;
}

int
instrument_missing(const struct instrument *ins, const struct instr_answers *a)
{
	int i, n = 0;

	for (i = 0; i < ins->nitems; i++)
		if (a->v[i] == INSTR_UNANSWERED && !ins->item[i].optional &&
		    instrument_shown(ins, a, i))
			n++;
	return n;
}

int
instrument_band(const struct instr_score *s, double value)
{
	int k, band = -1;

	/* a small tolerance: a prorated 9.999 is a 10 */
	for (k = 0; k < s->ncut; k++)
		if (value + 1e-9 >= s->cut[k].from)
			band = k;
	return band;
}

static void
score_one(const struct instrument *ins, const struct instr_answers *a,
    const struct instr_score *s, struct instr_value *out)
{
	double sum = 0, wsum = 0;
	int k;

	memset(out, 0, sizeof(*out));
	out->band = -1;
	for (k = 0; k < s->nitems; k++) {
		int i = s->item[k], v = a->v[i];
		const struct instr_scale *sc = &ins->scale[ins->item[i].scale];

		if (!instrument_shown(ins, a, i))
			continue;
		if (v == INSTR_UNANSWERED || v == INSTR_DECLINED) {
			out->missing++;
			continue;
		}
		if (ins->item[i].reverse)
			v = sc->min + sc->max - v;
		sum += s->weight[k] * v;
		wsum += s->weight[k];
		out->answered++;
	}
	if (out->answered == 0 || out->missing > s->max_missing)
		return;
	switch (s->method) {
	case INSTR_MEAN:
		out->value = sum / out->answered;
		break;
	case INSTR_SUM:
	case INSTR_WEIGHTED:
		/* prorate: scale the answered part up to all asked items
		 * (for weights, to the weights of all asked items) */
		out->value = sum;
		if (out->missing > 0) {
			double all = 0;

			for (k = 0; k < s->nitems; k++)
				if (instrument_shown(ins, a, s->item[k]))
					all += s->weight[k];
			out->value = wsum > 0 ? sum * all / wsum : 0;
		}
		break;
	}
	out->value *= s->factor;
	out->ok = true;
	out->band = instrument_band(s, out->value);
}

void
instrument_score(const struct instrument *ins, const struct instr_answers *a,
    struct instr_result *r)
{
	int i;

	for (i = 0; i < ins->nscores; i++)
		score_one(ins, a, &ins->score[i], &r->v[i]);
}

int
instrument_rci(const struct instr_score *s, double before, double after,
    double *rci)
{
	double sdiff;

	if (s->reliability <= 0 || s->sd <= 0)
		return ERR_NOTFOUND;
	/* Jacobson & Truax (1991): the standard error of the difference
	 * of two measurements is sqrt(2) times the standard error of
	 * measurement, SD * sqrt(1 - r). */
	sdiff = sqrt(2.0) * s->sd * sqrt(1.0 - s->reliability);
	*rci = (after - before) / sdiff;
	return 0;
}

enum instr_lang
instrument_lang(const char *code)
{
	return code != NULL && strcmp(code, "en") == 0 ? INSTR_EN : INSTR_NL;
}

struct str
instrument_text(const struct str t[INSTR_LANGS], enum instr_lang lang)
{
	if (t[lang].p != NULL)
		return t[lang];
	return t[lang == INSTR_NL ? INSTR_EN : INSTR_NL];
}
