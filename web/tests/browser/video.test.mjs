// Video: a WebM made in the browser (canvas + MediaRecorder, no downloads) is
// uploaded, plays to its end when its duration is 0, is served from the
// service worker's cache (Range requests), and hands over to the next item.
import assert from "node:assert/strict";
import { test } from "node:test";
import { launch, openPlayer, runs, Server, sleep, startSampling, stopSampling, waitFor } from "./harness.mjs";

/** Records `seconds` of an animated canvas as WebM in a page of the server's origin and uploads it. */
async function uploadWebm(browser, server, seconds) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}/healthz`);
  const up = await page.evaluate(async (ms) => {
    const canvas = document.createElement("canvas");
    canvas.width = 320;
    canvas.height = 180;
    const g = canvas.getContext("2d");
    const stream = canvas.captureStream(25);
    const recorder = new MediaRecorder(stream, { mimeType: "video/webm" });
    const chunks = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    const done = new Promise((r) => (recorder.onstop = r));
    const t0 = performance.now();
    const draw = () => {
      const t = performance.now() - t0;
      g.fillStyle = `hsl(${(t / 10) % 360} 70% 50%)`;
      g.fillRect(0, 0, 320, 180);
      g.fillStyle = "#fff";
      g.fillRect((t / 5) % 320, 70, 40, 40);
      if (t < ms) requestAnimationFrame(draw);
    };
    draw();
    recorder.start(250);
    await new Promise((r) => setTimeout(r, ms));
    recorder.stop();
    await done;
    const form = new FormData();
    form.append("file_upload", new Blob(chunks, { type: "video/webm" }), "clip.webm");
    const r = await fetch("/api/v2/file_asset", { method: "POST", body: form });
    return r.json();
  }, seconds * 1000);
  await context.close();
  return up;
}

test("a video with duration 0 plays to its end, then the next item follows", async () => {
  const server = await Server.start();
  const browser = await launch();
  try {
    await server.settings({ show_splash: false });
    const a = await server.imageAsset({ name: "still", color: [90, 90, 90], duration: 1, playOrder: 0 });
    const up = await uploadWebm(browser, server, 2);
    const day = 86_400_000;
    const v = await server.api("POST", "/api/v2/assets", {
      name: "clip",
      uri: up.uri,
      ext: up.ext,
      mimetype: "video",
      start_date: new Date(Date.now() - day).toISOString(),
      end_date: new Date(Date.now() + day).toISOString(),
      duration: 0,
      is_enabled: true,
      skip_asset_check: true,
      play_order: 1,
    });
    assert.equal(v.is_processing, false);
    const { page } = await openPlayer(browser, server);
    await waitFor(page, (s) => s.current === v.asset_id, 15_000, "the video");
    const playing = await page.evaluate(async () => {
      await new Promise((r) => setTimeout(r, 500));
      const video = document.querySelector("#stage .layer.shown video");
      return video ? { paused: video.paused, t: video.currentTime, ready: video.readyState } : null;
    });
    assert.ok(playing && !playing.paused && playing.t > 0.2, `the video plays: ${JSON.stringify(playing)}`);
    // Second round: from the service worker's cache.
    await waitFor(page, (s) => s.current === a.asset_id, 10_000, "the still after the video");
    await startSampling(page, 50);
    await sleep(7000);
    const samples = await stopSampling(page);
    assert.ok(samples.every((s) => s.state === "playing" && s.visible), "no blank frame around the video");
    const spans = [];
    let start = samples[0];
    for (const s of samples.slice(1)) {
      if (s.current !== start.current) {
        spans.push({ id: start.current, ms: s.t - start.t });
        start = s;
      }
    }
    const videoSpans = spans.filter((s) => s.id === v.asset_id);
    assert.ok(videoSpans.length >= 1, `video shown again: ${runs(samples)}`);
    for (const s of videoSpans) assert.ok(s.ms > 1500 && s.ms < 3500, `video showed ${s.ms} ms (clip is 2 s)`);
    const cached = await page.evaluate(async () => (await (await caches.open("signate-media-v1")).keys()).length);
    assert.equal(cached, 2);
  } finally {
    await browser.close();
    await server.stop();
  }
});
