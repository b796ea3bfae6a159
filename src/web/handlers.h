/*
 * handlers.h - the page and API handlers, one family per ui-*.c file (like
 * cgit's ui-<page>.c).  Only web.c's route table uses this list.  A
 * handler of a route with an object runs only after the router checked
 * that object for the caller; it finds the object with web_obj (web_int.h)
 * and parses no id of its own.
 */
#ifndef INFUUS_HANDLERS_H
#define INFUUS_HANDLERS_H

#include <stdint.h>

#include "appointment/appointment.h"
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
/* The answer to err on a page that needs two-step verification: what is
 * missing and where to set it up (authorize calls it; returns 1 or err). */
int ui_needs_2fa(struct req *r, int err);

/* ui-trajectory.c, ui-traj-page.c, ui-promise.c */
int ui_traj_list(struct req *r);
int ui_traj_new(struct req *r);
int ui_traj_create(struct req *r);
int ui_traj_show(struct req *r);
int ui_traj_phase_post(struct req *r);
int ui_traj_question_post(struct req *r);
int ui_traj_professional_post(struct req *r);
int ui_traj_reads_post(struct req *r);
int ui_traj_level_post(struct req *r);
int ui_traj_promise(struct req *r);
int ui_traj_promise_post(struct req *r);
/* The start page's "your trajectories" (web_home_sections calls it). */
struct session;
int ui_traj_home(struct req *r, const struct session *s);

/* ui-queue.c */
int ui_queue(struct req *r);
int ui_more_time_post(struct req *r);
int ui_adherence(struct req *r);
int ui_notify_settings_post(struct req *r);
/* The "I need more time" form for the thread page: renders nothing unless
 * the caller is a professional and something in the thread waits. */
int ui_more_time_form(struct req *r, int64_t thread_id);
/* The e-mail notification setting, a section of the account page. */
int ui_notify_settings(struct req *r);

/* ui-thread.c */
int ui_thread(struct req *r);
int ui_thread_post(struct req *r);
int ui_thread_read_post(struct req *r);
int ui_thread_create_post(struct req *r);
int ui_message_correct_post(struct req *r);
int ui_attachment(struct req *r);
int ui_export_json(struct req *r);
int ui_export_page(struct req *r);
int ui_search(struct req *r);
int api_thread_draft(struct req *r);
int api_thread_assistant(struct req *r);
/* The conversations of a trajectory, for the trajectory page: a section
 * with the thread list, a form for a new thread and the export links.
 * traj_id is the route's trajectory, which the router let a participant
 * read (not for an administrator who does not take part: they see no
 * threads).  Returns 0 or an ERR_* (nothing written then). */
int ui_thread_section(struct req *r, int64_t traj_id);

/* api.c */
int api_me(struct req *r);
int api_thread(struct req *r);

/* ui-live.c: event streams (issue 10) */
int ui_live_traj(struct req *r);
int ui_live_me(struct req *r);
/* The element that opens a page's stream of trajectory traj_id (the
 * thread shown, 0 for none) and its script; nothing without a bus. */
void ui_live_mark(struct req *r, int64_t traj_id, int64_t thread_id);
/* The same for the user's own stream (/live/me): on an event of kind
 * refresh the page's main content is fetched again ("queue"). */
void ui_live_mark_me(struct req *r, const char *refresh);
/* ui-chat.c: chat, the hourglass, recorded time (issue 10) */
int ui_chat(struct req *r);
int ui_chat_post(struct req *r);
int ui_chat_one(struct req *r);
int api_chat_typing(struct req *r);
int ui_chat_presence_post(struct req *r);
int ui_timer(struct req *r);
int ui_timer_post(struct req *r);
int ui_activities(struct req *r);
int ui_activity_correct_post(struct req *r);
/* The trajectory page's links to its chat (with unread count), hourglass
 * and recorded time; the route's trajectory, checked. */
void ui_chat_link(struct req *r, int64_t traj_id);
/* ui-appointment.c, ui-calendar.c: appointments (issue 13) */
int ui_appt_traj(struct req *r);
int ui_appt_book_post(struct req *r);
int ui_appt_show(struct req *r);
int ui_appt_reschedule_post(struct req *r);
int ui_appt_cancel_post(struct req *r);
int ui_appt_confirm_post(struct req *r);
int ui_appt_noshow_post(struct req *r);
int ui_appt_task_done_post(struct req *r);
int ui_appt_ics(struct req *r);
int ui_calendar(struct req *r);
int ui_calendar_hours_post(struct req *r);
int ui_calendar_feed_post(struct req *r);
int ui_calendar_feed_revoke_post(struct req *r);
int ui_calendar_feed(struct req *r);
/* The caller as the appointment module's actor, and labels for kinds and
 * states (shared by the two pages). */
struct appt_actor ui_appt_actor(struct req *r);
const char *ui_appt_kind_label(enum appt_kind k);
const char *ui_appt_status_label(enum appt_status s);
/* An appointment's when, kind and place: the first <dt>/<dd> pairs of a
 * <dl class="appt-facts"> (its own page, a stakeholder's). */
struct tz;
void ui_appt_facts(struct req *r, const struct tz *tz,
    const struct appointment *a);
/* ui-measures.c: questionnaires, results, the instrument library, the
 * diary and the mood meter (issue 11) */
int ui_measures(struct req *r);
int ui_measures_give_post(struct req *r);
int ui_fill(struct req *r);
int ui_fill_post(struct req *r);
int ui_results(struct req *r);
int ui_results_csv(struct req *r);
int ui_instruments(struct req *r);
int ui_instruments_post(struct req *r);
int ui_instruments_upload(struct req *r);
int ui_instrument(struct req *r);
int ui_diary(struct req *r);
int ui_diary_post(struct req *r);
int ui_diary_share_post(struct req *r);
int ui_mood(struct req *r);
int ui_mood_post(struct req *r);
int ui_mood_reminders_post(struct req *r);
/* ui-assignment.c */
int ui_asg_traj(struct req *r);
int ui_asg_create_post(struct req *r);
int ui_asg_answered_post(struct req *r);
int ui_asg_show(struct req *r);
int ui_asg_choose_post(struct req *r);
int ui_asg_work_post(struct req *r);
int api_asg_draft(struct req *r);
int ui_asg_feedback_post(struct req *r);
int ui_asg_done_post(struct req *r);
int ui_asg_step_post(struct req *r);
int ui_asg_file(struct req *r);
int ui_asg_file_remove_post(struct req *r);
int ui_asg_templates(struct req *r);
int ui_asg_template_post(struct req *r);
/* The queue page's section of handed-in work (ui_queue calls it). */
int ui_asg_queue_section(struct req *r);
/* The export's part: a section of the export page, and the members
 * "assignments" and "cycle_steps" added to the export's JSON object in b. */
struct buf;
int ui_asg_export_section(struct req *r, int64_t traj_id);
int ui_asg_export_json(struct req *r, int64_t traj_id, struct buf *b);
/* ui-module.c (issue 12, self-help modules) */
int ui_mod_library(struct req *r);
int ui_mod_create_post(struct req *r);
int ui_mod_edit(struct req *r);
int ui_mod_save_post(struct req *r);
int ui_mod_publish_post(struct req *r);
int ui_mod_preview(struct req *r);
int ui_mod_traj(struct req *r);
int ui_mod_assign_post(struct req *r);
int ui_mod_run(struct req *r);
int ui_mod_answer_post(struct req *r);
int ui_mod_finish_post(struct req *r);
int ui_mod_feedback_post(struct req *r);
/* The export page's section, and the member "modules" added to the
 * export's JSON object in b. */
int ui_mod_export_section(struct req *r, int64_t traj_id);
int ui_mod_export_json(struct req *r, int64_t traj_id, struct buf *b);

/* ui-billing.c: pricing and invoices (issue 13, src/billing) */
int ui_bill_org(struct req *r);
int ui_bill_org_post(struct req *r);
int ui_bill_org_csv(struct req *r);
int ui_bill_traj(struct req *r);
int ui_bill_contract_post(struct req *r);
int ui_bill_estimate_post(struct req *r);
int ui_invoice_create_post(struct req *r);
int ui_invoice_csv(struct req *r);
int ui_invoice_show(struct req *r);
int ui_invoice_pdf(struct req *r);
int ui_invoice_ubl(struct req *r);
int ui_invoice_credit_post(struct req *r);
/* ui-time.c and the appointment's "held" (issue 13, time accounting) */
int ui_time(struct req *r);
int ui_time_add_post(struct req *r);
int ui_time_settings_post(struct req *r);
int api_active_post(struct req *r);
int ui_appt_held_post(struct req *r);
/* A kind of time in words; the tag that makes a professional's page post
 * its active seconds (static/active.js) to path. */
const char *ui_time_kind_label(const char *kind);
void ui_time_active_tag(struct req *r, const char *path);
/* Does the trajectory's client see its time page (a link for them)? */
bool ui_time_client_sees(struct req *r, int64_t traj_id);
/* ui-stakeholder.c (issue 13, stakeholders) */
int ui_stake_traj(struct req *r);
int ui_stake_propose_post(struct req *r);
int ui_stake_consent_post(struct req *r);
int ui_stake_withdraw_post(struct req *r);
int ui_stake_appt_post(struct req *r);
int ui_shared_home(struct req *r);
int ui_shared_traj(struct req *r);
int ui_shared_appt(struct req *r);
/* the closing report (ui-stakeholder.c); the export's parts */
int ui_report_page(struct req *r);
int ui_report_post(struct req *r);
int ui_report_share_post(struct req *r);
int ui_report_print(struct req *r);
int ui_shared_report(struct req *r);
int ui_report_export_json(struct req *r, int64_t traj_id, struct buf *b);
int ui_report_export_section(struct req *r, int64_t traj_id);
/* The appointment page's section for a professional. */
void ui_stake_appt_section(struct req *r, int64_t traj_id, int64_t appt_id);
/* video and voice calls (ui-call.c) */
int ui_call_traj(struct req *r);
int ui_call_start_post(struct req *r);
int ui_call(struct req *r);
int ui_call_join_post(struct req *r);
int ui_call_admit_post(struct req *r);
int ui_call_leave_post(struct req *r);
int ui_call_unload_post(struct req *r);  /* the page's leave beacon */
int ui_call_end_post(struct req *r);
int api_call_signal(struct req *r);
int api_call_beat(struct req *r);
int api_call_state(struct req *r);
/* ui-instrument-builder.c: a questionnaire built with a form */
int ui_instrument_builder(struct req *r);
int ui_instrument_builder_post(struct req *r);
int ui_instrument_builder_open(struct req *r);
/* media files (ui-media.c, issue 12) */
int ui_media_list(struct req *r);
int ui_media_upload(struct req *r);
int ui_media_get(struct req *r);
int ui_media_delete_post(struct req *r);
int ui_media_share_post(struct req *r);
/* module packages (ui-mod-pkg.c, issue 12) */
int ui_mod_import_post(struct req *r);
int ui_mod_package(struct req *r);
int ui_mod_examples_post(struct req *r);

/* ui-library.c (the psycho-education library, issue 12) */
int ui_library(struct req *r);
int ui_library_new(struct req *r);
int ui_library_create_post(struct req *r);
int ui_library_item(struct req *r);
int ui_library_edit(struct req *r);
int ui_library_update_post(struct req *r);
int ui_library_publish_post(struct req *r);
int ui_library_share_post(struct req *r);
int ui_library_send(struct req *r);
int ui_library_send_post(struct req *r);
int ui_library_keep_post(struct req *r);
int ui_library_mine(struct req *r);

/* issue 12, libsend: ui-libpick.c (sending a library item in an
 * assignment or a module), ui-module.c (a module's questionnaire choice
 * list, a date per session), ui-mod-overview.c (the clients' modules) */
int ui_asg_library(struct req *r);
int ui_asg_library_post(struct req *r);
int ui_mod_library_pick(struct req *r);
int ui_mod_library_pick_post(struct req *r);
int ui_mod_questionnaire_post(struct req *r);
int ui_mod_date_post(struct req *r);
int ui_mod_overview(struct req *r);

#endif
