/** The shapes of `GET /api/player/playlist`, as the server sends them. */

export interface ScheduleJson {
  is_enabled: boolean;
  /** UTC instant (ISO 8601) or null. */
  start: string | null;
  end: string | null;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  play_days: number[];
  /** Device-local time of day, `HH:MM[:SS[.ffffff]]`, or null. */
  from: string | null;
  to: string | null;
}

export interface Asset {
  asset_id: string;
  name: string;
  mimetype: string;
  url: string;
  /** Seconds; 0 on a video means "play to its end". */
  duration: number;
  nocache: boolean;
  refresh_interval_s: number;
  headers: Record<string, string>;
  play_order: number;
  is_processing: boolean;
  schedule: ScheduleJson;
}

export interface PlayerSettings {
  player_name: string;
  shuffle_playlist: boolean;
  show_splash: boolean;
  screen_rotation: number;
  audio_output: string;
  default_duration: number;
  verify_ssl: boolean;
  display_power_schedule_enabled: boolean;
  /** `HH:MM`, device time. */
  display_power_on_time: string;
  display_power_off_time: string;
  /** Comma-separated weekdays, Monday = 0: the days an on-period begins. */
  display_power_days: string;
}

export interface Playlist {
  server_time: string;
  timezone: string;
  settings: PlayerSettings;
  admin_urls: string[];
  assets: Asset[];
}
