-- The last check of a web page by the page_check job: whether a browser can show it in the
-- player's frame. page_status is 'ok', 'not_frameable' or 'unreachable'; NULL until a check
-- could be made (the job has not run, or the SSRF guard keeps the server from fetching it).
-- Columns rather than keys in `metadata`: clients replace `metadata` whole (v3), and this is
-- the server's verdict, not the client's data.
ALTER TABLE assets ADD COLUMN page_status TEXT;
ALTER TABLE assets ADD COLUMN page_reason TEXT;
ALTER TABLE assets ADD COLUMN page_checked_at TIMESTAMP;
