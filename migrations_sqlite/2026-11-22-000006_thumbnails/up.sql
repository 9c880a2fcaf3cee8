-- A small JPEG preview of the asset, made by a job (images; videos when ffmpeg is installed).
ALTER TABLE assets ADD COLUMN thumbnail_key TEXT;
