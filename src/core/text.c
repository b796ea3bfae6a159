/*
 * text.c - checks of typed text (see text.h).
 *
 * A control character in typed text is never what a person meant, and it
 * can break a line where one line is expected (a title, a subject in a
 * mail) or hide text from a reader: refused rather than cleaned, so what
 * is stored is what was typed.
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
