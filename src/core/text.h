/*
 * text.h - checks of text a person typed (titles, subjects, messages,
 * notes, names): one rule for control characters, and one for a whole
 * field, so the modules that take such text agree on what is allowed.
 */
#ifndef INFUUS_TEXT_H
#define INFUUS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/*
 * No control characters in s: nothing below 0x20 and no DEL, except line
 * feed, carriage return and tab when multiline.  Bytes from 0x80 up are
 * not looked at (utf8_valid is the check for those).
 */
bool text_clean(struct str s, bool multiline);

/*
 * A field as typed: *out gets s without its surrounding white space
 * (str_trim), which must be 1..max bytes of well-formed UTF-8 and
 * text_clean.  ERR_INVAL otherwise, also for s.p == NULL (no field at
 * all); *out is then untouched.
 */
int text_field(struct str s, size_t max, bool multiline, struct str *out);

/* What text_check found wrong with a field. */
enum text_fault {
	TEXT_OK,
	TEXT_MISSING,   /* empty or only white space (or no field at all) */
	TEXT_TOO_LONG,  /* over the limit */
	TEXT_BAD_CHAR,  /* a control character, or bytes that are not UTF-8 */
};
/*
 * text_field that says why: the fault, and with max_chars > 0 the limit
 * also counts characters (code points), for fields whose limit a person
 * sees in characters (max then bounds the bytes stored).
 */
enum text_fault text_check(struct str s, size_t max, size_t max_chars,
    bool multiline, struct str *out);

#endif
