/*
 * notify.c - e-mail from the web layer (reset links, invitations, "there
 * is something new" notices).  Never a client's content: callers pass
 * only fixed texts and links.
 */
#include "web/notify.h"

#include <string.h>

#include "app/app.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "mail/smtp.h"
#include "core/banned.h"

int
notify_mail(struct app *app, const char *to, const char *subject,
    const char *body)
{
	struct mail_config mc;
	struct buf host = BUF_INIT;
	bool implicit = false;
	int port = 0, rc;

	if (app->cfg.smtp_url[0] == '\0') {
		log_warn("mail", "msg=\"no smtp_url configured; mail not sent\"");
		return ERR_MAIL;
	}
	if ((rc = mail_url_parse(app->cfg.smtp_url, &host, &port, &implicit)) != 0) {
		log_err("mail", "msg=\"smtp_url is not a valid smtp:// URL\"");
		goto out;
	}
	memset(&mc, 0, sizeof(mc));
	mc.host = host.p;
	mc.port = port;
	mc.from = app->cfg.smtp_from;
	mc.from_name = "Infuus";
	mc.user = app->cfg.smtp_user && app->cfg.smtp_user[0] ?
	    app->cfg.smtp_user : NULL;
	mc.password = app->cfg.smtp_password;
	mc.tls = implicit ? MAIL_TLS_IMPLICIT : (enum mail_tls)app->cfg.smtp_tls;
	rc = mail_send(&mc, to, subject, body);
	if (rc != 0)
		log_warn("mail", "msg=\"sending failed\" err=%s", err_name(rc));
out:
	buf_release(&host);
	return rc;
}
