/*
 * keyring.h - per-organisation data keys, wrapped by the master key.
 *
 * Every organisation has data keys (versions 1, 2, ...) in table org_keys,
 * each sealed ("wrapped") with the master key from the master key file.
 * Client texts are sealed with the organisation's newest data key; the
 * sealed form names the key version, so rows sealed before a data key was
 * replaced still open.  Organisation 0 (KEYRING_SYSTEM_ORG) is the system
 * key for secrets that belong to no organisation (users' TOTP secrets).
 *
 * The keyring holds the master key and a cache of unwrapped data keys, in
 * memory locked against swapping where the system allows, wiped on free.
 * It is shared by all threads (a mutex guards it).
 *
 * Rotating the master key re-wraps every data key; sealed rows are not
 * touched.  See keyring_rotate_master for what a crash in between leaves.
 *
 * Tables: org_keys.
 */
#ifndef INFUUS_KEYRING_H
#define INFUUS_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/crypto.h"

struct db;
struct db_conn;
struct keyring;

#define KEYRING_SYSTEM_ORG 0
/* Bytes keyring_seal adds to a plaintext: format, key version, nonce, tag. */
#define KEYRING_SEAL_OVERHEAD (1 + 4 + CRYPTO_SEAL_OVERHEAD)

/* Load the master key from master_path (creating it, mode 0600, when it
 * does not exist; see crypto_master_load), and a pending new master key
 * "<master_path>.new" left by an interrupted rotation if there is one.
 * ERR_CRYPTO when a file is refused, ERR_IO when it cannot be read. */
int keyring_new(const char *master_path, struct keyring **out);
/* Wipes every key it holds. */
void keyring_free(struct keyring *kr);

/* Once at start-up, after db_migrate and keyring_new, before serving:
 * finishes a master key rotation that a crash interrupted, creates the
 * system key (organisation 0) when there is none, and checks that every
 * data key unwraps.  ERR_CRYPTO (and a log line naming the organisation)
 * when one does not: the master key file is not the one that wrapped them,
 * and the server must not start and write data nobody can read later. */
int keyring_start(struct keyring *kr, struct db *db);

/* Make a new data key for org_id and store it wrapped: version 1 for a new
 * organisation, one more than the newest otherwise (new seals then use the
 * new key; old rows keep opening with theirs).  Call it inside a db_write
 * job (c is the writer's connection), e.g. in the job that creates the
 * organisation.  ERR_CONFLICT when another node added a version at the same
 * moment. */
int keyring_create_org_key(struct keyring *kr, struct db_conn *c,
    int64_t org_id);

/* The newest data key of org_id, unwrapped.  ERR_NOTFOUND when the
 * organisation has none yet, ERR_CRYPTO when it does not unwrap with the
 * master key.  Wipe key after use. */
int keyring_org_key(struct keyring *kr, struct db_conn *c, int64_t org_id,
    unsigned char key[CRYPTO_KEYBYTES]);

/* Seal a client text with org_id's newest data key; the sealed form
 * (format byte, key version, nonce, ciphertext, tag) is appended to out.
 * It is bound to org_id: it opens only for the same organisation.
 * ERR_NOTFOUND when the organisation has no data key. */
int keyring_seal(struct keyring *kr, struct db_conn *c, int64_t org_id,
    const void *p, size_t len, struct buf *out);
/* Open what keyring_seal made for org_id; the plaintext is appended to out
 * (only on success).  ERR_CRYPTO when it was tampered with, belongs to
 * another organisation or names a key version that does not exist. */
int keyring_open(struct keyring *kr, struct db_conn *c, int64_t org_id,
    const void *box, size_t len, struct buf *out);
/* keyring_open into a (NUL-terminated, *len its length when len is not
 * NULL); the plaintext passes through a heap buffer that is wiped. */
int keyring_open_str(struct keyring *kr, struct db_conn *c, int64_t org_id,
    struct str box, struct arena *a, const char **out, size_t *len);

/*
 * Replace the master key and re-wrap every data key with it.  master_path
 * must be the path the keyring was loaded from.  The order makes a crash at
 * any point recoverable:
 *   1. the new key is written to "<master_path>.new" (atomically, fsynced);
 *   2. one write job re-wraps every data key with the new key (a row is
 *      unwrapped with whichever known key opens it) and from then on new
 *      data keys are wrapped with the new key;
 *   3. "<master_path>.new" is renamed over master_path (fsynced), and the
 *      old key is forgotten.
 * A crash before 2 commits leaves rows wrapped with the old key; after it,
 * with the new one; after 3, only the new file.  keyring_new loads both
 * files and unwrapping tries both keys, so every state reads; keyring_start
 * (or the next rotation) repeats 2 and 3 with the pending key, which is
 * safe to do any number of times.  Back up both files while ".new" exists.
 *
 * Several nodes on one database each hold a copy of the master key file,
 * and a running node keeps its key in memory: rotate with the other nodes
 * stopped, copy the new file to each, then start them.  A node started
 * with an old file is stopped by keyring_start (ERR_CRYPTO).
 */
int keyring_rotate_master(struct keyring *kr, struct db *db,
    const char *master_path);

#endif
