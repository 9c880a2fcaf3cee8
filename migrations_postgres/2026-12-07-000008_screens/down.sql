ALTER TABLE play_events DROP COLUMN screen_id;
DROP TABLE screen_pairings;
DROP TABLE screens;
DROP TABLE screen_groups;
