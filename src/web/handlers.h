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
int ui_asg_templates(struct req *r);
int ui_asg_template_post(struct req *r);
/* The queue page's section of handed-in work (ui_queue calls it). */
int ui_asg_queue_section(struct req *r);
/* The export's part: a section of the export page, and the members
 * "assignments" and "cycle_steps" added to the export's JSON object in b. */
struct buf;
int ui_asg_export_section(struct req *r, int64_t traj_id);
int ui_asg_export_json(struct req *r, int64_t traj_id, struct buf *b);

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

#endif
