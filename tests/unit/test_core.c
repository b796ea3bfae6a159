/*
 * test_core.c - buffers, arenas, errors and the number parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/num.h"

static void
buf_keeps_nul_and_grows(void **state)
{
	struct buf b = BUF_INIT;
	int i;

	(void)state;
	assert_int_equal(b.len, 0);
	assert_string_equal(b.p, "");
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	assert_int_equal(b.p[b.len], '\0');
	assert_true(b.len < b.cap);
	assert_memory_equal(b.p, "0,1,2,", 6);
	assert_string_equal(b.p + b.len - 4, "999,");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.p, "");
	buf_add(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	buf_release(&b);
	assert_int_equal(b.cap, 0);
}

static void
str_cut_splits_at_first(void **state)
{
	struct str h, t;

	(void)state;
	assert_true(str_cut(STR("a=b=c"), '=', &h, &t));
	assert_true(str_eqc(h, "a"));
	assert_true(str_eqc(t, "b=c"));
	assert_false(str_cut(STR("abc"), '=', &h, &t));
	assert_true(str_eqc(h, "abc"));
	assert_int_equal(t.len, 0);
	assert_true(str_eqc(str_trim(STR("  x y \r\n")), "x y"));
	assert_true(str_caseeqc(STR("Content-Type"), "content-type"));
}

static void
arena_allocs_are_aligned_and_large_ones_fit(void **state)
{
	struct arena a;
	char *big, *s;
	int i;

	(void)state;
	arena_init(&a);
	for (i = 0; i < 500; i++) {
		void *p = arena_alloc(&a, (size_t)(i % 37) + 1);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
	}
	big = arena_alloc(&a, 1 << 20);
	memset(big, 'x', 1 << 20);
	s = arena_printf(&a, "%s-%d", "id", 42);
	assert_string_equal(s, "id-42");
	assert_string_equal(arena_strz(&a, STR("view")), "view");
	assert_true(a.used_total >= (1u << 20));
	arena_release(&a);
	assert_null(a.head);
}

/* A list grown one row at a time keeps its rows, in order, and the room
 * past them is zeroed. */
static void
arena_grow_keeps_the_rows(void **state)
{
	struct arena a;
	int64_t *v;
	size_t cap = 2, n, i;

	(void)state;
	arena_init(&a);
	v = arena_calloc(&a, cap, sizeof(*v));
	for (n = 0; n < 100; n++) {
		if (n == cap)
			v = arena_grow(&a, v, &cap, sizeof(*v));
		v[n] = (int64_t)n * 7;
	}
	assert_int_equal(cap, 128);
	for (i = 0; i < n; i++)
		assert_int_equal(v[i], (int64_t)i * 7);
	for (; i < cap; i++)
		assert_int_equal(v[i], 0);
	arena_release(&a);
}

static void
errors_map_to_status_and_message(void **state)
{
	(void)state;
	assert_int_equal(err_status(ERR_NOTFOUND), 404);
	assert_int_equal(err_status(ERR_TOOBIG), 413);
	assert_int_equal(err_status(ERR_BUSY), 503);
	assert_int_equal(err_status(ERR_CSRF), 403);
	assert_int_equal(err_status(0), 200);
	assert_int_equal(err_status(-5), 500);
	assert_string_equal(err_name(ERR_METHOD), "METHOD");
	assert_non_null(strstr(err_msg(ERR_TOOBIG), "larger"));
	assert_true(ERR_INVAL < 0 && ERR_INTERNAL < 0);
}

static void
num_parse_checks_range_and_syntax(void **state)
{
	int64_t v = 7;

	(void)state;
	assert_int_equal(num_parse_i64(STR("42"), 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(num_parse_i64(STR("-9223372036854775808"), INT64_MIN,
	    INT64_MAX, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(num_parse_i64(STR("9223372036854775808"), INT64_MIN,
	    INT64_MAX, &v), ERR_INVAL);
	assert_int_equal(num_parse_i64(STR("101"), 0, 100, &v), ERR_INVAL);
	assert_int_equal(num_parse_i64(STR("1a"), 0, 100, &v), ERR_INVAL);
	assert_int_equal(num_parse_i64(STR(""), 0, 100, &v), ERR_INVAL);
	assert_int_equal(num_parse_i64(STR("-"), -5, 100, &v), ERR_INVAL);
	assert_int_equal(num_parse_i64(STR("+1"), 0, 100, &v), ERR_INVAL);
	assert_int_equal(num_parse_i64(STR(" 1"), 0, 100, &v), ERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_keeps_nul_and_grows),
		cmocka_unit_test(str_cut_splits_at_first),
		cmocka_unit_test(arena_allocs_are_aligned_and_large_ones_fit),
		cmocka_unit_test(arena_grow_keeps_the_rows),
		cmocka_unit_test(errors_map_to_status_and_message),
		cmocka_unit_test(num_parse_checks_range_and_syntax),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
