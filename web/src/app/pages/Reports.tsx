// Cloud mode: reports (docs/programming.md, tenant.analytics) — plays per day, the top
// assets / screens / schedules / days, screens' uptime per day, for a range of days in the
// tenant's time zone (the last 30 by default), and the plays as CSV. The charts are SVG drawn
// here, each with <title>s and a table to read instead.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { DAY_MIN, dayString, localDay, wallMinutes } from "../calendar";
import {
  band,
  count,
  csvFilename,
  daysBetween,
  heatLevel,
  labelEvery,
  niceScale,
  perDay,
  reportRange,
  scale,
  shortDay,
  spoken,
  top,
  uptimeGrid,
} from "../charts";
import { errorText, toast } from "../components";
import { type GroupBy, type PlaysReport, type PlaysRow, type UptimeRow, programApi } from "../programApi";
import { useZone } from "./Calendar";

const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;

const GROUPS: { by: GroupBy; label: string; top: string }[] = [
  { by: "asset", label: "Content", top: "Top content" },
  { by: "screen", label: "Screen", top: "Top screens" },
  { by: "schedule", label: "Schedule", top: "Top schedules" },
  { by: "day", label: "Day", top: "Busiest days" },
];

/** The element's width, kept up to date (charts draw at the size they get: readable on a phone). */
function useWidth(fallback = 600): [preact.RefObject<HTMLDivElement>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [w, setW] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setW(el.clientWidth || fallback);
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => setW(el.clientWidth || fallback));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

/** A chart with a table to read instead, behind a toggle. */
function Chart(props: { id: string; title: string; summary: ComponentChildren; children: ComponentChildren; table: ComponentChildren }) {
  return (
    <section class="card report" aria-labelledby={`${props.id}-h`}>
      <h2 id={`${props.id}-h`}>{props.title}</h2>
      <p class="muted small">{props.summary}</p>
      {props.children}
      <details class="as-table">
        <summary>Show as a table</summary>
        {props.table}
      </details>
    </section>
  );
}

/** Plays per day as columns: an axis of round numbers, a label every few days. */
function DayColumns(props: { days: { day: string; plays: number; seconds: number }[]; title: string }) {
  const [ref, width] = useWidth();
  const H = 200;
  const left = 40;
  const bottom = 22;
  const plotW = Math.max(100, width - left - 8);
  const plotH = H - bottom - 8;
  const s = niceScale(Math.max(0, ...props.days.map((d) => d.plays)));
  const every = labelEvery(props.days.length, Math.floor(plotW / 56));
  return (
    <div ref={ref} class="chart">
      <svg width={width} height={H} role="img" aria-labelledby="plays-day-t" viewBox={`0 0 ${width} ${H}`}>
        <title id="plays-day-t">{props.title}</title>
        <g transform={`translate(${left},8)`}>
          {s.ticks.map((t) => {
            const y = plotH - scale(t, s.max, plotH);
            return (
              <g>
                <line class="grid" x1={0} x2={plotW} y1={y} y2={y} />
                <text class="tick" x={-6} y={y} text-anchor="end" dominant-baseline="middle">
                  {count(t)}
                </text>
              </g>
            );
          })}
          {props.days.map((d, i) => {
            const b = band(i, props.days.length, plotW);
            const h = scale(d.plays, s.max, plotH);
            return (
              <g>
                <rect class="bar" x={b.x} y={plotH - h} width={Math.max(1, b.w)} height={h}>
                  <title>
                    {shortDay(d.day)}: {count(d.plays)} plays, {spoken(d.seconds)}
                  </title>
                </rect>
                {(props.days.length - 1 - i) % every === 0 ? (
                  <text
                    class="tick"
                    x={i === props.days.length - 1 ? b.x + b.w : i === 0 ? b.x : b.x + b.w / 2}
                    y={plotH + 15}
                    text-anchor={i === props.days.length - 1 ? "end" : i === 0 ? "start" : "middle"}
                  >
                    {shortDay(d.day)}
                  </text>
                ) : null}
              </g>
            );
          })}
        </g>
      </svg>
    </div>
  );
}

/** The top rows as horizontal bars, each with its label above (room for long names on a phone). */
function TopBars(props: { rows: PlaysRow[]; title: string }) {
  const [ref, width] = useWidth();
  const ROW = 38;
  const H = props.rows.length * ROW + 4;
  const max = Math.max(1, ...props.rows.map((r) => r.plays));
  const barW = Math.max(60, width - 90);
  return (
    <div ref={ref} class="chart">
      <svg width={width} height={H} role="img" aria-labelledby="top-t" viewBox={`0 0 ${width} ${H}`}>
        <title id="top-t">{props.title}</title>
        {props.rows.map((r, i) => {
          const w = Math.max(2, scale(r.plays, max, barW));
          return (
            <g transform={`translate(0,${i * ROW})`}>
              <text class="bar-label" x={0} y={13}>
                {r.label.length > 60 ? `${r.label.slice(0, 59)}…` : r.label}
              </text>
              <rect class="bar" x={0} y={18} width={w} height={14} rx={2}>
                <title>
                  {r.label}: {count(r.plays)} plays, {spoken(r.seconds)}
                </title>
              </rect>
              <text class="tick" x={w + 6} y={29}>
                {count(r.plays)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

function PlaysTable(props: { rows: { label: string; plays: number; seconds: number }[]; first: string }) {
  return (
    <div class="table-scroll">
      <table class="data">
        <thead>
          <tr>
            <th scope="col">{props.first}</th>
            <th scope="col" class="num">
              Plays
            </th>
            <th scope="col" class="num">
              Time on screen
            </th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr>
              <th scope="row">{r.label}</th>
              <td class="num">{count(r.plays)}</td>
              <td class="num">{spoken(r.seconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Uptime: a row of coloured cells per screen, a column per day (a real table: readable as one). */
function Uptime(props: { rows: UptimeRow[]; days: string[] }) {
  const grid = uptimeGrid(props.rows, props.days);
  if (!grid.length) return <p class="muted">No screen reported in these days. Screens report while they are on and connected.</p>;
  const every = labelEvery(props.days.length, 10);
  return (
    <div class="table-scroll">
      <table class="heat" style={{ width: `calc(8rem + ${props.days.length} * 1.15rem)` }}>
        <caption class="visually-hidden">Uptime per screen and day, in percent</caption>
        <thead>
          <tr>
            <th scope="col" class="heat-screen">
              Screen
            </th>
            {props.days.map((d, i) => (
              <th scope="col" class="heat-day" title={shortDay(d)}>
                <span class={(props.days.length - 1 - i) % every === 0 ? "" : "visually-hidden"}>{shortDay(d)}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.map((s) => (
            <tr>
              <th scope="row">{s.name}</th>
              {s.cells.map((p, i) => {
                const words = `${s.name}, ${shortDay(props.days[i] as string)}: ${p === null ? "no data" : `${Math.round(p)}% online`}`;
                return (
                  <td class={`heat-cell l${heatLevel(p) ?? "x"}`} title={words}>
                    <span class="visually-hidden">{p === null ? "no data" : `${Math.round(p)}%`}</span>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted small heat-key" aria-hidden="true">
        <span class="heat-cell l4" /> 99–100% <span class="heat-cell l3" /> 90% <span class="heat-cell l2" /> 50% <span class="heat-cell l1" /> under 50%{" "}
        <span class="heat-cell l0" /> off <span class="heat-cell lx" /> no data
      </p>
    </div>
  );
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Rows with a label to show: plays of no schedule (the default playlist, an interrupt) may come without one. */
function named(r: PlaysReport): PlaysReport {
  const none = r.group_by === "schedule" ? "No schedule (default playlist or interrupt)" : "Unknown";
  return { ...r, rows: r.rows.map((x) => ({ ...x, key: x.key ?? "", label: x.label || x.key || none })) };
}

interface Data {
  byDay: PlaysRow[];
  grouped: PlaysRow[];
  uptime: UptimeRow[] | null;
  uptimeError: string | null;
}

export function ReportsPage() {
  const { zone, guessed } = useZone();
  const [today] = useState(() => localDay(Date.now(), zone));
  const [from, setFrom] = useState(() => dayString(today - 29));
  const [to, setTo] = useState(() => dayString(today));
  const [groupBy, setGroupBy] = useState<GroupBy>("asset");
  const [data, setData] = useState<Data | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [exporting, setExporting] = useState(false);
  const range = reportRange(from, to);
  const rangeError = "error" in range ? range.error : null;

  useEffect(() => {
    if ("error" in range) return;
    let alive = true;
    setLoading(true);
    const day = programApi.plays(range.from, range.to, "day").then(named);
    const grouped = groupBy === "day" ? day : programApi.plays(range.from, range.to, groupBy).then(named);
    const uptime = programApi.uptime(range.from, range.to).then(
      (rows) => ({ rows, error: null }),
      (e) => ({ rows: null, error: errorText(e) }),
    );
    Promise.all([day, grouped, uptime]).then(
      ([d, g, u]) => {
        if (!alive) return;
        setData({ byDay: d.rows, grouped: g.rows, uptime: u.rows, uptimeError: u.error });
        setErr(null);
        setLoading(false);
      },
      (e) => {
        if (!alive) return;
        setErr(errorText(e));
        setLoading(false);
      },
    );
    return () => {
      alive = false;
    };
  }, [from, to, groupBy]);

  async function exportCsv() {
    if ("error" in range) return;
    setExporting(true);
    try {
      const blob = await programApi.playsCsv(range.from, range.to, groupBy);
      download(blob, csvFilename(groupBy, from, to));
      toast("CSV downloaded");
    } catch (e) {
      toast(`No CSV: ${errorText(e)}`, "bad");
    } finally {
      setExporting(false);
    }
  }

  const quick = (days: number) => {
    const t = localDay(Date.now(), zone);
    setFrom(dayString(t - days + 1));
    setTo(dayString(t));
  };

  const days = daysBetween(from, to);
  const series = data ? perDay(data.byDay, days) : [];
  const total = series.reduce((a, d) => ({ plays: a.plays + d.plays, seconds: a.seconds + d.seconds }), { plays: 0, seconds: 0 });
  const g = GROUPS.find((x) => x.by === groupBy) ?? (GROUPS[0] as (typeof GROUPS)[number]);
  const topRows = data ? top(data.grouped, 10) : [];
  const nowDay = dayString(Math.floor(wallMinutes(Date.now(), zone) / DAY_MIN));

  return (
    <div class="reports-page">
      <div class="page-head">
        <h1>Reports</h1>
        <div class="controls">
          <button type="button" class="primary" onClick={() => void exportCsv()} disabled={exporting || Boolean(rangeError)}>
            {exporting ? "Exporting…" : "Export CSV"}
          </button>
        </div>
      </div>
      <form class="report-filters" onSubmit={(e) => e.preventDefault()} aria-label="Report range">
        <label>
          <span class="label">From</span>
          <input type="date" name="report_from" value={from} max={to || nowDay} onChange={(e) => setFrom(value(e))} />
        </label>
        <label>
          <span class="label">To</span>
          <input type="date" name="report_to" value={to} min={from} onChange={(e) => setTo(value(e))} />
        </label>
        <label>
          <span class="label">Group by</span>
          <select name="group_by" value={groupBy} onChange={(e) => setGroupBy(value(e) as GroupBy)}>
            {GROUPS.map((x) => (
              <option value={x.by}>{x.label}</option>
            ))}
          </select>
        </label>
        <div class="quick" role="group" aria-label="Quick ranges">
          <button type="button" onClick={() => quick(7)}>
            7 days
          </button>
          <button type="button" onClick={() => quick(30)}>
            30 days
          </button>
          <button type="button" onClick={() => quick(90)}>
            90 days
          </button>
        </div>
      </form>
      <p class="muted small">
        Days in {zone}
        {guessed ? " (this browser's zone)" : ""}. The export has the plays grouped by {g.label.toLowerCase()}.
      </p>
      {rangeError ? (
        <p class="error" role="alert">
          {rangeError}
        </p>
      ) : null}
      {err ? <p class="error">Could not load the report: {err}</p> : null}
      {data === null ? (
        err || rangeError ? null : <p class="muted">Loading…</p>
      ) : (
        <div class={loading ? "reports loading" : "reports"} aria-busy={loading}>
          {total.plays === 0 ? (
            <div class="empty">
              <h2>No plays in these days</h2>
              <p>
                Screens report each item as they show it. Once a paired screen has played something, it is counted here (the last days may
                take a minute to arrive).
              </p>
            </div>
          ) : (
            <>
              <Chart
                id="per-day"
                title="Plays per day"
                summary={`${count(total.plays)} plays, ${spoken(total.seconds)} on screen, ${days.length} days`}
                table={<PlaysTable first="Day" rows={series.map((d) => ({ label: shortDay(d.day), plays: d.plays, seconds: d.seconds }))} />}
              >
                <DayColumns days={series} title={`Plays per day from ${shortDay(from)} to ${shortDay(to)}`} />
              </Chart>
              <Chart
                id="top"
                title={g.top}
                summary={data.grouped.length > 10 ? `The 10 with the most plays of ${data.grouped.length}` : `${data.grouped.length} in all`}
                table={<PlaysTable first={g.label} rows={top(data.grouped, data.grouped.length)} />}
              >
                <TopBars rows={topRows} title={`${g.top} by plays`} />
              </Chart>
            </>
          )}
          <section class="card report" aria-labelledby="uptime-h">
            <h2 id="uptime-h">Screen uptime per day</h2>
            {data.uptimeError ? <p class="error">Could not load the uptime: {data.uptimeError}</p> : <Uptime rows={data.uptime ?? []} days={days} />}
          </section>
        </div>
      )}
    </div>
  );
}
