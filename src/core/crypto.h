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

/* Passwords: argon2id, t=2, 19 MiB, p=1, in libsodium's encoded form
 * ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"), appended to encoded.
 * ERR_INVAL when len > LIMIT_PASSWORD_MAX, ERR_CRYPTO when the memory for
 * the hash could not be had. */
int crypto_password_hash(const char *pw, size_t len, struct buf *encoded);
/* 0 when it matches, ERR_LOGIN when not (also for a malformed encoding or
 * a password longer than LIMIT_PASSWORD_MAX). */
int crypto_password_verify(const char *encoded, const char *pw, size_t len);
/* Does the stored hash use weaker parameters than the current ones?  True
 * as well for any other algorithm than argon2id, for parameters that merely
 * differ, and for an encoding that cannot be read: re-hash on next log-in. */
bool crypto_password_needs_rehash(const char *encoded);

/* A new random token as URL-safe base64 without padding (43 chars),
 * appended to out. */
void crypto_token(struct buf *out);
/* SHA-256 of bytes, as raw bytes. */
void crypto_sha256(const void *p, size_t len, unsigned char out[CRYPTO_HASHBYTES]);
/* SHA-256 as lower-case hex (64 chars) appended to out. */
void crypto_sha256_hex(const void *p, size_t len, struct buf *out);
bool crypto_equal(const void *a, const void *b, size_t len);
void crypto_random(void *p, size_t len);
/* Uniform in [0, upper). */
uint32_t crypto_random_uniform(uint32_t upper);

/* Secret-key sealing with XChaCha20-Poly1305 (libsodium's
 * crypto_aead_xchacha20poly1305_ietf, random 24-byte nonce): out gets
 * nonce || ciphertext+tag appended. */
void crypto_seal(const unsigned char key[CRYPTO_KEYBYTES], const void *p,
    size_t len, struct buf *out);
/* ERR_CRYPTO when the box was tampered with or the key is wrong; the
 * plaintext is appended to out only on success. */
int crypto_open(const unsigned char key[CRYPTO_KEYBYTES], const void *box,
    size_t len, struct buf *out);
/* The same with additional data that is authenticated but not stored in
 * the box: a box opens only with the same ad it was sealed with.  The
 * keyring binds each box to its organisation and key version this way, so
 * a box copied into another organisation's row does not open. */
void crypto_seal_ad(const unsigned char key[CRYPTO_KEYBYTES], const void *p,
    size_t len, const void *ad, size_t adlen, struct buf *out);
int crypto_open_ad(const unsigned char key[CRYPTO_KEYBYTES], const void *box,
    size_t len, const void *ad, size_t adlen, struct buf *out);
/* Overhead crypto_seal adds to a plaintext (nonce + tag = 40 bytes). */
size_t crypto_seal_overhead(void);
#define CRYPTO_SEAL_OVERHEAD 40

/* Master key file: read it, or create it (mode 0600, refusing to use a file
 * that is readable by group or others) when it does not exist.
 * The file holds exactly CRYPTO_KEYBYTES raw bytes.  Creation writes a
 * temporary file (O_CREAT|O_EXCL) and links it into place only if the name
 * is still free, and fsyncs the file and its folder before returning, so a
 * key that encrypted anything is on disk.  ERR_CRYPTO for a file that is
 * not a regular file, has group/other permission bits or a wrong size;
 * ERR_IO when the system refuses. */
int crypto_master_load(const char *path, unsigned char key[CRYPTO_KEYBYTES]);
/* Like crypto_master_load, without creating: ERR_NOTFOUND when absent. */
int crypto_master_read(const char *path, unsigned char key[CRYPTO_KEYBYTES]);
/* Write a new master key to path atomically (temp file + rename), with
 * fsync of the file and of its folder. */
int crypto_master_write(const char *path, const unsigned char key[CRYPTO_KEYBYTES]);
/* Rename the key file from over to (atomically) and fsync the folder, so
 * the rename survives a crash.  Both must be in the same folder. */
int crypto_master_replace(const char *from, const char *to);
void crypto_new_key(unsigned char key[CRYPTO_KEYBYTES]);
void crypto_wipe(void *p, size_t len);

/* Base64 (URL-safe, no padding), appended to out.  Decoding is strict
 * (no padding, no white space, no stray bits): ERR_PARSE otherwise, and out
 * is left as it was. */
void crypto_b64_encode(const void *p, size_t len, struct buf *out);
int crypto_b64_decode(struct str s, struct buf *out);
/* Base64 as MIME wants it (RFC 2045: '+', '/', '=' padding), appended to
 * out; for e-mail headers (RFC 2047) and bodies. */
void crypto_b64_encode_mime(const void *p, size_t len, struct buf *out);

#endif
