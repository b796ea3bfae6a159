-- 012_queue.sql - what the reply queue, the adherence report and the
-- notification outbox keep beyond 011_message.sql.

-- When an "I need more time" notice moves the deadline of a waiting
-- client message, deadline_at gets the new moment and original_deadline
-- keeps the promised one (set once: a second notice moves deadline_at
-- again but leaves the promise as it was).  The adherence report judges a
-- reply against the promise, and counts "within the announced extension"
-- on its own.  NULL: never moved.
ALTER TABLE messages ADD COLUMN original_deadline BIGINT;

-- The report reads an organisation's client messages by the time sent.
CREATE INDEX messages_org_created ON messages(org_id, created_at);

-- The outbox: a row is taken for mailing by setting hold_until to the
-- end of a lease (LIMIT_OUTBOX_LEASE) and marked sent_at after the mail
-- went out; a failed mail leaves it pending with attempts + 1 and
-- hold_until at the next try (backoff).  A row is due when sent_at is NULL
-- and hold_until is NULL or has passed, so the rows of a node that died
-- while mailing are taken over when its lease ends.
ALTER TABLE notifications ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN hold_until BIGINT;
