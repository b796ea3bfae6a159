/*
 * main.c - the infuus binary: sub-commands serve, migrate, org, user, ...
 */
#include <stdio.h>
#include <string.h>

#include "core/banned.h"

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: infuus serve|migrate|...\n");
		return 2;
	}
	fprintf(stderr, "infuus: unknown command '%s'\n", argv[1]);
	return 2;
}
