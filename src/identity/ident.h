/*
 * ident.h - helpers shared by the identity files.  Not a public API: only
 * the .c files of src/identity include it.
 */
#ifndef INFUUS_IDENT_H
#define INFUUS_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "identity/role.h"

struct db_conn;

/*
 * E-mail addresses: ident_email_lower trims blanks, lower-cases ASCII and
 * bounds the length (LIMIT_FIELD_SHORT); it never fails, so log-in can
 * throttle on whatever was typed.  ident_email_norm does the same and then
 * refuses what is not a plausible address (ERR_INVAL).  Non-ASCII bytes
 * are kept as they are: lower-casing them would need the locale.
 */
void ident_email_lower(const char *email, struct buf *out);
int ident_email_norm(const char *email, struct buf *out);
/* "acct:<sha256 hex of the normalised address>": the throttle bucket of an
 * account, the same whether the account exists or not. */
void ident_acct_bucket(const char *norm_email, struct buf *out);

/* On the writer, inside the caller's job: ERR_CONFLICT when another member
 * (not user_id) of org_id -- or, with org_id 0, of any organisation
 * user_id belongs to -- has a name that reads the same (white space, ASCII
 * case and invisible joiners aside). */
int ident_name_free_on(struct db_conn *c, int64_t org_id, int64_t user_id,
    const char *name);
/* "nl" or "en"; NULL means the default "nl".  *out gets the static text. */
int ident_lang_ok(const char *lang, const char **out);

/* user_password_ok_for (email may be NULL), then argon2id into *out
 * (ERR_INVAL when refused, with the reason in *why when why is not NULL). */
struct why;
int ident_password_hash(const char *pw, const char *email, struct buf *out,
    struct why *why);
/*
 * An argon2id hash of a fixed text with the current parameters, made once
 * (pthread_once) at first use, so log-in for an unknown address costs the
 * same verification as for a known one.  The buffer it lives in is the only
 * static state in identity and is written exactly once.
 */
const char *ident_dummy_hash(void);

/* SHA-256 of a token as sent in a link or cookie. */
void ident_token_hash(const char *token, unsigned char out[CRYPTO_HASHBYTES]);
/* Tokens we hand out are 43 characters; anything far off is not ours. */
bool ident_token_plausible(const char *token);

/* Copy text into a fixed array, cutting at a UTF-8 character boundary. */
void ident_copy(char *dst, size_t size, struct str src);

/*
 * Rows that more than one way in creates, written on the writer inside
 * the caller's job (values already checked: the e-mail normalised, the
 * password hashed).  ident_user_insert: a new account, its id in *id;
 * ERR_CONFLICT when the address is taken.  ident_member_insert: user_id
 * joins org_id in role; ERR_CONFLICT when already a member.
 */
int ident_user_insert(struct db_conn *c, const char *email, const char *name,
    const char *pw_hash, const char *lang, int64_t now, int64_t *id);
int ident_member_insert(struct db_conn *c, int64_t org_id, int64_t user_id,
    enum role role, int64_t now);

#endif
