DROP TABLE play_events;
