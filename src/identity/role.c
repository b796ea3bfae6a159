/*
 * role.c - names of the roles, for storage, URLs and display.
 *
 * The stored form is the lower-case name; the enum value (a bit) never
 * reaches the database, so the bits may be renumbered without a migration.
 */
#include "identity/role.h"

#include <stddef.h>

#include "core/err.h"
#include "core/banned.h"

static const struct {
	enum role role;
	const char *name;
} roles[] = {
	{ ROLE_ADMIN, "admin" },
	{ ROLE_PROFESSIONAL, "professional" },
	{ ROLE_VOLUNTEER, "volunteer" },
	{ ROLE_CLIENT, "client" },
	{ ROLE_STAKEHOLDER, "stakeholder" },
	{ ROLE_RESEARCHER, "researcher" },
};

const char *
role_name(enum role r)
{
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].role == r)
			return roles[i].name;
	return "none";
}

int
role_parse(struct str s, enum role *out)
{
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (str_eqc(s, roles[i].name)) {
			*out = roles[i].role;
			return 0;
		}
	}
	return ERR_INVAL;
}

bool
role_valid(int r)
{
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if ((int)roles[i].role == r)
			return true;
	return false;
}
