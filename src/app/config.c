/*
 * config.c - configuration from file, environment and flags.
 *
 * The table below is the single list of settings: its key, where the value
 * goes, and how it is parsed.  Secrets (smtp_password,
 * turn_secret) are never printed.
 */
#include "app/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/num.h"
#include "core/xalloc.h"
#include "core/banned.h"

enum ctype { C_STR, C_INT, C_BOOL };

struct setting {
	const char *key;
	enum ctype type;
	size_t off;
	int64_t min, max;
};

#define S(k, f) { k, C_STR, offsetof(struct config, f), 0, 0 }
#define I(k, f, lo, hi) { k, C_INT, offsetof(struct config, f), lo, hi }
#define B(k, f) { k, C_BOOL, offsetof(struct config, f), 0, 1 }

static const struct setting settings[] = {
	S("listen", listen),
	S("data_dir", data_dir),
	S("database", database),
	S("master_key", master_key),
	S("static_dir", static_dir),
	S("share_dir", share_dir),
	S("locale_dir", locale_dir),
	S("base_url", base_url),
	S("node", node),
	S("smtp_url", smtp_url),
	S("smtp_from", smtp_from),
	S("smtp_user", smtp_user),
	S("smtp_password", smtp_password),
	I("smtp_tls", smtp_tls, 0, 2),
	I("session_idle", session_idle, 60, 7 * 24 * 3600),
	I("session_absolute", session_absolute, 300, 30 * 24 * 3600),
	I("sessions_per_user", sessions_per_user, 1, 1000000),
	I("threads", threads, 0, LIMIT_HTTP_THREADS_MAX),
	B("tls_proxy", tls_proxy),
	B("access_log", access_log),
	B("demo", demo),
	I("log_level", log_level, 0, 3),
	S("turn_urls", turn_urls),
	S("turn_secret", turn_secret),
	I("turn_ttl", turn_ttl, 60, 7 * 24 * 3600),
};

#undef S
#undef I
#undef B

static char **
str_field(struct config *c, const struct setting *s)
{
	return (char **)((char *)c + s->off);
}

int
config_set(struct config *c, const char *key, const char *val)
{
	const struct setting *s = NULL;
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (strcmp(settings[i].key, key) == 0)
			s = &settings[i];
	if (s == NULL)
		return ERR_INVAL;
	switch (s->type) {
	case C_STR:
		free(*str_field(c, s));
		*str_field(c, s) = xstrdup(val);
		return 0;
	case C_INT:
		if (num_parse_i64(str_c(val), s->min, s->max, &v) != 0)
			return ERR_INVAL;
		*(int *)((char *)c + s->off) = (int)v;
		return 0;
	case C_BOOL:
		if (strcmp(val, "1") == 0 || strcmp(val, "true") == 0 ||
		    strcmp(val, "yes") == 0 || strcmp(val, "on") == 0)
			*(bool *)((char *)c + s->off) = true;
		else if (strcmp(val, "0") == 0 || strcmp(val, "false") == 0 ||
		    strcmp(val, "no") == 0 || strcmp(val, "off") == 0)
			*(bool *)((char *)c + s->off) = false;
		else
			return ERR_INVAL;
		return 0;
	}
	return ERR_INVAL;
}

static void
defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->listen = xstrdup("127.0.0.1:8080");
	c->data_dir = xstrdup("data");
	c->node = xstrdup("node1");
	c->smtp_url = xstrdup("");
	c->smtp_from = xstrdup("noreply@infuus.invalid");
	c->session_idle = 30 * 60;
	c->session_absolute = 12 * 60 * 60;
	c->sessions_per_user = LIMIT_SESSIONS_PER_USER;
	c->access_log = true;
	c->log_level = 1;
	c->turn_urls = xstrdup("");
	c->turn_secret = xstrdup("");
	c->turn_ttl = LIMIT_TURN_TTL;
}

static int
load_file(struct config *c, const char *path, char *err, size_t errlen)
{
	char line[4096];
	FILE *f;
	int lineno = 0, rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ERR_IO;
	}
	while (fgets(line, sizeof(line), f)) {
		struct str k, v, all;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			rc = ERR_INVAL;
			break;
		}
		all = str_trim(str_c(line));
		if (all.len == 0 || all.p[0] == '#')
			continue;
		if (!str_cut(all, '=', &k, &v)) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'",
			    path, lineno);
			rc = ERR_INVAL;
			break;
		}
		k = str_trim(k);
		v = str_trim(v);
		((char *)k.p)[k.len] = '\0';
		((char *)v.p)[v.len] = '\0';
		if (config_set(c, k.p, v.p) != 0) {
			snprintf(err, errlen, "%s:%d: unknown key or bad value "
			    "for '%s'", path, lineno, k.p);
			rc = ERR_INVAL;
			break;
		}
	}
	fclose(f);
	return rc;
}

int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	char name[64];
	size_t i, j;
	int rc;

	defaults(c);
	if (path && (rc = load_file(c, path, err, errlen)) != 0)
		return rc;
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		const char *v;

		snprintf(name, sizeof(name), "INFUUS_%s", settings[i].key);
		for (j = 7; name[j]; j++)
			name[j] = (char)toupper((unsigned char)name[j]);
		if ((v = getenv(name)) == NULL)
			continue;
		if (config_set(c, settings[i].key, v) != 0) {
			snprintf(err, errlen, "environment %s: bad value", name);
			return ERR_INVAL;
		}
	}
	return 0;
}

static void
derive(char **field, const char *dir, const char *leaf)
{
	struct buf b = BUF_INIT;

	if (*field && **field)
		return;
	free(*field);
	buf_printf(&b, "%s/%s", dir, leaf);
	*field = buf_detach(&b, NULL);
}

void
config_finish(struct config *c)
{
	derive(&c->base_url, "http:/", c->listen);
	derive(&c->database, c->data_dir, "infuus.db");
	derive(&c->master_key, c->data_dir, "master.key");
	derive(&c->static_dir, INFUUS_SOURCE_DIR, "static");
	derive(&c->share_dir, INFUUS_SOURCE_DIR, "share");
	derive(&c->locale_dir, INFUUS_BUILD_DIR, "locale");
}

void
config_release(struct config *c)
{
	size_t i;

	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (settings[i].type == C_STR)
			free(*str_field(c, &settings[i]));
	memset(c, 0, sizeof(*c));
}
