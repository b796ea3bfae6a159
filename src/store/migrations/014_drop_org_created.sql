-- 014_drop_org_created.sql - every message insert paid for an index that
-- only the adherence report used; the report reads the organisation's
-- trajectories and then each one's messages through
-- messages_trajectory (trajectory_id, created_at), in the order it needs.
DROP INDEX messages_org_created;
