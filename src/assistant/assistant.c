/*
 * assistant.c - the writing assistant: hints on a professional's draft reply.
 *
 * Owns the word lists read from share/assistant/<lang>/ at start-up (in the
 * struct assistant's own arena, read-only afterwards) and puts the
 * analysis together: assistant_analyse scans the draft and the client's
 * last message (assistant_text.c), runs the checks (assistant_check.c,
 * assistant_rhythm.c) and the measures (assistant_measure.c), and turns
 * them into hints; and the JSON for the live panel.  README.md in this
 * folder documents every rule and its source; the thresholds are named in
 * assistant.h.
 *
 * Caveats: everything here is a heuristic meant for hints, never for a
 * judgement.  Syllables and stems are rule-based (no dictionary beyond the
 * small exception files), so a word in ten may be off by one syllable.
 * Straight single quotes are not read as quotation marks (they are too
 * often apostrophes), so a question inside 'single quotes' counts.
 *
 * All input is untrusted: texts are bounded by LIMIT_ASSISTANT_TEXT, every
 * loop advances at least one byte or code point, invalid UTF-8 decodes to
 * U+FFFD (a separator), and all tables are sized from the input up front.
 */
#include "assistant/assistant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assistant/assistant_int.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/num.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "core/banned.h"

/* ------------------------------------------------------------------------
 * Word lists.
 */

static const char *const lang_codes[ASSISTANT_LANG_COUNT_] = { "nl", "en" };

/* ------------------------------------------------------------------------
 * Loading the lists.
 */

static int
read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;
	int rc = 0;

	if (f == NULL) {
		log_err("assistant_load", "file=%s reason=cannot_open", path);
		return ERR_IO;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > LIMIT_ASSISTANT_LIST_BYTES) {
			log_err("assistant_load", "file=%s reason=too_big", path);
			rc = ERR_TOOBIG;
			goto out;
		}
		buf_add(b, chunk, n);
	}
	if (ferror(f)) {
		log_err("assistant_load", "file=%s reason=read_error", path);
		rc = ERR_IO;
	}
out:
	fclose(f);
	return rc;
}

enum list_kind {
	LIST_STOP, LIST_COMMON, LIST_GREET, LIST_ABBREV, LIST_LINKS,
	LIST_SYLL, LIST_STEMS, LIST_APPR,
};

/* In load order: stems first, because common words are stored stemmed. */
static const struct {
	const char *file;
	enum list_kind kind;
} lists[] = {
	{ "stems.txt", LIST_STEMS },
	{ "stopwords.txt", LIST_STOP },
	{ "common.txt", LIST_COMMON },
	{ "greetings.txt", LIST_GREET },
	{ "abbreviations.txt", LIST_ABBREV },
	{ "links.txt", LIST_LINKS },
	{ "syllables.txt", LIST_SYLL },
	{ "appreciation.txt", LIST_APPR },
};

/* The normalised words of one line, in a. */
static size_t
line_words(struct arena *a, struct str line, const char ***out)
{
	uint32_t *cp;
	size_t n = assistant_decode(a, line, &cp), i = 0, nw = 0;
	const char **w = arena_calloc(a, n / 2 + 1, sizeof(*w));

	while (i < n) {
		size_t e, len, nch;

		if (!assistant_cp_alnum(cp[i])) {
			i++;
			continue;
		}
		e = assistant_word_end(cp, n, i);
		w[nw++] = assistant_norm_word(a, cp, i, e, &len, &nch);
		i = e;
	}
	*out = w;
	return nw;
}

static int
load_line(struct assistant *as, struct lang_data *L, enum assistant_lang lang,
    enum list_kind kind, struct str line, const char *path, size_t lineno)
{
	struct arena *a = &as->arena;
	const char **w;
	size_t nw = line_words(a, line, &w), k;
	int64_t v;

	switch (kind) {
	case LIST_STOP:
	case LIST_GREET:
	case LIST_ABBREV:
	case LIST_LINKS:
		for (k = 0; k < nw; k++) {
			struct set *s = kind == LIST_STOP ? &L->stop :
			    kind == LIST_GREET ? &L->greet :
			    kind == LIST_ABBREV ? &L->abbrev : &L->links;

			assistant_set_put(s, a, w[k], 0);
		}
		return 0;
	case LIST_COMMON:
		for (k = 0; k < nw; k++)
			if (strlen(w[k]) <= LIMIT_ASSISTANT_WORD)
				assistant_set_put(&L->common, a, assistant_stem_norm(L, lang, w[k],
				    strlen(w[k]), a), 0);
		return 0;
	case LIST_SYLL:
		if (nw != 2 || num_parse_i64(str_c(w[1]), 1, 30, &v) != 0)
			break;
		assistant_set_put(&L->syll, a, w[0], (int)v)->val = (int)v;
		return 0;
	case LIST_STEMS:
		if (nw != 2 || strlen(w[0]) > LIMIT_ASSISTANT_WORD)
			break;
		if (L->n_irreg % 64 == 0) {
			const char **more = arena_calloc(a, L->n_irreg + 64,
			    sizeof(*more));

			if (L->n_irreg)
				memcpy(more, L->irreg_to,
				    L->n_irreg * sizeof(*more));
			L->irreg_to = more;
		}
		L->irreg_to[L->n_irreg] = w[1];
		assistant_set_put(&L->irreg, a, w[0], (int)L->n_irreg);
		L->n_irreg++;
		return 0;
	case LIST_APPR: {
		struct str t = str_trim(line);
		struct phrase *p;

		if (nw == 0)
			break;
		if (L->n_appr % 64 == 0) {
			struct phrase *more = arena_calloc(a, L->n_appr + 64,
			    sizeof(*more));

			if (L->n_appr)
				memcpy(more, L->appr, L->n_appr * sizeof(*more));
			L->appr = more;
		}
		p = &L->appr[L->n_appr++];
		p->prefix = t.len > 0 && t.p[t.len - 1] == '*';
		if (p->prefix)
			t = str_trim((struct str){ t.p, t.len - 1 });
		p->text = arena_strz(a, t);
		p->words = w;
		p->nwords = nw;
		return 0;
	}
	}
	log_err("assistant_load", "file=%s line=%zu reason=bad_entry", path,
	    lineno);
	return ERR_PARSE;
}

static int
load_list(struct assistant *as, const char *share_dir,
    enum assistant_lang lang, size_t which)
{
	struct lang_data *L = &as->lang[lang];
	struct buf path = BUF_INIT, data = BUF_INIT;
	struct str rest, line;
	size_t lineno = 0, entries = 0;
	int rc;

	buf_printf(&path, "%s/assistant/%s/%s", share_dir, lang_codes[lang],
	    lists[which].file);
	if ((rc = read_file(path.p, &data)) != 0)
		goto out;
	if (!utf8_valid(data.p, data.len)) {
		log_err("assistant_load", "file=%s reason=invalid_utf8", path.p);
		rc = ERR_PARSE;
		goto out;
	}
	rest = buf_str(&data);
	while (rest.len > 0) {
		struct str comment;

		if (!str_cut(rest, '\n', &line, &rest))
			rest.len = 0;
		lineno++;
		str_cut(line, '#', &line, &comment);
		line = str_trim(line);
		if (line.len == 0)
			continue;
		if (++entries > LIMIT_ASSISTANT_LIST_ENTRIES) {
			log_err("assistant_load", "file=%s reason=too_many", path.p);
			rc = ERR_TOOMANY;
			goto out;
		}
		if ((rc = load_line(as, L, lang, lists[which].kind, line, path.p,
		    lineno)) != 0)
			goto out;
	}
out:
	buf_release(&path);
	buf_release(&data);
	return rc;
}

int
assistant_load(const char *share_dir, struct assistant **out)
{
	struct assistant *as = xcalloc(1, sizeof(*as));
	size_t lang, k;
	int rc = 0;

	*out = NULL;
	arena_init(&as->arena);
	for (lang = 0; lang < ASSISTANT_LANG_COUNT_; lang++)
		for (k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
			if ((rc = load_list(as, share_dir, lang, k)) != 0)
				goto out;
out:
	if (rc != 0) {
		assistant_free(as);
		return rc;
	}
	*out = as;
	return 0;
}

void
assistant_free(struct assistant *as)
{
	if (as == NULL)
		return;
	arena_release(&as->arena);
	free(as);
}

/* ------------------------------------------------------------------------
 * Names and levels.
 */

const char *
assistant_lang_code(enum assistant_lang lang)
{
	return (unsigned)lang < ASSISTANT_LANG_COUNT_ ? lang_codes[lang] : "";
}

int
assistant_lang_parse(struct str code, enum assistant_lang *out)
{
	size_t i;

	for (i = 0; i < ASSISTANT_LANG_COUNT_; i++) {
		if (str_caseeqc(code, lang_codes[i])) {
			*out = (enum assistant_lang)i;
			return 0;
		}
	}
	return ERR_INVAL;
}

const char *
assistant_phase_name(enum assistant_phase phase)
{
	switch (phase) {
	case ASSISTANT_PHASE_EXTENDED:
		return "extended";
	case ASSISTANT_PHASE_LIMITED:
		return "limited";
	case ASSISTANT_PHASE_DIRECT:
		return "direct";
	}
	return "";
}

const char *
assistant_level_name(enum assistant_level level)
{
	switch (level) {
	case ASSISTANT_LEVEL_STANDARD:
		return "standard";
	case ASSISTANT_LEVEL_SIMPLE:
		return "simple";
	case ASSISTANT_LEVEL_ADVANCED:
		return "advanced";
	case ASSISTANT_LEVEL_COUNT_:
		break;
	}
	return "";
}

/* Douma's (nl) and Flesch's (en) bands; README.md has the reasoning. */
double
assistant_level_min_score(enum assistant_level level, enum assistant_lang lang)
{
	static const double min[ASSISTANT_LANG_COUNT_][ASSISTANT_LEVEL_COUNT_] = {
		[ASSISTANT_LANG_NL] = { 60, 70, 45 },
		[ASSISTANT_LANG_EN] = { 60, 70, 50 },
	};

	if ((unsigned)level >= ASSISTANT_LEVEL_COUNT_ ||
	    (unsigned)lang >= ASSISTANT_LANG_COUNT_)
		return 0;
	return min[lang][level];
}

size_t
assistant_level_sentence_limit(enum assistant_level level)
{
	static const size_t limit[ASSISTANT_LEVEL_COUNT_] = { 20, 15, 25 };

	return (unsigned)level < ASSISTANT_LEVEL_COUNT_ ? limit[level] : 20;
}

/* ------------------------------------------------------------------------
 * The analysis.
 */

int
assistant_analyse(const struct assistant *as, const struct assistant_input *in,
    struct arena *a, struct assistant_result *r)
{
	const struct lang_data *L;
	struct text dx, cx;
	size_t i;

	memset(r, 0, sizeof(*r));
	if ((unsigned)in->lang >= ASSISTANT_LANG_COUNT_ ||
	    (unsigned)in->reading_level >= ASSISTANT_LEVEL_COUNT_ ||
	    (in->n > 0 && in->history == NULL) || !(in->min_score >= 0) ||
	    in->max_questions < 0)
		return ERR_INVAL;
	if (in->draft.len > LIMIT_ASSISTANT_TEXT ||
	    in->client_last.len > LIMIT_ASSISTANT_TEXT)
		return ERR_TOOBIG;
	if (in->n > LIMIT_ASSISTANT_HISTORY)
		return ERR_TOOMANY;
	L = &as->lang[in->lang];
	r->lang = in->lang;

	assistant_scan(L, in->lang, a, assistant_bounded(in->draft), &dx);
	assistant_scan(L, in->lang, a, assistant_bounded(in->client_last), &cx);

	assistant_check_rhythm(in, a, r);

	assistant_check_opening(L, &dx, r);
	if (!r->appreciation && dx.nt > 0 && r->phase != ASSISTANT_PHASE_DIRECT)
		r->hints |= ASSISTANT_HINT_NO_APPRECIATION;

	assistant_mark_content(L, in->lang, &dx, false, a);
	assistant_mark_content(L, in->lang, &cx, true, a);
	assistant_check_mirroring(L, &cx, &dx, a, r);
	if (r->client_terms > 0 && r->mirrored_total == 0 &&
	    dx.nt >= ASSISTANT_MIRROR_MIN_WORDS)
		r->hints |= ASSISTANT_HINT_NO_MIRRORING;

	r->max_questions = in->max_questions > 0 ? in->max_questions :
	    ASSISTANT_DEFAULT_MAX_QUESTIONS;
	for (i = 0; i < dx.ns; i++)
		r->questions += dx.s[i].question;
	if (r->questions > (size_t)r->max_questions)
		r->hints |= ASSISTANT_HINT_TOO_MANY_QUESTIONS;

	assistant_counts(&dx, &r->sentences, &r->words, &r->syllables);
	r->long_sentence_limit = assistant_level_sentence_limit(in->reading_level);
	for (i = 0; i < dx.ns; i++) {
		if (dx.s[i].n > r->longest_sentence_words)
			r->longest_sentence_words = dx.s[i].n;
		r->long_sentences += dx.s[i].n > r->long_sentence_limit;
	}
	if (r->long_sentences > 0)
		r->hints |= ASSISTANT_HINT_LONG_SENTENCE;
	r->mean_sentence_words = r->sentences ?
	    (double)r->words / (double)r->sentences : 0;
	r->readability = assistant_flesch(in->lang, r->sentences, r->words,
	    r->syllables);
	r->min_score = in->min_score > 0 ? in->min_score :
	    assistant_level_min_score(in->reading_level, in->lang);
	r->too_hard = r->words >= ASSISTANT_READABILITY_MIN_WORDS &&
	    r->readability < r->min_score;
	if (r->too_hard)
		r->hints |= ASSISTANT_HINT_TOO_HARD;

	if (r->rhythm_broken)
		r->hints |= ASSISTANT_HINT_RHYTHM_BROKEN;
	return 0;
}

/* ------------------------------------------------------------------------
 * JSON for the live panel.  By hand: the values are few and known, and
 * numbers must not follow the process locale's decimal comma.
 */

static void
json_string(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_addch(b, '"');
	for (; *p; p++) {
		if (*p == '"' || *p == '\\') {
			buf_addch(b, '\\');
			buf_addch(b, (char)*p);
		} else if (*p < 0x20) {
			buf_printf(b, "\\u%04x", *p);
		} else if (*p == '/' && p != (const unsigned char *)s &&
		    p[-1] == '<') {
			buf_adds(b, "\\/");
		} else if (p[0] == 0xE2 && p[1] == 0x80 &&
		    (p[2] == 0xA8 || p[2] == 0xA9)) {
			buf_printf(b, "\\u%04x", p[2] == 0xA8 ? 0x2028 : 0x2029);
			p += 2;
		} else {
			buf_addch(b, (char)*p);
		}
	}
	buf_addch(b, '"');
}

static void
json_fixed(struct buf *b, double v, int decimals)
{
	long long scale = decimals == 2 ? 100 : 10, q;

	if (!isfinite(v))
		v = 0;
	if (v > 1e12)
		v = 1e12;
	if (v < -1e12)
		v = -1e12;
	q = llround(v * (double)scale);
	buf_printf(b, "%s%lld.%0*lld", q < 0 ? "-" : "", llabs(q) / scale,
	    decimals, llabs(q) % scale);
}

static void
json_terms(struct buf *b, const char *const *t, size_t n)
{
	size_t i;

	buf_addch(b, '[');
	for (i = 0; i < n; i++) {
		if (i)
			buf_addch(b, ',');
		json_string(b, t[i]);
	}
	buf_addch(b, ']');
}

void
assistant_result_json(const struct assistant_result *r, struct buf *b)
{
	static const struct {
		unsigned bit;
		const char *code;
	} hints[] = {
		{ ASSISTANT_HINT_NO_APPRECIATION, "no_appreciation" },
		{ ASSISTANT_HINT_NO_MIRRORING, "no_mirroring" },
		{ ASSISTANT_HINT_TOO_MANY_QUESTIONS, "too_many_questions" },
		{ ASSISTANT_HINT_TOO_HARD, "too_hard" },
		{ ASSISTANT_HINT_LONG_SENTENCE, "long_sentence" },
		{ ASSISTANT_HINT_RHYTHM_BROKEN, "rhythm_broken" },
	};
	size_t i, n = 0;

	buf_adds(b, "{\"lang\":");
	json_string(b, assistant_lang_code(r->lang));
	buf_adds(b, ",\"hints\":[");
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		if (!(r->hints & hints[i].bit))
			continue;
		if (n++)
			buf_addch(b, ',');
		json_string(b, hints[i].code);
	}
	buf_printf(b, "],\"appreciation\":{\"found\":%s,\"phrase\":",
	    r->appreciation ? "true" : "false");
	if (r->appreciation_phrase)
		json_string(b, r->appreciation_phrase);
	else
		buf_adds(b, "null");
	buf_adds(b, "},\"mirroring\":{\"mirrored\":");
	json_terms(b, r->mirrored, r->n_mirrored);
	buf_printf(b, ",\"mirrored_total\":%zu,\"client_terms\":%zu,"
	    "\"could_mirror\":", r->mirrored_total, r->client_terms);
	json_terms(b, r->could_mirror, r->n_could_mirror);
	buf_printf(b, "},\"questions\":{\"count\":%zu,\"max\":%d},"
	    "\"sentences\":{\"count\":%zu,\"words\":%zu,\"mean_words\":",
	    r->questions, r->max_questions, r->sentences, r->words);
	json_fixed(b, r->mean_sentence_words, 1);
	buf_printf(b, ",\"longest_words\":%zu,\"long\":%zu,\"limit\":%zu},"
	    "\"readability\":{\"score\":", r->longest_sentence_words,
	    r->long_sentences, r->long_sentence_limit);
	json_fixed(b, r->readability, 1);
	buf_adds(b, ",\"min\":");
	json_fixed(b, r->min_score, 1);
	buf_printf(b, ",\"too_hard\":%s},\"phase\":",
	    r->too_hard ? "true" : "false");
	json_string(b, assistant_phase_name(r->phase));
	buf_printf(b, ",\"rhythm\":{\"broken\":%s,\"exchanges\":%zu,"
	    "\"median_interval\":%lld,\"cv\":", r->rhythm_broken ? "true" :
	    "false", r->exchanges, (long long)r->median_interval);
	json_fixed(b, r->interval_cv, 2);
	buf_printf(b, ",\"gap\":%lld}}", (long long)r->gap);
}

