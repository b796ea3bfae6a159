/*
 * web.c - the route table and the hooks around every handler.
 *
 * The route table is the one place that says who may call what: roles,
 * CSRF, two factors, body limits, and the object the path names with what
 * the route does to it.  authorize() enforces it before any handler runs,
 * so a handler cannot forget: it parses the object's id, asks authz
 * (organisation, role, taking part), logs a refusal in the access log, and
 * hands the handler the checked object (web_obj).  A route that names no
 * object acts on the caller's own account or on the organisation of the
 * session, whose role the route's roles have checked.  Handlers ask authz
 * themselves only for secondary objects that are not in the path.
 *
 * Language: the session's language, else a "lang" cookie, else the
 * browser's Accept-Language; applied with uselocale() on the worker thread
 * for the duration of the request and reset in finish().
 */
#include "web/web.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app/app.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/num.h"
#include "identity/identity.h"
#include "identity/session.h"
#include "web/handlers.h"
#include "web/page.h"
#include "web/web_audit.h"
#include "web/web_int.h"
#include "core/banned.h"

#define G HTTP_GET
#define PO HTTP_POST
#define ANON ROUTE_ANON
#define CSRF ROUTE_CSRF
#define JSON ROUTE_JSON
#define PART ROUTE_PARTIAL
#define ANY ROLE_ALL
#define ADM ROLE_ADMIN
#define PRO ROLE_PROFESSIONAL
#define CLI ROLE_CLIENT
#define FORM LIMIT_BODY_FORM
#define SMALL LIMIT_BODY_ANON
/* What the path names and what the route does with it: authz's kinds
 * (shifted past the server's reserved values) and actions.  NOOBJ: the
 * path names no object (a :token is a credential the handler checks). */
#define OBJ(k) (ROUTE_OBJ_FIRST + (unsigned)(k))
#define NOOBJ ROUTE_OBJ_NONE, 0
#define TRAJ(a) OBJ(AUTHZ_TRAJECTORY), AUTHZ_##a
#define THREAD(a) OBJ(AUTHZ_THREAD), AUTHZ_##a
#define MSG(a) OBJ(AUTHZ_MESSAGE), AUTHZ_##a
#define ATT(a) OBJ(AUTHZ_ATTACHMENT), AUTHZ_##a
#define MEMBER(a) OBJ(AUTHZ_MEMBER), AUTHZ_##a
#define APPT(a) OBJ(AUTHZ_APPOINTMENT), AUTHZ_##a
#define ASG(a) OBJ(AUTHZ_ASSIGNMENT), AUTHZ_##a
#define ASGFILE(a) OBJ(AUTHZ_ASG_FILE), AUTHZ_##a
#define CALL(a) OBJ(AUTHZ_CALL), AUTHZ_##a

static const struct route routes[] = {
	/* method pattern             handler              roles flags       body  object */
	{ G,  "/",                    ui_home,             ANY, ANON,        0,     NOOBJ },
	{ G,  "/login",               ui_login_form,       ANY, ANON,        0,     NOOBJ },
	{ PO, "/login",               ui_login_post,       ANY, ANON | CSRF, SMALL, NOOBJ },
	{ G,  "/login/2fa",           ui_login_2fa_form,   ANY, PART,        0,     NOOBJ },
	{ PO, "/login/2fa",           ui_login_2fa_post,   ANY, PART | CSRF, SMALL, NOOBJ },
	{ PO, "/logout",              ui_logout,           ANY, PART | CSRF, SMALL, NOOBJ },
	{ PO, "/logout/everywhere",   ui_logout_all,       ANY, CSRF,        SMALL, NOOBJ },
	{ G,  "/reset",               ui_reset_form,       ANY, ANON,        0,     NOOBJ },
	{ PO, "/reset",               ui_reset_post,       ANY, ANON | CSRF, SMALL, NOOBJ },
	{ G,  "/reset/:token",        ui_reset_token_form, ANY, ANON,        0,     NOOBJ },
	{ PO, "/reset/:token",        ui_reset_token_post, ANY, ANON | CSRF, SMALL, NOOBJ },
	{ G,  "/invite/:token",       ui_invite_form,      ANY, ANON,        0,     NOOBJ },
	{ PO, "/invite/:token",       ui_invite_post,      ANY, ANON | CSRF, SMALL, NOOBJ },
	{ PO, "/org/switch",          ui_org_switch,       ANY, CSRF,        SMALL, NOOBJ },
	{ G,  "/account",             ui_account,          ANY, 0,           0,     NOOBJ },
	{ PO, "/account",             ui_account_post,     ANY, CSRF,        SMALL, NOOBJ },
	{ PO, "/account/password",    ui_password_post,    ANY, CSRF,        SMALL, NOOBJ },
	{ G,  "/account/2fa",         ui_2fa_setup,        ANY, PART,        0,     NOOBJ },
	{ PO, "/account/2fa",         ui_2fa_setup_post,   ANY, PART | CSRF, SMALL, NOOBJ },
	{ PO, "/account/2fa/disable", ui_2fa_disable_post, ANY, CSRF,        SMALL, NOOBJ },
	/* the organisation (ui-admin.c, ui-audit.c): the session's own */
	{ G,  "/org/members",         ui_members,          ADM, 0,           0,     NOOBJ },
	{ PO, "/org/members/:uid/role", ui_member_role_post, ADM, CSRF,      SMALL, MEMBER(UPDATE) },
	{ PO, "/org/members/:uid/remove", ui_member_remove_post, ADM, CSRF,  SMALL, MEMBER(DELETE) },
	{ PO, "/org/invites",         ui_invite_create_post, ADM, CSRF,      SMALL, NOOBJ },
	{ PO, "/org/settings",        ui_org_settings_post, ADM, CSRF,       SMALL, NOOBJ },
	{ G,  "/org/audit",           ui_audit_org,        ADM, ROUTE_2FA,   0,     NOOBJ },
	{ G,  "/me/access",           ui_audit_self,       ANY, 0,           0,     NOOBJ },
	{ G,  "/api/me",              api_me,              ANY, JSON,        0,     NOOBJ },
	{ G,  "/api/threads/:thid",   api_thread,          PRO | CLI, JSON,  0,     THREAD(READ) },
	/* trajectories (ui-trajectory.c) */
	{ G,  "/t",                   ui_traj_list,        PRO | CLI | ADM, 0, 0,   NOOBJ },
	{ G,  "/t/new",               ui_traj_new,         PRO, 0,           0,     NOOBJ },
	{ PO, "/t",                   ui_traj_create,      PRO, CSRF,        FORM,  NOOBJ },
	{ G,  "/t/:tid",              ui_traj_show,        PRO | CLI | ADM, 0, 0,   TRAJ(READ) },
	{ PO, "/t/:tid/phase",        ui_traj_phase_post,  PRO, CSRF,        SMALL, TRAJ(UPDATE) },
	{ PO, "/t/:tid/questions",    ui_traj_question_post, PRO | CLI, CSRF, FORM, TRAJ(UPDATE) },
	{ PO, "/t/:tid/professionals", ui_traj_professional_post, PRO, CSRF, SMALL, TRAJ(UPDATE) },
	{ PO, "/t/:tid/reads",        ui_traj_reads_post,  CLI, CSRF,        SMALL, TRAJ(UPDATE) },
	{ PO, "/t/:tid/level",        ui_traj_level_post,  PRO, CSRF,        SMALL, TRAJ(UPDATE) },
	{ G,  "/t/:tid/promise",      ui_traj_promise,     PRO | CLI | ADM, 0, 0,   TRAJ(READ) },
	{ PO, "/t/:tid/promise",      ui_traj_promise_post, PRO, CSRF,       FORM,  TRAJ(UPDATE) },
	/* threads and messages (ui-thread.c) */
	{ PO, "/t/:tid/threads",      ui_thread_create_post, PRO | CLI, CSRF, FORM, TRAJ(CREATE) },
	{ G,  "/t/:tid/export.json",  ui_export_json,      PRO | CLI, 0,     0,     TRAJ(EXPORT) },
	{ G,  "/t/:tid/export",       ui_export_page,      PRO | CLI, 0,     0,     TRAJ(EXPORT) },
	{ G,  "/threads/:thid",       ui_thread,           PRO | CLI, 0,     0,     THREAD(READ) },
	{ PO, "/threads/:thid/messages", ui_thread_post,   PRO | CLI, CSRF | ROUTE_UPLOAD, LIMIT_BODY_UPLOAD, THREAD(CREATE) },
	{ PO, "/threads/:thid/read",  ui_thread_read_post, PRO | CLI, CSRF,  SMALL, THREAD(READ) },
	{ PO, "/messages/:mid/correct", ui_message_correct_post, PRO | CLI, CSRF, FORM, MSG(UPDATE) },
	{ G,  "/attachments/:aid",    ui_attachment,       PRO | CLI, 0,     0,     ATT(READ) },
	{ G,  "/search",              ui_search,           PRO | CLI, 0,     0,     NOOBJ },
	/* drafts and the writing assistant (ui-thread.c) */
	{ PO, "/api/threads/:thid/draft", api_thread_draft, PRO | CLI, JSON | CSRF, FORM, THREAD(UPDATE) },
	{ PO, "/api/threads/:thid/assistant", api_thread_assistant, PRO, JSON | CSRF, FORM, THREAD(READ) },
	/* queue, more time, adherence, notifications (ui-queue.c) */
	{ G,  "/queue",               ui_queue,            PRO, 0,           0,     NOOBJ },
	{ PO, "/threads/:thid/more-time", ui_more_time_post, PRO, CSRF,      SMALL, THREAD(UPDATE) },
	{ G,  "/reports/adherence",   ui_adherence,        PRO | ADM, 0,     0,     NOOBJ },
	{ PO, "/account/notifications", ui_notify_settings_post, ANY, CSRF,  SMALL, NOOBJ },
	/* live events (ui-live.c): a page's event stream */
	{ G,  "/live/t/:tid",         ui_live_traj,        PRO | CLI, 0,     0,     TRAJ(READ) },
	{ G,  "/live/me",             ui_live_me,          PRO | CLI, 0,     0,     NOOBJ },
	/* chat, the hourglass, recorded time (ui-chat.c) */
	{ G,  "/t/:tid/chat",         ui_chat,             PRO | CLI, 0,     0,     TRAJ(READ) },
	{ PO, "/t/:tid/chat",         ui_chat_post,        PRO | CLI, CSRF,  FORM,  TRAJ(UPDATE) },
	{ PO, "/t/:tid/chat/typing",  api_chat_typing,     PRO | CLI, JSON | CSRF, SMALL, TRAJ(UPDATE) },
	{ PO, "/t/:tid/chat/presence", ui_chat_presence_post, PRO | CLI, CSRF, SMALL, TRAJ(UPDATE) },
	{ G,  "/chat/:cid",           ui_chat_one,         PRO | CLI, 0,     0,     OBJ(AUTHZ_CHAT), AUTHZ_READ },
	{ G,  "/t/:tid/timer",        ui_timer,            PRO | CLI, 0,     0,     TRAJ(READ) },
	{ PO, "/t/:tid/timer",        ui_timer_post,       PRO, CSRF,        SMALL, TRAJ(UPDATE) },
	{ G,  "/t/:tid/activities",   ui_activities,       PRO, 0,           0,     TRAJ(READ) },
	{ PO, "/t/:tid/activities",   ui_activity_correct_post, PRO, CSRF,   SMALL, TRAJ(UPDATE) },
	/* appointments and the calendar (ui-appointment.c, ui-calendar.c) */
	{ G,  "/calendar",            ui_calendar,         PRO | CLI, 0,     0,     NOOBJ },
	{ PO, "/calendar/hours",      ui_calendar_hours_post, PRO, CSRF,     SMALL, NOOBJ },
	{ PO, "/calendar/feed",       ui_calendar_feed_post, PRO, CSRF,      SMALL, NOOBJ },
	{ PO, "/calendar/feed/revoke", ui_calendar_feed_revoke_post, PRO, CSRF, SMALL, NOOBJ },
	{ G,  "/feed/:token",         ui_calendar_feed,    ANY, ANON,        0,     NOOBJ },
	{ G,  "/t/:tid/appointments", ui_appt_traj,        PRO | CLI, 0,     0,     TRAJ(READ) },
	{ PO, "/t/:tid/appointments", ui_appt_book_post,   PRO | CLI, CSRF,  SMALL, TRAJ(CREATE) },
	{ G,  "/appointments/:apid",  ui_appt_show,        PRO | CLI, 0,     0,     APPT(READ) },
	{ PO, "/appointments/:apid/reschedule", ui_appt_reschedule_post, PRO | CLI, CSRF, SMALL, APPT(UPDATE) },
	{ PO, "/appointments/:apid/cancel", ui_appt_cancel_post, PRO | CLI, CSRF, SMALL, APPT(UPDATE) },
	{ PO, "/appointments/:apid/confirm", ui_appt_confirm_post, PRO, CSRF, SMALL, APPT(UPDATE) },
	{ PO, "/appointments/:apid/noshow", ui_appt_noshow_post, PRO, CSRF,  SMALL, APPT(UPDATE) },
	{ PO, "/appointments/:apid/followed-up", ui_appt_task_done_post, PRO, CSRF, SMALL, APPT(UPDATE) },
	{ G,  "/appointments/:apid/invite.ics", ui_appt_ics, PRO | CLI, 0,   0,     APPT(READ) },
	/* questionnaires, diary and mood meter (ui-measures.c, issue 11) */
	{ G,  "/t/:tid/measures",     ui_measures,         PRO | CLI, 0,     0,     TRAJ(READ) },
	{ PO, "/t/:tid/questionnaires", ui_measures_give_post, PRO, CSRF,    SMALL, TRAJ(CREATE) },
	{ G,  "/q/:qid",              ui_fill,             CLI, 0,           0,     OBJ(AUTHZ_QUESTIONNAIRE), AUTHZ_UPDATE },
	{ PO, "/q/:qid",              ui_fill_post,        CLI, CSRF,        FORM,  OBJ(AUTHZ_QUESTIONNAIRE), AUTHZ_UPDATE },
	{ G,  "/q/:qid/results",      ui_results,          PRO | CLI, 0,     0,     OBJ(AUTHZ_QUESTIONNAIRE), AUTHZ_READ },
	{ G,  "/q/:qid/results.csv",  ui_results_csv,      PRO | CLI, 0,     0,     OBJ(AUTHZ_QUESTIONNAIRE), AUTHZ_EXPORT },
	{ G,  "/instruments",         ui_instruments,      PRO, 0,           0,     NOOBJ },
	{ PO, "/instruments",         ui_instruments_post, PRO, CSRF,        FORM,  NOOBJ },
	{ PO, "/instruments/upload",  ui_instruments_upload, PRO, CSRF | ROUTE_UPLOAD, FORM, NOOBJ },
	{ G,  "/instruments/:ivid",   ui_instrument,       PRO, 0,           0,     OBJ(AUTHZ_INSTRUMENT), AUTHZ_READ },
	{ G,  "/t/:tid/diary",        ui_diary,            PRO | CLI, 0,     0,     TRAJ(READ) },
	{ PO, "/t/:tid/diary",        ui_diary_post,       CLI, CSRF,        FORM,  TRAJ(CREATE) },
	{ PO, "/diary/:did/share",    ui_diary_share_post, CLI, CSRF,        SMALL, OBJ(AUTHZ_DIARY_ENTRY), AUTHZ_UPDATE },
	{ G,  "/t/:tid/mood",         ui_mood,             PRO | CLI, 0,     0,     TRAJ(READ) },
	{ PO, "/t/:tid/mood",         ui_mood_post,        CLI, CSRF,        FORM,  TRAJ(CREATE) },
	{ PO, "/t/:tid/mood/reminders", ui_mood_reminders_post, CLI, CSRF,   SMALL, TRAJ(UPDATE) },
	/* assignments and the learning cycle (ui-assignment.c) */
	{ G,  "/t/:tid/assignments",  ui_asg_traj,         PRO | CLI, 0,     0,     TRAJ(READ) },
	{ PO, "/t/:tid/assignments",  ui_asg_create_post,  PRO, CSRF,        FORM,  TRAJ(CREATE) },
	{ PO, "/t/:tid/answered",     ui_asg_answered_post, PRO | CLI, CSRF, SMALL, TRAJ(UPDATE) },
	{ G,  "/assignments/:asid",   ui_asg_show,         PRO | CLI, 0,     0,     ASG(READ) },
	{ PO, "/assignments/:asid/choose", ui_asg_choose_post, CLI, CSRF,    SMALL, ASG(UPDATE) },
	{ PO, "/assignments/:asid/work", ui_asg_work_post, CLI, CSRF | ROUTE_UPLOAD, LIMIT_BODY_UPLOAD, ASG(UPDATE) },
	{ PO, "/api/assignments/:asid/draft", api_asg_draft, CLI, JSON | CSRF, FORM, ASG(UPDATE) },
	{ PO, "/assignments/:asid/feedback", ui_asg_feedback_post, PRO, CSRF | ROUTE_UPLOAD, LIMIT_BODY_UPLOAD, ASG(UPDATE) },
	{ PO, "/assignments/:asid/done", ui_asg_done_post, PRO, CSRF,        SMALL, ASG(UPDATE) },
	{ PO, "/assignments/:asid/steps", ui_asg_step_post, CLI, CSRF,       FORM,  ASG(CREATE) },
	{ G,  "/assignment-files/:afid", ui_asg_file,      PRO | CLI, 0,     0,     ASGFILE(READ) },
	{ PO, "/assignment-files/:afid/remove", ui_asg_file_remove_post, CLI, CSRF, SMALL, ASGFILE(DELETE) },
	{ G,  "/org/assignment-templates", ui_asg_templates, PRO, 0,         0,     NOOBJ },
	{ PO, "/org/assignment-templates", ui_asg_template_post, PRO, CSRF,  FORM,  NOOBJ },
	/* pricing and invoices (ui-billing.c, src/billing) */
	{ G,  "/org/billing",         ui_bill_org,         ADM, 0,           0,     NOOBJ },
	{ PO, "/org/billing",         ui_bill_org_post,    ADM, CSRF,        SMALL, NOOBJ },
	{ G,  "/org/invoices.csv",    ui_bill_org_csv,     ADM, 0,           0,     NOOBJ },
	{ G,  "/t/:tid/billing",      ui_bill_traj,        PRO | CLI, 0,     0,     TRAJ(READ) },
	{ PO, "/t/:tid/billing/contract", ui_bill_contract_post, PRO, CSRF,  SMALL, TRAJ(UPDATE) },
	{ PO, "/t/:tid/billing/estimate", ui_bill_estimate_post, PRO, CSRF,  SMALL, TRAJ(UPDATE) },
	{ PO, "/t/:tid/invoices",     ui_invoice_create_post, PRO, CSRF,     SMALL, OBJ(AUTHZ_TRAJ_BILLING), AUTHZ_CREATE },
	{ G,  "/t/:tid/invoices.csv", ui_invoice_csv,      PRO | CLI, 0,     0,     TRAJ(EXPORT) },
	{ G,  "/invoices/:inid",      ui_invoice_show,     PRO | CLI, 0,     0,     OBJ(AUTHZ_INVOICE), AUTHZ_READ },
	{ G,  "/invoices/:inid/pdf",  ui_invoice_pdf,      PRO | CLI, 0,     0,     OBJ(AUTHZ_INVOICE), AUTHZ_EXPORT },
	{ G,  "/invoices/:inid/ubl",  ui_invoice_ubl,      PRO | CLI, 0,     0,     OBJ(AUTHZ_INVOICE), AUTHZ_EXPORT },
	{ PO, "/invoices/:inid/credit", ui_invoice_credit_post, PRO, CSRF,   SMALL, OBJ(AUTHZ_INVOICE), AUTHZ_UPDATE },
	/* time accounting (ui-time.c; issue 13): the time page, hand entries,
	 * the budget, active seconds from the pages, an appointment held */
	{ G,  "/t/:tid/time",         ui_time,             PRO | CLI, 0,     0,     TRAJ(READ) },
	{ PO, "/t/:tid/time",         ui_time_add_post,    PRO, CSRF,        SMALL, TRAJ(UPDATE) },
	{ PO, "/t/:tid/time/settings", ui_time_settings_post, PRO, CSRF,     SMALL, TRAJ(UPDATE) },
	{ PO, "/threads/:thid/active", api_active_post,    PRO, JSON | CSRF, SMALL, THREAD(READ) },
	{ PO, "/assignments/:asid/active", api_active_post, PRO, JSON | CSRF, SMALL, ASG(READ) },
	{ PO, "/q/:qid/active",       api_active_post,     PRO, JSON | CSRF, SMALL, OBJ(AUTHZ_QUESTIONNAIRE), AUTHZ_READ },
	{ PO, "/appointments/:apid/held", ui_appt_held_post, PRO, CSRF,      SMALL, APPT(UPDATE) },
	/* stakeholders (ui-stakeholder.c; issue 13): the client consents and
	 * withdraws (a READ route: also on a closed trajectory); a
	 * stakeholder reaches only the shared kinds */
	{ G,  "/t/:tid/stakeholders", ui_stake_traj,       PRO | CLI, 0,     0,     TRAJ(READ) },
	{ PO, "/t/:tid/stakeholders", ui_stake_propose_post, PRO | CLI, CSRF, SMALL, TRAJ(UPDATE) },
	{ PO, "/t/:tid/stakeholders/consent", ui_stake_consent_post, CLI, CSRF, SMALL, TRAJ(UPDATE) },
	{ PO, "/t/:tid/stakeholders/withdraw", ui_stake_withdraw_post, CLI, CSRF, SMALL, TRAJ(READ) },
	{ PO, "/appointments/:apid/stakeholders", ui_stake_appt_post, PRO, CSRF, SMALL, APPT(UPDATE) },
	{ G,  "/shared",              ui_shared_home,      ROLE_STAKEHOLDER, 0, 0,  NOOBJ },
	{ G,  "/shared/:tid",         ui_shared_traj,      ROLE_STAKEHOLDER, 0, 0,  OBJ(AUTHZ_SHARED_TRAJ), AUTHZ_READ },
	{ G,  "/shared/appointments/:apid", ui_shared_appt, ROLE_STAKEHOLDER, 0, 0, OBJ(AUTHZ_SHARED_APPT), AUTHZ_READ },
	/* video and voice calls, the waiting room (ui-call.c) */
	{ G,  "/t/:tid/call",         ui_call_traj,        PRO | CLI, 0,     0,     TRAJ(READ) },
	{ PO, "/t/:tid/call",         ui_call_start_post,  PRO | CLI, CSRF,  SMALL, TRAJ(UPDATE) },
	{ G,  "/calls/:callid",       ui_call,             PRO | CLI, 0,     0,     CALL(READ) },
	{ PO, "/calls/:callid/join",  ui_call_join_post,   PRO | CLI, CSRF,  SMALL, CALL(UPDATE) },
	{ PO, "/calls/:callid/admit", ui_call_admit_post,  PRO, CSRF,        SMALL, CALL(UPDATE) },
	{ PO, "/calls/:callid/leave", ui_call_leave_post,  PRO | CLI, CSRF,  SMALL, CALL(UPDATE) },
	{ PO, "/calls/:callid/end",   ui_call_end_post,    PRO, CSRF,        SMALL, CALL(UPDATE) },
	{ PO, "/calls/:callid/signal", api_call_signal,    PRO | CLI, JSON | CSRF, LIMIT_CALL_BODY, CALL(UPDATE) },
	{ PO, "/calls/:callid/beat",  api_call_beat,       PRO | CLI, JSON | CSRF, SMALL, CALL(UPDATE) },
	{ G,  "/calls/:callid/state", api_call_state,      PRO | CLI, JSON,  0,     CALL(READ) },
	/* questionnaires built with a form (ui-instrument-builder.c, issue 11) */
	{ G,  "/instrument-builder",  ui_instrument_builder, PRO, 0,         0,     NOOBJ },
	{ PO, "/instrument-builder",  ui_instrument_builder_post, PRO, CSRF | ROUTE_MANY_FIELDS, FORM, NOOBJ },
	{ G,  "/instruments/:ivid/builder", ui_instrument_builder_open, PRO, 0, 0,  OBJ(AUTHZ_INSTRUMENT), AUTHZ_READ },
	/* media files (ui-media.c, src/media) */
	{ G,  "/org/media",           ui_media_list,       PRO | ADM, 0,     0,     NOOBJ },
	{ PO, "/org/media",           ui_media_upload,     PRO | ADM, CSRF | ROUTE_UPLOAD, LIMIT_BODY_MEDIA, NOOBJ },
	{ G,  "/media/:mdid",         ui_media_get,        PRO | CLI | ADM, 0,           0,     OBJ(AUTHZ_MEDIA), AUTHZ_READ },
	{ PO, "/media/:mdid/delete",  ui_media_delete_post, PRO | ADM, CSRF, SMALL, OBJ(AUTHZ_MEDIA), AUTHZ_DELETE },
	{ PO, "/media/:mdid/share",   ui_media_share_post, ADM, CSRF,        SMALL, OBJ(AUTHZ_MEDIA), AUTHZ_UPDATE },
	/* self-help modules (ui-module.c, issue 12) */
	{ G,  "/modules",             ui_mod_library,      PRO | ADM, 0,     0,     NOOBJ },
	{ PO, "/modules",             ui_mod_create_post,  PRO | ADM, CSRF,  SMALL, NOOBJ },
	{ G,  "/modules/:modid",        ui_mod_edit,         PRO | ADM, 0,     0,     OBJ(AUTHZ_MODULE), AUTHZ_READ },
	{ PO, "/modules/:modid",        ui_mod_save_post,    PRO | ADM, CSRF,  FORM,  OBJ(AUTHZ_MODULE), AUTHZ_UPDATE },
	{ PO, "/modules/:modid/publish", ui_mod_publish_post, PRO | ADM, CSRF, SMALL, OBJ(AUTHZ_MODULE), AUTHZ_UPDATE },
	{ G,  "/modules/:modid/preview", ui_mod_preview,     PRO | ADM, 0,     0,     OBJ(AUTHZ_MODULE), AUTHZ_READ },
	{ G,  "/t/:tid/modules",      ui_mod_traj,         PRO | CLI, 0,     0,     TRAJ(READ) },
	{ PO, "/t/:tid/modules",      ui_mod_assign_post,  PRO, CSRF,        SMALL, TRAJ(CREATE) },
	{ G,  "/md/:rid",             ui_mod_run,          PRO | CLI, 0,     0,     OBJ(AUTHZ_MODULE_RUN), AUTHZ_READ },
	{ PO, "/md/:rid/answer",      ui_mod_answer_post,  CLI, CSRF,        SMALL, OBJ(AUTHZ_MODULE_RUN), AUTHZ_UPDATE },
	{ PO, "/md/:rid/finish",      ui_mod_finish_post,  CLI, CSRF,        SMALL, OBJ(AUTHZ_MODULE_RUN), AUTHZ_UPDATE },
	{ PO, "/md/:rid/feedback",    ui_mod_feedback_post, PRO, CSRF,       SMALL, OBJ(AUTHZ_MODULE_RUN), AUTHZ_UPDATE },
	/* module packages (ui-mod-pkg.c, src/package) */
	{ PO, "/module-packages",     ui_mod_import_post,  PRO | ADM, CSRF | ROUTE_UPLOAD, LIMIT_BODY_PKG, NOOBJ },
	{ PO, "/module-packages/examples", ui_mod_examples_post, ADM, CSRF, SMALL, NOOBJ },
	{ G,  "/modules/:modid/package", ui_mod_package,   PRO | ADM, 0,     0,     OBJ(AUTHZ_MODULE), AUTHZ_READ },
	/* the psycho-education library (ui-library.c, issue 12) */
	{ G,  "/library",             ui_library,          PRO | ADM, 0,     0,     NOOBJ },
	{ G,  "/library/new",         ui_library_new,      PRO | ADM, 0,     0,     NOOBJ },
	{ PO, "/library",             ui_library_create_post, PRO | ADM, CSRF, FORM, NOOBJ },
	{ G,  "/library/:lid",        ui_library_item,     PRO | ADM | CLI, 0, 0,   OBJ(AUTHZ_LIBRARY), AUTHZ_READ },
	{ G,  "/library/:lid/edit",   ui_library_edit,     PRO | ADM, 0,     0,     OBJ(AUTHZ_LIBRARY), AUTHZ_UPDATE },
	{ PO, "/library/:lid",        ui_library_update_post, PRO | ADM, CSRF, FORM, OBJ(AUTHZ_LIBRARY), AUTHZ_UPDATE },
	{ PO, "/library/:lid/publish", ui_library_publish_post, PRO | ADM, CSRF, SMALL, OBJ(AUTHZ_LIBRARY), AUTHZ_UPDATE },
	{ PO, "/library/:lid/share",  ui_library_share_post, ADM, CSRF,     SMALL, OBJ(AUTHZ_LIBRARY), AUTHZ_ADMIN },
	{ G,  "/library/:lid/send",   ui_library_send,     PRO, 0,           0,     OBJ(AUTHZ_LIBRARY), AUTHZ_READ },
	{ PO, "/library/:lid/send",   ui_library_send_post, PRO, CSRF,       SMALL, OBJ(AUTHZ_LIBRARY), AUTHZ_READ },
	{ PO, "/library/:lid/keep",   ui_library_keep_post, CLI, CSRF,       SMALL, OBJ(AUTHZ_LIBRARY), AUTHZ_READ },
	{ G,  "/my-library",          ui_library_mine,     CLI, 0,           0,     NOOBJ },
	/* calls: the leave a closing call page sends (ui-call.c, callfix) */
	{ PO, "/calls/:callid/unload", ui_call_unload_post, PRO | CLI, CSRF, SMALL, CALL(UPDATE) },
	/* the closing report (ui-stakeholder.c, src/stakeholder; issue 13):
	 * a professional writes it, also once closed; the client reads and
	 * shares it; a stakeholder reads the version shared */
	{ G,  "/t/:tid/report",       ui_report_page,      PRO | CLI, 0,     0,     OBJ(AUTHZ_TRAJ_REPORT), AUTHZ_READ },
	{ PO, "/t/:tid/report",       ui_report_post,      PRO, CSRF,        FORM,  OBJ(AUTHZ_TRAJ_REPORT), AUTHZ_UPDATE },
	{ PO, "/t/:tid/report/share", ui_report_share_post, CLI, CSRF,       SMALL, OBJ(AUTHZ_TRAJ_REPORT), AUTHZ_UPDATE },
	{ G,  "/t/:tid/report/print", ui_report_print,     PRO | CLI, 0,     0,     OBJ(AUTHZ_TRAJ_REPORT), AUTHZ_READ },
	{ G,  "/shared/:tid/report",  ui_shared_report,    ROLE_STAKEHOLDER, 0, 0,  OBJ(AUTHZ_SHARED_REPORT), AUTHZ_READ },
	/* issue 12, libsend: library items sent in an assignment or a module
	 * (ui-libpick.c), questionnaire choice and session dates (ui-module.c),
	 * the clients' modules (ui-mod-overview.c) */
	{ G,  "/assignments/:asid/library", ui_asg_library, PRO, 0,          0,     ASG(UPDATE) },
	{ PO, "/assignments/:asid/library", ui_asg_library_post, PRO, CSRF,  SMALL, ASG(UPDATE) },
	{ G,  "/modules/:modid/library", ui_mod_library_pick, PRO | ADM, 0,  0,     OBJ(AUTHZ_MODULE), AUTHZ_UPDATE },
	{ PO, "/modules/:modid/library", ui_mod_library_pick_post, PRO | ADM, CSRF, SMALL, OBJ(AUTHZ_MODULE), AUTHZ_UPDATE },
	{ PO, "/modules/:modid/questionnaire", ui_mod_questionnaire_post, PRO | ADM, CSRF, SMALL, OBJ(AUTHZ_MODULE), AUTHZ_UPDATE },
	{ G,  "/overview/modules",    ui_mod_overview,     PRO, 0,           0,     NOOBJ },
	{ PO, "/md/:rid/date",        ui_mod_date_post,    PRO, CSRF,        SMALL, OBJ(AUTHZ_MODULE_RUN), AUTHZ_UPDATE },
};

#undef G
#undef PO
#undef ANON
#undef CSRF
#undef JSON
#undef PART
#undef ANY
#undef ADM
#undef PRO
#undef CLI
#undef FORM
#undef SMALL
#undef OBJ
#undef NOOBJ
#undef APPT
#undef TRAJ
#undef THREAD
#undef MSG
#undef ATT
#undef MEMBER
#undef ASG
#undef ASGFILE
#undef CALL

const struct route *
web_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

const char *
web_route_object(const struct route *rt)
{
	if (rt->obj == ROUTE_OBJ_NONE)
		return "none";
	if (rt->obj < ROUTE_OBJ_FIRST)
		return "?";
	return authz_kind_name((enum authz_kind)(rt->obj - ROUTE_OBJ_FIRST));
}

const char *
web_route_action(const struct route *rt)
{
	if (rt->obj == ROUTE_OBJ_NONE)
		return "none";
	return authz_action_name((enum authz_action)rt->act);
}

int
web_init(struct app *app)
{
	web_audit_start(app);
	return 0;
}

void
web_fini(struct app *app)
{
	web_audit_stop(app);
}

static const char *
pick_lang(struct req *r, const struct session *s)
{
	const char *c, *al;

	if (s && s->lang[0])
		return strcmp(s->lang, "en") == 0 ? "en" : "nl";
	if ((c = req_cookie(r, "lang")) != NULL)
		return strcmp(c, "en") == 0 ? "en" : "nl";
	al = r->accept_language ? r->accept_language : "";
	/* The first preference decides; Dutch is the default otherwise. */
	while (*al == ' ')
		al++;
	if (strncmp(al, "en", 2) == 0)
		return "en";
	return "nl";
}

static void
use_lang(struct req *r, const char *lang)
{
	struct app *app = r->app;
	locale_t l = strcmp(lang, "en") == 0 ? app->loc_en : app->loc_nl;

	web_req_state(r)->lang = lang;
	if (l)
		uselocale(l);
}

/* The CSRF value the caller must echo: the session's token, or before
 * log-in a random value in a cookie (double submit), so the log-in form
 * cannot be posted from another site either. */
const char *
web_csrf_value(struct req *r)
{
	struct session *s = page_session(r);
	struct web_state *ws = web_req_state(r);
	struct buf tok = BUF_INIT;

	if (s)
		return s->csrf;
	if (ws->pre_csrf)
		return ws->pre_csrf;
	if ((ws->pre_csrf = req_cookie(r, "infuus_pre")) == NULL ||
	    strlen(ws->pre_csrf) != 43) {
		crypto_token(&tok);
		ws->pre_csrf = arena_strdup(&r->arena, tok.p);
		resp_cookie(r, "infuus_pre", ws->pre_csrf, -1);
		buf_release(&tok);
	}
	return ws->pre_csrf;
}

/* The token as the headers carry it, before any body: X-CSRF-Token
 * (scripts) or ?csrf= in the address (a form too large to wait for
 * carries it in its action; the access log never shows the query). */
static const char *
csrf_early(struct req *r)
{
	const char *sent = req_header(r, "X-CSRF-Token");

	return sent ? sent : req_query(r, "csrf");
}

static bool
csrf_match(struct req *r, const char *sent)
{
	const char *want;

	if (sent == NULL)
		return false;
	if (page_session(r))
		return session_csrf_ok(page_session(r), sent);
	want = req_cookie(r, "infuus_pre");
	return want && strlen(want) == 43 && strlen(sent) == 43 &&
	    crypto_equal(want, sent, 43);
}

static bool
csrf_ok(struct req *r)
{
	const char *sent = req_form(r, "csrf");

	return csrf_match(r, sent ? sent : csrf_early(r));
}

/* Why a cross-site request was refused (compared by address in
 * render_error, which says it in the visitor's language). */
static const char cross_site_detail[] = "The request came from another site.";

/* Does origin ("http://host:port") name the site of url (base_url)? */
static bool
origin_is(const char *origin, const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;
	size_t n;

	if (p == NULL)
		return false;
	n = (size_t)(strchrnul(p + 3, '/') - url);
	return strlen(origin) == n && strncasecmp(origin, url, n) == 0;
}

/*
 * A second line behind the token: browsers say where a request comes from
 * (Origin on every POST, Sec-Fetch-Site in current ones).  A state change
 * from another site is refused even with a valid token; a request without
 * these headers (an older browser, a script) is left to the token.  Our
 * own origin is base_url's, or the Host the browser addressed.
 */
static bool
cross_site(struct req *r)
{
	struct app *app = r->app;
	const char *site = req_header(r, "Sec-Fetch-Site");
	const char *origin = req_header(r, "Origin");
	const char *host = req_header(r, "Host");
	const char *scheme = r->tls ? "https://" : "http://";
	size_t n = strlen(scheme);

	if (site && strcasecmp(site, "cross-site") == 0)
		return true;
	if (origin == NULL || origin_is(origin, app->cfg.base_url))
		return false;
	return !(host && strncasecmp(origin, scheme, n) == 0 &&
	    strcasecmp(origin + n, host) == 0);
}

/* The CSRF checks authorize can make from the headers; HTTP_AUTH_BODY
 * when the token can only be in the form. */
static int
csrf_headers(struct req *r)
{
	const char *sent = csrf_early(r);

	if (cross_site(r)) {
		r->error_detail = cross_site_detail;
		log_info("web.csrf", "id=%llu cross-site request refused",
		    (unsigned long long)r->id);
		return ERR_CSRF;
	}
	if (sent == NULL)
		return HTTP_AUTH_BODY;
	return csrf_match(r, sent) ? 0 : ERR_CSRF;
}

static int
login_redirect(struct req *r, const char *to)
{
	if (r->wants_json)
		return ERR_AUTH;
	resp_redirect(r, to);
	return 1;
}

/* Does the session's organisation require two factors that this user has
 * not passed?  Only asked on the rare path of a session without them. */
static bool
org_requires_2fa(struct req *r, const struct session *s)
{
	struct app *app = r->app;
	struct org org;

	if (s->org_id == 0)
		return false;
	if (org_get(app->db, s->org_id, &r->arena, &org) != 0)
		return false;
	return org.require_2fa;
}

/* Who is calling: the session of the cookie (r->auth, NULL when none or
 * ended) and the language of the answer.  ERR_BUSY when the database
 * could not tell. */
static int
identify(struct req *r)
{
	struct app *app = r->app;
	struct session_policy pol = { app->cfg.session_idle,
		app->cfg.session_absolute };
	struct session *s = NULL;
	const char *tok = req_cookie(r, "infuus_session");
	int rc = 0;

	web_req_state(r); /* allocate the per-request state early */
	if (tok && strlen(tok) <= 64) {
		s = ARENA_NEW(&r->arena, struct session);
		rc = session_lookup_cached(app->sessions, app->db, &pol, tok,
		    time(NULL), s);
		if (rc != 0) {
			s = NULL;
			if (rc != ERR_BUSY)
				resp_cookie(r, "infuus_session", "", 0);
			if (rc == ERR_REAUTH)
				web_req_state(r)->expired = true;
		}
	}
	r->auth = s;
	use_lang(r, pick_lang(r, s));
	return rc == ERR_BUSY ? rc : 0;
}

/* A refusal of the route table's: into the access log, then the answer. */
static int
refuse(struct req *r, int err)
{
	web_audit_refusal(r, "route", 0, err);
	return err;
}

/* The object the route's path names, as the route table says: its id
 * parsed, then authz decides with the caller's organisation, role and
 * part in the object's trajectory.  Every refusal is in the access log.
 * The checked object waits in the request's state for the handler. */
static int
check_object(struct req *r)
{
	const struct route *rt = r->route;
	struct app *app = r->app;
	struct principal p = page_principal(r);
	enum authz_kind kind;
	const char *v = NULL;
	int64_t id = 0;
	size_t i;
	int rc;

	if (rt->obj == ROUTE_OBJ_NONE)
		return 0;
	kind = (enum authz_kind)(rt->obj - ROUTE_OBJ_FIRST);
	for (i = 0; i < r->nparams && v == NULL; i++)
		if (!http_param_is_secret(r->params[i].key,
		    strlen(r->params[i].key)))
			v = r->params[i].val;
	/* An id that is no number is as unknown as any other. */
	if (v == NULL || num_parse_i64(str_c(v), 1, INT64_MAX, &id) != 0)
		rc = ERR_NOTFOUND;
	else
		rc = authz_object(app->db, &p, (enum authz_action)rt->act,
		    kind, id, &web_req_state(r)->obj);
	if (rc == ERR_NOTFOUND || rc == ERR_FORBIDDEN)
		web_audit_refusal(r, authz_kind_name(kind), id, rc);
	return rc;
}

static int
authorize(struct req *r)
{
	const struct route *rt = r->route;
	struct session *s;
	int rc, orc;

	if ((rc = identify(r)) != 0)
		return rc;
	s = r->auth;

	if (s == NULL) {
		if (!(rt->flags & ROUTE_ANON))
			return login_redirect(r, web_req_state(r)->expired ?
			    "/login?expired=1" : "/login");
	} else {
		/* Also on the routes open to anonymous callers ("/"): a
		 * signed-in session reaches nothing but finishing or setting
		 * up its second factor, and logging out, until it has. */
		if (s->twofa_pending && !(rt->flags & ROUTE_PARTIAL))
			return login_redirect(r, "/login/2fa");
		if (!s->twofa_passed && !s->twofa_pending &&
		    !(rt->flags & ROUTE_PARTIAL) && org_requires_2fa(r, s)) {
			web_audit_refusal(r, "route", 0, ERR_AUTH);
			return login_redirect(r, "/account/2fa?required=1");
		}
		if (!(rt->flags & ROUTE_ANON) && rt->roles != ROLE_ALL &&
		    !(rt->roles & (unsigned)s->role))
			return refuse(r, ERR_FORBIDDEN);
		if ((rt->flags & ROUTE_2FA) && !s->twofa_passed)
			return ui_needs_2fa(r, refuse(r, ERR_FORBIDDEN));
	}
	/* The token from the headers, then the object: both before a byte
	 * of the body.  HTTP_AUTH_BODY (the token is in a small form) still
	 * has the object checked now; the token follows in authorize_body. */
	if ((rt->flags & ROUTE_CSRF) && (rc = csrf_headers(r)) < 0)
		return refuse(r, rc);
	orc = check_object(r);
	return orc != 0 ? orc : (rt->flags & ROUTE_CSRF) ? rc : 0;
}

/* authorize runs with the headers; the handler perhaps much later, after
 * other requests on this thread: the locale is applied only while code of
 * ours runs for this request (authorize_body, render_error). */
static int
authorize_headers(struct req *r)
{
	int rc = authorize(r);

	uselocale(LC_GLOBAL_LOCALE);
	return rc;
}

static int
authorize_body(struct req *r, bool csrf_in_body)
{
	use_lang(r, pick_lang(r, page_session(r)));
	if (csrf_in_body && !csrf_ok(r))
		return refuse(r, ERR_CSRF);
	return 0;
}

static void
cross_site_page(struct req *r)
{
	const char *msg = _("This request came from another website, so it "
	    "was refused. If you meant to do this, open Infuus yourself and "
	    "try again.");
	struct buf j = BUF_INIT;

	r->status = 403;
	if (r->wants_json) {
		buf_adds(&j, "{\"error\":\"CSRF\",\"message\":");
		json_str(&j, str_c(msg));
		buf_adds(&j, "}");
		resp_json(r, 403, j.p, j.len);
		buf_release(&j);
		return;
	}
	page_begin(r, _("No access"));
	page_notice(r, "error", msg);
	P(r, "<p><a href=\"/\">");
	T(r, _("Back to the start page"));
	P(r, "</a></p>\n");
	page_end(r);
}

static void
render_error(struct req *r, int err)
{
	/* An unknown path never reached authorize: recognise the caller
	 * anyway, so the error page shows their menu and language. */
	if (r->route == NULL && r->auth == NULL)
		identify(r);
	else
		use_lang(r, pick_lang(r, page_session(r)));
	if (err == ERR_CSRF && r->error_detail == cross_site_detail)
		cross_site_page(r);
	else
		page_error(r, err);
	/* May run between authorize and the handler (a body refused while
	 * it arrives): leave the thread's locale as it was. */
	uselocale(LC_GLOBAL_LOCALE);
}

static void
finish(struct req *r)
{
	(void)r;
	uselocale(LC_GLOBAL_LOCALE);
}

struct http_hooks
web_hooks(void)
{
	struct http_hooks h = { authorize_headers, render_error, finish,
	    authorize_body };

	return h;
}

const struct authz_object *
web_obj(struct req *r)
{
	return &web_req_state(r)->obj;
}

struct web_state *
web_req_state(struct req *r)
{
	/* Shared by the hooks and the handler of one request; in the arena. */
	if (r->app_state == NULL)
		r->app_state = ARENA_NEW(&r->arena, struct web_state);
	return r->app_state;
}

void
web_audit_event(struct req *r, struct audit_event *ev, int action,
    const char *kind, int64_t client_id, int64_t object_id,
    const char *purpose)
{
	struct app *app = r->app;
	struct session *s = page_session(r);

	memset(ev, 0, sizeof(*ev));
	ev->org_id = s ? s->org_id : 0;
	ev->action = (enum audit_action)action;
	ev->outcome = AUDIT_SUCCESS;
	ev->actor_id = s ? s->user_id : 0;
	ev->role = s && s->role ? role_name(s->role) : "anonymous";
	ev->purpose = purpose;
	ev->address = r->remote_addr;
	ev->device = r->user_agent;
	ev->client_id = client_id;
	ev->kind = kind;
	ev->object_id = object_id;
	ev->node = app->cfg.node;
}
