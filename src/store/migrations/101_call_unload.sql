-- 101_call_unload.sql - leaving a call when its page goes away (issue 10;
-- owner: src/call).  A participant whose page went away (closed, or
-- navigated elsewhere: the page's leave beacon, call.h call_unload) left
-- at unload_at; a join soon after (the same page reloaded) takes them
-- back in without the waiting room.  NULL: left another way, or never.
ALTER TABLE call_parts ADD COLUMN unload_at BIGINT;
