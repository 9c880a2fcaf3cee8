-- SHA-256 (hex) of the stored file, recorded as it is written.
ALTER TABLE assets ADD COLUMN sha256 TEXT;
