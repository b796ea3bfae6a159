/*
 * test_json.c - JSON from clients within limits (depth, size, duplicates)
 * and JSON to clients through a struct buf.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"

static void
nested(struct buf *b, int depth, const char *open, const char *inner,
    const char *close)
{
	int i;

	for (i = 0; i < depth; i++)
		buf_adds(b, open);
	buf_adds(b, inner);
	for (i = 0; i < depth; i++)
		buf_adds(b, close);
}

static void
parse_accepts_an_object_and_reads_fields(void **state)
{
	struct buf why = BUF_INIT;
	json_t *v = NULL;
	struct str s;
	int64_t n;
	bool t;

	(void)state;
	assert_int_equal(json_parse(STR("{\"name\":\"Ann\",\"age\":42,"
	    "\"ok\":true,\"tags\":[1,2]}"), &v, &why), 0);
	assert_int_equal(why.len, 0);
	assert_int_equal(json_get_str(v, "name", 10, &s), 0);
	assert_true(str_eqc(s, "Ann"));
	assert_int_equal(json_get_str(v, "name", 2, &s), ERR_INVAL);
	assert_int_equal(json_get_str(v, "age", 10, &s), ERR_INVAL);
	assert_int_equal(json_get_str(v, "missing", 10, &s), ERR_INVAL);
	assert_int_equal(json_get_i64(v, "age", 0, 150, &n), 0);
	assert_int_equal(n, 42);
	assert_int_equal(json_get_i64(v, "age", 0, 41, &n), ERR_INVAL);
	assert_int_equal(json_get_i64(v, "name", 0, 150, &n), ERR_INVAL);
	assert_int_equal(json_get_bool(v, "ok", &t), 0);
	assert_true(t);
	assert_int_equal(json_get_bool(v, "age", &t), ERR_INVAL);
	json_decref(v);
	buf_release(&why);
}

static void
depth_limit_is_enforced_before_jansson(void **state)
{
	struct buf b = BUF_INIT, why = BUF_INIT;
	json_t *v = NULL;

	(void)state;
	/* Exactly the limit parses. */
	nested(&b, LIMIT_JSON_DEPTH, "[", "1", "]");
	assert_int_equal(json_parse(buf_str(&b), &v, &why), 0);
	json_decref(v);
	v = NULL;

	/* One more level is refused, with a reason that names the limit. */
	buf_reset(&b);
	nested(&b, LIMIT_JSON_DEPTH + 1, "{\"a\":", "1", "}");
	assert_int_equal(json_parse(buf_str(&b), &v, &why), ERR_PARSE);
	assert_null(v);
	assert_non_null(strstr(why.p, "nested deeper than 16"));

	/* A hostile depth of 100000 (200 KB) costs nothing and is refused. */
	buf_reset(&b);
	buf_reset(&why);
	nested(&b, 100000, "[", "", "]");
	assert_int_equal(json_parse(buf_str(&b), &v, &why), ERR_PARSE);
	assert_null(v);
	buf_release(&b);
	buf_release(&why);
}

static void
depth_scan_skips_brackets_in_strings(void **state)
{
	(void)state;
	assert_int_equal(json_depth(STR("[\"[[[[[[\"]"), 100), 1);
	assert_int_equal(json_depth(STR("[\"\\\"[[[\"]"), 100), 1);
	assert_int_equal(json_depth(STR("{\"a\":[{}],\"b\":[[[]]]}"), 100), 4);
	assert_int_equal(json_depth(STR("1"), 100), 0);
	assert_int_equal(json_depth(STR("[[[[[["), 3), 3);
	/* Unbalanced closers do not go below zero. */
	assert_int_equal(json_depth(STR("]]]][["), 100), 2);
}

static void
parse_refuses_bad_texts_with_a_reason(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"{\"a\":1,}",
		"{'a':1}",
		"[1 2]",
		"{\"a\":1}x",
		"\"just a string\"",  /* top level must be object or array */
		"{\"a\":\"\\u0000\"}", /* NUL in a string */
		"{\"a\":\"\xff\"}",    /* invalid UTF-8 */
		"[99999999999999999999999]",
	};
	struct buf why = BUF_INIT;
	json_t *v = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&why);
		if (json_parse(str_c(bad[i]), &v, &why) != ERR_PARSE)
			fail_msg("accepted bad JSON #%zu: %s", i, bad[i]);
		assert_null(v);
		assert_true(why.len > 0);
		assert_non_null(strstr(why.p, "line 1"));
	}
	buf_release(&why);
}

static void
parse_refuses_duplicate_keys(void **state)
{
	struct buf why = BUF_INIT;
	json_t *v = NULL;

	(void)state;
	assert_int_equal(json_parse(STR("{\"role\":\"client\",\"role\":\"admin\"}"),
	    &v, &why), ERR_PARSE);
	assert_null(v);
	assert_non_null(strstr(why.p, "duplicate"));
	buf_release(&why);
}

static void
parse_refuses_oversized_text(void **state)
{
	struct buf b = BUF_INIT, why = BUF_INIT;
	json_t *v = NULL;

	(void)state;
	buf_adds(&b, "[\"");
	while (b.len < LIMIT_BODY_FORM)
		buf_adds(&b, "xxxxxxxxxxxxxxxx");
	buf_adds(&b, "\"]");
	assert_int_equal(json_parse(buf_str(&b), &v, &why), ERR_TOOBIG);
	assert_null(v);
	buf_release(&b);
	buf_release(&why);
}

static void
to_buf_round_trips_and_escapes_slash(void **state)
{
	struct buf b = BUF_INIT, why = BUF_INIT;
	json_t *o = json_object(), *back = NULL;

	(void)state;
	json_object_set_new(o, "msg", json_string("</script> & caf\xc3\xa9"));
	json_object_set_new(o, "n", json_integer(-7));
	buf_adds(&b, "prefix:");
	json_to_buf(o, &b);
	assert_string_equal(b.p,
	    "prefix:{\"msg\":\"<\\/script> & caf\xc3\xa9\",\"n\":-7}");
	assert_int_equal(json_parse((struct str){ b.p + 7, b.len - 7 }, &back,
	    &why), 0);
	assert_true(json_equal(o, back));
	json_decref(o);
	json_decref(back);
	buf_release(&b);
	buf_release(&why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_accepts_an_object_and_reads_fields),
		cmocka_unit_test(depth_limit_is_enforced_before_jansson),
		cmocka_unit_test(depth_scan_skips_brackets_in_strings),
		cmocka_unit_test(parse_refuses_bad_texts_with_a_reason),
		cmocka_unit_test(parse_refuses_duplicate_keys),
		cmocka_unit_test(parse_refuses_oversized_text),
		cmocka_unit_test(to_buf_round_trips_and_escapes_slash),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
