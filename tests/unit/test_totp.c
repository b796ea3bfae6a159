/*
 * test_totp.c - RFC 6238 vectors, the ±1 step window, the each-code-once
 * rule, malformed codes, base32 and the provisioning URI.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "identity/totp.h"

static const unsigned char rfc_secret[] = "12345678901234567890";
#define RFC_SECRET_LEN 20

static void
rfc6238_appendix_b_sha1_vectors(void **state)
{
	static const struct {
		int64_t t;
		const char *code;
	} v[] = {
		{ 59, "94287082" },
		{ 1111111109, "07081804" },
		{ 1111111111, "14050471" },
		{ 1234567890, "89005924" },
		{ 2000000000, "69279037" },
		{ 20000000000LL, "65353130" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		buf_reset(&b);
		assert_int_equal(totp_code(rfc_secret, RFC_SECRET_LEN, v[i].t, 8,
		    &b), 0);
		assert_string_equal(b.p, v[i].code);
		/* Six digits are the last six of the same truncation. */
		buf_reset(&b);
		assert_int_equal(totp_code(rfc_secret, RFC_SECRET_LEN, v[i].t, 6,
		    &b), 0);
		assert_string_equal(b.p, v[i].code + 2);
	}
	assert_int_equal(totp_code(rfc_secret, RFC_SECRET_LEN, 59, 5, &b),
	    ERR_INVAL);
	assert_int_equal(totp_code(rfc_secret, RFC_SECRET_LEN, -1, 6, &b),
	    ERR_INVAL);
	buf_release(&b);
}

/* The 6-digit code of a step. */
static void
code_of_step(int64_t step, char out[7])
{
	struct buf b = BUF_INIT;

	assert_int_equal(totp_code(rfc_secret, RFC_SECRET_LEN,
	    step * TOTP_PERIOD, 6, &b), 0);
	assert_int_equal(b.len, 6);
	memcpy(out, b.p, 7);
	buf_release(&b);
}

static void
verify_accepts_one_step_either_side_and_no_further(void **state)
{
	const int64_t s = 1234567890 / TOTP_PERIOD;
	char code[7];
	int64_t used = -1;

	(void)state;
	code_of_step(s, code);
	/* Its own step, first and last second. */
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(code),
	    s * TOTP_PERIOD, 0, &used), 0);
	assert_int_equal(used, s);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(code),
	    s * TOTP_PERIOD + 29, 0, &used), 0);
	/* The phone is a step ahead: now is the first second of s - 1. */
	used = -1;
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(code),
	    (s - 1) * TOTP_PERIOD, 0, &used), 0);
	assert_int_equal(used, s);
	/* The phone is a step behind: now is the last second of s + 1. */
	used = -1;
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(code),
	    (s + 1) * TOTP_PERIOD + 29, 0, &used), 0);
	assert_int_equal(used, s);
	/* Two steps away either way: refused, used untouched. */
	used = -1;
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(code),
	    (s + 2) * TOTP_PERIOD, 0, &used), ERR_TOTP);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(code),
	    (s - 1) * TOTP_PERIOD - 1, 0, &used), ERR_TOTP);
	assert_int_equal(used, -1);
}

static void
verify_accepts_each_code_once(void **state)
{
	const int64_t s = 2000000000 / TOTP_PERIOD;
	const int64_t now = s * TOTP_PERIOD + 10;
	char prev[7], cur[7], next[7];
	int64_t last = 0, used = 0;

	(void)state;
	code_of_step(s - 1, prev);
	code_of_step(s, cur);
	code_of_step(s + 1, next);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(cur), now,
	    last, &used), 0);
	assert_int_equal(used, s);
	last = used;
	/* The same code again, in the same step or the next. */
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(cur), now,
	    last, &used), ERR_TOTP);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(cur),
	    now + TOTP_PERIOD, last, &used), ERR_TOTP);
	/* An older code that is still inside the window. */
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(prev), now,
	    last, &used), ERR_TOTP);
	assert_int_equal(used, s);
	/* A newer one is fine, and moves the mark on. */
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(next), now,
	    last, &used), 0);
	assert_int_equal(used, s + 1);
	last = used;
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(next),
	    now + TOTP_PERIOD, last, &used), ERR_TOTP);
}

static void
verify_refuses_malformed_codes(void **state)
{
	const int64_t now = 1111111111;
	char code[7];
	char buf[16];
	int64_t used = -1;
	const char *bad[] = {
		"", "1", "12345", "1234567", "12a456", "abcdef", " 12345",
		"12345 ", "+12345", "-12345", "12 456", "\xd9\xa1\xd9\xa2\xd9\xa3",
	};
	size_t i;

	(void)state;
	code_of_step(now / TOTP_PERIOD, code);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN,
		    str_c(bad[i]), now, 0, &used), ERR_TOTP);
	/* The right digits with something after them. */
	snprintf(buf, sizeof(buf), "%s\n", code);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(buf), now,
	    0, &used), ERR_TOTP);
	snprintf(buf, sizeof(buf), "%s0", code);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(buf), now,
	    0, &used), ERR_TOTP);
	/* Right digits, with a NUL inside the counted length. */
	memcpy(buf, code, 6);
	buf[3] = '\0';
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN,
	    (struct str){ buf, 6 }, now, 0, &used), ERR_TOTP);
	assert_int_equal(used, -1);
	/* And the right code itself passes, so the refusals mean something. */
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, str_c(code), now,
	    0, &used), 0);
}

static void
wrong_secret_gives_other_codes(void **state)
{
	unsigned char s1[TOTP_SECRET_BYTES], s2[TOTP_SECRET_BYTES];
	struct buf c = BUF_INIT;
	int64_t used = 0, now = 1700000000;

	(void)state;
	totp_secret_new(s1);
	totp_secret_new(s2);
	assert_memory_not_equal(s1, s2, sizeof(s1));
	assert_int_equal(totp_code(s1, sizeof(s1), now, 6, &c), 0);
	assert_int_equal(totp_verify(s1, sizeof(s1), buf_str(&c), now, 0, &used),
	    0);
	/* The chance that s2 shares s1's code at one of 3 steps is 3e-6. */
	assert_int_equal(totp_verify(s2, sizeof(s2), buf_str(&c), now, 0, &used),
	    ERR_TOTP);
	buf_release(&c);
}

static void
base32_matches_rfc4648_and_round_trips(void **state)
{
	static const struct {
		const char *raw, *enc;
	} v[] = {
		{ "f", "MY" }, { "fo", "MZXQ" }, { "foo", "MZXW6" },
		{ "foob", "MZXW6YQ" }, { "fooba", "MZXW6YTB" },
		{ "foobar", "MZXW6YTBOI" },
		{ "12345678901234567890", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" },
	};
	unsigned char raw[41];
	struct buf e = BUF_INIT, d = BUF_INIT;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		buf_reset(&e);
		buf_reset(&d);
		totp_base32_encode(v[i].raw, strlen(v[i].raw), &e);
		assert_string_equal(e.p, v[i].enc);
		assert_int_equal(totp_base32_decode(buf_str(&e), &d), 0);
		assert_int_equal(d.len, strlen(v[i].raw));
		assert_memory_equal(d.p, v[i].raw, d.len);
	}
	crypto_random(raw, sizeof(raw));
	for (n = 1; n <= sizeof(raw); n++) {
		buf_reset(&e);
		buf_reset(&d);
		totp_base32_encode(raw, n, &e);
		assert_null(strchr(e.p, '='));
		assert_int_equal(totp_base32_decode(buf_str(&e), &d), 0);
		assert_int_equal(d.len, n);
		assert_memory_equal(d.p, raw, n);
	}
	/* What people type: lower case, spaces, padding. */
	buf_reset(&d);
	assert_int_equal(totp_base32_decode(STR("mzxw 6ytb oi"), &d), 0);
	assert_string_equal(d.p, "foobar");
	buf_reset(&d);
	assert_int_equal(totp_base32_decode(STR("MZXW6YTBOI======"), &d), 0);
	assert_string_equal(d.p, "foobar");
	buf_reset(&d);
	assert_int_equal(totp_base32_decode(STR("MZXW1"), &d), ERR_PARSE);
	assert_int_equal(totp_base32_decode(STR("MZ=XW"), &d), ERR_PARSE);
	assert_int_equal(totp_base32_decode(STR("MZXW\n"), &d), ERR_PARSE);
	assert_int_equal(d.len, 0);
	buf_release(&e);
	buf_release(&d);
}

static void
uri_holds_issuer_encoded_account_and_secret(void **state)
{
	struct buf u = BUF_INIT;

	(void)state;
	assert_int_equal(totp_uri(rfc_secret, RFC_SECRET_LEN,
	    "a+b.c@example.org", &u), 0);
	assert_string_equal(u.p, "otpauth://totp/Infuus:a%2Bb.c%40example.org"
	    "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Infuus"
	    "&algorithm=SHA1&digits=6&period=30");
	buf_reset(&u);
	assert_int_equal(totp_uri(rfc_secret, RFC_SECRET_LEN,
	    "jos\xc3\xa9 x&y=z?@ex.nl", &u), 0);
	assert_non_null(strstr(u.p, "Infuus:jos%C3%A9%20x%26y%3Dz%3F%40ex.nl?"));
	buf_reset(&u);
	assert_int_equal(totp_uri(rfc_secret, RFC_SECRET_LEN, "", &u), ERR_INVAL);
	assert_int_equal(totp_uri(rfc_secret, RFC_SECRET_LEN, "a\r\nb@x.nl", &u),
	    ERR_INVAL);
	assert_int_equal(u.len, 0);
	buf_release(&u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc6238_appendix_b_sha1_vectors),
		cmocka_unit_test(verify_accepts_one_step_either_side_and_no_further),
		cmocka_unit_test(verify_accepts_each_code_once),
		cmocka_unit_test(verify_refuses_malformed_codes),
		cmocka_unit_test(wrong_secret_gives_other_codes),
		cmocka_unit_test(base32_matches_rfc4648_and_round_trips),
		cmocka_unit_test(uri_holds_issuer_encoded_account_and_secret),
	};
	int rc;

	if (crypto_init() != 0 || totp_init() != 0)
		return 1;
	rc = cmocka_run_group_tests_name("totp", tests, NULL, NULL);
	totp_done();
	return rc;
}
