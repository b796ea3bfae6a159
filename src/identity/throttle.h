/*
 * throttle.h - counting failed attempts (log-in, two-factor codes,
 * password checks at invitation) in the database, so every node agrees.
 * Internal to src/identity.
 *
 * Each attempt is recorded *before* the secret is checked (pessimistic):
 * parallel guesses therefore see each other and cannot all slip through
 * the same gap.  A success removes the bucket's rows and the attempt's own
 * address row; a failure leaves them, and they age out after the window.
 *
 * The rules, for a bucket with n failures in the last THROTTLE_WINDOW:
 *   - n >= limit: refused (ERR_THROTTLED) until the oldest one ages out;
 *   - n >= LIMIT_LOGIN_FREE_FAILS: the next attempt must come at least
 *     throttle_delay_ms(n) after the last one, else ERR_THROTTLED with the
 *     time still to wait;
 * and for the address bucket ('addr:<address>', shared by every account)
 * at most LIMIT_LOGIN_FAILS_ADDR_HOUR failures in the window.
 *
 * Tables: login_attempts (identity's; see identity.h).
 */
#ifndef INFUUS_THROTTLE_H
#define INFUUS_THROTTLE_H

#include <stdint.h>
#include <time.h>

struct db;

#define THROTTLE_WINDOW 3600
/* The base and the cap of the growing delay. */
#define THROTTLE_DELAY_BASE_MS 250
#define THROTTLE_DELAY_MAX_MS 30000

struct throttle {
	int64_t fails;    /* failures of the bucket before this attempt */
	int64_t addr_row; /* this attempt's address row, 0 when none */
};

/* The wait owed after `fails` failures: 0 below LIMIT_LOGIN_FREE_FAILS,
 * then 250 ms * 2^(fails - free), at most 30 s. */
int throttle_delay_ms(int64_t fails);

/*
 * Record an attempt on bucket (and on 'addr:<addr>' when addr is neither
 * NULL nor empty) unless it is over a limit: then ERR_THROTTLED and
 * *delay_ms gets the milliseconds until an attempt may succeed in being
 * heard.  limit is the bucket's hourly limit.
 */
int throttle_begin(struct db *db, const char *bucket, int limit,
    const char *addr, time_t now, struct throttle *t, int *delay_ms);
/* The attempt succeeded: forget the bucket's failures and this attempt's
 * address row. */
int throttle_succeed(struct db *db, const char *bucket,
    const struct throttle *t);

#endif
