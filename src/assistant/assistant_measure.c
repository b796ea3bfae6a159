/*
 * assistant_measure.c - the measures on a text that the assistant's
 * callers and tests ask for on their own: readability (Flesch, Douma for
 * Dutch) with its counts, syllables, stems, and the language of a text.
 * assistant_analyse uses the same measures on the draft.
 */
#include "assistant/assistant.h"

#include "assistant/assistant_int.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/banned.h"

/* ------------------------------------------------------------------------
 * Building blocks.
 */

struct str
assistant_bounded(struct str s)
{
	if (s.p == NULL)
		return (struct str){ "", 0 };
	if (s.len > LIMIT_ASSISTANT_TEXT)
		s.len = LIMIT_ASSISTANT_TEXT;
	return s;
}

int
assistant_syllables(const struct assistant *as, enum assistant_lang lang,
    struct str word)
{
	struct arena a;
	struct text x;
	size_t i;
	int total = 0;

	if ((unsigned)lang >= ASSISTANT_LANG_COUNT_)
		return 0;
	arena_init(&a);
	assistant_scan(&as->lang[lang], lang, &a, assistant_bounded(word), &x);
	for (i = 0; i < x.nt; i++)
		total += (int)x.t[i].syll;
	arena_release(&a);
	return total;
}

const char *
assistant_stem(const struct assistant *as, enum assistant_lang lang,
    struct str word, struct arena *a)
{
	struct text x;

	if ((unsigned)lang >= ASSISTANT_LANG_COUNT_)
		return "";
	assistant_scan(&as->lang[lang], lang, a, assistant_bounded(word), &x);
	if (x.nt == 0 || x.t[0].len > LIMIT_ASSISTANT_WORD)
		return "";
	return assistant_stem_norm(&as->lang[lang], lang, x.t[0].norm, x.t[0].len, a);
}

double
assistant_flesch(enum assistant_lang lang, size_t sentences, size_t words,
    size_t syllables)
{
	double asl, asw;

	if (words == 0 || sentences == 0)
		return 0;
	asl = (double)words / (double)sentences;
	asw = (double)syllables / (double)words;
	if (lang == ASSISTANT_LANG_NL)
		return 206.835 - 0.93 * asl - 77.0 * asw; /* Douma (1960) */
	return 206.835 - 1.015 * asl - 84.6 * asw;        /* Flesch (1948) */
}

void
assistant_counts(const struct text *x, size_t *sentences, size_t *words,
    size_t *syllables)
{
	size_t i;

	*sentences = x->ns;
	*words = x->nt;
	*syllables = 0;
	for (i = 0; i < x->nt; i++)
		*syllables += x->t[i].syll;
}

double
assistant_readability(const struct assistant *as, enum assistant_lang lang,
    struct str text, struct arena *a, size_t *sentences, size_t *words,
    size_t *syllables)
{
	struct text x;
	size_t ns, nw, nsy;

	if ((unsigned)lang >= ASSISTANT_LANG_COUNT_)
		return 0;
	assistant_scan(&as->lang[lang], lang, a, assistant_bounded(text), &x);
	assistant_counts(&x, &ns, &nw, &nsy);
	if (sentences)
		*sentences = ns;
	if (words)
		*words = nw;
	if (syllables)
		*syllables = nsy;
	return assistant_flesch(lang, ns, nw, nsy);
}

int
assistant_detect_lang(const struct assistant *as, struct str text,
    enum assistant_lang *out)
{
	struct arena a;
	uint32_t *cp;
	size_t n, i = 0, hits[ASSISTANT_LANG_COUNT_] = { 0 }, l, best = 0;
	int rc = ERR_NOTFOUND;

	arena_init(&a);
	n = assistant_decode(&a, assistant_bounded(text), &cp);
	while (i < n) {
		size_t e, len, nch;
		const char *w;

		if (!assistant_cp_alnum(cp[i])) {
			i++;
			continue;
		}
		e = assistant_word_end(cp, n, i);
		w = assistant_norm_word(&a, cp, i, e, &len, &nch);
		for (l = 0; l < ASSISTANT_LANG_COUNT_; l++)
			hits[l] += assistant_set_find(&as->lang[l].stop, w, len, NULL);
		i = e;
	}
	for (l = 1; l < ASSISTANT_LANG_COUNT_; l++)
		if (hits[l] > hits[best])
			best = l;
	if (hits[best] >= ASSISTANT_DETECT_MIN_HITS) {
		rc = 0;
		for (l = 0; l < ASSISTANT_LANG_COUNT_; l++)
			if (l != best && hits[l] == hits[best])
				rc = ERR_NOTFOUND;
	}
	if (rc == 0)
		*out = (enum assistant_lang)best;
	arena_release(&a);
	return rc;
}

