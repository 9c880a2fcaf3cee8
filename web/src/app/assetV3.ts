// API v3's assets in the shape the pages use (Anthias v2's, see `Asset`). Only answers need
// mapping: what the pages send is already in words both APIs share.
import type { Asset } from "./api";

/** An asset as API v3 answers it (`view` in src/api/v3/assets.rs, `Asset` in openapi/v3.json). */
export interface V3Asset {
  id: string;
  name: string;
  uri: string;
  mimetype: string;
  duration: number;
  start_date: string | null;
  end_date: string | null;
  is_enabled: boolean;
  is_active: boolean;
  is_processing: boolean;
  processing_status: "pending" | "processing" | "done" | "failed";
  processing_error: string | null;
  nocache: boolean;
  play_order: number;
  skip_asset_check: boolean;
  play_days: number[];
  play_time_from: string | null;
  play_time_to: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  file_size: number | null;
  sha256: string | null;
  created_at: string;
  updated_at: string;
}

/** One page of `GET /api/v3/assets`; follow `next_cursor` until it is null. */
export interface V3Page {
  items: V3Asset[];
  next_cursor: string | null;
}

export function fromV3(a: V3Asset): Asset {
  return {
    asset_id: a.id,
    name: a.name,
    uri: a.uri,
    start_date: a.start_date,
    end_date: a.end_date,
    duration: a.duration,
    mimetype: a.mimetype,
    is_enabled: a.is_enabled,
    nocache: a.nocache,
    play_order: a.play_order,
    skip_asset_check: a.skip_asset_check,
    is_active: a.is_active,
    is_processing: a.is_processing,
    play_days: a.play_days,
    play_time_from: a.play_time_from,
    play_time_to: a.play_time_to,
    // The pages show a failed job's reason from metadata.error_message, where v2 keeps it.
    metadata: a.processing_error ? { ...a.metadata, error_message: a.processing_error } : a.metadata,
    file_size: a.file_size,
  };
}
