/*
 * notify.c - e-mail from the web layer (reset links, invitations, "there
 * is something new" notices).  Never a client's content.
 */
#include "web/notify.h"

#include <string.h>

#include "app/app.h"
#include "core/err.h"
#include "core/log.h"
#include "core/banned.h"

int
notify_mail(struct app *app, const char *to, const char *subject,
    const char *body)
{
	(void)to;
	(void)subject;
	(void)body;
	if (app->cfg.smtp_url[0] == '\0') {
		log_warn("mail", "msg=\"no smtp_url configured; mail not sent\"");
		return ERR_MAIL;
	}
	return ERR_MAIL;
}
