// API v3's assets as the pages use them (v2's shape).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromV3, type V3Asset } from "../../src/app/assetV3.js";

const v3: V3Asset = {
  id: "7e57d004a5b14e0f8c3d2b1a09f8e7d6",
  name: "Lobby welcome",
  uri: "https://cdn.example.com/lobby/welcome.png",
  mimetype: "image",
  duration: 10,
  start_date: "2026-11-22T00:00:00.000Z",
  end_date: "2027-11-22T00:00:00.000Z",
  is_enabled: true,
  is_active: true,
  is_processing: false,
  processing_status: "done",
  processing_error: null,
  nocache: false,
  play_order: 3,
  skip_asset_check: false,
  play_days: [1, 2, 3, 4, 5],
  play_time_from: "08:00",
  play_time_to: "18:00",
  tags: ["lobby"],
  metadata: { campaign: "winter" },
  file_size: 482113,
  sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  created_at: "2026-11-22T09:30:00.000Z",
  updated_at: "2026-11-22T09:45:00.000Z",
};

test("a v3 asset in the pages' shape", () => {
  assert.deepEqual(fromV3(v3), {
    asset_id: v3.id,
    name: "Lobby welcome",
    uri: "https://cdn.example.com/lobby/welcome.png",
    start_date: "2026-11-22T00:00:00.000Z",
    end_date: "2027-11-22T00:00:00.000Z",
    duration: 10,
    mimetype: "image",
    is_enabled: true,
    nocache: false,
    play_order: 3,
    skip_asset_check: false,
    is_active: true,
    is_processing: false,
    play_days: [1, 2, 3, 4, 5],
    play_time_from: "08:00",
    play_time_to: "18:00",
    metadata: { campaign: "winter" },
    file_size: 482113,
  });
});

test("a failed job's reason is where the pages look for it", () => {
  const failed = fromV3({ ...v3, processing_status: "failed", processing_error: "Could not convert the video." });
  assert.deepEqual(failed.metadata, { campaign: "winter", error_message: "Could not convert the video." });
  assert.deepEqual(v3.metadata, { campaign: "winter" }, "the answer is not changed");
});
