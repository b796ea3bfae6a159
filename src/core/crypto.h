/*
 * crypto.h - libsodium behind the few operations Infuus needs.
 *
 * Passwords: argon2id (t >= 2, 19 MiB, p = 1), encoded strings.
 * Tokens: random, URL-safe base64, compared in constant time; only their
 * SHA-256 hash is ever stored, so a stolen database holds no usable token.
 * Encryption at rest: a master key file (0600) made on first run wraps one
 * data key per organisation (XChaCha20-Poly1305 secretbox); client texts are
 * sealed with the organisation's data key.  Key rotation makes a new master
 * key and re-wraps every data key; data keys themselves do not change, so
 * rotation is cheap and does not touch the sealed rows.
 */
#ifndef INFUUS_CRYPTO_H
#define INFUUS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define CRYPTO_KEYBYTES 32
#define CRYPTO_TOKEN_BYTES 32  /* random bytes in a token */
#define CRYPTO_HASHBYTES 32    /* SHA-256 of a token */

/* Once at start-up, before threads. Returns 0 or ERR_CRYPTO. */
int crypto_init(void);

/* Passwords: argon2id, t=2, 19 MiB, p=1, in libsodium's encoded form. */
int crypto_password_hash(const char *pw, size_t len, struct buf *encoded);
/* 0 when it matches, ERR_LOGIN when not. */
int crypto_password_verify(const char *encoded, const char *pw, size_t len);
/* Does the stored hash use weaker parameters than the current ones? */
bool crypto_password_needs_rehash(const char *encoded);

/* A new random token as URL-safe base64 without padding (43 chars). */
void crypto_token(struct buf *out);
/* SHA-256 of bytes, as raw bytes. */
void crypto_sha256(const void *p, size_t len, unsigned char out[CRYPTO_HASHBYTES]);
/* SHA-256 as lower-case hex (64 chars) appended to out. */
void crypto_sha256_hex(const void *p, size_t len, struct buf *out);
bool crypto_equal(const void *a, const void *b, size_t len);
void crypto_random(void *p, size_t len);
/* Uniform in [0, upper). */
uint32_t crypto_random_uniform(uint32_t upper);

/* Secret-key sealing: out = nonce || ciphertext+tag. */
void crypto_seal(const unsigned char key[CRYPTO_KEYBYTES], const void *p,
    size_t len, struct buf *out);
/* ERR_CRYPTO when the box was tampered with or the key is wrong. */
int crypto_open(const unsigned char key[CRYPTO_KEYBYTES], const void *box,
    size_t len, struct buf *out);
/* Overhead crypto_seal adds to a plaintext. */
size_t crypto_seal_overhead(void);

/* Master key file: read it, or create it (mode 0600, refusing to use a file
 * that is readable by group or others) when it does not exist. */
int crypto_master_load(const char *path, unsigned char key[CRYPTO_KEYBYTES]);
/* Write a new master key to path atomically (temp file + rename). */
int crypto_master_write(const char *path, const unsigned char key[CRYPTO_KEYBYTES]);
void crypto_new_key(unsigned char key[CRYPTO_KEYBYTES]);
void crypto_wipe(void *p, size_t len);

/* Base64 (URL-safe, no padding) and hex helpers. */
void crypto_b64_encode(const void *p, size_t len, struct buf *out);
int crypto_b64_decode(struct str s, struct buf *out);

#endif
