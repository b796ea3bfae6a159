/*
 * msg_int.h - what the files of src/message share (internal; not for other
 * folders).
 */
#ifndef INFUUS_MSG_INT_H
#define INFUUS_MSG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"

struct db_conn;
struct db_stmt;
struct keyring;

/*
 * Decode the UTF-8 sequence at p (n > 0 bytes readable): its length (1-4)
 * and code point, or 0 when the bytes are not a well-formed sequence
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
static inline size_t
msg_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
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

static inline bool
msg_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t i = 0, k;

	while (i < n) {
		if ((k = msg_utf8_decode(p + i, n - i, &cp)) == 0)
			return false;
		i += k;
	}
	return true;
}

/* Open a sealed column value of org_id into a (NUL-terminated); the
 * plaintext passes through a heap buffer that is wiped.  keyring_open's
 * errors. */
int msg_open_box(struct keyring *kr, struct db_conn *c, int64_t org_id,
    struct str box, struct arena *a, const char **out, size_t *len);

/* A copy of a blob or text column in a (never NULL; { "", 0 } for NULL). */
struct str msg_col_copy(struct db_stmt *st, int col, struct arena *a);

/* A short excerpt of plain text around byte offset at, at most about max
 * bytes, cut at UTF-8 boundaries and spaces, line breaks as spaces, with
 * an ellipsis where text was left out.  In a. */
const char *msg_excerpt(struct str text, size_t at, size_t max,
    struct arena *a);

#endif
