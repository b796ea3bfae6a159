/*
 * err.c - tables generated from ERR_MAP.
 */
#include "core/err.h"

#include <stddef.h>

#include "core/banned.h"

struct err_info {
	int status;
	const char *name;
	const char *msg;
};

static const struct err_info err_table[] = {
#define ERR_ROW_(name, status, msg) { status, #name, msg },
	ERR_MAP(ERR_ROW_)
#undef ERR_ROW_
};

static const struct err_info *
lookup(int err)
{
	int i = err - ERR_FIRST_ - 1;

	if (err >= 0 || i < 0 || i >= (int)(sizeof(err_table) / sizeof(err_table[0])))
		return NULL;
	return &err_table[i];
}

const char *
err_msg(int err)
{
	const struct err_info *e = lookup(err);

	if (err == 0)
		return "OK";
	return e ? e->msg : "Something went wrong on our side.";
}

int
err_status(int err)
{
	const struct err_info *e = lookup(err);

	if (err == 0)
		return 200;
	return e ? e->status : 500;
}

const char *
err_name(int err)
{
	const struct err_info *e = lookup(err);

	if (err == 0)
		return "OK";
	return e ? e->name : "INTERNAL";
}
