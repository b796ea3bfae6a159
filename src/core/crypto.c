/*
 * crypto.c - libsodium behind the few operations Infuus needs.
 *
 * Owns nothing long-lived: every function works on what the caller passes.
 *
 * Choices, and why:
 *   - Passwords: argon2id with t=2 and 19 MiB (OWASP's minimum for
 *     argon2id), p=1 (libsodium is single-threaded per hash).  Verifying
 *     costs the same 19 MiB, so the log-in limits in limits.h bound it.
 *   - Sealing: crypto_aead_xchacha20poly1305_ietf rather than
 *     crypto_secretbox_xchacha20poly1305.  Both are XChaCha20-Poly1305 with a
 *     random 24-byte nonce (random nonces of that size never collide in
 *     practice, so no nonce counter needs to be kept across nodes); the AEAD
 *     form adds authenticated additional data, which the keyring uses to
 *     bind a box to its organisation and key version.  The layout is
 *     nonce || ciphertext || tag, 40 bytes more than the plaintext.
 *   - The master key file is raw bytes, nothing to parse.  It is created
 *     as a temporary file (O_CREAT|O_EXCL, 0600), fsynced, then published
 *     with link(), which fails if the name exists: two processes starting
 *     at once cannot both make a key, nor read one half written.  The
 *     folder is fsynced before the key is used; a file other users could read
 *     is refused rather than "fixed", because then the key may already be
 *     known to someone else and an operator must decide.
 *
 * Caveat: crypto_init must run once before threads start (sodium_init is
 * not safe to race).
 */
#include "core/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "core/banned.h"

/* The current password cost; a stored hash with other values is re-hashed. */
#define PW_OPSLIMIT 2ULL
#define PW_MEMLIMIT ((size_t)19 * 1024 * 1024)

_Static_assert(CRYPTO_KEYBYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
    "key size");
_Static_assert(CRYPTO_HASHBYTES == crypto_hash_sha256_BYTES, "hash size");
_Static_assert(CRYPTO_SEAL_OVERHEAD ==
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
    crypto_aead_xchacha20poly1305_ietf_ABYTES, "seal overhead");

int
crypto_init(void)
{
	if (sodium_init() < 0)
		return ERR_CRYPTO;
	return 0;
}

/* --- Passwords ---------------------------------------------------------- */

int
crypto_password_hash(const char *pw, size_t len, struct buf *encoded)
{
	char out[crypto_pwhash_STRBYTES];

	if (len > LIMIT_PASSWORD_MAX)
		return ERR_INVAL;
	if (crypto_pwhash_str_alg(out, pw, len, PW_OPSLIMIT, PW_MEMLIMIT,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		log_err("crypto_pwhash_failed", "memlimit=%zu", PW_MEMLIMIT);
		return ERR_CRYPTO;
	}
	buf_adds(encoded, out);
	return 0;
}

int
crypto_password_verify(const char *encoded, const char *pw, size_t len)
{
	if (len > LIMIT_PASSWORD_MAX)
		return ERR_LOGIN;
	/* libsodium reads the string up to its NUL: bound it first. */
	if (strnlen(encoded, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
		return ERR_LOGIN;
	if (crypto_pwhash_str_verify(encoded, pw, len) != 0)
		return ERR_LOGIN;
	return 0;
}

bool
crypto_password_needs_rehash(const char *encoded)
{
	if (strnlen(encoded, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
		return true;
	/* crypto_pwhash_str_needs_rehash accepts argon2i with the same
	 * parameters; we want every hash moved to argon2id. */
	if (strncmp(encoded, crypto_pwhash_argon2id_STRPREFIX,
	    strlen(crypto_pwhash_argon2id_STRPREFIX)) != 0)
		return true;
	return crypto_pwhash_argon2id_str_needs_rehash(encoded, PW_OPSLIMIT,
	    PW_MEMLIMIT) != 0;
}

/* --- Tokens, hashes, randomness ----------------------------------------- */

void
crypto_token(struct buf *out)
{
	unsigned char raw[CRYPTO_TOKEN_BYTES];

	randombytes_buf(raw, sizeof(raw));
	crypto_b64_encode(raw, sizeof(raw), out);
	sodium_memzero(raw, sizeof(raw));
}

void
crypto_sha256(const void *p, size_t len, unsigned char out[CRYPTO_HASHBYTES])
{
	crypto_hash_sha256(out, p, len);
}

void
crypto_sha256_hex(const void *p, size_t len, struct buf *out)
{
	unsigned char h[CRYPTO_HASHBYTES];
	char hex[CRYPTO_HASHBYTES * 2 + 1];

	crypto_hash_sha256(h, p, len);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	buf_add(out, hex, CRYPTO_HASHBYTES * 2);
}

bool
crypto_equal(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}

void
crypto_random(void *p, size_t len)
{
	randombytes_buf(p, len);
}

uint32_t
crypto_random_uniform(uint32_t upper)
{
	ASSERT(upper > 0);
	return randombytes_uniform(upper);
}

void
crypto_new_key(unsigned char key[CRYPTO_KEYBYTES])
{
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
}

void
crypto_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}

/* --- Sealing ------------------------------------------------------------ */

void
crypto_seal_ad(const unsigned char key[CRYPTO_KEYBYTES], const void *p,
    size_t len, const void *ad, size_t adlen, struct buf *out)
{
	unsigned char *nonce, *c;
	unsigned long long clen;

	ASSERT(len <= crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX);
	buf_grow(out, st_add(len, CRYPTO_SEAL_OVERHEAD));
	nonce = (unsigned char *)out->p + out->len;
	c = nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(c, &clen, p, len, ad, adlen,
	    NULL, nonce, key);
	ASSERT(clen == len + crypto_aead_xchacha20poly1305_ietf_ABYTES);
	out->len += len + CRYPTO_SEAL_OVERHEAD;
	out->p[out->len] = '\0';
}

int
crypto_open_ad(const unsigned char key[CRYPTO_KEYBYTES], const void *box,
    size_t len, const void *ad, size_t adlen, struct buf *out)
{
	const unsigned char *nonce = box, *c;
	unsigned long long mlen;
	size_t clen;

	if (len < CRYPTO_SEAL_OVERHEAD)
		return ERR_CRYPTO;
	c = nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	clen = len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
	buf_grow(out, clen);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
	    (unsigned char *)out->p + out->len, &mlen, NULL, c, clen, ad, adlen,
	    nonce, key) != 0) {
		out->p[out->len] = '\0';
		return ERR_CRYPTO;
	}
	ASSERT(mlen == len - CRYPTO_SEAL_OVERHEAD);
	out->len += (size_t)mlen;
	out->p[out->len] = '\0';
	return 0;
}

void
crypto_seal(const unsigned char key[CRYPTO_KEYBYTES], const void *p,
    size_t len, struct buf *out)
{
	crypto_seal_ad(key, p, len, NULL, 0, out);
}

int
crypto_open(const unsigned char key[CRYPTO_KEYBYTES], const void *box,
    size_t len, struct buf *out)
{
	return crypto_open_ad(key, box, len, NULL, 0, out);
}

size_t
crypto_seal_overhead(void)
{
	return CRYPTO_SEAL_OVERHEAD;
}

/* --- Master key file ---------------------------------------------------- */

/* fsync the folder that holds path, so a new or renamed entry survives a
 * crash along with the file's content. */
static int
sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc = 0;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		log_err("master_key_sync", "dir=%s errno=%s", dir, strerror(errno));
		rc = ERR_IO;
	}
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ERR_IO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
read_key_fd(const char *path, int fd, unsigned char key[CRYPTO_KEYBYTES])
{
	struct stat st;
	size_t got = 0;

	if (fstat(fd, &st) != 0) {
		log_err("master_key_stat", "path=%s errno=%s", path,
		    strerror(errno));
		return ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		log_err("master_key_refused", "path=%s reason=not_a_file", path);
		return ERR_CRYPTO;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		log_err("master_key_refused", "path=%s mode=%04o "
		    "reason=group_or_other_access (chmod 600, and consider the "
		    "key exposed)", path, (unsigned)(st.st_mode & 07777));
		return ERR_CRYPTO;
	}
	if (st.st_size != CRYPTO_KEYBYTES) {
		log_err("master_key_refused", "path=%s size=%lld reason=size",
		    path, (long long)st.st_size);
		return ERR_CRYPTO;
	}
	while (got < CRYPTO_KEYBYTES) {
		ssize_t n = read(fd, key + got, CRYPTO_KEYBYTES - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sodium_memzero(key, CRYPTO_KEYBYTES);
			log_err("master_key_read", "path=%s", path);
			return ERR_IO;
		}
		got += (size_t)n;
	}
	return 0;
}

int
crypto_master_read(const char *path, unsigned char key[CRYPTO_KEYBYTES])
{
	int fd, rc;

	/* A symbolic link is followed (secret stores mount keys that way);
	 * the checks apply to the file it leads to. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return ERR_NOTFOUND;
		log_err("master_key_open", "path=%s errno=%s", path,
		    strerror(errno));
		return ERR_IO;
	}
	rc = read_key_fd(path, fd, key);
	close(fd);
	return rc;
}

/* Write key to a new temporary file next to path (mkostemp: O_CREAT|O_EXCL,
 * mode 0600) and fsync it; its name is left in tmp. */
static int
write_temp(const char *path, const unsigned char key[CRYPTO_KEYBYTES],
    struct buf *tmp)
{
	int fd, rc = 0;

	buf_printf(tmp, "%s.XXXXXX", path);
	fd = mkostemp(tmp->p, O_CLOEXEC);
	if (fd < 0) {
		log_err("master_key_write", "path=%s errno=%s", path,
		    strerror(errno));
		return ERR_IO;
	}
	/* The umask can only narrow 0600; make sure nothing widened it. */
	if (fchmod(fd, 0600) != 0 || write_all(fd, key, CRYPTO_KEYBYTES) != 0 ||
	    fsync(fd) != 0) {
		log_err("master_key_write", "path=%s errno=%s", path,
		    strerror(errno));
		rc = ERR_IO;
	}
	if (close(fd) != 0 && rc == 0)
		rc = ERR_IO;
	if (rc != 0)
		unlink(tmp->p);
	return rc;
}

/* Make a new key file at path; ERR_CONFLICT when one appeared meanwhile.
 * The key is written to a temporary file first and published with link(),
 * which fails when path exists: the file appears complete or not at all,
 * so a second process starting at the same moment never reads it half
 * written, and never replaces it. */
static int
create_key_file(const char *path, unsigned char key[CRYPTO_KEYBYTES])
{
	struct buf tmp = BUF_INIT;
	int rc;

	crypto_new_key(key);
	if ((rc = write_temp(path, key, &tmp)) != 0)
		goto out;
	if (link(tmp.p, path) != 0) {
		rc = errno == EEXIST ? ERR_CONFLICT : ERR_IO;
		if (rc == ERR_IO)
			log_err("master_key_create", "path=%s errno=%s", path,
			    strerror(errno));
	}
	unlink(tmp.p);
	if (rc == 0)
		rc = sync_parent(path);
	if (rc == 0)
		log_info("master_key_created", "path=%s", path);
out:
	if (rc != 0)
		sodium_memzero(key, CRYPTO_KEYBYTES);
	buf_release(&tmp);
	return rc;
}

int
crypto_master_load(const char *path, unsigned char key[CRYPTO_KEYBYTES])
{
	int rc;

	rc = crypto_master_read(path, key);
	if (rc != ERR_NOTFOUND)
		return rc;
	rc = create_key_file(path, key);
	if (rc == ERR_CONFLICT)
		/* Another process made it first: use theirs. */
		return crypto_master_read(path, key);
	return rc;
}

int
crypto_master_write(const char *path, const unsigned char key[CRYPTO_KEYBYTES])
{
	struct buf tmp = BUF_INIT;
	int rc;

	if ((rc = write_temp(path, key, &tmp)) != 0)
		goto out;
	if (rename(tmp.p, path) != 0) {
		log_err("master_key_rename", "path=%s errno=%s", path,
		    strerror(errno));
		unlink(tmp.p);
		rc = ERR_IO;
		goto out;
	}
	rc = sync_parent(path);
out:
	buf_release(&tmp);
	return rc;
}

int
crypto_master_replace(const char *from, const char *to)
{
	if (rename(from, to) != 0) {
		log_err("master_key_rename", "from=%s to=%s errno=%s", from, to,
		    strerror(errno));
		return ERR_IO;
	}
	return sync_parent(to);
}

/* --- Base64 ------------------------------------------------------------- */

static void
b64_encode(const void *p, size_t len, int variant, struct buf *out)
{
	size_t n = sodium_base64_ENCODED_LEN(len, variant);

	buf_grow(out, n);
	sodium_bin2base64(out->p + out->len, n, p, len, variant);
	/* n counts the NUL sodium writes. */
	out->len += n - 1;
	out->p[out->len] = '\0';
}

void
crypto_b64_encode(const void *p, size_t len, struct buf *out)
{
	b64_encode(p, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING, out);
}

void
crypto_b64_encode_mime(const void *p, size_t len, struct buf *out)
{
	b64_encode(p, len, sodium_base64_VARIANT_ORIGINAL, out);
}

int
crypto_b64_decode(struct str s, struct buf *out)
{
	size_t max = s.len / 4 * 3 + 3, got = 0;
	const char *end = NULL;

	buf_grow(out, max);
	if (s.len == 0)
		return 0;
	if (sodium_base642bin((unsigned char *)out->p + out->len, max, s.p,
	    s.len, NULL, &got, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != s.p + s.len) {
		out->p[out->len] = '\0';
		return ERR_PARSE;
	}
	out->len += got;
	out->p[out->len] = '\0';
	return 0;
}
