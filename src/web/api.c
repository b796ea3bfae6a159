/*
 * api.c - JSON endpoints for scripts and the live parts of pages.
 * Answers are built with json_str so every string is escaped for JSON.
 */
#include <string.h>

#include "app/app.h"
#include "identity/role.h"
#include "identity/session.h"
#include "web/handlers.h"
#include "web/page.h"
#include "core/banned.h"

int
api_me(struct req *r)
{
	struct session *s = page_session(r);
	struct buf b = BUF_INIT;

	buf_printf(&b, "{\"id\":%lld,\"name\":", (long long)s->user_id);
	json_str(&b, str_c(s->user_name));
	buf_printf(&b, ",\"org\":%lld,\"role\":", (long long)s->org_id);
	json_str(&b, str_c(s->role ? role_name(s->role) : ""));
	buf_adds(&b, ",\"lang\":");
	json_str(&b, str_c(s->lang));
	buf_printf(&b, ",\"two_factor\":%s,\"csrf\":",
	    s->twofa_passed ? "true" : "false");
	json_str(&b, str_c(s->csrf));
	buf_adds(&b, "}");
	resp_json(r, 200, b.p, b.len);
	buf_release(&b);
	return 0;
}
