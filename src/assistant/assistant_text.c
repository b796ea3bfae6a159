/*
 * assistant_text.c - the writing assistant's text analysis: code points
 * (decoded past bad bytes, NFD accents composed, spaces unified), words
 * and sentences, syllables, and a light stemmer; and the hash sets of
 * normalised strings that the word lists are kept in.
 *
 * The code point reader and writer and the Latin base letters are
 * core/text.c's, shared with the search normaliser (message/search.c);
 * what a word and a sentence are is the assistant's own (see the XXX in
 * search.c on word boundaries).
 */
#include "assistant/assistant_int.h"

#include <string.h>

#include "core/limits.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "core/banned.h"

/* ------------------------------------------------------------------------
 * Hash sets of normalised strings (open addressing, in an arena).
 */

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

void
assistant_set_init(struct set *s, struct arena *a, size_t n_max)
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

bool
assistant_set_find(const struct set *s, const char *k, size_t len, int *val)
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

bool
assistant_set_has(const struct set *s, const char *k)
{
	return assistant_set_find(s, k, strlen(k), NULL);
}

/* Insert k (which must outlive the set) unless present; grows in a.
 * Returns the slot, so callers can keep a value per key. */
struct slot *
assistant_set_put(struct set *s, struct arena *a, const char *k, int val)
{
	struct slot *sl;
	size_t len = strlen(k);

	if (s->cap == 0 || (s->n + 1) * 2 > s->cap) {
		struct set bigger;
		size_t i;

		assistant_set_init(&bigger, a, s->n + 16);
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
bool
assistant_cp_alnum(uint32_t c)
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
	return assistant_cp_alnum(c) && !cp_digit(c);
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
size_t
assistant_decode(struct arena *a, struct str s, uint32_t **out)
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
size_t
assistant_word_end(const uint32_t *cp, size_t n, size_t i)
{
	size_t j = i + 1;

	for (;;) {
		uint32_t c, prev, next;

		while (j < n && assistant_cp_alnum(cp[j]))
			j++;
		if (j + 1 >= n || !assistant_cp_alnum(cp[j + 1]))
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
char *
assistant_norm_word(struct arena *a, const uint32_t *cp, size_t i, size_t e,
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
void
assistant_scan(const struct lang_data *L, enum assistant_lang lang,
    struct arena *a, struct str s, struct text *x)
{
	uint32_t *cp;
	size_t n = assistant_decode(a, s, &cp), i = 0, max_tok = 1;
	size_t last_end = (size_t)-1, line_no = 0;
	uint32_t last_nonspace = 0;
	bool brk = false, line_start = true, sal_split = false;
	struct scan sc = { x, 0, false, false, false };

	/* Count the words first, so the arrays are no larger than needed. */
	while (i < n) {
		if (assistant_cp_alnum(cp[i])) {
			i = assistant_word_end(cp, n, i);
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

		if (assistant_cp_alnum(c)) {
			size_t e = assistant_word_end(cp, n, i), len, nch;
			struct tok *t;

			ASSERT(x->nt < max_tok);
			t = &x->t[x->nt];
			t->norm = assistant_norm_word(a, cp, i, e, &len, &nch);
			t->len = (uint32_t)len;
			t->nchars = (uint32_t)nch;
			t->sent = (uint32_t)x->ns;
			t->brk = brk;
			t->cap = cp_upper(c);
			t->digit = strpbrk(t->norm, "0123456789") != NULL;
			t->stop = assistant_set_find(&L->stop, t->norm, len, NULL);
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
			    (assistant_set_find(&L->greet, x->t[0].norm, x->t[0].len, NULL) ||
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
			if (i + 1 < n && assistant_cp_alnum(cp[i + 1])) {
				i++;
				continue;
			}
			if (sc.in_quote) {
				sc.quote_term = true;
				i++;
				continue;
			}
			if (c == '.' && last_end == i && x->nt > sc.first_tok &&
			    assistant_set_find(&L->abbrev, x->t[x->nt - 1].norm,
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
	    (sal_split || assistant_set_find(&L->greet, x->t[0].norm,
	    x->t[0].len, NULL)))
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

	if (assistant_set_find(&L->syll, t->norm, t->len, &val))
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
			    assistant_set_find(&L->syll, part, plen, &val))
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

/* A consonant the rules below may undouble: a letter a-z.  Not any byte
 * that is no vowel: the last two bytes of a character may be equal
 * ("\u3041" is e3 81 81), and dropping one left a stem that is not UTF-8
 * (PostgreSQL refuses it; found by fuzz/fuzz_search.c); nor a digit
 * ("100"). */
static bool
lat_consonant(char c)
{
	return c >= 'a' && c <= 'z' && !lat_vowel(c);
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
		if (m >= 2 && w[m - 1] == w[m - 2] && lat_consonant(w[m - 1]))
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
	if (suffix && m >= 2 && w[m - 1] == w[m - 2] &&
	    lat_consonant(w[m - 1]) && !strchr("lsz", w[m - 1]))
		m--;
	if (m > 3 && w[m - 1] == 'e')
		m--;
	return m;
}

/* The stem of a normalised word (NUL-terminated, at most
 * LIMIT_ASSISTANT_WORD bytes), in a. */
const char *
assistant_stem_norm(const struct lang_data *L, enum assistant_lang lang,
    const char *norm, size_t len, struct arena *a)
{
	char w[LIMIT_ASSISTANT_WORD + 1];
	size_t i = 0, m = 0;
	int idx;

	ASSERT(len <= LIMIT_ASSISTANT_WORD);
	if (assistant_set_find(&L->irreg, norm, len, &idx)) {
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

