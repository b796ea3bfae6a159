/*
 * range.h - the Range request header (RFC 9110, section 14) for one
 * representation of a known size.
 *
 * Only one "bytes" range is served: a player asks for one at a time, and
 * multipart/byteranges answers buy nothing here but a second body format.
 * A header that is not one valid bytes range (another unit, several
 * ranges, bad syntax) is ignored, as the RFC allows, and the whole file is
 * sent; a valid range that starts past the end is unsatisfiable (416).
 */
#ifndef INFUUS_MEDIA_RANGE_H
#define INFUUS_MEDIA_RANGE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes first..last, both inclusive, first <= last < size. */
struct media_range {
	uint64_t first;
	uint64_t last;
};

enum media_range_result {
	MEDIA_RANGE_FULL = 0,     /* no usable range: 200 with everything */
	MEDIA_RANGE_PART = 1,     /* 206 with *out */
	MEDIA_RANGE_UNSATISFIABLE = 2, /* 416 with Content-Range: bytes * /size */
};

/* Bytes of a Range header parsed at most; a longer one is ignored. */
#define MEDIA_RANGE_MAX_HEADER 200

/*
 * The range that header h (len bytes, need not be NUL-terminated; NULL
 * for none) asks of a representation of size bytes: "bytes=A-B" (B past
 * the end is cut to it), "bytes=A-" (to the end), "bytes=-N" (the last N
 * bytes; all of them when N >= size).  Whitespace around the range is
 * allowed.  Numbers of more than 19 digits are ignored as invalid.
 */
enum media_range_result media_range_parse(const char *h, size_t len,
    uint64_t size, struct media_range *out);

#endif
