/*
 * shipped.h - the instruments shipped with Infuus (share/instruments/
 * NAME.txt): every organisation may use them; one enters an
 * organisation's library (measure_version_add, origin "shipped") the
 * first time it is given or put on a module page.
 */
#ifndef INFUUS_SHIPPED_H
#define INFUUS_SHIPPED_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* The shipped instruments' names, in list order: i < instr_shipped_count(). */
size_t instr_shipped_count(void);
const char *instr_shipped_name(size_t i);
bool instr_is_shipped(const char *name);
/* Its index in that list, or -1 (name may be NULL). */
int instr_shipped_index(const char *name);
/* The text of shipped instrument name from share_dir, appended to out
 * (at most LIMIT_INSTRUMENT_BYTES and a chunk: the parser refuses a
 * longer one).  ERR_NOTFOUND for a name not shipped, ERR_IO. */
int instr_shipped_text(const char *share_dir, const char *name,
    struct buf *out);

#endif
