// What the screens show now, from their own reports (`now_playing` of GET /api/v3/screens), and
// whether each is online: the Schedule page's list says what should play, this says what does.
import { useEffect, useMemo, useState } from "preact/hooks";
import { isCloud } from "../account";
import { type Asset, call } from "../api";
import { STATUS_LABEL, ago, byName, statusAt } from "../screens";
import { type Screen, screensApi } from "../screensApi";
import { SkipList } from "../components";
import { onLiveEvent } from "../store";

/** How often the fleet is read again while the page is open. */
const REREAD_MS = 15_000;

/** `GET /api/v1/viewer_current_asset`: the device's own kiosk's last report (`[]`: none). */
async function deviceCurrent(): Promise<string | null> {
  const r = await call<{ asset_id?: string } | unknown[]>("GET", "/api/v1/viewer_current_asset");
  return !Array.isArray(r) && r && typeof r.asset_id === "string" ? r.asset_id : null;
}

export function OnScreenNow({ assets, now }: { assets: Asset[]; now: number }) {
  const [screens, setScreens] = useState<Screen[] | null>(null);
  const [skew, setSkew] = useState(0);
  const [own, setOwn] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async () => {
      try {
        const r = await screensApi.list();
        if (!alive) return;
        setScreens(r.screens);
        if (r.serverTime !== null) setSkew(r.serverTime - Date.now());
        setErr(null);
      } catch (e) {
        if (alive) setErr(e instanceof Error ? e.message : String(e));
      }
      if (!isCloud()) {
        try {
          const id = await deviceCurrent();
          if (alive) setOwn(id);
        } catch {
          // The device's own screen line is left out.
        }
      }
      if (alive) timer = setTimeout(read, REREAD_MS);
    };
    void read();
    const off = onLiveEvent(() => {
      clearTimeout(timer);
      void read();
    });
    return () => {
      alive = false;
      clearTimeout(timer);
      off();
    };
  }, []);

  const names = useMemo(() => new Map(assets.map((a) => [a.asset_id, a.name])), [assets]);
  const shows = (id: string | null | undefined) => (id ? (names.get(id) ?? "an item no longer in the list") : null);
  const sorted = (screens ?? []).slice().sort(byName);

  if (screens === null && !err && own === null) return null;
  return (
    <section class="card on-screen" aria-labelledby="on-screen-h" data-testid="on-screen">
      <h2 id="on-screen-h">On screen now</h2>
      <ul class="plain">
        {/* The device's own kiosk reports what it shows but not whether it is still there (any
            screen's report lands in the same place), so it is said as a last report, and only
            when no paired screen can say more. */}
        {!isCloud() && own && sorted.length === 0 ? (
          <li data-testid="screen-last">
            Last reported on screen: “{shows(own)}”
          </li>
        ) : null}
        {sorted.map((s) => {
          const status = statusAt(s, now, skew);
          const showing = status === "online" ? shows(s.now_playing?.asset_id) : null;
          return (
            <li data-testid="screen-now" data-status={status}>
              <span class={`dot ${status}`} aria-hidden="true" /> <span class="screen-name">{s.name}</span>{" "}
              <span class={`chip ${status === "online" ? "ok" : "bad"}`}>{STATUS_LABEL[status]}</span>{" "}
              {status === "online"
                ? showing
                  ? `showing “${showing}”`
                  : "has not said what it shows yet"
                : `last seen ${ago(s.last_seen_at, now, skew)}`}
              {s.skipped?.length ? <SkipList skipped={s.skipped} names={names} /> : null}
            </li>
          );
        })}
      </ul>
      {sorted.length === 0 && !own ? (
        <p class="muted small">{isCloud() ? "No screen is paired yet: add one under Screens." : "No screen has reported what it shows yet."}</p>
      ) : null}
      {err ? <p class="muted small">Could not read the screens: {err}</p> : null}
    </section>
  );
}
