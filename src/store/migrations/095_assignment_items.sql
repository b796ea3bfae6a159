-- 095_assignment_items.sql - library items attached to an assignment
-- (issue 12, "a professional sends an item to a client in an assignment");
-- owned by src/assignment (asg_items.c).
--
-- Which item of the psycho-education library a professional attached to
-- a client's assignment.  The library's content is not client data and
-- is stored plain (090_library.sql); that this client is to read that
-- item is no more than library_kept already holds plain, and the
-- assignment's own text stays sealed.  An item withdrawn or no longer
-- shared stays listed here but is no longer shown (lib_visible_on).
CREATE TABLE assignment_items (
	assignment_id BIGINT NOT NULL REFERENCES assignments(id)
	    ON DELETE CASCADE,
	item_id BIGINT NOT NULL REFERENCES library_items(id) ON DELETE CASCADE,
	added_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	added_at BIGINT NOT NULL,
	PRIMARY KEY (assignment_id, item_id)
);
CREATE INDEX assignment_items_item ON assignment_items (item_id);
