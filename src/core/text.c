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

int
text_field(struct str s, size_t max, bool multiline, struct str *out)
{
	struct str t;

	if (s.p == NULL)
		return ERR_INVAL;
	t = str_trim(s);
	if (t.len == 0 || t.len > max || !utf8_valid(t.p, t.len) ||
	    !text_clean(t, multiline))
		return ERR_INVAL;
	*out = t;
	return 0;
}
