/*
 * test_crypto.c - passwords, tokens, hashes, sealing, the master key file
 * and base64, against known vectors and round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/limits.h"

static void
password_hash_round_trip_and_wrong_password(void **state)
{
	struct buf h = BUF_INIT;
	const char *pw = "correct horse battery staple";

	(void)state;
	assert_int_equal(crypto_password_hash(pw, strlen(pw), &h), 0);
	assert_int_equal(crypto_password_verify(h.p, pw, strlen(pw)), 0);
	assert_int_equal(crypto_password_verify(h.p, "correct horse battery stapl",
	    strlen(pw) - 1), ERR_LOGIN);
	assert_int_equal(crypto_password_verify(h.p, "Correct horse battery staple",
	    strlen(pw)), ERR_LOGIN);
	assert_int_equal(crypto_password_verify("$argon2id$garbage", pw,
	    strlen(pw)), ERR_LOGIN);
	assert_int_equal(crypto_password_verify("", pw, strlen(pw)), ERR_LOGIN);
	buf_release(&h);
}

static void
password_hash_is_argon2id_with_owasp_cost(void **state)
{
	struct buf h = BUF_INIT, h2 = BUF_INIT;
	unsigned v = 0, m = 0, t = 0, p = 0;

	(void)state;
	assert_int_equal(crypto_password_hash("pw", 2, &h), 0);
	assert_true(strncmp(h.p, "$argon2id$", 10) == 0);
	assert_int_equal(sscanf(h.p, "$argon2id$v=%u$m=%u,t=%u,p=%u$", &v, &m, &t,
	    &p), 4);
	assert_int_equal(v, 19);
	assert_true(m >= 19456);
	assert_true(t >= 2);
	assert_int_equal(p, 1);
	/* A fresh salt each time: the same password never hashes alike. */
	assert_int_equal(crypto_password_hash("pw", 2, &h2), 0);
	assert_string_not_equal(h.p, h2.p);
	assert_false(crypto_password_needs_rehash(h.p));
	buf_release(&h);
	buf_release(&h2);
}

static void
password_rehash_wanted_for_argon2i_weaker_or_unreadable(void **state)
{
	char out[crypto_pwhash_STRBYTES];

	(void)state;
	/* argon2i needs t >= 3 in libsodium. */
	assert_int_equal(crypto_pwhash_str_alg(out, "pw", 2, 3,
	    19 * 1024 * 1024, crypto_pwhash_ALG_ARGON2I13), 0);
	assert_true(crypto_password_needs_rehash(out));
	assert_int_equal(crypto_password_verify(out, "pw", 2), 0);
	assert_int_equal(crypto_pwhash_str_alg(out, "pw", 2, 1,
	    8 * 1024 * 1024, crypto_pwhash_ALG_ARGON2ID13), 0);
	assert_true(crypto_password_needs_rehash(out));
	assert_true(crypto_password_needs_rehash("$2y$10$bcrypt"));
	assert_true(crypto_password_needs_rehash(""));
}

static void
password_longer_than_limit_is_refused(void **state)
{
	char *pw = malloc(LIMIT_PASSWORD_MAX + 1);
	struct buf h = BUF_INIT;

	(void)state;
	memset(pw, 'a', LIMIT_PASSWORD_MAX + 1);
	assert_int_equal(crypto_password_hash(pw, LIMIT_PASSWORD_MAX + 1, &h),
	    ERR_INVAL);
	assert_int_equal(h.len, 0);
	assert_int_equal(crypto_password_hash(pw, LIMIT_PASSWORD_MAX, &h), 0);
	assert_int_equal(crypto_password_verify(h.p, pw, LIMIT_PASSWORD_MAX), 0);
	assert_int_equal(crypto_password_verify(h.p, pw, LIMIT_PASSWORD_MAX + 1),
	    ERR_LOGIN);
	buf_release(&h);
	free(pw);
}

static void
seal_open_round_trip(void **state)
{
	unsigned char key[CRYPTO_KEYBYTES];
	struct buf box = BUF_INIT, plain = BUF_INIT;
	unsigned char msg[300];
	size_t lens[] = { 0, 1, 15, 16, 17, 255, 300 };
	size_t i;

	(void)state;
	crypto_new_key(key);
	crypto_random(msg, sizeof(msg));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		buf_reset(&box);
		buf_reset(&plain);
		crypto_seal(key, msg, lens[i], &box);
		assert_int_equal(box.len, lens[i] + crypto_seal_overhead());
		assert_int_equal(crypto_open(key, box.p, box.len, &plain), 0);
		assert_int_equal(plain.len, lens[i]);
		if (lens[i])
			assert_memory_equal(plain.p, msg, lens[i]);
	}
	/* Two seals of the same text differ (random nonce). */
	buf_reset(&box);
	crypto_seal(key, "same", 4, &box);
	buf_reset(&plain);
	crypto_seal(key, "same", 4, &plain);
	assert_memory_not_equal(box.p, plain.p, box.len);
	/* Sealing appends: what was in out stays in front. */
	buf_reset(&box);
	buf_adds(&box, "hdr");
	crypto_seal(key, "x", 1, &box);
	assert_int_equal(box.len, 3 + 1 + CRYPTO_SEAL_OVERHEAD);
	assert_memory_equal(box.p, "hdr", 3);
	buf_reset(&plain);
	assert_int_equal(crypto_open(key, box.p + 3, box.len - 3, &plain), 0);
	assert_string_equal(plain.p, "x");
	buf_release(&box);
	buf_release(&plain);
}

static void
open_detects_every_tampered_byte(void **state)
{
	unsigned char key[CRYPTO_KEYBYTES];
	struct buf box = BUF_INIT, plain = BUF_INIT;
	size_t i;

	(void)state;
	crypto_new_key(key);
	crypto_seal(key, "client text", 11, &box);
	for (i = 0; i < box.len; i++) {
		box.p[i] ^= 0x01;
		buf_reset(&plain);
		assert_int_equal(crypto_open(key, box.p, box.len, &plain),
		    ERR_CRYPTO);
		assert_int_equal(plain.len, 0);
		box.p[i] ^= 0x01;
	}
	assert_int_equal(crypto_open(key, box.p, box.len - 1, &plain), ERR_CRYPTO);
	assert_int_equal(crypto_open(key, box.p, 10, &plain), ERR_CRYPTO);
	assert_int_equal(crypto_open(key, box.p, 0, &plain), ERR_CRYPTO);
	assert_int_equal(crypto_open(key, box.p, box.len, &plain), 0);
	assert_string_equal(plain.p, "client text");
	buf_release(&box);
	buf_release(&plain);
}

static void
open_with_wrong_key_fails(void **state)
{
	unsigned char k1[CRYPTO_KEYBYTES], k2[CRYPTO_KEYBYTES];
	struct buf box = BUF_INIT, plain = BUF_INIT;

	(void)state;
	crypto_new_key(k1);
	crypto_new_key(k2);
	assert_memory_not_equal(k1, k2, sizeof(k1));
	crypto_seal(k1, "secret", 6, &box);
	assert_int_equal(crypto_open(k2, box.p, box.len, &plain), ERR_CRYPTO);
	assert_int_equal(plain.len, 0);
	buf_release(&box);
	buf_release(&plain);
}

static void
sealed_ad_must_match_to_open(void **state)
{
	unsigned char key[CRYPTO_KEYBYTES];
	struct buf box = BUF_INIT, plain = BUF_INIT;

	(void)state;
	crypto_new_key(key);
	crypto_seal_ad(key, "text", 4, "org:1", 5, &box);
	assert_int_equal(crypto_open_ad(key, box.p, box.len, "org:2", 5, &plain),
	    ERR_CRYPTO);
	assert_int_equal(crypto_open(key, box.p, box.len, &plain), ERR_CRYPTO);
	assert_int_equal(crypto_open_ad(key, box.p, box.len, "org:1", 5, &plain),
	    0);
	assert_string_equal(plain.p, "text");
	buf_release(&box);
	buf_release(&plain);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
tokens_are_43_urlsafe_chars_and_unique(void **state)
{
	enum { N = 2000 };
	char **toks = calloc(N, sizeof(char *));
	struct buf t = BUF_INIT, raw = BUF_INIT;
	size_t i, j;

	(void)state;
	for (i = 0; i < N; i++) {
		buf_reset(&t);
		crypto_token(&t);
		assert_int_equal(t.len, 43);
		for (j = 0; j < t.len; j++) {
			char c = t.p[j];
			assert_true((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_');
		}
		buf_reset(&raw);
		assert_int_equal(crypto_b64_decode(buf_str(&t), &raw), 0);
		assert_int_equal(raw.len, CRYPTO_TOKEN_BYTES);
		toks[i] = strdup(t.p);
	}
	qsort(toks, N, sizeof(char *), cmp_str);
	for (i = 1; i < N; i++)
		assert_string_not_equal(toks[i - 1], toks[i]);
	for (i = 0; i < N; i++)
		free(toks[i]);
	free(toks);
	buf_release(&t);
	buf_release(&raw);
}

static void
sha256_matches_known_vectors(void **state)
{
	struct buf h = BUF_INIT;
	unsigned char raw[CRYPTO_HASHBYTES];
	static const unsigned char abc[CRYPTO_HASHBYTES] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};

	(void)state;
	crypto_sha256("abc", 3, raw);
	assert_memory_equal(raw, abc, sizeof(abc));
	crypto_sha256_hex("abc", 3, &h);
	assert_string_equal(h.p,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	buf_reset(&h);
	crypto_sha256_hex("", 0, &h);
	assert_string_equal(h.p,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	buf_reset(&h);
	crypto_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, &h);
	assert_string_equal(h.p,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	buf_release(&h);
}

static void
equal_compares_all_bytes(void **state)
{
	unsigned char a[32], b[32];

	(void)state;
	crypto_random(a, sizeof(a));
	memcpy(b, a, sizeof(a));
	assert_true(crypto_equal(a, b, sizeof(a)));
	b[31] ^= 0x80;
	assert_false(crypto_equal(a, b, sizeof(a)));
	b[31] ^= 0x80;
	b[0] ^= 0x01;
	assert_false(crypto_equal(a, b, sizeof(a)));
}

static void
random_uniform_stays_below_upper_and_covers_it(void **state)
{
	int seen[7] = { 0 };
	int i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		uint32_t v = crypto_random_uniform(7);
		assert_true(v < 7);
		seen[v]++;
	}
	for (i = 0; i < 7; i++)
		assert_true(seen[i] > 0);
	assert_int_equal(crypto_random_uniform(1), 0);
}

/* --- Master key file ---------------------------------------------------- */

struct tmpdir {
	char path[64];
};

static void
tmpdir_make(struct tmpdir *d)
{
	snprintf(d->path, sizeof(d->path), "/tmp/infuus-crypto-XXXXXX");
	assert_non_null(mkdtemp(d->path));
}

static int
tmpdir_count(const struct tmpdir *d)
{
	DIR *dir = opendir(d->path);
	struct dirent *e;
	int n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dir);
	return n;
}

static void
tmpdir_remove(struct tmpdir *d)
{
	DIR *dir = opendir(d->path);
	struct dirent *e;
	char p[384];

	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", d->path, e->d_name);
		unlink(p);
	}
	closedir(dir);
	rmdir(d->path);
}

static void
master_key_is_created_0600_and_reloads_equal(void **state)
{
	struct tmpdir d;
	char path[128];
	unsigned char k1[CRYPTO_KEYBYTES], k2[CRYPTO_KEYBYTES], zero[CRYPTO_KEYBYTES];
	struct stat st;

	(void)state;
	tmpdir_make(&d);
	snprintf(path, sizeof(path), "%s/master.key", d.path);
	assert_int_equal(crypto_master_read(path, k1), ERR_NOTFOUND);
	assert_int_equal(crypto_master_load(path, k1), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, CRYPTO_KEYBYTES);
	memset(zero, 0, sizeof(zero));
	assert_memory_not_equal(k1, zero, sizeof(zero));
	assert_int_equal(crypto_master_load(path, k2), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
	memset(k2, 0, sizeof(k2));
	assert_int_equal(crypto_master_read(path, k2), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
	tmpdir_remove(&d);
}

struct loader {
	const char *path;
	unsigned char key[CRYPTO_KEYBYTES];
	int rc;
};

static void *
loader_run(void *arg)
{
	struct loader *l = arg;

	l->rc = crypto_master_load(l->path, l->key);
	return NULL;
}

static void
master_key_is_made_once_when_processes_start_together(void **state)
{
	struct tmpdir d;
	char path[128];
	struct loader l[8];
	pthread_t t[8];
	int i;

	(void)state;
	tmpdir_make(&d);
	snprintf(path, sizeof(path), "%s/master.key", d.path);
	for (i = 0; i < 8; i++) {
		l[i].path = path;
		assert_int_equal(pthread_create(&t[i], NULL, loader_run, &l[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(l[i].rc, 0);
		assert_memory_equal(l[i].key, l[0].key, CRYPTO_KEYBYTES);
	}
	/* Only the key file is left: no temporary files. */
	assert_int_equal(tmpdir_count(&d), 1);
	tmpdir_remove(&d);
}

static void
master_key_refused_when_group_or_other_can_access(void **state)
{
	struct tmpdir d;
	char path[128];
	unsigned char k[CRYPTO_KEYBYTES];
	mode_t modes[] = { 0644, 0640, 0604, 0620, 0602 };
	size_t i;

	(void)state;
	tmpdir_make(&d);
	snprintf(path, sizeof(path), "%s/master.key", d.path);
	assert_int_equal(crypto_master_load(path, k), 0);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(path, modes[i]), 0);
		assert_int_equal(crypto_master_load(path, k), ERR_CRYPTO);
		assert_int_equal(crypto_master_read(path, k), ERR_CRYPTO);
	}
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(crypto_master_load(path, k), 0);
	tmpdir_remove(&d);
}

static void
master_key_of_wrong_size_or_kind_is_refused(void **state)
{
	struct tmpdir d;
	char path[128];
	unsigned char k[CRYPTO_KEYBYTES];
	FILE *f;

	(void)state;
	tmpdir_make(&d);
	snprintf(path, sizeof(path), "%s/short.key", d.path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("too short", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(crypto_master_load(path, k), ERR_CRYPTO);
	/* A folder where the file should be. */
	snprintf(path, sizeof(path), "%s/dir.key", d.path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(crypto_master_load(path, k), ERR_CRYPTO);
	rmdir(path);
	tmpdir_remove(&d);
}

static void
master_write_replaces_the_file_atomically(void **state)
{
	struct tmpdir d;
	char path[128];
	unsigned char k1[CRYPTO_KEYBYTES], k2[CRYPTO_KEYBYTES], k3[CRYPTO_KEYBYTES];
	struct stat st;

	(void)state;
	tmpdir_make(&d);
	snprintf(path, sizeof(path), "%s/master.key", d.path);
	assert_int_equal(crypto_master_load(path, k1), 0);
	crypto_new_key(k2);
	assert_int_equal(crypto_master_write(path, k2), 0);
	assert_int_equal(crypto_master_load(path, k3), 0);
	assert_memory_equal(k2, k3, sizeof(k2));
	assert_memory_not_equal(k1, k3, sizeof(k1));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* No temporary file is left behind. */
	assert_int_equal(tmpdir_count(&d), 1);
	/* Writing into a folder that does not exist fails cleanly. */
	snprintf(path, sizeof(path), "%s/nope/master.key", d.path);
	assert_int_equal(crypto_master_write(path, k2), ERR_IO);
	tmpdir_remove(&d);
}

/* --- Base64 ------------------------------------------------------------- */

static void
b64_matches_rfc4648_vectors_urlsafe_unpadded(void **state)
{
	static const struct {
		const char *raw, *enc;
	} v[] = {
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy" }, { "\xfb\xff", "-_8" },
		{ "\xff\xfe\xfd", "__79" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		buf_reset(&b);
		crypto_b64_encode(v[i].raw, strlen(v[i].raw), &b);
		assert_string_equal(b.p, v[i].enc);
		buf_reset(&b);
		assert_int_equal(crypto_b64_decode(str_c(v[i].enc), &b), 0);
		assert_int_equal(b.len, strlen(v[i].raw));
		assert_memory_equal(b.p, v[i].raw, b.len);
	}
	buf_release(&b);
}

static void
b64_mime_uses_standard_alphabet_with_padding(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	crypto_b64_encode_mime("foob", 4, &b);
	assert_string_equal(b.p, "Zm9vYg==");
	buf_reset(&b);
	crypto_b64_encode_mime("\xfb\xff", 2, &b);
	assert_string_equal(b.p, "+/8=");
	buf_reset(&b);
	crypto_b64_encode_mime("", 0, &b);
	assert_string_equal(b.p, "");
	buf_release(&b);
}

static void
b64_round_trips_every_length(void **state)
{
	unsigned char raw[100];
	struct buf enc = BUF_INIT, dec = BUF_INIT;
	size_t n;

	(void)state;
	crypto_random(raw, sizeof(raw));
	for (n = 0; n <= sizeof(raw); n++) {
		buf_reset(&enc);
		buf_reset(&dec);
		crypto_b64_encode(raw, n, &enc);
		assert_int_equal(enc.len, (n * 4 + 2) / 3);
		assert_int_equal(crypto_b64_decode(buf_str(&enc), &dec), 0);
		assert_int_equal(dec.len, n);
		if (n)
			assert_memory_equal(dec.p, raw, n);
	}
	buf_release(&enc);
	buf_release(&dec);
}

static void
b64_decode_is_strict(void **state)
{
	const char *bad[] = {
		"Zg==",     /* padding */
		"Zm9v+g",   /* standard alphabet */
		"Zm9v/g",
		"Zm 9v",    /* white space */
		"Z",        /* impossible length */
		"Zh",       /* stray low bits */
		"Zm9v\n",
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	buf_adds(&b, "keep");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(crypto_b64_decode(str_c(bad[i]), &b), ERR_PARSE);
		assert_string_equal(b.p, "keep");
	}
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(password_hash_round_trip_and_wrong_password),
		cmocka_unit_test(password_hash_is_argon2id_with_owasp_cost),
		cmocka_unit_test(password_rehash_wanted_for_argon2i_weaker_or_unreadable),
		cmocka_unit_test(password_longer_than_limit_is_refused),
		cmocka_unit_test(seal_open_round_trip),
		cmocka_unit_test(open_detects_every_tampered_byte),
		cmocka_unit_test(open_with_wrong_key_fails),
		cmocka_unit_test(sealed_ad_must_match_to_open),
		cmocka_unit_test(tokens_are_43_urlsafe_chars_and_unique),
		cmocka_unit_test(sha256_matches_known_vectors),
		cmocka_unit_test(equal_compares_all_bytes),
		cmocka_unit_test(random_uniform_stays_below_upper_and_covers_it),
		cmocka_unit_test(master_key_is_created_0600_and_reloads_equal),
		cmocka_unit_test(master_key_is_made_once_when_processes_start_together),
		cmocka_unit_test(master_key_refused_when_group_or_other_can_access),
		cmocka_unit_test(master_key_of_wrong_size_or_kind_is_refused),
		cmocka_unit_test(master_write_replaces_the_file_atomically),
		cmocka_unit_test(b64_matches_rfc4648_vectors_urlsafe_unpadded),
		cmocka_unit_test(b64_mime_uses_standard_alphabet_with_padding),
		cmocka_unit_test(b64_round_trips_every_length),
		cmocka_unit_test(b64_decode_is_strict),
	};

	if (crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
}
