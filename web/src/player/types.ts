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
  /** Web pages: the server's last check; null or absent until one was made (older servers). */
  page_check?: PageCheckJson | null;
}

/** What the server's check of a web page found (it checks on create, on a new address, every 6 h). */
export interface PageCheckJson {
  /** ok: frames fine; not_frameable: refuses frames (X-Frame-Options, CSP frame-ancestors); unreachable: no answer or an error status. */
  status: "ok" | "not_frameable" | "unreachable";
  reason: string;
  /** UTC ISO 8601. */
  checked_at: string;
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
  /**
   * What this screen plays when (docs/programming.md): absent from an older
   * server and in device mode, where the assets alone decide.
   */
  program?: ProgramJson | null;
}

/** Whom a schedule or an interrupt is for. */
export interface TargetsJson {
  all?: boolean;
  screen_ids?: string[];
  group_ids?: string[];
}

/**
 * A schedule of the program. The playlist sends only the enabled ones aimed at
 * this screen, without `targets` and `is_enabled`; the rule's own shape (the
 * shared vectors) has them.
 */
export interface ProgramScheduleJson {
  id: string;
  playlist_id: string;
  targets?: TargetsJson;
  is_enabled?: boolean;
  /** UTC instants; null: open. */
  start: string | null;
  end: string | null;
  /** ISO weekdays, in the tenant's time zone. */
  play_days: number[];
  /** The daily window, `HH:MM[:SS]`, in the tenant's time zone; both or neither. */
  from: string | null;
  to: string | null;
  priority: number;
  created_at: string;
}

export interface PlaylistItemJson {
  asset_id: string;
  /** Seconds, overriding the asset's own; null keeps it. */
  duration: number | null;
}

export interface ProgramPlaylistJson {
  name: string;
  shuffle: boolean;
  items: PlaylistItemJson[];
}

export interface MessageJson {
  text: string;
  /** `#rgb` or `#rrggbb`. */
  background: string;
  color: string;
}

/** An interrupt of the program: an asset, or a message, shown at once. */
export interface ProgramInterruptJson {
  id: string;
  targets?: TargetsJson;
  asset_id: string | null;
  message: MessageJson | null;
  created_at: string;
  /** It ends by itself then (exclusive); null: until deleted. */
  until: string | null;
  /** Someone ended it then (the rule's shape; the playlist sends only those not ended). */
  ended_at?: string | null;
}

/** `program` in the playlist: enough to apply the rule for days without the server. */
export interface ProgramJson {
  screen_id: string | null;
  group_id: string | null;
  schedules: ProgramScheduleJson[];
  playlists: Record<string, ProgramPlaylistJson>;
  interrupts: ProgramInterruptJson[];
}
