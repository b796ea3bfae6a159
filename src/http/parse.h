/*
 * parse.h - the request parsers of the transport, as pure functions over
 * (pointer, length): no server, no sockets, so they are unit-tested and
 * fuzzed on their own (fuzz/).
 *
 * Every result is allocated in the caller's arena; every string handed
 * back is NUL-terminated and never contains a NUL of its own, so C-string
 * use and the kv's vlen agree.  Returns are 0, ERR_PARSE (malformed),
 * ERR_TOOMANY (more items than the limit) or ERR_TOOBIG (an item or the
 * whole longer than its limit); on error the out-parameters are left as
 * they were.
 */
#ifndef INFUUS_HTTP_PARSE_H
#define INFUUS_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "http/http.h"

/*
 * The path of a request target (the part before '?'), percent-decoded.
 * It must start with '/', hold at most LIMIT_PATH bytes and
 * LIMIT_PATH_SEGMENTS segments (ERR_TOOBIG / ERR_TOOMANY), and decode to
 * well-formed UTF-8 without control characters, without an encoded '/'
 * (which would change where segments end) and without "." or ".."
 * segments (ERR_PARSE).  Empty segments ("//", a trailing '/') are kept.
 */
int http_parse_path(struct arena *a, struct str raw, const char **out);

/*
 * application/x-www-form-urlencoded pairs (a query string or a form body):
 * '&'-separated, '+' is a space, percent-decoded.  Empty pairs and pairs
 * with an empty name are skipped; a name without '=' has the value "".
 * Names and values must decode to UTF-8 without NUL (ERR_PARSE).  More
 * than max pairs is ERR_TOOMANY.  *out is NULL when there are none.
 */
int http_parse_urlencoded(struct arena *a, struct str s, size_t max,
    struct kv **out, size_t *n);

/*
 * A Cookie header (RFC 6265 section 5.4, read leniently as browsers send
 * it): "a=1; b=2".  Items without '=' or with an empty name, and items
 * holding control characters, are skipped (another application on the
 * same host may set odd cookies; that must not lock a person out).  A
 * value in double quotes loses them; values are not decoded.  More than
 * LIMIT_COOKIES items is ERR_TOOMANY.
 */
int http_parse_cookies(struct arena *a, struct str s, struct kv **out,
    size_t *n);

/*
 * The media type of a Content-Type header without its parameters, lower
 * case and trimmed ("" for an empty header).
 */
const char *http_media_type(struct arena *a, struct str header);

/*
 * The boundary parameter of a multipart/form-data Content-Type (RFC 2046:
 * 1-70 characters of the bchars set, quoted or not).  ERR_PARSE when it is
 * missing or malformed.  *out points into header.
 */
int http_multipart_boundary(struct str header, struct str *out);

/*
 * A whole multipart/form-data body (RFC 7578).  Parts with a filename
 * parameter become uploads (data points into body, which must outlive
 * them; filename and type are copies); other parts become form fields
 * (copied; UTF-8 without NUL, else ERR_PARSE).  More than max_parts parts
 * is ERR_TOOMANY; one file longer than max_file, or part headers longer
 * than LIMIT_PART_HEADERS, is ERR_TOOBIG; a missing or truncated
 * delimiter, a part without Content-Disposition: form-data and a name,
 * is ERR_PARSE.
 */
int http_parse_multipart(struct arena *a, struct str body, struct str boundary,
    size_t max_parts, size_t max_file, struct kv **form, size_t *nform,
    struct upload **up, size_t *nup);

/*
 * Does an Accept header prefer JSON to HTML?  True when application/json
 * is listed with a higher q than text/html, or with the same q before it
 * (absent types have q 0; wildcards do not count).
 */
bool http_accept_json(struct str accept);

/* The enum http_method of a method name, 0 for any other method. */
unsigned http_method_parse(const char *name);

#endif
