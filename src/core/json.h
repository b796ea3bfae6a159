/*
 * json.h - JSON from clients and to clients, with jansson behind our limits.
 *
 * Parsing refuses, with a person-readable reason: more than LIMIT_BODY_FORM
 * bytes, nesting deeper than LIMIT_JSON_DEPTH (jansson has no depth option,
 * so the bytes are scanned first), duplicate keys, NUL in strings, invalid
 * UTF-8 and a top level that is not an object or array.  Parsed values are
 * jansson's json_t (reference-counted, not in an arena): the caller
 * json_decref()s them.  Building a response uses jansson and appends the
 * compact text to a struct buf.
 */
#ifndef INFUUS_JSON_H
#define INFUUS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/buf.h"

/*
 * Parse a client's JSON text.  Returns 0 with *out (a new reference),
 * ERR_TOOBIG (longer than LIMIT_BODY_FORM) or ERR_PARSE (too deep, or not
 * valid JSON); on error why, if not NULL, gets one sentence saying what is
 * wrong and where ("line 1, column 7: ...").  why never holds the text.
 */
int json_parse(struct str text, json_t **out, struct buf *why);

/*
 * The deepest nesting of arrays and objects in a JSON text, counting up
 * to stop at most (brackets inside strings do not count; the text need not
 * be valid).  "[]" is 1, "1" is 0.
 */
size_t json_depth(struct str text, size_t stop);

/*
 * Append v as compact JSON to out.  '/' is written as "\/" so the text
 * may also sit inside a script element.
 */
void json_to_buf(const json_t *v, struct buf *out);

/*
 * Typed look-ups in an object for handlers.  Each returns 0, or ERR_INVAL
 * when the key is missing, has another type, or is out of range.
 * json_get_str: a string of at most maxlen bytes (*out points into obj).
 * json_get_i64: an integer in [min, max].
 */
int json_get_str(const json_t *obj, const char *key, size_t maxlen,
    struct str *out);
int json_get_i64(const json_t *obj, const char *key, int64_t min,
    int64_t max, int64_t *out);
int json_get_bool(const json_t *obj, const char *key, bool *out);

#endif
