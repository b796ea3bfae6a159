/*
 * utf8.h - the one UTF-8 decoder, strict as RFC 3629 asks: no overlong
 * forms, no surrogates, nothing above U+10FFFF, no truncated sequence.
 *
 * Header-only (static inline): the escapers, the form parser and the
 * search tokeniser call it once per character.  Decoders that must go on
 * past bad bytes (showing U+FFFD) build on utf8_decode: a 0 there is one
 * bad byte to replace and skip.
 */
#ifndef INFUUS_UTF8_H
#define INFUUS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decode the sequence at p (n > 0 bytes readable): its length (1-4), with
 * the code point in *cp, or 0 when the bytes there are not one well-formed
 * sequence (*cp is then untouched).
 */
static inline size_t
utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char c = p[0];
	uint32_t v;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		len = 2;
		v = c & 0x1f;
	} else if (c < 0xf0) {
		len = 3;
		v = c & 0x0f;
	} else if (c < 0xf5) {
		len = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
	    (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return 0;
	*cp = v;
	return len;
}

/* utf8_decode for when only the length matters. */
static inline size_t
utf8_seq(const unsigned char *p, size_t n)
{
	uint32_t cp;

	return utf8_decode(p, n, &cp);
}

/* Is all of p[0..n) well-formed UTF-8? */
static inline bool
utf8_valid(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, k;

	while (i < n) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq(u + i, n - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

#endif
