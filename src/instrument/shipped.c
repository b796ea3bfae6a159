/*
 * shipped.c - the instruments shipped with Infuus (shipped.h): the one
 * list of them, for the questionnaire pages (ui-measures.c), the module
 * editor (ui-module.c) and a package's import (mod_pkg.c).
 */
#include "instrument/shipped.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/banned.h"

static const char *const shipped[] = { "phq-9", "gad-7", "who-5",
    "coaching-self", "learning-preference" };
#define NSHIPPED (sizeof(shipped) / sizeof(shipped[0]))

size_t
instr_shipped_count(void)
{
	return NSHIPPED;
}

const char *
instr_shipped_name(size_t i)
{
	return i < NSHIPPED ? shipped[i] : NULL;
}

bool
instr_is_shipped(const char *name)
{
	return instr_shipped_index(name) >= 0;
}

int
instr_shipped_index(const char *name)
{
	size_t k;

	for (k = 0; name != NULL && k < NSHIPPED; k++)
		if (strcmp(name, shipped[k]) == 0)
			return (int)k;
	return -1;
}

int
instr_shipped_text(const char *share_dir, const char *name, struct buf *out)
{
	char path[1024], chunk[4096];
	size_t got;
	FILE *f;
	int n;

	/* only a listed name reaches the path: never a path of the input */
	if (!instr_is_shipped(name))
		return ERR_NOTFOUND;
	n = snprintf(path, sizeof(path), "%s/instruments/%s.txt", share_dir,
	    name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return ERR_IO;
	if ((f = fopen(path, "rb")) == NULL)
		return ERR_IO;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0 &&
	    out->len <= LIMIT_INSTRUMENT_BYTES)
		buf_add(out, chunk, got);
	fclose(f);
	return 0;
}
