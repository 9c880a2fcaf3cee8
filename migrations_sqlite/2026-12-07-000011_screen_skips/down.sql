ALTER TABLE screens DROP COLUMN skipped;
