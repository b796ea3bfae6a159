/*
 * handlers.h - the page and API handlers, one family per ui-*.c file (like
 * cgit's ui-<page>.c).  Only web.c's route table uses this list.
 */
#ifndef INFUUS_HANDLERS_H
#define INFUUS_HANDLERS_H

#include "http/http.h"

/* ui-login.c */
int ui_login_form(struct req *r);
int ui_login_post(struct req *r);
int ui_login_2fa_form(struct req *r);
int ui_login_2fa_post(struct req *r);
int ui_logout(struct req *r);
int ui_logout_all(struct req *r);
int ui_reset_form(struct req *r);
int ui_reset_post(struct req *r);
int ui_reset_token_form(struct req *r);
int ui_reset_token_post(struct req *r);
int ui_invite_form(struct req *r);
int ui_invite_post(struct req *r);

/* ui-home.c */
int ui_home(struct req *r);
int ui_org_switch(struct req *r);

/* ui-account.c */
int ui_account(struct req *r);
int ui_account_post(struct req *r);
int ui_password_post(struct req *r);
int ui_2fa_setup(struct req *r);
int ui_2fa_setup_post(struct req *r);
int ui_2fa_disable_post(struct req *r);

/* ui-admin.c */
int ui_members(struct req *r);
int ui_member_role_post(struct req *r);
int ui_member_remove_post(struct req *r);
int ui_invite_create_post(struct req *r);
int ui_org_settings_post(struct req *r);

/* ui-audit.c */
int ui_audit_org(struct req *r);
int ui_audit_self(struct req *r);

/* api.c */
int api_me(struct req *r);

#endif
