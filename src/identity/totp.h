/*
 * totp.h - time-based one-time passwords (RFC 6238) for the second factor.
 *
 * HMAC-SHA1, 6 digits, 30-second steps from the Unix epoch: what every
 * authenticator app understands.  A code is accepted for the current step
 * and one step either side (clock drift), and only for a step later than
 * the last one accepted for the account, so each code works once: the
 * caller stores the step totp_verify returns and passes it back next time.
 *
 * Secrets are TOTP_SECRET_BYTES random bytes (RFC 4226 recommends 160
 * bits); the caller seals them at rest (keyring, system key).
 */
#ifndef INFUUS_TOTP_H
#define INFUUS_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define TOTP_SECRET_BYTES 20
#define TOTP_DIGITS 6
#define TOTP_PERIOD 30  /* seconds per step */
#define TOTP_WINDOW 1   /* steps accepted either side of now */
#define TOTP_ISSUER "Infuus"

/* Once at start-up, before threads (liboath's oath_init).  0 or
 * ERR_CRYPTO. */
int totp_init(void);
/* At exit, after the last use. */
void totp_done(void);

/* A new random secret. */
void totp_secret_new(unsigned char secret[TOTP_SECRET_BYTES]);

/* RFC 4648 base32 (upper case, no '=' padding) appended to out: the form
 * people type into an authenticator app. */
void totp_base32_encode(const void *p, size_t len, struct buf *out);
/* Decode base32, ignoring spaces and case, padding optional; the bytes are
 * appended to out.  ERR_PARSE for anything else. */
int totp_base32_decode(struct str s, struct buf *out);

/* The provisioning URI for a QR code, appended to out:
 *   otpauth://totp/Infuus:<account>?secret=<base32>&issuer=Infuus
 *       &algorithm=SHA1&digits=6&period=30
 * with account (the user's e-mail address) percent-encoded.  ERR_INVAL for
 * an empty account, one longer than LIMIT_FIELD_SHORT or one holding
 * control characters. */
int totp_uri(const unsigned char *secret, size_t len, const char *account,
    struct buf *out);

/* The time step that Unix time t falls in. */
int64_t totp_step(int64_t t);

/* The code for Unix time t with 6, 7 or 8 digits, appended to out (for
 * tests and the RFC vectors).  ERR_INVAL for other digit counts or t < 0,
 * ERR_CRYPTO when liboath fails. */
int totp_code(const unsigned char *secret, size_t len, int64_t t,
    unsigned digits, struct buf *out);

/*
 * Check a 6-digit code at Unix time now.  It must match the step of now or
 * one step either side, and that step must be later than last_used_step
 * (0 when none was ever used).  On success *used_step gets the matched
 * step: store it as the new last used step.  Anything else - wrong,
 * replayed, too old, not six ASCII digits - is ERR_TOTP, and *used_step is
 * left alone.  The candidates are compared in constant time and all of
 * them every time.
 */
int totp_verify(const unsigned char *secret, size_t len, struct str code,
    int64_t now, int64_t last_used_step, int64_t *used_step);

#endif
