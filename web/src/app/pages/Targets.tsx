// Whom a schedule or an interrupt is aimed at: every screen, or chosen screens and groups. The
// lists need devices.view; without it only "All screens" (or the ids already chosen) is offered.
import { useEffect, useState } from "preact/hooks";
import { can } from "../account";
import { errorText } from "../components";
import { byName } from "../screens";
import { type Group, type Screen, screensApi } from "../screensApi";

export interface Fleet {
  screens: Screen[];
  groups: Group[];
}

/** The tenant's screens and groups (null until read, or when the role may not list them). */
export function useFleet(): { fleet: Fleet | null; error: string | null } {
  const [fleet, setFleet] = useState<Fleet | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!can("devices.view")) return;
    let alive = true;
    Promise.all([screensApi.list(), screensApi.groups()]).then(
      ([s, g]) => alive && setFleet({ screens: s.screens.slice().sort(byName), groups: g.slice().sort(byName) }),
      (e) => alive && setError(errorText(e)),
    );
    return () => {
      alive = false;
    };
  }, []);
  return { fleet, error };
}

export interface TargetsValue {
  all: boolean;
  screenIds: string[];
  groupIds: string[];
}

const toggle = (list: string[], id: string, on: boolean) => (on ? [...list.filter((x) => x !== id), id] : list.filter((x) => x !== id));

export function TargetsField(props: { value: TargetsValue; fleet: Fleet | null; onChange: (v: TargetsValue) => void; error?: string | undefined; name: string }) {
  const v = props.value;
  const f = props.fleet;
  return (
    <fieldset class={`targets${props.error ? " invalid" : ""}`}>
      <legend>Screens</legend>
      <label class="check">
        <input type="radio" name={`${props.name}-targets`} checked={v.all} onChange={() => props.onChange({ ...v, all: true })} />
        All screens
      </label>
      <label class="check">
        <input type="radio" name={`${props.name}-targets`} checked={!v.all} onChange={() => props.onChange({ ...v, all: false })} />
        Chosen screens and groups
      </label>
      {v.all ? null : f === null ? (
        <p class="hint">
          {v.screenIds.length + v.groupIds.length
            ? `${v.screenIds.length} screen(s) and ${v.groupIds.length} group(s) chosen. `
            : ""}
          Your role cannot list the screens; someone who manages screens can choose them.
        </p>
      ) : f.screens.length === 0 && f.groups.length === 0 ? (
        <p class="hint">No screens yet: add one on the Screens page first.</p>
      ) : (
        <div class="target-lists">
          {f.screens.length ? (
            <div role="group" aria-label="Screens">
              <p class="label">Screens</p>
              {f.screens.map((s) => (
                <label class="check">
                  <input
                    type="checkbox"
                    name={`${props.name}-screen`}
                    value={s.id}
                    checked={v.screenIds.includes(s.id)}
                    onChange={(e) => props.onChange({ ...v, screenIds: toggle(v.screenIds, s.id, (e.currentTarget as HTMLInputElement).checked) })}
                  />
                  {s.name}
                </label>
              ))}
            </div>
          ) : null}
          {f.groups.length ? (
            <div role="group" aria-label="Groups">
              <p class="label">Groups</p>
              {f.groups.map((g) => (
                <label class="check">
                  <input
                    type="checkbox"
                    name={`${props.name}-group`}
                    value={g.id}
                    checked={v.groupIds.includes(g.id)}
                    onChange={(e) => props.onChange({ ...v, groupIds: toggle(v.groupIds, g.id, (e.currentTarget as HTMLInputElement).checked) })}
                  />
                  Group {g.name}
                </label>
              ))}
            </div>
          ) : null}
        </div>
      )}
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
    </fieldset>
  );
}

/** The client-side check: "chosen" needs at least one screen or group. */
export function checkTargets(v: TargetsValue): string | undefined {
  return !v.all && v.screenIds.length === 0 && v.groupIds.length === 0 ? "Choose at least one screen or group, or All screens." : undefined;
}
