/*
 * stake_int.h - what stakeholder.c and stake_report.c share inside the
 * module.
 */
#ifndef INFUUS_STAKE_INT_H
#define INFUUS_STAKE_INT_H

#include <stdint.h>

struct db_conn;
struct why;

/* The version of traj_id's closing report that sharing STAKE_REPORT now
 * shares: its newest finished one; when shares does not hold STAKE_REPORT,
 * 0.  w "shares" (ERR_INVAL) when it holds it and nothing is finished. */
int stake_report_to_share_on(struct db_conn *c, int64_t traj_id,
    unsigned shares, struct why *w, int64_t *version);

#endif
