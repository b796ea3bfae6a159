-- 101_call_unload.sql - leaving a call when its page goes away (issue 10;
-- owner: src/call).  A participant whose page went away (closed, or
-- navigated elsewhere: the page's leave beacon, call.h call_unload) left
-- at unload_at, from the call itself (unload_in 1) or its waiting room
-- (0); a join soon after (the same page reloaded) takes them back to
-- where they were, and a call nobody is left in waits as long for them.
-- NULL: left another way, or never.
ALTER TABLE call_parts ADD COLUMN unload_at BIGINT;
ALTER TABLE call_parts ADD COLUMN unload_in BIGINT NOT NULL DEFAULT 0;
