/*
 * json.c - jansson behind the limits of core/limits.h.
 *
 * jansson's own depth limit is 2048 and cannot be lowered per call, so
 * json_parse scans the bytes for nesting depth before jansson sees them;
 * the scan follows strings (and their escapes) so a "[" inside a string
 * does not count.  jansson's error texts are English and short; they say
 * where the text is wrong and never repeat more than a token of it.
 */
#include "core/json.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/banned.h"

size_t
json_depth(struct str text, size_t stop)
{
	size_t i, depth = 0, max = 0;
	bool in_str = false;
	char c;

	for (i = 0; i < text.len; i++) {
		c = text.p[i];
		if (in_str) {
			if (c == '\\')
				i++; /* the escaped character cannot end it */
			else if (c == '"')
				in_str = false;
			continue;
		}
		switch (c) {
		case '"':
			in_str = true;
			break;
		case '[':
		case '{':
			if (++depth > max && (max = depth) >= stop)
				return max;
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
	}
	return max;
}

int
json_parse(struct str text, json_t **out, struct buf *why)
{
	json_error_t err;
	json_t *v;

	if (text.len > LIMIT_BODY_FORM) {
		if (why)
			buf_printf(why, "The JSON text is longer than %d "
			    "bytes.", LIMIT_BODY_FORM);
		return ERR_TOOBIG;
	}
	if (json_depth(text, LIMIT_JSON_DEPTH + 1) > LIMIT_JSON_DEPTH) {
		if (why)
			buf_printf(why, "The JSON text is nested deeper than "
			    "%d levels.", LIMIT_JSON_DEPTH);
		return ERR_PARSE;
	}
	v = json_loadb(text.p ? text.p : "", text.len, JSON_REJECT_DUPLICATES,
	    &err);
	if (v == NULL) {
		if (why)
			buf_printf(why, "The JSON text is not valid: line %d, "
			    "column %d: %s.", err.line, err.column, err.text);
		return ERR_PARSE;
	}
	*out = v;
	return 0;
}

static int
dump_cb(const char *p, size_t n, void *data)
{
	buf_add(data, p, n);
	return 0;
}

void
json_to_buf(const json_t *v, struct buf *out)
{
	json_dump_callback(v, dump_cb, out,
	    JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_ENCODE_ANY);
}

int
json_get_str(const json_t *obj, const char *key, size_t maxlen,
    struct str *out)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_string(v) || json_string_length(v) > maxlen)
		return ERR_INVAL;
	*out = (struct str){ json_string_value(v), json_string_length(v) };
	return 0;
}

int
json_get_i64(const json_t *obj, const char *key, int64_t min, int64_t max,
    int64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	json_int_t i;

	if (!json_is_integer(v))
		return ERR_INVAL;
	i = json_integer_value(v);
	if (i < min || i > max)
		return ERR_INVAL;
	*out = (int64_t)i;
	return 0;
}

int
json_get_bool(const json_t *obj, const char *key, bool *out)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_boolean(v))
		return ERR_INVAL;
	*out = json_is_true(v);
	return 0;
}
