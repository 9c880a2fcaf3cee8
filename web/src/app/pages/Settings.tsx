// Device settings, backup/restore, reboot/shutdown. Cloud mode: the organisation, and the
// screens' settings as the role allows (no password, backup or power: those are the device's).
import { useEffect, useMemo, useState } from "preact/hooks";
import { can, isCloud } from "../account";
import { ApiError, api, backupUrl, postWithProgress, type DeviceSettings, type Info, type SettingsPatch } from "../api";
import { Confirm, Field, Progress, Switch, errorText, toast } from "../components";
import { DAY_NAMES } from "../format";
import { changingLogin, loadAssets, refreshSession, setSettings, useStore } from "../store";
import { OrganisationCard } from "./Organisation";

const DATE_FORMATS = ["mm/dd/yyyy", "dd/mm/yyyy", "yyyy/mm/dd", "mm-dd-yyyy", "dd-mm-yyyy", "yyyy-mm-dd", "mm.dd.yyyy", "dd.mm.yyyy", "yyyy.mm.dd"];

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  try {
    return intl.supportedValuesOf?.("timeZone") ?? [];
  } catch {
    return [];
  }
}

/** The device commands configured, from `GET /api/v2/info` (null: not known yet, or cloud mode). */
type Commands = NonNullable<Info["commands"]>;

function SettingsForm({ initial, commands }: { initial: DeviceSettings; commands: Commands | null }) {
  const [s, setS] = useState<DeviceSettings>(initial);
  const [pw, setPw] = useState({ password: "", password_2: "", current_password: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const tzList = useMemo(zones, []);
  const set = <K extends keyof DeviceSettings>(k: K, v: DeviceSettings[K]) => setS((x) => ({ ...x, [k]: v }));
  const days = s.display_power_days === "" ? [0, 1, 2, 3, 4, 5, 6] : s.display_power_days.split(",").map(Number);
  const hadAccount = initial.auth_backend === "auth_basic";

  async function save(e: Event) {
    e.preventDefault();
    const err: Record<string, string> = {};
    for (const k of ["default_duration", "default_streaming_duration"] as const) {
      if (!Number.isInteger(s[k]) || s[k] < 0 || s[k] > 31536000) err[k] = "Whole seconds, from 0 to 31536000.";
    }
    if (s.timezone && tzList.length && !tzList.includes(s.timezone) && s.timezone !== "UTC") err.timezone = "Pick a time zone from the list.";
    const authChanging = s.auth_backend !== initial.auth_backend || s.username !== initial.username || pw.password !== "";
    if (s.auth_backend === "auth_basic") {
      if (!s.username.trim()) err.username = "Choose a user name.";
      if (!hadAccount && !pw.password) err.password = "Choose a password.";
      if (pw.password && pw.password.length < 8) err.password = "At least 8 characters.";
      if (pw.password !== pw.password_2) err.password_2 = "The two passwords differ.";
    }
    if (hadAccount && authChanging && !pw.current_password) err.current_password = "Enter your current password to change the login.";
    setErrors(err);
    if (Object.keys(err).length) {
      toast("Please check the highlighted fields", "bad");
      return;
    }
    const patch: SettingsPatch = { ...s };
    if (!authChanging) {
      delete patch.auth_backend;
      delete patch.username;
    } else {
      if (pw.password) {
        patch.password = pw.password;
        patch.password_2 = pw.password_2;
      }
      if (pw.current_password) patch.current_password = pw.current_password;
    }
    setBusy(true);
    try {
      // The server answers 401 with a Basic challenge, which makes browsers pop up their
      // own password box; so when the login changed, sign in with it before reading on.
      await changingLogin(
        (async () => {
          await api.updateSettings(patch);
          if (authChanging && s.auth_backend === "auth_basic") await api.login(s.username, pw.password || pw.current_password);
        })(),
      );
      const saved = await api.settings();
      setSettings(saved);
      if (authChanging) await refreshSession();

      setS(saved);
      setPw({ password: "", password_2: "", current_password: "" });
      if (saved.default_assets !== initial.default_assets) void loadAssets();
      if (authChanging) toast(saved.auth_backend ? "Settings saved. Password protection is on; you stay signed in here." : "Settings saved. Password protection is off.");
      else toast("Settings saved");
    } catch (ex) {
      if (ex instanceof ApiError) setErrors(ex.fields);
      toast(`Not saved: ${errorText(ex)}`, "bad");
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="form" onSubmit={save} noValidate>
      <section class="card" aria-labelledby="s-player">
        <h2 id="s-player">{isCloud() ? "Screens" : "Screen"}</h2>
        {isCloud() ? <p class="hint">These settings apply to every screen of your organisation; each screen's own name is set under Screens.</p> : null}
        <Field label="Screen name" error={errors.player_name} hint={isCloud() ? "Shown on the screens' welcome page." : "Shown in backups and on the splash page."}>
          <input name="player_name" value={s.player_name} onInput={(e) => set("player_name", (e.currentTarget as HTMLInputElement).value)} />
        </Field>
        <div class="two">
          <Field label="Default time per item (seconds)" error={errors.default_duration}>
            <input name="default_duration" inputMode="numeric" value={String(s.default_duration)} onInput={(e) => set("default_duration", Number((e.currentTarget as HTMLInputElement).value))} />
          </Field>
          <Field label="Default time per live stream (seconds)" error={errors.default_streaming_duration}>
            <input
              name="default_streaming_duration"
              inputMode="numeric"
              value={String(s.default_streaming_duration)}
              onInput={(e) => set("default_streaming_duration", Number((e.currentTarget as HTMLInputElement).value))}
            />
          </Field>
        </div>
        <div class="two">
          <Field
            label="Sound output"
            error={errors.audio_output}
            hint={
              commands && !commands.audio_output
                ? "This device has no sound command set up (audio_output_command in its configuration), so changing this does nothing here: sound goes wherever the system sends it."
                : undefined
            }
          >
            <select name="audio_output" value={s.audio_output} onChange={(e) => set("audio_output", (e.currentTarget as HTMLSelectElement).value)}>
              <option value="hdmi">HDMI (the screen)</option>
              <option value="local">Headphone jack</option>
            </select>
          </Field>
          <Field label="Screen rotation" error={errors.screen_rotation}>
            <select name="screen_rotation" value={String(s.screen_rotation)} onChange={(e) => set("screen_rotation", Number((e.currentTarget as HTMLSelectElement).value))}>
              {[0, 90, 180, 270].map((r) => (
                <option value={String(r)}>{r === 0 ? "Normal" : `${r}°`}</option>
              ))}
            </select>
          </Field>
        </div>
        <Switch checked={s.shuffle_playlist} label="Play in random order" onChange={(v) => set("shuffle_playlist", v)} />
        <Switch checked={s.show_splash} label="Show the welcome screen (with the device's address) at start" onChange={(v) => set("show_splash", v)} />
        <Switch checked={s.default_assets} label="Show the demo content (turning it off deletes the demo items)" onChange={(v) => set("default_assets", v)} />
        <Switch checked={s.prefer_dark_mode} label="Dark theme on the screen's own pages" onChange={(v) => set("prefer_dark_mode", v)} />
        <Switch checked={s.verify_ssl} label="Check website certificates (recommended)" onChange={(v) => set("verify_ssl", v)} />
        <Switch checked={s.debug_logging} label="Detailed logs (for troubleshooting)" onChange={(v) => set("debug_logging", v)} />
      </section>

      <section class="card" aria-labelledby="s-time">
        <h2 id="s-time">Date and time</h2>
        <Field label="Time zone" error={errors.timezone} hint={
            isCloud()
              ? "Type to search, e.g. “Berlin”. Your screens' schedules and daily windows follow it. Leave empty to use the server's time zone."
              : "Type to search, e.g. “Berlin”. Leave empty to use the device's own setting."
          }
        >
          <input name="timezone" list="tz-list" value={s.timezone} autocomplete="off" onInput={(e) => set("timezone", (e.currentTarget as HTMLInputElement).value)} />
          <datalist id="tz-list">
            {tzList.map((z) => (
              <option value={z} />
            ))}
          </datalist>
        </Field>
        <div class="two">
          <Field label="Date format" error={errors.date_format}>
            <select name="date_format" value={s.date_format} onChange={(e) => set("date_format", (e.currentTarget as HTMLSelectElement).value)}>
              {DATE_FORMATS.map((f) => (
                <option value={f}>{f}</option>
              ))}
            </select>
          </Field>
          <div class="field">
            <span class="label">Clock</span>
            <Switch checked={s.use_24_hour_clock} label="24-hour clock" onChange={(v) => set("use_24_hour_clock", v)} />
          </div>
        </div>
      </section>

      <section class="card" aria-labelledby="s-power">
        <h2 id="s-power">Turn the display on and off</h2>
        <Switch checked={s.display_power_schedule_enabled} label="Use a weekly on/off schedule" onChange={(v) => set("display_power_schedule_enabled", v)} />
        <div class="two">
          <Field label="Turn on at" error={errors.display_power_on_time}>
            <input type="time" name="display_power_on_time" value={s.display_power_on_time} onInput={(e) => set("display_power_on_time", (e.currentTarget as HTMLInputElement).value)} />
          </Field>
          <Field label="Turn off at" error={errors.display_power_off_time}>
            <input type="time" name="display_power_off_time" value={s.display_power_off_time} onInput={(e) => set("display_power_off_time", (e.currentTarget as HTMLInputElement).value)} />
          </Field>
        </div>
        <fieldset class="days">
          <legend>On these days</legend>
          {DAY_NAMES.map((name, i) => (
            <label class="day">
              <input
                type="checkbox"
                name={`power-day-${i}`}
                checked={days.includes(i)}
                onChange={(e) => {
                  const on = (e.currentTarget as HTMLInputElement).checked;
                  const next = on ? [...days, i] : days.filter((d) => d !== i);
                  set("display_power_days", [...new Set(next)].sort().join(","));
                }}
              />
              {name}
            </label>
          ))}
        </fieldset>
        {errors.display_power_days ? <p class="error">{errors.display_power_days}</p> : null}
        <p class="hint">If the off time is earlier than the on time, the display stays on overnight. Same times = always on.</p>
        {commands && !commands.display_power ? (
          <p class="hint" data-testid="display-power-missing">
            This device has no display command set up (display_power_command in its configuration): off hours show a black page, but the
            display itself stays powered.
          </p>
        ) : null}
      </section>

      {isCloud() ? null : (
        <section class="card" aria-labelledby="s-auth">
          <h2 id="s-auth">Password protection</h2>
          <Field label="Who can open this page" error={errors.auth_backend}>
            <select name="auth_backend" value={s.auth_backend} onChange={(e) => set("auth_backend", (e.currentTarget as HTMLSelectElement).value as DeviceSettings["auth_backend"])}>
              <option value="">Anyone on the network</option>
              <option value="auth_basic">Only with a user name and password</option>
            </select>
          </Field>
          {s.auth_backend === "auth_basic" || hadAccount ? (
            <>
              <p class="hint">
                Passwords need at least 8 characters, not only digits, not a common word and not like the user name.
                {hadAccount ? " To change the login or turn protection off, enter the current password." : ""}
              </p>
              {s.auth_backend === "auth_basic" ? (
                <>
                  <Field label="User name" error={errors.username}>
                    <input name="username" autocomplete="username" value={s.username} onInput={(e) => set("username", (e.currentTarget as HTMLInputElement).value)} />
                  </Field>
                  <div class="two">
                    <Field label={hadAccount ? "New password (optional)" : "Password"} error={errors.password}>
                      <input type="password" name="password" autocomplete="new-password" value={pw.password} onInput={(e) => setPw({ ...pw, password: (e.currentTarget as HTMLInputElement).value })} />
                    </Field>
                    <Field label="Repeat password" error={errors.password_2}>
                      <input type="password" name="password_2" autocomplete="new-password" value={pw.password_2} onInput={(e) => setPw({ ...pw, password_2: (e.currentTarget as HTMLInputElement).value })} />
                    </Field>
                  </div>
                </>
              ) : null}
              {hadAccount ? (
                <Field label="Current password" error={errors.current_password}>
                  <input
                    type="password"
                    name="current_password"
                    autocomplete="current-password"
                    value={pw.current_password}
                    onInput={(e) => setPw({ ...pw, current_password: (e.currentTarget as HTMLInputElement).value })}
                  />
                </Field>
              ) : null}
            </>
          ) : null}
        </section>
      )}
      {can("devices.manage") ? (
        <div class="actions sticky">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Saving…" : "Save settings"}
          </button>
        </div>
      ) : (
        <p class="hint">Your role can see these settings but not change them.</p>
      )}
    </form>
  );
}

function BackupCard() {
  const [busy, setBusy] = useState(false);
  const [restore, setRestore] = useState<{ progress: number; status: "uploading" | "done" | "failed"; text: string } | null>(null);
  // A restore wipes what is there now: it waits for a yes.
  const [pending, setPending] = useState<File | null>(null);

  async function backup() {
    setBusy(true);
    try {
      const name = await api.backup();
      const a = document.createElement("a");
      a.href = backupUrl(name);
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      toast(`Backup ${name} is downloading`);
    } catch (e) {
      toast(`Backup failed: ${errorText(e)}`, "bad");
    } finally {
      setBusy(false);
    }
  }

  async function upload(file: File) {
    const form = new FormData();
    form.append("backup_upload", file, file.name);
    setRestore({ progress: 0, status: "uploading", text: "Uploading…" });
    try {
      await postWithProgress<unknown>("/api/v2/recover", form, (sent, total) =>
        setRestore({ progress: total ? sent / total : 0, status: "uploading", text: sent >= total ? "Restoring…" : "Uploading…" }),
      );
      setRestore({ progress: 1, status: "done", text: "Restored. Your content and settings are back." });
      void loadAssets();
    } catch (e) {
      setRestore({ progress: 0, status: "failed", text: `Restore failed: ${errorText(e)}` });
    }
  }

  return (
    <section class="card" aria-labelledby="s-backup">
      <h2 id="s-backup">Backup</h2>
      <p class="hint">A backup holds your content, schedule and settings in one file. Restoring one replaces everything on this device with what the backup holds.</p>
      <div class="actions left">
        <button type="button" onClick={backup} disabled={busy}>
          {busy ? "Preparing…" : "Download a backup"}
        </button>
        <label class="button">
          Restore from a backup…
          <input
            type="file"
            name="backup_upload"
            accept=".tar.gz,.tgz,application/gzip,application/x-tgz"
            class="visually-hidden"
            onChange={(e) => {
              const input = e.currentTarget as HTMLInputElement;
              const f = input.files?.[0];
              if (f) setPending(f);
              input.value = "";
            }}
          />
        </label>
      </div>
      {restore ? (
        <div class={`restore ${restore.status}`} role="status">
          <Progress value={restore.progress} label="Restore upload" />
          <span>{restore.text}</span>
        </div>
      ) : null}
      {pending ? (
        <Confirm
          title="Replace everything with this backup?"
          text={`Restoring “${pending.name}” replaces all the content, schedule and settings on this device with the backup's. Anything added or changed since that backup was made is lost. Download a backup first if you may want today's back.`}
          action="Replace everything"
          danger
          onNo={() => setPending(null)}
          onYes={() => {
            const f = pending;
            setPending(null);
            void upload(f);
          }}
        />
      ) : null}
    </section>
  );
}

/** What the device can do on its own; `commands` null while the info is still on its way. */
function PowerCard({ commands }: { commands: Commands | null | undefined }) {
  const [ask, setAsk] = useState<"reboot" | "shutdown" | null>(null);
  async function run(what: "reboot" | "shutdown") {
    setAsk(null);
    try {
      await (what === "reboot" ? api.reboot() : api.shutdown());
      toast(what === "reboot" ? "Restarting the device…" : "Shutting the device down…");
    } catch (e) {
      if (e instanceof ApiError && e.status === 503) toast(`This device cannot ${what === "reboot" ? "restart" : "shut down"} from here: ${e.message}`, "bad");
      else toast(errorText(e), "bad");
    }
  }
  // An older server says nothing (undefined): offer both and let its 503 explain.
  const reboot = commands === undefined || commands?.reboot === true;
  const shutdown = commands === undefined || commands?.shutdown === true;
  const missing = [!reboot && "restart (reboot_command)", !shutdown && "shut down (shutdown_command)"].filter(Boolean);
  return (
    <section class="card" aria-labelledby="s-power2">
      <h2 id="s-power2">Restart or shut down</h2>
      {commands === null ? (
        <p class="muted">Loading…</p>
      ) : (
        <>
          {reboot || shutdown ? (
            <div class="actions left">
              {reboot ? (
                <button type="button" onClick={() => setAsk("reboot")}>
                  Restart device
                </button>
              ) : null}
              {shutdown ? (
                <button type="button" class="danger" onClick={() => setAsk("shutdown")}>
                  Shut down device
                </button>
              ) : null}
            </div>
          ) : null}
          {missing.length ? (
            <p class="hint" data-testid="power-missing">
              This device is not set up to {missing.join(" or ")} from here: Signate runs no system command unless its configuration names one.
              {reboot || shutdown ? "" : " Restart or unplug the device itself instead."}
            </p>
          ) : null}
        </>
      )}
      {ask ? (
        <Confirm
          title={ask === "reboot" ? "Restart the device?" : "Shut the device down?"}
          text={
            ask === "reboot"
              ? "The screen goes blank for a minute or two while it restarts."
              : "The screen stays off until someone unplugs the device and plugs it back in."
          }
          action={ask === "reboot" ? "Restart" : "Shut down"}
          danger={ask === "shutdown"}
          onNo={() => setAsk(null)}
          onYes={() => void run(ask)}
        />
      ) : null}
    </section>
  );
}

export function SettingsPage() {
  const { settings } = useStore();
  const [err, setErr] = useState<string | null>(null);
  const screens = can("devices.view");
  // null: not known yet; undefined: the server did not say (older, or the info failed).
  const [commands, setCommands] = useState<Commands | null | undefined>(isCloud() ? undefined : null);
  useEffect(() => {
    if (screens) api.settings().then(setSettings, (e) => setErr(errorText(e)));
    if (!isCloud()) api.info().then((i) => setCommands(i.commands), () => setCommands(undefined));
  }, []);
  return (
    <div class="settings">
      <div class="page-head">
        <h1>Settings</h1>
      </div>
      {isCloud() ? <OrganisationCard /> : null}
      {!screens ? null : settings ? <SettingsForm key={JSON.stringify(settings)} initial={settings} commands={commands ?? null} /> : <p class="muted">{err ?? "Loading…"}</p>}
      {isCloud() ? null : (
        <>
          <BackupCard />
          <PowerCard commands={commands} />
        </>
      )}
    </div>
  );
}
