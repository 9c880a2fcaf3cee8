// Change duration and schedule of several assets at once, one PATCH each.
import { useState } from "preact/hooks";
import type { Asset, AssetPatch } from "../api";
import { assetApi } from "../assetApi";
import { Dialog, Field, toast } from "../components";
import { loadAssets } from "../store";
import { ScheduleFields, type ScheduleValue, checkSchedule, schedulePatch } from "./EditAsset";

export function BulkEdit(props: { assets: Asset[]; onClose: () => void; onDone: () => void }) {
  const [useDuration, setUseDuration] = useState(false);
  const [useSchedule, setUseSchedule] = useState(false);
  const [duration, setDuration] = useState("10");
  const [sched, setSched] = useState<ScheduleValue>({ start: "", end: "", days: [1, 2, 3, 4, 5, 6, 7], from: "", to: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function apply(e: Event) {
    e.preventDefault();
    const err: Record<string, string> = useSchedule ? checkSchedule(sched, false) : {};
    if (useDuration && (!/^\d+$/.test(duration.trim()) || Number(duration) > 31536000)) err.duration = "Whole seconds, from 0 to 31536000.";
    setErrors(err);
    if (Object.keys(err).length || (!useDuration && !useSchedule)) return;
    setBusy(true);
    let failed = 0;
    for (const a of props.assets) {
      const patch: AssetPatch = {};
      if (useDuration && !a.mimetype.includes("video")) patch.duration = Number(duration);
      if (useSchedule) {
        const p = schedulePatch(sched);
        if (!sched.start) delete p.start_date;
        if (!sched.end && !sched.noEnd) delete p.end_date;
        Object.assign(patch, p);
      }
      if (!Object.keys(patch).length) continue;
      try {
        await assetApi().update(a.asset_id, patch);
      } catch {
        failed++;
      }
    }
    await loadAssets();
    setBusy(false);
    if (failed) toast(`${failed} of ${props.assets.length} could not be changed`, "bad");
    else toast(`Changed ${props.assets.length} item${props.assets.length === 1 ? "" : "s"}`);
    props.onDone();
  }

  return (
    <Dialog title={`Edit ${props.assets.length} items`} onClose={props.onClose}>
      <form class="form" onSubmit={apply} noValidate>
        <p class="hint">Tick what you want to change; everything else stays as it is.</p>
        <label class="check">
          <input type="checkbox" name="use_duration" checked={useDuration} onChange={(e) => setUseDuration((e.currentTarget as HTMLInputElement).checked)} />
          Change how long each shows (videos keep their length)
        </label>
        {useDuration ? (
          <Field label="Show for (seconds)" error={errors.duration}>
            <input name="duration" inputMode="numeric" value={duration} onInput={(e) => setDuration((e.currentTarget as HTMLInputElement).value)} />
          </Field>
        ) : null}
        <label class="check">
          <input type="checkbox" name="use_schedule" checked={useSchedule} onChange={(e) => setUseSchedule((e.currentTarget as HTMLInputElement).checked)} />
          Change the schedule (empty dates are left as they are)
        </label>
        {useSchedule ? <ScheduleFields value={sched} onChange={setSched} errors={errors} /> : null}
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy || (!useDuration && !useSchedule)}>
            {busy ? "Saving…" : "Apply"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
