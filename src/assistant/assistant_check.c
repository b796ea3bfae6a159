/*
 * assistant_check.c - the checks of a draft against the client's last
 * message: (1) appreciation in the opening, (2) mirroring the client's own
 * words and phrases.  The rules and their sources are in README.md.
 */
#include "assistant/assistant_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/banned.h"

/* ------------------------------------------------------------------------
 * 1. The opening.
 */

void
assistant_check_opening(const struct lang_data *L, const struct text *x,
    struct assistant_result *r)
{
	size_t s, counted = 0, words = 0, k, best_at = (size_t)-1, best_len = 0;
	const struct phrase *best = NULL;

	for (s = 0; s < x->ns && counted < ASSISTANT_OPENING_SENTENCES; s++) {
		const struct sent *se = &x->s[s];
		size_t first = se->first, n = se->n, i;
		bool salutation = s == 0 && x->salutation;

		if (se->quoted)
			continue;
		if (!salutation) {
			counted++;
			if (words + n > ASSISTANT_OPENING_WORDS)
				n = ASSISTANT_OPENING_WORDS - words;
			words += n;
		}
		for (i = first; i < first + n; i++) {
			for (k = 0; k < L->n_appr; k++) {
				const struct phrase *p = &L->appr[k];
				size_t j;

				if (i + p->nwords > first + n)
					continue;
				for (j = 0; j < p->nwords; j++) {
					const char *tw = x->t[i + j].norm;
					bool last = j + 1 == p->nwords;

					if (last && p->prefix ?
					    strncmp(tw, p->words[j],
					    strlen(p->words[j])) != 0 :
					    strcmp(tw, p->words[j]) != 0)
						break;
				}
				if (j < p->nwords)
					continue;
				if (i < best_at ||
				    (i == best_at && p->nwords > best_len)) {
					best = p;
					best_at = i;
					best_len = p->nwords;
				}
			}
		}
		if (words >= ASSISTANT_OPENING_WORDS)
			break;
	}
	r->appreciation = best != NULL;
	r->appreciation_phrase = best ? best->text : NULL;
}

/* ------------------------------------------------------------------------
 * 2. Mirroring.
 */

struct term {
	const char *show;     /* the client's words, normalised */
	const char *stems[3]; /* of the content words */
	size_t nstems;
	size_t first;         /* first occurrence (token index), for ties */
	size_t count;
	double weight;        /* per occurrence */
	bool mirrored;        /* the draft reuses this word or phrase */
	bool used;            /* ... or one of its words */
	bool phrase;
};

/* A content word may be mirrored: letters only, not a stop word, not too
 * short or long, and (in the client's text) not a capitalised word inside
 * a sentence, which is a name rather than the client's wording. */
static bool
is_content(const struct tok *t, bool skip_names)
{
	return !t->stop && !t->digit && t->len <= LIMIT_ASSISTANT_WORD &&
	    t->nchars >= ASSISTANT_MIN_WORD_CHARS &&
	    !(skip_names && t->cap && !t->first);
}

void
assistant_mark_content(const struct lang_data *L, enum assistant_lang lang,
    struct text *x, bool skip_names, struct arena *a)
{
	size_t i;

	for (i = 0; i < x->nt; i++) {
		struct tok *t = &x->t[i];

		if (!is_content(t, skip_names))
			continue;
		t->content = 1;
		t->stem = assistant_stem_norm(L, lang, t->norm, t->len, a);
	}
}

/* Phrases: two adjacent content words, or three words whose first and last
 * are content words and whose middle is one too or a link word; all in
 * one sentence with no punctuation between.  The key, built in *key, joins
 * the stems (the link word as written). */
static bool
phrase_at(const struct lang_data *L, const struct text *x, size_t i,
    size_t len, struct buf *key)
{
	const struct tok *t = x->t;
	size_t k;

	if (i + len > x->nt || !t[i].content || !t[i + len - 1].content)
		return false;
	for (k = i + 1; k < i + len; k++)
		if (t[k].sent != t[i].sent || t[k].brk)
			return false;
	if (len == 3 && !t[i + 1].content &&
	    !assistant_set_find(&L->links, t[i + 1].norm, t[i + 1].len, NULL))
		return false;
	buf_reset(key);
	for (k = i; k < i + len; k++) {
		if (k > i)
			buf_addch(key, ' ');
		buf_adds(key, t[k].content ? t[k].stem : t[k].norm);
	}
	return true;
}

static double
word_weight(const struct lang_data *L, const struct tok *t)
{
	double w = assistant_set_has(&L->common, t->stem) ?
	    ASSISTANT_COMMON_WEIGHT : 1.0;
	size_t len = t->nchars < ASSISTANT_LEN_CAP ? t->nchars : ASSISTANT_LEN_CAP;

	return w * (double)len / ASSISTANT_LEN_NORM;
}

static int
term_cmp(const void *pa, const void *pb)
{
	const struct term *a = pa, *b = pb;
	double sa = (double)a->count * a->weight, sb = (double)b->count * b->weight;

	if (sa != sb)
		return sa > sb ? -1 : 1;
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return a->nstems > b->nstems ? -1 : a->nstems < b->nstems;
}

static bool
overlaps(const struct term *t, const char *const *used, size_t nused)
{
	size_t i, j;

	for (i = 0; i < t->nstems; i++)
		for (j = 0; j < nused; j++)
			if (strcmp(t->stems[i], used[j]) == 0)
				return true;
	return false;
}

/* A new term for the words cx->t[i..i+len), counted once (tmp is scratch). */
static void
term_init(const struct lang_data *L, const struct text *cx, size_t i,
    size_t len, struct buf *tmp, struct arena *a, struct term *tm)
{
	size_t k;

	buf_reset(tmp);
	tm->first = i;
	tm->count = 1;
	for (k = i; k < i + len; k++) {
		const struct tok *t = &cx->t[k];

		if (k > i)
			buf_addch(tmp, ' ');
		buf_adds(tmp, t->norm);
		if (!t->content)
			continue;
		tm->stems[tm->nstems++] = t->stem;
		tm->weight += word_weight(L, t);
	}
	if (len > 1) {
		tm->weight *= ASSISTANT_PHRASE_WEIGHT;
		tm->phrase = true;
	}
	tm->show = arena_strndup(a, tmp->p, tmp->len);
}

/* The term of a stem, or NULL. */
static struct term *
term_of(const struct set *index, struct term *terms, const char *stem)
{
	int at;

	return assistant_set_find(index, stem, strlen(stem), &at) ? &terms[at] : NULL;
}

/* Whether the draft already uses one of the term's words. */
static bool
term_used(const struct set *index, struct term *terms, const struct term *tm)
{
	size_t k;

	for (k = 0; k < tm->nstems; k++) {
		const struct term *w = term_of(index, terms, tm->stems[k]);

		if (w && w->mirrored)
			return true;
	}
	return false;
}

/*
 * The client's words and phrases become terms (the first
 * LIMIT_ASSISTANT_MIRROR_WORDS content words of the message); the draft's
 * stems and phrase keys are looked up among them, so the draft needs no
 * table of its own.  Terms are ranked by count x weight and picked
 * greedily, skipping any that shares a word with one already picked.
 */
void
assistant_check_mirroring(const struct lang_data *L, const struct text *cx,
    const struct text *dx, struct arena *a, struct assistant_result *r)
{
	struct set index;
	struct term *terms, *tm;
	const char *used_m[ASSISTANT_MAX_TERMS * 3], *used_c[ASSISTANT_MAX_TERMS * 3];
	struct buf key = BUF_INIT;
	size_t nterms = 0, nused_m = 0, nused_c = 0, i, len, nc = 0, end;

	for (end = 0; end < cx->nt && nc < LIMIT_ASSISTANT_MIRROR_WORDS; end++)
		nc += cx->t[end].content;
	terms = arena_calloc(a, nc * 3 + 1, sizeof(*terms));
	assistant_set_init(&index, a, nc * 3);
	for (i = 0; i < end; i++) {
		const struct tok *t = &cx->t[i];

		for (len = 1; len <= 3; len++) {
			const char *k_new;
			int at;

			if (len == 1) {
				if (!t->content)
					continue;
				buf_reset(&key);
				buf_adds(&key, t->stem);
			} else if (i + len > end ||
			    !phrase_at(L, cx, i, len, &key)) {
				continue;
			}
			if (assistant_set_find(&index, key.p, key.len, &at)) {
				terms[at].count++;
				continue;
			}
			k_new = len == 1 ? t->stem : arena_strndup(a, key.p, key.len);
			assistant_set_put(&index, a, k_new, (int)nterms);
			term_init(L, cx, i, len, &key, a, &terms[nterms++]);
		}
	}

	for (i = 0; i < dx->nt; i++) {
		if (dx->t[i].content &&
		    (tm = term_of(&index, terms, dx->t[i].stem)) != NULL)
			tm->mirrored = true;
		for (len = 2; len <= 3; len++) {
			int at;

			if (phrase_at(L, dx, i, len, &key) &&
			    assistant_set_find(&index, key.p, key.len, &at))
				terms[at].mirrored = true;
		}
	}
	buf_release(&key);

	for (i = 0; i < nterms; i++) {
		if (terms[i].phrase)
			continue;
		r->client_terms++;
		r->mirrored_total += terms[i].mirrored;
	}

	/* Decide what the draft already uses before sorting moves terms. */
	for (i = 0; i < nterms; i++)
		terms[i].used = terms[i].mirrored ||
		    term_used(&index, terms, &terms[i]);
	qsort(terms, nterms, sizeof(*terms), term_cmp);
	for (i = 0; i < nterms; i++) {
		size_t k;

		tm = &terms[i];
		if (tm->mirrored) {
			if (r->n_mirrored == ASSISTANT_MAX_TERMS ||
			    overlaps(tm, used_m, nused_m))
				continue;
			r->mirrored[r->n_mirrored++] = tm->show;
			for (k = 0; k < tm->nstems; k++)
				used_m[nused_m++] = tm->stems[k];
			continue;
		}
		if (r->n_could_mirror == ASSISTANT_MAX_TERMS || tm->used ||
		    overlaps(tm, used_c, nused_c))
			continue;
		r->could_mirror[r->n_could_mirror++] = tm->show;
		for (k = 0; k < tm->nstems; k++)
			used_c[nused_c++] = tm->stems[k];
	}
}

