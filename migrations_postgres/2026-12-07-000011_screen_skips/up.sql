-- What a screen could not show and skipped, as it last reported it in its heartbeat: a JSON
-- array of {"asset_id","reason"} (at most 50), NULL until it reports. The admin shows it, so a
-- page a screen cannot reach or frame is named instead of silently missing from the loop.
ALTER TABLE screens ADD COLUMN skipped TEXT;
