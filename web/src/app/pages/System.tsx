// Device health from GET /api/v2/info, refreshed every 5 s while visible.
import { useEffect, useState } from "preact/hooks";
import { api, type Info } from "../api";
import { errorText } from "../components";
import { useStore } from "../store";

function uptime(u: Info["uptime"]): string {
  const h = Math.floor(u.hours);
  const m = Math.round((u.hours - h) * 60);
  const parts = [];
  if (u.days) parts.push(`${u.days} day${u.days === 1 ? "" : "s"}`);
  if (h) parts.push(`${h} h`);
  parts.push(`${m} min`);
  return parts.join(" ");
}

/** The device's clock in its own zone (the browser may be elsewhere). */
function deviceTime(iso: string, zone: string, h24: boolean): string {
  const d = new Date(iso);
  try {
    return new Intl.DateTimeFormat([], { dateStyle: "medium", timeStyle: "medium", timeZone: zone, hour12: !h24 }).format(d);
  } catch {
    return d.toLocaleString();
  }
}

export function SystemPage() {
  const h24 = useStore().settings?.use_24_hour_clock ?? false;
  const [info, setInfo] = useState<Info | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let alive = true;
    const tick = async () => {
      if (document.visibilityState === "visible") {
        try {
          const i = await api.info();
          if (alive) {
            setInfo(i);
            setErr(null);
          }
        } catch (e) {
          if (alive) setErr(errorText(e));
        }
      }
      if (alive) timer = setTimeout(tick, 5000);
    };
    void tick();
    const onVis = () => {
      if (document.visibilityState === "visible") {
        clearTimeout(timer);
        void tick();
      }
    };
    document.addEventListener("visibilitychange", onVis);
    return () => {
      alive = false;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVis);
    };
  }, []);
  const rows: [string, string][] = info
    ? [
        ["Device", info.device_model],
        ["Version", info.anthias_version],
        // Two clocks people mix up: a restart of Signate alone does not restart the machine.
        ...(info.signate_uptime ? ([["Signate running for", uptime(info.signate_uptime)]] as [string, string][]) : []),
        ["Device on for", uptime(info.uptime)],
        ["Load (15 min average)", String(info.loadavg)],
        ["Free disk space", info.free_space],
        ["Memory", `${info.memory.used} MiB used of ${info.memory.total} MiB (${info.memory.available} MiB available)`],
        ["Device time", info.time ? deviceTime(info.time.iso, info.time.timezone, h24) : "—"],
        ["Time zone", info.time ? `${info.time.timezone} (${info.time.offset})` : "—"],
        ["Display", info.display_power ?? "Unknown"],
        ["MAC address", info.mac_address],
      ]
    : [];
  return (
    <div class="system">
      <div class="page-head">
        <h1>System</h1>
      </div>
      {err ? <p class="error">Could not read the device status: {err}</p> : null}
      {info ? (
        <section class="card">
          <dl class="facts">
            {rows.map(([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </>
            ))}
            <dt>Addresses</dt>
            <dd>
              <ul class="plain">
                {info.ip_addresses.map((u) => (
                  <li>
                    <a href={u}>{u}</a>
                  </li>
                ))}
              </ul>
            </dd>
          </dl>
          <p class="muted small">Updates every 5 seconds.</p>
        </section>
      ) : err ? null : (
        <p class="muted">Loading…</p>
      )}
    </div>
  );
}
