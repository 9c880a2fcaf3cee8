ALTER TABLE assets DROP COLUMN thumbnail_key;
