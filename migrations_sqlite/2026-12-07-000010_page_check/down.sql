ALTER TABLE assets DROP COLUMN page_checked_at;
ALTER TABLE assets DROP COLUMN page_reason;
ALTER TABLE assets DROP COLUMN page_status;
