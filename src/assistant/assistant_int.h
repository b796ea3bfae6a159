/*
 * assistant_int.h - what the files of the writing assistant share; no
 * other module includes it (assistant.h is the interface).
 *
 *   assistant.c          the word lists (loading), names, assistant_analyse
 *                        and the live panel's JSON
 *   assistant_text.c     the text analysis: code points, words and
 *                        sentences, syllables, stems; and the hash sets of
 *                        normalised strings the word lists are kept in
 *   assistant_measure.c  the measures on a text: readability, syllables,
 *                        stems and language for callers
 *   assistant_check.c    the checks of a draft: the opening (1) and
 *                        mirroring (2)
 *   assistant_rhythm.c   the rhythm of the exchange and the welcome phase
 *
 * Texts are scanned into arenas; struct assistant is read-only after
 * assistant_load, so all of this may run on any number of threads.
 */
#ifndef INFUUS_ASSISTANT_INT_H
#define INFUUS_ASSISTANT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assistant/assistant.h"
#include "core/arena.h"
#include "core/buf.h"

/* --- Hash sets of normalised strings (assistant_text.c) ----------------- */

struct slot {
	const char *k;
	uint32_t len;
	int val;
};

struct set {
	struct slot *s;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

void assistant_set_init(struct set *s, struct arena *a, size_t n_max);
/* Is k[0..len) in s?  *val (when not NULL) gets its value. */
bool assistant_set_find(const struct set *s, const char *k, size_t len,
    int *val);
bool assistant_set_has(const struct set *s, const char *k);
/* Insert k (which must outlive the set) unless present; grows in a.
 * Returns the slot, so callers can keep a value per key. */
struct slot *assistant_set_put(struct set *s, struct arena *a, const char *k,
    int val);

/* --- The word lists (assistant.c) --------------------------------------- */

struct phrase {
	const char *text;   /* as written in the file, without the '*' */
	const char **words; /* normalised */
	size_t nwords;
	bool prefix;        /* the last word matches as a prefix ("knap*") */
};

struct lang_data {
	struct set stop;    /* function words: never distinctive */
	struct set common;  /* stems of frequent content words: weigh less */
	struct set greet;   /* words a salutation starts with */
	struct set abbrev;  /* a '.' after these ends no sentence */
	struct set links;   /* may join two words into a phrase ("angst voor falen") */
	struct set syll;    /* syllable counts that the rules get wrong */
	struct set irreg;   /* irregular forms -> index into irreg_to */
	const char **irreg_to;
	size_t n_irreg;
	struct phrase *appr;
	size_t n_appr;
};

struct assistant {
	struct arena arena;
	struct lang_data lang[ASSISTANT_LANG_COUNT_];
};

/* --- Words and sentences (assistant_text.c) ----------------------------- */

struct tok {
	const char *norm;
	const char *stem; /* set for content words of the texts that need it */
	uint32_t len;     /* bytes of norm */
	uint32_t nchars;
	uint32_t sent;
	uint32_t syll;
	unsigned brk : 1;   /* punctuation between this and the previous word */
	unsigned cap : 1;   /* starts with a capital */
	unsigned first : 1; /* first word of its sentence */
	unsigned digit : 1; /* holds a digit */
	unsigned stop : 1;
	unsigned content : 1; /* may be mirrored */
};

struct sent {
	uint32_t first, n;
	bool question;
	bool quoted; /* a '>' quotation line */
};

struct text {
	struct tok *t;
	size_t nt;
	struct sent *s;
	size_t ns;
	bool salutation; /* sentence 0 is a salutation */
};

/* A letter or digit: part of a word.  Outside ASCII everything is a letter
 * except the blocks of punctuation, symbols, emoji and specials. */
bool assistant_cp_alnum(uint32_t c);
/* Decode s into code points (in a): NFD accents composed (others
 * dropped), ignorables dropped, spaces and line ends unified ("\r\n",
 * "\r", U+2028 -> '\n'; U+2029 -> a blank line; every kind of space ->
 * ' ').  Returns their number. */
size_t assistant_decode(struct arena *a, struct str s, uint32_t **out);
/* The end of the word starting at cp[i] (an alnum).  Hyphens and
 * apostrophes between letters, and '.' between letters or digits ("o.a.",
 * "3.5", "infuus.nl"), ',' and ':' between digits keep a word together. */
size_t assistant_word_end(const uint32_t *cp, size_t n, size_t i);
/* The normalised form of cp[i..e) (in a): lower case UTF-8, apostrophes
 * as '\'', hyphens as '-'.  *nchars gets the code points. */
char *assistant_norm_word(struct arena *a, const uint32_t *cp, size_t i,
    size_t e, size_t *len, size_t *nchars);
/* Split s into words and sentences in x (arrays in a); the rules are at
 * the definition. */
void assistant_scan(const struct lang_data *L, enum assistant_lang lang,
    struct arena *a, struct str s, struct text *x);
/* The stem of a normalised word (NUL-terminated, at most
 * LIMIT_ASSISTANT_WORD bytes), in a. */
const char *assistant_stem_norm(const struct lang_data *L,
    enum assistant_lang lang, const char *norm, size_t len, struct arena *a);

/* --- Measures (assistant_measure.c) ------------------------------------- */

/* s cut to LIMIT_ASSISTANT_TEXT bytes; "" for no text (s.p NULL). */
struct str assistant_bounded(struct str s);
/* Flesch reading ease (Douma's version for Dutch); 0 for no text. */
double assistant_flesch(enum assistant_lang lang, size_t sentences,
    size_t words, size_t syllables);
void assistant_counts(const struct text *x, size_t *sentences, size_t *words,
    size_t *syllables);

/* --- The checks (assistant_check.c, assistant_rhythm.c) ----------------- */

/* 1. Appreciation in the opening: r->appreciation and its phrase. */
void assistant_check_opening(const struct lang_data *L, const struct text *x,
    struct assistant_result *r);
/* Mark x's content words (tok.content) and stem them, for mirroring. */
void assistant_mark_content(const struct lang_data *L,
    enum assistant_lang lang, struct text *x, bool skip_names,
    struct arena *a);
/* 2. Which of the client's words and phrases (cx) the draft (dx) reuses. */
void assistant_check_mirroring(const struct lang_data *L,
    const struct text *cx, const struct text *dx, struct arena *a,
    struct assistant_result *r);
/* 5. The rhythm of the exchange and the welcome phase, from in's history. */
void assistant_check_rhythm(const struct assistant_input *in,
    struct arena *a, struct assistant_result *r);

#endif
