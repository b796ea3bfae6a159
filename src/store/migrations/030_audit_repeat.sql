-- 030_audit_repeat.sql - an access-log entry may stand for several
-- events: repeats of one refusal or failure within a window are counted
-- (src/audit/repeat.h) instead of each taking a row, so a flood of
-- refusals cannot flood the log.  Entries from before hold one event each.
-- The outcome filter of the administrator's view reads the rows its index
-- found, as the action and kind filters do.
ALTER TABLE audit_log ADD COLUMN repeat_count BIGINT NOT NULL DEFAULT 1;
