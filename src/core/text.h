/*
 * text.h - checks of text a person typed (titles, subjects, messages,
 * notes, names): one rule for control characters, and one for a whole
 * field, so the modules that take such text agree on what is allowed.
 * And the pieces of text analysis that the search normaliser
 * (message/search.c) and the writing assistant share: reading code points
 * past bad bytes, writing them back, and the base letters of accented
 * Latin letters.
 */
#ifndef INFUUS_TEXT_H
#define INFUUS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* U+FFFD, what a byte that starts no well-formed sequence reads as. */
#define TEXT_CP_REPL 0xFFFDu

/*
 * The code point at p[*i] (*i < len); advances *i by at least one byte.
 * Overlong forms, surrogates and truncated sequences read as TEXT_CP_REPL,
 * one byte each (utf8_decode is the strict decoder underneath).
 */
uint32_t text_cp_next(const unsigned char *p, size_t len, size_t *i);

/* Write c (at most U+10FFFF, no surrogate) as UTF-8 at out, which has room
 * for 4 bytes; returns the bytes written. */
size_t text_cp_put(char *out, uint32_t c);

/*
 * The base letters of c in U+00C0..U+017F (Latin-1's letters and Latin
 * Extended-A), lower case ASCII: "e" for é and É, "ae" for æ, "ij" for ĳ,
 * "ss" for ß, "th" for þ; "" for the two signs among them (multiplication
 * and division).  NULL for c outside that range.
 */
const char *text_fold_latin(uint32_t c);

#endif
