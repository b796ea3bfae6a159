/*
 * test_keyring.c - organisations' data keys wrapped by the master key:
 * sealing, per-organisation separation, key versions, reloading, master
 * key rotation and the recovery of a rotation that a crash interrupted.
 * Runs on SQLite always and on PostgreSQL too when INFUUS_TEST_PG holds a
 * URL (in a database of its own, made anew for each run).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "keys/keyring.h"
#include "store/db.h"
#include "testdb.h"

#define TEST_NAME "keyring"

struct fx {
	struct testdb *g;
	struct db *db;
	struct keyring *kr;
	char key[128];     /* the master key file */
	char key_new[128]; /* its ".new" */
	char spare[128];   /* a copy or another key, per test */
};

/* --- Fixture ------------------------------------------------------------ */

static int
setup(void **state)
{
	struct testdb *g = *state;
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->g = g;
	fx->db = g->db;
	snprintf(fx->key, sizeof(fx->key), "%s/master.key", g->dir);
	snprintf(fx->key_new, sizeof(fx->key_new), "%s/master.key.new", g->dir);
	snprintf(fx->spare, sizeof(fx->spare), "%s/spare.key", g->dir);
	assert_int_equal(testdb_script(fx->db, "DELETE FROM org_keys"), 0);
	assert_int_equal(keyring_new(fx->key, &fx->kr), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	keyring_free(fx->kr);
	unlink(fx->key);
	unlink(fx->key_new);
	unlink(fx->spare);
	*state = fx->g;
	free(fx);
	return 0;
}

/* --- Helpers ------------------------------------------------------------ */

struct create_job {
	struct keyring *kr;
	int64_t org;
};

static int
create_run(struct db_conn *c, void *arg)
{
	struct create_job *j = arg;

	return keyring_create_org_key(j->kr, c, j->org);
}

static int
create_key(struct fx *fx, struct keyring *kr, int64_t org)
{
	struct create_job j = { kr, org };

	return db_write(fx->db, create_run, &j);
}

static int
seal(struct fx *fx, struct keyring *kr, int64_t org, const char *text,
    struct buf *out)
{
	struct db_conn *c;
	int rc;

	assert_int_equal(db_read_begin(fx->db, &c), 0);
	rc = keyring_seal(kr, c, org, text, strlen(text), out);
	db_read_end(fx->db, c);
	return rc;
}

static int
open_box(struct fx *fx, struct keyring *kr, int64_t org, const struct buf *box,
    struct buf *out)
{
	struct db_conn *c;
	int rc;

	assert_int_equal(db_read_begin(fx->db, &c), 0);
	rc = keyring_open(kr, c, org, box->p, box->len, out);
	db_read_end(fx->db, c);
	return rc;
}

static int
org_key(struct fx *fx, struct keyring *kr, int64_t org,
    unsigned char key[CRYPTO_KEYBYTES])
{
	struct db_conn *c;
	int rc;

	assert_int_equal(db_read_begin(fx->db, &c), 0);
	rc = keyring_org_key(kr, c, org, key);
	db_read_end(fx->db, c);
	return rc;
}

static int64_t
count_rows(struct fx *fx, int64_t org)
{
	return testdb_i64(fx->db, "SELECT COUNT(*) FROM org_keys "
	    "WHERE org_id = ?", 1, org, 0);
}

static void
assert_opens_to(struct fx *fx, struct keyring *kr, int64_t org,
    const struct buf *box, const char *want)
{
	struct buf plain = BUF_INIT;

	assert_int_equal(open_box(fx, kr, org, box, &plain), 0);
	assert_string_equal(plain.p, want);
	buf_release(&plain);
}

static void
assert_does_not_open(struct fx *fx, struct keyring *kr, int64_t org,
    const struct buf *box)
{
	struct buf plain = BUF_INIT;

	assert_int_equal(open_box(fx, kr, org, box, &plain), ERR_CRYPTO);
	assert_int_equal(plain.len, 0);
	buf_release(&plain);
}

static void
read_key_file(const char *path, unsigned char key[CRYPTO_KEYBYTES])
{
	assert_int_equal(crypto_master_read(path, key), 0);
}

static bool
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* --- Tests -------------------------------------------------------------- */

static void
seal_and_open_round_trip(void **state)
{
	struct fx *fx = *state;
	struct buf box = BUF_INIT;
	const char *text = "Ik merk dat ik 's nachts wakker lig van mijn werk.";

	assert_int_equal(create_key(fx, fx->kr, 1), 0);
	assert_int_equal(count_rows(fx, 1), 1);
	assert_int_equal(seal(fx, fx->kr, 1, text, &box), 0);
	assert_int_equal(box.len, strlen(text) + KEYRING_SEAL_OVERHEAD);
	assert_null(memmem(box.p, box.len, "wakker", 6));
	assert_opens_to(fx, fx->kr, 1, &box, text);
	/* An empty text seals too. */
	buf_reset(&box);
	assert_int_equal(seal(fx, fx->kr, 1, "", &box), 0);
	assert_opens_to(fx, fx->kr, 1, &box, "");
	buf_release(&box);
}

static void
organisation_without_key_is_notfound(void **state)
{
	struct fx *fx = *state;
	unsigned char key[CRYPTO_KEYBYTES];
	struct buf box = BUF_INIT;

	assert_int_equal(org_key(fx, fx->kr, 42, key), ERR_NOTFOUND);
	assert_int_equal(seal(fx, fx->kr, 42, "x", &box), ERR_NOTFOUND);
	assert_int_equal(box.len, 0);
	buf_release(&box);
}

static void
keys_differ_per_organisation_and_boxes_do_not_cross(void **state)
{
	struct fx *fx = *state;
	unsigned char k1[CRYPTO_KEYBYTES], k2[CRYPTO_KEYBYTES];
	struct buf box = BUF_INIT;

	assert_int_equal(create_key(fx, fx->kr, 1), 0);
	assert_int_equal(create_key(fx, fx->kr, 2), 0);
	assert_int_equal(org_key(fx, fx->kr, 1, k1), 0);
	assert_int_equal(org_key(fx, fx->kr, 2, k2), 0);
	assert_memory_not_equal(k1, k2, sizeof(k1));
	assert_int_equal(seal(fx, fx->kr, 1, "van organisatie 1", &box), 0);
	assert_does_not_open(fx, fx->kr, 2, &box);
	assert_does_not_open(fx, fx->kr, 3, &box);
	assert_opens_to(fx, fx->kr, 1, &box, "van organisatie 1");
	buf_release(&box);
}

static void
tampered_or_malformed_boxes_do_not_open(void **state)
{
	struct fx *fx = *state;
	struct buf box = BUF_INIT, bad = BUF_INIT;
	size_t i;

	assert_int_equal(create_key(fx, fx->kr, 1), 0);
	assert_int_equal(seal(fx, fx->kr, 1, "gevoelig", &box), 0);
	for (i = 0; i < box.len; i++) {
		buf_reset(&bad);
		buf_add(&bad, box.p, box.len);
		bad.p[i] ^= 0x20;
		assert_does_not_open(fx, fx->kr, 1, &bad);
	}
	/* A version that does not exist, a short box, nothing at all. */
	buf_reset(&bad);
	buf_add(&bad, box.p, box.len);
	bad.p[4] = 9;
	assert_does_not_open(fx, fx->kr, 1, &bad);
	buf_reset(&bad);
	buf_add(&bad, box.p, KEYRING_SEAL_OVERHEAD - 1);
	assert_does_not_open(fx, fx->kr, 1, &bad);
	buf_reset(&bad);
	assert_does_not_open(fx, fx->kr, 1, &bad);
	assert_opens_to(fx, fx->kr, 1, &box, "gevoelig");
	buf_release(&box);
	buf_release(&bad);
}

static void
fresh_keyring_with_same_master_opens_old_data(void **state)
{
	struct fx *fx = *state;
	struct keyring *kr2 = NULL;
	struct buf box = BUF_INIT;

	assert_int_equal(create_key(fx, fx->kr, 7), 0);
	assert_int_equal(seal(fx, fx->kr, 7, "eerder geschreven", &box), 0);
	assert_int_equal(keyring_new(fx->key, &kr2), 0);
	assert_opens_to(fx, kr2, 7, &box, "eerder geschreven");
	keyring_free(kr2);
	buf_release(&box);
}

static void
new_data_key_version_keeps_old_rows_readable(void **state)
{
	struct fx *fx = *state;
	struct buf v1 = BUF_INIT, v2 = BUF_INIT;
	unsigned char k1[CRYPTO_KEYBYTES], k2[CRYPTO_KEYBYTES];

	assert_int_equal(create_key(fx, fx->kr, 3), 0);
	assert_int_equal(org_key(fx, fx->kr, 3, k1), 0);
	assert_int_equal(seal(fx, fx->kr, 3, "met sleutel 1", &v1), 0);
	assert_int_equal(create_key(fx, fx->kr, 3), 0);
	assert_int_equal(count_rows(fx, 3), 2);
	assert_int_equal(org_key(fx, fx->kr, 3, k2), 0);
	assert_memory_not_equal(k1, k2, sizeof(k1));
	assert_int_equal(seal(fx, fx->kr, 3, "met sleutel 2", &v2), 0);
	/* The sealed form names its key version. */
	assert_int_equal((unsigned char)v1.p[4], 1);
	assert_int_equal((unsigned char)v2.p[4], 2);
	assert_opens_to(fx, fx->kr, 3, &v1, "met sleutel 1");
	assert_opens_to(fx, fx->kr, 3, &v2, "met sleutel 2");
	buf_release(&v1);
	buf_release(&v2);
}

static void
wrong_master_key_fails_cleanly(void **state)
{
	struct fx *fx = *state;
	struct keyring *other = NULL;
	unsigned char key[CRYPTO_KEYBYTES];
	struct buf box = BUF_INIT;

	assert_int_equal(create_key(fx, fx->kr, 1), 0);
	assert_int_equal(seal(fx, fx->kr, 1, "geheim", &box), 0);
	/* spare.key does not exist yet: a new, different master key. */
	assert_int_equal(keyring_new(fx->spare, &other), 0);
	assert_int_equal(org_key(fx, other, 1, key), ERR_CRYPTO);
	assert_does_not_open(fx, other, 1, &box);
	buf_reset(&box);
	assert_int_equal(seal(fx, other, 1, "x", &box), ERR_CRYPTO);
	assert_int_equal(box.len, 0);
	assert_int_equal(keyring_start(other, fx->db), ERR_CRYPTO);
	keyring_free(other);
	/* A master key file others can read is refused outright. */
	assert_int_equal(chmod(fx->spare, 0644), 0);
	assert_int_equal(keyring_new(fx->spare, &other), ERR_CRYPTO);
	assert_null(other);
	buf_release(&box);
}

static void
rotation_keeps_data_readable_and_retires_the_old_key(void **state)
{
	struct fx *fx = *state;
	struct keyring *fresh = NULL, *old = NULL;
	unsigned char before[CRYPTO_KEYBYTES], after[CRYPTO_KEYBYTES];
	unsigned char key[CRYPTO_KEYBYTES];
	struct buf b1 = BUF_INIT, b2 = BUF_INIT, b3 = BUF_INIT;

	assert_int_equal(create_key(fx, fx->kr, 1), 0);
	assert_int_equal(create_key(fx, fx->kr, 2), 0);
	assert_int_equal(create_key(fx, fx->kr, 2), 0);
	assert_int_equal(seal(fx, fx->kr, 1, "een", &b1), 0);
	assert_int_equal(seal(fx, fx->kr, 2, "twee", &b2), 0);
	read_key_file(fx->key, before);
	assert_int_equal(crypto_master_write(fx->spare, before), 0);

	assert_int_equal(keyring_rotate_master(fx->kr, fx->db, fx->key), 0);
	read_key_file(fx->key, after);
	assert_memory_not_equal(before, after, sizeof(before));
	assert_false(exists(fx->key_new));
	/* The rotated keyring, and one loaded afresh, read everything. */
	assert_opens_to(fx, fx->kr, 1, &b1, "een");
	assert_opens_to(fx, fx->kr, 2, &b2, "twee");
	assert_int_equal(keyring_new(fx->key, &fresh), 0);
	assert_opens_to(fx, fresh, 1, &b1, "een");
	assert_opens_to(fx, fresh, 2, &b2, "twee");
	assert_int_equal(keyring_start(fresh, fx->db), 0);
	/* Keys made after the rotation are wrapped with the new key. */
	assert_int_equal(create_key(fx, fx->kr, 5), 0);
	assert_int_equal(seal(fx, fx->kr, 5, "vijf", &b3), 0);
	assert_opens_to(fx, fresh, 5, &b3, "vijf");
	/* The old master key unwraps nothing any more. */
	assert_int_equal(keyring_new(fx->spare, &old), 0);
	assert_int_equal(org_key(fx, old, 1, key), ERR_CRYPTO);
	assert_int_equal(org_key(fx, old, 2, key), ERR_CRYPTO);
	assert_does_not_open(fx, old, 1, &b1);
	assert_int_equal(keyring_start(old, fx->db), ERR_CRYPTO);
	/* Twice in a row works too. */
	assert_int_equal(keyring_rotate_master(fx->kr, fx->db, fx->key), 0);
	assert_opens_to(fx, fx->kr, 2, &b2, "twee");
	/* Another process still holding the previous master key no longer
	 * unwraps: it must be restarted with the new file (keyring.h). */
	assert_int_equal(org_key(fx, fresh, 1, key), ERR_CRYPTO);
	keyring_free(fresh);
	assert_int_equal(keyring_new(fx->key, &fresh), 0);
	assert_opens_to(fx, fresh, 5, &b3, "vijf");
	assert_int_equal(keyring_rotate_master(fx->kr, fx->db, "/elsewhere/key"),
	    ERR_INVAL);
	keyring_free(fresh);
	keyring_free(old);
	buf_release(&b1);
	buf_release(&b2);
	buf_release(&b3);
}

/* A crash after the re-wrap committed, before the rename: the file still
 * holds the old key, ".new" the key the rows are wrapped with. */
static void
crash_after_rewrap_is_finished_at_start(void **state)
{
	struct fx *fx = *state;
	struct keyring *kr = NULL, *old = NULL;
	unsigned char k1[CRYPTO_KEYBYTES], k2[CRYPTO_KEYBYTES], k[CRYPTO_KEYBYTES];
	struct buf box = BUF_INIT;

	assert_int_equal(create_key(fx, fx->kr, 1), 0);
	assert_int_equal(seal(fx, fx->kr, 1, "na de crash", &box), 0);
	read_key_file(fx->key, k1);
	assert_int_equal(keyring_rotate_master(fx->kr, fx->db, fx->key), 0);
	read_key_file(fx->key, k2);
	/* Put the files back as the crash would have left them. */
	assert_int_equal(crypto_master_write(fx->key_new, k2), 0);
	assert_int_equal(crypto_master_write(fx->key, k1), 0);
	assert_int_equal(crypto_master_write(fx->spare, k1), 0);

	assert_int_equal(keyring_new(fx->key, &kr), 0);
	assert_opens_to(fx, kr, 1, &box, "na de crash");
	/* A key made before start-up finished is not lost either. */
	assert_int_equal(create_key(fx, kr, 2), 0);
	assert_int_equal(keyring_start(kr, fx->db), 0);
	read_key_file(fx->key, k);
	assert_memory_equal(k, k2, sizeof(k));
	assert_false(exists(fx->key_new));
	keyring_free(kr);
	assert_int_equal(keyring_new(fx->key, &kr), 0);
	assert_opens_to(fx, kr, 1, &box, "na de crash");
	assert_int_equal(org_key(fx, kr, 2, k), 0);
	assert_int_equal(keyring_start(kr, fx->db), 0);
	assert_int_equal(keyring_new(fx->spare, &old), 0);
	assert_int_equal(keyring_start(old, fx->db), ERR_CRYPTO);
	keyring_free(old);
	keyring_free(kr);
	buf_release(&box);
}

/* A crash after ".new" was written, before the re-wrap: the rows are still
 * wrapped with the key in the file. */
static void
crash_before_rewrap_is_finished_at_start(void **state)
{
	struct fx *fx = *state;
	struct keyring *kr = NULL, *old = NULL;
	unsigned char k1[CRYPTO_KEYBYTES], k3[CRYPTO_KEYBYTES], k[CRYPTO_KEYBYTES];
	struct buf box = BUF_INIT;

	assert_int_equal(create_key(fx, fx->kr, 1), 0);
	assert_int_equal(seal(fx, fx->kr, 1, "voor de crash", &box), 0);
	read_key_file(fx->key, k1);
	assert_int_equal(crypto_master_write(fx->spare, k1), 0);
	crypto_new_key(k3);
	assert_int_equal(crypto_master_write(fx->key_new, k3), 0);

	assert_int_equal(keyring_new(fx->key, &kr), 0);
	assert_opens_to(fx, kr, 1, &box, "voor de crash");
	assert_int_equal(create_key(fx, kr, 2), 0);
	assert_int_equal(keyring_start(kr, fx->db), 0);
	read_key_file(fx->key, k);
	assert_memory_equal(k, k3, sizeof(k));
	assert_false(exists(fx->key_new));
	assert_opens_to(fx, kr, 1, &box, "voor de crash");
	keyring_free(kr);
	assert_int_equal(keyring_new(fx->key, &kr), 0);
	assert_opens_to(fx, kr, 1, &box, "voor de crash");
	assert_int_equal(org_key(fx, kr, 2, k), 0);
	assert_int_equal(keyring_new(fx->spare, &old), 0);
	assert_int_equal(org_key(fx, old, 1, k), ERR_CRYPTO);
	keyring_free(old);
	keyring_free(kr);
	buf_release(&box);
}

static void
start_makes_the_system_key_once(void **state)
{
	struct fx *fx = *state;
	unsigned char key[CRYPTO_KEYBYTES];
	struct buf box = BUF_INIT;

	assert_int_equal(org_key(fx, fx->kr, KEYRING_SYSTEM_ORG, key),
	    ERR_NOTFOUND);
	assert_int_equal(keyring_start(fx->kr, fx->db), 0);
	assert_int_equal(count_rows(fx, KEYRING_SYSTEM_ORG), 1);
	assert_int_equal(keyring_start(fx->kr, fx->db), 0);
	assert_int_equal(count_rows(fx, KEYRING_SYSTEM_ORG), 1);
	assert_int_equal(seal(fx, fx->kr, KEYRING_SYSTEM_ORG, "JBSWY3DPEHPK3PXP",
	    &box), 0);
	assert_opens_to(fx, fx->kr, KEYRING_SYSTEM_ORG, &box, "JBSWY3DPEHPK3PXP");
	buf_release(&box);
}

/* A job that makes a key, seals with it, then fails: the key is rolled
 * back, and the keyring must not keep using what it cached from it. */
struct rollback_job {
	struct keyring *kr;
	struct buf box;
};

static int
rollback_run(struct db_conn *c, void *arg)
{
	struct rollback_job *j = arg;
	int rc;

	if ((rc = keyring_create_org_key(j->kr, c, 9)) != 0)
		return rc;
	if ((rc = keyring_seal(j->kr, c, 9, "weg", 3, &j->box)) != 0)
		return rc;
	return ERR_CONFLICT;
}

static void
key_of_a_rolled_back_job_is_not_used(void **state)
{
	struct fx *fx = *state;
	struct rollback_job j = { fx->kr, BUF_INIT };
	struct buf box = BUF_INIT;
	struct keyring *fresh = NULL;

	assert_int_equal(db_write(fx->db, rollback_run, &j), ERR_CONFLICT);
	assert_int_equal(count_rows(fx, 9), 0);
	/* Made again for real: sealing uses the new key, which a fresh
	 * keyring (no cache) can open, and the rolled-back box is dead. */
	assert_int_equal(create_key(fx, fx->kr, 9), 0);
	assert_int_equal(seal(fx, fx->kr, 9, "blijft", &box), 0);
	assert_int_equal(keyring_new(fx->key, &fresh), 0);
	assert_opens_to(fx, fresh, 9, &box, "blijft");
	assert_opens_to(fx, fx->kr, 9, &box, "blijft");
	assert_does_not_open(fx, fx->kr, 9, &j.box);
	assert_does_not_open(fx, fresh, 9, &j.box);
	keyring_free(fresh);
	buf_release(&box);
	buf_release(&j.box);
}

struct worker {
	struct fx *fx;
	int64_t org;
	int failures;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct buf box = BUF_INIT, plain = BUF_INIT;
	struct db_conn *c;
	int i;

	for (i = 0; i < 200; i++) {
		buf_reset(&box);
		buf_reset(&plain);
		if (db_read_begin(w->fx->db, &c) != 0) {
			w->failures++;
			continue;
		}
		if (keyring_seal(w->fx->kr, c, w->org, "tekst", 5, &box) != 0 ||
		    keyring_open(w->fx->kr, c, w->org, box.p, box.len,
		    &plain) != 0 || strcmp(plain.p, "tekst") != 0)
			w->failures++;
		db_read_end(w->fx->db, c);
	}
	buf_release(&box);
	buf_release(&plain);
	return NULL;
}

static void
threads_seal_and_open_while_the_master_key_rotates(void **state)
{
	struct fx *fx = *state;
	struct worker w[4];
	pthread_t t[4];
	struct keyring *fresh = NULL;
	struct buf box = BUF_INIT;
	int i;

	for (i = 0; i < 4; i++) {
		assert_int_equal(create_key(fx, fx->kr, 100 + i), 0);
		w[i] = (struct worker){ fx, 100 + i, 0 };
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]),
		    0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(keyring_rotate_master(fx->kr, fx->db, fx->key),
		    0);
		assert_int_equal(create_key(fx, fx->kr, 200 + i), 0);
	}
	/* Every worker ends before any verdict: a failed assertion returns
	 * to the teardown, which frees what running workers still use. */
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 4; i++)
		assert_int_equal(w[i].failures, 0);
	assert_int_equal(keyring_new(fx->key, &fresh), 0);
	assert_int_equal(keyring_start(fresh, fx->db), 0);
	assert_int_equal(seal(fx, fx->kr, 202, "laatste", &box), 0);
	assert_opens_to(fx, fresh, 202, &box, "laatste");
	keyring_free(fresh);
	buf_release(&box);
}

#define T(f, g) cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, g)

static int
run(const char *name, struct testdb *g)
{
	const struct CMUnitTest tests[] = {
		T(seal_and_open_round_trip, g),
		T(organisation_without_key_is_notfound, g),
		T(keys_differ_per_organisation_and_boxes_do_not_cross, g),
		T(tampered_or_malformed_boxes_do_not_open, g),
		T(fresh_keyring_with_same_master_opens_old_data, g),
		T(new_data_key_version_keeps_old_rows_readable, g),
		T(wrong_master_key_fails_cleanly, g),
		T(rotation_keeps_data_readable_and_retires_the_old_key, g),
		T(crash_after_rewrap_is_finished_at_start, g),
		T(crash_before_rewrap_is_finished_at_start, g),
		T(start_makes_the_system_key_once, g),
		T(key_of_a_rolled_back_job_is_not_used, g),
		T(threads_seal_and_open_while_the_master_key_rotates, g),
	};

	return cmocka_run_group_tests_name(name, tests, NULL, NULL);
}

int
main(void)
{
	if (crypto_init() != 0)
		return 1;
	return testdb_run_backends(TEST_NAME, 0, run) != 0;
}
