/*
 * text.c - checks of typed text (see text.h).
 *
 * A control character in typed text is never what a person meant, and it
 * can break a line where one line is expected (a title, a subject in a
 * mail) or hide text from a reader: refused rather than cleaned, so what
 * is stored is what was typed.
 *
 * The letter pieces below are shared so that search and the assistant
 * cannot disagree on what "é" is; each keeps its own word boundaries
 * (see the XXX in message/search.c).
 */
#include "core/text.h"

#include "core/err.h"
#include "core/utf8.h"
#include "core/banned.h"

bool
text_clean(struct str s, bool multiline)
{
	size_t i;

	for (i = 0; i < s.len; i++) {
		unsigned char ch = (unsigned char)s.p[i];

		if (ch == 0x7f || (ch < 0x20 && !(multiline &&
		    (ch == '\n' || ch == '\r' || ch == '\t'))))
			return false;
	}
	return true;
}

enum text_fault
text_check(struct str s, size_t max, size_t max_chars, bool multiline,
    struct str *out)
{
	struct str t;
	size_t i, chars = 0;

	if (s.p == NULL || (t = str_trim(s)).len == 0)
		return TEXT_MISSING;
	if (!utf8_valid(t.p, t.len) || !text_clean(t, multiline))
		return TEXT_BAD_CHAR;
	if (t.len > max)
		return TEXT_TOO_LONG;
	if (max_chars > 0) {
		/* Valid UTF-8: every byte that is not a continuation byte
		 * starts a character. */
		for (i = 0; i < t.len; i++)
			chars += ((unsigned char)t.p[i] & 0xc0) != 0x80;
		if (chars > max_chars)
			return TEXT_TOO_LONG;
	}
	*out = t;
	return TEXT_OK;
}

int
text_field(struct str s, size_t max, bool multiline, struct str *out)
{
	return text_check(s, max, 0, multiline, out) == TEXT_OK ? 0 :
	    ERR_INVAL;
}

uint32_t
text_cp_next(const unsigned char *p, size_t len, size_t *i)
{
	uint32_t c;
	size_t k = utf8_decode(p + *i, len - *i, &c);

	if (k == 0) {
		*i += 1;
		return TEXT_CP_REPL;
	}
	*i += k;
	return c;
}

size_t
text_cp_put(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Base letters of U+00C0..U+017F; "" for the two signs among them
 * (multiplication and division). */
static const char *const fold_latin[0x180 - 0xc0] = {
	/* C0 */ "a", "a", "a", "a", "a", "a", "ae", "c",
	/* C8 */ "e", "e", "e", "e", "i", "i", "i", "i",
	/* D0 */ "d", "n", "o", "o", "o", "o", "o", "",
	/* D8 */ "o", "u", "u", "u", "u", "y", "th", "ss",
	/* E0 */ "a", "a", "a", "a", "a", "a", "ae", "c",
	/* E8 */ "e", "e", "e", "e", "i", "i", "i", "i",
	/* F0 */ "d", "n", "o", "o", "o", "o", "o", "",
	/* F8 */ "o", "u", "u", "u", "u", "y", "th", "y",
	/* 100 */ "a", "a", "a", "a", "a", "a", "c", "c",
	/* 108 */ "c", "c", "c", "c", "c", "c", "d", "d",
	/* 110 */ "d", "d", "e", "e", "e", "e", "e", "e",
	/* 118 */ "e", "e", "e", "e", "g", "g", "g", "g",
	/* 120 */ "g", "g", "g", "g", "h", "h", "h", "h",
	/* 128 */ "i", "i", "i", "i", "i", "i", "i", "i",
	/* 130 */ "i", "i", "ij", "ij", "j", "j", "k", "k",
	/* 138 */ "k", "l", "l", "l", "l", "l", "l", "l",
	/* 140 */ "l", "l", "l", "n", "n", "n", "n", "n",
	/* 148 */ "n", "n", "n", "n", "o", "o", "o", "o",
	/* 150 */ "o", "o", "oe", "oe", "r", "r", "r", "r",
	/* 158 */ "r", "r", "s", "s", "s", "s", "s", "s",
	/* 160 */ "s", "s", "t", "t", "t", "t", "t", "t",
	/* 168 */ "u", "u", "u", "u", "u", "u", "u", "u",
	/* 170 */ "u", "u", "u", "u", "w", "w", "y", "y",
	/* 178 */ "y", "z", "z", "z", "z", "z", "z", "s",
};

const char *
text_fold_latin(uint32_t c)
{
	if (c < 0xc0 || c >= 0x180)
		return NULL;
	return fold_latin[c - 0xc0];
}
