/*
 * appt_int.h - what the files of src/appointment share and nobody else
 * uses: the stored hours, read on a connection the caller holds (a read
 * snapshot or inside a write job).
 */
#ifndef INFUUS_APPT_INT_H
#define INFUUS_APPT_INT_H

#include <stdint.h>

struct arena;
struct appt_hours;
struct appt_hours_text;
struct db_conn;

/* The stored texts (strings in a); ERR_NOTFOUND when none are set. */
int appt_hours_on(struct db_conn *c, int64_t org_id, int64_t prof_id,
    struct arena *a, struct appt_hours_text *t);
/* The same parsed; ERR_NOTFOUND when none, ERR_DB when what is stored
 * does not parse (it was stored in canonical form). */
int appt_hours_get_on(struct db_conn *c, int64_t org_id, int64_t prof_id,
    struct appt_hours *out);

#endif
