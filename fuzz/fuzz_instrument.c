/*
 * fuzz_instrument.c - the instrument file parser on arbitrary bytes: no
 * crash; a refusal names a line of the input and a reason; an accepted
 * instrument is consistent (scales, conditions that look back, scores of
 * existing items) and scores answers taken from the same bytes, whose text
 * form parses back to the same answers.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "fuzz.h"
#include "instrument/instrument.h"

static int
lines(const uint8_t *data, size_t size)
{
	size_t i;
	int n = 1;

	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			n++;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str s = { (const char *)data, size };
	struct instrument *ins = NULL;
	struct instr_error e;
	struct instr_answers a, b;
	struct instr_result r;
	struct buf t = BUF_INIT;
	const char *msg = NULL;
	int rc, i, k;

	rc = instrument_parse(s, &ins, &e);
	if (rc != 0) {
		FUZZ_CHECK(ins == NULL);
		FUZZ_CHECK(rc == ERR_INVAL || rc == ERR_TOOBIG);
		FUZZ_CHECK(e.msg != NULL);
		FUZZ_CHECK(e.line >= 0 && e.line <= lines(data, size));
		instrument_error_format(&e, &t);
		buf_release(&t);
		return 0;
	}
	FUZZ_CHECK(ins->nitems > 0 && ins->nitems <= LIMIT_INSTRUMENT_ITEMS);
	for (i = 0; i < ins->nitems; i++) {
		const struct instr_item *it = &ins->item[i];

		FUZZ_CHECK(it->scale >= 0 && it->scale < ins->nscales);
		FUZZ_CHECK(it->cond_item < i);
		FUZZ_CHECK(it->text[INSTR_NL].p && it->text[INSTR_EN].p);
	}
	for (i = 0; i < ins->nscores; i++) {
		const struct instr_score *sc = &ins->score[i];

		FUZZ_CHECK(sc->nitems > 0);
		FUZZ_CHECK(sc->max_missing < sc->nitems);
		for (k = 0; k < sc->nitems; k++)
			FUZZ_CHECK(sc->item[k] >= 0 &&
			    sc->item[k] < ins->nitems);
		for (k = 1; k < sc->ncut; k++)
			FUZZ_CHECK(sc->cut[k].from > sc->cut[k - 1].from);
	}
	/* answers from the input's bytes: points, declined, unanswered */
	instrument_answers_init(&a);
	for (i = 0; i < ins->nitems; i++) {
		const struct instr_scale *sc = &ins->scale[ins->item[i].scale];
		unsigned v = size > 0 ? data[(size_t)i % size] : 0;

		if (v % 11 == 0)
			continue;
		if (v % 13 == 0 && ins->decline)
			a.v[i] = INSTR_DECLINED;
		else
			a.v[i] = (int16_t)(sc->min +
			    (int)(v % (unsigned)(sc->max - sc->min + 1)));
		FUZZ_CHECK(instrument_check(ins, i, a.v[i], &msg) == 0);
	}
	instrument_score(ins, &a, &r);
	for (i = 0; i < ins->nscores; i++)
		if (r.v[i].ok)
			FUZZ_CHECK(r.v[i].band >= -1 &&
			    r.v[i].band < ins->score[i].ncut);
	instrument_answers_format(ins, &a, &t);
	FUZZ_CHECK(instrument_answers_parse(ins, buf_str(&t), &b, &msg) == 0);
	FUZZ_CHECK(memcmp(a.v, b.v, sizeof(a.v)) == 0);
	buf_release(&t);
	instrument_free(ins);
	return 0;
}
