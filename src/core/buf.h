/*
 * buf.h - the one owned byte buffer, and the borrowed view.
 *
 * Invariants of struct buf (after buf_init and until buf_release):
 *   - p is never NULL; p[len] == '\0' always, so p can be passed to C
 *     string functions when the content has no NUL of its own;
 *   - len < cap, or cap == 0 and p points at a static empty string;
 *   - growth is checked for overflow and aborts rather than truncating.
 * A buf may hold binary data; len is the truth, the NUL is a convenience.
 *
 * struct str is a view into bytes someone else owns (request bytes, an
 * arena, a string literal).  It is never NUL-terminated by contract.
 */
#ifndef INFUUS_BUF_H
#define INFUUS_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *p;
	size_t len;
	size_t cap;
};

struct str {
	const char *p;
	size_t len;
};

#define BUF_INIT { buf_empty_, 0, 0 }
extern char buf_empty_[1];

#define STR(lit) ((struct str){ (lit), sizeof(lit) - 1 })
#define STR_NULL ((struct str){ NULL, 0 })

void buf_init(struct buf *b);
void buf_release(struct buf *b);
/* Make room for at least n more bytes (plus the NUL). */
void buf_grow(struct buf *b, size_t n);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addstr(struct buf *b, struct str s);
void buf_addch(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Hand the heap bytes to the caller (who frees them); b is re-initialised. */
char *buf_detach(struct buf *b, size_t *len);
/* Overwrite the content with zeros before release (for secrets). */
void buf_wipe(struct buf *b);

static inline struct str
buf_str(const struct buf *b)
{
	return (struct str){ b->p, b->len };
}

struct str str_c(const char *s);
bool str_eq(struct str a, struct str b);
bool str_eqc(struct str a, const char *c);
bool str_caseeqc(struct str a, const char *c);
bool str_startswith(struct str a, const char *prefix);
struct str str_trim(struct str s);
/* Split at the first c: *head gets the part before, *tail the part after.
 * Returns false (and head = s, tail empty) when c does not occur. */
bool str_cut(struct str s, char c, struct str *head, struct str *tail);

#endif
