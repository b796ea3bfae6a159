/*
 * assistant.c - the writing assistant: hints on a professional's draft reply.
 *
 * Owns the word lists read from share/assistant/<lang>/ at start-up (in the
 * struct assistant's own arena, read-only afterwards) and the text analysis:
 * UTF-8 decoding, words and sentences, syllables, a light stemmer, the
 * opening check, mirroring, questions, readability and the welcome phase
 * from the rhythm of the exchange.  README.md in this folder documents every
 * rule and its source; the thresholds are named in assistant.h.
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

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/num.h"
#include "core/text.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "core/banned.h"

/* ------------------------------------------------------------------------
 * Hash sets of normalised strings (open addressing, in an arena).
 */

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

static uint64_t
hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static void
set_init(struct set *s, struct arena *a, size_t n_max)
{
	size_t cap = 16;

	while (cap < st_mul(n_max, 2) + 1)
		cap = st_mul(cap, 2);
	s->s = arena_calloc(a, cap, sizeof(*s->s));
	s->cap = cap;
	s->n = 0;
}

/* The slot holding k, or the empty slot where it would go. */
static struct slot *
set_slot(const struct set *s, const char *k, size_t len)
{
	size_t i;

	ASSERT(s->cap > 0);
	i = hash_bytes(k, len) & (s->cap - 1);
	for (;;) {
		struct slot *sl = &s->s[i];

		if (sl->k == NULL || (sl->len == len && memcmp(sl->k, k, len) == 0))
			return sl;
		i = (i + 1) & (s->cap - 1);
	}
}

static bool
set_find(const struct set *s, const char *k, size_t len, int *val)
{
	const struct slot *sl;

	if (s->cap == 0)
		return false;
	sl = set_slot(s, k, len);
	if (sl->k == NULL)
		return false;
	if (val)
		*val = sl->val;
	return true;
}

static bool
set_has(const struct set *s, const char *k)
{
	return set_find(s, k, strlen(k), NULL);
}

/* Insert k (which must outlive the set) unless present; grows in a.
 * Returns the slot, so callers can keep a value per key. */
static struct slot *
set_put(struct set *s, struct arena *a, const char *k, int val)
{
	struct slot *sl;
	size_t len = strlen(k);

	if (s->cap == 0 || (s->n + 1) * 2 > s->cap) {
		struct set bigger;
		size_t i;

		set_init(&bigger, a, s->n + 16);
		for (i = 0; i < s->cap; i++)
			if (s->s[i].k)
				*set_slot(&bigger, s->s[i].k, s->s[i].len) = s->s[i];
		bigger.n = s->n;
		*s = bigger;
	}
	sl = set_slot(s, k, len);
	if (sl->k == NULL) {
		sl->k = k;
		sl->len = (uint32_t)len;
		sl->val = val;
		s->n++;
	}
	return sl;
}

/* ------------------------------------------------------------------------
 * Word lists.
 */

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

static const char *const lang_codes[ASSISTANT_LANG_COUNT_] = { "nl", "en" };

/* ------------------------------------------------------------------------
 * UTF-8 and code points.
 */

static uint32_t
cp_lower(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0xC0)
		return c;
	if (c <= 0xDE)
		return c == 0xD7 ? c : c + 32;
	if (c == 0x130)
		return 'i';
	if (c >= 0x100 && c <= 0x137)
		return (c & 1) ? c : c + 1;
	if (c >= 0x139 && c <= 0x148)
		return (c & 1) ? c + 1 : c;
	if (c >= 0x14A && c <= 0x177)
		return (c & 1) ? c : c + 1;
	if (c == 0x178)
		return 0xFF;
	if (c >= 0x179 && c <= 0x17E)
		return (c & 1) ? c + 1 : c;
	if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
		return c + 32;
	if (c >= 0x410 && c <= 0x42F)
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	return c;
}

static bool
cp_upper(uint32_t c)
{
	return cp_lower(c) != c;
}

static bool
cp_digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

/* A letter or digit: part of a word.  Outside ASCII everything is a letter
 * except the blocks of punctuation, symbols, emoji and specials. */
static bool
cp_alnum(uint32_t c)
{
	if (c < 0x80)
		return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || cp_digit(c);
	if (c < 0xC0 || c == 0xD7 || c == 0xF7)
		return false;
	if ((c >= 0x2B0 && c <= 0x2FF) || (c >= 0x2000 && c <= 0x2BFF) ||
	    (c >= 0x2E00 && c <= 0x2E7F) || (c >= 0x3000 && c <= 0x303F) ||
	    (c >= 0xD800 && c <= 0xF8FF) || (c >= 0xFE00 && c <= 0xFE6F) ||
	    (c >= 0xFF00 && c <= 0xFF20) || (c >= 0xFFF0 && c <= 0xFFFF) ||
	    (c >= 0x1F000 && c <= 0x1FBFF) || c >= 0xE0000)
		return false;
	return true;
}

static bool
cp_letter(uint32_t c)
{
	return cp_alnum(c) && !cp_digit(c);
}

static bool
cp_apostrophe(uint32_t c)
{
	return c == '\'' || c == 0x2019 || c == 0x2BC;
}

static bool
cp_hyphen(uint32_t c)
{
	return c == '-' || c == 0x2010 || c == 0x2011;
}

/* Code points that are dropped: soft hyphen, zero-width (non-)joiners, word
 * joiner, byte-order mark, variation selectors. */
static bool
cp_ignorable(uint32_t c)
{
	return c == 0xAD || c == 0x200C || c == 0x200D || c == 0x2060 ||
	    c == 0xFEFF || (c >= 0xFE00 && c <= 0xFE0F);
}

static bool
cp_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == 0 ||
	    c == 0xA0 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F ||
	    c == 0x205F || c == 0x3000;
}

/* A base letter with a combining accent (NFD text) as one code point. */
static uint32_t
compose(uint32_t base, uint32_t mark)
{
	static const struct {
		char base;
		uint16_t mark;
		uint16_t to;
	} tab[] = {
		{ 'a', 0x300, 0xE0 }, { 'a', 0x301, 0xE1 }, { 'a', 0x302, 0xE2 },
		{ 'a', 0x303, 0xE3 }, { 'a', 0x308, 0xE4 }, { 'c', 0x327, 0xE7 },
		{ 'e', 0x300, 0xE8 }, { 'e', 0x301, 0xE9 }, { 'e', 0x302, 0xEA },
		{ 'e', 0x308, 0xEB }, { 'i', 0x300, 0xEC }, { 'i', 0x301, 0xED },
		{ 'i', 0x302, 0xEE }, { 'i', 0x308, 0xEF }, { 'n', 0x303, 0xF1 },
		{ 'o', 0x300, 0xF2 }, { 'o', 0x301, 0xF3 }, { 'o', 0x302, 0xF4 },
		{ 'o', 0x303, 0xF5 }, { 'o', 0x308, 0xF6 }, { 'u', 0x300, 0xF9 },
		{ 'u', 0x301, 0xFA }, { 'u', 0x302, 0xFB }, { 'u', 0x308, 0xFC },
		{ 'y', 0x301, 0xFD }, { 'y', 0x308, 0xFF },
	};
	uint32_t lo = cp_lower(base);
	size_t i;

	if (lo > 'z')
		return 0;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if ((uint32_t)tab[i].base != lo || tab[i].mark != mark)
			continue;
		if (lo == base)
			return tab[i].to;
		return tab[i].to == 0xFF ? 0x178 : tab[i].to - 0x20u;
	}
	return 0;
}

/* Decode s into code points: NFD accents composed (others dropped),
 * ignorables dropped, spaces and line ends unified ("\r\n", "\r", U+2028
 * -> '\n'; U+2029 -> a blank line; every kind of space -> ' '). */
static size_t
decode(struct arena *a, struct str s, uint32_t **out)
{
	const unsigned char *p = (const unsigned char *)s.p;
	uint32_t *cp = arena_calloc(a, s.len + 1, sizeof(*cp));
	size_t i = 0, n = 0;

	while (i < s.len) {
		uint32_t c = text_cp_next(p, s.len, &i);

		if (c >= 0x300 && c <= 0x36F) {
			uint32_t k = n > 0 ? compose(cp[n - 1], c) : 0;

			if (k)
				cp[n - 1] = k;
			continue;
		}
		if (cp_ignorable(c))
			continue;
		if (c == '\r') {
			if (i < s.len && p[i] == '\n')
				continue;
			c = '\n';
		} else if (c == 0x2028 || c == 0x85) {
			c = '\n';
		} else if (c == 0x2029) {
			cp[n++] = '\n';
			c = '\n';
		} else if (cp_space(c)) {
			c = ' ';
		}
		cp[n++] = c;
	}
	*out = cp;
	return n;
}

/* The end of the word starting at cp[i] (an alnum).  Hyphens and
 * apostrophes between letters, and '.' between letters or digits ("o.a.",
 * "3.5", "infuus.nl"), ',' and ':' between digits keep a word together. */
static size_t
word_end(const uint32_t *cp, size_t n, size_t i)
{
	size_t j = i + 1;

	for (;;) {
		uint32_t c, prev, next;

		while (j < n && cp_alnum(cp[j]))
			j++;
		if (j + 1 >= n || !cp_alnum(cp[j + 1]))
			return j;
		c = cp[j];
		prev = cp[j - 1];
		next = cp[j + 1];
		if (cp_hyphen(c) || c == '.' ||
		    (cp_apostrophe(c) && cp_letter(prev) && cp_letter(next)) ||
		    ((c == ',' || c == ':') && cp_digit(prev) && cp_digit(next))) {
			j += 2;
			continue;
		}
		return j;
	}
}

/* The normalised form of cp[i..e): lower case UTF-8, apostrophes as '\'',
 * hyphens as '-'.  *nchars gets the code points. */
static char *
norm_word(struct arena *a, const uint32_t *cp, size_t i, size_t e,
    size_t *len, size_t *nchars)
{
	char tmp[4], *w;
	size_t k, m = 0;

	for (k = i; k < e; k++)
		m += text_cp_put(tmp, cp_lower(cp[k]));
	w = arena_alloc(a, st_add(m, 1));
	m = 0;
	for (k = i; k < e; k++) {
		uint32_t c = cp[k];

		if (cp_apostrophe(c))
			c = '\'';
		else if (cp_hyphen(c))
			c = '-';
		m += text_cp_put(w + m, cp_lower(c));
	}
	w[m] = '\0';
	*len = m;
	*nchars = e - i;
	return w;
}

/* The plain letter under an accented Latin-1 letter ("ë" -> 'e'), with
 * whether it carries a diaeresis; 0 for anything that is not a letter we
 * know (treated as a consonant). */
static char
base_letter(uint32_t c, bool *trema, bool *accent)
{
	*trema = false;
	*accent = false;
	if (c < 0x80) {
		c = cp_lower(c);
		return (c >= 'a' && c <= 'z') ? (char)c : 0;
	}
	c = cp_lower(c);
	if (c >= 0xE0 && c <= 0xFF && c != 0xF7) {
		*trema = c == 0xE4 || c == 0xEB || c == 0xEF || c == 0xF6 ||
		    c == 0xFC || c == 0xFF;
		*accent = true;
		/* The first of its base letters: 'a' for æ, 't' for þ. */
		return text_fold_latin(c)[0];
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Words and sentences.
 */

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

static bool
cp_term(uint32_t c)
{
	return c == '.' || c == '!' || c == '?' || c == 0x2026 || c == 0x203C ||
	    c == 0x2047 || c == 0x2048 || c == 0x2049 || c == 0xFF01 ||
	    c == 0xFF1F;
}

static bool
cp_qmark(uint32_t c)
{
	return c == '?' || c == 0x2047 || c == 0x2048 || c == 0x2049 ||
	    c == 0xFF1F;
}

/* Closing brackets and apostrophes that may follow a sentence's end. */
static bool
cp_closer(uint32_t c)
{
	return c == ')' || c == ']' || c == '}' || c == '\'' || c == 0x2019;
}

static bool
cp_dquote(uint32_t c)
{
	return c == '"' || c == 0x201C || c == 0x201D || c == 0x201E ||
	    c == 0xAB || c == 0xBB;
}

static bool
cp_bullet(uint32_t c)
{
	return c == '-' || c == '*' || c == '+' || c == 0x2022 || c == 0x2023 ||
	    c == 0x25E6 || c == 0x2043 || c == 0x2013 || c == 0x2014;
}

struct scan {
	struct text *x;
	size_t first_tok; /* first word of the sentence being read */
	bool in_quote;
	bool quote_term;  /* a sentence end inside the open quotation */
	bool in_bq;       /* on a '>' line */
};

static void
end_sentence(struct scan *sc, bool question)
{
	struct text *x = sc->x;

	if (x->nt > sc->first_tok) {
		struct sent *s = &x->s[x->ns];

		s->first = (uint32_t)sc->first_tok;
		s->n = (uint32_t)(x->nt - sc->first_tok);
		s->question = question && !sc->in_bq;
		s->quoted = sc->in_bq;
		x->t[sc->first_tok].first = 1;
		x->ns++;
		sc->first_tok = x->nt;
	}
	sc->quote_term = false;
}

static size_t
skip_spaces(const uint32_t *cp, size_t n, size_t j)
{
	while (j < n && cp[j] == ' ')
		j++;
	return j;
}

static int syllables_word(const struct lang_data *L, enum assistant_lang lang,
    const struct tok *t, const uint32_t *cp, size_t i, size_t e);

/*
 * Split s into words and sentences.  A sentence ends at a run of . ! ? or
 * an ellipsis (with closing brackets), at a blank line, at a list item or a
 * '>' quotation line, and at the end.  Not at: a '.' after an abbreviation,
 * an ellipsis followed by a lower-case word, a terminator glued to the next
 * word ("infuus.nl?id=3"), a terminator inside double quotes (there the
 * sentence may end right after the closing quote, when a capital or the
 * line's end follows, but it is never a question of the writer's).  A
 * short first line that starts with a greeting or ends in a comma is a
 * sentence of its own: the salutation.
 */
static void
text_scan(const struct lang_data *L, enum assistant_lang lang,
    struct arena *a, struct str s, struct text *x)
{
	uint32_t *cp;
	size_t n = decode(a, s, &cp), i = 0, max_tok = 1;
	size_t last_end = (size_t)-1, line_no = 0;
	uint32_t last_nonspace = 0;
	bool brk = false, line_start = true, sal_split = false;
	struct scan sc = { x, 0, false, false, false };

	/* Count the words first, so the arrays are no larger than needed. */
	while (i < n) {
		if (cp_alnum(cp[i])) {
			i = word_end(cp, n, i);
			max_tok++;
		} else {
			i++;
		}
	}
	i = 0;
	memset(x, 0, sizeof(*x));
	x->t = arena_calloc(a, max_tok, sizeof(*x->t));
	x->s = arena_calloc(a, max_tok, sizeof(*x->s));

	while (i < n) {
		uint32_t c = cp[i];

		if (line_start) {
			size_t j;

			if (c == ' ') {
				i++;
				continue;
			}
			line_start = false;
			if (c == '>') {
				end_sentence(&sc, false);
				sc.in_bq = true;
				while (i < n && (cp[i] == '>' || cp[i] == ' '))
					i++;
				brk = true;
				continue;
			}
			if (cp_bullet(c) && i + 1 < n && cp[i + 1] == ' ') {
				end_sentence(&sc, false);
				i += 2;
				brk = true;
				continue;
			}
			for (j = i; j < n && j - i < 3 && cp_digit(cp[j]); j++)
				;
			if (j > i && j + 1 < n && (cp[j] == '.' || cp[j] == ')') &&
			    cp[j + 1] == ' ') {
				end_sentence(&sc, false);
				i = j + 2;
				brk = true;
				continue;
			}
		}
		if (c != ' ' && c != '\n')
			last_nonspace = c;

		if (cp_alnum(c)) {
			size_t e = word_end(cp, n, i), len, nch;
			struct tok *t;

			ASSERT(x->nt < max_tok);
			t = &x->t[x->nt];
			t->norm = norm_word(a, cp, i, e, &len, &nch);
			t->len = (uint32_t)len;
			t->nchars = (uint32_t)nch;
			t->sent = (uint32_t)x->ns;
			t->brk = brk;
			t->cap = cp_upper(c);
			t->digit = strpbrk(t->norm, "0123456789") != NULL;
			t->stop = set_find(&L->stop, t->norm, len, NULL);
			t->syll = (uint32_t)syllables_word(L, lang, t, cp, i, e);
			x->nt++;
			brk = false;
			last_end = e;
			i = e;
			continue;
		}

		if (c == '\n') {
			size_t j = i, nl = 0;

			while (j < n && (cp[j] == '\n' || cp[j] == ' '))
				nl += cp[j++] == '\n';
			if (line_no == 0 && x->ns == 0 && x->nt > 0 &&
			    x->nt <= ASSISTANT_SALUTATION_WORDS &&
			    (set_find(&L->greet, x->t[0].norm, x->t[0].len, NULL) ||
			    last_nonspace == ',')) {
				end_sentence(&sc, false);
				sal_split = true;
			}
			if (sc.in_bq) {
				end_sentence(&sc, false);
				sc.in_bq = false;
			}
			if (nl >= 2) {
				end_sentence(&sc, false);
				sc.in_quote = false;
			}
			line_no += nl;
			line_start = true;
			i = j;
			continue;
		}

		if (cp_dquote(c)) {
			bool closes = sc.in_quote && c != 0x201E && c != 0xAB;

			brk = true;
			i++;
			if (closes) {
				bool ended = sc.quote_term;
				size_t j = skip_spaces(cp, n, i);

				sc.in_quote = false;
				sc.quote_term = false;
				if (ended && (j >= n || cp[j] == '\n' ||
				    cp_upper(cp[j]) || cp_dquote(cp[j])))
					end_sentence(&sc, false);
			} else {
				sc.in_quote = true;
				sc.quote_term = false;
			}
			continue;
		}

		if (cp_term(c)) {
			size_t j = i, dots = 0, others = 0, k;
			bool q = false;

			brk = true;
			if (i + 1 < n && cp_alnum(cp[i + 1])) {
				i++;
				continue;
			}
			if (sc.in_quote) {
				sc.quote_term = true;
				i++;
				continue;
			}
			if (c == '.' && last_end == i && x->nt > sc.first_tok &&
			    set_find(&L->abbrev, x->t[x->nt - 1].norm,
			    x->t[x->nt - 1].len, NULL)) {
				i++;
				continue;
			}
			while (j < n && (cp_term(cp[j]) || cp_closer(cp[j]))) {
				if (cp_qmark(cp[j]))
					q = true;
				if (cp[j] == '.')
					dots++;
				else if (cp[j] == 0x2026)
					dots += 3;
				else if (cp_term(cp[j]))
					others++;
				j++;
			}
			k = skip_spaces(cp, n, j);
			if (dots >= 2 && others == 0 && k < n &&
			    cp_letter(cp[k]) && !cp_upper(cp[k])) {
				i = j;
				continue;
			}
			end_sentence(&sc, q);
			i = j;
			continue;
		}

		if (c != ' ')
			brk = true;
		i++;
	}
	end_sentence(&sc, false);

	if (x->ns > 0 && !x->s[0].quoted &&
	    x->s[0].n <= ASSISTANT_SALUTATION_WORDS &&
	    (sal_split || set_find(&L->greet, x->t[0].norm, x->t[0].len, NULL)))
		x->salutation = true;
}

/* ------------------------------------------------------------------------
 * Syllables.
 */

static bool
nl_vowel(const char *w, size_t i, size_t m)
{
	char c = w[i];

	if (c == 'y')
		return !(i == 0 && i + 1 < m && strchr("aeiou", w[1]));
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* Dutch: one syllable per vowel group, where a group is the longest of the
 * known vowel combinations (aai ooi oei eeu ieu; aa ee oo uu ie oe eu ui ei
 * ou au ai ay ey oy uy) and a vowel with a diaeresis always starts a new
 * group ("ge-ë-mi-greerd"); other vowel sequences split ("bi-o-scoop"). */
static int
nl_syllables(const char *w, const bool *trema, size_t m)
{
	static const char *const tri[] = { "aai", "ooi", "oei", "eeu", "ieu" };
	static const char *const di[] = { "aa", "ee", "oo", "uu", "ie", "oe",
		"eu", "ui", "ei", "ou", "au", "ai", "ay", "ey", "oy", "uy" };
	size_t i = 0, k;
	int count = 0;

	while (i < m) {
		size_t take = 1;

		if (!nl_vowel(w, i, m)) {
			i++;
			continue;
		}
		count++;
		if (!trema[i]) {
			for (k = 0; k < sizeof(tri) / sizeof(tri[0]) && take == 1; k++)
				if (i + 3 <= m && memcmp(w + i, tri[k], 3) == 0 &&
				    !trema[i + 1] && !trema[i + 2])
					take = 3;
			for (k = 0; k < sizeof(di) / sizeof(di[0]) && take == 1; k++)
				if (i + 2 <= m && memcmp(w + i, di[k], 2) == 0 &&
				    !trema[i + 1])
					take = 2;
		}
		i += take;
	}
	return count;
}

static bool
en_vowel(const char *w, size_t i)
{
	char c = w[i];

	if (c == 'y')
		return i > 0;
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

static bool
ends_with(const char *w, size_t m, const char *suf)
{
	size_t k = strlen(suf);

	return m >= k && memcmp(w + m - k, suf, k) == 0;
}

/* English: vowel groups, less a silent final -e (not in -Cle, -Cre),
 * a silent -es (not after s x z c g ch sh, -Cles) and -ed (not after t d,
 * -Cled), -ely and -que, the e of "some-" before a consonant and a
 * magic e before -ful -ment -less -ness; plus one for the vowel pairs that
 * split: ia, io and iu (not after c t s g x), ua (not after g q), final
 * ea, "creat", and -ing after a vowel ("be-ing").  In the manner of Greg
 * Fast's Lingua::EN::Syllable; the rules are our own. */
static int
en_syllables(const char *w, const bool *acc, size_t m)
{
	size_t i;
	int count = 0;

#define V(k) ((k) < m && en_vowel(w, (k)))
#define ALONE(k) (V(k) && ((k) == 0 || !V((k) - 1)) && !V((k) + 1))
	for (i = 0; i < m; i++)
		if (V(i) && (i == 0 || !V(i - 1)))
			count++;
	if (count == 0)
		return 0;

	if (m >= 3 && w[m - 1] == 'e' && !acc[m - 1] && ALONE(m - 1) &&
	    count > 1) {
		if (!((w[m - 2] == 'l' || w[m - 2] == 'r') && !V(m - 3)))
			count--;
	} else if (m >= 4 && ends_with(w, m, "es") && ALONE(m - 2) &&
	    count > 1) {
		char p = w[m - 3];

		if (!(strchr("sxzcg", p) ||
		    (p == 'h' && (w[m - 4] == 'c' || w[m - 4] == 's')) ||
		    ((p == 'l' || p == 'r') && !V(m - 4))))
			count--;
	} else if (m >= 4 && ends_with(w, m, "ed") && ALONE(m - 2) &&
	    count > 1) {
		char p = w[m - 3];

		if (!(p == 't' || p == 'd' ||
		    ((p == 'l' || p == 'r') && !V(m - 4) && w[m - 4] != p)))
			count--;
	}
	if (m >= 5 && ends_with(w, m, "ely") && ALONE(m - 3) && !V(m - 4) &&
	    count > 1)
		count--;
	if (m >= 4 && ends_with(w, m, "que") && count > 1)
		count--;
	/* A silent e inside: "some-thing", "use-ful", "move-ment". */
	if (m >= 6 && memcmp(w, "some", 4) == 0 && !V(4) && count > 1)
		count--;
	for (i = 2; i + 4 <= m; i++) {
		if (w[i] != 'e' || !ALONE(i) || V(i - 1) || !V(i - 2) ||
		    count <= 1)
			continue;
		if ((i + 4 == m && memcmp(w + i + 1, "ful", 3) == 0) ||
		    (i + 5 == m && (memcmp(w + i + 1, "ment", 4) == 0 ||
		    memcmp(w + i + 1, "less", 4) == 0 ||
		    memcmp(w + i + 1, "ness", 4) == 0)))
			count--;
	}

	for (i = 0; i + 1 < m; i++) {
		char c = w[i], d = w[i + 1], p = i > 0 ? w[i - 1] : 0;

		if (c == 'i' && (d == 'a' || d == 'o' || d == 'u') &&
		    !(p && strchr("ctsgx", p)))
			count++;
		else if (c == 'u' && d == 'a' && p && !strchr("gq", p) && !V(i - 1))
			count++;
	}
	if (m >= 3 && ends_with(w, m, "ea"))
		count++;
	for (i = 0; i + 5 <= m; i++)
		if (memcmp(w + i, "creat", 5) == 0)
			count++;
	if (m >= 4 && ends_with(w, m, "ing") && V(m - 4))
		count++;
#undef ALONE
#undef V
	return count;
}

/* Syllables of cp[i..e) split at hyphens and apostrophes; the exception
 * list is asked for the whole word and for each part.  At least 1. */
static int
syllables_word(const struct lang_data *L, enum assistant_lang lang,
    const struct tok *t, const uint32_t *cp, size_t i, size_t e)
{
	char w[LIMIT_ASSISTANT_WORD + 1];
	bool trema[LIMIT_ASSISTANT_WORD + 1], acc[LIMIT_ASSISTANT_WORD + 1];
	int total = 0, val;
	size_t k = i;

	if (set_find(&L->syll, t->norm, t->len, &val))
		return val;
	while (k < e) {
		size_t m = 0, start = k;

		while (k < e && !cp_hyphen(cp[k]) && !cp_apostrophe(cp[k]) &&
		    cp[k] != '.') {
			bool tr, ac;
			char b = base_letter(cp[k], &tr, &ac);

			if (m < LIMIT_ASSISTANT_WORD) {
				w[m] = b ? b : '#';
				trema[m] = tr;
				acc[m] = ac;
				m++;
			}
			k++;
		}
		if (m > 0) {
			char part[LIMIT_ASSISTANT_WORD * 4 + 1];
			size_t plen = 0, q;

			/* The exception list holds normalised words. */
			for (q = start; q < k && plen + 4 < sizeof(part); q++)
				plen += text_cp_put(part + plen, cp_lower(cp[q]));
			if (k - start < LIMIT_ASSISTANT_WORD && e - i != k - start &&
			    set_find(&L->syll, part, plen, &val))
				total += val;
			else
				total += lang == ASSISTANT_LANG_NL ?
				    nl_syllables(w, trema, m) :
				    en_syllables(w, acc, m);
		}
		k++;
	}
	return total > 0 ? total : 1;
}

/* ------------------------------------------------------------------------
 * Stemming: light suffix stripping, so "gesprekken" meets "gesprek" and
 * "feelings" meets "feel".  Works on plain letters (diacritics removed).
 */

static bool
lat_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
	    c == 'y';
}

static size_t
nl_stem(char *w, size_t m)
{
	bool stripped = false;

	if (ends_with(w, m, "'s"))
		m -= 2;
	else if (ends_with(w, m, "'"))
		m -= 1;
	if (ends_with(w, m, "heden") && m >= 8) {
		memcpy(w + m - 5, "heid", 4);
		return m - 1;
	}
	if (ends_with(w, m, "ies") && m >= 6)
		return m - 1;
	if (ends_with(w, m, "jes") && m >= 6 && w[m - 4] != 'i')
		return m - 3;
	if (ends_with(w, m, "je") && m >= 5 && w[m - 3] != 'i')
		return m - 2;
	if (ends_with(w, m, "s") && m >= 5 && !lat_vowel(w[m - 2]) &&
	    w[m - 2] != 'j' && w[m - 2] != 's' && w[m - 2] != '\'')
		m -= 1;
	if (ends_with(w, m, "en") && m >= 5 && !lat_vowel(w[m - 3])) {
		m -= 2;
		stripped = true;
	} else if (ends_with(w, m, "e") && m >= 4 && (!lat_vowel(w[m - 2]) ||
	    (w[m - 2] == 'i' && strchr("aeou", w[m - 3])))) {
		m -= 1;
		stripped = true;
	}
	if (stripped) {
		if (m >= 2 && w[m - 1] == w[m - 2] && !lat_vowel(w[m - 1]) &&
		    w[m - 1] != '-')
			m--;
		if (w[m - 1] == 'v')
			w[m - 1] = 'f';
		else if (w[m - 1] == 'z')
			w[m - 1] = 's';
	}
	/* Undouble a vowel before a final consonant: "groot" and "grote" both
	 * become "grot" (the Snowball Dutch stemmer does the same). */
	if (m >= 4 && !lat_vowel(w[m - 1]) && w[m - 2] == w[m - 3] &&
	    strchr("aeou", w[m - 2]) && !lat_vowel(w[m - 4])) {
		w[m - 2] = w[m - 1];
		m--;
	}
	return m;
}

static bool
has_vowel(const char *w, size_t m)
{
	size_t i;

	for (i = 0; i < m; i++)
		if (lat_vowel(w[i]))
			return true;
	return false;
}

static size_t
en_stem(char *w, size_t m)
{
	bool suffix = false;

	if (ends_with(w, m, "'s"))
		m -= 2;
	else if (ends_with(w, m, "'"))
		m -= 1;
	if (ends_with(w, m, "ies") && m > 4) {
		m -= 2;
		w[m - 1] = 'y';
	} else if (ends_with(w, m, "sses")) {
		m -= 2;
	} else if (ends_with(w, m, "es") && m > 3 && (strchr("sxz", w[m - 3]) ||
	    (m > 4 && w[m - 3] == 'h' && (w[m - 4] == 'c' || w[m - 4] == 's')))) {
		m -= 2;
	} else if (ends_with(w, m, "s") && m > 3 && !strchr("siu'", w[m - 2])) {
		m -= 1;
	}
	if (ends_with(w, m, "ied") && m > 4) {
		m -= 2;
		w[m - 1] = 'y';
	} else if (ends_with(w, m, "eed")) {
		/* "need", "feed": the e belongs to the word */
	} else if (ends_with(w, m, "ed") && m >= 5 && has_vowel(w, m - 2)) {
		m -= 2;
		suffix = true;
	} else if (ends_with(w, m, "ing") && m >= 6 && has_vowel(w, m - 3)) {
		m -= 3;
		suffix = true;
	}
	if (suffix && m >= 2 && w[m - 1] == w[m - 2] && !lat_vowel(w[m - 1]) &&
	    !strchr("lsz", w[m - 1]))
		m--;
	if (m > 3 && w[m - 1] == 'e')
		m--;
	return m;
}

/* The stem of a normalised word (NUL-terminated, at most
 * LIMIT_ASSISTANT_WORD bytes), in a. */
static const char *
stem_norm(const struct lang_data *L, enum assistant_lang lang,
    const char *norm, size_t len, struct arena *a)
{
	char w[LIMIT_ASSISTANT_WORD + 1];
	size_t i = 0, m = 0;
	int idx;

	ASSERT(len <= LIMIT_ASSISTANT_WORD);
	if (set_find(&L->irreg, norm, len, &idx)) {
		norm = L->irreg_to[idx];
		len = strlen(norm);
		if (len > LIMIT_ASSISTANT_WORD)
			len = LIMIT_ASSISTANT_WORD;
	}
	while (i < len) {
		size_t at = i;
		uint32_t c = text_cp_next((const unsigned char *)norm, len, &i);
		bool tr, ac;
		char b = base_letter(c, &tr, &ac);

		if (b) {
			w[m++] = b;
		} else if (c < 0x80) {
			w[m++] = (char)c;
		} else {
			memcpy(w + m, norm + at, i - at);
			m += i - at;
		}
	}
	m = lang == ASSISTANT_LANG_NL ? nl_stem(w, m) : en_stem(w, m);
	return arena_strndup(a, w, m);
}

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
	size_t n = decode(a, line, &cp), i = 0, nw = 0;
	const char **w = arena_calloc(a, n / 2 + 1, sizeof(*w));

	while (i < n) {
		size_t e, len, nch;

		if (!cp_alnum(cp[i])) {
			i++;
			continue;
		}
		e = word_end(cp, n, i);
		w[nw++] = norm_word(a, cp, i, e, &len, &nch);
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

			set_put(s, a, w[k], 0);
		}
		return 0;
	case LIST_COMMON:
		for (k = 0; k < nw; k++)
			if (strlen(w[k]) <= LIMIT_ASSISTANT_WORD)
				set_put(&L->common, a, stem_norm(L, lang, w[k],
				    strlen(w[k]), a), 0);
		return 0;
	case LIST_SYLL:
		if (nw != 2 || num_parse_i64(str_c(w[1]), 1, 30, &v) != 0)
			break;
		set_put(&L->syll, a, w[0], (int)v)->val = (int)v;
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
		set_put(&L->irreg, a, w[0], (int)L->n_irreg);
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
 * Building blocks.
 */

static struct str
bounded(struct str s)
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
	text_scan(&as->lang[lang], lang, &a, bounded(word), &x);
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
	text_scan(&as->lang[lang], lang, a, bounded(word), &x);
	if (x.nt == 0 || x.t[0].len > LIMIT_ASSISTANT_WORD)
		return "";
	return stem_norm(&as->lang[lang], lang, x.t[0].norm, x.t[0].len, a);
}

static double
flesch(enum assistant_lang lang, size_t sentences, size_t words,
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

static void
text_counts(const struct text *x, size_t *sentences, size_t *words,
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
	text_scan(&as->lang[lang], lang, a, bounded(text), &x);
	text_counts(&x, &ns, &nw, &nsy);
	if (sentences)
		*sentences = ns;
	if (words)
		*words = nw;
	if (syllables)
		*syllables = nsy;
	return flesch(lang, ns, nw, nsy);
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
	n = decode(&a, bounded(text), &cp);
	while (i < n) {
		size_t e, len, nch;
		const char *w;

		if (!cp_alnum(cp[i])) {
			i++;
			continue;
		}
		e = word_end(cp, n, i);
		w = norm_word(&a, cp, i, e, &len, &nch);
		for (l = 0; l < ASSISTANT_LANG_COUNT_; l++)
			hits[l] += set_find(&as->lang[l].stop, w, len, NULL);
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

/* ------------------------------------------------------------------------
 * 1. The opening.
 */

static void
check_opening(const struct lang_data *L, const struct text *x,
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

static void
mark_content(const struct lang_data *L, enum assistant_lang lang,
    struct text *x, bool skip_names, struct arena *a)
{
	size_t i;

	for (i = 0; i < x->nt; i++) {
		struct tok *t = &x->t[i];

		if (!is_content(t, skip_names))
			continue;
		t->content = 1;
		t->stem = stem_norm(L, lang, t->norm, t->len, a);
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
	    !set_find(&L->links, t[i + 1].norm, t[i + 1].len, NULL))
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
	double w = set_has(&L->common, t->stem) ? ASSISTANT_COMMON_WEIGHT : 1.0;
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

	return set_find(index, stem, strlen(stem), &at) ? &terms[at] : NULL;
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
static void
check_mirroring(const struct lang_data *L, const struct text *cx,
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
	set_init(&index, a, nc * 3);
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
			if (set_find(&index, key.p, key.len, &at)) {
				terms[at].count++;
				continue;
			}
			k_new = len == 1 ? t->stem : arena_strndup(a, key.p, key.len);
			set_put(&index, a, k_new, (int)nterms);
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
			    set_find(&index, key.p, key.len, &at))
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

/* ------------------------------------------------------------------------
 * 5. The rhythm and the welcome phase.
 */

static int
msg_cmp(const void *pa, const void *pb)
{
	const struct assistant_msg *a = pa, *b = pb;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	/* Same second: the client's message first, so it can be answered. */
	return (int)b->from_client - (int)a->from_client;
}

static int
i64_cmp(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return (a > b) - (a < b);
}

/* Times far outside any real exchange (before 1970 or after year ~36000)
 * are clamped, so differences of clamped times cannot overflow. */
#define TIME_MAX_ ((int64_t)1 << 40)

static int64_t
clamp_time(time_t t)
{
	int64_t v = (int64_t)t;

	return v < 0 ? 0 : v > TIME_MAX_ ? TIME_MAX_ : v;
}

static void
check_rhythm(const struct assistant_input *in, struct arena *a,
    struct assistant_result *r)
{
	struct assistant_msg *m;
	int64_t *turns, *d, *sorted, last_turn = 0, open, latest;
	size_t i, nturns = 0, nd, base_from, nbase;
	bool pending = false;
	double mean = 0, var = 0;

	r->phase = ASSISTANT_PHASE_EXTENDED;
	if (in->n == 0)
		return;
	m = arena_calloc(a, in->n, sizeof(*m));
	for (i = 0; i < in->n; i++) {
		m[i].at = (time_t)clamp_time(in->history[i].at);
		m[i].from_client = in->history[i].from_client;
	}
	qsort(m, in->n, sizeof(*m), msg_cmp);

	turns = arena_calloc(a, in->n, sizeof(*turns));
	for (i = 0; i < in->n; i++) {
		if (m[i].from_client) {
			if (i == 0 || !m[i - 1].from_client)
				turns[nturns++] = (int64_t)m[i].at;
			pending = true;
		} else if (pending) {
			r->exchanges++;
			pending = false;
		}
	}
	if (nturns > 0)
		last_turn = turns[nturns - 1];
	if (r->exchanges < ASSISTANT_EXTENDED_EXCHANGES)
		return;
	r->phase = ASSISTANT_PHASE_LIMITED;

	/* Intervals from one client turn to the next; the usual ones are the
	 * window before the latest, which is tested against them. */
	nd = nturns - 1;
	d = arena_calloc(a, nd + 1, sizeof(*d));
	for (i = 0; i < nd; i++)
		d[i] = turns[i + 1] - turns[i];
	nbase = nd - 1 < ASSISTANT_RHYTHM_WINDOW ? nd - 1 : ASSISTANT_RHYTHM_WINDOW;
	base_from = nd - 1 - nbase;
	if (nd == 0 || nbase < ASSISTANT_RHYTHM_MIN_INTERVALS)
		return;

	sorted = arena_calloc(a, nbase, sizeof(*sorted));
	memcpy(sorted, d + base_from, nbase * sizeof(*sorted));
	qsort(sorted, nbase, sizeof(*sorted), i64_cmp);
	r->median_interval = nbase % 2 ? sorted[nbase / 2] :
	    sorted[nbase / 2 - 1] / 2 + sorted[nbase / 2] / 2;
	for (i = 0; i < nbase; i++)
		mean += (double)sorted[i];
	mean /= (double)nbase;
	for (i = 0; i < nbase; i++)
		var += ((double)sorted[i] - mean) * ((double)sorted[i] - mean);
	var /= (double)nbase;
	r->interval_cv = mean > 0 ? sqrt(var) / mean : 0;

	if (r->exchanges >= ASSISTANT_DIRECT_EXCHANGES &&
	    nbase >= ASSISTANT_DIRECT_MIN_INTERVALS &&
	    r->interval_cv <= ASSISTANT_DIRECT_CV)
		r->phase = ASSISTANT_PHASE_DIRECT;

	open = clamp_time(in->now) - last_turn;
	latest = d[nd - 1];
	r->gap = open > latest ? open : latest;
	if ((double)r->gap > ASSISTANT_BREAK_FACTOR * (double)r->median_interval &&
	    r->gap > ASSISTANT_BREAK_MIN_GAP) {
		r->rhythm_broken = true;
		r->phase = r->phase == ASSISTANT_PHASE_DIRECT ?
		    ASSISTANT_PHASE_LIMITED : ASSISTANT_PHASE_EXTENDED;
	}
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

	text_scan(L, in->lang, a, bounded(in->draft), &dx);
	text_scan(L, in->lang, a, bounded(in->client_last), &cx);

	check_rhythm(in, a, r);

	check_opening(L, &dx, r);
	if (!r->appreciation && dx.nt > 0 && r->phase != ASSISTANT_PHASE_DIRECT)
		r->hints |= ASSISTANT_HINT_NO_APPRECIATION;

	mark_content(L, in->lang, &dx, false, a);
	mark_content(L, in->lang, &cx, true, a);
	check_mirroring(L, &cx, &dx, a, r);
	if (r->client_terms > 0 && r->mirrored_total == 0 &&
	    dx.nt >= ASSISTANT_MIRROR_MIN_WORDS)
		r->hints |= ASSISTANT_HINT_NO_MIRRORING;

	r->max_questions = in->max_questions > 0 ? in->max_questions :
	    ASSISTANT_DEFAULT_MAX_QUESTIONS;
	for (i = 0; i < dx.ns; i++)
		r->questions += dx.s[i].question;
	if (r->questions > (size_t)r->max_questions)
		r->hints |= ASSISTANT_HINT_TOO_MANY_QUESTIONS;

	text_counts(&dx, &r->sentences, &r->words, &r->syllables);
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
	r->readability = flesch(in->lang, r->sentences, r->words, r->syllables);
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
