/*
 * notify.c - the one mail sender of notifications (see notify.h): turns
 * the configured server into a mail_config and sends through mail/smtp.c.
 */
#include "notify/notify.h"

#include <stdbool.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "mail/smtp.h"
#include "core/banned.h"

int
notify_send(const struct notify_smtp *s, const char *to, const char *subject,
    const char *body)
{
	struct mail_config mc;
	struct buf host = BUF_INIT;
	bool implicit = false;
	int port = 0, rc;

	if (s->url == NULL || s->url[0] == '\0') {
		log_warn("mail", "msg=\"no smtp_url configured; mail not sent\"");
		return ERR_MAIL;
	}
	if ((rc = mail_url_parse(s->url, &host, &port, &implicit)) != 0) {
		log_err("mail", "msg=\"smtp_url is not a valid smtp:// URL\"");
		goto out;
	}
	memset(&mc, 0, sizeof(mc));
	mc.host = host.p;
	mc.port = port;
	mc.from = s->from;
	mc.from_name = "Infuus";
	mc.user = s->user && s->user[0] ? s->user : NULL;
	mc.password = s->password;
	mc.tls = implicit ? MAIL_TLS_IMPLICIT : (enum mail_tls)s->tls;
	mc.calendar = s->calendar;
	mc.calendar_method = s->calendar_method;
	rc = mail_send(&mc, to, subject, body);
	if (rc != 0)
		log_warn("mail", "msg=\"sending failed\" err=%s", err_name(rc));
out:
	buf_release(&host);
	return rc;
}
