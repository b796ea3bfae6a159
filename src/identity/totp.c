/*
 * totp.c - RFC 6238 codes with liboath, and what the authenticator app
 * needs to be set up (base32 secret, otpauth:// URI).
 *
 * Owns nothing: secrets come from the caller and go back to it.
 *
 * liboath generates the codes; the check is ours rather than
 * oath_totp_validate*, because those compare with strcmp and stop at the
 * first match: we generate every candidate step in the window, compare
 * each in constant time, and pick the latest matching step that is newer
 * than the last one used, which is what the replay rule needs.
 */
#include "identity/totp.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <liboath/oath.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "core/banned.h"

_Static_assert(TOTP_DIGITS >= 6 && TOTP_DIGITS <= 8, "digits");

int
totp_init(void)
{
	return oath_init() == OATH_OK ? 0 : ERR_CRYPTO;
}

void
totp_done(void)
{
	oath_done();
}

void
totp_secret_new(unsigned char secret[TOTP_SECRET_BYTES])
{
	crypto_random(secret, TOTP_SECRET_BYTES);
}

void
totp_base32_encode(const void *p, size_t len, struct buf *out)
{
	char *enc = NULL;
	size_t n = 0;

	if (len == 0)
		return;
	/* Only fails when it cannot allocate: we are an application. */
	if (oath_base32_encode(p, len, &enc, &n) != OATH_OK)
		assert_fail("oath_base32_encode", __FILE__, __LINE__);
	while (n > 0 && enc[n - 1] == '=')
		n--;
	buf_add(out, enc, n);
	free(enc);
}

int
totp_base32_decode(struct str s, struct buf *out)
{
	char *dec = NULL;
	size_t i, n = 0;
	bool padding = false;
	int rc;

	/* oath_base32_decode takes the same alphabet; we screen first so
	 * nothing odd (a NUL, '=' in the middle) reaches it. */
	for (i = 0; i < s.len; i++) {
		char c = s.p[i];

		if (c == '=') {
			padding = true;
			continue;
		}
		if (padding || !((c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7') || c == ' '))
			return ERR_PARSE;
	}
	if (s.len == 0)
		return 0;
	rc = oath_base32_decode(s.p, s.len, &dec, &n);
	if (rc != OATH_OK) {
		free(dec);
		return ERR_PARSE;
	}
	buf_add(out, dec, n);
	if (dec) {
		crypto_wipe(dec, n);
		free(dec);
	}
	return 0;
}

static void
url_escape(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			buf_addch(out, (char)c);
		} else {
			buf_addch(out, '%');
			buf_addch(out, hex[c >> 4]);
			buf_addch(out, hex[c & 15]);
		}
	}
}

int
totp_uri(const unsigned char *secret, size_t len, const char *account,
    struct buf *out)
{
	size_t n = strlen(account);

	if (n == 0 || n > LIMIT_FIELD_SHORT || len == 0 ||
	    !text_clean((struct str){ account, n }, false))
		return ERR_INVAL;
	buf_adds(out, "otpauth://totp/");
	url_escape(out, TOTP_ISSUER);
	buf_addch(out, ':');
	url_escape(out, account);
	buf_adds(out, "?secret=");
	totp_base32_encode(secret, len, out);
	buf_adds(out, "&issuer=");
	url_escape(out, TOTP_ISSUER);
	buf_printf(out, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS,
	    TOTP_PERIOD);
	return 0;
}

int64_t
totp_step(int64_t t)
{
	ASSERT(t >= 0);
	return t / TOTP_PERIOD;
}

/* The code of one step into otp (digits + NUL). */
static int
code_at(const unsigned char *secret, size_t len, int64_t step, unsigned digits,
    char otp[9])
{
	if (oath_totp_generate2((const char *)secret, len,
	    (time_t)(step * TOTP_PERIOD), TOTP_PERIOD, 0, digits, 0,
	    otp) != OATH_OK)
		return ERR_CRYPTO;
	return 0;
}

int
totp_code(const unsigned char *secret, size_t len, int64_t t, unsigned digits,
    struct buf *out)
{
	char otp[9];
	int rc;

	if (digits < 6 || digits > 8 || t < 0 || len == 0)
		return ERR_INVAL;
	if ((rc = code_at(secret, len, totp_step(t), digits, otp)) != 0)
		return rc;
	buf_add(out, otp, digits);
	return 0;
}

int
totp_verify(const unsigned char *secret, size_t len, struct str code,
    int64_t now, int64_t last_used_step, int64_t *used_step)
{
	char otp[9];
	int64_t step, s, best = -1;
	size_t i;

	if (code.len != TOTP_DIGITS || now < 0 || len == 0)
		return ERR_TOTP;
	for (i = 0; i < code.len; i++)
		if (code.p[i] < '0' || code.p[i] > '9')
			return ERR_TOTP;
	step = totp_step(now);
	for (s = step - TOTP_WINDOW; s <= step + TOTP_WINDOW; s++) {
		bool match;

		if (s < 0)
			continue;
		if (code_at(secret, len, s, TOTP_DIGITS, otp) != 0)
			return ERR_TOTP;
		match = crypto_equal(otp, code.p, TOTP_DIGITS);
		if (match && s > last_used_step && s > best)
			best = s;
	}
	crypto_wipe(otp, sizeof(otp));
	if (best < 0)
		return ERR_TOTP;
	*used_step = best;
	return 0;
}
